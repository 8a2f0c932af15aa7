/*
 * profile.c - installs a card profile (profile.h) through the file system
 * (fs.h) and the PIN service (pin.h).
 */
#include "profile.h"

#include <string.h>

#include "dmsc.h"
#include "fs.h"
#include "keys.h"
#include "pkcs15.h"
#include "sw.h"
#include "toolkit.h"

static int err_of(uint16_t sw)
{
	switch (sw) {
	case DM_SW_OK:
		return DM_OK;
	case DM_SW_NOT_ENOUGH_MEMORY:
		return DM_E_NOMEM;
	case DM_SW_MEMORY_PROBLEM:
		return DM_E_IO;
	default:
		return DM_E_VALUE;
	}
}

static void path_bytes(const dm_profile_file *f, uint8_t *out)
{
	for (unsigned i = 0; i < f->parent_len; i++)
		dm_put_u16be(out + 2 * i, f->parent[i]);
}

static void to_create(const dm_profile_file *f, dm_fs_create *c)
{
	memset(c, 0, sizeof *c);
	c->fcp.fdb = f->fdb;
	c->fcp.data_coding = DM_FCP_DATA_CODING;
	c->fcp.has_fid = f->fid != 0;
	c->fcp.fid = f->fid;
	c->fcp.df_name = f->aid;
	c->fcp.has_lcsi = true;
	c->fcp.lcsi = DM_FCP_LCSI_ACTIVATED;
	c->fcp.sec = DM_FCP_SEC_REFERENCED;
	c->fcp.arr_fid = DM_FID_EF_ARR;
	c->fcp.arr_record = f->arr_record;
	c->fcp.record_len = f->rec_len;
	c->fcp.record_count = f->rec_count;
	c->fcp.has_size = f->rec_len == 0 && dm_fcp_structure_of(f->fdb) != DM_FCP_STRUCT_DF;
	c->fcp.size = f->size;
	c->fcp.sfi_mode = f->sfi_mode;
	c->fcp.sfi = f->sfi;
	c->fcp.has_pin_status = f->pin_count != 0;
	c->fcp.pin_count = f->pin_count;
	for (unsigned i = 0; i < f->pin_count && i < DM_FCP_MAX_PINS; i++)
		c->fcp.pins[i].key_ref = f->pins[i];
}

/* EF_DIR: one record per application, padded with FF. */
static int load_ef_dir(dm_applet_ctx *ctx, const dm_profile *p, const dm_profile_file *f,
		       const uint8_t *path, size_t plen)
{
	for (size_t i = 0; i < p->napps; i++) {
		uint8_t rec[DM_FS_MAX_RECORD_LEN];
		const dm_profile_app *a = &p->apps[i];
		dm_p15_app app = {
			.aid = a->aid,
			.label = dm_bytes_of((const uint8_t *)a->label, strlen(a->label)),
			.path = a->path,
		};
		if (f->rec_len == 0 || i >= f->rec_count)
			return DM_E_VALUE;
		memset(rec, 0xFF, f->rec_len);
		dm_wbuf w = dm_wbuf_init(rec, f->rec_len);
		int rc = dm_p15_dir_build(&app, &w);
		if (rc != DM_OK)
			return DM_E_VALUE;
		rc = err_of(dm_fs_load_at(ctx, path, plen, (uint32_t)i, dm_bytes_of(rec, f->rec_len)));
		if (rc != DM_OK)
			return rc;
	}
	return DM_OK;
}

static int install_file(dm_applet_ctx *ctx, const dm_profile *p, const dm_profile_file *f)
{
	uint8_t path[2 * (DM_PROFILE_MAX_PATH + 1)];
	dm_fs_create c;

	if (f->parent_len > DM_PROFILE_MAX_PATH)
		return DM_E_VALUE;
	path_bytes(f, path);
	to_create(f, &c);
	int rc = err_of(dm_fs_create_at(ctx, path, 2u * f->parent_len, &c));
	if (rc != DM_OK)
		return rc;
	size_t plen = 2u * f->parent_len;
	dm_put_u16be(path + plen, f->fid);
	plen += 2;
	switch (f->content_kind) {
	case DM_PROFILE_CONTENT_BYTES:
		return err_of(dm_fs_load_at(ctx, path, plen, 0, f->content));
	case DM_PROFILE_CONTENT_EF_DIR:
		return load_ef_dir(ctx, p, f, path, plen);
	default:
		return DM_OK;
	}
}

/* Key objects (card/keys.h): SCP03 sets, the public keys the card
 * verifies with, the card's own pair (generated here: its private key
 * never leaves the card, SEC-1). */
static int install_keys(dm_applet_ctx *ctx, const dm_profile_keys *k)
{
	int rc = DM_OK;
	for (size_t i = 0; i < k->nscp03 && rc == DM_OK; i++) {
		const dm_profile_scp03 *s = &k->scp03[i];
		dm_keys_scp03 ks = { .kvn = s->kvn, .len = s->key_len };
		if (s->key_len > sizeof ks.enc)
			return DM_E_VALUE;
		memcpy(ks.enc, s->enc, s->key_len);
		memcpy(ks.mac, s->mac, s->key_len);
		memcpy(ks.dek, s->dek, s->key_len);
		rc = dm_keys_set_scp03(ctx, s->role == DM_PROFILE_SCP03_MA ? DM_KEYS_ROLE_MA
									  : DM_KEYS_ROLE_DEVICE,
				       &ks);
		dm_wipe(&ks, sizeof ks);
	}
	if (rc == DM_OK && k->has_ma_pub)
		rc = dm_keys_set_public(ctx, DM_KEYS_PUB_MA, k->ma_pub, sizeof k->ma_pub);
	if (rc == DM_OK && k->has_ent_pub)
		rc = dm_keys_set_public(ctx, DM_KEYS_PUB_ENTERPRISE, k->ent_pub, sizeof k->ent_pub);
	if (rc == DM_OK && k->gen_card_key)
		rc = dm_keys_generate_card(ctx);
	return rc;
}

/* The DMSC application's part (card/dmsc.h): PKCS#15 index, MOs with their
 * DODF entries, EF_INFO flags (USE-1/2/3); the poll interval (toolkit.h). */
static int install_dmsc(dm_applet_ctx *ctx, const dm_profile *p)
{
	static const uint8_t dmsc_aid[] = { DM_DMSC_AID };
	if (dm_fs_app_of_aid(ctx, dm_bytes_of(dmsc_aid, sizeof dmsc_aid)) == 0)
		return p->nmos == 0 ? DM_OK : DM_E_VALUE; /* no DMSC application */
	dm_dmsc_p15_cfg pc = { .token_label = p->name,
			       .serial = dm_bytes_of(p->iccid, sizeof p->iccid) };
	int rc = dm_dmsc_p15_init(ctx, &pc);
	for (size_t i = 0; i < p->nmos && rc == DM_OK; i++) {
		const dm_profile_mo *m = &p->mos[i];
		uint8_t path[2 * (DM_PROFILE_MAX_PATH + 1)];
		for (unsigned j = 0; j < m->path_len; j++)
			dm_put_u16be(path + 2 * j, m->path[j]);
		dm_dmsc_mo_def d = {
			.label = m->label,
			.oid = m->oid,
			.path = dm_bytes_of(path, 2u * m->path_len),
			.size = m->size,
			.content = m->tnds,
			.length = (uint32_t)m->tnds.len,
			.p15_flags = m->p15_flags,
		};
		rc = dm_dmsc_mo_add(ctx, &d, NULL);
	}
	if (rc == DM_OK) {
		static const uint8_t use[] = {
			[DM_PROFILE_CONFIRM_UNSET] = 0,
			[DM_PROFILE_CONFIRM_ASK] = DM_DMSC_FLAG_ASK_USER,
			[DM_PROFILE_CONFIRM_NEVER] = DM_DMSC_FLAG_NEVER_ASK,
		};
		if ((unsigned)p->confirm >= DM_ARRAY_LEN(use))
			return DM_E_VALUE;
		rc = dm_dmsc_info_set_use(ctx, use[p->confirm]);
	}
	if (rc == DM_OK)
		rc = dm_dmsc_info_refresh(ctx);
	if (rc == DM_OK)
		rc = dm_toolkit_set_poll_config(ctx, p->poll_interval);
	return rc;
}

int dm_profile_install(dm_applet_ctx *ctx, const dm_profile *p)
{
	dm_fs_create mf;
	dm_pin_io io;

	if (p == NULL || p->nfiles == 0 || p->files[0].fid != DM_FID_MF)
		return DM_E_VALUE;
	to_create(&p->files[0], &mf);
	int rc = dm_fs_format(ctx, &mf);
	for (size_t i = 1; i < p->nfiles && rc == DM_OK; i++)
		rc = install_file(ctx, p, &p->files[i]);
	if (rc == DM_OK && p->npins != 0)
		rc = dm_fs_pin_io(ctx, true, &io);
	for (size_t i = 0; i < p->npins && rc == DM_OK; i++) {
		dm_pin_def def = p->pins[i].def;
		if (p->pins[i].app_aid.len != 0) {
			def.app = dm_fs_app_of_aid(ctx, p->pins[i].app_aid);
			if (def.app == 0)
				return DM_E_VALUE;
		}
		rc = dm_pin_create(&io, &def);
	}
	if (rc == DM_OK)
		rc = install_keys(ctx, &p->keys);
	if (rc == DM_OK)
		rc = install_dmsc(ctx, p);
	return rc;
}
