#!/usr/bin/env bash
# tests/integration/pcsc.sh - dmsc-card through a real, isolated pcscd + vpcd
# (tools/reader-stack), checked with the standard clients only: opensc-tool,
# pcsc_scan, scriptor.
#
#   pcsc.sh READER-STACK DMSC-CARD
#
# Covers: ATR (opensc-tool -a, decoded by pcsc_scan); unknown AID -> 6A82;
# MANAGE CHANNEL open/use/close; scriptor; a T=0 card on the second slot;
# kill -9 and restart of the card (removal and insertion seen, image still
# opens, card answers); pcscd's idle power-off (the card still answers and
# its session state, an open channel, is gone); a pcscd restart while the
# card keeps running (it reconnects by itself).
#
# Exit 0 pass, 1 fail.  77 (skip) only outside CI and only when the stack
# cannot be isolated here (not root and no user namespaces); with CI=true
# that is a failure too.
set -uo pipefail

stack_tool=${1:?usage: pcsc.sh READER-STACK DMSC-CARD}
card_bin=${2:?usage: pcsc.sh READER-STACK DMSC-CARD}

work=$(mktemp -d "${TMPDIR:-/tmp}/dmsc-pcsc-test.XXXXXX")
stack=$work/stack

cleanup() {
	[ -f "$stack/port" ] && "$stack_tool" stop "$stack" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

# ok, not_ok, dump_logs, bail, expect, wait_for, present, absent
. "$(dirname "$0")/lib.sh"
gone() { # PID: exited (a zombie counts: its parent is not us)
	! kill -0 "$1" 2>/dev/null || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}
log_count() { # SLOT PATTERN: lines of the card log matching
	grep -c -- "$2" "$stack/card$1.log" 2>/dev/null || true
}
log_grew() { # SLOT PATTERN BEFORE
	[ "$(log_count "$1" "$2")" -gt "$3" ]
}

# sw SLOT APDU: the status word opensc-tool reports, as 4 hex digits.
sw() {
	timeout "$T" opensc-tool -r "$1" -s "$2" 2>&1 |
		sed -n 's/.*SW1=0x\([0-9A-Fa-f]*\), SW2=0x\([0-9A-Fa-f]*\).*/\1 \2/p' | tail -1 |
		{ read -r a b && printf '%02X%02X' $((16#$a)) $((16#$b)); }
}

# pcsc_scan for 2 s, colours stripped.
scan() {
	timeout 10 pcsc_scan -t 2 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
}

# expect_sw NAME SLOT APDU SW
expect_sw() {
	local got
	got=$(sw "$2" "$3")
	if [ "$got" = "$4" ]; then
		ok "$1"
	else
		not_ok "$1 (got '${got}', want $4)"
	fi
}

# CLA for a logical channel (ISO 7816-4 §5.4.1: 0..3 in b2b1, 4..19 in 4X).
cla_for() {
	if [ "$1" -le 3 ]; then printf '%02X' "$1"; else printf '%02X' $((0x40 + $1 - 4)); fi
}

# ---- the stack -------------------------------------------------------------

for c in opensc-tool pcsc_scan scriptor; do
	command -v "$c" >/dev/null || bail "$c not installed (tools/setup.sh installs it)"
done

rc=0
"$stack_tool" start --dir "$stack" >"$work/start.out" 2>&1 || rc=$?
if [ "$rc" = 3 ] && [ "${CI:-}" != true ]; then
	cat "$work/start.out"
	echo "# cannot isolate pcscd here (not root, no user namespaces): skipped"
	exit 77
fi
[ "$rc" = 0 ] || { cat "$work/start.out"; bail "reader stack starts"; }
ok "reader stack starts"
eval "$("$stack_tool" env "$stack")"

img=$work/card.img
"$stack_tool" attach "$stack" 0 "$card_bin" --image "$img" -v -v --trace "$work/trace.log" \
	>/dev/null || bail "dmsc-card is seen in reader 0"
ok "dmsc-card is seen in reader 0"
grep -q "dmsc-card: connected to vpcd" "$stack/card0.log" && ok "dmsc-card says it is connected" ||
	not_ok "dmsc-card says it is connected"

# ---- ATR ---------------------------------------------------------------------

atr=$(timeout "$T" opensc-tool -r 0 -a 2>/dev/null | tr -d '\r' | tail -1)
if [[ "$atr" =~ ^3[bBfF](:[0-9a-fA-F]{2})+$ ]]; then
	ok "opensc-tool -a shows an ATR ($atr)"
else
	not_ok "opensc-tool -a shows an ATR (got '$atr')"
fi
atr_spaced=$(tr ':a-f' ' A-F' <<<"$atr")
scan_out=$(scan)
grep -q "ATR: $atr_spaced" <<<"$scan_out" && ok "pcsc_scan shows the same ATR" ||
	not_ok "pcsc_scan shows the same ATR"
grep -Eq "TS = 3B --> Direct Convention" <<<"$scan_out" &&
	grep -Eq "Historical bytes" <<<"$scan_out" && ok "pcsc_scan decodes it (TS, historical bytes)" ||
	{ not_ok "pcsc_scan decodes it (TS, historical bytes)"; sed 's/^/# /' <<<"$scan_out"; }

# ---- commands ------------------------------------------------------------------

expect_sw "unknown AID is answered 6A82" 0 00A4040006A0000000010100 6A82
expect_sw "SELECT MF is answered 9000" 0 00A4000C023F00 9000

out=$(timeout "$T" opensc-tool -r 0 -s 0070000001 2>&1)
ch=$(sed -n '/SW1=0x90, SW2=0x00/{n;s/^\([0-9A-Fa-f][0-9A-Fa-f]\) .*/\1/p}' <<<"$out")
if [[ "$ch" =~ ^[0-9A-Fa-f]{2}$ ]] && [ $((16#$ch)) -ge 1 ] && [ $((16#$ch)) -le 19 ]; then
	ok "MANAGE CHANNEL open returns channel $ch"
	chn=$((16#$ch))
	cla=$(cla_for "$chn")
	expect_sw "SELECT MF on channel $chn" 0 "${cla}A4000C023F00" 9000
	expect_sw "MANAGE CHANNEL close of channel $chn" 0 "007080${ch}00" 9000
	expect_sw "closed channel $chn is refused (6881)" 0 "${cla}A4000C023F00" 6881
else
	not_ok "MANAGE CHANNEL open returns a channel"
	sed 's/^/# /' <<<"$out"
fi

printf '00A4000C023F00\n00A4040006A0000000010100\n' >"$work/script"
expect "scriptor runs a script" "< 90 00 : Normal processing" \
	scriptor -r "dmsc 00 00" "$work/script"

expect "the trace log has one line per APDU with the SW name" \
	"ch0 > 00A4040006A0000000010100 < 6A82 FILE_NOT_FOUND" cat "$work/trace.log"

# ---- a T=0 card on the second slot ---------------------------------------------

if "$stack_tool" attach "$stack" 1 "$card_bin" --image "$work/t0.img" --t0 >/dev/null; then
	ok "a T=0 dmsc-card is seen in reader 1"
	atr1=$(timeout "$T" opensc-tool -r 1 -a 2>/dev/null | tail -1)
	[ -n "$atr1" ] && [ "$atr1" != "$atr" ] && ok "the T=0 ATR differs ($atr1)" ||
		not_ok "the T=0 ATR differs (got '$atr1')"
	expect_sw "T=0 card: unknown AID is answered 6A82" 1 00A4040006A0000000010100 6A82
	"$stack_tool" detach "$stack" 1 >/dev/null && ok "T=0 card removed" || not_ok "T=0 card removed"
else
	not_ok "a T=0 dmsc-card is seen in reader 1"
fi

# ---- kill -9 and restart: removal and insertion --------------------------------

pid=$(cat "$stack/card0.pid")
kill -KILL "$pid"
rm -f "$stack/card0.pid"
wait_for 10 absent 0 && ok "kill -9 of dmsc-card is seen as card removal" ||
	not_ok "kill -9 of dmsc-card is seen as card removal"
"$stack_tool" attach "$stack" 0 "$card_bin" --image "$img" -v -v >/dev/null &&
	ok "restarted dmsc-card (same image) is seen as card insertion" ||
	bail "restarted dmsc-card (same image) is seen as card insertion"
expect_sw "restarted card answers (unknown AID 6A82)" 0 00A4040006A0000000010100 6A82
expect_sw "restarted card answers (SELECT MF 9000)" 0 00A4000C023F00 9000

# ---- pcscd powers an idle card off (measured: ~0.8 s after the last client) -

out=$(timeout "$T" opensc-tool -r 0 -s 0070000001 2>&1)
ch=$(sed -n '/SW1=0x90, SW2=0x00/{n;s/^\([0-9A-Fa-f][0-9A-Fa-f]\) .*/\1/p}' <<<"$out")
offs=$(log_count 0 "vpcd power off") t0=$SECONDS
if wait_for 20 log_grew 0 "vpcd power off" "$offs"; then
	ok "pcscd powered the idle card off (after about $((SECONDS - t0)) s)"
	expect_sw "card answers after the power cycle" 0 00A4000C023F00 9000
	if [[ "$ch" =~ ^[0-9A-Fa-f]{2}$ ]]; then
		expect_sw "power cycle closed channel $((16#$ch)) (session state reset)" 0 \
			"$(cla_for $((16#$ch)))A4000C023F00" 6881
	else
		not_ok "MANAGE CHANNEL open before the power cycle"
	fi
else
	not_ok "pcscd powered the idle card off"
fi

# ---- pcscd restart; dmsc-card keeps running and reconnects ----------------------

pid=$(cat "$stack/card0.pid")
conns=$(log_count 0 "connected to vpcd")
"$stack_tool" restart-pcscd "$stack" >/dev/null && ok "pcscd restarted" || bail "pcscd restarted"
if wait_for 20 present 0; then
	ok "the running card is seen by the new pcscd"
else
	not_ok "the running card is seen by the new pcscd"
fi
[ "$(cat "$stack/card0.pid")" = "$pid" ] && kill -0 "$pid" 2>/dev/null &&
	ok "same dmsc-card process" || not_ok "same dmsc-card process"
log_grew 0 "connected to vpcd" "$conns" && ok "dmsc-card reconnected by itself" ||
	not_ok "dmsc-card reconnected by itself"
expect_sw "card answers through the new pcscd" 0 00A4040006A0000000010100 6A82

# ---- clean stop ----------------------------------------------------------------

"$stack_tool" detach "$stack" 0 >/dev/null
if gone "$pid" && grep -q "stopped, image closed" "$stack/card0.log"; then
	ok "SIGTERM: dmsc-card exits cleanly with the image closed"
else
	not_ok "SIGTERM: dmsc-card exits cleanly with the image closed"
fi

if [ "$failed" -ne 0 ]; then
	dump_logs
	echo "FAILED ($failed of $count)"
	exit 1
fi
echo "all $count checks passed"
