#!/usr/bin/env bash
# tests/integration/demo.sh - the main job works: runs tools/demo (no package
# installation, no build: the binaries of BUILD-DIR) in a temporary directory
# and checks that it exits 0, tells every step of the story with its APDU
# count and time, stops everything it started, and leaves the card image,
# the device tree, the alerts and a complete (replayable) trace behind.
#
#   demo.sh DEMO BUILD-DIR
#
# Exit 0 pass, 1 fail.
set -uo pipefail

demo=${1:?usage: demo.sh DEMO BUILD-DIR}
build=${2:?usage: demo.sh DEMO BUILD-DIR}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/dmsc-demo-test.XXXXXX")
stack=$work/run/stack
trap 'rm -rf "$work"' EXIT

rc=0
timeout 120 "$demo" --dir "$work/run" --build "$build" --no-setup >"$work/out" 2>&1 || rc=$?
check "tools/demo exits 0" "$rc" 0
[ "$rc" = 0 ] || tail -40 "$work/out" | comment

# Each step of the story, in order, with its count and time.
steps=(
	"1. Discovery" "2. PIN" "3. Provisioning with a secure channel"
	"4. Policy on Saturday" "5. Over-the-air policy change"
	"6. A forbidden camera use" "7. Firmware" "8. Copy an MO to the card"
)
for s in "${steps[@]}"; do
	if grep -q "^== $s" "$work/out"; then ok "step told: $s"; else not_ok "step told: $s"; fi
done
check "every step reports its APDU count and time" \
	"$(grep -cE '^   -> [0-9]+ APDUs, [0-9]+ ms$' "$work/out")" "${#steps[@]}"
expect "discovery: DM_SC card found" "DM_SC: yes" cat "$work/out"
expect "PIN1 verified" "PIN1: verify done" cat "$work/out"
expect "provisioning through SCP03" "provisioned from card .*SCP03" cat "$work/out"
expect "secure channel APDUs shown" "EXTERNAL AUTHENTICATE .*-> (9000|91..)" cat "$work/out"
expect "REFRESH re-import by watch" "watch: REFRESH: provisioning data re-imported" cat "$work/out"
expect "the tree has the new policy" "Value: +Mon-Sun" cat "$work/out"
expect "camera allowed before the change" "Camera: allowed" cat "$work/out"
expect "camera blocked after, logged on the card" "Camera: blocked .*" cat "$work/out"
expect "the alert is shown" "type urn:x-dmsc:alert:forbidden-use:1.0, mark critical" cat "$work/out"
expect "firmware approved" "decision=approved" cat "$work/out"
expect "tampered firmware rejected" "decision=policy-reject" cat "$work/out"
expect "MO copied and verified" "copied to the card: EF 65[0-9A-F]{2}, [0-9]+ bytes, verified" \
	cat "$work/out"
expect "explore commands printed" "tree show --db .*tree.db" cat "$work/out"

# Left behind: image, tree, alerts, trace; nothing left running.
for f in card.img tree.db trace.log; do
	if [ -s "$work/run/$f" ]; then ok "left behind: $f"; else not_ok "left behind: $f"; fi
done
check "one alert per report in the outbox (forbidden use, 2 installs, copy-mo, provisioning)" \
	"$([ "$(find "$work/run/outbox" -name 'alert-*.xml' | wc -l)" -ge 4 ] && echo yes)" yes
check "the trace is complete (nothing abbreviated)" "$(grep -c '\.\.\.' "$work/run/trace.log")" 0
# pcscd (-c DIR/stack/conf), dmsc-card (--image DIR/card.img) and the
# agent (--db DIR/tree.db) all name the run directory on their command line.
pgrep -af -- "$work/run/" | comment
check "nothing it started is still running" \
	"$(pgrep -f -- "$work/run/" | grep -vx "$$" | wc -l)" 0
if grep -h -E "runtime error:|ERROR: AddressSanitizer|ERROR: LeakSanitizer" \
	"$work/out" "$stack"/card*.log 2>/dev/null | comment | grep -q .; then
	not_ok "no sanitizer report"
else
	ok "no sanitizer report"
fi
lib_finish
