/*
 * fuzz_tnds.c - TNDS parse/validate, export and import (host/tnds.c,
 * host/dmtree.c).  Invariants (abort on violation):
 *   - a refusal leaves the node list empty and names a reason;
 *   - an accepted document's nodes each pass the single rules again
 *     (URI syntax, Format, ACL grammar, Format/Value agreement);
 *   - export of an accepted document parses back to the same nodes
 *     (TNDS is a fixed point after one round);
 *   - importing into an in-memory tree either applies every node or,
 *     on refusal, leaves the tree exactly as it was.
 */
#include <stdlib.h>
#include <string.h>

#include "tnds.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static bool same(const dm_node *a, const dm_node *b)
{
	return strcmp(a->uri, b->uri) == 0 && strcmp(a->format, b->format) == 0 &&
	       strcmp(a->acl, b->acl) == 0 && strcmp(a->type, b->type) == 0 &&
	       a->interior == b->interior &&
	       ((!a->value && !b->value) || (a->value && b->value && strcmp(a->value, b->value) == 0));
}

static size_t tree_size(dm_tree *t)
{
	dm_node_list l = { 0 };
	size_t n;

	CHECK(dm_tree_subtree(t, ".", &l) == DM_OK);
	n = l.n;
	dm_node_list_clear(&l);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dm_node_list l = { 0 }, back = { 0 };
	dm_tnds_error err;
	dm_tree *t = NULL;
	char *xml = NULL;
	size_t len = 0, before;
	dm_prov prov = { "89000000000000000001", 1 };
	int rc = dm_tnds_parse(dm_bytes_of(data, size), &l, &err);

	if (rc != DM_OK) {
		CHECK(l.n == 0 && l.v == NULL);
		CHECK(err.reason[0] != '\0');
		return 0;
	}
	for (size_t i = 0; i < l.n; i++) {
		CHECK(dm_uri_check(l.v[i].uri) == DM_OK);
		CHECK(dm_tnds_check_acl(l.v[i].acl) == DM_OK);
		CHECK(dm_tnds_check_value(l.v[i].format, l.v[i].value) == DM_OK);
		CHECK(l.v[i].interior == (strcmp(l.v[i].format, "node") == 0));
	}
	CHECK(dm_tnds_export(&l, &xml, &len) == DM_OK);
	CHECK(dm_tnds_parse(dm_bytes_of((const uint8_t *)xml, len), &back, &err) == DM_OK);
	CHECK(back.n == l.n);
	for (size_t i = 0; i < l.n; i++)
		CHECK(same(&l.v[i], &back.v[i]));
	free(xml);
	dm_node_list_clear(&back);

	dm_devinfo di = { .dev_id = "fuzz" };
	CHECK(dm_tree_open(":memory:", &di, &t) == DM_OK);
	before = tree_size(t);
	rc = dm_tree_import(t, &l, &prov);
	if (rc != DM_OK)
		CHECK(tree_size(t) == before);
	else
		CHECK(tree_size(t) >= l.n);
	dm_tree_close(&t);
	dm_node_list_clear(&l);
	return 0;
}
