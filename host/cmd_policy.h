/*
 * cmd_policy.h - the enterprise policy commands (use case 5.3): `policy
 * status`, `use RESOURCE`, `admin enable|disable RESOURCE`, and loading
 * the policy from the device's DM tree.
 */
#ifndef DM_HOST_CMD_POLICY_H
#define DM_HOST_CMD_POLICY_H

#include "agent.h"
#include "dmtree.h"
#include "policy.h"

#define DM_POLICY_URI "./Ext/DMSCPolicy"
/* Device state table: tree metadata keys [ours]. */
#define DM_POLICY_META_OVERRIDE "policy.override."   /* + resource: "enable N" / "disable N" */
#define DM_POLICY_META_EVENTS "policy.events"        /* the device's event counter */

/*
 * Fill p from ./Ext/DMSCPolicy (Rules/<x> in numeric-then-name order,
 * Resources/<r>/Default) and the device state table.  No policy in the tree
 * = the built-in resources, all enabled.  DM_E_VALUE for a malformed rule
 * (*bad gets its URI, cap bytes).
 */
int dm_policy_load(dm_tree *t, dm_policy *p, char *bad, size_t cap);

int dm_cmd_policy(int argc, char **argv, dm_agent *ctx);
int dm_cmd_use(int argc, char **argv, dm_agent *ctx);
int dm_cmd_admin(int argc, char **argv, dm_agent *ctx);

#endif
