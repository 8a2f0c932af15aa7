/*
 * fcp.c - FCP template codec (ETSI TS 102 221 §11.1.1.3, §11.1.1.4).
 * Decisions are in fcp.h and docs/proto.md ("FCP").
 */
#include "fcp.h"

#include <string.h>

#include "tlv.h"

/* The data objects the parser knows, one bit each, to catch repeats. */
enum {
	SEEN_82 = 1u << 0, SEEN_83 = 1u << 1, SEEN_84 = 1u << 2, SEEN_A5 = 1u << 3,
	SEEN_8A = 1u << 4, SEEN_SEC = 1u << 5, SEEN_80 = 1u << 6, SEEN_81 = 1u << 7,
	SEEN_88 = 1u << 8, SEEN_C6 = 1u << 9,
};

/* A5 sub-objects (TS 102 221 §11.1.1.4.6). */
#define A5_UICC_CHARS   0x80u
#define A5_FREE_MEM     0x83u
#define A5_FILE_DETAILS 0x84u
/* C6 sub-objects (TS 102 221 §9.5.2, ISO 7816-4 §7.5). */
#define PS_DO           0x90u
#define PS_USAGE        0x95u
#define PS_KEY_REF      0x83u

/* Sizes are written on at least this many bytes: TS 102 221's own examples
 * (80 02 08 00) and most cards do so even for small values. */
#define SIZE_MIN_BYTES 2u

dm_fcp_structure dm_fcp_structure_of(uint8_t fdb)
{
	if (fdb & 0x80)
		return DM_FCP_STRUCT_RFU;
	if ((fdb & 0x3F) == DM_FCP_FDB_BER_TLV)
		return DM_FCP_STRUCT_BER_TLV;
	switch (fdb & DM_FCP_FDB_TYPE_MASK) {
	case DM_FCP_FDB_DF:
		return (fdb & 0x07) == 0 ? DM_FCP_STRUCT_DF : DM_FCP_STRUCT_RFU;
	case 0x00:
	case DM_FCP_FDB_TYPE_INTERNAL:
		break;
	default:
		return DM_FCP_STRUCT_RFU;
	}
	switch (fdb & 0x07) {
	case DM_FCP_FDB_TRANSPARENT: return DM_FCP_STRUCT_TRANSPARENT;
	case DM_FCP_FDB_LINEAR_FIXED: return DM_FCP_STRUCT_LINEAR_FIXED;
	case DM_FCP_FDB_CYCLIC: return DM_FCP_STRUCT_CYCLIC;
	default: return DM_FCP_STRUCT_RFU;
	}
}

static bool is_record(dm_fcp_structure s)
{
	return s == DM_FCP_STRUCT_LINEAR_FIXED || s == DM_FCP_STRUCT_CYCLIC;
}

bool dm_fcp_is_df(const dm_fcp *f)
{
	return dm_fcp_structure_of(f->fdb) == DM_FCP_STRUCT_DF;
}

dm_fcp_lcs dm_fcp_life_cycle(uint8_t lcsi)
{
	if (lcsi & 0xF0)
		return DM_FCP_LCS_PROPRIETARY;
	if (lcsi == 0x00)
		return DM_FCP_LCS_NO_INFO;
	if (lcsi == 0x01)
		return DM_FCP_LCS_CREATION;
	if (lcsi == 0x03)
		return DM_FCP_LCS_INITIALISATION;
	if ((lcsi & 0x0C) == 0x0C)
		return DM_FCP_LCS_TERMINATED;            /* 0000 11xx */
	if ((lcsi & 0x0C) == 0x04)                       /* 0000 01xy */
		return (lcsi & 0x01) ? DM_FCP_LCS_ACTIVATED : DM_FCP_LCS_DEACTIVATED;
	return DM_FCP_LCS_RFU;                           /* 02, 08..0B */
}

uint8_t dm_fcp_effective_sfi(const dm_fcp *f)
{
	if (dm_fcp_is_df(f))
		return 0;
	switch (f->sfi_mode) {
	case DM_FCP_SFI_VALUE:
		return f->sfi;
	case DM_FCP_SFI_DEFAULT:
		/* TS 102 221 §11.1.1.4.8: absent 88 = the 5 low bits of the FID. */
		return f->has_fid ? (uint8_t)(f->fid & 0x1F) : 0;
	case DM_FCP_SFI_NONE:
		break;
	}
	return 0;
}

/* Unsigned big-endian integer of 1 or more bytes; leading zero bytes beyond
 * 4 are tolerated (BER "X bytes"), a value above 32 bits is not. */
static int get_uint(const dm_tlv *t, uint32_t *v)
{
	const uint8_t *p = t->value;
	size_t n = t->len;

	if (n == 0)
		return DM_E_LENGTH;
	while (n > 4 && *p == 0) {
		p++;
		n--;
	}
	if (n > 4)
		return DM_E_UNSUPPORTED;
	*v = 0;
	for (size_t i = 0; i < n; i++)
		*v = (*v << 8) | p[i];
	return DM_OK;
}

/* All of v[0..len) is a sequence of well-formed BER-TLVs. */
static int check_tlv_list(const uint8_t *v, size_t len)
{
	dm_tlv_iter it;
	dm_tlv t;
	int rc;

	dm_tlv_iter_init(&it, v, len);
	while ((rc = dm_tlv_next(&it, &t)) == 1)
		;
	return rc;
}

static int parse_descriptor(const dm_tlv *t, dm_fcp *f)
{
	dm_fcp_structure s;

	/* TS 102 221 §11.1.1.4.3: 2 bytes, or 5 for record files. */
	if (t->len != 2 && t->len != 5)
		return DM_E_LENGTH;
	f->fdb = t->value[0];
	f->data_coding = t->value[1];
	s = dm_fcp_structure_of(f->fdb);
	if (s == DM_FCP_STRUCT_RFU)
		return DM_E_VALUE;
	if (is_record(s) != (t->len == 5))
		return DM_E_VALUE;
	if (t->len == 5) {
		f->record_len = dm_get_u16be(t->value + 2);
		f->record_count = t->value[4];
		if (f->record_len == 0 || f->record_count == 0)
			return DM_E_VALUE;
	}
	return DM_OK;
}

static int parse_proprietary(const dm_tlv *a5, dm_fcp *f)
{
	unsigned seen = 0;
	dm_tlv_iter it;
	dm_tlv t;
	int rc;

	f->has_proprietary = true;
	f->proprietary_raw = dm_bytes_of(a5->value, a5->len);
	dm_tlv_iter_init(&it, a5->value, a5->len);
	while ((rc = dm_tlv_next(&it, &t)) == 1) {
		unsigned bit;

		switch (t.tag) {
		case A5_UICC_CHARS: bit = 1; break;
		case A5_FREE_MEM: bit = 2; break;
		case A5_FILE_DETAILS: bit = 4; break;
		default: continue; /* other A5 DOs: see proprietary_raw */
		}
		if (seen & bit)
			return DM_E_TAG;
		seen |= bit;
		if (t.tag == A5_FREE_MEM) {
			rc = get_uint(&t, &f->free_mem);
			if (rc != DM_OK)
				return rc;
			f->has_free_mem = true;
			continue;
		}
		if (t.len != 1)
			return DM_E_LENGTH;
		if (t.tag == A5_UICC_CHARS) {
			f->has_uicc_chars = true;
			f->uicc_chars = t.value[0];
		} else {
			f->has_file_details = true;
			f->file_details = t.value[0];
		}
	}
	return rc;
}

/* 8B: FID + record, or FID + {SE number, record}... (TS 102 221 §11.1.1.4.7.3). */
static int parse_referenced(const dm_tlv *t, dm_fcp *f)
{
	if (t->len < 3 || (t->len > 3 && (t->len % 2) != 0))
		return DM_E_LENGTH;
	f->arr_fid = dm_get_u16be(t->value);
	if (t->len == 3)
		f->arr_record = t->value[2];
	else
		f->arr_se_records = dm_bytes_of(t->value + 2, t->len - 2);
	return DM_OK;
}

/* C6: 90 PS_DO, then per key reference [95 usage] 83 key (TS 102 221 §9.5.2). */
static int parse_pin_status(const dm_tlv *c6, dm_fcp *f)
{
	dm_tlv_iter it;
	dm_tlv t, ps;
	bool usage_pending = false;
	uint8_t usage = 0;
	int rc;

	dm_tlv_iter_init(&it, c6->value, c6->len);
	rc = dm_tlv_next(&it, &ps);
	if (rc < 0)
		return rc;
	if (rc == 0 || ps.tag != PS_DO)
		return DM_E_TAG;
	if (ps.len == 0)
		return DM_E_LENGTH;
	f->has_pin_status = true;
	f->pin_count = 0;
	while ((rc = dm_tlv_next(&it, &t)) == 1) {
		if (t.tag != PS_USAGE && t.tag != PS_KEY_REF)
			return DM_E_TAG;
		if (t.len != 1)
			return DM_E_LENGTH;
		if (t.tag == PS_USAGE) {
			if (usage_pending)
				return DM_E_VALUE;
			usage_pending = true;
			usage = t.value[0];
			continue;
		}
		if (f->pin_count == DM_FCP_MAX_PINS)
			return DM_E_UNSUPPORTED;
		if (f->pin_count >= ps.len * 8)
			return DM_E_VALUE; /* no PS_DO bit left for this key */
		dm_fcp_pin *p = &f->pins[f->pin_count];
		p->key_ref = t.value[0];
		p->enabled = (ps.value[f->pin_count / 8] & (0x80u >> (f->pin_count % 8))) != 0;
		p->has_usage = usage_pending;
		p->usage = usage;
		usage_pending = false;
		f->pin_count++;
	}
	if (rc < 0)
		return rc;
	return usage_pending ? DM_E_VALUE : DM_OK;
}

static int parse_sfi(const dm_tlv *t, dm_fcp *f)
{
	if (t->len == 0) {
		f->sfi_mode = DM_FCP_SFI_NONE;
		return DM_OK;
	}
	if (t->len != 1)
		return DM_E_LENGTH;
	/* b8-b4 = SFI 1..30, b3-b1 = 000 (TS 102 221 §11.1.1.4.8). */
	f->sfi = t->value[0] >> 3;
	if ((t->value[0] & 0x07) != 0 || f->sfi == 0 || f->sfi == 31)
		return DM_E_VALUE;
	f->sfi_mode = DM_FCP_SFI_VALUE;
	return DM_OK;
}

static int parse_one(const dm_tlv *t, dm_fcp *f)
{
	switch (t->tag) {
	case 0x82:
		return parse_descriptor(t, f);
	case 0x83:
		if (t->len != 2)
			return DM_E_LENGTH;
		f->has_fid = true;
		f->fid = dm_get_u16be(t->value);
		return DM_OK;
	case 0x84:
		if (t->len == 0 || t->len > DM_FCP_AID_MAX)
			return DM_E_LENGTH;
		f->df_name = dm_bytes_of(t->value, t->len);
		return DM_OK;
	case 0xA5:
		return parse_proprietary(t, f);
	case 0x8A:
		if (t->len != 1)
			return DM_E_LENGTH;
		f->has_lcsi = true;
		f->lcsi = t->value[0];
		return DM_OK;
	case 0x8B:
		f->sec = DM_FCP_SEC_REFERENCED;
		return parse_referenced(t, f);
	case 0x8C:
	case 0xAB:
		/* 8C needs at least the AM byte (ISO 7816-4 §5.4.3.1); AB at least
		 * one AM_DO, and its content must be BER-TLV. */
		if (t->len == 0)
			return DM_E_LENGTH;
		f->sec = t->tag == 0x8C ? DM_FCP_SEC_COMPACT : DM_FCP_SEC_EXPANDED;
		f->sec_raw = dm_bytes_of(t->value, t->len);
		return t->tag == 0xAB ? check_tlv_list(t->value, t->len) : DM_OK;
	case 0x80:
		f->has_size = true;
		return get_uint(t, &f->size);
	case 0x81:
		f->has_total_size = true;
		return get_uint(t, &f->total_size);
	case 0x88:
		return parse_sfi(t, f);
	case 0xC6:
		return parse_pin_status(t, f);
	}
	return DM_OK;
}

static unsigned seen_bit(uint32_t tag)
{
	switch (tag) {
	case 0x82: return SEEN_82;
	case 0x83: return SEEN_83;
	case 0x84: return SEEN_84;
	case 0xA5: return SEEN_A5;
	case 0x8A: return SEEN_8A;
	case 0x8B: case 0x8C: case 0xAB: return SEEN_SEC;
	case 0x80: return SEEN_80;
	case 0x81: return SEEN_81;
	case 0x88: return SEEN_88;
	case 0xC6: return SEEN_C6;
	}
	return 0;
}

int dm_fcp_parse(const uint8_t *in, size_t len, dm_fcp *out)
{
	unsigned seen = 0;
	dm_tlv outer, t;
	dm_tlv_iter it;
	int rc;

	if ((in == NULL && len != 0) || out == NULL)
		return DM_E_ARG;
	memset(out, 0, sizeof *out);
	rc = dm_tlv_parse_exact(in, len, &outer);
	if (rc != DM_OK)
		return rc;
	if (outer.tag != DM_FCP_TAG)
		return DM_E_TAG;
	if (outer.len > DM_FCP_MAX_LEN)
		return DM_E_LENGTH;
	dm_tlv_iter_init(&it, outer.value, outer.len);
	while ((rc = dm_tlv_next(&it, &t)) == 1) {
		unsigned bit = seen_bit(t.tag);

		if (bit == 0)
			continue; /* ISO 7816-4 §5.3.3: unknown DOs are ignored */
		if (seen & bit)
			return DM_E_TAG;
		seen |= bit;
		rc = parse_one(&t, out);
		if (rc != DM_OK)
			return rc;
	}
	if (rc < 0)
		return rc;
	return (seen & SEEN_82) ? DM_OK : DM_E_NOT_FOUND;
}

int dm_fcp_check(const dm_fcp *f)
{
	if (f == NULL)
		return DM_E_ARG;
	if (!f->has_lcsi || f->sec == DM_FCP_SEC_NONE)
		return DM_E_NOT_FOUND;
	if (!dm_fcp_is_df(f))
		return f->has_fid && f->has_size ? DM_OK : DM_E_NOT_FOUND;
	if (!f->has_pin_status)
		return DM_E_NOT_FOUND;
	if (!f->has_fid && f->df_name.len == 0)
		return DM_E_NOT_FOUND;
	if (f->has_fid && f->fid == 0x3F00 && !f->has_uicc_chars)
		return DM_E_NOT_FOUND;
	return DM_OK;
}

/* Size-type integer on the fewest bytes, at least SIZE_MIN_BYTES. */
static int put_size(dm_wbuf *w, uint32_t tag, uint32_t v)
{
	uint8_t b[4];
	size_t n = 4;

	dm_put_u32be(b, v);
	while (n > SIZE_MIN_BYTES && b[4 - n] == 0)
		n--;
	return dm_tlv_put(w, tag, b + 4 - n, n);
}

static int put_descriptor(dm_wbuf *w, const dm_fcp *f)
{
	uint8_t d[5];
	dm_fcp_structure s = dm_fcp_structure_of(f->fdb);

	if (s == DM_FCP_STRUCT_RFU)
		return DM_E_VALUE;
	d[0] = f->fdb;
	d[1] = f->data_coding != 0 ? f->data_coding : DM_FCP_DATA_CODING;
	if (!is_record(s))
		return dm_tlv_put(w, 0x82, d, 2);
	if (f->record_len == 0 || f->record_count == 0)
		return DM_E_VALUE;
	dm_put_u16be(d + 2, f->record_len);
	d[4] = f->record_count;
	return dm_tlv_put(w, 0x82, d, 5);
}

static int put_proprietary(dm_wbuf *w, const dm_fcp *f)
{
	size_t m;
	int rc;

	if (!f->has_uicc_chars && !f->has_free_mem && !f->has_file_details)
		return DM_OK;
	rc = dm_tlv_begin(w, 0xA5, &m);
	if (rc == DM_OK && f->has_uicc_chars)
		rc = dm_tlv_put_u8(w, A5_UICC_CHARS, f->uicc_chars);
	if (rc == DM_OK && f->has_free_mem)
		rc = put_size(w, A5_FREE_MEM, f->free_mem);
	if (rc == DM_OK && f->has_file_details)
		rc = dm_tlv_put_u8(w, A5_FILE_DETAILS, f->file_details);
	return rc == DM_OK ? dm_tlv_end(w, m) : rc;
}

static int put_security(dm_wbuf *w, const dm_fcp *f)
{
	uint8_t ref[3];
	size_t m;
	int rc;

	switch (f->sec) {
	case DM_FCP_SEC_NONE:
		return DM_OK;
	case DM_FCP_SEC_REFERENCED:
		dm_put_u16be(ref, f->arr_fid);
		if (f->arr_se_records.len == 0) {
			ref[2] = f->arr_record;
			return dm_tlv_put(w, 0x8B, ref, 3);
		}
		if (f->arr_se_records.ptr == NULL || f->arr_se_records.len % 2 != 0)
			return DM_E_VALUE;
		rc = dm_tlv_begin(w, 0x8B, &m);
		if (rc == DM_OK)
			rc = dm_wbuf_put(w, ref, 2);
		if (rc == DM_OK)
			rc = dm_wbuf_put(w, f->arr_se_records.ptr, f->arr_se_records.len);
		return rc == DM_OK ? dm_tlv_end(w, m) : rc;
	case DM_FCP_SEC_COMPACT:
	case DM_FCP_SEC_EXPANDED:
		if (f->sec_raw.len == 0 || f->sec_raw.ptr == NULL)
			return DM_E_VALUE;
		if (f->sec == DM_FCP_SEC_EXPANDED) {
			if (check_tlv_list(f->sec_raw.ptr, f->sec_raw.len) != DM_OK)
				return DM_E_VALUE;
			return dm_tlv_put(w, 0xAB, f->sec_raw.ptr, f->sec_raw.len);
		}
		return dm_tlv_put(w, 0x8C, f->sec_raw.ptr, f->sec_raw.len);
	}
	return DM_E_VALUE;
}

static int put_pin_status(dm_wbuf *w, const dm_fcp *f)
{
	uint8_t ps[(DM_FCP_MAX_PINS + 7) / 8] = { 0 };
	size_t m, nps;
	int rc;

	if (!f->has_pin_status)
		return DM_OK;
	if (f->pin_count > DM_FCP_MAX_PINS)
		return DM_E_VALUE;
	for (size_t i = 0; i < f->pin_count; i++)
		if (f->pins[i].enabled)
			ps[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	nps = f->pin_count == 0 ? 1 : (f->pin_count + 7) / 8;
	rc = dm_tlv_begin(w, 0xC6, &m);
	if (rc == DM_OK)
		rc = dm_tlv_put(w, PS_DO, ps, nps);
	for (size_t i = 0; rc == DM_OK && i < f->pin_count; i++) {
		if (f->pins[i].has_usage)
			rc = dm_tlv_put_u8(w, PS_USAGE, f->pins[i].usage);
		if (rc == DM_OK)
			rc = dm_tlv_put_u8(w, PS_KEY_REF, f->pins[i].key_ref);
	}
	return rc == DM_OK ? dm_tlv_end(w, m) : rc;
}

static int put_sfi(dm_wbuf *w, const dm_fcp *f)
{
	switch (f->sfi_mode) {
	case DM_FCP_SFI_DEFAULT:
		return DM_OK;
	case DM_FCP_SFI_NONE:
		return dm_tlv_put(w, 0x88, NULL, 0);
	case DM_FCP_SFI_VALUE:
		if (f->sfi == 0 || f->sfi >= 31)
			return DM_E_VALUE;
		return dm_tlv_put_u8(w, 0x88, (uint8_t)(f->sfi << 3));
	}
	return DM_E_VALUE;
}

/* Objects a file of this kind cannot carry (TS 102 221 §11.1.1.3 tables). */
static int check_build_fields(const dm_fcp *f, bool df)
{
	if (f->df_name.len > DM_FCP_AID_MAX || (f->df_name.len != 0 && f->df_name.ptr == NULL))
		return DM_E_LENGTH;
	if (df && (f->has_size || f->sfi_mode != DM_FCP_SFI_DEFAULT))
		return DM_E_VALUE;
	if (!df && (f->df_name.len != 0 || f->has_pin_status))
		return DM_E_VALUE;
	return DM_OK;
}

int dm_fcp_build(const dm_fcp *f, dm_wbuf *out)
{
	size_t start, m;
	bool df;
	int rc;

	if (f == NULL || out == NULL)
		return DM_E_ARG;
	start = out->len;
	df = dm_fcp_is_df(f);
	rc = check_build_fields(f, df);
	if (rc != DM_OK)
		return rc;
	rc = dm_tlv_begin(out, DM_FCP_TAG, &m);
	if (rc == DM_OK)
		rc = put_descriptor(out, f);
	if (rc == DM_OK && f->has_fid)
		rc = dm_tlv_put(out, 0x83, (uint8_t[]){ (uint8_t)(f->fid >> 8), (uint8_t)f->fid }, 2);
	if (rc == DM_OK && f->df_name.len != 0)
		rc = dm_tlv_put(out, 0x84, f->df_name.ptr, f->df_name.len);
	if (rc == DM_OK)
		rc = put_proprietary(out, f);
	if (rc == DM_OK && f->has_lcsi)
		rc = dm_tlv_put_u8(out, 0x8A, f->lcsi);
	if (rc == DM_OK)
		rc = put_security(out, f);
	if (rc == DM_OK)
		rc = put_pin_status(out, f);
	if (rc == DM_OK && f->has_size)
		rc = put_size(out, 0x80, f->size);
	if (rc == DM_OK && f->has_total_size)
		rc = put_size(out, 0x81, f->total_size);
	if (rc == DM_OK)
		rc = put_sfi(out, f);
	if (rc == DM_OK)
		rc = dm_tlv_end(out, m);
	if (rc == DM_OK) {
		dm_tlv t;

		rc = dm_tlv_parse_exact(out->ptr + start, out->len - start, &t);
		if (rc == DM_OK && t.len > DM_FCP_MAX_LEN)
			rc = DM_E_LENGTH;
	}
	if (rc != DM_OK)
		out->len = start;
	return rc;
}
