/*
 * vpcd.c - the card side of vsmartcard's vpcd link (docs/reader-stack.md).
 *
 * Wire format, both ways: 2-byte big-endian length, then that many bytes.
 * A 1-byte message from vpcd is a control code; anything longer is a C-APDU
 * answered by exactly one framed R-APDU.
 *
 * The latency trap: vpcd writes with Nagle on and waits for our ACK, so a
 * card that lets the kernel delay its ACKs pays ~40 ms per APDU.  We set
 * TCP_NODELAY once and re-arm TCP_QUICKACK after EVERY recv() (the kernel
 * drops back to delayed ACKs on its own), and send each reply as one write.
 */
#include "vpcd.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sw.h"

/* How long one blocking wait lasts before *stop_flag is looked at again. */
#define POLL_SLICE_MS 100
#define CONNECT_TIMEOUT_MS 3000
#define SEND_TIMEOUT_S 5
#define BACKOFF_FIRST_MS 50
#define BACKOFF_MAX_MS 1000
/* ISO 7816-3 §8.2.1: TS and T0 at least, 33 bytes at most. */
#define ATR_MIN 2u
#define ATR_MAX 33u

int dm_vpcd_frame_next(const uint8_t *buf, size_t len, dm_bytes *msg, size_t *consumed)
{
	if ((buf == NULL && len != 0) || msg == NULL || consumed == NULL)
		return DM_E_ARG;
	if (len < 2)
		return 0;
	size_t body = dm_get_u16be(buf);
	if (len - 2 < body)
		return 0;
	*msg = dm_bytes_of(buf + 2, body);
	*consumed = 2 + body;
	return 1;
}

/* Append the length prefix + body of a reply already written at out->ptr + out->len + 2. */
static void frame_close(dm_wbuf *out, size_t body)
{
	dm_put_u16be(out->ptr + out->len, (uint16_t)body);
	out->len += 2 + body;
}

static int answer_atr(const dm_vpcd_card_ops *ops, void *ctx, dm_wbuf *out)
{
	dm_bytes atr = ops->atr(ctx);
	if (atr.ptr == NULL || atr.len < ATR_MIN || atr.len > ATR_MAX)
		return DM_E_VALUE;
	if (dm_wbuf_room(out) < 2 + atr.len)
		return DM_E_OVERFLOW;
	memcpy(out->ptr + out->len + 2, atr.ptr, atr.len);
	frame_close(out, atr.len);
	return DM_OK;
}

static int answer_apdu(const dm_vpcd_card_ops *ops, void *ctx, dm_bytes msg, dm_wbuf *out)
{
	if (dm_wbuf_room(out) < 4)
		return DM_E_OVERFLOW;
	/* The card writes straight behind the prefix: no copy of the R-APDU.
	 * A frame carries at most DM_VPCD_MSG_MAX bytes (2-byte length), so
	 * the card gets no more room than that: for Le 0000 (Ne 65536) the
	 * runtime answers 65533 data bytes and 61xx, the rest waiting for GET
	 * RESPONSE (ISO 7816-4 §5.3.4), as a card with a smaller buffer does
	 * (docs/reader-stack.md, docs/dmsc-app.md). */
	size_t room = dm_wbuf_room(out) - 2;
	dm_wbuf r = dm_wbuf_init(out->ptr + out->len + 2,
				 room < DM_VPCD_MSG_MAX ? room : DM_VPCD_MSG_MAX);
	int rc = ops->transmit(ctx, msg.ptr, msg.len, &r);
	if (rc == DM_E_OVERFLOW)
		r.len = 0; /* an answer that did not fit: 6F00 below */
	else if (rc < 0)
		return rc;
	/* Zero bytes would read as card removal and an answer longer than a
	 * frame cannot be sent: the reader gets "technical problem" instead. */
	if (r.len < 2 || r.len > DM_VPCD_MSG_MAX) {
		dm_put_u16be(r.ptr, DM_SW_TECHNICAL);
		r.len = 2;
	}
	frame_close(out, r.len);
	return DM_OK;
}

int dm_vpcd_handle(const dm_vpcd_card_ops *ops, void *ctx, dm_bytes msg, dm_wbuf *out)
{
	if (ops == NULL || out == NULL || out->ptr == NULL || out->len > out->cap ||
	    (msg.ptr == NULL && msg.len != 0))
		return DM_E_ARG;
	if (msg.len == 0)
		return DM_E_LENGTH;
	if (msg.len > 1)
		return answer_apdu(ops, ctx, msg, out);
	switch (msg.ptr[0]) {
	case DM_VPCD_CTRL_OFF:
	case DM_VPCD_CTRL_ON:
	case DM_VPCD_CTRL_RESET:
		ops->power(ctx, msg.ptr[0]);
		return DM_OK;
	case DM_VPCD_CTRL_ATR:
		return answer_atr(ops, ctx, out);
	default:
		return DM_OK;
	}
}

/* ---- the TCP link ---------------------------------------------------- */

typedef struct vlink {
	const dm_vpcd_opts *opts;
	const char *name;
	int fd;
	uint8_t *rx;      /* one whole frame at most: 2 + DM_VPCD_MSG_MAX */
	size_t rx_len;
	uint8_t *tx;      /* DM_VPCD_REPLY_CAP */
} vlink;

enum session_end {
	END_STOPPED = 1,  /* stop_flag was set */
	END_LINK = 2,     /* vpcd went away or spoke nonsense: reconnect */
};

static bool stop_requested(const vlink *l)
{
	return l->opts->stop_flag != NULL && *l->opts->stop_flag != 0;
}

static void say(const vlink *l, int level, const char *what, const char *detail)
{
	if (l->opts->verbose < level)
		return;
	fprintf(stderr, "%s: %s %s:%u%s%s\n", l->name, what,
		l->opts->host ? l->opts->host : "127.0.0.1", (unsigned)l->opts->port,
		detail ? ": " : "", detail ? detail : "");
}

static void quickack(int fd)
{
	int one = 1;
	/* Not sticky in the kernel: re-armed after every recv() on purpose. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

static int tune_socket(int fd)
{
	int one = 1;
	struct timeval tv = { SEND_TIMEOUT_S, 0 };
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return DM_E_IO;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
		return DM_E_IO;
	/* A vpcd that stops reading must not hang the card forever. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0)
		return DM_E_IO;
	quickack(fd);
	return DM_OK;
}

/* Wait for ev on fd in slices, watching stop_flag. 1 ready, 0 stopped, <0 error/timeout. */
static int wait_fd(const vlink *l, int fd, short ev, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = ev };
	for (int waited = 0; timeout_ms < 0 || waited < timeout_ms;) {
		if (stop_requested(l))
			return 0;
		p.revents = 0;
		int n = poll(&p, 1, POLL_SLICE_MS);
		if (n < 0 && errno != EINTR)
			return DM_E_IO;
		if (n > 0)
			return 1;
		if (timeout_ms >= 0)
			waited += POLL_SLICE_MS;
	}
	return DM_E_IO;
}

static int try_connect_one(const vlink *l, const struct addrinfo *ai, int *fd_out)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			ai->ai_protocol);
	if (fd < 0)
		return DM_E_IO;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			close(fd);
			return DM_E_IO;
		}
		int rc = wait_fd(l, fd, POLLOUT, CONNECT_TIMEOUT_MS);
		int err = 0;
		socklen_t el = sizeof err;
		if (rc <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err != 0) {
			close(fd);
			return rc == 0 ? END_STOPPED : DM_E_IO;
		}
	}
	if (tune_socket(fd) != DM_OK) {
		close(fd);
		return DM_E_IO;
	}
	*fd_out = fd;
	return DM_OK;
}

/* DM_OK connected; END_STOPPED; DM_E_IO worth retrying; DM_E_ARG never will work. */
static int link_connect(vlink *l)
{
	char port[8];
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	snprintf(port, sizeof port, "%u", (unsigned)l->opts->port);
	int g = getaddrinfo(l->opts->host ? l->opts->host : "127.0.0.1", port, &hints, &res);
	if (g == EAI_AGAIN)
		return DM_E_IO;
	if (g != 0)
		return DM_E_ARG;
	int rc = DM_E_IO;
	for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		rc = try_connect_one(l, ai, &l->fd);
		if (rc == DM_OK || rc == END_STOPPED)
			break;
	}
	freeaddrinfo(res);
	return rc;
}

/* One write for prefix and body; loops only if the kernel takes part of it. */
static int send_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
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

static void say_control(const vlink *l, uint8_t code)
{
	static const char *const names[] = { "power off", "power on", "reset", "?", "get ATR" };
	if (l->opts->verbose < 2)
		return;
	fprintf(stderr, "%s: vpcd %s\n", l->name,
		code < DM_ARRAY_LEN(names) ? names[code] : "unknown control code (ignored)");
}

/* Answer every complete frame in rx. <0 card error, END_LINK, or 0. */
static int drain_frames(vlink *l, const dm_vpcd_card_ops *ops, void *ctx)
{
	size_t off = 0;
	dm_bytes msg;
	size_t used;
	int rc = 0;
	while (dm_vpcd_frame_next(l->rx + off, l->rx_len - off, &msg, &used) == 1) {
		dm_wbuf out = dm_wbuf_init(l->tx, DM_VPCD_REPLY_CAP);
		if (msg.len == 1)
			say_control(l, msg.ptr[0]);
		rc = dm_vpcd_handle(ops, ctx, msg, &out);
		if (rc == DM_E_LENGTH) {
			say(l, 1, "empty frame from vpcd", NULL);
			rc = END_LINK;
			break;
		}
		if (rc < 0)
			break;
		off += used;
		if (out.len != 0 && send_all(l->fd, out.ptr, out.len) != DM_OK) {
			rc = END_LINK;
			break;
		}
	}
	/* Control codes are not answered, so two frames can share a segment. */
	if (off != 0) {
		memmove(l->rx, l->rx + off, l->rx_len - off);
		l->rx_len -= off;
	}
	return rc;
}

static int session(vlink *l, const dm_vpcd_card_ops *ops, void *ctx)
{
	l->rx_len = 0;
	for (;;) {
		int rc = drain_frames(l, ops, ctx);
		if (rc != 0)
			return rc;
		if (stop_requested(l))
			return END_STOPPED;
		rc = wait_fd(l, l->fd, POLLIN, -1);
		if (rc == 0)
			return END_STOPPED;
		if (rc < 0)
			return END_LINK;
		/* rx never holds more than one frame: room for the rest always exists. */
		ssize_t n = recv(l->fd, l->rx + l->rx_len, 2 + DM_VPCD_MSG_MAX - l->rx_len, 0);
		if (n == 0)
			return END_LINK;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return END_LINK;
		}
		quickack(l->fd);
		l->rx_len += (size_t)n;
	}
}

/* Sleep ms in slices; false when stop was requested. */
static bool backoff_sleep(const vlink *l, int ms)
{
	while (ms > 0) {
		if (stop_requested(l))
			return false;
		int step = ms < POLL_SLICE_MS ? ms : POLL_SLICE_MS;
		struct timespec ts = { 0, (long)step * 1000000L };
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return !stop_requested(l);
}

int dm_vpcd_serve(const dm_vpcd_opts *opts, const dm_vpcd_card_ops *ops, void *ctx)
{
	if (opts == NULL || ops == NULL || ops->atr == NULL || ops->power == NULL ||
	    ops->transmit == NULL || opts->port == 0)
		return DM_E_ARG;
	vlink l = { .opts = opts, .name = opts->log_name ? opts->log_name : "vpcd", .fd = -1 };
	l.rx = malloc(2 + DM_VPCD_MSG_MAX);
	l.tx = malloc(DM_VPCD_REPLY_CAP);
	int ret = DM_E_NOMEM;
	if (l.rx == NULL || l.tx == NULL)
		goto out;

	int backoff = BACKOFF_FIRST_MS;
	bool told_waiting = false;
	for (;;) {
		if (stop_requested(&l)) {
			ret = DM_OK;
			break;
		}
		int rc = link_connect(&l);
		if (rc == END_STOPPED) {
			ret = DM_OK;
			break;
		}
		if (rc == DM_E_ARG) {
			say(&l, 0, "cannot resolve", NULL);
			ret = DM_E_ARG;
			break;
		}
		if (rc != DM_OK) {
			if (!opts->reconnect) {
				ret = DM_E_IO;
				break;
			}
			if (!told_waiting)
				say(&l, 1, "waiting for vpcd at", NULL);
			told_waiting = true;
			if (!backoff_sleep(&l, backoff)) {
				ret = DM_OK;
				break;
			}
			backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
			continue;
		}
		say(&l, 1, "connected to vpcd at", NULL);
		backoff = BACKOFF_FIRST_MS;
		told_waiting = false;
		rc = session(&l, ops, ctx);
		close(l.fd);
		l.fd = -1;
		/* Card removed from the reader: the card loses power (session state). */
		ops->power(ctx, DM_VPCD_CTRL_OFF);
		if (rc == END_STOPPED) {
			ret = DM_OK;
			break;
		}
		if (rc < 0) {
			say(&l, 0, "card failed, link closed", dm_strerror(rc));
			ret = rc;
			break;
		}
		say(&l, 1, "vpcd closed the link at", NULL);
		if (!opts->reconnect) {
			ret = DM_E_IO;
			break;
		}
	}
out:
	free(l.rx);
	free(l.tx);
	return ret;
}

int dm_vpcd_parse_addr(const char *s, char *host, size_t cap, unsigned short *port)
{
	if (s == NULL || host == NULL || port == NULL || cap == 0)
		return DM_E_ARG;
	const char *colon = strrchr(s, ':');
	if (colon == NULL || colon == s || colon[1] == '\0')
		return DM_E_VALUE;
	const char *h = s;
	size_t hl = (size_t)(colon - s);
	if (h[0] == '[') {
		if (hl < 3 || h[hl - 1] != ']')
			return DM_E_VALUE;
		h++;
		hl -= 2;
	} else if (memchr(h, ':', hl) != NULL) {
		return DM_E_VALUE; /* bare IPv6 is ambiguous: brackets required */
	}
	unsigned long p = 0;
	for (const char *d = colon + 1; *d != '\0'; d++) {
		if (*d < '0' || *d > '9')
			return DM_E_VALUE;
		p = p * 10 + (unsigned long)(*d - '0');
		if (p > 65535)
			return DM_E_VALUE;
	}
	if (p == 0)
		return DM_E_VALUE;
	if (hl >= cap)
		return DM_E_OVERFLOW;
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (unsigned short)p;
	return DM_OK;
}
