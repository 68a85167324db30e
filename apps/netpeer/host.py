#!/usr/bin/env python3
"""host.py - the host's side of apps/netpeer's boot cases.

Environment: PORT1 (hostfwd tcp 127.0.0.1:PORT1 -> guest 8080), PORT2 (our
server on 127.0.0.1, which the guest reaches as 10.0.2.2:PORT2), PORT3
(hostfwd udp -> guest 8081).  Only this machine's loopback is used.  Every
wait is bounded; exits 0 when every exchange was right.
"""
import os
import socket
import sys
import time

BULK = 1024 * 1024
DEADLINE = time.monotonic() + 100


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


def serve_guest(port):
    """The guest connects out: echo its stream back, then close."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(1)
    srv.settimeout(left())
    c, _ = srv.accept()
    data = recv_to_fin(c)
    if data != pattern(1, BULK):
        fail("the guest's stream: %d bytes, not its pattern" % len(data))
    c.sendall(data)
    c.close()
    srv.close()
    print("host: echoed the guest's 1 MiB")


def talk_to_guest(port):
    """We connect in through hostfwd: 1 MiB each way."""
    while True:  # slirp accepts at once; the guest may not listen yet
        s = socket.create_connection(("127.0.0.1", port), timeout=left())
        try:
            s.sendall(pattern(2, BULK))
            s.shutdown(socket.SHUT_WR)
            data = recv_to_fin(s)
            break
        except (ConnectionResetError, BrokenPipeError):
            s.close()
            if time.monotonic() > DEADLINE:
                fail("no connection to the guest's port 8080")
            time.sleep(0.2)
    if data != pattern(3, BULK):
        fail("the guest's answer: %d bytes, not its pattern" % len(data))
    print("host: 1 MiB each way through hostfwd")


def udp_echo(port):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(10):
        msg = b"datagram %d " % i + pattern(i, 100 * i)
        for _ in range(20):
            u.sendto(msg, ("127.0.0.1", port))
            u.settimeout(min(1.0, left()))
            try:
                if u.recv(4096) == msg:
                    break
            except socket.timeout:
                pass
        else:
            fail("no udp echo of datagram %d" % i)
    print("host: 10 udp datagrams echoed")


serve_guest(int(os.environ["PORT2"]))
talk_to_guest(int(os.environ["PORT1"]))
udp_echo(int(os.environ["PORT3"]))
