/*
 * commands.c - the table of dmsc-agent commands (host/agent.h).
 * SHARED: each helper adds one #include and one table line for each of its
 * commands; nothing else changes here.
 */
#include <stddef.h>

#include "agent.h"
#include "cmd_provision.h"
#include "approve.h"
#include "cmd_policy.h"
#include "copymo.h"
#include "cmd_tree.h"

const dm_command dm_commands[] = {
	{ "readers", "list PC/SC readers and their cards", dm_cmd_readers },
	{ "probe", "decode the ATR; does the card support DM_SC, is it provisioned", dm_cmd_probe },
	{ "apdu", "send raw APDUs (hex) and show the status words", dm_cmd_apdu },
	{ "pin", "PIN status|verify|change|unblock|enable|disable", dm_cmd_pin },
	{ "provision", "power-on procedure: read the card's provisioning data into the tree", dm_cmd_provision },
	{ "watch", "long-running device: poll the card, REFRESH, sessions, EF_DEVCHG", dm_cmd_watch },
	{ "policy", "5.3: each resource's state under the enterprise policy (status [--at])", dm_cmd_policy },
	{ "use", "5.3: use a resource: allowed, or blocked, logged on the card and reported", dm_cmd_use },
	{ "admin", "5.3: administrator operation, executed after the card verified it", dm_cmd_admin },
	{ "install", "5.4: install a package only if the card says the MA approved it", dm_cmd_install },
	{ "copy-mo", "5.2: copy a device MO to the card; --compare, --erase-local", dm_cmd_copy_mo },
	{ "tree", "the device's DM tree: show [URI], get URI, export [URI] (TNDS)", dm_cmd_tree },
	{ NULL, NULL, NULL },
};
