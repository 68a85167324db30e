"""report.py: the markdown of the guest benchmarks (tests/bench/guest/
guest.py): a header that says how the figures were taken and the table,
Linux guest | this kernel | ratio | issue 10's target | host native."""

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
    ("kernel_part_ms", "boot: kernel's part (the above minus the floor)",
     0.05),
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
    f = res["machine"]["floor_ms"]
    ft = ("error: " + f["error"] if "error" in f else "%s [%s-%s]"
          % (fmt(f["median"]), fmt(f["min"]), fmt(f["max"])))
    rows.append("| boot floor: QEMU start -> exit of an empty kernel | ms "
                "| %s | same machine | - | - | - |" % ft)
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
        "- figures: median [min-max]; boot: over %d boots per kernel; "
        "bench_mm: median of %d runs' medians, min and max over all their "
        "rounds; runs interleaved across kernels; host native = the same "
        "binary run directly on the build host"
        % (res["runs"]["boot"], res["runs"]["mm"]),
        "- host load average at start: %s" % res["loadavg"],
        ""])
