/*
 * pcsc-mo.c - GEN-12 through PC/SC (tests/integration/dmsc.sh): on the
 * card in the first reader, create a 1 MiB MO in the DMSC application
 * (80 E0, docs/dmsc-app.md), write it with odd-INS UPDATE BINARY D7 and
 * offset DO 54 in extended APDUs of 32 KiB, read it back with READ BINARY
 * B1 in 32 KiB pieces, and compare.  One "ok"/"not ok" line per step on stdout
 * (TAP-style, numbered by the calling script's `first` argument).
 *
 *   pcsc-mo FIRST-TEST-NUMBER
 *
 * Exit 0 when every step passed, 1 otherwise.
 */
#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB (1024u * 1024u)
#define CHUNK 32768u

static SCARDHANDLE card;
static DWORD proto;
static unsigned char rbuf[65538];
static DWORD rlen;
static int num, failed;

static void report(int good, const char *what)
{
	printf("%s %d - %s\n", good ? "ok" : "not ok", ++num, what);
	if (!good)
		failed = 1;
}

/* Send; returns the SW (0 on a PC/SC error); data in rbuf[0..rlen-2). */
static unsigned xfer(const unsigned char *apdu, size_t n)
{
	const SCARD_IO_REQUEST *pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	LONG rv;

	rlen = sizeof rbuf;
	rv = SCardTransmit(card, pci, apdu, (DWORD)n, NULL, rbuf, &rlen);
	if (rv != SCARD_S_SUCCESS || rlen < 2) {
		printf("# SCardTransmit: %s\n", pcsc_stringify_error(rv));
		return 0;
	}
	return (unsigned)rbuf[rlen - 2] << 8 | rbuf[rlen - 1];
}

static unsigned xfer_hex(const char *hex)
{
	unsigned char b[300];
	size_t n = 0;
	unsigned v;

	while (*hex && n < sizeof b && sscanf(hex, "%2x", &v) == 1) {
		b[n++] = (unsigned char)v;
		hex += 2;
	}
	return xfer(b, n);
}

static unsigned char pattern_at(unsigned i)
{
	return (unsigned char)((i * 2654435761u) >> 24);
}

int main(int argc, char **argv)
{
	static unsigned char apdu[7 + 12 + CHUNK];
	SCARDCONTEXT cx;
	char readers[4096];
	DWORD rl = sizeof readers;

	num = argc > 1 ? atoi(argv[1]) - 1 : 0;
	if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &cx) != SCARD_S_SUCCESS ||
	    SCardListReaders(cx, NULL, readers, &rl) != SCARD_S_SUCCESS ||
	    SCardConnect(cx, readers, SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
			 &card, &proto) != SCARD_S_SUCCESS) {
		report(0, "GEN-12: connect to the first reader");
		return 1;
	}
	/* ADM1 (default card, test-only), DMSC application, CREATE MO of
	 * exactly 1 MiB (81 03 100000). */
	int good = xfer_hex("0020000A083838383838383838") == 0x9000 &&
		   xfer_hex("00A4040C08F04F4D41444D5343") == 0x9000 &&
		   xfer_hex("80E0000012" "50055473744269" "0604672B0763" "8103100000" "00") == 0x9000 &&
		   rlen == 6 && rbuf[0] == 0x83;
	report(good, "GEN-12: CREATE MO of 1 MiB (80 E0) answers 83 FID 9000");
	if (!good)
		return 1;
	char sel[40];
	snprintf(sel, sizeof sel, "00A4000C02%02X%02X", rbuf[2], rbuf[3]);
	report(xfer_hex(sel) == 0x9000, "GEN-12: SELECT the new MO EF");

	/* D7 { 54 04 offset, 53 82 8000 data } as extended APDUs:
	 * 00 D7 00 00 00 Lc(2). */
	good = 1;
	for (unsigned off = 0; off < MIB && good; off += CHUNK) {
		size_t n = 0, lc = 6 + 4 + CHUNK;
		memcpy(apdu, (const unsigned char[]){ 0x00, 0xD7, 0x00, 0x00, 0x00 }, 5);
		n = 5;
		apdu[n++] = (unsigned char)(lc >> 8);
		apdu[n++] = (unsigned char)lc;
		apdu[n++] = 0x54;
		apdu[n++] = 0x04;
		apdu[n++] = (unsigned char)(off >> 24);
		apdu[n++] = (unsigned char)(off >> 16);
		apdu[n++] = (unsigned char)(off >> 8);
		apdu[n++] = (unsigned char)off;
		apdu[n++] = 0x53;
		apdu[n++] = 0x82;
		apdu[n++] = (unsigned char)(CHUNK >> 8);
		apdu[n++] = (unsigned char)CHUNK;
		for (unsigned i = 0; i < CHUNK; i++)
			apdu[n++] = pattern_at(off + i);
		unsigned sw = xfer(apdu, n);
		if (sw != 0x9000) {
			printf("# D7 at offset %u: SW %04X\n", off, sw);
			good = 0;
		}
	}
	report(good, "GEN-12: 1 MiB written with UPDATE BINARY D7 in 32 KiB extended APDUs");

	/* B1 { 54 04 offset } Le 8004 (53 82 8000 + 32 KiB): 00 B1 00 00 00
	 * 00 06 ... 80 04.  Not Le 0000: 65536 bytes and the SW do not fit
	 * one vpcd frame (65535 bytes, docs/dmsc-app.md). */
	good = 1;
	unsigned off = 0, reads = 0;
	while (off < MIB && good) {
		unsigned char b1[] = { 0x00, 0xB1, 0x00, 0x00, 0x00, 0x00, 0x06, 0x54, 0x04,
				       (unsigned char)(off >> 24), (unsigned char)(off >> 16),
				       (unsigned char)(off >> 8), (unsigned char)off, 0x80, 0x04 };
		unsigned sw = xfer(b1, sizeof b1);
		size_t len = rlen - 2, hdr, n;
		if (sw != 0x9000 || len < 4 || rbuf[0] != 0x53) {
			printf("# B1 at offset %u: SW %04X, %zu bytes\n", off, sw, len);
			good = 0;
			break;
		}
		if (rbuf[1] == 0x82) {
			hdr = 4;
			n = (size_t)rbuf[2] << 8 | rbuf[3];
		} else if (rbuf[1] == 0x81) {
			hdr = 3;
			n = rbuf[2];
		} else {
			hdr = 2;
			n = rbuf[1];
		}
		if (hdr + n != len || n == 0) {
			printf("# B1 at offset %u: bad 53 TLV\n", off);
			good = 0;
			break;
		}
		for (size_t i = 0; i < n && good; i++)
			if (rbuf[hdr + i] != pattern_at(off + (unsigned)i)) {
				printf("# byte %zu differs\n", off + i);
				good = 0;
			}
		off += (unsigned)n;
		reads++;
	}
	printf("# read back in %u B1 commands\n", reads);
	report(good && off == MIB, "GEN-12: 1 MiB read back with READ BINARY B1 (Le 8004), identical");

	SCardDisconnect(card, SCARD_RESET_CARD);
	SCardReleaseContext(cx);
	return failed;
}
