/*
 * fs_admin.c - the administrative commands (TS 102 222 §6): CREATE FILE
 * (E0), DELETE FILE (E4), RESIZE FILE (80 D4), TERMINATE DF/EF (E6/E8),
 * and DEACTIVATE/ACTIVATE FILE (04/44, TS 102 221 §11.1.14-§11.1.15);
 * and the profile entry points dm_fs_format/create_at/load_at.
 *
 * Every command is one store transaction (the runtime's): space taken or
 * given back, headers linked or unlinked and contents written all commit
 * together or not at all.  Space comes from the card's heap, so the card
 * decides where data lives (OMA DM_SC OSR-1) and 6A84 means the heap
 * cannot hold the file.
 */
#include "fs_int.h"

#include <stdlib.h>
#include <string.h>

#include "sw.h"
#include "tlv.h"

/* TS 102 222 §6.3 table 5: A5 objects of CREATE FILE this card uses. */
#define TAG_SPECIAL 0xC0u
#define TAG_FILL 0xC1u
#define TAG_REPEAT 0xC2u

/* --- content patterns --- */

int dm_fsi_fill(dm_applet_ctx *ctx, uint32_t off, uint32_t n, uint32_t unit,
		const dm_fs_create *def)
{
	uint8_t buf[256];
	const uint8_t *pat = NULL;
	size_t plen = 0;
	bool repeat = false;

	if (def != NULL && def->repeat.len != 0) {
		pat = def->repeat.ptr;
		plen = def->repeat.len;
		repeat = true;
	} else if (def != NULL && def->fill.len != 0) {
		pat = def->fill.ptr;
		plen = def->fill.len;
	}
	if (unit == 0)
		return DM_OK;
	/* p: a filling pattern of zeros leaves the body as the heap gave it
	 * (zeroed, heap.h), which costs no journal for large EFs (GEN-12). */
	if (pat != NULL && !repeat) {
		size_t z = 0;
		while (z < plen && pat[z] == 0)
			z++;
		if (z == plen)
			return DM_OK;
	}
	/* Each unit (a record, or the whole file) starts the pattern anew.
	 * Filling pattern: its first W-1 bytes, then its last byte repeated;
	 * repeat pattern: repeated whole; neither: FF (TS 102 222 table 5). */
	for (uint32_t u = 0; u < n; u += unit) {
		uint32_t pos = 0;
		while (pos < unit) {
			uint32_t k = unit - pos < sizeof buf ? unit - pos : (uint32_t)sizeof buf;
			for (uint32_t i = 0; i < k; i++) {
				uint32_t at = pos + i;
				uint8_t b = 0xFF;
				if (pat != NULL && repeat)
					b = pat[at % plen];
				else if (pat != NULL)
					b = at < plen - 1 ? pat[at] : pat[plen - 1];
				buf[i] = b;
			}
			int rc = dm_applet_store_write(ctx, off + u + pos, buf, k);
			if (rc != DM_OK)
				return rc;
			pos += k;
		}
	}
	return DM_OK;
}

/* --- CREATE FILE --- */

uint16_t dm_fsi_parse_create(const uint8_t *data, size_t n, dm_fs_create *def)
{
	dm_tlv t;

	memset(def, 0, sizeof *def);
	if (dm_fcp_parse(data, n, &def->fcp) != DM_OK)
		return DM_SW_WRONG_DATA;
	const dm_bytes *a5 = &def->fcp.proprietary_raw;
	if (a5->len == 0)
		return DM_SW_OK;
	if (dm_tlv_find(a5->ptr, a5->len, TAG_SPECIAL, &t) == DM_OK) {
		if (t.len != 1)
			return DM_SW_WRONG_DATA;
		def->special = t.value[0];
	}
	if (dm_tlv_find(a5->ptr, a5->len, TAG_FILL, &t) == DM_OK)
		def->fill = dm_bytes_of(t.value, t.len);
	if (dm_tlv_find(a5->ptr, a5->len, TAG_REPEAT, &t) == DM_OK)
		def->repeat = dm_bytes_of(t.value, t.len);
	/* One pattern at most; a present one is not empty. */
	if ((def->fill.ptr != NULL && def->repeat.ptr != NULL) ||
	    (def->fill.ptr != NULL && def->fill.len == 0) ||
	    (def->repeat.ptr != NULL && def->repeat.len == 0))
		return DM_SW_WRONG_DATA;
	return DM_SW_OK;
}

static bool reserved_fid(uint16_t fid)
{
	/* 3F00 MF, 7FFF current ADF, 3FFF (path, ISO 7816-4 §7.1.1), FFFF RFU. */
	return fid == DM_FID_MF || fid == DM_FID_CURRENT_ADF || fid == 0x3FFFu ||
	       fid == DM_FID_RFU;
}

/* The security attribute of def as header bytes.  9000 or 6A80. */
static uint16_t sec_bytes(const dm_fcp *f, struct fs_hdr *h)
{
	switch (f->sec) {
	case DM_FCP_SEC_REFERENCED:
		h->sec_form = 0x8B;
		dm_put_u16be(h->sec, f->arr_fid);
		if (f->arr_se_records.len == 0) {
			h->sec[2] = f->arr_record;
			h->sec_len = 3;
		} else {
			if (f->arr_se_records.len > sizeof h->sec - 2)
				return DM_SW_WRONG_DATA;
			memcpy(h->sec + 2, f->arr_se_records.ptr, f->arr_se_records.len);
			h->sec_len = (uint8_t)(2 + f->arr_se_records.len);
		}
		return DM_SW_OK;
	case DM_FCP_SEC_COMPACT:
	case DM_FCP_SEC_EXPANDED:
		if (f->sec_raw.len == 0 || f->sec_raw.len > sizeof h->sec)
			return DM_SW_WRONG_DATA;
		h->sec_form = f->sec == DM_FCP_SEC_COMPACT ? 0x8C : 0xAB;
		memcpy(h->sec, f->sec_raw.ptr, f->sec_raw.len);
		h->sec_len = (uint8_t)f->sec_raw.len;
		return DM_SW_OK;
	default:
		return DM_SW_WRONG_DATA; /* mandatory (TS 102 221 §11.1.1.3) */
	}
}

/* Turn a CREATE FILE description into a header (without links), checking
 * everything that does not depend on the tree.  9000, 6A80 or 6A81. */
static uint16_t header_of(const dm_fs_create *def, uint8_t kind, struct fs_hdr *h)
{
	const dm_fcp *f = &def->fcp;

	memset(h, 0, sizeof *h);
	h->kind = kind;
	h->fdb = f->fdb;
	h->has_fid = f->has_fid;
	h->fid = f->fid;
	if (f->has_fid && reserved_fid(f->fid) && kind != FS_MF)
		return DM_SW_WRONG_DATA;
	/* LCSI (TS 102 221 §11.1.1.4.9): absent = activated. */
	h->lcsi = f->has_lcsi ? f->lcsi : DM_FCP_LCSI_ACTIVATED;
	switch (dm_fcp_life_cycle(h->lcsi)) {
	case DM_FCP_LCS_CREATION:
	case DM_FCP_LCS_INITIALISATION:
	case DM_FCP_LCS_ACTIVATED:
	case DM_FCP_LCS_DEACTIVATED:
		break;
	default:
		return DM_SW_WRONG_DATA;
	}
	uint16_t sw = sec_bytes(f, h);
	if (sw != DM_SW_OK)
		return sw;
	h->special = def->special;
	if (kind != FS_EF) {
		if (!f->has_fid && kind != FS_ADF)
			return DM_SW_WRONG_DATA;
		if (f->df_name.len > DM_FCP_AID_MAX || f->pin_count > DM_FS_MAX_PINS)
			return DM_SW_WRONG_DATA;
		h->aid_len = (uint8_t)f->df_name.len;
		if (f->df_name.len != 0) /* ptr is NULL when tag 84 is absent */
			memcpy(h->aid, f->df_name.ptr, f->df_name.len);
		h->pin_count = (uint8_t)f->pin_count;
		for (size_t i = 0; i < f->pin_count; i++)
			h->pins[i] = f->pins[i].key_ref;
		return DM_SW_OK;
	}
	if (!f->has_fid)
		return DM_SW_WRONG_DATA;
	h->sfi_mode = (uint8_t)f->sfi_mode;
	h->sfi = f->sfi;
	h->details = f->has_file_details ? f->file_details : 0;
	switch (dm_fcp_structure_of(f->fdb)) {
	case DM_FCP_STRUCT_TRANSPARENT:
		if (!f->has_size ||
		    f->size > (def->large ? DM_FS_MAX_LARGE_EF_SIZE : DM_FS_MAX_EF_SIZE))
			return DM_SW_WRONG_DATA;
		h->size = f->size;
		return DM_SW_OK;
	case DM_FCP_STRUCT_LINEAR_FIXED:
	case DM_FCP_STRUCT_CYCLIC:
		if (f->record_len == 0 || f->record_len > DM_FS_MAX_RECORD_LEN ||
		    f->record_count == 0 || f->record_count > DM_FS_MAX_RECORDS)
			return DM_SW_WRONG_DATA;
		h->rec_len = f->record_len;
		h->rec_count = f->record_count;
		h->size = (uint32_t)h->rec_len * h->rec_count;
		/* 80, when given, must agree (TS 102 221 §11.1.1.4.1). */
		if (f->has_size && f->size != h->size)
			return DM_SW_WRONG_DATA;
		return DM_SW_OK;
	case DM_FCP_STRUCT_BER_TLV:
		return DM_SW_FUNC_UNSUPPORTED;
	default:
		return DM_SW_WRONG_DATA;
	}
}

/* Header bytes: the fixed part, the AID, the security attribute. */
static size_t header_encode(const struct fs_hdr *h, uint8_t *p)
{
	memset(p, 0, HDR_FIXED);
	p[H_MAGIC] = HDR_MAGIC;
	p[H_VERSION] = HDR_VERSION;
	p[H_KIND] = h->kind;
	p[H_FDB] = h->fdb;
	dm_put_u16be(p + H_FID, h->fid);
	p[H_HAS_FID] = h->has_fid;
	p[H_LCSI] = h->lcsi;
	p[H_SFI_MODE] = h->sfi_mode;
	p[H_SFI] = h->sfi;
	p[H_SPECIAL] = h->special;
	p[H_DETAILS] = h->details;
	p[H_APP] = h->app;
	dm_put_u16be(p + H_REC_LEN, h->rec_len);
	dm_put_u16be(p + H_REC_COUNT, h->rec_count);
	dm_put_u32be(p + H_SIZE, h->size);
	dm_put_u32be(p + H_BODY, h->body);
	dm_put_u32be(p + H_PARENT, h->parent);
	dm_put_u32be(p + H_CHILD, h->child);
	dm_put_u32be(p + H_NEXT, h->next);
	dm_put_u16be(p + H_CYC_HEAD, h->cyc_head);
	p[H_SEC_FORM] = h->sec_form;
	p[H_SEC_LEN] = h->sec_len;
	p[H_AID_LEN] = h->aid_len;
	p[H_PIN_COUNT] = h->pin_count;
	memcpy(p + H_PINS, h->pins, DM_FS_MAX_PINS);
	memcpy(p + HDR_FIXED, h->aid, h->aid_len);
	memcpy(p + HDR_FIXED + h->aid_len, h->sec, h->sec_len);
	return HDR_FIXED + (size_t)h->aid_len + h->sec_len;
}

/* Allocate and write header h (and h->size bytes of body, filled). */
static int file_write_new(dm_applet_ctx *ctx, struct fs_hdr *h, const dm_fs_create *def)
{
	uint8_t buf[HDR_MAX];
	size_t len = HDR_FIXED + (size_t)h->aid_len + h->sec_len;
	int rc = dm_applet_heap_alloc(ctx, (uint32_t)len, &h->off);

	if (rc != DM_OK)
		return rc;
	if (h->size != 0) {
		rc = dm_applet_heap_alloc(ctx, h->size, &h->body);
		if (rc != DM_OK)
			return rc;
		rc = dm_fsi_fill(ctx, h->body, h->size, h->rec_len != 0 ? h->rec_len : h->size, def);
		if (rc != DM_OK)
			return rc;
	}
	header_encode(h, buf);
	return dm_applet_store_write(ctx, h->off, buf, len);
}

/* The lowest application number no ADF uses, 0 if none is left. */
static uint8_t free_app(const dm_fs *fs)
{
	for (uint8_t a = 1; a < DM_SEC_MAX_APPS; a++) {
		bool used = false;
		for (unsigned i = 0; i < fs->nadf; i++)
			used = used || fs->adf[i].app == a;
		if (!used)
			return a;
	}
	return 0;
}

uint16_t dm_fsi_create(dm_fs *fs, dm_applet_ctx *ctx, int32_t parent, const dm_fs_create *def,
		       int32_t *idx)
{
	const dm_fcp *f = &def->fcp;
	const struct fs_node *p = &fs->nodes[parent];
	bool df = dm_fcp_structure_of(f->fdb) == DM_FCP_STRUCT_DF;
	/* A DF with a name directly under the MF is an ADF (TS 102 221 §8.2). */
	uint8_t kind = !df ? FS_EF : parent == fs->root && f->df_name.len != 0 ? FS_ADF : FS_DF;
	struct fs_hdr h;

	if (p->kind == FS_EF)
		return DM_SW_WRONG_DATA;
	uint16_t sw = header_of(def, kind, &h);
	if (sw != DM_SW_OK)
		return sw;
	/* Names must stay unambiguous for SELECT (TS 102 222 §6.3). */
	if (h.has_fid && (dm_fsi_child(fs, parent, h.fid) != FS_NONE ||
			  (p->has_fid && p->fid == h.fid)))
		return DM_SW_FILE_EXISTS;
	if (kind == FS_EF) {
		uint8_t sfi = h.sfi_mode == DM_FCP_SFI_VALUE ? h.sfi :
			      h.sfi_mode == DM_FCP_SFI_DEFAULT ? (uint8_t)(h.fid & 0x1F) : 0;
		if (sfi != 0 && sfi != 31 && dm_fsi_child_sfi(fs, parent, sfi) != FS_NONE)
			return DM_SW_FILE_EXISTS;
	}
	if (h.aid_len != 0 && dm_fsi_adf_by_aid(fs, h.aid, h.aid_len) != FS_NONE)
		return DM_SW_DF_NAME_EXISTS;
	if (kind != FS_EF && p->depth + 1u > DM_FS_MAX_DEPTH)
		return DM_SW_NOT_ENOUGH_MEMORY;
	if (kind == FS_ADF) {
		h.app = free_app(fs);
		if (h.app == 0)
			return DM_SW_NOT_ENOUGH_MEMORY;
	}
	h.parent = p->hdr;
	struct fs_hdr ph;
	int rc = dm_fsi_hdr_read(ctx, p->hdr, &ph);
	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	h.next = ph.child; /* linked first under the parent */
	rc = file_write_new(ctx, &h, def);
	if (rc == DM_OK)
		rc = dm_fsi_hdr_put32(ctx, p->hdr, H_CHILD, h.off);
	if (rc == DM_OK)
		rc = dm_fsi_index_add(fs, parent, &h, idx);
	return dm_fsi_sw(rc);
}

uint16_t dm_fsi_create_file(struct fs_op *op)
{
	const dm_capdu *cmd = op->cmd;
	dm_fs_create def;
	struct fs_hdr ph;
	int32_t parent = dm_fsi_cur_df(op), idx;

	if (cmd->p1 != 0 || cmd->p2 != 0)
		return DM_SW_WRONG_P1P2;
	if (cmd->nc == 0)
		return DM_SW_WRONG_LENGTH;
	uint16_t sw = dm_fsi_parse_create(cmd->data, cmd->nc, &def);
	if (sw != DM_SW_OK)
		return sw;
	int rc = dm_fsi_hdr_read(op->ctx, op->fs->nodes[parent].hdr, &ph);
	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	sw = dm_fsi_usable(&ph);
	if (sw != DM_SW_OK)
		return sw;
	bool df = dm_fcp_structure_of(def.fcp.fdb) == DM_FCP_STRUCT_DF;
	sw = dm_fsi_access(op, parent, &ph, df ? DM_SEC_OP_CREATE_DF : DM_SEC_OP_CREATE_EF);
	if (sw != DM_SW_OK)
		return sw;
	sw = dm_fsi_create(op->fs, op->ctx, parent, &def, &idx);
	/* The new file is the current file (TS 102 222 §6.3). */
	if (sw == DM_SW_OK)
		dm_fsi_set_current(op, idx);
	return sw;
}

/* --- DELETE FILE --- */

/* Give back the space of node idx's subtree (bodies and headers). */
static int free_subtree(dm_fs *fs, dm_applet_ctx *ctx, int32_t idx)
{
	int32_t cur = idx;

	/* Pre-order walk over the RAM index; nothing is unlinked yet. */
	for (;;) {
		struct fs_hdr h;
		int rc = dm_fsi_hdr_read(ctx, fs->nodes[cur].hdr, &h);
		if (rc != DM_OK)
			return rc;
		if (h.kind == FS_ADF)
			dm_sec_clear_app(&fs->sec, h.app);
		if (h.body != 0)
			rc = dm_applet_heap_free(ctx, h.body);
		if (rc == DM_OK)
			rc = dm_applet_heap_free(ctx, h.off);
		if (rc != DM_OK)
			return rc;
		if (fs->nodes[cur].child != FS_NONE) {
			cur = fs->nodes[cur].child;
			continue;
		}
		while (cur != idx && fs->nodes[cur].next == FS_NONE)
			cur = fs->nodes[cur].parent;
		if (cur == idx)
			return DM_OK;
		cur = fs->nodes[cur].next;
	}
}

/* Channels that had a file of the subtree selected go to its parent. */
static void forget_subtree(dm_fs *fs, int32_t idx)
{
	int32_t parent = fs->nodes[idx].parent;
	uint32_t phdr = parent == fs->root ? 0 : fs->nodes[parent].hdr;

	for (unsigned c = 0; c < DM_CARD_CHANNELS; c++) {
		struct fs_chan *ch = &fs->ch[c];
		uint32_t sel[3] = { ch->df, ch->ef, ch->adf };
		for (unsigned k = 0; k < 3; k++) {
			int32_t i = sel[k] != 0 ? dm_fsi_node_of(fs, sel[k]) : FS_NONE;
			while (i != FS_NONE && i != idx)
				i = fs->nodes[i].parent;
			if (i != idx)
				continue;
			if (k == 0) {
				ch->df = phdr;
				ch->ef = 0;
				ch->rec = 0;
			} else if (k == 1) {
				ch->ef = 0;
				ch->rec = 0;
			} else {
				ch->adf = 0;
			}
		}
	}
}

/* Unlink idx from its parent's child list in the store. */
static int unlink_file(dm_fs *fs, dm_applet_ctx *ctx, int32_t idx, uint32_t next)
{
	int32_t parent = fs->nodes[idx].parent;
	int32_t prev = FS_NONE;

	for (int32_t i = fs->nodes[parent].child; i != FS_NONE && i != idx; i = fs->nodes[i].next)
		prev = i;
	if (prev == FS_NONE)
		return dm_fsi_hdr_put32(ctx, fs->nodes[parent].hdr, H_CHILD, next);
	return dm_fsi_hdr_put32(ctx, fs->nodes[prev].hdr, H_NEXT, next);
}

uint16_t dm_fsi_delete_file(struct fs_op *op)
{
	const dm_capdu *cmd = op->cmd;
	dm_fs *fs = op->fs;
	int32_t parent = dm_fsi_cur_df(op);
	struct fs_hdr h, ph;

	if (cmd->p1 != 0 || cmd->p2 != 0)
		return DM_SW_WRONG_P1P2;
	if (cmd->nc != 2)
		return DM_SW_WRONG_LENGTH;
	/* TS 102 222 §6.4: a child (EF or DF) of the current DF. */
	int32_t idx = dm_fsi_child(fs, parent, dm_get_u16be(cmd->data));
	if (idx == FS_NONE)
		return DM_SW_FILE_NOT_FOUND;
	int rc = dm_fsi_hdr_read(op->ctx, fs->nodes[idx].hdr, &h);
	if (rc == DM_OK)
		rc = dm_fsi_hdr_read(op->ctx, fs->nodes[parent].hdr, &ph);
	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	/* Allowed by the parent's DELETE FILE (child) or the file's own
	 * DELETE FILE (self) (ISO 7816-4 §5.4.3.2 tables 17-18). */
	uint16_t sw = dm_fsi_access(op, parent, &ph, DM_SEC_OP_DELETE_CHILD);
	if (sw == DM_SW_SECURITY_STATUS)
		sw = dm_fsi_access(op, idx, &h, DM_SEC_OP_DELETE_SELF);
	if (sw != DM_SW_OK)
		return sw;
	rc = unlink_file(fs, op->ctx, idx, h.next);
	if (rc == DM_OK)
		rc = free_subtree(fs, op->ctx, idx);
	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	forget_subtree(fs, idx);
	dm_fsi_index_remove(fs, idx);
	return DM_SW_OK;
}

/* --- RESIZE FILE --- */

/* Rotate a cyclic EF's ring so that record 1 is first in the body. */
static int cyclic_normalise(dm_applet_ctx *ctx, struct fs_hdr *h)
{
	if (h->cyc_head == 0)
		return DM_OK;
	uint8_t *tmp = malloc(h->size);
	if (tmp == NULL)
		return DM_E_NOMEM;
	int rc = DM_OK;
	for (unsigned r = 1; r <= h->rec_count && rc == DM_OK; r++)
		rc = dm_applet_store_read(ctx, dm_fsi_record_off(h, r),
					  tmp + (size_t)(r - 1) * h->rec_len, h->rec_len);
	if (rc == DM_OK)
		rc = dm_applet_store_write(ctx, h->body, tmp, h->size);
	if (rc == DM_OK)
		rc = dm_fsi_hdr_put16(ctx, h->off, H_CYC_HEAD, 0);
	dm_wipe(tmp, h->size);
	free(tmp);
	h->cyc_head = 0;
	return rc;
}

/* RESIZE FILE data (TS 102 222 §6.10): 62 { 83 FID, 80 new size,
 * A5 { C1 | C2 pattern }? }. */
static uint16_t parse_resize(const uint8_t *data, size_t n, uint16_t *fid, uint32_t *size,
			     dm_fs_create *pat)
{
	dm_tlv outer, t;

	memset(pat, 0, sizeof *pat);
	if (dm_tlv_parse_exact(data, n, &outer) != DM_OK || outer.tag != DM_FCP_TAG)
		return DM_SW_WRONG_DATA;
	if (dm_tlv_find(outer.value, outer.len, 0x83, &t) != DM_OK || t.len != 2)
		return DM_SW_WRONG_DATA;
	*fid = dm_get_u16be(t.value);
	if (dm_tlv_find(outer.value, outer.len, 0x80, &t) != DM_OK || t.len == 0 || t.len > 4)
		return DM_SW_WRONG_DATA;
	*size = 0;
	for (size_t i = 0; i < t.len; i++)
		*size = *size << 8 | t.value[i];
	if (dm_tlv_find(outer.value, outer.len, 0xA5, &t) == DM_OK) {
		dm_tlv p;
		if (dm_tlv_find(t.value, t.len, TAG_FILL, &p) == DM_OK)
			pat->fill = dm_bytes_of(p.value, p.len);
		if (dm_tlv_find(t.value, t.len, TAG_REPEAT, &p) == DM_OK)
			pat->repeat = dm_bytes_of(p.value, p.len);
		if ((pat->fill.ptr != NULL && pat->fill.len == 0) ||
		    (pat->repeat.ptr != NULL && pat->repeat.len == 0))
			return DM_SW_WRONG_DATA;
	}
	return DM_SW_OK;
}

uint16_t dm_fsi_resize_file(struct fs_op *op)
{
	const dm_capdu *cmd = op->cmd;
	dm_fs *fs = op->fs;
	dm_fs_create pat;
	struct fs_hdr h;
	uint16_t fid;
	uint32_t size;
	int rc;

	if (cmd->p1 != 0 || cmd->p2 != 0)
		return DM_SW_WRONG_P1P2;
	if (cmd->nc == 0)
		return DM_SW_WRONG_LENGTH;
	uint16_t sw = parse_resize(cmd->data, cmd->nc, &fid, &size, &pat);
	if (sw != DM_SW_OK)
		return sw;
	/* The current EF, or an EF child of the current DF. */
	int32_t idx = dm_fsi_cur_ef(op);
	if (idx == FS_NONE || fs->nodes[idx].fid != fid)
		idx = dm_fsi_child(fs, dm_fsi_cur_df(op), fid);
	if (idx == FS_NONE)
		return DM_SW_FILE_NOT_FOUND;
	if (fs->nodes[idx].kind != FS_EF)
		return DM_SW_FUNC_UNSUPPORTED; /* DF sizes are not reserved here */
	rc = dm_fsi_hdr_read(op->ctx, fs->nodes[idx].hdr, &h);
	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	dm_fcp_structure s = dm_fcp_structure_of(h.fdb);
	if (s != DM_FCP_STRUCT_TRANSPARENT && s != DM_FCP_STRUCT_LINEAR_FIXED &&
	    s != DM_FCP_STRUCT_CYCLIC)
		return DM_SW_CMD_INCOMPATIBLE;
	sw = dm_fsi_usable(&h);
	if (sw == DM_SW_OK)
		sw = dm_fsi_access(op, idx, &h, DM_SEC_OP_RESIZE);
	if (sw != DM_SW_OK)
		return sw;
	uint32_t count = 0;
	if (s == DM_FCP_STRUCT_TRANSPARENT) {
		if (size > DM_FS_MAX_EF_SIZE)
			return DM_SW_WRONG_DATA;
	} else {
		count = size / h.rec_len;
		if (size % h.rec_len != 0 || count == 0 || count > DM_FS_MAX_RECORDS)
			return DM_SW_WRONG_DATA;
	}
	if (size == h.size)
		return DM_SW_OK;
	if (s == DM_FCP_STRUCT_CYCLIC) {
		rc = cyclic_normalise(op->ctx, &h);
		if (rc != DM_OK)
			return dm_fsi_sw(rc);
	}
	uint32_t body = 0;
	if (size == 0)
		rc = dm_applet_heap_free(op->ctx, h.body);
	else if (h.body == 0)
		rc = dm_applet_heap_alloc(op->ctx, size, &body);
	else
		rc = dm_applet_heap_resize(op->ctx, h.body, size, &body);
	/* New bytes: the pattern given, or FF (TS 102 222 §6.10). */
	if (rc == DM_OK && size > h.size) {
		uint32_t grow = size - h.size;
		rc = dm_fsi_fill(op->ctx, body + h.size, grow,
				 s == DM_FCP_STRUCT_TRANSPARENT ? grow : h.rec_len, &pat);
	}
	if (rc == DM_OK)
		rc = dm_fsi_hdr_put32(op->ctx, h.off, H_SIZE, size);
	if (rc == DM_OK)
		rc = dm_fsi_hdr_put32(op->ctx, h.off, H_BODY, body);
	if (rc == DM_OK && count != 0)
		rc = dm_fsi_hdr_put16(op->ctx, h.off, H_REC_COUNT, (uint16_t)count);
	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	/* Record pointers past the new end are no longer valid. */
	for (unsigned c = 0; c < DM_CARD_CHANNELS; c++)
		if (fs->ch[c].ef == h.off && fs->ch[c].rec > count)
			fs->ch[c].rec = 0;
	return DM_SW_OK;
}

/* --- DEACTIVATE / ACTIVATE FILE, TERMINATE --- */

/* The file an activation-type command names: with data, resolved like
 * SELECT (P1 00, 08, 09) and made current; without, the current EF or
 * else the current DF. */
static uint16_t named_file(struct fs_op *op, int32_t *idx)
{
	const dm_capdu *cmd = op->cmd;

	if (cmd->p2 != 0)
		return DM_SW_WRONG_P1P2;
	if (cmd->nc == 0) {
		if (cmd->p1 != 0)
			return DM_SW_WRONG_P1P2;
		*idx = dm_fsi_cur_ef(op);
		if (*idx == FS_NONE)
			*idx = dm_fsi_cur_df(op);
		return DM_SW_OK;
	}
	if (cmd->p1 != 0x00 && cmd->p1 != 0x08 && cmd->p1 != 0x09)
		return DM_SW_WRONG_P1P2;
	uint16_t sw = dm_fsi_resolve(op, cmd->p1, cmd->data, cmd->nc, idx);
	if (sw == DM_SW_OK && op->ch->ef != op->fs->nodes[*idx].hdr)
		dm_fsi_set_current(op, *idx);
	return sw;
}

uint16_t dm_fsi_activation(struct fs_op *op, bool activate)
{
	struct fs_hdr h;
	int32_t idx;
	uint16_t sw = named_file(op, &idx);

	if (sw != DM_SW_OK)
		return sw;
	int rc = dm_fsi_hdr_read(op->ctx, op->fs->nodes[idx].hdr, &h);
	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	if (dm_fcp_life_cycle(h.lcsi) == DM_FCP_LCS_TERMINATED)
		return DM_SW_CONDITIONS;
	sw = dm_fsi_access(op, idx, &h, activate ? DM_SEC_OP_ACTIVATE : DM_SEC_OP_DEACTIVATE);
	if (sw != DM_SW_OK)
		return sw;
	uint8_t lcsi = activate ? DM_FCP_LCSI_ACTIVATED : DM_FCP_LCSI_DEACTIVATED;
	if (h.lcsi != lcsi) {
		rc = dm_fsi_hdr_put8(op->ctx, h.off, H_LCSI, lcsi);
		if (rc != DM_OK)
			return dm_fsi_sw(rc);
	}
	/* A deactivated application loses its local verifications. */
	if (!activate && h.kind == FS_ADF)
		dm_sec_clear_app(&op->fs->sec, h.app);
	return DM_SW_OK;
}

uint16_t dm_fsi_terminate(struct fs_op *op, bool df)
{
	struct fs_hdr h;
	int32_t idx;
	uint16_t sw = named_file(op, &idx);

	if (sw != DM_SW_OK)
		return sw;
	/* TERMINATE EF on the current EF, TERMINATE DF on a DF (TS 102 222
	 * §6.7, §6.8). */
	if (!df && op->cmd->nc == 0)
		idx = dm_fsi_cur_ef(op);
	if (!df && op->cmd->nc == 0 && idx == FS_NONE)
		return DM_SW_NO_EF_SELECTED;
	if (df && op->cmd->nc == 0)
		idx = dm_fsi_cur_df(op);
	if ((op->fs->nodes[idx].kind != FS_EF) != df)
		return DM_SW_CMD_INCOMPATIBLE;
	int rc = dm_fsi_hdr_read(op->ctx, op->fs->nodes[idx].hdr, &h);
	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	if (h.kind == FS_MF)
		return DM_SW_CONDITIONS; /* TERMINATE CARD USAGE is not offered */
	if (dm_fcp_life_cycle(h.lcsi) == DM_FCP_LCS_TERMINATED)
		return DM_SW_OK;
	sw = dm_fsi_access(op, idx, &h, DM_SEC_OP_TERMINATE);
	if (sw != DM_SW_OK)
		return sw;
	rc = dm_fsi_hdr_put8(op->ctx, h.off, H_LCSI, DM_FCP_LCSI_TERMINATED);
	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	if (h.kind == FS_ADF)
		dm_sec_clear_app(&op->fs->sec, h.app);
	return DM_SW_OK;
}

/* --- profile entry points (fs.h) --- */

int dm_fs_format(dm_applet_ctx *ctx, const dm_fs_create *mf)
{
	uint32_t root;
	struct fs_hdr h;
	int rc = dm_applet_root_get(ctx, DM_ROOT_UICC, &root);

	if (rc != DM_OK)
		return rc;
	if (root != 0)
		return DM_E_STATE;
	if (dm_fcp_structure_of(mf->fcp.fdb) != DM_FCP_STRUCT_DF || !mf->fcp.has_fid ||
	    mf->fcp.fid != DM_FID_MF || header_of(mf, FS_MF, &h) != DM_SW_OK)
		return DM_E_VALUE;
	rc = file_write_new(ctx, &h, mf);
	if (rc == DM_OK)
		rc = dm_applet_root_set(ctx, DM_ROOT_UICC, h.off);
	dm_fs *fs = dm_applet_service(ctx, DM_SERVICE_UICC);
	if (fs != NULL) {
		fs->stale = true;
		fs->changed = true;
	}
	return rc;
}

/* A file by its path from the MF (empty = the MF). */
static int32_t node_at(const dm_fs *fs, const uint8_t *path, size_t len)
{
	int32_t cur = fs->root;

	if (len % 2 != 0)
		return FS_NONE;
	for (size_t i = 0; i < len && cur != FS_NONE; i += 2)
		cur = dm_fsi_child(fs, cur, dm_get_u16be(path + i));
	return cur;
}

uint16_t dm_fs_create_at(dm_applet_ctx *ctx, const uint8_t *parent_path, size_t path_len,
			 const dm_fs_create *def)
{
	dm_fs *fs;
	int32_t idx;
	int rc = dm_fs_get(ctx, &fs);

	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	int32_t parent = node_at(fs, parent_path, path_len);
	if (parent == FS_NONE || fs->nodes[parent].kind == FS_EF)
		return DM_SW_FILE_NOT_FOUND;
	return dm_fsi_create(fs, ctx, parent, def, &idx);
}

uint16_t dm_fs_load_at(dm_applet_ctx *ctx, const uint8_t *path, size_t path_len, uint32_t off,
		       dm_bytes data)
{
	dm_fs *fs;
	struct fs_hdr h;
	int rc = dm_fs_get(ctx, &fs);

	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	int32_t idx = node_at(fs, path, path_len);
	if (idx == FS_NONE || fs->nodes[idx].kind != FS_EF)
		return DM_SW_FILE_NOT_FOUND;
	rc = dm_fsi_hdr_read(ctx, fs->nodes[idx].hdr, &h);
	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	if (h.rec_len == 0) {
		if (off > h.size || data.len > h.size - off)
			return DM_SW_WRONG_LENGTH;
		return dm_fsi_sw(dm_applet_store_write(ctx, h.body + off, data.ptr, data.len));
	}
	if (data.len % h.rec_len != 0 || off > h.rec_count ||
	    data.len / h.rec_len > (size_t)h.rec_count - off)
		return DM_SW_WRONG_LENGTH;
	for (size_t i = 0; i * h.rec_len < data.len; i++) {
		rc = dm_applet_store_write(ctx, dm_fsi_record_off(&h, (unsigned)(off + i + 1)),
					   data.ptr + i * h.rec_len, h.rec_len);
		if (rc != DM_OK)
			return dm_fsi_sw(rc);
	}
	return DM_SW_OK;
}

/* --- p: path access for applications (fs.h) --- */

/* The header of the EF at path. */
static int ef_at(dm_applet_ctx *ctx, const uint8_t *path, size_t path_len, struct fs_hdr *h)
{
	dm_fs *fs;
	int rc = dm_fs_get(ctx, &fs);

	if (rc != DM_OK)
		return rc;
	int32_t idx = node_at(fs, path, path_len);
	if (idx == FS_NONE || fs->nodes[idx].kind != FS_EF)
		return DM_E_NOT_FOUND;
	return dm_fsi_hdr_read(ctx, fs->nodes[idx].hdr, h);
}

int dm_fs_size_at(dm_applet_ctx *ctx, const uint8_t *path, size_t path_len, uint32_t *size)
{
	struct fs_hdr h;
	int rc = ef_at(ctx, path, path_len, &h);

	if (rc == DM_OK)
		*size = h.size;
	return rc;
}

int dm_fs_read_at(dm_applet_ctx *ctx, const uint8_t *path, size_t path_len, uint32_t off,
		  uint8_t *buf, size_t n)
{
	struct fs_hdr h;
	int rc = ef_at(ctx, path, path_len, &h);

	if (rc != DM_OK)
		return rc;
	/* Transparent order; a record EF is read as its physical body. */
	if (off > h.size || n > h.size - off)
		return DM_E_VALUE;
	return dm_applet_store_read(ctx, h.body + off, buf, n);
}

uint16_t dm_fs_delete_at(dm_applet_ctx *ctx, const uint8_t *path, size_t path_len)
{
	dm_fs *fs;
	struct fs_hdr h;
	int rc = dm_fs_get(ctx, &fs);

	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	int32_t idx = node_at(fs, path, path_len);
	if (idx == FS_NONE || idx == fs->root)
		return DM_SW_FILE_NOT_FOUND;
	rc = dm_fsi_hdr_read(ctx, fs->nodes[idx].hdr, &h);
	if (rc == DM_OK)
		rc = unlink_file(fs, ctx, idx, h.next);
	if (rc == DM_OK)
		rc = free_subtree(fs, ctx, idx);
	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	forget_subtree(fs, idx);
	dm_fsi_index_remove(fs, idx);
	return DM_SW_OK;
}

bool dm_fs_verified(dm_applet_ctx *ctx, uint8_t kr)
{
	dm_fs *fs;

	return dm_fs_get(ctx, &fs) == DM_OK && dm_sec_verified(&fs->sec, kr, 0);
}
