/*
 * fuzz_profile.c - the whole input as a JSON card profile (card/profile_load.h).
 * Invariants (abort on violation): the parser either refuses with a message
 * or gives a profile whose fields are within the limits it promises
 * (docs/profile.md); every file a profile names reads as a small TNDS text.
 */
#include <stdlib.h>
#include <string.h>

#include "profile_load.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static const char tnds[] = "<MgmtTree><VerDTD>1.2</VerDTD></MgmtTree>";

static int read_any(void *ctx, const char *rel, uint8_t **data, size_t *len)
{
	(void)ctx;
	if (strlen(rel) % 3 == 0)
		return DM_E_NOT_FOUND;
	*data = malloc(sizeof tnds - 1);
	if (*data == NULL)
		return DM_E_NOMEM;
	memcpy(*data, tnds, sizeof tnds - 1);
	*len = sizeof tnds - 1;
	return DM_OK;
}

static int gen(void *ctx, const char *file, uint8_t pub[DM_PROFILE_P256_PUB])
{
	(void)ctx;
	(void)file;
	memset(pub, 0x04, DM_PROFILE_P256_PUB);
	return DM_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[DM_PROFILE_ERR_MAX];
	dm_profile *p = NULL;
	dm_profile_src src = { .json = (const char *)data, .json_len = size, .read = read_any,
			       .gen_ma = gen };
	int rc = dm_profile_parse(&src, &p, err, sizeof err);
	if (rc != DM_OK) {
		CHECK(p == NULL);
		CHECK(rc != DM_E_VALUE || err[0] != '\0');
		return 0;
	}
	CHECK(p->nfiles >= 1 && p->files[0].fid == 0x3F00);
	for (size_t i = 0; i < p->nfiles; i++) {
		const dm_profile_file *f = &p->files[i];
		CHECK(f->parent_len <= DM_PROFILE_MAX_PATH);
		CHECK(f->content.len <= (f->rec_len ? (size_t)f->rec_len * f->rec_count : f->size) ||
		      f->content_kind == DM_PROFILE_CONTENT_EF_DIR);
	}
	for (size_t i = 0; i < p->npins; i++)
		CHECK(p->pins[i].def.value.len >= 4 && p->pins[i].def.value.len <= 8 &&
		      p->pins[i].def.retry_limit >= 1 && p->pins[i].def.retry_limit <= 15);
	for (size_t i = 0; i < p->nmos; i++)
		CHECK(p->mos[i].tnds.len == sizeof tnds - 1 && p->mos[i].oid_der_len > 0);
	CHECK(p->keys.nscp03 <= 2);
	dm_profile_free(&p);
	CHECK(p == NULL);
	return 0;
}
