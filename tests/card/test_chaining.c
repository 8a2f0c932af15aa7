/*
 * test_chaining.c - ISO 7816-4 §5.1.1.1 command chaining through
 * dm_card_transmit: joining, the bound, broken chains (6883), targets that
 * do not chain (6884), chains on other channels and across power events.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "apdu.h"
#include "rt_harness.h"
#include "sw.h"

START_TEST(chain_joined)
{
	rt_x("00A404000A" RT_ECHO1);
	rt_expect("9001000003AABBCC", "9000");
	rt_expect("9001000001DD", "9000");
	rt_expect("8001000002EEFF00", "AABBCCDDEEFF9000");
	/* an empty middle part, and a last part without data */
	rt_expect("900100000111", "9000");
	rt_expect("90010000", "9000");
	rt_expect("8001000000", "119000");
	/* after a chain, single commands as usual */
	rt_expect("800100000122", "9000");
	rt_expect("80010000012200", "229000");
}
END_TEST

START_TEST(chain_result_follows_le_rules)
{
	rt_x("00A404000A" RT_ECHO1);
	rt_expect("9001000003010203", "9000");
	ck_assert_uint_eq(rt_x("800100000304050602"), 0x6104);
	ck_assert_uint_eq(rt_resp_len, 2);
	rt_expect("00C0000004", "030405069000");
}
END_TEST

START_TEST(chain_broken_6883)
{
	rt_x("00A404000A" RT_ECHO1);
	rt_expect("9001000002AABB", "9000");
	/* another INS */
	ck_assert_uint_eq(rt_x("8011000004"), DM_SW_LAST_CMD_EXPECTED);
	/* the chain is gone: the last part is now a command of its own */
	rt_expect("8001000001CC00", "CC9000");
	/* other P1-P2 */
	rt_expect("9001000002AABB", "9000");
	ck_assert_uint_eq(rt_x("8001000101CC00"), DM_SW_LAST_CMD_EXPECTED);
	/* another channel (one chain for the card) */
	rt_expect("0070000001", "019000");
	rt_x("01A404000A" RT_ECHO1);
	rt_expect("9001000002AABB", "9000");
	ck_assert_uint_eq(rt_x("8101000001CC00"), DM_SW_LAST_CMD_EXPECTED);
	/* GET RESPONSE, SELECT and MANAGE CHANNEL break it too */
	rt_expect("9001000002AABB", "9000");
	ck_assert_uint_eq(rt_x("00C0000002"), DM_SW_LAST_CMD_EXPECTED);
	rt_expect("9001000002AABB", "9000");
	ck_assert_uint_eq(rt_x("00A4000C023F00"), DM_SW_LAST_CMD_EXPECTED);
	ck_assert_uint_eq(rt_x("80300000"), DM_SW_OK); /* still echo: the SELECT did not run */
	/* malformed APDUs end it as well */
	rt_expect("9001000002AABB", "9000");
	ck_assert_uint_eq(rt_x("800100"), DM_SW_WRONG_LENGTH);
	rt_expect("8001000001CC00", "CC9000");
}
END_TEST

START_TEST(chain_unsupported_6884)
{
	/* the MF does not chain */
	ck_assert_uint_eq(rt_x("10A4000C023F00"), DM_SW_CHAINING_UNSUPPORTED);
	/* nor does SINGLE */
	rt_x("00A4040C0A" RT_SINGLE);
	ck_assert_uint_eq(rt_x("9001000001AA"), DM_SW_CHAINING_UNSUPPORTED);
	/* nor the runtime's own commands */
	rt_x("00A404000A" RT_ECHO1);
	ck_assert_uint_eq(rt_x("10A404000A" RT_ECHO2), DM_SW_CHAINING_UNSUPPORTED);
	ck_assert_uint_eq(rt_x("1070000001"), DM_SW_CHAINING_UNSUPPORTED);
	ck_assert_uint_eq(rt_x("10C0000000"), DM_SW_CHAINING_UNSUPPORTED);
	ck_assert_uint_eq(rt_x("10A4000C023F00"), DM_SW_CHAINING_UNSUPPORTED);
	/* none of them ran */
	rt_expect("8030000003", "0000019000");
	ck_assert_uint_eq(rt_x("01A4000C023F00"), DM_SW_LCHAN_UNSUPPORTED);
}
END_TEST

/* An extended-length chained part of n bytes of value v. */
static uint16_t part(bool more, size_t n, uint8_t v, bool le)
{
	static uint8_t apdu[DM_CAPDU_MAX];
	apdu[0] = more ? 0x90 : 0x80;
	apdu[1] = 0x01;
	apdu[2] = apdu[3] = 0;
	apdu[4] = 0;
	apdu[5] = (uint8_t)(n >> 8);
	apdu[6] = (uint8_t)n;
	memset(apdu + 7, v, n);
	size_t len = 7 + n;
	if (le) {
		apdu[len++] = 0;
		apdu[len++] = 0;
	}
	return rt_send(apdu, len);
}

START_TEST(chain_bounds)
{
	rt_x("00A404000A" RT_ECHO1);
	/* exactly 65535 bytes in three parts */
	ck_assert_uint_eq(part(true, 30000, 0x11, false), DM_SW_OK);
	ck_assert_uint_eq(part(true, 30000, 0x22, false), DM_SW_OK);
	ck_assert_uint_eq(part(false, 5535, 0x33, true), DM_SW_OK);
	ck_assert_uint_eq(rt_resp_len, 65535);
	ck_assert_uint_eq(rt_resp[0], 0x11);
	ck_assert_uint_eq(rt_resp[30000], 0x22);
	ck_assert_uint_eq(rt_resp[65534], 0x33);
	/* one byte more: 6700, chain dropped */
	ck_assert_uint_eq(part(true, 30000, 0x11, false), DM_SW_OK);
	ck_assert_uint_eq(part(true, 30000, 0x22, false), DM_SW_OK);
	ck_assert_uint_eq(part(false, 5536, 0x33, true), DM_SW_WRONG_LENGTH);
	ck_assert_uint_eq(part(false, 3, 0x44, true), DM_SW_OK);
	ck_assert_uint_eq(rt_resp_len, 3);
	/* the overflow may come on a middle part */
	ck_assert_uint_eq(part(true, 40000, 0x11, false), DM_SW_OK);
	ck_assert_uint_eq(part(true, 40000, 0x22, false), DM_SW_WRONG_LENGTH);
	ck_assert_uint_eq(part(false, 3, 0x44, true), DM_SW_OK);
	ck_assert_uint_eq(rt_resp_len, 3);
}
END_TEST

START_TEST(chain_dropped_by_power_events)
{
	rt_x("00A404000A" RT_ECHO1);
	rt_expect("9001000002AABB", "9000");
	dm_card_power(rt_card, DM_POWER_RESET);
	rt_x("00A404000A" RT_ECHO1);
	rt_expect("8001000001CC00", "CC9000");
}
END_TEST

START_TEST(chain_on_other_channel)
{
	rt_expect("00700005", "9000");
	rt_x("41A404000A" RT_ECHO2);
	/* CX with b5: D1 is channel 5, chaining */
	rt_expect("D101000002AABB", "9000");
	rt_expect("C101000002CCDD00", "AABBCCDD9000");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("chaining");
	TCase *tc = tcase_create("chain");
	tcase_add_checked_fixture(tc, rt_setup_t1, rt_teardown);
	tcase_add_test(tc, chain_joined);
	tcase_add_test(tc, chain_result_follows_le_rules);
	tcase_add_test(tc, chain_broken_6883);
	tcase_add_test(tc, chain_unsupported_6884);
	tcase_add_test(tc, chain_bounds);
	tcase_add_test(tc, chain_dropped_by_power_events);
	tcase_add_test(tc, chain_on_other_channel);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
