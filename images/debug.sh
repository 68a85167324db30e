#!/usr/bin/env bash
# debug.sh MODE IMAGE KERNEL-ELF APP-ELF [CMDLINE] - boots IMAGE like
# images/qemu.sh MODE, halted at the first instruction (-S) with QEMU's gdb
# stub on localhost:$GDB_PORT, and attaches gdb with the symbols of the
# kernel and of the application (a static ELF linked at fixed addresses, so
# add-symbol-file needs no offset).  Writes the gdb commands to
# debug.gdb beside KERNEL-ELF's build directory (build/debug/).
#
# GDB=yes (default): QEMU runs in the background, its serial console goes to
#   build/debug/serial.log, gdb runs in the foreground with GDBFLAGS (e.g.
#   '-batch -ex "hbreak kernel_main" -ex continue -ex bt'); QEMU is stopped
#   when gdb exits.
# GDB=no: prints the gdb commands, then runs QEMU in the foreground with the
#   serial console on the terminal, until the kernel exits (its status).
set -uo pipefail
mode=${1:?mode} image=${2:?image} kernel=${3:?kernel} app=${4:?app} cmdline=${5:-}
here=$(dirname "$0")
port=${GDB_PORT:-1234}
dir=$(dirname "$kernel")/debug
mkdir -p "$dir"
script=$dir/debug.gdb
{
    echo "file $kernel"
    # (confirm off: add-symbol-file would ask before loading the symbols)
    [ ! -f "$app" ] || printf 'set confirm off\nadd-symbol-file %s\nset confirm on\n' "$app"
    echo "target remote localhost:$port"
} > "$script"
export QEMU_EXTRA="-S -gdb tcp:127.0.0.1:$port -pidfile $dir/qemu.pid"

if [ "${GDB:-yes}" = no ]; then
    cat <<EOF
debug: QEMU is halted at the first instruction; gdb stub on localhost:$port.
debug: in another terminal, run   gdb -x $script
debug: or type these gdb commands:
$(sed 's/^/    /' "$script")
    hbreak kernel_main        # a hardware breakpoint: the kernel is not mapped yet
    continue
debug: the serial console follows; Ctrl-A X quits QEMU.
EOF
    exec "$here/qemu.sh" "$mode" "$image" "$cmdline"
fi

command -v gdb > /dev/null || { echo "debug: gdb missing (run 'make deps')" >&2; exit 1; }
rm -f "$dir/qemu.pid"
SERIAL=file:$dir/serial.log "$here/qemu.sh" "$mode" "$image" "$cmdline" < /dev/null &
runner=$!
# Wait (5 s at most) until QEMU listens on the port: /proc/net/tcp lists
# it in hex, state 0A.
listening() { grep -qi ":$(printf '%04X' "$port") 00000000:0000 0A" /proc/net/tcp; }
for _ in $(seq 50); do listening && break; sleep 0.1; done
if ! listening; then
    echo "debug: QEMU's gdb stub is not listening on port $port" >&2
    wait "$runner"
    exit 1
fi
echo "debug: gdb attached to QEMU (localhost:$port); serial console in $dir/serial.log"
# shellcheck disable=SC2086  # GDBFLAGS is a list of words on purpose
eval gdb -q -x "$script" $GDBFLAGS
[ ! -f "$dir/qemu.pid" ] || kill "$(cat "$dir/qemu.pid")" 2> /dev/null
wait "$runner" 2> /dev/null
echo "debug: last lines of the serial console:"
tail -n 5 "$dir/serial.log"
