/*
 * minimal-card.c - the reference card for benchmarks: the same vpcd link as
 * dmsc-card (card/vpcd.c), a fixed ATR, and 9000 to every APDU.  What it
 * reaches is the pipeline's limit (pcscd + vpcd + TCP), so dmsc-card's rate
 * divided by this one's is the cost of the card logic alone.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw.h"
#include "vpcd.h"

/* ISO 7816-3 §8.2: TS 3B (direct convention), T0 80 (TD1 follows, no
 * historical bytes), TD1 01 (T=1), TCK = T0 ^ TD1. */
static const uint8_t minimal_atr[] = { 0x3B, 0x80, 0x01, 0x81 };

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static dm_bytes min_atr(void *ctx)
{
	(void)ctx;
	return dm_bytes_of(minimal_atr, sizeof minimal_atr);
}

static void min_power(void *ctx, int ev)
{
	(void)ctx;
	(void)ev;
}

static int min_transmit(void *ctx, const uint8_t *capdu, size_t len, dm_wbuf *out)
{
	(void)ctx;
	(void)capdu;
	(void)len;
	return dm_wbuf_put_u16be(out, DM_SW_OK);
}

static void usage(FILE *f)
{
	fputs("usage: minimal-card --vpcd HOST:PORT [-v] [--once]\n"
	      "A virtual card answering 9000 to every APDU (fixed ATR 3B800181),\n"
	      "for measuring the reader pipeline.  Reconnects when vpcd goes away\n"
	      "unless --once; SIGTERM/SIGINT stop it.\n", f);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "vpcd", required_argument, NULL, 'p' },
		{ "once", no_argument, NULL, '1' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char host[256];
	dm_vpcd_opts opts = { .host = host, .reconnect = true, .stop_flag = &stop,
			      .verbose = 1, .log_name = "minimal-card" };
	const char *addr = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "p:1vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': addr = optarg; break;
		case '1': opts.reconnect = false; break;
		case 'v': opts.verbose++; break;
		case 'h': usage(stdout); return EXIT_SUCCESS;
		default: usage(stderr); return 2;
		}
	}
	if (addr == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (dm_vpcd_parse_addr(addr, host, sizeof host, &opts.port) != DM_OK) {
		fprintf(stderr, "minimal-card: bad --vpcd address '%s' (want HOST:PORT)\n", addr);
		return 2;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	static const dm_vpcd_card_ops ops = { min_atr, min_power, min_transmit };
	int rc = dm_vpcd_serve(&opts, &ops, NULL);
	if (rc != DM_OK) {
		fprintf(stderr, "minimal-card: %s\n", dm_strerror(rc));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
