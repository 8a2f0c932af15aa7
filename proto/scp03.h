/*
 * scp03.h - GlobalPlatform Secure Channel Protocol '03' maths (GP Card
 * Specification v2.2 Amendment D, v1.1.x / v1.2): the SP 800-108 KDF, session
 * keys, cryptograms, pseudo-random card challenge, C-MAC / C-DECRYPTION and
 * R-MAC / R-ENCRYPTION of APDUs.  Pure functions over caller memory: no I/O,
 * no allocation, AES and CMAC from libtomcrypt.
 *
 * Both ends use the same session struct:
 *
 *   host                                        card
 *   dm_scp03_session_init(keys, hc, cc)         dm_scp03_session_init(keys, hc, cc)
 *   dm_scp03_check_card_cryptogram()            dm_scp03_card_cryptogram() -> INITIALIZE UPDATE
 *   dm_scp03_host_external_auth() ----------->  dm_scp03_card_external_auth()
 *   dm_scp03_wrap_command() ----------------->  dm_scp03_unwrap_command()
 *   dm_scp03_unwrap_response() <-------------  dm_scp03_wrap_response()
 *
 * Any failed verification (cryptogram, C-MAC, R-MAC, padding) closes the
 * session: its keys are wiped and every later call answers DM_E_STATE until
 * a new dm_scp03_session_init() (Amd D §6.2.4: a secure messaging error
 * terminates the Secure Channel Session).
 *
 * The INITIALIZE UPDATE / EXTERNAL AUTHENTICATE command handling itself
 * (key version, "i" parameter, sequence counter storage) is the caller's.
 */
#ifndef DM_SCP03_H
#define DM_SCP03_H

#include "apdu.h"
#include "dm_common.h"

#define DM_SCP03_BLOCK 16u    /* AES block = full CMAC output */
#define DM_SCP03_KEY_MAX 32u  /* AES-256 */
#define DM_SCP03_AID_MIN 5u   /* ISO 7816-5 */
#define DM_SCP03_AID_MAX 16u
#define DM_SCP03_SEQ_MAX 0xFFFFFFu /* 3-byte sequence counter, Amd D §6.2.2.1 */
/* Longest KDF output: the 1-byte counter "i" runs 1..255 (Amd D §4.1.5). */
#define DM_SCP03_KDF_MAX (255u * DM_SCP03_BLOCK)

/* Data derivation constants, Amd D §4.1.5 Table 4-1. */
enum dm_scp03_ddc {
	DM_SCP03_DDC_CARD_CRYPTOGRAM = 0x00,
	DM_SCP03_DDC_HOST_CRYPTOGRAM = 0x01,
	DM_SCP03_DDC_CARD_CHALLENGE = 0x02,
	DM_SCP03_DDC_S_ENC = 0x04,
	DM_SCP03_DDC_S_MAC = 0x06,
	DM_SCP03_DDC_S_RMAC = 0x07,
};

/* Security level bits (EXTERNAL AUTHENTICATE P1, Amd D §7.1.2). */
#define DM_SCP03_SL_CMAC 0x01u
#define DM_SCP03_SL_CDEC 0x02u
#define DM_SCP03_SL_RMAC 0x10u
#define DM_SCP03_SL_RENC 0x20u

/* "i" parameter bits announced in the INITIALIZE UPDATE response (Amd D §5.1). */
#define DM_SCP03_I_S16 0x01u       /* S16 mode (else S8) */
#define DM_SCP03_I_PSEUDO 0x10u    /* pseudo-random card challenge */
#define DM_SCP03_I_RMAC 0x20u      /* R-MAC supported */
#define DM_SCP03_I_RENC 0x40u      /* R-ENC supported (with R-MAC) */

/* S8: 8-byte challenges, cryptograms and MACs; S16: 16-byte (Amd D §5.1). */
typedef enum dm_scp03_mode {
	DM_SCP03_S8 = 8,
	DM_SCP03_S16 = 16,
} dm_scp03_mode;

/* A static key set (K-ENC, K-MAC) of one key version.  Wipe with
 * dm_scp03_keys_wipe(). */
typedef struct dm_scp03_keys {
	uint8_t enc[DM_SCP03_KEY_MAX];
	uint8_t mac[DM_SCP03_KEY_MAX];
	size_t len; /* 16, 24 or 32 */
} dm_scp03_keys;

typedef enum dm_scp03_state {
	DM_SCP03_CLOSED = 0,   /* no keys (never opened, wiped, or failed) */
	DM_SCP03_INITIALIZED,  /* session keys derived, EXTERNAL AUTHENTICATE pending */
	DM_SCP03_OPEN,         /* authenticated: commands are wrapped at `level` */
} dm_scp03_state;

typedef struct dm_scp03_session {
	uint8_t s_enc[DM_SCP03_KEY_MAX];
	uint8_t s_mac[DM_SCP03_KEY_MAX];
	uint8_t s_rmac[DM_SCP03_KEY_MAX];
	uint8_t card_cryptogram[DM_SCP03_BLOCK];
	uint8_t host_cryptogram[DM_SCP03_BLOCK];
	uint8_t mac_chain[DM_SCP03_BLOCK]; /* C-MAC of the last command (Amd D §6.2.4) */
	uint64_t enc_counter;  /* counter of the last command since EXTERNAL AUTHENTICATE (§6.2.6) */
	size_t key_len;
	uint8_t mode;          /* dm_scp03_mode: 8 or 16 */
	uint8_t level;         /* security level; 0 until OPEN */
	uint8_t state;         /* dm_scp03_state */
} dm_scp03_session;

/* Keys: DM_E_LENGTH unless len is 16, 24 or 32. */
int dm_scp03_keys_set(dm_scp03_keys *k, const uint8_t *enc, const uint8_t *mac, size_t len);
void dm_scp03_keys_wipe(dm_scp03_keys *k);

/*
 * AES-CMAC (NIST SP 800-38B, RFC 4493) over the concatenation of parts[0..n).
 * key_len 16, 24 or 32 (else DM_E_LENGTH).  mac receives the full 16 bytes.
 */
int dm_scp03_cmac(const uint8_t *key, size_t key_len, const dm_bytes *parts, size_t n,
		  uint8_t mac[DM_SCP03_BLOCK]);

/*
 * KDF in counter mode (SP 800-108) with AES-CMAC as PRF, Amd D §4.1.5:
 * derivation data = 11 bytes 00 || ddc || 00 || L (2 bytes, bits) || i || context.
 * Writes out_len bytes (1..DM_SCP03_KDF_MAX, else DM_E_LENGTH); L = 8 * out_len.
 */
int dm_scp03_kdf(const uint8_t *key, size_t key_len, uint8_t ddc, dm_bytes context,
		 uint8_t *out, size_t out_len);

/*
 * Pseudo-random card challenge (Amd D §6.2.2.1): KDF(K-ENC, 02,
 * L = 8 * mode, context = sequence counter (3 bytes) || AID of the invoking
 * application).  out receives `mode` bytes.  DM_E_VALUE if seq > 0xFFFFFF,
 * DM_E_LENGTH if the AID is not 5..16 bytes.
 */
int dm_scp03_card_challenge(const dm_scp03_keys *k, dm_scp03_mode mode, uint32_t seq,
			    dm_bytes aid, uint8_t *out);

/*
 * Start a session (Amd D §6.2.1, §6.2.2.2-3): S-ENC, S-MAC, S-RMAC from the
 * static keys with context = host challenge || card challenge (each `mode`
 * bytes), then both cryptograms; MAC chaining value 16 x 00, counter 0,
 * state INITIALIZED.  Replaces (and wipes) whatever s held.
 */
int dm_scp03_session_init(dm_scp03_session *s, const dm_scp03_keys *k, dm_scp03_mode mode,
			  const uint8_t *host_challenge, const uint8_t *card_challenge);
/* Wipe every key and value and set CLOSED. */
void dm_scp03_session_wipe(dm_scp03_session *s);

/* Card side: the card cryptogram (s->mode bytes) for the INITIALIZE UPDATE
 * response.  DM_E_STATE unless INITIALIZED. */
int dm_scp03_card_cryptogram(const dm_scp03_session *s, uint8_t *out);

/* Host side: compare the card cryptogram received (len must be s->mode, else
 * DM_E_LENGTH) in constant time.  Mismatch: DM_E_CRYPTO, session closed. */
int dm_scp03_check_card_cryptogram(dm_scp03_session *s, const uint8_t *cg, size_t len);

/* Valid security levels: 01, 03, 11, 13, 33 (Amd D §7.1.2). */
bool dm_scp03_level_valid(uint8_t level);

/* Status words whose response is protected: 9000 and warnings 62xx, 63xx
 * (Amd D §6.2.5), and 91xx, normal ending of a UICC with a proactive command
 * pending (TS 102 221 §10.2.1.1) [ours].  Any other SW is an error SW: sent
 * alone, without data, R-MAC or R-ENC. */
bool dm_scp03_sw_protected(uint16_t sw);

/*
 * Host side: build EXTERNAL AUTHENTICATE (Amd D §7.1.2): CLA = cla with the
 * SM indication, INS 82, P1 = level, P2 00, data = host cryptogram || C-MAC,
 * MACed with the first chaining value (16 x 00), never encrypted; it does not
 * count for the encryption counter.  out->data points into buf.  Then OPEN.
 * cla: 80..83 or C0..CF (the channel's CLA); level: dm_scp03_level_valid.
 */
int dm_scp03_host_external_auth(dm_scp03_session *s, uint8_t cla, uint8_t level,
				dm_capdu *out, dm_wbuf *buf);

/*
 * Card side: verify an EXTERNAL AUTHENTICATE command: SM indication in CLA,
 * Lc = 2 * mode, C-MAC, then host cryptogram, then P1 a valid level.
 * Errors (session closed on each): DM_E_STATE (not INITIALIZED),
 * DM_E_LENGTH (data length), DM_E_CRYPTO (no SM indication, wrong MAC or
 * cryptogram), DM_E_VALUE (P1 not a valid level, P2 not 00).  Then OPEN at P1.
 */
int dm_scp03_card_external_auth(dm_scp03_session *s, const dm_capdu *cmd);

/*
 * Host side: wrap a plain command (Amd D §6.2.4, §6.2.6).  The encryption
 * counter is incremented for every command.  With C-DEC, data (if any) is
 * padded 80 00.. (ISO 9797-1 method 2) and AES-CBC encrypted with
 * S-ENC and ICV = AES(S-ENC, counter as a 16-byte big-endian block); a
 * command without data is not encrypted.  C-MAC = CMAC(S-MAC, chaining value
 * || CLA'' INS P1 P2 || Lc' || data'), where CLA'' is the CLA with channel
 * number 0, b4 = 0 and b3 = 1, and Lc' is coded as on the wire (1 byte, or
 * 00 Lc1 Lc2 when extended); the full CMAC becomes the chaining value, its
 * first `mode` bytes are appended.  out: CLA with the SM indication (b3, or
 * b6 for channels 4..19), data = data' || C-MAC in buf, ne unchanged,
 * extended when the result needs it.
 * Errors: DM_E_STATE (not OPEN), DM_E_VALUE (CLA not a valid ISO 7816-4 CLA,
 * already with SM, or unable to carry it: DF would become FF), DM_E_LENGTH
 * (wrapped data > 65535), DM_E_OVERFLOW.  Nothing changes on failure.
 */
int dm_scp03_wrap_command(dm_scp03_session *s, const dm_capdu *in, dm_capdu *out,
			  dm_wbuf *buf);

/*
 * Card side: verify and decrypt a wrapped command; the inverse of
 * dm_scp03_wrap_command.  out: CLA without the SM indication; out->data
 * points into buf when C-DEC decrypted it, else into in->data (borrowed).
 * Errors (session closed on each except DM_E_OVERFLOW / DM_E_ARG):
 * DM_E_STATE (not OPEN), DM_E_CRYPTO (no SM indication in CLA, wrong
 * C-MAC, bad padding or empty plaintext), DM_E_LENGTH (data shorter than the
 * C-MAC, or ciphertext not a multiple of 16).
 */
int dm_scp03_unwrap_command(dm_scp03_session *s, const dm_capdu *in, dm_capdu *out,
			    dm_wbuf *buf);

/*
 * Card side: build the R-APDU for the last unwrapped command (Amd D §6.2.5,
 * §6.2.7) into out: data' || R-MAC || SW1 SW2.  With R-ENC, non-empty data
 * is padded and encrypted with ICV = AES(S-ENC, 80 || counter (15 bytes));
 * with R-MAC, R-MAC = first `mode` bytes of CMAC(S-RMAC, chaining value ||
 * data' || SW).  An error SW (!dm_scp03_sw_protected) gets no protection:
 * only the SW is written, and data must be empty (DM_E_ARG).
 * DM_E_LENGTH if the protected data would exceed 65536 bytes.
 */
int dm_scp03_wrap_response(const dm_scp03_session *s, const uint8_t *data, size_t len,
			   uint16_t sw, dm_wbuf *out);

/*
 * Host side: verify and decrypt the R-APDU rapdu[0..len) answering the last
 * wrapped command; the plain data is appended to out, the SW to *sw.
 * Errors: DM_E_TRUNCATED (no SW), DM_E_LENGTH (shorter than the R-MAC,
 * ciphertext not a multiple of 16, data with an error SW), DM_E_CRYPTO (wrong
 * R-MAC, bad padding); DM_E_LENGTH and DM_E_CRYPTO close the session.
 */
int dm_scp03_unwrap_response(dm_scp03_session *s, const uint8_t *rapdu, size_t len,
			     dm_wbuf *out, uint16_t *sw);

#endif
