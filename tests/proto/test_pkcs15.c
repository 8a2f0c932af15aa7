/*
 * test_pkcs15.c - EF_DIR template, ODF entries, DODF OID data objects and
 * OID text (PKCS#15 v1.1, ISO/IEC 7816-15, X.690), with the DM bootstrap
 * entry of dmsc-reference as the known answer.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "pkcs15.h"

/* The DODF entry of the DM bootstrap (dmsc-reference, "checked with an encoder"). */
#define DMBOOT_HEX "A12C 3011 0C0C 444D20426F6F747374726170 030100 3000 " \
		   "A115 3013 0604 672B0701 300B 04026432 020100 800205DC"
#define LABEL_HEX "0C0C444D20426F6F747374726170"

static uint8_t buf[1024];

static size_t unhex_to(const char *hex, uint8_t *b, size_t cap)
{
	dm_wbuf w = dm_wbuf_init(b, cap);
	ck_assert_int_eq(dm_hex_decode(hex, &w), DM_OK);
	return w.len;
}

static size_t unhex(const char *hex)
{
	return unhex_to(hex, buf, sizeof buf);
}

static void assert_bytes(dm_bytes b, const char *hex)
{
	uint8_t e[64];
	size_t n = unhex_to(hex, e, sizeof e);
	ck_assert_uint_eq(b.len, n);
	if (n)
		ck_assert_mem_eq(b.ptr, e, n);
}

static void assert_dmboot(const dm_p15_dobj *o)
{
	ck_assert_uint_eq(o->label.len, 12);
	ck_assert_mem_eq(o->label.ptr, "DM Bootstrap", 12);
	ck_assert_str_eq(o->oid_text, "2.23.43.7.1");
	assert_bytes(o->oid, "672B0701");
	assert_bytes(o->path.efid, "6432");
	ck_assert(o->path.has_index);
	ck_assert(o->path.has_length);
	ck_assert_uint_eq(o->path.index, 0);
	ck_assert_uint_eq(o->path.length, 0x05DC);
	ck_assert_uint_eq(o->flags, 0);
	ck_assert_uint_eq(o->auth_id.len, 0);
}

/* --- DODF -------------------------------------------------------------- */

START_TEST(dodf_build_reference_bytes)
{
	static const uint8_t oid[] = { 0x67, 0x2B, 0x07, 0x01 }, efid[] = { 0x64, 0x32 };
	uint8_t out[128], expect[64];
	size_t n = unhex_to(DMBOOT_HEX, expect, sizeof expect);
	dm_p15_dobj o;

	ck_assert_uint_eq(n, 46);
	memset(&o, 0, sizeof o);
	o.label = dm_bytes_of((const uint8_t *)"DM Bootstrap", 12);
	o.oid = dm_bytes_of(oid, sizeof oid);
	o.path.efid = dm_bytes_of(efid, sizeof efid);
	o.path.has_index = o.path.has_length = true;
	o.path.index = 0;
	o.path.length = 1500;
	dm_wbuf w = dm_wbuf_init(out, sizeof out);
	ck_assert_int_eq(dm_p15_dobj_build(&o, &w), DM_OK);
	ck_assert_uint_eq(w.len, n);
	ck_assert_mem_eq(out, expect, n);

	/* exactly n bytes of room suffice; one fewer: nothing written */
	w = dm_wbuf_init(out, n);
	ck_assert_int_eq(dm_p15_dobj_build(&o, &w), DM_OK);
	ck_assert_mem_eq(out, expect, n);
	w = dm_wbuf_init(out, n - 1);
	ck_assert_int_eq(dm_p15_dobj_build(&o, &w), DM_E_OVERFLOW);
	ck_assert_uint_eq(w.len, 0);
}
END_TEST

START_TEST(dodf_parse_reference)
{
	size_t n = unhex(DMBOOT_HEX);
	dm_p15_dobj o;

	ck_assert_int_eq(dm_p15_dobj_parse(buf, n, &o), DM_OK);
	assert_dmboot(&o);
	/* the label borrows from the input */
	ck_assert_ptr_eq(o.label.ptr, buf + 6);
}
END_TEST

/* Variants real cards produce, each still the DM bootstrap object. */
static const char *const lenient[] = {
	/* an extra 06 04 inside the OID sequence */
	"A132 3011 " LABEL_HEX " 030100 3000 A11B 3019 0604672B0701 0604672B0701 "
	"300B 04026432 020100 800205DC",
	/* an OID double-wrapped: 06 06 06 04 ... */
	"A12E 3011 " LABEL_HEX " 030100 3000 A117 3015 06060604672B0701 "
	"300B 04026432 020100 800205DC",
	/* subClassAttributes [0] present */
	"A12E 3011 " LABEL_HEX " 030100 3000 A000 A115 3013 0604672B0701 "
	"300B 04026432 020100 800205DC",
	/* accessControlRules and userConsent in the common attributes (ignored) */
	"A131 3016 " LABEL_HEX " 030100 020101 3000 3000 A115 3013 0604672B0701 "
	"300B 04026432 020100 800205DC",
};

START_TEST(dodf_parse_lenient)
{
	size_t n = unhex(lenient[_i]);
	dm_p15_dobj o;

	ck_assert_int_eq(dm_p15_dobj_parse(buf, n, &o), DM_OK);
	assert_dmboot(&o);
}
END_TEST

START_TEST(dodf_parse_optional_absent)
{
	dm_p15_dobj o;
	/* no label */
	size_t n = unhex("A11E 3003 030100 3000 A115 3013 0604672B0701 300B 04026432 020100 800205DC");
	ck_assert_int_eq(dm_p15_dobj_parse(buf, n, &o), DM_OK);
	ck_assert_uint_eq(o.label.len, 0);
	ck_assert_ptr_null(o.label.ptr);
	ck_assert_str_eq(o.oid_text, "2.23.43.7.1");
	ck_assert_uint_eq(o.path.length, 1500);

	/* no flags, no class attributes, no index/length */
	n = unhex("A120 300E " LABEL_HEX " A10E 300C 0604672B0701 3004 04026432");
	ck_assert_int_eq(dm_p15_dobj_parse(buf, n, &o), DM_OK);
	ck_assert_uint_eq(o.label.len, 12);
	ck_assert_uint_eq(o.flags, 0);
	ck_assert(!o.path.has_index);
	ck_assert(!o.path.has_length);
	assert_bytes(o.path.efid, "6432");
}
END_TEST

START_TEST(dodf_flags_and_auth_id)
{
	static const uint8_t oid[] = { 0x67, 0x2B, 0x07, 0x02 }, efid[] = { 0x3F, 0x00, 0x7F, 0x60, 0x64, 0x23 };
	static const char *const flag_der[4] = { "030100", "03020780", "03020640", "030206C0" };
	uint8_t out[128];
	dm_p15_dobj o, p;

	for (uint8_t f = 0; f < 4; f++) {
		memset(&o, 0, sizeof o);
		o.flags = f;
		o.auth_id = dm_bytes_of((const uint8_t *)"\x01", 1);
		o.oid = dm_bytes_of(oid, sizeof oid);
		o.path.efid = dm_bytes_of(efid, sizeof efid);
		dm_wbuf w = dm_wbuf_init(out, sizeof out);
		ck_assert_int_eq(dm_p15_dobj_build(&o, &w), DM_OK);
		/* A1 len 30 len <flags> 04 01 01 ... */
		uint8_t fl[4];
		size_t fn = unhex_to(flag_der[f], fl, sizeof fl);
		ck_assert_mem_eq(out + 4, fl, fn);
		ck_assert_mem_eq(out + 4 + fn, "\x04\x01\x01", 3);
		ck_assert_int_eq(dm_p15_dobj_parse(out, w.len, &p), DM_OK);
		ck_assert_uint_eq(p.flags, f);
		assert_bytes(p.auth_id, "01");
		ck_assert_str_eq(p.oid_text, "2.23.43.7.2");
		assert_bytes(p.path.efid, "3F007F606423");
		ck_assert(!p.path.has_index);
	}
	/* unknown flag bits are refused by the builder */
	o.flags = 0x04;
	dm_wbuf w = dm_wbuf_init(out, sizeof out);
	ck_assert_int_eq(dm_p15_dobj_build(&o, &w), DM_E_VALUE);
	ck_assert_uint_eq(w.len, 0);
	/* parse: bits inside the unused count do not count (C0 with 7 unused
	 * is private only); a longer BIT STRING is read from its first byte */
	size_t n = unhex("A11B 3007 030207C0 0401AA 3000 A10E 300C 0604672B0701 3004 04026432");
	ck_assert_int_eq(dm_p15_dobj_parse(buf, n, &p), DM_OK);
	ck_assert_uint_eq(p.flags, DM_P15_FLAG_PRIVATE);
	assert_bytes(p.auth_id, "AA");
	n = unhex("A11C 3008 0303064000 0401AA 3000 A10E 300C 0604672B0701 3004 04026432");
	ck_assert_int_eq(dm_p15_dobj_parse(buf, n, &p), DM_OK);
	ck_assert_uint_eq(p.flags, DM_P15_FLAG_MODIFIABLE);
}
END_TEST

struct bad {
	const char *hex;
	int err;
};

static const struct bad bad_dobj[] = {
	/* the reference without its last byte */
	{ "A12C 3011 " LABEL_HEX " 030100 3000 A115 3013 0604672B0701 300B 04026432 020100 800205", DM_E_TRUNCATED },
	/* one byte too many */
	{ DMBOOT_HEX " 00", DM_E_TRAILING },
	/* an opaque data object is not an oidDO */
	{ "3003 040100", DM_E_TAG },
	/* OID with a padded (non-minimal) subidentifier, and a cut one */
	{ "A12C 3011 " LABEL_HEX " 030100 3000 A115 3013 0604802B0701 300B 04026432 020100 800205DC", DM_E_VALUE },
	{ "A12C 3011 " LABEL_HEX " 030100 3000 A115 3013 0604672B0781 300B 04026432 020100 800205DC", DM_E_VALUE },
	/* path of odd length */
	{ "A12D 3011 " LABEL_HEX " 030100 3000 A116 3014 0604672B0701 300C 0403643201 020100 800205DC", DM_E_VALUE },
	/* negative index */
	{ "A12C 3011 " LABEL_HEX " 030100 3000 A115 3013 0604672B0701 300B 04026432 020180 800205DC", DM_E_VALUE },
	/* length beyond 32 bits */
	{ "A12F 3011 " LABEL_HEX " 030100 3000 A118 3016 0604672B0701 300E 04026432 020100 80050100000000", DM_E_VALUE },
	/* malformed flags: unused bits without any bit, unused count 8 */
	{ "A12C 3011 " LABEL_HEX " 030105 3000 A115 3013 0604672B0701 300B 04026432 020100 800205DC", DM_E_VALUE },
	{ "A12D 3012 " LABEL_HEX " 03020880 3000 A115 3013 0604672B0701 300B 04026432 020100 800205DC", DM_E_VALUE },
	/* a directly held value instead of a Path */
	{ "A117 3003 030100 3000 A10E 300C 0604672B0701 A004 0402ABCD", DM_E_UNSUPPORTED },
	/* OID with no value, no typeAttributes at all */
	{ "A111 3003 030100 3000 A108 3006 0604672B0701", DM_E_TRUNCATED },
	{ "A107 3003 030100 3000", DM_E_TRUNCATED },
	/* OidDO not starting with the OID */
	{ "A111 3003 030100 3000 A108 3006 0404672B0701", DM_E_TAG },
	/* Path whose first element is not the OCTET STRING */
	{ "A115 3003 030100 3000 A10C 300A 0604672B0701 3002 0200", DM_E_TAG },
	/* a child running past its parent */
	{ "A12C 3011 0C12444D20426F6F747374726170 030100 3000 A115 3013 0604672B0701 300B 04026432 020100 800205DC", DM_E_TRUNCATED },
	/* padding is not allowed inside DER */
	{ "A10E 3004 00030100 3000 A104 3002 0000", DM_E_TAG },
};

START_TEST(dodf_parse_malformed)
{
	size_t n = unhex(bad_dobj[_i].hex);
	dm_p15_dobj o;

	ck_assert_int_eq(dm_p15_dobj_parse(buf, n, &o), bad_dobj[_i].err);
}
END_TEST

START_TEST(dodf_iterate)
{
	/* padding, opaque object, the bootstrap, a private object, padding */
	size_t n = unhex("0000 3003 040100 " DMBOOT_HEX
			 " A11C 3007 03020780 040101 3000 A10F 300D 0604672B0702 3005 0403 3F0064 "
			 "FFFFFFFF 00");
	dm_tlv_iter it;
	dm_p15_dobj o;

	/* the second object has an odd path: an error, then iteration goes on */
	dm_tlv_iter_init(&it, buf, n);
	ck_assert_int_eq(dm_p15_dodf_next(&it, &o), 1);
	assert_dmboot(&o);
	ck_assert_int_eq(dm_p15_dodf_next(&it, &o), DM_E_VALUE);
	ck_assert_int_eq(dm_p15_dodf_next(&it, &o), 0);
	ck_assert_int_eq(dm_p15_dodf_next(&it, &o), 0);

	n = unhex("0000 3003 040100 " DMBOOT_HEX
		  " A11D 3007 03020780 040101 3000 A110 300E 0604672B0702 3006 04043F006423 "
		  "FFFFFFFF 00");
	dm_tlv_iter_init(&it, buf, n);
	ck_assert_int_eq(dm_p15_dodf_next(&it, &o), 1);
	assert_dmboot(&o);
	ck_assert_int_eq(dm_p15_dodf_next(&it, &o), 1);
	ck_assert_uint_eq(o.flags, DM_P15_FLAG_PRIVATE);
	ck_assert_str_eq(o.oid_text, "2.23.43.7.2");
	assert_bytes(o.path.efid, "3F006423");
	ck_assert_int_eq(dm_p15_dodf_next(&it, &o), 0);

	/* a framing error stops iteration and repeats */
	n = unhex(DMBOOT_HEX " A105 30");
	dm_tlv_iter_init(&it, buf, n);
	ck_assert_int_eq(dm_p15_dodf_next(&it, &o), 1);
	ck_assert_int_eq(dm_p15_dodf_next(&it, &o), DM_E_TRUNCATED);
	ck_assert_int_eq(dm_p15_dodf_next(&it, &o), DM_E_TRUNCATED);

	/* empty and all-padding files */
	dm_tlv_iter_init(&it, NULL, 0);
	ck_assert_int_eq(dm_p15_dodf_next(&it, &o), 0);
	n = unhex("FFFF0000FF");
	dm_tlv_iter_init(&it, buf, n);
	ck_assert_int_eq(dm_p15_dodf_next(&it, &o), 0);
	ck_assert_int_eq(dm_p15_dodf_next(NULL, &o), DM_E_ARG);
	ck_assert_int_eq(dm_p15_dodf_next(&it, NULL), DM_E_ARG);
}
END_TEST

/* --- EF_DIR ------------------------------------------------------------ */

#define DIR_DMSC_HEX "6116 4F08F04F4D41444D5343 5004444D5343 51043F007F60"

START_TEST(dir_build_and_parse)
{
	static const uint8_t aid[] = { 0xF0, 0x4F, 0x4D, 0x41, 0x44, 0x4D, 0x53, 0x43 };
	static const uint8_t path[] = { 0x3F, 0x00, 0x7F, 0x60 };
	uint8_t out[64], expect[32];
	size_t n = unhex_to(DIR_DMSC_HEX, expect, sizeof expect);
	dm_p15_app app = { dm_bytes_of(aid, sizeof aid), dm_bytes_of((const uint8_t *)"DMSC", 4),
			   dm_bytes_of(path, sizeof path) };
	dm_p15_app p;

	dm_wbuf w = dm_wbuf_init(out, sizeof out);
	ck_assert_int_eq(dm_p15_dir_build(&app, &w), DM_OK);
	ck_assert_uint_eq(w.len, n);
	ck_assert_mem_eq(out, expect, n);

	/* a linear fixed record padded with FF */
	memset(out + n, 0xFF, 10);
	ck_assert_int_eq(dm_p15_dir_parse(out, n + 10, &p), DM_OK);
	assert_bytes(p.aid, "F04F4D41444D5343");
	assert_bytes(p.label, "444D5343");
	assert_bytes(p.path, "3F007F60");

	/* AID only */
	n = unhex("610E 4F0CA000000063504B43532D3135");
	ck_assert_int_eq(dm_p15_dir_parse(buf, n, &p), DM_OK);
	assert_bytes(p.aid, "A000000063504B43532D3135");
	ck_assert_uint_eq(p.label.len, 0);
	ck_assert_uint_eq(p.path.len, 0);
	app.label = dm_bytes_of(NULL, 0);
	app.path = dm_bytes_of(NULL, 0);
	app.aid = p.aid;
	w = dm_wbuf_init(out, sizeof out);
	ck_assert_int_eq(dm_p15_dir_build(&app, &w), DM_OK);
	ck_assert_uint_eq(w.len, n);
	ck_assert_mem_eq(out, buf, n);
}
END_TEST

static const struct bad bad_dir[] = {
	{ "", DM_E_TRUNCATED },
	{ "6116 4F08F04F4D41444D5343 5004444D5343 51043F007F", DM_E_TRUNCATED },
	{ DIR_DMSC_HEX " FF01", DM_E_TRAILING },
	{ "6F0A 4F08F04F4D41444D5343", DM_E_TAG },
	{ "6106 5004444D5343", DM_E_NOT_FOUND },
	{ "6102 4F00", DM_E_VALUE },
	{ "6113 4F11 000102030405060708090A0B0C0D0E0F10", DM_E_VALUE },
	{ "610D 4F08F04F4D41444D5343 51013F", DM_E_VALUE },
	{ "6102 4F80", DM_E_LENGTH },                  /* indefinite length */
};

START_TEST(dir_parse_malformed)
{
	size_t n = unhex(bad_dir[_i].hex);
	dm_p15_app p;

	ck_assert_int_eq(dm_p15_dir_parse(n ? buf : NULL, n, &p), bad_dir[_i].err);
}
END_TEST

START_TEST(dir_build_errors)
{
	uint8_t out[8];
	dm_wbuf w = dm_wbuf_init(out, sizeof out);
	uint8_t aid[17] = { 0 };
	dm_p15_app app = { dm_bytes_of(aid, 0), { NULL, 0 }, { NULL, 0 } };

	ck_assert_int_eq(dm_p15_dir_build(&app, &w), DM_E_VALUE);
	app.aid.len = 17;
	ck_assert_int_eq(dm_p15_dir_build(&app, &w), DM_E_VALUE);
	app.aid.len = 5;
	app.path = dm_bytes_of(aid, 3);
	ck_assert_int_eq(dm_p15_dir_build(&app, &w), DM_E_VALUE);
	app.path = dm_bytes_of(aid, 2);
	/* 61 0B 4F 05 .. 51 02 ..: 13 bytes into 8 */
	ck_assert_int_eq(dm_p15_dir_build(&app, &w), DM_E_OVERFLOW);
	ck_assert_uint_eq(w.len, 0);
	app.aid.ptr = NULL;
	ck_assert_int_eq(dm_p15_dir_build(&app, &w), DM_E_ARG);
	ck_assert_int_eq(dm_p15_dir_build(NULL, &w), DM_E_ARG);
}
END_TEST

/* --- ODF --------------------------------------------------------------- */

START_TEST(odf_build_parse_find)
{
	static const struct { uint8_t type; const char *efid; } entries[] = {
		{ DM_P15_ODF_AODF, "6440" }, { DM_P15_ODF_DODF, "6430" },
		{ DM_P15_ODF_CDF_TRUSTED, "6450" }, { DM_P15_ODF_CDF, "3F007F506451" },
	};
	uint8_t out[128], efid[16];
	dm_wbuf w = dm_wbuf_init(out, sizeof out);
	dm_p15_path path, found;

	for (size_t i = 0; i < DM_ARRAY_LEN(entries); i++) {
		memset(&path, 0, sizeof path);
		path.efid = dm_bytes_of(efid, unhex_to(entries[i].efid, efid, sizeof efid));
		ck_assert_int_eq(dm_p15_odf_build_entry(entries[i].type, &path, &w), DM_OK);
	}
	size_t n = unhex("A806 3004 04026440 A706 3004 04026430 A506 3004 04026450 "
			 "A40A 3008 04063F007F506451");
	ck_assert_uint_eq(w.len, n);
	ck_assert_mem_eq(out, buf, n);

	/* padded EF; find each */
	memset(out + w.len, 0xFF, 6);
	n = w.len + 6;
	for (size_t i = 0; i < DM_ARRAY_LEN(entries); i++) {
		ck_assert_int_eq(dm_p15_odf_find(out, n, entries[i].type, &found), DM_OK);
		assert_bytes(found.efid, entries[i].efid);
	}
	ck_assert_int_eq(dm_p15_odf_find(out, n, DM_P15_ODF_PRKDF, &found), DM_E_NOT_FOUND);

	/* iteration order and the index/length fields */
	n = unhex("A70D 300B 04026430 020105 80020100 A00B A009 3007 04022222 020100 A806 3004 04026440 0000");
	dm_tlv_iter it;
	dm_p15_odf_entry e;
	dm_tlv_iter_init(&it, buf, n);
	ck_assert_int_eq(dm_p15_odf_next(&it, &e), 1);
	ck_assert_uint_eq(e.type, DM_P15_ODF_DODF);
	ck_assert(e.path.has_index && e.path.has_length);
	ck_assert_uint_eq(e.path.index, 5);
	ck_assert_uint_eq(e.path.length, 256);
	/* A0 holding objects directly is skipped */
	ck_assert_int_eq(dm_p15_odf_next(&it, &e), 1);
	ck_assert_uint_eq(e.type, DM_P15_ODF_AODF);
	ck_assert_int_eq(dm_p15_odf_next(&it, &e), 0);
}
END_TEST

static const struct bad bad_odf[] = {
	{ "3006 3004 04026430", DM_E_TAG },            /* not a PKCS15Objects choice */
	{ "A906 3004 04026430", DM_E_TAG },
	{ "A706 3004 04036430", DM_E_TRUNCATED },      /* inner 04 runs past */
	{ "A705 3003 040164", DM_E_VALUE },            /* one-byte path */
	{ "A709 3007 020100 04026430", DM_E_TAG },     /* Path must start with 04 */
	{ "A706 3004 04026430 A7", DM_E_TRUNCATED },
};

START_TEST(odf_parse_malformed)
{
	size_t n = unhex(bad_odf[_i].hex);
	dm_p15_path p;

	ck_assert_int_eq(dm_p15_odf_find(buf, n, DM_P15_ODF_AODF, &p), bad_odf[_i].err);
}
END_TEST

START_TEST(odf_build_errors)
{
	uint8_t out[8];
	dm_wbuf w = dm_wbuf_init(out, sizeof out);
	dm_p15_path p;

	memset(&p, 0, sizeof p);
	p.efid = dm_bytes_of((const uint8_t *)"\x64\x30", 2);
	ck_assert_int_eq(dm_p15_odf_build_entry(0xA9, &p, &w), DM_E_VALUE);
	ck_assert_int_eq(dm_p15_odf_build_entry(0x30, &p, &w), DM_E_VALUE);
	p.has_index = true;
	p.index = 0x80; /* 02 02 00 80: 11 bytes in all, 8 of room */
	ck_assert_int_eq(dm_p15_odf_build_entry(DM_P15_ODF_DODF, &p, &w), DM_E_OVERFLOW);
	ck_assert_uint_eq(w.len, 0);
	p.efid.len = 1;
	ck_assert_int_eq(dm_p15_odf_build_entry(DM_P15_ODF_DODF, &p, &w), DM_E_VALUE);
	ck_assert_int_eq(dm_p15_odf_build_entry(DM_P15_ODF_DODF, NULL, &w), DM_E_ARG);
}
END_TEST

START_TEST(integers_minimal_der)
{
	static const struct { uint32_t v; const char *der; } ints[] = {
		{ 0, "020100" }, { 0x7F, "02017F" }, { 0x80, "02020080" }, { 0x5DC, "020205DC" },
		{ 0xFFFF, "020300FFFF" }, { 0x7FFFFFFF, "02047FFFFFFF" }, { 0xFFFFFFFF, "020500FFFFFFFF" },
	};
	uint8_t out[32], der[8];
	dm_p15_path p, q;

	for (size_t i = 0; i < DM_ARRAY_LEN(ints); i++) {
		memset(&p, 0, sizeof p);
		p.efid = dm_bytes_of((const uint8_t *)"\x64\x30", 2);
		p.has_index = true;
		p.index = ints[i].v;
		dm_wbuf w = dm_wbuf_init(out, sizeof out);
		ck_assert_int_eq(dm_p15_odf_build_entry(DM_P15_ODF_DODF, &p, &w), DM_OK);
		size_t n = unhex_to(ints[i].der, der, sizeof der);
		ck_assert_uint_eq(w.len, 8 + n);
		ck_assert_mem_eq(out + 8, der, n);
		ck_assert_int_eq(dm_p15_odf_find(out, w.len, DM_P15_ODF_DODF, &q), DM_OK);
		ck_assert_uint_eq(q.index, ints[i].v);
	}
}
END_TEST

/* --- OID --------------------------------------------------------------- */

static const struct { const char *der, *text; } oids[] = {
	{ "672B0701", "2.23.43.7.1" },
	{ "2A864886F70D01010B", "1.2.840.113549.1.1.11" },
	{ "550403", "2.5.4.3" },
	{ "00", "0.0" },
	{ "28", "1.0" },
	{ "7F", "2.47" },
	{ "8FFFFFFF7F", "2.4294967215" },
	{ "2A8FFFFFFF7F", "1.2.4294967295" },
};

START_TEST(oid_known_answers)
{
	uint8_t der[16], out[16];
	char text[DM_P15_OID_TEXT_MAX];
	size_t n = unhex_to(oids[_i].der, der, sizeof der);

	ck_assert_int_eq(dm_p15_oid_to_text(der, n, text, sizeof text), DM_OK);
	ck_assert_str_eq(text, oids[_i].text);
	dm_wbuf w = dm_wbuf_init(out, sizeof out);
	ck_assert_int_eq(dm_p15_oid_from_text(oids[_i].text, &w), DM_OK);
	ck_assert_uint_eq(w.len, n);
	ck_assert_mem_eq(out, der, n);
}
END_TEST

START_TEST(oid_to_text_rejects)
{
	uint8_t der[40];
	char text[DM_P15_OID_TEXT_MAX];
	size_t n;

	n = unhex_to("9080808000", der, sizeof der);   /* 2^32 */
	ck_assert_int_eq(dm_p15_oid_to_text(der, n, text, sizeof text), DM_E_VALUE);
	ck_assert_str_eq(text, "");
	n = unhex_to("672B8001", der, sizeof der);     /* padded subidentifier */
	ck_assert_int_eq(dm_p15_oid_to_text(der, n, text, sizeof text), DM_E_VALUE);
	n = unhex_to("672B81", der, sizeof der);       /* cut subidentifier */
	ck_assert_int_eq(dm_p15_oid_to_text(der, n, text, sizeof text), DM_E_VALUE);
	ck_assert_int_eq(dm_p15_oid_to_text(der, 0, text, sizeof text), DM_E_VALUE);
	memset(der, 0x01, sizeof der);
	ck_assert_int_eq(dm_p15_oid_to_text(der, DM_P15_OID_MAX + 1, text, sizeof text), DM_E_VALUE);
	/* "2.23.43.7.1" needs 12 bytes */
	n = unhex_to("672B0701", der, sizeof der);
	ck_assert_int_eq(dm_p15_oid_to_text(der, n, text, 12), DM_OK);
	ck_assert_int_eq(dm_p15_oid_to_text(der, n, text, 11), DM_E_OVERFLOW);
	ck_assert_str_eq(text, "");
	ck_assert_int_eq(dm_p15_oid_to_text(der, n, NULL, 11), DM_E_ARG);
}
END_TEST

/* DM_P15_OID_TEXT_MAX holds the longest texts DM_P15_OID_MAX bytes give. */
START_TEST(oid_text_max_holds)
{
	uint8_t der[DM_P15_OID_MAX];
	char text[DM_P15_OID_TEXT_MAX];

	memset(der, 0x7F, sizeof der); /* 2.47.127.127... */
	ck_assert_int_eq(dm_p15_oid_to_text(der, sizeof der, text, sizeof text), DM_OK);
	ck_assert_uint_eq(strlen(text), 4 + 4 * (DM_P15_OID_MAX - 1));
	/* 32-bit subidentifiers: 5 bytes for 10 digits */
	for (size_t i = 0; i + 5 <= sizeof der; i += 5)
		memcpy(der + i, "\x8F\xFF\xFF\xFF\x7F", 5);
	memset(der + 30, 0x7F, 2);
	ck_assert_int_eq(dm_p15_oid_to_text(der, sizeof der, text, sizeof text), DM_OK);
	ck_assert_uint_lt(strlen(text), DM_P15_OID_TEXT_MAX);
}
END_TEST

static const char *const bad_oid_text[] = {
	"", "2", "3.1", "1.40", "0.40", "2.23.", ".2.23", "2..23", "2.023", "02.23",
	"2.4294967216", "2.23.4294967296", "2.a", "2.23 ", " 2.23", "2.-1", "2,23",
};

START_TEST(oid_from_text_rejects)
{
	uint8_t out[16];
	dm_wbuf w = dm_wbuf_init(out, sizeof out);

	ck_assert_int_eq(dm_p15_oid_from_text(bad_oid_text[_i], &w), DM_E_VALUE);
	ck_assert_uint_eq(w.len, 0);
}
END_TEST

START_TEST(oid_from_text_limits)
{
	uint8_t out[64];
	char text[DM_P15_OID_TEXT_MAX + 16];
	dm_wbuf w = dm_wbuf_init(out, 3);

	ck_assert_int_eq(dm_p15_oid_from_text("2.23.43.7.1", &w), DM_E_OVERFLOW);
	ck_assert_uint_eq(w.len, 0);
	ck_assert_int_eq(dm_p15_oid_from_text(NULL, &w), DM_E_ARG);
	/* 2.47 then 31 arcs of 127 is 32 bytes: the limit; one more arc is too long */
	strcpy(text, "2.47");
	for (int i = 0; i < 31; i++)
		strcat(text, ".127");
	w = dm_wbuf_init(out, sizeof out);
	ck_assert_int_eq(dm_p15_oid_from_text(text, &w), DM_OK);
	ck_assert_uint_eq(w.len, DM_P15_OID_MAX);
	strcat(text, ".1");
	w = dm_wbuf_init(out, sizeof out);
	ck_assert_int_eq(dm_p15_oid_from_text(text, &w), DM_E_VALUE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pkcs15");
	TCase *tc = tcase_create("dodf");
	tcase_add_test(tc, dodf_build_reference_bytes);
	tcase_add_test(tc, dodf_parse_reference);
	tcase_add_loop_test(tc, dodf_parse_lenient, 0, DM_ARRAY_LEN(lenient));
	tcase_add_test(tc, dodf_parse_optional_absent);
	tcase_add_test(tc, dodf_flags_and_auth_id);
	tcase_add_loop_test(tc, dodf_parse_malformed, 0, DM_ARRAY_LEN(bad_dobj));
	tcase_add_test(tc, dodf_iterate);
	suite_add_tcase(s, tc);

	tc = tcase_create("dir");
	tcase_add_test(tc, dir_build_and_parse);
	tcase_add_loop_test(tc, dir_parse_malformed, 0, DM_ARRAY_LEN(bad_dir));
	tcase_add_test(tc, dir_build_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("odf");
	tcase_add_test(tc, odf_build_parse_find);
	tcase_add_loop_test(tc, odf_parse_malformed, 0, DM_ARRAY_LEN(bad_odf));
	tcase_add_test(tc, odf_build_errors);
	tcase_add_test(tc, integers_minimal_der);
	suite_add_tcase(s, tc);

	tc = tcase_create("oid");
	tcase_add_loop_test(tc, oid_known_answers, 0, DM_ARRAY_LEN(oids));
	tcase_add_test(tc, oid_to_text_rejects);
	tcase_add_test(tc, oid_text_max_holds);
	tcase_add_loop_test(tc, oid_from_text_rejects, 0, DM_ARRAY_LEN(bad_oid_text));
	tcase_add_test(tc, oid_from_text_limits);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
