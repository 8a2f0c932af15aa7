/*
 * test_conform.c - dmsc-conform's case language (tools/conform): SW and data
 * patterns, ${NAME} substitution, case-file validation, and the shipped
 * cases of conformance/cases (argv[1]) all loading.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cf_case.h"
#include "cf_match.h"

static const char *cases_dir;

START_TEST(sw_patterns)
{
	ck_assert(dm_cf_sw_match("9000", 0x9000));
	ck_assert(!dm_cf_sw_match("9000", 0x9001));
	ck_assert(dm_cf_sw_match("63Cx", 0x63C2));
	ck_assert(dm_cf_sw_match("63cX", 0x63C0));
	ck_assert(!dm_cf_sw_match("63Cx", 0x6382));
	ck_assert(dm_cf_sw_match("9000|91xx", 0x911E));
	ck_assert(dm_cf_sw_match("9000|91xx", 0x9000));
	ck_assert(!dm_cf_sw_match("9000|91xx", 0x6985));
	ck_assert(dm_cf_sw_match("xxxx", 0x6A82));
	/* malformed: wrong length, bad characters, empty alternatives */
	ck_assert_int_eq(dm_cf_sw_valid("900"), DM_E_VALUE);
	ck_assert_int_eq(dm_cf_sw_valid("90000"), DM_E_VALUE);
	ck_assert_int_eq(dm_cf_sw_valid("90G0"), DM_E_VALUE);
	ck_assert_int_eq(dm_cf_sw_valid("9000|"), DM_E_VALUE);
	ck_assert_int_eq(dm_cf_sw_valid("|9000"), DM_E_VALUE);
	ck_assert_int_eq(dm_cf_sw_valid(""), DM_E_VALUE);
	ck_assert_int_eq(dm_cf_sw_valid(NULL), DM_E_VALUE);
	ck_assert_int_eq(dm_cf_sw_valid("9000|6A8x"), DM_OK);
	/* an invalid pattern matches nothing, even where one alternative would */
	ck_assert(!dm_cf_sw_match("9000|6G00", 0x9000));
}
END_TEST

START_TEST(data_patterns)
{
	static const uint8_t d[] = { 0x80, 0x01, 0x01, 0x81, 0x01, 0x03 };
	dm_bytes b = dm_bytes_of(d, sizeof d);

	ck_assert(dm_cf_data_match("800101810103", b));
	ck_assert(dm_cf_data_match("80 01 01 81 01 03", b));
	ck_assert(dm_cf_data_match("800101*", b));
	ck_assert(dm_cf_data_match("8001018101xx", b));
	ck_assert(dm_cf_data_match("8x010181010x", b));
	ck_assert(dm_cf_data_match("*", b));
	ck_assert(dm_cf_data_match("*", dm_bytes_of(d, 0)));
	ck_assert(!dm_cf_data_match("800101", b));          /* shorter, no '*' */
	ck_assert(!dm_cf_data_match("80010181010300", b));  /* longer */
	ck_assert(!dm_cf_data_match("800101810104", b));
	ck_assert(!dm_cf_data_match("80010181010300*", b)); /* prefix longer than data */
	ck_assert(dm_cf_data_match("9000|800101*", b));
	ck_assert(!dm_cf_data_match("9000|8002*", b));
	ck_assert_int_eq(dm_cf_data_valid("8001*00"), DM_E_VALUE); /* '*' not last */
	ck_assert_int_eq(dm_cf_data_valid("800"), DM_E_VALUE);     /* odd digits */
	ck_assert_int_eq(dm_cf_data_valid("80zz"), DM_E_VALUE);
	ck_assert_int_eq(dm_cf_data_valid("80||81"), DM_E_VALUE);
	ck_assert_int_eq(dm_cf_data_valid(""), DM_E_VALUE);
	ck_assert_int_eq(dm_cf_data_valid("xx*|61*"), DM_OK);
}
END_TEST

START_TEST(data_contains)
{
	static const uint8_t d[] = { 0x30, 0xA7, 0x06, 0x30, 0x04, 0x04, 0x02, 0x64, 0x30 };
	dm_bytes b = dm_bytes_of(d, sizeof d);

	ck_assert(dm_cf_data_contains("A706300404026430", b));
	ck_assert(dm_cf_data_contains("6430", b));
	ck_assert(dm_cf_data_contains("30", b));
	ck_assert(!dm_cf_data_contains("6431", b));
	ck_assert(!dm_cf_data_contains("30A70630040402643000", b)); /* longer than data */
	ck_assert(!dm_cf_data_contains("6x30", b));  /* no wildcards here */
	ck_assert(!dm_cf_data_contains("643", b));   /* odd */
	ck_assert(!dm_cf_data_contains(NULL, b));
}
END_TEST

static const char *lookup(void *ctx, const char *name)
{
	(void)ctx;
	if (strcmp(name, "PIN1") == 0)
		return "31323334FFFFFFFF";
	if (strcmp(name, "E") == 0)
		return "";
	return NULL;
}

START_TEST(expand)
{
	char out[64], missing[16];

	ck_assert_int_eq(dm_cf_expand("0020000108${PIN1}", lookup, NULL, out, sizeof out, missing,
				      sizeof missing), DM_OK);
	ck_assert_str_eq(out, "002000010831323334FFFFFFFF");
	ck_assert_int_eq(dm_cf_expand("${PIN1}${PIN1}", lookup, NULL, out, sizeof out, NULL, 0),
			 DM_OK);
	ck_assert_str_eq(out, "31323334FFFFFFFF31323334FFFFFFFF");
	ck_assert_int_eq(dm_cf_expand("00${E}11", lookup, NULL, out, sizeof out, NULL, 0), DM_OK);
	ck_assert_str_eq(out, "0011");
	ck_assert_int_eq(dm_cf_expand("00${ADM1}", lookup, NULL, out, sizeof out, missing,
				      sizeof missing), DM_E_NOT_FOUND);
	ck_assert_str_eq(missing, "ADM1");
	ck_assert_int_eq(dm_cf_expand("00${PIN1", lookup, NULL, out, sizeof out, NULL, 0),
			 DM_E_VALUE);
	ck_assert_int_eq(dm_cf_expand("00${}", lookup, NULL, out, sizeof out, NULL, 0), DM_E_VALUE);
	/* the output holds exactly cap - 1 characters */
	ck_assert_int_eq(dm_cf_expand("${PIN1}", lookup, NULL, out, 16, NULL, 0), DM_E_OVERFLOW);
	ck_assert_int_eq(dm_cf_expand("${PIN1}", lookup, NULL, out, 17, NULL, 0), DM_OK);
	ck_assert_int_eq(dm_cf_expand("00", lookup, NULL, NULL, 4, NULL, 0), DM_E_ARG);
}
END_TEST

/* Write text to a fresh file in a fresh directory; returns the file path. */
static const char *write_case(char *dir, size_t dcap, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(dir, dcap, "/tmp/test-conform.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/case.json", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void cleanup(const char *dir, const char *path)
{
	unlink(path);
	rmdir(dir);
}

/* Load text as one case file: the return code, err gets the message. */
static int load_text(const char *text, dm_cf_set *set, char *err, size_t cap)
{
	char dir[64];
	const char *path = write_case(dir, sizeof dir, text);
	int rc = dm_cf_load_file(set, path, err, cap);

	cleanup(dir, path);
	return rc;
}

#define HEAD "{\"group\":\"g\",\"cases\":[{\"id\":\"a\",\"label\":\"GEN-8\",\"command\":\"SELECT\"," \
	     "\"clause\":\"c\",\"title\":\"t\","

START_TEST(case_valid)
{
	dm_cf_set set = { 0 };
	char err[256] = "";

	ck_assert_int_eq(load_text(HEAD "\"requires\":[\"dmsc\",\"writes\"],\"timeout\":3,"
				   "\"steps\":[{\"apdu\":\"00A4000C023F00\",\"sw\":\"9000\","
				   "\"save\":\"OLD\"},{\"apdu\":\"00B0000000\",\"data\":\"80*\","
				   "\"raw\":true}],"
				   "\"restore\":[{\"apdu\":\"00D60000${OLD}\",\"data\":\"${OLD}\"}]}]}",
				   &set, err, sizeof err), DM_OK);
	ck_assert_uint_eq(set.n, 1);
	ck_assert_str_eq(set.cases[0].id, "a");
	ck_assert_str_eq(set.cases[0].group, "g");
	ck_assert(set.cases[0].writes);
	ck_assert(set.cases[0].reset);
	ck_assert_int_eq(set.cases[0].timeout_s, 3);
	ck_assert_uint_eq(set.cases[0].n_steps, 2);
	ck_assert_uint_eq(set.cases[0].n_restore, 1);
	ck_assert_str_eq(set.cases[0].steps[0].save, "OLD");
	ck_assert(set.cases[0].steps[1].raw);
	ck_assert_str_eq(set.cases[0].steps[1].data, "80*");
	/* the same id again (another file) is refused */
	ck_assert_int_eq(load_text(HEAD "\"steps\":[{\"apdu\":\"00A4000C023F00\"}]}]}", &set, err,
				   sizeof err), DM_E_VALUE);
	ck_assert_ptr_nonnull(strstr(err, "duplicate id"));
	ck_assert_uint_eq(set.n, 1);
	dm_cf_set_free(&set);
	ck_assert_uint_eq(set.n, 0);
}
END_TEST

START_TEST(case_malformed)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "not json", "not readable JSON" },
		{ "[]", "\"cases\" array" },
		{ "{\"cases\":[{\"id\":\"a\"}]}", "are required" },
		{ HEAD "\"steps\":[]}]}", "non-empty array" },
		{ HEAD "\"x\":1}]}", "no \"steps\"" },
		{ HEAD "\"steps\":[{\"sw\":\"9000\"}]}]}", "without \"apdu\"" },
		{ HEAD "\"steps\":[{\"apdu\":\"00\",\"sw\":\"900\"}]}]}", "bad \"sw\"" },
		{ HEAD "\"steps\":[{\"apdu\":\"00\",\"sw_not\":\"9g00\"}]}]}", "bad \"sw_not\"" },
		{ HEAD "\"steps\":[{\"apdu\":\"00\",\"data\":\"8*0\"}]}]}", "bad \"data\"" },
		{ HEAD "\"steps\":[{\"apdu\":\"00\",\"raw\":1}]}]}", "\"raw\" is not" },
		{ HEAD "\"steps\":[{\"apdu\":5}]}]}", "bad string field in step" },
		{ HEAD "\"timeout\":0,\"steps\":[{\"apdu\":\"00\"}]}]}", "\"timeout\"" },
		{ HEAD "\"timeout\":\"5\",\"steps\":[{\"apdu\":\"00\"}]}]}", "\"timeout\"" },
		{ HEAD "\"requires\":\"dmsc\",\"steps\":[{\"apdu\":\"00\"}]}]}", "\"requires\"" },
		{ HEAD "\"steps\":[{\"apdu\":\"00\"}],\"restore\":[{\"apdu\":\"00\"}]}]}",
		  "does not write" },
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		dm_cf_set set = { 0 };
		char err[256] = "";

		ck_assert_msg(load_text(bad[i].text, &set, err, sizeof err) == DM_E_VALUE,
			      "case %zu accepted", i);
		ck_assert_msg(strstr(err, bad[i].why), "case %zu: \"%s\" lacks \"%s\"", i, err,
			      bad[i].why);
		ck_assert_uint_eq(set.n, 0);
		dm_cf_set_free(&set);
	}
}
END_TEST

START_TEST(shipped_cases)
{
	dm_cf_set set = { 0 };
	char err[512] = "";
	size_t writes = 0, restores = 0;
	const char *labels[] = { "GEN-2", "GEN-8", "GEN-13", "GEN-17", "GEN-18", "SEC-1",
				 "AUTH-2", "AUTH-3", "AUTH-4", "AUT-1", "USE-", "OSR-1" };

	ck_assert_msg(dm_cf_load_dir(&set, cases_dir, err, sizeof err) == DM_OK, "%s", err);
	ck_assert_uint_ge(set.n, 40);
	for (size_t i = 0; i < set.n; i++) {
		writes += set.cases[i].writes;
		restores += set.cases[i].n_restore > 0;
	}
	/* every case that writes says how to restore */
	ck_assert_uint_eq(writes, restores);
	for (size_t l = 0; l < sizeof labels / sizeof labels[0]; l++) {
		bool seen = false;

		for (size_t i = 0; i < set.n && !seen; i++)
			seen = strncmp(set.cases[i].label, labels[l], strlen(labels[l])) == 0;
		ck_assert_msg(seen, "no case for %s", labels[l]);
	}
	dm_cf_set_free(&set);
	/* an empty directory is an error, not an empty suite */
	{
		char dir[] = "/tmp/test-conform-empty.XXXXXX";

		ck_assert_ptr_nonnull(mkdtemp(dir));
		ck_assert_int_eq(dm_cf_load_dir(&set, dir, err, sizeof err), DM_E_VALUE);
		ck_assert_int_eq(dm_cf_load_dir(&set, "/nonexistent/dir", err, sizeof err), DM_E_IO);
		rmdir(dir);
	}
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("conform");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	cases_dir = argc > 1 ? argv[1] : "conformance/cases";
	tcase_add_test(tc, sw_patterns);
	tcase_add_test(tc, data_patterns);
	tcase_add_test(tc, data_contains);
	tcase_add_test(tc, expand);
	tcase_add_test(tc, case_valid);
	tcase_add_test(tc, case_malformed);
	tcase_add_test(tc, shipped_cases);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
