/*
 * agent.c - dmsc-agent's command dispatch and the helpers every command
 * uses (host/agent.h): global options, --help, opening the card, turning a
 * card error into a message and an exit code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "cardops.h"

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [global options] COMMAND [ARGS...]\n"
		"\n"
		"The device side of OMA DM Smart Card: talks to the card over PC/SC.\n"
		"\n"
		"global options (anywhere on the line):\n"
		"  -r, --reader NAME|INDEX  reader to use (default: the first one holding a card)\n"
		"      --wait SECONDS       wait that long for a card (-1: for ever)\n"
		"      --json               machine-readable output\n"
		"  -v, --verbose            trace every APDU on stderr\n"
		"      --db FILE            the device's DM tree (SQLite)\n"
		"      --config FILE        the agent's configuration\n"
		"      --outbox DIR         where Generic Alerts for the DM server go\n"
		"  -h, --help               this text; COMMAND --help for a command\n"
		"\n"
		"commands:\n", prog);
	for (const dm_command *c = dm_commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f,
		"\n"
		"exit codes: 0 ok, 1 failed, 2 usage, 3 no pcscd/reader/card, 4 card without DM_SC,\n"
		"5 denied (wrong or blocked PIN, refused)\n");
}

bool dm_agent_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	}
	return false;
}

/* Value of a global option "--name VALUE" or "--name=VALUE" at argv[*i];
 * advances *i past what it used.  NULL when argv[*i] is not that option. */
static const char *opt_value(int argc, char **argv, int *i, const char *lng, const char *shrt,
			     bool *missing)
{
	size_t n = strlen(lng);
	const char *a = argv[*i];

	if (strncmp(a, lng, n) == 0 && a[n] == '=')
		return a + n + 1;
	if (strcmp(a, lng) == 0 || (shrt && strcmp(a, shrt) == 0)) {
		if (*i + 1 >= argc) {
			*missing = true;
			return NULL;
		}
		(*i)++;
		return argv[*i];
	}
	return NULL;
}

/* Take the global options out of argv (in place); returns the new argc or
 * -1 on a usage error (message printed). */
static int strip_globals(int argc, char **argv, dm_agent *ctx)
{
	int out = 1;
	bool rest = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		bool missing = false;

		if (rest) {
			argv[out++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			rest = true;
			argv[out++] = argv[i];
		} else if (strcmp(a, "--json") == 0) {
			ctx->json = true;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			ctx->verbose++;
		} else if ((v = opt_value(argc, argv, &i, "--reader", "-r", &missing))) {
			ctx->reader = v;
		} else if ((v = opt_value(argc, argv, &i, "--db", NULL, &missing))) {
			ctx->db_path = v;
		} else if ((v = opt_value(argc, argv, &i, "--config", NULL, &missing))) {
			ctx->config_path = v;
		} else if ((v = opt_value(argc, argv, &i, "--outbox", NULL, &missing))) {
			ctx->outbox = v;
		} else if ((v = opt_value(argc, argv, &i, "--wait", NULL, &missing))) {
			char *end;
			long s = strtol(v, &end, 10);

			if (*v == '\0' || *end || s < -1 || s > 86400) {
				fprintf(ctx->err, "%s: --wait wants seconds (0..86400, or -1 for ever)\n",
					ctx->prog);
				return -1;
			}
			ctx->wait_ms = s < 0 ? -1 : (int)(s * 1000);
		} else if (missing) {
			fprintf(ctx->err, "%s: %s needs a value\n", ctx->prog, a);
			return -1;
		} else {
			argv[out++] = argv[i];
		}
	}
	argv[out] = NULL;
	return out;
}

dm_transport *dm_agent_transport(dm_agent *ctx, int *exit_code)
{
	char msg[512] = "";
	int rc;

	if (exit_code)
		*exit_code = DM_EXIT_OK;
	if (!ctx->t) {
		rc = dm_pcsc_open(ctx->reader, ctx->wait_ms, &ctx->t, msg, sizeof msg);
		if (rc != DM_OK) {
			fprintf(ctx->err, "%s: %s\n", ctx->prog,
				msg[0] ? msg : dm_strerror(rc));
			if (exit_code)
				*exit_code = DM_EXIT_NO_CARD;
			return NULL;
		}
	}
	if (ctx->verbose && !ctx->t->trace)
		ctx->t->trace = ctx->err;
	return ctx->t;
}

int dm_agent_card_error(dm_agent *ctx, int err)
{
	char msg[512];
	uint16_t sw = ctx->t ? ctx->t->last_sw : 0;

	dm_hc_message(ctx->t, err, msg, sizeof msg);
	fprintf(ctx->err, "%s: %s\n", ctx->prog, msg);
	if (err == DM_E_IO)
		return DM_EXIT_NO_CARD;
	if (err == DM_E_CRYPTO || (sw & 0xFFF0u) == 0x63C0u || sw == 0x6983u)
		return DM_EXIT_DENIED;
	return DM_EXIT_FAIL;
}

int dm_agent_main(int argc, char **argv, dm_agent *ctx)
{
	const char *prog;

	if (!ctx->out)
		ctx->out = stdout;
	if (!ctx->err)
		ctx->err = stderr;
	prog = argc > 0 && argv[0] ? strrchr(argv[0], '/') : NULL;
	if (!ctx->prog)
		ctx->prog = prog ? prog + 1 : (argc > 0 && argv[0] ? argv[0] : "dmsc-agent");
	argc = strip_globals(argc, argv, ctx);
	if (argc < 0)
		return DM_EXIT_USAGE;
	if (argc < 2) {
		usage(ctx->err, ctx->prog);
		return DM_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(ctx->out, ctx->prog);
		return DM_EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0 && argc >= 3) {
		char help[] = "--help";
		char *hv[3] = { argv[2], help, NULL };

		for (const dm_command *c = dm_commands; c->name; c++)
			if (strcmp(c->name, argv[2]) == 0)
				return c->fn(2, hv, ctx);
	} else if (strcmp(argv[1], "help") == 0) {
		usage(ctx->out, ctx->prog);
		return DM_EXIT_OK;
	}
	for (const dm_command *c = dm_commands; c->name; c++)
		if (strcmp(c->name, argv[1]) == 0)
			return c->fn(argc - 1, argv + 1, ctx);
	fprintf(ctx->err, "%s: unknown command \"%s\" (%s --help lists them)\n", ctx->prog,
		strcmp(argv[1], "help") == 0 ? argv[2] : argv[1], ctx->prog);
	return DM_EXIT_USAGE;
}
