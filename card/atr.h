/*
 * atr.h - the card's Answer-To-Reset (ISO/IEC 7816-3 §8, historical bytes
 * ISO/IEC 7816-4 §8.1.1), built from its fields with the check byte computed.
 */
#ifndef DM_ATR_H
#define DM_ATR_H

#include "card.h"
#include "dm_common.h"

/* ISO 7816-3 §8.2.1: an ATR is at most 32 bytes after TS. */
#define DM_ATR_MAX 33u

/* Append the ATR announcing `proto` (T=1 or T=0) to out.
 * DM_E_ARG for another protocol, DM_E_OVERFLOW when out is too small. */
int dm_atr_build(dm_card_protocol proto, dm_wbuf *out);

#endif
