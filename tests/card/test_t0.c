/*
 * test_t0.c - a card announcing T=0 (ISO 7816-3 §12.2): case 3/4 response
 * data only through GET RESPONSE (61xx), wrong Le in case 2 answered 6Cxx
 * and the reissued command answered, extended APDUs under the T=1 rules.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "apdu.h"
#include "applet.h"
#include "fcp.h"
#include "rt_harness.h"
#include "sw.h"

START_TEST(t0_atr)
{
	dm_bytes atr = dm_card_atr(rt_card);
	uint8_t want[32];
	size_t n = rt_hex("3B9A96801FC78031E073FE21DF82900064", want, sizeof want);
	ck_assert_uint_eq(atr.len, n);
	ck_assert_mem_eq(atr.ptr, want, n);
}
END_TEST

START_TEST(t0_case3_and_4_through_get_response)
{
	/* SELECT without Le: the FCI waits for GET RESPONSE */
	rt_expect("00A404000A" RT_ECHO1, "610E");
	rt_expect("00C000000E", "6F0C840A" RT_ECHO1 "9000");
	/* with Le (case 4): the same */
	rt_expect("00A404000A" RT_ECHO1 "00", "610E");
	rt_expect("00C000000E", "6F0C840A" RT_ECHO1 "9000");
	/* SELECT MF, P2 04 */
	ck_assert_uint_eq(rt_x("00A40004023F00") >> 8, 0x61);
	size_t fcp_len = rt_sw & 0xFF;
	char gr[16];
	snprintf(gr, sizeof gr, "00C00000%02zX", fcp_len);
	ck_assert_uint_eq(rt_x(gr), DM_SW_OK);
	ck_assert_uint_eq(rt_resp_len, fcp_len);
	dm_fcp f;
	ck_assert_int_eq(dm_fcp_parse(rt_resp, rt_resp_len, &f), DM_OK);
	/* no data: just the status word */
	rt_expect("00A4000C023F00", "9000");
	rt_expect("00A404000A" RT_ECHO1, "610E");
	rt_expect("8001000003AABBCC00", "6103");
	rt_expect("00C0000003", "AABBCC9000");
}
END_TEST

START_TEST(t0_get_response_le)
{
	rt_x("00A404000A" RT_ECHO1);
	rt_expect("8001000003AABBCC", "6103");
	/* too much asked: 6Cxx, the data stays */
	rt_expect("00C0000010", "6C03");
	rt_expect("00C0000000", "6C03");
	/* less is fine, 61xx tells the rest */
	rt_expect("00C0000001", "AA6102");
	rt_expect("00C0000002", "BBCC9000");
	rt_expect("00C0000002", "6985");
}
END_TEST

START_TEST(t0_case2_wrong_le)
{
	rt_x("00A404000A" RT_ECHO1);
	/* GENERATE 10 with Le 00 (256): 6C0A, reissue with 0A */
	rt_expect("800200 0A00", "6C0A");
	rt_expect("800200 0A0A", "00010203040506070809 9000");
	rt_expect("800200 0A04", "6C0A");
	/* nothing was kept for GET RESPONSE after a 6Cxx */
	rt_expect("00C000000A", "6985");
	/* more than 256 bytes: 256 with Le 00, then GET RESPONSE */
	ck_assert_uint_eq(rt_x("8002012C00"), 0x612C);
	ck_assert_uint_eq(rt_resp_len, 256);
	ck_assert_uint_eq(rt_x("00C000002C"), DM_SW_OK);
	ck_assert_uint_eq(rt_resp_len, 0x2C);
	ck_assert_uint_eq(rt_resp[0], (uint8_t)256);
	/* ... and 6C00 (= 256) when Le is anything else */
	rt_expect("8002012C10", "6C00");
	/* exactly 256 */
	ck_assert_uint_eq(rt_x("8002010000"), DM_SW_OK);
	ck_assert_uint_eq(rt_resp_len, 256);
}
END_TEST

START_TEST(t0_status_words)
{
	rt_x("00A404000A" RT_ECHO1);
	/* errors carry no data and no 61xx */
	rt_expect("80036A8003AABBCC00", "6A80");
	/* a warning's data comes through GET RESPONSE, then the warning */
	rt_expect("8003628203AABBCC00", "6103");
	rt_expect("00C0000003", "AABBCC6282");
	/* case 2 with the right Le: data and the warning directly */
	rt_expect("8003628200", "6282");
	/* MANAGE CHANNEL (case 2, Le 1) */
	rt_expect("0070000001", "019000");
	rt_expect("0070800100", "9000");
}
END_TEST

START_TEST(t0_extended_follows_t1_rules)
{
	rt_x("00A404000A" RT_ECHO1);
	ck_assert_uint_eq(rt_x("800201F4000000"), DM_SW_OK);
	ck_assert_uint_eq(rt_resp_len, 500);
	ck_assert_uint_eq(rt_x("800201F4000010"), 0x6100);
	ck_assert_uint_eq(rt_resp_len, 16);
	rt_expect("80010000000002AABB0000", "AABB9000");
	/* case 2, right Le: directly; INFO's third byte is the protocol */
	rt_expect("8030000003", "0000009000");
}
END_TEST

/* ISO 7816-3 §12.2.3 case 2S.3: the re-issue after 6Cxx gets the answer of
 * the command that already ran; it must not run again (a SELECT parent
 * would climb twice: 6A82 from the MF, found by dmsc-conform). */
static void default_card_t0(void)
{
	rt_use_registry(dm_default_registry, dm_default_registry_len);
	rt_setup_t0();
}

START_TEST(t0_reissue_after_6cxx_does_not_run_twice)
{
	ck_assert_uint_eq(rt_x("00A4000C02 7F50"), 0x9000);       /* ADF PKCS15 */
	uint16_t sw = rt_x("00A4030400");                       /* parent, Le 256 */
	ck_assert_uint_eq(sw & 0xFF00u, 0x6C00u);
	char again[16];
	snprintf(again, sizeof again, "00A40304%02X", sw & 0xFFu);
	ck_assert_uint_eq(rt_x(again), 0x9000);                  /* the MF's FCP */
	ck_assert_uint_eq(rt_resp_len, sw & 0xFFu);
	dm_fcp f;
	ck_assert_int_eq(dm_fcp_parse(rt_resp, rt_resp_len, &f), DM_OK);
	ck_assert_uint_eq(f.fid, 0x3F00);
	/* Once only: a new SELECT parent from the MF has no parent. */
	ck_assert_uint_eq(rt_x(again), DM_SW_FILE_NOT_FOUND);
	/* Another command in between drops the kept answer. */
	ck_assert_uint_eq(rt_x("00A4000C02 7F50"), 0x9000);
	sw = rt_x("00A4030400");
	ck_assert_uint_eq(rt_x("00A4000C02 3F00"), 0x9000);
	ck_assert_uint_eq(rt_x(again), DM_SW_FILE_NOT_FOUND);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("t0");
	TCase *tc = tcase_create("t0");
	tcase_add_checked_fixture(tc, rt_setup_t0, rt_teardown);
	tcase_add_test(tc, t0_atr);
	tcase_add_test(tc, t0_case3_and_4_through_get_response);
	tcase_add_test(tc, t0_get_response_le);
	tcase_add_test(tc, t0_case2_wrong_le);
	tcase_add_test(tc, t0_status_words);
	tcase_add_test(tc, t0_extended_follows_t1_rules);
	suite_add_tcase(s, tc);
	TCase *tr = tcase_create("reissue");
	tcase_add_checked_fixture(tr, default_card_t0, rt_teardown);
	tcase_add_test(tr, t0_reissue_after_6cxx_does_not_run_twice);
	suite_add_tcase(s, tr);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
