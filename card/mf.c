/*
 * mf.c - the minimal MF of the runtime's test card (mf.h): an empty DF that
 * readers (pcsc_scan, opensc-tool -s 00A4000C023F00) can select.  The
 * default card's MF is the UICC file system (card/uicc.h, card/fs.h).
 */
#include "mf.h"

#include "fcp.h"
#include "sw.h"

#define INS_SELECT 0xA4u

/* SELECT P2 (TS 102 221 §11.1.1.2): 04 FCP, 0C no data; 00 (ISO 7816-4
 * "FCI") is answered with the FCP as well. */
#define P2_FCI 0x00u
#define P2_FCP 0x04u
#define P2_NONE 0x0Cu

/* The MF's FCP (TS 102 221 §11.1.1.3.1): every object the spec makes
 * mandatory for the MF, so dm_fcp_check() accepts it. */
static int mf_fcp(dm_wbuf *resp)
{
	dm_fcp f = {
		/* shareable DF (table 11.5), data coding 21 */
		.fdb = DM_FCP_FDB_SHAREABLE | DM_FCP_FDB_DF,
		.data_coding = DM_FCP_DATA_CODING,
		.has_fid = true,
		.fid = 0x3F00,
		.has_proprietary = true,
		/* UICC characteristics (§11.1.1.4.6.1): b1 clock stop allowed,
		 * no preferred level; b5-b7 supply classes A, B, C (as TA for
		 * T=15 in the ATR). */
		.has_uicc_chars = true,
		.uicc_chars = 0x71,
		.has_lcsi = true,
		.lcsi = DM_FCP_LCSI_ACTIVATED,
		/* Access rules by reference to EF_ARR 2F06 record 1 (READ
		 * always, UPDATE ADM: the card profile's rule for the MF). */
		.sec = DM_FCP_SEC_REFERENCED,
		.arr_fid = 0x2F06,
		.arr_record = 1,
		/* PIN status template with no key reference yet. */
		.has_pin_status = true,
	};
	return dm_fcp_build(&f, resp);
}

/* SELECT of the MF: P1 00 with 3F00 or no data, or P1 04 (by DF name)
 * with no name, which the runtime routes to the default application
 * (ISO 7816-4 §11.1.1).  Every other file is unknown to the stand-in. */
static uint16_t mf_select_cmd(const dm_capdu *cmd, dm_wbuf *resp)
{
	bool by_empty_name = cmd->p1 == 0x04 && cmd->nc == 0;

	if (!by_empty_name) {
		if (cmd->p1 != 0x00)
			return DM_SW_FILE_NOT_FOUND;
		if (cmd->nc != 0 && cmd->nc != 2)
			return DM_SW_WRONG_LENGTH;
		if (cmd->nc == 2 && (cmd->data[0] != 0x3F || cmd->data[1] != 0x00))
			return DM_SW_FILE_NOT_FOUND;
	}
	switch (cmd->p2) {
	case P2_NONE:
		return DM_SW_OK;
	case P2_FCI:
	case P2_FCP:
		return mf_fcp(resp) == DM_OK ? DM_SW_OK : DM_SW_TECHNICAL;
	default:
		return DM_SW_WRONG_P1P2;
	}
}

static uint16_t mf_select(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp)
{
	(void)ctx;
	if (cmd == NULL || cmd->ins != INS_SELECT)
		return DM_SW_OK; /* implicit selection: no data */
	return mf_select_cmd(cmd, resp);
}

static uint16_t mf_process(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp)
{
	(void)ctx;
	if (cmd->ins != INS_SELECT)
		return DM_SW_INS_UNSUPPORTED;
	if (cmd->cla & 0x80)
		return DM_SW_CLA_UNSUPPORTED;
	return mf_select_cmd(cmd, resp);
}

const dm_applet dm_mf_applet = {
	.name = "MF",
	.flags = DM_APPLET_MULTISELECTABLE,
	.select = mf_select,
	.process = mf_process,
};
