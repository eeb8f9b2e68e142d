#!/bin/bash
# check-deps.sh: `make` on a machine without a build dependency names it and
# `make deps` instead of failing in the compiler. The machine is faked: a
# PATH without clang, and a pkg-config that does not know libmnl.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
d=$(mktemp -d /tmp/ateom-deps.XXXXXX)
trap 'rm -rf "$d"' EXIT
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; shift; printf '     %s\n' "$@"; fails=$((fails + 1)); }

# A bin dir with every tool the build uses, except clang; pkg-config says
# libmnl is not there.
mkdir -p "$d/bin"
for t in gcc cc make sh bash mkdir touch rm ar bpftool sed uname env cat; do
	p=$(command -v "$t") && ln -s "$p" "$d/bin/$t"
done
real_pc=$(command -v pkg-config)
cat >"$d/bin/pkg-config" <<PC
#!/bin/sh
for a in "\$@"; do [ "\$a" = libmnl ] && exit 1; done
exec $real_pc "\$@"
PC
chmod +x "$d/bin/pkg-config"

rc=0
out=$(env -i PATH="$d/bin" make -C "$root" BUILD="$d/build" CLANG=clang 2>&1) || rc=$?
if ((rc != 0)); then ok "make fails"; else bad "make fails" "$out"; fi
if grep -q "missing build dependencies (Debian packages): clang libmnl-dev" <<<"$out"; then
	ok "it names the missing clang and libmnl-dev"
else bad "it names the missing clang and libmnl-dev" "$out"; fi
if grep -q 'make deps' <<<"$out"; then ok "it says make deps installs them"
else bad "it says make deps installs them" "$out"; fi
if ! grep -qE 'error:|No such file' <<<"$out"; then ok "no compiler error"
else bad "no compiler error" "$out"; fi
if [[ ! -e "$d/build/.deps-ok" && ! -e "$d/build/datapath.bpf.o" ]]; then ok "nothing was built"
else bad "nothing was built" "$(ls "$d/build")"; fi
out=$(tools/check-deps 2>&1) && ok "on this machine nothing is missing" || bad "check-deps here" "$out"
((fails == 0)) && echo "deps check: all checks passed" || { echo "deps check: $fails failed"; exit 1; }
