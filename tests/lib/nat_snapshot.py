#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The NAT table as `refuses` compares it (tests/e2e/lib.sh): every pair,
except pairs that are closing (a FIN or RST seen on either half). Those
expire after --timeout-tcp-close (1 s) by the collector, whatever the
command under test did, so they may be gone between the snapshots; a
refused command must leave every other pair exactly as it was.

  nat_snapshot.py PINNED_MAP"""
import json
import subprocess
import sys

CLOSING = 0x1 | 0x2 | 0x8 | 0x10  # ATEOM_SEEN_FIN, _RST, _OUT_FIN, _OUT_RST
DIR_OUT = 1


def pair_id(k, v):
    """(proto, remote address, remote port, pod port): both halves agree."""
    if k["dir"] == DIR_OUT:
        remote = (json.dumps(k["daddr_be"]), k["dport_be"])
        pod_port = v["port_be"]
    else:
        remote = (json.dumps(k["saddr_be"]), k["sport_be"])
        pod_port = k["dport_be"]
    return (k["proto"], remote, pod_port)


def main(path):
    out = subprocess.run(["bpftool", "-j", "map", "dump", "pinned", path],
                         check=True, capture_output=True, text=True).stdout
    entries = [(e["formatted"]["key"], e["formatted"]["value"]) for e in json.loads(out)]
    closing = {pair_id(k, v) for k, v in entries if v["seen"] & CLOSING}
    for k, v in sorted(entries, key=lambda e: json.dumps(e, sort_keys=True)):
        if pair_id(k, v) not in closing:
            print(json.dumps({"key": k, "value": v}, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
