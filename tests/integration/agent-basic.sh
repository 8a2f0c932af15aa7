#!/usr/bin/env bash
# tests/integration/agent-basic.sh - dmsc-agent's readers, probe, apdu and
# pin commands through a real, isolated pcscd + vpcd (tools/reader-stack)
# with dmsc-card in reader 0 and tools/minimal-card (9000 to everything, no
# DM_SC) in reader 1; docs/agent.md.
#
#   agent-basic.sh READER-STACK DMSC-CARD MINIMAL-CARD DMSC-AGENT
#
# Covers: pcscd not running (plain message, exit 3); readers lists both;
# probe on the default card (ATR decoded, T=1, extended APDUs, DM_SC yes,
# provisioning present, change counter) and on the minimal card
# (unsupported, exit 4), by index and by name, --json; apdu with SW names;
# -v trace; pin status / wrong PIN tries left / verify / blocked explained /
# unblock; a T=0 card (GET RESPONSE through pcscd); no card (exit 3).
#
# Exit 0 pass, 1 fail, 77 skip as lib.sh says.
set -uo pipefail

usage="usage: agent-basic.sh READER-STACK DMSC-CARD MINIMAL-CARD DMSC-AGENT"
stack_tool=${1:?$usage}
card_bin=${2:?$usage}
minimal_bin=${3:?$usage}
agent=${4:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/dmsc-agent-test.XXXXXX")
trap lib_cleanup EXIT
need opensc-tool

# run NAME WANT-EXIT PATTERN ARGS...: dmsc-agent ARGS exits WANT-EXIT and its
# output (stdout and stderr) matches PATTERN (ERE).
run() {
	local name=$1 want=$2 pat=$3 out rc=0
	shift 3
	out=$(timeout "$T" "$agent" "$@" 2>&1) || rc=$?
	if [ "$rc" = "$want" ] && grep -Eq -- "$pat" <<<"$out"; then
		ok "$name"
	else
		not_ok "$name"
		echo "command: dmsc-agent $* (exit $rc, want $want)" | comment
		comment <<<"$out"
	fi
}

# --- pcscd not running: said plainly, with how to start it ---
PCSCLITE_CSOCK_NAME=$work/no-pcscd.comm run "pcscd not running: plain message, exit 3" 3 \
	"pcscd is not running .*no-pcscd.comm.*reader-stack start" readers
PCSCLITE_CSOCK_NAME=$work/no-pcscd.comm run "pcscd not running: probe says so too" 3 \
	"pcscd is not running" probe

lib_start_stack
"$stack_tool" attach "$stack" 0 "$card_bin" --image "$work/card.img" >/dev/null ||
	bail "dmsc-card is seen in reader 0"
"$stack_tool" attach "$stack" 1 "$minimal_bin" >/dev/null || bail "minimal-card is seen in reader 1"
ok "dmsc-card in reader 0, minimal-card in reader 1"

run "readers lists both readers with their ATRs" 0 \
	"0: dmsc 00 00: card, ATR 3B9A9681B1FE451FC78031E073FE21DF829000" readers
run "readers: reader 1 holds the minimal card" 0 "1: dmsc 00 01: card, ATR 3B800181" readers
run "readers --json" 0 '"name":"dmsc 00 01"' readers --json

# --- probe ---
card_reset 0
run "probe (first reader with a card): DM_SC yes" 0 "DM_SC: yes" probe
run "probe: provisioning data present (GEN-2)" 0 "provisioning data: present" probe
run "probe: ATR decoded, T=1 from TD1" 0 "protocols: T=1 \(default\)" probe
run "probe: extended APDUs over vpcd" 0 "connected: T=1, extended APDUs yes" probe
run "probe: change counter" 0 "change counter: [0-9]+" probe
run "probe --json by reader name" 0 '"dmsc":true' probe --json --reader "dmsc 00 00"
run "probe of the minimal card: unsupported, exit 4" 4 "DM_SC: no: unsupported card" \
	probe --reader 1
run "probe --reader of an unknown reader" 3 'no reader "nope"' probe --reader nope

# --- apdu ---
run "apdu: SELECT DMSC 9000 OK" 0 "< 9000 OK \(normal ending" apdu 00A4040C08F04F4D41444D5343
run "apdu: unknown AID 6A82 named, exit 1" 1 "6A82 FILE_NOT_FOUND" apdu 00A4040C06A00000009999
run "apdu: the minimal card answers 9000 to anything" 0 "< 9000 OK" -r 1 apdu 00B0000010
run "-v traces each APDU on stderr" 0 "> 00A4040C08F04F4D41444D5343 < 9000 OK" \
	-v probe

# --- pin (reset first: clients leave the card, and its security status) ---
card_reset 0
run "pin status: 3 tries left" 0 "PIN1 \(01\): not verified, 3 tries left" pin status
DMSC_PIN=9999 run "pin verify wrong: tries left, exit 5" 5 "63C2 WRONG_PIN.*-> DM 401" pin verify
run "pin status after a wrong PIN: 2 tries left" 0 "2 tries left" pin status
echo 1234 >"$work/pin"
run "pin verify --pin-file" 0 "PIN1: verify done" pin verify --pin-file "$work/pin"
card_reset 0
for i in 1 2 3; do
	DMSC_PIN=0000 run "pin verify wrong ($i of 3)" 5 "WRONG_PIN" pin verify
done
run "pin status: blocked PIN explained" 0 "BLOCKED .*unblock it with the PUK" pin status
run "pin verify on a blocked PIN: 6983 explained, exit 5" 5 \
	"6983 AUTH_BLOCKED.*unblock it with the PUK" pin verify --pin-file "$work/pin"
DMSC_PUK=12345678 DMSC_NEW_PIN=1234 run "pin unblock with the PUK" 0 "unblock done" pin unblock
card_reset 0
run "pin status after unblock: 3 tries left" 0 "3 tries left" pin status

# --- a T=0 card: FCP by GET RESPONSE through pcscd ---
"$stack_tool" detach "$stack" 1 >/dev/null
"$stack_tool" attach "$stack" 1 "$card_bin" --image "$work/card-t0.img" --t0 >/dev/null ||
	bail "T=0 dmsc-card is seen in reader 1"
run "probe of a T=0 card" 0 "connected: T=0, extended APDUs no" probe -r 1
run "probe of a T=0 card: DM_SC yes" 0 "DM_SC: yes" probe -r 1
run "apdu on T=0: the FCP after 61xx" 0 "< 62[0-9A-F]+ 9000 OK" -r 1 apdu 00A4040408F04F4D41444D5343

# --- no card ---
"$stack_tool" detach "$stack" 0 >/dev/null
"$stack_tool" detach "$stack" 1 >/dev/null
wait_for 10 absent 0
run "no card: plain message, exit 3" 3 "no card in reader" probe -r 0
run "readers: no card" 0 "0: dmsc 00 00: no card" readers

no_sanitizer_reports
lib_finish
