/*
 * registry.c - the applications of the default card profile
 * (dmsc-reference "Card profile v1"), in SELECT occurrence order.  The
 * PKCS#15 and DMSC applications join this table when they exist.
 */
#include "applet.h"
#include "mf.h"

const dm_applet_reg dm_default_registry[] = {
	{ .applet = &dm_mf_applet, .aid_len = 0 }, /* default application: MF */
};

const size_t dm_default_registry_len = DM_ARRAY_LEN(dm_default_registry);
