/*
 * unikernel/readfile.h - for the host tools (elfcheck, cpiocheck) only: a
 * whole file into memory.
 */
#ifndef UNIKERNEL_READFILE_H
#define UNIKERNEL_READFILE_H

#include <stddef.h>

/* Reads the whole file into a malloc'd buffer of *size bytes; NULL (errno
 * set) on error. */
unsigned char *read_file(const char *path, size_t *size);

#endif
