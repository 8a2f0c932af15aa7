/*
 * dmtree.c - the device's DM tree in SQLite (dmtree.h).
 *
 * Every statement is prepared with bound parameters: no SQL is ever built
 * from a value.  Durability: journal_mode=WAL with synchronous=FULL, so a
 * committed import survives a power cut and an interrupted one leaves the
 * previous tree (SQLite atomic commit).
 */
#include "dmtree.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct dm_tree {
	sqlite3 *db;
	unsigned depth;  /* open transaction nesting (0 = none) */
};

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS node ("
	" uri TEXT PRIMARY KEY NOT NULL,"
	" parent TEXT,"
	" name TEXT NOT NULL,"
	" format TEXT NOT NULL,"
	" type TEXT NOT NULL DEFAULT '',"
	" acl TEXT NOT NULL DEFAULT '',"
	" value TEXT,"
	" interior INTEGER NOT NULL,"
	" iccid TEXT,"
	" counter INTEGER);"
	"CREATE INDEX IF NOT EXISTS node_parent ON node(parent);"
	"CREATE INDEX IF NOT EXISTS node_iccid ON node(iccid);"
	"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);";

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

void dm_node_clear(dm_node *n)
{
	if (!n)
		return;
	free(n->uri);
	free(n->name);
	free(n->format);
	free(n->type);
	free(n->acl);
	free(n->value);
	free(n->iccid);
	memset(n, 0, sizeof(*n));
}

int dm_node_list_add(dm_node_list *l, const dm_node *n)
{
	dm_node c = { 0 };

	if (!l || !n || !n->uri)
		return DM_E_ARG;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		dm_node *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return DM_E_NOMEM;
		l->v = v;
		l->cap = cap;
	}
	c.uri = xstrdup(n->uri);
	c.name = xstrdup(n->name);
	c.format = xstrdup(n->format ? n->format : "");
	c.type = xstrdup(n->type ? n->type : "");
	c.acl = xstrdup(n->acl ? n->acl : "");
	c.value = xstrdup(n->value);
	c.iccid = xstrdup(n->iccid);
	c.interior = n->interior;
	c.counter = n->counter;
	c.line = n->line;
	if (!c.uri || (n->name && !c.name) || !c.format || !c.type || !c.acl ||
	    (n->value && !c.value) || (n->iccid && !c.iccid)) {
		dm_node_clear(&c);
		return DM_E_NOMEM;
	}
	l->v[l->n++] = c;
	return DM_OK;
}

void dm_node_list_clear(dm_node_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		dm_node_clear(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void dm_dmacc_list_clear(dm_dmacc_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].uri);
		free(l->v[i].server_id);
		free(l->v[i].iccid);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* OMA DM 1.2 TND §6: a URI is "." or "./" followed by non-empty segments
 * separated by '/'; "." and ".." are not node names. */
int dm_uri_check(const char *uri)
{
	size_t len;
	const char *p;

	if (!uri)
		return DM_E_ARG;
	len = strlen(uri);
	if (len == 0 || len >= DM_URI_MAX)
		return DM_E_VALUE;
	if (strcmp(uri, ".") == 0)
		return DM_OK;
	if (strncmp(uri, "./", 2) != 0)
		return DM_E_VALUE;
	p = uri + 2;
	for (;;) {
		const char *e = strchr(p, '/');
		size_t seg = e ? (size_t)(e - p) : strlen(p);

		if (seg == 0 || seg >= DM_NAME_MAX)
			return DM_E_VALUE;
		if ((seg == 1 && p[0] == '.') || (seg == 2 && p[0] == '.' && p[1] == '.'))
			return DM_E_VALUE;
		if (!e)
			return DM_OK;
		p = e + 1;
	}
}

/* Parent URI of a checked URI other than "." into buf. */
static void uri_parent(const char *uri, char *buf)
{
	const char *slash = strrchr(uri, '/');
	size_t n = (size_t)(slash - uri);

	memcpy(buf, uri, n);
	buf[n] = '\0';
}

static const char *uri_name(const char *uri)
{
	const char *slash = strrchr(uri, '/');

	return slash ? slash + 1 : uri;
}

static int exec_sql(dm_tree *t, const char *sql)
{
	return sqlite3_exec(t->db, sql, NULL, NULL, NULL) == SQLITE_OK ? DM_OK : DM_E_IO;
}

static int prepare(dm_tree *t, const char *sql, sqlite3_stmt **st)
{
	return sqlite3_prepare_v2(t->db, sql, -1, st, NULL) == SQLITE_OK ? DM_OK : DM_E_IO;
}

static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
	int rc = s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);

	return rc == SQLITE_OK ? DM_OK : DM_E_IO;
}

/* Run a statement that returns no rows. */
static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	return rc == SQLITE_DONE ? DM_OK : DM_E_IO;
}

int dm_tree_begin(dm_tree *t)
{
	char sql[40];
	int rc;

	if (!t)
		return DM_E_ARG;
	/* Outermost: take the write lock now so a second agent waits instead
	 * of failing half-way; nested: a savepoint named by depth. */
	if (t->depth == 0)
		rc = exec_sql(t, "BEGIN IMMEDIATE");
	else {
		snprintf(sql, sizeof(sql), "SAVEPOINT dm%u", t->depth);
		rc = exec_sql(t, sql);
	}
	if (rc == DM_OK)
		t->depth++;
	return rc;
}

int dm_tree_commit(dm_tree *t)
{
	char sql[40];
	int rc;

	if (!t || t->depth == 0)
		return DM_E_STATE;
	if (t->depth == 1) {
		rc = exec_sql(t, "COMMIT");
		if (rc != DM_OK) {
			exec_sql(t, "ROLLBACK");
			t->depth = 0;
			return rc;
		}
	} else {
		snprintf(sql, sizeof(sql), "RELEASE dm%u", t->depth - 1);
		rc = exec_sql(t, sql);
	}
	t->depth--;
	return rc;
}

int dm_tree_rollback(dm_tree *t)
{
	char sql[64];
	int rc;

	if (!t || t->depth == 0)
		return DM_E_STATE;
	if (t->depth == 1) {
		rc = exec_sql(t, "ROLLBACK");
	} else {
		snprintf(sql, sizeof(sql), "ROLLBACK TO dm%u", t->depth - 1);
		rc = exec_sql(t, sql);
		snprintf(sql, sizeof(sql), "RELEASE dm%u", t->depth - 1);
		if (exec_sql(t, sql) != DM_OK)
			rc = DM_E_IO;
	}
	t->depth--;
	return rc;
}

/* End a transaction opened by an operation: commit on success. */
static int tx_end(dm_tree *t, int rc)
{
	if (rc == DM_OK)
		return dm_tree_commit(t);
	dm_tree_rollback(t);
	return rc;
}

static int row_to_node(sqlite3_stmt *st, dm_node *out)
{
	const char *cols[7];

	for (int i = 0; i < 7; i++)
		cols[i] = (const char *)sqlite3_column_text(st, i);
	memset(out, 0, sizeof(*out));
	out->uri = xstrdup(cols[0]);
	out->name = xstrdup(cols[1]);
	out->format = xstrdup(cols[2] ? cols[2] : "");
	out->type = xstrdup(cols[3] ? cols[3] : "");
	out->acl = xstrdup(cols[4] ? cols[4] : "");
	out->value = xstrdup(cols[5]);
	out->iccid = xstrdup(cols[6]);
	out->interior = sqlite3_column_int(st, 7) != 0;
	out->counter = (uint32_t)sqlite3_column_int64(st, 8);
	if (!out->uri || !out->name || !out->format || !out->type || !out->acl ||
	    (cols[5] && !out->value) || (cols[6] && !out->iccid)) {
		dm_node_clear(out);
		return DM_E_NOMEM;
	}
	return DM_OK;
}

#define NODE_COLS "uri, name, format, type, acl, value, iccid, interior, counter"

int dm_tree_get(dm_tree *t, const char *uri, dm_node *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (!t || !out)
		return DM_E_ARG;
	memset(out, 0, sizeof(*out));
	if ((rc = dm_uri_check(uri)) != DM_OK)
		return rc;
	if ((rc = prepare(t, "SELECT " NODE_COLS " FROM node WHERE uri = ?1", &st)) != DM_OK)
		return rc;
	if ((rc = bind_text(st, 1, uri)) == DM_OK) {
		int s = sqlite3_step(st);

		if (s == SQLITE_ROW)
			rc = row_to_node(st, out);
		else
			rc = s == SQLITE_DONE ? DM_E_NOT_FOUND : DM_E_IO;
	}
	sqlite3_finalize(st);
	return rc;
}

static int node_exists(dm_tree *t, const char *uri, bool *interior)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = prepare(t, "SELECT interior FROM node WHERE uri = ?1", &st)) != DM_OK)
		return rc;
	if ((rc = bind_text(st, 1, uri)) == DM_OK) {
		int s = sqlite3_step(st);

		if (s == SQLITE_ROW)
			*interior = sqlite3_column_int(st, 0) != 0;
		rc = s == SQLITE_ROW ? DM_OK : s == SQLITE_DONE ? DM_E_NOT_FOUND : DM_E_IO;
	}
	sqlite3_finalize(st);
	return rc;
}

static int has_children(dm_tree *t, const char *uri, bool *yes)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = prepare(t, "SELECT 1 FROM node WHERE parent = ?1 LIMIT 1", &st)) != DM_OK)
		return rc;
	if ((rc = bind_text(st, 1, uri)) == DM_OK) {
		int s = sqlite3_step(st);

		*yes = s == SQLITE_ROW;
		rc = (s == SQLITE_ROW || s == SQLITE_DONE) ? DM_OK : DM_E_IO;
	}
	sqlite3_finalize(st);
	return rc;
}

static int upsert(dm_tree *t, const char *uri, const char *format, const char *type,
		  const char *acl, const char *value, bool interior, const dm_prov *prov)
{
	static const char sql[] =
		"INSERT INTO node (uri, parent, name, format, type, acl, value, interior,"
		" iccid, counter) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
		" ON CONFLICT(uri) DO UPDATE SET format = ?4, type = ?5, acl = ?6,"
		" value = ?7, interior = ?8, iccid = ?9, counter = ?10";
	char parent[DM_URI_MAX];
	sqlite3_stmt *st = NULL;
	int rc;

	bool root = strcmp(uri, ".") == 0;

	if (!root)
		uri_parent(uri, parent);
	if ((rc = prepare(t, sql, &st)) != DM_OK)
		return rc;
	if ((rc = bind_text(st, 1, uri)) != DM_OK ||
	    (rc = bind_text(st, 2, root ? NULL : parent)) != DM_OK ||
	    (rc = bind_text(st, 3, uri_name(uri))) != DM_OK ||
	    (rc = bind_text(st, 4, format)) != DM_OK ||
	    (rc = bind_text(st, 5, type ? type : "")) != DM_OK ||
	    (rc = bind_text(st, 6, acl ? acl : "")) != DM_OK ||
	    (rc = bind_text(st, 7, interior ? NULL : value)) != DM_OK ||
	    (rc = bind_text(st, 9, prov ? prov->iccid : NULL)) != DM_OK)
		goto out;
	if (sqlite3_bind_int(st, 8, interior) != SQLITE_OK ||
	    (prov ? sqlite3_bind_int64(st, 10, prov->counter) : sqlite3_bind_null(st, 10)) != SQLITE_OK) {
		rc = DM_E_IO;
		goto out;
	}
	rc = step_done(st);
out:
	sqlite3_finalize(st);
	return rc;
}

/* Make sure every ancestor of uri exists as an interior node, creating
 * missing ones as device-origin interior nodes (OMA DM: an Add needs its
 * parent; TNDS Path names an existing or implied interior node). */
static int ensure_parents(dm_tree *t, const char *uri, bool create)
{
	char parent[DM_URI_MAX];
	bool interior = false;
	int rc;

	if (strcmp(uri, ".") == 0)
		return DM_OK;
	uri_parent(uri, parent);
	rc = node_exists(t, parent, &interior);
	if (rc == DM_OK)
		return interior ? DM_OK : DM_E_VALUE;
	if (rc != DM_E_NOT_FOUND || !create)
		return rc;
	if ((rc = ensure_parents(t, parent, true)) != DM_OK)
		return rc;
	return upsert(t, parent, "node", "", "", NULL, true, NULL);
}

static int set_locked(dm_tree *t, const dm_node *n, const dm_prov *prov, bool create_parents)
{
	bool interior = false, kids = false;
	int rc;

	if (!n->format)
		return DM_E_ARG;
	if ((rc = dm_uri_check(n->uri)) != DM_OK)
		return rc;
	if (strcmp(n->uri, ".") == 0)
		return DM_E_VALUE;
	if ((rc = ensure_parents(t, n->uri, create_parents)) != DM_OK)
		return rc;
	/* A leaf may not replace an interior node that still has children. */
	rc = node_exists(t, n->uri, &interior);
	if (rc == DM_OK && interior && !n->interior) {
		if ((rc = has_children(t, n->uri, &kids)) != DM_OK)
			return rc;
		if (kids)
			return DM_E_VALUE;
	} else if (rc != DM_OK && rc != DM_E_NOT_FOUND) {
		return rc;
	}
	return upsert(t, n->uri, n->format, n->type, n->acl, n->value, n->interior, prov);
}

int dm_tree_set(dm_tree *t, const dm_node *n, const dm_prov *prov, bool create_parents)
{
	int rc;

	if (!t || !n)
		return DM_E_ARG;
	if ((rc = dm_tree_begin(t)) != DM_OK)
		return rc;
	return tx_end(t, set_locked(t, n, prov, create_parents));
}

/* Delete uri and every node below it.  '/' + 1 == '0': the half-open
 * range [uri "/", uri "0") is exactly the URIs starting with uri "/". */
static int delete_locked(dm_tree *t, const char *uri, size_t *count)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = prepare(t, "DELETE FROM node WHERE uri = ?1 OR"
			  " (uri > ?1 || '/' AND uri < ?1 || '0')", &st)) != DM_OK)
		return rc;
	if ((rc = bind_text(st, 1, uri)) == DM_OK)
		rc = step_done(st);
	if (rc == DM_OK && count)
		*count += (size_t)sqlite3_changes(t->db);
	sqlite3_finalize(st);
	return rc;
}

int dm_tree_delete(dm_tree *t, const char *uri)
{
	bool interior;
	int rc;

	if (!t)
		return DM_E_ARG;
	if ((rc = dm_uri_check(uri)) != DM_OK)
		return rc;
	if (strcmp(uri, ".") == 0)
		return DM_E_VALUE;
	if ((rc = dm_tree_begin(t)) != DM_OK)
		return rc;
	rc = node_exists(t, uri, &interior);
	if (rc == DM_OK)
		rc = delete_locked(t, uri, NULL);
	return tx_end(t, rc);
}

int dm_tree_children(dm_tree *t, const char *uri, dm_node_list *out)
{
	sqlite3_stmt *st = NULL;
	int rc, s;

	if (!t || !out)
		return DM_E_ARG;
	if ((rc = dm_uri_check(uri)) != DM_OK)
		return rc;
	if ((rc = prepare(t, "SELECT " NODE_COLS " FROM node WHERE parent = ?1 ORDER BY name",
			  &st)) != DM_OK)
		return rc;
	if ((rc = bind_text(st, 1, uri)) != DM_OK)
		goto out;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		dm_node n;

		if ((rc = row_to_node(st, &n)) != DM_OK)
			goto out;
		rc = dm_node_list_add(out, &n);
		dm_node_clear(&n);
		if (rc != DM_OK)
			goto out;
	}
	rc = s == SQLITE_DONE ? DM_OK : DM_E_IO;
out:
	sqlite3_finalize(st);
	return rc;
}

static int subtree_rec(dm_tree *t, const char *uri, dm_node_list *out, unsigned depth)
{
	dm_node_list kids = { 0 };
	int rc;

	/* URIs are < DM_URI_MAX with segments >= 1 char: depth is bounded,
	 * but keep the C stack small whatever the database holds. */
	if (depth > DM_URI_MAX / 2)
		return DM_E_CORRUPT;
	if ((rc = dm_tree_children(t, uri, &kids)) != DM_OK)
		goto out;
	for (size_t i = 0; i < kids.n; i++) {
		if ((rc = dm_node_list_add(out, &kids.v[i])) != DM_OK)
			goto out;
		if (kids.v[i].interior &&
		    (rc = subtree_rec(t, kids.v[i].uri, out, depth + 1)) != DM_OK)
			goto out;
	}
out:
	dm_node_list_clear(&kids);
	return rc;
}

int dm_tree_subtree(dm_tree *t, const char *uri, dm_node_list *out)
{
	dm_node top;
	int rc;

	if (!t || !out)
		return DM_E_ARG;
	if ((rc = dm_tree_get(t, uri, &top)) != DM_OK)
		return rc;
	rc = dm_node_list_add(out, &top);
	if (rc == DM_OK && top.interior)
		rc = subtree_rec(t, uri, out, 0);
	dm_node_clear(&top);
	if (rc != DM_OK)
		dm_node_list_clear(out);
	return rc;
}

static bool under(const char *uri, const char *top)
{
	size_t n = strlen(top);

	return strncmp(uri, top, n) == 0 && (uri[n] == '\0' || uri[n] == '/');
}

int dm_tree_import(dm_tree *t, const dm_node_list *nodes, const dm_prov *prov)
{
	int rc = DM_OK;

	if (!t || !nodes)
		return DM_E_ARG;
	for (size_t i = 0; i < nodes->n; i++) {
		if (!nodes->v[i].uri)
			return DM_E_ARG;
		/* The device's identity is not the card's to change. [ours] */
		if (under(nodes->v[i].uri, "./DevInfo") || under(nodes->v[i].uri, "./DevDetail"))
			return DM_E_VALUE;
	}
	if (prov && (!prov->iccid || !*prov->iccid))
		return DM_E_ARG;
	if ((rc = dm_tree_begin(t)) != DM_OK)
		return rc;
	for (size_t i = 0; i < nodes->n && rc == DM_OK; i++)
		rc = set_locked(t, &nodes->v[i], prov, true);
	return tx_end(t, rc);
}

/* URIs of the card-origin nodes selected by sql (one text parameter or
 * none), then each deleted with its subtree. */
static int remove_where(dm_tree *t, const char *sql, const char *param, size_t *removed)
{
	sqlite3_stmt *st = NULL;
	dm_node_list tops = { 0 };
	size_t count = 0;
	int rc, s;

	if ((rc = dm_tree_begin(t)) != DM_OK)
		return rc;
	if ((rc = prepare(t, sql, &st)) != DM_OK)
		goto out;
	if (param && (rc = bind_text(st, 1, param)) != DM_OK)
		goto out;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		dm_node n = { 0 };

		n.uri = (char *)sqlite3_column_text(st, 0);
		if ((rc = dm_node_list_add(&tops, &n)) != DM_OK)
			goto out;
	}
	if (s != SQLITE_DONE) {
		rc = DM_E_IO;
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* Ordered by URI: a node already removed with an ancestor deletes
	 * nothing more. */
	for (size_t i = 0; i < tops.n && rc == DM_OK; i++)
		rc = delete_locked(t, tops.v[i].uri, &count);
out:
	sqlite3_finalize(st);
	dm_node_list_clear(&tops);
	rc = tx_end(t, rc);
	if (rc == DM_OK && removed)
		*removed = count;
	return rc;
}

int dm_tree_remove_card(dm_tree *t, const char *iccid, size_t *removed)
{
	if (!t || !iccid)
		return DM_E_ARG;
	return remove_where(t, "SELECT uri FROM node WHERE iccid = ?1 ORDER BY uri", iccid,
			    removed);
}

int dm_tree_remove_other_cards(dm_tree *t, const char *keep, size_t *removed)
{
	if (!t)
		return DM_E_ARG;
	if (!keep)
		return remove_where(t, "SELECT uri FROM node WHERE iccid IS NOT NULL ORDER BY uri",
				    NULL, removed);
	return remove_where(t, "SELECT uri FROM node WHERE iccid IS NOT NULL AND iccid <> ?1"
			    " ORDER BY uri", keep, removed);
}

int dm_tree_find_dmacc(dm_tree *t, const char *server_id, dm_dmacc_list *out)
{
	static const char sql[] =
		"SELECT a.uri, s.value, a.iccid FROM node a JOIN node s"
		" ON s.parent = a.uri AND s.name = 'ServerID'"
		" WHERE a.parent = './DMAcc' AND (?1 IS NULL OR s.value = ?1)"
		" ORDER BY a.uri";
	sqlite3_stmt *st = NULL;
	int rc, s;

	if (!t || !out)
		return DM_E_ARG;
	if ((rc = prepare(t, sql, &st)) != DM_OK)
		return rc;
	if ((rc = bind_text(st, 1, server_id)) != DM_OK)
		goto out;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		const char *u = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);
		const char *c = (const char *)sqlite3_column_text(st, 2);
		dm_dmacc a = { xstrdup(u), xstrdup(v ? v : ""), xstrdup(c) };

		if (!a.uri || !a.server_id || (c && !a.iccid) || out->n == SIZE_MAX / sizeof(a)) {
			free(a.uri), free(a.server_id), free(a.iccid);
			rc = DM_E_NOMEM;
			goto out;
		}
		if (out->n == out->cap) {
			size_t cap = out->cap ? out->cap * 2 : 4;
			dm_dmacc *nv = realloc(out->v, cap * sizeof(*nv));

			if (!nv) {
				free(a.uri), free(a.server_id), free(a.iccid);
				rc = DM_E_NOMEM;
				goto out;
			}
			out->v = nv;
			out->cap = cap;
		}
		out->v[out->n++] = a;
	}
	rc = s == SQLITE_DONE ? DM_OK : DM_E_IO;
	if (rc == DM_OK && server_id && out->n == 0)
		rc = DM_E_NOT_FOUND;
out:
	sqlite3_finalize(st);
	return rc;
}

int dm_tree_meta_get(dm_tree *t, const char *key, char **value)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (!t || !key || !value)
		return DM_E_ARG;
	*value = NULL;
	if ((rc = prepare(t, "SELECT value FROM meta WHERE key = ?1", &st)) != DM_OK)
		return rc;
	if ((rc = bind_text(st, 1, key)) == DM_OK) {
		int s = sqlite3_step(st);

		if (s == SQLITE_ROW) {
			*value = xstrdup((const char *)sqlite3_column_text(st, 0));
			rc = *value ? DM_OK : DM_E_NOMEM;
		} else {
			rc = s == SQLITE_DONE ? DM_E_NOT_FOUND : DM_E_IO;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

int dm_tree_meta_set(dm_tree *t, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (!t || !key)
		return DM_E_ARG;
	rc = prepare(t, value ? "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)"
			      : "DELETE FROM meta WHERE key = ?1", &st);
	if (rc != DM_OK)
		return rc;
	if ((rc = bind_text(st, 1, key)) == DM_OK && (!value || (rc = bind_text(st, 2, value)) == DM_OK))
		rc = step_done(st);
	sqlite3_finalize(st);
	return rc;
}

int dm_tree_last_card(dm_tree *t, char **iccid, uint32_t *counter)
{
	char *c = NULL, *end;
	unsigned long v;
	int rc;

	if (!iccid || !counter)
		return DM_E_ARG;
	*iccid = NULL;
	if ((rc = dm_tree_meta_get(t, "card.counter", &c)) != DM_OK)
		return rc;
	v = strtoul(c, &end, 10);
	rc = (*c && !*end && v <= UINT32_MAX) ? DM_OK : DM_E_CORRUPT;
	free(c);
	if (rc != DM_OK)
		return rc;
	*counter = (uint32_t)v;
	return dm_tree_meta_get(t, "card.iccid", iccid);
}

int dm_tree_set_last_card(dm_tree *t, const char *iccid, uint32_t counter)
{
	char buf[16];
	int rc;

	if (!t)
		return DM_E_ARG;
	snprintf(buf, sizeof(buf), "%lu", (unsigned long)counter);
	if ((rc = dm_tree_begin(t)) != DM_OK)
		return rc;
	rc = dm_tree_meta_set(t, "card.iccid", iccid);
	if (rc == DM_OK)
		rc = dm_tree_meta_set(t, "card.counter", iccid ? buf : NULL);
	return tx_end(t, rc);
}

/* A default DevId that stays the same for this tree file: 8 random bytes
 * from the kernel, in hex. [ours] */
static int default_dev_id(char *buf, size_t cap)
{
	uint8_t r[8];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return DM_E_IO;
	got = read(fd, r, sizeof(r));
	close(fd);
	if (got != (ssize_t)sizeof(r))
		return DM_E_IO;
	snprintf(buf, cap, "dmsc:%02x%02x%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
	return DM_OK;
}

/* OMA DM 1.2 standard objects (OMA-TS-DM_StdObj 1.2 §5.3, §5.4): DevInfo
 * and DevDetail, plus the DMAcc and Ext roots the imports hang under. */
static int create_std_objects(dm_tree *t, const dm_devinfo *di)
{
	char dev_id[40];
	const struct { const char *uri, *format, *value; } std[] = {
		{ "./DevInfo", "node", NULL },
		{ "./DevInfo/DevId", "chr", di && di->dev_id ? di->dev_id : dev_id },
		{ "./DevInfo/Man", "chr", di && di->man ? di->man : "dmsc project" },
		{ "./DevInfo/Mod", "chr", di && di->mod ? di->mod : "dmsc-agent" },
		{ "./DevInfo/DmV", "chr", "1.2" },
		{ "./DevInfo/Lang", "chr", di && di->lang ? di->lang : "en" },
		{ "./DevDetail", "node", NULL },
		{ "./DevDetail/DevTyp", "chr", "pc" },
		{ "./DevDetail/OEM", "chr", "dmsc project" },
		{ "./DevDetail/FwV", "chr", "" },
		{ "./DevDetail/SwV", "chr", "0.1.0" },
		{ "./DevDetail/HwV", "chr", "" },
		{ "./DevDetail/LrgObj", "bool", "true" },
		{ "./DevDetail/URI", "node", NULL },
		{ "./DevDetail/URI/MaxDepth", "int", "0" },
		{ "./DevDetail/URI/MaxTotLen", "int", "1023" },
		{ "./DevDetail/URI/MaxSegLen", "int", "127" },
		{ "./DMAcc", "node", NULL },
		{ "./Ext", "node", NULL },
	};
	bool interior;
	int rc;

	if ((rc = node_exists(t, "./DevInfo", &interior)) != DM_E_NOT_FOUND)
		return rc;
	if ((!di || !di->dev_id) && (rc = default_dev_id(dev_id, sizeof(dev_id))) != DM_OK)
		return rc;
	if ((rc = upsert(t, ".", "node", "", "Get=*", NULL, true, NULL)) != DM_OK)
		return rc;
	for (size_t i = 0; i < DM_ARRAY_LEN(std); i++) {
		bool node = strcmp(std[i].format, "node") == 0;

		rc = upsert(t, std[i].uri, std[i].format, node ? "" : "text/plain", "",
			    std[i].value, node, NULL);
		if (rc != DM_OK)
			return rc;
	}
	return DM_OK;
}

int dm_tree_open(const char *path, const dm_devinfo *di, dm_tree **out)
{
	dm_tree *t;
	int rc;

	if (!path || !out)
		return DM_E_ARG;
	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return DM_E_NOMEM;
	if (sqlite3_open_v2(path, &t->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		rc = DM_E_IO;
		goto fail;
	}
	/* Another agent holding the write lock makes us wait, not fail. */
	sqlite3_busy_timeout(t->db, 10000);
	if ((rc = exec_sql(t, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			   " PRAGMA foreign_keys=ON;")) != DM_OK ||
	    (rc = dm_tree_begin(t)) != DM_OK)
		goto fail;
	rc = exec_sql(t, schema_sql);
	if (rc == DM_OK)
		rc = create_std_objects(t, di);
	if ((rc = tx_end(t, rc)) != DM_OK)
		goto fail;
	*out = t;
	return DM_OK;
fail:
	sqlite3_close(t->db);
	free(t);
	return rc;
}

/* mkdir -p for the state directory (each component 0700). */
static int make_dirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			*p = '/';
			return DM_E_IO;
		}
		*p = '/';
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return DM_E_IO;
	return DM_OK;
}

int dm_tree_open_default(const char *db_path, dm_tree **out)
{
	char dir[4096], file[4096 + 16];
	const char *env = getenv("DMSC_AGENT_DB");
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	int rc;

	if (db_path && *db_path)
		return dm_tree_open(db_path, NULL, out);
	if (env && *env)
		return dm_tree_open(env, NULL, out);
	if (state && *state == '/')
		rc = snprintf(dir, sizeof(dir), "%s/dmsc-agent", state);
	else if (home && *home == '/')
		rc = snprintf(dir, sizeof(dir), "%s/.local/state/dmsc-agent", home);
	else
		return DM_E_ARG;
	if (rc < 0 || (size_t)rc >= sizeof(dir))
		return DM_E_LENGTH;
	if ((rc = make_dirs(dir)) != DM_OK)
		return rc;
	snprintf(file, sizeof(file), "%s/tree.db", dir);
	return dm_tree_open(file, NULL, out);
}

void dm_tree_close(dm_tree **t)
{
	if (!t || !*t)
		return;
	while ((*t)->depth)
		dm_tree_rollback(*t);
	sqlite3_close((*t)->db);
	free(*t);
	*t = NULL;
}
