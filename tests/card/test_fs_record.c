/*
 * test_fs_record.c - READ RECORD, UPDATE RECORD and SEARCH RECORD
 * (TS 102 221 §11.1.5-§11.1.7) on linear fixed and cyclic EFs: modes,
 * the record pointer, cyclic order, SFI addressing, every error status
 * word, persistence.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_harness.h"
#include "pkcs15.h"
#include "sw.h"

/* A 32-byte record of one repeated byte, as hex. */
static const char *rec32(uint8_t b)
{
	static char hex[2 * 32 + 1];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02X", b);
	return hex;
}

static void update_rec(const char *hdr, uint8_t b, uint16_t sw)
{
	char apdu[128];
	snprintf(apdu, sizeof apdu, "%s20%s", hdr, rec32(b));
	fs_sw(apdu, sw);
}

/* The first byte of the record a READ RECORD returns. */
static uint8_t first_byte(const char *apdu)
{
	ck_assert_uint_eq(rt_x(apdu), 0x9000);
	ck_assert_uint_eq(rt_resp_len, 32);
	return rt_resp[0];
}

/* EF_DIR: one record per application, read back with proto/pkcs15. */
START_TEST(ef_dir_records)
{
	dm_p15_app app;

	fs_ok("00A4000C02 2F00");
	ck_assert_uint_eq(rt_x("00B2010400"), 0x9000);
	ck_assert_uint_eq(rt_resp_len, 32);
	ck_assert_int_eq(dm_p15_dir_parse(rt_resp, rt_resp_len, &app), DM_OK);
	ck_assert_uint_eq(app.aid.len, 12);
	ck_assert_mem_eq(app.aid.ptr, "\xA0\x00\x00\x00\x63PKCS-15", 12);
	ck_assert_uint_eq(app.path.len, 4);
	ck_assert_mem_eq(app.path.ptr, "\x3F\x00\x7F\x50", 4);
	ck_assert_uint_eq(rt_x("00B2020420"), 0x9000);
	ck_assert_int_eq(dm_p15_dir_parse(rt_resp, rt_resp_len, &app), DM_OK);
	ck_assert_mem_eq(app.aid.ptr, "\xF0OMADMSC", 8);
	ck_assert_mem_eq(app.path.ptr, "\x3F\x00\x7F\x60", 4);
	/* Spare records are FF. */
	ck_assert_uint_eq(first_byte("00B2030400"), 0xFF);
	ck_assert_uint_eq(first_byte("00B2040400"), 0xFF);
}
END_TEST

START_TEST(read_record_errors)
{
	fs_ok("00A4000C02 2F00");
	fs_sw("00B2050400", DM_SW_RECORD_NOT_FOUND);
	fs_sw("00B2FF0400", DM_SW_RECORD_NOT_FOUND);
	fs_sw("00B2000400", DM_SW_RECORD_NOT_FOUND); /* no current record yet */
	fs_sw("00B2010500", DM_SW_WRONG_P1P2);       /* mode 101 */
	fs_sw("00B2010000", DM_SW_WRONG_P1P2);
	fs_sw("00B201FC00", DM_SW_WRONG_P1P2);       /* SFI 31 */
	fs_sw("00B20104", DM_SW_WRONG_LENGTH);       /* no Le */
	fs_sw("00B2010401 00 00", DM_SW_WRONG_LENGTH);
	/* Le larger than the record: the record and 6282. */
	ck_assert_uint_eq(rt_x("00B2010430"), DM_SW_EOF_BEFORE_LE);
	ck_assert_uint_eq(rt_resp_len, 32);
	fs_ok("00A4000C02 2FE2");
	fs_sw("00B2010400", DM_SW_CMD_INCOMPATIBLE); /* transparent */
	fs_ok("00A4000C02 3F00");
	fs_sw("00B2010400", DM_SW_NO_EF_SELECTED);
	fs_sw("80B2010400", DM_SW_CLA_UNSUPPORTED);
}
END_TEST

/* SFI in P2 b8-b4: EF_DIR is SFI 1E of the MF. */
START_TEST(read_record_by_sfi)
{
	ck_assert_uint_eq(rt_x("00B201F400"), 0x9000);
	ck_assert_uint_eq(rt_resp[0], 0x61);
	/* It became current: current-record mode works on it now. */
	ck_assert_uint_eq(rt_x("00B2010400"), 0x9000);
	fs_sw("00B2018C00", DM_SW_FILE_NOT_FOUND);   /* SFI 11: none */
	fs_sw("00B2011400", DM_SW_CMD_INCOMPATIBLE); /* SFI 02: EF_ICCID */
}
END_TEST

/* Linear fixed: next/previous move the pointer and stop at the ends. */
START_TEST(linear_pointer)
{
	fs_ok(FS_VERIFY_ADM1);
	fs_ok("00A4080C04 7F606422");           /* EF_TRIG: 4 x 32 */
	update_rec("00DC0104", 0x11, 0x9000);   /* absolute */
	update_rec("00DC0204", 0x22, 0x9000);
	update_rec("00DC0304", 0x33, 0x9000);
	update_rec("00DC0404", 0x44, 0x9000);
	fs_sw("00B2000400", DM_SW_RECORD_NOT_FOUND); /* absolute moved nothing */
	ck_assert_uint_eq(first_byte("00B2000200"), 0x11);  /* next: 1 */
	ck_assert_uint_eq(first_byte("00B2000200"), 0x22);
	ck_assert_uint_eq(first_byte("00B2000400"), 0x22);  /* current */
	ck_assert_uint_eq(first_byte("00B2030400"), 0x33);  /* absolute */
	ck_assert_uint_eq(first_byte("00B2000400"), 0x22);  /* pointer kept */
	ck_assert_uint_eq(first_byte("00B2000200"), 0x33);
	ck_assert_uint_eq(first_byte("00B2000200"), 0x44);
	fs_sw("00B2000200", DM_SW_RECORD_NOT_FOUND);        /* past the last */
	ck_assert_uint_eq(first_byte("00B2000400"), 0x44);  /* unchanged */
	ck_assert_uint_eq(first_byte("00B2000300"), 0x33);  /* previous */
	ck_assert_uint_eq(first_byte("00B2000300"), 0x22);
	ck_assert_uint_eq(first_byte("00B2000300"), 0x11);
	fs_sw("00B2000300", DM_SW_RECORD_NOT_FOUND);
	/* UPDATE next/previous/current move like READ. */
	update_rec("00DC0002", 0x55, 0x9000);                /* next: 2 */
	update_rec("00DC0004", 0x66, 0x9000);                /* current: 2 */
	ck_assert_uint_eq(first_byte("00B2020400"), 0x66);
	update_rec("00DC0003", 0x77, 0x9000);                /* previous: 1 */
	ck_assert_uint_eq(first_byte("00B2010400"), 0x77);
	update_rec("00DC0003", 0x00, DM_SW_RECORD_NOT_FOUND);
	/* A new selection forgets the pointer; previous from nothing is the
	 * last record. */
	fs_ok("00A4000C02 6422");
	ck_assert_uint_eq(first_byte("00B2000300"), 0x44);
}
END_TEST

START_TEST(update_record_errors)
{
	fs_ok("00A4080C04 7F606422");
	update_rec("00DC0104", 0x11, DM_SW_SECURITY_STATUS);
	fs_ok(FS_VERIFY_ADM1);
	fs_sw("00DC010410 00000000000000000000000000000000", DM_SW_WRONG_LENGTH);
	fs_sw("00DC0104", DM_SW_WRONG_LENGTH);
	update_rec("00DC0504", 0x11, DM_SW_RECORD_NOT_FOUND);
	update_rec("00DC0000", 0x11, DM_SW_WRONG_P1P2);
	update_rec("00DC0106", 0x11, DM_SW_WRONG_P1P2);
	update_rec("00DC0000", 0x11, DM_SW_WRONG_P1P2);
	update_rec("00DC0004", 0x11, DM_SW_RECORD_NOT_FOUND); /* no current */
	/* SFI 03 of ADF DMSC is EF_TRIG; from the ADF. */
	fs_ok("00A4000C02 7FFF");
	update_rec("00DC011C", 0x99, 0x9000);
	ck_assert_uint_eq(first_byte("00B2011C00"), 0x99);
	/* Nothing of a failed update is written. */
	ck_assert_uint_eq(first_byte("00B2020400"), 0xFF);
}
END_TEST

/* Cyclic EF_EVLOG (16 x 32, READ/UPDATE with local PIN 81). */
START_TEST(cyclic_order)
{
	fs_ok("00A4040C08" FS_AID_DMSC);
	fs_ok("00A4000C02 6424");
	update_rec("00DC0003", 0x01, DM_SW_SECURITY_STATUS);
	fs_sw("00B2010400", DM_SW_SECURITY_STATUS);
	fs_ok(FS_VERIFY_PIN81);
	update_rec("00DC0003", 0x01, 0x9000);
	update_rec("00DC0003", 0x02, 0x9000);
	update_rec("00DC0003", 0x03, 0x9000);
	/* Record 1 is the newest; the pointer is on it. */
	ck_assert_uint_eq(first_byte("00B2000400"), 0x03);
	ck_assert_uint_eq(first_byte("00B2010400"), 0x03);
	ck_assert_uint_eq(first_byte("00B2020400"), 0x02);
	ck_assert_uint_eq(first_byte("00B2030400"), 0x01);
	ck_assert_uint_eq(first_byte("00B2040400"), 0xFF);
	ck_assert_uint_eq(first_byte("00B2100400"), 0xFF);
	fs_sw("00B2110400", DM_SW_RECORD_NOT_FOUND);
	/* Only PREVIOUS updates a cyclic EF. */
	update_rec("00DC0104", 0x09, DM_SW_WRONG_P1P2);
	update_rec("00DC0002", 0x09, DM_SW_WRONG_P1P2);
	/* Fill the ring and go round: the oldest goes. */
	for (uint8_t b = 0x04; b <= 0x11; b++)
		update_rec("00DC0003", b, 0x9000);
	ck_assert_uint_eq(first_byte("00B2010400"), 0x11);
	ck_assert_uint_eq(first_byte("00B2100400"), 0x02); /* 0x01 was overwritten */
	/* next/previous wrap round. */
	fs_ok("00A4000C02 6424");
	ck_assert_uint_eq(first_byte("00B2000300"), 0x02); /* previous: the last */
	ck_assert_uint_eq(first_byte("00B2000200"), 0x11); /* next after 16: 1 */
	ck_assert_uint_eq(first_byte("00B2000300"), 0x02); /* previous of 1: 16 */
	/* The order survives reopening. */
	rt_reopen(DM_CARD_T1, 0);
	fs_ok("00A4040C08" FS_AID_DMSC);
	fs_ok(FS_VERIFY_PIN81);
	ck_assert_uint_eq(first_byte("00B2012C00"), 0x11); /* by SFI 05 */
	ck_assert_uint_eq(first_byte("00B2102C00"), 0x02);
	ck_assert_uint_eq(first_byte("00B2052C00"), 0x0D);
}
END_TEST

/* The local PIN 81 belongs to ADF DMSC: verified there, not valid in ADF
 * PKCS15 (security.h), valid again back in DMSC. */
START_TEST(local_pin_scope)
{
	fs_ok("00A4040C08" FS_AID_DMSC);
	fs_ok(FS_VERIFY_PIN81);
	fs_ok("00A4000C02 6424");
	fs_ok("00B2010400");
	fs_ok("00A4040C0C" FS_AID_PKCS15);
	/* EF_EVLOG by path from the MF: the application is DMSC again. */
	fs_ok("00A4080C04 7F606424");
	fs_ok("00B2010400");
}
END_TEST

START_TEST(search_record)
{
	fs_ok("00A4000C02 2F00");
	/* Forward from P1: "61" starts records 1 and 2. */
	rt_expect("00A2010401 61 00", "0102 9000");
	/* The pointer is on the first match. */
	ck_assert_uint_eq(rt_x("00B2000400"), 0x9000);
	ck_assert_uint_eq(rt_resp[1], 0x1C);
	rt_expect("00A2020401 61 00", "02 9000");
	rt_expect("00A2040501 61 00", "0201 9000");      /* backward from 4 */
	rt_expect("00A2010402 FFFF 00", "0304 9000");
	rt_expect("00A2010403 611A4F 00", "02 9000");
	/* From the next / previous record (pointer on 2 now). */
	rt_expect("00A2000201 FF 00", "0304 9000");      /* pointer -> 3 */
	rt_expect("00A2000301 61 00", "0201 9000");      /* from 2 down */
	/* Nothing found: 6282, pointer unchanged (on 2). */
	rt_expect("00A2010401 55 00", "6282");
	ck_assert_uint_eq(rt_x("00B2000400"), 0x9000);
	ck_assert_uint_eq(rt_resp[1], 0x1A);
	/* By SFI 1E from the MF. */
	fs_ok("00A4000C02 3F00");
	rt_expect("00A201F401 61 00", "0102 9000");
	/* Errors. */
	fs_sw("00A2050401 61 00", DM_SW_RECORD_NOT_FOUND);
	fs_sw("00A2010400", DM_SW_WRONG_LENGTH);
	fs_sw("00A2010421 " "00000000000000000000000000000000"
	      "0000000000000000000000000000000000 00", DM_SW_WRONG_LENGTH);
	fs_sw("00A2010602 0000 00", DM_SW_FUNC_UNSUPPORTED); /* enhanced */
	fs_sw("00A2010701 61 00", DM_SW_WRONG_P1P2);
	fs_ok("00A4000C02 2FE2");
	fs_sw("00A2010401 61 00", DM_SW_CMD_INCOMPATIBLE);
}
END_TEST

/* SEARCH on a cyclic EF uses logical record numbers. */
START_TEST(search_cyclic)
{
	fs_ok("00A4040C08" FS_AID_DMSC);
	fs_ok(FS_VERIFY_PIN81);
	fs_ok("00A4000C02 6424");
	update_rec("00DC0003", 0xA1, 0x9000);
	update_rec("00DC0003", 0xB2, 0x9000);
	update_rec("00DC0003", 0xA1, 0x9000);
	rt_expect("00A2010401 A1 00", "0103 9000");
	rt_expect("00A2010401 B2 00", "02 9000");
	fs_sw("00A2010400", DM_SW_WRONG_LENGTH);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fs_record");
	TCase *tc = tcase_create("record");
	tcase_add_checked_fixture(tc, fs_setup, fs_teardown);
	tcase_add_test(tc, ef_dir_records);
	tcase_add_test(tc, read_record_errors);
	tcase_add_test(tc, read_record_by_sfi);
	tcase_add_test(tc, linear_pointer);
	tcase_add_test(tc, update_record_errors);
	tcase_add_test(tc, cyclic_order);
	tcase_add_test(tc, local_pin_scope);
	tcase_add_test(tc, search_record);
	tcase_add_test(tc, search_cyclic);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
