/*
 * cmd_pin.c - dmsc-agent pin status|verify|change|unblock|enable|disable
 * (TS 102 221 §11.1.9-§11.1.13; docs/security.md §2 for the card's PINs).
 *
 * PIN values come from --pin-file (one value per line: PIN, then the new
 * PIN for change/unblock), from the environment (DMSC_PIN, DMSC_NEW_PIN,
 * DMSC_PUK) or from a prompt on the terminal with echo off.  They are wiped
 * after use and never printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <json.h>

#include "agent.h"
#include "cardops.h"
#include "sw.h"

#define PIN_MAX 16 /* longer input is refused, not cut */

typedef struct pin_src {
	const char *file;
	char lines[3][PIN_MAX + 2];
	int nlines;
} pin_src;

static void usage_pin(dm_agent *ctx)
{
	fprintf(ctx->out,
		"usage: %s pin ACTION [--ref pin1|pin2|adm1|HEX] [--pin-file FILE]\n\n"
		"ACTION:\n"
		"  status    tries left (VERIFY without data); a blocked PIN is explained\n"
		"  verify    present the PIN\n"
		"  change    old PIN, then the new one\n"
		"  unblock   PUK, then the new PIN\n"
		"  enable    PIN\n"
		"  disable   PIN\n\n"
		"--ref: key reference (TS 102 221 §9.5.1): pin1 = 01 (default), pin2 = 81 (the\n"
		"DMSC application's local PIN), adm1 = 0A, or two hex digits.\n"
		"Values: --pin-file FILE (one per line, in the order above), else the\n"
		"environment (DMSC_PIN, DMSC_NEW_PIN, DMSC_PUK), else a prompt on the terminal.\n"
		"Exit 5 for a wrong or blocked PIN.\n", ctx->prog);
}

static int parse_ref(const char *s, uint8_t *ref)
{
	char *end;
	unsigned long v;

	if (strcmp(s, "pin1") == 0)
		*ref = DM_HC_PIN1;
	else if (strcmp(s, "pin2") == 0)
		*ref = DM_HC_PIN2_DMSC;
	else if (strcmp(s, "adm1") == 0)
		*ref = DM_HC_ADM1;
	else {
		v = strtoul(s, &end, 16);
		if (!*s || *end || v == 0 || v > 0xFF)
			return DM_E_VALUE;
		*ref = (uint8_t)v;
	}
	return DM_OK;
}

static int load_file(pin_src *src, dm_agent *ctx)
{
	FILE *f = fopen(src->file, "r");
	char line[256];

	if (!f) {
		fprintf(ctx->err, "%s: cannot read %s\n", ctx->prog, src->file);
		return DM_E_IO;
	}
	while (src->nlines < 3 && fgets(line, sizeof line, f)) {
		size_t n = strcspn(line, "\r\n");

		line[n] = '\0';
		if (n > PIN_MAX) {
			dm_wipe(line, sizeof line);
			fclose(f);
			fprintf(ctx->err, "%s: %s: value longer than %d characters\n", ctx->prog,
				src->file, PIN_MAX);
			return DM_E_VALUE;
		}
		memcpy(src->lines[src->nlines++], line, n + 1);
	}
	dm_wipe(line, sizeof line);
	fclose(f);
	return DM_OK;
}

/* Prompt on the controlling terminal with echo off. */
static int prompt(const char *what, char *out, size_t cap)
{
	FILE *tty = fopen("/dev/tty", "r+");
	struct termios old, noecho;
	char line[256];
	int rc = DM_OK;

	if (!tty)
		return DM_E_NOT_FOUND;
	fprintf(tty, "%s: ", what);
	fflush(tty);
	if (tcgetattr(fileno(tty), &old) == 0) {
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(tty), TCSAFLUSH, &noecho);
	}
	if (!fgets(line, sizeof line, tty))
		rc = DM_E_IO;
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fprintf(tty, "\n");
	fclose(tty);
	if (rc == DM_OK) {
		size_t n = strcspn(line, "\r\n");

		line[n] = '\0';
		if (n >= cap)
			rc = DM_E_VALUE;
		else
			memcpy(out, line, n + 1);
	}
	dm_wipe(line, sizeof line);
	return rc;
}

/* Value number idx (0-based) of the action: file line, env, or prompt. */
static int get_value(dm_agent *ctx, pin_src *src, int idx, const char *env, const char *what,
		     char *out, size_t cap)
{
	const char *e;

	if (src->file) {
		if (idx >= src->nlines) {
			fprintf(ctx->err, "%s: %s has no line %d (%s)\n", ctx->prog, src->file,
				idx + 1, what);
			return DM_E_NOT_FOUND;
		}
		snprintf(out, cap, "%s", src->lines[idx]);
		return DM_OK;
	}
	e = getenv(env);
	if (e) {
		if (strlen(e) >= cap) {
			fprintf(ctx->err, "%s: %s is too long\n", ctx->prog, env);
			return DM_E_VALUE;
		}
		snprintf(out, cap, "%s", e);
		return DM_OK;
	}
	if (prompt(what, out, cap) != DM_OK) {
		fprintf(ctx->err, "%s: no %s: use --pin-file, %s or a terminal\n", ctx->prog,
			what, env);
		return DM_E_NOT_FOUND;
	}
	return DM_OK;
}

static const char *ref_name(uint8_t ref)
{
	switch (ref) {
	case DM_HC_PIN1: return "PIN1";
	case DM_HC_PIN2_DMSC: return "PIN2";
	case DM_HC_ADM1: return "ADM1";
	default: return "PIN";
	}
}

/* PIN 81 lives in ADF DMSC; the global ones are reachable from there too.
 * A card without DM_SC: stay where the card put us (the MF). */
static int select_app(dm_transport *t)
{
	int rc = dm_hc_select_aid(t, (const uint8_t *)DM_HC_AID_DMSC, DM_HC_AID_DMSC_LEN, NULL);

	return rc == DM_E_NOT_FOUND ? DM_OK : rc;
}

static int report_status(dm_agent *ctx, dm_transport *t, uint8_t ref)
{
	int tries = -1, puk = -1, rc;
	bool verified = false, has_puk;

	rc = dm_hc_pin_status(t, ref, &tries, &verified);
	if (rc != DM_OK)
		return rc;
	has_puk = dm_hc_unblock_pin(t, ref, NULL, NULL, &puk) == DM_E_CRYPTO;
	if (ctx->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "pin", json_object_new_string(ref_name(ref)));
		json_object_object_add(o, "ref", json_object_new_int(ref));
		json_object_object_add(o, "verified_or_disabled", json_object_new_boolean(verified));
		json_object_object_add(o, "blocked", json_object_new_boolean(!verified && tries == 0));
		if (tries >= 0)
			json_object_object_add(o, "tries_left", json_object_new_int(tries));
		if (has_puk)
			json_object_object_add(o, "puk_tries_left", json_object_new_int(puk));
		fprintf(ctx->out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
		json_object_put(o);
		return DM_OK;
	}
	if (verified)
		fprintf(ctx->out, "%s (%02X): verified in this session, or disabled\n",
			ref_name(ref), ref);
	else if (tries > 0)
		fprintf(ctx->out, "%s (%02X): not verified, %d tries left\n", ref_name(ref), ref,
			tries);
	else if (has_puk && puk > 0)
		fprintf(ctx->out, "%s (%02X): BLOCKED (no tries left); unblock it with the PUK: "
			"%s pin unblock --ref %02X (%d PUK tries left)\n", ref_name(ref), ref,
			ctx->prog, ref, puk);
	else
		fprintf(ctx->out, "%s (%02X): BLOCKED for good (no tries left%s); the card "
			"cannot be unblocked\n", ref_name(ref), ref,
			has_puk ? ", PUK blocked too" : ", no PUK");
	if (!verified && has_puk && tries > 0)
		fprintf(ctx->out, "PUK: %d tries left\n", puk);
	return DM_OK;
}

static void report_done(dm_agent *ctx, const char *action, uint8_t ref)
{
	if (ctx->json)
		fprintf(ctx->out, "{ \"pin\": \"%s\", \"ref\": %u, \"%s\": true }\n",
			ref_name(ref), ref, action);
	else
		fprintf(ctx->out, "%s: %s done\n", ref_name(ref), action);
}

/* Wrong value / blocked: the tries left, in words (exit DENIED). */
static int pin_failure(dm_agent *ctx, dm_transport *t, int rc, int tries)
{
	int ex = dm_agent_card_error(ctx, rc);

	if (rc == DM_E_CRYPTO && tries > 0)
		fprintf(ctx->err, "%s: wrong value, %d tr%s left\n", ctx->prog, tries,
			tries == 1 ? "y" : "ies");
	else if (rc == DM_E_CRYPTO || t->last_sw == DM_SW_AUTH_BLOCKED)
		fprintf(ctx->err, "%s: blocked: `%s pin status` shows how to unblock\n",
			ctx->prog, ctx->prog);
	return ex;
}

int dm_cmd_pin(int argc, char **argv, dm_agent *ctx)
{
	static const char *const actions[] = { "status", "verify", "change", "unblock", "enable",
					       "disable" };
	char a[PIN_MAX + 2] = "", b[PIN_MAX + 2] = "";
	pin_src src = { 0 };
	const char *action = NULL;
	uint8_t ref = DM_HC_PIN1;
	dm_transport *t;
	int tries = -1, rc = DM_OK, ex;

	if (dm_agent_help(argc, argv)) {
		usage_pin(ctx);
		return DM_EXIT_OK;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ref") == 0 && i + 1 < argc) {
			if (parse_ref(argv[++i], &ref) != DM_OK) {
				fprintf(ctx->err, "%s: --ref: pin1, pin2, adm1 or a key reference "
					"in hex\n", ctx->prog);
				return DM_EXIT_USAGE;
			}
		} else if (strcmp(argv[i], "--pin-file") == 0 && i + 1 < argc) {
			src.file = argv[++i];
		} else if (!action) {
			for (size_t k = 0; k < DM_ARRAY_LEN(actions); k++)
				if (strcmp(argv[i], actions[k]) == 0)
					action = actions[k];
			if (!action) {
				fprintf(ctx->err, "%s: pin: unknown action \"%s\" (%s pin --help)\n",
					ctx->prog, argv[i], ctx->prog);
				return DM_EXIT_USAGE;
			}
		} else {
			fprintf(ctx->err, "%s: pin: unexpected \"%s\"\n", ctx->prog, argv[i]);
			return DM_EXIT_USAGE;
		}
	}
	if (!action) {
		fprintf(ctx->err, "%s: pin needs an action (%s pin --help)\n", ctx->prog, ctx->prog);
		return DM_EXIT_USAGE;
	}
	if (src.file && load_file(&src, ctx) != DM_OK)
		return DM_EXIT_USAGE;
	/* Values first: a prompt must not sit inside a card transaction. */
	if (strcmp(action, "status") != 0) {
		bool two = strcmp(action, "change") == 0 || strcmp(action, "unblock") == 0;
		bool unblock = strcmp(action, "unblock") == 0;

		rc = get_value(ctx, &src, 0, unblock ? "DMSC_PUK" : "DMSC_PIN",
			       unblock ? "PUK" : strcmp(action, "change") == 0 ? "old PIN" : "PIN",
			       a, sizeof a);
		if (rc == DM_OK && two)
			rc = get_value(ctx, &src, 1, "DMSC_NEW_PIN", "new PIN", b, sizeof b);
		dm_wipe(&src, sizeof src);
		if (rc != DM_OK) {
			dm_wipe(a, sizeof a);
			return DM_EXIT_USAGE;
		}
	}
	if (strcmp(action, "status") != 0 && (strlen(a) < 1 || strlen(a) > 8 || strlen(b) > 8 ||
	    ((!strcmp(action, "change") || !strcmp(action, "unblock")) && strlen(b) < 1))) {
		dm_wipe(a, sizeof a);
		dm_wipe(b, sizeof b);
		fprintf(ctx->err, "%s: a PIN is 1 to 8 characters\n", ctx->prog);
		return DM_EXIT_USAGE;
	}
	t = dm_agent_transport(ctx, &ex);
	if (!t) {
		dm_wipe(a, sizeof a);
		dm_wipe(b, sizeof b);
		return ex;
	}
	rc = dm_host_begin(t);
	if (rc == DM_OK) {
		rc = select_app(t);
		if (rc == DM_OK) {
			if (strcmp(action, "status") == 0)
				rc = report_status(ctx, t, ref);
			else if (strcmp(action, "verify") == 0)
				rc = dm_hc_verify(t, ref, a, &tries);
			else if (strcmp(action, "change") == 0)
				rc = dm_hc_change_pin(t, ref, a, b, &tries);
			else if (strcmp(action, "unblock") == 0)
				rc = dm_hc_unblock_pin(t, ref, a, b, &tries);
			else if (strcmp(action, "enable") == 0)
				rc = dm_hc_enable_pin(t, ref, a, &tries);
			else
				rc = dm_hc_disable_pin(t, ref, a, &tries);
		}
		dm_host_end(t);
	}
	dm_wipe(a, sizeof a);
	dm_wipe(b, sizeof b);
	if (rc != DM_OK)
		return pin_failure(ctx, t, rc, tries);
	if (strcmp(action, "status") != 0)
		report_done(ctx, action, ref);
	return DM_EXIT_OK;
}
