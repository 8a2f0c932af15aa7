#!/usr/bin/env bash
# tests/integration/agent-usecases.sh - dmsc-agent's use-case commands
# (x) through a real, isolated pcscd + vpcd (tools/reader-stack) with
# dmsc-card (fresh default image) in reader 0; docs/agent.md "Use cases".
#
#   agent-usecases.sh READER-STACK DMSC-CARD DMSC-AGENT PROFILES-DIR
#
# After `provision` (the card's policy MO and DM account in the tree):
#   5.3 normal flow: policy status on a Wednesday 10:30 (Camera disabled by
#       rule 1, WLAN enabled) and a Saturday; use allowed (exit 0); use
#       forbidden (exit 5): EF_EVLOG record 1 read back with opensc-tool
#       (type 01, source 00, the time, "Camera"), a Generic Alert to the
#       DMAcc's ServerID valid for xmllint;
#   5.3 AF1 an enterprise-signed `admin enable Camera` (openssl, TEST-ONLY
#       key): the card's ADMIN_OP event, Camera allowed at office hours;
#   5.3 AF2 the same operation replayed (6985) and one signed by the MA key
#       (6982): refused, nothing changes;
#   5.3 AF3 a forbidden use without PIN 81: still blocked, reported, "NOT
#       logged on the card";
#   5.4 approved (MA signature) exit 0; tampered package exit 5; unapproved
#       (enterprise signature) rejected by default, accepted with
#       install.unapproved = ask and --yes, rejected with --no; install log;
#   5.2 copy-mo ./DevDetail with ADM1: the DODF names it, --compare finds 0
#       differences, --erase-local leaves only the card copy; without ADM1
#       refused;
#   the outbox: one well-formed alert per report, no temporary file left.
#
# Exit 0 pass, 1 fail, 77 skip as lib.sh says.
set -uo pipefail

usage="usage: agent-usecases.sh READER-STACK DMSC-CARD DMSC-AGENT PROFILES-DIR"
stack_tool=${1:?$usage}
card_bin=${2:?$usage}
agent=${3:?$usage}
profiles=${4:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/dmsc-usecases-test.XXXXXX")
trap lib_cleanup EXIT
need opensc-tool openssl xxd xmllint

# --at is local time; UTC makes the EF_EVLOG time known.
export TZ=UTC
MA_KEY=$profiles/default/ma-private-TEST-ONLY.pem
ENT_KEY=$profiles/default/enterprise-private-TEST-ONLY.pem
WED=2026-11-18T10:30 # a Wednesday, inside Mon-Fri 09:00-18:00
WED_HEX=6AFD7E28     # its seconds since 1970 UTC
SAT=2026-11-21T10:30
SELECT_DMSC=00A4040C08F04F4D41444D5343
PIN81=002000810830303030FFFFFFFF

hex2bin() { xxd -r -p; }
bin2hex() { xxd -p | tr -d '\n' | tr a-f A-F; }

db=$work/tree.db ob=$work/outbox conf=$work/agent.conf
printf '0000\n' >"$work/pin81"
printf '88888888\n' >"$work/adm1"
: >"$conf"
ag() { "$agent" --db "$db" --outbox "$ob" --config "$conf" "$@"; }

# run NAME WANT-EXIT PATTERN ARGS...: as agent-basic.sh, with our tree/outbox.
run() {
	local name=$1 want=$2 pat=$3 out rc=0
	shift 3
	out=$(timeout "$T" "$agent" --db "$db" --outbox "$ob" --config "$conf" "$@" 2>&1) || rc=$?
	if [ "$rc" = "$want" ] && grep -Eq -- "$pat" <<<"$out"; then
		ok "$name"
	else
		not_ok "$name"
		echo "command: dmsc-agent $* (exit $rc, want $want)" | comment
		comment <<<"$out"
	fi
}
alerts() { find "$ob" -maxdepth 1 -name 'alert-*.xml' 2>/dev/null | wc -l; }
newest_alert() { ls -t "$ob"/alert-*.xml | head -1; }
# alert_has NAME XPATH-TEXT WANT: the newest alert's element text.
alert_has() {
	local got
	got=$(xmllint --xpath "string($2)" "$(newest_alert)" 2>&1)
	check "$1" "$got" "$3"
}
L='/*[local-name()="SyncML"]'
ITEM="$L/*[local-name()=\"SyncBody\"]/*[local-name()=\"Alert\"]/*[local-name()=\"Item\"]"

[ -f "$MA_KEY" ] && [ -f "$ENT_KEY" ] || bail "test keys in $profiles/default"
lib_start_stack
"$stack_tool" attach "$stack" 0 "$card_bin" --image "$work/card.img" >/dev/null ||
	bail "dmsc-card (fresh default image) is seen in reader 0"
ok "dmsc-card (fresh default image) is seen in reader 0"

run "provision: the card's policy and DM account reach the tree" 0 "provisioned from card" \
	provision --yes --pin-file "$work/pin81"
n0=$(alerts)

# ---- 5.3 normal flow --------------------------------------------------------
run "5.3 policy status, Wednesday 10:30: Camera disabled by rule 1" 0 \
	"Camera +enabled +disabled +rule 1: Disable Mon-Fri 09:00-18:00" policy status --at "$WED"
run "5.3 policy status, Wednesday 10:30: WLAN enabled (no rule)" 0 \
	"WLAN +enabled +enabled +built-in" policy status --at "$WED"
run "5.3 policy status, Saturday: Camera enabled" 0 "Camera +enabled +enabled" \
	policy status --at "$SAT"
run "5.3 policy status --json" 0 '"resource":"Camera","default":"enabled","state":"disabled"' \
	--json policy status --at "$WED"
run "5.3 use Camera on Saturday: allowed, exit 0" 0 "Camera: allowed" use Camera --at "$SAT"
check "5.3 an allowed use is not reported" "$(alerts)" "$n0"
run "5.3 use Camera at office hours: blocked, exit 5" 5 "Camera: blocked \(rule 1" \
	use Camera --at "$WED" --pin-file "$work/pin81"
check "5.3 the forbidden use is reported: one more alert" "$(alerts)" $((n0 + 1))
alert_has "5.3 alert: Generic Alert 1226" "$L/*[local-name()=\"SyncBody\"]/*[local-name()=\"Alert\"]/*[local-name()=\"Data\"]" 1226
alert_has "5.3 alert: to the ServerID of the card's DMAcc" \
	"$L/*[local-name()=\"SyncHdr\"]/*[local-name()=\"Target\"]/*[local-name()=\"LocURI\"]" demo.dm
alert_has "5.3 alert: type forbidden-use" "$ITEM/*[local-name()=\"Meta\"]/*[local-name()=\"Type\"]" \
	urn:x-dmsc:alert:forbidden-use:1.0
mapfile -t r < <(apdus 0 "$SELECT_DMSC" "$PIN81" 00A4000C026424 00B2010420)
want_rec=0100000000..${WED_HEX}FF06$(printf Camera | bin2hex)
# (91xx: the toolkit has a proactive command pending since provision's
# TERMINAL PROFILE; the data are the same)
if [[ ${r[3]:-} =~ ^${want_rec}(FF){14}(9000|91..)$ ]]; then
	ok "5.3 EF_EVLOG record 1: forbidden use, device, the time, Camera"
else
	not_ok "5.3 EF_EVLOG record 1: forbidden use, device, the time, Camera"
	printf 'got  %s\nwant %s\n' "${r[3]:-}" "$want_rec(FF){14}9000" | comment
fi
card_reset 0

# ---- 5.3 alternative flows -------------------------------------------------
tlv() { printf '%s%02X%s' "$1" $((${#2} / 2)) "$2"; }
po_body() { echo "$(tlv 80 "$(printf %08X "$1")")$(tlv 81 "$(printf %s "$2" | bin2hex)")$(tlv 82 "$3")"; }
sign_po() { { printf DMSC-PO1; hex2bin <<<"$2"; } | openssl dgst -sha256 -sign "$1" >"$3"; }
sign_po "$MA_KEY" "$(po_body 1 Camera 01)" "$work/op-ma.sig"
run "5.3 AF2: an operation signed by the MA's key: refused (6982), exit 5" 5 \
	"refused by the card: 6982" admin enable Camera --counter 1 --sig "$work/op-ma.sig"
run "5.3 AF2: Camera still blocked" 5 "Camera: blocked" use Camera --at "$WED"
sign_po "$ENT_KEY" "$(po_body 1 Camera 01)" "$work/op1.sig"
run "5.3 AF1: enterprise operation 'enable Camera' verified by the card, applied" 0 \
	"verified by the card, applied" admin enable Camera --counter 1 --sig "$work/op1.sig"
run "5.3 AF1: policy status shows the admin override" 0 \
	"Camera +enabled +enabled +admin operation 1" policy status --at "$WED"
run "5.3 AF1: Camera allowed at office hours" 0 "Camera: allowed" use Camera --at "$WED"
run "5.3 AF2: the same operation replayed: refused (6985)" 5 "refused by the card: 6985" \
	admin enable Camera --counter 1 --sig "$work/op1.sig"
mapfile -t r < <(apdus 0 "$SELECT_DMSC" "$PIN81" 00A4000C026424 00B2010420)
check "5.3 AF1: EF_EVLOG record 1 is the card's ADMIN_OP event" "${r[3]:0:4}" 0201
card_reset 0
run "5.3 AF3: forbidden use without PIN 81: blocked, not logged, said" 5 \
	"NOT logged on the card|not logged on the card" use Bluetooth --at "$WED"
data=$(xmllint --xpath "string($ITEM/*[local-name()=\"Data\"])" "$(newest_alert)" 2>&1)
if grep -Eq '^forbidden use of Bluetooth blocked .*NOT logged on the card' <<<"$data"; then
	ok "5.3 AF3: still reported, saying it is not on the card's log"
else
	not_ok "5.3 AF3: still reported, saying it is not on the card's log"
	comment <<<"$data"
fi

# ---- 5.4 --------------------------------------------------------------------
printf 'firmware 2.0 for the demo device\n' >"$work/pkg"
openssl dgst -sha256 -sign "$MA_KEY" -out "$work/pkg.sig" "$work/pkg"
openssl dgst -sha256 -sign "$ENT_KEY" -out "$work/pkg-ent.sig" "$work/pkg"
printf 'install.log = %s\n' "$work/install.log" >"$conf"
run "5.4 approved by the MA: install, exit 0" 0 "install .*approved=yes decision=approved" \
	install "$work/pkg" --sig "$work/pkg.sig"
cp "$work/pkg" "$work/pkg-tampered" && printf 'x' >>"$work/pkg-tampered"
run "5.4 tampered package: rejected, exit 5" 5 "reject .*approved=no decision=policy-reject" \
	install "$work/pkg-tampered" --sig "$work/pkg.sig"
run "5.4 unapproved (another key), policy reject: rejected even with --yes" 5 \
	"decision=policy-reject" install "$work/pkg" --sig "$work/pkg-ent.sig" --yes
printf 'install.log = %s\ninstall.unapproved = ask\n' "$work/install.log" >"$conf"
run "5.4 unapproved, policy ask, user accepts (--yes): install" 0 "decision=user-accepted" \
	install "$work/pkg" --sig "$work/pkg-ent.sig" --yes
run "5.4 unapproved, policy ask, user refuses (--no): rejected" 5 "decision=user-rejected" \
	install "$work/pkg" --sig "$work/pkg-ent.sig" --no
run "5.4 unapproved, policy ask, nobody to ask (no terminal): rejected" 5 \
	"no terminal to ask" install "$work/pkg" --sig "$work/pkg-ent.sig" </dev/null
check "5.4 every decision is in the install log" "$(wc -l <"$work/install.log")" 6
alert_has "5.4 the decision is reported" "$ITEM/*[local-name()=\"Meta\"]/*[local-name()=\"Type\"]" \
	urn:x-dmsc:alert:package-install:1.0
: >"$conf"

# ---- 5.2 --------------------------------------------------------------------
run "5.2 copy-mo without ADM1: refused" 1 "needs ADM1" copy-mo ./DevDetail
run "5.2 copy-mo ./DevDetail with ADM1: the card allocates, copy verified" 0 \
	"copied to the card: EF 65[0-9A-F]{2}, [0-9]+ bytes, verified" \
	copy-mo ./DevDetail --adm-file "$work/adm1"
card_reset 0
mapfile -t r < <(apdus 0 00A4040C0CA000000063504B43532D3135 00A4000C026430 00B0000000)
if grep -q "$(printf ./DevDetail | bin2hex)" <<<"${r[2]:-}"; then
	ok "5.2 the card's DODF names the copy (OSR-1: the card updated it)"
else
	not_ok "5.2 the card's DODF names the copy (OSR-1: the card updated it)"
	comment <<<"${r[2]:-}"
fi
run "5.2 --compare: 0 differences" 0 "^0 differences" copy-mo ./DevDetail --compare
run "5.2 --erase-local: only the card copy is kept" 0 "device copy erased" \
	copy-mo ./DevDetail --erase-local --adm-file "$work/adm1"
run "5.2 the device node is gone" 1 "" tree get ./DevDetail
run "5.2 --compare after the erase: every node only on the card" 1 \
	"\+ ./DevDetail .*only on the card" copy-mo ./DevDetail --compare

# ---- the outbox --------------------------------------------------------------
bad=0
for f in "$ob"/alert-*.xml; do xmllint --noout "$f" 2>/dev/null || bad=$((bad + 1)); done
check "outbox: every alert is well-formed XML" "$bad" 0
check "outbox: no temporary file left" "$(find "$ob" -name '.tmp-*' | wc -l)" 0
no_sanitizer_reports
lib_finish
