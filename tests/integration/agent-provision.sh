#!/usr/bin/env bash
# tests/integration/agent-provision.sh - `dmsc-agent provision` and `watch`
# (docs/agent.md "provision and watch") through a real, isolated pcscd +
# vpcd (tools/reader-stack) and dmsc-card.
#
#   agent-provision.sh READER-STACK DMSC-CARD DMSC-AGENT DMSC-PERSO PROFILES-DIR
#
# Covers (use case 5.1, GEN-21, GEN-20, DM 1.2 bootstrap rules):
#   - the default card into a fresh tree: applied, card nodes and a DM
#     account in the tree (tree before: none; after: some);
#   - the same card again: "nothing to do";
#   - an ADM1 UPDATE BINARY of EF_POLICY with opensc-tool while `watch`
#     runs: the card's REFRESH reaches the agent, which re-imports;
#     SIGTERM stops watch cleanly (exit 0);
#   - the card killed while provisioning is under way (several points):
#     non-zero exit with a message, the tree keeps the last good import;
#   - a new card (another ICCID, built with dmsc-perso) removes the old
#     card's nodes.
# Exit 0 pass, 1 fail, 77 skip (outside CI only, no isolation possible).
set -uo pipefail

usage="usage: agent-provision.sh READER-STACK DMSC-CARD DMSC-AGENT DMSC-PERSO PROFILES-DIR"
stack_tool=${1:?$usage}
card_bin=${2:?$usage}
agent=${3:?$usage}
perso=${4:?$usage}
profiles=${5:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/dmsc-agent-prov-test.XXXXXX")
watch_pid=
cleanup() {
	[ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null
	lib_cleanup
}
trap cleanup EXIT

db=$work/tree.db
A() { timeout "$T" "$agent" --reader 0 --db "$db" --outbox "$work/outbox" "$@"; }
card_nodes() { # number of card-origin nodes in the tree
	sqlite3 "$db" "select count(*) from node where iccid is not null" 2>/dev/null || echo "?"
}

need opensc-tool sqlite3
lib_start_stack
img=$work/card.img
"$perso" build "$profiles/default.json" -o "$img" --force >/dev/null ||
	bail "dmsc-perso builds the default card"
"$stack_tool" attach "$stack" 0 "$card_bin" --image "$img" >/dev/null ||
	bail "dmsc-card (default card) is seen in reader 0"
ok "dmsc-card (default card) is seen in reader 0"

# --- 5.1: a fresh device -------------------------------------------------
out=$(A provision --yes --json 2>&1)
rc=$?
check "provision exits 0" "$rc" 0
expect "provision: applied, 4 objects" '"outcome":"applied".*"objects":4' echo "$out"
n1=$(card_nodes)
if [ "$n1" != "?" ] && [ "$n1" -gt 10 ]; then
	ok "tree after: $n1 card nodes"
else
	not_ok "tree after: card nodes"; echo "$n1" | comment
fi
iccid1=$(sed -n 's/.*"iccid":"\([0-9A-F]*\)".*/\1/p' <<<"$out")
out=$(A provision --yes 2>&1)
check "again: exit 0" "$?" 0
expect "again: nothing to do" 'nothing to do' echo "$out"

# --- GEN-20 through watch --------------------------------------------------
"$agent" --reader 0 --db "$db" --outbox "$work/outbox" watch --poll 1 --yes \
	>"$work/watch.out" 2>"$work/watch.err" &
watch_pid=$!
wait_for 20 grep -q "provision:" "$work/watch.err" || not_ok "watch starts and provisions"
# ADM1 = 88888888 (README, test-only): rewrite the first byte of EF_POLICY
first=$(apdus 0 00A4080C047F606423 00B0000001 | tail -1)
upd=$(apdus 0 0020000A083838383838383838 00A4080C047F606423 "00D6000001${first:0:2}" | tail -1)
# 91xx: the card has the REFRESH queued for the agent (GEN-20)
expect "ADM1 UPDATE BINARY of EF_POLICY: 91xx" "^91" echo "${upd: -4}"
if wait_for 30 grep -q "re-imported" "$work/watch.err"; then
	ok "watch: REFRESH -> provisioning data re-imported (GEN-20)"
else
	not_ok "watch: REFRESH -> re-import"; comment <"$work/watch.err"
fi
kill -TERM "$watch_pid"
wait "$watch_pid"
check "watch: SIGTERM stops it with exit 0" "$?" 0
watch_pid=
expect "watch: summary line" 'watch stopped: .* [1-9][0-9]* re-imports' cat "$work/watch.err"

# --- card killed while provisioning --------------------------------------
before=$(card_nodes)
for delay in 0.05 0.1 0.2; do
	( sleep "$delay"; "$stack_tool" detach "$stack" 0 >/dev/null 2>&1 ) &
	killer=$!
	A provision --yes --force >"$work/cut.out" 2>&1
	rc=$?
	wait "$killer"
	if [ "$rc" = 0 ]; then
		# provisioning finished before the card went: a complete import
		check "cut at ${delay}s: finished first, tree complete" "$(card_nodes)" "$before"
	else
		check "cut at ${delay}s: tree unchanged" "$(card_nodes)" "$before"
		expect "cut at ${delay}s: a message" '.' cat "$work/cut.out"
	fi
	"$stack_tool" attach "$stack" 0 "$card_bin" --image "$img" >/dev/null ||
		bail "card back after the cut"
done
out=$(A provision --yes --force 2>&1)
check "the next insertion provisions" "$?" 0

# --- a new card ------------------------------------------------------------
sed 's/"iccid": *"\([0-9A-Fa-f]*\)[0-9A-Fa-f]"/"iccid": "\19"/' "$profiles/default.json" \
	>"$work/other.json"
ln -s "$profiles/default" "$work/default"
"$perso" build "$work/other.json" -o "$work/other.img" --force >/dev/null ||
	bail "dmsc-perso builds a card with another ICCID"
"$stack_tool" detach "$stack" 0 >/dev/null 2>&1
"$stack_tool" attach "$stack" 0 "$card_bin" --image "$work/other.img" >/dev/null ||
	bail "the other card is seen in reader 0"
out=$(A provision --yes --json 2>&1)
check "new card: exit 0" "$?" 0
expect "new card: applied, new_card true" '"new_card":true' echo "$out"
old=$(sqlite3 "$db" "select count(*) from node where iccid = '$iccid1'" 2>/dev/null)
check "new card: the old card's nodes are gone" "$old" 0

lib_finish
