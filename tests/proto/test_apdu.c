/*
 * test_apdu.c - C-APDU cases 1-4 short/extended (ISO 7816-3 §12.1.3,
 * ISO 7816-4 §5.1), CLA coding (ISO 7816-4 §5.4.1, TS 102 221 §10.1.1),
 * R-APDU.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "apdu.h"
#include "hex.h"

static uint8_t big[DM_RAPDU_MAX + 8];

/* Decode hex into big (test vectors only); returns the length. */
static size_t unhex(const char *hex)
{
	dm_wbuf w = dm_wbuf_init(big, sizeof big);
	ck_assert_int_eq(dm_hex_decode(hex, &w), DM_OK);
	return w.len;
}

struct vec {
	const char *hex;
	uint8_t apdu_case;
	bool extended;
	size_t nc;
	size_t ne;
};

/* Known-answer vectors, all valid. */
static const struct vec valid[] = {
	/* OpenSC's first probe (reader-stack.md): SELECT by AID, case 3S */
	{ "00A4040007627601FF000000", 3, false, 7, 0 },
	{ "00A4040C07A0000000871002", 3, false, 7, 0 },
	{ "00A4040006A00000000101", 3, false, 6, 0 },
	/* MANAGE CHANNEL close channel 1: case 1; with a Le 00: case 2S */
	{ "00708001", 1, false, 0, 0 },
	{ "0070800100", 2, false, 0, 256 },
	/* READ BINARY, Le 00 = 256 */
	{ "00B0000000", 2, false, 0, 256 },
	{ "00B0000010", 2, false, 0, 16 },
	/* SELECT with FCP, case 4S */
	{ "00A4040407A000000087100200", 4, false, 7, 256 },
	{ "80F2000C01FF01", 4, false, 1, 1 },
	/* extended case 2: 00 Le1 Le2, 0000 = 65536 */
	{ "00B00000000000", 2, true, 0, 65536 },
	{ "00B00000001000", 2, true, 0, 4096 },
	{ "00B00000000001", 2, true, 0, 1 },
	/* extended case 3, Nc = 1 */
	{ "00D6000000000155", 3, true, 1, 0 },
	/* extended case 4: Lc 00 xx xx, Le 2 bytes */
	{ "002A9E9A0000030102030000", 4, true, 3, 65536 },
	{ "002A9E9A000003010203FFFF", 4, true, 3, 65535 },
};

START_TEST(parse_known_answers)
{
	const struct vec *v = &valid[_i];
	size_t len = unhex(v->hex);
	dm_capdu a;

	memset(&a, 0xAA, sizeof a);
	ck_assert_int_eq(dm_capdu_parse(big, len, &a), DM_OK);
	ck_assert_uint_eq(a.cla, big[0]);
	ck_assert_uint_eq(a.ins, big[1]);
	ck_assert_uint_eq(a.p1, big[2]);
	ck_assert_uint_eq(a.p2, big[3]);
	ck_assert_uint_eq(a.apdu_case, v->apdu_case);
	ck_assert_int_eq(a.extended, v->extended);
	ck_assert_uint_eq(a.nc, v->nc);
	ck_assert_uint_eq(a.ne, v->ne);
	if (v->nc) {
		/* data borrows from the input, right after the Lc field */
		ck_assert_ptr_eq(a.data, big + 4 + (v->extended ? 3 : 1));
	} else {
		ck_assert_ptr_null(a.data);
	}
}
END_TEST

/* build(parse(x)) == x for every valid vector. */
START_TEST(build_round_trip)
{
	const struct vec *v = &valid[_i];
	size_t len = unhex(v->hex);
	uint8_t in[64], out[64];
	dm_capdu a;

	ck_assert_uint_le(len, sizeof in);
	memcpy(in, big, len);
	ck_assert_int_eq(dm_capdu_parse(in, len, &a), DM_OK);
	dm_wbuf w = dm_wbuf_init(out, sizeof out);
	ck_assert_int_eq(dm_capdu_build(&a, &w), DM_OK);
	ck_assert_uint_eq(w.len, len);
	ck_assert_mem_eq(out, in, len);
}
END_TEST

struct bad {
	const char *hex;
	int err;
};

static const struct bad malformed[] = {
	{ "", DM_E_TRUNCATED },
	{ "00A404", DM_E_TRUNCATED },
	/* short: Lc says 7, 6 bytes follow */
	{ "00A4040007627601FF0000", DM_E_TRUNCATED },
	/* short: two bytes after the data where at most one Le fits */
	{ "00A4040007627601FF0000000000", DM_E_TRAILING },
	{ "00A4040001AA0000", DM_E_TRAILING },
	/* short Lc = 00 (would be case 4S with Nc = 0) */
	{ "00B000000010", DM_E_LENGTH },
	/* extended Lc = 0000 */
	{ "00D6000000000055", DM_E_LENGTH },
	{ "00D60000000000AABB", DM_E_LENGTH },
	/* extended: Lc 0010, 5 data bytes */
	{ "00D60000000010AABBCCDDEE", DM_E_TRUNCATED },
	/* extended case 4 with a one-byte Le */
	{ "00D60000000002AABB00", DM_E_LENGTH },
	/* extended: three bytes after the data */
	{ "00D60000000002AABB000000", DM_E_TRAILING },
};

START_TEST(parse_malformed)
{
	const struct bad *b = &malformed[_i];
	size_t len = unhex(b->hex);
	dm_capdu a;

	ck_assert_int_eq(dm_capdu_parse(len ? big : NULL, len, &a), b->err);
}
END_TEST

START_TEST(parse_max_extended)
{
	/* 00 D6 00 00 00 FFFF <65535 bytes> 0000: the largest encoding */
	size_t len = DM_CAPDU_MAX;
	uint8_t *in = malloc(len + 1);
	dm_capdu a;

	ck_assert_ptr_nonnull(in);
	memset(in, 0x5A, len + 1);
	memcpy(in, "\x00\xD6\x00\x00\x00\xFF\xFF", 7);
	in[len - 2] = 0;
	in[len - 1] = 0;
	ck_assert_int_eq(dm_capdu_parse(in, len, &a), DM_OK);
	ck_assert_uint_eq(a.nc, 65535);
	ck_assert_uint_eq(a.ne, 65536);
	ck_assert_uint_eq(a.apdu_case, 4);
	ck_assert_int_eq(dm_capdu_parse(in, len + 1, &a), DM_E_TRAILING);
	ck_assert_int_eq(dm_capdu_parse(in, len - 3, &a), DM_E_TRUNCATED);
	free(in);
}
END_TEST

START_TEST(parse_args)
{
	dm_capdu a;
	ck_assert_int_eq(dm_capdu_parse(big, 4, NULL), DM_E_ARG);
	ck_assert_int_eq(dm_capdu_parse(NULL, 4, &a), DM_E_ARG);
}
END_TEST

/* Encode a struct and compare with the expected hex. */
static void check_build(const dm_capdu *a, const char *expect)
{
	uint8_t out[300];
	dm_wbuf w = dm_wbuf_init(out, sizeof out);
	size_t len = unhex(expect);

	ck_assert_int_eq(dm_capdu_build(a, &w), DM_OK);
	ck_assert_uint_eq(w.len, len);
	ck_assert_mem_eq(out, big, len);
}

START_TEST(build_form_choice)
{
	static uint8_t data[256];
	dm_capdu a = { .cla = 0x00, .ins = 0xB0, .p1 = 0, .p2 = 0 };

	check_build(&a, "00B00000");
	a.ne = 256;
	check_build(&a, "00B0000000");
	a.ne = 257;
	check_build(&a, "00B00000000101");
	a.ne = 65536;
	check_build(&a, "00B00000000000");
	a.ne = 5;
	a.extended = true;
	check_build(&a, "00B00000000005");

	memset(data, 0x11, sizeof data);
	a = (dm_capdu){ .cla = 0x80, .ins = 0xE2, .data = data, .nc = 2, .ne = 0 };
	check_build(&a, "80E200000211 11");
	a.extended = true;
	check_build(&a, "80E20000000002 1111");
	a.ne = 256;
	check_build(&a, "80E20000000002 1111 0100");
	a.extended = false;
	check_build(&a, "80E2000002 1111 00");
	/* Nc 255 and Ne 256 still fit the short form */
	a.nc = 255;
	uint8_t out[300];
	dm_wbuf w = dm_wbuf_init(out, sizeof out);
	ck_assert_int_eq(dm_capdu_build(&a, &w), DM_OK);
	ck_assert_uint_eq(w.len, 4 + 1 + 255 + 1);
	ck_assert_uint_eq(out[4], 0xFF);
	/* Nc 256 forces extended: 00 0100 */
	a.nc = 256;
	w = dm_wbuf_init(out, sizeof out);
	ck_assert_int_eq(dm_capdu_build(&a, &w), DM_OK);
	ck_assert_uint_eq(w.len, 4 + 3 + 256 + 2);
	ck_assert_mem_eq(out + 4, "\x00\x01\x00", 3);
	ck_assert_mem_eq(out + 4 + 3 + 256, "\x01\x00", 2);
}
END_TEST

START_TEST(build_errors)
{
	uint8_t out[16];
	uint8_t d[4] = { 1, 2, 3, 4 };
	dm_wbuf w = dm_wbuf_init(out, sizeof out);
	dm_capdu a = { .cla = 0x00, .ins = 0xD6, .data = d, .nc = 4, .ne = 0 };

	ck_assert_int_eq(dm_capdu_build(NULL, &w), DM_E_ARG);
	ck_assert_int_eq(dm_capdu_build(&a, NULL), DM_E_ARG);
	a.data = NULL;
	ck_assert_int_eq(dm_capdu_build(&a, &w), DM_E_ARG);
	a.data = d;
	a.nc = 65536;
	ck_assert_int_eq(dm_capdu_build(&a, &w), DM_E_VALUE);
	a.nc = 4;
	a.ne = 65537;
	ck_assert_int_eq(dm_capdu_build(&a, &w), DM_E_VALUE);
	a.ne = 0;
	/* 9 bytes needed: with 8 of room nothing is written */
	w.len = 8;
	out[8] = 0xEE;
	ck_assert_int_eq(dm_capdu_build(&a, &w), DM_E_OVERFLOW);
	ck_assert_uint_eq(w.len, 8);
	ck_assert_uint_eq(out[8], 0xEE);
	/* appends after what the buffer already holds */
	w.len = 7;
	ck_assert_int_eq(dm_capdu_build(&a, &w), DM_OK);
	ck_assert_uint_eq(w.len, 16);
	ck_assert_mem_eq(out + 7, "\x00\xD6\x00\x00\x04\x01\x02\x03\x04", 9);
}
END_TEST

struct cla_vec {
	uint8_t cla;
	bool interindustry, further, chaining;
	uint8_t channel, sm;
};

static const struct cla_vec cla_vecs[] = {
	{ 0x00, true, false, false, 0, 0 },
	{ 0x01, true, false, false, 1, 0 },
	{ 0x03, true, false, false, 3, 0 },
	{ 0x04, true, false, false, 0, 1 },
	{ 0x08, true, false, false, 0, 2 },
	{ 0x0C, true, false, false, 0, 3 },
	{ 0x13, true, false, true, 3, 0 },
	{ 0x40, true, true, false, 4, 0 },
	{ 0x4F, true, true, false, 19, 0 },
	{ 0x60, true, true, false, 4, 2 },
	{ 0x7F, true, true, true, 19, 2 },
	{ 0x80, false, false, false, 0, 0 },
	{ 0x81, false, false, false, 1, 0 },
	{ 0x84, false, false, false, 0, 1 },  /* GlobalPlatform SCP */
	{ 0x90, false, false, true, 0, 0 },
	{ 0xA0, false, false, false, 0, 0 },  /* GSM class (TS 102 221) */
	{ 0xC0, false, true, false, 4, 0 },
	{ 0xE0, false, true, false, 4, 2 },
	{ 0xEF, false, true, false, 19, 2 },
	{ 0xFE, false, true, true, 18, 2 },
};

START_TEST(cla_known_answers)
{
	const struct cla_vec *v = &cla_vecs[_i];
	dm_cla c;

	ck_assert_int_eq(dm_cla_decode(v->cla, &c), DM_OK);
	ck_assert_int_eq(c.interindustry, v->interindustry);
	ck_assert_int_eq(c.further, v->further);
	ck_assert_int_eq(c.chaining, v->chaining);
	ck_assert_uint_eq(c.channel, v->channel);
	ck_assert_uint_eq(c.sm, v->sm);
}
END_TEST

START_TEST(cla_invalid)
{
	dm_cla c;
	ck_assert_int_eq(dm_cla_decode(0xFF, &c), DM_E_VALUE);
	ck_assert_int_eq(dm_cla_decode(0x20, &c), DM_E_VALUE);
	ck_assert_int_eq(dm_cla_decode(0x3F, &c), DM_E_VALUE);
	ck_assert_int_eq(dm_cla_decode(0x00, NULL), DM_E_ARG);
	/* every other value decodes */
	for (unsigned cla = 0; cla < 256; cla++) {
		bool bad = cla == 0xFF || (cla & 0xE0) == 0x20;
		ck_assert_int_eq(dm_cla_decode((uint8_t)cla, &c), bad ? DM_E_VALUE : DM_OK);
	}
}
END_TEST

START_TEST(cla_on_channel_known)
{
	ck_assert_int_eq(dm_cla_on_channel(0x00, 0), 0x00);
	ck_assert_int_eq(dm_cla_on_channel(0x00, 3), 0x03);
	ck_assert_int_eq(dm_cla_on_channel(0x00, 4), 0x40);
	ck_assert_int_eq(dm_cla_on_channel(0x00, 19), 0x4F);
	ck_assert_int_eq(dm_cla_on_channel(0x43, 0), 0x00);
	ck_assert_int_eq(dm_cla_on_channel(0x10, 5), 0x51);
	ck_assert_int_eq(dm_cla_on_channel(0x08, 4), 0x60);
	ck_assert_int_eq(dm_cla_on_channel(0x60, 1), 0x09);
	ck_assert_int_eq(dm_cla_on_channel(0x80, 2), 0x82);
	ck_assert_int_eq(dm_cla_on_channel(0x80, 4), 0xC0);
	ck_assert_int_eq(dm_cla_on_channel(0x84, 5), 0xE1);  /* GP: 84 <-> E0 */
	ck_assert_int_eq(dm_cla_on_channel(0xE0, 0), 0x84);
	ck_assert_int_eq(dm_cla_on_channel(0xA0, 1), 0xA1);
	/* cannot be carried */
	ck_assert_int_eq(dm_cla_on_channel(0x0C, 4), -1);    /* SM 3 has no b6 form */
	ck_assert_int_eq(dm_cla_on_channel(0x04, 4), -1);    /* SM 1 neither */
	ck_assert_int_eq(dm_cla_on_channel(0xA0, 4), -1);
	ck_assert_int_eq(dm_cla_on_channel(0xF0, 19), -1);   /* would be FF */
	ck_assert_int_eq(dm_cla_on_channel(0xF0, 18), 0xFE);
	ck_assert_int_eq(dm_cla_on_channel(0x00, 20), -1);
	ck_assert_int_eq(dm_cla_on_channel(0xFF, 0), -1);
	ck_assert_int_eq(dm_cla_on_channel(0x20, 0), -1);
}
END_TEST

/* For every valid CLA and channel: the result decodes to that channel with
 * the same class and chaining bit, and a first-coded SM survives a round
 * trip through channel 4 when it is carried. */
START_TEST(cla_on_channel_exhaustive)
{
	for (unsigned base = 0; base < 256; base++) {
		dm_cla b, c;
		if (dm_cla_decode((uint8_t)base, &b) != DM_OK)
			continue;
		for (unsigned ch = 0; ch <= 19; ch++) {
			int r = dm_cla_on_channel((uint8_t)base, ch);
			if (r < 0) {
				ck_assert_uint_ge(ch, 4);
				ck_assert(!b.further || ch == 19);
				continue;
			}
			ck_assert_int_le(r, 0xFE);
			ck_assert_int_eq(dm_cla_decode((uint8_t)r, &c), DM_OK);
			ck_assert_uint_eq(c.channel, ch);
			ck_assert_int_eq(c.interindustry, b.interindustry);
			ck_assert_int_eq(c.chaining, b.chaining);
			ck_assert_int_eq(c.sm != 0, b.sm != 0);
			if (b.channel == ch)
				ck_assert_int_eq(r, (int)base);
		}
	}
}
END_TEST

START_TEST(rapdu_parse_build)
{
	dm_rapdu r;
	uint8_t out[8];
	dm_wbuf w = dm_wbuf_init(out, sizeof out);
	static const uint8_t ok[] = { 0x90, 0x00 };
	static const uint8_t data[] = { 0x01, 0x02, 0x6A, 0x82 };

	ck_assert_int_eq(dm_rapdu_parse(ok, 2, &r), DM_OK);
	ck_assert_uint_eq(r.sw, 0x9000);
	ck_assert_uint_eq(r.len, 0);
	ck_assert_int_eq(dm_rapdu_parse(data, 4, &r), DM_OK);
	ck_assert_uint_eq(r.sw, 0x6A82);
	ck_assert_uint_eq(r.len, 2);
	ck_assert_ptr_eq(r.data, data);
	ck_assert_int_eq(dm_rapdu_parse(ok, 1, &r), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_rapdu_parse(ok, 0, &r), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_rapdu_parse(NULL, 2, &r), DM_E_ARG);
	ck_assert_int_eq(dm_rapdu_parse(ok, 2, NULL), DM_E_ARG);
	ck_assert_int_eq(dm_rapdu_parse(big, DM_RAPDU_MAX, &r), DM_OK);
	ck_assert_uint_eq(r.len, 65536);
	ck_assert_int_eq(dm_rapdu_parse(big, DM_RAPDU_MAX + 1, &r), DM_E_LENGTH);

	ck_assert_int_eq(dm_rapdu_build(data, 2, 0x9000, &w), DM_OK);
	ck_assert_int_eq(dm_rapdu_build(NULL, 0, 0x6A82, &w), DM_OK);
	ck_assert_uint_eq(w.len, 6);
	ck_assert_mem_eq(out, "\x01\x02\x90\x00\x6A\x82", 6);
	/* 2 bytes of room left: data + SW does not fit, nothing written */
	ck_assert_int_eq(dm_rapdu_build(data, 1, 0x9000, &w), DM_E_OVERFLOW);
	ck_assert_uint_eq(w.len, 6);
	ck_assert_int_eq(dm_rapdu_build(NULL, 1, 0x9000, &w), DM_E_ARG);
	ck_assert_int_eq(dm_rapdu_build(big, 65537, 0x9000, &w), DM_E_VALUE);
	ck_assert_int_eq(dm_rapdu_build(data, 0, 0x9000, NULL), DM_E_ARG);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("apdu");
	TCase *tc = tcase_create("capdu");
	tcase_add_loop_test(tc, parse_known_answers, 0, DM_ARRAY_LEN(valid));
	tcase_add_loop_test(tc, build_round_trip, 0, DM_ARRAY_LEN(valid));
	tcase_add_loop_test(tc, parse_malformed, 0, DM_ARRAY_LEN(malformed));
	tcase_add_test(tc, parse_max_extended);
	tcase_add_test(tc, parse_args);
	tcase_add_test(tc, build_form_choice);
	tcase_add_test(tc, build_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("cla");
	tcase_add_loop_test(tc, cla_known_answers, 0, DM_ARRAY_LEN(cla_vecs));
	tcase_add_test(tc, cla_invalid);
	tcase_add_test(tc, cla_on_channel_known);
	tcase_add_test(tc, cla_on_channel_exhaustive);
	suite_add_tcase(s, tc);

	tc = tcase_create("rapdu");
	tcase_add_test(tc, rapdu_parse_build);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
