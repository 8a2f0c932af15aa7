/*
 * example_counter.c - the example applet of docs/applet-api.md
 * (example_counter.h).
 *
 * Persistent region (2 bytes, zero-filled by the runtime at installation,
 * so no install callback is needed): [0, 2) the counter, big-endian.
 */
#include "example_counter.h"

#include "sw.h"

#define COUNTER_OFF 0u
#define COUNTER_LEN 2u

static uint16_t counter_process(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp)
{
	uint8_t b[COUNTER_LEN];

	/* b8 of CLA clear = interindustry (ISO 7816-4 §5.4.1): the runtime
	 * already answered SELECT and MANAGE CHANNEL; nothing else is ours. */
	if (!(cmd->cla & 0x80))
		return DM_SW_CLA_UNSUPPORTED;
	if (cmd->ins != DM_EXAMPLE_COUNTER_INS_INCREMENT)
		return DM_SW_INS_UNSUPPORTED;
	if (cmd->p1 != 0)
		return DM_SW_WRONG_P1P2;
	if (cmd->nc != 0)
		return DM_SW_WRONG_LENGTH;

	/* Reads are allowed at any time; the region is 2 bytes, so this
	 * cannot leave it (DM_E_VALUE otherwise). */
	if (dm_applet_read(ctx, COUNTER_OFF, b, sizeof b) != DM_OK)
		return DM_SW_MEMORY_PROBLEM;
	uint32_t v = (uint32_t)b[0] << 8 | b[1];
	if (v + cmd->p2 > 0xFFFFu)
		return DM_SW_CONDITIONS; /* checked before any write: nothing to undo */
	v += cmd->p2;
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
	if (cmd->p2 != 0) {
		/* The first write opens the command's store transaction; the
		 * runtime commits it because we answer 9000 (an error status
		 * word would roll it back), all or nothing even on power loss. */
		int rc = dm_applet_write(ctx, COUNTER_OFF, b, sizeof b);
		if (rc != DM_OK)
			return rc == DM_E_NOMEM ? DM_SW_NOT_ENOUGH_MEMORY : DM_SW_MEMORY_PROBLEM;
	}
	/* The runtime cuts the answer to Ne (none without Le, ISO 7816-3
	 * §12.1.3 case 1) and serves GET RESPONSE for T=0. */
	return dm_wbuf_put(resp, b, sizeof b) == DM_OK ? DM_SW_OK : DM_SW_TECHNICAL;
}

const dm_applet dm_example_counter_applet = {
	.name = "example-counter",
	.flags = 0, /* one channel at a time, no command chaining */
	.persistent_size = COUNTER_LEN,
	.process = counter_process,
};
