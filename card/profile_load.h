/*
 * profile_load.h - card profiles from JSON (docs/profile.md) to dm_profile
 * (card/profile.h), parsed with json-c.
 *
 * Every field is checked; a bad profile is refused with the field's path
 * and the reason in err ("pins[1].value: must be 1-8 ASCII digits").  The
 * loaded profile owns all its memory (one allocation list, freed by
 * dm_profile_free, which wipes key material and PIN values first).
 */
#ifndef DM_PROFILE_LOAD_H
#define DM_PROFILE_LOAD_H

#include "profile.h"

#define DM_PROFILE_ERR_MAX 256u

/* Files a profile names (TNDS documents, the policy) are read through this:
 * rel is the name as written in the profile.  Returns DM_OK with a malloc'd
 * buffer the loader frees, or a dm_err. */
typedef int (*dm_profile_reader)(void *ctx, const char *rel, uint8_t **data, size_t *len);

typedef struct dm_profile_src {
	const char *json;             /* the profile text */
	size_t json_len;
	dm_profile_reader read;       /* NULL: a profile naming files is refused */
	void *read_ctx;
	/* "management_authority": {"generate": FILE}: called with the file
	 * name; fills pub (65 bytes) and writes the private key where the
	 * caller wants (dmsc-perso).  NULL: such a profile is refused. */
	int (*gen_ma)(void *ctx, const char *file, uint8_t pub[DM_PROFILE_P256_PUB]);
	void *gen_ctx;
} dm_profile_src;

/* DM_OK; DM_E_VALUE with err filled for a bad profile; DM_E_NOMEM. */
int dm_profile_parse(const dm_profile_src *src, dm_profile **out, char *err, size_t errlen);

/* A dm_profile_reader for files relative to the directory ctx (a string). */
int dm_profile_read_dir(void *ctx, const char *rel, uint8_t **data, size_t *len);

/* The profile at path; files it names are relative to its directory. */
int dm_profile_load_file(const char *path, dm_profile **out, char *err, size_t errlen);

/* The default card's profile, embedded at build time (profiles/default.json
 * and the files under profiles/default/). */
int dm_profile_load_default(dm_profile **out, char *err, size_t errlen);

/* Wipe secrets, free everything, set *p to NULL.  NULL-safe. */
void dm_profile_free(dm_profile **p);

/* The embedded default profile's files (generated: tools/embed.py).
 * name "default.json" is the profile itself. */
typedef struct dm_embedded_file {
	const char *name;
	const uint8_t *data;
	size_t len;
} dm_embedded_file;
/* data[len] is 0 (not counted): text files are C strings too. */
extern const dm_embedded_file dm_profile_embedded[];
extern const size_t dm_profile_embedded_len;

#endif
