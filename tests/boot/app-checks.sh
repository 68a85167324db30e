# tests/boot/app-checks.sh - build checks of the embedded application,
# sourced by tests/boot/run.sh (uses its build_check, $out and $build).
# A malformed ELF must fail the build with elfcheck's message; the boot
# cases app-bad-* check the kernel's own refusal of the same files.

# The embed step alone, in a scratch build directory, on the malformed
# versions of hello that tests/boot/build.mk builds in BUILD/elf-bad/.
app_elf_check() { # NAME FILE MESSAGE
    build_check "$1" "$3" make --no-print-directory BUILD="$out/badelf" \
        ELF="$build/elf-bad/$2" "$out/badelf/embed/app.elf"
}
app_elf_check build-rejects-bad-elf bad-machine.elf "ELF: machine 3 is not x86_64"
app_elf_check build-rejects-truncated-elf truncated.elf "ELF: segment 1: file bytes .* are outside the file"
app_elf_check build-rejects-overlapping-elf overlap.elf "ELF: segment 1 .* shares a page with segment 0"
app_elf_check build-rejects-elf-outside-window low-window.elf "ELF: segment 0 .* leaves the user window"

# A cpio that writes nothing and says nothing (a broken or interrupted
# tool): the embed step must refuse the empty archive, and leave no
# files.cpio behind for a later run to trust.
fake=$out/fake-cpio
mkdir -p "$fake"
printf '#!/bin/sh\nexit 0\n' > "$fake/cpio"
chmod +x "$fake/cpio"
rm -rf "$out/badcpio"
build_check build-rejects-empty-files-archive "cpiocheck: .*: empty archive" \
    env PATH="$fake:$PATH" make --no-print-directory BUILD="$out/badcpio" \
    FILES=apps/abi_files/pattern.txt "$out/badcpio/embed/files.cpio"
notes=$out/build-leaves-no-bad-archive.notes
: > "$notes"
if [ -z "$only" ] || [[ build-leaves-no-bad-archive =~ $only ]]; then
    ls "$out/badcpio/embed/" >> "$notes" 2>&1
    ! ls "$out/badcpio/embed/" 2>/dev/null | grep -q '^files\.cpio'
    report build-leaves-no-bad-archive $((! $?)) "$notes"
fi
