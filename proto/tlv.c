/*
 * tlv.c - BER-TLV codec (ISO/IEC 7816-4 §5.2, ITU-T X.690 §8.1).
 *
 * Decisions (docs/proto.md, "TLV"):
 *   - Tags are 1 to 3 bytes.  The first byte 00 or FF is not a tag (ISO 7816-4
 *     §5.2.2: padding); a 4th tag byte, or a first subsequent byte of 80
 *     (X.690 §8.1.2.4.2 c: leading zero bits in the tag number), is DM_E_TAG.
 *     Two-byte tags with a second byte below 1F (EMV's 9F02 ...) are accepted
 *     although ISO 7816-4 reserves them: real cards use them.
 *   - Lengths 00..7F and 81..84 are accepted, including non-minimal forms
 *     such as 81 05 (BER allows them); the builders only produce the minimal
 *     form (DER).  80 (indefinite form) and 85..FF are DM_E_LENGTH.
 *   - A length that runs past the input is DM_E_TRUNCATED; a length that does
 *     not fit in size_t is DM_E_LENGTH.  Nothing after the header is read
 *     before that check.
 */
#include "tlv.h"

#include <string.h>

/* Largest header: 3 tag bytes + 84 xx xx xx xx. */
#define TLV_HDR_MAX 8u
/* Length bytes reserved by dm_tlv_begin at most (84 xx xx xx xx). */
#define TLV_LEN_MAX 5u

/* Tag bytes of a tag number (big-endian), 0 if the number is not a tag. */
static size_t tag_bytes(uint32_t tag, uint8_t b[3])
{
	size_t n = dm_tlv_tag_size(tag);

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(tag >> (8 * (n - 1 - i)));
	return n;
}

/*
 * The one rule for well-formed tags, shared by the parser and the builders:
 * ISO 7816-4 §5.2.2.1 for the shape, X.690 §8.1.2.4 for the continuation.
 */
static bool tag_valid(const uint8_t *b, size_t n)
{
	if (n == 0 || n > 3 || b[0] == 0x00 || b[0] == 0xFF)
		return false;
	if (n == 1)
		return (b[0] & 0x1F) != 0x1F;
	if ((b[0] & 0x1F) != 0x1F || b[1] == 0x80)
		return false;
	if (n == 2)
		return (b[1] & 0x80) == 0;
	return (b[1] & 0x80) != 0 && (b[2] & 0x80) == 0;
}

size_t dm_tlv_tag_size(uint32_t tag)
{
	if (tag == 0)
		return 0;
	if (tag <= 0xFF)
		return 1;
	if (tag <= 0xFFFF)
		return 2;
	if (tag <= 0xFFFFFF)
		return 3;
	return 0;
}

size_t dm_tlv_len_size(size_t len)
{
	if (len < 0x80)
		return 1;
	if (len <= 0xFF)
		return 2;
	if (len <= 0xFFFF)
		return 3;
	if (len <= 0xFFFFFF)
		return 4;
	if ((uint64_t)len <= 0xFFFFFFFFu)
		return 5;
	return 0;
}

/* Read the tag at in[0..len): its number and byte count. */
static int parse_tag(const uint8_t *in, size_t len, uint32_t *tag, size_t *n)
{
	size_t i = 0;

	if (len == 0)
		return DM_E_TRUNCATED;
	if ((in[0] & 0x1F) == 0x1F && in[0] != 0xFF) {
		/* Subsequent bytes continue while b8 is 1 (ISO 7816-4 §5.2.2.1). */
		do {
			i++;
			if (i >= 3)
				return DM_E_TAG;
			if (i >= len)
				return DM_E_TRUNCATED;
		} while (in[i] & 0x80);
	}
	i++;
	if (!tag_valid(in, i))
		return DM_E_TAG;
	*tag = 0;
	for (size_t k = 0; k < i; k++)
		*tag = (*tag << 8) | in[k];
	*n = i;
	return DM_OK;
}

/* Read the length field at in[0..len): the value length and byte count. */
static int parse_len(const uint8_t *in, size_t len, size_t *vlen, size_t *n)
{
	uint32_t v = 0;
	size_t k;

	if (len == 0)
		return DM_E_TRUNCATED;
	if (in[0] < 0x80) {
		*vlen = in[0];
		*n = 1;
		return DM_OK;
	}
	/* 80 is the indefinite form (not in ISO 7816-4); 85.. would exceed 32 bits. */
	k = in[0] & 0x7Fu;
	if (k == 0 || k > 4)
		return DM_E_LENGTH;
	if (len - 1 < k)
		return DM_E_TRUNCATED;
	for (size_t i = 1; i <= k; i++)
		v = (v << 8) | in[i];
#if SIZE_MAX < 0xFFFFFFFFu
	if (v > SIZE_MAX)
		return DM_E_LENGTH;
#endif
	*vlen = (size_t)v;
	*n = k + 1;
	return DM_OK;
}

int dm_tlv_parse(const uint8_t *in, size_t len, dm_tlv *out, size_t *consumed)
{
	uint32_t tag;
	size_t tn, ln, vlen;
	int rc;

	if ((in == NULL && len != 0) || out == NULL || consumed == NULL)
		return DM_E_ARG;
	rc = parse_tag(in, len, &tag, &tn);
	if (rc != DM_OK)
		return rc;
	rc = parse_len(in + tn, len - tn, &vlen, &ln);
	if (rc != DM_OK)
		return rc;
	if (vlen > len - tn - ln)
		return DM_E_TRUNCATED;
	out->tag = tag;
	out->constructed = (in[0] & 0x20) != 0;
	out->value = in + tn + ln;
	out->len = vlen;
	out->hdr_len = tn + ln;
	*consumed = tn + ln + vlen;
	return DM_OK;
}

int dm_tlv_parse_exact(const uint8_t *in, size_t len, dm_tlv *out)
{
	size_t used;
	int rc = dm_tlv_parse(in, len, out, &used);

	if (rc != DM_OK)
		return rc;
	return used == len ? DM_OK : DM_E_TRAILING;
}

void dm_tlv_iter_init(dm_tlv_iter *it, const uint8_t *in, size_t len)
{
	it->p = in;
	it->left = in != NULL ? len : 0;
}

int dm_tlv_next(dm_tlv_iter *it, dm_tlv *out)
{
	size_t used;
	int rc;

	if (it == NULL || out == NULL)
		return DM_E_ARG;
	/* ISO 7816-4 §5.2.2: 00 and FF before, between and after objects. */
	while (it->left > 0 && (it->p[0] == 0x00 || it->p[0] == 0xFF)) {
		it->p++;
		it->left--;
	}
	if (it->left == 0)
		return 0;
	rc = dm_tlv_parse(it->p, it->left, out, &used);
	if (rc != DM_OK)
		return rc; /* not advanced: every further call reports the same error */
	it->p += used;
	it->left -= used;
	return 1;
}

int dm_tlv_find(const uint8_t *in, size_t len, uint32_t tag, dm_tlv *out)
{
	dm_tlv_iter it;
	dm_tlv t;
	int rc;

	if ((in == NULL && len != 0) || out == NULL)
		return DM_E_ARG;
	dm_tlv_iter_init(&it, in, len);
	while ((rc = dm_tlv_next(&it, &t)) == 1) {
		if (t.tag == tag) {
			*out = t;
			return DM_OK;
		}
	}
	return rc == 0 ? DM_E_NOT_FOUND : rc;
}

int dm_tlv_find_path(const uint8_t *in, size_t len, const uint32_t *path, size_t depth, dm_tlv *out)
{
	dm_tlv t;
	int rc;

	if (path == NULL || depth == 0 || depth > DM_TLV_MAX_DEPTH)
		return DM_E_ARG;
	for (size_t i = 0; i < depth; i++) {
		rc = dm_tlv_find(in, len, path[i], &t);
		if (rc != DM_OK)
			return rc;
		/* Only a constructed object has children to descend into. */
		if (i + 1 < depth && !t.constructed)
			return DM_E_NOT_FOUND;
		in = t.value;
		len = t.len;
	}
	*out = t;
	return DM_OK;
}

/* Encode tag + length into hdr (TLV_HDR_MAX bytes); returns the size or 0. */
static size_t encode_header(uint8_t hdr[TLV_HDR_MAX], uint32_t tag, size_t len)
{
	size_t tn = tag_bytes(tag, hdr), ln = dm_tlv_len_size(len);

	if (tn == 0 || !tag_valid(hdr, tn) || ln == 0)
		return 0;
	if (ln == 1) {
		hdr[tn] = (uint8_t)len;
	} else {
		hdr[tn] = (uint8_t)(0x80 | (ln - 1));
		for (size_t i = 1; i < ln; i++)
			hdr[tn + i] = (uint8_t)((uint64_t)len >> (8 * (ln - 1 - i)));
	}
	return tn + ln;
}

int dm_tlv_put_header(dm_wbuf *w, uint32_t tag, size_t len)
{
	uint8_t hdr[TLV_HDR_MAX];
	size_t n;

	if (w == NULL)
		return DM_E_ARG;
	n = encode_header(hdr, tag, len);
	if (n == 0)
		return dm_tlv_len_size(len) == 0 ? DM_E_LENGTH : DM_E_ARG;
	return dm_wbuf_put(w, hdr, n);
}

int dm_tlv_put(dm_wbuf *w, uint32_t tag, const void *value, size_t len)
{
	uint8_t hdr[TLV_HDR_MAX];
	size_t n;

	if (w == NULL || (value == NULL && len != 0))
		return DM_E_ARG;
	n = encode_header(hdr, tag, len);
	if (n == 0)
		return dm_tlv_len_size(len) == 0 ? DM_E_LENGTH : DM_E_ARG;
	/* All or nothing: check the room for header and value together. */
	if (n > dm_wbuf_room(w) || len > dm_wbuf_room(w) - n)
		return DM_E_OVERFLOW;
	(void)dm_wbuf_put(w, hdr, n);
	return dm_wbuf_put(w, value, len);
}

int dm_tlv_put_u8(dm_wbuf *w, uint32_t tag, uint8_t v)
{
	return dm_tlv_put(w, tag, &v, 1);
}

/*
 * begin writes the tag and reserves r length bytes, r being enough for the
 * largest content the rest of the buffer could hold (so end never needs to
 * move content up).  r is remembered in the first reserved byte.
 */
int dm_tlv_begin(dm_wbuf *w, uint32_t tag, size_t *mark)
{
	uint8_t b[3 + TLV_LEN_MAX];
	size_t tn, r, room;

	if (w == NULL || mark == NULL)
		return DM_E_ARG;
	tn = tag_bytes(tag, b);
	if (tn == 0 || !tag_valid(b, tn))
		return DM_E_ARG;
	room = dm_wbuf_room(w);
	if (room <= tn)
		return DM_E_OVERFLOW;
	r = dm_tlv_len_size(room - tn);
	if (r == 0)
		r = TLV_LEN_MAX;
	if (tn + r > room)
		return DM_E_OVERFLOW;
	memset(b + tn, 0, r);
	b[tn] = (uint8_t)r;
	*mark = w->len;
	return dm_wbuf_put(w, b, tn + r);
}

int dm_tlv_end(dm_wbuf *w, size_t mark)
{
	uint8_t hdr[TLV_HDR_MAX];
	uint32_t tag;
	size_t tn, r, start, clen, n;

	if (w == NULL || mark >= w->len)
		return DM_E_ARG;
	if (parse_tag(w->ptr + mark, w->len - mark, &tag, &tn) != DM_OK)
		return DM_E_ARG;
	if (tn >= w->len - mark)
		return DM_E_ARG;
	r = w->ptr[mark + tn];
	if (r < 1 || r > TLV_LEN_MAX || r > w->len - mark - tn)
		return DM_E_ARG;
	start = mark + tn + r;
	clen = w->len - start;
	n = encode_header(hdr, tag, clen);
	if (n == 0)
		return DM_E_LENGTH;
	if (n > tn + r)
		return DM_E_OVERFLOW; /* the buffer grew since begin */
	memcpy(w->ptr + mark, hdr, n);
	if (n < tn + r)
		memmove(w->ptr + mark + n, w->ptr + start, clen);
	w->len = mark + n + clen;
	return DM_OK;
}
