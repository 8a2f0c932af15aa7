/*
 * fs_record.c - READ RECORD (B2), UPDATE RECORD (DC) and SEARCH RECORD (A2)
 * on linear fixed and cyclic EFs (TS 102 221 §11.1.5-§11.1.7).
 *
 * P2 b8-b4: SFI of the current DF (00000 = the current EF); b3-b1 the mode:
 *   010 next, 011 previous, 100 absolute (P1 = record) / current (P1 = 00).
 * Record pointer (one per channel): absolute and current leave it; next
 * and previous move it first (unset: next = record 1, previous = the last
 * record), and stop at the ends of a linear fixed EF (6A83, pointer
 * unchanged) but wrap round in a cyclic one.
 * Cyclic EF: record 1 is the newest.  UPDATE only in PREVIOUS mode: it
 * writes the oldest record, which becomes record 1, and points at it
 * (TS 102 221 §11.1.6).  The body keeps records in a ring; the header
 * holds the ring position of record 1, so an update is one record write
 * and one 2-byte header write, in one transaction.
 */
#include "fs_int.h"

#include <string.h>

#include "sw.h"

#define MODE_NEXT 0x02u
#define MODE_PREVIOUS 0x03u
#define MODE_ABSOLUTE 0x04u
/* SEARCH RECORD (§11.1.7): simple search from P1 forward / backward. */
#define MODE_SEARCH_FWD_P1 0x04u
#define MODE_SEARCH_BWD_P1 0x05u
#define MODE_SEARCH_ENHANCED 0x06u

uint32_t dm_fsi_record_off(const struct fs_hdr *h, unsigned rec)
{
	unsigned phys = rec - 1u;

	if (dm_fcp_structure_of(h->fdb) == DM_FCP_STRUCT_CYCLIC)
		phys = (h->cyc_head + rec - 1u) % h->rec_count;
	return h->body + (uint32_t)phys * h->rec_len;
}

static bool is_cyclic(const struct fs_hdr *h)
{
	return dm_fcp_structure_of(h->fdb) == DM_FCP_STRUCT_CYCLIC;
}

/* The record EF a record command addresses (P2 b8-b4), checked for
 * structure, life cycle and access. */
static uint16_t record_target(struct fs_op *op, dm_sec_op sop, struct fs_hdr *h)
{
	uint8_t sfi = op->cmd->p2 >> 3;
	int32_t idx;

	if (sfi == 31)
		return DM_SW_WRONG_P1P2;
	uint16_t sw = dm_fsi_target_ef(op, sfi, &idx, h);
	if (sw != DM_SW_OK)
		return sw;
	dm_fcp_structure s = dm_fcp_structure_of(h->fdb);
	if ((s != DM_FCP_STRUCT_LINEAR_FIXED && s != DM_FCP_STRUCT_CYCLIC) || h->rec_count == 0)
		return DM_SW_CMD_INCOMPATIBLE;
	sw = dm_fsi_usable(h);
	if (sw != DM_SW_OK)
		return sw;
	return dm_fsi_access(op, idx, h, sop);
}

/* The record number a READ/UPDATE RECORD mode names, moving the pointer
 * for next/previous.  9000 and *rec, or 6A83 / 6A86. */
static uint16_t pick_record(struct fs_op *op, const struct fs_hdr *h, unsigned *rec)
{
	unsigned cur = op->ch->rec, n = h->rec_count, r;

	switch (op->cmd->p2 & 0x07u) {
	case MODE_ABSOLUTE:
		r = op->cmd->p1 != 0 ? op->cmd->p1 : cur;
		if (r == 0 || r > n)
			return DM_SW_RECORD_NOT_FOUND;
		*rec = r;
		return DM_SW_OK;
	case MODE_NEXT:
		if (cur == 0 || cur > n)
			r = 1;
		else if (cur < n)
			r = cur + 1;
		else if (is_cyclic(h))
			r = 1;
		else
			return DM_SW_RECORD_NOT_FOUND;
		break;
	case MODE_PREVIOUS:
		if (cur == 0 || cur > n)
			r = n;
		else if (cur > 1)
			r = cur - 1;
		else if (is_cyclic(h))
			r = n;
		else
			return DM_SW_RECORD_NOT_FOUND;
		break;
	default:
		return DM_SW_WRONG_P1P2;
	}
	op->ch->rec = (uint8_t)r;
	*rec = r;
	return DM_SW_OK;
}

uint16_t dm_fsi_read_record(struct fs_op *op)
{
	const dm_capdu *cmd = op->cmd;
	struct fs_hdr h;
	unsigned rec;
	uint8_t mode = cmd->p2 & 0x07u;

	if (mode != MODE_NEXT && mode != MODE_PREVIOUS && mode != MODE_ABSOLUTE)
		return DM_SW_WRONG_P1P2;
	if (cmd->nc != 0 || cmd->ne == 0)
		return DM_SW_WRONG_LENGTH;
	uint16_t sw = record_target(op, DM_SEC_OP_READ, &h);
	if (sw == DM_SW_OK)
		sw = pick_record(op, &h, &rec);
	if (sw != DM_SW_OK)
		return sw;
	const uint8_t *v;
	int rc = dm_applet_store_view(op->ctx, dm_fsi_record_off(&h, rec), h.rec_len, &v);
	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	if (dm_wbuf_put(op->resp, v, h.rec_len) != DM_OK)
		return DM_SW_TECHNICAL;
	/* Le larger than the record (and not "all"): the record and 6282
	 * (ISO 7816-4 §11.3.3); a smaller Le is the runtime's to serve. */
	return cmd->ne > h.rec_len && !fs_le_is_max(cmd) ? DM_SW_EOF_BEFORE_LE : DM_SW_OK;
}

uint16_t dm_fsi_update_record(struct fs_op *op)
{
	const dm_capdu *cmd = op->cmd;
	struct fs_hdr h;
	unsigned rec;
	uint8_t mode = cmd->p2 & 0x07u;
	int rc;

	if (mode != MODE_NEXT && mode != MODE_PREVIOUS && mode != MODE_ABSOLUTE)
		return DM_SW_WRONG_P1P2;
	if (cmd->nc == 0)
		return DM_SW_WRONG_LENGTH;
	uint16_t sw = record_target(op, DM_SEC_OP_UPDATE, &h);
	if (sw != DM_SW_OK)
		return sw;
	if (cmd->nc != h.rec_len)
		return DM_SW_WRONG_LENGTH;
	if (!is_cyclic(&h)) {
		sw = pick_record(op, &h, &rec);
		if (sw != DM_SW_OK)
			return sw;
		return dm_fsi_sw(dm_applet_store_write(op->ctx, dm_fsi_record_off(&h, rec),
						       cmd->data, cmd->nc));
	}
	/* Cyclic: only PREVIOUS (TS 102 221 §11.1.6). */
	if (mode != MODE_PREVIOUS)
		return DM_SW_WRONG_P1P2;
	uint16_t oldest = (uint16_t)((h.cyc_head + h.rec_count - 1u) % h.rec_count);
	rc = dm_applet_store_write(op->ctx, h.body + (uint32_t)oldest * h.rec_len, cmd->data,
				   cmd->nc);
	if (rc == DM_OK)
		rc = dm_fsi_hdr_put16(op->ctx, h.off, H_CYC_HEAD, oldest);
	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	op->ch->rec = 1;
	return DM_SW_OK;
}

uint16_t dm_fsi_search_record(struct fs_op *op)
{
	const dm_capdu *cmd = op->cmd;
	struct fs_hdr h;
	uint8_t mode = cmd->p2 & 0x07u;
	unsigned from;
	int step;

	if (mode == MODE_SEARCH_ENHANCED)
		return DM_SW_FUNC_UNSUPPORTED; /* enhanced search: not offered */
	if (mode != MODE_NEXT && mode != MODE_PREVIOUS && mode != MODE_SEARCH_FWD_P1 &&
	    mode != MODE_SEARCH_BWD_P1)
		return DM_SW_WRONG_P1P2;
	if (cmd->nc == 0)
		return DM_SW_WRONG_LENGTH;
	uint16_t sw = record_target(op, DM_SEC_OP_READ, &h);
	if (sw != DM_SW_OK)
		return sw;
	if (cmd->nc > h.rec_len)
		return DM_SW_WRONG_LENGTH;
	unsigned n = h.rec_count, cur = op->ch->rec <= n ? op->ch->rec : 0;
	switch (mode) {
	case MODE_SEARCH_FWD_P1:
	case MODE_SEARCH_BWD_P1:
		/* From the record in P1 (00: the current record). */
		from = cmd->p1 != 0 ? cmd->p1 : cur;
		if (from == 0 || from > n)
			return DM_SW_RECORD_NOT_FOUND;
		step = mode == MODE_SEARCH_FWD_P1 ? 1 : -1;
		break;
	case MODE_NEXT:
		from = cur + 1; /* unset pointer: from record 1 */
		step = 1;
		break;
	default: /* MODE_PREVIOUS */
		from = cur == 0 ? n : cur - 1; /* unset pointer: from the last */
		step = -1;
		break;
	}
	/* Simple search (§11.1.7): the string at the start of a record.
	 * The answer lists the matching record numbers, in search order. */
	unsigned first = 0;
	for (unsigned r = from; r >= 1 && r <= n; r = (unsigned)((int)r + step)) {
		const uint8_t *v;
		int rc = dm_applet_store_view(op->ctx, dm_fsi_record_off(&h, r), cmd->nc, &v);
		if (rc != DM_OK)
			return dm_fsi_sw(rc);
		if (memcmp(v, cmd->data, cmd->nc) != 0)
			continue;
		if (first == 0)
			first = r;
		if (dm_wbuf_put_u8(op->resp, (uint8_t)r) != DM_OK)
			return DM_SW_TECHNICAL;
	}
	if (first == 0)
		return DM_SW_EOF_BEFORE_LE; /* 6282: unsuccessful search */
	op->ch->rec = (uint8_t)first;
	return DM_SW_OK;
}
