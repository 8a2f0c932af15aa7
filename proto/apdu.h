/*
 * apdu.h - ISO/IEC 7816-4 command and response APDUs (§5.1, §5.4.1 CLA).
 *
 * Parsing borrows: dm_capdu.data points into the caller's input buffer and is
 * valid as long as that buffer is.  Building writes into a caller buffer.
 */
#ifndef DM_APDU_H
#define DM_APDU_H

#include "dm_common.h"

#define DM_APDU_SHORT_MAX_NC 255u
#define DM_APDU_SHORT_MAX_NE 256u
#define DM_APDU_EXT_MAX_NC 65535u
#define DM_APDU_EXT_MAX_NE 65536u
/* Largest encoded C-APDU: 4 header + 3 Lc + 65535 data + 2 Le (extended case 4). */
#define DM_CAPDU_MAX (4u + 3u + 65535u + 2u)
/* Largest R-APDU: 65536 data + SW1 SW2. */
#define DM_RAPDU_MAX (65536u + 2u)

typedef struct dm_capdu {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data; /* Nc command bytes, borrowed; NULL when nc == 0 */
	size_t nc;           /* 0..65535 */
	size_t ne;           /* expected response length: 0 = no Le field, else 1..65536 */
	bool extended;       /* encoded (or to be encoded) with extended length fields */
	uint8_t apdu_case;   /* 1, 2, 3 or 4 (ISO 7816-3 §12.1.3): set by parse, ignored by build */
} dm_capdu;

/*
 * Parse one C-APDU occupying exactly in[0..len).
 * Errors: DM_E_TRUNCATED (shorter than the header or than Lc says),
 * DM_E_LENGTH (Lc = 0 in short form where it would be case 3/4, or an extended
 * Lc of 0000), DM_E_TRAILING (bytes after a complete case 2 or 4 encoding).
 */
int dm_capdu_parse(const uint8_t *in, size_t len, dm_capdu *out);

/*
 * Encode a->{cla,ins,p1,p2,data,nc,ne}.  Short form is used when nc <= 255 and
 * ne <= 256 and a->extended is false; otherwise extended form.
 * DM_E_VALUE if nc > 65535 or ne > 65536; DM_E_OVERFLOW if out is too small.
 */
int dm_capdu_build(const dm_capdu *a, dm_wbuf *out);

/* CLA byte decoding (ISO 7816-4 §5.4.1; TS 102 221 §10.1.1). */
typedef struct dm_cla {
	bool interindustry;   /* b8 = 0: 0X..7X (ISO); false: 8X..FX (proprietary) */
	bool further;         /* CLA in 4X-7X / CX-FX: "further interindustry" coding */
	uint8_t channel;      /* logical channel 0..19 */
	bool chaining;        /* b5: command chaining, not the last command of a chain */
	uint8_t sm;           /* secure messaging indication: 0 none, 1 proprietary,
	                         2 ISO header not authenticated, 3 ISO header authenticated;
	                         further coding: 0 or 2 (b6) */
} dm_cla;

/* DM_E_VALUE for CLA = FF (invalid, ISO 7816-3 PPS) and 2X/3X (RFU). */
int dm_cla_decode(uint8_t cla, dm_cla *out);

/* The CLA byte for `base` (channel bits cleared) on logical channel ch (0..19).
 * Returns -1 (as int) if ch > 19 or the base cannot carry the channel. */
int dm_cla_on_channel(uint8_t base, unsigned ch);

/* R-APDU: data followed by SW1 SW2. */
typedef struct dm_rapdu {
	const uint8_t *data; /* borrowed */
	size_t len;
	uint16_t sw;
} dm_rapdu;

/* DM_E_TRUNCATED if len < 2 (a card answer without a status word). */
int dm_rapdu_parse(const uint8_t *in, size_t len, dm_rapdu *out);
int dm_rapdu_build(const uint8_t *data, size_t len, uint16_t sw, dm_wbuf *out);

#endif
