/*
 * toolkit.c - the proactive queue and the toolkit commands (toolkit.h,
 * docs/toolkit.md): TERMINAL PROFILE, FETCH, TERMINAL RESPONSE, ENVELOPE
 * (TS 102 221 §11.2, TS 102 223 §5-§7) and the 91xx rule (TS 102 221
 * §7.4.2.2).
 *
 * Queue = session entries (RAM) + persistent entries (one heap block under
 * root slot DM_ROOT_TOOLKIT, read from the store each time: no cache to
 * invalidate).  Both carry a sequence number; the head is the lowest.
 * Persistent block layout (big-endian):
 *   0 magic "TKQ1" | 4 poll interval (s) | 5 count | 6 rfu(2)
 *   8 + i * ENT: seq u32 | owner u8 (instance index, FF none) | rfu u8 |
 *                len u16 | command bytes [DM_TOOLKIT_CMD_MAX]
 */
#include "toolkit.h"

#include <stdlib.h>
#include <string.h>

#include "runtime_int.h"
#include "sw.h"

#define INS_TERMINAL_PROFILE 0x10u
#define INS_FETCH 0x12u
#define INS_TERMINAL_RESPONSE 0x14u
#define INS_ENVELOPE 0xC2u
#define INS_STATUS 0xF2u

#define BLK_MAGIC "TKQ1"
#define BLK_POLL 4u
#define BLK_COUNT 5u
#define BLK_HDR 8u
#define ENT_HDR 8u
#define ENT_LEN (ENT_HDR + DM_TOOLKIT_CMD_MAX)
#define BLK_LEN (BLK_HDR + DM_TOOLKIT_QUEUE_MAX * ENT_LEN)
#define NO_OWNER 0xFFu
#define TIMERS 8u

struct tk_entry {
	uint32_t seq;
	uint8_t owner;      /* instance index or NO_OWNER */
	uint8_t timer;      /* TIMER MANAGEMENT start: its timer, else 0 */
	bool tentative;     /* queued by the command still running */
	bool persistent;
	uint16_t len;
	uint8_t cmd[DM_TOOLKIT_CMD_MAX];
};

struct dm_tk {
	/* The card has a toolkit: some applet of the registry registered
	 * (a card without one keeps CLA 8X INS 10/12/14/C2 for its applets). */
	bool enabled;
	bool synced;        /* seq follows the store's entries this power-up */
	uint32_t seq;       /* next sequence number */
	bool profiled;      /* TERMINAL PROFILE received this session */
	uint8_t profile[DM_TOOLKIT_PROFILE_MAX];
	size_t profile_len;
	struct tk_entry sess[DM_TOOLKIT_QUEUE_MAX];
	size_t nsess;
	/* The command fetched and not yet answered (TS 102 223 §6.3). */
	bool busy;
	struct tk_entry cur; /* copy of the head as fetched */
	uint8_t number;     /* last command number used, 01..FE */
	uint32_t retry_seq; /* head entry whose busy answers are counted */
	unsigned retries;
	uint32_t parked[DM_TOOLKIT_QUEUE_MAX]; /* persistent seqs given up */
	size_t nparked;
	uint8_t timer_owner[TIMERS]; /* instance index + 1, 0 = free */
};

/* --- allocation and power --- */

int dm_tk_create(struct dm_card *card, const dm_applet_reg *reg, size_t n)
{
	card->tk = calloc(1, sizeof *card->tk);
	if (card->tk == NULL)
		return DM_E_NOMEM;
	for (size_t i = 0; i < n; i++)
		card->tk->enabled |= reg[i].applet->toolkit != NULL;
	return DM_OK;
}

void dm_tk_destroy(struct dm_card *card)
{
	free(card->tk);
	card->tk = NULL;
}

void dm_tk_power(struct dm_card *card)
{
	/* Everything in RAM is session state (TS 102 223 §5.2: the terminal
	 * profile is sent again after every reset). */
	if (card->tk != NULL) {
		bool enabled = card->tk->enabled;
		memset(card->tk, 0, sizeof *card->tk);
		card->tk->enabled = enabled;
	}
}

/* --- persistent block --- */

static int blk_find(dm_applet_ctx *ctx, uint32_t *off)
{
	int rc = dm_applet_root_get(ctx, DM_ROOT_TOOLKIT, off);
	if (rc != DM_OK)
		return rc;
	if (*off == 0)
		return DM_OK;
	const uint8_t *v;
	rc = dm_applet_store_view(ctx, *off, BLK_HDR, &v);
	if (rc != DM_OK)
		return rc == DM_E_VALUE ? DM_E_CORRUPT : rc;
	if (memcmp(v, BLK_MAGIC, 4) != 0 || v[BLK_COUNT] > DM_TOOLKIT_QUEUE_MAX)
		return DM_E_CORRUPT;
	return DM_OK;
}

static int blk_need(dm_applet_ctx *ctx, uint32_t *off)
{
	int rc = blk_find(ctx, off);
	if (rc != DM_OK || *off != 0)
		return rc;
	uint8_t hdr[BLK_HDR] = { 'T', 'K', 'Q', '1', DM_TOOLKIT_POLL_DEFAULT_S, 0, 0, 0 };
	rc = dm_applet_heap_alloc(ctx, BLK_LEN, off);
	if (rc == DM_OK)
		rc = dm_applet_store_write(ctx, *off, hdr, sizeof hdr);
	if (rc == DM_OK)
		rc = dm_applet_root_set(ctx, DM_ROOT_TOOLKIT, *off);
	return rc;
}

static unsigned blk_count(dm_applet_ctx *ctx, uint32_t off)
{
	uint8_t n = 0;
	if (off == 0 || dm_applet_store_read(ctx, off + BLK_COUNT, &n, 1) != DM_OK)
		return 0;
	return n <= DM_TOOLKIT_QUEUE_MAX ? n : 0;
}

static int blk_get(dm_applet_ctx *ctx, uint32_t off, unsigned i, struct tk_entry *e)
{
	const uint8_t *v;
	int rc = dm_applet_store_view(ctx, off + BLK_HDR + i * ENT_LEN, ENT_LEN, &v);
	if (rc != DM_OK)
		return rc;
	memset(e, 0, sizeof *e);
	e->seq = dm_get_u32be(v);
	e->owner = v[4];
	e->len = dm_get_u16be(v + 6);
	if (e->len < 2 || e->len > DM_TOOLKIT_CMD_MAX)
		return DM_E_CORRUPT;
	memcpy(e->cmd, v + ENT_HDR, e->len);
	e->persistent = true;
	return DM_OK;
}

static int blk_put(dm_applet_ctx *ctx, uint32_t off, unsigned i, const struct tk_entry *e)
{
	uint8_t h[ENT_HDR] = { 0 };
	dm_put_u32be(h, e->seq);
	h[4] = e->owner;
	dm_put_u16be(h + 6, e->len);
	uint32_t at = off + BLK_HDR + i * ENT_LEN;
	int rc = dm_applet_store_write(ctx, at, h, sizeof h);
	if (rc == DM_OK)
		rc = dm_applet_store_write(ctx, at + ENT_HDR, e->cmd, e->len);
	return rc;
}

static int blk_set_count(dm_applet_ctx *ctx, uint32_t off, unsigned n)
{
	uint8_t b = (uint8_t)n;
	return dm_applet_store_write(ctx, off + BLK_COUNT, &b, 1);
}

/* Remove persistent entry seq (shifting the later ones down). */
static int blk_remove(dm_applet_ctx *ctx, uint32_t seq)
{
	uint32_t off;
	int rc = blk_find(ctx, &off);
	if (rc != DM_OK || off == 0)
		return rc;
	unsigned n = blk_count(ctx, off);
	struct tk_entry e;
	bool found = false;
	for (unsigned i = 0; i < n && rc == DM_OK; i++) {
		rc = blk_get(ctx, off, i, &e);
		if (rc != DM_OK)
			break;
		if (found)
			rc = blk_put(ctx, off, i - 1, &e);
		else if (e.seq == seq)
			found = true;
	}
	if (rc == DM_OK && found)
		rc = blk_set_count(ctx, off, n - 1);
	return rc;
}

/* A context for runtime-side store access (only ctx->card is used). */
static dm_applet_ctx card_ctx(struct dm_card *card, unsigned c)
{
	return dm_rt_ctx(card, &card->inst[0], c);
}

/* After power-on, continue the sequence after the stored entries. */
static void tk_sync(dm_applet_ctx *ctx)
{
	struct dm_tk *tk = ctx->card->tk;
	uint32_t off;

	if (tk->synced)
		return;
	tk->synced = true;
	tk->seq = 1;
	if (blk_find(ctx, &off) != DM_OK || off == 0)
		return;
	unsigned n = blk_count(ctx, off);
	struct tk_entry e;
	for (unsigned i = 0; i < n; i++)
		if (blk_get(ctx, off, i, &e) == DM_OK && e.seq >= tk->seq)
			tk->seq = e.seq + 1;
}

static bool parked(const struct dm_tk *tk, uint32_t seq)
{
	for (size_t i = 0; i < tk->nparked; i++)
		if (tk->parked[i] == seq)
			return true;
	return false;
}

/* The head of the queue: lowest sequence number among the session entries
 * and the persistent entries not given up this session.  false: empty. */
static bool tk_head(dm_applet_ctx *ctx, struct tk_entry *out)
{
	struct dm_tk *tk = ctx->card->tk;
	bool have = false;
	uint32_t off;

	tk_sync(ctx);
	for (size_t i = 0; i < tk->nsess; i++) {
		if (!have || tk->sess[i].seq < out->seq) {
			*out = tk->sess[i];
			have = true;
		}
	}
	if (blk_find(ctx, &off) != DM_OK || off == 0)
		return have;
	unsigned n = blk_count(ctx, off);
	struct tk_entry e;
	for (unsigned i = 0; i < n; i++) {
		if (blk_get(ctx, off, i, &e) != DM_OK || parked(tk, e.seq))
			continue;
		if (!have || e.seq < out->seq) {
			*out = e;
			have = true;
		}
	}
	return have;
}

static size_t tk_count(dm_applet_ctx *ctx)
{
	uint32_t off;
	size_t n = ctx->card->tk->nsess;

	if (blk_find(ctx, &off) == DM_OK)
		n += blk_count(ctx, off);
	return n;
}

/* Drop a session entry; a TIMER MANAGEMENT that will not run (aborted,
 * given up, refused by the terminal) gives its timer back. */
static void sess_remove(struct dm_tk *tk, uint32_t seq, bool free_timer)
{
	for (size_t i = 0; i < tk->nsess; i++) {
		if (tk->sess[i].seq != seq)
			continue;
		if (free_timer && tk->sess[i].timer != 0)
			tk->timer_owner[tk->sess[i].timer - 1] = 0;
		memmove(&tk->sess[i], &tk->sess[i + 1], (tk->nsess - i - 1) * sizeof tk->sess[0]);
		tk->nsess--;
		return;
	}
}

/* --- queueing (applet side) --- */

/* Check a proactive command and the room for it. */
static int check_cmd(dm_applet_ctx *ctx, dm_bytes d0, dm_cat_cmd *parsed)
{
	if (ctx == NULL || d0.ptr == NULL)
		return DM_E_ARG;
	if (!ctx->card->in_command)
		return DM_E_STATE;
	if (d0.len > DM_TOOLKIT_CMD_MAX)
		return DM_E_LENGTH;
	int rc = dm_cat_cmd_parse(d0.ptr, d0.len, parsed);
	if (rc != DM_OK)
		return rc;
	tk_sync(ctx);
	return tk_count(ctx) < DM_TOOLKIT_QUEUE_MAX ? DM_OK : DM_E_NOMEM;
}

static int queue_entry(dm_applet_ctx *ctx, dm_bytes d0, uint32_t flags, uint8_t owner,
		       uint8_t timer)
{
	struct dm_tk *tk = ctx->card->tk;
	dm_cat_cmd parsed;
	int rc = check_cmd(ctx, d0, &parsed);

	if (rc != DM_OK)
		return rc;
	struct tk_entry e = { .seq = tk->seq, .owner = owner, .timer = timer,
			      .len = (uint16_t)d0.len };
	memcpy(e.cmd, d0.ptr, d0.len);
	if (flags & DM_TOOLKIT_PERSISTENT) {
		uint32_t off = 0;
		e.persistent = true;
		rc = blk_need(ctx, &off);
		unsigned n = blk_count(ctx, off);
		if (rc == DM_OK)
			rc = blk_put(ctx, off, n, &e);
		if (rc == DM_OK)
			rc = blk_set_count(ctx, off, n + 1);
		if (rc != DM_OK)
			return rc;
	} else {
		e.tentative = true;
		tk->sess[tk->nsess++] = e;
	}
	tk->seq++;
	return DM_OK;
}

static uint8_t owner_of(const dm_applet_ctx *ctx)
{
	return (uint8_t)(ctx->inst - ctx->card->inst);
}

int dm_toolkit_queue_raw(dm_applet_ctx *ctx, dm_bytes d0, uint32_t flags)
{
	if (ctx == NULL)
		return DM_E_ARG;
	return queue_entry(ctx, d0, flags, owner_of(ctx), 0);
}

int dm_toolkit_queue(dm_applet_ctx *ctx, const dm_cat_cmd *cmd, uint32_t flags)
{
	uint8_t buf[DM_TOOLKIT_CMD_MAX];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);

	if (ctx == NULL || cmd == NULL)
		return DM_E_ARG;
	dm_cat_cmd c = *cmd;
	c.number = 1; /* replaced at FETCH */
	int rc = dm_cat_cmd_build(&c, &w);
	if (rc != DM_OK)
		return rc == DM_E_OVERFLOW ? DM_E_LENGTH : rc;
	return dm_toolkit_queue_raw(ctx, dm_bytes_of(buf, w.len), flags);
}

/* A full path from the MF (TS 102 223 §8.18): 3F00 then 0..n FIDs. */
static bool path_ok(dm_bytes p)
{
	return p.ptr != NULL && p.len >= 4 && p.len % 2 == 0 && p.ptr[0] == 0x3F &&
	       p.ptr[1] == 0x00;
}

/* paths (count of them in *count) contains p? */
static bool paths_have(dm_bytes all, dm_bytes p)
{
	dm_bytes rest = all, one;

	while (dm_cat_file_next(&rest, &one) == 1)
		if (one.len == p.len && memcmp(one.ptr, p.ptr, p.len) == 0)
			return true;
	return false;
}

/* Build REFRESH with the file list list[0..len) (count n) and aid. */
static int refresh_build(uint8_t qualifier, const uint8_t *list, size_t len, size_t n,
			 dm_bytes aid, dm_wbuf *out)
{
	dm_cat_cmd c = { .number = 1, .type = DM_TS102223_TOC_REFRESH, .qualifier = qualifier,
			 .dst = DM_TS102223_DEV_TERMINAL };

	if (n > 0) {
		c.has_file_list = true;
		c.file_count = (uint8_t)n;
		c.file_paths = dm_bytes_of(list, len);
	}
	if (aid.len != 0) {
		c.has_aid = true;
		c.aid = aid;
	}
	return dm_cat_cmd_build(&c, out);
}

/* Merge paths into a queued, unfetched REFRESH with the same qualifier and
 * AID.  1: merged; 0: none fits. */
static int refresh_merge(dm_applet_ctx *ctx, uint8_t qualifier, const dm_bytes *paths,
			 size_t npaths, dm_bytes aid)
{
	struct dm_tk *tk = ctx->card->tk;
	uint32_t off;
	int rc = blk_find(ctx, &off);

	if (rc != DM_OK || off == 0)
		return rc;
	unsigned n = blk_count(ctx, off);
	for (unsigned i = 0; i < n; i++) {
		struct tk_entry e;
		dm_cat_cmd c;
		rc = blk_get(ctx, off, i, &e);
		if (rc != DM_OK)
			return rc;
		if ((tk->busy && tk->cur.persistent && tk->cur.seq == e.seq) ||
		    dm_cat_cmd_parse(e.cmd, e.len, &c) != DM_OK ||
		    c.type != DM_TS102223_TOC_REFRESH || c.qualifier != qualifier ||
		    c.has_aid != (aid.len != 0) ||
		    (aid.len != 0 && (c.aid.len != aid.len || memcmp(c.aid.ptr, aid.ptr, aid.len))))
			continue;
		uint8_t list[DM_TOOLKIT_CMD_MAX];
		size_t len = 0, count = c.has_file_list ? c.file_count : 0;
		if (c.has_file_list) {
			memcpy(list, c.file_paths.ptr, c.file_paths.len);
			len = c.file_paths.len;
		}
		for (size_t k = 0; k < npaths; k++) {
			if (paths_have(dm_bytes_of(list, len), paths[k]))
				continue;
			if (len + paths[k].len > sizeof list || count == 255)
				return 0;
			memcpy(list + len, paths[k].ptr, paths[k].len);
			len += paths[k].len;
			count++;
		}
		uint8_t buf[DM_TOOLKIT_CMD_MAX];
		dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
		if (refresh_build(qualifier, list, len, count, aid, &w) != DM_OK)
			return 0; /* too long: queue another REFRESH */
		memcpy(e.cmd, buf, w.len);
		e.len = (uint16_t)w.len;
		rc = blk_put(ctx, off, i, &e);
		return rc == DM_OK ? 1 : rc;
	}
	return 0;
}

int dm_toolkit_refresh_files(dm_applet_ctx *ctx, uint8_t qualifier, const dm_bytes *paths,
			     size_t npaths, dm_bytes aid)
{
	uint8_t list[DM_TOOLKIT_CMD_MAX];
	size_t len = 0;

	if (ctx == NULL || (npaths != 0 && paths == NULL) || npaths > 255 ||
	    (aid.len != 0 && aid.ptr == NULL))
		return DM_E_ARG;
	if (qualifier > DM_TS102223_REFRESH_SESSION_RESET || aid.len > DM_CAT_AID_MAX)
		return DM_E_VALUE;
	if (!ctx->card->in_command)
		return DM_E_STATE;
	for (size_t k = 0; k < npaths; k++) {
		if (!path_ok(paths[k]))
			return DM_E_VALUE;
		if (len + paths[k].len > sizeof list)
			return DM_E_LENGTH;
		memcpy(list + len, paths[k].ptr, paths[k].len);
		len += paths[k].len;
	}
	tk_sync(ctx);
	int rc = refresh_merge(ctx, qualifier, paths, npaths, aid);
	if (rc != 0)
		return rc < 0 ? rc : DM_OK;
	uint8_t buf[DM_TOOLKIT_CMD_MAX];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	rc = refresh_build(qualifier, list, len, npaths, aid, &w);
	if (rc != DM_OK)
		return rc == DM_E_OVERFLOW ? DM_E_LENGTH : rc;
	return queue_entry(ctx, dm_bytes_of(buf, w.len), DM_TOOLKIT_PERSISTENT, owner_of(ctx), 0);
}

int dm_toolkit_refresh_adf_file(dm_applet_ctx *ctx, uint16_t fid, dm_bytes aid)
{
	uint8_t p[6] = { 0x3F, 0x00, 0x7F, 0xFF };

	/* TS 102 223 §8.18: 7FFF stands for the ADF named by the AID. */
	dm_put_u16be(p + 4, fid);
	dm_bytes path = dm_bytes_of(p, sizeof p);
	return dm_toolkit_refresh_files(ctx, DM_TS102223_REFRESH_FCN, &path, 1, aid);
}

static int poll_build(uint8_t seconds, dm_wbuf *out)
{
	dm_cat_cmd c = { .number = 1, .type = DM_TS102223_TOC_POLL_INTERVAL,
			 .dst = DM_TS102223_DEV_TERMINAL, .has_duration = true,
			 .duration_unit = DM_TS102223_UNIT_SECONDS,
			 .duration_interval = seconds };
	return dm_cat_cmd_build(&c, out);
}

int dm_toolkit_poll_interval(dm_applet_ctx *ctx, uint8_t seconds)
{
	uint8_t buf[32];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);

	if (ctx == NULL)
		return DM_E_ARG;
	if (seconds == 0)
		return DM_E_VALUE;
	int rc = poll_build(seconds, &w);
	if (rc != DM_OK)
		return rc;
	return queue_entry(ctx, dm_bytes_of(buf, w.len), 0, owner_of(ctx), 0);
}

int dm_toolkit_set_poll_config(dm_applet_ctx *ctx, uint8_t seconds)
{
	uint32_t off;

	if (ctx == NULL)
		return DM_E_ARG;
	if (!ctx->card->in_command)
		return DM_E_STATE;
	int rc = blk_need(ctx, &off);
	if (rc == DM_OK)
		rc = dm_applet_store_write(ctx, off + BLK_POLL, &seconds, 1);
	return rc;
}

static uint8_t poll_config(dm_applet_ctx *ctx)
{
	uint32_t off;
	uint8_t s = DM_TOOLKIT_POLL_DEFAULT_S;

	if (blk_find(ctx, &off) == DM_OK && off != 0)
		(void)dm_applet_store_read(ctx, off + BLK_POLL, &s, 1);
	return s;
}

int dm_toolkit_timer_start(dm_applet_ctx *ctx, const uint8_t value[3], uint8_t *timer_id)
{
	if (ctx == NULL || value == NULL || timer_id == NULL)
		return DM_E_ARG;
	struct dm_tk *tk = ctx->card->tk;
	unsigned t = 0;
	while (t < TIMERS && tk->timer_owner[t] != 0)
		t++;
	if (t == TIMERS)
		return DM_E_NOMEM;
	dm_cat_cmd c = { .number = 1, .type = DM_TS102223_TOC_TIMER_MANAGEMENT,
			 .qualifier = DM_TS102223_TIMER_START, .dst = DM_TS102223_DEV_TERMINAL,
			 .has_timer_id = true, .timer_id = (uint8_t)(t + 1),
			 .has_timer_value = true };
	memcpy(c.timer_value, value, 3);
	uint8_t buf[32];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	int rc = dm_cat_cmd_build(&c, &w);
	if (rc == DM_OK)
		rc = queue_entry(ctx, dm_bytes_of(buf, w.len), 0, owner_of(ctx), (uint8_t)(t + 1));
	if (rc != DM_OK)
		return rc;
	tk->timer_owner[t] = (uint8_t)(owner_of(ctx) + 1);
	*timer_id = (uint8_t)(t + 1);
	return DM_OK;
}

int dm_toolkit_profile(dm_applet_ctx *ctx, dm_bytes *profile)
{
	if (ctx == NULL || profile == NULL)
		return DM_E_ARG;
	if (!ctx->card->tk->profiled)
		return DM_E_STATE;
	*profile = dm_bytes_of(ctx->card->tk->profile, ctx->card->tk->profile_len);
	return DM_OK;
}

int dm_toolkit_pending(dm_applet_ctx *ctx, size_t *n)
{
	if (ctx == NULL || n == NULL)
		return DM_E_ARG;
	*n = tk_count(ctx);
	return DM_OK;
}

/* --- events --- */

static uint16_t notify(struct dm_card *card, unsigned c, size_t idx, const dm_toolkit_event *ev)
{
	if (idx >= card->ninst)
		return DM_SW_OK;
	const dm_applet *a = card->inst[idx].reg->applet;
	if (a->toolkit == NULL || a->toolkit->event == NULL || !(a->toolkit->events & ev->kind))
		return DM_SW_OK;
	dm_applet_ctx ctx = dm_rt_ctx(card, &card->inst[idx], c);
	return dm_rt_applet_sw(a->toolkit->event(&ctx, ev));
}

static void notify_all(struct dm_card *card, unsigned c, const dm_toolkit_event *ev)
{
	for (size_t i = 0; i < card->ninst; i++)
		(void)notify(card, c, i, ev);
}

void dm_tk_status(struct dm_card *card, unsigned c, const dm_cla *cla, const dm_capdu *cmd,
		  uint16_t sw)
{
	/* STATUS is the terminal's poll (TS 102 221 §11.1.2, TS 102 223 §6.2:
	 * EVENT_STATUS_COMMAND of TS 102 241). */
	if (cla->interindustry || cmd->ins != INS_STATUS || sw != DM_SW_OK ||
	    !card->tk->profiled)
		return;
	dm_toolkit_event ev = { .kind = DM_TOOLKIT_EV_STATUS };
	notify_all(card, c, &ev);
}

/* --- the toolkit commands --- */

static uint16_t terminal_profile(struct dm_card *card, unsigned c, const dm_capdu *cmd)
{
	struct dm_tk *tk = card->tk;
	dm_applet_ctx ctx = card_ctx(card, c);

	/* TS 102 221 §11.2.1: P1 = P2 = 00, Lc = length of the profile. */
	if (cmd->p1 != 0 || cmd->p2 != 0)
		return DM_SW_WRONG_P1P2;
	if (cmd->nc == 0)
		return DM_SW_WRONG_LENGTH;
	tk->profiled = true;
	tk->profile_len = cmd->nc < sizeof tk->profile ? cmd->nc : sizeof tk->profile;
	memcpy(tk->profile, cmd->data, tk->profile_len);
	uint8_t s = poll_config(&ctx);
	if (s != 0) {
		/* One POLL INTERVAL per session, not one per TERMINAL PROFILE. */
		bool queued = false;
		for (size_t i = 0; i < tk->nsess; i++)
			queued |= tk->sess[i].owner == NO_OWNER && tk->sess[i].len > 5 &&
				  tk->sess[i].cmd[5] == DM_TS102223_TOC_POLL_INTERVAL;
		uint8_t buf[32];
		dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
		if (!queued && poll_build(s, &w) == DM_OK)
			(void)queue_entry(&ctx, dm_bytes_of(buf, w.len), 0, NO_OWNER, 0);
	}
	dm_toolkit_event ev = { .kind = DM_TOOLKIT_EV_PROFILE,
				.profile = dm_bytes_of(tk->profile, tk->profile_len) };
	notify_all(card, c, &ev);
	return DM_SW_OK;
}

/* Offset of the command number in a D0 TLV (after D0, its length, 81 03). */
static size_t number_at(const struct tk_entry *e)
{
	return (e->cmd[1] == 0x81 ? 3u : 2u) + 2u;
}

static uint16_t fetch(struct dm_card *card, unsigned c, const dm_capdu *cmd, dm_wbuf *resp)
{
	struct dm_tk *tk = card->tk;
	dm_applet_ctx ctx = card_ctx(card, c);

	if (cmd->p1 != 0 || cmd->p2 != 0)
		return DM_SW_WRONG_P1P2;
	if (cmd->nc != 0)
		return DM_SW_WRONG_LENGTH;
	/* A repeated FETCH gets the same command again (the terminal lost
	 * the answer); nothing pending: conditions of use not satisfied
	 * (docs/toolkit.md, our choice). */
	if (!tk->busy) {
		if (!tk->profiled || !tk_head(&ctx, &tk->cur))
			return DM_SW_CONDITIONS;
		tk->number = (uint8_t)(tk->number % 0xFEu + 1u);
		tk->cur.cmd[number_at(&tk->cur)] = tk->number;
		tk->busy = true;
	}
	if (dm_wbuf_put(resp, tk->cur.cmd, tk->cur.len) != DM_OK)
		return DM_SW_TECHNICAL;
	return DM_SW_OK;
}

/* The current command is finished (answered or given up). */
static int finish(dm_applet_ctx *ctx, bool remove, bool done)
{
	struct dm_tk *tk = ctx->card->tk;
	int rc = DM_OK;

	tk->busy = false;
	tk->retries = 0;
	if (tk->cur.persistent) {
		if (remove)
			rc = blk_remove(ctx, tk->cur.seq);
		else if (tk->nparked < DM_TOOLKIT_QUEUE_MAX)
			tk->parked[tk->nparked++] = tk->cur.seq;
	} else {
		sess_remove(tk, tk->cur.seq, !done);
	}
	return rc;
}

static uint16_t terminal_response(struct dm_card *card, unsigned c, const dm_capdu *cmd)
{
	struct dm_tk *tk = card->tk;
	dm_applet_ctx ctx = card_ctx(card, c);
	dm_cat_resp r;

	if (cmd->p1 != 0 || cmd->p2 != 0)
		return DM_SW_WRONG_P1P2;
	if (cmd->nc == 0)
		return DM_SW_WRONG_LENGTH;
	if (!tk->busy)
		return DM_SW_CONDITIONS; /* no proactive command to answer */
	if (dm_cat_resp_parse(cmd->data, cmd->nc, &r) != DM_OK)
		return DM_SW_WRONG_DATA;
	/* TS 102 223 §6.8: command details as in the command. */
	const uint8_t *d = tk->cur.cmd + number_at(&tk->cur);
	if (r.number != d[0] || r.type != d[1] || r.qualifier != d[2])
		return DM_SW_WRONG_DATA;

	dm_toolkit_event ev = { .kind = DM_TOOLKIT_EV_RESULT, .resp = &r };
	int rc;
	if (dm_cat_result_kind_of(r.result) == DM_CAT_RESULT_TEMPORARY) {
		/* §8.12.2: the terminal cannot do it now; offer it again. */
		if (tk->retry_seq != tk->cur.seq)
			tk->retries = 0;
		tk->retry_seq = tk->cur.seq;
		unsigned n = ++tk->retries;
		if (n < DM_TOOLKIT_RETRY_MAX) {
			tk->busy = false;
			return DM_SW_OK;
		}
		rc = finish(&ctx, false, false);
		ev.resp = NULL;
	} else {
		rc = finish(&ctx, true,
			    dm_cat_result_kind_of(r.result) == DM_CAT_RESULT_SUCCESS);
	}
	if (rc != DM_OK)
		return rc == DM_E_NOMEM ? DM_SW_NOT_ENOUGH_MEMORY : DM_SW_MEMORY_PROBLEM;
	(void)notify(card, c, tk->cur.owner, &ev);
	return DM_SW_OK;
}

static uint16_t envelope(struct dm_card *card, unsigned c, const dm_capdu *cmd)
{
	struct dm_tk *tk = card->tk;
	dm_cat_env env;

	if (cmd->p1 != 0 || cmd->p2 != 0)
		return DM_SW_WRONG_P1P2;
	if (cmd->nc == 0)
		return DM_SW_WRONG_LENGTH;
	/* TS 102 221 §7.4.2.2 / TS 102 223 §6.3: while a proactive command
	 * is being executed the card is busy; the terminal retries later. */
	if (tk->busy)
		return DM_SW_TOOLKIT_BUSY;
	if (dm_cat_env_parse(cmd->data, cmd->nc, &env) != DM_OK)
		return DM_SW_WRONG_DATA;
	dm_toolkit_event ev = { .env = &env };
	if (env.tag == DM_TS102223_BER_TIMER_EXPIRATION) {
		unsigned t = env.timer_id;
		if (t < 1 || t > TIMERS || tk->timer_owner[t - 1] == 0)
			return DM_SW_OK; /* nobody's timer: nothing to do */
		size_t idx = tk->timer_owner[t - 1] - 1u;
		tk->timer_owner[t - 1] = 0;
		ev.kind = DM_TOOLKIT_EV_TIMER;
		return notify(card, c, idx, &ev);
	}
	if (env.tag != DM_TS102223_BER_EVENT_DOWNLOAD)
		return DM_SW_OK; /* SMS-PP: no applet takes it (docs/toolkit.md) */
	ev.kind = DM_TOOLKIT_EV_DOWNLOAD;
	for (size_t i = 0; i < card->ninst; i++) {
		const dm_applet_reg *reg = card->inst[i].reg;
		const dm_toolkit_applet *t = reg->applet->toolkit;
		if (t == NULL || env.event >= 32 || !(t->download_events & (1u << env.event)))
			continue;
		uint16_t sw = notify(card, c, i, &ev);
		if (sw != DM_SW_OK)
			return sw;
	}
	return DM_SW_OK;
}

bool dm_tk_handles(const struct dm_card *card, const dm_cla *cla, const dm_capdu *cmd)
{
	/* TS 102 221 §10.1.1: CLA 8X for the toolkit commands. */
	if (cla->interindustry || !card->tk->enabled)
		return false;
	return cmd->ins == INS_TERMINAL_PROFILE || cmd->ins == INS_FETCH ||
	       cmd->ins == INS_TERMINAL_RESPONSE || cmd->ins == INS_ENVELOPE;
}

uint16_t dm_tk_command(struct dm_card *card, unsigned c, const dm_capdu *cmd, dm_wbuf *resp)
{
	switch (cmd->ins) {
	case INS_TERMINAL_PROFILE:
		return terminal_profile(card, c, cmd);
	case INS_FETCH:
		return fetch(card, c, cmd, resp);
	case INS_TERMINAL_RESPONSE:
		return terminal_response(card, c, cmd);
	default:
		return envelope(card, c, cmd);
	}
}

void dm_tk_command_end(struct dm_card *card, bool kept)
{
	struct dm_tk *tk = card->tk;

	/* Session entries follow the command that queued them, like the
	 * persistent ones follow its transaction. */
	for (size_t i = tk->nsess; i-- > 0;) {
		if (!tk->sess[i].tentative)
			continue;
		if (kept)
			tk->sess[i].tentative = false;
		else
			sess_remove(tk, tk->sess[i].seq, true);
	}
}

uint16_t dm_toolkit_final_sw(dm_applet_ctx *ctx, uint16_t sw)
{
	return dm_tk_final_sw(ctx->card, ctx->channel, sw);
}

uint16_t dm_tk_final_sw(struct dm_card *card, unsigned c, uint16_t sw)
{
	struct dm_tk *tk = card->tk;
	struct tk_entry head;

	/* TS 102 221 §7.4.2.2: 91xx instead of 9000 while a command is
	 * pending, only once the terminal said it has a toolkit (TS 102 223
	 * §5.2) and none is being executed. */
	if (sw != DM_SW_OK || !tk->profiled || tk->busy || card->dead)
		return sw;
	dm_applet_ctx ctx = card_ctx(card, c);
	if (!tk_head(&ctx, &head))
		return sw;
	return DM_SW_PROACTIVE(head.len);
}
