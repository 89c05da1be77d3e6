/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state store's journal: a file of fixed size, written once with zeros
 * when made, into which every change of a running card is appended as one
 * record and made durable with one pwrite() and one fdatasync(). The blocks
 * are already allocated and the size never changes, so the flush carries no
 * metadata: one flush of the disk per durable batch. usim/store.c applies the
 * journal into SQLite (a checkpoint) when it is full, before any other write
 * to SQLite, and at every open (recovery).
 *
 * A record: magic 'E2MJ', epoch (u32), LSN (u64), payload length (u32),
 * CRC-32 of the 20 octets before it and of the payload (u32), the payload;
 * little-endian, padded to 8 octets. Records follow each other from offset 0
 * with LSNs that grow by one; a scan stops at the first record that is not
 * the next one (another epoch, an LSN already applied, zeros: the end) or
 * whose length or CRC is wrong (a torn write: the change was never answered,
 * since an answer waits for the flush of its record). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USIM_JOURNAL_SIZE	(1u << 20)	/* octets, allocated when made */

struct usim_journal;

/* How a scan ended. */
struct usim_journal_scan {
	unsigned int records;	/* handed to the callback */
	uint64_t last;		/* LSN of the last of them, or the scan's after */
	size_t end;		/* offset after the last of them */
	bool torn;		/* stopped at a record with a wrong length or CRC */
	uint64_t torn_lsn;	/* its LSN */
	const char *torn_why;	/* "CRC", "length" */
};

typedef int (*usim_journal_fn)(void *arg, const uint8_t *payload, size_t len);

int usim_journal_open(struct usim_journal **out, const char *path, bool wipe, char *err,
		      size_t errlen);
void usim_journal_close(struct usim_journal *j);
int usim_journal_scan(struct usim_journal *j, uint32_t epoch, uint64_t after, size_t limit,
		      usim_journal_fn fn, void *arg, struct usim_journal_scan *res);
void usim_journal_restart(struct usim_journal *j, uint32_t epoch, uint64_t next_lsn);
int usim_journal_append(struct usim_journal *j, const uint8_t *payload, size_t len);
int usim_journal_sync(struct usim_journal *j);
uint64_t usim_journal_last(const struct usim_journal *j);
uint64_t usim_journal_durable(const struct usim_journal *j);
size_t usim_journal_used(const struct usim_journal *j);
