/*
 * profile.h - a card profile: the file tree, file contents, EF_DIR
 * applications, PIN objects, keys, MOs and DMSC settings a card is created
 * with, as data.  Profiles are JSON files (docs/profile.md) turned into a
 * dm_profile by card/profile_load.h; the default card's profile
 * (profiles/default.json) is embedded in the card at build time.
 *
 * When dm_card_open creates an image, each applet's install() gets the
 * profile with dm_applet_profile() (applet.h): the MF default application
 * (card/uicc.h) installs the file tree and PINs with dm_profile_install();
 * the DMSC applets take keys, MOs and settings from the same structure.
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

/* User confirmation before the device applies card data (dmsc reference
 * USE-1/2/3, EF_INFO 82 flags b1/b2). */
typedef enum dm_profile_confirm {
	DM_PROFILE_CONFIRM_UNSET = 0,            /* USE-3: neither flag, device's choice */
	DM_PROFILE_CONFIRM_ASK,                  /* USE-1: b1 "ask the user" */
	DM_PROFILE_CONFIRM_NEVER,                /* USE-2: b2 "do not ask" */
} dm_profile_confirm;

/* A management object provisioned from a TNDS file.  dm_profile_install
 * hands it to the DMSC application (card/dmsc.h dm_dmsc_mo_add), which
 * writes it into the EF at path (one of files[]) or, with path_len 0, into
 * an EF it creates in ADF DMSC, and registers it in EF_DODF. */
typedef struct dm_profile_mo {
	const char *name;                        /* profile's name ("DMAcc") */
	const char *label;                       /* DODF label ("DM Bootstrap") */
	const char *oid;                         /* dotted, "2.23.43.7.1" */
	uint8_t oid_der[32];                     /* the same, DER contents (no 06 len) */
	uint8_t oid_der_len;
	uint16_t path[DM_PROFILE_MAX_PATH + 1];  /* the EF, FIDs from the MF (3F00 excluded) */
	uint8_t path_len;                        /* 0: the card creates the EF */
	uint32_t size;                           /* size of a created EF (0: the TNDS length) */
	bool is_private;                         /* DODF private flag: PIN auth needed */
	bool modifiable;                         /* DODF modifiable flag */
	uint8_t p15_flags;                       /* DM_P15_FLAG_* of the two above */
	dm_bytes tnds;                           /* the TNDS document (length = DODF Path length) */
} dm_profile_mo;

/* GlobalPlatform SCP03 key set (GP Card Spec 2.3 Amd D): AES keys of one
 * length. */
#define DM_PROFILE_MAX_SCP03 4u
#define DM_PROFILE_AES_MAX 32u
typedef enum dm_profile_scp03_role {
	DM_PROFILE_SCP03_DEVICE = 0,             /* the device's set (card/keys.h roles) */
	DM_PROFILE_SCP03_MA = 1,                 /* the Management Authority's (AUT-1) */
} dm_profile_scp03_role;
typedef struct dm_profile_scp03 {
	dm_profile_scp03_role role;              /* one set per role */
	uint8_t kvn;                             /* key version number 01..7F */
	uint8_t key_len;                         /* 16, 24 or 32 */
	uint8_t enc[DM_PROFILE_AES_MAX];
	uint8_t mac[DM_PROFILE_AES_MAX];
	uint8_t dek[DM_PROFILE_AES_MAX];
} dm_profile_scp03;

#define DM_PROFILE_P256_PUB 65u                  /* 04 || X || Y */

typedef struct dm_profile_keys {
	dm_profile_scp03 scp03[DM_PROFILE_MAX_SCP03];
	size_t nscp03;
	bool has_ma_pub;                         /* Management Authority (GEN-18, AUT-1) */
	uint8_t ma_pub[DM_PROFILE_P256_PUB];     /* ECDSA P-256 public key, uncompressed */
	bool has_ent_pub;                        /* enterprise credential (use case 5.3) */
	uint8_t ent_pub[DM_PROFILE_P256_PUB];    /* ECDSA P-256 public key, uncompressed */
	bool gen_card_key;                       /* generate the card's ECDSA P-256 pair at install */
} dm_profile_keys;

typedef struct dm_profile {
	const char *name;
	const dm_profile_file *files;            /* files[0] is the MF; parents first */
	size_t nfiles;
	const dm_profile_app *apps;
	size_t napps;
	const dm_profile_pin *pins;
	size_t npins;
	/* --- issue 5 --- */
	uint32_t capacity;                       /* store bytes; 0 = DM_STORE_DEFAULT_CAPACITY */
	dm_card_protocol protocol;               /* ATR: T=1 or T=0 */
	uint8_t iccid[10];                       /* EF_ICCID content (TS 102 221 §13.2) */
	dm_profile_confirm confirm;              /* USE-1/2/3 */
	uint8_t poll_interval;                   /* seconds (TS 102 223 POLL INTERVAL); 0 = never ask */
	const dm_profile_mo *mos;
	size_t nmos;
	dm_bytes policy;                         /* enterprise policy TNDS (EF_POLICY content) */
	dm_profile_keys keys;                    /* secrets: wiped by dm_profile_free */
} dm_profile;

/* Create everything the profile describes, inside the caller's transaction
 * (install()).  DM_E_STATE if the card has a file system already;
 * DM_E_VALUE for an inconsistent profile; DM_E_NOMEM when it does not fit. */
int dm_profile_install(dm_applet_ctx *ctx, const dm_profile *p);

/* The files[] entry at path (FIDs from the MF, 3F00 excluded; 0 = MF), or NULL. */
const dm_profile_file *dm_profile_file_at(const dm_profile *p, const uint16_t *path,
					  size_t path_len);

#endif
