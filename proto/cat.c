/*
 * cat.c - TS 102 223 toolkit codecs: COMPREHENSION-TLV, proactive commands,
 * TERMINAL RESPONSE, ENVELOPE.  Decisions are in cat.h and docs/proto.md.
 */
#include "cat.h"

#include <string.h>

#include "tlv.h"

/* Containers of the toolkit hold at most 255 bytes (TS 102 223 §6.6, §7). */
#define CAT_MAX_LEN 255u
#define MF_FID 0x3F00u

dm_cat_result_kind dm_cat_result_kind_of(uint8_t general_result)
{
	switch (general_result >> 4) {
	case 0: return DM_CAT_RESULT_SUCCESS;
	case 1: return DM_CAT_RESULT_USER_ENDED;
	case 2: return DM_CAT_RESULT_TEMPORARY;
	case 3: return DM_CAT_RESULT_PERMANENT;
	}
	return DM_CAT_RESULT_UNKNOWN;
}

int dm_ctlv_parse(const uint8_t *in, size_t len, dm_ctlv *out, size_t *consumed)
{
	size_t tn, ln, vlen;

	if ((in == NULL && len != 0) || out == NULL || consumed == NULL)
		return DM_E_ARG;
	if (len == 0)
		return DM_E_TRUNCATED;
	/* TS 101 220 §7.1.1: 00, 80 and FF are not tags; 7F starts the 3-byte form. */
	if (in[0] == 0x00 || in[0] == 0x80 || in[0] == 0xFF)
		return DM_E_TAG;
	if (in[0] == 0x7F) {
		if (len < 3)
			return DM_E_TRUNCATED;
		out->cr = (in[1] & 0x80) != 0;
		out->tag = (uint16_t)(dm_get_u16be(in + 1) & 0x7FFF);
		if (out->tag == 0)
			return DM_E_TAG;
		tn = 3;
	} else {
		out->cr = (in[0] & 0x80) != 0;
		out->tag = in[0] & 0x7F;
		tn = 1;
	}
	if (len - tn == 0)
		return DM_E_TRUNCATED;
	if (in[tn] < 0x80) {
		vlen = in[tn];
		ln = 1;
	} else if (in[tn] == 0x81) {
		if (len - tn < 2)
			return DM_E_TRUNCATED;
		vlen = in[tn + 1];
		ln = 2;
		if (vlen < 0x80)
			return DM_E_LENGTH; /* TS 101 220 §7.1.2: 81 only for 80..FF */
	} else {
		return DM_E_LENGTH;
	}
	if (vlen > len - tn - ln)
		return DM_E_TRUNCATED;
	out->value = in + tn + ln;
	out->len = vlen;
	out->hdr_len = tn + ln;
	*consumed = tn + ln + vlen;
	return DM_OK;
}

int dm_ctlv_put(dm_wbuf *w, uint16_t tag, bool cr, const void *value, size_t len)
{
	uint8_t hdr[5];
	size_t n = 0;

	if (w == NULL || tag == 0 || tag > 0x7FFF || (value == NULL && len != 0))
		return DM_E_ARG;
	if (len > CAT_MAX_LEN)
		return DM_E_LENGTH;
	if (tag <= 0x7E) {
		hdr[n++] = (uint8_t)(tag | (cr ? DM_TS102223_CR : 0));
	} else {
		hdr[n++] = 0x7F;
		hdr[n++] = (uint8_t)((tag >> 8) | (cr ? DM_TS102223_CR : 0));
		hdr[n++] = (uint8_t)tag;
	}
	if (len >= 0x80)
		hdr[n++] = 0x81;
	hdr[n++] = (uint8_t)len;
	if (n > dm_wbuf_room(w) || len > dm_wbuf_room(w) - n)
		return DM_E_OVERFLOW;
	(void)dm_wbuf_put(w, hdr, n);
	return dm_wbuf_put(w, value, len);
}

/* A sequence of COMPREHENSION-TLVs being read. */
typedef struct ctlv_reader {
	const uint8_t *p;
	size_t left;
} ctlv_reader;

/* 1 and *out: next object; 0: end; < 0: malformed. */
static int reader_next(ctlv_reader *r, dm_ctlv *out)
{
	size_t used;
	int rc;

	if (r->left == 0)
		return 0;
	rc = dm_ctlv_parse(r->p, r->left, out, &used);
	if (rc != DM_OK)
		return rc;
	r->p += used;
	r->left -= used;
	return 1;
}

/* The next object must be `tag` with exactly `len` bytes (or at least
 * `len` when `at_least`): the fixed heads of §6.6, §6.8 and §7. */
static int reader_expect(ctlv_reader *r, uint16_t tag, size_t len, bool at_least, dm_ctlv *out)
{
	int rc = reader_next(r, out);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return DM_E_NOT_FOUND;
	if (out->tag != tag)
		return DM_E_TAG;
	if (at_least ? out->len < len : out->len != len)
		return DM_E_LENGTH;
	return DM_OK;
}

/* The rest of the reader is well-formed; return it as a view. */
static int reader_rest(ctlv_reader *r, dm_bytes *rest)
{
	ctlv_reader copy = *r;
	dm_ctlv t;
	int rc;

	while ((rc = reader_next(&copy, &t)) == 1)
		;
	if (rc < 0)
		return rc;
	*rest = dm_bytes_of(r->left ? r->p : NULL, r->left);
	return DM_OK;
}

/* The BER-TLV wrapper of a toolkit container: one-byte tag, minimal length
 * of at most 255 (TS 102 223 §6.6 / TS 101 220 §7.1.2). */
static int open_container(const uint8_t *in, size_t len, uint32_t *tag, ctlv_reader *r)
{
	dm_tlv t;
	int rc = dm_tlv_parse_exact(in, len, &t);

	if (rc != DM_OK)
		return rc;
	if (t.len > CAT_MAX_LEN || t.hdr_len != 1 + dm_tlv_len_size(t.len))
		return DM_E_LENGTH;
	*tag = t.tag;
	r->p = t.value;
	r->left = t.len;
	return DM_OK;
}

/* Common start of the container parsers: check arguments, clear *out. */
static int start_parse(const uint8_t *in, size_t len, void *out, size_t out_size, uint32_t *tag,
		       ctlv_reader *r)
{
	if ((in == NULL && len != 0) || out == NULL)
		return DM_E_ARG;
	memset(out, 0, out_size);
	return open_container(in, len, tag, r);
}

/* Close a container begun at mark, enforcing the 255-byte limit. */
static int close_container(dm_wbuf *w, size_t start, size_t mark, int rc)
{
	dm_tlv t;

	if (rc == DM_OK)
		rc = dm_tlv_end(w, mark);
	if (rc == DM_OK)
		rc = dm_tlv_parse_exact(w->ptr + start, w->len - start, &t);
	if (rc == DM_OK && t.len > CAT_MAX_LEN)
		rc = DM_E_LENGTH;
	if (rc != DM_OK)
		w->len = start;
	return rc;
}

/* The head of a proactive command (§6.6) and of a terminal response (§6.8):
 * 81 command details, then 82 device identities, returned in *dev. */
static int read_head(ctlv_reader *r, uint8_t *number, uint8_t *type, uint8_t *qualifier,
		     dm_ctlv *dev)
{
	dm_ctlv t;
	int rc = reader_expect(r, DM_TS102223_TAG_COMMAND_DETAILS, 3, false, &t);

	if (rc != DM_OK)
		return rc;
	*number = t.value[0];
	*type = t.value[1];
	*qualifier = t.value[2];
	/* §8.6: command numbers 01..FE. */
	if (*number == 0x00 || *number == 0xFF)
		return DM_E_VALUE;
	return reader_expect(r, DM_TS102223_TAG_DEVICE_IDS, 2, false, dev);
}

int dm_cat_file_next(dm_bytes *paths, dm_bytes *path)
{
	size_t n = 2;

	if (paths == NULL || path == NULL)
		return DM_E_ARG;
	if (paths->len == 0)
		return 0;
	if (paths->len % 2 != 0 || dm_get_u16be(paths->ptr) != MF_FID)
		return DM_E_VALUE;
	/* A path runs until the next 3F00, which can only start another path. */
	while (n < paths->len && dm_get_u16be(paths->ptr + n) != MF_FID)
		n += 2;
	if (n == 2)
		return DM_E_VALUE; /* the MF alone is not a file to refresh */
	*path = dm_bytes_of(paths->ptr, n);
	paths->ptr += n;
	paths->len -= n;
	return 1;
}

/* Number of paths, checked against the declared count (§8.18). */
static int check_file_list(uint8_t count, dm_bytes paths)
{
	dm_bytes p;
	size_t n = 0;
	int rc;

	while ((rc = dm_cat_file_next(&paths, &p)) == 1)
		n++;
	if (rc < 0)
		return rc;
	return n == count ? DM_OK : DM_E_VALUE;
}

static bool duration_valid(uint8_t unit, uint8_t interval)
{
	return unit <= DM_TS102223_UNIT_TENTHS && interval != 0;
}

static bool timer_id_valid(uint8_t id)
{
	return id >= 1 && id <= 8; /* §8.37 */
}

/* One optional object of a proactive command. */
static int cmd_take(dm_cat_cmd *c, const dm_ctlv *t)
{
	bool *has;

	switch (t->tag) {
	case DM_TS102223_TAG_FILE_LIST: has = &c->has_file_list; break;
	case DM_TS102223_TAG_AID: has = &c->has_aid; break;
	case DM_TS102223_TAG_ALPHA_ID: has = &c->has_alpha; break;
	case DM_TS102223_TAG_ADDRESS: has = &c->has_address; break;
	case DM_TS102223_TAG_TEXT_STRING: has = &c->has_text; break;
	case DM_TS102223_TAG_DURATION: has = &c->has_duration; break;
	case DM_TS102223_TAG_EVENT_LIST: has = &c->has_events; break;
	case DM_TS102223_TAG_TIMER_ID: has = &c->has_timer_id; break;
	case DM_TS102223_TAG_TIMER_VALUE: has = &c->has_timer_value; break;
	default:
		/* §6.10.4: unknown and comprehension required = not understood. */
		return t->cr ? DM_E_UNSUPPORTED : DM_OK;
	}
	if (*has)
		return DM_E_TAG;
	*has = true;
	switch (t->tag) {
	case DM_TS102223_TAG_FILE_LIST:
		if (t->len < 1)
			return DM_E_LENGTH;
		c->file_count = t->value[0];
		c->file_paths = dm_bytes_of(t->value + 1, t->len - 1);
		return check_file_list(c->file_count, c->file_paths);
	case DM_TS102223_TAG_AID:
		if (t->len < 1 || t->len > DM_CAT_AID_MAX)
			return DM_E_LENGTH;
		c->aid = dm_bytes_of(t->value, t->len);
		return DM_OK;
	case DM_TS102223_TAG_ALPHA_ID:
		c->alpha = dm_bytes_of(t->value, t->len);
		return DM_OK;
	case DM_TS102223_TAG_ADDRESS:
		if (t->len < 1)
			return DM_E_LENGTH;
		c->address = dm_bytes_of(t->value, t->len);
		return DM_OK;
	case DM_TS102223_TAG_TEXT_STRING:
		c->text = dm_bytes_of(t->value, t->len);
		return DM_OK;
	case DM_TS102223_TAG_DURATION:
		if (t->len != 2)
			return DM_E_LENGTH;
		c->duration_unit = t->value[0];
		c->duration_interval = t->value[1];
		return duration_valid(c->duration_unit, c->duration_interval) ? DM_OK : DM_E_VALUE;
	case DM_TS102223_TAG_EVENT_LIST:
		c->events = dm_bytes_of(t->value, t->len);
		return DM_OK;
	case DM_TS102223_TAG_TIMER_ID:
		if (t->len != 1)
			return DM_E_LENGTH;
		c->timer_id = t->value[0];
		return timer_id_valid(c->timer_id) ? DM_OK : DM_E_VALUE;
	default: /* DM_TS102223_TAG_TIMER_VALUE */
		if (t->len != 3)
			return DM_E_LENGTH;
		memcpy(c->timer_value, t->value, 3);
		return DM_OK;
	}
}

int dm_cat_cmd_parse(const uint8_t *in, size_t len, dm_cat_cmd *out)
{
	ctlv_reader r;
	uint32_t tag;
	dm_ctlv t;
	int rc;

	rc = start_parse(in, len, out, sizeof *out, &tag, &r);
	if (rc != DM_OK)
		return rc;
	if (tag != DM_TS102223_BER_PROACTIVE)
		return DM_E_TAG;
	rc = read_head(&r, &out->number, &out->type, &out->qualifier, &t);
	if (rc != DM_OK)
		return rc;
	if (t.value[0] != DM_TS102223_DEV_UICC)
		return DM_E_VALUE;
	out->dst = t.value[1];
	while ((rc = reader_next(&r, &t)) == 1) {
		rc = cmd_take(out, &t);
		if (rc != DM_OK)
			return rc;
	}
	return rc;
}

/* Put an optional object when `has`, all with CR (see cat.h). */
static int put_opt(dm_wbuf *w, bool has, uint16_t tag, const void *v, size_t n, int rc)
{
	if (rc != DM_OK || !has)
		return rc;
	return dm_ctlv_put(w, tag, true, v, n);
}

static int cmd_check(const dm_cat_cmd *c)
{
	if (c->number == 0x00 || c->number == 0xFF)
		return DM_E_VALUE;
	if (c->has_file_list && (c->file_paths.len > CAT_MAX_LEN - 1 ||
				 (c->file_paths.len && c->file_paths.ptr == NULL) ||
				 check_file_list(c->file_count, c->file_paths) != DM_OK))
		return DM_E_VALUE;
	if (c->has_aid && (c->aid.len < 1 || c->aid.len > DM_CAT_AID_MAX))
		return DM_E_LENGTH;
	if (c->has_address && c->address.len < 1)
		return DM_E_LENGTH;
	if (c->has_duration && !duration_valid(c->duration_unit, c->duration_interval))
		return DM_E_VALUE;
	if (c->has_timer_id && !timer_id_valid(c->timer_id))
		return DM_E_VALUE;
	return DM_OK;
}

int dm_cat_cmd_build(const dm_cat_cmd *c, dm_wbuf *out)
{
	uint8_t b[CAT_MAX_LEN];
	size_t start, m;
	int rc;

	if (c == NULL || out == NULL)
		return DM_E_ARG;
	rc = cmd_check(c);
	if (rc != DM_OK)
		return rc;
	start = out->len;
	rc = dm_tlv_begin(out, DM_TS102223_BER_PROACTIVE, &m);
	if (rc != DM_OK)
		return rc;
	b[0] = c->number;
	b[1] = c->type;
	b[2] = c->qualifier;
	rc = dm_ctlv_put(out, DM_TS102223_TAG_COMMAND_DETAILS, true, b, 3);
	b[0] = DM_TS102223_DEV_UICC;
	b[1] = c->dst;
	rc = put_opt(out, true, DM_TS102223_TAG_DEVICE_IDS, b, 2, rc);
	if (c->has_file_list) {
		b[0] = c->file_count;
		if (c->file_paths.len)
			memcpy(b + 1, c->file_paths.ptr, c->file_paths.len);
		rc = put_opt(out, true, DM_TS102223_TAG_FILE_LIST, b, 1 + c->file_paths.len, rc);
	}
	rc = put_opt(out, c->has_aid, DM_TS102223_TAG_AID, c->aid.ptr, c->aid.len, rc);
	rc = put_opt(out, c->has_alpha, DM_TS102223_TAG_ALPHA_ID, c->alpha.ptr, c->alpha.len, rc);
	rc = put_opt(out, c->has_address, DM_TS102223_TAG_ADDRESS, c->address.ptr,
		     c->address.len, rc);
	rc = put_opt(out, c->has_text, DM_TS102223_TAG_TEXT_STRING, c->text.ptr, c->text.len, rc);
	b[0] = c->duration_unit;
	b[1] = c->duration_interval;
	rc = put_opt(out, c->has_duration, DM_TS102223_TAG_DURATION, b, 2, rc);
	rc = put_opt(out, c->has_events, DM_TS102223_TAG_EVENT_LIST, c->events.ptr,
		     c->events.len, rc);
	rc = put_opt(out, c->has_timer_id, DM_TS102223_TAG_TIMER_ID, &c->timer_id, 1, rc);
	rc = put_opt(out, c->has_timer_value, DM_TS102223_TAG_TIMER_VALUE, c->timer_value, 3, rc);
	return close_container(out, start, m, rc);
}

int dm_cat_resp_parse(const uint8_t *in, size_t len, dm_cat_resp *out)
{
	ctlv_reader r = { in, len };
	dm_ctlv t;
	int rc;

	if ((in == NULL && len != 0) || out == NULL)
		return DM_E_ARG;
	memset(out, 0, sizeof *out);
	if (len > CAT_MAX_LEN)
		return DM_E_LENGTH; /* Lc of a short APDU */
	rc = read_head(&r, &out->number, &out->type, &out->qualifier, &t);
	if (rc != DM_OK)
		return rc;
	/* §6.8: a terminal response goes from the terminal to the UICC. */
	if (t.value[0] != DM_TS102223_DEV_TERMINAL || t.value[1] != DM_TS102223_DEV_UICC)
		return DM_E_VALUE;
	rc = reader_expect(&r, DM_TS102223_TAG_RESULT, 1, true, &t);
	if (rc != DM_OK)
		return rc;
	out->result = t.value[0];
	out->additional = dm_bytes_of(t.len > 1 ? t.value + 1 : NULL, t.len - 1);
	return reader_rest(&r, &out->extra);
}

int dm_cat_resp_build(const dm_cat_resp *rs, dm_wbuf *out)
{
	uint8_t b[CAT_MAX_LEN];
	size_t start;
	int rc;

	if (rs == NULL || out == NULL)
		return DM_E_ARG;
	if (rs->number == 0x00 || rs->number == 0xFF)
		return DM_E_VALUE;
	if (rs->additional.len > CAT_MAX_LEN - 1 || (rs->additional.len && rs->additional.ptr == NULL) ||
	    (rs->extra.len && rs->extra.ptr == NULL))
		return DM_E_LENGTH;
	start = out->len;
	b[0] = rs->number;
	b[1] = rs->type;
	b[2] = rs->qualifier;
	rc = dm_ctlv_put(out, DM_TS102223_TAG_COMMAND_DETAILS, true, b, 3);
	b[0] = DM_TS102223_DEV_TERMINAL;
	b[1] = DM_TS102223_DEV_UICC;
	rc = put_opt(out, true, DM_TS102223_TAG_DEVICE_IDS, b, 2, rc);
	b[0] = rs->result;
	if (rs->additional.len)
		memcpy(b + 1, rs->additional.ptr, rs->additional.len);
	rc = put_opt(out, true, DM_TS102223_TAG_RESULT, b, 1 + rs->additional.len, rc);
	if (rc == DM_OK) {
		/* extra must itself be well-formed objects. */
		ctlv_reader r = { rs->extra.ptr, rs->extra.len };
		dm_bytes ignored;

		rc = reader_rest(&r, &ignored) == DM_OK ? dm_wbuf_put(out, rs->extra.ptr, rs->extra.len)
						       : DM_E_VALUE;
	}
	if (rc == DM_OK && out->len - start > CAT_MAX_LEN)
		rc = DM_E_LENGTH;
	if (rc != DM_OK)
		out->len = start;
	return rc;
}

/* 82 {src, UICC}: the destination of every envelope is the UICC. */
static int env_device_ids(ctlv_reader *r, dm_cat_env *e)
{
	dm_ctlv t;
	int rc = reader_expect(r, DM_TS102223_TAG_DEVICE_IDS, 2, false, &t);

	if (rc != DM_OK)
		return rc;
	if (t.value[1] != DM_TS102223_DEV_UICC)
		return DM_E_VALUE;
	e->src = t.value[0];
	return DM_OK;
}

int dm_cat_env_parse(const uint8_t *in, size_t len, dm_cat_env *out)
{
	ctlv_reader r;
	uint32_t tag;
	dm_ctlv t;
	int rc;

	rc = start_parse(in, len, out, sizeof *out, &tag, &r);
	if (rc != DM_OK)
		return rc;
	out->tag = (uint8_t)tag;
	switch (tag) {
	case DM_TS102223_BER_SMS_PP_DOWNLOAD:
		/* §7.1: the SMS TPDU is for the card's OTA layer, not parsed here. */
		out->extra = dm_bytes_of(r.p, r.left);
		return DM_OK;
	case DM_TS102223_BER_EVENT_DOWNLOAD:
		/* §7.5: event list with exactly one event, then device identities. */
		rc = reader_expect(&r, DM_TS102223_TAG_EVENT_LIST, 1, false, &t);
		if (rc != DM_OK)
			return rc;
		out->event = t.value[0];
		rc = env_device_ids(&r, out);
		break;
	case DM_TS102223_BER_TIMER_EXPIRATION:
		/* §7.4: device identities, timer identifier, timer value. */
		rc = env_device_ids(&r, out);
		if (rc == DM_OK)
			rc = reader_expect(&r, DM_TS102223_TAG_TIMER_ID, 1, false, &t);
		if (rc != DM_OK)
			return rc;
		out->timer_id = t.value[0];
		if (!timer_id_valid(out->timer_id))
			return DM_E_VALUE;
		rc = reader_expect(&r, DM_TS102223_TAG_TIMER_VALUE, 3, false, &t);
		if (rc == DM_OK)
			memcpy(out->timer_value, t.value, 3);
		break;
	default:
		/* D2..DE are toolkit envelopes this card does not take (DF would
		 * start a two-byte tag). */
		return (tag >= 0xD2 && tag <= 0xDE) ? DM_E_UNSUPPORTED : DM_E_TAG;
	}
	if (rc != DM_OK)
		return rc;
	return reader_rest(&r, &out->extra);
}

int dm_cat_env_build(const dm_cat_env *e, dm_wbuf *out)
{
	uint8_t b[2];
	size_t start, m;
	int rc;

	if (e == NULL || out == NULL)
		return DM_E_ARG;
	if (e->tag != DM_TS102223_BER_SMS_PP_DOWNLOAD && e->tag != DM_TS102223_BER_EVENT_DOWNLOAD &&
	    e->tag != DM_TS102223_BER_TIMER_EXPIRATION)
		return DM_E_UNSUPPORTED;
	if (e->tag == DM_TS102223_BER_TIMER_EXPIRATION && !timer_id_valid(e->timer_id))
		return DM_E_VALUE;
	if (e->extra.len && e->extra.ptr == NULL)
		return DM_E_ARG;
	start = out->len;
	rc = dm_tlv_begin(out, e->tag, &m);
	if (rc != DM_OK)
		return rc;
	b[0] = e->src;
	b[1] = DM_TS102223_DEV_UICC;
	if (e->tag == DM_TS102223_BER_EVENT_DOWNLOAD) {
		rc = dm_ctlv_put(out, DM_TS102223_TAG_EVENT_LIST, true, &e->event, 1);
		rc = put_opt(out, true, DM_TS102223_TAG_DEVICE_IDS, b, 2, rc);
	} else if (e->tag == DM_TS102223_BER_TIMER_EXPIRATION) {
		rc = dm_ctlv_put(out, DM_TS102223_TAG_DEVICE_IDS, true, b, 2);
		rc = put_opt(out, true, DM_TS102223_TAG_TIMER_ID, &e->timer_id, 1, rc);
		rc = put_opt(out, true, DM_TS102223_TAG_TIMER_VALUE, e->timer_value, 3, rc);
	}
	if (rc == DM_OK && e->tag != DM_TS102223_BER_SMS_PP_DOWNLOAD) {
		ctlv_reader r = { e->extra.ptr, e->extra.len };
		dm_bytes ignored;

		if (reader_rest(&r, &ignored) != DM_OK)
			rc = DM_E_VALUE;
	}
	if (rc == DM_OK && e->extra.len)
		rc = dm_wbuf_put(out, e->extra.ptr, e->extra.len);
	return close_container(out, start, m, rc);
}
