/*
 * fuzz_uicc.c - sequences of APDUs and power events on the default card
 * (the UICC file system, card/fs.h, and the PIN service behind it).
 * Input, as fuzz_runtime: records
 *   00 / 01 / 02          power off / on / reset
 *   any other byte, u16   a C-APDU of that length (big-endian), cut at the
 *                         end of the input
 * Every input starts from the same fresh default card (a copy of a
 * template image), so an input alone reproduces what it found.
 * Invariants (abort on violation):
 *   - every APDU is answered DM_OK with a status word, SW1 in 61-6F/90-9F,
 *     and data only with 9000, 91xx, 61xx, 62xx or 63xx;
 *   - afterwards the card's heap passes its integrity walk, and the card
 *     reopens (its file index is rebuilt from the store) and selects the MF
 *     (9000, or 6283/6285 when the input deactivated/terminated it).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apdu.h"
#include "card.h"
#include "heap.h"
#include "store.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

/* The card's heap follows the 64-byte runtime header (docs/runtime.md §9). */
#define CARD_HEAP_BASE 64u

static char dir[] = "/tmp/dmsc-fuzz-uicc-XXXXXX";
static char template_img[sizeof dir + 16], work_img[sizeof dir + 16];
static uint8_t *out_buf;

static void cleanup(void)
{
	unlink(template_img);
	unlink(work_img);
	rmdir(dir);
	free(out_buf);
}

static void copy_file(const char *src, const char *dst)
{
	static uint8_t buf[65536];
	int in = open(src, O_RDONLY), out;

	CHECK(in >= 0);
	unlink(dst);
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(out >= 0);
	for (;;) {
		ssize_t r = read(in, buf, sizeof buf);
		CHECK(r >= 0);
		if (r == 0)
			break;
		CHECK(write(out, buf, (size_t)r) == r);
	}
	close(in);
	CHECK(close(out) == 0);
}

static dm_card *open_card(const char *path)
{
	dm_card_config cfg = { .image_path = path, .store_flags = DM_STORE_RELAXED };
	dm_card *card = NULL;
	CHECK(dm_card_open(&cfg, &card) == DM_OK);
	return card;
}

static void setup(void)
{
	if (out_buf != NULL)
		return;
	CHECK(mkdtemp(dir) != NULL);
	snprintf(template_img, sizeof template_img, "%s/template.img", dir);
	snprintf(work_img, sizeof work_img, "%s/work.img", dir);
	out_buf = malloc(DM_RAPDU_MAX);
	CHECK(out_buf != NULL);
	atexit(cleanup);
	dm_card *card = open_card(template_img);
	dm_card_close(&card);
}

static void check_answer(const dm_wbuf *out)
{
	CHECK(out->len >= 2 && out->len <= DM_RAPDU_MAX);
	size_t n = out->len - 2;
	uint8_t sw1 = out->ptr[n];
	CHECK((sw1 >= 0x61 && sw1 <= 0x6F) || (sw1 >= 0x90 && sw1 <= 0x9F));
	if (n != 0)
		CHECK(sw1 == 0x90 || sw1 == 0x91 || sw1 == 0x61 || sw1 == 0x62 || sw1 == 0x63);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	copy_file(template_img, work_img);
	dm_card *card = open_card(work_img);
	size_t i = 0;
	while (i < size) {
		uint8_t tag = data[i++];
		if (tag <= DM_POWER_RESET) {
			dm_card_power(card, (dm_power_event)tag);
			continue;
		}
		if (size - i < 2)
			break;
		size_t len = dm_get_u16be(data + i);
		i += 2;
		if (len > size - i)
			len = size - i;
		dm_wbuf out = dm_wbuf_init(out_buf, DM_RAPDU_MAX);
		CHECK(dm_card_transmit(card, data + i, len, &out) == DM_OK);
		check_answer(&out);
		i += len;
	}
	dm_card_close(&card);

	dm_store_opts o = { .flags = DM_STORE_RELAXED };
	dm_store *s = NULL;
	dm_heap_stats st;
	CHECK(dm_store_open(work_img, &o, &s) == DM_OK);
	CHECK(dm_heap_stat(s, CARD_HEAP_BASE, &st) == DM_OK);
	dm_store_close(&s);

	card = open_card(work_img);
	static const uint8_t select_mf[] = { 0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00 };
	dm_wbuf out = dm_wbuf_init(out_buf, DM_RAPDU_MAX);
	CHECK(dm_card_transmit(card, select_mf, sizeof select_mf, &out) == DM_OK);
	/* 9000, or 6283 / 6285 for an MF the input deactivated / terminated. */
	CHECK(out.len == 2 && ((out.ptr[0] == 0x90 && out.ptr[1] == 0x00) ||
			       (out.ptr[0] == 0x62 && (out.ptr[1] == 0x83 || out.ptr[1] == 0x85))));
	dm_card_close(&card);
	return 0;
}
