/*
 * inspect.h - looking into a card image from outside the APDU interface,
 * for tools (dmsc-perso show) and tests: the file tree with each file's
 * header data and raw content, without access checks, and nothing written.
 * Never reachable from a reader: no command leads here.
 */
#ifndef DM_INSPECT_H
#define DM_INSPECT_H

#include "applet.h"
#include "fs.h"

/* Run fn with a context of the card's default application (the MF), as
 * if in a callback that may not write: every persistent write fails with
 * DM_E_STATE.  Returns fn's result; DM_E_STATE when the card has no
 * default application or is dead. */
int dm_card_inspect(dm_card *card, int (*fn)(dm_applet_ctx *ctx, void *arg), void *arg);

/* One file as the walk sees it. */
typedef struct dm_fs_entry {
	uint16_t path[DM_FS_MAX_DEPTH + 1];  /* FIDs from the MF (3F00 excluded) */
	uint8_t path_len;                    /* 0: the MF */
	uint8_t depth;
	uint8_t fdb;                         /* TS 102 221 table 11.5 */
	uint8_t lcsi;                        /* 05 activated, 04 deactivated (§11.1.1.4.9) */
	uint8_t sfi;                         /* effective SFI, 0 = none */
	uint8_t arr_record;                  /* 8B record (0: other security forms) */
	uint16_t arr_fid;
	uint32_t size;                       /* body bytes (record EFs: len x count) */
	uint16_t rec_len, rec_count;
	uint32_t total;                      /* memory the file takes, headers included */
	dm_bytes aid;                        /* ADF: DF name */
	uint8_t pins[DM_FS_MAX_PINS];        /* DF: C6 key references */
	uint8_t pin_count;
	bool is_df;
} dm_fs_entry;

/* Every file, parents before children, children in FID order.  Stops at
 * the first non-DM_OK return of fn and returns it. */
int dm_fs_walk(dm_applet_ctx *ctx, int (*fn)(void *arg, const dm_fs_entry *e), void *arg);

/* Raw body bytes of the EF at path (FIDs from the MF, 3F00 excluded)
 * [off, off + n).  Record EFs: records as stored (a cyclic EF's physical
 * order).  DM_E_NOT_FOUND; DM_E_VALUE past the end. */
int dm_fs_read_raw(dm_applet_ctx *ctx, const uint16_t *path, size_t path_len, uint32_t off,
		   void *buf, size_t n);

#endif
