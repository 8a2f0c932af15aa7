/*
 * atr.c - the card's ATR.  One layout for a UICC-like card, two protocol
 * variants; every byte is explained where it is put.
 *
 *   T=1: 3B 9A 96 81 B1 FE 45 1F C7 | 80 31 E0 73 FE 21 DF 82 90 00 | TCK
 *   T=0: 3B 9A 96 80 1F C7          | 80 31 E0 73 FE 21 DF 82 90 00 | TCK
 *
 * Both carry TCK: ISO 7816-3 §8.2.5 omits it only when T=0 alone is
 * indicated, and both variants indicate T=15 (global interface bytes with the
 * class indicator that TS 102 221 §6.2.1 expects from a UICC).
 */
#include "atr.h"

#include <string.h>

/* Historical bytes, ISO 7816-4 §8.1.1 (COMPACT-TLV, tag in the high nibble,
 * length in the low nibble). */
static const uint8_t historical[] = {
	/* Category indicator 80: COMPACT-TLV objects follow; the status
	 * indicator, if any, is one of them (§8.1.1.1). */
	0x80,
	/* 31: card service data (§8.1.1.2.3), 1 byte.  E0 = b8 application
	 * selection by full DF name, b7 by partial DF name, b6 BER-TLV data
	 * objects in EF.DIR, b5 none in EF.ATR, b4-b2 000 EF.DIR read by
	 * READ RECORD (record structure: TS 102 221's EF_DIR is linear
	 * fixed), b1 0 card with MF. */
	0x31, 0xE0,
	/* 73: card capabilities (§8.1.1.2.7), 3 bytes.
	 * FE = selection by full DF name, partial DF name, path, file
	 *      identifier, implicit; short EF identifiers; record number;
	 *      (b1 0) no record identifier.
	 * 21 = data coding byte: b8 0 no BER-TLV EFs, b7-b6 01 proprietary
	 *      write behaviour, b5 0, b4-b1 0001 data unit of one byte.
	 * DF = b8 command chaining, b7 extended Lc and Le, b6 0 no length
	 *      information in EF.ATR, b5-b4 11 channel numbers assigned by the
	 *      card and by the interface device, b3-b1 111 eight or more
	 *      logical channels (we have 20: DM_CARD_CHANNELS). */
	0x73, 0xFE, 0x21, 0xDF,
	/* 82: status indicator (§8.1.1.3), 2 bytes: SW1-SW2 9000. */
	0x82, 0x90, 0x00,
};

/* Interface bytes after T0 (ISO 7816-3 §8.2.2 - §8.2.3, §8.3, §11.4). */
static const uint8_t iface_t1[] = {
	0x96, /* TA1: FI 9 (Fi 512, fmax 5 MHz), DI 6 (Di 32), §8.3 tables 7-8 */
	0x81, /* TD1: Y2 = TD2 follows; T = 1, the first offered protocol */
	0xB1, /* TD2: Y3 = TA3, TB3, TD3 follow; T = 1 (TA3, TB3 are T=1's) */
	0xFE, /* TA3: IFSC 254 bytes (§11.4.2) */
	0x45, /* TB3: BWI 4, CWI 5 (§11.4.3) */
	0x1F, /* TD3: Y4 = TA4 follows; T = 15 (global interface bytes) */
	0xC7, /* TA4, first TA for T=15 (§8.3): b8-b7 11 clock stop, no
	       * preference; b6-b1 000111 classes A, B, C (5 V, 3 V, 1.8 V) */
};

static const uint8_t iface_t0[] = {
	0x96, /* TA1: FI 9, DI 6, as above */
	0x80, /* TD1: Y2 = TD2 follows; T = 0, the only protocol */
	0x1F, /* TD2: Y3 = TA3 follows; T = 15 (global interface bytes) */
	0xC7, /* TA3, first TA for T=15: clock stop no preference, classes A-C */
};

int dm_atr_build(dm_card_protocol proto, dm_wbuf *out)
{
	const uint8_t *iface;
	size_t iface_len;

	if (out == NULL)
		return DM_E_ARG;
	if (proto == DM_CARD_T1) {
		iface = iface_t1;
		iface_len = sizeof iface_t1;
	} else if (proto == DM_CARD_T0) {
		iface = iface_t0;
		iface_len = sizeof iface_t0;
	} else {
		return DM_E_ARG;
	}

	/* TS + T0 + interface + historical + TCK */
	size_t total = 2 + iface_len + sizeof historical + 1;
	if (total > DM_ATR_MAX || total > dm_wbuf_room(out))
		return DM_E_OVERFLOW;

	uint8_t *p = out->ptr + out->len;
	size_t i = 0;
	p[i++] = 0x3B; /* TS: direct convention (§8.1) */
	/* T0: Y1 = 1001 (TA1 and TD1 present), K = number of historical bytes */
	p[i++] = (uint8_t)(0x90 | sizeof historical);
	memcpy(p + i, iface, iface_len);
	i += iface_len;
	memcpy(p + i, historical, sizeof historical);
	i += sizeof historical;
	/* TCK (§8.2.5): the exclusive-or of T0 .. TCK is zero. */
	uint8_t tck = 0;
	for (size_t k = 1; k < i; k++)
		tck ^= p[k];
	p[i++] = tck;
	out->len += i;
	return DM_OK;
}
