/*
 * dm_common.h - error convention and byte-buffer types shared by every layer.
 *
 * Error convention (docs/proto.md):
 *   - Every fallible function returns int: DM_OK (0) on success, a negative
 *     dm_err on failure.  Nothing is printed; dm_strerror() names the error.
 *   - At the APDU boundary the card turns these into status words; at the
 *     user boundary the host turns them into messages.
 *
 * Buffer ownership rule:
 *   - Input is a borrowed view (dm_bytes): the callee never keeps the pointer
 *     beyond the call unless the header of that function says the result
 *     "borrows" from the input (then the result lives as long as the input).
 *   - Output goes into a caller-owned buffer (dm_wbuf) whose capacity is
 *     checked before every write.  proto/ never allocates.
 *   - On failure an output buffer's len is left where the failing write
 *     started (no partial element is reported as written).
 */
#ifndef DM_COMMON_H
#define DM_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum dm_err {
	DM_OK = 0,
	DM_E_ARG = -1,          /* caller error: NULL pointer, impossible argument */
	DM_E_TRUNCATED = -2,    /* input ends before a declared length */
	DM_E_TRAILING = -3,     /* bytes left after a complete element */
	DM_E_LENGTH = -4,       /* length field malformed or out of range */
	DM_E_TAG = -5,          /* tag malformed, or not the tag expected */
	DM_E_VALUE = -6,        /* a field's value is outside what the standard allows */
	DM_E_OVERFLOW = -7,     /* output buffer too small */
	DM_E_NOT_FOUND = -8,    /* looked-up element absent */
	DM_E_UNSUPPORTED = -9,  /* valid input we deliberately do not handle */
	DM_E_CRYPTO = -10,      /* cryptographic operation failed / verification failed */
	DM_E_IO = -11,          /* I/O error (card/ and host/ only) */
	DM_E_NOMEM = -12,       /* out of memory or out of card space */
	DM_E_STATE = -13,       /* operation not allowed in the current state */
	DM_E_CORRUPT = -14,     /* persistent data failed an integrity check */
} dm_err;

/* Human-readable name of a dm_err ("input truncated", ...). Never NULL. */
const char *dm_strerror(int err);

/* A borrowed, read-only view of bytes. */
typedef struct dm_bytes {
	const uint8_t *ptr;
	size_t len;
} dm_bytes;

/* A caller-owned output buffer: ptr[0..cap), of which len bytes are written. */
typedef struct dm_wbuf {
	uint8_t *ptr;
	size_t cap;
	size_t len;
} dm_wbuf;

static inline dm_wbuf dm_wbuf_init(uint8_t *ptr, size_t cap)
{
	dm_wbuf w = { ptr, cap, 0 };
	return w;
}

static inline dm_bytes dm_bytes_of(const uint8_t *ptr, size_t len)
{
	dm_bytes b = { ptr, len };
	return b;
}

/* Append n bytes; DM_E_OVERFLOW (and nothing written) if they do not fit. */
int dm_wbuf_put(dm_wbuf *w, const void *p, size_t n);
int dm_wbuf_put_u8(dm_wbuf *w, uint8_t v);
int dm_wbuf_put_u16be(dm_wbuf *w, uint16_t v);
int dm_wbuf_put_u32be(dm_wbuf *w, uint32_t v);
static inline size_t dm_wbuf_room(const dm_wbuf *w) { return w->cap - w->len; }

/* Big-endian loads and stores on raw memory (no bounds: callers check). */
static inline uint16_t dm_get_u16be(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t dm_get_u32be(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void dm_put_u16be(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void dm_put_u32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* Constant-time comparison of secrets: 0 when equal. Time depends on n only. */
int dm_ct_memcmp(const void *a, const void *b, size_t n);
/* Wipe memory in a way the compiler may not elide. */
void dm_wipe(void *p, size_t n);

#define DM_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
