/*
 * vpcd.h - the card side of vsmartcard's vpcd protocol (TCP, the card
 * connects to vpcd; see docs/reader-stack.md).  Generic over the card behind
 * it, so dmsc-card and the minimal reference card share the same link code
 * and benchmarks compare only the card logic.
 */
#ifndef DM_VPCD_H
#define DM_VPCD_H

#include "apdu.h"
#include "dm_common.h"

typedef struct dm_vpcd_card_ops {
	dm_bytes (*atr)(void *ctx);
	void (*power)(void *ctx, int ev);  /* 0 off, 1 on, 2 reset (vpcd control codes) */
	/* Write the R-APDU into out; return DM_OK, or < 0 to drop the link. */
	int (*transmit)(void *ctx, const uint8_t *capdu, size_t len, dm_wbuf *out);
} dm_vpcd_card_ops;

typedef struct dm_vpcd_opts {
	const char *host;              /* vpcd host, default "127.0.0.1" */
	unsigned short port;           /* vpcd port of the slot */
	bool reconnect;                /* reconnect when vpcd goes away (default in dmsc-card) */
	const volatile int *stop_flag; /* serve() returns when *stop_flag becomes nonzero */
	int verbose;                   /* 0 silent, 1 link up/down lines, 2 + control codes */
	const char *log_name;          /* prefix of the stderr lines, default "vpcd" */
} dm_vpcd_opts;

/* vpcd control codes: a 1-byte message from vpcd.  Only ATR is answered. */
enum {
	DM_VPCD_CTRL_OFF = 0x00,
	DM_VPCD_CTRL_ON = 0x01,
	DM_VPCD_CTRL_RESET = 0x02,
	DM_VPCD_CTRL_ATR = 0x04,
};

/* Largest message body one frame carries (2-byte big-endian length). */
#define DM_VPCD_MSG_MAX 0xFFFFu
/* Reply buffer capacity dm_vpcd_handle() needs: length prefix + the largest
 * R-APDU a card may write (the frame limit is enforced on the result). */
#define DM_VPCD_REPLY_CAP (2u + DM_RAPDU_MAX)

/*
 * Split the next frame off a receive buffer.  Returns 1 with *msg (borrowing
 * from buf) and *consumed set when a whole frame is present, 0 when more
 * bytes are needed, DM_E_ARG on NULL arguments.
 */
int dm_vpcd_frame_next(const uint8_t *buf, size_t len, dm_bytes *msg, size_t *consumed);

/*
 * Answer one message from vpcd: power codes go to ops->power, "get ATR" and
 * C-APDUs are answered by appending ONE framed reply (length + body) to out;
 * out->len is unchanged when nothing is to be sent.  An R-APDU shorter than
 * 2 bytes or longer than a frame is replaced by SW 6F00, so the link never
 * answers with zero bytes (vpcd reads that as card removal).
 * Unknown control codes are ignored (no reply), as vpcd expects none.
 * out should have DM_VPCD_REPLY_CAP room; the card gets all of it but 2.
 * Errors: DM_E_LENGTH for an empty message (vpcd never sends one),
 * DM_E_VALUE for an ATR outside 2..33 bytes (ISO 7816-3 §8.2.1),
 * DM_E_OVERFLOW when out has no room for a prefix and a status word,
 * or the card's own error (< 0) from ops->transmit.
 */
int dm_vpcd_handle(const dm_vpcd_card_ops *ops, void *ctx, dm_bytes msg, dm_wbuf *out);

/*
 * Parse "HOST:PORT" (HOST may be "[v6addr]") into host[0..cap) and *port
 * (1..65535).  DM_E_VALUE for a malformed address, DM_E_OVERFLOW if the host
 * does not fit.
 */
int dm_vpcd_parse_addr(const char *s, char *host, size_t cap, unsigned short *port);

/*
 * Connect and serve until stop_flag is set (returns DM_OK).  When vpcd goes
 * away (refused, closed, reset, a malformed frame) the card sees a power off
 * and, with reconnect, the link retries with backoff (50 ms doubling to 1 s);
 * without reconnect serve returns DM_E_IO.  DM_E_ARG: bad host or port.
 * An error from ops->transmit ends serving with that error: a card whose
 * medium failed is dead, and its owner decides what follows.
 */
int dm_vpcd_serve(const dm_vpcd_opts *opts, const dm_vpcd_card_ops *ops, void *ctx);

#endif
