/*
 * install.c - the card image layout and the persistent table of installed
 * instances (docs/runtime.md, "Card image").
 *
 *   store offset 0   runtime header, DM_RT_HDR_LEN bytes:
 *                      0  magic "DMSCRT01"
 *                      8  u32 heap base     12  u32 heap length
 *                     16  u32 table offset  20  u32 table entries
 *                     24  4 x u32 root slots of card-global services
 *                         (applet.h DM_ROOT_*; applet_ctx.c)
 *                     (big-endian, the rest zero)
 *   DM_RT_HEAP_BASE  the persistent heap (card/heap.h) up to the capacity:
 *                    the instance table and every instance's region.
 *
 * A table entry (TABLE_ENTRY bytes): u8 AID length, 16 AID bytes, 3 zero,
 * u32 region offset, u32 region size, 4 zero.  Instances are matched to the
 * registry by AID (length 0 = the default application).
 *
 * Every change is a store transaction, one per instance installed: a power
 * cut during card creation leaves an image that the next open completes.
 * An image that is all zero at offset 0 is one whose first transaction never
 * committed: it is formatted again.
 */
#include "heap.h"
#include "runtime_int.h"

#include <string.h>

static const uint8_t magic[8] = { 'D', 'M', 'S', 'C', 'R', 'T', '0', '1' };

#define HDR_HEAP_BASE 8u
#define HDR_HEAP_LEN 12u
#define HDR_TABLE_OFF 16u
#define HDR_TABLE_COUNT 20u

#define TABLE_ENTRY 32u
#define ENT_AID_LEN 0u
#define ENT_AID 1u
#define ENT_OFF 20u
#define ENT_SIZE 24u

/* Table entries an image may list: a generous bound that keeps a damaged
 * count from driving huge reads. */
#define TABLE_MAX 256u

struct table {
	uint32_t off;   /* store offset of the table block, 0 = none */
	uint32_t count;
	uint32_t heap_base;
};

static int hdr_read(struct dm_card *card, struct table *t, bool *fresh)
{
	uint8_t h[DM_RT_HDR_LEN];
	int rc = dm_store_read(card->store, 0, h, sizeof h);

	if (rc != DM_OK)
		return rc;
	*fresh = false;
	if (memcmp(h, magic, sizeof magic) != 0) {
		for (size_t i = 0; i < sizeof h; i++)
			if (h[i] != 0)
				return DM_E_CORRUPT;
		*fresh = true;
		return DM_OK;
	}
	t->heap_base = dm_get_u32be(h + HDR_HEAP_BASE);
	t->off = dm_get_u32be(h + HDR_TABLE_OFF);
	t->count = dm_get_u32be(h + HDR_TABLE_COUNT);
	uint32_t cap = dm_store_capacity(card->store);
	if (t->heap_base != DM_RT_HEAP_BASE || dm_get_u32be(h + HDR_HEAP_LEN) > cap - t->heap_base ||
	    t->count > TABLE_MAX || (t->count != 0 && t->off == 0) ||
	    t->off > cap || (size_t)t->count * TABLE_ENTRY > cap - t->off)
		return DM_E_CORRUPT;
	return DM_OK;
}

/* Inside a transaction: write the header and an empty heap. */
static int format(struct dm_card *card, struct table *t)
{
	uint8_t h[DM_RT_HDR_LEN] = { 0 };
	uint32_t cap = dm_store_capacity(card->store);

	if (cap <= DM_RT_HEAP_BASE)
		return DM_E_VALUE;
	memcpy(h, magic, sizeof magic);
	dm_put_u32be(h + HDR_HEAP_BASE, DM_RT_HEAP_BASE);
	dm_put_u32be(h + HDR_HEAP_LEN, cap - DM_RT_HEAP_BASE);
	int rc = dm_store_write(card->store, 0, h, sizeof h);
	if (rc == DM_OK)
		rc = dm_heap_format(card->store, DM_RT_HEAP_BASE, cap - DM_RT_HEAP_BASE);
	t->off = 0;
	t->count = 0;
	t->heap_base = DM_RT_HEAP_BASE;
	return rc;
}

static int hdr_write_table(struct dm_card *card, const struct table *t)
{
	uint8_t b[8];

	dm_put_u32be(b, t->off);
	dm_put_u32be(b + 4, t->count);
	return dm_store_write(card->store, HDR_TABLE_OFF, b, sizeof b);
}

/* Index of the table entry with reg's AID, or -1. */
static int table_find(struct dm_card *card, const struct table *t, const dm_applet_reg *reg,
		      uint8_t ent[TABLE_ENTRY], long *idx)
{
	*idx = -1;
	for (uint32_t i = 0; i < t->count; i++) {
		int rc = dm_store_read(card->store, t->off + i * TABLE_ENTRY, ent, TABLE_ENTRY);
		if (rc != DM_OK)
			return rc;
		if (ent[ENT_AID_LEN] > DM_AID_MAX)
			return DM_E_CORRUPT;
		if (ent[ENT_AID_LEN] == reg->aid_len &&
		    memcmp(ent + ENT_AID, reg->aid, reg->aid_len) == 0) {
			*idx = (long)i;
			return DM_OK;
		}
	}
	return DM_OK;
}

/* Inside a transaction: append an entry for inst, allocate its region and
 * let the applet initialise it. */
static int install_one(struct dm_card *card, struct table *t, struct dm_instance *inst)
{
	const dm_applet_reg *reg = inst->reg;
	uint32_t size = reg->applet->persistent_size;
	uint32_t toff = t->off, roff = 0;
	int rc;

	if (t->count >= TABLE_MAX)
		return DM_E_NOMEM;
	uint32_t tbytes = (t->count + 1) * TABLE_ENTRY;
	if (t->off == 0)
		rc = dm_heap_alloc(card->store, t->heap_base, tbytes, &toff);
	else
		rc = dm_heap_resize(card->store, t->heap_base, t->off, tbytes, &toff);
	if (rc != DM_OK)
		return rc;
	if (size != 0) {
		rc = dm_heap_alloc(card->store, t->heap_base, size, &roff);
		if (rc != DM_OK)
			return rc;
	}
	uint8_t ent[TABLE_ENTRY] = { 0 };
	ent[ENT_AID_LEN] = reg->aid_len;
	memcpy(ent + ENT_AID, reg->aid, reg->aid_len);
	dm_put_u32be(ent + ENT_OFF, roff);
	dm_put_u32be(ent + ENT_SIZE, size);
	rc = dm_store_write(card->store, toff + t->count * TABLE_ENTRY, ent, sizeof ent);
	if (rc != DM_OK)
		return rc;
	t->off = toff;
	t->count++;
	rc = hdr_write_table(card, t);
	if (rc != DM_OK)
		return rc;
	inst->p_off = roff;
	inst->p_size = size;
	if (reg->applet->install == NULL)
		return DM_OK;
	dm_applet_ctx ctx = dm_rt_ctx(card, inst, 0);
	card->in_command = true;
	rc = reg->applet->install(&ctx);
	card->in_command = false;
	return rc;
}

/* Inside a transaction: the applet of this build wants another region size
 * than the image has (a newer card build): resize, keeping the content. */
static int resize_region(struct dm_card *card, const struct table *t, long idx,
			 struct dm_instance *inst, uint32_t old_off, uint32_t old_size)
{
	uint32_t size = inst->reg->applet->persistent_size;
	uint32_t off = 0;
	int rc = DM_OK;

	if (size == 0) {
		if (old_size != 0)
			rc = dm_heap_free(card->store, t->heap_base, old_off);
	} else if (old_size == 0) {
		rc = dm_heap_alloc(card->store, t->heap_base, size, &off);
	} else {
		rc = dm_heap_resize(card->store, t->heap_base, old_off, size, &off);
	}
	if (rc != DM_OK)
		return rc;
	uint8_t b[8];
	dm_put_u32be(b, off);
	dm_put_u32be(b + 4, size);
	rc = dm_store_write(card->store, t->off + (uint32_t)idx * TABLE_ENTRY + ENT_OFF, b, 8);
	inst->p_off = off;
	inst->p_size = size;
	return rc;
}

/* One transaction per step; card->txn tells applet writes that it is open. */
static int txn_begin(struct dm_card *card)
{
	int rc = dm_store_begin(card->store);

	if (rc == DM_OK)
		card->txn = true;
	return rc;
}

/* End the step's transaction (install() may have committed it already). */
static int txn_close(struct dm_card *card, int rc)
{
	if (!card->txn)
		return rc;
	card->txn = false;
	card->heap_free_valid = false; /* installation allocates directly */
	if (rc == DM_OK) {
		rc = dm_store_commit(card->store);
		dm_rt_services_txn_end(card, rc == DM_OK);
		return rc;
	}
	int ab = dm_store_abort(card->store);
	dm_rt_services_txn_end(card, false);
	return ab == DM_E_IO ? ab : rc;
}

int dm_rt_install(struct dm_card *card)
{
	struct table t = { 0, 0, DM_RT_HEAP_BASE };
	bool fresh;
	int rc = hdr_read(card, &t, &fresh);

	if (rc != DM_OK)
		return rc;
	if (fresh) {
		rc = txn_begin(card);
		if (rc != DM_OK)
			return rc;
		rc = txn_close(card, format(card, &t));
		if (rc != DM_OK)
			return rc;
	}
	for (size_t i = 0; i < card->ninst; i++) {
		struct dm_instance *inst = &card->inst[i];
		uint8_t ent[TABLE_ENTRY];
		long idx;

		rc = table_find(card, &t, inst->reg, ent, &idx);
		if (rc != DM_OK)
			return rc;
		if (idx >= 0) {
			uint32_t off = dm_get_u32be(ent + ENT_OFF);
			uint32_t size = dm_get_u32be(ent + ENT_SIZE);
			if (off > dm_store_capacity(card->store) ||
			    size > dm_store_capacity(card->store) - off)
				return DM_E_CORRUPT;
			inst->p_off = off;
			inst->p_size = size;
			if (size == inst->reg->applet->persistent_size)
				continue;
			rc = txn_begin(card);
			if (rc == DM_OK)
				rc = txn_close(card, resize_region(card, &t, idx, inst, off, size));
		} else {
			rc = txn_begin(card);
			if (rc == DM_OK)
				rc = txn_close(card, install_one(card, &t, inst));
		}
		if (rc != DM_OK)
			return rc;
	}
	return DM_OK;
}
