/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PINs and their retry counters, TS 102 221 9.5 and 11.1.9-11.1.13. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* TS 102 221 9.5.1 key references */
enum usim_key_ref {
	USIM_KEY_PIN1	= 0x01,
	USIM_KEY_PIN2	= 0x81,
	USIM_KEY_ADM1	= 0x0A,
};

enum usim_pin_id {
	USIM_PIN1,
	USIM_PIN2,
	USIM_ADM1,
	USIM_PIN_COUNT,
};

#define USIM_PIN_LEN 8		/* ASCII digits, 'FF' padded */

struct usim_pin {
	uint8_t key_ref;
	uint8_t value[USIM_PIN_LEN];
	uint8_t puk[USIM_PIN_LEN];
	bool has_puk;		/* ADM1 has no unblock key */
	bool may_disable;	/* ADM1 cannot be disabled */
	bool enabled;
	bool verified;		/* security status, cleared at reset */
	uint8_t tries, max_tries;
	uint8_t puk_tries, puk_max_tries;
};

int usim_pin_id_by_ref(uint8_t key_ref);
int usim_pin_format_ok(const uint8_t *pin);
int usim_pin_encode(const char *digits, uint8_t out[USIM_PIN_LEN]);
bool usim_pin_satisfied(const struct usim_pin *pin);

/* What a PIN operation wants done: the new PIN state is in *pin. The caller
 * persists it (when changed) before it answers with the status word. */
uint16_t usim_pin_verify(struct usim_pin *pin, const uint8_t *value, bool *changed);
uint16_t usim_pin_change(struct usim_pin *pin, const uint8_t *old, const uint8_t *new_pin, bool *changed);
uint16_t usim_pin_set_enabled(struct usim_pin *pin, const uint8_t *value, bool enable, bool *changed);
uint16_t usim_pin_unblock(struct usim_pin *pin, const uint8_t *puk, const uint8_t *new_pin, bool *changed);
uint16_t usim_pin_status(const struct usim_pin *pin);
uint16_t usim_pin_puk_status(const struct usim_pin *pin);
