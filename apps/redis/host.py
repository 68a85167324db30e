#!/usr/bin/env python3
"""host.py - the host's side of apps/redis's boot case: a RESP client of
its own (no redis-cli needed) against redis-server in the guest.

  host.py basic   PING; 10,000 SET/GET pairs (pipelined); INCR from 50
                  clients at once; BGSAVE (a forked child writes the dump
                  to the tmpfs) while the parent serves writes; the dump
                  read back (DEBUG RELOAD NOSAVE: a key set after the save
                  is gone, one set before is there); INFO memory; then
                  SHUTDOWN NOSAVE so that the guest exits
  host.py replica the case's guest is the primary; a second QEMU (the same
                  kernel) boots here as its replica (`--replicaof
                  10.0.3.1 6379`) on a QEMU dgram link between the two
                  QEMUs' second NICs (10.0.3.0/24, PORT2 <-> PORT3, the
                  kernel's ip2=); keys set on the primary are read on the
                  replica, which refuses writes; both shut down

Environment: PORT1, hostfwd tcp 127.0.0.1:PORT1 -> the guest's 6379;
PORT2, PORT3 (replica); VARS_DIR (BUILD/boot-tests, from tests/boot/run.sh).  Only
this machine's loopback is used and every wait is bounded.  Exits 0 when
every reply was right.
"""
import os
import random
import re
import socket
import subprocess
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


def ok(msg):
    print("host: ok -", msg, flush=True)


class Conn:
    def __init__(self, port=None):
        self.s = socket.create_connection(("127.0.0.1", port or PORT),
                                          timeout=left())
        self.buf = b""

    def close(self):
        self.s.close()

    def send(self, *cmds):
        out = []
        for cmd in cmds:
            args = [a if isinstance(a, bytes) else str(a).encode() for a in cmd]
            out.append(b"*%d\r\n" % len(args))
            for a in args:
                out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.s.settimeout(left())
        self.s.sendall(b"".join(out))

    def _fill(self):
        self.s.settimeout(left())
        data = self.s.recv(65536)
        if not data:
            raise EOFError("connection closed")
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise ValueError("bad reply %r" % line)

    def call(self, *args):
        self.send(args)
        return self.reply()


def connect(port=None):
    """A connection once the guest answers PING (QEMU accepts before)."""
    while time.monotonic() < DEADLINE:
        try:
            c = Conn(port)
            if c.call("PING") == "PONG":
                return c
            c.close()
        except (OSError, EOFError, ValueError):
            pass
        time.sleep(0.3)
    fail("the guest (port %d) never answered PING" % (port or PORT))


def info(c, section):
    text = c.call("INFO", section).decode()
    return dict(l.split(":", 1) for l in text.split("\r\n") if ":" in l)


def setget(c, n=10000, batch=1000):
    for base in range(0, n, batch):
        c.send(*[("SET", "key:%d" % i, "value-%d-%s" % (i, "x" * (i % 50)))
                 for i in range(base, base + batch)])
        for i in range(base, base + batch):
            r = c.reply()
            if r != "OK":
                fail("SET key:%d gave %r" % (i, r))
    for base in range(0, n, batch):
        c.send(*[("GET", "key:%d" % i) for i in range(base, base + batch)])
        for i in range(base, base + batch):
            r = c.reply()
            want = ("value-%d-%s" % (i, "x" * (i % 50))).encode()
            if r != want:
                fail("GET key:%d gave %r" % (i, r))
    if c.call("DBSIZE") != n:
        fail("DBSIZE is not %d" % n)
    ok("%d SET/GET pairs round-trip, DBSIZE %d" % (n, n))


def incr(c, clients=50, each=40):
    c.call("DEL", "counter")
    errors = []
    conns = [Conn() for _ in range(clients)]  # all open at once

    def worker(k):
        try:
            for _ in range(each):
                r = k.call("INCR", "counter")
                if not isinstance(r, int):
                    errors.append(r)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            k.close()

    ts = [threading.Thread(target=worker, args=(k,)) for k in conns]
    for t in ts:
        t.start()
    for t in ts:
        t.join(left())
    if errors:
        fail("INCR: %r" % errors[:3])
    got = int(c.call("GET", "counter"))
    if got != clients * each:
        fail("INCR from %d clients: %d, not %d" % (clients, got, clients * each))
    ok("INCR from %d clients at once: %d" % (clients, got))


def big(i):
    """1 KiB that LZF cannot shrink: the dump's size is the data's."""
    return random.Random(i).randbytes(1024)


def bgsave(c):
    # Weight for the child: 9000 values of 1 KiB, a dump past 8 MiB (redis
    # calls sync_file_range every 4 MiB of it).
    for base in range(0, 9000, 1000):
        c.send(*[("SET", "big:%d" % i, big(i))
                 for i in range(base, base + 1000)])
        for _ in range(1000):
            if c.reply() != "OK":
                fail("SET big")
    c.call("SET", "survivor", "before-the-save")
    before = c.call("LASTSAVE")
    time.sleep(1.1)  # LASTSAVE counts seconds
    r = c.call("BGSAVE")
    if r != "Background saving started":
        fail("BGSAVE gave %r" % r)
    # The parent serves writes while the child saves.
    during = 0
    while time.monotonic() < DEADLINE:
        if c.call("INCR", "during-save") != during + 1:
            fail("INCR during BGSAVE")
        during += 1
        p = info(c, "persistence")
        if p.get("rdb_bgsave_in_progress") == "0":
            break
    else:
        fail("BGSAVE never ended")
    p = info(c, "persistence")
    if p.get("rdb_last_bgsave_status") != "ok":
        fail("rdb_last_bgsave_status: %r" % p.get("rdb_last_bgsave_status"))
    after = c.call("LASTSAVE")
    if not after > before:
        fail("LASTSAVE did not change (%r -> %r)" % (before, after))
    ok("BGSAVE: status ok, LASTSAVE %d -> %d, %d writes served meanwhile"
       % (before, after, during))
    # The dump read back: a key set after the save must be gone.
    c.call("SET", "survivor", "after-the-save")
    r = c.call("DEBUG", "RELOAD", "NOSAVE")
    if r != "OK":
        fail("DEBUG RELOAD NOSAVE gave %r" % r)
    if c.call("GET", "survivor") != b"before-the-save":
        fail("the dump's survivor is %r" % c.call("GET", "survivor"))
    if c.call("GET", "key:9999") != b"value-9999-" + b"x" * (9999 % 50):
        fail("key:9999 not in the dump")
    if c.call("GET", "big:8999") != big(8999):
        fail("big:8999 not in the dump")
    if c.call("GET", "counter") != b"2000":
        fail("counter not in the dump")
    ok("the dump loaded back: %d keys" % c.call("DBSIZE"))


def memory(c):
    m = info(c, "memory")
    used = int(m.get("used_memory", "0"))
    if used <= 0:
        fail("INFO memory: used_memory %r" % m.get("used_memory"))
    ok("INFO memory: used_memory %d, used_memory_rss %s, mem_allocator %s"
       % (used, m.get("used_memory_rss"), m.get("mem_allocator")))


def basic():
    c = connect()
    ok("PING -> PONG")
    setget(c)
    incr(c)
    bgsave(c)
    memory(c)
    try:
        r = c.call("SHUTDOWN", "NOSAVE")
        fail("SHUTDOWN gave %r" % r)
    except (EOFError, OSError):
        pass
    ok("SHUTDOWN NOSAVE: the connection closed")


def log_path():
    """The replica's console: BUILD/boot-tests/redis-replica.replica.log."""
    return os.path.join(os.environ.get("VARS_DIR", "build/boot-tests"),
                        "redis-replica.replica.log")


def replica_qemu(port):
    """The replica: a second QEMU booting the same kernel, its first NIC on
    a user network of its own (hostfwd 127.0.0.1:port -> 6379), its second
    the other end of the primary's dgram link (PORT3 here, PORT2 there),
    10.0.3.2/24 on it; redis-server replicates 10.0.3.1:6379."""
    build = os.path.dirname(os.environ.get("VARS_DIR", "build/boot-tests"))
    link = ("dgram,id=link,local.type=inet,local.host=127.0.0.1,"
            "local.port=%s,remote.type=inet,remote.host=127.0.0.1,"
            "remote.port=%s" % (os.environ["PORT3"], os.environ["PORT2"]))
    extra = ("-nic user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:%d-:6379 "
             "-netdev %s -device virtio-net-pci,netdev=link,"
             "mac=52:54:00:00:03:02" % (port, link))
    cmdline = ("ip=10.0.2.15/24 gw=10.0.2.2 dns=127.0.0.1 ip2=10.0.3.2/24 "
               "-- apps/redis/redis.conf --replicaof 10.0.3.1 6379")
    log = open(log_path(), "w")
    env = dict(os.environ, MEM="256M", QEMU_EXTRA=extra)
    return subprocess.Popen(
        ["images/qemu.sh", "-t", str(int(left())), "pvh",
         os.path.join(build, "kernels", "redis.elf"), cmdline],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        env=env)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def replica():
    """The primary is the case's guest (PORT1); the replica boots here.
    Keys written on the primary are read on the replica, which refuses
    writes; both shut down, the replica first."""
    rport = free_port()
    q = replica_qemu(rport)
    try:
        p = connect()
        ok("primary: PING -> PONG")
        r = connect(rport)
        ok("replica: PING -> PONG")
        p.call("SET", "before-sync", "written before the replica synced")
        # The link comes up: a full sync (the primary forks a child that
        # sends its dump), then the stream of commands.
        while time.monotonic() < DEADLINE:
            i = info(r, "replication")
            if i.get("master_link_status") == "up":
                break
            time.sleep(0.3)
        else:
            fail("replica: master_link_status %r, master_host %r"
                 % (i.get("master_link_status"), i.get("master_host")))
        ok("replica: role:%s, master %s:%s, link up"
           % (i.get("role"), i.get("master_host"), i.get("master_port")))
        p.send(*[("SET", "k:%d" % n, "v-%d" % n) for n in range(1000)])
        for _ in range(1000):
            if p.reply() != "OK":
                fail("SET on the primary")
        p.call("SET", "the-key", "written on the primary")
        while time.monotonic() < DEADLINE:
            if r.call("GET", "the-key") == b"written on the primary":
                break
            time.sleep(0.2)
        else:
            fail("replica: the-key is %r" % r.call("GET", "the-key"))
        for key, want in (("before-sync", b"written before the replica synced"),
                          ("k:0", b"v-0"), ("k:999", b"v-999")):
            got = r.call("GET", key)
            if got != want:
                fail("replica: %s is %r, not %r" % (key, got, want))
        if r.call("DBSIZE") != p.call("DBSIZE"):
            fail("DBSIZE: replica %r, primary %r"
                 % (r.call("DBSIZE"), p.call("DBSIZE")))
        ok("replica: the primary's keys read back, DBSIZE %d" % r.call("DBSIZE"))
        e = r.call("SET", "the-key", "on the replica")
        if not isinstance(e, RuntimeError) or "READONLY" not in str(e):
            fail("SET on the replica gave %r, not READONLY" % e)
        ok("replica: a write refused (%s)" % str(e).split(" ")[0])
        i = info(p, "replication")
        if i.get("connected_slaves") != "1" or \
                "ip=10.0.3.2" not in i.get("slave0", ""):
            fail("primary: connected_slaves %r, slave0 %r"
                 % (i.get("connected_slaves"), i.get("slave0")))
        ok("primary: role:%s, slave0 %s" % (i.get("role"), i.get("slave0")))
        for conn, who in ((r, "replica"), (p, "primary")):
            try:
                conn.call("SHUTDOWN", "NOSAVE")
                fail("%s: SHUTDOWN answered" % who)
            except (EOFError, OSError):
                pass
        ok("SHUTDOWN NOSAVE: both connections closed")
        status = q.wait(timeout=left())
        if status != 0:
            fail("the replica's QEMU ended with status %d" % status)
        ok("the replica's kernel exited 0")
        with open(log_path(), errors="replace") as fh:
            text = fh.read()
        for want in ("net: virtio-net .* 10\\.0\\.3\\.2/24 \\(static, second\\)",
                     "MASTER <-> REPLICA sync: Finished with success",
                     "^proc: every task ended"):
            if not re.search(want, text, re.M):
                fail("the replica's console (%s) has no %r" % (log_path(), want))
        bad = re.search("panic|segfault|killed|not implemented", text)
        if bad:
            fail("the replica's console (%s) says %r" % (log_path(), bad.group(0)))
        ok("the replica's console: its second NIC, the sync, every task ended")
    finally:
        if q.poll() is None:
            q.kill()
            q.wait()


if __name__ == "__main__":
    if sys.argv[1:2] == ["basic"]:
        basic()
    elif sys.argv[1:2] == ["replica"]:
        replica()
    else:
        fail("usage: host.py basic|replica")
