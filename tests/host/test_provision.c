/*
 * test_provision.c - host/provision.c, host/prov_conf.c and host/watch.c:
 * the USE-1/2/3 decision, the configuration format, proactive command
 * answers (TS 102 223 §6.8), and the power-on procedure over the in-process
 * transport on the default card built by dmsc-perso (argv[1] = dmsc-perso,
 * argv[2] = profiles/default.json): import, "nothing to do", removal at every
 * APDU, a new card, REFRESH after an ADM1 update, SCP03 with the device keys.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cardops.h"
#include "dmtree.h"
#include "provision.h"
#include "transport_inproc.h"
#include "watch.h"

static const char *perso, *profile;
static char dir[256], img[300], db[300];

/* --- USE-1/2/3 ------------------------------------------------------------ */

START_TEST(USE_decision)
{
	const dm_prov_confirm A = DM_PROV_CONFIRM_ASK, Y = DM_PROV_CONFIRM_YES,
			      N = DM_PROV_CONFIRM_NO;

	/* USE-1: must ask; only an answer given in advance replaces the question */
	ck_assert_int_eq(dm_prov_decide(0x01, A, false, Y), DM_PROV_DO_ASK);
	ck_assert_int_eq(dm_prov_decide(0x01, Y, true, N), DM_PROV_DO_APPLY);
	ck_assert_int_eq(dm_prov_decide(0x01, N, true, Y), DM_PROV_DO_REFUSE);
	/* USE-2: must not ask, whatever the command line or configuration say */
	ck_assert_int_eq(dm_prov_decide(0x02, A, false, A), DM_PROV_DO_APPLY);
	ck_assert_int_eq(dm_prov_decide(0x02, N, true, N), DM_PROV_DO_APPLY);
	/* both bits: asking is the safe side */
	ck_assert_int_eq(dm_prov_decide(0x03, A, false, Y), DM_PROV_DO_ASK);
	/* USE-3: command line, else configuration */
	ck_assert_int_eq(dm_prov_decide(0x04, A, false, A), DM_PROV_DO_ASK);
	ck_assert_int_eq(dm_prov_decide(0x04, A, false, Y), DM_PROV_DO_APPLY);
	ck_assert_int_eq(dm_prov_decide(0x04, A, false, N), DM_PROV_DO_REFUSE);
	ck_assert_int_eq(dm_prov_decide(0x00, Y, true, N), DM_PROV_DO_APPLY);
	ck_assert_int_eq(dm_prov_decide(0x00, N, true, Y), DM_PROV_DO_REFUSE);
}
END_TEST

/* --- configuration -------------------------------------------------------- */

static const char conf_ok[] =
	"# device keys (test-only)\n"
	"scp03.kvn = 30\n"
	"scp03.enc = 404142434445464748494A4B4C4D4E4F\n"
	"  scp03.mac=404142434445464748494A4B4C4D4E4F  \r\n"
	"\n"
	"provision.confirm = yes\n"
	"watch.poll = 5\n"
	"install.policy = ask   # another command's key: ignored\n";

START_TEST(conf_parse_valid)
{
	dm_prov_conf c;
	unsigned line = 99;

	dm_prov_conf_init(&c);
	ck_assert_int_eq(dm_prov_conf_parse(conf_ok, strlen(conf_ok), &c, &line), DM_OK);
	ck_assert(c.has_scp03);
	ck_assert_uint_eq(c.scp03_kvn, 0x30);
	ck_assert_uint_eq(c.scp03.len, 16);
	ck_assert_uint_eq(c.scp03.enc[0], 0x40);
	ck_assert_uint_eq(c.scp03.mac[15], 0x4F);
	ck_assert_uint_eq(c.scp03_level, 0x33);
	ck_assert_int_eq(c.confirm, DM_PROV_CONFIRM_YES);
	ck_assert_uint_eq(c.poll_s, 5);
	dm_prov_conf_wipe(&c);
	ck_assert(!c.has_scp03);
	ck_assert_uint_eq(c.scp03.enc[0], 0);
}
END_TEST

START_TEST(conf_parse_malformed)
{
	static const struct {
		const char *text;
		unsigned line;
	} bad[] = {
		{ "scp03.kvn = 30\nscp03.enc = 4041\n", 2 },           /* key too short */
		{ "scp03.kvn = 80\n", 1 },                             /* KVN above 7F */
		{ "scp03.kvn = 0\n", 1 },
		{ "scp03.enc = 40414243444546474849XX4B4C4D4E4F\n", 1 }, /* not hex */
		{ "# c\nprovision.confirm = maybe\n", 2 },
		{ "watch.pol = 5\n", 1 },                              /* typo in our section */
		{ "watch.poll = -1\n", 1 },
		{ "watch.poll = 99999999\n", 1 },
		{ "just words\n", 1 },
		{ "scp03.level = 02\n", 1 },                           /* not a valid level */
		/* half a key set: no line to blame */
		{ "scp03.enc = 404142434445464748494A4B4C4D4E4F\n", 0 },
		{ "scp03.kvn = 30\nscp03.enc = 404142434445464748494A4B4C4D4E4F\n"
		  "scp03.mac = 404142434445464748494A4B4C4D4E4F4041424344454647\n", 0 },
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		dm_prov_conf c;
		unsigned line = 77;

		dm_prov_conf_init(&c);
		ck_assert_msg(dm_prov_conf_parse(bad[i].text, strlen(bad[i].text), &c, &line) ==
			      DM_E_VALUE, "case %zu accepted", i);
		ck_assert_msg(line == bad[i].line, "case %zu: line %u", i, line);
		ck_assert(!c.has_scp03);
	}
	/* an embedded NUL is not text */
	{
		dm_prov_conf c;

		dm_prov_conf_init(&c);
		ck_assert_int_eq(dm_prov_conf_parse("watch.poll = 5\0x", 16, &c, NULL), DM_E_VALUE);
	}
	/* a missing file */
	{
		dm_prov_conf c;

		dm_prov_conf_init(&c);
		ck_assert_int_eq(dm_prov_conf_load("/nonexistent/agent.conf", &c, NULL), DM_E_IO);
	}
}
END_TEST

/* --- proactive commands ---------------------------------------------------- */

START_TEST(GEN_14_refresh_trigger_response)
{
	/* the reference's REFRESH naming EF_TRIG (dmsc-reference, "Proactive notification" 4) */
	static const uint8_t d0[] = { 0xD0, 0x1C, 0x81, 0x03, 0x01, 0x01, 0x01, 0x82, 0x02,
				      0x81, 0x82, 0x92, 0x07, 0x01, 0x3F, 0x00, 0x7F, 0xFF,
				      0x64, 0x22, 0xAF, 0x08, 0xF0, 0x4F, 0x4D, 0x41, 0x44,
				      0x4D, 0x53, 0x43 };
	static const uint8_t want[] = { 0x81, 0x03, 0x01, 0x01, 0x01, 0x82, 0x02, 0x82, 0x81,
					0x83, 0x01, 0x00 };
	uint8_t b[64];
	dm_wbuf w = dm_wbuf_init(b, sizeof b);
	dm_watch_state st = { 0 };
	dm_watch_action a;
	dm_cat_cmd c;

	ck_assert_int_eq(dm_watch_handle(d0, sizeof d0, &st, &a, &c, &w), DM_OK);
	ck_assert_int_eq(a, DM_WATCH_SESSION);
	ck_assert(dm_watch_names_trigger(&c));
	ck_assert_uint_eq(w.len, sizeof want);
	ck_assert_mem_eq(b, want, sizeof want);
}
END_TEST

START_TEST(GEN_20_refresh_policy_reimports)
{
	/* REFRESH naming EF_POLICY (3F00 7FFF 6423): provisioning data */
	static const uint8_t d0[] = { 0xD0, 0x1C, 0x81, 0x03, 0x07, 0x01, 0x01, 0x82, 0x02,
				      0x81, 0x82, 0x92, 0x07, 0x01, 0x3F, 0x00, 0x7F, 0xFF,
				      0x64, 0x23, 0xAF, 0x08, 0xF0, 0x4F, 0x4D, 0x41, 0x44,
				      0x4D, 0x53, 0x43 };
	/* REFRESH UICC reset (qualifier 04): beyond our capabilities (30) */
	static const uint8_t reset[] = { 0xD0, 0x09, 0x81, 0x03, 0x02, 0x01, 0x04, 0x82, 0x02,
					 0x81, 0x82 };
	uint8_t b[64];
	dm_wbuf w = dm_wbuf_init(b, sizeof b);
	dm_watch_state st = { 0 };
	dm_watch_action a;
	dm_cat_cmd c;

	ck_assert_int_eq(dm_watch_handle(d0, sizeof d0, &st, &a, &c, &w), DM_OK);
	ck_assert_int_eq(a, DM_WATCH_REIMPORT);
	ck_assert(!dm_watch_names_trigger(&c));
	ck_assert_uint_eq(b[2], 0x07); /* the command number echoed */
	ck_assert_uint_eq(b[w.len - 1], 0x00);
	w.len = 0;
	ck_assert_int_eq(dm_watch_handle(reset, sizeof reset, &st, &a, &c, &w), DM_OK);
	ck_assert_int_eq(a, DM_WATCH_NONE);
	ck_assert_uint_eq(b[w.len - 1], 0x30);
}
END_TEST

START_TEST(poll_interval_adopted)
{
	/* POLL INTERVAL 2 minutes (TS 102 223 §6.4.6) */
	static const uint8_t d0[] = { 0xD0, 0x0D, 0x81, 0x03, 0x03, 0x03, 0x00, 0x82, 0x02,
				      0x81, 0x82, 0x84, 0x02, 0x00, 0x02 };
	static const uint8_t tenths[] = { 0xD0, 0x0D, 0x81, 0x03, 0x04, 0x03, 0x00, 0x82, 0x02,
					  0x81, 0x82, 0x84, 0x02, 0x02, 0x0F };
	static const uint8_t off[] = { 0xD0, 0x09, 0x81, 0x03, 0x05, 0x04, 0x00, 0x82, 0x02,
				       0x81, 0x82 };
	uint8_t b[64];
	dm_wbuf w = dm_wbuf_init(b, sizeof b);
	dm_watch_state st = { .poll_s = 30 };
	dm_watch_action a;
	dm_cat_cmd c;

	ck_assert_int_eq(dm_watch_handle(d0, sizeof d0, &st, &a, &c, &w), DM_OK);
	ck_assert_int_eq(a, DM_WATCH_POLL_SET);
	ck_assert_uint_eq(st.poll_s, 120);
	/* 83 01 00 then the duration used: 84 02 01 78 (120 s) */
	ck_assert_mem_eq(b + w.len - 7, "\x83\x01\x00\x84\x02\x01\x78", 7);
	w.len = 0;
	ck_assert_int_eq(dm_watch_handle(tenths, sizeof tenths, &st, &a, &c, &w), DM_OK);
	ck_assert_uint_eq(st.poll_s, 2); /* 1.5 s rounded up: never faster than asked */
	w.len = 0;
	ck_assert_int_eq(dm_watch_handle(off, sizeof off, &st, &a, &c, &w), DM_OK);
	ck_assert_uint_eq(st.poll_s, 0);
}
END_TEST

START_TEST(proactive_malformed)
{
	/* unknown type 0x21 DISPLAY TEXT: 30; a D0 with a broken object: error,
	 * then "command data not understood" (32) from the command details */
	static const uint8_t disp[] = { 0xD0, 0x09, 0x81, 0x03, 0x01, 0x21, 0x80, 0x82, 0x02,
					0x81, 0x82 };
	static const uint8_t broken[] = { 0xD0, 0x0B, 0x81, 0x03, 0x09, 0x03, 0x00, 0x82, 0x02,
					  0x81, 0x82, 0x84, 0x05 };
	static const uint8_t garbage[] = { 0x6F, 0x01, 0x00 };
	uint8_t b[64];
	dm_wbuf w = dm_wbuf_init(b, sizeof b);
	dm_watch_state st = { 0 };
	dm_watch_action a;
	dm_cat_cmd c;

	ck_assert_int_eq(dm_watch_handle(disp, sizeof disp, &st, &a, &c, &w), DM_OK);
	ck_assert_uint_eq(b[w.len - 1], 0x30);
	w.len = 0;
	ck_assert_int_lt(dm_watch_handle(broken, sizeof broken, &st, &a, &c, &w), 0);
	ck_assert_uint_eq(w.len, 0);
	ck_assert_int_eq(dm_watch_response_error(broken, sizeof broken, &w), DM_OK);
	ck_assert_uint_eq(b[2], 0x09);
	ck_assert_uint_eq(b[w.len - 1], 0x32);
	w.len = 0;
	ck_assert_int_lt(dm_watch_handle(garbage, sizeof garbage, &st, &a, &c, &w), 0);
	ck_assert_int_eq(dm_watch_response_error(garbage, sizeof garbage, &w), DM_E_VALUE);
	ck_assert_int_lt(dm_watch_handle(disp, 5, &st, &a, &c, &w), 0);
}
END_TEST

START_TEST(GEN_15_devchg_coding)
{
	uint8_t b[32];
	dm_wbuf w = dm_wbuf_init(b, sizeof b);

	ck_assert_int_eq(dm_watch_devchg_build(0x01020304, "./A\n./B", &w), DM_OK);
	ck_assert_uint_eq(w.len, 6 + 2 + 7);
	ck_assert_mem_eq(b, "\x80\x04\x01\x02\x03\x04\x81\x07./A\n./B", 15);
	w = dm_wbuf_init(b, 10);
	ck_assert_int_eq(dm_watch_devchg_build(1, "./A/very/long", &w), DM_E_OVERFLOW);
	ck_assert_uint_eq(w.len, 0);
}
END_TEST

/* --- in process, the default card --------------------------------------- */

static void build_image(const char *out, const char *prof)
{
	char cmd[1024];

	snprintf(cmd, sizeof cmd, "'%s' build '%s' -o '%s' --force >/dev/null", perso, prof, out);
	ck_assert_int_eq(system(cmd), 0);
}

static void setup_card(void)
{
	snprintf(dir, sizeof dir, "/tmp/dmsc-test-prov-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(img, sizeof img, "%s/card.img", dir);
	snprintf(db, sizeof db, "%s/tree.db", dir);
	build_image(img, profile);
}

static void teardown_card(void)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static dm_prov_opts yes_opts(void)
{
	dm_prov_opts o = { .confirm = DM_PROV_CONFIRM_YES, .confirm_given = true };

	return o;
}

static size_t card_nodes(dm_tree *tree, const char *iccid)
{
	dm_node_list l = { 0 };
	size_t n = 0;

	ck_assert_int_eq(dm_tree_subtree(tree, ".", &l), DM_OK);
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].iccid && (!iccid || !strcmp(l.v[i].iccid, iccid)))
			n++;
	dm_node_list_clear(&l);
	return n;
}

START_TEST(GEN_21_provision_then_nothing_to_do)
{
	dm_transport *t;
	dm_tree *tree;
	dm_prov_opts o = yes_opts();
	dm_prov_result r;
	dm_dmacc_list acc = { 0 };
	unsigned long begins;

	ck_assert_int_eq(dm_inproc_open(img, DM_PROTO_T1, &t), DM_OK);
	ck_assert_int_eq(dm_tree_open(db, NULL, &tree), DM_OK);
	ck_assert_int_eq(dm_provision(t, tree, &o, &r), DM_OK);
	ck_assert_msg(r.outcome == DM_PROV_APPLIED, "%d %s", r.outcome, r.msg);
	ck_assert_uint_eq(strlen(r.iccid), 20);
	ck_assert(r.new_card);
	ck_assert_uint_ge(r.objects, 4); /* bootstrap, IMPS, Email, policy */
	ck_assert_uint_gt(card_nodes(tree, r.iccid), 10);
	ck_assert_int_eq(dm_tree_find_dmacc(tree, NULL, &acc), DM_OK);
	ck_assert_uint_ge(acc.n, 1);
	ck_assert_str_eq(acc.v[0].iccid, r.iccid);
	dm_dmacc_list_clear(&acc);
	/* one PC/SC transaction around the whole procedure, closed */
	begins = dm_inproc_begins(t);
	ck_assert_uint_eq(begins, 1);
	ck_assert_int_eq(t->depth, 0);

	/* same card, same counter: nothing to do, and only a few APDUs */
	{
		unsigned long before = t->n_apdus;

		ck_assert_int_eq(dm_provision(t, tree, &o, &r), DM_OK);
		ck_assert_int_eq(r.outcome, DM_PROV_UNCHANGED);
		ck_assert_uint_lt(t->n_apdus - before, 20);
	}
	/* --force reads again */
	o.force = true;
	ck_assert_int_eq(dm_provision(t, tree, &o, &r), DM_OK);
	ck_assert_int_eq(r.outcome, DM_PROV_APPLIED);
	ck_assert(!r.new_card);
	dm_tree_close(&tree);
	dm_transport_close(&t);
}
END_TEST

/* watch's removal (y): card nodes and last-card meta go in one transaction;
 * the same card inserted again is imported again, not "nothing to do". */
START_TEST(watch_removal_then_same_card_again)
{
	dm_transport *t;
	dm_tree *tree;
	dm_prov_opts o = yes_opts();
	dm_prov_result r;
	dm_dmacc_list acc = { 0 };
	char *iccid = NULL;
	uint32_t cnt;
	size_t imported, removed = 0;

	ck_assert_int_eq(dm_inproc_open(img, DM_PROTO_T1, &t), DM_OK);
	ck_assert_int_eq(dm_tree_open(db, NULL, &tree), DM_OK);
	ck_assert_int_eq(dm_provision(t, tree, &o, &r), DM_OK);
	ck_assert_int_eq(r.outcome, DM_PROV_APPLIED);
	imported = card_nodes(tree, r.iccid);
	ck_assert_uint_gt(imported, 10);

	ck_assert_int_eq(dm_watch_card_removed(tree, &removed), DM_OK);
	ck_assert_uint_eq(removed, imported);
	ck_assert_uint_eq(card_nodes(tree, NULL), 0);
	ck_assert_int_eq(dm_tree_last_card(tree, &iccid, &cnt), DM_E_NOT_FOUND);
	ck_assert_ptr_null(iccid);
	ck_assert_int_eq(dm_tree_find_dmacc(tree, NULL, &acc), DM_OK);
	ck_assert_uint_eq(acc.n, 0); /* the card's DM account went with it */
	dm_dmacc_list_clear(&acc);
	/* the device's own objects stay */
	{
		dm_node n = { 0 };

		ck_assert_int_eq(dm_tree_get(tree, "./DevInfo/DevId", &n), DM_OK);
		dm_node_clear(&n);
	}
	/* nothing left: removing again removes nothing, and is not an error */
	ck_assert_int_eq(dm_watch_card_removed(tree, &removed), DM_OK);
	ck_assert_uint_eq(removed, 0);
	ck_assert_int_eq(dm_watch_card_removed(NULL, &removed), DM_E_ARG);

	/* inserted again: imported again, the same nodes */
	ck_assert_int_eq(dm_provision(t, tree, &o, &r), DM_OK);
	ck_assert_msg(r.outcome == DM_PROV_APPLIED, "%d %s", r.outcome, r.msg);
	ck_assert_uint_eq(card_nodes(tree, r.iccid), imported);
	dm_tree_close(&tree);
	dm_transport_close(&t);
}
END_TEST

START_TEST(USE_declined_applies_nothing)
{
	dm_transport *t;
	dm_tree *tree;
	dm_prov_opts o = { .confirm = DM_PROV_CONFIRM_NO, .confirm_given = true };
	dm_prov_result r;

	ck_assert_int_eq(dm_inproc_open(img, DM_PROTO_T1, &t), DM_OK);
	ck_assert_int_eq(dm_tree_open(db, NULL, &tree), DM_OK);
	ck_assert_int_eq(dm_provision(t, tree, &o, &r), DM_OK);
	/* the default card leaves the choice to the device (USE-3) */
	ck_assert_uint_eq(r.info.flags & 0x03, 0);
	ck_assert_int_eq(r.outcome, DM_PROV_DECLINED);
	ck_assert_uint_eq(card_nodes(tree, NULL), 0);
	/* nobody to ask: declined too, with the reason */
	o.confirm_given = false;
	ck_assert_int_eq(dm_provision(t, tree, &o, &r), DM_OK);
	ck_assert_int_eq(r.outcome, DM_PROV_DECLINED);
	ck_assert_ptr_nonnull(strstr(r.msg, "--yes"));
	ck_assert_uint_eq(card_nodes(tree, NULL), 0);
	dm_tree_close(&tree);
	dm_transport_close(&t);
}
END_TEST

START_TEST(removal_at_every_apdu)
{
	dm_transport *t;
	dm_tree *tree;
	dm_prov_opts o = yes_opts();
	dm_prov_result r;
	unsigned long total, n;
	char *iccid;
	uint32_t cnt;

	/* how many APDUs a full provisioning takes */
	ck_assert_int_eq(dm_inproc_open(img, DM_PROTO_T0, &t), DM_OK);
	{
		char db0[320];
		dm_tree *t0;

		snprintf(db0, sizeof db0, "%s/count.db", dir);
		ck_assert_int_eq(dm_tree_open(db0, NULL, &t0), DM_OK);
		ck_assert_int_eq(dm_provision(t, t0, &o, &r), DM_OK);
		ck_assert_msg(r.outcome == DM_PROV_APPLIED, "%s", r.msg);
		total = t->n_apdus;
		dm_tree_close(&t0);
	}
	dm_transport_close(&t);
	ck_assert_uint_gt(total, 10);

	ck_assert_int_eq(dm_tree_open(db, NULL, &tree), DM_OK);
	/* pulled after n answered exchanges, for every n short of the whole */
	for (n = 0; n < total; n++) {
		ck_assert_int_eq(dm_inproc_open(img, DM_PROTO_T0, &t), DM_OK);
		if (n == 0)
			dm_inproc_remove(t);
		else
			dm_inproc_remove_after(t, n);
		ck_assert_int_eq(dm_provision(t, tree, &o, &r), DM_E_IO);
		ck_assert_int_eq(r.outcome, DM_PROV_FAILED);
		ck_assert_msg(r.msg[0] != '\0', "no message at APDU %lu", n);
		ck_assert_int_eq(t->depth, 0);
		ck_assert_uint_eq(card_nodes(tree, NULL), 0);
		ck_assert_int_eq(dm_tree_last_card(tree, &iccid, &cnt), DM_E_NOT_FOUND);
		dm_transport_close(&t);
	}
	/* the next insertion provisions */
	ck_assert_int_eq(dm_inproc_open(img, DM_PROTO_T0, &t), DM_OK);
	ck_assert_int_eq(dm_provision(t, tree, &o, &r), DM_OK);
	ck_assert_int_eq(r.outcome, DM_PROV_APPLIED);
	dm_tree_close(&tree);
	dm_transport_close(&t);
}
END_TEST

/* A profile copy with another ICCID: the card is "another card". */
static void other_profile(char *out, size_t cap)
{
	char cmd[1200];

	snprintf(out, cap, "%s/other.json", dir);
	/* the profile's relative TNDS paths resolve from its directory */
	snprintf(cmd, sizeof cmd,
		 "sed 's/\"iccid\": *\"\\([0-9A-Fa-f]*\\)[0-9A-Fa-f]\"/\"iccid\": \"\\19\"/' '%s' > '%s' "
		 "&& ln -sf \"$(dirname '%s')/default\" '%s/default'", profile, out, profile, dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(new_card_replaces_old)
{
	dm_transport *t;
	dm_tree *tree;
	dm_prov_opts o = yes_opts();
	dm_prov_result r;
	char prof2[300], img2[320], first[21];
	size_t n1;

	ck_assert_int_eq(dm_inproc_open(img, DM_PROTO_T1, &t), DM_OK);
	ck_assert_int_eq(dm_tree_open(db, NULL, &tree), DM_OK);
	ck_assert_int_eq(dm_provision(t, tree, &o, &r), DM_OK);
	ck_assert_int_eq(r.outcome, DM_PROV_APPLIED);
	strcpy(first, r.iccid);
	n1 = card_nodes(tree, first);
	ck_assert_uint_gt(n1, 0);
	dm_transport_close(&t);

	other_profile(prof2, sizeof prof2);
	snprintf(img2, sizeof img2, "%s/other.img", dir);
	build_image(img2, prof2);
	ck_assert_int_eq(dm_inproc_open(img2, DM_PROTO_T1, &t), DM_OK);
	ck_assert_int_eq(dm_provision(t, tree, &o, &r), DM_OK);
	ck_assert_msg(r.outcome == DM_PROV_APPLIED, "%s", r.msg);
	ck_assert_str_ne(r.iccid, first);
	ck_assert(r.new_card);
	ck_assert_uint_eq(card_nodes(tree, first), 0);
	ck_assert_uint_eq(card_nodes(tree, r.iccid), n1);
	dm_tree_close(&tree);
	dm_transport_close(&t);
}
END_TEST

/* ADM1 = 88888888 (README, test-only) */
static void adm1_update_policy(dm_transport *t)
{
	static const uint8_t path[] = { 0x7F, 0x60, 0x64, 0x23 };
	uint8_t cur[4];
	dm_wbuf w = dm_wbuf_init(cur, sizeof cur);

	ck_assert_int_eq(dm_hc_verify(t, DM_HC_ADM1, "88888888", NULL), DM_OK);
	ck_assert_int_eq(dm_hc_select_path(t, path, sizeof path, NULL), DM_OK);
	/* rewrite the first bytes with what they are: still a change (GEN-20) */
	ck_assert_int_eq(dm_hc_read_binary(t, "EF_POLICY", 0, 4, &w), DM_OK);
	ck_assert_int_eq(dm_hc_update_binary(t, "EF_POLICY", 0, dm_bytes_of(cur, 4)), DM_OK);
}

START_TEST(GEN_20_watch_reimports_on_refresh)
{
	dm_transport *t;
	dm_tree *tree;
	dm_watch_opts wo = { .prov = yes_opts() };
	dm_watch_state st = { .poll_s = 30 };
	dm_prov_result r;
	uint32_t c1;

	ck_assert_int_eq(dm_inproc_open(img, DM_PROTO_T1, &t), DM_OK);
	ck_assert_int_eq(dm_tree_open(db, NULL, &tree), DM_OK);
	ck_assert_int_eq(dm_provision(t, tree, &wo.prov, &r), DM_OK);
	ck_assert_int_eq(r.outcome, DM_PROV_APPLIED);
	c1 = r.info.counter;
	/* after TERMINAL PROFILE the card asks for its poll interval */
	ck_assert_int_eq(dm_watch_poll(t, tree, &wo, &st), DM_OK);
	ck_assert_uint_eq(st.fetched, 1);
	ck_assert_uint_eq(st.poll_s, 30);
	ck_assert_uint_eq(st.reimports, 0);
	/* an ADM1 change of EF_POLICY: REFRESH, re-import with the new counter */
	adm1_update_policy(t);
	ck_assert_int_eq(dm_watch_poll(t, tree, &wo, &st), DM_OK);
	ck_assert_uint_eq(st.fetched, 2);
	ck_assert_uint_eq(st.reimports, 1);
	{
		char *iccid;
		uint32_t c2;

		ck_assert_int_eq(dm_tree_last_card(tree, &iccid, &c2), DM_OK);
		ck_assert_uint_ne(c2, c1);
		free(iccid);
	}
	/* nothing pending any more */
	ck_assert_int_eq(dm_watch_poll(t, tree, &wo, &st), DM_OK);
	ck_assert_uint_eq(st.fetched, 2);
	/* GEN-15: a device change lands in EF_DEVCHG with the next counter */
	ck_assert_int_eq(dm_watch_devchg_write(t, &st, "./DevDetail/Ext/Conf"), DM_OK);
	ck_assert_uint_eq(st.devchg_counter, 1);
	ck_assert_int_eq(dm_watch_devchg_write(t, &st, "./DevDetail/Ext/Conf2"), DM_OK);
	ck_assert_uint_eq(st.devchg_counter, 2);
	/* removal: the poll says so */
	dm_inproc_remove(t);
	ck_assert_int_eq(dm_watch_poll(t, tree, &wo, &st), DM_E_IO);
	ck_assert_int_eq(t->depth, 0);
	dm_tree_close(&tree);
	dm_transport_close(&t);
}
END_TEST

START_TEST(AUTH_scp03_device_keys)
{
	static const char good[] = "scp03.kvn = 30\n"
		"scp03.enc = 404142434445464748494A4B4C4D4E4F\n"
		"scp03.mac = 404142434445464748494A4B4C4D4E4F\n";
	/* the cryptograms come from K-MAC (Amd D §6.2.2.2-3): a wrong K-MAC
	 * fails at once, a wrong K-ENC at the first C-DEC command (6982) */
	static const char wrong[] = "scp03.kvn = 30\n"
		"scp03.enc = 404142434445464748494A4B4C4D4E4F\n"
		"scp03.mac = 404142434445464748494A4B4C4D4E40\n";
	static const char wrong_enc[] = "scp03.kvn = 30\n"
		"scp03.enc = 404142434445464748494A4B4C4D4E40\n"
		"scp03.mac = 404142434445464748494A4B4C4D4E4F\n";
	static const char nokvn[] = "scp03.kvn = 7E\n"
		"scp03.enc = 404142434445464748494A4B4C4D4E4F\n"
		"scp03.mac = 404142434445464748494A4B4C4D4E4F\n";
	dm_transport *t;
	dm_tree *tree;
	dm_prov_conf c;
	dm_prov_opts o = yes_opts();
	dm_prov_result r;

	ck_assert_int_eq(dm_inproc_open(img, DM_PROTO_T1, &t), DM_OK);
	ck_assert_int_eq(dm_tree_open(db, NULL, &tree), DM_OK);
	o.conf = &c;
	/* wrong keys: the card cryptogram does not verify, nothing applied */
	dm_prov_conf_init(&c);
	ck_assert_int_eq(dm_prov_conf_parse(wrong, strlen(wrong), &c, NULL), DM_OK);
	ck_assert_int_eq(dm_provision(t, tree, &o, &r), DM_E_CRYPTO);
	ck_assert_int_eq(r.outcome, DM_PROV_FAILED);
	ck_assert_uint_eq(card_nodes(tree, NULL), 0);
	dm_prov_conf_init(&c);
	ck_assert_int_eq(dm_prov_conf_parse(wrong_enc, strlen(wrong_enc), &c, NULL), DM_OK);
	ck_assert_int_eq(dm_provision(t, tree, &o, &r), DM_E_STATE);
	ck_assert_uint_eq(r.sw, 0x6982);
	ck_assert_uint_eq(card_nodes(tree, NULL), 0);
	/* unknown key version: 6A88 with its meaning */
	dm_prov_conf_init(&c);
	ck_assert_int_eq(dm_prov_conf_parse(nokvn, strlen(nokvn), &c, NULL), DM_OK);
	ck_assert_int_lt(dm_provision(t, tree, &o, &r), 0);
	ck_assert_uint_eq(r.sw, 0x6A88);
	/* the device keys: authenticated, EF_INFO through the session, applied */
	dm_prov_conf_init(&c);
	ck_assert_int_eq(dm_prov_conf_parse(good, strlen(good), &c, NULL), DM_OK);
	ck_assert_int_eq(dm_provision(t, tree, &o, &r), DM_OK);
	ck_assert_msg(r.outcome == DM_PROV_APPLIED, "%s", r.msg);
	ck_assert(r.scp03);
	ck_assert_uint_gt(card_nodes(tree, NULL), 0);
	dm_prov_conf_wipe(&c);
	dm_tree_close(&tree);
	dm_transport_close(&t);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("provision");
	TCase *tc = tcase_create("pure");
	TCase *tk = tcase_create("card");
	SRunner *sr;
	int failed;

	if (argc < 3) {
		fprintf(stderr, "usage: %s DMSC-PERSO PROFILE\n", argv[0]);
		return 2;
	}
	perso = argv[1];
	profile = argv[2];
	tcase_add_test(tc, USE_decision);
	tcase_add_test(tc, conf_parse_valid);
	tcase_add_test(tc, conf_parse_malformed);
	tcase_add_test(tc, GEN_14_refresh_trigger_response);
	tcase_add_test(tc, GEN_20_refresh_policy_reimports);
	tcase_add_test(tc, poll_interval_adopted);
	tcase_add_test(tc, proactive_malformed);
	tcase_add_test(tc, GEN_15_devchg_coding);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tk, setup_card, teardown_card);
	tcase_set_timeout(tk, 120);
	tcase_add_test(tk, GEN_21_provision_then_nothing_to_do);
	tcase_add_test(tk, USE_declined_applies_nothing);
	tcase_add_test(tk, watch_removal_then_same_card_again);
	tcase_add_test(tk, removal_at_every_apdu);
	tcase_add_test(tk, new_card_replaces_old);
	tcase_add_test(tk, GEN_20_watch_reimports_on_refresh);
	tcase_add_test(tk, AUTH_scp03_device_keys);
	suite_add_tcase(s, tk);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
