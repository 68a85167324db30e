#!/bin/sh
# recipe.sh - builds a third-party application from its recipe,
# apps/NAME/recipe (the format: docs/recipes.md).
#
#   recipe.sh make-vars apps/NAME
#       prints the recipe's settings as make assignments (RECIPE_NAME_*),
#       for apps/recipes.mk, which includes them
#   recipe.sh build apps/NAME BUILD
#       fetches the Debian source (scripts/fetch-source.sh), runs the
#       recipe's build() in BUILD/apps/NAME/work and checks that every
#       program of `programs` is in BUILD/apps/NAME/ afterwards, static and
#       linked with libshim
#
# build() runs under `set -e` with: $src the unpacked source (read only by
# convention: build out of tree or in a copy), $out where the programs go,
# $CC (musl-gcc), $CFLAGS, $SHIM_LIB (libshim.a, absolute), $JOBS, and the
# shell function shim_link OUT OBJS/FLAGS... (links a static program with
# libshim, refusing one that got musl's malloc, as apps/build.mk does).
set -eu
cmd=$1 dir=${2%/}
name=${dir##*/}
recipe=$dir/recipe
[ -f "$recipe" ] || { echo "recipe: $recipe: no such file" >&2; exit 1; }

package= version= programs= files= modfiles= cmdline= mem= ports=
build() { echo "recipe: $recipe defines no build()" >&2; return 1; }
# shellcheck disable=SC1090
. "./$recipe"
for key in package version programs; do
    eval "[ -n \"\$$key\" ]" || { echo "recipe: $recipe: '$key' is not set" >&2; exit 1; }
done

case $cmd in
make-vars)
    # Values go through make as written: the recipe keeps them free of $.
    for key in package version programs files modfiles cmdline mem ports; do
        eval "value=\$$key"
        case $value in *'$'*)
            echo "recipe: $recipe: $key holds a '\$'" >&2; exit 1 ;; esac
        echo "RECIPE_${name}_$key := $value"
    done
    ;;
build)
    buildroot=$(cd "$3" && pwd)
    src=$(scripts/fetch-source.sh "$buildroot" "$package" "$version")
    out=$buildroot/apps/$name
    work=$out/work
    log=$out/build.log
    rm -rf "$work" && mkdir -p "$work"
    CC=${MUSLCC:-musl-gcc}
    CFLAGS=${RECIPE_CFLAGS:--O2}
    SHIM_LIB=$buildroot/libshim.a
    JOBS=${JOBS:-2}
    # musl's malloc objects: none may be linked (libc-shim/build.mk).
    musl_malloc=${SHIM_MUSL_MALLOC:?SHIM_MUSL_MALLOC (from libc-shim/build.mk)}
    shim_link() {
        target=$1; shift
        "$CC" -static -O2 -Wl,-Map="$target.map" -Wl,-u,malloc -o "$target" "$@" "$SHIM_LIB"
        if grep -Eq "libc\\.a\\($musl_malloc\\)" "$target.map"; then
            echo "recipe: $target: musl's malloc got linked" >&2
            rm -f "$target"; return 1
        fi
    }
    export CC CFLAGS
    echo "  RECIPE  $name: $package $version from $src (log: $log)"
    if ! (cd "$work" && set -e && build) > "$log" 2>&1; then
        tail -20 "$log" >&2
        echo "recipe: $name: build() failed (log: $log)" >&2
        exit 1
    fi
    for p in $programs; do
        [ -x "$out/$p" ] || { echo "recipe: $name: build() made no $out/$p" >&2; exit 1; }
        [ -f "$out/$p.map" ] || { echo "recipe: $name: $p not linked by shim_link" >&2; exit 1; }
    done
    ;;
*)
    echo "usage: recipe.sh make-vars|build apps/NAME [BUILD]" >&2; exit 2 ;;
esac
