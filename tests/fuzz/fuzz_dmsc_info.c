/*
 * fuzz_dmsc_info.c - the EF_INFO codec of the DMSC application
 * (card/dmsc_info.c, docs/dmsc-app.md).  Invariants (abort on violation):
 *   - dm_dmsc_info_parse never reads outside the input and returns DM_OK or
 *     a negative dm_err;
 *   - what it accepts builds back (21 bytes) and parses to the same values;
 *   - a build into too small a buffer fails without writing.
 */
#include <stdlib.h>
#include <string.h>

#include "dmsc.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dm_dmsc_info a, b;
	uint8_t buf[DM_DMSC_INFO_LEN];
	int rc = dm_dmsc_info_parse(data, size, &a);

	CHECK(rc <= 0);
	if (rc != DM_OK)
		return 0;
	dm_wbuf w = dm_wbuf_init(buf, sizeof buf);
	CHECK(dm_dmsc_info_build(&a, &w) == DM_OK && w.len == DM_DMSC_INFO_LEN);
	CHECK(dm_dmsc_info_parse(buf, w.len, &b) == DM_OK);
	CHECK(a.version == b.version && a.caps == b.caps && a.flags == b.flags &&
	      a.counter == b.counter && a.free_bytes == b.free_bytes);
	w = dm_wbuf_init(buf, sizeof buf - 1);
	CHECK(dm_dmsc_info_build(&a, &w) == DM_E_OVERFLOW && w.len == 0);
	return 0;
}
