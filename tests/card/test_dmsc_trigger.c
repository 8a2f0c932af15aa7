/*
 * test_dmsc_trigger.c - the session trigger of the DMSC application
 * (GEN-14; card/applets/dmsc_trigger.c, docs/dmsc-app.md "Session
 * trigger"): the EF_TRIG record coding, the REFRESH naming EF_TRIG with the
 * reference's exact bytes, who may trigger (ADM1, a Management Authority
 * SCP03 session, a block signed by the MA; AUT-1) and the malformed
 * commands.  Power cuts: tests/card/test_dmsc_sec_cut.c.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmsc.h"
#include "hex.h"
#include "rt_harness.h"
#include "sec_harness.h"
#include "sw.h"

#define VERIFY_ADM1 "0020000A083838383838383838"
#define TP "8010000003 FFFFFF"
#define DMSC_AID "F04F4D41444D5343"
/* dmsc-reference "Proactive notification" 4, command number n. */
#define REFRESH_TRIG(n) "D01C 8103" n "0101 82028182 9207013F007FFF6422 AF08" DMSC_AID
#define TR_OK(n, t, q) "801400000C 8103" n t q " 82028281 830100"
#define READ_TRIG(r) "00B2" r "1C20" /* READ RECORD r of SFI 03 (EF_TRIG) */

/* Record r of EF_TRIG decoded; DM_E_VALUE when it holds no trigger. */
static int trig_record(const char *r, dm_dmsc_trigger *t, uint8_t raw[DM_DMSC_TRIG_REC_LEN])
{
	char apdu[16];

	strcpy(apdu, READ_TRIG("00"));
	memcpy(apdu + 4, r, 2);
	uint16_t sw = rt_x(apdu);
	ck_assert(sw == 0x9000 || (sw & 0xFF00u) == 0x9100u);
	ck_assert_uint_eq(rt_resp_len, DM_DMSC_TRIG_REC_LEN);
	memcpy(raw, rt_resp, DM_DMSC_TRIG_REC_LEN);
	return dm_dmsc_trigger_decode(raw, t);
}

static void expect_trigger(const char *r, uint32_t number, uint8_t reason, uint16_t sid,
			   const char *server)
{
	static uint8_t raw[DM_DMSC_TRIG_REC_LEN];
	dm_dmsc_trigger t;

	ck_assert_int_eq(trig_record(r, &t, raw), DM_OK);
	ck_assert_uint_eq(t.number, number);
	ck_assert_uint_eq(t.reason, reason);
	ck_assert_uint_eq(t.session_id, sid);
	ck_assert_uint_eq(t.server_id.len, strlen(server));
	ck_assert_mem_eq(t.server_id.ptr, server, strlen(server));
	for (size_t i = 8 + strlen(server); i < DM_DMSC_TRIG_REC_LEN; i++)
		ck_assert_uint_eq(raw[i], 0xFF);
}

static void expect_no_trigger(const char *r)
{
	uint8_t raw[DM_DMSC_TRIG_REC_LEN];
	dm_dmsc_trigger t;

	ck_assert_int_eq(trig_record(r, &t, raw), DM_E_VALUE);
}

static uint16_t trigger(uint8_t reason, const char *server, uint16_t sid, uint32_t ctr,
			unsigned signer, bool tamper)
{
	uint8_t apdu[DM_CAPDU_MAX];

	return rt_send(apdu, sh_trigger(apdu, reason, server, sid, ctr, signer, tamper));
}

START_TEST(trigger_record_known_answer)
{
	/* number 00000102, reason 01, session id 1234, "DMSrv" */
	static const uint8_t want[DM_DMSC_TRIG_REC_LEN] = {
		0x00, 0x00, 0x01, 0x02, 0x01, 0x12, 0x34, 0x05, 'D', 'M', 'S', 'r', 'v',
		0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
		0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	};
	uint8_t rec[DM_DMSC_TRIG_REC_LEN], bad[DM_DMSC_TRIG_REC_LEN];
	dm_dmsc_trigger t = { .number = 0x102, .reason = DM_DMSC_TRIG_SERVER,
			      .session_id = 0x1234,
			      .server_id = dm_bytes_of((const uint8_t *)"DMSrv", 5) }, out;

	ck_assert_int_eq(dm_dmsc_trigger_encode(&t, rec), DM_OK);
	ck_assert_mem_eq(rec, want, sizeof want);
	ck_assert_int_eq(dm_dmsc_trigger_decode(rec, &out), DM_OK);
	ck_assert_uint_eq(out.number, 0x102);
	ck_assert_uint_eq(out.session_id, 0x1234);
	ck_assert_uint_eq(out.server_id.len, 5);
	/* Malformed: reason 00 and 05, empty and 17-byte server id. */
	t.reason = 0;
	ck_assert_int_eq(dm_dmsc_trigger_encode(&t, rec), DM_E_VALUE);
	t.reason = 5;
	ck_assert_int_eq(dm_dmsc_trigger_encode(&t, rec), DM_E_VALUE);
	t.reason = DM_DMSC_TRIG_DEVCHG;
	t.server_id.len = 0;
	ck_assert_int_eq(dm_dmsc_trigger_encode(&t, rec), DM_E_VALUE);
	t.server_id = dm_bytes_of((const uint8_t *)"0123456789ABCDEFG", 17);
	ck_assert_int_eq(dm_dmsc_trigger_encode(&t, rec), DM_E_VALUE);
	/* Erased records (FF, 00) and bad length bytes are no trigger. */
	memset(bad, 0xFF, sizeof bad);
	ck_assert_int_eq(dm_dmsc_trigger_decode(bad, &out), DM_E_VALUE);
	memset(bad, 0x00, sizeof bad);
	ck_assert_int_eq(dm_dmsc_trigger_decode(bad, &out), DM_E_VALUE);
	memcpy(bad, want, sizeof bad);
	bad[7] = 17;
	ck_assert_int_eq(dm_dmsc_trigger_decode(bad, &out), DM_E_VALUE);
	bad[7] = 0;
	ck_assert_int_eq(dm_dmsc_trigger_decode(bad, &out), DM_E_VALUE);
	bad[7] = 5;
	bad[4] = 0x09;
	ck_assert_int_eq(dm_dmsc_trigger_decode(bad, &out), DM_E_VALUE);
}
END_TEST

START_TEST(GEN_14_session_trigger)
{
	sh_select_dmsc();
	expect_no_trigger("01");
	ck_assert_uint_eq(rt_x(VERIFY_ADM1), 0x9000);
	/* Before TERMINAL PROFILE: queued, but no 91xx. */
	ck_assert_uint_eq(trigger(DM_DMSC_TRIG_SERVER, "DMSrv", 0x0042, 0, SH_UNSIGNED, false),
			  0x9000);
	expect_trigger("01", 1, DM_DMSC_TRIG_SERVER, 0x0042, "DMSrv");
	expect_no_trigger("02");
	/* The REFRESH comes first (queued before the POLL INTERVAL), with the
	 * reference's exact bytes. */
	ck_assert_uint_eq(rt_x(TP), 0x911E);
	ck_assert_uint_eq(rt_x("801200001E"), 0x9000);
	uint8_t want[30];
	dm_wbuf w = dm_wbuf_init(want, sizeof want);
	ck_assert_int_eq(dm_hex_decode(REFRESH_TRIG("01"), &w), DM_OK);
	ck_assert_uint_eq(rt_resp_len, sizeof want);
	ck_assert_mem_eq(rt_resp, want, sizeof want);
	ck_assert_uint_eq(rt_x(TR_OK("01", "01", "01")), 0x910F); /* then POLL INTERVAL */
	ck_assert_uint_eq(rt_x("801200000F"), 0x9000);
	ck_assert_uint_eq(rt_x(TR_OK("02", "03", "00")), 0x9000);
	/* A second trigger: record 1 the newest, the first moved to record 2,
	 * and at once 91xx. */
	ck_assert_uint_eq(trigger(DM_DMSC_TRIG_POLICY, "Enterprise", 0, 0, SH_UNSIGNED, false),
			  0x911E);
	expect_trigger("01", 2, DM_DMSC_TRIG_POLICY, 0, "Enterprise");
	expect_trigger("02", 1, DM_DMSC_TRIG_SERVER, 0x0042, "DMSrv");
	ck_assert_uint_eq(rt_x("801200001E"), 0x9000);
	w = dm_wbuf_init(want, sizeof want);
	ck_assert_int_eq(dm_hex_decode(REFRESH_TRIG("03"), &w), DM_OK);
	ck_assert_mem_eq(rt_resp, want, sizeof want);
	ck_assert_uint_eq(rt_x(TR_OK("03", "01", "01")), 0x9000);
	/* Four records: the fifth trigger drops the oldest. */
	for (unsigned i = 0; i < 3; i++)
		ck_assert_uint_eq(trigger(DM_DMSC_TRIG_PROV, "S", (uint16_t)i, 0, SH_UNSIGNED,
					  false), 0x911E);
	expect_trigger("01", 5, DM_DMSC_TRIG_PROV, 2, "S");
	expect_trigger("04", 2, DM_DMSC_TRIG_POLICY, 0, "Enterprise");
	/* The merged REFRESH names EF_TRIG once. */
	ck_assert_uint_eq(rt_x("801200001E"), 0x9000);
	ck_assert_uint_eq(rt_resp_len, 30);
}
END_TEST

START_TEST(GEN_14_trigger_needs_authority)
{
	uint8_t apdu[DM_CAPDU_MAX];
	size_t n;

	sh_select_dmsc();
	/* No right: 6982, nothing written, nothing queued (TP: only the POLL
	 * INTERVAL, 15 bytes). */
	ck_assert_uint_eq(trigger(DM_DMSC_TRIG_SERVER, "A", 1, 0, SH_UNSIGNED, false), 0x6982);
	ck_assert_uint_eq(rt_x("0020000A083838383838383839"), 0x63C9); /* wrong ADM1 */
	ck_assert_uint_eq(trigger(DM_DMSC_TRIG_SERVER, "A", 1, 0, SH_UNSIGNED, false), 0x6982);
	expect_no_trigger("01");
	ck_assert_uint_eq(rt_x(TP), 0x910F);
	ck_assert_uint_eq(rt_x("801200000F"), 0x9000);
	ck_assert_uint_eq(rt_x(TR_OK("01", "03", "00")), 0x9000);
	/* A device SCP03 session gives no right (AUT-1). */
	ck_assert_uint_eq(sh_open(SH_KVN_DEV, sh_key_dev, 0x01), 0x9000);
	n = sh_trigger(apdu, DM_DMSC_TRIG_SERVER, "Dev", 1, 0, SH_UNSIGNED, false);
	ck_assert_uint_eq(sh_send_wrapped(apdu, n, false, NULL, NULL), 0x6982);
	expect_no_trigger("01");
	/* A Management Authority session does. */
	ck_assert_uint_eq(sh_open(SH_KVN_MA, sh_key_ma, 0x01), 0x9000);
	n = sh_trigger(apdu, DM_DMSC_TRIG_SERVER, "MA", 7, 0, SH_UNSIGNED, false);
	ck_assert_uint_eq(sh_send_wrapped(apdu, n, false, NULL, NULL), 0x911E);
	expect_trigger("01", 1, DM_DMSC_TRIG_SERVER, 7, "MA");
	/* The grant was for that command only. */
	ck_assert_uint_eq(trigger(DM_DMSC_TRIG_SERVER, "A", 1, 0, SH_UNSIGNED, false), 0x6982);
}
END_TEST

START_TEST(GEN_14_trigger_signed_by_ma)
{
	uint8_t apdu[DM_CAPDU_MAX];

	sh_select_dmsc();
	ck_assert_uint_eq(trigger(DM_DMSC_TRIG_SERVER, "OTA", 9, 5, 0, false), 0x9000);
	expect_trigger("01", 1, DM_DMSC_TRIG_SERVER, 9, "OTA");
	/* Replayed, older counter: 6985; tampered, the enterprise's or an
	 * unknown key: 6982.  None writes. */
	ck_assert_uint_eq(trigger(DM_DMSC_TRIG_SERVER, "OTA", 9, 5, 0, false), 0x6985);
	ck_assert_uint_eq(trigger(DM_DMSC_TRIG_SERVER, "OTA", 9, 4, 0, false), 0x6985);
	ck_assert_uint_eq(trigger(DM_DMSC_TRIG_SERVER, "OTA", 9, 6, 0, true), 0x6982);
	ck_assert_uint_eq(trigger(DM_DMSC_TRIG_SERVER, "OTA", 9, 6, 1, false), 0x6982);
	ck_assert_uint_eq(trigger(DM_DMSC_TRIG_SERVER, "OTA", 9, 6, 2, false), 0x6982);
	expect_trigger("01", 1, DM_DMSC_TRIG_SERVER, 9, "OTA");
	expect_no_trigger("02");
	/* One counter sequence with the signed update (80 36). */
	ck_assert_uint_eq(rt_send(apdu, sh_signed_update(apdu, (const uint8_t *)"\x7F\x60\x64\x23",
							 4, 0, (const uint8_t *)"X", 1, 5, 0,
							 false)), 0x6985);
	ck_assert_uint_eq(trigger(DM_DMSC_TRIG_POLICY, "OTA", 9, 6, 0, false), 0x9000);
	expect_trigger("01", 2, DM_DMSC_TRIG_POLICY, 9, "OTA");
}
END_TEST

/* Malformed commands: exact status words (GEN-16). */
START_TEST(GEN_14_trigger_malformed)
{
	/* header, data (Lc computed), status word */
	static const struct {
		const char *hdr, *data;
		uint16_t sw;
	} cases[] = {
		{ "803A0100", "800101 81014182020001", 0x6A86 },          /* P1 */
		{ "803A0001", "800101 81014182020001", 0x6A86 },          /* P2 */
		{ "803A0000", "", 0x6700 },                               /* no data */
		{ "803A0000", "800100 81014182020001", 0x6A80 },          /* reason 00 */
		{ "803A0000", "800105 81014182020001", 0x6A80 },          /* reason 05 */
		{ "803A0000", "80020101 81014182020001", 0x6A80 },        /* reason 2 bytes */
		{ "803A0000", "800101 810082020001", 0x6A80 },            /* empty server id */
		{ "803A0000", "800101 81113031323334353637383941424344454647 82020001",
		  0x6A80 },                                               /* 17-byte server id */
		{ "803A0000", "800101 810141", 0x6A80 },                  /* no 82 */
		{ "803A0000", "810141 800101 82020001", 0x6A80 },         /* order */
		{ "803A0000", "800101 810141 820100", 0x6A80 },           /* 82 of one byte */
		{ "803A0000", "800101 810141 82020001 0000", 0x6A80 },    /* trailing bytes */
		{ "803A0000", "800101 810141 82020001 83", 0x6A80 },      /* truncated DO */
		{ "803A0000", "800101 810141 82020001 830400000001", 0x6A80 }, /* 83, no 9E */
		{ "803A0000", "800101 810141 82020001 8303000001 9E00", 0x6A80 }, /* 83 of 3 */
		{ "803A0000", "800101 810141 82020001 830400000001 9E00", 0x6A80 }, /* empty 9E */
	};

	sh_select_dmsc();
	ck_assert_uint_eq(rt_x(VERIFY_ADM1), 0x9000);
	for (size_t i = 0; i < DM_ARRAY_LEN(cases); i++) {
		char apdu[160];
		size_t nc = 0;
		for (const char *p = cases[i].data; *p != '\0'; p++)
			nc += *p != ' ';
		if (nc == 0)
			snprintf(apdu, sizeof apdu, "%s", cases[i].hdr);
		else
			snprintf(apdu, sizeof apdu, "%s%02zX%s", cases[i].hdr, nc / 2, cases[i].data);
		ck_assert_msg(rt_x(apdu) == cases[i].sw, "%s -> %04X, want %04X", apdu, rt_sw,
			      cases[i].sw);
	}
	expect_no_trigger("01");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("dmsc_trigger");
	TCase *tc = tcase_create("trigger");

	tcase_add_checked_fixture(tc, sh_setup, sh_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, trigger_record_known_answer);
	tcase_add_test(tc, GEN_14_session_trigger);
	tcase_add_test(tc, GEN_14_trigger_needs_authority);
	tcase_add_test(tc, GEN_14_trigger_signed_by_ma);
	tcase_add_test(tc, GEN_14_trigger_malformed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());

	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
