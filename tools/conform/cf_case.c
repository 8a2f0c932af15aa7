/*
 * cf_case.c - load and validate conformance case files (cf_case.h).  Parsed
 * with json-c; the structures own copies of every string.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cf_case.h"
#include "cf_match.h"

#define TIMEOUT_DEFAULT_S 10
#define TIMEOUT_MAX_S 600

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (err && cap) {
		va_start(ap, fmt);
		vsnprintf(err, cap, fmt, ap);
		va_end(ap);
	}
	return DM_E_VALUE;
}

/* Optional string member: NULL when absent; DM_E_VALUE when not a string. */
static int opt_str(json_object *o, const char *key, char **out)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v))
		return DM_OK;
	if (!json_object_is_type(v, json_type_string))
		return DM_E_VALUE;
	*out = strdup(json_object_get_string(v));
	return *out ? DM_OK : DM_E_NOMEM;
}

static void step_free(dm_cf_step *s)
{
	free(s->apdu);
	free(s->sw);
	free(s->sw_not);
	free(s->data);
	free(s->contains);
	free(s->note);
	free(s->save);
}

static void case_free(dm_cf_case *c)
{
	free(c->id);
	free(c->label);
	free(c->command);
	free(c->clause);
	free(c->title);
	free(c->group);
	for (size_t i = 0; i < c->n_requires; i++)
		free(c->requires[i]);
	for (size_t i = 0; i < c->n_steps; i++)
		step_free(&c->steps[i]);
	for (size_t i = 0; i < c->n_restore; i++)
		step_free(&c->restore[i]);
	free(c->steps);
	free(c->restore);
	memset(c, 0, sizeof *c);
}

static int parse_step(json_object *o, dm_cf_step *s, const char **what)
{
	json_object *v;

	memset(s, 0, sizeof *s);
	*what = "step is not an object";
	if (!json_object_is_type(o, json_type_object))
		return DM_E_VALUE;
	*what = "bad string field in step";
	if (opt_str(o, "apdu", &s->apdu) || opt_str(o, "sw", &s->sw) ||
	    opt_str(o, "sw_not", &s->sw_not) || opt_str(o, "data", &s->data) ||
	    opt_str(o, "contains", &s->contains) || opt_str(o, "note", &s->note) ||
	    opt_str(o, "save", &s->save))
		return DM_E_VALUE;
	*what = "step without \"apdu\"";
	if (!s->apdu || !*s->apdu)
		return DM_E_VALUE;
	*what = "bad \"sw\" pattern (4 hex digits or x, alternatives with |)";
	if (s->sw && dm_cf_sw_valid(s->sw) != DM_OK)
		return DM_E_VALUE;
	*what = "bad \"sw_not\" pattern";
	if (s->sw_not && dm_cf_sw_valid(s->sw_not) != DM_OK)
		return DM_E_VALUE;
	*what = "bad \"data\" pattern (hex pairs, x nibbles, trailing *)";
	if (s->data && !strstr(s->data, "${") && dm_cf_data_valid(s->data) != DM_OK)
		return DM_E_VALUE;
	*what = "\"raw\" is not a boolean";
	if (json_object_object_get_ex(o, "raw", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return DM_E_VALUE;
		s->raw = json_object_get_boolean(v);
	}
	return DM_OK;
}

static int parse_steps(json_object *o, const char *key, bool required, dm_cf_step **out,
		       size_t *n, const char **what)
{
	json_object *arr;
	size_t len;

	*out = NULL;
	*n = 0;
	if (!json_object_object_get_ex(o, key, &arr)) {
		*what = "no \"steps\"";
		return required ? DM_E_VALUE : DM_OK;
	}
	*what = "steps are not a non-empty array";
	if (!json_object_is_type(arr, json_type_array))
		return DM_E_VALUE;
	len = json_object_array_length(arr);
	if (len == 0 || len > 256)
		return DM_E_VALUE;
	*out = calloc(len, sizeof **out);
	if (!*out)
		return DM_E_NOMEM;
	for (size_t i = 0; i < len; i++) {
		int rc = parse_step(json_object_array_get_idx(arr, i), &(*out)[i], what);

		*n = i + 1;
		if (rc != DM_OK)
			return rc;
	}
	return DM_OK;
}

static int parse_case(json_object *o, const char *group, dm_cf_case *c, const char **what)
{
	json_object *v;
	int rc;

	memset(c, 0, sizeof *c);
	c->timeout_s = TIMEOUT_DEFAULT_S;
	c->reset = true;
	*what = "case is not an object";
	if (!json_object_is_type(o, json_type_object))
		return DM_E_VALUE;
	c->group = strdup(group);
	*what = "bad string field";
	if (!c->group || opt_str(o, "id", &c->id) || opt_str(o, "label", &c->label) ||
	    opt_str(o, "command", &c->command) || opt_str(o, "clause", &c->clause) ||
	    opt_str(o, "title", &c->title))
		return DM_E_VALUE;
	*what = "\"id\", \"label\", \"command\", \"clause\" and \"title\" are required";
	if (!c->id || !c->label || !c->command || !c->clause || !c->title)
		return DM_E_VALUE;
	if (json_object_object_get_ex(o, "requires", &v)) {
		*what = "\"requires\" is not an array of strings (at most 8)";
		if (!json_object_is_type(v, json_type_array) ||
		    json_object_array_length(v) > DM_CF_REQ_MAX)
			return DM_E_VALUE;
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			json_object *r = json_object_array_get_idx(v, i);

			if (!json_object_is_type(r, json_type_string))
				return DM_E_VALUE;
			c->requires[i] = strdup(json_object_get_string(r));
			c->n_requires = i + 1;
			if (!c->requires[i])
				return DM_E_NOMEM;
			if (strcmp(c->requires[i], "writes") == 0)
				c->writes = true;
		}
	}
	if (json_object_object_get_ex(o, "writes", &v)) {
		*what = "\"writes\" is not a boolean";
		if (!json_object_is_type(v, json_type_boolean))
			return DM_E_VALUE;
		c->writes = c->writes || json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(o, "reset", &v)) {
		*what = "\"reset\" is not a boolean";
		if (!json_object_is_type(v, json_type_boolean))
			return DM_E_VALUE;
		c->reset = json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(o, "timeout", &v)) {
		*what = "\"timeout\" is not an integer of seconds in 1..600";
		if (!json_object_is_type(v, json_type_int))
			return DM_E_VALUE;
		c->timeout_s = json_object_get_int(v);
		if (c->timeout_s < 1 || c->timeout_s > TIMEOUT_MAX_S)
			return DM_E_VALUE;
	}
	rc = parse_steps(o, "steps", true, &c->steps, &c->n_steps, what);
	if (rc != DM_OK)
		return rc;
	rc = parse_steps(o, "restore", false, &c->restore, &c->n_restore, what);
	if (rc != DM_OK)
		return rc;
	*what = "\"restore\" steps in a case that does not write";
	if (c->n_restore && !c->writes)
		return DM_E_VALUE;
	return DM_OK;
}

static bool id_taken(const dm_cf_set *set, const char *id)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->cases[i].id, id) == 0)
			return true;
	return false;
}

int dm_cf_load_file(dm_cf_set *set, const char *path, char *err, size_t errcap)
{
	json_object *root, *arr, *g;
	const char *group, *what = "";
	size_t len;
	int rc = DM_OK;

	if (!set || !path)
		return DM_E_ARG;
	root = json_object_from_file(path);
	if (!root)
		return fail(err, errcap, "%s: not readable JSON (%s)", path,
			    json_util_get_last_err());
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "cases", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		json_object_put(root);
		return fail(err, errcap, "%s: want an object with a \"cases\" array", path);
	}
	group = path;
	if (json_object_object_get_ex(root, "group", &g) && json_object_is_type(g, json_type_string))
		group = json_object_get_string(g);
	len = json_object_array_length(arr);
	for (size_t i = 0; i < len && rc == DM_OK; i++) {
		dm_cf_case c, *grown;

		rc = parse_case(json_object_array_get_idx(arr, i), group, &c, &what);
		if (rc == DM_OK && id_taken(set, c.id)) {
			rc = DM_E_VALUE;
			what = "duplicate id";
		}
		if (rc != DM_OK) {
			fail(err, errcap, "%s: case %zu (%s): %s", path, i + 1,
			     c.id ? c.id : "no id", what);
			case_free(&c);
			break;
		}
		grown = realloc(set->cases, (set->n + 1) * sizeof *grown);
		if (!grown) {
			case_free(&c);
			rc = DM_E_NOMEM;
			break;
		}
		set->cases = grown;
		set->cases[set->n++] = c;
	}
	json_object_put(root);
	return rc == DM_E_NOMEM ? DM_E_NOMEM : rc;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int dm_cf_load_dir(dm_cf_set *set, const char *dir, char *err, size_t errcap)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	int rc = DM_OK;

	if (!d) {
		fail(err, errcap, "%s: cannot open the case directory", dir);
		return DM_E_IO;
	}
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		char **grown;

		if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0 || e->d_name[0] == '.')
			continue;
		grown = realloc(names, (n + 1) * sizeof *names);
		if (!grown || !(grown[n] = strdup(e->d_name))) {
			names = grown ? grown : names;
			rc = DM_E_NOMEM;
			break;
		}
		names = grown;
		n++;
	}
	closedir(d);
	if (names)
		qsort(names, n, sizeof *names, cmp_name);
	for (size_t i = 0; i < n; i++) {
		char path[4096];

		if (rc == DM_OK) {
			snprintf(path, sizeof path, "%s/%s", dir, names[i]);
			rc = dm_cf_load_file(set, path, err, errcap);
		}
		free(names[i]);
	}
	free(names);
	if (rc == DM_OK && set->n == 0)
		rc = fail(err, errcap, "%s: no *.json case files", dir);
	return rc;
}

void dm_cf_set_free(dm_cf_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		case_free(&set->cases[i]);
	free(set->cases);
	set->cases = NULL;
	set->n = 0;
}
