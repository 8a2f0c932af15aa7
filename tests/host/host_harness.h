/*
 * host_harness.h - shared by the host/ unit tests: a fresh default card
 * image in a temporary directory behind the in-process transport, and a
 * scripted fake card for exact T=0 / error sequences.
 */
#ifndef DM_HOST_HARNESS_H
#define DM_HOST_HARNESS_H

#include "transport.h"

/* Fresh default card (new temp dir each call); removed by hh_close. */
dm_transport *hh_open(dm_proto protocol);
void hh_close(dm_transport **t);

/* Scripted card: answers the i-th exchange with the i-th hex R-APDU (NULL
 * ends the script: later exchanges get an empty answer, i.e. card gone) and
 * records every C-APDU it got, hex, in hh_script_sent(t, i). */
dm_transport *hh_script(const char *const *answers);
const char *hh_script_sent(dm_transport *t, size_t i);
size_t hh_script_count(dm_transport *t);

#endif
