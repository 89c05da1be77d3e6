/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VERIFY, CHANGE, DISABLE, ENABLE and UNBLOCK PIN (TS 102 221 11.1.9-11.1.13)
 * and their CHV counterparts of the GSM class (TS 51.011 9.2.9-9.2.13). A
 * changed counter or PIN is stored before the status word leaves the card. */

#include "apdu/sw.h"
#include "usim/command.h"

/* The PIN a command names: a key reference (TS 102 221 9.5.1), or in the GSM
 * class CHV1 '01' / CHV2 '02'. -1 when there is no such PIN. */
static int pin_of(const struct apdu_cmd *cmd)
{
	if (cmd->cla == 0xA0) {
		switch (cmd->p2) {
		case 0x00:	/* UNBLOCK CHV names CHV1 '00' (9.2.13) */
			return cmd->ins == USIM_INS_UNBLOCK_PIN ? USIM_PIN1 : -1;
		case 0x01: return USIM_PIN1;
		case 0x02: return USIM_PIN2;
		default: return -1;
		}
	}
	return usim_pin_id_by_ref(cmd->p2);
}

/* Persist a changed PIN; on failure put the old state back ('6581'). */
static uint16_t commit(struct usim_card *card, int id, const struct usim_pin *before,
		       bool changed, uint16_t sw)
{
	if (changed && usim_card_save_pin(card, id) != APDU_SW_OK) {
		card->pin[id] = *before;
		return APDU_SW_MEMORY_PROBLEM;
	}
	return sw;
}

enum pin_op { PIN_VERIFY, PIN_CHANGE, PIN_DISABLE, PIN_ENABLE, PIN_UNBLOCK };

static uint16_t pin_command(struct usim_card *card, const struct apdu_cmd *cmd, enum pin_op op)
{
	int id = pin_of(cmd);
	struct usim_pin before;
	bool changed = false;
	uint16_t sw;

	if (op == PIN_DISABLE ? (cmd->p1 != 0x00 && cmd->p1 != 0x80) : cmd->p1 != 0x00)
		return APDU_SW_INCORRECT_P1P2;
	if (id < 0)
		return APDU_SW_REF_DATA_NOT_FOUND;
	before = card->pin[id];
	switch (op) {
	case PIN_VERIFY:
		if (cmd->nc != 0 && cmd->nc != USIM_PIN_LEN)
			return APDU_SW_WRONG_LENGTH;
		sw = usim_pin_verify(&card->pin[id], cmd->nc ? cmd->data : NULL, &changed);
		break;
	case PIN_CHANGE:
		if (cmd->nc != 2 * USIM_PIN_LEN)
			return APDU_SW_WRONG_LENGTH;
		sw = usim_pin_change(&card->pin[id], cmd->data, cmd->data + USIM_PIN_LEN, &changed);
		break;
	case PIN_DISABLE:
	case PIN_ENABLE:
		if (cmd->nc != USIM_PIN_LEN)
			return APDU_SW_WRONG_LENGTH;
		sw = usim_pin_set_enabled(&card->pin[id], cmd->data, op == PIN_ENABLE, &changed);
		break;
	case PIN_UNBLOCK:
	default:
		if (cmd->nc != 0 && cmd->nc != 2 * USIM_PIN_LEN)
			return APDU_SW_WRONG_LENGTH;
		sw = usim_pin_unblock(&card->pin[id], cmd->nc ? cmd->data : NULL,
				      cmd->nc ? cmd->data + USIM_PIN_LEN : NULL, &changed);
		break;
	}
	return commit(card, id, &before, changed, sw);
}

/* TS 102 221 10.1.2: the PIN command an INS names */
static const struct {
	uint8_t ins;
	enum pin_op op;
} pin_ops[] = {
	{ .ins = USIM_INS_VERIFY_PIN, .op = PIN_VERIFY },
	{ .ins = USIM_INS_CHANGE_PIN, .op = PIN_CHANGE },
	{ .ins = USIM_INS_DISABLE_PIN, .op = PIN_DISABLE },
	{ .ins = USIM_INS_ENABLE_PIN, .op = PIN_ENABLE },
	{ .ins = USIM_INS_UNBLOCK_PIN, .op = PIN_UNBLOCK },
};

/*! VERIFY, CHANGE, DISABLE, ENABLE and UNBLOCK PIN (and CHV), by INS. */
uint16_t usim_cmd_pin(struct usim_card *card, struct usim_channel *ch,
		      const struct apdu_cmd *cmd, struct apdu_rsp *rsp)
{
	for (size_t i = 0; i < sizeof(pin_ops) / sizeof(pin_ops[0]); i++) {
		if (pin_ops[i].ins == cmd->ins)
			return pin_command(card, cmd, pin_ops[i].op);
	}
	return APDU_SW_INS_NOT_SUPPORTED;
}
