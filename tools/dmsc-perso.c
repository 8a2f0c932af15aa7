/*
 * dmsc-perso.c - personalization of dmsc card images (docs/profile.md).
 *
 *   dmsc-perso build PROFILE -o IMAGE [--force]
 *   dmsc-perso show IMAGE [--json]
 *
 * build creates the image through the card's own installer: dm_card_open
 * with the loaded profile in dm_card_config (card/profile.h), exactly as
 * dmsc-card does for the embedded default profile.  The image is built
 * under a temporary name and renamed at the end, so a failed build leaves
 * nothing behind.  show opens the image and reports files, free space, PIN
 * states, key objects and MOs (from EF_DODF), never a secret value.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tomcrypt.h>
#include <unistd.h>

#include "card.h"
#include "hex.h"
#include "inspect.h"
#include "keys.h"
#include "pin.h"
#include "pkcs15.h"
#include "profile_load.h"

#define PROG "dmsc-perso"

static void usage(FILE *f)
{
	fputs("usage: " PROG " build PROFILE -o IMAGE [--force]\n"
	      "       " PROG " show IMAGE [--json]\n"
	      "Personalization of dmsc card images (docs/profile.md).\n"
	      "  build   create IMAGE from the JSON profile PROFILE with the card's own\n"
	      "          installer (files, PINs, keys, MOs, policy; card key generated)\n"
	      "    -o, --output IMAGE  the image to create\n"
	      "    -f, --force         replace IMAGE (and key files \"generate\" names)\n"
	      "  show    print the files of IMAGE (tree, sizes, FCP summary), free space,\n"
	      "          PIN states, key objects and MOs; never a secret\n"
	      "    --json              the same as one JSON document\n"
	      "  -h, --help            this text\n"
	      "Exit status: 0 done, 1 failed (message on stderr), 2 usage error.\n", f);
}

/* --- build --- */

typedef struct gen_ctx {
	bool force;
	int made;
} gen_ctx;

/* "management_authority": {"generate": FILE}: a fresh P-256 key pair; the
 * private scalar and the public point go to FILE as hex text (TEST ONLY:
 * docs/profile.md), the public point into the profile. */
static int gen_ma(void *vctx, const char *file, uint8_t pub[DM_PROFILE_P256_PUB])
{
	gen_ctx *g = vctx;
	ecc_key key;
	uint8_t d[32];
	unsigned long n = DM_PROFILE_P256_PUB;
	char dh[DM_HEX_SIZE(32)], qh[DM_HEX_SIZE(DM_PROFILE_P256_PUB)];
	int rc = dm_keys_crypto_init();

	if (rc != DM_OK)
		return rc;
	if (!g->force && access(file, F_OK) == 0) {
		fprintf(stderr, PROG ": %s exists (use --force to replace it)\n", file);
		return DM_E_STATE;
	}
	if (ecc_make_key(NULL, find_prng("sprng"), 32, &key) != CRYPT_OK)
		return DM_E_IO;
	rc = DM_E_IO;
	size_t dl = (size_t)ltc_mp.unsigned_size(key.k);
	if (dl <= sizeof d && ecc_ansi_x963_export(&key, pub, &n) == CRYPT_OK &&
	    n == DM_PROFILE_P256_PUB) {
		memset(d, 0, sizeof d);
		if (ltc_mp.unsigned_write(key.k, d + sizeof d - dl) == CRYPT_OK &&
		    dm_hex_encode(d, sizeof d, dh, sizeof dh) == DM_OK &&
		    dm_hex_encode(pub, n, qh, sizeof qh) == DM_OK)
			rc = DM_OK;
	}
	ecc_free(&key);
	dm_wipe(d, sizeof d);
	if (rc != DM_OK) {
		dm_wipe(dh, sizeof dh);
		return rc;
	}
	FILE *f = fopen(file, "w");
	if (f == NULL) {
		fprintf(stderr, PROG ": cannot write %s: %s\n", file, strerror(errno));
		dm_wipe(dh, sizeof dh);
		return DM_E_IO;
	}
	fchmod(fileno(f), 0600);
	fprintf(f, "# dmsc Management Authority key pair, ECDSA P-256. TEST ONLY.\n"
		   "private %s\npublic %s\n", dh, qh);
	dm_wipe(dh, sizeof dh);
	if (fclose(f) != 0)
		return DM_E_IO;
	g->made++;
	return DM_OK;
}

static int cmd_build(const char *profile, const char *image, bool force)
{
	char err[DM_PROFILE_ERR_MAX];
	dm_profile *p = NULL;
	gen_ctx g = { .force = force };
	uint8_t *text = NULL;
	struct stat st;

	if (!force && stat(image, &st) == 0) {
		fprintf(stderr, PROG ": %s exists (use --force to replace it)\n", image);
		return 1;
	}
	/* dm_profile_load_file() with a key generator. */
	FILE *f = fopen(profile, "rb");
	if (f == NULL) {
		fprintf(stderr, PROG ": cannot read %s: %s\n", profile, strerror(errno));
		return 1;
	}
	size_t cap = 1 << 16, len = 0;
	text = malloc(cap);
	while (text != NULL) {
		size_t r = fread(text + len, 1, cap - len, f);
		len += r;
		if (r == 0)
			break;
		if (len == cap) {
			uint8_t *t = cap < (1u << 24) ? realloc(text, cap *= 2) : NULL;
			if (t == NULL) {
				free(text);
				text = NULL;
			}
			text = t;
		}
	}
	bool rerr = ferror(f);
	fclose(f);
	if (text == NULL || rerr) {
		fprintf(stderr, PROG ": cannot read %s\n", profile);
		free(text);
		return 1;
	}
	char dir[4096];
	const char *slash = strrchr(profile, '/');
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash == profile ? 1 : slash - profile) : 1,
		 slash ? profile : ".");
	/* Files named in the profile are relative to its directory, as for
	 * dm_profile_load_file(). */
	dm_profile_src src = { .json = (const char *)text, .json_len = len,
			       .read = dm_profile_read_dir, .read_ctx = dir,
			       .gen_ma = gen_ma, .gen_ctx = &g };
	int rc = dm_profile_parse(&src, &p, err, sizeof err);
	dm_wipe(text, len);
	free(text);
	if (rc != DM_OK) {
		fprintf(stderr, PROG ": %s: profile refused: %s\n", profile,
			err[0] ? err : dm_strerror(rc));
		return 1;
	}

	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s.building", image) >= (int)sizeof tmp) {
		dm_profile_free(&p);
		fprintf(stderr, PROG ": image name too long\n");
		return 1;
	}
	unlink(tmp);
	dm_card_config cfg = { .image_path = tmp, .protocol = p->protocol, .profile = p,
			       .capacity = p->capacity };
	dm_card *card = NULL;
	rc = dm_card_open(&cfg, &card);
	dm_card_close(&card);
	dm_profile_free(&p);
	if (rc != DM_OK) {
		unlink(tmp);
		fprintf(stderr, PROG ": cannot create the card: %s%s\n", dm_strerror(rc),
			rc == DM_E_NOMEM ? " (capacity too small for the profile?)" : "");
		return 1;
	}
	if (rename(tmp, image) != 0) {
		fprintf(stderr, PROG ": cannot rename %s to %s: %s\n", tmp, image, strerror(errno));
		unlink(tmp);
		return 1;
	}
	return 0;
}

/* --- show: everything gathered into one JSON object, then printed --- */

static json_object *hex_str(const uint8_t *b, size_t n)
{
	char h[2 * 256 + 1];
	if (n > 256 || dm_hex_encode(b, n, h, sizeof h) != DM_OK)
		return json_object_new_string("?");
	return json_object_new_string(h);
}

static json_object *path_str(const uint16_t *path, size_t n)
{
	char s[8 * 5 + 8] = "3F00";
	for (size_t i = 0; i < n && i < 8; i++)
		snprintf(s + strlen(s), sizeof s - strlen(s), "/%04X", path[i]);
	return json_object_new_string(s);
}

static const char *kind_of(const dm_fs_entry *e)
{
	if (e->is_df)
		return e->path_len == 0 ? "MF" : e->aid.len ? "ADF" : "DF";
	switch (e->fdb & 0x07u) {
	case 1: return "transparent";
	case 2: return "linear fixed";
	case 6: return "cyclic";
	default: return (e->fdb & 0x3Fu) == 0x39 ? "BER-TLV" : "EF";
	}
}

typedef struct show_ctx {
	json_object *files, *pins, *mos, *keys;
	dm_applet_ctx *ctx;
	uint8_t apps[16];      /* application numbers of the ADFs seen */
	size_t napps;
} show_ctx;

static int on_file(void *arg, const dm_fs_entry *e)
{
	show_ctx *s = arg;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "path", path_str(e->path, e->path_len));
	json_object_object_add(o, "depth", json_object_new_int(e->depth));
	json_object_object_add(o, "type", json_object_new_string(kind_of(e)));
	json_object_object_add(o, "fdb", json_object_new_int(e->fdb));
	json_object_object_add(o, "lcsi", json_object_new_string(
		e->lcsi == 0x05 ? "activated" : e->lcsi == 0x04 ? "deactivated" :
		e->lcsi >= 0x0C ? "terminated" : "other"));
	if (e->arr_record)
		json_object_object_add(o, "arr", json_object_new_int(e->arr_record));
	json_object_object_add(o, "total", json_object_new_int64(e->total));
	if (e->is_df) {
		if (e->aid.len) {
			json_object_object_add(o, "aid", hex_str(e->aid.ptr, e->aid.len));
			uint8_t app = dm_fs_app_of_aid(s->ctx, e->aid);
			if (app != 0 && s->napps < sizeof s->apps)
				s->apps[s->napps++] = app;
		}
		json_object *p = json_object_new_array();
		for (unsigned i = 0; i < e->pin_count; i++) {
			char h[3];
			snprintf(h, sizeof h, "%02X", e->pins[i]);
			json_object_array_add(p, json_object_new_string(h));
		}
		json_object_object_add(o, "pins", p);
	} else {
		json_object_object_add(o, "size", json_object_new_int64(e->size));
		if (e->rec_len) {
			json_object_object_add(o, "record_length", json_object_new_int(e->rec_len));
			json_object_object_add(o, "records", json_object_new_int(e->rec_count));
		}
		if (e->sfi)
			json_object_object_add(o, "sfi", json_object_new_int(e->sfi));
	}
	json_object_array_add(s->files, o);
	return DM_OK;
}

static void add_pin(show_ctx *s, const dm_pin_info *pi)
{
	json_object *o = json_object_new_object();
	char h[3];
	snprintf(h, sizeof h, "%02X", pi->key_ref);
	json_object_object_add(o, "ref", json_object_new_string(h));
	json_object_object_add(o, "app", json_object_new_int(pi->app));
	json_object_object_add(o, "enabled", json_object_new_boolean(pi->enabled));
	json_object_object_add(o, "tries_left", json_object_new_int(pi->retries_left));
	json_object_object_add(o, "retry_limit", json_object_new_int(pi->retry_limit));
	json_object_object_add(o, "blocked", json_object_new_boolean(pi->retries_left == 0));
	if (pi->has_puk) {
		json_object_object_add(o, "puk_tries_left", json_object_new_int(pi->puk_left));
		json_object_object_add(o, "puk_retry_limit", json_object_new_int(pi->puk_limit));
	}
	json_object_array_add(s->pins, o);
}

static void gather_pins(show_ctx *s)
{
	dm_pin_io io;
	dm_pin_info pi;
	if (dm_fs_pin_io(s->ctx, false, &io) != DM_OK)
		return;
	/* Key references of TS 102 221 table 9.3: global 01-08, 0A-0E; local
	 * 81-88, 8A-8E per application. */
	for (unsigned kr = 0x01; kr <= 0x8E; kr++) {
		if (!dm_keyref_valid((uint8_t)kr))
			continue;
		if (!dm_keyref_local((uint8_t)kr)) {
			if (dm_pin_info_get(&io, (uint8_t)kr, 0, &pi) == DM_OK)
				add_pin(s, &pi);
			continue;
		}
		for (size_t a = 0; a < s->napps; a++)
			if (dm_pin_info_get(&io, (uint8_t)kr, s->apps[a], &pi) == DM_OK &&
			    pi.app == s->apps[a])
				add_pin(s, &pi);
	}
}

/* MOs: the OID data objects of EF_DODF (ADF PKCS15 6430). */
static void gather_mos(show_ctx *s)
{
	static const uint16_t dodf[] = { 0x7F50, 0x6430 };
	uint8_t buf[4096];
	size_t n = sizeof buf;
	/* EF sizes vary: try the whole buffer, then smaller reads. */
	while (n > 0 && dm_fs_read_raw(s->ctx, dodf, 2, 0, buf, n) != DM_OK)
		n = n > 256 ? n / 2 : n - 1;
	if (n == 0)
		return;
	dm_tlv_iter it;
	dm_p15_dobj o;
	int r;
	dm_tlv_iter_init(&it, buf, n);
	while ((r = dm_p15_dodf_next(&it, &o)) != 0) {
		if (r < 0)
			break;
		json_object *m = json_object_new_object();
		json_object_object_add(m, "label",
				       json_object_new_string_len((const char *)o.label.ptr,
								  (int)o.label.len));
		json_object_object_add(m, "oid", json_object_new_string(o.oid_text));
		json_object_object_add(m, "path", hex_str(o.path.efid.ptr, o.path.efid.len));
		if (o.path.has_index)
			json_object_object_add(m, "index", json_object_new_int64(o.path.index));
		if (o.path.has_length)
			json_object_object_add(m, "length", json_object_new_int64(o.path.length));
		json_object_object_add(m, "private",
				       json_object_new_boolean(o.flags & DM_P15_FLAG_PRIVATE));
		json_object_object_add(m, "modifiable",
				       json_object_new_boolean(o.flags & DM_P15_FLAG_MODIFIABLE));
		json_object_array_add(s->mos, m);
	}
}

static void gather_keys(show_ctx *s)
{
	dm_keys_info ki;
	if (dm_keys_get_info(s->ctx, &ki) != DM_OK)
		return;
	static const char *roles[DM_KEYS_ROLES] = { "device", "ma" };
	static const char *pubs[DM_KEYS_PUBS] = { "management_authority", "enterprise" };
	json_object *sc = json_object_new_array();
	for (unsigned r = 0; r < DM_KEYS_ROLES; r++) {
		if (!ki.scp03[r])
			continue;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "role", json_object_new_string(roles[r]));
		json_object_object_add(o, "kvn", json_object_new_int(ki.kvn[r]));
		json_object_object_add(o, "aes_bits", json_object_new_int(8 * ki.key_len[r]));
		json_object_object_add(o, "sequence", json_object_new_int64(ki.seq[r]));
		json_object_array_add(sc, o);
	}
	json_object_object_add(s->keys, "scp03", sc);
	/* Public keys are not secrets: the card answers them to anyone. */
	json_object_object_add(s->keys, "card_key",
			       ki.card_key ? hex_str(ki.card_pub, sizeof ki.card_pub) : NULL);
	for (unsigned p = 0; p < DM_KEYS_PUBS; p++)
		json_object_object_add(s->keys, pubs[p],
				       ki.pub[p] ? hex_str(ki.pub_point[p], DM_KEYS_POINT_LEN)
						 : NULL);
}

typedef struct show_all {
	json_object *root;
} show_all;

static int gather(dm_applet_ctx *ctx, void *arg)
{
	show_all *a = arg;
	show_ctx s = { .files = json_object_new_array(), .pins = json_object_new_array(),
		       .mos = json_object_new_array(), .keys = json_object_new_object(),
		       .ctx = ctx };
	uint32_t free_b = 0;
	json_object_object_add(a->root, "files", s.files);
	json_object_object_add(a->root, "pins", s.pins);
	json_object_object_add(a->root, "keys", s.keys);
	json_object_object_add(a->root, "mos", s.mos);
	if (dm_applet_heap_free_bytes(ctx, &free_b) == DM_OK)
		json_object_object_add(a->root, "free_bytes", json_object_new_int64(free_b));
	json_object_object_add(a->root, "heap_bytes",
			       json_object_new_int64(dm_applet_heap_len(ctx)));
	int rc = dm_fs_walk(ctx, on_file, &s);
	if (rc != DM_OK)
		return rc;
	gather_pins(&s);
	gather_keys(&s);
	gather_mos(&s);
	return DM_OK;
}

static int64_t get_i(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : -1;
}

static const char *get_s(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : NULL;
}

static void print_text(json_object *r)
{
	json_object *a;
	printf("image %s: %lld bytes of card memory, %lld free\n", get_s(r, "image"),
	       (long long)get_i(r, "heap_bytes"), (long long)get_i(r, "free_bytes"));
	printf("\nfiles (path, type, size, SFI, EF_ARR record, memory used):\n");
	json_object_object_get_ex(r, "files", &a);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *f = json_object_array_get_idx(a, i);
		int depth = (int)get_i(f, "depth");
		char what[64] = "";
		if (get_i(f, "record_length") > 0)
			snprintf(what, sizeof what, "%lld x %lld", (long long)get_i(f, "records"),
				 (long long)get_i(f, "record_length"));
		else if (get_i(f, "size") >= 0)
			snprintf(what, sizeof what, "%lld B", (long long)get_i(f, "size"));
		printf("  %*s%-*s %-12s %-10s", 2 * depth, "", 24 - 2 * depth,
		       get_s(f, "path"), get_s(f, "type"), what);
		if (get_i(f, "sfi") > 0)
			printf(" SFI %02llX", (long long)get_i(f, "sfi"));
		if (get_i(f, "arr") > 0)
			printf(" ARR %lld", (long long)get_i(f, "arr"));
		printf(" (%lld B)", (long long)get_i(f, "total"));
		if (get_s(f, "aid"))
			printf(" AID %s", get_s(f, "aid"));
		if (strcmp(get_s(f, "lcsi"), "activated") != 0)
			printf(" %s", get_s(f, "lcsi"));
		printf("\n");
	}
	printf("\nPINs (key reference, application, state; values never shown):\n");
	json_object_object_get_ex(r, "pins", &a);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *p = json_object_array_get_idx(a, i);
		json_object *v;
		bool en = json_object_object_get_ex(p, "enabled", &v) && json_object_get_boolean(v);
		printf("  %s app %lld: %s, %lld of %lld tries left%s", get_s(p, "ref"),
		       (long long)get_i(p, "app"), en ? "enabled" : "disabled",
		       (long long)get_i(p, "tries_left"), (long long)get_i(p, "retry_limit"),
		       get_i(p, "tries_left") == 0 ? " BLOCKED" : "");
		if (get_i(p, "puk_retry_limit") > 0)
			printf(", unblock key %lld of %lld", (long long)get_i(p, "puk_tries_left"),
			       (long long)get_i(p, "puk_retry_limit"));
		printf("\n");
	}
	json_object *k;
	printf("\nkeys (secret keys never shown):\n");
	if (json_object_object_get_ex(r, "keys", &k)) {
		json_object_object_get_ex(k, "scp03", &a);
		for (size_t i = 0; a && i < json_object_array_length(a); i++) {
			json_object *s = json_object_array_get_idx(a, i);
			printf("  SCP03 %s: KVN %02llX, AES-%lld\n", get_s(s, "role"),
			       (long long)get_i(s, "kvn"), (long long)get_i(s, "aes_bits"));
		}
		printf("  card key pair: %s\n", get_s(k, "card_key") ? get_s(k, "card_key") : "none");
		printf("  Management Authority public key: %s\n",
		       get_s(k, "management_authority") ? get_s(k, "management_authority") : "none");
		printf("  enterprise public key: %s\n",
		       get_s(k, "enterprise") ? get_s(k, "enterprise") : "none");
	}
	printf("\nMOs (EF_DODF):\n");
	json_object_object_get_ex(r, "mos", &a);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *m = json_object_array_get_idx(a, i), *v;
		bool priv = json_object_object_get_ex(m, "private", &v) && json_object_get_boolean(v);
		bool mod = json_object_object_get_ex(m, "modifiable", &v) &&
			   json_object_get_boolean(v);
		printf("  \"%s\" OID %s path %s index %lld length %lld%s%s\n", get_s(m, "label"),
		       get_s(m, "oid"), get_s(m, "path"), (long long)get_i(m, "index"),
		       (long long)get_i(m, "length"), priv ? " private" : "",
		       mod ? " modifiable" : "");
	}
}

static int cmd_show(const char *image, bool as_json)
{
	struct stat st;
	if (stat(image, &st) != 0) {
		/* dm_card_open would create it: show never does. */
		fprintf(stderr, PROG ": %s: %s\n", image, strerror(errno));
		return 1;
	}
	dm_card_config cfg = { .image_path = image };
	dm_card *card = NULL;
	int rc = dm_card_open(&cfg, &card);
	if (rc != DM_OK) {
		fprintf(stderr, PROG ": cannot open %s: %s\n", image, dm_strerror(rc));
		return 1;
	}
	show_all a = { .root = json_object_new_object() };
	json_object_object_add(a.root, "image", json_object_new_string(image));
	rc = dm_card_inspect(card, gather, &a);
	dm_card_close(&card);
	if (rc != DM_OK) {
		fprintf(stderr, PROG ": cannot read %s: %s\n", image, dm_strerror(rc));
		json_object_put(a.root);
		return 1;
	}
	if (as_json)
		printf("%s\n", json_object_to_json_string_ext(a.root, JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		print_text(a.root);
	json_object_put(a.root);
	return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	bool force = false, as_json = false;
	int c;
	while ((c = getopt_long(argc, argv, "o:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'f': force = true; break;
		case 'j': as_json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[optind++];
	if (strcmp(cmd, "build") == 0) {
		if (optind + 1 != argc || out == NULL || as_json) {
			fprintf(stderr, PROG ": usage: build PROFILE -o IMAGE [--force]\n");
			return 2;
		}
		return cmd_build(argv[optind], out, force);
	}
	if (strcmp(cmd, "show") == 0) {
		if (optind + 1 != argc || out != NULL || force) {
			fprintf(stderr, PROG ": usage: show IMAGE [--json]\n");
			return 2;
		}
		return cmd_show(argv[optind], as_json);
	}
	fprintf(stderr, PROG ": unknown command '%s' (see --help)\n", cmd);
	return 2;
}
