/*
 * main.c - dmsc-card: the card (card.h) behind a vpcd reader slot.
 *
 *   dmsc-card --vpcd HOST:PORT --image FILE [--profile FILE] [--t0]
 *             [--trace FILE] [-v] [--relaxed] [--exit-after-atr]
 *
 * SIGTERM/SIGINT end serving between two APDUs and close the store, so the
 * image is always consistent (the store also survives a kill -9: store.h).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apdu.h"
#include "card.h"
#include "hex.h"
#include "profile_load.h"
#include "store.h"
#include "trace.h"
#include "vpcd.h"

#define PROG "dmsc-card"

static volatile sig_atomic_t stop;

typedef struct card_host {
	dm_card *card;
	FILE *trace;
	struct timespec t0;
	bool exit_after_atr;
} card_host;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static dm_bytes host_atr(void *ctx)
{
	card_host *h = ctx;
	/* --exit-after-atr: the link sends this ATR, then sees stop and returns. */
	if (h->exit_after_atr)
		stop = 1;
	return dm_card_atr(h->card);
}

static void host_power(void *ctx, int ev)
{
	card_host *h = ctx;
	static const dm_power_event map[] = {
		[DM_VPCD_CTRL_OFF] = DM_POWER_OFF,
		[DM_VPCD_CTRL_ON] = DM_POWER_ON,
		[DM_VPCD_CTRL_RESET] = DM_POWER_RESET,
	};
	if (ev >= 0 && (size_t)ev < DM_ARRAY_LEN(map))
		dm_card_power(h->card, map[ev]);
}

static double since_start(const card_host *h)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - h->t0.tv_sec) + (double)(now.tv_nsec - h->t0.tv_nsec) / 1e9;
}

/* One trace line per exchange: time since start, channel, C-APDU, R-APDU, SW name. */
static void trace_exchange(card_host *h, const uint8_t *capdu, size_t len, const dm_wbuf *out)
{
	char line[DM_TRACE_LINE_MAX];
	dm_cla cla;
	int ch = len >= 1 && dm_cla_decode(capdu[0], &cla) == DM_OK ? cla.channel : -1;
	if (dm_trace_line(line, sizeof line, since_start(h), ch, capdu, len, out->ptr,
			  out->len) != DM_OK)
		return;
	/* Flushed per line: the trace survives a crash up to the last APDU. */
	fprintf(h->trace, "%s\n", line);
	fflush(h->trace);
}

static int host_transmit(void *ctx, const uint8_t *capdu, size_t len, dm_wbuf *out)
{
	card_host *h = ctx;
	int rc = dm_card_transmit(h->card, capdu, len, out);
	if (rc == DM_OK && h->trace != NULL)
		trace_exchange(h, capdu, len, out);
	return rc;
}

static void usage(FILE *f)
{
	fputs("usage: " PROG " --vpcd HOST:PORT --image FILE [options]\n"
	      "The DM_SC card behind a vsmartcard vpcd reader slot.\n"
	      "  --vpcd HOST:PORT   vpcd slot to connect to (reconnects when it goes away)\n"
	      "  --image FILE       card image; created from the default profile if absent\n"
	      "  --profile FILE     create a missing image from this profile (docs/profile.md)\n"
	      "                     instead of the embedded default; its ATR protocol applies\n"
	      "  --t0               T=0 ATR and 61xx/6Cxx handling (default T=1)\n"
	      "  --trace FILE       append one line per APDU (time, channel, command,\n"
	      "                     response, status word name), flushed per line\n"
	      "  --relaxed          no fsync per commit (atomic, not durable on OS crash)\n"
	      "  --exit-after-atr   exit after answering the first ATR request (startup timing)\n"
	      "  -v, --verbose      more messages on stderr (repeatable)\n"
	      "  -h, --help         this text\n"
	      "SIGTERM/SIGINT: clean exit with the image closed.\n", f);
}

typedef struct options {
	const char *addr, *image, *trace, *profile;
	bool t0, relaxed, exit_after_atr;
	int verbose;
} options;

/* 0 run, 1 exit success (--help), 2 usage error. */
static int parse_args(int argc, char **argv, options *o)
{
	static const struct option longopts[] = {
		{ "vpcd", required_argument, NULL, 'p' },
		{ "image", required_argument, NULL, 'i' },
		{ "profile", required_argument, NULL, 'P' },
		{ "trace", required_argument, NULL, 't' },
		{ "t0", no_argument, NULL, '0' },
		{ "relaxed", no_argument, NULL, 'r' },
		{ "exit-after-atr", no_argument, NULL, 'x' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': o->addr = optarg; break;
		case 'i': o->image = optarg; break;
		case 'P': o->profile = optarg; break;
		case 't': o->trace = optarg; break;
		case '0': o->t0 = true; break;
		case 'r': o->relaxed = true; break;
		case 'x': o->exit_after_atr = true; break;
		case 'v': o->verbose++; break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (o->addr == NULL || o->image == NULL) {
		fprintf(stderr, PROG ": --vpcd and --image are required (see --help)\n");
		return 2;
	}
	return 0;
}

static void say_card(const card_host *h, const options *o)
{
	char atr[DM_HEX_SIZE(33)];
	dm_bytes a = dm_card_atr(h->card);
	if (dm_hex_encode(a.ptr, a.len, atr, sizeof atr) != DM_OK)
		atr[0] = '\0';
	fprintf(stderr, PROG ": image %s, %s, ATR %s%s\n", o->image, o->t0 ? "T=0" : "T=1", atr,
		o->relaxed ? ", relaxed commits" : "");
}

int main(int argc, char **argv)
{
	options o = { 0 };
	int rc = parse_args(argc, argv, &o);
	if (rc != 0)
		return rc == 1 ? EXIT_SUCCESS : 2;

	char host[256];
	dm_vpcd_opts vo = { .host = host, .reconnect = true, .stop_flag = &stop,
			    .verbose = 1 + o.verbose, .log_name = PROG };
	if (dm_vpcd_parse_addr(o.addr, host, sizeof host, &vo.port) != DM_OK) {
		fprintf(stderr, PROG ": bad --vpcd address '%s' (want HOST:PORT)\n", o.addr);
		return 2;
	}

	card_host h = { .exit_after_atr = o.exit_after_atr };
	clock_gettime(CLOCK_MONOTONIC, &h.t0);
	if (o.trace != NULL && (h.trace = fopen(o.trace, "a")) == NULL) {
		fprintf(stderr, PROG ": cannot open trace %s: %s\n", o.trace, strerror(errno));
		return EXIT_FAILURE;
	}

	/* Handlers before the image opens: a signal never finds it half open. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	dm_card_config cfg = {
		.image_path = o.image,
		.protocol = o.t0 ? DM_CARD_T0 : DM_CARD_T1,
		.store_flags = o.relaxed ? DM_STORE_RELAXED : 0,
	};
	dm_profile *prof = NULL;
	if (o.profile != NULL) {
		char err[DM_PROFILE_ERR_MAX];
		if (dm_profile_load_file(o.profile, &prof, err, sizeof err) != DM_OK) {
			fprintf(stderr, PROG ": profile refused: %s\n", err);
			if (h.trace != NULL)
				fclose(h.trace);
			return EXIT_FAILURE;
		}
		cfg.profile = prof;
		cfg.capacity = prof->capacity;
		if (prof->protocol == DM_CARD_T0) {
			cfg.protocol = DM_CARD_T0;
			o.t0 = true;
		}
	}
	rc = dm_card_open(&cfg, &h.card);
	dm_profile_free(&prof); /* only needed to create the image */
	if (rc != DM_OK) {
		fprintf(stderr, PROG ": cannot open card image %s: %s\n", o.image, dm_strerror(rc));
		if (h.trace != NULL)
			fclose(h.trace);
		return EXIT_FAILURE;
	}
	if (o.verbose > 0)
		say_card(&h, &o);

	static const dm_vpcd_card_ops ops = { host_atr, host_power, host_transmit };
	rc = dm_vpcd_serve(&vo, &ops, &h);
	dm_card_close(&h.card);
	if (h.trace != NULL)
		fclose(h.trace);
	if (rc != DM_OK) {
		fprintf(stderr, PROG ": %s\n", dm_strerror(rc));
		return EXIT_FAILURE;
	}
	if (o.verbose > 0)
		fprintf(stderr, PROG ": stopped, image closed\n");
	return EXIT_SUCCESS;
}
