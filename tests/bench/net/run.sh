#!/usr/bin/env bash
# tests/bench/net/run.sh BUILD: apps/httpd on the Linux guest and on this
# kernel (tests/bench/net/net.py); prints the markdown section, writes
# BUILD/bench/net.json and BUILD/bench/net.rows.json (the chart's rows).
set -eu
PYTHONDONTWRITEBYTECODE=1 exec python3 tests/bench/net/net.py "${1:-build}"
