/*
 * fuzz_sec.c - access rule evaluation (card/security.c).
 * Input: byte 0 form (b1: compact), byte 1 operation, byte 2 b1 DF,
 * bytes 3-6 global security status, 7-8 local status of application 1,
 * the rest the rule.
 * Invariants (abort on violation):
 *   - the answer is 9000 or 6982, nothing else (no PIN table: no medium);
 *   - an expanded rule that does not validate, or a compact one that does
 *     not, is denied;
 *   - more verified keys never turn "allowed" into "denied" (monotone:
 *     no condition can be satisfied by knowing less);
 *   - a compact rule does not depend on the security status.
 */
#include <stdlib.h>
#include <string.h>

#include "arr.h"
#include "security.h"
#include "sw.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 9)
		return 0;
	dm_sec_rule_form form = (data[0] & 1) ? DM_SEC_RULE_COMPACT : DM_SEC_RULE_EXPANDED;
	dm_sec_access acc = { .op = (dm_sec_op)(data[1] % DM_SEC_OP_COUNT), .df = data[2] & 1 };
	dm_sec_state some, all;
	const uint8_t *rule = data + 9;
	size_t len = size - 9;

	dm_sec_clear(&some);
	some.global = dm_get_u32be(data + 3);
	some.local[1] = dm_get_u16be(data + 7);
	memset(&all, 0xFF, sizeof all);

	dm_sec_ctx a = { .state = &some, .pins = NULL, .app = 1 };
	dm_sec_ctx b = { .state = &all, .pins = NULL, .app = 1 };
	uint16_t sa = dm_sec_check(&a, form, rule, len, &acc);
	uint16_t sb = dm_sec_check(&b, form, rule, len, &acc);

	CHECK(sa == DM_SW_OK || sa == DM_SW_SECURITY_STATUS);
	CHECK(sb == DM_SW_OK || sb == DM_SW_SECURITY_STATUS);
	CHECK(sa != DM_SW_OK || sb == DM_SW_OK);
	if (form == DM_SEC_RULE_EXPANDED && dm_arr_validate(rule, len) != DM_OK)
		CHECK(sa == DM_SW_SECURITY_STATUS && sb == DM_SW_SECURITY_STATUS);
	if (form == DM_SEC_RULE_COMPACT) {
		if (dm_arr_compact_validate(rule, len) != DM_OK)
			CHECK(sb == DM_SW_SECURITY_STATUS);
		CHECK(sa == sb);
	}
	return 0;
}
