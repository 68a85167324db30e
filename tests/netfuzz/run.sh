#!/usr/bin/env bash
# tests/netfuzz/run.sh [BUILD] - the hostile network for longer than the
# boot case (make fuzz): kernels/httpd.elf on a QEMU dgram netdev and
# hostile.py beside it, NETFUZZ_COUNT frames (default 200000) in at most
# NETFUZZ_SECONDS (default 300), seed NETFUZZ_SEED (default: the date).
# ok when the host's checks pass, the guest exits 0 without a panic, and
# lwIP holds no more blocks at the end than NETFUZZ_BLOCKS (default 40),
# counted after lwIP's own timeouts: 22 s from the last hostile frame, past
# TCP_SYN_RCVD_TIMEOUT (20 s), so the flood's half-open connections whose
# SYN-ACKs went unanswered are gone (net/README.md).
set -u
build=${1:-build}
count=${NETFUZZ_COUNT:-200000} secs=${NETFUZZ_SECONDS:-300}
seed=${NETFUZZ_SEED:-$(date +%s)} max=${NETFUZZ_BLOCKS:-40}
out=$build/netfuzz; mkdir -p "$out"
free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export PORT1=$(free_port) PORT2=$(free_port)
limit=$((secs + 120))
timeout "$limit" tests/netfuzz/hostile.py --count "$count" --seconds "$secs" \
    --seed "$seed" --drain 22 < /dev/null > "$out/host.log" 2>&1 &
host=$!
ACCEL=${BOOT_ACCEL:-tcg} MEM=256M QEMU_EXTRA="-netdev dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=$PORT1,remote.type=inet,remote.host=127.0.0.1,remote.port=$PORT2 -device virtio-net-pci,netdev=n0" \
    images/qemu.sh -t "$limit" pvh "$build/kernels/httpd.elf" \
    "ip=10.0.2.15/24 gw=10.0.2.2 dns=127.0.0.1 -- -r /apps/httpd" \
    < /dev/null 2>&1 | tr -d '\r' > "$out/guest.log"
status=${PIPESTATUS[0]}
host_status=0; wait "$host" || host_status=$?
blocks=$(sed -n 's/^proc: lwIP holds \([0-9]*\) blocks$/\1/p' "$out/guest.log")
sent=$(grep -o '[0-9]* hostile frames in [0-9.]* s' "$out/host.log")
if [ "$status" = 0 ] && [ "$host_status" = 0 ] && [ -n "$blocks" ] &&
   [ "$blocks" -le "$max" ] && ! grep -q panic "$out/guest.log"; then
    echo "ok - netfuzz: ${sent:-?}, seed $seed, lwIP holds $blocks blocks at the end"
else
    tail -n 15 "$out/host.log" "$out/guest.log" | sed 's/^/# /'
    echo "not ok - netfuzz: seed $seed (guest $status, host $host_status, blocks ${blocks:-?}; $out/)"
fi
