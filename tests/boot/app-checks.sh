# tests/boot/app-checks.sh - build checks of the embedded application,
# sourced by tests/boot/run.sh (uses its build_check, $out and $build).
# A malformed ELF must fail the build with elfcheck's message; the boot
# cases app-bad-* check the kernel's own refusal of the same files.

# The embed step alone, in a scratch build directory, on the malformed
# versions of hello that unikernel/task.mk builds in BUILD/elf-bad/.
app_elf_check() { # NAME FILE MESSAGE
    build_check "$1" "$3" make --no-print-directory BUILD="$out/badelf" \
        ELF="$build/elf-bad/$2" "$out/badelf/embed/app.elf"
}
app_elf_check build-rejects-bad-elf bad-machine.elf "ELF: machine 3 is not x86_64"
app_elf_check build-rejects-truncated-elf truncated.elf "ELF: segment 1: file bytes .* are outside the file"
app_elf_check build-rejects-overlapping-elf overlap.elf "ELF: segment 1 .* shares a page with segment 0"
app_elf_check build-rejects-elf-outside-window low-window.elf "ELF: segment 0 .* leaves the user window"
