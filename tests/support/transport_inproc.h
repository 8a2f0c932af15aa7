/*
 * transport_inproc.h - the in-process dm_transport: the card runtime linked
 * in, driving a card image directly (card/card.h).  For unit tests, fuzzing
 * and benchmarks only; dmsc-agent itself uses PC/SC (docs/agent.md).
 *
 * Like the vpcd link, it carries at most 65535 bytes per frame, and
 * extended-length APDUs get through.
 */
#ifndef DM_TRANSPORT_INPROC_H
#define DM_TRANSPORT_INPROC_H

#include "transport.h"

/* Open (or create, from the default profile) the card image at image_path
 * and power the card on.  protocol DM_PROTO_T0 gives the T=0 ATR and 61xx/6Cxx. */
int dm_inproc_open(const char *image_path, dm_proto protocol, dm_transport **out);

/* Simulate pulling the card: every exchange fails with DM_E_IO and the next
 * dm_transport_wait() reports DM_EV_REMOVED. */
void dm_inproc_remove(dm_transport *t);
/* Put the card back (powered on again): the next wait reports DM_EV_INSERTED;
 * call dm_transport_reconnect() before using it. */
void dm_inproc_insert(dm_transport *t);
/* Pull the card after n more exchanges have been answered (0 = never). */
void dm_inproc_remove_after(dm_transport *t, unsigned long n);
/* How many times begin (outermost) was reached: checks transaction pairing. */
unsigned long dm_inproc_begins(const dm_transport *t);

#endif
