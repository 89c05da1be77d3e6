/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state store's journal (usim/journal.h): records appended to a buffer,
 * written and flushed together by usim_journal_sync() (group commit: the
 * changes of every card answered in one round share one flush). */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "usim/journal.h"

#define REC_MAGIC	0x4A4D3245u	/* "E2MJ" little-endian */
#define REC_HDR		24
#define REC_ALIGN	8

struct usim_journal {
	int fd;
	uint32_t epoch;
	uint64_t next_lsn;	/* of the next record appended */
	uint64_t durable;	/* LSN of the last record flushed */
	size_t pos;		/* file offset after the last record flushed */
	uint8_t *buf;		/* records appended, not yet written */
	size_t len, cap;
};

static uint32_t crc_table[256];

/* CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320), table-driven */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	if (!crc_table[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
			crc_table[i] = c;
		}
	}
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static size_t rec_size(size_t payload)
{
	return (REC_HDR + payload + REC_ALIGN - 1) / REC_ALIGN * REC_ALIGN;
}

/* Write zeros from offset from to USIM_JOURNAL_SIZE: real blocks, no holes,
 * so that no later write allocates any. */
static int fill_zeros(int fd, size_t from)
{
	static const uint8_t zeros[65536];

	while (from < USIM_JOURNAL_SIZE) {
		size_t n = USIM_JOURNAL_SIZE - from < sizeof(zeros) ? USIM_JOURNAL_SIZE - from : sizeof(zeros);
		ssize_t w = pwrite(fd, zeros, n, (off_t)from);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -EIO;
		from += (size_t)w;
	}
	return fsync(fd) < 0 ? -EIO : 0;
}

/* The directory entry of a file just made, flushed too. */
static void sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (!copy)
		return;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

/*! Open the journal at path, made (allocated with zeros) when missing and
 *  completed with zeros when shorter than USIM_JOURNAL_SIZE (a file cut
 *  short); wipe: all zeros (a store that was made anew). 0 or -1 with err. */
int usim_journal_open(struct usim_journal **out, const char *path, bool wipe, char *err,
		      size_t errlen)
{
	struct usim_journal *j = calloc(1, sizeof(*j));
	struct stat sb;
	bool made;

	if (!j) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	j->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (j->fd < 0 || fstat(j->fd, &sb) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		usim_journal_close(j);
		return -1;
	}
	made = sb.st_size == 0;
	if ((wipe || (size_t)sb.st_size < USIM_JOURNAL_SIZE) &&
	    fill_zeros(j->fd, wipe ? 0 : (size_t)sb.st_size) < 0) {
		snprintf(err, errlen, "%s: cannot allocate %u octets", path, USIM_JOURNAL_SIZE);
		usim_journal_close(j);
		return -1;
	}
	if (made)
		sync_dir(path);
	j->next_lsn = 1;
	*out = j;
	return 0;
}

void usim_journal_close(struct usim_journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	free(j->buf);
	free(j);
}

/*! Hand every record of epoch from offset 0 on, LSN after + 1, + 2, ...,
 *  to fn, up to offset limit (0: the whole file); res tells how it ended.
 *  Returns 0, or fn's or a read's negative value. */
int usim_journal_scan(struct usim_journal *j, uint32_t epoch, uint64_t after, size_t limit,
		      usim_journal_fn fn, void *arg, struct usim_journal_scan *res)
{
	size_t size = limit ? limit : USIM_JOURNAL_SIZE, got = 0, off = 0;
	uint8_t *img = malloc(size ? size : 1);
	int rc = 0;

	*res = (struct usim_journal_scan){ .last = after };
	if (!img)
		return -ENOMEM;
	while (got < size) {
		ssize_t r = pread(j->fd, img + got, size - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(img);
			return -EIO;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	while (off + REC_HDR <= got) {
		const uint8_t *h = img + off;
		uint64_t lsn = (uint64_t)get32(h + 8) | (uint64_t)get32(h + 12) << 32;
		uint32_t len = get32(h + 16);

		if (get32(h) != REC_MAGIC || get32(h + 4) != epoch || lsn != res->last + 1)
			break;	/* the end: zeros, an older epoch or an applied record */
		if (len > got - off - REC_HDR) {
			res->torn = true;
			res->torn_why = "length";
		} else if (crc32_update(crc32_update(0, h, 20), h + REC_HDR, len) != get32(h + 20)) {
			res->torn = true;
			res->torn_why = "CRC";
		}
		if (res->torn) {
			res->torn_lsn = lsn;
			break;
		}
		rc = fn(arg, h + REC_HDR, len);
		if (rc < 0)
			break;
		res->records++;
		res->last = lsn;
		off += rec_size(len);
		res->end = off;
	}
	free(img);
	return rc;
}

/*! Write from offset 0 on again: records of epoch, LSNs from next_lsn. The
 *  caller has applied every record before (or is opening the store). */
void usim_journal_restart(struct usim_journal *j, uint32_t epoch, uint64_t next_lsn)
{
	j->epoch = epoch;
	j->next_lsn = next_lsn;
	j->durable = next_lsn - 1;
	j->pos = 0;
	j->len = 0;
}

/*! Append one record to the buffer (not yet written). 0, -ENOSPC when the
 *  file has no room for it (sync, checkpoint and restart first), -ENOMEM. */
int usim_journal_append(struct usim_journal *j, const uint8_t *payload, size_t len)
{
	size_t n = rec_size(len);
	uint8_t *r;
	uint64_t lsn = j->next_lsn;

	if (len > UINT32_MAX || j->pos + j->len + n > USIM_JOURNAL_SIZE)
		return -ENOSPC;
	if (j->len + n > j->cap) {
		size_t cap = (j->len + n) * 2;
		uint8_t *b = realloc(j->buf, cap);
		if (!b)
			return -ENOMEM;
		j->buf = b;
		j->cap = cap;
	}
	r = j->buf + j->len;
	memset(r, 0, n);
	put32(r, REC_MAGIC);
	put32(r + 4, j->epoch);
	put32(r + 8, (uint32_t)lsn);
	put32(r + 12, (uint32_t)(lsn >> 32));
	put32(r + 16, (uint32_t)len);
	memcpy(r + REC_HDR, payload, len);
	put32(r + 20, crc32_update(crc32_update(0, r, 20), r + REC_HDR, len));
	j->len += n;
	j->next_lsn++;
	return 0;
}

/*! Write the records appended since the last sync with one pwrite() and
 *  make them durable with one fdatasync(). 0 or -EIO (then nothing more
 *  should be trusted to this journal). */
int usim_journal_sync(struct usim_journal *j)
{
	size_t done = 0;

	while (done < j->len) {
		ssize_t w = pwrite(j->fd, j->buf + done, j->len - done, (off_t)(j->pos + done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -EIO;
		done += (size_t)w;
	}
	if (!j->len)
		return 0;
	if (fdatasync(j->fd) < 0)
		return -EIO;
	j->pos += j->len;
	j->len = 0;
	j->durable = j->next_lsn - 1;
	return 0;
}

/*! LSN of the last record appended. */
uint64_t usim_journal_last(const struct usim_journal *j)
{
	return j->next_lsn - 1;
}

/*! LSN of the last record flushed. */
uint64_t usim_journal_durable(const struct usim_journal *j)
{
	return j->durable;
}

/*! Octets of the file holding flushed records. */
size_t usim_journal_used(const struct usim_journal *j)
{
	return j->pos;
}
