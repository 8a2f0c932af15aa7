/*
 * test_transport.c - dm_transport (host/transport.c) over the in-process
 * card and a scripted one; ATR decoding (host/atrinfo.c).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atrinfo.h"
#include "hex.h"
#include "host_harness.h"
#include "transport_inproc.h"

static const uint8_t select_dmsc[] = { 0x00, 0xA4, 0x04, 0x0C, 0x08,
				       0xF0, 0x4F, 0x4D, 0x41, 0x44, 0x4D, 0x53, 0x43 };

static uint16_t sw_of(const dm_wbuf *r)
{
	return dm_get_u16be(r->ptr + r->len - 2);
}

START_TEST(inproc_exchange_and_count)
{
	dm_transport *t = hh_open(DM_PROTO_T1);
	uint8_t buf[300];
	dm_wbuf r = dm_wbuf_init(buf, sizeof buf);

	ck_assert_uint_gt(t->atr_len, 2);
	ck_assert_uint_eq(t->atr[0], 0x3B);
	ck_assert(t->extended);
	ck_assert_int_eq(dm_transport_transmit(t, select_dmsc, sizeof select_dmsc, &r), DM_OK);
	ck_assert_uint_eq(r.len, 2);
	ck_assert_uint_eq(sw_of(&r), 0x9000);
	ck_assert_uint_eq(t->n_apdus, 1);
	/* Bad arguments never reach the card. */
	ck_assert_int_eq(dm_transport_transmit(t, select_dmsc, 3, &r), DM_E_ARG);
	ck_assert_int_eq(dm_transport_transmit(NULL, select_dmsc, sizeof select_dmsc, &r), DM_E_ARG);
	r.cap = 1;
	ck_assert_int_eq(dm_transport_transmit(t, select_dmsc, sizeof select_dmsc, &r), DM_E_ARG);
	ck_assert_uint_eq(t->n_apdus, 1);
	hh_close(&t);
	ck_assert_ptr_null(t);
}
END_TEST

START_TEST(answer_without_sw_is_card_gone)
{
	static const char *const answers[] = { "90", NULL };
	dm_transport *t = hh_script(answers);
	uint8_t buf[300];
	dm_wbuf r = dm_wbuf_init(buf, sizeof buf);

	/* One byte: not data, not a status word: the card is gone. */
	ck_assert_int_eq(dm_transport_transmit(t, select_dmsc, sizeof select_dmsc, &r), DM_E_IO);
	ck_assert_uint_eq(r.len, 0);
	/* Nothing at all. */
	ck_assert_int_eq(dm_transport_transmit(t, select_dmsc, sizeof select_dmsc, &r), DM_E_IO);
	dm_transport_close(&t);
}
END_TEST

START_TEST(frame_limit)
{
	dm_transport *t = hh_open(DM_PROTO_T1);
	static uint8_t big[70000];
	uint8_t buf[300];
	dm_wbuf r = dm_wbuf_init(buf, sizeof buf);

	memset(big, 0, sizeof big);
	ck_assert_int_eq(dm_transport_transmit(t, big, t->max_capdu + 1, &r), DM_E_OVERFLOW);
	ck_assert_uint_eq(t->n_apdus, 0);
	hh_close(&t);
}
END_TEST

START_TEST(transactions_nest)
{
	dm_transport *t = hh_open(DM_PROTO_T1);

	ck_assert_int_eq(dm_host_end(t), DM_E_STATE); /* end without begin */
	ck_assert_int_eq(dm_host_begin(t), DM_OK);
	ck_assert_int_eq(dm_host_begin(t), DM_OK);
	ck_assert_uint_eq(dm_inproc_begins(t), 1); /* only the outermost reaches the reader */
	ck_assert_int_eq(dm_host_end(t), DM_OK);
	ck_assert_int_eq(t->depth, 1);
	ck_assert_int_eq(dm_host_end(t), DM_OK);
	ck_assert_int_eq(t->depth, 0);
	ck_assert_int_eq(dm_host_begin(t), DM_OK);
	ck_assert_uint_eq(dm_inproc_begins(t), 2);
	ck_assert_int_eq(dm_host_end(t), DM_OK);
	hh_close(&t);
}
END_TEST

START_TEST(trace_lines)
{
	dm_transport *t = hh_open(DM_PROTO_T1);
	uint8_t buf[300];
	dm_wbuf r = dm_wbuf_init(buf, sizeof buf);
	char line[1200] = "";
	FILE *f = tmpfile();

	ck_assert_ptr_nonnull(f);
	t->trace = f;
	ck_assert_int_eq(dm_transport_transmit(t, select_dmsc, sizeof select_dmsc, &r), DM_OK);
	rewind(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	ck_assert_ptr_nonnull(strstr(line, "> 00A4040C08F04F4D41444D5343 < 9000 OK"));
	fclose(f);
	t->trace = NULL;
	hh_close(&t);
}
END_TEST

START_TEST(removal_and_insertion)
{
	dm_transport *t = hh_open(DM_PROTO_T1);
	uint8_t buf[300];
	dm_wbuf r = dm_wbuf_init(buf, sizeof buf);
	dm_card_event ev;

	ck_assert_int_eq(dm_transport_wait(t, 0, &ev), DM_OK);
	ck_assert_int_eq(ev, DM_EV_NONE);
	dm_inproc_remove_after(t, 2);
	ck_assert_int_eq(dm_transport_transmit(t, select_dmsc, sizeof select_dmsc, &r), DM_OK);
	ck_assert_int_eq(dm_transport_transmit(t, select_dmsc, sizeof select_dmsc, &r), DM_OK);
	ck_assert_int_eq(dm_transport_transmit(t, select_dmsc, sizeof select_dmsc, &r), DM_E_IO);
	ck_assert_int_eq(dm_host_begin(t), DM_E_IO);
	ck_assert_int_eq(dm_transport_wait(t, 0, &ev), DM_OK);
	ck_assert_int_eq(ev, DM_EV_REMOVED);
	ck_assert_int_eq(dm_transport_reconnect(t, false), DM_E_STATE);
	dm_inproc_insert(t);
	ck_assert_int_eq(dm_transport_wait(t, 0, &ev), DM_OK);
	ck_assert_int_eq(ev, DM_EV_INSERTED);
	ck_assert_int_eq(dm_transport_reconnect(t, true), DM_OK);
	ck_assert_int_eq(dm_transport_transmit(t, select_dmsc, sizeof select_dmsc, &r), DM_OK);
	ck_assert_uint_eq(sw_of(&r), 0x9000);
	hh_close(&t);
}
END_TEST

/* The card's own ATRs (card/atr.c) as known answers. */
static void decode_hex(const char *hex, uint8_t *out, size_t *len)
{
	dm_wbuf w = dm_wbuf_init(out, 40);

	ck_assert_int_eq(dm_hex_decode(hex, &w), DM_OK);
	*len = w.len;
}

START_TEST(atr_t1_default_card)
{
	dm_transport *t = hh_open(DM_PROTO_T1);
	dm_atr_info a;

	ck_assert_int_eq(dm_atr_decode(t->atr, t->atr_len, &a), DM_OK);
	ck_assert_uint_eq(a.protocols, (1u << 1) | (1u << 15));
	ck_assert_int_eq(a.first_protocol, 1);
	ck_assert(a.has_tck);
	ck_assert(a.tck_ok);
	ck_assert_uint_eq(a.hist_len, 10);
	ck_assert_uint_eq(a.hist[0], 0x80);
	ck_assert(a.has_caps);
	ck_assert(a.extended_lc_le);
	ck_assert(a.chaining);
	hh_close(&t);
}
END_TEST

START_TEST(atr_t0_default_card)
{
	dm_transport *t = hh_open(DM_PROTO_T0);
	dm_atr_info a;

	ck_assert_int_eq(t->protocol, DM_PROTO_T0);
	ck_assert_int_eq(dm_atr_decode(t->atr, t->atr_len, &a), DM_OK);
	ck_assert_uint_eq(a.protocols, 1u | (1u << 15));
	ck_assert_int_eq(a.first_protocol, 0);
	ck_assert(a.has_tck && a.tck_ok);
	hh_close(&t);
}
END_TEST

START_TEST(atr_vectors_and_malformed)
{
	uint8_t atr[40];
	size_t n;
	dm_atr_info a;

	/* T=0 only, no TD1, no TCK: 3B 02 14 50 (two historical bytes). */
	decode_hex("3B021450", atr, &n);
	ck_assert_int_eq(dm_atr_decode(atr, n, &a), DM_OK);
	ck_assert_uint_eq(a.protocols, 1u);
	ck_assert(!a.has_tck);
	ck_assert_uint_eq(a.hist_len, 2);
	ck_assert(!a.has_caps);
	/* The default T=1 ATR with its TCK flipped. */
	decode_hex("3B9A9681B1FE451FC78031E073FE21DF829000", atr, &n);
	{
		uint8_t x = 0;

		for (size_t i = 1; i < n; i++)
			x ^= atr[i];
		atr[n++] = x;
		ck_assert_int_eq(dm_atr_decode(atr, n, &a), DM_OK);
		ck_assert(a.tck_ok);
		atr[n - 1] = (uint8_t)(x ^ 0x01);
	}
	ck_assert_int_eq(dm_atr_decode(atr, n, &a), DM_OK);
	ck_assert(a.has_tck);
	ck_assert(!a.tck_ok);
	/* Truncated interface bytes, historical bytes, missing TCK. */
	ck_assert_int_eq(dm_atr_decode(atr, 4, &a), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_atr_decode(atr, 12, &a), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_atr_decode(atr, n - 1, &a), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_atr_decode(atr, 1, &a), DM_E_TRUNCATED);
	/* Bytes after TCK; a bad TS. */
	atr[n] = 0x55;
	ck_assert_int_eq(dm_atr_decode(atr, n + 1, &a), DM_E_TRAILING);
	atr[0] = 0x3C;
	ck_assert_int_eq(dm_atr_decode(atr, n, &a), DM_E_VALUE);
	ck_assert_int_eq(dm_atr_decode(NULL, 3, &a), DM_E_ARG);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("host_transport");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, inproc_exchange_and_count);
	tcase_add_test(tc, answer_without_sw_is_card_gone);
	tcase_add_test(tc, frame_limit);
	tcase_add_test(tc, transactions_nest);
	tcase_add_test(tc, trace_lines);
	tcase_add_test(tc, removal_and_insertion);
	tcase_add_test(tc, atr_t1_default_card);
	tcase_add_test(tc, atr_t0_default_card);
	tcase_add_test(tc, atr_vectors_and_malformed);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
