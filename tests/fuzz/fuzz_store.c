/*
 * fuzz_store.c - dm_store_open() recovery over arbitrary journal contents.
 * The CRCs would stop a fuzzer at once, so the target writes a journal slot
 * whose header CRC is always right and lets the input choose the rest:
 *   u8 flags   bit 0: payload CRC right (else off by one bit: a torn journal)
 *              bit 1: put it in the slot its seq does not belong to
 *   u8 seq, u16 record count, u16 payload length (as claimed by the header)
 *   payload    the remaining bytes (records: u32 offset, u32 length, data)
 * into a fresh image of 4096 bytes (docs/store.md layout).
 * Invariants (abort on violation):
 *   - open answers DM_OK or DM_E_CORRUPT, and never crashes or reads out of
 *     bounds (sanitizers);
 *   - a torn journal (sane header, payload CRC wrong) is ignored: DM_OK,
 *     data all zero;
 *   - after DM_OK the store works: a commit and a reopen succeed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tomcrypt.h>

#include "store.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)
#define CAPACITY 4096u
#define PAGE 4096u
#define SLOT_HDR 64u
#define SLOT_SIZE (64u * 1024u + PAGE)   /* 64 KiB journal + header, page-rounded */

static char dir[] = "/tmp/dmsc-fuzz-store-XXXXXX";
static char image[sizeof dir + 16];
static uint8_t *base;
static size_t base_len;

static void cleanup(void)
{
	unlink(image);
	rmdir(dir);
	free(base);
}

static void crc32_of(const uint8_t *p, size_t n, uint8_t out[4])
{
	crc32_state c;
	crc32_init(&c);
	crc32_update(&c, p, (unsigned long)n);
	crc32_finish(&c, out, 4);
}

/* A fresh image, kept in RAM and written over the work file per input. */
static void base_init(void)
{
	if (base != NULL)
		return;
	CHECK(mkdtemp(dir) != NULL);
	snprintf(image, sizeof image, "%s/store.img", dir);
	CHECK(dm_store_create(image, CAPACITY, &(dm_store_opts){ .flags = DM_STORE_RELAXED }) == DM_OK);
	base_len = PAGE + 2 * SLOT_SIZE + CAPACITY;
	base = malloc(base_len);
	CHECK(base != NULL);
	int fd = open(image, O_RDONLY);
	CHECK(fd >= 0 && pread(fd, base, base_len, 0) == (ssize_t)base_len);
	close(fd);
	atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t slot[SLOT_SIZE];
	dm_store_opts o = { .flags = DM_STORE_RELAXED };
	dm_store *s = NULL;

	if (size < 6)
		return 0;
	base_init();
	size_t plen = size - 6;
	if (plen > SLOT_SIZE - SLOT_HDR)
		plen = SLOT_SIZE - SLOT_HDR;
	uint8_t flags = data[0], seq = data[1];
	bool torn = !(flags & 1);

	memset(slot, 0, SLOT_HDR);
	memcpy(slot, "DMJR", 4);
	dm_put_u32be(slot + 4, 1);
	dm_put_u32be(slot + 12, seq);
	dm_put_u32be(slot + 16, dm_get_u16be(data + 4));
	dm_put_u32be(slot + 20, dm_get_u16be(data + 2));
	memcpy(slot + SLOT_HDR, data + 6, plen);
	/* The CRC covers the length the header claims, clamped to the slot. */
	size_t claimed = dm_get_u16be(data + 4);
	if (claimed > plen)   /* the image's slot is zero past what we write */
		memset(slot + SLOT_HDR + plen, 0, claimed - plen);
	crc32_of(slot + SLOT_HDR, claimed, slot + 24);
	if (torn)
		slot[24] ^= 1;
	crc32_of(slot, SLOT_HDR - 4, slot + SLOT_HDR - 4);

	unsigned idx = (seq % 2) ^ ((flags >> 1) & 1);
	int fd = open(image, O_WRONLY);
	CHECK(fd >= 0);
	CHECK(pwrite(fd, base, base_len, 0) == (ssize_t)base_len);
	CHECK(pwrite(fd, slot, SLOT_HDR + plen, PAGE + idx * SLOT_SIZE) ==
	      (ssize_t)(SLOT_HDR + plen));
	close(fd);

	int rc = dm_store_open(image, &o, &s);
	CHECK(rc == DM_OK || rc == DM_E_CORRUPT);
	/* A header that passes its CRC with impossible fields is corruption;
	 * with sane fields, a torn payload only means "not committed". */
	bool header_ok = seq != 0 && seq % 2 == idx && claimed > 8 &&
			 claimed <= 64u * 1024u && dm_get_u16be(data + 2) != 0;
	CHECK(!(torn && header_ok) || rc == DM_OK);
	if (rc != DM_OK)
		return 0;
	if (torn) {
		const uint8_t *v;
		uint8_t any = 0;
		CHECK(dm_store_view(s, 0, CAPACITY, &v) == DM_OK);
		for (size_t i = 0; i < CAPACITY; i++)
			any |= v[i];
		CHECK(any == 0);
	}
	CHECK(dm_store_begin(s) == DM_OK);
	CHECK(dm_store_write(s, CAPACITY - 1, "x", 1) == DM_OK);
	CHECK(dm_store_commit(s) == DM_OK);
	dm_store_close(&s);
	CHECK(dm_store_open(image, &o, &s) == DM_OK);
	dm_store_close(&s);
	return 0;
}
