/*
 * copymo.h - use case 5.2: copy an MO of the device's DM tree to the card
 * (OSR-1: the card allocates the space and updates its DODF), compare the
 * two copies, and keep only the card's.
 *
 * Card side (docs/dmsc-app.md "Commands of the application"): VERIFY ADM1
 * (AUT-1), CREATE MO 80 E0 { 50 label, 06 OID, 81 size, 86 flags } ->
 * 83 02 FID, then UPDATE BINARY of the TNDS into that EF.
 */
#ifndef DM_HOST_COPYMO_H
#define DM_HOST_COPYMO_H

#include <stdbool.h>
#include <stdint.h>

#include "agent.h"
#include "dm_common.h"
#include "dmtree.h"
#include "transport.h"

/* OID of an MO copied from the device [ours]: 2.23.43.7.100, beside the
 * DM bootstrap's 2.23.43.7.1 (DER content 67 2B 07 64). */
#define DM_COPYMO_OID "\x67\x2B\x07\x64"
#define DM_COPYMO_OID_LEN 4u
#define DM_COPYMO_LABEL_MAX 64u
/* Tree metadata: where the card copy of URI lives: "copymo." URI -> "FID SIZE". */
#define DM_COPYMO_META "copymo."

/* CREATE MO data field: 50 label (cut to 64 bytes), 06 OID, 81 size (minimal
 * 1..4 bytes), 86 01 flags (b2 modifiable). */
int dm_copymo_create_data(const char *label, uint32_t size, dm_wbuf *out);
/* The FID from CREATE MO's answer 83 02 FID (exactly that). */
int dm_copymo_parse_fid(dm_bytes resp, uint16_t *fid);

/* One line per difference between two node lists ("+ uri" only in b,
 * "- uri" only in a, "~ uri: field" changed) to f (may be NULL); returns
 * the number of differences. */
size_t dm_copymo_diff(const dm_node_list *a, const dm_node_list *b, FILE *f);

/* `copy-mo URI [--compare] [--erase-local] [--adm-file F]` */
int dm_cmd_copy_mo(int argc, char **argv, dm_agent *ctx);

#endif
