#!/bin/bash
# bundle.sh DIR TESTSRV NETNS_PATH: make an OCI bundle in DIR whose rootfs
# holds only the static test server, run as `/testsrv serve 80`, in the
# given (actor) network namespace. gVisor's netstack takes that netns over
# with --network=sandbox. One bundle per container: runsc restore needs its
# own config.json pointing at the new actor netns.
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 DIR TESTSRV NETNS_PATH" >&2; exit 2; }
dir="$1" srv="$2" netns="$3"

mkdir -p "$dir/rootfs"
cp "$srv" "$dir/rootfs/testsrv"
# Readonly root; no capabilities beyond binding :80.
cat >"$dir/config.json" <<EOF
{
  "ociVersion": "1.0.0",
  "process": {
    "user": {"uid": 0, "gid": 0},
    "args": ["/testsrv", "serve", "80"],
    "env": ["PATH=/"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_NET_BIND_SERVICE"],
      "effective": ["CAP_NET_BIND_SERVICE"],
      "permitted": ["CAP_NET_BIND_SERVICE"]
    },
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}]
  },
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "actor",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs"}
  ],
  "linux": {
    "namespaces": [
      {"type": "pid"},
      {"type": "network", "path": "$netns"},
      {"type": "ipc"},
      {"type": "uts"},
      {"type": "mount"}
    ]
  }
}
EOF
