/*
 * dmsc_scp03.c - GlobalPlatform SCP03 on the DMSC application, card side
 * (GP Card Spec v2.2 Amd D; dmsc_sec.h, docs/dmsc-security.md): INITIALIZE
 * UPDATE, EXTERNAL AUTHENTICATE, unwrapping of commands and wrapping of
 * responses, and the dispatch of the security commands.  The maths are
 * proto/scp03.h; the key sets and sequence counters card/keys.h.
 */
#include <stdlib.h>
#include <string.h>

#include "dmsc_sec_int.h"
#include "fs.h"
#include "fs_int.h"
#include "keys.h"
#include "security.h"
#include "sw.h"
#include "toolkit.h"

/* "i" of this card: pseudo-random card challenge, R-MAC and R-ENC, S8 (Amd D §5.1). */
#define SCP03_I (DM_SCP03_I_PSEUDO | DM_SCP03_I_RMAC | DM_SCP03_I_RENC)
#define SCP03_ID 0x03u

void dm_dmsc_sec_reset(dm_dmsc_sec *sec)
{
	if (sec == NULL)
		return;
	dm_scp03_session_wipe(&sec->s);
	dm_wipe(sec, sizeof *sec);
}

uint8_t dm_dmsc_sec_level(const dm_dmsc_sec *sec)
{
	return sec != NULL && sec->s.state == DM_SCP03_OPEN ? sec->s.level : 0;
}

bool dm_dmsc_sec_authenticated(const dm_dmsc_sec *sec)
{
	return sec != NULL && sec->wrapped && sec->s.state == DM_SCP03_OPEN;
}

bool dm_dmsc_sec_ma(const dm_dmsc_sec *sec)
{
	return dm_dmsc_sec_authenticated(sec) && sec->role == DM_KEYS_ROLE_MA;
}

static bool proprietary(uint8_t cla)
{
	return (cla & 0x80) != 0;
}

bool dm_dmsc_sec_handles(const dm_capdu *cmd)
{
	switch (cmd->ins) {
	case DM_DMSC_INS_INITIALIZE_UPDATE:
	case DM_DMSC_INS_EXTERNAL_AUTH:
	case DM_DMSC_INS_SIGNED_UPDATE:
	case DM_DMSC_INS_POLICY_OP:
	case DM_DMSC_INS_TRIGGER:
		return proprietary(cmd->cla);
	case DM_DMSC_INS_PSO:
		return !proprietary(cmd->cla);
	case DM_DMSC_INS_GET_DATA:
		/* Every interindustry GET DATA: a tag the application does
		 * not hold is 6A88 (ISO 7816-4 §11.4.3), not 6D00. */
		return !proprietary(cmd->cla);
	default:
		return false;
	}
}

/* ADM1 for the duration of one wrapped command of a Management Authority
 * session (AUT-1): the file system's access rules then let it UPDATE the
 * provisioning EFs.  The security status is the card's (security.h); the
 * grant is taken back in dm_dmsc_sec_wrap. */
static int grant_adm(dm_applet_ctx *ctx, dm_dmsc_sec *sec, bool on)
{
	dm_fs *fs;
	int rc = dm_fs_get(ctx, &fs);

	if (rc != DM_OK)
		return rc;
	if (on) {
		if (dm_sec_verified(&fs->sec, DM_KEYREF_ADM1, 0))
			return DM_OK;
		dm_sec_set(&fs->sec, DM_KEYREF_ADM1, 0, true);
		sec->adm_granted = true;
	} else if (sec->adm_granted) {
		dm_sec_set(&fs->sec, DM_KEYREF_ADM1, 0, false);
		sec->adm_granted = false;
	}
	return DM_OK;
}

uint16_t dm_dmsc_sec_unwrap(dm_applet_ctx *ctx, dm_dmsc_sec *sec, const dm_capdu *cmd,
			    dm_capdu *out, dm_wbuf *buf)
{
	dm_cla cla;
	int rc;

	if (ctx == NULL || sec == NULL || cmd == NULL || out == NULL || buf == NULL)
		return DM_SW_TECHNICAL;
	sec->wrapped = false;
	*out = *cmd;
	if (dm_cla_decode(cmd->cla, &cla) != DM_OK)
		return DM_SW_CLA_UNSUPPORTED;
	if (cla.sm == 0)
		return DM_SW_OK;
	/* EXTERNAL AUTHENTICATE carries its own C-MAC (Amd D §7.1.2). */
	if (cmd->ins == DM_DMSC_INS_EXTERNAL_AUTH && cla.interindustry == false)
		return DM_SW_OK;
	/* Secure messaging without an open session, a wrong C-MAC, a replayed
	 * command (its MAC chains from an older value): the session ends
	 * (Amd D §6.2.4). */
	if (sec->s.state != DM_SCP03_OPEN) {
		dm_dmsc_sec_reset(sec);
		return DM_SW_SECURITY_STATUS;
	}
	rc = dm_scp03_unwrap_command(&sec->s, cmd, out, buf);
	if (rc != DM_OK) {
		dm_dmsc_sec_reset(sec);
		*out = *cmd;
		if (rc == DM_E_LENGTH)
			return DM_SW_WRONG_LENGTH;
		return rc == DM_E_CRYPTO || rc == DM_E_STATE ? DM_SW_SECURITY_STATUS : DM_SW_TECHNICAL;
	}
	sec->wrapped = true;
	if (sec->role == DM_KEYS_ROLE_MA && grant_adm(ctx, sec, true) != DM_OK) {
		sec->wrapped = false;
		return DM_SW_TECHNICAL;
	}
	return DM_SW_OK;
}

uint16_t dm_dmsc_sec_wrap(dm_applet_ctx *ctx, dm_dmsc_sec *sec, dm_wbuf *resp, uint16_t sw)
{
	uint8_t *tmp;
	dm_wbuf w;
	int rc;

	if (ctx == NULL || sec == NULL || resp == NULL)
		return DM_SW_TECHNICAL;
	if (sec->adm_granted && grant_adm(ctx, sec, false) != DM_OK)
		sw = DM_SW_TECHNICAL;
	if (!sec->wrapped)
		return sw;
	sec->wrapped = false;
	if (sec->s.state != DM_SCP03_OPEN)
		return sw;
	/* The R-MAC covers the SW the card actually sends: 91xx when the
	 * toolkit has a command pending, not the 9000 it replaces. */
	sw = dm_toolkit_final_sw(ctx, sw);
	/* An error SW goes alone, without data or R-MAC (Amd D §6.2.5). */
	if (!dm_scp03_sw_protected(sw)) {
		resp->len = 0;
		return sw;
	}
	/* data' (padded when R-ENC) || R-MAC || SW */
	tmp = malloc(resp->len + 2u * DM_SCP03_BLOCK + 2u);
	if (tmp == NULL)
		return DM_SW_TECHNICAL;
	w = dm_wbuf_init(tmp, resp->len + 2u * DM_SCP03_BLOCK + 2u);
	rc = dm_scp03_wrap_response(&sec->s, resp->ptr, resp->len, sw, &w);
	if (rc == DM_OK && w.len - 2u > resp->cap)
		rc = DM_E_OVERFLOW;
	if (rc == DM_OK) {
		memcpy(resp->ptr, tmp, w.len - 2u);
		resp->len = w.len - 2u;
	}
	free(tmp);
	if (rc != DM_OK) {
		resp->len = 0;
		return DM_SW_TECHNICAL;
	}
	return sw;
}

/* INITIALIZE UPDATE (Amd D §7.1.1): 80 50 KVN 00, data = host challenge
 * (8 bytes, S8).  Response: key diversification data (10) || key
 * information (KVN, 03, i) || card challenge (8) || card cryptogram (8) ||
 * sequence counter (3). */
static uint16_t initialize_update(dm_applet_ctx *ctx, dm_dmsc_sec *sec, const dm_capdu *cmd,
				  dm_wbuf *resp)
{
	uint8_t out[32], cc[DM_SCP03_S8];
	dm_scp03_keys keys;
	dm_keys_role role;
	uint32_t seq;
	int rc;

	/* A new INITIALIZE UPDATE ends any session of the channel (Amd D §6.2.1). */
	dm_dmsc_sec_reset(sec);
	if (cmd->p2 != 0x00)
		return DM_SW_WRONG_P1P2;
	if (cmd->nc != DM_SCP03_S8)
		return DM_SW_WRONG_LENGTH;
	rc = dm_keys_get_scp03(ctx, cmd->p1, &role, &keys);
	if (rc == DM_E_NOT_FOUND)
		return DM_SW_REF_DATA_NOT_FOUND;
	if (rc != DM_OK)
		return rc == DM_E_IO ? DM_SW_MEMORY_PROBLEM : DM_SW_TECHNICAL;
	rc = dm_keys_scp03_seq_next(ctx, role, &seq);
	if (rc == DM_OK)
		rc = dm_scp03_card_challenge(&keys, DM_SCP03_S8, seq, dm_applet_aid(ctx), cc);
	if (rc == DM_OK)
		rc = dm_scp03_session_init(&sec->s, &keys, DM_SCP03_S8, cmd->data, cc);
	memset(out, 0, 10); /* key diversification data: none [ours] */
	if (rc == DM_OK) {
		dm_keys_info info;
		rc = dm_keys_get_info(ctx, &info);
		out[10] = info.kvn[role];
		out[11] = SCP03_ID;
		out[12] = SCP03_I;
		memcpy(out + 13, cc, sizeof cc);
	}
	if (rc == DM_OK)
		rc = dm_scp03_card_cryptogram(&sec->s, out + 21);
	dm_scp03_keys_wipe(&keys);
	if (rc != DM_OK) {
		dm_dmsc_sec_reset(sec);
		if (rc == DM_E_STATE)
			return DM_SW_CONDITIONS; /* sequence counter used up */
		return rc == DM_E_IO ? DM_SW_MEMORY_PROBLEM : DM_SW_TECHNICAL;
	}
	out[29] = (uint8_t)(seq >> 16);
	out[30] = (uint8_t)(seq >> 8);
	out[31] = (uint8_t)seq;
	sec->role = (uint8_t)role;
	sec->kvn = out[10];
	return dm_wbuf_put(resp, out, sizeof out) == DM_OK ? DM_SW_OK : DM_SW_TECHNICAL;
}

/* EXTERNAL AUTHENTICATE (Amd D §7.1.2): 84 82 SL 00, host cryptogram || C-MAC. */
static uint16_t external_authenticate(dm_dmsc_sec *sec, const dm_capdu *cmd)
{
	int rc;

	if (sec->s.state != DM_SCP03_INITIALIZED) {
		dm_dmsc_sec_reset(sec);
		return DM_SW_CONDITIONS;
	}
	rc = dm_scp03_card_external_auth(&sec->s, cmd);
	if (rc == DM_OK)
		return DM_SW_OK;
	dm_dmsc_sec_reset(sec);
	switch (rc) {
	case DM_E_LENGTH:
		return DM_SW_WRONG_LENGTH;
	case DM_E_VALUE:
		return DM_SW_WRONG_P1P2;
	default:
		return DM_SW_SECURITY_STATUS;
	}
}

uint16_t dm_dmsc_sec_process(dm_applet_ctx *ctx, dm_dmsc_sec *sec, const dm_capdu *cmd,
			     dm_wbuf *resp)
{
	if (ctx == NULL || sec == NULL || cmd == NULL || resp == NULL)
		return DM_SW_TECHNICAL;
	switch (cmd->ins) {
	case DM_DMSC_INS_INITIALIZE_UPDATE:
		return initialize_update(ctx, sec, cmd, resp);
	case DM_DMSC_INS_EXTERNAL_AUTH:
		return external_authenticate(sec, cmd);
	case DM_DMSC_INS_PSO:
		return dm_dmsc_pso(ctx, sec, cmd, resp);
	case DM_DMSC_INS_GET_DATA:
		return dm_dmsc_get_data(ctx, cmd, resp);
	case DM_DMSC_INS_SIGNED_UPDATE:
		return dm_dmsc_signed_update(ctx, cmd);
	case DM_DMSC_INS_POLICY_OP:
		return dm_dmsc_policy_op(ctx, cmd, resp);
	case DM_DMSC_INS_TRIGGER:
		return dm_dmsc_trigger_cmd(ctx, cmd);
	default:
		return DM_SW_INS_UNSUPPORTED;
	}
}

uint16_t dm_dmsc_sec_run(dm_applet_ctx *ctx, dm_dmsc_sec *sec, const dm_capdu *cmd,
			 dm_wbuf *resp, dm_dmsc_dispatch_fn dispatch)
{
	uint8_t *buf = NULL;
	dm_capdu plain;
	dm_wbuf b;
	uint16_t sw;

	if (ctx == NULL || sec == NULL || cmd == NULL || resp == NULL || dispatch == NULL)
		return DM_SW_TECHNICAL;
	if (cmd->nc > 0) {
		buf = malloc(cmd->nc);
		if (buf == NULL)
			return DM_SW_TECHNICAL;
	}
	b = dm_wbuf_init(buf, cmd->nc);
	sw = dm_dmsc_sec_unwrap(ctx, sec, cmd, &plain, &b);
	if (sw == DM_SW_OK) {
		if (dm_dmsc_sec_handles(&plain))
			sw = dm_dmsc_sec_process(ctx, sec, &plain, resp);
		else
			sw = dispatch(ctx, &plain, resp);
		sw = dm_dmsc_sec_wrap(ctx, sec, resp, sw);
	}
	if (buf != NULL) {
		dm_wipe(buf, cmd->nc);
		free(buf);
	}
	return sw;
}
