/*
 * mf.h - a minimal MF: the default application of the runtime's test card
 * (applets/echo.h), not of the default card, whose MF is the UICC file
 * system (card/uicc.h).  It answers SELECT MF (00 A4 00 04|0C 02 3F00, or
 * no data) with a minimal FCP and knows no other file.
 */
#ifndef DM_MF_H
#define DM_MF_H

#include "applet.h"

extern const dm_applet dm_mf_applet;

#endif
