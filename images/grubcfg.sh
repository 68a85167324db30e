#!/usr/bin/env bash
# grubcfg.sh CMDLINE [MODULE...] - prints images/grub.cfg.in with the kernel
# command line filled in, so that the kernel sees the words as typed, and a
# `module2 /boot/MODULE MODULE` line per MODULE (a file name in /boot/; the
# second word is the name the kernel prints).
#
# GRUB's script parser would remove quotes and backslashes and expand $VARS,
# and GRUB then rebuilds the line from its words, escaping `"` and `\` and
# quoting a word with blanks.  So each word of CMDLINE (split at blanks
# outside double quotes, the quotes kept as characters) is written as one
# single-quoted GRUB word; the kernel undoes GRUB's escaping
# (cmdline_from_grub in unikernel/cmdline.c) and gets CMDLINE back, with
# each run of blanks between words made one.
set -euo pipefail
cmdline=${1:-}
shift || true
words=() word= quoted=0 inword=0
for ((i = 0; i < ${#cmdline}; i++)); do
    c=${cmdline:i:1}
    if [[ $quoted == 0 && ( $c == ' ' || $c == $'\t' ) ]]; then
        [[ $inword == 1 ]] && words+=("$word")
        word= inword=0
        continue
    fi
    [[ $c == '"' ]] && quoted=$((1 - quoted))
    word+=$c inword=1
done
[[ $inword == 1 ]] && words+=("$word")
quote="'\"'\"'"   # a single quote inside a single-quoted word: '"'"'
line=
for word in "${words[@]+"${words[@]}"}"; do
    line+="${line:+ }'${word//\'/$quote}'"
done
# (no ${cfg//@CMDLINE@/...}: bash 5.2 treats & and \ in the replacement)
while IFS= read -r l; do
    case $l in
        *@CMDLINE@*) printf '%s%s%s\n' "${l%%@CMDLINE@*}" "$line" "${l#*@CMDLINE@}" ;;
        *@MODULES@*) for m in "$@"; do printf '%smodule2 /boot/%s %s\n' "${l%%@MODULES@*}" "$m" "$m"; done ;;
        *) printf '%s\n' "$l" ;;
    esac
done < "$(dirname "$0")/grub.cfg.in"
