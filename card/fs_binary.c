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
#include "tlv.h"

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

/* --- p: odd INS B1 / D7 (ISO 7816-4 §11.2.3, §11.2.4; GEN-12) ---
 *
 * P1-P2 0000: the current EF; P1 00 with P2 b8-b6 = 000 and b5-b1 an SFI:
 * that EF of the current DF (made current).  Other file identifiers are
 * not supported here (6A86): select the EF first.  The data field holds
 * the offset data object 54 (1..4 bytes, big-endian), for D7 followed by
 * the discretionary data object 53 with the bytes to write; B1 answers the
 * bytes inside 53.  Offsets reach the whole of a large EF (up to
 * DM_FS_MAX_LARGE_EF_SIZE), beyond the 15 bits of B0/D6. */
static uint16_t odd_params(const dm_capdu *cmd, uint8_t *sfi, uint32_t *off, dm_bytes *data)
{
	dm_tlv_iter it;
	dm_tlv t;
	bool have_off = false;
	int rc;

	*sfi = 0;
	data->ptr = NULL;
	data->len = 0;
	if (cmd->p1 != 0 || (cmd->p2 & 0xE0u) != 0)
		return DM_SW_WRONG_P1P2;
	if (cmd->p2 != 0) {
		*sfi = cmd->p2 & 0x1Fu;
		if (*sfi == 31)
			return DM_SW_WRONG_P1P2;
	}
	dm_tlv_iter_init(&it, cmd->data, cmd->nc);
	while ((rc = dm_tlv_next(&it, &t)) == 1) {
		if (t.tag == 0x54 && !have_off) {
			if (t.len == 0 || t.len > 4)
				return DM_SW_WRONG_DATA;
			*off = 0;
			for (size_t i = 0; i < t.len; i++)
				*off = *off << 8 | t.value[i];
			have_off = true;
		} else if (t.tag == 0x53 && data->ptr == NULL) {
			data->ptr = t.value;
			data->len = t.len;
		} else {
			return DM_SW_WRONG_DATA;
		}
	}
	if (rc < 0 || !have_off)
		return DM_SW_WRONG_DATA;
	return DM_SW_OK;
}

/* The command's EF (checked for life cycle and access), offset and 53
 * data: a read has no 53 and an Ne, a write a non-empty 53. */
static uint16_t odd_target(struct fs_op *op, bool write, struct fs_hdr *h, uint32_t *off,
			   dm_bytes *data)
{
	uint8_t sfi;
	uint16_t sw = odd_params(op->cmd, &sfi, off, data);

	if (sw != DM_SW_OK)
		return sw;
	if (write ? data->len == 0 : data->ptr != NULL)
		return DM_SW_WRONG_DATA;
	if (!write && op->cmd->ne == 0)
		return DM_SW_WRONG_LENGTH;
	sw = binary_target(op, sfi, write ? DM_SEC_OP_UPDATE : DM_SEC_OP_READ, h);
	if (sw != DM_SW_OK)
		return sw;
	return *off >= h->size ? DM_SW_WRONG_P1P2_OFFSET : DM_SW_OK;
}

uint16_t dm_fsi_read_binary_odd(struct fs_op *op)
{
	const dm_capdu *cmd = op->cmd;
	struct fs_hdr h;
	uint32_t off;
	dm_bytes none;
	uint16_t sw = odd_target(op, false, &h, &off, &none);

	if (sw != DM_SW_OK)
		return sw;
	/* Room for the bytes and the 53 header within Ne. */
	size_t n = h.size - off;
	size_t room = cmd->ne;
	size_t hdr = 1 + dm_tlv_len_size(n < room ? n : room);
	if (room <= hdr)
		return DM_SW_WRONG_LENGTH;
	if (n > room - hdr)
		n = room - hdr;
	const uint8_t *v;
	int rc = dm_applet_store_view(op->ctx, h.body + off, n, &v);
	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	if (dm_tlv_put(op->resp, 0x53, v, n) != DM_OK)
		return DM_SW_TECHNICAL;
	return h.size - off < room - hdr && !fs_le_is_max(cmd) ? DM_SW_EOF_BEFORE_LE : DM_SW_OK;
}

uint16_t dm_fsi_update_binary_odd(struct fs_op *op)
{
	struct fs_hdr h;
	uint32_t off;
	dm_bytes data;
	uint16_t sw = odd_target(op, true, &h, &off, &data);

	if (sw != DM_SW_OK)
		return sw;
	if (data.len > h.size - off)
		return DM_SW_WRONG_LENGTH;
	return dm_fsi_sw(dm_applet_store_write(op->ctx, h.body + off, data.ptr, data.len));
}
