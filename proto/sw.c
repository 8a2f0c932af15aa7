/*
 * sw.c - the one table of status words (ISO 7816-4 §5.6, TS 102 221 §10.2,
 * TS 102 223 for 91xx/9300, GlobalPlatform for 6300): name, meaning, and the
 * OMA DM status code the device reports for it (docs/proto.md §4.2).
 */
#include "sw.h"

#include <stdio.h>

/* How the low bits of a masked entry are rendered in its meaning. */
enum sw_param {
	P_NONE,
	P_AVAILABLE,  /* 61xx / 6Cxx: xx bytes, 00 = 256 (ISO 7816-4 §5.6) */
	P_PROACTIVE,  /* 91xx: length of the pending proactive command */
	P_TRIES,      /* 63Cx: retries left */
	P_SW2,        /* class fallback: show SW2 */
};

struct sw_entry {
	uint16_t sw;
	uint16_t mask;
	enum sw_param param;
	short dm_status;
	const char *name;
	const char *meaning;
};

/*
 * First match wins: exact entries, then parameterised ones, then one
 * fallback per SW1 class.  DM status codes (SyncML/OMA DM): 200 OK,
 * 206 partial content, 400 bad request, 401 invalid credentials (ask for
 * the PIN), 404 not found, 405 command not allowed, 406 optional feature not
 * supported, 412 incomplete command, 417 retry later, 418 already exists,
 * 420 device full, 425 permission denied, 500 command failed, 501 command
 * not implemented.  The rows marked [ref] are the dmsc-reference table.
 */
static const struct sw_entry sw_table[] = {
	{ 0x9000, 0xFFFF, P_NONE, 200, "OK", "normal ending of the command" },          /* [ref] */
	{ 0x9300, 0xFFFF, P_NONE, 417, "TOOLKIT_BUSY", "toolkit busy, command cannot be executed now: retry later" },
	{ 0x6200, 0xFFFF, P_NONE, 200, "WARNING", "warning, no information given, non-volatile memory unchanged" },
	{ 0x6281, 0xFFFF, P_NONE, 500, "DATA_CORRUPTED", "part of the returned data may be corrupted" },
	{ 0x6282, 0xFFFF, P_NONE, 206, "EOF_BEFORE_LE", "end of file or record reached before reading Le bytes" },
	{ 0x6283, 0xFFFF, P_NONE, 200, "FILE_INVALIDATED", "selected file invalidated (deactivated)" },
	{ 0x6285, 0xFFFF, P_NONE, 200, "FILE_TERMINATED", "selected file in termination state" },
	{ 0x62F1, 0xFFFF, P_NONE, 200, "MORE_DATA_AVAILABLE", "more data available" },
	{ 0x62F2, 0xFFFF, P_NONE, 200, "MORE_DATA_PROACTIVE", "more data available and proactive command pending" },
	{ 0x62F3, 0xFFFF, P_NONE, 200, "RESPONSE_AVAILABLE", "response data available" },
	{ 0x6300, 0xFFFF, P_NONE, 425, "AUTH_FAILED", "authentication failed, no information given" },
	{ 0x63F1, 0xFFFF, P_NONE, 200, "MORE_DATA_EXPECTED", "more data expected" },
	{ 0x63F2, 0xFFFF, P_NONE, 200, "MORE_DATA_EXPECTED_PROACTIVE", "more data expected and proactive command pending" },
	{ 0x6400, 0xFFFF, P_NONE, 500, "NV_UNCHANGED", "execution error, non-volatile memory unchanged" },
	{ 0x6500, 0xFFFF, P_NONE, 500, "NV_CHANGED", "execution error, non-volatile memory changed" },
	{ 0x6581, 0xFFFF, P_NONE, 500, "MEMORY_PROBLEM", "memory problem" },                        /* [ref] */
	{ 0x6700, 0xFFFF, P_NONE, 400, "WRONG_LENGTH", "wrong length" },                            /* [ref] */
	{ 0x6800, 0xFFFF, P_NONE, 406, "CLA_FUNCTION_UNSUPPORTED", "functions in CLA not supported" },
	{ 0x6881, 0xFFFF, P_NONE, 406, "LCHAN_UNSUPPORTED", "logical channel not supported" },
	{ 0x6882, 0xFFFF, P_NONE, 406, "SM_UNSUPPORTED", "secure messaging not supported" },
	{ 0x6883, 0xFFFF, P_NONE, 412, "LAST_CMD_EXPECTED", "last command of the chain expected" },
	{ 0x6884, 0xFFFF, P_NONE, 406, "CHAINING_UNSUPPORTED", "command chaining not supported" },
	{ 0x6900, 0xFFFF, P_NONE, 405, "NOT_ALLOWED", "command not allowed, no information given" },
	{ 0x6981, 0xFFFF, P_NONE, 405, "CMD_INCOMPATIBLE", "command incompatible with file structure" },
	{ 0x6982, 0xFFFF, P_NONE, 425, "SECURITY_STATUS", "security status not satisfied" },        /* [ref] */
	{ 0x6983, 0xFFFF, P_NONE, 425, "AUTH_BLOCKED", "authentication method blocked (PIN blocked)" }, /* [ref] */
	{ 0x6984, 0xFFFF, P_NONE, 425, "REF_DATA_INVALID", "referenced data invalidated" },
	{ 0x6985, 0xFFFF, P_NONE, 405, "CONDITIONS", "conditions of use not satisfied" },           /* [ref] */
	{ 0x6986, 0xFFFF, P_NONE, 405, "NO_EF_SELECTED", "command not allowed, no EF selected" },
	{ 0x6987, 0xFFFF, P_NONE, 425, "SM_MISSING", "expected secure messaging data objects missing" },
	{ 0x6988, 0xFFFF, P_NONE, 425, "SM_INCORRECT", "incorrect secure messaging data objects" },
	{ 0x6A00, 0xFFFF, P_NONE, 400, "WRONG_PARAMS", "wrong parameters, no information given" },
	{ 0x6A80, 0xFFFF, P_NONE, 400, "WRONG_DATA", "incorrect parameters in the data field" },    /* [ref] */
	{ 0x6A81, 0xFFFF, P_NONE, 406, "FUNC_UNSUPPORTED", "function not supported" },
	{ 0x6A82, 0xFFFF, P_NONE, 404, "FILE_NOT_FOUND", "file or application not found" },        /* [ref] */
	{ 0x6A83, 0xFFFF, P_NONE, 404, "RECORD_NOT_FOUND", "record not found" },
	{ 0x6A84, 0xFFFF, P_NONE, 420, "NOT_ENOUGH_MEMORY", "not enough memory space" },            /* [ref] */
	{ 0x6A85, 0xFFFF, P_NONE, 400, "LC_INCONSISTENT_TLV", "Nc inconsistent with the TLV structure" },
	{ 0x6A86, 0xFFFF, P_NONE, 400, "WRONG_P1P2", "incorrect parameters P1-P2" },                /* [ref] */
	{ 0x6A87, 0xFFFF, P_NONE, 400, "LC_INCONSISTENT_P1P2", "Nc inconsistent with P1-P2" },
	{ 0x6A88, 0xFFFF, P_NONE, 404, "REF_DATA_NOT_FOUND", "referenced data not found" },         /* [ref] */
	{ 0x6A89, 0xFFFF, P_NONE, 418, "FILE_EXISTS", "file already exists" },
	{ 0x6A8A, 0xFFFF, P_NONE, 418, "DF_NAME_EXISTS", "DF name already exists" },
	{ 0x6B00, 0xFFFF, P_NONE, 400, "WRONG_P1P2_OFFSET", "wrong parameters P1-P2 (offset outside the file)" },
	{ 0x6D00, 0xFFFF, P_NONE, 501, "INS_UNSUPPORTED", "instruction code not supported or invalid" },
	{ 0x6E00, 0xFFFF, P_NONE, 501, "CLA_UNSUPPORTED", "class not supported" },
	{ 0x6F00, 0xFFFF, P_NONE, 500, "TECHNICAL", "technical problem, no precise diagnosis" },    /* [ref] */
	{ 0x9862, 0xFFFF, P_NONE, 425, "AUTH_ERROR", "authentication error, application specific (incorrect MAC)" },

	{ 0x9100, 0xFF00, P_PROACTIVE, 200, "PROACTIVE", "normal ending, proactive command pending" }, /* [ref] */
	{ 0x6100, 0xFF00, P_AVAILABLE, 200, "MORE_DATA", "response bytes still available (GET RESPONSE)" },
	{ 0x6C00, 0xFF00, P_AVAILABLE, 400, "WRONG_LE", "wrong Le field, exact length available" },
	{ 0x63C0, 0xFFF0, P_TRIES, 401, "WRONG_PIN", "wrong PIN" },                                 /* [ref] */

	{ 0x6200, 0xFF00, P_SW2, 200, "WARNING", "warning, non-volatile memory unchanged" },
	{ 0x6300, 0xFF00, P_SW2, 200, "WARNING_NV_CHANGED", "warning, non-volatile memory changed" },
	{ 0x6400, 0xFF00, P_SW2, 500, "NV_UNCHANGED", "execution error, non-volatile memory unchanged" },
	{ 0x6500, 0xFF00, P_SW2, 500, "NV_CHANGED", "execution error, non-volatile memory changed" },
	{ 0x6600, 0xFF00, P_SW2, 500, "SECURITY_ERROR", "security-related execution error" },
	{ 0x6700, 0xFF00, P_SW2, 400, "WRONG_LENGTH", "wrong length" },
	{ 0x6800, 0xFF00, P_SW2, 406, "CLA_FUNCTION_UNSUPPORTED", "functions in CLA not supported" },
	{ 0x6900, 0xFF00, P_SW2, 405, "NOT_ALLOWED", "command not allowed" },
	{ 0x6A00, 0xFF00, P_SW2, 400, "WRONG_PARAMS", "wrong parameters P1-P2" },
	{ 0x6F00, 0xFF00, P_SW2, 500, "TECHNICAL", "technical problem" },
	{ 0x9800, 0xFF00, P_SW2, 425, "SECURITY_MANAGEMENT", "security management error" },
};

static const struct sw_entry *sw_lookup(uint16_t sw)
{
	for (size_t i = 0; i < sizeof sw_table / sizeof sw_table[0]; i++)
		if ((sw & sw_table[i].mask) == sw_table[i].sw)
			return &sw_table[i];
	return NULL;
}

const char *dm_sw_name(uint16_t sw)
{
	const struct sw_entry *e = sw_lookup(sw);
	return e ? e->name : "UNKNOWN";
}

const char *dm_sw_meaning(uint16_t sw, char *buf, unsigned cap)
{
	if (buf == NULL || cap == 0)
		return buf;

	const struct sw_entry *e = sw_lookup(sw);
	unsigned x = sw & 0xFFu;

	/* snprintf truncates and always terminates: what the header promises. */
	if (e == NULL) {
		snprintf(buf, cap, "unknown status word %04X", (unsigned)sw);
		return buf;
	}
	switch (e->param) {
	case P_NONE:
		snprintf(buf, cap, "%s", e->meaning);
		break;
	case P_AVAILABLE:
		if (x == 0)
			snprintf(buf, cap, "%s: 256 bytes", e->meaning);
		else
			snprintf(buf, cap, "%s: %u byte%s", e->meaning, x, x == 1 ? "" : "s");
		break;
	case P_PROACTIVE:
		snprintf(buf, cap, "%s (%u bytes)", e->meaning, x);
		break;
	case P_TRIES:
		x &= 0x0Fu;
		if (x == 0)
			snprintf(buf, cap, "%s, no tries left (blocked)", e->meaning);
		else
			snprintf(buf, cap, "%s, %u %s left", e->meaning, x, x == 1 ? "try" : "tries");
		break;
	case P_SW2:
		snprintf(buf, cap, "%s (SW2 %02X)", e->meaning, x);
		break;
	}
	return buf;
}

dm_sw_class dm_sw_classify(uint16_t sw)
{
	switch (sw >> 8) {
	case 0x90:
		return sw == DM_SW_OK ? DM_SW_CLASS_SUCCESS : DM_SW_CLASS_ERROR;
	case 0x91:
		return DM_SW_CLASS_PROACTIVE;
	case 0x61:
	case 0x6C:
		return DM_SW_CLASS_MORE;
	case 0x62:
	case 0x63:
		return DM_SW_CLASS_WARNING;
	default:
		return DM_SW_CLASS_ERROR;
	}
}

int dm_sw_to_dm_status(uint16_t sw)
{
	const struct sw_entry *e = sw_lookup(sw);
	return e ? e->dm_status : 500;
}
