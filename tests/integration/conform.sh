#!/usr/bin/env bash
# tests/integration/conform.sh - dmsc-conform (docs/conformance.md) through a
# real, isolated pcscd + vpcd (tools/reader-stack):
#   - a fresh dmsc-card, --allow-writes, TEST-ONLY secrets: 0 failures, run
#     twice (the restores leave the card as the suite found it), TAP and
#     JUnit XML well formed;
#   - the same card without --allow-writes: the writing cases are N/A;
#   - a T=0 dmsc-card: the T=0 cases (61xx, GET RESPONSE, 6Cxx) pass;
#   - our card without the DMSC application (a profile without it): exit 1,
#     GEN-13 fails with its APDU exchange (6A82), the DMSC cases are N/A;
#   - tools/minimal-card (9000 to everything): exit 1, failures with their
#     exchange, no crash, no timeout;
#   - a card that stops answering (a python vpcd card): each case fails by
#     its timeout and the suite still ends.
#
#   conform.sh READER-STACK DMSC-CARD MINIMAL-CARD DMSC-CONFORM SOURCE-ROOT
#
# Exit 0 pass, 1 fail.  77 (skip) only outside CI when the stack cannot be
# isolated here.
set -uo pipefail

usage="usage: conform.sh READER-STACK DMSC-CARD MINIMAL-CARD DMSC-CONFORM SOURCE-ROOT"
stack_tool=${1:?$usage}
card_bin=${2:?$usage}
minimal_bin=${3:?$usage}
conform=${4:?$usage}
src=${5:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/dmsc-conform-test.XXXXXX")
trap lib_cleanup EXIT
T=120 # the whole suite is one client call here
secrets=$src/conformance/secrets-demo.json

# run NAME ARGS...: dmsc-conform, output in $work/NAME.out, exit code in rc.
run() {
	local name=$1
	shift
	rc=0
	timeout "$T" "$conform" --secrets "$secrets" "$@" >"$work/$name.out" 2>&1 || rc=$?
}
show() { tail -40 "$work/$1.out" | comment; }
# last summary line: "N cases: P passed, F failed, A not applicable"
counts() { grep -Eo '^[0-9]+ cases: [0-9]+ passed, [0-9]+ failed, [0-9]+ not applicable' "$work/$1.out"; }
failed_n() { counts "$1" | sed -E 's/.* ([0-9]+) failed.*/\1/'; }

need xmllint
lib_start_stack

"$stack_tool" attach "$stack" 0 "$card_bin" --image "$work/card.img" >/dev/null ||
	bail "dmsc-card (fresh default image) is seen in reader 0"
ok "dmsc-card (fresh default image) is seen in reader 0"
n_cases=$("$conform" --list | wc -l)
if [ "$n_cases" -ge 40 ]; then ok "at least 40 cases ($n_cases)"; else not_ok "at least 40 cases ($n_cases)"; fi

for round in 1 2; do
	run full$round -r 0 --allow-writes --junit "$work/full$round.xml"
	if [ "$rc" = 0 ] && [ "$(failed_n full$round)" = 0 ]; then
		ok "round $round: dmsc-card passes in full with --allow-writes ($(counts full$round))"
	else
		not_ok "round $round: dmsc-card passes in full with --allow-writes (exit $rc)"
		grep -a -A12 '^FAIL' "$work/full$round.out" | comment
	fi
	if xmllint --noout "$work/full$round.xml" 2>"$work/xml.err" &&
		grep -q "<testsuites name=\"dmsc-conform\" tests=\"$n_cases\" failures=\"0\"" \
			"$work/full$round.xml"; then
		ok "round $round: JUnit XML is well formed, $n_cases tests, 0 failures"
	else
		not_ok "round $round: JUnit XML is well formed"
		comment <"$work/xml.err"
		head -5 "$work/full$round.xml" | comment
	fi
done
grep -q "^N/A .*t0-case4-61xx" "$work/full1.out" &&
	ok "T=1 card: the T=0 cases are not applicable" || not_ok "T=1 card: the T=0 cases are not applicable"
missing=""
for label in GEN-2 GEN-8 GEN-12 GEN-13 GEN-16 GEN-17 GEN-18 GEN-20 GEN-21 SEC-1 AUTH-2 AUTH-3 \
	AUTH-4 AUT-1 OSR-1; do
	grep -Eq "^  PASS $label +[1-9]" "$work/full1.out" || missing+=" $label"
done
check "summary: every label reported as PASS" "${missing:-none}" none

run tap -r 0 --tap
if [ "$rc" = 0 ] && grep -q "^1\.\.$n_cases$" "$work/tap.out" && ! grep -q "^not ok" "$work/tap.out" &&
	[ "$(grep -c '# SKIP not applicable: writes to the card' "$work/tap.out")" -gt 5 ]; then
	ok "without --allow-writes: TAP plan 1..$n_cases, no failure, writing cases N/A"
else
	not_ok "without --allow-writes: TAP plan, no failure, writing cases N/A (exit $rc)"
	grep -a -A8 '^not ok' "$work/tap.out" | comment
fi

# ---- a T=0 card ------------------------------------------------------------------
"$stack_tool" attach "$stack" 1 "$card_bin" --image "$work/t0.img" --t0 >/dev/null ||
	bail "T=0 dmsc-card is seen in reader 1"
run t0 -r 1 --only t0-
if [ "$rc" = 0 ] && grep -q "^3 cases: 3 passed" "$work/t0.out"; then
	ok "T=0 card: 61xx, GET RESPONSE and 6Cxx cases pass"
else
	not_ok "T=0 card: 61xx, GET RESPONSE and 6Cxx cases pass (exit $rc)"
	show t0
fi
"$stack_tool" detach "$stack" 1 >/dev/null

# ---- our card without the DMSC application --------------------------------------
python3 - "$src/profiles/default.json" "$work/nodmsc.json" <<'PY' || bail "profile without DMSC"
import json, sys
p = json.load(open(sys.argv[1]))
aid = 'F04F4D41444D5343'
p['applications'] = [a for a in p['applications'] if a['aid'] != aid]
p['files'] = [f for f in p['files'] if not f['path'].startswith('3F00/7F60')]
p['pins'] = [x for x in p['pins'] if x.get('application') != aid]
p['mos'] = []           # MOs live in the DMSC application (card/profile.c)
p.pop('policy', None)
json.dump(p, open(sys.argv[2], 'w'))
PY
cp -r "$src/profiles/default" "$work/default"
"$stack_tool" attach "$stack" 1 "$card_bin" --image "$work/nodmsc.img" \
	--profile "$work/nodmsc.json" >/dev/null || bail "dmsc-card without DMSC is seen in reader 1"
run nodmsc -r 1 --allow-writes --junit "$work/nodmsc.xml"
if [ "$rc" = 1 ] && grep -q "DM_SC application absent" "$work/nodmsc.out" &&
	grep -A6 "^FAIL GEN-13 .*gen13-select-dmsc-aid" "$work/nodmsc.out" | grep -q "< 6A82" &&
	grep -q "^N/A .*gen2-info-present" "$work/nodmsc.out" &&
	grep -q "^PASS .*read-binary-iccid" "$work/nodmsc.out"; then
	ok "no DMSC: exit 1, GEN-13 fails showing 6A82, DMSC cases N/A, UICC cases pass ($(counts nodmsc))"
else
	not_ok "no DMSC: meaningful failures (exit $rc)"
	show nodmsc
fi
xmllint --noout "$work/nodmsc.xml" && grep -q '<failure message=' "$work/nodmsc.xml" &&
	ok "no DMSC: JUnit XML carries the failures" || not_ok "no DMSC: JUnit XML carries the failures"
"$stack_tool" detach "$stack" 1 >/dev/null

# ---- minimal-card: 9000 to everything --------------------------------------------
"$stack_tool" attach "$stack" 1 "$minimal_bin" >/dev/null || bail "minimal-card is seen in reader 1"
run minimal -r 1 --allow-writes
if [ "$rc" = 1 ] && [ "$(failed_n minimal)" -ge 20 ] &&
	grep -A6 "^FAIL GEN-13 .*gen13-select-unknown-aid" "$work/minimal.out" | grep -q "< 9000" &&
	! grep -q "timed out" "$work/minimal.out"; then
	ok "minimal-card: exit 1, $(failed_n minimal) failures with their exchange, no timeout"
else
	not_ok "minimal-card: meaningful failures (exit $rc)"
	show minimal
fi

# ---- a card that stops answering: per-case timeouts ----------------------------------
# A vpcd card (python) answering the ATR and the probe's two APDUs with 9000,
# then nothing: each case times out, the suite goes on and ends.
cat >"$work/hang-card" <<'PY'
#!/usr/bin/env python3
import socket, struct, sys
host, port = sys.argv[sys.argv.index('--vpcd') + 1].rsplit(':', 1)
s = socket.create_connection((host, int(port)))
answered = 0
def recv(n):
    b = b''
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            sys.exit(0)
        b += c
    return b
while True:
    n, = struct.unpack('>H', recv(2))
    msg = recv(n)
    if n == 1:
        if msg[0] == 4:
            s.sendall(struct.pack('>H', 4) + bytes.fromhex('3B800181'))
    elif answered < 2:
        answered += 1
        s.sendall(struct.pack('>H', 2) + bytes.fromhex('9000'))
PY
chmod +x "$work/hang-card"
mkdir "$work/hangcases"
cat >"$work/hangcases/hang.json" <<'JSON'
{ "group": "hang", "cases": [
  { "id": "hang-1", "label": "GEN-8", "command": "SELECT", "clause": "-", "title": "first",
    "timeout": 2, "steps": [ { "apdu": "00A4000C023F00", "sw": "9000" } ] },
  { "id": "hang-2", "label": "GEN-8", "command": "SELECT", "clause": "-", "title": "second",
    "timeout": 2, "steps": [ { "apdu": "00A4000C023F00", "sw": "9000" } ] } ] }
JSON
"$stack_tool" attach "$stack" 1 "$work/hang-card" >/dev/null || bail "the hanging card is seen in reader 1"
start=$SECONDS
run hang -r 1 --cases "$work/hangcases"
if [ "$rc" = 1 ] && [ "$(grep -c 'timed out after 2 s' "$work/hang.out")" = 2 ] &&
	grep -q "^2 cases: 0 passed, 2 failed" "$work/hang.out" && [ $((SECONDS - start)) -lt 30 ]; then
	ok "a card that hangs: both cases fail by their 2 s timeout, the suite ends ($((SECONDS - start)) s)"
else
	not_ok "a card that hangs: cases time out, the suite ends (exit $rc, $((SECONDS - start)) s)"
	show hang
fi
"$stack_tool" detach "$stack" 1 >/dev/null

# ---- usage errors ------------------------------------------------------------------
printf '{"cases": [{"id": "x"}]}' >"$work/bad.json"
mkdir "$work/badcases" && cp "$work/bad.json" "$work/badcases/"
run badcases --cases "$work/badcases" --list
[ "$rc" = 2 ] && grep -q "bad.json: case 1 (x)" "$work/badcases.out" &&
	ok "a malformed case file is named, exit 2" || { not_ok "a malformed case file is named (exit $rc)"; show badcases; }

hits=$(grep -h -E "runtime error:|ERROR: AddressSanitizer|ERROR: LeakSanitizer" "$work"/*.out)
check "no sanitizer report from dmsc-conform" "${hits:-none}" none
no_sanitizer_reports
lib_finish
