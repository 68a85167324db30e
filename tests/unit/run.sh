#!/usr/bin/env bash
# Unit suite: runs every host test binary in build/unit/ (cmocka in TAP mode
# or plain "ok - name" lines).  A binary that dies without saying which test
# failed counts as one failure.
set -u
build=${1:-build}
status=0
for t in "$build"/unit/*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1); rc=$?
    printf '%s\n' "$out" | sed -e "s/^\(not \)\?ok [0-9]* *-* */&$name: /"
    if [ $rc -ne 0 ] && ! printf '%s\n' "$out" | grep -q '^not ok'; then
        echo "not ok - $name: exited with status $rc"
        status=1
    fi
done
exit $status
