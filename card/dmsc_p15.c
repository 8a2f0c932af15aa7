/*
 * dmsc_p15.c - the PKCS#15 application's index of provisioning objects
 * (dmsc.h; PKCS#15 v1.1 §6, ISO/IEC 7816-15): EF_ODF, EF_TokenInfo,
 * EF_AODF and EF_DODF in ADF PKCS15, and the MOs the DODF points at.
 *
 * EF_DODF is the card's list of provisioning objects: one oidDO per object
 * with a Path carrying index 0 and the exact length, so the device reads
 * exactly the object (GEN-17).  The DER comes from proto/pkcs15 and the
 * BER-TLV encoder of proto/tlv, never from hand-assembled bytes.
 */
#include "dmsc.h"

#include <stdlib.h>
#include <string.h>

#include "pkcs15.h"
#include "tlv.h"

#define DODF_MAX 4096u

static const uint8_t dodf_path[] = { 0x7F, 0x50, 0x64, 0x30 };

static int sw_err(uint16_t sw)
{
	switch (sw) {
	case 0x9000u:
		return DM_OK;
	case 0x6A84u:
		return DM_E_NOMEM;
	case 0x6A82u:
		return DM_E_NOT_FOUND;
	case 0x6700u:
		return DM_E_LENGTH;
	case 0x6A89u:
		return DM_E_STATE;
	default:
		return DM_E_IO;
	}
}

/* Write buf into the EF at path and FF-fill the rest of it. */
static int put_padded(dm_applet_ctx *ctx, const uint8_t *path, size_t plen, const uint8_t *buf,
		      size_t n)
{
	uint32_t size;
	int rc = dm_fs_size_at(ctx, path, plen, &size);

	if (rc != DM_OK)
		return rc;
	if (n > size)
		return DM_E_NOMEM;
	uint8_t *tmp = malloc(size);
	if (tmp == NULL)
		return DM_E_NOMEM;
	memcpy(tmp, buf, n);
	memset(tmp + n, 0xFF, size - n);
	rc = sw_err(dm_fs_load_at(ctx, path, plen, 0, dm_bytes_of(tmp, size)));
	free(tmp);
	return rc;
}

/* PKCS#15 §6.8 PinAttributes inside pinAuthObj 30 {...}. */
static int aodf_pin(dm_wbuf *w, const char *label, uint8_t auth_id, uint8_t key_ref, bool local)
{
	size_t m0, m1, m2, m3;
	uint8_t bits = 2; /* unused bits of the pinFlags byte */
	int rc = dm_tlv_begin(w, 0x30, &m0);

	if (rc == DM_OK)
		rc = dm_tlv_begin(w, 0x30, &m1);
	if (rc == DM_OK)
		rc = dm_tlv_put(w, 0x0C, label, strlen(label));
	if (rc == DM_OK)
		rc = dm_tlv_put(w, 0x03, (const uint8_t[]){ 0x06, 0xC0 }, 2); /* private, modifiable */
	if (rc == DM_OK)
		rc = dm_tlv_end(w, m1);
	if (rc == DM_OK)
		rc = dm_tlv_begin(w, 0x30, &m1);
	if (rc == DM_OK)
		rc = dm_tlv_put(w, 0x04, &auth_id, 1);
	if (rc == DM_OK)
		rc = dm_tlv_end(w, m1);
	if (rc == DM_OK)
		rc = dm_tlv_begin(w, 0xA1, &m2);
	if (rc == DM_OK)
		rc = dm_tlv_begin(w, 0x30, &m3);
	/* pinFlags BIT STRING (PKCS#15 §6.8.1): case-sensitive (0), local (1),
	 * initialized (4), needs-padding (5): TS 102 221 PINs are ASCII
	 * digits padded with FF to 8 bytes. */
	uint8_t pf = (uint8_t)(0x80u | (local ? 0x40u : 0) | 0x08u | 0x04u);
	if (rc == DM_OK)
		rc = dm_tlv_put(w, 0x03, (const uint8_t[]){ bits, pf }, 2);
	if (rc == DM_OK)
		rc = dm_tlv_put_u8(w, 0x0A, 0x01); /* pinType ascii-numeric */
	if (rc == DM_OK)
		rc = dm_tlv_put_u8(w, 0x02, 4);    /* minLength */
	if (rc == DM_OK)
		rc = dm_tlv_put_u8(w, 0x02, 8);    /* storedLength */
	if (rc == DM_OK)
		rc = dm_tlv_put_u8(w, 0x80, key_ref); /* pinReference [0] */
	if (rc == DM_OK)
		rc = dm_tlv_put_u8(w, 0x04, 0xFF); /* padChar */
	if (rc == DM_OK)
		rc = dm_tlv_end(w, m3);
	if (rc == DM_OK)
		rc = dm_tlv_end(w, m2);
	if (rc == DM_OK)
		rc = dm_tlv_end(w, m0);
	return rc;
}

int dm_dmsc_p15_init(dm_applet_ctx *ctx, const dm_dmsc_p15_cfg *cfg)
{
	uint8_t buf[256];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	dm_p15_path p = { .efid = dm_bytes_of((const uint8_t[]){ 0x64, 0x40 }, 2) };
	int rc = dm_p15_odf_build_entry(DM_P15_ODF_AODF, &p, &w);

	/* EF_ODF (PKCS#15 §6.2): AODF, DODF, CDF (trusted: the Management
	 * Authority's key, GEN-18). */
	p.efid = dm_bytes_of((const uint8_t[]){ 0x64, 0x30 }, 2);
	if (rc == DM_OK)
		rc = dm_p15_odf_build_entry(DM_P15_ODF_DODF, &p, &w);
	p.efid = dm_bytes_of((const uint8_t[]){ 0x64, 0x50 }, 2);
	if (rc == DM_OK)
		rc = dm_p15_odf_build_entry(DM_P15_ODF_CDF_TRUSTED, &p, &w);
	if (rc == DM_OK)
		rc = put_padded(ctx, (const uint8_t[]){ 0x7F, 0x50, 0x50, 0x31 }, 4, buf, w.len);
	if (rc != DM_OK)
		return rc;

	/* EF_TokenInfo (PKCS#15 §6.9): version 0, serialNumber, label [0],
	 * tokenflags (readonly off, loginRequired off). */
	size_t m;
	w = dm_wbuf_init(buf, sizeof buf);
	rc = dm_tlv_begin(&w, 0x30, &m);
	if (rc == DM_OK)
		rc = dm_tlv_put_u8(&w, 0x02, 0);
	if (rc == DM_OK)
		rc = dm_tlv_put(&w, 0x04, cfg->serial.ptr, cfg->serial.len);
	if (rc == DM_OK)
		rc = dm_tlv_put(&w, 0x0C, "dmsc", 4); /* manufacturerID */
	if (rc == DM_OK)
		rc = dm_tlv_put(&w, 0x80, cfg->token_label, strlen(cfg->token_label));
	if (rc == DM_OK)
		rc = dm_tlv_put(&w, 0x03, (const uint8_t[]){ 0x00 }, 1);
	if (rc == DM_OK)
		rc = dm_tlv_end(&w, m);
	if (rc == DM_OK)
		rc = put_padded(ctx, (const uint8_t[]){ 0x7F, 0x50, 0x50, 0x32 }, 4, buf, w.len);
	if (rc != DM_OK)
		return rc;

	/* EF_AODF: PIN1 (global, key 01, AUTH-4) and the DMSC local PIN 81. */
	w = dm_wbuf_init(buf, sizeof buf);
	rc = aodf_pin(&w, "PIN1", 0x01, 0x01, false);
	if (rc == DM_OK)
		rc = aodf_pin(&w, "DMSC PIN", 0x02, 0x81, true);
	if (rc == DM_OK)
		rc = put_padded(ctx, (const uint8_t[]){ 0x7F, 0x50, 0x64, 0x40 }, 4, buf, w.len);
	if (rc != DM_OK)
		return rc;

	/* EF_DODF: empty until objects are added. */
	return put_padded(ctx, dodf_path, sizeof dodf_path, buf, 0);
}

/* EF_DODF content and the length of its objects (the rest is padding). */
static int dodf_load(dm_applet_ctx *ctx, uint8_t *buf, uint32_t *size, size_t *used)
{
	int rc = dm_fs_size_at(ctx, dodf_path, sizeof dodf_path, size);

	if (rc != DM_OK)
		return rc;
	if (*size > DODF_MAX)
		return DM_E_UNSUPPORTED;
	rc = dm_fs_read_at(ctx, dodf_path, sizeof dodf_path, 0, buf, *size);
	if (rc != DM_OK)
		return rc;
	/* Objects end where padding (00/FF) starts: our DODF is written
	 * without gaps. */
	size_t off = 0;
	while (off < *size && buf[off] != 0x00 && buf[off] != 0xFF) {
		dm_tlv t;
		size_t n;
		if (dm_tlv_parse(buf + off, *size - off, &t, &n) != DM_OK)
			return DM_E_CORRUPT;
		off += n;
	}
	*used = off;
	return DM_OK;
}

/* A free FID for an on-demand MO (OSR-1: the card chooses). */
static int free_mo_fid(dm_applet_ctx *ctx, uint16_t *fid)
{
	for (uint32_t f = DM_DMSC_FID_MO_FIRST; f <= DM_DMSC_FID_MO_LAST; f++) {
		uint8_t path[4] = { 0x7F, 0x60, (uint8_t)(f >> 8), (uint8_t)f };
		uint32_t size;
		int rc = dm_fs_size_at(ctx, path, sizeof path, &size);
		if (rc == DM_E_NOT_FOUND) {
			*fid = (uint16_t)f;
			return DM_OK;
		}
		if (rc != DM_OK)
			return rc;
	}
	return DM_E_NOMEM;
}

/* Create a transparent EF of `size` bytes in ADF DMSC: READ always,
 * UPDATE ADM1 (EF_ARR record 1, AUT-1); a private object (DODF private
 * flag: AUTH-3 announces, AUTH-4 protects) READ with PIN 81, UPDATE ADM1
 * (EF_ARR record DM_DMSC_ARR_PRIVATE_MO).  Up to DM_FS_MAX_LARGE_EF_SIZE
 * (GEN-12), filled with 00: the heap's zeroed block as it is, so creating
 * a large MO on fresh memory costs no journal space (docs/dmsc-app.md). */
static int create_mo_ef(dm_applet_ctx *ctx, uint16_t fid, uint32_t size, bool priv)
{
	static const uint8_t zero = 0x00;
	dm_fs_create def;

	memset(&def, 0, sizeof def);
	def.large = true;
	def.fill = dm_bytes_of(&zero, 1);
	def.fcp.fdb = 0x41;
	def.fcp.has_fid = true;
	def.fcp.fid = fid;
	def.fcp.has_size = true;
	def.fcp.size = size;
	def.fcp.sfi_mode = DM_FCP_SFI_NONE;
	def.fcp.has_lcsi = true;
	def.fcp.lcsi = DM_FCP_LCSI_ACTIVATED;
	def.fcp.sec = DM_FCP_SEC_REFERENCED;
	def.fcp.arr_fid = DM_FID_EF_ARR;
	def.fcp.arr_record = priv ? DM_DMSC_ARR_PRIVATE_MO : 1;
	return sw_err(dm_fs_create_at(ctx, (const uint8_t[]){ 0x7F, 0x60 }, 2, &def));
}

int dm_dmsc_mo_add(dm_applet_ctx *ctx, const dm_dmsc_mo_def *def, uint16_t *fid_out)
{
	uint8_t path[2 + 2 * (DM_FS_MAX_DEPTH + 1u)] = { 0x3F, 0x00 };
	size_t plen;
	uint32_t length = def->content.ptr != NULL ? (uint32_t)def->content.len : def->length;
	uint16_t fid;
	int rc;

	if (def->label == NULL || def->oid == NULL)
		return DM_E_ARG;
	if (def->path.len == 0) {
		uint32_t size = def->size != 0 ? def->size : length;
		if (size < length || size == 0)
			return DM_E_VALUE;
		rc = free_mo_fid(ctx, &fid);
		if (rc == DM_OK)
			rc = create_mo_ef(ctx, fid, size,
					  (def->p15_flags & DM_P15_FLAG_PRIVATE) != 0);
		if (rc != DM_OK)
			return rc;
		path[2] = 0x7F;
		path[3] = 0x60;
		path[4] = (uint8_t)(fid >> 8);
		path[5] = (uint8_t)fid;
		plen = 6;
	} else {
		if (def->path.len % 2 != 0 || def->path.len + 2 > sizeof path)
			return DM_E_VALUE;
		memcpy(path + 2, def->path.ptr, def->path.len);
		plen = def->path.len + 2;
		fid = dm_get_u16be(path + plen - 2);
	}
	uint32_t efsize;
	rc = dm_fs_size_at(ctx, path + 2, plen - 2, &efsize);
	if (rc != DM_OK)
		return rc;
	if (length > efsize)
		return DM_E_LENGTH;
	if (def->content.ptr != NULL && def->content.len != 0) {
		rc = sw_err(dm_fs_load_at(ctx, path + 2, plen - 2, 0, def->content));
		if (rc != DM_OK)
			return rc;
	}

	/* The DODF entry: label, flags, OID, Path { path, index 0, length }. */
	uint8_t oid[DM_P15_OID_MAX];
	dm_wbuf ow = dm_wbuf_init(oid, sizeof oid);
	rc = dm_p15_oid_from_text(def->oid, &ow);
	if (rc != DM_OK)
		return rc;
	dm_p15_dobj o;
	memset(&o, 0, sizeof o);
	o.label = dm_bytes_of((const uint8_t *)def->label, strlen(def->label));
	o.flags = def->p15_flags;
	/* A private object names the PIN that guards it (PKCS#15 §6.1.2
	 * authId: the AODF's "DMSC PIN", authId 02, reference 81): AUTH-3. */
	static const uint8_t pin81_auth_id = 0x02;
	if (def->p15_flags & DM_P15_FLAG_PRIVATE)
		o.auth_id = dm_bytes_of(&pin81_auth_id, 1);
	o.oid = dm_bytes_of(oid, ow.len);
	/* Objects of ADF PKCS15 by their FID (relative to the application),
	 * the others by their path from the MF. */
	if (plen == 6 && path[2] == 0x7F && path[3] == 0x50)
		o.path.efid = dm_bytes_of(path + 4, 2);
	else
		o.path.efid = dm_bytes_of(path, plen);
	o.path.has_index = true;
	o.path.index = 0;
	o.path.has_length = true;
	o.path.length = length;

	uint8_t *dodf = malloc(DODF_MAX);
	if (dodf == NULL)
		return DM_E_NOMEM;
	uint32_t size;
	size_t used;
	rc = dodf_load(ctx, dodf, &size, &used);
	if (rc == DM_OK) {
		dm_wbuf w = dm_wbuf_init(dodf, size);
		w.len = used;
		rc = dm_p15_dobj_build(&o, &w);
		if (rc == DM_E_OVERFLOW)
			rc = DM_E_NOMEM; /* EF_DODF full: 6A84 */
		if (rc == DM_OK)
			rc = put_padded(ctx, dodf_path, sizeof dodf_path, dodf, w.len);
	}
	free(dodf);
	if (rc == DM_OK && fid_out != NULL)
		*fid_out = fid;
	return rc;
}

int dm_dmsc_mo_delete(dm_applet_ctx *ctx, uint16_t fid)
{
	const uint8_t want[6] = { 0x3F, 0x00, 0x7F, 0x60, (uint8_t)(fid >> 8), (uint8_t)fid };

	if (fid < DM_DMSC_FID_MO_FIRST || fid > DM_DMSC_FID_MO_LAST)
		return DM_E_NOT_FOUND;
	uint8_t *dodf = malloc(DODF_MAX);
	if (dodf == NULL)
		return DM_E_NOMEM;
	uint32_t size;
	size_t used;
	int rc = dodf_load(ctx, dodf, &size, &used);
	size_t off = 0;
	bool found = false;
	while (rc == DM_OK && off < used && !found) {
		dm_tlv t;
		size_t n;
		dm_p15_dobj o;
		rc = dm_tlv_parse(dodf + off, used - off, &t, &n);
		if (rc != DM_OK)
			break;
		if (dm_p15_dobj_parse(dodf + off, n, &o) == DM_OK &&
		    o.path.efid.len == sizeof want && memcmp(o.path.efid.ptr, want, sizeof want) == 0) {
			memmove(dodf + off, dodf + off + n, used - off - n);
			used -= n;
			found = true;
		} else {
			off += n;
		}
	}
	if (rc == DM_OK && !found)
		rc = DM_E_NOT_FOUND;
	if (rc == DM_OK)
		rc = put_padded(ctx, dodf_path, sizeof dodf_path, dodf, used);
	free(dodf);
	if (rc == DM_OK)
		rc = sw_err(dm_fs_delete_at(ctx, want + 2, 4));
	return rc;
}
