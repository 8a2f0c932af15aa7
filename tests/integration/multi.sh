#!/usr/bin/env bash
# tests/integration/multi.sh - several cards in several readers at once
# (docs/multi-reader.md): two isolated reader stacks (each its own pcscd,
# socket and vpcd port pair), two cards in each, and one dmsc-agent per card
# provisioning all four devices at the same time.
#
#   multi.sh READER-STACK DMSC-CARD DMSC-AGENT DMSC-PERSO PROFILES-DIR
#
# Checks: four images personalised with distinct ICCIDs; each stack lists
# its two readers with a card, and only its own; each reader answers with
# its own card's ICCID (opensc-tool by index, scriptor by name); four
# agents (PCSCLITE_CSOCK_NAME of the card's stack, -r by reader name, a tree
# each) provision in parallel, and each tree holds nodes of its card's
# ICCID only; removing one card leaves the three others answering; stopping
# one stack leaves the other working.
#
# Exit 0 pass, 1 fail.  77 (skip) only outside CI and only when pcscd cannot
# be isolated here; with CI=true that is a failure too.
set -uo pipefail

usage="usage: multi.sh READER-STACK DMSC-CARD DMSC-AGENT DMSC-PERSO PROFILES-DIR"
stack_tool=${1:?$usage}
card_bin=${2:?$usage}
agent=${3:?$usage}
perso=${4:?$usage}
profiles=${5:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/dmsc-multi-test.XXXXXX")
stacks=()
cleanup() {
	local s
	for s in "${stacks[@]}"; do
		[ -f "$s/port" ] && "$stack_tool" stop "$s" >/dev/null 2>&1
	done
	rm -rf "$work"
}
trap cleanup EXIT
# lib.sh's helpers (dump_logs) look at one stack: the first.
stack=$work/A

need opensc-tool scriptor sqlite3

# ---- four cards: the default profile with ICCIDs ...21 to ...24 -------------------

cp -r "$profiles/default" "$work/default" # the profile's files, relative to it
iccid() { echo "899990100000000000$((20 + $1))"; }
# EF_ICCID holds the digits BCD-swapped (TS 102 221 §13.2).
swapped() { sed 's/\(.\)\(.\)/\2\1/g' <<<"$1"; }
for n in 1 2 3 4; do
	python3 - "$profiles/default.json" "$work/card$n.json" "$(iccid $n)" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
p["iccid"] = sys.argv[3]
json.dump(p, open(sys.argv[2], "w"), indent=1)
EOF
	"$perso" build "$work/card$n.json" -o "$work/card$n.img" --force >/dev/null ||
		bail "dmsc-perso builds card $n (ICCID $(iccid $n))"
done
ok "dmsc-perso built 4 images with distinct ICCIDs"

# ---- two stacks, two cards each --------------------------------------------------

start_stack() { # DIR
	local rc=0
	"$stack_tool" start --dir "$1" >"$1.out" 2>&1 || rc=$?
	stacks+=("$1")
	if [ "$rc" = 3 ] && [ "${CI:-}" != true ]; then
		cat "$1.out"
		echo "# cannot isolate pcscd here (not root, no user namespaces): skipped"
		exit 77
	fi
	[ "$rc" = 0 ] || { cat "$1.out"; bail "reader stack $(basename "$1") starts"; }
	ok "reader stack $(basename "$1") starts (vpcd ports $(cat "$1/port") and +1)"
}
sock() { "$stack_tool" env "$1" | sed -n 's/^export PCSCLITE_CSOCK_NAME=//p'; }
# on STACK CMD...: run CMD as a client of that stack's pcscd.
on() { local s=$1; shift; PCSCLITE_CSOCK_NAME=$(sock "$s") "$@"; }

start_stack "$work/A"
start_stack "$work/B"
if [ "$(cat "$work/A/port")" != "$(cat "$work/B/port")" ] &&
	[ "$(sock "$work/A")" != "$(sock "$work/B")" ]; then
	ok "the stacks have their own ports and sockets"
else
	not_ok "the stacks have their own ports and sockets"
fi

# card N: stack A slots 0 and 1 hold cards 1 and 2, stack B cards 3 and 4.
stack_of() { [ "$1" -le 2 ] && echo "$work/A" || echo "$work/B"; }
slot_of() { echo $((($1 - 1) % 2)); }
for n in 1 2 3 4; do
	s=$(stack_of $n) slot=$(slot_of $n)
	"$stack_tool" attach "$s" "$slot" "$card_bin" --image "$work/card$n.img" >/dev/null ||
		bail "card $n is seen in stack $(basename "$s") reader $slot"
done
ok "4 cards attached: A/0, A/1, B/0, B/1"

for s in "$work/A" "$work/B"; do
	out=$(on "$s" timeout "$T" opensc-tool -l 2>&1)
	n=$(grep -Ec '^[01] +Yes +dmsc 00 0[01]' <<<"$out")
	check "stack $(basename "$s"): opensc-tool -l lists its 2 readers with a card" "$n" 2
	n=$(grep -c 'dmsc' <<<"$out")
	check "stack $(basename "$s"): and no other reader" "$n" 2
done

# Every card answers in its own reader: by index (opensc-tool) and by
# reader name (scriptor).
printf '%s\n' "00A4000C022FE2" "00B000000A" >"$work/iccid.apdu"
for n in 1 2 3 4; do
	s=$(stack_of $n) slot=$(slot_of $n) want="$(swapped "$(iccid $n)")9000"
	got=$(PCSCLITE_CSOCK_NAME=$(sock "$s") apdus "$slot" 00A4000C022FE2 00B000000A | tail -1)
	check "card $n: opensc-tool -r $slot on stack $(basename "$s") reads its ICCID" "$got" "$want"
	got=$(PCSCLITE_CSOCK_NAME=$(sock "$s") scriptor_run "$slot" "$work/iccid.apdu" | tail -1)
	check "card $n: scriptor -r 'dmsc 00 0$slot' reads the same" "$got" "$want"
done

# ---- one agent per card, all at once ---------------------------------------------

pids=()
for n in 1 2 3 4; do
	s=$(stack_of $n) slot=$(slot_of $n)
	on "$s" timeout 60 "$agent" --reader "dmsc 00 0$slot" --db "$work/dev$n.db" \
		--outbox "$work/outbox$n" provision --yes --json >"$work/agent$n.out" 2>&1 &
	pids+=($!)
done
for n in 1 2 3 4; do
	wait "${pids[$((n - 1))]}"
	rc=$?
	check "agent $n (its own stack, reader and tree): provision exits 0" "$rc" 0
	# The agent names a card by EF_ICCID's bytes in hex (the swapped digits).
	want=$(swapped "$(iccid $n)")
	expect "agent $n: 4 objects applied from card $n (EF_ICCID $want)" \
		"\"outcome\":\"applied\",\"iccid\":\"$want\".*\"objects\":4" cat "$work/agent$n.out"
	got=$(sqlite3 "$work/dev$n.db" \
		"select group_concat(distinct iccid) from node where iccid is not null" 2>&1)
	check "tree $n: its card nodes come from card $n only" "$got" "$want"
done

# ---- removal and a stopped stack ---------------------------------------------------

"$stack_tool" detach "$work/A" 1 >/dev/null 2>&1
out=$(on "$work/A" timeout "$T" opensc-tool -l 2>&1)
if grep -Eq '^1 +No +dmsc 00 01' <<<"$out" && grep -Eq '^0 +Yes +dmsc 00 00' <<<"$out"; then
	ok "card 2 removed: A/1 empty, A/0 still holds card 1"
else
	not_ok "card 2 removed: A/1 empty, A/0 still holds card 1"
	comment <<<"$out"
fi
# (a cold reset first: the agent's session, with its TERMINAL PROFILE, may
# still be on, and a pending proactive command would turn 9000 into 91xx)
for n in 1 3 4; do
	s=$(stack_of $n) slot=$(slot_of $n)
	on "$s" card_reset "$slot"
	got=$(PCSCLITE_CSOCK_NAME=$(sock "$s") apdus "$slot" 00A4000C022FE2 00B000000A | tail -1)
	check "after the removal, card $n still answers" "$got" "$(swapped "$(iccid $n)")9000"
done
"$stack_tool" stop "$work/A" >/dev/null 2>&1
for n in 3 4; do
	slot=$(slot_of $n)
	on "$work/B" card_reset "$slot"
	got=$(PCSCLITE_CSOCK_NAME=$(sock "$work/B") apdus "$slot" 00A4000C022FE2 00B000000A | tail -1)
	check "stack A stopped, card $n on stack B still answers" "$got" "$(swapped "$(iccid $n)")9000"
done
for stack in "$work/A" "$work/B"; do
	no_sanitizer_reports
done
lib_finish
