/*
 * uicc.h - the applets that carry the UICC file system (card/fs.h):
 *
 *   dm_uicc_mf_applet   the MF as the card's default application (registry
 *                       entry with aid_len 0): selected at power-on and by
 *                       SELECT MF; installs the card profile (card/profile.h)
 *                       when the image is created.
 *   dm_uicc_adf_applet  one generic "ADF application", registered once per
 *                       ADF under the ADF's AID (ADF PKCS15, ADF DMSC):
 *                       SELECT by AID makes that ADF the current DF and
 *                       application of the channel.
 *
 * Both hand every file and PIN command to dm_uicc_process(), so the
 * channel's file selection and the card's security status are the same
 * whichever of them is selected.  An application with commands of its own
 * (the DMSC application, later) is an applet whose process() handles its
 * INS and falls back to dm_uicc_process() for the rest; its select() calls
 * dm_uicc_adf_select().
 *
 * Applet selection and file selection (docs/filesystem.md): SELECT by AID
 * (P1 04) selects an applet instance (the runtime) and the ADF (the file
 * system).  SELECT of an ADF by FID (7F50, 7F60) or by a path through it
 * is a file selection only: the ADF becomes the current DF and application
 * for file and PIN commands, while the applet selected on the channel stays
 * what it was, so application-specific commands still need SELECT by AID.
 */
#ifndef DM_UICC_H
#define DM_UICC_H

#include "applet.h"

extern const dm_applet dm_uicc_mf_applet;
extern const dm_applet dm_uicc_adf_applet;

/* select() of an ADF application: the ADF named by the instance's AID. */
uint16_t dm_uicc_adf_select(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp);
/* File system and PIN commands (fs.h dm_fs_process). */
uint16_t dm_uicc_process(dm_applet_ctx *ctx, const dm_capdu *cmd, dm_wbuf *resp);

#endif
