#!/bin/sh
# fetch-source.sh BUILD PACKAGE VERSION - unpacks Debian's source package
# PACKAGE at VERSION (with Debian's patches applied) into
# BUILD/src/PACKAGE-VERSION and prints that directory.  A VERSION ending in
# '*' (7.0.15-1~deb12u*) takes the newest Debian revision it matches, so a
# security update does not break the build when the archive drops the
# revision it replaced.
#
# Third-party source (lwIP, the applications of apps/*/recipe) is never
# committed: it comes from Debian's archive at build time, through an apt
# configuration private to BUILD/apt (its own sources list, lists and
# cache), so the machine's apt configuration and state are untouched and
# no root is needed.  apt checks the archive's signed Release files and
# every file's hash.  A second call with the same version does nothing.
set -eu
build=$1 pkg=$2 version=$3
dest=$build/src/$pkg-$version
if [ -f "$dest/.fetched" ] && [ "$(cat "$dest/.fetched")" = "$version" ]; then
    echo "$dest"
    exit 0
fi
apt=$(mkdir -p "$build/apt" && cd "$build/apt" && pwd)
mkdir -p "$apt/etc/sources.list.d" "$apt/etc/preferences.d" \
         "$apt/etc/apt.conf.d" "$apt/lists/partial" "$apt/cache/archives/partial"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat > "$apt/etc/sources.list" <<LIST
deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm main
deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm-updates main
deb-src [signed-by=$keyring] http://deb.debian.org/debian-security bookworm-security main
LIST
set -- -q -o Dir::Etc="$apt/etc" -o Dir::Etc::SourceList="$apt/etc/sources.list" \
    -o Dir::Etc::SourceParts="$apt/etc/sources.list.d" \
    -o Dir::Etc::Parts="$apt/etc/apt.conf.d" \
    -o Dir::Etc::PreferencesParts="$apt/etc/preferences.d" \
    -o Dir::State="$apt" -o Dir::State::Lists="$apt/lists" \
    -o Dir::State::status=/dev/null -o Dir::Cache="$apt/cache" \
    -o Debug::NoLocking=1 -o APT::Sandbox::User=root
log=$apt/fetch-$pkg.log
# The lists are fetched once per build tree (a day old: fetched again).
if [ -z "$(find "$apt/lists" -maxdepth 1 -name '*Sources*' -mtime -1 2>/dev/null)" ]; then
    apt-get "$@" update > "$log" 2>&1 || {
        tail -5 "$log" >&2; echo "fetch-source: apt-get update failed (log: $log)" >&2; exit 1; }
fi
case $version in *\*)
    want=$version
    version=$(apt-cache "$@" showsrc "$pkg" 2>>"$log" | sed -n 's/^Version: //p' |
        while read -r v; do case ${v#*:} in $want) echo "$v" ;; esac; done |
        sort -V | tail -1)
    [ -n "$version" ] || {
        echo "fetch-source: Debian has no source $pkg matching $want" >&2; exit 1; }
    dest=$build/src/$pkg-$want
    dest=$(echo "$dest" | tr -d '*')
    if [ -f "$dest/.fetched" ] && [ "$(cat "$dest/.fetched")" = "$version" ]; then
        echo "$dest"; exit 0
    fi ;;
esac
work=$build/src/.dl-$pkg
rm -rf "$work" && mkdir -p "$work"
(cd "$work" && apt-get "$@" source --download-only "$pkg=$version") >> "$log" 2>&1 || {
    tail -5 "$log" >&2
    echo "fetch-source: Debian has no source $pkg=$version (log: $log)" >&2
    exit 1
}
rm -rf "$dest"
# The .dsc's own signature is checked only where a Debian keyring for
# uploaders is installed; the hashes apt checked come from the signed
# Release file either way.
mkdir -p "$build/src"
abs_dest=$(cd "$build/src" && pwd)/${dest##*/}
(cd "$work" && dpkg-source --no-check -x ./*.dsc "$abs_dest") >> "$log" 2>&1 || {
    tail -5 "$log" >&2; echo "fetch-source: dpkg-source could not unpack $pkg (log: $log)" >&2; exit 1; }
rm -rf "$work"
echo "$version" > "$dest/.fetched"
echo "$dest"
