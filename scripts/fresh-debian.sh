#!/usr/bin/env bash
# fresh-debian.sh [WORKDIR] - runs the README's two commands, `make run`
# then `make test`, in a fresh minimal Debian 12 root (debootstrap
# --variant=minbase, plus git and make only), from a clone of this
# repository's HEAD: the proof that `make deps` installs all that the build
# and the tests need.  Then interrupts a `make test` in the middle of its
# build and runs it again, which must pass too.  Needs root and debootstrap;
# takes 20-40 minutes under TCG.  Not part of `make test`.
#
# FRESH_NO_INTERRUPT=1 stops after the first `make test`.
# WORKDIR (default /tmp/fresh-debian) keeps the pristine root as a tarball
# between runs; each run unpacks a new copy.  Logs: WORKDIR/*.log.
set -euo pipefail
work=${1:-/tmp/fresh-debian}
repo=$(git rev-parse --show-toplevel)
[ "$(id -u)" = 0 ] || { echo "fresh-debian: run as root" >&2; exit 2; }
command -v debootstrap > /dev/null || apt-get install -y -qq debootstrap
mkdir -p "$work"
if [ ! -f "$work/pristine.tar" ]; then
    rm -rf "$work/pristine"
    debootstrap --variant=minbase bookworm "$work/pristine" http://deb.debian.org/debian \
        > "$work/debootstrap.log" 2>&1
    cp /etc/resolv.conf "$work/pristine/etc/"
    chroot "$work/pristine" sh -c 'apt-get update -qq && apt-get install -y -qq git make && apt-get clean' \
        > "$work/git-make.log" 2>&1
    tar -C "$work/pristine" -cf "$work/pristine.tar" .
    rm -rf "$work/pristine"
fi
root=$work/root
cleanup() {
    for m in dev/pts dev proc sys; do
        mountpoint -q "$root/$m" && umount -l "$root/$m" || true
    done
}
trap cleanup EXIT
cleanup
rm -rf "$root"
mkdir -p "$root"
tar -C "$root" -xf "$work/pristine.tar"
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
cp /etc/resolv.conf "$root/etc/"
git clone -q "$repo" "$root/src"
in_root() { chroot "$root" env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb bash -c "cd /src && $1"; }
echo "fresh-debian: make run"
in_root 'make run < /dev/null' > "$work/make-run.log" 2>&1 || { tail -20 "$work/make-run.log"; exit 1; }
echo "fresh-debian: make test"
in_root 'make test' > "$work/make-test.log" 2>&1 || { tail -30 "$work/make-test.log"; exit 1; }
tail -1 "$work/make-test.log"
[ -z "${FRESH_NO_INTERRUPT:-}" ] || { echo "fresh-debian: ok"; exit 0; }
echo "fresh-debian: make test interrupted in its build, then again"
in_root 'make clean > /dev/null; timeout -s INT 25 make test' > "$work/make-test-int.log" 2>&1 || true
in_root 'make test' > "$work/make-test-again.log" 2>&1 || { tail -30 "$work/make-test-again.log"; exit 1; }
tail -1 "$work/make-test-again.log"
echo "fresh-debian: ok"
