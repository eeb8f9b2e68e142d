#!/bin/bash
# check-install.sh: `make install` into a temporary DESTDIR with a PREFIX
# puts the binary, the man page, the schemas and the CNI link where they
# belong (the link resolving to the installed binary once DESTDIR is the
# root), the installed binary runs, and `make uninstall` removes all of it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
d=$(mktemp -d /tmp/ateom-install.XXXXXX)
trap 'rm -rf "$d"' EXIT
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; shift; printf '     %s\n' "$@"; fails=$((fails + 1)); }
chk() { local desc="$1"; shift; if "$@"; then ok "$desc"; else bad "$desc" "$*"; fi; }

make -s -C "$root" install DESTDIR="$d" PREFIX=/usr >"$d.log" 2>&1 || { cat "$d.log"; rm -f "$d.log"; exit 1; }
rm -f "$d.log"
chk "binary in \$PREFIX/sbin, executable" test -x "$d/usr/sbin/ateomnet"
chk "man page in \$PREFIX/share/man/man8" test -f "$d/usr/share/man/man8/ateomnet.8"
chk "the man page reads" mandoc -T lint -W warning "$d/usr/share/man/man8/ateomnet.8"
n=$(ls "$root"/docs/schema/*.json | wc -l)
chk "the $n schemas in \$PREFIX/share/ateomnet/schema" test "$(ls "$d/usr/share/ateomnet/schema" | wc -l)" -eq "$n"
chk "CNI link in /opt/cni/bin" test -L "$d/opt/cni/bin/ateomnet"
chk "the link points at the installed binary (DESTDIR stripped)" \
	test "$(readlink "$d/opt/cni/bin/ateomnet")" = /usr/sbin/ateomnet
chk "the installed binary runs" "$d/usr/sbin/ateomnet" version
chk "it is the built one" cmp -s "$d/usr/sbin/ateomnet" "$root/build/ateomnet"
# The link's target is absolute (outside DESTDIR): run what it names.
out=$(CNI_COMMAND=VERSION "$d$(readlink "$d/opt/cni/bin/ateomnet")" </dev/null 2>&1 || true)
chk "what the CNI link names is a CNI plugin (VERSION)" grep -q '"supportedVersions"' <<<"$out"

make -s -C "$root" uninstall DESTDIR="$d" PREFIX=/usr
left=$(find "$d" -type f -o -type l)
chk "make uninstall leaves no file or link" test -z "$left"
((fails == 0)) && echo "install: all checks passed" || { echo "install: $fails failed"; exit 1; }
