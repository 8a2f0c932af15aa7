/*
 * transport.c - the implementation-independent part of dm_transport:
 * tracing, counting, the "answer shorter than SW1 SW2 = card gone" rule and
 * nested transactions.
 */
#include <time.h>

#include "trace.h"
#include "transport.h"

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void trace_exchange(dm_transport *t, const uint8_t *capdu, size_t len,
			   const dm_wbuf *rapdu)
{
	char line[DM_TRACE_LINE_MAX];

	if (dm_trace_line(line, sizeof line, now_sec(), -1, capdu, len,
			  rapdu ? rapdu->ptr : NULL, rapdu ? rapdu->len : 0) == DM_OK)
		fprintf(t->trace, "%s\n", line);
}

int dm_transport_transmit(dm_transport *t, const uint8_t *capdu, size_t len, dm_wbuf *rapdu)
{
	int rc;

	if (!t || !t->ops || !capdu || len < 4 || !rapdu || rapdu->cap < 2)
		return DM_E_ARG;
	if (len > t->max_capdu)
		return DM_E_OVERFLOW;
	rapdu->len = 0;
	rc = t->ops->transmit(t, capdu, len, rapdu);
	t->n_apdus++;
	if (rc == DM_OK && rapdu->len < 2)
		rc = DM_E_IO; /* no status word: never data, the card is gone */
	if (t->trace)
		trace_exchange(t, capdu, len, rc == DM_OK ? rapdu : NULL);
	if (rc != DM_OK)
		rapdu->len = 0;
	return rc;
}

int dm_host_begin(dm_transport *t)
{
	int rc = DM_OK;

	if (!t || !t->ops)
		return DM_E_ARG;
	if (t->depth == 0 && t->ops->begin)
		rc = t->ops->begin(t);
	if (rc == DM_OK)
		t->depth++;
	return rc;
}

int dm_host_end(dm_transport *t)
{
	if (!t || !t->ops || t->depth <= 0)
		return DM_E_STATE;
	if (--t->depth == 0 && t->ops->end)
		return t->ops->end(t);
	return DM_OK;
}

int dm_transport_wait(dm_transport *t, int timeout_ms, dm_card_event *ev)
{
	if (!t || !t->ops || !ev)
		return DM_E_ARG;
	*ev = DM_EV_NONE;
	if (!t->ops->wait)
		return DM_E_UNSUPPORTED;
	return t->ops->wait(t, timeout_ms, ev);
}

int dm_transport_reconnect(dm_transport *t, bool reset)
{
	if (!t || !t->ops)
		return DM_E_ARG;
	if (!t->ops->reconnect)
		return DM_E_UNSUPPORTED;
	t->depth = 0; /* a reconnect ends any transaction */
	return t->ops->reconnect(t, reset);
}

void dm_transport_close(dm_transport **t)
{
	if (!t || !*t)
		return;
	if ((*t)->ops && (*t)->ops->close)
		(*t)->ops->close(*t); /* frees *t */
	*t = NULL;
}
