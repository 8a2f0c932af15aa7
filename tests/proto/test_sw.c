/*
 * test_sw.c - status word table: names, meanings, classes and the DM status
 * mapping (dmsc-reference "Device-side mapping of card errors").
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dm_common.h"
#include "sw.h"

/* Every status word sw.h names. */
static const uint16_t named[] = {
	DM_SW_OK, DM_SW_PROACTIVE(0x1A), DM_SW_TOOLKIT_BUSY, DM_SW_MORE_DATA(0x10),
	DM_SW_WRONG_LE(0x05), DM_SW_EOF_BEFORE_LE, DM_SW_WRONG_PIN(2), DM_SW_NV_UNCHANGED,
	DM_SW_MEMORY_PROBLEM, DM_SW_WRONG_LENGTH, DM_SW_LCHAN_UNSUPPORTED, DM_SW_SM_UNSUPPORTED,
	DM_SW_LAST_CMD_EXPECTED, DM_SW_CHAINING_UNSUPPORTED, DM_SW_CMD_INCOMPATIBLE,
	DM_SW_SECURITY_STATUS, DM_SW_AUTH_BLOCKED, DM_SW_REF_DATA_INVALID, DM_SW_CONDITIONS,
	DM_SW_NO_EF_SELECTED, DM_SW_SM_MISSING, DM_SW_SM_INCORRECT, DM_SW_WRONG_DATA,
	DM_SW_FUNC_UNSUPPORTED, DM_SW_FILE_NOT_FOUND, DM_SW_RECORD_NOT_FOUND,
	DM_SW_NOT_ENOUGH_MEMORY, DM_SW_WRONG_P1P2, DM_SW_LC_INCONSISTENT_P1P2,
	DM_SW_REF_DATA_NOT_FOUND, DM_SW_FILE_EXISTS, DM_SW_DF_NAME_EXISTS,
	DM_SW_WRONG_P1P2_OFFSET, DM_SW_INS_UNSUPPORTED, DM_SW_CLA_UNSUPPORTED, DM_SW_TECHNICAL,
};

START_TEST(every_named_sw_has_a_distinct_entry)
{
	char m[128];

	for (size_t i = 0; i < DM_ARRAY_LEN(named); i++) {
		const char *n = dm_sw_name(named[i]);
		ck_assert_str_ne(n, "UNKNOWN");
		ck_assert_str_ne(n, "WARNING");   /* not a class fallback */
		dm_sw_meaning(named[i], m, sizeof m);
		ck_assert_uint_gt(strlen(m), 5);
		ck_assert_ptr_null(strstr(m, "unknown"));
		ck_assert_ptr_null(strstr(m, "(SW2"));
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(n, dm_sw_name(named[j]));
	}
}
END_TEST

START_TEST(names_known_answers)
{
	ck_assert_str_eq(dm_sw_name(0x9000), "OK");
	ck_assert_str_eq(dm_sw_name(0x9110), "PROACTIVE");
	ck_assert_str_eq(dm_sw_name(0x6110), "MORE_DATA");
	ck_assert_str_eq(dm_sw_name(0x6C00), "WRONG_LE");
	ck_assert_str_eq(dm_sw_name(0x63C2), "WRONG_PIN");
	ck_assert_str_eq(dm_sw_name(0x6A82), "FILE_NOT_FOUND");
	ck_assert_str_eq(dm_sw_name(0x6982), "SECURITY_STATUS");
	ck_assert_str_eq(dm_sw_name(0x6983), "AUTH_BLOCKED");
	ck_assert_str_eq(dm_sw_name(0x6A84), "NOT_ENOUGH_MEMORY");
	/* class fallbacks and unknowns */
	ck_assert_str_eq(dm_sw_name(0x6A99), "WRONG_PARAMS");
	ck_assert_str_eq(dm_sw_name(0x6F42), "TECHNICAL");
	ck_assert_str_eq(dm_sw_name(0x1234), "UNKNOWN");
	ck_assert_str_eq(dm_sw_name(0x9001), "UNKNOWN");
}
END_TEST

START_TEST(meanings_with_parameters)
{
	char m[96];

	ck_assert_str_eq(dm_sw_meaning(0x63C2, m, sizeof m), "wrong PIN, 2 tries left");
	ck_assert_str_eq(dm_sw_meaning(0x63C1, m, sizeof m), "wrong PIN, 1 try left");
	ck_assert_str_eq(dm_sw_meaning(0x63C0, m, sizeof m), "wrong PIN, no tries left (blocked)");
	ck_assert_str_eq(dm_sw_meaning(0x63CA, m, sizeof m), "wrong PIN, 10 tries left");
	ck_assert_str_eq(dm_sw_meaning(0x911A, m, sizeof m),
			 "normal ending, proactive command pending (26 bytes)");
	ck_assert_str_eq(dm_sw_meaning(0x6110, m, sizeof m),
			 "response bytes still available (GET RESPONSE): 16 bytes");
	ck_assert_str_eq(dm_sw_meaning(0x6100, m, sizeof m),
			 "response bytes still available (GET RESPONSE): 256 bytes");
	ck_assert_str_eq(dm_sw_meaning(0x6C01, m, sizeof m),
			 "wrong Le field, exact length available: 1 byte");
	ck_assert_str_eq(dm_sw_meaning(0x6A82, m, sizeof m), "file or application not found");
	ck_assert_str_eq(dm_sw_meaning(0x6A99, m, sizeof m), "wrong parameters P1-P2 (SW2 99)");
	ck_assert_str_eq(dm_sw_meaning(0x1234, m, sizeof m), "unknown status word 1234");
}
END_TEST

START_TEST(meaning_truncates_safely)
{
	char m[8];

	memset(m, 'x', sizeof m);
	ck_assert_ptr_eq(dm_sw_meaning(0x63C2, m, 6), m);
	ck_assert_str_eq(m, "wrong");
	ck_assert_uint_eq((uint8_t)m[6], 'x'); /* nothing beyond cap */
	m[0] = 'q';
	ck_assert_ptr_eq(dm_sw_meaning(0x9000, m, 0), m);
	ck_assert_uint_eq((uint8_t)m[0], 'q');
	ck_assert_ptr_null(dm_sw_meaning(0x9000, NULL, 10));
}
END_TEST

START_TEST(classes)
{
	ck_assert_int_eq(dm_sw_classify(0x9000), DM_SW_CLASS_SUCCESS);
	ck_assert_int_eq(dm_sw_classify(0x9100), DM_SW_CLASS_PROACTIVE);
	ck_assert_int_eq(dm_sw_classify(0x91FF), DM_SW_CLASS_PROACTIVE);
	ck_assert_int_eq(dm_sw_classify(0x6100), DM_SW_CLASS_MORE);
	ck_assert_int_eq(dm_sw_classify(0x6C10), DM_SW_CLASS_MORE);
	ck_assert_int_eq(dm_sw_classify(0x6282), DM_SW_CLASS_WARNING);
	ck_assert_int_eq(dm_sw_classify(0x63C1), DM_SW_CLASS_WARNING);
	ck_assert_int_eq(dm_sw_classify(0x6400), DM_SW_CLASS_ERROR);
	ck_assert_int_eq(dm_sw_classify(0x6A82), DM_SW_CLASS_ERROR);
	ck_assert_int_eq(dm_sw_classify(0x6F00), DM_SW_CLASS_ERROR);
	ck_assert_int_eq(dm_sw_classify(0x9300), DM_SW_CLASS_ERROR);
	ck_assert_int_eq(dm_sw_classify(0x9001), DM_SW_CLASS_ERROR);
	ck_assert_int_eq(dm_sw_classify(0x1234), DM_SW_CLASS_ERROR);
}
END_TEST

struct map {
	uint16_t sw;
	int dm;
};

/* The dmsc-reference table, then our documented choices. */
static const struct map dm_map[] = {
	{ 0x6982, 425 }, { 0x6983, 425 },
	{ 0x6A82, 404 }, { 0x6A88, 404 },
	{ 0x6A84, 420 },
	{ 0x6700, 400 }, { 0x6A80, 400 }, { 0x6A86, 400 },
	{ 0x6985, 405 },
	{ 0x6581, 500 }, { 0x6F00, 500 },
	{ 0x63C0, 401 }, { 0x63C3, 401 }, { 0x63CF, 401 },
	{ 0x9000, 200 }, { 0x9100, 200 }, { 0x9142, 200 },
	/* ours */
	{ 0x6110, 200 }, { 0x6282, 206 }, { 0x9300, 417 }, { 0x6A89, 418 },
	{ 0x6A81, 406 }, { 0x6881, 406 }, { 0x6883, 412 }, { 0x6D00, 501 },
	{ 0x6E00, 501 }, { 0x6A83, 404 }, { 0x6986, 405 }, { 0x1234, 500 },
};

START_TEST(dm_status_mapping)
{
	ck_assert_int_eq(dm_sw_to_dm_status(dm_map[_i].sw), dm_map[_i].dm);
}
END_TEST

/* Over the whole SW space: names and meanings are always usable, and the DM
 * status agrees with the class (success -> 2xx, errors -> 4xx/5xx). */
START_TEST(whole_space_consistent)
{
	char m[128];

	for (unsigned sw = 0; sw <= 0xFFFF; sw++) {
		const char *n = dm_sw_name((uint16_t)sw);
		ck_assert_ptr_nonnull(n);
		ck_assert_uint_gt(strlen(n), 1);
		ck_assert_uint_gt(strlen(dm_sw_meaning((uint16_t)sw, m, sizeof m)), 5);
		int st = dm_sw_to_dm_status((uint16_t)sw);
		switch (dm_sw_classify((uint16_t)sw)) {
		case DM_SW_CLASS_SUCCESS:
		case DM_SW_CLASS_PROACTIVE:
			ck_assert_int_eq(st, 200);
			break;
		case DM_SW_CLASS_ERROR:
			ck_assert_int_ge(st, 400);
			ck_assert_int_le(st, 599);
			break;
		default:
			ck_assert_int_ge(st, 200);
			ck_assert_int_le(st, 599);
			break;
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sw");
	TCase *tc = tcase_create("table");
	tcase_add_test(tc, every_named_sw_has_a_distinct_entry);
	tcase_add_test(tc, names_known_answers);
	tcase_add_test(tc, meanings_with_parameters);
	tcase_add_test(tc, meaning_truncates_safely);
	tcase_add_test(tc, classes);
	tcase_add_loop_test(tc, dm_status_mapping, 0, DM_ARRAY_LEN(dm_map));
	tcase_add_test(tc, whole_space_consistent);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
