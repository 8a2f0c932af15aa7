/*
 * cf_match.c - status-word and data patterns, secret substitution
 * (cf_match.h).  Status words per ISO 7816-4 §5.1.3: SW1 SW2, compared as
 * four nibbles so that "63Cx" covers every retry count (TS 102 221 §10.2.1.3).
 */
#include <stdio.h>
#include <string.h>

#include "cf_match.h"

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c == 'x' || c == 'X')
		return 16; /* wildcard */
	return -1;
}

/* One alternative of len chars: 4 nibbles, each a digit or wildcard. */
static bool sw_alt(const char *p, size_t len, uint16_t sw, bool *valid)
{
	bool match = true;

	*valid = len == 4;
	if (!*valid)
		return false;
	for (size_t i = 0; i < 4; i++) {
		int n = nibble(p[i]);
		unsigned want = (sw >> (12 - 4 * i)) & 0xFu;

		if (n < 0) {
			*valid = false;
			return false;
		}
		if (n != 16 && (unsigned)n != want)
			match = false;
	}
	return match;
}

static bool sw_scan(const char *pat, uint16_t sw, bool *valid)
{
	bool any = false;
	const char *p = pat;

	*valid = pat && *pat;
	while (*valid) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		bool ok;

		if (sw_alt(p, len, sw, &ok))
			any = true;
		if (!ok)
			*valid = false;
		if (!bar)
			break;
		p = bar + 1;
	}
	return *valid && any;
}

int dm_cf_sw_valid(const char *pat)
{
	bool valid;

	sw_scan(pat, 0, &valid);
	return valid ? DM_OK : DM_E_VALUE;
}

bool dm_cf_sw_match(const char *pat, uint16_t sw)
{
	bool valid;

	return sw_scan(pat, sw, &valid);
}

/*
 * Walk a data pattern against data (NULL data: validate only).  Returns
 * DM_OK on match, DM_E_NOT_FOUND on mismatch, DM_E_VALUE when malformed.
 */
static int data_walk(const char *pat, const dm_bytes *data)
{
	size_t i = 0;
	bool mismatch = false;

	if (!pat)
		return DM_E_VALUE;
	for (const char *p = pat; *p;) {
		int hi, lo;

		if (*p == ' ') {
			p++;
			continue;
		}
		if (*p == '*') {
			for (p++; *p == ' '; p++)
				;
			if (*p)
				return DM_E_VALUE; /* '*' only at the end */
			return mismatch ? DM_E_NOT_FOUND : DM_OK;
		}
		hi = nibble(p[0]);
		lo = hi < 0 ? -1 : nibble(p[1]);
		if (hi < 0 || lo < 0)
			return DM_E_VALUE;
		p += 2;
		if (!data)
			continue;
		if (i >= data->len) {
			mismatch = true;
			continue;
		}
		if ((hi != 16 && (unsigned)hi != (data->ptr[i] >> 4u)) ||
		    (lo != 16 && (unsigned)lo != (data->ptr[i] & 0xFu)))
			mismatch = true;
		i++;
	}
	if (data && i != data->len)
		mismatch = true;
	return mismatch ? DM_E_NOT_FOUND : DM_OK;
}

/* Walk every '|' alternative; DM_OK when one matches (data NULL: all valid). */
static int data_alts(const char *pat, const dm_bytes *data)
{
	char alt[1024];
	bool any = false;

	if (!pat || !*pat)
		return DM_E_VALUE;
	for (const char *p = pat;;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		int rc;

		if (len == 0 || len >= sizeof alt)
			return DM_E_VALUE;
		memcpy(alt, p, len);
		alt[len] = '\0';
		rc = data_walk(alt, data);
		if (rc == DM_E_VALUE)
			return rc;
		any = any || rc == DM_OK;
		if (!bar)
			break;
		p = bar + 1;
	}
	return !data || any ? DM_OK : DM_E_NOT_FOUND;
}

int dm_cf_data_valid(const char *pat)
{
	return data_alts(pat, NULL) == DM_E_VALUE ? DM_E_VALUE : DM_OK;
}

bool dm_cf_data_match(const char *pat, dm_bytes data)
{
	return data_alts(pat, &data) == DM_OK;
}

bool dm_cf_data_contains(const char *hex, dm_bytes data)
{
	uint8_t needle[256];
	size_t n = 0;

	if (!hex)
		return false;
	for (const char *p = hex; *p;) {
		int hi, lo;

		if (*p == ' ') {
			p++;
			continue;
		}
		hi = nibble(p[0]);
		lo = hi < 0 ? -1 : nibble(p[1]);
		if (hi < 0 || hi == 16 || lo < 0 || lo == 16 || n == sizeof needle)
			return false;
		needle[n++] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	if (n == 0 || n > data.len)
		return n == 0;
	for (size_t i = 0; i + n <= data.len; i++)
		if (memcmp(data.ptr + i, needle, n) == 0)
			return true;
	return false;
}

int dm_cf_expand(const char *tmpl, dm_cf_lookup lookup, void *ctx, char *out, size_t cap,
		 char *missing, size_t mcap)
{
	size_t o = 0;

	if (!tmpl || !out || !cap)
		return DM_E_ARG;
	for (const char *p = tmpl; *p;) {
		const char *val;
		size_t vlen;

		if (p[0] == '$' && p[1] == '{') {
			const char *end = strchr(p + 2, '}');
			char name[64];
			size_t nlen;

			if (!end)
				return DM_E_VALUE;
			nlen = (size_t)(end - (p + 2));
			if (nlen == 0 || nlen >= sizeof name)
				return DM_E_VALUE;
			memcpy(name, p + 2, nlen);
			name[nlen] = '\0';
			val = lookup ? lookup(ctx, name) : NULL;
			if (!val) {
				if (missing && mcap)
					snprintf(missing, mcap, "%s", name);
				return DM_E_NOT_FOUND;
			}
			vlen = strlen(val);
			p = end + 1;
		} else {
			val = p;
			vlen = 1;
			p++;
		}
		if (vlen >= cap - o)
			return DM_E_OVERFLOW;
		memcpy(out + o, val, vlen);
		o += vlen;
	}
	out[o] = '\0';
	return DM_OK;
}
