#!/usr/bin/env bash
# tests/integration/interop.sh - dmsc-card with the standard PC/SC tools,
# through a real, isolated pcscd + vpcd (tools/reader-stack), exactly as a
# card tester would run them (docs/interop.md §6).
#
#   interop.sh READER-STACK DMSC-CARD PROFILES-DIR
#
# On a fresh default image (dmsc-reference "Card profile v1"):
#   pcsc_scan        decodes the ATR: TS, TA1, T=1 with IFSC 254, T=15
#                    classes A-C, historical bytes (card service data,
#                    capabilities, status 9000), correct TCK;
#   opensc-tool      lists both readers (a card in 0 only), -a gives the
#                    same ATR, -s sends APDUs in one session;
#   opensc-explorer  the MF, ADF PKCS15 (by AID) and ADF DMSC (by FID),
#                    info and cat, the DODF decoded by asn1 and the DM
#                    bootstrap fetched with get; EF_EVLOG behind PIN 81;
#                    PIN1 verify, change, block, unblock with the PUK;
#   scriptor         tests/integration/interop.apdu, every answer compared
#                    with the "#=" expectation written under its command;
#   pkcs15-tool      with OpenSC's defaults it does not connect (the default
#                    driver is off for it); with a 3-line OPENSC_CONF it
#                    binds: TokenInfo, the two PIN objects, verify / change
#                    / unblock PIN1 FF-padded from the AODF; its
#                    --list-data-objects lists nothing, because OpenSC
#                    decodes opaqueDO entries only and the DM_SC DODF holds
#                    oidDO entries (evidence from its debug log).  If one of
#                    these OpenSC limitations goes away, the check says so:
#                    update docs/interop.md §6.
#
# Exit 0 pass, 1 fail.  77 (skip) only outside CI and only when the stack
# cannot be isolated here; with CI=true that is a failure too.
set -uo pipefail

usage="usage: interop.sh READER-STACK DMSC-CARD PROFILES-DIR"
stack_tool=${1:?$usage}
card_bin=${2:?$usage}
profiles=${3:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/dmsc-interop-test.XXXXXX")
trap lib_cleanup EXIT

ATR=3B9A9681B1FE451FC78031E073FE21DF8290006F
ICCID=98990901000000000031 # EF_ICCID 2FE2, BCD swapped (TS 102 221 §13.2)
AID_PKCS15=A000000063504B43532D3135
AID_DMSC=F04F4D41444D5343
PIN1=31323334FFFFFFFF     # "1234" FF-padded (TS 102 221 §9.5.1)
PIN1_NEW=35363738FFFFFFFF # "5678"
PIN_BAD=39393939FFFFFFFF
PUK1=3132333435363738 # "12345678"
PIN81=30303030FFFFFFFF # "0000", local PIN of ADF DMSC

# has NAME PATTERN TEXT: TEXT matches the ERE PATTERN.
has() {
	if grep -Eq -- "$2" <<<"$3"; then
		ok "$1"
	else
		not_ok "$1"
		echo "want /$2/ in:" | comment
		comment <<<"$3"
	fi
}
# traced NAME PATTERN: the card's trace has a matching exchange (what the
# tool really sent, and the card's answer).
traced() {
	if grep -Eq -- "$2" "$work/trace.log"; then
		ok "$1"
	else
		not_ok "$1"
		echo "no /$2/ in the card trace; its last lines:" | comment
		tail -5 "$work/trace.log" | cut -c1-160 | comment
	fi
}
# part FILE NAME: the lines opensc-explorer printed after "echo @@ NAME" and
# before the next "@@" marker.
part() {
	awk -v want="$2" '$1 == "@@" { on = ($2 == want); next } on' "$1"
}

need opensc-tool opensc-explorer scriptor pcsc_scan pkcs15-tool
lib_start_stack
"$stack_tool" attach "$stack" 0 "$card_bin" --image "$work/card.img" --trace "$work/trace.log" \
	>/dev/null || bail "dmsc-card (fresh default image) is seen in reader 0"
ok "dmsc-card (fresh default image) is seen in reader 0"

# ---- pcsc_scan: the ATR decoded -------------------------------------------------

scan=$(timeout "$T" pcsc_scan -t 2 2>&1 | sed 's/\x1b\[[0-9;]*m//g')
atr_spaced=$(sed 's/../& /g; s/ $//' <<<"$ATR")
has "pcsc_scan: reader 0 holds a card with the ATR" "ATR: $atr_spaced" "$scan"
has "pcsc_scan: TA1 96 = Fi 512, Di 32" "TA\(1\) = 96 --> Fi=512, Di=32" "$scan"
has "pcsc_scan: T=1 with IFSC 254 (TA3 FE)" "IFSC: 254" "$scan"
has "pcsc_scan: T=15 classes A, B, C (TS 102 221 §6.2.1)" \
	"Class accepted by the card: .*A 5V B 3V C 1.8V" "$scan"
has "pcsc_scan: card service data E0, EF.DIR by READ RECORD" \
	"Card service data byte: E0" "$scan"
has "pcsc_scan: capabilities announce command chaining and extended Lc/Le" \
	"Extended Lc and Le fields" "$scan"
has "pcsc_scan: status indicator 9000" "SW: 9000" "$scan"
has "pcsc_scan: TCK correct" "TCK = 6F \(correct checksum\)" "$scan"

# ---- opensc-tool: readers, ATR, APDUs ---------------------------------------------

out=$(timeout "$T" opensc-tool -l 2>&1)
has "opensc-tool -l: reader 0 'dmsc 00 00' with a card" "^0 +Yes +dmsc 00 00" "$out"
has "opensc-tool -l: reader 1 'dmsc 00 01' empty" "^1 +No +dmsc 00 01" "$out"
out=$(timeout "$T" opensc-tool -r 0 -a 2>&1 | tr -d ':\n' | tr a-f A-F)
check "opensc-tool -a: the ATR" "$out" "$ATR"
card_reset 0
mapfile -t r < <(apdus 0 00A4000C022FE2 00B000000A 00A4040C08$AID_DMSC 00A4000C026420 \
	00B0000001)
check "opensc-tool -s: SELECT EF_ICCID" "${r[0]:-}" 9000
check "opensc-tool -s: READ BINARY EF_ICCID in the same session" "${r[1]:-}" "${ICCID}9000"
check "opensc-tool -s: SELECT ADF DMSC by AID" "${r[2]:-}" 9000
check "opensc-tool -s: SELECT EF_INFO 6420 by FID inside it" "${r[3]:-}" 9000
has "opensc-tool -s: READ BINARY of EF_INFO answers one byte" "^[0-9A-F]{2}9000$" "${r[4]:-}"

# ---- opensc-explorer: MF, both ADFs, files, PIN1 ----------------------------------
# Script mode (one command per line, one session).  The default driver sends
# PIN bytes as given, so PINs are written FF-padded (docs/interop.md §3.1).

card_reset 0
boot=$work/dmboot.bin
cat >"$work/explorer.script" <<EOF
echo @@ mf
cd 3F00
info
echo @@ iccid
cat 2FE2
echo @@ dir
cat 2F00
echo @@ pkcs15
cd aid:$AID_PKCS15
info
echo @@ odf
cat 5031
echo @@ dodf
asn1 6430
echo @@ boot
get 6432 $boot
echo @@ dmsc
cd 3F00
cd 7F60
info
echo @@ evlog-locked
cat 6424
echo @@ pin81
verify CHV129 $PIN81
echo @@ evlog
cat 6424
echo @@ up
cd ..
cat 2FE2
echo @@ wrong
verify CHV1 $PIN_BAD
echo @@ right
verify CHV1 $PIN1
echo @@ change
change CHV1 $PIN1 $PIN1_NEW
echo @@ old
verify CHV1 $PIN1
echo @@ new
verify CHV1 $PIN1_NEW
echo @@ block
verify CHV1 $PIN_BAD
verify CHV1 $PIN_BAD
verify CHV1 $PIN_BAD
echo @@ blocked
verify CHV1 $PIN1_NEW
echo @@ unblock
unblock CHV1 $PUK1 $PIN1
echo @@ after
verify CHV1 $PIN1
echo @@ end
EOF
timeout "$T" opensc-explorer -r 0 "$work/explorer.script" >"$work/explorer.out" 2>&1
x=$work/explorer.out
has "explorer: MF is a DF, operational" "Dedicated File +ID 3F00" "$(part "$x" mf)"
has "explorer: cat 2FE2 gives the ICCID" "98 99 09 01 00 00 00 00 00 31" "$(part "$x" iccid)"
has "explorer: cat 2F00 shows EF_DIR's PKCS15 record" "50 4B 43 53 31 35" "$(part "$x" dir)"
has "explorer: cd aid: ADF PKCS15 (FID 7F50, its DF name)" \
	"Dedicated File +ID 7F50" "$(part "$x" pkcs15)"
has "explorer: cat 5031 gives EF_ODF (AODF, DODF, CDF)" \
	"A8 06 30 04 04 02 64 40 A7 06 30 04 04 02 64 30" "$(part "$x" odf)"
len=$(stat -c %s "$profiles/default/dmboot.xml")
dodf=$(part "$x" dodf)
has "explorer: asn1 6430 decodes the DODF's DM bootstrap oidDO (OID 2.23.43.7.1)" \
	"OBJECT IDENTIFIER .*2\.23\.43\.7\.1" "$dodf"
boot_do=$(grep -A4 -m1 '2\.23\.43\.7\.1' <<<"$dodf")
has "explorer: its Path is EF 6432" "OCTET STRING \(2 bytes\): 64 32" "$boot_do"
has "explorer: its length is $len bytes, the size of dmboot.xml" \
	"$(printf 'Context 0  \\(2 bytes\\): %02X %02X' $((len >> 8)) $((len & 255)))" "$boot_do"
if [ -f "$boot" ] && cmp -s <(head -c "$len" "$boot") "$profiles/default/dmboot.xml"; then
	ok "explorer: get 6432, first $len bytes = profiles/default/dmboot.xml"
else
	not_ok "explorer: get 6432, first $len bytes = profiles/default/dmboot.xml"
	part "$x" boot | comment
fi
has "explorer: cd 7F60 after cd 3F00: ADF DMSC by FID" "Dedicated File +ID 7F60" "$(part "$x" dmsc)"
has "explorer: EF_EVLOG refused before PIN 81" "Security status not satisfied" \
	"$(part "$x" evlog-locked)"
has "explorer: verify CHV129 (local PIN 81)" "Code correct" "$(part "$x" pin81)"
has "explorer: EF_EVLOG readable after it (cyclic records)" "^Record 1:" "$(part "$x" evlog)"
has "explorer: cd .. back to the MF" "98 99 09 01" "$(part "$x" up)"
has "explorer: wrong PIN1" "Incorrect code, 2 tries left" "$(part "$x" wrong)"
has "explorer: right PIN1" "Code correct" "$(part "$x" right)"
has "explorer: change CHV1" "PIN changed" "$(part "$x" change)"
has "explorer: the old PIN1 is refused" "Incorrect code" "$(part "$x" old)"
has "explorer: the new PIN1 is accepted" "Code correct" "$(part "$x" new)"
has "explorer: three wrong PIN1 leave 0 tries" "0 tries left" "$(part "$x" block)"
has "explorer: the blocked PIN1 refuses even the right value" "blocked" "$(part "$x" blocked)"
traced "card: VERIFY of the blocked PIN1 answered 6983" "> 0020000108$PIN1_NEW < 6983"
has "explorer: unblock CHV1 with PUK1 and a new PIN" "PIN unblocked" "$(part "$x" unblock)"
traced "card: UNBLOCK PIN with PUK and new PIN answered 9000" "> 002C000110$PUK1$PIN1 < 9000"
has "explorer: the new PIN1 after the unblock" "Code correct" "$(part "$x" after)"
has "explorer: ran the whole script" "^@@ end" "$(cat "$x")"

# ---- scriptor: a script with the expected answers ----------------------------------

script=$here/interop.apdu
timeout "$T" scriptor -r "dmsc 00 00" "$script" >"$work/scriptor.out" 2>&1
# What was expected: per command (an APDU line or "reset"), the comment
# above it and the "#=" line below it.
awk '
	/^#= / { sub(/^#= /, ""); gsub(/ /, ""); exp_[n] = $0; next }
	/^# / { name = substr($0, 3); next }
	/^#/ || /^[ \t]*$/ { next }
	{ n++; cmd[n] = $0; nm[n] = name }
	END { for (i = 1; i <= n; i++) printf "%s\t%s\t%s\n", cmd[i], exp_[i], nm[i] }' \
	"$script" >"$work/scriptor.want"
# What scriptor answered: "> CMD" then "< HEX : meaning" (or "< OK: ATR").
awk '
	/^> / { if (c) print a; c = 1; a = ""; next }
	/^< OK: / { sub(/^< OK: /, ""); gsub(/ /, ""); a = "RESET" $0; next }
	# long answers go on over several lines; " : meaning" ends the last one
	/^< / { in_ = 1; sub(/^< /, "") }
	in_ { s = $0; if (sub(/ : .*$/, "", s)) in_ = 0; gsub(/ /, "", s); a = a s; next }
	END { if (c) print a }' "$work/scriptor.out" | tr a-f A-F >"$work/scriptor.got"
nwant=$(wc -l <"$work/scriptor.want") ngot=$(wc -l <"$work/scriptor.got")
check "scriptor: one answer per command of interop.apdu" "$ngot" "$nwant"
i=0
while IFS=$'\t' read -r cmd want name; do
	i=$((i + 1))
	got=$(sed -n "${i}p" "$work/scriptor.got")
	if [ -n "$want" ] && [[ "$got" =~ ^($want)$ ]]; then
		ok "scriptor: $cmd -> $got (${name:-})"
	else
		not_ok "scriptor: $cmd (${name:-})"
		printf 'got  %s\nwant %s\n' "$got" "${want:-(no #= line)}" | comment
	fi
done <"$work/scriptor.want"

# ---- pkcs15-tool --------------------------------------------------------------------

: >"$work/opensc-defaults.conf" # OpenSC's built-in defaults, whatever /etc says
cat >"$work/opensc.conf" <<EOF
app default {
	enable_default_driver = true;
}
EOF
card_reset 0
out=$(OPENSC_CONF=$work/opensc-defaults.conf timeout "$T" pkcs15-tool -D 2>&1)
has "pkcs15-tool, OpenSC defaults: no driver binds (still an OpenSC limitation)" \
	"Card is invalid or cannot be handled" "$out"
export OPENSC_CONF=$work/opensc.conf
out=$(timeout "$T" pkcs15-tool -D 2>&1)
has "pkcs15-tool -D with enable_default_driver: the PKCS#15 application binds" \
	"PKCS#15 Card \[dmsc-v1\]" "$out"
has "pkcs15-tool -D: TokenInfo serial = the ICCID" "Serial number +: $ICCID" "$out"
pin1=$(awk '/^PIN \[PIN1\]/ { on = 1 } on && /^$/ { exit } on' <<<"$out")
has "pkcs15-tool -D: AODF PIN1 with FF padding" "Pad char +: 0xFF" "$pin1"
has "pkcs15-tool -D: AODF PIN1 is key reference 1" "Reference +: 1 \(0x01\)" "$pin1"
has "pkcs15-tool -D: AODF local PIN, key reference 0x81" "Reference +: 129 \(0x81\)" "$out"
timeout "$T" pkcs15-tool --verify-pin --auth-id 01 --pin 1234 >/dev/null 2>&1
traced "pkcs15-tool --verify-pin 1234: VERIFY 8 bytes FF-padded, 9000" "> 0020000108$PIN1 < 9000"
timeout "$T" pkcs15-tool --change-pin --auth-id 01 --pin 1234 --new-pin 5678 >/dev/null 2>&1
traced "pkcs15-tool --change-pin: CHANGE PIN, 9000" "> 0024000110$PIN1$PIN1_NEW < 9000"
timeout "$T" pkcs15-tool --unblock-pin --auth-id 01 --puk 12345678 --new-pin 1234 \
	>/dev/null 2>&1
traced "pkcs15-tool --unblock-pin: UNBLOCK PIN with the PUK, 9000" "> 002C000110$PUK1$PIN1 < 9000"
out=$(OPENSC_DEBUG=9 timeout "$T" pkcs15-tool --list-data-objects 2>&1)
rc=$?
check "pkcs15-tool --list-data-objects exits 0" "$rc" 0
has "pkcs15-tool reads EF_DODF (3F007F506430)" "sc_pkcs15_parse_df: called; path=3f007f506430" "$out"
has "pkcs15-tool cannot decode the DODF's oidDO (OpenSC: opaqueDO only)" \
	"parse_df: Required ASN.1 object not found: Error decoding DF entry" "$out"
unset OPENSC_CONF

no_sanitizer_reports
lib_finish
