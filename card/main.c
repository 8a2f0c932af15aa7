/*
 * main.c - dmsc-card: the card (card.h) behind a vpcd reader slot.
 *
 *   dmsc-card --vpcd HOST:PORT --image FILE [--profile FILE] [--t0]
 *             [--trace FILE [--trace-full]] [-v] [--relaxed] [--exit-after-atr]
 *             [--drop-after-apdus N [--reinsert-ms MS]]   (test-only)
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
#include "sw.h"
#include "trace.h"
#include "vpcd.h"

#define PROG "dmsc-card"

static volatile sig_atomic_t stop;

typedef struct card_host {
	dm_card *card;
	FILE *trace;
	bool trace_full; /* --trace-full: nothing abbreviated (golden transcripts) */
	struct timespec t0;
	bool exit_after_atr;
	/* --drop-after-apdus (test-only): answer drop_after APDUs, then pull
	 * the card out when the next one arrives; once per run. */
	bool drop_armed, dropped;
	unsigned long drop_after, answered;
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

static double since_start(const card_host *h);

static void host_power(void *ctx, int ev)
{
	card_host *h = ctx;
	static const dm_power_event map[] = {
		[DM_VPCD_CTRL_OFF] = DM_POWER_OFF,
		[DM_VPCD_CTRL_ON] = DM_POWER_ON,
		[DM_VPCD_CTRL_RESET] = DM_POWER_RESET,
	};
	static const char *const name[] = {
		[DM_VPCD_CTRL_OFF] = "off",
		[DM_VPCD_CTRL_ON] = "on",
		[DM_VPCD_CTRL_RESET] = "reset",
	};
	if (ev < 0 || (size_t)ev >= DM_ARRAY_LEN(map))
		return;
	dm_card_power(h->card, map[ev]);
	/* A power event clears the session state (PINs, selections, SCP03,
	 * pending proactive commands): a replay of the trace must repeat it
	 * (docs/transcripts.md).  Only with --trace-full: the plain trace
	 * stays one line per APDU. */
	if (h->trace != NULL && h->trace_full) {
		fprintf(h->trace, "%.6f power %s\n", since_start(h), name[ev]);
		fflush(h->trace);
	}
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
	if (h->trace_full && out->len >= 2) {
		/* The same line as dm_trace_line, with every byte: a golden
		 * transcript is replayed from it (docs/transcripts.md). */
		uint16_t sw = dm_get_u16be(out->ptr + out->len - 2);
		fprintf(h->trace, "%.6f ch", since_start(h));
		if (ch < 0)
			fputc('?', h->trace);
		else
			fprintf(h->trace, "%d", ch);
		fputs(" > ", h->trace);
		for (size_t i = 0; i < len; i++)
			fprintf(h->trace, "%02X", capdu[i]);
		fputs(" < ", h->trace);
		for (size_t i = 0; i + 2 < out->len; i++)
			fprintf(h->trace, "%02X", out->ptr[i]);
		fprintf(h->trace, "%s%04X %s\n", out->len > 2 ? " " : "", (unsigned)sw, dm_sw_name(sw));
		fflush(h->trace);
		return;
	}
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
	if (h->drop_armed && h->answered == h->drop_after) {
		/* Removal while the reader sends this APDU: it is never executed
		 * and never answered; the error makes the link close (vpcd.h). */
		h->drop_armed = false;
		h->dropped = true;
		fprintf(stderr, PROG ": --drop-after-apdus: card pulled out at APDU %lu "
			"(test-only removal)\n", h->answered + 1);
		return DM_E_IO;
	}
	int rc = dm_card_transmit(h->card, capdu, len, out);
	h->answered++;
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
	      "  --trace-full       with --trace: every APDU whole (long ones are otherwise\n"
	      "                     abbreviated) and a line per power event (power\n"
	      "                     off|on|reset): a replayable golden transcript\n"
	      "  --relaxed          no fsync per commit (atomic, not durable on OS crash)\n"
	      "  --exit-after-atr   exit after answering the first ATR request (startup timing)\n"
	      "  --drop-after-apdus N  TEST-ONLY card removal: answer N APDUs, then close the\n"
	      "                     vpcd link when the next one arrives (not executed, not\n"
	      "                     answered: the card is pulled out), power off, and connect\n"
	      "                     again after --reinsert-ms (the card is put back).  Once.\n"
	      "  --reinsert-ms MS   with --drop-after-apdus: delay before reinsertion\n"
	      "                     (default 1000; pcscd's vpcd polls presence every 400 ms)\n"
	      "  -v, --verbose      more messages on stderr (repeatable)\n"
	      "  -h, --help         this text\n"
	      "SIGTERM/SIGINT: clean exit with the image closed.\n", f);
}

typedef struct options {
	const char *addr, *image, *trace, *profile;
	bool t0, relaxed, exit_after_atr, drop, trace_full;
	unsigned long drop_after, reinsert_ms;
	int verbose;
} options;

/* A decimal count in 0..max; false for anything else. */
static bool parse_count(const char *s, unsigned long max, unsigned long *v)
{
	char *end;
	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && *v <= max;
}

/* 0 run, 1 exit success (--help), 2 usage error. */
static int parse_args(int argc, char **argv, options *o)
{
	static const struct option longopts[] = {
		{ "vpcd", required_argument, NULL, 'p' },
		{ "image", required_argument, NULL, 'i' },
		{ "profile", required_argument, NULL, 'P' },
		{ "trace", required_argument, NULL, 't' },
		{ "trace-full", no_argument, NULL, 'F' },
		{ "t0", no_argument, NULL, '0' },
		{ "relaxed", no_argument, NULL, 'r' },
		{ "exit-after-atr", no_argument, NULL, 'x' },
		{ "drop-after-apdus", required_argument, NULL, 'D' },
		{ "reinsert-ms", required_argument, NULL, 'R' },
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
		case 'F': o->trace_full = true; break;
		case '0': o->t0 = true; break;
		case 'r': o->relaxed = true; break;
		case 'x': o->exit_after_atr = true; break;
		case 'D':
			if (!parse_count(optarg, 100000000UL, &o->drop_after)) {
				fprintf(stderr, PROG ": bad --drop-after-apdus '%s'\n", optarg);
				return 2;
			}
			o->drop = true;
			break;
		case 'R':
			if (!parse_count(optarg, 60000UL, &o->reinsert_ms)) {
				fprintf(stderr, PROG ": bad --reinsert-ms '%s' (0..60000)\n", optarg);
				return 2;
			}
			break;
		case 'v': o->verbose++; break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (o->trace_full && o->trace == NULL) {
		fprintf(stderr, PROG ": --trace-full needs --trace FILE\n");
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
	options o = { .reinsert_ms = 1000 };
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

	card_host h = { .exit_after_atr = o.exit_after_atr, .drop_armed = o.drop,
			.drop_after = o.drop_after, .trace_full = o.trace_full };
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
	if (h.dropped && !stop) {
		/* The test-only removal: out for a while, then back in. */
		h.dropped = false;
		for (unsigned long ms = 0; ms < o.reinsert_ms && !stop; ms += 50) {
			struct timespec ts = { 0, 50 * 1000000L };
			nanosleep(&ts, NULL);
		}
		if (o.verbose > 0)
			fprintf(stderr, PROG ": --drop-after-apdus: card put back\n");
		rc = stop ? DM_OK : dm_vpcd_serve(&vo, &ops, &h);
	}
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
