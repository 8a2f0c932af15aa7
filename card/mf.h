/*
 * mf.h - the MF stand-in: the card's default application until the UICC
 * file system (TS 102 221 §8, its own issue) replaces it.  It answers
 * SELECT MF (00 A4 00 04|0C 02 3F00, or no data) with a minimal FCP and
 * knows no other file.
 */
#ifndef DM_MF_H
#define DM_MF_H

#include "applet.h"

extern const dm_applet dm_mf_applet;

#endif
