/*
 * fuzz_fcp.c - FCP template parse/build (proto/fcp.c).
 * Invariants (abort on violation):
 *   - parsed fields stay in their documented ranges and borrow from the input;
 *   - what builds parses again to the same fields, and rebuilding that gives
 *     the same bytes (the builder's form is a fixed point);
 *   - with one byte less of room the build is refused and writes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "fcp.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static bool inside(dm_bytes b, const uint8_t *lo, size_t n)
{
	return b.len == 0 || (b.ptr >= lo && b.ptr + b.len <= lo + n);
}

static void check_same(const dm_fcp *a, const dm_fcp *b)
{
	CHECK(a->fdb == b->fdb && a->has_fid == b->has_fid && a->fid == b->fid);
	CHECK(a->record_len == b->record_len && a->record_count == b->record_count);
	CHECK(a->df_name.len == b->df_name.len);
	CHECK(a->df_name.len == 0 || memcmp(a->df_name.ptr, b->df_name.ptr, a->df_name.len) == 0);
	CHECK(a->has_lcsi == b->has_lcsi && a->lcsi == b->lcsi && a->sec == b->sec);
	CHECK(a->has_size == b->has_size && a->size == b->size);
	CHECK(a->has_total_size == b->has_total_size && a->total_size == b->total_size);
	CHECK(a->has_free_mem == b->has_free_mem && a->free_mem == b->free_mem);
	CHECK(a->has_uicc_chars == b->has_uicc_chars && a->uicc_chars == b->uicc_chars);
	CHECK(a->has_file_details == b->has_file_details && a->file_details == b->file_details);
	CHECK(a->arr_fid == b->arr_fid && a->arr_record == b->arr_record);
	CHECK(a->arr_se_records.len == b->arr_se_records.len && a->sec_raw.len == b->sec_raw.len);
	CHECK(a->sfi_mode == b->sfi_mode && a->sfi == b->sfi);
	CHECK(a->has_pin_status == b->has_pin_status && a->pin_count == b->pin_count);
	for (size_t i = 0; i < a->pin_count; i++)
		CHECK(a->pins[i].key_ref == b->pins[i].key_ref &&
		      a->pins[i].enabled == b->pins[i].enabled &&
		      a->pins[i].has_usage == b->pins[i].has_usage);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[300], buf2[300];
	dm_fcp f, g;

	if (dm_fcp_parse(data, size, &f) != DM_OK)
		return 0;
	CHECK(size <= 6 + DM_FCP_MAX_LEN); /* 62 84 xx xx xx xx: BER allows it */
	CHECK(f.df_name.len <= DM_FCP_AID_MAX && f.pin_count <= DM_FCP_MAX_PINS);
	CHECK(inside(f.df_name, data, size) && inside(f.proprietary_raw, data, size));
	CHECK(inside(f.sec_raw, data, size) && inside(f.arr_se_records, data, size));
	CHECK(f.sfi_mode != DM_FCP_SFI_VALUE || (f.sfi >= 1 && f.sfi <= 30));
	CHECK(dm_fcp_structure_of(f.fdb) != DM_FCP_STRUCT_RFU);
	CHECK(dm_fcp_effective_sfi(&f) <= 31);
	(void)dm_fcp_life_cycle(f.lcsi);
	(void)dm_fcp_check(&f);

	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	if (dm_fcp_build(&f, &w) != DM_OK) {
		CHECK(w.len == 0);
		return 0;
	}
	CHECK(dm_fcp_parse(buf, w.len, &g) == DM_OK);
	check_same(&f, &g);
	dm_wbuf w2 = dm_wbuf_init(buf2, sizeof buf2);
	CHECK(dm_fcp_build(&g, &w2) == DM_OK);
	CHECK(w2.len == w.len && memcmp(buf, buf2, w.len) == 0);
	w2 = dm_wbuf_init(buf2, w.len - 1);
	CHECK(dm_fcp_build(&g, &w2) == DM_E_OVERFLOW && w2.len == 0);
	return 0;
}
