/*
 * store.c - the card's persistent memory: an EEPROM-like image file changed
 * only through journaled transactions (card/store.h, docs/store.md).
 *
 * Image file (all integers big-endian, every area page-aligned):
 *   [superblock page][journal slot 0][journal slot 1][data area]
 * The superblock is written once, by dm_store_create(), and never again, so
 * no later power cut can tear it.
 *
 * The whole data area is kept in RAM (st->mem) and the file's data area
 * always holds the committed state.  A transaction writes into st->mem and
 * remembers the changed byte ranges (st->rng, the redo list); abort re-reads
 * those ranges from the file.  Commit of transaction number seq:
 *   1. write the ranges as one journal (header + records, CRC-32 over both)
 *      into slot seq % 2;
 *   2. fdatasync: the commit point, the journal is valid and durable;
 *   3. write the ranges into the data area (no sync: the next commit's sync
 *      makes it durable before the commit after it reuses this slot).
 * Open replays the newest valid journal, preceded by the other slot's when
 * that one is its direct predecessor (seq - 1).  Writing the same bytes
 * again is harmless, so recovery can itself be cut and simply runs again.
 * The model is Java Card's transaction (JCRE spec, "Atomicity and
 * Transactions"): all of a transaction's writes or none survive a tear.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tomcrypt.h>

#define STORE_PAGE 4096u           /* medium write unit, like an EEPROM page */
#define STORE_VERSION 1u
#define SB_LEN 64u                 /* used part of the superblock page */
#define SLOT_HDR_LEN 64u           /* journal slot header */
#define REC_HDR_LEN 8u             /* journal record: u32 offset, u32 length */
#define JOURNAL_MIN (64u * 1024u)  /* a 32 KiB file update plus metadata fits */
#define JOURNAL_MAX (4u * 1024u * 1024u)

static const uint8_t sb_magic[8] = { 'D', 'M', 'S', 'C', 'S', 'T', 'O', 'R' };
static const uint8_t slot_magic[4] = { 'D', 'M', 'J', 'R' };

/* The medium with its power-cut injector.  Every pwrite of at most one page
 * and every fdatasync / link is one "write operation". */
struct medium {
	int fd;
	bool sync;                 /* false in DM_STORE_RELAXED */
	unsigned long writes;
	unsigned long cut_after;   /* 0 = never */
	bool dead;                 /* power lost or the medium failed */
};

struct geometry {
	uint32_t capacity;
	uint32_t jcap;             /* journal payload bytes per transaction */
	uint32_t slot_size;
	uint64_t journal_off;      /* file offset of slot 0 */
	uint64_t data_off;
	uint64_t file_size;
};

/* A changed byte range of the open transaction. */
struct range {
	uint32_t off;
	uint32_t len;
};

struct dm_store {
	struct medium m;
	struct geometry g;
	uint8_t *mem;              /* committed state + the open transaction's writes */
	uint8_t *jbuf;             /* one journal slot, built at commit, read at open */
	uint64_t next_seq;
	bool in_txn;
	struct range *rng;         /* sorted, disjoint, never touching */
	size_t nrng;
	size_t rng_cap;
	size_t jused;              /* journal payload the open transaction needs */
};

/* Transfer all n bytes at off: pwrite from wp, or pread into rp.  EINTR is
 * retried; a short transfer (end of file, full disk) is DM_E_IO. */
static int io_all(int fd, const uint8_t *wp, uint8_t *rp, size_t n, uint64_t off)
{
	size_t done = 0;
	while (done < n) {
		off_t at = (off_t)(off + done);
		ssize_t r = wp != NULL ? pwrite(fd, wp + done, n - done, at)
				       : pread(fd, rp + done, n - done, at);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return DM_E_IO;
		done += (size_t)r;
	}
	return DM_OK;
}

static int pwrite_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
	return io_all(fd, p, NULL, n, off);
}

static int pread_all(int fd, uint8_t *p, size_t n, uint64_t off)
{
	return io_all(fd, NULL, p, n, off);
}

/* Admit one non-pwrite write operation (sync, link): DM_E_IO once power is
 * lost.  The caller counts it with m->writes++ after it succeeded. */
static int medium_gate(struct medium *m)
{
	if (m->dead)
		return DM_E_IO;
	if (m->cut_after != 0 && m->writes >= m->cut_after) {
		m->dead = true;
		return DM_E_IO;
	}
	return DM_OK;
}

/*
 * Write n bytes at file offset off, one page-bounded piece per operation.
 * The piece that meets the injected power cut is torn: only its first half
 * reaches the file, as on a real medium that loses power mid-write.
 */
static int medium_write(struct medium *m, const uint8_t *p, size_t n, uint64_t off)
{
	while (n > 0) {
		size_t piece = STORE_PAGE - (size_t)(off % STORE_PAGE);
		if (piece > n)
			piece = n;
		if (m->dead)
			return DM_E_IO;
		if (m->cut_after != 0 && m->writes >= m->cut_after) {
			(void)pwrite_all(m->fd, p, piece / 2, off);
			m->dead = true;
			return DM_E_IO;
		}
		if (pwrite_all(m->fd, p, piece, off) != DM_OK) {
			m->dead = true;
			return DM_E_IO;
		}
		m->writes++;
		p += piece;
		n -= piece;
		off += piece;
	}
	return DM_OK;
}

/*
 * Ordering point.  A failed fdatasync kills the store: Linux may already
 * have dropped the dirty pages, so retrying could report a lost write as
 * durable.  Relaxed mode skips it (not a write operation then).
 */
static int medium_sync(struct medium *m)
{
	if (!m->sync)
		return m->dead ? DM_E_IO : DM_OK;
	int rc = medium_gate(m);
	if (rc != DM_OK)
		return rc;
	if (fdatasync(m->fd) != 0) {
		m->dead = true;
		return DM_E_IO;
	}
	m->writes++;
	return DM_OK;
}

static void crc32_of(const uint8_t *p, size_t n, uint8_t out[4])
{
	crc32_state c;
	crc32_init(&c);
	crc32_update(&c, p, (unsigned long)n);
	crc32_finish(&c, out, 4);
}

static uint64_t round_up_page(uint64_t n)
{
	return (n + STORE_PAGE - 1) / STORE_PAGE * STORE_PAGE;
}

/* Default journal: a quarter of the capacity, at least 64 KiB, at most 4 MiB. */
static uint32_t default_jcap(uint32_t capacity)
{
	uint32_t j = capacity / 4;
	if (j < JOURNAL_MIN)
		j = JOURNAL_MIN;
	if (j > JOURNAL_MAX)
		j = JOURNAL_MAX;
	return j;
}

static void geometry_for(uint32_t capacity, uint32_t jcap, struct geometry *g)
{
	g->capacity = capacity;
	g->jcap = jcap;
	g->slot_size = (uint32_t)round_up_page((uint64_t)SLOT_HDR_LEN + jcap);
	g->journal_off = STORE_PAGE;
	g->data_off = g->journal_off + 2 * (uint64_t)g->slot_size;
	g->file_size = g->data_off + capacity;
}

static void sb_encode(const struct geometry *g, uint8_t sb[SB_LEN])
{
	memset(sb, 0, SB_LEN);
	memcpy(sb, sb_magic, sizeof sb_magic);
	dm_put_u32be(sb + 8, STORE_VERSION);
	dm_put_u32be(sb + 12, STORE_PAGE);
	dm_put_u32be(sb + 16, g->capacity);
	dm_put_u32be(sb + 20, g->jcap);
	dm_put_u32be(sb + 24, g->slot_size);
	dm_put_u32be(sb + 28, (uint32_t)g->journal_off);
	dm_put_u32be(sb + 32, (uint32_t)g->data_off);
	crc32_of(sb, SB_LEN - 4, sb + SB_LEN - 4);
}

/* Every field is checked against the geometry it implies, so a superblock
 * that passes cannot send any offset outside the file. */
static int sb_decode(const uint8_t sb[SB_LEN], struct geometry *g)
{
	uint8_t crc[4];
	if (memcmp(sb, sb_magic, sizeof sb_magic) != 0)
		return DM_E_CORRUPT;
	crc32_of(sb, SB_LEN - 4, crc);
	if (memcmp(crc, sb + SB_LEN - 4, 4) != 0)
		return DM_E_CORRUPT;
	if (dm_get_u32be(sb + 8) != STORE_VERSION)
		return DM_E_UNSUPPORTED;
	uint32_t capacity = dm_get_u32be(sb + 16), jcap = dm_get_u32be(sb + 20);
	if (dm_get_u32be(sb + 12) != STORE_PAGE || capacity == 0 ||
	    capacity > DM_STORE_MAX_CAPACITY || jcap <= REC_HDR_LEN || jcap > JOURNAL_MAX)
		return DM_E_CORRUPT;
	geometry_for(capacity, jcap, g);
	if (dm_get_u32be(sb + 24) != g->slot_size ||
	    dm_get_u32be(sb + 28) != g->journal_off ||
	    dm_get_u32be(sb + 32) != g->data_off)
		return DM_E_CORRUPT;
	for (size_t i = 36; i < SB_LEN - 4; i++)
		if (sb[i] != 0)
			return DM_E_CORRUPT;
	return DM_OK;
}

static int opts_check(const dm_store_opts *opts, struct medium *m)
{
	m->sync = true;
	m->cut_after = 0;
	if (opts == NULL)
		return DM_OK;
	if ((opts->flags & ~(uint32_t)DM_STORE_RELAXED) != 0)
		return DM_E_ARG;
	m->sync = !(opts->flags & DM_STORE_RELAXED);
	m->cut_after = opts->cut_after_writes;
	return DM_OK;
}

/* fsync the directory holding path, so that a new name in it is durable. */
static int sync_parent_dir(struct medium *m, const char *path)
{
	if (!m->sync)
		return DM_OK;
	char *copy = strdup(path);
	if (copy == NULL)
		return DM_E_NOMEM;
	int rc = medium_gate(m);
	if (rc == DM_OK) {
		int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || fsync(dfd) != 0)
			rc = DM_E_IO;
		else
			m->writes++;
		if (dfd >= 0)
			close(dfd);
	}
	free(copy);
	return rc;
}

/*
 * The image is built under a temporary name and published with link(),
 * which fails if path exists: a cut during create leaves either no image or
 * a complete one (and possibly an orphan path.XXXXXX).
 */
int dm_store_create(const char *path, uint32_t capacity, const dm_store_opts *opts)
{
	struct medium m = { .fd = -1 };
	struct geometry g;
	struct stat st;
	uint8_t sb[SB_LEN];
	char *tmp = NULL;
	int rc;

	if (path == NULL || *path == '\0')
		return DM_E_ARG;
	rc = opts_check(opts, &m);
	if (rc != DM_OK)
		return rc;
	if (capacity == 0 || capacity > DM_STORE_MAX_CAPACITY)
		return DM_E_VALUE;
	if (lstat(path, &st) == 0)
		return DM_E_STATE;
	if (errno != ENOENT)
		return DM_E_IO;

	geometry_for(capacity, default_jcap(capacity), &g);
	size_t plen = strlen(path);
	tmp = malloc(plen + sizeof ".XXXXXX");
	if (tmp == NULL)
		return DM_E_NOMEM;
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".XXXXXX", sizeof ".XXXXXX");
	m.fd = mkstemp(tmp);   /* mode 0600: the image holds keys */
	if (m.fd < 0) {
		free(tmp);
		return DM_E_IO;
	}
	(void)fcntl(m.fd, F_SETFD, FD_CLOEXEC);
	/* The data area and both journal slots start as zeros (a hole). */
	if (ftruncate(m.fd, (off_t)g.file_size) != 0) {
		rc = DM_E_IO;
		goto fail;
	}
	sb_encode(&g, sb);
	rc = medium_write(&m, sb, sizeof sb, 0);
	if (rc == DM_OK)
		rc = medium_sync(&m);
	if (rc == DM_OK)
		rc = medium_gate(&m);
	if (rc != DM_OK)
		goto fail;
	if (link(tmp, path) != 0) {
		rc = errno == EEXIST ? DM_E_STATE : DM_E_IO;
		goto fail;
	}
	m.writes++;
	(void)unlink(tmp);
	rc = sync_parent_dir(&m, path);
	close(m.fd);
	free(tmp);
	return rc;

fail:
	/* After an injected power cut the process is "dead": it cleans nothing. */
	if (!m.dead)
		(void)unlink(tmp);
	close(m.fd);
	free(tmp);
	return rc;
}

/*
 * Load journal slot idx into jbuf and validate it.  *seq = 0 when the slot
 * is empty or torn (a cut during its write: header or payload CRC fails);
 * DM_E_CORRUPT when it passes its CRCs but describes impossible records.
 */
static int slot_load(dm_store *st, unsigned idx, uint64_t *seq)
{
	const struct geometry *g = &st->g;
	uint64_t off = g->journal_off + (uint64_t)idx * g->slot_size;
	uint8_t *h = st->jbuf, crc[4];
	int rc;

	*seq = 0;
	rc = pread_all(st->m.fd, h, SLOT_HDR_LEN, off);
	if (rc != DM_OK)
		return rc;
	if (memcmp(h, slot_magic, sizeof slot_magic) != 0)
		return DM_OK;
	crc32_of(h, SLOT_HDR_LEN - 4, crc);
	if (memcmp(crc, h + SLOT_HDR_LEN - 4, 4) != 0)
		return DM_OK;

	uint64_t s = ((uint64_t)dm_get_u32be(h + 8) << 32) | dm_get_u32be(h + 12);
	uint32_t plen = dm_get_u32be(h + 16), count = dm_get_u32be(h + 20);
	if (dm_get_u32be(h + 4) != STORE_VERSION || s == 0 || s % 2 != idx ||
	    plen <= REC_HDR_LEN || plen > g->jcap || count == 0)
		return DM_E_CORRUPT;
	rc = pread_all(st->m.fd, h + SLOT_HDR_LEN, plen, off + SLOT_HDR_LEN);
	if (rc != DM_OK)
		return rc;
	crc32_of(h + SLOT_HDR_LEN, plen, crc);
	if (memcmp(crc, h + 24, 4) != 0)
		return DM_OK;

	/* The CRCs passed: every record must lie inside payload and capacity. */
	const uint8_t *p = h + SLOT_HDR_LEN;
	size_t left = plen;
	for (uint32_t i = 0; i < count; i++) {
		if (left < REC_HDR_LEN)
			return DM_E_CORRUPT;
		uint32_t roff = dm_get_u32be(p), rlen = dm_get_u32be(p + 4);
		if (rlen == 0 || rlen > left - REC_HDR_LEN ||
		    (uint64_t)roff + rlen > g->capacity)
			return DM_E_CORRUPT;
		p += REC_HDR_LEN + rlen;
		left -= REC_HDR_LEN + rlen;
	}
	if (left != 0)
		return DM_E_CORRUPT;
	*seq = s;
	return DM_OK;
}

/* Apply the journal in jbuf (validated by slot_load).  Ranges that already
 * hold the journal's bytes are not rewritten, so a clean open writes nothing. */
static int slot_replay(dm_store *st)
{
	const uint8_t *h = st->jbuf, *p = h + SLOT_HDR_LEN;
	uint32_t count = dm_get_u32be(h + 20);

	for (uint32_t i = 0; i < count; i++) {
		uint32_t off = dm_get_u32be(p), len = dm_get_u32be(p + 4);
		p += REC_HDR_LEN;
		if (memcmp(st->mem + off, p, len) != 0) {
			memcpy(st->mem + off, p, len);
			int rc = medium_write(&st->m, p, len, st->g.data_off + off);
			if (rc != DM_OK)
				return rc;
		}
		p += len;
	}
	return DM_OK;
}

static int recover(dm_store *st)
{
	uint64_t seq[2], s;
	int rc;

	for (unsigned i = 0; i < 2; i++) {
		rc = slot_load(st, i, &seq[i]);
		if (rc != DM_OK)
			return rc;
	}
	if (seq[0] == 0 && seq[1] == 0) {
		st->next_seq = 1;
		return DM_OK;
	}
	unsigned newest = seq[1] > seq[0];
	/* Seq n-1's data writes may be incomplete on the medium only while seq
	 * n's sync has not finished; older slots are never replayed (later
	 * transactions may have changed the same bytes). */
	if (seq[!newest] != 0 && seq[!newest] + 1 == seq[newest]) {
		rc = slot_load(st, !newest, &s);
		if (rc == DM_OK)
			rc = slot_replay(st);
		if (rc != DM_OK)
			return rc;
	}
	rc = slot_load(st, newest, &s);
	if (rc == DM_OK)
		rc = slot_replay(st);
	/* Make what this open observed durable before a new journal can
	 * overwrite a slot whose data writes it relies on. */
	if (rc == DM_OK)
		rc = medium_sync(&st->m);
	st->next_seq = seq[newest] + 1;
	return rc;
}

static void store_free(dm_store *st)
{
	if (st->mem != NULL) {
		dm_wipe(st->mem, st->g.capacity);   /* keys live here */
		free(st->mem);
	}
	if (st->jbuf != NULL) {
		dm_wipe(st->jbuf, st->g.slot_size);
		free(st->jbuf);
	}
	free(st->rng);
	if (st->m.fd >= 0)
		close(st->m.fd);
	free(st);
}

int dm_store_open(const char *path, const dm_store_opts *opts, dm_store **out)
{
	dm_store *st;
	struct stat sbuf;
	uint8_t sb[SB_LEN];
	int rc;

	if (out == NULL)
		return DM_E_ARG;
	*out = NULL;
	if (path == NULL)
		return DM_E_ARG;
	st = calloc(1, sizeof *st);
	if (st == NULL)
		return DM_E_NOMEM;
	rc = opts_check(opts, &st->m);
	if (rc != DM_OK) {
		st->m.fd = -1;
		goto fail;
	}
	st->m.fd = open(path, O_RDWR | O_CLOEXEC);
	if (st->m.fd < 0) {
		rc = errno == ENOENT ? DM_E_NOT_FOUND : DM_E_IO;
		goto fail;
	}
	/* One card process per image: two writers would interleave journals. */
	if (flock(st->m.fd, LOCK_EX | LOCK_NB) != 0) {
		rc = errno == EWOULDBLOCK ? DM_E_STATE : DM_E_IO;
		goto fail;
	}
	if (fstat(st->m.fd, &sbuf) != 0) {
		rc = DM_E_IO;
		goto fail;
	}
	if (!S_ISREG(sbuf.st_mode) || sbuf.st_size < (off_t)STORE_PAGE) {
		rc = DM_E_CORRUPT;
		goto fail;
	}
	rc = pread_all(st->m.fd, sb, sizeof sb, 0);
	if (rc == DM_OK)
		rc = sb_decode(sb, &st->g);
	if (rc != DM_OK)
		goto fail;
	if ((uint64_t)sbuf.st_size != st->g.file_size) {
		rc = DM_E_CORRUPT;
		goto fail;
	}
	st->mem = malloc(st->g.capacity);
	st->jbuf = malloc(st->g.slot_size);
	if (st->mem == NULL || st->jbuf == NULL) {
		rc = DM_E_NOMEM;
		goto fail;
	}
	rc = pread_all(st->m.fd, st->mem, st->g.capacity, st->g.data_off);
	if (rc == DM_OK)
		rc = recover(st);
	if (rc != DM_OK)
		goto fail;
	*out = st;
	return DM_OK;

fail:
	store_free(st);
	return rc;
}

void dm_store_close(dm_store **s)
{
	if (s == NULL || *s == NULL)
		return;
	/* An open transaction is discarded with the RAM copy. */
	store_free(*s);
	*s = NULL;
}

uint32_t dm_store_capacity(const dm_store *s)
{
	return s != NULL ? s->g.capacity : 0;
}

bool dm_store_in_transaction(const dm_store *s)
{
	return s != NULL && s->in_txn;
}

unsigned long dm_store_medium_writes(const dm_store *s)
{
	return s != NULL ? s->m.writes : 0;
}

size_t dm_store_journal_capacity(const dm_store *s)
{
	return s != NULL ? s->g.jcap : 0;
}

static void txn_end(dm_store *s)
{
	s->nrng = 0;
	s->jused = 0;
	s->in_txn = false;
}

/* The store is usable and a transaction is open (in_txn) or not. */
static int txn_check(const dm_store *s, bool in_txn)
{
	if (s == NULL)
		return DM_E_ARG;
	if (s->m.dead)
		return DM_E_IO;
	return s->in_txn == in_txn ? DM_OK : DM_E_STATE;
}

int dm_store_begin(dm_store *s)
{
	int rc = txn_check(s, false);
	if (rc != DM_OK)
		return rc;
	txn_end(s);
	s->in_txn = true;
	return DM_OK;
}

int dm_store_abort(dm_store *s)
{
	int rc = txn_check(s, true);
	if (rc != DM_OK)
		return rc;
	/* The file's data area is the committed state. */
	for (size_t i = 0; i < s->nrng; i++) {
		const struct range *r = &s->rng[i];
		if (pread_all(s->m.fd, s->mem + r->off, r->len, s->g.data_off + r->off) != DM_OK) {
			s->m.dead = true;
			return DM_E_IO;
		}
	}
	txn_end(s);
	return DM_OK;
}

int dm_store_commit(dm_store *s)
{
	const struct geometry *g;
	int rc = txn_check(s, true);

	if (rc != DM_OK)
		return rc;
	if (s->nrng == 0) {
		txn_end(s);
		return DM_OK;
	}
	g = &s->g;

	/* 1. Journal: header + records, in slot seq % 2. */
	uint8_t *h = s->jbuf, *p = h + SLOT_HDR_LEN;
	for (size_t i = 0; i < s->nrng; i++) {
		const struct range *r = &s->rng[i];
		dm_put_u32be(p, r->off);
		dm_put_u32be(p + 4, r->len);
		memcpy(p + REC_HDR_LEN, s->mem + r->off, r->len);
		p += REC_HDR_LEN + r->len;
	}
	memset(h, 0, SLOT_HDR_LEN);
	memcpy(h, slot_magic, sizeof slot_magic);
	dm_put_u32be(h + 4, STORE_VERSION);
	dm_put_u32be(h + 8, (uint32_t)(s->next_seq >> 32));
	dm_put_u32be(h + 12, (uint32_t)s->next_seq);
	dm_put_u32be(h + 16, (uint32_t)s->jused);
	dm_put_u32be(h + 20, (uint32_t)s->nrng);
	crc32_of(h + SLOT_HDR_LEN, s->jused, h + 24);
	crc32_of(h, SLOT_HDR_LEN - 4, h + SLOT_HDR_LEN - 4);
	uint64_t slot_off = g->journal_off + (s->next_seq % 2) * (uint64_t)g->slot_size;
	rc = medium_write(&s->m, h, SLOT_HDR_LEN + s->jused, slot_off);
	/* 2. Commit point. */
	if (rc == DM_OK)
		rc = medium_sync(&s->m);
	/* 3. Data area; made durable by the next commit's (or open's) sync. */
	for (size_t i = 0; rc == DM_OK && i < s->nrng; i++) {
		const struct range *r = &s->rng[i];
		rc = medium_write(&s->m, s->mem + r->off, r->len, g->data_off + r->off);
	}
	if (rc != DM_OK)
		return rc;   /* the medium is dead: reopen recovers */
	s->next_seq++;
	txn_end(s);
	return DM_OK;
}

static int check_range(const dm_store *s, uint32_t off, size_t n)
{
	if ((uint64_t)off > s->g.capacity || n > s->g.capacity - (uint64_t)off)
		return DM_E_VALUE;
	return DM_OK;
}

int dm_store_read(dm_store *s, uint32_t off, void *buf, size_t n)
{
	if (s == NULL || (buf == NULL && n != 0))
		return DM_E_ARG;
	if (s->m.dead)
		return DM_E_IO;
	int rc = check_range(s, off, n);
	if (rc == DM_OK && n != 0)
		memcpy(buf, s->mem + off, n);
	return rc;
}

int dm_store_view(dm_store *s, uint32_t off, size_t n, const uint8_t **view)
{
	if (s == NULL || view == NULL)
		return DM_E_ARG;
	if (s->m.dead)
		return DM_E_IO;
	int rc = check_range(s, off, n);
	if (rc == DM_OK)
		*view = s->mem + off;
	return rc;
}

/*
 * Record [a, b) as changed: merge it with every range it overlaps or
 * touches.  The journal needs REC_HDR_LEN + len per range; DM_E_NOMEM (and
 * nothing recorded) when that would exceed the journal.
 */
static int range_add(dm_store *s, uint32_t a, uint32_t b)
{
	size_t lo = 0, hi = s->nrng;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->rng[mid].off + s->rng[mid].len < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	uint32_t na = a, nb = b;
	size_t j = lo, merged = 0;
	for (; j < s->nrng && s->rng[j].off <= b; j++) {
		const struct range *r = &s->rng[j];
		if (r->off < na)
			na = r->off;
		if (r->off + r->len > nb)
			nb = r->off + r->len;
		merged += REC_HDR_LEN + r->len;
	}
	size_t need = s->jused - merged + REC_HDR_LEN + (nb - na);
	if (need > s->g.jcap)
		return DM_E_NOMEM;
	if (j == lo) {
		if (s->nrng == s->rng_cap) {
			size_t ncap = s->rng_cap ? 2 * s->rng_cap : 16;
			struct range *nr = realloc(s->rng, ncap * sizeof *nr);
			if (nr == NULL)
				return DM_E_NOMEM;
			s->rng = nr;
			s->rng_cap = ncap;
		}
		memmove(s->rng + lo + 1, s->rng + lo, (s->nrng - lo) * sizeof *s->rng);
		s->nrng++;
	} else if (j - lo > 1) {
		memmove(s->rng + lo + 1, s->rng + j, (s->nrng - j) * sizeof *s->rng);
		s->nrng -= j - lo - 1;
	}
	s->rng[lo].off = na;
	s->rng[lo].len = nb - na;
	s->jused = need;
	return DM_OK;
}

int dm_store_write(dm_store *s, uint32_t off, const void *buf, size_t n)
{
	if (buf == NULL && n != 0)
		return DM_E_ARG;
	int rc = txn_check(s, true);
	if (rc == DM_OK)
		rc = check_range(s, off, n);
	if (rc != DM_OK || n == 0)
		return rc;
	rc = range_add(s, off, (uint32_t)(off + n));
	if (rc == DM_OK)
		memmove(s->mem + off, buf, n);   /* buf may be a view of mem */
	return rc;
}
