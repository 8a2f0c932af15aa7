/*
 * fuzz_dmsc_trigger.c - the EF_TRIG record coding of the session trigger
 * (card/dmsc.h, GEN-14; docs/dmsc-app.md "Session trigger").
 * Input: one record (shorter inputs are padded with FF, longer cut to 32
 * bytes).  Invariants (abort on violation):
 *   - decode accepts only numbers other than 0 / FFFFFFFF, reasons 01..04
 *     and server id lengths 1..16, and its server id lies inside the record;
 *   - a decoded record encodes again, and that decodes to the same fields;
 *   - the encoding pads with FF after the server id.
 */
#include <stdlib.h>
#include <string.h>

#include "dmsc.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t rec[DM_DMSC_TRIG_REC_LEN], again[DM_DMSC_TRIG_REC_LEN];
	dm_dmsc_trigger t, u;

	memset(rec, 0xFF, sizeof rec);
	memcpy(rec, data, size < sizeof rec ? size : sizeof rec);
	if (dm_dmsc_trigger_decode(rec, &t) != DM_OK)
		return 0;
	CHECK(t.number != 0 && t.number != 0xFFFFFFFFu);
	CHECK(t.reason >= DM_DMSC_TRIG_SERVER && t.reason <= DM_DMSC_TRIG_DEVCHG);
	CHECK(t.server_id.len >= 1 && t.server_id.len <= DM_DMSC_TRIG_SERVER_MAX);
	CHECK(t.server_id.ptr == rec + 8);
	CHECK(dm_dmsc_trigger_encode(&t, again) == DM_OK);
	CHECK(memcmp(again, rec, 8 + t.server_id.len) == 0);
	for (size_t i = 8 + t.server_id.len; i < sizeof again; i++)
		CHECK(again[i] == 0xFF);
	CHECK(dm_dmsc_trigger_decode(again, &u) == DM_OK);
	CHECK(u.number == t.number && u.reason == t.reason && u.session_id == t.session_id &&
	      u.server_id.len == t.server_id.len &&
	      memcmp(u.server_id.ptr, t.server_id.ptr, t.server_id.len) == 0);
	return 0;
}
