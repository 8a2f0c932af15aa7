/*
 * pkcs15.c - PKCS#15 / ISO/IEC 7816-15 DER pieces of the card profile
 * (what is accepted: pkcs15.h).  Built on the BER-TLV codec (tlv.h); DER
 * tags used here are all one byte.
 */
#include "pkcs15.h"

#include <stdio.h>
#include <string.h>

#include "tlv.h"

/* DER universal tags (X.690 §8) and the context tags of PKCS#15. */
#define T_INTEGER   0x02u
#define T_BITSTR    0x03u
#define T_OCTETS    0x04u
#define T_OID       0x06u
#define T_UTF8      0x0Cu
#define T_SEQ       0x30u
#define T_CTX0      0x80u   /* Path.length [0] */
#define T_CTX0_C    0xA0u   /* [0] constructed: subClassAttributes, externalIDO */
#define T_CTX1_C    0xA1u   /* [1] constructed: oidDO, typeAttributes */

/* ISO 7816-4 §8.2.1.3 application template and its data objects. */
#define T_APP_TEMPLATE 0x61u
#define T_APP_AID      0x4Fu
#define T_APP_LABEL    0x50u
#define T_APP_PATH     0x51u

static bool path_size_ok(size_t n)
{
	/* FIDs are two bytes each (ISO 7816-4 §7.1.1); up to 8 levels. */
	return n >= 2 && n <= DM_P15_PATH_MAX && n % 2 == 0;
}

static bool only_padding(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0x00 && p[i] != 0xFF)
			return false;
	return true;
}

/* Next TLV of a DER SEQUENCE's content.  Unlike dm_tlv_next, no padding:
 * inside DER a 00 or FF byte is an error, not filler. */
static int der_next(dm_tlv_iter *it, dm_tlv *t)
{
	size_t used;
	int rc;

	if (it->left == 0)
		return 0;
	rc = dm_tlv_parse(it->p, it->left, t, &used);
	if (rc != DM_OK)
		return rc;
	it->p += used;
	it->left -= used;
	return 1;
}

/* Next TLV, which must exist and carry `tag`. */
static int der_expect(dm_tlv_iter *it, uint32_t tag, dm_tlv *t)
{
	int rc = der_next(it, t);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return DM_E_TRUNCATED;
	return t->tag == tag ? DM_OK : DM_E_TAG;
}

/* Non-negative INTEGER of at most 32 bits (X.690 §8.3). */
static int der_u32(const dm_tlv *t, uint32_t *v)
{
	if (t->len == 0 || t->len > 5 || (t->value[0] & 0x80))
		return DM_E_VALUE;
	if (t->len == 5 && t->value[0] != 0)
		return DM_E_VALUE;
	*v = 0;
	for (size_t i = 0; i < t->len; i++)
		*v = (*v << 8) | t->value[i];
	return DM_OK;
}

/* Minimal DER INTEGER content of v: 1..5 bytes into b; returns the count. */
static size_t der_u32_bytes(uint32_t v, uint8_t b[5])
{
	uint8_t tmp[5] = { 0, (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	size_t s = 0;

	/* Drop leading zero bytes while the next byte keeps b8 clear. */
	while (s < 4 && tmp[s] == 0 && !(tmp[s + 1] & 0x80))
		s++;
	memcpy(b, tmp + s, 5 - s);
	return 5 - s;
}

static int der_put_u32(dm_wbuf *w, uint32_t tag, uint32_t v)
{
	uint8_t b[5];
	size_t n = der_u32_bytes(v, b);
	return dm_tlv_put(w, tag, b, n);
}

/* --- Path ---------------------------------------------------------------- */

static int path_parse(const dm_tlv *seq, dm_p15_path *out)
{
	dm_tlv_iter it;
	dm_tlv t;
	int rc;

	memset(out, 0, sizeof *out);
	dm_tlv_iter_init(&it, seq->value, seq->len);
	rc = der_expect(&it, T_OCTETS, &t);
	if (rc != DM_OK)
		return rc;
	if (!path_size_ok(t.len))
		return DM_E_VALUE;
	out->efid = dm_bytes_of(t.value, t.len);

	rc = der_next(&it, &t);
	if (rc > 0 && t.tag == T_INTEGER) {
		rc = der_u32(&t, &out->index);
		if (rc != DM_OK)
			return rc;
		out->has_index = true;
		rc = der_next(&it, &t);
	}
	if (rc > 0 && t.tag == T_CTX0) {
		rc = der_u32(&t, &out->length);
		if (rc != DM_OK)
			return rc;
		out->has_length = true;
		rc = der_next(&it, &t);
	}
	/* Later elements (none in PKCS#15 v1.1) are ignored; malformed ones are not. */
	while (rc > 0)
		rc = der_next(&it, &t);
	return rc < 0 ? rc : DM_OK;
}

static int path_put(dm_wbuf *w, const dm_p15_path *p)
{
	size_t m;
	int rc;

	if (p->efid.ptr == NULL || !path_size_ok(p->efid.len))
		return DM_E_VALUE;
	rc = dm_tlv_begin(w, T_SEQ, &m);
	if (rc == DM_OK)
		rc = dm_tlv_put(w, T_OCTETS, p->efid.ptr, p->efid.len);
	if (rc == DM_OK && p->has_index)
		rc = der_put_u32(w, T_INTEGER, p->index);
	if (rc == DM_OK && p->has_length)
		rc = der_put_u32(w, T_CTX0, p->length);
	if (rc == DM_OK)
		rc = dm_tlv_end(w, m);
	return rc;
}

/* Run a builder step list; on failure restore out->len (nothing partial). */
static int build_done(dm_wbuf *out, size_t start, int rc)
{
	if (rc != DM_OK)
		out->len = start;
	return rc;
}

/* --- EF_DIR -------------------------------------------------------------- */

int dm_p15_dir_parse(const uint8_t *rec, size_t len, dm_p15_app *out)
{
	dm_tlv tmpl, t;
	dm_tlv_iter it;
	size_t used;
	bool have_aid = false;
	int rc;

	if (out == NULL || (rec == NULL && len != 0))
		return DM_E_ARG;
	memset(out, 0, sizeof *out);
	rc = dm_tlv_parse(rec, len, &tmpl, &used);
	if (rc != DM_OK)
		return rc;
	if (tmpl.tag != T_APP_TEMPLATE)
		return DM_E_TAG;
	/* Linear fixed records are padded to the record size (ISO 7816-4 §7.3.2). */
	if (!only_padding(rec + used, len - used))
		return DM_E_TRAILING;

	dm_tlv_iter_init(&it, tmpl.value, tmpl.len);
	while ((rc = dm_tlv_next(&it, &t)) == 1) {
		if (t.tag == T_APP_AID && !have_aid) {
			if (t.len == 0 || t.len > DM_P15_AID_MAX)
				return DM_E_VALUE;
			out->aid = dm_bytes_of(t.value, t.len);
			have_aid = true;
		} else if (t.tag == T_APP_LABEL && out->label.ptr == NULL) {
			out->label = dm_bytes_of(t.value, t.len);
		} else if (t.tag == T_APP_PATH && out->path.ptr == NULL) {
			if (!path_size_ok(t.len))
				return DM_E_VALUE;
			out->path = dm_bytes_of(t.value, t.len);
		}
	}
	if (rc < 0)
		return rc;
	return have_aid ? DM_OK : DM_E_NOT_FOUND;
}

int dm_p15_dir_build(const dm_p15_app *app, dm_wbuf *out)
{
	size_t start, m;
	int rc;

	if (app == NULL || out == NULL || app->aid.ptr == NULL ||
	    (app->label.ptr == NULL && app->label.len) || (app->path.ptr == NULL && app->path.len))
		return DM_E_ARG;
	if (app->aid.len == 0 || app->aid.len > DM_P15_AID_MAX)
		return DM_E_VALUE;
	if (app->path.len && !path_size_ok(app->path.len))
		return DM_E_VALUE;
	start = out->len;
	rc = dm_tlv_begin(out, T_APP_TEMPLATE, &m);
	if (rc == DM_OK)
		rc = dm_tlv_put(out, T_APP_AID, app->aid.ptr, app->aid.len);
	if (rc == DM_OK && app->label.len)
		rc = dm_tlv_put(out, T_APP_LABEL, app->label.ptr, app->label.len);
	if (rc == DM_OK && app->path.len)
		rc = dm_tlv_put(out, T_APP_PATH, app->path.ptr, app->path.len);
	if (rc == DM_OK)
		rc = dm_tlv_end(out, m);
	return build_done(out, start, rc);
}

/* --- ODF ------------------------------------------------------------------ */

int dm_p15_odf_next(dm_tlv_iter *it, dm_p15_odf_entry *out)
{
	dm_tlv t, seq;
	int rc;

	if (it == NULL || out == NULL)
		return DM_E_ARG;
	/* dm_tlv_next skips the 00/FF padding of a whole EF (PKCS#15 §6.1)
	 * and does not advance past a framing error. */
	while ((rc = dm_tlv_next(it, &t)) == 1) {
		if (t.tag < DM_P15_ODF_PRKDF || t.tag > DM_P15_ODF_AODF)
			return DM_E_TAG;
		/* PathOrObjects: only the path form says where the xDF is. */
		dm_tlv_iter in;
		dm_tlv_iter_init(&in, t.value, t.len);
		rc = der_next(&in, &seq);
		if (rc < 0)
			return rc;
		if (rc == 0 || seq.tag != T_SEQ)
			continue;
		memset(out, 0, sizeof *out);
		out->type = (uint8_t)t.tag;
		rc = path_parse(&seq, &out->path);
		return rc == DM_OK ? 1 : rc;
	}
	return rc;
}

int dm_p15_odf_find(const uint8_t *odf, size_t len, uint8_t type, dm_p15_path *out)
{
	dm_tlv_iter it;
	dm_p15_odf_entry e;
	int rc;

	if (out == NULL || (odf == NULL && len != 0))
		return DM_E_ARG;
	dm_tlv_iter_init(&it, odf, len);
	while ((rc = dm_p15_odf_next(&it, &e)) == 1) {
		if (e.type == type) {
			*out = e.path;
			return DM_OK;
		}
	}
	return rc == 0 ? DM_E_NOT_FOUND : rc;
}

int dm_p15_odf_build_entry(uint8_t type, const dm_p15_path *path, dm_wbuf *out)
{
	size_t start, m;
	int rc;

	if (path == NULL || out == NULL)
		return DM_E_ARG;
	if (type < DM_P15_ODF_PRKDF || type > DM_P15_ODF_AODF)
		return DM_E_VALUE;
	start = out->len;
	rc = dm_tlv_begin(out, type, &m);
	if (rc == DM_OK)
		rc = path_put(out, path);
	if (rc == DM_OK)
		rc = dm_tlv_end(out, m);
	return build_done(out, start, rc);
}

/* --- OBJECT IDENTIFIER ------------------------------------------------------ */

/* Read one base-128 subidentifier (X.690 §8.19.2) at oid[*pos]. */
static int oid_subid(const uint8_t *oid, size_t len, size_t *pos, uint32_t *v)
{
	size_t i = *pos;

	/* 80 as a first byte would be a non-minimal (padded) encoding. */
	if (oid[i] == 0x80)
		return DM_E_VALUE;
	*v = 0;
	for (;;) {
		if (i >= len || *v > (UINT32_MAX >> 7))
			return DM_E_VALUE;
		*v = (*v << 7) | (oid[i] & 0x7Fu);
		if (!(oid[i++] & 0x80))
			break;
	}
	*pos = i;
	return DM_OK;
}

int dm_p15_oid_to_text(const uint8_t *oid, size_t len, char *out, size_t cap)
{
	size_t pos = 0, n = 0;
	uint32_t v;
	int rc, k;

	if (out == NULL || cap == 0 || (oid == NULL && len != 0))
		return DM_E_ARG;
	out[0] = '\0';
	if (len == 0 || len > DM_P15_OID_MAX)
		return DM_E_VALUE;
	while (pos < len) {
		rc = oid_subid(oid, len, &pos, &v);
		if (rc != DM_OK) {
			out[0] = '\0';
			return rc;
		}
		if (n == 0) {
			/* First subidentifier = 40 * arc1 + arc2 (X.690 §8.19.4). */
			unsigned a = v < 40 ? 0 : v < 80 ? 1 : 2;
			k = snprintf(out, cap, "%u.%lu", a, (unsigned long)(v - 40u * a));
		} else {
			k = snprintf(out + n, cap - n, ".%lu", (unsigned long)v);
		}
		if (k < 0 || (size_t)k >= cap - n) {
			out[0] = '\0';
			return DM_E_OVERFLOW;
		}
		n += (size_t)k;
	}
	return DM_OK;
}

/* Parse one decimal arc at *s: digits, no leading zero, < 2^32. */
static int oid_arc(const char **s, uint32_t *v)
{
	const char *p = *s;
	uint64_t x = 0;

	if (*p < '0' || *p > '9')
		return DM_E_VALUE;
	if (p[0] == '0' && p[1] >= '0' && p[1] <= '9')
		return DM_E_VALUE;
	while (*p >= '0' && *p <= '9') {
		x = x * 10 + (uint64_t)(*p++ - '0');
		if (x > UINT32_MAX)
			return DM_E_VALUE;
	}
	*v = (uint32_t)x;
	*s = p;
	return DM_OK;
}

static void oid_put_subid(uint8_t *b, size_t *n, uint32_t v)
{
	uint8_t tmp[5];
	size_t k = 0;

	do {
		tmp[k++] = (uint8_t)(v & 0x7F);
		v >>= 7;
	} while (v);
	while (k > 0) {
		k--;
		b[(*n)++] = (uint8_t)(tmp[k] | (k ? 0x80 : 0x00));
	}
}

int dm_p15_oid_from_text(const char *text, dm_wbuf *out)
{
	uint8_t b[DM_P15_OID_MAX + 5];
	size_t n = 0, arcs = 0;
	uint32_t first = 0, v;
	const char *s = text;

	if (text == NULL || out == NULL)
		return DM_E_ARG;
	for (;;) {
		if (oid_arc(&s, &v) != DM_OK)
			return DM_E_VALUE;
		if (arcs == 0) {
			if (v > 2)
				return DM_E_VALUE;
			first = v;
		} else {
			if (arcs == 1) {
				if ((first < 2 && v >= 40) || v > UINT32_MAX - 80)
					return DM_E_VALUE;
				v += 40 * first;
			}
			if (n > DM_P15_OID_MAX)
				return DM_E_VALUE;
			oid_put_subid(b, &n, v);
		}
		arcs++;
		if (*s == '\0')
			break;
		if (*s != '.')
			return DM_E_VALUE;
		s++;
	}
	if (arcs < 2 || n > DM_P15_OID_MAX)
		return DM_E_VALUE;
	return dm_wbuf_put(out, b, n);
}

/* --- DODF ------------------------------------------------------------------ */

/* CommonObjectAttributes (PKCS#15 §6.1.4): label, flags, authId; the rest
 * (userConsent, accessControlRules) is not needed by the profile. */
static int common_attrs_parse(const dm_tlv *seq, dm_p15_dobj *out)
{
	dm_tlv_iter it;
	dm_tlv t;
	int rc;

	dm_tlv_iter_init(&it, seq->value, seq->len);
	while ((rc = der_next(&it, &t)) == 1) {
		if (t.tag == T_UTF8 && out->label.ptr == NULL) {
			out->label = dm_bytes_of(t.value, t.len);
		} else if (t.tag == T_BITSTR) {
			/* BIT STRING: unused-bit count, then bits from b8 of the
			 * first content byte (X.690 §8.6.2). */
			if (t.len == 0 || t.value[0] > 7 || (t.len == 1 && t.value[0] != 0))
				return DM_E_VALUE;
			out->flags = 0;
			if (t.len > 1) {
				uint8_t b = t.value[1];
				if (t.len == 2)
					b &= (uint8_t)(0xFF << t.value[0]);
				out->flags = (uint8_t)(((b & 0x80) ? DM_P15_FLAG_PRIVATE : 0) |
						       ((b & 0x40) ? DM_P15_FLAG_MODIFIABLE : 0));
			}
		} else if (t.tag == T_OCTETS && out->auth_id.ptr == NULL) {
			out->auth_id = dm_bytes_of(t.value, t.len);
		}
	}
	return rc;
}

/* OidDO ::= SEQUENCE { id OBJECT IDENTIFIER, value ObjectValue } with
 * ObjectValue's indirect form, a Path (PKCS#15 §6.7). */
static int oid_do_parse(const dm_tlv *seq, dm_p15_dobj *out)
{
	dm_tlv_iter it;
	dm_tlv t;
	int rc;

	dm_tlv_iter_init(&it, seq->value, seq->len);
	rc = der_expect(&it, T_OID, &t);
	if (rc != DM_OK)
		return rc;
	const uint8_t *oid = t.value;
	size_t olen = t.len;
	/* Double-wrapped "06 L 06 L' oid" from cards that encode twice. */
	if (olen >= 3 && oid[0] == T_OID && oid[1] < 0x80 && (size_t)oid[1] == olen - 2) {
		oid += 2;
		olen -= 2;
	}
	rc = dm_p15_oid_to_text(oid, olen, out->oid_text, sizeof out->oid_text);
	if (rc != DM_OK)
		return rc;
	out->oid = dm_bytes_of(oid, olen);

	/* Extra OBJECT IDENTIFIERs some cards add before the value: skipped. */
	do {
		rc = der_next(&it, &t);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return DM_E_TRUNCATED;
	} while (t.tag == T_OID);
	if (t.tag != T_SEQ)
		return t.tag == T_CTX0_C ? DM_E_UNSUPPORTED : DM_E_TAG;
	return path_parse(&t, &out->path);
}

/* The content of an oidDO [1] object. */
static int dobj_parse_content(const dm_tlv *obj, dm_p15_dobj *out)
{
	dm_tlv_iter it;
	dm_tlv t;
	int rc;

	dm_tlv_iter_init(&it, obj->value, obj->len);
	rc = der_expect(&it, T_SEQ, &t);
	if (rc != DM_OK)
		return rc;
	rc = common_attrs_parse(&t, out);
	if (rc != DM_OK)
		return rc;
	/* classAttributes (content not needed), then optional subClass [0]. */
	rc = der_next(&it, &t);
	if (rc == 1 && t.tag == T_SEQ)
		rc = der_next(&it, &t);
	if (rc == 1 && t.tag == T_CTX0_C)
		rc = der_next(&it, &t);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return DM_E_TRUNCATED;
	if (t.tag != T_CTX1_C)
		return DM_E_TAG;

	/* typeAttributes [1] { OidDO } */
	dm_tlv_iter ti;
	dm_tlv seq;
	dm_tlv_iter_init(&ti, t.value, t.len);
	rc = der_expect(&ti, T_SEQ, &seq);
	if (rc != DM_OK)
		return rc;
	return oid_do_parse(&seq, out);
}

static int dobj_parse_tlv(const dm_tlv *obj, dm_p15_dobj *out)
{
	memset(out, 0, sizeof *out);
	if (obj->tag != T_CTX1_C)
		return DM_E_TAG;
	int rc = dobj_parse_content(obj, out);
	if (rc != DM_OK)
		memset(out, 0, sizeof *out);
	return rc;
}

int dm_p15_dobj_parse(const uint8_t *in, size_t len, dm_p15_dobj *out)
{
	dm_tlv t;
	int rc;

	if (out == NULL || (in == NULL && len != 0))
		return DM_E_ARG;
	rc = dm_tlv_parse_exact(in, len, &t);
	if (rc != DM_OK)
		return rc;
	return dobj_parse_tlv(&t, out);
}

int dm_p15_dodf_next(dm_tlv_iter *it, dm_p15_dobj *out)
{
	dm_tlv t;
	int rc;

	if (it == NULL || out == NULL)
		return DM_E_ARG;
	while ((rc = dm_tlv_next(it, &t)) == 1) {
		/* DataType (PKCS#15 §6.7): opaqueDO 30, externalIDO A0: not ours. */
		if (t.tag == T_SEQ || t.tag == T_CTX0_C)
			continue;
		rc = dobj_parse_tlv(&t, out);
		return rc == DM_OK ? 1 : rc;
	}
	return rc;
}

static int flags_put(dm_wbuf *w, uint8_t flags)
{
	uint8_t bits = (uint8_t)(((flags & DM_P15_FLAG_PRIVATE) ? 0x80 : 0) |
				 ((flags & DM_P15_FLAG_MODIFIABLE) ? 0x40 : 0));
	/* DER: trailing zero bits of a named-bit list are dropped (X.690 §11.2.2). */
	if (bits == 0)
		return dm_tlv_put(w, T_BITSTR, "\x00", 1);
	uint8_t v[2] = { (uint8_t)((bits & 0x40) ? 6 : 7), bits };
	return dm_tlv_put(w, T_BITSTR, v, 2);
}

int dm_p15_dobj_build(const dm_p15_dobj *o, dm_wbuf *out)
{
	size_t start, m_obj, m, m_type, m_oid;
	int rc;

	if (o == NULL || out == NULL || o->oid.ptr == NULL ||
	    (o->label.ptr == NULL && o->label.len) || (o->auth_id.ptr == NULL && o->auth_id.len))
		return DM_E_ARG;
	if (o->flags & ~(DM_P15_FLAG_PRIVATE | DM_P15_FLAG_MODIFIABLE))
		return DM_E_VALUE;
	/* Only a well-formed OID is written. */
	char text[DM_P15_OID_TEXT_MAX];
	rc = dm_p15_oid_to_text(o->oid.ptr, o->oid.len, text, sizeof text);
	if (rc != DM_OK)
		return rc;

	start = out->len;
	rc = dm_tlv_begin(out, T_CTX1_C, &m_obj);
	if (rc == DM_OK)
		rc = dm_tlv_begin(out, T_SEQ, &m);
	if (rc == DM_OK && o->label.len)
		rc = dm_tlv_put(out, T_UTF8, o->label.ptr, o->label.len);
	if (rc == DM_OK)
		rc = flags_put(out, o->flags);
	if (rc == DM_OK && o->auth_id.len)
		rc = dm_tlv_put(out, T_OCTETS, o->auth_id.ptr, o->auth_id.len);
	if (rc == DM_OK)
		rc = dm_tlv_end(out, m);
	if (rc == DM_OK)
		rc = dm_tlv_put(out, T_SEQ, NULL, 0);
	if (rc == DM_OK)
		rc = dm_tlv_begin(out, T_CTX1_C, &m_type);
	if (rc == DM_OK)
		rc = dm_tlv_begin(out, T_SEQ, &m_oid);
	if (rc == DM_OK)
		rc = dm_tlv_put(out, T_OID, o->oid.ptr, o->oid.len);
	if (rc == DM_OK)
		rc = path_put(out, &o->path);
	if (rc == DM_OK)
		rc = dm_tlv_end(out, m_oid);
	if (rc == DM_OK)
		rc = dm_tlv_end(out, m_type);
	if (rc == DM_OK)
		rc = dm_tlv_end(out, m_obj);
	return build_done(out, start, rc);
}
