/*
 * example_counter.h - the smallest useful applet, the worked example of
 * docs/applet-api.md for vendors who write their own applet: one AID, one
 * instruction, a persistent counter.
 *
 * Command (CLA 80-83 or C0-CF: proprietary, ISO 7816-4 §5.4.1):
 *   80 02 00 step [Le]   INCREMENT: counter += step (0..255; 0 only reads),
 *                        answers the new counter, 2 bytes big-endian.
 *   Status words: 9000; 6985 the counter would pass FFFF (nothing
 *   written); 6A86 P1 not 00; 6700 command data present; 6D00 another
 *   INS; 6E00 an interindustry CLA (the applet speaks only CLA 8X).
 * SELECT by AID is accepted with no response data.
 */
#ifndef DM_EXAMPLE_COUNTER_H
#define DM_EXAMPLE_COUNTER_H

#include "applet.h"

/* Proprietary AID (category F, ISO 7816-5): "DMSCCNT" 01. */
#define DM_EXAMPLE_COUNTER_AID 0xF0, 0x44, 0x4D, 0x53, 0x43, 0x43, 0x4E, 0x54, 0x01
#define DM_EXAMPLE_COUNTER_INS_INCREMENT 0x02u

extern const dm_applet dm_example_counter_applet;

#endif
