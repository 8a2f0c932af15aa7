/*
 * runtime_int.h - internals of the card runtime shared by its files
 * (runtime.c dispatch, select.c, channel.c, chain.c, response.c, install.c,
 * applet_ctx.c).  Nothing outside card/ includes this: applets see applet.h,
 * readers see card.h.  docs/runtime.md describes the behaviour.
 */
#ifndef DM_RUNTIME_INT_H
#define DM_RUNTIME_INT_H

#include "applet.h"
#include "atr.h"
#include "store.h"

/* CLA b5: command chaining, "not the last command of a chain" (ISO 7816-4
 * §5.1.1.1), the same bit in the first and the further interindustry coding. */
#define DM_CLA_CHAIN_BIT 0x10u

/* One installed instance: a registry entry with its memory. */
struct dm_instance {
	const dm_applet_reg *reg;
	uint32_t p_off;        /* store offset of the persistent region */
	uint32_t p_size;       /* its size: reg->applet->persistent_size */
	uint8_t *reset_mem;    /* CLEAR_ON_RESET, reset_size bytes or NULL */
	uint8_t *deselect_mem; /* CLEAR_ON_DESELECT: DM_CARD_CHANNELS blocks */
	uint32_t active;       /* bit c set: selected on logical channel c */
};

struct dm_channel {
	bool open;
	struct dm_instance *sel; /* selected instance or NULL */
	/* Response data of the channel's last command (DM_APDU_EXT_MAX_NE
	 * bytes): applets write here, GET RESPONSE reads the rest from here. */
	uint8_t *resp;
	size_t pend_off;         /* next byte GET RESPONSE returns */
	size_t pend_len;         /* end of the pending data; 0 = none pending */
	uint16_t pend_sw;        /* status word after the last pending byte */
	/* T=0 case 2S.3 (ISO 7816-3 §12.2.3): after 6Cxx the reader re-issues
	 * the same command with Le = xx.  The command already ran (a SELECT
	 * parent moved the selection): the re-issue gets the kept response
	 * instead of running it twice.  reissue_len = 0: nothing kept. */
	uint8_t reissue_hdr[4];
	size_t reissue_len;
};

/* A command chain being collected (one at a time for the whole card). */
struct dm_chain {
	bool active;
	uint8_t cla, ins, p1, p2; /* header of the chain, CLA without b5 */
	size_t len;
	uint8_t *buf;             /* DM_APDU_EXT_MAX_NC bytes */
};

struct dm_applet_ctx {
	struct dm_card *card;
	struct dm_instance *inst;
	unsigned channel;
};

struct dm_card {
	dm_store *store;
	dm_card_protocol proto;
	uint8_t atr[DM_ATR_MAX];
	size_t atr_len;
	struct dm_instance *inst; /* one per registry entry, same order */
	size_t ninst;
	struct dm_instance *def;  /* the default application (MF) or NULL */
	struct dm_channel ch[DM_CARD_CHANNELS];
	struct dm_chain chain;
	uint8_t *transient;       /* all CLEAR_ON_* memory, one block */
	size_t transient_len;
	uint8_t *buffers;         /* response buffers and chain buffer */
	bool powered;
	bool in_command;          /* persistent writes allowed now */
	bool txn;                 /* a store transaction is open */
	bool dead;                /* the medium failed: only 6581 from now on */
	/* Card-global services (applet.h): RAM state and its hooks. */
	void *svc_state[DM_SERVICE_SLOTS];
	const dm_service_ops *svc_ops[DM_SERVICE_SLOTS];
	/* dm_applet_heap_free_bytes() cache, dropped by every heap change
	 * and every transaction end. */
	bool heap_free_valid;
	uint32_t heap_free;
	/* The profile of dm_card_config (borrowed during dm_card_open), and
	 * the embedded default one when loaded for install (card/profile_load.h),
	 * freed when dm_card_open ends. */
	const struct dm_profile *profile;
	struct dm_profile *own_profile;
	/* Toolkit session state and queue access (toolkit.c). */
	struct dm_tk *tk;
};

/* Store layout of the card image (docs/runtime.md, "Card image"):
 * a runtime header at offset 0, the persistent heap after it. */
#define DM_RT_HDR_LEN 64u
#define DM_RT_HEAP_BASE DM_RT_HDR_LEN
/* Root slots (applet.h, DM_ROOT_*): u32 store offsets at this header
 * offset, zero in an image written before they existed. */
#define DM_RT_HDR_ROOTS 24u

/* --- install.c: the persistent table of installed instances --- */
/* Format a fresh image (or one whose first installation was cut) and install
 * every registry instance, or load an existing one and install the instances
 * it lacks.  Fills inst[i].p_off / p_size. */
int dm_rt_install(struct dm_card *card);

/* --- applet_ctx.c: transactions on behalf of applets --- */
/* Begin the command's transaction if none is open. */
int dm_rt_txn_need(struct dm_card *card);
/* End of a command: commit or abort by the status word (applet.h); returns
 * the status word to send (6581 when the medium failed). */
uint16_t dm_rt_txn_end(struct dm_card *card, uint16_t sw);
/* Record a store error: DM_E_IO kills the card.  Returns err. */
int dm_rt_store_error(struct dm_card *card, int err);
/* Tell the services that the open transaction ended (applet.h). */
void dm_rt_services_txn_end(struct dm_card *card, bool committed);
/* Destroy every service's state (dm_card_close). */
void dm_rt_services_destroy(struct dm_card *card);
static inline dm_applet_ctx dm_rt_ctx(struct dm_card *card, struct dm_instance *inst,
				      unsigned channel)
{
	dm_applet_ctx c = { card, inst, channel };
	return c;
}

/* The status word an applet returned, as the runtime lets it out: SW1 is
 * 6X or 9X (ISO 7816-4 §5.6; 60 is a T=0 procedure byte), and 61xx / 6Cxx
 * belong to the runtime (GET RESPONSE, Le).  Anything else comes from a
 * broken applet: 6F00, technical problem. */
static inline uint16_t dm_rt_applet_sw(uint16_t sw)
{
	uint8_t sw1 = (uint8_t)(sw >> 8);

	if ((sw1 >= 0x62 && sw1 <= 0x6F && sw1 != 0x6C) || (sw1 >= 0x90 && sw1 <= 0x9F))
		return sw;
	return 0x6F00u; /* DM_SW_TECHNICAL */
}

/* --- select.c: selection of instances on channels --- */
/* Make inst the selection of channel c (deselecting the previous one) and
 * call its select(); cmd NULL for implicit selection.  Returns its status
 * word; on refusal the channel has nothing selected. */
uint16_t dm_rt_activate(struct dm_card *card, unsigned c, struct dm_instance *inst,
			const dm_capdu *cmd, dm_wbuf *resp);
/* Deselect whatever channel c has selected (deselect(), clear its
 * CLEAR_ON_DESELECT block). */
void dm_rt_deactivate(struct dm_card *card, unsigned c);
/* SELECT by DF name, P1 = 04 (ISO 7816-4 §11.1.1). */
uint16_t dm_rt_select_by_name(struct dm_card *card, unsigned c, const dm_capdu *cmd,
			      dm_wbuf *resp);
/* True for SELECT MF: P1 = 00 with no data or with 3F00 (ISO 7816-4 §11.1.1). */
bool dm_rt_is_select_mf(const dm_capdu *cmd);

/* --- channel.c: MANAGE CHANNEL (ISO 7816-4 §11.1.2, JCRE §4.5.1, §4.6.1) --- */
uint16_t dm_rt_manage_channel(struct dm_card *card, unsigned c, uint8_t sm,
			      const dm_capdu *cmd, dm_wbuf *resp);
/* Power-on state: only the basic channel open, nothing selected. */
void dm_rt_channels_reset(struct dm_card *card);

/* --- chain.c: command chaining (ISO 7816-4 §5.1.1.1) --- */
/* True when cmd continues the active chain (same CLA but b5, INS, P1, P2). */
bool dm_chain_continues(const struct dm_chain *k, const dm_capdu *cmd);
/* Append cmd's data to the chain (starting it if needed).  DM_OK, or
 * DM_E_LENGTH when the whole would exceed DM_APDU_EXT_MAX_NC (the chain is
 * then dropped). */
int dm_chain_append(struct dm_chain *k, const dm_capdu *cmd);
void dm_chain_drop(struct dm_chain *k);

/* --- toolkit.c: the proactive queue (toolkit.h, docs/toolkit.md) --- */
/* The toolkit is on when some applet of the registry has a registration. */
int dm_tk_create(struct dm_card *card, const dm_applet_reg *reg, size_t n);
void dm_tk_destroy(struct dm_card *card);
/* Power event: all toolkit session state goes. */
void dm_tk_power(struct dm_card *card);
/* TERMINAL PROFILE, FETCH, TERMINAL RESPONSE, ENVELOPE (CLA 8X). */
bool dm_tk_handles(const struct dm_card *card, const dm_cla *cla, const dm_capdu *cmd);
uint16_t dm_tk_command(struct dm_card *card, unsigned c, const dm_capdu *cmd, dm_wbuf *resp);
/* After a command was processed, inside it: the STATUS poll event. */
void dm_tk_status(struct dm_card *card, unsigned c, const dm_cla *cla, const dm_capdu *cmd,
		  uint16_t sw);
/* The command ended; kept: its changes were committed. */
void dm_tk_command_end(struct dm_card *card, bool kept);
/* The status word to send: 9000 becomes 91xx when a command is pending. */
uint16_t dm_tk_final_sw(struct dm_card *card, unsigned c, uint16_t sw);

/* --- response.c: Ne, T=0 and GET RESPONSE (ISO 7816-3 §12.2, 7816-4 §5.3.4) --- */
/* Send len bytes the applet left in ch->resp with status word sw: cut to Ne
 * or to what out holds, keep the rest for GET RESPONSE (61xx), or under T=0
 * ask for the right Le (6Cxx) or deliver through GET RESPONSE only. */
void dm_rt_respond(struct dm_card *card, struct dm_channel *ch, const dm_capdu *cmd,
		   uint16_t sw, size_t len, dm_wbuf *out);
/* GET RESPONSE (00 C0 00 00 Le) on a channel. */
/* T=0: serve the re-issue of a command answered 6Cxx from the kept answer
 * (true), or clear the kept answer (false: run the command). */
bool dm_rt_reissue(struct dm_card *card, struct dm_channel *ch, const dm_capdu *cmd,
		   dm_wbuf *out);
void dm_rt_get_response(struct dm_card *card, struct dm_channel *ch, const dm_capdu *cmd,
			dm_wbuf *out);
/* Append just a status word (out has room for it: checked on entry). */
void dm_rt_put_sw(dm_wbuf *out, uint16_t sw);

#endif
