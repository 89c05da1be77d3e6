/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HTTPS transport of e2msim-keyd (keyd/API.md "Transport"):
 * libmicrohttpd with mutual TLS, one thread per connection, over the
 * requests of keyd/service.h, and a thread that purges expired keysets
 * (solution 5 key aging). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "keyd/config.h"

struct keyd_server;

/* Opens the store and starts serving; cfg must outlive the server. NULL
 * with one message in err when it cannot. */
struct keyd_server *keyd_server_start(const struct keyd_config *cfg, char *err, size_t errlen);
/* The port it listens on (the real one when the configuration said 0). */
uint16_t keyd_server_port(const struct keyd_server *s);
/* Stops serving, waits for running requests, closes the store. */
void keyd_server_stop(struct keyd_server *s);
