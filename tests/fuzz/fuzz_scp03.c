/*
 * fuzz_scp03.c - the card side of SCP03 (proto/scp03) on arbitrary C-APDUs.
 *
 * Input: one flags byte, then records, each a 2-byte big-endian length and
 * that many bytes.  Flags:
 *   b2-b0  security level: 01, 03, 11, 13, 33 (value mod 5)
 *   b3     S16 mode with AES-256 keys (else S8, AES-128)
 *   b4     round trip: each record is `mutation byte || plain C-APDU`; the
 *          host wraps it, the wire bytes get the mutation (00 none, else
 *          flip bit (m & 7) of byte (m >> 3) mod length), the card unwraps.
 *          Unmutated, the card must get the plain command back and the host
 *          the response; a command that passes after a mutation must still
 *          be the one the host sent (the C-MAC protects it).  Any
 *          difference aborts.
 *   b5     (raw mode) the card starts before EXTERNAL AUTHENTICATE
 * Raw mode (b4 = 0): each record is a wrapped C-APDU for the card, and is
 * also given to the host as an R-APDU.  Fixed keys and challenges: the
 * corpus (tools/gen-scp03-vectors.py --corpus) holds genuine commands.
 */
#include <stdlib.h>
#include <string.h>

#include "apdu.h"
#include "scp03.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 8

static uint8_t wbuf[DM_CAPDU_MAX], wire[DM_CAPDU_MAX], cbuf[DM_CAPDU_MAX];
static uint8_t rbuf[DM_RAPDU_MAX + 64], hbuf[DM_RAPDU_MAX + 64];

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* The fixed session of the corpus: keys 00 01 .., challenges A0.., B0.. */
static void open_sessions(uint8_t flags, dm_scp03_session *host, dm_scp03_session *card,
			  bool authenticate)
{
	static const uint8_t levels[] = { 0x01, 0x03, 0x11, 0x13, 0x33 };
	dm_scp03_mode mode = (flags & 0x08) ? DM_SCP03_S16 : DM_SCP03_S8;
	size_t klen = mode == DM_SCP03_S16 ? 32 : 16;
	uint8_t ke[32], km[32], hc[16], cc[16], cg[16], eb[64];
	dm_wbuf w = dm_wbuf_init(eb, sizeof eb);
	dm_scp03_keys k;
	dm_capdu ea;

	for (unsigned i = 0; i < 32; i++) {
		ke[i] = (uint8_t)i;
		km[i] = (uint8_t)(0x20 + i);
	}
	for (unsigned i = 0; i < 16; i++) {
		hc[i] = (uint8_t)(0xA0 + i);
		cc[i] = (uint8_t)(0xB0 + i);
	}
	check(dm_scp03_keys_set(&k, ke, km, klen) == DM_OK);
	check(dm_scp03_session_init(host, &k, mode, hc, cc) == DM_OK);
	check(dm_scp03_session_init(card, &k, mode, hc, cc) == DM_OK);
	dm_scp03_keys_wipe(&k);
	check(dm_scp03_card_cryptogram(card, cg) == DM_OK);
	check(dm_scp03_check_card_cryptogram(host, cg, mode) == DM_OK);
	check(dm_scp03_host_external_auth(host, 0x80, levels[(flags & 7) % 5], &ea, &w) == DM_OK);
	if (authenticate)
		check(dm_scp03_card_external_auth(card, &ea) == DM_OK);
}

static void round_trip(dm_scp03_session *host, dm_scp03_session *card, const uint8_t *p,
		       size_t n)
{
	dm_capdu plain, wrapped, got;
	dm_wbuf w = dm_wbuf_init(wbuf, sizeof wbuf), ww = dm_wbuf_init(wire, sizeof wire);
	dm_wbuf cw = dm_wbuf_init(cbuf, sizeof cbuf);
	dm_wbuf rw = dm_wbuf_init(rbuf, sizeof rbuf), hw = dm_wbuf_init(hbuf, sizeof hbuf);
	uint8_t m;
	uint16_t sw;
	int rc;

	/* a mutated command that failed has ended the card's session */
	if (card->state != DM_SCP03_OPEN)
		return;
	if (n < 1 || dm_capdu_parse(p + 1, n - 1, &plain) != DM_OK)
		return;
	m = p[0];
	if (dm_scp03_wrap_command(host, &plain, &wrapped, &w) != DM_OK)
		return;
	check(dm_capdu_build(&wrapped, &ww) == DM_OK);
	if (m != 0)
		wire[(m >> 3) % ww.len] ^= (uint8_t)(1u << (m & 7));
	if (dm_capdu_parse(wire, ww.len, &wrapped) != DM_OK) {
		dm_scp03_session_wipe(card); /* the card would answer 6700 and stop */
		return;
	}
	rc = dm_scp03_unwrap_command(card, &wrapped, &got, &cw);
	if (m == 0)
		check(rc == DM_OK);
	if (rc != DM_OK) {
		check(card->state == DM_SCP03_CLOSED);
		return;
	}
	check(got.ins == plain.ins && got.p1 == plain.p1 && got.p2 == plain.p2);
	check(got.nc == plain.nc && (got.nc == 0 || memcmp(got.data, plain.data, got.nc) == 0));
	if (m == 0)
		check(got.cla == plain.cla && got.ne == plain.ne);

	/* answer with (up to 300 bytes of) the command data, SW from P1 P2 */
	size_t rlen = got.nc < 300 ? got.nc : 300;
	uint16_t rsw = (uint16_t)((got.p1 << 8) | got.p2);

	if (!dm_scp03_sw_protected(rsw))
		rlen = 0;
	check(dm_scp03_wrap_response(card, got.data, rlen, rsw, &rw) == DM_OK);
	check(dm_scp03_unwrap_response(host, rbuf, rw.len, &hw, &sw) == DM_OK);
	check(sw == rsw && hw.len == rlen && (rlen == 0 || memcmp(hbuf, got.data, rlen) == 0));
}

static void raw(dm_scp03_session *host, dm_scp03_session *card, const uint8_t *p, size_t n)
{
	dm_capdu c, got;
	dm_wbuf cw = dm_wbuf_init(cbuf, sizeof cbuf), hw = dm_wbuf_init(hbuf, sizeof hbuf);
	uint16_t sw;

	if (dm_capdu_parse(p, n, &c) == DM_OK) {
		if (card->state == DM_SCP03_INITIALIZED && c.ins == 0x82)
			(void)dm_scp03_card_external_auth(card, &c);
		else if (dm_scp03_unwrap_command(card, &c, &got, &cw) == DM_OK)
			check(got.nc <= c.nc && (got.nc == 0 || got.data != NULL));
	}
	(void)dm_scp03_unwrap_response(host, p, n, &hw, &sw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dm_scp03_session host, card;
	uint8_t flags;

	if (size < 1)
		return 0;
	flags = data[0];
	open_sessions(flags, &host, &card, (flags & 0x10) || !(flags & 0x20));
	data++;
	size--;
	for (int r = 0; r < MAX_RECORDS && size >= 2; r++) {
		size_t n = ((size_t)data[0] << 8) | data[1];

		if (n > size - 2)
			n = size - 2;
		if (flags & 0x10)
			round_trip(&host, &card, data + 2, n);
		else
			raw(&host, &card, data + 2, n);
		data += 2 + n;
		size -= 2 + n;
	}
	dm_scp03_session_wipe(&host);
	dm_scp03_session_wipe(&card);
	return 0;
}
