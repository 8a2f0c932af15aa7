/*
 * cf_report.c - summary, TAP and JUnit XML of a conformance run
 * (cf_report.h).  The XML is built with libxml2, never by hand.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "cf_report.h"

static const char *verdict_name(dm_cf_verdict v)
{
	return v == DM_CF_PASS ? "PASS" : v == DM_CF_FAIL ? "FAIL" : "N/A";
}

dm_cf_counts dm_cf_count(const dm_cf_result *res, size_t n)
{
	dm_cf_counts c = { 0, 0, 0 };

	for (size_t i = 0; i < n; i++) {
		if (res[i].verdict == DM_CF_PASS)
			c.pass++;
		else if (res[i].verdict == DM_CF_FAIL)
			c.fail++;
		else
			c.na++;
	}
	return c;
}

/* Print the verdict of every distinct value of a key (label or command). */
static void by_key(FILE *f, const dm_cf_set *set, const dm_cf_result *res, bool label)
{
	for (size_t i = 0; i < set->n; i++) {
		const char *k = label ? set->cases[i].label : set->cases[i].command;
		dm_cf_counts c = { 0, 0, 0 };
		bool seen = false;
		const char *verdict;

		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(k, label ? set->cases[j].label : set->cases[j].command) == 0;
		if (seen)
			continue;
		for (size_t j = i; j < set->n; j++) {
			if (strcmp(k, label ? set->cases[j].label : set->cases[j].command) != 0)
				continue;
			c.pass += res[j].verdict == DM_CF_PASS;
			c.fail += res[j].verdict == DM_CF_FAIL;
			c.na += res[j].verdict == DM_CF_NA;
		}
		verdict = c.fail ? "FAIL" : c.pass ? "PASS" : "N/A";
		fprintf(f, "  %-4s %-28s %zu passed, %zu failed, %zu not applicable\n", verdict, k,
			c.pass, c.fail, c.na);
	}
}

void dm_cf_report_text(FILE *f, const dm_cf_set *set, const dm_cf_result *res,
		       const dm_cf_caps *caps)
{
	dm_cf_counts n = dm_cf_count(res, set->n);

	fprintf(f, "dmsc-conform: ATR %s, T=%d, MF %s, DM_SC application %s\n\n", caps->atr,
		caps->protocol == DM_PROTO_T0 ? 0 : 1, caps->mf ? "present" : "absent",
		caps->dmsc ? "present" : "absent");
	for (size_t i = 0; i < set->n; i++) {
		const dm_cf_case *c = &set->cases[i];

		fprintf(f, "%-4s %-8s %-34s %s [%s]\n", verdict_name(res[i].verdict), c->label,
			c->id, c->title, c->clause);
		if (res[i].verdict != DM_CF_PASS && res[i].reason[0])
			fprintf(f, "     %s\n", res[i].reason);
		if (res[i].verdict == DM_CF_FAIL && res[i].log)
			fprintf(f, "%s", res[i].log);
	}
	fprintf(f, "\nBy requirement label:\n");
	by_key(f, set, res, true);
	fprintf(f, "\nBy command:\n");
	by_key(f, set, res, false);
	fprintf(f, "\n%zu cases: %zu passed, %zu failed, %zu not applicable\n", set->n, n.pass,
		n.fail, n.na);
}

static void tap_comment(FILE *f, const char *text)
{
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);

		if (l)
			fprintf(f, "# %.*s\n", (int)l, p);
		p += l + (nl ? 1 : 0);
	}
}

void dm_cf_report_tap(FILE *f, const dm_cf_set *set, const dm_cf_result *res)
{
	fprintf(f, "TAP version 13\n1..%zu\n", set->n);
	for (size_t i = 0; i < set->n; i++) {
		const dm_cf_case *c = &set->cases[i];

		switch (res[i].verdict) {
		case DM_CF_PASS:
			fprintf(f, "ok %zu - %s %s: %s\n", i + 1, c->label, c->id, c->title);
			break;
		case DM_CF_NA:
			fprintf(f, "ok %zu - %s %s: %s # SKIP not applicable: %s\n", i + 1, c->label,
				c->id, c->title, res[i].reason);
			break;
		case DM_CF_FAIL:
			fprintf(f, "not ok %zu - %s %s: %s\n", i + 1, c->label, c->id, c->title);
			fprintf(f, "# %s [%s]\n", res[i].reason, c->clause);
			tap_comment(f, res[i].log);
			break;
		}
	}
}

int dm_cf_report_junit(const char *path, const dm_cf_set *set, const dm_cf_result *res)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "testsuites");
	dm_cf_counts all = dm_cf_count(res, set->n);
	char num[32];
	int rc;

	xmlDocSetRootElement(doc, root);
	xmlNewProp(root, BAD_CAST "name", BAD_CAST "dmsc-conform");
	snprintf(num, sizeof num, "%zu", set->n);
	xmlNewProp(root, BAD_CAST "tests", BAD_CAST num);
	snprintf(num, sizeof num, "%zu", all.fail);
	xmlNewProp(root, BAD_CAST "failures", BAD_CAST num);
	for (size_t i = 0; i < set->n; i++) {
		const char *g = set->cases[i].group;
		xmlNodePtr suite;
		dm_cf_counts c = { 0, 0, 0 };
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(g, set->cases[j].group) == 0;
		if (seen)
			continue;
		suite = xmlNewChild(root, NULL, BAD_CAST "testsuite", NULL);
		xmlNewProp(suite, BAD_CAST "name", BAD_CAST g);
		for (size_t j = i; j < set->n; j++) {
			const dm_cf_case *k = &set->cases[j];
			xmlNodePtr tc, why;
			char secs[32], name[300];

			if (strcmp(g, k->group) != 0)
				continue;
			c.pass += res[j].verdict == DM_CF_PASS;
			c.fail += res[j].verdict == DM_CF_FAIL;
			c.na += res[j].verdict == DM_CF_NA;
			tc = xmlNewChild(suite, NULL, BAD_CAST "testcase", NULL);
			snprintf(name, sizeof name, "%s %s: %s", k->label, k->id, k->title);
			xmlNewProp(tc, BAD_CAST "name", BAD_CAST name);
			xmlNewProp(tc, BAD_CAST "classname", BAD_CAST k->label);
			snprintf(secs, sizeof secs, "%.3f", res[j].secs);
			xmlNewProp(tc, BAD_CAST "time", BAD_CAST secs);
			if (res[j].verdict == DM_CF_FAIL) {
				why = xmlNewTextChild(tc, NULL, BAD_CAST "failure",
						      BAD_CAST(res[j].log ? res[j].log : ""));
				xmlNewProp(why, BAD_CAST "message", BAD_CAST res[j].reason);
				xmlNewProp(why, BAD_CAST "type", BAD_CAST k->clause);
			} else if (res[j].verdict == DM_CF_NA) {
				why = xmlNewChild(tc, NULL, BAD_CAST "skipped", NULL);
				xmlNewProp(why, BAD_CAST "message", BAD_CAST res[j].reason);
			}
		}
		snprintf(num, sizeof num, "%zu", c.pass + c.fail + c.na);
		xmlNewProp(suite, BAD_CAST "tests", BAD_CAST num);
		snprintf(num, sizeof num, "%zu", c.fail);
		xmlNewProp(suite, BAD_CAST "failures", BAD_CAST num);
		snprintf(num, sizeof num, "%zu", c.na);
		xmlNewProp(suite, BAD_CAST "skipped", BAD_CAST num);
	}
	rc = xmlSaveFormatFileEnc(path, doc, "UTF-8", 1) < 0 ? DM_E_IO : DM_OK;
	xmlFreeDoc(doc);
	return rc;
}
