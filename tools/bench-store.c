/*
 * bench-store - speed of the card's persistent store (card/store.h) and its
 * allocator (card/heap.h): durable and relaxed commits of a small update
 * and of a 255-byte one (one UPDATE BINARY's worth), reads, and heap
 * alloc + free among 1000 live blocks.  Prints one table.
 *
 * The image goes into a fresh temporary directory under --dir (default: the
 * current directory), which should be on the real file system: on tmpfs,
 * fdatasync costs nothing and the durable numbers mean nothing (the output
 * names the file system).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "heap.h"
#include "store.h"

struct bench {
	char dir[PATH_MAX];
	char image[PATH_MAX + 16];
	unsigned long count;
};

static void usage(FILE *f)
{
	fputs("usage: bench-store [--count N] [--dir DIR]\n"
	      "  --count N  durable commits per row (default 300); relaxed rows run\n"
	      "             20 x N, reads 1000 x N, heap 10 x N\n"
	      "  --dir DIR  where the temporary image directory is made (default .);\n"
	      "             use a disk file system, not tmpfs\n", f);
}

static const char *fs_name(const char *path)
{
	struct statfs sf;
	if (statfs(path, &sf) != 0)
		return "unknown";
	switch ((unsigned long)sf.f_type) {
	case 0xEF53: return "ext2/3/4";
	case 0x58465342: return "xfs";
	case 0x9123683E: return "btrfs";
	case 0x01021994: return "tmpfs (fsync is free: durable rows are NOT durable)";
	case 0x794C7630: return "overlayfs";
	default: return "other";
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* One table row from per-operation latencies. */
static void row(const char *what, uint64_t *lat, unsigned long n, double writes_per_op)
{
	uint64_t total = 0;
	for (unsigned long i = 0; i < n; i++)
		total += lat[i];
	qsort(lat, n, sizeof *lat, cmp_u64);
	printf("%-30s %8lu %10.0f %9.2f %9.2f %9.1f\n", what, n,
	       total ? (double)n * 1e9 / (double)total : 0.0,
	       (double)lat[n / 2] / 1e3, (double)lat[(n * 99) / 100] / 1e3, writes_per_op);
}

static int fail(const char *what, int rc)
{
	fprintf(stderr, "bench-store: %s: %s\n", what, dm_strerror(rc));
	return rc;
}

static int bench_commits(const struct bench *b, uint32_t flags, size_t len, unsigned long n,
			 const char *what)
{
	dm_store_opts o = { .flags = flags };
	dm_store *s;
	uint8_t data[255];
	uint64_t *lat = calloc(n, sizeof *lat);
	int rc = dm_store_open(b->image, &o, &s);
	if (lat == NULL || rc != DM_OK) {
		free(lat);
		return fail("open", rc != DM_OK ? rc : DM_E_NOMEM);
	}
	unsigned long w0 = dm_store_medium_writes(s);
	for (unsigned long i = 0; i < n && rc == DM_OK; i++) {
		memset(data, (int)i, sizeof data);
		uint32_t off = (uint32_t)((i * 4099u) % (dm_store_capacity(s) - len));
		uint64_t t = now_ns();
		rc = dm_store_begin(s);
		if (rc == DM_OK)
			rc = dm_store_write(s, off, data, len);
		if (rc == DM_OK)
			rc = dm_store_commit(s);
		lat[i] = now_ns() - t;
	}
	if (rc == DM_OK)
		row(what, lat, n, (double)(dm_store_medium_writes(s) - w0) / (double)n);
	else
		fail(what, rc);
	dm_store_close(&s);
	free(lat);
	return rc;
}

static int bench_reads(const struct bench *b, unsigned long n)
{
	dm_store *s;
	uint8_t buf[255];
	uint64_t *lat = calloc(n, sizeof *lat);
	int rc = dm_store_open(b->image, NULL, &s);
	if (lat == NULL || rc != DM_OK) {
		free(lat);
		return fail("open", rc != DM_OK ? rc : DM_E_NOMEM);
	}
	for (unsigned long i = 0; i < n && rc == DM_OK; i++) {
		uint64_t t = now_ns();
		rc = dm_store_read(s, (uint32_t)((i * 257u) % (dm_store_capacity(s) - 255)), buf, 255);
		lat[i] = now_ns() - t;
	}
	if (rc == DM_OK)
		row("read 255 B", lat, n, 0);
	dm_store_close(&s);
	free(lat);
	return rc;
}

/* alloc + free of 64 bytes with 1000 blocks live (first fit walks them). */
static int bench_heap(const struct bench *b, unsigned long n)
{
	dm_store_opts o = { .flags = DM_STORE_RELAXED };
	dm_store *s;
	uint32_t off, base = 0, len;
	uint64_t *lat = calloc(n, sizeof *lat);
	int rc = dm_store_open(b->image, &o, &s);
	if (lat == NULL || rc != DM_OK) {
		free(lat);
		return fail("open", rc != DM_OK ? rc : DM_E_NOMEM);
	}
	len = dm_store_capacity(s);
	rc = dm_store_begin(s);
	if (rc == DM_OK)
		rc = dm_heap_format(s, base, len);
	/* Commit every 100 blocks: zeroing reused space fills the journal. */
	for (unsigned i = 0; i < 1000 && rc == DM_OK; i++) {
		rc = dm_heap_alloc(s, base, 48 + i % 100, &off);
		if (rc == DM_OK && i % 100 == 99)
			rc = dm_store_commit(s);
		if (rc == DM_OK && i % 100 == 99)
			rc = dm_store_begin(s);
	}
	for (unsigned long i = 0; i < n && rc == DM_OK; i++) {
		uint64_t t = now_ns();
		rc = dm_heap_alloc(s, base, 64, &off);
		if (rc == DM_OK)
			rc = dm_heap_free(s, base, off);
		lat[i] = now_ns() - t;
	}
	if (rc == DM_OK)
		rc = dm_store_abort(s);
	if (rc == DM_OK)
		row("heap alloc+free, 1000 live", lat, n, 0);
	else
		fail("heap", rc);
	dm_store_close(&s);
	free(lat);
	return rc;
}

static int run(struct bench *b)
{
	int rc = dm_store_create(b->image, DM_STORE_DEFAULT_CAPACITY, NULL);
	if (rc != DM_OK)
		return fail("create", rc);
	dm_store *s;
	rc = dm_store_open(b->image, NULL, &s);
	if (rc != DM_OK)
		return fail("open", rc);
	printf("image %s on %s\ncapacity %" PRIu32 " B, journal %zu B per transaction\n\n",
	       b->image, fs_name(b->dir), dm_store_capacity(s), dm_store_journal_capacity(s));
	dm_store_close(&s);
	printf("%-30s %8s %10s %9s %9s %9s\n", "operation", "count", "ops/s", "p50 us",
	       "p99 us", "writes/op");
	unsigned long n = b->count;
	if (rc == DM_OK)
		rc = bench_commits(b, 0, 16, n, "commit 16 B, durable");
	if (rc == DM_OK)
		rc = bench_commits(b, DM_STORE_RELAXED, 16, 20 * n, "commit 16 B, relaxed");
	if (rc == DM_OK)
		rc = bench_commits(b, 0, 255, n, "commit 255 B, durable");
	if (rc == DM_OK)
		rc = bench_commits(b, DM_STORE_RELAXED, 255, 20 * n, "commit 255 B, relaxed");
	if (rc == DM_OK)
		rc = bench_reads(b, 1000 * n);
	if (rc == DM_OK)
		rc = bench_heap(b, 10 * n);
	return rc;
}

int main(int argc, char **argv)
{
	struct bench b = { .count = 300 };
	const char *dir = ".";

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
			char *end;
			errno = 0;
			unsigned long v = strtoul(argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || v == 0 || v > 1000000) {
				fprintf(stderr, "bench-store: --count wants 1..1000000\n");
				return 2;
			}
			b.count = v;
		} else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	int n = snprintf(b.dir, sizeof b.dir, "%s/bench-store.XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof b.dir || mkdtemp(b.dir) == NULL) {
		fprintf(stderr, "bench-store: cannot make a directory in %s: %s\n", dir,
			strerror(errno));
		return 1;
	}
	snprintf(b.image, sizeof b.image, "%s/card.img", b.dir);
	int rc = run(&b);
	unlink(b.image);
	rmdir(b.dir);
	return rc == DM_OK ? 0 : 1;
}
