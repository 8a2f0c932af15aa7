/*
 * test_example_counter.c - the example applet of docs/applet-api.md
 * (example_counter.h) on the default card plus the applet, in-process,
 * exactly as a vendor would build it: a registry, dm_card_open_registry,
 * dm_card_transmit.
 *   - known answers: installation at 0000, INCREMENT by 0/1/5, with and
 *     without Le;
 *   - malformed commands (CLA, INS, P1, Lc) answer their status word and
 *     change nothing; the FFFF limit answers 6985 and changes nothing;
 *   - persistence across a power reset and a reopen of the image; the
 *     applet is selected on a logical channel and, not multiselectable,
 *     refused on a second one (6985);
 *   - a power cut at every medium write of an INCREMENT leaves the old or
 *     the new counter, never anything else (the runtime's transaction).
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applet.h"
#include "apdu.h"
#include "card.h"
#include "example_counter.h"
#include "hex.h"
#include "store.h"

#define AID_HEX "F0444D5343434E5401"
#define SELECT "00A4040C09" AID_HEX

/* The default card's applications followed by the counter. */
static dm_applet_reg reg[8];
static size_t reg_len;

static char dir[64], image[96];
static dm_card *card;
static uint8_t rbuf[DM_RAPDU_MAX];
static char last[2 * 600 + 1]; /* the last R-APDU in hex */

static void build_registry(void)
{
	ck_assert_uint_lt(dm_default_registry_len, DM_ARRAY_LEN(reg));
	for (size_t i = 0; i < dm_default_registry_len; i++)
		reg[i] = dm_default_registry[i];
	reg_len = dm_default_registry_len;
	reg[reg_len++] = (dm_applet_reg){
		.applet = &dm_example_counter_applet,
		.aid_len = 9,
		.aid = { DM_EXAMPLE_COUNTER_AID },
	};
}

static int open_card(unsigned long cut)
{
	dm_card_config cfg = {
		.image_path = image,
		.store_flags = DM_STORE_RELAXED, /* atomic, just not fsync'd */
		.cut_after_writes = cut,
	};
	return dm_card_open_registry(&cfg, reg, reg_len, &card);
}

static void setup(void)
{
	build_registry();
	snprintf(dir, sizeof dir, "/tmp/dmsc-example-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(image, sizeof image, "%s/card.img", dir);
	ck_assert_int_eq(open_card(0), DM_OK);
}

static void teardown(void)
{
	dm_card_close(&card);
	unlink(image);
	rmdir(dir);
}

/* Send the C-APDU in hex; return dm_card_transmit's result, the R-APDU in
 * `last`. */
static int send(const char *hex)
{
	uint8_t cbuf[300];
	dm_wbuf c = dm_wbuf_init(cbuf, sizeof cbuf);
	dm_wbuf r = dm_wbuf_init(rbuf, sizeof rbuf);

	ck_assert_int_eq(dm_hex_decode(hex, &c), DM_OK);
	int rc = dm_card_transmit(card, c.ptr, c.len, &r);
	last[0] = '\0';
	if (rc == DM_OK)
		ck_assert_int_eq(dm_hex_encode(r.ptr, r.len, last, sizeof last), DM_OK);
	return rc;
}

#define expect(apdu, resp)                                   \
	do {                                                 \
		ck_assert_int_eq(send(apdu), DM_OK);         \
		ck_assert_str_eq(last, (resp));              \
	} while (0)

START_TEST(t_fresh_counter_and_increment)
{
	expect(SELECT, "9000");
	expect("8002000002", "00009000");    /* step 0 reads */
	expect("8002000102", "00019000");
	expect("8002000500", "00069000");    /* Le 00: up to 256, 2 come */
	expect("80020001", "9000");          /* case 1: no Le, no data */
	expect("8002000002", "00079000");
	/* Le 1 < 2 bytes: the runtime gives 1 and keeps 1 for GET RESPONSE
	 * (61xx, ISO 7816-4 §5.3.4); the applet just returned its 2 bytes. */
	expect("8002000001", "006101");
	expect("00C0000001", "079000");
}
END_TEST

START_TEST(t_malformed_change_nothing)
{
	expect(SELECT, "9000");
	expect("8002000302", "00039000");
	expect("0002000102", "6E00");        /* interindustry CLA */
	expect("8003000102", "6D00");        /* another INS */
	expect("8002010102", "6A86");        /* P1 not 00 */
	expect("8002000101AA02", "6700");    /* command data */
	expect("8002000002", "00039000");
}
END_TEST

START_TEST(t_limit)
{
	expect(SELECT, "9000");
	/* 257 x 255 = 65535: exactly the limit. */
	for (int i = 0; i < 257; i++)
		ck_assert_int_eq(send("800200FF02"), DM_OK);
	ck_assert_str_eq(last, "FFFF9000");
	expect("8002000102", "6985");
	expect("8002000002", "FFFF9000");
}
END_TEST

START_TEST(t_not_selected_is_not_ours)
{
	/* Without SELECT the MF (the file system) gets the command. */
	ck_assert_int_eq(send("8002000102"), DM_OK);
	ck_assert_str_ne(last, "00019000");
	expect(SELECT, "9000");
	expect("8002000002", "00009000");
}
END_TEST

START_TEST(t_persistent)
{
	expect(SELECT, "9000");
	expect("8002000902", "00099000");
	dm_card_power(card, DM_POWER_RESET);
	/* Reset: the MF is selected again, the command is not ours ... */
	ck_assert_int_eq(send("8002000002"), DM_OK);
	ck_assert_str_ne(last, "00099000");
	expect(SELECT, "9000");
	expect("8002000002", "00099000");    /* ... and the counter kept */
	dm_card_close(&card);
	ck_assert_int_eq(open_card(0), DM_OK);
	expect(SELECT, "9000");
	expect("8002000102", "000A9000");
}
END_TEST

START_TEST(t_logical_channel)
{
	expect("0070000001", "019000");      /* MANAGE CHANNEL open: 01 */
	expect("01A4040C09" AID_HEX, "9000");
	expect("8102000202", "00029000");    /* CLA 81: channel 1 */
	/* Not DM_APPLET_MULTISELECTABLE: a second selection is refused. */
	expect(SELECT, "6985");
	expect("0070800100", "9000");        /* close channel 1 */
	expect(SELECT, "9000");
	expect("8002000002", "00029000");
}
END_TEST

START_TEST(t_power_cut_old_or_new)
{
	unsigned cuts = 0;
	bool finished = false;

	dm_card_close(&card);
	for (unsigned long n = 1; n < 200; n++) {
		ck_assert_int_eq(open_card(0), DM_OK);
		expect(SELECT, "9000");
		ck_assert_int_eq(send("8002000002"), DM_OK);
		char before[8];
		memcpy(before, last, 4);
		before[4] = '\0';
		unsigned long v0 = strtoul(before, NULL, 16);
		dm_card_close(&card);

		/* The cut fires at the n-th medium write after opening. */
		int rc = open_card(n);
		int tx = DM_E_IO;
		if (rc == DM_OK) {
			tx = send(SELECT);
			if (tx == DM_OK)
				tx = send("8002000102");
			dm_card_close(&card);
		}
		ck_assert_int_eq(open_card(0), DM_OK);
		expect(SELECT, "9000");
		ck_assert_int_eq(send("8002000002"), DM_OK);
		unsigned long v1 = strtoul(last, NULL, 16) >> 16;
		dm_card_close(&card);
		if (tx == DM_OK) {
			ck_assert_uint_eq(v1, v0 + 1); /* no cut: committed */
			finished = true;
			break;
		}
		cuts++;
		ck_assert_msg(v1 == v0 || v1 == v0 + 1, "cut %lu: %lu -> %lu", n, v0, v1);
	}
	ck_assert_uint_gt(cuts, 0); /* the injector did fire ... */
	ck_assert(finished);        /* ... and then a run got past every write */
	ck_assert_int_eq(open_card(0), DM_OK);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("example_counter");
	TCase *tc = tcase_create("applet");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, t_fresh_counter_and_increment);
	tcase_add_test(tc, t_malformed_change_nothing);
	tcase_add_test(tc, t_limit);
	tcase_add_test(tc, t_not_selected_is_not_ours);
	tcase_add_test(tc, t_persistent);
	tcase_add_test(tc, t_logical_channel);
	tcase_add_test(tc, t_power_cut_old_or_new);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
