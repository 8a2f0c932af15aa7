/*
 * test_toolkit.c - the proactive queue and the toolkit commands
 * (card/toolkit.h, docs/toolkit.md; TS 102 221 §7.4.2.2, §11.2;
 * TS 102 223 §5-§7), in process on a card made of the MF and a test applet
 * that queues commands and records the toolkit events it receives.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cut_harness.h"
#include "rt_harness.h"
#include "sw.h"
#include "toolkit.h"
#include "uicc.h"

/* --- the test applet ---
 * CLA 80 (toolkit INS are the runtime's):
 *   01 P1 P2 data: counter + 1 and REFRESH (FCN) of the path in data with
 *                  the DMSC AID; then status word 9000, or 6A80 if P1 = 1
 *   02 P1: POLL INTERVAL P1 seconds (session)
 *   03 P2 data: queue data raw, P2 b1 = persistent; P1 = 1: then 6A80
 *   04: counter (4 bytes)
 *   05: start a timer (00 00 10) -> its id
 *   06: last event: kind, event code / timer id, result (FF: given up,
 *       EE: none), number of events
 *   07: pending entries (1 byte)
 *   F2: STATUS -> 9000 (the terminal's poll)
 */
#define TK_AID 0xF0, 0x44, 0x4D, 0x53, 0x43, 0x54, 0x4B, 0x01
#define DMSC_AID "F04F4D41444D5343"

struct tk_state {
	uint8_t kind, code, result, count;
};

static uint16_t tk_event(dm_applet_ctx *ctx, const dm_toolkit_event *ev)
{
	struct tk_state *st = (struct tk_state *)dm_applet_transient(ctx, DM_CLEAR_ON_RESET, NULL);

	st->kind = (uint8_t)ev->kind;
	st->code = 0;
	st->result = 0xEE;
	if (ev->kind == DM_TOOLKIT_EV_DOWNLOAD)
		st->code = ev->env->event;
	else if (ev->kind == DM_TOOLKIT_EV_TIMER)
		st->code = ev->env->timer_id;
	else if (ev->kind == DM_TOOLKIT_EV_RESULT)
		st->result = ev->resp != NULL ? ev->resp->result : 0xFF;
	else if (ev->kind == DM_TOOLKIT_EV_PROFILE)
		st->code = (uint8_t)ev->profile.len;
	st->count++;
	return DM_SW_OK;
}

static const dm_toolkit_applet tk_reg = {
	.events = DM_TOOLKIT_EV_DOWNLOAD | DM_TOOLKIT_EV_TIMER | DM_TOOLKIT_EV_STATUS |
		  DM_TOOLKIT_EV_PROFILE | DM_TOOLKIT_EV_RESULT,
	.download_events = 1u << DM_TS102223_EV_USER_ACTIVITY,
	.event = tk_event,
};

static const uint8_t dmsc_aid[] = { 0xF0, 0x4F, 0x4D, 0x41, 0x44, 0x4D, 0x53, 0x43 };

static uint16_t tk_process(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp)
{
	uint8_t b[4];
	int rc = DM_OK;

	switch (cmd->ins) {
	case 0x01: {
		if (dm_applet_read(ctx, 0, b, 4) != DM_OK)
			return DM_SW_TECHNICAL;
		dm_put_u32be(b, dm_get_u32be(b) + 1);
		if (dm_applet_write(ctx, 0, b, 4) != DM_OK)
			return DM_SW_MEMORY_PROBLEM;
		dm_bytes path = dm_bytes_of(cmd->data, cmd->nc);
		rc = dm_toolkit_refresh_files(ctx, DM_TS102223_REFRESH_FCN, &path, 1,
					      dm_bytes_of(dmsc_aid, sizeof dmsc_aid));
		if (rc == DM_OK && cmd->p1 == 1)
			return DM_SW_WRONG_DATA;
		break;
	}
	case 0x02:
		rc = dm_toolkit_poll_interval(ctx, cmd->p1);
		break;
	case 0x03:
		rc = dm_toolkit_queue_raw(ctx, dm_bytes_of(cmd->data, cmd->nc),
					  (cmd->p2 & 1) ? DM_TOOLKIT_PERSISTENT : 0);
		if (rc == DM_OK && cmd->p1 == 1)
			return DM_SW_WRONG_DATA;
		break;
	case 0x04:
		if (dm_applet_read(ctx, 0, b, 4) != DM_OK || dm_wbuf_put(resp, b, 4) != DM_OK)
			return DM_SW_TECHNICAL;
		return DM_SW_OK;
	case 0x05: {
		static const uint8_t v[3] = { 0x00, 0x00, 0x10 };
		uint8_t id;
		rc = dm_toolkit_timer_start(ctx, v, &id);
		if (rc == DM_OK)
			rc = dm_wbuf_put_u8(resp, id);
		break;
	}
	case 0x06: {
		struct tk_state *st = (struct tk_state *)dm_applet_transient(ctx, DM_CLEAR_ON_RESET,
									      NULL);
		rc = dm_wbuf_put(resp, st, sizeof *st);
		break;
	}
	case 0x07: {
		size_t n;
		rc = dm_toolkit_pending(ctx, &n);
		if (rc == DM_OK)
			rc = dm_wbuf_put_u8(resp, (uint8_t)n);
		break;
	}
	case 0xF2:
		return DM_SW_OK; /* STATUS, as an application answers it */
	default:
		return DM_SW_INS_UNSUPPORTED;
	}
	if (rc == DM_E_NOMEM)
		return DM_SW_NOT_ENOUGH_MEMORY;
	return rc == DM_OK ? DM_SW_OK : DM_SW_WRONG_DATA;
}

static const dm_applet tk_applet = {
	.name = "TK",
	.persistent_size = 4,
	.reset_size = sizeof(struct tk_state),
	.process = tk_process,
	.toolkit = &tk_reg,
};

static const dm_applet_reg tk_registry[] = {
	{ .applet = &dm_uicc_mf_applet, .aid_len = 0 },
	{ .applet = &tk_applet, .aid_len = 8, .aid = { TK_AID } },
};

#define SEL_TK "00A4040C08 F0444D5343544B01"
#define TP "8010000003 FFFFFF"
#define STATUS "80F2000C00"
/* POLL INTERVAL 30 s, number 01 (TS 102 223 §6.6.6). */
#define POLL30(n) "D00D 8103" n "0300 82028182 8402011E"
/* The reference's exact REFRESH example: EF_TRIG of the DMSC ADF changed. */
#define TRIG_PATH "3F007FFF6422"
#define REFRESH_TRIG(n) "D01C 8103" n "0101 82028182 9207013F007FFF6422 AF08" DMSC_AID
#define TR_OK(n, t, q) "801400000C 8103" n t q " 82028281 830100"
#define TR_RES(n, t, q, r) "801400000C 8103" n t q " 82028281 8301" r

static void setup(void)
{
	rt_use_registry(tk_registry, DM_ARRAY_LEN(tk_registry));
	rt_setup_t1();
}

static void teardown(void)
{
	rt_teardown();
	rt_use_registry(NULL, 0);
}

/* Poll interval of the card is 30 s by default: after TERMINAL PROFILE the
 * POLL INTERVAL is the first command (when nothing else was queued). */
static void profile_and_poll(void)
{
	rt_expect(TP, "910F");
	rt_expect("801200000F", POLL30("01") "9000");
	rt_expect(TR_OK("01", "03", "00"), "9000");
}

START_TEST(GEN_21_terminal_profile)
{
	/* Before TERMINAL PROFILE: queued, but never 91xx (TS 102 221 §14.6.x). */
	rt_expect(SEL_TK, "9000");
	rt_expect("8001000006" TRIG_PATH, "9000");
	rt_expect(STATUS, "9000");
	rt_expect("8012000000", "6985");
	rt_expect("8007000001", "01 9000");
	/* Malformed TERMINAL PROFILE. */
	rt_expect("8010010003 FFFFFF", "6A86");
	rt_expect("80100000", "6700");
	rt_expect(STATUS, "9000");
	/* Now the card speaks: the REFRESH (queued first) then POLL INTERVAL. */
	rt_expect(TP, "911E");
	rt_expect("8006000004", "08 03 EE 01 911E"); /* PROFILE event, 3 bytes */
	rt_expect(STATUS, "911E");
	rt_expect("801200001E", REFRESH_TRIG("01") "9000");
	rt_expect(TR_OK("01", "01", "01"), "910F");
	rt_expect("801200000F", POLL30("02") "9000");
	rt_expect(TR_OK("02", "03", "00"), "9000");
	rt_expect(STATUS, "9000");
	/* A power cycle forgets the profile: no 91xx until the next one. */
	rt_reopen(DM_CARD_T1, 0);
	rt_expect(SEL_TK, "9000");
	rt_expect("8001000006" TRIG_PATH, "9000");
	rt_expect(STATUS, "9000");
	rt_expect(TP, "911E");
}
END_TEST

START_TEST(GEN_20_refresh)
{
	profile_and_poll();
	rt_expect(SEL_TK, "9000");
	/* The change and its REFRESH (TS 102 223 §6.4.7, qualifier 01). */
	rt_expect("8001000006" TRIG_PATH, "911E");
	/* A second change before the fetch merges into the same REFRESH. */
	rt_expect("8001000006 3F007FFF6421", "9124");
	rt_expect("8001000006" TRIG_PATH, "9124");
	rt_expect("8004000004", "00000003 9124");
	rt_expect("8012000024",
		  "D022 8103020101 82028182 920D023F007FFF64223F007FFF6421 AF08" DMSC_AID
		  "9000");
	/* During execution: no 91xx, and a new change queues a new REFRESH. */
	rt_expect("8001000004 3F002FE2", "9000");
	rt_expect(TR_OK("02", "01", "01"), "911C");
	rt_expect("801200001C", "D01A 8103030101 82028182 9205013F002FE2 AF08" DMSC_AID "9000");
	rt_expect(TR_OK("03", "01", "01"), "9000");
	/* Bad paths are refused and leave no trace. */
	rt_expect("8001000002 3F00", "6A80");
	rt_expect("8001000003 3F0064", "6A80");
	rt_expect("8001000004 2F006422", "6A80");
	rt_expect("8004000004", "00000004 9000");
}
END_TEST

START_TEST(GEN_14_trigger)
{
	/* The session trigger: the DMSC applet writes the EF_TRIG record and
	 * queues REFRESH naming EF_TRIG in the same command (reference,
	 * "Proactive notification" 4: the exact bytes). */
	rt_expect(SEL_TK, "9000");
	rt_expect("8001000006" TRIG_PATH, "9000");
	rt_expect(TP, "911E");
	rt_expect("801200001E", REFRESH_TRIG("01") "9000");
	rt_expect(TR_OK("01", "01", "01"), "910F");
	rt_expect("8006000004", "10 00 00 02 910F"); /* RESULT 00 to the owner */
}
END_TEST

START_TEST(queue_order)
{
	profile_and_poll();
	rt_expect(SEL_TK, "9000");
	/* Session, persistent, session: served in the order queued. */
	rt_expect("8003000010 D00E 8103010500 82028182 9903040507", "9110");
	rt_expect("8003000110 D00E 8103010500 82028182 9903070504", "9110");
	rt_expect("8002050000", "9110");
	rt_expect("8007000001", "03 9110");
	rt_expect(STATUS, "9110");
	rt_expect("8012000010", "D00E 8103020500 82028182 9903040507 9000");
	rt_expect(TR_OK("02", "05", "00"), "9110");
	rt_expect("8012000010", "D00E 8103030500 82028182 9903070504 9000");
	rt_expect(TR_OK("03", "05", "00"), "910F");
	rt_expect("801200000F", "D00D 8103040300 82028182 84020105 9000");
	rt_expect(TR_OK("04", "03", "00"), "9000");
	rt_expect("8007000001", "00 9000");
	/* A repeated FETCH returns the same command, same number. */
	rt_expect("8002050000", "910F");
	rt_expect("801200000F", "D00D 8103050300 82028182 84020105 9000");
	rt_expect("801200000F", "D00D 8103050300 82028182 84020105 9000");
	rt_expect(TR_OK("05", "03", "00"), "9000");
	/* Bad FETCH parameters. */
	rt_expect("8012010000", "6A86");
	/* Full queue: 6A84; malformed command: refused. */
	for (int i = 0; i < (int)DM_TOOLKIT_QUEUE_MAX; i++)
		ck_assert_uint_eq(rt_x("8002050000") & 0xFF00u, 0x9100u);
	rt_expect("8002050000", "6A84");
	rt_expect("8003000005 D003810301", "6A80");
	rt_expect("8002000000", "6A80");
}
END_TEST

START_TEST(terminal_response_mismatch)
{
	profile_and_poll();
	rt_expect(SEL_TK, "9000");
	/* Nothing fetched: conditions of use not satisfied. */
	rt_expect(TR_OK("01", "03", "00"), "6985");
	rt_expect("8002050000", "910F");
	rt_expect(TR_OK("02", "03", "00"), "6985");
	rt_expect("801200000F", "D00D 8103020300 82028182 84020105 9000");
	/* Number, type, qualifier must be those of the command (§6.8). */
	rt_expect(TR_OK("03", "03", "00"), "6A80");
	rt_expect(TR_OK("02", "01", "00"), "6A80");
	rt_expect(TR_OK("02", "03", "01"), "6A80");
	/* Malformed: device identities, truncation, no data. */
	rt_expect("801400000C 8103020300 82028182 830100", "6A80");
	rt_expect("8014000008 8103020300 820282", "6A80");
	rt_expect("80140000", "6700");
	rt_expect("8014010000", "6A86");
	/* The command is still pending: the right answer ends it. */
	rt_expect(TR_OK("02", "03", "00"), "9000");
	rt_expect("8006000004", "10 00 00 02 9000");
}
END_TEST

START_TEST(retry_and_give_up)
{
	profile_and_poll();
	rt_expect(SEL_TK, "9000");
	/* Session entry: result 20 offers it again, RETRY_MAX times. */
	rt_expect("8002050000", "910F");
	unsigned n = 2;
	char fetch_resp[128], tr[128];
	for (unsigned i = 0; i < DM_TOOLKIT_RETRY_MAX; i++, n++) {
		snprintf(fetch_resp, sizeof fetch_resp, "D00D 8103%02X0300 82028182 84020105 9000", n);
		rt_expect("801200000F", fetch_resp);
		snprintf(tr, sizeof tr, "801400000C 8103%02X0300 82028281 830120", n);
		rt_expect(tr, i + 1 < DM_TOOLKIT_RETRY_MAX ? "910F" : "9000");
	}
	/* Given up: dropped, the owner told with no response. */
	rt_expect("8006000004", "10 00 FF 02 9000");
	rt_expect("8007000001", "00 9000");
	/* A persistent one waits for the next session instead. */
	rt_expect("8001000006" TRIG_PATH, "911E");
	for (unsigned i = 0; i < DM_TOOLKIT_RETRY_MAX; i++, n++) {
		snprintf(fetch_resp, sizeof fetch_resp, "D01C 8103%02X0101 82028182", n);
		rt_x("801200001E");
		ck_assert_uint_eq(rt_sw, 0x9000);
		snprintf(tr, sizeof tr, "801400000C 8103%02X0101 82028281 830120", n);
		rt_expect(tr, i + 1 < DM_TOOLKIT_RETRY_MAX ? "911E" : "9000");
	}
	rt_expect(STATUS, "9000");
	rt_expect("8007000001", "01 9000");
	rt_reopen(DM_CARD_T1, 0);
	rt_expect(TP, "911E");
	rt_expect("801200001E", REFRESH_TRIG("01") "9000");
	/* Another temporary problem (21) counts as well; 00 ends it. */
	rt_expect(TR_RES("01", "01", "01", "21"), "911E");
	rt_expect("801200001E", REFRESH_TRIG("02") "9000");
	rt_expect(TR_OK("02", "01", "01"), "910F");
}
END_TEST

START_TEST(envelope_busy_and_events)
{
	profile_and_poll();
	rt_expect(SEL_TK, "9000");
	/* Event download of a registered event (§7.5: user activity). */
	rt_expect("80C2000009 D607 99010482028281", "9000");
	rt_expect("8006000004", "01 04 EE 02 9000");
	/* Not registered (idle screen): nobody told. */
	rt_expect("80C2000009 D607 99010582028281", "9000");
	rt_expect("8006000004", "01 04 EE 02 9000");
	/* Malformed envelopes. */
	rt_expect("80C2000003 D60199", "6A80");
	rt_expect("80C2000002 D600", "6A80");
	rt_expect("80C20000", "6700");
	/* A proactive command in execution: 9300 (TS 102 221 §7.4.2.2). */
	rt_expect("8005000001", "01 9113");
	rt_expect("8012000013", "D011 8103022700 82028182 A40101 A5030000 10 9000");
	rt_expect("80C2000009 D607 99010482028281", "9300");
	rt_expect(TR_OK("02", "27", "00"), "9000");
	rt_expect("8006000004", "10 00 00 03 9000");
	/* Timer expiration to the timer's owner (§7.4). */
	rt_expect("80C200000E D70C 82028281 A40101 A5030000 10", "9000");
	rt_expect("8006000004", "02 01 EE 04 9000");
	/* Unknown timer: 9000, nobody told. */
	rt_expect("80C200000E D70C 82028281 A40102 A5030000 10", "9000");
	rt_expect("8006000004", "02 01 EE 04 9000");
	/* STATUS is the poll event. */
	rt_expect(STATUS, "9000");
	rt_expect("8006000004", "04 00 EE 05 9000");
}
END_TEST

START_TEST(abort_leaves_no_entry)
{
	profile_and_poll();
	rt_expect(SEL_TK, "9000");
	/* The command fails after queueing: neither the change nor the
	 * REFRESH (persistent) nor a session entry stays. */
	rt_expect("8001010006" TRIG_PATH, "6A80");
	rt_expect("8003010010 D00E 8103010500 82028182 9903040507", "6A80");
	rt_expect("8007000001", "00 9000");
	rt_expect("8004000004", "00000000 9000");
	rt_expect(STATUS, "9000");
}
END_TEST

START_TEST(power_cycle)
{
	profile_and_poll();
	rt_expect(SEL_TK, "9000");
	/* Persistent REFRESH survives, session POLL INTERVAL and the fetched
	 * state do not. */
	rt_expect("8002050000", "910F");
	rt_expect("801200000F", "D00D 8103020300 82028182 84020105 9000");
	rt_expect("8001000006" TRIG_PATH, "9000");
	rt_reopen(DM_CARD_T1, 0);
	rt_expect(SEL_TK, "9000");
	rt_expect("8007000001", "01 9000");
	rt_expect(TR_OK("02", "03", "00"), "6985");
	rt_expect("8012000000", "6985");
	rt_expect(TP, "911E");
	rt_expect("801200001E", REFRESH_TRIG("01") "9000");
	rt_expect(TR_OK("01", "01", "01"), "910F");
	rt_expect("801200000F", POLL30("02") "9000");
	rt_expect(TR_OK("02", "03", "00"), "9000");
	rt_reopen(DM_CARD_T1, 0);
	rt_expect(TP, "910F");
	/* Warm reset is a power cycle for the session, too. */
	dm_card_power(rt_card, DM_POWER_RESET);
	rt_expect(STATUS, "9000");
}
END_TEST

START_TEST(power_cut_queueing)
{
	char base[160];

	/* Image with a REFRESH already queued (so the merge path is cut too)
	 * and the toolkit block in place. */
	rt_expect(SEL_TK, "9000");
	rt_expect("8001000004 3F002FE2", "9000");
	snprintf(base, sizeof base, "%s.base", rt_image_path());
	dm_card_close(&rt_card);
	th_copy_file(rt_image_path(), base);
	rt_reopen(DM_CARD_T1, 0);
	bool done = false;
	unsigned long cuts = 0;
	for (unsigned long k = 1; !done && k < 1000; k++) {
		dm_card_close(&rt_card);
		th_copy_file(base, rt_image_path());
		/* Power is lost after k medium writes. */
		rt_reopen(DM_CARD_T1, k);
		rt_x(SEL_TK);
		uint16_t sw = rt_x("8001000006" TRIG_PATH);
		done = rt_rc == DM_OK && sw == 0x9000;
		cuts += !done;
		rt_reopen(DM_CARD_T1, 0);
		rt_expect(SEL_TK, "9000");
		rt_x("8004000004");
		ck_assert_uint_eq(rt_sw, 0x9000);
		uint32_t count = dm_get_u32be(rt_resp);
		ck_assert_msg(count == 1 || count == 2, "k=%lu counter %u", k, count);
		if (done)
			ck_assert_uint_eq(count, 2);
		/* Old state: REFRESH of 2FE2 alone; new: merged with EF_TRIG. */
		rt_expect(TP, count == 1 ? "911C" : "9122");
		rt_x("80120000FF");
		ck_assert_uint_eq(rt_sw, 0x9000);
		ck_assert_uint_eq(rt_resp_len, count == 1 ? 0x1C : 0x22);
		ck_assert_uint_eq(rt_resp[13], count == 1 ? 1 : 2); /* file count */
	}
	ck_assert(done);
	ck_assert_uint_gt(cuts, 0);
	remove(base);
}
END_TEST

/* --- the default card (DMSC application, fs_notify.c) --- */

static void setup_default(void)
{
	rt_use_registry(dm_default_registry, dm_default_registry_len);
	rt_setup_t1();
}

START_TEST(GEN_15_devchg)
{
	/* The device writes EF_DEVCHG (ADF DMSC 6421, UPDATE always): the
	 * card logs it to EF_EVLOG in the same command (dmsc_sec.h record:
	 * type 03 DEVCHG, source 01 card, counter 0, time 0, action FF, the
	 * file's path as name). */
	rt_expect("00A4040C08" DMSC_AID, "9000");
	rt_expect("00A4000C026421", "9000");
	rt_expect("00D6000004 01020304", "9000");
	rt_expect("0020008108 30303030FFFFFFFF", "9000");
	rt_expect("00A4000C026424", "9000");
	rt_expect("00B2010420", "0301 00000000 00000000 FF 06 3F007F606421"
				"FFFFFFFFFFFFFFFFFFFFFFFFFFFF 9000");
	/* A failed write logs nothing: record 2 (the one before) is still
	 * empty. */
	rt_expect("00A4000C026421", "9000");
	rt_expect("00D6020004 01020304", "6B00");
	rt_expect("00A4000C026424", "9000");
	rt_expect("00B2020420", "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
				"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF 9000");
}
END_TEST

START_TEST(GEN_20_refresh_default_card)
{
	/* Every change of provisioning data queues its REFRESH (fs_notify.c):
	 * EF_POLICY of ADF DMSC with ADM1. */
	rt_expect(TP, "910F");
	rt_expect("801200000F", POLL30("01") "9000");
	rt_expect(TR_OK("01", "03", "00"), "9000");
	rt_expect("0020000A08 3838383838383838", "9000");
	rt_expect("00A4040C08" DMSC_AID, "9000");
	rt_expect("00A4000C026423", "9000");
	rt_expect("00D6000001 AA", "911E");
	rt_expect("801200001E", "D01C 8103020101 82028182 9207013F007FFF6423 AF08" DMSC_AID
				"9000");
	rt_expect(TR_OK("02", "01", "01"), "9000");
	/* Not provisioning data (EF_DEVCHG): no REFRESH. */
	rt_expect("00A4000C026421", "9000");
	rt_expect("00D6000001 AA", "9000");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("toolkit");
	TCase *tc = tcase_create("toolkit");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, GEN_21_terminal_profile);
	tcase_add_test(tc, GEN_20_refresh);
	tcase_add_test(tc, GEN_14_trigger);
	tcase_add_test(tc, queue_order);
	tcase_add_test(tc, terminal_response_mismatch);
	tcase_add_test(tc, retry_and_give_up);
	tcase_add_test(tc, envelope_busy_and_events);
	tcase_add_test(tc, abort_leaves_no_entry);
	tcase_add_test(tc, power_cycle);
	tcase_add_test(tc, power_cut_queueing);
	suite_add_tcase(s, tc);
	TCase *td = tcase_create("default_card");
	tcase_add_checked_fixture(td, setup_default, teardown);
	tcase_set_timeout(td, 120);
	tcase_add_test(td, GEN_15_devchg);
	tcase_add_test(td, GEN_20_refresh_default_card);
	suite_add_tcase(s, td);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
