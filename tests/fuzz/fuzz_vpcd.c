/*
 * fuzz_vpcd.c - a byte stream from "vpcd" through the card side of the link
 * (dm_vpcd_frame_next + dm_vpcd_handle), as dm_vpcd_serve consumes it.
 * The first input byte picks the stub card's behaviour and ATR length; the
 * rest is the stream.  Invariants (abort on violation):
 *   - frames never reach past the input, and splitting always progresses;
 *   - control codes are never answered, except get ATR;
 *   - every answer is ONE frame whose length prefix matches, of 2..65535
 *     bytes: never zero bytes, never a wrapped length;
 *   - an empty message is refused (DM_E_LENGTH), a failing card's error is
 *     passed on, and nothing is written on either.
 */
#include <stdlib.h>
#include <string.h>

#include "vpcd.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

enum { ECHO, SILENT, FAIL, HUGE, MODES };

typedef struct stub {
	int mode;
	size_t atr_len;
} stub;

static uint8_t out_buf[DM_VPCD_REPLY_CAP];
static const uint8_t atr_bytes[40] = { 0x3B, 0x80, 0x01, 0x81 };

static dm_bytes stub_atr(void *ctx)
{
	const stub *s = ctx;
	return dm_bytes_of(atr_bytes, s->atr_len);
}

static void stub_power(void *ctx, int ev)
{
	(void)ctx;
	CHECK(ev >= 0 && ev <= 2);
}

static int stub_transmit(void *ctx, const uint8_t *capdu, size_t len, dm_wbuf *out)
{
	const stub *s = ctx;
	switch (s->mode) {
	case SILENT:
		return DM_OK;
	case FAIL:
		return DM_E_IO;
	case HUGE:
		/* The link gives the card at most one frame of room (65535):
		 * an answer of 65538 bytes overflows and is answered 6F00. */
		CHECK(dm_wbuf_room(out) <= DM_VPCD_MSG_MAX);
		if (dm_wbuf_room(out) < 65538)
			return DM_E_OVERFLOW;
		memset(out->ptr + out->len, 0x5A, 65538);
		out->len += 65538;
		return DM_OK;
	default:
		if (dm_wbuf_put(out, capdu, len) != DM_OK)
			return dm_wbuf_put_u16be(out, 0x6700);
		return dm_wbuf_put_u16be(out, 0x9000);
	}
}

static const dm_vpcd_card_ops ops = { stub_atr, stub_power, stub_transmit };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	stub s = { .mode = data[0] % MODES, .atr_len = (size_t)(data[0] >> 2) % 40 };
	const uint8_t *p = data + 1;
	size_t left = size - 1;
	dm_bytes msg;
	size_t used;
	int r;

	while ((r = dm_vpcd_frame_next(p, left, &msg, &used)) == 1) {
		CHECK(used >= 2 && used <= left && used == 2 + msg.len);
		CHECK(msg.ptr == p + 2);
		dm_wbuf out = dm_wbuf_init(out_buf, sizeof out_buf);
		int rc = dm_vpcd_handle(&ops, &s, msg, &out);
		bool atr_ok = s.atr_len >= 2 && s.atr_len <= 33;
		if (msg.len == 0) {
			CHECK(rc == DM_E_LENGTH && out.len == 0);
		} else if (msg.len == 1 && msg.ptr[0] != DM_VPCD_CTRL_ATR) {
			CHECK(rc == DM_OK && out.len == 0);
		} else if (msg.len == 1) {
			CHECK(atr_ok ? rc == DM_OK : rc == DM_E_VALUE);
			CHECK(rc != DM_OK || (out.len == 2 + s.atr_len &&
					      memcmp(out.ptr + 2, atr_bytes, s.atr_len) == 0));
		} else if (s.mode == FAIL) {
			CHECK(rc == DM_E_IO && out.len == 0);
		} else {
			CHECK(rc == DM_OK);
			if (s.mode == HUGE)
				CHECK(out.len == 4 && dm_get_u16be(out.ptr + 2) == 0x6F00);
		}
		if (out.len != 0) {
			size_t body = dm_get_u16be(out.ptr);
			CHECK(body >= 2 && out.len == 2 + body);
		}
		p += used;
		left -= used;
	}
	CHECK(r == 0);
	return 0;
}
