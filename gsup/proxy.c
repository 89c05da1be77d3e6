/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The GSUP proxy: the clients' side (libosmo-abis's IPA server), one
 * libosmo-gsup-client connection to the HLR per client, the two queues of
 * each client (gsup/proxy.h). */

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <osmocom/abis/ipa.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/msgb.h>
#include <osmocom/core/talloc.h>
#include <osmocom/gsm/gsup.h>
#include <osmocom/gsm/ipa.h>
#include <osmocom/gsm/protocol/ipaccess.h>
#include <osmocom/gsupclient/gsup_client.h>

#include "common/log.h"
#include "gsup/e2m.h"
#include "gsup/proxy.h"

#define GSUP_PROXY_HEADROOM	64	/* IPA header and extension */

/* the entity prefix of every log line about a client */
#define LOGCLIENT(c, level, fmt, args...) \
	LOGP(DGSUP, level, "client %s (%s:%u): " fmt, (c)->name, (c)->addr, (c)->port, ##args)

struct gsup_proxy {
	struct gsup_proxy_config cfg;
	struct ipa_server_link *link;
	struct llist_head clients;
	uint64_t next_id;
};

/* A message to a client: held while its keysets are being delivered */
struct gsup_proxy_out {
	struct llist_head list;
	struct msgb *msg;		/* GSUP, headroom for IPA */
	uint64_t id;
	bool held;
};

struct gsup_proxy_client {
	struct llist_head list;
	struct gsup_proxy *proxy;
	struct ipa_server_conn *down;	/* the MSC or SGSN */
	struct osmo_gsup_client *up;	/* the HLR, once the client said who it is */
	struct ipaccess_unit *dev;	/* its IPA identity, given on to the HLR */
	int (*up_link_read)(struct ipa_client_conn *link, struct msgb *msg);
	bool up_ready;			/* the HLR asked our identity: messages may go */
	char name[64], addr[48];
	uint16_t port;
	struct llist_head to_hlr;	/* struct msgb, GSUP only */
	struct llist_head to_client;	/* struct gsup_proxy_out */
};

/* one message, one segment, at once: no Nagle wait behind a small write */
static void tcp_nodelay(int fd)
{
	int one = 1;

	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Writes m (IPA framed) at once when nothing waits before it in queue: a
 * message does not wait for the next round of the select loop. What the
 * socket did not take, or all of m when something is queued, goes through
 * the library's queue (false). */
static bool send_now(int fd, struct llist_head *queue, struct msgb *m)
{
	ssize_t n;

	if (fd < 0 || !llist_empty(queue))
		return false;
	n = send(fd, msgb_data(m), msgb_length(m), MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == (ssize_t)msgb_length(m)) {
		msgb_free(m);
		return true;
	}
	if (n > 0)
		msgb_pull(m, (unsigned int)n);
	return false;
}

/* ---- toward the HLR ---- */

static void flush_up(struct gsup_proxy_client *c)
{
	struct msgb *m;

	if (!c->up || !c->up_ready)
		return;
	if (!c->up->is_connected) {
		c->up_ready = false;
		return;
	}
	while ((m = msgb_dequeue(&c->to_hlr))) {
		struct ipa_client_conn *link = c->up->link;

		/* as osmo_gsup_client_send(), without the wait for the loop */
		ipa_prepend_header_ext(m, IPAC_PROTO_EXT_GSUP);
		ipa_prepend_header(m, IPAC_PROTO_OSMO);
		if (!send_now(link->ofd ? link->ofd->fd : -1, &link->tx_queue, m))
			ipa_client_conn_send(link, m);
	}
}

/* ---- toward the client ---- */

static void flush_down(struct gsup_proxy_client *c)
{
	struct gsup_proxy_out *o, *tmp;

	llist_for_each_entry_safe(o, tmp, &c->to_client, list) {
		if (o->held)
			break;
		llist_del(&o->list);
		ipa_prepend_header_ext(o->msg, IPAC_PROTO_EXT_GSUP);
		ipa_prepend_header(o->msg, IPAC_PROTO_OSMO);
		if (!send_now(c->down->ofd.fd, &c->down->tx_queue, o->msg))
			ipa_server_conn_send(c->down, o->msg);
		talloc_free(o);
	}
}

/* gsup/e2m.c: the keysets of the result id are delivered (or failed) */
static void e2m_done(void *data, uint64_t id, bool ok)
{
	struct gsup_proxy *p = data;
	struct gsup_proxy_client *c;
	struct gsup_proxy_out *o;

	llist_for_each_entry(c, &p->clients, list) {
		llist_for_each_entry(o, &c->to_client, list) {
			if (o->id != id)
				continue;
			o->held = false;
			flush_down(c);
			return;
		}
	}
	/* the client has gone: nothing to relay */
}

/* libosmo-gsup-client: one GSUP message from the HLR (msg's l2 is GSUP) */
static int up_read(struct osmo_gsup_client *gsupc, struct msgb *msg)
{
	struct gsup_proxy_client *c = gsupc->data;
	struct osmo_gsup_message gsup;
	struct gsup_proxy_out *o = talloc_zero(c, struct gsup_proxy_out);
	size_t len = msgb_l2len(msg);
	int rc;

	if (!o) {
		msgb_free(msg);
		return -ENOMEM;
	}
	o->msg = msgb_alloc_headroom(len + GSUP_PROXY_HEADROOM, GSUP_PROXY_HEADROOM, "gsup-proxy");
	if (!o->msg) {
		talloc_free(o);
		msgb_free(msg);
		return -ENOMEM;
	}
	memcpy(msgb_put(o->msg, len), msgb_l2(msg), len);
	o->id = ++c->proxy->next_id;
	rc = osmo_gsup_decode(msgb_data(o->msg), len, &gsup);
	if (rc < 0) {
		LOGCLIENT(c, LOGL_NOTICE, "HLR sent %zu octets that are not GSUP: relayed as they are\n",
			  len);
	} else {
		LOGCLIENT(c, LOGL_INFO, "HLR -> %s IMSI %s\n",
			  osmo_gsup_message_type_name(gsup.message_type), gsup.imsi);
		if (c->proxy->cfg.e2m && gsup.message_type == OSMO_GSUP_MSGT_SEND_AUTH_INFO_RESULT) {
			rc = gsup_e2m_submit(c->proxy->cfg.e2m, o->id, &gsup);
			o->held = rc == 1;
			if (rc < 0)
				LOGCLIENT(c, LOGL_ERROR, "IMSI %s: cannot queue the keysets' delivery\n",
					  gsup.imsi);
		}
	}
	llist_add_tail(&o->list, &c->to_client);
	flush_down(c);
	msgb_free(msg);
	return 0;
}

/* Wraps the library's IPA read callback: once the HLR's ID_GET has been
 * answered, the client's identity is on the wire before any message. */
static int up_link_read(struct ipa_client_conn *link, struct msgb *msg)
{
	struct osmo_gsup_client *gsupc = link->data;
	struct gsup_proxy_client *c = gsupc->data;
	struct ipaccess_head *hh = (struct ipaccess_head *)msg->data;
	bool id_get = msgb_length(msg) > sizeof(*hh) && hh->proto == IPAC_PROTO_IPACCESS &&
		      hh->data[0] == IPAC_MSGT_ID_GET;
	int rc = c->up_link_read(link, msg);

	if (id_get && rc >= 0 && gsupc->is_connected) {
		tcp_nodelay(link->ofd ? link->ofd->fd : -1);
		LOGCLIENT(c, LOGL_NOTICE, "HLR %s:%u: connected as %s\n", c->proxy->cfg.hlr_addr,
			  c->proxy->cfg.hlr_port, c->name);
		c->up_ready = true;
		flush_up(c);
	}
	return rc;
}

static bool up_updown(struct osmo_gsup_client *gsupc, bool up)
{
	struct gsup_proxy_client *c = gsupc->data;

	if (!up) {
		c->up_ready = false;
		LOGCLIENT(c, LOGL_NOTICE, "HLR link down: holding its messages until it is back\n");
	}
	return true;
}

/* ---- the clients ---- */

static void client_free(struct gsup_proxy_client *c)
{
	struct gsup_proxy_out *o, *tmp;
	struct msgb *m;

	llist_del(&c->list);
	if (c->up)
		osmo_gsup_client_destroy(c->up);
	while ((m = msgb_dequeue(&c->to_hlr)))
		msgb_free(m);
	llist_for_each_entry_safe(o, tmp, &c->to_client, list) {
		llist_del(&o->list);
		msgb_free(o->msg);
		talloc_free(o);
	}
	talloc_free(c);
}

static int down_closed(struct ipa_server_conn *conn)
{
	struct gsup_proxy_client *c = conn->data;

	LOGCLIENT(c, LOGL_NOTICE, "gone\n");
	client_free(c);
	return 0;
}

/* The client's ID_RESP: its identity, and now its own HLR connection */
static int down_ccm(struct ipa_server_conn *conn, struct msgb *msg, struct tlv_parsed *tlvp,
		    struct ipaccess_unit *ud)
{
	struct gsup_proxy_client *c = conn->data;
	struct osmo_gsup_client_config cfg = {
		.ip_addr = c->proxy->cfg.hlr_addr, .tcp_port = c->proxy->cfg.hlr_port,
		.read_cb = up_read, .up_down_cb = up_updown, .data = c,
	};

	if (c->up)
		return 0;
	c->dev = talloc_zero(c, struct ipaccess_unit);
	if (!c->dev || ipa_ccm_tlv_to_unitdata(c->dev, tlvp) < 0)
		return -1;
	/* osmo-hlr names a connection by its serial number (the unit name
	 * of libosmo-gsup-client's clients) */
	if (!c->dev->serno && c->dev->unit_name)
		c->dev->serno = talloc_strdup(c->dev, c->dev->unit_name);
	if (!c->dev->unit_name && c->dev->serno)
		c->dev->unit_name = talloc_strdup(c->dev, c->dev->serno);
	if (!c->dev->serno || !c->dev->unit_name) {
		LOGCLIENT(c, LOGL_ERROR, "ID_RESP without a unit name or serial number: closed\n");
		return -1;
	}
	snprintf(c->name, sizeof(c->name), "%s", c->dev->serno);
	cfg.ipa_dev = c->dev;
	c->up = osmo_gsup_client_create3(c, &cfg);
	if (!c->up) {
		LOGCLIENT(c, LOGL_ERROR, "cannot start a connection to the HLR: closed\n");
		return -1;
	}
	c->up_link_read = c->up->link->read_cb;
	c->up->link->read_cb = up_link_read;
	LOGCLIENT(c, LOGL_NOTICE, "identified\n");
	return 0;
}

/* One IPA message from a client */
static int down_read(struct ipa_server_conn *conn, struct msgb *msg)
{
	struct gsup_proxy_client *c = conn->data;
	struct ipaccess_head *hh = (struct ipaccess_head *)msg->data;
	struct ipaccess_head_ext *he;
	struct osmo_gsup_message gsup;
	struct msgb *m;
	size_t len;
	int rc;

	msg->l2h = hh->data;
	if (hh->proto == IPAC_PROTO_IPACCESS) {
		/* PING, ID_RESP; on an error the connection is closed and c freed */
		rc = ipa_server_conn_ccm(conn, msg);
		msgb_free(msg);
		return rc < 0 ? -EBADF : 0;
	}
	he = (struct ipaccess_head_ext *)msg->l2h;
	if (hh->proto != IPAC_PROTO_OSMO || msgb_l2len(msg) < sizeof(*he) ||
	    he->proto != IPAC_PROTO_EXT_GSUP) {
		LOGCLIENT(c, LOGL_NOTICE, "dropped an IPA message that is not GSUP (stream %02x)\n",
			  hh->proto);
		msgb_free(msg);
		return 0;
	}
	len = msgb_l2len(msg) - sizeof(*he);
	rc = osmo_gsup_decode(he->data, len, &gsup);
	if (rc < 0) {
		LOGCLIENT(c, LOGL_ERROR, "dropped malformed GSUP (%zu octets: %s)\n", len,
			  osmo_hexdump_nospc(he->data, len > 32 ? 32 : len));
		msgb_free(msg);
		return 0;
	}
	LOGCLIENT(c, LOGL_INFO, "%s IMSI %s -> HLR\n", osmo_gsup_message_type_name(gsup.message_type),
		  gsup.imsi);
	m = osmo_gsup_client_msgb_alloc();
	if (!m) {
		msgb_free(msg);
		return -ENOMEM;
	}
	memcpy(msgb_put(m, len), he->data, len);
	msgb_free(msg);
	msgb_enqueue(&c->to_hlr, m);
	flush_up(c);
	return 0;
}

static int accept_cb(struct ipa_server_link *link, int fd)
{
	struct gsup_proxy *p = link->data;
	struct gsup_proxy_client *c = talloc_zero(p, struct gsup_proxy_client);

	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->proxy = p;
	tcp_nodelay(fd);
	INIT_LLIST_HEAD(&c->to_hlr);
	INIT_LLIST_HEAD(&c->to_client);
	snprintf(c->name, sizeof(c->name), "(unidentified)");
	/* the connection's parent is the proxy: closing it frees c */
	c->down = ipa_server_conn_create(p, link, fd, down_read, down_closed, c);
	if (!c->down) {
		talloc_free(c);
		close(fd);
		return -ENOMEM;
	}
	snprintf(c->addr, sizeof(c->addr), "%s", c->down->addr ? c->down->addr : "?");
	c->port = c->down->port;
	c->down->ccm_cb = down_ccm;
	llist_add_tail(&c->list, &p->clients);
	LOGCLIENT(c, LOGL_NOTICE, "connected\n");
	if (ipa_ccm_send_id_req(fd) < 0) {
		ipa_server_conn_destroy(c->down);	/* frees c */
		return -EIO;
	}
	return 0;
}

struct gsup_proxy *gsup_proxy_create(void *ctx, const struct gsup_proxy_config *cfg)
{
	struct gsup_proxy *p = talloc_zero(ctx, struct gsup_proxy);

	if (!p)
		return NULL;
	p->cfg = *cfg;
	INIT_LLIST_HEAD(&p->clients);
	p->link = ipa_server_link_create(p, NULL, cfg->listen_addr, cfg->listen_port, accept_cb, p);
	if (!p->link || ipa_server_link_open(p->link) < 0) {
		LOGP(DGSUP, LOGL_ERROR, "cannot listen on %s:%u\n", cfg->listen_addr, cfg->listen_port);
		if (p->link)
			ipa_server_link_destroy(p->link);
		talloc_free(p);
		return NULL;
	}
	if (cfg->e2m)
		gsup_e2m_set_done_cb(cfg->e2m, e2m_done, p);
	return p;
}

void gsup_proxy_destroy(struct gsup_proxy *p)
{
	struct gsup_proxy_client *c, *tmp;

	if (!p)
		return;
	llist_for_each_entry_safe(c, tmp, &p->clients, list)
		ipa_server_conn_destroy(c->down);	/* frees c */
	ipa_server_link_close(p->link);
	ipa_server_link_destroy(p->link);
	if (p->cfg.e2m)
		gsup_e2m_set_done_cb(p->cfg.e2m, NULL, NULL);
	talloc_free(p);
}
