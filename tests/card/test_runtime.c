/*
 * test_runtime.c - the card runtime through dm_card_transmit with raw APDUs:
 * ATR, central status words, SELECT by AID (full, partial, occurrences),
 * SELECT MF, response length rules under T=1, GET RESPONSE, transactions and
 * the commit rule, power events, persistence across reopen, medium failure.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apdu.h"
#include "atr.h"
#include "fcp.h"
#include "mf.h"
#include "rt_harness.h"
#include "store.h"
#include "sw.h"

/* ---------------------------------------------------------------- ATR -- */

/* Walk an ATR (ISO 7816-3 §8.2): count interface bytes from the Y nibbles,
 * collect the offered protocols, and check the length and TCK. */
static void atr_walk(const uint8_t *a, size_t len, unsigned *protocols, bool *t15)
{
	ck_assert_uint_ge(len, 2);
	ck_assert_uint_eq(a[0], 0x3B);
	size_t k = a[1] & 0x0F;
	uint8_t y = a[1] >> 4;
	size_t i = 2;
	*protocols = 0;
	*t15 = false;
	for (;;) {
		for (unsigned bit = 0; bit < 3; bit++)
			if (y & (1u << bit))
				i++;
		if (!(y & 0x8))
			break;
		ck_assert_uint_lt(i, len);
		uint8_t td = a[i++];
		if ((td & 0x0F) == 15)
			*t15 = true;
		else
			*protocols |= 1u << (td & 0x0F);
		y = td >> 4;
	}
	/* TCK present unless only T=0 (§8.2.5). */
	bool tck = *t15 || (*protocols & ~1u) != 0;
	ck_assert_uint_eq(i + k + (tck ? 1 : 0), len);
	uint8_t x = 0;
	for (size_t j = 1; j < len; j++)
		x ^= a[j];
	ck_assert_uint_eq(x, 0);
}

START_TEST(atr_t1_known_answer)
{
	uint8_t want[32];
	size_t n = rt_hex("3B9A9681B1FE451FC78031E073FE21DF8290006F", want, sizeof want);
	dm_bytes atr = dm_card_atr(rt_card);
	ck_assert_uint_eq(atr.len, n);
	ck_assert_mem_eq(atr.ptr, want, n);
	unsigned protocols;
	bool t15;
	atr_walk(atr.ptr, atr.len, &protocols, &t15);
	ck_assert_uint_eq(protocols, 1u << 1);
	ck_assert(t15);
}
END_TEST

START_TEST(atr_t0_known_answer)
{
	uint8_t buf[DM_ATR_MAX], want[32];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(dm_atr_build(DM_CARD_T0, &w), DM_OK);
	size_t n = rt_hex("3B9A96801FC78031E073FE21DF82900064", want, sizeof want);
	ck_assert_uint_eq(w.len, n);
	ck_assert_mem_eq(buf, want, n);
	unsigned protocols;
	bool t15;
	atr_walk(buf, w.len, &protocols, &t15);
	ck_assert_uint_eq(protocols, 1u << 0);
	ck_assert(t15);
}
END_TEST

START_TEST(atr_build_errors)
{
	uint8_t buf[DM_ATR_MAX];
	dm_wbuf w = dm_wbuf_init(buf, 10);
	ck_assert_int_eq(dm_atr_build(DM_CARD_T1, &w), DM_E_OVERFLOW);
	ck_assert_uint_eq(w.len, 0);
	w = dm_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(dm_atr_build((dm_card_protocol)7, &w), DM_E_ARG);
	ck_assert_int_eq(dm_atr_build(DM_CARD_T1, NULL), DM_E_ARG);
}
END_TEST

/* ------------------------------------------------- central statuses -- */

START_TEST(malformed_apdus_6700)
{
	static const char *bad[] = {
		"",                   /* nothing */
		"00",                 /* 1 byte */
		"00A404",             /* 3 bytes */
		"00A4040005F044",     /* Lc 5, 2 data bytes */
		"8001000002AABBCC00", /* bytes after Le */
		"80010000000000AA",   /* extended Lc 0000 */
		"800100000001AA00",   /* extended Lc, 1-byte Le */
		"0001000000AA",       /* short Lc 00 */
	};
	for (size_t i = 0; i < DM_ARRAY_LEN(bad); i++) {
		ck_assert_msg(rt_x(bad[i]) == DM_SW_WRONG_LENGTH, "%s -> %04X", bad[i], rt_sw);
		ck_assert_uint_eq(rt_resp_len, 0);
		ck_assert_int_eq(rt_rc, DM_OK);
	}
}
END_TEST

START_TEST(bad_class_6e00)
{
	ck_assert_uint_eq(rt_x("FFA4000C023F00"), DM_SW_CLA_UNSUPPORTED);
	ck_assert_uint_eq(rt_x("20A4000C023F00"), DM_SW_CLA_UNSUPPORTED);
	ck_assert_uint_eq(rt_x("3F01000000"), DM_SW_CLA_UNSUPPORTED);
	/* The MF knows no proprietary SELECT. */
	ck_assert_uint_eq(rt_x("80A4000C023F00"), DM_SW_CLA_UNSUPPORTED);
}
END_TEST

START_TEST(unknown_ins_6d00)
{
	/* MF selected after power-on */
	ck_assert_uint_eq(rt_x("00FE000000"), DM_SW_INS_UNSUPPORTED);
	ck_assert_uint_eq(rt_x("80CA00FF00"), DM_SW_INS_UNSUPPORTED);
	rt_expect("00A404000A" RT_ECHO1 "00", "6F0C840A" RT_ECHO1 "9000");
	ck_assert_uint_eq(rt_x("80FE0000"), DM_SW_INS_UNSUPPORTED);
	ck_assert_uint_eq(rt_x("00FE0000"), DM_SW_INS_UNSUPPORTED);
}
END_TEST

START_TEST(transmit_arguments)
{
	uint8_t apdu[] = { 0x00, 0xA4, 0x00, 0x0C };
	uint8_t out[4];
	dm_wbuf w = dm_wbuf_init(out, 1);
	ck_assert_int_eq(dm_card_transmit(rt_card, apdu, sizeof apdu, &w), DM_E_ARG);
	w = dm_wbuf_init(out, sizeof out);
	ck_assert_int_eq(dm_card_transmit(NULL, apdu, sizeof apdu, &w), DM_E_ARG);
	ck_assert_int_eq(dm_card_transmit(rt_card, NULL, 4, &w), DM_E_ARG);
	ck_assert_int_eq(dm_card_transmit(rt_card, apdu, sizeof apdu, NULL), DM_E_ARG);
	ck_assert_uint_eq(w.len, 0);
	/* A response larger than out: what fits, 61xx for the rest. */
	ck_assert_int_eq(dm_card_transmit(rt_card, (const uint8_t *)"\x00\xA4\x00\x04\x02\x3F\x00\x00",
					  8, &w), DM_OK);
	ck_assert_uint_eq(w.len, 4);
	ck_assert_uint_eq(out[2], 0x61);
	ck_assert_uint_eq(rt_x("00C0000000") & 0xFF00, 0x9000);
}
END_TEST

/* ------------------------------------------------------------ SELECT -- */

START_TEST(select_mf)
{
	ck_assert_uint_eq(rt_x("00A4000C023F00"), DM_SW_OK);
	ck_assert_uint_eq(rt_resp_len, 0);
	ck_assert_uint_eq(rt_x("00A40004023F0000"), DM_SW_OK);
	dm_fcp f;
	ck_assert_int_eq(dm_fcp_parse(rt_resp, rt_resp_len, &f), DM_OK);
	ck_assert_int_eq(dm_fcp_check(&f), DM_OK);
	ck_assert(dm_fcp_is_df(&f));
	ck_assert_uint_eq(f.fid, 0x3F00);
	/* no data = MF too (ISO 7816-4 §11.1.1) */
	ck_assert_uint_eq(rt_x("00A4000C"), DM_SW_OK);
	/* unknown files, other P1 */
	ck_assert_uint_eq(rt_x("00A4000C022F00"), DM_SW_FILE_NOT_FOUND);
	ck_assert_uint_eq(rt_x("00A4080C022F00"), DM_SW_FILE_NOT_FOUND);
	ck_assert_uint_eq(rt_x("00A4000C013F"), DM_SW_WRONG_LENGTH);
	ck_assert_uint_eq(rt_x("00A40008023F00"), DM_SW_WRONG_P1P2);
	/* back to the MF from an application */
	rt_expect("00A404000A" RT_ECHO1 "00", "6F0C840A" RT_ECHO1 "9000");
	ck_assert_uint_eq(rt_x("80300000"), DM_SW_OK); /* echo answers */
	ck_assert_uint_eq(rt_x("00A4000C023F00"), DM_SW_OK);
	ck_assert_uint_eq(rt_x("80300000"), DM_SW_INS_UNSUPPORTED); /* MF now */
}
END_TEST

START_TEST(select_full_aid)
{
	rt_expect("00A404000A" RT_ECHO1 "00", "6F0C840A" RT_ECHO1 "9000");
	rt_expect("00A404000A" RT_ECHO2 "00", "6F0C840A" RT_ECHO2 "9000");
	/* P2 0C: no data; no Le (case 3, T=1): the FCI is not sent */
	rt_expect("00A4040C0A" RT_SINGLE, "9000");
	rt_expect("00A404000A" RT_ECHO1, "9000");
	/* an AID that only starts like a registered one does not match */
	ck_assert_uint_eq(rt_x("00A404000BF0444D53434543484F0100"), DM_SW_FILE_NOT_FOUND);
}
END_TEST

START_TEST(select_unknown_aid_keeps_selection)
{
	rt_expect("00A404000A" RT_ECHO2 "00", "6F0C840A" RT_ECHO2 "9000");
	/* OpenSC's probes (reader-stack.md): never 9000 */
	ck_assert_uint_eq(rt_x("00A4040007627601FF000000"), DM_SW_FILE_NOT_FOUND);
	ck_assert_uint_eq(rt_x("00A4040006A00000000101"), DM_SW_FILE_NOT_FOUND);
	ck_assert_uint_eq(rt_resp_len, 0);
	/* still ECHO2 */
	ck_assert_uint_eq(rt_x("8010000000"), DM_SW_OK);
	ck_assert_uint_eq(rt_x("80A4040C0A" RT_ECHO2), DM_SW_INS_UNSUPPORTED);
	rt_expect("00A404000A" RT_ECHO1 "00", "6F0C840A" RT_ECHO1 "9000");
	rt_expect("8011000004", "000000009000");
	rt_expect("00A404000A" RT_ECHO2 "00", "6F0C840A" RT_ECHO2 "9000");
	rt_expect("8011000004", "000000019000");
}
END_TEST

START_TEST(select_partial_and_occurrences)
{
	/* "F0444D5343" matches ECHO1, ECHO2, SINGLE in registry order. */
	rt_expect("00A4040005F0444D5343" "00", "6F0C840A" RT_ECHO1 "9000");
	rt_expect("00A4040205F0444D5343" "00", "6F0C840A" RT_ECHO2 "9000");
	rt_expect("00A4040205F0444D5343" "00", "6F0C840A" RT_SINGLE "9000");
	ck_assert_uint_eq(rt_x("00A4040205F0444D5343"), DM_SW_FILE_NOT_FOUND);
	/* previous from SINGLE */
	rt_expect("00A4040305F0444D5343" "00", "6F0C840A" RT_ECHO2 "9000");
	rt_expect("00A4040305F0444D5343" "00", "6F0C840A" RT_ECHO1 "9000");
	ck_assert_uint_eq(rt_x("00A4040305F0444D5343"), DM_SW_FILE_NOT_FOUND);
	/* last */
	rt_expect("00A4040105F0444D5343" "00", "6F0C840A" RT_SINGLE "9000");
	/* first again, and a longer partial name picks among the echoes */
	rt_expect("00A4040009F0444D53434543484F" "00", "6F0C840A" RT_ECHO1 "9000");
	rt_expect("00A4040209F0444D53434543484F" "00", "6F0C840A" RT_ECHO2 "9000");
	ck_assert_uint_eq(rt_x("00A4040209F0444D53434543484F"), DM_SW_FILE_NOT_FOUND);
	/* next when the current application does not match: the first one */
	ck_assert_uint_eq(rt_x("00A4000C"), DM_SW_OK);
	rt_expect("00A4040209F0444D53434543484F" "00", "6F0C840A" RT_ECHO1 "9000");
}
END_TEST

START_TEST(select_by_name_errors)
{
	ck_assert_uint_eq(rt_x("00A4041005F0444D5343"), DM_SW_WRONG_P1P2);
	ck_assert_uint_eq(rt_x("00A4048005F0444D5343"), DM_SW_WRONG_P1P2);
	/* 17 bytes: longer than any AID */
	ck_assert_uint_eq(rt_x("00A4040011F0444D53434543484F0101020304050607"), DM_SW_WRONG_LENGTH);
	/* no name: the default application */
	rt_expect("00A404000A" RT_ECHO1 "00", "6F0C840A" RT_ECHO1 "9000");
	ck_assert_uint_eq(rt_x("00A4040C"), DM_SW_OK);
	ck_assert_uint_eq(rt_x("80300000"), DM_SW_INS_UNSUPPORTED); /* MF */
	ck_assert_uint_eq(rt_x("00A4040200"), DM_SW_FILE_NOT_FOUND);
}
END_TEST

/* ------------------------------------------- response length (T=1) -- */

START_TEST(t1_le_and_get_response)
{
	rt_x("00A404000A" RT_ECHO1);
	/* 600 bytes, Le 00: 256, then 61xx (ISO 7816-4 §5.3.4) */
	ck_assert_uint_eq(rt_x("8002025800"), 0x6100);
	ck_assert_uint_eq(rt_resp_len, 256);
	for (size_t i = 0; i < 256; i++)
		ck_assert_uint_eq(rt_resp[i], (uint8_t)i);
	ck_assert_uint_eq(rt_x("00C0000000"), 0x6158); /* 88 left */
	ck_assert_uint_eq(rt_resp_len, 256);
	ck_assert_uint_eq(rt_resp[0], 0x00);
	/* fewer than announced is fine */
	ck_assert_uint_eq(rt_x("00C0000008"), 0x6150);
	ck_assert_uint_eq(rt_resp_len, 8);
	ck_assert_uint_eq(rt_resp[0], (uint8_t)512);
	ck_assert_uint_eq(rt_x("00C0000050"), DM_SW_OK);
	ck_assert_uint_eq(rt_resp_len, 0x50);
	ck_assert_uint_eq(rt_resp[0x4F], (uint8_t)599);
	ck_assert_uint_eq(rt_x("00C0000000"), DM_SW_CONDITIONS);
	/* Le smaller than the data */
	ck_assert_uint_eq(rt_x("8002001004"), 0x610C);
	rt_expect("00C000000C", "0405060708090A0B0C0D0E0F9000");
	/* Le larger than the data: all of it */
	rt_expect("8002000300", "0001029000");
	/* no Le: no data (case 3) */
	rt_expect("8001000002AABB", "9000");
	rt_expect("8001000002AABB00", "AABB9000");
}
END_TEST

START_TEST(get_response_errors_keep_data)
{
	rt_x("00A404000A" RT_ECHO1);
	ck_assert_uint_eq(rt_x("8002001004"), 0x610C);
	ck_assert_uint_eq(rt_x("00C0010000"), DM_SW_WRONG_P1P2);
	ck_assert_uint_eq(rt_x("00C0000001AA00"), DM_SW_WRONG_LENGTH);
	ck_assert_uint_eq(rt_x("00C00000"), 0x6C0C);
	rt_expect("00C000000C", "0405060708090A0B0C0D0E0F9000");
	/* any other command on the channel drops the pending data */
	ck_assert_uint_eq(rt_x("8002001004"), 0x610C);
	ck_assert_uint_eq(rt_x("8011000004"), DM_SW_OK);
	ck_assert_uint_eq(rt_x("00C000000C"), DM_SW_CONDITIONS);
	/* and power events do too */
	ck_assert_uint_eq(rt_x("8002001004"), 0x610C);
	dm_card_power(rt_card, DM_POWER_RESET);
	ck_assert_uint_eq(rt_x("00C000000C"), DM_SW_CONDITIONS);
}
END_TEST

START_TEST(extended_length)
{
	static uint8_t apdu[DM_CAPDU_MAX];
	rt_x("00A404000A" RT_ECHO1);
	/* ECHO of 1000 bytes, extended Lc and Le */
	size_t n = 1000;
	apdu[0] = 0x80; apdu[1] = 0x01; apdu[2] = 0; apdu[3] = 0;
	apdu[4] = 0; apdu[5] = (uint8_t)(n >> 8); apdu[6] = (uint8_t)n;
	for (size_t i = 0; i < n; i++)
		apdu[7 + i] = (uint8_t)(i * 7);
	apdu[7 + n] = 0; apdu[8 + n] = 0;
	ck_assert_uint_eq(rt_send(apdu, 9 + n), DM_SW_OK);
	ck_assert_uint_eq(rt_resp_len, n);
	ck_assert_mem_eq(rt_resp, apdu + 7, n);
	/* the largest response: 65535 bytes with extended Le 0000 (65536) */
	ck_assert_uint_eq(rt_x("8002FFFF000000"), DM_SW_OK);
	ck_assert_uint_eq(rt_resp_len, 65535);
	ck_assert_uint_eq(rt_resp[65534], (uint8_t)65534);
	/* extended Le smaller than the data: 61xx as for short */
	ck_assert_uint_eq(rt_x("8002100000 0300"), 0x6100);
	ck_assert_uint_eq(rt_resp_len, 0x300);
	/* the largest command: 65535 data bytes */
	n = 65535;
	apdu[5] = 0xFF; apdu[6] = 0xFF;
	apdu[7 + n] = 0; apdu[8 + n] = 0;
	ck_assert_uint_eq(rt_send(apdu, 9 + n), DM_SW_OK);
	ck_assert_uint_eq(rt_resp_len, n);
}
END_TEST

START_TEST(error_status_drops_data)
{
	rt_x("00A404000A" RT_ECHO1);
	rt_expect("80036A8003AABBCC00", "6A80");
	/* warnings keep data (ISO 7816-4 §5.6) */
	rt_expect("8003628203AABBCC00", "AABBCC6282");
	rt_expect("800363C103AABBCC00", "AABBCC63C1");
	rt_expect("8003910503AABBCC00", "AABBCC9105");
}
END_TEST

START_TEST(applet_status_words_checked)
{
	rt_x("00A404000A" RT_ECHO1);
	/* 61xx and 6Cxx are the runtime's; SW1 outside 6X/9X is no status */
	rt_expect("8003610503AABBCC00", "6F00");
	rt_expect("80036C0303AABBCC00", "6F00");
	rt_expect("8003123403AABBCC00", "6F00");
	rt_expect("8003600003AABBCC00", "6F00");
	rt_expect("8003A00003AABBCC00", "6F00");
	/* and what the command wrote is aborted */
	rt_expect("80126C0100", "6F00");
	rt_expect("8011000004", "000000009000");
}
END_TEST

/* ---------------------------------------------------- transactions -- */

START_TEST(commit_rule)
{
	rt_x("00A404000A" RT_ECHO1);
	rt_expect("8010000004", "000000019000");
	/* error: the increment is aborted */
	rt_expect("80126A8000", "6A80");
	rt_expect("8011000004", "000000019000");
	rt_expect("8012698500", "6985");
	rt_expect("8011000004", "000000019000");
	/* warnings commit (a wrong PIN's 63Cx must keep the counter) */
	rt_expect("801263C200", "63C2");
	rt_expect("8011000004", "000000029000");
	rt_expect("8012628200", "6282");
	rt_expect("8011000004", "000000039000");
	/* commit now: the first increment survives the error, the second not */
	rt_expect("80136A8000", "6A80");
	rt_expect("8011000004", "000000049000");
	rt_expect("8013900000", "9000");
	rt_expect("8011000004", "000000069000");
	/* all of that is persistent */
	rt_reopen(DM_CARD_T1, 0);
	rt_x("00A404000A" RT_ECHO1);
	rt_expect("8011000004", "000000069000");
}
END_TEST

START_TEST(persistent_region_bounds)
{
	rt_x("00A404000A" RT_ECHO1);
	rt_expect("8014000003010203", "9000");
	rt_expect("8015000003", "0102039000");
	/* the echo data area is 1024 bytes: the runtime refuses writes that
	 * leave the instance's region (DM_E_VALUE, echo answers 6B00) */
	rt_expect("801403FE03010203", "6B00");
	rt_expect("801403FD03AABBCC", "9000");
	rt_expect("801503FD04", "AABBCC6282");
	rt_expect("8014040101AA", "6B00");
	/* the refused write changed nothing */
	rt_expect("801503FC04", "00AABBCC9000");
}
END_TEST

START_TEST(instances_are_separate)
{
	rt_x("00A404000A" RT_ECHO1);
	rt_expect("8010000004", "000000019000");
	rt_expect("8010000004", "000000029000");
	rt_x("00A404000A" RT_ECHO2);
	rt_expect("8011000004", "000000009000");
	rt_x("00A404000A" RT_SINGLE);
	rt_expect("8010000004", "000000019000");
}
END_TEST

START_TEST(power_events)
{
	static const dm_power_event events[] = { DM_POWER_RESET, DM_POWER_OFF };
	rt_x("00A404000A" RT_ECHO1);
	rt_expect("8010000004", "000000019000");
	ck_assert_uint_eq(rt_x("802000000177"), DM_SW_OK);
	ck_assert_uint_eq(rt_x("802001000188"), DM_SW_OK);
	rt_expect("8021000001", "779000");
	rt_expect("8021010001", "889000");
	rt_expect("0070000001", "019000");
	for (size_t i = 0; i < DM_ARRAY_LEN(events); i++) {
		dm_card_power(rt_card, events[i]);
		if (events[i] == DM_POWER_OFF)
			dm_card_power(rt_card, DM_POWER_ON);
		/* channel 1 closed, MF selected on the basic channel */
		ck_assert_uint_eq(rt_x("01A4000C023F00"), DM_SW_LCHAN_UNSUPPORTED);
		ck_assert_uint_eq(rt_x("80300000"), DM_SW_INS_UNSUPPORTED);
		rt_x("00A404000A" RT_ECHO1);
		/* transient memory cleared, persistent kept */
		rt_expect("8021000001", "009000");
		rt_expect("8021010001", "009000");
		rt_expect("8011000004", "000000019000");
		ck_assert_uint_eq(rt_x("802000000177"), DM_SW_OK);
		ck_assert_uint_eq(rt_x("802001000188"), DM_SW_OK);
		rt_expect("0070000001", "019000");
	}
}
END_TEST

START_TEST(transmit_while_off_powers_on)
{
	rt_x("00A404000A" RT_ECHO1);
	dm_card_power(rt_card, DM_POWER_OFF);
	ck_assert_uint_eq(rt_x("80300000"), DM_SW_INS_UNSUPPORTED); /* MF again */
	ck_assert_int_eq(rt_rc, DM_OK);
}
END_TEST

START_TEST(medium_failure_kills_card)
{
	rt_x("00A404000A" RT_ECHO1);
	rt_expect("8010000004", "000000019000");
	/* The medium takes one more write, then "loses power" (store.h):
	 * a clean open and reads write nothing. */
	rt_reopen(DM_CARD_T1, 1);
	rt_x("00A404000A" RT_ECHO1);
	rt_expect("8011000004", "000000019000");
	ck_assert_int_eq(rt_rc, DM_OK);
	ck_assert_uint_eq(rt_x("8010000004"), DM_SW_MEMORY_PROBLEM);
	ck_assert_int_eq(rt_rc, DM_E_IO);
	ck_assert_uint_eq(rt_resp_len, 0);
	/* dead from now on, whatever the command */
	ck_assert_uint_eq(rt_x("8011000004"), DM_SW_MEMORY_PROBLEM);
	ck_assert_int_eq(rt_rc, DM_E_IO);
	ck_assert_uint_eq(rt_x("00A4000C023F00"), DM_SW_MEMORY_PROBLEM);
	ck_assert_int_eq(rt_rc, DM_E_IO);
	dm_card_power(rt_card, DM_POWER_RESET);
	ck_assert_uint_eq(rt_x("8011000004"), DM_SW_MEMORY_PROBLEM);
	/* Reopened after the cut: the counter is the old value or the new
	 * one, whole (the store's guarantee), never anything else. */
	rt_reopen(DM_CARD_T1, 0);
	rt_x("00A404000A" RT_ECHO1);
	ck_assert_uint_eq(rt_x("8011000004"), DM_SW_OK);
	ck_assert_uint_eq(rt_resp_len, 4);
	uint32_t v = dm_get_u32be(rt_resp);
	ck_assert_msg(v == 1 || v == 2, "counter %u", v);
}
END_TEST

/* ---------------------------------------------------- card opening -- */

static const dm_applet bad_applet = { .name = "no process" };

START_TEST(registry_validation)
{
	dm_card *c = NULL;
	dm_card_config cfg = { .image_path = "/nonexistent/never-created", .protocol = DM_CARD_T1 };
	dm_applet_reg r[3];

	memcpy(r, dm_echo_registry, 2 * sizeof r[0]);
	r[1].aid_len = 4;
	ck_assert_int_eq(dm_card_open_registry(&cfg, r, 2, &c), DM_E_ARG);
	r[1].aid_len = 17;
	ck_assert_int_eq(dm_card_open_registry(&cfg, r, 2, &c), DM_E_ARG);
	r[1].aid_len = 0; /* two default applications */
	ck_assert_int_eq(dm_card_open_registry(&cfg, r, 2, &c), DM_E_ARG);
	memcpy(r, dm_echo_registry, 2 * sizeof r[0]);
	r[2] = r[1]; /* duplicate AID */
	ck_assert_int_eq(dm_card_open_registry(&cfg, r, 3, &c), DM_E_ARG);
	r[2].applet = &bad_applet;
	r[2].aid[9] = 0x77;
	ck_assert_int_eq(dm_card_open_registry(&cfg, r, 3, &c), DM_E_ARG);
	ck_assert_int_eq(dm_card_open_registry(&cfg, r, 0, &c), DM_E_ARG);
	ck_assert_int_eq(dm_card_open_registry(&cfg, NULL, 1, &c), DM_E_ARG);
	cfg.protocol = (dm_card_protocol)5;
	ck_assert_int_eq(dm_card_open_registry(&cfg, dm_echo_registry, dm_echo_registry_len, &c),
			 DM_E_ARG);
	ck_assert_int_eq(dm_card_open(NULL, &c), DM_E_ARG);
	ck_assert_ptr_null(c);
	dm_card_close(&c);
	dm_card_close(NULL);
}
END_TEST

START_TEST(default_profile_card)
{
	dm_card *c = NULL;
	char path[256];
	snprintf(path, sizeof path, "%s.default", rt_image_path());
	dm_card_config cfg = { .image_path = path, .protocol = DM_CARD_T1,
			       .store_flags = DM_STORE_RELAXED };
	ck_assert_int_eq(dm_card_open(&cfg, &c), DM_OK);
	uint8_t out[300];
	dm_wbuf w = dm_wbuf_init(out, sizeof out);
	ck_assert_int_eq(dm_card_transmit(c, (const uint8_t *)"\x00\xA4\x00\x0C\x02\x3F\x00", 7, &w),
			 DM_OK);
	ck_assert_uint_eq(w.len, 2);
	ck_assert_uint_eq(dm_get_u16be(out), DM_SW_OK);
	dm_card_close(&c);
	/* reopening finds the installation */
	ck_assert_int_eq(dm_card_open(&cfg, &c), DM_OK);
	dm_card_close(&c);
	remove(path);
}
END_TEST

START_TEST(image_garbage_is_corrupt)
{
	/* A store image whose runtime header is neither ours nor empty. */
	char path[256];
	snprintf(path, sizeof path, "%s.junk", rt_image_path());
	ck_assert_int_eq(dm_store_create(path, 64 * 1024, NULL), DM_OK);
	dm_store *s;
	ck_assert_int_eq(dm_store_open(path, NULL, &s), DM_OK);
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	ck_assert_int_eq(dm_store_write(s, 0, "JUNK", 4), DM_OK);
	ck_assert_int_eq(dm_store_commit(s), DM_OK);
	dm_store_close(&s);
	dm_card *c = NULL;
	dm_card_config cfg = { .image_path = path, .protocol = DM_CARD_T1 };
	ck_assert_int_eq(dm_card_open_registry(&cfg, dm_echo_registry, dm_echo_registry_len, &c),
			 DM_E_CORRUPT);
	ck_assert_ptr_null(c);
	remove(path);
}
END_TEST

START_TEST(new_instance_installed_on_open)
{
	rt_x("00A404000A" RT_ECHO1);
	rt_expect("8010000004", "000000019000");
	dm_card_close(&rt_card);
	/* A newer card build with one more instance. */
	dm_applet_reg r[5];
	memcpy(r, dm_echo_registry, 4 * sizeof r[0]);
	r[4] = r[1];
	r[4].aid[9] = 0x09;
	dm_card_config cfg = { .image_path = rt_image_path(), .protocol = DM_CARD_T1,
			       .store_flags = DM_STORE_RELAXED };
	ck_assert_int_eq(dm_card_open_registry(&cfg, r, 5, &rt_card), DM_OK);
	rt_expect("00A404000AF0444D53434543484F09" "00", "6F0C840AF0444D53434543484F099000");
	rt_expect("8011000004", "000000009000");
	rt_x("00A404000A" RT_ECHO1);
	rt_expect("8011000004", "000000019000");
	dm_card_close(&rt_card);
	/* and the old build still opens the image */
	ck_assert_int_eq(dm_card_open_registry(&cfg, dm_echo_registry, dm_echo_registry_len,
					       &rt_card), DM_OK);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("runtime");
	TCase *tc = tcase_create("atr");
	tcase_add_checked_fixture(tc, rt_setup_t1, rt_teardown);
	tcase_add_test(tc, atr_t1_known_answer);
	tcase_add_test(tc, atr_t0_known_answer);
	tcase_add_test(tc, atr_build_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("dispatch");
	tcase_add_checked_fixture(tc, rt_setup_t1, rt_teardown);
	tcase_add_test(tc, malformed_apdus_6700);
	tcase_add_test(tc, bad_class_6e00);
	tcase_add_test(tc, unknown_ins_6d00);
	tcase_add_test(tc, transmit_arguments);
	suite_add_tcase(s, tc);

	tc = tcase_create("select");
	tcase_add_checked_fixture(tc, rt_setup_t1, rt_teardown);
	tcase_add_test(tc, select_mf);
	tcase_add_test(tc, select_full_aid);
	tcase_add_test(tc, select_unknown_aid_keeps_selection);
	tcase_add_test(tc, select_partial_and_occurrences);
	tcase_add_test(tc, select_by_name_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("response");
	tcase_add_checked_fixture(tc, rt_setup_t1, rt_teardown);
	tcase_add_test(tc, t1_le_and_get_response);
	tcase_add_test(tc, get_response_errors_keep_data);
	tcase_add_test(tc, extended_length);
	tcase_add_test(tc, error_status_drops_data);
	tcase_add_test(tc, applet_status_words_checked);
	suite_add_tcase(s, tc);

	tc = tcase_create("state");
	tcase_add_checked_fixture(tc, rt_setup_t1, rt_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, commit_rule);
	tcase_add_test(tc, persistent_region_bounds);
	tcase_add_test(tc, instances_are_separate);
	tcase_add_test(tc, power_events);
	tcase_add_test(tc, transmit_while_off_powers_on);
	tcase_add_test(tc, medium_failure_kills_card);
	tcase_add_test(tc, registry_validation);
	tcase_add_test(tc, default_profile_card);
	tcase_add_test(tc, image_garbage_is_corrupt);
	tcase_add_test(tc, new_instance_installed_on_open);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
