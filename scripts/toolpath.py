#!/usr/bin/env python3
"""Builds the directory of commands that `make deps` guarantees.

Usage: toolpath.py OUTDIR PACKAGE...

OUTDIR gets one symbolic link per command (from /usr/bin, /usr/sbin, /bin,
/sbin) that belongs to a package a fresh machine is sure to have after
`make deps`: the Essential and Priority-required packages of a minimal
Debian root, apt, the PACKAGEs named (the Makefile's DEPS) and everything
they depend on (Depends and Pre-Depends, first installed alternative, as
apt resolves them on a fresh machine; recommendations are not installed).
`make test` and `make bench` run with PATH=OUTDIR only, so a command that some script uses
but no package of DEPS brings fails here, not on the next machine.
"""
import os
import sys

STATUS = "/var/lib/dpkg/status"
INFO = "/var/lib/dpkg/info"
BIN_DIRS = ("/usr/bin", "/usr/sbin", "/bin", "/sbin")


def read_status():
    """Installed packages: name -> fields (Depends, Provides, ...)."""
    pkgs, fields, key = {}, {}, None
    with open(STATUS, encoding="utf-8", errors="replace") as f:
        for line in f.read().split("\n") + [""]:
            if not line:
                if fields.get("Status", "").endswith(" installed"):
                    pkgs[fields["Package"]] = fields
                fields, key = {}, None
            elif line[0] in " \t" and key:
                fields[key] += " " + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
    return pkgs


def names(field):
    """'a (>= 1) | b:any, c' -> [['a', 'b'], ['c']]"""
    out = []
    for clause in filter(None, (c.strip() for c in field.split(","))):
        alts = [a.split()[0].split(":")[0] for a in clause.split("|") if a.strip()]
        out.append(alts)
    return out


def closure(pkgs, roots):
    providers = {}
    for name, f in pkgs.items():
        for alts in names(f.get("Provides", "")):
            providers.setdefault(alts[0], []).append(name)
    chosen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        cands = [name] if name in pkgs else sorted(providers.get(name, []))
        if not cands or cands[0] in chosen:
            continue
        chosen.add(cands[0])
        f = pkgs[cands[0]]
        for field in ("Depends", "Pre-Depends"):
            for alts in names(f.get(field, "")):
                for alt in alts:
                    if alt in pkgs or alt in providers:
                        todo.append(alt)
                        break
    return chosen


def owned_commands(pkg):
    """Real paths of the executables a package ships under a bin folder."""
    real = set()
    for list_name in (pkg + ".list", pkg + ":amd64.list"):
        path = os.path.join(INFO, list_name)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for entry in f.read().split("\n"):
                if "/bin/" in entry or "/sbin/" in entry:
                    if os.path.isfile(entry):
                        real.add(os.path.realpath(entry))
    return real


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: toolpath.py OUTDIR PACKAGE...")
    outdir, wanted = sys.argv[1], sys.argv[2:]
    pkgs = read_status()
    missing = [p for p in wanted if p not in pkgs]
    if missing:
        sys.exit("toolpath: not installed: " + " ".join(missing))
    base = [n for n, f in pkgs.items()
            if f.get("Essential") == "yes" or f.get("Priority") == "required"]
    allowed = closure(pkgs, base + ["apt"] + wanted)
    real = set()
    for pkg in allowed:
        real |= owned_commands(pkg)
    tmp = outdir + ".tmp"
    os.makedirs(tmp, exist_ok=True)
    for old in os.listdir(tmp):
        os.unlink(os.path.join(tmp, old))
    count = 0
    for d in BIN_DIRS:
        if not os.path.isdir(d):
            continue
        for cmd in sorted(os.listdir(d)):
            src = os.path.join(d, cmd)
            link = os.path.join(tmp, cmd)
            if os.path.lexists(link) or not os.access(src, os.X_OK):
                continue
            if os.path.realpath(src) in real:
                os.symlink(src, link)
                count += 1
    if os.path.isdir(outdir):
        for old in os.listdir(outdir):
            os.unlink(os.path.join(outdir, old))
        os.rmdir(outdir)
    os.rename(tmp, outdir)
    print(f"toolpath: {count} commands from {len(allowed)} packages in {outdir}")


if __name__ == "__main__":
    main()
