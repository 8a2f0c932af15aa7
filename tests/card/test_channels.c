/*
 * test_channels.c - logical channels through dm_card_transmit: MANAGE
 * CHANNEL open (card-assigned, requested), close, exhaustion and its status
 * words, CLA channel coding in both ranges, per-channel selection,
 * inheritance when opening from a non-basic channel, multiselection,
 * per-channel CLEAR_ON_DESELECT memory and per-channel GET RESPONSE.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "apdu.h"
#include "rt_harness.h"
#include "sw.h"

/* "CLA INS P1 P2 ..." with the CLA recoded for channel ch. */
static uint16_t on(unsigned ch, const char *hex)
{
	static uint8_t apdu[600];
	size_t n = rt_hex(hex, apdu, sizeof apdu);
	int cla = dm_cla_on_channel(apdu[0], ch);
	ck_assert_int_ge(cla, 0);
	apdu[0] = (uint8_t)cla;
	return rt_send(apdu, n);
}

START_TEST(open_card_assigned_and_close)
{
	rt_expect("0070000001", "019000");
	rt_expect("0070000001", "029000");
	/* the new channels have the MF selected */
	ck_assert_uint_eq(rt_x("01A4000C023F00"), DM_SW_OK);
	ck_assert_uint_eq(rt_x("02A4000C023F00"), DM_SW_OK);
	rt_expect("0070800100", "9000");
	ck_assert_uint_eq(rt_x("01A4000C023F00"), DM_SW_LCHAN_UNSUPPORTED);
	/* the lowest free number is assigned again */
	rt_expect("0070000001", "019000");
	/* closing from the channel itself */
	rt_expect("0270800200", "9000");
	ck_assert_uint_eq(rt_x("02A4000C023F00"), DM_SW_LCHAN_UNSUPPORTED);
}
END_TEST

START_TEST(open_requested)
{
	rt_expect("0070000300", "9000");
	ck_assert_uint_eq(rt_x("03A4000C023F00"), DM_SW_OK);
	/* channel 19: further interindustry CLA 4F, proprietary CF */
	rt_expect("0070001300", "9000");
	ck_assert_uint_eq(rt_x("4FA4000C023F00"), DM_SW_OK);
	ck_assert_uint_eq(rt_x("4EA4000C023F00"), DM_SW_LCHAN_UNSUPPORTED);
	/* already open */
	ck_assert_uint_eq(rt_x("0070000300"), DM_SW_WRONG_P1P2);
	ck_assert_uint_eq(rt_x("0070001300"), DM_SW_WRONG_P1P2);
	/* card-assigned skips the open ones */
	rt_expect("0070000001", "019000");
	rt_expect("0070000001", "029000");
	rt_expect("0070000001", "049000");
	/* close 19 from channel 3 */
	rt_expect("0370801300", "9000");
	ck_assert_uint_eq(rt_x("4FA4000C023F00"), DM_SW_LCHAN_UNSUPPORTED);
}
END_TEST

START_TEST(manage_channel_errors)
{
	/* P1 neither 00 nor 80, P2 beyond 19 (JCRE §4.5.1) */
	ck_assert_uint_eq(rt_x("0070400000"), DM_SW_FUNC_UNSUPPORTED);
	ck_assert_uint_eq(rt_x("0070001400"), DM_SW_FUNC_UNSUPPORTED);
	ck_assert_uint_eq(rt_x("0070801400"), DM_SW_FUNC_UNSUPPORTED);
	/* card-assigned needs Le = 1 */
	ck_assert_uint_eq(rt_x("0070000000"), DM_SW_WRONG_LE(1));
	ck_assert_uint_eq(rt_x("00700000"), DM_SW_WRONG_LE(1));
	ck_assert_uint_eq(rt_x("0070000002"), DM_SW_WRONG_LE(1));
	/* no data allowed */
	ck_assert_uint_eq(rt_x("007000000101"), DM_SW_WRONG_LENGTH);
	/* secure messaging bits */
	ck_assert_uint_eq(rt_x("0470000001"), DM_SW_SM_UNSUPPORTED);
	/* origin channel not open */
	ck_assert_uint_eq(rt_x("0170000001"), DM_SW_LCHAN_UNSUPPORTED);
	ck_assert_uint_eq(rt_x("4370000001"), DM_SW_LCHAN_UNSUPPORTED);
	/* closing the basic channel; closing one that is not open */
	ck_assert_uint_eq(rt_x("0070800000"), DM_SW_FUNC_UNSUPPORTED);
	ck_assert_uint_eq(rt_x("0070800500"), 0x6200);
	/* none of that opened anything */
	rt_expect("0070000001", "019000");
}
END_TEST

START_TEST(channels_exhausted)
{
	char hex[16];
	for (unsigned c = 1; c < DM_CARD_CHANNELS; c++) {
		snprintf(hex, sizeof hex, "%02X9000", c);
		rt_expect("0070000001", hex);
	}
	ck_assert_uint_eq(rt_x("0070000001"), DM_SW_FUNC_UNSUPPORTED);
	/* every channel works, in both CLA ranges */
	for (unsigned c = 0; c < DM_CARD_CHANNELS; c++)
		ck_assert_uint_eq(on(c, "00A4000C023F00"), DM_SW_OK);
	rt_expect("0070800700", "9000");
	rt_expect("0070000001", "079000");
	ck_assert_uint_eq(rt_x("0070000001"), DM_SW_FUNC_UNSUPPORTED);
}
END_TEST

START_TEST(selection_per_channel)
{
	rt_expect("0070000001", "019000");
	rt_expect("0070000001", "029000");
	rt_expect("00A404000A" RT_ECHO1 "00", "6F0C840A" RT_ECHO1 "9000");
	rt_expect("01A404000A" RT_ECHO2 "00", "6F0C840A" RT_ECHO2 "9000");
	/* echo on 0 and 1, MF on 2 */
	rt_expect("8010000004", "000000019000");
	rt_expect("8110000004", "000000019000");
	rt_expect("8010000004", "000000029000");
	ck_assert_uint_eq(rt_x("8210000004"), DM_SW_INS_UNSUPPORTED);
	/* channel and "selected elsewhere" as the applet sees them */
	rt_expect("8030000003", "0000019000");
	rt_expect("8130000003", "0100019000");
	rt_expect("01A404000A" RT_ECHO1 "00", "6F0C840A" RT_ECHO1 "9000");
	rt_expect("8030000003", "0001019000");
	rt_expect("8130000003", "0101019000");
	/* SELECT MF on 1 leaves 0 alone */
	ck_assert_uint_eq(rt_x("01A4000C023F00"), DM_SW_OK);
	rt_expect("8030000003", "0000019000");
	/* channels 4-19 with the proprietary further coding (CX) */
	rt_expect("0070000600", "9000");
	rt_expect("42A404000A" RT_ECHO2 "00", "6F0C840A" RT_ECHO2 "9000");
	rt_expect("C230000003", "0600019000");
	rt_expect("C211000004", "000000019000");
}
END_TEST

START_TEST(open_from_other_channel_inherits)
{
	rt_expect("0070000001", "019000");
	rt_expect("01A404000A" RT_ECHO2 "00", "6F0C840A" RT_ECHO2 "9000");
	/* opened from 1: ECHO2 is selected on the new channel too */
	rt_expect("0170000001", "029000");
	rt_expect("8230000003", "0201019000");
	/* opened from 0: the MF */
	rt_expect("00A404000A" RT_ECHO1 "00", "6F0C840A" RT_ECHO1 "9000");
	rt_expect("0070000001", "039000");
	ck_assert_uint_eq(rt_x("8330000003"), DM_SW_INS_UNSUPPORTED);
}
END_TEST

START_TEST(non_multiselectable)
{
	rt_expect("0070000001", "019000");
	rt_expect("00A4040C0A" RT_SINGLE, "9000");
	ck_assert_uint_eq(rt_x("01A4040C0A" RT_SINGLE), DM_SW_CONDITIONS);
	/* channel 1 still has the MF */
	ck_assert_uint_eq(rt_x("8130000003"), DM_SW_INS_UNSUPPORTED);
	/* reselecting it on its own channel is fine */
	rt_expect("00A4040C0A" RT_SINGLE, "9000");
	rt_expect("8030000003", "0000019000");
	/* opening a channel from one where it is selected would select it twice */
	rt_expect("00A4000C023F00", "9000");
	rt_expect("01A4040C0A" RT_SINGLE, "9000");
	ck_assert_uint_eq(rt_x("0170000001"), DM_SW_CONDITIONS);
	ck_assert_uint_eq(rt_x("02A4000C023F00"), DM_SW_LCHAN_UNSUPPORTED);
	ck_assert_uint_eq(rt_x("0170000200"), DM_SW_CONDITIONS);
	/* once deselected there, it can be selected elsewhere */
	rt_expect("0070800100", "9000");
	rt_expect("00A4040C0A" RT_SINGLE, "9000");
}
END_TEST

START_TEST(clear_on_deselect_per_channel)
{
	rt_expect("0070000001", "019000");
	rt_x("00A404000A" RT_ECHO1);
	rt_x("01A404000A" RT_ECHO1);
	ck_assert_uint_eq(rt_x("802001000111"), DM_SW_OK);
	ck_assert_uint_eq(rt_x("812001000122"), DM_SW_OK);
	ck_assert_uint_eq(rt_x("802000000133"), DM_SW_OK);
	rt_expect("8021010001", "119000");
	rt_expect("8121010001", "229000");
	/* CLEAR_ON_RESET is shared by the channels */
	rt_expect("8121000001", "339000");
	/* deselecting on 0 clears only channel 0's block */
	ck_assert_uint_eq(rt_x("00A4000C023F00"), DM_SW_OK);
	rt_x("00A404000A" RT_ECHO1);
	rt_expect("8021010001", "009000");
	rt_expect("8121010001", "229000");
	rt_expect("8021000001", "339000");
	/* closing channel 1 deselects there */
	rt_expect("0070800100", "9000");
	rt_expect("0070000001", "019000");
	rt_x("01A404000A" RT_ECHO1);
	rt_expect("8121010001", "009000");
	/* reselecting on the same channel deselects first */
	ck_assert_uint_eq(rt_x("812001000144"), DM_SW_OK);
	rt_x("01A404000A" RT_ECHO1);
	rt_expect("8121010001", "009000");
}
END_TEST

START_TEST(get_response_per_channel)
{
	rt_expect("0070000001", "019000");
	rt_x("00A404000A" RT_ECHO1);
	rt_x("01A404000A" RT_ECHO2);
	ck_assert_uint_eq(rt_x("8002001004"), 0x610C);
	ck_assert_uint_eq(rt_x("8102002008"), 0x6118);
	/* commands on one channel leave the other's pending data */
	rt_expect("8111000004", "000000009000");
	rt_expect("00C000000C", "0405060708090A0B0C0D0E0F9000");
	ck_assert_uint_eq(rt_x("01C0000018"), DM_SW_CONDITIONS); /* dropped by 8111 */
	ck_assert_uint_eq(rt_x("8102002008"), 0x6118);
	ck_assert_uint_eq(rt_x("01C0000018"), DM_SW_OK);
	ck_assert_uint_eq(rt_resp_len, 0x18);
	ck_assert_uint_eq(rt_resp[0], 0x08);
	/* closing a channel drops its pending data */
	ck_assert_uint_eq(rt_x("8102002008"), 0x6118);
	rt_expect("0070800100", "9000");
	rt_expect("0070000001", "019000");
	ck_assert_uint_eq(rt_x("01C0000018"), DM_SW_CONDITIONS);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("channels");
	TCase *tc = tcase_create("manage");
	tcase_add_checked_fixture(tc, rt_setup_t1, rt_teardown);
	tcase_add_test(tc, open_card_assigned_and_close);
	tcase_add_test(tc, open_requested);
	tcase_add_test(tc, manage_channel_errors);
	tcase_add_test(tc, channels_exhausted);
	suite_add_tcase(s, tc);

	tc = tcase_create("selection");
	tcase_add_checked_fixture(tc, rt_setup_t1, rt_teardown);
	tcase_add_test(tc, selection_per_channel);
	tcase_add_test(tc, open_from_other_channel_inherits);
	tcase_add_test(tc, non_multiselectable);
	tcase_add_test(tc, clear_on_deselect_per_channel);
	tcase_add_test(tc, get_response_per_channel);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
