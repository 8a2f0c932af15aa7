#!/usr/bin/env bash
# tests/integration/agent-removal.sh - the card removed at EVERY APDU of a
# provisioning (issue 6 "card removed in the middle of provisioning: nothing
# applied, a clear message, and the next insertion provisions again"),
# through a real, isolated pcscd + vpcd (tools/reader-stack) and dmsc-card.
#
#   agent-removal.sh READER-STACK DMSC-CARD DMSC-AGENT DMSC-PERSO PROFILES-DIR
#
# Covers:
#   - one provisioning of a fresh tree, traced by the card (--trace): its K
#     APDUs, the same count as the agent's own -v trace;
#   - for N = 0 .. K-1: dmsc-card --drop-after-apdus N (test-only: answers N
#     APDUs, pulls the card out when APDU N+1 arrives, puts it back later):
#       * provision exits 3 with a message naming the removal;
#       * the card answered exactly N APDUs (its trace);
#       * the tree's SQL dump equals the one before (nothing applied);
#       * once the card is back, provision exits 0 and the tree's dump equals
#         the one of the undisturbed provisioning (complete);
#   - `watch` with the card detached and attached again (tools/reader-stack),
#     twice: removal -> no card-origin node and no DM account left, the
#     device's own nodes kept; insertion -> provisioned again (the complete
#     tree again, not "nothing to do"); SIGTERM -> exit 0.
# Exit 0 pass, 1 fail, 77 skip (outside CI only, no isolation possible).
set -uo pipefail

usage="usage: agent-removal.sh READER-STACK DMSC-CARD DMSC-AGENT DMSC-PERSO PROFILES-DIR"
stack_tool=${1:?$usage}
card_bin=${2:?$usage}
agent=${3:?$usage}
perso=${4:?$usage}
profiles=${5:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/dmsc-agent-removal.XXXXXX")
watch_pid=
cleanup() {
	[ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null
	lib_cleanup
}
trap cleanup EXIT

A() { # DB ARGS...
	local db=$1
	shift
	timeout "$T" "$agent" --reader 0 --db "$db" --outbox "$work/outbox" "$@"
}
dump() { sqlite3 "$1" .dump 2>&1; }
card_log() { cat "$stack/card0.log" 2>/dev/null; }

need opensc-tool sqlite3
lib_start_stack
img=$work/card.img
"$perso" build "$profiles/default.json" -o "$img" --force >/dev/null ||
	bail "dmsc-perso builds the default card"

# A fresh device tree (DevInfo etc., no card nodes): the start of every round.
A "$work/fresh.db" tree show >/dev/null 2>&1 || bail "a fresh tree is created"
fresh=$(dump "$work/fresh.db")

# --- the undisturbed provisioning: K APDUs, the complete tree --------------
"$stack_tool" attach "$stack" 0 "$card_bin" --image "$img" --trace "$work/trace-ref" \
	>/dev/null || bail "dmsc-card is seen in reader 0"
cp "$work/fresh.db" "$work/ref.db"
A "$work/ref.db" provision --yes -v >"$work/ref.out" 2>"$work/ref.err"
check "undisturbed provisioning exits 0" "$?" 0
K=$(wc -l <"$work/trace-ref")
agent_k=$(grep -c ' > ' "$work/ref.err")
check "the agent's -v trace and the card's trace count the same APDUs" "$agent_k" "$K"
if [ "$K" -ge 10 ] && [ "$K" -le 200 ]; then
	ok "one provisioning of a fresh tree: K = $K APDUs"
else
	bail "a plausible APDU count K (got $K)"
fi
complete=$(dump "$work/ref.db")
[ "$complete" != "$fresh" ] || bail "the undisturbed provisioning changed the tree"

# --- removal at APDU N+1, for every N -------------------------------------
for ((N = 0; N < K; N++)); do
	: >"$stack/card0.log"
	"$stack_tool" attach "$stack" 0 "$card_bin" --image "$img" --trace "$work/trace-$N" \
		--drop-after-apdus "$N" --reinsert-ms 800 -v >/dev/null ||
		bail "N=$N: dmsc-card is seen in reader 0"
	db=$work/round-$N.db
	cp "$work/fresh.db" "$db"
	A "$db" provision --yes >"$work/cut.out" 2>&1
	rc=$?
	check "N=$N: provision exits 3 (card removed)" "$rc" 3
	if grep -q 'removed' "$work/cut.out"; then
		ok "N=$N: the message names the removal"
	else
		not_ok "N=$N: the message names the removal"; comment <"$work/cut.out"
	fi
	check "N=$N: the card answered exactly $N APDUs" "$(wc -l <"$work/trace-$N")" "$N"
	if [ "$(dump "$db")" = "$fresh" ]; then
		ok "N=$N: nothing applied (tree dump unchanged)"
	else
		not_ok "N=$N: nothing applied"
		diff <(dump "$db") <(echo "$fresh") | head -10 | comment
	fi
	# the card is put back: wait for the card's line, then for pcscd
	if ! wait_for 15 grep -q 'card put back' "$stack/card0.log" ||
		! wait_for 15 present 0; then
		bail "N=$N: the card comes back"
	fi
	A "$db" provision --yes >"$work/again.out" 2>&1
	rc=$?
	check "N=$N: the next provisioning exits 0" "$rc" 0
	if [ "$(dump "$db")" = "$complete" ]; then
		ok "N=$N: the tree is complete (dump equals the undisturbed one)"
	else
		not_ok "N=$N: the tree is complete"
		diff <(dump "$db") <(echo "$complete") | head -10 | comment
		comment <"$work/again.out"
	fi
	rm -f "$db"
done

# --- watch: removal and insertion through the stack ------------------------
card_nodes() { sqlite3 "$1" "select count(*) from node where iccid is not null" 2>&1; }
dmacc_card() { sqlite3 "$1" "select count(*) from node where uri like './DMAcc/%' and iccid is not null" 2>&1; }
no_card_nodes() { [ "$(card_nodes "$1")" = 0 ]; }
complete_tree() { [ "$(dump "$1")" = "$complete" ]; }
"$stack_tool" attach "$stack" 0 "$card_bin" --image "$img" >/dev/null ||
	bail "watch: dmsc-card is seen in reader 0"
db=$work/watch.db
cp "$work/fresh.db" "$db"
"$agent" --reader 0 --db "$db" --outbox "$work/outbox" watch --poll 1 --yes \
	>"$work/watch.out" 2>"$work/watch.err" &
watch_pid=$!
if wait_for 20 complete_tree "$db"; then
	ok "watch: provisions the card at start (complete tree)"
else
	not_ok "watch: provisions at start"; comment <"$work/watch.err"
fi
for round in 1 2; do
	"$stack_tool" detach "$stack" 0 >/dev/null 2>&1
	if wait_for 20 no_card_nodes "$db"; then
		ok "watch round $round: card detached -> card-origin nodes removed"
	else
		not_ok "watch round $round: card detached -> nodes removed"
		echo "card nodes: $(card_nodes "$db")" | comment
		comment <"$work/watch.err"
	fi
	check "watch round $round: no card DM account left" "$(dmacc_card "$db")" 0
	check "watch round $round: the device's own nodes kept" \
		"$(sqlite3 "$db" "select count(*) from node where uri = './DevInfo/DevId'")" 1
	"$stack_tool" attach "$stack" 0 "$card_bin" --image "$img" >/dev/null ||
		bail "watch round $round: the card is attached again"
	if wait_for 20 complete_tree "$db"; then
		ok "watch round $round: card attached -> provisioned again (complete tree)"
	else
		not_ok "watch round $round: card attached -> provisioned again"
		comment <"$work/watch.err"
	fi
done
kill -TERM "$watch_pid"
wait "$watch_pid"
check "watch: SIGTERM stops it with exit 0" "$?" 0
watch_pid=
check "watch: two removals logged" "$(grep -c 'card removed: [1-9][0-9]* card node' "$work/watch.err")" 2
check "watch: three imports logged (start + two insertions)" \
	"$(grep -c 'provision: applied' "$work/watch.err")" 3

lib_finish
