/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Evaluates one EF.ARR record in expanded format (TS 102 221 9.2.4): access
 * mode data objects '80' each followed by the security condition data objects
 * that govern the modes it names. */

#include "apdu/sw.h"
#include "apdu/tlv.h"
#include "usim/access.h"

#define DO_AM		0x80	/* access mode byte */
#define DO_ALWAYS	0x90
#define DO_NEVER	0x97
#define DO_CRT		0xA4	/* control reference template: key '83' */
#define DO_OR		0xA0
#define DO_AND		0xAF
#define DO_KEY_REF	0x83

static bool key_satisfied(uint8_t key_ref, const struct usim_pin pins[USIM_PIN_COUNT])
{
	int id = usim_pin_id_by_ref(key_ref);
	return id >= 0 && usim_pin_satisfied(&pins[id]);
}

/* One security condition data object. Malformed is never satisfied. */
static bool sc_satisfied(const struct apdu_tlv *sc, const struct usim_pin pins[USIM_PIN_COUNT])
{
	const uint8_t *pos = sc->val, *end = sc->val + sc->len;
	struct apdu_tlv inner;
	bool all = true, any = false;

	switch (sc->tag) {
	case DO_ALWAYS:
		return true;
	case DO_CRT:
		if (apdu_tlv_find(sc->val, sc->len, DO_KEY_REF, &inner) < 0 || inner.len != 1)
			return false;
		return key_satisfied(inner.val[0], pins);
	case DO_OR:
	case DO_AND:
		while (pos < end) {
			bool ok;
			if (apdu_tlv_next(&pos, end, &inner) < 0)
				return false;
			ok = sc_satisfied(&inner, pins);
			all = all && ok;
			any = any || ok;
		}
		return sc->tag == DO_OR ? any : all;
	default:	/* DO_NEVER and anything unknown */
		return false;
	}
}

/*! Whether the operation is allowed by the rule: the conditions following the
 *  first access mode byte that names the operation, any one of them
 *  satisfied. No such byte: never. Returns '9000' or '6982'. */
uint16_t usim_access_check(const uint8_t *rule, size_t len, enum usim_access_op op,
			   const struct usim_pin pins[USIM_PIN_COUNT])
{
	const uint8_t *pos = rule, *end = rule + len;
	struct apdu_tlv t;
	bool in_scope = false, found = false;

	while (pos < end && *pos != 0xFF) {
		if (apdu_tlv_next(&pos, end, &t) < 0)
			break;
		if (t.tag == DO_AM) {
			if (found)
				break;		/* conditions of our mode are over */
			in_scope = t.len == 1 && (t.val[0] & op) && !(t.val[0] & 0x80);
			found = in_scope;
			continue;
		}
		if (in_scope && sc_satisfied(&t, pins))
			return APDU_SW_OK;
	}
	return APDU_SW_SECURITY_NOT_SATISFIED;
}

/*! The condition that governs op, for displays that know only one per mode
 *  (TS 51.011 9.3): USIM_ACCESS_ALWAYS, a key reference, or
 *  USIM_ACCESS_NEVER. */
int usim_access_condition(const uint8_t *rule, size_t len, enum usim_access_op op)
{
	const uint8_t *pos = rule, *end = rule + len;
	struct apdu_tlv t, key;
	bool in_scope = false;

	while (pos < end && *pos != 0xFF) {
		if (apdu_tlv_next(&pos, end, &t) < 0)
			break;
		if (t.tag == DO_AM) {
			if (in_scope)
				break;
			in_scope = t.len == 1 && (t.val[0] & op) && !(t.val[0] & 0x80);
			continue;
		}
		if (!in_scope)
			continue;
		if (t.tag == DO_ALWAYS)
			return USIM_ACCESS_ALWAYS;
		if (t.tag == DO_CRT && apdu_tlv_find(t.val, t.len, DO_KEY_REF, &key) == 0 && key.len == 1)
			return key.val[0];
		return USIM_ACCESS_NEVER;
	}
	return USIM_ACCESS_NEVER;
}
