/*
 * fs_binary.c - READ BINARY (B0) and UPDATE BINARY (D6) on transparent EFs
 * (TS 102 221 §11.1.3, §11.1.4; ISO 7816-4 §11.2.3, §11.2.5).
 *
 * P1 b8 = 0: offset P1-P2 (15 bits).  P1 b8 = 1: P1 b5-b1 is an SFI of the
 * current DF (b7-b6 zero), which becomes the current EF, and P2 the offset.
 * Reading: an offset at or past the end is 6B00; fewer bytes left than Le
 * gives those bytes and 6282 (ISO 7816-4 §11.2.3), except for Le = 00 /
 * 0000, which asks for "up to 256 / 65536" and gets them with 9000.
 * Updating: an offset at or past the end is 6B00, data running past it
 * 6700; the write is one store transaction (all or nothing).
 */
#include "fs_int.h"

#include "sw.h"

/* P1 of a binary command: offset and SFI.  9000 or 6A86. */
static uint16_t binary_params(const dm_capdu *cmd, uint8_t *sfi, uint32_t *off)
{
	if (cmd->p1 & 0x80u) {
		/* b7-b6 must be 0; SFI 00000 and 11111 name no EF. */
		*sfi = cmd->p1 & 0x1Fu;
		if ((cmd->p1 & 0x60u) != 0 || *sfi == 0 || *sfi == 31)
			return DM_SW_WRONG_P1P2;
		*off = cmd->p2;
	} else {
		*sfi = 0;
		*off = (uint32_t)cmd->p1 << 8 | cmd->p2;
	}
	return DM_SW_OK;
}

/* The transparent EF a binary command addresses, checked for life cycle
 * and access. */
static uint16_t binary_target(struct fs_op *op, uint8_t sfi, dm_sec_op sop, struct fs_hdr *h)
{
	int32_t idx;
	uint16_t sw = dm_fsi_target_ef(op, sfi, &idx, h);

	if (sw != DM_SW_OK)
		return sw;
	if (dm_fcp_structure_of(h->fdb) != DM_FCP_STRUCT_TRANSPARENT)
		return DM_SW_CMD_INCOMPATIBLE;
	sw = dm_fsi_usable(h);
	if (sw != DM_SW_OK)
		return sw;
	return dm_fsi_access(op, idx, h, sop);
}

uint16_t dm_fsi_read_binary(struct fs_op *op)
{
	const dm_capdu *cmd = op->cmd;
	struct fs_hdr h;
	uint8_t sfi;
	uint32_t off;
	uint16_t sw = binary_params(cmd, &sfi, &off);

	if (sw != DM_SW_OK)
		return sw;
	if (cmd->nc != 0 || cmd->ne == 0)
		return DM_SW_WRONG_LENGTH;
	sw = binary_target(op, sfi, DM_SEC_OP_READ, &h);
	if (sw != DM_SW_OK)
		return sw;
	if (off >= h.size)
		return DM_SW_WRONG_P1P2_OFFSET;
	size_t n = h.size - off;
	if (n > cmd->ne)
		n = cmd->ne;
	const uint8_t *v;
	int rc = dm_applet_store_view(op->ctx, h.body + off, n, &v);
	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	if (dm_wbuf_put(op->resp, v, n) != DM_OK)
		return DM_SW_TECHNICAL;
	return n < cmd->ne && !fs_le_is_max(cmd) ? DM_SW_EOF_BEFORE_LE : DM_SW_OK;
}

uint16_t dm_fsi_update_binary(struct fs_op *op)
{
	const dm_capdu *cmd = op->cmd;
	struct fs_hdr h;
	uint8_t sfi;
	uint32_t off;
	uint16_t sw = binary_params(cmd, &sfi, &off);

	if (sw != DM_SW_OK)
		return sw;
	if (cmd->nc == 0)
		return DM_SW_WRONG_LENGTH;
	sw = binary_target(op, sfi, DM_SEC_OP_UPDATE, &h);
	if (sw != DM_SW_OK)
		return sw;
	if (off >= h.size)
		return DM_SW_WRONG_P1P2_OFFSET;
	if (cmd->nc > h.size - off)
		return DM_SW_WRONG_LENGTH;
	return dm_fsi_sw(dm_applet_store_write(op->ctx, h.body + off, cmd->data, cmd->nc));
}
