# tests/summary.awk - what the terminal shows of a suite's TAP output
# (tests/run.sh keeps the whole of it in build/test-SUITE.log).
#
# Passing tests are folded, one line per group: "native: abi_tls" (a name
# "GROUP: SUB: what"), "test_page" ("GROUP: what"), or with pack=1 the
# names themselves, packed ("boot: a b c ...").  A failure is printed in
# full: the '#' lines before it (its details: the log's path and its last
# lines; at most the last 25), then its "not ok" line.
function flush(   line, n, i, words) {
    if (count == 0)
        return
    if (pack && items != "") {
        n = split(items, words, " ")
        line = "  ok  " group ":"
        for (i = 1; i <= n; i++) {
            if (length(line) + 1 + length(words[i]) > 100) {
                print line
                line = "       " sprintf("%*s", length(group), "")
            }
            line = line " " words[i]
        }
        print line
    } else {
        print "  ok  " group (count > 1 ? " (" count ")" : "")
    }
    count = 0
    items = ""
}
function name_of(line) {
    sub(/^(not )?ok( [0-9]+)? *(- )?/, "", line)
    return line
}
/^ok / {
    name = name_of($0)
    key = name
    item = ""
    if (match(name, /^[^:]+: [^:]+: /)) {
        key = substr(name, 1, RLENGTH - 2)
    } else if (match(name, /^[^:]+: /)) {
        key = substr(name, 1, RLENGTH - 2)
        item = substr(name, RLENGTH + 1)
    }
    if (key != group)
        flush()
    group = key
    count++
    if (item != "")
        items = items " " item
    ndetail = 0
    next
}
/^not ok / {
    flush()
    group = ""
    first = ndetail > 25 ? ndetail - 25 : 0
    for (i = first; i < ndetail; i++)
        print detail[i]
    print
    ndetail = 0
    next
}
/^#/ {
    detail[ndetail++] = $0
    next
}
END {
    flush()
}
