/*
 * watch.h - the long-running device (DM_SC GEN-14, GEN-15, GEN-20, GEN-21):
 * provision on insertion, poll STATUS (80 F2 00 0C) at the card's poll
 * interval, FETCH and answer proactive commands (TS 102 223 §6), write
 * device configuration changes to EF_DEVCHG, remove card-origin nodes on
 * removal, stop cleanly on SIGTERM.
 *
 * The proactive-command handling is split from the loop so it can be driven
 * one step at a time over the in-process transport.
 */
#ifndef DM_HOST_WATCH_H
#define DM_HOST_WATCH_H

#include <signal.h>
#include <stdio.h>

#include "cat.h"
#include "dm_common.h"
#include "provision.h"

#define DM_WATCH_POLL_DEFAULT_S 30u /* TS 102 223 §6.4.6: terminal default [ours: 30 s] */

/* What a handled proactive command asked of the device. */
typedef enum dm_watch_action {
	DM_WATCH_NONE = 0,
	DM_WATCH_REIMPORT,   /* REFRESH naming provisioning data: provision again (GEN-20) */
	DM_WATCH_SESSION,    /* REFRESH naming EF_TRIG: open a session (GEN-14) */
	DM_WATCH_POLL_SET,   /* POLL INTERVAL / POLLING OFF adopted */
} dm_watch_action;

typedef struct dm_watch_state {
	unsigned poll_s;         /* current poll interval, 0 = polling off */
	unsigned fetched;        /* proactive commands fetched */
	unsigned reimports;      /* GEN-20 re-imports done */
	unsigned sessions;       /* GEN-14 sessions opened */
	uint32_t devchg_counter; /* GEN-15 counter written last */
	uint8_t trig[64];        /* last EF_TRIG record read */
	size_t trig_len;
} dm_watch_state;

/*
 * Decide what a proactive command (the D0 TLV from FETCH) asks and build its
 * TERMINAL RESPONSE into resp (TS 102 223 §6.8: 81 as in the command,
 * 82 82 81, 83 result).  REFRESH qualifier 01 (file change notification) is
 * "performed" (00); other REFRESH modes we cannot do (a UICC reset) answer
 * 30 (beyond the terminal's capabilities); POLL INTERVAL answers 00 with the
 * adopted duration (84); POLLING OFF 00; unknown types 30.  A malformed
 * command: DM_E_* from dm_cat_cmd_parse, and nothing is built (the caller
 * answers "command data not understood" with dm_watch_response_error).
 */
int dm_watch_handle(const uint8_t *d0, size_t len, dm_watch_state *st,
		    dm_watch_action *action, dm_cat_cmd *cmd, dm_wbuf *resp);

/* TERMINAL RESPONSE with result 32 (command data not understood) for a
 * command whose D0 could be framed only as far as its command details. */
int dm_watch_response_error(const uint8_t *d0, size_t len, dm_wbuf *resp);

/* Whether a REFRESH file list names EF_TRIG (3F00 7FFF 6422 or 3F00 7F60 6422). */
bool dm_watch_names_trigger(const dm_cat_cmd *cmd);

/* EF_DEVCHG record [ours, docs/agent.md]: 80 04 counter, 81 changed-node
 * URIs joined by '\n'; written by UPDATE BINARY at offset 0. */
int dm_watch_devchg_build(uint32_t counter, const char *uris, dm_wbuf *out);

typedef struct dm_watch_opts {
	dm_prov_opts prov;
	unsigned poll_s;                 /* --poll: overrides the card's interval (tests) */
	const char *devchg_spool;        /* directory of files with changed URIs, or NULL */
	volatile sig_atomic_t *stop;     /* set by the SIGTERM handler */
	unsigned max_polls;              /* stop after this many STATUS polls (0 = no limit) */
} dm_watch_opts;

/* One poll of an open, provisioned card: STATUS, and while the card
 * answers 91xx: FETCH, handle, TERMINAL RESPONSE, act (re-import, session).
 * DM_E_IO when the card is gone. */
int dm_watch_poll(dm_transport *card, dm_tree *tree, const dm_watch_opts *o,
		  dm_watch_state *st);

/* GEN-14: read EF_TRIG record 1; a new trigger opens a session: a log line
 * and a Generic Alert (alert.h) to the server the record names.  The same
 * record seen again opens nothing. */
int dm_watch_session(dm_transport *card, dm_tree *tree, const dm_watch_opts *o,
		     dm_watch_state *st);

/* GEN-15: write uris as the next EF_DEVCHG content (counter = the card's + 1,
 * the rest FF). */
int dm_watch_devchg_write(dm_transport *card, dm_watch_state *st, const char *uris);
/* Write each regular, non-hidden file of dir (its text = the URIs) to
 * EF_DEVCHG, and remove the file once the card has it. */
int dm_watch_devchg_spool(dm_transport *card, dm_watch_state *st, const char *dir, FILE *log);

/* The card left the reader (DM 1.2 bootstrap rules: card-origin MOs go with
 * the card): every card-origin node and the last-card meta removed, in ONE
 * tree transaction, so the next insertion of the same card provisions
 * again instead of finding "nothing to do".  *removed (may be NULL): the
 * number of nodes removed. */
int dm_watch_card_removed(dm_tree *tree, size_t *removed);

#endif
