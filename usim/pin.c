/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PIN verification rules, TS 102 221 9.5 and 11.1.9-11.1.13: a wrong value
 * costs a try, the right one restores the tries, no tries left blocks. These
 * functions decide only; the command handler persists the result before the
 * card answers (usim/cmd_pin.c). */

#include <string.h>

#include "apdu/sw.h"
#include "common/ct.h"
#include "usim/pin.h"

int usim_pin_id_by_ref(uint8_t key_ref)
{
	switch (key_ref) {
	case USIM_KEY_PIN1: return USIM_PIN1;
	case USIM_KEY_PIN2: return USIM_PIN2;
	case USIM_KEY_ADM1: return USIM_ADM1;
	default: return -1;
	}
}

/*! A PIN block per TS 102 221 9.5.1: 4 to 8 ASCII digits, then 'FF'. */
int usim_pin_format_ok(const uint8_t *pin)
{
	int n = 0;

	while (n < USIM_PIN_LEN && pin[n] >= '0' && pin[n] <= '9')
		n++;
	for (int i = n; i < USIM_PIN_LEN; i++) {
		if (pin[i] != 0xFF)
			return 0;
	}
	return n >= 4;
}

/*! Encode 4 to 8 digits as a PIN block. Returns 0 or -1. */
int usim_pin_encode(const char *digits, uint8_t out[USIM_PIN_LEN])
{
	size_t len = strlen(digits);

	if (len < 4 || len > USIM_PIN_LEN)
		return -1;
	memset(out, 0xFF, USIM_PIN_LEN);
	for (size_t i = 0; i < len; i++) {
		if (digits[i] < '0' || digits[i] > '9')
			return -1;
		out[i] = (uint8_t)digits[i];
	}
	return 0;
}

/*! Whether the access condition "this PIN" is met: verified, or (PIN1/PIN2)
 *  disabled. */
bool usim_pin_satisfied(const struct usim_pin *pin)
{
	return pin->verified || (!pin->enabled && pin->may_disable);
}

/*! '63Cx' with the tries left, or '6983' when blocked. */
uint16_t usim_pin_status(const struct usim_pin *pin)
{
	if (!pin->tries)
		return APDU_SW_AUTH_METHOD_BLOCKED;
	return apdu_sw_tries_left(pin->tries);
}

uint16_t usim_pin_puk_status(const struct usim_pin *pin)
{
	if (!pin->puk_tries)
		return APDU_SW_AUTH_METHOD_BLOCKED;
	return apdu_sw_tries_left(pin->puk_tries);
}

/* Check a value against the PIN, counting the try. */
static uint16_t check(struct usim_pin *pin, const uint8_t *value, bool *changed)
{
	if (!pin->tries)
		return APDU_SW_AUTH_METHOD_BLOCKED;
	if (!common_ct_equal(pin->value, value, USIM_PIN_LEN)) {
		pin->tries--;
		pin->verified = false;
		*changed = true;
		return apdu_sw_tries_left(pin->tries);
	}
	if (pin->tries != pin->max_tries) {
		pin->tries = pin->max_tries;
		*changed = true;
	}
	return APDU_SW_OK;
}

/*! VERIFY PIN (11.1.9). value NULL: only report the state. */
uint16_t usim_pin_verify(struct usim_pin *pin, const uint8_t *value, bool *changed)
{
	uint16_t sw;

	*changed = false;
	if (!value) {
		if (!pin->tries)
			return APDU_SW_AUTH_METHOD_BLOCKED;
		return pin->verified || !pin->enabled ? APDU_SW_OK : apdu_sw_tries_left(pin->tries);
	}
	if (!usim_pin_format_ok(value))
		return APDU_SW_WRONG_DATA;
	if (!pin->enabled && pin->tries)
		return APDU_SW_REF_DATA_INVALIDATED;	/* '6984': PIN disabled */
	sw = check(pin, value, changed);
	if (sw == APDU_SW_OK)
		pin->verified = true;
	return sw;
}

/*! CHANGE PIN (11.1.10): only for an enabled PIN. */
uint16_t usim_pin_change(struct usim_pin *pin, const uint8_t *old, const uint8_t *new_pin, bool *changed)
{
	uint16_t sw;

	*changed = false;
	if (!usim_pin_format_ok(old) || !usim_pin_format_ok(new_pin))
		return APDU_SW_WRONG_DATA;
	if (!pin->enabled)
		return APDU_SW_REF_DATA_INVALIDATED;
	sw = check(pin, old, changed);
	if (sw != APDU_SW_OK)
		return sw;
	memcpy(pin->value, new_pin, USIM_PIN_LEN);
	pin->verified = true;
	*changed = true;
	return APDU_SW_OK;
}

/*! ENABLE PIN (11.1.12) and DISABLE PIN (11.1.11). */
uint16_t usim_pin_set_enabled(struct usim_pin *pin, const uint8_t *value, bool enable, bool *changed)
{
	uint16_t sw;

	*changed = false;
	if (!usim_pin_format_ok(value))
		return APDU_SW_WRONG_DATA;
	if (!pin->may_disable)
		return APDU_SW_INCORRECT_P1P2;
	if (pin->enabled == enable && pin->tries)
		return APDU_SW_CONDITIONS_NOT_SATISFIED;	/* already so */
	sw = check(pin, value, changed);
	if (sw != APDU_SW_OK)
		return sw;
	pin->enabled = enable;
	pin->verified = enable;
	*changed = true;
	return APDU_SW_OK;
}

/*! UNBLOCK PIN (11.1.13): the PUK resets the tries, sets the new PIN and
 *  enables it. puk NULL: only report the PUK's tries. */
uint16_t usim_pin_unblock(struct usim_pin *pin, const uint8_t *puk, const uint8_t *new_pin, bool *changed)
{
	*changed = false;
	if (!pin->has_puk)
		return APDU_SW_INCORRECT_P1P2;
	if (!puk)
		return usim_pin_puk_status(pin);
	if (!usim_pin_format_ok(puk) || !usim_pin_format_ok(new_pin))
		return APDU_SW_WRONG_DATA;
	if (!pin->puk_tries)
		return APDU_SW_AUTH_METHOD_BLOCKED;
	if (!common_ct_equal(pin->puk, puk, USIM_PIN_LEN)) {
		pin->puk_tries--;
		*changed = true;
		return apdu_sw_tries_left(pin->puk_tries);
	}
	pin->puk_tries = pin->puk_max_tries;
	pin->tries = pin->max_tries;
	memcpy(pin->value, new_pin, USIM_PIN_LEN);
	pin->enabled = true;
	pin->verified = true;
	*changed = true;
	return APDU_SW_OK;
}
