#!/usr/bin/python3
# cni_chain.py ADD|DEL|CHECK|GC|STATUS CONFLIST [CACHE]: runs a CNI network
# configuration list the way libcni does (no cnitool in Debian 12): each
# plugin in turn (DEL in reverse), found in CNI_PATH by its type, gets its
# own config with the list's name and cniVersion, the runtimeConfig keys
# its capabilities ask for (from CAP_ARGS, a JSON object in the
# environment), and the previous plugin's result as prevResult. ADD saves
# the final result in CACHE, which DEL and CHECK pass as prevResult, as
# libcni's result cache does. GC gets cni.dev/valid-attachments from
# VALID_ATTACHMENTS. CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS come
# from the environment. Prints the final result (or a plugin's error) on
# stdout and exits with the failing plugin's status.
import json
import os
import subprocess
import sys

cmd, conflist = sys.argv[1], json.load(open(sys.argv[2]))
cache = sys.argv[3] if len(sys.argv) > 3 else None
caps = json.loads(os.environ.get("CAP_ARGS", "{}"))
paths = os.environ["CNI_PATH"].split(":")
plugins = conflist["plugins"]


def run(plugin, prev, command):
    conf = dict(plugin, name=conflist["name"], cniVersion=conflist["cniVersion"])
    rc = {k: caps[k] for k, on in plugin.get("capabilities", {}).items() if on and k in caps}
    if rc:
        conf["runtimeConfig"] = rc
    if prev is not None:
        conf["prevResult"] = prev
    if command == "GC":
        conf["cni.dev/valid-attachments"] = json.loads(os.environ.get("VALID_ATTACHMENTS", "[]"))
    exe = next(os.path.join(p, plugin["type"]) for p in paths
               if os.access(os.path.join(p, plugin["type"]), os.X_OK))
    env = dict(os.environ, CNI_COMMAND=command)
    p = subprocess.run([exe], input=json.dumps(conf).encode(), env=env, capture_output=True)
    sys.stderr.write(p.stderr.decode())
    return p.returncode, p.stdout.decode()


prev = None
if cmd in ("DEL", "CHECK") and cache and os.path.exists(cache):
    prev = json.load(open(cache))
order = list(reversed(plugins)) if cmd == "DEL" else plugins
out = ""
for plugin in order:
    rc, out = run(plugin, prev, cmd)
    if rc != 0:
        print(out.strip())
        sys.exit(rc)
    if cmd == "ADD":
        prev = json.loads(out)
if cmd == "ADD":
    if cache:
        json.dump(prev, open(cache, "w"))
    print(json.dumps(prev))
elif cmd == "DEL" and cache and os.path.exists(cache):
    os.unlink(cache)
