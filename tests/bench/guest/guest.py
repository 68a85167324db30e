#!/usr/bin/env python3
"""guest.py BUILD: the side-by-side guest benchmarks of docs/benchmarks.md.

Runs the static bench apps (BUILD/bench/bin/*.elf) as the only program of
each kernel under one QEMU machine (tests/bench/guest/targets.sh) and
natively, parses their BENCH lines, writes BUILD/bench/guest.json and
prints the markdown table.  Environment: BENCH_ACCEL (kvm|tcg: skips the
probe), BENCH_MEM (MiB, default 128), BENCH_BOOT_RUNS (default 5),
BENCH_FOOTPRINT=0 (skip the -m bisection)."""
import json
import os
import re
import select
import statistics
import subprocess
import sys
import time

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
OUT = os.path.join(BUILD, "bench")
BIN = os.path.join(OUT, "bin")
LOGS = os.path.join(OUT, "guest")
TARGETS = ["linux", "ours"]
MEM = int(os.environ.get("BENCH_MEM", "128"))
BOOT_RUNS = int(os.environ.get("BENCH_BOOT_RUNS", "5"))
BOOT_TIMEOUT = 90
MM_TIMEOUT = 300
PENDING = 3  # targets.sh: this kernel cannot run apps yet
BENCH_RE = re.compile(r"BENCH (name=\S+.*)$")


def log(msg):
    print("guest: " + msg, file=sys.stderr, flush=True)


def run_timed(cmd, timeout, logfile, marker=b"BOOT_MARKER"):
    """Runs cmd with stdout+stderr captured into logfile; returns rc (None
    on timeout, after killing it), the wall time to exit and the wall time
    from launch to the first occurrence of marker (None if never seen)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out, marker_s = b"", None
    fd = proc.stdout.fileno()
    while True:
        left = start + timeout - time.monotonic()
        if left <= 0:
            proc.kill()
            break
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        out += chunk
        if marker_s is None and marker in out:
            marker_s = time.monotonic() - start
    rc = proc.wait()
    wall = time.monotonic() - start
    with open(logfile, "wb") as fh:
        fh.write(out)
    timed_out = wall >= timeout
    return {"rc": None if timed_out else rc, "wall_s": wall,
            "marker_s": marker_s, "text": out.decode("utf-8", "replace")}


def parse_bench(text):
    """BENCH lines -> {name: {key: value}}; numbers become floats."""
    res = {}
    for line in text.splitlines():
        m = BENCH_RE.search(line.strip())
        if not m:
            continue
        fields = dict(kv.split("=", 1) for kv in m.group(1).split()
                      if "=" in kv)
        for k, v in fields.items():
            try:
                fields[k] = float(v)
            except ValueError:
                pass
        res[fields.pop("name")] = fields
    return res


def qemu_cmd(target, elf, accel, mem):
    """The QEMU command for target from targets.sh, or None if pending."""
    env = dict(os.environ, BENCH_ACCEL=accel, BENCH_MEM=str(mem),
               BUILD=BUILD)
    p = subprocess.run(["tests/bench/guest/targets.sh", target, elf],
                       env=env, stdout=subprocess.PIPE, text=True)
    if p.returncode == PENDING:
        return None
    if p.returncode != 0:
        raise RuntimeError("targets.sh %s failed (%d)" % (target, p.returncode))
    return p.stdout.splitlines()


def boot_ok(r, app):
    return r["rc"] is not None and "BENCH_DONE app=" + app in r["text"]


def pick_accel():
    """kvm only if it really boots the Linux guest (here /dev/kvm opens but
    guests hang), else tcg; the same for every kernel of the run."""
    if os.environ.get("BENCH_ACCEL"):
        return os.environ["BENCH_ACCEL"], "set by BENCH_ACCEL"
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "tcg", "no usable /dev/kvm"
    cmd = qemu_cmd("linux", os.path.join(BIN, "bench_boot.elf"), "kvm", MEM)
    r = run_timed(cmd, 15, os.path.join(LOGS, "kvm-probe.log"))
    if boot_ok(r, "bench_boot"):
        return "kvm", "probe booted"
    return "tcg", "/dev/kvm present but the probe guest did not boot in 15 s"


def spread(values):
    v = sorted(values)
    return {"median": statistics.median(v), "min": v[0], "max": v[-1],
            "n": len(v)}


def measure_boot(target, accel):
    """BOOT_RUNS boots of bench_boot: host wall to marker, guest TSC at
    main, kernel uptime at main; None if pending."""
    elf = os.path.join(BIN, "bench_boot.elf")
    cmd = qemu_cmd(target, elf, accel, MEM)
    if cmd is None:
        return None
    wall, tsc, up = [], [], []
    for i in range(BOOT_RUNS):
        r = run_timed(cmd, BOOT_TIMEOUT,
                      os.path.join(LOGS, "%s-boot-%d.log" % (target, i)))
        b = parse_bench(r["text"])
        if not boot_ok(r, "bench_boot") or r["marker_s"] is None:
            return {"error": "boot %d failed (rc %s)" % (i, r["rc"])}
        wall.append(r["marker_s"] * 1000)
        tsc.append(b["boot_tsc"]["value"])
        up.append(b["boot_uptime"]["value"])
    return {"qemu_to_main_ms": spread(wall), "tsc_at_main_ms": spread(tsc),
            "uptime_at_main_ms": spread(up)}


def measure_mm(target, accel):
    """One run of bench_mm in target ('native' runs it on the host)."""
    elf = os.path.join(BIN, "bench_mm.elf")
    if target == "native":
        cmd = [elf]
    else:
        cmd = qemu_cmd(target, elf, accel, MEM)
        if cmd is None:
            return None
    r = run_timed(cmd, MM_TIMEOUT, os.path.join(LOGS, target + "-mm.log"))
    res = parse_bench(r["text"])
    if not boot_ok(r, "bench_mm"):
        res["error"] = "run incomplete (rc %s)" % r["rc"]
    return res


def boots_in(target, accel, mib, timeout):
    elf = os.path.join(BIN, "bench_boot.elf")
    r = run_timed(qemu_cmd(target, elf, accel, mib), timeout,
                  os.path.join(LOGS, "%s-mem-%d.log" % (target, mib)))
    log("  %s -m %dM: %s (%.1f s)" % (target, mib,
        "runs" if boot_ok(r, "bench_boot") else "fails", r["wall_s"]))
    return boot_ok(r, "bench_boot")


def footprint(target, accel, boot):
    """Smallest -m (MiB) at which target boots and runs bench_boot, by
    bisection between 0 (taken as failing) and MEM (boot measured there).  A probe
    gets 4 times the median boot time (at least 20 s): a guest short of
    memory may hang rather than fail (QEMU itself does in 1 MiB)."""
    if boot is None:
        return None
    if "error" in boot:
        return {"error": "no boot to measure"}
    timeout = max(20.0, 4 * boot["qemu_to_main_ms"]["median"] / 1000)
    lo, hi = 0, MEM  # measure_boot ran it in MEM
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if boots_in(target, accel, mid, timeout):
            hi = mid
        else:
            lo = mid
    return {"min_mem_mib": hi, "probe_timeout_s": timeout}


def image_bytes(target):
    """Size of target's kernel image (targets.sh TARGET --image), or None."""
    p = subprocess.run(["tests/bench/guest/targets.sh", target, "--image"],
                       env=dict(os.environ, BUILD=BUILD),
                       stdout=subprocess.PIPE, text=True)
    path = p.stdout.strip()
    return os.path.getsize(path) if p.returncode == 0 and path else None


# Rows of the table: (key in the results, label, unit, issue-10 target as
# the most "this kernel / Linux" may be).
MM_ROWS = [
    ("getppid", "null syscall (getppid)", "ns/call", 1.0),
    ("fault_anon", "anonymous first-touch fault", "ns/fault", 0.5),
    ("cow_fault", "COW fault after fork", "ns/fault", None),
    ("mmap_munmap_4k", "mmap+munmap 4 KiB", "ns/pair", 0.5),
    ("mmap_munmap_1m", "mmap+munmap 1 MiB", "ns/pair", 0.5),
    ("mprotect", "mprotect of a page", "ns/call", None),
    ("fork_exit_wait", "fork+exit+wait", "ns/op", None),
    ("spawn_exit_wait", "posix_spawn+exit+wait", "ns/op", None),
]
BOOT_ROWS = [
    ("qemu_to_main_ms", "boot: QEMU start -> main (host wall)", 0.05),
    ("tsc_at_main_ms", "boot: vCPU reset -> main (guest TSC)", 0.05),
    ("uptime_at_main_ms", "boot: kernel uptime at main (informative)", None),
]


def fmt(x):
    return "%.0f" % x if x >= 100 else "%.3g" % x


def mm_cell(res, key, ref=None):
    """(text, median or None) for one bench_mm figure of one column."""
    if res is None:
        return "pending", None
    if "error" in res and key not in res:
        return "error: " + res["error"], None
    f = res.get(key)
    if f is None:
        return "missing", None
    if f.get("status") == "n/a":
        return "n/a (%s)" % f.get("reason"), None
    if f.get("check") != "ok":
        return "FAIL (check)", None
    if ref and isinstance(ref.get(key), dict) and "sum" in ref[key] \
            and ref[key]["sum"] != f["sum"]:
        return "FAIL (checksum differs from Linux)", None
    return "%s [%s-%s]" % (fmt(f["median"]), fmt(f["min"]),
                           fmt(f["max"])), f["median"]


def ratio(ours, linux, goal):
    if ours is None or not linux:
        return "-", "-"
    r = ours / linux
    if goal is None:
        return "%.2fx" % r, "-"
    return "%.2fx" % r, "%s (<= %gx)" % ("met" if r <= goal else "missed",
                                        goal)


def table(res):
    L, O, N = res["linux"], res["ours"], res["native"]
    rows = ["| measurement | unit | Linux guest: median [min-max] | "
            "this kernel | this kernel / Linux | issue target | host native |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for key, label, goal in BOOT_ROWS:
        lb, ob = L["boot"], O["boot"]
        cells = []
        for b in (lb, ob):
            if b is None:
                cells.append(("pending", None))
            elif "error" in b:
                cells.append(("error: " + b["error"], None))
            else:
                s = b[key]
                cells.append(("%s [%s-%s]" % (fmt(s["median"]), fmt(s["min"]),
                              fmt(s["max"])), s["median"]))
        rr, met = ratio(cells[1][1], cells[0][1], goal)
        rows.append("| %s | ms | %s | %s | %s | %s | - |"
                    % (label, cells[0][0], cells[1][0], rr, met))
    for key, label, unit, goal in MM_ROWS:
        lt, lv = mm_cell(L["mm"], key)
        ot, ov = mm_cell(O["mm"], key, L["mm"])
        nt, _ = mm_cell(N["mm"], key)
        rr, met = ratio(ov, lv, goal)
        rows.append("| %s | %s | %s | %s | %s | %s | %s |"
                    % (label, unit, lt, ot, rr, met, nt))
    fp = []
    for t in (L, O):
        f = t["footprint"]
        fp.append("pending" if f is None else
                  str(f.get("min_mem_mib", "error: %s" % f.get("error"))))
    rows.append("| footprint: smallest -m running bench_boot | MiB | %s | %s "
                "| - | ours <= 4 MiB | - |" % tuple(fp))
    sz = ["pending" if t["image_bytes"] is None else
          "%.0f" % (t["image_bytes"] / 1024) for t in (L, O)]
    rows.append("| kernel image (-kernel file) | KiB | %s | %s | - | "
                "hello image < 512 KiB | - |" % tuple(sz))
    return "\n".join(rows)


def header(res):
    m = res["machine"]
    return "\n".join([
        "## Guest benchmarks: the same static binaries on Linux and on "
        "this kernel",
        "",
        "- machine (both kernels): `%s` (accelerator: %s)"
        % (" ".join(m["qemu_common"]), m["accel_reason"]),
        "- Linux guest: Debian `%s`, cmdline `%s`, the binary as /init of "
        "a one-file initramfs" % (res["linux"]["package"],
                                  res["linux"]["cmdline"]),
        "- figures: median [min-max] over the rounds (boot: over %d boots)"
        "; host native = the same binary run directly on the build host"
        % BOOT_RUNS,
        ""])


def common_args(accel):
    cmd = qemu_cmd("linux", os.path.join(BIN, "bench_boot.elf"), accel, MEM)
    return cmd[:cmd.index("-kernel")], cmd[cmd.index("-append") + 1]


def main():
    os.makedirs(LOGS, exist_ok=True)
    t0 = time.monotonic()
    accel, why = pick_accel()
    log("accelerator %s (%s)" % (accel, why))
    common, cmdline = common_args(accel)
    with open(os.path.join(OUT, "linux", "package")) as fh:
        package = fh.read().strip()
    res = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "machine": {"accel": accel, "accel_reason": why,
                       "qemu_common": common, "mem_mib": MEM},
           "linux": {"package": package, "cmdline": cmdline},
           "ours": {}, "native": {"mm": None}}
    for t in TARGETS:
        log("%s: %d boots of bench_boot" % (t, BOOT_RUNS))
        res[t]["boot"] = measure_boot(t, accel)
        log("%s: bench_mm" % t)
        res[t]["mm"] = measure_mm(t, accel)
        res[t]["image_bytes"] = image_bytes(t)
        if os.environ.get("BENCH_FOOTPRINT", "1") != "0":
            log("%s: footprint bisection" % t)
            res[t]["footprint"] = footprint(t, accel, res[t]["boot"])
        else:
            res[t]["footprint"] = {"error": "skipped (BENCH_FOOTPRINT=0)"}
    log("native: bench_mm")
    res["native"]["mm"] = measure_mm("native", accel)
    res["runtime_s"] = time.monotonic() - t0
    with open(os.path.join(OUT, "guest.json"), "w") as fh:
        json.dump(res, fh, indent=2)
    print(header(res))
    print(table(res))
    print("\n(guest part ran in %.0f s; logs in %s)" % (res["runtime_s"], LOGS))
    broken = [t for t in TARGETS for part in ("boot", "mm")
              if res[t][part] and "error" in res[t][part]]
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
