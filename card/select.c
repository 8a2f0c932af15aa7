/*
 * select.c - which instance is selected on which logical channel: SELECT by
 * DF name (ISO 7816-4 §11.1.1, P1 = 04) against the registry, with full and
 * partial (right-truncated) names and the four occurrence modes of P2, and
 * the select()/deselect() protocol of JCRE §4.5-§4.6.
 */
#include "runtime_int.h"

#include <string.h>

#include "sw.h"

/* SELECT P2 (ISO 7816-4 §11.1.1 table 39): b2-b1 occurrence, b4-b3 what
 * to return (FCI, FCP, FMD, nothing: left to the applet), b8-b5 zero. */
#define P2_OCCURRENCE_MASK 0x03u
#define P2_FIRST 0x00u
#define P2_LAST 0x01u
#define P2_NEXT 0x02u
#define P2_PREVIOUS 0x03u
#define P2_RFU_MASK 0xF0u

static const uint8_t mf_fid[2] = { 0x3F, 0x00 };

bool dm_rt_is_select_mf(const dm_capdu *cmd)
{
	return cmd->ins == 0xA4 && cmd->p1 == 0x00 &&
	       (cmd->nc == 0 || (cmd->nc == 2 && memcmp(cmd->data, mf_fid, 2) == 0));
}

void dm_rt_deactivate(struct dm_card *card, unsigned c)
{
	struct dm_instance *inst = card->ch[c].sel;

	if (inst == NULL)
		return;
	const dm_applet *a = inst->reg->applet;
	if (a->deselect != NULL) {
		dm_applet_ctx ctx = dm_rt_ctx(card, inst, c);
		a->deselect(&ctx);
	}
	if (a->deselect_size != 0)
		memset(inst->deselect_mem + (size_t)c * a->deselect_size, 0, a->deselect_size);
	inst->active &= ~(1u << c);
	card->ch[c].sel = NULL;
}

static bool accepted(uint16_t sw)
{
	dm_sw_class k = dm_sw_classify(sw);
	/* A warning still selects (TS 102 221 §11.1.1.3: 6283, a deactivated
	 * file, is selected). */
	return k == DM_SW_CLASS_SUCCESS || k == DM_SW_CLASS_PROACTIVE || k == DM_SW_CLASS_WARNING;
}

uint16_t dm_rt_activate(struct dm_card *card, unsigned c, struct dm_instance *inst,
			const dm_capdu *cmd, dm_wbuf *resp)
{
	dm_rt_deactivate(card, c);
	if (inst == NULL)
		return DM_SW_OK;
	inst->active |= 1u << c;
	card->ch[c].sel = inst;

	const dm_applet *a = inst->reg->applet;
	if (a->select == NULL)
		return DM_SW_OK;
	dm_applet_ctx ctx = dm_rt_ctx(card, inst, c);
	uint16_t sw = dm_rt_applet_sw(a->select(&ctx, cmd, resp));
	if (!accepted(sw)) {
		/* Refused: nothing selected on the channel, and nothing of
		 * what select() began is kept (JCRE §4.5.2). */
		inst->active &= ~(1u << c);
		card->ch[c].sel = NULL;
		if (a->deselect_size != 0)
			memset(inst->deselect_mem + (size_t)c * a->deselect_size, 0,
			       a->deselect_size);
		resp->len = 0;
	}
	return sw;
}

static bool name_matches(const dm_applet_reg *r, const uint8_t *name, size_t n)
{
	return r->aid_len != 0 && r->aid_len >= n && memcmp(r->aid, name, n) == 0;
}

/* Index of the instance the occurrence mode picks, or -1. */
static long find_occurrence(const struct dm_card *card, unsigned c, const uint8_t *name,
			    size_t n, unsigned mode)
{
	long count = (long)card->ninst;
	const struct dm_instance *cur = card->ch[c].sel;
	long from = -1;

	/* Next/previous count from the channel's current application when it
	 * matches the name; otherwise they behave as first/last. */
	if (cur != NULL && name_matches(cur->reg, name, n))
		from = (long)(cur - card->inst);
	if (mode == P2_NEXT && from < 0)
		mode = P2_FIRST;
	if (mode == P2_PREVIOUS && from < 0)
		mode = P2_LAST;

	switch (mode) {
	case P2_FIRST:
		from = -1;
		/* fall through */
	case P2_NEXT:
		for (long i = from + 1; i < count; i++)
			if (name_matches(card->inst[i].reg, name, n))
				return i;
		return -1;
	case P2_LAST:
		from = count;
		/* fall through */
	default: /* P2_PREVIOUS */
		for (long i = from - 1; i >= 0; i--)
			if (name_matches(card->inst[i].reg, name, n))
				return i;
		return -1;
	}
}

uint16_t dm_rt_select_by_name(struct dm_card *card, unsigned c, const dm_capdu *cmd,
			      dm_wbuf *resp)
{
	struct dm_instance *inst;

	if (cmd->p2 & P2_RFU_MASK)
		return DM_SW_WRONG_P1P2;
	if (cmd->nc > DM_AID_MAX)
		return DM_SW_WRONG_LENGTH;
	if (cmd->nc == 0) {
		/* No name: the default application, as SELECT MF without
		 * data (ISO 7816-4 §11.1.1); there is only one occurrence. */
		if (card->def == NULL || (cmd->p2 & P2_OCCURRENCE_MASK) != P2_FIRST)
			return DM_SW_FILE_NOT_FOUND;
		inst = card->def;
	} else {
		long i = find_occurrence(card, c, cmd->data, cmd->nc,
					 cmd->p2 & P2_OCCURRENCE_MASK);
		/* Unknown names are answered here, never passed to the
		 * current applet: a reader probing for applications (OpenSC
		 * does) must get 6A82, and the selection stays as it was. */
		if (i < 0)
			return DM_SW_FILE_NOT_FOUND;
		inst = &card->inst[i];
	}
	/* JCRE §4.5.2: a non-multiselectable instance active on another
	 * channel cannot be selected here too. */
	if (!(inst->reg->applet->flags & DM_APPLET_MULTISELECTABLE) &&
	    (inst->active & ~(1u << c)) != 0)
		return DM_SW_CONDITIONS;
	return dm_rt_activate(card, c, inst, cmd, resp);
}
