/*
 * usecase.h - what the use-case commands of DM_SC 5.2-5.4 (copy-mo,
 * policy/use/admin, install) share: their part of the agent configuration,
 * their common options, reading small files, and reporting to the DM
 * server through the Generic Alert outbox (host/alert.h).
 */
#ifndef DM_HOST_USECASE_H
#define DM_HOST_USECASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "agent.h"
#include "dm_common.h"
#include "dmtree.h"

#define DM_UC_PATH_MAX 512u
/* Outbox when neither option, configuration, $XDG_STATE_HOME nor $HOME names one [ours]. */
#define DM_UC_DEFAULT_OUTBOX "dmsc-outbox"

/* What the device does with a package the Management Authority did not approve (5.4). */
typedef enum dm_unapproved {
	DM_UNAPPROVED_REJECT = 0,  /* the default: never install */
	DM_UNAPPROVED_ASK,         /* ask the user (--yes / --no answer in advance) */
} dm_unapproved;

/*
 * Keys (docs/agent.md "Use cases"), "key = value" lines, '#' comments:
 *   install.unapproved = reject|ask
 *   install.log = path           decisions, one line each (default: stderr only)
 *   alert.outbox = dir           Generic Alert outbox (the global --outbox wins)
 *   policy.pin_file = path       PIN 81 for EF_EVLOG appends (AUTH-4)
 *   copymo.adm_file = path       ADM1 for CREATE MO (AUT-1)
 * Other keys are other modules' and ignored; a bad value of these is
 * DM_E_VALUE with *err_line.
 */
typedef struct dm_uc_conf {
	dm_unapproved unapproved;
	char install_log[DM_UC_PATH_MAX];
	char outbox[DM_UC_PATH_MAX];
	char pin_file[DM_UC_PATH_MAX];
	char adm_file[DM_UC_PATH_MAX];
} dm_uc_conf;

void dm_uc_conf_init(dm_uc_conf *c);
int dm_uc_conf_parse(const char *text, size_t len, dm_uc_conf *c, unsigned *err_line);

/*
 * The options every use-case command takes, removed from argv:
 * --pin-file F, --adm-file F, --yes, --no, --at TIME, plus the
 * configuration file (ctx->config_path, absent = defaults) and the global
 * --outbox (ctx->outbox).
 * Prints the problem and returns DM_EXIT_USAGE / DM_EXIT_FAIL on error.
 */
typedef struct dm_uc_opts {
	dm_uc_conf conf;
	int answer;            /* --yes 1, --no 0, neither -1 */
	const char *at;        /* --at TIME or NULL */
	int argc;              /* what remains: argv[0] the command, then operands */
	char **argv;
} dm_uc_opts;

/*
 * With -h/--help anywhere: prints "usage: PROG " help to ctx->out and
 * returns -1 (the command then exits DM_EXIT_OK).  help is the text after
 * the program name ("install PACKAGE --sig SIG ...\n...").
 */
int dm_uc_opts_parse(dm_agent *ctx, int argc, char **argv, const char *help, dm_uc_opts *o);

/* Print a command's usage to ctx->err and return DM_EXIT_USAGE. */
int dm_uc_usage(dm_agent *ctx, const char *help);

/* Print j on one line to ctx->out (--json) and release it. */
void dm_uc_put_json(dm_agent *ctx, json_object *j);

/* Read a whole file of at most max bytes (malloc'd, NUL appended, *len without it). */
int dm_uc_read_file(const char *path, size_t max, uint8_t **buf, size_t *len);
/* The first line of a file, trimmed (a PIN or ADM value); DM_E_VALUE if empty. */
int dm_uc_read_secret(const char *path, char *out, size_t cap);

/* Open the device tree: ctx->db_path or dm_tree_open_default's. Prints on failure. */
int dm_uc_open_tree(dm_agent *ctx, dm_tree **t);

/*
 * Post a Generic Alert to the outbox, addressed to the ServerID of the
 * card's DM account (the first card-origin ./DMAcc, else any, else
 * "unknown"), from ./DevInfo/DevId.  tree may be NULL.  Prints a warning
 * on failure and returns the error: a report that was not written is said.
 */
int dm_uc_alert(dm_agent *ctx, const dm_uc_opts *o, dm_tree *tree, const char *type,
		const char *mark, const char *source_uri, const char *data);

/* Success for a command: 9000, or 91xx = 9000 with a proactive command
 * pending (TS 102 221 §10.2.1.1; `watch` fetches it, not these commands). */
static inline bool dm_uc_sw_ok(uint16_t sw)
{
	return sw == 0x9000u || (sw & 0xFF00u) == 0x9100u;
}

/* Ask a yes/no question on the terminal: 1 yes, 0 no, -1 no terminal. */
int dm_uc_ask(const char *question);

#endif
