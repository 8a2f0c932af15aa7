/*
 * fuzz_cat.c - TS 102 223 codecs (proto/cat.c), the same input fed to the
 * COMPREHENSION-TLV walker and the proactive command, TERMINAL RESPONSE and
 * ENVELOPE parsers.  Invariants (abort on violation):
 *   - each object lies inside the input and re-encodes to one that parses
 *     to the same tag, CR and value;
 *   - whatever parses builds (the builder never needs more than the input
 *     had), parses back to the same fields, and rebuilds to the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "cat.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static bool same_bytes(dm_bytes a, dm_bytes b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static void fuzz_ctlv(const uint8_t *data, size_t size)
{
	size_t off = 0, used;
	dm_ctlv t, u;

	while (off < size && dm_ctlv_parse(data + off, size - off, &t, &used) == DM_OK) {
		uint8_t buf[300];
		dm_wbuf w = dm_wbuf_init(buf, sizeof buf);

		CHECK(used == t.hdr_len + t.len && used <= size - off);
		CHECK(t.tag != 0 && t.tag <= 0x7FFF && t.len <= 255);
		CHECK(dm_ctlv_put(&w, t.tag, t.cr, t.value, t.len) == DM_OK);
		CHECK(w.len <= used);
		CHECK(dm_ctlv_parse(buf, w.len, &u, &used) == DM_OK && used == w.len);
		CHECK(u.tag == t.tag && u.cr == t.cr && u.len == t.len);
		CHECK(memcmp(u.value, t.value, t.len) == 0);
		off += t.hdr_len + t.len;
	}
}

static void check_cmd_same(const dm_cat_cmd *a, const dm_cat_cmd *b)
{
	CHECK(a->number == b->number && a->type == b->type && a->qualifier == b->qualifier);
	CHECK(a->dst == b->dst && a->has_file_list == b->has_file_list);
	CHECK(a->file_count == b->file_count && same_bytes(a->file_paths, b->file_paths));
	CHECK(a->has_aid == b->has_aid && same_bytes(a->aid, b->aid));
	CHECK(a->has_alpha == b->has_alpha && same_bytes(a->alpha, b->alpha));
	CHECK(a->has_address == b->has_address && same_bytes(a->address, b->address));
	CHECK(a->has_text == b->has_text && same_bytes(a->text, b->text));
	CHECK(a->has_duration == b->has_duration && a->duration_unit == b->duration_unit &&
	      a->duration_interval == b->duration_interval);
	CHECK(a->has_events == b->has_events && same_bytes(a->events, b->events));
	CHECK(a->has_timer_id == b->has_timer_id && a->timer_id == b->timer_id);
	CHECK(a->has_timer_value == b->has_timer_value &&
	      memcmp(a->timer_value, b->timer_value, 3) == 0);
}

static void fuzz_cmd(const uint8_t *data, size_t size)
{
	uint8_t buf[300], buf2[300];
	dm_cat_cmd c, d;

	if (dm_cat_cmd_parse(data, size, &c) != DM_OK)
		return;
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	CHECK(dm_cat_cmd_build(&c, &w) == DM_OK && w.len <= size);
	CHECK(dm_cat_cmd_parse(buf, w.len, &d) == DM_OK);
	check_cmd_same(&c, &d);
	dm_wbuf w2 = dm_wbuf_init(buf2, sizeof buf2);
	CHECK(dm_cat_cmd_build(&d, &w2) == DM_OK);
	CHECK(w2.len == w.len && memcmp(buf, buf2, w.len) == 0);
}

static void fuzz_resp(const uint8_t *data, size_t size)
{
	uint8_t buf[300];
	dm_cat_resp r, s;

	if (dm_cat_resp_parse(data, size, &r) != DM_OK)
		return;
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	CHECK(dm_cat_resp_build(&r, &w) == DM_OK && w.len <= size);
	CHECK(dm_cat_resp_parse(buf, w.len, &s) == DM_OK);
	CHECK(r.number == s.number && r.type == s.type && r.qualifier == s.qualifier);
	CHECK(r.result == s.result && same_bytes(r.additional, s.additional));
	CHECK(same_bytes(r.extra, s.extra));
	(void)dm_cat_result_kind_of(r.result);
}

static void fuzz_env(const uint8_t *data, size_t size)
{
	uint8_t buf[300];
	dm_cat_env e, f;

	if (dm_cat_env_parse(data, size, &e) != DM_OK)
		return;
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	CHECK(dm_cat_env_build(&e, &w) == DM_OK && w.len <= size);
	CHECK(dm_cat_env_parse(buf, w.len, &f) == DM_OK);
	CHECK(e.tag == f.tag && e.src == f.src && e.event == f.event);
	CHECK(e.timer_id == f.timer_id && memcmp(e.timer_value, f.timer_value, 3) == 0);
	CHECK(same_bytes(e.extra, f.extra));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_ctlv(data, size);
	fuzz_cmd(data, size);
	fuzz_resp(data, size);
	fuzz_env(data, size);
	return 0;
}
