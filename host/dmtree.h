/*
 * dmtree.h - the device's OMA DM tree, kept in an SQLite database.
 *
 * One row per node: URI, parent URI, name, Format, Type, ACL, Value,
 * interior/leaf, and provenance (the card ICCID and EF_INFO change counter
 * the node came from; NULL ICCID = device origin).  DevInfo (DevId, Man,
 * Mod, DmV, Lang) and DevDetail are created the first time a tree file is
 * opened (OMA DM 1.2 standard objects).
 *
 * Every import, removal or policy change is ONE database transaction
 * (issue 6, GEN-6): dm_tree_begin/commit/rollback nest (SQLite savepoints),
 * so a caller can wrap several operations into one atomic step.  The
 * single-call operations below (import, delete, remove_card) open their
 * own (nested) transaction: on failure they leave the tree unchanged.
 *
 * URIs are absolute, "./A/B" (the root is ".").  Errors are dm_err
 * (proto/dm_common.h): DM_E_NOT_FOUND (no such node), DM_E_VALUE (bad URI
 * or a node kind clash), DM_E_IO (database error), DM_E_NOMEM.
 * Strings in results are malloc'd and freed by dm_node_clear /
 * dm_node_list_clear / dm_dmacc_list_clear.
 */
#ifndef DM_HOST_DMTREE_H
#define DM_HOST_DMTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dm_common.h"

/* Longest URI and node name accepted anywhere in the agent. [ours] */
#define DM_URI_MAX 1024
#define DM_NAME_MAX 128

typedef struct dm_tree dm_tree;

/* One node.  format: "node" for interior nodes, else one of the TNDS
 * leaf formats (b64 bin bool chr int null xml date time float).  type:
 * DDFName for interior nodes, MIME type for leaves ("" when none).  acl:
 * "" inherits the parent's.  value: NULL for interior nodes. */
typedef struct dm_node {
	char *uri;
	char *name;
	char *format;
	char *type;
	char *acl;
	char *value;
	bool interior;
	char *iccid;       /* provenance; NULL = device origin */
	uint32_t counter;  /* EF_INFO change counter (tag 83) when iccid != NULL */
	int line;          /* TNDS source line (parser only; 0 otherwise) */
} dm_node;

/* A growable node list, in document / pre-order. */
typedef struct dm_node_list {
	dm_node *v;
	size_t n, cap;
} dm_node_list;

/* Where imported nodes come from (NULL pointer = device origin). */
typedef struct dm_prov {
	const char *iccid;   /* 20 hex digits of EF_ICCID, as the agent prints it */
	uint32_t counter;
} dm_prov;

/* One DM account found under ./DMAcc (OMA DM 1.2 DMAcc MO). */
typedef struct dm_dmacc {
	char *uri;        /* ./DMAcc/<x> */
	char *server_id;  /* value of ./DMAcc/<x>/ServerID */
	char *iccid;      /* provenance of the account node; NULL = device */
} dm_dmacc;

typedef struct dm_dmacc_list {
	dm_dmacc *v;
	size_t n, cap;
} dm_dmacc_list;

/* Device identity written at first use (NULL fields: defaults). */
typedef struct dm_devinfo {
	const char *dev_id;  /* default "dmsc:" + 16 random hex digits */
	const char *man;     /* default "dmsc project" */
	const char *mod;     /* default "dmsc-agent" */
	const char *lang;    /* default "en" */
} dm_devinfo;

/* Open (or create) the tree file at path; di may be NULL. */
int dm_tree_open(const char *path, const dm_devinfo *di, dm_tree **out);
/* The agent's tree: db_path, or when NULL $DMSC_AGENT_DB, else
 * $XDG_STATE_HOME/dmsc-agent/tree.db (default ~/.local/state/...), the
 * directory created (0700) when missing. */
int dm_tree_open_default(const char *db_path, dm_tree **out);
/* Close and NULL *t; an open transaction is rolled back. */
void dm_tree_close(dm_tree **t);

/* Nested transactions: the outermost begin takes the write lock
 * (BEGIN IMMEDIATE), so two agents never interleave. */
int dm_tree_begin(dm_tree *t);
int dm_tree_commit(dm_tree *t);
int dm_tree_rollback(dm_tree *t);

/* One node; out is cleared first (dm_node_clear it afterwards). */
int dm_tree_get(dm_tree *t, const char *uri, dm_node *out);
/* Insert or replace one node (uri, name derived from uri; format, type,
 * acl, value, interior from n).  The parent must exist and be interior,
 * unless create_parents: missing ancestors are then created as interior
 * device-origin nodes.  prov NULL = device origin. */
int dm_tree_set(dm_tree *t, const dm_node *n, const dm_prov *prov, bool create_parents);
/* Delete a node and its whole subtree.  The root "." cannot be deleted. */
int dm_tree_delete(dm_tree *t, const char *uri);
/* Children of uri, sorted by name. */
int dm_tree_children(dm_tree *t, const char *uri, dm_node_list *out);
/* uri and all its descendants in pre-order (parents before children,
 * siblings by name): what `tree show` prints and TNDS export writes. */
int dm_tree_subtree(dm_tree *t, const char *uri, dm_node_list *out);
/* Apply a validated TNDS node list (tnds.h) in ONE transaction: every
 * node upserted with provenance prov; missing ancestors created.  Refused
 * (DM_E_VALUE, nothing applied) for a node under ./DevInfo or ./DevDetail
 * (the device's identity is not the card's to change [ours]) or when a
 * leaf would replace an interior node that has children. */
int dm_tree_import(dm_tree *t, const dm_node_list *nodes, const dm_prov *prov);
/* Remove every node that came from card iccid, with its subtree, in one
 * transaction (DM 1.2 bootstrap rules: card removed or changed).
 * *removed (may be NULL) = number of nodes deleted. */
int dm_tree_remove_card(dm_tree *t, const char *iccid, size_t *removed);
/* DM accounts under ./DMAcc; server_id NULL = all, else only that one
 * (DM_E_NOT_FOUND if none). */
int dm_tree_find_dmacc(dm_tree *t, const char *server_id, dm_dmacc_list *out);

/* Remove every card-origin node whose ICCID is not keep (keep NULL: all
 * card-origin nodes), one transaction: a new card replaces the old one. */
int dm_tree_remove_other_cards(dm_tree *t, const char *keep, size_t *removed);

/* Agent metadata (key/value, same database, same transactions), e.g. the
 * last provisioned card: dm_tree_last_card / dm_tree_set_last_card use the
 * keys "card.iccid" and "card.counter".  *value malloc'd;
 * DM_E_NOT_FOUND when unset. */
int dm_tree_meta_get(dm_tree *t, const char *key, char **value);
int dm_tree_meta_set(dm_tree *t, const char *key, const char *value); /* NULL deletes */
int dm_tree_last_card(dm_tree *t, char **iccid, uint32_t *counter);
int dm_tree_set_last_card(dm_tree *t, const char *iccid, uint32_t counter);

void dm_node_clear(dm_node *n);
/* Append a deep copy of n. */
int dm_node_list_add(dm_node_list *l, const dm_node *n);
void dm_node_list_clear(dm_node_list *l);
void dm_dmacc_list_clear(dm_dmacc_list *l);

/* URI helpers: check the syntax of an absolute URI ("." or "./seg/seg",
 * segments non-empty, no "." / ".." segments, no trailing '/', length
 * < DM_URI_MAX). */
int dm_uri_check(const char *uri);

#endif
