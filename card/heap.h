/*
 * heap.h - the card's persistent space allocator over a region of a
 * dm_store (OMA DM_SC OSR-1: the card decides where data lives, keeps free
 * space accounting and answers 6A84 when full).  docs/store.md.
 *
 * A heap is the region [base, base + len) of the store.  It keeps no state
 * in RAM: every function takes the store and the region's base, and all
 * metadata lives in the store, so a heap survives close/open and a power
 * cut exactly like the bytes around it.
 *
 * Offsets handed out are store offsets of the first payload byte (8-byte
 * aligned relative to base).  Newly allocated bytes read as zero, so no
 * freed content (keys of a deleted file) ever shows through a new block.
 *
 * Functions that change the heap need an open store transaction (DM_E_STATE
 * otherwise) and change it only inside it.  When they fail with DM_E_NOMEM
 * because the heap is full (6A84), DM_E_ARG, DM_E_VALUE or DM_E_NOT_FOUND,
 * nothing was changed.  Any other failure (the transaction's journal is
 * full, the medium died) may leave the change half done inside the
 * transaction: abort it.
 */
#ifndef DM_HEAP_H
#define DM_HEAP_H

#include "dm_common.h"
#include "store.h"

#define DM_HEAP_HEADER_LEN 16u  /* region header at base */
#define DM_HEAP_BLOCK_HDR 8u    /* per-block overhead */
#define DM_HEAP_ALIGN 8u

typedef struct dm_heap_stats {
	uint32_t used_blocks;
	uint32_t free_blocks;
	uint32_t used_bytes;    /* payload bytes of used blocks */
	uint32_t free_bytes;    /* payload bytes of free blocks */
	uint32_t largest_free;  /* largest size dm_heap_alloc() can satisfy now */
} dm_heap_stats;

/* Make [base, base + len) an empty heap (len is rounded down to 8). DM_E_VALUE
 * if the region is outside the store or too small for one block. */
int dm_heap_format(dm_store *s, uint32_t base, uint32_t len);

/* Allocate size (>= 1) zeroed bytes, first fit; *off = their store offset.
 * DM_E_NOMEM when no free block is large enough (the card's 6A84). */
int dm_heap_alloc(dm_store *s, uint32_t base, uint32_t size, uint32_t *off);

/* Free the block at off and merge it with free neighbours.  DM_E_NOT_FOUND
 * if off is not the offset of an allocated block (also a double free). */
int dm_heap_free(dm_store *s, uint32_t base, uint32_t off);

/*
 * Change the block at off to hold size bytes, keeping min(old, new) bytes
 * of content.  In place when shrinking or when the following block is free
 * and large enough; otherwise the content moves to a new first-fit block
 * (which may overlap the old place) and *new_off differs from off: the old
 * offset is then invalid.  Bytes past the old usable size (see
 * dm_heap_block_size) read as zero.  DM_E_NOMEM (nothing
 * changed) when no placement exists even counting the block's own space.
 */
int dm_heap_resize(dm_store *s, uint32_t base, uint32_t off, uint32_t size,
		   uint32_t *new_off);

/* Usable bytes of the allocated block at off (>= the size asked for). */
int dm_heap_block_size(dm_store *s, uint32_t base, uint32_t off, uint32_t *size);

/* Walk and check the whole heap (every block header, tiling of the region,
 * no two adjacent free blocks) and count it.  DM_E_CORRUPT on any damage.
 * Needs no transaction, as the two queries below. */
int dm_heap_stat(dm_store *s, uint32_t base, dm_heap_stats *st);
int dm_heap_free_bytes(dm_store *s, uint32_t base, uint32_t *bytes);
int dm_heap_largest_free(dm_store *s, uint32_t base, uint32_t *bytes);

#endif
