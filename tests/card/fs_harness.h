/*
 * fs_harness.h - shared by the UICC file system tests (test_fs_*.c): the
 * default card (dm_default_registry, default profile) through rt_harness,
 * and helpers for FCPs, PINs and free memory.
 */
#ifndef DM_TEST_FS_HARNESS_H
#define DM_TEST_FS_HARNESS_H

#include "fcp.h"
#include "rt_harness.h"

/* APDUs of the default card's PINs (profiles/default.json). */
#define FS_VERIFY_ADM1 "0020000A083838383838383838"
#define FS_VERIFY_PIN1 "002000010831323334FFFFFFFF"
#define FS_VERIFY_PIN81 "002000810830303030FFFFFFFF"
#define FS_AID_PKCS15 "A000000063504B43532D3135"
#define FS_AID_DMSC "F04F4D41444D5343"

/* Checked fixtures: a fresh default card (T=1) in a temporary directory. */
void fs_setup(void);
void fs_teardown(void);

/* Send and require the status word. */
void fs_ok_(const char *apdu, uint16_t sw, const char *file, int line);
#define fs_sw(a, sw) fs_ok_((a), (sw), __FILE__, __LINE__)
#define fs_ok(a) fs_ok_((a), 0x9000, __FILE__, __LINE__)

/* Send a SELECT that returns an FCP (P2 04 with Le), require 9000 or the
 * warning `sw`, parse the FCP into *f (its dm_bytes point into a static
 * copy, valid until the next call). */
void fs_fcp_(const char *select, uint16_t sw, dm_fcp *f, const char *file, int line);
#define fs_fcp(a, f) fs_fcp_((a), 0x9000, (f), __FILE__, __LINE__)
#define fs_fcp_sw(a, sw, f) fs_fcp_((a), (sw), (f), __FILE__, __LINE__)

/* The card's free memory as the MF's FCP reports it (A5/83); selects the MF. */
uint32_t fs_free_mem(void);

/* An APDU as hex: header bytes then nc data bytes all `fill`, extended
 * length when nc > 255 (static buffer, valid until the next call). */
const char *fs_apdu_fill(const char *header, size_t nc, uint8_t fill, const char *le);

#endif
