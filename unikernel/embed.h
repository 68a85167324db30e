/*
 * unikernel/embed.h - what the build embeds in the kernel image
 * (unikernel/embed.S, rules in unikernel/build.mk): the application's static
 * ELF, its name, and an optional cpio newc archive of extra files (empty
 * when FILES= is not given).  All read-only, in .rodata.
 */
#ifndef UNIKERNEL_EMBED_H
#define UNIKERNEL_EMBED_H

extern const unsigned char embed_app_start[], embed_app_end[];
extern const unsigned char embed_files_start[], embed_files_end[];
extern const unsigned char embed_files_given; /* 1 when FILES= was given */
extern const char embed_app_name[];

#endif
