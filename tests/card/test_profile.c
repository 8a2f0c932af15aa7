/*
 * test_profile.c - card profiles (card/profile_load.h, docs/profile.md):
 * the embedded default profile loads with the expected content; every bad
 * field of a profile is refused with its path and reason (table-driven,
 * each case one mutation of the default profile); the image a profile file
 * makes equals the one the embedded default makes (what dmsc-card creates),
 * keys aside; USE-1/2/3 flags reach the card; and card creation from a
 * profile survives a power cut at every write.
 *
 * argv[1] (from meson): the source directory's profiles/default.json.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "card.h"
#include "cut_harness.h"
#include "dmsc.h"
#include "inspect.h"
#include "pkcs15.h"
#include "profile_load.h"

static const char *default_json_path;

/* --- helpers --- */

static const dm_embedded_file *embedded(const char *name)
{
	for (size_t i = 0; i < dm_profile_embedded_len; i++)
		if (strcmp(dm_profile_embedded[i].name, name) == 0)
			return &dm_profile_embedded[i];
	return NULL;
}

static int read_emb(void *ctx, const char *rel, uint8_t **data, size_t *len)
{
	(void)ctx;
	const dm_embedded_file *f = embedded(rel);
	if (f == NULL)
		return DM_E_NOT_FOUND;
	*data = malloc(f->len);
	if (*data == NULL)
		return DM_E_NOMEM;
	memcpy(*data, f->data, f->len);
	*len = f->len;
	return DM_OK;
}

static json_object *default_tree(void)
{
	const dm_embedded_file *f = embedded("default.json");
	ck_assert_ptr_nonnull(f);
	json_object *j = json_tokener_parse((const char *)f->data);
	ck_assert_ptr_nonnull(j);
	return j;
}

/* "pins[1].value" -> the parent object/array and the last key/index. */
static json_object *walk_to(json_object *root, const char *path, char *last, size_t lastcap,
			    int *index)
{
	char buf[128];
	json_object *cur = root;
	snprintf(buf, sizeof buf, "%s", path);
	char *p = buf;
	*index = -1;
	for (;;) {
		size_t n = strcspn(p, ".[");
		char sep = p[n];
		p[n] = '\0';
		if (sep == '\0') {
			snprintf(last, lastcap, "%s", p);
			return cur;
		}
		if (*p != '\0') {
			json_object *next;
			ck_assert_msg(json_object_object_get_ex(cur, p, &next), "no %s", p);
			cur = next;
		}
		p += n + 1;
		if (sep == '[') {
			int i = atoi(p);
			p = strchr(p, ']') + 1;
			if (*p == '\0') {
				last[0] = '\0';
				*index = i;
				return cur;
			}
			cur = json_object_array_get_idx(cur, (size_t)i);
			ck_assert_ptr_nonnull(cur);
			if (*p == '.')
				p++;
		}
	}
}

/* Set (value JSON text) or delete (value NULL) the field at path. */
static void mutate(json_object *root, const char *path, const char *value)
{
	char last[128];
	int index;
	json_object *parent = walk_to(root, path, last, sizeof last, &index);
	json_object *v = value ? json_tokener_parse(value) : NULL;
	ck_assert_msg(value == NULL || v != NULL || strcmp(value, "null") == 0, "bad %s", value);
	if (index >= 0) {
		if (value == NULL)
			json_object_array_del_idx(parent, (size_t)index, 1);
		else
			json_object_array_put_idx(parent, (size_t)index, v);
	} else if (value == NULL) {
		json_object_object_del(parent, last);
	} else {
		json_object_object_add(parent, last, v);
	}
}

static int parse_tree(json_object *j, dm_profile **out, char *err, size_t errlen)
{
	const char *text = json_object_to_json_string(j);
	dm_profile_src src = { .json = text, .json_len = strlen(text), .read = read_emb };
	return dm_profile_parse(&src, out, err, errlen);
}

/* --- a good profile --- */

START_TEST(default_profile_loads)
{
	char err[DM_PROFILE_ERR_MAX];
	dm_profile *p = NULL;
	ck_assert_int_eq(dm_profile_load_default(&p, err, sizeof err), DM_OK);
	ck_assert_str_eq(p->name, "dmsc-v1");
	ck_assert_uint_eq(p->nfiles, 17);
	ck_assert_uint_eq(p->files[0].fid, 0x3F00);
	ck_assert_uint_eq(p->napps, 2);
	ck_assert_uint_eq(p->npins, 3);
	ck_assert_uint_eq(p->capacity, 256u * 1024u);
	ck_assert_int_eq(p->protocol, DM_CARD_T1);
	/* ICCID 89 999 01 000000000001 3: BCD, nibbles swapped (TS 102 221 §13.2). */
	ck_assert_mem_eq(p->iccid, "\x98\x99\x09\x01\x00\x00\x00\x00\x00\x31", 10);
	ck_assert_int_eq(p->confirm, DM_PROFILE_CONFIRM_UNSET);
	ck_assert_uint_eq(p->poll_interval, 30);
	/* PIN1 "1234" limit 3, PUK "12345678" limit 10 */
	ck_assert_uint_eq(p->pins[0].def.key_ref, 0x01);
	ck_assert_uint_eq(p->pins[0].def.value.len, 4);
	ck_assert_mem_eq(p->pins[0].def.value.ptr, "1234", 4);
	ck_assert_uint_eq(p->pins[0].def.retry_limit, 3);
	ck_assert_uint_eq(p->pins[0].def.puk_limit, 10);
	ck_assert_uint_eq(p->pins[2].def.key_ref, 0x81);
	ck_assert_uint_eq(p->pins[2].app_aid.len, 8);
	/* keys: device and MA SCP03 sets, MA and enterprise public keys */
	ck_assert_uint_eq(p->keys.nscp03, 2);
	ck_assert_uint_eq(p->keys.scp03[0].kvn, 0x30);
	ck_assert_int_eq(p->keys.scp03[0].role, DM_PROFILE_SCP03_DEVICE);
	ck_assert_uint_eq(p->keys.scp03[0].key_len, 16);
	ck_assert_uint_eq(p->keys.scp03[0].enc[0], 0x40);
	ck_assert_uint_eq(p->keys.scp03[1].kvn, 0x31);
	ck_assert_int_eq(p->keys.scp03[1].role, DM_PROFILE_SCP03_MA);
	ck_assert_uint_eq(p->keys.scp03[1].dek[15], 0x5F);
	ck_assert(p->keys.has_ma_pub && p->keys.ma_pub[0] == 0x04);
	ck_assert(p->keys.has_ent_pub && p->keys.ent_pub[0] == 0x04);
	ck_assert(p->keys.gen_card_key);
	/* MOs: the bootstrap in EF_DMBOOT, IMPS and Email on demand, the policy */
	ck_assert_uint_eq(p->nmos, 4);
	ck_assert_str_eq(p->mos[0].oid, "2.23.43.7.1");
	ck_assert_mem_eq(p->mos[0].oid_der, "\x67\x2B\x07\x01", 4);
	ck_assert_uint_eq(p->mos[0].path_len, 2);
	ck_assert_uint_eq(p->mos[0].path[1], 0x6432);
	ck_assert_uint_eq(p->mos[0].tnds.len, embedded("default/dmboot.xml")->len);
	ck_assert_uint_eq(p->mos[1].path_len, 0);
	ck_assert_uint_eq(p->mos[1].p15_flags, DM_P15_FLAG_MODIFIABLE);
	ck_assert_uint_eq(p->policy.len, embedded("default/policy.xml")->len);
	ck_assert_ptr_eq(p->policy.ptr, p->mos[3].tnds.ptr);
	/* lookups */
	static const uint16_t info[] = { 0x7F60, 0x6420 };
	const dm_profile_file *f = dm_profile_file_at(p, info, 2);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->name, "EF_INFO");
	ck_assert_ptr_null(dm_profile_file_at(p, info, 1) == f ? f : NULL);
	dm_profile_free(&p);
	ck_assert_ptr_null(p);
	dm_profile_free(&p); /* NULL-safe */
}
END_TEST

/* The source tree's file is the one that was embedded, and loads from disk
 * with its TNDS files relative to it. */
START_TEST(profile_file_loads)
{
	char err[DM_PROFILE_ERR_MAX];
	dm_profile *p = NULL, *d = NULL;
	ck_assert_int_eq(dm_profile_load_file(default_json_path, &p, err, sizeof err), DM_OK);
	ck_assert_int_eq(dm_profile_load_default(&d, err, sizeof err), DM_OK);
	ck_assert_uint_eq(p->nfiles, d->nfiles);
	ck_assert_uint_eq(p->nmos, d->nmos);
	for (size_t i = 0; i < p->nmos; i++) {
		ck_assert_uint_eq(p->mos[i].tnds.len, d->mos[i].tnds.len);
		ck_assert_mem_eq(p->mos[i].tnds.ptr, d->mos[i].tnds.ptr, p->mos[i].tnds.len);
	}
	dm_profile_free(&p);
	dm_profile_free(&d);
	ck_assert_int_eq(dm_profile_load_file("/nonexistent/profile.json", &p, err, sizeof err),
			 DM_E_NOT_FOUND);
	ck_assert_ptr_null(p);
	ck_assert_ptr_nonnull(strstr(err, "no such file"));
}
END_TEST

/* --- bad profiles: one mutation of the default each --- */

struct bad_case {
	const char *path;  /* field to change */
	const char *value; /* new JSON value; NULL = delete the field */
	const char *err;   /* the error message must start with this */
};

static const struct bad_case bad_cases[] = {
	{ "format", "\"dmsc-profile-2\"", "format: must be \"dmsc-profile-1\"" },
	{ "format", NULL, "format: missing" },
	{ "name", "\"\"", "name: must be 1-64 characters" },
	{ "name", "7", "name: must be a string" },
	{ "typo", "1", "typo: unknown field" },
	{ "capacity", "1024", "capacity: must be an integer 16384..67108864" },
	{ "capacity", "\"big\"", "capacity: must be a number" },
	{ "atr.protocol", "\"t2\"", "atr.protocol: must be \"t1\" or \"t0\"" },
	{ "iccid", "\"8999901000000000001X\"", "iccid: must be 19 or 20 digits" },
	{ "iccid", "\"123\"", "iccid: must be 19 or 20 digits" },
	{ "user_confirmation", "\"maybe\"",
	  "user_confirmation: must be \"ask\", \"never-ask\" or \"unset\"" },
	{ "poll_interval", "256", "poll_interval: must be an integer 0..255" },
	{ "poll_interval", "-1", "poll_interval: must be an integer 0..255" },
	{ "files", "[]", "files: must list 1-256 entries" },
	{ "files[0].path", "\"3F00/2F00\"", "files[0].path: the first file must be the MF" },
	{ "files[1].path", "\"2F00\"", "files[1].path: must start at the MF (3F00)" },
	{ "files[1].path", "\"3F00/2F0\"", "files[1].path: must be FIDs of 4 hex digits" },
	{ "files[1].path", "\"3F00/3F00\"", "files[1].path: FID 3F00 is reserved" },
	{ "files[1].path", "\"3F00/2F06\"", "files[3].path: another file has this path" },
	{ "files[1].path", "\"3F00/7F50/2F00\"", "files[1].path: parent DF must be listed" },
	{ "files[1].type", "\"sparse\"",
	  "files[1].type: must be df, adf, transparent, linear or cyclic" },
	{ "files[1].record_length", "0", "files[1].record_length: must be an integer 1..255" },
	{ "files[1].records", "255", "files[1].records: must be an integer 1..254" },
	{ "files[1].records", "1", "files[1].records: fewer than the 2 applications" },
	{ "files[1].sfi", "31", "files[1].sfi: must be an integer 1..30" },
	{ "files[1].sfi", "6", "files[3].sfi: 6 is used by EF_DIR in the same DF" },
	{ "files[1].arr", NULL, "files[1].arr: missing" },
	{ "files[1].generate", "\"iccid\"", "files[1].generate: must be \"ef_dir\"" },
	{ "files[2].size", "70000", "files[2].size: must be an integer 1..65535" },
	{ "files[2].record_length", "4", "files[2].records: only for linear or cyclic EFs" },
	{ "files[3].content", "[\"00\"]", "files[3].content[0]: must be 40 bytes" },
	{ "files[3].content[0]", "\"zz\"", "files[3].content[0]: not hex ('z' at 0)" },
	{ "files[4].aid", "\"A000\"", "files[4].aid: must be 5-16 bytes" },
	{ "files[4].pins", "[\"09\"]", "files[4].pins[0]: invalid key reference 09" },
	{ "files[4].path", "\"3F00/6F50\"", "files[4].path: a DF's FID starts 7F or 5F" },
	{ "files[5].path", "\"3F00/7F50/7F31\"", "files[5].path: an EF's FID must not start 7F" },
	{ "files[12].content", "\"0\"", "files[12].content: odd number of hex digits" },
	{ "files[12].content", "\"00\"", NULL }, /* fine: sanity check of the mutator */
	{ "applications[0].path", "\"3F00/7F60\"",
	  "applications[0].path: must name the ADF of this AID" },
	{ "applications[0].label", "\"\"", "applications[0].label: must be 1-32 characters" },
	{ "pins[1].value", "\"12a4\"", "pins[1].value: must be 4-8 ASCII digits" },
	{ "pins[1].value", "\"123\"", "pins[1].value: must be 4-8 ASCII digits" },
	{ "pins[1].value", "\"123456789\"", "pins[1].value: must be 4-8 ASCII digits" },
	{ "pins[0].puk", "\"1\"", "pins[0].puk: must be 4-8 ASCII digits" },
	{ "pins[0].retry_limit", "16", "pins[0].retry_limit: must be an integer 1..15" },
	{ "pins[0].retry_limit", "0", "pins[0].retry_limit: must be an integer 1..15" },
	{ "pins[0].puk_retry_limit", "16", "pins[0].puk_retry_limit: must be an integer 1..15" },
	{ "pins[1].puk_retry_limit", "5", "pins[1].puk_retry_limit: without a puk" },
	{ "pins[0].ref", "\"09\"", "pins[0].ref: invalid key reference 09" },
	{ "pins[0].ref", "\"0A\"", "pins[1].ref: key reference 0A defined twice" },
	{ "pins[0].enabled", "false", NULL }, /* may_disable: fine */
	{ "pins[1].enabled", "false", "pins[1].enabled: a disabled PIN needs may_disable" },
	{ "pins[0].enabled", "1", "pins[0].enabled: must be a boolean" },
	{ "pins[2].application", NULL, "pins[2].application: a local key reference needs" },
	{ "pins[0].application", "\"F04F4D41444D5343\"",
	  "pins[0].application: only for local key references" },
	{ "pins[2].application", "\"F04F4D41444D5344\"",
	  "pins[2].application: no ADF in files has this AID" },
	{ "keys.scp03[0].kvn", "0", "keys.scp03[0].kvn: must be an integer 1..127" },
	{ "keys.scp03[0].kvn", "49", "keys.scp03[1].kvn: key version 49 defined twice" },
	{ "keys.scp03[0].role", "\"ma\"", "keys.scp03[1].role: ma defined twice" },
	{ "keys.scp03[0].role", "\"admin\"", "keys.scp03[0].role: must be \"device\" or \"ma\"" },
	{ "keys.scp03[0].enc", "\"0011\"", "keys.scp03[0].enc: must be 16-32 bytes" },
	{ "keys.scp03[0].enc", "\"00112233445566778899AABBCCDDEEFF0011\"",
	  "keys.scp03[0].enc: must be 16, 24 or 32 bytes" },
	{ "keys.scp03[0].mac", "\"000102030405060708090A0B0C0D0E0F1011121314151617\"",
	  "keys.scp03[0].mac: must have the length of enc" },
	{ "keys.management_authority.public_key", "\"05\"",
	  "keys.management_authority.public_key: must be 65 bytes" },
	{ "keys.management_authority.generate", "\"ma.key\"",
	  "keys.management_authority: needs exactly one of" },
	{ "keys.enterprise.public_key", NULL, "keys.enterprise.public_key: missing" },
	{ "keys.card_key", "\"import\"", "keys.card_key: must be \"generate\" or \"none\"" },
	{ "mos[0].oid", "\"2.x.1\"", "mos[0].oid: must be a dotted OBJECT IDENTIFIER" },
	{ "mos[0].label", NULL, "mos[0].label: missing" },
	{ "mos[0].tnds", "\"default/none.xml\"", "mos[0].tnds: cannot read default/none.xml" },
	{ "mos[0].tnds", "\"../etc/passwd\"", "mos[0].tnds: must be a path below the profile" },
	{ "mos[0].path", "\"3F00/7F50/6499\"", "mos[0].path: no such file in files" },
	{ "mos[0].path", "\"3F00/7F50/5031\"", "mos[0].path: EF_ODF is 128 bytes, the document" },
	{ "mos[0].path", "\"3F00/2F00\"", "mos[0].path: EF_DIR is not a transparent EF" },
	{ "mos[0].path", "\"3F00/7F60/6423\"", "policy.path: EF_POLICY holds another MO" },
	{ "mos[0].size", "100", "mos[0].size: smaller than the document" },
	{ "mos[1].size", "4000", NULL },
	{ "mos[0].size", "4000", "mos[0].size: only for an EF the card creates" },
	{ "mos[0].private", "\"yes\"", "mos[0].private: must be a boolean" },
	{ "policy.path", NULL, "policy.path: missing" },
	{ "policy.path", "\"3F00/2FE2\"", "policy.path: EF_ICCID has content already" },
};

START_TEST(bad_field_refused_with_path_and_reason)
{
	const struct bad_case *c = &bad_cases[_i];
	char err[DM_PROFILE_ERR_MAX];
	dm_profile *p = NULL;
	json_object *j = default_tree();
	mutate(j, c->path, c->value);
	int rc = parse_tree(j, &p, err, sizeof err);
	json_object_put(j);
	if (c->err == NULL) {
		ck_assert_msg(rc == DM_OK, "%s = %s: refused: %s", c->path, c->value, err);
		dm_profile_free(&p);
		return;
	}
	ck_assert_msg(rc == DM_E_VALUE, "%s = %s: rc %d", c->path, c->value ? c->value : "-", rc);
	ck_assert_ptr_null(p);
	ck_assert_msg(strncmp(err, c->err, strlen(c->err)) == 0, "%s: got \"%s\", want \"%s...\"",
		      c->path, err, c->err);
}
END_TEST

START_TEST(malformed_json_refused)
{
	static const char *texts[] = { "", "{", "[]", "{\"format\": \"dmsc-profile-1\",}",
				       "{} {}", "\"x\"", "{\"format\": 1e999}" };
	for (size_t i = 0; i < DM_ARRAY_LEN(texts); i++) {
		char err[DM_PROFILE_ERR_MAX] = "";
		dm_profile *p = NULL;
		dm_profile_src src = { .json = texts[i], .json_len = strlen(texts[i]) };
		ck_assert_int_eq(dm_profile_parse(&src, &p, err, sizeof err), DM_E_VALUE);
		ck_assert_ptr_null(p);
		ck_assert_msg(err[0] != '\0', "no message for '%s'", texts[i]);
	}
	/* A profile naming files needs a reader; a generated key needs dmsc-perso. */
	json_object *j = default_tree();
	const char *text = json_object_to_json_string(j);
	dm_profile_src src = { .json = text, .json_len = strlen(text) };
	char err[DM_PROFILE_ERR_MAX];
	dm_profile *p = NULL;
	ck_assert_int_eq(dm_profile_parse(&src, &p, err, sizeof err), DM_E_VALUE);
	ck_assert_str_eq(err, "mos[0].tnds: this profile cannot name files");
	mutate(j, "keys.management_authority", "{\"generate\": \"ma.key\"}");
	ck_assert_int_eq(parse_tree(j, &p, err, sizeof err), DM_E_VALUE);
	ck_assert_str_eq(err, "keys.management_authority.generate: only dmsc-perso can generate keys");
	json_object_put(j);
	ck_assert_int_eq(dm_profile_parse(NULL, &p, err, sizeof err), DM_E_ARG);
}
END_TEST

/* --- images --- */

struct snap {
	dm_fs_entry e[64];
	uint8_t *body[64];
	size_t n;
	dm_applet_ctx *ctx;
};

static int snap_file(void *arg, const dm_fs_entry *e)
{
	struct snap *s = arg;
	ck_assert_uint_lt(s->n, DM_ARRAY_LEN(s->e));
	s->e[s->n] = *e;
	s->e[s->n].aid = dm_bytes_of(NULL, 0); /* points into a header copy */
	s->body[s->n] = NULL;
	if (!e->is_df) {
		s->body[s->n] = malloc(e->size ? e->size : 1);
		ck_assert_int_eq(dm_fs_read_raw(s->ctx, e->path, e->path_len, 0, s->body[s->n],
						e->size), DM_OK);
	}
	s->n++;
	return DM_OK;
}

static int snap_all(dm_applet_ctx *ctx, void *arg)
{
	struct snap *s = arg;
	s->ctx = ctx;
	return dm_fs_walk(ctx, snap_file, s);
}

static void snapshot(const char *image, const dm_profile *p, struct snap *s)
{
	dm_card_config cfg = { .image_path = image, .profile = p, .store_flags = DM_STORE_RELAXED };
	dm_card *card = NULL;
	memset(s, 0, sizeof *s);
	ck_assert_int_eq(dm_card_open(&cfg, &card), DM_OK);
	ck_assert_int_eq(dm_card_inspect(card, snap_all, s), DM_OK);
	dm_card_close(&card);
}

static void snap_free(struct snap *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->body[i]);
}

static void snap_eq(const struct snap *a, const struct snap *b)
{
	ck_assert_uint_eq(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		ck_assert_mem_eq(&a->e[i], &b->e[i], sizeof a->e[i]);
		if (a->body[i] != NULL)
			ck_assert_msg(memcmp(a->body[i], b->body[i], a->e[i].size) == 0,
				      "content of %04X differs", a->e[i].path[a->e[i].path_len - 1]);
	}
}

/* The image from profiles/default.json (what dmsc-perso build makes) is
 * the image dmsc-card makes from the embedded default: same files, same
 * headers, same contents.  Keys live outside the file system (card/keys.h). */
START_TEST(default_image_equals_dmsc_card_image)
{
	char err[DM_PROFILE_ERR_MAX];
	dm_profile *p = NULL;
	struct snap *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	ck_assert_int_eq(dm_profile_load_file(default_json_path, &p, err, sizeof err), DM_OK);
	snapshot(th_path("from-file"), p, a);
	snapshot(th_path("embedded"), NULL, b);
	dm_profile_free(&p);
	snap_eq(a, b);
	/* and what the installer wrote is what the profile says: EF_ICCID */
	size_t iccid = 0;
	while (iccid < a->n && !(a->e[iccid].path_len == 1 && a->e[iccid].path[0] == 0x2FE2))
		iccid++;
	ck_assert_uint_lt(iccid, a->n);
	ck_assert_mem_eq(a->body[iccid], "\x98\x99\x09\x01\x00\x00\x00\x00\x00\x31", 10);
	snap_free(a);
	snap_free(b);
	free(a);
	free(b);
}
END_TEST

static int get_info(dm_applet_ctx *ctx, void *arg)
{
	return dm_dmsc_info_get(ctx, arg);
}

/* USE-1/2/3: the profile's user_confirmation becomes EF_INFO 82 b1/b2. */
static void confirm_case(const char *value, uint8_t want)
{
	char err[DM_PROFILE_ERR_MAX], name[32];
	dm_profile *p = NULL;
	json_object *j = default_tree();
	mutate(j, "user_confirmation", value);
	ck_assert_int_eq(parse_tree(j, &p, err, sizeof err), DM_OK);
	json_object_put(j);
	snprintf(name, sizeof name, "use-%02X", want);
	dm_card_config cfg = { .image_path = th_path(name), .profile = p,
			       .store_flags = DM_STORE_RELAXED };
	dm_card *card = NULL;
	ck_assert_int_eq(dm_card_open(&cfg, &card), DM_OK);
	dm_profile_free(&p);
	dm_dmsc_info info;
	ck_assert_int_eq(dm_card_inspect(card, get_info, &info), DM_OK);
	dm_card_close(&card);
	ck_assert_uint_eq(info.flags & (DM_DMSC_FLAG_ASK_USER | DM_DMSC_FLAG_NEVER_ASK), want);
}

START_TEST(USE_1_2_3_confirmation_flags_from_profile)
{
	confirm_case("\"ask\"", DM_DMSC_FLAG_ASK_USER);       /* USE-1 */
	confirm_case("\"never-ask\"", DM_DMSC_FLAG_NEVER_ASK); /* USE-2 */
	confirm_case("\"unset\"", 0);                          /* USE-3 */
}
END_TEST

/* A profile whose content does not fit the capacity fails as a whole. */
START_TEST(profile_too_big_for_capacity)
{
	char err[DM_PROFILE_ERR_MAX];
	dm_profile *p = NULL;
	json_object *j = default_tree();
	mutate(j, "capacity", "16384");
	mutate(j, "mos[1].size", "20000");
	ck_assert_int_eq(parse_tree(j, &p, err, sizeof err), DM_OK);
	json_object_put(j);
	dm_card_config cfg = { .image_path = th_path("small"), .profile = p,
			       .capacity = p->capacity, .store_flags = DM_STORE_RELAXED };
	dm_card *card = NULL;
	ck_assert_int_eq(dm_card_open(&cfg, &card), DM_E_NOMEM);
	ck_assert_ptr_null(card);
	dm_profile_free(&p);
}
END_TEST

/* Power cut at every write of card creation from a profile: the next open
 * completes the card, and it equals an uncut one. */
START_TEST(creation_from_profile_survives_power_cut)
{
	char err[DM_PROFILE_ERR_MAX];
	dm_profile *p = NULL;
	struct snap *ref = malloc(sizeof *ref), *got = malloc(sizeof *got);
	ck_assert_int_eq(dm_profile_load_file(default_json_path, &p, err, sizeof err), DM_OK);
	snapshot(th_path("ref"), p, ref);
	unsigned long cuts = 0;
	for (unsigned long k = 1;; k++) {
		char name[32];
		snprintf(name, sizeof name, "cut-%lu", k);
		const char *img = th_path(name);
		dm_card_config cfg = { .image_path = img, .profile = p, .cut_after_writes = k };
		dm_card *card = NULL;
		int rc = dm_card_open(&cfg, &card);
		dm_card_close(&card);
		if (rc == DM_OK)
			break;
		ck_assert_int_eq(rc, DM_E_IO);
		cuts++;
		snapshot(img, p, got);
		snap_eq(ref, got);
		snap_free(got);
		unlink(img);
		ck_assert_uint_lt(k, 100000);
	}
	ck_assert_uint_gt(cuts, 3);
	dm_profile_free(&p);
	snap_free(ref);
	free(ref);
	free(got);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("profile");
	TCase *t = tcase_create("load");
	tcase_add_test(t, default_profile_loads);
	tcase_add_test(t, profile_file_loads);
	tcase_add_loop_test(t, bad_field_refused_with_path_and_reason, 0,
			    (int)DM_ARRAY_LEN(bad_cases));
	tcase_add_test(t, malformed_json_refused);
	suite_add_tcase(s, t);
	t = tcase_create("image");
	tcase_add_checked_fixture(t, th_tmpdir_setup, th_tmpdir_teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, default_image_equals_dmsc_card_image);
	tcase_add_test(t, USE_1_2_3_confirmation_flags_from_profile);
	tcase_add_test(t, profile_too_big_for_capacity);
	tcase_add_test(t, creation_from_profile_survives_power_cut);
	suite_add_tcase(s, t);
	return s;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s SOURCE/profiles/default.json\n", argv[0]);
		return 2;
	}
	default_json_path = argv[1];
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
