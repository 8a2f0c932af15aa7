/*
 * tlv.h - BER-TLV as used by ISO/IEC 7816-4 §5.2 / §8 and TS 102 221 §11.1.1.3.
 *
 * Tags: 1 to 3 bytes (ISO 7816-4 §5.2.2.1; multi-byte when the low five bits
 * of the first byte are all 1, continued while b8 is 1), held as a big-endian
 * number: 0x62, 0x9F70, 0x5F2D, 0xBF8101.
 * Lengths: 1 to 5 bytes: 00..7F, 81 xx, 82 xxxx, 83 xxxxxx, 84 xxxxxxxx.
 * 80 (indefinite form) is rejected.  A value that would run past the input is
 * DM_E_TRUNCATED; a length that does not fit size_t or exceeds the input is
 * never trusted.
 *
 * Parsed values borrow from the input buffer.
 */
#ifndef DM_TLV_H
#define DM_TLV_H

#include "dm_common.h"

#define DM_TLV_MAX_DEPTH 16

typedef struct dm_tlv {
	uint32_t tag;          /* e.g. 0x62, 0x9F70 */
	bool constructed;      /* b6 of the first tag byte */
	const uint8_t *value;  /* borrowed; len bytes */
	size_t len;
	size_t hdr_len;        /* bytes of tag + length fields */
} dm_tlv;

/* Parse the TLV at the start of in[0..len); *consumed = hdr_len + value length. */
int dm_tlv_parse(const uint8_t *in, size_t len, dm_tlv *out, size_t *consumed);

/* Parse exactly one TLV spanning all of in[0..len): DM_E_TRAILING if bytes follow. */
int dm_tlv_parse_exact(const uint8_t *in, size_t len, dm_tlv *out);

/* Iterate over the TLVs of one level (e.g. a constructed value).
 * ISO 7816-4 §5.2.2: 00 and FF bytes between objects are padding and skipped. */
typedef struct dm_tlv_iter {
	const uint8_t *p;
	size_t left;
} dm_tlv_iter;

void dm_tlv_iter_init(dm_tlv_iter *it, const uint8_t *in, size_t len);
/* 1 and *out filled: got one; 0: end of level; < 0: malformed (iteration stops). */
int dm_tlv_next(dm_tlv_iter *it, dm_tlv *out);

/* First TLV with `tag` at this level (not descending). DM_E_NOT_FOUND if none. */
int dm_tlv_find(const uint8_t *in, size_t len, uint32_t tag, dm_tlv *out);
/* Follow a path of tags through constructed objects: path[0] at this level,
 * path[1] inside it, ... depth <= DM_TLV_MAX_DEPTH. */
int dm_tlv_find_path(const uint8_t *in, size_t len, const uint32_t *path, size_t depth, dm_tlv *out);

/* Encoded sizes. */
size_t dm_tlv_tag_size(uint32_t tag);
size_t dm_tlv_len_size(size_t len);

/* Append tag + length (minimal length form). */
int dm_tlv_put_header(dm_wbuf *w, uint32_t tag, size_t len);
/* Append a whole primitive (or pre-encoded constructed) TLV. */
int dm_tlv_put(dm_wbuf *w, uint32_t tag, const void *value, size_t len);
int dm_tlv_put_u8(dm_wbuf *w, uint32_t tag, uint8_t v);

/* Constructed TLV of unknown length: begin, append children, end.
 * begin reserves room for the header; end writes the minimal length and moves
 * the content down if fewer length bytes were needed.  Nesting is by marks
 * (no hidden state): size_t m; dm_tlv_begin(w, 0x62, &m); ...; dm_tlv_end(w, m). */
int dm_tlv_begin(dm_wbuf *w, uint32_t tag, size_t *mark);
int dm_tlv_end(dm_wbuf *w, size_t mark);

#endif
