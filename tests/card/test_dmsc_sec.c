/*
 * test_dmsc_sec.c - security of the DMSC application through APDUs
 * (dmsc_sec.h, keys.h, docs/dmsc-security.md): SCP03 (GP Amd D) sessions
 * with good, tampered, replayed and wrong-key commands; the transcript
 * signature (GEN-4); PSO VERIFY (GEN-18); key objects unreadable (SEC-1);
 * AUTH-1..4; the three AUT-1 paths; enterprise policy operations; EF_EVLOG
 * appends.  Tests of a requirement are named after its label.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tomcrypt.h>

#include "dmsc.h"
#include "dmsc_sec.h"
#include "rt_harness.h"
#include "sec_harness.h"
#include "sw.h"
#include "tlv.h"

#define LVL_ALL (DM_SCP03_SL_CMAC | DM_SCP03_SL_CDEC | DM_SCP03_SL_RMAC | DM_SCP03_SL_RENC)

static const uint8_t policy_path[] = { 0x7F, 0x60, 0x64, 0x23 };

static bool contains(const uint8_t *h, size_t hn, const uint8_t *n, size_t nn)
{
	for (size_t i = 0; i + nn <= hn; i++)
		if (memcmp(h + i, n, nn) == 0)
			return true;
	return false;
}

static void get_public(uint8_t point[65])
{
	ck_assert_uint_eq(rt_x("00CA7F4900"), 0x9000);
	ck_assert_uint_eq(rt_resp_len, 70);
	ck_assert_mem_eq(rt_resp, "\x7F\x49\x43\x86\x41\x04", 6);
	memcpy(point, rt_resp + 5, 65);
}

static uint32_t info_counter(void)
{
	dm_tlv t;

	ck_assert_uint_eq(rt_x("00A4000C026420"), 0x9000);
	ck_assert_uint_eq(rt_x("00B0000015"), 0x9000);
	ck_assert_int_eq(dm_tlv_find(rt_resp, rt_resp_len, 0x83, &t), DM_OK);
	ck_assert_uint_eq(t.len, 4);
	return dm_get_u32be(t.value);
}

/* PSO COMPUTE DIGITAL SIGNATURE, wrapped when `wrapped`. */
static uint16_t sign_hash(const uint8_t hash[32], bool wrapped)
{
	uint8_t apdu[64];
	size_t n = sh_apdu(apdu, 0x00, 0x2A, 0x9E, 0x9A, hash, 32);

	apdu[n++] = 0x00; /* Le */
	return wrapped ? sh_send_wrapped(apdu, n, false, NULL, NULL) : rt_send(apdu, n);
}

static uint16_t verify_ds(const uint8_t hash[32], const uint8_t *sig, size_t sig_len)
{
	uint8_t d[160], apdu[200];
	dm_wbuf w = dm_wbuf_init(d, sizeof d);

	ck_assert_int_eq(dm_tlv_put(&w, 0x90, hash, 32), DM_OK);
	ck_assert_int_eq(dm_tlv_put(&w, 0x9E, sig, sig_len), DM_OK);
	return rt_send(apdu, sh_apdu(apdu, 0x00, 0x2A, 0x00, 0xA8, d, w.len));
}

static size_t signed_update(uint8_t *apdu, const uint8_t *path, size_t plen, uint32_t off,
			    const char *text, uint32_t ctr, unsigned signer, bool tamper)
{
	return sh_signed_update(apdu, path, plen, off, (const uint8_t *)text, strlen(text), ctr,
				signer, tamper);
}

static uint16_t policy_op(uint32_t ctr, const char *res, uint8_t action, unsigned signer,
			  bool tamper)
{
	static uint8_t apdu[256];

	return rt_send(apdu, sh_policy_op(apdu, ctr, res, action, signer, tamper));
}

static void expect_policy(const char *text)
{
	ck_assert_uint_eq(rt_x("00A4000C026423"), 0x9000);
	ck_assert_uint_eq(rt_x("00B0000010"), 0x9000);
	ck_assert_mem_eq(rt_resp, text, strlen(text));
}

/* --- SCP03 --- */

START_TEST(GEN_4_scp03_session_and_transcript_signature)
{
	uint8_t point[65], hash[32], sig[64];

	sh_select_dmsc();
	get_public(point);
	ck_assert_uint_eq(sh_open(SH_KVN_DEV, sh_key_dev, LVL_ALL), 0x9000);
	/* A wrapped, encrypted read works and comes back R-MACed/encrypted. */
	ck_assert_uint_eq(sh_xw("00A4000C026420"), 0x9000);
	ck_assert_uint_eq(sh_xw("00B0000003"), 0x9000);
	ck_assert_uint_eq(rt_resp_len, 3);
	ck_assert_mem_eq(rt_resp, "\x80\x01\x01", 3);
	/* The transcript hash signed by the card verifies with its public key. */
	sh_sha256((const uint8_t *)"transcript of the session", 25, hash);
	ck_assert_uint_eq(sign_hash(hash, true), 0x9000);
	ck_assert_uint_eq(rt_resp_len, 64);
	memcpy(sig, rt_resp, 64);
	ck_assert_int_eq(sh_verify_point(point, hash, sig), 1);
	/* ... and not for another transcript. */
	hash[0] ^= 1;
	ck_assert_int_eq(sh_verify_point(point, hash, sig), 0);
}
END_TEST

START_TEST(scp03_every_level)
{
	static const uint8_t levels[] = { 0x01, 0x03, 0x11, 0x13, 0x33 };

	sh_select_dmsc();
	for (size_t i = 0; i < DM_ARRAY_LEN(levels); i++) {
		ck_assert_uint_eq(sh_open(SH_KVN_DEV, sh_key_dev, levels[i]), 0x9000);
		ck_assert_uint_eq(sh_xw("00A4000C026420"), 0x9000);
		ck_assert_uint_eq(sh_xw("00B0000003"), 0x9000);
		ck_assert_mem_eq(rt_resp, "\x80\x01\x01", 3);
		/* An error SW is answered alone, unprotected. */
		ck_assert_uint_eq(sh_xw("00A4000C026499"), 0x6A82);
		ck_assert_uint_eq(rt_resp_len, 0);
	}
}
END_TEST

START_TEST(scp03_wrong_kvn_6A88)
{
	sh_select_dmsc();
	ck_assert_uint_eq(sh_init_update(0x7E, sh_key_dev), 0x6A88);
	ck_assert_uint_eq(sh_init_update(0x20, sh_key_dev), 0x6A88);
	/* kvn 00: the device set */
	ck_assert_uint_eq(sh_init_update(0x00, sh_key_dev), 0x9000);
	ck_assert_uint_eq(rt_resp[10], SH_KVN_DEV);
	/* bad P2, bad host challenge length */
	ck_assert_uint_eq(rt_x("8050300108 0102030405060708"), 0x6A86);
	ck_assert_uint_eq(rt_x("8050300007 01020304050607"), 0x6700);
}
END_TEST

START_TEST(scp03_wrong_key_host_cryptogram_6982)
{
	sh_select_dmsc();
	/* The host uses the MA key with the device KVN: its cryptograms are wrong. */
	ck_assert_uint_eq(sh_init_update(SH_KVN_DEV, sh_key_ma), 0x9000);
	ck_assert_int_eq(dm_scp03_check_card_cryptogram(&sh_host, rt_resp + 21, 8), DM_E_CRYPTO);
	ck_assert_uint_eq(sh_open(SH_KVN_DEV, sh_key_dev, 0x01), 0x9000);
	ck_assert_uint_eq(sh_init_update(SH_KVN_DEV, sh_key_dev), 0x9000);
	/* A tampered EXTERNAL AUTHENTICATE: 6982 and the session is gone. */
	{
		uint8_t buf[64], apdu[64];
		dm_capdu ea;
		dm_wbuf b = dm_wbuf_init(buf, sizeof buf), w = dm_wbuf_init(apdu, sizeof apdu);
		ck_assert_int_eq(dm_scp03_host_external_auth(&sh_host, 0x80, 0x01, &ea, &b), DM_OK);
		ck_assert_int_eq(dm_capdu_build(&ea, &w), DM_OK);
		apdu[6] ^= 0x80; /* host cryptogram */
		ck_assert_uint_eq(rt_send(apdu, w.len), 0x6982);
		apdu[6] ^= 0x80;
		ck_assert_uint_eq(rt_send(apdu, w.len), 0x6985); /* no INITIALIZE UPDATE pending */
	}
	/* EXTERNAL AUTHENTICATE without INITIALIZE UPDATE. */
	ck_assert_uint_eq(rt_x("8482010010 00000000000000000000000000000000"), 0x6985);
}
END_TEST

START_TEST(scp03_tampered_mac_ends_session)
{
	uint8_t apdu[32];
	size_t n = sh_apdu(apdu, 0x00, 0xA4, 0x00, 0x0C, (const uint8_t *)"\x64\x20", 2);

	sh_select_dmsc();
	ck_assert_uint_eq(sh_open(SH_KVN_DEV, sh_key_dev, 0x13), 0x9000);
	ck_assert_uint_eq(sh_send_wrapped(apdu, n, true, NULL, NULL), 0x6982);
	/* The session is closed: the next correctly wrapped command fails too,
	 * and signing needs a new session. */
	{
		uint8_t hash[32] = { 0 };
		ck_assert_uint_eq(sh_send_wrapped(apdu, n, false, NULL, NULL), 0x6982);
		ck_assert_uint_eq(sign_hash(hash, false), 0x6982);
	}
}
END_TEST

START_TEST(scp03_replayed_command_rejected)
{
	uint8_t apdu[32], last[64];
	size_t n = sh_apdu(apdu, 0x00, 0xA4, 0x00, 0x0C, (const uint8_t *)"\x64\x20", 2), ln;

	sh_select_dmsc();
	ck_assert_uint_eq(sh_open(SH_KVN_DEV, sh_key_dev, 0x33), 0x9000);
	ck_assert_uint_eq(sh_send_wrapped(apdu, n, false, last, &ln), 0x9000);
	/* The same wrapped bytes again: the MAC chain has moved on. */
	ck_assert_uint_eq(rt_send(last, ln), 0x6982);
	ck_assert_uint_eq(sh_send_wrapped(apdu, n, false, NULL, NULL), 0x6982);
}
END_TEST

START_TEST(scp03_sequence_counter_persists)
{
	uint8_t cc1[8], cc2[8];

	sh_select_dmsc();
	ck_assert_uint_eq(sh_init_update(SH_KVN_DEV, sh_key_dev), 0x9000);
	ck_assert_mem_eq(rt_resp + 29, "\x00\x00\x01", 3);
	memcpy(cc1, rt_resp + 13, 8);
	rt_reopen(DM_CARD_T1, 0);
	sh_select_dmsc();
	ck_assert_uint_eq(sh_init_update(SH_KVN_DEV, sh_key_dev), 0x9000);
	ck_assert_mem_eq(rt_resp + 29, "\x00\x00\x02", 3);
	memcpy(cc2, rt_resp + 13, 8);
	ck_assert(memcmp(cc1, cc2, 8) != 0);
	/* The MA set has its own counter. */
	ck_assert_uint_eq(sh_init_update(SH_KVN_MA, sh_key_ma), 0x9000);
	ck_assert_mem_eq(rt_resp + 29, "\x00\x00\x01", 3);
	ck_assert_uint_eq(rt_resp[10], SH_KVN_MA);
}
END_TEST

START_TEST(scp03_session_per_channel_and_reset)
{
	uint8_t hash[32] = { 1 };

	sh_select_dmsc();
	ck_assert_uint_eq(sh_open(SH_KVN_DEV, sh_key_dev, 0x01), 0x9000);
	/* Channel 1 has no session. */
	ck_assert_uint_eq(rt_x("0070000001"), 0x9000);
	ck_assert_uint_eq(rt_x("01A4040C08F04F4D41444D5343"), 0x9000);
	ck_assert_uint_eq(rt_x("012A9E9A20 0100000000000000000000000000000000000000000000000000000000000000 00"),
			  0x6982);
	/* A reset ends the session on channel 0. */
	rt_reopen(DM_CARD_T1, 0);
	sh_select_dmsc();
	ck_assert_uint_eq(sign_hash(hash, false), 0x6982);
}
END_TEST

/* --- requirement labels --- */

START_TEST(AUTH_2_AUTH_3_sign_refused_until_channel_open)
{
	uint8_t hash[32] = { 0 };

	sh_select_dmsc();
	ck_assert_uint_eq(sign_hash(hash, false), 0x6982);
	ck_assert_uint_eq(sh_open(SH_KVN_DEV, sh_key_dev, 0x01), 0x9000);
	ck_assert_uint_eq(sign_hash(hash, true), 0x9000);
	ck_assert_uint_eq(rt_resp_len, 64);
	/* A plain command during the session has no rights of it. */
	ck_assert_uint_eq(sign_hash(hash, false), 0x6982);
	ck_assert_uint_eq(sign_hash(hash, true), 0x9000);
	/* Wrong length of the hash. */
	ck_assert_uint_eq(sh_xw("002A9E9A02010200"), 0x6700);
}
END_TEST

START_TEST(AUTH_1_pin_scp03_and_signature)
{
	uint8_t hash[32], sig[64];

	sh_select_dmsc();
	/* PIN */
	ck_assert_uint_eq(rt_x("0020000108 31323334FFFFFFFF"), 0x9000);
	/* SCP03 */
	ck_assert_uint_eq(sh_open(SH_KVN_DEV, sh_key_dev, 0x03), 0x9000);
	ck_assert_uint_eq(sh_xw("00A4000C026420"), 0x9000);
	/* A signature of the Management Authority */
	sh_sha256((const uint8_t *)"pkg", 3, hash);
	sh_sign(0, NULL, (const uint8_t *)"pkg", 3, sig);
	ck_assert_uint_eq(verify_ds(hash, sig, 64), 0x9000);
}
END_TEST

START_TEST(AUTH_4_pin81_protects_event_log)
{
	sh_select_dmsc();
	ck_assert_uint_eq(rt_x("00A4000C026424"), 0x9000);
	ck_assert_uint_eq(rt_x("00B2010420"), 0x6982);
	ck_assert_uint_eq(rt_x("0020008108 30303030FFFFFFFF"), 0x9000);
	ck_assert_uint_eq(rt_x("00B2010420"), 0x9000);
	ck_assert_uint_eq(rt_resp_len, 32);
}
END_TEST

START_TEST(SEC_1_no_command_reads_a_key)
{
	static const char *const reads[] = {
		"00CA000000", "00CA00E000", "00CA006600", "00CA7F4800", "00CA00C100",
		"00CA5F5000", "80CA00E000", "80CA006600", "80CA9F7F00", "80CA004200",
	};
	uint8_t point[65];

	sh_select_dmsc();
	get_public(point); /* the public key is readable ... */
	for (size_t i = 0; i < DM_ARRAY_LEN(reads); i++) {
		uint16_t sw = rt_x(reads[i]);
		ck_assert_msg(sw != 0x9000, "%s answered 9000", reads[i]);
	}
	/* GET DATA is supported: a tag the application does not hold is 6A88
	 * (ISO 7816-4 §11.4.3), never 6D00 (found by dmsc-conform). */
	ck_assert_uint_eq(rt_x("00CA5F7700"), 0x6A88);
	ck_assert_uint_eq(rt_x("00CA000000"), 0x6A88);
	/* ... no file of any application or the MF holds key bytes: read every
	 * SFI of the DMSC application, of the MF and of ADF PKCS15. */
	for (int app = 0; app < 3; app++) {
		if (app == 0)
			sh_select_dmsc();
		else if (app == 1)
			ck_assert_uint_eq(rt_x("00A4000C023F00"), 0x9000);
		else
			ck_assert_uint_eq(rt_x("00A4040C0CA000000063504B43532D3135"), 0x9000);
		for (unsigned sfi = 1; sfi < 31; sfi++) {
			char apdu[16];
			snprintf(apdu, sizeof apdu, "00B0%02X0000", 0x80 | sfi);
			uint16_t sw = rt_x(apdu);
			if (sw == 0x9000 || sw == 0x6282)
				ck_assert(!contains(rt_resp, rt_resp_len, sh_key_dev, 8));
			snprintf(apdu, sizeof apdu, "00B201%02X00", (sfi << 3) | 4);
			sw = rt_x(apdu);
			if (sw == 0x9000)
				ck_assert(!contains(rt_resp, rt_resp_len, sh_key_ma, 8));
		}
	}
	/* and the private key never comes out of the card: the public key
	 * answer is exactly the 65-byte point. */
	sh_select_dmsc();
	ck_assert_uint_eq(rt_x("00CA7F4900"), 0x9000);
	ck_assert_uint_eq(rt_resp_len, 70);
}
END_TEST

START_TEST(GEN_18_verify_valid_tampered_wrong_key)
{
	const uint8_t msg[] = "firmware package 1.2.3";
	uint8_t hash[32], sig[64], der[80];
	unsigned long dlen = sizeof der;

	sh_select_dmsc();
	sh_sha256(msg, sizeof msg, hash);
	sh_sign(0, NULL, msg, sizeof msg, sig);
	ck_assert_uint_eq(verify_ds(hash, sig, 64), 0x9000);
	/* DER form of the same signature */
	{
		void *r, *s;
		ck_assert_int_eq(ltc_init_multi(&r, &s, NULL), CRYPT_OK);
		ck_assert_int_eq(ltc_mp.unsigned_read(r, sig, 32), CRYPT_OK);
		ck_assert_int_eq(ltc_mp.unsigned_read(s, sig + 32, 32), CRYPT_OK);
		ck_assert_int_eq(der_encode_sequence_multi(der, &dlen, LTC_ASN1_INTEGER, 1UL, r,
							   LTC_ASN1_INTEGER, 1UL, s,
							   LTC_ASN1_EOL, 0UL, NULL), CRYPT_OK);
		ltc_deinit_multi(r, s, NULL);
		ck_assert_uint_eq(verify_ds(hash, der, dlen), 0x9000);
	}
	/* tampered hash, tampered signature */
	hash[31] ^= 0x01;
	ck_assert_uint_eq(verify_ds(hash, sig, 64), 0x6A80);
	hash[31] ^= 0x01;
	sig[10] ^= 0x01;
	ck_assert_uint_eq(verify_ds(hash, sig, 64), 0x6A80);
	/* the enterprise key and an unknown key are not the MA's */
	sh_sign(1, NULL, msg, sizeof msg, sig);
	ck_assert_uint_eq(verify_ds(hash, sig, 64), 0x6A80);
	sh_sign(2, NULL, msg, sizeof msg, sig);
	ck_assert_uint_eq(verify_ds(hash, sig, 64), 0x6A80);
	/* malformed: missing DO, short hash, unknown DO, bad P1-P2 */
	ck_assert_uint_eq(rt_x("002A00A822 9020000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"),
			  0x6A80);
	ck_assert_uint_eq(rt_x("002A00A806 9001009E0100"), 0x6A80);
	ck_assert_uint_eq(rt_x("002A00A806 8001009E0100"), 0x6A80);
	ck_assert_uint_eq(rt_x("002A00A906 9001009E0100"), 0x6A86);
	ck_assert_uint_eq(rt_x("002A00A8"), 0x6700);
}
END_TEST

START_TEST(AUT_1_update_refused_without_authority)
{
	uint8_t apdu[700];
	uint32_t c0;

	sh_select_dmsc();
	c0 = info_counter();
	ck_assert_uint_eq(rt_x("00A4000C026423"), 0x9000);
	/* plain: 6982 */
	ck_assert_uint_eq(rt_x("00D6000004 41414141"), 0x6982);
	/* device SCP03 session: still 6982 */
	ck_assert_uint_eq(sh_open(SH_KVN_DEV, sh_key_dev, 0x03), 0x9000);
	ck_assert_uint_eq(sh_xw("00D6000004 41414141"), 0x6982);
	/* signed by the wrong key, tampered after signing: 6982 */
	ck_assert_uint_eq(rt_send(apdu, signed_update(apdu, policy_path, 4, 0, "BBBB", 1, 1, false)),
			  0x6982);
	ck_assert_uint_eq(rt_send(apdu, signed_update(apdu, policy_path, 4, 0, "BBBB", 1, 0, true)),
			  0x6982);
	/* a signed update of a file that is not provisioning data (EF_EVLOG,
	 * EF_ICCID): refused even with the right signature */
	ck_assert_uint_eq(rt_send(apdu, signed_update(apdu, (const uint8_t *)"\x7F\x60\x64\x24", 4,
						      0, "BBBB", 1, 0, false)), 0x6982);
	ck_assert_uint_eq(rt_send(apdu, signed_update(apdu, (const uint8_t *)"\x2F\xE2", 2, 0,
						      "BBBB", 1, 0, false)), 0x6982);
	/* malformed */
	ck_assert_uint_eq(rt_x("8036000004 80027F60"), 0x6A80);
	ck_assert_uint_eq(rt_x("8036010000"), 0x6A86);
	ck_assert_uint_eq(info_counter(), c0);
	ck_assert_uint_eq(rt_x("00A4000C026423"), 0x9000);
	ck_assert_uint_eq(rt_x("00B0000004"), 0x9000);
	ck_assert(memcmp(rt_resp, "AAAA", 4) != 0 && memcmp(rt_resp, "BBBB", 4) != 0);
}
END_TEST

START_TEST(AUT_1_update_accepted_with_adm1)
{
	uint32_t c0;

	sh_select_dmsc();
	c0 = info_counter();
	ck_assert_uint_eq(rt_x("0020000A08 3838383838383838"), 0x9000);
	ck_assert_uint_eq(rt_x("00A4000C026423"), 0x9000);
	ck_assert_uint_eq(rt_x("00D6000004 41444D31"), 0x9000);
	expect_policy("ADM1");
	ck_assert_uint_eq(info_counter(), c0 + 1);
}
END_TEST

START_TEST(AUT_1_update_accepted_in_ma_session)
{
	uint32_t c0;

	sh_select_dmsc();
	c0 = info_counter();
	ck_assert_uint_eq(sh_open(SH_KVN_MA, sh_key_ma, LVL_ALL), 0x9000);
	ck_assert_uint_eq(sh_xw("00A4000C026423"), 0x9000);
	ck_assert_uint_eq(sh_xw("00D6000006 4D412D534350"), 0x9000);
	/* The grant lasts one wrapped command: plain commands get nothing. */
	ck_assert_uint_eq(rt_x("00D6000004 41414141"), 0x6982);
	expect_policy("MA-SCP");
	ck_assert_uint_eq(info_counter(), c0 + 1);
}
END_TEST

START_TEST(AUT_1_update_accepted_signed)
{
	uint8_t apdu[700];
	uint32_t c0;

	sh_select_dmsc();
	c0 = info_counter();
	ck_assert_uint_eq(rt_send(apdu, signed_update(apdu, policy_path, 4, 0, "SIGNED1", 5, 0,
						      false)), 0x9000);
	expect_policy("SIGNED1");
	ck_assert_uint_eq(info_counter(), c0 + 1);
	/* replay, and an older counter: 6985, nothing changes */
	ck_assert_uint_eq(rt_send(apdu, signed_update(apdu, policy_path, 4, 0, "SIGNED1", 5, 0,
						      false)), 0x6985);
	ck_assert_uint_eq(rt_send(apdu, signed_update(apdu, policy_path, 4, 0, "SIGNED0", 4, 0,
						      false)), 0x6985);
	/* an offset, a newer counter */
	ck_assert_uint_eq(rt_send(apdu, signed_update(apdu, policy_path, 4, 3, "N", 6, 0, false)),
			  0x9000);
	expect_policy("SIGNED1");
	expect_policy("SIGN");
	ck_assert_uint_eq(rt_resp[3], 'N');
	ck_assert_uint_eq(info_counter(), c0 + 2);
	/* past the end of the file (2048 bytes): 6700, counter not consumed */
	ck_assert_uint_eq(rt_send(apdu, signed_update(apdu, policy_path, 4, 2046, "XYZ", 7, 0,
						      false)), 0x6700);
	ck_assert_uint_eq(rt_send(apdu, signed_update(apdu, policy_path, 4, 0, "Z", 7, 0, false)),
			  0x9000);
	/* a file that does not exist */
	ck_assert_uint_eq(rt_send(apdu, signed_update(apdu, (const uint8_t *)"\x7F\x60\x65\x55", 4,
						      0, "Z", 8, 0, false)), 0x6A82);
}
END_TEST

START_TEST(policy_operation_enterprise_signature)
{
	sh_select_dmsc();
	ck_assert_uint_eq(policy_op(1, "Camera", 0, 1, false), 0x9000);
	/* replay, tampered, wrong key (the MA's), malformed */
	ck_assert_uint_eq(policy_op(1, "Camera", 0, 1, false), 0x6985);
	ck_assert_uint_eq(policy_op(2, "Camera", 1, 1, true), 0x6982);
	ck_assert_uint_eq(policy_op(2, "Camera", 1, 0, false), 0x6982);
	ck_assert_uint_eq(policy_op(2, "Camera", 2, 1, false), 0x6A80);
	ck_assert_uint_eq(policy_op(2, "", 1, 1, false), 0x6A80);
	ck_assert_uint_eq(rt_x("8038000003 800100"), 0x6A80);
	/* the counter was not consumed by the failures */
	ck_assert_uint_eq(policy_op(2, "Bluetooth", 1, 1, false), 0x9000);
	ck_assert_uint_eq(policy_op(2, "Bluetooth", 1, 1, false), 0x6985);
	/* both accepted operations are in EF_EVLOG, newest first */
	ck_assert_uint_eq(rt_x("0020008108 30303030FFFFFFFF"), 0x9000);
	ck_assert_uint_eq(rt_x("00A4000C026424"), 0x9000);
	ck_assert_uint_eq(rt_x("00B2010420"), 0x9000);
	ck_assert_mem_eq(rt_resp, "\x02\x01\x00\x00\x00\x02\x00\x00\x00\x00\x01\x09"
			 "Bluetooth\xFF", 22);
	ck_assert_uint_eq(rt_x("00B2020420"), 0x9000);
	ck_assert_mem_eq(rt_resp, "\x02\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x06"
			 "Camera\xFF", 19);
}
END_TEST

START_TEST(evlog_append_update_record_previous)
{
	/* dmsc_sec.h record: type, source, counter, time, action, n, name (FF padded) */
	static const char rec1[] = "00DC000320 0100000000016553F1000006 43616D657261 FFFFFFFFFFFFFFFFFFFFFFFFFFFF";
	static const char rec2[] = "00DC000320 0100000000026553F1100109 426C7565746F6F7468 FFFFFFFFFFFFFFFFFFFFFF";

	sh_select_dmsc();
	ck_assert_uint_eq(rt_x("00A4000C026424"), 0x9000);
	ck_assert_uint_eq(rt_x(rec1), 0x6982); /* PIN 81 first */
	ck_assert_uint_eq(rt_x("0020008108 30303030FFFFFFFF"), 0x9000);
	ck_assert_uint_eq(rt_x(rec1), 0x9000);
	ck_assert_uint_eq(rt_x(rec2), 0x9000);
	/* record 1 is the newest (cyclic, TS 102 221 §8.2.3) */
	ck_assert_uint_eq(rt_x("00B2010420"), 0x9000);
	ck_assert_uint_eq(rt_resp[5], 0x02);
	ck_assert_uint_eq(rt_x("00B2020420"), 0x9000);
	ck_assert_uint_eq(rt_resp[5], 0x01);
	/* overwriting an older record is not possible on a cyclic EF */
	ck_assert_uint_ne(rt_x("00DC020420 0000000000000000000000000000000000000000000000000000000000000000"),
			  0x9000);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("dmsc_sec");
	TCase *tc = tcase_create("apdu");

	tcase_add_checked_fixture(tc, sh_setup, sh_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, GEN_4_scp03_session_and_transcript_signature);
	tcase_add_test(tc, scp03_every_level);
	tcase_add_test(tc, scp03_wrong_kvn_6A88);
	tcase_add_test(tc, scp03_wrong_key_host_cryptogram_6982);
	tcase_add_test(tc, scp03_tampered_mac_ends_session);
	tcase_add_test(tc, scp03_replayed_command_rejected);
	tcase_add_test(tc, scp03_sequence_counter_persists);
	tcase_add_test(tc, scp03_session_per_channel_and_reset);
	tcase_add_test(tc, AUTH_2_AUTH_3_sign_refused_until_channel_open);
	tcase_add_test(tc, AUTH_1_pin_scp03_and_signature);
	tcase_add_test(tc, AUTH_4_pin81_protects_event_log);
	tcase_add_test(tc, SEC_1_no_command_reads_a_key);
	tcase_add_test(tc, GEN_18_verify_valid_tampered_wrong_key);
	tcase_add_test(tc, AUT_1_update_refused_without_authority);
	tcase_add_test(tc, AUT_1_update_accepted_with_adm1);
	tcase_add_test(tc, AUT_1_update_accepted_in_ma_session);
	tcase_add_test(tc, AUT_1_update_accepted_signed);
	tcase_add_test(tc, policy_operation_enterprise_signature);
	tcase_add_test(tc, evlog_append_update_record_previous);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
