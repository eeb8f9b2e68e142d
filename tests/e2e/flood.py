#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""flood.py: the traffic t_isolation.sh needs and tests/e2e/probe cannot
make: many flows at once, spoofed and hand-built packets, an idle connection
the server speaks on later. Every mode ends on its own (timeouts); a broken
datapath must fail a test, never hang it. Modes print "ready" or one summary
line on stdout.

  sports DST PORT FILE         from each source port in FILE (one a line):
                               one UDP datagram and one TCP SYN to DST:PORT
  flows DST FIRST N [EACH]     N new UDP flows from one socket, to DST ports
                               FIRST..FIRST+N-1, EACH (1) datagrams a flow
  spoof DST DPORT NSYN NRST LO HI
                               raw IPv4: NSYN TCP SYNs from random sources in
                               198.51.100.0/24 to DST:DPORT, then NRST RST/ACKs
                               to random DST ports in LO..HI
  hold-serve PORT TRIGGER      accept one TCP connection, send nothing until
                               the file TRIGGER exists, then send "push"
  hold-get IP PORT TIMEOUT     connect, print "connected", then print
                               "got LINE" for the first line received
  frame IF VID DST DPORT MARK COUNT
                               AF_PACKET: COUNT Ethernet frames out of IF,
                               gateway MAC, an IPv4/UDP datagram from IF's
                               address to DST:DPORT carrying MARK; VID > 0
                               adds an 802.1Q tag with that VLAN id
  sniff IF SECONDS MARK...     print "seen MARK" for each frame on IF that
                               carries one of the MARKs, for SECONDS
  trickle DST PORT SECONDS     a UDP datagram every 2 ms for SECONDS; send
                               errors (no route yet) are ignored

IPv6 (DST of sports may be IPv6):
  udp6 SRC DST PORT MARK [hop|dst]
                               raw IPv6: one UDP datagram SRC -> DST:PORT
                               carrying MARK (any SRC: a spoof is possible),
                               after a hop-by-hop or destination options
                               header when asked
  nd6 IF SRC SECONDS TARGET... AF_PACKET: a neighbour solicitation out of IF
                               from SRC for each TARGET (to its solicited-node
                               group), then print "na TARGET MAC" for each
                               advertisement seen within SECONDS
"""
import fcntl
import os
import random
import select
import socket
import struct
import sys
import time

GW_MAC = bytes.fromhex("02a7e0000001")
ETH_P_ALL = 0x0003


def out(line):
    print(line, flush=True)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ident=0):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0, 64,
                      proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:] + payload


def tcp(src, dst, sport, dport, flags, seq, ack=0):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(hdr))
    return hdr[:16] + struct.pack("!H", csum(pseudo + hdr)) + hdr[18:]


def sports(dst, port, path):
    ports = [int(x) for x in open(path).read().split()]
    fam, any_addr = (socket.AF_INET6, "::") if ":" in dst else (socket.AF_INET, "0.0.0.0")
    nu = nt = 0
    for p in ports:
        s = socket.socket(fam, socket.SOCK_DGRAM)
        try:
            s.bind((any_addr, p))
            s.sendto(b"x", (dst, port))
            nu += 1
        except OSError:
            pass
        s.close()
        # A SYN from the port: connect without waiting; closing a socket in
        # SYN_SENT sends nothing more.
        t = socket.socket(fam, socket.SOCK_STREAM)
        t.setblocking(False)
        try:
            t.bind((any_addr, p))
            t.connect_ex((dst, port))
            nt += 1
        except OSError:
            pass
        t.close()
    out("sent udp=%d tcp=%d" % (nu, nt))


def flows(dst, first, n, each):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sent = 0
    for i in range(n):
        for _ in range(each):
            try:
                s.sendto(b"f", (dst, (first + i - 1) % 65535 + 1))
                sent += 1
            except OSError:  # an ICMP error reported on the socket: go on
                pass
    out("sent %d" % sent)


def spoof(dst, dport, nsyn, nrst, lo, hi):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    rnd = random.Random(7)
    for i in range(nsyn):
        src = "198.51.100.%d" % rnd.randint(1, 254)
        seg = tcp(src, dst, rnd.randint(1024, 65535), dport, 0x02, rnd.getrandbits(32))
        s.sendto(ipv4(src, dst, 6, seg, i & 0xFFFF), (dst, 0))
    for i in range(nrst):
        src = "198.51.100.%d" % rnd.randint(1, 254)
        seg = tcp(src, dst, rnd.randint(1024, 65535), rnd.randint(lo, hi), 0x14,
                  rnd.getrandbits(32), rnd.getrandbits(32))
        s.sendto(ipv4(src, dst, 6, seg, i & 0xFFFF), (dst, 0))
    out("sent syn=%d rst=%d" % (nsyn, nrst))


def hold_serve(port, trigger):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(4)
    out("ready")
    ls.settimeout(60)
    c, peer = ls.accept()
    out("accepted %s:%d" % peer)
    deadline = time.time() + 60
    while not os.path.exists(trigger) and time.time() < deadline:
        time.sleep(0.02)
    c.sendall(b"push\n")
    out("pushed")
    time.sleep(1)
    c.close()


def hold_get(ip, port, timeout):
    c = socket.create_connection((ip, port), timeout=3)
    out("connected from %s:%d" % c.getsockname())
    c.settimeout(timeout)
    try:
        line = c.makefile().readline().strip()
    except OSError as e:
        line = "<%s>" % e
    out("got %s" % line)


def if_addr(ifname):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    req = struct.pack("256s", ifname.encode())
    mac = fcntl.ioctl(s.fileno(), 0x8927, req)[18:24]  # SIOCGIFHWADDR
    ip = socket.inet_ntoa(fcntl.ioctl(s.fileno(), 0x8915, req)[20:24])  # SIOCGIFADDR
    return mac, ip


def frame(ifname, vid, dst, dport, mark, count):
    mac, src = if_addr(ifname)
    udp = struct.pack("!HHHH", 40000, dport, 8 + len(mark), 0) + mark.encode()
    eth = GW_MAC + mac
    if vid > 0:
        eth += struct.pack("!HH", 0x8100, vid)
    eth += struct.pack("!H", 0x0800)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    for i in range(count):
        s.send(eth + ipv4(src, dst, 17, udp, i + 1))
        time.sleep(0.01)
    out("sent %d" % count)


def sniff(ifname, seconds, marks):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifname, 0))
    out("ready")
    end = time.time() + seconds
    while True:
        left = end - time.time()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            break
        data = s.recv(65535)
        for m in marks:
            if m.encode() in data:
                out("seen %s" % m)


def trickle(dst, port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sent = 0
    end = time.time() + seconds
    while time.time() < end:
        try:
            s.sendto(b"t%d" % sent, (dst, port))
            sent += 1
        except OSError:
            pass
        time.sleep(0.002)
    out("sent %d" % sent)


def ipv6(src, dst, nh, payload, hlim=64):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, hlim,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload


def csum6(src, dst, proto, data):
    pseudo = (socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst)
              + struct.pack("!IxxxB", len(data), proto))
    return csum(pseudo + data)


def udp6(src, dst, port, mark, ext=None):
    body = mark.encode()
    seg = struct.pack("!HHHH", 40000, port, 8 + len(body), 0) + body
    seg = seg[:6] + struct.pack("!H", csum6(src, dst, 17, seg) or 0xFFFF) + seg[8:]
    nh = 17
    if ext:  # one 8-byte options header (PadN), next header UDP
        seg = struct.pack("!BBBB4x", 17, 0, 1, 4) + seg
        nh = 0 if ext == "hop" else 60
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(ipv6(src, dst, nh, seg), (dst, 0))
    out("sent")


def nd6(ifname, src, seconds, targets):
    mac = if_addr_mac(ifname)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x86DD))
    s.bind((ifname, 0))
    for t in targets:
        tb = socket.inet_pton(socket.AF_INET6, t)
        group = socket.inet_pton(socket.AF_INET6, "ff02::1:ff00:0")[:13] + tb[13:]
        gs = socket.inet_ntop(socket.AF_INET6, group)
        icmp = struct.pack("!BBHI16sBB6s", 135, 0, 0, 0, tb, 1, 1, mac)
        icmp = icmp[:2] + struct.pack("!H", csum6(src, gs, 58, icmp)) + icmp[4:]
        eth = b"\x33\x33" + group[12:] + mac + struct.pack("!H", 0x86DD)
        s.send(eth + ipv6(src, gs, 58, icmp, 255))
    out("sent %d" % len(targets))
    end = time.time() + seconds
    while True:
        left = end - time.time()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            break
        f = s.recv(2048)
        if len(f) < 14 + 40 + 24 or f[12:14] != b"\x86\xdd" or f[20] != 58 or f[54] != 136:
            continue
        tgt = socket.inet_ntop(socket.AF_INET6, f[62:78])
        tlla = f[80:86].hex(":") if len(f) >= 86 and f[78] == 2 else "?"
        out("na %s %s" % (tgt, tlla))


def if_addr_mac(ifname):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    req = struct.pack("256s", ifname.encode())
    return fcntl.ioctl(s.fileno(), 0x8927, req)[18:24]  # SIOCGIFHWADDR


def main(a):
    modes = {
        "sports": lambda: sports(a[1], int(a[2]), a[3]),
        "flows": lambda: flows(a[1], int(a[2]), int(a[3]), int(a[4]) if len(a) > 4 else 1),
        "spoof": lambda: spoof(a[1], int(a[2]), int(a[3]), int(a[4]), int(a[5]), int(a[6])),
        "hold-serve": lambda: hold_serve(int(a[1]), a[2]),
        "hold-get": lambda: hold_get(a[1], int(a[2]), float(a[3])),
        "frame": lambda: frame(a[1], int(a[2]), a[3], int(a[4]), a[5], int(a[6])),
        "sniff": lambda: sniff(a[1], float(a[2]), a[3:]),
        "trickle": lambda: trickle(a[1], int(a[2]), float(a[3])),
        "udp6": lambda: udp6(a[1], a[2], int(a[3]), a[4], a[5] if len(a) > 5 else None),
        "nd6": lambda: nd6(a[1], a[2], float(a[3]), a[4:]),
    }
    if not a or a[0] not in modes:
        sys.exit(__doc__)
    modes[a[0]]()


if __name__ == "__main__":
    main(sys.argv[1:])
