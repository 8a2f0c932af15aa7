#!/usr/bin/env bash
# tests/tools/perso.sh - dmsc-perso end to end (docs/profile.md): build the
# default profile into an image and show it (text and JSON), refuse bad
# profiles with the field and the reason, --force, a generated Management
# Authority key, and never a secret in the output.  TAP output.
#
#   perso.sh DMSC-PERSO SOURCE/profiles
set -u
perso=$(realpath "$1")
profiles=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }

cp -r "$profiles/default.json" "$profiles/default" "$tmp/"

# usage
"$perso" --help >/dev/null; check "--help exits 0" test $? = 0
"$perso" >/dev/null 2>&1; check "no command exits 2" test $? = 2
"$perso" frobnicate x >/dev/null 2>&1; check "unknown command exits 2" test $? = 2
"$perso" build "$tmp/default.json" >/dev/null 2>&1; check "build without -o exits 2" test $? = 2

# build and show the default profile
check "build default profile" "$perso" build "$tmp/default.json" -o "$tmp/card.img"
check "image exists, no temporary left" test -f "$tmp/card.img" -a ! -e "$tmp/card.img.building"
"$perso" build "$tmp/default.json" -o "$tmp/card.img" 2>"$tmp/err"
check "existing image refused without --force" test $? = 1
check "... saying so" grep -q "exists (use --force" "$tmp/err"
check "--force replaces it" "$perso" build "$tmp/default.json" -o "$tmp/card.img" --force

"$perso" show "$tmp/card.img" >"$tmp/show.txt"
check "show exits 0" test $? = 0
check "show lists EF_INFO" grep -q "3F00/7F60/6420 .*transparent .*64 B .*SFI 01" "$tmp/show.txt"
check "show lists EF_EVLOG as cyclic 16 x 32" grep -q "3F00/7F60/6424 .*cyclic .*16 x 32" "$tmp/show.txt"
check "show gives free space" grep -Eq "^image .* [0-9]+ free" "$tmp/show.txt"
check "show gives PIN1 state" grep -q "01 app 0: enabled, 3 of 3 tries left, unblock key 10 of 10" "$tmp/show.txt"
check "show lists the DM bootstrap MO" grep -q '"DM Bootstrap" OID 2.23.43.7.1 path 6432 index 0 length' "$tmp/show.txt"
check "show lists the SCP03 key sets" grep -q "SCP03 ma: KVN 31, AES-128" "$tmp/show.txt"
# SEC-1: no PIN value, no secret key in the output.
check "SEC-1: no ADM1 value in show" bash -c "! grep -q 88888888 '$tmp/show.txt'"
check "SEC-1: no SCP03 key in show" bash -c "! grep -qi 404142434445464748494A4B4C4D4E4F '$tmp/show.txt'"

"$perso" show --json "$tmp/card.img" >"$tmp/show.json"
check "show --json exits 0" test $? = 0
check "show --json: 4 MOs, 3 PINs, 19 files, free bytes" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["mos"]) == 4, d["mos"]
assert len(d["pins"]) == 3
assert len(d["files"]) == 19, len(d["files"])
assert 0 < d["free_bytes"] < d["heap_bytes"]
assert d["keys"]["card_key"].startswith("04")
' "$tmp/show.json"

"$perso" show "$tmp/none.img" 2>"$tmp/err" >/dev/null
check "show of a missing image exits 1" test $? = 1
check "... and creates nothing" test ! -e "$tmp/none.img"

# bad profiles: refused with the field path and the reason, no image left
bad() { # what jq-like python statement, expected message
	python3 - "$tmp/default.json" "$tmp/bad.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))
PY
	"$perso" build "$tmp/bad.json" -o "$tmp/bad.img" 2>"$tmp/err"
	local rc=$?
	if [ $rc = 1 ] && grep -qF "$3" "$tmp/err" && [ ! -e "$tmp/bad.img" ]; then
		ok "bad profile: $1"
	else
		not_ok "bad profile: $1 (rc $rc: $(cat "$tmp/err"))"
	fi
}
bad "PIN value" 'd["pins"][1]["value"] = "12a4"' "pins[1].value: must be 4-8 ASCII digits"
bad "retry limit" 'd["pins"][0]["retry_limit"] = 99' "pins[0].retry_limit: must be an integer 1..15"
bad "SCP03 key length" 'd["keys"]["scp03"][0]["enc"] = "00"' "keys.scp03[0].enc: must be 16-32 bytes"
bad "missing TNDS file" 'd["mos"][1]["tnds"] = "default/gone.xml"' "mos[1].tnds: cannot read default/gone.xml"
bad "not an object" 'd = "{"' "(top): must be an object"
printf '{"format": "dmsc-profile-1",' >"$tmp/syntax.json"
"$perso" build "$tmp/syntax.json" -o "$tmp/bad.img" 2>"$tmp/err"
check "bad profile: JSON syntax error refused with its position" grep -q "(json): .* at byte" "$tmp/err"
bad "capacity too small" 'd["capacity"] = 16384; d["mos"][1]["size"] = 30000' "cannot create the card"

# a generated Management Authority key (TEST ONLY): private part to a file
python3 - "$tmp/default.json" "$tmp/gen.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["keys"]["management_authority"] = {"generate": "ma-generated.key"}
json.dump(d, open(sys.argv[2], "w"))
PY
(cd "$tmp" && "$perso" build gen.json -o gen.img)
check "build with a generated MA key" test $? = 0
check "private key file written, mode 600" test "$(stat -c %a "$tmp/ma-generated.key" 2>/dev/null)" = 600
pub=$(sed -n 's/^public //p' "$tmp/ma-generated.key")
check "the card holds the generated public key" grep -q "Management Authority public key: $pub" <("$perso" show "$tmp/gen.img")
(cd "$tmp" && "$perso" build gen.json -o gen2.img 2>err2)
check "an existing key file is not overwritten without --force" test $? = 1 -a ! -e "$tmp/gen2.img"

echo "1..$n"
[ $failed = 0 ]
