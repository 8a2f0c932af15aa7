/*
 * dmsc_pso.c - PERFORM SECURITY OPERATION of the DMSC application
 * (ISO 7816-8 §11; dmsc reference GEN-4, GEN-18, use case 5.4;
 * docs/dmsc-security.md) and GET DATA of the card's public key.
 *
 *   00 2A 9E 9A Lc=32 <SHA-256 of the session transcript> Le
 *       COMPUTE DIGITAL SIGNATURE with the card's ECDSA P-256 key: raw
 *       r || s (64 bytes).  Only inside an authenticated SCP03 command
 *       (AUTH-2; else 6982), so the card is no signing oracle.
 *   00 2A 00 A8 Lc { 90 20 <hash> 9E <sig> }
 *       VERIFY DIGITAL SIGNATURE with the Management Authority's public key
 *       (GEN-18).  sig: raw r || s (64 bytes) or DER.  9000 valid; 6A80
 *       wrong signature or malformed data field; 6A88 no MA key.
 *   00 CA 7F 49 Le
 *       GET DATA: 7F49 43 { 86 41 04 || X || Y } (ISO 7816-8 public key
 *       template, EC point DO 86).
 */
#include <string.h>

#include "dmsc_sec_int.h"
#include "keys.h"
#include "sw.h"
#include "tlv.h"

static uint16_t sw_of(int rc)
{
	switch (rc) {
	case DM_E_NOT_FOUND:
		return DM_SW_REF_DATA_NOT_FOUND;
	case DM_E_IO:
		return DM_SW_MEMORY_PROBLEM;
	default:
		return DM_SW_TECHNICAL;
	}
}

static uint16_t compute_ds(dm_applet_ctx *ctx, const dm_dmsc_sec *sec, const dm_capdu *cmd,
			   dm_wbuf *resp)
{
	uint8_t sig[DM_KEYS_SIG_LEN];
	int rc;

	if (!dm_dmsc_sec_authenticated(sec))
		return DM_SW_SECURITY_STATUS;
	if (cmd->nc != DM_KEYS_HASH_LEN)
		return DM_SW_WRONG_LENGTH;
	rc = dm_keys_card_sign(ctx, cmd->data, sig);
	if (rc != DM_OK)
		return sw_of(rc);
	return dm_wbuf_put(resp, sig, sizeof sig) == DM_OK ? DM_SW_OK : DM_SW_TECHNICAL;
}

static uint16_t verify_ds(dm_applet_ctx *ctx, const dm_capdu *cmd)
{
	dm_tlv_iter it;
	dm_tlv t, hash = { 0 }, sig = { 0 };
	int rc;

	if (cmd->nc == 0)
		return DM_SW_WRONG_LENGTH;
	/* Exactly one 90 and one 9E, nothing else. */
	dm_tlv_iter_init(&it, cmd->data, cmd->nc);
	while ((rc = dm_tlv_next(&it, &t)) == 1) {
		if (t.tag == 0x90 && hash.value == NULL)
			hash = t;
		else if (t.tag == 0x9E && sig.value == NULL)
			sig = t;
		else
			return DM_SW_WRONG_DATA;
	}
	if (rc < 0 || hash.value == NULL || sig.value == NULL || hash.len != DM_KEYS_HASH_LEN)
		return DM_SW_WRONG_DATA;
	rc = dm_keys_verify(ctx, DM_KEYS_PUB_MA, hash.value, hash.len, sig.value, sig.len);
	switch (rc) {
	case DM_OK:
		return DM_SW_OK;
	case DM_E_CRYPTO:
	case DM_E_VALUE:
	case DM_E_LENGTH:
		return DM_SW_WRONG_DATA;
	default:
		return sw_of(rc);
	}
}

uint16_t dm_dmsc_pso(dm_applet_ctx *ctx, const dm_dmsc_sec *sec, const dm_capdu *cmd,
		     dm_wbuf *resp)
{
	unsigned p1p2 = ((unsigned)cmd->p1 << 8) | cmd->p2;

	if (p1p2 == 0x9E9Au)
		return compute_ds(ctx, sec, cmd, resp);
	if (p1p2 == 0x00A8u)
		return verify_ds(ctx, cmd);
	return DM_SW_WRONG_P1P2;
}

uint16_t dm_dmsc_get_data(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp)
{
	uint8_t point[DM_KEYS_POINT_LEN];
	size_t m;
	int rc;

	if ((((unsigned)cmd->p1 << 8) | cmd->p2) != 0x7F49u)
		return DM_SW_REF_DATA_NOT_FOUND; /* ISO 7816-4 §11.4.3 */
	if (cmd->nc != 0)
		return DM_SW_WRONG_LENGTH;
	rc = dm_keys_card_public(ctx, point);
	if (rc != DM_OK)
		return rc == DM_E_NOT_FOUND ? DM_SW_REF_DATA_NOT_FOUND : sw_of(rc);
	rc = dm_tlv_begin(resp, 0x7F49, &m);
	if (rc == DM_OK)
		rc = dm_tlv_put(resp, 0x86, point, sizeof point);
	if (rc == DM_OK)
		rc = dm_tlv_end(resp, m);
	return rc == DM_OK ? DM_SW_OK : DM_SW_TECHNICAL;
}
