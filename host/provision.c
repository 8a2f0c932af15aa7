/*
 * provision.c - the power-on procedure (DM_SC GEN-21; dmsc-reference "How
 * each requirement maps": GEN-2/13/21, GEN-6/17, AUTH-1..3, USE-1/2/3).
 *
 *   TERMINAL PROFILE (TS 102 223 §5.2) -> EF_DIR -> EF_ICCID -> SELECT DMSC
 *   (6A82: no DM_SC) -> [SCP03 with the device keys, EF_INFO read inside it]
 *   -> EF_INFO -> unchanged? stop -> ODF -> DODF -> each object at its
 *   exact path/index/length -> [VERIFY for private objects] -> parse every
 *   TNDS -> USE-1/2/3 -> one tree transaction.
 *
 * All of it runs inside one dm_host_begin/dm_host_end pair (one PC/SC
 * transaction: two agents never interleave).  Nothing touches the tree
 * before every object was read and validated, so a card pulled at any APDU
 * leaves the tree as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "alert.h"
#include "apdu.h"
#include "hex.h"
#include "pkcs15.h"
#include "provision.h"
#include "sw.h"
#include "tnds.h"

static const uint8_t aid_p15[] = { 0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43,
				   0x53, 0x2D, 0x31, 0x35 };
#define FID_MF 0x3F00u
#define FID_DIR 0x2F00u
#define FID_ICCID 0x2FE2u
#define FID_ODF 0x5031u
#define ICCID_LEN 10u
#define DIR_RECS_MAX 16u
#define INDEX_MAX 8192u  /* ODF / DODF: a few hundred bytes on real cards [ours] */
#define OBJECTS_MAX 64u
/* TS 102 223 §5.2: byte 1 b1 profile download; byte 2 b1 command result;
 * byte 3 b6 POLL INTERVAL, b7 POLLING OFF, b8 REFRESH. */
static const uint8_t terminal_profile[] = { 0x01, 0x01, 0xE0 };

dm_prov_decision dm_prov_decide(uint8_t info_flags, dm_prov_confirm cmdline_set,
				bool cmdline_given, dm_prov_confirm conf_default)
{
	dm_prov_confirm c = cmdline_given ? cmdline_set : conf_default;

	if (info_flags & DM_HC_INFO_ASK_USER) {
		/* USE-1: SHALL ask; an answer given in advance counts, a
		 * configuration default does not */
		if (cmdline_given && cmdline_set == DM_PROV_CONFIRM_YES)
			return DM_PROV_DO_APPLY;
		if (cmdline_given && cmdline_set == DM_PROV_CONFIRM_NO)
			return DM_PROV_DO_REFUSE;
		return DM_PROV_DO_ASK;
	}
	if (info_flags & DM_HC_INFO_NEVER_ASK)
		return DM_PROV_DO_APPLY; /* USE-2: MUST NOT ask */
	/* USE-3: the device's choice */
	if (c == DM_PROV_CONFIRM_YES)
		return DM_PROV_DO_APPLY;
	if (c == DM_PROV_CONFIRM_NO)
		return DM_PROV_DO_REFUSE;
	return DM_PROV_DO_ASK;
}

/* One object of the DODF, read and (when TNDS) parsed. */
typedef struct prov_obj {
	char label[64];
	char oid[DM_P15_OID_TEXT_MAX];
	uint8_t *data;
	size_t len;
	dm_node_list nodes;
	bool tnds;
} prov_obj;

typedef struct prov_run {
	dm_transport *t;
	dm_tree *tree;
	const dm_prov_opts *o;
	dm_prov_result *r;
	prov_obj obj[OBJECTS_MAX];
	size_t n_obj;
	bool pin_ok[2];          /* PIN1, PIN 81 verified in this run */
	dm_scp03_session scp;
} prov_run;

static void say(const prov_run *p, const char *what, const char *label)
{
	if (p->o->log)
		fprintf(p->o->log, "%s%s%s\n", what, label ? label : "", label ? "\"" : "");
}

static int fail_card(prov_run *p, int err)
{
	p->r->outcome = DM_PROV_FAILED;
	p->r->sw = p->t->last_sw;
	dm_hc_message(p->t, err, p->r->msg, sizeof p->r->msg);
	return err;
}

static int fail_msg(prov_run *p, int err, const char *msg)
{
	p->r->outcome = DM_PROV_FAILED;
	snprintf(p->r->msg, sizeof p->r->msg, "%s", msg);
	return err;
}

static void label_copy(char *dst, size_t cap, dm_bytes b)
{
	size_t n = b.len < cap - 1 ? b.len : cap - 1;

	for (size_t i = 0; i < n; i++)
		dst[i] = (b.ptr[i] >= 0x20 && b.ptr[i] < 0x7F) ? (char)b.ptr[i] : '?';
	dst[n] = '\0';
}

/* GEN-21: tell the card the device runs the toolkit.  A card without it
 * (6D00 / 6E00) is still a card we can provision from. */
static int send_terminal_profile(prov_run *p)
{
	dm_capdu c = { .cla = 0x80, .ins = 0x10, .data = terminal_profile,
		       .nc = sizeof terminal_profile };
	uint8_t buf[8];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	uint16_t sw;
	int rc = dm_hc_exchange(p->t, "TERMINAL PROFILE", &c, &w, &sw);

	if (rc)
		return fail_card(p, rc);
	return DM_OK;
}

/* EF_DIR (TS 102 221 §13.1): is the DMSC application listed?  Informative:
 * the SELECT by AID decides (GEN-13), a card may omit EF_DIR. */
static int read_dir_and_iccid(prov_run *p, bool *listed)
{
	uint8_t buf[256], iccid[ICCID_LEN];
	dm_wbuf w;
	int rc;

	*listed = false;
	rc = dm_hc_select_fid(p->t, FID_MF, NULL);
	if (rc)
		return fail_card(p, rc);
	if (dm_hc_select_fid(p->t, FID_DIR, NULL) == DM_OK) {
		for (uint8_t rec = 1; rec <= DIR_RECS_MAX; rec++) {
			dm_p15_app app;

			w = dm_wbuf_init(buf, sizeof buf);
			rc = dm_hc_read_record(p->t, "EF_DIR", rec, &w);
			if (rc == DM_E_NOT_FOUND)
				break;
			if (rc == DM_E_IO)
				return fail_card(p, rc);
			if (rc)
				break;
			if (dm_p15_dir_parse(buf, w.len, &app) == DM_OK &&
			    app.aid.len == DM_HC_AID_DMSC_LEN &&
			    !memcmp(app.aid.ptr, DM_HC_AID_DMSC, DM_HC_AID_DMSC_LEN))
				*listed = true;
		}
	} else if (p->t->last_sw == 0) {
		return fail_card(p, DM_E_IO);
	}
	rc = dm_hc_select_fid(p->t, FID_MF, NULL);
	if (rc == DM_OK)
		rc = dm_hc_select_fid(p->t, FID_ICCID, NULL);
	w = dm_wbuf_init(iccid, sizeof iccid);
	if (rc == DM_OK)
		rc = dm_hc_read_binary(p->t, "EF_ICCID", 0, ICCID_LEN, &w);
	if (rc)
		return fail_card(p, rc);
	/* raw hex of the 10 bytes: the tree's provenance key (dmtree.h dm_prov) */
	dm_hex_encode(iccid, sizeof iccid, p->r->iccid, sizeof p->r->iccid);
	return DM_OK;
}

/* One command inside the SCP03 session: wrap, exchange, verify the answer
 * (GP Amd D §6.2.4-6.2.7).  data receives the plain response data. */
static int scp_exchange(prov_run *p, const char *op, const dm_capdu *plain, dm_wbuf *data,
			uint16_t *sw)
{
	static uint8_t wbuf[512], raw[1024], resp[1024];
	dm_wbuf wb = dm_wbuf_init(wbuf, sizeof wbuf), rb = dm_wbuf_init(resp, sizeof resp);
	dm_wbuf out = dm_wbuf_init(raw, sizeof raw);
	dm_capdu wrapped, in = *plain;
	int rc;

	/* the R-MAC makes the answer longer than the plain Ne: ask for all of it
	 * (docs/dmsc-security.md "Responses": Le 00) */
	if (in.ne == 0)
		in.ne = 256;
	rc = dm_scp03_wrap_command(&p->scp, &in, &wrapped, &wb);
	if (rc)
		return rc;
	rc = dm_hc_exchange(p->t, op, &wrapped, &rb, sw);
	if (rc)
		return rc;
	if (dm_wbuf_put_u16be(&rb, *sw))
		return DM_E_OVERFLOW;
	/* The R-MAC covers the SW as received, 91xx included (GP Amd D
	 * §6.2.5; the card MACs the SW it actually sends). */
	rc = dm_scp03_unwrap_response(&p->scp, resp, rb.len, &out, sw);
	if (rc)
		return rc;
	return dm_wbuf_put(data, raw, out.len);
}

/*
 * AUTH-1/2, GEN-4: mutual authentication with the device key set (GP Card
 * Spec 2.2 Amd D §7.1.1, §7.1.2) on the DMSC application, then EF_INFO read
 * through the session: the change counter and the USE flags the decision
 * rests on arrive with an R-MAC.
 */
static int scp03_open_and_read_info(prov_run *p, dm_wbuf *info)
{
	const dm_prov_conf *cf = p->o->conf;
	uint8_t hc[8], cmdb[64], iu[64];
	dm_wbuf w = dm_wbuf_init(iu, sizeof iu), cb = dm_wbuf_init(cmdb, sizeof cmdb);
	dm_capdu c = { .cla = 0x80, .ins = 0x50, .p1 = cf->scp03_kvn, .data = hc,
		       .nc = sizeof hc, .ne = 256 };
	dm_capdu ea;
	uint16_t sw;
	uint8_t fid[2] = { 0x64, 0x20 };
	int rc;

	if (getrandom(hc, sizeof hc, 0) != (ssize_t)sizeof hc)
		return fail_msg(p, DM_E_IO, "no random numbers for the SCP03 host challenge");
	rc = dm_hc_exchange(p->t, "INITIALIZE UPDATE", &c, &w, &sw);
	if (rc)
		return fail_card(p, rc);
	if (sw != 0x9000 && (sw & 0xFF00) != 0x9100) {
		p->t->last_sw = sw;
		return fail_card(p, DM_E_STATE);
	}
	/* 10 diversification, 3 key information, 8 card challenge, 8 card
	 * cryptogram, 3 sequence counter (S8, Amd D §7.1.1.6) */
	if (w.len != 32 || iu[10] != cf->scp03_kvn || iu[11] != 0x03)
		return fail_msg(p, DM_E_VALUE, "INITIALIZE UPDATE: the card's answer is not "
				"an SCP03 S8 answer for the configured key version");
	rc = dm_scp03_session_init(&p->scp, &cf->scp03, DM_SCP03_S8, hc, iu + 13);
	if (rc == DM_OK)
		rc = dm_scp03_check_card_cryptogram(&p->scp, iu + 21, 8);
	if (rc)
		return fail_msg(p, DM_E_CRYPTO, "SCP03: the card cryptogram is wrong: the card "
				"does not hold the device keys of the configuration (scp03.*)");
	rc = dm_scp03_host_external_auth(&p->scp, 0x80, cf->scp03_level, &ea, &cb);
	if (rc)
		return fail_msg(p, rc, "SCP03: cannot build EXTERNAL AUTHENTICATE");
	w = dm_wbuf_init(iu, sizeof iu);
	rc = dm_hc_exchange(p->t, "EXTERNAL AUTHENTICATE", &ea, &w, &sw);
	if (rc)
		return fail_card(p, rc);
	if (sw != 0x9000 && (sw & 0xFF00) != 0x9100) {
		p->t->last_sw = sw;
		return fail_card(p, DM_E_STATE);
	}
	p->r->scp03 = true;
	{
		dm_capdu sel = { .cla = 0x00, .ins = 0xA4, .p1 = 0x00, .p2 = 0x0C,
				 .data = fid, .nc = 2 };
		dm_capdu rd = { .cla = 0x00, .ins = 0xB0, .ne = 64 };
		uint8_t none[16];
		dm_wbuf nb = dm_wbuf_init(none, sizeof none);

		rc = scp_exchange(p, "SELECT EF_INFO (SCP03)", &sel, &nb, &sw);
		if (rc == DM_OK && (sw == 0x9000 || (sw & 0xFF00) == 0x9100))
			rc = scp_exchange(p, "READ BINARY EF_INFO (SCP03)", &rd, info, &sw);
		if (rc == DM_E_IO)
			return fail_card(p, rc);
		if (rc)
			return fail_msg(p, rc, "SCP03: the card's answer failed verification");
		if (sw != 0x9000 && (sw & 0xFF00) != 0x9100) {
			p->t->last_sw = sw;
			return fail_card(p, DM_E_STATE);
		}
	}
	return DM_OK;
}

static int read_info(prov_run *p)
{
	uint8_t buf[64];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	int rc = dm_hc_select_aid(p->t, (const uint8_t *)DM_HC_AID_DMSC, DM_HC_AID_DMSC_LEN,
				  NULL);

	if (rc == DM_E_NOT_FOUND) {
		/* GEN-13: 6A82 on SELECT by AID = the card has no DM_SC */
		p->r->outcome = DM_PROV_NO_DMSC;
		p->r->sw = p->t->last_sw;
		snprintf(p->r->msg, sizeof p->r->msg,
			 "this card has no DM_SC application (SELECT DMSC answered %04X): "
			 "not a DM_SC card, nothing to provision", p->t->last_sw);
		return DM_OK;
	}
	if (rc)
		return fail_card(p, rc);
	if (p->o->conf && p->o->conf->has_scp03) {
		rc = scp03_open_and_read_info(p, &w);
		if (rc)
			return rc;
	} else {
		rc = dm_hc_read_ef(p->t, "EF_INFO", DM_HC_FID_EF_INFO, &w);
		if (rc)
			return fail_card(p, rc);
	}
	rc = dm_hc_info_parse(dm_bytes_of(buf, w.len), &p->r->info);
	if (rc)
		return fail_msg(p, rc, "EF_INFO of the DMSC application is malformed");
	return DM_OK;
}

/* Read a whole small EF of the current DF into out (ODF, DODF). */
static int read_index(prov_run *p, const char *name, const dm_p15_path *path, dm_wbuf *out)
{
	int rc;

	if (path->efid.len == 2) {
		rc = dm_hc_select_aid(p->t, aid_p15, sizeof aid_p15, NULL);
		if (rc == DM_OK && path->has_length)
			rc = dm_hc_select_fid(p->t, dm_get_u16be(path->efid.ptr), NULL);
	} else {
		rc = dm_hc_select_path(p->t, path->efid.ptr, path->efid.len, NULL);
	}
	if (rc)
		return fail_card(p, rc);
	if (path->has_length) {
		if (path->length > out->cap)
			return fail_msg(p, DM_E_LENGTH, "the PKCS#15 index is too large");
		rc = dm_hc_read_binary(p->t, name, path->index, path->length, out);
	} else if (path->efid.len == 2) {
		rc = dm_hc_read_ef(p->t, name, dm_get_u16be(path->efid.ptr), out);
	} else {
		return fail_msg(p, DM_E_UNSUPPORTED, "a PKCS#15 index path without a length");
	}
	if (rc)
		return fail_card(p, rc);
	return DM_OK;
}

/*
 * AUTH-3: the DODF private flag and authId say that a PIN guards the
 * object.  The card profile's AODF (docs/dmsc-app.md) maps authId 01 to
 * PIN1 (key reference 01) and 02 to the DMSC PIN (81).
 */
static int verify_for(prov_run *p, const dm_p15_dobj *d)
{
	uint8_t ref;
	int idx, tries = -1, rc;
	char m[160];

	if (d->auth_id.len == 1 && d->auth_id.ptr[0] == 0x01) {
		ref = DM_HC_PIN1;
		idx = 0;
	} else {
		ref = DM_HC_PIN2_DMSC;
		idx = 1;
	}
	if (p->pin_ok[idx])
		return DM_OK;
	if (!p->o->pin) {
		snprintf(m, sizeof m, "the card protects \"%.40s\" with PIN %02X: give the PIN "
			 "(prompt, --pin-file or DMSC_PIN)", p->obj[p->n_obj].label, ref);
		p->r->sw = 0x6982;
		return fail_msg(p, DM_E_STATE, m);
	}
	rc = dm_hc_verify(p->t, ref, p->o->pin, &tries);
	if (rc == DM_E_CRYPTO) {
		snprintf(m, sizeof m, "wrong PIN %02X: %d %s left", ref, tries,
			 tries == 1 ? "try" : "tries");
		p->r->sw = p->t->last_sw;
		return fail_msg(p, rc, m);
	}
	if (rc)
		return fail_card(p, rc);
	p->pin_ok[idx] = true;
	p->r->pin_verified = true;
	return DM_OK;
}

/* Trailing 00 / FF: the unused rest of an MO EF (created zero-filled). */
static size_t trimmed_len(const uint8_t *b, size_t n)
{
	while (n && (b[n - 1] == 0x00 || b[n - 1] == 0xFF))
		n--;
	return n;
}

static int read_object(prov_run *p, const dm_p15_dobj *d, bool *in_p15)
{
	prov_obj *ob = &p->obj[p->n_obj];
	const dm_p15_path *pa = &d->path;
	size_t len;
	dm_wbuf w;
	int rc;

	label_copy(ob->label, sizeof ob->label, d->label);
	snprintf(ob->oid, sizeof ob->oid, "%s", d->oid_text);
	if (d->flags & DM_P15_FLAG_PRIVATE) {
		rc = verify_for(p, d);
		if (rc)
			return rc;
	}
	if (pa->efid.len == 2) {
		if (!*in_p15) {
			rc = dm_hc_select_aid(p->t, aid_p15, sizeof aid_p15, NULL);
			if (rc)
				return fail_card(p, rc);
			*in_p15 = true;
		}
		rc = dm_hc_select_fid(p->t, dm_get_u16be(pa->efid.ptr), NULL);
	} else if (pa->efid.len >= 4 && dm_get_u16be(pa->efid.ptr) == FID_MF) {
		rc = dm_hc_select_path(p->t, pa->efid.ptr, pa->efid.len, NULL);
		*in_p15 = false;
	} else {
		return fail_msg(p, DM_E_UNSUPPORTED, "a DODF path neither a FID nor a path from "
				"the MF");
	}
	if (rc)
		return fail_card(p, rc);
	if (pa->has_length) {
		len = pa->length; /* GEN-17: the exact byte range, never guessed */
	} else {
		uint8_t fcp[258];
		dm_wbuf fw = dm_wbuf_init(fcp, sizeof fcp);
		size_t size;

		if (pa->efid.len == 2)
			rc = dm_hc_select_fid(p->t, dm_get_u16be(pa->efid.ptr), &fw);
		else
			rc = dm_hc_select_path(p->t, pa->efid.ptr, pa->efid.len, &fw);
		if (rc)
			return fail_card(p, rc);
		if (dm_hc_fcp_size(dm_bytes_of(fcp, fw.len), &size) || size < pa->index)
			return fail_msg(p, DM_E_VALUE, "cannot tell the size of a DODF object");
		len = size - pa->index;
	}
	if (len > DM_TNDS_MAX_DOC) {
		snprintf(p->r->msg, sizeof p->r->msg, "object \"%s\" is %zu bytes: over the "
			 "agent's limit of %u", ob->label, len, DM_TNDS_MAX_DOC);
		p->r->outcome = DM_PROV_FAILED;
		return DM_E_LENGTH;
	}
	ob->data = malloc(len ? len : 1);
	if (!ob->data)
		return fail_msg(p, DM_E_NOMEM, "out of memory");
	w = dm_wbuf_init(ob->data, len);
	rc = dm_hc_read_binary(p->t, ob->label, pa->index, len, &w);
	if (rc == DM_E_STATE && p->t->last_sw == 0x6982 && !(d->flags & DM_P15_FLAG_PRIVATE)) {
		/* AUTH-3: the card says authentication is required */
		rc = verify_for(p, d);
		if (rc)
			return rc;
		w.len = 0;
		rc = dm_hc_read_binary(p->t, ob->label, pa->index, len, &w);
	}
	if (rc)
		return fail_card(p, rc);
	if (w.len != len)
		return fail_msg(p, DM_E_TRUNCATED, "the card returned less than the DODF length");
	ob->len = trimmed_len(ob->data, len);
	p->r->bytes += len;
	p->n_obj++;
	p->r->objects++;
	return DM_OK;
}

static int read_objects(prov_run *p)
{
	static uint8_t odf[INDEX_MAX], dodf[INDEX_MAX];
	dm_wbuf w = dm_wbuf_init(odf, sizeof odf), dw = dm_wbuf_init(dodf, sizeof dodf);
	uint8_t odf_fid[2] = { FID_ODF >> 8, FID_ODF & 0xFF };
	dm_p15_path odf_path = { .efid = dm_bytes_of(odf_fid, 2) };
	dm_p15_path dpath;
	dm_tlv_iter it;
	dm_p15_dobj d;
	bool in_p15;
	int rc;

	rc = read_index(p, "EF_ODF", &odf_path, &w);
	if (rc)
		return rc;
	rc = dm_p15_odf_find(odf, w.len, DM_P15_ODF_DODF, &dpath);
	if (rc == DM_E_NOT_FOUND)
		return DM_OK; /* no data objects: nothing provisioned */
	if (rc)
		return fail_msg(p, rc, "EF_ODF is malformed");
	rc = read_index(p, "EF_DODF", &dpath, &dw);
	if (rc)
		return rc;
	in_p15 = true;
	dm_tlv_iter_init(&it, dodf, dw.len);
	while ((rc = dm_p15_dodf_next(&it, &d)) == 1) {
		if (p->n_obj == OBJECTS_MAX)
			return fail_msg(p, DM_E_OVERFLOW, "more DODF objects than the agent takes");
		rc = read_object(p, &d, &in_p15);
		if (rc)
			return rc;
	}
	if (rc < 0)
		return fail_msg(p, rc, "EF_DODF is malformed");
	return DM_OK;
}

/* Parse every object before anything is applied: a malformed TNDS refuses
 * the whole provisioning (GEN-6, nothing half-applied). */
static int parse_objects(prov_run *p)
{
	for (size_t i = 0; i < p->n_obj; i++) {
		prov_obj *ob = &p->obj[i];
		dm_tnds_error e;
		char where[sizeof e.path + 300];
		size_t s = 0;
		int rc;

		while (s < ob->len && (ob->data[s] == ' ' || ob->data[s] == '\n' ||
				       ob->data[s] == '\r' || ob->data[s] == '\t'))
			s++;
		if (s == ob->len)
			continue; /* an empty MO (created, not written yet) */
		if (ob->data[s] != '<') {
			say(p, "skipping an object that is not a TNDS document: \"", ob->label);
			continue;
		}
		memset(&e, 0, sizeof e);
		rc = dm_tnds_parse(dm_bytes_of(ob->data, ob->len), &ob->nodes, &e);
		if (rc) {
			dm_tnds_error_format(&e, where, sizeof where);
			snprintf(p->r->msg, sizeof p->r->msg, "object \"%.40s\" (%s) refused: %.300s",
				 ob->label, ob->oid, where);
			p->r->outcome = DM_PROV_FAILED;
			return rc;
		}
		ob->tnds = true;
	}
	return DM_OK;
}

static int apply(prov_run *p)
{
	dm_prov prov = { .iccid = p->r->iccid, .counter = p->r->info.counter };
	int rc;

	rc = dm_tree_begin(p->tree);
	if (rc)
		return fail_msg(p, rc, "the device tree cannot start a transaction");
	/* DM 1.2 bootstrap rules: a new card replaces the old card's nodes and
	 * DM accounts; the card's own nodes are replaced as a whole, so accounts
	 * no longer on the card are dropped */
	rc = dm_tree_remove_other_cards(p->tree, p->r->iccid, NULL);
	if (rc == DM_OK)
		rc = dm_tree_remove_card(p->tree, p->r->iccid, NULL);
	for (size_t i = 0; rc == DM_OK && i < p->n_obj; i++) {
		if (!p->obj[i].tnds)
			continue;
		rc = dm_tree_import(p->tree, &p->obj[i].nodes, &prov);
		if (rc)
			snprintf(p->r->msg, sizeof p->r->msg, "object \"%s\" cannot be applied to "
				 "the device tree: %s", p->obj[i].label, dm_strerror(rc));
	}
	if (rc == DM_OK)
		rc = dm_tree_set_last_card(p->tree, p->r->iccid, p->r->info.counter);
	if (rc == DM_OK)
		rc = dm_tree_commit(p->tree);
	if (rc) {
		dm_tree_rollback(p->tree);
		if (!p->r->msg[0])
			snprintf(p->r->msg, sizeof p->r->msg, "the device tree refused the import: "
				 "%s", dm_strerror(rc));
		p->r->outcome = DM_PROV_FAILED;
		return rc;
	}
	p->r->outcome = DM_PROV_APPLIED;
	return DM_OK;
}

/* Report the result to the card's DM server (Generic Alert, x's outbox). */
static void post_alert(prov_run *p)
{
	dm_dmacc_list accs = { 0 };
	dm_node devid = { 0 };
	char data[200];
	dm_alert a = { 0 };

	if (!p->o->outbox || dm_tree_find_dmacc(p->tree, NULL, &accs) != DM_OK)
		return;
	for (size_t i = 0; i < accs.n; i++) {
		if (!accs.v[i].iccid || strcmp(accs.v[i].iccid, p->r->iccid) || !accs.v[i].server_id)
			continue;
		if (dm_tree_get(p->tree, "./DevInfo/DevId", &devid) != DM_OK || !devid.value)
			break;
		snprintf(data, sizeof data, "provisioned %u objects (%zu bytes) from card %s, "
			 "change counter %u", p->r->objects, p->r->bytes, p->r->iccid,
			 (unsigned)p->r->info.counter);
		a.server_id = accs.v[i].server_id;
		a.dev_id = devid.value;
		a.source_uri = accs.v[i].uri;
		a.type = DM_ALERT_TYPE_PROVISION;
		a.mark = DM_ALERT_MARK_INFO;
		a.data = data;
		if (dm_alert_post(p->o->outbox, &a, NULL, 0) != DM_OK)
			say(p, "warning: the provisioning alert could not be written", NULL);
		break;
	}
	dm_node_clear(&devid);
	dm_dmacc_list_clear(&accs);
}

static int unchanged(prov_run *p, bool *same)
{
	char *iccid = NULL;
	uint32_t counter = 0;
	int rc = dm_tree_last_card(p->tree, &iccid, &counter);

	*same = false;
	p->r->new_card = true;
	if (rc == DM_E_NOT_FOUND)
		return DM_OK;
	if (rc)
		return fail_msg(p, rc, "the device tree cannot be read");
	p->r->new_card = strcmp(iccid, p->r->iccid) != 0;
	/* the counter wraps: compare for inequality only (docs/dmsc-app.md) */
	*same = !p->r->new_card && counter == p->r->info.counter;
	free(iccid);
	return DM_OK;
}

static int confirm(prov_run *p)
{
	const dm_prov_conf *cf = p->o->conf;
	dm_prov_decision d = dm_prov_decide(p->r->info.flags, p->o->confirm, p->o->confirm_given,
					    cf ? cf->confirm : DM_PROV_CONFIRM_ASK);
	char q[200];
	int a;

	if (d == DM_PROV_DO_APPLY)
		return 1;
	if (d == DM_PROV_DO_ASK) {
		snprintf(q, sizeof q, "Import %u provisioning object(s) (%zu bytes) from card %s "
			 "into this device's configuration?", p->r->objects, p->r->bytes,
			 p->r->iccid);
		a = p->o->ask ? p->o->ask(p->o->ask_arg, q) : -1;
		if (a > 0)
			return 1;
		snprintf(p->r->msg, sizeof p->r->msg, a < 0 ?
			 "the card asks for the user's consent (USE-1/USE-3) and nobody can be "
			 "asked: run on a terminal or give --yes / --no" :
			 "the user declined the import");
	} else {
		snprintf(p->r->msg, sizeof p->r->msg, "import refused (--no or provision.confirm "
			 "= no)");
	}
	p->r->outcome = DM_PROV_DECLINED;
	return 0;
}

static void run_free(prov_run *p)
{
	/* also the object being read when the card went (not yet counted) */
	for (size_t i = 0; i < p->n_obj + 1 && i < OBJECTS_MAX; i++) {
		free(p->obj[i].data);
		dm_node_list_clear(&p->obj[i].nodes);
	}
	dm_scp03_session_wipe(&p->scp);
}

static int steps(prov_run *p)
{
	bool listed, same;
	int rc;

	/* TS 102 223 §5.2: once per card session */
	rc = p->o->in_session ? DM_OK : send_terminal_profile(p);
	if (rc == DM_OK)
		rc = read_dir_and_iccid(p, &listed);
	if (rc == DM_OK)
		rc = read_info(p);
	if (rc || p->r->outcome == DM_PROV_NO_DMSC)
		return rc;
	if (!listed)
		say(p, "note: EF_DIR does not list the DMSC application", NULL);
	rc = unchanged(p, &same);
	if (rc)
		return rc;
	if (same && !p->o->force) {
		p->r->outcome = DM_PROV_UNCHANGED;
		return DM_OK;
	}
	if (p->r->info.flags & DM_HC_INFO_PROVISIONED)
		rc = read_objects(p);
	if (rc == DM_OK)
		rc = parse_objects(p);
	if (rc)
		return rc;
	if (!(p->r->info.flags & DM_HC_INFO_PROVISIONED) && p->r->objects == 0) {
		/* GEN-2: nothing on this card; a new card still replaces the old one */
		p->r->outcome = DM_PROV_NO_DATA;
		snprintf(p->r->msg, sizeof p->r->msg, "the card holds no provisioning data");
		if (!p->r->new_card)
			return DM_OK;
		rc = apply(p);
		p->r->outcome = rc ? DM_PROV_FAILED : DM_PROV_NO_DATA;
		return rc;
	}
	if (!confirm(p))
		return DM_OK;
	rc = apply(p);
	if (rc == DM_OK)
		post_alert(p);
	return rc;
}

int dm_provision(dm_transport *card, dm_tree *tree, const dm_prov_opts *o, dm_prov_result *r)
{
	static prov_run run;
	prov_run *p = &run;
	int rc, rc2;

	if (!card || !tree || !o || !r)
		return DM_E_ARG;
	memset(r, 0, sizeof *r);
	memset(p, 0, sizeof *p);
	p->t = card;
	p->tree = tree;
	p->o = o;
	p->r = r;
	rc = dm_host_begin(card);
	if (rc)
		return fail_card(p, rc);
	rc = steps(p);
	rc2 = dm_host_end(card);
	run_free(p);
	if (rc == DM_OK && rc2 && r->outcome == DM_PROV_APPLIED)
		rc2 = DM_OK; /* applied: the end of the PC/SC transaction is not a failure */
	return rc ? rc : rc2;
}
