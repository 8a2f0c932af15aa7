/*
 * sec_harness.c - see sec_harness.h.
 */
#include <check.h>
#include <string.h>

#include <tomcrypt.h>

#include "dmsc.h"
#include "dmsc_sec.h"
#include "fs.h"
#include "rt_harness.h"
#include "sec_harness.h"
#include "sw.h"
#include "tlv.h"
#include "uicc.h"

#define AID_PKCS15 0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35
#define AID_DMSC 0xF0, 0x4F, 0x4D, 0x41, 0x44, 0x4D, 0x53, 0x43

const uint8_t sh_key_dev[16] = { 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
				 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F };
const uint8_t sh_key_ma[16] = { 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
				0x58, 0x59, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F };

static ecc_key pairs[3];
static uint8_t points[3][65];
static bool ready;
dm_scp03_session sh_host;

void sh_init(void)
{
	if (ready)
		return;
	ck_assert_int_eq(dm_keys_crypto_init(), DM_OK);
	for (unsigned i = 0; i < 3; i++) {
		unsigned long n = sizeof points[i];
		ck_assert_int_eq(ecc_make_key(NULL, find_prng("sprng"), 32, &pairs[i]), CRYPT_OK);
		ck_assert_int_eq(ecc_ansi_x963_export(&pairs[i], points[i], &n), CRYPT_OK);
		ck_assert_uint_eq(n, 65);
	}
	ready = true;
}

/* The DMSC test applet: the test key material, and dm_dmsc_sec_run over the
 * file system.  Transient memory is not aligned for the session struct
 * (runtime.c packs the blocks): copy in and out. */
static int t_install(dm_applet_ctx *ctx)
{
	dm_keys_scp03 k = { .kvn = SH_KVN_DEV, .len = 16 };
	int rc;

	memcpy(k.enc, sh_key_dev, 16);
	memcpy(k.mac, sh_key_dev, 16);
	memcpy(k.dek, sh_key_dev, 16);
	rc = dm_keys_set_scp03(ctx, DM_KEYS_ROLE_DEVICE, &k);
	k.kvn = SH_KVN_MA;
	memcpy(k.enc, sh_key_ma, 16);
	memcpy(k.mac, sh_key_ma, 16);
	memcpy(k.dek, sh_key_ma, 16);
	if (rc == DM_OK)
		rc = dm_keys_set_scp03(ctx, DM_KEYS_ROLE_MA, &k);
	dm_wipe(&k, sizeof k);
	if (rc == DM_OK)
		rc = dm_keys_generate_card(ctx);
	if (rc == DM_OK)
		rc = dm_keys_set_public(ctx, DM_KEYS_PUB_MA, points[0], 65);
	if (rc == DM_OK)
		rc = dm_keys_set_public(ctx, DM_KEYS_PUB_ENTERPRISE, points[1], 65);
	/* EF_INFO as the DMSC applet would start it (dmsc.h), so that the
	 * change counter can be watched. */
	if (rc == DM_OK) {
		static const uint8_t info_path[] = { 0x7F, 0x60, 0x64, 0x20 };
		dm_dmsc_info info = { .version = DM_DMSC_INFO_VERSION };
		uint8_t b[DM_DMSC_INFO_LEN];
		dm_wbuf w = dm_wbuf_init(b, sizeof b);
		rc = dm_dmsc_info_build(&info, &w);
		if (rc == DM_OK && dm_fs_load_at(ctx, info_path, sizeof info_path, 0,
						 dm_bytes_of(b, w.len)) != DM_SW_OK)
			rc = DM_E_VALUE;
	}
	return rc;
}

static uint16_t t_process(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp)
{
	dm_dmsc_sec sec;
	size_t n;
	uint8_t *mem = dm_applet_transient(ctx, DM_CLEAR_ON_DESELECT, &n);

	if (mem == NULL || n < sizeof sec)
		return DM_SW_TECHNICAL;
	memcpy(&sec, mem, sizeof sec);
	uint16_t sw = dm_dmsc_sec_run(ctx, &sec, cmd, resp, dm_uicc_process);
	memcpy(mem, &sec, sizeof sec);
	dm_wipe(&sec, sizeof sec);
	return sw;
}

static const dm_applet t_applet = {
	.name = "dmsc-sec-test",
	.flags = DM_APPLET_MULTISELECTABLE,
	.deselect_size = sizeof(dm_dmsc_sec),
	.install = t_install,
	.select = dm_uicc_adf_select,
	.process = t_process,
};

const dm_applet_reg sh_registry[] = {
	{ .applet = &dm_uicc_mf_applet, .aid_len = 0 },
	{ .applet = &dm_uicc_adf_applet, .aid_len = 12, .aid = { AID_PKCS15 } },
	{ .applet = &t_applet, .aid_len = 8, .aid = { AID_DMSC } },
};
const size_t sh_registry_len = DM_ARRAY_LEN(sh_registry);

void sh_setup(void)
{
	sh_init();
	rt_use_registry(sh_registry, sh_registry_len);
	rt_setup_t1();
	dm_scp03_session_wipe(&sh_host);
}

void sh_teardown(void)
{
	dm_scp03_session_wipe(&sh_host);
	rt_teardown();
	rt_use_registry(NULL, 0);
}

void sh_sha256(const uint8_t *msg, size_t n, uint8_t out[32])
{
	hash_state h;

	ck_assert_int_eq(sha256_init(&h), CRYPT_OK);
	ck_assert_int_eq(sha256_process(&h, msg, (unsigned long)n), CRYPT_OK);
	ck_assert_int_eq(sha256_done(&h, out), CRYPT_OK);
}

void sh_sign(unsigned which, const char *domain, const uint8_t *msg, size_t n, uint8_t sig[64])
{
	uint8_t h[32];
	hash_state hs;
	unsigned long len = 64;

	ck_assert_uint_lt(which, 3);
	ck_assert_int_eq(sha256_init(&hs), CRYPT_OK);
	if (domain != NULL)
		ck_assert_int_eq(sha256_process(&hs, (const unsigned char *)domain,
						(unsigned long)strlen(domain)), CRYPT_OK);
	ck_assert_int_eq(sha256_process(&hs, msg, (unsigned long)n), CRYPT_OK);
	ck_assert_int_eq(sha256_done(&hs, h), CRYPT_OK);
	ck_assert_int_eq(ecc_sign_hash_rfc7518(h, 32, sig, &len, NULL, find_prng("sprng"),
					       &pairs[which]), CRYPT_OK);
	ck_assert_uint_eq(len, 64);
}

int sh_verify_point(const uint8_t point[65], const uint8_t hash[32], const uint8_t sig[64])
{
	ecc_key k;
	int stat = 0;

	ck_assert_int_eq(ecc_ansi_x963_import(point, 65, &k), CRYPT_OK);
	if (ecc_verify_hash_rfc7518(sig, 64, hash, 32, &stat, &k) != CRYPT_OK)
		stat = 0;
	ecc_free(&k);
	return stat;
}

void sh_select_dmsc(void)
{
	ck_assert_uint_eq(rt_x("00A4040C08F04F4D41444D5343"), 0x9000);
}

size_t sh_apdu(uint8_t *out, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
	       const uint8_t *data, size_t nc)
{
	dm_capdu c = { .cla = cla, .ins = ins, .p1 = p1, .p2 = p2, .data = data, .nc = nc };
	dm_wbuf w = dm_wbuf_init(out, DM_CAPDU_MAX);

	ck_assert_int_eq(dm_capdu_build(&c, &w), DM_OK);
	return w.len;
}

uint16_t sh_init_update(uint8_t kvn, const uint8_t key[16])
{
	static const uint8_t hc[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t apdu[32];
	dm_scp03_keys k;

	size_t n = sh_apdu(apdu, 0x80, 0x50, kvn, 0x00, hc, sizeof hc);

	apdu[n++] = 0x00; /* Le */
	rt_send(apdu, n);
	/* 9000, or 91xx when the toolkit has a command pending. */
	if (dm_sw_classify(rt_sw) != DM_SW_CLASS_SUCCESS &&
	    dm_sw_classify(rt_sw) != DM_SW_CLASS_PROACTIVE)
		return rt_sw;
	ck_assert_uint_eq(rt_resp_len, 32);
	ck_assert_uint_eq(rt_resp[11], 0x03);
	ck_assert_int_eq(dm_scp03_keys_set(&k, key, key, 16), DM_OK);
	ck_assert_int_eq(dm_scp03_session_init(&sh_host, &k, DM_SCP03_S8, hc, rt_resp + 13), DM_OK);
	dm_scp03_keys_wipe(&k);
	return rt_sw;
}

uint16_t sh_open(uint8_t kvn, const uint8_t key[16], uint8_t level)
{
	uint8_t buf[64], apdu[64];
	dm_capdu ea;
	dm_wbuf b = dm_wbuf_init(buf, sizeof buf), w = dm_wbuf_init(apdu, sizeof apdu);

	uint16_t sw = sh_init_update(kvn, key);

	ck_assert(sw == 0x9000 || (sw & 0xFF00u) == 0x9100u);
	ck_assert_int_eq(dm_scp03_check_card_cryptogram(&sh_host, rt_resp + 21, 8), DM_OK);
	ck_assert_int_eq(dm_scp03_host_external_auth(&sh_host, 0x80, level, &ea, &b), DM_OK);
	ck_assert_int_eq(dm_capdu_build(&ea, &w), DM_OK);
	return rt_send(apdu, w.len);
}

uint16_t sh_send_wrapped(const uint8_t *apdu, size_t n, bool tamper, uint8_t *last,
			 size_t *last_len)
{
	static uint8_t wbuf[DM_CAPDU_MAX], wire[DM_CAPDU_MAX], plain[DM_RAPDU_MAX];
	dm_capdu in, out;
	dm_wbuf b = dm_wbuf_init(wbuf, sizeof wbuf), w = dm_wbuf_init(wire, sizeof wire);
	dm_wbuf p = dm_wbuf_init(plain, sizeof plain);
	uint16_t sw = 0;

	ck_assert_int_eq(dm_capdu_parse(apdu, n, &in), DM_OK);
	ck_assert_int_eq(dm_scp03_wrap_command(&sh_host, &in, &out, &b), DM_OK);
	/* With R-MAC every protected answer has data: ask for it (Le is not
	 * MACed; without it the card cuts the answer to Ne = 0). */
	if ((sh_host.level & DM_SCP03_SL_RMAC) && out.ne == 0)
		out.ne = out.extended ? 65536 : 256; /* Le 00 */
	ck_assert_int_eq(dm_capdu_build(&out, &w), DM_OK);
	if (tamper) {
		/* The C-MAC is the end of the data field (no Le here). */
		size_t end = w.len - (out.ne != 0 ? (out.extended ? 2 : 1) : 0);
		wire[end - 1] ^= 0x01;
	}
	if (last != NULL) {
		memcpy(last, wire, w.len);
		*last_len = w.len;
	}
	rt_send(wire, w.len);
	/* The protected answer is longer than the plain Ne asked for: the rest
	 * comes with GET RESPONSE (61xx, ISO 7816-4 §5.3.4). */
	{
		static uint8_t acc[DM_RAPDU_MAX];
		size_t alen = 0;
		while ((rt_sw & 0xFF00) == 0x6100) {
			uint8_t gr[5] = { 0x00, 0xC0, 0x00, 0x00, (uint8_t)rt_sw };
			ck_assert_uint_le(alen + rt_resp_len, sizeof acc);
			memcpy(acc + alen, rt_resp, rt_resp_len);
			alen += rt_resp_len;
			rt_send(gr, sizeof gr);
		}
		if (alen != 0) {
			ck_assert_uint_le(alen + rt_resp_len + 2, DM_RAPDU_MAX);
			memmove(rt_resp + alen, rt_resp, rt_resp_len + 2);
			memcpy(rt_resp, acc, alen);
			rt_resp_len += alen;
		}
	}
	if (!dm_scp03_sw_protected(rt_sw)) /* error SW: alone, no R-MAC */
		return rt_sw;
	ck_assert_int_eq(dm_scp03_unwrap_response(&sh_host, rt_resp, rt_resp_len + 2, &p, &sw),
			 DM_OK);
	memcpy(rt_resp, plain, p.len);
	rt_resp_len = p.len;
	rt_sw = sw;
	return sw;
}

uint16_t sh_xw(const char *hex)
{
	static uint8_t apdu[DM_CAPDU_MAX];
	size_t n = rt_hex(hex, apdu, sizeof apdu);

	return sh_send_wrapped(apdu, n, false, NULL, NULL);
}

size_t sh_signed_update(uint8_t *apdu, const uint8_t *path, size_t plen, uint32_t off,
			const uint8_t *data, size_t n, uint32_t ctr, unsigned signer, bool tamper)
{
	uint8_t d[600], off_b[4], ctr_b[4], sig[64];
	dm_wbuf w = dm_wbuf_init(d, sizeof d);

	dm_put_u32be(off_b, off);
	dm_put_u32be(ctr_b, ctr);
	ck_assert_int_eq(dm_tlv_put(&w, 0x80, path, plen), DM_OK);
	ck_assert_int_eq(dm_tlv_put(&w, 0x81, off_b, 4), DM_OK);
	ck_assert_int_eq(dm_tlv_put(&w, 0x82, data, n), DM_OK);
	ck_assert_int_eq(dm_tlv_put(&w, 0x83, ctr_b, 4), DM_OK);
	sh_sign(signer, "DMSC-SU1", d, w.len, sig);
	if (tamper)
		d[w.len - 1] ^= 0x01; /* a byte of the counter, after signing */
	ck_assert_int_eq(dm_tlv_put(&w, 0x9E, sig, 64), DM_OK);
	return sh_apdu(apdu, 0x80, 0x36, 0x00, 0x00, d, w.len);
}

size_t sh_trigger(uint8_t *apdu, uint8_t reason, const char *server, uint16_t sid, uint32_t ctr,
		  unsigned signer, bool tamper)
{
	uint8_t d[160], sid_b[2], ctr_b[4], sig[64];
	dm_wbuf w = dm_wbuf_init(d, sizeof d);

	dm_put_u16be(sid_b, sid);
	dm_put_u32be(ctr_b, ctr);
	ck_assert_int_eq(dm_tlv_put(&w, 0x80, &reason, 1), DM_OK);
	ck_assert_int_eq(dm_tlv_put(&w, 0x81, server, strlen(server)), DM_OK);
	ck_assert_int_eq(dm_tlv_put(&w, 0x82, sid_b, 2), DM_OK);
	if (signer != SH_UNSIGNED) {
		ck_assert_int_eq(dm_tlv_put(&w, 0x83, ctr_b, 4), DM_OK);
		sh_sign(signer, "DMSC-TR1", d, w.len, sig);
		if (tamper)
			d[w.len - 7] ^= 0x01; /* the session id, after signing */
		ck_assert_int_eq(dm_tlv_put(&w, 0x9E, sig, 64), DM_OK);
	}
	return sh_apdu(apdu, 0x80, 0x3A, 0x00, 0x00, d, w.len);
}

size_t sh_policy_op(uint8_t *apdu, uint32_t ctr, const char *res, uint8_t action,
		    unsigned signer, bool tamper)
{
	uint8_t d[160], ctr_b[4], sig[64];
	dm_wbuf w = dm_wbuf_init(d, sizeof d);

	dm_put_u32be(ctr_b, ctr);
	ck_assert_int_eq(dm_tlv_put(&w, 0x80, ctr_b, 4), DM_OK);
	ck_assert_int_eq(dm_tlv_put(&w, 0x81, res, strlen(res)), DM_OK);
	ck_assert_int_eq(dm_tlv_put(&w, 0x82, &action, 1), DM_OK);
	sh_sign(signer, "DMSC-PO1", d, w.len, sig);
	if (tamper)
		d[w.len - 1] ^= 0x01; /* the action, after signing */
	ck_assert_int_eq(dm_tlv_put(&w, 0x9E, sig, 64), DM_OK);
	return sh_apdu(apdu, 0x80, 0x38, 0x00, 0x00, d, w.len);
}
