#!/usr/bin/env python3
"""redis.py BUILD: redis-server (apps/redis's recipe, build/apps/redis.elf)
on this kernel and on the Linux guest, the same binary and redis.conf, one
QEMU machine for both (tests/bench/net/net.py's compare: a virtio-net NIC
on QEMU's user network, a hostfwd from 127.0.0.1); the client on the host
is Debian's redis-benchmark (redis-tools): SET and GET, without pipelining
and with -P 16, requests per second and latency p50/p99.  Prints the
markdown section, writes BUILD/bench/redis.json and redis.rows.json (the
chart's rows).

Environment: REDIS_BENCH_N (requests of one unpipelined test, 10000),
REDIS_BENCH_PN (of one pipelined test, 50000), REDIS_BENCH_CONNS (10),
and net.py's BENCH_ACCEL, NET_BENCH_RUNS (rounds, 3)."""
import csv
import io
import json
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "net"))
import net  # noqa: E402

N = int(os.environ.get("REDIS_BENCH_N", "10000"))
PN = int(os.environ.get("REDIS_BENCH_PN", "50000"))
CONNS = int(os.environ.get("REDIS_BENCH_CONNS", "10"))
MODES = (("plain", 1, N), ("p16", 16, PN))


def benchmark(port, pipeline, n):
    """redis-benchmark -t set,get: {"set": {rps, p50_ms, p99_ms}, "get":...}."""
    cmd = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port),
           "-c", str(CONNS), "-n", str(n), "-P", str(pipeline),
           "-r", "10000", "-t", "set,get", "--csv"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=120)
    res = {}
    for r in csv.DictReader(io.StringIO(p.stdout)):
        t = r.get("test", "").lower()
        if t in ("set", "get"):
            res[t] = {"rps": float(r["rps"]),
                      "p50_ms": float(r["p50_latency_ms"]),
                      "p99_ms": float(r["p99_latency_ms"])}
    if set(res) != {"set", "get"}:
        raise RuntimeError("redis-benchmark (status %d) not understood: %r"
                           % (p.returncode, (p.stdout + p.stderr)[-300:]))
    return res


def client(port):
    """One round: each mode's SET and GET; a failed mode ends the round."""
    res = {}
    for mode, pipeline, n in MODES:
        try:
            res[mode] = benchmark(port, pipeline, n)
        except Exception as e:  # subprocess and parse failures
            res[mode] = {"error": str(e) or type(e).__name__}
            break
    return res


def shutdown(guest):
    """SHUTDOWN NOSAVE: redis exits, each kernel then ends its QEMU."""
    with socket.create_connection(("127.0.0.1", guest.port), timeout=5) as s:
        s.sendall(b"*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
        try:
            s.recv(64)
        except OSError:
            pass


def rows_of(res):
    def fig(t, *path):
        v = res[t]
        for p in path:
            if not isinstance(v, dict) or p not in v:
                return None
            v = v[p]
        return v
    rows = []
    for mode, pipeline, n in MODES:
        how = "-P %d" % pipeline if pipeline > 1 else "no pipelining"
        for op in ("set", "get"):
            lab = "redis: %s, %d conns, %s" % (op.upper(), CONNS, how)
            sh = "redis %s%s" % (op.upper(), " -P%d" % pipeline
                                 if pipeline > 1 else "")
            for key, unit, suffix, higher in (
                    ("rps", "req/s", "", True),
                    ("p50_ms", "ms", " p50", False),
                    ("p99_ms", "ms", " p99", False)):
                rows.append(net.row(
                    lab + (", latency" + suffix if suffix else ""), unit,
                    fig("linux", mode, op, key), fig("ours", mode, op, key),
                    higher, sh + suffix,
                    fig("linux", mode, op, key + "_runs"),
                    fig("ours", mode, op, key + "_runs")))
    return rows


def main():
    os.makedirs(net.LOGS, exist_ok=True)
    t0 = time.monotonic()
    app = os.path.join(net.BUILD, "apps", "redis.elf")
    res = net.compare(app, 6379, r"Ready to accept connections", client,
                      args=["apps/redis/redis.conf"],
                      files=["apps/redis/redis.conf=apps/redis/redis.conf",
                             "tmp/"],
                      quit_path=shutdown, name="redis")
    rows = rows_of(res)
    net.write_rows("redis", rows)
    with open(os.path.join(net.OUT, "redis.json"), "w") as fh:
        json.dump({"accel": net.ACCEL, "n": N, "pipelined_n": PN,
                   "conns": CONNS, "runs": net.RUNS, "results": res}, fh,
                  indent=2)
    print("## redis: redis-benchmark SET and GET\n")
    print("redis-server 7.0 (apps/redis/recipe: Debian's source, static, "
          "our malloc), the same binary and apps/redis/redis.conf on each "
          "kernel, one QEMU machine under %s with a virtio-net NIC on QEMU's "
          "user network (as the httpd rows).  Client on the host: Debian's "
          "`redis-benchmark -c %d -r 10000 -t set,get --csv`, -n %d without "
          "pipelining, -n %d with -P 16; its p50/p99 latency.  Both guests "
          "booted at once, %d rounds alternating them; medians.  Ratio above "
          "1: this kernel is better.\n" % (net.ACCEL, CONNS, N, PN, net.RUNS))
    print(net.md_table(rows))
    for t in net.TARGETS:
        e = res[t].get("error") or res[t].get("round_error")
        if e:
            print("\n- error: %s: %s" % (t, e))
    print("\n(redis part ran in %.0f s; logs in %s)"
          % (time.monotonic() - t0, net.LOGS))
    return 1 if any("error" in res[t] for t in net.TARGETS) else 0


if __name__ == "__main__":
    sys.exit(main())
