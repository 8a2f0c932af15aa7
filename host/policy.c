/*
 * policy.c - evaluation of the enterprise policy MO (DM_SC use case 5.3).
 *
 * The MO is ours (dmsc-reference "Enterprise policy MO"): Rules/<x>/
 * {Resource, Action, Days, From, To}, Resources/<r>/Default.  Precedence
 * [ours]: a card-verified administrator operation, then the last matching
 * rule (later rules refine earlier ones, as in a firewall list read
 * top-down with "last match wins"), then the resource's Default, then
 * enabled.
 */
#include "policy.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const day_names[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

static int copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		return DM_E_LENGTH;
	memcpy(dst, src, n + 1);
	return DM_OK;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > DM_POLICY_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)s[i]) || s[i] == ',')
			return false;
	return true;
}

int dm_policy_find_or_add(dm_policy *p, const char *name, dm_policy_resource **out)
{
	dm_policy_resource *r;

	if (!p || !name)
		return DM_E_ARG;
	if (!valid_name(name))
		return DM_E_VALUE;
	for (size_t i = 0; i < p->n_resources; i++) {
		if (!strcasecmp(p->resources[i].name, name)) {
			if (out)
				*out = &p->resources[i];
			return DM_OK;
		}
	}
	if (p->n_resources == DM_POLICY_MAX_RESOURCES)
		return DM_E_NOMEM;
	r = &p->resources[p->n_resources++];
	memset(r, 0, sizeof(*r));
	copy_str(r->name, sizeof(r->name), name);
	if (out)
		*out = r;
	return DM_OK;
}

void dm_policy_init(dm_policy *p)
{
	char list[] = DM_POLICY_BUILTIN_RESOURCES;
	char *save = NULL;

	memset(p, 0, sizeof(*p));
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
		dm_policy_find_or_add(p, t, NULL);
}

static int parse_day(const char *s, size_t n, int *day)
{
	for (int d = 0; d < 7; d++) {
		if (n == 3 && !strncasecmp(s, day_names[d], 3)) {
			*day = d;
			return DM_OK;
		}
	}
	return DM_E_VALUE;
}

int dm_policy_parse_days(const char *s, uint8_t *mask)
{
	uint8_t m = 0;

	if (!s || !mask)
		return DM_E_ARG;
	if (!*s || !strcmp(s, "*") || !strcasecmp(s, "Daily")) {
		*mask = 0x7F;
		return DM_OK;
	}
	while (*s) {
		const char *end = s + strcspn(s, ","), *dash = memchr(s, '-', (size_t)(end - s));
		int a, b;

		if (dash) {
			if (parse_day(s, (size_t)(dash - s), &a) ||
			    parse_day(dash + 1, (size_t)(end - dash - 1), &b))
				return DM_E_VALUE;
		} else {
			if (parse_day(s, (size_t)(end - s), &a))
				return DM_E_VALUE;
			b = a;
		}
		/* A range may wrap the week: Fri-Mon = Fri, Sat, Sun, Mon. */
		for (int d = a;; d = (d + 1) % 7) {
			m |= (uint8_t)(1u << d);
			if (d == b)
				break;
		}
		s = *end ? end + 1 : end;
		if (*end && !*s)
			return DM_E_VALUE;  /* trailing comma */
	}
	*mask = m;
	return DM_OK;
}

int dm_policy_parse_hhmm(const char *s, int *minutes)
{
	if (!s || !minutes)
		return DM_E_ARG;
	if (strlen(s) != 5 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    s[2] != ':' || !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return DM_E_VALUE;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');

	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return DM_E_VALUE;
	*minutes = h * 60 + m;
	return DM_OK;
}

int dm_policy_parse_action(const char *s, bool *enable)
{
	if (!s || !enable)
		return DM_E_ARG;
	if (!strcasecmp(s, "Enable") || !strcasecmp(s, "Enabled") || !strcmp(s, "1") ||
	    !strcasecmp(s, "true")) {
		*enable = true;
		return DM_OK;
	}
	if (!strcasecmp(s, "Disable") || !strcasecmp(s, "Disabled") || !strcmp(s, "0") ||
	    !strcasecmp(s, "false")) {
		*enable = false;
		return DM_OK;
	}
	return DM_E_VALUE;
}

/* Calls fn for every name of a comma-separated list (spaces around names ignored). */
static int each_name(const char *list, int (*fn)(const char *name, void *arg), void *arg)
{
	char name[DM_POLICY_NAME_MAX + 1];

	while (*list) {
		size_t n = strcspn(list, ",");
		const char *b = list, *e = list + n;

		while (b < e && isspace((unsigned char)*b))
			b++;
		while (e > b && isspace((unsigned char)e[-1]))
			e--;
		if (e == b || (size_t)(e - b) > DM_POLICY_NAME_MAX)
			return DM_E_VALUE;
		memcpy(name, b, (size_t)(e - b));
		name[e - b] = 0;
		int rc = fn(name, arg);

		if (rc)
			return rc;
		list += n;
		if (*list)
			list++;
	}
	return DM_OK;
}

static int check_name(const char *name, void *arg)
{
	(void)arg;
	return !strcmp(name, "*") || valid_name(name) ? DM_OK : DM_E_VALUE;
}

static int add_name(const char *name, void *arg)
{
	return strcmp(name, "*") ? dm_policy_find_or_add(arg, name, NULL) : DM_OK;
}

struct match_arg {
	const char *resource;
	bool found;
};

static int match_name(const char *name, void *arg)
{
	struct match_arg *m = arg;

	if (!strcmp(name, "*") || !strcasecmp(name, m->resource))
		m->found = true;
	return DM_OK;
}

int dm_policy_add_rule(dm_policy *p, const char *name, const char *resources,
		       const char *action, const char *days, const char *from, const char *to)
{
	dm_policy_rule r;
	size_t before;
	int rc;

	if (!p || !name || !resources || !action)
		return DM_E_ARG;
	memset(&r, 0, sizeof(r));
	if (copy_str(r.name, sizeof(r.name), name) ||
	    copy_str(r.resources, sizeof(r.resources), resources) || !*resources ||
	    each_name(resources, check_name, NULL) ||
	    dm_policy_parse_action(action, &r.enable) ||
	    dm_policy_parse_days(days ? days : "", &r.days))
		return DM_E_VALUE;
	r.from_min = 0;
	r.to_min = 24 * 60;
	if ((from && *from && dm_policy_parse_hhmm(from, &r.from_min)) ||
	    (to && *to && dm_policy_parse_hhmm(to, &r.to_min)))
		return DM_E_VALUE;
	if (copy_str(r.days_text, sizeof(r.days_text), days && *days ? days : "*") ||
	    copy_str(r.from_text, sizeof(r.from_text), from && *from ? from : "00:00") ||
	    copy_str(r.to_text, sizeof(r.to_text), to && *to ? to : "24:00"))
		return DM_E_VALUE;
	if (p->n_rules == DM_POLICY_MAX_RULES)
		return DM_E_NOMEM;
	before = p->n_resources;
	rc = each_name(resources, add_name, p);
	if (rc) {
		p->n_resources = before;  /* nothing added */
		return rc;
	}
	p->rules[p->n_rules++] = r;
	return DM_OK;
}

bool dm_policy_rule_matches(const dm_policy_rule *r, const char *resource, const struct tm *tm)
{
	struct match_arg m = { resource, false };
	int now, day;

	if (!r || !resource || !tm || tm->tm_wday < 0 || tm->tm_wday > 6)
		return false;
	each_name(r->resources, match_name, &m);
	if (!m.found)
		return false;
	now = tm->tm_hour * 60 + tm->tm_min;
	day = tm->tm_wday;
	if (r->from_min <= r->to_min) {
		/* [From, To): 09:00-18:00 holds at 09:00 and not at 18:00. */
		return (r->days >> day & 1) && now >= r->from_min && now < r->to_min;
	}
	/* To before From spans midnight: the window belongs to the day it starts on. */
	if (now >= r->from_min)
		return r->days >> day & 1;
	if (now < r->to_min)
		return r->days >> ((day + 6) % 7) & 1;
	return false;
}

int dm_policy_eval(const dm_policy *p, const char *resource, const struct tm *tm,
		   dm_policy_decision *out)
{
	const dm_policy_resource *res = NULL;

	if (!p || !resource || !tm || !out)
		return DM_E_ARG;
	for (size_t i = 0; i < p->n_resources; i++)
		if (!strcasecmp(p->resources[i].name, resource))
			res = &p->resources[i];
	if (!res)
		return DM_E_NOT_FOUND;
	out->rule = NULL;
	if (res->has_override) {
		out->enabled = res->override_enabled;
		out->source = DM_POLICY_FROM_ADMIN;
		return DM_OK;
	}
	for (size_t i = p->n_rules; i-- > 0;) {
		if (dm_policy_rule_matches(&p->rules[i], res->name, tm)) {
			out->enabled = p->rules[i].enable;
			out->source = DM_POLICY_FROM_RULE;
			out->rule = &p->rules[i];
			return DM_OK;
		}
	}
	out->enabled = res->has_default ? res->default_enabled : true;
	out->source = res->has_default ? DM_POLICY_FROM_DEFAULT : DM_POLICY_FROM_BUILTIN;
	return DM_OK;
}

int dm_policy_parse_time(const char *s, time_t *out)
{
	struct tm tm;
	int y, mo, d, h, mi, sec = 0, used = 0;

	if (!s || !out)
		return DM_E_ARG;
	if (!strcmp(s, "now")) {
		*out = time(NULL);
		return DM_OK;
	}
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi, &used) != 5)
		return DM_E_VALUE;
	if (s[used] == ':') {
		int more = 0;

		if (sscanf(s + used, ":%2d%n", &sec, &more) != 1)
			return DM_E_VALUE;
		used += more;
	}
	if (s[used] || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 59 || h < 0 || mi < 0 || sec < 0)
		return DM_E_VALUE;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	*out = mktime(&tm);
	/* mktime normalizes 31 February to March: refuse dates that moved. */
	if (*out == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != mo - 1)
		return DM_E_VALUE;
	return DM_OK;
}

const char *dm_policy_source_name(dm_policy_source s)
{
	switch (s) {
	case DM_POLICY_FROM_BUILTIN: return "built-in";
	case DM_POLICY_FROM_DEFAULT: return "default";
	case DM_POLICY_FROM_RULE: return "rule";
	case DM_POLICY_FROM_ADMIN: return "admin";
	}
	return "?";
}

int dm_policy_evlog_record(uint8_t type, uint32_t counter, uint32_t time_s, uint8_t action,
			   const char *name, dm_wbuf *out)
{
	uint8_t rec[DM_EVLOG_RECORD_LEN];
	size_t n;

	if (!name || !out)
		return DM_E_ARG;
	n = strlen(name);
	if (n > DM_EVLOG_NAME_MAX)
		n = DM_EVLOG_NAME_MAX;  /* the record holds 20 bytes; the alert has the full name */
	memset(rec, 0xFF, sizeof(rec));
	rec[0] = type;
	rec[1] = 0x00;  /* source: the device */
	dm_put_u32be(rec + 2, counter);
	dm_put_u32be(rec + 6, time_s);
	rec[10] = action;
	rec[11] = (uint8_t)n;
	memcpy(rec + 12, name, n);
	return dm_wbuf_put(out, rec, sizeof(rec));
}

int dm_policy_op_body(uint32_t counter, const char *resource, bool enable, dm_wbuf *out)
{
	size_t n, start;
	int rc;

	if (!resource || !out)
		return DM_E_ARG;
	n = strlen(resource);
	if (n == 0 || n > DM_POLICY_NAME_MAX)
		return DM_E_LENGTH;
	start = out->len;
	if ((rc = dm_wbuf_put_u8(out, 0x80)) || (rc = dm_wbuf_put_u8(out, 4)) ||
	    (rc = dm_wbuf_put_u32be(out, counter)) || (rc = dm_wbuf_put_u8(out, 0x81)) ||
	    (rc = dm_wbuf_put_u8(out, (uint8_t)n)) || (rc = dm_wbuf_put(out, resource, n)) ||
	    (rc = dm_wbuf_put_u8(out, 0x82)) || (rc = dm_wbuf_put_u8(out, 1)) ||
	    (rc = dm_wbuf_put_u8(out, enable ? 0x01 : 0x00)))
		out->len = start;
	return rc;
}

int dm_policy_op_data(uint32_t counter, const char *resource, bool enable, dm_bytes sig,
		      dm_wbuf *out)
{
	size_t start;
	int rc;

	if (!out || (!sig.ptr && sig.len))
		return DM_E_ARG;
	if (sig.len == 0 || sig.len > 139)
		return DM_E_LENGTH;
	start = out->len;
	if ((rc = dm_policy_op_body(counter, resource, enable, out)))
		return rc;
	if ((rc = dm_wbuf_put_u8(out, 0x9E)) ||
	    (sig.len >= 0x80 && (rc = dm_wbuf_put_u8(out, 0x81))) ||
	    (rc = dm_wbuf_put_u8(out, (uint8_t)sig.len)) || (rc = dm_wbuf_put(out, sig.ptr, sig.len)))
		out->len = start;
	return rc;
}
