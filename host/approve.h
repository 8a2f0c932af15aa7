/*
 * approve.h - software / firmware approval (DM_SC use case 5.4, GEN-18):
 * before installing a package the device asks the card whether the
 * Management Authority signed it.  The card verifies with the MA's key,
 * which never leaves it: PSO VERIFY DIGITAL SIGNATURE
 * 00 2A 00 A8 { 90 20 <SHA-256 of the package> 9E L <signature> }
 * (ISO 7816-8 §11.7; docs/dmsc-security.md "Signatures").
 */
#ifndef DM_HOST_APPROVE_H
#define DM_HOST_APPROVE_H

#include <stdbool.h>
#include <stdint.h>

#include "agent.h"
#include "dm_common.h"
#include "transport.h"
#include "usecase.h"

#define DM_APPROVE_HASH_LEN 32u
#define DM_APPROVE_SIG_MAX 139u   /* DER ECDSA P-521 at most; P-256 is 70..72 */

/* SHA-256 of a file (streamed: any size). DM_E_IO if it cannot be read. */
int dm_approve_hash_file(const char *path, uint8_t hash[DM_APPROVE_HASH_LEN]);

/* The PSO VERIFY data field: 90 20 hash 9E L sig (sig 1..DM_APPROVE_SIG_MAX bytes). */
int dm_approve_build(const uint8_t hash[DM_APPROVE_HASH_LEN], dm_bytes sig, dm_wbuf *out);

/*
 * Ask the card (SELECT DMSC, PSO VERIFY).  *approved: true on 9000, false
 * on 6A80 (the signature does not verify: another key, a tampered package,
 * or a malformed signature).  Any other status word is DM_E_STATE (t->last_sw,
 * dm_hc_message explain it: 6A88 = no MA key on the card).
 */
int dm_approve_check(dm_transport *t, const uint8_t hash[DM_APPROVE_HASH_LEN], dm_bytes sig,
		     bool *approved);

typedef enum dm_install_decision {
	DM_INSTALL_YES,     /* approved by the MA, or accepted by the user */
	DM_INSTALL_NO,      /* not approved and rejected (policy or user) */
	DM_INSTALL_ASK,     /* not approved, policy "ask", no answer yet */
} dm_install_decision;

/* approved -> YES; else reject -> NO; ask -> answer (1 YES, 0 NO, -1 ASK). */
dm_install_decision dm_install_decide(bool approved, dm_unapproved policy, int answer);

/* `install PACKAGE --sig SIG [--yes|--no]` */
int dm_cmd_install(int argc, char **argv, dm_agent *ctx);

#endif
