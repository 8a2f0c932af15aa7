/*
 * test_fs_cut.c - power cuts during file-system commands on the default
 * card: UPDATE BINARY over several KiB, UPDATE RECORD (linear fixed and
 * cyclic), CREATE FILE, DELETE FILE (a DF with EFs), RESIZE FILE (moving a
 * body; a cyclic EF).  Each operation runs once without a cut to learn the
 * new state, then again from the same image with the medium losing power
 * after 1, 2, 3, ... writes (dm_card_config.cut_after_writes) until it
 * completes.  After every cut the card is reopened and its state, read
 * through APDUs (FCPs, contents, the MF's free memory), must be exactly the
 * old or exactly the new one, never going back once new; the card's heap
 * must pass its integrity walk.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applet.h"
#include "card.h"
#include "cut_harness.h"
#include "fs_harness.h"
#include "heap.h"
#include "hex.h"
#include "sw.h"

/* The card's heap starts after the 64-byte runtime header (docs/runtime.md
 * §9, card/install.c). */
#define CARD_HEAP_BASE 64u
#define MAX_APDUS 12
#define STATE_MAX (256u * 1024u)

struct cut_case {
	const char *setup[MAX_APDUS]; /* run once on the base image, all 9000 */
	const char *op[MAX_APDUS];    /* the operation (with its VERIFY) */
	const char *probe[MAX_APDUS]; /* what reads the state */
};

static dm_card *card;
static uint8_t *out_buf;
static uint32_t store_flags; /* DM_STORE_RELAXED or durable (0) */

static void card_open(const char *path, unsigned long cut)
{
	dm_card_config cfg = {
		.image_path = path,
		.store_flags = store_flags,
		.cut_after_writes = cut,
	};
	ck_assert_int_eq(dm_card_open(&cfg, &card), DM_OK);
}

/* Send hex; *died when the medium failed.  Returns the whole answer's
 * length in out_buf. */
static size_t send(const char *hex, bool *died)
{
	static uint8_t apdu[DM_CAPDU_MAX];
	dm_wbuf in = dm_wbuf_init(apdu, sizeof apdu);
	ck_assert_int_eq(dm_hex_decode(hex, &in), DM_OK);
	dm_wbuf out = dm_wbuf_init(out_buf, DM_RAPDU_MAX);
	int rc = dm_card_transmit(card, apdu, in.len, &out);
	ck_assert(rc == DM_OK || rc == DM_E_IO);
	ck_assert_uint_ge(out.len, 2);
	if (died != NULL)
		*died = rc == DM_E_IO;
	return out.len;
}

static uint16_t sw_of(size_t len)
{
	return dm_get_u16be(out_buf + len - 2);
}

/* Run APDUs that must all succeed (9000). */
static void run_ok(const char *const *apdus)
{
	for (size_t i = 0; i < MAX_APDUS && apdus[i] != NULL; i++) {
		size_t n = send(apdus[i], NULL);
		ck_assert_msg(sw_of(n) == 0x9000, "%s -> %04X", apdus[i], sw_of(n));
	}
}

/* The state as the probe APDUs see it: every answer, concatenated. */
static size_t probe(const char *path, const struct cut_case *c, uint8_t *state)
{
	size_t len = 0;

	card_open(path, 0);
	for (size_t i = 0; i < MAX_APDUS && c->probe[i] != NULL; i++) {
		size_t n = send(c->probe[i], NULL);
		ck_assert_uint_le(len + n + 2, STATE_MAX);
		dm_put_u16be(state + len, (uint16_t)n);
		memcpy(state + len + 2, out_buf, n);
		len += n + 2;
	}
	dm_card_close(&card);
	/* The heap walks cleanly. */
	dm_store *s = th_open(path, store_flags);
	dm_heap_stats st;
	ck_assert_int_eq(dm_heap_stat(s, CARD_HEAP_BASE, &st), DM_OK);
	dm_store_close(&s);
	return len;
}

static void run_case_flags(const struct cut_case *c)
{
	const char *base = th_path("base.img"), *work = th_path("work.img");
	uint8_t *old_state = malloc(STATE_MAX), *new_state = malloc(STATE_MAX),
		*now = malloc(STATE_MAX);
	ck_assert(old_state != NULL && new_state != NULL && now != NULL);
	out_buf = malloc(DM_RAPDU_MAX);
	ck_assert_ptr_nonnull(out_buf);

	/* The image before: a new default card plus the case's setup. */
	(void)unlink(base);
	card_open(base, 0);
	run_ok(c->setup);
	dm_card_close(&card);
	size_t old_len = probe(base, c, old_state);

	/* The image after, without a cut. */
	th_copy_file(base, work);
	card_open(work, 0);
	run_ok(c->op);
	dm_card_close(&card);
	size_t new_len = probe(work, c, new_state);
	ck_assert(old_len != new_len || memcmp(old_state, new_state, old_len) != 0);

	/* Opening an image may itself write (the store replays its last two
	 * journals: docs/store.md §4); cuts count from after those. */
	th_copy_file(base, work);
	dm_store *st = th_open(work, store_flags);
	unsigned long w0 = dm_store_medium_writes(st);
	dm_store_close(&st);

	unsigned long k, seen_old = 0, seen_new = 0;
	bool went_new = false;
	for (k = 1; k < 10000; k++) {
		th_copy_file(base, work);
		card_open(work, w0 + k);
		bool died = false;
		for (size_t i = 0; i < MAX_APDUS && c->op[i] != NULL && !died; i++) {
			size_t n = send(c->op[i], &died);
			if (!died)
				ck_assert_msg(sw_of(n) == 0x9000, "cut %lu: %s -> %04X", k,
					      c->op[i], sw_of(n));
		}
		dm_card_close(&card);
		size_t len = probe(work, c, now);
		bool is_old = len == old_len && memcmp(now, old_state, len) == 0;
		bool is_new = len == new_len && memcmp(now, new_state, len) == 0;
		ck_assert_msg(is_old || is_new, "cut after %lu writes: neither old nor new", k);
		ck_assert_msg(!(went_new && is_old), "cut after %lu writes went back", k);
		went_new = is_new;
		seen_old += is_old;
		seen_new += is_new;
		if (!died)
			break; /* the operation completed within k writes */
	}
	ck_assert_uint_lt(k, 10000);
	if (getenv("FS_CUT_VERBOSE") != NULL)
		fprintf(stderr, "%s: %lu cut points: %lu old, %lu new\n",
			store_flags ? "relaxed" : "durable", k, seen_old, seen_new);
	ck_assert_uint_gt(seen_old, 0);
	ck_assert_uint_gt(seen_new, 0);
	free(old_state);
	free(new_state);
	free(now);
	free(out_buf);
	out_buf = NULL;
}

/* Every case with relaxed writes (the process-kill model) and durable
 * ones (fdatasync counts as a write too). */
static void run_case(const struct cut_case *c)
{
	store_flags = DM_STORE_RELAXED;
	run_case_flags(c);
	store_flags = 0;
	run_case_flags(c);
}

/* "PP" * n as hex, n bytes of a pattern that differs per byte. */
static const char *pattern_apdu(const char *hdr, size_t n, unsigned seed)
{
	static char buf[4][2 * 8192 + 32];
	static unsigned slot;
	char *b = buf[slot++ % 4];
	int k = snprintf(b, 32, "%s00%04zX", hdr, n);
	for (size_t i = 0; i < n; i++)
		snprintf(b + k + 2 * i, 3, "%02X", (unsigned)((i * 7 + seed) & 0xFF));
	return b;
}

#define SEL_MF "00A4000C023F00"
#define MF_FCP "00A40004023F0000"

/* CREATE FILE FCPs (TS 102 222 §6.3), ARR 2F06 record 1, no SFI. */
#define CREATE_EF_6000 "00E0000018621682024121830210018A01058B032F0601800217708800"
#define CREATE_EF_3000 "00E000001E621C8202412183021002A504C202A55A8A01058B032F060180020BB88800"

START_TEST(cut_update_binary_6k)
{
	struct cut_case c = {
		.setup = { FS_VERIFY_ADM1, CREATE_EF_6000 },
		.op = { FS_VERIFY_ADM1, SEL_MF, "00A4000C021001",
			pattern_apdu("00D60000", 6000, 3) },
		.probe = { "00A4000402100100", "00B00000000000", MF_FCP },
	};
	run_case(&c);
}
END_TEST

START_TEST(cut_update_record)
{
	struct cut_case c = {
		.op = { FS_VERIFY_ADM1, "00A4080C047F606422",
			"00DC020420 0102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20" },
		.probe = { "00A40804047F60642200", "00B2010400", "00B2020400", "00B2030400" },
	};
	run_case(&c);
}
END_TEST

START_TEST(cut_update_record_cyclic)
{
	struct cut_case c = {
		.setup = { "00A40804047F60642400", FS_VERIFY_PIN81,
			   "00DC000320 1111111111111111111111111111111111111111111111111111111111111111" },
		.op = { "00A40804047F606424", FS_VERIFY_PIN81,
			"00DC000320 2222222222222222222222222222222222222222222222222222222222222222" },
		.probe = { "00A40804047F60642400", FS_VERIFY_PIN81, "00B2010400", "00B2020400",
			   "00B2100400" },
	};
	run_case(&c);
}
END_TEST

START_TEST(cut_create_file)
{
	struct cut_case c = {
		.op = { FS_VERIFY_ADM1, SEL_MF, CREATE_EF_3000 },
		.probe = { "00A40004021002 00", "00B00000000000", MF_FCP },
	};
	run_case(&c);
}
END_TEST

/* A DF with three EFs (1000, 2000, 500 bytes). */
#define CREATE_DF_5F00 "00E000001A62188202782183025F008A01058B032F0604C60690010083010A"
#define CREATE_EF(fid, size) "00E00000186216820241218302" fid "8A01058B032F06018002" size "8800"

START_TEST(cut_delete_df)
{
	struct cut_case c = {
		.setup = { FS_VERIFY_ADM1, CREATE_DF_5F00, CREATE_EF("4F01", "03E8"), "00A4030C00",
			   "00A4010C025F00", CREATE_EF("4F02", "07D0"),
			   pattern_apdu("00D60000", 2000, 9), "00A4030C00", "00A4010C025F00",
			   CREATE_EF("4F03", "01F4") },
		.op = { FS_VERIFY_ADM1, SEL_MF, "00E40000025F00" },
		.probe = { "00A40804045F004F0200", "00B00000000000", "00A40804045F004F0300",
			   MF_FCP },
	};
	run_case(&c);
}
END_TEST

START_TEST(cut_resize_moving)
{
	struct cut_case c = {
		.setup = { FS_VERIFY_ADM1, CREATE_EF("1001", "07D0"),
			   pattern_apdu("00D60000", 2000, 5), SEL_MF, CREATE_EF("1030", "000A") },
		.op = { FS_VERIFY_ADM1, SEL_MF, "80D400000A6208830210018002 1388" },
		.probe = { "00A4000402100100", "00B00000000000", MF_FCP },
	};
	run_case(&c);
}
END_TEST

#define CREATE_CYCLIC "00E0000017621582054621000404830210098A01058B032F06018800"

START_TEST(cut_resize_cyclic)
{
	struct cut_case c = {
		.setup = { FS_VERIFY_ADM1, CREATE_CYCLIC, "00DC000304 01010101",
			   "00DC000304 02020202", "00DC000304 03030303", "00DC000304 04040404",
			   "00DC000304 05050505", "00DC000304 06060606" },
		.op = { FS_VERIFY_ADM1, SEL_MF, "00A4000C021009",
			"80D400000A62088302100980020018" },
		.probe = { "00A4000402100900", "00B2010400", "00B2020400", "00B2030400",
			   "00B2040400", "00B2050400", MF_FCP },
	};
	run_case(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fs_cut");
	TCase *tc = tcase_create("cut");
	tcase_add_checked_fixture(tc, th_tmpdir_setup, th_tmpdir_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, cut_update_binary_6k);
	tcase_add_test(tc, cut_update_record);
	tcase_add_test(tc, cut_update_record_cyclic);
	tcase_add_test(tc, cut_create_file);
	tcase_add_test(tc, cut_delete_df);
	tcase_add_test(tc, cut_resize_moving);
	tcase_add_test(tc, cut_resize_cyclic);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
