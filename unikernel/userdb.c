/* userdb.c - /etc/passwd and /etc/group for getpwnam(3) and getgrnam(3)
 * (musl reads the files): root, and nobody/nogroup, the user programs
 * started by root switch to (nginx's workers: setuid fails nothing here,
 * every task stays uid 0). */
#include "unikernel/userdb.h"

#include "unikernel/tmpfs.h"

static const char passwd[] =
    "root:x:0:0:root:/:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
static const char group[] =
    "root:x:0:\n"
    "nogroup:x:65534:\n";

void userdb_add_files(void)
{
    /* tmpfs_add fails on a path the image's archive already holds */
    tmpfs_add("/etc/passwd", passwd, sizeof(passwd) - 1, 0644);
    tmpfs_add("/etc/group", group, sizeof(group) - 1, 0644);
}
