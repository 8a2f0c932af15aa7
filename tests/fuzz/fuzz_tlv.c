/*
 * fuzz_tlv.c - BER-TLV parsing, iteration, lookup and building (proto/tlv.c).
 * Invariants (abort on violation):
 *   - every parsed object lies inside the input and its sizes add up;
 *   - a primitive re-encodes (minimal length) to an object that parses to the
 *     same tag and value, byte-exact when the input was minimal;
 *   - the path of first children, followed with dm_tlv_find_path, leads to
 *     the same object the walk found;
 *   - a tree that parses at every level re-encodes with begin/end to bytes
 *     that re-encode to themselves (canonical form is a fixed point).
 */
#include <stdlib.h>
#include <string.h>

#include "tlv.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static uint8_t out[1u << 17], out2[1u << 17];
static const uint8_t *in_lo, *in_hi;

static void check_primitive(const dm_tlv *t, const uint8_t *raw)
{
	uint8_t buf[600];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	dm_tlv u;

	if (t->len > sizeof buf - 8)
		return;
	CHECK(dm_tlv_put(&w, t->tag, t->value, t->len) == DM_OK);
	CHECK(w.len == dm_tlv_tag_size(t->tag) + dm_tlv_len_size(t->len) + t->len);
	CHECK(dm_tlv_parse_exact(buf, w.len, &u) == DM_OK);
	CHECK(u.tag == t->tag && u.len == t->len && u.constructed == t->constructed);
	CHECK(memcmp(u.value, t->value, t->len) == 0);
	if (t->hdr_len == dm_tlv_tag_size(t->tag) + dm_tlv_len_size(t->len))
		CHECK(memcmp(buf, raw, w.len) == 0);
}

/* Walk one level; returns 0 when every level below parsed completely. */
static int walk(const uint8_t *p, size_t len, unsigned depth, uint32_t *path, bool on_path)
{
	dm_tlv_iter it;
	dm_tlv t;
	int rc, bad = 0;
	bool first = on_path;

	dm_tlv_iter_init(&it, p, len);
	while ((rc = dm_tlv_next(&it, &t)) == 1) {
		const uint8_t *raw = t.value - t.hdr_len;

		CHECK(raw >= in_lo && t.value + t.len <= in_hi);
		CHECK(t.hdr_len >= 2 && t.hdr_len <= 8);
		if (first) {
			dm_tlv f;

			path[depth] = t.tag;
			CHECK(dm_tlv_find_path(in_lo, (size_t)(in_hi - in_lo), path, depth + 1, &f) == DM_OK);
			CHECK(f.value == t.value && f.len == t.len && f.tag == t.tag);
		}
		/* Only the first child of a first child ... stays on the path. */
		if (t.constructed && depth + 1 < DM_TLV_MAX_DEPTH)
			bad |= walk(t.value, t.len, depth + 1, path, first);
		else if (!t.constructed)
			check_primitive(&t, raw);
		first = false;
	}
	return bad | (rc < 0);
}

/* Canonical re-encoding of a level into w. */
static int reencode(const uint8_t *p, size_t len, dm_wbuf *w, unsigned depth)
{
	dm_tlv_iter it;
	dm_tlv t;
	size_t m;
	int rc;

	dm_tlv_iter_init(&it, p, len);
	while ((rc = dm_tlv_next(&it, &t)) == 1) {
		if (t.constructed && depth + 1 < DM_TLV_MAX_DEPTH) {
			if (dm_tlv_begin(w, t.tag, &m) != DM_OK)
				return -1;
			if (reencode(t.value, t.len, w, depth + 1) != 0)
				return -1;
			if (dm_tlv_end(w, m) != DM_OK)
				return -1;
		} else if (dm_tlv_put(w, t.tag, t.value, t.len) != DM_OK) {
			return -1;
		}
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t path[DM_TLV_MAX_DEPTH];
	dm_tlv t;
	size_t used;

	if (dm_tlv_parse(data, size, &t, &used) != DM_OK)
		return 0;
	CHECK(used == t.hdr_len + t.len && used <= size);
	CHECK(t.value == data + t.hdr_len);
	CHECK(dm_tlv_parse_exact(data, size, &t) == (used == size ? DM_OK : DM_E_TRAILING));
	in_lo = data;
	in_hi = data + used;
	if (walk(data, used, 0, path, true) != 0)
		return 0;

	dm_wbuf w = dm_wbuf_init(out, sizeof out);
	if (reencode(data, used, &w, 0) != 0)
		return 0;
	dm_wbuf w2 = dm_wbuf_init(out2, sizeof out2);
	CHECK(reencode(out, w.len, &w2, 0) == 0);
	CHECK(w2.len == w.len && memcmp(out, out2, w.len) == 0);
	return 0;
}
