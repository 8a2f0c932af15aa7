/*
 * tnds.c - OMA DM TNDS 1.2 import and export with libxml2 (tnds.h).
 *
 * Parse: libxml2 builds the document (no network, no DTD, no entity
 * substitution); this file walks it once, checking every TNDS rule and
 * collecting the nodes with absolute URIs, and only then hands the list to
 * the caller.  Element names are compared without namespace (the demo
 * files use xmlns="syncml:dmddf1.2", others none).
 */
#include "tnds.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

/* Per-node parse state beside the dm_node list. */
typedef struct pnode {
	bool has_kids;
	bool continued;
} pnode;

typedef struct parser {
	dm_node_list *out;
	pnode *st;
	size_t st_cap;
	size_t *hash;   /* open addressing: index + 1 into out->v, 0 = empty */
	size_t hash_cap;
	dm_tnds_error *err;
} parser;

__attribute__((format(printf, 5, 6)))
static int fail(parser *p, const xmlNode *at, const char *path, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!p->err)
		return rc;
	p->err->line = at ? (int)xmlGetLineNo(at) : 0;
	if (p->err->line < 0)
		p->err->line = 0;
	snprintf(p->err->path, sizeof(p->err->path), "%s", path ? path : "");
	va_start(ap, fmt);
	vsnprintf(p->err->reason, sizeof(p->err->reason), fmt, ap);
	va_end(ap);
	return rc;
}

static bool is(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* Next element sibling, refusing non-blank text, comments pass. */
static int next_elem(parser *p, const xmlNode *n, const char *path, const xmlNode **out)
{
	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE) {
			*out = n;
			return DM_OK;
		}
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			if (!xmlIsBlankNode((xmlNode *)n))
				return fail(p, n, path, DM_E_VALUE, "text outside an element");
		} else if (n->type != XML_COMMENT_NODE && n->type != XML_PI_NODE) {
			return fail(p, n, path, DM_E_VALUE, "unexpected XML content");
		}
	}
	*out = NULL;
	return DM_OK;
}

/* The text of a leaf element (Value, NodeName, Path, ...): no markup inside.
 * *s malloc'd. */
static int text_of(parser *p, const xmlNode *e, const char *path, char **s)
{
	for (const xmlNode *c = e->children; c; c = c->next)
		if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE &&
		    c->type != XML_COMMENT_NODE)
			return fail(p, c, path, DM_E_VALUE, "<%s> holds markup", e->name);
	*s = (char *)xmlNodeGetContent(e);
	if (!*s) {
		*s = strdup("");
		if (!*s)
			return DM_E_NOMEM;
	}
	return DM_OK;
}

/* Own copy via malloc (xmlNodeGetContent uses xmlMalloc = malloc by
 * default, but do not rely on it). */
static int text_dup(parser *p, const xmlNode *e, const char *path, char **s)
{
	char *x = NULL;
	int rc = text_of(p, e, path, &x);

	if (rc != DM_OK)
		return rc;
	*s = strdup(x);
	xmlFree(x);
	return *s ? DM_OK : DM_E_NOMEM;
}

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ull & SIZE_MAX;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* Index of uri in out, or SIZE_MAX. */
static size_t find(parser *p, const char *uri)
{
	if (!p->hash_cap)
		return SIZE_MAX;
	for (size_t i = hash_str(uri) & (p->hash_cap - 1);; i = (i + 1) & (p->hash_cap - 1)) {
		size_t v = p->hash[i];

		if (!v)
			return SIZE_MAX;
		if (strcmp(p->out->v[v - 1].uri, uri) == 0)
			return v - 1;
	}
}

static int hash_insert(parser *p, size_t idx)
{
	if ((p->out->n + 1) * 2 > p->hash_cap) {
		size_t cap = p->hash_cap ? p->hash_cap * 2 : 64;
		size_t *h = calloc(cap, sizeof(*h));

		if (!h)
			return DM_E_NOMEM;
		free(p->hash);
		p->hash = h;
		p->hash_cap = cap;
		for (size_t k = 0; k < p->out->n; k++) {
			if (k == idx)
				continue;
			size_t i = hash_str(p->out->v[k].uri) & (cap - 1);

			while (h[i])
				i = (i + 1) & (cap - 1);
			h[i] = k + 1;
		}
	}
	size_t i = hash_str(p->out->v[idx].uri) & (p->hash_cap - 1);

	while (p->hash[i])
		i = (i + 1) & (p->hash_cap - 1);
	p->hash[i] = idx + 1;
	return DM_OK;
}

/* Append a node (taking ownership of n's strings). */
static int add_node(parser *p, dm_node *n, size_t *idx)
{
	dm_node_list *l = p->out;

	if (l->n >= DM_TNDS_MAX_NODES)
		return DM_E_LENGTH;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		dm_node *v = realloc(l->v, cap * sizeof(*v));
		pnode *s;

		if (!v)
			return DM_E_NOMEM;
		l->v = v;
		s = realloc(p->st, cap * sizeof(*s));
		if (!s)
			return DM_E_NOMEM;
		p->st = s;
		l->cap = cap;
	}
	l->v[l->n] = *n;
	p->st[l->n] = (pnode){ 0 };
	memset(n, 0, sizeof(*n));
	*idx = l->n++;
	return hash_insert(p, *idx);
}

/* RTProperties (TNDS 1.2 §5: ACL?, Format, Name?, Size?, Title?, TStamp?,
 * Type, VerNo?): Format mandatory; Type mandatory for leaves (MIME), for
 * interior nodes optional (DDFName). */
static int parse_props(parser *p, const xmlNode *rt, const char *path, dm_node *n)
{
	const xmlNode *e = NULL;
	bool have_type = false, mime = false;
	int rc;

	for (rc = next_elem(p, rt->children, path, &e); rc == DM_OK && e;
	     rc = next_elem(p, e->next, path, &e)) {
		if (is(e, "ACL")) {
			if (n->acl)
				return fail(p, e, path, DM_E_VALUE, "ACL given twice");
			if ((rc = text_dup(p, e, path, &n->acl)) != DM_OK)
				return rc;
			if (dm_tnds_check_acl(n->acl) != DM_OK)
				return fail(p, e, path, DM_E_VALUE,
					    "ACL \"%.100s\" breaks the grammar Cmd=server+server&...", n->acl);
		} else if (is(e, "Format")) {
			const xmlNode *f = NULL;
			const xmlNode *extra = NULL;

			if (n->format)
				return fail(p, e, path, DM_E_VALUE, "Format given twice");
			if ((rc = next_elem(p, e->children, path, &f)) != DM_OK)
				return rc;
			if (!f)
				return fail(p, e, path, DM_E_VALUE, "Format is empty");
			if ((rc = next_elem(p, f->next, path, &extra)) != DM_OK)
				return rc;
			if (extra || f->children)
				return fail(p, e, path, DM_E_VALUE, "Format must hold one empty element");
			if (dm_tnds_check_format((const char *)f->name) != DM_OK)
				return fail(p, f, path, DM_E_VALUE, "unknown Format <%.40s/>", f->name);
			n->format = strdup((const char *)f->name);
			if (!n->format)
				return DM_E_NOMEM;
		} else if (is(e, "Type")) {
			const xmlNode *t = NULL, *extra = NULL;

			if (have_type)
				return fail(p, e, path, DM_E_VALUE, "Type given twice");
			have_type = true;
			if ((rc = next_elem(p, e->children, path, &t)) != DM_OK)
				return rc;
			if (t && (rc = next_elem(p, t->next, path, &extra)) != DM_OK)
				return rc;
			if (!t || extra || (!is(t, "MIME") && !is(t, "DDFName")))
				return fail(p, e, path, DM_E_VALUE, "Type must hold one MIME or DDFName");
			if ((rc = text_dup(p, t, path, &n->type)) != DM_OK)
				return rc;
			mime = is(t, "MIME");
		} else if (is(e, "Name") || is(e, "Size") || is(e, "Title") || is(e, "TStamp") ||
			   is(e, "VerNo")) {
			continue;  /* informative run-time properties: not stored */
		} else {
			return fail(p, e, path, DM_E_VALUE, "unexpected <%.40s> in RTProperties", e->name);
		}
	}
	if (rc != DM_OK)
		return rc;
	if (!n->format)
		return fail(p, rt, path, DM_E_VALUE, "RTProperties without Format");
	if (strcmp(n->format, "node") != 0 && (!have_type || !mime || !n->type[0]))
		return fail(p, rt, path, DM_E_VALUE, "leaf node needs Type with a MIME type");
	return DM_OK;
}

static int parse_node(parser *p, const xmlNode *x, const char *parent, bool top, unsigned depth);

/* Children Node elements of x under uri. */
static int parse_kids(parser *p, const xmlNode *first, const char *uri, unsigned depth, bool *any)
{
	const xmlNode *e = NULL;
	int rc;

	for (rc = next_elem(p, first, uri, &e); rc == DM_OK && e; rc = next_elem(p, e->next, uri, &e)) {
		if (!is(e, "Node"))
			continue;  /* checked by the caller */
		*any = true;
		if ((rc = parse_node(p, e, uri, false, depth + 1)) != DM_OK)
			return rc;
	}
	return rc;
}

static int parse_node(parser *p, const xmlNode *x, const char *parent, bool top, unsigned depth)
{
	const xmlNode *e = NULL, *name_e = NULL, *path_e = NULL, *rt_e = NULL, *val_e = NULL;
	const xmlNode *first_kid = NULL, *bad_e = NULL;
	int bad_kind = 0;
	dm_node n = { 0 };
	char *name = NULL, *path = NULL;
	char uri[DM_URI_MAX];
	const char *base = parent;
	size_t idx, prev;
	bool kids = false;
	int rc;

	if (depth > DM_TNDS_MAX_DEPTH)
		return fail(p, x, parent, DM_E_VALUE, "nodes nested deeper than %d", DM_TNDS_MAX_DEPTH);
	/* Collect the parts; a structural error is reported once the node's
	 * URI is known (bad_e, bad_kind). */
	for (rc = next_elem(p, x->children, parent, &e); rc == DM_OK && e;
	     rc = next_elem(p, e->next, parent, &e)) {
		const xmlNode **slot = is(e, "NodeName") ? &name_e : is(e, "Path") ? &path_e :
				       is(e, "RTProperties") ? &rt_e : is(e, "Value") ? &val_e : NULL;

		if (is(e, "Node")) {
			if (!first_kid)
				first_kid = e;
			continue;
		}
		if (bad_e)
			continue;
		if (!slot)
			bad_e = e, bad_kind = 1;
		else if (*slot)
			bad_e = e, bad_kind = 2;
		else if (first_kid)
			bad_e = e, bad_kind = 3;
		else
			*slot = e;
	}
	if (rc != DM_OK)
		return rc;
	if (!name_e)
		return fail(p, bad_e ? bad_e : x, parent, DM_E_VALUE, "Node without NodeName");
	if ((rc = text_dup(p, name_e, parent, &name)) != DM_OK)
		goto out;
	if (path_e) {
		size_t len;

		if (!top) {
			rc = fail(p, path_e, parent, DM_E_VALUE, "Path on a nested Node (only top-level Nodes have one)");
			goto out;
		}
		if ((rc = text_dup(p, path_e, parent, &path)) != DM_OK)
			goto out;
		len = strlen(path);
		if (len > 2 && path[len - 1] == '/')
			path[len - 1] = '\0';
		if (dm_uri_check(path) != DM_OK) {
			rc = fail(p, path_e, path, DM_E_VALUE, "Path is not an absolute URI (./A/B)");
			goto out;
		}
		base = path;
	}
	if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strlen(name) >= DM_NAME_MAX) {
		rc = fail(p, name_e, base, DM_E_VALUE, "bad NodeName \"%.60s\"", name);
		goto out;
	}
	if (strlen(base) + 1 + strlen(name) >= DM_URI_MAX) {
		rc = fail(p, name_e, base, DM_E_VALUE, "URI longer than %d", DM_URI_MAX - 1);
		goto out;
	}
	{
		size_t bl = strlen(base), nl = strlen(name);

		memcpy(uri, base, bl);  /* lengths checked just above */
		uri[bl] = '/';
		memcpy(uri + bl + 1, name, nl + 1);
	}
	if (bad_e) {
		rc = fail(p, bad_e, uri, DM_E_VALUE, "%s<%.40s>%s",
			  bad_kind == 1 ? "unexpected " : "", bad_e->name,
			  bad_kind == 1 ? " in Node" : bad_kind == 2 ? " given twice" : " after child Nodes");
		goto out;
	}
	if (!rt_e) {
		rc = fail(p, x, uri, DM_E_VALUE, "Node without RTProperties");
		goto out;
	}
	if ((rc = parse_props(p, rt_e, uri, &n)) != DM_OK)
		goto out;
	n.line = (int)xmlGetLineNo(x);
	n.interior = strcmp(n.format, "node") == 0;
	if (val_e && (rc = text_dup(p, val_e, uri, &n.value)) != DM_OK)
		goto out;
	if (n.interior && n.value) {
		rc = fail(p, val_e, uri, DM_E_VALUE, "interior node (Format node) has a Value");
		goto out;
	}
	if (!n.interior && first_kid) {
		rc = fail(p, first_kid, uri, DM_E_VALUE, "leaf node (Format %s) has child Nodes", n.format);
		goto out;
	}
	if (dm_tnds_check_value(n.format, n.value) != DM_OK) {
		rc = fail(p, val_e, uri, DM_E_VALUE, "Value \"%.60s\" is not valid for Format %s",
			  n.value, n.format);
		goto out;
	}
	if (!n.acl && !(n.acl = strdup(""))) {
		rc = DM_E_NOMEM;
		goto out;
	}
	if (!n.type && !(n.type = strdup(""))) {
		rc = DM_E_NOMEM;
		goto out;
	}

	prev = find(p, uri);
	if (prev != SIZE_MAX) {
		dm_node *o = &p->out->v[prev];

		/* TNDS 1.2: a node with neither children nor Value is continued
		 * by a later top-level Node with a Path naming it. */
		if (!top || !path_e || p->st[prev].has_kids || o->value || p->st[prev].continued) {
			rc = fail(p, x, uri, DM_E_VALUE, "duplicate node (first at line %d)", o->line);
			goto out;
		}
		if (strcmp(o->format, n.format) != 0) {
			rc = fail(p, rt_e, uri, DM_E_VALUE, "continuation Format %s differs from %s",
				  n.format, o->format);
			goto out;
		}
		p->st[prev].continued = true;
		if (n.value) {
			o->value = n.value;
			n.value = NULL;
		}
		idx = prev;
	} else {
		if (!(n.uri = strdup(uri)) || !(n.name = strdup(name))) {
			rc = DM_E_NOMEM;
			goto out;
		}
		if ((rc = add_node(p, &n, &idx)) != DM_OK) {
			if (rc == DM_E_LENGTH)
				rc = fail(p, x, uri, DM_E_LENGTH, "more than %d nodes", DM_TNDS_MAX_NODES);
			goto out;
		}
	}
	if (first_kid) {
		rc = parse_kids(p, first_kid, uri, depth, &kids);
		if (kids)
			p->st[idx].has_kids = true;
	}
out:
	dm_node_clear(&n);
	free(name);
	free(path);
	return rc;
}

/* After the walk: a leaf that never got a Value is a continuation point
 * nobody continued. */
static int check_complete(parser *p)
{
	for (size_t i = 0; i < p->out->n; i++) {
		const dm_node *n = &p->out->v[i];

		if (!n->interior && !n->value && strcmp(n->format, "null") != 0) {
			if (p->err) {
				p->err->line = n->line;
				snprintf(p->err->path, sizeof(p->err->path), "%s", n->uri);
				snprintf(p->err->reason, sizeof(p->err->reason),
					 "leaf node without Value that no later top-level Node continues");
			}
			return DM_E_VALUE;
		}
	}
	return DM_OK;
}

static int parse_root(parser *p, const xmlNode *root)
{
	const xmlNode *e = NULL;
	bool ver = false;
	int rc;

	if (!is(root, "MgmtTree"))
		return fail(p, root, "", DM_E_VALUE, "root element <%.40s> is not MgmtTree",
			    root ? (const char *)root->name : "");
	for (rc = next_elem(p, root->children, ".", &e); rc == DM_OK && e;
	     rc = next_elem(p, e->next, ".", &e)) {
		if (is(e, "VerDTD")) {
			char *v = NULL;

			if (ver)
				return fail(p, e, ".", DM_E_VALUE, "VerDTD given twice");
			if ((rc = text_of(p, e, ".", &v)) != DM_OK)
				return rc;
			ver = strcmp(v, "1.2") == 0;
			if (!ver) {
				rc = fail(p, e, ".", DM_E_VALUE, "VerDTD \"%.20s\" is not 1.2", v);
				xmlFree(v);
				return rc;
			}
			xmlFree(v);
		} else if (is(e, "Man") || is(e, "Mod")) {
			continue;
		} else if (is(e, "Node")) {
			if (!ver)
				return fail(p, e, ".", DM_E_VALUE, "Node before VerDTD");
			if ((rc = parse_node(p, e, ".", true, 0)) != DM_OK)
				return rc;
		} else {
			return fail(p, e, ".", DM_E_VALUE, "unexpected <%.40s> in MgmtTree", e->name);
		}
	}
	if (rc != DM_OK)
		return rc;
	if (!ver)
		return fail(p, root, ".", DM_E_VALUE, "MgmtTree without VerDTD");
	return check_complete(p);
}

/* SAX hook: a DOCTYPE stops the parser at once, before any entity
 * declaration is read (no XXE, no entity expansion), and its line is kept
 * for the refusal. */
static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	xmlParserCtxtPtr c = ctx;
	int *line = c->_private;

	if (line && !*line)
		*line = xmlSAX2GetLineNumber(ctx) > 0 ? xmlSAX2GetLineNumber(ctx) : 1;
	xmlStopParser(c);
}

int dm_tnds_parse(dm_bytes doc, dm_node_list *out, dm_tnds_error *err)
{
	int doctype_line = 0;
	xmlParserCtxtPtr ctxt;
	xmlDocPtr x;
	parser p = { .out = out, .err = err };
	int rc;

	if (err)
		memset(err, 0, sizeof(*err));
	if (!out || (!doc.ptr && doc.len))
		return DM_E_ARG;
	memset(out, 0, sizeof(*out));
	if (doc.len > DM_TNDS_MAX_DOC)
		return fail(&p, NULL, "", DM_E_LENGTH, "document larger than %u bytes",
			    DM_TNDS_MAX_DOC);
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return DM_E_NOMEM;
	ctxt->_private = &doctype_line;
	ctxt->sax->internalSubset = on_doctype;
	/* No network, no DTD loading, no entity substitution, no output. */
	x = xmlCtxtReadMemory(ctxt, doc.len ? (const char *)doc.ptr : "", (int)doc.len,
			      "tnds.xml", NULL,
			      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doctype_line) {
		xmlFreeDoc(x);
		xmlFreeParserCtxt(ctxt);
		fail(&p, NULL, "", DM_E_VALUE, "DOCTYPE not allowed (no DTD, no entities)");
		if (err)
			err->line = doctype_line;
		return DM_E_VALUE;
	}
	if (!x) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		char msg[200];
		size_t n;

		snprintf(msg, sizeof(msg), "%s", e && e->message ? e->message : "not XML");
		n = strlen(msg);
		while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			msg[--n] = '\0';
		if (err) {
			err->line = e ? e->line : 0;
			snprintf(err->reason, sizeof(err->reason), "not well-formed XML: %s", msg);
		}
		xmlFreeParserCtxt(ctxt);
		return DM_E_TAG;
	}
	rc = parse_root(&p, xmlDocGetRootElement(x));
	xmlFreeDoc(x);
	xmlFreeParserCtxt(ctxt);
	free(p.hash);
	free(p.st);
	if (rc != DM_OK)
		dm_node_list_clear(out);
	return rc;
}

void dm_tnds_error_format(const dm_tnds_error *err, char *buf, size_t cap)
{
	if (!buf || !cap)
		return;
	if (!err) {
		snprintf(buf, cap, "unknown error");
		return;
	}
	snprintf(buf, cap, "line %d, %s: %s", err->line, err->path[0] ? err->path : "(document)",
		 err->reason);
}

/* ---- export ---- */

static xmlNodePtr add_elem(xmlNodePtr parent, const char *name, const char *text)
{
	return xmlNewTextChild(parent, NULL, (const xmlChar *)name, (const xmlChar *)text);
}

static int export_node(xmlNodePtr parent, const dm_node *n, const char *path, xmlNodePtr *out)
{
	xmlNodePtr x, rt, f, ty;

	if (!n->format || dm_tnds_check_format(n->format) != DM_OK)
		return DM_E_VALUE;
	if (!(x = add_elem(parent, "Node", NULL)) || !add_elem(x, "NodeName", n->name))
		return DM_E_NOMEM;
	if (path && !add_elem(x, "Path", path))
		return DM_E_NOMEM;
	if (!(rt = add_elem(x, "RTProperties", NULL)))
		return DM_E_NOMEM;
	if (n->acl && n->acl[0] && !add_elem(rt, "ACL", n->acl))
		return DM_E_NOMEM;
	if (!(f = add_elem(rt, "Format", NULL)) || !add_elem(f, n->format, NULL))
		return DM_E_NOMEM;
	if (!(ty = add_elem(rt, "Type", NULL)) ||
	    !add_elem(ty, n->interior ? "DDFName" : "MIME", n->type ? n->type : ""))
		return DM_E_NOMEM;
	if (!n->interior && n->value && !add_elem(x, "Value", n->value))
		return DM_E_NOMEM;
	*out = x;
	return DM_OK;
}

int dm_tnds_export(const dm_node_list *nodes, char **xml, size_t *len)
{
	xmlDocPtr doc;
	xmlNodePtr root;
	/* Open interior nodes of the current branch: uri -> element. */
	struct { const char *uri; xmlNodePtr x; } *stack = NULL;
	size_t depth = 0;
	xmlChar *mem = NULL;
	int size = 0, rc = DM_OK;

	if (!nodes || !xml || !len)
		return DM_E_ARG;
	*xml = NULL;
	*len = 0;
	doc = xmlNewDoc((const xmlChar *)"1.0");
	if (!doc)
		return DM_E_NOMEM;
	root = xmlNewNode(NULL, (const xmlChar *)"MgmtTree");
	if (!root || (xmlDocSetRootElement(doc, root), !add_elem(root, "VerDTD", "1.2"))) {
		rc = DM_E_NOMEM;
		goto out;
	}
	stack = calloc(nodes->n + 1, sizeof(*stack));
	if (!stack) {
		rc = DM_E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < nodes->n && rc == DM_OK; i++) {
		const dm_node *n = &nodes->v[i];
		char parent[DM_URI_MAX];
		const char *slash;
		xmlNodePtr x = NULL;

		if (dm_uri_check(n->uri) != DM_OK) {
			rc = DM_E_VALUE;
			break;
		}
		if (strcmp(n->uri, ".") == 0)
			continue;  /* the root itself: its children get Path "." */
		slash = strrchr(n->uri, '/');
		memcpy(parent, n->uri, (size_t)(slash - n->uri));
		parent[slash - n->uri] = '\0';
		/* Pre-order: the parent, if exported, is on the stack. */
		while (depth && strcmp(stack[depth - 1].uri, parent) != 0)
			depth--;
		if (depth)
			rc = export_node(stack[depth - 1].x, n, NULL, &x);
		else
			rc = export_node(root, n, parent, &x);
		if (rc == DM_OK && n->interior) {
			stack[depth].uri = n->uri;
			stack[depth].x = x;
			depth++;
		}
	}
	if (rc != DM_OK)
		goto out;
	xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
	if (!mem || size < 0) {
		rc = DM_E_NOMEM;
		goto out;
	}
	*xml = malloc((size_t)size + 1);
	if (!*xml) {
		rc = DM_E_NOMEM;
		goto out;
	}
	memcpy(*xml, mem, (size_t)size);
	(*xml)[size] = '\0';
	*len = (size_t)size;
out:
	xmlFree(mem);
	free(stack);
	xmlFreeDoc(doc);
	return rc;
}

int dm_tnds_import(dm_tree *t, dm_bytes doc, const dm_prov *prov, dm_tnds_error *err)
{
	dm_node_list nodes = { 0 };
	int rc;

	if (!t)
		return DM_E_ARG;
	if ((rc = dm_tnds_parse(doc, &nodes, err)) != DM_OK)
		return rc;
	rc = dm_tree_import(t, &nodes, prov);
	if (rc != DM_OK && err) {
		err->line = 0;
		snprintf(err->path, sizeof(err->path), "%s", "");
		snprintf(err->reason, sizeof(err->reason), "import refused: %s%s", dm_strerror(rc),
			 rc == DM_E_VALUE ? " (node under ./DevInfo or ./DevDetail, or a leaf "
					    "replacing an interior node with children)" : "");
	}
	dm_node_list_clear(&nodes);
	return rc;
}

int dm_tnds_export_tree(dm_tree *t, const char *uri, char **xml, size_t *len)
{
	dm_node_list nodes = { 0 };
	int rc;

	if ((rc = dm_tree_subtree(t, uri, &nodes)) != DM_OK)
		return rc;
	rc = dm_tnds_export(&nodes, xml, len);
	dm_node_list_clear(&nodes);
	return rc;
}
