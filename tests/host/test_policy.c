/*
 * test_policy.c - evaluation of the enterprise policy (use case 5.3,
 * host/policy.h): days, windows, midnight, precedence, malformed values.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy.h"

/* A struct tm for weekday wday (0 Sunday) at hh:mm. */
static struct tm at(int wday, int hh, int mm)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_wday = wday;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	return tm;
}

static bool enabled(const dm_policy *p, const char *res, struct tm tm, dm_policy_source *src)
{
	dm_policy_decision d;

	ck_assert_int_eq(dm_policy_eval(p, res, &tm, &d), DM_OK);
	if (src)
		*src = d.source;
	return d.enabled;
}

START_TEST(days_grammar)
{
	uint8_t m;

	ck_assert_int_eq(dm_policy_parse_days("Mon-Fri", &m), DM_OK);
	ck_assert_uint_eq(m, 0x3E);
	ck_assert_int_eq(dm_policy_parse_days("Sat,Sun", &m), DM_OK);
	ck_assert_uint_eq(m, 0x41);
	ck_assert_int_eq(dm_policy_parse_days("mon,Wed-Thu", &m), DM_OK);
	ck_assert_uint_eq(m, 0x1A);
	ck_assert_int_eq(dm_policy_parse_days("Fri-Mon", &m), DM_OK);  /* wraps the week */
	ck_assert_uint_eq(m, 0x63);
	ck_assert_int_eq(dm_policy_parse_days("*", &m), DM_OK);
	ck_assert_uint_eq(m, 0x7F);
	ck_assert_int_eq(dm_policy_parse_days("", &m), DM_OK);
	ck_assert_uint_eq(m, 0x7F);
	m = 0x55;
	ck_assert_int_eq(dm_policy_parse_days("Monday", &m), DM_E_VALUE);
	ck_assert_int_eq(dm_policy_parse_days("Mon,", &m), DM_E_VALUE);
	ck_assert_int_eq(dm_policy_parse_days("Mon-", &m), DM_E_VALUE);
	ck_assert_int_eq(dm_policy_parse_days(",Mon", &m), DM_E_VALUE);
	ck_assert_int_eq(dm_policy_parse_days("Xyz", &m), DM_E_VALUE);
	ck_assert_uint_eq(m, 0x55);  /* untouched on error */
	ck_assert_int_eq(dm_policy_parse_days(NULL, &m), DM_E_ARG);
}
END_TEST

START_TEST(hhmm_grammar)
{
	int v;

	ck_assert_int_eq(dm_policy_parse_hhmm("09:00", &v), DM_OK);
	ck_assert_int_eq(v, 540);
	ck_assert_int_eq(dm_policy_parse_hhmm("23:59", &v), DM_OK);
	ck_assert_int_eq(v, 1439);
	ck_assert_int_eq(dm_policy_parse_hhmm("24:00", &v), DM_OK);
	ck_assert_int_eq(v, 1440);
	ck_assert_int_eq(dm_policy_parse_hhmm("24:01", &v), DM_E_VALUE);
	ck_assert_int_eq(dm_policy_parse_hhmm("12:60", &v), DM_E_VALUE);
	ck_assert_int_eq(dm_policy_parse_hhmm("9:00", &v), DM_E_VALUE);
	ck_assert_int_eq(dm_policy_parse_hhmm("09:000", &v), DM_E_VALUE);
	ck_assert_int_eq(dm_policy_parse_hhmm("09-00", &v), DM_E_VALUE);
	ck_assert_int_eq(dm_policy_parse_hhmm("", &v), DM_E_VALUE);
}
END_TEST

/* The demo card's policy (profiles/default/policy.xml): Camera, Bluetooth,
 * IR, USB disabled Mon-Fri 09:00-18:00. */
static void demo_policy(dm_policy *p)
{
	dm_policy_init(p);
	ck_assert_int_eq(dm_policy_add_rule(p, "1", "Camera,Bluetooth,IR,USB", "Disable",
					    "Mon-Fri", "09:00", "18:00"), DM_OK);
}

START_TEST(demo_policy_office_hours)
{
	dm_policy p;
	dm_policy_source src;

	demo_policy(&p);
	/* Wednesday 10:30: disabled by rule 1. */
	ck_assert(!enabled(&p, "Camera", at(3, 10, 30), &src));
	ck_assert_int_eq(src, DM_POLICY_FROM_RULE);
	ck_assert(!enabled(&p, "usb", at(3, 10, 30), NULL));  /* names are case-insensitive */
	/* WLAN is not in the rule: built-in enabled. */
	ck_assert(enabled(&p, "WLAN", at(3, 10, 30), &src));
	ck_assert_int_eq(src, DM_POLICY_FROM_BUILTIN);
	/* Window edges: [09:00, 18:00). */
	ck_assert(!enabled(&p, "Camera", at(1, 9, 0), NULL));
	ck_assert(enabled(&p, "Camera", at(1, 8, 59), NULL));
	ck_assert(!enabled(&p, "Camera", at(5, 17, 59), NULL));
	ck_assert(enabled(&p, "Camera", at(5, 18, 0), NULL));
	/* Weekend: enabled all day. */
	ck_assert(enabled(&p, "Camera", at(6, 10, 30), NULL));
	ck_assert(enabled(&p, "Camera", at(0, 12, 0), NULL));
}
END_TEST

START_TEST(window_across_midnight)
{
	dm_policy p;

	dm_policy_init(&p);
	/* Friday 22:00 to Saturday 06:00 only. */
	ck_assert_int_eq(dm_policy_add_rule(&p, "night", "Bluetooth", "Disable", "Fri", "22:00",
					    "06:00"), DM_OK);
	ck_assert(!enabled(&p, "Bluetooth", at(5, 23, 0), NULL));
	ck_assert(!enabled(&p, "Bluetooth", at(6, 5, 59), NULL));
	ck_assert(enabled(&p, "Bluetooth", at(6, 6, 0), NULL));
	ck_assert(enabled(&p, "Bluetooth", at(5, 21, 59), NULL));
	/* Friday early morning belongs to Thursday's window, which does not exist. */
	ck_assert(enabled(&p, "Bluetooth", at(5, 3, 0), NULL));
}
END_TEST

START_TEST(precedence_admin_rule_default)
{
	dm_policy p;
	dm_policy_resource *r;
	dm_policy_decision d;
	struct tm wed = at(3, 10, 0), sun = at(0, 10, 0);

	demo_policy(&p);
	/* A later rule refines an earlier one: last match wins. */
	ck_assert_int_eq(dm_policy_add_rule(&p, "2", "IR", "Enable", "Wed", "", ""), DM_OK);
	ck_assert_int_eq(dm_policy_eval(&p, "IR", &wed, &d), DM_OK);
	ck_assert(d.enabled);
	ck_assert_ptr_nonnull(d.rule);
	ck_assert_str_eq(d.rule->name, "2");
	ck_assert(!enabled(&p, "IR", at(4, 10, 0), NULL));
	/* Default applies when no rule does. */
	ck_assert_int_eq(dm_policy_find_or_add(&p, "Camera", &r), DM_OK);
	r->has_default = true;
	r->default_enabled = false;
	ck_assert_int_eq(dm_policy_eval(&p, "Camera", &sun, &d), DM_OK);
	ck_assert(!d.enabled);
	ck_assert_int_eq(d.source, DM_POLICY_FROM_DEFAULT);
	ck_assert_ptr_null(d.rule);
	/* A card-verified admin operation wins over rules and the default. */
	r->has_override = true;
	r->override_enabled = true;
	ck_assert_int_eq(dm_policy_eval(&p, "Camera", &wed, &d), DM_OK);
	ck_assert(d.enabled);
	ck_assert_int_eq(d.source, DM_POLICY_FROM_ADMIN);
	ck_assert_str_eq(dm_policy_source_name(d.source), "admin");
	/* "*" names every resource. */
	ck_assert_int_eq(dm_policy_add_rule(&p, "all", "*", "Disable", "Sun", NULL, NULL), DM_OK);
	ck_assert(!enabled(&p, "WLAN", sun, NULL));
	/* Unknown resource. */
	ck_assert_int_eq(dm_policy_eval(&p, "Toaster", &wed, &d), DM_E_NOT_FOUND);
}
END_TEST

START_TEST(malformed_rules_refused_nothing_added)
{
	dm_policy p;
	size_t nres;

	dm_policy_init(&p);
	nres = p.n_resources;
	ck_assert_uint_eq(nres, 5);  /* Camera, Bluetooth, IR, USB, WLAN */
	ck_assert_int_eq(dm_policy_add_rule(&p, "1", "NFC", "Maybe", "Mon", "09:00", "10:00"),
			 DM_E_VALUE);
	ck_assert_int_eq(dm_policy_add_rule(&p, "1", "NFC", "Disable", "Mon", "9", "10:00"),
			 DM_E_VALUE);
	ck_assert_int_eq(dm_policy_add_rule(&p, "1", "NFC", "Disable", "Someday", NULL, NULL),
			 DM_E_VALUE);
	ck_assert_int_eq(dm_policy_add_rule(&p, "1", "", "Disable", NULL, NULL, NULL), DM_E_VALUE);
	ck_assert_int_eq(dm_policy_add_rule(&p, "1", "NFC,,USB", "Disable", NULL, NULL, NULL),
			 DM_E_VALUE);
	ck_assert_int_eq(dm_policy_add_rule(&p, "1", "A23456789012345678901234567890123",
					    "Disable", NULL, NULL, NULL), DM_E_VALUE);
	ck_assert_uint_eq(p.n_rules, 0);
	ck_assert_uint_eq(p.n_resources, nres);
	/* A good rule adds its new resource once. */
	ck_assert_int_eq(dm_policy_add_rule(&p, "1", " NFC , Camera", "Disable", NULL, NULL, NULL),
			 DM_OK);
	ck_assert_uint_eq(p.n_resources, nres + 1);
	ck_assert(!enabled(&p, "NFC", at(2, 1, 0), NULL));
	/* The table is bounded. */
	for (size_t i = 0; i < DM_POLICY_MAX_RULES - 1; i++)
		ck_assert_int_eq(dm_policy_add_rule(&p, "r", "USB", "Enable", NULL, NULL, NULL), DM_OK);
	ck_assert_int_eq(dm_policy_add_rule(&p, "r", "USB", "Enable", NULL, NULL, NULL), DM_E_NOMEM);
}
END_TEST

START_TEST(time_option)
{
	time_t t;
	struct tm tm;

	/* main() sets TZ=UTC. 2026-11-18 is a Wednesday. */
	ck_assert_int_eq(dm_policy_parse_time("2026-11-18T10:30", &t), DM_OK);
	localtime_r(&t, &tm);
	ck_assert_int_eq(tm.tm_wday, 3);
	ck_assert_int_eq(tm.tm_hour, 10);
	ck_assert_int_eq(tm.tm_min, 30);
	ck_assert_int_eq(dm_policy_parse_time("2026-11-18T10:30:15", &t), DM_OK);
	localtime_r(&t, &tm);
	ck_assert_int_eq(tm.tm_sec, 15);
	ck_assert_int_eq(dm_policy_parse_time("now", &t), DM_OK);
	ck_assert_int_eq(dm_policy_parse_time("2026-02-31T10:00", &t), DM_E_VALUE);
	ck_assert_int_eq(dm_policy_parse_time("2026-11-18 10:30", &t), DM_E_VALUE);
	ck_assert_int_eq(dm_policy_parse_time("2026-11-18T25:00", &t), DM_E_VALUE);
	ck_assert_int_eq(dm_policy_parse_time("2026-11-18T10:30x", &t), DM_E_VALUE);
	ck_assert_int_eq(dm_policy_parse_time("yesterday", &t), DM_E_VALUE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	setenv("TZ", "UTC", 1);
	tzset();
	tcase_add_test(tc, days_grammar);
	tcase_add_test(tc, hhmm_grammar);
	tcase_add_test(tc, demo_policy_office_hours);
	tcase_add_test(tc, window_across_midnight);
	tcase_add_test(tc, precedence_admin_rule_default);
	tcase_add_test(tc, malformed_rules_refused_nothing_added);
	tcase_add_test(tc, time_option);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
