/*
 * sec_harness.h - shared by the DMSC security tests: a card whose DMSC
 * application is a test applet running dm_dmsc_sec_run over the UICC file
 * system (so the security module is tested on its own), test key material
 * installed by that applet, and the host side of SCP03 (proto/scp03.h) and
 * of the signatures (libtomcrypt).
 */
#ifndef DM_TEST_SEC_HARNESS_H
#define DM_TEST_SEC_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "applet.h"
#include "keys.h"
#include "scp03.h"

#define SH_KVN_DEV 0x30u
#define SH_KVN_MA 0x31u

/* The registry (MF, ADF PKCS15, the test DMSC applet) and its key bytes. */
extern const dm_applet_reg sh_registry[];
extern const size_t sh_registry_len;
extern const uint8_t sh_key_dev[16];
extern const uint8_t sh_key_ma[16];

/* Once per process: libtomcrypt, the MA and enterprise key pairs. */
void sh_init(void);
/* Checked fixture: rt_use_registry(sh_registry) + rt_setup_t1(). */
void sh_setup(void);
void sh_teardown(void);

/* Sign SHA-256(domain || msg) (domain may be NULL) with the MA (which 0),
 * enterprise (1) or a third, unknown (2) key: raw r || s. */
void sh_sign(unsigned which, const char *domain, const uint8_t *msg, size_t n, uint8_t sig[64]);
void sh_sha256(const uint8_t *msg, size_t n, uint8_t out[32]);
/* Verify r || s over hash with an uncompressed point: 1 valid. */
int sh_verify_point(const uint8_t point[65], const uint8_t hash[32], const uint8_t sig[64]);

/* The host's session. */
extern dm_scp03_session sh_host;
/* SELECT the DMSC application on the basic channel. */
void sh_select_dmsc(void);
/* INITIALIZE UPDATE with kvn and the host's static key; returns the SW and,
 * on 9000, starts the host session. */
uint16_t sh_init_update(uint8_t kvn, const uint8_t key[16]);
/* INITIALIZE UPDATE + EXTERNAL AUTHENTICATE at level; returns the SW of
 * EXTERNAL AUTHENTICATE. */
uint16_t sh_open(uint8_t kvn, const uint8_t key[16], uint8_t level);
/* Send a plain command (hex) wrapped by the host session, unwrap the answer
 * into rt_resp / rt_resp_len / rt_sw.  Returns the SW. */
uint16_t sh_xw(const char *hex);
/* Same from bytes; `tamper` flips the last byte of the wrapped APDU's
 * C-MAC.  `last` receives the wrapped APDU (for replay) when not NULL. */
uint16_t sh_send_wrapped(const uint8_t *apdu, size_t n, bool tamper, uint8_t *last,
			 size_t *last_len);

/* 80 36 signed update (docs/dmsc-security.md) into apdu (>= 700 bytes),
 * signed by key `signer` (sh_sign); `tamper` changes the counter after
 * signing.  Returns the length. */
size_t sh_signed_update(uint8_t *apdu, const uint8_t *path, size_t plen, uint32_t off,
			const uint8_t *data, size_t n, uint32_t ctr, unsigned signer, bool tamper);
/* 80 38 policy operation into apdu (>= 256 bytes); `tamper` changes the
 * action after signing. */
size_t sh_policy_op(uint8_t *apdu, uint32_t ctr, const char *res, uint8_t action,
		    unsigned signer, bool tamper);

/* 80 3A session trigger (docs/dmsc-app.md, GEN-14) into apdu (>= 160
 * bytes): reason, server id, session id; signed by `signer` with counter
 * ctr when signer <= 2, plain (ADM1 form) when signer is SH_UNSIGNED;
 * `tamper` changes the session id after signing. */
#define SH_UNSIGNED 0xFFu
size_t sh_trigger(uint8_t *apdu, uint8_t reason, const char *server, uint16_t sid, uint32_t ctr,
		  unsigned signer, bool tamper);

/* Build a hex-less APDU: header, data, no Le (case 1/3). */
size_t sh_apdu(uint8_t *out, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
	       const uint8_t *data, size_t nc);

#endif
