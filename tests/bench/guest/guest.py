#!/usr/bin/env python3
"""guest.py BUILD: the side-by-side guest benchmarks of docs/benchmarks.md.

Runs the static bench apps (BUILD/apps/bench_*.elf, linked with libshim)
as the only program of each kernel under one QEMU machine
(tests/bench/guest/targets.sh) and natively, parses their BENCH lines,
finds the smallest -m that runs apps/hello on each kernel, measures the
image sizes, writes BUILD/bench/guest.json and prints the markdown tables.
Environment: BENCH_ACCEL (kvm|tcg: skips the probe), BENCH_MM_MEM (MiB, bench_mm's guests, default 3072), BENCH_MEM (MiB,
default 128), BENCH_BOOT_RUNS (default 7), BENCH_MM_RUNS (default 5),
BENCH_FOOTPRINT=0 (skip the -m bisection)."""
import json
import os
import re
import select
import statistics
import subprocess
import sys
import time

import report

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
OUT = os.path.join(BUILD, "bench")
BIN = os.path.join(BUILD, "apps")
LOGS = os.path.join(OUT, "guest")
TARGETS = ["linux", "ours"]
MEM = int(os.environ.get("BENCH_MEM", "128"))
# bench_mm touches and forks 1 GiB (issue 21): its guests get more (the
# fork commits a second GiB on this kernel, which never overcommits).
MM_MEM = int(os.environ.get("BENCH_MM_MEM", "3072"))
BOOT_RUNS = int(os.environ.get("BENCH_BOOT_RUNS", "7"))
MM_RUNS = int(os.environ.get("BENCH_MM_RUNS", "5"))
BOOT_TIMEOUT = 60
MM_TIMEOUT = 120  # Linux under TCG: about 12 s
FINE_KIB = 128  # footprint step below FINE_BELOW_MIB
FINE_BELOW_MIB = 8
HELLO_DONE = re.compile(r"\d+ environment variables\r?\n")  # its last line
PENDING = 3  # targets.sh: this kernel cannot run apps yet
BENCH_RE = re.compile(r"BENCH (name=\S+.*)$")
START_RE = re.compile(r"BENCH_START app=\S+ tsc_mhz=([0-9.]+)")


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


def floor_once(cmd, name):
    """One boot of the empty kernel (floor.S): host wall from launch to
    QEMU's exit in ms (QEMU + firmware + loader), or an error string."""
    r = run_timed(cmd, BOOT_TIMEOUT, os.path.join(LOGS, name + ".log"))
    if r["rc"] != 33:
        return "empty kernel %s: rc %s" % (name, r["rc"])
    return r["wall_s"] * 1000


def boot_once(cmd, name):
    """One boot of bench_boot: (wall to marker, TSC at main, uptime at
    main) in ms, or an error string."""
    r = run_timed(cmd, BOOT_TIMEOUT, os.path.join(LOGS, name + ".log"))
    b = parse_bench(r["text"])
    if not boot_ok(r, "bench_boot") or r["marker_s"] is None:
        return "%s failed (rc %s)" % (name, r["rc"])
    return (r["marker_s"] * 1000, b["boot_tsc"]["tsc"],
            b["boot_uptime"]["value"], b["boot_tsc"]["tsc_mhz"])


def measure_boots(cmds, floor_cmd):
    """BOOT_RUNS rounds; a round boots the empty kernel, bench_boot on
    each target (linux, ours), then the empty kernel again, so that a
    change of host load hits every kernel alike.  Returns the floor's
    spread and, per target: host wall to marker, the same minus the mean
    floor of its own round (the kernel's own part: host load drifts
    slower than a round), guest TSC at main, kernel uptime at main."""
    runs = {t: [] for t in cmds}
    floors = []
    for i in range(BOOT_RUNS):
        pair = [floor_once(floor_cmd, "floor-%d" % (2 * i))]
        got = {t: boot_once(cmd, "%s-boot-%d" % (t, i))
               for t, cmd in cmds.items() if isinstance(runs[t], list)}
        pair.append(floor_once(floor_cmd, "floor-%d" % (2 * i + 1)))
        bad = [f for f in pair if isinstance(f, str)]
        if bad:
            floors, runs = bad[0], {t: bad[0] for t in cmds}
            break
        floors += pair
        for t, g in got.items():
            runs[t] = (runs[t] + [g + (g[0] - sum(pair) / 2,)]
                       if isinstance(g, tuple) else g)
    # TSC ticks at main -> ms at the rate most boots measured (one
    # kernel's wrong clock must not bend its own figure).
    rates = [g[3] for got in runs.values() if isinstance(got, list)
             for g in got]
    rate = statistics.median(rates) if rates else 1.0
    res = {}
    for t, got in runs.items():
        if isinstance(got, str):
            res[t] = {"error": got}
            continue
        wall, tsc, up, mhz, part = zip(*got)
        res[t] = {"tsc_mhz": list(mhz), "qemu_to_main_ms": spread(wall),
                  "kernel_part_ms": spread(part),
                  "tsc_at_main_ms": spread([c / rate / 1000 for c in tsc]),
                  "uptime_at_main_ms": spread(up)}
    floor = {"error": floors} if isinstance(floors, str) else spread(floors)
    return floor, res


def mm_once(cmd, name):
    """One run of bench_mm: its BENCH figures, plus "error" if it did not
    finish."""
    r = run_timed(cmd, MM_TIMEOUT, os.path.join(LOGS, name + ".log"))
    res = parse_bench(r["text"])
    m = START_RE.search(r["text"])
    res["tsc_mhz"] = float(m.group(1)) if m else None
    if not boot_ok(r, "bench_mm"):
        res["error"] = "%s incomplete (rc %s)" % (name, r["rc"])
    return res


def merge_runs(runs):
    """Figures of several runs of bench_mm -> one set: the median of the
    run medians, the extreme min and max, all the rounds counted."""
    res = {"tsc_mhz": [r.get("tsc_mhz") for r in runs]}
    for key in runs[0]:
        figs = [r.get(key) for r in runs]
        if key == "tsc_mhz":
            continue
        if key == "error" or any(not isinstance(f, dict) or "median" not in f
                                 for f in figs):
            res[key] = next((f for f in figs if not isinstance(f, dict) or
                             "median" not in f), figs[0])
            continue
        m = dict(figs[0])
        m["median"] = statistics.median(f["median"] for f in figs)
        m["cycles"] = statistics.median(f["cycles"] for f in figs)
        m["cycles_min"] = min(f["cycles_min"] for f in figs)
        m["min"] = min(f["min"] for f in figs)
        m["max"] = max(f["max"] for f in figs)
        m["n"] = sum(f["n"] for f in figs)
        m["runs"] = [f["median"] for f in figs]
        m["check"] = "ok" if all(f.get("check") == "ok" and
                                 f.get("sum") == m.get("sum")
                                 for f in figs) else "FAIL"
        del m["p25"], m["p75"]
        res[key] = m
    for r in runs:
        if "error" in r:
            res["error"] = r["error"]
    return res


def measure_mm(cmds):
    """MM_RUNS runs of bench_mm per target (native included), interleaved
    like the boots, merged by merge_runs.  A target whose run fails or
    hangs is not run again: one hang costs MM_TIMEOUT once, not 5 times."""
    runs = {t: [] for t in cmds}
    for i in range(MM_RUNS):
        for t, cmd in cmds.items():
            if not any("error" in r for r in runs[t]):
                runs[t].append(mm_once(cmd, "%s-mm-%d" % (t, i)))
    return {t: merge_runs(r) for t, r in runs.items()}


def hello_runs_in(target, accel, kib, timeout):
    """Whether target boots and runs apps/hello to its last line in -m
    kib KiB, and then ends QEMU by itself (Linux: /init exits, the kernel
    panics and panic=-1 reboots into -no-reboot; ours: isa-debug-exit)."""
    elf = os.path.join(BIN, "hello.elf")
    r = run_timed(qemu_cmd(target, elf, accel, "%dK" % kib), timeout,
                  os.path.join(LOGS, "%s-mem-%dK.log" % (target, kib)))
    ok = r["rc"] is not None and HELLO_DONE.search(r["text"])
    log("  %s -m %dK: %s (%.1f s)" % (target, kib, "runs" if ok else "fails",
                                     r["wall_s"]))
    return bool(ok)


def bisect(runs, lo, hi, step):
    """Smallest multiple of step in (lo, hi] for which runs() holds, given
    that it holds at hi and is taken to fail at lo."""
    while hi - lo > step:
        mid = lo + (hi - lo) // step // 2 * step
        if runs(mid):
            hi = mid
        else:
            lo = mid
    return hi


def footprint(target, accel, boot):
    """Smallest -m at which target runs apps/hello: bisection in MiB
    between 0 (taken as failing: QEMU's own firmware hangs in 1 MiB) and
    MEM, then, below FINE_BELOW_MIB, in FINE_KIB steps within the last MiB.
    A probe gets 4 times the median boot time (at least 20 s): a guest
    short of memory may hang rather than fail."""
    if boot is None:
        return None
    if "error" in boot:
        return {"error": "no boot to measure"}
    timeout = max(20.0, 4 * boot["qemu_to_main_ms"]["median"] / 1000)

    def runs(kib):
        return hello_runs_in(target, accel, kib, timeout)

    if not runs(MEM * 1024):
        return {"error": "hello does not run in %d MiB" % MEM}
    kib = bisect(runs, 0, MEM * 1024, 1024)
    if kib <= FINE_BELOW_MIB * 1024:
        kib = bisect(runs, kib - 1024, kib, FINE_KIB)
    return {"min_mem_kib": kib, "min_mem_mib": kib / 1024,
            "step_kib": FINE_KIB if kib <= FINE_BELOW_MIB * 1024 else 1024,
            "probe_timeout_s": timeout}


def image_bytes(target):
    """Size of target's kernel image (targets.sh TARGET --image), or None."""
    p = subprocess.run(["tests/bench/guest/targets.sh", target, "--image"],
                       env=dict(os.environ, BUILD=BUILD),
                       stdout=subprocess.PIPE, text=True)
    path = p.stdout.strip()
    return os.path.getsize(path) if p.returncode == 0 and path else None


def file_size(path):
    return os.path.getsize(path) if os.path.exists(path) else None


def sizes():
    """Bytes of what it takes to boot hello on each kernel: ours, the hello
    kernel ELF (the PVH -kernel file, unstripped and stripped) and the
    bootable images of `make` (GRUB ISO, qcow2 disk; present when APP is
    the default, hello); Linux, its vmlinuz and the initramfs with hello."""
    qemu_cmd("linux", os.path.join(BIN, "hello.elf"), "tcg", MEM)  # cpio
    elf = os.path.join(BUILD, "kernels", "hello.elf")
    stripped = os.path.join(LOGS, "hello-kernel.stripped.elf")
    if os.path.exists(elf):
        subprocess.run(["objcopy", "--strip-all", elf, stripped], check=True)
    images = os.path.join(BUILD, "images")
    return {
        "ours": {"kernel_elf": file_size(elf),
                 "kernel_elf_stripped": file_size(stripped),
                 "iso": file_size(os.path.join(images, "hello.iso")),
                 "qcow2": file_size(os.path.join(images, "hello.qcow2")),
                 "app_hello": file_size(os.path.join(BIN, "hello.elf"))},
        "linux": {"vmlinuz": image_bytes("linux"),
                  "initramfs_hello": file_size(os.path.join(LOGS,
                                                            "hello.cpio"))}}


def common_args(accel):
    cmd = qemu_cmd("linux", os.path.join(BIN, "bench_boot.elf"), accel, MEM)
    return cmd[:cmd.index("-kernel")], cmd[cmd.index("-append") + 1]


def main():
    os.makedirs(LOGS, exist_ok=True)
    for name in os.listdir(LOGS):  # logs of an earlier run would mislead
        if name.endswith(".log"):
            os.remove(os.path.join(LOGS, name))
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
           "ours": {}, "native": {"mm": None},
           "loadavg": open("/proc/loadavg").read().split()[0],
           "runs": {"boot": BOOT_RUNS, "mm": MM_RUNS}}
    boot_elf = os.path.join(BIN, "bench_boot.elf")
    mm_elf = os.path.join(BIN, "bench_mm.elf")
    boot_cmds = {t: qemu_cmd(t, boot_elf, accel, MEM) for t in TARGETS}
    mm_cmds = {t: qemu_cmd(t, mm_elf, accel, MM_MEM) for t in TARGETS}
    runnable = [t for t in TARGETS if boot_cmds[t] is not None]
    log("boot: %d rounds of bench_boot on %s between 2 boots of the empty "
        "kernel" % (BOOT_RUNS, runnable))
    res["machine"]["floor_ms"], boots = measure_boots(
        {t: boot_cmds[t] for t in runnable}, qemu_cmd("floor", "-", accel,
                                                      MEM))
    log("bench_mm: %d runs on %s + native" % (MM_RUNS, runnable))
    mm_cmds = {t: mm_cmds[t] for t in runnable}
    mm_cmds["native"] = [mm_elf]
    mm = measure_mm(mm_cmds)
    res["native"]["mm"] = mm["native"]
    for t in TARGETS:
        res[t]["boot"] = boots.get(t)
        res[t]["mm"] = mm.get(t)
        res[t]["image_bytes"] = image_bytes(t)
        if os.environ.get("BENCH_FOOTPRINT", "1") != "0":
            log("%s: footprint bisection" % t)
            res[t]["footprint"] = footprint(t, accel, res[t]["boot"])
        else:
            res[t]["footprint"] = {"error": "skipped (BENCH_FOOTPRINT=0)"}
    res["sizes"] = sizes()
    res["runtime_s"] = time.monotonic() - t0
    with open(os.path.join(OUT, "guest.json"), "w") as fh:
        json.dump(res, fh, indent=2)
    print(report.header(res))
    print(report.table(res))
    print("\n### The bench_mm figures in TSC cycles per operation\n")
    print(report.table_cycles(res))
    print("\n### Sizes: what booting hello takes\n")
    print(report.table_sizes(res))
    print("\n(guest part ran in %.0f s; logs in %s)" % (res["runtime_s"], LOGS))
    broken = [t for t in TARGETS for part in ("boot", "mm")
              if res[t][part] and "error" in res[t][part]]
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
