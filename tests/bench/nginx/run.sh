#!/usr/bin/env bash
# tests/bench/nginx/run.sh BUILD: nginx on the Linux guest and on this
# kernel, wrk on the host (tests/bench/nginx/nginx.py); prints the markdown
# section, writes BUILD/bench/nginx.json and BUILD/bench/nginx.rows.json.
set -eu
PYTHONDONTWRITEBYTECODE=1 exec python3 tests/bench/nginx/nginx.py "${1:-build}"
