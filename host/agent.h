/*
 * agent.h - the dmsc-agent program's command interface.
 *
 * A command is a function int fn(int argc, char **argv, dm_agent *ctx):
 * argv[0] is the command name, the rest its own arguments (global options
 * --reader/-r, --json, -v, --db, --config, --outbox, --wait are already removed from
 * argv, wherever they stood).  It returns a DM_EXIT_* code, prints results to
 * ctx->out (JSON when ctx->json, built with json-c) and errors to ctx->err.
 * `--help` / `-h` in its arguments: print its usage to ctx->out, return 0
 * (dm_agent_help() does the test).
 *
 * Registering a command: declare it in your module's header and add ONE line
 * to the table in host/commands.c (and your #include there).
 */
#ifndef DM_HOST_AGENT_H
#define DM_HOST_AGENT_H

#include <stdio.h>

#include "transport.h"

/* Exit codes of dmsc-agent (docs/agent.md). */
enum {
	DM_EXIT_OK = 0,
	DM_EXIT_FAIL = 1,        /* the operation failed (card error, I/O, bad data) */
	DM_EXIT_USAGE = 2,       /* bad command line */
	DM_EXIT_NO_CARD = 3,     /* pcscd not running, no reader, no card, card removed */
	DM_EXIT_UNSUPPORTED = 4, /* the card has no DM_SC application (GEN-13) */
	DM_EXIT_DENIED = 5,      /* wrong / blocked PIN, refused by user, policy or signature */
};

typedef struct dm_agent {
	const char *prog;        /* argv[0] of the program */
	const char *reader;      /* --reader NAME|INDEX; NULL = first reader with a card */
	int wait_ms;             /* --wait SECONDS for a card (0 = do not wait, -1 forever) */
	bool json;               /* --json */
	int verbose;             /* -v: APDU trace on stderr */
	const char *db_path;     /* --db: the device's DM tree (SQLite); NULL = default */
	const char *config_path; /* --config: agent configuration; NULL = default */
	const char *outbox;      /* --outbox: Generic Alert directory; NULL = default
	                            ($XDG_STATE_HOME or ~/.local/state/dmsc-agent/outbox) */
	FILE *out;               /* results (stdout) */
	FILE *err;               /* errors (stderr) */
	/* The card connection, opened on first use by dm_agent_transport().
	 * Unit tests put an in-process transport here before calling a command. */
	dm_transport *t;
} dm_agent;

typedef int (*dm_cmd_fn)(int argc, char **argv, dm_agent *ctx);

typedef struct dm_command {
	const char *name;
	const char *summary;     /* one line for `dmsc-agent --help` */
	dm_cmd_fn fn;
} dm_command;

/* The command table (host/commands.c), terminated by a { NULL } entry. */
extern const dm_command dm_commands[];

/*
 * The card connection of this run: ctx->t if set, else PC/SC per
 * ctx->reader / ctx->wait_ms.  On failure prints the reason (pcscd not
 * running and how to start it, no reader, no card) to ctx->err and returns
 * NULL; *exit_code (may be NULL) gets the DM_EXIT_* to return.
 */
dm_transport *dm_agent_transport(dm_agent *ctx, int *exit_code);

/* true when argv[1..] holds -h or --help. */
bool dm_agent_help(int argc, char **argv);

/*
 * Print "dmsc-agent: <what>: <card message>" for a cardops failure err
 * (dm_hc_message) to ctx->err, and return the DM_EXIT_* code for err
 * (DM_E_IO -> NO_CARD, wrong/blocked PIN -> DENIED, else FAIL).
 */
int dm_agent_card_error(dm_agent *ctx, int err);

/* u's commands (host/main.c, host/cmd_*.c). */
int dm_cmd_readers(int argc, char **argv, dm_agent *ctx);
int dm_cmd_probe(int argc, char **argv, dm_agent *ctx);
int dm_cmd_apdu(int argc, char **argv, dm_agent *ctx);
int dm_cmd_pin(int argc, char **argv, dm_agent *ctx);

/* The whole program, for tests: dmsc-agent's main with a prepared context
 * (ctx->t may hold an in-process transport). */
int dm_agent_main(int argc, char **argv, dm_agent *ctx);

#endif
