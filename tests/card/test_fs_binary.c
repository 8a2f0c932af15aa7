/*
 * test_fs_binary.c - READ BINARY and UPDATE BINARY (TS 102 221 §11.1.3,
 * §11.1.4; ISO 7816-4 §11.2.3): offsets, SFI addressing, the end of the
 * file (6B00, 6282, Le = 00), every error status word, access rules, large
 * files with extended APDUs, persistence.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fs_harness.h"
#include "sw.h"

#define ICCID "98990901000000000031"

START_TEST(read_whole_and_parts)
{
	fs_ok("00A4000C02 2FE2");
	rt_expect("00B000000A", ICCID "9000");
	rt_expect("00B0000000", ICCID "9000");       /* Le 00: up to 256 */
	rt_expect("00B0000004", "98990901 9000");
	rt_expect("00B0000604", "00000031 9000");
	rt_expect("00B0000900", "31 9000");
	/* Le past the end: the bytes up to the end and 6282. */
	rt_expect("00B000000C", ICCID "6282");
	rt_expect("00B0000805", "0031 6282");
	/* Offset at or past the end: 6B00. */
	fs_sw("00B0000A01", DM_SW_WRONG_P1P2_OFFSET);
	fs_sw("00B07FFF01", DM_SW_WRONG_P1P2_OFFSET);
	/* Extended Le 0000: everything, 9000. */
	rt_expect("00B00000000000", ICCID "9000");
}
END_TEST

START_TEST(read_by_sfi)
{
	/* SFI 02 of the MF is EF_ICCID, and it becomes the current EF. */
	rt_expect("00B0820000", ICCID "9000");
	rt_expect("00B0000002", "9899 9000");
	rt_expect("00B0820802", "0031 9000");        /* P2 is the offset */
	fs_sw("00B0820A01", DM_SW_WRONG_P1P2_OFFSET);
	fs_sw("00B0910000", DM_SW_FILE_NOT_FOUND);   /* no EF with SFI 11 */
	fs_sw("00B0A20000", DM_SW_WRONG_P1P2);       /* b6 set */
	fs_sw("00B0C20000", DM_SW_WRONG_P1P2);       /* b7 set */
	fs_sw("00B0800000", DM_SW_WRONG_P1P2);       /* SFI 0 */
	fs_sw("00B09F0000", DM_SW_WRONG_P1P2);       /* SFI 31 */
	/* SFI 1E is EF_DIR, a record file. */
	fs_sw("00B09E0000", DM_SW_CMD_INCOMPATIBLE);
	/* In ADF DMSC, SFI 01 is EF_INFO. */
	fs_ok("00A4040C08" FS_AID_DMSC);
	rt_expect("00B0810003", "800101 9000");
}
END_TEST

START_TEST(read_errors)
{
	fs_sw("00B0000001", DM_SW_NO_EF_SELECTED);     /* the MF only */
	fs_ok("00A4000C02 7F50");
	fs_sw("00B0000001", DM_SW_NO_EF_SELECTED);     /* a DF */
	fs_ok("00A4000C02 3F00");
	fs_ok("00A4000C02 2F00");
	fs_sw("00B0000001", DM_SW_CMD_INCOMPATIBLE);   /* linear fixed */
	fs_sw("00D6000001 00", DM_SW_CMD_INCOMPATIBLE);
	fs_ok("00A4000C02 2FE2");
	fs_sw("00B00000", DM_SW_WRONG_LENGTH);         /* no Le */
	fs_sw("00B0000001 00 01", DM_SW_WRONG_LENGTH); /* data */
	fs_sw("04B0000001", DM_SW_SM_UNSUPPORTED);
	fs_sw("80B0000001", DM_SW_CLA_UNSUPPORTED);
}
END_TEST

START_TEST(update_needs_adm)
{
	fs_ok("00A4000C02 2FE2");
	fs_sw("00D6000002 1234", DM_SW_SECURITY_STATUS);
	/* PIN1 is not ADM1. */
	fs_ok(FS_VERIFY_PIN1);
	fs_sw("00D6000002 1234", DM_SW_SECURITY_STATUS);
	fs_ok(FS_VERIFY_ADM1);
	fs_ok("00D6000002 1234");
	rt_expect("00B0000004", "12340901 9000");
	/* A reset forgets ADM1; the content stays, also across reopening. */
	dm_card_power(rt_card, DM_POWER_RESET);
	fs_ok("00A4000C02 2FE2");
	fs_sw("00D6000002 5678", DM_SW_SECURITY_STATUS);
	rt_reopen(DM_CARD_T1, 0);
	fs_ok("00A4000C02 2FE2");
	rt_expect("00B000000A", "12340901000000000031 9000");
}
END_TEST

START_TEST(update_bounds)
{
	fs_ok(FS_VERIFY_ADM1);
	fs_ok("00A4000C02 2FE2");
	fs_ok("00D6000802 ABCD");
	rt_expect("00B000000A", "9899090100000000ABCD 9000");
	/* Data past the end, offset past the end, no data: nothing changes. */
	fs_sw("00D6000803 010203", DM_SW_WRONG_LENGTH);
	fs_sw("00D6000A01 00", DM_SW_WRONG_P1P2_OFFSET);
	fs_sw("00D6100001 00", DM_SW_WRONG_P1P2_OFFSET);
	fs_sw("00D60000", DM_SW_WRONG_LENGTH);
	rt_expect("00B000000A", "9899090100000000ABCD 9000");
	/* By SFI (02), from another current EF. */
	fs_ok("00A4000C02 2F00");
	fs_ok("00D6820001 77");
	rt_expect("00B0000001", "77 9000"); /* EF_ICCID is current again */
	fs_sw("00D6A20001 77", DM_SW_WRONG_P1P2);
}
END_TEST

/* EF_DEVCHG: READ and UPDATE always (EF_ARR record 5). */
START_TEST(update_always)
{
	fs_ok("00A4080C04 7F606421");
	fs_ok("00D6000003 010203");
	rt_expect("00B0000004", "010203FF 9000");
}
END_TEST

/* GEN-12: large EFs through extended APDUs, one transaction each. */
START_TEST(large_file_extended)
{
	fs_ok(FS_VERIFY_ADM1);
	fs_ok("00A4080C04 7F606423");              /* EF_POLICY, 2048 bytes */
	fs_ok(fs_apdu_fill("00D60000", 2048, 0x5A, ""));
	ck_assert_uint_eq(rt_x("00B00000000000"), 0x9000);
	ck_assert_uint_eq(rt_resp_len, 2048);
	for (size_t i = 0; i < 2048; i++)
		ck_assert_uint_eq(rt_resp[i], 0x5A);
	ck_assert_uint_eq(rt_x("00B0000000"), 0x9000);    /* short Le 00 */
	ck_assert_uint_eq(rt_resp_len, 256);
	ck_assert_uint_eq(rt_x("00B0070000"), 0x9000);    /* exactly the last 256 */
	ck_assert_uint_eq(rt_resp_len, 256);
	ck_assert_uint_eq(rt_x("00B0078000"), 0x9000);    /* Le 00: what is left */
	ck_assert_uint_eq(rt_resp_len, 128);
	ck_assert_uint_eq(rt_x("00B00780FF"), DM_SW_EOF_BEFORE_LE);
	ck_assert_uint_eq(rt_resp_len, 128);
	/* One byte too many: refused as a whole. */
	fs_sw(fs_apdu_fill("00D60000", 2049, 0x11, ""), DM_SW_WRONG_LENGTH);
	fs_ok(fs_apdu_fill("00D60400", 1024, 0x22, ""));
	ck_assert_uint_eq(rt_x("00B003FF02"), 0x9000);
	ck_assert_mem_eq(rt_resp, "\x5A\x22", 2);
	rt_reopen(DM_CARD_T1, 0);
	fs_ok("00A4080C04 7F606423");
	ck_assert_uint_eq(rt_x("00B00000000000"), 0x9000);
	ck_assert_uint_eq(rt_resp_len, 2048);
	ck_assert_uint_eq(rt_resp[1023], 0x5A);
	ck_assert_uint_eq(rt_resp[1024], 0x22);
	ck_assert_uint_eq(rt_resp[2047], 0x22);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fs_binary");
	TCase *tc = tcase_create("binary");
	tcase_add_checked_fixture(tc, fs_setup, fs_teardown);
	tcase_add_test(tc, read_whole_and_parts);
	tcase_add_test(tc, read_by_sfi);
	tcase_add_test(tc, read_errors);
	tcase_add_test(tc, update_needs_adm);
	tcase_add_test(tc, update_bounds);
	tcase_add_test(tc, update_always);
	tcase_add_test(tc, large_file_extended);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
