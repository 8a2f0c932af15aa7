/*
 * profile_default.c - the default card (dmsc-reference "Card profile v1"),
 * as data for the installer of profile.h.  docs/filesystem.md shows the
 * tree as built.
 *
 *   MF 3F00                     EF_ARR rec 4   C6: 01, 0A
 *   ├── EF_DIR    2F00  linear fixed 4 x 32, SFI 1E, one record per ADF
 *   ├── EF_ICCID  2FE2  transparent 10, SFI 02
 *   ├── EF_ARR    2F06  linear fixed 5 x 40, SFI 06
 *   ├── ADF PKCS15 7F50 A000000063504B43532D3135   C6: 01, 0A
 *   │   ├── EF_ODF 5031 (128)  EF_TokenInfo 5032 (128)  EF_AODF 6440 (256)
 *   │   └── EF_DODF 6430 (512) EF_CDF 6450 (1024)       EF_DMBOOT 6432 (2048)
 *   └── ADF DMSC  7F60 F04F4D41444D5343            C6: 01, 81, 0A
 *       ├── EF_INFO 6420 (64, SFI 01)   EF_DEVCHG 6421 (512, SFI 02)
 *       ├── EF_TRIG 6422 (4 x 32, SFI 03) EF_POLICY 6423 (2048, SFI 04)
 *       └── EF_EVLOG 6424 (cyclic 16 x 32, SFI 05)
 */
#include "profile.h"

#include "fs.h"

#define BYTES(...) { (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }) }
#define TEXT(s) { (const uint8_t *)(s), sizeof(s) - 1 }

/* File descriptor bytes (TS 102 221 table 11.5), all shareable (b7). */
#define FDB_DF 0x78u
#define FDB_TRANSPARENT 0x41u
#define FDB_LINEAR 0x42u
#define FDB_CYCLIC 0x46u

#define AID_PKCS15 0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35
#define AID_DMSC 0xF0, 0x4F, 0x4D, 0x41, 0x44, 0x4D, 0x53, 0x43 /* F0 "OMADMSC" */

/* EF_ARR records (TS 102 221 §9.2 expanded format, 40 bytes, FF padded):
 *   SC_DO "ADM1": A4 { 83 01 0A, 95 01 08 } (user verification, key 0A).
 *   1 (EF) READ always; UPDATE, DEACTIVATE, ACTIVATE, TERMINATE, DELETE
 *          and RESIZE (command header D4) ADM1 (reference record 1);
 *   2 (EF) READ and UPDATE with local PIN 81; the rest ADM1 (record 2);
 *   3 (EF) READ never; the rest ADM1 (record 3, for keys);
 *   4 (DF) every DF operation ADM1 [ours];
 *   5 (EF) READ and UPDATE always; the rest ADM1 [ours: EF_DEVCHG]. */
#define SC_ADM1 0xA4, 0x06, 0x83, 0x01, 0x0A, 0x95, 0x01, 0x08
#define SC_PIN81 0xA4, 0x06, 0x83, 0x01, 0x81, 0x95, 0x01, 0x08
#define AM_RESIZE 0x84, 0x01, 0xD4
#define FF4 0xFF, 0xFF, 0xFF, 0xFF
#define FF8 FF4, FF4
static const uint8_t arr_records[] = {
	/* 1: 27 bytes + 13 */
	0x80, 0x01, 0x01, 0x90, 0x00, 0x80, 0x01, 0x7A, SC_ADM1, AM_RESIZE, SC_ADM1,
	FF8, FF4, 0xFF,
	/* 2: 33 bytes + 7 */
	0x80, 0x01, 0x03, SC_PIN81, 0x80, 0x01, 0x78, SC_ADM1, AM_RESIZE, SC_ADM1,
	FF4, 0xFF, 0xFF, 0xFF,
	/* 3: 27 bytes + 13 */
	0x80, 0x01, 0x01, 0x97, 0x00, 0x80, 0x01, 0x7A, SC_ADM1, AM_RESIZE, SC_ADM1,
	FF8, FF4, 0xFF,
	/* 4: 22 bytes + 18 */
	0x80, 0x01, 0x7F, SC_ADM1, AM_RESIZE, SC_ADM1,
	FF8, FF8, 0xFF, 0xFF,
	/* 5: 27 bytes + 13 */
	0x80, 0x01, 0x03, 0x90, 0x00, 0x80, 0x01, 0x78, SC_ADM1, AM_RESIZE, SC_ADM1,
	FF8, FF4, 0xFF,
};
_Static_assert(sizeof arr_records == 5 * 40, "EF_ARR records are 40 bytes");

/* EF_ICCID (TS 102 221 §13.2): a test ICCID, 89 (telecom) 999 (no
 * country) 01 000000000001 and the Luhn digit 3, in BCD with the nibbles
 * of each byte swapped. */
#define ICCID 0x98, 0x99, 0x09, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x31

/* EF_INFO [ours, dmsc reference]: 80 version 1, 81 capabilities none yet,
 * 82 flags none, 83 change counter 0; the rest FF. */
#define INFO 0x80, 0x01, 0x01, 0x81, 0x01, 0x00, 0x82, 0x01, 0x00, 0x83, 0x04, 0, 0, 0, 0

#define MF_PATH .parent_len = 0
#define PKCS15_PATH .parent = { 0x7F50 }, .parent_len = 1
#define DMSC_PATH .parent = { 0x7F60 }, .parent_len = 1

static const dm_profile_file files[] = {
	{ .name = "MF", .fid = DM_FID_MF, .fdb = FDB_DF, .arr_record = 4,
	  .pins = { 0x01, 0x0A }, .pin_count = 2 },
	{ .name = "EF_DIR", MF_PATH, .fid = 0x2F00, .fdb = FDB_LINEAR, .rec_len = 32,
	  .rec_count = 4, .sfi_mode = DM_FCP_SFI_VALUE, .sfi = 0x1E, .arr_record = 1,
	  .content_kind = DM_PROFILE_CONTENT_EF_DIR },
	{ .name = "EF_ICCID", MF_PATH, .fid = 0x2FE2, .fdb = FDB_TRANSPARENT, .size = 10,
	  .sfi_mode = DM_FCP_SFI_VALUE, .sfi = 0x02, .arr_record = 1,
	  .content_kind = DM_PROFILE_CONTENT_BYTES, .content = BYTES(ICCID) },
	{ .name = "EF_ARR", MF_PATH, .fid = DM_FID_EF_ARR, .fdb = FDB_LINEAR, .rec_len = 40,
	  .rec_count = 5, .sfi_mode = DM_FCP_SFI_VALUE, .sfi = 0x06, .arr_record = 1,
	  .content_kind = DM_PROFILE_CONTENT_BYTES,
	  .content = { arr_records, sizeof arr_records } },

	{ .name = "ADF_PKCS15", MF_PATH, .fid = 0x7F50, .fdb = FDB_DF, .aid = BYTES(AID_PKCS15),
	  .arr_record = 4, .pins = { 0x01, 0x0A }, .pin_count = 2 },
	{ .name = "EF_ODF", PKCS15_PATH, .fid = 0x5031, .fdb = FDB_TRANSPARENT, .size = 128,
	  .sfi_mode = DM_FCP_SFI_NONE, .arr_record = 1 },
	{ .name = "EF_TokenInfo", PKCS15_PATH, .fid = 0x5032, .fdb = FDB_TRANSPARENT,
	  .size = 128, .sfi_mode = DM_FCP_SFI_NONE, .arr_record = 1 },
	{ .name = "EF_AODF", PKCS15_PATH, .fid = 0x6440, .fdb = FDB_TRANSPARENT, .size = 256,
	  .sfi_mode = DM_FCP_SFI_NONE, .arr_record = 1 },
	{ .name = "EF_DODF", PKCS15_PATH, .fid = 0x6430, .fdb = FDB_TRANSPARENT, .size = 512,
	  .sfi_mode = DM_FCP_SFI_NONE, .arr_record = 1 },
	{ .name = "EF_CDF", PKCS15_PATH, .fid = 0x6450, .fdb = FDB_TRANSPARENT, .size = 1024,
	  .sfi_mode = DM_FCP_SFI_NONE, .arr_record = 1 },
	{ .name = "EF_DMBOOT", PKCS15_PATH, .fid = 0x6432, .fdb = FDB_TRANSPARENT, .size = 2048,
	  .sfi_mode = DM_FCP_SFI_NONE, .arr_record = 1 },

	{ .name = "ADF_DMSC", MF_PATH, .fid = 0x7F60, .fdb = FDB_DF, .aid = BYTES(AID_DMSC),
	  .arr_record = 4, .pins = { 0x01, 0x81, 0x0A }, .pin_count = 3 },
	{ .name = "EF_INFO", DMSC_PATH, .fid = 0x6420, .fdb = FDB_TRANSPARENT, .size = 64,
	  .sfi_mode = DM_FCP_SFI_VALUE, .sfi = 0x01, .arr_record = 1,
	  .content_kind = DM_PROFILE_CONTENT_BYTES, .content = BYTES(INFO) },
	{ .name = "EF_DEVCHG", DMSC_PATH, .fid = 0x6421, .fdb = FDB_TRANSPARENT, .size = 512,
	  .sfi_mode = DM_FCP_SFI_VALUE, .sfi = 0x02, .arr_record = 5 },
	{ .name = "EF_TRIG", DMSC_PATH, .fid = 0x6422, .fdb = FDB_LINEAR, .rec_len = 32,
	  .rec_count = 4, .sfi_mode = DM_FCP_SFI_VALUE, .sfi = 0x03, .arr_record = 1 },
	{ .name = "EF_POLICY", DMSC_PATH, .fid = 0x6423, .fdb = FDB_TRANSPARENT, .size = 2048,
	  .sfi_mode = DM_FCP_SFI_VALUE, .sfi = 0x04, .arr_record = 1 },
	{ .name = "EF_EVLOG", DMSC_PATH, .fid = 0x6424, .fdb = FDB_CYCLIC, .rec_len = 32,
	  .rec_count = 16, .sfi_mode = DM_FCP_SFI_VALUE, .sfi = 0x05, .arr_record = 2 },
};

static const dm_profile_app apps[] = {
	{ .aid = BYTES(AID_PKCS15), .label = "PKCS15", .path = BYTES(0x3F, 0x00, 0x7F, 0x50) },
	{ .aid = BYTES(AID_DMSC), .label = "OMA DMSC", .path = BYTES(0x3F, 0x00, 0x7F, 0x60) },
};

/* PIN objects (docs/security.md): ASCII digits padded with FF to 8 bytes
 * by the PIN service.  Retry limits: 3 for PINs, 10 for unblock keys and
 * for ADM1. */
static const dm_profile_pin pins[] = {
	{ .def = { .key_ref = 0x01, .value = TEXT("1234"), .retry_limit = 3, .enabled = true,
		   .may_disable = true, .puk = TEXT("12345678"), .puk_limit = 10 } },
	{ .def = { .key_ref = 0x0A, .value = TEXT("88888888"), .retry_limit = 10,
		   .enabled = true } },
	{ .def = { .key_ref = 0x81, .value = TEXT("0000"), .retry_limit = 3, .enabled = true,
		   .may_disable = true, .puk = TEXT("00000000"), .puk_limit = 10 },
	  .app_aid = BYTES(AID_DMSC) },
};

const dm_profile dm_profile_default = {
	.name = "dmsc-v1",
	.files = files,
	.nfiles = DM_ARRAY_LEN(files),
	.apps = apps,
	.napps = DM_ARRAY_LEN(apps),
	.pins = pins,
	.npins = DM_ARRAY_LEN(pins),
};
