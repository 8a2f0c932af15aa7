/*
 * transport_inproc.c - dm_transport over a card linked into the process
 * (tests/support/transport_inproc.h).
 */
#include <stdlib.h>
#include <string.h>

#include "apdu.h"
#include "card.h"
#include "transport_inproc.h"

/* The vpcd frame carries a 2-byte length (docs/dmsc-app.md, "vpcd frame limit"). */
#define INPROC_FRAME_MAX 65535u

typedef struct inproc {
	dm_transport t;
	dm_card *card;
	bool present;
	bool connected;
	bool pending_insert;
	bool pending_remove;
	unsigned long remove_after;
	unsigned long begins;
	uint8_t rbuf[DM_RAPDU_MAX];
} inproc;

static inproc *priv_of(dm_transport *t)
{
	return (inproc *)t->priv;
}

static int inproc_transmit(dm_transport *t, const uint8_t *capdu, size_t len, dm_wbuf *rapdu)
{
	inproc *p = priv_of(t);
	dm_wbuf w = dm_wbuf_init(p->rbuf, sizeof p->rbuf);
	int rc;

	if (!p->present || !p->connected)
		return DM_E_IO;
	rc = dm_card_transmit(p->card, capdu, len, &w);
	if (rc != DM_OK)
		return DM_E_IO;
	if (w.len > INPROC_FRAME_MAX)
		return DM_E_IO; /* vpcd could not carry it: the reader reports an error */
	if (w.len > rapdu->cap)
		return DM_E_OVERFLOW;
	memcpy(rapdu->ptr, w.ptr, w.len);
	rapdu->len = w.len;
	if (p->remove_after && --p->remove_after == 0)
		dm_inproc_remove(t);
	return DM_OK;
}

static int inproc_begin(dm_transport *t)
{
	inproc *p = priv_of(t);

	if (!p->present)
		return DM_E_IO;
	p->begins++;
	return DM_OK;
}

static int inproc_end(dm_transport *t)
{
	return priv_of(t)->present ? DM_OK : DM_E_IO;
}

static int inproc_wait(dm_transport *t, int timeout_ms, dm_card_event *ev)
{
	inproc *p = priv_of(t);

	if (p->pending_remove) {
		p->pending_remove = false;
		*ev = DM_EV_REMOVED;
	} else if (p->pending_insert) {
		p->pending_insert = false;
		*ev = DM_EV_INSERTED;
	}
	return DM_OK;
}

static int inproc_reconnect(dm_transport *t, bool reset)
{
	inproc *p = priv_of(t);

	if (!p->present)
		return DM_E_STATE;
	if (reset || !p->connected)
		dm_card_power(p->card, DM_POWER_RESET);
	p->connected = true;
	return DM_OK;
}

static void inproc_close(dm_transport *t)
{
	inproc *p = priv_of(t);

	dm_card_close(&p->card);
	free(p);
}

static const dm_transport_ops inproc_ops = {
	.transmit = inproc_transmit,
	.begin = inproc_begin,
	.end = inproc_end,
	.wait = inproc_wait,
	.reconnect = inproc_reconnect,
	.close = inproc_close,
};

int dm_inproc_open(const char *image_path, dm_proto protocol, dm_transport **out)
{
	dm_card_config cfg = { 0 };
	inproc *p;
	dm_bytes atr;
	int rc;

	if (!image_path || !out)
		return DM_E_ARG;
	*out = NULL;
	p = calloc(1, sizeof *p);
	if (!p)
		return DM_E_NOMEM;
	cfg.image_path = image_path;
	cfg.protocol = protocol == DM_PROTO_T0 ? DM_CARD_T0 : DM_CARD_T1;
	rc = dm_card_open(&cfg, &p->card);
	if (rc != DM_OK) {
		free(p);
		return rc;
	}
	dm_card_power(p->card, DM_POWER_ON);
	atr = dm_card_atr(p->card);
	p->t.ops = &inproc_ops;
	p->t.priv = p;
	strcpy(p->t.reader, "in-process");
	p->t.atr_len = atr.len < DM_ATR_MAX ? atr.len : DM_ATR_MAX;
	memcpy(p->t.atr, atr.ptr, p->t.atr_len);
	p->t.protocol = protocol;
	/* T=0 carries one length byte (P3): short APDUs only, like PC/SC. */
	p->t.extended = protocol == DM_PROTO_T1;
	p->t.max_capdu = p->t.extended ? INPROC_FRAME_MAX : 261u;
	p->t.max_rapdu = p->t.extended ? INPROC_FRAME_MAX : 258u;
	p->present = true;
	p->connected = true;
	*out = &p->t;
	return DM_OK;
}

void dm_inproc_remove(dm_transport *t)
{
	inproc *p = priv_of(t);

	if (!p->present)
		return;
	p->present = false;
	p->connected = false;
	p->pending_remove = true;
	p->pending_insert = false;
	p->remove_after = 0;
	dm_card_power(p->card, DM_POWER_OFF);
}

void dm_inproc_insert(dm_transport *t)
{
	inproc *p = priv_of(t);

	if (p->present)
		return;
	p->present = true;
	p->pending_insert = true;
	dm_card_power(p->card, DM_POWER_ON);
}

void dm_inproc_remove_after(dm_transport *t, unsigned long n)
{
	priv_of(t)->remove_after = n;
}

unsigned long dm_inproc_begins(const dm_transport *t)
{
	return ((const inproc *)t->priv)->begins;
}
