/*
 * arr.h - access rules as bytes (TS 102 221 §9.2; ISO/IEC 7816-4 §5.4.3):
 * the expanded format (EF_ARR records referenced by FCP tag 8B, or the
 * value of FCP tag AB), the compact format (FCP tag 8C) and 8B references.
 * A codec: parsing borrows from the input, building appends to a dm_wbuf;
 * no state, no I/O.  What the rules mean for a card session is
 * card/security.h's business.  docs/security.md.
 *
 * Expanded format: a sequence of access rules, each one access mode data
 * object (AM_DO) followed by one or more security condition data objects
 * (SC_DOs).  00/FF bytes between objects are padding (ISO 7816-4 §5.2.2:
 * EF_ARR records are padded with FF).
 *   AM_DO 80 01 AM-byte, or 81..8F: command header bytes, b4 CLA, b3 INS,
 *         b2 P1, b1 P2 of the tag saying which are present, in that order.
 *   SC_DO 90 00 always; 97 00 never; 9E 01 SC byte (compact coding);
 *         A4 CRT for authentication: 83 01 key ref, optionally 95 01 usage
 *         qualifier; A0 OR template; AF AND template; A7 NOT template;
 *         B4/B6/B8 CRTs for secure messaging.
 */
#ifndef DM_ARR_H
#define DM_ARR_H

#include "dm_common.h"

/* AM byte for an EF (ISO 7816-4 §5.4.3.2 table 17; TS 102 221 §9.2). */
#define DM_ARR_AM_EF_READ         0x01u /* READ BINARY/RECORD, SEARCH RECORD */
#define DM_ARR_AM_EF_UPDATE       0x02u /* UPDATE BINARY/RECORD, ERASE */
#define DM_ARR_AM_EF_WRITE        0x04u /* WRITE BINARY/RECORD, APPEND RECORD */
#define DM_ARR_AM_DEACTIVATE      0x08u /* EF and DF: DEACTIVATE FILE */
#define DM_ARR_AM_ACTIVATE        0x10u /* EF and DF: ACTIVATE FILE */
#define DM_ARR_AM_TERMINATE       0x20u /* EF: TERMINATE EF; DF: TERMINATE DF */
#define DM_ARR_AM_DELETE_SELF     0x40u /* EF and DF: DELETE FILE (self) */
/* AM byte for a DF (ISO 7816-4 §5.4.3.2 table 18). */
#define DM_ARR_AM_DF_DELETE_CHILD 0x01u /* DELETE FILE (child) */
#define DM_ARR_AM_DF_CREATE_EF    0x02u /* CREATE FILE (EF creation) */
#define DM_ARR_AM_DF_CREATE_DF    0x04u /* CREATE FILE (DF creation) */
/* b8 set: b7-b4 are proprietary, only b3-b1 keep their meaning. */
#define DM_ARR_AM_PROPRIETARY     0x80u

/* Data object tags. */
#define DM_ARR_TAG_AM_BYTE    0x80u
#define DM_ARR_TAG_AM_CMD_MIN 0x81u  /* 81..8F command header */
#define DM_ARR_TAG_AM_CMD_MAX 0x8Fu
#define DM_ARR_TAG_ALWAYS     0x90u
#define DM_ARR_TAG_NEVER      0x97u
#define DM_ARR_TAG_SC_BYTE    0x9Eu
#define DM_ARR_TAG_OR         0xA0u
#define DM_ARR_TAG_AUTH       0xA4u  /* CRT for authentication (user verification) */
#define DM_ARR_TAG_NOT        0xA7u
#define DM_ARR_TAG_AND        0xAFu
#define DM_ARR_TAG_KEYREF     0x83u  /* inside A4 */
#define DM_ARR_TAG_USAGE      0x95u  /* inside A4 */
#define DM_ARR_USAGE_USER_VERIFICATION 0x08u

/* Security condition byte (ISO 7816-4 §5.4.3.2 table 20). */
#define DM_ARR_SC_ALWAYS 0x00u
#define DM_ARR_SC_NEVER  0xFFu

/* Nesting of OR/AND/NOT templates a rule may use (deeper: DM_E_UNSUPPORTED). */
#define DM_ARR_MAX_DEPTH 8u

/* Command header bits of an AM_DO 81..8F tag. */
#define DM_ARR_CMD_CLA 0x08u
#define DM_ARR_CMD_INS 0x04u
#define DM_ARR_CMD_P1  0x02u
#define DM_ARR_CMD_P2  0x01u

/* One access rule of the expanded format. */
typedef struct dm_arr_rule {
	bool command;          /* false: AM byte; true: command header */
	uint8_t am;            /* AM byte (command == false) */
	uint8_t present;       /* command header: DM_ARR_CMD_* bits present */
	uint8_t cla, ins, p1, p2; /* the present ones; others 0 */
	const uint8_t *sc;     /* the SC_DOs that follow, borrowed */
	size_t sc_len;
} dm_arr_rule;

typedef struct dm_arr_iter {
	const uint8_t *p;
	size_t left;
} dm_arr_iter;

/* Iterate over the access rules of an expanded-format value. */
void dm_arr_iter_init(dm_arr_iter *it, const uint8_t *in, size_t len);
/*
 * 1 and *out filled: one rule (SC_DOs not looked into: see dm_arr_sc_next);
 * 0: end; < 0: malformed, and every further call fails the same way:
 *   DM_E_TRUNCATED/DM_E_LENGTH/DM_E_TAG  TLV damage (tlv.h)
 *   DM_E_VALUE     an SC_DO before any AM_DO, an AM_DO without SC_DO, an
 *                  AM_DO 80 not of length 1, a command header of the wrong
 *                  length
 *   DM_E_UNSUPPORTED another AM_DO (9C proprietary state machine, ...) or
 *                  any tag that is neither AM_DO nor SC_DO
 */
int dm_arr_next(dm_arr_iter *it, dm_arr_rule *out);

typedef enum dm_arr_sc_kind {
	DM_ARR_SC_KIND_ALWAYS,  /* 90 00 */
	DM_ARR_SC_KIND_NEVER,   /* 97 00 */
	DM_ARR_SC_KIND_BYTE,    /* 9E 01 xx */
	DM_ARR_SC_KIND_USER,    /* A4 { 83 01 kr [95 01 uq] } */
	DM_ARR_SC_KIND_OR,      /* A0 { SC_DOs } */
	DM_ARR_SC_KIND_AND,     /* AF { SC_DOs } */
	DM_ARR_SC_KIND_NOT,     /* A7 { SC_DOs } */
	DM_ARR_SC_KIND_CRT,     /* A4 with other content, B4/B6/B8: kept raw */
} dm_arr_sc_kind;

typedef struct dm_arr_sc {
	dm_arr_sc_kind kind;
	uint8_t tag;
	uint8_t sc_byte;       /* BYTE */
	uint8_t key_ref;       /* USER */
	bool has_usage;        /* USER: 95 present */
	uint8_t usage;
	const uint8_t *inner;  /* OR/AND/NOT/CRT: the value, borrowed */
	size_t inner_len;
} dm_arr_sc;

/* Iterate over a list of SC_DOs (dm_arr_rule.sc, or a template's inner). */
void dm_arr_sc_init(dm_arr_iter *it, const uint8_t *in, size_t len);
/* 1 and *out: one SC_DO; 0: end; < 0: malformed (TLV damage, 90/97 not
 * empty, 9E not 1 byte, A4 with 83 not of one byte or twice, 95 not of
 * one byte or twice, empty template (DM_E_VALUE); an AM_DO or unknown tag:
 * DM_E_UNSUPPORTED). */
int dm_arr_sc_next(dm_arr_iter *it, dm_arr_sc *out);

/* Walk a whole expanded-format value, every rule and every nested SC_DO
 * (depth <= DM_ARR_MAX_DEPTH): DM_OK or the first error.  An empty value
 * (or padding only) is DM_OK: it holds no rule. */
int dm_arr_validate(const uint8_t *in, size_t len);

/*
 * Compact format (TS 102 221 §9.2, ISO 7816-4 §5.4.3.2): one or more sets
 * of an AM byte followed by one SC byte per bit set in b7-b1, in the order
 * b7 down to b1.  Several sets are alternatives (TS 102 221: "they
 * represent an OR condition").
 */
typedef struct dm_arr_compact_set {
	uint8_t am;
	const uint8_t *sc;     /* borrowed; n bytes */
	size_t n;
} dm_arr_compact_set;

/* Iterate with a dm_arr_iter set up by dm_arr_iter_init.  1 and *out: one
 * set; 0: end; DM_E_TRUNCATED: a set lacks SC bytes (iteration stops). */
int dm_arr_compact_next(dm_arr_iter *it, dm_arr_compact_set *out);
/* The SC byte of AM bit `bit` (one of 0x01..0x40) in a set: DM_OK and *sc,
 * DM_E_NOT_FOUND when the AM byte lacks the bit, DM_E_ARG otherwise. */
int dm_arr_compact_sc(const dm_arr_compact_set *s, uint8_t bit, uint8_t *sc);
/* Whole compact value well formed (at least one set): DM_OK or error. */
int dm_arr_compact_validate(const uint8_t *in, size_t len);

/*
 * Referenced format, FCP tag 8B (TS 102 221 §11.1.1.4.7.3; ISO 7816-4
 * §5.4.3.4 table 25): value = FID of EF_ARR + record number (3 bytes), or
 * FID + pairs {SE id, record} (4, 6, ... bytes).  A one-byte value (record
 * of an implicit EF_ARR) is DM_E_UNSUPPORTED: TS 102 221 always names the
 * file.  Record 00 is DM_E_VALUE.
 * *pairs receives the SE/record pairs (len 0 for the 3-byte form).
 */
int dm_arr_ref_parse(const uint8_t *in, size_t len, uint16_t *fid, uint8_t *record,
		     dm_bytes *pairs);
/* The record number for security environment se among SE/record pairs:
 * DM_E_NOT_FOUND when se is not listed; DM_E_LENGTH for an odd length;
 * DM_E_VALUE for record 00. */
int dm_arr_ref_record(dm_bytes pairs, uint8_t se, uint8_t *record);

/* Encoders for rule values (EF_ARR records, AB values). */
int dm_arr_put_am(dm_wbuf *w, uint8_t am);         /* 80 01 am */
int dm_arr_put_am_ins(dm_wbuf *w, uint8_t ins);    /* 84 01 ins */
int dm_arr_put_always(dm_wbuf *w);                 /* 90 00 */
int dm_arr_put_never(dm_wbuf *w);                  /* 97 00 */
/* A4 06 83 01 kr 95 01 08: user verification with key reference kr. */
int dm_arr_put_user(dm_wbuf *w, uint8_t key_ref);

#endif
