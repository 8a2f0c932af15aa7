/*
 * dmsc_info.c - EF_INFO of the DMSC application and its change counter
 * (dmsc.h; dmsc-reference "Card profile v1": 80 version, 81 capabilities,
 * 82 flags, 83 change counter, 84 free bytes; the coding is ours).
 *
 * GEN-20: every change of provisioning data bumps the counter in the
 * transaction that made the change (dm_fs_notify -> dm_dmsc_on_change, or
 * dm_dmsc_bump from a path that writes around dm_fs_process), so a power
 * cut leaves both old or both new.  84 follows the card heap on every
 * change that can move it (create, delete, resize) and at each bump.
 */
#include "dmsc.h"

#include <string.h>

#include "pkcs15.h"
#include "tlv.h"

static const uint8_t info_path[] = { 0x7F, 0x60, 0x64, 0x20 };
static const uint8_t dodf_path[] = { 0x7F, 0x50, 0x64, 0x30 };

int dm_dmsc_info_build(const dm_dmsc_info *info, dm_wbuf *out)
{
	uint8_t v[4];
	size_t start = out->len;
	int rc = dm_tlv_put_u8(out, 0x80, info->version);

	if (rc == DM_OK)
		rc = dm_tlv_put_u8(out, 0x81, info->caps);
	if (rc == DM_OK)
		rc = dm_tlv_put_u8(out, 0x82, info->flags);
	dm_put_u32be(v, info->counter);
	if (rc == DM_OK)
		rc = dm_tlv_put(out, 0x83, v, 4);
	dm_put_u32be(v, info->free_bytes);
	if (rc == DM_OK)
		rc = dm_tlv_put(out, 0x84, v, 4);
	if (rc != DM_OK)
		out->len = start;
	return rc;
}

int dm_dmsc_info_parse(const uint8_t *in, size_t len, dm_dmsc_info *out)
{
	dm_tlv_iter it;
	dm_tlv t;
	int rc;
	unsigned seen = 0;

	memset(out, 0, sizeof *out);
	dm_tlv_iter_init(&it, in, len);
	while ((rc = dm_tlv_next(&it, &t)) == 1) {
		switch (t.tag) {
		case 0x80:
		case 0x81:
		case 0x82:
			if (t.len != 1)
				return DM_E_LENGTH;
			if (t.tag == 0x80)
				out->version = t.value[0];
			else if (t.tag == 0x81)
				out->caps = t.value[0];
			else
				out->flags = t.value[0];
			break;
		case 0x83:
		case 0x84:
			if (t.len != 4)
				return DM_E_LENGTH;
			if (t.tag == 0x83)
				out->counter = dm_get_u32be(t.value);
			else
				out->free_bytes = dm_get_u32be(t.value);
			break;
		default:
			/* Later versions may add tags: skip them. */
			continue;
		}
		seen |= 1u << (t.tag - 0x80);
	}
	if (rc < 0)
		return rc;
	if ((seen & 0x0Du) != 0x0Du) /* 80, 82, 83 */
		return DM_E_NOT_FOUND;
	return DM_OK;
}

/* The first bytes of the EF at path, at most cap: *len of them. */
static int read_head(dm_applet_ctx *ctx, const uint8_t *path, size_t plen, uint8_t *buf,
		     size_t cap, size_t *len)
{
	uint32_t size;
	int rc = dm_fs_size_at(ctx, path, plen, &size);

	if (rc != DM_OK)
		return rc;
	*len = size < cap ? size : cap;
	return dm_fs_read_at(ctx, path, plen, 0, buf, *len);
}

int dm_dmsc_info_get(dm_applet_ctx *ctx, dm_dmsc_info *out)
{
	uint8_t buf[64];
	size_t size;
	int rc = read_head(ctx, info_path, sizeof info_path, buf, sizeof buf, &size);

	if (rc != DM_OK)
		return rc;
	rc = dm_dmsc_info_parse(buf, size, out);
	return rc == DM_OK ? DM_OK : DM_E_CORRUPT;
}

static int info_put(dm_applet_ctx *ctx, const dm_dmsc_info *info)
{
	uint8_t buf[DM_DMSC_INFO_LEN];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	int rc = dm_dmsc_info_build(info, &w);

	if (rc != DM_OK)
		return rc;
	uint16_t sw = dm_fs_load_at(ctx, info_path, sizeof info_path, 0, dm_bytes_of(buf, w.len));
	return sw == 0x9000u ? DM_OK : sw == 0x6A84u ? DM_E_NOMEM : DM_E_IO;
}

int dm_dmsc_info_set_use(dm_applet_ctx *ctx, uint8_t use_flags)
{
	dm_dmsc_info info;
	uint8_t mask = DM_DMSC_FLAG_ASK_USER | DM_DMSC_FLAG_NEVER_ASK;

	if ((use_flags & ~mask) != 0 || use_flags == mask)
		return DM_E_VALUE;
	int rc = dm_dmsc_info_get(ctx, &info);
	if (rc != DM_OK)
		return rc;
	info.flags = (uint8_t)((info.flags & ~mask) | use_flags);
	return info_put(ctx, &info);
}

bool dm_dmsc_is_provisioning(const uint16_t *path, size_t len)
{
	if (len != 2)
		return false;
	if (path[0] == DM_P15_FID_ADF)
		return true;
	if (path[0] != DM_DMSC_FID_ADF)
		return false;
	return path[1] == DM_DMSC_FID_POLICY ||
	       (path[1] >= DM_DMSC_FID_MO_FIRST && path[1] <= DM_DMSC_FID_MO_LAST);
}

int dm_dmsc_mo_count(dm_applet_ctx *ctx, unsigned *n)
{
	uint8_t buf[4096]; /* EF_DODF: entries beyond it are not counted */
	size_t size;
	int rc = read_head(ctx, dodf_path, sizeof dodf_path, buf, sizeof buf, &size);

	*n = 0;
	if (rc != DM_OK)
		return rc;
	dm_tlv_iter it;
	dm_p15_dobj o;
	dm_tlv_iter_init(&it, buf, size);
	/* A malformed entry is not counted; the iterator moves past it. */
	for (unsigned guard = 0; guard < size; guard++) {
		rc = dm_p15_dodf_next(&it, &o);
		if (rc == 0)
			break;
		if (rc == 1)
			(*n)++;
		else if (it.left == 0)
			break;
	}
	return DM_OK;
}

/* Refresh b3 and 84, bump 83 when `bump`. */
static int info_update(dm_applet_ctx *ctx, bool bump)
{
	dm_dmsc_info info;
	unsigned n;
	uint32_t free_bytes;
	int rc = dm_dmsc_info_get(ctx, &info);

	if (rc == DM_E_NOT_FOUND)
		return DM_OK; /* a card without the DMSC application */
	if (rc != DM_OK)
		return rc;
	dm_dmsc_info old = info;
	rc = dm_dmsc_mo_count(ctx, &n);
	if (rc != DM_OK && rc != DM_E_NOT_FOUND)
		return rc;
	if (n != 0)
		info.flags |= DM_DMSC_FLAG_PROV;
	else
		info.flags &= (uint8_t)~DM_DMSC_FLAG_PROV;
	rc = dm_applet_heap_free_bytes(ctx, &free_bytes);
	if (rc != DM_OK)
		return rc;
	info.free_bytes = free_bytes;
	/* What this card offers (docs/dmsc-app.md). */
	info.caps |= DM_DMSC_CAP_LARGE_MO | DM_DMSC_CAP_MO_CREATE;
	if (bump)
		info.counter++; /* wraps after 2^32 changes: the device compares for inequality */
	if (old.flags == info.flags && old.caps == info.caps && old.free_bytes == info.free_bytes &&
	    old.counter == info.counter)
		return DM_OK;
	return info_put(ctx, &info);
}

int dm_dmsc_bump(dm_applet_ctx *ctx)
{
	return info_update(ctx, true);
}

int dm_dmsc_info_refresh(dm_applet_ctx *ctx)
{
	return info_update(ctx, false);
}

int dm_dmsc_on_change(dm_applet_ctx *ctx, const dm_fs_change *chg)
{
	if (dm_dmsc_is_provisioning(chg->path, chg->path_len))
		return info_update(ctx, true);
	switch (chg->ins) {
	case 0xE0: /* CREATE, DELETE, RESIZE FILE: the heap moved (84) */
	case 0xE4:
	case 0xD4:
		return info_update(ctx, false);
	default:
		return DM_OK;
	}
}
