#!/usr/bin/env bash
# fetch-linux.sh DEST: puts Debian's current amd64 kernel (the package that
# the linux-image-amd64 metapackage depends on) in DEST/, fetched with
# `apt-get download` and unpacked with `dpkg -x` (never installed on the
# host).  Leaves DEST/vmlinuz (a link into the unpacked tree) and
# DEST/package ("name version").  Cached: does nothing when DEST/vmlinuz
# exists.
set -eu
dest=$1
[ -e "$dest/vmlinuz" ] && exit 0

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
# The guest's initramfs holds only /init: the modules are never loaded.
rm -rf "$dest.tmp/root/lib/modules" "$dest.tmp/root/usr/lib/modules"
echo "$pkg $(dpkg-deb -f "$deb" Version)" > "$dest.tmp/package"
rm -f "$deb"
vmlinuz=$(cd "$dest.tmp" && ls root/boot/vmlinuz-*)
ln -s "$vmlinuz" "$dest.tmp/vmlinuz"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "fetch-linux: $(cat "$dest/package") in $dest"
