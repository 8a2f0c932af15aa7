/*
 * atrinfo.c - ATR decoding (host/atrinfo.h), ISO/IEC 7816-3 §8.2.
 */
#include <string.h>

#include "atrinfo.h"

/* Historical bytes with category indicator 80: compact-TLV objects
 * (ISO 7816-4 §8.1.1); 73 = card capabilities, 3rd software byte. */
static void decode_hist(dm_atr_info *a)
{
	size_t i = 1;

	if (a->hist_len < 1 || a->hist[0] != 0x80)
		return;
	while (i < a->hist_len) {
		uint8_t tag = a->hist[i] >> 4, len = a->hist[i] & 0x0F;

		if (i + 1u + len > a->hist_len)
			return;
		if (tag == 0x7 && len >= 3) {
			uint8_t b3 = a->hist[i + 3];

			a->has_caps = true;
			a->chaining = (b3 & 0x80) != 0;
			a->extended_lc_le = (b3 & 0x40) != 0;
		}
		i += 1u + len;
	}
}

int dm_atr_decode(const uint8_t *atr, size_t len, dm_atr_info *out)
{
	size_t i = 2, k;
	uint8_t y;
	bool first = true;

	if (!atr || !out)
		return DM_E_ARG;
	memset(out, 0, sizeof *out);
	if (len < 2)
		return DM_E_TRUNCATED;
	if (atr[0] != 0x3B && atr[0] != 0x3F)
		return DM_E_VALUE;
	out->inverse = atr[0] == 0x3F;
	y = atr[1] >> 4;
	k = atr[1] & 0x0F;
	for (;;) {
		/* TAi, TBi, TCi present per Yi; TDi carries Yi+1 and T. */
		for (int b = 0; b < 3; b++)
			if (y & (1u << b))
				i++;
		if (!(y & 0x8))
			break;
		if (i >= len)
			return DM_E_TRUNCATED;
		{
			uint8_t td = atr[i++];
			unsigned tp = td & 0x0F;

			out->protocols |= (uint16_t)(1u << tp);
			if (first)
				out->first_protocol = (int)tp;
			first = false;
			y = td >> 4;
		}
	}
	if (i > len || len - i < k)
		return DM_E_TRUNCATED;
	out->hist = atr + i;
	out->hist_len = k;
	i += k;
	if (out->protocols == 0)
		out->protocols = 1u; /* no TD1: T=0 only (§8.2.3) */
	/* TCK is absent only when T=0 alone is offered (§8.2.5). */
	out->has_tck = (out->protocols & ~(uint16_t)1u) != 0;
	if (out->has_tck) {
		uint8_t x = 0;

		if (i >= len)
			return DM_E_TRUNCATED;
		for (size_t j = 1; j <= i; j++)
			x ^= atr[j];
		out->tck_ok = x == 0;
		i++;
	}
	if (i != len)
		return DM_E_TRAILING;
	decode_hist(out);
	return DM_OK;
}
