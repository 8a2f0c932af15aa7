#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dm_common.h"

START_TEST(wbuf_bounds)
{
	uint8_t buf[4];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(dm_wbuf_put_u16be(&w, 0x1234), DM_OK);
	ck_assert_int_eq(dm_wbuf_put_u8(&w, 0x56), DM_OK);
	/* does not fit: nothing written, len unchanged */
	ck_assert_int_eq(dm_wbuf_put_u16be(&w, 0x789A), DM_E_OVERFLOW);
	ck_assert_uint_eq(w.len, 3);
	ck_assert_int_eq(dm_wbuf_put_u8(&w, 0x78), DM_OK);
	ck_assert_int_eq(dm_wbuf_put_u8(&w, 0x00), DM_E_OVERFLOW);
	ck_assert_mem_eq(buf, "\x12\x34\x56\x78", 4);
	ck_assert_int_eq(dm_wbuf_put(&w, NULL, 0), DM_OK);
	ck_assert_int_eq(dm_wbuf_put(&w, NULL, 1), DM_E_ARG);
}
END_TEST

START_TEST(wbuf_u32)
{
	uint8_t buf[4];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(dm_wbuf_put_u32be(&w, 0xA1B2C3D4u), DM_OK);
	ck_assert_uint_eq(dm_get_u32be(buf), 0xA1B2C3D4u);
	ck_assert_uint_eq(dm_get_u16be(buf + 2), 0xC3D4u);
}
END_TEST

START_TEST(ct_memcmp_and_wipe)
{
	uint8_t a[8] = "1234\xff\xff\xff\xff", b[8] = "1234\xff\xff\xff\xff";
	ck_assert_int_eq(dm_ct_memcmp(a, b, 8), 0);
	b[7] = 0xfe;
	ck_assert_int_ne(dm_ct_memcmp(a, b, 8), 0);
	b[7] = 0xff;
	b[0] = '0';
	ck_assert_int_ne(dm_ct_memcmp(a, b, 8), 0);
	dm_wipe(a, sizeof a);
	for (size_t i = 0; i < sizeof a; i++)
		ck_assert_uint_eq(a[i], 0);
}
END_TEST

START_TEST(strerror_names_every_error)
{
	for (int e = DM_OK; e >= DM_E_CORRUPT; e--)
		ck_assert_str_ne(dm_strerror(e), "unknown error");
	ck_assert_str_eq(dm_strerror(-999), "unknown error");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("common");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, wbuf_bounds);
	tcase_add_test(tc, wbuf_u32);
	tcase_add_test(tc, ct_memcmp_and_wipe);
	tcase_add_test(tc, strerror_names_every_error);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
