/*
 * alert.c - OMA DM 1.2 Generic Alert messages and the crash-safe outbox.
 *
 * The message is built with libxml2 (never by hand): SyncML DM 1.2
 * (OMA-TS-DM_RepPro V1_2 §6: SyncHdr with VerDTD 1.2 and VerProto DM/1.2),
 * one Alert with Data 1226 (OMA-TS-DM_Protocol V1_2 §8.7 Generic Alert) and
 * an Item carrying Source, Meta {Type, Format, Mark} (syncml:metinf
 * namespace) and Data.
 *
 * Durability: the file is complete before it has its final name (temporary
 * file, fsync, link) and the name is durable before we return (fsync of the
 * directory), so a crash leaves either no alert or the whole alert.
 */
#include "alert.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#define SYNCML_NS "SYNCML:SYNCML1.2"
#define METINF_NS "syncml:metinf"
#define GENERIC_ALERT "1226"
#define TMP_PREFIX ".tmp-"

static int add_text(xmlNodePtr parent, const char *name, const char *text, xmlNodePtr *out)
{
	xmlNodePtr n = xmlNewTextChild(parent, NULL, BAD_CAST name, BAD_CAST text);

	if (!n)
		return DM_E_NOMEM;
	if (out)
		*out = n;
	return DM_OK;
}

/* <Name><LocURI>uri</LocURI></Name> (Target, Source). */
static int add_locuri(xmlNodePtr parent, const char *name, const char *uri)
{
	xmlNodePtr n = xmlNewChild(parent, NULL, BAD_CAST name, NULL);

	if (!n)
		return DM_E_NOMEM;
	return add_text(n, "LocURI", uri, NULL);
}

/* A Meta child in the metinf namespace (DM 1.2 Meta Information §5). */
static int add_metinf(xmlNodePtr meta, const char *name, const char *text)
{
	xmlNodePtr n;
	int rc = add_text(meta, name, text, &n);

	if (rc)
		return rc;
	return xmlNewNs(n, BAD_CAST METINF_NS, NULL) ? DM_OK : DM_E_NOMEM;
}

static int build_doc(const dm_alert *a, xmlDocPtr doc)
{
	char num[24], sid[24];
	xmlNodePtr root, hdr, body, alert, item, meta;
	int rc;

	root = xmlNewNode(NULL, BAD_CAST "SyncML");
	if (!root || !xmlNewNs(root, BAD_CAST SYNCML_NS, NULL)) {
		xmlFreeNode(root);
		return DM_E_NOMEM;
	}
	xmlDocSetRootElement(doc, root);

	if (!(hdr = xmlNewChild(root, NULL, BAD_CAST "SyncHdr", NULL)))
		return DM_E_NOMEM;
	if (a->session_id) {
		snprintf(sid, sizeof(sid), "%.23s", a->session_id);
	} else {
		/* SessionID: up to 4 hex digits in practice [ours: time based]. */
		snprintf(sid, sizeof(sid), "%X", (unsigned)(time(NULL) & 0xFFFF));
	}
	snprintf(num, sizeof(num), "%u", a->msg_id ? a->msg_id : 1u);
	if ((rc = add_text(hdr, "VerDTD", "1.2", NULL)) ||
	    (rc = add_text(hdr, "VerProto", "DM/1.2", NULL)) ||
	    (rc = add_text(hdr, "SessionID", a->session_id ? a->session_id : sid, NULL)) ||
	    (rc = add_text(hdr, "MsgID", num, NULL)) ||
	    (rc = add_locuri(hdr, "Target", a->server_id)) ||
	    (rc = add_locuri(hdr, "Source", a->dev_id)))
		return rc;

	if (!(body = xmlNewChild(root, NULL, BAD_CAST "SyncBody", NULL)) ||
	    !(alert = xmlNewChild(body, NULL, BAD_CAST "Alert", NULL)))
		return DM_E_NOMEM;
	if ((rc = add_text(alert, "CmdID", "1", NULL)) ||
	    (rc = add_text(alert, "Data", GENERIC_ALERT, NULL)))
		return rc;
	if (!(item = xmlNewChild(alert, NULL, BAD_CAST "Item", NULL)))
		return DM_E_NOMEM;
	if (a->source_uri && (rc = add_locuri(item, "Source", a->source_uri)))
		return rc;
	if (!(meta = xmlNewChild(item, NULL, BAD_CAST "Meta", NULL)))
		return DM_E_NOMEM;
	if ((a->type && (rc = add_metinf(meta, "Type", a->type))) ||
	    (rc = add_metinf(meta, "Format", a->format ? a->format : "chr")) ||
	    (a->mark && (rc = add_metinf(meta, "Mark", a->mark))))
		return rc;
	if ((rc = add_text(item, "Data", a->data ? a->data : "", NULL)))
		return rc;
	/* Final: this message is the whole package (DM 1.2 RepPro §6.1.5). */
	if (!xmlNewChild(body, NULL, BAD_CAST "Final", NULL))
		return DM_E_NOMEM;
	return DM_OK;
}

int dm_alert_build(const dm_alert *a, dm_wbuf *out)
{
	xmlDocPtr doc;
	xmlChar *mem = NULL;
	int size = 0, rc;

	if (!a || !out || !a->server_id || !a->dev_id || !*a->server_id || !*a->dev_id)
		return DM_E_ARG;
	doc = xmlNewDoc(BAD_CAST "1.0");
	if (!doc)
		return DM_E_NOMEM;
	rc = build_doc(a, doc);
	if (!rc) {
		xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
		if (!mem || size <= 0)
			rc = DM_E_NOMEM;
		else if ((size_t)size + 1 > dm_wbuf_room(out))
			rc = DM_E_OVERFLOW;
		else {
			memcpy(out->ptr + out->len, mem, (size_t)size);
			out->len += (size_t)size;
			out->ptr[out->len] = 0;
		}
	}
	xmlFree(mem);
	xmlFreeDoc(doc);
	return rc;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return DM_E_IO;
		}
		p += w;
		n -= (size_t)w;
	}
	return DM_OK;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return DM_E_IO;
	rc = fsync(fd) ? DM_E_IO : DM_OK;
	close(fd);
	return rc;
}

/* mkdir -p: the default outbox is several levels below $HOME. */
static int ensure_dir(const char *dir)
{
	char path[4096];
	struct stat st;
	size_t n = strlen(dir);

	if (n >= sizeof(path))
		return DM_E_ARG;
	memcpy(path, dir, n + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0700) && errno != EEXIST)
			return DM_E_IO;
		*p = '/';
	}
	if (mkdir(dir, 0700) && errno != EEXIST)
		return DM_E_IO;
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return DM_E_IO;
	return DM_OK;
}

/* The alert bytes go to a temporary file that is durable before it gets a name. */
static int write_tmp(const char *outbox, const dm_wbuf *xml, char *tmp, size_t cap)
{
	int fd, rc;

	if ((size_t)snprintf(tmp, cap, "%s/" TMP_PREFIX "XXXXXX", outbox) >= cap)
		return DM_E_ARG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return DM_E_IO;
	rc = write_all(fd, xml->ptr, xml->len);
	if (!rc && fsync(fd))
		rc = DM_E_IO;
	if (close(fd) && !rc)
		rc = DM_E_IO;
	if (rc)
		unlink(tmp);
	return rc;
}

/* link() instead of rename(): an existing alert is never replaced. */
static int publish(const char *outbox, const char *tmp, char *final, size_t cap)
{
	static unsigned seq;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	for (unsigned tries = 0; tries < 1000; tries++) {
		if ((size_t)snprintf(final, cap, "%s/alert-%lld-%09ld-%ld-%u.xml", outbox,
				     (long long)ts.tv_sec, ts.tv_nsec, (long)getpid(), seq++) >= cap)
			return DM_E_ARG;
		if (!link(tmp, final))
			return DM_OK;
		if (errno != EEXIST)
			return DM_E_IO;
	}
	return DM_E_IO;
}

int dm_alert_post(const char *outbox, const dm_alert *a, char *name, size_t cap)
{
	enum { XML_MAX = 64 * 1024 };  /* an alert is small; Data beyond this is refused */
	dm_wbuf xml;
	char tmp[4096], final[4096];
	uint8_t *buf;
	int rc;

	if (!outbox || !*outbox || !a)
		return DM_E_ARG;
	if (!(buf = malloc(XML_MAX)))
		return DM_E_NOMEM;
	xml = dm_wbuf_init(buf, XML_MAX);
	rc = dm_alert_build(a, &xml);
	if (!rc)
		rc = ensure_dir(outbox);
	if (!rc)
		rc = write_tmp(outbox, &xml, tmp, sizeof(tmp));
	free(buf);
	if (rc)
		return rc;
	rc = publish(outbox, tmp, final, sizeof(final));
	/* The temporary goes either way; after a successful link the alert has its name. */
	unlink(tmp);
	if (!rc)
		rc = fsync_dir(outbox);
	if (!rc && name) {
		const char *base = strrchr(final, '/');

		if ((size_t)snprintf(name, cap, "%s", base ? base + 1 : final) >= cap)
			rc = DM_E_OVERFLOW;
	}
	return rc;
}

int dm_alert_outbox_clean(const char *outbox, unsigned *n)
{
	DIR *d;
	struct dirent *e;
	unsigned count = 0;
	int rc = DM_OK;
	char path[4096];

	if (!outbox)
		return DM_E_ARG;
	if (n)
		*n = 0;
	d = opendir(outbox);
	if (!d)
		return errno == ENOENT ? DM_OK : DM_E_IO;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, TMP_PREFIX, strlen(TMP_PREFIX)))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", outbox, e->d_name) >= sizeof(path) ||
		    unlink(path)) {
			rc = DM_E_IO;
			continue;
		}
		count++;
	}
	closedir(d);
	if (count && !rc)
		rc = fsync_dir(outbox);
	if (n)
		*n = count;
	return rc;
}
