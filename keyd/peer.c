/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The TLS peer of a keyd request (keyd/API.md "Transport"): GnuTLS checks
 * the chain against the CA that libmicrohttpd loaded (MHD_OPTION_HTTPS_MEM_TRUST)
 * and the key purpose TLS client (RFC 5280 4.2.1.12), in the handshake
 * (keyd_peer_require) and again when the peer is identified; the identities
 * are the certificate's subjectAltName dNSNames (RFC 5280 4.2.1.6) and
 * subject CN. */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include "keyd/peer.h"

static int peer_refuse(struct keyd_peer *p, const char *why)
{
	size_t n;

	p->verified = false;
	snprintf(p->why, sizeof(p->why), "%s", why);
	n = strlen(p->why);
	while (n && (p->why[n - 1] == ' ' || p->why[n - 1] == '.'))
		p->why[--n] = '\0';	/* GnuTLS's status text ends in ". " */
	if (p->n_names)
		snprintf(p->label, sizeof(p->label), "unverified '%s'", p->names[0]);
	else
		snprintf(p->label, sizeof(p->label), "(no certificate)");
	return -1;
}

/* One name of 1..KEYD_NAME_MAX printable ASCII octets: no NUL (which
 * would let "a.example\0.evil" pass for "a.example"), nothing that could
 * forge a log line. */
static void add_name(struct keyd_peer *p, const char *name, size_t len)
{
	size_t i;

	if (p->n_names >= KEYD_PEER_NAMES_MAX || len == 0 || len > KEYD_NAME_MAX)
		return;
	for (i = 0; i < len; i++)
		if (name[i] < 0x20 || name[i] > 0x7e)
			return;
	for (i = 0; i < p->n_names; i++)
		if (strlen(p->names[i]) == len && !strncasecmp(p->names[i], name, len))
			return;
	memcpy(p->names[p->n_names], name, len);
	p->names[p->n_names][len] = '\0';
	p->n_names++;
}

static void collect_names(struct keyd_peer *p, gnutls_x509_crt_t crt)
{
	char buf[KEYD_NAME_MAX + 2];
	unsigned int seq;
	size_t size;
	int type;

	/* the CN first: the name logs show */
	size = sizeof(buf);
	if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &size) == 0)
		add_name(p, buf, size);
	for (seq = 0;; seq++) {
		size = sizeof(buf);
		type = gnutls_x509_crt_get_subject_alt_name(crt, seq, buf, &size, NULL);
		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type == GNUTLS_SAN_DNSNAME)
			add_name(p, buf, size);
		/* too long or another kind of name: skip it */
	}
}

/* What a client certificate must be besides chained to the CA: for TLS
 * clients (RFC 5280 4.2.1.12). The one rule of the handshake
 * (keyd_peer_require) and of the identification (keyd_peer_identify). */
static void client_purpose(gnutls_typed_vdata_st *v)
{
	*v = (gnutls_typed_vdata_st){
		.type = GNUTLS_DT_KEY_PURPOSE_OID,
		.data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT,
		.size = sizeof(GNUTLS_KP_TLS_WWW_CLIENT) - 1,
	};
}

void keyd_peer_require(struct gnutls_session_int *session)
{
	gnutls_typed_vdata_st purpose;

	client_purpose(&purpose);
	/* RFC 8446 4.3.2, RFC 5246 7.4.4: the server asks; REQUIRE makes an
	 * empty answer fail the handshake (GnuTLS alert certificate_required) */
	gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUIRE);
	/* the chain and purpose checked during the handshake (GnuTLS copies
	 * the data); a failure is the alert bad_certificate or unknown_ca */
	gnutls_session_set_verify_cert2(session, &purpose, 1, 0);
}

int keyd_peer_identify(struct keyd_peer *p, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info;
	gnutls_session_t session;
	const gnutls_datum_t *certs;
	gnutls_x509_crt_t crt;
	unsigned int n_certs = 0, status = 0;
	gnutls_typed_vdata_st purpose;
	int rc;

	client_purpose(&purpose);

	memset(p, 0, sizeof(*p));
	info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!info || !info->tls_session)
		return peer_refuse(p, "not a TLS connection");
	session = info->tls_session;
	certs = gnutls_certificate_get_peers(session, &n_certs);
	if (!certs || n_certs == 0)
		return peer_refuse(p, "no client certificate");
	/* the names first, so a refusal can say whose certificate it was */
	if (gnutls_x509_crt_init(&crt) == 0) {
		if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) == 0)
			collect_names(p, crt);
		gnutls_x509_crt_deinit(crt);
	}
	rc = gnutls_certificate_verify_peers(session, &purpose, 1, &status);
	if (rc < 0)
		return peer_refuse(p, gnutls_strerror(rc));
	if (status) {
		gnutls_datum_t text = { 0 };

		if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) == 0) {
			peer_refuse(p, (const char *)text.data);
			gnutls_free(text.data);
			return -1;
		}
		return peer_refuse(p, "certificate not verified");
	}
	if (p->n_names == 0)
		return peer_refuse(p, "certificate names no dNSName and no CN");
	p->verified = true;
	snprintf(p->label, sizeof(p->label), "%s", p->names[0]);
	return 0;
}

bool keyd_peer_is(const struct keyd_peer *p, const char *name)
{
	size_t i;

	if (!p->verified)
		return false;
	for (i = 0; i < p->n_names; i++)
		if (!strcasecmp(p->names[i], name))
			return true;
	return false;
}

bool keyd_peer_is_network(const struct keyd_peer *p, const struct keyd_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_network_peers; i++)
		if (keyd_peer_is(p, cfg->network_peers[i]))
			return true;
	return false;
}

const char *keyd_peer_label(const struct keyd_peer *p)
{
	return p->label[0] ? p->label : "(no certificate)";
}
