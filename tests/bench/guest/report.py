"""report.py: the markdown of the guest benchmarks (tests/bench/guest/
guest.py): a header that says how the figures were taken, the table
(Linux guest | this kernel | ratio | issue 10's target | host native), the
bench_mm figures again in TSC cycles, and the sizes."""

# Rows of the table: (key in the results, label, unit, issue-10 target as
# the most "this kernel / Linux" may be).
MM_ROWS = [
    ("getppid", "null syscall (getppid)", "ns/call", 1.0),
    ("fault_anon", "anonymous first-touch fault", "ns/fault", 0.5),
    ("cow_fault", "COW fault after fork", "ns/fault", 0.5),
    ("mmap_munmap_4k", "mmap+munmap 4 KiB", "ns/pair", 0.5),
    ("mmap_munmap_1m", "mmap+munmap 1 MiB", "ns/pair", 0.5),
    ("mprotect", "mprotect of a page", "ns/call", None),
    ("fork_exit_wait", "fork+exit+wait", "ns/op", None),
    ("spawn_exit_wait", "posix_spawn+exit+wait", "ns/op", None),
    ("thread_create_join", "pthread_create+join", "ns/op", None),
    ("futex_roundtrip", "futex wake round trip, two threads", "ns/op", None),
    ("signal_roundtrip", "signal to self, handler and sigreturn", "ns/op", None),
    ("timer_irqs_busy", "timer interrupts per second, one busy task",
     "irq/s", None),
    ("touch_1g", "first touch of 1 GiB anonymous memory", "ns", 0.3),
    ("touch_1g_faults", "faults taken by that first touch", "faults", None),
    ("touch_memfd_1g", "mmap and first touch of a 1 GiB memfd, shared", "ns",
     None),
    ("touch_memfd_1g_faults", "faults taken by that first touch", "faults",
     None),
    ("fork_1g", "fork+exit+wait, 1 GiB populated", "ns/op", None),
    ("frag_free_2m", "free memory in whole 2 MiB blocks after a fragmenting mix (higher is better)",
     "%", None),
    ("file_create_unlink", "file create+write 4 KiB+close+unlink (tmpfs)",
     "ns/file", None),
    ("file_write_1m", "1 MiB sequential write after truncate (tmpfs)",
     "ns/MiB", None),
    ("file_read_1m", "1 MiB sequential read (tmpfs)", "ns/MiB", None),
    ("getdents_1000", "getdents64 of a 1,000-entry directory (tmpfs)",
     "ns/listing", None),
]
BOOT_ROWS = [
    ("qemu_to_main_ms", "boot: QEMU start -> main (host wall)", 0.05),
    ("kernel_part_ms", "boot: kernel's part (the above minus its round's floor)",
     0.05),
    ("tsc_at_main_ms", "boot: vCPU reset -> main (guest TSC)", 0.05),
    ("uptime_at_main_ms", "boot: kernel uptime at main (informative)", None),
]


def fmt(x):
    return "%.0f" % x if x >= 100 else "%.3g" % x


def spread_text(f):
    return "%s [%s-%s]" % (fmt(f["median"]), fmt(f["min"]), fmt(f["max"]))


CLOCK_TOLERANCE = 0.05


def clock_rate(res):
    """The TSC rate (MHz) the host measured natively (else the Linux
    guest): the yardstick of every kernel's CLOCK_MONOTONIC."""
    for t in ("native", "linux"):
        mm = res[t]["mm"] or {}
        v = [x for x in mm.get("tsc_mhz", []) if x]
        if v:
            return sorted(v)[len(v) // 2]
    return None


def clock_off(values, rate):
    """The rates of values more than CLOCK_TOLERANCE away from rate."""
    if not rate:
        return []
    return [v for v in values or []
            if v is None or abs(v / rate - 1) > CLOCK_TOLERANCE]


def mm_clock_off(res, t):
    mm = res[t]["mm"] or {}
    return bool(clock_off(mm.get("tsc_mhz"), clock_rate(res)))


def mm_cell(res, key, ref=None, cycles=False, clock_bad=False):
    """(text, figure or None) for one bench_mm figure of one column; the
    figure (median, min, ...) only when it is valid.  cycles: the figure in
    TSC ticks, median [min], as {"median", "min"}.  clock_bad: the kernel's
    CLOCK_MONOTONIC disagreed with the TSC in a run, so its ns are void."""
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
    if cycles:
        c = {"median": f["cycles"], "min": f["cycles_min"]}
        return "%s [%s]" % (fmt(c["median"]), fmt(c["min"])), c
    if clock_bad:
        return "void: clock off (see the clock check)", None
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
        lt, lf = mm_cell(L["mm"], key, clock_bad=mm_clock_off(res, "linux"))
        ot, of = mm_cell(O["mm"], key, L["mm"],
                         clock_bad=mm_clock_off(res, "ours"))
        nt, _ = mm_cell(N["mm"], key)
        rr, met = ratio(of, lf, goal)
        rows.append("| %s | %s | %s | %s | %s | %s | %s |"
                    % (label, unit, lt, ot, rr, met, nt))
    fp = [footprint_text(t["footprint"]) for t in (L, O)]
    lf, of = (t["footprint"] or {} for t in (L, O))
    rr = met = "-"
    if "min_mem_mib" in of:
        met = "%s (<= 4 MiB)" % ("met" if of["min_mem_mib"] <= 4 else
                                 "missed")
        if "min_mem_mib" in lf:
            rr = "%.3fx" % (of["min_mem_mib"] / lf["min_mem_mib"])
    rows.append("| footprint: smallest -m running hello | MiB | %s | %s "
                "| %s | %s | - |" % (fp[0], fp[1], rr, met))
    sz = ["pending" if t["image_bytes"] is None else
          "%.0f" % (t["image_bytes"] / 1024) for t in (L, O)]
    rows.append("| kernel image (-kernel file; ours: with hello embedded) "
                "| KiB | %s | %s | - | see sizes | - |" % tuple(sz))
    return "\n".join(rows)


def footprint_text(f):
    if f is None:
        return "pending"
    if "min_mem_mib" not in f:
        return "error: %s" % f.get("error")
    return "%g (%d KiB steps)" % (f["min_mem_mib"], f["step_kib"])


def table_cycles(res):
    """The bench_mm figures in TSC ticks per operation, median [min] (under
    TCG the TSC follows host time: these are the ns above at the TSC rate,
    not counts of guest instructions)."""
    L, O, N = res["linux"], res["ours"], res["native"]
    rows = ["| measurement | unit | Linux guest: median [min] | this kernel "
            "| this kernel / Linux | host native |",
            "| --- | --- | --- | --- | --- | --- |"]
    for key, label, unit, _ in MM_ROWS:
        if not unit.startswith("ns/"):
            continue  # a count per second: no cycles to show
        lt, lf = mm_cell(L["mm"], key, cycles=True)
        ot, of = mm_cell(O["mm"], key, L["mm"], cycles=True)
        nt, _ = mm_cell(N["mm"], key, cycles=True)
        rr, _ = ratio(of, lf, None)
        rows.append("| %s | %s | %s | %s | %s | %s |"
                    % (label, unit.replace("ns/", "cycles/"), lt, ot, rr, nt))
    return "\n".join(rows)


def kib(n):
    return "-" if n is None else "%.0f" % (n / 1024)


def table_sizes(res):
    """What booting hello takes on disk: ours and Linux, and issue 10's
    512 KiB target judged on our smallest bootable file (the PVH ELF)."""
    s = res.get("sizes") or {}
    o, li = s.get("ours", {}), s.get("linux", {})
    elf = o.get("kernel_elf_stripped")
    met = "-" if elf is None else "%s (< 512 KiB)" % (
        "met" if elf < 512 * 1024 else "missed")
    both = None
    if li.get("vmlinuz") and li.get("initramfs_hello"):
        both = li["vmlinuz"] + li["initramfs_hello"]
    return "\n".join([
        "| what | KiB | issue target |",
        "| --- | --- | --- |",
        "| this kernel + hello, PVH ELF (`qemu -kernel`), unstripped | %s | - |"
        % kib(o.get("kernel_elf")),
        "| the same, stripped (`objcopy --strip-all`) | %s | %s |"
        % (kib(elf), met),
        "| bootable ISO of hello (GRUB, BIOS + UEFI) | %s | - |"
        % kib(o.get("iso")),
        "| qcow2 disk of hello (GPT, GRUB, BIOS + UEFI) | %s | - |"
        % kib(o.get("qcow2")),
        "| the hello program alone (static musl + libshim) | %s | - |"
        % kib(o.get("app_hello")),
        "| Linux: vmlinuz (bzImage) | %s | - |" % kib(li.get("vmlinuz")),
        "| Linux: initramfs holding hello as /init | %s | - |"
        % kib(li.get("initramfs_hello")),
        "| Linux: vmlinuz + that initramfs | %s | - |" % kib(both)])


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
        clock_check(res),
        ""])


def clock_check(res):
    """One line: the TSC rate each kernel's CLOCK_MONOTONIC implied in each
    run (bench_boot and bench_mm calibrate over 20 ms), against the host's;
    a kernel off by more than 5 % in a bench_mm run has its ns figures
    voided (its cycles stand), and the guest-TSC boot figure uses the rate
    most boots agreed on."""
    rate = clock_rate(res)
    parts = []
    for t, name in (("linux", "Linux"), ("ours", "this kernel")):
        boot = res[t]["boot"] or {}
        mm = res[t]["mm"] or {}
        bad = clock_off(boot.get("tsc_mhz"), rate) + \
            clock_off(mm.get("tsc_mhz"), rate)
        n = len(boot.get("tsc_mhz") or []) + len(mm.get("tsc_mhz") or [])
        parts.append("%s %s" % (name, "agrees in all %d runs" % n if not bad
                                else "**off in %d of %d runs (%s MHz)**"
                                % (len(bad), n, ", ".join(
                                    "%.0f" % v if v else "?" for v in bad))))
    return ("- clock check (TSC rate implied by each kernel's "
            "CLOCK_MONOTONIC, against the host's %s MHz, 5 %% tolerance): %s"
            % ("%.0f" % rate if rate else "?", "; ".join(parts)))
