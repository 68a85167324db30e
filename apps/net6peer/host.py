#!/usr/bin/env python3
"""host.py - the host's side of apps/net6peer's boot case.

Environment: PORT1 (hostfwd tcp 127.0.0.1:PORT1 -> guest 8080), PORT2 (our
TCP server on [::1], which the guest reaches as [fec0::2]:PORT2), PORT3
(our UDP echo on [::1], the same way).  Only this machine's loopback is
used.  Every wait is bounded; exits 0 when every exchange was right.
"""
import os
import socket
import sys
import threading
import time

BULK = 256 * 1024
START = time.monotonic()
DEADLINE = START + 100


def pattern(seed, n):
    return bytes(((i * 7 + seed * 13 + (i >> 8)) & 0xff) for i in range(n))


def left():
    return max(0.1, DEADLINE - time.monotonic())


def recv_to_fin(s):
    chunks = []
    while True:
        s.settimeout(left())
        b = s.recv(65536)
        if not b:
            return b"".join(chunks)
        chunks.append(b)


def fail(msg):
    print("host: FAILED:", msg)
    sys.exit(1)


def udp_echo(u, seen):
    while time.monotonic() < DEADLINE and len(seen) < 10:
        u.settimeout(left())
        try:
            data, addr = u.recvfrom(4096)
        except (socket.timeout, OSError):
            return
        u.sendto(data, addr)
        seen.add(data)


def serve_guest(srv):
    while True:  # the guest drops connections made from its link-local
        srv.settimeout(left())
        c, addr = srv.accept()
        data = recv_to_fin(c)
        if data:
            break
        c.close()
    if data != pattern(1, BULK):
        fail("the guest's stream: %d bytes, not its pattern" % len(data))
    c.sendall(data)
    c.close()
    srv.close()
    print("host: %.1f s: echoed the guest's 256 KiB over IPv6 from %s"
          % (time.monotonic() - START, addr[0]))


def talk_to_guest(port):
    while True:  # slirp accepts at once; the guest may not listen yet
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=left())
        except ConnectionRefusedError:
            print("host: %.1f s: hostfwd port refused" % (time.monotonic() - START))
            if time.monotonic() > DEADLINE:
                fail("no connection to the guest's port 8080")
            time.sleep(0.5)
            continue
        try:
            s.sendall(pattern(2, BULK))
            s.shutdown(socket.SHUT_WR)
            data = recv_to_fin(s)
            if data:
                break
        except (ConnectionResetError, BrokenPipeError):
            pass
        s.close()
        if time.monotonic() > DEADLINE:
            fail("no connection to the guest's port 8080")
        time.sleep(0.2)
    if data != pattern(3, BULK):
        fail("the guest's answer: %d bytes, not its pattern" % len(data))
    print("host: 256 KiB each way through the IPv4 hostfwd")


srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("::1", int(os.environ["PORT2"])))
srv.listen(1)
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u.bind(("::1", int(os.environ["PORT3"])))
seen = set()
echo = threading.Thread(target=udp_echo, args=(u, seen), daemon=True)
echo.start()
serve_guest(srv)
talk_to_guest(int(os.environ["PORT1"]))
echo.join(left())
if len(seen) < 10:
    fail("udp: %d datagrams seen, not 10" % len(seen))
print("host: 10 udp datagrams echoed over IPv6")
