/*
 * inspect.c - card images seen from outside (inspect.h): the runtime
 * context and a walk over the UICC file system's index.
 */
#include "inspect.h"

#include <stdlib.h>
#include <string.h>

#include "fs_int.h"
#include "runtime_int.h"

int dm_card_inspect(dm_card *card, int (*fn)(dm_applet_ctx *ctx, void *arg), void *arg)
{
	if (card == NULL || fn == NULL)
		return DM_E_ARG;
	if (card->def == NULL || card->dead)
		return DM_E_STATE;
	/* in_command stays false: the store refuses every write (applet.h). */
	dm_applet_ctx ctx = dm_rt_ctx(card, card->def, 0);
	return fn(&ctx, arg);
}

static int entry_of(dm_applet_ctx *ctx, const dm_fs *fs, int32_t idx, dm_fs_entry *e,
		    struct fs_hdr *h)
{
	int rc = dm_fsi_hdr_read(ctx, fs->nodes[idx].hdr, h);
	if (rc != DM_OK)
		return rc;
	memset(e, 0, sizeof *e);
	const struct fs_node *n = &fs->nodes[idx];
	e->depth = n->depth;
	e->path_len = n->depth;
	if (n->depth > DM_FS_MAX_DEPTH + 1)
		return DM_E_CORRUPT;
	for (int32_t i = idx, d = n->depth; d > 0 && i != FS_NONE; d--, i = fs->nodes[i].parent)
		e->path[d - 1] = fs->nodes[i].fid;
	e->fdb = h->fdb;
	e->lcsi = h->lcsi;
	e->sfi = n->sfi;
	if (h->sec_form == 0x8B && h->sec_len == 3) {
		e->arr_fid = dm_get_u16be(h->sec);
		e->arr_record = h->sec[2];
	}
	e->size = h->size;
	e->rec_len = h->rec_len;
	e->rec_count = h->rec_count;
	e->total = dm_fsi_total_size(h);
	e->is_df = fs_is_df(h);
	e->aid = dm_bytes_of(h->aid, h->aid_len);
	e->pin_count = h->pin_count < DM_FS_MAX_PINS ? h->pin_count : DM_FS_MAX_PINS;
	memcpy(e->pins, h->pins, e->pin_count);
	return DM_OK;
}

/* Children of a node in FID order: the index keeps them in creation
 * order, a listing reads better sorted. */
static int walk(dm_applet_ctx *ctx, const dm_fs *fs, int32_t idx,
		int (*fn)(void *arg, const dm_fs_entry *e), void *arg, unsigned depth)
{
	dm_fs_entry e;
	struct fs_hdr h;
	int rc = entry_of(ctx, fs, idx, &e, &h);
	if (rc == DM_OK)
		rc = fn(arg, &e);
	if (rc != DM_OK || !e.is_df)
		return rc;
	if (depth > DM_FS_MAX_DEPTH)
		return DM_E_CORRUPT;
	size_t n = 0;
	for (int32_t c = fs->nodes[idx].child; c != FS_NONE; c = fs->nodes[c].next)
		if (++n > fs->used)
			return DM_E_CORRUPT;
	if (n == 0)
		return DM_OK;
	int32_t *kids = malloc(n * sizeof *kids);
	if (kids == NULL)
		return DM_E_NOMEM;
	size_t k = 0;
	for (int32_t c = fs->nodes[idx].child; c != FS_NONE; c = fs->nodes[c].next) {
		size_t j = k++;
		while (j > 0 && fs->nodes[kids[j - 1]].fid > fs->nodes[c].fid) {
			kids[j] = kids[j - 1];
			j--;
		}
		kids[j] = c;
	}
	for (size_t i = 0; i < n && rc == DM_OK; i++)
		rc = walk(ctx, fs, kids[i], fn, arg, depth + 1);
	free(kids);
	return rc;
}

int dm_fs_walk(dm_applet_ctx *ctx, int (*fn)(void *arg, const dm_fs_entry *e), void *arg)
{
	dm_fs *fs;
	int rc = dm_fs_get(ctx, &fs);
	if (rc != DM_OK)
		return rc;
	if (fs->root == FS_NONE)
		return DM_E_NOT_FOUND;
	return walk(ctx, fs, fs->root, fn, arg, 0);
}

int dm_fs_read_raw(dm_applet_ctx *ctx, const uint16_t *path, size_t path_len, uint32_t off,
		   void *buf, size_t n)
{
	dm_fs *fs;
	struct fs_hdr h;
	int rc = dm_fs_get(ctx, &fs);
	if (rc != DM_OK)
		return rc;
	int32_t idx = fs->root;
	for (size_t i = 0; i < path_len && idx != FS_NONE; i++)
		idx = dm_fsi_child(fs, idx, path[i]);
	if (idx == FS_NONE)
		return DM_E_NOT_FOUND;
	rc = dm_fsi_hdr_read(ctx, fs->nodes[idx].hdr, &h);
	if (rc != DM_OK)
		return rc;
	if (fs_is_df(&h))
		return DM_E_NOT_FOUND;
	if (off > h.size || n > h.size - off)
		return DM_E_VALUE;
	if (n == 0)
		return DM_OK;
	return dm_applet_store_read(ctx, h.body + off, buf, n);
}
