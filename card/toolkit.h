/*
 * toolkit.h - the card application toolkit service (ETSI TS 102 223) for
 * applets, in the style of the Java Card UICC toolkit (ETSI TS 102 241:
 * uicc.toolkit ToolkitRegistry, ProactiveHandler, EnvelopeHandler).
 * docs/toolkit.md describes the rules; this is the applet-facing API.
 *
 * The runtime owns the proactive queue and answers the toolkit commands
 * itself, on any logical channel, with CLA 8X (TS 102 221 §10.1.1):
 * TERMINAL PROFILE 80 10, FETCH 80 12, TERMINAL RESPONSE 80 14, ENVELOPE
 * 80 C2.  An applet takes part in two ways:
 *
 *   - Registration (ToolkitRegistry): a static dm_toolkit_applet in its
 *     dm_applet (field `toolkit`) names the events it wants: ENVELOPE event
 *     download (D6, per event code of TS 102 223 §8.25), timer expiration
 *     (D7) of the timers it started, STATUS (the terminal's poll,
 *     TS 102 221 §11.1.2), TERMINAL PROFILE received, and the outcome of its
 *     own proactive commands.
 *   - Proactive commands (ProactiveHandler): queued from any callback that
 *     may write (process, select, an event).  The runtime assigns the command
 *     number and serves them in queue order, one at a time.
 *
 * Queue entries are session entries (RAM: cleared by power-off and reset,
 * e.g. POLL INTERVAL, TIMER MANAGEMENT) or persistent entries
 * (DM_TOOLKIT_PERSISTENT: kept in the store, written in the transaction of
 * the command that queued them, so a REFRESH about changed provisioning data
 * is committed or lost together with the change).  Session entries queued
 * by a command that is then aborted (error status word) vanish as well.
 */
#ifndef DM_TOOLKIT_H
#define DM_TOOLKIT_H

#include "applet.h"
#include "cat.h"
#include "dm_common.h"

/* Queue bounds: entries (session + persistent) and bytes of one command
 * (the whole D0 TLV: its length is SW2 of 91xx, TS 102 221 §7.4.2.2). */
#define DM_TOOLKIT_QUEUE_MAX 8u
#define DM_TOOLKIT_CMD_MAX 255u
/* TERMINAL RESPONSE "terminal currently unable to process command" (20)
 * is retried: the command is offered again (91xx) up to this many times
 * per session; then a session entry is dropped and a persistent one waits
 * for the next session (power-on).  docs/toolkit.md, "Retry". */
#define DM_TOOLKIT_RETRY_MAX 3u
/* Longest TERMINAL PROFILE kept (TS 102 223 §5.2 defines about 40 bytes;
 * a longer one is accepted and answered, its tail not kept). */
#define DM_TOOLKIT_PROFILE_MAX 64u
/* Poll interval the card asks for after TERMINAL PROFILE unless configured
 * otherwise (reference "Proactive notification" 2: 30 s). */
#define DM_TOOLKIT_POLL_DEFAULT_S 30u

/* Events an applet may register for (dm_toolkit_applet.events). */
enum dm_toolkit_event_kind {
	DM_TOOLKIT_EV_DOWNLOAD = 1u << 0, /* ENVELOPE D6 (TS 102 223 §7.5) */
	DM_TOOLKIT_EV_TIMER = 1u << 1,    /* ENVELOPE D7 for a timer it started (§7.4) */
	DM_TOOLKIT_EV_STATUS = 1u << 2,   /* STATUS 80 F2 answered 9000 (the poll) */
	DM_TOOLKIT_EV_PROFILE = 1u << 3,  /* TERMINAL PROFILE received (§5.2) */
	DM_TOOLKIT_EV_RESULT = 1u << 4,   /* outcome of one of its proactive commands */
};

/* What one event carries.  Pointers valid during the callback only. */
typedef struct dm_toolkit_event {
	unsigned kind;               /* one DM_TOOLKIT_EV_* */
	const dm_cat_env *env;       /* DOWNLOAD, TIMER: the parsed envelope */
	/* RESULT: the TERMINAL RESPONSE, or NULL when the runtime gave the
	 * command up (DM_TOOLKIT_RETRY_MAX busy answers). */
	const dm_cat_resp *resp;
	dm_bytes profile;            /* PROFILE: the terminal profile */
} dm_toolkit_event;

/* Static registration of an applet (dm_applet.toolkit). */
typedef struct dm_toolkit_applet {
	uint32_t events;          /* DM_TOOLKIT_EV_* */
	/* DOWNLOAD: bit n set = event code n of TS 102 223 §8.25 (00..1F). */
	uint32_t download_events;
	/*
	 * Called inside the command that caused the event, with persistent
	 * writes allowed (the command's transaction).  Return a status word:
	 * for DOWNLOAD and TIMER it is the ENVELOPE's answer (an error aborts
	 * the envelope's transaction, 9000 lets the next handler run); for
	 * STATUS, PROFILE and RESULT it is ignored: what the handler wrote
	 * follows the fate of the command that raised the event.
	 */
	uint16_t (*event)(dm_applet_ctx *ctx, const dm_toolkit_event *ev);
} dm_toolkit_applet;

enum dm_toolkit_flags {
	/* Keep the entry in the store across power cycles (see above). */
	DM_TOOLKIT_PERSISTENT = 1u << 0,
};

/*
 * Queue a proactive command.  d0 is a whole proactive command TLV
 * (D0 { 81 82 ... }, checked with dm_cat_cmd_parse); its command number is
 * replaced by the runtime's when fetched.  DM_E_STATE outside a callback
 * that may write; DM_E_NOMEM when the queue is full (DM_TOOLKIT_QUEUE_MAX)
 * or, persistent, the store is; DM_E_VALUE etc. from the parser.
 */
int dm_toolkit_queue_raw(dm_applet_ctx *ctx, dm_bytes d0, uint32_t flags);
/* The same from a dm_cat_cmd (built with dm_cat_cmd_build; number ignored). */
int dm_toolkit_queue(dm_applet_ctx *ctx, const dm_cat_cmd *cmd, uint32_t flags);

/*
 * REFRESH (TS 102 223 §6.4.7) with a File List (§8.18) of npaths full paths
 * from the MF (each 3F00 ..., 7FFF for the ADF named by aid) and, when aid
 * is non-empty, the AID object (§8.60).  Always persistent (GEN-20: a
 * change of provisioning data must be announced even after a power cut).
 * When a REFRESH with the same qualifier and AID is queued and not yet
 * fetched, the new paths are merged into its file list (no duplicates)
 * instead of queueing another one.  qualifier: DM_TS102223_REFRESH_*.
 */
int dm_toolkit_refresh_files(dm_applet_ctx *ctx, uint8_t qualifier, const dm_bytes *paths,
			     size_t npaths, dm_bytes aid);

/* REFRESH file change notification (qualifier 01) of one EF directly
 * under an ADF: path 3F00 7FFF fid with the ADF's AID (reference,
 * "Proactive notification" 4).  What fs_notify.c calls for every change of
 * provisioning data (GEN-20) and the GEN-14 trigger for EF_TRIG. */
int dm_toolkit_refresh_adf_file(dm_applet_ctx *ctx, uint16_t fid, dm_bytes aid);

/* POLL INTERVAL (§6.4.6): a session entry asking the terminal to poll with
 * STATUS every `seconds` (1..255). */
int dm_toolkit_poll_interval(dm_applet_ctx *ctx, uint8_t seconds);

/*
 * Card configuration: the poll interval (seconds, 0 = do not ask) queued
 * after every TERMINAL PROFILE.  Persistent (written in the caller's
 * transaction); DM_TOOLKIT_POLL_DEFAULT_S until set.
 */
int dm_toolkit_set_poll_config(dm_applet_ctx *ctx, uint8_t seconds);

/*
 * TIMER MANAGEMENT start (§6.4.21) on a free timer (1..8) for the calling
 * instance, which receives its DM_TOOLKIT_EV_TIMER.  value: hours,
 * minutes, seconds in swapped BCD (§8.38).  *timer_id gets the timer.
 * DM_E_NOMEM when all 8 timers are taken this session.
 */
int dm_toolkit_timer_start(dm_applet_ctx *ctx, const uint8_t value[3], uint8_t *timer_id);

/* The TERMINAL PROFILE of this session (borrowed until the next power
 * event); DM_E_STATE when none was received yet. */
int dm_toolkit_profile(dm_applet_ctx *ctx, dm_bytes *profile);

/* Entries waiting (session + persistent, including one being fetched). */
int dm_toolkit_pending(dm_applet_ctx *ctx, size_t *n);

/* The status word the card will send for `sw` when this command ends: 91xx
 * instead of 9000 while a proactive command is pending (TS 102 221
 * §7.4.2.2), else sw.  For applets that protect the status word (SCP03
 * R-MAC covers the SW actually sent, GP Amd D §6.2.5). */
uint16_t dm_toolkit_final_sw(dm_applet_ctx *ctx, uint16_t sw);

#endif
