#!/usr/bin/env bash
# tests/integration/dmsc.sh - the DMSC application of dmsc-card through a
# real, isolated pcscd + vpcd (tools/reader-stack): provisioning data and
# discovery (docs/dmsc-app.md), with opensc-tool and a libpcsclite client
# for the large MO.
#
#   dmsc.sh READER-STACK DMSC-CARD PCSC-MO
#
# Covers, on a fresh image made from the default profile with a 4 MiB
# capacity:
#   GEN-13  EF_DIR lists the DMSC AID; SELECT by AID 9000; an unknown AID 6A82;
#   GEN-8   STATUS, READ BINARY by SFI of EF_INFO;
#   GEN-2   EF_INFO flag b3 set, EF_ODF names EF_DODF, EF_DODF has entries;
#   GEN-17  the DM bootstrap's DODF entry (Path 6432, index 0, exact
#           length) read exactly gives profiles/default/dmboot.xml;
#   GEN-12  pcsc-mo: a 1 MiB MO written with D7 and read back with B1 in
#           extended APDUs (32 KiB per command; vpcd frames carry at most
#           65535 bytes, docs/dmsc-app.md).
#
# Exit 0 pass, 1 fail, 77 skip as lib.sh says.
set -uo pipefail

stack_tool=${1:?usage: dmsc.sh READER-STACK DMSC-CARD PCSC-MO}
card_bin=${2:?usage: dmsc.sh READER-STACK DMSC-CARD PCSC-MO}
pcsc_mo=${3:?usage: dmsc.sh READER-STACK DMSC-CARD PCSC-MO}
here=$(cd "$(dirname "$0")" && pwd)
profiles=$(cd "$here/../../profiles" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/dmsc-app-test.XXXXXX")
trap lib_cleanup EXIT

need opensc-tool python3 xxd
# The default profile with a 4 MiB store (its TNDS paths are relative to
# the profile's directory).
ln -s "$profiles/default" "$work/default"
python3 - "$profiles/default.json" "$work/big.json" <<'PY' || bail "4 MiB profile written"
import json, sys
p = json.load(open(sys.argv[1]))
p["capacity"] = 4 * 1024 * 1024
json.dump(p, open(sys.argv[2], "w"), indent=1)
PY

lib_start_stack
img=$work/card.img
"$stack_tool" attach "$stack" 0 "$card_bin" --image "$img" --profile "$work/big.json" -v \
	--trace "$work/trace.log" >/dev/null || bail "dmsc-card (4 MiB default image) is seen in reader 0"
ok "dmsc-card (4 MiB default image) is seen in reader 0"

# --- GEN-13 discovery ---
card_reset 0
mapfile -t r < <(apdus 0 00A40804022F00 00B2010420 00B2020420 00A4040C08F04F4D41444D5343 \
	00A4040C08F04F4D41444D5399)
dir="${r[1]:-}${r[2]:-}"
if grep -q "4F08F04F4D41444D5343" <<<"$dir"; then
	ok "GEN-13: EF_DIR lists the DMSC application (4F08F04F4D41444D5343)"
else
	not_ok "GEN-13: EF_DIR lists the DMSC application"; echo "$dir" | comment
fi
check "GEN-13: SELECT by the DMSC AID -> 9000" "${r[3]:-}" 9000
check "GEN-13: SELECT by an AID the card lacks -> 6A82" "${r[4]:-}" 6A82

# --- GEN-8 / GEN-2: EF_INFO, ODF, DODF ---
card_reset 0
mapfile -t r < <(apdus 0 00A4040C08F04F4D41444D5343 80F2000000 00B0810000 \
	00A4080C047F505031 00B0000000 00A4080C047F506430 00B0000000 00B0010000)
check "GEN-8: STATUS of the DMSC application answers 9000" "${r[1]: -4}" 9000
info=${r[2]:-}
re_info='^8001018101[0-9A-F]{2}8201([0-9A-F]{2})8304([0-9A-F]{8})8404([0-9A-F]{8})'
if [[ $info =~ $re_info ]]; then
	ok "GEN-8: READ BINARY SFI 01 gives EF_INFO (80 version 1, 82 flags, 83 counter, 84 free)"
	flags=$((16#${BASH_REMATCH[1]}))
	check "GEN-2: EF_INFO flag b3 (provisioning data present) is set" $((flags & 4)) 4
else
	not_ok "GEN-8: READ BINARY SFI 01 gives EF_INFO"; echo "$info" | comment
fi
if grep -q "A706300404026430" <<<"${r[4]:-}"; then
	ok "GEN-2: EF_ODF names EF_DODF 6430 (A7)"
else
	not_ok "GEN-2: EF_ODF names EF_DODF 6430 (A7)"; echo "${r[4]:-}" | comment
fi
dodf="${r[6]%9000}${r[7]%9000}"
# The DM bootstrap entry: label "DM Bootstrap", OID 2.23.43.7.1, Path
# 04 02 6432, index 02 01 00, length 80 02 LLLL (dmsc-reference).
re_boot='0C0C444D20426F6F747374726170.*0604672B0701300B040264320201008002([0-9A-F]{4})'
if [[ $dodf =~ $re_boot ]]; then
	len=$((16#${BASH_REMATCH[1]}))
	ok "GEN-2: EF_DODF holds the DM bootstrap object (OID 2.23.43.7.1, Path 6432, $len bytes)"
	# --- GEN-17: read exactly Path index..index+length ---
	args=(00A4080C047F506432)
	for ((o = 0; o < len; o += 255)); do
		n=$((len - o < 255 ? len - o : 255))
		args+=("$(printf '00B0%04X%02X' "$o" "$n")")
	done
	mapfile -t r < <(apdus 0 "${args[@]}")
	got=""
	for ((i = 1; i < ${#r[@]}; i++)); do got+="${r[i]%9000}"; done
	want=$(xxd -p -u "$profiles/default/dmboot.xml" | tr -d '\n')
	check "GEN-17: the bootstrap's exact byte range is profiles/default/dmboot.xml" \
		"$got" "$want"
else
	not_ok "GEN-2: EF_DODF holds the DM bootstrap object"; echo "$dodf" | comment
fi

# --- GEN-12: 1 MiB MO through PC/SC ---
card_reset 0
out=$("$pcsc_mo" $((count + 1)))
rc=$?
echo "$out"
count=$((count + $(grep -Ec '^(ok|not ok) ' <<<"$out")))
[ "$rc" = 0 ] || failed=$((failed + 1))
lib_finish
