/*
 * chain.c - ISO 7816-4 §5.1.1.1 command chaining: commands with CLA b5 set
 * are parts of one logical command; the part with b5 clear ends it.  The
 * runtime joins the parts here, so applets with DM_APPLET_CHAINING see one
 * command with all the data (at most DM_APDU_EXT_MAX_NC bytes, the most an
 * extended Lc could carry in one command).
 */
#include "runtime_int.h"

#include <string.h>

bool dm_chain_continues(const struct dm_chain *k, const dm_capdu *cmd)
{
	return k->active && (uint8_t)(cmd->cla & ~DM_CLA_CHAIN_BIT) == k->cla &&
	       cmd->ins == k->ins && cmd->p1 == k->p1 && cmd->p2 == k->p2;
}

int dm_chain_append(struct dm_chain *k, const dm_capdu *cmd)
{
	if (!k->active) {
		k->active = true;
		k->cla = (uint8_t)(cmd->cla & ~DM_CLA_CHAIN_BIT);
		k->ins = cmd->ins;
		k->p1 = cmd->p1;
		k->p2 = cmd->p2;
		k->len = 0;
	}
	if (cmd->nc > DM_APDU_EXT_MAX_NC - k->len) {
		dm_chain_drop(k);
		return DM_E_LENGTH;
	}
	if (cmd->nc != 0)
		memcpy(k->buf + k->len, cmd->data, cmd->nc);
	k->len += cmd->nc;
	return DM_OK;
}

void dm_chain_drop(struct dm_chain *k)
{
	k->active = false;
	k->len = 0;
}
