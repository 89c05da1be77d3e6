/* SPDX-License-Identifier: GPL-2.0-or-later */
/* AUTHENTICATE's command data and answers, see auth_apdu.h. */

#include <errno.h>
#include <stdbool.h>

#include "aka/auth_apdu.h"
#include "apdu/tlv.h"

void aka_auth_lvs_add(struct aka_auth_lvs *f, const uint8_t *val, size_t len)
{
	if (f->n >= AKA_AUTH_LVS_MAX)
		return;
	f->val[f->n] = val;
	f->len[f->n] = len;
	f->n++;
}

size_t aka_auth_cmd_data(const struct aka_auth_lvs *f, uint8_t *out, size_t cap)
{
	struct apdu_buf b = { .buf = out, .cap = cap };

	for (unsigned int i = 0; i < f->n; i++) {
		if (f->len[i] > 255)
			return 0;
		apdu_buf_put_lv(&b, f->val[i], f->len[i]);
	}
	return b.overflow ? 0 : b.len;
}

int aka_auth_answer_put(struct apdu_rsp *rsp, int tag, const struct aka_auth_lvs *f)
{
	bool ok = true;

	if (tag != AKA_AUTH_NO_TAG)
		ok = apdu_rsp_append(rsp, (const uint8_t[]){ (uint8_t)tag }, 1) == 0;
	for (unsigned int i = 0; ok && i < f->n; i++) {
		uint8_t l = (uint8_t)f->len[i];
		ok = f->len[i] <= 255 && apdu_rsp_append(rsp, &l, 1) == 0 &&
		     (!f->len[i] || apdu_rsp_append(rsp, f->val[i], f->len[i]) == 0);
	}
	return ok ? 0 : -ENOSPC;
}

int aka_auth_lvs_parse(const uint8_t *data, size_t len, struct aka_auth_lvs *f)
{
	const uint8_t *pos = data, *end = data + len;

	f->n = 0;
	while (pos < end) {
		if (f->n == AKA_AUTH_LVS_MAX ||
		    apdu_lv_next(&pos, end, &f->val[f->n], &f->len[f->n]) < 0)
			return -EBADMSG;
		f->n++;
	}
	return 0;
}

int aka_auth_answer_parse(const uint8_t *data, size_t len, uint8_t *tag, struct aka_auth_lvs *f)
{
	f->n = 0;
	if (len < 1 || (data[0] != AKA_AUTH_TAG_OK && data[0] != AKA_AUTH_TAG_SYNC))
		return -EBADMSG;
	*tag = data[0];
	return aka_auth_lvs_parse(data + 1, len - 1, f);
}
