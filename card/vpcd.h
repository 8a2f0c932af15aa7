/*
 * vpcd.h - the card side of vsmartcard's vpcd protocol (TCP, the card
 * connects to vpcd; see docs/reader-stack.md).  Generic over the card behind
 * it, so dmsc-card and the minimal reference card share the same link code
 * and benchmarks compare only the card logic.
 */
#ifndef DM_VPCD_H
#define DM_VPCD_H

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
	int verbose;
} dm_vpcd_opts;

/* Connect and serve until stop_flag is set (returns DM_OK) or, without
 * reconnect, until the link drops (DM_E_IO). */
int dm_vpcd_serve(const dm_vpcd_opts *opts, const dm_vpcd_card_ops *ops, void *ctx);

#endif
