/*
 * test_pin.c - the PIN service (card/pin.h) through real APDUs, in-process:
 * a card whose default application is a small test applet carrying the
 * default PIN set (dm_pin_install_defaults) and the card's security status.
 *   - every status word of VERIFY/CHANGE/DISABLE/ENABLE/UNBLOCK PIN;
 *   - retry counter semantics, blocking, PUK blocked for good, disabled PIN;
 *   - the security status: shared by logical channels, local PINs per
 *     application, cleared by reset, lost on a wrong presentation;
 *   - the counter is committed before the comparison (a probe on the PIN
 *     io sees every secret read), and power cuts at every medium write of
 *     a wrong VERIFY, a correct VERIFY and UNBLOCK never give a try back.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applet.h"
#include "card.h"
#include "hex.h"
#include "pin.h"
#include "security.h"
#include "store.h"
#include "sw.h"

/* ------------------------------------------------------ test applet -- */

/* What the PIN io saw during the last command. */
static struct probe {
	bool counter_written;   /* a retry counter byte was written ... */
	bool committed;         /* ... and committed after that */
	bool ever_committed;    /* some decrement was committed */
	unsigned secret_reads;  /* reads of a stored PIN/PUK value */
	unsigned violations;    /* secret reads with no committed decrement */
} probe;

static bool secret_at(uint32_t off, size_t n)
{
	uint32_t in = off % DM_PIN_RECORD_SIZE;
	return n == DM_PIN_LEN && (in == 8 || in == 16);
}

static int p_read(void *ctx, uint32_t off, void *buf, size_t n)
{
	if (secret_at(off, n)) {
		probe.secret_reads++;
		if (!probe.committed)
			probe.violations++;
	}
	return dm_applet_read(ctx, off, buf, n);
}

static int p_write(void *ctx, uint32_t off, const void *buf, size_t n)
{
	uint32_t in = off % DM_PIN_RECORD_SIZE;
	if (n == 1 && (in == 5 || in == 7)) {
		probe.counter_written = true;
		probe.committed = false;
	}
	return dm_applet_write(ctx, off, buf, n);
}

static int p_commit(void *ctx)
{
	int rc = dm_applet_commit(ctx);
	if (rc == DM_OK && probe.counter_written)
		probe.committed = probe.ever_committed = true;
	return rc;
}

static dm_pin_io probe_io(dm_applet_ctx *ctx)
{
	dm_pin_io io = { .ctx = ctx, .read = p_read, .write = p_write, .commit = p_commit };
	return io;
}

static int t_install(dm_applet_ctx *ctx)
{
	dm_pin_io io = dm_pin_io_applet(ctx, 0);
	return dm_pin_install_defaults(&io, 1);
}

/*
 * ISO class (0X, 4X-7X): the PIN commands.  Proprietary class:
 *   80 10 00 app     current application of this channel
 *   80 12 op df rule dm_sec_check of the expanded rule in the data
 */
static uint16_t t_process(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp)
{
	size_t n;
	uint8_t *raw = dm_applet_transient(ctx, DM_CLEAR_ON_RESET, &n);
	uint8_t *app = dm_applet_transient(ctx, DM_CLEAR_ON_DESELECT, &n);
	dm_pin_io io = probe_io(ctx);
	dm_sec_state st;
	uint16_t sw;

	memcpy(&st, raw, sizeof st);
	probe = (struct probe){ 0 };
	if ((cmd->cla & 0x80) == 0) {
		sw = dm_pin_process(&io, &st, *app, cmd);
	} else if (cmd->ins == 0x10) {
		*app = cmd->p2;
		sw = DM_SW_OK;
	} else if (cmd->ins == 0x12) {
		dm_sec_ctx sc = { .state = &st, .pins = &io, .app = *app };
		dm_sec_access acc = { .op = (dm_sec_op)cmd->p1, .df = cmd->p2 != 0 };
		sw = dm_sec_check(&sc, DM_SEC_RULE_EXPANDED, cmd->data, cmd->nc, &acc);
	} else {
		sw = DM_SW_INS_UNSUPPORTED;
	}
	memcpy(raw, &st, sizeof st);
	return sw;
}

static const dm_applet pin_applet = {
	.name = "pintest",
	.flags = DM_APPLET_MULTISELECTABLE,
	.persistent_size = DM_PIN_TABLE_SIZE,
	.reset_size = sizeof(dm_sec_state),
	.deselect_size = 1,
	.install = t_install,
	.process = t_process,
};

static const dm_applet_reg registry[] = {
	{ .applet = &pin_applet, .aid_len = 0 },
};

/* --------------------------------------------------------- harness -- */

static char dir[64];
static char image[128];
static char base[128];
static dm_card *card;
static uint8_t resp[DM_RAPDU_MAX];
static size_t resp_len;
static int last_rc;

static int try_open(const char *path, uint32_t flags, unsigned long cut)
{
	dm_card_config cfg = {
		.image_path = path,
		.protocol = DM_CARD_T1,
		.store_flags = flags,
		.cut_after_writes = cut,
	};
	return dm_card_open_registry(&cfg, registry, DM_ARRAY_LEN(registry), &card);
}

static void open_card(const char *path, uint32_t flags, unsigned long cut)
{
	int rc = try_open(path, flags, cut);
	ck_assert_msg(rc == DM_OK, "open: %s", dm_strerror(rc));
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/dmsc-pin-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(image, sizeof image, "%s/card.img", dir);
	snprintf(base, sizeof base, "%s/base.img", dir);
	open_card(image, DM_STORE_RELAXED, 0);
}

static void teardown(void)
{
	dm_card_close(&card);
	unlink(image);
	unlink(base);
	rmdir(dir);
}

static uint16_t x(const char *hex)
{
	static uint8_t apdu[DM_CAPDU_MAX];
	dm_wbuf in = dm_wbuf_init(apdu, sizeof apdu);
	dm_wbuf out = dm_wbuf_init(resp, sizeof resp);

	ck_assert_int_eq(dm_hex_decode(hex, &in), DM_OK);
	last_rc = dm_card_transmit(card, apdu, in.len, &out);
	ck_assert_uint_ge(out.len, 2);
	resp_len = out.len - 2;
	return dm_get_u16be(resp + resp_len);
}

#define X(apdu, sw) ck_assert_msg(x(apdu) == (sw), "%s -> %04X, want %04X", apdu, \
				  dm_get_u16be(resp + resp_len), (unsigned)(sw))

/* PIN values as sent: ASCII, FF padded to 8 bytes. */
#define V1234 "31323334FFFFFFFF"
#define V1111 "31313131FFFFFFFF"
#define V4321 "34333231FFFFFFFF"
#define V0000 "30303030FFFFFFFF"
#define V9999 "39393939FFFFFFFF"
#define PUK1 "3132333435363738"
#define PUK2 "3030303030303030"
#define ADM1V "3838383838383838"

#define VERIFY1(v) "0020000108" v
#define ASK1 "00200001"
#define ASK_PUK1 "002C0001"

/* Access check of a rule needing key kr for READ of an EF. */
static uint16_t can_read(uint8_t kr)
{
	char h[64];
	snprintf(h, sizeof h, "8012 0000 0B 800101A40683 01%02X 950108", kr);
	return x(h);
}

/* ---------------------------------------------------------- VERIFY -- */

START_TEST(verify_counter)
{
	X(ASK1, DM_SW_WRONG_PIN(3));
	X("0020000100", DM_SW_WRONG_PIN(3)); /* T=0 style: P3 = 00 */
	X(VERIFY1(V1111), DM_SW_WRONG_PIN(2));
	X(ASK1, DM_SW_WRONG_PIN(2));
	X(VERIFY1(V1111), DM_SW_WRONG_PIN(1));
	ck_assert_uint_eq(can_read(0x01), DM_SW_SECURITY_STATUS);
	/* a correct PIN restores the counter and verifies */
	X(VERIFY1(V1234), DM_SW_OK);
	ck_assert_uint_eq(resp_len, 0);
	X(ASK1, DM_SW_OK); /* already verified */
	ck_assert_uint_eq(can_read(0x01), DM_SW_OK);
	dm_card_power(card, DM_POWER_RESET);
	X(ASK1, DM_SW_WRONG_PIN(3));
	ck_assert_uint_eq(can_read(0x01), DM_SW_SECURITY_STATUS);
	/* the value is compared whole: padding counts */
	X(VERIFY1("31323334FFFFFF00"), DM_SW_WRONG_PIN(2));
	X(VERIFY1("3132333400000000"), DM_SW_WRONG_PIN(1));
	X(VERIFY1(V1234), DM_SW_OK);
	/* a wrong presentation drops the verified status */
	X(VERIFY1(V1111), DM_SW_WRONG_PIN(2));
	ck_assert_uint_eq(can_read(0x01), DM_SW_SECURITY_STATUS);
	X(ASK1, DM_SW_WRONG_PIN(2));
}
END_TEST

START_TEST(verify_blocks)
{
	X(VERIFY1(V1111), DM_SW_WRONG_PIN(2));
	X(VERIFY1(V1111), DM_SW_WRONG_PIN(1));
	X(VERIFY1(V1111), DM_SW_WRONG_PIN(0));
	/* TS 102 221 §11.1.9.1.1: blocked, even the right value */
	X(VERIFY1(V1234), DM_SW_AUTH_BLOCKED);
	X(VERIFY1(V1111), DM_SW_AUTH_BLOCKED);
	X(ASK1, DM_SW_WRONG_PIN(0));
	ck_assert_uint_eq(can_read(0x01), DM_SW_SECURITY_STATUS);
	X("0024000110" V1234 V4321, DM_SW_AUTH_BLOCKED);
	X("0026000108" V1234, DM_SW_AUTH_BLOCKED);
	/* blocked survives reset and reopening */
	dm_card_power(card, DM_POWER_RESET);
	X(VERIFY1(V1234), DM_SW_AUTH_BLOCKED);
	dm_card_close(&card);
	open_card(image, DM_STORE_RELAXED, 0);
	X(ASK1, DM_SW_WRONG_PIN(0));
	/* other PINs are not affected */
	X("0020000A08" ADM1V, DM_SW_OK);
}
END_TEST

START_TEST(parameter_and_length_errors)
{
	static const char *bad_p2[] = { "00", "09", "0F", "10", "12", "1F", "20", "40",
					"80", "89", "8F", "90", "FF", "C1" };
	static const char *ins[] = { "20", "24", "26", "28", "2C" };
	static const char *good[] = { "08" V1234, "10" V1234 V4321, "08" V1234, "08" V1234,
				      "10" PUK1 V4321 };
	char h[80];

	for (size_t i = 0; i < DM_ARRAY_LEN(ins); i++) {
		for (size_t j = 0; j < DM_ARRAY_LEN(bad_p2); j++) {
			snprintf(h, sizeof h, "00%s00%s08" V1234, ins[i], bad_p2[j]);
			X(h, DM_SW_WRONG_P1P2);
		}
		/* P1 other than 00 */
		snprintf(h, sizeof h, "00%s800108" V1234, ins[i]);
		X(h, DM_SW_WRONG_P1P2);
		snprintf(h, sizeof h, "00%s010108" V1234, ins[i]);
		X(h, DM_SW_WRONG_P1P2);
		/* valid key references without a PIN object (data of the
		 * right length for the command) */
		static const char *krs[] = { "02", "11", "8E", "81" /* outside its app */ };
		for (size_t k = 0; k < DM_ARRAY_LEN(krs); k++) {
			snprintf(h, sizeof h, "00%s00%s%s", ins[i], krs[k], good[i]);
			X(h, DM_SW_REF_DATA_NOT_FOUND);
		}
		/* lengths: 4 and 9 bytes fit no command */
		snprintf(h, sizeof h, "00%s000104 31323334", ins[i]);
		X(h, DM_SW_WRONG_LENGTH);
		snprintf(h, sizeof h, "00%s000109" V1234 "FF", ins[i]);
		X(h, DM_SW_WRONG_LENGTH);
	}
	/* per command */
	X("0024000108" V1234, DM_SW_WRONG_LENGTH);            /* CHANGE needs 16 */
	X("00240001", DM_SW_WRONG_LENGTH);
	X("0026000110" V1234 V1234, DM_SW_WRONG_LENGTH);      /* DISABLE needs 8 */
	X("00260001", DM_SW_WRONG_LENGTH);
	X("00280001", DM_SW_WRONG_LENGTH);
	X("002C000108" PUK1, DM_SW_WRONG_LENGTH);             /* UNBLOCK 0 or 16 */
	X("0020000110" V1234 V1234, DM_SW_WRONG_LENGTH);
	/* none of those cost a try */
	X(ASK1, DM_SW_WRONG_PIN(3));
	X(ASK_PUK1, DM_SW_WRONG_PIN(10));
	/* a Le is ignored; an extended APDU works the same */
	X("002000010831313131FFFFFFFF00", DM_SW_WRONG_PIN(2));
	X("00200001000008" V1234, DM_SW_OK);
	/* further interindustry class (channel 4+) is not open: runtime's 6881 */
	X("4020000108" V1234, DM_SW_LCHAN_UNSUPPORTED);
}
END_TEST

/* ------------------------------------------------- CHANGE / format -- */

START_TEST(change_pin)
{
	X("0024000110" V1111 V4321, DM_SW_WRONG_PIN(2));
	X(VERIFY1(V4321), DM_SW_WRONG_PIN(1)); /* unchanged */
	X("0024000110" V1234 V4321, DM_SW_OK);
	ck_assert_uint_eq(can_read(0x01), DM_SW_OK);
	X(ASK1, DM_SW_OK);
	dm_card_power(card, DM_POWER_RESET);
	X(ASK1, DM_SW_WRONG_PIN(3)); /* counter restored */
	X(VERIFY1(V1234), DM_SW_WRONG_PIN(2));
	X(VERIFY1(V4321), DM_SW_OK);
	/* 8-digit PIN, then back */
	X("0024000110" V4321 "3132333435363738", DM_SW_OK);
	X(VERIFY1("3132333435363738"), DM_SW_OK);
	/* ADM can be changed too, to any 8 bytes (a binary issuer key) */
	X("0024000A10" ADM1V "3132333435363738", DM_SW_OK);
	X("0020000A08" "3132333435363738", DM_SW_OK);
	X("0024000A10" "3132333435363738" "00A1B2C3D4E5F6FF", DM_SW_OK);
	X("0020000A08" "00A1B2C3D4E5F6FF", DM_SW_OK);
	X("0020000A08" "3132333435363738", DM_SW_WRONG_PIN(9));
}
END_TEST

START_TEST(new_pin_format)
{
	/* 4-8 ASCII digits, FF padded [ours, docs/security.md]: else 6A80, no try used */
	static const char *bad[] = {
		"313233FFFFFFFFFF",   /* 3 digits */
		"FFFFFFFFFFFFFFFF",   /* none */
		"31323334FFFFFF00",   /* padding not FF */
		"31323334FF353637",   /* digits after padding */
		"3132333A FFFFFFFF",  /* not a digit */
		"41424344FFFFFFFF",
		"0000000000000000",
	};
	char h[80];

	for (size_t i = 0; i < DM_ARRAY_LEN(bad); i++) {
		snprintf(h, sizeof h, "0024000110" V1234 "%s", bad[i]);
		X(h, DM_SW_WRONG_DATA);
		snprintf(h, sizeof h, "002C000110" PUK1 "%s", bad[i]);
		X(h, DM_SW_WRONG_DATA);
	}
	X(ASK1, DM_SW_WRONG_PIN(3));
	X(ASK_PUK1, DM_SW_WRONG_PIN(10));
	/* checked before the old value: a wrong old PIN costs nothing either */
	X("0024000110" V1111 "313233FFFFFFFFFF", DM_SW_WRONG_DATA);
	X(ASK1, DM_SW_WRONG_PIN(3));
	X(VERIFY1(V1234), DM_SW_OK);
}
END_TEST

/* ------------------------------------------------ DISABLE / ENABLE -- */

START_TEST(disable_enable)
{
	X("00280001" "08" V1234, DM_SW_CONDITIONS); /* already enabled */
	X("0026000108" V1111, DM_SW_WRONG_PIN(2));
	X("0026000108" V1234, DM_SW_OK);
	X(ASK1, DM_SW_OK);
	ck_assert_uint_eq(can_read(0x01), DM_SW_OK);
	/* disabled: rules naming PIN1 are satisfied even after reset */
	dm_card_power(card, DM_POWER_RESET);
	X(ASK1, DM_SW_OK);
	ck_assert_uint_eq(can_read(0x01), DM_SW_OK);
	X("0026000108" V1234, DM_SW_CONDITIONS); /* already disabled */
	X(VERIFY1(V1234), DM_SW_REF_DATA_INVALID);
	X("0024000110" V1234 V4321, DM_SW_REF_DATA_INVALID);
	/* the counter was restored by the correct DISABLE */
	X("0028000108" V1111, DM_SW_WRONG_PIN(2));
	X("0028000108" V1111, DM_SW_WRONG_PIN(1));
	X("0028000108" V1234, DM_SW_OK);
	ck_assert_uint_eq(can_read(0x01), DM_SW_OK);
	X(ASK1, DM_SW_OK);
	dm_card_power(card, DM_POWER_RESET);
	X(ASK1, DM_SW_WRONG_PIN(3));
	ck_assert_uint_eq(can_read(0x01), DM_SW_SECURITY_STATUS);
	/* ADM1 may not be disabled (6985), and that costs no try */
	X("0026000A08" ADM1V, DM_SW_CONDITIONS);
	X("0026000A08" V1111, DM_SW_CONDITIONS);
	X("0020000A", DM_SW_WRONG_PIN(10));
	/* a disabled PIN cannot become blocked through DISABLE/ENABLE errors */
	X("0026000108" V1234, DM_SW_OK);
	X("0028000108" V1111, DM_SW_WRONG_PIN(2));
	X("0028000108" V1111, DM_SW_WRONG_PIN(1));
	X("0028000108" V1111, DM_SW_WRONG_PIN(0));
	X("0028000108" V1234, DM_SW_AUTH_BLOCKED);
	X(ASK1, DM_SW_OK); /* still disabled: no verification needed */
}
END_TEST

/* ---------------------------------------------------------- UNBLOCK -- */

START_TEST(unblock_pin)
{
	X(ASK_PUK1, DM_SW_WRONG_PIN(10));
	X("002C000A", DM_SW_REF_DATA_NOT_FOUND); /* ADM1 has no UNBLOCK PIN */
	X("002C000A10" ADM1V V1234, DM_SW_REF_DATA_NOT_FOUND);
	for (int i = 2; i >= 0; i--)
		X(VERIFY1(V1111), DM_SW_WRONG_PIN(i));
	/* a wrong UNBLOCK PIN: counted, the PIN untouched (§11.1.13.1.1) */
	X("002C000110" V1234 V4321, DM_SW_WRONG_PIN(9));
	X(ASK_PUK1, DM_SW_WRONG_PIN(9));
	X(ASK1, DM_SW_WRONG_PIN(0));
	X(VERIFY1(V4321), DM_SW_AUTH_BLOCKED);
	/* right: new value, both counters back, verified */
	X("002C000110" PUK1 V4321, DM_SW_OK);
	ck_assert_uint_eq(can_read(0x01), DM_SW_OK);
	X(ASK1, DM_SW_OK);
	X(ASK_PUK1, DM_SW_WRONG_PIN(10));
	dm_card_power(card, DM_POWER_RESET);
	X(ASK1, DM_SW_WRONG_PIN(3));
	X(VERIFY1(V1234), DM_SW_WRONG_PIN(2));
	X(VERIFY1(V4321), DM_SW_OK);
	/* UNBLOCK also works on a PIN that is not blocked, and enables a
	 * disabled one */
	X("0026000108" V4321, DM_SW_OK);
	X("002C000110" PUK1 V1234, DM_SW_OK);
	dm_card_power(card, DM_POWER_RESET);
	X(ASK1, DM_SW_WRONG_PIN(3));
	ck_assert_uint_eq(can_read(0x01), DM_SW_SECURITY_STATUS);
	X(VERIFY1(V1234), DM_SW_OK);
}
END_TEST

START_TEST(puk_blocked_for_good)
{
	for (int i = 9; i >= 0; i--)
		X("002C000110" V1111 V4321, DM_SW_WRONG_PIN(i));
	/* TS 102 221 §11.1.13.1.1: blocked for good */
	X("002C000110" PUK1 V4321, DM_SW_AUTH_BLOCKED);
	X(ASK_PUK1, DM_SW_WRONG_PIN(0));
	/* the PIN itself still works while it is not blocked */
	X(VERIFY1(V1234), DM_SW_OK);
	for (int i = 2; i >= 0; i--)
		X(VERIFY1(V1111), DM_SW_WRONG_PIN(i));
	X(VERIFY1(V1234), DM_SW_AUTH_BLOCKED);
	X("002C000110" PUK1 V1234, DM_SW_AUTH_BLOCKED);
	dm_card_close(&card);
	open_card(image, DM_STORE_RELAXED, 0);
	X("002C000110" PUK1 V1234, DM_SW_AUTH_BLOCKED);
	X(VERIFY1(V1234), DM_SW_AUTH_BLOCKED);
	/* PIN2 and its PUK are separate */
	X("80100001", DM_SW_OK);
	X("002C0081", DM_SW_WRONG_PIN(10));
}
END_TEST

/* ----------------------------------------------- security status -- */

START_TEST(local_pin_per_application)
{
	X("80100001", DM_SW_OK); /* application 1 owns PIN2 (81) */
	X("0020008100", DM_SW_WRONG_PIN(3));
	ck_assert_uint_eq(can_read(0x81), DM_SW_SECURITY_STATUS);
	X("0020008108" V9999, DM_SW_WRONG_PIN(2));
	X("0020008108" V0000, DM_SW_OK);
	ck_assert_uint_eq(can_read(0x81), DM_SW_OK);
	/* in another application the key is not verified, and has no PIN */
	X("80100002", DM_SW_OK);
	ck_assert_uint_eq(can_read(0x81), DM_SW_SECURITY_STATUS);
	X("0020008100", DM_SW_REF_DATA_NOT_FOUND);
	X("80100001", DM_SW_OK);
	ck_assert_uint_eq(can_read(0x81), DM_SW_OK);
	/* PUK2 "00000000" unblocks PIN2 */
	for (int i = 2; i >= 0; i--)
		X("0020008108" V9999, DM_SW_WRONG_PIN(i));
	ck_assert_uint_eq(can_read(0x81), DM_SW_SECURITY_STATUS);
	X("002C008110" PUK1 V4321, DM_SW_WRONG_PIN(9));
	X("002C008110" PUK2 V4321, DM_SW_OK);
	X("0020008108" V4321, DM_SW_OK);
	/* PIN1's counter was never touched */
	X(ASK1, DM_SW_WRONG_PIN(3));
}
END_TEST

START_TEST(status_shared_by_channels)
{
	/* TS 102 221 §11.1.9.1.1: valid regardless of the logical channel */
	X("0070000001", DM_SW_OK);
	ck_assert_uint_eq(resp_len, 1);
	ck_assert_uint_eq(resp[0], 1);
	X(VERIFY1(V1234), DM_SW_OK);
	ck_assert_uint_eq(x("8112 0000 0B 800101A406830101950108"), DM_SW_OK);
	X("01200001", DM_SW_OK);
	/* and so is the counter: a wrong try on channel 1 counts on 0 */
	X("0120000108" V1111, DM_SW_WRONG_PIN(2));
	ck_assert_uint_eq(can_read(0x01), DM_SW_SECURITY_STATUS);
	X(ASK1, DM_SW_WRONG_PIN(2));
	/* local PIN: per application, whatever the channel */
	X("80100001", DM_SW_OK);
	X("0020008108" V0000, DM_SW_OK);
	X("81100001", DM_SW_OK);
	ck_assert_uint_eq(x("8112 0000 0B 800101A406830181950108"), DM_SW_OK);
	X("81100002", DM_SW_OK);
	ck_assert_uint_eq(x("8112 0000 0B 800101A406830181950108"), DM_SW_SECURITY_STATUS);
	/* closing a channel keeps the card's status */
	X("0020000A08" ADM1V, DM_SW_OK);
	X("00708001", DM_SW_OK);
	ck_assert_uint_eq(can_read(0x0A), DM_SW_OK);
	/* reset clears everything, on every channel */
	dm_card_power(card, DM_POWER_RESET);
	ck_assert_uint_eq(can_read(0x0A), DM_SW_SECURITY_STATUS);
	X("80100001", DM_SW_OK);
	ck_assert_uint_eq(can_read(0x81), DM_SW_SECURITY_STATUS);
	dm_card_power(card, DM_POWER_OFF);
	dm_card_power(card, DM_POWER_ON);
	ck_assert_uint_eq(can_read(0x0A), DM_SW_SECURITY_STATUS);
}
END_TEST

START_TEST(counters_persist)
{
	X(VERIFY1(V1111), DM_SW_WRONG_PIN(2));
	X("002C000110" V1111 V1234, DM_SW_WRONG_PIN(9));
	X("0020000A08" V1111, DM_SW_WRONG_PIN(9));
	dm_card_close(&card);
	open_card(image, DM_STORE_RELAXED, 0);
	X(ASK1, DM_SW_WRONG_PIN(2));
	X(ASK_PUK1, DM_SW_WRONG_PIN(9));
	X("0020000A", DM_SW_WRONG_PIN(9));
	ck_assert_uint_eq(can_read(0x01), DM_SW_SECURITY_STATUS);
}
END_TEST

/* ------------------------------------------- counter before compare -- */

START_TEST(counter_committed_before_compare)
{
	/* every presented value: the stored one is read once, after a
	 * committed decrement */
	static const char *present[] = {
		VERIFY1(V1111), VERIFY1(V1234), "0024000110" V1234 V4321,
		"0026000108" V4321, "0028000108" V4321, "002C000110" PUK1 V1234,
		"002C000110" V1111 V1234, "0020000A08" ADM1V,
	};
	for (size_t i = 0; i < DM_ARRAY_LEN(present); i++) {
		uint16_t sw = x(present[i]);
		ck_assert_msg(sw == DM_SW_OK || (sw & 0xFFF0) == 0x63C0, "%s -> %04X",
			      present[i], sw);
		ck_assert_uint_eq(probe.secret_reads, 1);
		ck_assert_uint_eq(probe.violations, 0);
		ck_assert(probe.counter_written);
	}
	/* refusals before any comparison read no secret and write nothing */
	static const char *refused[] = {
		ASK1, ASK_PUK1, "0026000A08" ADM1V, "0024000110" V1234 "FFFFFFFFFFFFFFFF",
		"0028000108" V1234, "00200002" "08" V1234,
	};
	for (size_t i = 0; i < DM_ARRAY_LEN(refused); i++) {
		x(refused[i]);
		ck_assert_uint_eq(probe.secret_reads, 0);
		ck_assert(!probe.counter_written);
	}
	for (int i = 2; i >= 0; i--)
		X(VERIFY1(V1111), DM_SW_WRONG_PIN(i));
	X(VERIFY1(V1234), DM_SW_AUTH_BLOCKED);
	ck_assert_uint_eq(probe.secret_reads, 0);
	ck_assert(!probe.counter_written);
}
END_TEST

/* ---------------------------------------------------- power cuts -- */

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	uint8_t b[65536];
	size_t n;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	while ((n = fread(b, 1, sizeof b, in)) > 0)
		ck_assert_uint_eq(fwrite(b, 1, n, out), n);
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
}

/* The counter a query reports (63Cx -> x; 9000 -> 0x10). */
static unsigned ask(const char *query)
{
	uint16_t sw = x(query);
	if (sw == DM_SW_OK)
		return 0x10;
	ck_assert_msg((sw & 0xFFF0) == 0x63C0, "%s -> %04X", query, sw);
	return sw & 0x0F;
}

struct outcome {
	unsigned pin, puk;
};

/*
 * Bring the card to a state with `prep` (APDUs, then closed: the base
 * image), then for k = 1, 2, ...: on a copy of the base, open with the
 * medium dying after k writes, send `op`, reopen without cut and read the
 * counters, until op completes without a cut.  out[k - 1] gets the
 * counters; returns the number of cut points + 1 (the last is the uncut
 * run).  Every run must respect the compare-after-commit probe.
 */
static size_t cut_every_write(uint32_t flags, const char *const *prep, size_t nprep,
			      const char *op, uint16_t op_sw, struct outcome *out, size_t max)
{
	size_t k;

	for (size_t i = 0; i < nprep; i++)
		x(prep[i]);
	dm_card_close(&card);
	copy_file(image, base);

	for (k = 1; k <= max; k++) {
		copy_file(base, image);
		/* Opening may itself write (the store's recovery replays the
		 * last journals): a cut there leaves the base state. */
		int rc = try_open(image, flags, k);
		if (rc != DM_OK) {
			ck_assert_int_eq(rc, DM_E_IO);
			ck_assert_ptr_null(card);
			open_card(image, flags, 0);
			out[k - 1].pin = ask(ASK1);
			out[k - 1].puk = ask(ASK_PUK1);
			dm_card_close(&card);
			continue;
		}
		uint16_t sw = x(op);
		rc = last_rc;
		ck_assert_uint_eq(probe.violations, 0);
		if (rc != DM_OK) {
			ck_assert_int_eq(rc, DM_E_IO);
			ck_assert_uint_eq(sw, DM_SW_MEMORY_PROBLEM);
			/* no comparison unless the decrement was durable */
			if (!probe.ever_committed)
				ck_assert_uint_eq(probe.secret_reads, 0);
		} else {
			ck_assert_uint_eq(sw, op_sw);
		}
		dm_card_close(&card);
		open_card(image, flags, 0);
		out[k - 1].pin = ask(ASK1);
		out[k - 1].puk = ask(ASK_PUK1);
		if (rc == DM_OK)
			return k; /* the card stays open on the final state */
		dm_card_close(&card);
	}
	ck_abort_msg("operation not complete after %zu cut points", max);
	return 0;
}

/* The outcomes must walk through order[] without going back, end at final,
 * and visit every state of order[] (else the cut points missed a step). */
static void check_sequence(const struct outcome *o, size_t n, const struct outcome *order,
			   size_t norder, struct outcome final)
{
	size_t at = 0;
	bool seen[8] = { false };

	for (size_t k = 0; k < n; k++) {
		size_t j = at;
		while (j < norder && (o[k].pin != order[j].pin || o[k].puk != order[j].puk))
			j++;
		ck_assert_msg(j < norder, "cut %zu: PIN %u PUK %u is not an allowed state "
			      "(or a step back)", k + 1, o[k].pin, o[k].puk);
		at = j;
		seen[j] = true;
	}
	ck_assert_uint_eq(o[n - 1].pin, final.pin);
	ck_assert_uint_eq(o[n - 1].puk, final.puk);
	for (size_t j = 0; j < norder; j++)
		ck_assert_msg(seen[j], "state %zu never seen: the cut points do not cover it", j);
}

static void cut_wrong_verify(uint32_t flags)
{
	static const char *const prep[] = { VERIFY1(V1111) };
	struct outcome o[256];
	size_t n = cut_every_write(flags, prep, 1, VERIFY1(V1111), DM_SW_WRONG_PIN(1), o, 256);
	/* old (nothing durable, nothing compared) then old - 1, never back */
	static const struct outcome order[] = { { 2, 10 }, { 1, 10 } };
	check_sequence(o, n, order, 2, order[1]);
}

START_TEST(cut_wrong_verify_durable)
{
	cut_wrong_verify(0);
}
END_TEST

START_TEST(cut_wrong_verify_relaxed)
{
	cut_wrong_verify(DM_STORE_RELAXED);
}
END_TEST

START_TEST(cut_correct_verify)
{
	static const char *const prep[] = { VERIFY1(V1111) };
	struct outcome o[256];
	size_t n = cut_every_write(0, prep, 1, VERIFY1(V1234), DM_SW_OK, o, 256);
	/* 2 (nothing durable), 1 (decrement durable, restore not), 3 */
	static const struct outcome order[] = { { 2, 10 }, { 1, 10 }, { 3, 10 } };
	check_sequence(o, n, order, 3, order[2]);
}
END_TEST

START_TEST(cut_unblock)
{
	static const char *const prep[] = { VERIFY1(V1111), VERIFY1(V1111), VERIFY1(V1111) };
	struct outcome o[256];
	size_t n = cut_every_write(0, prep, 3, "002C000110" PUK1 V4321, DM_SW_OK, o, 256);
	/* blocked PIN: PUK 10, then 9 (decrement durable), then all at once:
	 * PIN counter 3, PUK 10, new value */
	static const struct outcome order[] = { { 0, 10 }, { 0, 9 }, { 3, 10 } };
	check_sequence(o, n, order, 3, order[2]);
	/* the state after the uncut run has the new value */
	X(VERIFY1(V1234), DM_SW_WRONG_PIN(2));
	X(VERIFY1(V4321), DM_SW_OK);
}
END_TEST

START_TEST(cut_wrong_unblock)
{
	static const char *const prep[] = { "002C000110" V1111 V4321 };
	struct outcome o[256];
	size_t n = cut_every_write(DM_STORE_RELAXED, prep, 1, "002C000110" V1111 V4321,
				   DM_SW_WRONG_PIN(8), o, 256);
	static const struct outcome order[] = { { 3, 9 }, { 3, 8 } };
	check_sequence(o, n, order, 2, order[1]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pin");
	TCase *tc = tcase_create("commands");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, verify_counter);
	tcase_add_test(tc, verify_blocks);
	tcase_add_test(tc, parameter_and_length_errors);
	tcase_add_test(tc, change_pin);
	tcase_add_test(tc, new_pin_format);
	tcase_add_test(tc, disable_enable);
	tcase_add_test(tc, unblock_pin);
	tcase_add_test(tc, puk_blocked_for_good);
	suite_add_tcase(s, tc);

	tc = tcase_create("status");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, local_pin_per_application);
	tcase_add_test(tc, status_shared_by_channels);
	tcase_add_test(tc, counters_persist);
	tcase_add_test(tc, counter_committed_before_compare);
	suite_add_tcase(s, tc);

	tc = tcase_create("power_cuts");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, cut_wrong_verify_durable);
	tcase_add_test(tc, cut_wrong_verify_relaxed);
	tcase_add_test(tc, cut_correct_verify);
	tcase_add_test(tc, cut_unblock);
	tcase_add_test(tc, cut_wrong_unblock);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
