#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Kernel memory of ateomnet datapaths, as bpftool reports it (bytes_memlock).

  dp_memlock.py PIN_DIR...            total bytes, each object counted once
  dp_memlock.py --detail PIN_DIR...   JSON: {"total", "objects": [{kind, id,
                                      name, type, max_entries, bytes}]}

Counts what loader/memory.c counts, independently of it: every map and
program pinned under the dirs (subdirectories included), every map those
programs use (map_ids: the unpinned fragment tables), every program in a
prog array (the IPv6 programs, the hooks) with its maps, and every map held
in a map-in-map (the per-actor capture tables). Links are not counted."""
import json
import os
import subprocess
import sys


def bpftool(*args):
    out = subprocess.run(["bpftool", "-j", *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main(argv):
    detail = argv[:1] == ["--detail"]
    dirs = argv[1:] if detail else argv
    maps = {m["id"]: m for m in bpftool("map", "show")}
    progs = {p["id"]: p for p in bpftool("prog", "show")}
    want_maps, want_progs = set(), set()
    for d in dirs:
        for root, _, files in os.walk(d):
            for f in files:
                path = os.path.join(root, f)
                for kind, ids in (("map", want_maps), ("prog", want_progs)):
                    r = subprocess.run(["bpftool", "-j", kind, "show", "pinned", path],
                                       capture_output=True, text=True)
                    if r.returncode == 0:
                        ids.add(json.loads(r.stdout)["id"])
                        break
    # The closure: programs' maps, map-in-maps' inner maps, prog arrays'
    # programs (v6_progs, egress_hooks) and theirs, until nothing is new.
    todo = [("prog", p) for p in want_progs] + [("map", m) for m in want_maps]
    while todo:
        kind, i = todo.pop()
        if kind == "prog":
            for m in progs.get(i, {}).get("map_ids", []):
                if m not in want_maps:
                    want_maps.add(m)
                    todo.append(("map", m))
            continue
        m = maps.get(i)
        if not m or m["type"] not in ("array_of_maps", "hash_of_maps", "prog_array"):
            continue
        for e in bpftool("map", "dump", "id", str(m["id"])):
            v = e.get("value", e.get("inner_map_id"))
            inner = v if isinstance(v, int) else int.from_bytes(bytes(int(b, 16) for b in v), "little")
            kind, seen = ("prog", want_progs) if m["type"] == "prog_array" else ("map", want_maps)
            if inner not in seen:
                seen.add(inner)
                todo.append((kind, inner))
    objs = [{"kind": "map", "id": i, "name": maps[i].get("name", ""), "type": maps[i]["type"],
             "max_entries": maps[i].get("max_entries", 0), "bytes": maps[i]["bytes_memlock"]}
            for i in sorted(want_maps) if i in maps]
    objs += [{"kind": "prog", "id": i, "name": progs[i].get("name", ""), "type": progs[i]["type"],
              "max_entries": 0, "bytes": progs[i]["bytes_memlock"]}
             for i in sorted(want_progs) if i in progs]
    total = sum(o["bytes"] for o in objs)
    print(json.dumps({"total": total, "objects": objs}) if detail else total)


if __name__ == "__main__":
    main(sys.argv[1:])
