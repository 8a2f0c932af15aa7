/*
 * applet_ctx.c - what an applet may ask the runtime (applet.h): its channel,
 * transient memory, persistent region, and the command's store transaction,
 * begun lazily at the first write so that commands which write nothing never
 * touch the store.
 */
#include "runtime_int.h"

#include "heap.h"
#include "profile_load.h"
#include "sw.h"

int dm_rt_store_error(struct dm_card *card, int err)
{
	if (err == DM_E_IO)
		card->dead = true;
	return err;
}

int dm_rt_txn_need(struct dm_card *card)
{
	if (card->dead)
		return DM_E_IO;
	if (card->txn)
		return DM_OK;
	int rc = dm_store_begin(card->store);
	if (rc != DM_OK)
		return dm_rt_store_error(card, rc);
	card->txn = true;
	return DM_OK;
}

void dm_rt_services_txn_end(struct dm_card *card, bool committed)
{
	/* An abort may give back heap space that was taken. */
	if (!committed)
		card->heap_free_valid = false;
	for (unsigned i = 0; i < DM_SERVICE_SLOTS; i++)
		if (card->svc_ops[i] != NULL && card->svc_ops[i]->txn_end != NULL)
			card->svc_ops[i]->txn_end(card->svc_state[i], committed);
}

void dm_rt_services_destroy(struct dm_card *card)
{
	for (unsigned i = 0; i < DM_SERVICE_SLOTS; i++) {
		if (card->svc_ops[i] != NULL && card->svc_ops[i]->destroy != NULL)
			card->svc_ops[i]->destroy(card->svc_state[i]);
		card->svc_ops[i] = NULL;
		card->svc_state[i] = NULL;
	}
}

uint16_t dm_rt_txn_end(struct dm_card *card, uint16_t sw)
{
	if (card->txn) {
		dm_sw_class k = dm_sw_classify(sw);
		bool keep = k == DM_SW_CLASS_SUCCESS || k == DM_SW_CLASS_PROACTIVE ||
			    k == DM_SW_CLASS_WARNING;
		int rc = keep ? dm_store_commit(card->store) : dm_store_abort(card->store);
		card->txn = false;
		if (rc != DM_OK) {
			/* A commit that fails leaves the old state (store.h);
			 * the command did not happen: say memory problem. */
			if (rc != DM_E_IO && dm_store_in_transaction(card->store))
				rc = dm_store_abort(card->store);
			dm_rt_store_error(card, rc);
			dm_rt_services_txn_end(card, false);
			return DM_SW_MEMORY_PROBLEM;
		}
		dm_rt_services_txn_end(card, keep);
	}
	return card->dead ? DM_SW_MEMORY_PROBLEM : sw;
}

unsigned dm_applet_channel(const dm_applet_ctx *ctx)
{
	return ctx->channel;
}

dm_bytes dm_applet_aid(const dm_applet_ctx *ctx)
{
	return dm_bytes_of(ctx->inst->reg->aid, ctx->inst->reg->aid_len);
}

bool dm_applet_selected_elsewhere(const dm_applet_ctx *ctx)
{
	return (ctx->inst->active & ~(1u << ctx->channel)) != 0;
}

dm_card_protocol dm_applet_protocol(const dm_applet_ctx *ctx)
{
	return ctx->card->proto;
}

const struct dm_profile *dm_applet_profile(dm_applet_ctx *ctx)
{
	struct dm_card *card = ctx->card;
	char err[DM_PROFILE_ERR_MAX];

	if (card->profile == NULL && card->own_profile == NULL &&
	    dm_profile_load_default(&card->own_profile, err, sizeof err) == DM_OK)
		card->profile = card->own_profile;
	return card->profile;
}

uint8_t *dm_applet_transient(dm_applet_ctx *ctx, dm_transient_kind kind, size_t *len)
{
	const dm_applet *a = ctx->inst->reg->applet;
	size_t n = 0;
	uint8_t *p = NULL;

	if (kind == DM_CLEAR_ON_RESET) {
		n = a->reset_size;
		p = ctx->inst->reset_mem;
	} else if (kind == DM_CLEAR_ON_DESELECT && a->deselect_size != 0) {
		n = a->deselect_size;
		p = ctx->inst->deselect_mem + (size_t)ctx->channel * n;
	}
	if (len != NULL)
		*len = p != NULL ? n : 0;
	return p;
}

uint32_t dm_applet_persistent_size(const dm_applet_ctx *ctx)
{
	return ctx->inst->p_size;
}

/* [off, off + n) inside the instance's region. */
static bool in_region(const struct dm_instance *inst, uint32_t off, size_t n)
{
	return off <= inst->p_size && n <= inst->p_size - off;
}

int dm_applet_read(dm_applet_ctx *ctx, uint32_t off, void *buf, size_t n)
{
	if (buf == NULL && n != 0)
		return DM_E_ARG;
	if (!in_region(ctx->inst, off, n))
		return DM_E_VALUE;
	if (ctx->card->dead)
		return DM_E_IO;
	if (n == 0)
		return DM_OK;
	int rc = dm_store_read(ctx->card->store, ctx->inst->p_off + off, buf, n);
	return rc == DM_OK ? rc : dm_rt_store_error(ctx->card, rc);
}

int dm_applet_view(dm_applet_ctx *ctx, uint32_t off, size_t n, const uint8_t **view)
{
	if (view == NULL)
		return DM_E_ARG;
	if (!in_region(ctx->inst, off, n))
		return DM_E_VALUE;
	if (ctx->card->dead)
		return DM_E_IO;
	int rc = dm_store_view(ctx->card->store, ctx->inst->p_off + off, n, view);
	return rc == DM_OK ? rc : dm_rt_store_error(ctx->card, rc);
}

int dm_applet_write(dm_applet_ctx *ctx, uint32_t off, const void *buf, size_t n)
{
	struct dm_card *card = ctx->card;

	if (buf == NULL && n != 0)
		return DM_E_ARG;
	if (!card->in_command)
		return DM_E_STATE;
	if (!in_region(ctx->inst, off, n))
		return DM_E_VALUE;
	if (n == 0)
		return DM_OK;
	int rc = dm_rt_txn_need(card);
	if (rc != DM_OK)
		return rc;
	rc = dm_store_write(card->store, ctx->inst->p_off + off, buf, n);
	return rc == DM_OK ? rc : dm_rt_store_error(card, rc);
}

int dm_applet_commit(dm_applet_ctx *ctx)
{
	struct dm_card *card = ctx->card;

	if (!card->in_command)
		return DM_E_STATE;
	if (card->dead)
		return DM_E_IO;
	if (!card->txn)
		return DM_OK;
	card->txn = false;
	int rc = dm_store_commit(card->store);
	if (rc != DM_OK && rc != DM_E_IO && dm_store_in_transaction(card->store))
		(void)dm_store_abort(card->store);
	dm_rt_services_txn_end(card, rc == DM_OK);
	return rc == DM_OK ? rc : dm_rt_store_error(card, rc);
}

/* --- card-global services --- */

int dm_applet_root_get(dm_applet_ctx *ctx, unsigned slot, uint32_t *off)
{
	uint8_t b[4];

	if (off == NULL || slot >= DM_ROOT_SLOTS)
		return DM_E_ARG;
	if (ctx->card->dead)
		return DM_E_IO;
	int rc = dm_store_read(ctx->card->store, DM_RT_HDR_ROOTS + 4 * slot, b, sizeof b);
	if (rc != DM_OK)
		return dm_rt_store_error(ctx->card, rc);
	*off = dm_get_u32be(b);
	return DM_OK;
}

/* Begin the transaction for a service write (the same rule as
 * dm_applet_write). */
static int service_write_begin(struct dm_card *card)
{
	if (!card->in_command)
		return DM_E_STATE;
	return dm_rt_txn_need(card);
}

int dm_applet_root_set(dm_applet_ctx *ctx, unsigned slot, uint32_t off)
{
	uint8_t b[4];

	if (slot >= DM_ROOT_SLOTS)
		return DM_E_ARG;
	int rc = service_write_begin(ctx->card);
	if (rc != DM_OK)
		return rc;
	dm_put_u32be(b, off);
	rc = dm_store_write(ctx->card->store, DM_RT_HDR_ROOTS + 4 * slot, b, sizeof b);
	return rc == DM_OK ? rc : dm_rt_store_error(ctx->card, rc);
}

int dm_applet_heap_alloc(dm_applet_ctx *ctx, uint32_t size, uint32_t *off)
{
	struct dm_card *card = ctx->card;
	int rc = service_write_begin(card);

	if (rc != DM_OK)
		return rc;
	card->heap_free_valid = false;
	rc = dm_heap_alloc(card->store, DM_RT_HEAP_BASE, size, off);
	return rc == DM_OK ? rc : dm_rt_store_error(card, rc);
}

int dm_applet_heap_free(dm_applet_ctx *ctx, uint32_t off)
{
	struct dm_card *card = ctx->card;
	int rc = service_write_begin(card);

	if (rc != DM_OK)
		return rc;
	card->heap_free_valid = false;
	rc = dm_heap_free(card->store, DM_RT_HEAP_BASE, off);
	return rc == DM_OK ? rc : dm_rt_store_error(card, rc);
}

int dm_applet_heap_resize(dm_applet_ctx *ctx, uint32_t off, uint32_t size, uint32_t *new_off)
{
	struct dm_card *card = ctx->card;
	int rc = service_write_begin(card);

	if (rc != DM_OK)
		return rc;
	card->heap_free_valid = false;
	rc = dm_heap_resize(card->store, DM_RT_HEAP_BASE, off, size, new_off);
	return rc == DM_OK ? rc : dm_rt_store_error(card, rc);
}

int dm_applet_heap_block_size(dm_applet_ctx *ctx, uint32_t off, uint32_t *size)
{
	if (ctx->card->dead)
		return DM_E_IO;
	int rc = dm_heap_block_size(ctx->card->store, DM_RT_HEAP_BASE, off, size);
	return rc == DM_OK ? rc : dm_rt_store_error(ctx->card, rc);
}

int dm_applet_heap_free_bytes(dm_applet_ctx *ctx, uint32_t *bytes)
{
	struct dm_card *card = ctx->card;

	if (bytes == NULL)
		return DM_E_ARG;
	if (card->dead)
		return DM_E_IO;
	if (!card->heap_free_valid) {
		int rc = dm_heap_free_bytes(card->store, DM_RT_HEAP_BASE, &card->heap_free);
		if (rc != DM_OK)
			return dm_rt_store_error(card, rc);
		card->heap_free_valid = true;
	}
	*bytes = card->heap_free;
	return DM_OK;
}

uint32_t dm_applet_heap_len(const dm_applet_ctx *ctx)
{
	return dm_store_capacity(ctx->card->store) - DM_RT_HEAP_BASE;
}

int dm_applet_store_read(dm_applet_ctx *ctx, uint32_t off, void *buf, size_t n)
{
	if (buf == NULL && n != 0)
		return DM_E_ARG;
	if (ctx->card->dead)
		return DM_E_IO;
	if (n == 0)
		return DM_OK;
	int rc = dm_store_read(ctx->card->store, off, buf, n);
	return rc == DM_OK || rc == DM_E_VALUE ? rc : dm_rt_store_error(ctx->card, rc);
}

int dm_applet_store_view(dm_applet_ctx *ctx, uint32_t off, size_t n, const uint8_t **view)
{
	if (view == NULL)
		return DM_E_ARG;
	if (ctx->card->dead)
		return DM_E_IO;
	int rc = dm_store_view(ctx->card->store, off, n, view);
	return rc == DM_OK || rc == DM_E_VALUE ? rc : dm_rt_store_error(ctx->card, rc);
}

int dm_applet_store_write(dm_applet_ctx *ctx, uint32_t off, const void *buf, size_t n)
{
	struct dm_card *card = ctx->card;

	if (buf == NULL && n != 0)
		return DM_E_ARG;
	/* The runtime header below the heap belongs to the runtime. */
	if (off < DM_RT_HEAP_BASE)
		return DM_E_VALUE;
	int rc = service_write_begin(card);
	if (rc != DM_OK || n == 0)
		return rc;
	rc = dm_store_write(card->store, off, buf, n);
	return rc == DM_OK || rc == DM_E_VALUE ? rc : dm_rt_store_error(card, rc);
}

void *dm_applet_service(dm_applet_ctx *ctx, unsigned id)
{
	return id < DM_SERVICE_SLOTS ? ctx->card->svc_state[id] : NULL;
}

int dm_applet_service_attach(dm_applet_ctx *ctx, unsigned id, void *state,
			     const dm_service_ops *ops)
{
	struct dm_card *card = ctx->card;

	if (id >= DM_SERVICE_SLOTS || state == NULL || ops == NULL)
		return DM_E_ARG;
	if (card->svc_ops[id] != NULL)
		return DM_E_STATE;
	card->svc_state[id] = state;
	card->svc_ops[id] = ops;
	return DM_OK;
}
