/*
 * unikernel/exec.h - starting a program (exec.c): loading a checked ELF
 * image into a task, the embedded application at boot, and execve
 * (sys_execve, unikernel/syscall.h), which replaces the image of the
 * calling task by a program of the tmpfs.
 */
#ifndef UNIKERNEL_EXEC_H
#define UNIKERNEL_EXEC_H

#include <stdint.h>

#include "mm/inode.h"
#include "unikernel/elf.h"
#include "unikernel/task.h"

#define EXEC_MAX_ARGS 34 /* argv entries (CMDLINE_MAX_ARGS + 2) */
#define EXEC_MAX_ENV 33  /* environment entries */

struct cmdline;

/* Maps the image `ino` (checked into `plan`) and a stack into the empty
 * address space of `t`, the current task, and writes the start-up stack
 * with argv[0..argc) and envp[0..envc) (kernel strings) and `path` as
 * AT_EXECFN.  0 and *sp, or -E2BIG (too many strings), -ENOMEM, -EFAULT;
 * the caller drops the address space on failure. */
int exec_load(task_t *t, inode_t *ino, const elf_plan_t *plan,
              const char *path, int argc, const char *const *argv, int envc,
              const char *const *envp, uintptr_t *sp);

/* Checks and loads the embedded application (with the embedded files, then
 * the boot modules' (modfiles.h), as the tmpfs) with the arguments and
 * environment of `cl` and runs it to its end, with every task it starts:
 * the kernel exit status (task.h).  Prints the application's exit status.  User mode, the clock and the scheduler
 * are started first (main.c). */
int exec_start_app(const struct cmdline *cl);

#endif
