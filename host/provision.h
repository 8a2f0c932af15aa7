/*
 * provision.h - the device's power-on procedure (DM_SC GEN-21, GEN-2, GEN-6,
 * GEN-13, GEN-17, AUTH-1..3, USE-1/2/3): discovery, authentication as the
 * card asks, reading the bootstrap and MOs named by the DODF, the user's
 * confirmation, and one atomic import into the device's DM tree.
 *
 * Pieces that need only proto/ (the USE-1/2/3 decision, the agent
 * configuration) are separate functions so they can be tested alone.
 * Error convention: dm_common.h (DM_OK or a negative dm_err); the reason for
 * a failure the user must see is in dm_prov_result.msg, with the status word.
 */
#ifndef DM_HOST_PROVISION_H
#define DM_HOST_PROVISION_H

#include <limits.h>

#include "dm_common.h"
#include "scp03.h"
#include "cardops.h"
#include "dmtree.h"
#include "transport.h"

/* --- USE-1/2/3 ------------------------------------------------------------ */

typedef enum dm_prov_confirm {
	DM_PROV_CONFIRM_ASK = 0, /* ask the user (the default when nothing is said) */
	DM_PROV_CONFIRM_YES,     /* --yes / confirm=yes: accept without asking */
	DM_PROV_CONFIRM_NO,      /* --no / confirm=no: refuse without asking */
} dm_prov_confirm;

typedef enum dm_prov_decision {
	DM_PROV_DO_APPLY,   /* import without asking */
	DM_PROV_DO_ASK,     /* ask the user, import only on "yes" */
	DM_PROV_DO_REFUSE,  /* do not import */
} dm_prov_decision;

/*
 * What to do with the card's data:
 *   USE-2 (82 b2): never ask, apply; the command line cannot make the
 *   device ask (a --no is overruled: the card's data says "do not ask").
 *   USE-1 (82 b1): the device SHALL ask: --yes (the user answered in
 *   advance) applies, --no refuses, otherwise ask.  b1 wins if both set.
 *   USE-3 (neither): the command line, else the configuration default.
 */
dm_prov_decision dm_prov_decide(uint8_t info_flags, dm_prov_confirm cmdline_set,
				bool cmdline_given, dm_prov_confirm conf_default);

/* --- the agent configuration (provision/watch part) -------------------- */

#define DM_PROV_PATH_MAX 512u

/*
 * Text format (docs/agent.md): one "key = value" per line, '#' comments,
 * blank lines.  Keys read here:
 *   scp03.kvn  = 30               hex key version of the device set
 *   scp03.enc  = 404142...        K-ENC, hex, 16/24/32 bytes
 *   scp03.mac  = ...              K-MAC
 *   scp03.dek  = ...              K-DEK (kept for PUT KEY; unused now)
 *   scp03.level = 33              security level (01,03,11,13,33)
 *   provision.confirm = ask|yes|no USE-3 default
 *   provision.pin_file = path     the PIN for PIN 81 / PIN1
 *   watch.poll = seconds          poll interval before the card sets one
 *   watch.devchg_spool = dir      GEN-15 spool directory
 * Keys of other sections (other commands') are ignored; an unknown key in
 * these sections or a malformed value is DM_E_VALUE with *err_line set.
 */
typedef struct dm_prov_conf {
	bool has_scp03;
	uint8_t scp03_kvn;
	uint8_t scp03_level;
	dm_scp03_keys scp03;
	uint8_t scp03_dek[DM_SCP03_KEY_MAX];
	dm_prov_confirm confirm;
	char pin_file[DM_PROV_PATH_MAX];
	unsigned poll_s;            /* 0 = the card's / default 30 s */
	char devchg_spool[DM_PROV_PATH_MAX];
} dm_prov_conf;

void dm_prov_conf_init(dm_prov_conf *c);
int dm_prov_conf_parse(const char *text, size_t len, dm_prov_conf *c, unsigned *err_line);
/* Read a file (under 64 KiB, else DM_E_LENGTH); DM_E_IO if it cannot be read. */
int dm_prov_conf_load(const char *path, dm_prov_conf *c, unsigned *err_line);
/* Wipe the keys. */
void dm_prov_conf_wipe(dm_prov_conf *c);

/* --- the procedure ------------------------------------------------------- */

/* Ask the user a yes/no question: 1 yes, 0 no, < 0 cannot ask (no terminal). */
typedef int (*dm_prov_ask_fn)(void *arg, const char *question);

typedef struct dm_prov_opts {
	const dm_prov_conf *conf;
	dm_prov_confirm confirm;   /* --yes / --no */
	bool confirm_given;        /* whether --yes or --no was on the command line */
	const char *pin;           /* PIN 81 / PIN1 when the card asks, or NULL */
	dm_prov_ask_fn ask;        /* NULL: cannot ask */
	void *ask_arg;
	bool force;                /* import even if ICCID and counter are unchanged */
	bool in_session;           /* TERMINAL PROFILE already sent in this card session (watch) */
	const char *outbox;        /* Generic Alert outbox for the result (NULL: none) */
	FILE *log;                 /* progress lines for people (NULL: quiet) */
} dm_prov_opts;

typedef enum dm_prov_outcome {
	DM_PROV_APPLIED = 0,  /* data imported (result counts say what) */
	DM_PROV_UNCHANGED,    /* same card, same change counter: nothing to do */
	DM_PROV_NO_DMSC,      /* SELECT DMSC answered 6A82: not a DM_SC card (GEN-13) */
	DM_PROV_NO_DATA,      /* EF_INFO b3 clear and no DODF object: nothing provisioned (GEN-2) */
	DM_PROV_DECLINED,     /* USE-1/3: the user (or --no) said no */
	DM_PROV_FAILED,       /* see the return value, msg and sw */
} dm_prov_outcome;

typedef struct dm_prov_result {
	dm_prov_outcome outcome;
	char iccid[21];       /* EF_ICCID, 20 hex digits (the tree's provenance key) */
	dm_hc_info info;
	unsigned objects;     /* DODF objects read */
	size_t bytes;         /* bytes of provisioning data read */
	bool new_card;        /* another ICCID than the tree's last card */
	bool scp03;           /* an SCP03 session was opened */
	bool pin_verified;
	uint16_t sw;          /* status word of the failing command, 0 if none */
	char msg[512];        /* why, for people, when outcome is FAILED/NO_* */
} dm_prov_result;

/*
 * Run the power-on procedure on an open card (inside one PC/SC transaction:
 * the caller's host/card.h handle takes it).  Nothing is applied to the tree
 * unless every object was read and parsed; the import (new-card cleanup,
 * dropped DM accounts, the new nodes) is one tree transaction.
 * Returns DM_OK for every outcome except DM_PROV_FAILED.
 */
int dm_provision(dm_transport *card, dm_tree *tree, const dm_prov_opts *o,
		 dm_prov_result *r);

#endif
