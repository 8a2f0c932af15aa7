/*
 * tnds.h - OMA DM TNDS 1.2 (Tree and Description Serialization) import
 * and export with libxml2, and the TNDS validity rules.
 *
 * dm_tnds_parse reads a whole document, validates it FULLY and only then
 * returns the node list (absolute URIs, document order, continuation nodes
 * merged), so a caller applies nothing from a malformed document.  A
 * refusal names the line (xmlGetLineNo), the node path and the reason.
 *
 * Rules checked (OMA-TS-DM_TNDS 1.2; docs/agent.md):
 *   root MgmtTree; VerDTD 1.2; Path only on top-level Nodes; NodeName
 *   present and a valid segment; RTProperties with Format (b64 bin bool chr
 *   int node null xml date time float) and Type (DDFName or MIME); ACL
 *   grammar; Format/Value agreement; continuation nodes; no duplicate
 *   node; no DTD, no external entity, no network (XML_PARSE_NONET).
 */
#ifndef DM_HOST_TNDS_H
#define DM_HOST_TNDS_H

#include <stddef.h>
#include <stdint.h>

#include "dmtree.h"

/* Limits on documents from outside. [ours] */
#define DM_TNDS_MAX_DOC (4u * 1024 * 1024)
#define DM_TNDS_MAX_DEPTH 32
#define DM_TNDS_MAX_NODES 20000

/* Why a document was refused: line 0 = not tied to a line. */
typedef struct dm_tnds_error {
	int line;
	char path[DM_URI_MAX];
	char reason[256];
} dm_tnds_error;

/* Parse and validate; on success out holds the nodes (dm_node_list_clear).
 * On failure out is left empty, err (may be NULL) says why; DM_E_VALUE for
 * a TNDS rule, DM_E_TAG/DM_E_TRUNCATED for XML that is not well-formed,
 * DM_E_LENGTH for a document over DM_TNDS_MAX_DOC. */
int dm_tnds_parse(dm_bytes doc, dm_node_list *out, dm_tnds_error *err);

/* Serialize nodes (pre-order, as dm_tree_subtree returns them) as one TNDS
 * document: the first node becomes the top-level Node with a Path (its
 * parent URI).  *xml is malloc'd, NUL-terminated, *len without the NUL. */
int dm_tnds_export(const dm_node_list *nodes, char **xml, size_t *len);

/* Parse, validate and apply one TNDS document to the tree in ONE
 * transaction (dm_tree_import) with provenance prov (NULL = device).
 * Nothing is applied when parse or import fails; err as dm_tnds_parse. */
int dm_tnds_import(dm_tree *t, dm_bytes doc, const dm_prov *prov, dm_tnds_error *err);

/* Export the subtree at uri as TNDS (*xml malloc'd, as dm_tnds_export). */
int dm_tnds_export_tree(dm_tree *t, const char *uri, char **xml, size_t *len);

/* The single rules, for the agent's other users (policy, copy-mo). */
int dm_tnds_check_acl(const char *acl);                      /* "" is valid */
int dm_tnds_check_format(const char *format);                /* known name */
int dm_tnds_check_value(const char *format, const char *value); /* NULL = no Value */

/* "line 7, ./DMAcc/X/Port: reason" into buf. */
void dm_tnds_error_format(const dm_tnds_error *err, char *buf, size_t cap);

#endif
