/*
 * pcsc.c - dm_transport over pcsc-lite (host/transport.h).
 *
 * One SCARDCONTEXT and one SCARDHANDLE per transport.  The card is
 * connected shared, so two agents can use one reader; dm_host_begin() maps
 * to SCardBeginTransaction so their multi-APDU operations never interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
#include <PCSC/reader.h>

#include "atrinfo.h"
#include "transport.h"

/* A frame on the vpcd link carries a 2-byte length (docs/dmsc-app.md): keep
 * every PC/SC exchange within it, also on other readers. */
#define PCSC_FRAME_MAX 65535u
#define SHORT_CAPDU_MAX 261u
#define SHORT_RAPDU_MAX 258u

typedef struct pcsc {
	dm_transport t;
	SCARDCONTEXT cx;
	SCARDHANDLE card;
	bool connected;
	DWORD proto;
	DWORD last_state; /* reader state seen by the last wait */
} pcsc;

__attribute__((format(printf, 3, 4)))
static void set_msg(char *msg, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (!msg || !cap)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, cap, fmt, ap);
	va_end(ap);
}

static int map_rv(LONG rv)
{
	switch (rv) {
	case SCARD_S_SUCCESS:
		return DM_OK;
	case SCARD_E_NO_SERVICE:
	case SCARD_E_SERVICE_STOPPED:
		return DM_E_IO;
	case SCARD_E_NO_READERS_AVAILABLE:
	case SCARD_E_UNKNOWN_READER:
	case SCARD_E_READER_UNAVAILABLE:
		return DM_E_NOT_FOUND;
	case SCARD_E_NO_SMARTCARD:
	case SCARD_W_REMOVED_CARD:
	case SCARD_W_RESET_CARD:
	case SCARD_W_UNPOWERED_CARD:
	case SCARD_W_UNRESPONSIVE_CARD:
		return DM_E_STATE;
	case SCARD_E_INSUFFICIENT_BUFFER:
		return DM_E_OVERFLOW;
	case SCARD_E_NO_MEMORY:
		return DM_E_NOMEM;
	default:
		return DM_E_IO;
	}
}

static void service_msg(char *msg, size_t cap)
{
	const char *sock = getenv("PCSCLITE_CSOCK_NAME");

	if (!msg || !cap)
		return;
	snprintf(msg, cap,
		 "pcscd is not running (or not at %s): start it with `pcscd` (system service) "
		 "or `eval \"$(tools/reader-stack start)\"` (private test stack); "
		 "a private pcscd is found through PCSCLITE_CSOCK_NAME",
		 sock ? sock : "/run/pcscd/pcscd.comm");
}

static int establish(SCARDCONTEXT *cx, char *msg, size_t cap)
{
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, cx);

	if (rv != SCARD_S_SUCCESS) {
		if (map_rv(rv) == DM_E_IO)
			service_msg(msg, cap);
		else
			set_msg(msg, cap, "cannot reach pcscd: %s", pcsc_stringify_error(rv));
		return DM_E_IO;
	}
	return DM_OK;
}

/* All reader names as one multi-string (malloc'd), or NULL with *n 0. */
static int list_names(SCARDCONTEXT cx, char **names, char *msg, size_t cap)
{
	DWORD len = 0;
	LONG rv;

	*names = NULL;
	rv = SCardListReaders(cx, NULL, NULL, &len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE)
		return DM_OK;
	if (rv != SCARD_S_SUCCESS) {
		if (map_rv(rv) == DM_E_IO)
			service_msg(msg, cap);
		return map_rv(rv);
	}
	*names = calloc(1, len + 1);
	if (!*names)
		return DM_E_NOMEM;
	rv = SCardListReaders(cx, NULL, *names, &len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE) {
		free(*names);
		*names = NULL;
		return DM_OK;
	}
	if (rv != SCARD_S_SUCCESS) {
		free(*names);
		*names = NULL;
		if (map_rv(rv) == DM_E_IO)
			service_msg(msg, cap);
		return map_rv(rv);
	}
	return DM_OK;
}

static void reader_state(SCARDCONTEXT cx, const char *name, dm_pcsc_reader *r)
{
	SCARD_READERSTATE st;

	memset(r, 0, sizeof *r);
	snprintf(r->name, sizeof r->name, "%s", name);
	memset(&st, 0, sizeof st);
	st.szReader = name;
	st.dwCurrentState = SCARD_STATE_UNAWARE;
	if (SCardGetStatusChange(cx, 0, &st, 1) != SCARD_S_SUCCESS)
		return;
	r->card_present = (st.dwEventState & SCARD_STATE_PRESENT) &&
			  !(st.dwEventState & SCARD_STATE_MUTE);
	r->atr_len = st.cbAtr < DM_ATR_MAX ? st.cbAtr : DM_ATR_MAX;
	memcpy(r->atr, st.rgbAtr, r->atr_len);
}

int dm_pcsc_list(dm_pcsc_reader *out, size_t cap, size_t *n, char *msg, size_t msgcap)
{
	SCARDCONTEXT cx;
	char *names;
	int rc;

	if (!n || (!out && cap))
		return DM_E_ARG;
	*n = 0;
	rc = establish(&cx, msg, msgcap);
	if (rc != DM_OK)
		return rc;
	rc = list_names(cx, &names, msg, msgcap);
	for (const char *p = names; rc == DM_OK && p && *p; p += strlen(p) + 1) {
		if (*n < cap)
			reader_state(cx, p, &out[*n]);
		(*n)++;
	}
	if (*n > cap)
		*n = cap;
	free(names);
	SCardReleaseContext(cx);
	return rc;
}

/* Fill atr, protocol, extended and the frame limits after a connect. */
static int after_connect(pcsc *p)
{
	char name[256];
	DWORD nlen = sizeof name, state = 0, proto = 0, alen = DM_ATR_MAX;
	BYTE atr[MAX_ATR_SIZE];
	dm_atr_info ai;
	LONG rv;

	alen = sizeof atr;
	rv = SCardStatus(p->card, name, &nlen, &state, &proto, atr, &alen);
	if (rv != SCARD_S_SUCCESS)
		return map_rv(rv);
	p->t.atr_len = alen < DM_ATR_MAX ? alen : DM_ATR_MAX;
	memcpy(p->t.atr, atr, p->t.atr_len);
	p->t.protocol = proto == SCARD_PROTOCOL_T0 ? DM_PROTO_T0 : DM_PROTO_T1;
	/* Extended Lc/Le: T=1 only (T=0 carries P3 = one byte), and only when the
	 * card says so in its capabilities (ISO 7816-4 §8.1.1.2.7) and the reader
	 * does not announce a smaller buffer. */
	p->t.extended = false;
	if (p->t.protocol == DM_PROTO_T1 && dm_atr_decode(p->t.atr, p->t.atr_len, &ai) == DM_OK &&
	    ai.extended_lc_le)
		p->t.extended = true;
	p->t.max_capdu = p->t.extended ? PCSC_FRAME_MAX : SHORT_CAPDU_MAX;
	p->t.max_rapdu = p->t.extended ? PCSC_FRAME_MAX : SHORT_RAPDU_MAX;
	{
		BYTE attr[4];
		DWORD al = sizeof attr;

		if (SCardGetAttrib(p->card, SCARD_ATTR_MAXINPUT, attr, &al) == SCARD_S_SUCCESS &&
		    al == 4) {
			DWORD max = attr[0] | (DWORD)attr[1] << 8 | (DWORD)attr[2] << 16 |
				    (DWORD)attr[3] << 24;
			if (max >= 5 && max < p->t.max_capdu)
				p->t.max_capdu = max;
			if (p->t.max_capdu <= SHORT_CAPDU_MAX) {
				p->t.extended = false;
				p->t.max_rapdu = SHORT_RAPDU_MAX;
			}
		}
	}
	p->proto = proto;
	p->connected = true;
	return DM_OK;
}

static int pcsc_transmit(dm_transport *t, const uint8_t *capdu, size_t len, dm_wbuf *rapdu)
{
	pcsc *p = t->priv;
	const SCARD_IO_REQUEST *pci = p->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	DWORD rlen = (DWORD)(rapdu->cap > PCSC_FRAME_MAX + 2u ? PCSC_FRAME_MAX + 2u : rapdu->cap);
	LONG rv;

	if (!p->connected)
		return DM_E_IO;
	rv = SCardTransmit(p->card, pci, capdu, (DWORD)len, NULL, rapdu->ptr, &rlen);
	if (rv != SCARD_S_SUCCESS) {
		if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD ||
		    rv == SCARD_W_RESET_CARD)
			p->connected = false;
		return rv == SCARD_E_INSUFFICIENT_BUFFER ? DM_E_OVERFLOW : DM_E_IO;
	}
	rapdu->len = rlen;
	return DM_OK;
}

static int pcsc_begin(dm_transport *t)
{
	pcsc *p = t->priv;

	if (!p->connected)
		return DM_E_IO;
	return SCardBeginTransaction(p->card) == SCARD_S_SUCCESS ? DM_OK : DM_E_IO;
}

static int pcsc_end(dm_transport *t)
{
	pcsc *p = t->priv;

	if (!p->connected)
		return DM_E_IO;
	return SCardEndTransaction(p->card, SCARD_LEAVE_CARD) == SCARD_S_SUCCESS ? DM_OK : DM_E_IO;
}

static int pcsc_wait(dm_transport *t, int timeout_ms, dm_card_event *ev)
{
	pcsc *p = t->priv;
	SCARD_READERSTATE st;
	LONG rv;

	memset(&st, 0, sizeof st);
	st.szReader = t->reader;
	st.dwCurrentState = p->last_state;
	rv = SCardGetStatusChange(p->cx, timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms, &st, 1);
	if (rv == SCARD_E_TIMEOUT)
		return DM_OK;
	if (rv != SCARD_S_SUCCESS)
		return map_rv(rv) == DM_E_STATE ? DM_E_IO : map_rv(rv);
	{
		bool was = (p->last_state & SCARD_STATE_PRESENT) != 0;
		bool is = (st.dwEventState & SCARD_STATE_PRESENT) != 0;

		/* The high word counts events: a quick remove + insert between two
		 * waits still shows as a change (pcsc-lite reader state). */
		if (was && !is) {
			*ev = DM_EV_REMOVED;
			p->connected = false;
		} else if (!was && is) {
			*ev = DM_EV_INSERTED;
		} else if (is && (st.dwEventState & 0xFFFF0000u) != (p->last_state & 0xFFFF0000u) &&
			   p->last_state != SCARD_STATE_UNAWARE) {
			*ev = DM_EV_INSERTED;
			p->connected = false;
		}
	}
	p->last_state = st.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
	return DM_OK;
}

static int pcsc_reconnect(dm_transport *t, bool reset)
{
	pcsc *p = t->priv;
	DWORD proto = 0;
	LONG rv;

	if (p->connected) {
		rv = SCardReconnect(p->card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
				    reset ? SCARD_RESET_CARD : SCARD_LEAVE_CARD, &proto);
	} else {
		rv = SCardConnect(p->cx, t->reader, SCARD_SHARE_SHARED,
				  SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &p->card, &proto);
		if (rv == SCARD_S_SUCCESS)
			p->connected = true;
		else if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD)
			return DM_E_STATE;
	}
	if (rv == SCARD_W_RESET_CARD || rv == SCARD_W_REMOVED_CARD) {
		/* The handle saw a reset/removal: a fresh connection. */
		SCardDisconnect(p->card, SCARD_LEAVE_CARD);
		p->connected = false;
		rv = SCardConnect(p->cx, t->reader, SCARD_SHARE_SHARED,
				  SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &p->card, &proto);
	}
	if (rv != SCARD_S_SUCCESS)
		return map_rv(rv);
	return after_connect(p);
}

static void pcsc_close(dm_transport *t)
{
	pcsc *p = t->priv;

	if (p->connected)
		SCardDisconnect(p->card, SCARD_LEAVE_CARD);
	SCardReleaseContext(p->cx);
	free(p);
}

static const dm_transport_ops pcsc_ops = {
	.transmit = pcsc_transmit,
	.begin = pcsc_begin,
	.end = pcsc_end,
	.wait = pcsc_wait,
	.reconnect = pcsc_reconnect,
	.close = pcsc_close,
};

/* Index when reader is all digits, else -1. */
static long reader_index(const char *s)
{
	long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 1000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* Choose the reader: by index, by exact name, by unique substring, or the
 * first one holding a card. */
static int pick_reader(pcsc *p, const char *names, const char *want, char *msg, size_t cap)
{
	long idx = want ? reader_index(want) : -1, i = 0;
	const char *found = NULL;
	int matches = 0;

	if (!names) {
		set_msg(msg, cap, "no reader found: plug one in, or start the test stack "
			"(tools/reader-stack start)");
		return DM_E_NOT_FOUND;
	}
	for (const char *n = names; *n; n += strlen(n) + 1, i++) {
		if (!want) {
			dm_pcsc_reader r;

			reader_state(p->cx, n, &r);
			if (r.card_present) {
				found = n;
				break;
			}
			if (!found)
				found = n; /* no card anywhere: the first reader, to wait on */
			continue;
		}
		if (idx >= 0 ? i == idx : strcmp(n, want) == 0) {
			found = n;
			matches = 1;
			break;
		}
		if (idx < 0 && strstr(n, want)) {
			found = n;
			matches++;
		}
	}
	if (want && matches != 1) {
		if (matches)
			set_msg(msg, cap, "reader \"%s\" is ambiguous: give the full name or the "
				"index (dmsc-agent readers)", want);
		else
			set_msg(msg, cap, "no reader \"%s\" (dmsc-agent readers lists them)", want);
		return DM_E_NOT_FOUND;
	}
	snprintf(p->t.reader, sizeof p->t.reader, "%s", found);
	return DM_OK;
}

int dm_pcsc_open(const char *reader, int wait_ms, dm_transport **out, char *msg, size_t msgcap)
{
	pcsc *p;
	char *names = NULL;
	DWORD proto = 0;
	LONG rv;
	int rc;

	if (!out)
		return DM_E_ARG;
	*out = NULL;
	p = calloc(1, sizeof *p);
	if (!p)
		return DM_E_NOMEM;
	p->t.ops = &pcsc_ops;
	p->t.priv = p;
	rc = establish(&p->cx, msg, msgcap);
	if (rc != DM_OK) {
		free(p);
		return rc;
	}
	rc = list_names(p->cx, &names, msg, msgcap);
	if (rc == DM_OK)
		rc = pick_reader(p, names, reader, msg, msgcap);
	free(names);
	if (rc == DM_OK && wait_ms != 0) {
		dm_pcsc_reader r;

		reader_state(p->cx, p->t.reader, &r);
		if (!r.card_present) {
			SCARD_READERSTATE st;

			memset(&st, 0, sizeof st);
			st.szReader = p->t.reader;
			st.dwCurrentState = SCARD_STATE_EMPTY;
			rv = SCardGetStatusChange(p->cx, wait_ms < 0 ? INFINITE : (DWORD)wait_ms,
						  &st, 1);
			if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT)
				rc = map_rv(rv);
		}
	}
	if (rc == DM_OK) {
		rv = SCardConnect(p->cx, p->t.reader, SCARD_SHARE_SHARED,
				  SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &p->card, &proto);
		if (rv == SCARD_E_NO_SMARTCARD || rv == SCARD_W_REMOVED_CARD) {
			set_msg(msg, msgcap, "no card in reader \"%s\": insert one%s", p->t.reader,
				wait_ms ? "" : " (or use --wait SECONDS)");
			rc = DM_E_STATE;
		} else if (rv != SCARD_S_SUCCESS) {
			set_msg(msg, msgcap, "cannot connect to the card in \"%s\": %s", p->t.reader,
				pcsc_stringify_error(rv));
			rc = map_rv(rv) == DM_OK ? DM_E_IO : map_rv(rv);
		} else {
			p->connected = true;
			rc = after_connect(p);
		}
	}
	if (rc != DM_OK) {
		pcsc_close(&p->t);
		return rc;
	}
	p->last_state = SCARD_STATE_PRESENT;
	*out = &p->t;
	return DM_OK;
}
