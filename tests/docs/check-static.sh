#!/bin/bash
# check-static.sh STATIC_BINARY: the static ateomnet runs where no shared
# library exists: in a chroot holding only the binary (and /proc, /sys and
# bpffs bind-mounted in a private mount namespace, as a distroless image
# would have them). version and help, then prepare / status / metrics /
# purge on a pin dir: the datapath loaded through the verifier from inside
# the chroot.
set -euo pipefail
bin=$(realpath "$1")
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; shift; printf '     %s\n' "$@"; fails=$((fails + 1)); }

if file "$bin" | grep -q "statically linked"; then ok "file(1): statically linked"
else bad "statically linked" "$(file "$bin")"; fi
if ! ldd "$bin" >/dev/null 2>&1; then ok "ldd: not a dynamic executable"
else bad "ldd finds libraries" "$(ldd "$bin")"; fi

root=$(mktemp -d /tmp/ateom-chroot.XXXXXX)
pin="/sys/fs/bpf/ateom-static-$$"
trap 'rm -rf "$pin"; rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/tmp"
cp "$bin" "$root/bin/ateomnet"
# The test itself, run inside the private mount namespace.
out=$(unshare -m bash -euc '
	root=$1 pin=$2
	mount --make-rprivate /
	mount -t proc proc "$root/proc"
	mount --rbind /sys "$root/sys"
	run() { chroot "$root" /bin/ateomnet "$@"; }
	echo "libs: $(ls "$root" | xargs)"
	echo "ld.so: $(ls "$root"/lib* 2>/dev/null | wc -l)"
	run version
	run help | head -1
	run prepare --pin-dir "$pin" --json
	run status --pin-dir "$pin" --json
	run metrics --pin-dir "$pin" | grep "^ateomnet_datapath_loaded "
	run purge --pin-dir "$pin"
' _ "$root" "$pin" 2>&1) || bad "the chroot run" "$out"
grep -q "^libs: bin proc sys tmp$" <<<"$out" && ok "the chroot holds nothing but the binary" ||
	bad "chroot contents" "$out"
grep -q "^ld.so: 0$" <<<"$out" && ok "no dynamic loader or library in it" || bad "no libs" "$out"
grep -q "^ateomnet .* (datapath ABI" <<<"$out" && ok "version runs" || bad "version" "$out"
grep -q "^Usage: ateomnet" <<<"$out" && ok "help runs" || bad "help" "$out"
grep -q '"loaded":true' <<<"$out" && ok "prepare loads the datapath (libbpf, libelf, zlib inside)" ||
	bad "prepare" "$out"
grep -q "\"pin_dir\":\"$pin\",\"loaded\":true" <<<"$out" && ok "status reads it (jansson inside)" ||
	bad "status" "$out"
grep -q "^ateomnet_datapath_loaded 1$" <<<"$out" && ok "metrics reads it" || bad "metrics" "$out"
grep -q "^purged $pin" <<<"$out" && ok "purge unpins it" || bad "purge" "$out"
((fails == 0)) && echo "static: all checks passed" || { echo "static: $fails failed"; exit 1; }
