/*
 * bench-scp03.c - cost of SCP03 secure messaging (proto/scp03) per APDU
 * exchange, in process: host wrap + card unwrap + card response wrap + host
 * response unwrap, for each security level and a few data sizes.  Measured,
 * never asserted; compare with the runtime's APDU rate (bench-runtime).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apdu.h"
#include "scp03.h"

static uint8_t data[4096], hbuf[8192], cbuf[8192], rbuf[8192], obuf[8192];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int open_pair(uint8_t level, dm_scp03_session *host, dm_scp03_session *card)
{
	uint8_t k16[16], hc[8] = { 1 }, cc[8] = { 2 }, cg[8], eb[32];
	dm_wbuf w = dm_wbuf_init(eb, sizeof eb);
	dm_scp03_keys k;
	dm_capdu ea;
	int rc;

	for (unsigned i = 0; i < sizeof k16; i++)
		k16[i] = (uint8_t)i;
	rc = dm_scp03_keys_set(&k, k16, k16, sizeof k16);
	if (rc == DM_OK)
		rc = dm_scp03_session_init(host, &k, DM_SCP03_S8, hc, cc);
	if (rc == DM_OK)
		rc = dm_scp03_session_init(card, &k, DM_SCP03_S8, hc, cc);
	dm_scp03_keys_wipe(&k);
	if (rc == DM_OK)
		rc = dm_scp03_card_cryptogram(card, cg);
	if (rc == DM_OK)
		rc = dm_scp03_check_card_cryptogram(host, cg, sizeof cg);
	if (rc == DM_OK)
		rc = dm_scp03_host_external_auth(host, 0x80, level, &ea, &w);
	if (rc == DM_OK)
		rc = dm_scp03_card_external_auth(card, &ea);
	return rc;
}

/* One full exchange; DM_OK or the first error. */
static int exchange(dm_scp03_session *host, dm_scp03_session *card, size_t n)
{
	dm_capdu plain = { .cla = 0x00, .ins = 0xD6, .data = n ? data : NULL, .nc = n, .ne = n ? n : 256 };
	dm_capdu wrapped, got;
	dm_wbuf hw = dm_wbuf_init(hbuf, sizeof hbuf), cw = dm_wbuf_init(cbuf, sizeof cbuf);
	dm_wbuf rw = dm_wbuf_init(rbuf, sizeof rbuf), ow = dm_wbuf_init(obuf, sizeof obuf);
	uint16_t sw;
	int rc;

	rc = dm_scp03_wrap_command(host, &plain, &wrapped, &hw);
	if (rc == DM_OK)
		rc = dm_scp03_unwrap_command(card, &wrapped, &got, &cw);
	if (rc == DM_OK)
		rc = dm_scp03_wrap_response(card, got.data, got.nc, 0x9000, &rw);
	if (rc == DM_OK)
		rc = dm_scp03_unwrap_response(host, rbuf, rw.len, &ow, &sw);
	if (rc == DM_OK && (ow.len != n || sw != 0x9000))
		rc = DM_E_CORRUPT;
	return rc;
}

int main(int argc, char **argv)
{
	static const uint8_t levels[] = { 0x01, 0x03, 0x11, 0x13, 0x33 };
	static const size_t sizes[] = { 0, 16, 255, 4096 };
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long count = 100000;
	int c;

	while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			count = strtoul(optarg, NULL, 10);
			if (count == 0) {
				fprintf(stderr, "bench-scp03: --count must be > 0\n");
				return 2;
			}
			break;
		case 'h':
			printf("usage: %s [--count N]\n"
			       "Time N SCP03 exchanges (wrap, unwrap, response wrap, response\n"
			       "unwrap; AES-128, S8) per security level and data size.\n", argv[0]);
			return 0;
		default:
			return 2;
		}
	}
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)i;
	printf("%-6s %6s %12s %10s\n", "level", "bytes", "exchanges/s", "us each");
	for (size_t l = 0; l < sizeof levels; l++) {
		for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
			dm_scp03_session host, card;
			double t0, dt;

			if (open_pair(levels[l], &host, &card) != DM_OK) {
				fprintf(stderr, "bench-scp03: session set-up failed\n");
				return 1;
			}
			t0 = now();
			for (unsigned long i = 0; i < count; i++) {
				int rc = exchange(&host, &card, sizes[s]);

				if (rc != DM_OK) {
					fprintf(stderr, "bench-scp03: exchange failed: %s\n",
						dm_strerror(rc));
					return 1;
				}
			}
			dt = now() - t0;
			printf("%02X     %6zu %12.0f %10.2f\n", levels[l], sizes[s],
			       (double)count / dt, dt * 1e6 / (double)count);
			dm_scp03_session_wipe(&host);
			dm_scp03_session_wipe(&card);
		}
	}
	return 0;
}
