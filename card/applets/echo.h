/*
 * echo.h - a test applet for the runtime's own tests and benchmarks (not in
 * the default card profile).  It exercises every part of the applet API:
 * response data of any length, persistent memory with the commit rule,
 * transient memory, channel queries and command chaining.
 *
 * Commands (CLA proprietary, 8X or CX-FX; docs/runtime.md):
 *   01 ECHO        P1P2 0000, data -> the same data
 *   02 GENERATE    P1P2 = n, no data -> n bytes 00 01 02 .. (i mod 256)
 *   03 STATUS      P1P2 = SW, data -> the data and that status word
 *   10 INCREMENT   counter + 1, -> counter (4 bytes, big-endian)
 *   11 COUNTER     -> counter
 *   12 INC-THEN-SW counter + 1, then status word P1P2 (commit rule test)
 *   13 INC-COMMIT-INC-THEN-SW: counter + 1, commit now, counter + 1,
 *                  then status word P1P2
 *   14 WRITE       data written at offset P1P2 of the data area
 *   15 READ        Ne bytes from offset P1P2 of the data area
 *   20 SET-TRANSIENT  P1 0 CLEAR_ON_RESET / 1 CLEAR_ON_DESELECT, data[0] -> byte 0
 *   21 GET-TRANSIENT  P1 as above -> byte 0
 *   30 INFO        -> channel, selected elsewhere (0/1), protocol (0/1)
 * SELECT (00 A4 04 ...) answers FCI 6F { 84 AID } unless P2 = 0C.
 */
#ifndef DM_ECHO_H
#define DM_ECHO_H

#include "applet.h"

#define DM_ECHO_DATA_AREA 1024u

enum {
	DM_ECHO_INS_ECHO = 0x01,
	DM_ECHO_INS_GENERATE = 0x02,
	DM_ECHO_INS_STATUS = 0x03,
	DM_ECHO_INS_INCREMENT = 0x10,
	DM_ECHO_INS_COUNTER = 0x11,
	DM_ECHO_INS_INC_THEN_SW = 0x12,
	DM_ECHO_INS_INC_COMMIT_INC_THEN_SW = 0x13,
	DM_ECHO_INS_WRITE = 0x14,
	DM_ECHO_INS_READ = 0x15,
	DM_ECHO_INS_SET_TRANSIENT = 0x20,
	DM_ECHO_INS_GET_TRANSIENT = 0x21,
	DM_ECHO_INS_INFO = 0x30,
};

/* AIDs of the test card (proprietary category F, ISO 7816-5). */
#define DM_ECHO1_AID 0xF0, 0x44, 0x4D, 0x53, 0x43, 0x45, 0x43, 0x48, 0x4F, 0x01 /* "DMSCECHO" 01 */
#define DM_ECHO2_AID 0xF0, 0x44, 0x4D, 0x53, 0x43, 0x45, 0x43, 0x48, 0x4F, 0x02 /* "DMSCECHO" 02 */
#define DM_SINGLE_AID 0xF0, 0x44, 0x4D, 0x53, 0x43, 0x53, 0x49, 0x4E, 0x47, 0x01 /* "DMSCSING" 01 */

/* The test card's registry, in this order: the MF (default application),
 * ECHO1 and ECHO2 (dm_echo_applet), SINGLE (dm_echo_single_applet).  Used
 * by the runtime tests, its fuzz target and tools/bench-runtime. */
extern const dm_applet_reg dm_echo_registry[];
extern const size_t dm_echo_registry_len;

/* Multiselectable, accepts command chaining. */
extern const dm_applet dm_echo_applet;
/* The same commands, neither multiselectable nor chaining. */
extern const dm_applet dm_echo_single_applet;

#endif
