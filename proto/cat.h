/*
 * cat.h - Card Application Toolkit codecs (ETSI TS 102 223): COMPREHENSION-TLV,
 * proactive commands (FETCH response, tag D0), TERMINAL RESPONSE and ENVELOPE
 * (SMS-PP download D1, event download D6, timer expiration D7).
 *
 * Parsed dm_bytes fields borrow from the input.  Builders append to a caller
 * dm_wbuf and leave its len unchanged on failure.
 *
 * What is accepted and produced (docs/proto.md, "CAT"):
 *   - COMPREHENSION-TLV tags (TS 102 223 §7.1.1, TS 101 220 §7.1.1): one byte
 *     (CR in b8, value 01..7E) or 7F + two bytes (CR in b16, value 0001..7FFF).
 *     00, 80, FF are not tags.  Lengths: 00..7F, or 81 80..FF; the 81 form for
 *     a length below 80 and the 82/83 forms (never needed in the 255-byte
 *     containers of CAT) are DM_E_LENGTH.  The builders set CR on every
 *     object they write and use the one-byte form for values up to 7E.
 *   - The BER-TLV wrappers D0/D1/D6/D7: minimal length, value <= 255 bytes.
 *   - Objects of a proactive command: 81 then 82 first (§6.6), then the known
 *     ones below in any order, each at most once; an unknown object with CR
 *     set is DM_E_UNSUPPORTED (the terminal answers "command data not
 *     understood", §6.10.4), one without CR is skipped.
 */
#ifndef DM_CAT_H
#define DM_CAT_H

#include "dm_common.h"

/* BER-TLV tags of the toolkit (TS 101 220 §7.2). */
#define DM_TS102223_BER_PROACTIVE        0xD0u
#define DM_TS102223_BER_SMS_PP_DOWNLOAD  0xD1u
#define DM_TS102223_BER_EVENT_DOWNLOAD   0xD6u
#define DM_TS102223_BER_TIMER_EXPIRATION 0xD7u

/* COMPREHENSION-TLV tag values without the CR bit (TS 102 223 §9.3). */
#define DM_TS102223_CR                   0x80u
#define DM_TS102223_TAG_COMMAND_DETAILS  0x01u
#define DM_TS102223_TAG_DEVICE_IDS       0x02u
#define DM_TS102223_TAG_RESULT           0x03u
#define DM_TS102223_TAG_DURATION         0x04u
#define DM_TS102223_TAG_ALPHA_ID         0x05u
#define DM_TS102223_TAG_ADDRESS          0x06u
#define DM_TS102223_TAG_TEXT_STRING      0x0Du
#define DM_TS102223_TAG_FILE_LIST        0x12u
#define DM_TS102223_TAG_EVENT_LIST       0x19u
#define DM_TS102223_TAG_TIMER_ID         0x24u
#define DM_TS102223_TAG_TIMER_VALUE      0x25u
#define DM_TS102223_TAG_AID              0x2Fu

/* Type of command (TS 102 223 §9.4). */
enum dm_ts102223_toc {
	DM_TS102223_TOC_REFRESH = 0x01,
	DM_TS102223_TOC_MORE_TIME = 0x02,
	DM_TS102223_TOC_POLL_INTERVAL = 0x03,
	DM_TS102223_TOC_POLLING_OFF = 0x04,
	DM_TS102223_TOC_SET_UP_EVENT_LIST = 0x05,
	DM_TS102223_TOC_SET_UP_CALL = 0x10,
	DM_TS102223_TOC_SEND_USSD = 0x12,
	DM_TS102223_TOC_SEND_SHORT_MESSAGE = 0x13,
	DM_TS102223_TOC_SEND_DTMF = 0x14,
	DM_TS102223_TOC_LAUNCH_BROWSER = 0x15,
	DM_TS102223_TOC_PLAY_TONE = 0x20,
	DM_TS102223_TOC_DISPLAY_TEXT = 0x21,
	DM_TS102223_TOC_GET_INKEY = 0x22,
	DM_TS102223_TOC_GET_INPUT = 0x23,
	DM_TS102223_TOC_SELECT_ITEM = 0x24,
	DM_TS102223_TOC_SET_UP_MENU = 0x25,
	DM_TS102223_TOC_PROVIDE_LOCAL_INFO = 0x26,
	DM_TS102223_TOC_TIMER_MANAGEMENT = 0x27,
	DM_TS102223_TOC_SET_UP_IDLE_MODE_TEXT = 0x28,
	DM_TS102223_TOC_PERFORM_CARD_APDU = 0x30,
	DM_TS102223_TOC_POWER_ON_CARD = 0x31,
	DM_TS102223_TOC_POWER_OFF_CARD = 0x32,
	DM_TS102223_TOC_GET_READER_STATUS = 0x33,
	DM_TS102223_TOC_RUN_AT_COMMAND = 0x34,
	DM_TS102223_TOC_LANGUAGE_NOTIFICATION = 0x35,
	DM_TS102223_TOC_OPEN_CHANNEL = 0x40,
	DM_TS102223_TOC_CLOSE_CHANNEL = 0x41,
	DM_TS102223_TOC_RECEIVE_DATA = 0x42,
	DM_TS102223_TOC_SEND_DATA = 0x43,
	DM_TS102223_TOC_GET_CHANNEL_STATUS = 0x44,
	DM_TS102223_TOC_END_OF_SESSION = 0x81,
};

/* REFRESH command qualifier (TS 102 223 §8.6). */
enum dm_ts102223_refresh {
	DM_TS102223_REFRESH_INIT_FULL_FCN = 0x00, /* NAA init + full file change notification */
	DM_TS102223_REFRESH_FCN = 0x01,           /* file change notification */
	DM_TS102223_REFRESH_INIT_FCN = 0x02,      /* NAA init + file change notification */
	DM_TS102223_REFRESH_INIT = 0x03,          /* NAA initialization */
	DM_TS102223_REFRESH_UICC_RESET = 0x04,
	DM_TS102223_REFRESH_APP_RESET = 0x05,     /* NAA application reset */
	DM_TS102223_REFRESH_SESSION_RESET = 0x06, /* NAA session reset */
};

/* TIMER MANAGEMENT command qualifier b2-b1 (TS 102 223 §8.6). */
enum dm_ts102223_timer_op {
	DM_TS102223_TIMER_START = 0x00,
	DM_TS102223_TIMER_DEACTIVATE = 0x01,
	DM_TS102223_TIMER_GET_VALUE = 0x02,
};

/* Device identities (TS 102 223 §8.7). */
enum dm_ts102223_dev {
	DM_TS102223_DEV_KEYPAD = 0x01,
	DM_TS102223_DEV_DISPLAY = 0x02,
	DM_TS102223_DEV_EARPIECE = 0x03,
	DM_TS102223_DEV_UICC = 0x81,
	DM_TS102223_DEV_TERMINAL = 0x82,
	DM_TS102223_DEV_NETWORK = 0x83,
};

/* Time unit of a duration (TS 102 223 §8.8). */
enum dm_ts102223_unit {
	DM_TS102223_UNIT_MINUTES = 0x00,
	DM_TS102223_UNIT_SECONDS = 0x01,
	DM_TS102223_UNIT_TENTHS = 0x02,
};

/* General result (TS 102 223 §8.12): 0x performed, 1x ended by the user,
 * 2x temporary problem (try again later), 3x permanent problem. */
enum dm_ts102223_result {
	DM_TS102223_RES_OK = 0x00,
	DM_TS102223_RES_OK_PARTIAL = 0x01,
	DM_TS102223_RES_OK_MISSING_INFO = 0x02,
	DM_TS102223_RES_REFRESH_EXTRA_EFS_READ = 0x03,
	DM_TS102223_RES_OK_NO_ICON = 0x04,
	DM_TS102223_RES_TERMINATED_BY_USER = 0x10,
	DM_TS102223_RES_BACKWARD_MOVE = 0x11,
	DM_TS102223_RES_NO_RESPONSE = 0x12,
	DM_TS102223_RES_HELP_REQUIRED = 0x13,
	DM_TS102223_RES_TERMINAL_BUSY = 0x20,   /* terminal currently unable to process */
	DM_TS102223_RES_NETWORK_BUSY = 0x21,
	DM_TS102223_RES_USER_REJECTED = 0x22,
	DM_TS102223_RES_USER_CLEARED_CALL = 0x23,
	DM_TS102223_RES_TIMER_CONTRADICTION = 0x24,
	DM_TS102223_RES_BEYOND_CAPABILITIES = 0x30,
	DM_TS102223_RES_TYPE_NOT_UNDERSTOOD = 0x31,
	DM_TS102223_RES_DATA_NOT_UNDERSTOOD = 0x32,
	DM_TS102223_RES_NUMBER_NOT_KNOWN = 0x33,
	DM_TS102223_RES_VALUES_MISSING = 0x36,
	DM_TS102223_RES_BIP_ERROR = 0x3A,
};

typedef enum dm_cat_result_kind {
	DM_CAT_RESULT_SUCCESS,    /* 0x */
	DM_CAT_RESULT_USER_ENDED, /* 1x */
	DM_CAT_RESULT_TEMPORARY,  /* 2x: the card may try again later */
	DM_CAT_RESULT_PERMANENT,  /* 3x */
	DM_CAT_RESULT_UNKNOWN,    /* 4x.. (RFU) */
} dm_cat_result_kind;

dm_cat_result_kind dm_cat_result_kind_of(uint8_t general_result);

/* Events (TS 102 223 §8.25). */
enum dm_ts102223_event {
	DM_TS102223_EV_MT_CALL = 0x00,
	DM_TS102223_EV_CALL_CONNECTED = 0x01,
	DM_TS102223_EV_CALL_DISCONNECTED = 0x02,
	DM_TS102223_EV_LOCATION_STATUS = 0x03,
	DM_TS102223_EV_USER_ACTIVITY = 0x04,
	DM_TS102223_EV_IDLE_SCREEN = 0x05,
	DM_TS102223_EV_CARD_READER_STATUS = 0x06,
	DM_TS102223_EV_LANGUAGE_SELECTION = 0x07,
	DM_TS102223_EV_BROWSER_TERMINATION = 0x08,
	DM_TS102223_EV_DATA_AVAILABLE = 0x09,
	DM_TS102223_EV_CHANNEL_STATUS = 0x0A,
};

/* One COMPREHENSION-TLV. */
typedef struct dm_ctlv {
	uint16_t tag;          /* tag value without CR: 0x01..0x7E, or 0x0001..0x7FFF (7F form) */
	bool cr;               /* comprehension required */
	const uint8_t *value;  /* borrowed */
	size_t len;
	size_t hdr_len;
} dm_ctlv;

/* Parse the object at in[0..len); *consumed = header + value bytes.
 * DM_E_TAG (00/80/FF, 7F form with value 0), DM_E_LENGTH, DM_E_TRUNCATED. */
int dm_ctlv_parse(const uint8_t *in, size_t len, dm_ctlv *out, size_t *consumed);
/* Append one object; DM_E_ARG for tag 0 or above 7FFF, DM_E_LENGTH above 255. */
int dm_ctlv_put(dm_wbuf *w, uint16_t tag, bool cr, const void *value, size_t len);

#define DM_CAT_AID_MAX 16u

/* A proactive command: D0 { 81 82 [92] [AF] [85] [86] [8D] [84] [99] [A4] [A5] }. */
typedef struct dm_cat_cmd {
	uint8_t number;        /* 81: command number, 01..FE */
	uint8_t type;          /* 81: enum dm_ts102223_toc */
	uint8_t qualifier;     /* 81 */
	uint8_t dst;           /* 82: destination (the source is always the UICC, 81) */

	bool has_file_list;    /* 92 (§8.18): count, then full paths from 3F00 */
	uint8_t file_count;
	dm_bytes file_paths;   /* concatenated FIDs; walk with dm_cat_file_next */
	bool has_aid;          /* AF (§8.60), 1..16 bytes */
	dm_bytes aid;
	bool has_alpha;        /* 85 (§8.2), may be empty */
	dm_bytes alpha;
	bool has_address;      /* 86 (§8.1): TON/NPI byte + dialling number */
	dm_bytes address;
	bool has_text;         /* 8D (§8.15): DCS byte + string, or empty (null text) */
	dm_bytes text;
	bool has_duration;     /* 84 (§8.8) */
	uint8_t duration_unit; /* enum dm_ts102223_unit */
	uint8_t duration_interval; /* 01..FF */
	bool has_events;       /* 99 (§8.25), may be empty (remove all events) */
	dm_bytes events;
	bool has_timer_id;     /* A4 (§8.37): 01..08 */
	uint8_t timer_id;
	bool has_timer_value;  /* A5 (§8.38): hours, minutes, seconds, swapped BCD */
	uint8_t timer_value[3];
} dm_cat_cmd;

/*
 * Parse a proactive command: exactly one D0 TLV in in[0..len).
 * DM_E_TAG: outer tag not D0, 81/82 missing from the head, an object repeated;
 * DM_E_NOT_FOUND: the value ends before 81 or 82; DM_E_LENGTH: a wrong
 * object length or a non-minimal/over-255 outer length; DM_E_VALUE: command
 * number 00/FF, source not UICC, duration unit/interval, timer id, file
 * count or paths inconsistent; DM_E_UNSUPPORTED: unknown object with CR.
 */
int dm_cat_cmd_parse(const uint8_t *in, size_t len, dm_cat_cmd *out);
/* Build D0 with the objects whose has_ flag is set, in the order shown above. */
int dm_cat_cmd_build(const dm_cat_cmd *c, dm_wbuf *out);

/* File list paths (§8.18): the next full path (2-byte FIDs, the first 3F00)
 * from *paths, which is advanced.  1: got one; 0: none left; DM_E_VALUE:
 * odd length, a path not starting with 3F00 or naming only the MF. */
int dm_cat_file_next(dm_bytes *paths, dm_bytes *path);

/* TERMINAL RESPONSE (§6.8): 81 (as in the command) 82 {82 81} 83 {result,
 * additional info}, then command-specific objects kept raw. */
typedef struct dm_cat_resp {
	uint8_t number, type, qualifier;
	uint8_t result;        /* enum dm_ts102223_result */
	dm_bytes additional;   /* additional information on result */
	dm_bytes extra;        /* objects after 83, well-formed COMPREHENSION-TLVs */
} dm_cat_resp;

/* Parse the data field of TERMINAL RESPONSE (80 14).  As dm_cat_cmd_parse;
 * DM_E_VALUE if the device identities are not terminal -> UICC. */
int dm_cat_resp_parse(const uint8_t *in, size_t len, dm_cat_resp *out);
int dm_cat_resp_build(const dm_cat_resp *r, dm_wbuf *out);

/* ENVELOPE (§7): the card side of event download, timer expiration and
 * SMS-PP download. */
typedef struct dm_cat_env {
	uint8_t tag;           /* DM_TS102223_BER_* */
	uint8_t src;           /* D6/D7: 82 source (terminal or network); destination is the UICC */
	uint8_t event;         /* D6: the one event of the event list (§7.5) */
	uint8_t timer_id;      /* D7: A4 */
	uint8_t timer_value[3];/* D7: A5 */
	dm_bytes extra;        /* D6/D7: objects after the fixed ones; D1: the whole value */
} dm_cat_env;

/*
 * Parse the data field of ENVELOPE (80 C2).  D6 = 99 {1 event} 82;
 * D7 = 82 A4 A5; D1 = raw.  Other toolkit envelopes (D2..D5, D8..DE) are
 * DM_E_UNSUPPORTED, any other tag DM_E_TAG.  Otherwise as dm_cat_cmd_parse.
 */
int dm_cat_env_parse(const uint8_t *in, size_t len, dm_cat_env *out);
int dm_cat_env_build(const dm_cat_env *e, dm_wbuf *out);

#endif
