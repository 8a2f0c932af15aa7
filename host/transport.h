/*
 * transport.h - how the host agent reaches a card: one C-APDU out, one
 * R-APDU back, plus the reader events the device needs (insertion, removal)
 * and exclusive access across multi-APDU operations.
 *
 * Two implementations share this interface (docs/agent.md, "Transports"):
 *   - PC/SC through pcsc-lite (host/pcsc.c): the only one dmsc-agent uses;
 *   - in-process, the card runtime linked in (tests/support/transport_inproc.c):
 *     unit tests, fuzzing and benchmarks only.  host/ never includes card/.
 *
 * dm_transport_transmit() is the raw exchange: no GET RESPONSE, no 6Cxx
 * re-issue (host/cardops.h does those).  An answer shorter than two bytes is
 * never data: the card is gone (DM_E_IO).
 *
 * Errors: DM_E_IO card removed / reader or service failed, DM_E_STATE no card,
 * DM_E_NOT_FOUND no such reader, DM_E_OVERFLOW answer larger than the buffer,
 * DM_E_ARG bad argument.
 */
#ifndef DM_HOST_TRANSPORT_H
#define DM_HOST_TRANSPORT_H

#include <stdio.h>

#include "dm_common.h"

typedef struct dm_transport dm_transport;

typedef enum dm_proto {
	DM_PROTO_T0 = 0,
	DM_PROTO_T1 = 1,
} dm_proto;

typedef enum dm_card_event {
	DM_EV_NONE,      /* timeout: nothing changed */
	DM_EV_INSERTED,  /* a card is now present (reconnect before use) */
	DM_EV_REMOVED,   /* the card left the reader */
} dm_card_event;

typedef struct dm_transport_ops {
	int (*transmit)(dm_transport *t, const uint8_t *capdu, size_t len, dm_wbuf *rapdu);
	int (*begin)(dm_transport *t);
	int (*end)(dm_transport *t);
	int (*wait)(dm_transport *t, int timeout_ms, dm_card_event *ev);
	int (*reconnect)(dm_transport *t, bool reset);
	void (*close)(dm_transport *t);
} dm_transport_ops;

#define DM_ATR_MAX 33u

struct dm_transport {
	const dm_transport_ops *ops;
	char reader[128];        /* reader name ("in-process" for the in-process one) */
	uint8_t atr[DM_ATR_MAX];
	size_t atr_len;
	dm_proto protocol;       /* negotiated: T=0 needs 61xx/6Cxx handling */
	bool extended;           /* extended-length APDUs get through */
	size_t max_capdu;        /* largest C-APDU the medium carries (vpcd: 65535) */
	size_t max_rapdu;        /* largest R-APDU incl. SW (vpcd: 65535) */
	FILE *trace;             /* -v: one dm_trace line per exchange; NULL = off */
	unsigned long n_apdus;   /* exchanges so far (benchmarks, tests) */
	int depth;               /* dm_host_begin nesting */
	/* The last card refusal, for messages (host/cardops.h dm_hc_message). */
	uint16_t last_sw;
	char last_op[64];
	void *priv;              /* implementation state */
};

/* Raw exchange; traces to t->trace; counts; answer < 2 bytes = DM_E_IO. */
int dm_transport_transmit(dm_transport *t, const uint8_t *capdu, size_t len, dm_wbuf *rapdu);

/*
 * Exclusive access around every multi-APDU operation (SCardBeginTransaction):
 * two agents on one reader never interleave.  Nestable: only the outermost
 * pair reaches the reader.  Always pair them, also on error paths.
 */
int dm_host_begin(dm_transport *t);
int dm_host_end(dm_transport *t);

/* Wait up to timeout_ms (-1 = forever) for the card to be inserted or removed. */
int dm_transport_wait(dm_transport *t, int timeout_ms, dm_card_event *ev);
/* Connect again after an insertion (reset = cold/warm reset of the card). */
int dm_transport_reconnect(dm_transport *t, bool reset);
/* Close and free; *t becomes NULL.  NULL is fine. */
void dm_transport_close(dm_transport **t);

/* ---- PC/SC (host/pcsc.c) ---- */

typedef struct dm_pcsc_reader {
	char name[128];
	bool card_present;
	uint8_t atr[DM_ATR_MAX];
	size_t atr_len;
} dm_pcsc_reader;

/*
 * List up to cap readers into out, *n = how many.  DM_E_IO when pcscd does not
 * answer (msg says so and how to start it).  msg (may be NULL) gets a
 * one-line human explanation of any failure.
 */
int dm_pcsc_list(dm_pcsc_reader *out, size_t cap, size_t *n, char *msg, size_t msgcap);

/*
 * Connect to a reader: reader = name, decimal index into dm_pcsc_list, or NULL
 * for the first reader holding a card.  wait_ms > 0 waits that long for a
 * card to be inserted (-1 forever).  Errors: DM_E_IO (pcscd), DM_E_NOT_FOUND
 * (no such reader / no reader), DM_E_STATE (no card), with msg filled.
 */
int dm_pcsc_open(const char *reader, int wait_ms, dm_transport **out, char *msg, size_t msgcap);

#endif
