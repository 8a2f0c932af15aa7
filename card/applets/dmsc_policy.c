/*
 * dmsc_policy.c - data blocks signed outside the card and verified by it
 * (docs/dmsc-security.md):
 *
 *   SIGNED UPDATE 80 36 00 00 [ours] (AUT-1: the over-the-air path of a
 *   Management Authority change through the device):
 *     80 <path: FIDs from the MF, 3F00 excluded>  81 04 <offset>
 *     82 <data>  83 04 <counter>  9E <signature>
 *   in this order.  The signature (MA key, ECDSA P-256, raw r || s or DER)
 *   is over SHA-256("DMSC-SU1" || every byte before the 9E DO).  The file
 *   must be provisioning data (dmsc.h dm_dmsc_is_provisioning); offset is
 *   the byte offset of a transparent EF, or the number of the first record
 *   minus one of a record EF.  The counter must exceed the last accepted
 *   one.  The write, the counter and the change-counter bump (fs.h
 *   dm_fs_notify: EF_INFO, REFRESH) are one store transaction.
 *
 *   POLICY OPERATION 80 38 00 00 [ours] (use case 5.3): an administrator's
 *   enable/disable of a resource, checked by the card before the device
 *   executes it:
 *     80 04 <counter>  81 <resource name, 1..32 bytes, e.g. "Camera">
 *     82 01 <action: 00 disable, 01 enable>  9E <signature>
 *   signed with the enterprise credential over SHA-256("DMSC-PO1" || every
 *   byte before the 9E DO).  9000 and the counter stored: the device may
 *   execute it.  Both commands append their event to EF_EVLOG (dmsc_sec.h)
 *   in the same transaction.
 *
 * Status words: 6A80 malformed; 6A88 no key; 6982 signature wrong; 6985
 * counter not above the last accepted (replay); 6A82 no such file; 6700 the
 * data does not fit the file.
 */
#include <string.h>

#include <tomcrypt.h>

#include "dmsc.h"
#include "dmsc_sec_int.h"
#include "fs.h"
#include "keys.h"
#include "sw.h"
#include "tlv.h"

#define SU_DOMAIN "DMSC-SU1"
#define PO_DOMAIN "DMSC-PO1"
#define PO_RESOURCE_MAX 32u

bool dm_dmsc_split(const dm_capdu *cmd, const uint32_t *tags, dm_tlv *dos, size_t n,
		   size_t *signed_len)
{
	size_t off = 0, used;

	for (size_t i = 0; i < n; i++) {
		if (off >= cmd->nc ||
		    dm_tlv_parse(cmd->data + off, cmd->nc - off, &dos[i], &used) != DM_OK ||
		    dos[i].tag != tags[i])
			return false;
		if (i == n - 1)
			*signed_len = off;
		off += used;
	}
	return off == cmd->nc;
}

static int digest(const char *domain, const uint8_t *p, size_t n, uint8_t out[32])
{
	hash_state h;
	int rc = dm_keys_crypto_init();

	if (rc != DM_OK)
		return rc;
	if (sha256_init(&h) != CRYPT_OK ||
	    sha256_process(&h, (const unsigned char *)domain, (unsigned long)strlen(domain)) != CRYPT_OK ||
	    sha256_process(&h, p, (unsigned long)n) != CRYPT_OK || sha256_done(&h, out) != CRYPT_OK)
		return DM_E_CRYPTO;
	return DM_OK;
}

/* The audit trail (EF_EVLOG), in the same transaction; a card without
 * EF_EVLOG just has no trail. */
static uint16_t log_event(dm_applet_ctx *ctx, const dm_evlog_event *ev)
{
	int rc = dm_dmsc_evlog_append(ctx, ev);

	if (rc == DM_OK || rc == DM_E_NOT_FOUND)
		return DM_SW_OK;
	return rc == DM_E_NOMEM ? DM_SW_NOT_ENOUGH_MEMORY : DM_SW_MEMORY_PROBLEM;
}

/* Signature and replay counter; DM_SW_OK when both are good. */
static uint16_t check(dm_applet_ctx *ctx, dm_keys_pub key, dm_keys_ctr ctr, const char *domain,
		      const dm_capdu *cmd, size_t signed_len, const dm_tlv *sig, uint32_t counter)
{
	uint8_t h[32];
	uint32_t last;
	int rc = digest(domain, cmd->data, signed_len, h);

	if (rc == DM_OK)
		rc = dm_keys_verify(ctx, key, h, sizeof h, sig->value, sig->len);
	switch (rc) {
	case DM_OK:
		break;
	case DM_E_NOT_FOUND:
		return DM_SW_REF_DATA_NOT_FOUND;
	case DM_E_CRYPTO:
		return DM_SW_SECURITY_STATUS;
	case DM_E_VALUE:
	case DM_E_LENGTH:
		return DM_SW_WRONG_DATA;
	default:
		return rc == DM_E_IO ? DM_SW_MEMORY_PROBLEM : DM_SW_TECHNICAL;
	}
	rc = dm_keys_counter(ctx, ctr, &last);
	if (rc != DM_OK)
		return rc == DM_E_IO ? DM_SW_MEMORY_PROBLEM : DM_SW_TECHNICAL;
	if (counter <= last)
		return DM_SW_CONDITIONS;
	rc = dm_keys_counter_set(ctx, ctr, counter);
	if (rc != DM_OK)
		return rc == DM_E_NOMEM ? DM_SW_NOT_ENOUGH_MEMORY : DM_SW_MEMORY_PROBLEM;
	return DM_SW_OK;
}

uint16_t dm_dmsc_ma_check(dm_applet_ctx *ctx, const char *domain, const dm_capdu *cmd,
			  size_t signed_len, const dm_tlv *sig, uint32_t counter)
{
	return check(ctx, DM_KEYS_PUB_MA, DM_KEYS_CTR_SIGNED_UPDATE, domain, cmd, signed_len, sig,
		     counter);
}

uint16_t dm_dmsc_signed_update(dm_applet_ctx *ctx, const dm_capdu *cmd)
{
	static const uint32_t tags[] = { 0x80, 0x81, 0x82, 0x83, 0x9E };
	dm_tlv d[5];
	dm_fs_change chg = { 0 };
	size_t signed_len = 0;
	uint32_t size;
	uint16_t sw;
	int rc;

	if (cmd->p1 != 0 || cmd->p2 != 0)
		return DM_SW_WRONG_P1P2;
	if (!dm_dmsc_split(cmd, tags, d, 5, &signed_len) || d[0].len == 0 || d[0].len % 2 != 0 ||
	    d[0].len / 2 > DM_FS_MAX_DEPTH || d[1].len != 4 || d[3].len != 4)
		return DM_SW_WRONG_DATA;
	chg.path_len = (uint8_t)(d[0].len / 2);
	for (size_t i = 0; i < chg.path_len; i++)
		chg.path[i] = dm_get_u16be(d[0].value + 2 * i);
	sw = check(ctx, DM_KEYS_PUB_MA, DM_KEYS_CTR_SIGNED_UPDATE, SU_DOMAIN, cmd, signed_len,
		   &d[4], dm_get_u32be(d[3].value));
	if (sw != DM_SW_OK)
		return sw;
	/* Only provisioning data: a signature of the MA never reaches keys,
	 * PINs or the device's own files. */
	if (!dm_dmsc_is_provisioning(chg.path, chg.path_len))
		return DM_SW_SECURITY_STATUS;
	rc = dm_fs_size_at(ctx, d[0].value, d[0].len, &size);
	if (rc == DM_E_NOT_FOUND)
		return DM_SW_FILE_NOT_FOUND;
	if (rc != DM_OK)
		return DM_SW_MEMORY_PROBLEM;
	sw = dm_fs_load_at(ctx, d[0].value, d[0].len, dm_get_u32be(d[1].value),
			   dm_bytes_of(d[2].value, d[2].len));
	if (sw != DM_SW_OK)
		return sw;
	chg.ins = 0xD6;
	rc = dm_fs_notify(ctx, &chg);
	if (rc != DM_OK)
		return rc == DM_E_NOMEM ? DM_SW_NOT_ENOUGH_MEMORY : DM_SW_MEMORY_PROBLEM;
	dm_evlog_event ev = {
		.type = DM_EVLOG_SIGNED_UPDATE, .source = DM_EVLOG_SRC_CARD,
		.counter = dm_get_u32be(d[3].value), .action = 0xFF,
		.name = dm_bytes_of(d[0].value, d[0].len),
	};
	return log_event(ctx, &ev);
}

uint16_t dm_dmsc_policy_op(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp)
{
	static const uint32_t tags[] = { 0x80, 0x81, 0x82, 0x9E };
	dm_tlv d[4];
	size_t signed_len = 0;

	(void)resp;
	if (cmd->p1 != 0 || cmd->p2 != 0)
		return DM_SW_WRONG_P1P2;
	if (!dm_dmsc_split(cmd, tags, d, 4, &signed_len) || d[0].len != 4 || d[1].len == 0 ||
	    d[1].len > PO_RESOURCE_MAX || d[2].len != 1 || d[2].value[0] > 1)
		return DM_SW_WRONG_DATA;
	uint16_t sw = check(ctx, DM_KEYS_PUB_ENTERPRISE, DM_KEYS_CTR_POLICY, PO_DOMAIN, cmd,
			    signed_len, &d[3], dm_get_u32be(d[0].value));
	if (sw != DM_SW_OK)
		return sw;
	dm_evlog_event ev = {
		.type = DM_EVLOG_ADMIN_OP, .source = DM_EVLOG_SRC_CARD,
		.counter = dm_get_u32be(d[0].value), .action = d[2].value[0],
		.name = dm_bytes_of(d[1].value, d[1].len),
	};
	return log_event(ctx, &ev);
}
