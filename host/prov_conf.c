/*
 * prov_conf.c - the provision/watch part of the agent configuration file:
 * "key = value" lines (docs/agent.md "provision and watch").  A plain line
 * format needs no parser library; values are hex, decimal, a word or a path.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hex.h"
#include "provision.h"

#define CONF_FILE_MAX (64u * 1024u)

void dm_prov_conf_init(dm_prov_conf *c)
{
	memset(c, 0, sizeof *c);
	c->scp03_level = 0x33; /* C-MAC, C-DEC, R-MAC, R-ENC: Amd D §7.1.2 */
	c->confirm = DM_PROV_CONFIRM_ASK;
}

void dm_prov_conf_wipe(dm_prov_conf *c)
{
	dm_scp03_keys_wipe(&c->scp03);
	dm_wipe(c->scp03_dek, sizeof c->scp03_dek);
	c->has_scp03 = false;
}

/* Hex key of 16, 24 or 32 bytes into out; *n its length. */
static int parse_key(const char *v, uint8_t *out, size_t *n)
{
	uint8_t tmp[DM_SCP03_KEY_MAX];
	dm_wbuf w = dm_wbuf_init(tmp, sizeof tmp);
	int rc = dm_hex_decode(v, &w);

	if (rc == DM_OK && w.len != 16 && w.len != 24 && w.len != 32)
		rc = DM_E_LENGTH;
	if (rc == DM_OK) {
		memcpy(out, tmp, w.len);
		*n = w.len;
	}
	dm_wipe(tmp, sizeof tmp);
	return rc == DM_OK ? DM_OK : DM_E_VALUE;
}

static int parse_uint(const char *v, int base, unsigned long max, unsigned long *out)
{
	char *end;

	if (!*v || !isxdigit((unsigned char)*v))
		return DM_E_VALUE;
	errno = 0;
	*out = strtoul(v, &end, base);
	if (errno || *end || *out > max)
		return DM_E_VALUE;
	return DM_OK;
}

static int set_path(char *dst, const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n >= DM_PROV_PATH_MAX)
		return DM_E_VALUE;
	memcpy(dst, v, n + 1);
	return DM_OK;
}

/* One key; the key sets that have SCP03 keys are checked at the end. */
static int set_key(dm_prov_conf *c, const char *k, const char *v, uint8_t *enc, size_t *enc_n,
		   uint8_t *mac, size_t *mac_n, size_t *dek_n)
{
	unsigned long u;

	if (!strcmp(k, "scp03.kvn")) {
		/* KVN 01..7F (GP Card Spec 2.2 §11.1.8 key version numbers) */
		if (parse_uint(v, 16, 0x7F, &u) || u == 0)
			return DM_E_VALUE;
		c->scp03_kvn = (uint8_t)u;
		return DM_OK;
	}
	if (!strcmp(k, "scp03.level")) {
		if (parse_uint(v, 16, 0xFF, &u) || !dm_scp03_level_valid((uint8_t)u))
			return DM_E_VALUE;
		c->scp03_level = (uint8_t)u;
		return DM_OK;
	}
	if (!strcmp(k, "scp03.enc"))
		return parse_key(v, enc, enc_n);
	if (!strcmp(k, "scp03.mac"))
		return parse_key(v, mac, mac_n);
	if (!strcmp(k, "scp03.dek"))
		return parse_key(v, c->scp03_dek, dek_n);
	if (!strcmp(k, "provision.confirm")) {
		if (!strcmp(v, "ask"))
			c->confirm = DM_PROV_CONFIRM_ASK;
		else if (!strcmp(v, "yes"))
			c->confirm = DM_PROV_CONFIRM_YES;
		else if (!strcmp(v, "no"))
			c->confirm = DM_PROV_CONFIRM_NO;
		else
			return DM_E_VALUE;
		return DM_OK;
	}
	if (!strcmp(k, "provision.pin_file"))
		return set_path(c->pin_file, v);
	if (!strcmp(k, "watch.poll")) {
		if (parse_uint(v, 10, 86400, &u))
			return DM_E_VALUE;
		c->poll_s = (unsigned)u;
		return DM_OK;
	}
	if (!strcmp(k, "watch.devchg_spool"))
		return set_path(c->devchg_spool, v);
	if (!strncmp(k, "scp03.", 6) || !strncmp(k, "provision.", 10) || !strncmp(k, "watch.", 6))
		return DM_E_VALUE; /* a typo in our sections must not go unnoticed */
	return DM_OK;              /* another command's key */
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

int dm_prov_conf_parse(const char *text, size_t len, dm_prov_conf *c, unsigned *err_line)
{
	uint8_t enc[DM_SCP03_KEY_MAX], mac[DM_SCP03_KEY_MAX];
	size_t enc_n = 0, mac_n = 0, dek_n = 0, pos = 0;
	char line[1024];
	unsigned lineno = 0;
	int rc = DM_OK;

	if (!c || (!text && len))
		return DM_E_ARG;
	if (err_line)
		*err_line = 0;
	while (pos < len && rc == DM_OK) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *k, *v, *eq;

		lineno++;
		if (n >= sizeof line || memchr(text + pos, '\0', n)) {
			rc = DM_E_VALUE;
			break;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + (nl ? 1 : 0);
		k = trim(line);
		if (!*k || *k == '#')
			continue;
		eq = strchr(k, '=');
		if (!eq) {
			rc = DM_E_VALUE;
			break;
		}
		*eq = '\0';
		v = trim(eq + 1);
		k = trim(k);
		rc = set_key(c, k, v, enc, &enc_n, mac, &mac_n, &dek_n);
	}
	if (rc == DM_OK && (enc_n || mac_n || c->scp03_kvn)) {
		/* a device key set is complete or absent: half a set is a mistake */
		if (!enc_n || enc_n != mac_n || !c->scp03_kvn) {
			lineno = 0;
			rc = DM_E_VALUE;
		} else {
			rc = dm_scp03_keys_set(&c->scp03, enc, mac, enc_n);
			c->has_scp03 = rc == DM_OK;
		}
	}
	if (rc != DM_OK && err_line)
		*err_line = lineno;
	dm_wipe(enc, sizeof enc);
	dm_wipe(mac, sizeof mac);
	dm_wipe(line, sizeof line);
	return rc;
}

int dm_prov_conf_load(const char *path, dm_prov_conf *c, unsigned *err_line)
{
	static char buf[CONF_FILE_MAX];
	size_t n = 0;
	ssize_t r;
	int fd, rc;

	if (!path || !c)
		return DM_E_ARG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return DM_E_IO;
	while (n < sizeof buf && (r = read(fd, buf + n, sizeof buf - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return DM_E_IO;
		}
		n += (size_t)r;
	}
	close(fd);
	if (n == sizeof buf)
		rc = DM_E_LENGTH;
	else
		rc = dm_prov_conf_parse(buf, n, c, err_line);
	dm_wipe(buf, n);
	return rc;
}
