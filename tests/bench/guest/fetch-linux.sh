#!/usr/bin/env bash
# fetch-linux.sh DEST: puts Debian's current amd64 kernel (the package that
# the linux-image-amd64 metapackage depends on) in DEST/, fetched with
# `apt-get download` and unpacked with `dpkg -x` (never installed on the
# host).  Leaves DEST/vmlinuz (a link into the unpacked tree) and
# DEST/package ("name version"), and DEST/modules/: the modules the network
# benchmarks load (virtio_net and what modules.dep says it needs), with
# DEST/modules/order listing them in load order.  Cached: does nothing when
# DEST/vmlinuz and DEST/modules/order exist.
set -eu
dest=$1
[ -e "$dest/vmlinuz" ] && [ -e "$dest/modules/order" ] && exit 0

pick() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}
pkg=$(pick)
if [ -z "$pkg" ]; then
    apt-get update -qq
    pkg=$(pick)
fi
[ -n "$pkg" ] || { echo "fetch-linux: no linux-image-amd64 in apt" >&2; exit 1; }

rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
# Downloading as root into a directory _apt cannot write: no sandbox user.
(cd "$dest.tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg")
deb=$(ls "$dest.tmp"/*.deb)
dpkg -x "$deb" "$dest.tmp/root"
# The guest's initramfs holds /init and, for the network benchmarks, the
# NIC driver: keep virtio_pci and virtio_net (modules in Debian's kernel)
# and what their modinfo "depends=" names, recursively (the package has no
# modules.dep: depmod makes it on install), dependencies first; drop the
# other modules.
moddir=$(ls -d "$dest.tmp"/root/lib/modules/* "$dest.tmp"/root/usr/lib/modules/* 2>/dev/null | head -1)
mkdir -p "$dest.tmp/modules"
python3 - "$moddir" "$dest.tmp/modules" virtio_pci virtio_net <<'PY'
import os, re, shutil, sys
moddir, out, want = sys.argv[1], sys.argv[2], sys.argv[3:]
by_name = {}
for d, _, files in os.walk(moddir):
    for f in files:
        if f.endswith(".ko"):
            by_name[f[:-3].replace("-", "_")] = os.path.join(d, f)
order = []
def add(name):
    if name not in by_name:
        sys.exit("fetch-linux: %s not a module of this kernel" % name)
    data = open(by_name[name], "rb").read()
    m = re.search(rb"\0depends=([^\0]*)\0", data)
    for dep in (m.group(1).decode().split(",") if m else []):
        if dep:
            add(dep.replace("-", "_"))
    if name not in order:
        order.append(name)
for name in want:
    add(name)
with open(os.path.join(out, "order"), "w") as fh:
    for name in order:
        shutil.copy(by_name[name], out)
        fh.write(os.path.basename(by_name[name]) + "\n")
PY
rm -rf "$dest.tmp/root/lib/modules" "$dest.tmp/root/usr/lib/modules"
echo "$pkg $(dpkg-deb -f "$deb" Version)" > "$dest.tmp/package"
rm -f "$deb"
vmlinuz=$(cd "$dest.tmp" && ls root/boot/vmlinuz-*)
ln -s "$vmlinuz" "$dest.tmp/vmlinuz"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "fetch-linux: $(cat "$dest/package") in $dest"
