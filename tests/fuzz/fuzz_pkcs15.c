/*
 * fuzz_pkcs15.c - the whole input as a DODF, an EF_DIR record and an ODF.
 * Invariant (abort on violation): whatever the lenient parsers accept, the
 * builders write as DER that parses back to the same fields.
 */
#include <stdlib.h>
#include <string.h>

#include "pkcs15.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static uint8_t out[4096];

static bool same_bytes(dm_bytes a, dm_bytes b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static bool same_path(const dm_p15_path *a, const dm_p15_path *b)
{
	return same_bytes(a->efid, b->efid) && a->has_index == b->has_index &&
	       a->has_length == b->has_length && (!a->has_index || a->index == b->index) &&
	       (!a->has_length || a->length == b->length);
}

/*
 * What an iterator result means for the loop: 1 use the item, 0 skip it (an
 * error inside an object the iterator moved past), -1 stop (end, or a
 * framing error that would repeat).  Each call moves on or stops: bounded.
 */
static int iter_step(int rc, size_t before, const dm_tlv_iter *it)
{
	if (rc > 0)
		return 1;
	return rc < 0 && it->left != before ? 0 : -1;
}

static void fuzz_dodf(const uint8_t *data, size_t size)
{
	dm_tlv_iter it;
	dm_p15_dobj o, p;
	size_t before;
	int s;

	dm_tlv_iter_init(&it, data, size);
	while (before = it.left, (s = iter_step(dm_p15_dodf_next(&it, &o), before, &it)) >= 0) {
		if (s == 0)
			continue;
		CHECK(strlen(o.oid_text) < sizeof o.oid_text);
		dm_wbuf w = dm_wbuf_init(out, sizeof out);
		if (dm_p15_dobj_build(&o, &w) != DM_OK)
			continue; /* e.g. an object larger than out */
		CHECK(dm_p15_dobj_parse(out, w.len, &p) == DM_OK);
		CHECK(same_bytes(o.label, p.label) && o.flags == p.flags);
		CHECK(same_bytes(o.auth_id, p.auth_id) && same_bytes(o.oid, p.oid));
		CHECK(strcmp(o.oid_text, p.oid_text) == 0 && same_path(&o.path, &p.path));

		/* OID text round trip */
		uint8_t raw[DM_P15_OID_MAX];
		dm_wbuf r = dm_wbuf_init(raw, sizeof raw);
		CHECK(dm_p15_oid_from_text(o.oid_text, &r) == DM_OK);
		CHECK(r.len == o.oid.len && memcmp(raw, o.oid.ptr, r.len) == 0);
	}
}

static void fuzz_dir(const uint8_t *data, size_t size)
{
	dm_p15_app a, b;

	if (dm_p15_dir_parse(data, size, &a) != DM_OK)
		return;
	dm_wbuf w = dm_wbuf_init(out, sizeof out);
	if (dm_p15_dir_build(&a, &w) != DM_OK)
		return;
	CHECK(dm_p15_dir_parse(out, w.len, &b) == DM_OK);
	CHECK(same_bytes(a.aid, b.aid) && same_bytes(a.label, b.label) && same_bytes(a.path, b.path));
}

static void fuzz_odf(const uint8_t *data, size_t size)
{
	dm_tlv_iter it;
	dm_p15_odf_entry e;
	dm_p15_path p;
	size_t before;
	int s;

	dm_tlv_iter_init(&it, data, size);
	while (before = it.left, (s = iter_step(dm_p15_odf_next(&it, &e), before, &it)) >= 0) {
		if (s == 0)
			continue;
		dm_wbuf w = dm_wbuf_init(out, sizeof out);
		CHECK(dm_p15_odf_build_entry(e.type, &e.path, &w) == DM_OK);
		CHECK(dm_p15_odf_find(out, w.len, e.type, &p) == DM_OK);
		CHECK(same_path(&e.path, &p));
	}
	(void)dm_p15_odf_find(data, size, DM_P15_ODF_DODF, &p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_dodf(data, size);
	fuzz_dir(data, size);
	fuzz_odf(data, size);
	return 0;
}
