/*
 * dmsc_sec_int.h - between the security modules of the DMSC application
 * (dmsc_scp03.c dispatches, dmsc_pso.c and dmsc_policy.c answer).
 * docs/dmsc-security.md.
 */
#ifndef DM_DMSC_SEC_INT_H
#define DM_DMSC_SEC_INT_H

#include "dmsc_sec.h"

/* PSO COMPUTE / VERIFY DIGITAL SIGNATURE (ISO 7816-8 §11.8, §11.9). */
uint16_t dm_dmsc_pso(dm_applet_ctx *ctx, const dm_dmsc_sec *sec, const dm_capdu *cmd,
		     dm_wbuf *resp);
/* GET DATA 7F49: the card's public key template. */
uint16_t dm_dmsc_get_data(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp);
/* 80 36: AUT-1 signed update. */
uint16_t dm_dmsc_signed_update(dm_applet_ctx *ctx, const dm_capdu *cmd);
/* 80 38: enterprise policy operation. */
uint16_t dm_dmsc_policy_op(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp);

#endif
