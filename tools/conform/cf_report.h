/*
 * cf_report.h - the three outputs of dmsc-conform: a readable summary
 * (case by case, then by requirement label and by command), TAP and JUnit
 * XML (libxml2).  Every failure carries its APDU exchange.
 */
#ifndef DM_CF_REPORT_H
#define DM_CF_REPORT_H

#include <stdio.h>

#include "cf_case.h"
#include "cf_run.h"

typedef struct dm_cf_counts {
	size_t pass, fail, na;
} dm_cf_counts;

dm_cf_counts dm_cf_count(const dm_cf_result *res, size_t n);

/* Summary: one line per case, failures with their exchange, then the
 * verdict per label and per command.  verbose: exchanges of passes too
 * (not recorded: only the failing ones are kept). */
void dm_cf_report_text(FILE *f, const dm_cf_set *set, const dm_cf_result *res,
		       const dm_cf_caps *caps);
/* TAP version 13: N/A cases are "ok ... # SKIP <reason>". */
void dm_cf_report_tap(FILE *f, const dm_cf_set *set, const dm_cf_result *res);
/* JUnit XML, one <testsuite> per group.  DM_E_IO when path is not written. */
int dm_cf_report_junit(const char *path, const dm_cf_set *set, const dm_cf_result *res);

#endif
