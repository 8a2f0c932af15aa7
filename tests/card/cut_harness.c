/*
 * cut_harness.c - see cut_harness.h.
 */
#define _XOPEN_SOURCE 700   /* nftw */

#include "cut_harness.h"

#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[PATH_MAX];

void th_tmpdir_setup(void)
{
	static bool at_exit;
	const char *base = getenv("TMPDIR");
	/* A failing check exits the test's process without the checked
	 * teardown: clean up then too. */
	if (!at_exit)
		at_exit = atexit(th_tmpdir_teardown) == 0;
	int n = snprintf(tmpdir, sizeof tmpdir, "%s/dmsc-store-test.XXXXXX",
			 base != NULL && *base != '\0' ? base : "/tmp");
	ck_assert(n > 0 && (size_t)n < sizeof tmpdir);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

void th_tmpdir_teardown(void)
{
	if (tmpdir[0] != '\0')
		(void)nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	tmpdir[0] = '\0';
}

const char *th_path(const char *name)
{
	static char bufs[8][PATH_MAX];
	static unsigned next;
	char *b = bufs[next++ % 8];
	int n = snprintf(b, PATH_MAX, "%s/%s", tmpdir, name);
	ck_assert(n > 0 && n < PATH_MAX);
	return b;
}

const char *th_new_image(const char *name, uint32_t capacity)
{
	const char *p = th_path(name);
	ck_assert_int_eq(dm_store_create(p, capacity, NULL), DM_OK);
	return p;
}

dm_store *th_open(const char *path, uint32_t flags)
{
	dm_store_opts o = { .flags = flags };
	dm_store *s = NULL;
	ck_assert_int_eq(dm_store_open(path, &o, &s), DM_OK);
	ck_assert_ptr_nonnull(s);
	return s;
}

void th_fill_pattern(uint8_t *p, size_t n, unsigned seed)
{
	uint32_t x = seed * 2654435761u + 1;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 16);
	}
}

void th_copy_file(const char *src, const char *dst)
{
	uint8_t buf[65536];
	int in = open(src, O_RDONLY);
	ck_assert_int_ge(in, 0);
	(void)unlink(dst);
	int out = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(out, 0);
	for (;;) {
		ssize_t r = read(in, buf, sizeof buf);
		ck_assert_int_ge(r, 0);
		if (r == 0)
			break;
		ck_assert_int_eq(write(out, buf, (size_t)r), r);
	}
	close(in);
	ck_assert_int_eq(close(out), 0);
}

uint8_t *th_read_all(dm_store *s)
{
	uint32_t cap = dm_store_capacity(s);
	uint8_t *p = malloc(cap);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(dm_store_read(s, 0, p, cap), DM_OK);
	return p;
}

uint8_t *th_snapshot(const char *path, uint32_t flags, uint32_t *capacity)
{
	dm_store *s = th_open(path, flags);
	uint8_t *p = th_read_all(s);
	if (capacity != NULL)
		*capacity = dm_store_capacity(s);
	dm_store_close(&s);
	return p;
}

static int run_steps(const struct th_cut_case *c, dm_store *s)
{
	for (size_t i = 0; i < c->nsteps; i++) {
		int rc = c->steps[i](s, c->arg);
		if (rc != DM_OK)
			return rc;
	}
	return DM_OK;
}

/* Open path cleanly (recovering), return which state it holds, check it. */
static size_t recovered_state(const struct th_cut_case *c, const char *path,
			      uint8_t *const *states, uint32_t cap, unsigned long *writes)
{
	dm_store *s = th_open(path, c->flags);
	if (writes != NULL)
		*writes = dm_store_medium_writes(s);
	uint8_t *now = th_read_all(s);
	size_t i = 0;
	while (i <= c->nsteps && memcmp(now, states[i], cap) != 0)
		i++;
	ck_assert_msg(i <= c->nsteps, "recovered image is neither the old nor a new state");
	if (c->verify != NULL)
		ck_assert_int_eq(c->verify(s, c->arg), DM_OK);
	free(now);
	dm_store_close(&s);
	return i;
}

void th_cut_every_write(const struct th_cut_case *c, struct th_cut_result *r)
{
	uint8_t *states[8];
	uint32_t cap;
	dm_store *s;
	const char *ref = th_path("cut-ref.img"), *cut = th_path("cut-run.img");
	const char *rec = th_path("cut-rec.img");

	ck_assert_uint_le(c->nsteps, 7);
	memset(r, 0, sizeof *r);

	/* The states and W, on an uninterrupted copy. */
	states[0] = th_snapshot(c->base, c->flags, &cap);
	th_copy_file(c->base, ref);
	s = th_open(ref, c->flags);
	unsigned long w0 = dm_store_medium_writes(s);
	for (size_t i = 0; i < c->nsteps; i++) {
		ck_assert_int_eq(c->steps[i](s, c->arg), DM_OK);
		states[i + 1] = th_read_all(s);
	}
	r->op_writes = dm_store_medium_writes(s) - w0;
	dm_store_close(&s);
	ck_assert_int_eq(unlink(ref), 0);

	size_t last = 0;
	for (unsigned long k = 0; k <= r->op_writes; k++) {
		if (w0 + k == 0)
			continue;   /* 0 means "no injector": nothing written is the old state */
		dm_store_opts co = { .flags = c->flags, .cut_after_writes = w0 + k };
		th_copy_file(c->base, cut);
		ck_assert_int_eq(dm_store_open(cut, &co, &s), DM_OK);
		int rc = run_steps(c, s);
		/* Only the last k lets every write through. */
		ck_assert_int_eq(rc, k < r->op_writes ? DM_E_IO : DM_OK);
		if (k < r->op_writes) {
			/* Power is gone: everything fails now. */
			uint8_t b;
			ck_assert_int_eq(dm_store_read(s, 0, &b, 1), DM_E_IO);
			ck_assert_int_eq(dm_store_begin(s), DM_E_IO);
		}
		dm_store_close(&s);

		unsigned long rw;
		th_copy_file(cut, rec);
		size_t st = recovered_state(c, rec, states, cap, &rw);
		ck_assert_msg(st >= last, "cut %lu recovered an older state than cut %lu", k, k - 1);
		last = st;
		r->seen[st]++;

		/* Cut the recovery itself at each of its writes, then recover. */
		for (unsigned long j = 1; j < rw; j++) {
			dm_store_opts ro = { .flags = c->flags, .cut_after_writes = j };
			th_copy_file(cut, rec);
			ck_assert_int_eq(dm_store_open(rec, &ro, &s), DM_E_IO);
			ck_assert_ptr_null(s);
			ck_assert_uint_eq(recovered_state(c, rec, states, cap, NULL), st);
			r->recovery_cuts++;
		}
	}
	ck_assert_uint_eq(last, c->nsteps);
	for (size_t i = 0; i <= c->nsteps; i++)
		free(states[i]);
	(void)unlink(cut);
	(void)unlink(rec);
}
