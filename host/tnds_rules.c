/*
 * tnds_rules.c - the single TNDS validity rules (tnds.h): ACL grammar,
 * Format names and Format/Value agreement.  OMA-TS-DM_TND 1.2 §7.7 (ACL),
 * §7.7.7 (Format); OMA-TS-DM-TNDS 1.2.
 */
#include "tnds.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <tomcrypt.h>

static const char *const formats[] = {
	"b64", "bin", "bool", "chr", "int", "node", "null", "xml", "date", "time", "float",
};

int dm_tnds_check_format(const char *format)
{
	if (!format)
		return DM_E_ARG;
	for (size_t i = 0; i < DM_ARRAY_LEN(formats); i++)
		if (strcmp(format, formats[i]) == 0)
			return DM_OK;
	return DM_E_VALUE;
}

/* Index of an ACL command name (TND §7.7.1: Add Delete Exec Get
 * Replace), -1 if none. */
static int acl_cmd(const char *p, size_t n)
{
	static const char *const cmds[] = { "Add", "Delete", "Exec", "Get", "Replace" };

	for (size_t i = 0; i < DM_ARRAY_LEN(cmds); i++)
		if (strlen(cmds[i]) == n && memcmp(p, cmds[i], n) == 0)
			return (int)i;
	return -1;
}

/* ACL: "" (inherit) or entries "Cmd=server+server" joined by '&'; a
 * server identifier is non-empty and holds none of "=&+" nor blanks; "*"
 * means any server.  A command may appear only once. */
int dm_tnds_check_acl(const char *acl)
{
	unsigned seen = 0;
	const char *p;

	if (!acl)
		return DM_E_ARG;
	if (!*acl)
		return DM_OK;
	p = acl;
	for (;;) {
		const char *eq = p, *end;
		int cmd;

		while (*eq && *eq != '=' && *eq != '&')
			eq++;
		cmd = *eq == '=' ? acl_cmd(p, (size_t)(eq - p)) : -1;
		if (cmd < 0 || (seen & (1u << cmd)))
			return DM_E_VALUE;
		seen |= 1u << cmd;
		p = eq + 1;
		for (;;) {  /* servers: non-empty, '+'-separated */
			end = p;
			while (*end && *end != '+' && *end != '&' && *end != '=' &&
			       !isspace((unsigned char)*end))
				end++;
			if (end == p)
				return DM_E_VALUE;
			if (*end == '=' || isspace((unsigned char)*end))
				return DM_E_VALUE;
			p = end;
			if (*p != '+')
				break;
			p++;
		}
		if (!*p)
			return DM_OK;
		p++;  /* '&' */
	}
}

static bool all_digits(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)p[i]))
			return false;
	return n > 0;
}

/* Two digits at p as a number. */
static int two(const char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/* ISO 8601 calendar date with century: YYYY-MM-DD or YYYYMMDD. */
static int check_date(const char *v)
{
	size_t n = strlen(v);
	int y, m, d;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (n == 10 && all_digits(v, 4) && v[4] == '-' && all_digits(v + 5, 2) && v[7] == '-' &&
	    all_digits(v + 8, 2)) {
		m = two(v + 5);
		d = two(v + 8);
	} else if (n == 8 && all_digits(v, 8)) {
		m = two(v + 4);
		d = two(v + 6);
	} else {
		return DM_E_VALUE;
	}
	y = atoi((char[5]){ v[0], v[1], v[2], v[3], 0 });
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return DM_E_VALUE;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return DM_E_VALUE;
	return DM_OK;
}

/* ISO 8601 time: hh:mm:ss or hhmmss, then nothing, 'Z', or +hh, +hhmm,
 * +hh:mm (also '-'). */
static int check_time(const char *v)
{
	size_t n = strlen(v), i;
	int h, m, s;

	if (n >= 8 && all_digits(v, 2) && v[2] == ':' && all_digits(v + 3, 2) && v[5] == ':' &&
	    all_digits(v + 6, 2)) {
		h = two(v), m = two(v + 3), s = two(v + 6);
		i = 8;
	} else if (n >= 6 && all_digits(v, 6)) {
		h = two(v), m = two(v + 2), s = two(v + 4);
		i = 6;
	} else {
		return DM_E_VALUE;
	}
	if (h > 23 || m > 59 || s > 60)  /* 60: leap second */
		return DM_E_VALUE;
	v += i;
	if (!*v || strcmp(v, "Z") == 0)
		return DM_OK;
	if (*v != '+' && *v != '-')
		return DM_E_VALUE;
	v++;
	n = strlen(v);
	if ((n == 2 && all_digits(v, 2)) || (n == 4 && all_digits(v, 4)))
		return two(v) <= 23 && (n == 2 || two(v + 2) <= 59) ? DM_OK : DM_E_VALUE;
	if (n == 5 && all_digits(v, 2) && v[2] == ':' && all_digits(v + 3, 2))
		return two(v) <= 23 && two(v + 3) <= 59 ? DM_OK : DM_E_VALUE;
	return DM_E_VALUE;
}

/* int: a 32-bit signed integer in decimal (OMA DM TND §7.7.7). */
static int check_int(const char *v)
{
	char *end;
	long long x;

	if (!*v || isspace((unsigned char)*v) || *v == '+')
		return DM_E_VALUE;
	errno = 0;
	x = strtoll(v, &end, 10);
	if (errno || *end || x < INT32_MIN || x > INT32_MAX)
		return DM_E_VALUE;
	return DM_OK;
}

static int check_float(const char *v)
{
	char *end;
	double x;

	if (!*v || isspace((unsigned char)*v))
		return DM_E_VALUE;
	errno = 0;
	x = strtod(v, &end);
	if (errno || *end || !isfinite(x))
		return DM_E_VALUE;
	return DM_OK;
}

/* b64 (and bin, carried as base64 in XML): whitespace allowed between
 * characters (line breaks of long values), then strict RFC 4648 base64. */
static int check_b64(const char *v)
{
	size_t n = strlen(v), k = 0;
	unsigned char *s, *out;
	unsigned long outlen;
	int rc;

	s = malloc(n + 1);
	out = malloc(n / 4 * 3 + 4);
	if (!s || !out) {
		free(s);
		free(out);
		return DM_E_NOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)v[i]))
			s[k++] = (unsigned char)v[i];
	outlen = n / 4 * 3 + 4;
	rc = DM_OK;
	if (k % 4 != 0 || (k > 0 && base64_strict_decode(s, k, out, &outlen) != CRYPT_OK))
		rc = DM_E_VALUE;
	free(s);
	free(out);
	return rc;
}

/* xml: the value (text once unescaped) is well-formed XML content.  It is
 * wrapped in one element so that a fragment with several elements or text
 * passes; parsed without network, DTD or entity substitution. */
static int check_xml(const char *v)
{
	static const char open[] = "<v>", close[] = "</v>";
	size_t n = strlen(v);
	char *buf;
	xmlDocPtr doc;
	int rc;

	if (n > DM_TNDS_MAX_DOC)
		return DM_E_LENGTH;
	buf = malloc(n + sizeof(open) + sizeof(close));
	if (!buf)
		return DM_E_NOMEM;
	memcpy(buf, open, sizeof(open) - 1);
	memcpy(buf + sizeof(open) - 1, v, n);
	memcpy(buf + sizeof(open) - 1 + n, close, sizeof(close));
	doc = xmlReadMemory(buf, (int)strlen(buf), "value.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	rc = doc && !doc->intSubset ? DM_OK : DM_E_VALUE;
	xmlFreeDoc(doc);
	free(buf);
	return rc;
}

int dm_tnds_check_value(const char *format, const char *value)
{
	int rc;

	if ((rc = dm_tnds_check_format(format)) != DM_OK)
		return rc;
	if (strcmp(format, "node") == 0)
		return value ? DM_E_VALUE : DM_OK;  /* interior: never a Value */
	if (strcmp(format, "null") == 0)
		return value && *value ? DM_E_VALUE : DM_OK;
	if (!value)
		return DM_OK;  /* leaf without Value: see continuation rules */
	if (strcmp(format, "bool") == 0)
		return strcmp(value, "true") == 0 || strcmp(value, "false") == 0 ? DM_OK : DM_E_VALUE;
	if (strcmp(format, "int") == 0)
		return check_int(value);
	if (strcmp(format, "float") == 0)
		return check_float(value);
	if (strcmp(format, "b64") == 0 || strcmp(format, "bin") == 0)
		return check_b64(value);
	if (strcmp(format, "date") == 0)
		return check_date(value);
	if (strcmp(format, "time") == 0)
		return check_time(value);
	if (strcmp(format, "xml") == 0)
		return check_xml(value);
	return DM_OK;  /* chr: any text */
}
