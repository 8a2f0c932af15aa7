/*
 * apdu.c - ISO/IEC 7816-4 command and response APDUs.
 *
 * C-APDU cases (ISO 7816-3 §12.1.3, ISO 7816-4 §5.1): after the 4-byte
 * header the body is decided by its length alone:
 *   empty                        case 1
 *   Le                           case 2 short  (Le 00 = 256)
 *   Lc data [Le]                 case 3/4 short (Lc 01..FF)
 *   00 Le1 Le2                   case 2 extended (0000 = 65536)
 *   00 Lc1 Lc2 data [Le1 Le2]    case 3/4 extended (Lc 0001..FFFF)
 */
#include "apdu.h"

#include <string.h>

#define APDU_HDR 4u

static void capdu_set(dm_capdu *out, const uint8_t *in, const uint8_t *data, size_t nc,
		      size_t ne, bool extended, uint8_t apdu_case)
{
	out->cla = in[0];
	out->ins = in[1];
	out->p1 = in[2];
	out->p2 = in[3];
	out->data = nc ? data : NULL;
	out->nc = nc;
	out->ne = ne;
	out->extended = extended;
	out->apdu_case = apdu_case;
}

/* Short case 3/4: body = Lc data [Le], Lc = body[0] != 0. */
static int parse_short_body(const uint8_t *in, const uint8_t *b, size_t blen, dm_capdu *out)
{
	size_t nc = b[0];

	if (blen < 1 + nc)
		return DM_E_TRUNCATED;
	if (blen == 1 + nc) {
		capdu_set(out, in, b + 1, nc, 0, false, 3);
		return DM_OK;
	}
	if (blen == 2 + nc) {
		size_t le = b[1 + nc];
		capdu_set(out, in, b + 1, nc, le ? le : DM_APDU_SHORT_MAX_NE, false, 4);
		return DM_OK;
	}
	return DM_E_TRAILING;
}

/* Extended case 3/4: body = 00 Lc1 Lc2 data [Le1 Le2], blen > 3. */
static int parse_ext_body(const uint8_t *in, const uint8_t *b, size_t blen, dm_capdu *out)
{
	size_t nc = dm_get_u16be(b + 1);

	/* ISO 7816-4 §5.1: an Lc field encodes Nc >= 1; 0000 is not a valid Lc. */
	if (nc == 0)
		return DM_E_LENGTH;
	if (blen < 3 + nc)
		return DM_E_TRUNCATED;
	if (blen == 3 + nc) {
		capdu_set(out, in, b + 3, nc, 0, true, 3);
		return DM_OK;
	}
	if (blen == 3 + nc + 1)
		return DM_E_LENGTH; /* extended Le must be two bytes */
	if (blen == 3 + nc + 2) {
		size_t le = dm_get_u16be(b + 3 + nc);
		capdu_set(out, in, b + 3, nc, le ? le : DM_APDU_EXT_MAX_NE, true, 4);
		return DM_OK;
	}
	return DM_E_TRAILING;
}

int dm_capdu_parse(const uint8_t *in, size_t len, dm_capdu *out)
{
	if (out == NULL || (in == NULL && len != 0))
		return DM_E_ARG;
	if (len < APDU_HDR)
		return DM_E_TRUNCATED;

	const uint8_t *b = in + APDU_HDR;
	size_t blen = len - APDU_HDR;

	if (blen == 0) {
		capdu_set(out, in, NULL, 0, 0, false, 1);
		return DM_OK;
	}
	if (blen == 1) {
		capdu_set(out, in, NULL, 0, b[0] ? b[0] : DM_APDU_SHORT_MAX_NE, false, 2);
		return DM_OK;
	}
	if (b[0] != 0)
		return parse_short_body(in, b, blen, out);
	/* b[0] == 00 and at least two body bytes: extended, since a short
	 * Lc of 00 is not allowed (ISO 7816-4 §5.1). */
	if (blen == 2)
		return DM_E_LENGTH;
	if (blen == 3) {
		size_t le = dm_get_u16be(b + 1);
		capdu_set(out, in, NULL, 0, le ? le : DM_APDU_EXT_MAX_NE, true, 2);
		return DM_OK;
	}
	return parse_ext_body(in, b, blen, out);
}

int dm_capdu_build(const dm_capdu *a, dm_wbuf *out)
{
	if (a == NULL || out == NULL || (a->data == NULL && a->nc != 0))
		return DM_E_ARG;
	if (a->nc > DM_APDU_EXT_MAX_NC || a->ne > DM_APDU_EXT_MAX_NE)
		return DM_E_VALUE;

	bool ext = a->extended || a->nc > DM_APDU_SHORT_MAX_NC || a->ne > DM_APDU_SHORT_MAX_NE;
	size_t lc_len = a->nc ? (ext ? 3 : 1) : 0;
	size_t le_len = a->ne ? (ext ? (a->nc ? 2 : 3) : 1) : 0;
	size_t total = APDU_HDR + lc_len + a->nc + le_len;

	if (total > dm_wbuf_room(out))
		return DM_E_OVERFLOW;

	/* Room checked once above: the appends below cannot fail. */
	uint8_t *p = out->ptr + out->len;
	p[0] = a->cla;
	p[1] = a->ins;
	p[2] = a->p1;
	p[3] = a->p2;
	p += APDU_HDR;
	if (a->nc) {
		if (ext) {
			*p++ = 0x00;
			dm_put_u16be(p, (uint16_t)a->nc);
			p += 2;
		} else {
			*p++ = (uint8_t)a->nc;
		}
		memcpy(p, a->data, a->nc);
		p += a->nc;
	}
	if (a->ne) {
		/* Ne = 256 (short) or 65536 (extended) is encoded as all zero. */
		if (ext) {
			if (a->nc == 0)
				*p++ = 0x00; /* case 2E: 00 Le1 Le2 */
			dm_put_u16be(p, (uint16_t)(a->ne == DM_APDU_EXT_MAX_NE ? 0 : a->ne));
			p += 2;
		} else {
			*p++ = (uint8_t)(a->ne == DM_APDU_SHORT_MAX_NE ? 0 : a->ne);
		}
	}
	out->len += total;
	return DM_OK;
}

/*
 * CLA (ISO 7816-4 §5.4.1, TS 102 221 §10.1.1):
 *   000x xxxx  0X-1X first interindustry: b5 chaining, b4-b3 SM, b2-b1 channel 0-3
 *   001x xxxx  2X-3X RFU
 *   01xx xxxx  4X-7X further interindustry: b6 SM, b5 chaining, b4-b1 channel 4-19
 *   10xx xxxx  8X-BX proprietary, coded like 0X (TS 102 221: 8X; A0 = GSM class)
 *   11xx xxxx  CX-FX proprietary, coded like 4X (TS 102 221: CX, EX); FF invalid
 */
int dm_cla_decode(uint8_t cla, dm_cla *out)
{
	if (out == NULL)
		return DM_E_ARG;
	/* FF is the PPS start byte (ISO 7816-3 §9), never a class. */
	if (cla == 0xFF || (cla & 0xE0) == 0x20)
		return DM_E_VALUE;

	memset(out, 0, sizeof *out);
	out->interindustry = (cla & 0x80) == 0;
	out->further = (cla & 0x40) != 0;
	out->chaining = (cla & 0x10) != 0;
	if (out->further) {
		out->channel = (uint8_t)(4 + (cla & 0x0F));
		out->sm = (cla & 0x20) ? 2 : 0;
	} else {
		out->channel = cla & 0x03;
		out->sm = (cla >> 2) & 0x03;
	}
	return DM_OK;
}

/*
 * Re-code `base` for channel ch, keeping its class (interindustry or
 * proprietary), chaining and SM indication.
 * Going from first to further coding, the SM indication must fit b6:
 *   interindustry: only SM 2 (ISO, header not processed) fits; 1 and 3 do not;
 *   proprietary: any SM sets b6 (GlobalPlatform Card Spec §11.1.4: 84 <-> E0).
 * Going back, b6 gives SM 2 (interindustry, 08) or SM 1 (proprietary, 84).
 * A proprietary first-coded base with b6 set (AX/BX, e.g. the GSM class A0)
 * has no further-coded form: -1 for channels 4-19.  Neither has FF.
 */
int dm_cla_on_channel(uint8_t base, unsigned ch)
{
	dm_cla c;

	if (ch > 19 || dm_cla_decode(base, &c) != DM_OK)
		return -1;
	uint8_t chain = c.chaining ? 0x10 : 0x00;

	if (ch <= 3) {
		if (!c.further)
			return (base & 0xFC) | (int)ch;
		uint8_t sm = 0;
		if (c.sm)
			sm = c.interindustry ? 0x08 : 0x04;
		return (c.interindustry ? 0x00 : 0x80) | chain | sm | (int)ch;
	}
	int r;
	if (c.further) {
		r = (base & 0xF0) | (int)(ch - 4);
	} else {
		if (!c.interindustry && (base & 0x20))
			return -1;
		uint8_t b6 = 0;
		if (c.sm) {
			if (c.interindustry && c.sm != 2)
				return -1;
			b6 = 0x20;
		}
		r = (c.interindustry ? 0x40 : 0xC0) | b6 | chain | (int)(ch - 4);
	}
	/* Proprietary + SM + chaining on channel 19 would be FF: not a class. */
	return r == 0xFF ? -1 : r;
}

int dm_rapdu_parse(const uint8_t *in, size_t len, dm_rapdu *out)
{
	if (out == NULL || (in == NULL && len != 0))
		return DM_E_ARG;
	if (len < 2)
		return DM_E_TRUNCATED;
	if (len > DM_RAPDU_MAX)
		return DM_E_LENGTH;
	out->len = len - 2;
	out->data = out->len ? in : NULL;
	out->sw = dm_get_u16be(in + len - 2);
	return DM_OK;
}

int dm_rapdu_build(const uint8_t *data, size_t len, uint16_t sw, dm_wbuf *out)
{
	if (out == NULL || (data == NULL && len != 0))
		return DM_E_ARG;
	if (len > DM_APDU_EXT_MAX_NE)
		return DM_E_VALUE;
	if (len + 2 > dm_wbuf_room(out))
		return DM_E_OVERFLOW;
	if (len)
		memcpy(out->ptr + out->len, data, len);
	dm_put_u16be(out->ptr + out->len + len, sw);
	out->len += len + 2;
	return DM_OK;
}
