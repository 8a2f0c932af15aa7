/*
 * test_hex.c - hex text codec and APDU trace lines.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apdu.h"
#include "hex.h"
#include "trace.h"

START_TEST(encode_known_answers)
{
	char out[16];

	ck_assert_int_eq(dm_hex_encode((const uint8_t *)"\x00\xA4\x04\x0C", 4, out, sizeof out), DM_OK);
	ck_assert_str_eq(out, "00A4040C");
	ck_assert_int_eq(dm_hex_encode((const uint8_t *)"\xFF\x0a\xbc", 3, out, sizeof out), DM_OK);
	ck_assert_str_eq(out, "FF0ABC");
	ck_assert_int_eq(dm_hex_encode(NULL, 0, out, 1), DM_OK);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(encode_bounds)
{
	char out[16];
	const uint8_t in[4] = { 1, 2, 3, 4 };

	memset(out, 'x', sizeof out);
	/* exactly DM_HEX_SIZE(4) = 9 fits */
	ck_assert_int_eq(dm_hex_encode(in, 4, out, DM_HEX_SIZE(4)), DM_OK);
	ck_assert_str_eq(out, "01020304");
	memset(out, 'x', sizeof out);
	ck_assert_int_eq(dm_hex_encode(in, 4, out, 8), DM_E_OVERFLOW);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq((uint8_t)out[1], 'x'); /* nothing else written */
	out[0] = 'q';
	ck_assert_int_eq(dm_hex_encode(in, 4, out, 0), DM_E_OVERFLOW);
	ck_assert_uint_eq((uint8_t)out[0], 'q');
	ck_assert_int_eq(dm_hex_encode(in, 4, NULL, 9), DM_E_ARG);
	ck_assert_int_eq(dm_hex_encode(NULL, 1, out, 9), DM_E_ARG);
	/* a length that would wrap 2*len+1 is an overflow, not a wild write */
	ck_assert_int_eq(dm_hex_encode(in, SIZE_MAX / 2 + 1, out, sizeof out), DM_E_OVERFLOW);
}
END_TEST

START_TEST(round_trip_all_bytes)
{
	uint8_t in[256], back[256];
	char text[DM_HEX_SIZE(256)];

	for (unsigned i = 0; i < 256; i++)
		in[i] = (uint8_t)i;
	ck_assert_int_eq(dm_hex_encode(in, sizeof in, text, sizeof text), DM_OK);
	ck_assert_uint_eq(strlen(text), 512);
	ck_assert_mem_eq(text + 2 * 0xAB, "AB", 2);
	dm_wbuf w = dm_wbuf_init(back, sizeof back);
	ck_assert_int_eq(dm_hex_decode(text, &w), DM_OK);
	ck_assert_uint_eq(w.len, 256);
	ck_assert_mem_eq(back, in, 256);
}
END_TEST

START_TEST(decode_separators_and_case)
{
	uint8_t b[16];
	dm_wbuf w = dm_wbuf_init(b, sizeof b);

	ck_assert_int_eq(dm_hex_decode("00a4:04 0C", &w), DM_OK);
	ck_assert_uint_eq(w.len, 4);
	ck_assert_mem_eq(b, "\x00\xA4\x04\x0C", 4);
	/* appends; whitespace of any kind between pairs */
	ck_assert_int_eq(dm_hex_decode("\t9f\r\n00 ", &w), DM_OK);
	ck_assert_uint_eq(w.len, 6);
	ck_assert_mem_eq(b + 4, "\x9F\x00", 2);
	ck_assert_int_eq(dm_hex_decode("", &w), DM_OK);
	ck_assert_uint_eq(w.len, 6);
}
END_TEST

struct bad {
	const char *hex;
	int err;
};

static const struct bad bad_hex[] = {
	{ "0", DM_E_VALUE },        /* odd number of digits */
	{ "A0B", DM_E_VALUE },
	{ "0 0", DM_E_VALUE },      /* separator inside a pair */
	{ "A:0", DM_E_VALUE },
	{ "0G", DM_E_VALUE },       /* not a hex digit */
	{ "G0", DM_E_VALUE },
	{ "0x00", DM_E_VALUE },
	{ "00-01", DM_E_VALUE },
	{ "\xC3\xA9", DM_E_VALUE }, /* non-ASCII */
	{ "0102030405", DM_E_OVERFLOW },
};

START_TEST(decode_rejects)
{
	uint8_t b[6] = { 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE };
	dm_wbuf w = dm_wbuf_init(b, sizeof b);

	w.len = 2; /* 4 bytes of room */
	ck_assert_int_eq(dm_hex_decode(bad_hex[_i].hex, &w), bad_hex[_i].err);
	/* nothing written, len unchanged */
	ck_assert_uint_eq(w.len, 2);
	for (size_t i = 0; i < sizeof b; i++)
		ck_assert_uint_eq(b[i], 0xEE);
}
END_TEST

START_TEST(decode_args)
{
	uint8_t b[2];
	dm_wbuf w = dm_wbuf_init(b, sizeof b);
	ck_assert_int_eq(dm_hex_decode(NULL, &w), DM_E_ARG);
	ck_assert_int_eq(dm_hex_decode("00", NULL), DM_E_ARG);
}
END_TEST

/* Bytes from hex for the trace tests. */
static size_t unhex(const char *hex, uint8_t *b, size_t cap)
{
	dm_wbuf w = dm_wbuf_init(b, cap);
	ck_assert_int_eq(dm_hex_decode(hex, &w), DM_OK);
	return w.len;
}

START_TEST(trace_known_answers)
{
	char line[DM_TRACE_LINE_MAX];
	uint8_t c[32], r[32];
	size_t cl = unhex("00A4040C07A0000000871002", c, sizeof c);
	size_t rl = unhex("9000", r, sizeof r);

	ck_assert_int_eq(dm_trace_line(line, sizeof line, 12.345678, 0, c, cl, r, rl), DM_OK);
	ck_assert_str_eq(line, "12.345678 ch0 > 00A4040C07A0000000871002 < 9000 OK");

	cl = unhex("01B0000004", c, sizeof c);
	rl = unhex("01020304 9000", r, sizeof r);
	ck_assert_int_eq(dm_trace_line(line, sizeof line, 0.5, 1, c, cl, r, rl), DM_OK);
	ck_assert_str_eq(line, "0.500000 ch1 > 01B0000004 < 01020304 9000 OK");

	rl = unhex("63C2", r, sizeof r);
	ck_assert_int_eq(dm_trace_line(line, sizeof line, 3, 19, c, cl, r, rl), DM_OK);
	ck_assert_str_eq(line, "3.000000 ch19 > 01B0000004 < 63C2 WRONG_PIN");

	/* unknown channel; card gone (no or partial status word) */
	ck_assert_int_eq(dm_trace_line(line, sizeof line, 1, -1, c, cl, r, 0), DM_OK);
	ck_assert_str_eq(line, "1.000000 ch? > 01B0000004 < NO_SW");
	ck_assert_int_eq(dm_trace_line(line, sizeof line, 1, 0, c, cl, r, 1), DM_OK);
	ck_assert_str_eq(line, "1.000000 ch0 > 01B0000004 < 63 NO_SW");
}
END_TEST

START_TEST(trace_dir_lines)
{
	char line[64];
	uint8_t b[16];
	size_t n = unhex("00B0000004", b, sizeof b);

	ck_assert_int_eq(dm_trace_dir_line(line, sizeof line, DM_TRACE_COMMAND, b, n), DM_OK);
	ck_assert_str_eq(line, "> 00B0000004");
	n = unhex("01020304 9000", b, sizeof b);
	ck_assert_int_eq(dm_trace_dir_line(line, sizeof line, DM_TRACE_RESPONSE, b, n), DM_OK);
	ck_assert_str_eq(line, "< 01020304 9000 OK");
	n = unhex("6A82", b, sizeof b);
	ck_assert_int_eq(dm_trace_dir_line(line, sizeof line, DM_TRACE_RESPONSE, b, n), DM_OK);
	ck_assert_str_eq(line, "< 6A82 FILE_NOT_FOUND");
	ck_assert_int_eq(dm_trace_dir_line(line, sizeof line, (dm_trace_dir)7, b, n), DM_E_ARG);
	ck_assert_str_eq(line, "");
	/* "< 6A82 FILE_NOT_FOUND" is 21 chars: 22 fits, 21 does not */
	ck_assert_int_eq(dm_trace_dir_line(line, 22, DM_TRACE_RESPONSE, b, n), DM_OK);
	ck_assert_int_eq(dm_trace_dir_line(line, 21, DM_TRACE_RESPONSE, b, n), DM_E_OVERFLOW);
	ck_assert_str_eq(line, "");
}
END_TEST

/* The abbreviation rule of trace.h, checked against text built here. */
START_TEST(trace_abbreviates_long_data)
{
	static uint8_t c[4 + 3 + 300 + 2], r[1000 + 2];
	static char line[DM_TRACE_LINE_MAX], expect[DM_TRACE_LINE_MAX];
	char head[2 * DM_TRACE_HEAD + 1], tail[2 * DM_TRACE_TAIL + 1];

	for (size_t i = 0; i < sizeof c; i++)
		c[i] = (uint8_t)(i * 7);
	for (size_t i = 0; i < sizeof r; i++)
		r[i] = (uint8_t)(i * 13);
	r[sizeof r - 2] = 0x90;
	r[sizeof r - 1] = 0x00;

	/* a 261-byte C-APDU is still shown in full */
	ck_assert_int_eq(dm_trace_dir_line(line, sizeof line, DM_TRACE_COMMAND, c, DM_TRACE_FULL_MAX), DM_OK);
	ck_assert_uint_eq(strlen(line), 2 + 2 * DM_TRACE_FULL_MAX);
	ck_assert_ptr_null(strstr(line, "..."));

	ck_assert_int_eq(dm_hex_encode(c, DM_TRACE_HEAD, head, sizeof head), DM_OK);
	ck_assert_int_eq(dm_hex_encode(c + sizeof c - DM_TRACE_TAIL, DM_TRACE_TAIL, tail, sizeof tail), DM_OK);
	snprintf(expect, sizeof expect, "> %s...%s (%zu bytes)", head, tail, sizeof c);
	ck_assert_int_eq(dm_trace_dir_line(line, sizeof line, DM_TRACE_COMMAND, c, sizeof c), DM_OK);
	ck_assert_str_eq(line, expect);

	ck_assert_int_eq(dm_hex_encode(r, DM_TRACE_HEAD, head, sizeof head), DM_OK);
	ck_assert_int_eq(dm_hex_encode(r + 1000 - DM_TRACE_TAIL, DM_TRACE_TAIL, tail, sizeof tail), DM_OK);
	snprintf(expect, sizeof expect, "< %s...%s (1000 bytes) 9000 OK", head, tail);
	ck_assert_int_eq(dm_trace_dir_line(line, sizeof line, DM_TRACE_RESPONSE, r, sizeof r), DM_OK);
	ck_assert_str_eq(line, expect);
}
END_TEST

/* The worst case the header promises fits DM_TRACE_LINE_MAX: the largest
 * time, channel 19, a full 261-byte command, 261 bytes of response data and
 * the longest SW name; an extended 65536-byte answer is abbreviated. */
START_TEST(trace_line_max_holds)
{
	static uint8_t c[DM_TRACE_FULL_MAX], r[DM_RAPDU_MAX];
	static char line[DM_TRACE_LINE_MAX];

	memset(c, 0xC3, sizeof c);
	memset(r, 0x5A, sizeof r);
	r[DM_TRACE_FULL_MAX] = 0x63;
	r[DM_TRACE_FULL_MAX + 1] = 0xF2; /* MORE_DATA_EXPECTED_PROACTIVE */
	ck_assert_int_eq(dm_trace_line(line, sizeof line, 999999999999.9998, 19, c, sizeof c,
				       r, DM_TRACE_FULL_MAX + 2), DM_OK);
	ck_assert_ptr_nonnull(strstr(line, " 63F2 MORE_DATA_EXPECTED_PROACTIVE"));
	ck_assert_uint_lt(strlen(line), DM_TRACE_LINE_MAX);

	r[DM_RAPDU_MAX - 2] = 0x90;
	r[DM_RAPDU_MAX - 1] = 0x00;
	ck_assert_int_eq(dm_trace_line(line, sizeof line, 1, 0, c, sizeof c, r, sizeof r), DM_OK);
	ck_assert_ptr_nonnull(strstr(line, "(65536 bytes) 9000 OK"));
}
END_TEST

START_TEST(trace_rejects)
{
	char line[128];
	const uint8_t c[4] = { 0, 0xB0, 0, 0 }, r[2] = { 0x90, 0 };

	strcpy(line, "junk");
	ck_assert_int_eq(dm_trace_line(line, sizeof line, -0.1, 0, c, 4, r, 2), DM_E_VALUE);
	ck_assert_str_eq(line, "");
	ck_assert_int_eq(dm_trace_line(line, sizeof line, 1e12, 0, c, 4, r, 2), DM_E_VALUE);
	ck_assert_int_eq(dm_trace_line(line, sizeof line, NAN, 0, c, 4, r, 2), DM_E_VALUE);
	ck_assert_int_eq(dm_trace_line(line, sizeof line, 1, 20, c, 4, r, 2), DM_E_ARG);
	ck_assert_int_eq(dm_trace_line(line, sizeof line, 1, -2, c, 4, r, 2), DM_E_ARG);
	ck_assert_int_eq(dm_trace_line(line, sizeof line, 1, 0, NULL, 4, r, 2), DM_E_ARG);
	ck_assert_int_eq(dm_trace_line(line, sizeof line, 1, 0, c, 4, NULL, 2), DM_E_ARG);
	ck_assert_int_eq(dm_trace_line(NULL, 10, 1, 0, c, 4, r, 2), DM_E_ARG);
	ck_assert_int_eq(dm_trace_line(line, 0, 1, 0, c, 4, r, 2), DM_E_ARG);
	/* "1.000000 ch0 > 00B00000 < 9000 OK" is 33 chars */
	ck_assert_int_eq(dm_trace_line(line, 34, 1, 0, c, 4, r, 2), DM_OK);
	ck_assert_str_eq(line, "1.000000 ch0 > 00B00000 < 9000 OK");
	for (size_t cap = 1; cap < 34; cap++) {
		ck_assert_int_eq(dm_trace_line(line, cap, 1, 0, c, 4, r, 2), DM_E_OVERFLOW);
		ck_assert_str_eq(line, "");
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hex");
	TCase *tc = tcase_create("hex");
	tcase_add_test(tc, encode_known_answers);
	tcase_add_test(tc, encode_bounds);
	tcase_add_test(tc, round_trip_all_bytes);
	tcase_add_test(tc, decode_separators_and_case);
	tcase_add_loop_test(tc, decode_rejects, 0, DM_ARRAY_LEN(bad_hex));
	tcase_add_test(tc, decode_args);
	suite_add_tcase(s, tc);

	tc = tcase_create("trace");
	tcase_add_test(tc, trace_known_answers);
	tcase_add_test(tc, trace_dir_lines);
	tcase_add_test(tc, trace_abbreviates_long_data);
	tcase_add_test(tc, trace_line_max_holds);
	tcase_add_test(tc, trace_rejects);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
