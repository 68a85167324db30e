#!/usr/bin/env python3
"""nginx.py BUILD: nginx (apps/nginx's recipe, build/apps/nginx.elf: a
master and 2 workers, apps/nginx/nginx.conf) on this kernel and on the
Linux guest, the same binary and files, one QEMU machine for both
(tests/bench/net/net.py's compare); wrk on the host against the small
page /index.html, keep-alive and a connection per request: requests per
second and latency p50/p99.  Prints the markdown section, writes
BUILD/bench/nginx.json and nginx.rows.json (the chart's rows).

Environment: net.py's BENCH_ACCEL, NET_BENCH_RUNS (rounds, 3),
NET_BENCH_SECONDS (one wrk run, 4), NET_BENCH_CONNS (10)."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "net"))
import net  # noqa: E402

PAGE = "/index.html"


def client(port):
    res = {}
    for key, close in (("keepalive", False), ("close", True)):
        try:
            res[key] = net.wrk(port, PAGE, close=close)
        except Exception as e:  # subprocess and parse failures
            res[key] = {"error": str(e) or type(e).__name__}
            break
    return res


def rows_of(res):
    rows = []
    for r in net.httpd_rows(res):
        if "bulk" in r["label"]:
            continue  # nginx's rows: the small page only
        r = dict(r, label=r["label"].replace("httpd:", "nginx:", 1),
                 short=r["short"].replace("httpd", "nginx", 1))
        rows.append(r)
    return rows


def main():
    os.makedirs(net.LOGS, exist_ok=True)
    t0 = time.monotonic()
    app = os.path.join(net.BUILD, "apps", "nginx.elf")
    etc = os.path.join(net.OUT, "nginx")
    os.makedirs(etc, exist_ok=True)
    # The Linux guest's initramfs has no /etc: nginx's `user root root`
    # looks both names up (our kernel's tmpfs has them).
    for name, text in (("passwd", "root:x:0:0:root:/:/bin/sh\n"),
                       ("group", "root:x:0:\n")):
        with open(os.path.join(etc, name), "w") as fh:
            fh.write(text)
    res = net.compare(
        app, 80, r"start worker process", client,
        args=["-p", "/", "-c", "apps/nginx/nginx.conf"],
        files=["apps/nginx/nginx.conf=apps/nginx/nginx.conf",
               "apps/nginx/html/index.html=apps/nginx/html/index.html",
               "etc/passwd=" + os.path.join(etc, "passwd"),
               "etc/group=" + os.path.join(etc, "group"), "tmp/"],
        quit_path=lambda g: g.proc.kill(), name="nginx")
    rows = rows_of(res)
    net.write_rows("nginx", rows)
    with open(os.path.join(net.OUT, "nginx.json"), "w") as fh:
        json.dump({"accel": net.ACCEL, "seconds": net.SECONDS,
                   "conns": net.CONNS, "runs": net.RUNS, "results": res},
                  fh, indent=2)
    print("## nginx: a small page\n")
    print("nginx 1.22 (apps/nginx/recipe: Debian's source, static, our "
          "malloc; a master and 2 workers), the same binary and "
          "apps/nginx/nginx.conf on each kernel, one QEMU machine under %s "
          "with a virtio-net NIC on QEMU's user network (as the httpd "
          "rows).  Client on the host: wrk -t1 -c%d -d%ds --latency on "
          "%s (%d bytes).  Both guests booted at once, %d rounds "
          "alternating them; medians.  Ratio above 1: this kernel is "
          "better.\n" % (net.ACCEL, net.CONNS, net.SECONDS, PAGE,
                         os.path.getsize("apps/nginx/html/index.html"),
                         net.RUNS))
    print(net.md_table(rows))
    for t in net.TARGETS:
        e = res[t].get("error") or res[t].get("round_error")
        if e:
            print("\n- error: %s: %s" % (t, e))
        for mode in ("keepalive", "close"):
            e = res[t].get(mode, {}).get("errors")
            if e:
                print("\n- wrk on %s (%s), first round: %s" % (t, mode, e))
    print("\n(nginx part ran in %.0f s; logs in %s)"
          % (time.monotonic() - t0, net.LOGS))
    return 1 if any("error" in res[t] for t in net.TARGETS) else 0


if __name__ == "__main__":
    sys.exit(main())
