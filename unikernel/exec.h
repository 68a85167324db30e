/*
 * unikernel/exec.h - loading a checked ELF image into a task (exec.c).
 */
#ifndef UNIKERNEL_EXEC_H
#define UNIKERNEL_EXEC_H

#include <stdint.h>

#include "mm/inode.h"
#include "unikernel/elf.h"
#include "unikernel/task.h"

#define EXEC_MAX_ARGS 34 /* argv entries (CMDLINE_MAX_ARGS + 2) */
#define EXEC_MAX_ENV 33  /* environment entries */

/* Maps the image `ino` (checked into `plan`) and a stack into the empty
 * address space of `t`, the current task, and writes the start-up stack
 * with argv[0..argc) and envp[0..envc) (kernel strings) and `path` as
 * AT_EXECFN.  0 and *sp, or -E2BIG (too many strings), -ENOMEM, -EFAULT;
 * the caller drops the address space on failure. */
int exec_load(task_t *t, inode_t *ino, const elf_plan_t *plan,
              const char *path, int argc, const char *const *argv, int envc,
              const char *const *envp, uintptr_t *sp);

#endif
