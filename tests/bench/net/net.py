#!/usr/bin/env python3
"""net.py BUILD: the network benchmarks of docs/benchmarks.md.

The same static server binary (apps/httpd, the one build/kernels/httpd.elf
embeds) booted on this kernel and on the Linux guest, one machine for both
(tests/bench/guest/targets.sh) with a virtio-net NIC on QEMU's user network
and a hostfwd from 127.0.0.1; the same client on the host (Debian's wrk,
and Python for the bulk GET).  Prints the markdown section, writes
BUILD/bench/net.json and BUILD/bench/net.rows.json (the rows the chart
draws, tests/bench/chart.py).

To add a network app row elsewhere: `import net` (this directory on
sys.path) and call net.compare(app_elf, guest_port, ready, client, ...):
it boots the app on both kernels with a host port forwarded to guest_port,
waits for the regex ready on their consoles, calls client(host_port) ->
dict of figures in rounds alternating the kernels, stops the guests and
returns the medians.  Rows go in BUILD/bench/NAME.rows.json
through net.write_rows.

Environment: BENCH_ACCEL (default tcg), NET_BENCH_RUNS (rounds, 3),
NET_BENCH_SECONDS (one wrk run, 4), NET_BENCH_CONNS (wrk connections, 10),
NET_BENCH_BULK_MIB (the bulk GET, 100).
Only 127.0.0.1 is ever contacted; every wait is bounded."""
import hashlib
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
OUT = os.path.join(BUILD, "bench")
LOGS = os.path.join(OUT, "net")
TARGETS = ["linux", "ours"]
ACCEL = os.environ.get("BENCH_ACCEL", "tcg")
SECONDS = int(os.environ.get("NET_BENCH_SECONDS", "4"))
CONNS = int(os.environ.get("NET_BENCH_CONNS", "10"))
BULK_MIB = int(os.environ.get("NET_BENCH_BULK_MIB", "100"))
RUNS = int(os.environ.get("NET_BENCH_RUNS", "3"))
BOOT_TIMEOUT = 120


def log(msg):
    print("net: " + msg, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Guest:
    """One QEMU running app_elf on target, host_port forwarded to the
    guest's guest_port; the console goes to LOGS/name.log."""

    def __init__(self, target, app_elf, guest_port, args, files, name,
                 mem):
        self.port = free_port()
        nic = ("user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:%d-:%d"
               % (self.port, guest_port))
        env = dict(os.environ, BENCH_ACCEL=ACCEL, BENCH_MEM=str(mem),
                   BUILD=BUILD, BENCH_NIC=nic,
                   BENCH_INITRD_FILES=" ".join(files))
        p = subprocess.run(["tests/bench/guest/targets.sh", target, app_elf],
                           env=env, stdout=subprocess.PIPE, text=True)
        if p.returncode != 0:
            raise RuntimeError("targets.sh %s: status %d"
                               % (target, p.returncode))
        cmd = p.stdout.splitlines()
        i = cmd.index("-append") + 1
        # Both kernels get QEMU's user-net address statically (ours from
        # its command line, Linux from netinit); dns=127.0.0.1 keeps QEMU's
        # DNS out of our kernel's configuration.  The app's arguments go after "--" on both.
        cmd[i] += (" ip=10.0.2.15/24 gw=10.0.2.2 dns=127.0.0.1"
                   if target == "ours" else "") + \
            " -- " + " ".join(args)
        self.cmd = cmd
        self.logfile = os.path.join(LOGS, name + ".log")
        self.text = ""
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        with open(self.logfile, "w") as fh:
            for raw in self.proc.stdout:
                line = raw.decode("utf-8", "replace")
                fh.write(line)
                fh.flush()
                self.text += line

    def wait_for(self, regex, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if re.search(regex, self.text, re.M):
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.1)
        return False

    def stop(self, quit_path=None):
        """Asks the app to exit (GET quit_path, or quit_path(self) when it
        is a function: an app's own way to end), else kills QEMU."""
        if callable(quit_path) and self.proc.poll() is None:
            try:
                quit_path(self)
            except OSError:
                pass
        elif quit_path and self.proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", self.port),
                                              timeout=5) as s:
                    s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n"
                              % quit_path.encode())
                    s.recv(4096)
            except OSError:
                pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(timeout=5)


def median_merge(runs):
    """Figures of several runs (dicts of numbers, nested) -> one dict of
    their medians over the runs where they have no "error" (with the
    figures of each round in KEY_runs); a part that failed in every run
    keeps its first error."""
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return runs[0] if runs else {"error": "no run"}
    out = {}
    for k, v in ok[0].items():
        if isinstance(v, dict):
            out[k] = median_merge([r[k] for r in ok if k in r])
        elif isinstance(v, (int, float)):
            out[k] = statistics.median(r[k] for r in ok)
            out[k + "_runs"] = [r[k] for r in ok]
        else:
            out[k] = v
    return out


def first_error(figs, where=""):
    """The first "error" in a (nested) dict of figures, or None."""
    if "error" in figs:
        return where + figs["error"]
    for k, v in figs.items():
        if isinstance(v, dict):
            e = first_error(v, where + k + ": ")
            if e:
                return e
    return None


def compare(app_elf, guest_port, ready, client, args=(), files=(),
            quit_path=None, mem=256, name=None, runs=None):
    """Boots app_elf on both kernels at once (an idle TCG guest halts, so
    one barely slows the other), each with its own host port forwarded to
    guest_port; once both print the regex ready, calls client(host_port)
    runs times on each, alternating kernels so that a change of host load
    hits both alike; stops them.  Returns {target: the medians of client's
    figures (median_merge), or {"error": ...}}."""
    name = name or os.path.basename(app_elf).rsplit(".", 1)[0]
    runs = runs or RUNS
    guests, res, got = {}, {}, {t: [] for t in TARGETS}
    try:
        for t in TARGETS:
            guests[t] = Guest(t, app_elf, guest_port, list(args),
                              list(files), "%s-%s" % (name, t), mem)
        for t, g in guests.items():
            if not g.wait_for(ready, BOOT_TIMEOUT):
                res[t] = {"error": "not ready (see %s)" % g.logfile}
            else:
                log("%s on %s: ready, host port %d" % (name, t, g.port))
        errors = {}
        for i in range(runs):
            for t in TARGETS:
                if t in res or t in errors:
                    continue
                try:
                    figs = client(guests[t].port)
                except Exception as e:  # a failed client: the row's error
                    figs = {"error": "client: %s" % e}
                got[t].append(figs)
                e = first_error(figs)
                if e:  # the guest may be stuck: no more rounds on it
                    errors[t] = "round %d: %s" % (i + 1, e)
                    log("%s on %s: %s" % (name, t, errors[t]))
    finally:
        for g in guests.values():
            g.stop(quit_path)
    for t in TARGETS:
        if t not in res:
            res[t] = median_merge(got[t])
            if t in errors:
                res[t]["round_error"] = errors[t]
    return res


# ---- the clients ---------------------------------------------------------

UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(port, path, close):
    """wrk for SECONDS on CONNS connections: req/s, latency p50/p99 (ms)."""
    cmd = ["wrk", "-t1", "-c%d" % CONNS, "-d%ds" % SECONDS, "--latency",
           "--timeout", "5s"]
    if close:
        cmd += ["-H", "Connection: close"]
    cmd.append("http://127.0.0.1:%d%s" % (port, path))
    out = subprocess.run(cmd, stdout=subprocess.PIPE, text=True,
                         timeout=SECONDS + 30).stdout
    rps = re.search(r"Requests/sec:\s*([0-9.]+)", out)
    pct = dict((p, float(v) * UNIT[u]) for p, v, u in
               re.findall(r"^\s*(50|99)%\s+([0-9.]+)(us|ms|s)\s*$", out,
                          re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*",
                       out)
    if not rps or "50" not in pct or "99" not in pct:
        raise RuntimeError("wrk output not understood: %r" % out[-300:])
    return {"rps": float(rps.group(1)), "p50_ms": pct["50"],
            "p99_ms": pct["99"], "errors": errors.group(0) if errors else ""}


def pattern_sha256(n):
    """sha256 of httpd's GET /bytes/N body: byte i is i*7 + (i >> 11)
    mod 256, so each aligned 2048-byte block k is one of 256 blocks."""
    blocks = [bytes((7 * j + k) & 0xff for j in range(2048))
              for k in range(256)]
    h = hashlib.sha256()
    k = 0
    while n > 0:
        b = blocks[k & 0xff][:min(n, 2048)]
        h.update(b)
        n -= len(b)
        k += 1
    return h.hexdigest()


def bulk_get(port, mib):
    """GET /bytes/N of mib MiB on one connection, timed on the host from the
    request to the last byte; MiB/s, checked by sha256."""
    n = mib << 20
    got = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        t0 = time.monotonic()
        s.sendall(b"GET /bytes/%d HTTP/1.1\r\nHost: x\r\n\r\n" % n)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                raise RuntimeError("connection closed in the header")
            buf += chunk
        head, body = buf.split(b"\r\n\r\n", 1)
        h = hashlib.sha256(body)
        got = len(body)
        while got < n:
            try:
                chunk = s.recv(1 << 20)
            except socket.timeout:
                raise RuntimeError("GET /bytes/%d: nothing for 30 s after "
                                   "%d bytes" % (n, got))
            if not chunk:
                break
            h.update(chunk)
            got += len(chunk)
        secs = time.monotonic() - t0
    if got != n or h.hexdigest() != pattern_sha256(n):
        raise RuntimeError("bulk GET: %d of %d bytes, checksum %s"
                           % (got, n, "ok" if got == n else "-"))
    return {"mib_s": mib / secs, "secs": secs}


def httpd_client(port):
    """One round: a check, wrk keep-alive, wrk close, the bulk GET; a step
    that fails is that part's {"error"} and ends the round."""
    steps = [("check", lambda: bulk_get(port, 1)),
             ("keepalive", lambda: wrk(port, "/page.txt", close=False)),
             ("close", lambda: wrk(port, "/page.txt", close=True)),
             ("bulk", lambda: bulk_get(port, BULK_MIB))]
    res = {}
    for key, step in steps:
        try:
            res[key] = step()
        except Exception as e:  # subprocess, socket and check failures
            res[key] = {"error": str(e) or type(e).__name__}
            break
    return res


# ---- rows, report --------------------------------------------------------

def row(label, unit, linux, ours, higher_is_better, short=None,
        linux_runs=None, ours_runs=None):
    """One side-by-side row (short: the chart's label; *_runs: the
    figures of each round, for the table)."""
    r = {"label": label, "unit": unit, "linux": linux, "ours": ours,
         "higher_is_better": higher_is_better}
    for k, v in (("short", short), ("linux_runs", linux_runs),
                 ("ours_runs", ours_runs)):
        if v is not None:
            r[k] = v
    return r


def ratio(r):
    """Above 1: this kernel is better (faster or more per second)."""
    if r["linux"] is None or r["ours"] is None or not r["linux"] \
            or not r["ours"]:
        return None
    return (r["ours"] / r["linux"] if r["higher_is_better"]
            else r["linux"] / r["ours"])


def write_rows(name, rows):
    with open(os.path.join(OUT, name + ".rows.json"), "w") as fh:
        json.dump(rows, fh, indent=2)


def md_table(rows):
    out = ["| benchmark | unit | Linux guest | this kernel | ratio "
           "| rounds: Linux; ours |",
           "| --- | --- | ---: | ---: | ---: | --- |"]

    def runs(v):
        return " ".join("%.4g" % x for x in v) if v else "-"
    for r in rows:
        rr = ratio(r)
        out.append("| %s | %s | %s | %s | %s | %s; %s |" % (
            r["label"], r["unit"],
            "%.4g" % r["linux"] if r["linux"] is not None else "error",
            "%.4g" % r["ours"] if r["ours"] is not None else "error",
            "%.2fx" % rr if rr is not None else "-",
            runs(r.get("linux_runs")), runs(r.get("ours_runs"))))
    return "\n".join(out)


def httpd_rows(res):
    def fig(t, *path):
        v = res[t]
        for p in path:
            if not isinstance(v, dict) or p not in v:
                return None
            v = v[p]
        return v

    def add(label, short, unit, path, key, higher):
        rows.append(row(label, unit, fig("linux", path, key),
                        fig("ours", path, key), higher, short,
                        fig("linux", path, key + "_runs"),
                        fig("ours", path, key + "_runs")))
    rows = []
    for mode, what, sh in (("keepalive", "keep-alive", "keep-alive"),
                           ("close", "a connection per request", "close")):
        lab = "httpd: small page, %d conns, %s" % (CONNS, what)
        add(lab, "httpd %s" % sh, "req/s", mode, "rps", True)
        for p in ("p50", "p99"):
            add(lab + ", latency " + p, "httpd %s %s" % (sh, p), "ms", mode,
                p + "_ms", False)
    add("httpd: bulk GET of %d MiB, one connection, sha256 checked"
        % BULK_MIB, "httpd bulk GET %d MiB" % BULK_MIB, "MiB/s", "bulk",
        "mib_s", True)
    return rows


def main():
    os.makedirs(LOGS, exist_ok=True)
    t0 = time.monotonic()
    app = os.path.join(BUILD, "apps", "httpd.elf")
    res = compare(app, 8080, r"^httpd: listening on 8080", httpd_client,
                  args=["-p", "8080", "-r", "/apps/httpd"],
                  files=["apps/httpd/page.txt=apps/httpd/page.txt"],
                  quit_path="/quit")
    rows = httpd_rows(res)
    write_rows("net", rows)
    with open(os.path.join(OUT, "net.json"), "w") as fh:
        json.dump({"accel": ACCEL, "seconds": SECONDS, "conns": CONNS,
                   "bulk_mib": BULK_MIB, "runs": RUNS, "results": res}, fh, indent=2)
    print("## Network: apps/httpd on both kernels\n")
    print("The same static binary (build/apps/httpd.elf) on each kernel, "
          "one QEMU machine (tests/bench/guest/targets.sh) under %s with "
          "`-nic user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:PORT-:8080`"
          "; the Linux guest loads Debian's virtio_net from its initramfs "
          "and takes 10.0.2.15/24 (tests/bench/net/netinit.c), ours the "
          "same from `ip=` on its command line.  Client on the host: wrk -t1 -c%d -d%ds --latency on "
          "/page.txt; the bulk GET timed by Python on the host.  Both guests "
          "booted at once, %d rounds alternating them; medians.  Ratio "
          "above 1: this kernel is better.\n"
          % (ACCEL, CONNS, SECONDS, RUNS))
    print(md_table(rows))
    errs = ["%s: %s" % (t, res[t].get("error") or res[t]["round_error"])
            for t in TARGETS if "error" in res[t] or "round_error" in res[t]]
    for e in errs:
        print("\n- error: " + e)
    for t in TARGETS:
        for mode in ("keepalive", "close"):
            e = res[t].get(mode, {}).get("errors")
            if e:
                print("\n- wrk on %s (%s), first round: %s" % (t, mode, e))
    print("\n(network part ran in %.0f s; logs in %s)"
          % (time.monotonic() - t0, LOGS))
    # A kernel with no figure at all fails the group; one that failed in a
    # later round keeps its earlier rounds' figures and the error line.
    return 1 if any("error" in res[t] for t in TARGETS) else 0


if __name__ == "__main__":
    sys.exit(main())
