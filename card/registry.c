/*
 * registry.c - the applications of the default card profile
 * (dmsc-reference "Card profile v1"), in SELECT occurrence order: the MF
 * (default application, carrying the UICC file system and installing the
 * default profile, profiles/default.json) and one ADF application per ADF
 * of that profile (card/uicc.h); the DMSC application is its own applet
 * (card/dmsc.h).
 */
#include "applet.h"
#include "dmsc.h"
#include "uicc.h"

#define AID_PKCS15 0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35
#define AID_DMSC 0xF0, 0x4F, 0x4D, 0x41, 0x44, 0x4D, 0x53, 0x43

const dm_applet_reg dm_default_registry[] = {
	{ .applet = &dm_uicc_mf_applet, .aid_len = 0 }, /* default application: MF */
	{ .applet = &dm_uicc_adf_applet, .aid_len = 12, .aid = { AID_PKCS15 } },
	{ .applet = &dm_dmsc_applet, .aid_len = 8, .aid = { AID_DMSC } }, /* card/dmsc.h */
};

const size_t dm_default_registry_len = DM_ARRAY_LEN(dm_default_registry);
