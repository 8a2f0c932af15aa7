/*
 * scp03.c - GlobalPlatform SCP03 maths (GP Card Spec v2.2 Amendment D).
 * See scp03.h for the protocol outline and docs/proto.md "SCP03" for the
 * choices that are ours.
 */
#include "scp03.h"

#include <string.h>
#include <tomcrypt.h>

/* ISO 7816-4 §5.4.1: b7 = 1 selects the further interindustry coding
 * (logical channels 4..19), where b6 is the SM indication; in the first
 * coding b4-b3 are, and GP proprietary SM is b4-b3 = 01 (GP CS §11.1.4). */
#define CLA_FURTHER 0x40u
#define CLA_FIRST_SM_MASK 0x0Cu
#define CLA_FIRST_SM_GP 0x04u
#define CLA_FURTHER_SM 0x20u
#define CLA_CHAINING 0x10u

#define INS_EXTERNAL_AUTHENTICATE 0x82u

static int aes_index(void)
{
	int idx = find_cipher("aes");

	if (idx < 0)
		idx = register_cipher(&aes_desc);
	return idx;
}

static bool key_len_ok(size_t n)
{
	return n == 16 || n == 24 || n == 32;
}

static bool mode_ok(unsigned mode)
{
	return mode == DM_SCP03_S8 || mode == DM_SCP03_S16;
}

/* 2X/3X are RFU and FF is PPS (ISO 7816-4 §5.4.1, ISO 7816-3 §9): never a command. */
static bool cla_valid(uint8_t cla)
{
	return cla != 0xFF && (cla & 0xE0) != 0x20;
}

static bool cla_has_sm(uint8_t cla)
{
	if (cla & CLA_FURTHER)
		return (cla & CLA_FURTHER_SM) != 0;
	return (cla & CLA_FIRST_SM_MASK) != 0;
}

/* The CLA carries the GP proprietary SM indication (b4-b3 = 01, or b6). */
static bool cla_is_gp_sm(uint8_t cla)
{
	if (cla & CLA_FURTHER)
		return (cla & CLA_FURTHER_SM) != 0;
	return (cla & CLA_FIRST_SM_MASK) == CLA_FIRST_SM_GP;
}

static uint8_t cla_add_sm(uint8_t cla)
{
	return (uint8_t)(cla | ((cla & CLA_FURTHER) ? CLA_FURTHER_SM : CLA_FIRST_SM_GP));
}

static uint8_t cla_remove_sm(uint8_t cla)
{
	return (uint8_t)(cla & ~((cla & CLA_FURTHER) ? CLA_FURTHER_SM : CLA_FIRST_SM_MASK));
}

/*
 * Amd D §6.2.4: for the C-MAC the CLA has logical channel number 0, b4 = 0
 * and b3 = 1.  A further-coded CLA (channels 4..19) has no channel-0 form of
 * its own: we use the first-coded one, keeping b8 and the chaining bit [ours].
 */
static uint8_t cla_for_mac(uint8_t cla)
{
	if (cla & CLA_FURTHER)
		return (uint8_t)((cla & (0x80u | CLA_CHAINING)) | CLA_FIRST_SM_GP);
	return (uint8_t)((cla & 0xF0u) | CLA_FIRST_SM_GP);
}

static uint8_t apdu_case(size_t nc, size_t ne)
{
	if (nc == 0)
		return ne == 0 ? 1 : 2;
	return ne == 0 ? 3 : 4;
}

/* ISO 9797-1 padding method 2 always adds at least one byte. */
static size_t padded_len(size_t n)
{
	return (n / DM_SCP03_BLOCK + 1) * DM_SCP03_BLOCK;
}

static void pad80(uint8_t *p, size_t n, size_t padded)
{
	p[n] = 0x80;
	memset(p + n + 1, 0, padded - n - 1);
}

/*
 * Strict removal of ISO 9797-1 method 2 padding from n bytes (n a non-zero
 * multiple of 16): zeros, then 80, all inside the last block, and at least
 * one byte of data before it (Amd D §6.2.6: no data, no encryption).
 * The MAC over the ciphertext was verified first, so this is no oracle.
 */
static int unpad80(const uint8_t *p, size_t n, size_t *out)
{
	size_t i = n;

	while (i > n - DM_SCP03_BLOCK && p[i - 1] == 0x00)
		i--;
	if (i == n - DM_SCP03_BLOCK || p[i - 1] != 0x80 || i == 1)
		return DM_E_CRYPTO;
	*out = i - 1;
	return DM_OK;
}

/* SWs that carry protected data: 9000 and warnings 62xx/63xx (Amd D §6.2.5),
 * plus 91xx, normal ending with a proactive command pending (TS 102 221
 * §10.2.1.1) [ours]. */
bool dm_scp03_sw_protected(uint16_t sw)
{
	uint8_t sw1 = (uint8_t)(sw >> 8);

	return sw == 0x9000 || sw1 == 0x62 || sw1 == 0x63 || sw1 == 0x91;
}

int dm_scp03_keys_set(dm_scp03_keys *k, const uint8_t *enc, const uint8_t *mac, size_t len)
{
	if (k == NULL || enc == NULL || mac == NULL)
		return DM_E_ARG;
	if (!key_len_ok(len))
		return DM_E_LENGTH;
	dm_scp03_keys_wipe(k);
	memcpy(k->enc, enc, len);
	memcpy(k->mac, mac, len);
	k->len = len;
	return DM_OK;
}

void dm_scp03_keys_wipe(dm_scp03_keys *k)
{
	if (k != NULL)
		dm_wipe(k, sizeof *k);
}

int dm_scp03_cmac(const uint8_t *key, size_t key_len, const dm_bytes *parts, size_t n,
		  uint8_t mac[DM_SCP03_BLOCK])
{
	omac_state st;
	unsigned long outlen = DM_SCP03_BLOCK;
	int idx, rc = DM_E_CRYPTO;

	if (key == NULL || mac == NULL || (parts == NULL && n != 0))
		return DM_E_ARG;
	for (size_t i = 0; i < n; i++)
		if (parts[i].ptr == NULL && parts[i].len != 0)
			return DM_E_ARG;
	if (!key_len_ok(key_len))
		return DM_E_LENGTH;
	idx = aes_index();
	if (idx < 0)
		return DM_E_CRYPTO;
	if (omac_init(&st, idx, key, (unsigned long)key_len) != CRYPT_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		/* omac_process insists on a non-NULL pointer even for 0 bytes */
		if (parts[i].len == 0)
			continue;
		if (omac_process(&st, parts[i].ptr, (unsigned long)parts[i].len) != CRYPT_OK)
			goto out;
	}
	if (omac_done(&st, mac, &outlen) != CRYPT_OK || outlen != DM_SCP03_BLOCK)
		goto out;
	rc = DM_OK;
out:
	dm_wipe(&st, sizeof st);
	return rc;
}

int dm_scp03_kdf(const uint8_t *key, size_t key_len, uint8_t ddc, dm_bytes context,
		 uint8_t *out, size_t out_len)
{
	/* Amd D §4.1.5: a 12-byte label (11 x 00, then the derivation constant),
	 * the separation indicator 00, L in bits (2 bytes), the counter i. */
	uint8_t dd[16] = { 0 };
	uint8_t block[DM_SCP03_BLOCK];
	int rc = DM_OK;

	if (key == NULL || out == NULL || (context.ptr == NULL && context.len != 0))
		return DM_E_ARG;
	if (!key_len_ok(key_len) || out_len == 0 || out_len > DM_SCP03_KDF_MAX)
		return DM_E_LENGTH;
	dd[11] = ddc;
	dm_put_u16be(dd + 13, (uint16_t)(out_len * 8));
	for (size_t done = 0, i = 1; done < out_len; i++) {
		dm_bytes parts[2] = { { dd, sizeof dd }, context };
		size_t n = out_len - done < DM_SCP03_BLOCK ? out_len - done : DM_SCP03_BLOCK;

		dd[15] = (uint8_t)i;
		rc = dm_scp03_cmac(key, key_len, parts, 2, block);
		if (rc != DM_OK) {
			dm_wipe(out, out_len);
			break;
		}
		memcpy(out + done, block, n);
		done += n;
	}
	dm_wipe(block, sizeof block);
	return rc;
}

int dm_scp03_card_challenge(const dm_scp03_keys *k, dm_scp03_mode mode, uint32_t seq,
			    dm_bytes aid, uint8_t *out)
{
	uint8_t ctx[3 + DM_SCP03_AID_MAX];

	if (k == NULL || out == NULL || aid.ptr == NULL)
		return DM_E_ARG;
	if (!mode_ok(mode) || seq > DM_SCP03_SEQ_MAX)
		return DM_E_VALUE;
	if (aid.len < DM_SCP03_AID_MIN || aid.len > DM_SCP03_AID_MAX)
		return DM_E_LENGTH;
	ctx[0] = (uint8_t)(seq >> 16);
	ctx[1] = (uint8_t)(seq >> 8);
	ctx[2] = (uint8_t)seq;
	memcpy(ctx + 3, aid.ptr, aid.len);
	return dm_scp03_kdf(k->enc, k->len, DM_SCP03_DDC_CARD_CHALLENGE,
			    dm_bytes_of(ctx, 3 + aid.len), out, (size_t)mode);
}

void dm_scp03_session_wipe(dm_scp03_session *s)
{
	if (s != NULL)
		dm_wipe(s, sizeof *s); /* state 0 = DM_SCP03_CLOSED */
}

int dm_scp03_session_init(dm_scp03_session *s, const dm_scp03_keys *k, dm_scp03_mode mode,
			  const uint8_t *host_challenge, const uint8_t *card_challenge)
{
	uint8_t ctx[2 * DM_SCP03_S16];
	dm_bytes c;
	size_t m = (size_t)mode;
	int rc;

	if (s == NULL || k == NULL || host_challenge == NULL || card_challenge == NULL)
		return DM_E_ARG;
	if (!mode_ok(mode))
		return DM_E_VALUE;
	if (!key_len_ok(k->len))
		return DM_E_LENGTH;
	dm_scp03_session_wipe(s);
	/* Amd D §6.2.1: context = host challenge || card challenge */
	memcpy(ctx, host_challenge, m);
	memcpy(ctx + m, card_challenge, m);
	c = dm_bytes_of(ctx, 2 * m);
	rc = dm_scp03_kdf(k->enc, k->len, DM_SCP03_DDC_S_ENC, c, s->s_enc, k->len);
	if (rc == DM_OK)
		rc = dm_scp03_kdf(k->mac, k->len, DM_SCP03_DDC_S_MAC, c, s->s_mac, k->len);
	if (rc == DM_OK)
		rc = dm_scp03_kdf(k->mac, k->len, DM_SCP03_DDC_S_RMAC, c, s->s_rmac, k->len);
	/* Amd D §6.2.2.2-3: cryptograms from S-MAC, L = 64 (S8) or 128 (S16) */
	if (rc == DM_OK)
		rc = dm_scp03_kdf(s->s_mac, k->len, DM_SCP03_DDC_CARD_CRYPTOGRAM, c,
				  s->card_cryptogram, m);
	if (rc == DM_OK)
		rc = dm_scp03_kdf(s->s_mac, k->len, DM_SCP03_DDC_HOST_CRYPTOGRAM, c,
				  s->host_cryptogram, m);
	if (rc != DM_OK) {
		dm_scp03_session_wipe(s);
		return rc;
	}
	s->key_len = k->len;
	s->mode = (uint8_t)mode;
	s->state = DM_SCP03_INITIALIZED;
	return DM_OK;
}

int dm_scp03_card_cryptogram(const dm_scp03_session *s, uint8_t *out)
{
	if (s == NULL || out == NULL)
		return DM_E_ARG;
	if (s->state != DM_SCP03_INITIALIZED)
		return DM_E_STATE;
	memcpy(out, s->card_cryptogram, s->mode);
	return DM_OK;
}

/* Every verification failure ends the session (Amd D §6.2.4). */
static int session_fail(dm_scp03_session *s, int rc)
{
	dm_scp03_session_wipe(s);
	return rc;
}

int dm_scp03_check_card_cryptogram(dm_scp03_session *s, const uint8_t *cg, size_t len)
{
	if (s == NULL || cg == NULL)
		return DM_E_ARG;
	if (s->state != DM_SCP03_INITIALIZED)
		return DM_E_STATE;
	if (len != s->mode)
		return session_fail(s, DM_E_LENGTH);
	if (dm_ct_memcmp(cg, s->card_cryptogram, len) != 0)
		return session_fail(s, DM_E_CRYPTO);
	return DM_OK;
}

bool dm_scp03_level_valid(uint8_t level)
{
	switch (level) {
	case DM_SCP03_SL_CMAC:
	case DM_SCP03_SL_CMAC | DM_SCP03_SL_CDEC:
	case DM_SCP03_SL_CMAC | DM_SCP03_SL_RMAC:
	case DM_SCP03_SL_CMAC | DM_SCP03_SL_CDEC | DM_SCP03_SL_RMAC:
	case DM_SCP03_SL_CMAC | DM_SCP03_SL_CDEC | DM_SCP03_SL_RMAC | DM_SCP03_SL_RENC:
		return true;
	default:
		return false;
	}
}

/* Lc' as it is (or will be) coded on the wire: 1 byte, or 00 Lc1 Lc2. */
static size_t lc_field(uint8_t *f, size_t nc, bool extended)
{
	if (!extended) {
		f[0] = (uint8_t)nc;
		return 1;
	}
	f[0] = 0x00;
	dm_put_u16be(f + 1, (uint16_t)nc);
	return 3;
}

/* CMAC(S-MAC, chaining value || CLA'' INS P1 P2 || Lc' || data'), §6.2.4. */
static int command_mac(const dm_scp03_session *s, uint8_t cla, const dm_capdu *c, size_t lc,
		       bool extended, const uint8_t *data, size_t len, uint8_t mac[DM_SCP03_BLOCK])
{
	uint8_t hdr[4 + 3];
	size_t n;

	hdr[0] = cla_for_mac(cla);
	hdr[1] = c->ins;
	hdr[2] = c->p1;
	hdr[3] = c->p2;
	n = 4 + lc_field(hdr + 4, lc, extended);
	dm_bytes parts[3] = {
		{ s->mac_chain, DM_SCP03_BLOCK }, { hdr, n }, { data, len },
	};
	return dm_scp03_cmac(s->s_mac, s->key_len, parts, 3, mac);
}

/* ICV = AES-ECB(S-ENC, counter as a 16-byte big-endian block), with the
 * first byte set to 80 for responses (Amd D §6.2.6, §6.2.7). */
static int make_icv(const dm_scp03_session *s, uint64_t counter, bool response,
		    uint8_t icv[DM_SCP03_BLOCK])
{
	uint8_t blk[DM_SCP03_BLOCK] = { 0 };
	symmetric_ECB ecb;
	int idx = aes_index(), rc = DM_E_CRYPTO;

	if (idx < 0)
		return DM_E_CRYPTO;
	for (unsigned i = 0; i < 8; i++)
		blk[DM_SCP03_BLOCK - 1 - i] = (uint8_t)(counter >> (8 * i));
	if (response)
		blk[0] = 0x80;
	if (ecb_start(idx, s->s_enc, (int)s->key_len, 0, &ecb) != CRYPT_OK)
		goto out;
	if (ecb_encrypt(blk, icv, DM_SCP03_BLOCK, &ecb) == CRYPT_OK)
		rc = DM_OK;
	ecb_done(&ecb);
out:
	dm_wipe(&ecb, sizeof ecb);
	return rc;
}

/* AES-CBC with S-ENC in place over p[0..n), n a multiple of 16. */
static int enc_cbc(const dm_scp03_session *s, uint64_t counter, bool response, bool decrypt,
		   uint8_t *p, size_t n)
{
	uint8_t icv[DM_SCP03_BLOCK];
	symmetric_CBC cbc;
	int idx = aes_index(), rc;

	if (idx < 0)
		return DM_E_CRYPTO;
	rc = make_icv(s, counter, response, icv);
	if (rc != DM_OK)
		return rc;
	rc = DM_E_CRYPTO;
	if (cbc_start(idx, icv, s->s_enc, (int)s->key_len, 0, &cbc) != CRYPT_OK)
		goto out;
	if (decrypt ? cbc_decrypt(p, p, (unsigned long)n, &cbc) == CRYPT_OK
		    : cbc_encrypt(p, p, (unsigned long)n, &cbc) == CRYPT_OK)
		rc = DM_OK;
	cbc_done(&cbc);
out:
	dm_wipe(&cbc, sizeof cbc);
	dm_wipe(icv, sizeof icv);
	return rc;
}

/*
 * Wrap `in` into `out` (data in buf).  count: this command counts for the
 * encryption counter and may be encrypted (false only for EXTERNAL
 * AUTHENTICATE, which precedes the counter's start, §6.2.6).  Nothing in s
 * or buf changes on failure.
 */
static int wrap(dm_scp03_session *s, const dm_capdu *in, bool count, dm_capdu *out,
		dm_wbuf *buf)
{
	uint8_t mac[DM_SCP03_BLOCK];
	uint64_t counter = s->enc_counter;
	bool enc, ext;
	size_t body, wnc;
	uint8_t *p;
	int rc;

	if (in->nc != 0 && in->data == NULL)
		return DM_E_ARG;
	/* CLA DF (channel 19, chaining) would become FF with SM: not a CLA */
	if (!cla_valid(in->cla) || cla_has_sm(in->cla) || !cla_valid(cla_add_sm(in->cla)))
		return DM_E_VALUE;
	if (in->nc > DM_APDU_EXT_MAX_NC || in->ne > DM_APDU_EXT_MAX_NE)
		return DM_E_VALUE;
	if (count) {
		if (counter == UINT64_MAX)
			return DM_E_STATE;
		counter++;
	}
	enc = count && (s->level & DM_SCP03_SL_CDEC) && in->nc > 0;
	body = enc ? padded_len(in->nc) : in->nc;
	wnc = body + s->mode;
	if (wnc > DM_APDU_EXT_MAX_NC)
		return DM_E_LENGTH;
	if (dm_wbuf_room(buf) < wnc)
		return DM_E_OVERFLOW;
	p = buf->ptr + buf->len;
	if (in->nc != 0)
		memcpy(p, in->data, in->nc);
	if (enc) {
		pad80(p, in->nc, body);
		rc = enc_cbc(s, counter, false, false, p, body);
		if (rc != DM_OK)
			goto fail;
	}
	ext = in->extended || wnc > DM_APDU_SHORT_MAX_NC || in->ne > DM_APDU_SHORT_MAX_NE;
	rc = command_mac(s, in->cla, in, wnc, ext, p, body, mac);
	if (rc != DM_OK)
		goto fail;
	memcpy(p + body, mac, s->mode);
	memcpy(s->mac_chain, mac, DM_SCP03_BLOCK);
	s->enc_counter = counter;
	buf->len += wnc;
	*out = (dm_capdu){
		.cla = cla_add_sm(in->cla), .ins = in->ins, .p1 = in->p1, .p2 = in->p2,
		.data = p, .nc = wnc, .ne = in->ne, .extended = ext,
		.apdu_case = apdu_case(wnc, in->ne),
	};
	dm_wipe(mac, sizeof mac);
	return DM_OK;
fail:
	dm_wipe(p, wnc);
	dm_wipe(mac, sizeof mac);
	return rc;
}

int dm_scp03_host_external_auth(dm_scp03_session *s, uint8_t cla, uint8_t level,
				dm_capdu *out, dm_wbuf *buf)
{
	dm_capdu plain;
	int rc;

	if (s == NULL || out == NULL || buf == NULL)
		return DM_E_ARG;
	if (s->state != DM_SCP03_INITIALIZED)
		return DM_E_STATE;
	if (!dm_scp03_level_valid(level) || (cla & 0x80) == 0)
		return DM_E_VALUE;
	plain = (dm_capdu){
		.cla = cla, .ins = INS_EXTERNAL_AUTHENTICATE, .p1 = level, .p2 = 0x00,
		.data = s->host_cryptogram, .nc = s->mode,
	};
	rc = wrap(s, &plain, false, out, buf);
	if (rc != DM_OK)
		return rc;
	s->level = level;
	s->enc_counter = 0;
	s->state = DM_SCP03_OPEN;
	return DM_OK;
}

int dm_scp03_card_external_auth(dm_scp03_session *s, const dm_capdu *cmd)
{
	uint8_t mac[DM_SCP03_BLOCK];
	int rc;

	if (s == NULL || cmd == NULL || (cmd->nc != 0 && cmd->data == NULL) ||
	    cmd->ins != INS_EXTERNAL_AUTHENTICATE)
		return DM_E_ARG;
	if (s->state != DM_SCP03_INITIALIZED)
		return DM_E_STATE;
	if (!cla_valid(cmd->cla) || !cla_is_gp_sm(cmd->cla))
		return session_fail(s, DM_E_CRYPTO);
	if (cmd->nc != 2u * s->mode)
		return session_fail(s, DM_E_LENGTH);
	/* MAC first: only then are P1/P2 known to come from the host. */
	rc = command_mac(s, cmd->cla, cmd, cmd->nc, cmd->extended, cmd->data, s->mode, mac);
	if (rc == DM_OK && (dm_ct_memcmp(mac, cmd->data + s->mode, s->mode) != 0 ||
			    dm_ct_memcmp(cmd->data, s->host_cryptogram, s->mode) != 0))
		rc = DM_E_CRYPTO;
	if (rc == DM_OK && (!dm_scp03_level_valid(cmd->p1) || cmd->p2 != 0x00))
		rc = DM_E_VALUE;
	if (rc != DM_OK) {
		dm_wipe(mac, sizeof mac);
		return session_fail(s, rc);
	}
	memcpy(s->mac_chain, mac, DM_SCP03_BLOCK);
	dm_wipe(mac, sizeof mac);
	s->level = cmd->p1;
	s->enc_counter = 0;
	s->state = DM_SCP03_OPEN;
	return DM_OK;
}

int dm_scp03_wrap_command(dm_scp03_session *s, const dm_capdu *in, dm_capdu *out,
			  dm_wbuf *buf)
{
	if (s == NULL || in == NULL || out == NULL || buf == NULL)
		return DM_E_ARG;
	if (s->state != DM_SCP03_OPEN)
		return DM_E_STATE;
	return wrap(s, in, true, out, buf);
}

int dm_scp03_unwrap_command(dm_scp03_session *s, const dm_capdu *in, dm_capdu *out,
			    dm_wbuf *buf)
{
	uint8_t mac[DM_SCP03_BLOCK];
	size_t body, plain_len;
	const uint8_t *plain;
	bool dec;
	int rc;

	if (s == NULL || in == NULL || out == NULL || buf == NULL ||
	    (in->nc != 0 && in->data == NULL))
		return DM_E_ARG;
	if (s->state != DM_SCP03_OPEN)
		return DM_E_STATE;
	if (!cla_valid(in->cla) || !cla_is_gp_sm(in->cla))
		return session_fail(s, DM_E_CRYPTO);
	if (in->nc < s->mode || in->nc > DM_APDU_EXT_MAX_NC)
		return session_fail(s, DM_E_LENGTH);
	if (s->enc_counter == UINT64_MAX)
		return session_fail(s, DM_E_STATE);
	body = in->nc - s->mode;
	dec = (s->level & DM_SCP03_SL_CDEC) && body > 0;
	/* Room first: DM_E_OVERFLOW is the caller's, it must not end the session. */
	if (dec && dm_wbuf_room(buf) < body)
		return DM_E_OVERFLOW;
	rc = command_mac(s, in->cla, in, in->nc, in->extended, in->data, body, mac);
	if (rc == DM_OK && dm_ct_memcmp(mac, in->data + body, s->mode) != 0)
		rc = DM_E_CRYPTO;
	if (rc == DM_OK && dec && body % DM_SCP03_BLOCK != 0)
		rc = DM_E_LENGTH;
	if (rc != DM_OK)
		goto fail;
	if (dec) {
		uint8_t *p = buf->ptr + buf->len;

		memcpy(p, in->data, body);
		rc = enc_cbc(s, s->enc_counter + 1, false, true, p, body);
		if (rc == DM_OK)
			rc = unpad80(p, body, &plain_len);
		if (rc != DM_OK) {
			dm_wipe(p, body);
			goto fail;
		}
		dm_wipe(p + plain_len, body - plain_len);
		buf->len += plain_len;
		plain = p;
	} else {
		plain = body != 0 ? in->data : NULL;
		plain_len = body;
	}
	memcpy(s->mac_chain, mac, DM_SCP03_BLOCK);
	dm_wipe(mac, sizeof mac);
	s->enc_counter++;
	*out = (dm_capdu){
		.cla = cla_remove_sm(in->cla), .ins = in->ins, .p1 = in->p1, .p2 = in->p2,
		.data = plain, .nc = plain_len, .ne = in->ne, .extended = in->extended,
		.apdu_case = apdu_case(plain_len, in->ne),
	};
	return DM_OK;
fail:
	dm_wipe(mac, sizeof mac);
	return session_fail(s, rc);
}

/* CMAC(S-RMAC, chaining value || data' || SW1 SW2), §6.2.5. */
static int response_mac(const dm_scp03_session *s, const uint8_t *data, size_t len,
			uint16_t sw, uint8_t mac[DM_SCP03_BLOCK])
{
	uint8_t swb[2];

	dm_put_u16be(swb, sw);
	dm_bytes parts[3] = {
		{ s->mac_chain, DM_SCP03_BLOCK }, { data, len }, { swb, sizeof swb },
	};
	return dm_scp03_cmac(s->s_rmac, s->key_len, parts, 3, mac);
}

int dm_scp03_wrap_response(const dm_scp03_session *s, const uint8_t *data, size_t len,
			   uint16_t sw, dm_wbuf *out)
{
	uint8_t mac[DM_SCP03_BLOCK];
	size_t body, total, start;
	bool renc, rmac;
	uint8_t *p;
	int rc = DM_OK;

	if (s == NULL || out == NULL || (data == NULL && len != 0))
		return DM_E_ARG;
	if (s->state != DM_SCP03_OPEN)
		return DM_E_STATE;
	if (!dm_scp03_sw_protected(sw)) {
		if (len != 0)
			return DM_E_ARG;
		return dm_wbuf_put_u16be(out, sw);
	}
	if (len > DM_APDU_EXT_MAX_NE)
		return DM_E_LENGTH;
	renc = (s->level & DM_SCP03_SL_RENC) && len > 0;
	rmac = (s->level & DM_SCP03_SL_RMAC) != 0;
	body = renc ? padded_len(len) : len;
	total = body + (rmac ? s->mode : 0);
	if (total > DM_APDU_EXT_MAX_NE)
		return DM_E_LENGTH;
	if (dm_wbuf_room(out) < total + 2)
		return DM_E_OVERFLOW;
	start = out->len;
	p = out->ptr + start;
	if (len != 0)
		memcpy(p, data, len);
	if (renc) {
		pad80(p, len, body);
		rc = enc_cbc(s, s->enc_counter, true, false, p, body);
	}
	if (rc == DM_OK && rmac) {
		rc = response_mac(s, p, body, sw, mac);
		if (rc == DM_OK)
			memcpy(p + body, mac, s->mode);
		dm_wipe(mac, sizeof mac);
	}
	if (rc != DM_OK) {
		dm_wipe(p, total);
		return rc;
	}
	dm_put_u16be(p + total, sw);
	out->len = start + total + 2;
	return DM_OK;
}

int dm_scp03_unwrap_response(dm_scp03_session *s, const uint8_t *rapdu, size_t len,
			     dm_wbuf *out, uint16_t *sw)
{
	uint8_t mac[DM_SCP03_BLOCK];
	size_t dlen, body, plain_len;
	bool rmac, renc;
	int rc = DM_OK;

	if (s == NULL || rapdu == NULL || out == NULL || sw == NULL)
		return DM_E_ARG;
	if (s->state != DM_SCP03_OPEN)
		return DM_E_STATE;
	if (len < 2)
		return DM_E_TRUNCATED;
	dlen = len - 2;
	*sw = dm_get_u16be(rapdu + dlen);
	if (!dm_scp03_sw_protected(*sw))
		return dlen == 0 ? DM_OK : session_fail(s, DM_E_LENGTH);
	rmac = (s->level & DM_SCP03_SL_RMAC) != 0;
	if (rmac && dlen < s->mode)
		return session_fail(s, DM_E_LENGTH);
	body = rmac ? dlen - s->mode : dlen;
	renc = (s->level & DM_SCP03_SL_RENC) && body > 0;
	if (dm_wbuf_room(out) < body)
		return DM_E_OVERFLOW;
	if (rmac) {
		rc = response_mac(s, rapdu, body, *sw, mac);
		if (rc == DM_OK && dm_ct_memcmp(mac, rapdu + body, s->mode) != 0)
			rc = DM_E_CRYPTO;
		dm_wipe(mac, sizeof mac);
		if (rc != DM_OK)
			return session_fail(s, rc);
	}
	if (!renc)
		return dm_wbuf_put(out, rapdu, body);
	if (body % DM_SCP03_BLOCK != 0)
		return session_fail(s, DM_E_LENGTH);
	uint8_t *p = out->ptr + out->len;

	memcpy(p, rapdu, body);
	rc = enc_cbc(s, s->enc_counter, true, true, p, body);
	if (rc == DM_OK)
		rc = unpad80(p, body, &plain_len);
	if (rc != DM_OK) {
		dm_wipe(p, body);
		return session_fail(s, rc);
	}
	dm_wipe(p + plain_len, body - plain_len);
	out->len += plain_len;
	return DM_OK;
}
