/*
 * unikernel/tmpfs.h - the root file system: a writable tree in memory of
 * directories, regular files and device files.  A regular file's data are
 * an mm inode's page cache (pagecache.h), so read, write and MAP_SHARED
 * mappings see the same frames; its pages are committed (mm/commit.c) and
 * counted against the tmpfs size (`tmpfs=SIZE`): past it a write is
 * ENOSPC.  The image's files (the cpio of FILES= and the application as
 * /bin/NAME), then the boot modules' (modfiles.h), are its first contents,
 * their data read in place until first written (inode_own_data); a
 * module's pages are mapped in place too (inode_create_pinned).
 *
 * Nodes are reference counted: each directory entry naming a node, each
 * open file, each task's working directory and each subdirectory (its
 * "..") holds one; a node unlinked while open lives until its last close.
 * Paths: absolute or relative to a base directory (the working directory
 * or an *at call's descriptor), "." and ".." anywhere, at most
 * TMPFS_PATH_MAX bytes and TMPFS_NAME_MAX per component (ENAMETOOLONG).
 * The kernel runs one system call at a time, so the tree has no lock.
 */
#ifndef UNIKERNEL_TMPFS_H
#define UNIKERNEL_TMPFS_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "mm/inode.h"

#define TMPFS_PATH_MAX 4096 /* Linux's PATH_MAX, the NUL included */
#define TMPFS_NAME_MAX 255

struct file;
struct file_ops;
struct kstat;
typedef struct tnode tnode_t;

/* Sets the size of the tmpfs in bytes (0: half of the RAM's frames) and
 * creates the root with /dev (null, zero, full, random, urandom), /proc
 * and /tmp.  Returns 0 or -ENOMEM. */
int tmpfs_init(uint64_t size);

/* Adds the regular files of the cpio newc archive [data, data+size) (kept
 * in place) with their paths and modes, the directories on their paths
 * created: how many files, -EINVAL for a malformed archive, -ENOMEM.
 * When `pa` is the physical address of `data` in pinned frames
 * (page_add_pinned; 0: none), a file whose data start a page has its
 * whole pages mapped in place (inode_create_pinned). */
int tmpfs_load_cpio(const void *data, size_t size, phys_addr_t pa);

/* Adds the file `path` over [data, data+size) (read in place until first
 * written) with permission bits `mode`: its inode (no reference for the
 * caller; the tree keeps one while the file is linked), or NULL. */
inode_t *tmpfs_add(const char *path, const void *data, size_t size,
                   unsigned mode);

/* Opens `path` from `base` (NULL: the root) with open `flags` (O_CREAT,
 * O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY, access mode) and, for a new
 * file, permission bits `mode` (umask applied by the caller): 0 and *out,
 * a file with one reference and no descriptor, or -errno. */
int tmpfs_open(tnode_t *base, const char *path, int flags, unsigned mode,
               struct file **out);

/* The regular file at `path` (base as tmpfs_open) whose data are still
 * the image's, for execve: its inode (no reference taken), or -ENOENT,
 * -ENOTDIR, -EACCES (a directory, a device or a file written since). */
int tmpfs_exec_lookup(tnode_t *base, const char *path, inode_t **ino);

/* Fills *st for `path` (base as tmpfs_open), a last symbolic link
 * followed when `follow` (stat) or not (lstat): 0 or -errno. */
int tmpfs_stat(tnode_t *base, const char *path, struct kstat *st,
               bool follow);

/* symlink: a new symbolic link `path` to `target`: 0, -EEXIST, -ENOENT
 * (an empty target), -ENOTDIR, -ELOOP, -ENOMEM. */
int tmpfs_symlink(const char *target, tnode_t *base, const char *path);

/* readlink: *target (the node's, NUL-terminated) and its length, or
 * -EINVAL (no symbolic link), -ENOENT, -ENOTDIR, -ELOOP. */
int tmpfs_readlink(tnode_t *base, const char *path, const char **target);

/* The target of the symbolic link `node` (an O_PATH descriptor's) and
 * its length, or -ENOENT for another kind of node. */
int tmpfs_link_target(tnode_t *node, const char **target);

/* access(2) as root: 0 when `path` exists and, for X_OK (`mode` & 1), is
 * a directory or has an execute bit; -ENOENT, -ENOTDIR, -EACCES. */
int tmpfs_access(tnode_t *base, const char *path, int mode);

/* bind of an AF_UNIX socket: a new socket node (S_IFSOCK, permission
 * bits `mode`) at `path` that names `sock`: 0 and *node (a reference for
 * the caller), -EEXIST, -ENOENT, -ENOTDIR, -ENAMETOOLONG, -ENOMEM. */
int tmpfs_mksock(tnode_t *base, const char *path, unsigned mode, void *sock,
                 tnode_t **node);

/* The socket the socket node at `path` names (connect): 0 and *sock
 * (NULL when it closed), -ECONNREFUSED (no socket node), -ENOENT, ... */
int tmpfs_sock_lookup(tnode_t *base, const char *path, void **sock);

/* The socket of `node` (from tmpfs_mksock) closed: the name leads to no
 * socket any more, and the caller's reference is dropped. */
void tmpfs_sock_unbind(tnode_t *node);

/* mkdir: 0, -EEXIST, -ENOENT, -ENOTDIR, -ENOMEM. */
int tmpfs_mkdir(tnode_t *base, const char *path, unsigned mode);

/* unlink: 0, -ENOENT, -ENOTDIR, -EISDIR. */
int tmpfs_unlink(tnode_t *base, const char *path);

/* rmdir: 0, -ENOENT, -ENOTDIR, -ENOTEMPTY, -EINVAL ("."), -EBUSY (root). */
int tmpfs_rmdir(tnode_t *base, const char *path);

/* rename(at2) of `from` to `to`, RENAME_NOREPLACE in `flags`: 0, -ENOENT,
 * -EEXIST, -ENOTDIR, -EISDIR, -ENOTEMPTY, -EINVAL (a directory into
 * itself, unknown flags), -EBUSY, -ENOMEM. */
int tmpfs_rename(tnode_t *from_base, const char *from, tnode_t *to_base,
                 const char *to, unsigned flags);

/* link (a symbolic link `from` itself linked, unless `follow`: linkat's
 * AT_SYMLINK_FOLLOW): 0, -ENOENT, -EEXIST, -EPERM (a directory),
 * -ENOMEM. */
int tmpfs_link(tnode_t *from_base, const char *from, tnode_t *to_base,
               const char *to, bool follow);

/* link of node `n` itself (linkat's AT_EMPTY_PATH or /proc/self/fd/N) as
 * `to`: 0, -EEXIST, -EPERM (a directory), -ENOENT (a file of no name
 * that may not get one: unlinked, or O_TMPFILE with O_EXCL), -ENOMEM. */
int tmpfs_link_node(tnode_t *n, tnode_t *to_base, const char *to);

/* Truncates the regular file at `path` to `size`: 0, -EISDIR, -EINVAL,
 * -EFBIG, -ENOSPC, -ENOENT, -ENOTDIR. */
int tmpfs_truncate(tnode_t *base, const char *path, uint64_t size);

/* The tmpfs node of the open file `f`, or NULL for another kind. */
tnode_t *tmpfs_node_of(struct file *f);

/* True when `node` is a directory. */
bool tmpfs_is_dir(const tnode_t *node);

/* The directory named by `path` from `base`, with a reference (chdir):
 * 0 and *dir, or -ENOENT, -ENOTDIR. */
int tmpfs_lookup_dir(tnode_t *base, const char *path, tnode_t **dir);

/* Takes / drops a reference to `node` (NULL allowed: nothing). */
void tmpfs_get(tnode_t *node);
void tmpfs_put(tnode_t *node);

/* Writes the absolute path of the directory `dir` (NULL: the root) into
 * buf (capacity cap, NUL-terminated): its length with the NUL, -ERANGE,
 * or -ENOENT when the directory was removed. */
long tmpfs_path_of(tnode_t *dir, char *buf, size_t cap);

/* The absolute path of any node `n` (a directory: tmpfs_path_of; else
 * the first entry naming it, found by a walk of the tree) into buf
 * (capacity cap, NUL-terminated): its length with the NUL, -ERANGE, or
 * -ENOENT (no name: unlinked, O_TMPFILE). */
long tmpfs_name_of(tnode_t *n, char *buf, size_t cap);

/* Opens node `n` anew with open `flags` (the checks of tmpfs_open on a
 * file found; /proc/self/fd/N): 0 and *out, a new open file description
 * with one reference, or -errno (-ELOOP: a symbolic link). */
int tmpfs_reopen(tnode_t *n, int flags, struct file **out);

/* Puts one linux_dirent64 at the user buffer `ubuf` (room bytes left):
 * its length, 0 when it does not fit, -EFAULT. */
long tmpfs_put_dirent(char *ubuf, size_t room, uint64_t ino, uint64_t off,
                      unsigned char type, const char *name);

/* Reads the entries of the open directory `f` from its position into the
 * user buffer `ubuf` as linux_dirent64 records ("." and ".." first):
 * bytes filled, 0 at the end, -EINVAL (too small for one), -ENOTDIR,
 * -EFAULT. */
long tmpfs_getdents(struct file *f, void *ubuf, size_t n);

/* The common stat and release of every tmpfs file (device files too). */
void tmpfs_file_stat(struct file *f, struct kstat *st);
void tmpfs_file_release(struct file *f);

/* fchmod and fchown of an open file `f` of the tree (uid or gid -1: kept
 * as is), the change time set: false when `f` is no file of the tree. */
bool tmpfs_file_chmod(struct file *f, unsigned mode);
bool tmpfs_file_chown(struct file *f, uint32_t uid, uint32_t gid);

/* The node `path` names from `base` (no reference taken: it lives for
 * the rest of the system call), a last symbolic link followed when
 * `follow`: 0 and *node, or -ENOENT, -ENOTDIR, -ENAMETOOLONG, -ELOOP. */
int tmpfs_lookup(tnode_t *base, const char *path, bool follow,
                 tnode_t **node);

/* chmod, chown (uid or gid -1: kept) and utimensat of `node`, the change
 * time set; the times are ns since the epoch, TMPFS_TIME_NOW or
 * TMPFS_TIME_OMIT. */
#define TMPFS_TIME_NOW (-1)
#define TMPFS_TIME_OMIT (-2)
void tmpfs_node_chmod(tnode_t *node, unsigned mode);
void tmpfs_node_chown(tnode_t *node, uint32_t uid, uint32_t gid);
void tmpfs_node_utimes(tnode_t *node, int64_t atime, int64_t mtime);

/* statfs's inode counts: the most nodes and how many more may be made. */
void tmpfs_statfs_counts(uint64_t *files, uint64_t *ffree);

/* fallocate of the open file `f` over [off, off+len) (checked by the
 * caller: len > 0): mode 0 allocates the pages and extends the size,
 * TMPFS_FALLOC_KEEP_SIZE only allocates, with TMPFS_FALLOC_PUNCH frees
 * the whole pages and zeroes the partial ones.  0, -ENOSPC (nothing
 * allocated), -EFBIG, -ETXTBSY, -EISDIR, -ENODEV (a device). */
#define TMPFS_FALLOC_KEEP_SIZE 1
#define TMPFS_FALLOC_PUNCH 2
int tmpfs_fallocate(struct file *f, int mode, uint64_t off, uint64_t len);

/* Pages the regular files of the tmpfs hold, and the most they may. */
size_t tmpfs_pages_used(void);
size_t tmpfs_pages_limit(void);

#endif
