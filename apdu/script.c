/* SPDX-License-Identifier: GPL-2.0-or-later */
/* APDU script lines, the format of tests/scripts/ (see apdu/script.h). */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/hex.h"
#include "apdu/script.h"

/* hex digits between s and end, blanks skipped, into out[cap]: the octet
 * count, or -1. */
static int hex_compact(const char *s, const char *end, uint8_t *out, size_t cap)
{
	char tmp[APDU_SCRIPT_LINE_MAX];	/* the line itself is no longer */
	size_t n = 0;

	for (; s < end; s++) {
		if (*s == ' ' || *s == '\t')
			continue;
		if (n + 1 >= sizeof(tmp))
			return -1;
		tmp[n++] = *s;
	}
	if (n % 2)
		return -1;
	return n ? common_hex_decode(tmp, n, out, cap) : 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

int apdu_script_open(struct apdu_script *s, const char *path, char *err, size_t errlen)
{
	*s = (struct apdu_script){ .path = path, .err = err, .errlen = errlen };
	s->f = fopen(path, "r");
	if (!s->f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int apdu_script_next(struct apdu_script *s, struct apdu_script_line *line, uint8_t *c, size_t ccap,
		     uint8_t *r, size_t rcap)
{
	while (fgets(s->buf, sizeof(s->buf), s->f)) {
		char *l = trim(s->buf), *arrow;
		int clen;

		s->lineno++;
		*line = (struct apdu_script_line){ .lineno = s->lineno, .rlen = -1, .text = l };
		if (*l == '\0' || *l == '#') {
			line->kind = APDU_SCRIPT_TEXT;
			return 1;
		}
		if (!strncmp(l, "@profile ", 9)) {
			line->kind = APDU_SCRIPT_PROFILE;
			line->name = l + 9 + strspn(l + 9, " \t");
			return 1;
		}
		if (!strcmp(l, "@reset")) {
			line->kind = APDU_SCRIPT_RESET;
			return 1;
		}
		arrow = strstr(l, "->");
		clen = hex_compact(l, arrow ? arrow : l + strlen(l), c, ccap);
		if (!arrow || clen < 1) {
			snprintf(s->err, s->errlen, "%s:%u: expected 'C-APDU -> R-APDU' in hex", s->path,
				 s->lineno);
			return -1;
		}
		line->kind = APDU_SCRIPT_EXCHANGE;
		line->clen = (size_t)clen;
		if (r) {
			line->rlen = hex_compact(arrow + 2, l + strlen(l), r, rcap);
			if (line->rlen < 0) {
				snprintf(s->err, s->errlen, "%s:%u: malformed R-APDU", s->path, s->lineno);
				return -1;
			}
		}
		return 1;
	}
	return 0;
}

void apdu_script_close(struct apdu_script *s)
{
	if (s->f)
		fclose(s->f);
	s->f = NULL;
}
