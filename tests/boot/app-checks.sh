# tests/boot/app-checks.sh - build checks of the embedded application,
# sourced by tests/boot/run.sh (uses its build_check, $out and $build).
# A malformed ELF must fail the build with elfcheck's message; the boot
# case app-bad-elf checks the kernel's own refusal.

# The embed step alone, in a scratch build directory, on hello with an
# i386 e_machine (built by unikernel/task.mk as elf-bad/bad-machine.elf).
build_check build-rejects-bad-elf "ELF: machine 3 is not x86_64" \
    make --no-print-directory BUILD="$out/badelf" ELF="$build/elf-bad/bad-machine.elf" \
    "$out/badelf/embed/app.elf"
build_check build-rejects-truncated-elf "ELF: " \
    make --no-print-directory BUILD="$out/badelf" ELF="$build/elf-bad/truncated.elf" \
    "$out/badelf/embed/app.elf"
