/*
 * sw.h - status words (ISO 7816-4 §5.6, TS 102 221 §10.2): names, meanings,
 * classes.  One table for the whole project: the card's traces and the host's
 * error messages both read it.
 */
#ifndef DM_SW_H
#define DM_SW_H

#include <stdint.h>

#define DM_SW_OK                  0x9000u
#define DM_SW_PROACTIVE(xx)       (0x9100u | ((xx) & 0xFFu))  /* proactive command pending */
#define DM_SW_TOOLKIT_BUSY        0x9300u
#define DM_SW_MORE_DATA(xx)       (0x6100u | ((xx) & 0xFFu))  /* T=0: GET RESPONSE */
#define DM_SW_WRONG_LE(xx)        (0x6C00u | ((xx) & 0xFFu))
#define DM_SW_EOF_BEFORE_LE       0x6282u
#define DM_SW_WRONG_PIN(x)        (0x63C0u | ((x) & 0x0Fu))
#define DM_SW_NV_UNCHANGED        0x6400u   /* execution error, NV memory unchanged */
#define DM_SW_MEMORY_PROBLEM      0x6581u
#define DM_SW_WRONG_LENGTH        0x6700u
#define DM_SW_LCHAN_UNSUPPORTED   0x6881u
#define DM_SW_SM_UNSUPPORTED      0x6882u
#define DM_SW_LAST_CMD_EXPECTED   0x6883u
#define DM_SW_CHAINING_UNSUPPORTED 0x6884u
#define DM_SW_CMD_INCOMPATIBLE    0x6981u
#define DM_SW_SECURITY_STATUS     0x6982u
#define DM_SW_AUTH_BLOCKED        0x6983u
#define DM_SW_REF_DATA_INVALID    0x6984u
#define DM_SW_CONDITIONS          0x6985u
#define DM_SW_NO_EF_SELECTED      0x6986u
#define DM_SW_SM_MISSING          0x6987u
#define DM_SW_SM_INCORRECT        0x6988u
#define DM_SW_WRONG_DATA          0x6A80u
#define DM_SW_FUNC_UNSUPPORTED    0x6A81u
#define DM_SW_FILE_NOT_FOUND      0x6A82u
#define DM_SW_RECORD_NOT_FOUND    0x6A83u
#define DM_SW_NOT_ENOUGH_MEMORY   0x6A84u
#define DM_SW_WRONG_P1P2          0x6A86u
#define DM_SW_LC_INCONSISTENT_P1P2 0x6A87u
#define DM_SW_REF_DATA_NOT_FOUND  0x6A88u
#define DM_SW_FILE_EXISTS         0x6A89u
#define DM_SW_DF_NAME_EXISTS      0x6A8Au
#define DM_SW_WRONG_P1P2_OFFSET   0x6B00u
#define DM_SW_INS_UNSUPPORTED     0x6D00u
#define DM_SW_CLA_UNSUPPORTED     0x6E00u
#define DM_SW_TECHNICAL           0x6F00u

typedef enum dm_sw_class {
	DM_SW_CLASS_SUCCESS,    /* 9000 */
	DM_SW_CLASS_PROACTIVE,  /* 91xx: success, a proactive command is pending */
	DM_SW_CLASS_MORE,       /* 61xx, 6Cxx: transport-level, the exchange continues */
	DM_SW_CLASS_WARNING,    /* 62xx, 63xx (incl. 63Cx) */
	DM_SW_CLASS_ERROR,      /* 64xx-6Fxx, 93xx and anything unknown */
} dm_sw_class;

/* Short upper-case name for traces, e.g. "OK", "FILE_NOT_FOUND", "WRONG_PIN". Never NULL. */
const char *dm_sw_name(uint16_t sw);
/* One-line meaning for people, e.g. "wrong PIN, 2 tries left". Written into
 * buf (always NUL-terminated, truncated to cap); returns buf. */
const char *dm_sw_meaning(uint16_t sw, char *buf, unsigned cap);
dm_sw_class dm_sw_classify(uint16_t sw);
/* OMA DM status code the device maps this SW to (dmsc-reference table); 200 for success. */
int dm_sw_to_dm_status(uint16_t sw);

#endif
