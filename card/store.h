/*
 * store.h - the card's persistent memory: one image file, a flat byte space of
 * fixed capacity (like a card's EEPROM), changed only through transactions.
 *
 * Guarantees (docs/store.md):
 *   - Writes happen only between dm_store_begin() and dm_store_commit() or
 *     dm_store_abort(); nested begin is refused (DM_E_STATE).
 *   - Reads inside a transaction see that transaction's own writes.
 *   - A power cut (process killed, or the injector below) at any point leaves,
 *     after dm_store_open(), exactly the state before begin or exactly the
 *     state after commit: never a mix.
 *   - Commit is durable (fsync) unless DM_STORE_RELAXED is set; relaxed mode
 *     keeps atomicity and ordering, and loses at most the last commits on an
 *     OS crash (a process kill loses nothing).
 */
#ifndef DM_STORE_H
#define DM_STORE_H

#include "dm_common.h"

#define DM_STORE_DEFAULT_CAPACITY (256u * 1024u)
#define DM_STORE_MAX_CAPACITY (64u * 1024u * 1024u)

typedef struct dm_store dm_store;

enum {
	DM_STORE_RELAXED = 1u << 0, /* no fsync on commit (atomic, not durable) */
};

typedef struct dm_store_opts {
	uint32_t flags;
	/* Power-cut injector: when > 0, the medium accepts this many write
	 * operations (pwrite/fsync each count as one) and then "loses power":
	 * the write that would be number cut_after_writes + 1 is not performed,
	 * and every later store call fails with DM_E_IO.  0 = never. */
	unsigned long cut_after_writes;
} dm_store_opts;

/* Create a new image of `capacity` usable bytes (all zero). DM_E_STATE if path exists. */
int dm_store_create(const char *path, uint32_t capacity, const dm_store_opts *opts);
/* Open an image, recovering an interrupted transaction. opts may be NULL. */
int dm_store_open(const char *path, const dm_store_opts *opts, dm_store **out);
/* Close; an open transaction is aborted. *s is set to NULL. */
void dm_store_close(dm_store **s);

uint32_t dm_store_capacity(const dm_store *s);

int dm_store_begin(dm_store *s);
int dm_store_commit(dm_store *s);
int dm_store_abort(dm_store *s);
bool dm_store_in_transaction(const dm_store *s);

/* DM_E_VALUE if [off, off+n) is outside the capacity. */
int dm_store_read(dm_store *s, uint32_t off, void *buf, size_t n);
/* Zero-copy read-only view of committed-or-pending bytes; valid until the next
 * write, commit or abort.  For hot read paths (READ BINARY). */
int dm_store_view(dm_store *s, uint32_t off, size_t n, const uint8_t **view);
/* DM_E_STATE outside a transaction; DM_E_NOMEM if the transaction's journal is full. */
int dm_store_write(dm_store *s, uint32_t off, const void *buf, size_t n);

/* Writes performed on the medium since open (for the power-cut tests to
 * know how many cut points an operation has). */
unsigned long dm_store_medium_writes(const dm_store *s);
/* Maximum bytes one transaction may change (journal size). */
size_t dm_store_journal_capacity(const dm_store *s);

#endif
