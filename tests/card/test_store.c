/*
 * test_store.c - card/store: API contract, bounds, transactions, journal
 * limit, image integrity, and atomicity under a power cut at every medium
 * write (docs/store.md).
 */
#include <check.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tomcrypt.h>

#include "cut_harness.h"
#include "store.h"

/* Image layout constants from docs/store.md (white-box corruption tests). */
#define PAGE 4096u
#define SB_LEN 64u
#define SLOT_HDR_LEN 64u

static void commit_write(dm_store *s, uint32_t off, const void *p, size_t n)
{
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	ck_assert_int_eq(dm_store_write(s, off, p, n), DM_OK);
	ck_assert_int_eq(dm_store_commit(s), DM_OK);
}

/* Reopen path and compare [off, off + n) with want. */
static void expect_after_reopen(const char *path, uint32_t off, const void *want, size_t n)
{
	dm_store *s = th_open(path, 0);
	uint8_t *got = malloc(n);
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(dm_store_read(s, off, got, n), DM_OK);
	ck_assert_mem_eq(got, want, n);
	free(got);
	dm_store_close(&s);
}

static void raw_pwrite(const char *path, const void *p, size_t n, off_t off)
{
	int fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, p, n, off), (ssize_t)n);
	close(fd);
}

static void raw_pread(const char *path, void *p, size_t n, off_t off)
{
	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, p, n, off), (ssize_t)n);
	close(fd);
}

static void crc32_be(const uint8_t *p, size_t n, uint8_t out[4])
{
	crc32_state c;
	crc32_init(&c);
	crc32_update(&c, p, (unsigned long)n);
	crc32_finish(&c, out, 4);
}

START_TEST(create_and_open)
{
	const char *p = th_new_image("a.img", 1000);
	dm_store *s = th_open(p, 0), *s2 = NULL;
	ck_assert_uint_eq(dm_store_capacity(s), 1000);
	ck_assert(!dm_store_in_transaction(s));
	uint8_t *all = th_read_all(s), zero[1000] = { 0 };
	ck_assert_mem_eq(all, zero, 1000);
	free(all);
	/* One process per image. */
	ck_assert_int_eq(dm_store_open(p, NULL, &s2), DM_E_STATE);
	ck_assert_ptr_null(s2);
	dm_store_close(&s);
	ck_assert_ptr_null(s);
	dm_store_close(&s);   /* harmless on NULL */

	ck_assert_int_eq(dm_store_create(p, 1000, NULL), DM_E_STATE);
	ck_assert_int_eq(dm_store_open(th_path("missing.img"), NULL, &s), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_store_open(NULL, NULL, &s), DM_E_ARG);
	ck_assert_int_eq(dm_store_open(p, NULL, NULL), DM_E_ARG);
	ck_assert_int_eq(dm_store_create(NULL, 1000, NULL), DM_E_ARG);
	ck_assert_int_eq(dm_store_create("", 1000, NULL), DM_E_ARG);
	dm_store_opts bad = { .flags = 0x80 };
	ck_assert_int_eq(dm_store_create(th_path("b.img"), 1000, &bad), DM_E_ARG);
	ck_assert_int_eq(dm_store_open(p, &bad, &s), DM_E_ARG);
	ck_assert_int_eq(access(th_path("b.img"), F_OK), -1);
}
END_TEST

START_TEST(capacity_bounds)
{
	dm_store *s;
	ck_assert_int_eq(dm_store_create(th_path("z.img"), 0, NULL), DM_E_VALUE);
	ck_assert_int_eq(dm_store_create(th_path("z.img"), DM_STORE_MAX_CAPACITY + 1, NULL),
			 DM_E_VALUE);
	ck_assert_int_eq(access(th_path("z.img"), F_OK), -1);

	/* Journal: a quarter of the capacity, within [64 KiB, 4 MiB]. */
	static const struct { uint32_t cap; size_t journal; } cases[] = {
		{ 1, 64u * 1024 },
		{ DM_STORE_DEFAULT_CAPACITY, 64u * 1024 },
		{ 1024u * 1024, 256u * 1024 },
		{ DM_STORE_MAX_CAPACITY, 4u * 1024 * 1024 },
	};
	for (size_t i = 0; i < DM_ARRAY_LEN(cases); i++) {
		char name[32];
		snprintf(name, sizeof name, "c%zu.img", i);
		const char *p = th_new_image(name, cases[i].cap);
		s = th_open(p, 0);
		ck_assert_uint_eq(dm_store_capacity(s), cases[i].cap);
		ck_assert_uint_eq(dm_store_journal_capacity(s), cases[i].journal);
		/* The last byte is usable, the one after it is not. */
		uint8_t b = 0x5A;
		ck_assert_int_eq(dm_store_begin(s), DM_OK);
		ck_assert_int_eq(dm_store_write(s, cases[i].cap - 1, &b, 1), DM_OK);
		ck_assert_int_eq(dm_store_write(s, cases[i].cap, &b, 1), DM_E_VALUE);
		ck_assert_int_eq(dm_store_commit(s), DM_OK);
		dm_store_close(&s);
		s = th_open(p, 0);
		b = 0;
		ck_assert_int_eq(dm_store_read(s, cases[i].cap - 1, &b, 1), DM_OK);
		ck_assert_uint_eq(b, 0x5A);
		dm_store_close(&s);
		ck_assert_int_eq(unlink(p), 0);
	}
}
END_TEST

START_TEST(read_write_bounds)
{
	const uint32_t cap = 4096;
	dm_store *s = th_open(th_new_image("a.img", cap), 0);
	uint8_t buf[16] = { 0 };
	const uint8_t *v;

	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	static const struct { uint32_t off; size_t n; int rc; } cases[] = {
		{ 0, 16, DM_OK },
		{ cap - 16, 16, DM_OK },
		{ cap, 0, DM_OK },
		{ cap - 15, 16, DM_E_VALUE },
		{ cap, 1, DM_E_VALUE },
		{ cap + 1, 0, DM_E_VALUE },
		{ UINT32_MAX, 2, DM_E_VALUE },           /* off + n wraps in 32 bits */
		{ 1, SIZE_MAX, DM_E_VALUE },             /* off + n wraps in size_t */
	};
	for (size_t i = 0; i < DM_ARRAY_LEN(cases); i++) {
		size_t n = cases[i].n;   /* never used to touch buf when out of range */
		ck_assert_int_eq(dm_store_read(s, cases[i].off, buf, n), cases[i].rc);
		ck_assert_int_eq(dm_store_view(s, cases[i].off, n, &v), cases[i].rc);
		ck_assert_int_eq(dm_store_write(s, cases[i].off, buf, n), cases[i].rc);
	}
	ck_assert_int_eq(dm_store_read(s, 0, NULL, 1), DM_E_ARG);
	ck_assert_int_eq(dm_store_write(s, 0, NULL, 1), DM_E_ARG);
	ck_assert_int_eq(dm_store_view(s, 0, 1, NULL), DM_E_ARG);
	ck_assert_int_eq(dm_store_read(NULL, 0, buf, 1), DM_E_ARG);
	ck_assert_int_eq(dm_store_write(NULL, 0, buf, 1), DM_E_ARG);
	ck_assert_int_eq(dm_store_commit(s), DM_OK);
	dm_store_close(&s);
}
END_TEST

START_TEST(transaction_states)
{
	dm_store *s = th_open(th_new_image("a.img", 4096), 0);
	uint8_t b = 1;
	ck_assert_int_eq(dm_store_write(s, 0, &b, 1), DM_E_STATE);
	ck_assert_int_eq(dm_store_commit(s), DM_E_STATE);
	ck_assert_int_eq(dm_store_abort(s), DM_E_STATE);
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	ck_assert(dm_store_in_transaction(s));
	ck_assert_int_eq(dm_store_begin(s), DM_E_STATE);   /* no nesting */
	ck_assert(dm_store_in_transaction(s));
	ck_assert_int_eq(dm_store_write(s, 0, &b, 1), DM_OK);
	ck_assert_int_eq(dm_store_commit(s), DM_OK);
	ck_assert(!dm_store_in_transaction(s));
	ck_assert_int_eq(dm_store_write(s, 0, &b, 1), DM_E_STATE);

	/* An empty transaction touches nothing. */
	unsigned long w = dm_store_medium_writes(s);
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	ck_assert_int_eq(dm_store_commit(s), DM_OK);
	ck_assert_uint_eq(dm_store_medium_writes(s), w);
	dm_store_close(&s);

	ck_assert_int_eq(dm_store_begin(NULL), DM_E_ARG);
	ck_assert_int_eq(dm_store_commit(NULL), DM_E_ARG);
	ck_assert_int_eq(dm_store_abort(NULL), DM_E_ARG);
	ck_assert(!dm_store_in_transaction(NULL));
}
END_TEST

START_TEST(abort_discards_and_reads_see_writes)
{
	const char *p = th_new_image("a.img", 20000);
	dm_store *s = th_open(p, 0);
	uint8_t old[9000], new_[9000], got[9000];
	const uint8_t *v;
	th_fill_pattern(old, sizeof old, 1);
	th_fill_pattern(new_, sizeof new_, 2);
	commit_write(s, 5000, old, sizeof old);

	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	ck_assert_int_eq(dm_store_write(s, 5000, new_, sizeof new_), DM_OK);
	ck_assert_int_eq(dm_store_write(s, 100, new_, 10), DM_OK);
	ck_assert_int_eq(dm_store_read(s, 5000, got, sizeof got), DM_OK);
	ck_assert_mem_eq(got, new_, sizeof new_);
	ck_assert_int_eq(dm_store_view(s, 5000, sizeof new_, &v), DM_OK);
	ck_assert_mem_eq(v, new_, sizeof new_);
	ck_assert_int_eq(dm_store_abort(s), DM_OK);

	ck_assert_int_eq(dm_store_read(s, 5000, got, sizeof got), DM_OK);
	ck_assert_mem_eq(got, old, sizeof old);
	ck_assert_int_eq(dm_store_read(s, 100, got, 10), DM_OK);
	ck_assert_mem_eq(got, "\0\0\0\0\0\0\0\0\0\0", 10);

	/* An open transaction is discarded by close. */
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	ck_assert_int_eq(dm_store_write(s, 5000, new_, sizeof new_), DM_OK);
	dm_store_close(&s);
	expect_after_reopen(p, 5000, old, sizeof old);
}
END_TEST

START_TEST(overlapping_and_aliased_writes)
{
	dm_store *s = th_open(th_new_image("a.img", 8192), 0);
	uint8_t a[300], model[8192] = { 0 }, got[8192];
	const uint8_t *v;
	th_fill_pattern(a, sizeof a, 3);
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	/* Disjoint, touching, overlapping and covering ranges merge correctly. */
	static const struct { uint32_t off; uint32_t n; } w[] = {
		{ 1000, 100 }, { 3000, 50 }, { 1100, 20 }, { 990, 5 }, { 2000, 300 },
		{ 980, 200 }, { 2990, 20 }, { 0, 1 }, { 8191, 1 }, { 950, 300 },
	};
	for (size_t i = 0; i < DM_ARRAY_LEN(w); i++) {
		ck_assert_int_eq(dm_store_write(s, w[i].off, a, w[i].n), DM_OK);
		memcpy(model + w[i].off, a, w[i].n);
	}
	/* Source is a view of the store itself (memmove semantics). */
	ck_assert_int_eq(dm_store_view(s, 1000, 200, &v), DM_OK);
	ck_assert_int_eq(dm_store_write(s, 1050, v, 200), DM_OK);
	memmove(model + 1050, model + 1000, 200);
	ck_assert_int_eq(dm_store_commit(s), DM_OK);
	ck_assert_int_eq(dm_store_read(s, 0, got, sizeof got), DM_OK);
	ck_assert_mem_eq(got, model, sizeof model);
	dm_store_close(&s);
	expect_after_reopen(th_path("a.img"), 0, model, sizeof model);
}
END_TEST

START_TEST(reopen_keeps_committed_data)
{
	const char *p = th_new_image("a.img", 65536);
	uint8_t model[65536] = { 0 }, chunk[700];
	for (unsigned t = 0; t < 7; t++) {   /* both journal slots, several times */
		dm_store *s = th_open(p, t % 2 ? DM_STORE_RELAXED : 0);
		th_fill_pattern(chunk, sizeof chunk, t);
		uint32_t off = (t * 9311u) % (65536 - sizeof chunk);
		commit_write(s, off, chunk, sizeof chunk);
		memcpy(model + off, chunk, sizeof chunk);
		dm_store_close(&s);
		expect_after_reopen(p, 0, model, sizeof model);
	}
}
END_TEST

START_TEST(journal_full)
{
	dm_store *s = th_open(th_new_image("a.img", DM_STORE_DEFAULT_CAPACITY), 0);
	const size_t jcap = dm_store_journal_capacity(s);
	uint8_t *big = malloc(jcap), got[4];
	ck_assert_ptr_nonnull(big);
	th_fill_pattern(big, jcap, 4);

	/* One range costs 8 bytes of record header plus its length. */
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	ck_assert_int_eq(dm_store_write(s, 100, big, jcap - 8), DM_OK);
	ck_assert_int_eq(dm_store_write(s, 100 + (uint32_t)jcap - 8, big, 1), DM_E_NOMEM);
	ck_assert_int_eq(dm_store_write(s, 99, big, 1), DM_E_NOMEM);
	ck_assert_int_eq(dm_store_write(s, 200000, big, 1), DM_E_NOMEM);
	ck_assert_int_eq(dm_store_write(s, 500, big, 1000), DM_OK);   /* inside: free */
	ck_assert_int_eq(dm_store_read(s, 99, got, 1), DM_OK);
	ck_assert_uint_eq(got[0], 0);                                 /* refused write left no trace */
	ck_assert_int_eq(dm_store_read(s, 200000, got, 1), DM_OK);
	ck_assert_uint_eq(got[0], 0);
	ck_assert_int_eq(dm_store_commit(s), DM_OK);

	/* Separate 1-byte ranges: exactly jcap / 9 fit. */
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	size_t n = 0;
	int rc;
	while ((rc = dm_store_write(s, (uint32_t)(2 * n), big, 1)) == DM_OK)
		n++;
	ck_assert_int_eq(rc, DM_E_NOMEM);
	ck_assert_uint_eq(n, jcap / 9);
	ck_assert_int_eq(dm_store_abort(s), DM_OK);

	/* Larger than the journal in one write. */
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	ck_assert_int_eq(dm_store_write(s, 0, big, jcap - 7), DM_E_NOMEM);
	ck_assert_int_eq(dm_store_abort(s), DM_OK);
	dm_store_close(&s);
	free(big);
}
END_TEST

START_TEST(corrupt_superblock)
{
	const char *p = th_new_image("a.img", 5000), *q = th_path("b.img");
	uint8_t sb[SB_LEN];
	dm_store *s;
	raw_pread(p, sb, sizeof sb, 0);

	/* Every single-bit flip of the superblock is detected. */
	for (size_t bit = 0; bit < 8 * SB_LEN; bit++) {
		uint8_t x = sb[bit / 8] ^ (uint8_t)(1u << (bit % 8));
		th_copy_file(p, q);
		raw_pwrite(q, &x, 1, (off_t)(bit / 8));
		ck_assert_int_eq(dm_store_open(q, NULL, &s), DM_E_CORRUPT);
		ck_assert_ptr_null(s);
	}
	/* A well-formed superblock of an unknown version. */
	uint8_t v2[SB_LEN];
	memcpy(v2, sb, sizeof v2);
	v2[11] = 2;
	crc32_be(v2, SB_LEN - 4, v2 + SB_LEN - 4);
	th_copy_file(p, q);
	raw_pwrite(q, v2, sizeof v2, 0);
	ck_assert_int_eq(dm_store_open(q, NULL, &s), DM_E_UNSUPPORTED);

	/* Wrong file size: truncated or extended. */
	struct stat st;
	ck_assert_int_eq(stat(p, &st), 0);
	th_copy_file(p, q);
	ck_assert_int_eq(truncate(q, st.st_size - 1), 0);
	ck_assert_int_eq(dm_store_open(q, NULL, &s), DM_E_CORRUPT);
	ck_assert_int_eq(truncate(q, st.st_size + 1), 0);
	ck_assert_int_eq(dm_store_open(q, NULL, &s), DM_E_CORRUPT);
	ck_assert_int_eq(truncate(q, 0), 0);
	ck_assert_int_eq(dm_store_open(q, NULL, &s), DM_E_CORRUPT);
	/* Not an image at all. */
	uint8_t junk[8192];
	th_fill_pattern(junk, sizeof junk, 5);
	raw_pwrite(q, junk, sizeof junk, 0);
	ck_assert_int_eq(dm_store_open(q, NULL, &s), DM_E_CORRUPT);
}
END_TEST

/* Slot 1 holds transaction 1 (seq % 2) right after the superblock page. */
START_TEST(journal_damage)
{
	const char *p = th_new_image("a.img", 5000), *q = th_path("b.img");
	uint8_t data[100];
	dm_store *s = th_open(p, 0);
	th_fill_pattern(data, sizeof data, 6);
	commit_write(s, 10, data, sizeof data);
	dm_store_close(&s);
	struct stat st;
	ck_assert_int_eq(stat(p, &st), 0);
	off_t slot1 = PAGE + (st.st_size - PAGE - 5000) / 2;
	uint8_t hdr[SLOT_HDR_LEN];
	raw_pread(p, hdr, sizeof hdr, slot1);
	ck_assert_mem_eq(hdr, "DMJR", 4);

	/* A damaged journal whose CRC fails is a torn one: ignored, the data
	 * area already holds the commit. */
	for (off_t at = slot1; at < slot1 + SLOT_HDR_LEN + 8 + 100; at += 7) {
		uint8_t b;
		th_copy_file(p, q);
		raw_pread(q, &b, 1, at);
		b ^= 0x10;
		raw_pwrite(q, &b, 1, at);
		expect_after_reopen(q, 10, data, sizeof data);
	}

	/* Intact CRCs around an impossible record: corruption, not a cut. */
	uint8_t slot[SLOT_HDR_LEN + 8 + 2] = { 0 };
	memcpy(slot, hdr, SLOT_HDR_LEN);
	dm_put_u32be(slot + SLOT_HDR_LEN, 4999);   /* off + len > capacity */
	dm_put_u32be(slot + SLOT_HDR_LEN + 4, 2);
	dm_put_u32be(slot + 16, 10);
	dm_put_u32be(slot + 20, 1);
	crc32_be(slot + SLOT_HDR_LEN, 10, slot + 24);
	crc32_be(slot, SLOT_HDR_LEN - 4, slot + SLOT_HDR_LEN - 4);
	th_copy_file(p, q);
	raw_pwrite(q, slot, sizeof slot, slot1);
	ck_assert_int_eq(dm_store_open(q, NULL, &s), DM_E_CORRUPT);
	/* Same record in range: replayed. */
	dm_put_u32be(slot + SLOT_HDR_LEN, 4998);
	slot[SLOT_HDR_LEN + 8] = 0xAB;
	slot[SLOT_HDR_LEN + 9] = 0xCD;
	crc32_be(slot + SLOT_HDR_LEN, 10, slot + 24);
	crc32_be(slot, SLOT_HDR_LEN - 4, slot + SLOT_HDR_LEN - 4);
	raw_pwrite(q, slot, sizeof slot, slot1);
	expect_after_reopen(q, 4998, "\xAB\xCD", 2);
}
END_TEST

/* ---- power cuts ---- */

struct ops {
	uint32_t off[40];
	uint32_t len[40];
	size_t n;
	unsigned seed;
};

static int write_ops(dm_store *s, const struct ops *o)
{
	uint8_t *buf = malloc(1024u * 1024);
	ck_assert_ptr_nonnull(buf);
	int rc = dm_store_begin(s);
	for (size_t i = 0; rc == DM_OK && i < o->n; i++) {
		th_fill_pattern(buf, o->len[i], o->seed + (unsigned)i);
		rc = dm_store_write(s, o->off[i], buf, o->len[i]);
	}
	if (rc == DM_OK)
		rc = dm_store_commit(s);
	free(buf);
	return rc;
}

static struct ops op_small, op_big, op_scattered, op_second;

static int step_small(dm_store *s, void *arg) { (void)arg; return write_ops(s, &op_small); }
static int step_big(dm_store *s, void *arg) { (void)arg; return write_ops(s, &op_big); }
static int step_scattered(dm_store *s, void *arg) { (void)arg; return write_ops(s, &op_scattered); }
static int step_second(dm_store *s, void *arg) { (void)arg; return write_ops(s, &op_second); }

/* A base image whose data area is not all zero and whose both journal
 * slots are in use, so that recovery has something to replay. */
static const char *cut_base(uint32_t flags)
{
	const char *p = th_new_image("base.img", DM_STORE_DEFAULT_CAPACITY);
	dm_store *s = th_open(p, flags);
	struct ops pre = { .n = 2, .seed = 100, .off = { 0, 70000 }, .len = { 60000, 5000 } };
	ck_assert_int_eq(write_ops(s, &pre), DM_OK);
	pre.seed = 200;
	ck_assert_int_eq(write_ops(s, &pre), DM_OK);
	dm_store_close(&s);

	op_small = (struct ops){ .n = 1, .seed = 1, .off = { 100 }, .len = { 16 } };
	s = th_open(p, flags);
	size_t jcap = dm_store_journal_capacity(s);
	dm_store_close(&s);
	/* One range that fills the journal exactly, unaligned, over 17 pages. */
	op_big = (struct ops){ .n = 1, .seed = 2, .off = { 1001 }, .len = { (uint32_t)jcap - 8 } };
	op_scattered = (struct ops){ .n = 40, .seed = 3 };
	for (size_t i = 0; i < 40; i++) {
		op_scattered.off[i] = (uint32_t)(i * 6007 + 4090);   /* many cross a page */
		op_scattered.len[i] = (uint32_t)(i % 5 == 0 ? 300 : 13);
	}
	op_second = (struct ops){ .n = 3, .seed = 4, .off = { 90, 4000, 200000 },
				  .len = { 40, 9000, 255 } };
	return p;
}

/* expect_old: the first write of the steps can be cut (open wrote before
 * them; with no write at all, cut_after_writes cannot express "cut before the
 * first one"), so some cut must recover the old state. */
static void cut_all(uint32_t flags, const th_step *steps, size_t n, unsigned long min_writes,
		    bool expect_old)
{
	struct th_cut_result r;
	struct th_cut_case c = { .base = cut_base(flags), .flags = flags, .steps = steps,
				 .nsteps = n };
	th_cut_every_write(&c, &r);
	ck_assert_uint_ge(r.op_writes, min_writes);
	/* Both outcomes really happen: an early cut keeps the old state. */
	if (expect_old)
		ck_assert_uint_gt(r.seen[0], 0);
	ck_assert_uint_gt(r.seen[n], 0);
	if (!(flags & DM_STORE_RELAXED))
		ck_assert_uint_gt(r.recovery_cuts, 0);
}

static const th_step small_steps[] = { step_small };
static const th_step big_steps[] = { step_big };
static const th_step scattered_steps[] = { step_scattered };
static const th_step two_steps[] = { step_small, step_second };

START_TEST(powercut_small_write)
{
	/* journal piece, sync, data piece */
	cut_all(0, small_steps, 1, 3, true);
}
END_TEST

START_TEST(powercut_whole_journal)
{
	/* 17 journal pages + sync + 17 data pages at least */
	cut_all(0, big_steps, 1, 35, true);
}
END_TEST

START_TEST(powercut_scattered_writes)
{
	cut_all(0, scattered_steps, 1, 40, true);
}
END_TEST

START_TEST(powercut_two_transactions)
{
	struct th_cut_result r;
	struct th_cut_case c = { .base = cut_base(0), .steps = two_steps, .nsteps = 2 };
	th_cut_every_write(&c, &r);
	ck_assert_uint_gt(r.seen[0], 0);
	ck_assert_uint_gt(r.seen[1], 0);   /* between the two commits */
	ck_assert_uint_gt(r.seen[2], 0);
}
END_TEST

START_TEST(relaxed_is_atomic)
{
	cut_all(DM_STORE_RELAXED, small_steps, 1, 2, false);
	th_tmpdir_teardown();
	th_tmpdir_setup();
	cut_all(DM_STORE_RELAXED, big_steps, 1, 34, true);
	th_tmpdir_teardown();
	th_tmpdir_setup();
	cut_all(DM_STORE_RELAXED, two_steps, 2, 4, false);
}
END_TEST

START_TEST(relaxed_skips_only_the_sync)
{
	unsigned long w[2];
	for (int relaxed = 0; relaxed < 2; relaxed++) {
		const char *p = th_path(relaxed ? "r.img" : "d.img");
		ck_assert_int_eq(dm_store_create(p, 8192, NULL), DM_OK);
		dm_store *s = th_open(p, relaxed ? DM_STORE_RELAXED : 0);
		unsigned long w0 = dm_store_medium_writes(s);
		commit_write(s, 4000, "0123456789abcdef", 16);   /* crosses no page */
		w[relaxed] = dm_store_medium_writes(s) - w0;
		dm_store_close(&s);
	}
	ck_assert_uint_eq(w[0], 3);   /* journal, fdatasync, data */
	ck_assert_uint_eq(w[1], 2);
}
END_TEST

START_TEST(dead_after_cut)
{
	const char *p = th_new_image("a.img", 8192);
	dm_store_opts o = { .cut_after_writes = 1 };
	dm_store *s;
	uint8_t b = 7;
	const uint8_t *v;
	/* A fresh image has no journal: open writes nothing.  Write 1 is the
	 * whole journal; the power fails at the sync after it. */
	ck_assert_int_eq(dm_store_open(p, &o, &s), DM_OK);
	ck_assert_uint_eq(dm_store_medium_writes(s), 0);
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	ck_assert_int_eq(dm_store_write(s, 0, &b, 1), DM_OK);
	ck_assert_int_eq(dm_store_commit(s), DM_E_IO);
	ck_assert_int_eq(dm_store_read(s, 0, &b, 1), DM_E_IO);
	ck_assert_int_eq(dm_store_view(s, 0, 1, &v), DM_E_IO);
	ck_assert_int_eq(dm_store_write(s, 0, &b, 1), DM_E_IO);
	ck_assert_int_eq(dm_store_commit(s), DM_E_IO);
	ck_assert_int_eq(dm_store_abort(s), DM_E_IO);
	ck_assert_int_eq(dm_store_begin(s), DM_E_IO);
	ck_assert_uint_eq(dm_store_medium_writes(s), 1);
	dm_store_close(&s);
	/* The complete journal is found and replayed: the commit happened. */
	b = 0;
	s = th_open(p, 0);
	ck_assert_int_eq(dm_store_read(s, 0, &b, 1), DM_OK);
	ck_assert_uint_eq(b, 7);
	dm_store_close(&s);
}
END_TEST

START_TEST(powercut_create)
{
	/* Count create's writes, then cut at each: no image, or a valid empty one. */
	const char *p = th_path("ref.img");
	unsigned long k, published = 0;
	ck_assert_int_eq(dm_store_create(p, 3000, NULL), DM_OK);
	for (k = 1;; k++) {
		char name[32];
		snprintf(name, sizeof name, "c%lu.img", k);
		const char *q = th_path(name);
		dm_store_opts o = { .cut_after_writes = k };
		int rc = dm_store_create(q, 3000, &o);
		dm_store *s;
		int orc = dm_store_open(q, NULL, &s);
		if (orc == DM_E_NOT_FOUND) {
			ck_assert_int_eq(rc, DM_E_IO);
			continue;
		}
		ck_assert_int_eq(orc, DM_OK);
		published++;
		uint8_t *all = th_read_all(s), zero[3000] = { 0 };
		ck_assert_mem_eq(all, zero, sizeof zero);
		free(all);
		dm_store_close(&s);
		if (rc == DM_OK)
			break;
		ck_assert_int_eq(rc, DM_E_IO);
	}
	/* superblock write, sync, link, directory sync */
	ck_assert_uint_eq(k, 4);
	ck_assert_uint_ge(published, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("api");
	tcase_add_checked_fixture(tc, th_tmpdir_setup, th_tmpdir_teardown);
	tcase_add_test(tc, create_and_open);
	tcase_add_test(tc, capacity_bounds);
	tcase_add_test(tc, read_write_bounds);
	tcase_add_test(tc, transaction_states);
	tcase_add_test(tc, abort_discards_and_reads_see_writes);
	tcase_add_test(tc, overlapping_and_aliased_writes);
	tcase_add_test(tc, reopen_keeps_committed_data);
	tcase_add_test(tc, journal_full);
	tcase_add_test(tc, corrupt_superblock);
	tcase_add_test(tc, journal_damage);
	suite_add_tcase(s, tc);

	tc = tcase_create("powercut");
	tcase_add_checked_fixture(tc, th_tmpdir_setup, th_tmpdir_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, powercut_small_write);
	tcase_add_test(tc, powercut_whole_journal);
	tcase_add_test(tc, powercut_scattered_writes);
	tcase_add_test(tc, powercut_two_transactions);
	tcase_add_test(tc, relaxed_is_atomic);
	tcase_add_test(tc, relaxed_skips_only_the_sync);
	tcase_add_test(tc, dead_after_cut);
	tcase_add_test(tc, powercut_create);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
