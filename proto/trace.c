/*
 * trace.c - APDU trace lines (format and abbreviation rule in trace.h).
 */
#include "trace.h"

#include <stdio.h>
#include <string.h>

#include "hex.h"
#include "sw.h"

/* Longest name dm_sw_name returns, and the line bound derived from it:
 * time (19) " ch19" " > " side " < " side " " SW " " name NUL. */
#define TRACE_NAME_MAX 32u
#define TRACE_SIDE_MAX (2u * DM_TRACE_FULL_MAX)
_Static_assert(2u * (DM_TRACE_HEAD + DM_TRACE_TAIL) + 3u + 14u <= TRACE_SIDE_MAX,
	       "an abbreviated side must not be longer than a full one");
_Static_assert(19u + 5u + 3u + TRACE_SIDE_MAX + 3u + TRACE_SIDE_MAX + 1u + 4u + 1u +
	       TRACE_NAME_MAX + 1u <= DM_TRACE_LINE_MAX, "DM_TRACE_LINE_MAX too small");

/* Text being appended into the caller's buffer; the first failure sticks. */
struct tw {
	char *p;
	size_t cap;
	size_t len;
	int err;
};

static void tw_str(struct tw *w, const char *s)
{
	size_t n = strlen(s);

	if (w->err)
		return;
	if (n >= w->cap - w->len) {
		w->err = DM_E_OVERFLOW;
		return;
	}
	memcpy(w->p + w->len, s, n + 1);
	w->len += n;
}

static void tw_hex(struct tw *w, const uint8_t *b, size_t n)
{
	if (w->err)
		return;
	w->err = dm_hex_encode(b, n, w->p + w->len, w->cap - w->len);
	if (w->err == DM_OK)
		w->len += 2 * n;
}

/* Bytes in full, or abbreviated per the rule in trace.h. */
static void tw_bytes(struct tw *w, const uint8_t *b, size_t n)
{
	char tail[32];

	if (n <= DM_TRACE_FULL_MAX) {
		tw_hex(w, b, n);
		return;
	}
	tw_hex(w, b, DM_TRACE_HEAD);
	tw_str(w, "...");
	tw_hex(w, b + n - DM_TRACE_TAIL, DM_TRACE_TAIL);
	snprintf(tail, sizeof tail, " (%zu bytes)", n);
	tw_str(w, tail);
}

static void tw_response(struct tw *w, const uint8_t *r, size_t rlen)
{
	char sw[8];

	tw_str(w, "< ");
	if (rlen < 2) {
		/* The card died mid-APDU or sent garbage (reader-stack.md). */
		tw_hex(w, r, rlen);
		tw_str(w, rlen ? " NO_SW" : "NO_SW");
		return;
	}
	uint16_t s = dm_get_u16be(r + rlen - 2);
	if (rlen > 2) {
		tw_bytes(w, r, rlen - 2);
		tw_str(w, " ");
	}
	snprintf(sw, sizeof sw, "%04X ", (unsigned)s);
	tw_str(w, sw);
	tw_str(w, dm_sw_name(s));
}

static int tw_finish(struct tw *w)
{
	if (w->err && w->cap)
		w->p[0] = '\0';
	return w->err;
}

int dm_trace_line(char *out, size_t cap, double t_sec, int channel,
		  const uint8_t *capdu, size_t clen, const uint8_t *rapdu, size_t rlen)
{
	struct tw w = { out, cap, 0, DM_OK };
	char head[48];

	if (out == NULL || cap == 0 || (capdu == NULL && clen) || (rapdu == NULL && rlen))
		return DM_E_ARG;
	out[0] = '\0';
	if (channel < -1 || channel > 19)
		return DM_E_ARG;
	/* Also rejects NaN: every comparison with it is false. */
	if (!(t_sec >= 0.0 && t_sec < 1e12))
		return DM_E_VALUE;

	if (channel < 0)
		snprintf(head, sizeof head, "%.6f ch? > ", t_sec);
	else
		snprintf(head, sizeof head, "%.6f ch%d > ", t_sec, channel);
	tw_str(&w, head);
	tw_bytes(&w, capdu, clen);
	tw_str(&w, " ");
	tw_response(&w, rapdu, rlen);
	return tw_finish(&w);
}

int dm_trace_dir_line(char *out, size_t cap, dm_trace_dir dir, const uint8_t *bytes, size_t len)
{
	struct tw w = { out, cap, 0, DM_OK };

	if (out == NULL || cap == 0 || (bytes == NULL && len))
		return DM_E_ARG;
	out[0] = '\0';
	if (dir == DM_TRACE_COMMAND) {
		tw_str(&w, "> ");
		tw_bytes(&w, bytes, len);
	} else if (dir == DM_TRACE_RESPONSE) {
		tw_response(&w, bytes, len);
	} else {
		return DM_E_ARG;
	}
	return tw_finish(&w);
}
