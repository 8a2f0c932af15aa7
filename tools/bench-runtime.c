/*
 * bench-runtime.c - APDUs per second through dm_card_transmit, in process
 * (no reader, no socket): the cost of the card runtime alone.  The card is
 * the echo test card (applets/echo.h: the MF and echo applets) on a fresh
 * image in a temporary directory.  Measured, never asserted (docs/runtime.md, "Performance").
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apdu.h"
#include "applet.h"
#include "applets/echo.h"
#include "card.h"
#include "hex.h"
#include "store.h"
#include "sw.h"

struct workload {
	const char *name;
	const char *apdu;     /* hex */
	unsigned long divisor; /* runs count / divisor times (slow workloads) */
};

static const struct workload workloads[] = {
	{ "trivial (INFO, case 1, no data)", "80300000", 1 },
	{ "echo 16 bytes (case 4)", "8001000010000102030405060708090A0B0C0D0E0F00", 1 },
	{ "read 256 bytes (case 2)", "8015000000", 1 },
	{ "SELECT MF (00A4000C023F00)", "00A4000C023F00", 1 },
	{ "SELECT by AID (FCI)", "00A404000AF0444D53434543484F0100", 1 },
	{ "increment (persistent write + commit)", "8010000004", 1000 },
};

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [--count N] [--durable]\n"
		"Send each workload APDU N times (default 2000000; writes N/1000)\n"
		"through dm_card_transmit and print APDUs per second.\n"
		"  --count N   iterations per workload\n"
		"  --durable   fsync on commit (default: relaxed, atomic only)\n"
		"  --help      this text\n",
		argv0);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Returns 0, or 1 when an APDU did not answer as expected. */
static int run(dm_card *card, const struct workload *w, unsigned long count, uint8_t *out_buf)
{
	uint8_t apdu[300];
	dm_wbuf a = dm_wbuf_init(apdu, sizeof apdu);
	if (dm_hex_decode(w->apdu, &a) != DM_OK) {
		fprintf(stderr, "bench-runtime: bad workload hex %s\n", w->apdu);
		return 1;
	}
	unsigned long n = count / w->divisor;
	if (n == 0)
		n = 1;
	double t0 = now();
	for (unsigned long i = 0; i < n; i++) {
		dm_wbuf out = dm_wbuf_init(out_buf, DM_RAPDU_MAX);
		if (dm_card_transmit(card, apdu, a.len, &out) != DM_OK || out.len < 2 ||
		    dm_get_u16be(out.ptr + out.len - 2) != DM_SW_OK) {
			fprintf(stderr, "bench-runtime: %s: unexpected answer\n", w->name);
			return 1;
		}
	}
	double dt = now() - t0;
	printf("%-46s %10lu APDUs %8.3f s %12.0f APDU/s %8.1f ns/APDU\n", w->name, n, dt,
	       (double)n / dt, dt * 1e9 / (double)n);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "durable", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long count = 2000000;
	bool durable = false;
	int o;

	while ((o = getopt_long(argc, argv, "c:dh", opts, NULL)) != -1) {
		switch (o) {
		case 'c': {
			char *end;
			count = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || count == 0) {
				fprintf(stderr, "bench-runtime: --count wants a positive number\n");
				return 2;
			}
			break;
		}
		case 'd':
			durable = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr, argv[0]);
		return 2;
	}

	char dir[] = "/tmp/dmsc-bench-XXXXXX";
	if (mkdtemp(dir) == NULL) {
		perror("bench-runtime: mkdtemp");
		return 1;
	}
	char image[sizeof dir + 16];
	snprintf(image, sizeof image, "%s/card.img", dir);
	dm_card_config cfg = {
		.image_path = image,
		.protocol = DM_CARD_T1,
		.store_flags = durable ? 0 : DM_STORE_RELAXED,
	};
	dm_card *card = NULL;
	int rc = dm_card_open_registry(&cfg, dm_echo_registry, dm_echo_registry_len, &card);
	uint8_t *out = malloc(DM_RAPDU_MAX);
	int failed = rc != DM_OK || out == NULL;
	if (rc != DM_OK)
		fprintf(stderr, "bench-runtime: card: %s\n", dm_strerror(rc));

	if (!failed)
		printf("# dm_card_transmit in process, T=1, commit %s\n",
		       durable ? "durable (fsync)" : "relaxed (atomic, no fsync)");
	for (size_t i = 0; !failed && i < DM_ARRAY_LEN(workloads); i++) {
		/* Each workload starts with the echo applet selected. */
		static const uint8_t sel[] = { 0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xF0, 0x44, 0x4D,
					       0x53, 0x43, 0x45, 0x43, 0x48, 0x4F, 0x01 };
		dm_wbuf w = dm_wbuf_init(out, DM_RAPDU_MAX);
		if (dm_card_transmit(card, sel, sizeof sel, &w) != DM_OK) {
			failed = 1;
			break;
		}
		failed = run(card, &workloads[i], count, out);
	}

	dm_card_close(&card);
	free(out);
	unlink(image);
	rmdir(dir);
	return failed ? 1 : 0;
}
