/*
 * heap.c - persistent first-fit allocator with boundary coalescing over a
 * region of the store (card/heap.h, docs/store.md).
 *
 * Region: [header 16 B][block][block]...  exactly tiled up to base + len.
 *   header: "DMHEAP", u16 version, u32 len, CRC-32 of the first 12 bytes.
 *   block:  u32 word = size | used (bit 0), u32 word ^ BLOCK_TAG, payload.
 *           size counts the 8-byte block header, is a multiple of 8, >= 16.
 * Invariant: no two free blocks are adjacent (free merges at once), so after
 * everything is freed the region is one free block again.
 *
 * The walk reads each header through a zero-copy store view: a ~1000-block
 * heap costs a few microseconds per call, and nothing is cached in RAM that
 * an abort or a power cut could make stale.
 */
#include "heap.h"

#include <stdlib.h>
#include <string.h>

#include <tomcrypt.h>

#define HEAP_VERSION 1u
#define BLOCK_TAG 0x48454150u   /* "HEAP": detects a header overwritten by a stray write */
#define BLOCK_MIN (DM_HEAP_BLOCK_HDR + DM_HEAP_ALIGN)

static const uint8_t heap_magic[6] = { 'D', 'M', 'H', 'E', 'A', 'P' };

struct heap {
	dm_store *s;
	uint32_t first;   /* offset of the first block */
	uint32_t end;     /* base + len */
};

struct blk {
	uint32_t off;     /* offset of the block header */
	uint32_t size;
	bool used;
	bool valid;       /* false: "no such block" (no predecessor, or past the end) */
};

static void header_crc(const uint8_t *h, uint8_t out[4])
{
	crc32_state c;
	crc32_init(&c);
	crc32_update(&c, h, 12);
	crc32_finish(&c, out, 4);
}

static int heap_open(dm_store *s, uint32_t base, struct heap *h)
{
	const uint8_t *p;
	uint8_t crc[4];

	if (s == NULL)
		return DM_E_ARG;
	int rc = dm_store_view(s, base, DM_HEAP_HEADER_LEN, &p);
	if (rc == DM_E_VALUE)
		return DM_E_CORRUPT;   /* no room for a heap at base */
	if (rc != DM_OK)
		return rc;
	header_crc(p, crc);
	if (memcmp(p, heap_magic, sizeof heap_magic) != 0 || memcmp(p + 12, crc, 4) != 0)
		return DM_E_CORRUPT;
	if (dm_get_u16be(p + 6) != HEAP_VERSION)
		return DM_E_UNSUPPORTED;
	uint32_t len = dm_get_u32be(p + 8);
	if (len % DM_HEAP_ALIGN != 0 || len < DM_HEAP_HEADER_LEN + BLOCK_MIN ||
	    (uint64_t)base + len > dm_store_capacity(s))
		return DM_E_CORRUPT;
	h->s = s;
	h->first = base + DM_HEAP_HEADER_LEN;
	h->end = base + len;
	return DM_OK;
}

/* Open for a change: the caller's transaction must be open. */
static int heap_open_txn(dm_store *s, uint32_t base, struct heap *h)
{
	if (s != NULL && !dm_store_in_transaction(s))
		return DM_E_STATE;
	return heap_open(s, base, h);
}

static int blk_read(const struct heap *h, uint32_t off, struct blk *b)
{
	const uint8_t *p;
	int rc = dm_store_view(h->s, off, DM_HEAP_BLOCK_HDR, &p);
	if (rc != DM_OK)
		return rc;
	uint32_t word = dm_get_u32be(p);
	uint32_t size = word & ~(uint32_t)1;
	if ((word ^ BLOCK_TAG) != dm_get_u32be(p + 4) || size < BLOCK_MIN ||
	    size % DM_HEAP_ALIGN != 0 || size > h->end - off)
		return DM_E_CORRUPT;
	b->off = off;
	b->size = size;
	b->used = word & 1;
	b->valid = true;
	return DM_OK;
}

/* The block after b, or an invalid one at the region's end. */
static int blk_next(const struct heap *h, const struct blk *b, struct blk *next)
{
	next->valid = false;
	if (b->off + b->size == h->end)
		return DM_OK;
	return blk_read(h, b->off + b->size, next);
}

static int blk_write(const struct heap *h, uint32_t off, uint32_t size, bool used)
{
	uint8_t p[DM_HEAP_BLOCK_HDR];
	uint32_t word = size | (used ? 1u : 0u);
	dm_put_u32be(p, word);
	dm_put_u32be(p + 4, word ^ BLOCK_TAG);
	return dm_store_write(h->s, off, p, sizeof p);
}

/* Zero [off, off + n).  Pieces that already read as zero (virgin or
 * never-written space) are not rewritten, so they cost no journal. */
static int zero_fill(dm_store *s, uint32_t off, uint32_t n)
{
	static const uint8_t zeros[512];
	while (n > 0) {
		const uint8_t *v;
		uint32_t k = n < sizeof zeros ? n : (uint32_t)sizeof zeros;
		int rc = dm_store_view(s, off, k, &v);
		if (rc == DM_OK && memcmp(v, zeros, k) != 0)
			rc = dm_store_write(s, off, zeros, k);
		if (rc != DM_OK)
			return rc;
		off += k;
		n -= k;
	}
	return DM_OK;
}

/* Block size holding size payload bytes; 0 if it cannot fit in the heap. */
static uint32_t block_need(const struct heap *h, uint32_t size)
{
	uint64_t need = ((uint64_t)size + DM_HEAP_ALIGN - 1) / DM_HEAP_ALIGN * DM_HEAP_ALIGN
		+ DM_HEAP_BLOCK_HDR;
	if (need < BLOCK_MIN)
		need = BLOCK_MIN;
	return need > h->end - h->first ? 0 : (uint32_t)need;
}

/* Find the allocated block whose payload starts at off, and its predecessor. */
static int locate(const struct heap *h, uint32_t off, struct blk *prev, struct blk *b)
{
	prev->valid = false;
	for (uint32_t at = h->first; at < h->end; at += b->size) {
		int rc = blk_read(h, at, b);
		if (rc != DM_OK)
			return rc;
		if ((uint64_t)at + DM_HEAP_BLOCK_HDR == off)
			return b->used ? DM_OK : DM_E_NOT_FOUND;
		if ((uint64_t)at + DM_HEAP_BLOCK_HDR > off)
			break;
		*prev = *b;
	}
	return DM_E_NOT_FOUND;
}

/* Turn the used block b into a free one merged with its free neighbours. */
static int release(const struct heap *h, const struct blk *prev, const struct blk *b)
{
	struct blk next;
	uint32_t start = b->off, size = b->size;
	int rc = blk_next(h, b, &next);
	if (rc != DM_OK)
		return rc;
	if (next.valid && !next.used)
		size += next.size;
	if (prev->valid && !prev->used) {
		start = prev->off;
		size += prev->size;
	}
	return blk_write(h, start, size, false);
}

/* Make the first part of free block b a used block of need bytes (splitting
 * off the rest if it can form a block) with zeroed payload. */
static int take(const struct heap *h, const struct blk *b, uint32_t need)
{
	int rc;
	if (b->size - need >= BLOCK_MIN) {
		rc = blk_write(h, b->off, need, true);
		if (rc == DM_OK)
			rc = blk_write(h, b->off + need, b->size - need, false);
	} else {
		need = b->size;
		rc = blk_write(h, b->off, need, true);
	}
	if (rc == DM_OK)
		rc = zero_fill(h->s, b->off + DM_HEAP_BLOCK_HDR, need - DM_HEAP_BLOCK_HDR);
	return rc;
}

/* First fit: the first free block of at least need bytes. */
static int first_fit(const struct heap *h, uint32_t need, struct blk *b)
{
	for (uint32_t at = h->first; at < h->end; at += b->size) {
		int rc = blk_read(h, at, b);
		if (rc != DM_OK)
			return rc;
		if (!b->used && b->size >= need)
			return DM_OK;
	}
	return DM_E_NOMEM;
}

int dm_heap_format(dm_store *s, uint32_t base, uint32_t len)
{
	uint8_t hdr[DM_HEAP_HEADER_LEN];
	struct heap h;

	if (s == NULL)
		return DM_E_ARG;
	if (!dm_store_in_transaction(s))
		return DM_E_STATE;
	len -= len % DM_HEAP_ALIGN;
	if (len < DM_HEAP_HEADER_LEN + BLOCK_MIN || (uint64_t)base + len > dm_store_capacity(s))
		return DM_E_VALUE;
	memcpy(hdr, heap_magic, sizeof heap_magic);
	dm_put_u16be(hdr + 6, HEAP_VERSION);
	dm_put_u32be(hdr + 8, len);
	header_crc(hdr, hdr + 12);
	int rc = dm_store_write(s, base, hdr, sizeof hdr);
	h.s = s;
	h.first = base + DM_HEAP_HEADER_LEN;
	h.end = base + len;
	if (rc == DM_OK)
		rc = blk_write(&h, h.first, h.end - h.first, false);
	return rc;
}

int dm_heap_alloc(dm_store *s, uint32_t base, uint32_t size, uint32_t *off)
{
	struct heap h;
	struct blk b;
	int rc = heap_open_txn(s, base, &h);
	if (rc != DM_OK)
		return rc;
	if (off == NULL || size == 0)
		return DM_E_ARG;
	uint32_t need = block_need(&h, size);
	if (need == 0)
		return DM_E_NOMEM;
	rc = first_fit(&h, need, &b);
	if (rc == DM_OK)
		rc = take(&h, &b, need);
	if (rc == DM_OK)
		*off = b.off + DM_HEAP_BLOCK_HDR;
	return rc;
}

int dm_heap_free(dm_store *s, uint32_t base, uint32_t off)
{
	struct heap h;
	struct blk prev, b;
	int rc = heap_open_txn(s, base, &h);
	if (rc == DM_OK)
		rc = locate(&h, off, &prev, &b);
	if (rc == DM_OK)
		rc = release(&h, &prev, &b);
	return rc;
}

int dm_heap_block_size(dm_store *s, uint32_t base, uint32_t off, uint32_t *size)
{
	struct heap h;
	struct blk prev, b;
	if (size == NULL)
		return DM_E_ARG;
	int rc = heap_open(s, base, &h);
	if (rc == DM_OK)
		rc = locate(&h, off, &prev, &b);
	if (rc == DM_OK)
		*size = b.size - DM_HEAP_BLOCK_HDR;
	return rc;
}

/* Shrink b in place to need bytes; the tail joins a free successor. */
static int shrink(const struct heap *h, const struct blk *b, uint32_t need)
{
	struct blk next;
	if (b->size - need < BLOCK_MIN)
		return DM_OK;   /* the tail could not form a block: keep it */
	int rc = blk_next(h, b, &next);
	if (rc != DM_OK)
		return rc;
	uint32_t tail = b->size - need;
	if (next.valid && !next.used)
		tail += next.size;
	rc = blk_write(h, b->off, need, true);
	if (rc == DM_OK)
		rc = blk_write(h, b->off + need, tail, false);
	return rc;
}

/* Move b's content to a new block of need bytes; feasibility is checked
 * first so that DM_E_NOMEM leaves the heap unchanged. */
static int move(const struct heap *h, const struct blk *prev, const struct blk *b,
		const struct blk *next, uint32_t need, uint32_t *new_off)
{
	dm_heap_stats st;
	struct blk nb;
	uint32_t merged = b->size;
	if (prev->valid && !prev->used)
		merged += prev->size;
	if (next->valid && !next->used)
		merged += next->size;
	int rc = dm_heap_stat(h->s, h->first - DM_HEAP_HEADER_LEN, &st);
	if (rc != DM_OK)
		return rc;
	if (merged < need && st.largest_free + DM_HEAP_BLOCK_HDR < need)
		return DM_E_NOMEM;

	uint32_t keep = b->size - DM_HEAP_BLOCK_HDR;
	uint8_t *copy = malloc(keep);
	if (copy == NULL)
		return DM_E_NOMEM;
	rc = dm_store_read(h->s, b->off + DM_HEAP_BLOCK_HDR, copy, keep);
	if (rc == DM_OK)
		rc = release(h, prev, b);
	if (rc == DM_OK)
		rc = first_fit(h, need, &nb);
	if (rc == DM_OK)
		rc = take(h, &nb, need);
	if (rc == DM_OK)
		rc = dm_store_write(h->s, nb.off + DM_HEAP_BLOCK_HDR, copy, keep);
	if (rc == DM_OK)
		*new_off = nb.off + DM_HEAP_BLOCK_HDR;
	dm_wipe(copy, keep);   /* may be key material */
	free(copy);
	return rc;
}

int dm_heap_resize(dm_store *s, uint32_t base, uint32_t off, uint32_t size,
		   uint32_t *new_off)
{
	struct heap h;
	struct blk prev, b, next;
	int rc = heap_open_txn(s, base, &h);
	if (rc != DM_OK)
		return rc;
	if (new_off == NULL || size == 0)
		return DM_E_ARG;
	rc = locate(&h, off, &prev, &b);
	if (rc != DM_OK)
		return rc;
	uint32_t need = block_need(&h, size);
	if (need == 0)
		return DM_E_NOMEM;
	*new_off = off;
	if (need <= b.size)
		return shrink(&h, &b, need);
	rc = blk_next(&h, &b, &next);
	if (rc != DM_OK)
		return rc;
	if (!(next.valid && !next.used && b.size + next.size >= need))
		return move(&h, &prev, &b, &next, need, new_off);

	/* Grow into the free successor; its old header becomes payload. */
	uint32_t total = b.size + next.size;
	if (total - need >= BLOCK_MIN) {
		rc = blk_write(&h, b.off, need, true);
		if (rc == DM_OK)
			rc = blk_write(&h, b.off + need, total - need, false);
	} else {
		need = total;
		rc = blk_write(&h, b.off, need, true);
	}
	if (rc == DM_OK)
		rc = zero_fill(s, b.off + b.size, need - b.size);
	return rc;
}

int dm_heap_stat(dm_store *s, uint32_t base, dm_heap_stats *st)
{
	struct heap h;
	struct blk b;
	bool prev_free = false;
	if (st == NULL)
		return DM_E_ARG;
	int rc = heap_open(s, base, &h);
	if (rc != DM_OK)
		return rc;
	memset(st, 0, sizeof *st);
	for (uint32_t at = h.first; at < h.end; at += b.size) {
		rc = blk_read(&h, at, &b);
		if (rc != DM_OK)
			return rc;
		uint32_t payload = b.size - DM_HEAP_BLOCK_HDR;
		if (b.used) {
			st->used_blocks++;
			st->used_bytes += payload;
		} else {
			if (prev_free)
				return DM_E_CORRUPT;   /* free blocks always merge */
			st->free_blocks++;
			st->free_bytes += payload;
			if (payload > st->largest_free)
				st->largest_free = payload;
		}
		prev_free = !b.used;
	}
	return DM_OK;
}

static int stat_field(dm_store *s, uint32_t base, uint32_t *out, bool largest)
{
	dm_heap_stats st;
	if (out == NULL)
		return DM_E_ARG;
	int rc = dm_heap_stat(s, base, &st);
	if (rc == DM_OK)
		*out = largest ? st.largest_free : st.free_bytes;
	return rc;
}

int dm_heap_free_bytes(dm_store *s, uint32_t base, uint32_t *bytes)
{
	return stat_field(s, base, bytes, false);
}

int dm_heap_largest_free(dm_store *s, uint32_t base, uint32_t *bytes)
{
	return stat_field(s, base, bytes, true);
}
