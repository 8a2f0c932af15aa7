/*
 * echo.c - the runtime's test applet (echo.h).
 *
 * Persistent region: [0, 4) counter, [4, 4 + DM_ECHO_DATA_AREA) data area.
 */
#include "echo.h"

#include "mf.h"
#include "sw.h"

#define COUNTER_OFF 0u
#define DATA_OFF 4u

#define INS_SELECT 0xA4u
#define SELECT_P2_NO_DATA 0x0Cu

/* Map a runtime error to the status word an applet answers with. */
static uint16_t sw_of(int rc)
{
	switch (rc) {
	case DM_OK:
		return DM_SW_OK;
	case DM_E_VALUE:
		return DM_SW_WRONG_P1P2_OFFSET;
	case DM_E_NOMEM:
		return DM_SW_NOT_ENOUGH_MEMORY;
	default:
		return DM_SW_MEMORY_PROBLEM;
	}
}

static int counter_add(dm_applet_ctx *ctx, uint32_t *value)
{
	uint8_t b[4];
	int rc = dm_applet_read(ctx, COUNTER_OFF, b, sizeof b);

	if (rc != DM_OK)
		return rc;
	*value = dm_get_u32be(b) + 1;
	dm_put_u32be(b, *value);
	return dm_applet_write(ctx, COUNTER_OFF, b, sizeof b);
}

static uint16_t put_counter(dm_applet_ctx *ctx, dm_wbuf *resp)
{
	const uint8_t *v;
	int rc = dm_applet_view(ctx, COUNTER_OFF, 4, &v);

	if (rc != DM_OK)
		return sw_of(rc);
	return dm_wbuf_put(resp, v, 4) == DM_OK ? DM_SW_OK : DM_SW_TECHNICAL;
}

static uint16_t generate(const dm_capdu *cmd, dm_wbuf *resp)
{
	size_t n = (size_t)cmd->p1 << 8 | cmd->p2;

	if (cmd->nc != 0)
		return DM_SW_WRONG_LENGTH;
	if (n > dm_wbuf_room(resp))
		return DM_SW_TECHNICAL;
	for (size_t i = 0; i < n; i++)
		resp->ptr[resp->len + i] = (uint8_t)i;
	resp->len += n;
	return DM_SW_OK;
}

static uint16_t data_area(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp)
{
	uint32_t off = (uint32_t)cmd->p1 << 8 | cmd->p2;

	if (off > DM_ECHO_DATA_AREA)
		return DM_SW_WRONG_P1P2_OFFSET;
	if (cmd->ins == DM_ECHO_INS_WRITE)
		return sw_of(dm_applet_write(ctx, DATA_OFF + off, cmd->data, cmd->nc));
	/* READ: Ne bytes, or up to the end of the area. */
	size_t n = cmd->ne;
	if (n > DM_ECHO_DATA_AREA - off)
		n = DM_ECHO_DATA_AREA - off;
	const uint8_t *v;
	int rc = dm_applet_view(ctx, DATA_OFF + off, n, &v);
	if (rc != DM_OK)
		return sw_of(rc);
	dm_wbuf_put(resp, v, n); /* n <= 1024 < capacity */
	return n < cmd->ne ? DM_SW_EOF_BEFORE_LE : DM_SW_OK;
}

static uint16_t transient(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp)
{
	size_t len;
	uint8_t *t;

	if (cmd->p1 > 1 || cmd->p2 != 0)
		return DM_SW_WRONG_P1P2;
	t = dm_applet_transient(ctx, cmd->p1 ? DM_CLEAR_ON_DESELECT : DM_CLEAR_ON_RESET, &len);
	if (t == NULL || len == 0)
		return DM_SW_TECHNICAL;
	if (cmd->ins == DM_ECHO_INS_GET_TRANSIENT)
		return dm_wbuf_put_u8(resp, t[0]) == DM_OK ? DM_SW_OK : DM_SW_TECHNICAL;
	if (cmd->nc != 1)
		return DM_SW_WRONG_LENGTH;
	t[0] = cmd->data[0];
	return DM_SW_OK;
}

static uint16_t counter_cmd(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp)
{
	uint32_t v;
	int rc;

	switch (cmd->ins) {
	case DM_ECHO_INS_INCREMENT:
		rc = counter_add(ctx, &v);
		if (rc != DM_OK)
			return sw_of(rc);
		return put_counter(ctx, resp);
	case DM_ECHO_INS_COUNTER:
		return put_counter(ctx, resp);
	case DM_ECHO_INS_INC_THEN_SW:
		rc = counter_add(ctx, &v);
		return rc != DM_OK ? sw_of(rc) : (uint16_t)(cmd->p1 << 8 | cmd->p2);
	default: /* DM_ECHO_INS_INC_COMMIT_INC_THEN_SW */
		rc = counter_add(ctx, &v);
		if (rc == DM_OK)
			rc = dm_applet_commit(ctx);
		if (rc == DM_OK)
			rc = counter_add(ctx, &v);
		return rc != DM_OK ? sw_of(rc) : (uint16_t)(cmd->p1 << 8 | cmd->p2);
	}
}

static uint16_t echo_select(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp)
{
	if (cmd == NULL || cmd->ins != INS_SELECT || (cmd->p2 & 0x0C) == SELECT_P2_NO_DATA)
		return DM_SW_OK;
	dm_bytes aid = dm_applet_aid(ctx);
	/* FCI template (ISO 7816-4 §5.3.3): 6F { 84 DF name }. */
	uint8_t fci[4 + DM_AID_MAX] = { 0x6F, (uint8_t)(2 + aid.len), 0x84, (uint8_t)aid.len };
	for (size_t i = 0; i < aid.len; i++)
		fci[4 + i] = aid.ptr[i];
	return dm_wbuf_put(resp, fci, 4 + aid.len) == DM_OK ? DM_SW_OK : DM_SW_TECHNICAL;
}

static uint16_t echo_process(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp)
{
	if (!(cmd->cla & 0x80)) {
		/* Interindustry: the only command the echo applet knows is
		 * SELECT of a file, and it has none. */
		return cmd->ins == INS_SELECT ? DM_SW_FILE_NOT_FOUND : DM_SW_INS_UNSUPPORTED;
	}
	switch (cmd->ins) {
	case DM_ECHO_INS_ECHO:
		if (cmd->p1 != 0 || cmd->p2 != 0)
			return DM_SW_WRONG_P1P2;
		return dm_wbuf_put(resp, cmd->data, cmd->nc) == DM_OK ? DM_SW_OK : DM_SW_TECHNICAL;
	case DM_ECHO_INS_GENERATE:
		return generate(cmd, resp);
	case DM_ECHO_INS_STATUS:
		if (dm_wbuf_put(resp, cmd->data, cmd->nc) != DM_OK)
			return DM_SW_TECHNICAL;
		return (uint16_t)(cmd->p1 << 8 | cmd->p2);
	case DM_ECHO_INS_INCREMENT:
	case DM_ECHO_INS_COUNTER:
	case DM_ECHO_INS_INC_THEN_SW:
	case DM_ECHO_INS_INC_COMMIT_INC_THEN_SW:
		return counter_cmd(ctx, cmd, resp);
	case DM_ECHO_INS_WRITE:
	case DM_ECHO_INS_READ:
		return data_area(ctx, cmd, resp);
	case DM_ECHO_INS_SET_TRANSIENT:
	case DM_ECHO_INS_GET_TRANSIENT:
		return transient(ctx, cmd, resp);
	case DM_ECHO_INS_INFO: {
		uint8_t info[3] = {
			(uint8_t)dm_applet_channel(ctx),
			dm_applet_selected_elsewhere(ctx) ? 1 : 0,
			dm_applet_protocol(ctx) == DM_CARD_T1 ? 1 : 0,
		};
		return dm_wbuf_put(resp, info, sizeof info) == DM_OK ? DM_SW_OK : DM_SW_TECHNICAL;
	}
	default:
		return DM_SW_INS_UNSUPPORTED;
	}
}

const dm_applet dm_echo_applet = {
	.name = "echo",
	.flags = DM_APPLET_MULTISELECTABLE | DM_APPLET_CHAINING,
	.persistent_size = DATA_OFF + DM_ECHO_DATA_AREA,
	.reset_size = 16,
	.deselect_size = 16,
	.select = echo_select,
	.process = echo_process,
};

const dm_applet dm_echo_single_applet = {
	.name = "echo-single",
	.flags = 0,
	.persistent_size = DATA_OFF + DM_ECHO_DATA_AREA,
	.reset_size = 16,
	.deselect_size = 16,
	.select = echo_select,
	.process = echo_process,
};

const dm_applet_reg dm_echo_registry[] = {
	{ .applet = &dm_mf_applet, .aid_len = 0 },
	{ .applet = &dm_echo_applet, .aid_len = 10, .aid = { DM_ECHO1_AID } },
	{ .applet = &dm_echo_applet, .aid_len = 10, .aid = { DM_ECHO2_AID } },
	{ .applet = &dm_echo_single_applet, .aid_len = 10, .aid = { DM_SINGLE_AID } },
};

const size_t dm_echo_registry_len = DM_ARRAY_LEN(dm_echo_registry);
