/*
 * keys.h - the card's key objects (dmsc reference SEC-1, GEN-4, GEN-18,
 * AUT-1, use case 5.3; docs/dmsc-security.md).
 *
 * One card-global heap block, found through the runtime root slot
 * DM_ROOT_KEYS (applet.h), holds:
 *   - two GlobalPlatform SCP03 static key sets (GP Amd D §4.1: K-ENC, K-MAC,
 *     K-DEK, AES-128/192/256), one for the device (role DEVICE) and one
 *     for the Management Authority (role MA), each with its key version
 *     number (KVN) and its 3-byte sequence counter (Amd D §6.2.2.1);
 *   - the card's own ECDSA P-256 key pair (generated at personalization;
 *     the private key never leaves this module);
 *   - the Management Authority's ECDSA P-256 public key (GEN-18, 5.4);
 *   - the enterprise credential [ours]: an ECDSA P-256 PUBLIC key of the
 *     enterprise administrator (5.3).  A public key rather than an HMAC
 *     key so that nothing on the card or the device can forge an
 *     administrator operation;
 *   - the replay counters of signed updates (AUT-1) and of enterprise
 *     policy operations.
 *
 * No command reads this block (SEC-1): it is not a file, and only public
 * keys have a getter.  Secrets copied to RAM are wiped after use.
 *
 * Writes follow applet.h: only inside a callback that may write (install,
 * a command), as part of the command's store transaction.
 * Public keys are uncompressed points 04 || X || Y (SEC 1 §2.3.3, 65 bytes);
 * signatures are raw r || s (32 bytes each, RFC 7518 §3.4 form, 64 bytes).
 */
#ifndef DM_KEYS_H
#define DM_KEYS_H

#include "applet.h"
#include "dm_common.h"
#include "scp03.h"

#define DM_KEYS_POINT_LEN 65u /* 04 || X || Y, P-256 */
#define DM_KEYS_SIG_LEN 64u   /* r || s, P-256 */
#define DM_KEYS_HASH_LEN 32u  /* SHA-256 */

/* SCP03 key set roles. */
typedef enum dm_keys_role {
	DM_KEYS_ROLE_DEVICE = 0, /* the device (terminal) talking to the DMSC application */
	DM_KEYS_ROLE_MA = 1,     /* the Management Authority: may change provisioning data (AUT-1) */
	DM_KEYS_ROLES = 2,
} dm_keys_role;

/* Public keys held by the card, besides its own. */
typedef enum dm_keys_pub {
	DM_KEYS_PUB_MA = 0,         /* Management Authority (GEN-18, AUT-1 signed updates) */
	DM_KEYS_PUB_ENTERPRISE = 1, /* enterprise credential (5.3 policy operations) */
	DM_KEYS_PUBS = 2,
} dm_keys_pub;

/* Replay counters (strictly increasing values accepted). */
typedef enum dm_keys_ctr {
	DM_KEYS_CTR_SIGNED_UPDATE = 0, /* AUT-1 signed update (dmsc_policy.c) */
	DM_KEYS_CTR_POLICY = 1,        /* enterprise policy operation (dmsc_policy.c) */
	DM_KEYS_CTRS = 2,
} dm_keys_ctr;

/* An SCP03 static key set as personalization gives it. */
typedef struct dm_keys_scp03 {
	uint8_t kvn;                    /* key version number 01..7F (GP Card Spec §11.1.8) */
	uint8_t len;                    /* 16, 24 or 32 */
	uint8_t enc[DM_SCP03_KEY_MAX];
	uint8_t mac[DM_SCP03_KEY_MAX];
	uint8_t dek[DM_SCP03_KEY_MAX];
} dm_keys_scp03;

/* What is present, without secrets (dmsc-perso show, tests). */
typedef struct dm_keys_info {
	bool scp03[DM_KEYS_ROLES];
	uint8_t kvn[DM_KEYS_ROLES];
	uint8_t key_len[DM_KEYS_ROLES];
	uint32_t seq[DM_KEYS_ROLES];
	bool card_key;
	uint8_t card_pub[DM_KEYS_POINT_LEN];
	bool pub[DM_KEYS_PUBS];
	uint8_t pub_point[DM_KEYS_PUBS][DM_KEYS_POINT_LEN];
	uint32_t ctr[DM_KEYS_CTRS];
} dm_keys_info;

/* Register AES, SHA-256 and sprng with libtomcrypt and set ltc_mp (LTM_DESC).
 * Idempotent; called by every function below that needs it. */
int dm_keys_crypto_init(void);

/* --- personalization (inside install() or a command) --- */

/* Store the SCP03 key set of a role (replaces it; sequence counter 0).
 * DM_E_VALUE: kvn 00 or >= 80, or the other role already uses this kvn;
 * DM_E_LENGTH: len not 16/24/32. */
int dm_keys_set_scp03(dm_applet_ctx *ctx, dm_keys_role role, const dm_keys_scp03 *k);
/* Generate the card's ECDSA P-256 key pair (ecc_make_key, sprng); replaces one. */
int dm_keys_generate_card(dm_applet_ctx *ctx);
/* Store a public key (uncompressed point, checked to be on P-256: DM_E_VALUE). */
int dm_keys_set_public(dm_applet_ctx *ctx, dm_keys_pub which, const uint8_t *point, size_t len);

/* --- use --- */

/* The SCP03 set with this KVN; kvn 00 = the device set (GP: "first
 * available key set").  *role receives its role.  DM_E_NOT_FOUND if none. */
int dm_keys_get_scp03(dm_applet_ctx *ctx, uint8_t kvn, dm_keys_role *role, dm_scp03_keys *out);
/* Sequence counter of a role's key set: read, and increment-and-store
 * (DM_E_STATE when it would pass DM_SCP03_SEQ_MAX: the key set is used up). */
int dm_keys_scp03_seq(dm_applet_ctx *ctx, dm_keys_role role, uint32_t *seq);
int dm_keys_scp03_seq_next(dm_applet_ctx *ctx, dm_keys_role role, uint32_t *seq);

/* The card's public key (65 bytes into out).  DM_E_NOT_FOUND if none. */
int dm_keys_card_public(dm_applet_ctx *ctx, uint8_t out[DM_KEYS_POINT_LEN]);
/* ECDSA P-256 signature r || s of a 32-byte hash with the card's private key. */
int dm_keys_card_sign(dm_applet_ctx *ctx, const uint8_t hash[DM_KEYS_HASH_LEN],
		      uint8_t sig[DM_KEYS_SIG_LEN]);
/* A stored public key.  DM_E_NOT_FOUND if absent. */
int dm_keys_get_public(dm_applet_ctx *ctx, dm_keys_pub which, uint8_t out[DM_KEYS_POINT_LEN]);
/* Verify an ECDSA P-256 signature over hash (1..64 bytes, normally 32) with
 * a stored public key.  sig: raw r || s (64 bytes) or DER (SEQUENCE of two
 * INTEGERs).  DM_OK valid, DM_E_CRYPTO invalid, DM_E_NOT_FOUND no key,
 * DM_E_LENGTH/DM_E_VALUE malformed. */
int dm_keys_verify(dm_applet_ctx *ctx, dm_keys_pub which, const uint8_t *hash, size_t hash_len,
		   const uint8_t *sig, size_t sig_len);

/* Replay counters: last accepted value (0 at personalization). */
int dm_keys_counter(dm_applet_ctx *ctx, dm_keys_ctr which, uint32_t *value);
int dm_keys_counter_set(dm_applet_ctx *ctx, dm_keys_ctr which, uint32_t value);

/* Everything but the secrets.  An absent block gives all-false. */
int dm_keys_get_info(dm_applet_ctx *ctx, dm_keys_info *out);

#endif
