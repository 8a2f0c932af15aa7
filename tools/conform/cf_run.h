/*
 * cf_run.h - run conformance cases against a card in a PC/SC reader.
 *
 * Every case runs in a child process with its own PC/SC connection (cold
 * reset first, unless the case says "reset": false), so a card that hangs
 * costs one case its timeout and the suite goes on: the parent kills the
 * child at the deadline.  Restore steps run in another child after the
 * case, whatever its outcome.
 */
#ifndef DM_CF_RUN_H
#define DM_CF_RUN_H

#include "cf_case.h"
#include "cf_match.h"
#include "transport.h"

typedef enum dm_cf_verdict {
	DM_CF_PASS,
	DM_CF_FAIL,
	DM_CF_NA,
} dm_cf_verdict;

typedef struct dm_cf_result {
	dm_cf_verdict verdict;
	char reason[256];    /* why it failed / is not applicable */
	char *log;           /* the APDU exchange (malloc'd, may be NULL) */
	double secs;
} dm_cf_result;

/* What the card offers, probed once before the cases (dm_cf_probe). */
typedef struct dm_cf_caps {
	bool probed;
	dm_proto protocol;
	char atr[2 * DM_ATR_MAX + 1];
	bool mf;             /* SELECT MF answered 9000 */
	bool dmsc;           /* SELECT of the DMSC AID answered 9000 or 61xx */
} dm_cf_caps;

typedef struct dm_cf_runner {
	const char *reader;  /* NULL: first reader with a card */
	bool allow_writes;
	dm_cf_lookup secret; /* ${NAME} values (hex) */
	void *secret_ctx;
	dm_cf_caps caps;
} dm_cf_runner;

/* Probe the card (protocol, ATR, MF, DMSC application) into r->caps.
 * DM_E_IO / DM_E_STATE with msg when no card can be reached. */
int dm_cf_probe(dm_cf_runner *r, char *msg, size_t msgcap);

/* Run one case (requirements, steps, restore) into res (dm_cf_result_free). */
int dm_cf_run_case(const dm_cf_runner *r, const dm_cf_case *c, dm_cf_result *res);
void dm_cf_result_free(dm_cf_result *res);

#endif
