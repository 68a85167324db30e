#!/usr/bin/env bash
# tests/bench/redis/run.sh BUILD: redis-server on the Linux guest and on
# this kernel, redis-benchmark on the host (tests/bench/redis/redis.py);
# prints the markdown section, writes BUILD/bench/redis.json and
# BUILD/bench/redis.rows.json (the chart's rows).
set -eu
PYTHONDONTWRITEBYTECODE=1 exec python3 tests/bench/redis/redis.py "${1:-build}"
