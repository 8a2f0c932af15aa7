/*
 * pin.c - PIN objects and VERIFY/CHANGE/DISABLE/ENABLE/UNBLOCK PIN (pin.h;
 * TS 102 221 §9.4, §11.1.9-§11.1.13).  docs/security.md.
 *
 * Record layout (DM_PIN_RECORD_SIZE bytes, slot i at io->base + 32 i):
 *   0      magic 'P' when the slot holds a PIN, 00 when free
 *   1      key reference
 *   2      owning application (local key references), 0 for global ones
 *   3      flags: b1 enabled, b2 may be disabled, b3 has an UNBLOCK PIN
 *   4, 5   PIN retry limit, retries left (0 = blocked)
 *   6, 7   UNBLOCK PIN retry limit, retries left (0 = blocked for good)
 *   8-15   PIN value (8 bytes, FF padded)
 *   16-23  UNBLOCK PIN value
 *   24-31  zero
 * Each counter is one byte of its own, so decrementing it is a one-byte
 * write that the store journals and commits atomically.
 */
#include "pin.h"

#include <string.h>

#include "arr.h"
#include "sw.h"

#define REC_MAGIC 0x50u /* 'P' */
#define OFF_MAGIC 0u
#define OFF_KEYREF 1u
#define OFF_APP 2u
#define OFF_FLAGS 3u
#define OFF_LIMIT 4u
#define OFF_LEFT 5u
#define OFF_PUK_LIMIT 6u
#define OFF_PUK_LEFT 7u
#define OFF_VALUE 8u
#define OFF_PUK 16u

#define FLAG_ENABLED 0x01u
#define FLAG_MAY_DISABLE 0x02u
#define FLAG_HAS_PUK 0x04u

/* Retry counters are reported in the low nibble of 63Cx. */
#define MAX_TRIES 15u

/* ---- io over an applet's persistent region ---- */

static int applet_read(void *ctx, uint32_t off, void *buf, size_t n)
{
	return dm_applet_read(ctx, off, buf, n);
}

static int applet_write(void *ctx, uint32_t off, const void *buf, size_t n)
{
	return dm_applet_write(ctx, off, buf, n);
}

static int applet_commit(void *ctx)
{
	return dm_applet_commit(ctx);
}

dm_pin_io dm_pin_io_applet(dm_applet_ctx *ctx, uint32_t base)
{
	dm_pin_io io = {
		.ctx = ctx,
		.read = applet_read,
		.write = applet_write,
		.commit = applet_commit,
		.base = base,
	};
	return io;
}

/* ---- the table ---- */

/* A located PIN object: its slot offset and its non-secret fields. */
struct slot {
	uint32_t off;
	dm_pin_info info;
};

static bool io_ok(const dm_pin_io *io)
{
	return io != NULL && io->read != NULL && io->write != NULL && io->commit != NULL;
}

static uint32_t slot_off(const dm_pin_io *io, unsigned i)
{
	return io->base + i * DM_PIN_RECORD_SIZE;
}

static void decode_info(const uint8_t h[8], dm_pin_info *out)
{
	out->key_ref = h[OFF_KEYREF];
	out->app = h[OFF_APP];
	out->enabled = (h[OFF_FLAGS] & FLAG_ENABLED) != 0;
	out->may_disable = (h[OFF_FLAGS] & FLAG_MAY_DISABLE) != 0;
	out->has_puk = (h[OFF_FLAGS] & FLAG_HAS_PUK) != 0;
	out->retry_limit = h[OFF_LIMIT];
	out->retries_left = h[OFF_LEFT];
	out->puk_limit = h[OFF_PUK_LIMIT];
	out->puk_left = h[OFF_PUK_LEFT];
	/* A damaged record never gives more tries than its limit allows:
	 * a counter above it reads as blocked. */
	if (out->retries_left > out->retry_limit)
		out->retries_left = 0;
	if (out->puk_left > out->puk_limit)
		out->puk_left = 0;
}

/* The slot of (kr, app): global key references match on kr alone. */
static int find(const dm_pin_io *io, uint8_t kr, uint8_t app, struct slot *out)
{
	uint8_t h[8];
	bool local = dm_keyref_local(kr);
	int rc;

	for (unsigned i = 0; i < DM_PIN_SLOTS; i++) {
		rc = io->read(io->ctx, slot_off(io, i), h, sizeof h);
		if (rc != DM_OK)
			return rc;
		if (h[OFF_MAGIC] != REC_MAGIC || h[OFF_KEYREF] != kr)
			continue;
		if (local && h[OFF_APP] != app)
			continue;
		out->off = slot_off(io, i);
		decode_info(h, &out->info);
		return DM_OK;
	}
	return DM_E_NOT_FOUND;
}

static int free_slot(const dm_pin_io *io, uint32_t *off)
{
	uint8_t magic;
	int rc;

	for (unsigned i = 0; i < DM_PIN_SLOTS; i++) {
		rc = io->read(io->ctx, slot_off(io, i), &magic, 1);
		if (rc != DM_OK)
			return rc;
		if (magic != REC_MAGIC) {
			*off = slot_off(io, i);
			return DM_OK;
		}
	}
	return DM_E_NOMEM;
}

static int pad_value(dm_bytes v, uint8_t out[DM_PIN_LEN])
{
	if (v.len == 0 || v.len > DM_PIN_LEN || v.ptr == NULL)
		return DM_E_VALUE;
	memset(out, DM_PIN_PAD, DM_PIN_LEN);
	memcpy(out, v.ptr, v.len);
	return DM_OK;
}

int dm_pin_create(const dm_pin_io *io, const dm_pin_def *def)
{
	uint8_t rec[DM_PIN_RECORD_SIZE] = { 0 };
	struct slot s;
	uint32_t off;
	int rc;

	if (!io_ok(io) || def == NULL)
		return DM_E_ARG;
	if (!dm_keyref_valid(def->key_ref) || def->retry_limit == 0 ||
	    def->retry_limit > MAX_TRIES || def->app >= DM_SEC_MAX_APPS ||
	    (!dm_keyref_local(def->key_ref) && def->app != 0))
		return DM_E_VALUE;
	if (def->puk.len != 0 && (def->puk_limit == 0 || def->puk_limit > MAX_TRIES))
		return DM_E_VALUE;

	rec[OFF_MAGIC] = REC_MAGIC;
	rec[OFF_KEYREF] = def->key_ref;
	rec[OFF_APP] = def->app;
	rec[OFF_FLAGS] = (uint8_t)((def->enabled ? FLAG_ENABLED : 0) |
				   (def->may_disable ? FLAG_MAY_DISABLE : 0) |
				   (def->puk.len != 0 ? FLAG_HAS_PUK : 0));
	rec[OFF_LIMIT] = rec[OFF_LEFT] = def->retry_limit;
	rc = pad_value(def->value, rec + OFF_VALUE);
	if (rc == DM_OK && def->puk.len != 0) {
		rec[OFF_PUK_LIMIT] = rec[OFF_PUK_LEFT] = def->puk_limit;
		rc = pad_value(def->puk, rec + OFF_PUK);
	}
	if (rc != DM_OK)
		goto out;

	rc = find(io, def->key_ref, def->app, &s);
	if (rc == DM_OK)
		off = s.off;
	else if (rc == DM_E_NOT_FOUND)
		rc = free_slot(io, &off);
	if (rc == DM_OK)
		rc = io->write(io->ctx, off, rec, sizeof rec);
out:
	dm_wipe(rec, sizeof rec);
	return rc;
}

int dm_pin_info_get(const dm_pin_io *io, uint8_t kr, uint8_t app, dm_pin_info *out)
{
	struct slot s;
	int rc;

	if (!io_ok(io) || out == NULL)
		return DM_E_ARG;
	if (!dm_keyref_valid(kr))
		return DM_E_NOT_FOUND;
	rc = find(io, kr, app, &s);
	if (rc == DM_OK)
		*out = s.info;
	return rc;
}

static int create_default(const dm_pin_io *io, uint8_t kr, uint8_t app, const char *value,
			  uint8_t limit, bool may_disable, const char *puk, uint8_t puk_limit)
{
	dm_pin_def d = {
		.key_ref = kr,
		.app = app,
		.value = dm_bytes_of((const uint8_t *)value, strlen(value)),
		.retry_limit = limit,
		.enabled = true,
		.may_disable = may_disable,
		.puk = dm_bytes_of((const uint8_t *)puk, puk != NULL ? strlen(puk) : 0),
		.puk_limit = puk_limit,
	};
	return dm_pin_create(io, &d);
}

int dm_pin_install_defaults(const dm_pin_io *io, uint8_t dmsc_app)
{
	int rc;

	if (dmsc_app == 0 || dmsc_app >= DM_SEC_MAX_APPS)
		return DM_E_VALUE;
	rc = create_default(io, DM_KEYREF_PIN1, 0, "1234", 3, true, "12345678", 10);
	if (rc == DM_OK)
		rc = create_default(io, DM_KEYREF_ADM1, 0, "88888888", 10, false, NULL, 0);
	if (rc == DM_OK)
		rc = create_default(io, DM_KEYREF_PIN2, dmsc_app, "0000", 3, true, "00000000", 10);
	return rc;
}

/* ---- the commands ---- */

static uint16_t sw_of(int rc)
{
	return rc == DM_OK ? DM_SW_OK : DM_SW_MEMORY_PROBLEM;
}

/* A new value (CHANGE, UNBLOCK): for a PIN 4 to 8 ASCII digits, then FF
 * padding (TS 102 221 §9.4 PINs are entered as digits; the check is ours:
 * else 6A80).  ADM keys may be any 8 bytes (issuers use binary ones). */
static bool new_value_ok(uint8_t kr, const uint8_t *v)
{
	size_t n = 0;

	if (dm_keyref_adm(kr))
		return true;

	while (n < DM_PIN_LEN && v[n] >= '0' && v[n] <= '9')
		n++;
	if (n < 4)
		return false;
	for (size_t i = n; i < DM_PIN_LEN; i++)
		if (v[i] != DM_PIN_PAD)
			return false;
	return true;
}

/*
 * One presentation of a secret (AUTH-4, TS 102 221 §11.1.9.1.1): write the
 * decremented counter and commit it, and only then compare.  Returns 1
 * when the value matched, 0 when not (*left = tries left now), < 0 on a
 * medium error (no comparison was made).
 */
static int present(const dm_pin_io *io, const struct slot *s, bool puk, const uint8_t *value,
		   uint8_t *left)
{
	uint8_t stored[DM_PIN_LEN];
	uint8_t now = (uint8_t)((puk ? s->info.puk_left : s->info.retries_left) - 1);
	int rc, same;

	rc = io->write(io->ctx, s->off + (puk ? OFF_PUK_LEFT : OFF_LEFT), &now, 1);
	if (rc == DM_OK)
		rc = io->commit(io->ctx);
	if (rc != DM_OK)
		return rc;
	*left = now;
	rc = io->read(io->ctx, s->off + (puk ? OFF_PUK : OFF_VALUE), stored, sizeof stored);
	if (rc != DM_OK) {
		dm_wipe(stored, sizeof stored);
		return rc;
	}
	same = dm_ct_memcmp(stored, value, DM_PIN_LEN) == 0;
	dm_wipe(stored, sizeof stored);
	return same ? 1 : 0;
}

/* Answer to a wrong presentation: 63Cx, and the key no longer verified. */
static uint16_t wrong(dm_sec_state *st, uint8_t kr, uint8_t app, uint8_t left)
{
	dm_sec_set(st, kr, app, false);
	return (uint16_t)DM_SW_WRONG_PIN(left);
}

/* After a correct presentation: counter back to its limit, flags as
 * given, the key verified (TS 102 221 §11.1.9-§11.1.13). */
static uint16_t success(const dm_pin_io *io, const struct slot *s, dm_sec_state *st,
			uint8_t app, uint8_t flags)
{
	uint8_t v[3] = { flags, s->info.retry_limit, s->info.retry_limit };
	int rc;

	/* flags, limit (unchanged), left: bytes 3..5. */
	rc = io->write(io->ctx, s->off + OFF_FLAGS, v, sizeof v);
	if (rc != DM_OK)
		return sw_of(rc);
	dm_sec_set(st, s->info.key_ref, app, true);
	return DM_SW_OK;
}

/* The PIN (not the UNBLOCK PIN) presented: 6983 when blocked, 63Cx when
 * wrong, 6581 on a medium error, 9000 when it matched. */
static uint16_t check_pin(const dm_pin_io *io, const struct slot *s, dm_sec_state *st,
			  uint8_t app, const uint8_t *value)
{
	uint8_t left;
	int rc;

	if (s->info.retries_left == 0)
		return DM_SW_AUTH_BLOCKED;
	rc = present(io, s, false, value, &left);
	if (rc < 0)
		return sw_of(rc);
	if (rc == 0)
		return wrong(st, s->info.key_ref, app, left);
	return DM_SW_OK;
}

static uint8_t flags_of(const dm_pin_info *i, bool enabled)
{
	return (uint8_t)((enabled ? FLAG_ENABLED : 0) | (i->may_disable ? FLAG_MAY_DISABLE : 0) |
			 (i->has_puk ? FLAG_HAS_PUK : 0));
}

static uint16_t verify(const dm_pin_io *io, const struct slot *s, dm_sec_state *st,
		       uint8_t app, const dm_capdu *cmd)
{
	const dm_pin_info *i = &s->info;
	uint16_t sw;

	if (cmd->nc == 0) {
		/* TS 102 221 §11.1.9.1.2: the retry counter, or 9000 when no
		 * verification is needed (disabled, or already verified). */
		if (!i->enabled || (i->retries_left != 0 && dm_sec_verified(st, i->key_ref, app)))
			return DM_SW_OK;
		return (uint16_t)DM_SW_WRONG_PIN(i->retries_left);
	}
	if (!i->enabled)
		return DM_SW_REF_DATA_INVALID;
	sw = check_pin(io, s, st, app, cmd->data);
	if (sw != DM_SW_OK)
		return sw;
	return success(io, s, st, app, flags_of(i, true));
}

static uint16_t change(const dm_pin_io *io, const struct slot *s, dm_sec_state *st,
		       uint8_t app, const dm_capdu *cmd)
{
	const dm_pin_info *i = &s->info;
	uint16_t sw;
	int rc;

	if (!new_value_ok(i->key_ref, cmd->data + DM_PIN_LEN))
		return DM_SW_WRONG_DATA;
	if (!i->enabled)
		return DM_SW_REF_DATA_INVALID;
	sw = check_pin(io, s, st, app, cmd->data);
	if (sw != DM_SW_OK)
		return sw;
	rc = io->write(io->ctx, s->off + OFF_VALUE, cmd->data + DM_PIN_LEN, DM_PIN_LEN);
	if (rc != DM_OK)
		return sw_of(rc);
	return success(io, s, st, app, flags_of(i, true));
}

/* DISABLE (enable == false) and ENABLE PIN (TS 102 221 §11.1.11, §11.1.12). */
static uint16_t set_enabled(const dm_pin_io *io, const struct slot *s, dm_sec_state *st,
			    uint8_t app, const dm_capdu *cmd, bool enable)
{
	const dm_pin_info *i = &s->info;
	uint16_t sw;

	if (!enable && !i->may_disable)
		return DM_SW_CONDITIONS;
	if (i->enabled == enable)
		return DM_SW_CONDITIONS;
	sw = check_pin(io, s, st, app, cmd->data);
	if (sw != DM_SW_OK)
		return sw;
	return success(io, s, st, app, flags_of(i, enable));
}

static uint16_t unblock(const dm_pin_io *io, const struct slot *s, dm_sec_state *st,
			uint8_t app, const dm_capdu *cmd)
{
	const dm_pin_info *i = &s->info;
	uint8_t left;
	int rc;

	if (!i->has_puk)
		return DM_SW_REF_DATA_NOT_FOUND;
	if (cmd->nc == 0)
		/* TS 102 221 §11.1.13.1.2: the UNBLOCK PIN retry counter. */
		return (uint16_t)DM_SW_WRONG_PIN(i->puk_left);
	if (!new_value_ok(i->key_ref, cmd->data + DM_PIN_LEN))
		return DM_SW_WRONG_DATA;
	if (i->puk_left == 0)
		return DM_SW_AUTH_BLOCKED;
	rc = present(io, s, true, cmd->data, &left);
	if (rc < 0)
		return sw_of(rc);
	/* A wrong UNBLOCK PIN leaves the PIN and its status alone (§11.1.13.1.1). */
	if (rc == 0)
		return (uint16_t)DM_SW_WRONG_PIN(left);
	uint8_t puk_left = i->puk_limit;
	rc = io->write(io->ctx, s->off + OFF_PUK_LEFT, &puk_left, 1);
	if (rc == DM_OK)
		rc = io->write(io->ctx, s->off + OFF_VALUE, cmd->data + DM_PIN_LEN, DM_PIN_LEN);
	if (rc != DM_OK)
		return sw_of(rc);
	/* The PIN is enabled again and its access condition satisfied. */
	return success(io, s, st, app, flags_of(i, true));
}

/* Lc each command accepts (TS 102 221 §11.1.9.3-§11.1.13.3). */
static bool length_ok(uint8_t ins, size_t nc)
{
	switch (ins) {
	case DM_INS_VERIFY_PIN:
		return nc == 0 || nc == DM_PIN_LEN;
	case DM_INS_CHANGE_PIN:
		return nc == 2 * DM_PIN_LEN;
	case DM_INS_UNBLOCK_PIN:
		return nc == 0 || nc == 2 * DM_PIN_LEN;
	default: /* DISABLE, ENABLE */
		return nc == DM_PIN_LEN;
	}
}

uint16_t dm_pin_process(const dm_pin_io *io, dm_sec_state *st, uint8_t app,
			const dm_capdu *cmd)
{
	struct slot s;
	int rc;

	if (!io_ok(io) || st == NULL || cmd == NULL)
		return DM_SW_TECHNICAL;
	switch (cmd->ins) {
	case DM_INS_VERIFY_PIN:
	case DM_INS_CHANGE_PIN:
	case DM_INS_DISABLE_PIN:
	case DM_INS_ENABLE_PIN:
	case DM_INS_UNBLOCK_PIN:
		break;
	default:
		return DM_SW_INS_UNSUPPORTED;
	}
	/* P1 00 for all five (DISABLE with replacement by an alternative
	 * global key reference is not offered); P2 a key reference of TS 102
	 * 221 table 9.3. */
	if (cmd->p1 != 0x00 || !dm_keyref_valid(cmd->p2))
		return DM_SW_WRONG_P1P2;
	/* Le is ignored, not refused: "00 20 00 01 00" is how T=0 terminals
	 * (and AT+CSIM users) send VERIFY without data (ISO 7816-3 §12.2.2:
	 * P3 = 00 for a case 1 command). */
	if (!length_ok(cmd->ins, cmd->nc))
		return DM_SW_WRONG_LENGTH;
	rc = find(io, cmd->p2, app, &s);
	if (rc == DM_E_NOT_FOUND)
		return DM_SW_REF_DATA_NOT_FOUND;
	if (rc != DM_OK)
		return sw_of(rc);

	switch (cmd->ins) {
	case DM_INS_VERIFY_PIN:
		return verify(io, &s, st, app, cmd);
	case DM_INS_CHANGE_PIN:
		return change(io, &s, st, app, cmd);
	case DM_INS_DISABLE_PIN:
		return set_enabled(io, &s, st, app, cmd, false);
	case DM_INS_ENABLE_PIN:
		return set_enabled(io, &s, st, app, cmd, true);
	default:
		return unblock(io, &s, st, app, cmd);
	}
}

int dm_pin_fcp_status(const dm_pin_io *io, uint8_t app, const uint8_t *kr, size_t n,
		      dm_fcp *f)
{
	dm_pin_info info;
	int rc;

	if (!io_ok(io) || f == NULL || (kr == NULL && n != 0))
		return DM_E_ARG;
	if (n > DM_FCP_MAX_PINS)
		return DM_E_VALUE;
	for (size_t i = 0; i < n; i++)
		if (!dm_keyref_valid(kr[i]))
			return DM_E_VALUE;
	for (size_t i = 0; i < n; i++) {
		rc = dm_pin_info_get(io, kr[i], app, &info);
		if (rc != DM_OK && rc != DM_E_NOT_FOUND)
			return rc;
		f->pins[i] = (dm_fcp_pin){
			.key_ref = kr[i],
			.enabled = rc == DM_OK && info.enabled,
			/* 95 08: the key is used for user verification
			 * (TS 102 221 §9.5.2); ADM keys carry no qualifier. */
			.has_usage = !dm_keyref_adm(kr[i]),
			.usage = dm_keyref_adm(kr[i]) ? 0 : DM_ARR_USAGE_USER_VERIFICATION,
		};
	}
	f->pin_count = n;
	f->has_pin_status = true;
	return DM_OK;
}
