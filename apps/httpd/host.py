#!/usr/bin/env python3
"""host.py - the host's side of apps/httpd's boot cases.

  host.py basic PAGE  a page (PAGE: the file the guest serves as
                      /page.txt), 100 concurrent connections, keep-alive,
                      a reset and a bad request
  host.py bulk MIB    MIB MiB down (GET /bytes/N) and up (POST /sum),
                      checked

Environment: PORT1, hostfwd tcp 127.0.0.1:PORT1 -> the guest's 8080.  Only this
machine's loopback is used, every wait is bounded, and it ends with GET
/quit so that the guest exits.  Exits 0 when every exchange was right.
"""
import http.client
import os
import socket
import sys
import threading
import time

PORT = int(os.environ["PORT1"])
DEADLINE = time.monotonic() + 110


def left():
    return max(0.5, DEADLINE - time.monotonic())


def fail(msg):
    print("host: FAILED:", msg, flush=True)
    sys.exit(1)


def connect():
    """A connection once the guest listens (QEMU accepts before it does)."""
    while time.monotonic() < DEADLINE:
        c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=left())
        try:
            c.request("GET", "/bytes/1")
            r = c.getresponse()
            if r.status == 200 and r.read() == pattern(0, 1):
                return c
        except (OSError, http.client.HTTPException):
            pass
        c.close()
        time.sleep(0.2)
    fail("the guest never answered")


def pattern(off, n):
    return bytes(((i * 7 + (i >> 11)) & 0xff) for i in range(off, off + n))


def get(c, path):
    c.request("GET", path)
    r = c.getresponse()
    return r.status, r.read()


def basic():
    c = connect()
    page = open(sys.argv[2], "rb").read()
    st, body = get(c, "/page.txt")
    if st != 200 or body != page:
        fail("GET /page.txt: status %d, %d bytes" % (st, len(body)))
    print("host: ok - GET /page.txt, %d bytes" % len(body))
    for i in range(20):  # keep-alive: the same connection
        st, body = get(c, "/bytes/%d" % (1000 + i))
        if st != 200 or body != pattern(0, 1000 + i):
            fail("keep-alive request %d" % i)
    print("host: ok - 20 requests on one connection")
    st, _ = get(c, "/missing")
    if st != 404:
        fail("GET /missing gave %d" % st)
    print("host: ok - 404 for a missing file")

    # 100 connections open at once, each answered.
    n = 100
    conns, errors = [], []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", PORT), timeout=left())
        conns.append(s)
    def ask(i, s):
        try:
            s.sendall(b"GET /bytes/%d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % (100 + i))
            data = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                data += b
            head, _, body = data.partition(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200") or body != pattern(0, 100 + i):
                errors.append((i, head[:40], len(body)))
        except OSError as e:
            errors.append((i, e))
    threads = [threading.Thread(target=ask, args=(i, s)) for i, s in enumerate(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(left())
    for s in conns:
        s.close()
    if errors or any(t.is_alive() for t in threads):
        fail("concurrent connections: %r" % errors[:5])
    print("host: ok - %d concurrent connections answered" % n)

    # A peer that vanishes mid-request, and one sending garbage.
    s = socket.create_connection(("127.0.0.1", PORT), timeout=left())
    s.sendall(b"GET /bytes/100000000 HTTP/1.1\r\n\r\n")
    s.recv(1000)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.close()  # a reset in the middle of a response
    s = socket.create_connection(("127.0.0.1", PORT), timeout=left())
    s.sendall(b"\x00\xff garbage\r\n\r\n")
    if not s.recv(100).startswith(b"HTTP/1.1 400"):
        fail("garbage request")
    s.close()
    st, _ = get(c, "/bytes/10")
    if st != 200:
        fail("the server after a reset and a bad request")
    print("host: ok - still serving after a reset and a bad request")
    quit_guest(c)


def bulk():
    c = connect()
    mib = int(sys.argv[2])
    size = mib << 20
    t0 = time.monotonic()
    c.request("GET", "/bytes/%d" % size)
    r = c.getresponse()
    got, off, chunk = 0, 0, 1 << 20
    ok = r.status == 200
    while True:
        b = r.read(chunk)
        if not b:
            break
        if b != pattern_fast(off, len(b)):
            ok = False
        off += len(b)
    if not ok or off != size:
        fail("download: %d of %d bytes, content %s" % (off, size, "ok" if ok else "wrong"))
    t1 = time.monotonic()
    print("host: ok - downloaded %d MiB, checked (%.1f MiB/s)" % (mib, mib / (t1 - t0)))
    data = bytes(range(256)) * 4096  # 1 MiB
    want = sum(data) * mib & 0xffffffff
    c.putrequest("POST", "/sum")
    c.putheader("Content-Length", str(size))
    c.endheaders()
    for _ in range(mib):
        c.send(data)
    r = c.getresponse()
    body = r.read().decode()
    if body != "%d %d\n" % (size, want):
        fail("upload: the guest counted %r, sent %d %d" % (body, size, want))
    t2 = time.monotonic()
    print("host: ok - uploaded %d MiB, the guest's sum matches (%.1f MiB/s)" % (mib, mib / (t2 - t1)))
    quit_guest(c)


_period = None


def pattern_fast(off, n):
    """pattern(off, n) from a cache: byte i is (7i + i>>11) mod 256, so
    a window of 2^19 bytes (7 * 2^19 and 2^19 >> 11 = 256 are both 0 mod
    256) repeats."""
    global _period
    p = 1 << 19
    if _period is None:
        _period = pattern(0, 2 * p)
    out = bytearray()
    while n:
        o = off % p
        k = min(n, p)
        out += _period[o:o + k]
        off += k
        n -= k
    return bytes(out)


def quit_guest(c):
    st, body = get(c, "/quit")
    if st != 200 or body != b"bye\n":
        fail("GET /quit")
    print("host: ok - the guest was asked to quit", flush=True)


if __name__ == "__main__":
    {"basic": basic, "bulk": bulk}[sys.argv[1]]()
