/*
 * pin.h - PIN objects and the PIN commands of the UICC (TS 102 221 §9.4,
 * §11.1.9-§11.1.13): VERIFY PIN 20, CHANGE PIN 24, DISABLE PIN 26, ENABLE
 * PIN 28, UNBLOCK PIN 2C.  docs/security.md.
 *
 * PIN objects live in persistent memory, in a table of DM_PIN_SLOTS fixed
 * records (DM_PIN_TABLE_SIZE bytes) at a base offset of a byte space the
 * caller reaches through a dm_pin_io: read/write/commit callbacks.  The file
 * system gives its persistent region (dm_pin_io_applet() wraps an applet
 * context), so the same code works from any applet instance.  A zero-filled
 * table holds no PIN.  No command reads a PIN value back (SEC-1).
 *
 * Retry counters (dmsc reference AUTH-4, TS 102 221 §11.1.9.1.1): before
 * a presented value is compared, the counter is decremented, written and
 * committed (io->commit: dm_applet_commit, durable at once).  Only then is
 * the value compared, in constant time (dm_ct_memcmp); a correct value
 * writes the counter back to its limit.  So a power cut can never give a
 * try for free: after restart the counter is the old value (the cut came
 * before the decrement was durable, so nothing was compared) or one less.
 * Presented values and copies of stored ones are wiped (dm_wipe).
 */
#ifndef DM_PIN_H
#define DM_PIN_H

#include "apdu.h"
#include "applet.h"
#include "dm_common.h"
#include "fcp.h"
#include "security.h"

/* INS codes (TS 102 221 §10.1.2 table 10.5). */
#define DM_INS_VERIFY_PIN 0x20u
#define DM_INS_CHANGE_PIN 0x24u
#define DM_INS_DISABLE_PIN 0x26u
#define DM_INS_ENABLE_PIN 0x28u
#define DM_INS_UNBLOCK_PIN 0x2Cu

/* PIN and UNBLOCK PIN values are 8 bytes on the interface, padded with FF
 * (TS 102 221 §11.1.9.3: Lc = 08). */
#define DM_PIN_LEN 8u
#define DM_PIN_PAD 0xFFu

#define DM_PIN_SLOTS 16u
#define DM_PIN_RECORD_SIZE 32u
#define DM_PIN_TABLE_SIZE (DM_PIN_SLOTS * DM_PIN_RECORD_SIZE)

/* Access to the persistent byte space holding the PIN table. */
typedef struct dm_pin_io {
	void *ctx;
	/* DM_OK or a dm_err (DM_E_IO: the medium died). */
	int (*read)(void *ctx, uint32_t off, void *buf, size_t n);
	int (*write)(void *ctx, uint32_t off, const void *buf, size_t n);
	/* Make everything written so far durable now (dm_applet_commit). */
	int (*commit)(void *ctx);
	uint32_t base; /* offset of the table in that space */
} dm_pin_io;

/* The io of an applet's persistent region (valid during the callback that
 * received ctx). */
dm_pin_io dm_pin_io_applet(dm_applet_ctx *ctx, uint32_t base);

/* A PIN object to create. */
typedef struct dm_pin_def {
	uint8_t key_ref;       /* dm_keyref_valid() */
	uint8_t app;           /* local key refs: owning application (1..); global: 0 */
	dm_bytes value;        /* 1..8 bytes, padded with FF to 8 */
	uint8_t retry_limit;   /* 1..15 (63Cx carries 4 bits) */
	bool enabled;
	bool may_disable;      /* DISABLE PIN allowed (else 6985) */
	dm_bytes puk;          /* UNBLOCK PIN value, 1..8 bytes; len 0 = no unblock key */
	uint8_t puk_limit;     /* 1..15 when puk given */
} dm_pin_def;

/* Status of a PIN object (no values). */
typedef struct dm_pin_info {
	uint8_t key_ref;
	uint8_t app;
	bool enabled;
	bool may_disable;
	uint8_t retry_limit, retries_left;  /* retries_left 0 = blocked */
	bool has_puk;
	uint8_t puk_limit, puk_left;        /* puk_left 0 = PUK blocked for good */
} dm_pin_info;

/* Create (or replace) the PIN (key_ref, app) in the table, inside the
 * caller's transaction (installation).  DM_E_VALUE: invalid definition;
 * DM_E_NOMEM: table full; DM_E_IO. */
int dm_pin_create(const dm_pin_io *io, const dm_pin_def *def);

/* The PIN object kr as seen from application app (global kr: app ignored).
 * DM_E_NOT_FOUND when there is none. */
int dm_pin_info_get(const dm_pin_io *io, uint8_t kr, uint8_t app, dm_pin_info *out);

/*
 * The default card's PINs (docs/security.md), with the local PIN in
 * application dmsc_app:
 *   01 PIN1  "1234"     limit 3, enabled, may be disabled;
 *             its UNBLOCK PIN (PUK1) "12345678", limit 10;
 *   0A ADM1  "88888888" limit 10, always enabled, no unblock key;
 *   81 PIN2 of dmsc_app "0000" limit 3, enabled, may be disabled;
 *             its UNBLOCK PIN (PUK2) "00000000", limit 10.
 * ASCII digits padded with FF to 8 bytes.
 */
int dm_pin_install_defaults(const dm_pin_io *io, uint8_t dmsc_app);

/*
 * Execute VERIFY/CHANGE/DISABLE/ENABLE/UNBLOCK PIN (cmd->ins) for the
 * current application app, updating the session security status st.
 * Returns the status word: 9000, 63Cx, 6983, 6984, 6985, 6A88, 6A86,
 * 6700, 6B00, 6581 (medium), 6D00 (not a PIN INS).  The exact table is in
 * docs/security.md.  Writes happen through io (the caller's command
 * transaction) and io->commit is called before every comparison.
 */
uint16_t dm_pin_process(const dm_pin_io *io, dm_sec_state *st, uint8_t app,
			const dm_capdu *cmd);

/*
 * Fill the PIN status template of a DF/ADF FCP (TS 102 221 §11.1.1.4.10,
 * §9.5.2): f->pins from the key references kr[0..n) as seen from app, each
 * "enabled" when its PIN object exists and is enabled, with usage
 * qualifier 08 (user verification) for PINs and none for ADM keys; sets
 * f->has_pin_status.  DM_E_VALUE: n > DM_FCP_MAX_PINS or an invalid kr.
 */
int dm_pin_fcp_status(const dm_pin_io *io, uint8_t app, const uint8_t *kr, size_t n,
		      dm_fcp *f);

#endif
