#!/usr/bin/env bash
# tests/integration/golden.sh - golden APDU transcript regression test
# (docs/transcripts.md): replays the command APDUs of a recorded card trace
# (tests/golden/demo.trace, the exchange of tools/demo) against a fresh
# default card through an isolated pcscd + vpcd, and compares every status
# word and every byte of response data with the recording, except the byte
# ranges the mask file (tests/golden/demo.mask) names, each with its reason.
#
#   golden.sh READER-STACK DMSC-CARD DMSC-AGENT DMSC-PERSO PROFILES-DIR GOLDEN-DIR [NAME]
#
# NAME defaults to demo: GOLDEN-DIR/NAME.trace and GOLDEN-DIR/NAME.mask.
# The trace is dmsc-card --trace output recorded with --trace-full (nothing
# abbreviated); "power" lines (off / on / reset) are replayed as a cold
# reset of the card; "#" lines are comments (the demo's step titles).
# A failure shows the APDU (number, trace line, demo step), the expected
# and the actual answer with the masked bytes as "..".
# Exit 0 pass, 1 fail, 77 skip as lib.sh says.
set -uo pipefail

usage="usage: golden.sh READER-STACK DMSC-CARD DMSC-AGENT DMSC-PERSO PROFILES-DIR GOLDEN-DIR [NAME]"
stack_tool=${1:?$usage}
card_bin=${2:?$usage}
agent=${3:?$usage}
perso=${4:?$usage}
profiles=${5:?$usage}
golden=${6:?$usage}
name=${7:-demo}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/dmsc-golden-test.XXXXXX")
trap lib_cleanup EXIT
trace_in=$golden/$name.trace
mask=$golden/$name.mask
[ -f "$trace_in" ] && [ -f "$mask" ] || bail "$trace_in and $mask exist"

# ---- the recording, as segments -----------------------------------------------
# plan: one line per APDU "N LINE STEP CMD EXPECTED" (EXPECTED = data+SW hex),
# "RESET" where the card was powered off or reset.  An exchange line is
# "TIME chN > CMD < [DATA ]SW NAME"; an abbreviated one ("...") cannot be
# replayed and is a failure of the recording.
awk '
	/^#/ { if ($2 == "step") { step = $3; sub(/:$/, "", step) } next }
	$2 == "power" { print "RESET"; next }
	$3 == ">" && $5 == "<" {
		n++
		if ($4 ~ /\.\.\./ || $0 ~ /\.\.\./) { print "ABBREV " n " " NR; next }
		resp = ($7 ~ /^[0-9A-F][0-9A-F][0-9A-F][0-9A-F]$/ && $6 ~ /^[0-9A-F]+$/) ? $6 $7 : $6
		print n, NR, (step == "" ? "-" : step), $4, resp
		next
	}
	NF { print "BAD " NR }
' "$trace_in" >"$work/plan"
grep -q '^\(ABBREV\|BAD\) ' "$work/plan" &&
	bail "the recording is complete: $(grep -m3 '^\(ABBREV\|BAD\) ' "$work/plan" | tr '\n' ' ')(re-record with --trace-full)"
total=$(grep -c '^[0-9]' "$work/plan")
[ "$total" -gt 0 ] || bail "the recording holds APDUs"
ok "the recording holds $total APDUs, none abbreviated"

# ---- the mask -----------------------------------------------------------------
# "ERE RANGES REASON...": for every command matching ERE (on the C-APDU
# hex), the response data bytes in RANGES (a-b or a, 0-based, inclusive,
# comma separated) are not compared.  A line without a reason is refused.
awk '
	/^[ \t]*(#|$)/ { next }
	NF < 3 || $2 !~ /^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$/ { print "BAD " NR ": " $0; next }
	{ print $1, $2 }
' "$mask" >"$work/mask"
grep -q '^BAD ' "$work/mask" && bail "mask $mask: $(grep -m1 '^BAD ' "$work/mask")"
ok "mask file: $(wc -l <"$work/mask") masked field(s), each with its reason"

# ---- replay -------------------------------------------------------------------
need "$agent" opensc-tool
"$card_bin" --vpcd 127.0.0.1:1 --image "$work/unused.img" --trace-full >/dev/null 2>&1
check "dmsc-card: --trace-full without --trace is a usage error (2)" "$?" 2
lib_start_stack
img=$work/card.img
"$perso" build "$profiles/default.json" -o "$img" --force >/dev/null ||
	bail "dmsc-perso builds the default card"
"$stack_tool" attach "$stack" 0 "$card_bin" --image "$img" \
	>/dev/null || bail "dmsc-card (fresh default card) is seen in reader 0"
ok "dmsc-card (fresh default card) is seen in reader 0"

# replay_segment: the APDUs of $work/seg in one card session (one
# dmsc-agent apdu --raw: one PC/SC transaction, no follow-ups added), one
# line per answer "DATA+SW" (or NONE when the card gave none).
replay_segment() {
	local -a cmds
	mapfile -t cmds < <(awk '{ print $4 }' "$work/seg")
	[ ${#cmds[@]} -gt 0 ] || return 0
	timeout 60 "$agent" --reader 0 apdu --raw "${cmds[@]}" 2>"$work/agent.err" |
		awk '/^< / {
			if ($3 ~ /^[0-9A-F][0-9A-F][0-9A-F][0-9A-F]$/ && $2 ~ /^[0-9A-F]+$/)
				print $2 $3
			else
				print $2
		}' >>"$work/actual"
	[ "$(wc -l <"$work/actual")" -ge "$(wc -l <"$work/expected_so_far")" ] ||
		{ echo "# dmsc-agent apdu stopped early:"; comment <"$work/agent.err"; }
}

: >"$work/actual"
: >"$work/expected_so_far"
: >"$work/seg"
flush() {
	cat "$work/seg" >>"$work/expected_so_far"
	replay_segment
	: >"$work/seg"
}
resets=0
while read -r first rest; do
	if [ "$first" = RESET ]; then
		flush
		# A power cycle as pcscd does it: the card restarts on its image.
		card_reset 0 || bail "card reset"
		resets=$((resets + 1))
	else
		echo "$first $rest" >>"$work/seg"
	fi
done <"$work/plan"
flush
ok "replayed $total APDUs in $((resets + 1)) card session(s)"

# ---- compare ------------------------------------------------------------------
# compare PLAN ACTUAL MASK: one "not ok" block per differing answer on
# stdout, "SAME DIFFER" on stderr.
compare() {
	paste -d ' ' "$1" "$2" | awk -v maskf="$3" '
	BEGIN { while ((getline l < maskf) > 0) { split(l, f, " "); m++; re[m] = f[1]; rg[m] = f[2] } }
	# hide(r, cmd): the masked data bytes of r as ".."; the SW (last 4 hex
	# digits) is never masked.
	function hide(r, cmd,   i, j, k, parts, a, b, p, d, sw) {
		if (length(r) < 4) return r
		d = substr(r, 1, length(r) - 4); sw = substr(r, length(r) - 3)
		for (i = 1; i <= m; i++) {
			if (cmd !~ re[i]) continue
			k = split(rg[i], parts, ",")
			for (p = 1; p <= k; p++) {
				a = parts[p]; b = a
				if (index(a, "-")) { b = substr(a, index(a, "-") + 1); a = substr(a, 1, index(a, "-") - 1) }
				for (j = a + 0; j <= b + 0 && 2 * j < length(d); j++)
					d = substr(d, 1, 2 * j) ".." substr(d, 2 * j + 3)
			}
		}
		return (d == "" ? "" : d " ") sw
	}
	{
		n = $1; line = $2; step = $3; cmd = $4; want = $5; got = (NF >= 6 ? $6 : "NONE")
		w = hide(want, cmd); g = (got == "NONE" ? "NONE (no answer)" : hide(got, cmd))
		if (w == g) { same++; next }
		differ++
		printf "not ok - APDU %d (trace line %d, demo step %s)\n", n, line, step
		printf "#   command  %s\n#   expected %s\n#   actual   %s\n", cmd, w, g
	}
	END { printf "%d %d\n", same, differ > "/dev/stderr" }'
}

grep '^[0-9]' "$work/plan" >"$work/expected"
compare "$work/expected" "$work/actual" "$work/mask" >"$work/diff" 2>"$work/counts"
read -r same differ <"$work/counts"
if [ "${differ:-1}" = 0 ] && [ "${same:-0}" = "$total" ]; then
	ok "all $total answers equal the recording (status words and data, masks applied)"
else
	not_ok "answers equal the recording: ${differ:-?} of $total differ"
	sed 's/^not ok - /# /' "$work/diff" | head -60
fi

# The comparison itself can fail (checked against the recording's own
# answers, whatever the card said): one data byte changed in the first
# answer with data is found, a mask over that byte hides it, a changed SW is
# found even under the mask.
awk '{ print $5 }' "$work/expected" >"$work/recorded"
k=$(awk 'length($5) > 4 { print NR; exit }' "$work/expected")
awk -v k="$k" 'NR == k { c = substr($5, 1, 1); $5 = (c == "0" ? "1" : "0") substr($5, 2) } 1' \
	"$work/expected" >"$work/tampered"
compare "$work/tampered" "$work/recorded" "$work/mask" >"$work/diff2" 2>"$work/counts2"
check "self-check: a changed data byte is reported (APDU $k)" \
	"$(cat "$work/counts2") $(grep -c "^not ok - APDU $k " "$work/diff2")" "$((total - 1)) 1 1"
{ cat "$work/mask"; echo "^$(awk -v k="$k" 'NR == k { print $4 }' "$work/expected")\$ 0"; } \
	>"$work/mask2"
compare "$work/tampered" "$work/recorded" "$work/mask2" >/dev/null 2>"$work/counts2"
check "self-check: a mask over that byte hides it" "$(cat "$work/counts2")" "$total 0"
awk -v k="$k" 'NR == k { $5 = substr($5, 1, length($5) - 4) "6F00" } 1' \
	"$work/expected" >"$work/tampered"
compare "$work/tampered" "$work/recorded" "$work/mask2" >/dev/null 2>"$work/counts2"
check "self-check: a changed status word is reported under a mask" \
	"$(cat "$work/counts2")" "$((total - 1)) 1"
no_sanitizer_reports
lib_finish
