/*
 * dmsc_trigger.c - the session trigger of the DMSC application (GEN-14,
 * dmsc.h "EF_TRIG", docs/dmsc-app.md): the card writes an EF_TRIG record
 * and queues a REFRESH file change notification naming EF_TRIG (TS 102 223
 * §6.4.7, qualifier 01) in one store transaction, so after a power cut the
 * device finds both or neither.
 *
 *   TRIGGER SESSION 80 3A 00 00 Lc [ours]
 *     80 01 <reason>  81 <server id, 1..16>  82 02 <session id>
 *         with ADM1 (VERIFY 0A, or a wrapped command of a Management
 *         Authority SCP03 session: AUT-1, as for any provisioning change);
 *     ... 83 04 <counter>  9E <signature>
 *         signed by the Management Authority over SHA-256("DMSC-TR1" ||
 *         every byte before the 9E DO), counter in the sequence of the MA's
 *         signed blocks (80 36): the over-the-air way through the device.
 *
 * Status words: 9000 / 91xx; 6A86 P1-P2; 6700 no data; 6A80 malformed;
 * 6982 no ADM1 or wrong signature; 6985 replayed counter; 6A88 no MA key;
 * 6A82 no EF_TRIG; 6A84 toolkit queue full; 6581 memory.
 */
#include <string.h>

#include "dmsc.h"
#include "dmsc_sec_int.h"
#include "fs.h"
#include "sw.h"
#include "toolkit.h"

#define TR_DOMAIN "DMSC-TR1"
#define KEY_ADM1 0x0Au

static const uint8_t trig_path[] = { 0x7F, 0x60, 0x64, 0x22 };
static const uint8_t dmsc_aid[] = { DM_DMSC_AID };

static bool reason_ok(uint8_t r)
{
	return r >= DM_DMSC_TRIG_SERVER && r <= DM_DMSC_TRIG_DEVCHG;
}

int dm_dmsc_trigger_encode(const dm_dmsc_trigger *t, uint8_t rec[DM_DMSC_TRIG_REC_LEN])
{
	if (t == NULL || rec == NULL)
		return DM_E_ARG;
	if (!reason_ok(t->reason) || t->server_id.len == 0 ||
	    t->server_id.len > DM_DMSC_TRIG_SERVER_MAX || t->server_id.ptr == NULL)
		return DM_E_VALUE;
	memset(rec, 0xFF, DM_DMSC_TRIG_REC_LEN);
	dm_put_u32be(rec, t->number);
	rec[4] = t->reason;
	dm_put_u16be(rec + 5, t->session_id);
	rec[7] = (uint8_t)t->server_id.len;
	memcpy(rec + 8, t->server_id.ptr, t->server_id.len);
	return DM_OK;
}

int dm_dmsc_trigger_decode(const uint8_t rec[DM_DMSC_TRIG_REC_LEN], dm_dmsc_trigger *t)
{
	if (rec == NULL || t == NULL)
		return DM_E_ARG;
	uint32_t n = dm_get_u32be(rec);
	/* 0 and FFFFFFFF are never assigned: an empty (erased) record. */
	if (n == 0 || n == 0xFFFFFFFFu || !reason_ok(rec[4]) || rec[7] == 0 ||
	    rec[7] > DM_DMSC_TRIG_SERVER_MAX)
		return DM_E_VALUE;
	t->number = n;
	t->reason = rec[4];
	t->session_id = dm_get_u16be(rec + 5);
	t->server_id = dm_bytes_of(rec + 8, rec[7]);
	return DM_OK;
}

int dm_dmsc_trigger_raise(dm_applet_ctx *ctx, const dm_dmsc_trigger *t, uint32_t *number)
{
	uint8_t body[DM_DMSC_TRIG_RECS_MAX * DM_DMSC_TRIG_REC_LEN];
	dm_dmsc_trigger rec, prev;
	uint32_t size;
	int rc;

	if (ctx == NULL || t == NULL)
		return DM_E_ARG;
	rec = *t;
	rc = dm_fs_size_at(ctx, trig_path, sizeof trig_path, &size);
	if (rc != DM_OK)
		return rc;
	/* A linear fixed EF of 32-byte records (dmsc-reference profile). */
	if (size == 0 || size % DM_DMSC_TRIG_REC_LEN != 0 || size > sizeof body)
		return DM_E_VALUE;
	rc = dm_fs_read_at(ctx, trig_path, sizeof trig_path, 0, body, size);
	if (rc != DM_OK)
		return rc;
	rec.number = 1;
	if (dm_dmsc_trigger_decode(body, &prev) == DM_OK) {
		rec.number = prev.number + 1u;
		if (rec.number == 0xFFFFFFFFu || rec.number == 0)
			rec.number = 1;
	}
	/* Record 1 is the newest: the others move down one (linear fixed: the
	 * body is records 1..n in order), written as one load. */
	memmove(body + DM_DMSC_TRIG_REC_LEN, body, size - DM_DMSC_TRIG_REC_LEN);
	rc = dm_dmsc_trigger_encode(&rec, body);
	if (rc != DM_OK)
		return rc;
	uint16_t sw = dm_fs_load_at(ctx, trig_path, sizeof trig_path, 0, dm_bytes_of(body, size));
	if (sw != DM_SW_OK)
		return sw == DM_SW_FILE_NOT_FOUND ? DM_E_NOT_FOUND : DM_E_IO;
	/* Same transaction: the REFRESH naming EF_TRIG (GEN-14). */
	rc = dm_toolkit_refresh_adf_file(ctx, DM_DMSC_FID_TRIG,
					 dm_bytes_of(dmsc_aid, sizeof dmsc_aid));
	if (rc == DM_OK && number != NULL)
		*number = rec.number;
	return rc;
}

static uint16_t raise_sw(int rc)
{
	switch (rc) {
	case DM_OK:
		return DM_SW_OK;
	case DM_E_NOT_FOUND:
		return DM_SW_FILE_NOT_FOUND;
	case DM_E_NOMEM:
		return DM_SW_NOT_ENOUGH_MEMORY;
	case DM_E_VALUE:
		return DM_SW_WRONG_DATA;
	default:
		return DM_SW_MEMORY_PROBLEM;
	}
}

uint16_t dm_dmsc_trigger_cmd(dm_applet_ctx *ctx, const dm_capdu *cmd)
{
	static const uint32_t tags[] = { 0x80, 0x81, 0x82, 0x83, 0x9E };
	dm_tlv d[5];
	size_t signed_len = 0;
	bool is_signed;

	if (cmd->p1 != 0 || cmd->p2 != 0)
		return DM_SW_WRONG_P1P2;
	if (cmd->nc == 0)
		return DM_SW_WRONG_LENGTH;
	if (dm_dmsc_split(cmd, tags, d, 3, &signed_len))
		is_signed = false;
	else if (dm_dmsc_split(cmd, tags, d, 5, &signed_len))
		is_signed = true;
	else
		return DM_SW_WRONG_DATA;
	if (d[0].len != 1 || !reason_ok(d[0].value[0]) || d[1].len == 0 ||
	    d[1].len > DM_DMSC_TRIG_SERVER_MAX || d[2].len != 2 || (is_signed && d[3].len != 4))
		return DM_SW_WRONG_DATA;
	if (is_signed) {
		uint16_t sw = dm_dmsc_ma_check(ctx, TR_DOMAIN, cmd, signed_len, &d[4],
					       dm_get_u32be(d[3].value));
		if (sw != DM_SW_OK)
			return sw;
	} else if (!dm_fs_verified(ctx, KEY_ADM1)) {
		return DM_SW_SECURITY_STATUS; /* AUT-1, AUTH-3 */
	}
	dm_dmsc_trigger t = {
		.reason = d[0].value[0],
		.session_id = dm_get_u16be(d[2].value),
		.server_id = dm_bytes_of(d[1].value, d[1].len),
	};
	return raise_sw(dm_dmsc_trigger_raise(ctx, &t, NULL));
}
