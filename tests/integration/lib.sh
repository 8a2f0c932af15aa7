# tests/integration/lib.sh - helpers shared by the integration scripts that
# drive dmsc-card through an isolated pcscd + vpcd (tools/reader-stack) with
# the standard clients only.  Sourced, never run; bash.
#
# The sourcing script sets `stack_tool` (path of tools/reader-stack) and
# `work` (its private temp dir) before calling lib_start_stack.
#
# Output: one line per check, "ok N - what" or "not ok N - what" followed by
# "# " lines with the evidence; lib_finish prints the summary and exits 0
# when every check passed, 1 otherwise.

T=${T:-20} # seconds any one client call may take
failed=0 count=0

ok() { count=$((count + 1)); echo "ok $count - $*"; }
not_ok() {
	count=$((count + 1)) failed=$((failed + 1))
	echo "not ok $count - $*"
}
comment() { sed 's/^/# /'; }

dump_logs() {
	local f
	for f in "$stack"/pcscd.log "$stack"/card*.log; do
		[ -f "$f" ] || continue
		echo "--- last lines of $f"
		tail -15 "$f"
	done
}

bail() { # fatal: nothing after this can be meaningful
	not_ok "$*"
	dump_logs
	echo "FAILED ($failed of $count)"
	exit 1
}

# no_sanitizer_reports: the card logs hold no ASan/UBSan report (a card
# built with -Db_sanitize keeps running after a UBSan finding: only its
# stderr, the card log, shows it).
no_sanitizer_reports() {
	local hits
	hits=$(grep -h -E "runtime error:|ERROR: AddressSanitizer|ERROR: LeakSanitizer" \
		"$stack"/card*.log 2>/dev/null)
	if [ -z "$hits" ]; then
		ok "no sanitizer report in the card logs"
	else
		not_ok "no sanitizer report in the card logs"
		comment <<<"$hits"
	fi
}

lib_finish() {
	if [ "$failed" -ne 0 ]; then
		dump_logs
		echo "FAILED ($failed of $count)"
		exit 1
	fi
	echo "all $count checks passed"
	exit 0
}

# check NAME GOT WANT: equal strings.
check() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		printf 'got  %s\nwant %s\n' "$2" "$3" | comment
	fi
}

# expect NAME PATTERN CMD...: CMD succeeds and its output matches PATTERN (ERE).
expect() {
	local name=$1 pat=$2 out
	shift 2
	if out=$(timeout "$T" "$@" 2>&1) && grep -Eq -- "$pat" <<<"$out"; then
		ok "$name"
	else
		not_ok "$name"
		echo "command: $*" | comment
		comment <<<"$out"
	fi
}

# wait_for SECONDS CMD...: poll CMD until it succeeds (never a fixed sleep).
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

present() { # SLOT: pcscd sees a card in that reader
	timeout "$T" opensc-tool -l 2>/dev/null | grep -Eq "^$1 +Yes "
}
absent() { ! present "$1"; }

# need CMD...: every client is installed (tools/setup.sh installs them).
need() {
	local c
	for c; do
		command -v "$c" >/dev/null || bail "$c not installed (tools/setup.sh installs it)"
	done
}

# lib_start_stack: an isolated stack in $work/stack, its environment
# exported.  Exit 77 (skip) only outside CI when pcscd cannot be isolated
# here (reader-stack exit 3); in CI (CI=true) that is a failure.
lib_start_stack() {
	local rc=0
	stack=$work/stack
	"$stack_tool" start --dir "$stack" >"$work/start.out" 2>&1 || rc=$?
	if [ "$rc" = 3 ] && [ "${CI:-}" != true ]; then
		cat "$work/start.out"
		echo "# cannot isolate pcscd here (not root, no user namespaces): skipped"
		exit 77
	fi
	[ "$rc" = 0 ] || { cat "$work/start.out"; bail "reader stack starts"; }
	ok "reader stack starts"
	eval "$("$stack_tool" env "$stack")"
}

# lib_cleanup: stop everything the stack started, remove $work.
lib_cleanup() {
	[ -f "${stack:-}/port" ] && "$stack_tool" stop "$stack" >/dev/null 2>&1
	rm -rf "$work"
}

# card_reset SLOT: a cold reset of the card (opensc-tool --reset), so that the
# next session starts with no PIN verified and nothing selected.  Needed
# because clients disconnect with SCARD_LEAVE_CARD: without it a session
# inherits the security status of the one before (measured with
# opensc-tool, pcsc-lite 1.9.9).
card_reset() {
	timeout "$T" opensc-tool -r "$1" --reset >/dev/null 2>&1
}

# apdus SLOT APDU...: send the APDUs in ONE card session (one opensc-tool
# run) and print one line per APDU: the whole R-APDU (data then SW) in
# upper-case hex without spaces, or "NONE" when no answer was reported.
apdus() {
	local slot=$1 a
	local -a args=()
	shift
	for a; do args+=(-s "$a"); done
	timeout "$T" opensc-tool -r "$slot" "${args[@]}" 2>&1 | awk '
		function flush() { if (sent) print (sw == "" ? "NONE" : data sw) }
		/^Sending: / { flush(); sent = 1; data = ""; sw = ""; next }
		/^Received \(SW1=0x/ {
			# "Received (SW1=0x90, SW2=0x00)" or "...:" when data follows
			s = $0; sub(/^Received \(SW1=0x/, "", s)
			s1 = substr(s, 1, index(s, ",") - 1)
			sub(/^[^=]*=0x/, "", s); s2 = substr(s, 1, index(s, ")") - 1)
			sw = sprintf("%2s%2s", s1, s2); gsub(/ /, "0", sw)
			first = 1
			next
		}
		# util_hex_dump_asc: n <= 16 bytes "XX " then their n ASCII
		# characters; lines after the first are padded to 48 columns.
		sw != "" && /^[0-9A-Fa-f][0-9A-Fa-f] / {
			n = first ? int(length($0) / 4) : length($0) - 48
			d = substr($0, 1, 3 * n); gsub(/ /, "", d); data = data d
			first = 0
			next
		}
		END { flush() }' | tr 'a-f' 'A-F'
}

# expect_sw NAME SLOT APDU SW: one APDU in its own session.
expect_sw() {
	check "$1" "$(apdus "$2" "$3" | tail -1 | grep -Eo '.{4}$')" "$4"
}

# scriptor_run SLOT FILE: run scriptor on FILE (one APDU per line) and print
# one line per APDU: the R-APDU in hex without spaces ("NONE" if missing).
scriptor_run() {
	timeout "$T" scriptor -r "dmsc 00 0$1" "$2" 2>&1 | awk '
		function flush() { if (sent) print (resp == "" ? "NONE" : resp) }
		/^> / { flush(); sent = 1; resp = ""; inresp = 0; next }
		/^< / { inresp = 1; sub(/^< /, "") }
		inresp {
			line = $0
			done = sub(/ : .*$/, "", line)
			gsub(/ /, "", line); resp = resp line
			if (done) inresp = 0
		}
		END { flush() }' | tr 'a-f' 'A-F'
}
