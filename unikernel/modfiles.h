/*
 * unikernel/modfiles.h - the boot modules as files: each module the loader
 * gave (GRUB's module2, QEMU's -initrd for a PVH boot) is a cpio newc
 * archive whose regular files join the tmpfs after the embedded archive,
 * read in place from the module's frames through the direct map (ram.c
 * keeps those frames out of the frame allocator for good; here they are
 * pinned, page_add_pinned, so that a file whose data start a page has its
 * pages mapped in place: inode_create_pinned).
 */
#ifndef UNIKERNEL_MODFILES_H
#define UNIKERNEL_MODFILES_H

struct boot_info;

/* Adds the files of every module of `bi` to the tmpfs (tmpfs_init done).
 * A module that is empty, lies outside the RAM of the memory map, is not a
 * cpio newc archive or holds no file is refused with a console message:
 * 0, or the first refusal's -errno (the caller ends the boot). */
int modfiles_load(const struct boot_info *bi);

#endif
