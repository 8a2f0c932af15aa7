/*
 * test_usecases.c - the use-case commands of DM_SC 5.2 (copy-mo), 5.3
 * (policy status, use, admin) and 5.4 (install) over the in-process
 * transport on a fresh default card (tests/host/host_harness.h), plus
 * their wire-format builders with malformed inputs.
 *
 * Signatures are known-answer vectors made once with openssl and the
 * TEST-ONLY keys of profiles/default (ECDSA is randomized; any valid
 * signature verifies):
 *   printf 'dmsc test package 1.0\n' | openssl dgst -sha256 -sign ma-private-TEST-ONLY.pem
 *   { printf DMSC-PO1; xxd -r -p <<< 800400000001810643616d657261820101; } |
 *       openssl dgst -sha256 -sign enterprise-private-TEST-ONLY.pem
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "alert.h"
#include "approve.h"
#include "cardops.h"
#include "cmd_policy.h"
#include "copymo.h"
#include "dmtree.h"
#include "hex.h"
#include "host_harness.h"
#include "policy.h"
#include "sw.h"
#include "tnds.h"

#define PKG "dmsc test package 1.0\n"
#define SIG_MA_PKG "3044022054d2562c8c934a02b0b56c663b87982efe2ebfeda14b6300dcde820ff86baca9" \
	"022077ca74279aab5c6788ed44616c4a190b512f6f8c87e2f5de7270a76fbb2da776"
#define SIG_ENT_PKG "3045022028101b6d83916705b72616da4c092084f15fe199305f3a3bb4dde3e3cc85b7ac" \
	"022100b38559a1d4cf48b93be0bf29db0c3af4d7147a56f30a083674dbcd9ae9f219b1"
/* counter 1, Camera, enable, enterprise key */
#define SIG_ENT_OP1 "3045022100badd987f46e448aff8a202a29cf5fa52e0f15b347cae416be241814c6ab6bb58" \
	"022023e670e40f5bef2a5ebd6efe5f9bdfa9ae7e7461fae5e269c647261a1c7b87d2"
/* counter 2, Camera, disable, the MA's key instead of the enterprise's */
#define SIG_MA_OP2 "3046022100c011c16fbf6a7a008e8235938cd819158f58590c52756019810e1360b69d4158" \
	"022100dd9f0775dcaa7c9bfc9e0d520c96aee9aed3be1a0ce3da8b168552b8fba78076"

/* The demo card's policy MO (profiles/default/policy.xml). */
static const char policy_xml[] =
	"<MgmtTree><VerDTD>1.2</VerDTD>"
	"<Node><NodeName>DMSCPolicy</NodeName><Path>./Ext</Path><RTProperties><ACL>Get=*</ACL>"
	"<Format><node/></Format><Type><DDFName>urn:x-dmsc:mo:enterprise-policy:1.0</DDFName></Type></RTProperties>"
	"<Node><NodeName>Rules</NodeName><RTProperties><Format><node/></Format><Type><DDFName></DDFName></Type></RTProperties>"
	"<Node><NodeName>1</NodeName><RTProperties><Format><node/></Format><Type><DDFName></DDFName></Type></RTProperties>"
	"<Node><NodeName>Resource</NodeName><RTProperties><Format><chr/></Format><Type><MIME>text/plain</MIME></Type></RTProperties><Value>Camera,Bluetooth,IR,USB</Value></Node>"
	"<Node><NodeName>Action</NodeName><RTProperties><Format><chr/></Format><Type><MIME>text/plain</MIME></Type></RTProperties><Value>Disable</Value></Node>"
	"<Node><NodeName>Days</NodeName><RTProperties><Format><chr/></Format><Type><MIME>text/plain</MIME></Type></RTProperties><Value>Mon-Fri</Value></Node>"
	"<Node><NodeName>From</NodeName><RTProperties><Format><chr/></Format><Type><MIME>text/plain</MIME></Type></RTProperties><Value>09:00</Value></Node>"
	"<Node><NodeName>To</NodeName><RTProperties><Format><chr/></Format><Type><MIME>text/plain</MIME></Type></RTProperties><Value>18:00</Value></Node>"
	"</Node></Node></Node></MgmtTree>";

static const char wed_office[] = "2026-11-18T10:30";  /* Wednesday */
static const char saturday[] = "2026-11-21T10:30";

typedef struct fixture {
	char dir[64], db[128], outbox[128], pin[128], adm[128], sig[128], pkg[128], conf[128];
	char *out_text;
	size_t out_len;
	FILE *out;
	dm_agent ctx;
	dm_transport *t;
} fixture;

static fixture fx;

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	fclose(f);
}

static void write_hex(const char *path, const char *hex)
{
	uint8_t buf[256];
	dm_wbuf w = dm_wbuf_init(buf, sizeof(buf));

	ck_assert_int_eq(dm_hex_decode(hex, &w), DM_OK);
	write_file(path, buf, w.len);
}

static void setup(void)
{
	memset(&fx, 0, sizeof(fx));
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/test-usecases-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(fx.dir));
	snprintf(fx.db, sizeof(fx.db), "%s/tree.db", fx.dir);
	snprintf(fx.outbox, sizeof(fx.outbox), "%s/outbox", fx.dir);
	snprintf(fx.pin, sizeof(fx.pin), "%s/pin81", fx.dir);
	snprintf(fx.adm, sizeof(fx.adm), "%s/adm1", fx.dir);
	snprintf(fx.sig, sizeof(fx.sig), "%s/sig", fx.dir);
	snprintf(fx.pkg, sizeof(fx.pkg), "%s/pkg", fx.dir);
	snprintf(fx.conf, sizeof(fx.conf), "%s/agent.conf", fx.dir);
	write_file(fx.pin, "0000\n", 5);
	write_file(fx.adm, "88888888\n", 9);
	write_file(fx.pkg, PKG, strlen(PKG));
	fx.out = open_memstream(&fx.out_text, &fx.out_len);
	ck_assert_ptr_nonnull(fx.out);
	fx.t = hh_open(DM_PROTO_T1);
	fx.ctx.prog = "dmsc-agent";
	fx.ctx.db_path = fx.db;
	fx.ctx.outbox = fx.outbox;
	fx.ctx.config_path = fx.conf;   /* absent unless a test writes it */
	fx.ctx.out = fx.out;
	fx.ctx.err = stderr;
	fx.ctx.t = fx.t;
}

static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (unlink(p))
			rm_tree(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static void teardown(void)
{
	hh_close(&fx.t);
	fclose(fx.out);
	free(fx.out_text);
	rm_tree(fx.dir);
}

/* Run a command: argv is a NULL-terminated list of string literals. */
static int run(dm_cmd_fn fn, const char *const *args)
{
	char *argv[16];
	int argc = 0;

	while (args[argc]) {
		ck_assert_int_lt(argc, 15);
		argv[argc] = (char *)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	fflush(fx.out);
	return fn(argc, argv, &fx.ctx);
}

static unsigned count_alerts(void)
{
	DIR *d = opendir(fx.outbox);
	struct dirent *e;
	unsigned n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "alert-", 6))
			n++;
		else
			ck_assert_msg(e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, "..")),
				      "stray file %s in the outbox", e->d_name);
	closedir(d);
	return n;
}

static void import_policy(void)
{
	dm_tree *t = NULL;
	dm_prov prov = { "98101430121181157002", 7 };
	dm_tnds_error err;

	ck_assert_int_eq(dm_tree_open(fx.db, NULL, &t), DM_OK);
	ck_assert_int_eq(dm_tnds_import(t, dm_bytes_of((const uint8_t *)policy_xml,
						       sizeof(policy_xml) - 1), &prov, &err), DM_OK);
	dm_tree_close(&t);
}

/* EF_EVLOG record 1 (the newest) read through the transport, hex. */
static void read_evlog(char *hex, size_t cap)
{
	uint8_t buf[64];
	dm_wbuf w = dm_wbuf_init(buf, sizeof(buf));

	ck_assert_int_eq(dm_hc_select_aid(fx.t, (const uint8_t *)DM_HC_AID_DMSC,
					  DM_HC_AID_DMSC_LEN, NULL), DM_OK);
	ck_assert_int_eq(dm_hc_verify(fx.t, DM_HC_PIN2_DMSC, "0000", NULL), DM_OK);
	ck_assert_int_eq(dm_hc_select_fid(fx.t, 0x6424, NULL), DM_OK);
	ck_assert_int_eq(dm_hc_read_record(fx.t, "EF_EVLOG", 1, &w), DM_OK);
	ck_assert_uint_eq(w.len, 32);
	ck_assert_int_eq(dm_hex_encode(buf, w.len, hex, cap), DM_OK);
}

/* ---- 5.3 -------------------------------------------------------------- */

START_TEST(policy_loaded_from_tree)
{
	dm_tree *t = NULL;
	dm_policy p;
	dm_policy_decision d;
	struct tm tm = { .tm_wday = 3, .tm_hour = 10, .tm_min = 30 };

	import_policy();
	ck_assert_int_eq(dm_tree_open(fx.db, NULL, &t), DM_OK);
	ck_assert_int_eq(dm_policy_load(t, &p, NULL, 0), DM_OK);
	ck_assert_uint_eq(p.n_rules, 1);
	ck_assert_int_eq(dm_policy_eval(&p, "Camera", &tm, &d), DM_OK);
	ck_assert(!d.enabled);
	ck_assert_int_eq(d.source, DM_POLICY_FROM_RULE);
	ck_assert_int_eq(dm_policy_eval(&p, "WLAN", &tm, &d), DM_OK);
	ck_assert(d.enabled);
	dm_tree_close(&t);
	ck_assert_int_eq(run(dm_cmd_policy, (const char *[]){ "policy", "status", "--at",
							       wed_office, NULL }), DM_EXIT_OK);
	fflush(fx.out);
	ck_assert_ptr_nonnull(strstr(fx.out_text, "Camera       enabled   disabled  rule 1"));
	ck_assert_int_eq(run(dm_cmd_policy, (const char *[]){ "policy", "status", "--at",
							       "tomorrow", NULL }), DM_EXIT_USAGE);
	ck_assert_int_eq(run(dm_cmd_policy, (const char *[]){ "policy", NULL }), DM_EXIT_USAGE);
}
END_TEST

START_TEST(use_allowed_and_blocked_with_evlog_and_alert)
{
	char hex[80];

	import_policy();
	/* Saturday: allowed, nothing logged or reported. */
	ck_assert_int_eq(run(dm_cmd_use, (const char *[]){ "use", "Camera", "--at", saturday,
							    "--pin-file", fx.pin, NULL }), DM_EXIT_OK);
	ck_assert_uint_eq(count_alerts(), 0);
	/* Wednesday office hours: blocked, EF_EVLOG record, one alert. */
	ck_assert_int_eq(run(dm_cmd_use, (const char *[]){ "use", "Camera", "--at", wed_office,
							    "--pin-file", fx.pin, NULL }), DM_EXIT_DENIED);
	ck_assert_uint_eq(count_alerts(), 1);
	read_evlog(hex, sizeof(hex));
	/* type 01 forbidden use, source 00 device, event 1, time, action FF, "Camera" */
	ck_assert_str_eq(hex + 0, "010000000001" "6AFD7E28" "FF06" "43616D657261"
			 "FFFFFFFFFFFFFFFFFFFFFFFFFFFF");
	/* AF3: no PIN: still blocked and reported, the card log unchanged. */
	ck_assert_int_eq(run(dm_cmd_use, (const char *[]){ "use", "usb", "--at", wed_office, NULL }),
			 DM_EXIT_DENIED);
	ck_assert_uint_eq(count_alerts(), 2);
	read_evlog(hex, sizeof(hex));
	ck_assert_ptr_nonnull(strstr(hex, "43616D657261"));
	/* Unknown resource: a usage error, nothing reported. */
	ck_assert_int_eq(run(dm_cmd_use, (const char *[]){ "use", "Toaster", NULL }), DM_EXIT_USAGE);
	ck_assert_uint_eq(count_alerts(), 2);
}
END_TEST

START_TEST(admin_operation_only_after_card_verified)
{
	ck_assert_int_eq(setenv("TZ", "UTC", 1), 0);
	import_policy();
	/* AF2: signed by the MA instead of the enterprise: 6982, nothing changes. */
	write_hex(fx.sig, SIG_MA_OP2);
	ck_assert_int_eq(run(dm_cmd_admin, (const char *[]){ "admin", "disable", "Camera",
							      "--counter", "2", "--sig", fx.sig, NULL }),
			 DM_EXIT_DENIED);
	ck_assert_uint_eq(count_alerts(), 1);
	/* AF1: the enterprise's operation: accepted, Camera enabled despite the rule. */
	write_hex(fx.sig, SIG_ENT_OP1);
	ck_assert_int_eq(run(dm_cmd_admin, (const char *[]){ "admin", "enable", "Camera",
							      "--counter", "1", "--sig", fx.sig, NULL }),
			 DM_EXIT_OK);
	ck_assert_uint_eq(count_alerts(), 2);
	ck_assert_int_eq(run(dm_cmd_use, (const char *[]){ "use", "Camera", "--at", wed_office,
							    NULL }), DM_EXIT_OK);
	/* Replayed: 6985, refused. */
	ck_assert_int_eq(run(dm_cmd_admin, (const char *[]){ "admin", "enable", "Camera",
							      "--counter", "1", "--sig", fx.sig, NULL }),
			 DM_EXIT_DENIED);
	/* A signature over other bytes (action changed): refused by the card. */
	ck_assert_int_eq(run(dm_cmd_admin, (const char *[]){ "admin", "disable", "Camera",
							      "--counter", "3", "--sig", fx.sig, NULL }),
			 DM_EXIT_DENIED);
	ck_assert_int_eq(run(dm_cmd_use, (const char *[]){ "use", "Camera", "--at", wed_office,
							    NULL }), DM_EXIT_OK);
	/* Usage errors. */
	ck_assert_int_eq(run(dm_cmd_admin, (const char *[]){ "admin", "toggle", "Camera", NULL }),
			 DM_EXIT_USAGE);
	ck_assert_int_eq(run(dm_cmd_admin, (const char *[]){ "admin", "enable", "Camera",
							      "--counter", "x1", "--sig", fx.sig, NULL }),
			 DM_EXIT_USAGE);
}
END_TEST

/* ---- 5.4 -------------------------------------------------------------- */

START_TEST(install_approved_tampered_unapproved)
{
	char log[160], conf[300];
	uint8_t *text;
	size_t len;

	snprintf(log, sizeof(log), "%s/install.log", fx.dir);
	snprintf(conf, sizeof(conf), "install.log = %s\n", log);
	write_file(fx.conf, conf, strlen(conf));
	/* Approved by the MA. */
	write_hex(fx.sig, SIG_MA_PKG);
	ck_assert_int_eq(run(dm_cmd_install, (const char *[]){ "install", fx.pkg, "--sig", fx.sig,
								NULL }), DM_EXIT_OK);
	/* Tampered: one byte changed, the MA's signature no longer verifies: rejected. */
	write_file(fx.pkg, "dmsc test package 1.1\n", strlen(PKG));
	ck_assert_int_eq(run(dm_cmd_install, (const char *[]){ "install", fx.pkg, "--sig", fx.sig,
								NULL }), DM_EXIT_DENIED);
	/* Unapproved (enterprise key): rejected by default even with --yes. */
	write_file(fx.pkg, PKG, strlen(PKG));
	write_hex(fx.sig, SIG_ENT_PKG);
	ck_assert_int_eq(run(dm_cmd_install, (const char *[]){ "install", fx.pkg, "--sig", fx.sig,
								"--yes", NULL }), DM_EXIT_DENIED);
	/* Policy "ask": the user's answer decides. */
	snprintf(conf, sizeof(conf), "install.log = %s\ninstall.unapproved = ask\n", log);
	write_file(fx.conf, conf, strlen(conf));
	ck_assert_int_eq(run(dm_cmd_install, (const char *[]){ "install", fx.pkg, "--sig", fx.sig,
								"--yes", NULL }), DM_EXIT_OK);
	ck_assert_int_eq(run(dm_cmd_install, (const char *[]){ "install", fx.pkg, "--sig", fx.sig,
								"--no", NULL }), DM_EXIT_DENIED);
	ck_assert_uint_eq(count_alerts(), 5);
	ck_assert_int_eq(dm_uc_read_file(log, 65536, &text, &len), DM_OK);
	ck_assert_ptr_nonnull(strstr((char *)text, "install ") );
	ck_assert_ptr_nonnull(strstr((char *)text, "approved=yes decision=approved"));
	ck_assert_ptr_nonnull(strstr((char *)text, "decision=policy-reject"));
	ck_assert_ptr_nonnull(strstr((char *)text, "decision=user-accepted"));
	ck_assert_ptr_nonnull(strstr((char *)text, "decision=user-rejected"));
	free(text);
	/* Missing operands; a bad configuration value. */
	ck_assert_int_eq(run(dm_cmd_install, (const char *[]){ "install", fx.pkg, NULL }),
			 DM_EXIT_USAGE);
	write_file(fx.conf, "install.unapproved = maybe\n", 27);
	ck_assert_int_eq(run(dm_cmd_install, (const char *[]){ "install", fx.pkg, "--sig", fx.sig,
								NULL }), DM_EXIT_FAIL);
}
END_TEST

START_TEST(approve_builders_and_card_answers)
{
	uint8_t hash[32], data[256], sig[200];
	dm_wbuf w = dm_wbuf_init(data, sizeof(data));
	bool ok = true;

	ck_assert_int_eq(dm_approve_hash_file(fx.pkg, hash), DM_OK);
	memset(sig, 0x30, sizeof(sig));
	ck_assert_int_eq(dm_approve_build(hash, dm_bytes_of(sig, 70), &w), DM_OK);
	ck_assert_uint_eq(w.len, 2 + 32 + 2 + 70);
	ck_assert_uint_eq(data[0], 0x90);
	ck_assert_uint_eq(data[34], 0x9E);
	ck_assert_uint_eq(data[35], 70);
	w.len = 0;
	ck_assert_int_eq(dm_approve_build(hash, dm_bytes_of(sig, 130), &w), DM_OK);
	ck_assert_uint_eq(data[35], 0x81);
	ck_assert_uint_eq(data[36], 130);
	w.len = 0;
	ck_assert_int_eq(dm_approve_build(hash, dm_bytes_of(sig, 0), &w), DM_E_LENGTH);
	ck_assert_int_eq(dm_approve_build(hash, dm_bytes_of(sig, 140), &w), DM_E_LENGTH);
	ck_assert_uint_eq(w.len, 0);
	/* A garbage signature: the card answers 6A80, i.e. not approved. */
	ck_assert_int_eq(dm_approve_check(fx.t, hash, dm_bytes_of(sig, 8), &ok), DM_OK);
	ck_assert(!ok);
	ck_assert_int_eq(dm_approve_hash_file("/nonexistent/pkg", hash), DM_E_IO);
	ck_assert_int_eq(dm_install_decide(true, DM_UNAPPROVED_REJECT, 0), DM_INSTALL_YES);
	ck_assert_int_eq(dm_install_decide(false, DM_UNAPPROVED_REJECT, 1), DM_INSTALL_NO);
	ck_assert_int_eq(dm_install_decide(false, DM_UNAPPROVED_ASK, -1), DM_INSTALL_ASK);
	ck_assert_int_eq(dm_install_decide(false, DM_UNAPPROVED_ASK, 1), DM_INSTALL_YES);
}
END_TEST

/* ---- 5.2 -------------------------------------------------------------- */

static void add_node(dm_tree *t, const char *uri, const char *format, const char *value)
{
	dm_node n = { .uri = (char *)uri, .format = (char *)format, .type = (char *)"text/plain",
		      .acl = (char *)"", .value = (char *)value, .interior = !value };

	if (!value)
		n.type = (char *)"";
	ck_assert_int_eq(dm_tree_set(t, &n, NULL, true), DM_OK);
}

START_TEST(copy_mo_compare_erase)
{
	dm_tree *t = NULL;
	dm_node n = { 0 };

	ck_assert_int_eq(dm_tree_open(fx.db, NULL, &t), DM_OK);
	add_node(t, "./Vendor/Mail", "node", NULL);
	add_node(t, "./Vendor/Mail/Server", "chr", "imap.example.com");
	add_node(t, "./Vendor/Mail/Port", "int", "993");
	dm_tree_close(&t);
	/* No ADM1: refused before anything is created (and the failure reported). */
	ck_assert_int_eq(run(dm_cmd_copy_mo, (const char *[]){ "copy-mo", "./Vendor/Mail", NULL }),
			 DM_EXIT_FAIL);
	/* Wrong ADM1: denied. */
	write_file(fx.adm, "11111111\n", 9);
	ck_assert_int_eq(run(dm_cmd_copy_mo, (const char *[]){ "copy-mo", "./Vendor/Mail",
								"--adm-file", fx.adm, NULL }),
			 DM_EXIT_DENIED);
	write_file(fx.adm, "88888888\n", 9);
	ck_assert_int_eq(run(dm_cmd_copy_mo, (const char *[]){ "copy-mo", "./Vendor/Mail",
								"--adm-file", fx.adm, NULL }),
			 DM_EXIT_OK);
	ck_assert_uint_eq(count_alerts(), 3);  /* two failures, one copy */
	/* Equal copies. */
	ck_assert_int_eq(run(dm_cmd_copy_mo, (const char *[]){ "copy-mo", "./Vendor/Mail",
								"--compare", NULL }), DM_EXIT_OK);
	/* The device changes: the comparison shows it. */
	ck_assert_int_eq(dm_tree_open(fx.db, NULL, &t), DM_OK);
	add_node(t, "./Vendor/Mail/Port", "int", "143");
	dm_tree_close(&t);
	ck_assert_int_eq(run(dm_cmd_copy_mo, (const char *[]){ "copy-mo", "./Vendor/Mail",
								"--compare", NULL }), DM_EXIT_FAIL);
	fflush(fx.out);
	ck_assert_ptr_nonnull(strstr(fx.out_text, "~ ./Vendor/Mail/Port: Value differs"));
	/* Copy again, keep only the card's copy. */
	ck_assert_int_eq(run(dm_cmd_copy_mo, (const char *[]){ "copy-mo", "./Vendor/Mail",
								"--erase-local", "--adm-file", fx.adm,
								NULL }), DM_EXIT_OK);
	ck_assert_int_eq(dm_tree_open(fx.db, NULL, &t), DM_OK);
	ck_assert_int_eq(dm_tree_get(t, "./Vendor/Mail", &n), DM_E_NOT_FOUND);
	dm_node_clear(&n);
	dm_tree_close(&t);
	/* Now the device has nothing: every card node is "only on the card". */
	ck_assert_int_eq(run(dm_cmd_copy_mo, (const char *[]){ "copy-mo", "./Vendor/Mail",
								"--compare", NULL }), DM_EXIT_FAIL);
	fflush(fx.out);
	ck_assert_ptr_nonnull(strstr(fx.out_text, "+ ./Vendor/Mail/Server (only on the card)"));
	/* Bad URIs. */
	ck_assert_int_eq(run(dm_cmd_copy_mo, (const char *[]){ "copy-mo", "Vendor/", NULL }),
			 DM_EXIT_USAGE);
	ck_assert_int_eq(run(dm_cmd_copy_mo, (const char *[]){ "copy-mo", "./Nope", "--adm-file",
								fx.adm, NULL }), DM_EXIT_FAIL);
}
END_TEST

START_TEST(copymo_builders_malformed)
{
	uint8_t buf[128];
	dm_wbuf w = dm_wbuf_init(buf, sizeof(buf));
	uint16_t fid = 0;
	char hex[256];

	ck_assert_int_eq(dm_copymo_create_data("./A", 0x1234, &w), DM_OK);
	ck_assert_int_eq(dm_hex_encode(buf, w.len, hex, sizeof(hex)), DM_OK);
	ck_assert_str_eq(hex, "50032E2F410604672B0764" "81021234" "860102");
	w.len = 0;
	ck_assert_int_eq(dm_copymo_create_data("./A", 0, &w), DM_E_LENGTH);
	ck_assert_int_eq(dm_copymo_create_data("./A", 16u * 1024 * 1024 + 1, &w), DM_E_LENGTH);
	ck_assert_int_eq(dm_copymo_create_data("", 5, &w), DM_E_VALUE);
	ck_assert_uint_eq(w.len, 0);
	ck_assert_int_eq(dm_copymo_parse_fid(dm_bytes_of((const uint8_t *)"\x83\x02\x65\x01", 4),
					     &fid), DM_OK);
	ck_assert_uint_eq(fid, 0x6501);
	ck_assert_int_eq(dm_copymo_parse_fid(dm_bytes_of((const uint8_t *)"\x83\x02\x65", 3), &fid),
			 DM_E_TRUNCATED);
	ck_assert_int_eq(dm_copymo_parse_fid(dm_bytes_of((const uint8_t *)"\x84\x02\x65\x01", 4),
					     &fid), DM_E_TAG);
	ck_assert_int_eq(dm_copymo_parse_fid(dm_bytes_of((const uint8_t *)"\x83\x03\x65\x01\x00", 5),
					     &fid), DM_E_LENGTH);
	ck_assert_int_eq(dm_copymo_parse_fid(dm_bytes_of((const uint8_t *)"\x83\x02\x65\x01\x00", 5),
					     &fid), DM_E_TRAILING);
}
END_TEST

START_TEST(policy_wire_formats)
{
	uint8_t buf[256];
	dm_wbuf w = dm_wbuf_init(buf, sizeof(buf));
	char hex[600];

	ck_assert_int_eq(dm_policy_op_body(1, "Camera", true, &w), DM_OK);
	ck_assert_int_eq(dm_hex_encode(buf, w.len, hex, sizeof(hex)), DM_OK);
	ck_assert_str_eq(hex, "80040000000181064" "3616D657261820101");
	w.len = 0;
	ck_assert_int_eq(dm_policy_op_body(1, "", true, &w), DM_E_LENGTH);
	ck_assert_int_eq(dm_policy_op_body(1, "A23456789012345678901234567890123", true, &w),
			 DM_E_LENGTH);
	ck_assert_int_eq(dm_policy_op_data(1, "IR", false, dm_bytes_of(buf, 0), &w), DM_E_LENGTH);
	ck_assert_uint_eq(w.len, 0);
	ck_assert_int_eq(dm_policy_evlog_record(1, 0x01020304, 0x0A0B0C0D, 0xFF,
						"ABCDEFGHIJKLMNOPQRSTUVWXYZ", &w), DM_OK);
	ck_assert_uint_eq(w.len, 32);
	ck_assert_int_eq(dm_hex_encode(buf, w.len, hex, sizeof(hex)), DM_OK);
	/* the name is cut to the record's 20 bytes */
	ck_assert_str_eq(hex, "0100010203040A0B0C0DFF14" "4142434445464748494A4B4C4D4E4F5051525354");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("usecases");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	/* --at is local time: fix the zone so the EF_EVLOG time is known. */
	setenv("TZ", "UTC", 1);
	tzset();
	unsetenv("XDG_STATE_HOME");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, policy_loaded_from_tree);
	tcase_add_test(tc, use_allowed_and_blocked_with_evlog_and_alert);
	tcase_add_test(tc, admin_operation_only_after_card_verified);
	tcase_add_test(tc, install_approved_tampered_unapproved);
	tcase_add_test(tc, approve_builders_and_card_answers);
	tcase_add_test(tc, copy_mo_compare_erase);
	tcase_add_test(tc, copymo_builders_malformed);
	tcase_add_test(tc, policy_wire_formats);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
