/*
 * runtime.c - dm_card (card.h): opening the card image, power events, and
 * the dispatch of every C-APDU.  All checks that do not depend on an applet
 * are made here, once, in this order (docs/runtime.md, "Dispatch"):
 *
 *   1. the APDU parses (ISO 7816-4 §5.1)                         else 6700
 *   2. the CLA is a class (not FF, not RFU 2X/3X)                else 6E00
 *   3. a chain in progress is continued (ISO 7816-4 §5.1.1.1)    else 6883
 *   4. the logical channel is open                               else 6881
 *   5. GET RESPONSE (00 C0) is answered from the channel's pending data
 *   6. chained parts are collected, if the target accepts chains else 6884
 *   7. MANAGE CHANNEL, SELECT by DF name and SELECT MF are the runtime's
 *   8. anything else goes to the channel's selected applet      (6D00 if none)
 *
 * The runtime owns one response buffer per logical channel and one chain
 * buffer, allocated at open: no allocation per APDU.
 */
#include "runtime_int.h"
#include "profile_load.h"

#include <stdlib.h>
#include <string.h>

#include "sw.h"

#define INS_SELECT 0xA4u
#define INS_MANAGE_CHANNEL 0x70u
#define INS_GET_RESPONSE 0xC0u
#define P1_SELECT_BY_NAME 0x04u

static int registry_check(const dm_applet_reg *reg, size_t n)
{
	size_t defaults = 0;

	if (reg == NULL || n == 0 || n > 256)
		return DM_E_ARG;
	for (size_t i = 0; i < n; i++) {
		const dm_applet_reg *r = &reg[i];
		if (r->applet == NULL || r->applet->process == NULL)
			return DM_E_ARG;
		if (r->aid_len == 0)
			defaults++;
		else if (r->aid_len < DM_AID_MIN || r->aid_len > DM_AID_MAX)
			return DM_E_ARG;
		for (size_t j = 0; j < i; j++)
			if (reg[j].aid_len == r->aid_len && r->aid_len != 0 &&
			    memcmp(reg[j].aid, r->aid, r->aid_len) == 0)
				return DM_E_ARG;
	}
	return defaults <= 1 ? DM_OK : DM_E_ARG;
}

/* RAM: instances, transient memory, response and chain buffers. */
static int card_alloc(struct dm_card *card, const dm_applet_reg *reg, size_t n)
{
	size_t tlen = 0;

	card->inst = calloc(n, sizeof *card->inst);
	if (card->inst == NULL || dm_tk_create(card, reg, n) != DM_OK)
		return DM_E_NOMEM;
	card->ninst = n;
	for (size_t i = 0; i < n; i++) {
		const dm_applet *a = reg[i].applet;
		tlen += a->reset_size + (size_t)a->deselect_size * DM_CARD_CHANNELS;
	}
	card->transient_len = tlen;
	if (tlen != 0) {
		card->transient = calloc(1, tlen);
		if (card->transient == NULL)
			return DM_E_NOMEM;
	}
	uint8_t *t = card->transient;
	for (size_t i = 0; i < n; i++) {
		const dm_applet *a = reg[i].applet;
		struct dm_instance *inst = &card->inst[i];
		inst->reg = &reg[i];
		if (reg[i].aid_len == 0)
			card->def = inst;
		if (a->reset_size != 0) {
			inst->reset_mem = t;
			t += a->reset_size;
		}
		if (a->deselect_size != 0) {
			inst->deselect_mem = t;
			t += (size_t)a->deselect_size * DM_CARD_CHANNELS;
		}
	}
	/* calloc: pages of channels never used are never touched. */
	card->buffers = calloc(DM_CARD_CHANNELS * (size_t)DM_APDU_EXT_MAX_NE + DM_APDU_EXT_MAX_NC, 1);
	if (card->buffers == NULL)
		return DM_E_NOMEM;
	for (unsigned c = 0; c < DM_CARD_CHANNELS; c++)
		card->ch[c].resp = card->buffers + (size_t)c * DM_APDU_EXT_MAX_NE;
	card->chain.buf = card->buffers + DM_CARD_CHANNELS * (size_t)DM_APDU_EXT_MAX_NE;
	return DM_OK;
}

static int store_open_or_create(const dm_card_config *cfg, dm_store **store)
{
	dm_store_opts opts = {
		.flags = cfg->store_flags,
		.cut_after_writes = cfg->cut_after_writes,
	};
	int rc = dm_store_open(cfg->image_path, &opts, store);

	if (rc != DM_E_NOT_FOUND)
		return rc;
	rc = dm_store_create(cfg->image_path,
			     cfg->capacity != 0 ? cfg->capacity : DM_STORE_DEFAULT_CAPACITY, &opts);
	/* DM_E_STATE: another process created it meanwhile; open that. */
	if (rc != DM_OK && rc != DM_E_STATE)
		return rc;
	return dm_store_open(cfg->image_path, &opts, store);
}

int dm_card_open_registry(const dm_card_config *cfg, const dm_applet_reg *reg, size_t n,
			  dm_card **out)
{
	if (out == NULL)
		return DM_E_ARG;
	*out = NULL;
	if (cfg == NULL || cfg->image_path == NULL ||
	    (cfg->protocol != DM_CARD_T1 && cfg->protocol != DM_CARD_T0))
		return DM_E_ARG;
	int rc = registry_check(reg, n);
	if (rc != DM_OK)
		return rc;

	struct dm_card *card = calloc(1, sizeof *card);
	if (card == NULL)
		return DM_E_NOMEM;
	card->proto = cfg->protocol;
	dm_wbuf atr = dm_wbuf_init(card->atr, sizeof card->atr);
	rc = dm_atr_build(card->proto, &atr);
	card->atr_len = atr.len;
	if (rc == DM_OK)
		rc = card_alloc(card, reg, n);
	if (rc == DM_OK)
		rc = store_open_or_create(cfg, &card->store);
	card->profile = cfg->profile;
	if (rc == DM_OK)
		rc = dm_rt_install(card);
	/* The profile is for installation only (card.h: borrowed). */
	card->profile = NULL;
	dm_profile_free(&card->own_profile);
	if (rc != DM_OK) {
		dm_card_close(&card);
		return rc;
	}
	dm_card_power(card, DM_POWER_ON);
	*out = card;
	return DM_OK;
}

int dm_card_open(const dm_card_config *cfg, dm_card **out)
{
	return dm_card_open_registry(cfg, dm_default_registry, dm_default_registry_len, out);
}

void dm_card_close(dm_card **pcard)
{
	if (pcard == NULL || *pcard == NULL)
		return;
	struct dm_card *card = *pcard;
	dm_store_close(&card->store); /* an open transaction is discarded */
	dm_profile_free(&card->own_profile);
	dm_rt_services_destroy(card);
	/* Transient memory and buffers may hold session keys and PINs. */
	if (card->transient != NULL) {
		dm_wipe(card->transient, card->transient_len);
		free(card->transient);
	}
	if (card->buffers != NULL) {
		dm_wipe(card->buffers, DM_CARD_CHANNELS * (size_t)DM_APDU_EXT_MAX_NE +
					       DM_APDU_EXT_MAX_NC);
		free(card->buffers);
	}
	dm_tk_destroy(card);
	free(card->inst);
	free(card);
	*pcard = NULL;
}

dm_bytes dm_card_atr(const dm_card *card)
{
	if (card == NULL)
		return dm_bytes_of(NULL, 0);
	return dm_bytes_of(card->atr, card->atr_len);
}

/* Run fn-like work "for an applet": persistent writes allowed, then the
 * command's transaction ends by the status word. */
static void command_begin(struct dm_card *card)
{
	card->in_command = true;
}

static uint16_t command_end(struct dm_card *card, uint16_t sw)
{
	card->in_command = false;
	sw = dm_rt_txn_end(card, sw);
	dm_sw_class k = dm_sw_classify(sw);
	dm_tk_command_end(card, k == DM_SW_CLASS_SUCCESS || k == DM_SW_CLASS_PROACTIVE ||
				       k == DM_SW_CLASS_WARNING);
	return sw;
}

void dm_card_power(dm_card *card, dm_power_event ev)
{
	if (card == NULL)
		return;
	if (!card->dead) {
		for (size_t i = 0; i < card->ninst; i++) {
			const dm_applet *a = card->inst[i].reg->applet;
			if (a->power != NULL) {
				dm_applet_ctx ctx = dm_rt_ctx(card, &card->inst[i], 0);
				a->power(&ctx, ev);
			}
		}
	}
	/* Session state goes, persistent state stays (card.h). */
	dm_chain_drop(&card->chain);
	dm_rt_channels_reset(card);
	dm_tk_power(card);
	if (card->transient != NULL)
		memset(card->transient, 0, card->transient_len);
	card->powered = ev != DM_POWER_OFF;
	if (!card->powered || card->dead || card->def == NULL)
		return;
	/* The default application is selected on the basic channel at
	 * power-on (ISO 7816-4: after the ATR the MF is the current DF). */
	dm_wbuf scratch = dm_wbuf_init(card->ch[0].resp, DM_APDU_EXT_MAX_NE);
	command_begin(card);
	uint16_t sw = dm_rt_activate(card, 0, card->def, NULL, &scratch);
	command_end(card, sw);
}

/* Steps 7-8 of the dispatch: who handles the (whole) command. */
static uint16_t route(struct dm_card *card, unsigned c, const dm_cla *cla, const dm_capdu *cmd,
		      dm_wbuf *resp)
{
	struct dm_channel *ch = &card->ch[c];

	if (cla->interindustry) {
		if (cmd->ins == INS_MANAGE_CHANNEL)
			return dm_rt_manage_channel(card, c, cla->sm, cmd, resp);
		if (cmd->ins == INS_SELECT && cmd->p1 == P1_SELECT_BY_NAME)
			return dm_rt_select_by_name(card, c, cmd, resp);
		/* SELECT MF from inside an application goes back to the
		 * file system, as on a UICC where the MF is selectable from
		 * anywhere; once there, the MF's own process() handles it. */
		if (card->def != NULL && ch->sel != card->def && dm_rt_is_select_mf(cmd))
			return dm_rt_activate(card, c, card->def, cmd, resp);
	}
	/* The toolkit commands are the runtime's, whatever is selected. */
	if (dm_tk_handles(card, cla, cmd))
		return dm_tk_command(card, c, cmd, resp);
	if (ch->sel == NULL)
		return DM_SW_INS_UNSUPPORTED; /* no application to process it */
	dm_applet_ctx ctx = dm_rt_ctx(card, ch->sel, c);
	return dm_rt_applet_sw(ch->sel->reg->applet->process(&ctx, cmd, resp));
}

/* Commands the runtime handles itself never take part in a chain. */
static bool runtime_command(const struct dm_card *card, const struct dm_channel *ch,
			    const dm_cla *cla, const dm_capdu *cmd)
{
	if (dm_tk_handles(card, cla, cmd))
		return true;
	if (!cla->interindustry)
		return false;
	return cmd->ins == INS_MANAGE_CHANNEL || cmd->ins == INS_GET_RESPONSE ||
	       (cmd->ins == INS_SELECT && cmd->p1 == P1_SELECT_BY_NAME) ||
	       (card->def != NULL && ch->sel != card->def && dm_rt_is_select_mf(cmd));
}

static void dispatch(struct dm_card *card, const uint8_t *raw, size_t len, dm_wbuf *out)
{
	dm_capdu cmd;
	dm_cla cla;

	/* 1-2: a command that cannot be read also ends any chain. */
	if (dm_capdu_parse(raw, len, &cmd) != DM_OK) {
		dm_chain_drop(&card->chain);
		dm_rt_put_sw(out, DM_SW_WRONG_LENGTH);
		return;
	}
	if (dm_cla_decode(cmd.cla, &cla) != DM_OK) {
		dm_chain_drop(&card->chain);
		dm_rt_put_sw(out, DM_SW_CLA_UNSUPPORTED);
		return;
	}
	/* 3: one chain at a time, for the whole card (one chain buffer). */
	if (card->chain.active && !dm_chain_continues(&card->chain, &cmd)) {
		dm_chain_drop(&card->chain);
		dm_rt_put_sw(out, DM_SW_LAST_CMD_EXPECTED);
		return;
	}
	/* 4 */
	unsigned c = cla.channel;
	struct dm_channel *ch = &card->ch[c];
	if (c >= DM_CARD_CHANNELS || !ch->open) {
		dm_rt_put_sw(out, DM_SW_LCHAN_UNSUPPORTED);
		return;
	}
	/* 5 (a GET RESPONSE with b5 set is refused at 6 below) */
	if (cla.interindustry && cmd.ins == INS_GET_RESPONSE && !cla.chaining) {
		ch->reissue_len = 0;
		dm_rt_get_response(card, ch, &cmd, out);
		return;
	}
	/* T=0: the re-issue of a command answered 6Cxx gets the kept answer. */
	if (ch->reissue_len != 0 && dm_rt_reissue(card, ch, &cmd, out))
		return;
	/* Any other command on the channel drops its pending response. */
	ch->pend_off = ch->pend_len = 0;

	/* 6 */
	if (cla.chaining) {
		if (runtime_command(card, ch, &cla, &cmd) || ch->sel == NULL ||
		    !(ch->sel->reg->applet->flags & DM_APPLET_CHAINING)) {
			dm_chain_drop(&card->chain);
			dm_rt_put_sw(out, DM_SW_CHAINING_UNSUPPORTED);
			return;
		}
		dm_rt_put_sw(out, dm_chain_append(&card->chain, &cmd) == DM_OK ?
				  DM_SW_OK : DM_SW_WRONG_LENGTH);
		return;
	}
	if (card->chain.active) {
		/* The last part: deliver the whole chain as one command. */
		if (dm_chain_append(&card->chain, &cmd) != DM_OK) {
			dm_rt_put_sw(out, DM_SW_WRONG_LENGTH);
			return;
		}
		cmd.nc = card->chain.len;
		cmd.data = cmd.nc != 0 ? card->chain.buf : NULL;
		cmd.apdu_case = (uint8_t)(cmd.nc == 0 ? (cmd.ne ? 2 : 1) : (cmd.ne ? 4 : 3));
		card->chain.active = false; /* the buffer stays valid until the next chain */
	}
	cmd.cla = (uint8_t)(cmd.cla & ~DM_CLA_CHAIN_BIT);

	/* 7-8 */
	dm_wbuf resp = dm_wbuf_init(ch->resp, DM_APDU_EXT_MAX_NE);
	command_begin(card);
	uint16_t sw = route(card, c, &cla, &cmd, &resp);
	dm_tk_status(card, c, &cla, &cmd, sw);
	sw = dm_tk_final_sw(card, c, command_end(card, sw));
	if (resp.len > DM_APDU_EXT_MAX_NE)
		resp.len = 0; /* an applet broke the wbuf contract: send nothing */
	dm_rt_respond(card, ch, &cmd, sw, resp.len, out);
}

int dm_card_transmit(dm_card *card, const uint8_t *capdu, size_t len, dm_wbuf *out)
{
	if (card == NULL || out == NULL || out->ptr == NULL || out->len > out->cap ||
	    dm_wbuf_room(out) < 2 || (capdu == NULL && len != 0))
		return DM_E_ARG;
	if (card->dead) {
		dm_rt_put_sw(out, DM_SW_MEMORY_PROBLEM);
		return DM_E_IO;
	}
	/* vpcd powers the card on before any APDU; a caller that did not is
	 * treated as if it had (no answer is never an option: card.h). */
	if (!card->powered)
		dm_card_power(card, DM_POWER_ON);
	dispatch(card, capdu, len, out);
	return card->dead ? DM_E_IO : DM_OK;
}
