/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The E2M side of the GSUP proxy: subscribers, keysets, delivery in a
 * worker thread (gsup/e2m.h). */

#include "config.h"	/* _GNU_SOURCE: pipe2() */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/select.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "e2m/hss.h"
#include "gsup/e2m.h"
#include "usim/profile.h"

#define GSUP_E2M_LOG_MAX	1024

/* One subscriber with E2M: where its keysets go and what makes them */
struct gsup_e2m_subscr {
	char imsi[KEYD_HSS_IMSI_MAX + 1];
	char eid[E2M_EID_MAX + 1];
	uint8_t alg;
	bool have_k;			/* a card profile: A-D possible */
	struct aka_alg_keys keys;
	struct e2m_config e2m;
};

struct gsup_e2m_job {
	struct llist_head list;
	uint64_t id;
	const struct gsup_e2m_subscr *s;
	unsigned int n_avs;
	struct osmo_auth_vector avs[OSMO_GSUP_MAX_NUM_AUTH_INFO];
	/* the worker's answer */
	unsigned int pushed;
	bool ok;
	char log[GSUP_E2M_LOG_MAX];
};

struct gsup_e2m {
	struct keyd_hss_config hss;
	enum keyd_hss_variant variant;
	unsigned int n;
	struct gsup_e2m_subscr *subs;	/* talloc array, fixed after create */
	gsup_e2m_done_cb done_cb;
	void *done_data;
	/* the worker: jobs in, finished job pointers out through the pipe */
	pthread_t thread;
	struct keyd_client *client;	/* the worker's, kept between pushes */
	bool thread_started, stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct llist_head jobs;
	int pipe_wr;
	struct osmo_fd done_ofd;
};

/* ---- the subscribers ---- */

static struct gsup_e2m_subscr *subscr_find(const struct gsup_e2m *g, const char *imsi)
{
	for (unsigned int i = 0; i < g->n; i++)
		if (!strcmp(g->subs[i].imsi, imsi))
			return &g->subs[i];
	return NULL;
}

static struct gsup_e2m_subscr *subscr_add(struct gsup_e2m *g, void *ctx, const char *imsi)
{
	struct gsup_e2m_subscr *s = subscr_find(g, imsi), *n;

	if (s)
		return s;
	n = talloc_realloc(ctx, g->subs, struct gsup_e2m_subscr, g->n + 1);
	if (!n)
		return NULL;
	g->subs = n;
	s = &g->subs[g->n++];
	memset(s, 0, sizeof(*s));
	snprintf(s->imsi, sizeof(s->imsi), "%s", imsi);
	e2m_config_defaults(&s->e2m);
	s->alg = s->e2m.alg;
	return s;
}

/* One card profile: a subscriber with E2M when it has an enabled "e2m" (or
 * an entry in the HSS configuration). 0, 1 skipped, -1 with err. */
static int load_profile(struct gsup_e2m *g, void *ctx, const char *path, char *err, size_t errlen)
{
	static struct usim_profile p;
	const struct aka_alg *alg = NULL;
	struct gsup_e2m_subscr *s;
	char msg[256];
	int rc = -1;

	if (usim_profile_load(&p, path, msg, sizeof(msg))) {
		snprintf(err, errlen, "%s: %s", path, msg);
		goto out;
	}
	if ((!p.e2m.present || !p.e2m.enabled) && !keyd_hss_subscriber_find(&g->hss, p.imsi)) {
		rc = 1;
		goto out;
	}
	s = subscr_add(g, ctx, p.imsi);
	if (!s || usim_profile_keys(&p, &alg, &s->keys)) {
		snprintf(err, errlen, "%s: unusable key material", path);
		goto out;
	}
	s->have_k = true;
	s->e2m = p.e2m;
	s->alg = p.e2m.alg;
	if (p.e2m.n_eids)
		snprintf(s->eid, sizeof(s->eid), "%s", p.e2m.eids[0]);
	if (p.e2m.amf_mask)
		LOGP(DGSUP, LOGL_NOTICE, "%s: IMSI %s: the card wants the E2M indicator %04x in AMF; "
		     "the HLR's AVs may lack it\n", path, p.imsi, p.e2m.amf_mask);
	rc = 0;
out:
	usim_profile_clear(&p);
	return rc;
}

static int load_profiles(struct gsup_e2m *g, void *ctx, const char *dir, char *err, size_t errlen)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), rc = 0;

	if (n < 0) {
		snprintf(err, errlen, "--profiles %s: %s", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);
		char path[KEYD_HSS_PATH_MAX];

		if (rc == 0 && len > 5 && !strcmp(names[i]->d_name + len - 5, ".json") &&
		    snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) < (int)sizeof(path))
			rc = load_profile(g, ctx, path, err, errlen) < 0 ? -1 : 0;
		free(names[i]);
	}
	free(names);
	return rc;
}

/* ---- the worker ---- */

static void job_logf(struct gsup_e2m_job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void job_logf(struct gsup_e2m_job *j, const char *fmt, ...)
{
	size_t used = strlen(j->log);
	va_list ap;

	if (used + 1 >= sizeof(j->log))
		return;
	va_start(ap, fmt);
	vsnprintf(j->log + used, sizeof(j->log) - used, fmt, ap);
	va_end(ap);
}

/* The keyset of one AV for the variant, pushed: 0 stored, -1 (job->log). */
static int deliver_av(struct gsup_e2m *g, struct gsup_e2m_job *j, const struct osmo_auth_vector *a)
{
	const struct gsup_e2m_subscr *s = j->s;
	bool from_me = g->variant == KEYD_HSS_VARIANT_E, have_usim = false;
	const struct e2m_hss_request r = {
		.eid = s->eid, .alg = s->alg,
		/* solution 4, the HSS's rules; GSUP's SendAuthInfo names no
		 * serving PLMN, so only the home operator's bit applies */
		.confidentiality = e2m_policy_confidentiality(g->hss.policy.confidentiality,
							      &g->hss.policy.no_conf, NULL),
	};
	struct aka_auc_vec av = { .umts = true, .autn_len = sizeof(a->autn),
				  .ck_len = sizeof(a->ck), .ik_len = sizeof(a->ik) };
	struct e2m_keyset usim, me;
	struct keyd_keyset out;
	int64_t expires = 0;
	char err[256];
	int rc = -1, status;

	memset(&usim, 0, sizeof(usim));
	memset(&me, 0, sizeof(me));
	memcpy(av.rand, a->rand, sizeof(av.rand));
	memcpy(av.autn, a->autn, sizeof(a->autn));
	memcpy(av.ck, a->ck, sizeof(a->ck));
	memcpy(av.ik, a->ik, sizeof(a->ik));
	if (e2m_hss_keysets(&s->e2m, &s->keys, &av, &r, s->have_k ? &usim : NULL, &me, &have_usim)) {
		job_logf(j, " [no keysets: bad EID or ALG]");
		goto out;
	}
	if (!from_me && !have_usim) {
		job_logf(j, " [variant %s needs the card's E2M context and K: none]",
			 keyd_hss_variant_name(g->variant));
		goto out;
	}
	if (keyd_hss_keyset(&out, from_me ? &me : &usim, s->eid, s->alg,
			    from_me ? KEYD_DERIVED_ME : KEYD_DERIVED_USIM)) {
		job_logf(j, " [the keyset does not fit keyd/API.md]");
		goto out;
	}
	/* one HTTPS connection (mutual TLS) for every push, made again after
	 * a push without an answer */
	if (!g->client)
		g->client = keyd_hss_client(&g->hss, g->variant, err, sizeof(err));
	status = g->client ? keyd_client_push(g->client, &out, &expires, err, sizeof(err)) : -1;
	if (status < 0 && g->client) {
		keyd_client_free(g->client);
		g->client = NULL;
	}
	if (status == 201) {
		job_logf(j, " %s", out.kid);
		rc = 0;
	} else if (status < 0) {
		job_logf(j, " [%s: no answer: %s]", out.kid, err);
	} else {
		job_logf(j, " [%s: refused: %d %s]", out.kid, status, err);
	}
	keyd_keyset_clear(&out);
out:
	aka_auc_vec_clear(&av);
	e2m_keyset_clear(&usim);
	e2m_keyset_clear(&me);
	return rc;
}

static void *worker(void *arg)
{
	struct gsup_e2m *g = arg;

	for (;;) {
		struct gsup_e2m_job *j;

		pthread_mutex_lock(&g->lock);
		while (!g->stop && llist_empty(&g->jobs))
			pthread_cond_wait(&g->cond, &g->lock);
		if (g->stop) {
			pthread_mutex_unlock(&g->lock);
			return NULL;
		}
		j = llist_first_entry(&g->jobs, struct gsup_e2m_job, list);
		llist_del(&j->list);
		pthread_mutex_unlock(&g->lock);

		j->ok = true;
		for (unsigned int i = 0; i < j->n_avs; i++) {
			if (deliver_av(g, j, &j->avs[i]) == 0)
				j->pushed++;
			else
				j->ok = false;
		}
		OPENSSL_cleanse(j->avs, sizeof(j->avs));
		/* a pointer is less than PIPE_BUF: written at once */
		if (write(g->pipe_wr, &j, sizeof(j)) != (ssize_t)sizeof(j))
			continue;	/* the main loop is gone; talloc is its own */
	}
}

/* the main loop: a finished job */
static int done_read(struct osmo_fd *ofd, unsigned int what)
{
	struct gsup_e2m *g = ofd->data;
	struct gsup_e2m_job *j;

	if (read(ofd->fd, &j, sizeof(j)) != (ssize_t)sizeof(j))
		return 0;
	LOGP(DGSUP, j->ok ? LOGL_NOTICE : LOGL_ERROR,
	     "IMSI %s: variant %s: %u of %u keysets stored:%s\n", j->s->imsi,
	     keyd_hss_variant_name(g->variant), j->pushed, j->n_avs, j->log);
	if (g->done_cb)
		g->done_cb(g->done_data, j->id, j->ok);
	talloc_free(j);
	return 0;
}

/* ---- the interface ---- */

struct gsup_e2m *gsup_e2m_create(void *ctx, const struct keyd_hss_config *hss,
				 enum keyd_hss_variant v, const char *profiles_dir,
				 char *err, size_t errlen)
{
	struct gsup_e2m *g = talloc_zero(ctx, struct gsup_e2m);
	int fds[2];

	if (!g) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g->hss = *hss;
	g->variant = v;
	g->done_ofd.fd = -1;
	g->pipe_wr = -1;
	INIT_LLIST_HEAD(&g->jobs);
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	if (!hss->delivery[v][0]) {
		snprintf(err, errlen, "--hss: delivery.%s: not configured", keyd_hss_variant_name(v));
		goto fail;
	}
	/* the HSS configuration's subscribers first: a profile may add K */
	for (unsigned int i = 0; i < hss->n_subscribers; i++) {
		struct gsup_e2m_subscr *s = subscr_add(g, g, hss->subscribers[i].imsi);

		if (!s) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	if (profiles_dir && load_profiles(g, g, profiles_dir, err, errlen))
		goto fail;
	for (unsigned int i = 0; i < g->n; i++) {
		const struct keyd_hss_subscriber *e = keyd_hss_subscriber_find(hss, g->subs[i].imsi);

		if (e) {
			snprintf(g->subs[i].eid, sizeof(g->subs[i].eid), "%s", e->eid);
			g->subs[i].alg = e->alg;
		}
		if (!g->subs[i].eid[0]) {
			snprintf(err, errlen, "IMSI %s: no EID (the profile's e2m.eids is empty): name "
				 "it in the HSS configuration's subscribers", g->subs[i].imsi);
			goto fail;
		}
	}
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	g->pipe_wr = fds[1];
	/* the worker blocks on a full pipe rather than losing a job */
	fcntl(fds[1], F_SETFL, 0);
	osmo_fd_setup(&g->done_ofd, fds[0], OSMO_FD_READ, done_read, g, 0);
	if (osmo_fd_register(&g->done_ofd)) {
		close(fds[0]);
		g->done_ofd.fd = -1;
		snprintf(err, errlen, "cannot watch the worker's pipe");
		goto fail;
	}
	if (pthread_create(&g->thread, NULL, worker, g)) {
		snprintf(err, errlen, "cannot start the delivery thread");
		goto fail;
	}
	g->thread_started = true;
	return g;
fail:
	gsup_e2m_destroy(g);
	return NULL;
}

void gsup_e2m_set_done_cb(struct gsup_e2m *g, gsup_e2m_done_cb cb, void *data)
{
	g->done_cb = cb;
	g->done_data = data;
}

unsigned int gsup_e2m_count(const struct gsup_e2m *g)
{
	return g->n;
}

bool gsup_e2m_has(const struct gsup_e2m *g, const char *imsi)
{
	return subscr_find(g, imsi) != NULL;
}

int gsup_e2m_submit(struct gsup_e2m *g, uint64_t id, const struct osmo_gsup_message *res)
{
	const struct gsup_e2m_subscr *s = subscr_find(g, res->imsi);
	struct gsup_e2m_job *j;

	if (!s || res->message_type != OSMO_GSUP_MSGT_SEND_AUTH_INFO_RESULT)
		return 0;
	j = talloc_zero(g, struct gsup_e2m_job);
	if (!j)
		return -ENOMEM;
	j->id = id;
	j->s = s;
	for (size_t i = 0; i < res->num_auth_vectors && i < OSMO_GSUP_MAX_NUM_AUTH_INFO; i++) {
		if (!(res->auth_vectors[i].auth_types & OSMO_AUTH_TYPE_UMTS))
			continue;
		j->avs[j->n_avs++] = res->auth_vectors[i];
	}
	if (!j->n_avs) {
		LOGP(DGSUP, LOGL_NOTICE, "IMSI %s: no 3G AV, no E2M keysets\n", s->imsi);
		talloc_free(j);
		return 0;
	}
	pthread_mutex_lock(&g->lock);
	llist_add_tail(&j->list, &g->jobs);
	pthread_cond_signal(&g->cond);
	pthread_mutex_unlock(&g->lock);
	return 1;
}

void gsup_e2m_destroy(struct gsup_e2m *g)
{
	struct gsup_e2m_job *j, *tmp;

	if (!g)
		return;
	if (g->thread_started) {
		pthread_mutex_lock(&g->lock);
		g->stop = true;
		pthread_cond_signal(&g->cond);
		pthread_mutex_unlock(&g->lock);
		pthread_join(g->thread, NULL);
	}
	if (g->client)
		keyd_client_free(g->client);
	llist_for_each_entry_safe(j, tmp, &g->jobs, list) {
		llist_del(&j->list);
		OPENSSL_cleanse(j->avs, sizeof(j->avs));
		talloc_free(j);
	}
	if (g->done_ofd.fd >= 0) {
		osmo_fd_unregister(&g->done_ofd);
		close(g->done_ofd.fd);
	}
	if (g->pipe_wr >= 0)
		close(g->pipe_wr);
	for (unsigned int i = 0; i < g->n; i++)
		OPENSSL_cleanse(&g->subs[i], sizeof(g->subs[i]));
	OPENSSL_cleanse(&g->hss, sizeof(g->hss));
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->cond);
	talloc_free(g);
}
