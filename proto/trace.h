/*
 * trace.h - one text line per APDU exchange, for the card's trace log and
 * the host's -v output.  Lines carry no newline.
 *
 * Exchange line (dm_trace_line):
 *     12.345678 ch0 > 00A4040C07A0000000871002 < 9000 OK
 *     12.345702 ch1 > 01B0000004 < 01020304 9000 OK
 * Direction lines (dm_trace_dir_line):  "> 00B0000004"  "< 01020304 9000 OK"
 *
 *  - time: seconds with 6 decimals (0 <= t < 1e12, else DM_E_VALUE);
 *  - channel: "ch0".."ch19", or "ch?" for channel -1 (unknown, e.g. CLA FF);
 *  - the C-APDU is shown whole; the R-APDU as data, then SW1SW2 and its
 *    name from sw.h (dm_sw_name);  an answer shorter than 2 bytes is shown
 *    as its bytes (if any) followed by NO_SW;
 *  - abbreviation rule: a C-APDU, or R-APDU data, longer than
 *    DM_TRACE_FULL_MAX bytes (the largest short C-APDU: every short-length
 *    exchange is shown in full) is shown as its first DM_TRACE_HEAD bytes,
 *    "...", its last DM_TRACE_TAIL bytes and " (N bytes)", e.g.
 *    "> 00D6000000FFFF0102...0A0B (65542 bytes)".
 * A line never exceeds DM_TRACE_LINE_MAX characters including the NUL, so a
 * buffer of that size never gives DM_E_OVERFLOW.  On failure out is "".
 */
#ifndef DM_TRACE_H
#define DM_TRACE_H

#include "dm_common.h"

#define DM_TRACE_FULL_MAX 261u
#define DM_TRACE_HEAD 128u
#define DM_TRACE_TAIL 16u
#define DM_TRACE_LINE_MAX 1152u

typedef enum dm_trace_dir {
	DM_TRACE_COMMAND,   /* "> " + C-APDU */
	DM_TRACE_RESPONSE,  /* "< " + data, SW, name */
} dm_trace_dir;

int dm_trace_line(char *out, size_t cap, double t_sec, int channel,
		  const uint8_t *capdu, size_t clen, const uint8_t *rapdu, size_t rlen);

int dm_trace_dir_line(char *out, size_t cap, dm_trace_dir dir, const uint8_t *bytes, size_t len);

#endif
