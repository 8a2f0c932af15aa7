/*
 * approve.c - use case 5.4: the card says whether the Management Authority
 * approved a package; the device installs, rejects or asks the user by its
 * configured policy, logs the decision and reports it (Generic Alert).
 *
 * "Installing" is outside DM_SC: the agent records the decision (install
 * log, alert) and its exit code tells the package manager what to do [ours].
 */
#include "approve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <tomcrypt.h>

#include "alert.h"
#include "cardops.h"
#include "hex.h"
#include "sw.h"

int dm_approve_hash_file(const char *path, uint8_t hash[DM_APPROVE_HASH_LEN])
{
	uint8_t buf[16384];
	hash_state md;
	FILE *f;
	size_t n;
	int rc = DM_OK;

	if (!path || !hash)
		return DM_E_ARG;
	if (!(f = fopen(path, "rb")))
		return DM_E_IO;
	sha256_init(&md);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (sha256_process(&md, buf, (unsigned long)n) != CRYPT_OK)
			rc = DM_E_CRYPTO;
	if (ferror(f))
		rc = DM_E_IO;
	fclose(f);
	if (!rc && sha256_done(&md, hash) != CRYPT_OK)
		rc = DM_E_CRYPTO;
	return rc;
}

int dm_approve_build(const uint8_t hash[DM_APPROVE_HASH_LEN], dm_bytes sig, dm_wbuf *out)
{
	size_t start;
	int rc;

	if (!hash || !out || (!sig.ptr && sig.len))
		return DM_E_ARG;
	if (sig.len == 0 || sig.len > DM_APPROVE_SIG_MAX)
		return DM_E_LENGTH;
	start = out->len;
	/* BER length of 9E: one byte below 128, else 81 xx (ISO 7816-4 §5.2.2.2). */
	if ((rc = dm_wbuf_put_u8(out, 0x90)) || (rc = dm_wbuf_put_u8(out, DM_APPROVE_HASH_LEN)) ||
	    (rc = dm_wbuf_put(out, hash, DM_APPROVE_HASH_LEN)) || (rc = dm_wbuf_put_u8(out, 0x9E)) ||
	    (sig.len >= 0x80 && (rc = dm_wbuf_put_u8(out, 0x81))) ||
	    (rc = dm_wbuf_put_u8(out, (uint8_t)sig.len)) || (rc = dm_wbuf_put(out, sig.ptr, sig.len))) {
		out->len = start;
		return rc;
	}
	return DM_OK;
}

int dm_approve_check(dm_transport *t, const uint8_t hash[DM_APPROVE_HASH_LEN], dm_bytes sig,
		     bool *approved)
{
	uint8_t data[2 + DM_APPROVE_HASH_LEN + 3 + DM_APPROVE_SIG_MAX], resp[64];
	dm_wbuf w = dm_wbuf_init(data, sizeof(data)), r = dm_wbuf_init(resp, sizeof(resp));
	dm_capdu c = { .cla = 0x00, .ins = 0x2A, .p1 = 0x00, .p2 = 0xA8 };
	uint16_t sw = 0;
	int rc;

	if (!t || !approved)
		return DM_E_ARG;
	if ((rc = dm_approve_build(hash, sig, &w)))
		return rc;
	c.data = data;
	c.nc = w.len;
	if ((rc = dm_host_begin(t)))
		return rc;
	rc = dm_hc_select_aid(t, (const uint8_t *)DM_HC_AID_DMSC, DM_HC_AID_DMSC_LEN, NULL);
	if (!rc)
		rc = dm_hc_exchange(t, "PSO VERIFY DIGITAL SIGNATURE", &c, &r, &sw);
	dm_host_end(t);
	if (rc)
		return rc;
	t->last_sw = sw;
	if (dm_uc_sw_ok(sw) || sw == DM_SW_WRONG_DATA) {
		*approved = dm_uc_sw_ok(sw);
		return DM_OK;
	}
	return DM_E_STATE;
}

dm_install_decision dm_install_decide(bool approved, dm_unapproved policy, int answer)
{
	if (approved)
		return DM_INSTALL_YES;
	if (policy == DM_UNAPPROVED_REJECT)
		return DM_INSTALL_NO;
	if (answer < 0)
		return DM_INSTALL_ASK;
	return answer ? DM_INSTALL_YES : DM_INSTALL_NO;
}

static const char help[] =
	"install PACKAGE --sig SIGFILE [--yes|--no]\n"
	"Use case 5.4: the card checks that the Management Authority signed PACKAGE\n"
	"(PSO VERIFY of SHA-256(PACKAGE), signature DER or raw r||s, ECDSA P-256).\n"
	"Approved: install.  Not approved: by the configuration's install.unapproved\n"
	"(reject, the default, or ask: --yes / --no answer in advance).\n"
	"The decision goes to install.log (if set), stdout, and a Generic Alert.\n"
	"Exit: 0 install, 5 rejected, 1 card or file error.\n";

/* One line per decision, appended: the log a package manager audits. */
static void log_decision(dm_agent *ctx, const dm_uc_opts *o, const char *line)
{
	FILE *f;

	if (!o->conf.install_log[0])
		return;
	f = fopen(o->conf.install_log, "a");
	if (!f || fprintf(f, "%s\n", line) < 0 || fflush(f) || fsync(fileno(f)))
		fprintf(ctx->err, "%s: warning: cannot append to %s\n", ctx->prog,
			o->conf.install_log);
	if (f)
		fclose(f);
}

int dm_cmd_install(int argc, char **argv, dm_agent *ctx)
{
	dm_uc_opts o;
	const char *pkg = NULL, *sigpath = NULL;
	uint8_t hash[DM_APPROVE_HASH_LEN], *sig = NULL;
	char hex[2 * DM_APPROVE_HASH_LEN + 1], line[1024], msg[256], stamp[32];
	size_t siglen = 0;
	bool approved = false;
	dm_install_decision d;
	dm_transport *t;
	dm_tree *tree = NULL;
	int rc, ex;
	time_t now = time(NULL);
	struct tm tm;

	if ((ex = dm_uc_opts_parse(ctx, argc, argv, help, &o)))
		return ex < 0 ? DM_EXIT_OK : ex;
	for (int i = 1; i < o.argc; i++) {
		if (!strcmp(o.argv[i], "--sig") && i + 1 < o.argc)
			sigpath = o.argv[++i];
		else if (o.argv[i][0] != '-' && !pkg)
			pkg = o.argv[i];
		else
			return dm_uc_usage(ctx, help);
	}
	if (!pkg || !sigpath)
		return dm_uc_usage(ctx, help);
	if ((rc = dm_approve_hash_file(pkg, hash))) {
		fprintf(ctx->err, "%s install: cannot read package %s: %s\n", ctx->prog, pkg,
			dm_strerror(rc));
		return DM_EXIT_FAIL;
	}
	rc = dm_uc_read_file(sigpath, DM_APPROVE_SIG_MAX, &sig, &siglen);
	if (rc || siglen == 0) {
		fprintf(ctx->err, "%s install: cannot read signature %s: %s\n", ctx->prog, sigpath,
			rc == DM_E_LENGTH ? "longer than any ECDSA signature" :
			rc ? dm_strerror(rc) : "empty file");
		free(sig);
		return DM_EXIT_FAIL;
	}
	dm_hex_encode(hash, sizeof(hash), hex, sizeof(hex));
	if (!(t = dm_agent_transport(ctx, &ex))) {
		free(sig);
		return ex;
	}
	rc = dm_approve_check(t, hash, dm_bytes_of(sig, siglen), &approved);
	free(sig);
	if (rc)
		return dm_agent_card_error(ctx, rc);

	d = dm_install_decide(approved, o.conf.unapproved, o.answer);
	if (d == DM_INSTALL_ASK) {
		snprintf(msg, sizeof(msg),
			 "The Management Authority did NOT approve %s (SHA-256 %.16s...). Install anyway?",
			 pkg, hex);
		int a = dm_uc_ask(msg);

		if (a < 0)
			fprintf(ctx->err, "%s install: no terminal to ask: rejected (use --yes/--no)\n",
				ctx->prog);
		d = a > 0 ? DM_INSTALL_YES : DM_INSTALL_NO;
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(line, sizeof(line), "%s %s %s sha256=%s approved=%s decision=%s", stamp,
		 d == DM_INSTALL_YES ? "install" : "reject", pkg, hex, approved ? "yes" : "no",
		 approved ? "approved" : d == DM_INSTALL_YES ? "user-accepted" :
		 o.conf.unapproved == DM_UNAPPROVED_REJECT ? "policy-reject" : "user-rejected");
	log_decision(ctx, &o, line);
	if (ctx->json) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "package", json_object_new_string(pkg));
		json_object_object_add(j, "sha256", json_object_new_string(hex));
		json_object_object_add(j, "approved", json_object_new_boolean(approved));
		json_object_object_add(j, "install", json_object_new_boolean(d == DM_INSTALL_YES));
		dm_uc_put_json(ctx, j);
	} else {
		fprintf(ctx->out, "%s\n", line);
	}
	/* No tree is no reason to lose the report: the alert then says "unknown". */
	dm_uc_open_tree(ctx, &tree);
	dm_uc_alert(ctx, &o, tree, DM_ALERT_TYPE_INSTALL,
		    approved ? DM_ALERT_MARK_INFO : DM_ALERT_MARK_WARNING, "./SCOMO", line);
	dm_tree_close(&tree);
	return d == DM_INSTALL_YES ? DM_EXIT_OK : DM_EXIT_DENIED;
}
