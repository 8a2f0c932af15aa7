/*
 * security.c - security status and access rule evaluation (security.h;
 * TS 102 221 §9, ISO/IEC 7816-4 §5.4.3).  docs/security.md.
 *
 * Deny by default, at every level: a rule that does not parse, a condition
 * this card does not implement, an operation no rule mentions are all
 * "not allowed" (6982).  No unsupported condition can ever evaluate to
 * true: NOT templates are not implemented (negating an unknown condition
 * could turn "unknown" into "allowed"), so they evaluate to false.
 */
#include "security.h"

#include "arr.h"
#include "pin.h"
#include "sw.h"

/* Internal results of a condition: true, false, or a medium error (< 0). */
enum { COND_FALSE = 0, COND_TRUE = 1 };

uint8_t dm_sec_am_bit(dm_sec_op op, bool df)
{
	switch (op) {
	case DM_SEC_OP_READ:
		return df ? 0 : DM_ARR_AM_EF_READ;
	case DM_SEC_OP_UPDATE:
		return df ? 0 : DM_ARR_AM_EF_UPDATE;
	case DM_SEC_OP_WRITE:
		return df ? 0 : DM_ARR_AM_EF_WRITE;
	case DM_SEC_OP_DEACTIVATE:
		return DM_ARR_AM_DEACTIVATE;
	case DM_SEC_OP_ACTIVATE:
		return DM_ARR_AM_ACTIVATE;
	case DM_SEC_OP_TERMINATE:
		return DM_ARR_AM_TERMINATE;
	case DM_SEC_OP_DELETE_SELF:
		return DM_ARR_AM_DELETE_SELF;
	case DM_SEC_OP_DELETE_CHILD:
		return df ? DM_ARR_AM_DF_DELETE_CHILD : 0;
	case DM_SEC_OP_CREATE_EF:
		return df ? DM_ARR_AM_DF_CREATE_EF : 0;
	case DM_SEC_OP_CREATE_DF:
		return df ? DM_ARR_AM_DF_CREATE_DF : 0;
	default: /* INCREASE, RESIZE: command header only */
		return 0;
	}
}

/* INS codes: TS 102 221 §10.1.2 table 10.5, TS 102 222 §6. */
uint8_t dm_sec_op_ins(dm_sec_op op, bool df)
{
	switch (op) {
	case DM_SEC_OP_READ:
		return df ? 0 : 0xB0;   /* READ BINARY */
	case DM_SEC_OP_UPDATE:
		return df ? 0 : 0xD6;   /* UPDATE BINARY */
	case DM_SEC_OP_WRITE:
		return df ? 0 : 0xD0;   /* WRITE BINARY */
	case DM_SEC_OP_INCREASE:
		return df ? 0 : 0x32;
	case DM_SEC_OP_DEACTIVATE:
		return 0x04;
	case DM_SEC_OP_ACTIVATE:
		return 0x44;
	case DM_SEC_OP_TERMINATE:
		return df ? 0xE6 : 0xE8; /* TERMINATE DF / TERMINATE EF */
	case DM_SEC_OP_DELETE_SELF:
		return 0xE4;
	case DM_SEC_OP_DELETE_CHILD:
		return df ? 0xE4 : 0;
	case DM_SEC_OP_CREATE_EF:
	case DM_SEC_OP_CREATE_DF:
		return df ? 0xE0 : 0;
	case DM_SEC_OP_RESIZE:
		return 0xD4;
	default:
		return 0;
	}
}

bool dm_keyref_valid(uint8_t kr)
{
	uint8_t n = kr & 0x7F;

	if (kr == DM_KEYREF_UNIVERSAL)
		return true;
	/* TS 102 221 table 9.3: 01-08 / 81-88 PINs, 0A-0E / 8A-8E ADM. */
	return (n >= 0x01 && n <= 0x08) || (n >= 0x0A && n <= 0x0E);
}

bool dm_keyref_local(uint8_t kr)
{
	return dm_keyref_valid(kr) && (kr & 0x80) != 0;
}

bool dm_keyref_adm(uint8_t kr)
{
	uint8_t n = kr & 0x7F;

	return n >= 0x0A && n <= 0x0E;
}

void dm_sec_clear(dm_sec_state *st)
{
	if (st != NULL)
		*st = (dm_sec_state){ 0 };
}

void dm_sec_clear_app(dm_sec_state *st, uint8_t app)
{
	if (st != NULL && app < DM_SEC_MAX_APPS)
		st->local[app] = 0;
}

bool dm_sec_verified(const dm_sec_state *st, uint8_t kr, uint8_t app)
{
	if (st == NULL || !dm_keyref_valid(kr))
		return false;
	if (!dm_keyref_local(kr))
		return (st->global >> (kr - 1)) & 1u;
	if (app >= DM_SEC_MAX_APPS)
		return false;
	return (st->local[app] >> (kr - 0x81)) & 1u;
}

void dm_sec_set(dm_sec_state *st, uint8_t kr, uint8_t app, bool verified)
{
	if (st == NULL || !dm_keyref_valid(kr))
		return;
	if (!dm_keyref_local(kr)) {
		uint32_t bit = 1u << (kr - 1);
		st->global = verified ? st->global | bit : st->global & ~bit;
		return;
	}
	if (app >= DM_SEC_MAX_APPS)
		return;
	uint16_t bit = (uint16_t)(1u << (kr - 0x81));
	st->local[app] = (uint16_t)(verified ? st->local[app] | bit : st->local[app] & ~bit);
}

uint8_t dm_sec_current_se(const dm_sec_ctx *sc)
{
	(void)sc;
	return 0x01;
}

/*
 * User verification with key reference kr (TS 102 221 §9.5.1): satisfied
 * when kr is verified in this session, or when its PIN is disabled (TS 102
 * 221 §11.1.11.1: "files protected by PIN are now accessible as if they
 * were marked ALWAYS"; this card offers no replacement key).
 */
static int key_satisfied(const dm_sec_ctx *sc, uint8_t kr)
{
	dm_pin_info info;
	int rc;

	if (!dm_keyref_valid(kr))
		return COND_FALSE;
	if (dm_sec_verified(sc->state, kr, sc->app))
		return COND_TRUE;
	if (sc->pins == NULL)
		return COND_FALSE;
	rc = dm_pin_info_get(sc->pins, kr, sc->app, &info);
	if (rc == DM_E_NOT_FOUND)
		return COND_FALSE;
	if (rc != DM_OK)
		return rc;
	return info.enabled ? COND_FALSE : COND_TRUE;
}

static int eval_list(const dm_sec_ctx *sc, const uint8_t *in, size_t len, bool all,
		     unsigned depth);

static int eval_sc(const dm_sec_ctx *sc, const dm_arr_sc *c, unsigned depth)
{
	switch (c->kind) {
	case DM_ARR_SC_KIND_ALWAYS:
		return COND_TRUE;
	case DM_ARR_SC_KIND_BYTE:
		/* ISO 7816-4 table 20: 00 no condition; FF never; anything
		 * else names SE mechanisms this card does not have. */
		return c->sc_byte == DM_ARR_SC_ALWAYS ? COND_TRUE : COND_FALSE;
	case DM_ARR_SC_KIND_USER:
		return key_satisfied(sc, c->key_ref);
	case DM_ARR_SC_KIND_OR:
		return eval_list(sc, c->inner, c->inner_len, false, depth + 1);
	case DM_ARR_SC_KIND_AND:
		return eval_list(sc, c->inner, c->inner_len, true, depth + 1);
	default: /* NEVER, NOT, other CRTs (SM, external authentication) */
		return COND_FALSE;
	}
}

/* SC_DOs in OR (all == false: ISO 7816-4 §5.4.3.3, several SC_DOs after an
 * AM_DO, and the A0 template) or AND (AF template). */
static int eval_list(const dm_sec_ctx *sc, const uint8_t *in, size_t len, bool all,
		     unsigned depth)
{
	dm_arr_iter it;
	dm_arr_sc c;
	int rc, v;

	if (depth > DM_ARR_MAX_DEPTH)
		return COND_FALSE;
	dm_arr_sc_init(&it, in, len);
	while ((rc = dm_arr_sc_next(&it, &c)) == 1) {
		v = eval_sc(sc, &c, depth);
		if (v < 0)
			return v;
		if (all && v == COND_FALSE)
			return COND_FALSE;
		if (!all && v == COND_TRUE)
			return COND_TRUE;
	}
	if (rc < 0)
		return COND_FALSE; /* validated before: cannot happen; deny anyway */
	return all ? COND_TRUE : COND_FALSE;
}

/* Does an AM byte cover the access?  b8 set makes b7-b4 proprietary
 * (ISO 7816-4 §5.4.3.2): they then cover nothing we know. */
static bool am_covers(uint8_t am, const dm_sec_access *acc)
{
	uint8_t bit = dm_sec_am_bit(acc->op, acc->df);

	if (bit == 0)
		return false;
	if ((am & DM_ARR_AM_PROPRIETARY) && bit > DM_ARR_AM_EF_WRITE)
		return false;
	return (am & bit) != 0;
}

/* The class without its logical channel and chaining bits (ISO 7816-4
 * §5.4.1): a rule naming CLA 00 also governs the command on channel 3. */
static uint8_t cla_class(uint8_t cla)
{
	return (cla & 0x40) ? (cla & 0xE0) : (cla & 0xEC);
}

static bool header_covers(const dm_arr_rule *r, const dm_sec_access *acc)
{
	if (acc->cmd == NULL) {
		/* Without a command only an INS-only header can be matched. */
		uint8_t ins = dm_sec_op_ins(acc->op, acc->df);
		return r->present == DM_ARR_CMD_INS && ins != 0 && r->ins == ins;
	}
	const dm_capdu *c = acc->cmd;
	if ((r->present & DM_ARR_CMD_CLA) && cla_class(r->cla) != cla_class(c->cla))
		return false;
	if ((r->present & DM_ARR_CMD_INS) && r->ins != c->ins)
		return false;
	if ((r->present & DM_ARR_CMD_P1) && r->p1 != c->p1)
		return false;
	if ((r->present & DM_ARR_CMD_P2) && r->p2 != c->p2)
		return false;
	return true;
}

static uint16_t check_expanded(const dm_sec_ctx *sc, const uint8_t *rule, size_t len,
			       const dm_sec_access *acc)
{
	dm_arr_iter it;
	dm_arr_rule r;
	bool covered = false;
	int rc, v;

	if (dm_arr_validate(rule, len) != DM_OK)
		return DM_SW_SECURITY_STATUS;
	dm_arr_iter_init(&it, rule, len);
	while ((rc = dm_arr_next(&it, &r)) == 1) {
		bool covers = r.command ? header_covers(&r, acc) : am_covers(r.am, acc);
		if (!covers)
			continue;
		covered = true;
		/* Every rule covering the access must hold [ours, conservative]. */
		v = eval_list(sc, r.sc, r.sc_len, false, 1);
		if (v < 0)
			return DM_SW_MEMORY_PROBLEM;
		if (v == COND_FALSE)
			return DM_SW_SECURITY_STATUS;
	}
	if (rc < 0 || !covered)
		return DM_SW_SECURITY_STATUS;
	return DM_SW_OK;
}

static uint16_t check_compact(const uint8_t *rule, size_t len, const dm_sec_access *acc)
{
	dm_arr_iter it;
	dm_arr_compact_set s;
	uint8_t scb;
	int rc;

	if (dm_arr_compact_validate(rule, len) != DM_OK)
		return DM_SW_SECURITY_STATUS;
	/* Sets are alternatives (TS 102 221 §9.2, compact format). */
	dm_arr_iter_init(&it, rule, len);
	while ((rc = dm_arr_compact_next(&it, &s)) == 1) {
		if (!am_covers(s.am, acc))
			continue;
		if (dm_arr_compact_sc(&s, dm_sec_am_bit(acc->op, acc->df), &scb) == DM_OK &&
		    scb == DM_ARR_SC_ALWAYS)
			return DM_SW_OK;
	}
	return DM_SW_SECURITY_STATUS;
}

uint16_t dm_sec_check(const dm_sec_ctx *sc, dm_sec_rule_form form, const uint8_t *rule,
		      size_t len, const dm_sec_access *acc)
{
	if (sc == NULL || sc->state == NULL || acc == NULL || acc->op >= DM_SEC_OP_COUNT ||
	    (rule == NULL && len != 0))
		return DM_SW_SECURITY_STATUS;
	switch (form) {
	case DM_SEC_RULE_EXPANDED:
		return check_expanded(sc, rule, len, acc);
	case DM_SEC_RULE_COMPACT:
		return check_compact(rule, len, acc);
	default:
		return DM_SW_SECURITY_STATUS;
	}
}
