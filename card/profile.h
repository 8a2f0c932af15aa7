/*
 * profile.h - a card profile: the file tree, file contents, EF_DIR
 * applications and PIN objects a card is created with, as data.  The MF
 * default application (card/uicc.h) installs dm_profile_default when
 * dm_card_open creates an image; a later issue replaces the C tables with
 * a profile parsed from a file, through the same installer.
 */
#ifndef DM_PROFILE_H
#define DM_PROFILE_H

#include "applet.h"
#include "fcp.h"
#include "pin.h"

#define DM_PROFILE_MAX_PATH 4u

typedef enum dm_profile_content {
	DM_PROFILE_CONTENT_NONE,   /* filled with FF */
	DM_PROFILE_CONTENT_BYTES,  /* content: transparent bytes from offset 0,
	                            * or whole records from record 1 */
	DM_PROFILE_CONTENT_EF_DIR, /* one record per dm_profile_app (proto/pkcs15) */
} dm_profile_content;

typedef struct dm_profile_file {
	const char *name;                        /* "EF_DIR": docs and errors */
	uint16_t parent[DM_PROFILE_MAX_PATH];    /* path of the parent DF from the MF */
	uint8_t parent_len;                      /* FIDs in parent (0: the MF) */
	uint16_t fid;
	uint8_t fdb;                             /* TS 102 221 table 11.5 */
	dm_bytes aid;                            /* ADF: DF name (84) */
	uint32_t size;                           /* transparent EF */
	uint8_t rec_len, rec_count;              /* linear fixed / cyclic EF */
	dm_fcp_sfi_mode sfi_mode;
	uint8_t sfi;
	uint8_t arr_record;                      /* 8B: EF_ARR 2F06, this record */
	uint8_t pins[4];                         /* DF: key references of C6 */
	uint8_t pin_count;
	dm_profile_content content_kind;
	dm_bytes content;
} dm_profile_file;

/* An EF_DIR entry (ISO 7816-4 §8.2.1.3): 61 { 4F aid, 50 label, 51 path }. */
typedef struct dm_profile_app {
	dm_bytes aid;
	const char *label;
	dm_bytes path;                           /* FIDs from the MF, 3F00 included */
} dm_profile_app;

/* A PIN object; a local one (app_aid given) belongs to that ADF. */
typedef struct dm_profile_pin {
	dm_pin_def def;
	dm_bytes app_aid;
} dm_profile_pin;

typedef struct dm_profile {
	const char *name;
	const dm_profile_file *files;            /* files[0] is the MF; parents first */
	size_t nfiles;
	const dm_profile_app *apps;
	size_t napps;
	const dm_profile_pin *pins;
	size_t npins;
} dm_profile;

extern const dm_profile dm_profile_default;

/* Create everything the profile describes, inside the caller's transaction
 * (install()).  DM_E_STATE if the card has a file system already;
 * DM_E_VALUE for an inconsistent profile; DM_E_NOMEM when it does not fit. */
int dm_profile_install(dm_applet_ctx *ctx, const dm_profile *p);

#endif
