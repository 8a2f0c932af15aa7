/*
 * test_arr.c - access rule codec (proto/arr.h): expanded format rules and
 * SC_DOs, validation, compact format, 8B references, encoders.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"
#include "hex.h"

static uint8_t buf[512];

/* Decode hex (spaces allowed) into buf; returns its length. */
static size_t hx(const char *hex)
{
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(dm_hex_decode(hex, &w), DM_OK);
	return w.len;
}

/* Record 1 of the default card's EF_ARR (docs/security.md): READ always;
 * UPDATE, DEACTIVATE, ACTIVATE, TERMINATE, DELETE with ADM1; RESIZE (84 D4)
 * with ADM1; padded with FF as EF_ARR records are. */
#define REC1 "8001019000 80017AA40683010A950108 8401D4A40683010A950108 FFFFFF"

START_TEST(rules_of_a_record)
{
	size_t n = hx(REC1);
	dm_arr_iter it;
	dm_arr_rule r;

	dm_arr_iter_init(&it, buf, n);
	ck_assert_int_eq(dm_arr_next(&it, &r), 1);
	ck_assert(!r.command);
	ck_assert_uint_eq(r.am, 0x01);
	ck_assert_uint_eq(r.sc_len, 2);
	ck_assert_ptr_eq(r.sc, buf + 3);
	ck_assert_mem_eq(r.sc, "\x90\x00", 2);

	ck_assert_int_eq(dm_arr_next(&it, &r), 1);
	ck_assert(!r.command);
	ck_assert_uint_eq(r.am, 0x7A);
	ck_assert_uint_eq(r.sc_len, 8);
	ck_assert_ptr_eq(r.sc, buf + 8);

	ck_assert_int_eq(dm_arr_next(&it, &r), 1);
	ck_assert(r.command);
	ck_assert_uint_eq(r.present, DM_ARR_CMD_INS);
	ck_assert_uint_eq(r.ins, 0xD4);
	ck_assert_uint_eq(r.cla, 0);
	ck_assert_uint_eq(r.sc_len, 8);
	/* the FF padding is not a rule */
	ck_assert_int_eq(dm_arr_next(&it, &r), 0);
	ck_assert_int_eq(dm_arr_next(&it, &r), 0);
	ck_assert_int_eq(dm_arr_validate(buf, n), DM_OK);
}
END_TEST

START_TEST(several_sc_dos_and_headers)
{
	/* READ|UPDATE: always OR PIN1 (two SC_DOs after one AM_DO) */
	size_t n = hx("800103 9000 A406830101950108 00 8F04 80B20104 9700");
	dm_arr_iter it;
	dm_arr_rule r;

	dm_arr_iter_init(&it, buf, n);
	ck_assert_int_eq(dm_arr_next(&it, &r), 1);
	ck_assert_uint_eq(r.am, 0x03);
	ck_assert_uint_eq(r.sc_len, 10);
	ck_assert_int_eq(dm_arr_next(&it, &r), 1);
	ck_assert(r.command);
	ck_assert_uint_eq(r.present, 0x0F);
	ck_assert_uint_eq(r.cla, 0x80);
	ck_assert_uint_eq(r.ins, 0xB2);
	ck_assert_uint_eq(r.p1, 0x01);
	ck_assert_uint_eq(r.p2, 0x04);
	ck_assert_int_eq(dm_arr_next(&it, &r), 0);

	/* 8A: CLA and P1 only */
	n = hx("8A02 00 05 9000");
	dm_arr_iter_init(&it, buf, n);
	ck_assert_int_eq(dm_arr_next(&it, &r), 1);
	ck_assert_uint_eq(r.present, DM_ARR_CMD_CLA | DM_ARR_CMD_P1);
	ck_assert_uint_eq(r.cla, 0x00);
	ck_assert_uint_eq(r.p1, 0x05);
	ck_assert_uint_eq(r.ins, 0x00);
}
END_TEST

static int first_error(const char *hex)
{
	size_t n = hx(hex);
	dm_arr_iter it;
	dm_arr_rule r;
	int rc;

	dm_arr_iter_init(&it, buf, n);
	while ((rc = dm_arr_next(&it, &r)) == 1)
		;
	/* sticky: the iterator does not move past the damage */
	if (rc < 0)
		ck_assert_int_eq(dm_arr_next(&it, &r), rc);
	return rc;
}

START_TEST(malformed_rules)
{
	ck_assert_int_eq(first_error("9000 8001019000"), DM_E_VALUE);    /* SC before AM */
	ck_assert_int_eq(first_error("800101"), DM_E_VALUE);            /* AM without SC */
	ck_assert_int_eq(first_error("800101 8001029000"), DM_E_VALUE);
	ck_assert_int_eq(first_error("800101 FFFF"), DM_E_VALUE);
	ck_assert_int_eq(first_error("80020101 9000"), DM_E_VALUE);      /* AM byte of 2 */
	ck_assert_int_eq(first_error("8000 9000"), DM_E_VALUE);
	ck_assert_int_eq(first_error("8402D400 9000"), DM_E_VALUE);      /* 84: INS only */
	ck_assert_int_eq(first_error("8C01B0 9000"), DM_E_VALUE);        /* 8C: CLA+INS */
	ck_assert_int_eq(first_error("9C0100 9000"), DM_E_UNSUPPORTED);  /* state machine */
	ck_assert_int_eq(first_error("800101 5F2000"), DM_E_UNSUPPORTED);
	ck_assert_int_eq(first_error("800101 950108"), DM_E_UNSUPPORTED);
	ck_assert_int_eq(first_error("800101 830101"), DM_E_VALUE);
	ck_assert_int_eq(first_error("8001"), DM_E_TRUNCATED);
	ck_assert_int_eq(first_error("800101 A406830101"), DM_E_TRUNCATED);
	ck_assert_int_eq(first_error("800101 9080"), DM_E_LENGTH);       /* indefinite */
	ck_assert_int_eq(first_error("1F"), DM_E_TRUNCATED);
	ck_assert_int_eq(first_error(""), 0);
	ck_assert_int_eq(first_error("FFFF00"), 0);

	dm_arr_iter it;
	dm_arr_rule r;
	dm_arr_iter_init(&it, NULL, 5);
	ck_assert_int_eq(dm_arr_next(&it, &r), 0);
	ck_assert_int_eq(dm_arr_next(NULL, &r), DM_E_ARG);
	ck_assert_int_eq(dm_arr_next(&it, NULL), DM_E_ARG);
}
END_TEST

static int one_sc(const char *hex, dm_arr_sc *sc)
{
	size_t n = hx(hex);
	dm_arr_iter it;

	dm_arr_sc_init(&it, buf, n);
	return dm_arr_sc_next(&it, sc);
}

START_TEST(sc_dos)
{
	dm_arr_sc sc;

	ck_assert_int_eq(one_sc("9000", &sc), 1);
	ck_assert_int_eq(sc.kind, DM_ARR_SC_KIND_ALWAYS);
	ck_assert_int_eq(one_sc("9700", &sc), 1);
	ck_assert_int_eq(sc.kind, DM_ARR_SC_KIND_NEVER);
	ck_assert_int_eq(one_sc("9E01FF", &sc), 1);
	ck_assert_int_eq(sc.kind, DM_ARR_SC_KIND_BYTE);
	ck_assert_uint_eq(sc.sc_byte, 0xFF);

	ck_assert_int_eq(one_sc("A406830181950108", &sc), 1);
	ck_assert_int_eq(sc.kind, DM_ARR_SC_KIND_USER);
	ck_assert_uint_eq(sc.key_ref, 0x81);
	ck_assert(sc.has_usage);
	ck_assert_uint_eq(sc.usage, 0x08);
	/* usage qualifier first, or absent: both accepted */
	ck_assert_int_eq(one_sc("A406950108830101", &sc), 1);
	ck_assert_int_eq(sc.kind, DM_ARR_SC_KIND_USER);
	ck_assert_uint_eq(sc.key_ref, 0x01);
	ck_assert_int_eq(one_sc("A40383010A", &sc), 1);
	ck_assert_int_eq(sc.kind, DM_ARR_SC_KIND_USER);
	ck_assert(!sc.has_usage);
	/* an authentication CRT with more than we interpret */
	ck_assert_int_eq(one_sc("A40683010A800100", &sc), 1);
	ck_assert_int_eq(sc.kind, DM_ARR_SC_KIND_CRT);
	ck_assert_int_eq(one_sc("B400", &sc), 1);
	ck_assert_int_eq(sc.kind, DM_ARR_SC_KIND_CRT);
	ck_assert_int_eq(one_sc("B8039501 30", &sc), 1);
	ck_assert_int_eq(sc.kind, DM_ARR_SC_KIND_CRT);

	ck_assert_int_eq(one_sc("A0049000 9700", &sc), 1);
	ck_assert_int_eq(sc.kind, DM_ARR_SC_KIND_OR);
	ck_assert_uint_eq(sc.inner_len, 4);
	ck_assert_ptr_eq(sc.inner, buf + 2);
	ck_assert_int_eq(one_sc("AF029000", &sc), 1);
	ck_assert_int_eq(sc.kind, DM_ARR_SC_KIND_AND);
	ck_assert_int_eq(one_sc("A7029700", &sc), 1);
	ck_assert_int_eq(sc.kind, DM_ARR_SC_KIND_NOT);

	/* malformed */
	ck_assert_int_eq(one_sc("900100", &sc), DM_E_VALUE);
	ck_assert_int_eq(one_sc("970100", &sc), DM_E_VALUE);
	ck_assert_int_eq(one_sc("9E00", &sc), DM_E_VALUE);
	ck_assert_int_eq(one_sc("9E020000", &sc), DM_E_VALUE);
	ck_assert_int_eq(one_sc("A403950108", &sc), DM_E_VALUE);       /* no key ref */
	ck_assert_int_eq(one_sc("A40483020101", &sc), DM_E_VALUE);     /* 83 of 2 */
	ck_assert_int_eq(one_sc("A406830101830102", &sc), DM_E_VALUE); /* two 83 */
	ck_assert_int_eq(one_sc("A40783010195020800", &sc), DM_E_VALUE);
	ck_assert_int_eq(one_sc("A409830101950108950108", &sc), DM_E_VALUE);
	ck_assert_int_eq(one_sc("A400", &sc), DM_E_VALUE);
	ck_assert_int_eq(one_sc("A40383", &sc), DM_E_TRUNCATED);
	ck_assert_int_eq(one_sc("A403830201", &sc), DM_E_TRUNCATED);
	ck_assert_int_eq(one_sc("A000", &sc), DM_E_VALUE);
	ck_assert_int_eq(one_sc("AF00", &sc), DM_E_VALUE);
	ck_assert_int_eq(one_sc("800101", &sc), DM_E_UNSUPPORTED);
	ck_assert_int_eq(one_sc("830101", &sc), DM_E_UNSUPPORTED);
	ck_assert_int_eq(one_sc("", &sc), 0);
}
END_TEST

START_TEST(validate_nesting)
{
	/* OR { AND { PIN1, ADM1 }, NEVER } */
	ck_assert_int_eq(dm_arr_validate(buf, hx("800101 A016 AF10 A406830101950108 A40683010A950108"
						 " 9700")), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_arr_validate(buf, hx("800101 A014 AF10 A406830101950108 A40683010A950108"
						 " 9700")), DM_OK);
	/* damage inside a template */
	ck_assert_int_eq(dm_arr_validate(buf, hx("800101 A004 9000 9701")), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_arr_validate(buf, hx("800101 A003 900100")), DM_E_VALUE);
	ck_assert_int_eq(dm_arr_validate(buf, hx("800101 A002 FFFF")), DM_E_VALUE);
	ck_assert_int_eq(dm_arr_validate(buf, hx("800101 A7 02 8000")), DM_E_UNSUPPORTED);
	ck_assert_int_eq(dm_arr_validate(buf, hx("800101 9000 800102 9E0100")), DM_OK);
	ck_assert_int_eq(dm_arr_validate(buf, hx("800101 9000 800102 9E00")), DM_E_VALUE);
	ck_assert_int_eq(dm_arr_validate(NULL, 0), DM_OK);
	ck_assert_int_eq(dm_arr_validate(NULL, 1), DM_E_ARG);

	/* DM_ARR_MAX_DEPTH templates deep is fine, one more is not */
	char hex[256];
	for (unsigned depth = DM_ARR_MAX_DEPTH - 1; depth <= DM_ARR_MAX_DEPTH; depth++) {
		strcpy(hex, "800101 ");
		for (unsigned i = 0; i < depth; i++) {
			char t[8];
			snprintf(t, sizeof t, "A0%02X", 2 * (depth - i));
			strcat(hex, t);
		}
		strcat(hex, "9000");
		int want = depth + 1 <= DM_ARR_MAX_DEPTH ? DM_OK : DM_E_UNSUPPORTED;
		ck_assert_int_eq(dm_arr_validate(buf, hx(hex)), want);
	}
}
END_TEST

START_TEST(compact_format)
{
	dm_arr_iter it;
	dm_arr_compact_set s;
	uint8_t sc = 0x55;
	/* TS 102 221 style: READ (b1) always, UPDATE (b2) never; then a
	 * second set: DEACTIVATE|ACTIVATE with SC 10 and 90 */
	size_t n = hx("03 FF 00 18 10 90");

	dm_arr_iter_init(&it, buf, n);
	ck_assert_int_eq(dm_arr_compact_next(&it, &s), 1);
	ck_assert_uint_eq(s.am, 0x03);
	ck_assert_uint_eq(s.n, 2);
	/* SC bytes in b7..b1 order: first the one of b2, then b1 */
	ck_assert_int_eq(dm_arr_compact_sc(&s, 0x02, &sc), DM_OK);
	ck_assert_uint_eq(sc, 0xFF);
	ck_assert_int_eq(dm_arr_compact_sc(&s, 0x01, &sc), DM_OK);
	ck_assert_uint_eq(sc, 0x00);
	ck_assert_int_eq(dm_arr_compact_sc(&s, 0x04, &sc), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_arr_compact_sc(&s, 0x80, &sc), DM_E_ARG);
	ck_assert_int_eq(dm_arr_compact_sc(&s, 0x03, &sc), DM_E_ARG);
	ck_assert_int_eq(dm_arr_compact_sc(&s, 0x00, &sc), DM_E_ARG);
	ck_assert_int_eq(dm_arr_compact_next(&it, &s), 1);
	ck_assert_uint_eq(s.am, 0x18);
	ck_assert_int_eq(dm_arr_compact_sc(&s, 0x10, &sc), DM_OK);
	ck_assert_uint_eq(sc, 0x10);
	ck_assert_int_eq(dm_arr_compact_sc(&s, 0x08, &sc), DM_OK);
	ck_assert_uint_eq(sc, 0x90);
	ck_assert_int_eq(dm_arr_compact_next(&it, &s), 0);
	ck_assert_int_eq(dm_arr_compact_validate(buf, n), DM_OK);

	/* b8 set: still one SC byte per bit of b7-b1 */
	ck_assert_int_eq(dm_arr_compact_validate(buf, hx("C1 00 00")), DM_OK);
	ck_assert_int_eq(dm_arr_compact_validate(buf, hx("C1 00")), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_arr_compact_validate(buf, hx("7F 00000000 000000")), DM_OK);
	ck_assert_int_eq(dm_arr_compact_validate(buf, hx("7F 00000000 0000")), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_arr_compact_validate(buf, hx("00")), DM_OK);
	ck_assert_int_eq(dm_arr_compact_validate(buf, 0), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_arr_compact_validate(NULL, 2), DM_E_ARG);
	ck_assert_int_eq(dm_arr_compact_next(NULL, &s), DM_E_ARG);
}
END_TEST

START_TEST(references)
{
	uint16_t fid = 0;
	uint8_t rec = 0;
	dm_bytes pairs;

	ck_assert_int_eq(dm_arr_ref_parse(buf, hx("2F0603"), &fid, &rec, &pairs), DM_OK);
	ck_assert_uint_eq(fid, 0x2F06);
	ck_assert_uint_eq(rec, 3);
	ck_assert_uint_eq(pairs.len, 0);

	/* TS 102 221 annex: SE 01 -> record 2, SE 00 -> record 11 */
	ck_assert_int_eq(dm_arr_ref_parse(buf, hx("6F06 0102 000B"), &fid, &rec, &pairs), DM_OK);
	ck_assert_uint_eq(fid, 0x6F06);
	ck_assert_uint_eq(rec, 0);
	ck_assert_uint_eq(pairs.len, 4);
	ck_assert_ptr_eq(pairs.ptr, buf + 2);
	ck_assert_int_eq(dm_arr_ref_record(pairs, 0x01, &rec), DM_OK);
	ck_assert_uint_eq(rec, 2);
	ck_assert_int_eq(dm_arr_ref_record(pairs, 0x00, &rec), DM_OK);
	ck_assert_uint_eq(rec, 11);
	ck_assert_int_eq(dm_arr_ref_record(pairs, 0x02, &rec), DM_E_NOT_FOUND);

	ck_assert_int_eq(dm_arr_ref_parse(buf, hx("01"), &fid, &rec, &pairs), DM_E_UNSUPPORTED);
	ck_assert_int_eq(dm_arr_ref_parse(buf, hx("2F06"), &fid, &rec, &pairs), DM_E_LENGTH);
	ck_assert_int_eq(dm_arr_ref_parse(buf, hx("2F060102 00"), &fid, &rec, &pairs), DM_E_LENGTH);
	ck_assert_int_eq(dm_arr_ref_parse(buf, 0, &fid, &rec, &pairs), DM_E_LENGTH);
	ck_assert_int_eq(dm_arr_ref_parse(buf, hx("2F0600"), &fid, &rec, &pairs), DM_E_VALUE);
	ck_assert_int_eq(dm_arr_ref_parse(buf, hx("2F06 0102 0100"), &fid, &rec, &pairs),
			 DM_E_VALUE);
	ck_assert_int_eq(dm_arr_ref_parse(NULL, 3, &fid, &rec, &pairs), DM_E_ARG);

	uint8_t odd[] = { 0x01, 0x02, 0x00 };
	ck_assert_int_eq(dm_arr_ref_record(dm_bytes_of(odd, 3), 0x01, &rec), DM_E_LENGTH);
	odd[1] = 0;
	ck_assert_int_eq(dm_arr_ref_record(dm_bytes_of(odd, 2), 0x01, &rec), DM_E_VALUE);
	ck_assert_int_eq(dm_arr_ref_record(dm_bytes_of(NULL, 2), 0x01, &rec), DM_E_ARG);
}
END_TEST

START_TEST(encoders)
{
	uint8_t out[64];
	dm_wbuf w = dm_wbuf_init(out, sizeof out);
	size_t n;

	ck_assert_int_eq(dm_arr_put_am(&w, 0x01), DM_OK);
	ck_assert_int_eq(dm_arr_put_always(&w), DM_OK);
	ck_assert_int_eq(dm_arr_put_am(&w, 0x7A), DM_OK);
	ck_assert_int_eq(dm_arr_put_user(&w, 0x0A), DM_OK);
	ck_assert_int_eq(dm_arr_put_am_ins(&w, 0xD4), DM_OK);
	ck_assert_int_eq(dm_arr_put_user(&w, 0x0A), DM_OK);
	n = hx(REC1);
	ck_assert_uint_eq(w.len, n - 3);
	ck_assert_mem_eq(out, buf, w.len);
	ck_assert_int_eq(dm_arr_validate(out, w.len), DM_OK);

	w = dm_wbuf_init(out, sizeof out);
	ck_assert_int_eq(dm_arr_put_am(&w, 0x01), DM_OK);
	ck_assert_int_eq(dm_arr_put_never(&w), DM_OK);
	ck_assert_mem_eq(out, "\x80\x01\x01\x97\x00", 5);

	/* no room: nothing written */
	w = dm_wbuf_init(out, 7);
	ck_assert_int_eq(dm_arr_put_user(&w, 0x01), DM_E_OVERFLOW);
	ck_assert_uint_eq(w.len, 0);
	w = dm_wbuf_init(out, 2);
	ck_assert_int_eq(dm_arr_put_am(&w, 0x01), DM_E_OVERFLOW);
	ck_assert_uint_eq(w.len, 0);
	ck_assert_int_eq(dm_arr_put_always(&w), DM_OK);
	ck_assert_int_eq(dm_arr_put_never(&w), DM_E_OVERFLOW);
	ck_assert_uint_eq(w.len, 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("arr");
	TCase *tc = tcase_create("expanded");
	tcase_add_test(tc, rules_of_a_record);
	tcase_add_test(tc, several_sc_dos_and_headers);
	tcase_add_test(tc, malformed_rules);
	tcase_add_test(tc, sc_dos);
	tcase_add_test(tc, validate_nesting);
	suite_add_tcase(s, tc);
	tc = tcase_create("compact_and_references");
	tcase_add_test(tc, compact_format);
	tcase_add_test(tc, references);
	tcase_add_test(tc, encoders);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
