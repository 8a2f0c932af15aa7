#!/usr/bin/env bash
# tests/integration/agent-tree.sh - `dmsc-agent tree show|get|export`
# (docs/agent.md "tree") on a tree filled through a real, isolated pcscd +
# vpcd (tools/reader-stack) and dmsc-card by `dmsc-agent provision`.
#
#   agent-tree.sh READER-STACK DMSC-CARD DMSC-AGENT DMSC-PERSO PROFILES-DIR
#
# Covers:
#   - a fresh tree: DevInfo/DevDetail created at first use, device origin;
#   - after provisioning the default card: the DM account and the MOs are
#     in the tree with the card's ICCID and change counter as provenance
#     (tree get, human and --json), shown indented (tree show);
#   - tree export of ./DMAcc/DemoDM is TNDS 1.2 holding exactly the nodes,
#     formats and values of profiles/default/dmboot.xml (compared with
#     python3's XML library, independent of ours);
#   - errors: no such node (exit 1, DM status 404), not a URI (exit 2).
# Exit 0 pass, 1 fail, 77 skip (outside CI only, no isolation possible).
set -uo pipefail

usage="usage: agent-tree.sh READER-STACK DMSC-CARD DMSC-AGENT DMSC-PERSO PROFILES-DIR"
stack_tool=${1:?$usage}
card_bin=${2:?$usage}
agent=${3:?$usage}
perso=${4:?$usage}
profiles=${5:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/dmsc-agent-tree-test.XXXXXX")
trap lib_cleanup EXIT

db=$work/tree.db
A() { timeout "$T" "$agent" --reader 0 --db "$db" --outbox "$work/outbox" "$@"; }

need python3

# --- a fresh tree, no card needed --------------------------------------------
out=$(A tree get ./DevInfo/DmV 2>&1)
check "fresh tree: tree get exits 0" "$?" 0
expect "fresh tree: DevInfo/DmV = 1.2, device origin" 'Value: +1\.2.*Origin: +device' \
	tr '\n' ' ' <<<"$out"
out=$(A tree get ./Nope 2>&1)
check "tree get of a missing node exits 1" "$?" 1
expect "missing node: DM status 404" 'no node \./Nope \(DM status 404\)' echo "$out"
out=$(A tree show DMAcc 2>&1)
check "tree show of a non-URI exits 2" "$?" 2

# --- provision the default card through PC/SC --------------------------------
lib_start_stack
img=$work/card.img
"$perso" build "$profiles/default.json" -o "$img" --force >/dev/null ||
	bail "dmsc-perso builds the default card"
"$stack_tool" attach "$stack" 0 "$card_bin" --image "$img" >/dev/null ||
	bail "dmsc-card (default card) is seen in reader 0"
ok "dmsc-card (default card) is seen in reader 0"
out=$(A provision --yes --json 2>&1) || bail "provision --yes exits 0: $out"
ok "provision --yes exits 0"
iccid=$(sed -n 's/.*"iccid": *"\([0-9A-Fa-f]*\)".*/\1/p' <<<"$out" | head -1)
[ -n "$iccid" ] || bail "provision --json names the ICCID"

out=$(A tree get ./DMAcc/DemoDM/ServerID 2>&1)
check "tree get ServerID exits 0" "$?" 0
expect "ServerID = demo.dm from card $iccid" \
	"Value: +demo\.dm.*Origin: +card $iccid, change counter [0-9]+" tr '\n' ' ' <<<"$out"
out=$(A --json tree get ./Ext/DMSCPolicy/Version 2>&1)
expect "--json: policy Version int 1 with origin iccid" \
	"\"format\":\"int\".*\"value\":\"1\".*\"origin\":\\{.*\"iccid\":\"$iccid\"" tr -d ' \n' <<<"$out"
out=$(A tree show ./Ext 2>&1)
expect "tree show ./Ext: Email, IMPS and DMSCPolicy, indented, card-marked" \
	"^\./Ext/   DMSCPolicy/  \[card $iccid #[0-9]+\].*    Work/ .*      Addr = demo@example\.invalid .*  IMPS/ " \
	tr '\n' ' ' <<<"$out"
out=$(A tree show 2>&1)
expect "tree show: DevInfo stays device origin" '    DevId = dmsc:[0-9a-f]{16} ' tr '\n' ' ' <<<"$out"

# --- export equals the card's bootstrap ---------------------------------------
A tree export ./DMAcc/DemoDM >"$work/export.xml" 2>"$work/export.err"
check "tree export exits 0" "$?" 0
cmp_out=$(python3 - "$profiles/default/dmboot.xml" "$work/export.xml" <<'PY' 2>&1
import sys
import xml.etree.ElementTree as ET

def nodes(path):
    root = ET.parse(path).getroot()
    assert root.tag.split('}')[-1] == 'MgmtTree'
    assert root.find('VerDTD').text == '1.2'
    out = {}
    def walk(n, parent):
        name = n.find('NodeName').text
        p = n.find('Path')
        base = p.text if p is not None else parent
        uri = base + '/' + name
        rt = n.find('RTProperties')
        fmt = list(rt.find('Format'))[0].tag
        v = n.find('Value')
        acl = rt.find('ACL')
        out[uri] = (fmt, v.text if v is not None else None,
                    acl.text if acl is not None else '')
        for c in n.findall('Node'):
            walk(c, uri)
    for n in root.findall('Node'):
        walk(n, '.')
    return out

a, b = nodes(sys.argv[1]), nodes(sys.argv[2])
if a != b:
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            print(k, a.get(k), b.get(k))
    sys.exit(1)
print(len(a), "nodes equal")
PY
)
if [ $? -eq 0 ]; then
	ok "export of ./DMAcc/DemoDM equals dmboot.xml ($cmp_out)"
else
	not_ok "export of ./DMAcc/DemoDM equals dmboot.xml"; comment <<<"$cmp_out"
fi
out=$(A --json tree export ./DMAcc/DemoDM 2>&1)
expect "--json export carries the TNDS" '"tnds":"<\?xml' tr -d ' \n' <<<"$out"

no_sanitizer_reports
lib_finish
