/*
 * unikernel/cpiocheck.c - host tool: build/tools/cpiocheck ARCHIVE FILE...
 *
 * Reads ARCHIVE with the kernel's own cpio reader (unikernel/cpio.c) and
 * checks that it holds exactly the regular FILEs, each with its size on
 * disk, so that an empty, cut or stale archive (a cpio that failed half
 * way, say) fails the build instead of booting a kernel without its files.
 * Exit status: 0 the archive matches, 1 it does not, 2 usage or I/O error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "unikernel/cpio.h"
#include "unikernel/readfile.h"

struct expected {
    int nfiles;
    char **files;   /* the paths as given (as cpio stores them) */
    char *seen;     /* seen[i]: FILE i found in the archive */
    const char *archive;
};

static int check_member(const char *name, const void *data, size_t size,
                        unsigned mode, void *arg)
{
    struct expected *e = arg;
    (void)data;
    if ((mode & CPIO_MODE_TYPE) != CPIO_MODE_REG)
        return 0;
    while (name[0] == '.' && name[1] == '/') /* as the kernel reads it */
        name += 2;
    for (int i = 0; i < e->nfiles; i++) {
        if (strcmp(e->files[i], name) != 0)
            continue;
        struct stat st;
        if (stat(name, &st) != 0 || (size_t)st.st_size != size) {
            fprintf(stderr, "cpiocheck: %s: '%s' has %zu bytes, not its size on disk\n",
                    e->archive, name, size);
            return -EINVAL;
        }
        e->seen[i] = 1;
        return 0;
    }
    fprintf(stderr, "cpiocheck: %s: '%s' was not asked for\n", e->archive, name);
    return -EINVAL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: cpiocheck ARCHIVE FILE...\n");
        return 2;
    }
    size_t size = 0;
    unsigned char *archive = read_file(argv[1], &size);
    if (!archive) {
        fprintf(stderr, "cpiocheck: %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    struct expected e = { .nfiles = argc - 2, .files = argv + 2,
                          .seen = calloc((size_t)argc, 1), .archive = argv[1] };
    if (!e.seen)
        return 2;
    int rc = size ? cpio_walk(archive, size, check_member, &e) : -EINVAL;
    if (!size)
        fprintf(stderr, "cpiocheck: %s: empty archive\n", argv[1]);
    else if (rc < 0)
        fprintf(stderr, "cpiocheck: %s: malformed or unexpected (%d)\n", argv[1], rc);
    for (int i = 0; rc == 0 && i < e.nfiles; i++) {
        if (!e.seen[i]) {
            fprintf(stderr, "cpiocheck: %s: '%s' is missing\n", argv[1], e.files[i]);
            rc = -ENOENT;
        }
    }
    free(e.seen);
    free(archive);
    return rc == 0 ? 0 : 1;
}
