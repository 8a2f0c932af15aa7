/*
 * cardops.c - APDU helpers on top of a dm_transport (host/cardops.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cardops.h"
#include "fcp.h"
#include "sw.h"
#include "tlv.h"

/* A card answering 61xx for ever must not keep us here: 256 GET RESPONSEs
 * already carry 64 KiB. */
#define MAX_GET_RESPONSE 256
/* Largest offset B0/D6 can carry: P1 b8 = 0 leaves 15 bits (ISO 7816-4 §11.2.2). */
#define SHORT_OFFSET_MAX 0x7FFFu
/* Bytes per write: each APDU is one store transaction on the card, bounded
 * by its journal; 32 KiB fits every card (docs/dmsc-app.md, "Large MOs"). */
#define WRITE_CHUNK_MAX 32768u
#define PIN_LEN 8u

static void set_op(dm_transport *t, const char *op)
{
	snprintf(t->last_op, sizeof t->last_op, "%s", op ? op : "command");
}

static size_t rapdu_cap(const dm_transport *t)
{
	size_t cap = t->max_rapdu ? t->max_rapdu : 258u;

	return cap > DM_RAPDU_MAX ? DM_RAPDU_MAX : cap;
}

/* 9000, or 91xx: success with a proactive command pending (TS 102 221 §10.2.1.1). */
static bool sw_ok(uint16_t sw)
{
	return sw == DM_SW_OK || (sw & 0xFF00u) == 0x9100u;
}

static int sw_to_err(uint16_t sw)
{
	if (sw_ok(sw))
		return DM_OK;
	if (sw == DM_SW_FILE_NOT_FOUND || sw == DM_SW_RECORD_NOT_FOUND ||
	    sw == DM_SW_REF_DATA_NOT_FOUND)
		return DM_E_NOT_FOUND;
	return DM_E_STATE;
}

/* GET RESPONSE on the command's logical channel (ISO 7816-4 §11.6.5). */
static uint8_t get_response_cla(uint8_t cla)
{
	dm_cla d;
	int c;

	if (dm_cla_decode(cla, &d) != DM_OK)
		return 0x00;
	c = dm_cla_on_channel(0x00, d.channel);
	return c < 0 ? 0x00 : (uint8_t)c;
}

static int append(dm_wbuf *data, const uint8_t *p, size_t n)
{
	if (!data)
		return DM_OK;
	return dm_wbuf_put(data, p, n);
}

static int exchange_bytes(dm_transport *t, uint8_t *cbuf, size_t clen, dm_wbuf *data,
			  uint16_t *sw)
{
	size_t rcap = rapdu_cap(t);
	uint8_t *rbuf = malloc(rcap);
	bool reissued = false;
	int rc = DM_OK;

	if (!rbuf)
		return DM_E_NOMEM;
	for (int round = 0; round <= MAX_GET_RESPONSE; round++) {
		dm_wbuf r = dm_wbuf_init(rbuf, rcap);
		uint16_t s;

		rc = dm_transport_transmit(t, cbuf, clen, &r);
		if (rc != DM_OK)
			break;
		s = dm_get_u16be(r.ptr + r.len - 2);
		t->last_sw = s;
		*sw = s;
		if ((s & 0xFF00u) == 0x6C00u && !reissued && clen >= 5) {
			/* ISO 7816-3 §12.2.2: same command, Le = SW2 (00 = 256).
			 * Only a short case 2 carries P3 = Le last. */
			if (clen == 5) {
				cbuf[4] = (uint8_t)s;
				reissued = true;
				continue;
			}
		}
		rc = append(data, r.ptr, r.len - 2);
		if (rc != DM_OK)
			break;
		if ((s & 0xFF00u) != 0x6100u)
			break;
		/* 61xx: GET RESPONSE for xx bytes (00 = 256), TS 102 221 §7.3.1.1.4. */
		cbuf[0] = get_response_cla(cbuf[0]);
		cbuf[1] = 0xC0;
		cbuf[2] = 0x00;
		cbuf[3] = 0x00;
		cbuf[4] = (uint8_t)s;
		clen = 5;
		reissued = true;
		if (round == MAX_GET_RESPONSE)
			rc = DM_E_VALUE;
	}
	free(rbuf);
	return rc;
}

int dm_hc_exchange_raw(dm_transport *t, const uint8_t *capdu, size_t len, dm_wbuf *data,
		       uint16_t *sw)
{
	uint8_t *cbuf;
	int rc;

	if (!t || !capdu || !sw || len < 4 || len > DM_CAPDU_MAX)
		return DM_E_ARG;
	cbuf = malloc(len < 5 ? 5 : len);
	if (!cbuf)
		return DM_E_NOMEM;
	memcpy(cbuf, capdu, len);
	rc = exchange_bytes(t, cbuf, len, data, sw);
	free(cbuf);
	return rc;
}

int dm_hc_exchange(dm_transport *t, const char *op, const dm_capdu *c, dm_wbuf *data,
		   uint16_t *sw)
{
	size_t cap = 4u + 3u + c->nc + 3u;
	uint8_t *cbuf;
	dm_wbuf w;
	int rc;

	if (!t || !c || !sw)
		return DM_E_ARG;
	set_op(t, op);
	t->last_sw = 0;
	if ((c->extended || c->nc > DM_APDU_SHORT_MAX_NC || c->ne > DM_APDU_SHORT_MAX_NE) &&
	    !t->extended)
		return DM_E_UNSUPPORTED;
	cbuf = malloc(cap);
	if (!cbuf)
		return DM_E_NOMEM;
	w = dm_wbuf_init(cbuf, cap);
	rc = dm_capdu_build(c, &w);
	if (rc == DM_OK)
		rc = exchange_bytes(t, cbuf, w.len, data, sw);
	dm_wipe(cbuf, cap); /* may have carried a PIN */
	free(cbuf);
	return rc;
}

/* Exchange and map the SW: the usual tail of every helper. */
static int command(dm_transport *t, const char *op, const dm_capdu *c, dm_wbuf *data)
{
	uint16_t sw = 0;
	size_t mark = data ? data->len : 0;
	int rc = dm_hc_exchange(t, op, c, data, &sw);

	if (rc == DM_OK)
		rc = sw_to_err(sw);
	if (rc != DM_OK && data)
		data->len = mark;
	return rc;
}

static int select_cmd(dm_transport *t, const char *op, uint8_t p1, const uint8_t *v, size_t n,
		      dm_wbuf *fcp)
{
	dm_capdu c = { .cla = 0x00, .ins = 0xA4, .p1 = p1, .data = v, .nc = n };

	/* TS 102 221 §11.1.1.2: P2 04 returns the FCP, 0C nothing. */
	c.p2 = fcp ? 0x04 : 0x0C;
	c.ne = fcp ? 256 : 0;
	return command(t, op, &c, fcp);
}

int dm_hc_select_aid(dm_transport *t, const uint8_t *aid, size_t len, dm_wbuf *fcp)
{
	if (!t || !aid || len == 0 || len > 16)
		return DM_E_ARG;
	return select_cmd(t, "SELECT application", 0x04, aid, len, fcp);
}

int dm_hc_select_path(dm_transport *t, const uint8_t *path, size_t len, dm_wbuf *fcp)
{
	if (!t || !path || len < 2 || len % 2)
		return DM_E_ARG;
	if (path[0] == 0x3F && path[1] == 0x00) {
		path += 2;
		len -= 2;
	}
	if (len == 0) {
		static const uint8_t mf[2] = { 0x3F, 0x00 };
		return select_cmd(t, "SELECT MF", 0x00, mf, 2, fcp);
	}
	return select_cmd(t, "SELECT by path", 0x08, path, len, fcp);
}

static int select_fid_named(dm_transport *t, const char *name, uint16_t fid, dm_wbuf *fcp)
{
	uint8_t v[2];
	char op[64];

	dm_put_u16be(v, fid);
	if (name)
		snprintf(op, sizeof op, "SELECT %s", name);
	else
		snprintf(op, sizeof op, "SELECT %04X", (unsigned)fid);
	return select_cmd(t, op, 0x00, v, 2, fcp);
}

int dm_hc_select_fid(dm_transport *t, uint16_t fid, dm_wbuf *fcp)
{
	if (!t)
		return DM_E_ARG;
	return select_fid_named(t, NULL, fid, fcp);
}

int dm_hc_fcp_size(dm_bytes fcp, size_t *size)
{
	dm_fcp f;
	int rc;

	if (!fcp.ptr || !size)
		return DM_E_ARG;
	rc = dm_fcp_parse(fcp.ptr, fcp.len, &f);
	if (rc != DM_OK)
		return DM_E_VALUE;
	if (!f.has_size)
		return DM_E_NOT_FOUND;
	*size = f.size;
	return DM_OK;
}

/* Largest data a read may ask for in one APDU. */
static size_t read_chunk(const dm_transport *t)
{
	size_t cap = rapdu_cap(t);

	if (!t->extended || cap <= 258u)
		return 256u;
	/* vpcd: a response (data and SW) is at most 65535 bytes. */
	return cap - 2u > DM_APDU_EXT_MAX_NE - 1u ? DM_APDU_EXT_MAX_NE - 1u : cap - 2u;
}

/* One B1 read (ISO 7816-4 §11.2.3): data 54 offset, answer 53 len bytes. */
static int read_b1(dm_transport *t, const char *op, size_t off, size_t want, dm_wbuf *out,
		   size_t *got)
{
	uint8_t d[6], *rb;
	size_t ne = read_chunk(t), cap;
	dm_capdu c = { .cla = 0x00, .ins = 0xB1, .p1 = 0, .p2 = 0, .data = d, .nc = 6 };
	dm_wbuf r;
	dm_tlv tlv;
	uint16_t sw = 0;
	int rc;

	d[0] = 0x54;
	d[1] = 4;
	dm_put_u32be(d + 2, (uint32_t)off);
	/* Room for the 53 header (at most 5 bytes for a 64 KiB value). */
	if (want + 5u < ne)
		ne = want + 5u;
	c.ne = ne;
	cap = ne;
	rb = malloc(cap);
	if (!rb)
		return DM_E_NOMEM;
	r = dm_wbuf_init(rb, cap);
	rc = dm_hc_exchange(t, op, &c, &r, &sw);
	if (rc == DM_OK && !sw_ok(sw) && sw != DM_SW_EOF_BEFORE_LE)
		rc = sw_to_err(sw) == DM_OK ? DM_E_STATE : sw_to_err(sw);
	if (rc == DM_OK) {
		if (dm_tlv_parse_exact(r.ptr, r.len, &tlv) != DM_OK || tlv.tag != 0x53 ||
		    tlv.len == 0)
			rc = DM_E_VALUE;
	}
	if (rc == DM_OK) {
		size_t n = tlv.len < want ? tlv.len : want;
		rc = dm_wbuf_put(out, tlv.value, n);
		*got = n;
		if (rc == DM_OK && sw == DM_SW_EOF_BEFORE_LE && n < want)
			rc = DM_E_TRUNCATED;
	}
	free(rb);
	return rc;
}

int dm_hc_read_binary(dm_transport *t, const char *name, size_t offset, size_t len, dm_wbuf *out)
{
	char op[64];
	size_t mark, done = 0;
	int rc = DM_OK;

	if (!t || !out)
		return DM_E_ARG;
	if (len > dm_wbuf_room(out))
		return DM_E_OVERFLOW;
	if (offset > UINT32_MAX || len > UINT32_MAX - offset)
		return DM_E_ARG;
	snprintf(op, sizeof op, "READ BINARY %s", name ? name : "");
	mark = out->len;
	while (rc == DM_OK && done < len) {
		size_t off = offset + done, want = len - done, got = 0;

		if (off <= SHORT_OFFSET_MAX) {
			size_t n = read_chunk(t);
			dm_capdu c = { .cla = 0x00, .ins = 0xB0 };
			uint16_t sw = 0;
			size_t before = out->len;

			c.p1 = (uint8_t)(off >> 8);
			c.p2 = (uint8_t)off;
			c.ne = want < n ? want : n;
			rc = dm_hc_exchange(t, op, &c, out, &sw);
			if (rc != DM_OK)
				break;
			got = out->len - before;
			if (sw == DM_SW_EOF_BEFORE_LE) {
				rc = DM_E_TRUNCATED;
			} else if (!sw_ok(sw)) {
				rc = sw_to_err(sw) == DM_OK ? DM_E_STATE : sw_to_err(sw);
			} else if (got > want) {
				rc = DM_E_VALUE; /* more than Le: not a card we understand */
			} else if (got == 0) {
				rc = DM_E_VALUE;
			}
		} else {
			rc = read_b1(t, op, off, want, out, &got);
		}
		done += got;
	}
	if (rc != DM_OK)
		out->len = mark;
	return rc;
}

int dm_hc_read_ef(dm_transport *t, const char *name, uint16_t fid, dm_wbuf *out)
{
	uint8_t fbuf[258];
	dm_wbuf fcp = dm_wbuf_init(fbuf, sizeof fbuf);
	size_t size = 0;
	int rc;

	if (!t || !out)
		return DM_E_ARG;
	rc = select_fid_named(t, name, fid, &fcp);
	if (rc != DM_OK)
		return rc;
	rc = dm_hc_fcp_size(dm_bytes_of(fcp.ptr, fcp.len), &size);
	if (rc != DM_OK)
		return DM_E_VALUE;
	return dm_hc_read_binary(t, name, 0, size, out);
}

int dm_hc_update_binary(dm_transport *t, const char *name, size_t offset, dm_bytes data)
{
	char op[64];
	size_t done = 0, max = t && t->extended ? WRITE_CHUNK_MAX : DM_APDU_SHORT_MAX_NC;
	uint8_t *cd = NULL;
	int rc = DM_OK;

	if (!t || (!data.ptr && data.len))
		return DM_E_ARG;
	if (offset > UINT32_MAX || data.len > UINT32_MAX - offset)
		return DM_E_ARG;
	snprintf(op, sizeof op, "UPDATE BINARY %s", name ? name : "");
	while (rc == DM_OK && done < data.len) {
		size_t off = offset + done, n = data.len - done;

		if (n > max)
			n = max;
		if (off <= SHORT_OFFSET_MAX) {
			dm_capdu c = { .cla = 0x00, .ins = 0xD6, .data = data.ptr + done, .nc = n };

			c.p1 = (uint8_t)(off >> 8);
			c.p2 = (uint8_t)off;
			rc = command(t, op, &c, NULL);
		} else {
			/* D7 (ISO 7816-4 §11.2.4): 54 offset, 53 data. */
			size_t cap = 6u + 5u + n;
			dm_wbuf w;
			dm_capdu c = { .cla = 0x00, .ins = 0xD7 };

			if (n > max - 11u && max > 11u)
				n = max - 11u; /* keep the whole APDU within one chunk */
			cd = malloc(cap);
			if (!cd)
				return DM_E_NOMEM;
			w = dm_wbuf_init(cd, cap);
			rc = dm_tlv_put_header(&w, 0x54, 4);
			if (rc == DM_OK)
				rc = dm_wbuf_put_u32be(&w, (uint32_t)off);
			if (rc == DM_OK)
				rc = dm_tlv_put(&w, 0x53, data.ptr + done, n);
			c.data = cd;
			c.nc = w.len;
			if (rc == DM_OK)
				rc = command(t, op, &c, NULL);
			free(cd);
			cd = NULL;
		}
		done += n;
	}
	return rc;
}

int dm_hc_read_record(dm_transport *t, const char *name, uint8_t rec, dm_wbuf *out)
{
	char op[64];
	dm_capdu c = { .cla = 0x00, .ins = 0xB2, .p2 = 0x04, .ne = 256 };

	if (!t || !out || rec == 0)
		return DM_E_ARG;
	c.p1 = rec;
	snprintf(op, sizeof op, "READ RECORD %u %s", (unsigned)rec, name ? name : "");
	return command(t, op, &c, out);
}

/* ---- PINs (TS 102 221 §11.1.9-§11.1.13) ---- */

static const char *pin_name(uint8_t ref)
{
	switch (ref) {
	case DM_HC_PIN1: return "PIN1";
	case DM_HC_ADM1: return "ADM1";
	case DM_HC_PIN2_DMSC: return "PIN2";
	default: return "PIN";
	}
}

/* ASCII value padded with FF to 8 bytes (TS 102 221 §9.5.2). */
static int pin_encode(const char *pin, uint8_t out[PIN_LEN])
{
	size_t n;

	if (!pin)
		return DM_E_ARG;
	n = strlen(pin);
	if (n == 0 || n > PIN_LEN)
		return DM_E_VALUE;
	memset(out, 0xFF, PIN_LEN);
	memcpy(out, pin, n);
	return DM_OK;
}

/* Run a PIN command; 63Cx -> DM_E_CRYPTO and tries, 6983 -> tries 0. */
static int pin_command(dm_transport *t, const char *verb, uint8_t ins, uint8_t ref,
		       const uint8_t *d, size_t n, int *tries)
{
	char op[64];
	dm_capdu c = { .cla = 0x00, .ins = ins, .p1 = 0x00, .p2 = ref, .data = n ? d : NULL, .nc = n };
	int rc;

	snprintf(op, sizeof op, "%s %s", verb, pin_name(ref));
	rc = command(t, op, &c, NULL);
	if (rc == DM_E_STATE && (t->last_sw & 0xFFF0u) == 0x63C0u) {
		if (tries)
			*tries = t->last_sw & 0x0F;
		return DM_E_CRYPTO;
	}
	if (rc == DM_E_STATE && t->last_sw == DM_SW_AUTH_BLOCKED && tries)
		*tries = 0;
	return rc;
}

int dm_hc_pin_status(dm_transport *t, uint8_t ref, int *tries, bool *verified)
{
	int n = -1, rc;

	if (!t || !tries || !verified)
		return DM_E_ARG;
	rc = pin_command(t, "VERIFY (status)", 0x20, ref, NULL, 0, &n);
	*verified = rc == DM_OK;
	*tries = n;
	return rc == DM_E_CRYPTO ? DM_OK : rc;
}

/* A PIN command with one value (a) or two (a then b), each 8 bytes. */
static int pin_values(dm_transport *t, const char *verb, uint8_t ins, uint8_t ref,
		      const char *a, const char *b, int *tries)
{
	uint8_t d[2 * PIN_LEN];
	int rc;

	if (!t)
		return DM_E_ARG;
	rc = pin_encode(a, d);
	if (rc == DM_OK && b)
		rc = pin_encode(b, d + PIN_LEN);
	if (rc == DM_OK)
		rc = pin_command(t, verb, ins, ref, d, b ? 2 * PIN_LEN : PIN_LEN, tries);
	dm_wipe(d, sizeof d);
	return rc;
}

int dm_hc_verify(dm_transport *t, uint8_t ref, const char *pin, int *tries)
{
	return pin_values(t, "VERIFY", 0x20, ref, pin, NULL, tries);
}

int dm_hc_change_pin(dm_transport *t, uint8_t ref, const char *old_pin, const char *new_pin,
		     int *tries)
{
	if (!new_pin)
		return DM_E_ARG;
	return pin_values(t, "CHANGE PIN", 0x24, ref, old_pin, new_pin, tries);
}

int dm_hc_disable_pin(dm_transport *t, uint8_t ref, const char *pin, int *tries)
{
	return pin_values(t, "DISABLE PIN", 0x26, ref, pin, NULL, tries);
}

int dm_hc_enable_pin(dm_transport *t, uint8_t ref, const char *pin, int *tries)
{
	return pin_values(t, "ENABLE PIN", 0x28, ref, pin, NULL, tries);
}

int dm_hc_unblock_pin(dm_transport *t, uint8_t ref, const char *puk, const char *new_pin,
		      int *tries)
{
	if (!t)
		return DM_E_ARG;
	if (!puk)
		return pin_command(t, "UNBLOCK PIN (status)", 0x2C, ref, NULL, 0, tries);
	if (!new_pin)
		return DM_E_ARG;
	return pin_values(t, "UNBLOCK PIN", 0x2C, ref, puk, new_pin, tries);
}

/* ---- EF_INFO (docs/dmsc-app.md) ---- */

int dm_hc_info_parse(dm_bytes in, dm_hc_info *out)
{
	dm_tlv_iter it;
	dm_tlv tlv;
	bool v = false, f = false, c = false;
	int rc;

	if (!in.ptr || !out)
		return DM_E_ARG;
	memset(out, 0, sizeof *out);
	dm_tlv_iter_init(&it, in.ptr, in.len);
	while ((rc = dm_tlv_next(&it, &tlv)) == 1) {
		switch (tlv.tag) {
		case 0x80:
			if (tlv.len != 1)
				return DM_E_LENGTH;
			out->version = tlv.value[0];
			v = true;
			break;
		case 0x81:
			if (tlv.len != 1)
				return DM_E_LENGTH;
			out->caps = tlv.value[0];
			break;
		case 0x82:
			if (tlv.len != 1)
				return DM_E_LENGTH;
			out->flags = tlv.value[0];
			f = true;
			break;
		case 0x83:
			if (tlv.len != 4)
				return DM_E_LENGTH;
			out->counter = dm_get_u32be(tlv.value);
			c = true;
			break;
		case 0x84:
			if (tlv.len != 4)
				return DM_E_LENGTH;
			out->free_bytes = dm_get_u32be(tlv.value);
			out->has_free = true;
			break;
		default:
			break; /* unknown tags are skipped (docs/dmsc-app.md) */
		}
	}
	if (rc < 0)
		return rc;
	if (!v || !f || !c)
		return DM_E_NOT_FOUND;
	return DM_OK;
}

int dm_hc_read_info(dm_transport *t, dm_hc_info *out)
{
	uint8_t buf[256];
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	int rc;

	if (!t || !out)
		return DM_E_ARG;
	rc = dm_host_begin(t);
	if (rc != DM_OK)
		return rc;
	rc = dm_hc_select_aid(t, (const uint8_t *)DM_HC_AID_DMSC, DM_HC_AID_DMSC_LEN, NULL);
	if (rc == DM_OK)
		rc = dm_hc_read_ef(t, "EF_INFO", DM_HC_FID_EF_INFO, &w);
	if (rc == DM_OK) {
		rc = dm_hc_info_parse(dm_bytes_of(w.ptr, w.len), out);
		if (rc != DM_OK)
			rc = DM_E_VALUE;
	}
	dm_host_end(t);
	return rc;
}

/* ---- messages ---- */

static const char *sw_hint(uint16_t sw)
{
	if (sw == 0x63C0u)
		return "the PIN is now blocked: unblock it with the PUK (dmsc-agent pin unblock)";
	if ((sw & 0xFFF0u) == 0x63C0u)
		return "check the PIN before trying again";
	switch (sw) {
	case DM_SW_SECURITY_STATUS:
		return "verify the PIN first";
	case DM_SW_AUTH_BLOCKED:
		return "the PIN is blocked: unblock it with the PUK (dmsc-agent pin unblock)";
	case DM_SW_REF_DATA_INVALID:
		return "the PIN is disabled: enable it first";
	case DM_SW_CONDITIONS:
		return "the card does not allow this in its current state";
	case DM_SW_FILE_NOT_FOUND:
		return "the card does not have this file or application";
	case DM_SW_REF_DATA_NOT_FOUND:
		return "the card has no such PIN or key";
	case DM_SW_NOT_ENOUGH_MEMORY:
		return "the card is out of memory: remove data from it or use a larger card";
	case DM_SW_MEMORY_PROBLEM:
	case DM_SW_TECHNICAL:
		return "the card failed: remove and reinsert it; if it persists, report it to the card vendor";
	case DM_SW_WRONG_LENGTH:
	case DM_SW_WRONG_DATA:
	case DM_SW_WRONG_P1P2:
	case DM_SW_WRONG_P1P2_OFFSET:
	case DM_SW_INS_UNSUPPORTED:
	case DM_SW_CLA_UNSUPPORTED:
		return "the card does not accept this command: run with -v and report the trace";
	default:
		return NULL;
	}
}

const char *dm_hc_message(const dm_transport *t, int err, char *buf, size_t cap)
{
	const char *op = t && t->last_op[0] ? t->last_op : "card operation";
	char meaning[96];
	const char *hint;

	if (!buf || cap == 0)
		return buf;
	switch (err) {
	case DM_OK:
		snprintf(buf, cap, "%s: OK", op);
		return buf;
	case DM_E_IO:
		snprintf(buf, cap, "%s failed: the card was removed or the reader stopped answering; "
			 "insert the card and try again", op);
		return buf;
	case DM_E_UNSUPPORTED:
		snprintf(buf, cap, "%s failed: needs extended-length APDUs, which this reader does "
			 "not carry", op);
		return buf;
	case DM_E_VALUE:
	case DM_E_TRUNCATED:
		if (!t || t->last_sw == 0 || t->last_sw == DM_SW_OK) {
			snprintf(buf, cap, "%s failed: the card's answer is malformed (%s)", op,
				 dm_strerror(err));
			return buf;
		}
		break;
	case DM_E_STATE:
	case DM_E_NOT_FOUND:
	case DM_E_CRYPTO:
		if (t && t->last_sw)
			break;
		/* fall through */
	default:
		snprintf(buf, cap, "%s failed: %s", op, dm_strerror(err));
		return buf;
	}
	dm_sw_meaning(t->last_sw, meaning, sizeof meaning);
	hint = sw_hint(t->last_sw);
	snprintf(buf, cap, "%s failed: %04X %s (%s) -> DM %d%s%s", op, (unsigned)t->last_sw,
		 dm_sw_name(t->last_sw), meaning, dm_sw_to_dm_status(t->last_sw),
		 hint ? "; " : "", hint ? hint : "");
	return buf;
}
