/*
 * apps/sysfuzz/calls_fs.c - generators of the file metadata and data calls
 * beyond open/read/write: chmod and chown and their kin, the utime family,
 * statfs, symlinks, sync_file_range, fallocate, flock, preadv/pwritev and
 * sendfile.  Their rules: a symlink's new name is one the calls create
 * (fresh_path), never a boot file's; flock never waits (LOCK_NB: another
 * worker may hold the lock); sendfile reads and writes only descriptors
 * that are not the console and copies at most 1 MiB.
 */
#include "calls.h"

static long at_fd(void) { return rng_below(2) ? -100 : (long)any_fd(); }

void g_chmod(long *a) { a[0] = (long)path_ptr(); a[1] = num(); }
void g_fchmod(long *a) { a[0] = (long)any_fd(); a[1] = num(); }
void g_fchmodat(long *a) { a[0] = at_fd(); a[1] = (long)path_ptr(); a[2] = num(); a[3] = num(); }
void g_chown(long *a) { a[0] = (long)path_ptr(); a[1] = num(); a[2] = num(); }
void g_fchown(long *a) { a[0] = (long)any_fd(); a[1] = num(); a[2] = num(); }

void g_fchownat(long *a)
{
    a[0] = at_fd();
    a[1] = (long)path_ptr();
    a[2] = num();
    a[3] = num();
    a[4] = rng_below(2) ? (long)(rng_below(2) ? 0x100 : 0x1000) : num();
}

void g_utime(long *a) { a[0] = (long)path_ptr(); a[1] = rng_below(3) ? struct_arg(4) : 0; }

void g_utimensat(long *a)
{
    a[0] = at_fd();
    a[1] = rng_below(4) ? (long)path_ptr() : 0; /* NULL: the descriptor */
    a[2] = rng_below(3) ? struct_arg(4) : 0;
    a[3] = rng_below(2) ? (long)(rng_below(2) ? 0x100 : 0) : num();
}

void g_futimesat(long *a) { a[0] = at_fd(); a[1] = (long)path_ptr(); a[2] = rng_below(3) ? struct_arg(4) : 0; }
void g_statfs(long *a) { a[0] = (long)path_ptr(); a[1] = ptr(); }
void g_fstatfs(long *a) { a[0] = (long)any_fd(); a[1] = ptr(); }
void g_symlink(long *a) { a[0] = (long)path_ptr(); a[1] = fresh_path(1); }
void g_symlinkat(long *a) { a[0] = (long)path_ptr(); a[1] = at_fd(); a[2] = fresh_path(1); }

void g_sync_file_range(long *a)
{
    a[0] = (long)any_fd();
    a[1] = num();
    a[2] = num();
    a[3] = rng_below(4) ? (long)rng_below(8) : num();
}

void g_fallocate(long *a)
{
    /* 0, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE, COLLAPSE, ZERO_RANGE, INSERT */
    static const long modes[] = {0, 1, 3, 8, 0x10, 0x11, 0x20, 2};
    a[0] = (long)file_fd();
    a[1] = rng_below(4) ? modes[rng_below(8)] : num();
    a[2] = rng_below(2) ? (long)(rng_below(64) * PAGE + rng_below(2)) : num();
    a[3] = rng_below(2) ? (long)(rng_below(64) * PAGE + rng_below(2)) : len();
}

void g_flock(long *a)
{
    static const long ops[] = {1, 2, 8, 0, 3};
    a[0] = (long)any_fd();
    a[1] = (rng_below(4) ? ops[rng_below(5)] : num()) | 4; /* LOCK_NB */
}

void g_preadv(long *a)
{
    g_iov(a);
    a[3] = rng_below(2) ? (long)rng_below(1 << 20) : num(); /* offset, low */
    a[4] = rng_below(2) ? 0 : num();                         /* and high */
}

void g_preadv2(long *a)
{
    g_preadv(a);
    a[5] = rng_below(2) ? (long)rng_below(0x20) : num(); /* RWF_* */
}

void g_sendfile(long *a)
{
    a[0] = (long)file_fd(); /* never onto or from the console */
    a[1] = (long)file_fd();
    switch (rng_below(3)) {
    case 0:
        a[2] = 0;
        break;
    case 1:
        a[2] = struct_arg(1);
        break;
    default:
        a[2] = (long)bad_ptr();
    }
    a[3] = rng_below(4) ? (long)rng_below(1 << 20) : (long)rng_below(4);
}
