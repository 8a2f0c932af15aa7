/*
 * profile_load.c - JSON card profiles (docs/profile.md) to dm_profile,
 * with json-c.  Every value is checked here, before anything reaches the
 * installer; the first bad field ends the parse with "path: reason".
 */
#include "profile_load.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"
#include "hex.h"
#include "pkcs15.h"
#include "store.h"

#define FORMAT_NAME "dmsc-profile-1"
#define MAX_FILES 256u
#define MAX_APPS 8u
#define MAX_MOS 64u
#define MAX_TNDS (1024u * 1024u * 16u)

/* The loaded profile and every block it points to.  Each block is wiped
 * before it is freed: some hold PIN values. */
typedef struct owned {
	dm_profile p;
	void **blk;
	size_t *blk_len;
	size_t nblk, cap;
} owned;

typedef struct parser {
	owned *o;
	const dm_profile_src *src;
	char *err;
	size_t errlen;
	char where[128];
} parser;

static void *take(parser *ps, size_t n)
{
	owned *o = ps->o;
	if (o->nblk == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 16;
		void **b = realloc(o->blk, cap * sizeof *b);
		if (b == NULL)
			return NULL;
		o->blk = b;
		size_t *l = realloc(o->blk_len, cap * sizeof *l);
		if (l == NULL)
			return NULL;
		o->blk_len = l;
		o->cap = cap;
	}
	void *m = calloc(1, n ? n : 1);
	if (m == NULL)
		return NULL;
	o->blk[o->nblk] = m;
	o->blk_len[o->nblk++] = n;
	return m;
}

/* Record the first error as "<where>.<field>: <reason>". */
static int fail(parser *ps, const char *field, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (ps->err != NULL && ps->errlen != 0)
		snprintf(ps->err, ps->errlen, "%s%s%s: %s", ps->where,
			 ps->where[0] && field[0] ? "." : "", field, why);
	return DM_E_VALUE;
}

static void at(parser *ps, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ps->where, sizeof ps->where, fmt, ap);
	va_end(ap);
}

/* --- typed field getters: absent fields keep the default --- */

static int get_obj(parser *ps, json_object *o, const char *k, json_type t, bool req,
		   json_object **out)
{
	*out = NULL;
	if (!json_object_object_get_ex(o, k, out) || *out == NULL) {
		*out = NULL;
		return req ? fail(ps, k, "missing") : DM_OK;
	}
	if (!json_object_is_type(*out, t)) {
		static const char *names[] = { "null", "a boolean", "a number", "a number",
					       "an object", "an array", "a string" };
		return fail(ps, k, "must be %s", (unsigned)t < 7 ? names[t] : "?");
	}
	return DM_OK;
}

static int get_uint(parser *ps, json_object *o, const char *k, bool req, uint64_t min,
		    uint64_t max, uint64_t *out)
{
	json_object *v;
	int rc = get_obj(ps, o, k, json_type_int, req, &v);
	if (rc != DM_OK || v == NULL)
		return rc;
	errno = 0;
	int64_t n = json_object_get_int64(v);
	if (errno != 0 || n < 0 || (uint64_t)n < min || (uint64_t)n > max)
		return fail(ps, k, "must be an integer %llu..%llu", (unsigned long long)min,
			    (unsigned long long)max);
	*out = (uint64_t)n;
	return DM_OK;
}

static int get_bool(parser *ps, json_object *o, const char *k, bool *out)
{
	json_object *v;
	int rc = get_obj(ps, o, k, json_type_boolean, false, &v);
	if (rc == DM_OK && v != NULL)
		*out = json_object_get_boolean(v);
	return rc;
}

static int get_str(parser *ps, json_object *o, const char *k, bool req, const char **out)
{
	json_object *v;
	*out = NULL;
	int rc = get_obj(ps, o, k, json_type_string, req, &v);
	if (rc == DM_OK && v != NULL)
		*out = json_object_get_string(v);
	return rc;
}

/* A string copied into the profile (1..max printable characters). */
static int get_text(parser *ps, json_object *o, const char *k, bool req, size_t max,
		    const char **out)
{
	const char *s;
	int rc = get_str(ps, o, k, req, &s);
	if (rc != DM_OK || s == NULL)
		return rc;
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return fail(ps, k, "must be 1-%zu characters", max);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
			return fail(ps, k, "control character at %zu", i);
	char *c = take(ps, n + 1);
	if (c == NULL)
		return DM_E_NOMEM;
	memcpy(c, s, n);
	*out = c;
	return DM_OK;
}

/* Hex text (spaces allowed between bytes) into a new block of min..max bytes. */
static int hex_of(parser *ps, const char *k, const char *s, size_t min, size_t max,
		  uint8_t **out, size_t *len)
{
	size_t n = 0, digits = 0;
	for (const char *c = s; *c; c++) {
		if (*c == ' ')
			continue;
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') || (*c >= 'A' && *c <= 'F')))
			return fail(ps, k, "not hex ('%c' at %zu)", *c, (size_t)(c - s));
		digits++;
	}
	if (digits % 2 != 0)
		return fail(ps, k, "odd number of hex digits");
	n = digits / 2;
	if (n < min || n > max)
		return min == max ? fail(ps, k, "must be %zu bytes", min)
				  : fail(ps, k, "must be %zu-%zu bytes", min, max);
	uint8_t *b = take(ps, n);
	if (b == NULL)
		return DM_E_NOMEM;
	size_t j = 0;
	for (const char *c = s; *c; c++) {
		if (*c == ' ')
			continue;
		unsigned v = (unsigned)(*c <= '9' ? *c - '0' : (*c | 0x20) - 'a' + 10);
		b[j / 2] = (uint8_t)(b[j / 2] << 4 | v);
		j++;
	}
	*out = b;
	*len = n;
	return DM_OK;
}

static int get_hex(parser *ps, json_object *o, const char *k, bool req, size_t min, size_t max,
		   uint8_t **out, size_t *len)
{
	const char *s;
	*out = NULL;
	*len = 0;
	int rc = get_str(ps, o, k, req, &s);
	if (rc != DM_OK || s == NULL)
		return rc;
	return hex_of(ps, k, s, min, max, out, len);
}

/* A one-byte hex value "0A" (key references, SFIs written as hex). */
static int get_hex_u8(parser *ps, json_object *o, const char *k, bool req, uint8_t *out)
{
	uint8_t *b;
	size_t n;
	int rc = get_hex(ps, o, k, req, 1, 1, &b, &n);
	if (rc == DM_OK && b != NULL)
		*out = b[0];
	return rc;
}

/* "3F00/7F50/5031": FIDs, the first one 3F00. */
static int parse_path(parser *ps, const char *k, const char *s, uint16_t *fids, uint8_t *n,
		      size_t max)
{
	size_t cnt = 0;
	const char *c = s;
	while (*c) {
		unsigned v = 0;
		for (int i = 0; i < 4; i++, c++) {
			char d = *c;
			if (!((d >= '0' && d <= '9') || (d >= 'a' && d <= 'f') || (d >= 'A' && d <= 'F')))
				return fail(ps, k, "must be FIDs of 4 hex digits joined by '/' from 3F00");
			v = v << 4 | (unsigned)(d <= '9' ? d - '0' : (d | 0x20) - 'a' + 10);
		}
		if (cnt == 0 && v != DM_FID_MF)
			return fail(ps, k, "must start at the MF (3F00)");
		if (cnt != 0 && (v == DM_FID_MF || v == DM_FID_CURRENT_ADF || v == DM_FID_RFU))
			return fail(ps, k, "FID %04X is reserved (TS 102 221 §8.3)", v);
		if (cnt > max)
			return fail(ps, k, "deeper than %zu levels", max);
		if (cnt != 0)
			fids[cnt - 1] = (uint16_t)v;
		cnt++;
		if (*c == '/')
			c++;
		else if (*c != '\0')
			return fail(ps, k, "must be FIDs of 4 hex digits joined by '/' from 3F00");
	}
	if (cnt == 0)
		return fail(ps, k, "empty");
	*n = (uint8_t)(cnt - 1);
	return DM_OK;
}

/* An optional (or required) array of at most max objects, and a zeroed
 * block of n elements of size `elem` for them. */
static int get_array(parser *ps, json_object *o, const char *k, bool req, size_t max,
		     size_t elem, json_object **a, size_t *n, void **out)
{
	int rc = get_obj(ps, o, k, json_type_array, req, a);
	*n = 0;
	*out = NULL;
	if (rc != DM_OK || *a == NULL)
		return rc;
	*n = json_object_array_length(*a);
	if (*n > max || (req && *n == 0))
		return fail(ps, k, "must list %s%zu entries", req ? "1-" : "at most ", max);
	*out = take(ps, *n * elem);
	return *out != NULL ? DM_OK : DM_E_NOMEM;
}

/* --- files --- */

static int find_file(const owned *o, const uint16_t *path, size_t n)
{
	const dm_profile_file *f = dm_profile_file_at(&o->p, path, n);
	return f != NULL ? (int)(f - o->p.files) : -1;
}

const dm_profile_file *dm_profile_file_at(const dm_profile *p, const uint16_t *path,
					  size_t path_len)
{
	if (p == NULL || path_len > DM_PROFILE_MAX_PATH + 1)
		return NULL;
	for (size_t i = 0; i < p->nfiles; i++) {
		const dm_profile_file *f = &p->files[i];
		if (path_len == 0 ? f->fid == DM_FID_MF
				  : f->parent_len == path_len - 1 && f->fid == path[path_len - 1] &&
					    memcmp(f->parent, path, 2 * (path_len - 1)) == 0)
			return f;
	}
	return NULL;
}

static int file_content(parser *ps, json_object *jf, dm_profile_file *f, bool rec)
{
	json_object *v;
	const char *gen;
	int rc = get_str(ps, jf, "generate", false, &gen);
	if (rc != DM_OK)
		return rc;
	if (!json_object_object_get_ex(jf, "content", &v))
		v = NULL;
	if (gen != NULL) {
		if (v != NULL)
			return fail(ps, "generate", "not with \"content\"");
		if (strcmp(gen, "ef_dir") == 0 && rec)
			f->content_kind = DM_PROFILE_CONTENT_EF_DIR;
		else if (strcmp(gen, "iccid") == 0 && !rec && f->size >= 10) {
			f->content_kind = DM_PROFILE_CONTENT_BYTES;
			f->content = dm_bytes_of(ps->o->p.iccid, sizeof ps->o->p.iccid);
		} else
			return fail(ps, "generate", "must be \"ef_dir\" (record EF) or \"iccid\" "
				    "(transparent EF of 10+ bytes)");
		return DM_OK;
	}
	if (v == NULL)
		return DM_OK;
	size_t cap = rec ? (size_t)f->rec_len * f->rec_count : f->size;
	uint8_t *buf = NULL;
	size_t len = 0;
	if (json_object_is_type(v, json_type_string)) {
		rc = hex_of(ps, "content", json_object_get_string(v), 1, cap, &buf, &len);
		if (rc != DM_OK)
			return rc;
	} else if (json_object_is_type(v, json_type_array) && rec) {
		size_t n = json_object_array_length(v);
		if (n == 0 || n > f->rec_count)
			return fail(ps, "content", "must list 1-%u records", f->rec_count);
		buf = take(ps, n * f->rec_len);
		if (buf == NULL)
			return DM_E_NOMEM;
		for (size_t i = 0; i < n; i++) {
			json_object *r = json_object_array_get_idx(v, i);
			uint8_t *b;
			size_t bl;
			char k[32];
			snprintf(k, sizeof k, "content[%zu]", i);
			if (!json_object_is_type(r, json_type_string))
				return fail(ps, k, "must be a string");
			rc = hex_of(ps, k, json_object_get_string(r), f->rec_len, f->rec_len, &b, &bl);
			if (rc != DM_OK)
				return rc;
			memcpy(buf + i * f->rec_len, b, bl);
		}
		len = n * f->rec_len;
	} else {
		return fail(ps, "content", rec ? "must be hex or an array of hex records" : "must be hex");
	}
	if (rec && len % f->rec_len != 0)
		return fail(ps, "content", "must be whole records of %u bytes", f->rec_len);
	f->content_kind = DM_PROFILE_CONTENT_BYTES;
	f->content = dm_bytes_of(buf, len);
	return DM_OK;
}

static int parse_file(parser *ps, json_object *jf, dm_profile_file *f)
{
	const char *s;
	uint16_t path[DM_PROFILE_MAX_PATH + 1];
	uint8_t n;
	uint64_t u;
	int rc;

	if (!json_object_is_type(jf, json_type_object))
		return fail(ps, "", "must be an object");
	if ((rc = get_text(ps, jf, "name", true, 32, &f->name)) != DM_OK)
		return rc;
	if ((rc = get_str(ps, jf, "path", true, &s)) != DM_OK ||
	    (rc = parse_path(ps, "path", s, path, &n, DM_PROFILE_MAX_PATH + 1)) != DM_OK)
		return rc;
	if (ps->o->p.nfiles == 0 && n != 0)
		return fail(ps, "path", "the first file must be the MF (3F00)");
	if (find_file(ps->o, path, n) >= 0)
		return fail(ps, "path", "another file has this path");
	if (n == 0) {
		f->fid = DM_FID_MF;
	} else {
		f->fid = path[n - 1];
		f->parent_len = (uint8_t)(n - 1);
		memcpy(f->parent, path, 2u * (n - 1));
		int pi = find_file(ps->o, path, n - 1);
		if (pi < 0 || dm_fcp_structure_of(ps->o->p.files[pi].fdb) != DM_FCP_STRUCT_DF)
			return fail(ps, "path", "parent DF must be listed before it");
	}

	const char *type;
	if ((rc = get_str(ps, jf, "type", true, &type)) != DM_OK)
		return rc;
	bool df = false, rec = false;
	/* File descriptor bytes, all shareable (TS 102 221 table 11.5). */
	if (strcmp(type, "df") == 0 || strcmp(type, "adf") == 0) {
		f->fdb = 0x78;
		df = true;
	} else if (strcmp(type, "transparent") == 0) {
		f->fdb = 0x41;
	} else if (strcmp(type, "linear") == 0) {
		f->fdb = 0x42;
		rec = true;
	} else if (strcmp(type, "cyclic") == 0) {
		f->fdb = 0x46;
		rec = true;
	} else {
		return fail(ps, "type", "must be df, adf, transparent, linear or cyclic");
	}
	if (n == 0 && strcmp(type, "df") != 0)
		return fail(ps, "type", "the MF is a \"df\"");
	if (strcmp(type, "adf") == 0) {
		uint8_t *aid;
		size_t al;
		if (n != 1)
			return fail(ps, "path", "an ADF lies directly under the MF");
		if ((rc = get_hex(ps, jf, "aid", true, DM_AID_MIN, DM_AID_MAX, &aid, &al)) != DM_OK)
			return rc;
		f->aid = dm_bytes_of(aid, al);
	} else if (json_object_object_get_ex(jf, "aid", NULL)) {
		return fail(ps, "aid", "only for an \"adf\"");
	}
	if (df && n != 0 && (f->fid & 0xFF00u) != 0x7F00u && (f->fid & 0xFF00u) != 0x5F00u)
		return fail(ps, "path", "a DF's FID starts 7F or 5F (TS 102 221 §8.2)");
	if (!df && n != 0 && ((f->fid >> 8) == 0x7Fu || (f->fid >> 8) == 0x5Fu))
		return fail(ps, "path", "an EF's FID must not start 7F or 5F");

	u = 1;
	if ((rc = get_uint(ps, jf, "arr", true, 1, 254, &u)) != DM_OK)
		return rc;
	f->arr_record = (uint8_t)u;

	if (df) {
		json_object *pins;
		if ((rc = get_obj(ps, jf, "pins", json_type_array, false, &pins)) != DM_OK)
			return rc;
		size_t np = pins ? json_object_array_length(pins) : 0;
		if (np > DM_ARRAY_LEN(f->pins))
			return fail(ps, "pins", "at most %zu key references", DM_ARRAY_LEN(f->pins));
		for (size_t i = 0; i < np; i++) {
			json_object *e = json_object_array_get_idx(pins, i);
			uint8_t *b;
			size_t bl;
			char k[24];
			snprintf(k, sizeof k, "pins[%zu]", i);
			if (!json_object_is_type(e, json_type_string))
				return fail(ps, k, "must be a hex key reference");
			if ((rc = hex_of(ps, k, json_object_get_string(e), 1, 1, &b, &bl)) != DM_OK)
				return rc;
			if (!dm_keyref_valid(b[0]))
				return fail(ps, k, "invalid key reference %02X (TS 102 221 table 9.3)",
					    b[0]);
			f->pins[i] = b[0];
		}
		f->pin_count = (uint8_t)np;
		static const char *ef_only[] = { "size", "record_length", "records", "sfi",
						 "content", "generate" };
		for (size_t i = 0; i < DM_ARRAY_LEN(ef_only); i++)
			if (json_object_object_get_ex(jf, ef_only[i], NULL))
				return fail(ps, ef_only[i], "not for a DF");
		return DM_OK;
	}

	if (json_object_object_get_ex(jf, "pins", NULL))
		return fail(ps, "pins", "only for a DF");
	if (rec) {
		if ((rc = get_uint(ps, jf, "record_length", true, 1, DM_FS_MAX_RECORD_LEN, &u)) != DM_OK)
			return rc;
		f->rec_len = (uint8_t)u;
		if ((rc = get_uint(ps, jf, "records", true, 1, DM_FS_MAX_RECORDS, &u)) != DM_OK)
			return rc;
		f->rec_count = (uint8_t)u;
		if (json_object_object_get_ex(jf, "size", NULL))
			return fail(ps, "size", "not for a record EF (record_length x records)");
	} else {
		if ((rc = get_uint(ps, jf, "size", true, 1, DM_FS_MAX_EF_SIZE, &u)) != DM_OK)
			return rc;
		f->size = (uint32_t)u;
		if (json_object_object_get_ex(jf, "record_length", NULL) ||
		    json_object_object_get_ex(jf, "records", NULL))
			return fail(ps, "records", "only for linear or cyclic EFs");
	}
	/* SFI (TS 102 221 §8.4.1): absent = none, 1..30 = that one. */
	f->sfi_mode = DM_FCP_SFI_NONE;
	if (json_object_object_get_ex(jf, "sfi", NULL)) {
		if ((rc = get_uint(ps, jf, "sfi", true, 1, 30, &u)) != DM_OK)
			return rc;
		f->sfi_mode = DM_FCP_SFI_VALUE;
		f->sfi = (uint8_t)u;
	}
	return file_content(ps, jf, f, rec);
}

static int parse_files(parser *ps, json_object *root)
{
	json_object *a;
	void *blk;
	size_t n;
	int rc = get_array(ps, root, "files", true, MAX_FILES, sizeof(dm_profile_file), &a,
			   &n, &blk);
	if (rc != DM_OK)
		return rc;
	dm_profile_file *files = blk;
	ps->o->p.files = files;
	for (size_t i = 0; i < n; i++) {
		at(ps, "files[%zu]", i);
		rc = parse_file(ps, json_object_array_get_idx(a, i), &files[i]);
		if (rc != DM_OK)
			return rc;
		ps->o->p.nfiles = i + 1;
	}
	at(ps, "%s", "");
	/* SFIs are unique within a DF (TS 102 221 §8.4.1). */
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (files[i].sfi_mode == DM_FCP_SFI_VALUE &&
			    files[j].sfi_mode == DM_FCP_SFI_VALUE && files[i].sfi == files[j].sfi &&
			    files[i].parent_len == files[j].parent_len &&
			    memcmp(files[i].parent, files[j].parent, 2u * files[i].parent_len) == 0) {
				at(ps, "files[%zu]", j);
				return fail(ps, "sfi", "%u is used by %s in the same DF", files[j].sfi,
					    files[i].name);
			}
	return DM_OK;
}

/* --- EF_DIR applications --- */

static int parse_apps(parser *ps, json_object *root)
{
	json_object *a;
	void *blk;
	size_t n;
	int rc = get_array(ps, root, "applications", false, MAX_APPS, sizeof(dm_profile_app), &a,
			   &n, &blk);
	if (rc != DM_OK || a == NULL)
		return rc;
	dm_profile_app *apps = blk;
	ps->o->p.apps = apps;
	for (size_t i = 0; i < n; i++) {
		json_object *j = json_object_array_get_idx(a, i);
		uint8_t *aid;
		size_t al;
		const char *s;
		uint16_t path[DM_PROFILE_MAX_PATH + 1];
		uint8_t pn;
		at(ps, "applications[%zu]", i);
		if (!json_object_is_type(j, json_type_object))
			return fail(ps, "", "must be an object");
		if ((rc = get_hex(ps, j, "aid", true, DM_AID_MIN, DM_AID_MAX, &aid, &al)) != DM_OK ||
		    (rc = get_text(ps, j, "label", true, 32, &apps[i].label)) != DM_OK ||
		    (rc = get_str(ps, j, "path", true, &s)) != DM_OK ||
		    (rc = parse_path(ps, "path", s, path, &pn, DM_PROFILE_MAX_PATH + 1)) != DM_OK)
			return rc;
		int fi = find_file(ps->o, path, pn);
		if (fi < 0 || ps->o->p.files[fi].aid.len != al ||
		    memcmp(ps->o->p.files[fi].aid.ptr, aid, al) != 0)
			return fail(ps, "path", "must name the ADF of this AID in files");
		uint8_t *pb = take(ps, 2u * (pn + 1u));
		if (pb == NULL)
			return DM_E_NOMEM;
		dm_put_u16be(pb, DM_FID_MF);
		for (unsigned k = 0; k < pn; k++)
			dm_put_u16be(pb + 2 + 2 * k, path[k]);
		apps[i].aid = dm_bytes_of(aid, al);
		apps[i].path = dm_bytes_of(pb, 2u * (pn + 1u));
		ps->o->p.napps = i + 1;
	}
	at(ps, "%s", "");
	return DM_OK;
}

/* --- PINs --- */

static int pin_value(parser *ps, json_object *j, const char *k, bool req, dm_bytes *out)
{
	const char *s;
	int rc = get_str(ps, j, k, req, &s);
	if (rc != DM_OK || s == NULL)
		return rc;
	size_t n = strlen(s);
	/* PIN values are ASCII digits on the UICC (TS 102 221 §9.5.1: 4-8
	 * digits for PINs; unblock keys 8). */
	if (n < 4 || n > DM_PIN_LEN || strspn(s, "0123456789") != n)
		return fail(ps, k, "must be 4-8 ASCII digits");
	char *c = take(ps, n);
	if (c == NULL)
		return DM_E_NOMEM;
	memcpy(c, s, n);
	*out = dm_bytes_of((const uint8_t *)c, n);
	return DM_OK;
}

static int parse_pins(parser *ps, json_object *root)
{
	json_object *a;
	void *blk;
	size_t n;
	int rc = get_array(ps, root, "pins", false, DM_PIN_SLOTS, sizeof(dm_profile_pin), &a,
			   &n, &blk);
	if (rc != DM_OK || a == NULL)
		return rc;
	dm_profile_pin *pins = blk;
	ps->o->p.pins = pins;
	for (size_t i = 0; i < n; i++) {
		json_object *j = json_object_array_get_idx(a, i);
		dm_pin_def *d = &pins[i].def;
		uint64_t u;
		at(ps, "pins[%zu]", i);
		if (!json_object_is_type(j, json_type_object))
			return fail(ps, "", "must be an object");
		if ((rc = get_hex_u8(ps, j, "ref", true, &d->key_ref)) != DM_OK)
			return rc;
		if (!dm_keyref_valid(d->key_ref))
			return fail(ps, "ref", "invalid key reference %02X (TS 102 221 table 9.3)",
				    d->key_ref);
		if ((rc = pin_value(ps, j, "value", true, &d->value)) != DM_OK)
			return rc;
		u = 3;
		if ((rc = get_uint(ps, j, "retry_limit", false, 1, 15, &u)) != DM_OK)
			return rc;
		d->retry_limit = (uint8_t)u;
		d->enabled = true;
		if ((rc = get_bool(ps, j, "enabled", &d->enabled)) != DM_OK ||
		    (rc = get_bool(ps, j, "may_disable", &d->may_disable)) != DM_OK ||
		    (rc = pin_value(ps, j, "puk", false, &d->puk)) != DM_OK)
			return rc;
		if (!d->enabled && !d->may_disable)
			return fail(ps, "enabled", "a disabled PIN needs may_disable");
		u = 10;
		if ((rc = get_uint(ps, j, "puk_retry_limit", false, 1, 15, &u)) != DM_OK)
			return rc;
		d->puk_limit = d->puk.len ? (uint8_t)u : 0;
		if (d->puk.len == 0 && json_object_object_get_ex(j, "puk_retry_limit", NULL))
			return fail(ps, "puk_retry_limit", "without a puk");
		uint8_t *aid;
		size_t al;
		if ((rc = get_hex(ps, j, "application", false, DM_AID_MIN, DM_AID_MAX, &aid, &al)) !=
		    DM_OK)
			return rc;
		if (dm_keyref_local(d->key_ref) != (aid != NULL))
			return fail(ps, "application", aid ? "only for local key references (8x)"
							   : "a local key reference needs its ADF's AID");
		if (aid != NULL) {
			bool found = false;
			for (size_t f = 0; f < ps->o->p.nfiles; f++)
				if (ps->o->p.files[f].aid.len == al &&
				    memcmp(ps->o->p.files[f].aid.ptr, aid, al) == 0)
					found = true;
			if (!found)
				return fail(ps, "application", "no ADF in files has this AID");
			pins[i].app_aid = dm_bytes_of(aid, al);
		}
		for (size_t k = 0; k < i; k++)
			if (pins[k].def.key_ref == d->key_ref &&
			    pins[k].app_aid.len == pins[i].app_aid.len &&
			    (pins[i].app_aid.len == 0 ||
			     memcmp(pins[k].app_aid.ptr, pins[i].app_aid.ptr, pins[i].app_aid.len) == 0))
				return fail(ps, "ref", "key reference %02X defined twice", d->key_ref);
		ps->o->p.npins = i + 1;
	}
	at(ps, "%s", "");
	return DM_OK;
}

/* --- keys --- */

static int parse_keys(parser *ps, json_object *root)
{
	json_object *k, *a, *j;
	dm_profile_keys *K = &ps->o->p.keys;
	int rc = get_obj(ps, root, "keys", json_type_object, false, &k);
	if (rc != DM_OK || k == NULL)
		return rc;
	at(ps, "keys");
	if ((rc = get_obj(ps, k, "scp03", json_type_array, false, &a)) != DM_OK)
		return rc;
	size_t n = a ? json_object_array_length(a) : 0;
	if (n > 2)
		return fail(ps, "scp03", "at most 2 key sets (roles device and ma)");
	for (size_t i = 0; i < n; i++) {
		dm_profile_scp03 *s = &K->scp03[i];
		uint64_t kvn;
		uint8_t *b[3];
		size_t bl[3];
		static const char *names[3] = { "enc", "mac", "dek" };
		j = json_object_array_get_idx(a, i);
		at(ps, "keys.scp03[%zu]", i);
		if (!json_object_is_type(j, json_type_object))
			return fail(ps, "", "must be an object");
		/* GP Card Spec 2.3 §11.1.8: KVN 01..7F for issuer keys. */
		if ((rc = get_uint(ps, j, "kvn", true, 1, 0x7F, &kvn)) != DM_OK)
			return rc;
		const char *role;
		if ((rc = get_str(ps, j, "role", true, &role)) != DM_OK)
			return rc;
		if (strcmp(role, "device") == 0)
			s->role = DM_PROFILE_SCP03_DEVICE;
		else if (strcmp(role, "ma") == 0)
			s->role = DM_PROFILE_SCP03_MA;
		else
			return fail(ps, "role", "must be \"device\" or \"ma\"");
		for (int m = 0; m < 3; m++) {
			if ((rc = get_hex(ps, j, names[m], true, 16, 32, &b[m], &bl[m])) != DM_OK)
				return rc;
			if (bl[m] != 16 && bl[m] != 24 && bl[m] != 32)
				return fail(ps, names[m], "must be 16, 24 or 32 bytes (AES)");
			if (bl[m] != bl[0])
				return fail(ps, names[m], "must have the length of enc");
		}
		for (size_t p = 0; p < i; p++) {
			if (K->scp03[p].kvn == kvn)
				return fail(ps, "kvn", "key version %u defined twice", (unsigned)kvn);
			if (K->scp03[p].role == s->role)
				return fail(ps, "role", "%s defined twice", role);
		}
		s->kvn = (uint8_t)kvn;
		s->key_len = (uint8_t)bl[0];
		memcpy(s->enc, b[0], bl[0]);
		memcpy(s->mac, b[1], bl[1]);
		memcpy(s->dek, b[2], bl[2]);
		K->nscp03 = i + 1;
	}
	at(ps, "keys");
	if ((rc = get_obj(ps, k, "management_authority", json_type_object, false, &j)) != DM_OK)
		return rc;
	if (j != NULL) {
		uint8_t *pub;
		size_t pl;
		const char *gen;
		at(ps, "keys.management_authority");
		if ((rc = get_str(ps, j, "generate", false, &gen)) != DM_OK ||
		    (rc = get_hex(ps, j, "public_key", false, DM_PROFILE_P256_PUB,
				  DM_PROFILE_P256_PUB, &pub, &pl)) != DM_OK)
			return rc;
		if ((gen != NULL) == (pub != NULL))
			return fail(ps, "", "needs exactly one of \"public_key\" and \"generate\"");
		if (pub != NULL) {
			if (pub[0] != 0x04)
				return fail(ps, "public_key", "must be an uncompressed point (04 X Y)");
			memcpy(K->ma_pub, pub, pl);
		} else {
			if (ps->src->gen_ma == NULL)
				return fail(ps, "generate", "only dmsc-perso can generate keys");
			if (gen[0] == '\0')
				return fail(ps, "generate", "must name the private key's output file");
			if ((rc = ps->src->gen_ma(ps->src->gen_ctx, gen, K->ma_pub)) != DM_OK)
				return fail(ps, "generate", "key generation failed: %s",
					    dm_strerror(rc));
		}
		K->has_ma_pub = true;
	}
	at(ps, "keys");
	if ((rc = get_obj(ps, k, "enterprise", json_type_object, false, &j)) != DM_OK)
		return rc;
	if (j != NULL) {
		uint8_t *key;
		size_t kl;
		at(ps, "keys.enterprise");
		/* An ECDSA P-256 public key: the administrator signs, the card
		 * only verifies (card/keys.h). */
		rc = get_hex(ps, j, "public_key", true, DM_PROFILE_P256_PUB, DM_PROFILE_P256_PUB,
			     &key, &kl);
		if (rc != DM_OK)
			return rc;
		if (key[0] != 0x04)
			return fail(ps, "public_key", "must be an uncompressed point (04 X Y)");
		memcpy(K->ent_pub, key, kl);
		K->has_ent_pub = true;
	}
	at(ps, "keys");
	const char *ck;
	if ((rc = get_str(ps, k, "card_key", false, &ck)) != DM_OK)
		return rc;
	if (ck != NULL && strcmp(ck, "generate") != 0 && strcmp(ck, "none") != 0)
		return fail(ps, "card_key", "must be \"generate\" or \"none\"");
	K->gen_card_key = ck != NULL && strcmp(ck, "generate") == 0;
	at(ps, "%s", "");
	return DM_OK;
}

/* --- TNDS documents: MOs and the policy --- */

static int read_named(parser *ps, const char *k, const char *rel, dm_bytes *out)
{
	uint8_t *data = NULL;
	size_t len = 0;
	if (ps->src->read == NULL)
		return fail(ps, k, "this profile cannot name files");
	if (strstr(rel, "..") != NULL || rel[0] == '/')
		return fail(ps, k, "must be a path below the profile's directory");
	int rc = ps->src->read(ps->src->read_ctx, rel, &data, &len);
	if (rc != DM_OK)
		return fail(ps, k, "cannot read %s: %s", rel, dm_strerror(rc));
	if (len == 0 || len > MAX_TNDS) {
		free(data);
		return fail(ps, k, "%s: must be 1..%u bytes", rel, MAX_TNDS);
	}
	uint8_t *c = take(ps, len);
	if (c == NULL) {
		free(data);
		return DM_E_NOMEM;
	}
	memcpy(c, data, len);
	free(data);
	*out = dm_bytes_of(c, len);
	return DM_OK;
}

/* The transparent EF at "path" takes data and has no content of its own. */
static int check_ef(parser *ps, json_object *j, dm_bytes data, uint16_t *path, uint8_t *pn,
		    const dm_profile_file **out)
{
	const char *s;
	int rc = get_str(ps, j, "path", true, &s);
	if (rc != DM_OK || (rc = parse_path(ps, "path", s, path, pn, DM_PROFILE_MAX_PATH + 1)) != DM_OK)
		return rc;
	int fi = find_file(ps->o, path, *pn);
	if (fi < 0)
		return fail(ps, "path", "no such file in files");
	dm_profile_file *f = (dm_profile_file *)&ps->o->p.files[fi];
	if (dm_fcp_structure_of(f->fdb) != DM_FCP_STRUCT_TRANSPARENT)
		return fail(ps, "path", "%s is not a transparent EF", f->name);
	if (f->content_kind != DM_PROFILE_CONTENT_NONE)
		return fail(ps, "path", "%s has content already", f->name);
	if (data.len > f->size)
		return fail(ps, "path", "%s is %u bytes, the document %zu", f->name, f->size,
			    data.len);
	for (size_t i = 0; i < ps->o->p.nmos; i++)
		if (ps->o->p.mos[i].path_len == *pn &&
		    memcmp(ps->o->p.mos[i].path, path, 2u * *pn) == 0)
			return fail(ps, "path", "%s holds another MO", f->name);
	*out = f;
	return DM_OK;
}

static int parse_mo(parser *ps, json_object *j, dm_profile_mo *m, bool need_path)
{
	const char *tn;
	int rc;
	if (!json_object_is_type(j, json_type_object))
		return fail(ps, "", "must be an object");
	if ((rc = get_text(ps, j, "name", true, 64, &m->name)) != DM_OK ||
	    (rc = get_text(ps, j, "label", true, 64, &m->label)) != DM_OK ||
	    (rc = get_text(ps, j, "oid", true, DM_P15_OID_TEXT_MAX - 1, &m->oid)) != DM_OK)
		return rc;
	dm_wbuf w = dm_wbuf_init(m->oid_der, sizeof m->oid_der);
	if (dm_p15_oid_from_text(m->oid, &w) != DM_OK)
		return fail(ps, "oid", "must be a dotted OBJECT IDENTIFIER (\"2.23.43.7.1\")");
	m->oid_der_len = (uint8_t)w.len;
	if ((rc = get_bool(ps, j, "private", &m->is_private)) != DM_OK ||
	    (rc = get_bool(ps, j, "modifiable", &m->modifiable)) != DM_OK ||
	    (rc = get_str(ps, j, "tnds", true, &tn)) != DM_OK ||
	    (rc = read_named(ps, "tnds", tn, &m->tnds)) != DM_OK)
		return rc;
	uint64_t u = 0;
	if ((rc = get_uint(ps, j, "size", false, 1, DM_FS_MAX_EF_SIZE, &u)) != DM_OK)
		return rc;
	m->size = (uint32_t)u;
	if (m->tnds.len > DM_FS_MAX_EF_SIZE)
		return fail(ps, "tnds", "%zu bytes: larger than an EF (%u)", m->tnds.len,
			    DM_FS_MAX_EF_SIZE);
	if (m->size != 0 && m->size < m->tnds.len)
		return fail(ps, "size", "smaller than the document (%zu bytes)", m->tnds.len);
	if (need_path && !json_object_object_get_ex(j, "path", NULL))
		return fail(ps, "path", "missing");
	if (json_object_object_get_ex(j, "path", NULL)) {
		const dm_profile_file *f;
		if (m->size != 0)
			return fail(ps, "size", "only for an EF the card creates (no path)");
		if ((rc = check_ef(ps, j, m->tnds, m->path, &m->path_len, &f)) != DM_OK)
			return rc;
	}
	m->p15_flags = (uint8_t)((m->is_private ? DM_P15_FLAG_PRIVATE : 0) |
				 (m->modifiable ? DM_P15_FLAG_MODIFIABLE : 0));
	return DM_OK;
}

/* "mos" and "policy" (the enterprise policy MO, which must name its EF):
 * one array, the policy last. */
static int parse_mos(parser *ps, json_object *root)
{
	json_object *a, *pol;
	int rc = get_obj(ps, root, "mos", json_type_array, false, &a);
	if (rc != DM_OK || (rc = get_obj(ps, root, "policy", json_type_object, false, &pol)) != DM_OK)
		return rc;
	size_t n = a ? json_object_array_length(a) : 0;
	if (n > MAX_MOS)
		return fail(ps, "mos", "at most %u", MAX_MOS);
	dm_profile_mo *mos = take(ps, (n + 1) * sizeof *mos);
	if (mos == NULL)
		return DM_E_NOMEM;
	ps->o->p.mos = mos;
	for (size_t i = 0; i < n; i++) {
		at(ps, "mos[%zu]", i);
		if ((rc = parse_mo(ps, json_object_array_get_idx(a, i), &mos[i], false)) != DM_OK)
			return rc;
		ps->o->p.nmos = i + 1;
	}
	if (pol != NULL) {
		at(ps, "policy");
		if ((rc = parse_mo(ps, pol, &mos[n], true)) != DM_OK)
			return rc;
		ps->o->p.policy = mos[n].tnds;
		ps->o->p.nmos = n + 1;
	}
	at(ps, "%s", "");
	return DM_OK;
}

/* --- top level --- */

/* ICCID (TS 102 221 §13.2, ITU-T E.118): 19 or 20 digits, BCD with the
 * nibbles of each byte swapped, F padded. */
static int parse_iccid(parser *ps, json_object *root)
{
	const char *s;
	int rc = get_str(ps, root, "iccid", true, &s);
	if (rc != DM_OK)
		return rc;
	size_t n = strlen(s);
	if ((n != 19 && n != 20) || strspn(s, "0123456789") != n)
		return fail(ps, "iccid", "must be 19 or 20 digits");
	memset(ps->o->p.iccid, 0xFF, sizeof ps->o->p.iccid);
	for (size_t i = 0; i < n; i++) {
		uint8_t d = (uint8_t)(s[i] - '0');
		uint8_t *b = &ps->o->p.iccid[i / 2];
		*b = i % 2 ? (uint8_t)((*b & 0x0F) | d << 4) : (uint8_t)(0xF0 | d);
	}
	return DM_OK;
}

static int parse_root(parser *ps, json_object *root)
{
	dm_profile *p = &ps->o->p;
	const char *s;
	uint64_t u;
	int rc;

	if (!json_object_is_type(root, json_type_object))
		return fail(ps, "(top)", "must be an object");
	if ((rc = get_str(ps, root, "format", true, &s)) != DM_OK)
		return rc;
	if (strcmp(s, FORMAT_NAME) != 0)
		return fail(ps, "format", "must be \"" FORMAT_NAME "\"");
	if ((rc = get_text(ps, root, "name", true, 64, &p->name)) != DM_OK)
		return rc;
	u = DM_STORE_DEFAULT_CAPACITY;
	if ((rc = get_uint(ps, root, "capacity", false, 16u * 1024u, DM_STORE_MAX_CAPACITY, &u)) !=
	    DM_OK)
		return rc;
	p->capacity = (uint32_t)u;

	json_object *atr;
	if ((rc = get_obj(ps, root, "atr", json_type_object, false, &atr)) != DM_OK)
		return rc;
	p->protocol = DM_CARD_T1;
	if (atr != NULL) {
		at(ps, "atr");
		if ((rc = get_str(ps, atr, "protocol", true, &s)) != DM_OK)
			return rc;
		if (strcmp(s, "t0") == 0)
			p->protocol = DM_CARD_T0;
		else if (strcmp(s, "t1") != 0)
			return fail(ps, "protocol", "must be \"t1\" or \"t0\"");
		at(ps, "%s", "");
	}
	if ((rc = parse_iccid(ps, root)) != DM_OK)
		return rc;
	if ((rc = get_str(ps, root, "user_confirmation", false, &s)) != DM_OK)
		return rc;
	if (s == NULL || strcmp(s, "unset") == 0)
		p->confirm = DM_PROFILE_CONFIRM_UNSET;
	else if (strcmp(s, "ask") == 0)
		p->confirm = DM_PROFILE_CONFIRM_ASK;
	else if (strcmp(s, "never-ask") == 0)
		p->confirm = DM_PROFILE_CONFIRM_NEVER;
	else
		return fail(ps, "user_confirmation", "must be \"ask\", \"never-ask\" or \"unset\"");
	/* POLL INTERVAL (TS 102 223 §6.4.6), seconds as the toolkit asks for
	 * them (card/toolkit.h); 0: the card never asks. */
	u = 30;
	if ((rc = get_uint(ps, root, "poll_interval", false, 0, 255, &u)) != DM_OK)
		return rc;
	p->poll_interval = (uint8_t)u;

	if ((rc = parse_files(ps, root)) != DM_OK || (rc = parse_apps(ps, root)) != DM_OK ||
	    (rc = parse_pins(ps, root)) != DM_OK || (rc = parse_keys(ps, root)) != DM_OK ||
	    (rc = parse_mos(ps, root)) != DM_OK)
		return rc;
	/* EF_DIR gets one record per application. */
	for (size_t i = 0; i < p->nfiles; i++)
		if (p->files[i].content_kind == DM_PROFILE_CONTENT_EF_DIR &&
		    p->napps > p->files[i].rec_count) {
			at(ps, "files[%zu]", i);
			return fail(ps, "records", "fewer than the %zu applications", p->napps);
		}
	/* Unknown top-level keys are refused: a typo must not pass silently. */
	static const char *known[] = { "format", "name", "capacity", "atr", "iccid",
				       "user_confirmation", "poll_interval", "applications",
				       "files", "pins", "keys", "mos", "policy", "comment" };
	json_object_object_foreach(root, key, val) {
		(void)val;
		bool ok = false;
		for (size_t i = 0; i < DM_ARRAY_LEN(known); i++)
			ok = ok || strcmp(key, known[i]) == 0;
		if (!ok)
			return fail(ps, key, "unknown field");
	}
	return DM_OK;
}

/* json-c keeps its own copies of the strings, PIN values and keys among
 * them: wipe them before the tree is freed. */
static void wipe_tree(json_object *j)
{
	if (json_object_is_type(j, json_type_string)) {
		char *s = (char *)(uintptr_t)json_object_get_string(j);
		dm_wipe(s, (size_t)json_object_get_string_len(j));
	} else if (json_object_is_type(j, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(j); i++)
			wipe_tree(json_object_array_get_idx(j, i));
	} else if (json_object_is_type(j, json_type_object)) {
		json_object_object_foreach(j, key, val) {
			(void)key;
			wipe_tree(val);
		}
	}
}

void dm_profile_free(dm_profile **pp)
{
	if (pp == NULL || *pp == NULL)
		return;
	owned *o = (owned *)*pp;
	for (size_t i = 0; i < o->nblk; i++) {
		dm_wipe(o->blk[i], o->blk_len[i]);
		free(o->blk[i]);
	}
	free(o->blk);
	free(o->blk_len);
	dm_wipe(o, sizeof *o);
	free(o);
	*pp = NULL;
}

int dm_profile_parse(const dm_profile_src *src, dm_profile **out, char *err, size_t errlen)
{
	if (out == NULL || src == NULL || src->json == NULL)
		return DM_E_ARG;
	*out = NULL;
	if (err != NULL && errlen != 0)
		err[0] = '\0';
	owned *o = calloc(1, sizeof *o);
	if (o == NULL)
		return DM_E_NOMEM;
	parser ps = { .o = o, .src = src, .err = err, .errlen = errlen };

	json_tokener *tok = json_tokener_new();
	if (tok == NULL) {
		free(o);
		return DM_E_NOMEM;
	}
	int rc;
	if (src->json_len > INT32_MAX) {
		rc = fail(&ps, "(file)", "too large");
		json_tokener_free(tok);
		goto out;
	}
	json_object *root = json_tokener_parse_ex(tok, src->json, (int)src->json_len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	if (root == NULL || jerr != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != src->json_len) {
		rc = fail(&ps, "(json)", "%s at byte %zu",
			  root == NULL || jerr != json_tokener_success ? json_tokener_error_desc(jerr)
								       : "trailing data",
			  json_tokener_get_parse_end(tok));
		json_object_put(root);
		json_tokener_free(tok);
		goto out;
	}
	json_tokener_free(tok);
	rc = parse_root(&ps, root);
	wipe_tree(root);
	json_object_put(root);
out:
	if (rc != DM_OK) {
		dm_profile *p = &o->p;
		dm_profile_free(&p);
		return rc;
	}
	*out = &o->p;
	return DM_OK;
}

/* --- sources: a file and its directory, or the embedded default --- */

static int read_whole(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return errno == ENOENT ? DM_E_NOT_FOUND : DM_E_IO;
	size_t cap = 4096, n = 0;
	uint8_t *b = malloc(cap);
	int rc = b ? DM_OK : DM_E_NOMEM;
	while (rc == DM_OK) {
		if (n == cap) {
			if (cap > MAX_TNDS) {
				rc = DM_E_VALUE;
				break;
			}
			uint8_t *nb = malloc(2 * cap);
			if (nb == NULL) {
				rc = DM_E_NOMEM;
				break;
			}
			memcpy(nb, b, n);
			dm_wipe(b, n);
			free(b);
			b = nb;
			cap *= 2;
		}
		size_t r = fread(b + n, 1, cap - n, f);
		n += r;
		if (r == 0) {
			if (ferror(f))
				rc = DM_E_IO;
			break;
		}
	}
	fclose(f);
	if (rc != DM_OK) {
		if (b != NULL)
			dm_wipe(b, n);
		free(b);
		return rc;
	}
	*data = b;
	*len = n;
	return DM_OK;
}

int dm_profile_read_dir(void *ctx, const char *rel, uint8_t **data, size_t *len)
{
	const char *dir = ctx;
	char path[4096];
	int n = snprintf(path, sizeof path, "%s/%s", dir, rel);
	if (n < 0 || (size_t)n >= sizeof path)
		return DM_E_VALUE;
	return read_whole(path, data, len);
}

int dm_profile_load_file(const char *path, dm_profile **out, char *err, size_t errlen)
{
	uint8_t *text;
	size_t len;
	if (path == NULL || out == NULL)
		return DM_E_ARG;
	*out = NULL;
	int rc = read_whole(path, &text, &len);
	if (rc != DM_OK) {
		if (err != NULL && errlen != 0)
			snprintf(err, errlen, "%s: %s", path,
				 rc == DM_E_NOT_FOUND ? "no such file" : dm_strerror(rc));
		return rc;
	}
	char dir[4096];
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path == 0 ? 1 : slash - path), path);
	dm_profile_src src = { .json = (const char *)text, .json_len = len, .read = dm_profile_read_dir,
			       .read_ctx = dir };
	rc = dm_profile_parse(&src, out, err, errlen);
	dm_wipe(text, len);
	free(text);
	return rc;
}

static int read_embedded(void *ctx, const char *rel, uint8_t **data, size_t *len)
{
	(void)ctx;
	for (size_t i = 0; i < dm_profile_embedded_len; i++) {
		if (strcmp(dm_profile_embedded[i].name, rel) != 0)
			continue;
		*data = malloc(dm_profile_embedded[i].len ? dm_profile_embedded[i].len : 1);
		if (*data == NULL)
			return DM_E_NOMEM;
		memcpy(*data, dm_profile_embedded[i].data, dm_profile_embedded[i].len);
		*len = dm_profile_embedded[i].len;
		return DM_OK;
	}
	return DM_E_NOT_FOUND;
}

int dm_profile_load_default(dm_profile **out, char *err, size_t errlen)
{
	uint8_t *text;
	size_t len;
	if (out == NULL)
		return DM_E_ARG;
	*out = NULL;
	int rc = read_embedded(NULL, "default.json", &text, &len);
	if (rc != DM_OK)
		return rc;
	dm_profile_src src = { .json = (const char *)text, .json_len = len, .read = read_embedded };
	rc = dm_profile_parse(&src, out, err, errlen);
	dm_wipe(text, len);
	free(text);
	return rc;
}
