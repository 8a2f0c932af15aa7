/* test_fcp.c - FCP template codec (proto/fcp.c), TS 102 221 §11.1.1.3. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fcp.h"

/* dmsc-reference.md "FCP example": transparent EF 6432, EF_ARR 2F06 record 1. */
static const uint8_t ef_ref[] = {
	0x62, 0x16, 0x82, 0x02, 0x41, 0x21, 0x83, 0x02, 0x64, 0x32, 0x8A, 0x01, 0x05,
	0x8B, 0x03, 0x2F, 0x06, 0x01, 0x80, 0x02, 0x08, 0x00, 0x88, 0x00,
};

/* ADF DMSC: FID 7F60, AID F0 "OMADMSC", free memory 0x4000, expanded
 * security attributes, PIN 01 disabled and local PIN 81 enabled. */
static const uint8_t adf[] = {
	0x62, 0x39,
	0x82, 0x02, 0x78, 0x21,
	0x83, 0x02, 0x7F, 0x60,
	0x84, 0x08, 0xF0, 0x4F, 0x4D, 0x41, 0x44, 0x4D, 0x53, 0x43,
	0xA5, 0x04, 0x83, 0x02, 0x40, 0x00,
	0x8A, 0x01, 0x05,
	0xAB, 0x0A, 0x80, 0x01, 0x01, 0x90, 0x00, 0x80, 0x01, 0x02, 0x97, 0x00,
	0xC6, 0x0C, 0x90, 0x01, 0x40, 0x83, 0x01, 0x01, 0x95, 0x01, 0x08, 0x83, 0x01, 0x81,
	0x81, 0x02, 0x10, 0x00,
};

/* MF: UICC characteristics 71, free memory 0x2000, compact attributes,
 * PIN 01 enabled with usage qualifier, ADM 0A disabled. */
static const uint8_t mf[] = {
	0x62, 0x2A,
	0x82, 0x02, 0x78, 0x21,
	0x83, 0x02, 0x3F, 0x00,
	0xA5, 0x07, 0x80, 0x01, 0x71, 0x83, 0x02, 0x20, 0x00,
	0x8A, 0x01, 0x05,
	0x8C, 0x02, 0x01, 0x00,
	0xC6, 0x0C, 0x90, 0x01, 0x80, 0x95, 0x01, 0x08, 0x83, 0x01, 0x01, 0x83, 0x01, 0x0A,
	0x81, 0x02, 0x30, 0x00,
};

/* Linear fixed EF_ARR: 3 records of 26 bytes, SFI 22. */
static const uint8_t ef_lf[] = {
	0x62, 0x1A,
	0x82, 0x05, 0x42, 0x21, 0x00, 0x1A, 0x03,
	0x83, 0x02, 0x2F, 0x06,
	0x8A, 0x01, 0x05,
	0x8B, 0x03, 0x2F, 0x06, 0x01,
	0x80, 0x02, 0x00, 0x4E,
	0x88, 0x01, 0xB0,
};

/* Build f and compare with the expected bytes. */
static void assert_builds(const dm_fcp *f, const uint8_t *want, size_t n)
{
	uint8_t buf[300];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);

	ck_assert_int_eq(dm_fcp_build(f, &w), DM_OK);
	ck_assert_uint_eq(w.len, n);
	ck_assert_mem_eq(buf, want, n);
}

static void assert_round_trip(const uint8_t *in, size_t n)
{
	dm_fcp f;

	ck_assert_int_eq(dm_fcp_parse(in, n, &f), DM_OK);
	assert_builds(&f, in, n);
}

START_TEST(ef_reference_example)
{
	dm_fcp f;

	ck_assert_int_eq(dm_fcp_parse(ef_ref, sizeof ef_ref, &f), DM_OK);
	ck_assert_uint_eq(f.fdb, 0x41);
	ck_assert_uint_eq(f.data_coding, 0x21);
	ck_assert_int_eq(dm_fcp_structure_of(f.fdb), DM_FCP_STRUCT_TRANSPARENT);
	ck_assert(!dm_fcp_is_df(&f));
	ck_assert(f.has_fid);
	ck_assert_uint_eq(f.fid, 0x6432);
	ck_assert_uint_eq(f.df_name.len, 0);
	ck_assert(!f.has_proprietary);
	ck_assert(f.has_lcsi);
	ck_assert_int_eq(dm_fcp_life_cycle(f.lcsi), DM_FCP_LCS_ACTIVATED);
	ck_assert_int_eq(f.sec, DM_FCP_SEC_REFERENCED);
	ck_assert_uint_eq(f.arr_fid, 0x2F06);
	ck_assert_uint_eq(f.arr_record, 1);
	ck_assert_uint_eq(f.arr_se_records.len, 0);
	ck_assert(f.has_size);
	ck_assert_uint_eq(f.size, 0x0800);
	ck_assert(!f.has_total_size);
	ck_assert_int_eq(f.sfi_mode, DM_FCP_SFI_NONE);
	ck_assert_uint_eq(dm_fcp_effective_sfi(&f), 0);
	ck_assert(!f.has_pin_status);
	ck_assert_int_eq(dm_fcp_check(&f), DM_OK);
	assert_builds(&f, ef_ref, sizeof ef_ref);
}
END_TEST

START_TEST(ef_reference_from_fields)
{
	dm_fcp f;

	memset(&f, 0, sizeof f);
	f.fdb = DM_FCP_FDB_SHAREABLE | DM_FCP_FDB_TRANSPARENT;
	f.has_fid = true;
	f.fid = 0x6432;
	f.has_lcsi = true;
	f.lcsi = DM_FCP_LCSI_ACTIVATED;
	f.sec = DM_FCP_SEC_REFERENCED;
	f.arr_fid = 0x2F06;
	f.arr_record = 1;
	f.has_size = true;
	f.size = 0x800;
	f.sfi_mode = DM_FCP_SFI_NONE;
	assert_builds(&f, ef_ref, sizeof ef_ref); /* data_coding 0 -> 21 */
}
END_TEST

START_TEST(adf_fields_and_round_trip)
{
	static const uint8_t aid[] = { 0xF0, 0x4F, 0x4D, 0x41, 0x44, 0x4D, 0x53, 0x43 };
	dm_fcp f;

	ck_assert_int_eq(dm_fcp_parse(adf, sizeof adf, &f), DM_OK);
	ck_assert(dm_fcp_is_df(&f));
	ck_assert_uint_eq(f.fid, 0x7F60);
	ck_assert_uint_eq(f.df_name.len, sizeof aid);
	ck_assert_mem_eq(f.df_name.ptr, aid, sizeof aid);
	ck_assert_ptr_eq(f.df_name.ptr, adf + 12);
	ck_assert(f.has_proprietary);
	ck_assert(f.has_free_mem);
	ck_assert_uint_eq(f.free_mem, 0x4000);
	ck_assert(!f.has_uicc_chars);
	ck_assert_uint_eq(f.proprietary_raw.len, 4);
	ck_assert_int_eq(f.sec, DM_FCP_SEC_EXPANDED);
	ck_assert_uint_eq(f.sec_raw.len, 10);
	ck_assert_uint_eq(f.sec_raw.ptr[0], 0x80);
	ck_assert(f.has_pin_status);
	ck_assert_uint_eq(f.pin_count, 2);
	ck_assert_uint_eq(f.pins[0].key_ref, 0x01);
	ck_assert(!f.pins[0].enabled);
	ck_assert(!f.pins[0].has_usage);
	ck_assert_uint_eq(f.pins[1].key_ref, 0x81);
	ck_assert(f.pins[1].enabled);
	ck_assert(f.pins[1].has_usage);
	ck_assert_uint_eq(f.pins[1].usage, 0x08);
	ck_assert(f.has_total_size);
	ck_assert_uint_eq(f.total_size, 0x1000);
	ck_assert_uint_eq(dm_fcp_effective_sfi(&f), 0);
	ck_assert_int_eq(dm_fcp_check(&f), DM_OK);
	assert_builds(&f, adf, sizeof adf);
}
END_TEST

START_TEST(mf_fields_and_round_trip)
{
	dm_fcp f;

	ck_assert_int_eq(dm_fcp_parse(mf, sizeof mf, &f), DM_OK);
	ck_assert_uint_eq(f.fid, 0x3F00);
	ck_assert(f.has_uicc_chars);
	ck_assert_uint_eq(f.uicc_chars, 0x71);
	ck_assert_uint_eq(f.free_mem, 0x2000);
	ck_assert_int_eq(f.sec, DM_FCP_SEC_COMPACT);
	ck_assert_uint_eq(f.sec_raw.len, 2);
	ck_assert_uint_eq(f.pin_count, 2);
	ck_assert(f.pins[0].enabled);
	ck_assert(f.pins[0].has_usage);
	ck_assert_uint_eq(f.pins[1].key_ref, 0x0A);
	ck_assert(!f.pins[1].enabled);
	ck_assert_int_eq(dm_fcp_check(&f), DM_OK);
	assert_builds(&f, mf, sizeof mf);
}
END_TEST

START_TEST(record_ef_and_sfi)
{
	dm_fcp f;

	ck_assert_int_eq(dm_fcp_parse(ef_lf, sizeof ef_lf, &f), DM_OK);
	ck_assert_int_eq(dm_fcp_structure_of(f.fdb), DM_FCP_STRUCT_LINEAR_FIXED);
	ck_assert_uint_eq(f.record_len, 26);
	ck_assert_uint_eq(f.record_count, 3);
	ck_assert_int_eq(f.sfi_mode, DM_FCP_SFI_VALUE);
	ck_assert_uint_eq(f.sfi, 22);
	ck_assert_uint_eq(dm_fcp_effective_sfi(&f), 22);
	assert_builds(&f, ef_lf, sizeof ef_lf);
	/* No 88: the SFI is the low 5 bits of the FID (2F06 -> 06). */
	f.sfi_mode = DM_FCP_SFI_DEFAULT;
	ck_assert_uint_eq(dm_fcp_effective_sfi(&f), 0x06);
	/* Cyclic uses the same 5-byte descriptor. */
	uint8_t cyc[sizeof ef_lf];
	memcpy(cyc, ef_lf, sizeof cyc);
	cyc[4] = 0x46;
	assert_round_trip(cyc, sizeof cyc);
	ck_assert_int_eq(dm_fcp_parse(cyc, sizeof cyc, &f), DM_OK);
	ck_assert_int_eq(dm_fcp_structure_of(f.fdb), DM_FCP_STRUCT_CYCLIC);
}
END_TEST

START_TEST(referenced_se_form)
{
	static const uint8_t in[] = {
		0x62, 0x13, 0x82, 0x02, 0x41, 0x21, 0x83, 0x02, 0x64, 0x20, 0x8A, 0x01, 0x05,
		0x8B, 0x06, 0x2F, 0x06, 0x00, 0x01, 0x01, 0x02,
	};
	dm_fcp f;

	ck_assert_int_eq(dm_fcp_parse(in, sizeof in, &f), DM_OK);
	ck_assert_int_eq(f.sec, DM_FCP_SEC_REFERENCED);
	ck_assert_uint_eq(f.arr_fid, 0x2F06);
	ck_assert_uint_eq(f.arr_se_records.len, 4);
	ck_assert_mem_eq(f.arr_se_records.ptr, "\x00\x01\x01\x02", 4);
	assert_builds(&f, in, sizeof in);
	/* No 80: not a complete TS 102 221 EF FCP. */
	ck_assert_int_eq(dm_fcp_check(&f), DM_E_NOT_FOUND);
}
END_TEST

START_TEST(lenient_parts)
{
	/* Unknown DO C7 and A5/81 skipped; padding between DOs; 5-byte size with
	 * leading zero; BER-TLV structured EF (39); 1-byte size. */
	static const uint8_t in[] = {
		0x62, 0x1A, 0x82, 0x02, 0x79, 0x21, 0x00, 0xC7, 0x01, 0x00,
		0xA5, 0x06, 0x81, 0x01, 0x00, 0x84, 0x01, 0x01,
		0x80, 0x05, 0x00, 0x00, 0x00, 0x10, 0x00, 0x81, 0x01, 0x20,
	};
	dm_fcp f;

	ck_assert_int_eq(dm_fcp_parse(in, sizeof in, &f), DM_OK);
	ck_assert_int_eq(dm_fcp_structure_of(f.fdb), DM_FCP_STRUCT_BER_TLV);
	ck_assert(f.has_file_details);
	ck_assert_uint_eq(f.file_details, 1);
	ck_assert_uint_eq(f.size, 0x1000);
	ck_assert_uint_eq(f.total_size, 0x20);
	ck_assert(!f.has_fid);
	/* Rebuilt canonically: no padding, no unknown DOs, 2-byte sizes. */
	static const uint8_t canon[] = {
		0x62, 0x11, 0x82, 0x02, 0x79, 0x21, 0xA5, 0x03, 0x84, 0x01, 0x01,
		0x80, 0x02, 0x10, 0x00, 0x81, 0x02, 0x00, 0x20,
	};
	assert_builds(&f, canon, sizeof canon);
}
END_TEST

START_TEST(life_cycle_values)
{
	static const struct { uint8_t b; dm_fcp_lcs s; } v[] = {
		{ 0x00, DM_FCP_LCS_NO_INFO }, { 0x01, DM_FCP_LCS_CREATION },
		{ 0x02, DM_FCP_LCS_RFU }, { 0x03, DM_FCP_LCS_INITIALISATION },
		{ 0x04, DM_FCP_LCS_DEACTIVATED }, { 0x05, DM_FCP_LCS_ACTIVATED },
		{ 0x06, DM_FCP_LCS_DEACTIVATED }, { 0x07, DM_FCP_LCS_ACTIVATED },
		{ 0x08, DM_FCP_LCS_RFU }, { 0x0B, DM_FCP_LCS_RFU },
		{ 0x0C, DM_FCP_LCS_TERMINATED }, { 0x0D, DM_FCP_LCS_TERMINATED },
		{ 0x0E, DM_FCP_LCS_TERMINATED }, { 0x0F, DM_FCP_LCS_TERMINATED },
		{ 0x10, DM_FCP_LCS_PROPRIETARY }, { 0xF5, DM_FCP_LCS_PROPRIETARY },
	};

	for (size_t i = 0; i < DM_ARRAY_LEN(v); i++)
		ck_assert_int_eq(dm_fcp_life_cycle(v[i].b), v[i].s);
}
END_TEST

START_TEST(descriptor_bytes)
{
	ck_assert_int_eq(dm_fcp_structure_of(0x38), DM_FCP_STRUCT_DF);
	ck_assert_int_eq(dm_fcp_structure_of(0x78), DM_FCP_STRUCT_DF);
	ck_assert_int_eq(dm_fcp_structure_of(0x01), DM_FCP_STRUCT_TRANSPARENT);
	ck_assert_int_eq(dm_fcp_structure_of(0x09), DM_FCP_STRUCT_TRANSPARENT);
	ck_assert_int_eq(dm_fcp_structure_of(0x42), DM_FCP_STRUCT_LINEAR_FIXED);
	ck_assert_int_eq(dm_fcp_structure_of(0x46), DM_FCP_STRUCT_CYCLIC);
	ck_assert_int_eq(dm_fcp_structure_of(0x39), DM_FCP_STRUCT_BER_TLV);
	ck_assert_int_eq(dm_fcp_structure_of(0x79), DM_FCP_STRUCT_BER_TLV);
	ck_assert_int_eq(dm_fcp_structure_of(0x81), DM_FCP_STRUCT_RFU);
	ck_assert_int_eq(dm_fcp_structure_of(0x11), DM_FCP_STRUCT_RFU);
	ck_assert_int_eq(dm_fcp_structure_of(0x3A), DM_FCP_STRUCT_RFU);
	ck_assert_int_eq(dm_fcp_structure_of(0x40), DM_FCP_STRUCT_RFU);
	ck_assert_int_eq(dm_fcp_structure_of(0x43), DM_FCP_STRUCT_RFU);
}
END_TEST

/* Replace the 82 DO value of the reference EF (bytes 2..5) by d[0..n). */
static int parse_with_descriptor(const uint8_t *d, size_t n)
{
	uint8_t buf[64];
	dm_fcp f;
	size_t k = 0;

	buf[k++] = 0x62;
	buf[k++] = (uint8_t)(sizeof ef_ref - 2 - 2 + n);
	buf[k++] = 0x82;
	buf[k++] = (uint8_t)n;
	memcpy(buf + k, d, n);
	k += n;
	memcpy(buf + k, ef_ref + 6, sizeof ef_ref - 6);
	k += sizeof ef_ref - 6;
	return dm_fcp_parse(buf, k, &f);
}

START_TEST(bad_descriptor)
{
	ck_assert_int_eq(parse_with_descriptor((const uint8_t *)"\x41\x21", 2), DM_OK);
	ck_assert_int_eq(parse_with_descriptor((const uint8_t *)"\x41", 1), DM_E_LENGTH);
	ck_assert_int_eq(parse_with_descriptor((const uint8_t *)"\x41\x21\x00", 3), DM_E_LENGTH);
	ck_assert_int_eq(parse_with_descriptor((const uint8_t *)"\x42\x21\x00\x10", 4), DM_E_LENGTH);
	ck_assert_int_eq(parse_with_descriptor((const uint8_t *)"\x42\x21\x00\x10\x01\x00", 6),
			 DM_E_LENGTH);
	ck_assert_int_eq(parse_with_descriptor((const uint8_t *)"", 0), DM_E_LENGTH);
	ck_assert_int_eq(parse_with_descriptor((const uint8_t *)"\x41\x21\x00\x10\x01", 5),
			 DM_E_VALUE);
	ck_assert_int_eq(parse_with_descriptor((const uint8_t *)"\x42\x21", 2), DM_E_VALUE);
	ck_assert_int_eq(parse_with_descriptor((const uint8_t *)"\xC1\x21", 2), DM_E_VALUE);
	ck_assert_int_eq(parse_with_descriptor((const uint8_t *)"\x42\x21\x00\x00\x01", 5),
			 DM_E_VALUE);
	ck_assert_int_eq(parse_with_descriptor((const uint8_t *)"\x42\x21\x00\x10\x00", 5),
			 DM_E_VALUE);
}
END_TEST

/* The reference EF with its last DO (88 00) replaced by d[0..n). */
static int parse_with_tail(const uint8_t *d, size_t n)
{
	uint8_t buf[400];
	dm_fcp f;
	size_t body = sizeof ef_ref - 2 - 2 + n, k = 0;

	buf[k++] = 0x62;
	if (body > 0x7F)
		buf[k++] = body > 0xFF ? 0x82 : 0x81;
	if (body > 0xFF)
		buf[k++] = (uint8_t)(body >> 8);
	buf[k++] = (uint8_t)body;
	memcpy(buf + k, ef_ref + 2, sizeof ef_ref - 4);
	k += sizeof ef_ref - 4;
	memcpy(buf + k, d, n);
	return dm_fcp_parse(buf, k + n, &f);
}

#define TAIL(s) parse_with_tail((const uint8_t *)(s), sizeof(s) - 1)

START_TEST(bad_data_objects)
{
	/* Repeats. */
	ck_assert_int_eq(TAIL("\x82\x02\x41\x21"), DM_E_TAG);
	ck_assert_int_eq(TAIL("\x83\x02\x64\x33"), DM_E_TAG);
	ck_assert_int_eq(TAIL("\x8A\x01\x05"), DM_E_TAG);
	ck_assert_int_eq(TAIL("\x80\x02\x08\x00"), DM_E_TAG);
	ck_assert_int_eq(TAIL("\x8C\x01\x00"), DM_E_TAG);
	ck_assert_int_eq(TAIL("\xAB\x02\x90\x00"), DM_E_TAG);
	ck_assert_int_eq(TAIL("\x88\x00\x88\x00"), DM_E_TAG);
	/* Lengths. */
	ck_assert_int_eq(TAIL("\x84\x00"), DM_E_LENGTH);
	ck_assert_int_eq(TAIL("\x84\x11" "0123456789abcdefg"), DM_E_LENGTH);
	ck_assert_int_eq(TAIL("\x84\x10" "0123456789abcdef"), DM_OK);
	ck_assert_int_eq(TAIL("\x81\x00"), DM_E_LENGTH);
	ck_assert_int_eq(TAIL("\x81\x05\x01\x00\x00\x00\x00"), DM_E_UNSUPPORTED);
	ck_assert_int_eq(TAIL("\x81\x06\x00\x00\xFF\xFF\xFF\xFF"), DM_OK);
	ck_assert_int_eq(TAIL("\x88\x02\x08\x00"), DM_E_LENGTH);
	ck_assert_int_eq(TAIL("\xA5\x03\x80\x02\x71"), DM_E_TRUNCATED);
	ck_assert_int_eq(TAIL("\xA5\x04\x80\x02\x71\x00"), DM_E_LENGTH);
	ck_assert_int_eq(TAIL("\xA5\x02\x83\x00"), DM_E_LENGTH);
	ck_assert_int_eq(TAIL("\xA5\x06\x84\x01\x01\x84\x01\x01"), DM_E_TAG);
	/* SFI values. */
	ck_assert_int_eq(TAIL("\x88\x01\x09"), DM_E_VALUE);
	ck_assert_int_eq(TAIL("\x88\x01\x00"), DM_E_VALUE);
	ck_assert_int_eq(TAIL("\x88\x01\xF8"), DM_E_VALUE);
	ck_assert_int_eq(TAIL("\x88\x01\xF0"), DM_OK);
	/* C6. */
	ck_assert_int_eq(TAIL("\xC6\x00"), DM_E_TAG);
	ck_assert_int_eq(TAIL("\xC6\x03\x83\x01\x01"), DM_E_TAG);
	ck_assert_int_eq(TAIL("\xC6\x02\x90\x00"), DM_E_LENGTH);
	ck_assert_int_eq(TAIL("\xC6\x06\x90\x01\x80\x95\x01\x08"), DM_E_VALUE);
	ck_assert_int_eq(TAIL("\xC6\x09\x90\x01\x80\x95\x01\x08\x95\x01\x08"), DM_E_VALUE);
	ck_assert_int_eq(TAIL("\xC6\x06\x90\x01\x80\x83\x02\x01"), DM_E_TRUNCATED);
	ck_assert_int_eq(TAIL("\xC6\x07\x90\x01\x80\x83\x02\x01\x02"), DM_E_LENGTH);
	ck_assert_int_eq(TAIL("\xC6\x06\x90\x01\x80\x84\x01\x01"), DM_E_TAG);
	ck_assert_int_eq(TAIL("\xC6\x09\x90\x01\x80\x90\x01\x80\x83\x01\x01"), DM_E_TAG);
	/* 9 keys and a 1-byte PS_DO; 17 keys and a 3-byte PS_DO. */
	ck_assert_int_eq(TAIL("\xC6\x1E\x90\x01\xFF" "\x83\x01\x01\x83\x01\x02\x83\x01\x03"
			      "\x83\x01\x04\x83\x01\x05\x83\x01\x06\x83\x01\x07\x83\x01\x08"
			      "\x83\x01\x0A"), DM_E_VALUE);
	ck_assert_int_eq(TAIL("\xC6\x38\x90\x03\xFF\xFF\xFF"
			      "\x83\x01\x01\x83\x01\x02\x83\x01\x03\x83\x01\x04\x83\x01\x05"
			      "\x83\x01\x06\x83\x01\x07\x83\x01\x08\x83\x01\x0A\x83\x01\x0B"
			      "\x83\x01\x0C\x83\x01\x0D\x83\x01\x0E\x83\x01\x81\x83\x01\x82"
			      "\x83\x01\x83\x83\x01\x84"), DM_E_UNSUPPORTED);
	/* Security attributes. */
	ck_assert_int_eq(parse_with_descriptor((const uint8_t *)"\x41\x21", 2), DM_OK);
	ck_assert_int_eq(TAIL("\xAB\x03\x80\x05\x01"), DM_E_TAG); /* AB after 8B */
}
END_TEST

START_TEST(bad_security_attributes)
{
	/* The reference EF with 8B (bytes 13..17) replaced by the given DO. */
	static const struct { const char *d; size_t n; int rc; } v[] = {
		{ "\x8B\x02\x2F\x06", 4, DM_E_LENGTH },
		{ "\x8B\x05\x2F\x06\x00\x01\x01", 7, DM_E_LENGTH },
		{ "\x8B\x04\x2F\x06\x00\x01", 6, DM_OK },
		{ "\x8C\x00", 2, DM_E_LENGTH },
		{ "\xAB\x00", 2, DM_E_LENGTH },
		{ "\xAB\x03\x80\x05\x01", 5, DM_E_TRUNCATED },
		{ "\xAB\x03\x80\x01\x01", 5, DM_OK },
	};

	for (size_t i = 0; i < DM_ARRAY_LEN(v); i++) {
		uint8_t buf[64];
		size_t k = 0;
		dm_fcp f;

		buf[k++] = 0x62;
		buf[k++] = (uint8_t)(sizeof ef_ref - 2 - 5 + v[i].n);
		memcpy(buf + k, ef_ref + 2, 11);
		k += 11;
		memcpy(buf + k, v[i].d, v[i].n);
		k += v[i].n;
		memcpy(buf + k, ef_ref + 18, sizeof ef_ref - 18);
		k += sizeof ef_ref - 18;
		ck_assert_msg(dm_fcp_parse(buf, k, &f) == v[i].rc, "case %zu", i);
	}
}
END_TEST

START_TEST(bad_template)
{
	uint8_t buf[300];
	dm_fcp f;

	memcpy(buf, ef_ref, sizeof ef_ref);
	buf[0] = 0x6F;
	ck_assert_int_eq(dm_fcp_parse(buf, sizeof ef_ref, &f), DM_E_TAG);
	ck_assert_int_eq(dm_fcp_parse(ef_ref, sizeof ef_ref - 1, &f), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_fcp_parse(ef_ref, 1, &f), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_fcp_parse(ef_ref, 0, &f), DM_E_TRUNCATED);
	memcpy(buf, ef_ref, sizeof ef_ref);
	buf[sizeof ef_ref] = 0x90;
	ck_assert_int_eq(dm_fcp_parse(buf, sizeof ef_ref + 1, &f), DM_E_TRAILING);
	/* No 82. */
	ck_assert_int_eq(dm_fcp_parse((const uint8_t *)"\x62\x04\x83\x02\x3F\x00", 6, &f),
			 DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_fcp_parse((const uint8_t *)"\x62\x00", 2, &f), DM_E_NOT_FOUND);
	/* A template longer than 255 bytes (TS 102 221 §11.1.1.3.0). */
	buf[0] = 0x62;
	buf[1] = 0x82;
	buf[2] = 0x01;
	buf[3] = 0x00;
	memcpy(buf + 4, ef_ref + 2, 4);
	memset(buf + 8, 0xFF, 256 - 4);
	ck_assert_int_eq(dm_fcp_parse(buf, 4 + 256, &f), DM_E_LENGTH);
	/* The same content in 255 bytes is fine (padding FF skipped). */
	buf[1] = 0x81;
	buf[2] = 0xFF;
	memcpy(buf + 3, ef_ref + 2, 4);
	memset(buf + 7, 0xFF, 255 - 4);
	ck_assert_int_eq(dm_fcp_parse(buf, 3 + 255, &f), DM_OK);
	/* 83 and 8A of the wrong length. */
	ck_assert_int_eq(dm_fcp_parse((const uint8_t *)"\x62\x09\x82\x02\x41\x21\x83\x03\x64\x32\x00",
				      11, &f), DM_E_LENGTH);
	ck_assert_int_eq(dm_fcp_parse((const uint8_t *)"\x62\x08\x82\x02\x41\x21\x8A\x02\x05\x00",
				      10, &f), DM_E_LENGTH);
	/* Not a TLV at all, and a truncated one inside. */
	ck_assert_int_eq(dm_fcp_parse((const uint8_t *)"\x62\x80", 2, &f), DM_E_LENGTH);
	ck_assert_int_eq(dm_fcp_parse((const uint8_t *)"\x62\x03\x82\x05\x41", 5, &f),
			 DM_E_TRUNCATED);
	ck_assert_int_eq(dm_fcp_parse(NULL, 2, &f), DM_E_ARG);
	ck_assert_int_eq(dm_fcp_parse(ef_ref, sizeof ef_ref, NULL), DM_E_ARG);
}
END_TEST

START_TEST(check_mandatory)
{
	dm_fcp f;

	ck_assert_int_eq(dm_fcp_parse(adf, sizeof adf, &f), DM_OK);
	f.has_pin_status = false;
	ck_assert_int_eq(dm_fcp_check(&f), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_fcp_parse(adf, sizeof adf, &f), DM_OK);
	f.has_fid = false; /* an ADF may omit 83 when 84 is there */
	ck_assert_int_eq(dm_fcp_check(&f), DM_OK);
	f.df_name.len = 0;
	ck_assert_int_eq(dm_fcp_check(&f), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_fcp_parse(mf, sizeof mf, &f), DM_OK);
	f.has_uicc_chars = false;
	ck_assert_int_eq(dm_fcp_check(&f), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_fcp_parse(ef_ref, sizeof ef_ref, &f), DM_OK);
	f.has_lcsi = false;
	ck_assert_int_eq(dm_fcp_check(&f), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_fcp_parse(ef_ref, sizeof ef_ref, &f), DM_OK);
	f.sec = DM_FCP_SEC_NONE;
	ck_assert_int_eq(dm_fcp_check(&f), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_fcp_parse(ef_ref, sizeof ef_ref, &f), DM_OK);
	f.has_fid = false;
	ck_assert_int_eq(dm_fcp_check(&f), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_fcp_check(NULL), DM_E_ARG);
}
END_TEST

START_TEST(build_bounds)
{
	uint8_t buf[sizeof adf];
	dm_fcp f;

	ck_assert_int_eq(dm_fcp_parse(adf, sizeof adf, &f), DM_OK);
	for (size_t cap = 0; cap < sizeof adf; cap++) {
		dm_wbuf w = dm_wbuf_init(buf, cap);
		ck_assert_int_eq(dm_fcp_build(&f, &w), DM_E_OVERFLOW);
		ck_assert_uint_eq(w.len, 0);
	}
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(dm_fcp_build(&f, &w), DM_OK);
	ck_assert_mem_eq(buf, adf, sizeof adf);
	/* Appends after existing content; a failure keeps what was there. */
	uint8_t two[2 + sizeof ef_ref];
	w = dm_wbuf_init(two, sizeof two);
	ck_assert_int_eq(dm_wbuf_put_u16be(&w, 0xAAAA), DM_OK);
	ck_assert_int_eq(dm_fcp_parse(ef_ref, sizeof ef_ref, &f), DM_OK);
	ck_assert_int_eq(dm_fcp_build(&f, &w), DM_OK);
	ck_assert_mem_eq(two + 2, ef_ref, sizeof ef_ref);
	ck_assert_int_eq(dm_fcp_build(&f, &w), DM_E_OVERFLOW);
	ck_assert_uint_eq(w.len, sizeof two);
	ck_assert_int_eq(dm_fcp_build(NULL, &w), DM_E_ARG);
	ck_assert_int_eq(dm_fcp_build(&f, NULL), DM_E_ARG);
}
END_TEST

START_TEST(build_rejects)
{
	static const uint8_t aid17[17] = { 0 };
	static uint8_t big[250];
	uint8_t buf[400];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	dm_fcp f, ok;

	ck_assert_int_eq(dm_fcp_parse(ef_ref, sizeof ef_ref, &ok), DM_OK);
	f = ok;
	f.fdb = 0x43;
	ck_assert_int_eq(dm_fcp_build(&f, &w), DM_E_VALUE);
	f = ok;
	f.df_name = dm_bytes_of(aid17, 8);
	ck_assert_int_eq(dm_fcp_build(&f, &w), DM_E_VALUE); /* 84 on an EF */
	f = ok;
	f.has_pin_status = true;
	ck_assert_int_eq(dm_fcp_build(&f, &w), DM_E_VALUE); /* C6 on an EF */
	f = ok;
	f.sfi_mode = DM_FCP_SFI_VALUE;
	f.sfi = 31;
	ck_assert_int_eq(dm_fcp_build(&f, &w), DM_E_VALUE);
	f.sfi = 0;
	ck_assert_int_eq(dm_fcp_build(&f, &w), DM_E_VALUE);
	f = ok;
	f.fdb = DM_FCP_FDB_LINEAR_FIXED;
	f.record_len = 0;
	f.record_count = 2;
	ck_assert_int_eq(dm_fcp_build(&f, &w), DM_E_VALUE);
	f = ok;
	f.arr_se_records = dm_bytes_of(aid17, 3);
	ck_assert_int_eq(dm_fcp_build(&f, &w), DM_E_VALUE);
	f = ok;
	f.sec = DM_FCP_SEC_COMPACT;
	f.sec_raw = dm_bytes_of(NULL, 0);
	ck_assert_int_eq(dm_fcp_build(&f, &w), DM_E_VALUE);
	f.sec = DM_FCP_SEC_EXPANDED;
	f.sec_raw = dm_bytes_of((const uint8_t *)"\x80\x05\x01", 3);
	ck_assert_int_eq(dm_fcp_build(&f, &w), DM_E_VALUE);

	ck_assert_int_eq(dm_fcp_parse(adf, sizeof adf, &ok), DM_OK);
	f = ok;
	f.df_name = dm_bytes_of(aid17, sizeof aid17);
	ck_assert_int_eq(dm_fcp_build(&f, &w), DM_E_LENGTH);
	f = ok;
	f.has_size = true;
	ck_assert_int_eq(dm_fcp_build(&f, &w), DM_E_VALUE); /* 80 on a DF */
	f = ok;
	f.sfi_mode = DM_FCP_SFI_NONE;
	ck_assert_int_eq(dm_fcp_build(&f, &w), DM_E_VALUE); /* 88 on a DF */
	f = ok;
	f.pin_count = DM_FCP_MAX_PINS + 1;
	ck_assert_int_eq(dm_fcp_build(&f, &w), DM_E_VALUE);
	/* AB of 250 bytes (one 80 DO of 247) pushes the template past 255. */
	big[0] = 0x80;
	big[1] = 0x81;
	big[2] = 247;
	f = ok;
	f.sec_raw = dm_bytes_of(big, sizeof big);
	ck_assert_int_eq(dm_fcp_build(&f, &w), DM_E_LENGTH);
	ck_assert_uint_eq(w.len, 0);
}
END_TEST

START_TEST(build_pin_status_sizes)
{
	dm_fcp f, g;
	uint8_t buf[300];

	ck_assert_int_eq(dm_fcp_parse(adf, sizeof adf, &f), DM_OK);
	/* No keys: PS_DO of one zero byte. 9 keys: two PS_DO bytes. */
	f.pin_count = 0;
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(dm_fcp_build(&f, &w), DM_OK);
	ck_assert_int_eq(dm_fcp_parse(buf, w.len, &g), DM_OK);
	ck_assert(g.has_pin_status);
	ck_assert_uint_eq(g.pin_count, 0);
	f.pin_count = 9;
	for (size_t i = 0; i < 9; i++) {
		f.pins[i].key_ref = (uint8_t)(i + 1);
		f.pins[i].enabled = (i % 3) == 0;
		f.pins[i].has_usage = (i % 2) == 0;
		f.pins[i].usage = 0x08;
	}
	w = dm_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(dm_fcp_build(&f, &w), DM_OK);
	ck_assert_int_eq(dm_fcp_parse(buf, w.len, &g), DM_OK);
	ck_assert_uint_eq(g.pin_count, 9);
	for (size_t i = 0; i < 9; i++) {
		ck_assert_uint_eq(g.pins[i].key_ref, i + 1);
		ck_assert(g.pins[i].enabled == ((i % 3) == 0));
		ck_assert(g.pins[i].has_usage == ((i % 2) == 0));
	}
}
END_TEST

START_TEST(build_sizes)
{
	dm_fcp f, g;
	uint8_t buf[64];
	static const uint32_t sizes[] = { 0, 1, 0xFF, 0x100, 0xFFFF, 0x10000, 0xFFFFFF, 0xFFFFFFFFu };
	static const size_t nbytes[] = { 2, 2, 2, 2, 2, 3, 3, 4 };

	ck_assert_int_eq(dm_fcp_parse(ef_ref, sizeof ef_ref, &f), DM_OK);
	for (size_t i = 0; i < DM_ARRAY_LEN(sizes); i++) {
		dm_wbuf w = dm_wbuf_init(buf, sizeof buf);

		f.size = sizes[i];
		ck_assert_int_eq(dm_fcp_build(&f, &w), DM_OK);
		ck_assert_uint_eq(w.len, sizeof ef_ref - 2 + nbytes[i]);
		ck_assert_int_eq(dm_fcp_parse(buf, w.len, &g), DM_OK);
		ck_assert_uint_eq(g.size, sizes[i]);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fcp");
	TCase *tc = tcase_create("known-answer");
	tcase_add_test(tc, ef_reference_example);
	tcase_add_test(tc, ef_reference_from_fields);
	tcase_add_test(tc, adf_fields_and_round_trip);
	tcase_add_test(tc, mf_fields_and_round_trip);
	tcase_add_test(tc, record_ef_and_sfi);
	tcase_add_test(tc, referenced_se_form);
	tcase_add_test(tc, lenient_parts);
	tcase_add_test(tc, life_cycle_values);
	tcase_add_test(tc, descriptor_bytes);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, bad_descriptor);
	tcase_add_test(tc, bad_data_objects);
	tcase_add_test(tc, bad_security_attributes);
	tcase_add_test(tc, bad_template);
	tcase_add_test(tc, check_mandatory);
	suite_add_tcase(s, tc);
	tc = tcase_create("build");
	tcase_add_test(tc, build_bounds);
	tcase_add_test(tc, build_rejects);
	tcase_add_test(tc, build_pin_status_sizes);
	tcase_add_test(tc, build_sizes);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
