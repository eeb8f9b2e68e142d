# shellcheck shell=bash
# Identity reuse: actor ids (so identities, 169.254.18.ID) are reused. A
# worker-local socket connected to a1's identity must not outlive a1's
# `down`: once a2 comes up with the same id, its data would reach a2.
# `down` destroys those sockets (sock_diag SOCK_DESTROY, loader/sockdiag.h).

# The worker-local client: a TCP connection and a connected UDP socket to
# 169.254.18.1, both answered by a1; then, once $1 exists, one more send on
# each, reporting the pending socket error and the send's outcome.
IDENT_CLIENT='
import errno, os, socket, sys, time
def name(e): return errno.errorcode.get(e, str(e)) if e else "0"
t = socket.create_connection(("169.254.18.1", 80), timeout=2)
t.sendall(b"hello")
assert t.recv(64) == b"hi", "no answer on TCP"
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(2)
u.connect(("169.254.18.1", 53))
u.send(b"hello")
u.recv(512)
print("connected", flush=True)
end = time.time() + 20
while not os.path.exists(sys.argv[1]):
    if time.time() > end: sys.exit("never told to go")
    time.sleep(0.02)
for kind, s in (("tcp", t), ("udp", u)):
    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    try:
        s.send(b"SECRET-" + kind.encode()); sent = "sent"
    except OSError as e:
        sent = name(e.errno)
    print(f"{kind} so_error={name(err)} send={sent}", flush=True)
time.sleep(0.3)
'

# a1's TCP server: answers "hi" and keeps the connection open.
IDENT_HOLD='
import socket, time
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", 80)); l.listen(4)
print("ready", flush=True)
c, _ = l.accept(); c.recv(64); c.sendall(b"hi")
time.sleep(30)
'

# Every frame in the netns (any interface, also ones made later) that
# carries the client payload.
IDENT_SNIFF='
import socket, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.settimeout(0.2)
print("ready", flush=True)
end = time.time() + 30
while time.time() < end:
    try: f = s.recv(65535)
    except socket.timeout: continue
    if b"SECRET" in f: print("seen", f[f.index(b"SECRET"):][:10], flush=True)
'

# py_bg NS LOG SCRIPT [ARGS]: a python script in NS, in the background,
# ready once it printed "ready" (or "connected").
py_bg() {
	local ns="$1" log="$2" script="$3"
	shift 3
	start_bg "$log" '^(ready|connected)' "python in $ns" in_ns "$ns" "$PY" -c "$script" "$@"
}

worker_socks() { in_ns w1 ss -Htuan dst 169.254.18.1; }

test_ident_reuse() {
	std_topo id
	e2e_actor a2
	py_bg a-a1 "$T/hold.log" "$IDENT_HOLD"
	serve a-a1 udp 53 --tag a1
	up 1 a1
	py_bg w1 "$T/client.log" "$IDENT_CLIENT" "$T/go"
	check_eq "before down: the worker holds a TCP and a UDP socket to a1's identity" 2 \
		"$(worker_socks | wc -l)" "$(worker_socks)"

	down 1 a1
	check_eq "after down: no worker socket to 169.254.18.1" "" "$(worker_socks)"

	py_bg a-a2 "$T/sniff.log" "$IDENT_SNIFF"
	serve a-a2 udp 53 --tag a2
	up 1 a2
	check_eq "a2 got id 1 (a1's identity)" 1 "$(status_json 1 | json 'd["actors"][0]["id"]')"
	check_eq "after a2's up: still no worker socket to 169.254.18.1" "" "$(worker_socks)"
	touch "$T/go"
	for _ in $(seq 100); do
		[[ $(grep -c '^udp ' "$T/client.log") == 1 ]] && break
		sleep 0.02
	done
	sleep 0.3 # what was sent has reached a2 by now
	local out
	out=$(cat "$T/client.log")
	check_match "the client's TCP connection was aborted, its send failed" \
		'^tcp so_error=ECONNABORTED send=E[A-Z]+$' "$out"
	check_match "the client's UDP socket was aborted, its send failed" \
		'^udp so_error=ECONNABORTED send=E[A-Z]+$' "$out"
	check_eq "a2's UDP server received nothing" "" "$(grep -v '^ready' "$T/srv-a-a2-udp-53.log")"
	check_eq "no client payload reached a2's netns" "" "$(grep -v '^ready' "$T/sniff.log")"
}
