/*
 * cf_run.c - the case runner (cf_run.h): one child process per case with
 * its own PC/SC connection, results back through a pipe as text lines:
 *   P <protocol> <ATR hex>                  connected
 *   X <step> <data hex or -> <SW hex>       one exchange
 *   F <step> <reason>                       the step's expectation failed
 *   E <reason>                              transport failure
 *   D                                       finished
 * The parent enforces the case timeout with poll() and SIGKILL.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cardops.h"
#include "cf_match.h"
#include "cf_run.h"
#include "hex.h"
#include "sw.h"

#define APDU_TEXT_MAX 1024u          /* hex C-APDU template after expansion */
#define CAPDU_MAX 512u
#define RAPDU_MAX 65538u

/* One prepared step: the C-APDU bytes and what the log shows of it. */
typedef struct prep {
	const dm_cf_step *step;
	uint8_t capdu[CAPDU_MAX];
	size_t len;
	bool secret;   /* the template holds ${...}: never log the bytes */
	char data[1024];     /* the data pattern, ${NAME} expanded ("" = none) */
	char contains[1024];
} prep;

typedef struct exec_out {
	int protocol;
	char atr[2 * DM_ATR_MAX + 1];
	uint16_t sw[256];
	size_t n_done;      /* exchanges answered */
	char *saved[256];   /* response data (hex) of the steps with "save" */
	bool failed;
	bool done;
	char reason[256];
	char *log;
	size_t log_len;
} exec_out;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void log_add(exec_out *o, const char *s)
{
	size_t n = strlen(s);
	char *g = realloc(o->log, o->log_len + n + 2);

	if (!g)
		return;
	o->log = g;
	memcpy(o->log + o->log_len, s, n);
	o->log_len += n;
	o->log[o->log_len++] = '\n';
	o->log[o->log_len] = '\0';
}

/* ${NAME} in restore steps: a value saved by the case, else a secret. */
typedef struct vars {
	const dm_cf_runner *r;
	const dm_cf_case *c;
	const exec_out *o;
} vars;

static const char *var_of(void *ctx, const char *name)
{
	const vars *v = ctx;

	for (size_t i = 0; v->o && i < v->c->n_steps && i < 256; i++)
		if (v->c->steps[i].save && strcmp(v->c->steps[i].save, name) == 0)
			return v->o->saved[i];
	return v->r->secret ? v->r->secret(v->r->secret_ctx, name) : NULL;
}

static void out_free(exec_out *o)
{
	for (size_t i = 0; i < 256; i++)
		free(o->saved[i]);
	free(o->log);
}

/* ---- child ---------------------------------------------------------------- */

static void check_step(const prep *p, dm_bytes data, uint16_t sw, char *why, size_t cap)
{
	const dm_cf_step *s = p->step;

	why[0] = '\0';
	if (s->sw && !dm_cf_sw_match(s->sw, sw))
		snprintf(why, cap, "SW %04X, expected %s", sw, s->sw);
	else if (s->sw_not && dm_cf_sw_match(s->sw_not, sw))
		snprintf(why, cap, "SW %04X, expected anything but %s", sw, s->sw_not);
	else if (p->data[0] && !dm_cf_data_match(p->data, data))
		snprintf(why, cap, "response data does not match %.100s", p->data);
	else if (p->contains[0] && !dm_cf_data_contains(p->contains, data))
		snprintf(why, cap, "response data does not contain %.100s", p->contains);
}

static void put_hex(FILE *f, const uint8_t *p, size_t n)
{
	if (!n) {
		fputc('-', f);
		return;
	}
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02X", p[i]);
}

static int prepare(const vars *v, const dm_cf_step *s, size_t n, prep *out, char *why,
		   size_t cap);
static void put_hex(FILE *f, const uint8_t *p, size_t n);

/* A step using a value saved by an earlier step of the same case. */
static int child_expand(const vars *v, exec_out *mine, const prep *in, prep *out, char *why,
			size_t cap)
{
	vars here;

	*out = *in;
	if (!v || (!strstr(in->step->apdu, "${") &&
		   !(in->step->data && strstr(in->step->data, "${")) &&
		   !(in->step->contains && strstr(in->step->contains, "${"))))
		return DM_OK;
	here = (vars){ v->r, v->c, mine };
	return prepare(&here, in->step, 1, out, why, cap);
}

static void child(const char *reader, const prep *steps, size_t n, bool reset, bool keep_going,
		  int fd, const vars *v)
{
	static exec_out mine;
	static prep cur;

	static uint8_t buf[RAPDU_MAX];
	FILE *f = fdopen(fd, "w");
	dm_transport *t = NULL;
	char msg[256];
	int rc;

	if (!f)
		_exit(2);
	setvbuf(f, NULL, _IOLBF, 0);
	rc = dm_pcsc_open(reader, 0, &t, msg, sizeof msg);
	if (rc == DM_OK && reset)
		rc = dm_transport_reconnect(t, true);
	if (rc != DM_OK) {
		fprintf(f, "E cannot connect to the card: %s\n", rc == DM_OK ? "" : msg[0] ? msg :
			"reconnect failed");
		goto out;
	}
	fprintf(f, "P %d ", (int)t->protocol);
	put_hex(f, t->atr, t->atr_len);
	fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
		uint16_t sw = 0;
		char why[300];

		if (child_expand(v, &mine, &steps[i], &cur, why, sizeof why) != DM_OK) {
			fprintf(f, "E step %zu: %s\n", i + 1, why);
			break;
		}
		if (steps[i].step->raw) {
			rc = dm_transport_transmit(t, cur.capdu, cur.len, &w);
			if (rc == DM_OK) {
				sw = dm_get_u16be(buf + w.len - 2);
				w.len -= 2;
			}
		} else {
			rc = dm_hc_exchange_raw(t, cur.capdu, cur.len, &w, &sw);
		}
		if (rc != DM_OK) {
			fprintf(f, "E step %zu: no answer (card removed or reader failed, %d)\n",
				i + 1, rc);
			break;
		}
		fprintf(f, "X %zu ", i);
		put_hex(f, buf, w.len);
		fprintf(f, " %04X\n", sw);
		if (steps[i].step->save && i < 256) {
			char *hex = malloc(DM_HEX_SIZE(w.len));

			if (hex)
				dm_hex_encode(buf, w.len, hex, DM_HEX_SIZE(w.len));
			mine.saved[i] = hex;
		}
		check_step(&cur, dm_bytes_of(buf, w.len), sw, why, sizeof why);
		if (why[0]) {
			fprintf(f, "F %zu %s\n", i, why);
			if (!keep_going)
				break;
		}
	}
out:
	dm_transport_close(&t);
	fprintf(f, "D\n");
	fclose(f);
	_exit(0);
}

/* ---- parent --------------------------------------------------------------- */

static void parse_line(char *line, const prep *steps, size_t n, exec_out *o)
{
	char text[1200];

	if (line[0] == 'P') {
		sscanf(line, "P %d %66s", &o->protocol, o->atr);
	} else if (line[0] == 'X') {
		size_t i;
		char data[2 * RAPDU_MAX + 2];
		unsigned sw;
		char *p = line + 2, *end;

		i = strtoul(p, &end, 10);
		if (i >= n || sscanf(end, " %s %x", data, &sw) != 2)
			return;
		if (i < 256) {
			o->sw[i] = (uint16_t)sw;
			if (steps[i].step->save && !o->saved[i])
				o->saved[i] = strdup(strcmp(data, "-") ? data : "");
		}
		o->n_done = i + 1;
		if (steps[i].secret) {
			snprintf(text, sizeof text, "  > %s", steps[i].step->apdu);
		} else {
			char hex[2 * CAPDU_MAX + 1];

			dm_hex_encode(steps[i].capdu, steps[i].len, hex, sizeof hex);
			snprintf(text, sizeof text, "  > %s", hex);
		}
		log_add(o, text);
		snprintf(text, sizeof text, "  < %.900s%s%04X (%s)", strcmp(data, "-") ? data : "",
			 strcmp(data, "-") ? " " : "", sw, dm_sw_name((uint16_t)sw));
		log_add(o, text);
	} else if (line[0] == 'F') {
		size_t i = strtoul(line + 2, NULL, 10);
		const char *why = strchr(line + 2, ' ');

		if (!o->failed) {
			snprintf(o->reason, sizeof o->reason, "step %zu%s%s: %s", i + 1,
				 i < n && steps[i].step->note ? " " : "",
				 i < n && steps[i].step->note ? steps[i].step->note : "",
				 why ? why + 1 : "?");
		}
		o->failed = true;
		snprintf(text, sizeof text, "  ! %s", why ? why + 1 : "?");
		log_add(o, text);
	} else if (line[0] == 'E') {
		if (!o->failed)
			snprintf(o->reason, sizeof o->reason, "%s", line + 2);
		o->failed = true;
		snprintf(text, sizeof text, "  ! %s", line + 2);
		log_add(o, text);
	} else if (line[0] == 'D') {
		o->done = true;
	}
}

static int exec_steps(const char *reader, const prep *steps, size_t n, bool reset,
		      bool keep_going, int timeout_s, const vars *v, exec_out *o)
{
	int pfd[2];
	pid_t pid;
	double deadline = now_s() + timeout_s;
	char *acc = NULL;
	size_t acc_len = 0;
	int status;

	memset(o, 0, sizeof *o);
	o->protocol = -1;
	if (pipe(pfd) != 0)
		return DM_E_IO;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return DM_E_IO;
	}
	if (pid == 0) {
		close(pfd[0]);
		child(reader, steps, n, reset, keep_going, pfd[1], v);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		double left = deadline - now_s();
		char buf[4096];
		ssize_t got;
		int pr;

		if (left <= 0) {
			kill(pid, SIGKILL);
			o->failed = true;
			snprintf(o->reason, sizeof o->reason,
				 "timed out after %d s (the card did not answer step %zu)", timeout_s,
				 o->n_done + 1);
			break;
		}
		pr = poll(&p, 1, (int)(left * 1000) + 1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		got = read(pfd[0], buf, sizeof buf);
		if (got <= 0)
			break;
		{
			char *g = realloc(acc, acc_len + (size_t)got + 1);

			if (!g)
				break;
			acc = g;
		}
		memcpy(acc + acc_len, buf, (size_t)got);
		acc_len += (size_t)got;
		acc[acc_len] = '\0';
		/* Consume complete lines. */
		for (char *nl; (nl = memchr(acc, '\n', acc_len));) {
			size_t l = (size_t)(nl - acc);

			*nl = '\0';
			parse_line(acc, steps, n, o);
			memmove(acc, nl + 1, acc_len - l - 1);
			acc_len -= l + 1;
			acc[acc_len] = '\0';
		}
	}
	free(acc);
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!o->done && !o->failed) {
		o->failed = true;
		snprintf(o->reason, sizeof o->reason, "the case process ended early");
	}
	if (o->log_len == 0 && o->failed)
		log_add(o, "  (no APDU exchanged)");
	return DM_OK;
}

/* Expand and decode the steps; *missing names an unknown secret. */
static int prepare(const vars *v, const dm_cf_step *s, size_t n, prep *out,
		   char *why, size_t cap)
{
	for (size_t i = 0; i < n; i++) {
		char text[APDU_TEXT_MAX], missing[64];
		dm_wbuf w = dm_wbuf_init(out[i].capdu, sizeof out[i].capdu);
		int rc = dm_cf_expand(s[i].apdu, var_of, (void *)v, text, sizeof text, missing,
				      sizeof missing);

		out[i].step = &s[i];
		out[i].data[0] = out[i].contains[0] = '\0';
		out[i].secret = strstr(s[i].apdu, "${") != NULL;
		if (rc == DM_E_NOT_FOUND) {
			snprintf(why, cap, "%s %s not given", v->o ? "value" : "secret (--secrets)",
				 missing);
			return rc;
		}
		if (rc == DM_OK && s[i].data)
			rc = dm_cf_expand(s[i].data, var_of, (void *)v, out[i].data,
					  sizeof out[i].data, missing, sizeof missing);
		if (rc == DM_OK && s[i].contains)
			rc = dm_cf_expand(s[i].contains, var_of, (void *)v, out[i].contains,
					  sizeof out[i].contains, missing, sizeof missing);
		if (rc == DM_E_NOT_FOUND) {
			snprintf(why, cap, "%s %s not given", v->o ? "value" : "secret (--secrets)",
				 missing);
			return rc;
		}
		if (rc == DM_OK && s[i].data && dm_cf_data_valid(out[i].data) != DM_OK &&
		    !strstr(s[i].data, "${"))
			rc = DM_E_VALUE;
		if (rc == DM_OK)
			rc = dm_hex_decode(text, &w);
		dm_wipe(text, sizeof text);
		if (rc != DM_OK || w.len < 4) {
			snprintf(why, cap, "step %zu: the APDU is not hex of 4 bytes or more", i + 1);
			return DM_E_VALUE;
		}
		out[i].len = w.len;
	}
	return DM_OK;
}

static void wipe_preps(prep *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dm_wipe(p[i].capdu, sizeof p[i].capdu);
}

int dm_cf_probe(dm_cf_runner *r, char *msg, size_t msgcap)
{
	static const dm_cf_step probe[] = {
		{ .apdu = "00A4000C023F00" },            /* SELECT MF (TS 102 221 §11.1.1) */
		{ .apdu = "00A4040C08F04F4D41444D5343" } /* SELECT ADF DMSC by AID */
	};
	prep p[2];
	exec_out o;
	char why[128];
	dm_cf_case none = { 0 };
	vars v = { r, &none, NULL };
	int rc = prepare(&v, probe, 2, p, why, sizeof why);

	if (rc != DM_OK)
		return rc;
	rc = exec_steps(r->reader, p, 2, true, true, 20, NULL, &o);
	if (rc == DM_OK && (o.failed || o.n_done < 2)) {
		snprintf(msg, msgcap, "%s", o.reason[0] ? o.reason : "the card did not answer");
		rc = DM_E_IO;
	}
	if (rc == DM_OK) {
		r->caps.probed = true;
		r->caps.protocol = o.protocol == 0 ? DM_PROTO_T0 : DM_PROTO_T1;
		snprintf(r->caps.atr, sizeof r->caps.atr, "%s", o.atr);
		r->caps.mf = o.sw[0] == 0x9000;
		r->caps.dmsc = o.sw[1] == 0x9000 || (o.sw[1] >> 8) == 0x61;
	}
	out_free(&o);
	return rc;
}

/* A "requires" entry the runner does not meet: its reason, else NULL. */
static const char *unmet(const dm_cf_runner *r, const char *req, char *buf, size_t cap)
{
	if (strcmp(req, "writes") == 0)
		return r->allow_writes ? NULL : "writes to the card (give --allow-writes)";
	if (strcmp(req, "dmsc") == 0)
		return r->caps.dmsc ? NULL : "the card has no DM_SC application (SELECT AID not 9000)";
	if (strcmp(req, "mf") == 0)
		return r->caps.mf ? NULL : "the card has no MF (SELECT 3F00 not 9000)";
	if (strcmp(req, "t0") == 0)
		return r->caps.protocol == DM_PROTO_T0 ? NULL : "T=0 not in use";
	if (strcmp(req, "t1") == 0)
		return r->caps.protocol == DM_PROTO_T1 ? NULL : "T=1 not in use";
	if (strncmp(req, "secret:", 7) == 0) {
		if (r->secret && r->secret(r->secret_ctx, req + 7))
			return NULL;
		snprintf(buf, cap, "secret %s not given (--secrets)", req + 7);
		return buf;
	}
	snprintf(buf, cap, "unknown requirement \"%s\"", req);
	return buf;
}

int dm_cf_run_case(const dm_cf_runner *r, const dm_cf_case *c, dm_cf_result *res)
{
	prep *p = NULL, *rp = NULL;
	exec_out o, ro;
	double t0 = now_s();
	char buf[160];
	int rc;

	memset(res, 0, sizeof *res);
	if (c->writes && !r->allow_writes) {
		res->verdict = DM_CF_NA;
		snprintf(res->reason, sizeof res->reason, "writes to the card (give --allow-writes)");
		return DM_OK;
	}
	for (size_t i = 0; i < c->n_requires; i++) {
		const char *why = unmet(r, c->requires[i], buf, sizeof buf);

		if (why) {
			res->verdict = DM_CF_NA;
			snprintf(res->reason, sizeof res->reason, "%s", why);
			return DM_OK;
		}
	}
	p = calloc(c->n_steps, sizeof *p);
	rp = calloc(c->n_restore ? c->n_restore : 1, sizeof *rp);
	if (!p || !rp) {
		free(p);
		free(rp);
		return DM_E_NOMEM;
	}
	{
		/* Secrets of the steps and of the restore, before anything runs:
		 * saved values stand in as "" for the check. */
		exec_out dry;
		vars v = { r, c, NULL };

		memset(&dry, 0, sizeof dry);
		for (size_t i = 0; i < c->n_steps && i < 256; i++)
			dry.saved[i] = c->steps[i].save ? (char *)"" : NULL;
		v.o = &dry;
		rc = prepare(&v, c->steps, c->n_steps, p, res->reason, sizeof res->reason);
		if (rc == DM_OK && c->n_restore)
			rc = prepare(&v, c->restore, c->n_restore, rp, res->reason,
				     sizeof res->reason);
	}
	if (rc == DM_E_NOT_FOUND) {
		res->verdict = DM_CF_NA;
		rc = DM_OK;
		goto out;
	}
	if (rc != DM_OK) {
		res->verdict = DM_CF_FAIL;
		rc = DM_OK;
		goto out;
	}
	{
		/* Steps using values saved by earlier steps are expanded in the child. */
		vars v = { r, c, NULL };

		exec_steps(r->reader, p, c->n_steps, c->reset, false, c->timeout_s, &v, &o);
	}
	res->verdict = o.failed ? DM_CF_FAIL : DM_CF_PASS;
	snprintf(res->reason, sizeof res->reason, "%s", o.reason);
	res->log = o.log;
	o.log = NULL;
	if (c->n_restore) {
		vars v = { r, c, &o };
		char why[160];

		/* Restore whatever happened: every step, also after a failed one.
		 * A value to restore that was never saved: the case stopped
		 * before it changed anything. */
		if (prepare(&v, c->restore, c->n_restore, rp, why, sizeof why) == DM_OK) {
			exec_steps(r->reader, rp, c->n_restore, true, true, c->timeout_s, NULL,
				   &ro);
			if (ro.failed) {
				exec_out both = { .log = res->log,
						  .log_len = res->log ? strlen(res->log) : 0 };

				if (res->verdict == DM_CF_PASS)
					snprintf(res->reason, sizeof res->reason,
						 "restore failed: %.200s", ro.reason);
				res->verdict = DM_CF_FAIL;
				log_add(&both, "  restore:");
				if (ro.log)
					log_add(&both, ro.log);
				res->log = both.log;
			}
			out_free(&ro);
		}
	}
	out_free(&o);
out:
	wipe_preps(p, c->n_steps);
	wipe_preps(rp, c->n_restore);
	free(p);
	free(rp);
	res->secs = now_s() - t0;
	return rc;
}

void dm_cf_result_free(dm_cf_result *res)
{
	if (!res)
		return;
	free(res->log);
	res->log = NULL;
}
