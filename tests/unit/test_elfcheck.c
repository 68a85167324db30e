/*
 * tests/unit/test_elfcheck.c - the host tool build/tools/elfcheck as the
 * image build runs it: exit status 0 and a plan for a good static binary,
 * 1 and the validator's message for a bad one, 2 for a missing file.
 * Uses build/tools/elfcheck and build/elf-samples/ (or $ELFCHECK and
 * $ELF_SAMPLES).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

static char output[8192];

static const char *samples(void)
{
    const char *dir = getenv("ELF_SAMPLES");
    return dir ? dir : "build/elf-samples";
}

/* Runs elfcheck on `file` (stderr too); returns its exit status. */
static int elfcheck(const char *file)
{
    const char *tool = getenv("ELFCHECK");
    char cmd[1024];
    size_t len = 0, n;
    FILE *p;
    int status;

    snprintf(cmd, sizeof(cmd), "%s '%s' 2>&1",
             tool ? tool : "build/tools/elfcheck", file);
    p = popen(cmd, "r");
    assert_non_null(p);
    while ((n = fread(output + len, 1, sizeof(output) - 1 - len, p)) > 0)
        len += n;
    output[len] = '\0';
    status = pclose(p);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* Writes the first `cut` bytes of sample `name` to a temporary file. */
static void truncated_copy(const char *name, long cut, char *path, size_t n)
{
    char src[512], *buf = malloc(cut);
    FILE *in, *out;

    snprintf(src, sizeof(src), "%s/%s", samples(), name);
    snprintf(path, n, "%s/truncated-%ld.elf", samples(), cut);
    in = fopen(src, "rb");
    out = fopen(path, "wb");
    assert_non_null(buf);
    assert_non_null(in);
    assert_non_null(out);
    assert_int_equal(fread(buf, 1, cut, in), (size_t)cut);
    assert_int_equal(fwrite(buf, 1, cut, out), (size_t)cut);
    fclose(in);
    fclose(out);
    free(buf);
}

static void test_valid_binaries(void **state)
{
    char path[512];

    (void)state;
    snprintf(path, sizeof(path), "%s/musl-static.elf", samples());
    assert_int_equal(elfcheck(path), 0);
    assert_non_null(strstr(output, "static x86_64 ET_EXEC, entry 0x"));
    assert_non_null(strstr(output, "r-x  file offset 0x1000"));
    assert_non_null(strstr(output, "tls image 0x"));
    snprintf(path, sizeof(path), "%s/glibc-static-pie.elf", samples());
    assert_int_equal(elfcheck(path), 0);
    assert_non_null(strstr(output, "PIE (ET_DYN)"));
    assert_non_null(strstr(output, "bias 0x400000"));
}

static void test_refused_binaries(void **state)
{
    char path[512];

    (void)state;
    truncated_copy("musl-static.elf", 4000, path, sizeof(path));
    assert_int_equal(elfcheck(path), 1);
    assert_non_null(strstr(output, "ELF: segment 1: file bytes"));
    assert_non_null(strstr(output, "[ELF_EFILERANGE]"));
    truncated_copy("musl-static.elf", 40, path, sizeof(path));
    assert_int_equal(elfcheck(path), 1);
    assert_non_null(strstr(output, "shorter than an ELF header"));
    /* A dynamically linked host program. */
    assert_int_equal(elfcheck("/bin/sh"), 1);
    assert_non_null(strstr(output, "PT_INTERP"));
    assert_int_equal(elfcheck("tests/unit/test_elfcheck.c"), 1);
    assert_non_null(strstr(output, "[ELF_EMAGIC]"));
}

static void test_missing_file(void **state)
{
    (void)state;
    assert_int_equal(elfcheck("/nonexistent/file.elf"), 2);
    assert_non_null(strstr(output, "No such file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_binaries),
        cmocka_unit_test(test_refused_binaries),
        cmocka_unit_test(test_missing_file),
    };

    return cmocka_run_group_tests_name("elfcheck", tests, NULL, NULL);
}
