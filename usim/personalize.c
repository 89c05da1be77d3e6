/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Personalisation: the subscriber's values from the profile written into the
 * files of a card that holds the table defaults, then the profile's "files"
 * overrides. Codings per TS 31.102 4.2 and TS 102 221 13. */

#include <stdio.h>
#include <string.h>

#include "fs/fs.h"
#include "usim/personalize.h"

/* BCD digits, low nibble first, 'F' padded (TS 102 221 13.2, TS 24.008). */
static void bcd_swapped(const char *digits, uint8_t *out, size_t out_len)
{
	memset(out, 0xFF, out_len);
	for (size_t i = 0; digits[i] && i / 2 < out_len; i++) {
		uint8_t v = (uint8_t)(digits[i] - '0');
		if (i & 1)
			out[i / 2] = (uint8_t)((out[i / 2] & 0x0F) | v << 4);
		else
			out[i / 2] = (uint8_t)(0xF0 | v);
	}
}

/*! EF.ICCID from 19 or 20 digits (TS 102 221 13.2). */
int usim_iccid_encode(const char *digits, uint8_t out[10])
{
	size_t len = strlen(digits);

	if (len < 19 || len > 20 || strspn(digits, "0123456789") != len)
		return -1;
	bcd_swapped(digits, out, 10);
	return 0;
}

/*! EF.IMSI (TS 31.102 4.2.2): length, then digit 1 with the parity bit and
 *  identity type '001' (TS 24.008 10.5.1.4), then the other digits. */
int usim_imsi_encode(const char *digits, uint8_t out[9])
{
	size_t len = strlen(digits);
	char shifted[17];

	if (len < 6 || len > 15 || strspn(digits, "0123456789") != len)
		return -1;
	/* a leading nibble carries parity and type: encode "X" + digits */
	shifted[0] = '0';
	memcpy(shifted + 1, digits, len + 1);
	memset(out, 0xFF, 9);
	out[0] = (uint8_t)((len + 2) / 2);
	bcd_swapped(shifted, out + 1, 8);
	out[1] = (uint8_t)((out[1] & 0xF0) | (len & 1 ? 0x09 : 0x01));
	return 0;
}

/* The contents of a file node (a link shares its owner's). */
static uint8_t *node_content(const struct usim_personal *t, int node)
{
	return t->content[t->fs->nodes[node].owner];
}

static uint8_t *content(const struct usim_personal *t, const char *path)
{
	return node_content(t, fs_by_path(t->fs, path));
}

/* Octets of a file: the table's, or a twin's other size (fs_tree_resized) */
static size_t size_of(const struct usim_personal *t, const char *path)
{
	return t->fs->nodes[fs_by_path(t->fs, path)].content_size;
}

/* len octets into a file, as many as fit */
static void put(const struct usim_personal *t, const char *path, const uint8_t *data, size_t len)
{
	memcpy(content(t, path), data, len < size_of(t, path) ? len : size_of(t, path));
}

/* PLMN with access technology lists (TS 31.102 4.2.5): PLMN, then AcT
 * 'C080' (UTRAN, E-UTRAN, GSM); unused entries 'FFFFFF' '0000'. */
static void plmn_act_list(uint8_t *f, size_t size, const struct common_plmn_list *l)
{
	for (size_t i = 0; i + 5 <= size; i += 5) {
		static const uint8_t unused[5] = { 0xFF, 0xFF, 0xFF, 0x00, 0x00 };
		if (i / 5 < l->count) {
			memcpy(f + i, l->plmn[i / 5].id, 3);
			f[i + 3] = 0xC0;
			f[i + 4] = 0x80;
		} else {
			memcpy(f + i, unused, 5);
		}
	}
}

static void plmn_list(uint8_t *f, size_t size, const struct common_plmn_list *l)
{
	memset(f, 0xFF, size);
	for (size_t i = 0; i < l->count && (i + 1) * 3 <= size; i++)
		memcpy(f + 3 * i, l->plmn[i].id, 3);
}

/* EF.MSISDN record (TS 31.102 4.2.26 / TS 31.102 4.4.2.3 ADN coding):
 * alpha identifier, then BCD length, TON/NPI, 10 octets of BCD, CCP, EXT. */
static void msisdn_record(uint8_t *rec, size_t rec_len, const char *msisdn)
{
	const char *d = msisdn[0] == '+' ? msisdn + 1 : msisdn;
	uint8_t *num = rec + rec_len - 14;

	memset(rec, 0xFF, rec_len);
	num[0] = (uint8_t)(1 + (strlen(d) + 1) / 2);
	num[1] = msisdn[0] == '+' ? 0x91 : 0x81;	/* international / unknown, ISDN */
	bcd_swapped(d, num + 2, 10);
}

static const struct common_plmn_list *home_plmn(const struct usim_profile *p, struct common_plmn_list *tmp)
{
	char mccmnc[7];

	if (p->hplmnwact.count)
		return &p->hplmnwact;
	snprintf(mccmnc, sizeof(mccmnc), "%.*s", 3 + (int)p->mnc_len, p->imsi);
	tmp->count = common_plmn_encode(mccmnc, &tmp->plmn[0], NULL) == 0;
	return tmp;
}

/*! Write the profile into the contents and PINs of t (memory only: the
 *  caller stores the result). Returns 0 or -1 with err. */
int usim_personalize(const struct usim_personal *t, const struct usim_profile *p, char *err,
		     size_t errlen)
{
	const struct fs_tree *fs = t->fs;
	struct common_plmn_list hplmn;
	uint8_t buf[17];
	int msisdn = fs_by_path(fs, "DF.TELECOM/EF.MSISDN");

	/* every file may be a twin's of another size: nothing beyond it */
	if (usim_iccid_encode(p->iccid, buf) < 0) {
		snprintf(err, errlen, "cannot encode ICCID/IMSI");
		return -1;
	}
	put(t, "EF.ICCID", buf, 10);
	if (usim_imsi_encode(p->imsi, buf) < 0) {
		snprintf(err, errlen, "cannot encode ICCID/IMSI");
		return -1;
	}
	put(t, "ADF.USIM/EF.IMSI", buf, 9);
	if (size_of(t, "ADF.USIM/EF.AD") >= 4)
		content(t, "ADF.USIM/EF.AD")[3] = (uint8_t)p->mnc_len;

	{
		/* TS 22.011 4.2: access class 0-9 from the last IMSI digit */
		uint16_t acc = p->acc_set ? p->acc :
			       (uint16_t)(1u << (p->imsi[strlen(p->imsi) - 1] - '0'));
		put(t, "ADF.USIM/EF.ACC", (const uint8_t[]){ (uint8_t)(acc >> 8), (uint8_t)acc }, 2);
	}

	if (p->spn[0]) {
		memset(buf, 0xFF, 17);
		buf[0] = 0x01;	/* display the registered PLMN */
		memcpy(buf + 1, p->spn, strlen(p->spn));
		put(t, "ADF.USIM/EF.SPN", buf, 17);
	}
	/* the number takes the last 14 octets of a record */
	if (p->msisdn[0] && fs->nodes[msisdn].def->rec_len >= 14)
		msisdn_record(node_content(t, msisdn), fs->nodes[msisdn].def->rec_len, p->msisdn);

	plmn_act_list(content(t, "ADF.USIM/EF.HPLMNwAcT"), size_of(t, "ADF.USIM/EF.HPLMNwAcT"),
		      home_plmn(p, &hplmn));
	plmn_act_list(content(t, "ADF.USIM/EF.PLMNwAcT"), size_of(t, "ADF.USIM/EF.PLMNwAcT"), &p->plmnwact);
	plmn_act_list(content(t, "ADF.USIM/EF.OPLMNwAcT"), size_of(t, "ADF.USIM/EF.OPLMNwAcT"),
		      &p->oplmnwact);
	plmn_list(content(t, "ADF.USIM/EF.FPLMN"), size_of(t, "ADF.USIM/EF.FPLMN"), &p->fplmn);
	plmn_list(content(t, "DF.GSM/EF.PLMNsel"), size_of(t, "DF.GSM/EF.PLMNsel"), &p->plmnwact);

	/* PINs: PIN1/PIN2 3 tries with 10 for their PUKs, ADM1 10 tries */
	t->pin[USIM_PIN1] = (struct usim_pin){
		.key_ref = USIM_KEY_PIN1, .has_puk = true, .may_disable = true,
		.enabled = p->pin1_enabled, .tries = 3, .max_tries = 3,
		.puk_tries = 10, .puk_max_tries = 10,
	};
	t->pin[USIM_PIN2] = (struct usim_pin){
		.key_ref = USIM_KEY_PIN2, .has_puk = true, .may_disable = true,
		.enabled = true, .tries = 3, .max_tries = 3,
		.puk_tries = 10, .puk_max_tries = 10,
	};
	t->pin[USIM_ADM1] = (struct usim_pin){
		.key_ref = USIM_KEY_ADM1, .enabled = true, .tries = 10, .max_tries = 10,
	};
	memcpy(t->pin[USIM_PIN1].value, p->pin1, USIM_PIN_LEN);
	memcpy(t->pin[USIM_PIN1].puk, p->puk1, USIM_PIN_LEN);
	memcpy(t->pin[USIM_PIN2].value, p->pin2, USIM_PIN_LEN);
	memcpy(t->pin[USIM_PIN2].puk, p->puk2, USIM_PIN_LEN);
	memcpy(t->pin[USIM_ADM1].value, p->adm1, USIM_PIN_LEN);

	if (p->e2m.present) {
		/* doc/e2m-profile.md 4 */
		int pol = fs_by_path(fs, "ADF.USIM/DF.E2M/EF.E2M_POL");
		int eid = fs_by_path(fs, "ADF.USIM/DF.E2M/EF.E2M_EID");
		e2m_policy_files_encode(&p->e2m, node_content(t, pol), fs->nodes[pol].content_size,
					node_content(t, eid), fs->nodes[eid].def->rec_len,
					fs->nodes[eid].def->rec_count);
	}

	for (unsigned int i = 0; i < p->n_files; i++) {
		const struct usim_file_override *o = &p->files[i];
		int node = fs_by_path(fs, o->path);
		uint8_t *dst = node_content(t, node);
		if (!o->records)	/* transparent: 'FF' after what is given */
			memset(dst, 0xFF, fs->nodes[node].content_size);
		memcpy(dst, o->data, o->len);
	}
	return 0;
}
