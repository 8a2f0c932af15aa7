/*
 * test_scp03.c - proto/scp03 against vectors computed independently
 * (tools/gen-scp03-vectors.py, pycryptodome; scp03_vectors.h), plus the
 * rejections: wrong MACs, tampered ciphertext and padding, wrong lengths,
 * replay, wrong states.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <tomcrypt.h>

#include "apdu.h"
#include "dm_common.h"
#include "scp03.h"
#include "scp03_vectors.h"

static const uint8_t zero16[16];

/* ---- helpers ---------------------------------------------------------- */

/* Host and card sessions of vector v, authenticated at v's level. */
static void open_pair(const struct scp03_vec_session *v, dm_scp03_session *host,
		      dm_scp03_session *card)
{
	dm_scp03_keys k;
	uint8_t cc[16], cg[16], buf[64];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	dm_capdu ea;

	ck_assert_int_eq(dm_scp03_keys_set(&k, v->k_enc, v->k_mac, v->key_len), DM_OK);
	memcpy(cc, v->card_challenge, v->mode);
	ck_assert_int_eq(dm_scp03_session_init(host, &k, (dm_scp03_mode)v->mode,
					       v->host_challenge, cc), DM_OK);
	ck_assert_int_eq(dm_scp03_session_init(card, &k, (dm_scp03_mode)v->mode,
					       v->host_challenge, cc), DM_OK);
	dm_scp03_keys_wipe(&k);
	ck_assert_int_eq(dm_scp03_card_cryptogram(card, cg), DM_OK);
	ck_assert_int_eq(dm_scp03_check_card_cryptogram(host, cg, v->mode), DM_OK);
	ck_assert_int_eq(dm_scp03_host_external_auth(host, v->cla, v->level, &ea, &w), DM_OK);
	ck_assert_int_eq(dm_scp03_card_external_auth(card, &ea), DM_OK);
	ck_assert_uint_eq(card->state, DM_SCP03_OPEN);
}

static void parse(const uint8_t *p, size_t n, dm_capdu *c)
{
	ck_assert_int_eq(dm_capdu_parse(p, n, c), DM_OK);
}

/* Session vector 0: AES-128, S8, level 33 (every protection). */
static const struct scp03_vec_session *v33(void)
{
	const struct scp03_vec_session *v = &scp03_session_vectors[0];

	ck_assert_uint_eq(v->level, 0x33);
	return v;
}

/* AES-CBC with S-ENC and the command ICV for `counter`, in place. */
static void cbc_enc(const dm_scp03_session *s, uint64_t counter, bool response, uint8_t *p,
		    size_t n)
{
	uint8_t blk[16] = { 0 }, icv[16];
	symmetric_key skey;
	symmetric_CBC cbc;
	int idx = find_cipher("aes");

	ck_assert_int_ge(idx, 0);
	for (int i = 0; i < 8; i++)
		blk[15 - i] = (uint8_t)(counter >> (8 * i));
	if (response)
		blk[0] = 0x80;
	ck_assert_int_eq(aes_setup(s->s_enc, (int)s->key_len, 0, &skey), CRYPT_OK);
	ck_assert_int_eq(aes_ecb_encrypt(blk, icv, &skey), CRYPT_OK);
	ck_assert_int_eq(cbc_start(idx, icv, s->s_enc, (int)s->key_len, 0, &cbc), CRYPT_OK);
	ck_assert_int_eq(cbc_encrypt(p, p, (unsigned long)n, &cbc), CRYPT_OK);
	cbc_done(&cbc);
}

/*
 * Forge a wrapped command the way a (possibly broken) host would: `body` is
 * sent as data' (encrypted first when `encrypt`, with no padding added), then
 * a correct C-MAC over it.  Short APDU, CLA 84, no Le.  Advances the host's
 * chaining value and counter like a real wrap.
 */
static size_t forge(dm_scp03_session *host, uint8_t ins, uint8_t p1, const uint8_t *body,
		    size_t n, bool encrypt, uint8_t *out)
{
	uint8_t mac[16];
	uint8_t *d = out + 5;

	host->enc_counter++;
	if (n != 0)
		memcpy(d, body, n);
	if (encrypt)
		cbc_enc(host, host->enc_counter, false, d, n);
	out[0] = 0x84;
	out[1] = ins;
	out[2] = p1;
	out[3] = 0x00;
	out[4] = (uint8_t)(n + host->mode);
	dm_bytes parts[3] = { { host->mac_chain, 16 }, { out, 5 }, { d, n } };
	ck_assert_int_eq(dm_scp03_cmac(host->s_mac, host->key_len, parts, 3, mac), DM_OK);
	memcpy(d + n, mac, host->mode);
	memcpy(host->mac_chain, mac, 16);
	return 5 + n + host->mode;
}

static int card_unwrap_bytes(dm_scp03_session *card, const uint8_t *p, size_t n,
			     dm_capdu *plain, dm_wbuf *w)
{
	dm_capdu c;

	parse(p, n, &c);
	return dm_scp03_unwrap_command(card, &c, plain, w);
}

/* The card unwraps command i of vector v. */
static int card_unwrap_cmd(dm_scp03_session *card, const struct scp03_vec_session *v, size_t i,
			   dm_capdu *plain, dm_wbuf *w)
{
	return card_unwrap_bytes(card, v->cmds[i].wrapped, v->cmds[i].wrapped_len, plain, w);
}

/* The card unwraps the first k commands of v, which must all pass. */
static void card_feed(dm_scp03_session *card, const struct scp03_vec_session *v, size_t k)
{
	static uint8_t buf[1024];

	for (size_t i = 0; i < k; i++) {
		dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
		dm_capdu got;

		ck_assert_int_eq(card_unwrap_cmd(card, v, i, &got, &w), DM_OK);
	}
}

/* ---- CMAC and KDF ------------------------------------------------------ */

START_TEST(cmac_known_answers)
{
	const struct scp03_vec_cmac *v = &scp03_cmac_vectors[_i];
	dm_bytes part = dm_bytes_of(v->msg, v->msg_len);
	uint8_t mac[16];

	ck_assert_int_eq(dm_scp03_cmac(v->key, v->key_len, &part, 1, mac), DM_OK);
	ck_assert_mem_eq(mac, v->mac, 16);
}
END_TEST

START_TEST(cmac_parts_and_errors)
{
	const struct scp03_vec_cmac *v = &scp03_cmac_vectors[3]; /* AES-128, 64 bytes */
	uint8_t mac[16];

	ck_assert_uint_eq(v->msg_len, 64);
	/* the same message cut anywhere, with empty parts, gives the same MAC */
	for (size_t cut = 0; cut <= 64; cut += 7) {
		dm_bytes parts[4] = {
			{ v->msg, cut }, { NULL, 0 }, { v->msg + cut, 64 - cut }, { v->msg, 0 },
		};
		ck_assert_int_eq(dm_scp03_cmac(v->key, 16, parts, 4, mac), DM_OK);
		ck_assert_mem_eq(mac, v->mac, 16);
	}
	dm_bytes bad = { NULL, 1 }, ok = { v->msg, 1 };
	ck_assert_int_eq(dm_scp03_cmac(v->key, 16, &bad, 1, mac), DM_E_ARG);
	ck_assert_int_eq(dm_scp03_cmac(v->key, 15, &ok, 1, mac), DM_E_LENGTH);
	ck_assert_int_eq(dm_scp03_cmac(v->key, 0, &ok, 1, mac), DM_E_LENGTH);
	ck_assert_int_eq(dm_scp03_cmac(NULL, 16, &ok, 1, mac), DM_E_ARG);
	ck_assert_int_eq(dm_scp03_cmac(v->key, 16, NULL, 1, mac), DM_E_ARG);
}
END_TEST

START_TEST(kdf_known_answers)
{
	const struct scp03_vec_kdf *v = &scp03_kdf_vectors[_i];
	uint8_t out[64];

	ck_assert_uint_le(v->out_len, sizeof out);
	memset(out, 0xEE, sizeof out);
	ck_assert_int_eq(dm_scp03_kdf(v->key, v->key_len, v->ddc,
				      dm_bytes_of(v->ctx, v->ctx_len), out, v->out_len), DM_OK);
	ck_assert_mem_eq(out, v->out, v->out_len);
	/* writes exactly out_len bytes */
	ck_assert_uint_eq(out[v->out_len], 0xEE);
}
END_TEST

START_TEST(kdf_rejects)
{
	static uint8_t big[DM_SCP03_KDF_MAX + 1];
	const struct scp03_vec_kdf *v = &scp03_kdf_vectors[0];
	dm_bytes ctx = dm_bytes_of(v->ctx, v->ctx_len);
	uint8_t out[16];

	ck_assert_int_eq(dm_scp03_kdf(v->key, 16, 4, ctx, out, 0), DM_E_LENGTH);
	ck_assert_int_eq(dm_scp03_kdf(v->key, 16, 4, ctx, big, sizeof big), DM_E_LENGTH);
	ck_assert_int_eq(dm_scp03_kdf(v->key, 16, 4, ctx, big, DM_SCP03_KDF_MAX), DM_OK);
	ck_assert_int_eq(dm_scp03_kdf(v->key, 20, 4, ctx, out, 16), DM_E_LENGTH);
	ck_assert_int_eq(dm_scp03_kdf(v->key, 16, 4, dm_bytes_of(NULL, 3), out, 16), DM_E_ARG);
	ck_assert_int_eq(dm_scp03_kdf(NULL, 16, 4, ctx, out, 16), DM_E_ARG);
	ck_assert_int_eq(dm_scp03_kdf(v->key, 16, 4, ctx, NULL, 16), DM_E_ARG);
}
END_TEST

START_TEST(card_challenge_known_answers)
{
	size_t checked = 0;

	for (size_t i = 0; i < DM_ARRAY_LEN(scp03_session_vectors); i++) {
		const struct scp03_vec_session *v = &scp03_session_vectors[i];
		dm_scp03_keys k;
		uint8_t cc[16];

		if (v->aid_len == 0)
			continue;
		ck_assert_int_eq(dm_scp03_keys_set(&k, v->k_enc, v->k_mac, v->key_len), DM_OK);
		ck_assert_int_eq(dm_scp03_card_challenge(&k, (dm_scp03_mode)v->mode, v->seq,
							 dm_bytes_of(v->aid, v->aid_len), cc),
				 DM_OK);
		ck_assert_mem_eq(cc, v->card_challenge, v->mode);
		checked++;
	}
	ck_assert_uint_ge(checked, 3); /* S8 and S16, AES-128 and -256 */
}
END_TEST

START_TEST(card_challenge_rejects)
{
	const struct scp03_vec_session *v = v33();
	static const uint8_t aid[17] = { 0xF0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	dm_scp03_keys k;
	uint8_t cc[16];

	ck_assert_int_eq(dm_scp03_keys_set(&k, v->k_enc, v->k_mac, 16), DM_OK);
	ck_assert_int_eq(dm_scp03_card_challenge(&k, DM_SCP03_S8, 0x1000000,
						 dm_bytes_of(aid, 8), cc), DM_E_VALUE);
	ck_assert_int_eq(dm_scp03_card_challenge(&k, DM_SCP03_S8, 0xFFFFFF,
						 dm_bytes_of(aid, 16), cc), DM_OK);
	ck_assert_int_eq(dm_scp03_card_challenge(&k, DM_SCP03_S8, 1,
						 dm_bytes_of(aid, 17), cc), DM_E_LENGTH);
	ck_assert_int_eq(dm_scp03_card_challenge(&k, DM_SCP03_S8, 1,
						 dm_bytes_of(aid, 4), cc), DM_E_LENGTH);
	ck_assert_int_eq(dm_scp03_card_challenge(&k, (dm_scp03_mode)12, 1,
						 dm_bytes_of(aid, 8), cc), DM_E_VALUE);
}
END_TEST

START_TEST(keys_set_and_wipe)
{
	uint8_t e[32] = { 1 }, m[32] = { 2 };
	dm_scp03_keys k, z;

	memset(&z, 0, sizeof z);
	ck_assert_int_eq(dm_scp03_keys_set(&k, e, m, 17), DM_E_LENGTH);
	ck_assert_int_eq(dm_scp03_keys_set(&k, e, m, 24), DM_OK);
	ck_assert_uint_eq(k.len, 24);
	ck_assert_mem_eq(k.enc, e, 24);
	dm_scp03_keys_wipe(&k);
	ck_assert_mem_eq(&k, &z, sizeof k);
}
END_TEST

/* ---- sessions: derivation, EXTERNAL AUTHENTICATE, multi-command runs ---- */

START_TEST(session_known_answers)
{
	const struct scp03_vec_session *v = &scp03_session_vectors[_i];
	dm_scp03_session host, card;
	dm_scp03_keys k;
	uint8_t buf[600], wire[700], cg[16];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf), ww = dm_wbuf_init(wire, sizeof wire);
	dm_capdu ea, c;

	ck_assert_int_eq(dm_scp03_keys_set(&k, v->k_enc, v->k_mac, v->key_len), DM_OK);
	ck_assert_int_eq(dm_scp03_session_init(&host, &k, (dm_scp03_mode)v->mode,
					       v->host_challenge, v->card_challenge), DM_OK);
	ck_assert_int_eq(dm_scp03_session_init(&card, &k, (dm_scp03_mode)v->mode,
					       v->host_challenge, v->card_challenge), DM_OK);
	ck_assert_mem_eq(host.s_enc, v->s_enc, v->key_len);
	ck_assert_mem_eq(host.s_mac, v->s_mac, v->key_len);
	ck_assert_mem_eq(host.s_rmac, v->s_rmac, v->key_len);
	ck_assert_mem_eq(host.card_cryptogram, v->card_cryptogram, v->mode);
	ck_assert_mem_eq(host.host_cryptogram, v->host_cryptogram, v->mode);

	ck_assert_int_eq(dm_scp03_card_cryptogram(&card, cg), DM_OK);
	ck_assert_mem_eq(cg, v->card_cryptogram, v->mode);
	ck_assert_int_eq(dm_scp03_check_card_cryptogram(&host, cg, v->mode), DM_OK);

	/* EXTERNAL AUTHENTICATE: exact wire bytes, accepted by the card */
	ck_assert_int_eq(dm_scp03_host_external_auth(&host, v->cla, v->level, &ea, &w), DM_OK);
	ck_assert_int_eq(dm_capdu_build(&ea, &ww), DM_OK);
	ck_assert_uint_eq(ww.len, v->ext_auth_len);
	ck_assert_mem_eq(wire, v->ext_auth, v->ext_auth_len);
	parse(v->ext_auth, v->ext_auth_len, &c);
	ck_assert_int_eq(dm_scp03_card_external_auth(&card, &c), DM_OK);
	ck_assert_uint_eq(card.level, v->level);
	ck_assert_mem_eq(card.mac_chain, host.mac_chain, 16);

	for (size_t i = 0; i < v->n_cmds; i++) {
		const struct scp03_vec_cmd *x = &v->cmds[i];
		dm_capdu plain, wrapped, got;
		uint8_t rbuf[400];
		dm_wbuf rw = dm_wbuf_init(rbuf, sizeof rbuf);
		uint16_t sw = 0;

		/* host: wrap -> exact bytes; counter counts every command */
		w.len = 0;
		ww.len = 0;
		parse(x->plain, x->plain_len, &plain);
		ck_assert_int_eq(dm_scp03_wrap_command(&host, &plain, &wrapped, &w), DM_OK);
		ck_assert_int_eq(dm_capdu_build(&wrapped, &ww), DM_OK);
		ck_assert_uint_eq(ww.len, x->wrapped_len);
		ck_assert_mem_eq(wire, x->wrapped, x->wrapped_len);
		ck_assert_uint_eq(host.enc_counter, i + 1);

		/* card: unwrap -> the plain command again */
		w.len = 0;
		ck_assert_int_eq(card_unwrap_bytes(&card, x->wrapped, x->wrapped_len, &got, &w),
				 DM_OK);
		ck_assert_uint_eq(got.cla, plain.cla);
		ck_assert_uint_eq(got.ins, plain.ins);
		ck_assert_uint_eq(got.p1, plain.p1);
		ck_assert_uint_eq(got.p2, plain.p2);
		ck_assert_uint_eq(got.nc, plain.nc);
		ck_assert_uint_eq(got.ne, plain.ne);
		ck_assert_uint_eq(got.apdu_case, plain.apdu_case);
		if (plain.nc)
			ck_assert_mem_eq(got.data, plain.data, plain.nc);
		ck_assert_uint_eq(card.enc_counter, i + 1);
		ck_assert_mem_eq(card.mac_chain, host.mac_chain, 16);

		/* card: response -> exact bytes; host: back to data + SW */
		ck_assert_int_eq(dm_scp03_wrap_response(&card, x->rdata, x->rdata_len, x->sw, &rw),
				 DM_OK);
		ck_assert_uint_eq(rw.len, x->rapdu_len);
		ck_assert_mem_eq(rbuf, x->rapdu, x->rapdu_len);
		rw.len = 0;
		ck_assert_int_eq(dm_scp03_unwrap_response(&host, x->rapdu, x->rapdu_len, &rw, &sw),
				 DM_OK);
		ck_assert_uint_eq(sw, x->sw);
		ck_assert_uint_eq(rw.len, x->rdata_len);
		if (x->rdata_len)
			ck_assert_mem_eq(rbuf, x->rdata, x->rdata_len);
	}
	ck_assert_uint_eq(host.state, DM_SCP03_OPEN);
	ck_assert_uint_eq(card.state, DM_SCP03_OPEN);
}
END_TEST

START_TEST(session_vectors_cover)
{
	bool s8 = false, s16 = false, ext = false, lc_short = false;
	unsigned levels = 0;

	for (size_t i = 0; i < DM_ARRAY_LEN(scp03_session_vectors); i++) {
		const struct scp03_vec_session *v = &scp03_session_vectors[i];

		s8 |= v->mode == 8;
		s16 |= v->mode == 16;
		levels |= 1u << (v->level & 3) << ((v->level >> 4) * 4);
		ck_assert_uint_ge(v->n_cmds, 3);
		for (size_t j = 0; j < v->n_cmds; j++) {
			dm_capdu c;

			parse(v->cmds[j].wrapped, v->cmds[j].wrapped_len, &c);
			ext |= c.extended;
			lc_short |= !c.extended;
		}
	}
	ck_assert(s8 && s16 && ext && lc_short);
	/* levels 01, 03, 11, 13, 33 all present */
	ck_assert_uint_eq(levels, (1u << 1) | (1u << 3) | (1u << 5) | (1u << 7) | (1u << 15));
}
END_TEST

START_TEST(wipe_clears_session)
{
	dm_scp03_session host, card, z;

	memset(&z, 0, sizeof z);
	open_pair(v33(), &host, &card);
	dm_scp03_session_wipe(&host);
	ck_assert_mem_eq(&host, &z, sizeof host);
	ck_assert_uint_eq(host.state, DM_SCP03_CLOSED);
	dm_scp03_session_wipe(NULL);
}
END_TEST

/* ---- rejections --------------------------------------------------------- */

START_TEST(replay_and_reorder_rejected)
{
	/* card has accepted cmds[0..fed); then cmds[next] arrives */
	static const struct { size_t fed, next; } cases[] = {
		{ 2, 1 }, /* replay of the last command: the chaining value moved */
		{ 3, 0 }, /* replay of an older one */
		{ 0, 1 }, /* the first command skipped */
		{ 1, 2 }, /* a command lost in between */
	};
	const struct scp03_vec_session *v = v33();

	for (size_t i = 0; i < DM_ARRAY_LEN(cases); i++) {
		dm_scp03_session host, card;
		uint8_t buf[300];
		dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
		dm_capdu got;

		open_pair(v, &host, &card);
		card_feed(&card, v, cases[i].fed);
		ck_assert_int_eq(card_unwrap_cmd(&card, v, cases[i].next, &got, &w), DM_E_CRYPTO);
		ck_assert_uint_eq(card.state, DM_SCP03_CLOSED);
		/* the session is over: even the next genuine command is refused */
		ck_assert_int_eq(card_unwrap_cmd(&card, v, cases[i].fed, &got, &w), DM_E_STATE);
	}
}
END_TEST

START_TEST(tampered_command_rejected)
{
	const struct scp03_vec_session *v = v33();
	const struct scp03_vec_cmd *x = &v->cmds[5]; /* 16 data bytes -> 32 ciphertext */
	uint8_t buf[300], t[300];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	dm_capdu got;

	ck_assert_uint_le(x->wrapped_len, sizeof t);
	/* every single bit flip in the header, Lc, ciphertext or MAC is caught,
	 * except in the CLA's channel number: the C-MAC covers channel 0's CLA
	 * (Amd D §6.2.4); the runtime keeps one session per channel */
	for (size_t pos = 0; pos < x->wrapped_len; pos++) {
		for (int bit = 0; bit < 8; bit++) {
			dm_scp03_session host, card;
			dm_capdu c;

			if (pos == 0 && bit < 2)
				continue;
			open_pair(v, &host, &card);
			card_feed(&card, v, 5);
			memcpy(t, x->wrapped, x->wrapped_len);
			t[pos] ^= (uint8_t)(1u << bit);
			if (dm_capdu_parse(t, x->wrapped_len, &c) != DM_OK)
				continue; /* the Lc flip is caught by the APDU parser */
			w.len = 0;
			ck_assert_int_ne(dm_scp03_unwrap_command(&card, &c, &got, &w), DM_OK);
			ck_assert_uint_eq(card.state, DM_SCP03_CLOSED);
		}
	}
}
END_TEST

START_TEST(bad_padding_rejected)
{
	/* With a valid C-MAC (a broken host), the plaintext padding is still
	 * checked strictly (ISO 9797-1 method 2). */
	static const struct {
		uint8_t pt[32];
		size_t n;
		int rc;
	} cases[] = {
		{ { 1, 2, 3, 0x80 }, 16, DM_OK },                 /* positive control */
		{ { 1, 2, 3, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 16, DM_E_CRYPTO },
		{ { 1, 2, 3, 4 }, 16, DM_E_CRYPTO },              /* no 80 at all */
		{ { 0x80 }, 16, DM_E_CRYPTO },                    /* empty data encrypted */
		{ { 1, 0x80 }, 32, DM_E_CRYPTO },                 /* padding longer than a block */
		{ { 1, 2, 3, 0x81 }, 16, DM_E_CRYPTO },
		{ { 0 }, 16, DM_E_CRYPTO },                       /* all zero */
	};
	const struct scp03_vec_session *v = v33();

	for (size_t i = 0; i < DM_ARRAY_LEN(cases); i++) {
		dm_scp03_session host, card;
		uint8_t apdu[64], buf[64];
		dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
		dm_capdu got;
		size_t n;

		open_pair(v, &host, &card);
		n = forge(&host, 0xD6, 0x00, cases[i].pt, cases[i].n, true, apdu);
		ck_assert_int_eq(card_unwrap_bytes(&card, apdu, n, &got, &w), cases[i].rc);
		if (cases[i].rc == DM_OK) {
			ck_assert_uint_eq(got.nc, 3);
			ck_assert_mem_eq(got.data, "\x01\x02\x03", 3);
			ck_assert_uint_eq(w.len, 3);
		} else {
			ck_assert_uint_eq(card.state, DM_SCP03_CLOSED);
			ck_assert_uint_eq(w.len, 0);
		}
	}
}
END_TEST

START_TEST(wrong_lengths_rejected)
{
	const struct scp03_vec_session *v = v33();
	dm_scp03_session host, card;
	uint8_t apdu[64], buf[64];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	dm_capdu got, c;
	size_t n;

	/* ciphertext not a multiple of the block, MAC valid */
	open_pair(v, &host, &card);
	n = forge(&host, 0xD6, 0x00, zero16, 15, false, apdu);
	ck_assert_int_eq(card_unwrap_bytes(&card, apdu, n, &got, &w), DM_E_LENGTH);
	ck_assert_uint_eq(card.state, DM_SCP03_CLOSED);

	/* data shorter than the C-MAC */
	open_pair(v, &host, &card);
	memcpy(apdu, "\x84\xD6\x00\x00\x07\x01\x02\x03\x04\x05\x06\x07", 12);
	ck_assert_int_eq(card_unwrap_bytes(&card, apdu, 12, &got, &w), DM_E_LENGTH);
	ck_assert_uint_eq(card.state, DM_SCP03_CLOSED);

	/* no data at all */
	open_pair(v, &host, &card);
	parse((const uint8_t *)"\x84\xB0\x00\x00\x10", 5, &c);
	ck_assert_int_eq(dm_scp03_unwrap_command(&card, &c, &got, &w), DM_E_LENGTH);

	/* MAC only, nothing encrypted: a C-DEC session takes 0 data bytes */
	open_pair(v, &host, &card);
	n = forge(&host, 0xD6, 0x00, NULL, 0, false, apdu);
	ck_assert_int_eq(card_unwrap_bytes(&card, apdu, n, &got, &w), DM_OK);
	ck_assert_uint_eq(got.nc, 0);
	ck_assert_ptr_null(got.data);
}
END_TEST

START_TEST(wrap_limits)
{
	static uint8_t big[65535], out[65600];
	const struct scp03_vec_session *v = v33();
	dm_scp03_session host, card, saved;
	uint8_t small[20];
	dm_wbuf w = dm_wbuf_init(small, sizeof small);
	dm_capdu plain = { .cla = 0x00, .ins = 0xD6, .data = big, .nc = 5 }, wrapped;

	open_pair(v, &host, &card);
	memcpy(&saved, &host, sizeof saved);
	/* 5 bytes -> 16 ciphertext + 8 MAC: does not fit 20, nothing changes */
	ck_assert_int_eq(dm_scp03_wrap_command(&host, &plain, &wrapped, &w), DM_E_OVERFLOW);
	ck_assert_uint_eq(w.len, 0);
	ck_assert_mem_eq(&host, &saved, sizeof host);

	/* 65535 bytes pad to 65536: too long for any Lc */
	w = dm_wbuf_init(out, sizeof out);
	plain.nc = 65535;
	ck_assert_int_eq(dm_scp03_wrap_command(&host, &plain, &wrapped, &w), DM_E_LENGTH);
	/* the largest that fits: 65512 -> 65520 + 8 = 65528 */
	plain.nc = 65512;
	ck_assert_int_eq(dm_scp03_wrap_command(&host, &plain, &wrapped, &w), DM_OK);
	ck_assert_uint_eq(wrapped.nc, 65528);
	ck_assert(wrapped.extended);
	ck_assert_uint_eq(wrapped.cla, 0x04);

	/* CLA that already carries SM, or is invalid */
	plain.nc = 1;
	plain.cla = 0x84;
	ck_assert_int_eq(dm_scp03_wrap_command(&host, &plain, &wrapped, &w), DM_E_VALUE);
	plain.cla = 0x0C;
	ck_assert_int_eq(dm_scp03_wrap_command(&host, &plain, &wrapped, &w), DM_E_VALUE);
	plain.cla = 0xE1;
	ck_assert_int_eq(dm_scp03_wrap_command(&host, &plain, &wrapped, &w), DM_E_VALUE);
	plain.cla = 0xFF;
	ck_assert_int_eq(dm_scp03_wrap_command(&host, &plain, &wrapped, &w), DM_E_VALUE);
	plain.cla = 0x20;
	ck_assert_int_eq(dm_scp03_wrap_command(&host, &plain, &wrapped, &w), DM_E_VALUE);
	plain.cla = 0xDF; /* channel 19 with chaining: with SM it would be FF */
	ck_assert_int_eq(dm_scp03_wrap_command(&host, &plain, &wrapped, &w), DM_E_VALUE);
	plain.cla = 0xDE;
	ck_assert_int_eq(dm_scp03_wrap_command(&host, &plain, &wrapped, &w), DM_OK);
	ck_assert_uint_eq(wrapped.cla, 0xFE);
	plain.cla = 0x00;
	plain.data = NULL;
	ck_assert_int_eq(dm_scp03_wrap_command(&host, &plain, &wrapped, &w), DM_E_ARG);
}
END_TEST

START_TEST(card_overflow_keeps_session)
{
	const struct scp03_vec_session *v = v33();
	const struct scp03_vec_cmd *x = &v->cmds[5];
	dm_scp03_session host, card, saved;
	uint8_t small[31], buf[64];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	dm_capdu got;

	open_pair(v, &host, &card);
	card_feed(&card, v, 5);
	memcpy(&saved, &card, sizeof saved);
	/* 32 bytes of ciphertext need 32 bytes of room, even for 16 of data */
	w = dm_wbuf_init(small, sizeof small);
	ck_assert_int_eq(card_unwrap_bytes(&card, x->wrapped, x->wrapped_len, &got, &w),
			 DM_E_OVERFLOW);
	ck_assert_mem_eq(&card, &saved, sizeof card);
	w = dm_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(card_unwrap_bytes(&card, x->wrapped, x->wrapped_len, &got, &w), DM_OK);
	ck_assert_uint_eq(got.nc, 16);
}
END_TEST

START_TEST(no_sm_indication_rejected)
{
	const struct scp03_vec_session *v = v33();
	const struct scp03_vec_cmd *x = &v->cmds[0];
	static const uint8_t clas[] = { 0x80, 0x88, 0x8C, 0xC0 };

	for (size_t i = 0; i < DM_ARRAY_LEN(clas); i++) {
		dm_scp03_session host, card;
		uint8_t t[64], buf[64];
		dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
		dm_capdu got;

		open_pair(v, &host, &card);
		memcpy(t, x->wrapped, x->wrapped_len);
		t[0] = clas[i];
		ck_assert_int_eq(card_unwrap_bytes(&card, t, x->wrapped_len, &got, &w), DM_E_CRYPTO);
		ck_assert_uint_eq(card.state, DM_SCP03_CLOSED);
	}
}
END_TEST

START_TEST(external_auth_rejects)
{
	const struct scp03_vec_session *v = v33();
	dm_scp03_session host, card;
	dm_scp03_keys k;
	uint8_t t[64], mac[16], buf[64];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	dm_capdu c;

	ck_assert_int_eq(dm_scp03_keys_set(&k, v->k_enc, v->k_mac, v->key_len), DM_OK);

	/* wrong host cryptogram with a correct MAC over it */
	ck_assert_int_eq(dm_scp03_session_init(&card, &k, DM_SCP03_S8, v->host_challenge,
					       v->card_challenge), DM_OK);
	memcpy(t, "\x84\x82\x33\x00\x10", 5);
	memcpy(t + 5, card.host_cryptogram, 8);
	t[5] ^= 1;
	dm_bytes parts[2] = { { zero16, 16 }, { t, 13 } };
	ck_assert_int_eq(dm_scp03_cmac(card.s_mac, 16, parts, 2, mac), DM_OK);
	memcpy(t + 13, mac, 8);
	parse(t, 21, &c);
	ck_assert_int_eq(dm_scp03_card_external_auth(&card, &c), DM_E_CRYPTO);
	ck_assert_uint_eq(card.state, DM_SCP03_CLOSED);

	/* level 02 (C-DEC without C-MAC), correctly MACed: refused */
	static const uint8_t bad_levels[] = { 0x00, 0x02, 0x10, 0x23, 0x31, 0x37 };
	for (size_t i = 0; i < DM_ARRAY_LEN(bad_levels); i++) {
		ck_assert_int_eq(dm_scp03_session_init(&card, &k, DM_SCP03_S8, v->host_challenge,
						       v->card_challenge), DM_OK);
		t[2] = bad_levels[i];
		memcpy(t + 5, card.host_cryptogram, 8);
		ck_assert_int_eq(dm_scp03_cmac(card.s_mac, 16, parts, 2, mac), DM_OK);
		memcpy(t + 13, mac, 8);
		parse(t, 21, &c);
		ck_assert_int_eq(dm_scp03_card_external_auth(&card, &c), DM_E_VALUE);
		ck_assert_uint_eq(card.state, DM_SCP03_CLOSED);
	}

	/* the genuine command with one change each */
	for (int change = 0; change < 4; change++) {
		uint8_t cc[8];

		memcpy(cc, v->card_challenge, 8);
		ck_assert_int_eq(dm_scp03_session_init(&host, &k, DM_SCP03_S8, v->host_challenge,
						       cc), DM_OK);
		ck_assert_int_eq(dm_scp03_session_init(&card, &k, DM_SCP03_S8, v->host_challenge,
						       cc), DM_OK);
		memcpy(t, v->ext_auth, v->ext_auth_len);
		switch (change) {
		case 0: t[0] = 0x80; break;  /* no SM indication */
		case 1: t[20] ^= 0x01; break; /* MAC */
		case 2: t[2] = 0x01; break;   /* P1 changed: MAC no longer matches */
		case 3: t[4] = 0x0F; break;   /* Lc 15 */
		}
		parse(t, change == 3 ? 20 : 21, &c);
		ck_assert_int_eq(dm_scp03_card_external_auth(&card, &c),
				 change == 3 ? DM_E_LENGTH : DM_E_CRYPTO);
		ck_assert_uint_eq(card.state, DM_SCP03_CLOSED);
	}

	/* state: twice, or before INITIALIZE UPDATE */
	open_pair(v, &host, &card);
	parse(v->ext_auth, v->ext_auth_len, &c);
	ck_assert_int_eq(dm_scp03_card_external_auth(&card, &c), DM_E_STATE);
	ck_assert_uint_eq(card.state, DM_SCP03_OPEN);
	ck_assert_int_eq(dm_scp03_host_external_auth(&host, 0x80, 0x33, &c, &w), DM_E_STATE);
	dm_scp03_session_wipe(&card);
	parse(v->ext_auth, v->ext_auth_len, &c);
	ck_assert_int_eq(dm_scp03_card_external_auth(&card, &c), DM_E_STATE);

	/* host side: bad level or CLA */
	ck_assert_int_eq(dm_scp03_session_init(&host, &k, DM_SCP03_S8, v->host_challenge,
					       v->card_challenge), DM_OK);
	ck_assert_int_eq(dm_scp03_host_external_auth(&host, 0x80, 0x02, &c, &w), DM_E_VALUE);
	ck_assert_int_eq(dm_scp03_host_external_auth(&host, 0x00, 0x01, &c, &w), DM_E_VALUE);
	ck_assert_int_eq(dm_scp03_host_external_auth(&host, 0x84, 0x01, &c, &w), DM_E_VALUE);
	dm_scp03_keys_wipe(&k);
}
END_TEST

START_TEST(card_cryptogram_mismatch)
{
	const struct scp03_vec_session *v = v33();
	dm_scp03_session host;
	dm_scp03_keys k;
	uint8_t cg[16];

	ck_assert_int_eq(dm_scp03_keys_set(&k, v->k_enc, v->k_mac, v->key_len), DM_OK);
	ck_assert_int_eq(dm_scp03_session_init(&host, &k, DM_SCP03_S8, v->host_challenge,
					       v->card_challenge), DM_OK);
	memcpy(cg, v->card_cryptogram, 8);
	ck_assert_int_eq(dm_scp03_check_card_cryptogram(&host, cg, 16), DM_E_LENGTH);
	ck_assert_uint_eq(host.state, DM_SCP03_CLOSED);
	ck_assert_int_eq(dm_scp03_session_init(&host, &k, DM_SCP03_S8, v->host_challenge,
					       v->card_challenge), DM_OK);
	cg[7] ^= 0x80;
	ck_assert_int_eq(dm_scp03_check_card_cryptogram(&host, cg, 8), DM_E_CRYPTO);
	ck_assert_uint_eq(host.state, DM_SCP03_CLOSED);
	ck_assert_int_eq(dm_scp03_check_card_cryptogram(&host, cg, 8), DM_E_STATE);

	/* session_init arguments */
	ck_assert_int_eq(dm_scp03_session_init(&host, &k, (dm_scp03_mode)9, v->host_challenge,
					       v->card_challenge), DM_E_VALUE);
	k.len = 20;
	ck_assert_int_eq(dm_scp03_session_init(&host, &k, DM_SCP03_S8, v->host_challenge,
					       v->card_challenge), DM_E_LENGTH);
	ck_assert_int_eq(dm_scp03_card_cryptogram(&host, cg), DM_E_STATE);
	dm_scp03_keys_wipe(&k);
}
END_TEST

START_TEST(response_rejects)
{
	const struct scp03_vec_session *v = v33();
	const struct scp03_vec_cmd *x = &v->cmds[0]; /* 16 data bytes + 9000 */
	uint8_t t[128], buf[128];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	uint16_t sw;

	for (int change = 0; change < 7; change++) {
		dm_scp03_session host, card;
		dm_capdu got;
		size_t n = x->rapdu_len;
		int want;

		open_pair(v, &host, &card);
		ck_assert_int_eq(card_unwrap_bytes(&card, x->wrapped, x->wrapped_len, &got, &w),
				 DM_OK);
		/* host: state as after wrapping cmds[0] */
		host.enc_counter = card.enc_counter;
		memcpy(host.mac_chain, card.mac_chain, 16);
		memcpy(t, x->rapdu, n);
		switch (change) {
		case 0: want = DM_OK; break;                          /* control */
		case 1: t[n - 3] ^= 1; want = DM_E_CRYPTO; break;     /* R-MAC */
		case 2: t[3] ^= 1; want = DM_E_CRYPTO; break;         /* ciphertext */
		case 3: t[n - 2] = 0x62; t[n - 1] = 0x83; want = DM_E_CRYPTO; break; /* SW */
		case 4: memcpy(t, "\x01\x02\x03\x90\x00", 5); n = 5; want = DM_E_LENGTH; break;
		case 5: t[n - 2] = 0x6A; t[n - 1] = 0x82; want = DM_E_LENGTH; break; /* data + error SW */
		default: n = 1; want = DM_E_TRUNCATED; break;
		}
		w.len = 0;
		ck_assert_int_eq(dm_scp03_unwrap_response(&host, t, n, &w, &sw), want);
		ck_assert_uint_eq(host.state, want == DM_OK || want == DM_E_TRUNCATED ?
				  DM_SCP03_OPEN : DM_SCP03_CLOSED);
		if (want == DM_OK)
			ck_assert_mem_eq(buf, x->rdata, x->rdata_len);
	}
}
END_TEST

START_TEST(response_bad_padding_rejected)
{
	/* R-ENC plaintext without valid padding, but a valid R-MAC */
	const struct scp03_vec_session *v = v33();
	static const uint8_t bad[3][16] = { { 1, 2, 3 }, { 0x80 }, { 1, 2, 3, 0x80, 1 } };

	for (size_t i = 0; i < 4; i++) {
		dm_scp03_session host, card;
		uint8_t r[64], mac[16], buf[64];
		dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
		dm_capdu plain = { .cla = 0x00, .ins = 0xB0, .ne = 256 }, wrapped;
		uint16_t sw;

		open_pair(v, &host, &card);
		ck_assert_int_eq(dm_scp03_wrap_command(&host, &plain, &wrapped, &w), DM_OK);
		if (i < 3)
			memcpy(r, bad[i], 16);
		else
			memcpy(r, "\x01\x02\x03\x80\0\0\0\0\0\0\0\0\0\0\0\0", 16); /* control */
		cbc_enc(&host, host.enc_counter, true, r, 16);
		dm_bytes parts[3] = {
			{ host.mac_chain, 16 }, { r, 16 }, { (const uint8_t *)"\x90\x00", 2 },
		};
		ck_assert_int_eq(dm_scp03_cmac(host.s_rmac, 16, parts, 3, mac), DM_OK);
		memcpy(r + 16, mac, 8);
		memcpy(r + 24, "\x90\x00", 2);
		w.len = 0;
		ck_assert_int_eq(dm_scp03_unwrap_response(&host, r, 26, &w, &sw),
				 i < 3 ? DM_E_CRYPTO : DM_OK);
		if (i == 3) {
			ck_assert_uint_eq(w.len, 3);
			ck_assert_uint_eq(sw, 0x9000);
		}
	}
}
END_TEST

START_TEST(response_wrap_rules)
{
	const struct scp03_vec_session *v = v33();
	dm_scp03_session host, card;
	uint8_t buf[64], small[20];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf), ws = dm_wbuf_init(small, sizeof small);

	open_pair(v, &host, &card);
	/* error SW: SW alone; with data it is the caller's mistake */
	ck_assert_int_eq(dm_scp03_wrap_response(&card, NULL, 0, 0x6982, &w), DM_OK);
	ck_assert_uint_eq(w.len, 2);
	ck_assert_mem_eq(buf, "\x69\x82", 2);
	ck_assert_int_eq(dm_scp03_wrap_response(&card, buf, 1, 0x6A80, &w), DM_E_ARG);
	/* 91xx is protected like 9000 (R-MAC present) */
	w.len = 0;
	ck_assert_int_eq(dm_scp03_wrap_response(&card, NULL, 0, 0x9110, &w), DM_OK);
	ck_assert_uint_eq(w.len, 10);
	/* overflow: nothing written */
	ws.len = 3;
	ck_assert_int_eq(dm_scp03_wrap_response(&card, buf, 5, 0x9000, &ws), DM_E_OVERFLOW);
	ck_assert_uint_eq(ws.len, 3);
	/* not open */
	dm_scp03_session_wipe(&card);
	ck_assert_int_eq(dm_scp03_wrap_response(&card, NULL, 0, 0x9000, &w), DM_E_STATE);
	ck_assert(dm_scp03_sw_protected(0x9000) && dm_scp03_sw_protected(0x6282) &&
		  dm_scp03_sw_protected(0x63C1) && dm_scp03_sw_protected(0x9101));
	ck_assert(!dm_scp03_sw_protected(0x6A82) && !dm_scp03_sw_protected(0x6100) &&
		  !dm_scp03_sw_protected(0x9300) && !dm_scp03_sw_protected(0x6700));
}
END_TEST

START_TEST(counter_counts_every_command)
{
	/* Amd D §6.2.6: commands without data are not encrypted but still
	 * count, so host and card stay in step across them. */
	const struct scp03_vec_session *v = v33();
	dm_scp03_session host, card;
	uint8_t hb[64], cb[64];
	dm_wbuf hw = dm_wbuf_init(hb, sizeof hb), cw = dm_wbuf_init(cb, sizeof cb);
	dm_capdu empty = { .cla = 0x80, .ins = 0xF2, .p1 = 0, .p2 = 0x0C };
	dm_capdu data = { .cla = 0x00, .ins = 0xD6, .data = (const uint8_t *)"abc", .nc = 3 };
	dm_capdu wrapped, got;

	open_pair(v, &host, &card);
	for (unsigned i = 1; i <= 6; i++) {
		const dm_capdu *p = (i % 3) ? &empty : &data;

		hw.len = cw.len = 0;
		ck_assert_int_eq(dm_scp03_wrap_command(&host, p, &wrapped, &hw), DM_OK);
		ck_assert_uint_eq(wrapped.nc, p->nc ? 16u + 8u : 8u);
		ck_assert_int_eq(dm_scp03_unwrap_command(&card, &wrapped, &got, &cw), DM_OK);
		ck_assert_uint_eq(host.enc_counter, i);
		ck_assert_uint_eq(card.enc_counter, i);
		ck_assert_uint_eq(got.nc, p->nc);
		if (p->nc)
			ck_assert_mem_eq(got.data, "abc", 3);
	}
	/* a card that missed one counter step cannot decrypt */
	hw.len = cw.len = 0;
	card.enc_counter--;
	ck_assert_int_eq(dm_scp03_wrap_command(&host, &data, &wrapped, &hw), DM_OK);
	/* the chaining value is right, so only the wrong ICV can show: the
	 * padding check fails, or (unlikely) the plaintext is garbage */
	int rc = dm_scp03_unwrap_command(&card, &wrapped, &got, &cw);
	ck_assert(rc != DM_OK || got.nc != 3 || memcmp(got.data, "abc", 3) != 0);
}
END_TEST

START_TEST(not_open_refused)
{
	const struct scp03_vec_session *v = v33();
	dm_scp03_session s;
	dm_scp03_keys k;
	uint8_t buf[64];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	dm_capdu c = { .cla = 0x80, .ins = 0xCA }, out;
	uint16_t sw;

	memset(&s, 0, sizeof s);
	ck_assert_int_eq(dm_scp03_wrap_command(&s, &c, &out, &w), DM_E_STATE);
	ck_assert_int_eq(dm_scp03_unwrap_command(&s, &c, &out, &w), DM_E_STATE);
	ck_assert_int_eq(dm_scp03_unwrap_response(&s, buf, 2, &w, &sw), DM_E_STATE);
	ck_assert_int_eq(dm_scp03_keys_set(&k, v->k_enc, v->k_mac, 16), DM_OK);
	ck_assert_int_eq(dm_scp03_session_init(&s, &k, DM_SCP03_S8, v->host_challenge,
					       v->card_challenge), DM_OK);
	/* INITIALIZED is not OPEN */
	ck_assert_int_eq(dm_scp03_wrap_command(&s, &c, &out, &w), DM_E_STATE);
	ck_assert_int_eq(dm_scp03_wrap_response(&s, NULL, 0, 0x9000, &w), DM_E_STATE);
	ck_assert(!dm_scp03_level_valid(0x00) && !dm_scp03_level_valid(0x30));
	ck_assert(dm_scp03_level_valid(0x01) && dm_scp03_level_valid(0x33));
	dm_scp03_keys_wipe(&k);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scp03");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, cmac_known_answers, 0, (int)DM_ARRAY_LEN(scp03_cmac_vectors));
	tcase_add_test(tc, cmac_parts_and_errors);
	tcase_add_loop_test(tc, kdf_known_answers, 0, (int)DM_ARRAY_LEN(scp03_kdf_vectors));
	tcase_add_test(tc, kdf_rejects);
	tcase_add_test(tc, card_challenge_known_answers);
	tcase_add_test(tc, card_challenge_rejects);
	tcase_add_test(tc, keys_set_and_wipe);
	tcase_add_loop_test(tc, session_known_answers, 0,
			    (int)DM_ARRAY_LEN(scp03_session_vectors));
	tcase_add_test(tc, session_vectors_cover);
	tcase_add_test(tc, wipe_clears_session);
	tcase_add_test(tc, replay_and_reorder_rejected);
	tcase_add_test(tc, tampered_command_rejected);
	tcase_add_test(tc, bad_padding_rejected);
	tcase_add_test(tc, wrong_lengths_rejected);
	tcase_add_test(tc, wrap_limits);
	tcase_add_test(tc, card_overflow_keeps_session);
	tcase_add_test(tc, no_sm_indication_rejected);
	tcase_add_test(tc, external_auth_rejects);
	tcase_add_test(tc, card_cryptogram_mismatch);
	tcase_add_test(tc, response_rejects);
	tcase_add_test(tc, response_bad_padding_rejected);
	tcase_add_test(tc, response_wrap_rules);
	tcase_add_test(tc, counter_counts_every_command);
	tcase_add_test(tc, not_open_refused);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
