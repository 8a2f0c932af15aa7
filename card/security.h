/*
 * security.h - access conditions of the UICC file system (TS 102 221 §9):
 * the operations a file's access rules govern, the card's security status
 * (which key references are verified) and the evaluation of an access rule
 * against it.  docs/security.md.
 *
 * Who does what:
 *   - proto/arr.h parses rule bytes (EF_ARR record, AB value, 8C value, 8B
 *     references): a codec, no I/O, no state.
 *   - this module evaluates a rule for one operation against the security
 *     status and the PIN objects (card/pin.h: a disabled PIN counts as
 *     verified, TS 102 221 §11.1.11.1).
 *   - the file system finds the rule of a file (8B: reads the EF_ARR record;
 *     8C/AB: the FCP value), calls dm_sec_check() and answers its SW.
 *
 * Scope of verification (TS 102 221 §11.1.9.1.1: "the security status set
 * as a result of the verification is valid regardless on which logical
 * channel the verification is performed"): the security status is one per
 * card session, shared by all logical channels, not one per channel.
 *   - Global key references (01-08 application PINs, 0A-0E ADM1-5, 11
 *     universal PIN: TS 102 221 §9.5.1 table 9.3) are verified card-wide.
 *   - Local key references (81-88 second application PINs, 8A-8E ADM6-10)
 *     belong to one application (ADF): verified in application A, they
 *     satisfy rules only while the current application is A, on any
 *     channel (TS 102 221 §9.5.1 table 9.3: "local" key references).
 *   - Power-on and reset clear everything (keep the state in CLEAR_ON_RESET
 *     memory, card/applet.h: zeroed memory = nothing verified).
 *   - dm_sec_clear_app() drops one application's local status (application
 *     session termination, deactivation/termination of the ADF).
 * Applications are small numbers the file system assigns: 0 is the MF (no
 * ADF selected), 1..DM_SEC_MAX_APPS-1 the ADFs.
 */
#ifndef DM_SECURITY_H
#define DM_SECURITY_H

#include "apdu.h"
#include "dm_common.h"

/* Operations an access rule governs.  AM byte bits (ISO 7816-4 §5.4.3.2
 * table 17 for EFs, table 18 for DFs; TS 102 221 §9.2), which differ for
 * EFs and DFs; some operations exist only for one kind or only as a
 * command header (AM_DO 84 INS, ISO 7816-4 §5.4.3.3). */
typedef enum dm_sec_op {
	DM_SEC_OP_READ,         /* EF b1: READ BINARY/RECORD, SEARCH RECORD */
	DM_SEC_OP_UPDATE,       /* EF b2: UPDATE BINARY/RECORD (ERASE) */
	DM_SEC_OP_WRITE,        /* EF b3: WRITE BINARY/RECORD, APPEND RECORD */
	DM_SEC_OP_INCREASE,     /* EF: INCREASE (TS 102 221 §11.1.8): AM_DO 84 32 only */
	DM_SEC_OP_DEACTIVATE,   /* EF/DF b4: DEACTIVATE FILE (TS 102 221 §11.1.14) */
	DM_SEC_OP_ACTIVATE,     /* EF/DF b5: ACTIVATE FILE (TS 102 221 §11.1.15) */
	DM_SEC_OP_TERMINATE,    /* EF/DF b6: TERMINATE EF / TERMINATE DF (TS 102 222) */
	DM_SEC_OP_DELETE_SELF,  /* EF/DF b7: DELETE FILE of this file (rule of the file) */
	DM_SEC_OP_DELETE_CHILD, /* DF b1: DELETE FILE of a child (rule of the parent DF) */
	DM_SEC_OP_CREATE_EF,    /* DF b2: CREATE FILE of an EF (TS 102 222 §6.3) */
	DM_SEC_OP_CREATE_DF,    /* DF b3: CREATE FILE of a DF */
	DM_SEC_OP_RESIZE,       /* EF/DF: RESIZE FILE (TS 102 222 §6.10): AM_DO 84 D4 only */
	DM_SEC_OP_COUNT,
} dm_sec_op;

/* The AM byte bit that governs op on an EF (df false) or a DF/ADF/MF (df
 * true); 0 when no AM bit does (the operation can only be granted by a
 * command-header AM_DO, or does not exist for that kind of file). */
uint8_t dm_sec_am_bit(dm_sec_op op, bool df);
/* The INS a command-header AM_DO (84) names for op, for rules written with
 * AM_DO 84 instead of an AM byte (e.g. 84 01 D4 for RESIZE); 0 if none.
 * Used when the caller passes no command (dm_sec_access.cmd == NULL). */
uint8_t dm_sec_op_ins(dm_sec_op op, bool df);

/* Key references (TS 102 221 §9.5.1 table 9.3). */
#define DM_KEYREF_PIN1 0x01u      /* PIN Appl 1 (global) */
#define DM_KEYREF_ADM1 0x0Au      /* ADM1 (global) */
#define DM_KEYREF_UNIVERSAL 0x11u /* universal PIN (global) */
#define DM_KEYREF_PIN2 0x81u      /* second PIN Appl 1 (local) */

/* True for 01-08, 0A-0E, 11, 81-88, 8A-8E. */
bool dm_keyref_valid(uint8_t kr);
/* True for the local ones (b8 set: 81-88, 8A-8E). */
bool dm_keyref_local(uint8_t kr);
/* True for ADM key references (0A-0E, 8A-8E). */
bool dm_keyref_adm(uint8_t kr);

#define DM_SEC_MAX_APPS 16u

/* The card session's security status (one per card, all channels).
 * All-zero = nothing verified, so CLEAR_ON_RESET memory holds it as is. */
typedef struct dm_sec_state {
	uint32_t global;                 /* bit (kr - 1) for kr 01-08, 0A-0E, 11 */
	uint16_t local[DM_SEC_MAX_APPS]; /* per application: bit (kr - 0x81) */
} dm_sec_state;

/* Power-on / reset: nothing verified. */
void dm_sec_clear(dm_sec_state *st);
/* Drop the local key references verified in application app. */
void dm_sec_clear_app(dm_sec_state *st, uint8_t app);
/* Verified for the current application app (global: whatever app is). */
bool dm_sec_verified(const dm_sec_state *st, uint8_t kr, uint8_t app);
/* Mark kr verified (true) or not (false) for app.  Invalid kr or app:
 * nothing happens.  The PIN service calls these; the file system need not. */
void dm_sec_set(dm_sec_state *st, uint8_t kr, uint8_t app, bool verified);

struct dm_pin_io; /* card/pin.h */

/* Everything a rule is evaluated against. */
typedef struct dm_sec_ctx {
	const dm_sec_state *state;
	const struct dm_pin_io *pins; /* PIN table (disabled PINs); NULL = none */
	uint8_t app;                  /* current application: 0 MF, 1.. ADF */
} dm_sec_ctx;

/* One access request. */
typedef struct dm_sec_access {
	dm_sec_op op;
	bool df;              /* the rule's file is the MF, a DF or an ADF */
	const dm_capdu *cmd;  /* the command, for command-header AM_DOs; may be NULL */
} dm_sec_access;

/* Which form the rule bytes have (TS 102 221 §9.2). */
typedef enum dm_sec_rule_form {
	DM_SEC_RULE_EXPANDED, /* AM_DO/SC_DO list: an EF_ARR record (8B) or an AB value */
	DM_SEC_RULE_COMPACT,  /* 8C value: AM byte + SC bytes */
} dm_sec_rule_form;

/*
 * Evaluate a rule for one access.  Returns DM_SW_OK (allowed) or
 * DM_SW_SECURITY_STATUS (6982: not allowed).  Deny is the default: a rule
 * that does not parse, names a condition this card does not implement,
 * or does not mention the operation denies it; every access rule that
 * covers the operation must be satisfied.  DM_SW_MEMORY_PROBLEM when
 * reading a PIN object failed (medium dead).  docs/security.md lists what
 * is implemented.
 */
uint16_t dm_sec_check(const dm_sec_ctx *sc, dm_sec_rule_form form, const uint8_t *rule,
		      size_t len, const dm_sec_access *acc);

/* The security environment whose EF_ARR record an 8B reference with
 * SE/record pairs selects (TS 102 221 §9.2; ISO 7816-4 §5.4.3.4 table
 * 25): 01, unless the current application's PIN was disabled with the
 * universal PIN as replacement, which this card does not offer
 * (docs/security.md): always 01. */
uint8_t dm_sec_current_se(const dm_sec_ctx *sc);

#endif
