/*
 * alert.h - OMA DM 1.2 Generic Alert (alert code 1226, OMA-TS-DM_Protocol
 * V1_2 §8.7) as SyncML DM XML, and the crash-safe outbox the agent writes
 * them to: one file per alert, never a half file, never lost once
 * dm_alert_post() returned DM_OK.
 *
 * Used for policy results and monitoring events (policy.c), package
 * approval decisions (approve.c) and provisioning results (provision.c).
 */
#ifndef DM_ALERT_H
#define DM_ALERT_H

#include <stddef.h>

#include "dm_common.h"

/* Meta Mark values (OMA DM 1.2 Meta Information §5.1.9: the alert's severity). */
#define DM_ALERT_MARK_FATAL "fatal"
#define DM_ALERT_MARK_CRITICAL "critical"
#define DM_ALERT_MARK_MAJOR "major"
#define DM_ALERT_MARK_MINOR "minor"
#define DM_ALERT_MARK_WARNING "warning"
#define DM_ALERT_MARK_INFO "informational"

/* Alert types [ours] (Meta Type is a reversed-domain string in DM 1.2). */
#define DM_ALERT_TYPE_POLICY "urn:x-dmsc:alert:policy:1.0"
#define DM_ALERT_TYPE_FORBIDDEN_USE "urn:x-dmsc:alert:forbidden-use:1.0"
#define DM_ALERT_TYPE_ADMIN_OP "urn:x-dmsc:alert:admin-operation:1.0"
#define DM_ALERT_TYPE_INSTALL "urn:x-dmsc:alert:package-install:1.0"
#define DM_ALERT_TYPE_PROVISION "urn:x-dmsc:alert:provisioning:1.0"
#define DM_ALERT_TYPE_COPY_MO "urn:x-dmsc:alert:copy-mo:1.0"

/*
 * One Generic Alert.  Strings are borrowed, UTF-8, NUL-terminated; NULL
 * optional fields are left out of the message (session_id NULL: one is
 * made from the time).  server_id and dev_id are required.
 */
typedef struct dm_alert {
	const char *server_id;  /* SyncHdr Target LocURI: the card DMAcc's ServerID (or Addr) */
	const char *dev_id;     /* SyncHdr Source LocURI: DevInfo/DevId */
	const char *session_id; /* SyncHdr SessionID */
	unsigned msg_id;        /* SyncHdr MsgID (0 -> 1) */
	const char *source_uri; /* Item Source LocURI: the node the alert is about */
	const char *type;       /* Item Meta Type (DM_ALERT_TYPE_*) */
	const char *format;     /* Item Meta Format (NULL -> "chr") */
	const char *mark;       /* Item Meta Mark (DM_ALERT_MARK_*) */
	const char *data;       /* Item Data (text, escaped by libxml2) */
} dm_alert;

/*
 * Serialize the alert as a SyncML DM 1.2 message (SyncML/SyncHdr/SyncBody/
 * Alert 1226/Final) into out (NUL-terminated).  DM_E_ARG for a missing
 * required field, DM_E_OVERFLOW if out is too small, DM_E_NOMEM.
 */
int dm_alert_build(const dm_alert *a, dm_wbuf *out);

/*
 * Write the alert into the outbox directory (created with its parents if
 * absent, mode 0700)
 * as one file "alert-<seconds>-<nanoseconds>-<pid>-<n>.xml": written to a
 * temporary file in the same directory, fsync'ed, linked to its final name
 * (never replacing another alert), the temporary removed, and the directory
 * fsync'ed.  The final name is copied to name (if not NULL, cap bytes).
 * DM_E_IO on any system error (nothing is left behind but, after a crash,
 * a ".tmp-" file that dm_alert_outbox_clean() removes).
 */
int dm_alert_post(const char *outbox, const dm_alert *a, char *name, size_t cap);

/* Remove temporary files a crash left in the outbox; count removed in *n (may be NULL). */
int dm_alert_outbox_clean(const char *outbox, unsigned *n);

#endif
