/*
 * unikernel/pagecache.h - the data operations of in-memory files (memfd,
 * tmpfs) on their inode's page cache: the same frames that read, write and
 * every MAP_SHARED mapping in any task see.
 */
#ifndef UNIKERNEL_PAGECACHE_H
#define UNIKERNEL_PAGECACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/inode.h"

/* Copies n bytes between the file `ino` at `pos` and user `buf` (to the
 * file when `write`), page by page through the cache: bytes copied (short
 * when a page or the user buffer fails after some), or -EFAULT, -ENOMEM
 * (no page under the commit limit), -ENOSPC (none under the inode's
 * quota). */
long pagecache_copy(inode_t *ino, void *buf, size_t n, uint64_t pos,
                    bool write);

/* Truncates the cache of `ino` (no data of its own) to `size`: every
 * task's mappings past it go first (none may outlive its cache page),
 * then the cached pages; the last partial page is zeroed past `size`. */
void pagecache_truncate(inode_t *ino, uint64_t size);

/* Makes [off, end) of `ino` (no data of its own) read as zero: the whole
 * pages in it punched (every task's mappings of them first, then
 * inode_punch), the partial pages at its edges zeroed where cached (a
 * page not cached reads as zero already). */
void pagecache_punch(inode_t *ino, uint64_t off, uint64_t end);

#endif
