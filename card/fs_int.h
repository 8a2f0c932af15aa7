/*
 * fs_int.h - internals of the UICC file system shared by card/fs*.c
 * (docs/filesystem.md).  Nothing outside the fs files includes it.
 *
 * Persistent model: every file is one heap block "header" (layout below);
 * an EF with content has a second block "body".  Headers link the tree:
 * parent, first child, next sibling (store offsets).  The MF's header offset
 * is in the runtime's root slot DM_ROOT_UICC.  Headers never move, so a
 * header offset names a file for as long as it exists.
 *
 * RAM model: an index of nodes (one per file) with three hash chains:
 * (parent, FID), (parent, SFI) and header offset, so that finding a file
 * costs the same with 10 or 1000 files.  Only what never changes while a
 * file exists is cached (FID, SFI, kind, links, AID, application); what
 * commands change (life cycle, size, body, record order) is read from the
 * header each time.  The index is rebuilt from the store when a
 * transaction that changed the tree is aborted.
 */
#ifndef DM_FS_INT_H
#define DM_FS_INT_H

#include "fs.h"

/* --- header layout (big-endian) --- */
#define HDR_MAGIC 0x55u        /* 'U' */
#define HDR_VERSION 1u
#define H_MAGIC 0u
#define H_VERSION 1u
#define H_KIND 2u
#define H_FDB 3u
#define H_FID 4u               /* u16 */
#define H_LCSI 6u
#define H_SFI_MODE 7u          /* dm_fcp_sfi_mode */
#define H_SFI 8u
#define H_SPECIAL 9u           /* A5/C0 */
#define H_DETAILS 10u          /* A5/84 */
#define H_APP 11u              /* ADF: application number 1..15 */
#define H_REC_LEN 12u          /* u16 */
#define H_REC_COUNT 14u        /* u16 */
#define H_SIZE 16u             /* u32: body bytes */
#define H_BODY 20u             /* u32: body block, 0 = none */
#define H_PARENT 24u           /* u32 */
#define H_CHILD 28u            /* u32: first child */
#define H_NEXT 32u             /* u32: next sibling */
#define H_CYC_HEAD 36u         /* u16: cyclic EF, physical index of record 1 */
#define H_SEC_FORM 38u         /* 0, 8B, 8C, AB */
#define H_SEC_LEN 39u
#define H_AID_LEN 40u
#define H_PIN_COUNT 41u
#define H_PINS 42u             /* DM_FS_MAX_PINS key references */
#define H_HAS_FID 50u
#define HDR_FIXED 56u          /* then AID bytes, then security attribute bytes */
#define HDR_MAX (HDR_FIXED + DM_FCP_AID_MAX + 255u)

enum fs_kind {
	FS_MF = 1,
	FS_DF = 2,
	FS_ADF = 3,
	FS_EF = 4,
};

/* A decoded header. */
struct fs_hdr {
	uint32_t off;           /* where it is */
	uint8_t kind, fdb, lcsi, sfi_mode, sfi, special, details, app;
	uint16_t fid;
	bool has_fid;
	uint16_t rec_len, rec_count, cyc_head;
	uint32_t size, body, parent, child, next;
	uint8_t sec_form, sec_len, aid_len, pin_count;
	uint8_t pins[DM_FS_MAX_PINS];
	uint8_t aid[DM_FCP_AID_MAX];
	uint8_t sec[255];
};

static inline bool fs_is_df(const struct fs_hdr *h)
{
	return h->kind != FS_EF;
}

/* Le = 00 (short) or 0000 (extended): "as many as there are, up to the
 * maximum" (ISO 7816-4 §5.1), never a reason for 6282. */
static inline bool fs_le_is_max(const dm_capdu *cmd)
{
	return cmd->ne == (cmd->extended ? DM_APDU_EXT_MAX_NE : DM_APDU_SHORT_MAX_NE);
}

/* --- the RAM index --- */
#define FS_NONE (-1)

struct fs_node {
	uint32_t hdr;                 /* store offset of the header; 0 = free slot */
	int32_t parent, child, next;  /* tree, as node indices */
	int32_t h_fid, h_sfi, h_off;  /* hash chains */
	uint16_t fid;
	bool has_fid;
	uint8_t kind;
	uint8_t sfi;                  /* effective SFI, 0 = none */
	uint8_t app;                  /* ADF: application number */
	uint8_t depth;                /* MF 0 */
};

struct fs_adf {
	int32_t node;
	uint8_t app;
	uint8_t aid_len;
	uint8_t aid[DM_FCP_AID_MAX];
};

/* Selection on one logical channel, as header offsets (stable across a
 * rebuild of the index). */
struct fs_chan {
	uint32_t df;   /* current DF; 0 = the MF */
	uint32_t ef;   /* current EF; 0 = none */
	uint32_t adf;  /* current application's ADF; 0 = none */
	uint8_t rec;   /* current record number; 0 = none */
};

struct dm_fs {
	struct fs_node *nodes;
	uint32_t cap;            /* slots in nodes */
	uint32_t used;           /* files */
	int32_t free_head;       /* free slots, chained through next */
	int32_t *b_fid, *b_sfi, *b_off;
	uint32_t nbuckets;       /* power of two */
	int32_t root;            /* the MF's node */
	struct fs_adf adf[DM_SEC_MAX_APPS];
	unsigned nadf;
	bool stale;              /* rebuild the index before use */
	bool changed;            /* the tree changed in the open transaction */
	struct fs_chan ch[DM_CARD_CHANNELS];
	dm_sec_state sec;        /* one per card session (security.h) */
};

/* One command on one channel. */
struct fs_op {
	dm_fs *fs;
	dm_applet_ctx *ctx;
	struct fs_chan *ch;
	const dm_capdu *cmd;
	dm_wbuf *resp;
};

/* --- fs.c: service, headers, index --- */
uint16_t dm_fsi_sw(int rc);
int dm_fsi_hdr_read(dm_applet_ctx *ctx, uint32_t off, struct fs_hdr *h);
int dm_fsi_hdr_put8(dm_applet_ctx *ctx, uint32_t hdr, unsigned field, uint8_t v);
int dm_fsi_hdr_put16(dm_applet_ctx *ctx, uint32_t hdr, unsigned field, uint16_t v);
int dm_fsi_hdr_put32(dm_applet_ctx *ctx, uint32_t hdr, unsigned field, uint32_t v);
int32_t dm_fsi_node_of(const dm_fs *fs, uint32_t hdr);
int32_t dm_fsi_child(const dm_fs *fs, int32_t parent, uint16_t fid);
int32_t dm_fsi_child_sfi(const dm_fs *fs, int32_t parent, uint8_t sfi);
int32_t dm_fsi_adf_by_aid(const dm_fs *fs, const uint8_t *aid, size_t len);
/* Index a new file (its header written, linked first under parent). */
int dm_fsi_index_add(dm_fs *fs, int32_t parent, const struct fs_hdr *h, int32_t *idx);
/* Drop node idx and its whole subtree from the index. */
void dm_fsi_index_remove(dm_fs *fs, int32_t idx);
/* The ADF a node is in (itself for an ADF), FS_NONE under the MF only. */
int32_t dm_fsi_adf_of(const dm_fs *fs, int32_t idx);
/* The channel's current DF / EF (FS_NONE) / application ADF (FS_NONE). */
int32_t dm_fsi_cur_df(const struct fs_op *op);
int32_t dm_fsi_cur_ef(const struct fs_op *op);
int32_t dm_fsi_cur_adf(const struct fs_op *op);
/* The application number of the channel (0 = none). */
uint8_t dm_fsi_cur_app(const struct fs_op *op);
/* Make node idx the channel's current file (TS 102 221 §8.4.1). */
void dm_fsi_set_current(struct fs_op *op, int32_t idx);
/* A file is gone: every channel that had it selected goes to `parent`. */
void dm_fsi_forget(dm_fs *fs, uint32_t hdr, uint32_t parent_hdr);

/* --- fs_access.c: access rules and the PIN table --- */
/* Check op on the file against its access rule: 9000, 6982, 6581. */
uint16_t dm_fsi_access(struct fs_op *op, int32_t idx, const struct fs_hdr *h, dm_sec_op sop);
/* Refusals from the file's life cycle (TS 102 221 §11.1.1.4.9, TS 102 222):
 * 6984 deactivated (unless A5/C0 allows), 6985 terminated; 9000 else. */
uint16_t dm_fsi_usable(const struct fs_hdr *h);
uint16_t dm_fsi_pin_command(struct fs_op *op);

/* --- fs_fcp.c --- */
/* The FCP of a file (SELECT P2 04, STATUS P2 00) appended to resp. */
uint16_t dm_fsi_fcp(struct fs_op *op, int32_t idx, const struct fs_hdr *h, dm_wbuf *resp);
/* Bytes a file occupies in the card's memory (81). */
uint32_t dm_fsi_total_size(const struct fs_hdr *h);

/* --- fs_select.c --- */
/* Resolve a file reference as SELECT does (P1 00, 01, 03, 08, 09).
 * 9000 and *idx, or 6A82, 6A86, 6700. */
uint16_t dm_fsi_resolve(struct fs_op *op, uint8_t p1, const uint8_t *data, size_t n,
			int32_t *idx);
uint16_t dm_fsi_select(struct fs_op *op);
uint16_t dm_fsi_status(struct fs_op *op);
/* The EF a READ/UPDATE/SEARCH addresses: by SFI (made current) or the
 * current EF.  9000 and *idx / *h, or 6986, 6A82. */
uint16_t dm_fsi_target_ef(struct fs_op *op, uint8_t sfi, int32_t *idx, struct fs_hdr *h);

/* --- fs_binary.c, fs_record.c --- */
uint16_t dm_fsi_read_binary(struct fs_op *op);
uint16_t dm_fsi_update_binary(struct fs_op *op);
uint16_t dm_fsi_read_binary_odd(struct fs_op *op);   /* B1 (p, GEN-12) */
uint16_t dm_fsi_update_binary_odd(struct fs_op *op); /* D7 */
uint16_t dm_fsi_read_record(struct fs_op *op);
uint16_t dm_fsi_update_record(struct fs_op *op);
uint16_t dm_fsi_search_record(struct fs_op *op);
/* Store offset of logical record rec (1..count) of a record EF. */
uint32_t dm_fsi_record_off(const struct fs_hdr *h, unsigned rec);
/* Fill [off, off + n) of the store with a filling / repeat pattern or FF
 * (TS 102 222 §6.3 table 5), each `unit` bytes (a record, or the whole
 * file) starting the pattern anew. */
int dm_fsi_fill(dm_applet_ctx *ctx, uint32_t off, uint32_t n, uint32_t unit,
		const dm_fs_create *def);

/* --- fs_admin.c --- */
/* Create a file under parent (no access check, selection unchanged). */
uint16_t dm_fsi_create(dm_fs *fs, dm_applet_ctx *ctx, int32_t parent, const dm_fs_create *def,
		       int32_t *idx);
uint16_t dm_fsi_create_file(struct fs_op *op);
uint16_t dm_fsi_delete_file(struct fs_op *op);
uint16_t dm_fsi_resize_file(struct fs_op *op);
uint16_t dm_fsi_activation(struct fs_op *op, bool activate);
uint16_t dm_fsi_terminate(struct fs_op *op, bool df);
/* Parse a CREATE FILE / RESIZE FILE FCP into def: 9000 or 6A80. */
uint16_t dm_fsi_parse_create(const uint8_t *data, size_t n, dm_fs_create *def);

#endif
