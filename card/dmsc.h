/*
 * dmsc.h - the DMSC application (dmsc-reference "Card profile v1",
 * docs/dmsc-app.md): its applet, EF_INFO and its change counter, the
 * PKCS#15 index of the provisioning objects (ODF, TokenInfo, AODF, DODF)
 * and the MOs the card keeps for the device (use case 5.2, OSR-1).
 *
 * Everything here runs inside the caller's store transaction (an applet
 * callback, applet.h): a provisioning change and the counter bump it causes
 * commit together or not at all (GEN-20).
 */
#ifndef DM_DMSC_H
#define DM_DMSC_H

#include "applet.h"
#include "fs.h"

/* F0 "OMADMSC": a proprietary-category AID (ISO 7816-4 §8.2.1.2; no OMA
 * RID is assigned).  FIDs of the default profile. */
#define DM_DMSC_AID 0xF0, 0x4F, 0x4D, 0x41, 0x44, 0x4D, 0x53, 0x43
#define DM_DMSC_AID_LEN 8u
#define DM_DMSC_FID_ADF 0x7F60u
#define DM_DMSC_FID_INFO 0x6420u
#define DM_DMSC_FID_DEVCHG 0x6421u
#define DM_DMSC_FID_TRIG 0x6422u
#define DM_DMSC_FID_POLICY 0x6423u
#define DM_DMSC_FID_EVLOG 0x6424u
/* MOs created on demand live in ADF DMSC at FIDs 6500..65FF [ours]. */
#define DM_DMSC_FID_MO_FIRST 0x6500u
#define DM_DMSC_FID_MO_LAST 0x65FFu
/* EF_ARR (2F06) record of a private MO: READ PIN 81, UPDATE ADM1 [ours]. */
#define DM_DMSC_ARR_PRIVATE_MO 6u
#define DM_P15_FID_ADF 0x7F50u
#define DM_P15_FID_ODF 0x5031u
#define DM_P15_FID_TOKENINFO 0x5032u
#define DM_P15_FID_DODF 0x6430u
#define DM_P15_FID_DMBOOT 0x6432u
#define DM_P15_FID_AODF 0x6440u
#define DM_P15_FID_CDF 0x6450u

/* The applet of the DMSC application (registry: AID DM_DMSC_AID). */
extern const dm_applet dm_dmsc_applet;

/* --- EF_INFO (6420) [ours, dmsc-reference]: BER-TLV ------------------- */

/* 82 flags. */
#define DM_DMSC_FLAG_ASK_USER 0x01u   /* b1: USE-1, device SHALL ask the user */
#define DM_DMSC_FLAG_NEVER_ASK 0x02u  /* b2: USE-2, device MUST NOT ask */
#define DM_DMSC_FLAG_PROV 0x04u       /* b3: GEN-2, provisioning data present */
/* 81 capabilities. */
#define DM_DMSC_CAP_LARGE_MO 0x01u    /* B1/D7 with offset DO 54, extended APDUs */
#define DM_DMSC_CAP_MO_CREATE 0x02u   /* MOs on demand (use case 5.2) */
#define DM_DMSC_INFO_VERSION 1u

typedef struct dm_dmsc_info {
	uint8_t version;     /* 80 */
	uint8_t caps;        /* 81 */
	uint8_t flags;       /* 82 */
	uint32_t counter;    /* 83: change counter of provisioning data */
	uint32_t free_bytes; /* 84: free bytes of the card's memory */
} dm_dmsc_info;

/* 80 01 v 81 01 c 82 01 f 83 04 cccc 84 04 ffff (21 bytes). */
#define DM_DMSC_INFO_LEN 21u
int dm_dmsc_info_build(const dm_dmsc_info *info, dm_wbuf *out);
/* Parse EF_INFO content (FF/00 padding after the TLVs allowed).  80, 82
 * and 83 are mandatory (DM_E_NOT_FOUND), 81/84 default to 0. */
int dm_dmsc_info_parse(const uint8_t *in, size_t len, dm_dmsc_info *out);

/* Read EF_INFO of the card (DM_E_NOT_FOUND: no DMSC application). */
int dm_dmsc_info_get(dm_applet_ctx *ctx, dm_dmsc_info *out);
/* Set the USE-1/2 flags (b1, b2; others kept).  DM_E_VALUE when both. */
int dm_dmsc_info_set_use(dm_applet_ctx *ctx, uint8_t use_flags);

/*
 * Provisioning data changed (GEN-20): bump the change counter, set b3 when
 * any provisioning object is present, refresh 84 free bytes.  Call it in the
 * transaction that made the change (r: SCP03 / signed updates that do not
 * go through dm_fs_process).  DM_OK without a DMSC application.
 */
int dm_dmsc_bump(dm_applet_ctx *ctx);
/* The same without the bump: b3 and 84 brought up to date. */
int dm_dmsc_info_refresh(dm_applet_ctx *ctx);

/* Is the file at path (FIDs from the MF, 3F00 excluded) provisioning data:
 * any EF of ADF PKCS15, EF_POLICY, the MO EFs of ADF DMSC. */
bool dm_dmsc_is_provisioning(const uint16_t *path, size_t len);

/* fs change notification (fs.h dm_fs_notify) for the DMSC application. */
int dm_dmsc_on_change(dm_applet_ctx *ctx, const dm_fs_change *chg);

/* --- PKCS#15 index and MOs (personalization: s's installer calls these) - */

typedef struct dm_dmsc_p15_cfg {
	const char *token_label;  /* TokenInfo label */
	dm_bytes serial;          /* TokenInfo serialNumber (e.g. the ICCID) */
} dm_dmsc_p15_cfg;

/* Write EF_ODF, EF_TokenInfo, EF_AODF (PIN1 01, PIN 81) and an empty
 * EF_DODF into the profile's EFs of ADF PKCS15. */
int dm_dmsc_p15_init(dm_applet_ctx *ctx, const dm_dmsc_p15_cfg *cfg);

typedef struct dm_dmsc_mo_def {
	const char *label;        /* DODF label, e.g. "DM Bootstrap" */
	const char *oid;          /* "2.23.43.7.1" */
	dm_bytes path;            /* existing EF: FIDs from the MF (3F00 excluded),
	                           * e.g. 7F50 6432; len 0: the card creates one
	                           * in ADF DMSC (6500..65FF, OSR-1) */
	uint32_t size;            /* EF size when created (>= length; 0: length) */
	dm_bytes content;         /* TNDS written at offset 0; ptr NULL: already
	                           * there, `length` bytes of it */
	uint32_t length;          /* with content.ptr NULL: the object's length */
	uint8_t p15_flags;        /* DM_P15_FLAG_* */
} dm_dmsc_mo_def;

/* Store an MO and register it in EF_DODF with its exact path (from the
 * MF, 3F00 first), index 0 and length.  *fid (may be NULL) receives the EF.  DM_E_NOMEM: no FID, no
 * memory or no room in EF_DODF (6A84). */
int dm_dmsc_mo_add(dm_applet_ctx *ctx, const dm_dmsc_mo_def *def, uint16_t *fid);
/* Remove the DODF entry of the on-demand MO in ADF DMSC EF fid and delete
 * the EF.  DM_E_NOT_FOUND. */
int dm_dmsc_mo_delete(dm_applet_ctx *ctx, uint16_t fid);
/* Count the oidDO entries of EF_DODF (DM_E_NOT_FOUND: no PKCS#15 app). */
int dm_dmsc_mo_count(dm_applet_ctx *ctx, unsigned *n);

/* --- EF_TRIG (6422): the session trigger (GEN-14) [ours] -------------- */

/*
 * The card asks the device to open a DM session: it writes a trigger
 * record into EF_TRIG and queues, in the same transaction, a REFRESH file
 * change notification naming 3F00 7FFF 6422 with the DMSC AID (reference,
 * "Proactive notification" 4).  The device reads record 1 and opens the
 * session with the DM server it names.  Record (32 bytes, record 1 = the
 * newest; older ones move down, the oldest falls off):
 *   0-3   trigger number, big-endian, 1, 2, ... (compare for inequality)
 *   4     reason (DM_DMSC_TRIG_*)
 *   5-6   session id the server asked for, big-endian (0000: device's choice)
 *   7     server id length n (1..16)
 *   8-23  server id (DMAcc ServerID), FF padded
 *   24-31 RFU, FF
 */
#define DM_DMSC_TRIG_REC_LEN 32u
#define DM_DMSC_TRIG_SERVER_MAX 16u
#define DM_DMSC_TRIG_RECS_MAX 16u
enum dm_dmsc_trig_reason {
	DM_DMSC_TRIG_SERVER = 0x01,  /* the DM server / MA asked for a session */
	DM_DMSC_TRIG_PROV = 0x02,    /* provisioning data changed (GEN-20) */
	DM_DMSC_TRIG_POLICY = 0x03,  /* the enterprise policy changed (5.3) */
	DM_DMSC_TRIG_DEVCHG = 0x04,  /* reaction to a device change (GEN-15) */
};

typedef struct dm_dmsc_trigger {
	uint32_t number;       /* assigned by dm_dmsc_trigger_raise */
	uint8_t reason;        /* DM_DMSC_TRIG_* */
	uint16_t session_id;
	dm_bytes server_id;    /* 1..DM_DMSC_TRIG_SERVER_MAX bytes */
} dm_dmsc_trigger;

/* Encode / decode one record.  DM_E_VALUE: reason or server id out of
 * range (encode), or not a trigger record (decode: never written, bad
 * length byte).  Decoded server_id borrows rec. */
int dm_dmsc_trigger_encode(const dm_dmsc_trigger *t, uint8_t rec[DM_DMSC_TRIG_REC_LEN]);
int dm_dmsc_trigger_decode(const uint8_t rec[DM_DMSC_TRIG_REC_LEN], dm_dmsc_trigger *t);

/* Write t as record 1 of EF_TRIG (number = the previous newest + 1) and
 * queue the REFRESH naming EF_TRIG, inside the caller's transaction; no
 * access check (the caller authorised it).  *number (may be NULL) gets
 * the trigger number.  DM_E_NOT_FOUND no EF_TRIG, DM_E_VALUE bad t,
 * DM_E_NOMEM toolkit queue full. */
int dm_dmsc_trigger_raise(dm_applet_ctx *ctx, const dm_dmsc_trigger *t, uint32_t *number);

#endif
