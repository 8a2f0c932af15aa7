#!/usr/bin/env bash
# tests/integration/agent-concurrency.sh - two dmsc-agent processes on ONE
# reader at the same time (issue 6 "two agents on one reader"), through a
# real, isolated pcscd + vpcd (tools/reader-stack) and dmsc-card --trace.
#
#   agent-concurrency.sh READER-STACK DMSC-CARD DMSC-AGENT DMSC-PERSO PROFILES-DIR
#
# Covers (SCardBeginTransaction around every multi-APDU operation):
#   - reference: the C-APDU sequence P of one `provision --force` (from the
#     card's trace) and the sequence Q of one `apdu` run of 12 APDUs;
#   - phase 1: agent A runs `provision --force` ROUNDS times while agent B
#     runs the `apdu` sequence ROUNDS times: every run exits 0, and the
#     card's trace of the phase splits exactly into whole copies of P and Q
#     (ROUNDS of each): no operation was interleaved with the other;
#   - phase 2: two agents both `provision --force` ROUNDS times, each into
#     its own tree: all exit 0, the trace is exactly 2 x ROUNDS copies of P,
#     both trees hold the complete import.
# ROUNDS = 20 (environment ROUNDS overrides, for quick manual runs).
# Exit 0 pass, 1 fail, 77 skip (outside CI only, no isolation possible).
set -uo pipefail

usage="usage: agent-concurrency.sh READER-STACK DMSC-CARD DMSC-AGENT DMSC-PERSO PROFILES-DIR"
stack_tool=${1:?$usage}
card_bin=${2:?$usage}
agent=${3:?$usage}
perso=${4:?$usage}
profiles=${5:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

ROUNDS=${ROUNDS:-20}
work=$(mktemp -d "${TMPDIR:-/tmp}/dmsc-agent-conc.XXXXXX")
trap lib_cleanup EXIT

A() { # DB ARGS...
	local db=$1
	shift
	timeout "$T" "$agent" --reader 0 --db "$db" --outbox "$work/outbox" "$@"
}
# EF_ICCID read in 10 growing pieces: a sequence no provisioning contains.
Q_APDUS=(00A4000C023F00 00A4000C022FE2 00B0000001 00B0000002 00B0000003 00B0000004
	00B0000005 00B0000006 00B0000007 00B0000008 00B0000009 00B000000A)
trace=$work/trace
commands() { awk '{print $4}' "$trace" | tail -n +"$(($1 + 1))"; } # FROM-LINE
card_nodes() { sqlite3 "$1" "select count(*) from node where iccid is not null" 2>&1; }

# loop NAME DB ARGS...: ROUNDS runs of the agent; one line per failed run in
# $work/NAME.fail (exit code and output).
loop() {
	local name=$1 db=$2 i out rc
	shift 2
	: >"$work/$name.fail"
	for ((i = 1; i <= ROUNDS; i++)); do
		out=$(A "$db" "$@" 2>&1)
		rc=$?
		[ "$rc" = 0 ] || echo "run $i: exit $rc: $out" >>"$work/$name.fail"
	done
}

# no_failures NAME WHAT: every run of loop NAME exited 0 (else its lines).
no_failures() {
	check "$2 all exit 0" "$(wc -l <"$work/$1.fail")" 0
	comment <"$work/$1.fail"
}

# split_trace FROM P-FILE Q-FILE: read the trace's commands from line FROM
# on and print "P n Q m" when they are a concatenation of whole copies of
# the two sequences, or "interleaved at command i" when not; a second line
# counts the changes from one sequence to the other (evidence that the two
# agents really ran at the same time; informative, not asserted).
split_trace() {
	commands "$1" | awk -v pf="$2" -v qf="$3" '
		BEGIN {
			while ((getline l < pf) > 0) p[np++] = l
			if (qf != "") while ((getline l < qf) > 0) q[nq++] = l
		}
		{ c[n++] = $0 }
		function match_at(i, s, len,   k) {
			if (len == 0 || i + len > n) return 0
			for (k = 0; k < len; k++) if (c[i + k] != s[k]) return 0
			return 1
		}
		END {
			i = 0; cp = 0; cq = 0; sw = 0; last = ""
			while (i < n) {
				if (match_at(i, p, np)) { i += np; cp++; t = "P" }
				else if (match_at(i, q, nq)) { i += nq; cq++; t = "Q" }
				else { print "interleaved at command " i + 1; exit }
				if (last != "" && t != last) sw++
				last = t
			}
			print "P " cp " Q " cq
			print "changes between P and Q: " sw
		}'
}

need opensc-tool sqlite3
lib_start_stack
img=$work/card.img
"$perso" build "$profiles/default.json" -o "$img" --force >/dev/null ||
	bail "dmsc-perso builds the default card"
"$stack_tool" attach "$stack" 0 "$card_bin" --image "$img" --trace "$trace" >/dev/null ||
	bail "dmsc-card is seen in reader 0"
ok "dmsc-card (default card, traced) is seen in reader 0"

# --- the two reference sequences -------------------------------------------
A "$work/a.db" provision --yes >/dev/null 2>&1 || bail "a first provisioning"
from=$(wc -l <"$trace")
A "$work/a.db" provision --yes --force >/dev/null 2>&1 || bail "a reference provision --force"
commands "$from" >"$work/P"
from=$(wc -l <"$trace")
A "$work/a.db" apdu "${Q_APDUS[@]}" >/dev/null 2>&1 || bail "a reference apdu run"
commands "$from" >"$work/Q"
check "reference apdu run: ${#Q_APDUS[@]} commands" "$(wc -l <"$work/Q")" "${#Q_APDUS[@]}"
np=$(wc -l <"$work/P")
if [ "$np" -ge 10 ] && [ "$(head -1 "$work/P")" = 80100000030101E0 ]; then
	ok "reference provision --force: $np commands, TERMINAL PROFILE first"
else
	bail "a plausible provisioning sequence (got $np commands)"
fi

# --- phase 1: provision against apdu --------------------------------------
from=$(wc -l <"$trace")
loop prov "$work/a.db" provision --yes --force &
pa=$!
loop apdu "$work/a.db" apdu "${Q_APDUS[@]}" &
pb=$!
wait "$pa" "$pb"
no_failures prov "phase 1: $ROUNDS provisionings"
no_failures apdu "phase 1: $ROUNDS apdu runs"
split_trace "$from" "$work/P" "$work/Q" >"$work/split1"
check "phase 1: the card's trace is whole operations, none interleaved" \
	"$(head -1 "$work/split1")" "P $ROUNDS Q $ROUNDS"
tail -n +2 "$work/split1" | comment

# --- phase 2: two provisionings --------------------------------------------
cp "$work/a.db" "$work/b.db"
from=$(wc -l <"$trace")
loop prov1 "$work/a.db" provision --yes --force &
pa=$!
loop prov2 "$work/b.db" provision --yes --force &
pb=$!
wait "$pa" "$pb"
no_failures prov1 "phase 2: agent 1, $ROUNDS provisionings"
no_failures prov2 "phase 2: agent 2, $ROUNDS provisionings"
check "phase 2: the card's trace is whole provisionings, none interleaved" \
	"$(split_trace "$from" "$work/P" "" | head -1)" "P $((2 * ROUNDS)) Q 0"
n=$(card_nodes "$work/a.db")
check "phase 2: both trees hold the same complete import" "$(card_nodes "$work/b.db")" "$n"
[ "$n" -gt 10 ] && ok "phase 2: $n card nodes" || not_ok "phase 2: card nodes ($n)"
no_sanitizer_reports

lib_finish
