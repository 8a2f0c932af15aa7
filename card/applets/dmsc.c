/*
 * dmsc.c - the DMSC application applet (dmsc.h, docs/dmsc-app.md): SELECT
 * by AID F04F4D41444D5343 makes ADF DMSC current; its own commands are the
 * MO commands of use case 5.2 (CLA 8X, proprietary class, TS 102 221
 * §10.1.1); every other command goes to the UICC file system
 * (dm_uicc_process), so the files of the application read and update as
 * on any UICC.
 *
 *   80 E0 00 00 Lc { 50 label, 06 OID, 81 size, [86 PKCS#15 flags] } Le
 *       CREATE MO: the card picks a FID in 6500..65FF, creates the EF
 *       (READ always, UPDATE ADM1; up to 16 MiB, 00-filled, beyond 32 KiB
 *       written and read with D7/B1, GEN-12) and registers it in EF_DODF
 *       with its exact length (= size).  Answer 83 02 FID.  6A84 when
 *       full (OSR-1).
 *   80 E4 00 00 02 FID
 *       DELETE MO: drops the DODF entry and the EF.  6A82 if not an MO.
 * Both need ADM1 (AUT-1), which a Management Authority SCP03 session
 * grants for each of its wrapped commands (dmsc_sec.h), else 6982.
 *
 * Every command first goes through the secure-messaging layer of
 * card/dmsc_sec.h (r): unwrap, SCP03 / PSO / policy commands, then this
 * dispatch for the rest, wrap.
 */
#include "dmsc.h"

#include <string.h>

#include "dmsc_sec.h"
#include "pkcs15.h"
#include "sw.h"
#include "tlv.h"
#include "uicc.h"

#define INS_CREATE_MO 0xE0u
#define INS_DELETE_MO 0xE4u
#define KEY_ADM1 0x0Au

static uint16_t err_sw(int rc)
{
	switch (rc) {
	case DM_OK:
		return DM_SW_OK;
	case DM_E_NOMEM:
		return DM_SW_NOT_ENOUGH_MEMORY;
	case DM_E_NOT_FOUND:
		return DM_SW_FILE_NOT_FOUND;
	case DM_E_VALUE:
	case DM_E_LENGTH:
	case DM_E_TAG:
	case DM_E_TRUNCATED:
		return DM_SW_WRONG_DATA;
	case DM_E_IO:
	case DM_E_CORRUPT:
		return DM_SW_MEMORY_PROBLEM;
	default:
		return DM_SW_TECHNICAL;
	}
}

/* AUT-1: provisioning changes need ADM1, verified by PIN or granted by a
 * Management Authority SCP03 session for the current command. */
static bool authorised(dm_applet_ctx *ctx)
{
	return dm_fs_verified(ctx, KEY_ADM1);
}

static uint16_t notify(dm_applet_ctx *ctx, uint8_t ins, uint16_t fid)
{
	dm_fs_change chg = { .ins = ins, .path = { DM_DMSC_FID_ADF, fid }, .path_len = 2 };

	return err_sw(dm_fs_notify(ctx, &chg));
}

static uint16_t create_mo(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp)
{
	dm_tlv label, oid, size, flags;
	char label_z[65], oid_z[DM_P15_OID_TEXT_MAX];

	if (cmd->p1 != 0 || cmd->p2 != 0)
		return DM_SW_WRONG_P1P2;
	if (cmd->nc == 0)
		return DM_SW_WRONG_LENGTH;
	if (!authorised(ctx))
		return DM_SW_SECURITY_STATUS;
	if (dm_tlv_find(cmd->data, cmd->nc, 0x50, &label) != DM_OK || label.len == 0 ||
	    label.len >= sizeof label_z ||
	    dm_tlv_find(cmd->data, cmd->nc, 0x06, &oid) != DM_OK ||
	    dm_tlv_find(cmd->data, cmd->nc, 0x81, &size) != DM_OK || size.len == 0 ||
	    size.len > 4)
		return DM_SW_WRONG_DATA;
	/* The whole data must be well-formed BER-TLV. */
	dm_tlv_iter it;
	dm_tlv t;
	int rc;
	dm_tlv_iter_init(&it, cmd->data, cmd->nc);
	while ((rc = dm_tlv_next(&it, &t)) == 1)
		;
	if (rc < 0)
		return DM_SW_WRONG_DATA;
	if (dm_p15_oid_to_text(oid.value, oid.len, oid_z, sizeof oid_z) != DM_OK)
		return DM_SW_WRONG_DATA;
	memcpy(label_z, label.value, label.len);
	label_z[label.len] = '\0';
	if (memchr(label_z, '\0', label.len) != NULL)
		return DM_SW_WRONG_DATA;
	uint32_t n = 0;
	for (size_t i = 0; i < size.len; i++)
		n = n << 8 | size.value[i];
	if (n == 0 || n > DM_FS_MAX_LARGE_EF_SIZE)
		return n == 0 ? DM_SW_WRONG_DATA : DM_SW_NOT_ENOUGH_MEMORY;
	uint8_t p15_flags = DM_P15_FLAG_MODIFIABLE;
	if (dm_tlv_find(cmd->data, cmd->nc, 0x86, &flags) == DM_OK) {
		if (flags.len != 1 || (flags.value[0] & ~0x03u) != 0)
			return DM_SW_WRONG_DATA;
		p15_flags = flags.value[0];
	}
	dm_dmsc_mo_def def = {
		.label = label_z, .oid = oid_z, .size = n, .length = n, .p15_flags = p15_flags,
	};
	uint16_t fid;
	rc = dm_dmsc_mo_add(ctx, &def, &fid);
	if (rc != DM_OK)
		return err_sw(rc);
	uint16_t sw = notify(ctx, INS_CREATE_MO, fid);
	if (sw != DM_SW_OK)
		return sw;
	uint8_t f[2];
	dm_put_u16be(f, fid);
	return dm_tlv_put(resp, 0x83, f, 2) == DM_OK ? DM_SW_OK : DM_SW_TECHNICAL;
}

static uint16_t delete_mo(dm_applet_ctx *ctx, const dm_capdu *cmd)
{
	if (cmd->p1 != 0 || cmd->p2 != 0)
		return DM_SW_WRONG_P1P2;
	if (cmd->nc != 2)
		return DM_SW_WRONG_LENGTH;
	if (!authorised(ctx))
		return DM_SW_SECURITY_STATUS;
	uint16_t fid = dm_get_u16be(cmd->data);
	int rc = dm_dmsc_mo_delete(ctx, fid);
	if (rc != DM_OK)
		return err_sw(rc);
	return notify(ctx, INS_DELETE_MO, fid);
}

static int dmsc_install(dm_applet_ctx *ctx)
{
	uint8_t odf0;
	uint8_t iccid[10];
	int rc = dm_fs_read_at(ctx, (const uint8_t[]){ 0x7F, 0x50, 0x50, 0x31 }, 4, 0, &odf0, 1);

	if (rc == DM_E_NOT_FOUND)
		return DM_OK; /* a card without PKCS#15 application (tests) */
	if (rc != DM_OK)
		return rc;
	/* An installer that ran before (the profile's) built the index. */
	if (odf0 == 0xFF || odf0 == 0x00) {
		dm_dmsc_p15_cfg cfg = { .token_label = "OMA DM_SC" };
		if (dm_fs_read_at(ctx, (const uint8_t[]){ 0x2F, 0xE2 }, 2, 0, iccid,
				  sizeof iccid) == DM_OK)
			cfg.serial = dm_bytes_of(iccid, sizeof iccid);
		rc = dm_dmsc_p15_init(ctx, &cfg);
		if (rc != DM_OK)
			return rc;
	}
	rc = dm_dmsc_info_refresh(ctx);
	return rc == DM_E_NOT_FOUND ? DM_OK : rc;
}

static uint16_t dmsc_dispatch(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp)
{
	/* CLA 8X-BX: proprietary class of the ETSI scheme (TS 102 221 §10.1.1). */
	if ((cmd->cla & 0xF0u) == 0x80u) {
		switch (cmd->ins) {
		case INS_CREATE_MO:
			return create_mo(ctx, cmd, resp);
		case INS_DELETE_MO:
			return delete_mo(ctx, cmd);
		default:
			break;
		}
	}
	return dm_uicc_process(ctx, cmd, resp);
}

/* The channel's SCP03 state lives in CLEAR_ON_DESELECT memory; transient
 * blocks are packed without alignment, so it is worked on in an aligned
 * copy. */
static uint16_t dmsc_process(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp)
{
	size_t n;
	uint8_t *t = dm_applet_transient(ctx, DM_CLEAR_ON_DESELECT, &n);
	dm_dmsc_sec sec;

	if (t == NULL || n < sizeof sec)
		return DM_SW_TECHNICAL;
	memcpy(&sec, t, sizeof sec);
	uint16_t sw = dm_dmsc_sec_run(ctx, &sec, cmd, resp, dmsc_dispatch);
	memcpy(t, &sec, sizeof sec);
	dm_wipe(&sec, sizeof sec);
	return sw;
}

const dm_applet dm_dmsc_applet = {
	.name = "DMSC",
	.flags = DM_APPLET_MULTISELECTABLE,
	.deselect_size = sizeof(dm_dmsc_sec),
	.install = dmsc_install,
	.select = dm_uicc_adf_select,
	.process = dmsc_process,
};
