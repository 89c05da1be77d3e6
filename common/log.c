/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <osmocom/core/application.h>
#include <osmocom/core/utils.h>

#include "common/log.h"

int common_log_keys;

static const struct log_info_cat common_log_cats[] = {
	[DAPDU] = { .name = "DAPDU", .description = "APDU exchanges",
		    .color = "\033[1;36m", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DVPCD] = { .name = "DVPCD", .description = "vpcd connection",
		    .enabled = 1, .loglevel = LOGL_NOTICE },
	[DPCSC] = { .name = "DPCSC", .description = "PC/SC client",
		    .enabled = 1, .loglevel = LOGL_NOTICE },
	[DCARD] = { .name = "DCARD", .description = "Card life cycle",
		    .enabled = 1, .loglevel = LOGL_NOTICE },
	[DFS] = { .name = "DFS", .description = "File system",
		  .enabled = 1, .loglevel = LOGL_NOTICE },
	[DSTORE] = { .name = "DSTORE", .description = "Card state store",
		     .enabled = 1, .loglevel = LOGL_NOTICE },
	[DAUTH] = { .name = "DAUTH", .description = "Authentication (AKA)",
		    .enabled = 1, .loglevel = LOGL_NOTICE },
	[DE2M] = { .name = "DE2M", .description = "End-to-middle keys",
		   .enabled = 1, .loglevel = LOGL_NOTICE },
	[DBRIDGE] = { .name = "DBRIDGE", .description = "ME bridge",
		      .enabled = 1, .loglevel = LOGL_NOTICE },
	[DKEYD] = { .name = "DKEYD", .description = "Key service",
		    .enabled = 1, .loglevel = LOGL_NOTICE },
	[DHSE] = { .name = "DHSE", .description = "HSE: EDP endpoint",
		   .enabled = 1, .loglevel = LOGL_NOTICE },
	[DEDP] = { .name = "DEDP", .description = "Device: EDP session",
		   .enabled = 1, .loglevel = LOGL_NOTICE },
	[DGSUP] = { .name = "DGSUP", .description = "GSUP proxy",
		    .enabled = 1, .loglevel = LOGL_NOTICE },
};

const struct log_info common_log_info = {
	.cat = common_log_cats,
	.num_cat = ARRAY_SIZE(common_log_cats),
};

/*! Set up logging to stderr. verbose -1: fatal only; 0: notices; 1: APDUs
 *  (info); 2: debug. */
void common_log_init(void *ctx, int verbose)
{
	int level = verbose >= 2 ? LOGL_DEBUG : verbose == 1 ? LOGL_INFO :
		    verbose == 0 ? LOGL_NOTICE : LOGL_FATAL;

	osmo_init_logging2(ctx, &common_log_info);
	log_set_print_filename2(osmo_stderr_target, LOG_FILENAME_NONE);
	log_set_print_category(osmo_stderr_target, 1);
	log_set_print_category_hex(osmo_stderr_target, 0);
	log_set_print_level(osmo_stderr_target, 1);
	log_set_use_color(osmo_stderr_target, 0);
	log_set_log_level(osmo_stderr_target, level);
	for (unsigned int i = 0; i < ARRAY_SIZE(common_log_cats); i++)
		log_set_category_filter(osmo_stderr_target, (int)i, 1, level);
}

void common_log_key(int cat, const char *label, const uint8_t *key, size_t len)
{
	if (common_log_keys)
		LOGP(cat, LOGL_DEBUG, "%s: %s\n", label, osmo_hexdump_nospc(key, len));
	else
		LOGP(cat, LOGL_DEBUG, "%s: <hidden, see --log-keys>\n", label);
}
