/*
 * fs.h - the UICC file system (ETSI TS 102 221 §8, §11; TS 102 222 §6):
 * MF, DFs, ADFs, transparent / linear fixed / cyclic EFs with SFIs, access
 * rules, and the file commands.  docs/filesystem.md.
 *
 * The file system is a card-global service (applet.h): one per card, used
 * by every applet that carries files (the MF default application and the
 * ADF applications, card/uicc.h).  Its persistent data are heap blocks of
 * the card (one header per file, one body per EF) found from the root slot
 * DM_ROOT_UICC; its RAM holds an index rebuilt at first use and after any
 * aborted transaction that changed the tree, the per-channel selection
 * (current DF, EF, record, application) and the card's security status.
 *
 * Every command runs inside the runtime's command transaction: a command
 * that fails leaves no trace, and a power cut leaves the old or the new
 * state (docs/store.md).
 */
#ifndef DM_FS_H
#define DM_FS_H

#include "apdu.h"
#include "applet.h"
#include "dm_common.h"
#include "fcp.h"
#include "pin.h"
#include "security.h"

/* Reserved file identifiers (TS 102 221 §8.3). */
#define DM_FID_MF 0x3F00u
#define DM_FID_CURRENT_ADF 0x7FFFu
#define DM_FID_RFU 0xFFFFu
#define DM_FID_EF_ARR 0x2F06u

/* Limits of this card [ours]. */
#define DM_FS_MAX_DEPTH 8u        /* DF levels below the MF */
#define DM_FS_MAX_EF_SIZE 0xFFFFu /* transparent EF body bytes */
/* Large transparent EFs (GEN-12, docs/dmsc-app.md): only created by
 * applications (dm_fs_create.large), read and written beyond offset 7FFF
 * with odd-INS B1/D7 and offset DO 54. */
#define DM_FS_MAX_LARGE_EF_SIZE (16u << 20)
#define DM_FS_MAX_RECORD_LEN 255u /* TS 102 221 §11.1.5: record length in one byte */
#define DM_FS_MAX_RECORDS 254u    /* record numbers 01..FE (FF is RFU) */
#define DM_FS_MAX_PINS 8u         /* key references listed in a DF's C6 */

typedef struct dm_fs dm_fs;

/* The card's file system, its index built at first use.  DM_E_NOT_FOUND
 * when the card has none yet (dm_fs_format not run). */
int dm_fs_get(dm_applet_ctx *ctx, dm_fs **out);

/* A file to create: the FCP of CREATE FILE (TS 102 222 §6.3) already
 * parsed, plus what the profile gives directly.  Used by CREATE FILE and by
 * card profiles (card/profile.h). */
typedef struct dm_fs_create {
	dm_fcp fcp;              /* 82, 83, 84, 8A, 8B/8C/AB, 80, 88, C6 */
	uint8_t special;         /* A5/C0 special file information (TS 102 222 table 5) */
	dm_bytes fill;           /* A5/C1 filling pattern, or */
	dm_bytes repeat;         /* A5/C2 repeat pattern; neither: FF */
	bool large;              /* p: allow DM_FS_MAX_LARGE_EF_SIZE (not CREATE FILE) */
} dm_fs_create;

/* A5/C0 bits (TS 102 222 §6.3 table 5). */
#define DM_FS_SPECIAL_HIGH_UPDATE 0x80u
#define DM_FS_SPECIAL_RW_DEACTIVATED 0x40u

/*
 * Create an empty file system: the MF described by mf (FID 3F00), set as
 * the root.  Inside install() or a command (the transaction).  DM_E_STATE
 * if the card already has one.
 */
int dm_fs_format(dm_applet_ctx *ctx, const dm_fs_create *mf);

/*
 * Create a file under the DF at `parent_path` (FIDs from the MF, 3F00 not
 * included; empty = the MF), as CREATE FILE does but without access check
 * and without changing any selection: for card profiles.  Returns an SW:
 * 9000, 6A80 (invalid FCP), 6A84 (no space), 6A89 (FID/SFI exists), 6A8A
 * (DF name exists), 6A82 (no such parent), 6581.
 */
uint16_t dm_fs_create_at(dm_applet_ctx *ctx, const uint8_t *parent_path, size_t path_len,
			 const dm_fs_create *def);

/* Write content into the EF at path (from the MF), without access check:
 * transparent EFs at offset off, record EFs record by record (data holds
 * whole records, from record `off + 1`).  For card profiles.  SW as above
 * (6700 when it does not fit). */
uint16_t dm_fs_load_at(dm_applet_ctx *ctx, const uint8_t *path, size_t path_len, uint32_t off,
		       dm_bytes data);

/* The application number (security.h: 1..15) of the ADF with this AID, 0
 * if none. */
uint8_t dm_fs_app_of_aid(dm_applet_ctx *ctx, dm_bytes aid);

/* The PIN table of the card (root slot DM_ROOT_PIN), created empty when
 * absent if `create` (inside a transaction).  *io is valid during the
 * callback of ctx. */
int dm_fs_pin_io(dm_applet_ctx *ctx, bool create, dm_pin_io *io);

/* --- p: change notification and path access (docs/dmsc-app.md) --- */

/* A file changed by a command (dm_fs_process, or an application's own
 * command such as the DMSC UPDATE BINARY D7): which command and which file,
 * as FIDs from the MF (3F00 excluded). */
typedef struct dm_fs_change {
	uint8_t ins;                         /* D6 DC E0 E4 D4 04 44 E6 E8 D7 ... */
	uint16_t path[DM_FS_MAX_DEPTH + 1u];
	uint8_t path_len;
} dm_fs_change;

/* Called after every successful file-changing command, inside its
 * transaction; implemented in card/fs_notify.c, which hands the change to
 * the DMSC application (change counter, GEN-20) and the toolkit (REFRESH).
 * Anything but DM_OK aborts the command (6581 / 6A84). */
int dm_fs_notify(dm_applet_ctx *ctx, const dm_fs_change *chg);

/* Path access without access check, for applications and profiles (path
 * from the MF, big-endian FIDs, 3F00 excluded).  DM_E_NOT_FOUND when no
 * EF is there. */
int dm_fs_size_at(dm_applet_ctx *ctx, const uint8_t *path, size_t path_len, uint32_t *size);
int dm_fs_read_at(dm_applet_ctx *ctx, const uint8_t *path, size_t path_len, uint32_t off,
		  uint8_t *buf, size_t n);
/* Delete the file at path (and its subtree).  SW as DELETE FILE. */
uint16_t dm_fs_delete_at(dm_applet_ctx *ctx, const uint8_t *path, size_t path_len);
/* Is key reference kr verified in this card session (global references:
 * ADM1 0A, PIN1 01)? */
bool dm_fs_verified(dm_applet_ctx *ctx, uint8_t kr);

/* --- what the applets of card/uicc.h call --- */

/* The channel is new (power-on, MANAGE CHANNEL open from the basic
 * channel): nothing but the MF selected, no current application. */
void dm_fs_channel_reset(dm_applet_ctx *ctx);
/* Power event: all channels reset, security status cleared. */
void dm_fs_power(dm_applet_ctx *ctx, dm_power_event ev);
/* The ADF with this AID becomes the current DF and application of the
 * channel (SELECT by AID, TS 102 221 §8.4.1; cmd NULL for an implicit
 * selection).  Answers the FCP when cmd's P2 asks.  6A82 when the card
 * has no such ADF. */
uint16_t dm_fs_select_adf(dm_applet_ctx *ctx, dm_bytes aid, const dm_capdu *cmd, dm_wbuf *resp);

/*
 * One file-system or PIN command (TS 102 221 §11.1, TS 102 222 §6):
 * SELECT (A4, all but P1 04, which the runtime routes to applications),
 * STATUS (80 F2), READ/UPDATE BINARY (B0/D6, odd INS B1/D7), READ/UPDATE RECORD (B2/DC),
 * SEARCH RECORD (A2), VERIFY/CHANGE/DISABLE/ENABLE/UNBLOCK PIN (20 24 26 28
 * 2C), DEACTIVATE/ACTIVATE FILE (04/44), CREATE/DELETE FILE (E0/E4),
 * TERMINATE DF/EF (E6/E8), RESIZE FILE (80 D4).  Anything else 6D00.
 */
uint16_t dm_fs_process(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp);

#endif
