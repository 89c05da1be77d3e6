/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The store backends by name, and what both keep in common. */

#include <string.h>

#include "keyd/store.h"

static const struct keyd_store_ops *const backends[] = {
	&keyd_store_sqlite_ops,
	&keyd_store_pg_ops,
};

const struct keyd_store_ops *keyd_store_backend(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (!strcmp(backends[i]->name, name))
			return backends[i];
	return NULL;
}

/* The keyset's "derivation" (keyd/API.md "Keyset") */
static const char *const derivation_names[] = {
	[KEYD_DERIVED_USIM] = "usim",
	[KEYD_DERIVED_ME] = "me",
};

const char *keyd_store_derivation_name(enum keyd_derivation d)
{
	if ((size_t)d >= sizeof(derivation_names) / sizeof(derivation_names[0]))
		return NULL;
	return derivation_names[d];
}

int keyd_store_derivation_parse(const char *name, enum keyd_derivation *d)
{
	size_t i;

	for (i = 0; i < sizeof(derivation_names) / sizeof(derivation_names[0]); i++)
		if (!strcmp(derivation_names[i], name)) {
			*d = (enum keyd_derivation)i;
			return 0;
		}
	return -1;
}
