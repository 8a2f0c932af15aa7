/*
 * fs_notify.c - where file changes go (fs.h dm_fs_notify): every
 * successful file-changing command reports the file here, inside its own
 * transaction, so that what depends on it changes with it or not at all:
 *   - the DMSC application's change counter and EF_INFO (GEN-20, dmsc.h);
 *   - the toolkit's REFRESH of the changed file (GEN-20, q);
 *   - a change of EF_DEVCHG logged to EF_EVLOG (GEN-15, q).
 */
#include "fs.h"

#include "dmsc.h"
#include "dmsc_sec.h"
#include "toolkit.h"

/* q: the ADFs whose provisioning EFs a REFRESH names (3F00 7FFF EF + AID). */
static const uint8_t p15_aid[] = { 0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43,
				   0x53, 0x2D, 0x31, 0x35 };
static const uint8_t dmsc_aid[] = { DM_DMSC_AID };

int dm_fs_notify(dm_applet_ctx *ctx, const dm_fs_change *chg)
{
	int rc = dm_dmsc_on_change(ctx, chg);

	/* q: GEN-20, REFRESH (file change notification) of the changed
	 * provisioning EF, queued in the same transaction (toolkit.h). */
	if (rc == DM_OK && dm_dmsc_is_provisioning(chg->path, chg->path_len))
		rc = dm_toolkit_refresh_adf_file(ctx, chg->path[1],
						 chg->path[0] == DM_P15_FID_ADF ?
						 dm_bytes_of(p15_aid, sizeof p15_aid) :
						 dm_bytes_of(dmsc_aid, sizeof dmsc_aid));
	/* q: GEN-15, the device told the card about a configuration change
	 * (EF_DEVCHG): logged to EF_EVLOG in the same transaction; a card
	 * without EF_EVLOG just takes the change. */
	if (rc == DM_OK && chg->path_len == 2 && chg->path[0] == DM_DMSC_FID_ADF &&
	    chg->path[1] == DM_DMSC_FID_DEVCHG) {
		static const uint8_t devchg[] = { 0x3F, 0x00, 0x7F, 0x60, 0x64, 0x21 };
		dm_evlog_event ev = { .type = DM_EVLOG_DEVCHG, .source = DM_EVLOG_SRC_CARD,
				      .action = 0xFF,
				      .name = dm_bytes_of(devchg, sizeof devchg) };
		rc = dm_dmsc_evlog_append(ctx, &ev);
		if (rc == DM_E_NOT_FOUND)
			rc = DM_OK;
	}
	return rc;
}
