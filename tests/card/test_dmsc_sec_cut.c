/*
 * test_dmsc_sec_cut.c - power cuts during the persistent state changes of
 * the DMSC security module (docs/dmsc-security.md): the AUT-1 signed update
 * (file content + replay counter + change counter + event), the enterprise
 * policy operation (replay counter + event), the device's EF_EVLOG append,
 * and the SCP03 sequence counter of INITIALIZE UPDATE.  As in
 * test_fs_cut.c: the operation runs once without a cut to learn the new
 * state, then from the same image with the medium losing power after 0, 1,
 * 2, ... writes until it completes; after every cut the card is reopened
 * and the state read through APDUs must be exactly the old or exactly the
 * new one, never going back once new, and the heap must walk cleanly.
 * DMSC_CUT_VERBOSE=1 prints every cut point.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applet.h"
#include "card.h"
#include "cut_harness.h"
#include "heap.h"
#include "hex.h"
#include "sec_harness.h"
#include "store.h"

#define CARD_HEAP_BASE 64u /* docs/runtime.md §9 */
#define MAX_APDUS 8
#define STATE_MAX (64u * 1024u)

struct apdu {
	uint8_t b[600];
	size_t n;
};

struct cut_case {
	struct apdu pre[MAX_APDUS]; /* run once on the base image (must succeed) */
	size_t npre;
	struct apdu op[MAX_APDUS];
	size_t nop;
	struct apdu probe[MAX_APDUS];
	size_t nprobe;
};

static dm_card *card;
static uint8_t *out_buf;
/* The card under test: the security test card, or the default card (the
 * DMSC applet with its MO commands). */
static const dm_applet_reg *reg;
static size_t reg_len;

static void card_open(const char *path, unsigned long cut)
{
	dm_card_config cfg = { .image_path = path, .cut_after_writes = cut };

	ck_assert_int_eq(dm_card_open_registry(&cfg, reg, reg_len, &card), DM_OK);
}

static size_t send(const struct apdu *a, bool *died)
{
	dm_wbuf out = dm_wbuf_init(out_buf, DM_RAPDU_MAX);
	int rc = dm_card_transmit(card, a->b, a->n, &out);

	ck_assert(rc == DM_OK || rc == DM_E_IO);
	ck_assert_uint_ge(out.len, 2);
	if (died != NULL)
		*died = rc == DM_E_IO;
	return out.len;
}

static void add(struct apdu *list, size_t *n, const char *hex)
{
	dm_wbuf w = dm_wbuf_init(list[*n].b, sizeof list[*n].b);

	ck_assert_uint_lt(*n, MAX_APDUS);
	ck_assert_int_eq(dm_hex_decode(hex, &w), DM_OK);
	list[(*n)++].n = w.len;
}

/* The probes may write (VERIFY, a replayed command): they run on a copy. */
static size_t probe(const char *image, const struct cut_case *c, uint8_t *state)
{
	char *path = strdup(th_path("probe.img"));
	size_t len = 0;

	ck_assert_ptr_nonnull(path);
	th_copy_file(image, path);
	card_open(path, 0);
	for (size_t i = 0; i < c->nprobe; i++) {
		size_t n = send(&c->probe[i], NULL);
		ck_assert_uint_le(len + n + 2, STATE_MAX);
		dm_put_u16be(state + len, (uint16_t)n);
		memcpy(state + len + 2, out_buf, n);
		len += n + 2;
	}
	dm_card_close(&card);
	dm_store *s = th_open(path, 0);
	dm_heap_stats st;
	ck_assert_int_eq(dm_heap_stat(s, CARD_HEAP_BASE, &st), DM_OK);
	dm_store_close(&s);
	free(path);
	return len;
}

static void run_case(const struct cut_case *c)
{
	/* th_path's buffers are reused after eight calls: keep copies. */
	char *base = strdup(th_path("base.img")), *work = strdup(th_path("work.img"));
	uint8_t *old_state = malloc(STATE_MAX), *new_state = malloc(STATE_MAX),
		*now = malloc(STATE_MAX);

	ck_assert(old_state != NULL && new_state != NULL && now != NULL && base != NULL &&
		  work != NULL);
	card_open(base, 0);
	for (size_t i = 0; i < c->npre; i++) {
		size_t n = send(&c->pre[i], NULL);
		ck_assert_msg(dm_get_u16be(out_buf + n - 2) == 0x9000, "pre %zu -> %04X", i,
			      dm_get_u16be(out_buf + n - 2));
	}
	dm_card_close(&card);
	size_t old_len = probe(base, c, old_state);

	th_copy_file(base, work);
	card_open(work, 0);
	for (size_t i = 0; i < c->nop; i++) {
		size_t n = send(&c->op[i], NULL);
		ck_assert_msg(dm_get_u16be(out_buf + n - 2) == 0x9000, "op %zu -> %04X", i,
			      dm_get_u16be(out_buf + n - 2));
	}
	dm_card_close(&card);
	size_t new_len = probe(work, c, new_state);
	ck_assert(old_len != new_len || memcmp(old_state, new_state, old_len) != 0);

	th_copy_file(base, work);
	dm_store *st = th_open(work, 0);
	unsigned long w0 = dm_store_medium_writes(st);
	dm_store_close(&st);

	unsigned long k, seen_old = 0, seen_new = 0;
	bool went_new = false, done = false;
	/* k = 0: power lost before the operation's first write. */
	for (k = 0; k < 10000 && !done; k++) {
		bool died = false;
		th_copy_file(base, work);
		card_open(work, w0 + k);
		for (size_t i = 0; i < c->nop && !died; i++)
			send(&c->op[i], &died);
		done = !died;
		dm_card_close(&card);
		size_t len = probe(work, c, now);
		bool is_old = len == old_len && memcmp(now, old_state, len) == 0;
		bool is_new = len == new_len && memcmp(now, new_state, len) == 0;
		if (getenv("DMSC_CUT_VERBOSE") != NULL)
			fprintf(stderr, "cut after %lu writes: died %d, %s\n", k, !done,
				is_new ? "new" : "old");
		ck_assert_msg(is_old || is_new, "cut after %lu writes: neither old nor new", k);
		if (is_new) {
			went_new = true;
			seen_new++;
		} else {
			ck_assert_msg(!went_new, "cut after %lu writes: back to old", k);
			seen_old++;
		}
	}
	ck_assert(done);
	ck_assert_uint_gt(seen_old, 0);
	ck_assert_uint_gt(seen_new, 0);
	free(old_state);
	free(new_state);
	free(now);
	free(base);
	free(work);
}

static void setup(void)
{
	sh_init();
	reg = sh_registry;
	reg_len = sh_registry_len;
	th_tmpdir_setup();
	out_buf = malloc(DM_RAPDU_MAX);
	ck_assert_ptr_nonnull(out_buf);
}

static void teardown(void)
{
	free(out_buf);
	out_buf = NULL;
	th_tmpdir_teardown();
}

#define SELECT_DMSC "00A4040C08F04F4D41444D5343"
#define VERIFY_81 "0020008108 30303030FFFFFFFF"

START_TEST(cut_signed_update)
{
	static struct cut_case c;
	static const char text[] = "power-cut signed update";

	memset(&c, 0, sizeof c);
	add(c.op, &c.nop, SELECT_DMSC);
	c.op[c.nop++].n = sh_signed_update(c.op[1].b, (const uint8_t *)"\x7F\x60\x64\x23", 4, 16,
					   (const uint8_t *)text, strlen(text), 1, 0, false);
	add(c.probe, &c.nprobe, SELECT_DMSC);
	add(c.probe, &c.nprobe, "00B0840040"); /* EF_POLICY by SFI 04 */
	add(c.probe, &c.nprobe, "00B0810015"); /* EF_INFO: change counter */
	add(c.probe, &c.nprobe, VERIFY_81);
	add(c.probe, &c.nprobe, "00B2012C20"); /* EF_EVLOG (SFI 05) record 1 */
	c.probe[c.nprobe++] = c.op[1];          /* replay: 6985 once applied */
	run_case(&c);
}
END_TEST

START_TEST(cut_policy_counter)
{
	static struct cut_case c;

	memset(&c, 0, sizeof c);
	add(c.op, &c.nop, SELECT_DMSC);
	c.op[c.nop++].n = sh_policy_op(c.op[1].b, 7, "USB", 0, 1, false);
	add(c.probe, &c.nprobe, SELECT_DMSC);
	add(c.probe, &c.nprobe, VERIFY_81);
	add(c.probe, &c.nprobe, "00B2012C20");
	c.probe[c.nprobe++] = c.op[1];
	run_case(&c);
}
END_TEST

START_TEST(cut_evlog_append)
{
	static struct cut_case c;

	memset(&c, 0, sizeof c);
	add(c.op, &c.nop, SELECT_DMSC);
	add(c.op, &c.nop, VERIFY_81);
	add(c.op, &c.nop, "00DC002B20 0100000000016553F100000643616D657261FFFFFFFFFFFFFFFFFFFFFFFFFFFF");
	add(c.probe, &c.nprobe, SELECT_DMSC);
	add(c.probe, &c.nprobe, VERIFY_81);
	add(c.probe, &c.nprobe, "00B2012C20");
	add(c.probe, &c.nprobe, "00B2022C20");
	add(c.probe, &c.nprobe, "00B2102C20");
	run_case(&c);
}
END_TEST

START_TEST(cut_scp03_sequence_counter)
{
	static struct cut_case c;

	memset(&c, 0, sizeof c);
	add(c.op, &c.nop, SELECT_DMSC);
	add(c.op, &c.nop, "8050300008 0102030405060708 00");
	add(c.probe, &c.nprobe, SELECT_DMSC);
	add(c.probe, &c.nprobe, "8050300008 0102030405060708 00");
	run_case(&c);
}
END_TEST

/* GEN-14: the EF_TRIG record, the persistent REFRESH naming it and (signed
 * form) the MA's replay counter together or not at all.  The probes see
 * the records, the queue (TERMINAL PROFILE's 91xx, FETCH) and the
 * counter (a replay). */
#define VERIFY_ADM1 "0020000A083838383838383838"
#define TRIG_PROBES(c)                                                        \
	do {                                                                  \
		add((c)->probe, &(c)->nprobe, SELECT_DMSC);                   \
		add((c)->probe, &(c)->nprobe, "00B2011C20");                  \
		add((c)->probe, &(c)->nprobe, "00B2021C20");                  \
		add((c)->probe, &(c)->nprobe, "8010000003FFFFFF");            \
		add((c)->probe, &(c)->nprobe, "8012000000");                  \
	} while (0)

START_TEST(cut_session_trigger_signed)
{
	static struct cut_case c;

	memset(&c, 0, sizeof c);
	add(c.pre, &c.npre, SELECT_DMSC);
	add(c.pre, &c.npre, VERIFY_ADM1);
	add(c.pre, &c.npre, "803A00000D 800101 8104534D5331 82020042"); /* an older trigger */
	add(c.op, &c.nop, SELECT_DMSC);
	c.op[c.nop++].n = sh_trigger(c.op[1].b, 0x03, "Enterprise", 0x1234, 3, 0, false);
	TRIG_PROBES(&c);
	c.probe[c.nprobe++] = c.op[1]; /* replay: 6985 once applied */
	run_case(&c);
}
END_TEST

START_TEST(cut_session_trigger_adm1)
{
	static struct cut_case c;

	memset(&c, 0, sizeof c);
	add(c.op, &c.nop, SELECT_DMSC);
	add(c.op, &c.nop, VERIFY_ADM1);
	add(c.op, &c.nop, "803A00000D 800101 8104534D5331 82020042");
	TRIG_PROBES(&c);
	run_case(&c);
}
END_TEST

/* OSR-1 / GEN-20 on the default card: MO creation (80 E0), deletion
 * (80 E4) and a D7 write of an MO.  Probes: the MO's EF, EF_DODF (both
 * halves), EF_INFO (change counter, free bytes); probe() walks the heap. */
#define CREATE_MO_0100 "80E0000011 5005 5473744D4F 0604672B0763 81020100 00"
#define MO_PROBES(c)                                                          \
	do {                                                                  \
		add((c)->probe, &(c)->nprobe, SELECT_DMSC);                   \
		add((c)->probe, &(c)->nprobe, "00A4000C026500");              \
		add((c)->probe, &(c)->nprobe, "00B0000000");                  \
		add((c)->probe, &(c)->nprobe, "00A4080C047F506430");          \
		add((c)->probe, &(c)->nprobe, "00B0000000");                  \
		add((c)->probe, &(c)->nprobe, "00B0010000");                  \
		add((c)->probe, &(c)->nprobe, "00A4080C047F606420");          \
		add((c)->probe, &(c)->nprobe, "00B0000015");                  \
	} while (0)

static void use_default_card(void)
{
	reg = dm_default_registry;
	reg_len = dm_default_registry_len;
}

/* A case on the default card whose operation starts with SELECT DMSC and
 * VERIFY ADM1; with_mo: the base image already holds the MO 6500. */
static void mo_case(struct cut_case *c, bool with_mo)
{
	memset(c, 0, sizeof *c);
	use_default_card();
	if (with_mo) {
		add(c->pre, &c->npre, SELECT_DMSC);
		add(c->pre, &c->npre, VERIFY_ADM1);
		add(c->pre, &c->npre, CREATE_MO_0100);
	}
	add(c->op, &c->nop, SELECT_DMSC);
	add(c->op, &c->nop, VERIFY_ADM1);
	MO_PROBES(c);
}

START_TEST(cut_mo_create)
{
	static struct cut_case c;

	mo_case(&c, false);
	add(c.op, &c.nop, CREATE_MO_0100);
	run_case(&c);
}
END_TEST

START_TEST(cut_mo_delete)
{
	static struct cut_case c;

	mo_case(&c, true);
	add(c.op, &c.nop, "80E4000002 6500");
	run_case(&c);
}
END_TEST

START_TEST(cut_mo_d7_write)
{
	static struct cut_case c;

	mo_case(&c, true);
	add(c.op, &c.nop, "00A4000C026500");
	add(c.op, &c.nop, "00D700000F 540110 530A 3C4D676D74547265653E"); /* "<MgmtTree>" */
	run_case(&c);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("dmsc_sec_cut");
	TCase *tc = tcase_create("cut");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, cut_signed_update);
	tcase_add_test(tc, cut_policy_counter);
	tcase_add_test(tc, cut_evlog_append);
	tcase_add_test(tc, cut_scp03_sequence_counter);
	tcase_add_test(tc, cut_session_trigger_signed);
	tcase_add_test(tc, cut_session_trigger_adm1);
	tcase_add_test(tc, cut_mo_create);
	tcase_add_test(tc, cut_mo_delete);
	tcase_add_test(tc, cut_mo_d7_write);
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
