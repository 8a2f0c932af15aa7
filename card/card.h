/*
 * card.h - the whole card as seen from a reader: ATR, power events, one APDU
 * in, one R-APDU out.  The vpcd link (vpcd.h), the in-process host transport
 * and the benchmarks all drive a card only through this interface.
 *
 * Threading: a dm_card is used by one thread at a time.
 */
#ifndef DM_CARD_H
#define DM_CARD_H

#include "dm_common.h"

typedef struct dm_card dm_card;

/* Zero is T=1 so that a zero-initialised dm_card_config gets the default. */
typedef enum dm_card_protocol {
	DM_CARD_T1 = 0, /* default */
	DM_CARD_T0 = 1,
} dm_card_protocol;

typedef struct dm_card_config {
	const char *image_path;      /* card image; created from the default profile if absent */
	dm_card_protocol protocol;   /* T=1 (default) or T=0: selects the ATR and 61xx/6Cxx handling */
	uint32_t store_flags;        /* DM_STORE_* flags */
	unsigned long cut_after_writes; /* power-cut injector (tests only; 0 = off) */
	/* Profile a new image is made from (card/profile.h; borrowed for the
	 * duration of dm_card_open); NULL = the embedded default profile. */
	const struct dm_profile *profile;
	/* Bytes of a new image (0 = DM_STORE_DEFAULT_CAPACITY); an existing
	 * image keeps its own. */
	uint32_t capacity;
} dm_card_config;

typedef enum dm_power_event {
	DM_POWER_OFF,
	DM_POWER_ON,
	DM_POWER_RESET, /* warm reset: same effect on session state as off + on */
} dm_power_event;

int dm_card_open(const dm_card_config *cfg, dm_card **out);
void dm_card_close(dm_card **card);

/* The ATR bytes (borrowed, valid while the card is open). */
dm_bytes dm_card_atr(const dm_card *card);

/* Power events clear all session state (selection, verified PINs, channels,
 * secure channels, CLEAR_ON_RESET memory) and no persistent state. */
void dm_card_power(dm_card *card, dm_power_event ev);

/*
 * Process one C-APDU (raw bytes as received from the reader) and write the
 * R-APDU (data + SW1 SW2) into out.  Always writes at least the two status
 * bytes when out->cap >= 2: malformed APDUs get a status word, never silence.
 * out should have DM_RAPDU_MAX capacity.  Returns DM_OK or DM_E_ARG/DM_E_IO
 * (the medium failed: the card is "dead" and must be reopened).
 */
int dm_card_transmit(dm_card *card, const uint8_t *capdu, size_t len, dm_wbuf *out);

#endif
