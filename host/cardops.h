/*
 * cardops.h - APDU helpers of the host agent on top of a dm_transport:
 * T=0 GET RESPONSE / 6Cxx, SELECT, chunked READ/UPDATE BINARY (B1/D7 for
 * large files), READ RECORD, PIN commands, EF_INFO, and the message a user
 * sees when the card refuses something.
 *
 * (Named cardops, not card.h: the in-process transport sees card/card.h on
 * its include path too.)
 *
 * Return convention (docs/agent.md):
 *   DM_OK            the card answered 9000 (or 91xx: t->last_sw says which);
 *   DM_E_NOT_FOUND   the card answered 6A82 / 6A83 / 6A88 (file, record, reference);
 *   DM_E_STATE       any other status word the operation does not accept;
 *   DM_E_IO          card gone, reader or pcscd failed;
 *   DM_E_VALUE       the card's answer is malformed (length, TLV).
 * Every helper records the operation ("READ BINARY EF_DODF") and the SW in
 * t->last_op / t->last_sw, so dm_hc_message() can explain any failure.
 */
#ifndef DM_HOST_CARDOPS_H
#define DM_HOST_CARDOPS_H

#include "apdu.h"
#include "transport.h"

/* DMSC application AID (docs/dmsc-app.md) and the DMSC files. */
#define DM_HC_AID_DMSC "\xF0\x4F\x4D\x41\x44\x4D\x53\x43"
#define DM_HC_AID_DMSC_LEN 8u
#define DM_HC_FID_EF_INFO 0x6420u

/* PIN key references (TS 102 221 §9.5.1 table 9.3; docs/security.md §2.1). */
#define DM_HC_PIN1 0x01u
#define DM_HC_ADM1 0x0Au
#define DM_HC_PIN2_DMSC 0x81u

/*
 * One command with the T=0 rules (TS 102 221 §7.3.1.1.4 / ISO 7816-3
 * §12.2): 61xx -> GET RESPONSE (repeated, data appended), 6Cxx -> the same
 * command with Le = xx.  data gets the response data; *sw the final SW.
 * Returns DM_OK whatever the SW (only transport failures are errors), so the
 * caller decides.  op names the command for messages (may be NULL).
 */
int dm_hc_exchange(dm_transport *t, const char *op, const dm_capdu *c, dm_wbuf *data,
		   uint16_t *sw);

/* Send raw C-APDU bytes (e.g. `apdu` command) with the same T=0 handling. */
int dm_hc_exchange_raw(dm_transport *t, const uint8_t *capdu, size_t len, dm_wbuf *data,
		       uint16_t *sw);

/* SELECT by DF name (P1 04), FCP into fcp (NULL: P2 0C, no FCP). 6A82 = DM_E_NOT_FOUND. */
int dm_hc_select_aid(dm_transport *t, const uint8_t *aid, size_t len, dm_wbuf *fcp);
/* SELECT by path from the MF (P1 08; path without 3F00) or, when path starts
 * with 3F00, the same without it.  path = FIDs, big-endian, 2 bytes each. */
int dm_hc_select_path(dm_transport *t, const uint8_t *path, size_t len, dm_wbuf *fcp);
/* SELECT a FID in the current DF (P1 00). */
int dm_hc_select_fid(dm_transport *t, uint16_t fid, dm_wbuf *fcp);

/* File size from an FCP (80 or, for large EFs, 80 up to 4 bytes). */
int dm_hc_fcp_size(dm_bytes fcp, size_t *size);

/*
 * Read len bytes of the current EF from offset (B0 while offset + chunk fits
 * in 15 bits, B1 with DO 54 beyond; extended Le when t->extended).  Appends to
 * out.  name is the EF's name for messages ("EF_DODF").
 */
int dm_hc_read_binary(dm_transport *t, const char *name, size_t offset, size_t len, dm_wbuf *out);
/* Select fid in the current DF, take its size from the FCP, read it all. */
int dm_hc_read_ef(dm_transport *t, const char *name, uint16_t fid, dm_wbuf *out);
/* Write data at offset of the current EF (D6, D7 with 54/53 beyond 32767). */
int dm_hc_update_binary(dm_transport *t, const char *name, size_t offset, dm_bytes data);
/* READ RECORD rec (absolute, P2 04) of the current EF; appends to out. */
int dm_hc_read_record(dm_transport *t, const char *name, uint8_t rec, dm_wbuf *out);

/* PIN status: VERIFY without data (TS 102 221 §11.1.9).  *tries = tries left
 * (0 = blocked); *verified = true when 9000 (verified, or disabled). */
int dm_hc_pin_status(dm_transport *t, uint8_t ref, int *tries, bool *verified);
/*
 * VERIFY / CHANGE / DISABLE / ENABLE / UNBLOCK PIN.  PINs are ASCII digits,
 * padded with FF to 8 bytes here (ADM keys: 8 bytes as given).  Wrong value:
 * DM_E_CRYPTO with *tries = tries left (63Cx); blocked 6983: DM_E_STATE, *tries = 0.
 * tries may be NULL.  PIN buffers built here are wiped.
 */
int dm_hc_verify(dm_transport *t, uint8_t ref, const char *pin, int *tries);
int dm_hc_change_pin(dm_transport *t, uint8_t ref, const char *old_pin, const char *new_pin, int *tries);
int dm_hc_disable_pin(dm_transport *t, uint8_t ref, const char *pin, int *tries);
int dm_hc_enable_pin(dm_transport *t, uint8_t ref, const char *pin, int *tries);
/* puk NULL: UNBLOCK without data = UNBLOCK PIN tries left into *tries. */
int dm_hc_unblock_pin(dm_transport *t, uint8_t ref, const char *puk, const char *new_pin, int *tries);

/* EF_INFO of the DMSC application (docs/dmsc-app.md "EF_INFO"). */
typedef struct dm_hc_info {
	uint8_t version;
	uint8_t caps;        /* 81: b1 large MOs, b2 MOs on demand */
	uint8_t flags;       /* 82: b1 ask user (USE-1), b2 never ask (USE-2), b3 provisioning present */
	uint32_t counter;    /* 83: change counter */
	bool has_free;
	uint32_t free_bytes; /* 84 */
} dm_hc_info;
#define DM_HC_INFO_ASK_USER   0x01u
#define DM_HC_INFO_NEVER_ASK  0x02u
#define DM_HC_INFO_PROVISIONED 0x04u

/* Parse EF_INFO bytes (BER-TLV then FF padding; 80, 82, 83 mandatory). */
int dm_hc_info_parse(dm_bytes in, dm_hc_info *out);
/* SELECT the DMSC application and read EF_INFO (6A82 on SELECT = no DM_SC: DM_E_NOT_FOUND). */
int dm_hc_read_info(dm_transport *t, dm_hc_info *out);

/*
 * The user-facing message for a failure of the last operation:
 *   "READ BINARY EF_DODF failed: 6982 SECURITY_STATUS (security status not
 *    satisfied) -> DM 425; verify the PIN first"
 * or, for transport errors, "card removed or reader failed during ...".
 * Always NUL-terminated; returns buf.
 */
const char *dm_hc_message(const dm_transport *t, int err, char *buf, size_t cap);

#endif
