/*
 * fuzz_apdu.c - C-APDU / R-APDU / CLA decoding and the trace of any input.
 * Invariants (abort on violation):
 *   - a C-APDU that parses rebuilds to exactly the same bytes, and the
 *     rebuilt bytes parse to the same fields;
 *   - an R-APDU that parses rebuilds to the same bytes;
 *   - a CLA that decodes, moved to any channel, decodes to that channel;
 *   - a trace line of the input always fits DM_TRACE_LINE_MAX.
 */
#include <stdlib.h>
#include <string.h>

#include "apdu.h"
#include "sw.h"
#include "trace.h"

static uint8_t out[DM_CAPDU_MAX];

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static void fuzz_capdu(const uint8_t *data, size_t size)
{
	dm_capdu a, b;

	if (dm_capdu_parse(data, size, &a) != DM_OK)
		return;
	CHECK(a.apdu_case >= 1 && a.apdu_case <= 4);
	CHECK(a.nc <= DM_APDU_EXT_MAX_NC && a.ne <= DM_APDU_EXT_MAX_NE);
	CHECK(a.nc == 0 || (a.data > data && a.data + a.nc <= data + size));
	dm_wbuf w = dm_wbuf_init(out, sizeof out);
	CHECK(dm_capdu_build(&a, &w) == DM_OK);
	CHECK(w.len == size && memcmp(out, data, size) == 0);
	CHECK(dm_capdu_parse(out, w.len, &b) == DM_OK);
	CHECK(a.cla == b.cla && a.ins == b.ins && a.p1 == b.p1 && a.p2 == b.p2);
	CHECK(a.nc == b.nc && a.ne == b.ne && a.extended == b.extended && a.apdu_case == b.apdu_case);
	/* one byte less of room: refused, nothing written */
	w = dm_wbuf_init(out, size - 1);
	CHECK(dm_capdu_build(&a, &w) == DM_E_OVERFLOW && w.len == 0);
}

static void fuzz_rapdu(const uint8_t *data, size_t size)
{
	dm_rapdu r;
	char m[96];

	if (dm_rapdu_parse(data, size, &r) != DM_OK)
		return;
	dm_wbuf w = dm_wbuf_init(out, sizeof out);
	CHECK(dm_rapdu_build(r.data, r.len, r.sw, &w) == DM_OK);
	CHECK(w.len == size && memcmp(out, data, size) == 0);
	CHECK(dm_sw_name(r.sw) != NULL);
	CHECK(dm_sw_meaning(r.sw, m, sizeof m) == m && strlen(m) < sizeof m);
	int st = dm_sw_to_dm_status(r.sw);
	CHECK(st >= 200 && st <= 599);
}

static void fuzz_cla(uint8_t cla)
{
	dm_cla c, d;

	if (dm_cla_decode(cla, &c) != DM_OK)
		return;
	CHECK(c.channel <= 19 && c.sm <= 3);
	for (unsigned ch = 0; ch <= 19; ch++) {
		int r = dm_cla_on_channel(cla, ch);
		if (r < 0)
			continue;
		CHECK(r <= 0xFE && dm_cla_decode((uint8_t)r, &d) == DM_OK);
		CHECK(d.channel == ch && d.interindustry == c.interindustry && d.chaining == c.chaining);
	}
}

static void fuzz_trace(const uint8_t *data, size_t size)
{
	static char line[DM_TRACE_LINE_MAX];
	size_t half = size / 2;

	if (size > DM_CAPDU_MAX)
		return;
	CHECK(dm_trace_line(line, sizeof line, 1.5, 0, data, half, data + half, size - half) == DM_OK);
	CHECK(strlen(line) < sizeof line);
	CHECK(dm_trace_dir_line(line, sizeof line, DM_TRACE_RESPONSE, data, size) == DM_OK);
	CHECK(dm_trace_dir_line(line, sizeof line, DM_TRACE_COMMAND, data, size) == DM_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_capdu(data, size);
	fuzz_rapdu(data, size);
	if (size)
		fuzz_cla(data[0]);
	fuzz_trace(data, size);
	return 0;
}
