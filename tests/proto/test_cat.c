/* test_cat.c - TS 102 223 toolkit codecs (proto/cat.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cat.h"

/* dmsc-reference.md "Proactive notification" step 4: REFRESH, file change
 * notification for EF_TRIG 3F00/7FFF/6422 in the DMSC ADF. */
static const uint8_t refresh[] = {
	0xD0, 0x1C, 0x81, 0x03, 0x01, 0x01, 0x01, 0x82, 0x02, 0x81, 0x82,
	0x92, 0x07, 0x01, 0x3F, 0x00, 0x7F, 0xFF, 0x64, 0x22,
	0xAF, 0x08, 0xF0, 0x4F, 0x4D, 0x41, 0x44, 0x4D, 0x53, 0x43,
};
static const uint8_t dmsc_aid[] = { 0xF0, 0x4F, 0x4D, 0x41, 0x44, 0x4D, 0x53, 0x43 };
static const uint8_t trig_path[] = { 0x3F, 0x00, 0x7F, 0xFF, 0x64, 0x22 };

static void assert_cmd_builds(const dm_cat_cmd *c, const uint8_t *want, size_t n)
{
	uint8_t buf[300];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);

	ck_assert_int_eq(dm_cat_cmd_build(c, &w), DM_OK);
	ck_assert_uint_eq(w.len, n);
	ck_assert_mem_eq(buf, want, n);
}

#define CMD_PARSE(s, c) dm_cat_cmd_parse((const uint8_t *)(s), sizeof(s) - 1, (c))

START_TEST(refresh_reference_build)
{
	dm_cat_cmd c;

	memset(&c, 0, sizeof c);
	c.number = 1;
	c.type = DM_TS102223_TOC_REFRESH;
	c.qualifier = DM_TS102223_REFRESH_FCN;
	c.dst = DM_TS102223_DEV_TERMINAL;
	c.has_file_list = true;
	c.file_count = 1;
	c.file_paths = dm_bytes_of(trig_path, sizeof trig_path);
	c.has_aid = true;
	c.aid = dm_bytes_of(dmsc_aid, sizeof dmsc_aid);
	assert_cmd_builds(&c, refresh, sizeof refresh);
}
END_TEST

START_TEST(refresh_reference_parse)
{
	dm_cat_cmd c;
	dm_bytes paths, p;

	ck_assert_int_eq(dm_cat_cmd_parse(refresh, sizeof refresh, &c), DM_OK);
	ck_assert_uint_eq(c.number, 1);
	ck_assert_uint_eq(c.type, DM_TS102223_TOC_REFRESH);
	ck_assert_uint_eq(c.qualifier, DM_TS102223_REFRESH_FCN);
	ck_assert_uint_eq(c.dst, DM_TS102223_DEV_TERMINAL);
	ck_assert(c.has_file_list);
	ck_assert_uint_eq(c.file_count, 1);
	ck_assert(c.has_aid);
	ck_assert_uint_eq(c.aid.len, sizeof dmsc_aid);
	ck_assert_mem_eq(c.aid.ptr, dmsc_aid, sizeof dmsc_aid);
	ck_assert_ptr_eq(c.aid.ptr, refresh + 22);
	ck_assert(!c.has_alpha && !c.has_text && !c.has_duration && !c.has_events);
	paths = c.file_paths;
	ck_assert_int_eq(dm_cat_file_next(&paths, &p), 1);
	ck_assert_uint_eq(p.len, sizeof trig_path);
	ck_assert_mem_eq(p.ptr, trig_path, sizeof trig_path);
	ck_assert_int_eq(dm_cat_file_next(&paths, &p), 0);
	assert_cmd_builds(&c, refresh, sizeof refresh);
}
END_TEST

START_TEST(other_commands_known_answers)
{
	static const uint8_t poll[] = {
		0xD0, 0x0D, 0x81, 0x03, 0x02, 0x03, 0x00, 0x82, 0x02, 0x81, 0x82,
		0x84, 0x02, 0x01, 0x1E,
	};
	static const uint8_t events[] = {
		0xD0, 0x0C, 0x81, 0x03, 0x03, 0x05, 0x00, 0x82, 0x02, 0x81, 0x82,
		0x99, 0x01, 0x05,
	};
	static const uint8_t timer[] = {
		0xD0, 0x11, 0x81, 0x03, 0x04, 0x27, 0x00, 0x82, 0x02, 0x81, 0x82,
		0xA4, 0x01, 0x01, 0xA5, 0x03, 0x00, 0x30, 0x00,
	};
	static const uint8_t more_time[] = {
		0xD0, 0x09, 0x81, 0x03, 0x05, 0x02, 0x00, 0x82, 0x02, 0x81, 0x82,
	};
	dm_cat_cmd c;

	memset(&c, 0, sizeof c);
	c.number = 2;
	c.type = DM_TS102223_TOC_POLL_INTERVAL;
	c.dst = DM_TS102223_DEV_TERMINAL;
	c.has_duration = true;
	c.duration_unit = DM_TS102223_UNIT_SECONDS;
	c.duration_interval = 30;
	assert_cmd_builds(&c, poll, sizeof poll);

	memset(&c, 0, sizeof c);
	c.number = 3;
	c.type = DM_TS102223_TOC_SET_UP_EVENT_LIST;
	c.dst = DM_TS102223_DEV_TERMINAL;
	c.has_events = true;
	c.events = dm_bytes_of((const uint8_t *)"\x05", 1);
	assert_cmd_builds(&c, events, sizeof events);

	memset(&c, 0, sizeof c);
	c.number = 4;
	c.type = DM_TS102223_TOC_TIMER_MANAGEMENT;
	c.qualifier = DM_TS102223_TIMER_START;
	c.dst = DM_TS102223_DEV_TERMINAL;
	c.has_timer_id = true;
	c.timer_id = 1;
	c.has_timer_value = true;
	memcpy(c.timer_value, "\x00\x30\x00", 3);
	assert_cmd_builds(&c, timer, sizeof timer);

	memset(&c, 0, sizeof c);
	c.number = 5;
	c.type = DM_TS102223_TOC_MORE_TIME;
	c.dst = DM_TS102223_DEV_TERMINAL;
	assert_cmd_builds(&c, more_time, sizeof more_time);

	ck_assert_int_eq(dm_cat_cmd_parse(poll, sizeof poll, &c), DM_OK);
	ck_assert(c.has_duration);
	ck_assert_uint_eq(c.duration_unit, 1);
	ck_assert_uint_eq(c.duration_interval, 30);
	ck_assert_int_eq(dm_cat_cmd_parse(timer, sizeof timer, &c), DM_OK);
	ck_assert_uint_eq(c.timer_id, 1);
	ck_assert_mem_eq(c.timer_value, "\x00\x30\x00", 3);
	ck_assert_int_eq(dm_cat_cmd_parse(events, sizeof events, &c), DM_OK);
	ck_assert_uint_eq(c.events.len, 1);
	ck_assert_uint_eq(c.events.ptr[0], DM_TS102223_EV_IDLE_SCREEN);
}
END_TEST

START_TEST(all_fields_round_trip)
{
	static const uint8_t paths[] = {
		0x3F, 0x00, 0x2F, 0x06, 0x3F, 0x00, 0x7F, 0xFF, 0x64, 0x22, 0x3F, 0x00, 0x7F, 0xFF, 0x64, 0x24,
	};
	uint8_t buf[300];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	dm_cat_cmd c, d;

	memset(&c, 0, sizeof c);
	c.number = 0xFE;
	c.type = DM_TS102223_TOC_DISPLAY_TEXT;
	c.qualifier = 0x81;
	c.dst = DM_TS102223_DEV_DISPLAY;
	c.has_file_list = true;
	c.file_count = 3;
	c.file_paths = dm_bytes_of(paths, sizeof paths);
	c.has_aid = true;
	c.aid = dm_bytes_of(dmsc_aid, sizeof dmsc_aid);
	c.has_alpha = true; /* empty alpha identifier: allowed */
	c.has_address = true;
	c.address = dm_bytes_of((const uint8_t *)"\x91\x21\x43", 3);
	c.has_text = true;
	c.text = dm_bytes_of((const uint8_t *)"\x04Hello", 6);
	c.has_duration = true;
	c.duration_unit = DM_TS102223_UNIT_TENTHS;
	c.duration_interval = 0xFF;
	c.has_events = true;
	c.has_timer_id = true;
	c.timer_id = 8;
	c.has_timer_value = true;
	memcpy(c.timer_value, "\x10\x20\x30", 3);
	ck_assert_int_eq(dm_cat_cmd_build(&c, &w), DM_OK);
	ck_assert_int_eq(dm_cat_cmd_parse(buf, w.len, &d), DM_OK);
	ck_assert_uint_eq(d.number, 0xFE);
	ck_assert_uint_eq(d.qualifier, 0x81);
	ck_assert_uint_eq(d.dst, DM_TS102223_DEV_DISPLAY);
	ck_assert_uint_eq(d.file_count, 3);
	ck_assert_mem_eq(d.file_paths.ptr, paths, sizeof paths);
	ck_assert(d.has_alpha);
	ck_assert_uint_eq(d.alpha.len, 0);
	ck_assert_mem_eq(d.address.ptr, "\x91\x21\x43", 3);
	ck_assert_mem_eq(d.text.ptr, "\x04Hello", 6);
	ck_assert_uint_eq(d.duration_unit, 2);
	ck_assert(d.has_events);
	ck_assert_uint_eq(d.events.len, 0);
	ck_assert_uint_eq(d.timer_id, 8);
	ck_assert_mem_eq(d.timer_value, "\x10\x20\x30", 3);
	/* The file list walks as three paths of 2, 3 and 3 FIDs. */
	dm_bytes rest = d.file_paths, p;
	ck_assert_int_eq(dm_cat_file_next(&rest, &p), 1);
	ck_assert_uint_eq(p.len, 4);
	ck_assert_int_eq(dm_cat_file_next(&rest, &p), 1);
	ck_assert_uint_eq(p.len, 6);
	ck_assert_int_eq(dm_cat_file_next(&rest, &p), 1);
	ck_assert_mem_eq(p.ptr, "\x3F\x00\x7F\xFF\x64\x24", 6);
	ck_assert_int_eq(dm_cat_file_next(&rest, &p), 0);
	/* Building the parsed command gives the same bytes. */
	assert_cmd_builds(&d, buf, w.len);
}
END_TEST

START_TEST(comprehension_tlv_forms)
{
	dm_ctlv t;
	size_t used;

	ck_assert_int_eq(dm_ctlv_parse((const uint8_t *)"\x81\x03\x01\x01\x01", 5, &t, &used), DM_OK);
	ck_assert_uint_eq(t.tag, 0x01);
	ck_assert(t.cr);
	ck_assert_uint_eq(t.len, 3);
	ck_assert_uint_eq(used, 5);
	ck_assert_int_eq(dm_ctlv_parse((const uint8_t *)"\x05\x00", 2, &t, &used), DM_OK);
	ck_assert_uint_eq(t.tag, 0x05);
	ck_assert(!t.cr);
	ck_assert_uint_eq(t.len, 0);
	ck_assert_int_eq(dm_ctlv_parse((const uint8_t *)"\x7F\x80\x7F\x01\xAA", 5, &t, &used), DM_OK);
	ck_assert_uint_eq(t.tag, 0x7F);
	ck_assert(t.cr);
	ck_assert_uint_eq(t.hdr_len, 4);
	ck_assert_int_eq(dm_ctlv_parse((const uint8_t *)"\x7F\x12\x34\x00", 4, &t, &used), DM_OK);
	ck_assert_uint_eq(t.tag, 0x1234);
	ck_assert(!t.cr);

	uint8_t long_len[2 + 0x80];
	long_len[0] = 0x8D;
	long_len[1] = 0x81;
	long_len[2] = 0x80;
	memset(long_len + 3, 0x41, sizeof long_len - 3);
	ck_assert_int_eq(dm_ctlv_parse(long_len, 3 + 0x80 - 1, &t, &used), DM_E_TRUNCATED);
	uint8_t ok_len[3 + 0x80];
	memcpy(ok_len, long_len, 3);
	memset(ok_len + 3, 0x41, 0x80);
	ck_assert_int_eq(dm_ctlv_parse(ok_len, sizeof ok_len, &t, &used), DM_OK);
	ck_assert_uint_eq(t.len, 0x80);
	ck_assert_uint_eq(t.hdr_len, 3);
}
END_TEST

START_TEST(comprehension_tlv_malformed)
{
	dm_ctlv t;
	size_t used;

	ck_assert_int_eq(dm_ctlv_parse((const uint8_t *)"\x00\x00", 2, &t, &used), DM_E_TAG);
	ck_assert_int_eq(dm_ctlv_parse((const uint8_t *)"\x80\x00", 2, &t, &used), DM_E_TAG);
	ck_assert_int_eq(dm_ctlv_parse((const uint8_t *)"\xFF\x00", 2, &t, &used), DM_E_TAG);
	ck_assert_int_eq(dm_ctlv_parse((const uint8_t *)"\x7F\x80\x00\x00", 4, &t, &used), DM_E_TAG);
	ck_assert_int_eq(dm_ctlv_parse((const uint8_t *)"\x7F\x00\x00\x00", 4, &t, &used), DM_E_TAG);
	ck_assert_int_eq(dm_ctlv_parse((const uint8_t *)"\x7F\x01", 2, &t, &used), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_ctlv_parse((const uint8_t *)"\x81", 1, &t, &used), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_ctlv_parse((const uint8_t *)"\x81\x81", 2, &t, &used), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_ctlv_parse((const uint8_t *)"\x81\x81\x05\x00", 4, &t, &used), DM_E_LENGTH);
	ck_assert_int_eq(dm_ctlv_parse((const uint8_t *)"\x81\x80\x00", 3, &t, &used), DM_E_LENGTH);
	ck_assert_int_eq(dm_ctlv_parse((const uint8_t *)"\x81\x82\x00\x01\x00", 5, &t, &used),
			 DM_E_LENGTH);
	ck_assert_int_eq(dm_ctlv_parse((const uint8_t *)"\x81\x03\x01\x01", 4, &t, &used),
			 DM_E_TRUNCATED);
	ck_assert_int_eq(dm_ctlv_parse(NULL, 0, &t, &used), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_ctlv_parse(NULL, 1, &t, &used), DM_E_ARG);
}
END_TEST

START_TEST(comprehension_tlv_put)
{
	uint8_t buf[300], val[256];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);

	memset(val, 0x20, sizeof val);
	ck_assert_int_eq(dm_ctlv_put(&w, 0x05, false, "ab", 2), DM_OK);
	ck_assert_int_eq(dm_ctlv_put(&w, 0x7F, true, NULL, 0), DM_OK);
	ck_assert_int_eq(dm_ctlv_put(&w, 0x1234, false, "x", 1), DM_OK);
	ck_assert_uint_eq(w.len, 4 + 4 + 5);
	ck_assert_mem_eq(buf, "\x05\x02" "ab" "\x7F\x80\x7F\x00" "\x7F\x12\x34\x01x", 13);
	ck_assert_int_eq(dm_ctlv_put(&w, 0x0D, true, val, 0x80), DM_OK);
	ck_assert_mem_eq(buf + 13, "\x8D\x81\x80", 3);
	ck_assert_int_eq(dm_ctlv_put(&w, 0, true, val, 1), DM_E_ARG);
	ck_assert_int_eq(dm_ctlv_put(&w, 0x8000, true, val, 1), DM_E_ARG);
	ck_assert_int_eq(dm_ctlv_put(&w, 0x0D, true, val, 256), DM_E_LENGTH);
	ck_assert_int_eq(dm_ctlv_put(&w, 0x0D, true, NULL, 1), DM_E_ARG);
	size_t before = w.len;
	ck_assert_int_eq(dm_ctlv_put(&w, 0x0D, true, val, sizeof buf - before - 1), DM_E_OVERFLOW);
	ck_assert_uint_eq(w.len, before);
}
END_TEST

START_TEST(command_lenience)
{
	dm_cat_cmd c;

	/* CR clear on the fixed objects; unknown object without CR (icon id 1E)
	 * skipped; objects in a different order than the builder's. */
	ck_assert_int_eq(CMD_PARSE("\xD0\x17\x01\x03\x01\x01\x01\x02\x02\x81\x82"
				   "\x1E\x02\x00\x01\x2F\x01\xA0\x12\x05\x01\x3F\x00\x2F\x06", &c),
			 DM_OK);
	ck_assert(c.has_aid);
	ck_assert_uint_eq(c.aid.len, 1);
	ck_assert_uint_eq(c.file_count, 1);
	/* The same unknown object with CR: not understood. */
	ck_assert_int_eq(CMD_PARSE("\xD0\x0D\x81\x03\x01\x01\x01\x82\x02\x81\x82\x9E\x02\x00\x01", &c),
			 DM_E_UNSUPPORTED);
	/* The 3-byte form of a known tag is the same tag. */
	ck_assert_int_eq(CMD_PARSE("\xD0\x0F\x81\x03\x01\x03\x00\x82\x02\x81\x82"
				   "\x7F\x80\x04\x02\x01\x05", &c), DM_OK);
	ck_assert(c.has_duration);
	ck_assert_uint_eq(c.duration_interval, 5);
	/* File list with no file (count 0). */
	ck_assert_int_eq(CMD_PARSE("\xD0\x0C\x81\x03\x01\x01\x04\x82\x02\x81\x82\x92\x01\x00", &c),
			 DM_OK);
	ck_assert(c.has_file_list);
	ck_assert_uint_eq(c.file_count, 0);
	ck_assert_uint_eq(c.file_paths.len, 0);
}
END_TEST

START_TEST(command_malformed)
{
	dm_cat_cmd c;
	uint8_t buf[sizeof refresh + 1];

	/* Container. */
	memcpy(buf, refresh, sizeof refresh);
	buf[0] = 0xD1;
	ck_assert_int_eq(dm_cat_cmd_parse(buf, sizeof refresh, &c), DM_E_TAG);
	ck_assert_int_eq(dm_cat_cmd_parse(refresh, sizeof refresh - 1, &c), DM_E_TRUNCATED);
	memcpy(buf, refresh, sizeof refresh);
	buf[sizeof refresh] = 0x00;
	ck_assert_int_eq(dm_cat_cmd_parse(buf, sizeof buf, &c), DM_E_TRAILING);
	ck_assert_int_eq(CMD_PARSE("\xD0\x81\x09\x81\x03\x01\x02\x00\x82\x02\x81\x82", &c), DM_E_LENGTH);
	ck_assert_int_eq(CMD_PARSE("\xD0\x00", &c), DM_E_NOT_FOUND);
	ck_assert_int_eq(CMD_PARSE("\xD0\x05\x81\x03\x01\x02\x00", &c), DM_E_NOT_FOUND);
	/* Head. */
	ck_assert_int_eq(CMD_PARSE("\xD0\x09\x82\x02\x81\x82\x81\x03\x01\x02\x00", &c), DM_E_TAG);
	ck_assert_int_eq(CMD_PARSE("\xD0\x08\x81\x02\x01\x02\x82\x02\x81\x82", &c), DM_E_LENGTH);
	ck_assert_int_eq(CMD_PARSE("\xD0\x09\x81\x03\x00\x02\x00\x82\x02\x81\x82", &c), DM_E_VALUE);
	ck_assert_int_eq(CMD_PARSE("\xD0\x09\x81\x03\xFF\x02\x00\x82\x02\x81\x82", &c), DM_E_VALUE);
	ck_assert_int_eq(CMD_PARSE("\xD0\x09\x81\x03\x01\x02\x00\x82\x02\x82\x81", &c), DM_E_VALUE);
	ck_assert_int_eq(CMD_PARSE("\xD0\x0A\x81\x03\x01\x02\x00\x82\x03\x81\x82\x00", &c), DM_E_LENGTH);
	ck_assert_int_eq(CMD_PARSE("\xD0\x0A\x81\x03\x01\x02\x00\x82\x02\x81\x82\x81", &c),
			 DM_E_TRUNCATED);
	/* Repeats. */
	ck_assert_int_eq(CMD_PARSE("\xD0\x11\x81\x03\x01\x03\x00\x82\x02\x81\x82"
				   "\x84\x02\x01\x05\x84\x02\x01\x05", &c), DM_E_TAG);
	ck_assert_int_eq(CMD_PARSE("\xD0\x0D\x81\x03\x01\x03\x00\x82\x02\x81\x82"
				   "\x85\x00\x05\x00", &c), DM_E_TAG);
	/* File list. */
	ck_assert_int_eq(CMD_PARSE("\xD0\x0B\x81\x03\x01\x01\x01\x82\x02\x81\x82\x92\x00", &c),
			 DM_E_LENGTH);
	ck_assert_int_eq(CMD_PARSE("\xD0\x10\x81\x03\x01\x01\x01\x82\x02\x81\x82"
				   "\x92\x05\x02\x3F\x00\x2F\x06", &c), DM_E_VALUE);
	ck_assert_int_eq(CMD_PARSE("\xD0\x10\x81\x03\x01\x01\x01\x82\x02\x81\x82"
				   "\x92\x05\x01\x7F\xFF\x64\x22", &c), DM_E_VALUE);
	ck_assert_int_eq(CMD_PARSE("\xD0\x0F\x81\x03\x01\x01\x01\x82\x02\x81\x82"
				   "\x92\x04\x01\x3F\x00\x2F", &c), DM_E_VALUE);
	ck_assert_int_eq(CMD_PARSE("\xD0\x0E\x81\x03\x01\x01\x01\x82\x02\x81\x82"
				   "\x92\x03\x01\x3F\x00", &c), DM_E_VALUE);
	ck_assert_int_eq(CMD_PARSE("\xD0\x0C\x81\x03\x01\x01\x01\x82\x02\x81\x82\x92\x01\x01", &c),
			 DM_E_VALUE);
	/* AID, duration, timer. */
	ck_assert_int_eq(CMD_PARSE("\xD0\x0B\x81\x03\x01\x01\x01\x82\x02\x81\x82\xAF\x00", &c),
			 DM_E_LENGTH);
	ck_assert_int_eq(CMD_PARSE("\xD0\x1C\x81\x03\x01\x01\x01\x82\x02\x81\x82\xAF\x11"
				   "0123456789abcdefg", &c), DM_E_LENGTH);
	ck_assert_int_eq(CMD_PARSE("\xD0\x0D\x81\x03\x01\x03\x00\x82\x02\x81\x82\x84\x02\x03\x05", &c),
			 DM_E_VALUE);
	ck_assert_int_eq(CMD_PARSE("\xD0\x0D\x81\x03\x01\x03\x00\x82\x02\x81\x82\x84\x02\x01\x00", &c),
			 DM_E_VALUE);
	ck_assert_int_eq(CMD_PARSE("\xD0\x0E\x81\x03\x01\x03\x00\x82\x02\x81\x82"
				   "\x84\x03\x01\x05\x00", &c), DM_E_LENGTH);
	ck_assert_int_eq(CMD_PARSE("\xD0\x0C\x81\x03\x01\x27\x00\x82\x02\x81\x82\xA4\x01\x00", &c),
			 DM_E_VALUE);
	ck_assert_int_eq(CMD_PARSE("\xD0\x0C\x81\x03\x01\x27\x00\x82\x02\x81\x82\xA4\x01\x09", &c),
			 DM_E_VALUE);
	ck_assert_int_eq(CMD_PARSE("\xD0\x0D\x81\x03\x01\x27\x00\x82\x02\x81\x82\xA4\x02\x01\x01", &c),
			 DM_E_LENGTH);
	ck_assert_int_eq(CMD_PARSE("\xD0\x0D\x81\x03\x01\x27\x00\x82\x02\x81\x82\xA5\x02\x00\x01", &c),
			 DM_E_LENGTH);
	ck_assert_int_eq(CMD_PARSE("\xD0\x0B\x81\x03\x01\x13\x00\x82\x02\x81\x82\x86\x00", &c),
			 DM_E_LENGTH);
	ck_assert_int_eq(dm_cat_cmd_parse(NULL, 3, &c), DM_E_ARG);
	ck_assert_int_eq(dm_cat_cmd_parse(refresh, sizeof refresh, NULL), DM_E_ARG);
}
END_TEST

START_TEST(command_build_rejects)
{
	static uint8_t big[250];
	uint8_t buf[300];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	dm_cat_cmd c, ok;

	ck_assert_int_eq(dm_cat_cmd_parse(refresh, sizeof refresh, &ok), DM_OK);
	c = ok;
	c.number = 0;
	ck_assert_int_eq(dm_cat_cmd_build(&c, &w), DM_E_VALUE);
	c = ok;
	c.file_count = 2;
	ck_assert_int_eq(dm_cat_cmd_build(&c, &w), DM_E_VALUE);
	c = ok;
	c.aid.len = 17;
	ck_assert_int_eq(dm_cat_cmd_build(&c, &w), DM_E_LENGTH);
	c = ok;
	c.has_duration = true;
	c.duration_unit = 3;
	c.duration_interval = 1;
	ck_assert_int_eq(dm_cat_cmd_build(&c, &w), DM_E_VALUE);
	c = ok;
	c.has_timer_id = true;
	c.timer_id = 0;
	ck_assert_int_eq(dm_cat_cmd_build(&c, &w), DM_E_VALUE);
	c = ok;
	c.has_address = true;
	ck_assert_int_eq(dm_cat_cmd_build(&c, &w), DM_E_LENGTH);
	/* An alpha identifier that takes the command past 255 bytes. */
	c = ok;
	c.has_alpha = true;
	c.alpha = dm_bytes_of(big, sizeof big);
	ck_assert_int_eq(dm_cat_cmd_build(&c, &w), DM_E_LENGTH);
	ck_assert_uint_eq(w.len, 0);
	/* Exactly 255 bytes of value is fine: 28 + 3 + 224. */
	c.alpha.len = 224;
	ck_assert_int_eq(dm_cat_cmd_build(&c, &w), DM_OK);
	ck_assert_uint_eq(w.len, 3 + 255);
	ck_assert_int_eq(dm_cat_cmd_parse(buf, w.len, &c), DM_OK);
	ck_assert_uint_eq(c.alpha.len, 224);
	ck_assert_int_eq(dm_cat_cmd_build(NULL, &w), DM_E_ARG);
}
END_TEST

START_TEST(command_build_bounds)
{
	uint8_t buf[sizeof refresh];
	dm_cat_cmd c;

	ck_assert_int_eq(dm_cat_cmd_parse(refresh, sizeof refresh, &c), DM_OK);
	for (size_t cap = 0; cap < sizeof refresh; cap++) {
		dm_wbuf w = dm_wbuf_init(buf, cap);
		ck_assert_int_eq(dm_cat_cmd_build(&c, &w), DM_E_OVERFLOW);
		ck_assert_uint_eq(w.len, 0);
	}
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(dm_cat_cmd_build(&c, &w), DM_OK);
	ck_assert_mem_eq(buf, refresh, sizeof refresh);
}
END_TEST

START_TEST(file_list_walk)
{
	dm_bytes paths, p;

	paths = dm_bytes_of((const uint8_t *)"\x3F\x00\x2F\x06\x3F\x00\x7F\xFF\x64\x22", 10);
	ck_assert_int_eq(dm_cat_file_next(&paths, &p), 1);
	ck_assert_mem_eq(p.ptr, "\x3F\x00\x2F\x06", 4);
	ck_assert_uint_eq(p.len, 4);
	ck_assert_int_eq(dm_cat_file_next(&paths, &p), 1);
	ck_assert_uint_eq(p.len, 6);
	ck_assert_int_eq(dm_cat_file_next(&paths, &p), 0);
	paths = dm_bytes_of((const uint8_t *)"\x3F\x00\x3F\x00\x2F\x06", 6);
	ck_assert_int_eq(dm_cat_file_next(&paths, &p), DM_E_VALUE);
	paths = dm_bytes_of((const uint8_t *)"\x2F\x06", 2);
	ck_assert_int_eq(dm_cat_file_next(&paths, &p), DM_E_VALUE);
	paths = dm_bytes_of((const uint8_t *)"\x3F\x00\x2F", 3);
	ck_assert_int_eq(dm_cat_file_next(&paths, &p), DM_E_VALUE);
	ck_assert_int_eq(dm_cat_file_next(NULL, &p), DM_E_ARG);
}
END_TEST

/* dmsc-reference.md step 3: TERMINAL RESPONSE to the REFRESH, result 00. */
static const uint8_t tr_ok[] = {
	0x81, 0x03, 0x01, 0x01, 0x01, 0x82, 0x02, 0x82, 0x81, 0x83, 0x01, 0x00,
};

START_TEST(terminal_response)
{
	static const uint8_t busy[] = {
		0x81, 0x03, 0x07, 0x03, 0x00, 0x82, 0x02, 0x82, 0x81, 0x83, 0x02, 0x20, 0x01,
		0x84, 0x02, 0x01, 0x3C,
	};
	uint8_t buf[64];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	dm_cat_resp r;

	ck_assert_int_eq(dm_cat_resp_parse(tr_ok, sizeof tr_ok, &r), DM_OK);
	ck_assert_uint_eq(r.number, 1);
	ck_assert_uint_eq(r.type, DM_TS102223_TOC_REFRESH);
	ck_assert_uint_eq(r.qualifier, 1);
	ck_assert_uint_eq(r.result, DM_TS102223_RES_OK);
	ck_assert_uint_eq(r.additional.len, 0);
	ck_assert_uint_eq(r.extra.len, 0);
	ck_assert_int_eq(dm_cat_resp_build(&r, &w), DM_OK);
	ck_assert_uint_eq(w.len, sizeof tr_ok);
	ck_assert_mem_eq(buf, tr_ok, sizeof tr_ok);

	ck_assert_int_eq(dm_cat_resp_parse(busy, sizeof busy, &r), DM_OK);
	ck_assert_uint_eq(r.result, DM_TS102223_RES_TERMINAL_BUSY);
	ck_assert_int_eq(dm_cat_result_kind_of(r.result), DM_CAT_RESULT_TEMPORARY);
	ck_assert_uint_eq(r.additional.len, 1);
	ck_assert_uint_eq(r.additional.ptr[0], 0x01);
	ck_assert_uint_eq(r.extra.len, 4);
	ck_assert_ptr_eq(r.extra.ptr, busy + 13);
	w = dm_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(dm_cat_resp_build(&r, &w), DM_OK);
	ck_assert_uint_eq(w.len, sizeof busy);
	ck_assert_mem_eq(buf, busy, sizeof busy);
}
END_TEST

#define TR_PARSE(s, r) dm_cat_resp_parse((const uint8_t *)(s), sizeof(s) - 1, (r))

START_TEST(terminal_response_malformed)
{
	uint8_t big[256];
	dm_cat_resp r;

	ck_assert_int_eq(TR_PARSE("\x81\x03\x01\x01\x01\x82\x02\x81\x82\x83\x01\x00", &r), DM_E_VALUE);
	ck_assert_int_eq(TR_PARSE("\x81\x03\x01\x01\x01\x82\x02\x82\x82\x83\x01\x00", &r), DM_E_VALUE);
	ck_assert_int_eq(TR_PARSE("\x81\x03\x01\x01\x01\x82\x02\x82\x81", &r), DM_E_NOT_FOUND);
	ck_assert_int_eq(TR_PARSE("\x81\x03\x01\x01\x01\x82\x02\x82\x81\x83\x00", &r), DM_E_LENGTH);
	ck_assert_int_eq(TR_PARSE("\x81\x03\x01\x01\x01\x82\x02\x82\x81\x84\x01\x00", &r), DM_E_TAG);
	ck_assert_int_eq(TR_PARSE("\x82\x02\x82\x81\x81\x03\x01\x01\x01\x83\x01\x00", &r), DM_E_TAG);
	ck_assert_int_eq(TR_PARSE("\x81\x03\x01\x01\x01\x82\x02\x82\x81\x83\x01\x00\x84\x05", &r),
			 DM_E_TRUNCATED);
	ck_assert_int_eq(TR_PARSE("\x81\x03\x01\x01\x01\x82\x02\x82\x81\x83\x01\x00\x00", &r), DM_E_TAG);
	ck_assert_int_eq(TR_PARSE("", &r), DM_E_NOT_FOUND);
	memcpy(big, tr_ok, sizeof tr_ok);
	ck_assert_int_eq(dm_cat_resp_parse(big, sizeof big, &r), DM_E_LENGTH);
}
END_TEST

START_TEST(terminal_response_build_rejects)
{
	static uint8_t big[250];
	uint8_t buf[300];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	dm_cat_resp r;

	ck_assert_int_eq(dm_cat_resp_parse(tr_ok, sizeof tr_ok, &r), DM_OK);
	r.extra = dm_bytes_of((const uint8_t *)"\x84\x05\x01", 3);
	ck_assert_int_eq(dm_cat_resp_build(&r, &w), DM_E_VALUE);
	ck_assert_uint_eq(w.len, 0);
	r.extra = dm_bytes_of(NULL, 0);
	r.additional = dm_bytes_of(big, sizeof big);
	ck_assert_int_eq(dm_cat_resp_build(&r, &w), DM_E_LENGTH);
	ck_assert_uint_eq(w.len, 0);
	r.additional.len = 0;
	r.number = 0xFF;
	ck_assert_int_eq(dm_cat_resp_build(&r, &w), DM_E_VALUE);
	r.number = 1;
	for (size_t cap = 0; cap < sizeof tr_ok; cap++) {
		w = dm_wbuf_init(buf, cap);
		ck_assert_int_eq(dm_cat_resp_build(&r, &w), DM_E_OVERFLOW);
		ck_assert_uint_eq(w.len, 0);
	}
}
END_TEST

START_TEST(result_kinds)
{
	ck_assert_int_eq(dm_cat_result_kind_of(0x00), DM_CAT_RESULT_SUCCESS);
	ck_assert_int_eq(dm_cat_result_kind_of(0x04), DM_CAT_RESULT_SUCCESS);
	ck_assert_int_eq(dm_cat_result_kind_of(0x10), DM_CAT_RESULT_USER_ENDED);
	ck_assert_int_eq(dm_cat_result_kind_of(0x20), DM_CAT_RESULT_TEMPORARY);
	ck_assert_int_eq(dm_cat_result_kind_of(0x24), DM_CAT_RESULT_TEMPORARY);
	ck_assert_int_eq(dm_cat_result_kind_of(0x30), DM_CAT_RESULT_PERMANENT);
	ck_assert_int_eq(dm_cat_result_kind_of(0x3A), DM_CAT_RESULT_PERMANENT);
	ck_assert_int_eq(dm_cat_result_kind_of(0x40), DM_CAT_RESULT_UNKNOWN);
	ck_assert_int_eq(dm_cat_result_kind_of(0xFF), DM_CAT_RESULT_UNKNOWN);
}
END_TEST

#define ENV_PARSE(s, e) dm_cat_env_parse((const uint8_t *)(s), sizeof(s) - 1, (e))

START_TEST(envelopes)
{
	static const uint8_t ev[] = { 0xD6, 0x07, 0x99, 0x01, 0x05, 0x82, 0x02, 0x02, 0x81 };
	static const uint8_t tm[] = {
		0xD7, 0x0C, 0x82, 0x02, 0x82, 0x81, 0xA4, 0x01, 0x01, 0xA5, 0x03, 0x00, 0x00, 0x10,
	};
	static const uint8_t sms[] = { 0xD1, 0x06, 0x82, 0x02, 0x83, 0x81, 0x8B, 0x00 };
	uint8_t buf[64];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	dm_cat_env e;

	ck_assert_int_eq(dm_cat_env_parse(ev, sizeof ev, &e), DM_OK);
	ck_assert_uint_eq(e.tag, DM_TS102223_BER_EVENT_DOWNLOAD);
	ck_assert_uint_eq(e.event, DM_TS102223_EV_IDLE_SCREEN);
	ck_assert_uint_eq(e.src, DM_TS102223_DEV_DISPLAY);
	ck_assert_uint_eq(e.extra.len, 0);
	ck_assert_int_eq(dm_cat_env_build(&e, &w), DM_OK);
	ck_assert_uint_eq(w.len, sizeof ev);
	ck_assert_mem_eq(buf, ev, sizeof ev);

	ck_assert_int_eq(dm_cat_env_parse(tm, sizeof tm, &e), DM_OK);
	ck_assert_uint_eq(e.tag, DM_TS102223_BER_TIMER_EXPIRATION);
	ck_assert_uint_eq(e.src, DM_TS102223_DEV_TERMINAL);
	ck_assert_uint_eq(e.timer_id, 1);
	ck_assert_mem_eq(e.timer_value, "\x00\x00\x10", 3);
	w = dm_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(dm_cat_env_build(&e, &w), DM_OK);
	ck_assert_uint_eq(w.len, sizeof tm);
	ck_assert_mem_eq(buf, tm, sizeof tm);

	ck_assert_int_eq(dm_cat_env_parse(sms, sizeof sms, &e), DM_OK);
	ck_assert_uint_eq(e.tag, DM_TS102223_BER_SMS_PP_DOWNLOAD);
	ck_assert_uint_eq(e.extra.len, 6);
	ck_assert_ptr_eq(e.extra.ptr, sms + 2);
	w = dm_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(dm_cat_env_build(&e, &w), DM_OK);
	ck_assert_uint_eq(w.len, sizeof sms);
	ck_assert_mem_eq(buf, sms, sizeof sms);

	/* Event download with an event-specific object after 82. */
	ck_assert_int_eq(ENV_PARSE("\xD6\x0A\x99\x01\x0A\x82\x02\x82\x81\xB8\x01\x81", &e), DM_OK);
	ck_assert_uint_eq(e.event, DM_TS102223_EV_CHANNEL_STATUS);
	ck_assert_uint_eq(e.extra.len, 3);
}
END_TEST

START_TEST(envelopes_malformed)
{
	dm_cat_env e;
	uint8_t buf[64];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);

	ck_assert_int_eq(ENV_PARSE("\xD6\x08\x99\x02\x05\x04\x82\x02\x02\x81", &e), DM_E_LENGTH);
	ck_assert_int_eq(ENV_PARSE("\xD6\x06\x99\x00\x82\x02\x02\x81", &e), DM_E_LENGTH);
	ck_assert_int_eq(ENV_PARSE("\xD6\x07\x99\x01\x05\x82\x02\x02\x82", &e), DM_E_VALUE);
	ck_assert_int_eq(ENV_PARSE("\xD6\x07\x82\x02\x02\x81\x99\x01\x05", &e), DM_E_TAG);
	ck_assert_int_eq(ENV_PARSE("\xD6\x03\x99\x01\x05", &e), DM_E_NOT_FOUND);
	ck_assert_int_eq(ENV_PARSE("\xD6\x09\x99\x01\x05\x82\x02\x02\x81\x00\x00", &e), DM_E_TAG);
	ck_assert_int_eq(ENV_PARSE("\xD7\x07\x82\x02\x82\x81\xA4\x01\x01", &e), DM_E_NOT_FOUND);
	ck_assert_int_eq(ENV_PARSE("\xD7\x0C\x82\x02\x82\x81\xA4\x01\x00\xA5\x03\x00\x00\x10", &e),
			 DM_E_VALUE);
	ck_assert_int_eq(ENV_PARSE("\xD7\x0B\x82\x02\x82\x81\xA4\x01\x01\xA5\x02\x00\x10", &e),
			 DM_E_LENGTH);
	ck_assert_int_eq(ENV_PARSE("\xD3\x00", &e), DM_E_UNSUPPORTED);
	ck_assert_int_eq(ENV_PARSE("\xDE\x00", &e), DM_E_UNSUPPORTED);
	ck_assert_int_eq(ENV_PARSE("\xD0\x00", &e), DM_E_TAG);
	ck_assert_int_eq(ENV_PARSE("\x62\x00", &e), DM_E_TAG);
	ck_assert_int_eq(ENV_PARSE("\xD1\x81\x05\x00\x00\x00\x00\x00", &e), DM_E_LENGTH);
	ck_assert_int_eq(ENV_PARSE("\xD1\x05\x00", &e), DM_E_TRUNCATED);
	ck_assert_int_eq(ENV_PARSE("", &e), DM_E_TRUNCATED);

	memset(&e, 0, sizeof e);
	e.tag = 0xD3;
	ck_assert_int_eq(dm_cat_env_build(&e, &w), DM_E_UNSUPPORTED);
	e.tag = DM_TS102223_BER_TIMER_EXPIRATION;
	e.timer_id = 9;
	ck_assert_int_eq(dm_cat_env_build(&e, &w), DM_E_VALUE);
	e.tag = DM_TS102223_BER_EVENT_DOWNLOAD;
	e.extra = dm_bytes_of((const uint8_t *)"\x00", 1);
	ck_assert_int_eq(dm_cat_env_build(&e, &w), DM_E_VALUE);
	ck_assert_uint_eq(w.len, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cat");
	TCase *tc = tcase_create("proactive");
	tcase_add_test(tc, refresh_reference_build);
	tcase_add_test(tc, refresh_reference_parse);
	tcase_add_test(tc, other_commands_known_answers);
	tcase_add_test(tc, all_fields_round_trip);
	tcase_add_test(tc, command_lenience);
	tcase_add_test(tc, command_malformed);
	tcase_add_test(tc, command_build_rejects);
	tcase_add_test(tc, command_build_bounds);
	tcase_add_test(tc, file_list_walk);
	suite_add_tcase(s, tc);
	tc = tcase_create("ctlv");
	tcase_add_test(tc, comprehension_tlv_forms);
	tcase_add_test(tc, comprehension_tlv_malformed);
	tcase_add_test(tc, comprehension_tlv_put);
	suite_add_tcase(s, tc);
	tc = tcase_create("response-envelope");
	tcase_add_test(tc, terminal_response);
	tcase_add_test(tc, terminal_response_malformed);
	tcase_add_test(tc, terminal_response_build_rejects);
	tcase_add_test(tc, result_kinds);
	tcase_add_test(tc, envelopes);
	tcase_add_test(tc, envelopes_malformed);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
