/*
 * test_agent.c - dmsc-agent's dispatch and u's commands (readers is PC/SC
 * only: tests/integration/agent-basic.sh) through dm_agent_main over the
 * in-process card and a scripted one.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json.h>

#include "agent.h"
#include "host_harness.h"

typedef struct run {
	int rc;
	char out[8192];
	char err[4096];
} run;

static void slurp(FILE *f, char *buf, size_t cap)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Run dmsc-agent with the words of line (space separated) on t. */
static void agent(dm_transport *t, const char *line, run *r)
{
	char copy[512], *argv[32];
	int argc = 0;
	dm_agent ctx = { 0 };

	snprintf(copy, sizeof copy, "dmsc-agent %s", line);
	for (char *p = strtok(copy, " "); p && argc < 31; p = strtok(NULL, " "))
		argv[argc++] = p;
	argv[argc] = NULL;
	ctx.t = t;
	ctx.out = tmpfile();
	ctx.err = tmpfile();
	ck_assert_ptr_nonnull(ctx.out);
	ck_assert_ptr_nonnull(ctx.err);
	r->rc = dm_agent_main(argc, argv, &ctx);
	ck_assert_ptr_eq(ctx.t, t); /* the command never closes a transport it was given */
	t->trace = NULL;
	slurp(ctx.out, r->out, sizeof r->out);
	slurp(ctx.err, r->err, sizeof r->err);
}

#define ck_contains(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)), "\"%s\" not in:\n%s", (needle), (hay))

START_TEST(help_and_usage)
{
	dm_transport *t = hh_open(DM_PROTO_T1);
	run r;

	agent(t, "--help", &r);
	ck_assert_int_eq(r.rc, DM_EXIT_OK);
	ck_contains(r.out, "probe");
	ck_contains(r.out, "exit codes");
	agent(t, "", &r);
	ck_assert_int_eq(r.rc, DM_EXIT_USAGE);
	agent(t, "frobnicate", &r);
	ck_assert_int_eq(r.rc, DM_EXIT_USAGE);
	ck_contains(r.err, "unknown command \"frobnicate\"");
	agent(t, "help pin", &r);
	ck_assert_int_eq(r.rc, DM_EXIT_OK);
	ck_contains(r.out, "usage: dmsc-agent pin ACTION");
	/* Every command answers --help with a usage text and touches no card. */
	for (const dm_command *c = dm_commands; c->name; c++) {
		char line[64];
		unsigned long n = t->n_apdus;

		snprintf(line, sizeof line, "%s --help", c->name);
		agent(t, line, &r);
		ck_assert_msg(r.rc == DM_EXIT_OK, "%s --help: %d", c->name, r.rc);
		ck_assert_msg(strstr(r.out, "usage") || strstr(r.out, "Usage"), "%s --help", c->name);
		ck_assert_uint_eq(t->n_apdus, n);
	}
	agent(t, "--wait", &r);
	ck_assert_int_eq(r.rc, DM_EXIT_USAGE);
	agent(t, "--wait x probe", &r);
	ck_assert_int_eq(r.rc, DM_EXIT_USAGE);
	hh_close(&t);
}
END_TEST

START_TEST(probe_default_card)
{
	dm_transport *t = hh_open(DM_PROTO_T1);
	run r;

	agent(t, "probe", &r);
	ck_assert_int_eq(r.rc, DM_EXIT_OK);
	ck_contains(r.out, "protocols: T=1 (default)\n");
	ck_contains(r.out, "card capabilities: extended Lc/Le yes");
	ck_contains(r.out, "DM_SC: yes");
	ck_contains(r.out, "change counter: ");
	/* Global options anywhere; JSON parsed back. */
	agent(t, "probe --json -v", &r);
	ck_assert_int_eq(r.rc, DM_EXIT_OK);
	{
		json_object *o = json_tokener_parse(r.out), *v;

		ck_assert_ptr_nonnull(o);
		ck_assert(json_object_object_get_ex(o, "dmsc", &v));
		ck_assert(json_object_get_boolean(v));
		ck_assert(json_object_object_get_ex(o, "change_counter", &v));
		ck_assert(json_object_object_get_ex(o, "protocol", &v));
		ck_assert_str_eq(json_object_get_string(v), "T=1");
		json_object_put(o);
	}
	ck_contains(r.err, "> 00A4040C08F04F4D41444D5343 < 9000 OK"); /* -v trace */
	agent(t, "probe extra", &r);
	ck_assert_int_eq(r.rc, DM_EXIT_USAGE);
	hh_close(&t);
}
END_TEST

START_TEST(probe_t0_card)
{
	dm_transport *t = hh_open(DM_PROTO_T0);
	run r;

	agent(t, "probe", &r);
	ck_assert_int_eq(r.rc, DM_EXIT_OK);
	ck_contains(r.out, "protocols: T=0 (default)\n");
	ck_contains(r.out, "extended APDUs no");
	ck_contains(r.out, "DM_SC: yes");
	hh_close(&t);
}
END_TEST

/* A card without the DMSC application (GEN-13): SELECT answers 6A82. */
START_TEST(probe_unsupported_card)
{
	static const char *const answers[] = { "6A82", NULL };
	static const char *const yes_man[] = { "9000", "9000", "9000", NULL };
	dm_transport *t = hh_script(answers);
	static const uint8_t atr[] = { 0x3B, 0x02, 0x14, 0x50 };
	run r;

	memcpy(t->atr, atr, sizeof atr);
	t->atr_len = sizeof atr;
	agent(t, "probe", &r);
	ck_assert_int_eq(r.rc, DM_EXIT_UNSUPPORTED);
	ck_contains(r.out, "DM_SC: no: unsupported card (SELECT of the DMSC application answered 6A82)");
	ck_contains(r.out, "protocols: T=0 (default)");
	dm_transport_close(&t);
	/* A card answering 9000 to everything (tools/minimal-card): no FCP, no EF_INFO. */
	t = hh_script(yes_man);
	memcpy(t->atr, atr, sizeof atr);
	t->atr_len = sizeof atr;
	agent(t, "probe --json", &r);
	ck_assert_int_eq(r.rc, DM_EXIT_UNSUPPORTED);
	ck_contains(r.out, "\"dmsc\":false");
	dm_transport_close(&t);
}
END_TEST

START_TEST(apdu_command)
{
	dm_transport *t = hh_open(DM_PROTO_T0);
	run r;

	/* T=0: the FCP of the SELECT comes by GET RESPONSE, shown as one answer. */
	agent(t, "apdu 00A4040408F04F4D41444D5343 00A4000402:6420", &r);
	ck_assert_int_eq(r.rc, DM_EXIT_OK);
	ck_contains(r.out, "> 00A4040408F04F4D41444D5343\n< 62");
	ck_contains(r.out, " 9000 OK (normal ending");
	agent(t, "apdu --raw 00A4040408F04F4D41444D5343", &r);
	ck_assert_int_eq(r.rc, DM_EXIT_OK);
	ck_contains(r.out, "< 61");
	ck_contains(r.out, "MORE_DATA");
	/* Error SW: exit 1; the meaning and the DM status in JSON. */
	agent(t, "apdu --json 00A4040C06A00000009999", &r);
	ck_assert_int_eq(r.rc, DM_EXIT_FAIL);
	ck_contains(r.out, "\"sw\":\"6A82\"");
	ck_contains(r.out, "\"dm_status\":404");
	/* Bad hex: nothing sent. */
	{
		unsigned long n = t->n_apdus;

		agent(t, "apdu 00A4 zz", &r);
		ck_assert_int_eq(r.rc, DM_EXIT_USAGE);
		agent(t, "apdu 00A4040", &r);
		ck_assert_int_eq(r.rc, DM_EXIT_USAGE);
		agent(t, "apdu", &r);
		ck_assert_int_eq(r.rc, DM_EXIT_USAGE);
		ck_assert_uint_eq(t->n_apdus, n);
	}
	hh_close(&t);
}
END_TEST

START_TEST(pin_commands)
{
	dm_transport *t = hh_open(DM_PROTO_T1);
	char dir[] = "/tmp/dm-agent-pin-XXXXXX", good[64], bad[64], chg[64];
	FILE *f;
	run r;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(good, sizeof good, "%s/good", dir);
	snprintf(bad, sizeof bad, "%s/bad", dir);
	snprintf(chg, sizeof chg, "%s/chg", dir);
	f = fopen(good, "w");
	fputs("1234\n", f);
	fclose(f);
	f = fopen(bad, "w");
	fputs("9999\n", f);
	fclose(f);
	f = fopen(chg, "w");
	fputs("1234\n5678\n", f);
	fclose(f);

	agent(t, "pin status", &r);
	ck_assert_int_eq(r.rc, DM_EXIT_OK);
	ck_contains(r.out, "PIN1 (01): not verified, 3 tries left");
	ck_contains(r.out, "PUK: 10 tries left");
	{
		char line[128];

		snprintf(line, sizeof line, "pin verify --pin-file %s", bad);
		agent(t, line, &r);
		ck_assert_int_eq(r.rc, DM_EXIT_DENIED);
		ck_contains(r.err, "VERIFY PIN1 failed: 63C2 WRONG_PIN (wrong PIN, 2 tries left) -> DM 401");
		ck_contains(r.err, "wrong value, 2 tries left");
		snprintf(line, sizeof line, "pin verify --pin-file %s", good);
		agent(t, line, &r);
		ck_assert_int_eq(r.rc, DM_EXIT_OK);
		agent(t, "pin status --json", &r);
		ck_contains(r.out, "\"verified_or_disabled\":true");
		snprintf(line, sizeof line, "pin change --pin-file %s", chg);
		agent(t, line, &r);
		ck_assert_int_eq(r.rc, DM_EXIT_OK);
		/* The old value is wrong now: block PIN1. */
		for (int i = 0; i < 3; i++) {
			snprintf(line, sizeof line, "pin verify --pin-file %s", good);
			agent(t, line, &r);
			ck_assert_int_eq(r.rc, DM_EXIT_DENIED);
		}
		ck_contains(r.err, "now blocked");
		agent(t, "pin status", &r);
		ck_assert_int_eq(r.rc, DM_EXIT_OK);
		ck_contains(r.out, "BLOCKED (no tries left); unblock it with the PUK");
		snprintf(line, sizeof line, "pin verify --pin-file %s", chg);
		agent(t, line, &r);
		ck_assert_int_eq(r.rc, DM_EXIT_DENIED);
		ck_contains(r.err, "6983 AUTH_BLOCKED");
		/* Unblock from the environment. */
		setenv("DMSC_PUK", "12345678", 1);
		setenv("DMSC_NEW_PIN", "2468", 1);
		agent(t, "pin unblock", &r);
		ck_assert_int_eq(r.rc, DM_EXIT_OK);
		unsetenv("DMSC_PUK");
		unsetenv("DMSC_NEW_PIN");
		agent(t, "pin status", &r);
		ck_contains(r.out, "verified in this session");
		/* The DMSC application's local PIN2 (81). */
		setenv("DMSC_PIN", "0000", 1);
		agent(t, "pin verify --ref pin2", &r);
		ck_assert_int_eq(r.rc, DM_EXIT_OK);
		unsetenv("DMSC_PIN");
	}
	/* Usage errors: nothing sent. */
	{
		unsigned long n = t->n_apdus;

		agent(t, "pin", &r);
		ck_assert_int_eq(r.rc, DM_EXIT_USAGE);
		agent(t, "pin frob", &r);
		ck_assert_int_eq(r.rc, DM_EXIT_USAGE);
		agent(t, "pin status --ref zz", &r);
		ck_assert_int_eq(r.rc, DM_EXIT_USAGE);
		agent(t, "pin verify --pin-file /nonexistent/file", &r);
		ck_assert_int_eq(r.rc, DM_EXIT_USAGE);
		setenv("DMSC_PIN", "123456789", 1);
		agent(t, "pin verify", &r);
		ck_assert_int_eq(r.rc, DM_EXIT_USAGE);
		unsetenv("DMSC_PIN");
		ck_assert_uint_eq(t->n_apdus, n);
	}
	unlink(good);
	unlink(bad);
	unlink(chg);
	rmdir(dir);
	hh_close(&t);
}
END_TEST

START_TEST(card_removed_mid_command)
{
	static const char *const answers[] = { "9000", NULL }; /* then: no answer */
	dm_transport *t = hh_script(answers);
	run r;

	agent(t, "probe", &r);
	ck_assert_int_eq(r.rc, DM_EXIT_NO_CARD);
	ck_contains(r.err, "the card was removed");
	dm_transport_close(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("host_agent");
	TCase *tc = tcase_create("core");

	unsetenv("DMSC_PIN");
	unsetenv("DMSC_PUK");
	unsetenv("DMSC_NEW_PIN");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, help_and_usage);
	tcase_add_test(tc, probe_default_card);
	tcase_add_test(tc, probe_t0_card);
	tcase_add_test(tc, probe_unsupported_card);
	tcase_add_test(tc, apdu_command);
	tcase_add_test(tc, pin_commands);
	tcase_add_test(tc, card_removed_mid_command);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
