/*
 * cf_match.h - the patterns of a conformance case (docs/conformance.md):
 * status-word patterns ("9000|91xx", "63Cx"), response-data patterns (hex
 * with x nibble wildcards, "*" for any rest) and ${NAME} secret
 * substitution in C-APDU templates.  Pure functions, no I/O.
 */
#ifndef DM_CF_MATCH_H
#define DM_CF_MATCH_H

#include "dm_common.h"

/*
 * Is pat a valid SW pattern: alternatives separated by '|', each exactly
 * four hex digits or x/X (one nibble wildcard)?  DM_OK or DM_E_VALUE.
 */
int dm_cf_sw_valid(const char *pat);
/* Does sw match pat?  An invalid pattern matches nothing. */
bool dm_cf_sw_match(const char *pat, uint16_t sw);

/*
 * Is pat a valid data pattern: pairs of hex digits or x/X nibbles,
 * optionally ending with "*" (any further bytes, also none); spaces
 * ignored; alternatives separated by '|'.  DM_OK or DM_E_VALUE.
 */
int dm_cf_data_valid(const char *pat);
/* Does data match one alternative of pat (whole data, or a prefix when it
 * ends with '*')? */
bool dm_cf_data_match(const char *pat, dm_bytes data);
/* Does data contain the bytes of hex (no wildcards) anywhere? */
bool dm_cf_data_contains(const char *hex, dm_bytes data);

/* Secret lookup: the hex value of name, or NULL when unknown. */
typedef const char *(*dm_cf_lookup)(void *ctx, const char *name);

/*
 * Expand ${NAME} in tmpl with lookup(ctx, NAME) into out (NUL-terminated
 * text of cap bytes).  DM_E_NOT_FOUND when a name is unknown (*missing, if
 * not NULL, gets it, NUL-terminated, up to mcap bytes), DM_E_VALUE for an
 * unterminated "${", DM_E_OVERFLOW when out is too small.
 */
int dm_cf_expand(const char *tmpl, dm_cf_lookup lookup, void *ctx, char *out, size_t cap,
		 char *missing, size_t mcap);

#endif
