/*
 * bench-pcsc.c - SCardTransmit loop against one PC/SC reader: APDUs per
 * second and p50/p99 latency of one exchange (client -> pcscd -> vpcd ->
 * card and back).  Measured, never asserted: tools/bench-pipeline runs it
 * against the minimal card and dmsc-card behind the same stack and prints
 * the ratio (docs/reader-stack.md, "Benchmark").  --setup APDUs are sent
 * once, in the same card session, before the timed loop (e.g. SELECT an EF
 * before timing READ BINARY on it); each must answer 9000.
 *
 * Output, one line: reader="NAME" n=N apdu_per_s=R p50_us=A p99_us=B
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <winscard.h>

#include "hex.h"

#define APDU_MAX 261u
#define RESP_MAX (256u + 2u)
#define SETUP_MAX 8u

typedef struct bench_apdu {
	uint8_t b[APDU_MAX];
	size_t len;
} bench_apdu;

typedef struct bench_opts {
	const char *reader;   /* name, or index into the reader list */
	unsigned long n, warmup;
	bench_apdu apdu;
	long expect_sw;       /* -1: any */
	bench_apdu setup[SETUP_MAX];
	size_t nsetup;
} bench_opts;

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void usage(FILE *f)
{
	fputs("usage: bench-pcsc [-r READER] [-n N] [-w WARMUP] [--setup HEX]... [--apdu HEX]\n"
	      "                  [--sw HEX|any]\n"
	      "Send one APDU N times with SCardTransmit and print APDU/s and p50/p99.\n"
	      "  -r READER    reader name or index (default 0)\n"
	      "  -n N         measured exchanges (default 2000)\n"
	      "  -w WARMUP    unmeasured exchanges first (default 100)\n"
	      "  --setup HEX  send this APDU once before the loop, same session; it must\n"
	      "               answer 9000 (repeatable, up to 8, in order)\n"
	      "  --apdu HEX   the command (default 00A4000C023F00, SELECT MF)\n"
	      "  --sw HEX     status word every answer must end with (default 9000)\n"
	      "Honours PCSCLITE_CSOCK_NAME (tools/reader-stack).\n", f);
}

static int parse_apdu(const char *hex, bench_apdu *a)
{
	dm_wbuf w = dm_wbuf_init(a->b, sizeof a->b);
	if (dm_hex_decode(hex, &w) != DM_OK || w.len < 4) {
		fprintf(stderr, "bench-pcsc: an APDU is 4..%u bytes of hex, not '%s'\n", APDU_MAX,
			hex);
		return -1;
	}
	a->len = w.len;
	return 0;
}

static int parse_args(int argc, char **argv, bench_opts *o)
{
	static const struct option longopts[] = {
		{ "reader", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "apdu", required_argument, NULL, 'a' },
		{ "sw", required_argument, NULL, 's' },
		{ "setup", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *apdu = "00A4000C023F00";
	char *end;
	int c;
	while ((c = getopt_long(argc, argv, "r:n:w:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o->reader = optarg; break;
		case 'n':
			o->n = strtoul(optarg, &end, 10);
			if (*end != '\0' || o->n == 0 || o->n > 100000000ul)
				return 2;
			break;
		case 'w':
			o->warmup = strtoul(optarg, &end, 10);
			if (*end != '\0')
				return 2;
			break;
		case 'a': apdu = optarg; break;
		case 'S':
			if (o->nsetup == SETUP_MAX || parse_apdu(optarg, &o->setup[o->nsetup]) != 0)
				return 2;
			o->nsetup++;
			break;
		case 's':
			if (strcmp(optarg, "any") == 0) {
				o->expect_sw = -1;
				break;
			}
			o->expect_sw = strtol(optarg, &end, 16);
			if (*end != '\0' || o->expect_sw < 0 || o->expect_sw > 0xFFFF)
				return 2;
			break;
		case 'h': usage(stdout); return 1;
		default: return 2;
		}
	}
	if (optind != argc)
		return 2;
	return parse_apdu(apdu, &o->apdu) == 0 ? 0 : 2;
}

/* Pick the reader by name or index from the multi-string list. */
static const char *pick_reader(const char *list, DWORD len, const char *want)
{
	char *end;
	unsigned long idx = strtoul(want, &end, 10);
	bool by_index = *want != '\0' && *end == '\0';
	unsigned long i = 0;
	for (const char *p = list; p < list + len && *p != '\0'; p += strlen(p) + 1, i++) {
		if (by_index ? i == idx : strcmp(p, want) == 0)
			return p;
	}
	return NULL;
}

static int transmit_once(SCARDHANDLE h, DWORD proto, const bench_apdu *a, long expect_sw)
{
	uint8_t resp[RESP_MAX];
	DWORD rlen = sizeof resp;
	const SCARD_IO_REQUEST *pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	LONG rv = SCardTransmit(h, pci, a->b, (DWORD)a->len, NULL, resp, &rlen);
	if (rv != SCARD_S_SUCCESS) {
		fprintf(stderr, "bench-pcsc: SCardTransmit: %s\n", pcsc_stringify_error(rv));
		return -1;
	}
	/* Fewer than 2 bytes: the card went away mid-APDU (never data). */
	if (rlen < 2) {
		fprintf(stderr, "bench-pcsc: answer of %lu bytes: card gone\n", (unsigned long)rlen);
		return -1;
	}
	long sw = (long)resp[rlen - 2] << 8 | resp[rlen - 1];
	if (expect_sw >= 0 && sw != expect_sw) {
		fprintf(stderr, "bench-pcsc: SW %04lX, expected %04lX\n", sw, expect_sw);
		return -1;
	}
	return 0;
}

static int run(SCARDHANDLE h, DWORD proto, const bench_opts *o, const char *name)
{
	double *lat = malloc(o->n * sizeof *lat);
	if (lat == NULL)
		return -1;
	int rc = -1;
	for (size_t i = 0; i < o->nsetup; i++)
		if (transmit_once(h, proto, &o->setup[i], 0x9000) != 0)
			goto out;
	for (unsigned long i = 0; i < o->warmup; i++)
		if (transmit_once(h, proto, &o->apdu, o->expect_sw) != 0)
			goto out;
	double start = now_us();
	for (unsigned long i = 0; i < o->n; i++) {
		double t = now_us();
		if (transmit_once(h, proto, &o->apdu, o->expect_sw) != 0)
			goto out;
		lat[i] = now_us() - t;
	}
	double total = now_us() - start;
	qsort(lat, o->n, sizeof *lat, cmp_double);
	printf("reader=\"%s\" n=%lu apdu_per_s=%.0f p50_us=%.0f p99_us=%.0f\n", name, o->n,
	       (double)o->n * 1e6 / total, lat[o->n / 2], lat[(o->n * 99) / 100]);
	rc = 0;
out:
	free(lat);
	return rc;
}

int main(int argc, char **argv)
{
	bench_opts o = { .reader = "0", .n = 2000, .warmup = 100, .expect_sw = 0x9000 };
	int a = parse_args(argc, argv, &o);
	if (a != 0) {
		if (a == 2)
			usage(stderr);
		return a == 1 ? EXIT_SUCCESS : 2;
	}

	SCARDCONTEXT ctx;
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv != SCARD_S_SUCCESS) {
		fprintf(stderr, "bench-pcsc: SCardEstablishContext: %s\n", pcsc_stringify_error(rv));
		return EXIT_FAILURE;
	}
	int rc = EXIT_FAILURE;
	char *readers = NULL;
	DWORD rlen = SCARD_AUTOALLOCATE;
	rv = SCardListReaders(ctx, NULL, (LPSTR)&readers, &rlen);
	if (rv != SCARD_S_SUCCESS) {
		fprintf(stderr, "bench-pcsc: SCardListReaders: %s\n", pcsc_stringify_error(rv));
		goto out_ctx;
	}
	const char *name = pick_reader(readers, rlen, o.reader);
	if (name == NULL) {
		fprintf(stderr, "bench-pcsc: no reader '%s'\n", o.reader);
		goto out_list;
	}
	SCARDHANDLE h;
	DWORD proto;
	rv = SCardConnect(ctx, name, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
			  &h, &proto);
	if (rv != SCARD_S_SUCCESS) {
		fprintf(stderr, "bench-pcsc: SCardConnect %s: %s\n", name, pcsc_stringify_error(rv));
		goto out_list;
	}
	if (run(h, proto, &o, name) == 0)
		rc = EXIT_SUCCESS;
	SCardDisconnect(h, SCARD_LEAVE_CARD);
out_list:
	SCardFreeMemory(ctx, readers);
out_ctx:
	SCardReleaseContext(ctx);
	return rc;
}
