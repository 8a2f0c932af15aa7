/*
 * fs_fcp.c - the FCP template a SELECT (P2 04) or STATUS (P2 00) returns,
 * TS 102 221 §11.1.1.3, built with proto/fcp:
 *   MF/DF/ADF: 82 83 84 A5{80 UICC characteristics (MF), 83 free memory}
 *              8A 8B|8C|AB C6
 *   EF:        82 83 A5{84 file details, when set} 8A 8B|8C|AB 80 81 88
 */
#include "fs_int.h"

#include "heap.h"
#include "sw.h"

/* UICC characteristics of the MF (TS 102 221 §11.1.1.4.6.1): b1 clock
 * stop allowed, no preferred level; b5-b7 supply classes A, B and C, as TA
 * for T=15 in the ATR. */
#define UICC_CHARACTERISTICS 0x71u

static uint32_t block_bytes(uint32_t payload)
{
	uint32_t n = (payload + DM_HEAP_ALIGN - 1) / DM_HEAP_ALIGN * DM_HEAP_ALIGN;
	return (n < DM_HEAP_ALIGN ? DM_HEAP_ALIGN : n) + DM_HEAP_BLOCK_HDR;
}

uint32_t dm_fsi_total_size(const struct fs_hdr *h)
{
	uint32_t total = block_bytes(HDR_FIXED + h->aid_len + h->sec_len);

	if (h->size != 0)
		total += block_bytes(h->size);
	return total;
}

static void put_security(const struct fs_hdr *h, dm_fcp *f)
{
	switch (h->sec_form) {
	case 0x8B:
		f->sec = DM_FCP_SEC_REFERENCED;
		f->arr_fid = dm_get_u16be(h->sec);
		if (h->sec_len == 3)
			f->arr_record = h->sec[2];
		else
			f->arr_se_records = dm_bytes_of(h->sec + 2, h->sec_len - 2u);
		break;
	case 0x8C:
		f->sec = DM_FCP_SEC_COMPACT;
		f->sec_raw = dm_bytes_of(h->sec, h->sec_len);
		break;
	case 0xAB:
		f->sec = DM_FCP_SEC_EXPANDED;
		f->sec_raw = dm_bytes_of(h->sec, h->sec_len);
		break;
	default:
		f->sec = DM_FCP_SEC_NONE;
		break;
	}
}

uint16_t dm_fsi_fcp(struct fs_op *op, int32_t idx, const struct fs_hdr *h, dm_wbuf *resp)
{
	dm_fcp f = {
		.fdb = h->fdb,
		.data_coding = DM_FCP_DATA_CODING,
		.has_fid = h->has_fid,
		.fid = h->fid,
		.has_lcsi = true,
		.lcsi = h->lcsi,
	};
	int rc;

	put_security(h, &f);
	if (fs_is_df(h)) {
		uint32_t free_mem;
		rc = dm_applet_heap_free_bytes(op->ctx, &free_mem);
		if (rc != DM_OK)
			return dm_fsi_sw(rc);
		f.df_name = dm_bytes_of(h->aid, h->aid_len);
		f.has_proprietary = true;
		f.has_free_mem = true;
		f.free_mem = free_mem;
		if (h->kind == FS_MF) {
			f.has_uicc_chars = true;
			f.uicc_chars = UICC_CHARACTERISTICS;
		}
		/* C6 (TS 102 221 §11.1.1.4.10): the PINs the DF uses. */
		dm_pin_io io;
		int32_t adf = dm_fsi_adf_of(op->fs, idx);
		rc = dm_fs_pin_io(op->ctx, false, &io);
		if (rc == DM_OK)
			rc = dm_pin_fcp_status(&io, adf != FS_NONE ? op->fs->nodes[adf].app : 0,
					       h->pins, h->pin_count, &f);
		if (rc == DM_E_NOT_FOUND) {
			f.has_pin_status = true; /* no PIN objects: an empty template */
			rc = DM_OK;
		}
		if (rc != DM_OK)
			return dm_fsi_sw(rc);
	} else {
		if (h->rec_len != 0) {
			f.record_len = h->rec_len;
			f.record_count = (uint8_t)h->rec_count;
		}
		if (h->details != 0) {
			f.has_proprietary = true;
			f.has_file_details = true;
			f.file_details = h->details;
		}
		f.has_size = true;
		f.size = h->size;
		f.has_total_size = true;
		f.total_size = dm_fsi_total_size(h);
		f.sfi_mode = (dm_fcp_sfi_mode)h->sfi_mode;
		f.sfi = h->sfi;
	}
	rc = dm_fcp_build(&f, resp);
	return rc == DM_OK ? DM_SW_OK : DM_SW_TECHNICAL;
}
