/*
 * rt_harness.h - shared by the runtime tests: a card on a fresh image in a
 * temporary directory, built from a registry with the MF and echo applets,
 * and APDU exchanges written as hex.
 */
#ifndef DM_TEST_RT_HARNESS_H
#define DM_TEST_RT_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "applet.h"
#include "applets/echo.h"
#include "card.h"

/* The card is built from dm_echo_registry (applets/echo.h): MF (default
 * application), ECHO1, ECHO2 (dm_echo_applet: multiselectable, chaining),
 * SINGLE (dm_echo_single_applet: neither).  Their AIDs in hex: */
#define RT_ECHO1 "F0444D5343454348 4F01"
#define RT_ECHO2 "F0444D5343454348 4F02"
#define RT_SINGLE "F0444D534353494E 4701"

extern dm_card *rt_card;
/* The last response: data and status word. */
extern uint8_t *rt_resp;
extern size_t rt_resp_len;
extern uint16_t rt_sw;
/* What dm_card_transmit returned last. */
extern int rt_rc;

/* Build the cards of the next rt_setup_* from another registry (the UICC
 * tests use dm_default_registry); NULL restores dm_echo_registry. */
void rt_use_registry(const dm_applet_reg *reg, size_t n);

/* Checked fixtures: a temporary directory and a T=1 / T=0 card in it. */
void rt_setup_t1(void);
void rt_setup_t0(void);
void rt_teardown(void);
const char *rt_image_path(void);
/* Close and reopen the card on the same image. */
void rt_reopen(dm_card_protocol proto, unsigned long cut_after_writes);

/* Send raw bytes / hex; returns the status word (also in rt_sw). */
uint16_t rt_send(const uint8_t *apdu, size_t len);
uint16_t rt_x(const char *hex);
/* Send hex and require the whole response (data and SW) to equal hex. */
void rt_expect_(const char *apdu, const char *resp, const char *file, int line);
#define rt_expect(a, r) rt_expect_((a), (r), __FILE__, __LINE__)

/* Decode hex into a static buffer (tests only). */
size_t rt_hex(const char *hex, uint8_t *out, size_t cap);

#endif
