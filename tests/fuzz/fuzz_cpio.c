/*
 * tests/fuzz/fuzz_cpio.c - libFuzzer target for unikernel/cpio.c: any
 * input is walked without reading outside it, and every member reported
 * has its name NUL-terminated and its data inside the input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unikernel/cpio.h"

struct bounds {
    const char *start, *end;
};

static int check_member(const char *name, const void *data, size_t size,
                        unsigned mode, void *arg)
{
    (void)mode;
    const struct bounds *b = arg;
    const char *d = data;
    size_t len = strlen(name);
    if (name < b->start || name + len >= b->end || d < b->start || d > b->end ||
        size > (size_t)(b->end - d))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a private copy: ASan then catches any read past the end */
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    struct bounds b = {copy, copy + size};
    int rc = cpio_walk(copy, size, check_member, &b);
    if (rc != 0 && rc != -EINVAL)
        abort();
    free(copy);
    return 0;
}
