/*
 * cmd_policy.c - use case 5.3 on the device: show the policy's effect,
 * enforce it on use (a forbidden use is blocked, appended to the card's
 * EF_EVLOG and reported), and execute administrator operations only after
 * the card verified them with the enterprise credential (80 38).
 *
 * Alternative flows [ours, the reference does not spell them out]:
 *   AF1 the administrator changes the policy: `admin` with a signature the
 *       card accepts -> the device state table changes, reported;
 *   AF2 an operation the card refuses (wrong key 6982, replay 6985): nothing
 *       changes on the device, the refusal is reported;
 *   AF3 a forbidden use while the card cannot log it (no PIN, card absent):
 *       still blocked, reported with "not logged on the card".
 */
#include "cmd_policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "alert.h"
#include "cardops.h"
#include "sw.h"
#include "usecase.h"

static int value_of(dm_tree *t, const char *base, const char *leaf, char **out)
{
	char uri[DM_URI_MAX];
	dm_node n = { 0 };
	int rc;

	*out = NULL;
	if ((size_t)snprintf(uri, sizeof(uri), "%s/%s", base, leaf) >= sizeof(uri))
		return DM_E_LENGTH;
	rc = dm_tree_get(t, uri, &n);
	if (rc == DM_E_NOT_FOUND)
		return DM_OK;
	if (!rc && n.value) {
		*out = n.value;
		n.value = NULL;
	}
	dm_node_clear(&n);
	return rc;
}

/* Rules in order: numeric names by number (2 before 10), then others by name. */
static int rule_cmp(const void *a, const void *b)
{
	const dm_node *x = a, *y = b;
	char *ex, *ey;
	unsigned long nx = strtoul(x->name, &ex, 10), ny = strtoul(y->name, &ey, 10);
	bool dx = *x->name && !*ex, dy = *y->name && !*ey;

	if (dx && dy)
		return nx < ny ? -1 : nx > ny;
	if (dx != dy)
		return dx ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int load_rules(dm_tree *t, dm_policy *p, char *bad, size_t cap)
{
	dm_node_list l = { 0 };
	int rc = dm_tree_children(t, DM_POLICY_URI "/Rules", &l);

	if (rc == DM_E_NOT_FOUND)
		return DM_OK;
	if (rc)
		return rc;
	qsort(l.v, l.n, sizeof(l.v[0]), rule_cmp);
	for (size_t i = 0; i < l.n && !rc; i++) {
		char *res = NULL, *act = NULL, *days = NULL, *from = NULL, *to = NULL;

		if ((rc = value_of(t, l.v[i].uri, "Resource", &res)) ||
		    (rc = value_of(t, l.v[i].uri, "Action", &act)) ||
		    (rc = value_of(t, l.v[i].uri, "Days", &days)) ||
		    (rc = value_of(t, l.v[i].uri, "From", &from)) ||
		    (rc = value_of(t, l.v[i].uri, "To", &to)))
			;
		else if (!res || !act)
			rc = DM_E_VALUE;
		else
			rc = dm_policy_add_rule(p, l.v[i].name, res, act, days, from, to);
		if (rc && bad)
			snprintf(bad, cap, "%s", l.v[i].uri);
		free(res);
		free(act);
		free(days);
		free(from);
		free(to);
	}
	dm_node_list_clear(&l);
	return rc;
}

static int load_defaults(dm_tree *t, dm_policy *p, char *bad, size_t cap)
{
	dm_node_list l = { 0 };
	int rc = dm_tree_children(t, DM_POLICY_URI "/Resources", &l);

	if (rc == DM_E_NOT_FOUND)
		return DM_OK;
	for (size_t i = 0; i < l.n && !rc; i++) {
		dm_policy_resource *r;
		char *def = NULL;

		rc = dm_policy_find_or_add(p, l.v[i].name, &r);
		if (!rc)
			rc = value_of(t, l.v[i].uri, "Default", &def);
		if (!rc && def) {
			rc = dm_policy_parse_action(def, &r->default_enabled);
			r->has_default = !rc;
		}
		if (rc && bad)
			snprintf(bad, cap, "%s", l.v[i].uri);
		free(def);
	}
	dm_node_list_clear(&l);
	return rc;
}

static int load_overrides(dm_tree *t, dm_policy *p)
{
	for (size_t i = 0; i < p->n_resources; i++) {
		dm_policy_resource *r = &p->resources[i];
		char key[64], *v = NULL, act[16];
		unsigned long ctr;

		snprintf(key, sizeof(key), DM_POLICY_META_OVERRIDE "%s", r->name);
		int rc = dm_tree_meta_get(t, key, &v);

		if (rc == DM_E_NOT_FOUND)
			continue;
		if (rc)
			return rc;
		if (sscanf(v, "%15s %lu", act, &ctr) == 2 && !dm_policy_parse_action(act, &r->override_enabled)) {
			r->has_override = true;
			r->override_counter = (uint32_t)ctr;
		}
		free(v);
	}
	return DM_OK;
}

int dm_policy_load(dm_tree *t, dm_policy *p, char *bad, size_t cap)
{
	int rc;

	if (!t || !p)
		return DM_E_ARG;
	dm_policy_init(p);
	if (bad && cap)
		*bad = 0;
	if ((rc = load_defaults(t, p, bad, cap)) || (rc = load_rules(t, p, bad, cap)))
		return rc;
	return load_overrides(t, p);
}

/* Resolve --at, open the tree, load the policy (*p malloc'd): shared by
 * status and use.  On failure nothing is left open. */
static int prepare(dm_agent *ctx, const dm_uc_opts *o, dm_tree **t, dm_policy **p, time_t *when)
{
	char bad[DM_URI_MAX];
	int rc;

	if (dm_policy_parse_time(o->at ? o->at : "now", when)) {
		fprintf(ctx->err, "%s: --at %s: expected YYYY-MM-DDTHH:MM[:SS] (local time) or now\n",
			ctx->prog, o->at);
		return DM_EXIT_USAGE;
	}
	if (!(*p = malloc(sizeof(**p))))
		return DM_EXIT_FAIL;
	if (dm_uc_open_tree(ctx, t)) {
		free(*p);
		return DM_EXIT_FAIL;
	}
	if ((rc = dm_policy_load(*t, *p, bad, sizeof(bad)))) {
		fprintf(ctx->err, "%s: the policy MO is malformed at %s: %s\n", ctx->prog,
			*bad ? bad : DM_POLICY_URI, dm_strerror(rc));
		dm_tree_close(t);
		free(*p);
		return DM_EXIT_FAIL;
	}
	return DM_EXIT_OK;
}

static void rule_text(const dm_policy_decision *d, char *buf, size_t cap)
{
	if (d->source == DM_POLICY_FROM_RULE)
		snprintf(buf, cap, "rule %s: %s %s %s-%s", d->rule->name,
			 d->rule->enable ? "Enable" : "Disable", d->rule->days_text,
			 d->rule->from_text, d->rule->to_text);
	else
		snprintf(buf, cap, "%s", dm_policy_source_name(d->source));
}

static const char policy_help[] =
	"policy status [--at YYYY-MM-DDTHH:MM]\n"
	"Use case 5.3: each resource of the enterprise policy (./Ext/DMSCPolicy),\n"
	"its default, the rule that applies at the time (now, or --at, local time),\n"
	"an administrator override verified by the card, and the resulting state.\n";

int dm_cmd_policy(int argc, char **argv, dm_agent *ctx)
{
	dm_uc_opts o;
	dm_tree *t = NULL;
	dm_policy *p = NULL;
	time_t when;
	struct tm tm;
	char stamp[32];
	json_object *arr = NULL;
	int ex;

	if ((ex = dm_uc_opts_parse(ctx, argc, argv, policy_help, &o)))
		return ex < 0 ? DM_EXIT_OK : ex;
	if (o.argc != 2 || strcmp(o.argv[1], "status"))
		return dm_uc_usage(ctx, policy_help);
	if ((ex = prepare(ctx, &o, &t, &p, &when)))
		return ex;
	localtime_r(&when, &tm);
	strftime(stamp, sizeof(stamp), "%a %Y-%m-%d %H:%M", &tm);
	if (ctx->json)
		arr = json_object_new_array();
	else
		fprintf(ctx->out, "policy at %s\n%-12s %-9s %-9s %s\n", stamp, "RESOURCE", "DEFAULT",
			"STATE", "BECAUSE");
	for (size_t i = 0; i < p->n_resources; i++) {
		const dm_policy_resource *r = &p->resources[i];
		dm_policy_decision d;
		char why[128];

		dm_policy_eval(p, r->name, &tm, &d);
		rule_text(&d, why, sizeof(why));
		if (d.source == DM_POLICY_FROM_ADMIN)
			snprintf(why, sizeof(why), "admin operation %u", (unsigned)r->override_counter);
		if (arr) {
			json_object *j = json_object_new_object();

			json_object_object_add(j, "resource", json_object_new_string(r->name));
			json_object_object_add(j, "default", json_object_new_string(
				!r->has_default || r->default_enabled ? "enabled" : "disabled"));
			json_object_object_add(j, "state", json_object_new_string(
				d.enabled ? "enabled" : "disabled"));
			json_object_object_add(j, "source", json_object_new_string(
				dm_policy_source_name(d.source)));
			if (d.rule)
				json_object_object_add(j, "rule", json_object_new_string(d.rule->name));
			json_object_object_add(j, "because", json_object_new_string(why));
			json_object_array_add(arr, j);
		} else {
			fprintf(ctx->out, "%-12s %-9s %-9s %s\n", r->name,
				!r->has_default || r->default_enabled ? "enabled" : "disabled",
				d.enabled ? "enabled" : "disabled", why);
		}
	}
	if (arr) {
		dm_uc_put_json(ctx, arr);
	}
	free(p);
	dm_tree_close(&t);
	return DM_EXIT_OK;
}

/* Append the event to EF_EVLOG: SELECT DMSC, VERIFY 81, SELECT 6424,
 * UPDATE RECORD PREVIOUS (TS 102 221 §11.1.6: cyclic EF, P2 03). */
static int evlog_append(dm_transport *t, const char *pin, dm_bytes rec)
{
	dm_capdu c = { .cla = 0x00, .ins = 0xDC, .p1 = 0x00, .p2 = 0x03 };
	uint8_t resp[16];
	dm_wbuf r = dm_wbuf_init(resp, sizeof(resp));
	uint16_t sw = 0;
	int rc;

	c.data = rec.ptr;
	c.nc = rec.len;
	if ((rc = dm_host_begin(t)))
		return rc;
	rc = dm_hc_select_aid(t, (const uint8_t *)DM_HC_AID_DMSC, DM_HC_AID_DMSC_LEN, NULL);
	if (!rc)
		rc = dm_hc_verify(t, DM_HC_PIN2_DMSC, pin, NULL);
	if (!rc)
		rc = dm_hc_select_fid(t, 0x6424, NULL);
	if (!rc)
		rc = dm_hc_exchange(t, "UPDATE RECORD EF_EVLOG", &c, &r, &sw);
	if (!rc && !dm_uc_sw_ok(sw)) {
		t->last_sw = sw;
		rc = DM_E_STATE;
	}
	dm_host_end(t);
	return rc;
}

static uint32_t next_event(dm_tree *t)
{
	char *v = NULL, buf[16];
	uint32_t n = 0;

	if (!dm_tree_meta_get(t, DM_POLICY_META_EVENTS, &v))
		n = (uint32_t)strtoul(v, NULL, 10);
	free(v);
	n++;
	snprintf(buf, sizeof(buf), "%u", (unsigned)n);
	dm_tree_meta_set(t, DM_POLICY_META_EVENTS, buf);
	return n;
}

static const char use_help[] =
	"use RESOURCE [--at TIME] [--pin-file F]\n"
	"Use case 5.3: ask the device's policy whether RESOURCE may be used now.\n"
	"Allowed: exit 0.  Forbidden: exit 5, the event appended to the card's\n"
	"EF_EVLOG (PIN 81 from --pin-file / policy.pin_file) and a Generic Alert.\n";

int dm_cmd_use(int argc, char **argv, dm_agent *ctx)
{
	dm_uc_opts o;
	dm_tree *t = NULL;
	dm_policy *p = NULL;
	dm_policy_decision d;
	time_t when;
	struct tm tm;
	char why[128], pin[16], text[1024], msg[640] = "";
	uint8_t rec[DM_EVLOG_RECORD_LEN];
	dm_wbuf w = dm_wbuf_init(rec, sizeof(rec));
	bool logged = false;
	const char *res;
	int ex, rc;

	if ((ex = dm_uc_opts_parse(ctx, argc, argv, use_help, &o)))
		return ex < 0 ? DM_EXIT_OK : ex;
	if (o.argc != 2)
		return dm_uc_usage(ctx, use_help);
	res = o.argv[1];
	if ((ex = prepare(ctx, &o, &t, &p, &when)))
		return ex;
	localtime_r(&when, &tm);
	rc = dm_policy_eval(p, res, &tm, &d);
	if (rc) {
		fprintf(ctx->err, "%s use: %s is not a resource of this device's policy\n",
			ctx->prog, res);
		ex = DM_EXIT_USAGE;
		goto out;
	}
	rule_text(&d, why, sizeof(why));
	if (d.enabled) {
		if (ctx->json) {
			json_object *j = json_object_new_object();

			json_object_object_add(j, "resource", json_object_new_string(res));
			json_object_object_add(j, "allowed", json_object_new_boolean(true));
			json_object_object_add(j, "because", json_object_new_string(why));
			dm_uc_put_json(ctx, j);
		} else
			fprintf(ctx->out, "%s: allowed (%s)\n", res, why);
		ex = DM_EXIT_OK;
		goto out;
	}
	/* Forbidden: blocked first, then logged on the card, then reported. */
	uint32_t ev = next_event(t);

	rc = dm_policy_evlog_record(DM_EVLOG_FORBIDDEN_USE, ev, (uint32_t)when,
				    DM_EVLOG_ACTION_NONE, res, &w);
	if (!rc && !o.conf.pin_file[0]) {
		snprintf(msg, sizeof(msg), "no PIN 81 for EF_EVLOG (--pin-file or policy.pin_file)");
	} else if (!rc && (rc = dm_uc_read_secret(o.conf.pin_file, pin, sizeof(pin)))) {
		snprintf(msg, sizeof(msg), "cannot read %s: %s", o.conf.pin_file, dm_strerror(rc));
	} else if (!rc) {
		dm_transport *tr = dm_agent_transport(ctx, &ex);

		if (tr && !(rc = evlog_append(tr, pin, dm_bytes_of(rec, w.len))))
			logged = true;
		else if (tr)
			dm_hc_message(tr, rc, msg, sizeof(msg));
		else
			snprintf(msg, sizeof(msg), "no card");
		dm_wipe(pin, sizeof(pin));
	}
	snprintf(text, sizeof(text), "forbidden use of %s blocked at %lld (%s); event %u %s%s%s",
		 res, (long long)when, why, (unsigned)ev,
		 logged ? "logged on the card" : "NOT logged on the card", *msg ? ": " : "", msg);
	if (ctx->json) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "resource", json_object_new_string(res));
		json_object_object_add(j, "allowed", json_object_new_boolean(false));
		json_object_object_add(j, "because", json_object_new_string(why));
		json_object_object_add(j, "event", json_object_new_int64(ev));
		json_object_object_add(j, "logged", json_object_new_boolean(logged));
		dm_uc_put_json(ctx, j);
	} else {
		fprintf(ctx->out, "%s: blocked (%s)\n", res, why);
	}
	if (!logged)
		fprintf(ctx->err, "%s use: warning: the event was not logged on the card: %s\n",
			ctx->prog, msg);
	dm_uc_alert(ctx, &o, t, DM_ALERT_TYPE_FORBIDDEN_USE, DM_ALERT_MARK_CRITICAL,
		    DM_POLICY_URI, text);
	ex = DM_EXIT_DENIED;
out:
	free(p);
	dm_tree_close(&t);
	return ex;
}

static int send_op(dm_transport *t, dm_bytes data, uint16_t *sw)
{
	dm_capdu c = { .cla = 0x80, .ins = 0x38, .p1 = 0x00, .p2 = 0x00 };
	uint8_t resp[16];
	dm_wbuf r = dm_wbuf_init(resp, sizeof(resp));
	int rc;

	c.data = data.ptr;
	c.nc = data.len;
	if ((rc = dm_host_begin(t)))
		return rc;
	rc = dm_hc_select_aid(t, (const uint8_t *)DM_HC_AID_DMSC, DM_HC_AID_DMSC_LEN, NULL);
	if (!rc)
		rc = dm_hc_exchange(t, "POLICY OPERATION", &c, &r, sw);
	dm_host_end(t);
	return rc;
}

static const char admin_help[] =
	"admin enable|disable RESOURCE --counter N --sig SIGFILE\n"
	"Use case 5.3: an administrator operation, executed only after the card\n"
	"verified it (80 38) with the enterprise credential.  SIGFILE: ECDSA P-256\n"
	"(DER or raw) over SHA-256(\"DMSC-PO1\" || 80 04 N 81 len RESOURCE 82 01 00|01).\n"
	"Accepted: the device state table overrides the schedule for RESOURCE.\n"
	"Exit: 0 executed, 5 refused by the card (6982 signature, 6985 replay).\n";

int dm_cmd_admin(int argc, char **argv, dm_agent *ctx)
{
	dm_uc_opts o;
	const char *sigpath = NULL, *res = NULL;
	char *end = NULL, text[512], key[64], val[32], msg[128];
	unsigned long ctr = 0;
	bool have_ctr = false, enable = false, have_op = false;
	uint8_t *sig = NULL, data[256];
	dm_wbuf w = dm_wbuf_init(data, sizeof(data));
	size_t siglen = 0;
	uint16_t sw = 0;
	dm_transport *tr;
	dm_tree *t = NULL;
	int ex, rc;

	if ((ex = dm_uc_opts_parse(ctx, argc, argv, admin_help, &o)))
		return ex < 0 ? DM_EXIT_OK : ex;
	for (int i = 1; i < o.argc; i++) {
		const char *a = o.argv[i];

		if (!strcmp(a, "--sig") && i + 1 < o.argc) {
			sigpath = o.argv[++i];
		} else if (!strcmp(a, "--counter") && i + 1 < o.argc) {
			ctr = strtoul(o.argv[++i], &end, 0);
			have_ctr = *o.argv[i] && !*end && ctr <= 0xFFFFFFFFul;
			if (!have_ctr)
				return dm_uc_usage(ctx, admin_help);
		} else if (!have_op && (!strcasecmp(a, "enable") || !strcasecmp(a, "disable"))) {
			have_op = true;
			enable = !strcasecmp(a, "enable");
		} else if (have_op && !res && a[0] != '-') {
			res = a;
		} else {
			return dm_uc_usage(ctx, admin_help);
		}
	}
	if (!have_op || !res || !sigpath || !have_ctr)
		return dm_uc_usage(ctx, admin_help);
	rc = dm_uc_read_file(sigpath, 139, &sig, &siglen);
	if (!rc)
		rc = dm_policy_op_data((uint32_t)ctr, res, enable, dm_bytes_of(sig, siglen), &w);
	free(sig);
	if (rc) {
		fprintf(ctx->err, "%s admin: %s: %s\n", ctx->prog, sigpath, dm_strerror(rc));
		return DM_EXIT_FAIL;
	}
	if (!(tr = dm_agent_transport(ctx, &ex)))
		return ex;
	if ((rc = send_op(tr, dm_bytes_of(data, w.len), &sw)))
		return dm_agent_card_error(ctx, rc);
	if (dm_uc_open_tree(ctx, &t))
		return DM_EXIT_FAIL;
	if (!dm_uc_sw_ok(sw)) {
		/* AF2: the card refused; nothing changes on the device. */
		char mean[96];

		dm_sw_meaning(sw, mean, sizeof(mean));
		snprintf(msg, sizeof(msg), "%s", sw == DM_SW_SECURITY_STATUS ?
			 "the enterprise signature does not verify" : sw == DM_SW_CONDITIONS ?
			 "replayed operation (counter not above the last)" : mean);
		snprintf(text, sizeof(text), "admin %s %s counter %lu refused by the card: %04X %s (%s) -> DM %d",
			 enable ? "enable" : "disable", res, ctr, sw, dm_sw_name(sw), msg,
			 dm_sw_to_dm_status(sw));
		fprintf(ctx->err, "%s admin: %s\n", ctx->prog, text);
		dm_uc_alert(ctx, &o, t, DM_ALERT_TYPE_ADMIN_OP, DM_ALERT_MARK_WARNING, DM_POLICY_URI, text);
		dm_tree_close(&t);
		return DM_EXIT_DENIED;
	}
	/* AF1: accepted by the card; one tree transaction records it. */
	snprintf(key, sizeof(key), DM_POLICY_META_OVERRIDE "%s", res);
	snprintf(val, sizeof(val), "%s %lu", enable ? "enable" : "disable", ctr);
	rc = dm_tree_begin(t);
	if (!rc && !(rc = dm_tree_meta_set(t, key, val)))
		rc = dm_tree_commit(t);
	else if (!rc)
		dm_tree_rollback(t);
	snprintf(text, sizeof(text), "admin %s %s counter %lu verified by the card%s",
		 enable ? "enable" : "disable", res, ctr, rc ? " but NOT applied on the device" : ", applied");
	if (ctx->json) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "resource", json_object_new_string(res));
		json_object_object_add(j, "enabled", json_object_new_boolean(enable));
		json_object_object_add(j, "counter", json_object_new_int64((int64_t)ctr));
		json_object_object_add(j, "applied", json_object_new_boolean(!rc));
		dm_uc_put_json(ctx, j);
	} else
		fprintf(ctx->out, "%s\n", text);
	dm_uc_alert(ctx, &o, t, DM_ALERT_TYPE_ADMIN_OP, DM_ALERT_MARK_INFO, DM_POLICY_URI, text);
	dm_tree_close(&t);
	return rc ? DM_EXIT_FAIL : DM_EXIT_OK;
}
