/*
 * arr.c - access rule codec (arr.h; TS 102 221 §9.2, ISO/IEC 7816-4 §5.4.3).
 *
 * Every function reads only within the caller's bounds: TLV lengths are
 * checked by dm_tlv_parse before a value is touched, compact sets are
 * counted before their SC bytes are read.
 */
#include "arr.h"

#include "tlv.h"

/* Set bits of b7-b1: the number of SC bytes after a compact AM byte. */
static size_t am_sc_count(uint8_t am)
{
	size_t n = 0;

	for (uint8_t bit = 0x40; bit != 0; bit >>= 1)
		n += (am & bit) != 0;
	return n;
}

static bool is_am_do(uint32_t tag)
{
	return tag >= DM_ARR_TAG_AM_BYTE && tag <= DM_ARR_TAG_AM_CMD_MAX;
}

static bool is_sc_do(uint32_t tag)
{
	switch (tag) {
	case DM_ARR_TAG_ALWAYS:
	case DM_ARR_TAG_NEVER:
	case DM_ARR_TAG_SC_BYTE:
	case DM_ARR_TAG_OR:
	case DM_ARR_TAG_AUTH:
	case DM_ARR_TAG_NOT:
	case DM_ARR_TAG_AND:
	case 0xB4: /* CRT for cryptographic checksum (SM) */
	case 0xB6: /* CRT for digital signature (SM) */
	case 0xB8: /* CRT for confidentiality (SM) */
		return true;
	default:
		return false;
	}
}

/* Skip ISO 7816-4 §5.2.2 padding (00/FF) between objects. */
static void skip_padding(dm_arr_iter *it)
{
	while (it->left > 0 && (it->p[0] == 0x00 || it->p[0] == 0xFF)) {
		it->p++;
		it->left--;
	}
}

/* The next object of a level: 1 and *t (*used bytes, padding not
 * included, the iterator not moved); 0 at the end; < 0 on TLV damage. */
static int peek(dm_arr_iter *it, dm_tlv *t, size_t *used)
{
	skip_padding(it);
	if (it->left == 0)
		return 0;
	int rc = dm_tlv_parse(it->p, it->left, t, used);
	return rc == DM_OK ? 1 : rc;
}

void dm_arr_iter_init(dm_arr_iter *it, const uint8_t *in, size_t len)
{
	it->p = in;
	it->left = in != NULL ? len : 0;
}

/* Fill r from an AM_DO (ISO 7816-4 §5.4.3.3 table 19). */
static int am_do(const dm_tlv *t, dm_arr_rule *r)
{
	*r = (dm_arr_rule){ 0 };
	if (t->tag == DM_ARR_TAG_AM_BYTE) {
		if (t->len != 1)
			return DM_E_VALUE;
		r->am = t->value[0];
		return DM_OK;
	}
	/* 81..8F: one byte per header field named in b4-b1, in CLA INS P1 P2 order. */
	uint8_t present = (uint8_t)(t->tag & 0x0F);
	size_t want = am_sc_count(present);
	const uint8_t *v = t->value;

	if (t->len != want)
		return DM_E_VALUE;
	r->command = true;
	r->present = present;
	if (present & DM_ARR_CMD_CLA)
		r->cla = *v++;
	if (present & DM_ARR_CMD_INS)
		r->ins = *v++;
	if (present & DM_ARR_CMD_P1)
		r->p1 = *v++;
	if (present & DM_ARR_CMD_P2)
		r->p2 = *v;
	return DM_OK;
}

int dm_arr_next(dm_arr_iter *it, dm_arr_rule *out)
{
	dm_tlv t;
	size_t used;
	int rc;

	if (it == NULL || out == NULL)
		return DM_E_ARG;
	rc = peek(it, &t, &used);
	if (rc != 1)
		return rc;
	if (!is_am_do(t.tag))
		return is_sc_do(t.tag) ? DM_E_VALUE : DM_E_UNSUPPORTED;
	rc = am_do(&t, out);
	if (rc != DM_OK)
		return rc;

	/* The SC_DOs: every object up to the next AM_DO or the end. */
	const uint8_t *sc = it->p + used;
	size_t left = it->left - used;
	dm_arr_iter sci = { sc, left };
	size_t sc_len = 0;
	bool any = false;

	for (;;) {
		rc = peek(&sci, &t, &used);
		if (rc < 0)
			return rc;
		if (rc == 0 || is_am_do(t.tag))
			break;
		if (!is_sc_do(t.tag))
			return DM_E_UNSUPPORTED;
		any = true;
		sci.p += used;
		sci.left -= used;
		sc_len = (size_t)(sci.p - sc);
	}
	if (!any)
		return DM_E_VALUE;
	out->sc = sc;
	out->sc_len = sc_len;
	it->p = sc + sc_len;
	it->left = left - sc_len;
	return 1;
}

void dm_arr_sc_init(dm_arr_iter *it, const uint8_t *in, size_t len)
{
	dm_arr_iter_init(it, in, len);
}

/* A4: exactly one 83 01 kr, at most one 95 01 uq; anything else makes it
 * an authentication CRT this card does not interpret (kind CRT). */
static int auth_crt(const dm_tlv *t, dm_arr_sc *out)
{
	dm_tlv_iter it;
	dm_tlv c;
	bool kr = false, other = false;
	int rc;

	dm_tlv_iter_init(&it, t->value, t->len);
	while ((rc = dm_tlv_next(&it, &c)) == 1) {
		if (c.tag == DM_ARR_TAG_KEYREF) {
			if (kr || c.len != 1)
				return DM_E_VALUE;
			kr = true;
			out->key_ref = c.value[0];
		} else if (c.tag == DM_ARR_TAG_USAGE) {
			if (out->has_usage || c.len != 1)
				return DM_E_VALUE;
			out->has_usage = true;
			out->usage = c.value[0];
		} else {
			other = true;
		}
	}
	if (rc < 0)
		return rc;
	if (!kr)
		return DM_E_VALUE;
	out->kind = other ? DM_ARR_SC_KIND_CRT : DM_ARR_SC_KIND_USER;
	return DM_OK;
}

int dm_arr_sc_next(dm_arr_iter *it, dm_arr_sc *out)
{
	dm_tlv t;
	size_t used;
	int rc;

	if (it == NULL || out == NULL)
		return DM_E_ARG;
	rc = peek(it, &t, &used);
	if (rc != 1)
		return rc;
	if (!is_sc_do(t.tag))
		return DM_E_UNSUPPORTED;

	*out = (dm_arr_sc){ 0 };
	out->tag = (uint8_t)t.tag;
	out->inner = t.value;
	out->inner_len = t.len;
	switch (t.tag) {
	case DM_ARR_TAG_ALWAYS:
	case DM_ARR_TAG_NEVER:
		if (t.len != 0)
			return DM_E_VALUE;
		out->kind = t.tag == DM_ARR_TAG_ALWAYS ? DM_ARR_SC_KIND_ALWAYS
						       : DM_ARR_SC_KIND_NEVER;
		break;
	case DM_ARR_TAG_SC_BYTE:
		if (t.len != 1)
			return DM_E_VALUE;
		out->kind = DM_ARR_SC_KIND_BYTE;
		out->sc_byte = t.value[0];
		break;
	case DM_ARR_TAG_AUTH:
		rc = auth_crt(&t, out);
		if (rc != DM_OK)
			return rc;
		break;
	case DM_ARR_TAG_OR:
	case DM_ARR_TAG_AND:
	case DM_ARR_TAG_NOT:
		if (t.len == 0)
			return DM_E_VALUE;
		out->kind = t.tag == DM_ARR_TAG_OR ? DM_ARR_SC_KIND_OR
			  : t.tag == DM_ARR_TAG_AND ? DM_ARR_SC_KIND_AND
						    : DM_ARR_SC_KIND_NOT;
		break;
	default: /* B4, B6, B8 */
		out->kind = DM_ARR_SC_KIND_CRT;
		break;
	}
	it->p += used;
	it->left -= used;
	return 1;
}

static int validate_sc(const uint8_t *in, size_t len, unsigned depth)
{
	dm_arr_iter it;
	dm_arr_sc sc;
	bool any = false;
	int rc;

	if (depth > DM_ARR_MAX_DEPTH)
		return DM_E_UNSUPPORTED;
	dm_arr_sc_init(&it, in, len);
	while ((rc = dm_arr_sc_next(&it, &sc)) == 1) {
		any = true;
		if (sc.kind == DM_ARR_SC_KIND_OR || sc.kind == DM_ARR_SC_KIND_AND ||
		    sc.kind == DM_ARR_SC_KIND_NOT) {
			rc = validate_sc(sc.inner, sc.inner_len, depth + 1);
			if (rc != DM_OK)
				return rc;
		}
	}
	if (rc < 0)
		return rc;
	/* A template of padding only holds no condition. */
	return any ? DM_OK : DM_E_VALUE;
}

int dm_arr_validate(const uint8_t *in, size_t len)
{
	dm_arr_iter it;
	dm_arr_rule r;
	int rc;

	if (in == NULL && len != 0)
		return DM_E_ARG;
	dm_arr_iter_init(&it, in, len);
	while ((rc = dm_arr_next(&it, &r)) == 1) {
		rc = validate_sc(r.sc, r.sc_len, 1);
		if (rc != DM_OK)
			return rc;
	}
	return rc;
}

int dm_arr_compact_next(dm_arr_iter *it, dm_arr_compact_set *out)
{
	if (it == NULL || out == NULL)
		return DM_E_ARG;
	if (it->left == 0)
		return 0;
	uint8_t am = it->p[0];
	size_t n = am_sc_count(am);

	if (it->left - 1 < n)
		return DM_E_TRUNCATED;
	out->am = am;
	out->sc = it->p + 1;
	out->n = n;
	it->p += 1 + n;
	it->left -= 1 + n;
	return 1;
}

int dm_arr_compact_sc(const dm_arr_compact_set *s, uint8_t bit, uint8_t *sc)
{
	size_t idx = 0;

	if (s == NULL || sc == NULL || bit == 0 || bit > 0x40 || (bit & (bit - 1)) != 0)
		return DM_E_ARG;
	if ((s->am & bit) == 0)
		return DM_E_NOT_FOUND;
	/* SC bytes are in the order b7 .. b1: count the set bits above `bit`. */
	for (uint8_t b = 0x40; b > bit; b >>= 1)
		idx += (s->am & b) != 0;
	if (idx >= s->n)
		return DM_E_ARG; /* a set not made by dm_arr_compact_next */
	*sc = s->sc[idx];
	return DM_OK;
}

int dm_arr_compact_validate(const uint8_t *in, size_t len)
{
	dm_arr_iter it;
	dm_arr_compact_set s;
	int rc;

	if (in == NULL && len != 0)
		return DM_E_ARG;
	if (len == 0)
		return DM_E_TRUNCATED; /* no AM byte at all */
	dm_arr_iter_init(&it, in, len);
	while ((rc = dm_arr_compact_next(&it, &s)) == 1)
		;
	return rc;
}

int dm_arr_ref_parse(const uint8_t *in, size_t len, uint16_t *fid, uint8_t *record,
		     dm_bytes *pairs)
{
	if ((in == NULL && len != 0) || fid == NULL || record == NULL || pairs == NULL)
		return DM_E_ARG;
	if (len == 1)
		return DM_E_UNSUPPORTED;
	/* ISO 7816-4 table 25: 3, or an even length of at least 4. */
	if (len < 3 || (len > 3 && len % 2 != 0))
		return DM_E_LENGTH;
	*fid = dm_get_u16be(in);
	*record = 0;
	*pairs = dm_bytes_of(NULL, 0);
	if (len == 3) {
		if (in[2] == 0)
			return DM_E_VALUE;
		*record = in[2];
		return DM_OK;
	}
	for (size_t i = 2; i < len; i += 2)
		if (in[i + 1] == 0)
			return DM_E_VALUE;
	*pairs = dm_bytes_of(in + 2, len - 2);
	return DM_OK;
}

int dm_arr_ref_record(dm_bytes pairs, uint8_t se, uint8_t *record)
{
	if ((pairs.ptr == NULL && pairs.len != 0) || record == NULL)
		return DM_E_ARG;
	if (pairs.len % 2 != 0)
		return DM_E_LENGTH;
	for (size_t i = 0; i < pairs.len; i += 2) {
		if (pairs.ptr[i] != se)
			continue;
		if (pairs.ptr[i + 1] == 0)
			return DM_E_VALUE;
		*record = pairs.ptr[i + 1];
		return DM_OK;
	}
	return DM_E_NOT_FOUND;
}

int dm_arr_put_am(dm_wbuf *w, uint8_t am)
{
	return dm_tlv_put_u8(w, DM_ARR_TAG_AM_BYTE, am);
}

int dm_arr_put_am_ins(dm_wbuf *w, uint8_t ins)
{
	return dm_tlv_put_u8(w, DM_ARR_TAG_AM_BYTE | DM_ARR_CMD_INS, ins);
}

int dm_arr_put_always(dm_wbuf *w)
{
	return dm_tlv_put(w, DM_ARR_TAG_ALWAYS, NULL, 0);
}

int dm_arr_put_never(dm_wbuf *w)
{
	return dm_tlv_put(w, DM_ARR_TAG_NEVER, NULL, 0);
}

int dm_arr_put_user(dm_wbuf *w, uint8_t key_ref)
{
	const uint8_t v[] = {
		DM_ARR_TAG_KEYREF, 1, key_ref,
		DM_ARR_TAG_USAGE, 1, DM_ARR_USAGE_USER_VERIFICATION,
	};

	return dm_tlv_put(w, DM_ARR_TAG_AUTH, v, sizeof v);
}
