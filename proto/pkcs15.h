/*
 * pkcs15.h - the PKCS#15 / ISO/IEC 7816-15 DER pieces the DM_SC card profile
 * needs (dmsc-reference "Card profile v1"): the EF_DIR application template,
 * ODF entries, DODF OID data objects, and OBJECT IDENTIFIER text.
 *
 * Parsed results borrow from the caller's input (dm_bytes fields), except
 * dm_p15_dobj.oid_text, which is held in the struct.  Builders append DER to
 * a caller dm_wbuf and leave out->len unchanged on failure.
 *
 * What the parsers accept (anything else is an error, never a guess):
 *   - EF_DIR record (ISO 7816-4 §8.2.1.3, PKCS#15 §5.4): 61 { 4F AID, 50
 *     label?, 51 path?, other tags ignored }, followed only by 00/FF record
 *     padding.  AID 1..16 bytes, path 2..16 bytes and even (DM_E_VALUE).
 *   - ODF (PKCS#15 §6.2 PKCS15Objects): entries A0..A8, each normally a Path
 *     30 { 04 efid, 02 index?, 80 length? }; entries holding something else
 *     (direct objects, protected forms) are skipped; other tags are DM_E_TAG.
 *     00/FF padding between and after entries is skipped.
 *   - DODF (PKCS#15 §6.7 DataType): oidDO [1] objects
 *       A1 { 30 CommonObjectAttributes { 0C label?, 03 flags?, 04 authId?, ... },
 *            30 CommonDataObjectAttributes? (content ignored),
 *            A0 subclass? (ignored),
 *            A1 { 30 OidDO { 06 oid, [06 ...]*, 30 Path } } }
 *     Lenient where cards differ: label, flags, authId and the class
 *     attributes may be absent; extra 06 elements after the OID are skipped;
 *     an OID whose content is itself a whole "06 len oid" (double-wrapped) is
 *     unwrapped; unknown trailing elements in a SEQUENCE are ignored.
 *     Opaque (30) and external (A0) data objects are skipped by the iterator;
 *     a directly held value instead of a Path is DM_E_UNSUPPORTED.
 *     CommonObjectFlags (BIT STRING): bit 0 private, bit 1 modifiable.
 *   - INTEGER (index, length): non-negative, at most 32 bits (DM_E_VALUE).
 *   - OID content: 1..DM_P15_OID_MAX bytes, minimal base-128 subidentifiers
 *     of at most 32 bits (DM_E_VALUE).
 */
#ifndef DM_PKCS15_H
#define DM_PKCS15_H

#include "dm_common.h"
#include "tlv.h"

#define DM_P15_AID_MAX 16u
#define DM_P15_PATH_MAX 16u
#define DM_P15_OID_MAX 32u
/* Longest text of a DM_P15_OID_MAX-byte OID, with the NUL: at most four
 * characters per content byte ("127."), plus "2." before a long first arc. */
#define DM_P15_OID_TEXT_MAX (4u * DM_P15_OID_MAX + 4u)

/* CommonObjectFlags bits (PKCS#15 §6.1.4). */
#define DM_P15_FLAG_PRIVATE    0x01u
#define DM_P15_FLAG_MODIFIABLE 0x02u

/* PKCS15Objects choice tags of the ODF (PKCS#15 §6.2). */
enum dm_p15_odf_type {
	DM_P15_ODF_PRKDF = 0xA0,
	DM_P15_ODF_PUKDF = 0xA1,
	DM_P15_ODF_PUKDF_TRUSTED = 0xA2,
	DM_P15_ODF_SKDF = 0xA3,
	DM_P15_ODF_CDF = 0xA4,
	DM_P15_ODF_CDF_TRUSTED = 0xA5,
	DM_P15_ODF_CDF_USEFUL = 0xA6,
	DM_P15_ODF_DODF = 0xA7,
	DM_P15_ODF_AODF = 0xA8,
};

/* Path ::= SEQUENCE { efidOrPath OCTET STRING, index INTEGER OPTIONAL,
 *                     length [0] INTEGER OPTIONAL }  (PKCS#15 §6.1.5) */
typedef struct dm_p15_path {
	dm_bytes efid;     /* 2..16 bytes: FID, or FIDs from the MF / current DF */
	bool has_index, has_length;
	uint32_t index;    /* first byte of the object in the EF */
	uint32_t length;   /* its exact length: the device never guesses the end */
} dm_p15_path;

/* --- EF_DIR ------------------------------------------------------------ */

typedef struct dm_p15_app {
	dm_bytes aid;   /* 4F, 1..16 bytes, mandatory */
	dm_bytes label; /* 50, len 0 when absent */
	dm_bytes path;  /* 51, len 0 when absent */
} dm_p15_app;

/* Parse one EF_DIR record.  DM_E_TAG (not 61), DM_E_NOT_FOUND (no 4F),
 * DM_E_TRUNCATED (a TLV past the end), DM_E_VALUE (AID or path size),
 * DM_E_TRAILING (anything but 00/FF after the template). */
int dm_p15_dir_parse(const uint8_t *rec, size_t len, dm_p15_app *out);
/* Append 61 { 4F aid [50 label] [51 path] }. */
int dm_p15_dir_build(const dm_p15_app *app, dm_wbuf *out);

/* --- ODF --------------------------------------------------------------- */

typedef struct dm_p15_odf_entry {
	uint8_t type;     /* enum dm_p15_odf_type */
	dm_p15_path path;
} dm_p15_odf_entry;

/* Iterate with a dm_tlv_iter over the whole EF (dm_tlv_iter_init).
 * 1 and *out filled; 0 at the end; < 0 malformed.  After an error in an
 * entry whose TLV framing was intact the iterator has moved past it, so the
 * next call goes on with the following entry; a framing error repeats. */
int dm_p15_odf_next(dm_tlv_iter *it, dm_p15_odf_entry *out);
/* The path of the first entry of `type`; DM_E_NOT_FOUND if none. */
int dm_p15_odf_find(const uint8_t *odf, size_t len, uint8_t type, dm_p15_path *out);
/* Append type { 30 { 04 efid [02 index] [80 length] } }. */
int dm_p15_odf_build_entry(uint8_t type, const dm_p15_path *path, dm_wbuf *out);

/* --- DODF OID data objects --------------------------------------------- */

typedef struct dm_p15_dobj {
	dm_bytes label;     /* UTF8String content; len 0 when absent */
	uint8_t flags;      /* DM_P15_FLAG_* */
	dm_bytes auth_id;   /* the AODF PIN object guarding it; len 0 when absent */
	dm_bytes oid;       /* OID content bytes (no 06 header) */
	char oid_text[DM_P15_OID_TEXT_MAX]; /* "2.23.43.7.1"; parse only */
	dm_p15_path path;
} dm_p15_dobj;

/* Parse exactly one DODF object spanning in[0..len). DM_E_TAG for an object
 * that is not an oidDO (A1); DM_E_TRAILING if bytes follow. */
int dm_p15_dobj_parse(const uint8_t *in, size_t len, dm_p15_dobj *out);
/* Next oidDO of a whole DODF (padding 00/FF tolerated, other data object
 * types skipped): 1, 0 at the end, < 0 malformed (same rule as
 * dm_p15_odf_next: one bad object does not hide the ones after it). */
int dm_p15_dodf_next(dm_tlv_iter *it, dm_p15_dobj *out);
/* Append the DER of o (oid_text ignored; use dm_p15_oid_from_text).
 * The flags BIT STRING is always written (03 01 00 when no flag is set) and
 * the class attributes are an empty SEQUENCE, as in the DM bootstrap entry. */
int dm_p15_dobj_build(const dm_p15_dobj *o, dm_wbuf *out);

/* --- OBJECT IDENTIFIER -------------------------------------------------- */

/* Content bytes -> dotted text (X.690 §8.19). DM_E_VALUE, DM_E_OVERFLOW. */
int dm_p15_oid_to_text(const uint8_t *oid, size_t len, char *out, size_t cap);
/* Dotted text -> content bytes appended to out.  At least two arcs, first
 * 0..2, second < 40 under 0 and 1, every arc (and 40*a+b) < 2^32, no
 * leading zeros, nothing but digits and single dots: else DM_E_VALUE. */
int dm_p15_oid_from_text(const char *text, dm_wbuf *out);

#endif
