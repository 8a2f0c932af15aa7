/*
 * test_fs_admin.c - the administrative commands (TS 102 222 §6): CREATE
 * FILE, DELETE FILE, RESIZE FILE, TERMINATE EF/DF, and DEACTIVATE /
 * ACTIVATE FILE (TS 102 221 §11.1.14-15): results, every error status
 * word, access rules, memory accounting (the card's free memory, A5/83),
 * filling the card to capacity, and many files.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"
#include "fs_harness.h"
#include "hex.h"
#include "sw.h"

/* An EF description for CREATE FILE: ARR 2F06 record rec, no SFI. */
static dm_fcp ef_fcp(uint16_t fid, uint8_t fdb, uint32_t size, uint8_t rec_len, uint8_t count,
		     uint8_t rec)
{
	dm_fcp f = {
		.fdb = fdb,
		.has_fid = true,
		.fid = fid,
		.has_lcsi = true,
		.lcsi = DM_FCP_LCSI_ACTIVATED,
		.sec = DM_FCP_SEC_REFERENCED,
		.arr_fid = 0x2F06,
		.arr_record = rec,
		.record_len = rec_len,
		.record_count = count,
		.has_size = rec_len == 0,
		.size = size,
		.sfi_mode = DM_FCP_SFI_NONE,
	};
	return f;
}

static dm_fcp df_fcp(uint16_t fid, const char *aid)
{
	static uint8_t name[16];
	dm_fcp f = {
		.fdb = 0x78,
		.has_fid = fid != 0,
		.fid = fid,
		.has_lcsi = true,
		.lcsi = DM_FCP_LCSI_ACTIVATED,
		.sec = DM_FCP_SEC_REFERENCED,
		.arr_fid = 0x2F06,
		.arr_record = 4,
		.has_pin_status = true,
		.pin_count = 1,
		.pins = { { .key_ref = 0x0A } },
	};
	if (aid != NULL) {
		dm_wbuf w = dm_wbuf_init(name, sizeof name);
		ck_assert_int_eq(dm_hex_decode(aid, &w), DM_OK);
		f.df_name = dm_bytes_of(name, w.len);
	}
	return f;
}

/* CREATE FILE with the FCP f; returns the status word. */
static uint16_t create(const dm_fcp *f)
{
	uint8_t fcp[256];
	char hex[2 * 256 + 16];
	dm_wbuf w = dm_wbuf_init(fcp, sizeof fcp);

	ck_assert_int_eq(dm_fcp_build(f, &w), DM_OK);
	int n = snprintf(hex, sizeof hex, "00E00000%02zX", w.len);
	ck_assert_int_eq(dm_hex_encode(fcp, w.len, hex + n, sizeof hex - (size_t)n), DM_OK);
	return rt_x(hex);
}

static void create_ok(const dm_fcp *f)
{
	ck_assert_uint_eq(create(f), 0x9000);
}

/* The FCP of a file by path from the MF (hex), and its total size (81). */
static uint32_t total_size_of(const char *path)
{
	char apdu[64];
	dm_fcp f;
	snprintf(apdu, sizeof apdu, "00A40804%02zX%s00", strlen(path) / 2, path);
	fs_fcp(apdu, &f);
	ck_assert(f.has_total_size);
	return f.total_size;
}

START_TEST(create_transparent)
{
	dm_fcp f = ef_fcp(0x1001, 0x41, 100, 0, 0, 1), g;

	ck_assert_uint_eq(create(&f), DM_SW_SECURITY_STATUS);
	fs_ok(FS_VERIFY_ADM1);
	uint32_t before = fs_free_mem();
	create_ok(&f);
	/* The new file is current, filled with FF (TS 102 222 §6.3). */
	ck_assert_uint_eq(rt_x("00B0000000"), 0x9000);
	ck_assert_uint_eq(rt_resp_len, 100);
	for (size_t i = 0; i < 100; i++)
		ck_assert_uint_eq(rt_resp[i], 0xFF);
	fs_fcp("00A4000402 1001 00", &g);
	ck_assert_uint_eq(g.size, 100);
	ck_assert_uint_eq(g.lcsi, DM_FCP_LCSI_ACTIVATED);
	ck_assert_uint_eq(g.arr_record, 1);
	ck_assert_int_eq(g.sfi_mode, DM_FCP_SFI_NONE);
	/* The memory it took is exactly its total size (81). */
	uint32_t total = total_size_of("1001");
	ck_assert_uint_eq(before - fs_free_mem(), total);
	/* It persists. */
	rt_reopen(DM_CARD_T1, 0);
	fs_fcp("00A4000402 1001 00", &g);
	ck_assert_uint_eq(g.size, 100);
}
END_TEST

/* Hand-written CREATE FILE FCPs with A5 objects (TS 102 222 table 5). */
#define CREATE_LINEAR_FILL "00E000001D621B8205422100040383021002A504C102ABCD8A01058B032F06018800"
#define CREATE_REPEAT "00E000001F621D8202412183021003A505C2030102038A01058B032F0601800200078800"
#define CREATE_RW_DEACTIVATED "00E000001D621B8202412183021004A503C001408A01058B032F0601800200048800"
#define CREATE_TWO_PATTERNS "00E0000020621E8202412183021005A506C10100C201018A01058B032F0601800200048800"
#define CREATE_NO_SECURITY "00E0000013621182024121830210068A0105800200048800"
#define CREATE_BER_TLV "00E000001C621A82027921830210078A01058B032F060180020004810200108800"
#define CREATE_NO_SIZE "00E0000014621282024121830210088A01058B032F06018800"
#define CREATE_CYCLIC "00E0000017621582054621000404830210098A01058B032F06018800"

START_TEST(create_with_patterns)
{
	fs_ok(FS_VERIFY_ADM1);
	/* Linear fixed 3 x 4, filling pattern AB CD: AB, then CD to the end
	 * of each record. */
	fs_ok(CREATE_LINEAR_FILL);
	rt_expect("00B2010400", "ABCDCDCD 9000");
	rt_expect("00B2030400", "ABCDCDCD 9000");
	/* Transparent 7 bytes, repeat pattern 01 02 03. */
	fs_ok("00A4000C02 3F00");
	fs_ok(CREATE_REPEAT);
	rt_expect("00B0000000", "01020301020301 9000");
	/* Both patterns at once: refused. */
	fs_ok("00A4000C02 3F00");
	fs_sw(CREATE_TWO_PATTERNS, DM_SW_WRONG_DATA);
}
END_TEST

START_TEST(create_df_and_adf)
{
	dm_fcp f;

	fs_ok(FS_VERIFY_ADM1);
	dm_fcp df = df_fcp(0x5F00, NULL);
	create_ok(&df);
	/* The new DF is current: an EF created now goes inside it, and its
	 * rule is found in EF_ARR of the MF (searched upwards). */
	fs_fcp("80F2000000", &f);
	ck_assert_uint_eq(f.fid, 0x5F00);
	ck_assert_uint_eq(f.pin_count, 1);
	ck_assert_uint_eq(f.pins[0].key_ref, 0x0A);
	dm_fcp ef = ef_fcp(0x4F01, 0x41, 8, 0, 0, 1);
	create_ok(&ef);
	fs_ok("00D6000001 42");
	fs_ok("00A4000C02 3F00");
	fs_ok("00A4080C04 5F004F01");
	rt_expect("00B0000001", "42 9000");
	/* A named DF under the MF is an ADF: a new application.  It is not
	 * in the registry, so SELECT by AID does not know it (the runtime's
	 * applications); by FID it works and becomes the application. */
	fs_ok("00A4000C02 3F00");
	dm_fcp adf = df_fcp(0x7F70, "A0000000871002FF");
	create_ok(&adf);
	rt_expect("80F2000100", "8408A0000000871002FF 9000");
	fs_ok("00A4000C02 3F00");
	fs_sw("00A4040C08 A0000000871002FF", DM_SW_FILE_NOT_FOUND);
	fs_ok("00A4000C02 7F70");
	rt_expect("80F2000100", "8408A0000000871002FF 9000");
	/* Same name again: 6A8A; same FID: 6A89. */
	fs_ok("00A4000C02 3F00");
	dm_fcp again = df_fcp(0x7F71, "A0000000871002FF");
	ck_assert_uint_eq(create(&again), DM_SW_DF_NAME_EXISTS);
	again = df_fcp(0x7F70, "A0000000871002FE");
	ck_assert_uint_eq(create(&again), DM_SW_FILE_EXISTS);
	/* The tree survives reopening (index rebuilt from the store). */
	rt_reopen(DM_CARD_T1, 0);
	fs_ok("00A4080C04 5F004F01");
	rt_expect("00B0000001", "42 9000");
	fs_ok("00A4080C02 7F70");
	rt_expect("80F2000100", "8408A0000000871002FF 9000");
}
END_TEST

START_TEST(create_errors)
{
	fs_ok(FS_VERIFY_ADM1);
	dm_fcp f = ef_fcp(0x2F00, 0x41, 4, 0, 0, 1);
	ck_assert_uint_eq(create(&f), DM_SW_FILE_EXISTS);          /* FID taken */
	f = ef_fcp(0x7FFF, 0x41, 4, 0, 0, 1);
	ck_assert_uint_eq(create(&f), DM_SW_WRONG_DATA);           /* reserved */
	f = ef_fcp(0x3F00, 0x41, 4, 0, 0, 1);
	ck_assert_uint_eq(create(&f), DM_SW_WRONG_DATA);
	f = ef_fcp(0x1010, 0x41, 4, 0, 0, 1);
	f.sfi_mode = DM_FCP_SFI_VALUE;
	f.sfi = 0x02;                                             /* EF_ICCID's */
	ck_assert_uint_eq(create(&f), DM_SW_FILE_EXISTS);
	f.sfi_mode = DM_FCP_SFI_DEFAULT;                          /* 1002 -> SFI 02 */
	f.fid = 0x1002;
	ck_assert_uint_eq(create(&f), DM_SW_FILE_EXISTS);
	f = ef_fcp(0x1011, 0x41, DM_FS_MAX_EF_SIZE + 1, 0, 0, 1);
	ck_assert_uint_eq(create(&f), DM_SW_WRONG_DATA);
	fs_sw(CREATE_NO_SECURITY, DM_SW_WRONG_DATA);
	fs_sw(CREATE_BER_TLV, DM_SW_FUNC_UNSUPPORTED);
	fs_sw(CREATE_NO_SIZE, DM_SW_WRONG_DATA);
	fs_sw("00E0000004 6202 8200", DM_SW_WRONG_DATA);           /* 82 too short */
	fs_sw("00E0000003 620382", DM_SW_WRONG_DATA);              /* truncated */
	fs_sw("00E0000002 6F00", DM_SW_WRONG_DATA);                /* not an FCP */
	/* opensc-explorer's `create` (FCI 6F, no DF name 84): once read a NULL
	 * DF name (UBSan, found through PC/SC by tests/integration/fs.sh). */
	fs_sw("00E000000D 6F0B8102001082010183026F02", DM_SW_WRONG_DATA);
	fs_sw("00E00000", DM_SW_WRONG_LENGTH);
	fs_sw("00E0010002 6200", DM_SW_WRONG_P1P2);
	/* Nothing was created by any of these. */
	fs_sw("00A4000C02 1010", DM_SW_FILE_NOT_FOUND);
	fs_sw("00A4000C02 1002", DM_SW_FILE_NOT_FOUND);
	fs_sw("00A4000C02 1011", DM_SW_FILE_NOT_FOUND);
	fs_sw("00E0000000", DM_SW_WRONG_LENGTH);
	fs_sw("80E0000002 6200", DM_SW_CLA_UNSUPPORTED);
}
END_TEST

START_TEST(delete_gives_memory_back)
{
	fs_ok(FS_VERIFY_ADM1);
	uint32_t before = fs_free_mem();
	dm_fcp df = df_fcp(0x5F10, NULL);
	create_ok(&df);
	for (uint16_t i = 0; i < 5; i++) {
		dm_fcp ef = ef_fcp((uint16_t)(0x4F10 + i), 0x41, 100u * (i + 1), 0, 0, 1);
		create_ok(&ef);
		fs_ok("00A4030C00");
		fs_ok("00A4010C02 5F10");
	}
	ck_assert_uint_lt(fs_free_mem(), before);
	/* Delete one EF inside, then the whole DF. */
	fs_ok("00A4000C02 5F10");
	fs_ok("00E4000002 4F12");
	fs_sw("00A4000C02 4F12", DM_SW_FILE_NOT_FOUND);
	fs_ok("00A4000C02 4F13");
	fs_ok("00A4000C02 3F00");
	fs_ok("00E4000002 5F10");
	fs_sw("00A4000C02 5F10", DM_SW_FILE_NOT_FOUND);
	ck_assert_uint_eq(fs_free_mem(), before);
	rt_reopen(DM_CARD_T1, 0);
	ck_assert_uint_eq(fs_free_mem(), before);
	fs_sw("00A4080C04 5F104F10", DM_SW_FILE_NOT_FOUND);
}
END_TEST

START_TEST(delete_errors_and_channels)
{
	dm_fcp ef = ef_fcp(0x1020, 0x41, 4, 0, 0, 1);

	fs_sw("00E4000002 2FE2", DM_SW_SECURITY_STATUS);
	fs_ok(FS_VERIFY_ADM1);
	create_ok(&ef);
	fs_ok("00A4000C02 3F00");
	fs_sw("00E4000002 1234", DM_SW_FILE_NOT_FOUND);
	fs_sw("00E4000002 5031", DM_SW_FILE_NOT_FOUND); /* not a child */
	fs_sw("00E4000001 10", DM_SW_WRONG_LENGTH);
	fs_sw("00E4000000", DM_SW_WRONG_LENGTH);
	fs_sw("00E4010002 1020", DM_SW_WRONG_P1P2);
	/* Channel 1 has the file selected; it loses it with the file. */
	rt_expect("0070000001", "01 9000");
	fs_ok("01A4000C02 1020");
	fs_ok("01B0000001");
	fs_ok("00E4000002 1020");
	fs_sw("01B0000001", DM_SW_NO_EF_SELECTED);
	/* Deleting an ADF: its application cannot be selected any more. */
	fs_ok("00E4000002 7F50");
	fs_sw("00A4040C0C" FS_AID_PKCS15, DM_SW_FILE_NOT_FOUND);
	/* The refused application leaves nothing selected on the channel
	 * (docs/runtime.md §3) until SELECT MF. */
	fs_sw("00B0000001", DM_SW_INS_UNSUPPORTED);
	fs_ok("00A4000C02 3F00");
	fs_sw("00A4080C04 7F505031", DM_SW_FILE_NOT_FOUND);
	rt_expect("00B2010400", "6986");
}
END_TEST

START_TEST(resize_transparent)
{
	dm_fcp f, ef = ef_fcp(0x1001, 0x41, 100, 0, 0, 1);
	/* A file after it, so that growing must move the body. */
	dm_fcp next = ef_fcp(0x1030, 0x41, 10, 0, 0, 1);

	fs_ok(FS_VERIFY_ADM1);
	uint32_t initial = fs_free_mem();
	create_ok(&ef);
	fs_ok("00D6000004 01020304");
	fs_ok("00A4000C02 3F00");
	create_ok(&next);
	uint32_t before = fs_free_mem();
	fs_ok("00A4000C02 3F00");
	fs_ok("80D400000A6208830210018002012C");              /* 100 -> 300 */
	fs_fcp("00A4000402 1001 00", &f);
	ck_assert_uint_eq(f.size, 300);
	ck_assert_uint_eq(rt_x("00B0000000"), 0x9000);
	ck_assert_mem_eq(rt_resp, "\x01\x02\x03\x04\xFF", 5);
	ck_assert_uint_eq(rt_resp[255], 0xFF);
	/* At least the 200 bytes more (the body moved: its old place is a
	 * free block with its own header). */
	ck_assert_uint_ge(before - fs_free_mem(), 200);
	/* Shrink to 200 with a repeat pattern given (unused when shrinking),
	 * then grow again to 300 with no pattern: FF. */
	fs_ok("80D4000010620E83021001800200C8A504C202A1B2");
	fs_fcp("00A4000402 1001 00", &f);
	ck_assert_uint_eq(f.size, 200);
	fs_ok("80D400000A6208830210018002012C");
	ck_assert_uint_eq(rt_x("00B000C801"), 0x9000);
	ck_assert_uint_eq(rt_resp[0], 0xFF);
	rt_expect("00B0000005", "01020304FF 9000");
	/* To 0 bytes and back; then deleting both gives everything back. */
	fs_ok("80D400000A62088302100180020000");
	fs_sw("00B0000001", DM_SW_WRONG_P1P2_OFFSET);
	fs_ok("80D400000A6208830210018002012C");
	rt_expect("00B0000002", "FFFF 9000");
	fs_ok("00A4000C02 3F00");
	fs_ok("00E4000002 1001");
	fs_ok("00E4000002 1030");
	ck_assert_uint_eq(fs_free_mem(), initial);
	fs_ok("00A4000C02 3F00");
	create_ok(&ef);
	/* Errors. */
	fs_sw("00D400000A6208830210018002012C", DM_SW_CLA_UNSUPPORTED);
	fs_sw("80D401000A6208830210018002012C", DM_SW_WRONG_P1P2);
	fs_sw("80D400000A6208830299998002012C", DM_SW_FILE_NOT_FOUND);
	fs_sw("80D400000A62088302100180030FFFFF", DM_SW_WRONG_DATA);
	fs_sw("80D4000004 62028300", DM_SW_WRONG_DATA);
	fs_sw("80D40000", DM_SW_WRONG_LENGTH);
	fs_ok("00A4000C02 3F00");
	fs_sw("80D400000A620883027F508002012C", DM_SW_FUNC_UNSUPPORTED); /* a DF */
	dm_card_power(rt_card, DM_POWER_RESET);
	fs_sw("80D400000A6208830210018002012C", DM_SW_SECURITY_STATUS);
}
END_TEST

START_TEST(resize_records)
{
	fs_ok(FS_VERIFY_ADM1);
	fs_ok(CREATE_LINEAR_FILL);                           /* 1002: 3 x 4 */
	fs_ok("00DC010404 11111111");
	/* 3 x 4 -> 5 x 4: the new records get the filling pattern given. */
	fs_ok("80D400000F620D8302100280020014A503C10199");
	rt_expect("00B2010400", "11111111 9000");
	rt_expect("00B2030400", "ABCDCDCD 9000");
	rt_expect("00B2050400", "99999999 9000");
	dm_fcp f;
	fs_fcp("00A4000402 1002 00", &f);
	ck_assert_uint_eq(f.record_count, 5);
	ck_assert_uint_eq(f.size, 20);
	/* Not whole records, no record: refused. */
	fs_sw("80D400000A6208830210028002000A", DM_SW_WRONG_DATA);
	fs_sw("80D400000A62088302100280020000", DM_SW_WRONG_DATA);
	/* 5 -> 2 records: the first ones stay. */
	fs_ok("80D400000A62088302100280020008");
	rt_expect("00B2010400", "11111111 9000");
	fs_sw("00B2030400", DM_SW_RECORD_NOT_FOUND);
}
END_TEST

/* A cyclic EF keeps its logical order (record 1 the newest) through
 * resizing; shrinking drops the oldest records. */
START_TEST(resize_cyclic)
{
	fs_ok(FS_VERIFY_ADM1);
	fs_ok(CREATE_CYCLIC);                                /* 1009: 4 x 4 */
	for (unsigned b = 1; b <= 6; b++) {
		char apdu[32];
		snprintf(apdu, sizeof apdu, "00DC000304 %02X%02X%02X%02X", b, b, b, b);
		fs_ok(apdu);
	}
	rt_expect("00B2010400", "06060606 9000");
	rt_expect("00B2040400", "03030303 9000");
	fs_ok("80D400000A62088302100980020018");             /* 4 -> 6 */
	rt_expect("00B2010400", "06060606 9000");
	rt_expect("00B2040400", "03030303 9000");
	rt_expect("00B2050400", "FFFFFFFF 9000");
	fs_ok("00DC000304 07070707");                         /* replaces record 6 */
	rt_expect("00B2010400", "07070707 9000");
	rt_expect("00B2060400", "FFFFFFFF 9000");
	rt_expect("00B2050400", "03030303 9000");
	fs_ok("80D400000A62088302100980020008");             /* 6 -> 2 */
	rt_expect("00B2010400", "07070707 9000");
	rt_expect("00B2020400", "06060606 9000");
	fs_sw("00B2030400", DM_SW_RECORD_NOT_FOUND);
	rt_reopen(DM_CARD_T1, 0);
	fs_ok("00A4000C02 1009");
	rt_expect("00B2020400", "06060606 9000");
}
END_TEST

START_TEST(deactivate_activate)
{
	dm_fcp f;

	fs_ok("00A4000C02 2FE2");
	fs_sw("0004000000", DM_SW_SECURITY_STATUS);
	fs_ok(FS_VERIFY_ADM1);
	fs_ok("00040000");                                     /* the current EF */
	/* Selected with 6283 and the FCP (LCSI 04); unusable: 6984. */
	fs_fcp_sw("00A4000402 2FE2 00", 0x6283, &f);
	ck_assert_uint_eq(f.lcsi, DM_FCP_LCSI_DEACTIVATED);
	fs_sw("00B0000001", DM_SW_REF_DATA_INVALID);
	fs_sw("00D6000001 00", DM_SW_REF_DATA_INVALID);
	fs_sw("00B0820001", DM_SW_REF_DATA_INVALID);
	/* It stays so across a reset and a reopening. */
	rt_reopen(DM_CARD_T1, 0);
	fs_sw("00A4000C02 2FE2", 0x6283);
	fs_ok(FS_VERIFY_ADM1);
	/* ACTIVATE by FID from the MF. */
	fs_ok("00A4000C02 3F00");
	fs_ok("0044000002 2FE2");
	fs_sw("00A4000C02 2FE2", 0x9000);
	fs_ok("00B0000001");
	/* Deactivate by path from the MF; activate again twice (no-op). */
	fs_ok("0004080004 7F505031");
	fs_sw("00A4080C04 7F505031", 0x6283);
	fs_ok("00440000");
	fs_ok("00B0000001");
	/* Errors. */
	fs_sw("0004000100", DM_SW_WRONG_P1P2);
	fs_sw("0004010002 2FE2", DM_SW_WRONG_P1P2);
	fs_sw("0004000002 9999", DM_SW_FILE_NOT_FOUND);
	fs_sw("0004000001 2F", DM_SW_WRONG_LENGTH);
}
END_TEST

/* A5/C0 b7: READ and UPDATE stay possible when deactivated. */
START_TEST(rw_when_deactivated)
{
	fs_ok(FS_VERIFY_ADM1);
	fs_ok(CREATE_RW_DEACTIVATED);                          /* 1004 */
	fs_ok("00040000");
	fs_sw("00A4000C02 1004", 0x6283);
	fs_ok("00D6000002 0102");
	rt_expect("00B0000000", "0102FFFF 9000");
}
END_TEST

/* Deactivating an ADF ends its local verifications (security.h). */
START_TEST(deactivate_adf)
{
	fs_ok("00A4040C08" FS_AID_DMSC);
	fs_ok(FS_VERIFY_PIN81);
	fs_ok(FS_VERIFY_ADM1);
	fs_ok("00040000");                                      /* the ADF */
	fs_sw("00A4040C08" FS_AID_DMSC, 0x6283);
	fs_ok("00440000");
	fs_ok("00A4000C02 6424");
	fs_sw("00B2010400", DM_SW_SECURITY_STATUS);
	fs_ok(FS_VERIFY_PIN81);
	fs_ok("00B2010400");
}
END_TEST

START_TEST(terminate)
{
	dm_fcp f, ef = ef_fcp(0x1040, 0x41, 4, 0, 0, 1);

	fs_ok(FS_VERIFY_ADM1);
	create_ok(&ef);
	fs_ok("00E80000");                                     /* TERMINATE EF */
	fs_fcp_sw("00A4000402 1040 00", 0x6285, &f);
	ck_assert_uint_eq(f.lcsi, DM_FCP_LCSI_TERMINATED);
	fs_sw("00B0000001", DM_SW_CONDITIONS);
	fs_sw("00D6000001 00", DM_SW_CONDITIONS);
	fs_sw("00440000", DM_SW_CONDITIONS);                   /* for good */
	fs_sw("00040000", DM_SW_CONDITIONS);
	fs_ok("00E80000");                                     /* again: no-op */
	/* A terminated file can still be deleted. */
	fs_ok("00A4000C02 3F00");
	fs_ok("00E4000002 1040");
	/* TERMINATE DF on a new DF; not on the MF; E8 on a DF: 6981. */
	dm_fcp df = df_fcp(0x5F20, NULL);
	create_ok(&df);
	fs_sw("00E8000002 5F20", DM_SW_CMD_INCOMPATIBLE);
	fs_ok("00E60000");
	fs_sw("00A4000C02 5F20", 0x6285);
	fs_ok("00A4000C02 3F00");
	fs_sw("00E60000", DM_SW_CONDITIONS);
	fs_sw("00E80000", DM_SW_NO_EF_SELECTED);
}
END_TEST

/* OSR-1: fill the card with CREATE FILE until 6A84, delete everything,
 * and fill it again to the same total. */
START_TEST(fill_to_capacity)
{
	fs_ok(FS_VERIFY_ADM1);
	uint32_t initial = fs_free_mem();
	unsigned counts[2];
	for (int round = 0; round < 2; round++) {
		fs_ok("00A4000C02 3F00");
		unsigned n = 0;
		uint16_t sw;
		do {
			dm_fcp ef = ef_fcp((uint16_t)(0x1100 + n), 0x41, 4000, 0, 0, 1);
			fs_ok("00A4000C02 3F00");
			sw = create(&ef);
			n += sw == 0x9000;
		} while (sw == 0x9000 && n < 1000);
		ck_assert_uint_eq(sw, DM_SW_NOT_ENOUGH_MEMORY);
		counts[round] = n;
		uint32_t left = fs_free_mem();
		ck_assert_uint_lt(left, 4000 + 200);
		/* A smaller file still fits in what is left. */
		for (unsigned i = 0; i < n; i++) {
			char apdu[32];
			snprintf(apdu, sizeof apdu, "00E4000002%04X", 0x1100 + i);
			fs_ok(apdu);
		}
		ck_assert_uint_eq(fs_free_mem(), initial);
	}
	ck_assert_uint_gt(counts[0], 10);
	ck_assert_uint_eq(counts[0], counts[1]);
}
END_TEST

/* Many files in one DF: the index (hash of parent and FID, SFI) finds
 * each one, before and after a rebuild from the store. */
START_TEST(many_files)
{
	const unsigned n = 600;

	fs_ok(FS_VERIFY_ADM1);
	dm_fcp df = df_fcp(0x5F30, NULL);
	create_ok(&df);
	for (unsigned i = 0; i < n; i++) {
		dm_fcp ef = ef_fcp((uint16_t)(0x2000 + i), 0x41, 2, 0, 0, 1);
		create_ok(&ef);
		char apdu[32];
		snprintf(apdu, sizeof apdu, "00D6000002%04X", i);
		fs_ok(apdu);
		fs_ok("00A4030C00");
		fs_ok("00A4010C02 5F30");
	}
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < n; i += 7) {
			char apdu[32], want[16];
			snprintf(apdu, sizeof apdu, "00A4080C04 5F30%04X", 0x2000 + i);
			fs_ok(apdu);
			snprintf(want, sizeof want, "%04X9000", i);
			rt_expect("00B0000002", want);
		}
		rt_reopen(DM_CARD_T1, 0);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fs_admin");
	TCase *tc = tcase_create("admin");
	tcase_add_checked_fixture(tc, fs_setup, fs_teardown);
	tcase_add_test(tc, create_transparent);
	tcase_add_test(tc, create_with_patterns);
	tcase_add_test(tc, create_df_and_adf);
	tcase_add_test(tc, create_errors);
	tcase_add_test(tc, delete_gives_memory_back);
	tcase_add_test(tc, delete_errors_and_channels);
	tcase_add_test(tc, resize_transparent);
	tcase_add_test(tc, resize_records);
	tcase_add_test(tc, resize_cyclic);
	tcase_add_test(tc, deactivate_activate);
	tcase_add_test(tc, rw_when_deactivated);
	tcase_add_test(tc, deactivate_adf);
	tcase_add_test(tc, terminate);
	tcase_add_test(tc, fill_to_capacity);
	tcase_add_test(tc, many_files);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
