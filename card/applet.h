/*
 * applet.h - the applet model of the card runtime (docs/runtime.md), in the
 * style of Java Card (JCRE 3.0 §3-§4) and canokey-core.
 *
 * An applet is a const struct of operations plus the memory it needs.  A card
 * is built from a registry: a table of instances, each an applet with its AID,
 * fixed at card build time.  The runtime owns everything else: the APDU
 * buffers, SELECT by AID, MANAGE CHANNEL, command chaining, the T=0/T=1
 * response rules (61xx, 6Cxx, GET RESPONSE) and the store transaction around
 * each command.  An applet only turns one logical command into response data
 * and a status word.
 *
 * Status words are return values (uint16_t, proto/sw.h): SW1 62-6F or
 * 90-9F, never 61xx or 6Cxx (the runtime's own, for GET RESPONSE and Le);
 * anything else is answered 6F00.  Response data goes
 * into `resp`, owned by the runtime: capacity DM_APDU_EXT_MAX_NE (65536)
 * whatever Ne is; the runtime cuts it to Ne, keeps the rest for GET RESPONSE,
 * and drops it when the status word is an error (64xx-6Fxx, ISO 7816-4
 * §5.6: no response data with an error).
 *
 * Persistent memory: each instance gets one region of `persistent_size`
 * bytes in the card's store, allocated through card/heap.h at installation
 * and zero-filled.  Reads work at any time; writes only while the runtime
 * runs a command for the applet (install, select, deselect, process).
 * The first write begins the command's store transaction (lazily: a command
 * that writes nothing never touches the store).  Commit rule, when the
 * applet returns:
 *   - 9000, 91xx (success), 62xx, 63xx (warnings, incl. 63Cx wrong PIN):
 *     commit;
 *   - anything else (64xx-6Fxx errors, and 61xx/6Cxx, which are the
 *     runtime's): abort, the command leaves no trace.
 * An applet that must keep a change whatever happens next (a PIN retry
 * counter decremented before the comparison, TS 102 221 §9.4 / dmsc
 * reference AUTH-4) calls dm_applet_commit() right after writing it: that
 * change is durable at once, and later writes of the same command start a new
 * transaction that follows the rule above.
 * A medium failure (DM_E_IO from the store) kills the card: the command is
 * answered 6581 and dm_card_transmit() returns DM_E_IO.
 *
 * Transient memory (RAM, JCSystem.makeTransient*Array):
 *   - CLEAR_ON_RESET: `reset_size` bytes per instance, shared by all
 *     channels, zeroed at every power-on and reset;
 *   - CLEAR_ON_DESELECT: `deselect_size` bytes per instance AND logical
 *     channel, zeroed when the instance is deselected on that channel and at
 *     power-on/reset.  One block per channel (unlike Java Card's one per
 *     applet) gives each channel its own session and security state, which
 *     ISO 7816-4 (logical channels) lets a card keep per channel.
 *
 * All callbacks but process are optional (NULL).
 */
#ifndef DM_APPLET_H
#define DM_APPLET_H

#include "apdu.h"
#include "card.h"
#include "dm_common.h"

/* Application identifier length (ISO 7816-4 §8.2.1.2: RID 5 bytes + PIX up to 11). */
#define DM_AID_MIN 5u
#define DM_AID_MAX 16u

/* Logical channels: 0-3 (CLA 0X/8X) and 4-19 (CLA 4X-7X/CX-FX), all 20 that
 * ISO 7816-4 §5.4.1 and TS 102 221 §10.1.1 can address. */
#define DM_CARD_CHANNELS 20u

enum dm_applet_flags {
	/* May be selected on several logical channels at once (JCRE §4.2).
	 * Without it, a SELECT or MANAGE CHANNEL that would make the instance
	 * active on a second channel is refused with 6985. */
	DM_APPLET_MULTISELECTABLE = 1u << 0,
	/* Accepts ISO command chaining (CLA b5, ISO 7816-4 §5.1.1.1): the
	 * runtime collects the chain and calls process() once with all the
	 * data.  Without it a chained command is refused with 6884. */
	DM_APPLET_CHAINING = 1u << 1,
};

typedef enum dm_transient_kind {
	DM_CLEAR_ON_RESET,
	DM_CLEAR_ON_DESELECT,
} dm_transient_kind;

/* The runtime's view of one instance during one callback.  Opaque; valid
 * only during the callback it is passed to. */
typedef struct dm_applet_ctx dm_applet_ctx;

typedef struct dm_applet {
	const char *name;
	uint32_t flags;            /* DM_APPLET_* */
	uint32_t persistent_size;  /* bytes of persistent memory; 0 = none */
	uint16_t reset_size;       /* CLEAR_ON_RESET bytes */
	uint16_t deselect_size;    /* CLEAR_ON_DESELECT bytes (per channel) */

	/* Once per instance, when the card image is created (or when an image
	 * lacks an instance of the registry), inside the installation
	 * transaction: initialise persistent memory.  DM_OK or a dm_err (the
	 * installation is then aborted and dm_card_open fails with it). */
	int (*install)(dm_applet_ctx *ctx);
	/* The instance becomes selected on dm_applet_channel(ctx).  cmd is the
	 * SELECT command, or NULL when the selection is implicit (the default
	 * application at power-on, MANAGE CHANNEL open).  Return 9000 to
	 * accept (with FCI/FCP in resp as the SELECT's P2 asks), anything else
	 * to refuse: the instance is then not selected.  NULL = accept, no data. */
	uint16_t (*select)(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp);
	/* The instance stops being selected on that channel (another SELECT,
	 * MANAGE CHANNEL close).  Its CLEAR_ON_DESELECT memory of the channel
	 * is zeroed just after.  Not called at power-off/reset. */
	void (*deselect)(dm_applet_ctx *ctx);
	/* One logical command (chains already joined: cmd->cla has b5 clear).
	 * cmd->data lives until process returns.  Return the status word. */
	uint16_t (*process)(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp);
	/* Power event (off, on, reset), before the runtime clears transient
	 * memory.  No persistent writes here (DM_E_STATE). */
	void (*power)(dm_applet_ctx *ctx, dm_power_event ev);
	/* Toolkit registration (card/toolkit.h, docs/toolkit.md); NULL = none. */
	const struct dm_toolkit_applet *toolkit;
} dm_applet;

/* One instance in a card's registry: an applet under an AID. */
typedef struct dm_applet_reg {
	const dm_applet *applet;
	/* DM_AID_MIN..DM_AID_MAX bytes.  aid_len 0 marks the card's default
	 * application (at most one): the MF / file system, implicitly selected
	 * on the basic channel at power-on and on channels opened from it, and
	 * selected by SELECT MF (00 A4 00 xx [02 3F00]). */
	uint8_t aid_len;
	uint8_t aid[DM_AID_MAX];
} dm_applet_reg;

/* The default card profile (card/registry.c): the MF and the applications. */
extern const dm_applet_reg dm_default_registry[];
extern const size_t dm_default_registry_len;

/*
 * dm_card_open() with another registry (tests, benchmarks, vendor builds).
 * The registry must outlive the card.  Order matters: it is the order of
 * SELECT first/next occurrence (ISO 7816-4 §11.1.1) and of installation.
 * Instances are matched to an existing image by AID; an instance missing
 * from the image is installed.  DM_E_ARG: invalid registry (empty or more
 * than 256 entries, AID length, duplicate AID, two default applications,
 * applet without process).
 */
int dm_card_open_registry(const dm_card_config *cfg, const dm_applet_reg *reg, size_t n,
			  dm_card **out);

/* --- what an applet may ask the runtime (ctx valid during the callback) --- */

/* Logical channel of the current command or selection (0..19). */
unsigned dm_applet_channel(const dm_applet_ctx *ctx);
/* The instance's AID (empty for the default application). */
dm_bytes dm_applet_aid(const dm_applet_ctx *ctx);
/* True when the instance is also selected on another logical channel (only
 * possible for DM_APPLET_MULTISELECTABLE applets). */
bool dm_applet_selected_elsewhere(const dm_applet_ctx *ctx);
/* The protocol the card announced in its ATR. */
dm_card_protocol dm_applet_protocol(const dm_applet_ctx *ctx);
/* The card profile (card/profile.h) a new image is made from: meant for
 * install(); dm_card_config.profile, or the embedded default profile
 * (loaded on first use).  NULL when it cannot be had (memory, outside
 * dm_card_open for a caller-given profile). */
const struct dm_profile *dm_applet_profile(dm_applet_ctx *ctx);

/* Transient memory of the instance (for CLEAR_ON_DESELECT: of the current
 * channel).  *len receives its size; NULL when the size is 0. */
uint8_t *dm_applet_transient(dm_applet_ctx *ctx, dm_transient_kind kind, size_t *len);

/* Persistent region of the instance: offsets are relative to it.
 * DM_E_VALUE when [off, off+n) leaves the region; DM_E_IO when the medium
 * failed (the card is dead). */
uint32_t dm_applet_persistent_size(const dm_applet_ctx *ctx);
int dm_applet_read(dm_applet_ctx *ctx, uint32_t off, void *buf, size_t n);
/* Zero-copy view (valid until the next write or the end of the callback). */
int dm_applet_view(dm_applet_ctx *ctx, uint32_t off, size_t n, const uint8_t **view);
/* Write, beginning the command's transaction if none is open.  DM_E_STATE
 * outside install/select/deselect/process; DM_E_NOMEM when the transaction
 * journal is full (answer 6A84 or 6581 and the command is aborted). */
int dm_applet_write(dm_applet_ctx *ctx, uint32_t off, const void *buf, size_t n);
/* Commit what this command wrote so far, now (see the commit rule above).
 * DM_OK when nothing was written. */
int dm_applet_commit(dm_applet_ctx *ctx);

/*
 * --- card-global services (docs/runtime.md, "Card-global services") ---
 *
 * Some state belongs to the card, not to one instance: the UICC file system
 * (card/fs.h) and the PIN objects are used by the MF and by every ADF
 * application.  Such a service keeps its persistent data in blocks of the
 * runtime's own heap (the one instance regions come from), finds them again
 * through a root slot in the runtime header, and may keep a RAM cache that
 * the runtime tells about transaction ends, so that a cache built from
 * writes that were then aborted is never trusted.
 *
 * The same rules as dm_applet_write hold: writes only inside a callback that
 * may write (DM_E_STATE otherwise), the first one begins the command's
 * transaction, and the commit rule decides at the end.  Offsets are store
 * offsets; reads and writes are bounded by the store's capacity only, so a
 * service checks its own block bounds.
 */

/* Root slots of the runtime header (one u32 store offset each, 0 = unset). */
enum dm_root_slot {
	DM_ROOT_UICC = 0, /* the file system's MF header (card/fs.h) */
	DM_ROOT_PIN = 1,  /* the PIN objects (card/security.h) */
	DM_ROOT_TOOLKIT = 2, /* the persistent proactive queue (card/toolkit.h) */
	DM_ROOT_KEYS = 3,    /* the key objects (card/keys.h) */
	DM_ROOT_SLOTS = 4,
};
int dm_applet_root_get(dm_applet_ctx *ctx, unsigned slot, uint32_t *off);
int dm_applet_root_set(dm_applet_ctx *ctx, unsigned slot, uint32_t off);

/* Heap blocks (card/heap.h semantics: zeroed on allocation, first fit;
 * DM_E_NOMEM when the card is full, the card's 6A84). */
int dm_applet_heap_alloc(dm_applet_ctx *ctx, uint32_t size, uint32_t *off);
int dm_applet_heap_free(dm_applet_ctx *ctx, uint32_t off);
int dm_applet_heap_resize(dm_applet_ctx *ctx, uint32_t off, uint32_t size, uint32_t *new_off);
/* Usable bytes of the block at off (>= the size asked for). */
int dm_applet_heap_block_size(dm_applet_ctx *ctx, uint32_t off, uint32_t *size);
/* Free payload bytes of the heap (what the card reports as available
 * memory), and the whole heap's length.  Cached between changes. */
int dm_applet_heap_free_bytes(dm_applet_ctx *ctx, uint32_t *bytes);
uint32_t dm_applet_heap_len(const dm_applet_ctx *ctx);

/* Raw store access for services (bounded by the capacity). */
int dm_applet_store_read(dm_applet_ctx *ctx, uint32_t off, void *buf, size_t n);
int dm_applet_store_view(dm_applet_ctx *ctx, uint32_t off, size_t n, const uint8_t **view);
int dm_applet_store_write(dm_applet_ctx *ctx, uint32_t off, const void *buf, size_t n);

/* RAM state of a card-global service, created by whichever instance first
 * needs it and destroyed when the card closes. */
enum dm_service_id {
	DM_SERVICE_UICC = 0, /* card/fs.h */
	DM_SERVICE_SLOTS = 4,
};
typedef struct dm_service_ops {
	/* The store transaction that was open ended: committed or aborted
	 * (also a command that failed, a commit that failed, a power cut).
	 * Called for every transaction end while the service exists. */
	void (*txn_end)(void *state, bool committed);
	/* The card closes: free state. */
	void (*destroy)(void *state);
} dm_service_ops;
/* The service's state, or NULL when none is attached. */
void *dm_applet_service(dm_applet_ctx *ctx, unsigned id);
/* Attach state (DM_E_STATE if the slot is taken, DM_E_ARG for a bad id). */
int dm_applet_service_attach(dm_applet_ctx *ctx, unsigned id, void *state,
			     const dm_service_ops *ops);

#endif
