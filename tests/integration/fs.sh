#!/usr/bin/env bash
# tests/integration/fs.sh - the UICC file system, PINs and administrative
# commands of dmsc-card through a real, isolated pcscd + vpcd
# (tools/reader-stack), checked with the standard clients only:
# opensc-explorer, scriptor and opensc-tool (docs/interop.md).
#
#   fs.sh READER-STACK DMSC-CARD
#
# Covers, on a fresh default image (dmsc-reference "Card profile v1"):
#   opensc-explorer  cd by FID and by AID, info, cat of a transparent and a
#                    record EF, verify / change / block / unblock CHV1,
#                    its CREATE FILE refused (6A80) and an admin sequence
#                    through its apdu command, update_binary, delete;
#   scriptor         SELECT MF / EF_ICCID / ADF DMSC by AID, READ BINARY,
#                    READ RECORD (EF_DIR; EF_EVLOG behind PIN 81), empty
#                    VERIFY -> 63C3, every R-APDU compared;
#   opensc-tool      UPDATE BINARY without ADM1 -> 6982, VERIFY ADM1,
#                    CREATE FILE (FCP) in ADF DMSC, UPDATE/READ BINARY,
#                    DELETE FILE, SELECT of it -> 6A82;
#   restart          kill -9 of the card and restart on the same image: a
#                    created file and a PIN retry counter persist, the
#                    security status does not;
#   capacity         CREATE FILE until 6A84 (OSR-1), the full card still
#                    works, DELETE of all gives back exactly the free
#                    memory of the MF's FCP (A5/83), and a second fill
#                    creates the same number of files.
#
# Exit 0 pass, 1 fail.  77 (skip) only outside CI and only when the stack
# cannot be isolated here; with CI=true that is a failure too.
set -uo pipefail

stack_tool=${1:?usage: fs.sh READER-STACK DMSC-CARD}
card_bin=${2:?usage: fs.sh READER-STACK DMSC-CARD}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/dmsc-fs-test.XXXXXX")
trap lib_cleanup EXIT

# ---- the default card (dmsc-reference "Card profile v1") -------------------

AID_PKCS15=A000000063504B43532D3135
AID_DMSC=F04F4D41444D5343
# TS 102 221 §11.1.9: PIN values are 8 bytes, ASCII digits padded with FF.
PIN1=31323334FFFFFFFF     # "1234", key reference 01
PIN1_NEW=35363738FFFFFFFF # "5678"
PIN_BAD=39393939FFFFFFFF  # "9999"
PUK1=3132333435363738     # "12345678"
ADM1=3838383838383838     # "88888888", key reference 0A
PIN81=30303030FFFFFFFF    # "0000", local PIN of ADF DMSC
VERIFY_ADM1=0020000A08$ADM1
SELECT_DMSC=00A4040C08$AID_DMSC
# EF_ICCID 2FE2 (TS 102 221 §13.2): 89 999 01 000000000001 3, BCD swapped.
ICCID=98990901000000000031
# EF_DIR record 1 (ISO 7816-4 §8.2.1.3): 61 { 4F AID, 50 "PKCS15",
# 51 3F00 7F50 }, FF-padded to the record length 32.
label_pkcs15=$(printf 'PKCS15' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
dir_rec1=611C4F0C${AID_PKCS15}5006${label_pkcs15}51043F007F50FFFF
FF32=$(printf 'FF%.0s' $(seq 32))

# fcp_ef FID SIZE: CREATE FILE data (TS 102 222 §6.3) for a transparent,
# shareable EF: 82 descriptor 41 21, 83 FID, 8A life cycle 05 (operational,
# activated), 8B EF_ARR 2F06 record 1 (READ always, UPDATE ADM1), 80 size,
# 88 00: no SFI (without 88 the SFI would be the FID's low 5 bits,
# TS 102 221 §11.1.1.4.8, and clash with the profile's SFIs: 6A89).
fcp_ef() {
	local body
	body=$(printf '820241218302%s8A01058B032F06018002%04X8800' "$1" "$2")
	printf '62%02X%s' $((${#body} / 2)) "$body"
}
# create_apdu FID SIZE
create_apdu() {
	local fcp
	fcp=$(fcp_ef "$1" "$2")
	printf '00E00000%02X%s' $((${#fcp} / 2)) "$fcp"
}

# tlv_get HEX TAG: the value of the first TLV with that one-byte tag in a
# sequence of simple TLVs (one-byte tags and lengths below 80).
tlv_get() {
	local s=$1 tag len
	while [ ${#s} -ge 4 ]; do
		tag=${s:0:2} len=$((16#${s:2:2}))
		if [ "$tag" = "$2" ]; then
			echo "${s:4:$((len * 2))}"
			return 0
		fi
		s=${s:$((4 + len * 2))}
	done
	return 1
}

# free_mem SLOT: the MF's "amount of available memory" (FCP A5/83,
# TS 102 221 §11.1.1.4.6), in bytes; empty when absent.
free_mem() {
	local r fcp a5 v
	r=$(apdus "$1" 00A40004023F0000 | tail -1)
	[[ "$r" =~ ^62..(.*)9000$ ]] || return 1
	fcp=${BASH_REMATCH[1]}
	a5=$(tlv_get "$fcp" A5) && v=$(tlv_get "$a5" 83) && echo $((16#$v))
}

# explorer_step NAME: what opensc-explorer printed after "echo @@ NAME" up
# to the next marker (the script file marks each step that way).
explorer_step() {
	# (its echo ends each line with a space)
	awk -v m="@@ $1" '/^@@ / { l = $0; sub(/ +$/, "", l); on = l == m; next } on' \
		"$work/explorer.out"
}
explorer_check() { # NAME STEP PATTERN
	local out
	out=$(explorer_step "$2")
	if grep -Eq -- "$3" <<<"$out"; then
		ok "$1"
	else
		not_ok "$1"
		comment <<<"$out"
	fi
}
trace_has() { # NAME PATTERN: the card's trace log has a matching line
	if grep -Eq -- "$2" "$work/trace.log"; then ok "$1"; else not_ok "$1 (no '$2' in the trace)"; fi
}

need opensc-tool opensc-explorer scriptor
lib_start_stack
img=$work/card.img
"$stack_tool" attach "$stack" 0 "$card_bin" --image "$img" -v --trace "$work/trace.log" \
	>/dev/null || bail "dmsc-card (fresh default image) is seen in reader 0"
ok "dmsc-card (fresh default image) is seen in reader 0"

# ---- opensc-explorer ---------------------------------------------------------
# Script mode: opensc-explorer -r N FILE, one command per line; "echo @@ X"
# marks each step.  opensc's default driver sends PIN bytes as given, so
# PINs are written FF-padded (docs/interop.md).

cat >"$work/explorer.script" <<EOF
echo @@ cat-iccid
cat 2FE2
echo @@ cat-dir
cat 2F00
echo @@ info-iccid
info 2FE2
echo @@ cd-7F50
cd 7F50
info
cd ..
echo @@ cd-aid
cd aid:$AID_DMSC
info 6420
cat 6420
echo @@ verify-unpadded
cd 3F00
verify CHV1 31323334
echo @@ verify-wrong
verify CHV1 $PIN_BAD
echo @@ verify-right
verify CHV1 $PIN1
echo @@ change
change CHV1 $PIN1 $PIN1_NEW
echo @@ verify-old
verify CHV1 $PIN1
echo @@ verify-new
verify CHV1 $PIN1_NEW
echo @@ change-back
change CHV1 $PIN1_NEW $PIN1
echo @@ block
verify CHV1 $PIN_BAD
verify CHV1 $PIN_BAD
verify CHV1 $PIN_BAD
echo @@ blocked
verify CHV1 $PIN1
echo @@ unblock
unblock CHV1 $PUK1 $PIN1
echo @@ verify-after-unblock
verify CHV1 $PIN1
echo @@ adm1
verify CHV10 $ADM1
echo @@ create-iso
create 6F02 16
echo @@ create-apdu
apdu 00A4000C023F00
apdu $(create_apdu 6F02 16)
echo @@ update
update_binary 6F02 0 "hello"
echo @@ cat-new
cat 6F02
echo @@ delete
delete 6F02
echo @@ gone
info 6F02
echo @@ end
EOF
timeout 60 opensc-explorer -r 0 "$work/explorer.script" >"$work/explorer.out" 2>&1
grep -Eq '^@@ end *$' "$work/explorer.out" && ok "opensc-explorer ran the whole script" ||
	{ not_ok "opensc-explorer ran the whole script"; comment <"$work/explorer.out"; }

explorer_check "explorer: cat EF_ICCID (transparent) shows the ICCID" cat-iccid \
	"^00000000: 98 99 09 01 00 00 00 00 00 31 "
explorer_check "explorer: cat EF_DIR (linear fixed) shows record 1 (ADF PKCS15)" cat-dir \
	"^00000000: 61 1C 4F 0C A0 00 00 00 63 50 4B 43 53 2D 31 35 "
explorer_check "explorer: cat EF_DIR shows 4 records" cat-dir "^Record 4:"
explorer_check "explorer: info EF_ICCID: transparent, 10 bytes" info-iccid \
	"File size: +10 bytes"
explorer_check "explorer: cd 7F50 (ADF by FID), info shows the DF name" cd-7F50 \
	"Dedicated File +ID 7F50"
explorer_check "explorer: cd aid:<ADF DMSC>, info EF_INFO 6420 (64 bytes)" cd-aid \
	"Working Elementary File +ID 6420"
explorer_check "explorer: cat EF_INFO shows its BER-TLV (80 01 01 ...; docs/dmsc-app.md)" cd-aid \
	"^00000000: 80 01 01 81 01 [0-9A-F]{2} 82 01 [0-9A-F]{2} 83 04 ([0-9A-F]{2} ){4}84 "
explorer_check "explorer: unpadded PIN is refused (wrong length)" verify-unpadded "Wrong length"
trace_has "card answered the 4-byte VERIFY with 6700 (TS 102 221 §11.1.9: Lc 08)" \
	"> 002000010431323334 < 6700"
explorer_check "explorer: wrong PIN1 shows 2 tries left" verify-wrong "Incorrect code, 2 tries left"
explorer_check "explorer: right PIN1 accepted" verify-right "^Code correct"
explorer_check "explorer: change CHV1" change "^PIN changed"
explorer_check "explorer: the old PIN1 no longer verifies" verify-old "Incorrect code, 2 tries left"
explorer_check "explorer: the new PIN1 verifies" verify-new "^Code correct"
explorer_check "explorer: change CHV1 back" change-back "^PIN changed"
explorer_check "explorer: third wrong PIN1 leaves 0 tries" block "Incorrect code, 0 tries left"
explorer_check "explorer: blocked PIN1 refuses the right value" blocked "blocked"
trace_has "card answered VERIFY of the blocked PIN with 6983" "> 0020000108$PIN1 < 6983"
explorer_check "explorer: unblock CHV1 with PUK1" unblock "^PIN unblocked"
explorer_check "explorer: PIN1 verifies after the unblock" verify-after-unblock "^Code correct"
explorer_check "explorer: verify CHV10 (ADM1)" adm1 "^Code correct"
explorer_check "explorer: its own CREATE FILE (ISO FCI 6F) is refused" create-iso \
	"CREATE FILE failed"
trace_has "card answered the FCI without a 62 template with 6A80 (TS 102 222 §6.3)" \
	"> 00E000000D6F0B[0-9A-F]* < 6A80"
explorer_check "explorer: CREATE FILE with a TS 102 222 FCP via apdu" create-apdu \
	"SW1=0x90, SW2=0x00"
explorer_check "explorer: update_binary on the new EF" update "^Total of 5 bytes written"
explorer_check "explorer: cat shows the bytes written, FF after them" cat-new \
	"^00000000: 68 65 6C 6C 6F FF FF FF FF FF FF FF FF FF FF FF "
trace_has "explorer: delete sends DELETE FILE, answered 9000" "> 00E40000026F02 < 9000"
explorer_check "explorer: the deleted EF is not found" gone "[Ff]ile not found"

# ---- scriptor ----------------------------------------------------------------
# Each line: APDU, then the whole R-APDU expected (ERE).

card_reset 0
script=(
	"00A4000C023F00=9000"
	"00A40004022FE200=^62..8202412183022FE2.*9000\$"
	"00A4000C022FE2=9000"
	"00B000000A=${ICCID}9000"
	"${SELECT_DMSC}=9000"
	"00A4040008${AID_DMSC}00=^62..8202782183027F608408${AID_DMSC}.*9000\$"
	"00A4000C026424=9000"
	"00B2010420=6982"
	"0020008108${PIN81}=9000"
	"00B2010420=${FF32}9000"
	"00A4080C022F00=9000"
	"00B2010420=${dir_rec1}9000"
	"00B2050420=6A83"
	"00200001=63C3"
	"0020000A=63CA"
)
: >"$work/scriptor.script"
for l in "${script[@]}"; do echo "${l%%=*}" >>"$work/scriptor.script"; done
mapfile -t got < <(scriptor_run 0 "$work/scriptor.script")
check "scriptor answered every APDU" "${#got[@]}" "${#script[@]}"
for i in "${!script[@]}"; do
	apdu=${script[$i]%%=*} want=${script[$i]#*=}
	if [[ "${got[$i]:-NONE}" =~ ^($want)$ ]]; then
		ok "scriptor: $apdu -> ${got[$i]:0:40}"
	else
		not_ok "scriptor: $apdu -> '${got[$i]:-NONE}', want /$want/"
	fi
done

# ---- opensc-tool: CREATE / UPDATE / READ / DELETE under ADM1 -----------------

card_reset 0
mapfile -t r < <(apdus 0 00A4000C022FE2 00D600000411223344 00B000000A \
	"$VERIFY_ADM1" "$SELECT_DMSC" "$(create_apdu 6F20 256)" 00A4000C026F20 \
	00D6000004CAFEBABE 00B0000004 00B0000008 00A4080C047F606F20 00E40000026F20 \
	00A4000C026F20 00A4080C047F606F20 00A4000C023F00 "$(create_apdu 6F21 16)" \
	00D60000080102030405060708 00B0000008)
check "opensc-tool: UPDATE BINARY EF_ICCID without ADM1 -> 6982" "${r[1]:-}" 6982
check "opensc-tool: EF_ICCID unchanged by the refused update" "${r[2]:-}" "${ICCID}9000"
check "opensc-tool: VERIFY ADM1" "${r[3]:-}" 9000
check "opensc-tool: SELECT ADF DMSC by AID" "${r[4]:-}" 9000
check "opensc-tool: CREATE FILE 6F20 (256 B) in ADF DMSC" "${r[5]:-}" 9000
check "opensc-tool: SELECT the new EF" "${r[6]:-}" 9000
check "opensc-tool: UPDATE BINARY" "${r[7]:-}" 9000
check "opensc-tool: READ BINARY gives the bytes written" "${r[8]:-}" CAFEBABE9000
check "opensc-tool: the rest of a new EF is FF (TS 102 222 §6.3)" "${r[9]:-}" CAFEBABEFFFFFFFF9000
check "opensc-tool: SELECT by path 7F60/6F20" "${r[10]:-}" 9000
check "opensc-tool: DELETE FILE" "${r[11]:-}" 9000
check "opensc-tool: SELECT of the deleted EF -> 6A82" "${r[12]:-}" 6A82
check "opensc-tool: SELECT by path of the deleted EF -> 6A82" "${r[13]:-}" 6A82
check "opensc-tool: CREATE FILE 6F21 (16 B) under the MF, kept" "${r[15]:-}" 9000
check "opensc-tool: UPDATE BINARY 6F21 (it is the current EF)" "${r[16]:-}" 9000
check "opensc-tool: READ BINARY 6F21" "${r[17]:-}" 01020304050607089000

# ---- restart: what persists and what does not ----------------------------------

card_reset 0
mapfile -t r < <(apdus 0 0020000108$PIN_BAD 00200001)
check "wrong PIN1 before the restart: 63C2" "${r[0]:-}" 63C2
check "empty VERIFY reports 2 tries left" "${r[1]:-}" 63C2
pid=$(cat "$stack/card0.pid")
kill -KILL "$pid"
rm -f "$stack/card0.pid"
wait_for 10 absent 0 && ok "kill -9 of dmsc-card is seen as card removal" ||
	not_ok "kill -9 of dmsc-card is seen as card removal"
"$stack_tool" attach "$stack" 0 "$card_bin" --image "$img" -v --trace "$work/trace.log" \
	>/dev/null && ok "dmsc-card restarted on the same image" ||
	bail "dmsc-card restarted on the same image"
mapfile -t r < <(apdus 0 00A4080C026F21 00B0000008 00D6000001AA 00200001 0020000108$PIN1 \
	00200001 00A4080C047F606F20 00A4000C022FE2 00B000000A)
check "after restart: the created EF 6F21 is there" "${r[0]:-}" 9000
check "after restart: its content persisted" "${r[1]:-}" 01020304050607089000
check "after restart: ADM1 is no longer verified (6982)" "${r[2]:-}" 6982
check "after restart: the PIN1 retry counter persisted (63C2)" "${r[3]:-}" 63C2
check "after restart: PIN1 verifies" "${r[4]:-}" 9000
check "after restart: PIN1 now verified (empty VERIFY 9000)" "${r[5]:-}" 9000
check "after restart: the deleted EF stays deleted" "${r[6]:-}" 6A82
check "after restart: EF_ICCID unchanged" "${r[8]:-}" "${ICCID}9000"
card_reset 0
check "the successful VERIFY reset the counter to 3 (63C3)" "$(apdus 0 00200001)" 63C3

# ---- capacity: CREATE FILE until 6A84, DELETE all, again -----------------------

fsize=2000
free0=$(free_mem 0)
if [[ "$free0" =~ ^[0-9]+$ ]] && [ "$free0" -gt $((10 * fsize)) ]; then
	ok "MF FCP reports the free memory (A5/83): $free0 bytes"
else
	bail "MF FCP reports the free memory (A5/83) (got '$free0')"
fi
bound=$((free0 / fsize + 8))
declare -a fill_count
for round in 1 2; do
	cmds=("$VERIFY_ADM1" "$SELECT_DMSC")
	for ((i = 0; i < bound; i++)); do
		cmds+=("$(create_apdu "$(printf '%04X' $((0x4000 + i)))" $fsize)")
	done
	mapfile -t r < <(apdus 0 "${cmds[@]}")
	n=0
	while [ $((n + 2)) -lt ${#r[@]} ] && [ "${r[$((n + 2))]}" = 9000 ]; do n=$((n + 1)); done
	rest=$(printf '%s\n' "${r[@]:$((n + 2))}" | sort -u | tr '\n' ' ')
	check "fill $round: CREATE FILE after $n files answers 6A84, and so does every later one" \
		"${r[1]:-}/$rest" "9000/6A84 "
	fill_count[$round]=$n
	left=$(free_mem 0)
	if [[ "$left" =~ ^[0-9]+$ ]] && [ "$left" -lt "$fsize" ]; then
		ok "fill $round: less than one file ($left bytes) left free"
	else
		not_ok "fill $round: less than one file left free (got '$left')"
	fi
	mapfile -t f < <(apdus 0 00A4000C022FE2 00B000000A "$VERIFY_ADM1" 00A4080C047F606423 \
		00D6000004A1B2C3D4 00B0000004)
	check "fill $round: the full card reads EF_ICCID" "${f[1]:-}" "${ICCID}9000"
	check "fill $round: the full card updates an existing EF (EF_POLICY)" \
		"${f[4]:-}/${f[5]:-}" "9000/A1B2C3D49000"
	cmds=("$VERIFY_ADM1" "$SELECT_DMSC")
	for ((i = 0; i < n; i++)); do
		cmds+=("00E4000002$(printf '%04X' $((0x4000 + i)))")
	done
	mapfile -t r < <(apdus 0 "${cmds[@]}")
	check "fill $round: DELETE FILE of all $n files" \
		"$(printf '%s\n' "${r[@]:2}" | sort -u | tr '\n' ' ')" "9000 "
	check "fill $round: all the memory is free again" "$(free_mem 0)" "$free0"
done
if [ "${fill_count[1]}" -gt 10 ] && [ "${fill_count[1]}" = "${fill_count[2]}" ]; then
	ok "both fills created the same number of $fsize-byte files (${fill_count[1]})"
else
	not_ok "both fills created the same number of files (${fill_count[1]}, ${fill_count[2]})"
fi

no_sanitizer_reports
lib_finish
