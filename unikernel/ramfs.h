/*
 * unikernel/ramfs.h - the read-only file system of the image: the files of
 * the embedded cpio archive (newc format), the application's own ELF and
 * the directory "/".  Each file is an inode whose page cache serves
 * file-backed mappings.  Paths are absolute or relative to "/" (no other
 * working directory exists); "." and empty components are skipped.
 */
#ifndef UNIKERNEL_RAMFS_H
#define UNIKERNEL_RAMFS_H

#include <stddef.h>
#include <stdint.h>

#include "mm/inode.h"

#define RAMFS_MAX_FILES 64
#define RAMFS_PATH_MAX 256

/* Adds the regular files of the cpio newc archive [data, data+size) (kept
 * in place, never copied).  Returns how many files it added, -EINVAL for
 * a malformed archive (files before the problem stay), -ENOSPC past
 * RAMFS_MAX_FILES, -ENOMEM. */
int ramfs_load_cpio(const void *data, size_t size);

/* Adds the file `path` (a string that outlives it) over [data, data+size):
 * its inode (a reference kept by the ramfs), or NULL when out of memory or
 * room. */
inode_t *ramfs_add(const char *path, const void *data, size_t size);

/* Looks up `path`: 0 and *ino (no reference taken) for a file, 1 for the
 * root directory, -ENOENT otherwise. */
int ramfs_lookup(const char *path, inode_t **ino);

/* Opens `path` read-only into a new file description: the file, or NULL
 * with *err = -ENOENT/-ENOMEM. */
struct file *ramfs_open(const char *path, int *err);

#endif
