/*
 * fs_harness.c - see fs_harness.h.
 */
#include "fs_harness.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "hex.h"

void fs_setup(void)
{
	rt_use_registry(dm_default_registry, dm_default_registry_len);
	rt_setup_t1();
}

void fs_teardown(void)
{
	rt_teardown();
}

void fs_ok_(const char *apdu, uint16_t sw, const char *file, int line)
{
	uint16_t got = rt_x(apdu);
	ck_assert_msg(got == sw, "%s:%d: %s -> %04X, want %04X", file, line, apdu, got, sw);
}

void fs_fcp_(const char *select, uint16_t sw, dm_fcp *f, const char *file, int line)
{
	static uint8_t copy[256];
	uint16_t got = rt_x(select);

	ck_assert_msg(got == sw, "%s:%d: %s -> %04X, want %04X", file, line, select, got, sw);
	ck_assert_msg(rt_resp_len > 0 && rt_resp_len <= sizeof copy, "%s:%d: FCP of %zu bytes",
		      file, line, rt_resp_len);
	memcpy(copy, rt_resp, rt_resp_len);
	int rc = dm_fcp_parse(copy, rt_resp_len, f);
	ck_assert_msg(rc == DM_OK, "%s:%d: FCP does not parse: %s", file, line, dm_strerror(rc));
	ck_assert_msg(dm_fcp_check(f) == DM_OK, "%s:%d: FCP lacks a mandatory object", file, line);
}

uint32_t fs_free_mem(void)
{
	dm_fcp f;

	fs_fcp("00A40004023F0000", &f);
	ck_assert(f.has_free_mem);
	return f.free_mem;
}

const char *fs_apdu_fill(const char *header, size_t nc, uint8_t fill, const char *le)
{
	static char buf[2 * 70000];
	int n = nc > 255 ? snprintf(buf, sizeof buf, "%s00%04zX", header, nc)
			 : snprintf(buf, sizeof buf, "%s%02zX", header, nc);
	ck_assert(n > 0 && (size_t)n + 2 * nc + 8 < sizeof buf);
	for (size_t i = 0; i < nc; i++)
		snprintf(buf + n + 2 * i, 3, "%02X", fill);
	strcat(buf, le);
	return buf;
}
