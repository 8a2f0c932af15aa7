/*
 * test_fs_select.c - SELECT in every mode (TS 102 221 §11.1.1, §8.4), the
 * FCPs it returns (§11.1.1.3), STATUS (§11.1.2), SELECT by AID of the ADF
 * applications, and the per-channel selection, on the default card.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fs_harness.h"
#include "sw.h"

/* After power-on the MF is the current DF (ISO 7816-4 §7.1.1). */
START_TEST(mf_current_after_power_on)
{
	dm_fcp f;

	fs_fcp("80F2000000", &f);
	ck_assert(dm_fcp_is_df(&f));
	ck_assert_uint_eq(f.fid, 0x3F00);
	ck_assert(f.has_uicc_chars);
	ck_assert_uint_eq(f.uicc_chars, 0x71);
	ck_assert_uint_eq(f.lcsi, DM_FCP_LCSI_ACTIVATED);
	ck_assert_int_eq(f.sec, DM_FCP_SEC_REFERENCED);
	ck_assert_uint_eq(f.arr_fid, 0x2F06);
	ck_assert_uint_eq(f.arr_record, 4);
	/* C6 lists PIN1 and ADM1, both enabled. */
	ck_assert(f.has_pin_status);
	ck_assert_uint_eq(f.pin_count, 2);
	ck_assert_uint_eq(f.pins[0].key_ref, 0x01);
	ck_assert(f.pins[0].enabled);
	ck_assert_uint_eq(f.pins[1].key_ref, 0x0A);
	ck_assert(f.has_free_mem);
	ck_assert_uint_gt(f.free_mem, 0);
	ck_assert_uint_eq(f.df_name.len, 0);
}
END_TEST

START_TEST(select_mf_every_way)
{
	dm_fcp f;

	fs_ok("00A4000C023F00");
	fs_ok("00A4000C00");                   /* P1 00, no data: the MF */
	fs_fcp("00A4000402 3F00 00", &f);
	ck_assert_uint_eq(f.fid, 0x3F00);
	fs_fcp("00A4000002 3F00 00", &f);      /* P2 00 (FCI): the FCP too */
	ck_assert_uint_eq(f.fid, 0x3F00);
	/* P2 0C: no data even when Le asks. */
	rt_expect("00A4000C023F0000", "9000");
	/* From inside an ADF, by FID and by a path from the MF naming it. */
	fs_ok("00A4040C0C" FS_AID_PKCS15);
	fs_fcp("00A4000402 3F00 00", &f);
	ck_assert_uint_eq(f.fid, 0x3F00);
}
END_TEST

/* P1 00 from the MF: its children. */
START_TEST(select_children_of_mf)
{
	dm_fcp f;

	fs_fcp("00A4000402 2F00 00", &f);
	ck_assert_uint_eq(f.fid, 0x2F00);
	ck_assert_int_eq(dm_fcp_structure_of(f.fdb), DM_FCP_STRUCT_LINEAR_FIXED);
	ck_assert_uint_eq(f.record_len, 32);
	ck_assert_uint_eq(f.record_count, 4);
	ck_assert_int_eq(f.sfi_mode, DM_FCP_SFI_VALUE);
	ck_assert_uint_eq(f.sfi, 0x1E);
	ck_assert_uint_eq(f.size, 128);
	ck_assert_uint_ge(f.total_size, f.size);
	/* From an EF, its siblings (children of the current DF). */
	fs_fcp("00A4000402 2FE2 00", &f);
	ck_assert_uint_eq(f.fid, 0x2FE2);
	ck_assert_int_eq(dm_fcp_structure_of(f.fdb), DM_FCP_STRUCT_TRANSPARENT);
	ck_assert_uint_eq(f.size, 10);
	fs_fcp("00A4000402 2F06 00", &f);
	ck_assert_uint_eq(f.record_count, 6); /* record 6: private MOs (docs/dmsc-app.md) */
	/* ADFs are children of the MF by FID too. */
	fs_fcp("00A4000402 7F60 00", &f);
	ck_assert_uint_eq(f.fid, 0x7F60);
	ck_assert_uint_eq(f.df_name.len, 8);
	ck_assert_mem_eq(f.df_name.ptr, "\xF0OMADMSC", 8);
	fs_sw("00A4000402 6420 00", 0x9000); /* now a child of the current DF */
	fs_sw("00A4000C02 1234", DM_SW_FILE_NOT_FOUND);
}
END_TEST

/* TS 102 221 §8.4.1: parent, current DF, sibling DFs; not the parent's EFs. */
START_TEST(select_parent_and_siblings)
{
	dm_fcp f;

	fs_ok("00A4000C02 7F50");
	fs_ok("00A4000C02 7F50");              /* the current DF itself */
	fs_ok("00A4000C02 7F60");              /* a sibling DF */
	fs_fcp("80F2000000", &f);
	ck_assert_uint_eq(f.fid, 0x7F60);
	fs_sw("00A4000C02 2F00", DM_SW_FILE_NOT_FOUND); /* an EF of the parent */
	fs_sw("00A4000C02 5031", DM_SW_FILE_NOT_FOUND); /* a child of the sibling */
	fs_ok("00A4000C02 3F00");              /* the parent (MF) */
	fs_fcp("80F2000000", &f);
	ck_assert_uint_eq(f.fid, 0x3F00);
}
END_TEST

START_TEST(select_child_df_and_parent)
{
	dm_fcp f;

	fs_ok("00A4010C02 7F50");
	fs_fcp("80F2000000", &f);
	ck_assert_uint_eq(f.fid, 0x7F50);
	fs_sw("00A4010C02 5031", DM_SW_FILE_NOT_FOUND); /* an EF is no child DF */
	fs_sw("00A4010C02 7F60", DM_SW_FILE_NOT_FOUND); /* a sibling is no child */
	fs_sw("00A4010C00", DM_SW_WRONG_LENGTH);
	fs_ok("00A4000C02 5031");
	/* P1 03: the parent of the current DF (the EF does not count). */
	fs_ok("00A4030C00");
	fs_fcp("80F2000000", &f);
	ck_assert_uint_eq(f.fid, 0x3F00);
	fs_sw("00A4030C00", DM_SW_FILE_NOT_FOUND);      /* the MF has none */
	fs_sw("00A4030C02 3F00", DM_SW_WRONG_LENGTH);
	fs_ok("00A4000C02 7F50");
	fs_fcp("00A4030400", &f);                       /* with the FCP */
	ck_assert_uint_eq(f.fid, 0x3F00);
}
END_TEST

START_TEST(select_by_path)
{
	dm_fcp f;

	fs_fcp("00A4080404 7F506432 00", &f);
	ck_assert_uint_eq(f.fid, 0x6432);
	/* The DM_BOOT FCP of the dmsc reference, plus 81 (total size). */
	ck_assert_uint_eq(f.fdb, 0x41);
	ck_assert_uint_eq(f.size, 0x0800);
	ck_assert_int_eq(f.sfi_mode, DM_FCP_SFI_NONE);
	ck_assert_uint_eq(f.arr_fid, 0x2F06);
	ck_assert_uint_eq(f.arr_record, 1);
	ck_assert(f.has_total_size);
	ck_assert_uint_gt(f.total_size, f.size);
	ck_assert_mem_eq(rt_resp, "\x62\x1A\x82\x02\x41\x21\x83\x02\x64\x32\x8A\x01\x05"
				  "\x8B\x03\x2F\x06\x01\x80\x02\x08\x00\x81\x02", 24);
	ck_assert_mem_eq(rt_resp + 26, "\x88\x00", 2);
	/* The same from the MF, with 3F00 named (tolerated). */
	fs_fcp("00A4080406 3F007F506432 00", &f);
	ck_assert_uint_eq(f.fid, 0x6432);
	/* Path from the current DF. */
	fs_ok("00A4000C02 3F00");
	fs_fcp("00A4090404 7F606423 00", &f);
	ck_assert_uint_eq(f.fid, 0x6423);
	fs_ok("00A4000C02 7F50");
	fs_fcp("00A4090402 5032 00", &f);
	ck_assert_uint_eq(f.fid, 0x5032);
	/* A path through an EF, to nothing, odd or empty. */
	fs_sw("00A4080C04 2F005031", DM_SW_FILE_NOT_FOUND);
	fs_sw("00A4080C04 7F509999", DM_SW_FILE_NOT_FOUND);
	fs_sw("00A4080C03 7F5050", DM_SW_WRONG_LENGTH);
	fs_sw("00A4080C00", DM_SW_WRONG_LENGTH);
	fs_sw("00A4090C04 7F606420", DM_SW_FILE_NOT_FOUND); /* from 7F50 */
}
END_TEST

/* 7FFF names the current application's ADF (TS 102 221 §8.4.1). */
START_TEST(current_adf_7fff)
{
	dm_fcp f;

	fs_sw("00A4000C02 7FFF", DM_SW_FILE_NOT_FOUND); /* no application yet */
	fs_sw("80F2000100", DM_SW_WRONG_P1P2);
	fs_fcp("00A404040C" FS_AID_PKCS15 "00", &f);
	ck_assert_uint_eq(f.fid, 0x7F50);
	ck_assert_uint_eq(f.df_name.len, 12);
	rt_expect("80F2000100", "840CA000000063504B43532D3135 9000");
	/* SELECT MF keeps the application: 7FFF still names it. */
	fs_ok("00A4000C02 3F00");
	fs_fcp("00A4000402 7FFF 00", &f);
	ck_assert_uint_eq(f.fid, 0x7F50);
	fs_fcp("00A4080404 7FFF5031 00", &f);
	ck_assert_uint_eq(f.fid, 0x5031);
	/* Entering ADF DMSC by FID makes it the application. */
	fs_ok("00A4080C02 7F60");
	rt_expect("80F2000100", "8408F04F4D41444D5343 9000");
	fs_ok("00A4080C04 7FFF6424");
}
END_TEST

START_TEST(select_by_aid)
{
	dm_fcp f;

	/* The registry's applications; partial AIDs are the runtime's. */
	fs_fcp("00A4040408" FS_AID_DMSC "00", &f);
	ck_assert_uint_eq(f.fid, 0x7F60);
	ck_assert_uint_eq(f.pin_count, 3);
	ck_assert_uint_eq(f.pins[1].key_ref, 0x81);
	rt_expect("00A4040C08" FS_AID_DMSC, "9000");
	fs_fcp("00A4040006" "A00000006350" "00", &f); /* P2 00: FCP, partial AID */
	ck_assert_uint_eq(f.fid, 0x7F50);
	fs_sw("00A4040C05 A000000001", DM_SW_FILE_NOT_FOUND);
	/* Occurrences (P2 b2-b1, the runtime's): last, then next of it. */
	fs_fcp("00A4040501 F0 00", &f);                  /* FCP, last "F0..." */
	ck_assert_uint_eq(f.fid, 0x7F60);
	fs_sw("00A4040E01 F0", DM_SW_FILE_NOT_FOUND);     /* next: none */
	fs_fcp("00A4040401 A0 00", &f);                  /* first "A0..." */
	ck_assert_uint_eq(f.fid, 0x7F50);
	/* After SELECT by AID, files of the ADF by FID and SFI. */
	fs_ok("00A4040C08" FS_AID_DMSC);
	fs_ok("00A4000C02 6420");
	rt_expect("00B0810003", "800101 9000"); /* SFI 01: EF_INFO */
}
END_TEST

START_TEST(select_errors)
{
	fs_sw("00A4000502 3F00", DM_SW_WRONG_P1P2);  /* P2 */
	fs_sw("00A4001C02 3F00", DM_SW_WRONG_P1P2);
	fs_sw("00A4020C02 3F00", DM_SW_WRONG_P1P2);  /* P1 02 (ISO: EF under DF) */
	fs_sw("00A4050C02 3F00", DM_SW_WRONG_P1P2);
	fs_sw("00A4000C01 3F", DM_SW_WRONG_LENGTH);
	fs_sw("00A4000C03 3F0000", DM_SW_WRONG_LENGTH);
	fs_sw("80A4000C02 3F00", DM_SW_CLA_UNSUPPORTED);
	fs_sw("00F2000000", DM_SW_CLA_UNSUPPORTED);  /* STATUS is 80 */
	fs_sw("00EE000000", DM_SW_INS_UNSUPPORTED);
	fs_sw("0CA4000C02 3F00", DM_SW_SM_UNSUPPORTED);
	/* A failed SELECT leaves the selection as it was. */
	fs_ok("00A4080C04 7F606420");
	fs_sw("00A4000C02 6499", DM_SW_FILE_NOT_FOUND);
	rt_expect("00B0000003", "800101 9000");
}
END_TEST

START_TEST(status_modes)
{
	dm_fcp f;

	fs_ok("00A4080C04 7F505031");
	/* STATUS answers for the current DF, not the EF. */
	fs_fcp("80F2000000", &f);
	ck_assert_uint_eq(f.fid, 0x7F50);
	fs_fcp("80F2010000", &f);
	fs_fcp("80F2020000", &f);
	rt_expect("80F2000C00", "9000");
	fs_sw("80F2030000", DM_SW_WRONG_P1P2);
	fs_sw("80F2000200", DM_SW_WRONG_P1P2);
	fs_sw("80F2000001 00", DM_SW_WRONG_LENGTH);
	/* The EF stays selected. */
	fs_sw("00B0000001", 0x9000);
}
END_TEST

/* Each logical channel has its own selection (TS 102 221 §8.4.1). */
START_TEST(channels_have_own_selection)
{
	dm_fcp f;

	fs_ok("00A4080C04 7F506432");
	rt_expect("0070000001", "01 9000");
	/* The new channel starts at the MF. */
	fs_fcp("81F2000000", &f);
	ck_assert_uint_eq(f.fid, 0x3F00);
	fs_sw("01B0000001", DM_SW_NO_EF_SELECTED);
	fs_ok("01A4000C02 2FE2");
	rt_expect("01B0000002", "9899 9000");
	/* Channel 0 still has EF_DMBOOT in ADF PKCS15. */
	fs_fcp("80F2000000", &f);
	ck_assert_uint_eq(f.fid, 0x7F50);
	rt_expect("00B0000002", "3C3F 9000"); /* "<?" of the bootstrap TNDS */
	fs_ok("0070800100");
	/* Reopened: at the MF again. */
	rt_expect("0070000001", "01 9000");
	fs_fcp("81F2000000", &f);
	ck_assert_uint_eq(f.fid, 0x3F00);
}
END_TEST

/* Power-on and reset: back at the MF, no application. */
START_TEST(reset_clears_selection)
{
	dm_fcp f;

	fs_ok("00A4040C08" FS_AID_DMSC);
	fs_ok("00A4000C02 6420");
	dm_card_power(rt_card, DM_POWER_RESET);
	fs_fcp("80F2000000", &f);
	ck_assert_uint_eq(f.fid, 0x3F00);
	fs_sw("00B0000001", DM_SW_NO_EF_SELECTED);
	fs_sw("00A4000C02 7FFF", DM_SW_FILE_NOT_FOUND);
	/* And after closing and reopening the card. */
	fs_ok("00A4080C04 7F606420");
	rt_reopen(DM_CARD_T1, 0);
	fs_fcp("80F2000000", &f);
	ck_assert_uint_eq(f.fid, 0x3F00);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fs_select");
	TCase *tc = tcase_create("select");
	tcase_add_checked_fixture(tc, fs_setup, fs_teardown);
	tcase_add_test(tc, mf_current_after_power_on);
	tcase_add_test(tc, select_mf_every_way);
	tcase_add_test(tc, select_children_of_mf);
	tcase_add_test(tc, select_parent_and_siblings);
	tcase_add_test(tc, select_child_df_and_parent);
	tcase_add_test(tc, select_by_path);
	tcase_add_test(tc, current_adf_7fff);
	tcase_add_test(tc, select_by_aid);
	tcase_add_test(tc, select_errors);
	tcase_add_test(tc, status_modes);
	tcase_add_test(tc, channels_have_own_selection);
	tcase_add_test(tc, reset_clears_selection);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
