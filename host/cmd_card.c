/*
 * cmd_card.c - dmsc-agent readers, probe and apdu (docs/agent.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "agent.h"
#include "apdu.h"
#include "atrinfo.h"
#include "cardops.h"
#include "hex.h"
#include "sw.h"

#define MAX_READERS 16

static void print_json(dm_agent *ctx, json_object *o)
{
	fprintf(ctx->out, "%s\n",
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void hex_of(const uint8_t *p, size_t n, char *out, size_t cap)
{
	if (dm_hex_encode(p, n, out, cap) != DM_OK && cap)
		out[0] = '\0';
}

/* ---- readers ---- */

int dm_cmd_readers(int argc, char **argv, dm_agent *ctx)
{
	dm_pcsc_reader r[MAX_READERS];
	char msg[512] = "", atr[DM_HEX_SIZE(DM_ATR_MAX)];
	size_t n = 0;
	int rc;

	if (dm_agent_help(argc, argv)) {
		fprintf(ctx->out, "usage: %s readers\n\nList the PC/SC readers: index, name, "
			"whether a card is in it and its ATR.\nThe index or the name goes to "
			"--reader.\n", ctx->prog);
		return DM_EXIT_OK;
	}
	if (argc > 1) {
		fprintf(ctx->err, "%s: readers takes no arguments\n", ctx->prog);
		return DM_EXIT_USAGE;
	}
	rc = dm_pcsc_list(r, MAX_READERS, &n, msg, sizeof msg);
	if (rc != DM_OK) {
		fprintf(ctx->err, "%s: %s\n", ctx->prog, msg[0] ? msg : dm_strerror(rc));
		return DM_EXIT_NO_CARD;
	}
	if (ctx->json) {
		json_object *a = json_object_new_array();

		for (size_t i = 0; i < n; i++) {
			json_object *o = json_object_new_object();

			hex_of(r[i].atr, r[i].atr_len, atr, sizeof atr);
			json_object_object_add(o, "index", json_object_new_int((int)i));
			json_object_object_add(o, "name", json_object_new_string(r[i].name));
			json_object_object_add(o, "card", json_object_new_boolean(r[i].card_present));
			if (r[i].card_present)
				json_object_object_add(o, "atr", json_object_new_string(atr));
			json_object_array_add(a, o);
		}
		print_json(ctx, a);
		return DM_EXIT_OK;
	}
	if (n == 0)
		fprintf(ctx->out, "no readers (pcscd is running but has none: plug one in)\n");
	for (size_t i = 0; i < n; i++) {
		hex_of(r[i].atr, r[i].atr_len, atr, sizeof atr);
		fprintf(ctx->out, "%zu: %s: %s%s\n", i, r[i].name,
			r[i].card_present ? "card, ATR " : "no card", r[i].card_present ? atr : "");
	}
	return DM_EXIT_OK;
}

/* ---- probe ---- */

static void protocols_text(const dm_atr_info *a, char *out, size_t cap)
{
	size_t len = 0;

	out[0] = '\0';
	for (unsigned tp = 0; tp < 15; tp++) {
		if (!(a->protocols & (1u << tp)))
			continue;
		len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, "%sT=%u%s",
					len ? ", " : "", tp,
					(int)tp == a->first_protocol ? " (default)" : "");
		if (len >= cap)
			return;
	}
}

static const char *confirmation_text(uint8_t flags)
{
	if (flags & DM_HC_INFO_ASK_USER)
		return "ask the user (USE-1)";
	if (flags & DM_HC_INFO_NEVER_ASK)
		return "never ask (USE-2)";
	return "device's choice (USE-3)";
}

static void usage_probe(dm_agent *ctx)
{
	fprintf(ctx->out,
		"usage: %s probe\n\n"
		"Decode the card's ATR (protocols from the TD bytes, historical bytes, card\n"
		"capabilities), then SELECT the DMSC application: 6A82 means the card has no\n"
		"DM_SC (GEN-13, exit 4).  With DM_SC, read EF_INFO: provisioning data present\n"
		"(flag b3, GEN-2), change counter, user confirmation rule, free memory.\n",
		ctx->prog);
}

int dm_cmd_probe(int argc, char **argv, dm_agent *ctx)
{
	dm_transport *t;
	dm_atr_info ai;
	dm_hc_info info;
	char atr[DM_HEX_SIZE(DM_ATR_MAX)], hist[DM_HEX_SIZE(DM_ATR_MAX)], prot[96];
	char why[512] = "";
	int ex, rc, arc;
	bool dmsc = false;

	if (dm_agent_help(argc, argv)) {
		usage_probe(ctx);
		return DM_EXIT_OK;
	}
	if (argc > 1) {
		fprintf(ctx->err, "%s: probe takes no arguments\n", ctx->prog);
		return DM_EXIT_USAGE;
	}
	t = dm_agent_transport(ctx, &ex);
	if (!t)
		return ex;
	hex_of(t->atr, t->atr_len, atr, sizeof atr);
	arc = dm_atr_decode(t->atr, t->atr_len, &ai);
	if (arc == DM_OK) {
		hex_of(ai.hist, ai.hist_len, hist, sizeof hist);
		protocols_text(&ai, prot, sizeof prot);
	} else {
		snprintf(hist, sizeof hist, "?");
		snprintf(prot, sizeof prot, "? (ATR malformed: %s)", dm_strerror(arc));
	}
	rc = dm_hc_read_info(t, &info);
	if (rc == DM_OK) {
		dmsc = true;
	} else if (rc == DM_E_NOT_FOUND && t->last_sw == DM_SW_FILE_NOT_FOUND &&
		   strncmp(t->last_op, "SELECT application", 18) == 0) {
		snprintf(why, sizeof why, "SELECT of the DMSC application answered 6A82");
	} else if (rc == DM_E_IO) {
		return dm_agent_card_error(ctx, rc);
	} else {
		dm_hc_message(t, rc, why, sizeof why);
	}
	if (ctx->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "reader", json_object_new_string(t->reader));
		json_object_object_add(o, "atr", json_object_new_string(atr));
		json_object_object_add(o, "protocol", json_object_new_string(
					       t->protocol == DM_PROTO_T0 ? "T=0" : "T=1"));
		if (arc == DM_OK) {
			json_object *p = json_object_new_array();

			for (unsigned tp = 0; tp < 15; tp++)
				if (ai.protocols & (1u << tp))
					json_object_array_add(p, json_object_new_int((int)tp));
			json_object_object_add(o, "atr_protocols", p);
			json_object_object_add(o, "historical", json_object_new_string(hist));
			json_object_object_add(o, "tck_ok", json_object_new_boolean(!ai.has_tck ||
										    ai.tck_ok));
		}
		json_object_object_add(o, "extended_apdus", json_object_new_boolean(t->extended));
		json_object_object_add(o, "dmsc", json_object_new_boolean(dmsc));
		if (dmsc) {
			json_object_object_add(o, "provisioned", json_object_new_boolean(
						       info.flags & DM_HC_INFO_PROVISIONED));
			json_object_object_add(o, "change_counter",
					       json_object_new_int64(info.counter));
			json_object_object_add(o, "confirmation", json_object_new_string(
						       info.flags & DM_HC_INFO_ASK_USER ? "ask" :
						       info.flags & DM_HC_INFO_NEVER_ASK ? "never" :
						       "device"));
			json_object_object_add(o, "large_mos", json_object_new_boolean(info.caps & 1));
			if (info.has_free)
				json_object_object_add(o, "free_bytes",
						       json_object_new_int64(info.free_bytes));
		} else {
			json_object_object_add(o, "reason", json_object_new_string(why));
		}
		print_json(ctx, o);
		return dmsc ? DM_EXIT_OK : DM_EXIT_UNSUPPORTED;
	}
	fprintf(ctx->out, "reader: %s\n", t->reader);
	fprintf(ctx->out, "ATR: %s\n", atr);
	fprintf(ctx->out, "  protocols: %s\n", prot);
	if (arc == DM_OK) {
		fprintf(ctx->out, "  historical bytes: %s\n", ai.hist_len ? hist : "(none)");
		if (ai.has_caps)
			fprintf(ctx->out, "  card capabilities: extended Lc/Le %s, command chaining %s\n",
				ai.extended_lc_le ? "yes" : "no", ai.chaining ? "yes" : "no");
		if (ai.has_tck)
			fprintf(ctx->out, "  TCK: %s\n", ai.tck_ok ? "ok" : "WRONG");
	}
	fprintf(ctx->out, "connected: %s, extended APDUs %s\n",
		t->protocol == DM_PROTO_T0 ? "T=0" : "T=1", t->extended ? "yes" : "no");
	if (!dmsc) {
		fprintf(ctx->out, "DM_SC: no: unsupported card (%s)\n", why);
		return DM_EXIT_UNSUPPORTED;
	}
	fprintf(ctx->out, "DM_SC: yes (application F04F4D41444D5343, EF_INFO version %u)\n",
		(unsigned)info.version);
	fprintf(ctx->out, "provisioning data: %s\n",
		info.flags & DM_HC_INFO_PROVISIONED ? "present" : "none");
	fprintf(ctx->out, "change counter: %lu\n", (unsigned long)info.counter);
	fprintf(ctx->out, "user confirmation: %s\n", confirmation_text(info.flags));
	fprintf(ctx->out, "large MOs: %s\n", info.caps & 1 ? "yes" : "no");
	if (info.has_free)
		fprintf(ctx->out, "free memory: %lu bytes\n", (unsigned long)info.free_bytes);
	return DM_EXIT_OK;
}

/* ---- apdu ---- */

static void usage_apdu(dm_agent *ctx)
{
	fprintf(ctx->out,
		"usage: %s apdu [--raw] HEX...\n\n"
		"Send each C-APDU (hex; spaces and ':' allowed between bytes) in one PC/SC\n"
		"transaction and show the answer with the status word's name and meaning.\n"
		"61xx and 6Cxx are followed up (GET RESPONSE / Le = xx) unless --raw.\n"
		"Exit 1 when any final status word is an error (64xx-6Fxx).\n", ctx->prog);
}

int dm_cmd_apdu(int argc, char **argv, dm_agent *ctx)
{
	static uint8_t cbuf[DM_CAPDU_MAX], rbuf[DM_RAPDU_MAX];
	bool raw = false, any_error = false;
	json_object *arr = NULL;
	dm_transport *t;
	int first = 1, ex = DM_EXIT_OK, rc = DM_OK;

	if (dm_agent_help(argc, argv)) {
		usage_apdu(ctx);
		return DM_EXIT_OK;
	}
	if (argc > 1 && strcmp(argv[1], "--raw") == 0) {
		raw = true;
		first = 2;
	}
	if (first < argc && strcmp(argv[first], "--") == 0)
		first++;
	if (first >= argc) {
		fprintf(ctx->err, "%s: apdu needs at least one C-APDU in hex\n", ctx->prog);
		return DM_EXIT_USAGE;
	}
	/* Check every argument before the first one is sent. */
	for (int i = first; i < argc; i++) {
		dm_wbuf w = dm_wbuf_init(cbuf, sizeof cbuf);
		dm_capdu c;

		if (dm_hex_decode(argv[i], &w) != DM_OK || w.len < 4) {
			fprintf(ctx->err, "%s: \"%s\" is not a C-APDU in hex (at least 4 bytes)\n",
				ctx->prog, argv[i]);
			return DM_EXIT_USAGE;
		}
		if (dm_capdu_parse(w.ptr, w.len, &c) != DM_OK)
			fprintf(ctx->err, "%s: warning: \"%s\" is not a well-formed ISO 7816-4 "
				"APDU; sent as is\n", ctx->prog, argv[i]);
	}
	t = dm_agent_transport(ctx, &ex);
	if (!t)
		return ex;
	if (ctx->json)
		arr = json_object_new_array();
	rc = dm_host_begin(t);
	for (int i = first; rc == DM_OK && i < argc; i++) {
		dm_wbuf w = dm_wbuf_init(cbuf, sizeof cbuf);
		dm_wbuf r = dm_wbuf_init(rbuf, sizeof rbuf);
		char meaning[96];
		uint16_t sw = 0;

		dm_hex_decode(argv[i], &w);
		snprintf(t->last_op, sizeof t->last_op, "APDU %d", i - first + 1);
		if (raw) {
			rc = dm_transport_transmit(t, w.ptr, w.len, &r);
			if (rc == DM_OK) {
				sw = dm_get_u16be(r.ptr + r.len - 2);
				r.len -= 2;
			}
		} else {
			rc = dm_hc_exchange_raw(t, w.ptr, w.len, &r, &sw);
		}
		if (rc != DM_OK)
			break;
		t->last_sw = sw;
		if (dm_sw_classify(sw) == DM_SW_CLASS_ERROR)
			any_error = true;
		dm_sw_meaning(sw, meaning, sizeof meaning);
		{
			size_t hl = DM_HEX_SIZE(r.len);
			char *hex = malloc(hl);
			char chex[DM_HEX_SIZE(261)];

			if (!hex) {
				rc = DM_E_NOMEM;
				break;
			}
			hex_of(r.ptr, r.len, hex, hl);
			hex_of(w.ptr, w.len < 261 ? w.len : 261, chex, sizeof chex);
			if (arr) {
				json_object *o = json_object_new_object();
				char s[5];

				snprintf(s, sizeof s, "%04X", (unsigned)sw);
				json_object_object_add(o, "command", json_object_new_string(chex));
				json_object_object_add(o, "data", json_object_new_string(hex));
				json_object_object_add(o, "sw", json_object_new_string(s));
				json_object_object_add(o, "name", json_object_new_string(dm_sw_name(sw)));
				json_object_object_add(o, "meaning", json_object_new_string(meaning));
				json_object_object_add(o, "dm_status",
						       json_object_new_int(dm_sw_to_dm_status(sw)));
				json_object_array_add(arr, o);
			} else {
				fprintf(ctx->out, "> %s%s\n", chex, w.len > 261 ? "..." : "");
				fprintf(ctx->out, "< %s%s%04X %s (%s)\n", hex, r.len ? " " : "",
					(unsigned)sw, dm_sw_name(sw), meaning);
			}
			free(hex);
		}
	}
	if (t->depth > 0)
		dm_host_end(t);
	if (arr)
		print_json(ctx, arr);
	if (rc != DM_OK)
		return dm_agent_card_error(ctx, rc);
	return any_error ? DM_EXIT_FAIL : DM_EXIT_OK;
}
