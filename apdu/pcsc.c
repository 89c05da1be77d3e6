/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PC/SC client: list readers, connect by index or name, transmit. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <winscard.h>
#include <wintypes.h>

#include "common/log.h"
#include "apdu/pcsc.h"

struct pcsc_priv {
	SCARDCONTEXT ctx;
	SCARDHANDLE card;
	DWORD protocol;
	char reader[APDU_PCSC_NAME_MAX];
};

static int pcsc_err(const char *what, LONG rv)
{
	LOGP(DPCSC, LOGL_ERROR, "%s: %s (0x%08lx)\n", what, pcsc_stringify_error(rv),
	     (unsigned long)rv);
	switch (rv) {
	case SCARD_E_NO_SERVICE:
	case SCARD_E_SERVICE_STOPPED:
		return -ECONNREFUSED;
	case SCARD_E_NO_SMARTCARD:
	case SCARD_W_REMOVED_CARD:
		return -ENODEV;
	case SCARD_E_UNKNOWN_READER:
	case SCARD_E_NO_READERS_AVAILABLE:
		return -ENOENT;
	case SCARD_E_TIMEOUT:
		return -ETIMEDOUT;
	default:
		return -EIO;
	}
}

static int with_context(SCARDCONTEXT *ctx)
{
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, ctx);
	return rv == SCARD_S_SUCCESS ? 0 : pcsc_err("SCardEstablishContext", rv);
}

/*! List the readers that pcscd knows. Returns 0 or a negative errno. */
int apdu_pcsc_list(struct apdu_pcsc_readers *out)
{
	SCARDCONTEXT ctx;
	char *names = NULL;
	DWORD len = SCARD_AUTOALLOCATE;
	LONG rv;
	int rc;

	out->count = 0;
	if ((rc = with_context(&ctx)) < 0)
		return rc;
	rv = SCardListReaders(ctx, NULL, (LPSTR)&names, &len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE) {
		rc = 0;
	} else if (rv != SCARD_S_SUCCESS) {
		rc = pcsc_err("SCardListReaders", rv);
	} else {
		/* A multi-string: names separated by NUL, ended by an empty one. */
		for (const char *p = names; p < names + len && *p; p += strlen(p) + 1) {
			if (out->count == APDU_PCSC_READERS_MAX)
				break;
			snprintf(out->name[out->count++], APDU_PCSC_NAME_MAX, "%s", p);
		}
		rc = 0;
	}
	if (names)
		SCardFreeMemory(ctx, names);
	SCardReleaseContext(ctx);
	return rc;
}

/*! Pick a reader by index ("0", "1", ...), exact name, or unique substring.
 *  Returns the index or -1. */
int apdu_pcsc_resolve(const struct apdu_pcsc_readers *readers, const char *spec)
{
	char *endp;
	long idx = strtol(spec, &endp, 10);
	int found = -1;

	if (*spec && *endp == '\0')
		return idx >= 0 && idx < (long)readers->count ? (int)idx : -1;
	for (unsigned int i = 0; i < readers->count; i++) {
		if (!strcmp(readers->name[i], spec))
			return (int)i;
	}
	for (unsigned int i = 0; i < readers->count; i++) {
		if (strstr(readers->name[i], spec)) {
			if (found >= 0)
				return -1;	/* ambiguous */
			found = (int)i;
		}
	}
	return found;
}

static int pcsc_transmit(struct apdu_transport *t, const uint8_t *capdu, size_t clen,
			 uint8_t *rapdu, size_t rcap, size_t *rlen)
{
	struct pcsc_priv *p = t->priv;
	const SCARD_IO_REQUEST *pci = p->protocol == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
	DWORD len = (DWORD)rcap;
	LONG rv = SCardTransmit(p->card, pci, capdu, (DWORD)clen, NULL, rapdu, &len);

	if (rv != SCARD_S_SUCCESS)
		return pcsc_err("SCardTransmit", rv);
	*rlen = len;
	return 0;
}

static int pcsc_atr(struct apdu_transport *t, uint8_t *buf, size_t cap)
{
	struct pcsc_priv *p = t->priv;
	DWORD state, proto, atr_len = (DWORD)cap, name_len = 0;
	LONG rv = SCardStatus(p->card, NULL, &name_len, &state, &proto, buf, &atr_len);

	if (rv != SCARD_S_SUCCESS)
		return pcsc_err("SCardStatus", rv);
	return (int)atr_len;
}

static int pcsc_reset(struct apdu_transport *t)
{
	struct pcsc_priv *p = t->priv;
	LONG rv = SCardReconnect(p->card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
				 SCARD_RESET_CARD, &p->protocol);
	return rv == SCARD_S_SUCCESS ? 0 : pcsc_err("SCardReconnect", rv);
}

static void pcsc_close(struct apdu_transport *t)
{
	struct pcsc_priv *p = t->priv;

	if (!p)
		return;
	SCardDisconnect(p->card, SCARD_LEAVE_CARD);
	SCardReleaseContext(p->ctx);
	free(p);
	t->priv = NULL;
}

static const struct apdu_transport_ops pcsc_ops = {
	.name = "pcsc",
	.transmit = pcsc_transmit,
	.atr = pcsc_atr,
	.reset = pcsc_reset,
	.close = pcsc_close,
};

/*! Connect (shared, T=0 or T=1) to the card in the reader named by spec.
 *  Returns 0 or a negative errno. */
int apdu_pcsc_open(struct apdu_transport *t, const char *spec)
{
	struct apdu_pcsc_readers readers;
	struct pcsc_priv *p;
	int idx, rc;
	LONG rv;

	if ((rc = apdu_pcsc_list(&readers)) < 0)
		return rc;
	idx = apdu_pcsc_resolve(&readers, spec);
	if (idx < 0) {
		/* the caller says so: apdu_pcsc_open_strerror() */
		LOGP(DPCSC, LOGL_INFO, "no reader matches '%s' (%u readers)\n", spec, readers.count);
		return -ENOENT;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	snprintf(p->reader, sizeof(p->reader), "%s", readers.name[idx]);
	if ((rc = with_context(&p->ctx)) < 0) {
		free(p);
		return rc;
	}
	rv = SCardConnect(p->ctx, p->reader, SCARD_SHARE_SHARED,
			  SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &p->card, &p->protocol);
	if (rv != SCARD_S_SUCCESS) {
		rc = pcsc_err("SCardConnect", rv);
		SCardReleaseContext(p->ctx);
		free(p);
		return rc;
	}
	LOGP(DPCSC, LOGL_INFO, "connected to '%s' (T=%d)\n", p->reader,
	     p->protocol == SCARD_PROTOCOL_T1 ? 1 : 0);
	t->ops = &pcsc_ops;
	t->priv = p;
	return 0;
}

/*! Why apdu_pcsc_open() failed with rc, as the rest of one line after the
 *  reader's name: "no such reader (2 readers)", "no card in the reader",
 *  "pcscd is not running", else strerror(). Written into buf; returns buf. */
const char *apdu_pcsc_open_strerror(int rc, char *buf, size_t cap)
{
	struct apdu_pcsc_readers readers;

	switch (rc) {
	case -ENOENT:
		if (apdu_pcsc_list(&readers) == 0)
			snprintf(buf, cap, "no such reader (%u reader%s)", readers.count,
				 readers.count == 1 ? "" : "s");
		else
			snprintf(buf, cap, "no such reader");
		break;
	case -ENODEV:
		snprintf(buf, cap, "no card in the reader");
		break;
	case -ECONNREFUSED:
		snprintf(buf, cap, "pcscd is not running");
		break;
	default:
		snprintf(buf, cap, "%s", strerror(-rc));
	}
	return buf;
}

const char *apdu_pcsc_reader_name(const struct apdu_transport *t)
{
	const struct pcsc_priv *p = t->priv;
	return p ? p->reader : "";
}

/* Ask pcscd for the reader's state; with timeout_ms, wait until it differs
 * from *present first. Reports the presence then. */
static int reader_presence(const char *reader_name, bool *present, unsigned int timeout_ms)
{
	SCARDCONTEXT ctx;
	SCARD_READERSTATE rs = { .szReader = reader_name };
	LONG rv;
	int rc;

	if ((rc = with_context(&ctx)) < 0)
		return rc;
	rv = SCardGetStatusChange(ctx, 0, &rs, 1);
	if (rv == SCARD_S_SUCCESS && timeout_ms &&
	    !!(rs.dwEventState & SCARD_STATE_PRESENT) == *present) {
		rs.dwCurrentState = rs.dwEventState & ~SCARD_STATE_CHANGED;
		rv = SCardGetStatusChange(ctx, timeout_ms, &rs, 1);
	}
	if (rv == SCARD_S_SUCCESS) {
		*present = rs.dwEventState & SCARD_STATE_PRESENT;
		rc = 0;
	} else {
		rc = rv == SCARD_E_TIMEOUT ? -ETIMEDOUT : pcsc_err("SCardGetStatusChange", rv);
	}
	SCardReleaseContext(ctx);
	return rc;
}

/*! Wait up to timeout_ms for the reader's card presence to differ from
 *  *present, then report the new presence. Returns 0, -ETIMEDOUT, or another
 *  negative errno. */
int apdu_pcsc_wait_change(const char *reader_name, bool *present, unsigned int timeout_ms)
{
	return reader_presence(reader_name, present, timeout_ms ? timeout_ms : 1);
}

/*! Report whether a card is present in the reader now. */
int apdu_pcsc_card_present(const char *reader_name, bool *present)
{
	return reader_presence(reader_name, present, 0);
}
