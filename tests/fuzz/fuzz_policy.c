/*
 * fuzz_policy.c - the enterprise policy's text grammar (host/policy.c), as
 * it arrives from the card's EF_POLICY through the DM tree: the input is
 * split at newlines into Resource, Action, Days, From, To and a time
 * ("YYYY-MM-DDTHH:MM"), then every resource is evaluated at every hour of
 * the week.  Invariants (abort on violation):
 *   - dm_policy_add_rule either adds exactly one rule or leaves the policy
 *     unchanged (rules and resources);
 *   - every evaluation of a known resource succeeds, and names a rule
 *     exactly when its source is RULE;
 *   - parsed minutes lie in 0..1440, day masks in 0..7F.
 */
#include <stdlib.h>
#include <string.h>

#include "policy.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static dm_policy p;
	char buf[1024], *field[6] = { NULL };
	size_t nres, nrules;
	uint8_t mask;
	int min, nf = 0;
	time_t t;

	if (size >= sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	for (char *s = buf; s && nf < 6; nf++) {
		field[nf] = s;
		s = strchr(s, '\n');
		if (s)
			*s++ = 0;
	}
	for (int i = 0; i < 6; i++)
		if (!field[i])
			field[i] = (char *)"";
	if (!dm_policy_parse_days(field[2], &mask))
		CHECK(mask <= 0x7F);
	if (!dm_policy_parse_hhmm(field[3], &min))
		CHECK(min >= 0 && min <= 1440);
	dm_policy_parse_time(field[5], &t);

	dm_policy_init(&p);
	nres = p.n_resources;
	nrules = p.n_rules;
	if (dm_policy_add_rule(&p, "1", field[0], field[1], field[2], field[3], field[4])) {
		CHECK(p.n_rules == nrules && p.n_resources == nres);
		return 0;
	}
	CHECK(p.n_rules == nrules + 1 && p.n_resources >= nres);
	for (int day = 0; day < 7; day++) {
		for (int h = 0; h < 24; h++) {
			struct tm tm = { .tm_wday = day, .tm_hour = h, .tm_min = 30 };

			for (size_t i = 0; i < p.n_resources; i++) {
				dm_policy_decision d;

				CHECK(dm_policy_eval(&p, p.resources[i].name, &tm, &d) == DM_OK);
				CHECK((d.source == DM_POLICY_FROM_RULE) == (d.rule != NULL));
			}
		}
	}
	return 0;
}
