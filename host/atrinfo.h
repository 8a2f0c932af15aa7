/*
 * atrinfo.h - decode an ATR for people and for the transport: protocols
 * offered (TDi, ISO 7816-3 §8.2.3), historical bytes and the card
 * capabilities in them (ISO 7816-4 §8.1.1.2.7: extended Lc/Le, chaining).
 * (Named atrinfo: card/atr.h is on the in-process transport's include path.)
 */
#ifndef DM_HOST_ATRINFO_H
#define DM_HOST_ATRINFO_H

#include "dm_common.h"

typedef struct dm_atr_info {
	bool inverse;          /* TS 3F: inverse convention */
	uint16_t protocols;    /* bit n = T=n offered (T=15 = global bytes, not a protocol) */
	int first_protocol;    /* the default protocol: first TDi's T, or 0 */
	bool has_tck;
	bool tck_ok;
	const uint8_t *hist;   /* historical bytes, borrowed from the ATR */
	size_t hist_len;
	bool has_caps;         /* compact TLV 7X found in the historical bytes */
	bool extended_lc_le;   /* card capabilities 3rd byte b7 */
	bool chaining;         /* card capabilities 3rd byte b8 */
} dm_atr_info;

/* DM_E_TRUNCATED if the ATR ends before its declared bytes, DM_E_VALUE for a
 * bad TS, DM_E_TRAILING for bytes after TCK. */
int dm_atr_decode(const uint8_t *atr, size_t len, dm_atr_info *out);

#endif
