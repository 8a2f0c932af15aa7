/*
 * test_heap.c - card/heap: allocation, coalescing, the full-heap answer
 * (6A84's DM_E_NOMEM), resize, damage detection, a random workload checked
 * against a model, and power cuts at every write of alloc, free and resize.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cut_harness.h"
#include "heap.h"
#include "store.h"

#define CAP (1024u * 1024u)     /* journal: 256 KiB */
#define BASE 4100u              /* deliberately not 8-aligned */
#define LEN (192u * 1024u)
#define FIRST (BASE + DM_HEAP_HEADER_LEN + DM_HEAP_BLOCK_HDR)   /* first payload */
#define FULL (LEN - DM_HEAP_HEADER_LEN - DM_HEAP_BLOCK_HDR)     /* one free block */

static dm_store *formatted(const char *name)
{
	dm_store *s = th_open(th_new_image(name, CAP), 0);
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	ck_assert_int_eq(dm_heap_format(s, BASE, LEN), DM_OK);
	ck_assert_int_eq(dm_store_commit(s), DM_OK);
	return s;
}

static uint32_t alloc_ok(dm_store *s, uint32_t size)
{
	uint32_t off = 0, bs = 0;
	ck_assert_int_eq(dm_heap_alloc(s, BASE, size, &off), DM_OK);
	ck_assert_uint_ge(off, FIRST);
	ck_assert_uint_eq((off - BASE) % DM_HEAP_ALIGN, 0);
	ck_assert_int_eq(dm_heap_block_size(s, BASE, off, &bs), DM_OK);
	ck_assert_uint_ge(bs, size);
	ck_assert_uint_le(off + bs, BASE + LEN);
	return off;
}

static dm_heap_stats stats(dm_store *s)
{
	dm_heap_stats st;
	ck_assert_int_eq(dm_heap_stat(s, BASE, &st), DM_OK);
	/* Blocks tile the region exactly. */
	ck_assert_uint_eq(st.used_bytes + st.free_bytes +
			  DM_HEAP_BLOCK_HDR * (st.used_blocks + st.free_blocks),
			  LEN - DM_HEAP_HEADER_LEN);
	return st;
}

static void expect_zero(dm_store *s, uint32_t off, uint32_t n)
{
	const uint8_t *v;
	uint8_t any = 0;
	ck_assert_int_eq(dm_store_view(s, off, n, &v), DM_OK);
	for (uint32_t i = 0; i < n; i++)
		any |= v[i];
	ck_assert_uint_eq(any, 0);   /* one assertion: Check pays per assertion */
}

static void write_pattern(dm_store *s, uint32_t off, uint32_t n, unsigned seed)
{
	uint8_t *p = malloc(n);
	ck_assert_ptr_nonnull(p);
	th_fill_pattern(p, n, seed);
	ck_assert_int_eq(dm_store_write(s, off, p, n), DM_OK);
	free(p);
}

static void expect_pattern(dm_store *s, uint32_t off, uint32_t n, unsigned seed)
{
	uint8_t *p = malloc(n ? n : 1);
	const uint8_t *v;
	ck_assert_ptr_nonnull(p);
	th_fill_pattern(p, n, seed);
	ck_assert_int_eq(dm_store_view(s, off, n, &v), DM_OK);
	ck_assert_mem_eq(v, p, n);
	free(p);
}

START_TEST(states_and_arguments)
{
	dm_store *s = th_open(th_new_image("a.img", CAP), 0);
	uint32_t off, n;
	dm_heap_stats st;

	ck_assert_int_eq(dm_heap_format(s, BASE, LEN), DM_E_STATE);
	ck_assert_int_eq(dm_heap_stat(s, BASE, &st), DM_E_CORRUPT);   /* never formatted */
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	ck_assert_int_eq(dm_heap_format(s, BASE, 31), DM_E_VALUE);
	ck_assert_int_eq(dm_heap_format(s, CAP - 100, 200), DM_E_VALUE);
	ck_assert_int_eq(dm_heap_format(s, UINT32_MAX - 8, 64), DM_E_VALUE);
	ck_assert_int_eq(dm_heap_format(NULL, BASE, LEN), DM_E_ARG);
	ck_assert_int_eq(dm_heap_format(s, BASE, LEN + 7), DM_OK);   /* rounded down */
	ck_assert_int_eq(dm_store_commit(s), DM_OK);

	st = stats(s);
	ck_assert_uint_eq(st.free_blocks, 1);
	ck_assert_uint_eq(st.used_blocks, 0);
	ck_assert_uint_eq(st.largest_free, FULL);
	ck_assert_int_eq(dm_heap_free_bytes(s, BASE, &n), DM_OK);
	ck_assert_uint_eq(n, FULL);
	ck_assert_int_eq(dm_heap_largest_free(s, BASE, &n), DM_OK);
	ck_assert_uint_eq(n, FULL);

	/* Changes need a transaction. */
	ck_assert_int_eq(dm_heap_alloc(s, BASE, 10, &off), DM_E_STATE);
	ck_assert_int_eq(dm_heap_free(s, BASE, FIRST), DM_E_STATE);
	ck_assert_int_eq(dm_heap_resize(s, BASE, FIRST, 10, &off), DM_E_STATE);

	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	ck_assert_int_eq(dm_heap_alloc(s, BASE, 0, &off), DM_E_ARG);
	ck_assert_int_eq(dm_heap_alloc(s, BASE, 10, NULL), DM_E_ARG);
	ck_assert_int_eq(dm_heap_alloc(s, BASE, UINT32_MAX, &off), DM_E_NOMEM);
	ck_assert_int_eq(dm_heap_alloc(s, BASE, FULL + 1, &off), DM_E_NOMEM);
	ck_assert_int_eq(dm_heap_alloc(s, BASE + 8, 10, &off), DM_E_CORRUPT);   /* not a heap */
	ck_assert_int_eq(dm_heap_alloc(s, CAP, 10, &off), DM_E_CORRUPT);
	ck_assert_int_eq(dm_heap_stat(s, BASE, NULL), DM_E_ARG);
	ck_assert_int_eq(dm_heap_free_bytes(s, BASE, NULL), DM_E_ARG);
	ck_assert_int_eq(dm_heap_largest_free(s, BASE, NULL), DM_E_ARG);
	ck_assert_int_eq(dm_heap_block_size(s, BASE, FIRST, NULL), DM_E_ARG);
	off = alloc_ok(s, FULL);   /* the whole heap in one block */
	ck_assert_uint_eq(off, FIRST);
	ck_assert_int_eq(dm_heap_resize(s, BASE, off, 0, &n), DM_E_ARG);
	ck_assert_int_eq(dm_heap_resize(s, BASE, off, 10, NULL), DM_E_ARG);
	ck_assert_int_eq(dm_store_commit(s), DM_OK);
	dm_store_close(&s);
}
END_TEST

START_TEST(alloc_free_coalesce)
{
	dm_store *s = formatted("a.img");
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	uint32_t a = alloc_ok(s, 100), b = alloc_ok(s, 200), c = alloc_ok(s, 300), bs_a, bs_b;
	ck_assert_uint_eq(a, FIRST);
	ck_assert_uint_lt(a, b);
	ck_assert_uint_lt(b, c);
	ck_assert_int_eq(dm_heap_block_size(s, BASE, a, &bs_a), DM_OK);
	ck_assert_int_eq(dm_heap_block_size(s, BASE, b, &bs_b), DM_OK);
	ck_assert_uint_eq(a + bs_a + DM_HEAP_BLOCK_HDR, b);
	dm_heap_stats st = stats(s);
	ck_assert_uint_eq(st.used_blocks, 3);
	ck_assert_uint_eq(st.free_blocks, 1);

	ck_assert_int_eq(dm_heap_free(s, BASE, b), DM_OK);
	st = stats(s);
	ck_assert_uint_eq(st.free_blocks, 2);
	ck_assert_int_eq(dm_heap_free(s, BASE, a), DM_OK);
	st = stats(s);
	ck_assert_uint_eq(st.free_blocks, 2);   /* a merged with b */
	/* The merged hole holds exactly both payloads plus one header. */
	uint32_t ab = alloc_ok(s, bs_a + bs_b + DM_HEAP_BLOCK_HDR);
	ck_assert_uint_eq(ab, a);
	ck_assert_int_eq(dm_heap_free(s, BASE, ab), DM_OK);
	ck_assert_int_eq(dm_heap_free(s, BASE, c), DM_OK);   /* merges both sides */
	st = stats(s);
	ck_assert_uint_eq(st.free_blocks, 1);
	ck_assert_uint_eq(st.used_blocks, 0);
	ck_assert_uint_eq(st.largest_free, FULL);
	ck_assert_int_eq(dm_store_commit(s), DM_OK);
	dm_store_close(&s);
}
END_TEST

START_TEST(allocations_read_zero)
{
	dm_store *s = formatted("a.img");
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	uint32_t a = alloc_ok(s, 500);
	write_pattern(s, a, 500, 1);
	ck_assert_int_eq(dm_store_commit(s), DM_OK);
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	ck_assert_int_eq(dm_heap_free(s, BASE, a), DM_OK);
	ck_assert_int_eq(dm_store_commit(s), DM_OK);
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	uint32_t b = alloc_ok(s, 1000);
	ck_assert_uint_eq(b, a);   /* same place: old key bytes must not show */
	expect_zero(s, b, 1000);
	ck_assert_int_eq(dm_store_commit(s), DM_OK);
	dm_store_close(&s);
}
END_TEST

START_TEST(full_heap_is_nomem_and_unchanged)
{
	const char *p = th_new_image("a.img", CAP);
	dm_store *s = th_open(p, 0);
	uint32_t off, n = 0;
	int rc = DM_OK;
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	ck_assert_int_eq(dm_heap_format(s, BASE, LEN), DM_OK);
	while (rc == DM_OK) {
		rc = dm_heap_alloc(s, BASE, 1000, &off);
		if (rc == DM_OK) {
			write_pattern(s, off, 1000, n);
			n++;
		}
	}
	ck_assert_int_eq(rc, DM_E_NOMEM);
	ck_assert_uint_eq(n, (LEN - DM_HEAP_HEADER_LEN) / 1008);
	ck_assert_int_eq(dm_store_commit(s), DM_OK);

	/* A refused allocation changes no byte of the store. */
	uint8_t *before = th_read_all(s), *after;
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	ck_assert_int_eq(dm_heap_alloc(s, BASE, 1000, &off), DM_E_NOMEM);
	after = th_read_all(s);
	ck_assert_mem_eq(before, after, CAP);
	free(after);
	/* The rest still goes, then nothing. */
	dm_heap_stats st = stats(s);
	ck_assert_uint_eq(st.free_blocks, 1);
	off = alloc_ok(s, st.largest_free);
	ck_assert_int_eq(dm_heap_alloc(s, BASE, 1, &off), DM_E_NOMEM);
	st = stats(s);
	ck_assert_uint_eq(st.free_blocks, 0);
	ck_assert_uint_eq(st.free_bytes, 0);
	ck_assert_int_eq(dm_store_commit(s), DM_OK);
	free(before);
	dm_store_close(&s);
}
END_TEST

/* xorshift32: a reproducible workload. */
static uint32_t rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

START_TEST(free_all_gives_full_capacity_back)
{
	dm_store *s = formatted("a.img");
	uint32_t live[4000], n = 0, x = 12345, off;
	dm_heap_stats st0 = stats(s);
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	while (dm_heap_alloc(s, BASE, 1 + rnd(&x) % 300, &off) == DM_OK) {
		ck_assert_uint_lt(n, DM_ARRAY_LEN(live));
		write_pattern(s, off, 8, n);
		live[n++] = off;
	}
	ck_assert_int_eq(dm_store_commit(s), DM_OK);
	ck_assert_uint_gt(n, 500);
	/* Free in a shuffled order. */
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = rnd(&x) % (i + 1), t = live[i];
		live[i] = live[j];
		live[j] = t;
	}
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	for (uint32_t i = 0; i < n; i++)
		ck_assert_int_eq(dm_heap_free(s, BASE, live[i]), DM_OK);
	ck_assert_int_eq(dm_store_commit(s), DM_OK);
	dm_heap_stats st = stats(s);
	ck_assert_uint_eq(st.free_blocks, 1);
	ck_assert_uint_eq(st.largest_free, st0.largest_free);
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	off = alloc_ok(s, st0.largest_free);
	ck_assert_uint_eq(off, FIRST);
	expect_zero(s, off, st0.largest_free);
	ck_assert_int_eq(dm_store_commit(s), DM_OK);
	dm_store_close(&s);
}
END_TEST

START_TEST(resize_in_place_and_moving)
{
	dm_store *s = formatted("a.img");
	uint32_t no, bs;
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	uint32_t a = alloc_ok(s, 200), b = alloc_ok(s, 200), c = alloc_ok(s, 200);
	write_pattern(s, a, 200, 1);
	write_pattern(s, b, 200, 2);
	write_pattern(s, c, 200, 3);

	/* Shrink keeps the place and the first bytes; the tail becomes free. */
	ck_assert_int_eq(dm_heap_resize(s, BASE, b, 50, &no), DM_OK);
	ck_assert_uint_eq(no, b);
	expect_pattern(s, b, 50, 2);
	ck_assert_uint_eq(stats(s).free_blocks, 2);
	/* Grow back into the freed tail: in place, grown bytes zero. */
	ck_assert_int_eq(dm_heap_resize(s, BASE, b, 200, &no), DM_OK);
	ck_assert_uint_eq(no, b);
	expect_pattern(s, b, 50, 2);
	ck_assert_int_eq(dm_heap_block_size(s, BASE, b, &bs), DM_OK);
	expect_zero(s, b + 56, bs - 56);
	ck_assert_uint_eq(stats(s).free_blocks, 1);

	/* a cannot grow in place (b follows): it moves, content kept. */
	ck_assert_int_eq(dm_heap_resize(s, BASE, a, 1000, &no), DM_OK);
	ck_assert_uint_ne(no, a);
	expect_pattern(s, no, 200, 1);
	expect_zero(s, no + 200, 800);
	ck_assert_int_eq(dm_heap_free(s, BASE, a), DM_E_NOT_FOUND);   /* old offset gone */
	a = no;

	/* [free hole where a was][b][c...]: b grows over the hole before it
	 * only by moving, here into the merged hole + its own space. */
	ck_assert_int_eq(dm_heap_resize(s, BASE, b, 400, &no), DM_OK);
	ck_assert_uint_eq(no, FIRST);
	expect_pattern(s, no, 50, 2);
	b = no;
	expect_pattern(s, c, 200, 3);
	expect_pattern(s, a, 200, 1);

	/* Impossible sizes change nothing. */
	uint8_t *before = th_read_all(s), *after;
	ck_assert_int_eq(dm_heap_resize(s, BASE, c, FULL, &no), DM_E_NOMEM);
	ck_assert_int_eq(dm_heap_resize(s, BASE, c, UINT32_MAX, &no), DM_E_NOMEM);
	ck_assert_int_eq(dm_heap_resize(s, BASE, c + 8, 10, &no), DM_E_NOT_FOUND);
	after = th_read_all(s);
	ck_assert_mem_eq(before, after, CAP);
	free(before);
	free(after);
	ck_assert_int_eq(dm_store_commit(s), DM_OK);
	dm_store_close(&s);
}
END_TEST

START_TEST(bad_offsets_and_damage)
{
	dm_store *s = formatted("a.img");
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	uint32_t a = alloc_ok(s, 64), b = alloc_ok(s, 64), bs;
	ck_assert_int_eq(dm_heap_free(s, BASE, a + 8), DM_E_NOT_FOUND);   /* inside a block */
	ck_assert_int_eq(dm_heap_free(s, BASE, a - 8), DM_E_NOT_FOUND);   /* a header */
	ck_assert_int_eq(dm_heap_free(s, BASE, 0), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_heap_free(s, BASE, UINT32_MAX), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_heap_free(s, BASE, b + 72), DM_E_NOT_FOUND);  /* the free block */
	ck_assert_int_eq(dm_heap_free(s, BASE, a), DM_OK);
	ck_assert_int_eq(dm_heap_free(s, BASE, a), DM_E_NOT_FOUND);       /* double free */
	ck_assert_int_eq(dm_heap_block_size(s, BASE, a, &bs), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_store_commit(s), DM_OK);

	/* A stray write over a block header (overflow of the block before). */
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	ck_assert_int_eq(dm_store_write(s, b - 6, "\xFF", 1), DM_OK);
	dm_heap_stats st;
	uint32_t off;
	ck_assert_int_eq(dm_heap_stat(s, BASE, &st), DM_E_CORRUPT);
	ck_assert_int_eq(dm_heap_alloc(s, BASE, 100, &off), DM_E_CORRUPT);
	ck_assert_int_eq(dm_heap_free(s, BASE, b), DM_E_CORRUPT);
	ck_assert_int_eq(dm_store_abort(s), DM_OK);
	/* A damaged region header. */
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	ck_assert_int_eq(dm_store_write(s, BASE + 9, "\x01", 1), DM_OK);
	ck_assert_int_eq(dm_heap_stat(s, BASE, &st), DM_E_CORRUPT);
	ck_assert_int_eq(dm_store_abort(s), DM_OK);
	/* Two adjacent free blocks break the coalescing invariant. */
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	uint8_t hdr[8];
	dm_put_u32be(hdr, (b - 8 - (a - 8)));                 /* a's block, marked free */
	dm_put_u32be(hdr + 4, dm_get_u32be(hdr) ^ 0x48454150u);
	ck_assert_int_eq(dm_store_write(s, b - 8, hdr, 8), DM_OK);   /* b: free too */
	ck_assert_int_eq(dm_heap_stat(s, BASE, &st), DM_E_CORRUPT);
	ck_assert_int_eq(dm_store_abort(s), DM_OK);
	st = stats(s);
	ck_assert_uint_eq(st.used_blocks, 1);
	dm_store_close(&s);
}
END_TEST

struct live {
	uint32_t off;
	uint32_t size;
	unsigned seed;
};

static void check_model(dm_store *s, const struct live *lv, size_t n)
{
	dm_heap_stats st = stats(s);
	uint64_t used = 0;
	ck_assert_uint_eq(st.used_blocks, n);
	for (size_t i = 0; i < n; i++) {
		uint32_t bs;
		ck_assert_int_eq(dm_heap_block_size(s, BASE, lv[i].off, &bs), DM_OK);
		ck_assert_uint_ge(bs, lv[i].size);
		used += bs;
		expect_pattern(s, lv[i].off, lv[i].size, lv[i].seed);
		/* No overlap: every other block lies wholly before or after. */
		bool apart = true;
		for (size_t j = 0; j < i; j++)
			apart &= lv[j].off + lv[j].size + DM_HEAP_BLOCK_HDR <= lv[i].off ||
				 lv[i].off + bs + DM_HEAP_BLOCK_HDR <= lv[j].off;
		ck_assert(apart);
	}
	ck_assert_uint_eq(st.used_bytes, used);
}

START_TEST(random_workload_matches_model)
{
	const char *p = th_new_image("a.img", CAP);
	dm_store *s = th_open(p, 0);
	struct live lv[600], saved[600];
	size_t n = 0, nsaved;
	uint32_t x = 0xC0FFEE, ops = 0, nomem = 0, moved = 0, aborted = 0;
	unsigned seed = 1;

	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	ck_assert_int_eq(dm_heap_format(s, BASE, LEN), DM_OK);
	ck_assert_int_eq(dm_store_commit(s), DM_OK);
	for (unsigned t = 0; t < 700; t++) {
		memcpy(saved, lv, n * sizeof *lv);
		nsaved = n;
		ck_assert_int_eq(dm_store_begin(s), DM_OK);
		for (uint32_t k = 1 + rnd(&x) % 6; k > 0; k--, ops++) {
			uint32_t what = rnd(&x) % 10, off, size = 1 + rnd(&x) % 900;
			if (n == 0 || (what < 5 && n < DM_ARRAY_LEN(lv))) {
				int rc = dm_heap_alloc(s, BASE, size, &off);
				if (rc == DM_E_NOMEM) {
					nomem++;
					continue;
				}
				ck_assert_int_eq(rc, DM_OK);
				expect_zero(s, off, size);
				write_pattern(s, off, size, seed);
				lv[n++] = (struct live){ off, size, seed++ };
			} else if (what < 8) {
				size_t i = rnd(&x) % n;
				ck_assert_int_eq(dm_heap_free(s, BASE, lv[i].off), DM_OK);
				lv[i] = lv[--n];
			} else {
				size_t i = rnd(&x) % n;
				uint32_t old_bs;
				ck_assert_int_eq(dm_heap_block_size(s, BASE, lv[i].off, &old_bs), DM_OK);
				int rc = dm_heap_resize(s, BASE, lv[i].off, size, &off);
				if (rc == DM_E_NOMEM) {
					nomem++;
					continue;
				}
				ck_assert_int_eq(rc, DM_OK);
				uint32_t keep = size < lv[i].size ? size : lv[i].size;
				expect_pattern(s, off, keep, lv[i].seed);
				/* Bytes past the old block read as zero. */
				if (size > old_bs)
					expect_zero(s, off + old_bs, size - old_bs);
				moved += off != lv[i].off;
				write_pattern(s, off, size, seed);
				lv[i] = (struct live){ off, size, seed++ };
			}
		}
		if (rnd(&x) % 10 == 0) {
			ck_assert_int_eq(dm_store_abort(s), DM_OK);
			memcpy(lv, saved, nsaved * sizeof *lv);
			n = nsaved;
			aborted++;
		} else {
			ck_assert_int_eq(dm_store_commit(s), DM_OK);
		}
		check_model(s, lv, n);
		if (t % 100 == 99) {   /* everything is in the image */
			dm_store_close(&s);
			s = th_open(p, 0);
			check_model(s, lv, n);
		}
	}
	/* The workload reached every path. */
	ck_assert_uint_gt(nomem, 0);
	ck_assert_uint_gt(moved, 0);
	ck_assert_uint_gt(aborted, 0);
	ck_assert_uint_gt(ops, 2000);
	dm_store_close(&s);
}
END_TEST

/* ---- power cuts ---- */

struct cut_arg {
	uint32_t a, b, c;   /* blocks in the base image */
};

static int step_alloc(dm_store *s, void *arg)
{
	uint32_t off;
	uint8_t data[700];
	(void)arg;
	th_fill_pattern(data, sizeof data, 77);
	int rc = dm_store_begin(s);
	if (rc == DM_OK)
		rc = dm_heap_alloc(s, BASE, sizeof data, &off);
	if (rc == DM_OK)
		rc = dm_store_write(s, off, data, sizeof data);
	return rc == DM_OK ? dm_store_commit(s) : rc;
}

static int step_free(dm_store *s, void *arg)
{
	const struct cut_arg *ca = arg;
	int rc = dm_store_begin(s);
	if (rc == DM_OK)
		rc = dm_heap_free(s, BASE, ca->b);
	return rc == DM_OK ? dm_store_commit(s) : rc;
}

static int step_resize(dm_store *s, void *arg)
{
	const struct cut_arg *ca = arg;
	uint32_t no;
	int rc = dm_store_begin(s);
	if (rc == DM_OK)
		rc = dm_heap_resize(s, BASE, ca->a, 5000, &no);
	return rc == DM_OK ? dm_store_commit(s) : rc;
}

static int verify_heap(dm_store *s, void *arg)
{
	dm_heap_stats st;
	(void)arg;
	return dm_heap_stat(s, BASE, &st);
}

START_TEST(powercut_alloc_free_resize)
{
	static const th_step steps[] = { step_alloc, step_free, step_resize };
	struct cut_arg ca;
	const char *p = th_new_image("base.img", CAP);
	dm_store *s = th_open(p, 0);
	ck_assert_int_eq(dm_store_begin(s), DM_OK);
	ck_assert_int_eq(dm_heap_format(s, BASE, LEN), DM_OK);
	ca.a = alloc_ok(s, 300);
	ca.b = alloc_ok(s, 500);
	ca.c = alloc_ok(s, 200);
	write_pattern(s, ca.a, 300, 1);
	write_pattern(s, ca.b, 500, 2);
	write_pattern(s, ca.c, 200, 3);
	ck_assert_int_eq(dm_store_commit(s), DM_OK);
	dm_store_close(&s);

	struct th_cut_case c = { .base = p, .steps = steps, .nsteps = DM_ARRAY_LEN(steps),
				 .arg = &ca, .verify = verify_heap };
	struct th_cut_result r;
	th_cut_every_write(&c, &r);
	for (size_t i = 0; i <= c.nsteps; i++)
		ck_assert_uint_gt(r.seen[i], 0);
	ck_assert_uint_gt(r.recovery_cuts, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("heap");
	TCase *tc = tcase_create("heap");
	tcase_add_checked_fixture(tc, th_tmpdir_setup, th_tmpdir_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, states_and_arguments);
	tcase_add_test(tc, alloc_free_coalesce);
	tcase_add_test(tc, allocations_read_zero);
	tcase_add_test(tc, full_heap_is_nomem_and_unchanged);
	tcase_add_test(tc, free_all_gives_full_capacity_back);
	tcase_add_test(tc, resize_in_place_and_moving);
	tcase_add_test(tc, bad_offsets_and_damage);
	tcase_add_test(tc, random_workload_matches_model);
	tcase_add_test(tc, powercut_alloc_free_resize);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
