/*
 * test_alert.c - Generic Alert messages (OMA DM 1.2 alert 1226) and the
 * crash-safe outbox (host/alert.h).
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "alert.h"

static const dm_alert sample = {
	.server_id = "demo.dm",
	.dev_id = "dmsc:0011223344556677",
	.session_id = "1A",
	.msg_id = 3,
	.source_uri = "./Ext/DMSCPolicy",
	.type = DM_ALERT_TYPE_FORBIDDEN_USE,
	.mark = DM_ALERT_MARK_CRITICAL,
	.data = "Camera blocked <rule 1> & logged",
};

/* The text of the one node at xpath (NULL if not exactly one), xmlFree it. */
static char *xpath_text(xmlDocPtr doc, const char *xpath)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr obj;
	char *s = NULL;

	ck_assert_ptr_nonnull(ctx);
	xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST "SYNCML:SYNCML1.2");
	xmlXPathRegisterNs(ctx, BAD_CAST "m", BAD_CAST "syncml:metinf");
	obj = xmlXPathEvalExpression(BAD_CAST xpath, ctx);
	if (obj && obj->nodesetval && obj->nodesetval->nodeNr == 1)
		s = (char *)xmlNodeGetContent(obj->nodesetval->nodeTab[0]);
	xmlXPathFreeObject(obj);
	xmlXPathFreeContext(ctx);
	return s;
}

static void expect(xmlDocPtr doc, const char *xpath, const char *want)
{
	char *got = xpath_text(doc, xpath);

	ck_assert_msg(got != NULL, "%s: absent", xpath);
	ck_assert_str_eq(got, want);
	xmlFree(got);
}

static xmlDocPtr parse(const uint8_t *p, size_t n)
{
	xmlDocPtr doc = xmlReadMemory((const char *)p, (int)n, "alert.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

	ck_assert_ptr_nonnull(doc);
	return doc;
}

START_TEST(generic_alert_well_formed_and_complete)
{
	static uint8_t buf[8192];
	dm_wbuf w = dm_wbuf_init(buf, sizeof(buf));
	xmlDocPtr doc;

	ck_assert_int_eq(dm_alert_build(&sample, &w), DM_OK);
	ck_assert_uint_eq(strlen((char *)buf), w.len);
	doc = parse(buf, w.len);
	expect(doc, "/s:SyncML/s:SyncHdr/s:VerDTD", "1.2");
	expect(doc, "/s:SyncML/s:SyncHdr/s:VerProto", "DM/1.2");
	expect(doc, "/s:SyncML/s:SyncHdr/s:SessionID", "1A");
	expect(doc, "/s:SyncML/s:SyncHdr/s:MsgID", "3");
	expect(doc, "/s:SyncML/s:SyncHdr/s:Target/s:LocURI", "demo.dm");
	expect(doc, "/s:SyncML/s:SyncHdr/s:Source/s:LocURI", "dmsc:0011223344556677");
	expect(doc, "/s:SyncML/s:SyncBody/s:Alert/s:CmdID", "1");
	expect(doc, "/s:SyncML/s:SyncBody/s:Alert/s:Data", "1226");
	expect(doc, "/s:SyncML/s:SyncBody/s:Alert/s:Item/s:Source/s:LocURI", "./Ext/DMSCPolicy");
	expect(doc, "/s:SyncML/s:SyncBody/s:Alert/s:Item/s:Meta/m:Type",
	       "urn:x-dmsc:alert:forbidden-use:1.0");
	expect(doc, "/s:SyncML/s:SyncBody/s:Alert/s:Item/s:Meta/m:Format", "chr");
	expect(doc, "/s:SyncML/s:SyncBody/s:Alert/s:Item/s:Meta/m:Mark", "critical");
	/* Markup in Data is escaped by libxml2 and comes back unchanged. */
	expect(doc, "/s:SyncML/s:SyncBody/s:Alert/s:Item/s:Data", "Camera blocked <rule 1> & logged");
	{
		char *fin = xpath_text(doc, "/s:SyncML/s:SyncBody/s:Final");

		ck_assert_ptr_nonnull(fin);
		xmlFree(fin);
	}
	xmlFreeDoc(doc);
}
END_TEST

START_TEST(optional_fields_left_out)
{
	static uint8_t buf[8192];
	dm_wbuf w = dm_wbuf_init(buf, sizeof(buf));
	dm_alert a = { .server_id = "srv", .dev_id = "dev" };
	xmlDocPtr doc;
	char *s;

	ck_assert_int_eq(dm_alert_build(&a, &w), DM_OK);
	doc = parse(buf, w.len);
	expect(doc, "/s:SyncML/s:SyncHdr/s:MsgID", "1");
	expect(doc, "/s:SyncML/s:SyncBody/s:Alert/s:Item/s:Meta/m:Format", "chr");
	s = xpath_text(doc, "/s:SyncML/s:SyncBody/s:Alert/s:Item/s:Source");
	ck_assert_ptr_null(s);
	s = xpath_text(doc, "/s:SyncML/s:SyncBody/s:Alert/s:Item/s:Meta/m:Mark");
	ck_assert_ptr_null(s);
	s = xpath_text(doc, "/s:SyncML/s:SyncHdr/s:SessionID");
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_gt(strlen(s), 0);
	xmlFree(s);
	xmlFreeDoc(doc);
}
END_TEST

START_TEST(bad_arguments_and_small_buffer)
{
	uint8_t buf[64];
	dm_wbuf w = dm_wbuf_init(buf, sizeof(buf));
	dm_alert a = sample;

	ck_assert_int_eq(dm_alert_build(NULL, &w), DM_E_ARG);
	ck_assert_int_eq(dm_alert_build(&a, NULL), DM_E_ARG);
	a.server_id = NULL;
	ck_assert_int_eq(dm_alert_build(&a, &w), DM_E_ARG);
	a.server_id = "";
	ck_assert_int_eq(dm_alert_build(&a, &w), DM_E_ARG);
	a = sample;
	a.dev_id = NULL;
	ck_assert_int_eq(dm_alert_build(&a, &w), DM_E_ARG);
	/* 64 bytes cannot hold the message: nothing written. */
	ck_assert_int_eq(dm_alert_build(&sample, &w), DM_E_OVERFLOW);
	ck_assert_uint_eq(w.len, 0);
	ck_assert_int_eq(dm_alert_post(NULL, &sample, NULL, 0), DM_E_ARG);
	ck_assert_int_eq(dm_alert_post("", &sample, NULL, 0), DM_E_ARG);
}
END_TEST

static char *make_tmpdir(void)
{
	static char dir[64];

	snprintf(dir, sizeof(dir), "/tmp/test-alert-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

/* Count files in dir: *alerts named alert-*.xml, *others anything else. */
static void count_files(const char *dir, unsigned *alerts, unsigned *others)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	ck_assert_ptr_nonnull(d);
	*alerts = *others = 0;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!strncmp(e->d_name, "alert-", 6) && n > 4 && !strcmp(e->d_name + n - 4, ".xml"))
			(*alerts)++;
		else
			(*others)++;
	}
	closedir(d);
}

static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

START_TEST(outbox_one_file_per_alert_no_temp_left)
{
	char *base = make_tmpdir(), outbox[128], name[128], path[300];
	unsigned alerts, others;
	xmlDocPtr doc;

	/* The outbox directory is created on first use. */
	snprintf(outbox, sizeof(outbox), "%s/outbox", base);
	for (int i = 0; i < 50; i++)
		ck_assert_int_eq(dm_alert_post(outbox, &sample, name, sizeof(name)), DM_OK);
	count_files(outbox, &alerts, &others);
	ck_assert_uint_eq(alerts, 50);   /* same second, same process: never one replaced */
	ck_assert_uint_eq(others, 0);    /* no temporary file left */
	/* The last file is the whole message. */
	snprintf(path, sizeof(path), "%s/%s", outbox, name);
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
	ck_assert_ptr_nonnull(doc);
	expect(doc, "/s:SyncML/s:SyncBody/s:Alert/s:Data", "1226");
	xmlFreeDoc(doc);
	/* A name buffer too small is an error, the alert is still posted. */
	ck_assert_int_eq(dm_alert_post(outbox, &sample, name, 4), DM_E_OVERFLOW);
	count_files(outbox, &alerts, &others);
	ck_assert_uint_eq(alerts, 51);
	rm_dir(outbox);
	rmdir(base);
}
END_TEST

START_TEST(outbox_clean_removes_crash_leftovers_only)
{
	char *base = make_tmpdir(), p[300];
	unsigned alerts, others, n = 99;
	int fd;

	ck_assert_int_eq(dm_alert_post(base, &sample, NULL, 0), DM_OK);
	/* What a crash between mkstemp and link leaves: a half temporary file. */
	snprintf(p, sizeof(p), "%s/.tmp-abc123", base);
	fd = open(p, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "<SyncML", 7), 7);
	close(fd);
	count_files(base, &alerts, &others);
	ck_assert_uint_eq(alerts, 1);
	ck_assert_uint_eq(others, 1);
	ck_assert_int_eq(dm_alert_outbox_clean(base, &n), DM_OK);
	ck_assert_uint_eq(n, 1);
	count_files(base, &alerts, &others);
	ck_assert_uint_eq(alerts, 1);
	ck_assert_uint_eq(others, 0);
	/* Nothing to clean; an absent outbox is empty. */
	ck_assert_int_eq(dm_alert_outbox_clean(base, &n), DM_OK);
	ck_assert_uint_eq(n, 0);
	rm_dir(base);
	ck_assert_int_eq(dm_alert_outbox_clean(base, &n), DM_OK);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(outbox_unwritable_is_io_error)
{
	char *base = make_tmpdir(), file[128];
	int fd;

	/* The outbox path is a regular file: refused, nothing posted. */
	snprintf(file, sizeof(file), "%s/not-a-dir", base);
	fd = open(file, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(dm_alert_post(file, &sample, NULL, 0), DM_E_IO);
	rm_dir(base);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("alert");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, generic_alert_well_formed_and_complete);
	tcase_add_test(tc, optional_fields_left_out);
	tcase_add_test(tc, bad_arguments_and_small_buffer);
	tcase_add_test(tc, outbox_one_file_per_alert_no_temp_left);
	tcase_add_test(tc, outbox_clean_removes_crash_leftovers_only);
	tcase_add_test(tc, outbox_unwritable_is_io_error);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	xmlCleanupParser();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
