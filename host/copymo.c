/*
 * copymo.c - use case 5.2, copy an MO from the device to the card.
 *
 * Order of the steps (so no crash loses the MO): export the subtree as
 * TNDS; CREATE MO (the card picks the FID and adds the DODF entry: OSR-1);
 * write it; read it back and compare byte for byte; record the FID in the
 * tree; only then delete an older card copy and, with --erase-local, the
 * device's nodes (one tree transaction).
 */
#include "copymo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "alert.h"
#include "cardops.h"
#include "sw.h"
#include "tnds.h"
#include "usecase.h"

int dm_copymo_create_data(const char *label, uint32_t size, dm_wbuf *out)
{
	size_t n, start;
	uint8_t sz[4];
	unsigned k = 4;
	int rc;

	if (!label || !out)
		return DM_E_ARG;
	if (size == 0 || size > 16u * 1024 * 1024)
		return DM_E_LENGTH;
	n = strlen(label);
	if (n == 0)
		return DM_E_VALUE;
	if (n > DM_COPYMO_LABEL_MAX)
		n = DM_COPYMO_LABEL_MAX;
	dm_put_u32be(sz, size);
	while (k > 1 && sz[4 - k] == 0)
		k--;
	start = out->len;
	if ((rc = dm_wbuf_put_u8(out, 0x50)) || (rc = dm_wbuf_put_u8(out, (uint8_t)n)) ||
	    (rc = dm_wbuf_put(out, label, n)) || (rc = dm_wbuf_put_u8(out, 0x06)) ||
	    (rc = dm_wbuf_put_u8(out, DM_COPYMO_OID_LEN)) ||
	    (rc = dm_wbuf_put(out, DM_COPYMO_OID, DM_COPYMO_OID_LEN)) ||
	    (rc = dm_wbuf_put_u8(out, 0x81)) || (rc = dm_wbuf_put_u8(out, (uint8_t)k)) ||
	    (rc = dm_wbuf_put(out, sz + 4 - k, k)) || (rc = dm_wbuf_put_u8(out, 0x86)) ||
	    (rc = dm_wbuf_put_u8(out, 1)) || (rc = dm_wbuf_put_u8(out, 0x02)))
		out->len = start;
	return rc;
}

int dm_copymo_parse_fid(dm_bytes resp, uint16_t *fid)
{
	if (!fid || (!resp.ptr && resp.len))
		return DM_E_ARG;
	if (resp.len < 4)
		return DM_E_TRUNCATED;
	if (resp.ptr[0] != 0x83)
		return DM_E_TAG;
	if (resp.ptr[1] != 2)
		return DM_E_LENGTH;
	if (resp.len != 4)
		return DM_E_TRAILING;
	*fid = dm_get_u16be(resp.ptr + 2);
	return DM_OK;
}

static const dm_node *find_uri(const dm_node_list *l, const char *uri)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].uri, uri))
			return &l->v[i];
	return NULL;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

size_t dm_copymo_diff(const dm_node_list *a, const dm_node_list *b, FILE *f)
{
	size_t n = 0;

	for (size_t i = 0; i < a->n; i++) {
		const dm_node *x = &a->v[i], *y = find_uri(b, x->uri);
		const char *what = NULL;

		if (!y) {
			if (f)
				fprintf(f, "- %s (only on the device)\n", x->uri);
			n++;
			continue;
		}
		if (x->interior != y->interior || !same_str(x->format, y->format))
			what = "Format";
		else if (!same_str(x->value, y->value))
			what = "Value";
		else if (!same_str(x->type, y->type))
			what = "Type";
		else if (!same_str(x->acl, y->acl))
			what = "ACL";
		if (what) {
			if (f)
				fprintf(f, "~ %s: %s differs (device \"%s\", card \"%s\")\n", x->uri,
					what, x->value ? x->value : "", y->value ? y->value : "");
			n++;
		}
	}
	for (size_t i = 0; i < b->n; i++) {
		if (!find_uri(a, b->v[i].uri)) {
			if (f)
				fprintf(f, "+ %s (only on the card)\n", b->v[i].uri);
			n++;
		}
	}
	return n;
}

static int adm_verify(dm_agent *ctx, dm_transport *t, const char *adm_file)
{
	char adm[32];
	int tries = -1, rc;

	if (!adm_file[0]) {
		fprintf(ctx->err, "%s copy-mo: the card needs ADM1 to create an MO (AUT-1): "
			"give --adm-file or copymo.adm_file\n", ctx->prog);
		return DM_E_ARG;
	}
	if ((rc = dm_uc_read_secret(adm_file, adm, sizeof(adm)))) {
		fprintf(ctx->err, "%s copy-mo: cannot read %s: %s\n", ctx->prog, adm_file,
			dm_strerror(rc));
		return rc;
	}
	rc = dm_hc_verify(t, DM_HC_ADM1, adm, &tries);
	dm_wipe(adm, sizeof(adm));
	return rc;
}

/* The card copy of uri, read whole; *fid 0 when there is none. */
static int card_copy(dm_tree *tree, dm_transport *t, const char *uri, uint16_t *fid,
		     dm_wbuf *out)
{
	char key[DM_URI_MAX + 16], *v = NULL;
	unsigned f = 0;
	unsigned long size = 0;
	int rc;

	*fid = 0;
	snprintf(key, sizeof(key), DM_COPYMO_META "%s", uri);
	rc = dm_tree_meta_get(tree, key, &v);
	if (rc)
		return rc == DM_E_NOT_FOUND ? DM_OK : rc;
	if (sscanf(v, "%x %lu", &f, &size) != 2 || f > 0xFFFF || size > out->cap) {
		free(v);
		return DM_E_CORRUPT;
	}
	free(v);
	*fid = (uint16_t)f;
	rc = dm_hc_select_aid(t, (const uint8_t *)DM_HC_AID_DMSC, DM_HC_AID_DMSC_LEN, NULL);
	if (!rc)
		rc = dm_hc_select_fid(t, *fid, NULL);
	if (!rc)
		rc = dm_hc_read_binary(t, "EF_MO", 0, size, out);
	return rc;
}

static int compare(dm_agent *ctx, dm_tree *tree, dm_transport *t, const char *uri,
		   dm_bytes dev_xml, size_t *ndiff)
{
	uint8_t *buf = malloc(DM_TNDS_MAX_DOC);
	dm_wbuf w = dm_wbuf_init(buf, DM_TNDS_MAX_DOC);
	dm_node_list a = { 0 }, b = { 0 };
	dm_tnds_error err;
	char why[512];
	uint16_t fid;
	int rc;

	if (!buf)
		return DM_E_NOMEM;
	rc = card_copy(tree, t, uri, &fid, &w);
	if (!rc && !fid) {
		fprintf(ctx->err, "%s copy-mo: %s has no card copy yet\n", ctx->prog, uri);
		rc = DM_E_NOT_FOUND;
	}
	if (!rc && (rc = dm_tnds_parse(dm_bytes_of(buf, w.len), &b, &err))) {
		dm_tnds_error_format(&err, why, sizeof(why));
		fprintf(ctx->err, "%s copy-mo: the card copy (EF %04X) is not valid TNDS: %s\n",
			ctx->prog, fid, why);
	}
	if (!rc && dev_xml.len && (rc = dm_tnds_parse(dev_xml, &a, &err)))
		fprintf(ctx->err, "%s copy-mo: cannot parse the device's export\n", ctx->prog);
	if (!rc) {
		if (!ctx->json)
			fprintf(ctx->out, "compare %s: device tree vs card EF %04X\n", uri, fid);
		*ndiff = dm_copymo_diff(&a, &b, ctx->json ? NULL : ctx->out);
		if (!ctx->json)
			fprintf(ctx->out, "%zu difference%s\n", *ndiff, *ndiff == 1 ? "" : "s");
	}
	dm_node_list_clear(&a);
	dm_node_list_clear(&b);
	free(buf);
	return rc;
}

static int create_and_write(dm_transport *t, const char *label, dm_bytes xml, uint16_t *fid)
{
	uint8_t data[128], resp[16];
	dm_wbuf w = dm_wbuf_init(data, sizeof(data)), r = dm_wbuf_init(resp, sizeof(resp));
	dm_capdu c = { .cla = 0x80, .ins = 0xE0, .p1 = 0, .p2 = 0, .ne = 256 };
	uint16_t sw = 0;
	int rc;

	if ((rc = dm_copymo_create_data(label, (uint32_t)xml.len, &w)))
		return rc;
	c.data = data;
	c.nc = w.len;
	rc = dm_hc_select_aid(t, (const uint8_t *)DM_HC_AID_DMSC, DM_HC_AID_DMSC_LEN, NULL);
	if (!rc)
		rc = dm_hc_exchange(t, "CREATE MO", &c, &r, &sw);
	if (rc)
		return rc;
	if (!dm_uc_sw_ok(sw)) {
		t->last_sw = sw;
		snprintf(t->last_op, sizeof(t->last_op), "CREATE MO");
		return DM_E_STATE;
	}
	if ((rc = dm_copymo_parse_fid(dm_bytes_of(resp, r.len), fid)))
		return rc;
	rc = dm_hc_select_fid(t, *fid, NULL);
	if (!rc)
		rc = dm_hc_update_binary(t, "EF_MO", 0, xml);
	return rc;
}

static int delete_mo(dm_transport *t, uint16_t fid)
{
	uint8_t d[2], resp[8];
	dm_wbuf r = dm_wbuf_init(resp, sizeof(resp));
	dm_capdu c = { .cla = 0x80, .ins = 0xE4, .data = d, .nc = 2 };
	uint16_t sw = 0;
	int rc;

	dm_put_u16be(d, fid);
	rc = dm_hc_select_aid(t, (const uint8_t *)DM_HC_AID_DMSC, DM_HC_AID_DMSC_LEN, NULL);
	if (!rc)
		rc = dm_hc_exchange(t, "DELETE MO", &c, &r, &sw);
	return rc ? rc : dm_uc_sw_ok(sw) ? DM_OK : DM_E_STATE;
}

static const char help[] =
	"copy-mo URI [--compare] [--erase-local] [--adm-file F]\n"
	"Use case 5.2: copy the device MO at URI to the card as TNDS.  The card\n"
	"allocates the EF (CREATE MO, ADM1 from --adm-file / copymo.adm_file) and\n"
	"updates its DODF; the copy is read back and checked.\n"
	"  --compare      only compare the device and card copies (exit 1 if they differ)\n"
	"  --erase-local  after a verified copy, delete the device's nodes\n";

int dm_cmd_copy_mo(int argc, char **argv, dm_agent *ctx)
{
	dm_uc_opts o;
	const char *uri = NULL;
	bool only_compare = false, erase = false;
	char *xml = NULL, key[DM_URI_MAX + 16], val[32], text[DM_URI_MAX + 128], *oldv = NULL;
	size_t xlen = 0, ndiff = 0;
	uint8_t *back = NULL;
	dm_wbuf bw;
	uint16_t fid = 0, old_fid = 0;
	unsigned of = 0;
	dm_transport *t;
	dm_tree *tree = NULL;
	int ex, rc;

	if ((ex = dm_uc_opts_parse(ctx, argc, argv, help, &o)))
		return ex < 0 ? DM_EXIT_OK : ex;
	for (int i = 1; i < o.argc; i++) {
		if (!strcmp(o.argv[i], "--compare"))
			only_compare = true;
		else if (!strcmp(o.argv[i], "--erase-local"))
			erase = true;
		else if (o.argv[i][0] != '-' && !uri)
			uri = o.argv[i];
		else
			return dm_uc_usage(ctx, help);
	}
	if (!uri || (only_compare && erase) || dm_uri_check(uri) || !strcmp(uri, "."))
		return dm_uc_usage(ctx, help);
	if (dm_uc_open_tree(ctx, &tree))
		return DM_EXIT_FAIL;
	rc = dm_tnds_export_tree(tree, uri, &xml, &xlen);
	if (rc && !(only_compare && rc == DM_E_NOT_FOUND)) {
		fprintf(ctx->err, "%s copy-mo: %s: %s\n", ctx->prog, uri,
			rc == DM_E_NOT_FOUND ? "no such node in the device tree" : dm_strerror(rc));
		dm_tree_close(&tree);
		return DM_EXIT_FAIL;
	}
	if (!(t = dm_agent_transport(ctx, &ex)))
		goto out;
	if ((rc = dm_host_begin(t))) {
		ex = dm_agent_card_error(ctx, rc);
		goto out;
	}
	if (only_compare) {
		rc = compare(ctx, tree, t, uri, dm_bytes_of((uint8_t *)xml, xml ? xlen : 0), &ndiff);
		dm_host_end(t);
		if (rc == DM_E_IO || rc == DM_E_STATE)
			ex = dm_agent_card_error(ctx, rc);
		else
			ex = rc ? DM_EXIT_FAIL : ndiff ? DM_EXIT_FAIL : DM_EXIT_OK;
		if (!rc && ctx->json) {
			json_object *j = json_object_new_object();

			json_object_object_add(j, "uri", json_object_new_string(uri));
			json_object_object_add(j, "differences", json_object_new_int64((int64_t)ndiff));
			dm_uc_put_json(ctx, j);
		}
		goto out;
	}
	/* The copy. */
	rc = adm_verify(ctx, t, o.conf.adm_file);
	if (!rc)
		rc = create_and_write(t, uri, dm_bytes_of((uint8_t *)xml, xlen), &fid);
	if (!rc && !(back = malloc(xlen))) {
		rc = DM_E_NOMEM;
	} else if (!rc) {
		bw = dm_wbuf_init(back, xlen);
		rc = dm_hc_read_binary(t, "EF_MO", 0, xlen, &bw);
		if (!rc && (bw.len != xlen || memcmp(back, xml, xlen))) {
			fprintf(ctx->err, "%s copy-mo: the card copy reads back different\n", ctx->prog);
			rc = DM_E_CORRUPT;
		}
	}
	if (rc) {
		dm_host_end(t);
		ex = rc == DM_E_STATE || rc == DM_E_IO || rc == DM_E_CRYPTO ?
		     dm_agent_card_error(ctx, rc) : DM_EXIT_FAIL;
		snprintf(text, sizeof(text), "copy of %s to the card failed: %s", uri, dm_strerror(rc));
		dm_uc_alert(ctx, &o, tree, DM_ALERT_TYPE_COPY_MO, DM_ALERT_MARK_WARNING, uri, text);
		goto out;
	}
	/* Verified: record where it lives, drop the older copy and (--erase-local)
	 * the device's nodes, in one tree transaction. */
	snprintf(key, sizeof(key), DM_COPYMO_META "%s", uri);
	snprintf(val, sizeof(val), "%04X %zu", fid, xlen);
	if (!dm_tree_meta_get(tree, key, &oldv) && sscanf(oldv, "%x", &of) == 1 && of != fid)
		old_fid = (uint16_t)of;
	free(oldv);
	rc = dm_tree_begin(tree);
	if (!rc && !(rc = dm_tree_meta_set(tree, key, val)) && (!erase || !(rc = dm_tree_delete(tree, uri))))
		rc = dm_tree_commit(tree);
	else if (!rc)
		dm_tree_rollback(tree);
	if (!rc && old_fid && delete_mo(t, old_fid))
		fprintf(ctx->err, "%s copy-mo: warning: the older card copy EF %04X was not deleted\n",
			ctx->prog, old_fid);
	dm_host_end(t);
	if (rc) {
		fprintf(ctx->err, "%s copy-mo: copied to EF %04X but the device tree was not updated: %s\n",
			ctx->prog, fid, dm_strerror(rc));
		ex = DM_EXIT_FAIL;
		goto out;
	}
	snprintf(text, sizeof(text), "%s copied to the card: EF %04X, %zu bytes, verified%s", uri,
		 fid, xlen, erase ? "; device copy erased" : "");
	if (ctx->json) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "uri", json_object_new_string(uri));
		json_object_object_add(j, "fid", json_object_new_int(fid));
		json_object_object_add(j, "bytes", json_object_new_int64((int64_t)xlen));
		json_object_object_add(j, "erased_local", json_object_new_boolean(erase));
		dm_uc_put_json(ctx, j);
	} else {
		fprintf(ctx->out, "%s\n", text);
	}
	dm_uc_alert(ctx, &o, tree, DM_ALERT_TYPE_COPY_MO, DM_ALERT_MARK_INFO, uri, text);
	ex = DM_EXIT_OK;
out:
	free(back);
	free(xml);
	dm_tree_close(&tree);
	return ex;
}
