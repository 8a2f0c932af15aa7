/*
 * fuzz_heap.c - card/heap under arbitrary operation sequences and damaged
 * metadata.  A small heap (4 KiB region) is formatted inside one store
 * transaction, then each input byte starts an operation:
 *   op % 5 == 0  alloc   u16 size
 *   op % 5 == 1  free    u8: a live block, or (bit 7) u16 raw region offset
 *   op % 5 == 2  resize  u8 live block, u16 size
 *   op % 5 == 3  poke    u16 region offset, u8 value (damages the heap)
 *   op % 5 == 4  stat
 * Invariants (abort on violation):
 *   - no crash, no out-of-bounds access (sanitizers), whatever the bytes;
 *   - before any poke: no DM_E_CORRUPT ever, stat always succeeds and its
 *     blocks tile the region, a new block lies inside the region and reads
 *     as zero, freeing or resizing a live block succeeds unless DM_E_NOMEM.
 * The transaction is aborted at the end, so every input starts clean and
 * nothing reaches the medium.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heap.h"
#include "store.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define BASE 40u
#define LEN 4096u
#define MAX_LIVE 64

static char dir[] = "/tmp/dmsc-fuzz-heap-XXXXXX";
static char image[sizeof dir + 16];
static dm_store *store;

static void cleanup(void)
{
	dm_store_close(&store);
	unlink(image);
	rmdir(dir);
}

static dm_store *store_get(void)
{
	if (store == NULL) {
		dm_store_opts o = { .flags = DM_STORE_RELAXED };
		CHECK(mkdtemp(dir) != NULL);
		snprintf(image, sizeof image, "%s/heap.img", dir);
		CHECK(dm_store_create(image, 8192, &o) == DM_OK);
		CHECK(dm_store_open(image, &o, &store) == DM_OK);
		atexit(cleanup);
	}
	return store;
}

static void check_stat(dm_store *s)
{
	dm_heap_stats st;
	CHECK(dm_heap_stat(s, BASE, &st) == DM_OK);
	CHECK(st.used_bytes + st.free_bytes +
	      DM_HEAP_BLOCK_HDR * (st.used_blocks + st.free_blocks) == LEN - DM_HEAP_HEADER_LEN);
}

static void check_new_block(dm_store *s, uint32_t off, uint32_t size)
{
	const uint8_t *v;
	uint8_t any = 0;
	CHECK(off >= BASE + DM_HEAP_HEADER_LEN + DM_HEAP_BLOCK_HDR && off + size <= BASE + LEN);
	CHECK(dm_store_view(s, off, size, &v) == DM_OK);
	for (uint32_t i = 0; i < size; i++)
		any |= v[i];
	CHECK(any == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dm_store *s = store_get();
	uint32_t live[MAX_LIVE], off;
	size_t n = 0, i = 0;
	bool damaged = false;

	CHECK(dm_store_begin(s) == DM_OK);
	CHECK(dm_heap_format(s, BASE, LEN) == DM_OK);
	while (i < size) {
		uint8_t op = data[i++] % 5;
		int rc;
		if (op == 0 && size - i >= 2) {
			uint32_t want = dm_get_u16be(data + i) % 5000;
			i += 2;
			rc = dm_heap_alloc(s, BASE, want, &off);
			if (rc == DM_OK) {
				check_new_block(s, off, want);
				if (n < MAX_LIVE)
					live[n++] = off;
			} else {
				CHECK(damaged || rc == DM_E_NOMEM || (want == 0 && rc == DM_E_ARG));
			}
		} else if (op == 1 && size - i >= 1 && !(data[i] & 0x80)) {
			if (n == 0) {
				i++;
				continue;
			}
			size_t k = data[i++] % n;
			rc = dm_heap_free(s, BASE, live[k]);
			CHECK(damaged || rc == DM_OK);
			live[k] = live[--n];
		} else if (op == 1 && size - i >= 3) {
			rc = dm_heap_free(s, BASE, BASE + dm_get_u16be(data + i + 1) % (LEN + 64));
			i += 3;
			/* A raw offset may hit a live block: forget it if so. */
			for (size_t k = 0; rc == DM_OK && k < n;) {
				if (dm_heap_block_size(s, BASE, live[k], &off) != DM_OK)
					live[k] = live[--n];
				else
					k++;
			}
		} else if (op == 2 && size - i >= 3 && n > 0) {
			size_t k = data[i] % n;
			uint32_t want = dm_get_u16be(data + i + 1) % 5000;
			i += 3;
			rc = dm_heap_resize(s, BASE, live[k], want, &off);
			CHECK(damaged || rc == DM_OK || rc == DM_E_NOMEM ||
			      (want == 0 && rc == DM_E_ARG));
			if (rc == DM_OK)
				live[k] = off;
		} else if (op == 3 && size - i >= 3) {
			uint32_t at = BASE + dm_get_u16be(data + i) % LEN;
			CHECK(dm_store_write(s, at, data + i + 2, 1) == DM_OK);
			i += 3;
			damaged = true;
		} else if (op == 4) {
			if (!damaged)
				check_stat(s);
			else
				(void)dm_heap_stat(s, BASE, &(dm_heap_stats){ 0 });
		} else {
			break;
		}
	}
	if (!damaged)
		check_stat(s);
	CHECK(dm_store_abort(s) == DM_OK);
	return 0;
}
