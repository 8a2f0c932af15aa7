/*
 * hex.c - hexadecimal text <-> bytes (rules in hex.h).
 */
#include "hex.h"

static const char hex_digits[] = "0123456789ABCDEF";

int dm_hex_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	if (out == NULL || (in == NULL && len != 0))
		return DM_E_ARG;
	/* Compared as len > (cap - 1) / 2 so that a huge len cannot wrap. */
	if (cap == 0 || len > (cap - 1) / 2) {
		if (cap)
			out[0] = '\0';
		return DM_E_OVERFLOW;
	}
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex_digits[in[i] >> 4];
		out[2 * i + 1] = hex_digits[in[i] & 0x0F];
	}
	out[2 * len] = '\0';
	return DM_OK;
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool hex_is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ':';
}

/* Walk hex; write the bytes when dst != NULL.  Returns the byte count or a
 * negative dm_err.  Called twice so nothing is written on bad input. */
static long long hex_walk(const char *hex, uint8_t *dst)
{
	long long n = 0;

	for (const char *p = hex; *p != '\0';) {
		if (hex_is_sep(*p)) {
			p++;
			continue;
		}
		int hi = hex_nibble(p[0]);
		if (hi < 0)
			return DM_E_VALUE;
		int lo = hex_nibble(p[1]); /* p[1] is at worst the NUL */
		if (lo < 0)
			return DM_E_VALUE;
		if (dst != NULL)
			dst[n] = (uint8_t)(hi << 4 | lo);
		n++;
		p += 2;
	}
	return n;
}

int dm_hex_decode(const char *hex, dm_wbuf *out)
{
	if (hex == NULL || out == NULL)
		return DM_E_ARG;

	long long n = hex_walk(hex, NULL);
	if (n < 0)
		return (int)n;
	if ((unsigned long long)n > dm_wbuf_room(out))
		return DM_E_OVERFLOW;
	hex_walk(hex, out->ptr + out->len);
	out->len += (size_t)n;
	return DM_OK;
}
