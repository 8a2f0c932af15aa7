/*
 * fs_select.c - SELECT (TS 102 221 §11.1.1, selection rules §8.4.1-§8.4.2)
 * and STATUS (§11.1.2), and how READ/UPDATE/SEARCH find their EF.
 *
 * SELECT by file identifier (P1 00) reaches, in this order (§8.4.1):
 * the MF (3F00), the current application's ADF (7FFF), the current DF
 * itself, any child of the current DF, the parent of the current DF, and
 * any DF child of that parent (a sibling DF).  P1 01 is a child DF, P1 03
 * the parent DF, P1 08 a path from the MF and P1 09 a path from the
 * current DF (§8.4.2; 7FFF may start a path).  P1 04 (by AID) is the
 * runtime's: it selects the ADF application, which calls dm_fs_select_adf.
 * A failed selection changes nothing (6A82).
 */
#include "fs_int.h"

#include "sw.h"

#define P1_FID 0x00u
#define P1_CHILD_DF 0x01u
#define P1_PARENT 0x03u
#define P1_PATH_MF 0x08u
#define P1_PATH_DF 0x09u

/* P2 (TS 102 221 §11.1.1.2 table 11.2): 04 return the FCP, 0C no data.
 * 00 (ISO 7816-4 "return FCI") is answered with the FCP, which is what
 * readers asking for an FCI get from UICCs. */
#define P2_FCI 0x00u
#define P2_FCP 0x04u
#define P2_NONE 0x0Cu

/* A reference to one FID from the current DF (P1 00). */
static int32_t by_fid(const struct fs_op *op, uint16_t fid)
{
	const dm_fs *fs = op->fs;
	int32_t df = dm_fsi_cur_df(op);
	int32_t i;

	if (fid == DM_FID_MF)
		return fs->root;
	if (fid == DM_FID_CURRENT_ADF)
		return dm_fsi_cur_adf(op);
	if (fs->nodes[df].has_fid && fs->nodes[df].fid == fid)
		return df;
	i = dm_fsi_child(fs, df, fid);
	if (i != FS_NONE)
		return i;
	int32_t parent = fs->nodes[df].parent;
	if (parent == FS_NONE)
		return FS_NONE;
	if (fs->nodes[parent].has_fid && fs->nodes[parent].fid == fid)
		return parent;
	i = dm_fsi_child(fs, parent, fid);
	return i != FS_NONE && fs->nodes[i].kind != FS_EF ? i : FS_NONE;
}

/* A path of FIDs from `start`, each but the last a DF. */
static uint16_t by_path(const struct fs_op *op, int32_t start, const uint8_t *p, size_t n,
			int32_t *out)
{
	const dm_fs *fs = op->fs;
	int32_t cur = start;

	if (n == 0 || n % 2 != 0 || n > 2u * (DM_FS_MAX_DEPTH + 2u))
		return DM_SW_WRONG_LENGTH;
	for (size_t i = 0; i < n; i += 2) {
		uint16_t fid = dm_get_u16be(p + i);
		if (cur == FS_NONE || fs->nodes[cur].kind == FS_EF)
			return DM_SW_FILE_NOT_FOUND;
		if (i == 0 && fid == DM_FID_CURRENT_ADF)
			cur = dm_fsi_cur_adf(op);
		else if (i == 0 && fid == DM_FID_MF && start == fs->root)
			cur = fs->root; /* tolerated: a path from the MF naming it */
		else
			cur = dm_fsi_child(fs, cur, fid);
	}
	if (cur == FS_NONE)
		return DM_SW_FILE_NOT_FOUND;
	*out = cur;
	return DM_SW_OK;
}

uint16_t dm_fsi_resolve(struct fs_op *op, uint8_t p1, const uint8_t *data, size_t n,
			int32_t *idx)
{
	int32_t i;

	switch (p1) {
	case P1_FID:
		/* No data: the MF (ISO 7816-4 §11.1.1). */
		if (n == 0) {
			*idx = op->fs->root;
			return DM_SW_OK;
		}
		if (n != 2)
			return DM_SW_WRONG_LENGTH;
		i = by_fid(op, dm_get_u16be(data));
		break;
	case P1_CHILD_DF:
		if (n != 2)
			return DM_SW_WRONG_LENGTH;
		i = dm_fsi_child(op->fs, dm_fsi_cur_df(op), dm_get_u16be(data));
		if (i != FS_NONE && op->fs->nodes[i].kind == FS_EF)
			i = FS_NONE;
		break;
	case P1_PARENT:
		if (n != 0)
			return DM_SW_WRONG_LENGTH;
		i = op->fs->nodes[dm_fsi_cur_df(op)].parent;
		break;
	case P1_PATH_MF:
		return by_path(op, op->fs->root, data, n, idx);
	case P1_PATH_DF:
		return by_path(op, dm_fsi_cur_df(op), data, n, idx);
	default:
		return DM_SW_WRONG_P1P2;
	}
	if (i == FS_NONE)
		return DM_SW_FILE_NOT_FOUND;
	*idx = i;
	return DM_SW_OK;
}

/* The status word a selection of h answers (TS 102 221 §11.1.1.3 and
 * table 10.16): a deactivated file is selected with 6283, a terminated
 * one with 6285. */
static uint16_t selected_sw(const struct fs_hdr *h)
{
	switch (dm_fcp_life_cycle(h->lcsi)) {
	case DM_FCP_LCS_DEACTIVATED:
		return 0x6283u;
	case DM_FCP_LCS_TERMINATED:
		return 0x6285u;
	default:
		return DM_SW_OK;
	}
}

/* Make idx current and answer as P2 asks. */
static uint16_t select_node(struct fs_op *op, int32_t idx, uint8_t p2)
{
	struct fs_hdr h;
	int rc = dm_fsi_hdr_read(op->ctx, op->fs->nodes[idx].hdr, &h);

	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	dm_fsi_set_current(op, idx);
	uint16_t sw = selected_sw(&h);
	if (p2 != P2_NONE) {
		uint16_t fsw = dm_fsi_fcp(op, idx, &h, op->resp);
		if (fsw != DM_SW_OK)
			return fsw;
	}
	return sw;
}

uint16_t dm_fsi_select(struct fs_op *op)
{
	const dm_capdu *cmd = op->cmd;
	int32_t idx;

	if (cmd->p2 != P2_FCP && cmd->p2 != P2_NONE && cmd->p2 != P2_FCI)
		return DM_SW_WRONG_P1P2;
	uint16_t sw = dm_fsi_resolve(op, cmd->p1, cmd->data, cmd->nc, &idx);
	if (sw != DM_SW_OK)
		return sw;
	return select_node(op, idx, cmd->p2);
}

uint16_t dm_fs_select_adf(dm_applet_ctx *ctx, dm_bytes aid, const dm_capdu *cmd, dm_wbuf *resp)
{
	dm_fs *fs;
	int rc = dm_fs_get(ctx, &fs);

	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	struct fs_op op = {
		.fs = fs,
		.ctx = ctx,
		.ch = &fs->ch[dm_applet_channel(ctx)],
		.cmd = cmd,
		.resp = resp,
	};
	int32_t idx = dm_fsi_adf_by_aid(fs, aid.ptr, aid.len);
	if (idx == FS_NONE)
		return DM_SW_FILE_NOT_FOUND;
	/* P2 b4-b3 says what to return (TS 102 221 table 11.2); b2-b1, the
	 * occurrence, was the runtime's. */
	uint8_t what = cmd != NULL ? (uint8_t)(cmd->p2 & 0x0Cu) : P2_NONE;
	if (what == 0x08u)
		return DM_SW_WRONG_P1P2;
	return select_node(&op, idx, what);
}

uint16_t dm_fsi_status(struct fs_op *op)
{
	const dm_capdu *cmd = op->cmd;
	int32_t df = dm_fsi_cur_df(op);
	struct fs_hdr h;

	/* P1 (TS 102 221 §11.1.2): 00 no indication, 01 the current
	 * application is initialised, 02 the terminal will end it. */
	if (cmd->p1 > 0x02)
		return DM_SW_WRONG_P1P2;
	if (cmd->nc != 0)
		return DM_SW_WRONG_LENGTH;
	switch (cmd->p2) {
	case 0x00: {
		int rc = dm_fsi_hdr_read(op->ctx, op->fs->nodes[df].hdr, &h);
		if (rc != DM_OK)
			return dm_fsi_sw(rc);
		uint16_t sw = dm_fsi_fcp(op, df, &h, op->resp);
		return sw != DM_SW_OK ? sw : selected_sw(&h);
	}
	case 0x01: {
		/* The current application's DF name as a TLV (84). */
		int32_t adf = dm_fsi_cur_adf(op);
		if (adf == FS_NONE)
			return DM_SW_WRONG_P1P2;
		int rc = dm_fsi_hdr_read(op->ctx, op->fs->nodes[adf].hdr, &h);
		if (rc != DM_OK)
			return dm_fsi_sw(rc);
		if (dm_wbuf_put_u8(op->resp, 0x84) != DM_OK ||
		    dm_wbuf_put_u8(op->resp, h.aid_len) != DM_OK ||
		    dm_wbuf_put(op->resp, h.aid, h.aid_len) != DM_OK)
			return DM_SW_TECHNICAL;
		return DM_SW_OK;
	}
	case 0x0C:
		return DM_SW_OK;
	default:
		return DM_SW_WRONG_P1P2;
	}
}

uint16_t dm_fsi_target_ef(struct fs_op *op, uint8_t sfi, int32_t *idx, struct fs_hdr *h)
{
	int32_t i;

	if (sfi != 0) {
		/* SFI: an EF of the current DF (TS 102 221 §8.4.2), which
		 * becomes the current EF; the record pointer stays when it
		 * already was. */
		i = dm_fsi_child_sfi(op->fs, dm_fsi_cur_df(op), sfi);
		if (i == FS_NONE)
			return DM_SW_FILE_NOT_FOUND;
		if (op->ch->ef != op->fs->nodes[i].hdr)
			dm_fsi_set_current(op, i);
	} else {
		i = dm_fsi_cur_ef(op);
		if (i == FS_NONE)
			return DM_SW_NO_EF_SELECTED;
	}
	int rc = dm_fsi_hdr_read(op->ctx, op->fs->nodes[i].hdr, h);
	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	*idx = i;
	return DM_SW_OK;
}
