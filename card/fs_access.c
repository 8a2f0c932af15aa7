/*
 * fs_access.c - the file system's side of security (card/security.h,
 * card/pin.h): finding a file's access rule (TS 102 221 §9.2: 8B referenced
 * to an EF_ARR record, 8C compact, AB expanded), the life cycle checks,
 * and the card's PIN table with the PIN commands.
 */
#include "fs_int.h"

#include "arr.h"
#include "sw.h"

/* --- the PIN table: one heap block named by root slot DM_ROOT_PIN --- */

static int io_read(void *ctx, uint32_t off, void *buf, size_t n)
{
	return dm_applet_store_read(ctx, off, buf, n);
}

static int io_write(void *ctx, uint32_t off, const void *buf, size_t n)
{
	return dm_applet_store_write(ctx, off, buf, n);
}

static int io_commit(void *ctx)
{
	return dm_applet_commit(ctx);
}

int dm_fs_pin_io(dm_applet_ctx *ctx, bool create, dm_pin_io *io)
{
	uint32_t base;
	int rc = dm_applet_root_get(ctx, DM_ROOT_PIN, &base);

	if (rc != DM_OK)
		return rc;
	if (base == 0) {
		if (!create)
			return DM_E_NOT_FOUND;
		rc = dm_applet_heap_alloc(ctx, DM_PIN_TABLE_SIZE, &base);
		if (rc == DM_OK)
			rc = dm_applet_root_set(ctx, DM_ROOT_PIN, base);
		if (rc != DM_OK)
			return rc;
	}
	io->ctx = ctx;
	io->read = io_read;
	io->write = io_write;
	io->commit = io_commit;
	io->base = base;
	return DM_OK;
}

uint16_t dm_fsi_pin_command(struct fs_op *op)
{
	dm_pin_io io;
	int rc = dm_fs_pin_io(op->ctx, false, &io);

	/* A card without PIN objects has no key reference to name. */
	if (rc == DM_E_NOT_FOUND)
		return DM_SW_REF_DATA_NOT_FOUND;
	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	return dm_pin_process(&io, &op->fs->sec, dm_fsi_cur_app(op), op->cmd);
}

/* --- life cycle --- */

uint16_t dm_fsi_usable(const struct fs_hdr *h)
{
	switch (dm_fcp_life_cycle(h->lcsi)) {
	case DM_FCP_LCS_DEACTIVATED:
		/* TS 102 222 table 5: A5/C0 b7 keeps READ and UPDATE
		 * possible on a deactivated file.  Otherwise TS 102 221
		 * §10.2.2 table 10.16: "6984 referenced data invalidated". */
		return (h->special & DM_FS_SPECIAL_RW_DEACTIVATED) ? DM_SW_OK : DM_SW_REF_DATA_INVALID;
	case DM_FCP_LCS_TERMINATED:
		return DM_SW_CONDITIONS;
	default:
		return DM_SW_OK;
	}
}

/* --- access rules --- */

/* The EF_ARR a file's 8B names: searched in the DF holding the file (the
 * DF itself for a DF), then in each parent up to the MF (TS 102 221
 * §9.2, referenced format: the EF_ARR "in the DF" of the file). */
static int32_t find_arr(const dm_fs *fs, int32_t idx, uint16_t fid)
{
	int32_t df = fs->nodes[idx].kind == FS_EF ? fs->nodes[idx].parent : idx;

	while (df != FS_NONE) {
		int32_t f = dm_fsi_child(fs, df, fid);
		if (f != FS_NONE && fs->nodes[f].kind == FS_EF)
			return f;
		df = fs->nodes[df].parent;
	}
	return FS_NONE;
}

/* The EF_ARR record an 8B value names, read into rule/len. */
static uint16_t referenced_rule(struct fs_op *op, int32_t idx, const struct fs_hdr *h,
				const dm_sec_ctx *sc, const uint8_t **rule, size_t *len)
{
	uint8_t rec = 0;

	if (h->sec_len < 3)
		return DM_SW_SECURITY_STATUS;
	if (h->sec_len == 3)
		rec = h->sec[2];
	/* SE form: pairs {SE number, record} (TS 102 221 §9.2 / ISO 7816-4
	 * §5.4.3.4): the record of the current security environment. */
	else if (dm_arr_ref_record(dm_bytes_of(h->sec + 2, h->sec_len - 2u),
				   dm_sec_current_se(sc), &rec) != DM_OK)
		return DM_SW_SECURITY_STATUS;
	int32_t arr = find_arr(op->fs, idx, dm_get_u16be(h->sec));
	if (rec == 0 || arr == FS_NONE)
		return DM_SW_SECURITY_STATUS; /* no rule: deny */
	struct fs_hdr a;
	int rc = dm_fsi_hdr_read(op->ctx, op->fs->nodes[arr].hdr, &a);
	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	if (a.rec_len == 0 || rec > a.rec_count)
		return DM_SW_SECURITY_STATUS;
	rc = dm_applet_store_view(op->ctx, dm_fsi_record_off(&a, rec), a.rec_len, rule);
	if (rc != DM_OK)
		return dm_fsi_sw(rc);
	*len = a.rec_len; /* FF padding is skipped by the evaluator */
	return DM_SW_OK;
}

uint16_t dm_fsi_access(struct fs_op *op, int32_t idx, const struct fs_hdr *h, dm_sec_op sop)
{
	dm_pin_io io;
	int rc = dm_fs_pin_io(op->ctx, false, &io);

	if (rc != DM_OK && rc != DM_E_NOT_FOUND)
		return dm_fsi_sw(rc);
	dm_sec_ctx sc = {
		.state = &op->fs->sec,
		.pins = rc == DM_OK ? &io : NULL,
		.app = dm_fsi_cur_app(op),
	};
	dm_sec_access acc = {
		.op = sop,
		.df = fs_is_df(h),
		.cmd = op->cmd,
	};
	const uint8_t *rule = NULL;
	size_t len = 0;
	uint16_t sw;

	switch (h->sec_form) {
	case 0x8C:
		return dm_sec_check(&sc, DM_SEC_RULE_COMPACT, h->sec, h->sec_len, &acc);
	case 0xAB:
		return dm_sec_check(&sc, DM_SEC_RULE_EXPANDED, h->sec, h->sec_len, &acc);
	case 0x8B:
		sw = referenced_rule(op, idx, h, &sc, &rule, &len);
		if (sw != DM_SW_OK)
			return sw;
		return dm_sec_check(&sc, DM_SEC_RULE_EXPANDED, rule, len, &acc);
	default:
		/* A file without security attributes cannot be created
		 * (TS 102 221 §11.1.1.3 makes one mandatory): deny. */
		return DM_SW_SECURITY_STATUS;
	}
}
