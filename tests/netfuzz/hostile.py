#!/usr/bin/env python3
"""hostile.py - a hostile network for the guest: malformed Ethernet frames,
then checks that the guest still answers.

  hostile.py [--count N] [--seed S] [--seconds T] [--drain D]
             [--only KIND] [--bisect] [--replay HEX]...

The guest's NIC is a QEMU dgram netdev: QEMU binds 127.0.0.1:PORT1 and sends
the guest's frames, one UDP datagram each, to 127.0.0.1:PORT2, which this
program binds; it sends its frames to PORT1.  Nothing leaves this machine.
The guest: apps/httpd on 10.0.2.15 port 8080 (ip=10.0.2.15/24 gw=10.0.2.2),
this program plays 10.0.2.2 and every other address.

1. Waits for the guest to answer ARP.
2. Sends N frames (at most T seconds) from a seeded generator: truncated
   Ethernet/IP/TCP/UDP/ICMP headers, bad IHL, total lengths and checksums,
   IP options, overlapping and endless fragments, TCP with every flag
   combination to the open port and to a closed one, SYN floods, ARP
   garbage, oversized frames and runts, random mutations of valid frames
   (no empty frame: QEMU's dgram netdev stops reading at an empty datagram);
   IPv6 to the guest's link-local address: lengths that lie, extension
   header chains, fragments, ND, router adverts and MLD with odd options,
   TCP and UDP.  Every TCP segment the guest sends to a port this program does
   not use gets a reset, as a host without that connection would answer.
3. Checks: an ARP reply, an ICMP echo reply, an ICMPv6 echo reply, a SYN-ACK and a full HTTP GET
   over a TCP connection built here, and another GET through a SYN flood
   from forged addresses that never answer, past the listen backlog
   (net/synqueue.c); waits out IP reassembly (15 s after
   the last fragment, or --drain s) and ends with GET /quit so that the guest exits.
Exits 0 when every check passed.  The boot case checks the kernel's side:
no panic, and lwIP's blocks at the end ("proc: lwIP holds N blocks").
"""
import argparse
import os
import random
import socket
import struct
import sys
import time

GUEST_MAC = bytes.fromhex("525400123456")
HOST_MAC = bytes.fromhex("5254000a0202")
BCAST = b"\xff" * 6
GUEST_IP = socket.inet_aton("10.0.2.15")
HOST_IP = socket.inet_aton("10.0.2.2")
OPEN_PORT = 8080
CLOSED_PORT = 9
MARTIANS = 40              # SYNs from 127/8 before GET /quit
REASS_WAIT = 16.0          # lwIP's IP_REASS_MAXAGE (15 s), and a margin
START = time.monotonic()
DEADLINE = START + 110     # the boot case's timeout is 120 s (+ --seconds)

sock = None
stats = {"sent": 0, "received": 0, "resets": 0, "arp": 0}
own_ports = set()          # the host ports of this program's connections
silent = {}                # (addr, port) of a flood that does not answer yet:
                           # the reset it will get (syn_flood_check)


def fail(msg):
    print("host: FAILED:", msg, flush=True)
    sys.exit(1)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def eth(payload, etype=0x0800, dst=GUEST_MAC, src=HOST_MAC):
    return dst + src + struct.pack("!H", etype) + payload


def ip(payload, proto, src=HOST_IP, dst=GUEST_IP, ident=0, frag=0, ttl=64,
       options=b"", tot=None, ihl=None, cksum=None, ver=4):
    ihl = ihl if ihl is not None else 5 + len(options) // 4
    tot = tot if tot is not None else 20 + len(options) + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", (ver << 4) | (ihl & 15), 0, tot & 0xffff,
                    ident, frag, ttl, proto, 0, src, dst) + options
    c = csum(h) if cksum is None else cksum
    h = h[:10] + struct.pack("!H", c) + h[12:]
    return h + payload


def l4sum(proto, seg, src=HOST_IP, dst=GUEST_IP):
    return csum(src + dst + struct.pack("!BBH", 0, proto, len(seg)) + seg)


def tcp(sport, dport, seq, ack, flags, data=b"", win=65535, opts=b"",
        src=HOST_IP, dst=GUEST_IP, off=None, bad_sum=False):
    off = off if off is not None else 5 + len(opts) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff,
                    ack & 0xffffffff, (off & 15) << 4, flags & 0xff, win, 0,
                    0) + opts
    c = l4sum(6, h + data, src, dst) ^ (0x1234 if bad_sum else 0)
    return h[:16] + struct.pack("!H", c) + h[18:] + data


def udp(sport, dport, data, src=HOST_IP, dst=GUEST_IP, length=None,
        bad_sum=False):
    ln = length if length is not None else 8 + len(data)
    h = struct.pack("!HHHH", sport, dport, ln & 0xffff, 0)
    c = l4sum(17, h + data, src, dst) ^ (0x4321 if bad_sum else 0)
    return h[:6] + struct.pack("!H", c) + data


def icmp(typ, code, rest, data, bad_sum=False):
    h = struct.pack("!BBH", typ, code, 0) + rest + data
    c = csum(h) ^ (0x1111 if bad_sum else 0)
    return h[:2] + struct.pack("!H", c) + h[4:]


GUEST_LL = bytes.fromhex("fe80000000000000505400fffe123456")  # from its MAC
HOST_LL = bytes.fromhex("fe80000000000000505400fffe0a0202")
ALL_NODES = bytes.fromhex("ff020000000000000000000000000001")
SOLICITED = bytes.fromhex("ff0200000000000000000001ff123456")
GUEST_SOL_MAC = bytes.fromhex("3333ff123456")
ALL_NODES_MAC = bytes.fromhex("333300000001")


def ip6(payload, nh, src=HOST_LL, dst=GUEST_LL, plen=None, hops=255, ver=6):
    plen = plen if plen is not None else len(payload)
    return struct.pack("!IHBB16s16s", ver << 28, plen & 0xffff, nh, hops, src,
                       dst) + payload


def l6sum(nh, seg, src=HOST_LL, dst=GUEST_LL):
    return csum(src + dst + struct.pack("!IxxxB", len(seg), nh) + seg)


def icmp6(typ, code, body, src=HOST_LL, dst=GUEST_LL, bad_sum=False):
    h = struct.pack("!BBH", typ, code, 0) + body
    c = l6sum(58, h, src, dst) ^ (0x2222 if bad_sum else 0)
    return h[:2] + struct.pack("!H", c) + h[4:]


def eth6(payload, dst=GUEST_MAC):
    return eth(payload, 0x86dd, dst=dst)


def arp(op, sha, spa, tha, tpa, htype=1, ptype=0x0800, hlen=6, plen=4):
    return struct.pack("!HHBBH", htype, ptype, hlen, plen, op) + sha + spa + \
        tha + tpa


# ---- the link: sending, receiving, answering what a host answers ----

def send(frame):
    if not frame:
        # QEMU's dgram netdev takes an empty datagram for the end of the
        # connection and stops reading: a frame of nothing cannot be sent.
        return
    try:
        sock.sendto(frame, ("127.0.0.1", int(os.environ["PORT1"])))
        stats["sent"] += 1
    except OSError:
        pass  # a datagram too large for the loopback: nothing sent


def answer(f):
    """Answers the guest's ARP requests (any address is this host) and resets
    its TCP segments to ports this program does not use."""
    if len(f) < 14:
        return
    etype = struct.unpack("!H", f[12:14])[0]
    if etype == 0x0806 and len(f) >= 42 and f[20:22] == b"\0\1":
        stats["arp"] += 1
        send(eth(arp(2, HOST_MAC, f[38:42], f[22:28], f[28:32]), 0x0806,
                 dst=f[22:28]))
    elif etype == 0x0800 and len(f) >= 34 + 20 and f[23] == 6:
        ihl = (f[14] & 15) * 4
        t = f[14 + ihl:]
        sport, dport, seq, ack, _, flags = struct.unpack("!HHIIBB", t[:14])
        if dport in own_ports or flags & 4:
            return
        tot = struct.unpack("!H", f[16:18])[0]
        dlen = tot - ihl - (t[12] >> 4) * 4 + bool(flags & 3)
        src, dst = f[26:30], f[30:34]
        if flags & 16:
            r = tcp(dport, sport, ack, 0, 4, win=0, src=dst, dst=src)
        else:
            r = tcp(dport, sport, 0, seq + dlen, 0x14, win=0, src=dst, dst=src)
        if (dst, dport) in silent:
            silent[(dst, dport)] = eth(ip(r, 6, src=dst, dst=src))
            return
        stats["resets"] += 1
        send(eth(ip(r, 6, src=dst, dst=src)))


def pump(timeout, want=None):
    """Reads the guest's frames for at most `timeout` s, answering them;
    returns the first one `want` accepts (None: drains)."""
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        sock.settimeout(max(left, 0) or 0.000001)
        try:
            f, _ = sock.recvfrom(65536)
        except (socket.timeout, BlockingIOError):
            return None
        stats["received"] += 1
        if want and want(f):
            return f
        answer(f)
        if time.monotonic() >= end:
            return None


# ---- the hostile frames ----

def gen_frames(rng):
    """Generators of one hostile frame each, picked at random."""
    rb = lambda n: bytes(rng.getrandbits(8) for _ in range(n))
    rport = lambda: rng.randrange(1024, 65536)
    rip = lambda: bytes([10, 0, 2, rng.randrange(3, 255)]) if rng.random() < .5 \
        else rb(4)

    def truncated_eth():
        return eth(rb(20))[:rng.randrange(1, 14)]

    def oversized():
        n = rng.choice([1515, 1519, 1600, 4096, 9000, 16384, 65000])
        return eth(ip(rb(n), 17))[:n]

    def truncated_l4():
        proto = rng.choice([1, 6, 17, rng.randrange(256)])
        return eth(ip(rb(rng.randrange(0, 20)), proto))

    def truncated_ip():
        return eth(ip(rb(20), 17))[:14 + rng.randrange(0, 20)]

    def bad_ip_header():
        body = udp(rport(), rng.choice([OPEN_PORT, 7, 53]), rb(16))
        k = rng.randrange(6)
        if k == 0:
            return eth(ip(body, 17, ihl=rng.randrange(0, 16)))
        if k == 1:
            return eth(ip(body, 17, tot=rng.randrange(0, 65536)))
        if k == 2:
            return eth(ip(body, 17, cksum=rng.getrandbits(16)))
        if k == 3:
            return eth(ip(body, 17, ver=rng.randrange(16)))
        if k == 4:
            return eth(ip(body, 17, ttl=0, src=rng.choice([b"\xff" * 4,
                       b"\0" * 4, GUEST_IP, b"\x7f\0\0\1", b"\xe0\0\0\1"])))
        return eth(ip(body, 17, dst=rng.choice([b"\xff" * 4, b"\x0a\0\2\xff",
                   b"\xe0\0\0\1", rip()])))

    def ip_options():
        opts = rng.choice([
            b"\x07\x27\x04" + b"\0" * 37,             # record route
            b"\x07\x03\xff\x00",                      # bad pointer
            b"\x44\x0c\x05\x00" + b"\0" * 8,          # timestamp
            b"\x83\x07\x04" + HOST_IP + b"\0",        # loose source route
            b"\x94\x04\0\0",                          # router alert
            b"\x01" * 40, b"\x00" * 4, b"\xff\x00\x00\x00",
            rb(4 * rng.randrange(1, 11))])
        opts += b"\0" * (-len(opts) % 4)
        inner = rng.choice([
            icmp(8, 0, struct.pack("!HH", 1, 1), rb(8)),
            udp(rport(), 7, rb(8)),
            tcp(rport(), OPEN_PORT, rng.getrandbits(32), 0, 2)])
        proto = {8: 1}.get(inner[0], 17)
        if len(inner) >= 20 and inner[2:4] == struct.pack("!H", OPEN_PORT):
            proto = 6
        return eth(ip(inner, proto, options=opts[:40]))

    def fragments():
        """A burst: overlapping pieces, holes, endless (MF set), past 64 KiB."""
        ident = rng.getrandbits(16)
        proto = rng.choice([1, 6, 17])
        out = []
        for _ in range(rng.randrange(1, 12)):
            off = rng.choice([0, 1, 2, 8, 100, 185, 8189, 8191,
                              rng.randrange(8192)])
            mf = 0x2000 if rng.random() < .8 else 0
            n = rng.choice([0, 8, 16, 24, 1480, rng.randrange(1, 1481)])
            out.append(eth(ip(rb(n), proto, ident=ident, frag=mf | off)))
        return out

    def tcp_flags():
        port = rng.choice([OPEN_PORT, CLOSED_PORT])
        flags = rng.randrange(256)
        data = rb(rng.choice([0, 0, 1, 100, 1460]))
        opts = rng.choice([b"", b"\x02\x04\x05\xb4", b"\x03\x03\x0e\x01",
                           b"\x08\x0a" + rb(8) + b"\0\0", rb(4),
                           b"\x02\x00\x00\x00", b"\x01\x01\x01\x00"])
        off = rng.choice([None, None, None, 0, 4, 15])
        return eth(ip(tcp(rport(), port, rng.getrandbits(32),
                          rng.getrandbits(32), flags, data, opts=opts, off=off,
                          bad_sum=rng.random() < .2,
                          win=rng.getrandbits(16)), 6))

    def every_flag():
        """All 256 flag combinations to both ports, one burst."""
        out = []
        sport = rport()
        for port in (OPEN_PORT, CLOSED_PORT):
            for flags in range(256):
                out.append(eth(ip(tcp(sport, port, rng.getrandbits(32),
                                      rng.getrandbits(32), flags, rb(4)), 6)))
        return out

    def syn_flood():
        out = []
        for _ in range(rng.randrange(16, 128)):
            src = bytes([rng.randrange(11, 224)]) + rb(3)  # via the gateway
            out.append(eth(ip(tcp(rport(), OPEN_PORT, rng.getrandbits(32), 0,
                                  2, src=src, opts=b"\x02\x04\x05\xb4"), 6,
                              src=src)))
        return out

    def arp_garbage():
        k = rng.randrange(5)
        if k == 0:
            return eth(rb(rng.randrange(0, 60)), 0x0806, dst=BCAST)
        if k == 1:
            return eth(arp(rng.randrange(65536), rb(6), rb(4), rb(6), GUEST_IP,
                           htype=rng.randrange(4), ptype=rng.choice(
                               [0x0800, 0x86dd, rng.randrange(65536)]),
                           hlen=rng.randrange(256), plen=rng.randrange(256)),
                       0x0806, dst=BCAST)
        if k == 2:   # someone else claims the guest's address
            return eth(arp(rng.choice([1, 2]), rb(6), GUEST_IP, BCAST,
                           GUEST_IP), 0x0806, dst=BCAST)
        if k == 3:   # requests from many addresses (fills the ARP table)
            return eth(arp(1, rb(6), rip(), b"\0" * 6, GUEST_IP), 0x0806,
                       dst=BCAST)
        return eth(arp(1, HOST_MAC, HOST_IP, b"\0" * 6, GUEST_IP)[
            :rng.randrange(28)], 0x0806, dst=BCAST)

    def icmp_udp():
        k = rng.randrange(5)
        if k == 0:
            return eth(ip(icmp(8, 0, rb(4), rb(rng.randrange(0, 1400)),
                               bad_sum=rng.random() < .5), 1))
        if k == 1:
            return eth(ip(icmp(rng.randrange(256), rng.randrange(256), rb(4),
                               rb(rng.randrange(0, 64))), 1))
        if k == 2:   # an "error" quoting a packet of the guest's, garbled
            return eth(ip(icmp(3, rng.randrange(16), b"\0" * 4,
                               ip(tcp(OPEN_PORT, rport(), 0, 0, 0x10), 6,
                                  src=GUEST_IP, dst=HOST_IP)[:rng.randrange(
                                      40)]), 1))
        if k == 3:
            return eth(ip(udp(rport(), rng.randrange(65536), rb(32),
                              length=rng.choice([0, 7, 9, 41, 65535]),
                              bad_sum=rng.random() < .5), 17))
        return eth(ip(udp(rport(), rng.choice([OPEN_PORT, 67, 68, 7]),
                          rb(rng.randrange(0, 1472))), 17))

    def other_ethertype():
        return eth(rb(rng.randrange(0, 100)), rng.choice(
            [0x86dd, 0x8100, 0x88a8, 0x0000, 0xffff, rng.randrange(65536)]),
            dst=rng.choice([GUEST_MAC, BCAST, rb(6)]))

    def ipv6():
        """IPv6 (the guest has fe80:: from its MAC): bad lengths, extension
        header chains, fragments, ND and MLD with odd options, TCP and UDP
        with the IPv6 pseudo-header."""
        k = rng.randrange(10)
        if k == 0:   # header cut short, or a payload length that lies
            f = eth6(ip6(rb(40), 59, plen=rng.choice([None, 0, 39, 41, 65535,
                                                          rng.randrange(65536)])))
            return f[:rng.choice([len(f), 14 + rng.randrange(40)])]
        if k == 1:   # another version in an IPv6 ethertype
            return eth6(ip6(icmp6(128, 0, rb(8)), 58, ver=rng.randrange(16)))
        if k == 2:   # hop-by-hop, destination and routing headers, chained
            chain = b""
            nhs = [rng.choice([0, 43, 60, 44, 59, 58, 17, 6, rng.randrange(256)])
                   for _ in range(rng.randrange(1, 6))]
            for i in range(len(nhs)):
                nxt = nhs[i + 1] if i + 1 < len(nhs) else 59
                n = rng.choice([0, 1, 2, 31])
                chain += struct.pack("!BB", nxt, n) + rb(6 + 8 * n)
            return eth6(ip6(chain[:rng.choice([len(chain), rng.randrange(
                len(chain) + 1)])], nhs[0]))
        if k == 3:   # fragments: overlaps, holes, endless, odd sizes
            ident = rng.getrandbits(32)
            out = []
            for _ in range(rng.randrange(1, 8)):
                off = rng.choice([0, 1, 8, 100, 8191, rng.randrange(8192)])
                m = 1 if rng.random() < .8 else 0
                n = rng.choice([0, 8, 16, 1232, rng.randrange(1, 1400)])
                fh = struct.pack("!BBHI", 58, 0, (off << 3) | m, ident)
                out.append(eth6(ip6(fh + rb(n), 44)))
            return out
        if k == 4:   # neighbour solicitations and adverts, odd options
            opt = rng.choice([b"\x01\x00" + rb(6), b"\x01\x01" + rb(6),
                              b"\x02\x01" + rb(6), b"\x01\x02" + rb(14),
                              b"\x01\xff" + rb(6), rb(8), b""])
            typ = rng.choice([135, 136])
            # (no advert for the guest's own address: that is a duplicate
            # while it is tentative, and the check at the end needs it)
            body = (b"\0" * 4 if typ == 135 else struct.pack(
                "!I", rng.getrandbits(32))) + rng.choice(
                [GUEST_LL if typ == 135 else HOST_LL, HOST_LL, rb(16)]) + opt
            dst = rng.choice([GUEST_LL, SOLICITED, ALL_NODES])
            return eth6(ip6(icmp6(typ, rng.choice([0, 0, 1]), body, dst=dst,
                                  bad_sum=rng.random() < .2), 58,
                            dst=dst, hops=rng.choice([255, 255, 64])),
                        dst=rng.choice([GUEST_MAC, GUEST_SOL_MAC,
                                        ALL_NODES_MAC]))
        if k == 5:   # router adverts: prefixes, MTU, odd and zero lengths
            opts = b""
            for _ in range(rng.randrange(0, 4)):
                t = rng.choice([1, 3, 5, 25, rng.randrange(256)])
                if t == 3:
                    o = struct.pack("!BBBBIII16s", 3, 4, rng.choice(
                        [0, 64, 128, 200]), rng.getrandbits(8),
                        rng.getrandbits(32), rng.getrandbits(32), 0,
                        rng.choice([bytes.fromhex("fd00000000000001" +
                                                  "00" * 8), rb(16)]))
                elif t == 5:
                    o = struct.pack("!BBHI", 5, 1, 0, rng.choice(
                        [0, 68, 1279, 1280, 1500, 65535, rng.getrandbits(32)]))
                else:
                    n = rng.choice([0, 1, 2, 3])
                    o = struct.pack("!BB", t, n) + rb(max(0, 8 * n - 2))
                opts += o
            body = struct.pack("!BBHII", 64, rng.getrandbits(8),
                               rng.getrandbits(16), rng.getrandbits(32),
                               rng.getrandbits(32)) + opts
            return eth6(ip6(icmp6(134, 0, body, dst=ALL_NODES,
                                  bad_sum=rng.random() < .1), 58,
                            dst=ALL_NODES), dst=ALL_NODES_MAC)
        if k == 6:   # MLD queries, redirects, errors quoting garbage
            typ = rng.choice([130, 131, 132, 137, 1, 2, 3, 4, 128, 129,
                              rng.randrange(256)])
            return eth6(ip6(icmp6(typ, rng.randrange(4), rb(rng.choice(
                [0, 4, 20, 40, 100, 1200]))), 58))
        if k == 7:   # TCP to the open and a closed port
            port = rng.choice([OPEN_PORT, CLOSED_PORT])
            h = struct.pack("!HHIIBBHHH", rport(), port, rng.getrandbits(32),
                            rng.getrandbits(32), 5 << 4, rng.randrange(256),
                            65535, 0, 0) + rb(rng.choice([0, 1, 100]))
            c = l6sum(6, h) ^ (0x1234 if rng.random() < .2 else 0)
            return eth6(ip6(h[:16] + struct.pack("!H", c) + h[18:], 6))
        if k == 8:   # UDP, its length field lying at times
            data = rb(rng.randrange(0, 200))
            ln = rng.choice([8 + len(data), 0, 7, 65535])
            h = struct.pack("!HHHH", rport(), rng.choice([7, OPEN_PORT, 546]),
                            ln, 0) + data
            c = l6sum(17, h)
            return eth6(ip6(h[:6] + struct.pack("!H", c) + h[8:], 17))
        f = bytearray(eth6(ip6(icmp6(128, 0, struct.pack("!HH", 1, 1) +
                                     rb(32)), 58)))
        for _ in range(rng.randrange(1, 6)):
            f[rng.randrange(14, len(f))] = rng.getrandbits(8)
        return bytes(f)

    valid = [
        lambda: eth(arp(1, HOST_MAC, HOST_IP, b"\0" * 6, GUEST_IP), 0x0806,
                    dst=BCAST),
        lambda: eth(ip(icmp(8, 0, struct.pack("!HH", 7, 7), rb(56)), 1)),
        lambda: eth(ip(tcp(rport(), OPEN_PORT, rng.getrandbits(32), 0, 2,
                           opts=b"\x02\x04\x05\xb4"), 6)),
        lambda: eth(ip(udp(rport(), 7, rb(32)), 17)),
        lambda: eth(ip(rb(64), 17, ident=rng.getrandbits(16), frag=0x2000)),
        lambda: eth(ip(icmp(8, 0, b"\0" * 4, b""), 1, options=b"\x07\x07\x04" +
                       b"\0" * 5)),
    ]

    def mutated():
        f = bytearray(rng.choice(valid)())
        for _ in range(rng.randrange(1, 8)):
            k = rng.randrange(4)
            if k == 0 and f:
                f[rng.randrange(len(f))] = rng.getrandbits(8)
            elif k == 1 and f:
                i = rng.randrange(len(f))
                f[i] ^= 1 << rng.randrange(8)
            elif k == 2:
                del f[rng.randrange(len(f) + 1):]
            else:
                f += rb(rng.randrange(1, 64))
        f[0:6] = GUEST_MAC if rng.random() < .9 else f[0:6]
        return bytes(f)

    weighted = [(truncated_eth, 2), (oversized, 2),
                (truncated_l4, 3), (truncated_ip, 2), (bad_ip_header, 5),
                (ip_options, 4), (fragments, 4), (tcp_flags, 8),
                (syn_flood, 1), (arp_garbage, 4), (icmp_udp, 4),
                (other_ethertype, 2), (mutated, 10), (ipv6, 8)]
    pool = [g for g, w in weighted for _ in range(w)]
    return pool, every_flag


def fuzz(rng, count, seconds, only=None, trace=None):
    pool, every_flag = gen_frames(rng)
    if only:
        pool = [g for g in pool if g.__name__ == only] or [every_flag]
    end = time.monotonic() + seconds
    sent = 0
    kinds = {}
    bursts = [every_flag()] if not only else []  # once: all 512
    while sent < count and time.monotonic() < end:
        if bursts:
            frames = bursts.pop()
            name = "every_flag"
        else:
            g = rng.choice(pool)
            frames = g()
            name = g.__name__
        if isinstance(frames, bytes):
            frames = [frames]
        for f in frames:
            if trace is not None:
                trace.append(f)
                if len(trace) >= 10:
                    if not any(arp_check() for _ in range(3)):
                        for t in trace:
                            print("host: suspect", t.hex())
                        fail("the guest stopped answering")
                    trace.clear()
            send(f)
            sent += 1
            kinds[name] = kinds.get(name, 0) + 1
            if sent % 32 == 0:
                pump(0.002)   # the guest's answers; paces the sender
    return sent, kinds


# ---- the checks ----

def arp_check():
    send(eth(arp(1, HOST_MAC, HOST_IP, b"\0" * 6, GUEST_IP), 0x0806,
             dst=BCAST))
    return pump(1.0, lambda f: f[12:14] == b"\x08\x06" and f[20:22] ==
                b"\0\2" and f[28:32] == GUEST_IP and f[22:28] == GUEST_MAC)


def icmp6_check():
    """An ICMPv6 echo to the guest's link-local address (a solicitation
    first, so that it knows our link address)."""
    data = b"hostile-echo6" * 4
    ns = icmp6(135, 0, b"\0" * 4 + GUEST_LL + b"\x01\x01" + HOST_MAC,
               dst=SOLICITED)
    send(eth6(ip6(ns, 58, dst=SOLICITED), dst=GUEST_SOL_MAC))
    send(eth6(ip6(icmp6(128, 0, struct.pack("!HH", 0x4243, 1) + data), 58)))
    return pump(2.0, lambda f: len(f) >= 62 and f[12:14] == b"\x86\xdd" and
                f[20] == 58 and f[54] == 129 and f[58:62] ==
                struct.pack("!HH", 0x4243, 1))


def syn_flood_check(rng, n=400):
    """SYNs from forged addresses that never answer the SYN-ACK, more than
    the listener's backlog (httpd's 128 + 1): a client still connects
    (net/synqueue.c); then the forged peers reset what the guest holds."""
    for i in range(n):
        src = bytes([rng.randrange(11, 224)]) + rb_(rng, 3)
        sport = rng.randrange(1024, 65536)
        silent[(src, sport)] = None
        send(eth(ip(tcp(sport, OPEN_PORT, rng.getrandbits(32), 0, 2, src=src,
                        opts=b"\x02\x04\x05\xb4"), 6, src=src)))
        if i % 32 == 31:
            pump(0.002)
    pump(0.5)
    c, data = http_get(40003, b"/bytes/1000", what="through a SYN flood")
    c.reset()
    resets = [r for r in silent.values() if r]
    silent.clear()
    for r in resets:
        send(r)
    pump(0.5)
    return data


def rb_(rng, n):
    return bytes(rng.randrange(256) for _ in range(n))


def icmp_check():
    data = b"hostile-echo" * 4
    send(eth(ip(icmp(8, 0, struct.pack("!HH", 0x4242, 1), data), 1)))
    return pump(2.0, lambda f: len(f) >= 42 and f[12:14] == b"\x08\x00" and
                f[23] == 1 and f[34] == 0 and f[38:42] ==
                struct.pack("!HH", 0x4242, 1) and f[42:42 + len(data)] == data)


class Conn:
    """One TCP connection built by hand, from the host to the guest."""

    def __init__(self, sport):
        self.sport = sport
        own_ports.add(sport)
        self.snd = random.getrandbits(32)
        self.rcv = 0
        self.data = b""
        self.fin = False

    def seg(self, flags, data=b""):
        send(eth(ip(tcp(self.sport, OPEN_PORT, self.snd, self.rcv, flags,
                        data), 6)))

    def mine(self, f):
        return len(f) >= 54 and f[12:14] == b"\x08\x00" and f[23] == 6 and \
            struct.unpack("!H", f[36:38])[0] == self.sport

    def connect(self):
        for _ in range(5):
            self.seg(2)
            f = pump(2.0, self.mine)
            if f:
                t = f[14 + (f[14] & 15) * 4:]
                flags = t[13]
                if flags & 0x12 == 0x12:
                    self.snd += 1
                    self.rcv = struct.unpack("!I", t[4:8])[0] + 1
                    self.seg(0x10)
                    return True
                if flags & 4:
                    return False
        return False

    def request(self, text, timeout):
        self.seg(0x18, text)
        self.snd += len(text)
        end = time.monotonic() + timeout
        while time.monotonic() < end and not self.fin:
            f = pump(end - time.monotonic(), self.mine)
            if not f:
                break
            ihl = (f[14] & 15) * 4
            tot = struct.unpack("!H", f[16:18])[0]
            t = f[14 + ihl:14 + tot]
            seq = struct.unpack("!I", t[4:8])[0]
            flags = t[13]
            payload = t[(t[12] >> 4) * 4:]
            if flags & 4:
                break
            if seq == self.rcv:
                self.data += payload
                self.rcv += len(payload)
                if flags & 1:
                    self.rcv += 1
                    self.fin = True
            self.seg(0x10)
            if response_done(self.data):
                break
        return self.data

    def reset(self):
        self.seg(0x14)


def response_done(data):
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def http_get(sport, path, timeout=10.0, what=""):
    c = Conn(sport)
    if not c.connect():
        fail("no SYN-ACK from the guest's port %d %s" % (OPEN_PORT, what))
    data = c.request(b"GET %s HTTP/1.1\r\nHost: guest\r\n\r\n" % path,
                     timeout)
    return c, data


def main():
    global sock
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--bisect", action="store_true",
                    help="checks ARP every 10 frames, prints the suspects")
    ap.add_argument("--replay", action="append",
                    help="a frame in hex sent before the fuzz (repeatable)")
    ap.add_argument("--drain", type=float, default=REASS_WAIT,
                    help="seconds from the last hostile frame to GET /quit")
    ap.add_argument("--only", help="one kind of frame (a generator's name)")
    a = ap.parse_args()
    global DEADLINE
    DEADLINE += max(0, a.seconds - 20)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # Room for the guest's answers to a burst (its SYN-ACKs above all): one
    # lost here leaves a connection half-open in the guest until its
    # retransmission, which comes after the boot case has ended.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    try:
        sock.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE
    except OSError:
        pass
    sock.bind(("127.0.0.1", int(os.environ["PORT2"])))

    while not arp_check():          # the guest booting
        if time.monotonic() > DEADLINE - 60:
            fail("the guest never answered ARP")
    print("host: guest answers ARP after %.1f s" % (time.monotonic() - START))

    rng = random.Random(a.seed)
    t0 = time.monotonic()
    for h in a.replay or []:
        send(bytes.fromhex(h))
    sent, kinds = fuzz(rng, a.count, a.seconds, a.only,
                       [] if a.bisect else None)
    last_frag = time.monotonic()
    print("host: %d hostile frames in %.1f s (seed %d)" %
          (sent, last_frag - t0, a.seed))
    print("host: kinds " + " ".join("%s=%d" % kv for kv in sorted(
        kinds.items())))
    pump(1.0)

    if not any(arp_check() for _ in range(10)):
        fail("no ARP reply after the fuzz (%(received)d frames received)"
             % stats)
    print("host: ok - ARP reply")
    if not icmp_check():
        fail("no ICMP echo reply after the fuzz")
    print("host: ok - ICMP echo reply")
    if not any(icmp6_check() for _ in range(3)):
        fail("no ICMPv6 echo reply after the fuzz")
    print("host: ok - ICMPv6 echo reply to fe80::5054:ff:fe12:3456")
    want = bytes(((i * 7 + (i >> 11)) & 0xff) for i in range(1000))
    c, data = http_get(40001, b"/bytes/1000")
    if not data.startswith(b"HTTP/1.1 200") or not data.endswith(want):
        fail("GET /bytes/1000 answered %r" % data[:80])
    print("host: ok - SYN-ACK and GET /bytes/1000 over hand-built TCP")
    c.reset()
    data = syn_flood_check(rng)
    if not data.startswith(b"HTTP/1.1 200") or not data.endswith(want):
        fail("GET /bytes/1000 through a SYN flood answered %r" % data[:80])
    print("host: ok - a client connects through a SYN flood past the backlog")

    # IP reassembly drops the endless fragments 15 s after they came: wait
    # so that the guest's blocks at exit are those of a quiet run.
    while time.monotonic() < last_frag + a.drain and \
            time.monotonic() < DEADLINE - 15:
        pump(0.5)
    # SYNs from loopback sources, which no wire carries: a guest that took
    # them would answer into its own lo and hold each half-open for 20 s,
    # past the end (the boot case bounds the blocks; net/martian.c).
    for i in range(MARTIANS):
        src = bytes([127, rng.randrange(256), rng.randrange(256), 1 + i % 254])
        send(eth(ip(tcp(rng.randrange(1024, 65536), OPEN_PORT,
                        rng.getrandbits(32), 0, 2, src=src,
                        opts=b"\x02\x04\x05\xb4"), 6, src=src)))
    pump(0.2)
    print("host: %d SYNs from 127/8 sent" % MARTIANS)
    c, data = http_get(40002, b"/quit")
    if not data.startswith(b"HTTP/1.1 200"):
        fail("GET /quit answered %r" % data[:80])
    print("host: ok - GET /quit")
    c.reset()
    pump(1.0)
    print("host: %(sent)d frames sent, %(received)d received, %(resets)d "
          "resets, %(arp)d ARP replies" % stats)


if __name__ == "__main__":
    main()
