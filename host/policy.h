/*
 * policy.h - the portable enterprise policy on the device (DM_SC use case
 * 5.3 and the "enterprise monitor" change request).
 *
 * The policy MO (./Ext/DMSCPolicy, urn:x-dmsc:mo:enterprise-policy:1.0,
 * dmsc-reference "TNDS essentials") comes from the card's EF_POLICY through
 * provisioning into the device's DM tree.  This module evaluates it:
 *   state(resource, time) = the administrator's override if one was
 *   verified by the card (80 38), else the action of the LAST rule whose
 *   Resource list names the resource and whose Days/From/To window holds
 *   the time, else Resources/<r>/Default, else enabled.
 * Evaluation is pure (no I/O) and takes the time as an argument so tests
 * pass any --at time.
 */
#ifndef DM_POLICY_H
#define DM_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dm_common.h"

#define DM_POLICY_NAME_MAX 32   /* resource names: 1..32 bytes (80 38 tag 81) */
#define DM_POLICY_MAX_RESOURCES 32
#define DM_POLICY_MAX_RULES 32

/* Resources every device models even when the policy names none. */
#define DM_POLICY_BUILTIN_RESOURCES "Camera,Bluetooth,IR,USB,WLAN"

typedef enum dm_policy_source {
	DM_POLICY_FROM_BUILTIN,  /* no policy says anything: enabled */
	DM_POLICY_FROM_DEFAULT,  /* Resources/<r>/Default */
	DM_POLICY_FROM_RULE,     /* Rules/<x> applies now */
	DM_POLICY_FROM_ADMIN,    /* an administrator operation the card verified */
} dm_policy_source;

typedef struct dm_policy_rule {
	char name[DM_POLICY_NAME_MAX + 1];  /* the Rules/<x> node name */
	char resources[256];                /* comma-separated list, "*" = all */
	bool enable;                        /* Action: Enable / Disable */
	uint8_t days;                       /* bit d = weekday d (0 Sunday .. 6 Saturday) */
	int from_min, to_min;               /* minutes after midnight; to < from spans midnight */
	char days_text[32], from_text[8], to_text[8];  /* as written, for display */
} dm_policy_rule;

typedef struct dm_policy_resource {
	char name[DM_POLICY_NAME_MAX + 1];
	bool has_default;
	bool default_enabled;
	bool has_override;      /* admin operation verified by the card */
	bool override_enabled;
	uint32_t override_counter;
} dm_policy_resource;

typedef struct dm_policy {
	char id[64];
	long version;
	size_t n_resources;
	dm_policy_resource resources[DM_POLICY_MAX_RESOURCES];
	size_t n_rules;
	dm_policy_rule rules[DM_POLICY_MAX_RULES];
} dm_policy;

typedef struct dm_policy_decision {
	bool enabled;
	dm_policy_source source;
	const dm_policy_rule *rule;   /* borrowed from the policy when source is RULE */
} dm_policy_decision;

/* An empty policy with the built-in resources (all enabled). */
void dm_policy_init(dm_policy *p);

/* Find or add a resource (name 1..32 printable bytes); DM_E_NOMEM when full. */
int dm_policy_find_or_add(dm_policy *p, const char *name, dm_policy_resource **out);

/* "Mon-Fri", "Sat,Sun", "Mon,Wed-Fri", "*" or "" (every day); DM_E_VALUE otherwise. */
int dm_policy_parse_days(const char *s, uint8_t *mask);
/* "HH:MM", 00:00..24:00; DM_E_VALUE otherwise. */
int dm_policy_parse_hhmm(const char *s, int *minutes);
/* "Enable"/"Disable" (case-insensitive, also "1"/"0", "true"/"false"). */
int dm_policy_parse_action(const char *s, bool *enable);

/*
 * Add a rule from the MO's text values (Days/From/To may be NULL or empty:
 * every day / from midnight / until midnight).  Each resource the rule names
 * is added to the table.  DM_E_VALUE (and nothing added) for a malformed value.
 */
int dm_policy_add_rule(dm_policy *p, const char *name, const char *resources,
		       const char *action, const char *days, const char *from, const char *to);

/* Does the rule name the resource (case-insensitive), and is its window open at tm? */
bool dm_policy_rule_matches(const dm_policy_rule *r, const char *resource, const struct tm *tm);

/* The state of resource at local time tm (see the top of this file). */
int dm_policy_eval(const dm_policy *p, const char *resource, const struct tm *tm,
		   dm_policy_decision *out);

/* "YYYY-MM-DDTHH:MM[:SS]" (local time) or "now"; DM_E_VALUE otherwise. */
int dm_policy_parse_time(const char *s, time_t *out);

const char *dm_policy_source_name(dm_policy_source s);

/* ---- wire formats of the card side (docs/dmsc-security.md) ---- */

#define DM_EVLOG_RECORD_LEN 32u
#define DM_EVLOG_NAME_MAX 20u
#define DM_EVLOG_FORBIDDEN_USE 0x01u
#define DM_EVLOG_ACTION_NONE 0xFFu

/*
 * An EF_EVLOG record [ours, docs/dmsc-security.md "EF_EVLOG"]: type, source
 * 00 (device), counter, time (seconds since 1970 UTC), action, name length,
 * name (cut to 20 bytes), FF padding.  out gets exactly 32 bytes.
 */
int dm_policy_evlog_record(uint8_t type, uint32_t counter, uint32_t time_s, uint8_t action,
			   const char *name, dm_wbuf *out);

/*
 * The signed part of a policy operation (80 38): 80 04 counter, 81 n
 * resource (1..32 bytes), 82 01 action (00 disable, 01 enable).  The
 * administrator signs SHA-256("DMSC-PO1" || these bytes) with the
 * enterprise key; the command data is these bytes then 9E L signature.
 */
int dm_policy_op_body(uint32_t counter, const char *resource, bool enable, dm_wbuf *out);
/* The whole data field: body, then 9E with a 1-byte or 81 xx length (sig 1..139 bytes). */
int dm_policy_op_data(uint32_t counter, const char *resource, bool enable, dm_bytes sig,
		      dm_wbuf *out);

#endif
