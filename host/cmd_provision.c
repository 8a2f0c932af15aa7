/*
 * cmd_provision.c - the `provision` and `watch` commands of dmsc-agent
 * (docs/agent.md "provision and watch"): command line, PIN and consent
 * prompts, human or JSON output, and the watch loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "agent.h"
#include "cmd_provision.h"
#include "watch.h"

#define PIN_MAX 16

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* Ask on the controlling terminal (USE-1/USE-3); < 0 when there is none. */
static int ask_tty(void *arg, const char *question)
{
	char line[16];
	FILE *tty = fopen("/dev/tty", "r+");
	int a = -1;

	(void)arg;
	if (!tty || !isatty(STDIN_FILENO)) {
		if (tty)
			fclose(tty);
		return -1;
	}
	fprintf(tty, "%s [y/N] ", question);
	fflush(tty);
	if (fgets(line, sizeof line, tty))
		a = (line[0] == 'y' || line[0] == 'Y') ? 1 : 0;
	fclose(tty);
	return a;
}

/* PIN: --pin-file, else $DMSC_PIN, else the configuration's pin_file, else a
 * prompt on the terminal without echo.  Empty string when none. */
static int get_pin(const char *file, const dm_prov_conf *cf, char *pin, size_t cap)
{
	const char *env = getenv("DMSC_PIN");
	size_t n;

	pin[0] = '\0';
	if (!file && !env && cf->pin_file[0])
		file = cf->pin_file;
	if (file) {
		FILE *f = fopen(file, "r");

		if (!f)
			return DM_E_IO;
		if (!fgets(pin, (int)cap, f))
			pin[0] = '\0';
		fclose(f);
	} else if (env) {
		snprintf(pin, cap, "%s", env);
	} else if (isatty(STDIN_FILENO)) {
		struct termios old, noecho;
		FILE *tty = fopen("/dev/tty", "r+");

		if (!tty)
			return DM_OK;
		fprintf(tty, "PIN (empty: none): ");
		fflush(tty);
		tcgetattr(fileno(tty), &old);
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(tty), TCSAFLUSH, &noecho);
		if (!fgets(pin, (int)cap, tty))
			pin[0] = '\0';
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
		fprintf(tty, "\n");
		fclose(tty);
	}
	n = strlen(pin);
	while (n && (pin[n - 1] == '\n' || pin[n - 1] == '\r'))
		pin[--n] = '\0';
	return DM_OK;
}

static const char *outcome_name(dm_prov_outcome o)
{
	switch (o) {
	case DM_PROV_APPLIED: return "applied";
	case DM_PROV_UNCHANGED: return "unchanged";
	case DM_PROV_NO_DMSC: return "no-dmsc";
	case DM_PROV_NO_DATA: return "no-data";
	case DM_PROV_DECLINED: return "declined";
	default: return "failed";
	}
}

static int exit_code(int rc, const dm_prov_result *r)
{
	switch (r->outcome) {
	case DM_PROV_APPLIED:
	case DM_PROV_UNCHANGED:
	case DM_PROV_NO_DATA:
		return DM_EXIT_OK;
	case DM_PROV_NO_DMSC:
		return DM_EXIT_UNSUPPORTED;
	case DM_PROV_DECLINED:
		return DM_EXIT_DENIED;
	default:
		break;
	}
	if (rc == DM_E_IO)
		return DM_EXIT_NO_CARD;
	if (rc == DM_E_CRYPTO || (r->sw & 0xFFF0) == 0x63C0 || r->sw == 0x6983 ||
	    r->sw == 0x6982)
		return DM_EXIT_DENIED;
	return DM_EXIT_FAIL;
}

static void print_result(dm_agent *ctx, int rc, const dm_prov_result *r)
{
	if (ctx->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "outcome", json_object_new_string(outcome_name(r->outcome)));
		json_object_object_add(o, "iccid", json_object_new_string(r->iccid));
		json_object_object_add(o, "counter", json_object_new_int64(r->info.counter));
		json_object_object_add(o, "flags", json_object_new_int(r->info.flags));
		json_object_object_add(o, "objects", json_object_new_int((int)r->objects));
		json_object_object_add(o, "bytes", json_object_new_int64((int64_t)r->bytes));
		json_object_object_add(o, "new_card", json_object_new_boolean(r->new_card));
		json_object_object_add(o, "scp03", json_object_new_boolean(r->scp03));
		json_object_object_add(o, "pin_verified", json_object_new_boolean(r->pin_verified));
		if (r->sw) {
			char sw[5];

			snprintf(sw, sizeof sw, "%04X", r->sw);
			json_object_object_add(o, "sw", json_object_new_string(sw));
		}
		if (r->msg[0])
			json_object_object_add(o, "message", json_object_new_string(r->msg));
		fprintf(ctx->out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	}
	switch (r->outcome) {
	case DM_PROV_APPLIED:
		if (!ctx->json)
			fprintf(ctx->out, "provisioned from card %s (change counter %u): %u objects, "
				"%zu bytes%s%s\n", r->iccid, (unsigned)r->info.counter, r->objects,
				r->bytes, r->new_card ? ", new card" : "",
				r->scp03 ? ", SCP03" : "");
		break;
	case DM_PROV_UNCHANGED:
		if (!ctx->json)
			fprintf(ctx->out, "nothing to do: card %s, change counter %u already "
				"provisioned\n", r->iccid, (unsigned)r->info.counter);
		break;
	case DM_PROV_NO_DATA:
		if (!ctx->json)
			fprintf(ctx->out, "card %s holds no provisioning data\n", r->iccid);
		break;
	default:
		fprintf(ctx->err, "%s: provision: %s%s\n", ctx->prog,
			r->msg[0] ? r->msg : "failed: ", r->msg[0] ? "" : dm_strerror(rc));
		break;
	}
}

static void usage_provision(FILE *f)
{
	fprintf(f,
		"usage: dmsc-agent [global options] provision [--yes|--no] [--force]\n"
		"                  [--pin-file FILE]\n"
		"The power-on procedure (DM_SC GEN-21): TERMINAL PROFILE, discovery, EF_ICCID,\n"
		"EF_INFO, authentication (SCP03 with the configuration's device keys; the PIN\n"
		"for private objects from --pin-file, $DMSC_PIN or a prompt), the DODF objects,\n"
		"the user's consent (USE-1: asked, USE-2: never asked, USE-3: provision.confirm\n"
		"of the configuration), and one atomic import into the device's DM tree.\n"
		"  --yes / --no     answer the consent question in advance (scripts)\n"
		"  --force          import even when the card and its change counter are known\n"
		"  --pin-file FILE  the PIN (first line)\n"
		"Exit: 0 applied or nothing to do, 1 failed, 3 no card / card removed,\n"
		"4 not a DM_SC card, 5 declined or PIN refused.\n");
}

/* Options common to provision and watch; *i advanced.  1 taken, 0 not ours, <0 bad. */
static int common_opt(int argc, char **argv, int *i, dm_prov_opts *po, const char **pin_file)
{
	const char *a = argv[*i];

	if (!strcmp(a, "--yes") || !strcmp(a, "-y")) {
		po->confirm = DM_PROV_CONFIRM_YES;
		po->confirm_given = true;
	} else if (!strcmp(a, "--no") || !strcmp(a, "-n")) {
		po->confirm = DM_PROV_CONFIRM_NO;
		po->confirm_given = true;
	} else if (!strcmp(a, "--force")) {
		po->force = true;
	} else if (!strcmp(a, "--pin-file")) {
		if (*i + 1 >= argc)
			return -1;
		*pin_file = argv[++*i];
	} else {
		return 0;
	}
	return 1;
}

/* Configuration and tree for either command; DM_EXIT_* on failure. */
static int setup(dm_agent *ctx, dm_prov_conf *cf, dm_tree **tree)
{
	unsigned line = 0;
	int rc;

	dm_prov_conf_init(cf);
	if (ctx->config_path) {
		rc = dm_prov_conf_load(ctx->config_path, cf, &line);
		if (rc) {
			fprintf(ctx->err, "%s: configuration %s: %s%s%u\n", ctx->prog,
				ctx->config_path, dm_strerror(rc), line ? " at line " : "",
				line);
			if (!line)
				fprintf(ctx->err, "(scp03.kvn, scp03.enc and scp03.mac go together)\n");
			return DM_EXIT_USAGE;
		}
	}
	rc = dm_tree_open_default(ctx->db_path, tree);
	if (rc) {
		fprintf(ctx->err, "%s: cannot open the device tree: %s\n", ctx->prog, dm_strerror(rc));
		return DM_EXIT_FAIL;
	}
	return DM_EXIT_OK;
}

int dm_cmd_provision(int argc, char **argv, dm_agent *ctx)
{
	dm_prov_opts po = { 0 };
	dm_prov_result r;
	dm_prov_conf cf;
	dm_tree *tree = NULL;
	dm_transport *t;
	const char *pin_file = NULL;
	char pin[PIN_MAX + 2];
	int rc, ec;

	if (dm_agent_help(argc, argv)) {
		usage_provision(ctx->out);
		return DM_EXIT_OK;
	}
	for (int i = 1; i < argc; i++) {
		if (common_opt(argc, argv, &i, &po, &pin_file) != 1) {
			usage_provision(ctx->err);
			return DM_EXIT_USAGE;
		}
	}
	ec = setup(ctx, &cf, &tree);
	if (ec)
		return ec;
	if (get_pin(pin_file, &cf, pin, sizeof pin)) {
		fprintf(ctx->err, "%s: cannot read the PIN file %s\n", ctx->prog, pin_file);
		dm_tree_close(&tree);
		dm_prov_conf_wipe(&cf);
		return DM_EXIT_USAGE;
	}
	t = dm_agent_transport(ctx, &ec);
	if (!t) {
		dm_tree_close(&tree);
		dm_prov_conf_wipe(&cf);
		dm_wipe(pin, sizeof pin);
		return ec;
	}
	po.conf = &cf;
	po.pin = pin[0] ? pin : NULL;
	po.ask = ask_tty;
	po.outbox = ctx->outbox;
	po.log = ctx->json ? NULL : ctx->err;
	rc = dm_provision(t, tree, &po, &r);
	print_result(ctx, rc, &r);
	dm_tree_close(&tree);
	dm_prov_conf_wipe(&cf);
	dm_wipe(pin, sizeof pin);
	return exit_code(rc, &r);
}

static void usage_watch(FILE *f)
{
	fprintf(f,
		"usage: dmsc-agent [global options] watch [--poll SECONDS] [--devchg DIR]\n"
		"                  [--max-polls N] [--yes|--no] [--pin-file FILE]\n"
		"The long-running device: provisions on insertion (GEN-21), polls STATUS at the\n"
		"card's POLL INTERVAL (default 30 s), answers proactive commands: REFRESH\n"
		"re-imports (GEN-20) or opens a session on an EF_TRIG change (GEN-14); writes\n"
		"each file of the --devchg spool directory to EF_DEVCHG (GEN-15); removes the\n"
		"card's nodes when the card is removed.  SIGTERM/SIGINT stop it cleanly.\n"
		"  --poll SECONDS   poll at this interval whatever the card says (tests)\n"
		"  --devchg DIR     GEN-15 spool directory (default: watch.devchg_spool)\n"
		"  --max-polls N    stop after N polls (tests)\n");
}

static void log_prov(dm_agent *ctx, const dm_prov_result *r)
{
	fprintf(ctx->err, "%s: provision: %s%s%s\n", ctx->prog, outcome_name(r->outcome),
		r->msg[0] ? ": " : "", r->msg);
}

/* Wait up to s seconds for a card event, waking for SIGTERM. */
static int wait_event(dm_transport *t, unsigned s, dm_card_event *ev)
{
	int rc = DM_OK;

	*ev = DM_EV_NONE;
	for (unsigned ms = 0; !stop_flag && ms < s * 1000u; ms += 200u) {
		rc = dm_transport_wait(t, 200, ev);
		if (rc || *ev != DM_EV_NONE)
			break;
	}
	return rc;
}

int dm_cmd_watch(int argc, char **argv, dm_agent *ctx)
{
	dm_watch_opts wo = { 0 };
	dm_watch_state st = { 0 };
	dm_prov_conf cf;
	dm_prov_result r;
	dm_tree *tree = NULL;
	dm_transport *t;
	const char *pin_file = NULL, *devchg = NULL;
	struct sigaction sa = { 0 };
	char pin[PIN_MAX + 2];
	unsigned polls = 0;
	bool present = true;
	int rc = DM_OK, ec;

	if (dm_agent_help(argc, argv)) {
		usage_watch(ctx->out);
		return DM_EXIT_OK;
	}
	for (int i = 1; i < argc; i++) {
		int c = common_opt(argc, argv, &i, &wo.prov, &pin_file);
		char *end;

		if (c == 1)
			continue;
		if (c == 0 && i + 1 < argc && (!strcmp(argv[i], "--poll") ||
					       !strcmp(argv[i], "--max-polls"))) {
			unsigned long v = strtoul(argv[i + 1], &end, 10);

			if (*end || !argv[i + 1][0] || v == 0 || v > 86400)
				c = -1;
			else if (!strcmp(argv[i], "--poll"))
				wo.poll_s = (unsigned)v;
			else
				wo.max_polls = (unsigned)v;
			i++;
		} else if (c == 0 && i + 1 < argc && !strcmp(argv[i], "--devchg")) {
			devchg = argv[++i];
		} else {
			c = -1;
		}
		if (c < 0) {
			usage_watch(ctx->err);
			return DM_EXIT_USAGE;
		}
	}
	ec = setup(ctx, &cf, &tree);
	if (ec)
		return ec;
	get_pin(pin_file, &cf, pin, sizeof pin);
	if (!devchg && cf.devchg_spool[0])
		devchg = cf.devchg_spool;
	if (!wo.poll_s && cf.poll_s)
		st.poll_s = cf.poll_s;
	else
		st.poll_s = DM_WATCH_POLL_DEFAULT_S;
	wo.prov.conf = &cf;
	wo.prov.pin = pin[0] ? pin : NULL;
	wo.prov.ask = ask_tty;
	wo.prov.outbox = ctx->outbox;
	wo.prov.log = ctx->err;
	wo.devchg_spool = devchg;
	wo.stop = &stop_flag;
	stop_flag = 0;
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	t = dm_agent_transport(ctx, &ec);
	if (!t)
		goto out;
	ec = DM_EXIT_OK;
	rc = dm_provision(t, tree, &wo.prov, &r);
	log_prov(ctx, &r);
	if (rc == DM_E_IO)
		present = false;
	while (!stop_flag && (!wo.max_polls || polls < wo.max_polls)) {
		unsigned interval = wo.poll_s ? wo.poll_s : st.poll_s;
		dm_card_event ev;

		rc = wait_event(t, present && interval ? interval : 1, &ev);
		if (stop_flag)
			break;
		if (rc == DM_OK && ev == DM_EV_REMOVED)
			present = false;
		if (ev == DM_EV_REMOVED || (!present && ev != DM_EV_INSERTED)) {
			if (ev == DM_EV_REMOVED) {
				size_t n = 0;

				/* DM 1.2 bootstrap rules: card-origin MOs go with the card */
				if (dm_watch_card_removed(tree, &n) == DM_OK)
					fprintf(ctx->err, "%s: card removed: %zu card node(s) "
						"removed\n", ctx->prog, n);
				else
					fprintf(ctx->err, "%s: card removed, but its nodes could "
						"not be removed from the tree\n", ctx->prog);
			}
			if (rc && rc != DM_E_STATE && rc != DM_E_IO)
				break;
			continue;
		}
		if (ev == DM_EV_INSERTED) {
			if (dm_transport_reconnect(t, false) != DM_OK)
				continue;
			present = true;
			rc = dm_provision(t, tree, &wo.prov, &r);
			log_prov(ctx, &r);
			continue;
		}
		polls++;
		rc = dm_watch_poll(t, tree, &wo, &st);
		if (rc == DM_OK && devchg)
			rc = dm_watch_devchg_spool(t, &st, devchg, ctx->err);
		if (rc == DM_E_IO) {
			present = false;
			fprintf(ctx->err, "%s: the card does not answer (removed?)\n", ctx->prog);
		} else if (rc) {
			fprintf(ctx->err, "%s: watch: %s\n", ctx->prog, dm_strerror(rc));
		}
	}
	fprintf(ctx->err, "%s: watch stopped: %u polls, %u proactive commands, %u re-imports, "
		"%u sessions\n", ctx->prog, polls, st.fetched, st.reimports, st.sessions);
out:
	dm_tree_close(&tree);
	dm_prov_conf_wipe(&cf);
	dm_wipe(pin, sizeof pin);
	return ec;
}
