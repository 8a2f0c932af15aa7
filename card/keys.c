/*
 * keys.c - the card's key objects (keys.h, docs/dmsc-security.md): one
 * heap block at root slot DM_ROOT_KEYS, fixed layout, no command reads it
 * (SEC-1).  ECDSA P-256 and SHA-256 from libtomcrypt (LTM_DESC).
 */
#include <string.h>

#include <tomcrypt.h>
#include <tommath.h>

#include "keys.h"

/* Block layout [ours]; integers big-endian. */
#define K_MAGIC 0u          /* "DMK1" */
#define K_FLAGS 4u          /* u32: F_* */
#define K_SCP 8u            /* DM_KEYS_ROLES entries of K_SCP_SZ */
#define K_SCP_SZ 104u       /* kvn, len, 2 RFU, seq u32, enc[32], mac[32], dek[32] */
#define K_CARD (K_SCP + DM_KEYS_ROLES * K_SCP_SZ) /* priv[32] || pub[65] || pad */
#define K_CARD_SZ 100u
#define K_PUB (K_CARD + K_CARD_SZ)                 /* DM_KEYS_PUBS points of K_PUB_SZ */
#define K_PUB_SZ 68u
#define K_CTR (K_PUB + DM_KEYS_PUBS * K_PUB_SZ)    /* DM_KEYS_CTRS u32 */
#define K_SIZE (K_CTR + DM_KEYS_CTRS * 4u)

#define F_SCP(r) (1u << (r))
#define F_CARD (1u << 4)
#define F_PUB(w) (1u << (8 + (w)))

static const uint8_t magic[4] = { 'D', 'M', 'K', '1' };

int dm_keys_crypto_init(void)
{
	static bool done;

	if (done)
		return DM_OK;
	ltc_mp = ltm_desc;
	if (register_cipher(&aes_desc) < 0 || register_hash(&sha256_desc) < 0 ||
	    register_prng(&sprng_desc) < 0)
		return DM_E_CRYPTO;
	done = true;
	return DM_OK;
}

/* The block's offset; created (inside the caller's transaction) when absent
 * and create is set, else DM_E_NOT_FOUND. */
static int block(dm_applet_ctx *ctx, bool create, uint32_t *base)
{
	uint8_t m[4];
	int rc = dm_applet_root_get(ctx, DM_ROOT_KEYS, base);

	if (rc != DM_OK)
		return rc;
	if (*base == 0) {
		if (!create)
			return DM_E_NOT_FOUND;
		rc = dm_applet_heap_alloc(ctx, K_SIZE, base);
		if (rc == DM_OK)
			rc = dm_applet_store_write(ctx, *base + K_MAGIC, magic, sizeof magic);
		if (rc == DM_OK)
			rc = dm_applet_root_set(ctx, DM_ROOT_KEYS, *base);
		return rc;
	}
	rc = dm_applet_store_read(ctx, *base + K_MAGIC, m, sizeof m);
	if (rc != DM_OK)
		return rc;
	return memcmp(m, magic, sizeof m) == 0 ? DM_OK : DM_E_CORRUPT;
}

static int read_u32(dm_applet_ctx *ctx, uint32_t off, uint32_t *v)
{
	uint8_t b[4];
	int rc = dm_applet_store_read(ctx, off, b, sizeof b);

	if (rc == DM_OK)
		*v = dm_get_u32be(b);
	return rc;
}

static int write_u32(dm_applet_ctx *ctx, uint32_t off, uint32_t v)
{
	uint8_t b[4];

	dm_put_u32be(b, v);
	return dm_applet_store_write(ctx, off, b, sizeof b);
}

static int flags_get(dm_applet_ctx *ctx, uint32_t base, uint32_t *f)
{
	return read_u32(ctx, base + K_FLAGS, f);
}

static int flags_add(dm_applet_ctx *ctx, uint32_t base, uint32_t bits)
{
	uint32_t f;
	int rc = flags_get(ctx, base, &f);

	if (rc != DM_OK || (f & bits) == bits)
		return rc;
	return write_u32(ctx, base + K_FLAGS, f | bits);
}

/* --- P-256 helpers --- */

/* SEC 1 §3.2.2.1: x, y < p and y^2 = x^3 - 3x + b (mod p).  libtommath
 * directly: libtomcrypt's mp_* macros are internal to it. */
static bool on_curve(const uint8_t *point)
{
	const ltc_ecc_set_type *dp = ltc_ecc_sets;
	mp_int p, b, x, y, l, r, t;
	bool ok = false;

	while (dp->size != 0 && dp->size != 32) /* 1.18: the set of size 32 is P-256 */
		dp++;
	if (dp->size != 32 || mp_init_multi(&p, &b, &x, &y, &l, &r, &t, NULL) != MP_OKAY)
		return false;
	if (mp_read_radix(&p, dp->prime, 16) != MP_OKAY || mp_read_radix(&b, dp->B, 16) != MP_OKAY ||
	    mp_from_ubin(&x, point + 1, 32) != MP_OKAY || mp_from_ubin(&y, point + 33, 32) != MP_OKAY)
		goto out;
	if (mp_cmp(&x, &p) != MP_LT || mp_cmp(&y, &p) != MP_LT)
		goto out;
	if (mp_mulmod(&y, &y, &p, &l) != MP_OKAY || mp_mulmod(&x, &x, &p, &r) != MP_OKAY ||
	    mp_mulmod(&r, &x, &p, &r) != MP_OKAY || mp_add(&r, &b, &r) != MP_OKAY ||
	    mp_mul_d(&p, 3, &t) != MP_OKAY || mp_add(&r, &t, &r) != MP_OKAY ||
	    mp_mul_d(&x, 3, &t) != MP_OKAY || mp_sub(&r, &t, &r) != MP_OKAY ||
	    mp_mod(&r, &p, &r) != MP_OKAY)
		goto out;
	ok = mp_cmp(&l, &r) == MP_EQ;
out:
	mp_clear_multi(&p, &b, &x, &y, &l, &r, &t, NULL);
	return ok;
}

static int import_public(const uint8_t *point, ecc_key *key)
{
	if (ecc_ansi_x963_import(point, DM_KEYS_POINT_LEN, key) != CRYPT_OK)
		return DM_E_VALUE;
	return DM_OK;
}

/* --- personalization --- */

int dm_keys_set_scp03(dm_applet_ctx *ctx, dm_keys_role role, const dm_keys_scp03 *k)
{
	uint8_t e[K_SCP_SZ];
	uint32_t base, f;
	int rc;

	if (ctx == NULL || k == NULL || (unsigned)role >= DM_KEYS_ROLES)
		return DM_E_ARG;
	if (k->len != 16 && k->len != 24 && k->len != 32)
		return DM_E_LENGTH;
	if (k->kvn == 0 || k->kvn >= 0x80)
		return DM_E_VALUE;
	rc = block(ctx, true, &base);
	if (rc == DM_OK)
		rc = flags_get(ctx, base, &f);
	if (rc != DM_OK)
		return rc;
	for (unsigned r = 0; r < DM_KEYS_ROLES; r++) {
		uint8_t kvn;
		if (r == (unsigned)role || !(f & F_SCP(r)))
			continue;
		rc = dm_applet_store_read(ctx, base + K_SCP + r * K_SCP_SZ, &kvn, 1);
		if (rc != DM_OK)
			return rc;
		if (kvn == k->kvn)
			return DM_E_VALUE;
	}
	memset(e, 0, sizeof e);
	e[0] = k->kvn;
	e[1] = k->len;
	memcpy(e + 8, k->enc, k->len);
	memcpy(e + 40, k->mac, k->len);
	memcpy(e + 72, k->dek, k->len);
	rc = dm_applet_store_write(ctx, base + K_SCP + (uint32_t)role * K_SCP_SZ, e, sizeof e);
	dm_wipe(e, sizeof e);
	if (rc != DM_OK)
		return rc;
	return flags_add(ctx, base, F_SCP(role));
}

int dm_keys_generate_card(dm_applet_ctx *ctx)
{
	uint8_t rec[32 + DM_KEYS_POINT_LEN];
	unsigned long n = DM_KEYS_POINT_LEN;
	ecc_key key;
	uint32_t base;
	int rc = dm_keys_crypto_init();

	if (rc != DM_OK)
		return rc;
	if (ctx == NULL)
		return DM_E_ARG;
	rc = block(ctx, true, &base);
	if (rc != DM_OK)
		return rc;
	if (ecc_make_key(NULL, find_prng("sprng"), 32, &key) != CRYPT_OK)
		return DM_E_CRYPTO;
	memset(rec, 0, sizeof rec);
	size_t klen = mp_ubin_size(key.k), written;
	if (klen > 32 || mp_to_ubin(key.k, rec + 32 - klen, klen, &written) != MP_OKAY ||
	    ecc_ansi_x963_export(&key, rec + 32, &n) != CRYPT_OK || n != DM_KEYS_POINT_LEN)
		rc = DM_E_CRYPTO;
	ecc_free(&key);
	if (rc == DM_OK)
		rc = dm_applet_store_write(ctx, base + K_CARD, rec, sizeof rec);
	dm_wipe(rec, sizeof rec);
	if (rc != DM_OK)
		return rc;
	return flags_add(ctx, base, F_CARD);
}

int dm_keys_set_public(dm_applet_ctx *ctx, dm_keys_pub which, const uint8_t *point, size_t len)
{
	uint32_t base;
	int rc = dm_keys_crypto_init();

	if (rc != DM_OK)
		return rc;
	if (ctx == NULL || point == NULL || (unsigned)which >= DM_KEYS_PUBS)
		return DM_E_ARG;
	if (len != DM_KEYS_POINT_LEN)
		return DM_E_LENGTH;
	if (point[0] != 0x04 || !on_curve(point))
		return DM_E_VALUE;
	rc = block(ctx, true, &base);
	if (rc == DM_OK)
		rc = dm_applet_store_write(ctx, base + K_PUB + (uint32_t)which * K_PUB_SZ, point, len);
	if (rc != DM_OK)
		return rc;
	return flags_add(ctx, base, F_PUB(which));
}

/* --- use --- */

int dm_keys_get_scp03(dm_applet_ctx *ctx, uint8_t kvn, dm_keys_role *role, dm_scp03_keys *out)
{
	uint8_t e[K_SCP_SZ];
	uint32_t base, f;
	int rc;

	if (ctx == NULL || role == NULL || out == NULL)
		return DM_E_ARG;
	rc = block(ctx, false, &base);
	if (rc == DM_OK)
		rc = flags_get(ctx, base, &f);
	if (rc != DM_OK)
		return rc;
	for (unsigned r = 0; r < DM_KEYS_ROLES; r++) {
		if (!(f & F_SCP(r)))
			continue;
		rc = dm_applet_store_read(ctx, base + K_SCP + r * K_SCP_SZ, e, sizeof e);
		if (rc != DM_OK)
			break;
		if (e[0] == kvn || (kvn == 0 && r == DM_KEYS_ROLE_DEVICE)) {
			*role = (dm_keys_role)r;
			rc = dm_scp03_keys_set(out, e + 8, e + 40, e[1]);
			dm_wipe(e, sizeof e);
			return rc == DM_OK ? DM_OK : DM_E_CORRUPT;
		}
	}
	dm_wipe(e, sizeof e);
	return rc != DM_OK ? rc : DM_E_NOT_FOUND;
}

int dm_keys_scp03_seq(dm_applet_ctx *ctx, dm_keys_role role, uint32_t *seq)
{
	uint32_t base;
	int rc;

	if (ctx == NULL || seq == NULL || (unsigned)role >= DM_KEYS_ROLES)
		return DM_E_ARG;
	rc = block(ctx, false, &base);
	if (rc != DM_OK)
		return rc;
	return read_u32(ctx, base + K_SCP + (uint32_t)role * K_SCP_SZ + 4, seq);
}

int dm_keys_scp03_seq_next(dm_applet_ctx *ctx, dm_keys_role role, uint32_t *seq)
{
	uint32_t base, v;
	int rc = dm_keys_scp03_seq(ctx, role, &v);

	if (rc != DM_OK)
		return rc;
	if (v >= DM_SCP03_SEQ_MAX)
		return DM_E_STATE;
	rc = block(ctx, false, &base);
	if (rc == DM_OK)
		rc = write_u32(ctx, base + K_SCP + (uint32_t)role * K_SCP_SZ + 4, v + 1);
	if (rc == DM_OK)
		*seq = v + 1;
	return rc;
}

static int card_present(dm_applet_ctx *ctx, uint32_t *base)
{
	uint32_t f;
	int rc = block(ctx, false, base);

	if (rc == DM_OK)
		rc = flags_get(ctx, *base, &f);
	if (rc == DM_OK && !(f & F_CARD))
		rc = DM_E_NOT_FOUND;
	return rc;
}

int dm_keys_card_public(dm_applet_ctx *ctx, uint8_t out[DM_KEYS_POINT_LEN])
{
	uint32_t base;
	int rc;

	if (ctx == NULL || out == NULL)
		return DM_E_ARG;
	rc = card_present(ctx, &base);
	if (rc != DM_OK)
		return rc;
	return dm_applet_store_read(ctx, base + K_CARD + 32, out, DM_KEYS_POINT_LEN);
}

int dm_keys_card_sign(dm_applet_ctx *ctx, const uint8_t hash[DM_KEYS_HASH_LEN],
		      uint8_t sig[DM_KEYS_SIG_LEN])
{
	uint8_t rec[32 + DM_KEYS_POINT_LEN];
	unsigned long n = DM_KEYS_SIG_LEN;
	ecc_key key;
	uint32_t base;
	int rc = dm_keys_crypto_init();

	if (rc != DM_OK)
		return rc;
	if (ctx == NULL || hash == NULL || sig == NULL)
		return DM_E_ARG;
	rc = card_present(ctx, &base);
	if (rc == DM_OK)
		rc = dm_applet_store_read(ctx, base + K_CARD, rec, sizeof rec);
	if (rc != DM_OK)
		return rc;
	rc = import_public(rec + 32, &key);
	if (rc != DM_OK) {
		dm_wipe(rec, sizeof rec);
		return DM_E_CORRUPT;
	}
	/* 1.18 has no raw private import: load d into the public key's k. */
	if (mp_from_ubin(key.k, rec, 32) != MP_OKAY)
		rc = DM_E_CRYPTO;
	key.type = PK_PRIVATE;
	dm_wipe(rec, sizeof rec);
	if (rc == DM_OK && ecc_sign_hash_rfc7518(hash, DM_KEYS_HASH_LEN, sig, &n, NULL,
						 find_prng("sprng"), &key) != CRYPT_OK)
		rc = DM_E_CRYPTO;
	if (rc == DM_OK && n != DM_KEYS_SIG_LEN)
		rc = DM_E_CRYPTO;
	mp_zero(key.k);
	ecc_free(&key);
	return rc;
}

int dm_keys_get_public(dm_applet_ctx *ctx, dm_keys_pub which, uint8_t out[DM_KEYS_POINT_LEN])
{
	uint32_t base, f;
	int rc;

	if (ctx == NULL || out == NULL || (unsigned)which >= DM_KEYS_PUBS)
		return DM_E_ARG;
	rc = block(ctx, false, &base);
	if (rc == DM_OK)
		rc = flags_get(ctx, base, &f);
	if (rc != DM_OK)
		return rc;
	if (!(f & F_PUB(which)))
		return DM_E_NOT_FOUND;
	return dm_applet_store_read(ctx, base + K_PUB + (uint32_t)which * K_PUB_SZ, out,
				    DM_KEYS_POINT_LEN);
}

int dm_keys_verify(dm_applet_ctx *ctx, dm_keys_pub which, const uint8_t *hash, size_t hash_len,
		   const uint8_t *sig, size_t sig_len)
{
	uint8_t point[DM_KEYS_POINT_LEN];
	ecc_key key;
	int stat = 0, crc;
	int rc = dm_keys_crypto_init();

	if (rc != DM_OK)
		return rc;
	if (hash == NULL || sig == NULL)
		return DM_E_ARG;
	if (hash_len == 0 || hash_len > 64 || sig_len == 0)
		return DM_E_LENGTH;
	rc = dm_keys_get_public(ctx, which, point);
	if (rc != DM_OK)
		return rc;
	if (import_public(point, &key) != DM_OK)
		return DM_E_CORRUPT;
	if (sig_len == DM_KEYS_SIG_LEN)
		crc = ecc_verify_hash_rfc7518(sig, sig_len, hash, hash_len, &stat, &key);
	else if (sig[0] == 0x30 && sig_len <= 72)
		crc = ecc_verify_hash(sig, sig_len, hash, hash_len, &stat, &key);
	else
		crc = CRYPT_INVALID_PACKET;
	ecc_free(&key);
	if (crc == CRYPT_INVALID_PACKET || crc == CRYPT_INVALID_ARG)
		return DM_E_VALUE;
	return crc == CRYPT_OK && stat == 1 ? DM_OK : DM_E_CRYPTO;
}

int dm_keys_counter(dm_applet_ctx *ctx, dm_keys_ctr which, uint32_t *value)
{
	uint32_t base;
	int rc;

	if (ctx == NULL || value == NULL || (unsigned)which >= DM_KEYS_CTRS)
		return DM_E_ARG;
	rc = block(ctx, false, &base);
	if (rc == DM_E_NOT_FOUND) {
		*value = 0;
		return DM_OK;
	}
	if (rc != DM_OK)
		return rc;
	return read_u32(ctx, base + K_CTR + 4u * (uint32_t)which, value);
}

int dm_keys_counter_set(dm_applet_ctx *ctx, dm_keys_ctr which, uint32_t value)
{
	uint32_t base;
	int rc;

	if (ctx == NULL || (unsigned)which >= DM_KEYS_CTRS)
		return DM_E_ARG;
	rc = block(ctx, true, &base);
	if (rc != DM_OK)
		return rc;
	return write_u32(ctx, base + K_CTR + 4u * (uint32_t)which, value);
}

int dm_keys_get_info(dm_applet_ctx *ctx, dm_keys_info *out)
{
	uint8_t hdr[8];
	uint32_t base, f;
	int rc;

	if (ctx == NULL || out == NULL)
		return DM_E_ARG;
	memset(out, 0, sizeof *out);
	rc = block(ctx, false, &base);
	if (rc == DM_E_NOT_FOUND)
		return DM_OK;
	if (rc == DM_OK)
		rc = flags_get(ctx, base, &f);
	if (rc != DM_OK)
		return rc;
	for (unsigned r = 0; r < DM_KEYS_ROLES && rc == DM_OK; r++) {
		if (!(f & F_SCP(r)))
			continue;
		rc = dm_applet_store_read(ctx, base + K_SCP + r * K_SCP_SZ, hdr, sizeof hdr);
		out->scp03[r] = true;
		out->kvn[r] = hdr[0];
		out->key_len[r] = hdr[1];
		out->seq[r] = dm_get_u32be(hdr + 4);
	}
	if (rc == DM_OK && (f & F_CARD)) {
		out->card_key = true;
		rc = dm_keys_card_public(ctx, out->card_pub);
	}
	for (unsigned w = 0; w < DM_KEYS_PUBS && rc == DM_OK; w++) {
		if (!(f & F_PUB(w)))
			continue;
		out->pub[w] = true;
		rc = dm_keys_get_public(ctx, (dm_keys_pub)w, out->pub_point[w]);
	}
	for (unsigned c = 0; c < DM_KEYS_CTRS && rc == DM_OK; c++)
		rc = read_u32(ctx, base + K_CTR + 4u * c, &out->ctr[c]);
	return rc;
}
