/*
 * dmsc_evlog.c - the card's own appends to EF_EVLOG (dmsc_sec.h,
 * docs/dmsc-security.md "EF_EVLOG"): the same effect as UPDATE RECORD
 * PREVIOUS on a cyclic EF (TS 102 221 §11.1.6: the oldest record is
 * overwritten and becomes record 1), without the access check.
 */
#include <string.h>

#include "dmsc.h"
#include "dmsc_sec.h"
#include "fs.h"
#include "fs_int.h"

void dm_evlog_encode(const dm_evlog_event *ev, uint8_t rec[DM_EVLOG_REC_LEN])
{
	size_t n = ev->name.len > DM_EVLOG_NAME_MAX ? DM_EVLOG_NAME_MAX : ev->name.len;

	memset(rec, 0xFF, DM_EVLOG_REC_LEN);
	rec[0] = ev->type;
	rec[1] = ev->source;
	dm_put_u32be(rec + 2, ev->counter);
	dm_put_u32be(rec + 6, ev->time);
	rec[10] = ev->action;
	rec[11] = (uint8_t)n;
	if (n != 0)
		memcpy(rec + 12, ev->name.ptr, n);
}

int dm_dmsc_evlog_append(dm_applet_ctx *ctx, const dm_evlog_event *ev)
{
	uint8_t rec[DM_EVLOG_REC_LEN];
	struct fs_hdr h;
	dm_fs *fs;
	int32_t idx;
	int rc;

	if (ctx == NULL || ev == NULL)
		return DM_E_ARG;
	rc = dm_fs_get(ctx, &fs);
	if (rc != DM_OK)
		return rc;
	idx = dm_fsi_child(fs, fs->root, DM_DMSC_FID_ADF);
	if (idx != FS_NONE)
		idx = dm_fsi_child(fs, idx, DM_DMSC_FID_EVLOG);
	if (idx == FS_NONE || fs->nodes[idx].kind != FS_EF)
		return DM_E_NOT_FOUND;
	rc = dm_fsi_hdr_read(ctx, fs->nodes[idx].hdr, &h);
	if (rc != DM_OK)
		return rc;
	if (dm_fcp_structure_of(h.fdb) != DM_FCP_STRUCT_CYCLIC || h.rec_len != DM_EVLOG_REC_LEN ||
	    h.rec_count == 0)
		return DM_E_VALUE;
	dm_evlog_encode(ev, rec);
	uint16_t oldest = (uint16_t)((h.cyc_head + h.rec_count - 1u) % h.rec_count);
	rc = dm_applet_store_write(ctx, h.body + (uint32_t)oldest * h.rec_len, rec, sizeof rec);
	if (rc == DM_OK)
		rc = dm_fsi_hdr_put16(ctx, h.off, H_CYC_HEAD, oldest);
	return rc;
}
