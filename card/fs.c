/*
 * fs.c - the file system service (fs.h): headers in the store, the RAM
 * index over them, the per-channel selection, and the dispatch of file
 * commands.  Layout and index: fs_int.h and docs/filesystem.md.
 */
#include "fs_int.h"

#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "sw.h"

/* SELECT/READ/... CLA: interindustry (TS 102 221 §10.1.1 table 10.3);
 * STATUS and RESIZE FILE: proprietary 8X/CX-FX. */
#define INS_SELECT 0xA4u
#define INS_STATUS 0xF2u
#define INS_READ_BINARY 0xB0u
#define INS_UPDATE_BINARY 0xD6u
#define INS_READ_BINARY_ODD 0xB1u
#define INS_UPDATE_BINARY_ODD 0xD7u
#define INS_READ_RECORD 0xB2u
#define INS_UPDATE_RECORD 0xDCu
#define INS_SEARCH_RECORD 0xA2u
#define INS_DEACTIVATE 0x04u
#define INS_ACTIVATE 0x44u
#define INS_CREATE 0xE0u
#define INS_DELETE 0xE4u
#define INS_TERMINATE_DF 0xE6u
#define INS_TERMINATE_EF 0xE8u
#define INS_RESIZE 0xD4u

uint16_t dm_fsi_sw(int rc)
{
	switch (rc) {
	case DM_OK:
		return DM_SW_OK;
	case DM_E_NOMEM:
		return DM_SW_NOT_ENOUGH_MEMORY;
	case DM_E_NOT_FOUND:
		return DM_SW_FILE_NOT_FOUND;
	case DM_E_IO:
	case DM_E_CORRUPT:
		return DM_SW_MEMORY_PROBLEM;
	default:
		return DM_SW_TECHNICAL;
	}
}

/* --- headers --- */

int dm_fsi_hdr_read(dm_applet_ctx *ctx, uint32_t off, struct fs_hdr *h)
{
	const uint8_t *p;
	int rc = dm_applet_store_view(ctx, off, HDR_FIXED, &p);

	if (rc == DM_E_VALUE)
		return DM_E_CORRUPT;
	if (rc != DM_OK)
		return rc;
	if (p[H_MAGIC] != HDR_MAGIC || p[H_VERSION] != HDR_VERSION ||
	    p[H_KIND] < FS_MF || p[H_KIND] > FS_EF || p[H_AID_LEN] > DM_FCP_AID_MAX ||
	    p[H_PIN_COUNT] > DM_FS_MAX_PINS)
		return DM_E_CORRUPT;
	h->off = off;
	h->kind = p[H_KIND];
	h->fdb = p[H_FDB];
	h->fid = dm_get_u16be(p + H_FID);
	h->has_fid = p[H_HAS_FID] != 0;
	h->lcsi = p[H_LCSI];
	h->sfi_mode = p[H_SFI_MODE];
	h->sfi = p[H_SFI];
	h->special = p[H_SPECIAL];
	h->details = p[H_DETAILS];
	h->app = p[H_APP];
	h->rec_len = dm_get_u16be(p + H_REC_LEN);
	h->rec_count = dm_get_u16be(p + H_REC_COUNT);
	h->size = dm_get_u32be(p + H_SIZE);
	h->body = dm_get_u32be(p + H_BODY);
	h->parent = dm_get_u32be(p + H_PARENT);
	h->child = dm_get_u32be(p + H_CHILD);
	h->next = dm_get_u32be(p + H_NEXT);
	h->cyc_head = dm_get_u16be(p + H_CYC_HEAD);
	h->sec_form = p[H_SEC_FORM];
	h->sec_len = p[H_SEC_LEN];
	h->aid_len = p[H_AID_LEN];
	h->pin_count = p[H_PIN_COUNT];
	memcpy(h->pins, p + H_PINS, DM_FS_MAX_PINS);
	/* Record EFs: the body is exactly count records; cyclic head inside. */
	if (h->kind == FS_EF && h->rec_len != 0 &&
	    ((uint32_t)h->rec_len * h->rec_count != h->size ||
	     (h->rec_count != 0 && h->cyc_head >= h->rec_count)))
		return DM_E_CORRUPT;
	if (h->aid_len + h->sec_len == 0)
		return DM_OK;
	rc = dm_applet_store_view(ctx, off + HDR_FIXED, (size_t)h->aid_len + h->sec_len, &p);
	if (rc == DM_E_VALUE)
		return DM_E_CORRUPT;
	if (rc != DM_OK)
		return rc;
	memcpy(h->aid, p, h->aid_len);
	memcpy(h->sec, p + h->aid_len, h->sec_len);
	return DM_OK;
}

int dm_fsi_hdr_put8(dm_applet_ctx *ctx, uint32_t hdr, unsigned field, uint8_t v)
{
	return dm_applet_store_write(ctx, hdr + field, &v, 1);
}

int dm_fsi_hdr_put16(dm_applet_ctx *ctx, uint32_t hdr, unsigned field, uint16_t v)
{
	uint8_t b[2];

	dm_put_u16be(b, v);
	return dm_applet_store_write(ctx, hdr + field, b, sizeof b);
}

int dm_fsi_hdr_put32(dm_applet_ctx *ctx, uint32_t hdr, unsigned field, uint32_t v)
{
	uint8_t b[4];

	dm_put_u32be(b, v);
	return dm_applet_store_write(ctx, hdr + field, b, sizeof b);
}

/* --- the index: hash chains --- */

static uint32_t hash_key(uint32_t a, uint32_t b, uint32_t nb)
{
	uint32_t x = a * 0x9E3779B1u ^ (b + 0x7F4A7C15u) * 0x85EBCA77u;
	x ^= x >> 15;
	return x & (nb - 1);
}

static uint32_t slot_fid(const dm_fs *fs, int32_t parent, uint16_t fid)
{
	return hash_key((uint32_t)parent, fid, fs->nbuckets);
}

static uint32_t slot_sfi(const dm_fs *fs, int32_t parent, uint8_t sfi)
{
	return hash_key((uint32_t)parent, 0x10000u | sfi, fs->nbuckets);
}

static uint32_t slot_off(const dm_fs *fs, uint32_t hdr)
{
	return hash_key(hdr, 0x20000u, fs->nbuckets);
}

static void chain_insert(dm_fs *fs, int32_t idx)
{
	struct fs_node *n = &fs->nodes[idx];
	uint32_t s;

	if (n->has_fid) {
		s = slot_fid(fs, n->parent, n->fid);
		n->h_fid = fs->b_fid[s];
		fs->b_fid[s] = idx;
	}
	if (n->sfi != 0) {
		s = slot_sfi(fs, n->parent, n->sfi);
		n->h_sfi = fs->b_sfi[s];
		fs->b_sfi[s] = idx;
	}
	s = slot_off(fs, n->hdr);
	n->h_off = fs->b_off[s];
	fs->b_off[s] = idx;
}

/* Unlink idx from the chain starting at *head, linked through the field at
 * byte offset `link` of struct fs_node. */
static void chain_unlink(dm_fs *fs, int32_t *head, int32_t idx, size_t link)
{
	int32_t *pp = head;

	while (*pp != FS_NONE) {
		int32_t *next = (int32_t *)((uint8_t *)&fs->nodes[*pp] + link);
		if (*pp == idx) {
			*pp = *next;
			return;
		}
		pp = next;
	}
}

static void chain_remove(dm_fs *fs, int32_t idx)
{
	struct fs_node *n = &fs->nodes[idx];

	if (n->has_fid)
		chain_unlink(fs, &fs->b_fid[slot_fid(fs, n->parent, n->fid)], idx,
			     offsetof(struct fs_node, h_fid));
	if (n->sfi != 0)
		chain_unlink(fs, &fs->b_sfi[slot_sfi(fs, n->parent, n->sfi)], idx,
			     offsetof(struct fs_node, h_sfi));
	chain_unlink(fs, &fs->b_off[slot_off(fs, n->hdr)], idx, offsetof(struct fs_node, h_off));
}

/* Bucket arrays for at least n files (load factor <= 1/2). */
static int rehash(dm_fs *fs, uint32_t n)
{
	uint32_t nb = 64;

	while (nb < 2 * n)
		nb *= 2;
	if (nb == fs->nbuckets)
		return DM_OK;
	int32_t *b = malloc(3 * (size_t)nb * sizeof *b);
	if (b == NULL)
		return DM_E_NOMEM;
	free(fs->b_fid);
	fs->b_fid = b;
	fs->b_sfi = b + nb;
	fs->b_off = b + 2 * (size_t)nb;
	fs->nbuckets = nb;
	for (uint32_t i = 0; i < 3 * nb; i++)
		b[i] = FS_NONE;
	for (uint32_t i = 0; i < fs->cap; i++)
		if (fs->nodes[i].hdr != 0)
			chain_insert(fs, (int32_t)i);
	return DM_OK;
}

static int node_alloc(dm_fs *fs, int32_t *idx)
{
	if (fs->free_head == FS_NONE) {
		uint32_t ncap = fs->cap < 32 ? 32 : fs->cap * 2;
		if (ncap > (uint32_t)INT32_MAX / 2)
			return DM_E_NOMEM;
		struct fs_node *nn = realloc(fs->nodes, ncap * sizeof *nn);
		if (nn == NULL)
			return DM_E_NOMEM;
		fs->nodes = nn;
		for (uint32_t i = ncap; i > fs->cap; i--) {
			nn[i - 1].hdr = 0;
			nn[i - 1].next = fs->free_head;
			fs->free_head = (int32_t)(i - 1);
		}
		fs->cap = ncap;
	}
	if (2 * (fs->used + 1) > fs->nbuckets) {
		int rc = rehash(fs, fs->used + 1);
		if (rc != DM_OK)
			return rc;
	}
	*idx = fs->free_head;
	fs->free_head = fs->nodes[*idx].next;
	fs->used++;
	return DM_OK;
}

static void node_free(dm_fs *fs, int32_t idx)
{
	fs->nodes[idx].hdr = 0;
	fs->nodes[idx].next = fs->free_head;
	fs->free_head = idx;
	fs->used--;
}

int32_t dm_fsi_node_of(const dm_fs *fs, uint32_t hdr)
{
	if (fs->nbuckets == 0)
		return FS_NONE;
	for (int32_t i = fs->b_off[slot_off(fs, hdr)]; i != FS_NONE; i = fs->nodes[i].h_off)
		if (fs->nodes[i].hdr == hdr)
			return i;
	return FS_NONE;
}

int32_t dm_fsi_child(const dm_fs *fs, int32_t parent, uint16_t fid)
{
	for (int32_t i = fs->b_fid[slot_fid(fs, parent, fid)]; i != FS_NONE; i = fs->nodes[i].h_fid)
		if (fs->nodes[i].parent == parent && fs->nodes[i].fid == fid)
			return i;
	return FS_NONE;
}

int32_t dm_fsi_child_sfi(const dm_fs *fs, int32_t parent, uint8_t sfi)
{
	for (int32_t i = fs->b_sfi[slot_sfi(fs, parent, sfi)]; i != FS_NONE; i = fs->nodes[i].h_sfi)
		if (fs->nodes[i].parent == parent && fs->nodes[i].sfi == sfi)
			return i;
	return FS_NONE;
}

int32_t dm_fsi_adf_by_aid(const dm_fs *fs, const uint8_t *aid, size_t len)
{
	for (unsigned i = 0; i < fs->nadf; i++)
		if (fs->adf[i].aid_len == len && memcmp(fs->adf[i].aid, aid, len) == 0)
			return fs->adf[i].node;
	return FS_NONE;
}

int32_t dm_fsi_adf_of(const dm_fs *fs, int32_t idx)
{
	while (idx != FS_NONE && fs->nodes[idx].kind != FS_ADF)
		idx = fs->nodes[idx].parent;
	return idx;
}

/* The SFI an EF answers to (TS 102 221 §11.1.1.4.8): 88 absent = the five
 * low bits of the FID (when they form a valid SFI, 1..30). */
static uint8_t effective_sfi(const struct fs_hdr *h)
{
	if (h->kind != FS_EF)
		return 0;
	if (h->sfi_mode == DM_FCP_SFI_VALUE)
		return h->sfi;
	if (h->sfi_mode == DM_FCP_SFI_DEFAULT && h->has_fid) {
		uint8_t s = h->fid & 0x1F;
		return s != 0 && s != 31 ? s : 0;
	}
	return 0;
}

static int index_node(dm_fs *fs, int32_t parent, const struct fs_hdr *h, int32_t *out)
{
	int32_t idx;
	int rc = node_alloc(fs, &idx);

	if (rc != DM_OK)
		return rc;
	struct fs_node *n = &fs->nodes[idx];
	n->hdr = h->off;
	n->parent = parent;
	n->child = FS_NONE;
	n->next = FS_NONE;
	n->fid = h->fid;
	n->has_fid = h->has_fid;
	n->kind = h->kind;
	n->sfi = effective_sfi(h);
	n->app = h->app;
	n->depth = parent == FS_NONE ? 0 : (uint8_t)(fs->nodes[parent].depth + 1);
	chain_insert(fs, idx);
	if (h->kind == FS_ADF) {
		if (fs->nadf >= DM_ARRAY_LEN(fs->adf))
			return DM_E_CORRUPT;
		struct fs_adf *a = &fs->adf[fs->nadf++];
		a->node = idx;
		a->app = h->app;
		a->aid_len = h->aid_len;
		memcpy(a->aid, h->aid, h->aid_len);
	}
	*out = idx;
	return DM_OK;
}

int dm_fsi_index_add(dm_fs *fs, int32_t parent, const struct fs_hdr *h, int32_t *idx)
{
	int rc = index_node(fs, parent, h, idx);

	fs->changed = true;
	if (rc != DM_OK) {
		fs->stale = true;
		return rc;
	}
	if (parent != FS_NONE) {
		fs->nodes[*idx].next = fs->nodes[parent].child;
		fs->nodes[parent].child = *idx;
	}
	return DM_OK;
}

static void remove_one(dm_fs *fs, int32_t idx)
{
	chain_remove(fs, idx);
	if (fs->nodes[idx].kind == FS_ADF) {
		for (unsigned i = 0; i < fs->nadf; i++) {
			if (fs->adf[i].node == idx) {
				fs->adf[i] = fs->adf[--fs->nadf];
				break;
			}
		}
	}
	node_free(fs, idx);
}

void dm_fsi_index_remove(dm_fs *fs, int32_t idx)
{
	struct fs_node *n = &fs->nodes[idx];

	fs->changed = true;
	/* Unlink from the parent's child list. */
	if (n->parent != FS_NONE) {
		int32_t *pp = &fs->nodes[n->parent].child;
		while (*pp != FS_NONE && *pp != idx)
			pp = &fs->nodes[*pp].next;
		if (*pp == idx)
			*pp = n->next;
	}
	/* Post-order over the subtree without recursion: descend to a leaf,
	 * remove it, climb. */
	int32_t cur = idx;
	for (;;) {
		while (fs->nodes[cur].child != FS_NONE)
			cur = fs->nodes[cur].child;
		int32_t up = fs->nodes[cur].parent;
		bool last = cur == idx;
		if (!last)
			fs->nodes[up].child = fs->nodes[cur].next;
		remove_one(fs, cur);
		if (last)
			return;
		cur = up;
	}
}

static void index_clear(dm_fs *fs)
{
	free(fs->nodes);
	free(fs->b_fid);
	fs->nodes = NULL;
	fs->b_fid = fs->b_sfi = fs->b_off = NULL;
	fs->cap = fs->used = fs->nbuckets = 0;
	fs->free_head = FS_NONE;
	fs->root = FS_NONE;
	fs->nadf = 0;
}

/*
 * Rebuild the index from the store: a walk of the tree from the MF through
 * child and sibling links.  Each header must name the parent it was reached
 * from, which also stops a damaged image from looping; the number of files
 * is bounded by what the heap can hold.
 */
static int index_build(dm_fs *fs, dm_applet_ctx *ctx)
{
	uint32_t mf;
	struct fs_hdr h;
	int rc = dm_applet_root_get(ctx, DM_ROOT_UICC, &mf);

	index_clear(fs);
	if (rc != DM_OK)
		return rc;
	if (mf == 0)
		return DM_E_NOT_FOUND;
	rc = rehash(fs, 64);
	if (rc == DM_OK)
		rc = dm_fsi_hdr_read(ctx, mf, &h);
	if (rc == DM_OK && (h.kind != FS_MF || h.parent != 0))
		rc = DM_E_CORRUPT;
	if (rc == DM_OK)
		rc = index_node(fs, FS_NONE, &h, &fs->root);
	uint32_t limit = dm_applet_heap_len(ctx) / (HDR_FIXED + DM_HEAP_BLOCK_HDR) + 1;
	int32_t cur = fs->root;
	uint32_t next_off = rc == DM_OK ? h.child : 0;
	int32_t tail = FS_NONE; /* last child indexed under cur */

	/* Iterative DFS: next_off is the next header to visit under cur. */
	while (rc == DM_OK) {
		if (next_off == 0) {
			/* cur's children done: continue with cur's next sibling. */
			if (cur == fs->root)
				break;
			rc = dm_fsi_hdr_read(ctx, fs->nodes[cur].hdr, &h);
			if (rc != DM_OK)
				break;
			next_off = h.next;
			tail = cur;
			cur = fs->nodes[cur].parent;
			continue;
		}
		if (fs->used >= limit || fs->nodes[cur].depth >= DM_FS_MAX_DEPTH + 1) {
			rc = DM_E_CORRUPT;
			break;
		}
		rc = dm_fsi_hdr_read(ctx, next_off, &h);
		if (rc != DM_OK)
			break;
		if (h.parent != fs->nodes[cur].hdr || h.kind == FS_MF ||
		    dm_fsi_node_of(fs, h.off) != FS_NONE) {
			rc = DM_E_CORRUPT;
			break;
		}
		int32_t idx;
		rc = index_node(fs, cur, &h, &idx);
		if (rc != DM_OK)
			break;
		/* Keep the store's child order. */
		if (tail == FS_NONE || fs->nodes[tail].parent != cur)
			fs->nodes[cur].child = idx;
		else
			fs->nodes[tail].next = idx;
		tail = idx;
		if (h.kind != FS_EF && h.child != 0) {
			cur = idx;
			tail = FS_NONE;
			next_off = h.child;
		} else {
			next_off = h.next;
		}
	}
	if (rc != DM_OK)
		index_clear(fs);
	return rc;
}

/* --- the service --- */

static void svc_txn_end(void *state, bool committed)
{
	dm_fs *fs = state;

	if (!committed && fs->changed)
		fs->stale = true;
	fs->changed = false;
}

static void svc_destroy(void *state)
{
	dm_fs *fs = state;

	index_clear(fs);
	dm_wipe(&fs->sec, sizeof fs->sec);
	free(fs);
}

static const dm_service_ops fs_service_ops = {
	.txn_end = svc_txn_end,
	.destroy = svc_destroy,
};

/* After a rebuild, selections naming files that no longer exist (their
 * creation was rolled back) fall back to the MF. */
static void channels_check(dm_fs *fs)
{
	for (unsigned c = 0; c < DM_CARD_CHANNELS; c++) {
		struct fs_chan *ch = &fs->ch[c];
		if ((ch->df != 0 && dm_fsi_node_of(fs, ch->df) == FS_NONE) ||
		    (ch->ef != 0 && dm_fsi_node_of(fs, ch->ef) == FS_NONE) ||
		    (ch->adf != 0 && dm_fsi_node_of(fs, ch->adf) == FS_NONE))
			memset(ch, 0, sizeof *ch);
	}
}

int dm_fs_get(dm_applet_ctx *ctx, dm_fs **out)
{
	dm_fs *fs = dm_applet_service(ctx, DM_SERVICE_UICC);
	int rc;

	if (fs == NULL) {
		fs = calloc(1, sizeof *fs);
		if (fs == NULL)
			return DM_E_NOMEM;
		fs->root = FS_NONE;
		fs->free_head = FS_NONE;
		fs->stale = true;
		rc = dm_applet_service_attach(ctx, DM_SERVICE_UICC, fs, &fs_service_ops);
		if (rc != DM_OK) {
			free(fs);
			return rc;
		}
	}
	if (fs->stale) {
		rc = index_build(fs, ctx);
		if (rc != DM_OK)
			return rc;
		fs->stale = false;
		channels_check(fs);
	}
	*out = fs;
	return DM_OK;
}

/* --- the channel's selection --- */

int32_t dm_fsi_cur_df(const struct fs_op *op)
{
	if (op->ch->df == 0)
		return op->fs->root;
	int32_t i = dm_fsi_node_of(op->fs, op->ch->df);
	return i != FS_NONE ? i : op->fs->root;
}

int32_t dm_fsi_cur_ef(const struct fs_op *op)
{
	return op->ch->ef != 0 ? dm_fsi_node_of(op->fs, op->ch->ef) : FS_NONE;
}

int32_t dm_fsi_cur_adf(const struct fs_op *op)
{
	return op->ch->adf != 0 ? dm_fsi_node_of(op->fs, op->ch->adf) : FS_NONE;
}

uint8_t dm_fsi_cur_app(const struct fs_op *op)
{
	int32_t a = dm_fsi_cur_adf(op);
	return a != FS_NONE ? op->fs->nodes[a].app : 0;
}

void dm_fsi_set_current(struct fs_op *op, int32_t idx)
{
	const struct fs_node *n = &op->fs->nodes[idx];
	int32_t df = n->kind == FS_EF ? n->parent : idx;
	int32_t adf = dm_fsi_adf_of(op->fs, df);

	op->ch->df = df == op->fs->root ? 0 : op->fs->nodes[df].hdr;
	op->ch->ef = n->kind == FS_EF ? n->hdr : 0;
	op->ch->rec = 0;
	/* Entering an ADF's tree makes it the channel's application; the
	 * MF's tree keeps the last one (7FFF still names it). */
	if (adf != FS_NONE)
		op->ch->adf = op->fs->nodes[adf].hdr;
}

void dm_fsi_forget(dm_fs *fs, uint32_t hdr, uint32_t parent_hdr)
{
	for (unsigned c = 0; c < DM_CARD_CHANNELS; c++) {
		struct fs_chan *ch = &fs->ch[c];
		if (ch->adf == hdr)
			ch->adf = 0;
		if (ch->ef == hdr || ch->df == hdr) {
			ch->ef = 0;
			ch->rec = 0;
			if (ch->df == hdr)
				ch->df = parent_hdr;
		}
	}
}

void dm_fs_channel_reset(dm_applet_ctx *ctx)
{
	dm_fs *fs = dm_applet_service(ctx, DM_SERVICE_UICC);

	if (fs != NULL)
		memset(&fs->ch[dm_applet_channel(ctx)], 0, sizeof fs->ch[0]);
}

void dm_fs_power(dm_applet_ctx *ctx, dm_power_event ev)
{
	dm_fs *fs = dm_applet_service(ctx, DM_SERVICE_UICC);

	(void)ev;
	if (fs == NULL)
		return;
	memset(fs->ch, 0, sizeof fs->ch);
	dm_sec_clear(&fs->sec);
}

uint8_t dm_fs_app_of_aid(dm_applet_ctx *ctx, dm_bytes aid)
{
	dm_fs *fs;

	if (dm_fs_get(ctx, &fs) != DM_OK)
		return 0;
	int32_t i = dm_fsi_adf_by_aid(fs, aid.ptr, aid.len);
	return i != FS_NONE ? fs->nodes[i].app : 0;
}

/* --- dispatch --- */

/* Whether the class suits the command: ISO commands take CLA 0X/4X-7X,
 * the ETSI ones (STATUS, RESIZE) 8X/CX-FX (TS 102 221 §10.1.1). */
static uint16_t class_check(const dm_capdu *cmd, bool proprietary)
{
	dm_cla cla;

	if (dm_cla_decode(cmd->cla, &cla) != DM_OK || cla.interindustry == proprietary)
		return DM_SW_CLA_UNSUPPORTED;
	if (cla.sm != 0)
		return DM_SW_SM_UNSUPPORTED;
	return DM_SW_OK;
}

static bool is_proprietary_ins(uint8_t ins)
{
	return ins == INS_STATUS || ins == INS_RESIZE;
}

static bool is_fs_ins(uint8_t ins)
{
	switch (ins) {
	case INS_SELECT:
	case INS_STATUS:
	case INS_READ_BINARY:
	case INS_UPDATE_BINARY:
	case INS_READ_BINARY_ODD:
	case INS_UPDATE_BINARY_ODD:
	case INS_READ_RECORD:
	case INS_UPDATE_RECORD:
	case INS_SEARCH_RECORD:
	case INS_DEACTIVATE:
	case INS_ACTIVATE:
	case INS_CREATE:
	case INS_DELETE:
	case INS_TERMINATE_DF:
	case INS_TERMINATE_EF:
	case INS_RESIZE:
	case DM_INS_VERIFY_PIN:
	case DM_INS_CHANGE_PIN:
	case DM_INS_DISABLE_PIN:
	case DM_INS_ENABLE_PIN:
	case DM_INS_UNBLOCK_PIN:
		return true;
	default:
		return false;
	}
}

/* p: the commands that change a file, for dm_fs_notify (fs.h). */
static bool is_change_ins(uint8_t ins)
{
	switch (ins) {
	case INS_UPDATE_BINARY_ODD:
	case INS_UPDATE_BINARY:
	case INS_UPDATE_RECORD:
	case INS_DEACTIVATE:
	case INS_ACTIVATE:
	case INS_CREATE:
	case INS_DELETE:
	case INS_TERMINATE_DF:
	case INS_TERMINATE_EF:
	case INS_RESIZE:
		return true;
	default:
		return false;
	}
}

/* FIDs of node idx from the MF (3F00 excluded) into chg. */
static void change_path(const dm_fs *fs, int32_t idx, dm_fs_change *chg)
{
	uint16_t rev[DM_FS_MAX_DEPTH + 1u];
	size_t n = 0;

	for (int32_t i = idx; i != FS_NONE && i != fs->root && n < DM_ARRAY_LEN(rev);
	     i = fs->nodes[i].parent)
		rev[n++] = fs->nodes[i].fid;
	chg->path_len = (uint8_t)n;
	for (size_t k = 0; k < n; k++)
		chg->path[k] = rev[n - 1 - k];
}

/* After a successful changing command: the file it changed is the
 * channel's current EF, or DF (CREATE of a DF, DF commands); for DELETE
 * FILE, the child named by the data under the current DF. */
static uint16_t notify_change(struct fs_op *op)
{
	dm_fs_change chg = { .ins = op->cmd->ins };
	int32_t idx = dm_fsi_cur_ef(op);

	if (op->cmd->ins == INS_DELETE || idx == FS_NONE)
		idx = dm_fsi_cur_df(op);
	change_path(op->fs, idx, &chg);
	if (op->cmd->ins == INS_DELETE && op->cmd->nc == 2 &&
	    chg.path_len < DM_ARRAY_LEN(chg.path))
		chg.path[chg.path_len++] = dm_get_u16be(op->cmd->data);
	return dm_fsi_sw(dm_fs_notify(op->ctx, &chg));
}

static uint16_t fs_dispatch(struct fs_op *op);

uint16_t dm_fs_process(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp)
{
	if (!is_fs_ins(cmd->ins))
		return DM_SW_INS_UNSUPPORTED;
	uint16_t sw = class_check(cmd, is_proprietary_ins(cmd->ins));
	if (sw != DM_SW_OK)
		return sw;

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
	uint16_t sw2 = fs_dispatch(&op);
	if (sw2 == DM_SW_OK && is_change_ins(cmd->ins))
		sw2 = notify_change(&op);
	return sw2;
}

static uint16_t fs_dispatch(struct fs_op *op_)
{
	struct fs_op op = *op_;
	const dm_capdu *cmd = op.cmd;

	switch (cmd->ins) {
	case INS_SELECT:
		return dm_fsi_select(&op);
	case INS_STATUS:
		return dm_fsi_status(&op);
	case INS_READ_BINARY:
		return dm_fsi_read_binary(&op);
	case INS_UPDATE_BINARY:
		return dm_fsi_update_binary(&op);
	case INS_READ_BINARY_ODD:
		return dm_fsi_read_binary_odd(&op);
	case INS_UPDATE_BINARY_ODD:
		return dm_fsi_update_binary_odd(&op);
	case INS_READ_RECORD:
		return dm_fsi_read_record(&op);
	case INS_UPDATE_RECORD:
		return dm_fsi_update_record(&op);
	case INS_SEARCH_RECORD:
		return dm_fsi_search_record(&op);
	case INS_DEACTIVATE:
		return dm_fsi_activation(&op, false);
	case INS_ACTIVATE:
		return dm_fsi_activation(&op, true);
	case INS_CREATE:
		return dm_fsi_create_file(&op);
	case INS_DELETE:
		return dm_fsi_delete_file(&op);
	case INS_TERMINATE_DF:
		return dm_fsi_terminate(&op, true);
	case INS_TERMINATE_EF:
		return dm_fsi_terminate(&op, false);
	case INS_RESIZE:
		return dm_fsi_resize_file(&op);
	default:
		return dm_fsi_pin_command(&op);
	}
}
