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


def spread_text(f):
    return "%s [%s-%s]" % (fmt(f["median"]), fmt(f["min"]), fmt(f["max"]))


def mm_cell(res, key, ref=None):
    """(text, figure or None) for one bench_mm figure of one column; the
    figure (median, min, ...) only when it is valid."""
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
    return spread_text(f), f


def boot_cell(boot, key):
    """(text, figure or None) for one boot row of one column."""
    if boot is None:
        return "pending", None
    if "error" in boot:
        return "error: " + boot["error"], None
    return spread_text(boot[key]), boot[key]


def ratio(ours, linux, goal):
    """Ratio of the medians (and of the minimums, which host load inflates
    far less) and whether the median ratio meets issue 10's goal."""
    if ours is None or linux is None or not linux["median"]:
        return "-", "-"
    r = ours["median"] / linux["median"]
    text = "%.2fx" % r
    if linux["min"] > 0:
        text += " (min %.2fx)" % (ours["min"] / linux["min"])
    if goal is None:
        return text, "-"
    return text, "%s (<= %gx)" % ("met" if r <= goal else "missed", goal)


def table(res):
    L, O, N = res["linux"], res["ours"], res["native"]
    rows = ["| measurement | unit | Linux guest: median [min-max] | "
            "this kernel | this kernel / Linux | issue target | host native |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    f = res["machine"]["floor_ms"]
    ft = "error: " + f["error"] if "error" in f else spread_text(f)
    rows.append("| boot floor: QEMU start -> exit of an empty kernel | ms "
                "| %s | same machine | - | - | - |" % ft)
    for key, label, goal in BOOT_ROWS:
        lt, lf = boot_cell(L["boot"], key)
        ot, of = boot_cell(O["boot"], key)
        rr, met = ratio(of, lf, goal)
        rows.append("| %s | ms | %s | %s | %s | %s | - |"
                    % (label, lt, ot, rr, met))
    for key, label, unit, goal in MM_ROWS:
        lt, lf = mm_cell(L["mm"], key)
        ot, of = mm_cell(O["mm"], key, L["mm"])
        nt, _ = mm_cell(N["mm"], key)
        rr, met = ratio(of, lf, goal)
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
