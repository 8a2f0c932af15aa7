/*
 * test_dmtree.c - the device's DM tree in SQLite (host/dmtree.h): standard
 * objects at first use, get/set/delete, pre-order subtrees, imports as
 * one transaction (a failed import leaves the tree unchanged), nested
 * transactions, provenance, removal by ICCID, DMAcc lookup, metadata.
 * Each test works on its own temporary database file.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tnds.h"

static char db_path[64];
static dm_tree *t;

static void setup(void)
{
	int fd;

	snprintf(db_path, sizeof(db_path), "/tmp/test_dmtree_XXXXXX");
	fd = mkstemp(db_path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(db_path);
	ck_assert_int_eq(dm_tree_open(db_path, NULL, &t), DM_OK);
}

static void teardown(void)
{
	char side[80];

	dm_tree_close(&t);
	unlink(db_path);
	snprintf(side, sizeof(side), "%s-wal", db_path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", db_path);
	unlink(side);
}

/* The whole tree as one TNDS string: a faithful snapshot to compare. */
static char *snapshot(void)
{
	dm_node_list l = { 0 };
	size_t len, total = 1;
	char *s;

	ck_assert_int_eq(dm_tree_subtree(t, ".", &l), DM_OK);
	for (size_t i = 0; i < l.n; i++)
		total += strlen(l.v[i].uri) + strlen(l.v[i].format) + strlen(l.v[i].acl) +
			 (l.v[i].value ? strlen(l.v[i].value) : 0) +
			 (l.v[i].iccid ? strlen(l.v[i].iccid) : 0) + 32;
	s = malloc(total);
	ck_assert_ptr_nonnull(s);
	len = 0;
	for (size_t i = 0; i < l.n; i++)
		len += (size_t)snprintf(s + len, total - len, "%s|%s|%s|%s|%s|%u\n", l.v[i].uri,
					l.v[i].format, l.v[i].acl,
					l.v[i].value ? l.v[i].value : "-",
					l.v[i].iccid ? l.v[i].iccid : "-", l.v[i].counter);
	dm_node_list_clear(&l);
	return s;
}

static int import_str(const char *xml, const dm_prov *prov, dm_tnds_error *err)
{
	return dm_tnds_import(t, dm_bytes_of((const uint8_t *)xml, strlen(xml)), prov, err);
}

#define HEAD "<MgmtTree><VerDTD>1.2</VerDTD>"
#define INODE(name) "<Node><NodeName>" name "</NodeName><RTProperties><Format><node/></Format></RTProperties>"
#define TOPNODE(path, name) "<Node><NodeName>" name "</NodeName><Path>" path "</Path><RTProperties><Format><node/></Format></RTProperties>"
#define LEAF(name, val) "<Node><NodeName>" name "</NodeName><RTProperties><Format><chr/></Format><Type><MIME>text/plain</MIME></Type></RTProperties><Value>" val "</Value></Node>"

static const char acc_a[] = HEAD TOPNODE("./DMAcc", "A") LEAF("ServerID", "srv.a") LEAF("AppID", "w7")
	INODE("AppAddr") INODE("1") LEAF("Addr", "https://a.invalid") "</Node></Node></Node></MgmtTree>";
static const char acc_b[] = HEAD TOPNODE("./DMAcc", "B") LEAF("ServerID", "srv.b") "</Node>"
	TOPNODE("./Ext/Vendor", "Mail") LEAF("Addr", "x@y.invalid") "</Node></MgmtTree>";

START_TEST(std_objects)
{
	dm_node n;
	char *id1;
	dm_tree *t2 = NULL;

	ck_assert_int_eq(dm_tree_get(t, "./DevInfo/DmV", &n), DM_OK);
	ck_assert_str_eq(n.value, "1.2");
	ck_assert_ptr_null(n.iccid);
	dm_node_clear(&n);
	ck_assert_int_eq(dm_tree_get(t, "./DevInfo/DevId", &n), DM_OK);
	ck_assert_int_eq(strncmp(n.value, "dmsc:", 5), 0);
	ck_assert_uint_eq(strlen(n.value), 5 + 16);
	id1 = strdup(n.value);
	dm_node_clear(&n);
	ck_assert_int_eq(dm_tree_get(t, "./DevDetail/LrgObj", &n), DM_OK);
	ck_assert_str_eq(n.format, "bool");
	dm_node_clear(&n);
	ck_assert_int_eq(dm_tree_get(t, "./DMAcc", &n), DM_OK);
	ck_assert(n.interior);
	ck_assert_ptr_null(n.value);
	dm_node_clear(&n);
	/* Reopening keeps the identity: created at FIRST use only. */
	dm_tree_close(&t);
	ck_assert_ptr_null(t);
	dm_devinfo di = { .dev_id = "IMEI:1", .man = "M" };
	ck_assert_int_eq(dm_tree_open(db_path, &di, &t), DM_OK);
	ck_assert_int_eq(dm_tree_get(t, "./DevInfo/DevId", &n), DM_OK);
	ck_assert_str_eq(n.value, id1);
	dm_node_clear(&n);
	free(id1);
	/* A second handle on the same file sees the same tree. */
	ck_assert_int_eq(dm_tree_open(db_path, NULL, &t2), DM_OK);
	ck_assert_int_eq(dm_tree_get(t2, "./DevInfo/Lang", &n), DM_OK);
	ck_assert_str_eq(n.value, "en");
	dm_node_clear(&n);
	dm_tree_close(&t2);
}
END_TEST

START_TEST(devinfo_given)
{
	char path[80];
	dm_tree *t2 = NULL;
	dm_node n;
	dm_devinfo di = { .dev_id = "IMEI:490154203237518", .man = "ACME", .mod = "X1", .lang = "fr" };

	snprintf(path, sizeof(path), "%s.2", db_path);
	unlink(path);
	ck_assert_int_eq(dm_tree_open(path, &di, &t2), DM_OK);
	ck_assert_int_eq(dm_tree_get(t2, "./DevInfo/DevId", &n), DM_OK);
	ck_assert_str_eq(n.value, "IMEI:490154203237518");
	dm_node_clear(&n);
	ck_assert_int_eq(dm_tree_get(t2, "./DevInfo/Lang", &n), DM_OK);
	ck_assert_str_eq(n.value, "fr");
	dm_node_clear(&n);
	dm_tree_close(&t2);
	unlink(path);
	ck_assert_int_eq(dm_tree_open("/nonexistent-dir/x/tree.db", NULL, &t2), DM_E_IO);
	ck_assert_ptr_null(t2);
}
END_TEST

START_TEST(get_set_delete)
{
	dm_node n = { .uri = "./Ext/A/B/Leaf", .format = "int", .type = "text/plain", .acl = "Get=*",
		      .value = "42" };
	dm_node got, kid = { .uri = "./Ext/A-x", .format = "chr", .type = "text/plain", .value = "s" };
	dm_node kid2 = { .uri = "./Ext/AB", .format = "chr", .type = "text/plain", .value = "s" };

	/* Parent missing and not to be created. */
	ck_assert_int_eq(dm_tree_set(t, &n, NULL, false), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_tree_set(t, &n, NULL, true), DM_OK);
	ck_assert_int_eq(dm_tree_get(t, "./Ext/A/B/Leaf", &got), DM_OK);
	ck_assert_str_eq(got.name, "Leaf");
	ck_assert_str_eq(got.value, "42");
	ck_assert_str_eq(got.acl, "Get=*");
	ck_assert(!got.interior);
	dm_node_clear(&got);
	ck_assert_int_eq(dm_tree_get(t, "./Ext/A/B", &got), DM_OK);
	ck_assert(got.interior);
	ck_assert_str_eq(got.format, "node");
	dm_node_clear(&got);
	/* A child under a leaf is refused. */
	dm_node under_leaf = { .uri = "./Ext/A/B/Leaf/X", .format = "chr", .value = "v" };
	ck_assert_int_eq(dm_tree_set(t, &under_leaf, NULL, true), DM_E_VALUE);
	/* Siblings sharing a prefix survive a subtree delete. */
	ck_assert_int_eq(dm_tree_set(t, &kid, NULL, false), DM_OK);
	ck_assert_int_eq(dm_tree_set(t, &kid2, NULL, false), DM_OK);
	ck_assert_int_eq(dm_tree_delete(t, "./Ext/A"), DM_OK);
	ck_assert_int_eq(dm_tree_get(t, "./Ext/A/B/Leaf", &got), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_tree_get(t, "./Ext/A", &got), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_tree_get(t, "./Ext/A-x", &got), DM_OK);
	dm_node_clear(&got);
	ck_assert_int_eq(dm_tree_get(t, "./Ext/AB", &got), DM_OK);
	dm_node_clear(&got);
	ck_assert_int_eq(dm_tree_delete(t, "./Ext/A"), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_tree_delete(t, "."), DM_E_VALUE);
	ck_assert_int_eq(dm_tree_get(t, "Ext", &got), DM_E_VALUE);
	ck_assert_int_eq(dm_tree_get(t, "./Ext/", &got), DM_E_VALUE);
	ck_assert_int_eq(dm_tree_get(t, "./Ext/../DevInfo", &got), DM_E_VALUE);
}
END_TEST

START_TEST(uri_syntax)
{
	char longuri[DM_URI_MAX + 8];

	ck_assert_int_eq(dm_uri_check("."), DM_OK);
	ck_assert_int_eq(dm_uri_check("./A"), DM_OK);
	ck_assert_int_eq(dm_uri_check("./A/b c/1"), DM_OK);
	ck_assert_int_eq(dm_uri_check(""), DM_E_VALUE);
	ck_assert_int_eq(dm_uri_check("./"), DM_E_VALUE);
	ck_assert_int_eq(dm_uri_check("./A//B"), DM_E_VALUE);
	ck_assert_int_eq(dm_uri_check("./A/./B"), DM_E_VALUE);
	ck_assert_int_eq(dm_uri_check("/A"), DM_E_VALUE);
	ck_assert_int_eq(dm_uri_check(NULL), DM_E_ARG);
	memset(longuri, 'a', sizeof(longuri));
	longuri[0] = '.', longuri[1] = '/';
	for (size_t i = 100; i < sizeof(longuri) - 1; i += 100)
		longuri[i] = '/';
	longuri[DM_URI_MAX] = '\0';
	ck_assert_int_eq(dm_uri_check(longuri), DM_E_VALUE);
	longuri[DM_URI_MAX - 1] = '\0';
	ck_assert_int_eq(dm_uri_check(longuri), DM_OK);
}
END_TEST

START_TEST(import_with_provenance_and_preorder)
{
	dm_prov card = { "89490000000000000001", 7 };
	dm_tnds_error err;
	dm_node n;
	dm_node_list l = { 0 };

	ck_assert_int_eq(import_str(acc_a, &card, &err), DM_OK);
	ck_assert_int_eq(dm_tree_get(t, "./DMAcc/A/AppAddr/1/Addr", &n), DM_OK);
	ck_assert_str_eq(n.value, "https://a.invalid");
	ck_assert_str_eq(n.iccid, "89490000000000000001");
	ck_assert_uint_eq(n.counter, 7);
	dm_node_clear(&n);
	/* ./DMAcc itself stays device-origin. */
	ck_assert_int_eq(dm_tree_get(t, "./DMAcc", &n), DM_OK);
	ck_assert_ptr_null(n.iccid);
	dm_node_clear(&n);
	/* Pre-order, siblings by name. */
	ck_assert_int_eq(dm_tree_subtree(t, "./DMAcc/A", &l), DM_OK);
	ck_assert_uint_eq(l.n, 6);
	ck_assert_str_eq(l.v[0].uri, "./DMAcc/A");
	ck_assert_str_eq(l.v[1].uri, "./DMAcc/A/AppAddr");
	ck_assert_str_eq(l.v[2].uri, "./DMAcc/A/AppAddr/1");
	ck_assert_str_eq(l.v[3].uri, "./DMAcc/A/AppAddr/1/Addr");
	ck_assert_str_eq(l.v[4].uri, "./DMAcc/A/AppID");
	ck_assert_str_eq(l.v[5].uri, "./DMAcc/A/ServerID");
	dm_node_list_clear(&l);
	/* Export of the imported subtree parses back to the same nodes. */
	char *xml;
	size_t len;
	dm_node_list back = { 0 };
	ck_assert_int_eq(dm_tnds_export_tree(t, "./DMAcc/A", &xml, &len), DM_OK);
	ck_assert_int_eq(dm_tnds_parse(dm_bytes_of((uint8_t *)xml, len), &back, &err), DM_OK);
	ck_assert_uint_eq(back.n, 6);
	ck_assert_str_eq(back.v[5].uri, "./DMAcc/A/ServerID");
	ck_assert_str_eq(back.v[5].value, "srv.a");
	free(xml);
	dm_node_list_clear(&back);
	ck_assert_int_eq(dm_tnds_export_tree(t, "./Nope", &xml, &len), DM_E_NOT_FOUND);
	/* Re-import with a newer counter updates provenance. */
	card.counter = 8;
	ck_assert_int_eq(import_str(acc_a, &card, &err), DM_OK);
	ck_assert_int_eq(dm_tree_get(t, "./DMAcc/A/ServerID", &n), DM_OK);
	ck_assert_uint_eq(n.counter, 8);
	dm_node_clear(&n);
}
END_TEST

START_TEST(failed_import_changes_nothing)
{
	dm_prov card = { "89490000000000000001", 1 };
	dm_tnds_error err;
	char *before, *after;
	/* Valid TNDS, but its last node would change the device identity. */
	static const char identity[] = HEAD TOPNODE("./Ext", "New") LEAF("K", "v") "</Node>"
		TOPNODE("./DevInfo", "Sub") "</Node></MgmtTree>";
	/* Valid TNDS, but a leaf replacing ./DMAcc/A (interior with children). */
	static const char clash[] = HEAD TOPNODE("./Ext", "New2") "</Node>"
		"<Node><NodeName>A</NodeName><Path>./DMAcc</Path><RTProperties><Format><chr/></Format>"
		"<Type><MIME>text/plain</MIME></Type></RTProperties><Value>x</Value></Node></MgmtTree>";
	/* Malformed TNDS (last node's int). */
	static const char bad[] = HEAD TOPNODE("./Ext", "New3") LEAF("Ok", "1")
		"<Node><NodeName>N</NodeName><RTProperties><Format><int/></Format><Type><MIME>text/plain"
		"</MIME></Type></RTProperties><Value>x</Value></Node></Node></MgmtTree>";

	ck_assert_int_eq(import_str(acc_a, &card, &err), DM_OK);
	before = snapshot();
	ck_assert_int_eq(import_str(identity, &card, &err), DM_E_VALUE);
	ck_assert_ptr_nonnull(strstr(err.reason, "import refused"));
	ck_assert_int_eq(import_str(clash, &card, &err), DM_E_VALUE);
	ck_assert_int_eq(import_str(bad, &card, &err), DM_E_VALUE);
	ck_assert_str_eq(err.path, "./Ext/New3/N");
	after = snapshot();
	ck_assert_str_eq(before, after);
	free(after);

	/* Inside an outer transaction: the failed import rolls back only its
	 * own part; rolling back the outer one drops the rest. */
	ck_assert_int_eq(dm_tree_begin(t), DM_OK);
	ck_assert_int_eq(import_str(acc_b, &card, &err), DM_OK);
	ck_assert_int_eq(import_str(clash, &card, &err), DM_E_VALUE);
	dm_node n;
	ck_assert_int_eq(dm_tree_get(t, "./DMAcc/B/ServerID", &n), DM_OK);
	dm_node_clear(&n);
	ck_assert_int_eq(dm_tree_get(t, "./Ext/New2", &n), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_tree_rollback(t), DM_OK);
	after = snapshot();
	ck_assert_str_eq(before, after);
	free(after);
	ck_assert_int_eq(dm_tree_commit(t), DM_E_STATE);
	ck_assert_int_eq(dm_tree_rollback(t), DM_E_STATE);

	/* Committed outer transaction keeps both; closing with an open one
	 * rolls it back. */
	ck_assert_int_eq(dm_tree_begin(t), DM_OK);
	ck_assert_int_eq(import_str(acc_b, &card, &err), DM_OK);
	ck_assert_int_eq(dm_tree_commit(t), DM_OK);
	ck_assert_int_eq(dm_tree_begin(t), DM_OK);
	ck_assert_int_eq(dm_tree_delete(t, "./DMAcc/B"), DM_OK);
	dm_tree_close(&t);
	ck_assert_int_eq(dm_tree_open(db_path, NULL, &t), DM_OK);
	ck_assert_int_eq(dm_tree_get(t, "./DMAcc/B/ServerID", &n), DM_OK);
	ck_assert_str_eq(n.value, "srv.b");
	dm_node_clear(&n);
	free(before);
}
END_TEST

START_TEST(remove_by_iccid)
{
	dm_prov c1 = { "89000000000000000011", 3 }, c2 = { "89000000000000000022", 9 };
	dm_tnds_error err;
	dm_node n = { .uri = "./Ext/Vendor/Mail/Local", .format = "chr", .type = "text/plain",
		      .value = "device" };
	dm_node got;
	size_t removed = 0;
	dm_dmacc_list acc = { 0 };

	ck_assert_int_eq(import_str(acc_a, &c1, &err), DM_OK);
	ck_assert_int_eq(import_str(acc_b, &c2, &err), DM_OK);
	/* A device-origin node below a card-origin node goes with it. */
	ck_assert_int_eq(dm_tree_set(t, &n, NULL, false), DM_OK);

	ck_assert_int_eq(dm_tree_find_dmacc(t, NULL, &acc), DM_OK);
	ck_assert_uint_eq(acc.n, 2);
	ck_assert_str_eq(acc.v[0].uri, "./DMAcc/A");
	ck_assert_str_eq(acc.v[0].server_id, "srv.a");
	ck_assert_str_eq(acc.v[0].iccid, c1.iccid);
	ck_assert_str_eq(acc.v[1].server_id, "srv.b");
	dm_dmacc_list_clear(&acc);
	ck_assert_int_eq(dm_tree_find_dmacc(t, "srv.b", &acc), DM_OK);
	ck_assert_uint_eq(acc.n, 1);
	ck_assert_str_eq(acc.v[0].uri, "./DMAcc/B");
	dm_dmacc_list_clear(&acc);
	ck_assert_int_eq(dm_tree_find_dmacc(t, "srv.none", &acc), DM_E_NOT_FOUND);
	dm_dmacc_list_clear(&acc);

	ck_assert_int_eq(dm_tree_remove_card(t, c2.iccid, &removed), DM_OK);
	ck_assert_uint_eq(removed, 2 + 3);  /* B, B/ServerID; Mail, Mail/Addr, Mail/Local */
	ck_assert_int_eq(dm_tree_get(t, "./DMAcc/B", &got), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_tree_get(t, "./Ext/Vendor/Mail/Local", &got), DM_E_NOT_FOUND);
	/* The auto-created ancestor is device-origin: kept. */
	ck_assert_int_eq(dm_tree_get(t, "./Ext/Vendor", &got), DM_OK);
	ck_assert_ptr_null(got.iccid);
	dm_node_clear(&got);
	ck_assert_int_eq(dm_tree_get(t, "./DMAcc/A/ServerID", &got), DM_OK);
	dm_node_clear(&got);
	ck_assert_int_eq(dm_tree_remove_card(t, c2.iccid, &removed), DM_OK);
	ck_assert_uint_eq(removed, 0);

	/* A new card replaces every other card's nodes. */
	ck_assert_int_eq(import_str(acc_b, &c2, &err), DM_OK);
	ck_assert_int_eq(dm_tree_remove_other_cards(t, c2.iccid, &removed), DM_OK);
	ck_assert_uint_eq(removed, 6);
	ck_assert_int_eq(dm_tree_get(t, "./DMAcc/A", &got), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_tree_get(t, "./DMAcc/B", &got), DM_OK);
	dm_node_clear(&got);
	ck_assert_int_eq(dm_tree_remove_other_cards(t, NULL, &removed), DM_OK);
	ck_assert_uint_eq(removed, 4);
	ck_assert_int_eq(dm_tree_get(t, "./DevInfo/DevId", &got), DM_OK);
	dm_node_clear(&got);
	ck_assert_int_eq(dm_tree_find_dmacc(t, NULL, &acc), DM_OK);
	ck_assert_uint_eq(acc.n, 0);
}
END_TEST

START_TEST(meta_last_card)
{
	char *iccid = NULL, *v = NULL;
	uint32_t counter = 0;

	ck_assert_int_eq(dm_tree_last_card(t, &iccid, &counter), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_tree_set_last_card(t, "89000000000000000011", 4294967295u), DM_OK);
	ck_assert_int_eq(dm_tree_last_card(t, &iccid, &counter), DM_OK);
	ck_assert_str_eq(iccid, "89000000000000000011");
	ck_assert_uint_eq(counter, 4294967295u);
	free(iccid);
	ck_assert_int_eq(dm_tree_set_last_card(t, NULL, 0), DM_OK);
	ck_assert_int_eq(dm_tree_last_card(t, &iccid, &counter), DM_E_NOT_FOUND);
	ck_assert_int_eq(dm_tree_meta_set(t, "card.counter", "12x"), DM_OK);
	ck_assert_int_eq(dm_tree_last_card(t, &iccid, &counter), DM_E_CORRUPT);
	ck_assert_int_eq(dm_tree_meta_set(t, "k", "v"), DM_OK);
	ck_assert_int_eq(dm_tree_meta_get(t, "k", &v), DM_OK);
	ck_assert_str_eq(v, "v");
	free(v);
	ck_assert_int_eq(dm_tree_meta_set(t, "k", NULL), DM_OK);
	ck_assert_int_eq(dm_tree_meta_get(t, "k", &v), DM_E_NOT_FOUND);
}
END_TEST

START_TEST(open_default_path)
{
	char dir[80], file[120];
	dm_tree *t2 = NULL;
	dm_node n;

	snprintf(dir, sizeof(dir), "%s.state", db_path);
	setenv("XDG_STATE_HOME", dir, 1);
	unsetenv("DMSC_AGENT_DB");
	ck_assert_int_eq(dm_tree_open_default(NULL, &t2), DM_OK);
	ck_assert_int_eq(dm_tree_get(t2, "./DevInfo/Man", &n), DM_OK);
	dm_node_clear(&n);
	dm_tree_close(&t2);
	snprintf(file, sizeof(file), "%s/dmsc-agent/tree.db", dir);
	ck_assert_int_eq(access(file, R_OK | W_OK), 0);
	unlink(file);
	snprintf(file, sizeof(file), "%s/dmsc-agent/tree.db-wal", dir);
	unlink(file);
	snprintf(file, sizeof(file), "%s/dmsc-agent/tree.db-shm", dir);
	unlink(file);
	snprintf(file, sizeof(file), "%s/dmsc-agent", dir);
	ck_assert_int_eq(rmdir(file), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	/* An explicit path wins. */
	ck_assert_int_eq(dm_tree_open_default(db_path, &t2), DM_OK);
	dm_tree_close(&t2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dmtree");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, std_objects);
	tcase_add_test(tc, devinfo_given);
	tcase_add_test(tc, get_set_delete);
	tcase_add_test(tc, uri_syntax);
	tcase_add_test(tc, import_with_provenance_and_preorder);
	tcase_add_test(tc, failed_import_changes_nothing);
	tcase_add_test(tc, remove_by_iccid);
	tcase_add_test(tc, meta_last_card);
	tcase_add_test(tc, open_default_path);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
