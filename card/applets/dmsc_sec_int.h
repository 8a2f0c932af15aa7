/*
 * dmsc_sec_int.h - between the security modules of the DMSC application
 * (dmsc_scp03.c dispatches, dmsc_pso.c and dmsc_policy.c answer).
 * docs/dmsc-security.md.
 */
#ifndef DM_DMSC_SEC_INT_H
#define DM_DMSC_SEC_INT_H

#include "dmsc_sec.h"
#include "tlv.h"

/* PSO COMPUTE / VERIFY DIGITAL SIGNATURE (ISO 7816-8 §11.8, §11.9). */
uint16_t dm_dmsc_pso(dm_applet_ctx *ctx, const dm_dmsc_sec *sec, const dm_capdu *cmd,
		     dm_wbuf *resp);
/* GET DATA 7F49: the card's public key template. */
uint16_t dm_dmsc_get_data(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp);
/* 80 36: AUT-1 signed update. */
uint16_t dm_dmsc_signed_update(dm_applet_ctx *ctx, const dm_capdu *cmd);
/* 80 38: enterprise policy operation. */
uint16_t dm_dmsc_policy_op(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp);
/* 80 3A: GEN-14 session trigger (dmsc_trigger.c). */
uint16_t dm_dmsc_trigger_cmd(dm_applet_ctx *ctx, const dm_capdu *cmd);

/* Split the data field into the expected DOs (tags in this order, each
 * exactly once, nothing after); *signed_len = bytes before the last DO
 * (the 9E signature of a signed block). */
bool dm_dmsc_split(const dm_capdu *cmd, const uint32_t *tags, dm_tlv *dos, size_t n,
		   size_t *signed_len);
/* A block signed by the Management Authority (AUT-1): signature over
 * SHA-256(domain || the first signed_len data bytes), and counter above the
 * last accepted one of the MA's signed blocks (one sequence for 80 36 and
 * 80 3A), then stored.  9000, 6982 bad signature, 6985 replay, 6A88 no MA
 * key, 6A80 malformed signature. */
uint16_t dm_dmsc_ma_check(dm_applet_ctx *ctx, const char *domain, const dm_capdu *cmd,
			  size_t signed_len, const dm_tlv *sig, uint32_t counter);

#endif
