#!/usr/bin/env python3
"""host.py - the host's side of apps/nginx's boot cases.

  host.py PAGE BIG   GET / must be PAGE's exact bytes, GET /big.bin BIG's
                     (sha256; 100 MiB, its time printed), then 50 requests
                     at once each answered with
                     the page; finally QEMU's monitor is told to quit (nginx
                     does not exit by itself)

Environment: PORT1, hostfwd tcp 127.0.0.1:PORT1 -> the guest's 80; PORT2,
QEMU's monitor on 127.0.0.1.  Only this machine's loopback is used and
every wait is bounded.  Exits 0 when every exchange was right.
"""
import hashlib
import http.client
import os
import socket
import sys
import threading
import time

PORT = int(os.environ["PORT1"])
MONITOR = int(os.environ["PORT2"])
DEADLINE = time.monotonic() + 110


def left():
    return max(0.5, DEADLINE - time.monotonic())


def quit_qemu():
    """QEMU's monitor: `quit` stops the guest (status 103 in qemu.sh)."""
    try:
        with socket.create_connection(("127.0.0.1", MONITOR), timeout=5) as s:
            s.sendall(b"quit\n")
            s.settimeout(2)
            while s.recv(4096):
                pass
    except OSError:
        pass


def fail(msg):
    print("host: FAILED:", msg, flush=True)
    quit_qemu()
    sys.exit(1)


def get(path):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=left())
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def wait_ready(page):
    """The page once nginx listens (QEMU accepts before the guest does)."""
    while time.monotonic() < DEADLINE:
        try:
            st, body = get("/")
            if st == 200:
                return body
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.3)
    fail("nginx never answered")


def main():
    page = open(sys.argv[1], "rb").read()
    big = hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
    body = wait_ready(page)
    if body != page:
        fail("GET /: %d bytes, not the page's %d" % (len(body), len(page)))
    print("host: ok - GET /, %d bytes exact" % len(body), flush=True)

    t0 = time.monotonic()
    st, body = get("/big.bin")
    took = time.monotonic() - t0
    if st != 200 or hashlib.sha256(body).hexdigest() != big:
        fail("GET /big.bin: status %d, %d bytes, wrong sha256" % (st, len(body)))
    print("host: ok - GET /big.bin, %d bytes in %.1f s, sha256 %s"
          % (len(body), took, big), flush=True)

    st, _ = get("/missing")
    if st != 404:
        fail("GET /missing gave %d" % st)
    print("host: ok - 404 for a missing file", flush=True)

    n, errors = 50, []

    def one(i):
        try:
            st, body = get("/")
            if st != 200 or body != page:
                errors.append("request %d: status %d" % (i, st))
        except (OSError, http.client.HTTPException) as e:
            errors.append("request %d: %s" % (i, e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(left())
    if errors or any(t.is_alive() for t in threads):
        fail("concurrent: %s" % (errors[:3] or "a request hung"))
    print("host: ok - %d concurrent requests" % n, flush=True)
    quit_qemu()


main()
