/*
 * fcp.h - File Control Parameters template '62' (ETSI TS 102 221 §11.1.1.3),
 * as returned by SELECT with P2 = 04 and as given to CREATE FILE (TS 102 222).
 *
 * Parsing fills a dm_fcp whose dm_bytes fields borrow from the input buffer.
 * Building writes the template into a caller dm_wbuf, in the order of
 * TS 102 221 tables 11.1.1.3.1 (MF/DF/ADF) and 11.1.1.3.2 (EF):
 *   DF: 82 83 84 A5 8A 8B|8C|AB C6 81
 *   EF: 82 83 A5 8A 8B|8C|AB 80 81 88
 * Parsing accepts any order and skips unknown data objects (ISO 7816-4 §5.3.3),
 * but rejects a repeated known one.  Which objects TS 102 221 makes mandatory
 * is checked by dm_fcp_check(), not by the parser (docs/proto.md, "FCP").
 */
#ifndef DM_FCP_H
#define DM_FCP_H

#include "dm_common.h"

#define DM_FCP_TAG 0x62
/* TS 102 221 §11.1.1.3.0: the template length is coded on 1 or 2 bytes. */
#define DM_FCP_MAX_LEN 255u
#define DM_FCP_AID_MAX 16u
/* Key references one C6 template may list (TS 102 221 §9.5.1 defines 26). */
#define DM_FCP_MAX_PINS 16u

/* File descriptor byte (TS 102 221 §11.1.1.4.3, table 11.5). */
#define DM_FCP_FDB_SHAREABLE     0x40u /* b7 */
#define DM_FCP_FDB_TYPE_MASK     0x38u /* b6-b4: 000 working EF, 001 internal EF, 111 DF */
#define DM_FCP_FDB_TYPE_INTERNAL 0x08u
#define DM_FCP_FDB_DF            0x38u /* DF or ADF (structure bits 000) */
#define DM_FCP_FDB_TRANSPARENT   0x01u
#define DM_FCP_FDB_LINEAR_FIXED  0x02u
#define DM_FCP_FDB_CYCLIC        0x06u
#define DM_FCP_FDB_BER_TLV       0x39u /* b6-b1 = 111001 */
#define DM_FCP_DATA_CODING       0x21u /* the only data coding byte TS 102 221 uses */

typedef enum dm_fcp_structure {
	DM_FCP_STRUCT_DF,
	DM_FCP_STRUCT_TRANSPARENT,
	DM_FCP_STRUCT_LINEAR_FIXED,
	DM_FCP_STRUCT_CYCLIC,
	DM_FCP_STRUCT_BER_TLV,
	DM_FCP_STRUCT_RFU,       /* b8 set, type 010..110, or EF structure 000/011/100/101/111 */
} dm_fcp_structure;

/* Life cycle status integer, tag 8A (TS 102 221 §11.1.1.4.9). */
typedef enum dm_fcp_lcs {
	DM_FCP_LCS_NO_INFO,        /* 00 */
	DM_FCP_LCS_CREATION,       /* 01 */
	DM_FCP_LCS_INITIALISATION, /* 03 */
	DM_FCP_LCS_ACTIVATED,      /* 05, 07: operational state, activated */
	DM_FCP_LCS_DEACTIVATED,    /* 04, 06: operational state, deactivated */
	DM_FCP_LCS_TERMINATED,     /* 0C..0F */
	DM_FCP_LCS_PROPRIETARY,    /* b8-b5 not all 0 */
	DM_FCP_LCS_RFU,            /* 02, 08..0B */
} dm_fcp_lcs;

#define DM_FCP_LCSI_CREATION       0x01u
#define DM_FCP_LCSI_INITIALISATION 0x03u
#define DM_FCP_LCSI_ACTIVATED      0x05u
#define DM_FCP_LCSI_DEACTIVATED    0x04u
#define DM_FCP_LCSI_TERMINATED     0x0Cu

/* Which security attribute object the file carries (TS 102 221 §11.1.1.4.7). */
typedef enum dm_fcp_sec {
	DM_FCP_SEC_NONE,        /* absent (TS 102 221 requires one: see dm_fcp_check) */
	DM_FCP_SEC_REFERENCED,  /* 8B: EF_ARR file id + record number, or + SE/record pairs */
	DM_FCP_SEC_COMPACT,     /* 8C: AM byte + SC bytes, kept raw */
	DM_FCP_SEC_EXPANDED,    /* AB: AM_DO/SC_DO list, kept raw */
} dm_fcp_sec;

/* SFI, tag 88 (TS 102 221 §11.1.1.4.8). */
typedef enum dm_fcp_sfi_mode {
	DM_FCP_SFI_DEFAULT, /* 88 absent: the SFI is the 5 low bits of the FID */
	DM_FCP_SFI_NONE,    /* 88 00: the EF has no SFI */
	DM_FCP_SFI_VALUE,   /* 88 01 xx: SFI in b8-b4 of xx */
} dm_fcp_sfi_mode;

/* One key reference of the PIN status template DO C6 (TS 102 221 §9.5.2). */
typedef struct dm_fcp_pin {
	uint8_t key_ref;       /* 83: 01..08, 0A..0E, 81..88, 8A..8E */
	bool enabled;          /* its bit in the PS_DO (90), b8 of byte 1 = first key */
	bool has_usage;        /* a 95 usage qualifier precedes the 83 */
	uint8_t usage;         /* 95: 08 = user verification (PIN) */
} dm_fcp_pin;

typedef struct dm_fcp {
	/* 82 file descriptor (mandatory). */
	uint8_t fdb;
	uint8_t data_coding;   /* 21 */
	uint16_t record_len;   /* linear fixed and cyclic only (82 of length 5) */
	uint8_t record_count;

	bool has_fid;          /* 83 */
	uint16_t fid;
	dm_bytes df_name;      /* 84: AID, 1..16 bytes; len 0 = absent */

	/* A5 proprietary information (TS 102 221 §11.1.1.4.6): the subset below is
	 * parsed and built; proprietary_raw is the whole A5 value (parse only, so
	 * callers can look up other DOs with dm_tlv_find; build ignores it). */
	bool has_proprietary;
	bool has_uicc_chars;   /* A5/80: UICC characteristics (MF) */
	uint8_t uicc_chars;
	bool has_free_mem;     /* A5/83: amount of available memory (DF) */
	uint32_t free_mem;
	bool has_file_details; /* A5/84: file details (EF: b1 = DER coding only) */
	uint8_t file_details;
	dm_bytes proprietary_raw;

	bool has_lcsi;         /* 8A */
	uint8_t lcsi;

	dm_fcp_sec sec;        /* 8B / 8C / AB */
	uint16_t arr_fid;      /* 8B: EF_ARR file id */
	uint8_t arr_record;    /* 8B, short form: record number */
	dm_bytes arr_se_records; /* 8B, SE form: pairs {SE number, record}; len 0 = short form */
	dm_bytes sec_raw;      /* 8C / AB: value bytes as is */

	bool has_size;         /* 80: file size (EF body bytes) */
	uint32_t size;
	bool has_total_size;   /* 81: total file size (incl. structural overhead) */
	uint32_t total_size;

	dm_fcp_sfi_mode sfi_mode; /* 88 */
	uint8_t sfi;           /* 1..30 when sfi_mode == DM_FCP_SFI_VALUE */

	bool has_pin_status;   /* C6 */
	size_t pin_count;
	dm_fcp_pin pins[DM_FCP_MAX_PINS];
} dm_fcp;

/*
 * Parse a whole FCP template (62 L ...) occupying exactly in[0..len).
 * Errors, first found wins:
 *   DM_E_TAG        outer tag is not 62; a known DO repeated; more than one
 *                   security attribute DO; 90/95/83 misplaced in C6
 *   DM_E_TRUNCATED  a length runs past the input
 *   DM_E_TRAILING   bytes after the template
 *   DM_E_LENGTH     template longer than 255; a DO of the wrong length
 *                   (82 not 2/5, 83 not 2, 84 not 1..16, 8A not 1, 8B not
 *                   3 or 2+2n, 88 not 0/1, 80/81/A5-83 empty, ...)
 *   DM_E_VALUE      a file descriptor byte TS 102 221 table 11.5 reserves;
 *                   82 of 5 bytes for a non-record file (or 2 for a record
 *                   file); record length or count 0; SFI 0/31 or low bits
 *                   set; PS_DO shorter than the key list; 95 not followed by 83
 *   DM_E_UNSUPPORTED a size that does not fit 32 bits; more than
 *                   DM_FCP_MAX_PINS key references
 *   DM_E_NOT_FOUND  no 82 (the only DO every FCP has: ISO 7816-4 §5.3.3)
 */
int dm_fcp_parse(const uint8_t *in, size_t len, dm_fcp *out);

/*
 * Encode f as a 62 template.  Fields are checked like the parser checks them
 * (DM_E_VALUE / DM_E_LENGTH); a DF with 80 or 88, or an EF with 84 or C6, is
 * DM_E_VALUE.  DM_E_OVERFLOW if out is too small, DM_E_LENGTH if the template
 * would exceed 255 bytes.  On failure out->len is unchanged.
 * data_coding 0 is written as 21.  Sizes (80, 81, A5/83) are written on the
 * fewest bytes, at least 2.  The PS_DO is as short as the key list allows.
 */
int dm_fcp_build(const dm_fcp *f, dm_wbuf *out);

/*
 * TS 102 221 §11.1.1.3 mandatory objects: 82, 8A and a security attribute for
 * every file; 83 and 80 for an EF; C6 for a DF; 83 for MF and DF, 84 for an
 * ADF (a DF with no 83 must have 84); A5/80 UICC characteristics for the MF
 * (FID 3F00).  DM_E_NOT_FOUND when one is missing.
 */
int dm_fcp_check(const dm_fcp *f);

dm_fcp_structure dm_fcp_structure_of(uint8_t fdb);
bool dm_fcp_is_df(const dm_fcp *f);
/* The life cycle state coded by an 8A byte (TS 102 221 §11.1.1.4.9). */
dm_fcp_lcs dm_fcp_life_cycle(uint8_t lcsi);
/* The SFI a READ with P1 b8 = 1 may use: 0 when the EF has none (88 00, or a DF). */
uint8_t dm_fcp_effective_sfi(const dm_fcp *f);

#endif
