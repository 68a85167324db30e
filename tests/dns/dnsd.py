#!/usr/bin/env python3
"""A name server of the test's own (never QEMU's built-in DNS, which
forwards to this machine's resolver): UDP on 127.0.0.1:53, which the
guest reaches as 10.0.2.2:53 through QEMU's user network.

    dnsd.py NAME=ADDR[,ADDR...] ... END_NAME

Answers A queries for the names given (NOERROR with no records for any
other type of a known name, NXDOMAIN for unknown ones) and exits 0 once
END_NAME has been asked for; 1 when it cannot bind or after 90 s.
"""
import socket
import struct
import sys
import time


def parse_name(msg, at):
    labels = []
    while True:
        n = msg[at]
        if n == 0:
            return ".".join(labels).lower(), at + 1
        if n & 0xC0:
            raise ValueError("compressed name in a question")
        labels.append(msg[at + 1:at + 1 + n].decode("ascii", "replace"))
        at += 1 + n


def answer(msg, records):
    ident, flags, qd = struct.unpack("!HHH", msg[:6])
    if qd != 1:
        return None
    name, at = parse_name(msg, 12)
    qtype, qclass = struct.unpack("!HH", msg[at:at + 4])
    question = msg[12:at + 4]
    rd = flags & 0x0100
    addrs = records.get(name)
    rcode = 0 if addrs is not None else 3
    body = b""
    count = 0
    if addrs and qtype == 1 and qclass == 1:
        for a in addrs:
            body += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(a)
            count += 1
    head = struct.pack("!HHHHHH", ident, 0x8400 | rd | 0x0080 | rcode, 1, count, 0, 0)
    return head + question + body, name


def main():
    records = {}
    for spec in sys.argv[1:-1]:
        name, _, addrs = spec.partition("=")
        records[name.lower()] = [a for a in addrs.split(",") if a]
    end = sys.argv[-1].lower()
    records.setdefault(end, ["10.9.9.9"])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", 53))
    except OSError as e:
        print("dnsd: cannot bind 127.0.0.1:53: %s" % e)
        return 1
    s.settimeout(1.0)
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            msg, peer = s.recvfrom(2048)
        except socket.timeout:
            continue
        try:
            reply = answer(msg, records)
        except (ValueError, IndexError, struct.error):
            continue
        if not reply:
            continue
        s.sendto(reply[0], peer)
        print("dnsd: %s asked for %s" % (peer[0], reply[1]))
        sys.stdout.flush()
        if reply[1] == end:
            time.sleep(0.5)  # the same name's other queries
            return 0
    print("dnsd: %s was never asked for" % end)
    return 1


if __name__ == "__main__":
    sys.exit(main())
