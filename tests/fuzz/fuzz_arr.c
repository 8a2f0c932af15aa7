/*
 * fuzz_arr.c - access rule codec (proto/arr.c).  The whole input is read as
 * an expanded-format value, as a compact value and as an 8B reference.
 * Invariants (abort on violation):
 *   - every parsed slice (SC_DOs, template contents, compact SC bytes,
 *     SE/record pairs) lies inside the input;
 *   - dm_arr_validate() accepts exactly the values whose rules and nested
 *     SC_DOs (to DM_ARR_MAX_DEPTH) all parse, and rejects with the error
 *     the walk meets first;
 *   - a compact value validates exactly when its sets tile the input, and
 *     every AM bit of a set finds its SC byte.
 */
#include <stdlib.h>
#include <string.h>

#include "arr.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static const uint8_t *lo;
static size_t total;

static bool inside(const uint8_t *p, size_t n)
{
	return n == 0 || (p >= lo && n <= total && p <= lo + total - n);
}

/* Walk SC_DOs like dm_arr_validate does: DM_OK or the first error. */
static int walk_sc(const uint8_t *in, size_t len, unsigned depth)
{
	dm_arr_iter it;
	dm_arr_sc sc;
	int rc, n = 0;

	if (depth > DM_ARR_MAX_DEPTH)
		return DM_E_UNSUPPORTED;
	dm_arr_sc_init(&it, in, len);
	while ((rc = dm_arr_sc_next(&it, &sc)) == 1) {
		n++;
		CHECK(inside(sc.inner, sc.inner_len));
		if (sc.kind == DM_ARR_SC_KIND_OR || sc.kind == DM_ARR_SC_KIND_AND ||
		    sc.kind == DM_ARR_SC_KIND_NOT) {
			CHECK(sc.inner_len > 0);
			int r = walk_sc(sc.inner, sc.inner_len, depth + 1);
			if (r != DM_OK)
				return r;
		}
	}
	if (rc < 0)
		return rc;
	return n > 0 ? DM_OK : DM_E_VALUE;
}

static void expanded(const uint8_t *data, size_t size)
{
	dm_arr_iter it;
	dm_arr_rule r;
	int rc, want = DM_OK;

	dm_arr_iter_init(&it, data, size);
	while ((rc = dm_arr_next(&it, &r)) == 1) {
		CHECK(r.sc_len > 0 && inside(r.sc, r.sc_len));
		CHECK(r.command || r.present == 0);
		if (want == DM_OK)
			want = walk_sc(r.sc, r.sc_len, 1);
	}
	if (rc < 0) {
		CHECK(dm_arr_next(&it, &r) == rc); /* sticky */
		if (want == DM_OK)
			want = rc;
	}
	CHECK(dm_arr_validate(data, size) == want);
}

static void compact(const uint8_t *data, size_t size)
{
	dm_arr_iter it;
	dm_arr_compact_set s;
	size_t used = 0;
	int rc;

	dm_arr_iter_init(&it, data, size);
	while ((rc = dm_arr_compact_next(&it, &s)) == 1) {
		CHECK(inside(s.sc, s.n) && s.sc == data + used + 1);
		used += 1 + s.n;
		for (uint8_t bit = 1; bit <= 0x40; bit <<= 1) {
			uint8_t sc;
			int r = dm_arr_compact_sc(&s, bit, &sc);
			CHECK((s.am & bit) ? r == DM_OK : r == DM_E_NOT_FOUND);
		}
	}
	CHECK(rc == 0 || rc == DM_E_TRUNCATED);
	int v = dm_arr_compact_validate(data, size);
	CHECK(v == (size == 0 ? DM_E_TRUNCATED : rc == 0 ? DM_OK : rc));
	CHECK(rc != 0 || used == size);
}

static void reference(const uint8_t *data, size_t size)
{
	uint16_t fid;
	uint8_t rec;
	dm_bytes pairs;

	if (dm_arr_ref_parse(data, size, &fid, &rec, &pairs) != DM_OK)
		return;
	CHECK(size >= 3 && fid == dm_get_u16be(data));
	CHECK(inside(pairs.ptr, pairs.len) && pairs.len % 2 == 0);
	CHECK((pairs.len == 0) == (rec != 0));
	for (unsigned se = 0; se < 256 && pairs.len != 0; se += 17) {
		int r = dm_arr_ref_record(pairs, (uint8_t)se, &rec);
		CHECK(r == DM_OK ? rec != 0 : r == DM_E_NOT_FOUND);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lo = data;
	total = size;
	expanded(data, size);
	compact(data, size);
	reference(data, size);
	return 0;
}
