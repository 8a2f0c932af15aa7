/* test_tlv.c - BER-TLV codec (proto/tlv.c): known answers and malformed input. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tlv.h"

/* The reference's EF FCP (dmsc-reference.md, "FCP example"). */
static const uint8_t fcp_ef[] = {
	0x62, 0x16, 0x82, 0x02, 0x41, 0x21, 0x83, 0x02, 0x64, 0x32, 0x8A, 0x01, 0x05,
	0x8B, 0x03, 0x2F, 0x06, 0x01, 0x80, 0x02, 0x08, 0x00, 0x88, 0x00,
};

START_TEST(parse_fcp_example)
{
	dm_tlv t;
	size_t used = 0;

	ck_assert_int_eq(dm_tlv_parse(fcp_ef, sizeof fcp_ef, &t, &used), DM_OK);
	ck_assert_uint_eq(t.tag, 0x62);
	ck_assert(t.constructed);
	ck_assert_uint_eq(t.len, 0x16);
	ck_assert_uint_eq(t.hdr_len, 2);
	ck_assert_ptr_eq(t.value, fcp_ef + 2);
	ck_assert_uint_eq(used, sizeof fcp_ef);
	ck_assert_int_eq(dm_tlv_parse_exact(fcp_ef, sizeof fcp_ef, &t), DM_OK);
}
END_TEST

START_TEST(multibyte_tags)
{
	static const uint8_t two[] = { 0x9F, 0x70, 0x01, 0xAA };
	static const uint8_t emv[] = { 0x9F, 0x02, 0x00 };
	static const uint8_t three[] = { 0xBF, 0x81, 0x01, 0x00 };
	static const uint8_t five_f[] = { 0x5F, 0x2D, 0x02, 'e', 'n' };
	dm_tlv t;

	ck_assert_int_eq(dm_tlv_parse_exact(two, sizeof two, &t), DM_OK);
	ck_assert_uint_eq(t.tag, 0x9F70);
	ck_assert(!t.constructed);
	ck_assert_uint_eq(t.hdr_len, 3);
	ck_assert_uint_eq(t.value[0], 0xAA);
	ck_assert_int_eq(dm_tlv_parse_exact(emv, sizeof emv, &t), DM_OK);
	ck_assert_uint_eq(t.tag, 0x9F02);
	ck_assert_uint_eq(t.len, 0);
	ck_assert_int_eq(dm_tlv_parse_exact(three, sizeof three, &t), DM_OK);
	ck_assert_uint_eq(t.tag, 0xBF8101);
	ck_assert(t.constructed);
	ck_assert_uint_eq(t.hdr_len, 4);
	ck_assert_int_eq(dm_tlv_parse_exact(five_f, sizeof five_f, &t), DM_OK);
	ck_assert_uint_eq(t.tag, 0x5F2D);
	ck_assert_mem_eq(t.value, "en", 2);
}
END_TEST

START_TEST(bad_tags)
{
	static const uint8_t four[] = { 0x9F, 0x81, 0x81, 0x01, 0x00 };
	static const uint8_t lead0[] = { 0x9F, 0x80, 0x01, 0x00 };
	static const uint8_t zero[] = { 0x00, 0x00 };
	static const uint8_t ff[] = { 0xFF, 0x00 };
	static const uint8_t cut2[] = { 0x9F };
	static const uint8_t cut3[] = { 0xBF, 0x81 };
	dm_tlv t;
	size_t used;

	ck_assert_int_eq(dm_tlv_parse(four, sizeof four, &t, &used), DM_E_TAG);
	ck_assert_int_eq(dm_tlv_parse(lead0, sizeof lead0, &t, &used), DM_E_TAG);
	ck_assert_int_eq(dm_tlv_parse(zero, sizeof zero, &t, &used), DM_E_TAG);
	ck_assert_int_eq(dm_tlv_parse(ff, sizeof ff, &t, &used), DM_E_TAG);
	ck_assert_int_eq(dm_tlv_parse(cut2, sizeof cut2, &t, &used), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_tlv_parse(cut3, sizeof cut3, &t, &used), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_tlv_parse(fcp_ef, 0, &t, &used), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_tlv_parse(NULL, 3, &t, &used), DM_E_ARG);
	ck_assert_int_eq(dm_tlv_parse(fcp_ef, sizeof fcp_ef, NULL, &used), DM_E_ARG);
	ck_assert_int_eq(dm_tlv_parse(fcp_ef, sizeof fcp_ef, &t, NULL), DM_E_ARG);
}
END_TEST

START_TEST(lengths)
{
	/* 81 05: non-minimal, accepted when parsing (BER). */
	static const uint8_t l81[] = { 0x04, 0x81, 0x05, 1, 2, 3, 4, 5 };
	static const uint8_t l82[] = { 0x04, 0x82, 0x00, 0x01, 0x77 };
	static const uint8_t l84[] = { 0x04, 0x84, 0x00, 0x00, 0x00, 0x02, 0x77, 0x78 };
	static const uint8_t indef[] = { 0x30, 0x80, 0x00, 0x00 };
	static const uint8_t l85[] = { 0x04, 0x85, 0, 0, 0, 0, 1, 0x77 };
	static const uint8_t lff[] = { 0x04, 0xFF, 0x00 };
	static const uint8_t l82cut[] = { 0x04, 0x82, 0x01 };
	static const uint8_t huge[] = { 0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00 };
	static const uint8_t past[] = { 0x04, 0x03, 0x01, 0x02 };
	static const uint8_t nolen[] = { 0x04 };
	dm_tlv t;
	size_t used;

	ck_assert_int_eq(dm_tlv_parse(l81, sizeof l81, &t, &used), DM_OK);
	ck_assert_uint_eq(t.len, 5);
	ck_assert_uint_eq(t.hdr_len, 3);
	ck_assert_uint_eq(t.value[4], 5);
	ck_assert_int_eq(dm_tlv_parse_exact(l82, sizeof l82, &t), DM_OK);
	ck_assert_uint_eq(t.len, 1);
	ck_assert_uint_eq(t.hdr_len, 4);
	ck_assert_int_eq(dm_tlv_parse_exact(l84, sizeof l84, &t), DM_OK);
	ck_assert_uint_eq(t.len, 2);
	ck_assert_uint_eq(t.value[1], 0x78);
	ck_assert_int_eq(dm_tlv_parse(indef, sizeof indef, &t, &used), DM_E_LENGTH);
	ck_assert_int_eq(dm_tlv_parse(l85, sizeof l85, &t, &used), DM_E_LENGTH);
	ck_assert_int_eq(dm_tlv_parse(lff, sizeof lff, &t, &used), DM_E_LENGTH);
	ck_assert_int_eq(dm_tlv_parse(l82cut, sizeof l82cut, &t, &used), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_tlv_parse(huge, sizeof huge, &t, &used), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_tlv_parse(past, sizeof past, &t, &used), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_tlv_parse(nolen, sizeof nolen, &t, &used), DM_E_TRUNCATED);
	/* A value cut by the caller's length, not by the bytes. */
	ck_assert_int_eq(dm_tlv_parse(fcp_ef, sizeof fcp_ef - 1, &t, &used), DM_E_TRUNCATED);
}
END_TEST

START_TEST(parse_exact_trailing)
{
	uint8_t buf[sizeof fcp_ef + 1];
	dm_tlv t;

	memcpy(buf, fcp_ef, sizeof fcp_ef);
	buf[sizeof fcp_ef] = 0x00;
	ck_assert_int_eq(dm_tlv_parse_exact(buf, sizeof buf, &t), DM_E_TRAILING);
}
END_TEST

START_TEST(iterate_with_padding)
{
	static const uint8_t in[] = {
		0x00, 0xFF, 0x80, 0x01, 0x11, 0x00, 0x00, 0xA5, 0x03, 0x83, 0x01, 0x22, 0xFF,
	};
	dm_tlv_iter it;
	dm_tlv t;

	dm_tlv_iter_init(&it, in, sizeof in);
	ck_assert_int_eq(dm_tlv_next(&it, &t), 1);
	ck_assert_uint_eq(t.tag, 0x80);
	ck_assert_uint_eq(t.value[0], 0x11);
	ck_assert_int_eq(dm_tlv_next(&it, &t), 1);
	ck_assert_uint_eq(t.tag, 0xA5);
	ck_assert_uint_eq(t.len, 3);
	ck_assert_int_eq(dm_tlv_next(&it, &t), 0);
	ck_assert_int_eq(dm_tlv_next(&it, &t), 0);

	/* Only padding, and nothing at all. */
	dm_tlv_iter_init(&it, in, 2);
	ck_assert_int_eq(dm_tlv_next(&it, &t), 0);
	dm_tlv_iter_init(&it, NULL, 0);
	ck_assert_int_eq(dm_tlv_next(&it, &t), 0);
}
END_TEST

START_TEST(iterate_error_is_sticky)
{
	static const uint8_t in[] = { 0x80, 0x01, 0x11, 0x81, 0x05, 0x01 };
	dm_tlv_iter it;
	dm_tlv t;

	dm_tlv_iter_init(&it, in, sizeof in);
	ck_assert_int_eq(dm_tlv_next(&it, &t), 1);
	ck_assert_int_eq(dm_tlv_next(&it, &t), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_tlv_next(&it, &t), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_tlv_next(NULL, &t), DM_E_ARG);
}
END_TEST

START_TEST(find_and_path)
{
	static const uint8_t mf[] = {
		0x62, 0x0F,
		0x82, 0x02, 0x78, 0x21,
		0xA5, 0x06, 0x80, 0x01, 0x71, 0x83, 0x01, 0x10,
		0x8A, 0x01, 0x05,
	};
	static const uint32_t p_mem[] = { 0x62, 0xA5, 0x83 };
	static const uint32_t p_lcs[] = { 0x62, 0x8A };
	static const uint32_t p_missing[] = { 0x62, 0xA5, 0x84 };
	static const uint32_t p_prim[] = { 0x62, 0x8A, 0x01 };
	uint32_t deep[DM_TLV_MAX_DEPTH + 1];
	dm_tlv t;

	ck_assert_int_eq(dm_tlv_find(mf + 2, sizeof mf - 2, 0x8A, &t), DM_OK);
	ck_assert_uint_eq(t.value[0], 0x05);
	ck_assert_int_eq(dm_tlv_find(mf + 2, sizeof mf - 2, 0x83, &t), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_tlv_find_path(mf, sizeof mf, p_mem, 3, &t), DM_OK);
	ck_assert_uint_eq(t.tag, 0x83);
	ck_assert_uint_eq(t.value[0], 0x10);
	ck_assert_int_eq(dm_tlv_find_path(mf, sizeof mf, p_lcs, 2, &t), DM_OK);
	ck_assert_ptr_eq(t.value, mf + 16);
	ck_assert_int_eq(dm_tlv_find_path(mf, sizeof mf, p_missing, 3, &t), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_tlv_find_path(mf, sizeof mf, p_prim, 3, &t), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_tlv_find_path(mf, sizeof mf, p_mem, 0, &t), DM_E_ARG);
	for (size_t i = 0; i < DM_ARRAY_LEN(deep); i++)
		deep[i] = 0x62;
	ck_assert_int_eq(dm_tlv_find_path(mf, sizeof mf, deep, DM_ARRAY_LEN(deep), &t), DM_E_ARG);
	/* An error before the tag is reached is reported, not hidden as absent. */
	ck_assert_int_eq(dm_tlv_find(mf + 2, 5, 0xA5, &t), DM_E_TRUNCATED);
}
END_TEST

START_TEST(sizes)
{
	ck_assert_uint_eq(dm_tlv_tag_size(0x62), 1);
	ck_assert_uint_eq(dm_tlv_tag_size(0x9F70), 2);
	ck_assert_uint_eq(dm_tlv_tag_size(0xBF8101), 3);
	ck_assert_uint_eq(dm_tlv_tag_size(0x01000000), 0);
	ck_assert_uint_eq(dm_tlv_tag_size(0), 0);
	ck_assert_uint_eq(dm_tlv_len_size(0), 1);
	ck_assert_uint_eq(dm_tlv_len_size(0x7F), 1);
	ck_assert_uint_eq(dm_tlv_len_size(0x80), 2);
	ck_assert_uint_eq(dm_tlv_len_size(0xFF), 2);
	ck_assert_uint_eq(dm_tlv_len_size(0x100), 3);
	ck_assert_uint_eq(dm_tlv_len_size(0xFFFF), 3);
	ck_assert_uint_eq(dm_tlv_len_size(0x10000), 4);
	ck_assert_uint_eq(dm_tlv_len_size(0x1000000), 5);
	if (SIZE_MAX > 0xFFFFFFFFu)
		ck_assert_uint_eq(dm_tlv_len_size((size_t)0xFFFFFFFFu + 1), 0);
}
END_TEST

START_TEST(build_fcp_example)
{
	static const uint8_t fid[] = { 0x64, 0x32 }, arr[] = { 0x2F, 0x06, 0x01 };
	static const uint8_t fd[] = { 0x41, 0x21 }, size[] = { 0x08, 0x00 };
	uint8_t buf[64];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	size_t m;

	ck_assert_int_eq(dm_tlv_begin(&w, 0x62, &m), DM_OK);
	ck_assert_int_eq(dm_tlv_put(&w, 0x82, fd, sizeof fd), DM_OK);
	ck_assert_int_eq(dm_tlv_put(&w, 0x83, fid, sizeof fid), DM_OK);
	ck_assert_int_eq(dm_tlv_put_u8(&w, 0x8A, 0x05), DM_OK);
	ck_assert_int_eq(dm_tlv_put(&w, 0x8B, arr, sizeof arr), DM_OK);
	ck_assert_int_eq(dm_tlv_put(&w, 0x80, size, sizeof size), DM_OK);
	ck_assert_int_eq(dm_tlv_put(&w, 0x88, NULL, 0), DM_OK);
	ck_assert_int_eq(dm_tlv_end(&w, m), DM_OK);
	ck_assert_uint_eq(w.len, sizeof fcp_ef);
	ck_assert_mem_eq(buf, fcp_ef, sizeof fcp_ef);
}
END_TEST

START_TEST(build_headers)
{
	uint8_t buf[32];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);

	ck_assert_int_eq(dm_tlv_put_header(&w, 0x04, 0x7F), DM_OK);
	ck_assert_int_eq(dm_tlv_put_header(&w, 0x04, 0x80), DM_OK);
	ck_assert_int_eq(dm_tlv_put_header(&w, 0x9F70, 0x100), DM_OK);
	ck_assert_int_eq(dm_tlv_put_header(&w, 0xBF8101, 0x10000), DM_OK);
	ck_assert_uint_eq(w.len, 2 + 3 + 5 + 7);
	ck_assert_mem_eq(buf, "\x04\x7f" "\x04\x81\x80" "\x9f\x70\x82\x01\x00"
			 "\xbf\x81\x01\x83\x01\x00\x00", 17);
	/* Not tags: 00, FF, a 1-byte number with the "more bytes" pattern,
	 * a last byte with b8 set, 4 bytes, leading-zero 9F80xx. */
	w = dm_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(dm_tlv_put_header(&w, 0x00, 1), DM_E_ARG);
	ck_assert_int_eq(dm_tlv_put_header(&w, 0xFF, 1), DM_E_ARG);
	ck_assert_int_eq(dm_tlv_put_header(&w, 0x9F, 1), DM_E_ARG);
	ck_assert_int_eq(dm_tlv_put_header(&w, 0x9F81, 1), DM_E_ARG);
	ck_assert_int_eq(dm_tlv_put_header(&w, 0x0262, 1), DM_E_ARG);
	ck_assert_int_eq(dm_tlv_put_header(&w, 0x9F8001, 1), DM_E_ARG);
	ck_assert_int_eq(dm_tlv_put_header(&w, 0x9F818101, 1), DM_E_ARG);
	ck_assert_int_eq(dm_tlv_put_header(NULL, 0x80, 1), DM_E_ARG);
	if (SIZE_MAX > 0xFFFFFFFFu)
		ck_assert_int_eq(dm_tlv_put_header(&w, 0x80, (size_t)0xFFFFFFFFu + 1), DM_E_LENGTH);
	ck_assert_uint_eq(w.len, 0);
}
END_TEST

START_TEST(build_bounds)
{
	uint8_t buf[4];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);

	/* 2 header + 3 value does not fit in 4: nothing written. */
	ck_assert_int_eq(dm_tlv_put(&w, 0x80, "abc", 3), DM_E_OVERFLOW);
	ck_assert_uint_eq(w.len, 0);
	ck_assert_int_eq(dm_tlv_put(&w, 0x80, "ab", 2), DM_OK);
	ck_assert_int_eq(dm_tlv_put_u8(&w, 0x81, 1), DM_E_OVERFLOW);
	ck_assert_uint_eq(w.len, 4);
	ck_assert_int_eq(dm_tlv_put(&w, 0x80, NULL, 1), DM_E_ARG);
	w = dm_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(dm_tlv_put_header(&w, 0x9F70, 0x1000), DM_E_OVERFLOW);
	ck_assert_uint_eq(w.len, 0);
}
END_TEST

START_TEST(begin_end_nested)
{
	uint8_t buf[400];
	uint8_t big[200];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	size_t outer, inner;
	dm_tlv t, c;
	static const uint32_t path[] = { 0x62, 0xA5, 0x04 };

	memset(big, 0x5A, sizeof big);
	ck_assert_int_eq(dm_tlv_begin(&w, 0x62, &outer), DM_OK);
	ck_assert_int_eq(dm_tlv_begin(&w, 0xA5, &inner), DM_OK);
	ck_assert_int_eq(dm_tlv_put(&w, 0x04, big, sizeof big), DM_OK);
	ck_assert_int_eq(dm_tlv_end(&w, inner), DM_OK);
	ck_assert_int_eq(dm_tlv_put_u8(&w, 0x8A, 0x05), DM_OK);
	ck_assert_int_eq(dm_tlv_end(&w, outer), DM_OK);
	/* 04 81 C8 <200> = 203; A5 81 CB <203> = 206; 8A 01 05 = 3; 62 81 D1 <209>. */
	ck_assert_uint_eq(w.len, 212);
	ck_assert_mem_eq(buf, "\x62\x81\xd1\xa5\x81\xcb\x04\x81\xc8", 9);
	ck_assert_int_eq(dm_tlv_parse_exact(buf, w.len, &t), DM_OK);
	ck_assert_uint_eq(t.len, 209);
	ck_assert_int_eq(dm_tlv_find_path(buf, w.len, path, 3, &c), DM_OK);
	ck_assert_uint_eq(c.len, sizeof big);
	ck_assert_mem_eq(c.value, big, sizeof big);
	ck_assert_int_eq(dm_tlv_find(t.value, t.len, 0x8A, &c), DM_OK);
	ck_assert_uint_eq(c.value[0], 0x05);
}
END_TEST

START_TEST(begin_end_empty_and_errors)
{
	uint8_t buf[8];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	size_t m;

	ck_assert_int_eq(dm_tlv_begin(&w, 0xA5, &m), DM_OK);
	ck_assert_int_eq(dm_tlv_end(&w, m), DM_OK);
	ck_assert_uint_eq(w.len, 2);
	ck_assert_mem_eq(buf, "\xa5\x00", 2);
	/* Marks that do not point at an open begin. */
	ck_assert_int_eq(dm_tlv_end(&w, 2), DM_E_ARG);
	ck_assert_int_eq(dm_tlv_end(&w, 1), DM_E_ARG);
	ck_assert_int_eq(dm_tlv_begin(&w, 0x9F, &m), DM_E_ARG);
	ck_assert_int_eq(dm_tlv_begin(NULL, 0xA5, &m), DM_E_ARG);
	/* A full buffer cannot even take the tag. */
	w = dm_wbuf_init(buf, 1);
	ck_assert_int_eq(dm_tlv_begin(&w, 0xA5, &m), DM_E_OVERFLOW);
	ck_assert_uint_eq(w.len, 0);
	/* A tight buffer reserves only what its room could need. */
	w = dm_wbuf_init(buf, 5);
	ck_assert_int_eq(dm_tlv_begin(&w, 0xA5, &m), DM_OK);
	ck_assert_int_eq(dm_tlv_put_u8(&w, 0x80, 0x71), DM_OK);
	ck_assert_int_eq(dm_tlv_end(&w, m), DM_OK);
	ck_assert_uint_eq(w.len, 5);
	ck_assert_mem_eq(buf, "\xa5\x03\x80\x01\x71", 5);
}
END_TEST

START_TEST(round_trip_lengths)
{
	static uint8_t buf[140000], val[66000];
	static const size_t lens[] = { 0, 1, 127, 128, 255, 256, 65535, 65536 };

	for (size_t i = 0; i < sizeof val; i++)
		val[i] = (uint8_t)(i * 7);
	for (size_t i = 0; i < DM_ARRAY_LEN(lens); i++) {
		dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
		size_t m;
		dm_tlv t;

		ck_assert_int_eq(dm_tlv_put(&w, 0xDF20, val, lens[i]), DM_OK);
		ck_assert_int_eq(dm_tlv_parse_exact(buf, w.len, &t), DM_OK);
		ck_assert_uint_eq(t.len, lens[i]);
		ck_assert_uint_eq(t.hdr_len, 2 + dm_tlv_len_size(lens[i]));
		ck_assert_int_eq(memcmp(t.value, val, lens[i]), 0);
		/* begin/end gives the same bytes as put. */
		size_t n = w.len;
		ck_assert_int_eq(dm_tlv_begin(&w, 0xDF20, &m), DM_OK);
		ck_assert_int_eq(dm_wbuf_put(&w, val, lens[i]), DM_OK);
		ck_assert_int_eq(dm_tlv_end(&w, m), DM_OK);
		ck_assert_uint_eq(w.len, 2 * n);
		ck_assert_int_eq(memcmp(buf, buf + n, n), 0);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tlv");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, parse_fcp_example);
	tcase_add_test(tc, multibyte_tags);
	tcase_add_test(tc, bad_tags);
	tcase_add_test(tc, lengths);
	tcase_add_test(tc, parse_exact_trailing);
	tcase_add_test(tc, iterate_with_padding);
	tcase_add_test(tc, iterate_error_is_sticky);
	tcase_add_test(tc, find_and_path);
	suite_add_tcase(s, tc);
	tc = tcase_create("build");
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, build_fcp_example);
	tcase_add_test(tc, build_headers);
	tcase_add_test(tc, build_bounds);
	tcase_add_test(tc, begin_end_nested);
	tcase_add_test(tc, begin_end_empty_and_errors);
	tcase_add_test(tc, round_trip_lengths);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
