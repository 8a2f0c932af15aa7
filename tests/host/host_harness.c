/*
 * host_harness.c - test support for the host/ unit tests (host_harness.h).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hex.h"
#include "host_harness.h"
#include "transport_inproc.h"

#define SCRIPT_MAX 64

typedef struct hh_inproc_dir {
	char dir[64];
	char image[96];
} hh_inproc_dir;

static hh_inproc_dir dirs[32];
static size_t ndirs;

dm_transport *hh_open(dm_proto protocol)
{
	dm_transport *t = NULL;
	hh_inproc_dir *d;

	ck_assert_uint_lt(ndirs, DM_ARRAY_LEN(dirs));
	d = &dirs[ndirs++];
	snprintf(d->dir, sizeof d->dir, "/tmp/dm-host-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(d->dir));
	{
		char tmp[sizeof d->image];

		snprintf(tmp, sizeof tmp, "%s/card.img", d->dir);
		memcpy(d->image, tmp, sizeof tmp);
	}
	ck_assert_int_eq(dm_inproc_open(d->image, protocol, &t), DM_OK);
	return t;
}

void hh_close(dm_transport **t)
{
	dm_transport_close(t);
	for (size_t i = 0; i < ndirs; i++) {
		unlink(dirs[i].image);
		rmdir(dirs[i].dir);
	}
	ndirs = 0;
}

typedef struct script {
	dm_transport t;
	const char *const *answers;
	size_t next;
	char *sent[SCRIPT_MAX];
} script;

static int script_transmit(dm_transport *t, const uint8_t *capdu, size_t len, dm_wbuf *rapdu)
{
	script *s = t->priv;
	const char *a;

	if (s->next < SCRIPT_MAX) {
		free(s->sent[s->next]);
		s->sent[s->next] = malloc(DM_HEX_SIZE(len));
		dm_hex_encode(capdu, len, s->sent[s->next], DM_HEX_SIZE(len));
	}
	a = s->answers[s->next] ? s->answers[s->next++] : NULL;
	if (!a)
		return DM_OK; /* empty answer: no SW */
	return dm_hex_decode(a, rapdu);
}

static void script_close(dm_transport *t)
{
	script *s = t->priv;

	for (size_t i = 0; i < SCRIPT_MAX; i++)
		free(s->sent[i]);
	free(s);
}

static const dm_transport_ops script_ops = {
	.transmit = script_transmit,
	.close = script_close,
};

dm_transport *hh_script(const char *const *answers)
{
	script *s = calloc(1, sizeof *s);

	ck_assert_ptr_nonnull(s);
	s->t.ops = &script_ops;
	s->t.priv = s;
	s->answers = answers;
	s->t.protocol = DM_PROTO_T0;
	s->t.max_capdu = 261;
	s->t.max_rapdu = 258;
	snprintf(s->t.reader, sizeof s->t.reader, "script");
	return &s->t;
}

const char *hh_script_sent(dm_transport *t, size_t i)
{
	script *s = t->priv;

	return i < SCRIPT_MAX && s->sent[i] ? s->sent[i] : "";
}

size_t hh_script_count(dm_transport *t)
{
	return ((script *)t->priv)->next;
}
