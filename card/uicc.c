/*
 * uicc.c - the MF default application and the generic ADF application
 * (uicc.h) over the file system service (fs.h).
 */
#include "uicc.h"

#include "fs.h"
#include "profile.h"
#include "sw.h"
#include "toolkit.h"

uint16_t dm_uicc_process(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp)
{
	return dm_fs_process(ctx, cmd, resp);
}

/* --- the MF --- */

static int mf_install(dm_applet_ctx *ctx)
{
	const dm_profile *p = dm_applet_profile(ctx);
	/* No profile: the embedded default failed to load (memory). */
	return p != NULL ? dm_profile_install(ctx, p) : DM_E_NOMEM;
}

static uint16_t mf_select(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp)
{
	/* Implicit selection: power-on, or a channel opened from the basic
	 * channel, which starts at the MF (ISO 7816-4 §11.1.2). */
	if (cmd == NULL) {
		dm_fs_channel_reset(ctx);
		return DM_SW_OK;
	}
	/* The runtime routes SELECT MF (P1 00, 3F00 or no data) and SELECT
	 * by an empty DF name here: answer it as the file system does. */
	if (cmd->p1 == 0x04) {
		dm_capdu mf = *cmd;
		mf.p1 = 0x00;
		mf.p2 = (uint8_t)(cmd->p2 & 0x0Cu);
		return dm_fs_process(ctx, &mf, resp);
	}
	return dm_fs_process(ctx, cmd, resp);
}

static void mf_power(dm_applet_ctx *ctx, dm_power_event ev)
{
	dm_fs_power(ctx, ev);
}

/* A UICC has the card application toolkit (TS 102 221 §14, TS 102 223):
 * this registration, with no events, turns the runtime's toolkit on. */
static const dm_toolkit_applet mf_toolkit = { .events = 0 };

const dm_applet dm_uicc_mf_applet = {
	.name = "MF",
	.toolkit = &mf_toolkit,
	.flags = DM_APPLET_MULTISELECTABLE,
	.install = mf_install,
	.select = mf_select,
	.process = dm_uicc_process,
	.power = mf_power,
};

/* --- ADF applications --- */

uint16_t dm_uicc_adf_select(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp)
{
	return dm_fs_select_adf(ctx, dm_applet_aid(ctx), cmd, resp);
}

const dm_applet dm_uicc_adf_applet = {
	.name = "ADF",
	.flags = DM_APPLET_MULTISELECTABLE,
	.select = dm_uicc_adf_select,
	.process = dm_uicc_process,
};
