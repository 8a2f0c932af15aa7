/*
 * watch.c - the long-running device: proactive commands (TS 102 223 §6:
 * REFRESH §6.4.7, POLL INTERVAL §6.4.6, POLLING OFF §6.4.14), STATUS polling
 * (TS 102 221 §11.1.2, §7.4.2.2: 91xx), GEN-14 sessions, GEN-15 EF_DEVCHG
 * writes, GEN-20 re-imports, removal and insertion (DM 1.2 bootstrap rules).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alert.h"
#include "cardops.h"
#include "tlv.h"
#include "watch.h"

#define FID_TRIG 0x6422u
#define DEVCHG_MAX 4096u
#define PROACTIVE_MAX 16u /* commands answered per poll: a card that never stops is cut off */

static const uint8_t devchg_path[] = { 0x3F, 0x00, 0x7F, 0x60, 0x64, 0x21 };

bool dm_watch_names_trigger(const dm_cat_cmd *cmd)
{
	dm_bytes paths = cmd->file_paths, one;

	if (!cmd->has_file_list)
		return false;
	while (dm_cat_file_next(&paths, &one) == 1) {
		/* 3F00 7FFF 6422 (7FFF = the ADF of the AF object) or 3F00 7F60 6422 */
		if (one.len == 6 && dm_get_u16be(one.ptr + 4) == FID_TRIG &&
		    (dm_get_u16be(one.ptr + 2) == 0x7FFF || dm_get_u16be(one.ptr + 2) == 0x7F60))
			return true;
	}
	return false;
}

/* Whether the list names anything besides EF_TRIG (provisioning data). */
static bool names_other(const dm_cat_cmd *cmd)
{
	dm_bytes paths = cmd->file_paths, one;

	if (!cmd->has_file_list)
		return true; /* no list: every file may have changed */
	while (dm_cat_file_next(&paths, &one) == 1) {
		if (!(one.len == 6 && dm_get_u16be(one.ptr + 4) == FID_TRIG))
			return true;
	}
	return false;
}

static int build_resp(const dm_cat_cmd *c, uint8_t result, const uint8_t *extra, size_t n,
		      dm_wbuf *resp)
{
	dm_cat_resp r = { .number = c->number, .type = c->type, .qualifier = c->qualifier,
			  .result = result, .extra = dm_bytes_of(extra, n) };

	return dm_cat_resp_build(&r, resp);
}

int dm_watch_handle(const uint8_t *d0, size_t len, dm_watch_state *st,
		    dm_watch_action *action, dm_cat_cmd *cmd, dm_wbuf *resp)
{
	uint8_t dur[4];
	unsigned s;
	int rc;

	if (!d0 || !st || !action || !cmd || !resp)
		return DM_E_ARG;
	*action = DM_WATCH_NONE;
	rc = dm_cat_cmd_parse(d0, len, cmd);
	if (rc)
		return rc;
	switch (cmd->type) {
	case DM_TS102223_TOC_REFRESH:
		/* qualifier 04 (UICC reset) needs a reset we do not do from here;
		 * the others (00-03, 05, 06) are served by reading the card again */
		if (cmd->qualifier == 0x04 || cmd->qualifier > 0x06)
			return build_resp(cmd, DM_TS102223_RES_BEYOND_CAPABILITIES, NULL, 0, resp);
		if (cmd->qualifier != 0x01 || names_other(cmd))
			*action = DM_WATCH_REIMPORT;
		else
			*action = DM_WATCH_SESSION;
		return build_resp(cmd, DM_TS102223_RES_OK, NULL, 0, resp);
	case DM_TS102223_TOC_POLL_INTERVAL:
		if (!cmd->has_duration)
			return build_resp(cmd, DM_TS102223_RES_VALUES_MISSING, NULL, 0, resp);
		s = cmd->duration_interval;
		if (cmd->duration_unit == DM_TS102223_UNIT_MINUTES)
			s *= 60u;
		else if (cmd->duration_unit == DM_TS102223_UNIT_TENTHS)
			s = (s + 9u) / 10u; /* we poll in whole seconds, never faster */
		st->poll_s = s;
		*action = DM_WATCH_POLL_SET;
		/* §6.6.6: the response carries the interval the terminal uses */
		dur[0] = 0x84;
		dur[1] = 0x02;
		dur[2] = s <= 255 ? DM_TS102223_UNIT_SECONDS : DM_TS102223_UNIT_MINUTES;
		dur[3] = (uint8_t)(s <= 255 ? s : (s + 59u) / 60u);
		return build_resp(cmd, DM_TS102223_RES_OK, dur, sizeof dur, resp);
	case DM_TS102223_TOC_POLLING_OFF:
		st->poll_s = 0;
		*action = DM_WATCH_POLL_SET;
		return build_resp(cmd, DM_TS102223_RES_OK, NULL, 0, resp);
	default:
		return build_resp(cmd, DM_TS102223_RES_BEYOND_CAPABILITIES, NULL, 0, resp);
	}
}

int dm_watch_response_error(const uint8_t *d0, size_t len, dm_wbuf *resp)
{
	dm_tlv outer, det;
	dm_cat_cmd c = { 0 };

	/* command details (81 03) lead the D0 value (TS 102 223 §6.6) */
	if (dm_tlv_parse_exact(d0, len, &outer) || outer.tag != 0xD0 ||
	    dm_tlv_parse(outer.value, outer.len, &det, &(size_t){ 0 }) ||
	    (det.tag & 0x7F) != 0x01 || det.len != 3)
		return DM_E_VALUE;
	c.number = det.value[0];
	c.type = det.value[1];
	c.qualifier = det.value[2];
	return build_resp(&c, DM_TS102223_RES_DATA_NOT_UNDERSTOOD, NULL, 0, resp);
}

int dm_watch_devchg_build(uint32_t counter, const char *uris, dm_wbuf *out)
{
	uint8_t c[4];
	size_t n = uris ? strlen(uris) : 0, mark = out ? out->len : 0;
	int rc;

	if (!out)
		return DM_E_ARG;
	dm_put_u32be(c, counter);
	rc = dm_tlv_put(out, 0x80, c, sizeof c);
	if (rc == DM_OK)
		rc = dm_tlv_put(out, 0x81, uris, n);
	if (rc)
		out->len = mark;
	return rc;
}

/* One proactive round trip: FETCH xx, handle, act, TERMINAL RESPONSE. */
static int proactive(dm_transport *t, dm_tree *tree, const dm_watch_opts *o,
		     dm_watch_state *st, uint8_t pending, uint16_t *sw)
{
	uint8_t d0[256], rb[300], ack[8];
	dm_wbuf w = dm_wbuf_init(d0, sizeof d0), resp = dm_wbuf_init(rb, sizeof rb);
	dm_wbuf aw = dm_wbuf_init(ack, sizeof ack);
	dm_capdu fetch = { .cla = 0x80, .ins = 0x12, .ne = pending ? pending : 256 };
	dm_capdu tr = { .cla = 0x80, .ins = 0x14 };
	dm_watch_action act = DM_WATCH_NONE;
	dm_cat_cmd cmd;
	int rc;

	rc = dm_hc_exchange(t, "FETCH", &fetch, &w, sw);
	if (rc)
		return rc;
	if (*sw != 0x9000)
		return DM_OK; /* nothing to fetch after all (6985) */
	st->fetched++;
	rc = dm_watch_handle(d0, w.len, st, &act, &cmd, &resp);
	if (rc) {
		resp.len = 0;
		if (dm_watch_response_error(d0, w.len, &resp))
			return DM_E_VALUE; /* not even command details: nothing to answer */
	} else if (act == DM_WATCH_REIMPORT || (act == DM_WATCH_SESSION)) {
		if (act == DM_WATCH_REIMPORT) {
			dm_prov_result r;
			dm_prov_opts po = o->prov;

			/* GEN-20: the change counter moved; dm_provision sees it */
			po.in_session = true;
			rc = dm_provision(t, tree, &po, &r);
			if (rc == DM_E_IO)
				return rc;
			if (rc == DM_OK && r.outcome == DM_PROV_APPLIED)
				st->reimports++;
			if (o->prov.log)
				fprintf(o->prov.log, "REFRESH: %s\n",
					r.outcome == DM_PROV_APPLIED ? "provisioning data re-imported" :
					r.outcome == DM_PROV_UNCHANGED ? "nothing changed" : r.msg);
			if (rc) {
				/* §8.12: 20 = try again later; the card offers it again */
				resp.len = 0;
				build_resp(&cmd, DM_TS102223_RES_TERMINAL_BUSY, NULL, 0, &resp);
			}
		}
		if (dm_watch_names_trigger(&cmd)) {
			rc = dm_watch_session(t, tree, o, st);
			if (rc == DM_E_IO)
				return rc;
		}
	} else if (act == DM_WATCH_POLL_SET && o->prov.log) {
		fprintf(o->prov.log, "poll interval: %u s%s\n", st->poll_s,
			o->poll_s ? " (overridden by --poll)" : "");
	}
	tr.data = rb;
	tr.nc = resp.len;
	rc = dm_hc_exchange(t, "TERMINAL RESPONSE", &tr, &aw, sw);
	return rc;
}

int dm_watch_session(dm_transport *t, dm_tree *tree, const dm_watch_opts *o,
		     dm_watch_state *st)
{
	uint8_t rec[64];
	dm_wbuf w = dm_wbuf_init(rec, sizeof rec);
	char server[17], data[96];
	dm_node devid = { 0 };
	dm_alert a = { 0 };
	unsigned n;
	int rc;

	rc = dm_host_begin(t);
	if (rc)
		return rc;
	rc = dm_hc_select_aid(t, (const uint8_t *)DM_HC_AID_DMSC, DM_HC_AID_DMSC_LEN, NULL);
	if (rc == DM_OK)
		rc = dm_hc_select_fid(t, FID_TRIG, NULL);
	if (rc == DM_OK)
		rc = dm_hc_read_record(t, "EF_TRIG", 1, &w);
	dm_host_end(t);
	if (rc)
		return rc;
	/* record [ours, card/dmsc.h]: number(4) reason(1) session(2) n(1) server(16) */
	if (w.len < 24 || rec[7] == 0 || rec[7] > 16)
		return DM_E_VALUE;
	if (st->trig_len == w.len && !memcmp(st->trig, rec, w.len))
		return DM_OK; /* the same trigger again: one session per trigger */
	memcpy(st->trig, rec, w.len);
	st->trig_len = w.len;
	n = rec[7];
	for (unsigned i = 0; i < n; i++)
		server[i] = (rec[8 + i] >= 0x20 && rec[8 + i] < 0x7F) ? (char)rec[8 + i] : '?';
	server[n] = '\0';
	st->sessions++;
	snprintf(data, sizeof data, "session trigger %u reason %u session %u",
		 (unsigned)dm_get_u32be(rec), rec[4], dm_get_u16be(rec + 5));
	if (o->prov.log)
		fprintf(o->prov.log, "GEN-14: the card asks for a session with %s (%s)\n", server,
			data);
	if (!o->prov.outbox)
		return DM_OK;
	/* GEN-14: the session starts with a Generic Alert to the named server */
	if (dm_tree_get(tree, "./DevInfo/DevId", &devid) == DM_OK && devid.value) {
		a.server_id = server;
		a.dev_id = devid.value;
		a.source_uri = "./DMAcc";
		a.type = DM_ALERT_TYPE_PROVISION;
		a.mark = DM_ALERT_MARK_INFO;
		a.data = data;
		rc = dm_alert_post(o->prov.outbox, &a, NULL, 0);
	}
	dm_node_clear(&devid);
	return rc;
}

int dm_watch_poll(dm_transport *t, dm_tree *tree, const dm_watch_opts *o, dm_watch_state *st)
{
	dm_capdu status = { .cla = 0x80, .ins = 0xF2, .p1 = 0x00, .p2 = 0x0C };
	uint8_t buf[64];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	uint16_t sw;
	int rc;

	if (!t || !tree || !o || !st)
		return DM_E_ARG;
	rc = dm_host_begin(t);
	if (rc)
		return rc;
	rc = dm_hc_exchange(t, "STATUS", &status, &w, &sw);
	for (unsigned i = 0; rc == DM_OK && (sw & 0xFF00) == 0x9100 && i < PROACTIVE_MAX; i++)
		rc = proactive(t, tree, o, st, (uint8_t)sw, &sw);
	dm_host_end(t);
	return rc;
}

int dm_watch_devchg_write(dm_transport *t, dm_watch_state *st, const char *uris)
{
	static uint8_t buf[DEVCHG_MAX];
	uint8_t fcp[258];
	dm_wbuf fw = dm_wbuf_init(fcp, sizeof fcp), w;
	size_t size;
	int rc;

	rc = dm_host_begin(t);
	if (rc)
		return rc;
	rc = dm_hc_select_path(t, devchg_path, sizeof devchg_path, &fw);
	if (rc == DM_OK && (dm_hc_fcp_size(dm_bytes_of(fcp, fw.len), &size) || size > sizeof buf))
		rc = DM_E_VALUE;
	if (rc == DM_OK) {
		/* continue the card's numbering: the counter is in the EF already */
		dm_tlv tl;

		w = dm_wbuf_init(buf, size);
		rc = dm_hc_read_binary(t, "EF_DEVCHG", 0, size, &w);
		if (rc == DM_OK && dm_tlv_find(buf, w.len, 0x80, &tl) == DM_OK && tl.len == 4 &&
		    dm_get_u32be(tl.value) > st->devchg_counter)
			st->devchg_counter = dm_get_u32be(tl.value);
	}
	if (rc == DM_OK) {
		memset(buf, 0xFF, size);
		w = dm_wbuf_init(buf, size);
		rc = dm_watch_devchg_build(st->devchg_counter + 1, uris, &w);
		if (rc == DM_E_OVERFLOW)
			rc = DM_E_LENGTH;
	}
	if (rc == DM_OK)
		rc = dm_hc_update_binary(t, "EF_DEVCHG", 0, dm_bytes_of(buf, size));
	if (rc == DM_OK)
		st->devchg_counter++;
	dm_host_end(t);
	return rc;
}

int dm_watch_card_removed(dm_tree *tree, size_t *removed)
{
	size_t n = 0;
	int rc;

	if (!tree)
		return DM_E_ARG;
	rc = dm_tree_begin(tree);
	if (rc)
		return rc;
	rc = dm_tree_remove_other_cards(tree, NULL, &n);
	if (rc == DM_OK)
		rc = dm_tree_set_last_card(tree, NULL, 0);
	if (rc == DM_OK)
		rc = dm_tree_commit(tree);
	else
		dm_tree_rollback(tree);
	if (rc == DM_OK && removed)
		*removed = n;
	return rc;
}

int dm_watch_devchg_spool(dm_transport *t, dm_watch_state *st, const char *dir, FILE *log)
{
	static char text[DEVCHG_MAX];
	char path[DM_PROV_PATH_MAX + 260];
	struct dirent *e;
	DIR *d;
	int rc = DM_OK;

	if (!dir)
		return DM_OK;
	d = opendir(dir);
	if (!d)
		return DM_E_IO;
	while (rc == DM_OK && (e = readdir(d)) != NULL) {
		struct stat sb;
		FILE *f;
		size_t n;

		if (e->d_name[0] == '.')
			continue; /* hidden: a writer's temporary file */
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (stat(path, &sb) || !S_ISREG(sb.st_mode))
			continue;
		f = fopen(path, "r");
		if (!f)
			continue;
		n = fread(text, 1, sizeof text - 1, f);
		fclose(f);
		text[n] = '\0';
		while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
			text[--n] = '\0';
		rc = dm_watch_devchg_write(t, st, text);
		if (rc == DM_OK) {
			unlink(path); /* written to the card: done (GEN-15) */
			if (log)
				fprintf(log, "GEN-15: EF_DEVCHG written (counter %u) from %s\n",
					(unsigned)st->devchg_counter, e->d_name);
		}
	}
	closedir(d);
	return rc;
}
