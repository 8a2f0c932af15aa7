/*
 * response.c - how response data reaches the reader: cut to Ne, the rest
 * kept per logical channel for GET RESPONSE (ISO 7816-4 §5.3.4, SW 61xx),
 * and the T=0 rules of ISO 7816-3 §12.2 (case 3/4 data only through GET
 * RESPONSE, 6Cxx for a wrong Le in case 2).
 *
 * The applet wrote its data into the channel's response buffer, so keeping
 * the rest for GET RESPONSE copies nothing: only offsets are remembered.
 */
#include "runtime_int.h"

#include <string.h>

#include "sw.h"

void dm_rt_put_sw(dm_wbuf *out, uint16_t sw)
{
	dm_put_u16be(out->ptr + out->len, sw);
	out->len += 2;
}

/* 61xx / 6Cxx parameter: a count, 256 or more coded as 00 (ISO 7816-4 §5.6). */
static uint8_t count_byte(size_t n)
{
	return n >= 256 ? 0x00 : (uint8_t)n;
}

static void put_data(dm_wbuf *out, const uint8_t *p, size_t n)
{
	if (n != 0)
		memcpy(out->ptr + out->len, p, n);
	out->len += n;
}

/* Send ch->resp[pend_off .. pend_off + n), then 61xx for what is left or the
 * final status word.  n must fit out (callers cut it). */
static void send_pending(struct dm_channel *ch, size_t n, dm_wbuf *out)
{
	put_data(out, ch->resp + ch->pend_off, n);
	ch->pend_off += n;
	size_t left = ch->pend_len - ch->pend_off;
	if (left != 0) {
		dm_rt_put_sw(out, DM_SW_MORE_DATA(count_byte(left)));
		return;
	}
	dm_rt_put_sw(out, ch->pend_sw);
	ch->pend_off = ch->pend_len = 0;
}

/* What fits out besides the status word. */
static size_t out_room(const dm_wbuf *out)
{
	return dm_wbuf_room(out) - 2;
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

void dm_rt_respond(struct dm_card *card, struct dm_channel *ch, const dm_capdu *cmd,
		   uint16_t sw, size_t len, dm_wbuf *out)
{
	dm_sw_class k = dm_sw_classify(sw);

	ch->pend_off = ch->pend_len = 0;
	/* ISO 7816-4 §5.6: response data only with a normal or warning status. */
	if (len == 0 || (k != DM_SW_CLASS_SUCCESS && k != DM_SW_CLASS_PROACTIVE &&
			 k != DM_SW_CLASS_WARNING)) {
		dm_rt_put_sw(out, sw);
		return;
	}
	ch->pend_len = len;
	ch->pend_sw = sw;

	/* T=0 (ISO 7816-3 §12.2.2-§12.2.4).  T=0 cannot carry extended
	 * lengths (it would use ENVELOPE), so extended APDUs follow the
	 * T=1 rules below whatever the protocol. */
	if (card->proto == DM_CARD_T0 && !cmd->extended) {
		if (cmd->apdu_case != 2) {
			/* Cases 1, 3, 4: the TPDU carries no Le; the data
			 * waits for GET RESPONSE, announced by 61xx. */
			dm_rt_put_sw(out, DM_SW_MORE_DATA(count_byte(len)));
			return;
		}
		if (len == cmd->ne && len <= out_room(out)) {
			send_pending(ch, len, out);
			return;
		}
		if (cmd->ne == DM_APDU_SHORT_MAX_NE && len > DM_APDU_SHORT_MAX_NE) {
			/* Le 00 and more than 256 bytes: 256 now, 61xx. */
			send_pending(ch, min_size(cmd->ne, out_room(out)), out);
			return;
		}
		/* Case 2S.3: Le not accepted, Na indicated.  The reader
		 * re-issues the command with Le = Na: keep the response for it
		 * (dm_rt_reissue), since the command must not run twice. */
		ch->pend_off = ch->pend_len = 0;
		if (len <= DM_APDU_SHORT_MAX_NE) {
			ch->reissue_hdr[0] = cmd->cla;
			ch->reissue_hdr[1] = cmd->ins;
			ch->reissue_hdr[2] = cmd->p1;
			ch->reissue_hdr[3] = cmd->p2;
			ch->reissue_len = len;
		}
		dm_rt_put_sw(out, DM_SW_WRONG_LE(count_byte(len)));
		return;
	}

	/* T=1 (and extended under T=0): no Le, no data (case 1/3). */
	if (cmd->ne == 0) {
		ch->pend_off = ch->pend_len = 0;
		dm_rt_put_sw(out, sw);
		return;
	}
	send_pending(ch, min_size(min_size(len, cmd->ne), out_room(out)), out);
}

bool dm_rt_reissue(struct dm_card *card, struct dm_channel *ch, const dm_capdu *cmd,
		   dm_wbuf *out)
{
	size_t len = ch->reissue_len;

	ch->reissue_len = 0; /* one chance: the very next command */
	if (len == 0 || card->proto != DM_CARD_T0 || cmd->extended || cmd->apdu_case != 2 ||
	    cmd->ne != len || cmd->cla != ch->reissue_hdr[0] || cmd->ins != ch->reissue_hdr[1] ||
	    cmd->p1 != ch->reissue_hdr[2] || cmd->p2 != ch->reissue_hdr[3] || len > out_room(out))
		return false;
	ch->pend_off = 0;
	ch->pend_len = len;
	send_pending(ch, len, out);
	return true;
}

void dm_rt_get_response(struct dm_card *card, struct dm_channel *ch, const dm_capdu *cmd,
			dm_wbuf *out)
{
	size_t left = ch->pend_len - ch->pend_off;

	if (left == 0) {
		/* Nothing to get: the previous command on this channel
		 * returned no data, or it was already read. */
		dm_rt_put_sw(out, DM_SW_CONDITIONS);
		return;
	}
	/* Wrong parameters keep the pending data: the reader may retry. */
	if (cmd->p1 != 0 || cmd->p2 != 0) {
		dm_rt_put_sw(out, DM_SW_WRONG_P1P2);
		return;
	}
	if (cmd->nc != 0) {
		dm_rt_put_sw(out, DM_SW_WRONG_LENGTH);
		return;
	}
	/* No Le: tell the exact length (as 6Cxx does for any case 2). */
	if (cmd->ne == 0) {
		dm_rt_put_sw(out, DM_SW_WRONG_LE(count_byte(left)));
		return;
	}
	/* T=0: more asked than there is is a wrong Le (case 2S.3); fewer is
	 * fine, 61xx tells the rest. */
	if (card->proto == DM_CARD_T0 && !cmd->extended && cmd->ne > left) {
		dm_rt_put_sw(out, DM_SW_WRONG_LE(count_byte(left)));
		return;
	}
	send_pending(ch, min_size(min_size(left, cmd->ne), out_room(out)), out);
}
