/*
 * rt_harness.c - see rt_harness.h.
 */
#include "rt_harness.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apdu.h"
#include "applets/echo.h"
#include "hex.h"
#include "store.h"


dm_card *rt_card;
uint8_t *rt_resp;
size_t rt_resp_len;
uint16_t rt_sw;
int rt_rc;

static char dir[64];
static char image[128];
static const dm_applet_reg *registry = dm_echo_registry;
static size_t registry_len;

void rt_use_registry(const dm_applet_reg *reg, size_t n)
{
	registry = reg != NULL ? reg : dm_echo_registry;
	registry_len = reg != NULL ? n : 0;
}

const char *rt_image_path(void)
{
	return image;
}

static void open_card(dm_card_protocol proto, unsigned long cut)
{
	dm_card_config cfg = {
		.image_path = image,
		.protocol = proto,
		.store_flags = DM_STORE_RELAXED,
		.cut_after_writes = cut,
	};
	size_t n = registry == dm_echo_registry ? dm_echo_registry_len : registry_len;
	int rc = dm_card_open_registry(&cfg, registry, n, &rt_card);
	ck_assert_msg(rc == DM_OK, "dm_card_open_registry: %s", dm_strerror(rc));
}

static void setup(dm_card_protocol proto)
{
	snprintf(dir, sizeof dir, "/tmp/dmsc-rt-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(image, sizeof image, "%s/card.img", dir);
	rt_resp = malloc(DM_RAPDU_MAX);
	ck_assert_ptr_nonnull(rt_resp);
	open_card(proto, 0);
}

void rt_setup_t1(void)
{
	setup(DM_CARD_T1);
}

void rt_setup_t0(void)
{
	setup(DM_CARD_T0);
}

void rt_reopen(dm_card_protocol proto, unsigned long cut_after_writes)
{
	dm_card_close(&rt_card);
	ck_assert_ptr_null(rt_card);
	open_card(proto, cut_after_writes);
}

void rt_teardown(void)
{
	dm_card_close(&rt_card);
	free(rt_resp);
	rt_resp = NULL;
	unlink(image);
	rmdir(dir);
}

size_t rt_hex(const char *hex, uint8_t *out, size_t cap)
{
	dm_wbuf w = dm_wbuf_init(out, cap);
	ck_assert_int_eq(dm_hex_decode(hex, &w), DM_OK);
	return w.len;
}

uint16_t rt_send(const uint8_t *apdu, size_t len)
{
	dm_wbuf out = dm_wbuf_init(rt_resp, DM_RAPDU_MAX);
	rt_rc = dm_card_transmit(rt_card, apdu, len, &out);
	/* card.h: always at least the status word. */
	ck_assert_uint_ge(out.len, 2);
	rt_resp_len = out.len - 2;
	rt_sw = dm_get_u16be(rt_resp + rt_resp_len);
	return rt_sw;
}

uint16_t rt_x(const char *hex)
{
	static uint8_t apdu[DM_CAPDU_MAX];
	size_t n = rt_hex(hex, apdu, sizeof apdu);
	return rt_send(apdu, n);
}

void rt_expect_(const char *apdu, const char *resp, const char *file, int line)
{
	static uint8_t want[DM_RAPDU_MAX];
	size_t n = rt_hex(resp, want, sizeof want);
	rt_x(apdu);
	char got[2 * 64 + 1] = "";
	dm_hex_encode(rt_resp, rt_resp_len + 2 > 64 ? 64 : rt_resp_len + 2, got, sizeof got);
	ck_assert_msg(rt_resp_len + 2 == n && memcmp(rt_resp, want, n) == 0,
		      "%s:%d: %s -> %s%s, want %s", file, line, apdu, got,
		      rt_resp_len + 2 > 64 ? "..." : "", resp);
}
