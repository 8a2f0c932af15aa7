/*
 * test_vpcd.c - the vpcd link (card/vpcd.c): frame splitting, the answer
 * to each kind of message (control codes, get ATR, APDUs, the never-zero-
 * bytes rule, the frame size limit), address parsing, and dm_vpcd_serve
 * against a fake vpcd on loopback TCP: coalesced and byte-by-byte frames,
 * power events, link loss with and without reconnect, a malformed frame,
 * a failing card and stop while waiting.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "applet.h"
#include "card.h"
#include "hex.h"
#include "sw.h"
#include "vpcd.h"

/* ---- a stub card ------------------------------------------------------- */

enum stub_mode { ECHO, FAIL, EMPTY, ONE_BYTE, HUGE };

typedef struct stub {
	enum stub_mode mode;
	uint8_t atr[40];
	size_t atr_len;
	int power[16];
	size_t npower;
	unsigned apdus;
} stub;

static dm_bytes stub_atr(void *ctx)
{
	stub *s = ctx;
	return dm_bytes_of(s->atr, s->atr_len);
}

static void stub_power(void *ctx, int ev)
{
	stub *s = ctx;
	if (s->npower < DM_ARRAY_LEN(s->power))
		s->power[s->npower++] = ev;
}

/* ECHO answers the C-APDU's bytes followed by 9000. */
static int stub_transmit(void *ctx, const uint8_t *capdu, size_t len, dm_wbuf *out)
{
	stub *s = ctx;
	s->apdus++;
	switch (s->mode) {
	case FAIL:
		return DM_E_IO;
	case EMPTY:
		return DM_OK;
	case ONE_BYTE:
		return dm_wbuf_put_u8(out, 0x90);
	case HUGE:
		/* 65536 data bytes + SW: a valid R-APDU no vpcd frame can carry */
		if (dm_wbuf_room(out) < 65538)
			return DM_E_OVERFLOW;
		memset(out->ptr + out->len, 0xA5, 65536);
		out->len += 65536;
		return dm_wbuf_put_u16be(out, DM_SW_OK);
	case ECHO:
		break;
	}
	if (dm_wbuf_put(out, capdu, len) != DM_OK)
		return dm_wbuf_put_u16be(out, DM_SW_WRONG_LENGTH);
	return dm_wbuf_put_u16be(out, DM_SW_OK);
}

static const dm_vpcd_card_ops stub_ops = { stub_atr, stub_power, stub_transmit };

static void stub_init(stub *s, enum stub_mode mode)
{
	static const uint8_t atr[] = { 0x3B, 0x80, 0x01, 0x81 };
	memset(s, 0, sizeof *s);
	s->mode = mode;
	memcpy(s->atr, atr, sizeof atr);
	s->atr_len = sizeof atr;
}

static uint8_t reply[DM_VPCD_REPLY_CAP + 16];

/* ---- frame splitting ------------------------------------------------------- */

START_TEST(frame_needs_whole_frame)
{
	static const uint8_t b[] = { 0x00, 0x03, 0xAA, 0xBB, 0xCC, 0x00, 0x01, 0x04 };
	dm_bytes m;
	size_t used = 99;
	ck_assert_int_eq(dm_vpcd_frame_next(b, 0, &m, &used), 0);
	ck_assert_int_eq(dm_vpcd_frame_next(b, 1, &m, &used), 0);
	ck_assert_int_eq(dm_vpcd_frame_next(b, 4, &m, &used), 0);
	ck_assert_uint_eq(used, 99); /* untouched until a frame is complete */
	ck_assert_int_eq(dm_vpcd_frame_next(b, 5, &m, &used), 1);
	ck_assert_uint_eq(used, 5);
	ck_assert_uint_eq(m.len, 3);
	ck_assert_ptr_eq(m.ptr, b + 2);
	/* the second frame, a control code, follows in the same buffer */
	ck_assert_int_eq(dm_vpcd_frame_next(b + 5, sizeof b - 5, &m, &used), 1);
	ck_assert_uint_eq(used, 3);
	ck_assert_uint_eq(m.len, 1);
	ck_assert_uint_eq(m.ptr[0], DM_VPCD_CTRL_ATR);
}
END_TEST

START_TEST(frame_empty_and_largest)
{
	static uint8_t b[2 + DM_VPCD_MSG_MAX];
	dm_bytes m;
	size_t used;
	b[0] = 0x00;
	b[1] = 0x00;
	ck_assert_int_eq(dm_vpcd_frame_next(b, 2, &m, &used), 1);
	ck_assert_uint_eq(m.len, 0);
	ck_assert_uint_eq(used, 2);
	b[0] = 0xFF;
	b[1] = 0xFF;
	ck_assert_int_eq(dm_vpcd_frame_next(b, sizeof b - 1, &m, &used), 0);
	ck_assert_int_eq(dm_vpcd_frame_next(b, sizeof b, &m, &used), 1);
	ck_assert_uint_eq(m.len, 0xFFFF);
	ck_assert_int_eq(dm_vpcd_frame_next(NULL, 2, &m, &used), DM_E_ARG);
	ck_assert_int_eq(dm_vpcd_frame_next(b, 2, NULL, &used), DM_E_ARG);
	ck_assert_int_eq(dm_vpcd_frame_next(b, 2, &m, NULL), DM_E_ARG);
}
END_TEST

/* ---- answers ----------------------------------------------------------------- */

static int handle(stub *s, const uint8_t *msg, size_t len, dm_wbuf *out)
{
	*out = dm_wbuf_init(reply, DM_VPCD_REPLY_CAP);
	return dm_vpcd_handle(&stub_ops, s, dm_bytes_of(msg, len), out);
}

START_TEST(control_codes_are_not_answered)
{
	stub s;
	stub_init(&s, ECHO);
	dm_wbuf out;
	for (uint8_t c = DM_VPCD_CTRL_OFF; c <= DM_VPCD_CTRL_RESET; c++) {
		ck_assert_int_eq(handle(&s, &c, 1, &out), DM_OK);
		ck_assert_uint_eq(out.len, 0);
	}
	ck_assert_uint_eq(s.npower, 3);
	ck_assert_int_eq(s.power[0], 0);
	ck_assert_int_eq(s.power[1], 1);
	ck_assert_int_eq(s.power[2], 2);
	/* codes vpcd does not define: ignored, no answer, no power event */
	static const uint8_t odd[] = { 0x03, 0x05, 0xFF };
	for (size_t i = 0; i < sizeof odd; i++) {
		ck_assert_int_eq(handle(&s, &odd[i], 1, &out), DM_OK);
		ck_assert_uint_eq(out.len, 0);
	}
	ck_assert_uint_eq(s.npower, 3);
	ck_assert_uint_eq(s.apdus, 0);
}
END_TEST

START_TEST(atr_is_framed)
{
	stub s;
	stub_init(&s, ECHO);
	dm_wbuf out;
	uint8_t c = DM_VPCD_CTRL_ATR;
	ck_assert_int_eq(handle(&s, &c, 1, &out), DM_OK);
	ck_assert_uint_eq(out.len, 6);
	ck_assert_mem_eq(reply, "\x00\x04\x3B\x80\x01\x81", 6);
	/* ISO 7816-3 §8.2.1: 2..33 bytes, anything else is the card's bug */
	s.atr_len = 1;
	ck_assert_int_eq(handle(&s, &c, 1, &out), DM_E_VALUE);
	s.atr_len = 34;
	ck_assert_int_eq(handle(&s, &c, 1, &out), DM_E_VALUE);
	s.atr_len = 33;
	ck_assert_int_eq(handle(&s, &c, 1, &out), DM_OK);
	ck_assert_uint_eq(out.len, 35);
	ck_assert_uint_eq(dm_get_u16be(reply), 33);
	/* no room */
	out = dm_wbuf_init(reply, 34);
	ck_assert_int_eq(dm_vpcd_handle(&stub_ops, &s, dm_bytes_of(&c, 1), &out), DM_E_OVERFLOW);
	ck_assert_uint_eq(out.len, 0);
}
END_TEST

START_TEST(apdu_is_framed_after_existing_bytes)
{
	stub s;
	stub_init(&s, ECHO);
	static const uint8_t apdu[] = { 0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00 };
	dm_wbuf out = dm_wbuf_init(reply, sizeof reply);
	out.len = 3; /* a reply appends: what is there stays */
	memset(reply, 0xEE, 3);
	ck_assert_int_eq(dm_vpcd_handle(&stub_ops, &s, dm_bytes_of(apdu, sizeof apdu), &out), DM_OK);
	ck_assert_uint_eq(out.len, 3 + 2 + sizeof apdu + 2);
	ck_assert_mem_eq(reply, "\xEE\xEE\xEE\x00\x09", 5);
	ck_assert_mem_eq(reply + 5, apdu, sizeof apdu);
	ck_assert_mem_eq(reply + 5 + sizeof apdu, "\x90\x00", 2);
	/* a 2- or 3-byte message is an APDU too: the card answers it (6700 is its business) */
	ck_assert_int_eq(handle(&s, apdu, 2, &out), DM_OK);
	ck_assert_mem_eq(reply, "\x00\x04\x00\xA4\x90\x00", 6);
}
END_TEST

START_TEST(never_zero_bytes)
{
	stub s;
	static const uint8_t apdu[] = { 0x00, 0xB0, 0x00, 0x00, 0x00 };
	dm_wbuf out;
	stub_init(&s, EMPTY);
	ck_assert_int_eq(handle(&s, apdu, sizeof apdu, &out), DM_OK);
	ck_assert_uint_eq(out.len, 4);
	ck_assert_mem_eq(reply, "\x00\x02\x6F\x00", 4);
	stub_init(&s, ONE_BYTE);
	ck_assert_int_eq(handle(&s, apdu, sizeof apdu, &out), DM_OK);
	ck_assert_mem_eq(reply, "\x00\x02\x6F\x00", 4);
}
END_TEST

START_TEST(frame_size_limit)
{
	stub s;
	static uint8_t apdu[DM_VPCD_MSG_MAX];
	dm_wbuf out;
	/* 65536 + 2 bytes do not fit a frame: 6F00, not a wrapped length */
	stub_init(&s, HUGE);
	ck_assert_int_eq(handle(&s, apdu, 5, &out), DM_OK);
	ck_assert_uint_eq(out.len, 4);
	ck_assert_mem_eq(reply, "\x00\x02\x6F\x00", 4);
	/* 65533 + 2 = 65535 fits exactly */
	stub_init(&s, ECHO);
	ck_assert_int_eq(handle(&s, apdu, DM_VPCD_MSG_MAX - 2, &out), DM_OK);
	ck_assert_uint_eq(out.len, 2 + DM_VPCD_MSG_MAX);
	ck_assert_uint_eq(dm_get_u16be(reply), 0xFFFF);
	/* one more byte of echo is one too many: the card gets no more room
	 * than a frame holds, its overflow is answered 6F00 */
	ck_assert_int_eq(handle(&s, apdu, DM_VPCD_MSG_MAX - 1, &out), DM_OK);
	ck_assert_mem_eq(reply, "\x00\x02\x6F\x00", 4);
}
END_TEST

/* The real card behind the link: an answer of more than 65533 data bytes
 * (B1 with Le 0000 on a 64 KiB MO) cannot go in one frame with its SW, so
 * the card answers 65533 bytes and 61xx and GET RESPONSE gives the rest (ISO 7816-4
 * §5.3.4), instead of 6F00 (docs/reader-stack.md "Frame limit"). */
static dm_bytes card_atr(void *ctx)
{
	(void)ctx;
	return dm_bytes_of((const uint8_t *)"\x3B\x80\x01\x81", 4);
}

static void card_power(void *ctx, int ev)
{
	(void)ctx;
	(void)ev;
}

static int card_transmit(void *ctx, const uint8_t *capdu, size_t len, dm_wbuf *out)
{
	return dm_card_transmit(ctx, capdu, len, out);
}

static const dm_vpcd_card_ops card_ops = { card_atr, card_power, card_transmit };

static uint16_t card_x(dm_card *card, const char *hex, dm_wbuf *out)
{
	static uint8_t apdu[300];
	dm_wbuf a = dm_wbuf_init(apdu, sizeof apdu);

	ck_assert_int_eq(dm_hex_decode(hex, &a), DM_OK);
	*out = dm_wbuf_init(reply, DM_VPCD_REPLY_CAP);
	ck_assert_int_eq(dm_vpcd_handle(&card_ops, card, dm_bytes_of(apdu, a.len), out), DM_OK);
	ck_assert_uint_ge(out->len, 4);
	ck_assert_uint_eq(dm_get_u16be(reply), out->len - 2);
	return dm_get_u16be(reply + out->len - 2);
}

START_TEST(frame_limit_real_card_get_response)
{
	char dir[] = "/tmp/dmsc-vpcd-XXXXXX";
	char path[64];
	dm_card *card = NULL;
	dm_wbuf out;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/card.img", dir);
	dm_card_config cfg = { .image_path = path, .capacity = 1024u * 1024u };
	ck_assert_int_eq(dm_card_open_registry(&cfg, dm_default_registry, dm_default_registry_len,
					       &card), DM_OK);
	ck_assert_uint_eq(card_x(card, "0020000A083838383838383838", &out), 0x9000);
	ck_assert_uint_eq(card_x(card, "00A4040C08F04F4D41444D5343", &out), 0x9000);
	/* CREATE MO of 65536 bytes (81 03 010000), 00-filled. */
	ck_assert_uint_eq(card_x(card, "80E0000012 5005 5473744D4F 0604672B0763 8103010000 00",
				 &out), 0x9000);
	char sel[32];
	snprintf(sel, sizeof sel, "00A4000C02%02X%02X", reply[4], reply[5]);
	ck_assert_uint_eq(card_x(card, sel, &out), 0x9000);
	/* B1 { 54 01 00 } with extended Lc 0003, Le 0000: Ne 65536; the answer is
	 * 53 82 FFFB and 65531 bytes (fs_binary.c keeps room for a 4-byte
	 * header): 65535 bytes + SW, two more than a frame holds. */
	ck_assert_uint_eq(card_x(card, "00B10000 000003 540100 0000", &out), 0x6102);
	ck_assert_uint_eq(out.len, 2 + DM_VPCD_MSG_MAX);
	ck_assert_mem_eq(reply + 2, "\x53\x82\xFF\xFB", 4);
	ck_assert_uint_eq(reply[2 + 65532], 0x00);
	/* The 2 bytes left. */
	ck_assert_uint_eq(card_x(card, "00C0000002", &out), 0x9000);
	ck_assert_uint_eq(out.len, 2 + 2 + 2);
	ck_assert_mem_eq(reply + 2, "\x00\x00", 2);
	/* Le 0000 on GET RESPONSE: none left now. */
	ck_assert_uint_eq(card_x(card, "00C0000000", &out), 0x6985);
	/* Ne that fits (FFFD = 65533): no 61xx. */
	ck_assert_uint_eq(card_x(card, "00B10000 000003 540100 FFFD", &out), 0x9000);
	ck_assert_uint_eq(out.len, 2 + DM_VPCD_MSG_MAX);
	dm_card_close(&card);
	remove(path);
	rmdir(dir);
}
END_TEST

START_TEST(errors)
{
	stub s;
	stub_init(&s, FAIL);
	static const uint8_t apdu[] = { 0x00, 0xA4, 0x00, 0x00 };
	dm_wbuf out;
	ck_assert_int_eq(handle(&s, apdu, sizeof apdu, &out), DM_E_IO);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_int_eq(handle(&s, apdu, 0, &out), DM_E_LENGTH);
	ck_assert_int_eq(handle(&s, NULL, 1, &out), DM_E_ARG);
	ck_assert_int_eq(dm_vpcd_handle(NULL, &s, dm_bytes_of(apdu, 4), &out), DM_E_ARG);
	ck_assert_int_eq(dm_vpcd_handle(&stub_ops, &s, dm_bytes_of(apdu, 4), NULL), DM_E_ARG);
	/* room for the prefix but not for a status word */
	stub_init(&s, ECHO);
	out = dm_wbuf_init(reply, 3);
	ck_assert_int_eq(dm_vpcd_handle(&stub_ops, &s, dm_bytes_of(apdu, 4), &out), DM_E_OVERFLOW);
	ck_assert_uint_eq(s.apdus, 0);
}
END_TEST

/* ---- addresses ---------------------------------------------------------------- */

START_TEST(addresses)
{
	char host[16];
	unsigned short port = 0;
	ck_assert_int_eq(dm_vpcd_parse_addr("127.0.0.1:35963", host, sizeof host, &port), DM_OK);
	ck_assert_str_eq(host, "127.0.0.1");
	ck_assert_uint_eq(port, 35963);
	ck_assert_int_eq(dm_vpcd_parse_addr("[::1]:65535", host, sizeof host, &port), DM_OK);
	ck_assert_str_eq(host, "::1");
	ck_assert_uint_eq(port, 65535);
	ck_assert_int_eq(dm_vpcd_parse_addr("localhost:1", host, sizeof host, &port), DM_OK);
	ck_assert_str_eq(host, "localhost");
	ck_assert_uint_eq(port, 1);

	static const char *const bad[] = {
		"localhost", ":35963", "h:", "h:0", "h:65536", "h:99999999999", "h:12a",
		"h:-1", "::1:5", "[]:5", "[::1:5", "h: 5",
	};
	for (size_t i = 0; i < DM_ARRAY_LEN(bad); i++)
		ck_assert_msg(dm_vpcd_parse_addr(bad[i], host, sizeof host, &port) == DM_E_VALUE,
			      "accepted '%s'", bad[i]);
	ck_assert_int_eq(dm_vpcd_parse_addr("0123456789abcdef:1", host, sizeof host, &port),
			 DM_E_OVERFLOW);
	ck_assert_int_eq(dm_vpcd_parse_addr("0123456789abcde:1", host, sizeof host, &port), DM_OK);
	ck_assert_int_eq(dm_vpcd_parse_addr(NULL, host, sizeof host, &port), DM_E_ARG);
}
END_TEST

/* ---- serve, against a fake vpcd --------------------------------------------------- */

typedef struct served {
	pthread_t thread;
	dm_vpcd_opts opts;
	stub card;
	volatile int stop;
	int rc;
} served;

static void *serve_thread(void *arg)
{
	served *sv = arg;
	sv->rc = dm_vpcd_serve(&sv->opts, &stub_ops, &sv->card);
	return NULL;
}

/* The test plays vpcd: a listening socket on an ephemeral loopback port. */
static int fake_vpcd(unsigned short *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void serve_start(served *sv, unsigned short port, bool reconnect, enum stub_mode mode)
{
	memset(sv, 0, sizeof *sv);
	stub_init(&sv->card, mode);
	sv->opts.host = "127.0.0.1";
	sv->opts.port = port;
	sv->opts.reconnect = reconnect;
	sv->opts.stop_flag = &sv->stop;
	ck_assert_int_eq(pthread_create(&sv->thread, NULL, serve_thread, sv), 0);
}

static int serve_join(served *sv)
{
	ck_assert_int_eq(pthread_join(sv->thread, NULL), 0);
	return sv->rc;
}

/* Failure guard, not a timing assertion: a broken link must not hang the test. */
static void wait_in(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ck_assert_msg(poll(&p, 1, 3000) == 1, "nothing from the card");
}

static int accept_card(int lfd)
{
	wait_in(lfd);
	int c = accept(lfd, NULL, NULL);
	ck_assert_int_ge(c, 0);
	return c;
}

static void send_bytes(int fd, const void *p, size_t n)
{
	ck_assert_int_eq(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Read one framed message; returns its length. */
static size_t recv_frame(int fd, uint8_t *buf, size_t cap)
{
	uint8_t hdr[2];
	size_t got = 0;
	while (got < 2) {
		wait_in(fd);
		ssize_t r = recv(fd, hdr + got, 2 - got, 0);
		ck_assert_int_gt(r, 0);
		got += (size_t)r;
	}
	size_t n = dm_get_u16be(hdr);
	ck_assert_uint_le(n, cap);
	for (got = 0; got < n;) {
		wait_in(fd);
		ssize_t r = recv(fd, buf + got, n - got, 0);
		ck_assert_int_gt(r, 0);
		got += (size_t)r;
	}
	return n;
}

/* True when the peer closed: recv gives 0 (after any pending bytes). */
static bool peer_closed(int fd)
{
	uint8_t b[64];
	wait_in(fd);
	return recv(fd, b, sizeof b, 0) == 0;
}

/* vpcd up, the card serving in a thread and connected: the connection's fd. */
static int link_up(served *sv, bool reconnect, enum stub_mode mode, int *lfd)
{
	unsigned short port;
	*lfd = fake_vpcd(&port);
	serve_start(sv, port, reconnect, mode);
	return accept_card(*lfd);
}

/* vpcd's presence poll: get ATR, the stub's 4-byte ATR comes back. */
static void expect_atr(int c)
{
	uint8_t buf[64];
	send_bytes(c, "\x00\x01\x04", 3);
	ck_assert_uint_eq(recv_frame(c, buf, sizeof buf), 4);
	ck_assert_mem_eq(buf, "\x3B\x80\x01\x81", 4);
}

START_TEST(serve_answers_and_reconnects)
{
	served sv;
	int lfd;
	int c = link_up(&sv, true, ECHO, &lfd);
	uint8_t buf[300];

	/* power on and get ATR in one segment: two frames in one recv */
	send_bytes(c, "\x00\x01\x01\x00\x01\x04", 6);
	ck_assert_uint_eq(recv_frame(c, buf, sizeof buf), 4);
	ck_assert_mem_eq(buf, "\x3B\x80\x01\x81", 4);
	/* an APDU dribbled one byte per segment: short reads */
	static const uint8_t f[] = { 0x00, 0x07, 0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00 };
	int one = 1;
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	for (size_t i = 0; i < sizeof f; i++)
		send_bytes(c, f + i, 1);
	ck_assert_uint_eq(recv_frame(c, buf, sizeof buf), 9);
	ck_assert_mem_eq(buf, f + 2, 7);
	ck_assert_mem_eq(buf + 7, "\x90\x00", 2);
	ck_assert_uint_eq(sv.card.npower, 1);
	ck_assert_int_eq(sv.card.power[0], DM_VPCD_CTRL_ON);

	/* vpcd goes away: the card loses power and comes back by itself */
	close(c);
	c = accept_card(lfd);
	expect_atr(c);
	ck_assert_uint_eq(sv.card.npower, 2);
	ck_assert_int_eq(sv.card.power[1], DM_VPCD_CTRL_OFF);

	sv.stop = 1;
	ck_assert_int_eq(serve_join(&sv), DM_OK);
	ck_assert_msg(peer_closed(c), "link left open after stop");
	close(c);
	close(lfd);
}
END_TEST

START_TEST(serve_largest_frames)
{
	served sv;
	int lfd;
	int c = link_up(&sv, false, ECHO, &lfd);
	static uint8_t big[2 + DM_VPCD_MSG_MAX], buf[DM_VPCD_MSG_MAX];

	/* 65533-byte C-APDU: echo + SW = 65535, the largest frame */
	dm_put_u16be(big, DM_VPCD_MSG_MAX - 2);
	for (size_t i = 2; i < sizeof big; i++)
		big[i] = (uint8_t)i;
	send_bytes(c, big, DM_VPCD_MSG_MAX);
	ck_assert_uint_eq(recv_frame(c, buf, sizeof buf), DM_VPCD_MSG_MAX);
	ck_assert_mem_eq(buf, big + 2, DM_VPCD_MSG_MAX - 2);
	/* 65535-byte C-APDU: its echo cannot be framed, 6F00 instead */
	dm_put_u16be(big, DM_VPCD_MSG_MAX);
	send_bytes(c, big, sizeof big);
	ck_assert_uint_eq(recv_frame(c, buf, sizeof buf), 2);
	ck_assert_mem_eq(buf, "\x6F\x00", 2);
	close(c);
	/* without reconnect, losing vpcd ends serving */
	ck_assert_int_eq(serve_join(&sv), DM_E_IO);
	close(lfd);
}
END_TEST

START_TEST(serve_drops_link_on_empty_frame)
{
	served sv;
	int lfd;
	int c = link_up(&sv, true, ECHO, &lfd);

	send_bytes(c, "\x00\x00", 2);
	ck_assert_msg(peer_closed(c), "empty frame did not drop the link");
	close(c);
	/* and the card is back on a new connection */
	c = accept_card(lfd);
	expect_atr(c);
	sv.stop = 1;
	ck_assert_int_eq(serve_join(&sv), DM_OK);
	close(c);
	close(lfd);
}
END_TEST

START_TEST(serve_card_failure_ends_serving)
{
	served sv;
	int lfd;
	int c = link_up(&sv, true, FAIL, &lfd);

	send_bytes(c, "\x00\x04\x00\xA4\x00\x00", 6);
	ck_assert_msg(peer_closed(c), "no answer expected from a dead card");
	/* even with reconnect: a dead card must not come back by itself */
	ck_assert_int_eq(serve_join(&sv), DM_E_IO);
	ck_assert_uint_eq(sv.card.apdus, 1);
	close(c);
	close(lfd);
}
END_TEST

START_TEST(serve_refused)
{
	unsigned short port;
	int lfd = fake_vpcd(&port);
	close(lfd); /* the port is now (almost certainly) closed: connect is refused */
	served sv;
	serve_start(&sv, port, false, ECHO);
	ck_assert_int_eq(serve_join(&sv), DM_E_IO);
	ck_assert_uint_eq(sv.card.npower, 0);

	/* with reconnect it keeps trying until told to stop */
	serve_start(&sv, port, true, ECHO);
	sv.stop = 1;
	ck_assert_int_eq(serve_join(&sv), DM_OK);
}
END_TEST

START_TEST(serve_bad_arguments)
{
	dm_vpcd_opts o = { .host = "127.0.0.1", .port = 0 };
	stub s;
	stub_init(&s, ECHO);
	ck_assert_int_eq(dm_vpcd_serve(&o, &stub_ops, &s), DM_E_ARG);
	o.port = 1;
	ck_assert_int_eq(dm_vpcd_serve(NULL, &stub_ops, &s), DM_E_ARG);
	ck_assert_int_eq(dm_vpcd_serve(&o, NULL, &s), DM_E_ARG);
	dm_vpcd_card_ops partial = { stub_atr, NULL, stub_transmit };
	ck_assert_int_eq(dm_vpcd_serve(&o, &partial, &s), DM_E_ARG);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vpcd");
	TCase *tc = tcase_create("frames");
	tcase_add_test(tc, frame_needs_whole_frame);
	tcase_add_test(tc, frame_empty_and_largest);
	tcase_add_test(tc, control_codes_are_not_answered);
	tcase_add_test(tc, atr_is_framed);
	tcase_add_test(tc, apdu_is_framed_after_existing_bytes);
	tcase_add_test(tc, never_zero_bytes);
	tcase_add_test(tc, frame_size_limit);
	tcase_add_test(tc, frame_limit_real_card_get_response);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, addresses);
	suite_add_tcase(s, tc);

	tc = tcase_create("serve");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, serve_answers_and_reconnects);
	tcase_add_test(tc, serve_largest_frames);
	tcase_add_test(tc, serve_drops_link_on_empty_frame);
	tcase_add_test(tc, serve_card_failure_ends_serving);
	tcase_add_test(tc, serve_refused);
	tcase_add_test(tc, serve_bad_arguments);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
