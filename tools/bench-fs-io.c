/*
 * bench-fs-io.c - the UICC file system's data path in process, through
 * dm_card_transmit on the default card (profiles/default.json) in a fresh
 * image on disk: no reader, no socket.  Measured, never asserted
 * (docs/interop.md, "Speed"):
 *
 *   READ BINARY 255 B of EF_POLICY            target >= 1,000,000 APDU/s
 *   UPDATE BINARY 255 B, relaxed and durable   commits/s (each is one commit)
 *   SELECT by path (00A40804, FCP) in one DF with 10 EFs, then with 1000:
 *   the cost per SELECT must not grow with the number of files (the index
 *   is hashed, card/fs_int.h); printed as a ratio.
 *
 * The EFs are made by CREATE FILE under ADM1 in a new DF 7F10, as a card
 * administrator would.  The image goes into a fresh temporary directory
 * under --dir (default .), which should be a disk file system: on tmpfs a
 * durable commit costs no more than a relaxed one.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "apdu.h"
#include "card.h"
#include "hex.h"
#include "store.h"

#define PROG "bench-fs-io"
#define EF_FID0 0x1000u
#define EF_SIZE 16u
#define SMALL_DF 10ul
#define TMPFS_MAGIC 0x01021994ul

/* The default card (dmsc-reference "Card profile v1"). */
static const char *const verify_adm1 = "0020000A083838383838383838";
static const char *const select_dmsc = "00A4040C08F04F4D41444D5343";
static const char *const select_policy = "00A4000C026423"; /* 2048 B, READ always */
/* DF 7F10 under the MF (TS 102 222 §6.3): DF descriptor 78 21, life cycle
 * 05, EF_ARR record 4 (every DF operation ADM1), C6 naming PIN1 and ADM1. */
static const char *const create_df =
	"00E000001D621B8202782183027F108A01058B032F0604C6099001C083010183010A";
static const char *const select_df = "00A4080C027F10";

typedef struct bench {
	unsigned long count;     /* READ BINARY and SELECT exchanges */
	unsigned long files;     /* EFs in the big DF */
	uint32_t capacity;       /* 0: the card's default */
	char dir[4096];
	char image[4096 + 16];
	uint8_t *out;            /* DM_RAPDU_MAX */
} bench;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fputs("usage: " PROG " [--count N] [--files N] [--capacity BYTES] [--dir DIR]\n"
	      "UICC file system data path through dm_card_transmit on the default card.\n"
	      "  --count N         READ BINARY and SELECT exchanges per row (default\n"
	      "                    1000000); UPDATE rows run N/100 relaxed, N/2000 durable\n"
	      "  --files N         EFs in the big DF for the SELECT rows (default 1000)\n"
	      "  --capacity BYTES  image capacity (default: the card's default, 256 KiB)\n"
	      "  --dir DIR         where the temporary image directory is made (default .)\n"
	      "  --help            this text\n", f);
}

/* Send one APDU; DM_OK when the answer ends with 9000 and, unless want_len
 * is (size_t)-1, carries exactly want_len data bytes. */
static int xmit(dm_card *card, bench *b, const uint8_t *apdu, size_t len, size_t want_len)
{
	dm_wbuf out = dm_wbuf_init(b->out, DM_RAPDU_MAX);
	int rc = dm_card_transmit(card, apdu, len, &out);
	if (rc != DM_OK)
		return rc;
	if (out.len < 2 || dm_get_u16be(out.ptr + out.len - 2) != 0x9000u ||
	    (want_len != (size_t)-1 && out.len - 2 != want_len))
		return DM_E_VALUE;
	return DM_OK;
}

/* Send one APDU given in hex; says what failed. */
static int xmit_hex(dm_card *card, bench *b, const char *hex)
{
	uint8_t apdu[300];
	dm_wbuf a = dm_wbuf_init(apdu, sizeof apdu);
	int rc = dm_hex_decode(hex, &a);
	if (rc == DM_OK)
		rc = xmit(card, b, apdu, a.len, (size_t)-1);
	if (rc != DM_OK)
		fprintf(stderr, PROG ": %s: %s\n", hex, rc == DM_E_VALUE ? "not 9000" : dm_strerror(rc));
	return rc;
}

static void report(const char *what, unsigned long n, double dt)
{
	printf("%-52s %9lu %8.3f s %11.0f /s %9.1f ns each\n", what, n, dt, (double)n / dt,
	       dt * 1e9 / (double)n);
}

static int open_card(bench *b, bool durable, dm_card **card)
{
	dm_card_config cfg = {
		.image_path = b->image,
		.store_flags = durable ? 0 : DM_STORE_RELAXED,
	};
	int rc = dm_card_open(&cfg, card);
	if (rc != DM_OK)
		fprintf(stderr, PROG ": card %s: %s\n", b->image, dm_strerror(rc));
	return rc;
}

/* VERIFY ADM1, SELECT ADF DMSC by AID, SELECT EF_POLICY. */
static int select_policy_adm(dm_card *card, bench *b)
{
	if (xmit_hex(card, b, verify_adm1) != DM_OK || xmit_hex(card, b, select_dmsc) != DM_OK ||
	    xmit_hex(card, b, select_policy) != DM_OK)
		return -1;
	return 0;
}

/* READ BINARY 255 B at offset 0 of the current EF (EF_POLICY). */
static int bench_read(dm_card *card, bench *b)
{
	static const uint8_t rb[] = { 0x00, 0xB0, 0x00, 0x00, 0xFF };
	double t0 = now();
	for (unsigned long i = 0; i < b->count; i++) {
		if (xmit(card, b, rb, sizeof rb, 255) != DM_OK) {
			fprintf(stderr, PROG ": READ BINARY 255: unexpected answer\n");
			return -1;
		}
	}
	report("READ BINARY 255 B (target >= 1,000,000/s)", b->count, now() - t0);
	return 0;
}

/* UPDATE BINARY 255 B of the current EF, other first bytes each time (no
 * write is a no-op); each is one store commit. */
static int bench_update(dm_card *card, bench *b, unsigned long n, const char *what)
{
	uint8_t ub[5 + 255] = { 0x00, 0xD6, 0x00, 0x00, 0xFF };
	for (size_t i = 0; i < 255; i++)
		ub[5 + i] = (uint8_t)i;
	double t0 = now();
	for (unsigned long i = 0; i < n; i++) {
		ub[5] = (uint8_t)i;
		ub[6] = (uint8_t)(i >> 8);
		if (xmit(card, b, ub, sizeof ub, 0) != DM_OK) {
			fprintf(stderr, PROG ": UPDATE BINARY 255: unexpected answer\n");
			return -1;
		}
	}
	double dt = now() - t0;
	/* The last write is what the EF holds: the loop really wrote. */
	static const uint8_t rb2[] = { 0x00, 0xB0, 0x00, 0x00, 0x02 };
	if (xmit(card, b, rb2, sizeof rb2, 2) != DM_OK || b->out[0] != (uint8_t)(n - 1) ||
	    b->out[1] != (uint8_t)((n - 1) >> 8)) {
		fprintf(stderr, PROG ": the EF does not hold the last UPDATE BINARY\n");
		return -1;
	}
	report(what, n, dt);
	return 0;
}

/* CREATE FILE (TS 102 222 §6.3) of EFs first..last-1 in the current DF:
 * transparent, EF_SIZE bytes, EF_ARR record 1, 88 00 (no SFI). */
static int create_efs(dm_card *card, bench *b, unsigned long first, unsigned long last)
{
	uint8_t cf[] = {
		0x00, 0xE0, 0x00, 0x00, 0x18,
		0x62, 0x16, 0x82, 0x02, 0x41, 0x21, 0x83, 0x02, 0x00, 0x00, 0x8A, 0x01, 0x05,
		0x8B, 0x03, 0x2F, 0x06, 0x01, 0x80, 0x02, 0x00, EF_SIZE, 0x88, 0x00,
	};
	_Static_assert(sizeof cf == 5 + 0x18, "CREATE FILE length");
	for (unsigned long i = first; i < last; i++) {
		dm_put_u16be(cf + 13, (uint16_t)(EF_FID0 + i));
		if (xmit(card, b, cf, sizeof cf, 0) != DM_OK) {
			fprintf(stderr, PROG ": CREATE FILE %04lX failed (card full? try --capacity)\n",
				EF_FID0 + i);
			return -1;
		}
	}
	return 0;
}

/* SELECT by path from the MF (P1 08, P2 04: FCP) of 3F00/7F10/EF, cycling
 * through the first `files` EFs of the DF; *ns is the cost of one. */
static int bench_select(dm_card *card, bench *b, unsigned long files, double *ns,
			const char *what)
{
	uint8_t sel[] = { 0x00, 0xA4, 0x08, 0x04, 0x04, 0x7F, 0x10, 0x00, 0x00, 0x00 };
	double t0 = now();
	for (unsigned long i = 0; i < b->count; i++) {
		dm_put_u16be(sel + 7, (uint16_t)(EF_FID0 + i % files));
		if (xmit(card, b, sel, sizeof sel, (size_t)-1) != DM_OK) {
			fprintf(stderr, PROG ": SELECT 7F10/%04lX failed\n", EF_FID0 + i % files);
			return -1;
		}
	}
	double dt = now() - t0;
	report(what, b->count, dt);
	*ns = dt * 1e9 / (double)b->count;
	return 0;
}

/* 10 EFs in DF 7F10, SELECT them; grow to b->files, SELECT all and the
 * same 10 again. */
static int bench_selects(dm_card *card, bench *b)
{
	char what[96];
	double small, big, big10;

	if (xmit_hex(card, b, verify_adm1) != DM_OK || xmit_hex(card, b, "00A4000C023F00") != DM_OK ||
	    xmit_hex(card, b, create_df) != DM_OK || xmit_hex(card, b, select_df) != DM_OK ||
	    create_efs(card, b, 0, SMALL_DF) != 0)
		return -1;
	snprintf(what, sizeof what, "SELECT by path 7F10/EF, %lu EFs in the DF", SMALL_DF);
	if (bench_select(card, b, SMALL_DF, &small, what) != 0)
		return -1;
	if (xmit_hex(card, b, select_df) != DM_OK || create_efs(card, b, SMALL_DF, b->files) != 0)
		return -1;
	snprintf(what, sizeof what, "SELECT by path 7F10/EF, %lu EFs, all of them", b->files);
	if (bench_select(card, b, b->files, &big, what) != 0)
		return -1;
	snprintf(what, sizeof what, "SELECT by path 7F10/EF, %lu EFs, the first %lu", b->files,
		 SMALL_DF);
	if (bench_select(card, b, SMALL_DF, &big10, what) != 0)
		return -1;
	printf("SELECT cost with %lu EFs / with %lu: %.2f (all), %.2f (the same %lu); "
	       "target ~1 (does not grow)\n",
	       b->files, SMALL_DF, big / small, big10 / small, SMALL_DF);
	return 0;
}

static int run(bench *b)
{
	dm_card *card = NULL;
	unsigned long relaxed_n = b->count / 100 ? b->count / 100 : 1;
	unsigned long durable_n = b->count / 2000 ? b->count / 2000 : 1;
	int rc = -1;

	if (open_card(b, false, &card) != DM_OK)
		return -1;
	if (select_policy_adm(card, b) != 0 || bench_read(card, b) != 0 ||
	    bench_update(card, b, relaxed_n, "UPDATE BINARY 255 B, relaxed commit") != 0 ||
	    bench_selects(card, b) != 0)
		goto out;
	/* Durable commits: the same image reopened without DM_STORE_RELAXED. */
	dm_card_close(&card);
	if (open_card(b, true, &card) != DM_OK || select_policy_adm(card, b) != 0 ||
	    bench_update(card, b, durable_n, "UPDATE BINARY 255 B, durable commit (fsync)") != 0)
		goto out;
	rc = 0;
out:
	dm_card_close(&card);
	return rc;
}

static int parse_ul(const char *s, unsigned long min, unsigned long max, unsigned long *v)
{
	char *end;
	*v = strtoul(s, &end, 10);
	return *s != '\0' && *end == '\0' && *v >= min && *v <= max ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "files", required_argument, NULL, 'f' },
		{ "capacity", required_argument, NULL, 'C' },
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static bench b = { .count = 1000000, .files = 1000 };
	const char *dir = ".";
	unsigned long v;
	int o;

	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			if (parse_ul(optarg, 1, 1000000000ul, &b.count) != 0)
				goto bad;
			break;
		case 'f':
			/* FIDs from 1000, well below 3F00 and the DF's own 7F10. */
			if (parse_ul(optarg, SMALL_DF + 1, 0x2000, &b.files) != 0)
				goto bad;
			break;
		case 'C':
			if (parse_ul(optarg, 4096, DM_STORE_MAX_CAPACITY, &v) != 0)
				goto bad;
			b.capacity = (uint32_t)v;
			break;
		case 'd': dir = optarg; break;
		case 'h': usage(stdout); return 0;
		default: goto bad;
		}
	}
	if (optind != argc)
		goto bad;

	int n = snprintf(b.dir, sizeof b.dir, "%s/bench-fs-io.XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof b.dir || mkdtemp(b.dir) == NULL) {
		fprintf(stderr, PROG ": cannot make a directory in %s\n", dir);
		return 1;
	}
	snprintf(b.image, sizeof b.image, "%s/card.img", b.dir);
	b.out = malloc(DM_RAPDU_MAX);
	int rc = b.out == NULL ? DM_E_NOMEM : DM_OK;
	/* A fresh zeroed store of another capacity: dm_card_open formats it
	 * and installs the default profile, as in an image it creates. */
	if (rc == DM_OK && b.capacity != 0)
		rc = dm_store_create(b.image, b.capacity, NULL);
	if (rc != DM_OK)
		fprintf(stderr, PROG ": %s\n", dm_strerror(rc));

	struct statfs sf;
	bool tmpfs = statfs(b.dir, &sf) == 0 && (unsigned long)sf.f_type == TMPFS_MAGIC;
	if (rc == DM_OK) {
		printf("# dm_card_transmit in process, default card, image %s%s\n", b.image,
		       tmpfs ? " (tmpfs: durable commits are NOT durable here)" : "");
		rc = run(&b) == 0 ? DM_OK : DM_E_IO;
	}
	free(b.out);
	unlink(b.image);
	rmdir(b.dir);
	return rc == DM_OK ? 0 : 1;
bad:
	usage(stderr);
	return 2;
}
