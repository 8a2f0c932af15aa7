#!/usr/bin/env bash
# tests/integration/toolkit.sh - proactive notification of dmsc-card
# (card/toolkit.h, docs/toolkit.md; TS 102 221 §7.4.2.2, §11.2;
# TS 102 223) through a real, isolated pcscd + vpcd (tools/reader-stack),
# with opensc-tool only.
#
#   toolkit.sh READER-STACK DMSC-CARD
#
# Covers, on a fresh default image:
#   GEN-21  no 91xx before TERMINAL PROFILE; after it the card asks for its
#           poll interval (POLL INTERVAL 30 s), FETCH / TERMINAL RESPONSE;
#   GEN-20  an UPDATE BINARY of EF_POLICY (provisioning data) with ADM1:
#           91xx, STATUS -> 91xx, FETCH -> REFRESH (file change
#           notification) naming 3F00 7FFF 6423 with the DMSC AID, TERMINAL
#           RESPONSE -> 9000; a wrong TERMINAL RESPONSE -> 6A80;
#   restart the REFRESH of a change survives kill -9 of the card (it is in
#           the store with the change); the TERMINAL PROFILE does not.
#   GEN-14  the session trigger 80 3A (docs/dmsc-app.md): refused without
#           ADM1; with it, EF_TRIG record 1 and the REFRESH naming
#           3F00 7FFF 6422 with the DMSC AID: the reference's exact bytes.
#
# Exit 0 pass, 1 fail.  77 (skip) only outside CI and only when the stack
# cannot be isolated here; with CI=true that is a failure too.
set -uo pipefail

stack_tool=${1:?usage: toolkit.sh READER-STACK DMSC-CARD}
card_bin=${2:?usage: toolkit.sh READER-STACK DMSC-CARD}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/dmsc-toolkit-test.XXXXXX")
trap lib_cleanup EXIT

AID_DMSC=F04F4D41444D5343
ADM1=3838383838383838
TP=8010000003FFFFFF
STATUS=80F2000C00
# POLL INTERVAL 30 s (TS 102 223 §6.4.6), command number $1.
poll30() { echo "D00D8103${1}0300820281828402011E"; }
# REFRESH, qualifier 01, File List 3F00 7FFF $2, AID of ADF DMSC
# (dmsc-reference "Proactive notification" 4), command number $1.
refresh() { echo "D01C8103${1}0101820281829207013F007FFF${2}AF08${AID_DMSC}"; }
# TERMINAL RESPONSE: command details $1 (number type qualifier), result $2.
tr_apdu() { echo "801400000C8103${1}820282818301${2}"; }

need opensc-tool
lib_start_stack
img=$work/card.img
"$stack_tool" attach "$stack" 0 "$card_bin" --image "$img" -v --trace "$work/trace.log" \
	>/dev/null || bail "dmsc-card (fresh default image) is seen in reader 0"
ok "dmsc-card (fresh default image) is seen in reader 0"

card_reset 0
mapfile -t r < <(apdus 0 $STATUS 8012000000 $TP $STATUS 801200000F \
	"$(tr_apdu 050300 00)" "$(tr_apdu 010300 00)" $STATUS 8012000000)
check "GEN-21: STATUS before TERMINAL PROFILE: 9000, never 91xx" "${r[0]:-}" 9000
check "GEN-21: FETCH before TERMINAL PROFILE: 6985" "${r[1]:-}" 6985
check "GEN-21: TERMINAL PROFILE -> 910F (POLL INTERVAL pending)" "${r[2]:-}" 910F
check "GEN-21: STATUS -> 910F" "${r[3]:-}" 910F
check "GEN-21: FETCH -> POLL INTERVAL 30 s" "${r[4]:-}" "$(poll30 01)9000"
check "TERMINAL RESPONSE with another command number: 6A80" "${r[5]:-}" 6A80
check "GEN-21: TERMINAL RESPONSE -> 9000" "${r[6]:-}" 9000
check "STATUS with nothing pending: 9000" "${r[7]:-}" 9000
check "FETCH with nothing pending: 6985" "${r[8]:-}" 6985

# A change of provisioning data: EF_POLICY (ADF DMSC 6423), ADM1 (AUT-1).
card_reset 0
mapfile -t r < <(apdus 0 $TP 801200000F "$(tr_apdu 010300 00)" 0020000A08$ADM1 \
	00A4040C08$AID_DMSC 00A4000C026423 00B0000001 00D6000001AA $STATUS \
	801200001E "$(tr_apdu 020101 00)" $STATUS)
check "GEN-20: session set up (TP, POLL INTERVAL fetched and answered)" \
	"${r[0]:-} ${r[2]:-}" "910F 9000"
check "GEN-20: VERIFY ADM1, SELECT ADF DMSC, EF_POLICY" "${r[3]:-} ${r[4]:-} ${r[5]:-}" \
	"9000 9000 9000"
check "GEN-20: READ BINARY of EF_POLICY: no 91xx yet" "${r[6]:(-4)}" 9000
check "GEN-20: UPDATE BINARY of EF_POLICY -> 911E (REFRESH pending)" "${r[7]:-}" 911E
check "GEN-20: STATUS (the poll) -> 911E" "${r[8]:-}" 911E
check "GEN-20: FETCH -> REFRESH 3F00 7FFF 6423 + AID" "${r[9]:-}" "$(refresh 02 6423)9000"
check "GEN-20: TERMINAL RESPONSE ok -> 9000" "${r[10]:-}" 9000
check "GEN-20: nothing pending afterwards" "${r[11]:-}" 9000

# The REFRESH of a change is in the store with the change: kill -9 and
# restart on the same image, then a new session.
card_reset 0
mapfile -t r < <(apdus 0 0020000A08$ADM1 00A4040C08$AID_DMSC 00A4000C026423 \
	00D600000155 $STATUS)
check "restart: a second change, no TERMINAL PROFILE in this session: 9000" \
	"${r[3]:-} ${r[4]:-}" "9000 9000"
pid=$(cat "$stack/card0.pid")
kill -KILL "$pid"
rm -f "$stack/card0.pid"
wait_for 10 absent 0 || not_ok "kill -9 of dmsc-card is seen as card removal"
"$stack_tool" attach "$stack" 0 "$card_bin" --image "$img" -v --trace "$work/trace.log" \
	>/dev/null || bail "dmsc-card restarted on the same image"
mapfile -t r < <(apdus 0 $STATUS $TP 801200001E "$(tr_apdu 010101 00)" 801200000F \
	"$(tr_apdu 020300 00)")
check "restart: STATUS before TERMINAL PROFILE: 9000" "${r[0]:-}" 9000
check "restart: TERMINAL PROFILE -> 911E (the REFRESH survived)" "${r[1]:-}" 911E
check "restart: FETCH -> the REFRESH of EF_POLICY" "${r[2]:-}" "$(refresh 01 6423)9000"
check "restart: then POLL INTERVAL" "${r[3]:-} ${r[4]:-}" "910F $(poll30 02)9000"
check "restart: queue empty" "${r[5]:-}" 9000

# GEN-14: the card asks the device for a session.  Triggered before the
# TERMINAL PROFILE, so the REFRESH is command 01: the reference's example.
TRIG=803A00000E8001018105444D53727682020042
# number 1, reason 01, session id 0042, "DMSrv", FF padding
TRIG_REC=0000000101004205444D537276$(printf 'FF%.0s' $(seq 19))
card_reset 0
mapfile -t r < <(apdus 0 00A4040C08$AID_DMSC $TRIG 0020000A08$ADM1 $TRIG 00B2011C20 $TP \
	801200001E "$(tr_apdu 010101 00)" 801200000F "$(tr_apdu 020300 00)")
check "GEN-14: trigger without ADM1: 6982" "${r[1]:-}" 6982
check "GEN-14: trigger with ADM1: 9000 (no TERMINAL PROFILE yet)" "${r[2]:-} ${r[3]:-}" \
	"9000 9000"
check "GEN-14: EF_TRIG record 1" "${r[4]:-}" "${TRIG_REC}9000"
check "GEN-14: TERMINAL PROFILE -> 911E" "${r[5]:-}" 911E
check "GEN-14: FETCH -> D0 1C 81 03 01 01 01 82 02 81 82 92 07 01 3F00 7FFF 6422 AF 08 AID" \
	"${r[6]:-}" "D01C8103010101820281829207013F007FFF6422AF08${AID_DMSC}9000"
check "GEN-14: TERMINAL RESPONSE -> 910F, then POLL INTERVAL" "${r[7]:-} ${r[8]:-} ${r[9]:-}" \
	"910F $(poll30 02)9000 9000"

no_sanitizer_reports
lib_finish
