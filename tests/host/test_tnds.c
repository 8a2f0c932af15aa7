/*
 * test_tnds.c - TNDS 1.2 parse/validate/export (host/tnds.h).
 *
 * argv[1]: the profiles/default directory (the demo TNDS files).
 * Known answers: the demo files' nodes and values; every malformed case
 * is refused with the expected line, node path and reason; export then
 * parse gives the same nodes back.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tnds.h"

static const char *profile_dir = "profiles/default";

static char *slurp(const char *name, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", profile_dir, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int parse_str(const char *xml, dm_node_list *out, dm_tnds_error *err)
{
	return dm_tnds_parse(dm_bytes_of((const uint8_t *)xml, strlen(xml)), out, err);
}

static const dm_node *node(const dm_node_list *l, const char *uri)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].uri, uri) == 0)
			return &l->v[i];
	return NULL;
}

static void same_lists(const dm_node_list *a, const dm_node_list *b)
{
	ck_assert_uint_eq(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		ck_assert_str_eq(a->v[i].uri, b->v[i].uri);
		ck_assert_str_eq(a->v[i].name, b->v[i].name);
		ck_assert_str_eq(a->v[i].format, b->v[i].format);
		ck_assert_str_eq(a->v[i].type, b->v[i].type);
		ck_assert_str_eq(a->v[i].acl, b->v[i].acl);
		ck_assert_int_eq(a->v[i].interior, b->v[i].interior);
		if (a->v[i].value)
			ck_assert_str_eq(a->v[i].value, b->v[i].value);
		else
			ck_assert_ptr_null(b->v[i].value);
	}
}

START_TEST(demo_dmboot)
{
	size_t len;
	char *xml = slurp("dmboot.xml", &len);
	dm_node_list l = { 0 };
	dm_tnds_error err;
	const dm_node *n;

	ck_assert_int_eq(dm_tnds_parse(dm_bytes_of((uint8_t *)xml, len), &l, &err), DM_OK);
	ck_assert_uint_eq(l.n, 13);
	ck_assert_str_eq(l.v[0].uri, "./DMAcc/DemoDM");
	ck_assert(l.v[0].interior);
	ck_assert_str_eq(l.v[0].acl, "Get=*&Replace=demo.dm");
	ck_assert_str_eq(l.v[0].type, "urn:oma:mo:oma-dm-dmacc:1.0");
	ck_assert_int_eq(l.v[0].line, 3);
	n = node(&l, "./DMAcc/DemoDM/ServerID");
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(n->value, "demo.dm");
	ck_assert_str_eq(n->format, "chr");
	ck_assert_str_eq(n->type, "text/plain");
	n = node(&l, "./DMAcc/DemoDM/AppAddr/1/Addr");
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(n->value, "https://dm.example.invalid:443/dm");
	n = node(&l, "./DMAcc/DemoDM/AppAuth/1/AAuthSecret");
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(n->value, "TEST-ONLY-cli");
	dm_node_list_clear(&l);
	free(xml);
}
END_TEST

START_TEST(demo_others)
{
	static const struct { const char *file, *uri, *value; size_t count; } cases[] = {
		{ "email.xml", "./Ext/Email/Work/InServer", "imap.example.invalid:993", 8 },
		{ "imps.xml", "./Ext/IMPS/Demo/UserID", "demo-user", 7 },
		{ "policy.xml", "./Ext/DMSCPolicy/Version", "1", 10 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		char *xml = slurp(cases[i].file, &len);
		dm_node_list l = { 0 };
		dm_tnds_error err;
		const dm_node *n;
		int rc = dm_tnds_parse(dm_bytes_of((uint8_t *)xml, len), &l, &err);

		ck_assert_msg(rc == DM_OK, "%s: line %d %s %s", cases[i].file, err.line, err.path,
			      err.reason);
		ck_assert_uint_eq(l.n, cases[i].count);
		n = node(&l, cases[i].uri);
		ck_assert_ptr_nonnull(n);
		ck_assert_str_eq(n->value, cases[i].value);
		dm_node_list_clear(&l);
		free(xml);
	}
}
END_TEST

#define HEAD "<?xml version=\"1.0\"?>\n<MgmtTree>\n<VerDTD>1.2</VerDTD>\n"
#define LEAF(name, fmt, val) \
	"<Node><NodeName>" name "</NodeName><RTProperties><Format><" fmt "/></Format>" \
	"<Type><MIME>text/plain</MIME></Type></RTProperties><Value>" val "</Value></Node>\n"
#define TOP(path, name) \
	"<Node><NodeName>" name "</NodeName><Path>" path "</Path><RTProperties><Format><node/>" \
	"</Format><Type><DDFName></DDFName></Type></RTProperties>\n"

/* Each case: refused, with this line, node path and a reason containing
 * the given words. */
static const struct bad {
	const char *xml;
	int line;
	const char *path;
	const char *reason;
} bad[] = {
	/* 0: root */
	{ "<?xml version=\"1.0\"?>\n<Tree><VerDTD>1.2</VerDTD></Tree>", 2, "", "not MgmtTree" },
	/* 1: VerDTD */
	{ "<?xml version=\"1.0\"?>\n<MgmtTree>\n<VerDTD>1.1</VerDTD>\n</MgmtTree>", 3, ".", "is not 1.2" },
	{ "<?xml version=\"1.0\"?>\n<MgmtTree>\n</MgmtTree>", 2, ".", "without VerDTD" },
	/* 3: Path on a nested node */
	{ HEAD TOP("./Ext", "A")
	  "<Node><NodeName>B</NodeName><Path>./Ext/A</Path><RTProperties><Format><chr/></Format>"
	  "<Type><MIME>text/plain</MIME></Type></RTProperties><Value>x</Value></Node>\n"
	  "</Node></MgmtTree>", 5, "./Ext/A", "Path on a nested Node" },
	/* 4: NodeName missing */
	{ HEAD TOP("./Ext", "A") "\n<Node><RTProperties><Format><chr/></Format></RTProperties></Node>\n"
	  "</Node></MgmtTree>", 6, "./Ext/A", "without NodeName" },
	/* 5: no RTProperties */
	{ HEAD "<Node><NodeName>A</NodeName><Path>./Ext</Path></Node></MgmtTree>", 4, "./Ext/A",
	  "without RTProperties" },
	/* 6: no Format */
	{ HEAD "<Node><NodeName>A</NodeName><Path>./Ext</Path>\n<RTProperties><Type><MIME>a/b</MIME>"
	  "</Type></RTProperties><Value>1</Value></Node></MgmtTree>", 5, "./Ext/A", "without Format" },
	/* 7: unknown Format */
	{ HEAD "<Node><NodeName>A</NodeName><Path>./Ext</Path>\n<RTProperties><Format>\n<string/>"
	  "</Format></RTProperties></Node></MgmtTree>", 6, "./Ext/A", "unknown Format" },
	/* 8: leaf without Type */
	{ HEAD "<Node><NodeName>A</NodeName><Path>./Ext</Path>\n<RTProperties><Format><chr/></Format>"
	  "</RTProperties><Value>x</Value></Node></MgmtTree>", 5, "./Ext/A", "needs Type" },
	/* 9: ACL grammar: unknown command */
	{ HEAD "<Node><NodeName>A</NodeName><Path>./Ext</Path><RTProperties>\n<ACL>Get=*&amp;Fetch=s"
	  "</ACL><Format><node/></Format></RTProperties></Node></MgmtTree>", 5, "./Ext/A", "ACL" },
	/* 10: ACL grammar: empty server */
	{ HEAD "<Node><NodeName>A</NodeName><Path>./Ext</Path><RTProperties>\n<ACL>Get=a+</ACL>"
	  "<Format><node/></Format></RTProperties></Node></MgmtTree>", 5, "./Ext/A", "grammar" },
	/* 11: int */
	{ HEAD TOP("./Ext", "A") LEAF("N", "int", "12x") "</Node></MgmtTree>", 5, "./Ext/A/N",
	  "not valid for Format int" },
	/* 12: int out of 32-bit range */
	{ HEAD TOP("./Ext", "A") "\n" LEAF("N", "int", "2147483648") "</Node></MgmtTree>", 6,
	  "./Ext/A/N", "Format int" },
	/* 13: bool */
	{ HEAD TOP("./Ext", "A") LEAF("B", "bool", "yes") "</Node></MgmtTree>", 5, "./Ext/A/B",
	  "Format bool" },
	/* 14: b64 */
	{ HEAD TOP("./Ext", "A") LEAF("K", "b64", "AB*=") "</Node></MgmtTree>", 5, "./Ext/A/K",
	  "Format b64" },
	/* 15: interior node with Value */
	{ HEAD "<Node><NodeName>A</NodeName><Path>./Ext</Path><RTProperties><Format><node/></Format>"
	  "</RTProperties>\n<Value>x</Value></Node></MgmtTree>", 5, "./Ext/A", "has a Value" },
	/* 16: leaf with children */
	{ HEAD "<Node><NodeName>A</NodeName><Path>./Ext</Path><RTProperties><Format><chr/></Format>"
	  "<Type><MIME>t/p</MIME></Type></RTProperties>\n" LEAF("B", "chr", "x") "</Node></MgmtTree>",
	  5, "./Ext/A", "has child Nodes" },
	/* 17: leaf never continued */
	{ HEAD TOP("./Ext", "A") "<Node><NodeName>L</NodeName><RTProperties><Format><chr/></Format>"
	  "<Type><MIME>t/p</MIME></Type></RTProperties></Node>\n</Node></MgmtTree>", 5, "./Ext/A/L",
	  "no later top-level Node continues" },
	/* 18: duplicate */
	{ HEAD TOP("./Ext", "A") LEAF("B", "chr", "1") LEAF("B", "chr", "2") "</Node></MgmtTree>", 6,
	  "./Ext/A/B", "duplicate node" },
	/* 19: continuation with another Format */
	{ HEAD TOP("./Ext", "A") "<Node><NodeName>L</NodeName><RTProperties><Format><chr/></Format>"
	  "<Type><MIME>t/p</MIME></Type></RTProperties></Node></Node>\n"
	  "<Node><NodeName>L</NodeName><Path>./Ext/A</Path>\n<RTProperties><Format><int/></Format>"
	  "<Type><MIME>t/p</MIME></Type></RTProperties><Value>1</Value></Node></MgmtTree>", 7,
	  "./Ext/A/L", "continuation Format" },
	/* 20: not well-formed */
	{ HEAD "<Node><NodeName>A</NodeName>\n\n<Path>./Ext</Pat></Node></MgmtTree>", 6, "",
	  "not well-formed" },
	/* 21: DOCTYPE with an external entity (XXE) */
	{ "<?xml version=\"1.0\"?>\n<!DOCTYPE MgmtTree [ <!ENTITY x SYSTEM \"file:///etc/passwd\"> ]>\n"
	  "<MgmtTree><VerDTD>1.2</VerDTD></MgmtTree>", 2, "", "DOCTYPE not allowed" },
	/* 22: bad Path */
	{ HEAD "<Node><NodeName>A</NodeName>\n<Path>Ext//x</Path><RTProperties><Format><node/>"
	  "</Format></RTProperties></Node></MgmtTree>", 5, "Ext//x", "absolute URI" },
	/* 23: bad NodeName */
	{ HEAD TOP("./Ext", "A") "<Node>\n<NodeName>a/b</NodeName><RTProperties><Format><node/>"
	  "</Format></RTProperties></Node></Node></MgmtTree>", 6, "./Ext/A", "bad NodeName" },
	/* 24: unexpected element */
	{ HEAD TOP("./Ext", "A") "\n<Foo/></Node></MgmtTree>", 6, "./Ext/A", "unexpected <Foo>" },
	/* 25: date */
	{ HEAD TOP("./Ext", "A") LEAF("D", "date", "2023-02-29") "</Node></MgmtTree>", 5, "./Ext/A/D",
	  "Format date" },
	/* 26: time */
	{ HEAD TOP("./Ext", "A") LEAF("T", "time", "24:00:00") "</Node></MgmtTree>", 5, "./Ext/A/T",
	  "Format time" },
	/* 27: xml value not well-formed */
	{ HEAD TOP("./Ext", "A") LEAF("X", "xml", "&lt;a&gt;") "</Node></MgmtTree>", 5, "./Ext/A/X",
	  "Format xml" },
	/* 28: null with a value */
	{ HEAD TOP("./Ext", "A") LEAF("Z", "null", "v") "</Node></MgmtTree>", 5, "./Ext/A/Z",
	  "Format null" },
	/* 29: float */
	{ HEAD TOP("./Ext", "A") LEAF("F", "float", "1.5e") "</Node></MgmtTree>", 5, "./Ext/A/F",
	  "Format float" },
	/* 30: ACL command twice */
	{ HEAD "<Node><NodeName>A</NodeName><Path>./Ext</Path><RTProperties>\n<ACL>Get=a&amp;Get=b"
	  "</ACL><Format><node/></Format></RTProperties></Node></MgmtTree>", 5, "./Ext/A", "ACL" },
	/* 31: markup inside Value */
	{ HEAD TOP("./Ext", "A") "<Node><NodeName>V</NodeName><RTProperties><Format><chr/></Format>"
	  "<Type><MIME>t/p</MIME></Type></RTProperties><Value>\n<b/></Value></Node></Node></MgmtTree>",
	  6, "./Ext/A/V", "holds markup" },
};

START_TEST(malformed_refused)
{
	const struct bad *b = &bad[_i];
	dm_node_list l = { 0 };
	dm_tnds_error err;
	char msg[1400];
	int rc = parse_str(b->xml, &l, &err);

	dm_tnds_error_format(&err, msg, sizeof(msg));
	ck_assert_msg(rc != DM_OK, "case %d accepted", _i);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_ptr_null(l.v);
	ck_assert_msg(err.line == b->line, "case %d: line %d want %d (%s)", _i, err.line, b->line, msg);
	ck_assert_msg(strcmp(err.path, b->path) == 0, "case %d: path '%s' want '%s' (%s)", _i,
		      err.path, b->path, msg);
	ck_assert_msg(strstr(err.reason, b->reason) != NULL, "case %d: reason '%s' lacks '%s'", _i,
		      err.reason, b->reason);
	ck_assert_msg(strstr(msg, "line ") == msg, "formatted: %s", msg);
}
END_TEST

START_TEST(continuation_merged)
{
	static const char xml[] = HEAD TOP("./Ext", "Big")
		"<Node><NodeName>Part</NodeName><RTProperties><Format><node/></Format></RTProperties></Node>"
		"<Node><NodeName>Blob</NodeName><RTProperties><Format><b64/></Format><Type><MIME>"
		"application/octet-stream</MIME></Type></RTProperties></Node>\n"
		"</Node>\n"
		"<Node><NodeName>Part</NodeName><Path>./Ext/Big</Path><RTProperties><Format><node/>"
		"</Format></RTProperties>" LEAF("X", "int", "-5") "</Node>\n"
		"<Node><NodeName>Blob</NodeName><Path>./Ext/Big/</Path><RTProperties><Format><b64/>"
		"</Format><Type><MIME>application/octet-stream</MIME></Type></RTProperties>"
		"<Value>AAEC\n AwQ=</Value></Node>\n</MgmtTree>";
	dm_node_list l = { 0 };
	dm_tnds_error err;
	const dm_node *n;
	int rc = parse_str(xml, &l, &err);

	ck_assert_msg(rc == DM_OK, "line %d %s: %s", err.line, err.path, err.reason);
	ck_assert_uint_eq(l.n, 4);
	ck_assert_str_eq(l.v[0].uri, "./Ext/Big");
	ck_assert_str_eq(l.v[1].uri, "./Ext/Big/Part");
	ck_assert_str_eq(l.v[2].uri, "./Ext/Big/Blob");
	ck_assert_str_eq(l.v[3].uri, "./Ext/Big/Part/X");
	n = node(&l, "./Ext/Big/Blob");
	ck_assert_str_eq(n->value, "AAEC\n AwQ=");
	ck_assert_str_eq(node(&l, "./Ext/Big/Part/X")->value, "-5");
	dm_node_list_clear(&l);

	/* A node with children is not a continuation point: duplicate. */
	static const char dup[] = HEAD TOP("./Ext", "A") LEAF("B", "chr", "1") "</Node>\n"
		TOP("./Ext", "A") "</Node></MgmtTree>";
	ck_assert_int_eq(parse_str(dup, &l, &err), DM_E_VALUE);
	ck_assert_int_eq(err.line, 7);
	ck_assert_str_eq(err.path, "./Ext/A");
	ck_assert_ptr_nonnull(strstr(err.reason, "duplicate"));
}
END_TEST

START_TEST(round_trip)
{
	static const char *const files[] = { "dmboot.xml", "email.xml", "imps.xml", "policy.xml" };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len, xlen;
		char *src = slurp(files[i], &len), *xml = NULL;
		dm_node_list a = { 0 }, b = { 0 };
		dm_tnds_error err;

		ck_assert_int_eq(dm_tnds_parse(dm_bytes_of((uint8_t *)src, len), &a, &err), DM_OK);
		ck_assert_int_eq(dm_tnds_export(&a, &xml, &xlen), DM_OK);
		ck_assert_uint_eq(strlen(xml), xlen);
		ck_assert_int_eq(dm_tnds_parse(dm_bytes_of((uint8_t *)xml, xlen), &b, &err), DM_OK);
		same_lists(&a, &b);
		/* The first node is top-level with its Path; the rest nested. */
		ck_assert_ptr_nonnull(strstr(xml, "<Path>"));
		ck_assert_ptr_null(strstr(strstr(xml, "<Path>") + 1, "<Path>"));
		dm_node_list_clear(&a);
		dm_node_list_clear(&b);
		free(xml);
		free(src);
	}
}
END_TEST

START_TEST(export_escapes_and_tops)
{
	dm_node_list l = { 0 }, back = { 0 };
	dm_node n1 = { .uri = "./Ext/A", .name = "A", .format = "node", .type = "", .acl = "",
		       .interior = true };
	dm_node n2 = { .uri = "./Ext/A/V", .name = "V", .format = "chr", .type = "text/plain",
		       .acl = "Get=*", .value = "<&>\"'" };
	dm_node n3 = { .uri = "./DMAcc/X", .name = "X", .format = "node", .type = "", .acl = "",
		       .interior = true };
	char *xml;
	size_t len;
	dm_tnds_error err;

	ck_assert_int_eq(dm_node_list_add(&l, &n1), DM_OK);
	ck_assert_int_eq(dm_node_list_add(&l, &n2), DM_OK);
	ck_assert_int_eq(dm_node_list_add(&l, &n3), DM_OK);
	ck_assert_int_eq(dm_tnds_export(&l, &xml, &len), DM_OK);
	ck_assert_ptr_nonnull(strstr(xml, "&lt;&amp;&gt;"));
	ck_assert_ptr_nonnull(strstr(xml, "<Path>./Ext</Path>"));
	ck_assert_ptr_nonnull(strstr(xml, "<Path>./DMAcc</Path>"));
	ck_assert_int_eq(dm_tnds_parse(dm_bytes_of((uint8_t *)xml, len), &back, &err), DM_OK);
	same_lists(&l, &back);
	free(xml);
	dm_node_list_clear(&back);
	/* A node with an unknown format cannot be exported. */
	l.v[2].format[0] = 'X';
	ck_assert_int_eq(dm_tnds_export(&l, &xml, &len), DM_E_VALUE);
	dm_node_list_clear(&l);
}
END_TEST

START_TEST(value_rules)
{
	ck_assert_int_eq(dm_tnds_check_value("int", "-2147483648"), DM_OK);
	ck_assert_int_eq(dm_tnds_check_value("int", "2147483647"), DM_OK);
	ck_assert_int_eq(dm_tnds_check_value("int", "-2147483649"), DM_E_VALUE);
	ck_assert_int_eq(dm_tnds_check_value("int", ""), DM_E_VALUE);
	ck_assert_int_eq(dm_tnds_check_value("int", " 1"), DM_E_VALUE);
	ck_assert_int_eq(dm_tnds_check_value("bool", "true"), DM_OK);
	ck_assert_int_eq(dm_tnds_check_value("bool", "false"), DM_OK);
	ck_assert_int_eq(dm_tnds_check_value("bool", "TRUE"), DM_E_VALUE);
	ck_assert_int_eq(dm_tnds_check_value("b64", "SGVsbG8="), DM_OK);
	ck_assert_int_eq(dm_tnds_check_value("b64", ""), DM_OK);
	ck_assert_int_eq(dm_tnds_check_value("b64", "SGVsbG8"), DM_E_VALUE);
	ck_assert_int_eq(dm_tnds_check_value("bin", "SGVs\nbG8h"), DM_OK);
	ck_assert_int_eq(dm_tnds_check_value("node", NULL), DM_OK);
	ck_assert_int_eq(dm_tnds_check_value("node", ""), DM_E_VALUE);
	ck_assert_int_eq(dm_tnds_check_value("null", ""), DM_OK);
	ck_assert_int_eq(dm_tnds_check_value("date", "2024-02-29"), DM_OK);
	ck_assert_int_eq(dm_tnds_check_value("date", "20240229"), DM_OK);
	ck_assert_int_eq(dm_tnds_check_value("date", "1900-02-29"), DM_E_VALUE);
	ck_assert_int_eq(dm_tnds_check_value("date", "2024-13-01"), DM_E_VALUE);
	ck_assert_int_eq(dm_tnds_check_value("time", "23:59:59Z"), DM_OK);
	ck_assert_int_eq(dm_tnds_check_value("time", "235959+0130"), DM_OK);
	ck_assert_int_eq(dm_tnds_check_value("time", "12:00:00+01:00"), DM_OK);
	ck_assert_int_eq(dm_tnds_check_value("time", "12:60:00"), DM_E_VALUE);
	ck_assert_int_eq(dm_tnds_check_value("float", "-1.25e3"), DM_OK);
	ck_assert_int_eq(dm_tnds_check_value("float", "inf"), DM_E_VALUE);
	ck_assert_int_eq(dm_tnds_check_value("xml", "<a x='1'>t</a><b/>"), DM_OK);
	ck_assert_int_eq(dm_tnds_check_value("xml", "<a>"), DM_E_VALUE);
	ck_assert_int_eq(dm_tnds_check_value("chr", "anything <at> all"), DM_OK);
	ck_assert_int_eq(dm_tnds_check_value("string", "x"), DM_E_VALUE);
}
END_TEST

START_TEST(acl_rules)
{
	static const char *const good[] = {
		"", "Get=*", "Get=*&Replace=demo.dm", "Add=a+b+c&Delete=a&Exec=x&Get=*&Replace=y",
	};
	static const char *const badacl[] = {
		"Get", "Get=", "=x", "Get=a+", "Get=+a", "Get=a&", "&Get=a", "get=a", "Get=a b",
		"Get=a&Get=b", "Get=a=b", "Fetch=a", "Get=a&&Add=b",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(dm_tnds_check_acl(good[i]) == DM_OK, "refused %s", good[i]);
	for (size_t i = 0; i < sizeof(badacl) / sizeof(badacl[0]); i++)
		ck_assert_msg(dm_tnds_check_acl(badacl[i]) == DM_E_VALUE, "accepted %s", badacl[i]);
}
END_TEST

START_TEST(limits_and_args)
{
	dm_node_list l = { 0 };
	dm_tnds_error err;
	char *big;
	size_t n = DM_TNDS_MAX_DOC + 1;

	ck_assert_int_eq(dm_tnds_parse(dm_bytes_of(NULL, 0), &l, &err), DM_E_TAG);
	ck_assert_int_eq(dm_tnds_parse(dm_bytes_of(NULL, 3), &l, &err), DM_E_ARG);
	big = malloc(n);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', n);
	ck_assert_int_eq(dm_tnds_parse(dm_bytes_of((uint8_t *)big, n), &l, &err), DM_E_LENGTH);
	free(big);

	/* Nesting deeper than DM_TNDS_MAX_DEPTH is refused. */
	size_t cap = 200000, off = 0;
	char *deep = malloc(cap);
	ck_assert_ptr_nonnull(deep);
	off += (size_t)snprintf(deep + off, cap - off, "%s", HEAD);
	for (int i = 0; i < DM_TNDS_MAX_DEPTH + 3; i++)
		off += (size_t)snprintf(deep + off, cap - off, "<Node><NodeName>n%d</NodeName>"
					"<RTProperties><Format><node/></Format></RTProperties>", i);
	for (int i = 0; i < DM_TNDS_MAX_DEPTH + 3; i++)
		off += (size_t)snprintf(deep + off, cap - off, "</Node>");
	off += (size_t)snprintf(deep + off, cap - off, "</MgmtTree>");
	ck_assert_int_eq(dm_tnds_parse(dm_bytes_of((uint8_t *)deep, off), &l, &err), DM_E_VALUE);
	ck_assert_ptr_nonnull(strstr(err.reason, "deeper"));
	ck_assert_uint_eq(l.n, 0);
	free(deep);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("tnds");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	if (argc > 1)
		profile_dir = argv[1];
	tcase_add_test(tc, demo_dmboot);
	tcase_add_test(tc, demo_others);
	tcase_add_loop_test(tc, malformed_refused, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, continuation_merged);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, export_escapes_and_tops);
	tcase_add_test(tc, value_rules);
	tcase_add_test(tc, acl_rules);
	tcase_add_test(tc, limits_and_args);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
