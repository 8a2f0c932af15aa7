/*
 * dmsc-conform - the DM_SC conformance suite (docs/conformance.md): runs the
 * data-driven cases of conformance/cases/ against any card in any PC/SC
 * reader and reports pass / fail / not applicable per case, per requirement
 * label and per command, as a summary, TAP (--tap) or JUnit XML (--junit).
 *
 * Exit: 0 no failure, 1 at least one case failed, 2 usage, case files or
 * card unreachable.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cf_case.h"
#include "cf_match.h"
#include "cf_report.h"
#include "cf_run.h"

#ifndef DM_CONFORM_CASES
#define DM_CONFORM_CASES "conformance/cases"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dmsc-conform [options]\n"
		"Runs the DM_SC conformance cases against the card in a PC/SC reader.\n"
		"  -r, --reader NAME|N  reader name or index (default: first with a card)\n"
		"  --cases DIR          case files (*.json; default %s)\n"
		"  --secrets FILE       JSON object of PINs/keys as hex, e.g. {\"PIN1\": \"31323334FFFFFFFF\"}\n"
		"                       (conformance/secrets-demo.json: TEST-ONLY values of the demo card)\n"
		"  --allow-writes       the card is a test card: run the cases that write (and restore)\n"
		"  --only TEXT          only the cases whose label, id or group starts with TEXT\n"
		"  --tap                TAP on stdout instead of the summary\n"
		"  --junit FILE         also write JUnit XML to FILE\n"
		"  --list               list the cases and exit\n"
		"  -h, --help           this text\n"
		"Exit: 0 no failure, 1 a case failed, 2 usage / case file / no card.\n",
		DM_CONFORM_CASES);
}

static const char *secret_of(void *ctx, const char *name)
{
	json_object *v;

	if (!ctx || !json_object_object_get_ex(ctx, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool selected(const dm_cf_case *c, const char *only)
{
	size_t n;

	if (!only)
		return true;
	n = strlen(only);
	return strncmp(c->label, only, n) == 0 || strncmp(c->id, only, n) == 0 ||
	       strncmp(c->group, only, n) == 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reader", required_argument, NULL, 'r' },
		{ "cases", required_argument, NULL, 'c' },
		{ "secrets", required_argument, NULL, 's' },
		{ "allow-writes", no_argument, NULL, 'w' },
		{ "only", required_argument, NULL, 'o' },
		{ "tap", no_argument, NULL, 't' },
		{ "junit", required_argument, NULL, 'j' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cases = DM_CONFORM_CASES, *secrets = NULL, *junit = NULL, *only = NULL;
	bool tap = false, list = false;
	dm_cf_runner r = { 0 };
	dm_cf_set all = { 0 }, set = { 0 };
	dm_cf_result *res = NULL;
	json_object *sec = NULL;
	char err[512];
	int o, rc = 0;

	while ((o = getopt_long(argc, argv, "r:h", opts, NULL)) != -1) {
		switch (o) {
		case 'r': r.reader = optarg; break;
		case 'c': cases = optarg; break;
		case 's': secrets = optarg; break;
		case 'w': r.allow_writes = true; break;
		case 'o': only = optarg; break;
		case 't': tap = true; break;
		case 'j': junit = optarg; break;
		case 'l': list = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (dm_cf_load_dir(&all, cases, err, sizeof err) != DM_OK) {
		fprintf(stderr, "dmsc-conform: %s\n", err);
		dm_cf_set_free(&all);
		return 2;
	}
	/* Keep the selected cases, in order (the rest stay owned by all). */
	set.cases = calloc(all.n, sizeof *set.cases);
	res = calloc(all.n, sizeof *res);
	if (!set.cases || !res) {
		rc = 2;
		goto out;
	}
	for (size_t i = 0; i < all.n; i++)
		if (selected(&all.cases[i], only))
			set.cases[set.n++] = all.cases[i];
	if (list) {
		for (size_t i = 0; i < set.n; i++)
			printf("%-8s %-34s %-22s %s%s\n", set.cases[i].label, set.cases[i].id,
			       set.cases[i].command, set.cases[i].title,
			       set.cases[i].writes ? " (writes)" : "");
		goto out;
	}
	if (secrets) {
		sec = json_object_from_file(secrets);
		if (!sec || !json_object_is_type(sec, json_type_object)) {
			fprintf(stderr, "dmsc-conform: %s: not a JSON object of hex strings\n",
				secrets);
			rc = 2;
			goto out;
		}
		r.secret = secret_of;
		r.secret_ctx = sec;
	}
	if (dm_cf_probe(&r, err, sizeof err) != DM_OK) {
		fprintf(stderr, "dmsc-conform: no card to test: %s\n", err);
		rc = 2;
		goto out;
	}
	for (size_t i = 0; i < set.n; i++) {
		if (dm_cf_run_case(&r, &set.cases[i], &res[i]) != DM_OK) {
			res[i].verdict = DM_CF_FAIL;
			snprintf(res[i].reason, sizeof res[i].reason, "out of memory");
		}
		if (!tap && isatty(2)) {
			fprintf(stderr, "\r%zu/%zu", i + 1, set.n);
			fflush(stderr);
		}
	}
	if (!tap && isatty(2))
		fprintf(stderr, "\r");
	if (tap)
		dm_cf_report_tap(stdout, &set, res);
	else
		dm_cf_report_text(stdout, &set, res, &r.caps);
	if (junit && dm_cf_report_junit(junit, &set, res) != DM_OK) {
		fprintf(stderr, "dmsc-conform: cannot write %s\n", junit);
		rc = 2;
	}
	if (rc == 0 && dm_cf_count(res, set.n).fail)
		rc = 1;
out:
	for (size_t i = 0; res && i < set.n; i++)
		dm_cf_result_free(&res[i]);
	free(res);
	free(set.cases);
	dm_cf_set_free(&all);
	json_object_put(sec);
	return rc;
}
