#!/usr/bin/env bash
# tools/setup.sh - install the Debian packages dmsc needs (only those missing)
# and configure a meson build directory.
#
#   tools/setup.sh [--sanitize] [--fuzz] [BUILDDIR]
#
# BUILDDIR defaults to build (build-asan with --sanitize, build-fuzz with --fuzz).
set -euo pipefail

usage() {
	sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
}

sanitize=0 fuzz=0 builddir=
while [ $# -gt 0 ]; do
	case "$1" in
	--sanitize) sanitize=1 ;;
	--fuzz) fuzz=1 ;;
	-h|--help) usage; exit 0 ;;
	-*) echo "setup.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	*) builddir=$1 ;;
	esac
	shift
done

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# Build, run and test dependencies (docs/build.md says why each is here).
packages=(
	meson ninja-build pkg-config gcc libc6-dev
	libpcsclite-dev libtomcrypt-dev libtommath-dev check
	libjson-c-dev libjson-c5 python3
	pcscd vsmartcard-vpcd opensc pcsc-tools util-linux iproute2 procps
	sqlite3 # w: tests/integration/agent-provision.sh reads the tree
	libsqlite3-dev libxml2-dev # u: host/ (dmsc-agent) links SQLite and libxml2
	libxml2-utils openssl xxd # x: agent-usecases.sh checks alerts (xmllint), signs (openssl)
)
[ "$fuzz" = 1 ] && packages+=(clang libclang-rt-14-dev)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	sudo=
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null || { echo "setup: not root and no sudo: install ${missing[*]} by hand" >&2; exit 1; }
		sudo=sudo
	fi
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -q >/dev/null
	$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

opts=()
if [ "$sanitize" = 1 ]; then
	builddir=${builddir:-build-asan}
	opts+=(-Db_sanitize=address,undefined -Db_lundef=false)
elif [ "$fuzz" = 1 ]; then
	builddir=${builddir:-build-fuzz}
	export CC=clang
	opts+=(-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false)
else
	builddir=${builddir:-build}
fi

if [ -f "$builddir/build.ninja" ]; then
	meson setup --reconfigure "$builddir" "${opts[@]}" >/dev/null
else
	meson setup "$builddir" "${opts[@]}" >/dev/null
fi
echo "setup: packages present, build directory $builddir configured"
