/*
 * cmd_tree.c - `dmsc-agent tree show [URI]`, `tree get URI`,
 * `tree export [URI]` (cmd_tree.h).
 *
 * Read-only: the tree file is opened (created with DevInfo/DevDetail at
 * first use, dmtree.h) and nothing is written.  Human output by default;
 * --json gives the same data as JSON (json-c).
 */
#include "cmd_tree.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "dmtree.h"
#include "tnds.h"

static void usage(dm_agent *ctx)
{
	fprintf(ctx->out,
		"usage: %s tree show [URI]     the device's DM tree as an indented tree (default \".\")\n"
		"       %s tree get URI        one node: Format, Type, ACL, Value, provenance\n"
		"       %s tree export [URI]   the subtree as OMA DM TNDS 1.2 XML on stdout\n"
		"Global --db PATH selects the tree file (default $DMSC_AGENT_DB, else\n"
		"$XDG_STATE_HOME/dmsc-agent/tree.db). Provenance: the card ICCID and EF_INFO\n"
		"change counter a node was imported from, or \"device\".\n"
		"Exit: 0 ok, 1 no such node or database error, 2 usage.\n",
		ctx->prog, ctx->prog, ctx->prog);
}

static void print_json(dm_agent *ctx, json_object *o)
{
	fprintf(ctx->out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static json_object *node_json(const dm_node *n)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "uri", json_object_new_string(n->uri));
	json_object_object_add(o, "name", json_object_new_string(n->name));
	json_object_object_add(o, "format", json_object_new_string(n->format));
	json_object_object_add(o, "type", json_object_new_string(n->type));
	json_object_object_add(o, "acl", json_object_new_string(n->acl));
	json_object_object_add(o, "interior", json_object_new_boolean(n->interior));
	json_object_object_add(o, "value", n->value ? json_object_new_string(n->value) : NULL);
	if (n->iccid) {
		json_object *p = json_object_new_object();

		json_object_object_add(p, "iccid", json_object_new_string(n->iccid));
		json_object_object_add(p, "counter", json_object_new_int64(n->counter));
		json_object_object_add(o, "origin", p);
	} else {
		json_object_object_add(o, "origin", json_object_new_string("device"));
	}
	return o;
}

static int tree_error(dm_agent *ctx, const char *what, const char *uri, int rc)
{
	if (rc == DM_E_NOT_FOUND)
		fprintf(ctx->err, "%s: tree %s: no node %s (DM status 404)\n", ctx->prog, what, uri);
	else if (rc == DM_E_VALUE)
		fprintf(ctx->err, "%s: tree %s: \"%s\" is not a URI like ./DevInfo/DevId\n",
			ctx->prog, what, uri);
	else
		fprintf(ctx->err, "%s: tree %s: %s\n", ctx->prog, what, dm_strerror(rc));
	return rc == DM_E_VALUE ? DM_EXIT_USAGE : DM_EXIT_FAIL;
}

/* Depth of uri below top (both checked URIs, uri inside top's subtree). */
static size_t depth_below(const char *uri, const char *top)
{
	size_t d = 0;

	for (const char *p = uri + strlen(top); *p; p++)
		d += *p == '/';
	return d;
}

static int show(dm_agent *ctx, dm_tree *t, const char *uri)
{
	dm_node_list l = { 0 };
	int rc = dm_tree_subtree(t, uri, &l);

	if (rc != DM_OK)
		return tree_error(ctx, "show", uri, rc);
	if (ctx->json) {
		json_object *a = json_object_new_array();

		for (size_t i = 0; i < l.n; i++)
			json_object_array_add(a, node_json(&l.v[i]));
		print_json(ctx, a);
	} else {
		for (size_t i = 0; i < l.n; i++) {
			const dm_node *n = &l.v[i];
			size_t d = strcmp(uri, ".") == 0 ? depth_below(n->uri, ".") : depth_below(n->uri, uri);

			fprintf(ctx->out, "%*s%s%s", (int)(2 * d), "", i == 0 ? n->uri : n->name,
				n->interior ? "/" : "");
			if (!n->interior)
				fprintf(ctx->out, " = %s", n->value ? n->value : "");
			if (n->iccid)
				fprintf(ctx->out, "  [card %s #%lu]", n->iccid, (unsigned long)n->counter);
			fputc('\n', ctx->out);
		}
	}
	dm_node_list_clear(&l);
	return DM_EXIT_OK;
}

static int get(dm_agent *ctx, dm_tree *t, const char *uri)
{
	dm_node n;
	int rc = dm_tree_get(t, uri, &n);

	if (rc != DM_OK)
		return tree_error(ctx, "get", uri, rc);
	if (ctx->json) {
		print_json(ctx, node_json(&n));
	} else {
		fprintf(ctx->out, "URI:      %s\n", n.uri);
		fprintf(ctx->out, "Kind:     %s\n", n.interior ? "interior" : "leaf");
		fprintf(ctx->out, "Format:   %s\n", n.format);
		fprintf(ctx->out, "Type:     %s\n", n.type);
		fprintf(ctx->out, "ACL:      %s\n", n.acl[0] ? n.acl : "(inherited)");
		if (!n.interior)
			fprintf(ctx->out, "Value:    %s\n", n.value ? n.value : "");
		if (n.iccid)
			fprintf(ctx->out, "Origin:   card %s, change counter %lu\n", n.iccid,
				(unsigned long)n.counter);
		else
			fprintf(ctx->out, "Origin:   device\n");
	}
	dm_node_clear(&n);
	return DM_EXIT_OK;
}

static int export(dm_agent *ctx, dm_tree *t, const char *uri)
{
	char *xml = NULL;
	size_t len = 0;
	int rc = dm_tnds_export_tree(t, uri, &xml, &len);

	if (rc != DM_OK)
		return tree_error(ctx, "export", uri, rc);
	if (ctx->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "uri", json_object_new_string(uri));
		json_object_object_add(o, "tnds", json_object_new_string_len(xml, (int)len));
		print_json(ctx, o);
	} else {
		fwrite(xml, 1, len, ctx->out);
	}
	free(xml);
	return DM_EXIT_OK;
}

int dm_cmd_tree(int argc, char **argv, dm_agent *ctx)
{
	const char *sub, *uri;
	dm_tree *t = NULL;
	int rc, ex;

	if (dm_agent_help(argc, argv)) {
		usage(ctx);
		return DM_EXIT_OK;
	}
	if (argc < 2) {
		fprintf(ctx->err, "%s: tree needs show, get or export (%s tree --help)\n", ctx->prog,
			ctx->prog);
		return DM_EXIT_USAGE;
	}
	sub = argv[1];
	uri = argc > 2 ? argv[2] : ".";
	if ((strcmp(sub, "show") != 0 && strcmp(sub, "get") != 0 && strcmp(sub, "export") != 0) ||
	    argc > 3 || (strcmp(sub, "get") == 0 && argc != 3)) {
		fprintf(ctx->err, "%s: tree: bad arguments (%s tree --help)\n", ctx->prog, ctx->prog);
		return DM_EXIT_USAGE;
	}
	if (dm_uri_check(uri) != DM_OK)
		return tree_error(ctx, sub, uri, DM_E_VALUE);
	rc = dm_tree_open_default(ctx->db_path, &t);
	if (rc != DM_OK) {
		fprintf(ctx->err, "%s: tree: cannot open the tree database %s: %s\n", ctx->prog,
			ctx->db_path ? ctx->db_path : "(default)", dm_strerror(rc));
		return DM_EXIT_FAIL;
	}
	if (strcmp(sub, "show") == 0)
		ex = show(ctx, t, uri);
	else if (strcmp(sub, "get") == 0)
		ex = get(ctx, t, uri);
	else
		ex = export(ctx, t, uri);
	dm_tree_close(&t);
	return ex;
}
