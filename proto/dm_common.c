#include "dm_common.h"

#include <string.h>

const char *dm_strerror(int err)
{
	switch ((dm_err)err) {
	case DM_OK: return "success";
	case DM_E_ARG: return "invalid argument";
	case DM_E_TRUNCATED: return "input truncated";
	case DM_E_TRAILING: return "trailing bytes after element";
	case DM_E_LENGTH: return "malformed or out-of-range length";
	case DM_E_TAG: return "malformed or unexpected tag";
	case DM_E_VALUE: return "value not allowed";
	case DM_E_OVERFLOW: return "output buffer too small";
	case DM_E_NOT_FOUND: return "not found";
	case DM_E_UNSUPPORTED: return "not supported";
	case DM_E_CRYPTO: return "cryptographic failure";
	case DM_E_IO: return "I/O error";
	case DM_E_NOMEM: return "out of memory";
	case DM_E_STATE: return "not allowed in current state";
	case DM_E_CORRUPT: return "integrity check failed";
	}
	return "unknown error";
}

int dm_wbuf_put(dm_wbuf *w, const void *p, size_t n)
{
	if (w == NULL || (p == NULL && n != 0))
		return DM_E_ARG;
	if (n > w->cap - w->len)
		return DM_E_OVERFLOW;
	if (n != 0)
		memcpy(w->ptr + w->len, p, n);
	w->len += n;
	return DM_OK;
}

int dm_wbuf_put_u8(dm_wbuf *w, uint8_t v)
{
	return dm_wbuf_put(w, &v, 1);
}

int dm_wbuf_put_u16be(dm_wbuf *w, uint16_t v)
{
	uint8_t b[2];
	dm_put_u16be(b, v);
	return dm_wbuf_put(w, b, sizeof b);
}

int dm_wbuf_put_u32be(dm_wbuf *w, uint32_t v)
{
	uint8_t b[4];
	dm_put_u32be(b, v);
	return dm_wbuf_put(w, b, sizeof b);
}

int dm_ct_memcmp(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (uint8_t)(x[i] ^ y[i]);
	return d != 0;
}

void dm_wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;
	while (n--)
		*v++ = 0;
}
