/*
 * usecase.c - configuration, options, files and alerts shared by the
 * use-case commands (usecase.h).
 */
#include "usecase.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"

void dm_uc_conf_init(dm_uc_conf *c)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	memset(c, 0, sizeof(*c));
	c->unapproved = DM_UNAPPROVED_REJECT;
	/* The same default as the global --outbox (host/agent.h). */
	if (state && *state)
		snprintf(c->outbox, sizeof(c->outbox), "%.400s/dmsc-agent/outbox", state);
	else if (home && *home)
		snprintf(c->outbox, sizeof(c->outbox), "%.400s/.local/state/dmsc-agent/outbox", home);
	else
		snprintf(c->outbox, sizeof(c->outbox), "%s", DM_UC_DEFAULT_OUTBOX);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static int set_path(char *dst, const char *v)
{
	size_t n = strlen(v);

	if (!n || n >= DM_UC_PATH_MAX)
		return DM_E_VALUE;
	memcpy(dst, v, n + 1);
	return DM_OK;
}

static int conf_line(char *line, dm_uc_conf *c)
{
	char *eq = strchr(line, '='), *k, *v;

	if (!eq)
		return DM_E_VALUE;
	*eq = 0;
	k = trim(line);
	v = trim(eq + 1);
	if (!strcmp(k, "install.unapproved")) {
		if (!strcmp(v, "reject"))
			c->unapproved = DM_UNAPPROVED_REJECT;
		else if (!strcmp(v, "ask"))
			c->unapproved = DM_UNAPPROVED_ASK;
		else
			return DM_E_VALUE;
		return DM_OK;
	}
	if (!strcmp(k, "install.log"))
		return set_path(c->install_log, v);
	if (!strcmp(k, "alert.outbox"))
		return set_path(c->outbox, v);
	if (!strcmp(k, "policy.pin_file"))
		return set_path(c->pin_file, v);
	if (!strcmp(k, "copymo.adm_file"))
		return set_path(c->adm_file, v);
	return DM_OK;  /* another module's key */
}

int dm_uc_conf_parse(const char *text, size_t len, dm_uc_conf *c, unsigned *err_line)
{
	char line[1024];
	unsigned no = 0;
	size_t i = 0;

	if (!text || !c)
		return DM_E_ARG;
	while (i < len) {
		size_t n = 0;
		char *s;
		int rc;

		no++;
		while (i < len && text[i] != '\n') {
			if (n + 1 >= sizeof(line) || !text[i]) {
				if (err_line)
					*err_line = no;
				return DM_E_LENGTH;
			}
			line[n++] = text[i++];
		}
		i++;
		line[n] = 0;
		s = trim(line);
		if (!*s || *s == '#')
			continue;
		if ((rc = conf_line(s, c))) {
			if (err_line)
				*err_line = no;
			return rc;
		}
	}
	return DM_OK;
}

int dm_uc_read_file(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	FILE *f;
	uint8_t *p = NULL;
	size_t n = 0, cap = 0;
	int rc = DM_OK;

	if (!path || !buf || !len)
		return DM_E_ARG;
	f = fopen(path, "rb");
	if (!f)
		return DM_E_IO;
	for (;;) {
		if (n == cap) {
			uint8_t *q;

			cap = cap ? cap * 2 : 4096;
			if (cap > max + 1)
				cap = max + 1;
			if (!(q = realloc(p, cap + 1))) {
				rc = DM_E_NOMEM;
				break;
			}
			p = q;
		}
		size_t r = fread(p + n, 1, cap - n, f);

		n += r;
		if (n > max) {
			rc = DM_E_LENGTH;
			break;
		}
		if (r == 0) {
			if (ferror(f))
				rc = DM_E_IO;
			break;
		}
	}
	fclose(f);
	if (rc) {
		free(p);
		return rc;
	}
	if (!p && !(p = malloc(1)))
		return DM_E_NOMEM;
	p[n] = 0;
	*buf = p;
	*len = n;
	return DM_OK;
}

int dm_uc_read_secret(const char *path, char *out, size_t cap)
{
	uint8_t *buf;
	size_t len;
	char *s;
	int rc = dm_uc_read_file(path, 256, &buf, &len);

	if (rc)
		return rc;
	((char *)buf)[strcspn((char *)buf, "\r\n")] = 0;
	s = trim((char *)buf);
	if (!*s)
		rc = DM_E_VALUE;
	else if (strlen(s) >= cap)
		rc = DM_E_LENGTH;
	else
		memcpy(out, s, strlen(s) + 1);
	dm_wipe(buf, len);
	free(buf);
	return rc;
}

static int load_conf(dm_agent *ctx, dm_uc_conf *c)
{
	uint8_t *text;
	size_t len;
	unsigned line = 0;
	int rc;

	if (!ctx->config_path)
		return DM_OK;
	rc = dm_uc_read_file(ctx->config_path, 64 * 1024, &text, &len);
	if (rc == DM_E_IO && errno == ENOENT)
		return DM_OK;
	if (rc) {
		fprintf(ctx->err, "%s: cannot read configuration %s: %s\n", ctx->prog,
			ctx->config_path, dm_strerror(rc));
		return rc;
	}
	rc = dm_uc_conf_parse((char *)text, len, c, &line);
	if (rc)
		fprintf(ctx->err, "%s: %s:%u: bad value (%s)\n", ctx->prog, ctx->config_path, line,
			dm_strerror(rc));
	dm_wipe(text, len);
	free(text);
	return rc;
}

int dm_uc_usage(dm_agent *ctx, const char *help)
{
	fprintf(ctx->err, "usage: %s %s", ctx->prog, help);
	return DM_EXIT_USAGE;
}

void dm_uc_put_json(dm_agent *ctx, json_object *j)
{
	fprintf(ctx->out, "%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
	json_object_put(j);
}

int dm_uc_opts_parse(dm_agent *ctx, int argc, char **argv, const char *help, dm_uc_opts *o)
{
	int out = 1;

	if (dm_agent_help(argc, argv)) {
		fprintf(ctx->out, "usage: %s %s", ctx->prog, help);
		return -1;
	}
	memset(o, 0, sizeof(*o));
	dm_uc_conf_init(&o->conf);
	o->answer = -1;
	if (load_conf(ctx, &o->conf))
		return DM_EXIT_FAIL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *dst = NULL;

		if (!strcmp(a, "--yes") || !strcmp(a, "--no")) {
			o->answer = !strcmp(a, "--yes");
			continue;
		}
		if (!strcmp(a, "--pin-file"))
			dst = o->conf.pin_file;
		else if (!strcmp(a, "--adm-file"))
			dst = o->conf.adm_file;
		if (dst || !strcmp(a, "--at")) {
			if (i + 1 >= argc) {
				fprintf(ctx->err, "%s %s: %s needs a value\n", ctx->prog, argv[0], a);
				return DM_EXIT_USAGE;
			}
			if (dst && set_path(dst, argv[i + 1])) {
				fprintf(ctx->err, "%s %s: %s: bad value\n", ctx->prog, argv[0], a);
				return DM_EXIT_USAGE;
			}
			if (!dst)
				o->at = argv[i + 1];
			i++;
			continue;
		}
		argv[out++] = argv[i];  /* operand or a command-specific option */
	}
	o->argc = out;
	o->argv = argv;
	/* The global --outbox wins over the configuration, which wins over the default. */
	if (ctx->outbox && set_path(o->conf.outbox, ctx->outbox)) {
		fprintf(ctx->err, "%s: --outbox: bad value\n", ctx->prog);
		return DM_EXIT_USAGE;
	}
	return DM_EXIT_OK;
}

int dm_uc_open_tree(dm_agent *ctx, dm_tree **t)
{
	int rc = dm_tree_open_default(ctx->db_path, t);

	if (rc)
		fprintf(ctx->err, "%s: cannot open the device tree %s: %s\n", ctx->prog,
			ctx->db_path ? ctx->db_path : "(default)", dm_strerror(rc));
	return rc;
}

/* The ServerID to address: the card's DM account first (DM_SC 5.3: the
 * enterprise's server came with the card), else any account. */
static char *server_id(dm_tree *tree)
{
	dm_dmacc_list l = { 0 };
	char *s = NULL;

	if (tree && !dm_tree_find_dmacc(tree, NULL, &l)) {
		for (size_t i = 0; i < l.n && !s; i++)
			if (l.v[i].iccid && l.v[i].server_id)
				s = strdup(l.v[i].server_id);
		for (size_t i = 0; i < l.n && !s; i++)
			if (l.v[i].server_id)
				s = strdup(l.v[i].server_id);
	}
	dm_dmacc_list_clear(&l);
	return s;
}

int dm_uc_alert(dm_agent *ctx, const dm_uc_opts *o, dm_tree *tree, const char *type,
		const char *mark, const char *source_uri, const char *data)
{
	dm_node dev = { 0 };
	char *srv = server_id(tree), name[128];
	dm_alert a = {
		.server_id = srv ? srv : "unknown",
		.dev_id = "unknown",
		.source_uri = source_uri,
		.type = type,
		.mark = mark,
		.data = data,
	};
	int rc;

	if (tree && !dm_tree_get(tree, "./DevInfo/DevId", &dev) && dev.value && *dev.value)
		a.dev_id = dev.value;
	rc = dm_alert_post(o->conf.outbox, &a, name, sizeof(name));
	if (rc)
		fprintf(ctx->err, "%s: warning: the alert to %s was not written to %s: %s\n",
			ctx->prog, a.server_id, o->conf.outbox, dm_strerror(rc));
	else if (ctx->verbose)
		fprintf(ctx->err, "alert %s/%s -> %s\n", o->conf.outbox, name, a.server_id);
	dm_node_clear(&dev);
	free(srv);
	return rc;
}

int dm_uc_ask(const char *question)
{
	char line[16];

	if (!isatty(STDIN_FILENO))
		return -1;
	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}
