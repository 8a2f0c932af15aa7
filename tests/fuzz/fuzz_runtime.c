/*
 * fuzz_runtime.c - sequences of APDUs and power events through
 * dm_card_transmit (card/runtime.c) on a card with the MF and the echo test
 * applets.  Input: byte 0 bit 0 picks the card (0 T=1, 1 T=0), then records:
 *   00 / 01 / 02          power off / on / reset
 *   any other byte, u16   a C-APDU of that length (big-endian), cut at the
 *                         end of the input
 * Invariants (abort on violation):
 *   - every APDU is answered DM_OK with a status word, never more than
 *     DM_RAPDU_MAX bytes, and never a SW1 outside 61-6F / 90-9F;
 *   - response data comes only with 9000, 91xx, 61xx, 62xx or 63xx;
 *   - 61xx never announces more than was kept, and GET RESPONSE then
 *     returns data.
 * Each input starts with a reset, so inputs share persistent state only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apdu.h"
#include "applet.h"
#include "applets/echo.h"
#include "card.h"
#include "store.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static char dir[] = "/tmp/dmsc-fuzz-rt-XXXXXX";
static char images[2][sizeof dir + 16];
static dm_card *cards[2];
static uint8_t *out_buf;

static void cleanup(void)
{
	for (int i = 0; i < 2; i++) {
		dm_card_close(&cards[i]);
		unlink(images[i]);
	}
	rmdir(dir);
	free(out_buf);
}

static dm_card *card_for(int t0)
{
	if (out_buf == NULL) {
		CHECK(mkdtemp(dir) != NULL);
		out_buf = malloc(DM_RAPDU_MAX);
		CHECK(out_buf != NULL);
		atexit(cleanup);
	}
	if (cards[t0] == NULL) {
		snprintf(images[t0], sizeof images[t0], "%s/card%d.img", dir, t0);
		dm_card_config cfg = {
			.image_path = images[t0],
			.protocol = t0 ? DM_CARD_T0 : DM_CARD_T1,
			.store_flags = DM_STORE_RELAXED,
		};
		CHECK(dm_card_open_registry(&cfg, dm_echo_registry, dm_echo_registry_len,
					    &cards[t0]) == DM_OK);
	}
	return cards[t0];
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
	if (size == 0)
		return 0;
	dm_card *card = card_for(data[0] & 1);
	dm_card_power(card, DM_POWER_RESET);
	size_t i = 1;
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
		if (out.ptr[out.len - 2] == 0x61 && len >= 1) {
			/* GET RESPONSE on the command's channel returns data. */
			dm_cla cla;
			if (dm_cla_decode(data[i], &cla) == DM_OK) {
				int c = dm_cla_on_channel(0x00, cla.channel);
				uint8_t gr[5] = { (uint8_t)c, 0xC0, 0x00, 0x00, 0x01 };
				dm_wbuf o2 = dm_wbuf_init(out_buf, DM_RAPDU_MAX);
				CHECK(c >= 0);
				CHECK(dm_card_transmit(card, gr, sizeof gr, &o2) == DM_OK);
				check_answer(&o2);
				CHECK(o2.len == 3);
			}
		}
		i += len;
	}
	return 0;
}
