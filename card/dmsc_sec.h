/*
 * dmsc_sec.h - security commands of the DMSC application
 * (docs/dmsc-security.md): GlobalPlatform SCP03 card side (GP Card Spec
 * v2.2 Amd D), PSO COMPUTE / VERIFY DIGITAL SIGNATURE (ISO 7816-8 §11),
 * GET DATA of the card's public key, the AUT-1 signed update and the
 * enterprise policy operation (use case 5.3).
 *
 * The DMSC applet (card/applets/dmsc.c) owns the dispatch and keeps one
 * dm_dmsc_sec per logical channel in its CLEAR_ON_DESELECT memory (all-zero
 * = no session, so deselect and reset end the session).  Its process() does:
 *
 *   uint16_t sw = dm_dmsc_sec_run(ctx, sec, cmd, resp, dmsc_dispatch);
 *
 * which unwraps the command when it carries secure messaging, answers the
 * commands of this module, hands every other plain command to dispatch,
 * and wraps the response.  The finer calls below do the same in steps.
 *
 * Rights of a command (docs/dmsc-security.md, AUTH-2/AUTH-3):
 *   - "authenticated": the command arrived wrapped (C-MAC verified) in an
 *     open SCP03 session on its channel.  PSO COMPUTE DIGITAL SIGNATURE
 *     needs it, else 6982.  A plain command during a session is processed
 *     without the session's rights (the session stays open).
 *   - in a session opened with the Management Authority key set, a wrapped
 *     command is treated as ADM1 verified for its duration only (AUT-1:
 *     UPDATE of provisioning EFs through the file system's access rules).
 */
#ifndef DM_DMSC_SEC_H
#define DM_DMSC_SEC_H

#include "applet.h"
#include "dm_common.h"
#include "scp03.h"

/* Instructions answered by dm_dmsc_sec_process (CLA 8X/CX unless said). */
#define DM_DMSC_INS_INITIALIZE_UPDATE 0x50u /* 80 50 KVN 00, host challenge (GP Amd D §7.1.1) */
#define DM_DMSC_INS_EXTERNAL_AUTH 0x82u     /* 84 82 SL 00 (Amd D §7.1.2) */
#define DM_DMSC_INS_PSO 0x2Au               /* 00 2A 9E 9A / 00 2A 00 A8 (ISO 7816-8) */
#define DM_DMSC_INS_GET_DATA 0xCAu          /* 00 CA 7F 49: card public key */
#define DM_DMSC_INS_SIGNED_UPDATE 0x36u     /* 80 36 00 00 [ours]: AUT-1 signed update */
#define DM_DMSC_INS_POLICY_OP 0x38u         /* 80 38 00 00 [ours]: enterprise operation */
#define DM_DMSC_INS_TRIGGER 0x3Au           /* 80 3A 00 00 [ours]: GEN-14 session trigger */

/* Per-channel state.  All-zero = no session. */
typedef struct dm_dmsc_sec {
	dm_scp03_session s;
	uint8_t role;        /* dm_keys_role of the session's key set */
	uint8_t kvn;
	bool wrapped;        /* the current command arrived wrapped and verified */
	bool adm_granted;    /* ADM1 was granted for the current command (MA session) */
} dm_dmsc_sec;

/* Wipe the session (deselect, power: the runtime zeroes the memory too). */
void dm_dmsc_sec_reset(dm_dmsc_sec *sec);
/* Security level of the open session (DM_SCP03_SL_* bits), 0 when none. */
uint8_t dm_dmsc_sec_level(const dm_dmsc_sec *sec);
/* The current command arrived wrapped in an open session (AUTH-2). */
bool dm_dmsc_sec_authenticated(const dm_dmsc_sec *sec);
/* ... and the session is the Management Authority's (AUT-1). */
bool dm_dmsc_sec_ma(const dm_dmsc_sec *sec);

/*
 * Before dispatch.  A command without secure messaging is copied to *out
 * unchanged (not authenticated).  With SM (CLA b3/b4, or b6 for channels
 * 4-19) and an open session: C-MAC verified, data decrypted into buf (its
 * capacity must be >= cmd->nc), *out the plain command.  Returns 9000, or
 * 6982 (no session, wrong MAC, replay: the session is wiped), 6700.
 * EXTERNAL AUTHENTICATE is passed through unchanged (it is verified by its
 * handler).  In an MA session, ADM1 is granted until dm_dmsc_sec_wrap.
 */
uint16_t dm_dmsc_sec_unwrap(dm_applet_ctx *ctx, dm_dmsc_sec *sec, const dm_capdu *cmd,
			    dm_capdu *out, dm_wbuf *buf);
/*
 * After dispatch: revoke a granted ADM1; when the command was wrapped, turn
 * resp (data) and sw into the protected response at the session's level
 * (R-MAC appended, R-ENC).  Returns the SW to answer (6F00 if wrapping
 * failed).
 */
uint16_t dm_dmsc_sec_wrap(dm_applet_ctx *ctx, dm_dmsc_sec *sec, dm_wbuf *resp, uint16_t sw);

/* True when cmd is one of this module's commands (INS and CLA class above). */
bool dm_dmsc_sec_handles(const dm_capdu *cmd);
/* Answer one of this module's commands (a plain command: after unwrap). */
uint16_t dm_dmsc_sec_process(dm_applet_ctx *ctx, dm_dmsc_sec *sec, const dm_capdu *cmd,
			     dm_wbuf *resp);

typedef uint16_t (*dm_dmsc_dispatch_fn)(dm_applet_ctx *ctx, const dm_capdu *cmd,
					  dm_wbuf *resp);
/* unwrap, process or dispatch, wrap. */
uint16_t dm_dmsc_sec_run(dm_applet_ctx *ctx, dm_dmsc_sec *sec, const dm_capdu *cmd,
			 dm_wbuf *resp, dm_dmsc_dispatch_fn dispatch);

/*
 * EF_EVLOG (6424, cyclic, 32-byte records) [ours]: the audit trail of the
 * enterprise policy (use case 5.3) and of device changes.  The device
 * appends with UPDATE RECORD PREVIOUS (00 DC 00 03 20, PIN 81: EF_ARR
 * record 2); the card appends its own events with dm_dmsc_evlog_append.
 * Record: type (1) || source (1) || counter (4) || time (4: seconds since
 * 1970 UTC as the device knows it; 0 from the card, which has no clock) ||
 * action (1) || name length n (1, 0..20) || name (20, FF padded).
 */
#define DM_EVLOG_REC_LEN 32u
#define DM_EVLOG_NAME_MAX 20u
enum dm_evlog_type {
	DM_EVLOG_FORBIDDEN_USE = 0x01, /* device: a forbidden resource was used / tried */
	DM_EVLOG_ADMIN_OP = 0x02,      /* card: a signed policy operation was verified */
	DM_EVLOG_DEVCHG = 0x03,        /* card: EF_DEVCHG changed (GEN-15) */
	DM_EVLOG_SIGNED_UPDATE = 0x04, /* card: a signed update was applied (AUT-1) */
};
enum dm_evlog_source {
	DM_EVLOG_SRC_DEVICE = 0x00,
	DM_EVLOG_SRC_CARD = 0x01,
};
typedef struct dm_evlog_event {
	uint8_t type;      /* dm_evlog_type */
	uint8_t source;    /* dm_evlog_source */
	uint32_t counter;
	uint32_t time;
	uint8_t action;    /* 00 disable, 01 enable, FF none */
	dm_bytes name;     /* resource or file; longer names are cut to 20 bytes */
} dm_evlog_event;

/* Encode one record (DM_EVLOG_REC_LEN bytes). */
void dm_evlog_encode(const dm_evlog_event *ev, uint8_t rec[DM_EVLOG_REC_LEN]);
/* Append a record to EF_EVLOG (ADF DMSC / 6424) as UPDATE RECORD PREVIOUS
 * would, without access check, inside the caller's transaction.
 * DM_E_NOT_FOUND when the card has no EF_EVLOG (nothing written);
 * DM_E_VALUE when it is not a cyclic EF of 32-byte records. */
int dm_dmsc_evlog_append(dm_applet_ctx *ctx, const dm_evlog_event *ev);

#endif
