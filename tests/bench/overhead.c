/* SPDX-License-Identifier: GPL-2.0-or-later */
/* overhead: what protecting small readings costs a device on the air, the
 * measurement TR 33.863 argues from but never makes. A benchmark program
 * (tools/overhead.sh), not a test.
 *
 * For R-octet readings (default 20) and N readings per key lifetime
 * (default 1, 10, 100, 1000) it counts the octets the device sends and
 * receives (UDP payloads, and with the 28 octets of IPv4 and UDP headers a
 * datagram) and the datagrams, for
 *   - EDP (doc/e2m-profile.md section 7), measured: every message built by
 *     e2m_edp_build() and sent over UDP on loopback to a receiver that opens
 *     it; the keys come with AKA, so there is no handshake. The first 3
 *     messages carry the full E2M-KID (no downlink confirms the SID), the
 *     rest the SID;
 *   - DTLS 1.2 with a pre-shared key and TLS_PSK_WITH_AES_128_CCM_8,
 *     measured live with GnuTLS on loopback: cookie exchange, handshake and
 *     one record per reading, one handshake per key lifetime;
 *   - rows computed from published per-message and handshake sizes
 *     (draft-ietf-iotops-security-protocol-comparison, 8-octet tags):
 *     DTLS 1.3 (PSK handshake 331 octets in 3 flights, 11 octets a record),
 *     OSCORE with EDHOC (101 octets, 3 messages) and without (a provisioned
 *     context), 13 octets a message, and ESP with AES-CCM, about 28 octets a
 *     packet, with its keys provisioned (IKEv2 not counted).
 * It also measures CPU time per message (this thread's CPU clock) on the
 * device (protect and send) and on the receiver (receive and check) for EDP
 * and DTLS 1.2 alike.
 *
 * Prints a Markdown table on stdout and, with --data FILE, one line per N
 * for gnuplot: N and the octets per reading (with IPv4/UDP) of each row. */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/dtls.h>
#include <gnutls/gnutls.h>

#include "e2m/edp.h"

#define READING_MAX	1024
#define LIFETIMES_MAX	8
#define IP_UDP_HEADERS	28	/* IPv4 20 + UDP 8 */
#define MTU		1280
#define CPU_MESSAGES	2000	/* messages timed for the CPU figures */

/* What the device sent and received over one key lifetime. */
struct traffic {
	uint64_t sent, received;	/* UDP payload octets */
	uint64_t dgrams_sent, dgrams_received;
};

struct row {
	const char *name;
	const char *how;	/* "measured" or the source of the figures */
	struct traffic t[LIFETIMES_MAX];
	double cpu_device_us, cpu_receiver_us;	/* < 0: not measured */
};

static double thread_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* A UDP socket bound to 127.0.0.1 on a free port; its port in *port. Its
 * receive buffer takes a whole burst of messages (loopback drops what does
 * not fit), and a receive gives up after RECV_IDLE_MS of silence. */
#define RECV_IDLE_MS	2000
static int udp_bound(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval idle = { .tv_sec = RECV_IDLE_MS / 1000 };
	socklen_t len = sizeof(a);
	int rcvbuf = 16 << 20;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		perror("overhead: udp socket");
		exit(1);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static int udp_connected(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				 .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("overhead: udp connect");
		exit(1);
	}
	return fd;
}

/* ---- EDP ---------------------------------------------------------------- */

struct edp_receiver {
	int fd;
	const struct e2m_edp_keys *keys;
	unsigned int expect;
	unsigned int opened;
	double cpu_us;
};

static void *edp_receive(void *arg)
{
	struct edp_receiver *r = arg;
	uint8_t msg[E2M_EDP_MSG_MAX], payload[E2M_EDP_BODY_MAX];
	double start = thread_cpu_us();

	for (unsigned int i = 0; i < r->expect; i++) {
		struct e2m_edp_hdr h;
		size_t n;
		ssize_t got = recv(r->fd, msg, sizeof(msg), 0);
		if (got <= 0)
			break;
		if (e2m_edp_parse(msg, (size_t)got, &h) == 0 &&
		    e2m_edp_open(r->keys, &h, payload, sizeof(payload), &n) == 0)
			r->opened++;
	}
	r->cpu_us = thread_cpu_us() - start;
	return NULL;
}

/* n readings of len octets under keys: the first 3 with the full KID. When
 * cpu is set, the CPU time per message on either side. */
static int edp_run(const struct e2m_edp_keys *keys, unsigned int n, size_t len,
		   struct traffic *t, double *cpu_device, double *cpu_receiver)
{
	struct edp_receiver r = { .keys = keys, .expect = n };
	uint8_t reading[READING_MAX], msg[E2M_EDP_MSG_MAX];
	uint16_t port;
	pthread_t th;
	double start;

	memset(reading, '7', len);
	r.fd = udp_bound(&port);
	int fd = udp_connected(port);
	pthread_create(&th, NULL, edp_receive, &r);
	start = thread_cpu_us();
	for (unsigned int i = 0; i < n; i++) {
		size_t mlen;
		if (e2m_edp_build(keys, E2M_EDP_UP, i < 3, i, reading, len, msg, sizeof(msg), &mlen) ||
		    send(fd, msg, mlen, 0) != (ssize_t)mlen)
			return -1;
		t->sent += mlen;
		t->dgrams_sent++;
	}
	if (cpu_device)
		*cpu_device = (thread_cpu_us() - start) / n;
	pthread_join(th, NULL);
	if (cpu_receiver)
		*cpu_receiver = r.cpu_us / n;
	close(fd);
	close(r.fd);
	return r.opened == n ? 0 : -1;
}

/* ---- DTLS 1.2, PSK, AES-128-CCM-8 (GnuTLS) ----------------------------- */

#define DTLS_PRIORITY "NORMAL:-VERS-ALL:+VERS-DTLS1.2:-KX-ALL:+PSK:-CIPHER-ALL:+AES-128-CCM-8:" \
		      "-MAC-ALL:+AEAD"

static const uint8_t psk[16] = { 0x29, 0xc1, 0x04, 0x68, 0x5d, 0x3d, 0x45, 0xc8,
				 0x90, 0x38, 0xda, 0x58, 0x33, 0x99, 0x9a, 0x93 };

/* One end's socket and what crossed it. */
struct dtls_end {
	int fd;
	struct sockaddr_in peer;	/* the server's client */
	bool use_peer;
	struct traffic *t;		/* counted on the device's end only */
};

static ssize_t dtls_push(gnutls_transport_ptr_t p, const void *data, size_t len)
{
	struct dtls_end *e = p;
	ssize_t n = e->use_peer ? sendto(e->fd, data, len, 0, (struct sockaddr *)&e->peer,
					  sizeof(e->peer)) :
				  send(e->fd, data, len, 0);

	if (n > 0 && e->t) {
		e->t->sent += (uint64_t)n;
		e->t->dgrams_sent++;
	}
	return n;
}

static ssize_t dtls_pull(gnutls_transport_ptr_t p, void *data, size_t len)
{
	struct dtls_end *e = p;
	ssize_t n = recv(e->fd, data, len, 0);

	if (n > 0 && e->t) {
		e->t->received += (uint64_t)n;
		e->t->dgrams_received++;
	}
	return n;
}

static int dtls_pull_timeout(gnutls_transport_ptr_t p, unsigned int ms)
{
	struct dtls_end *e = p;
	struct pollfd pfd = { .fd = e->fd, .events = POLLIN };

	return poll(&pfd, 1, (int)ms);
}

static int psk_lookup(gnutls_session_t s, const char *user, gnutls_datum_t *key)
{
	key->data = gnutls_malloc(sizeof(psk));
	if (!key->data)
		return -1;
	memcpy(key->data, psk, sizeof(psk));
	key->size = sizeof(psk);
	return 0;
}

struct dtls_server {
	int fd;
	unsigned int expect;	/* records after the handshake */
	unsigned int received;
	double cpu_us;
	int rc;
};

/* The server: cookie exchange (RFC 6347 4.2.1), handshake, then expect
 * records, as GnuTLS's DTLS server examples do it. */
static void *dtls_serve(void *arg)
{
	struct dtls_server *s = arg;
	gnutls_psk_server_credentials_t cred;
	gnutls_datum_t cookie_key;
	gnutls_dtls_prestate_st prestate;
	gnutls_session_t ss;
	struct dtls_end end = { .fd = s->fd, .use_peer = true };
	uint8_t buf[2048];
	double start;
	int ret;

	gnutls_key_generate(&cookie_key, GNUTLS_COOKIE_KEY_SIZE);
	gnutls_psk_allocate_server_credentials(&cred);
	gnutls_psk_set_server_credentials_function(cred, psk_lookup);
	for (;;) {
		socklen_t alen = sizeof(end.peer);
		ssize_t n = recvfrom(s->fd, buf, sizeof(buf), MSG_PEEK, (struct sockaddr *)&end.peer,
				     &alen);
		if (n <= 0) {
			s->rc = -1;
			goto out;
		}
		memset(&prestate, 0, sizeof(prestate));
		if (gnutls_dtls_cookie_verify(&cookie_key, &end.peer, alen, buf, (size_t)n,
					      &prestate) >= 0)
			break;
		gnutls_dtls_cookie_send(&cookie_key, &end.peer, alen, &prestate, &end, dtls_push);
		recv(s->fd, buf, sizeof(buf), 0);	/* the ClientHello without cookie */
	}
	gnutls_init(&ss, GNUTLS_SERVER | GNUTLS_DATAGRAM);
	gnutls_priority_set_direct(ss, DTLS_PRIORITY, NULL);
	gnutls_credentials_set(ss, GNUTLS_CRD_PSK, cred);
	gnutls_dtls_prestate_set(ss, &prestate);
	gnutls_dtls_set_mtu(ss, MTU);
	gnutls_record_set_timeout(ss, RECV_IDLE_MS);
	gnutls_transport_set_ptr(ss, &end);
	gnutls_transport_set_push_function(ss, dtls_push);
	gnutls_transport_set_pull_function(ss, dtls_pull);
	gnutls_transport_set_pull_timeout_function(ss, dtls_pull_timeout);
	do {
		ret = gnutls_handshake(ss);
	} while (ret < 0 && !gnutls_error_is_fatal(ret));
	s->rc = ret < 0 ? -1 : 0;
	start = thread_cpu_us();
	while (s->rc == 0 && s->received < s->expect) {
		ret = (int)gnutls_record_recv(ss, buf, sizeof(buf));
		if (ret > 0)
			s->received++;
		else if (ret == GNUTLS_E_TIMEDOUT || (ret < 0 && gnutls_error_is_fatal(ret)))
			s->rc = -1;	/* a record lost, or the client gone */
	}
	s->cpu_us = thread_cpu_us() - start;
	gnutls_deinit(ss);
out:
	gnutls_psk_free_server_credentials(cred);
	gnutls_free(cookie_key.data);
	return NULL;
}

/* One key lifetime: a handshake, then n records of len octets. */
static int dtls_run(unsigned int n, size_t len, struct traffic *t, double *cpu_device,
		    double *cpu_receiver)
{
	struct dtls_server srv = { .expect = n };
	gnutls_psk_client_credentials_t cred;
	const gnutls_datum_t key = { .data = (unsigned char *)psk, .size = sizeof(psk) };
	gnutls_session_t cs;
	uint8_t reading[READING_MAX];
	uint16_t port;
	pthread_t th;
	double start;
	int ret, rc = 0;

	memset(reading, '7', len);
	srv.fd = udp_bound(&port);
	struct dtls_end end = { .fd = udp_connected(port), .t = t };
	pthread_create(&th, NULL, dtls_serve, &srv);
	gnutls_psk_allocate_client_credentials(&cred);
	gnutls_psk_set_client_credentials(cred, "device", &key, GNUTLS_PSK_KEY_RAW);
	gnutls_init(&cs, GNUTLS_CLIENT | GNUTLS_DATAGRAM);
	gnutls_priority_set_direct(cs, DTLS_PRIORITY, NULL);
	gnutls_credentials_set(cs, GNUTLS_CRD_PSK, cred);
	gnutls_dtls_set_mtu(cs, MTU);
	gnutls_transport_set_ptr(cs, &end);
	gnutls_transport_set_push_function(cs, dtls_push);
	gnutls_transport_set_pull_function(cs, dtls_pull);
	gnutls_transport_set_pull_timeout_function(cs, dtls_pull_timeout);
	gnutls_handshake_set_timeout(cs, 10000);
	do {
		ret = gnutls_handshake(cs);
	} while (ret < 0 && !gnutls_error_is_fatal(ret));
	if (ret < 0) {
		fprintf(stderr, "overhead: DTLS handshake: %s\n", gnutls_strerror(ret));
		rc = -1;
	}
	start = thread_cpu_us();
	for (unsigned int i = 0; rc == 0 && i < n; i++) {
		if (gnutls_record_send(cs, reading, len) != (ssize_t)len)
			rc = -1;
	}
	if (cpu_device)
		*cpu_device = (thread_cpu_us() - start) / n;
	pthread_join(th, NULL);
	if (cpu_receiver)
		*cpu_receiver = srv.cpu_us / n;
	if (srv.rc || srv.received != n)
		rc = -1;
	gnutls_deinit(cs);
	gnutls_psk_free_client_credentials(cred);
	close(end.fd);
	close(srv.fd);
	return rc;
}

/* ---- computed rows ------------------------------------------------------ */

/* Published sizes (draft-ietf-iotops-security-protocol-comparison, 8-octet
 * tags): a handshake's octets and datagrams on the device's link (both
 * directions), and the overhead of one protected message. */
struct published {
	const char *name;
	unsigned int handshake_octets, handshake_dgrams;
	unsigned int per_message;
};

static const struct published published[] = {
	{ .name = "DTLS 1.3, PSK", .handshake_octets = 331, .handshake_dgrams = 3, .per_message = 11 },
	{ .name = "OSCORE with EDHOC", .handshake_octets = 101, .handshake_dgrams = 3,
	  .per_message = 13 },
	{ .name = "OSCORE, context provisioned", .per_message = 13 },
	{ .name = "ESP (AES-CCM), keys provisioned", .per_message = 28 },
};

static void computed(const struct published *p, unsigned int n, size_t len, struct traffic *t)
{
	/* the device sends about half of a handshake's octets; counted as
	 * sent + received below, so the split does not change the sums */
	t->sent = (uint64_t)n * (len + p->per_message) + p->handshake_octets / 2;
	t->received = p->handshake_octets - p->handshake_octets / 2;
	t->dgrams_sent = n + (p->handshake_dgrams + 1) / 2;
	t->dgrams_received = p->handshake_dgrams / 2;
}

/* ---- output ------------------------------------------------------------- */

static double per_reading(const struct traffic *t, unsigned int n, bool headers)
{
	uint64_t octets = t->sent + t->received;

	if (headers)
		octets += IP_UDP_HEADERS * (t->dgrams_sent + t->dgrams_received);
	return (double)octets / n;
}

static void print_table(const struct row *rows, size_t n_rows, const unsigned int *lifetimes,
			size_t n_life, size_t len)
{
	printf("| Protocol | Figures | Readings per key lifetime | Device sends, octets | Device receives, "
	       "octets | Datagrams | Octets per reading (UDP payload) | Octets per reading (with "
	       "IPv4/UDP) | Overhead per reading beyond the %zu-octet reading |\n", len);
	printf("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
	for (size_t r = 0; r < n_rows; r++) {
		for (size_t i = 0; i < n_life; i++) {
			const struct traffic *t = &rows[r].t[i];
			double pr = per_reading(t, lifetimes[i], false);
			printf("| %s | %s | %u | %llu | %llu | %llu | %.1f | %.1f | %.1f |\n", rows[r].name,
			       rows[r].how, lifetimes[i], (unsigned long long)t->sent,
			       (unsigned long long)t->received,
			       (unsigned long long)(t->dgrams_sent + t->dgrams_received), pr,
			       per_reading(t, lifetimes[i], true), pr - (double)len);
		}
	}
	printf("\n| Protocol | CPU per message, device (protect and send), µs | CPU per message, "
	       "receiver (receive and check), µs |\n|---|---:|---:|\n");
	for (size_t r = 0; r < n_rows; r++) {
		if (rows[r].cpu_device_us < 0)
			continue;
		printf("| %s | %.2f | %.2f |\n", rows[r].name, rows[r].cpu_device_us,
		       rows[r].cpu_receiver_us);
	}
}

static void write_data(const char *path, const struct row *rows, size_t n_rows,
		       const unsigned int *lifetimes, size_t n_life)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(1);
	}
	/* tab-separated, the first line the column titles */
	fprintf(f, "readings per key lifetime");
	for (size_t r = 0; r < n_rows; r++)
		fprintf(f, "\t%s", rows[r].name);
	fprintf(f, "\n");
	for (size_t i = 0; i < n_life; i++) {
		fprintf(f, "%u", lifetimes[i]);
		for (size_t r = 0; r < n_rows; r++)
			fprintf(f, "\t%.2f", per_reading(&rows[r].t[i], lifetimes[i], true));
		fprintf(f, "\n");
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reading", required_argument, NULL, 'r' },
		{ "lifetimes", required_argument, NULL, 'l' },
		{ "data", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const uint8_t k_int[16] = { 0x29, 0xc1, 0x04, 0x68, 0x5d, 0x3d, 0x45, 0xc8,
					   0x90, 0x38, 0xda, 0x58, 0x33, 0x99, 0x9a, 0x93 };
	static const uint8_t k_enc[16] = { 0xf5, 0x33, 0xc8, 0x22, 0x86, 0x87, 0x3a, 0xd1,
					   0xd4, 0xee, 0xf2, 0x5d, 0x51, 0xfb, 0xab, 0xff };
	unsigned int lifetimes[LIFETIMES_MAX] = { 1, 10, 100, 1000 };
	size_t n_life = 4, len = 20;
	const char *data = NULL;
	struct row rows[2 + sizeof(published) / sizeof(published[0])];
	size_t n_rows = 0;
	struct e2m_edp_keys keys;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			len = strtoul(optarg, NULL, 10);
			if (len < 1 || len > READING_MAX) {
				fprintf(stderr, "overhead: --reading: 1 to %d octets\n", READING_MAX);
				return 2;
			}
			break;
		case 'l': {
			char *s = optarg, *end;
			n_life = 0;
			while (*s && n_life < LIFETIMES_MAX) {
				unsigned long v = strtoul(s, &end, 10);
				if (end == s || !v || v > 1000000) {
					fprintf(stderr, "overhead: --lifetimes: e.g. 1,10,100,1000\n");
					return 2;
				}
				lifetimes[n_life++] = (unsigned int)v;
				s = *end == ',' ? end + 1 : end;
			}
			break;
		}
		case 'd': data = optarg; break;
		case 'h':
			printf("Usage: overhead [--reading OCTETS] [--lifetimes N,N,...] [--data FILE]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (e2m_edp_keys_init(&keys, 0x11, k_int, k_enc, "I1U8vpY3qJ0hiuZNrke/NQ==@hse.example.org")) {
		fprintf(stderr, "overhead: EDP keys\n");
		return 1;
	}
	gnutls_global_init();

	memset(rows, 0, sizeof(rows));
	rows[n_rows] = (struct row){ .name = "EDP (ALG '11'), keys from AKA", .how = "measured" };
	for (size_t i = 0; i < n_life; i++) {
		if (edp_run(&keys, lifetimes[i], len, &rows[n_rows].t[i], NULL, NULL)) {
			fprintf(stderr, "overhead: EDP run failed\n");
			return 1;
		}
	}
	edp_run(&keys, CPU_MESSAGES, len, &(struct traffic){ 0 }, &rows[n_rows].cpu_device_us,
		&rows[n_rows].cpu_receiver_us);
	n_rows++;

	rows[n_rows] = (struct row){ .name = "DTLS 1.2, PSK, AES-128-CCM-8 (GnuTLS)",
				     .how = "measured" };
	for (size_t i = 0; i < n_life; i++) {
		if (dtls_run(lifetimes[i], len, &rows[n_rows].t[i], NULL, NULL)) {
			fprintf(stderr, "overhead: DTLS run failed\n");
			return 1;
		}
	}
	dtls_run(CPU_MESSAGES, len, &(struct traffic){ 0 }, &rows[n_rows].cpu_device_us,
		 &rows[n_rows].cpu_receiver_us);
	n_rows++;

	for (size_t p = 0; p < sizeof(published) / sizeof(published[0]); p++) {
		rows[n_rows] = (struct row){ .name = published[p].name, .how = "computed",
					     .cpu_device_us = -1, .cpu_receiver_us = -1 };
		for (size_t i = 0; i < n_life; i++)
			computed(&published[p], lifetimes[i], len, &rows[n_rows].t[i]);
		n_rows++;
	}

	print_table(rows, n_rows, lifetimes, n_life, len);
	if (data)
		write_data(data, rows, n_rows, lifetimes, n_life);
	e2m_edp_keys_clear(&keys);
	gnutls_global_deinit();
	return 0;
}
