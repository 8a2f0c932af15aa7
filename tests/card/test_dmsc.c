/*
 * test_dmsc.c - the DMSC application (card/dmsc.h, docs/dmsc-app.md) on
 * the default card: discovery (GEN-13, GEN-8), EF_INFO coding, the change
 * counter (GEN-20, also under power cuts), the PKCS#15 index (GEN-2,
 * GEN-17), MOs on demand (OSR-1), the user-confirmation flags (USE-1/2/3)
 * and a 1 MiB MO with odd-INS B1/D7 in extended APDUs on a 4 MiB image
 * (GEN-12).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmsc.h"
#include "fs_harness.h"
#include "pkcs15.h"
#include "profile.h"
#include "profile_load.h"
#include "store.h"
#include "sw.h"
#include "tlv.h"
#include "uicc.h"

#define SEL_DMSC "00A4040C08" FS_AID_DMSC
#define SEL_INFO "00A4080C047F606420"
#define SEL_DODF "00A4080C047F506430"
#define SEL_DMBOOT "00A4080C047F506432"
/* CREATE MO: 50 "TstMO", 06 OID 2.23.43.7.99 (67 2B 07 63), 81 size. */
#define CREATE_MO(size_hex) "80E0000011" "5005" "5473744D4F" "0604672B0763" "8102" size_hex "00"
/* The same with a whole 81 DO (hex) of 6 bytes. */
#define CREATE_MO_SIZE(do81) "80E0000013" "5005" "5473744D4F" "0604672B0763" do81 "00"

static dm_dmsc_info info_now(void)
{
	dm_dmsc_info info;

	fs_ok(SEL_INFO);
	fs_ok("00B0000000");
	ck_assert_int_eq(dm_dmsc_info_parse(rt_resp, rt_resp_len, &info), DM_OK);
	return info;
}

/* --- EF_INFO coding --- */

START_TEST(info_known_answer)
{
	static const uint8_t want[] = { 0x80, 0x01, 0x01, 0x81, 0x01, 0x03, 0x82, 0x01, 0x05,
					0x83, 0x04, 0x00, 0x00, 0x01, 0x02, 0x84, 0x04,
					0x00, 0x01, 0x00, 0x00 };
	dm_dmsc_info in = { .version = 1, .caps = 3, .flags = 5, .counter = 0x102,
			    .free_bytes = 0x10000 }, out;
	uint8_t buf[DM_DMSC_INFO_LEN + 11];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);

	ck_assert_int_eq(dm_dmsc_info_build(&in, &w), DM_OK);
	ck_assert_uint_eq(w.len, sizeof want);
	ck_assert_mem_eq(buf, want, sizeof want);
	memset(buf + w.len, 0xFF, sizeof buf - w.len); /* EF padding */
	ck_assert_int_eq(dm_dmsc_info_parse(buf, sizeof buf, &out), DM_OK);
	ck_assert_uint_eq(out.counter, 0x102);
	ck_assert_uint_eq(out.free_bytes, 0x10000);
	ck_assert_uint_eq(out.flags, 5);
	/* Too small an output: nothing written. */
	w = dm_wbuf_init(buf, 20);
	ck_assert_int_eq(dm_dmsc_info_build(&in, &w), DM_E_OVERFLOW);
	ck_assert_uint_eq(w.len, 0);
}
END_TEST

START_TEST(info_malformed)
{
	dm_dmsc_info out;
	/* 83 with 3 bytes; 82 missing; truncated TLV; 80 of length 2. */
	static const uint8_t bad_len[] = { 0x80, 0x01, 0x01, 0x82, 0x01, 0x00, 0x83, 0x03, 0, 0, 1 };
	static const uint8_t no_flags[] = { 0x80, 0x01, 0x01, 0x83, 0x04, 0, 0, 0, 1 };
	static const uint8_t trunc[] = { 0x80, 0x01, 0x01, 0x82, 0x05, 0x00 };
	static const uint8_t ver2[] = { 0x80, 0x02, 0x01, 0x01, 0x82, 0x01, 0x00, 0x83, 0x04, 0, 0, 0, 0 };

	ck_assert_int_eq(dm_dmsc_info_parse(bad_len, sizeof bad_len, &out), DM_E_LENGTH);
	ck_assert_int_eq(dm_dmsc_info_parse(no_flags, sizeof no_flags, &out), DM_E_NOT_FOUND);
	ck_assert_int_lt(dm_dmsc_info_parse(trunc, sizeof trunc, &out), 0);
	ck_assert_int_eq(dm_dmsc_info_parse(ver2, sizeof ver2, &out), DM_E_LENGTH);
	ck_assert_int_eq(dm_dmsc_info_parse(NULL, 0, &out), DM_E_NOT_FOUND);
}
END_TEST

/* --- discovery --- */

START_TEST(GEN_13_select_by_aid_and_ef_dir)
{
	dm_p15_app app;
	bool listed = false;
	uint8_t aid[] = { DM_DMSC_AID };

	fs_ok(SEL_DMSC);
	for (unsigned r = 1; r <= 4; r++) {
		char apdu[16];
		snprintf(apdu, sizeof apdu, "00B2%02X0420", r);
		fs_ok("00A4080C022F00");
		if (rt_x(apdu) != 0x9000)
			continue;
		if (dm_p15_dir_parse(rt_resp, rt_resp_len, &app) == DM_OK && app.aid.len == sizeof aid &&
		    memcmp(app.aid.ptr, aid, sizeof aid) == 0)
			listed = true;
	}
	ck_assert(listed);
}
END_TEST

/* A card whose registry has no DMSC application answers 6A82 (GEN-13:
 * the device concludes there is no DM_SC). */
static const dm_applet_reg no_dmsc[] = {
	{ .applet = &dm_uicc_mf_applet, .aid_len = 0 },
};

START_TEST(GEN_13_card_without_dmsc_6A82)
{
	rt_teardown();
	rt_use_registry(no_dmsc, DM_ARRAY_LEN(no_dmsc));
	rt_setup_t1();
	ck_assert_uint_eq(rt_x("00A4040C08" FS_AID_DMSC), 0x6A82);
	rt_teardown();
	rt_use_registry(dm_default_registry, dm_default_registry_len);
	rt_setup_t1();
}
END_TEST

START_TEST(GEN_8_device_reads_card_information)
{
	fs_ok(SEL_DMSC);
	/* STATUS of the application, READ BINARY of EF_INFO by SFI 01. */
	fs_ok("80F2000000");
	ck_assert_uint_gt(rt_resp_len, 0);
	fs_ok("00B0810000");
	dm_dmsc_info info;
	ck_assert_int_eq(dm_dmsc_info_parse(rt_resp, rt_resp_len, &info), DM_OK);
	ck_assert_uint_eq(info.version, DM_DMSC_INFO_VERSION);
	ck_assert_uint_eq(info.caps, DM_DMSC_CAP_LARGE_MO | DM_DMSC_CAP_MO_CREATE);
	/* 84 free bytes is the card's free memory (the MF's A5/83). */
	uint32_t free_mem = fs_free_mem();
	ck_assert_uint_eq(info.free_bytes, free_mem);
}
END_TEST

/* --- change counter --- */

START_TEST(GEN_20_counter_bumps_on_provisioning_change)
{
	dm_dmsc_info a = info_now(), b;

	fs_ok(FS_VERIFY_ADM1);
	fs_ok(SEL_DMBOOT);
	fs_ok("00D600000401020304");
	b = info_now();
	ck_assert_uint_eq(b.counter, a.counter + 1);
	/* Not provisioning data: EF_DEVCHG (device -> card), EF_INFO. */
	fs_ok("00A4080C047F606421");
	fs_ok("00D600000401020304");
	a = info_now();
	ck_assert_uint_eq(a.counter, b.counter);
	/* EF_POLICY is. */
	fs_ok("00A4080C047F606423");
	fs_ok("00D6000001AA");
	b = info_now();
	ck_assert_uint_eq(b.counter, a.counter + 1);
	/* A refused update changes nothing. */
	fs_ok(SEL_DMBOOT);
	fs_sw("00D6080001AA", 0x6B00);
	a = info_now();
	ck_assert_uint_eq(a.counter, b.counter);
}
END_TEST

/* Power cut at every write of an UPDATE BINARY of EF_DMBOOT: the data and
 * the counter change together or not at all. */
START_TEST(GEN_20_counter_same_transaction_power_cut)
{
	char base[512];
	snprintf(base, sizeof base, "%s.base", rt_image_path());
	dm_dmsc_info old = info_now();
	dm_card_close(&rt_card);
	FILE *src = fopen(rt_image_path(), "rb"), *dst = fopen(base, "wb");
	ck_assert(src != NULL && dst != NULL);
	int c;
	while ((c = fgetc(src)) != EOF)
		fputc(c, dst);
	fclose(src);
	fclose(dst);

	bool done = false, seen_new = false;
	for (unsigned long cut = 1; !done && cut < 400; cut++) {
		dm_card_close(&rt_card);
		src = fopen(base, "rb");
		dst = fopen(rt_image_path(), "wb");
		while ((c = fgetc(src)) != EOF)
			fputc(c, dst);
		fclose(src);
		fclose(dst);
		/* The card of this attempt, opened on its own: a cut may hit
		 * while it opens (the store recovers at the next open). */
		dm_card_config cfg = { .image_path = rt_image_path(), .cut_after_writes = cut,
				       .store_flags = DM_STORE_RELAXED };
		dm_card *card = NULL;
		bool died = dm_card_open_registry(&cfg, dm_default_registry, dm_default_registry_len,
						  &card) != DM_OK;
		const char *op[] = { FS_VERIFY_ADM1, SEL_DMBOOT, "00D600000455667788" };
		for (size_t i = 0; i < DM_ARRAY_LEN(op) && !died; i++) {
			uint8_t apdu[64], out[258];
			dm_wbuf w = dm_wbuf_init(out, sizeof out);
			size_t n = rt_hex(op[i], apdu, sizeof apdu);
			died = dm_card_transmit(card, apdu, n, &w) == DM_E_IO;
		}
		dm_card_close(&card);
		done = !died;
		rt_reopen(DM_CARD_T1, 0);
		dm_dmsc_info now = info_now();
		fs_ok(SEL_DMBOOT);
		fs_ok("00B0000004");
		bool is_new = memcmp(rt_resp, "\x55\x66\x77\x88", 4) == 0;
		ck_assert_uint_eq(now.counter, old.counter + (is_new ? 1u : 0u));
		if (seen_new)
			ck_assert(is_new);
		seen_new = seen_new || is_new;
	}
	ck_assert(done);
	ck_assert(seen_new);
	remove(base);
}
END_TEST

/* --- PKCS#15 index, MOs --- */

/* The oidDO entries of EF_DODF. */
static unsigned dodf_objects(dm_p15_dobj *objs, unsigned max)
{
	static uint8_t dodf[512];
	dm_tlv_iter it;
	unsigned n = 0;
	int rc;

	fs_ok(SEL_DODF);
	fs_ok("00B0000000");
	memcpy(dodf, rt_resp, rt_resp_len);
	size_t len = rt_resp_len;
	fs_ok("00B0010000");
	memcpy(dodf + len, rt_resp, rt_resp_len);
	len += rt_resp_len;
	dm_tlv_iter_init(&it, dodf, len);
	while ((rc = dm_p15_dodf_next(&it, &objs[n])) == 1 && n + 1 < max)
		n++;
	ck_assert_int_ge(rc, 0);
	return n;
}

START_TEST(GEN_2_provisioning_present_flag)
{
	dm_p15_dobj objs[8];
	dm_dmsc_info info = info_now();
	unsigned n0 = dodf_objects(objs, 8);

	ck_assert_uint_eq((info.flags & DM_DMSC_FLAG_PROV) != 0, n0 != 0);
	/* The ODF names the DODF (PKCS#15 §6.2). */
	fs_ok("00A4080C047F505031");
	fs_ok("00B0000000");
	dm_p15_path p;
	ck_assert_int_eq(dm_p15_odf_find(rt_resp, rt_resp_len, DM_P15_ODF_DODF, &p), DM_OK);
	ck_assert_uint_eq(p.efid.len, 2);
	ck_assert_uint_eq(dm_get_u16be(p.efid.ptr), 0x6430);

	fs_ok(FS_VERIFY_ADM1);
	fs_ok(SEL_DMSC);
	fs_ok(CREATE_MO("0100"));
	info = info_now();
	ck_assert(info.flags & DM_DMSC_FLAG_PROV);
	ck_assert_uint_eq(dodf_objects(objs, 8), n0 + 1);
}
END_TEST

START_TEST(GEN_17_dodf_path_and_length_give_the_object)
{
	static const char tnds[] = "<MgmtTree><VerDTD>1.2</VerDTD></MgmtTree>";
	dm_p15_dobj objs[8];

	fs_ok(FS_VERIFY_ADM1);
	fs_ok(SEL_DMSC);
	fs_ok(CREATE_MO("0029")); /* exactly strlen(tnds) = 41 */
	ck_assert_uint_eq(rt_resp[0], 0x83);
	uint16_t fid = dm_get_u16be(rt_resp + 2);
	ck_assert_uint_ge(fid, DM_DMSC_FID_MO_FIRST);
	char apdu[256] = "00D6000029";
	for (size_t i = 0; i < strlen(tnds); i++)
		snprintf(apdu + 10 + 2 * i, 3, "%02X", (uint8_t)tnds[i]);
	char sel[32];
	snprintf(sel, sizeof sel, "00A4080C047F60%04X", fid);
	fs_ok(sel);
	fs_ok(apdu);

	unsigned n = dodf_objects(objs, 8);
	bool found = false;
	for (unsigned i = 0; i < n; i++) {
		dm_p15_dobj *o = &objs[i];
		if (o->label.len != 5 || memcmp(o->label.ptr, "TstMO", 5) != 0)
			continue;
		found = true;
		ck_assert_str_eq(o->oid_text, "2.23.43.7.99");
		ck_assert(o->path.has_index && o->path.has_length);
		ck_assert_uint_eq(o->path.length, strlen(tnds));
		/* Path from the MF: 3F00 7F60 FID. */
		ck_assert_uint_eq(o->path.efid.len, 6);
		char sel2[40] = "00A4080C04";
		for (size_t k = 2; k < 6; k++)
			snprintf(sel2 + 10 + 2 * (k - 2), 3, "%02X", o->path.efid.ptr[k]);
		fs_ok(sel2);
		char rd[16];
		snprintf(rd, sizeof rd, "00B0%04X%02X", o->path.index, o->path.length);
		fs_ok(rd);
		ck_assert_uint_eq(rt_resp_len, strlen(tnds));
		ck_assert_mem_eq(rt_resp, tnds, strlen(tnds));
	}
	ck_assert(found);
}
END_TEST

START_TEST(OSR_1_create_until_full_delete_create_again)
{
	uint16_t fids[256];
	unsigned n = 0;

	fs_ok(FS_VERIFY_ADM1);
	fs_ok(SEL_DMSC);
	for (;;) {
		uint16_t sw = rt_x(CREATE_MO("4000"));
		if (sw == 0x6A84)
			break;
		ck_assert_uint_eq(sw, 0x9000);
		ck_assert_uint_lt(n, 256);
		fids[n++] = dm_get_u16be(rt_resp + 2);
	}
	ck_assert_uint_gt(n, 0);
	dm_dmsc_info full = info_now();
	fs_ok(SEL_DMSC);
	char del[32];
	snprintf(del, sizeof del, "80E4000002%04X", fids[0]);
	fs_ok(del);
	fs_sw(del, 0x6A82); /* gone */
	dm_dmsc_info after = info_now();
	ck_assert_uint_gt(after.free_bytes, full.free_bytes);
	ck_assert_uint_eq(after.counter, full.counter + 1);
	fs_ok(SEL_DMSC);
	fs_ok(CREATE_MO("4000"));
	ck_assert_uint_eq(dm_get_u16be(rt_resp + 2), fids[0]); /* the card reuses it */
	/* Malformed and unauthorised requests. */
	fs_sw("80E0000003500141", 0x6A80);               /* no OID, no size */
	fs_sw("80E0000005" "5001410601", 0x6A80);         /* truncated TLV */
	fs_sw("80E4000001AA", 0x6700);
	fs_sw("80E4000002" "6420", 0x6A82);               /* not an MO */
	/* Without ADM1 (a power cycle clears the security status): 6982. */
	rt_reopen(DM_CARD_T1, 0);
	fs_ok(SEL_DMSC);
	fs_sw(CREATE_MO("0010"), 0x6982);
	fs_sw(del, 0x6982);
}
END_TEST

/* USE-1/2/3: EF_INFO b1/b2, written by the issuer under ADM1. */
static void write_flags(uint8_t flags)
{
	dm_dmsc_info info = info_now();
	uint8_t buf[DM_DMSC_INFO_LEN];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	char apdu[80] = "00D6000015";

	info.flags = (uint8_t)((info.flags & ~3u) | flags);
	ck_assert_int_eq(dm_dmsc_info_build(&info, &w), DM_OK);
	for (size_t i = 0; i < w.len; i++)
		snprintf(apdu + 10 + 2 * i, 3, "%02X", buf[i]);
	fs_ok(FS_VERIFY_ADM1);
	fs_ok(SEL_INFO);
	fs_ok(apdu);
}

START_TEST(USE_1_ask_user_flag)
{
	write_flags(DM_DMSC_FLAG_ASK_USER);
	dm_dmsc_info info = info_now();
	ck_assert_uint_eq(info.flags & 3u, DM_DMSC_FLAG_ASK_USER);
}
END_TEST

START_TEST(USE_2_never_ask_flag)
{
	write_flags(DM_DMSC_FLAG_NEVER_ASK);
	dm_dmsc_info info = info_now();
	ck_assert_uint_eq(info.flags & 3u, DM_DMSC_FLAG_NEVER_ASK);
	/* Without ADM1 the device cannot change it. */
	rt_reopen(DM_CARD_T1, 0);
	fs_ok(SEL_INFO);
	fs_sw("00D6000801FF", 0x6982);
}
END_TEST

START_TEST(USE_3_no_flag_device_choice)
{
	/* The default card says nothing: neither b1 nor b2. */
	dm_dmsc_info info = info_now();
	ck_assert_uint_eq(info.flags & 3u, 0);
}
END_TEST

/* --- large MOs (GEN-12) --- */

#define MIB (1024u * 1024u)
#define CHUNK 32768u

static dm_card *big;
static uint8_t big_out[DM_RAPDU_MAX];
static size_t big_len;

/* Send an APDU (header + optional data, extended when needed, Le 0000
 * when le) to `big`; returns the status word. */
static uint16_t big_send(const uint8_t hdr[4], const uint8_t *data, size_t nc, bool le)
{
	static uint8_t apdu[DM_CAPDU_MAX];
	size_t n = 0;

	memcpy(apdu, hdr, 4);
	n = 4;
	if (nc != 0) {
		apdu[n++] = 0;
		apdu[n++] = (uint8_t)(nc >> 8);
		apdu[n++] = (uint8_t)nc;
		memcpy(apdu + n, data, nc);
		n += nc;
		if (le) {
			apdu[n++] = 0;
			apdu[n++] = 0;
		}
	} else if (le) {
		apdu[n++] = 0;
		apdu[n++] = 0;
		apdu[n++] = 0;
	}
	dm_wbuf w = dm_wbuf_init(big_out, sizeof big_out);
	ck_assert_int_eq(dm_card_transmit(big, apdu, n, &w), DM_OK);
	ck_assert_uint_ge(w.len, 2);
	big_len = w.len - 2;
	return (uint16_t)(big_out[w.len - 2] << 8 | big_out[w.len - 1]);
}

static uint16_t big_hex(const char *hex)
{
	uint8_t b[300];
	size_t n = rt_hex(hex, b, sizeof b);
	dm_wbuf w = dm_wbuf_init(big_out, sizeof big_out);
	ck_assert_int_eq(dm_card_transmit(big, b, n, &w), DM_OK);
	big_len = w.len - 2;
	return (uint16_t)(big_out[w.len - 2] << 8 | big_out[w.len - 1]);
}

static uint8_t pattern_at(uint32_t i)
{
	return (uint8_t)((i * 2654435761u) >> 24);
}

START_TEST(GEN_12_one_mib_mo_odd_ins_extended)
{
	static uint8_t data[CHUNK + 16];
	char path[512];
	snprintf(path, sizeof path, "%s.big", rt_image_path());
	dm_card_config cfg = { .image_path = path, .capacity = 4u * MIB,
			       .store_flags = DM_STORE_RELAXED };
	ck_assert_int_eq(dm_card_open_registry(&cfg, dm_default_registry, dm_default_registry_len,
					       &big), DM_OK);
	ck_assert_uint_eq(big_hex(FS_VERIFY_ADM1), 0x9000);
	ck_assert_uint_eq(big_hex(SEL_DMSC), 0x9000);
	/* CREATE MO of exactly 1 MiB (81 03 100000). */
	ck_assert_uint_eq(big_hex("80E0000012" "5005" "5473744D4F" "0604672B0763" "8103100000" "00"),
			  0x9000);
	uint16_t fid = dm_get_u16be(big_out + 2);
	char sel[32];
	snprintf(sel, sizeof sel, "00A4000C02%04X", fid);
	ck_assert_uint_eq(big_hex(sel), 0x9000);

	/* UPDATE BINARY D7 { 54 offset, 53 82 8000 bytes }: one transaction
	 * per APDU. */
	static const uint8_t d7[4] = { 0x00, 0xD7, 0x00, 0x00 };
	for (uint32_t off = 0; off < MIB; off += CHUNK) {
		size_t n = 0;
		data[n++] = 0x54;
		data[n++] = 0x04;
		dm_put_u32be(data + n, off);
		n += 4;
		data[n++] = 0x53;
		data[n++] = 0x82;
		data[n++] = (uint8_t)(CHUNK >> 8);
		data[n++] = (uint8_t)CHUNK;
		for (uint32_t i = 0; i < CHUNK; i++)
			data[n + i] = pattern_at(off + i);
		ck_assert_uint_eq(big_send(d7, data, n + CHUNK, false), 0x9000);
	}
	/* Read it back with B1 and Le 0000, after a power cycle. */
	dm_card_close(&big);
	ck_assert_int_eq(dm_card_open_registry(&cfg, dm_default_registry, dm_default_registry_len,
					       &big), DM_OK);
	ck_assert_uint_eq(big_hex(SEL_DMSC), 0x9000);
	ck_assert_uint_eq(big_hex(sel), 0x9000);
	static const uint8_t b1[4] = { 0x00, 0xB1, 0x00, 0x00 };
	uint32_t off = 0;
	while (off < MIB) {
		uint8_t q[6] = { 0x54, 0x04 };
		dm_put_u32be(q + 2, off);
		ck_assert_uint_eq(big_send(b1, q, sizeof q, true), 0x9000);
		dm_tlv t;
		ck_assert_int_eq(dm_tlv_parse_exact(big_out, big_len, &t), DM_OK);
		ck_assert_uint_eq(t.tag, 0x53);
		ck_assert_uint_gt(t.len, 0);
		for (size_t i = 0; i < t.len; i++)
			ck_assert_uint_eq(t.value[i], pattern_at(off + (uint32_t)i));
		off += (uint32_t)t.len;
	}
	ck_assert_uint_eq(off, MIB);
	/* The DODF entry says 1 MiB exactly. */
	ck_assert_uint_eq(big_hex(SEL_DODF), 0x9000);
	ck_assert_uint_eq(big_hex("00B0000000"), 0x9000);
	dm_tlv_iter it;
	dm_p15_dobj o;
	bool found = false;
	dm_tlv_iter_init(&it, big_out, big_len);
	while (dm_p15_dodf_next(&it, &o) == 1)
		found = found || (o.path.length == MIB && o.path.efid.len == 6 &&
				  dm_get_u16be(o.path.efid.ptr + 4) == fid);
	ck_assert(found);

	/* Malformed odd-INS commands. */
	ck_assert_uint_eq(big_hex(FS_VERIFY_ADM1), 0x9000);
	ck_assert_uint_eq(big_hex(SEL_DMSC), 0x9000);
	ck_assert_uint_eq(big_hex(sel), 0x9000);
	ck_assert_uint_eq(big_hex("00B1000000"), 0x6A80);              /* no 54 */
	ck_assert_uint_eq(big_hex("00B10000075405000000000000"), 0x6A80); /* 54 of 5 bytes */
	ck_assert_uint_eq(big_hex("00B1000005" "5403100000" "00"), 0x6B00); /* offset = size */
	ck_assert_uint_eq(big_hex("00B1010003" "540100" "00"), 0x6A86);    /* FID form: not here */
	ck_assert_uint_eq(big_hex("00B1000005540100530000"), 0x6A80);  /* 53 in a read */
	ck_assert_uint_eq(big_hex("00D7000003" "540100"), 0x6A80);    /* D7 without 53 */
	ck_assert_uint_eq(big_hex("00D7000009" "54030FFFFF" "53020102"), 0x6700); /* past the end */
	ck_assert_uint_eq(big_hex("00D7000006" "540100" "5301AA"), 0x9000);
	ck_assert_uint_eq(big_hex("00B1000003" "540100" "03"), 0x9000);
	ck_assert_uint_eq(big_len, 3);
	ck_assert_mem_eq(big_out, "\x53\x01\xAA", 3);
	dm_card_close(&big);
	ck_assert_int_eq(dm_card_open_registry(&cfg, dm_default_registry, dm_default_registry_len,
					       &big), DM_OK);
	ck_assert_uint_eq(big_hex(SEL_DMSC), 0x9000);
	ck_assert_uint_eq(big_hex(sel), 0x9000);
	ck_assert_uint_eq(big_hex("00D7000006540100 5301AA"), 0x6982); /* no ADM1 */
	dm_card_close(&big);
	remove(path);
}
END_TEST

/* --- GEN-6: every DODF object read back equals the profile's TNDS --- */

/* Read n bytes at off of the current EF in chunks of at most 255. */
static void read_current(uint32_t off, uint8_t *out, size_t n)
{
	while (n > 0) {
		size_t k = n > 255 ? 255 : n;
		char rd[16];
		ck_assert_uint_le(off, 0x7FFF);
		snprintf(rd, sizeof rd, "00B0%04X%02zX", (unsigned)off, k);
		fs_ok(rd);
		ck_assert_uint_eq(rt_resp_len, k);
		memcpy(out, rt_resp, k);
		out += k;
		off += (uint32_t)k;
		n -= k;
	}
}

START_TEST(GEN_6_every_dodf_object_equals_profile_tnds)
{
	static uint8_t got[8192];
	dm_p15_dobj objs[16];
	dm_profile *p = NULL;
	char err[128];

	ck_assert_int_eq(dm_profile_load_default(&p, err, sizeof err), DM_OK);
	unsigned n = dodf_objects(objs, 16);
	/* mos[] holds the policy MO too (last: profile_load.c). */
	ck_assert_uint_eq(n, p->nmos);
	for (unsigned i = 0; i < n; i++) {
		const dm_p15_dobj *o = &objs[i];
		char sel[40];
		/* Exact path, index and length (GEN-17): FID in ADF PKCS15, or
		 * the path from the MF. */
		ck_assert(o->path.has_index && o->path.has_length);
		if (o->path.efid.len == 2)
			snprintf(sel, sizeof sel, "00A4080C047F50%04X", dm_get_u16be(o->path.efid.ptr));
		else {
			ck_assert_uint_eq(o->path.efid.len, 6);
			ck_assert_uint_eq(dm_get_u16be(o->path.efid.ptr), 0x3F00);
			snprintf(sel, sizeof sel, "00A4080C04%04X%04X", dm_get_u16be(o->path.efid.ptr + 2),
				 dm_get_u16be(o->path.efid.ptr + 4));
		}
		ck_assert_uint_le(o->path.length, sizeof got);
		fs_ok(sel);
		read_current(o->path.index, got, o->path.length);
		/* The profile's object of that label. */
		dm_bytes want = { 0 };
		for (size_t m = 0; m < p->nmos; m++)
			if (o->label.len == strlen(p->mos[m].label) &&
			    memcmp(o->label.ptr, p->mos[m].label, o->label.len) == 0) {
				want = p->mos[m].tnds;
				ck_assert_str_eq(o->oid_text, p->mos[m].oid);
				ck_assert_uint_eq(o->flags, p->mos[m].p15_flags);
			}
		ck_assert_msg(want.ptr != NULL, "DODF object %u not in the profile", i);
		ck_assert_uint_eq(o->path.length, want.len);
		ck_assert_mem_eq(got, want.ptr, want.len);
	}
	dm_profile_free(&p);
}
END_TEST

/* --- GEN-16: error conditions of the DMSC application, exact SWs --- */

START_TEST(GEN_16_error_table)
{
	/* Each line: the condition, the APDU, the SW from the reference's list
	 * (dmsc-reference "Commands"). */
	static const struct {
		const char *what, *apdu;
		uint16_t sw;
	} before_adm[] = {
		{ "application absent", "00A4040C08F04F4D41444D5344", 0x6A82 },
		{ "file absent", "00A4000C026599", 0x6A82 },
		{ "no EF selected", "00B0000010", 0x6986 },
		{ "CREATE MO without ADM1", CREATE_MO("0100"), 0x6982 },
		{ "DELETE MO without ADM1", "80E4000002 6500", 0x6982 },
		{ "trigger without ADM1", "803A00000A 800101 810141 82020001", 0x6982 },
		{ "UPDATE EF_POLICY without ADM1", "00D6840001 41", 0x6982 },
		{ "EF_EVLOG without PIN 81", "00B2012C20", 0x6982 },
		{ "wrong PIN 81", "002000810839393939FFFFFFFF", 0x63C2 },
		{ "FETCH before TERMINAL PROFILE", "8012000010", 0x6985 },
		{ "unknown INS", "80FE000000", 0x6D00 },
		{ "unknown CLA", "A0B0000010", 0x6E00 },
		{ "READ BINARY past the end", "00B081500A", 0x6B00 },
		{ "READ RECORD absent", "00B2091C20", 0x6A83 },
		{ "INITIALIZE UPDATE unknown KVN", "8050770008 0102030405060708 00", 0x6A88 },
		{ "PSO VERIFY without data", "002A00A8", 0x6700 },
		{ "PSO VERIFY bad signature", "002A00A846 9020" "00000000000000000000000000000000"
		  "00000000000000000000000000000000" "9E22" "01010101010101010101010101010101"
		  "010101010101010101010101010101010101", 0x6A80 },
	}, after_adm[] = {
		{ "CREATE MO wrong P1-P2", "80E0010011 5005 5473744D4F 0604672B0763 81020100 00",
		  0x6A86 },
		{ "CREATE MO no data", "80E00000", 0x6700 },
		{ "CREATE MO no OID", "80E000000B 5005 5473744D4F 81020100 00", 0x6A80 },
		{ "CREATE MO size 0", "80E0000010 5005 5473744D4F 0604672B0763 810100 00", 0x6A80 },
		{ "CREATE MO 32 MiB", CREATE_MO_SIZE("8104" "02000000"), 0x6A84 },
		{ "DELETE MO wrong Lc", "80E4000003 650000", 0x6700 },
		{ "DELETE MO not an MO", "80E4000002 6423", 0x6A82 },
		{ "DELETE MO absent", "80E4000002 65FF", 0x6A82 },
		{ "UPDATE past the end", "00D607FF02 4142", 0x6700 },
		{ "B1 without offset DO", "00B1000003 530100 00", 0x6A80 },
		{ "trigger malformed", "803A000003 800109", 0x6A80 },
	};

	fs_ok(SEL_DMSC);
	for (size_t i = 0; i < DM_ARRAY_LEN(before_adm); i++)
		ck_assert_msg(rt_x(before_adm[i].apdu) == before_adm[i].sw, "%s: %04X, want %04X",
			      before_adm[i].what, rt_sw, before_adm[i].sw);
	fs_ok(FS_VERIFY_ADM1);
	fs_ok(SEL_DMSC);
	fs_ok("00A4000C026423");
	for (size_t i = 0; i < DM_ARRAY_LEN(after_adm); i++)
		ck_assert_msg(rt_x(after_adm[i].apdu) == after_adm[i].sw, "%s: %04X, want %04X",
			      after_adm[i].what, rt_sw, after_adm[i].sw);
}
END_TEST

/* --- AUTH-3: the card says what authentication is needed --- */

START_TEST(AUTH_3_announced)
{
	dm_fcp f;
	dm_p15_dobj objs[16];
	bool pin81 = false, adm1 = false;

	/* The FCP of ADF DMSC lists its PINs in the PIN status template C6
	 * (TS 102 221 §9.5.2): local PIN 81 (personal data) and ADM1. */
	fs_fcp("00A4040408" FS_AID_DMSC "00", &f);
	ck_assert(f.has_pin_status);
	for (size_t i = 0; i < f.pin_count; i++) {
		pin81 |= f.pins[i].key_ref == 0x81;
		adm1 |= f.pins[i].key_ref == 0x0A;
	}
	ck_assert(pin81 && adm1);
	/* A private MO: the DODF private flag and authId 02 (the AODF's
	 * "DMSC PIN", reference 81) say a PIN is needed, and it is. */
	fs_ok(FS_VERIFY_ADM1);
	fs_ok(SEL_DMSC);
	fs_ok("80E0000014 5005 5072764D4F 0604672B0764 81020100 860101 00");
	uint16_t fid = dm_get_u16be(rt_resp + 2);
	unsigned n = dodf_objects(objs, 16);
	bool seen = false;
	for (unsigned i = 0; i < n; i++) {
		if (objs[i].label.len != 5 || memcmp(objs[i].label.ptr, "PrvMO", 5) != 0) {
			ck_assert(!(objs[i].flags & DM_P15_FLAG_PRIVATE)); /* the public ones */
			continue;
		}
		seen = true;
		ck_assert(objs[i].flags & DM_P15_FLAG_PRIVATE);
		ck_assert_uint_eq(objs[i].auth_id.len, 1);
		ck_assert_uint_eq(objs[i].auth_id.ptr[0], 0x02);
	}
	ck_assert(seen);
	/* The AODF names authId 02 as PIN reference 81. */
	fs_ok("00A4080C047F506440");
	fs_ok("00B0000000");
	static const uint8_t ref81[] = { 0x04, 0x01, 0x02 };
	bool aodf_has = false;
	for (size_t i = 0; i + sizeof ref81 <= rt_resp_len; i++)
		aodf_has |= memcmp(rt_resp + i, ref81, sizeof ref81) == 0;
	ck_assert(aodf_has);
	char sel[32];
	snprintf(sel, sizeof sel, "00A4080C047F60%04X", fid);
	/* After a reset: READ needs PIN 81 (6982), UPDATE needs ADM1 even
	 * with PIN 81 (AUT-1). */
	rt_reopen(DM_CARD_T1, 0);
	fs_ok(sel);
	fs_sw("00B0000010", 0x6982);
	fs_ok(FS_VERIFY_PIN81);
	fs_ok(sel);
	fs_ok("00B0000010");
	fs_sw("00D6000001 41", 0x6982);
	fs_ok(FS_VERIFY_ADM1);
	fs_ok("00D6000001 41");
	fs_ok("00B0000001");
	ck_assert_uint_eq(rt_resp[0], 0x41);
	/* A public MO reads without PIN. */
	rt_reopen(DM_CARD_T1, 0);
	fs_ok("00A4080C047F506432");
	fs_ok("00B0000010");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dmsc");
	TCase *tc = tcase_create("dmsc");
	rt_use_registry(dm_default_registry, dm_default_registry_len);
	tcase_add_checked_fixture(tc, fs_setup, fs_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, info_known_answer);
	tcase_add_test(tc, info_malformed);
	tcase_add_test(tc, GEN_13_select_by_aid_and_ef_dir);
	tcase_add_test(tc, GEN_13_card_without_dmsc_6A82);
	tcase_add_test(tc, GEN_8_device_reads_card_information);
	tcase_add_test(tc, GEN_20_counter_bumps_on_provisioning_change);
	tcase_add_test(tc, GEN_20_counter_same_transaction_power_cut);
	tcase_add_test(tc, GEN_2_provisioning_present_flag);
	tcase_add_test(tc, GEN_17_dodf_path_and_length_give_the_object);
	tcase_add_test(tc, OSR_1_create_until_full_delete_create_again);
	tcase_add_test(tc, USE_1_ask_user_flag);
	tcase_add_test(tc, USE_2_never_ask_flag);
	tcase_add_test(tc, USE_3_no_flag_device_choice);
	tcase_add_test(tc, GEN_12_one_mib_mo_odd_ins_extended);
	tcase_add_test(tc, GEN_6_every_dodf_object_equals_profile_tnds);
	tcase_add_test(tc, GEN_16_error_table);
	tcase_add_test(tc, AUTH_3_announced);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
