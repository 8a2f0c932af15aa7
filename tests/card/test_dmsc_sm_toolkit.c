/*
 * test_dmsc_sm_toolkit.c - SCP03 responses while the toolkit has a proactive
 * command pending: the card answers 91xx instead of 9000 (TS 102 221
 * §7.4.2.2), and the R-MAC must cover that 91xx, the status word actually
 * sent (GP Amd D §6.2.5), or the host rejects the answer.
 */
#include <check.h>
#include <stdlib.h>

#include "rt_harness.h"
#include "sec_harness.h"
#include "sw.h"

START_TEST(rmac_covers_91xx_sent_with_pending_proactive_command)
{
	sh_select_dmsc();
	/* TERMINAL PROFILE: the card then queues POLL INTERVAL, so every 9000
	 * becomes 91xx (docs/toolkit.md). */
	uint16_t sw = rt_x("8010000003 FFFFFF");
	ck_assert_uint_eq(sw & 0xFF00u, 0x9100u);
	ck_assert_uint_eq(sh_open(SH_KVN_DEV, sh_key_dev, 0x13), sw);
	/* C-MAC + C-DEC + R-MAC: a wrapped READ BINARY of EF_INFO.  sh_xw
	 * asserts that the R-MAC verifies over the SW received. */
	ck_assert_uint_eq(sh_xw("00A4000C02 6420"), sw);
	ck_assert_uint_eq(sh_xw("00B0000000"), sw);
	ck_assert_uint_gt(rt_resp_len, 0);
	/* The pending command is still there to FETCH, outside the session's
	 * protection (toolkit commands are the runtime's). */
	ck_assert_uint_eq(rt_x("80120000" "00") & 0xFF00u, 0x9000u);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dmsc_sm_toolkit");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, sh_setup, sh_teardown);
	tcase_add_test(tc, rmac_covers_91xx_sent_with_pending_proactive_command);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
