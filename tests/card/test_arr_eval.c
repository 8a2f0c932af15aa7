/*
 * test_arr_eval.c - access rule evaluation (card/security.h) and the PIN
 * table API (card/pin.h) over a RAM-backed dm_pin_io: key references,
 * security status, always/never/user verification/OR/AND/NOT, EF vs DF
 * operations, command-header rules, compact rules, malformed rules denied,
 * disabled PINs, the FCP PIN status template, PIN creation.
 * The PIN commands themselves are tested through APDUs in test_pin.c.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"
#include "fcp.h"
#include "hex.h"
#include "pin.h"
#include "security.h"
#include "sw.h"
#include "tlv.h"

/* ---- a PIN table in RAM, at a non-zero base ---- */

#define BASE 40u

static struct ram {
	uint8_t mem[BASE + DM_PIN_TABLE_SIZE];
	unsigned commits;
	bool fail_reads;
} ram;

static int ram_read(void *ctx, uint32_t off, void *buf, size_t n)
{
	struct ram *r = ctx;
	if (r->fail_reads)
		return DM_E_IO;
	if (off > sizeof r->mem || n > sizeof r->mem - off)
		return DM_E_VALUE;
	memcpy(buf, r->mem + off, n);
	return DM_OK;
}

static int ram_write(void *ctx, uint32_t off, const void *buf, size_t n)
{
	struct ram *r = ctx;
	if (off > sizeof r->mem || n > sizeof r->mem - off)
		return DM_E_VALUE;
	memcpy(r->mem + off, buf, n);
	return DM_OK;
}

static int ram_commit(void *ctx)
{
	((struct ram *)ctx)->commits++;
	return DM_OK;
}

static const dm_pin_io io = {
	.ctx = &ram, .read = ram_read, .write = ram_write, .commit = ram_commit, .base = BASE,
};

static dm_sec_state st;
static dm_sec_ctx sc;

static void setup(void)
{
	memset(&ram, 0, sizeof ram);
	dm_sec_clear(&st);
	sc = (dm_sec_ctx){ .state = &st, .pins = &io, .app = 1 };
	ck_assert_int_eq(dm_pin_install_defaults(&io, 1), DM_OK);
}

static uint8_t rule[256];

static size_t hx(const char *hex)
{
	dm_wbuf w = dm_wbuf_init(rule, sizeof rule);
	ck_assert_int_eq(dm_hex_decode(hex, &w), DM_OK);
	return w.len;
}

/* Evaluate an expanded rule given in hex for op on an EF (df false) or DF. */
static uint16_t ex(const char *hex, dm_sec_op op, bool df)
{
	size_t n = hx(hex);
	dm_sec_access acc = { .op = op, .df = df, .cmd = NULL };
	return dm_sec_check(&sc, DM_SEC_RULE_EXPANDED, rule, n, &acc);
}

static uint16_t cp(const char *hex, dm_sec_op op, bool df)
{
	size_t n = hx(hex);
	dm_sec_access acc = { .op = op, .df = df, .cmd = NULL };
	return dm_sec_check(&sc, DM_SEC_RULE_COMPACT, rule, n, &acc);
}

static uint16_t with_cmd(const char *hex, dm_sec_op op, uint8_t cla, uint8_t ins)
{
	size_t n = hx(hex);
	dm_capdu c = { .cla = cla, .ins = ins };
	dm_sec_access acc = { .op = op, .df = false, .cmd = &c };
	return dm_sec_check(&sc, DM_SEC_RULE_EXPANDED, rule, n, &acc);
}

#define OK DM_SW_OK
#define NO DM_SW_SECURITY_STATUS

#define PIN1 "A406830101950108"
#define ADM1 "A40683010A950108"
#define PIN2 "A406830181950108"

/* ---- key references and security status ---- */

START_TEST(key_references)
{
	unsigned valid = 0, local = 0, adm = 0;

	for (unsigned k = 0; k < 256; k++) {
		uint8_t kr = (uint8_t)k;
		bool want = (kr >= 0x01 && kr <= 0x08) || (kr >= 0x0A && kr <= 0x0E) ||
			    kr == 0x11 || (kr >= 0x81 && kr <= 0x88) || (kr >= 0x8A && kr <= 0x8E);
		ck_assert_msg(dm_keyref_valid(kr) == want, "key ref %02X", kr);
		valid += want;
		local += dm_keyref_local(kr);
		adm += dm_keyref_valid(kr) && dm_keyref_adm(kr);
		if (dm_keyref_local(kr))
			ck_assert(kr & 0x80);
	}
	/* TS 102 221 table 9.3: 8 + 5 + 1 global, 8 + 5 local */
	ck_assert_uint_eq(valid, 27);
	ck_assert_uint_eq(local, 13);
	ck_assert_uint_eq(adm, 10);
}
END_TEST

START_TEST(security_status)
{
	dm_sec_state s;

	dm_sec_clear(&s);
	for (unsigned k = 0; k < 256; k++)
		ck_assert(!dm_sec_verified(&s, (uint8_t)k, 1));
	dm_sec_set(&s, 0x01, 3, true);
	dm_sec_set(&s, 0x11, 0, true);
	dm_sec_set(&s, 0x0E, 0, true);
	/* global: whatever the application */
	for (uint8_t app = 0; app < DM_SEC_MAX_APPS; app++) {
		ck_assert(dm_sec_verified(&s, 0x01, app));
		ck_assert(dm_sec_verified(&s, 0x11, app));
		ck_assert(dm_sec_verified(&s, 0x0E, app));
		ck_assert(!dm_sec_verified(&s, 0x02, app));
	}
	/* local: only in its application */
	dm_sec_set(&s, 0x81, 2, true);
	dm_sec_set(&s, 0x8E, 2, true);
	ck_assert(dm_sec_verified(&s, 0x81, 2));
	ck_assert(dm_sec_verified(&s, 0x8E, 2));
	ck_assert(!dm_sec_verified(&s, 0x81, 1));
	ck_assert(!dm_sec_verified(&s, 0x81, 0));
	ck_assert(!dm_sec_verified(&s, 0x82, 2));
	ck_assert(!dm_sec_verified(&s, 0x81, DM_SEC_MAX_APPS));
	/* invalid key references and applications change nothing */
	dm_sec_state before = s;
	dm_sec_set(&s, 0x00, 0, true);
	dm_sec_set(&s, 0x09, 0, true);
	dm_sec_set(&s, 0x81, DM_SEC_MAX_APPS, true);
	dm_sec_set(NULL, 0x01, 0, true);
	ck_assert_mem_eq(&s, &before, sizeof s);
	ck_assert(!dm_sec_verified(&s, 0x09, 0));
	ck_assert(!dm_sec_verified(NULL, 0x01, 0));

	dm_sec_set(&s, 0x01, 0, false);
	ck_assert(!dm_sec_verified(&s, 0x01, 3));
	ck_assert(dm_sec_verified(&s, 0x11, 3));
	dm_sec_clear_app(&s, 1);
	ck_assert(dm_sec_verified(&s, 0x81, 2));
	dm_sec_clear_app(&s, 2);
	ck_assert(!dm_sec_verified(&s, 0x81, 2));
	ck_assert(dm_sec_verified(&s, 0x11, 2));
	dm_sec_clear_app(&s, DM_SEC_MAX_APPS);
	dm_sec_clear(&s);
	ck_assert(!dm_sec_verified(&s, 0x11, 0));
	/* all-zero memory is "nothing verified" (CLEAR_ON_RESET) */
	dm_sec_state z;
	memset(&z, 0, sizeof z);
	ck_assert_mem_eq(&s, &z, sizeof s);
	ck_assert_uint_eq(dm_sec_current_se(&sc), 0x01);
}
END_TEST

START_TEST(am_bits_ef_and_df)
{
	/* ISO 7816-4 tables 17 (EF) and 18 (DF) */
	static const struct { dm_sec_op op; uint8_t ef, df; } t[] = {
		{ DM_SEC_OP_READ, 0x01, 0x00 },
		{ DM_SEC_OP_UPDATE, 0x02, 0x00 },
		{ DM_SEC_OP_WRITE, 0x04, 0x00 },
		{ DM_SEC_OP_INCREASE, 0x00, 0x00 },
		{ DM_SEC_OP_DEACTIVATE, 0x08, 0x08 },
		{ DM_SEC_OP_ACTIVATE, 0x10, 0x10 },
		{ DM_SEC_OP_TERMINATE, 0x20, 0x20 },
		{ DM_SEC_OP_DELETE_SELF, 0x40, 0x40 },
		{ DM_SEC_OP_DELETE_CHILD, 0x00, 0x01 },
		{ DM_SEC_OP_CREATE_EF, 0x00, 0x02 },
		{ DM_SEC_OP_CREATE_DF, 0x00, 0x04 },
		{ DM_SEC_OP_RESIZE, 0x00, 0x00 },
	};
	ck_assert_uint_eq(DM_ARRAY_LEN(t), DM_SEC_OP_COUNT);
	for (size_t i = 0; i < DM_ARRAY_LEN(t); i++) {
		ck_assert_uint_eq(dm_sec_am_bit(t[i].op, false), t[i].ef);
		ck_assert_uint_eq(dm_sec_am_bit(t[i].op, true), t[i].df);
	}
	ck_assert_uint_eq(dm_sec_op_ins(DM_SEC_OP_RESIZE, false), 0xD4);
	ck_assert_uint_eq(dm_sec_op_ins(DM_SEC_OP_INCREASE, false), 0x32);
	ck_assert_uint_eq(dm_sec_op_ins(DM_SEC_OP_TERMINATE, false), 0xE8);
	ck_assert_uint_eq(dm_sec_op_ins(DM_SEC_OP_TERMINATE, true), 0xE6);
	ck_assert_uint_eq(dm_sec_op_ins(DM_SEC_OP_CREATE_EF, false), 0x00);
	ck_assert_uint_eq(dm_sec_op_ins(DM_SEC_OP_COUNT, false), 0x00);
	ck_assert_uint_eq(dm_sec_am_bit(DM_SEC_OP_COUNT, false), 0x00);

	/* the same AM byte means different operations on an EF and a DF */
	const char *r = "800101 9000 800102 9700";
	ck_assert_uint_eq(ex(r, DM_SEC_OP_READ, false), OK);
	ck_assert_uint_eq(ex(r, DM_SEC_OP_DELETE_CHILD, true), OK);
	ck_assert_uint_eq(ex(r, DM_SEC_OP_READ, true), NO);
	ck_assert_uint_eq(ex(r, DM_SEC_OP_DELETE_CHILD, false), NO);
	ck_assert_uint_eq(ex(r, DM_SEC_OP_UPDATE, false), NO);
	ck_assert_uint_eq(ex(r, DM_SEC_OP_CREATE_EF, true), NO);
	ck_assert_uint_eq(ex("800104 9000", DM_SEC_OP_CREATE_DF, true), OK);
	ck_assert_uint_eq(ex("800104 9000", DM_SEC_OP_WRITE, false), OK);
	ck_assert_uint_eq(ex("800104 9000", DM_SEC_OP_CREATE_EF, true), NO);
}
END_TEST

/* ---- evaluation ---- */

START_TEST(always_never_uncovered)
{
	const char *r = "800101 9000 800102 9700";
	ck_assert_uint_eq(ex(r, DM_SEC_OP_READ, false), OK);
	ck_assert_uint_eq(ex(r, DM_SEC_OP_UPDATE, false), NO);
	/* an operation no rule mentions is denied */
	ck_assert_uint_eq(ex(r, DM_SEC_OP_ACTIVATE, false), NO);
	ck_assert_uint_eq(ex(r, DM_SEC_OP_RESIZE, false), NO);
	ck_assert_uint_eq(ex("", DM_SEC_OP_READ, false), NO);
	ck_assert_uint_eq(ex("FFFFFF", DM_SEC_OP_READ, false), NO);
	/* every operation of an EF and of a DF, one bit each */
	for (int op = 0; op < DM_SEC_OP_COUNT; op++) {
		for (int df = 0; df < 2; df++) {
			uint8_t bit = dm_sec_am_bit((dm_sec_op)op, df);
			char h[32];
			if (bit == 0)
				continue;
			snprintf(h, sizeof h, "8001%02X9000 8001%02X9700", bit, (uint8_t)(0x7F & ~bit));
			ck_assert_uint_eq(ex(h, (dm_sec_op)op, df), OK);
			snprintf(h, sizeof h, "8001%02X9700 8001%02X9000", bit, (uint8_t)(0x7F & ~bit));
			ck_assert_uint_eq(ex(h, (dm_sec_op)op, df), NO);
		}
	}
}
END_TEST

START_TEST(user_verification)
{
	const char *r = "800101 " PIN1 " 800102 " ADM1 " 800108 " PIN2;

	ck_assert_uint_eq(ex(r, DM_SEC_OP_READ, false), NO);
	ck_assert_uint_eq(ex(r, DM_SEC_OP_UPDATE, false), NO);
	dm_sec_set(&st, 0x01, 0, true);
	ck_assert_uint_eq(ex(r, DM_SEC_OP_READ, false), OK);
	ck_assert_uint_eq(ex(r, DM_SEC_OP_UPDATE, false), NO);
	dm_sec_set(&st, 0x0A, 0, true);
	ck_assert_uint_eq(ex(r, DM_SEC_OP_UPDATE, false), OK);

	/* the local PIN counts in its own application only */
	ck_assert_uint_eq(ex(r, DM_SEC_OP_DEACTIVATE, false), NO);
	dm_sec_set(&st, 0x81, 2, true);
	ck_assert_uint_eq(ex(r, DM_SEC_OP_DEACTIVATE, false), NO);
	sc.app = 2;
	ck_assert_uint_eq(ex(r, DM_SEC_OP_DEACTIVATE, false), OK);
	sc.app = 1;
	dm_sec_set(&st, 0x81, 1, true);
	ck_assert_uint_eq(ex(r, DM_SEC_OP_DEACTIVATE, false), OK);

	/* a usage qualifier other than 08, or none, still names the key */
	dm_sec_clear(&st);
	ck_assert_uint_eq(ex("800101 A40383010A", DM_SEC_OP_READ, false), NO);
	dm_sec_set(&st, 0x0A, 0, true);
	ck_assert_uint_eq(ex("800101 A40383010A", DM_SEC_OP_READ, false), OK);
	ck_assert_uint_eq(ex("800101 A40683010A950180", DM_SEC_OP_READ, false), OK);
	/* an invalid key reference is never satisfied */
	ck_assert_uint_eq(ex("800101 A406830100950108", DM_SEC_OP_READ, false), NO);
	ck_assert_uint_eq(ex("800101 A406830109950108", DM_SEC_OP_READ, false), NO);
	/* a key with no PIN object and not verified */
	ck_assert_uint_eq(ex("800101 A406830102950108", DM_SEC_OP_READ, false), NO);
	/* no PIN table at all */
	sc.pins = NULL;
	ck_assert_uint_eq(ex("800101 " PIN1, DM_SEC_OP_READ, false), NO);
	ck_assert_uint_eq(ex("800101 " ADM1, DM_SEC_OP_READ, false), OK);
}
END_TEST

START_TEST(disabled_pin_counts_as_verified)
{
	const char *r = "800101 " PIN1;
	dm_pin_def d = {
		.key_ref = 0x01, .value = dm_bytes_of((const uint8_t *)"1234", 4),
		.retry_limit = 3, .enabled = false, .may_disable = true,
	};

	ck_assert_uint_eq(ex(r, DM_SEC_OP_READ, false), NO);
	ck_assert_int_eq(dm_pin_create(&io, &d), DM_OK);
	/* TS 102 221 §11.1.11: as if ALWAYS */
	ck_assert_uint_eq(ex(r, DM_SEC_OP_READ, false), OK);
	/* reading the PIN object failed: 6581, never "allowed" */
	ram.fail_reads = true;
	ck_assert_uint_eq(ex(r, DM_SEC_OP_READ, false), DM_SW_MEMORY_PROBLEM);
	/* ... unless the status alone settles it */
	dm_sec_set(&st, 0x01, 0, true);
	ck_assert_uint_eq(ex(r, DM_SEC_OP_READ, false), OK);
	ram.fail_reads = false;
	d.enabled = true;
	dm_sec_clear(&st);
	ck_assert_int_eq(dm_pin_create(&io, &d), DM_OK);
	ck_assert_uint_eq(ex(r, DM_SEC_OP_READ, false), NO);
}
END_TEST

START_TEST(or_and_templates)
{
	const char *or_r = "800101 A010 " PIN1 ADM1;
	const char *and_r = "800101 AF10 " PIN1 ADM1;
	const char *list_r = "800101 " PIN1 ADM1; /* two SC_DOs after one AM_DO: OR */
	const char *two_am = "800101 " PIN1 " 800101 " ADM1; /* two rules cover READ: both */

	ck_assert_uint_eq(ex(or_r, DM_SEC_OP_READ, false), NO);
	ck_assert_uint_eq(ex(and_r, DM_SEC_OP_READ, false), NO);
	ck_assert_uint_eq(ex(list_r, DM_SEC_OP_READ, false), NO);
	dm_sec_set(&st, 0x0A, 0, true);
	ck_assert_uint_eq(ex(or_r, DM_SEC_OP_READ, false), OK);
	ck_assert_uint_eq(ex(list_r, DM_SEC_OP_READ, false), OK);
	ck_assert_uint_eq(ex(and_r, DM_SEC_OP_READ, false), NO);
	ck_assert_uint_eq(ex(two_am, DM_SEC_OP_READ, false), NO);
	dm_sec_set(&st, 0x01, 0, true);
	ck_assert_uint_eq(ex(and_r, DM_SEC_OP_READ, false), OK);
	ck_assert_uint_eq(ex(two_am, DM_SEC_OP_READ, false), OK);
	dm_sec_set(&st, 0x0A, 0, false);
	ck_assert_uint_eq(ex(or_r, DM_SEC_OP_READ, false), OK);
	ck_assert_uint_eq(ex(and_r, DM_SEC_OP_READ, false), NO);

	/* nested: OR { AND { PIN1, ADM1 }, ALWAYS } and OR { AND {...}, NEVER } */
	ck_assert_uint_eq(ex("800101 A014 AF10" PIN1 ADM1 "9000", DM_SEC_OP_READ, false), OK);
	ck_assert_uint_eq(ex("800101 A014 AF10" PIN1 ADM1 "9700", DM_SEC_OP_READ, false), NO);
	dm_sec_set(&st, 0x0A, 0, true);
	ck_assert_uint_eq(ex("800101 A014 AF10" PIN1 ADM1 "9700", DM_SEC_OP_READ, false), OK);
	/* AND with NEVER inside is never */
	ck_assert_uint_eq(ex("800101 AF0A 9700" PIN1, DM_SEC_OP_READ, false), NO);
}
END_TEST

START_TEST(unsupported_conditions_deny)
{
	dm_sec_set(&st, 0x01, 0, true);
	/* NOT is not implemented: false, even around NEVER */
	ck_assert_uint_eq(ex("800101 A7029700", DM_SEC_OP_READ, false), NO);
	ck_assert_uint_eq(ex("800101 A708" PIN1, DM_SEC_OP_READ, false), NO);
	/* SM / external authentication CRTs, authentication CRT with extras */
	ck_assert_uint_eq(ex("800101 B400", DM_SEC_OP_READ, false), NO);
	ck_assert_uint_eq(ex("800101 A406830101800100", DM_SEC_OP_READ, false), NO);
	/* SC byte: 00 is no condition, anything else needs an SE we lack */
	ck_assert_uint_eq(ex("800101 9E0100", DM_SEC_OP_READ, false), OK);
	ck_assert_uint_eq(ex("800101 9E01FF", DM_SEC_OP_READ, false), NO);
	ck_assert_uint_eq(ex("800101 9E0110", DM_SEC_OP_READ, false), NO);
	ck_assert_uint_eq(ex("800101 9E0190", DM_SEC_OP_READ, false), NO);
	/* but an unsupported alternative does not block a satisfied one */
	ck_assert_uint_eq(ex("800101 B400 9000", DM_SEC_OP_READ, false), OK);
	/* AM b8 set: b7-b4 proprietary, b3-b1 standard */
	ck_assert_uint_eq(ex("8001C1 9000", DM_SEC_OP_READ, false), OK);
	ck_assert_uint_eq(ex("8001C1 9000", DM_SEC_OP_DELETE_SELF, false), NO);
	ck_assert_uint_eq(ex("8001FF 9000", DM_SEC_OP_DEACTIVATE, false), NO);
	ck_assert_uint_eq(ex("8001FF 9000", DM_SEC_OP_CREATE_DF, true), OK);
}
END_TEST

START_TEST(malformed_rules_deny)
{
	/* each would allow READ if it were read leniently */
	static const char *bad[] = {
		"8001019000 800102",           /* last AM_DO without SC_DO */
		"9000 8001019000",             /* SC_DO first */
		"8001019000 9C0100 9000",      /* unknown AM_DO */
		"8001019000 5F2000",           /* unknown tag */
		"8001019000 A40683010195",     /* truncated */
		"800101 A0049000 9701",        /* damage inside a template */
		"800101 A000 9000",            /* empty template */
		"80020101 9000",               /* AM byte of 2 */
		"800101 900100",               /* ALWAYS with a value */
		"800101 9080",                 /* indefinite length */
	};
	for (size_t i = 0; i < DM_ARRAY_LEN(bad); i++)
		ck_assert_msg(ex(bad[i], DM_SEC_OP_READ, false) == NO, "%s", bad[i]);

	/* too deep: denied however harmless */
	char h[128] = "800101 ";
	for (unsigned i = 0; i < DM_ARR_MAX_DEPTH; i++) {
		char t[8];
		snprintf(t, sizeof t, "A0%02X", 2 * (DM_ARR_MAX_DEPTH - i));
		strcat(h, t);
	}
	strcat(h, "9000");
	ck_assert_uint_eq(ex(h, DM_SEC_OP_READ, false), NO);

	/* bad arguments: denied */
	dm_sec_access acc = { .op = DM_SEC_OP_READ };
	size_t n = hx("8001019000");
	ck_assert_uint_eq(dm_sec_check(&sc, DM_SEC_RULE_EXPANDED, rule, n, &acc), OK);
	ck_assert_uint_eq(dm_sec_check(NULL, DM_SEC_RULE_EXPANDED, rule, n, &acc), NO);
	ck_assert_uint_eq(dm_sec_check(&sc, DM_SEC_RULE_EXPANDED, rule, n, NULL), NO);
	ck_assert_uint_eq(dm_sec_check(&sc, DM_SEC_RULE_EXPANDED, NULL, n, &acc), NO);
	ck_assert_uint_eq(dm_sec_check(&sc, (dm_sec_rule_form)7, rule, n, &acc), NO);
	acc.op = DM_SEC_OP_COUNT;
	ck_assert_uint_eq(dm_sec_check(&sc, DM_SEC_RULE_EXPANDED, rule, n, &acc), NO);
	acc.op = DM_SEC_OP_READ;
	dm_sec_ctx no_state = { .state = NULL };
	ck_assert_uint_eq(dm_sec_check(&no_state, DM_SEC_RULE_EXPANDED, rule, n, &acc), NO);
}
END_TEST

START_TEST(command_header_rules)
{
	/* RESIZE is expressed as AM_DO 84 D4 (TS 102 222 RESIZE FILE) */
	const char *r = "800101 9000 8401D4 " ADM1;
	ck_assert_uint_eq(ex(r, DM_SEC_OP_RESIZE, false), NO);
	ck_assert_uint_eq(ex(r, DM_SEC_OP_RESIZE, true), NO);
	dm_sec_set(&st, 0x0A, 0, true);
	ck_assert_uint_eq(ex(r, DM_SEC_OP_RESIZE, false), OK);
	ck_assert_uint_eq(ex(r, DM_SEC_OP_RESIZE, true), OK);
	ck_assert_uint_eq(with_cmd(r, DM_SEC_OP_RESIZE, 0x80, 0xD4), OK);
	dm_sec_clear(&st);
	ck_assert_uint_eq(with_cmd(r, DM_SEC_OP_RESIZE, 0x80, 0xD4), NO);
	/* the AM byte rule covers READ whatever the INS; 84 D4 does not */
	ck_assert_uint_eq(with_cmd(r, DM_SEC_OP_READ, 0x00, 0xB2), OK);

	/* CLA + INS: the logical channel and chaining bits do not matter,
	 * the class does */
	const char *h = "8C0200B2 9000";
	ck_assert_uint_eq(with_cmd(h, DM_SEC_OP_READ, 0x00, 0xB2), OK);
	ck_assert_uint_eq(with_cmd(h, DM_SEC_OP_READ, 0x03, 0xB2), OK);
	ck_assert_uint_eq(with_cmd(h, DM_SEC_OP_READ, 0x13, 0xB2), OK);
	ck_assert_uint_eq(with_cmd(h, DM_SEC_OP_READ, 0x80, 0xB2), NO);
	ck_assert_uint_eq(with_cmd(h, DM_SEC_OP_READ, 0x00, 0xB0), NO);
	/* further interindustry class: channel in b4-b1 */
	ck_assert_uint_eq(with_cmd("8C0240B2 9000", DM_SEC_OP_READ, 0x4F, 0xB2), OK);
	ck_assert_uint_eq(with_cmd("8C0240B2 9000", DM_SEC_OP_READ, 0x0F, 0xB2), NO);
	/* without a command only an INS-only header can match */
	ck_assert_uint_eq(ex(h, DM_SEC_OP_READ, false), NO);
	ck_assert_uint_eq(ex("8401B0 9000", DM_SEC_OP_READ, false), OK);
	/* P1/P2 headers */
	dm_capdu c = { .cla = 0x00, .ins = 0xB2, .p1 = 0x01, .p2 = 0x04 };
	dm_sec_access acc = { .op = DM_SEC_OP_READ, .cmd = &c };
	size_t n = hx("8F0400B20104 9000");
	ck_assert_uint_eq(dm_sec_check(&sc, DM_SEC_RULE_EXPANDED, rule, n, &acc), OK);
	c.p2 = 0x05;
	ck_assert_uint_eq(dm_sec_check(&sc, DM_SEC_RULE_EXPANDED, rule, n, &acc), NO);
	/* a command-header rule and an AM byte rule covering the same command:
	 * both must hold */
	ck_assert_uint_eq(with_cmd("800101 9000 8401B2 9700", DM_SEC_OP_READ, 0x00, 0xB2), NO);
	ck_assert_uint_eq(with_cmd("800101 9000 8401B2 9700", DM_SEC_OP_READ, 0x00, 0xB0), OK);
}
END_TEST

START_TEST(compact_rules)
{
	/* READ always, UPDATE never (SC bytes in b7..b1 order) */
	ck_assert_uint_eq(cp("03 FF 00", DM_SEC_OP_READ, false), OK);
	ck_assert_uint_eq(cp("03 FF 00", DM_SEC_OP_UPDATE, false), NO);
	ck_assert_uint_eq(cp("03 FF 00", DM_SEC_OP_ACTIVATE, false), NO);
	/* user authentication through an SE: not offered, denied even when
	 * every PIN is verified */
	dm_sec_set(&st, 0x01, 0, true);
	dm_sec_set(&st, 0x0A, 0, true);
	ck_assert_uint_eq(cp("01 10", DM_SEC_OP_READ, false), NO);
	ck_assert_uint_eq(cp("01 90", DM_SEC_OP_READ, false), NO);
	/* sets are alternatives */
	ck_assert_uint_eq(cp("01 FF 01 00", DM_SEC_OP_READ, false), OK);
	ck_assert_uint_eq(cp("01 FF 02 00", DM_SEC_OP_READ, false), NO);
	/* DF operations */
	ck_assert_uint_eq(cp("06 00 FF", DM_SEC_OP_CREATE_DF, true), OK);
	ck_assert_uint_eq(cp("06 00 FF", DM_SEC_OP_CREATE_EF, true), NO);
	/* RESIZE/INCREASE have no AM bit: never granted by a compact rule */
	ck_assert_uint_eq(cp("7F 00000000 000000", DM_SEC_OP_RESIZE, false), NO);
	ck_assert_uint_eq(cp("7F 00000000 000000", DM_SEC_OP_DELETE_SELF, false), OK);
	/* malformed: denied */
	ck_assert_uint_eq(cp("03 00", DM_SEC_OP_READ, false), NO);
	ck_assert_uint_eq(cp("01 00 03 00", DM_SEC_OP_READ, false), NO);
	ck_assert_uint_eq(cp("", DM_SEC_OP_READ, false), NO);
	/* b8 set: b7-b4 proprietary */
	ck_assert_uint_eq(cp("C1 00 00", DM_SEC_OP_READ, false), OK);
	ck_assert_uint_eq(cp("C1 00 00", DM_SEC_OP_DELETE_SELF, false), NO);
}
END_TEST

/* ---- PIN table ---- */

START_TEST(pin_objects)
{
	dm_pin_info i;

	/* defaults (docs/security.md) */
	ck_assert_int_eq(dm_pin_info_get(&io, 0x01, 7, &i), DM_OK);
	ck_assert(i.enabled && i.may_disable && i.has_puk);
	ck_assert_uint_eq(i.retry_limit, 3);
	ck_assert_uint_eq(i.retries_left, 3);
	ck_assert_uint_eq(i.puk_limit, 10);
	ck_assert_uint_eq(i.puk_left, 10);
	ck_assert_int_eq(dm_pin_info_get(&io, 0x0A, 0, &i), DM_OK);
	ck_assert(i.enabled && !i.may_disable && !i.has_puk);
	ck_assert_uint_eq(i.retry_limit, 10);
	ck_assert_int_eq(dm_pin_info_get(&io, 0x81, 1, &i), DM_OK);
	ck_assert(i.enabled && i.may_disable && i.has_puk);
	ck_assert_uint_eq(i.retry_limit, 3);
	ck_assert_uint_eq(i.app, 1);
	ck_assert_int_eq(dm_pin_info_get(&io, 0x81, 2, &i), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_pin_info_get(&io, 0x81, 0, &i), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_pin_info_get(&io, 0x02, 0, &i), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_pin_info_get(&io, 0x00, 0, &i), DM_E_NOT_FOUND);

	/* values are stored ASCII, FF padded, and nothing lies below base */
	static const uint8_t pin1[8] = { '1', '2', '3', '4', 0xFF, 0xFF, 0xFF, 0xFF };
	static const uint8_t puk1[8] = { '1', '2', '3', '4', '5', '6', '7', '8' };
	ck_assert_mem_eq(ram.mem + BASE + 8, pin1, 8);
	ck_assert_mem_eq(ram.mem + BASE + 16, puk1, 8);
	for (unsigned k = 0; k < BASE; k++)
		ck_assert_uint_eq(ram.mem[k], 0);

	/* invalid definitions */
	dm_pin_def d = {
		.key_ref = 0x02, .value = dm_bytes_of((const uint8_t *)"5555", 4),
		.retry_limit = 3, .enabled = true,
	};
	dm_pin_def b = d;
	b.key_ref = 0x09;
	ck_assert_int_eq(dm_pin_create(&io, &b), DM_E_VALUE);
	b = d;
	b.retry_limit = 0;
	ck_assert_int_eq(dm_pin_create(&io, &b), DM_E_VALUE);
	b.retry_limit = 16;
	ck_assert_int_eq(dm_pin_create(&io, &b), DM_E_VALUE);
	b = d;
	b.app = 1; /* a global PIN belongs to no application */
	ck_assert_int_eq(dm_pin_create(&io, &b), DM_E_VALUE);
	b = d;
	b.key_ref = 0x82;
	b.app = DM_SEC_MAX_APPS;
	ck_assert_int_eq(dm_pin_create(&io, &b), DM_E_VALUE);
	b = d;
	b.value = dm_bytes_of((const uint8_t *)"123456789", 9);
	ck_assert_int_eq(dm_pin_create(&io, &b), DM_E_VALUE);
	b.value = dm_bytes_of(NULL, 0);
	ck_assert_int_eq(dm_pin_create(&io, &b), DM_E_VALUE);
	b = d;
	b.puk = dm_bytes_of((const uint8_t *)"1", 1);
	ck_assert_int_eq(dm_pin_create(&io, &b), DM_E_VALUE); /* puk_limit 0 */
	b.puk_limit = 16;
	ck_assert_int_eq(dm_pin_create(&io, &b), DM_E_VALUE);
	ck_assert_int_eq(dm_pin_create(NULL, &d), DM_E_ARG);
	ck_assert_int_eq(dm_pin_create(&io, NULL), DM_E_ARG);
	ck_assert_int_eq(dm_pin_info_get(&io, 0x02, 0, &i), DM_E_NOT_FOUND);

	/* replacing keeps one object per key reference */
	ck_assert_int_eq(dm_pin_create(&io, &d), DM_OK);
	d.retry_limit = 5;
	ck_assert_int_eq(dm_pin_create(&io, &d), DM_OK);
	ck_assert_int_eq(dm_pin_info_get(&io, 0x02, 0, &i), DM_OK);
	ck_assert_uint_eq(i.retry_limit, 5);

	/* table full after DM_PIN_SLOTS objects: 4 used now */
	unsigned made = 4;
	for (uint8_t app = 1; made < DM_PIN_SLOTS; app++, made++) {
		d.key_ref = 0x82;
		d.app = app;
		ck_assert_int_eq(dm_pin_create(&io, &d), DM_OK);
	}
	d.key_ref = 0x83;
	d.app = 1;
	ck_assert_int_eq(dm_pin_create(&io, &d), DM_E_NOMEM);
	/* replacing still works when full */
	d.key_ref = 0x82;
	ck_assert_int_eq(dm_pin_create(&io, &d), DM_OK);

	/* a damaged counter above its limit reads as blocked */
	ram.mem[BASE + 5] = 9;
	ck_assert_int_eq(dm_pin_info_get(&io, 0x01, 0, &i), DM_OK);
	ck_assert_uint_eq(i.retries_left, 0);

	ck_assert_int_eq(dm_pin_install_defaults(&io, 0), DM_E_VALUE);
	ck_assert_int_eq(dm_pin_install_defaults(&io, DM_SEC_MAX_APPS), DM_E_VALUE);
	ram.fail_reads = true;
	ck_assert_int_eq(dm_pin_info_get(&io, 0x01, 0, &i), DM_E_IO);
}
END_TEST

START_TEST(fcp_pin_status_template)
{
	static const uint8_t krs[] = { 0x01, 0x81, 0x0A };
	uint8_t out[128];
	dm_fcp f = {
		.fdb = DM_FCP_FDB_DF, .has_fid = true, .fid = 0x7F60,
		.has_lcsi = true, .lcsi = DM_FCP_LCSI_ACTIVATED,
		.sec = DM_FCP_SEC_REFERENCED, .arr_fid = 0x2F06, .arr_record = 4,
	};
	dm_tlv c6;
	dm_wbuf w;
	uint8_t want[32];
	dm_wbuf ww;

	/* TS 102 221 §11.1.1.4.10: PS_DO bit b8 = first key (enabled), then
	 * 95 08 + 83 for PINs, 83 alone for ADM */
	ck_assert_int_eq(dm_pin_fcp_status(&io, 1, krs, 3, &f), DM_OK);
	ck_assert(f.has_pin_status);
	ck_assert_uint_eq(f.pin_count, 3);
	w = dm_wbuf_init(out, sizeof out);
	ck_assert_int_eq(dm_fcp_build(&f, &w), DM_OK);
	ck_assert_int_eq(dm_tlv_find(out + 2, w.len - 2, 0xC6, &c6), DM_OK);
	ww = dm_wbuf_init(want, sizeof want);
	ck_assert_int_eq(dm_hex_decode("9001E0 950108830101 950108830181 83010A", &ww), DM_OK);
	ck_assert_uint_eq(c6.len, ww.len);
	ck_assert_mem_eq(c6.value, want, ww.len);

	/* PIN1 disabled, local PIN seen from an application that lacks it */
	dm_pin_def d = {
		.key_ref = 0x01, .value = dm_bytes_of((const uint8_t *)"1234", 4),
		.retry_limit = 3, .enabled = false, .may_disable = true,
	};
	ck_assert_int_eq(dm_pin_create(&io, &d), DM_OK);
	ck_assert_int_eq(dm_pin_fcp_status(&io, 2, krs, 3, &f), DM_OK);
	ck_assert(!f.pins[0].enabled && !f.pins[1].enabled && f.pins[2].enabled);
	w = dm_wbuf_init(out, sizeof out);
	ck_assert_int_eq(dm_fcp_build(&f, &w), DM_OK);
	ck_assert_int_eq(dm_tlv_find(out + 2, w.len - 2, 0xC6, &c6), DM_OK);
	ck_assert_uint_eq(c6.value[2], 0x20);

	static const uint8_t bad[] = { 0x01, 0x09 };
	ck_assert_int_eq(dm_pin_fcp_status(&io, 1, bad, 2, &f), DM_E_VALUE);
	uint8_t many[DM_FCP_MAX_PINS + 1];
	memset(many, 0x01, sizeof many);
	ck_assert_int_eq(dm_pin_fcp_status(&io, 1, many, sizeof many, &f), DM_E_VALUE);
	ck_assert_int_eq(dm_pin_fcp_status(&io, 1, NULL, 1, &f), DM_E_ARG);
	ck_assert_int_eq(dm_pin_fcp_status(&io, 1, krs, 3, NULL), DM_E_ARG);
	ram.fail_reads = true;
	ck_assert_int_eq(dm_pin_fcp_status(&io, 1, krs, 3, &f), DM_E_IO);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("arr_eval");
	TCase *tc = tcase_create("status");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, key_references);
	tcase_add_test(tc, security_status);
	tcase_add_test(tc, am_bits_ef_and_df);
	suite_add_tcase(s, tc);

	tc = tcase_create("evaluation");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, always_never_uncovered);
	tcase_add_test(tc, user_verification);
	tcase_add_test(tc, disabled_pin_counts_as_verified);
	tcase_add_test(tc, or_and_templates);
	tcase_add_test(tc, unsupported_conditions_deny);
	tcase_add_test(tc, malformed_rules_deny);
	tcase_add_test(tc, command_header_rules);
	tcase_add_test(tc, compact_rules);
	suite_add_tcase(s, tc);

	tc = tcase_create("pins");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, pin_objects);
	tcase_add_test(tc, fcp_pin_status_template);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
