#!/usr/bin/env bash
# tests/integration/security.sh - the security commands of the DMSC
# application through a real, isolated pcscd + vpcd (tools/reader-stack),
# with opensc-tool as the client and openssl signing with the default card's
# TEST-ONLY keys (profiles/default/*-TEST-ONLY.pem); docs/dmsc-security.md.
#
#   security.sh READER-STACK DMSC-CARD PROFILES-DIR
#
# Covers, on a fresh default image:
#   SEC-1 / GEN-4  GET DATA 7F49: the card's public key, nothing else;
#   AUTH-2/AUTH-3  PSO COMPUTE DIGITAL SIGNATURE without a session -> 6982;
#   SCP03          INITIALIZE UPDATE: wrong KVN -> 6A88, KVN 30 answers key
#                  info 30 03 70 and a sequence counter that persists over a
#                  card restart; a wrong EXTERNAL AUTHENTICATE -> 6982;
#   GEN-18         PSO VERIFY of an openssl signature by the MA key: valid
#                  9000, tampered hash 6A80, enterprise-key signature 6A80;
#   AUT-1          UPDATE BINARY of EF_POLICY without ADM1 -> 6982; a signed
#                  update (MA key) -> 9000, content and EF_INFO counter
#                  changed, replay -> 6985;
#   policy         enterprise operation signed by the enterprise key -> 9000,
#                  replay 6985, event in EF_EVLOG behind PIN 81.
# The full SCP03 session (wrapping) is covered in-process
# (tests/card/test_dmsc_sec.c): opensc-tool cannot compute MACs.
#
# Exit 0 pass, 1 fail.  77 (skip) only outside CI when the stack cannot be
# isolated here.
set -uo pipefail

stack_tool=${1:?usage: security.sh READER-STACK DMSC-CARD PROFILES-DIR}
card_bin=${2:?usage: security.sh READER-STACK DMSC-CARD PROFILES-DIR}
profiles=${3:?usage: security.sh READER-STACK DMSC-CARD PROFILES-DIR}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/dmsc-sec-test.XXXXXX")
trap lib_cleanup EXIT

SELECT_DMSC=00A4040C08F04F4D41444D5343
PIN81=002000810830303030FFFFFFFF
MA_KEY=$profiles/default/ma-private-TEST-ONLY.pem
ENT_KEY=$profiles/default/enterprise-private-TEST-ONLY.pem

hex2bin() { xxd -r -p; }
bin2hex() { xxd -p | tr -d '\n' | tr a-f A-F; }
# tlv TAG HEX: a TLV with a one-byte length (values below 128 bytes here)
tlv() { printf '%s%02X%s' "$1" $((${#2} / 2)) "$2"; }
# sign KEY HEX [DOMAIN]: DER ECDSA signature of SHA-256(DOMAIN || bytes)
sign() {
	{ printf '%s' "${3:-}"; hex2bin <<<"$2"; } | openssl dgst -sha256 -sign "$1" | bin2hex
}
sha256() { hex2bin <<<"$1" | openssl dgst -sha256 -binary | bin2hex; }
apdu() { # CLA INS P1 P2 DATA
	printf '%s%s%s%s%02X%s' "$1" "$2" "$3" "$4" $((${#5} / 2)) "$5"
}
sw_of() { grep -Eo '.{4}$' <<<"$1"; }

need opensc-tool openssl xxd
[ -f "$MA_KEY" ] && [ -f "$ENT_KEY" ] || bail "test keys in $profiles/default"
lib_start_stack
img=$work/card.img
"$stack_tool" attach "$stack" 0 "$card_bin" --image "$img" -v >/dev/null ||
	bail "dmsc-card (fresh default image) is seen in reader 0"
ok "dmsc-card (fresh default image) is seen in reader 0"

# ---- public key, signing refused --------------------------------------------
mapfile -t r < <(apdus 0 "$SELECT_DMSC" 00CA7F4900 \
	002A9E9A200000000000000000000000000000000000000000000000000000000000000000)
if [[ ${r[1]:-} =~ ^7F494386410[4]([0-9A-F]{128})9000$ ]]; then
	ok "SEC-1 GEN-4: GET DATA 7F49 gives the card's public key (65-byte point)"
else
	not_ok "SEC-1 GEN-4: GET DATA 7F49 gives the card's public key"
	comment <<<"${r[1]:-NONE}"
fi
check "AUTH-2 AUTH-3: PSO COMPUTE DIGITAL SIGNATURE without SCP03 -> 6982" "${r[2]:-}" 6982
mapfile -t r < <(apdus 0 "$SELECT_DMSC" 00CA7F4800 80CA00E000)
check "SEC-1: GET DATA of a private key template / key info -> not 9000" \
	"$([ "$(sw_of "${r[1]:-}")" != 9000 ] && [ "$(sw_of "${r[2]:-}")" != 9000 ] && echo no)" no

# ---- SCP03 -------------------------------------------------------------------
mapfile -t r < <(apdus 0 "$SELECT_DMSC" 80507E00080102030405060708 \
	8050300008010203040506070800 84820100100000000000000000000000000000000000)
check "SCP03: INITIALIZE UPDATE with an unknown KVN -> 6A88" "${r[1]:-}" 6A88
if [[ ${r[2]:-} =~ ^0{20}300370[0-9A-F]{32}0000019000$ ]]; then
	ok "SCP03: INITIALIZE UPDATE KVN 30: key info 30 03 70, sequence counter 1"
else
	not_ok "SCP03: INITIALIZE UPDATE KVN 30"
	comment <<<"${r[2]:-NONE}"
fi
check "SCP03: EXTERNAL AUTHENTICATE with a wrong cryptogram -> 6982" "${r[3]:-}" 6982
"$stack_tool" detach "$stack" 0 >/dev/null 2>&1
"$stack_tool" attach "$stack" 0 "$card_bin" --image "$img" -v >/dev/null ||
	bail "dmsc-card restarts on the same image"
mapfile -t r < <(apdus 0 "$SELECT_DMSC" 8050300008010203040506070800)
check "SCP03: the sequence counter persists over a restart (2)" \
	"$(grep -Eo '.{10}$' <<<"${r[1]:-}")" 0000029000

# ---- GEN-18: PSO VERIFY with the MA key --------------------------------------
pkg=$(printf 'firmware package 1.2.3' | bin2hex)
hash=$(sha256 "$pkg")
sig=$(sign "$MA_KEY" "$pkg")
esig=$(sign "$ENT_KEY" "$pkg")
bad=${hash:0:62}$(printf '%02X' $(((16#${hash:62:2}) ^ 1)))
mapfile -t r < <(apdus 0 "$SELECT_DMSC" \
	"$(apdu 00 2A 00 A8 "$(tlv 90 "$hash")$(tlv 9E "$sig")")" \
	"$(apdu 00 2A 00 A8 "$(tlv 90 "$bad")$(tlv 9E "$sig")")" \
	"$(apdu 00 2A 00 A8 "$(tlv 90 "$hash")$(tlv 9E "$esig")")")
check "GEN-18: PSO VERIFY of the MA's signature -> 9000" "${r[1]:-}" 9000
check "GEN-18: PSO VERIFY with a tampered hash -> 6A80" "${r[2]:-}" 6A80
check "GEN-18: PSO VERIFY of another key's signature -> 6A80" "${r[3]:-}" 6A80

# ---- AUT-1 -------------------------------------------------------------------
text=$(printf 'signed through PC/SC' | bin2hex)
body=$(tlv 80 7F606423)$(tlv 81 00000000)$(tlv 82 "$text")$(tlv 83 00000001)
su=$(apdu 80 36 00 00 "$body$(tlv 9E "$(sign "$MA_KEY" "$body" DMSC-SU1)")")
mapfile -t r < <(apdus 0 "$SELECT_DMSC" 00A4000C026420 00B0000015 00A4000C026423 \
	00D600000441414141 "$su" "$su" 00B0000014 00A4000C026420 00B0000015)
check "AUT-1: UPDATE BINARY of EF_POLICY without ADM1 -> 6982" "${r[4]:-}" 6982
check "AUT-1: signed update by the MA key -> 9000" "${r[5]:-}" 9000
check "AUT-1: the same signed update replayed -> 6985" "${r[6]:-}" 6985
check "AUT-1: EF_POLICY holds the signed data" "${r[7]:-}" "${text}9000"
c0=$(grep -Eo '8304.{8}' <<<"${r[2]:-}")
c1=$(grep -Eo '8304.{8}' <<<"${r[9]:-}")
check "AUT-1: the change counter of EF_INFO moved by one" \
	"$((16#${c1:4:8} - 16#${c0:4:8}))" 1

# ---- enterprise policy operation ----------------------------------------------
body=$(tlv 80 00000001)$(tlv 81 "$(printf Camera | bin2hex)")$(tlv 82 00)
po=$(apdu 80 38 00 00 "$body$(tlv 9E "$(sign "$ENT_KEY" "$body" DMSC-PO1)")")
po_ma=$(apdu 80 38 00 00 "$body$(tlv 9E "$(sign "$MA_KEY" "$body" DMSC-PO1)")")
mapfile -t r < <(apdus 0 "$SELECT_DMSC" "$po_ma" "$po" "$po" 00A4000C026424 00B2010420 \
	"$PIN81" 00B2010420)
check "policy: operation signed by the MA instead of the enterprise -> 6982" "${r[1]:-}" 6982
check "policy: operation signed by the enterprise key -> 9000" "${r[2]:-}" 9000
check "policy: replayed operation -> 6985" "${r[3]:-}" 6985
check "AUTH-4: EF_EVLOG needs PIN 81 -> 6982" "${r[5]:-}" 6982
# type 02 (admin operation), source 01 (card), counter 1, time 0, action 00,
# name "Camera", FF padding (docs/dmsc-security.md "EF_EVLOG")
want_rec=02010000000100000000""0006$(printf Camera | bin2hex)
if [[ ${r[7]:-} =~ ^${want_rec}(FF){14}9000$ ]]; then
	ok "policy: the operation is the newest EF_EVLOG record"
else
	not_ok "policy: the operation is the newest EF_EVLOG record"
	comment <<<"${r[7]:-NONE}"
fi

no_sanitizer_reports
lib_finish
