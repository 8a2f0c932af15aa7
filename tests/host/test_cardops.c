/*
 * test_cardops.c - host/cardops.c: T=0 follow-ups on a scripted card,
 * SELECT / READ / UPDATE BINARY (B0/B1, D6/D7) and PIN commands on the
 * default card in process, EF_INFO parsing, user-facing messages.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cardops.h"
#include "hex.h"
#include "host_harness.h"
#include "sw.h"
#include "transport_inproc.h"

static const uint8_t dmsc_aid[] = { 0xF0, 0x4F, 0x4D, 0x41, 0x44, 0x4D, 0x53, 0x43 };

/* ---- T=0: 61xx and 6Cxx (ISO 7816-3 §12.2, TS 102 221 §7.3.1.1.4) ---- */

START_TEST(t0_get_response_chain)
{
	static const char *const answers[] = { "6104", "01020304 6102", "0506 9000", NULL };
	dm_transport *t = hh_script(answers);
	uint8_t buf[16];
	dm_wbuf d = dm_wbuf_init(buf, sizeof buf);
	dm_capdu c = { .cla = 0x01, .ins = 0xB0, .ne = 256 };
	uint16_t sw = 0;

	ck_assert_int_eq(dm_hc_exchange(t, "READ BINARY X", &c, &d, &sw), DM_OK);
	ck_assert_uint_eq(sw, 0x9000);
	ck_assert_uint_eq(d.len, 6);
	ck_assert_mem_eq(buf, "\x01\x02\x03\x04\x05\x06", 6);
	ck_assert_str_eq(hh_script_sent(t, 0), "01B0000000");
	/* GET RESPONSE on the command's logical channel, Le = SW2. */
	ck_assert_str_eq(hh_script_sent(t, 1), "01C0000004");
	ck_assert_str_eq(hh_script_sent(t, 2), "01C0000002");
	dm_transport_close(&t);
}
END_TEST

START_TEST(t0_wrong_le_reissued_once)
{
	static const char *const answers[] = { "6C03", "AABBCC 9000", NULL };
	static const char *const loop[] = { "6C03", "6C05", NULL };
	dm_transport *t = hh_script(answers);
	uint8_t buf[16];
	dm_wbuf d = dm_wbuf_init(buf, sizeof buf);
	dm_capdu c = { .cla = 0x00, .ins = 0xB2, .p1 = 1, .p2 = 4, .ne = 256 };
	uint16_t sw = 0;

	ck_assert_int_eq(dm_hc_exchange(t, NULL, &c, &d, &sw), DM_OK);
	ck_assert_uint_eq(sw, 0x9000);
	ck_assert_str_eq(hh_script_sent(t, 1), "00B2010403");
	ck_assert_uint_eq(d.len, 3);
	dm_transport_close(&t);
	/* A card that keeps answering 6Cxx gets one re-issue, not a loop. */
	t = hh_script(loop);
	d.len = 0;
	ck_assert_int_eq(dm_hc_exchange(t, NULL, &c, &d, &sw), DM_OK);
	ck_assert_uint_eq(sw, 0x6C05);
	ck_assert_uint_eq(hh_script_count(t), 2);
	dm_transport_close(&t);
}
END_TEST

START_TEST(t0_endless_61xx_and_overflow)
{
	static const char *answers[300];
	dm_transport *t;
	uint8_t buf[600];
	dm_wbuf d = dm_wbuf_init(buf, sizeof buf);
	dm_capdu c = { .cla = 0x00, .ins = 0xB0, .ne = 256 };
	uint16_t sw = 0;

	for (size_t i = 0; i < 299; i++)
		answers[i] = "6100";
	answers[299] = NULL;
	t = hh_script(answers);
	ck_assert_int_eq(dm_hc_exchange(t, NULL, &c, &d, &sw), DM_E_VALUE);
	ck_assert_uint_le(hh_script_count(t), 257);
	dm_transport_close(&t);
	/* More data than the caller's buffer holds. */
	{
		static const char *const big[] = { "6104", "0102030405060708 9000", NULL };
		uint8_t small[4];
		dm_wbuf s = dm_wbuf_init(small, sizeof small);

		t = hh_script(big);
		ck_assert_int_eq(dm_hc_exchange(t, NULL, &c, &s, &sw), DM_E_OVERFLOW);
		dm_transport_close(&t);
	}
}
END_TEST

START_TEST(extended_needs_reader_support)
{
	static const char *const answers[] = { "9000", NULL };
	dm_transport *t = hh_script(answers); /* short APDUs only */
	uint8_t data[300] = { 0 };
	dm_capdu c = { .ins = 0xD6, .data = data, .nc = sizeof data };
	uint16_t sw;

	ck_assert_int_eq(dm_hc_exchange(t, "UPDATE BINARY X", &c, NULL, &sw), DM_E_UNSUPPORTED);
	ck_assert_uint_eq(hh_script_count(t), 0);
	dm_transport_close(&t);
}
END_TEST

/* ---- the default card in process ---- */

START_TEST(select_and_info)
{
	dm_transport *t = hh_open(DM_PROTO_T1);
	dm_hc_info info;
	static const uint8_t other[] = { 0xA0, 0x00, 0x00, 0x00, 0x99, 0x99 };

	ck_assert_int_eq(dm_hc_read_info(t, &info), DM_OK);
	ck_assert_uint_eq(info.version, 1);
	ck_assert(info.has_free);
	ck_assert_uint_gt(info.free_bytes, 0);
	ck_assert_int_eq(t->depth, 0);
	ck_assert_int_eq(dm_hc_select_aid(t, other, sizeof other, NULL), DM_E_NOT_FOUND);
	ck_assert_uint_eq(t->last_sw, 0x6A82);
	ck_assert_str_eq(t->last_op, "SELECT application");
	hh_close(&t);
}
END_TEST

START_TEST(t0_and_t1_read_the_same)
{
	dm_transport *t1 = hh_open(DM_PROTO_T1), *t0 = hh_open(DM_PROTO_T0);
	static uint8_t a[4096], b[4096];
	dm_wbuf wa = dm_wbuf_init(a, sizeof a), wb = dm_wbuf_init(b, sizeof b);
	unsigned long n0;

	ck_assert_int_eq(dm_hc_select_aid(t1, dmsc_aid, sizeof dmsc_aid, NULL), DM_OK);
	ck_assert_int_eq(dm_hc_select_aid(t0, dmsc_aid, sizeof dmsc_aid, NULL), DM_OK);
	/* T=0: the FCP comes by GET RESPONSE (61xx), so at least one exchange more. */
	n0 = t0->n_apdus;
	ck_assert_int_eq(dm_hc_read_ef(t1, "EF_INFO", DM_HC_FID_EF_INFO, &wa), DM_OK);
	ck_assert_int_eq(dm_hc_read_ef(t0, "EF_INFO", DM_HC_FID_EF_INFO, &wb), DM_OK);
	ck_assert_uint_gt(t0->n_apdus - n0, 2);
	ck_assert_uint_eq(wa.len, wb.len);
	ck_assert_uint_gt(wa.len, 20);
	ck_assert_mem_eq(a, b, wa.len);
	hh_close(&t0);
	hh_close(&t1);
}
END_TEST

/* ADM1 (docs/security.md §2.3, test-only value) and a large MO (docs/dmsc-app.md). */
static uint16_t create_mo(dm_transport *t, uint32_t size)
{
	uint8_t body[32], rbuf[16];
	dm_wbuf w = dm_wbuf_init(body, sizeof body), r = dm_wbuf_init(rbuf, sizeof rbuf);
	dm_capdu c = { .cla = 0x80, .ins = 0xE0, .ne = 256 };
	uint16_t sw = 0;

	ck_assert_int_eq(dm_hc_verify(t, DM_HC_ADM1, "88888888", NULL), DM_OK);
	ck_assert_int_eq(dm_wbuf_put(&w, "\x50\x02MO\x06\x03\x2B\x06\x01\x81\x03", 11), DM_OK);
	ck_assert_int_eq(dm_wbuf_put_u8(&w, (uint8_t)(size >> 16)), DM_OK);
	ck_assert_int_eq(dm_wbuf_put_u16be(&w, (uint16_t)size), DM_OK);
	c.data = body;
	c.nc = w.len;
	ck_assert_int_eq(dm_hc_exchange(t, "CREATE MO", &c, &r, &sw), DM_OK);
	ck_assert_uint_eq(sw, 0x9000);
	ck_assert_uint_eq(r.len, 4);
	ck_assert_uint_eq(rbuf[0], 0x83);
	return dm_get_u16be(rbuf + 2);
}

static void large_file_roundtrip(bool extended)
{
	dm_transport *t = hh_open(DM_PROTO_T1);
	const size_t size = 70000; /* past the 15-bit offset of B0/D6 */
	uint8_t *in = malloc(size), *out = malloc(size + 16), path[6] = { 0x3F, 0x00, 0x7F, 0x60 };
	uint8_t fbuf[300];
	dm_wbuf w = dm_wbuf_init(out, size + 16), fcp = dm_wbuf_init(fbuf, sizeof fbuf);
	size_t fsize = 0;
	uint16_t fid;
	unsigned long n;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	for (size_t i = 0; i < size; i++)
		in[i] = (uint8_t)(i * 7 + (i >> 8));
	ck_assert_int_eq(dm_hc_select_aid(t, dmsc_aid, sizeof dmsc_aid, NULL), DM_OK);
	fid = create_mo(t, (uint32_t)size);
	dm_put_u16be(path + 4, fid);
	ck_assert_int_eq(dm_hc_select_path(t, path, sizeof path, &fcp), DM_OK);
	ck_assert_int_eq(dm_hc_fcp_size(dm_bytes_of(fbuf, fcp.len), &fsize), DM_OK);
	ck_assert_uint_eq(fsize, size);
	t->extended = extended;
	if (!extended) {
		t->max_capdu = 261;
		t->max_rapdu = 258;
	}
	n = t->n_apdus;
	ck_assert_int_eq(dm_hc_update_binary(t, "MO", 0, dm_bytes_of(in, size)), DM_OK);
	if (extended)
		ck_assert_uint_le(t->n_apdus - n, 4); /* 32 KiB per APDU */
	else
		ck_assert_uint_ge(t->n_apdus - n, size / 255);
	n = t->n_apdus;
	ck_assert_int_eq(dm_hc_read_binary(t, "MO", 0, size, &w), DM_OK);
	ck_assert_uint_eq(w.len, size);
	ck_assert_mem_eq(in, out, size);
	if (extended)
		ck_assert_uint_le(t->n_apdus - n, 3);
	/* A window across the 32767 boundary, from the middle. */
	w.len = 0;
	ck_assert_int_eq(dm_hc_read_binary(t, "MO", 32000, 2000, &w), DM_OK);
	ck_assert_mem_eq(in + 32000, out, 2000);
	/* Past the end: the card's 6B00 / 6282, never silent short data. */
	w.len = 0;
	ck_assert_int_ne(dm_hc_read_binary(t, "MO", size - 10, 20, &w), DM_OK);
	ck_assert_uint_eq(w.len, 0);
	ck_assert_int_ne(dm_hc_read_binary(t, "MO", size + 5, 1, &w), DM_OK);
	ck_assert_uint_eq(w.len, 0);
	/* Output too small: refused before any APDU. */
	{
		uint8_t s[10];
		dm_wbuf sw = dm_wbuf_init(s, sizeof s);

		n = t->n_apdus;
		ck_assert_int_eq(dm_hc_read_binary(t, "MO", 0, 11, &sw), DM_E_OVERFLOW);
		ck_assert_uint_eq(t->n_apdus, n);
	}
	free(in);
	free(out);
	hh_close(&t);
}

START_TEST(large_mo_extended)
{
	large_file_roundtrip(true);
}
END_TEST

START_TEST(large_mo_short_apdus)
{
	large_file_roundtrip(false);
}
END_TEST

START_TEST(read_record_and_errors)
{
	dm_transport *t = hh_open(DM_PROTO_T1);
	uint8_t buf[300];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	static const uint8_t arr_path[] = { 0x3F, 0x00, 0x2F, 0x06 };

	/* EF_ARR of the MF: record 1 exists, record 200 does not (6A83). */
	ck_assert_int_eq(dm_hc_select_path(t, arr_path, sizeof arr_path, NULL), DM_OK);
	ck_assert_int_eq(dm_hc_read_record(t, "EF_ARR", 1, &w), DM_OK);
	ck_assert_uint_gt(w.len, 0);
	w.len = 0;
	ck_assert_int_eq(dm_hc_read_record(t, "EF_ARR", 200, &w), DM_E_NOT_FOUND);
	ck_assert_uint_eq(t->last_sw, 0x6A83);
	ck_assert_uint_eq(w.len, 0);
	ck_assert_int_eq(dm_hc_read_record(t, "EF_ARR", 0, &w), DM_E_ARG);
	ck_assert_int_eq(dm_hc_select_path(t, arr_path, 3, NULL), DM_E_ARG);
	hh_close(&t);
}
END_TEST

START_TEST(message_security_status)
{
	dm_transport *t = hh_open(DM_PROTO_T1);
	char msg[512];

	ck_assert_int_eq(dm_hc_select_aid(t, dmsc_aid, sizeof dmsc_aid, NULL), DM_OK);
	ck_assert_int_eq(dm_hc_select_fid(t, DM_HC_FID_EF_INFO, NULL), DM_OK);
	/* EF_INFO is the issuer's: UPDATE needs ADM1. */
	ck_assert_int_eq(dm_hc_update_binary(t, "EF_INFO", 0, dm_bytes_of((const uint8_t *)"\x80",
									   1)), DM_E_STATE);
	dm_hc_message(t, DM_E_STATE, msg, sizeof msg);
	ck_assert_str_eq(msg, "UPDATE BINARY EF_INFO failed: 6982 SECURITY_STATUS (security "
			 "status not satisfied) -> DM 425; verify the PIN first");
	dm_inproc_remove(t);
	ck_assert_int_eq(dm_hc_read_ef(t, "EF_INFO", DM_HC_FID_EF_INFO,
				       &(dm_wbuf){ .ptr = (uint8_t[64]){ 0 }, .cap = 64 }), DM_E_IO);
	dm_hc_message(t, DM_E_IO, msg, sizeof msg);
	ck_assert_ptr_nonnull(strstr(msg, "SELECT EF_INFO failed: the card was removed"));
	hh_close(&t);
}
END_TEST

START_TEST(pin_lifecycle)
{
	dm_transport *t = hh_open(DM_PROTO_T1);
	int tries = -1;
	bool verified = true;
	char msg[512];

	ck_assert_int_eq(dm_hc_pin_status(t, DM_HC_PIN1, &tries, &verified), DM_OK);
	ck_assert_int_eq(tries, 3);
	ck_assert(!verified);
	ck_assert_int_eq(dm_hc_verify(t, DM_HC_PIN1, "9999", &tries), DM_E_CRYPTO);
	ck_assert_int_eq(tries, 2);
	dm_hc_message(t, DM_E_CRYPTO, msg, sizeof msg);
	ck_assert_str_eq(msg, "VERIFY PIN1 failed: 63C2 WRONG_PIN (wrong PIN, 2 tries left) -> "
			 "DM 401; check the PIN before trying again");
	ck_assert_int_eq(dm_hc_verify(t, DM_HC_PIN1, "1234", &tries), DM_OK);
	ck_assert_int_eq(dm_hc_pin_status(t, DM_HC_PIN1, &tries, &verified), DM_OK);
	ck_assert(verified);
	/* Change, then the old value is wrong and the new one right. */
	ck_assert_int_eq(dm_hc_change_pin(t, DM_HC_PIN1, "1234", "4321", &tries), DM_OK);
	ck_assert_int_eq(dm_hc_verify(t, DM_HC_PIN1, "1234", &tries), DM_E_CRYPTO);
	ck_assert_int_eq(dm_hc_verify(t, DM_HC_PIN1, "4321", &tries), DM_OK);
	/* Block it. */
	for (int i = 2; i >= 0; i--) {
		ck_assert_int_eq(dm_hc_verify(t, DM_HC_PIN1, "0000", &tries), DM_E_CRYPTO);
		ck_assert_int_eq(tries, i);
	}
	ck_assert_int_eq(dm_hc_pin_status(t, DM_HC_PIN1, &tries, &verified), DM_OK);
	ck_assert_int_eq(tries, 0);
	ck_assert(!verified);
	tries = -1;
	ck_assert_int_eq(dm_hc_verify(t, DM_HC_PIN1, "4321", &tries), DM_E_STATE);
	ck_assert_uint_eq(t->last_sw, 0x6983);
	ck_assert_int_eq(tries, 0);
	dm_hc_message(t, DM_E_STATE, msg, sizeof msg);
	ck_assert_ptr_nonnull(strstr(msg, "unblock it with the PUK"));
	/* UNBLOCK without data: PUK tries; wrong PUK; right PUK. */
	ck_assert_int_eq(dm_hc_unblock_pin(t, DM_HC_PIN1, NULL, NULL, &tries), DM_E_CRYPTO);
	ck_assert_int_eq(tries, 10);
	ck_assert_int_eq(dm_hc_unblock_pin(t, DM_HC_PIN1, "00000000", "1111", &tries), DM_E_CRYPTO);
	ck_assert_int_eq(tries, 9);
	ck_assert_int_eq(dm_hc_unblock_pin(t, DM_HC_PIN1, "12345678", "1111", &tries), DM_OK);
	ck_assert_int_eq(dm_hc_pin_status(t, DM_HC_PIN1, &tries, &verified), DM_OK);
	ck_assert(verified);
	/* Disable and enable. */
	ck_assert_int_eq(dm_hc_disable_pin(t, DM_HC_PIN1, "1111", &tries), DM_OK);
	ck_assert_int_eq(dm_hc_verify(t, DM_HC_PIN1, "1111", &tries), DM_E_STATE);
	ck_assert_uint_eq(t->last_sw, 0x6984);
	ck_assert_int_eq(dm_hc_enable_pin(t, DM_HC_PIN1, "1111", &tries), DM_OK);
	/* Malformed values never reach the card. */
	{
		unsigned long n = t->n_apdus;

		ck_assert_int_eq(dm_hc_verify(t, DM_HC_PIN1, "123456789", &tries), DM_E_VALUE);
		ck_assert_int_eq(dm_hc_verify(t, DM_HC_PIN1, "", &tries), DM_E_VALUE);
		ck_assert_int_eq(dm_hc_verify(t, DM_HC_PIN1, NULL, &tries), DM_E_ARG);
		ck_assert_uint_eq(t->n_apdus, n);
	}
	/* No such key reference in this application. */
	ck_assert_int_eq(dm_hc_verify(t, 0x05, "1234", &tries), DM_E_NOT_FOUND);
	hh_close(&t);
}
END_TEST

/* ---- EF_INFO coding (docs/dmsc-app.md) ---- */

static int info_of(const char *hex, dm_hc_info *info)
{
	uint8_t buf[64];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);

	ck_assert_int_eq(dm_hex_decode(hex, &w), DM_OK);
	return dm_hc_info_parse(dm_bytes_of(buf, w.len), info);
}

START_TEST(info_parse_vectors)
{
	dm_hc_info i;

	ck_assert_int_eq(info_of("800101 810103 820105 830400000107 840400010000 FFFF", &i), DM_OK);
	ck_assert_uint_eq(i.version, 1);
	ck_assert_uint_eq(i.caps, 3);
	ck_assert_uint_eq(i.flags, DM_HC_INFO_ASK_USER | DM_HC_INFO_PROVISIONED);
	ck_assert_uint_eq(i.counter, 0x107);
	ck_assert(i.has_free);
	ck_assert_uint_eq(i.free_bytes, 0x10000);
	/* Unknown tags skipped; 81 and 84 optional. */
	ck_assert_int_eq(info_of("800101 9F0102AABB 820100 83040000FFFF", &i), DM_OK);
	ck_assert(!i.has_free);
	ck_assert_uint_eq(i.counter, 0xFFFF);
	/* Mandatory 80, 82, 83 missing. */
	ck_assert_int_eq(info_of("820100 830400000001", &i), DM_E_NOT_FOUND);
	ck_assert_int_eq(info_of("800101 830400000001", &i), DM_E_NOT_FOUND);
	ck_assert_int_eq(info_of("800101 820100", &i), DM_E_NOT_FOUND);
	ck_assert_int_eq(info_of("FFFFFFFF", &i), DM_E_NOT_FOUND);
	/* Wrong lengths, truncation. */
	ck_assert_int_eq(info_of("80020101 820100 830400000001", &i), DM_E_LENGTH);
	ck_assert_int_eq(info_of("800101 820100 8303000001", &i), DM_E_LENGTH);
	ck_assert_int_eq(info_of("800101 820100 830400", &i), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_hc_info_parse(dm_bytes_of(NULL, 0), &i), DM_E_ARG);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("host_cardops");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, t0_get_response_chain);
	tcase_add_test(tc, t0_wrong_le_reissued_once);
	tcase_add_test(tc, t0_endless_61xx_and_overflow);
	tcase_add_test(tc, extended_needs_reader_support);
	tcase_add_test(tc, select_and_info);
	tcase_add_test(tc, t0_and_t1_read_the_same);
	tcase_add_test(tc, large_mo_extended);
	tcase_add_test(tc, large_mo_short_apdus);
	tcase_add_test(tc, read_record_and_errors);
	tcase_add_test(tc, message_security_status);
	tcase_add_test(tc, pin_lifecycle);
	tcase_add_test(tc, info_parse_vectors);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
