/*
 * cut_harness.h - shared by the store and heap tests: a temporary directory
 * per test, image copies, and the power-cut driver that cuts an operation
 * at every one of its medium writes (and its recovery at every write).
 */
#ifndef DM_TEST_CUT_HARNESS_H
#define DM_TEST_CUT_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Checked-fixture setup/teardown: a fresh mkdtemp directory, removed with
 * everything in it. */
void th_tmpdir_setup(void);
void th_tmpdir_teardown(void);
/* path of name inside the test's directory (static buffer per call slot:
 * valid until the eighth following call). */
const char *th_path(const char *name);

/* Create an image of capacity bytes in the test directory; its path. */
const char *th_new_image(const char *name, uint32_t capacity);
/* Open that must succeed. */
dm_store *th_open(const char *path, uint32_t flags);
/* Deterministic pseudo-random bytes for seed. */
void th_fill_pattern(uint8_t *p, size_t n, unsigned seed);

void th_copy_file(const char *src, const char *dst);
/* Whole data area of an open store (malloc'd, capacity bytes). */
uint8_t *th_read_all(dm_store *s);
/* Open path (no injector), read everything, close. */
uint8_t *th_snapshot(const char *path, uint32_t flags, uint32_t *capacity);

/* One step = one whole transaction (begin ... commit); DM_OK or the first
 * error.  Must behave the same on every run from the same image. */
typedef int (*th_step)(dm_store *s, void *arg);
/* Extra check of a recovered store (e.g. heap consistency): DM_OK or error. */
typedef int (*th_verify)(dm_store *s, void *arg);

struct th_cut_case {
	const char *base;      /* closed image holding the state before the steps */
	uint32_t flags;        /* DM_STORE_* used for every open */
	const th_step *steps;
	size_t nsteps;
	void *arg;
	th_verify verify;      /* or NULL */
};

struct th_cut_result {
	unsigned long op_writes;        /* W: medium writes of all the steps */
	unsigned long recovery_cuts;    /* recoveries that were themselves cut */
	unsigned long seen[8];          /* how many cuts recovered to state i */
};

/*
 * Count W on a copy of base, then for every k in 0..W: run the steps on a
 * fresh copy whose medium loses power after (open's writes + k) writes,
 * reopen without the injector and require the data area to equal, byte for
 * byte, the state after 0, 1, ... or nsteps steps, never going back as k
 * grows.  Every recovery that writes is also cut at each of its writes and
 * must then recover to the same state.  nsteps <= 7.
 */
void th_cut_every_write(const struct th_cut_case *c, struct th_cut_result *r);

#endif
