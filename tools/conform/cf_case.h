/*
 * cf_case.h - conformance cases loaded from JSON files (json-c), one file
 * per group under conformance/cases/ (format: docs/conformance.md).
 * Every field is validated at load time, so a malformed file is reported
 * by name before any APDU is sent.
 */
#ifndef DM_CF_CASE_H
#define DM_CF_CASE_H

#include "dm_common.h"

#define DM_CF_REQ_MAX 8

typedef struct dm_cf_step {
	char *apdu;          /* hex C-APDU template, ${NAME} = secret */
	char *sw;            /* SW pattern (cf_match.h); NULL = any */
	char *sw_not;        /* SW pattern that must not match; NULL = none */
	char *data;          /* data pattern; NULL = any */
	char *contains;      /* hex the data must contain; NULL = none */
	bool raw;            /* no T=0 GET RESPONSE / 6Cxx handling */
	char *save;          /* keep the response data as ${save} for the restore */
	char *note;          /* what the step checks (for failure messages) */
} dm_cf_step;

typedef struct dm_cf_case {
	char *id;            /* unique, e.g. "gen13-select-aid" */
	char *label;         /* requirement label (GEN-13, AUTH-4, ...) */
	char *command;       /* command under test ("SELECT", "VERIFY PIN") */
	char *clause;        /* spec clause ("TS 102 221 §11.1.1") */
	char *title;
	char *group;         /* file's group name */
	char *requires[DM_CF_REQ_MAX];
	size_t n_requires;
	bool writes;         /* changes the card: N/A without --allow-writes */
	int timeout_s;
	bool reset;          /* cold reset before the case (default true) */
	dm_cf_step *steps;
	size_t n_steps;
	dm_cf_step *restore; /* run after the case, whatever its outcome */
	size_t n_restore;
} dm_cf_case;

typedef struct dm_cf_set {
	dm_cf_case *cases;
	size_t n;
} dm_cf_set;

/*
 * Append the cases of one JSON file to set.  DM_E_VALUE with err (one line:
 * file, case, field) when the file is malformed; DM_E_IO if unreadable;
 * duplicate ids are DM_E_VALUE too.
 */
int dm_cf_load_file(dm_cf_set *set, const char *path, char *err, size_t errcap);
/* Load every *.json of dir, in name order. */
int dm_cf_load_dir(dm_cf_set *set, const char *dir, char *err, size_t errcap);
void dm_cf_set_free(dm_cf_set *set);

#endif
