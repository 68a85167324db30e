#!/usr/bin/env bash
# tests/bench/guest/run.sh BUILD: runs the bench apps on the Linux guest, on
# this kernel (tests/bench/guest/targets.sh; "pending" until it runs apps)
# and natively; prints the markdown table, writes BUILD/bench/guest.json.
set -eu
PYTHONDONTWRITEBYTECODE=1 exec python3 tests/bench/guest/guest.py "${1:-build}"
