/*
 * channel.c - logical channels: MANAGE CHANNEL open and close (ISO 7816-4
 * §11.1.2), with the status words of JCRE §4.5.1 and §4.6.1, which spell
 * out the cases ISO leaves open.  DM_CARD_CHANNELS (20) channels: 0-3 are
 * addressed by CLA 0X/8X, 4-19 by CLA 4X-7X/CX-FX.
 */
#include "runtime_int.h"

#include "sw.h"

#define P1_OPEN 0x00u
#define P1_CLOSE 0x80u
/* Warning, no information given, state unchanged (ISO 7816-4 §5.6;
 * Java Card's SW_WARNING_STATE_UNCHANGED). */
#define SW_WARNING_UNCHANGED 0x6200u

void dm_rt_channels_reset(struct dm_card *card)
{
	for (unsigned c = 0; c < DM_CARD_CHANNELS; c++) {
		struct dm_channel *ch = &card->ch[c];
		ch->open = c == 0;
		ch->sel = NULL;
		ch->pend_off = ch->pend_len = 0;
		ch->reissue_len = 0;
	}
	for (size_t i = 0; i < card->ninst; i++)
		card->inst[i].active = 0;
}

static uint16_t open_channel(struct dm_card *card, unsigned origin, const dm_capdu *cmd,
			     dm_wbuf *resp)
{
	unsigned c;

	if (cmd->p2 == 0) {
		/* Card-assigned: the reader must ask for exactly the one
		 * byte that carries the number (JCRE §4.5.1 step 4). */
		if (cmd->ne != 1)
			return DM_SW_WRONG_LE(1);
		for (c = 1; c < DM_CARD_CHANNELS && card->ch[c].open; c++)
			;
		if (c == DM_CARD_CHANNELS)
			return DM_SW_FUNC_UNSUPPORTED; /* none left */
	} else {
		c = cmd->p2;
		if (card->ch[c].open)
			return DM_SW_WRONG_P1P2;
	}

	/* ISO 7816-4 §11.1.2: opened from the basic channel, the new channel
	 * starts at the MF (our default application); opened from another
	 * channel, it inherits that channel's selection. */
	struct dm_instance *inst = origin == 0 ? card->def : card->ch[origin].sel;
	if (inst != NULL && !(inst->reg->applet->flags & DM_APPLET_MULTISELECTABLE) &&
	    inst->active != 0)
		return DM_SW_CONDITIONS;

	card->ch[c].open = true;
	card->ch[c].pend_off = card->ch[c].pend_len = 0;
	card->ch[c].reissue_len = 0;
	/* The selection's own response data is not part of the answer. */
	dm_wbuf scratch = dm_wbuf_init(card->ch[c].resp, DM_APDU_EXT_MAX_NE);
	uint16_t sw = dm_rt_activate(card, c, inst, NULL, &scratch);
	if (card->ch[c].sel != inst) {
		/* The application refused: the channel is not opened. */
		card->ch[c].open = false;
		return sw;
	}
	if (cmd->p2 == 0)
		dm_wbuf_put_u8(resp, (uint8_t)c); /* resp is empty and large */
	return DM_SW_OK;
}

static uint16_t close_channel(struct dm_card *card, const dm_capdu *cmd)
{
	unsigned c = cmd->p2;

	/* The basic channel is never closed (JCRE §4.6.1 step 4). */
	if (c == 0)
		return DM_SW_FUNC_UNSUPPORTED;
	/* Closing a channel that is not open: warning, nothing changed
	 * (JCRE §4.6.1). */
	if (!card->ch[c].open)
		return SW_WARNING_UNCHANGED;
	dm_rt_deactivate(card, c);
	card->ch[c].open = false;
	card->ch[c].pend_off = card->ch[c].pend_len = 0;
	card->ch[c].reissue_len = 0;
	return DM_SW_OK;
}

uint16_t dm_rt_manage_channel(struct dm_card *card, unsigned c, uint8_t sm,
			      const dm_capdu *cmd, dm_wbuf *resp)
{
	if (sm != 0)
		return DM_SW_SM_UNSUPPORTED;
	if ((cmd->p1 != P1_OPEN && cmd->p1 != P1_CLOSE) || cmd->p2 >= DM_CARD_CHANNELS)
		return DM_SW_FUNC_UNSUPPORTED;
	if (cmd->nc != 0)
		return DM_SW_WRONG_LENGTH;
	if (cmd->p1 == P1_OPEN)
		return open_channel(card, c, cmd, resp);
	return close_channel(card, cmd);
}
