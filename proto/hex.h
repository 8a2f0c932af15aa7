/*
 * hex.h - hexadecimal text <-> bytes, for traces, tools and test vectors.
 *
 * Encoding is upper case without separators ("00A4040C").
 * Decoding accepts upper or lower case digits in pairs; space, tab, CR, LF
 * and ':' may stand anywhere between pairs ("00 A4:04 0c"), never inside a
 * pair.  An odd number of digits or any other character is DM_E_VALUE.
 */
#ifndef DM_HEX_H
#define DM_HEX_H

#include "dm_common.h"

/* Characters dm_hex_encode needs for len bytes, including the NUL. */
#define DM_HEX_SIZE(len) (2u * (size_t)(len) + 1u)

/* Write 2*len upper-case digits and a NUL into out[0..cap).
 * DM_E_OVERFLOW if cap < DM_HEX_SIZE(len) (out is then "" when cap > 0). */
int dm_hex_encode(const uint8_t *in, size_t len, char *out, size_t cap);

/* Append the bytes of the NUL-terminated text hex to out.
 * DM_E_VALUE (bad character, odd digits), DM_E_OVERFLOW (no room);
 * on failure out->len is unchanged. */
int dm_hex_decode(const char *hex, dm_wbuf *out);

#endif
