/*
 * exec.c - starting a program (see exec.h): the embedded application at
 * boot, its ELF checked again (the build checked it with elfcheck), and
 * execve of a program of the tmpfs.  The image's segments are mapped as
 * file-backed VMAs of its inode, then the stack VMA and the System V
 * x86_64 start-up stack; the first task is run to its end.
 *
 *   start-up stack (rsp at argc, 16-byte aligned), higher addresses last:
 *     argc | argv[0..argc-1] NULL | envp[..] NULL | auxv pairs, AT_NULL |
 *     padding | 16 random bytes, "x86_64", argument and environment strings
 *   argv[0] is the application's name, argv[1..] the words after "--" on
 *   the kernel command line; the environment is every NAME=VALUE parameter
 *   before "--" that the kernel does not know (as Linux gives init).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boottime.h"
#include "cmdline.h"
#include "abi/kernel_exit.h"
#include "arch/boot_info.h"
#include "arch/upcall.h"
#include "klog.h"
#include "arch/x86_64/user.h"
#include "mm/kalloc.h"
#include "mm/memory.h"
#include "net/net.h"
#include "unikernel/aslr.h"
#include "unikernel/elf.h"
#include "unikernel/embed.h"
#include "unikernel/exec.h"
#include "unikernel/modfiles.h"
#include "unikernel/unix_sock.h"
#include "unikernel/userdb.h"
#include "unikernel/fd.h"
#include "unikernel/proc.h"
#include "unikernel/itimer.h"
#include "unikernel/tmpfs.h"
#include "arch/random.h"
#include "unikernel/signal.h"
#include "unikernel/thread.h"
#include "unikernel/syscall.h"
#include "unikernel/task.h"
#include "unikernel/usercopy.h"

/* The ELF parser (kernel-free, also built for the host) accepts segments
 * in the window the address spaces have. */
_Static_assert(ELF_USER_BASE == MSPACE_USER_LOWER &&
                   ELF_USER_END == MSPACE_USER_UPPER,
               "unikernel/elf.h and mm/memory.h disagree on the user window");

#define AUXV_MAX 20
#define EXEC_STRINGS 32768 /* bytes of argv and envp strings execve takes */

#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_EXECFN 31

/* Maps segment `s` of the image `ino`: the file part private
 * copy-on-write with the segment's rights, the rest anonymous. */
static int map_segment(mspace_t *ms, inode_t *ino, const elf_segment_t *s)
{
    int flags = s->prot | VMA_FIXED | VMA_COW;
    if (s->file_length) {
        void *at = mspace_map(ms, s->vaddr, s->file_length, ino, s->offset,
                              s->limit, flags);
        if (mspace_error(at))
            return mspace_error(at);
    }
    if (s->length > s->file_length) {
        void *at = mspace_map(ms, s->vaddr + s->file_length,
                              s->length - s->file_length, NULL, 0, 0,
                              flags | VMA_ANON);
        if (mspace_error(at))
            return mspace_error(at);
    }
    return 0;
}

/* Copies the string s below *sp; returns its user address or 0. */
static uintptr_t push_string(uintptr_t *sp, const char *s)
{
    size_t n = strlen(s) + 1;
    *sp -= n;
    return copy_to_user((void *)*sp, s, n) < 0 ? 0 : *sp;
}

struct startup {
    int argc, envc;
    const char *argv[CMDLINE_MAX_ARGS + 2];
    const char *envp[CMDLINE_MAX_ARGS + 1];
};

/* argv and envp of the application from the command line. */
static void startup_args(struct startup *st, const struct cmdline *cl,
                         const char *name)
{
    st->argv[st->argc++] = name;
    for (int i = 0; i < cl->argc; i++)
        st->argv[st->argc++] = cl->argv[i];
    for (int i = 0; i < cl->nunknown; i++)
        if (cmdline_is_env(cl->unknown[i]))
            st->envp[st->envc++] = cl->unknown[i];
}

/* Copies the strings v[0..n) up from `at`, in order, each with its NUL;
 * stores their addresses in addr[]: the end, or 0 (-EFAULT). */
static uintptr_t put_strings(uintptr_t at, const char *const *v, int n,
                             uintptr_t *addr)
{
    for (int i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        if (copy_to_user((void *)at, v[i], len) < 0)
            return 0;
        addr[i] = at;
        at += len;
    }
    return at;
}

static size_t strings_size(const char *const *v, int n)
{
    size_t size = 0;
    for (int i = 0; i < n; i++)
        size += strlen(v[i]) + 1;
    return size;
}

/* Builds the start-up stack of `t` (current); returns the initial rsp, or
 * 0 (-EFAULT: the stack could not be written).  The argv strings, then
 * the envp strings, lie in order as Linux lays them out (arg_start ..
 * env_end, what /proc/self/cmdline and environ read). */
static uintptr_t build_stack(task_t *t, const struct startup *st,
                             const elf_plan_t *plan, const char *path,
                             uintptr_t stack_top)
{
    uintptr_t sp = stack_top, argv[CMDLINE_MAX_ARGS + 2],
              envp[CMDLINE_MAX_ARGS + 1];
    unsigned char rnd[16];
    random_fill(rnd, sizeof(rnd));
    sp -= sizeof(rnd);
    uintptr_t at_random = sp;
    uintptr_t at_platform = push_string(&sp, "x86_64");
    uintptr_t at_execfn = push_string(&sp, path);
    bool ok = copy_to_user((void *)at_random, rnd, sizeof(rnd)) == 0 &&
              at_platform && at_execfn;
    size_t env_size = strings_size(st->envp, st->envc);
    size_t arg_size = strings_size(st->argv, st->argc);
    sp -= env_size;
    ok = ok && put_strings(sp, st->envp, st->envc, envp) == sp + env_size;
    t->env_start = sp;
    t->env_end = sp + env_size;
    sp -= arg_size;
    ok = ok && put_strings(sp, st->argv, st->argc, argv) == sp + arg_size;
    t->arg_start = sp;
    t->arg_end = sp + arg_size;
    if (!ok)
        return 0;
    uint64_t aux[][2] = {
        {AT_PHDR, plan->phdr},
        {AT_PHENT, plan->phent},
        {AT_PHNUM, plan->phnum},
        {AT_PAGESZ, PAGE_SIZE},
        {AT_BASE, 0},
        {AT_FLAGS, 0},
        {AT_ENTRY, plan->entry},
        {AT_UID, 0},
        {AT_EUID, 0},
        {AT_GID, 0},
        {AT_EGID, 0},
        {AT_PLATFORM, at_platform},
        {AT_HWCAP, user_hwcap()},
        {AT_CLKTCK, 100},
        {AT_SECURE, 0},
        {AT_RANDOM, at_random},
        {AT_EXECFN, at_execfn},
        {AT_NULL, 0},
    };
    uint64_t
        vec[1 + CMDLINE_MAX_ARGS + 2 + CMDLINE_MAX_ARGS + 1 + 2 * AUXV_MAX];
    size_t n = 0;
    vec[n++] = (uint64_t)st->argc;
    for (int i = 0; i < st->argc; i++)
        vec[n++] = argv[i];
    vec[n++] = 0;
    for (int i = 0; i < st->envc; i++)
        vec[n++] = envp[i];
    vec[n++] = 0;
    memcpy(&vec[n], aux, sizeof(aux));
    n += sizeof(aux) / sizeof(uint64_t);
    sp = (sp - n * sizeof(uint64_t)) & ~(uintptr_t)15;
    return copy_to_user((void *)sp, vec, n * sizeof(uint64_t)) == 0 ? sp : 0;
}

/* Maps the image and the stack of `t` in a new layout *l (aslr.h), which
 * the address space keeps (its mmap_base): 0 or -errno. */
static int exec_map(task_t *t, inode_t *ino, const elf_plan_t *plan,
                    struct aslr_layout *l)
{
    for (unsigned i = 0; i < plan->nsegs; i++) {
        int rc = map_segment(t->mspace, ino, &plan->seg[i]);
        if (rc < 0)
            return rc;
    }
    t->brk_start = t->brk = plan->brk; /* the heap: empty until brk moves */
    aslr_layout(l);
    t->mspace->mmap_base = l->mmap_base;
    size_t size = rlimit_stack_reserve(t); /* RLIMIT_STACK, read at exec */
    void *stack = mspace_map(t->mspace, l->stack_top - size, size, NULL, 0, 0,
                             VMA_READ | VMA_WRITE | VMA_STACK | VMA_FIXED);
    return mspace_error(stack);
}

int exec_load(task_t *t, inode_t *ino, const elf_plan_t *plan,
              const char *path, int argc, const char *const *argv, int envc,
              const char *const *envp, uintptr_t *sp)
{
    _Static_assert(EXEC_MAX_ARGS == CMDLINE_MAX_ARGS + 2 &&
                       EXEC_MAX_ENV == CMDLINE_MAX_ARGS + 1,
                   "struct startup sizes");
    if (argc > EXEC_MAX_ARGS || envc > EXEC_MAX_ENV)
        return -E2BIG;
    struct startup st = {.argc = argc, .envc = envc};
    memcpy(st.argv, argv, (size_t)argc * sizeof(*argv));
    memcpy(st.envp, envp, (size_t)envc * sizeof(*envp));
    struct aslr_layout l;
    int rc = exec_map(t, ino, plan, &l);
    if (rc < 0)
        return rc;
    *sp = build_stack(t, &st, plan, path, l.stack_top);
    return *sp ? 0 : -EFAULT;
}

/* ---- the embedded application, at boot ---- */

/* Loads the checked image into a new task and runs it: the kernel exit
 * status. */
static int exec_run(const elf_plan_t *plan, const struct cmdline *cl)
{
    static char path[TMPFS_PATH_MAX]; /* the inode's name: lives as long */
    const char *name = embed_app_name;
    snprintf(path, sizeof(path), "/bin/%s", name);
    inode_t *ino = tmpfs_add(path, embed_app_start,
                             (size_t)(embed_app_end - embed_app_start), 0755);
    inode_t *had;
    if (!ino && tmpfs_exec_lookup(NULL, path, &had) != -ENOENT) {
        kprintf("app: %s: %s is in the tmpfs already (a boot module's)\n",
                name, path);
        return KEXIT_APP_LOAD;
    }
    task_t *t = ino ? task_create(name, NULL) : NULL;
    if (!t) {
        kprintf("app: %s: out of memory for the task\n", name);
        return KEXIT_APP_LOAD;
    }
    t->exe = path;
    t->image = ino;
    inode_open(ino);
    struct startup st = {0};
    startup_args(&st, cl, name);
    task_switch(t); /* the start-up stack is written through usercopy */
    struct aslr_layout l;
    int rc = exec_map(t, ino, plan, &l);
    uintptr_t sp = rc < 0 ? 0 : build_stack(t, &st, plan, path, l.stack_top);
    task_switch(NULL);
    if (!sp) {
        kprintf("app: %s: cannot map the image or its stack (%d)\n", name,
                rc < 0 ? rc : -EFAULT);
        task_destroy(t);
        return KEXIT_APP_LOAD;
    }
    if (aslr_enabled())
        klog(KLOG_INFO, "aslr: on (stack top 0x%lx, mmap base 0x%lx)\n",
             l.stack_top, l.mmap_base);
    else
        klog(KLOG_INFO, "aslr: off\n");
    klog(KLOG_INFO,
         "app: starting %s (task %d, entry 0x%lx, %d args, %d env)\n", name,
         t->id, plan->entry, st.argc, st.envc);
    boot_time_report();
    int status = task_run(t, plan->entry, sp);
    if (t->exit_code >= 0)
        kprintf("app: %s exited with status %d\n", name, t->exit_code);
    else
        kprintf("app: %s was killed (status %d)\n", name, status);
    task_destroy(t);
    return status;
}

int exec_start_app(const struct cmdline *cl)
{
    elf_plan_t plan;
    char msg[160];
    size_t size = (size_t)(embed_app_end - embed_app_start);
    int rc = elf_check(embed_app_start, size, &plan, msg, sizeof(msg));
    if (rc < 0) {
        kprintf("app: %s refused: %s\n", embed_app_name, msg);
        return KEXIT_BAD_ELF;
    }
    size_t files = (size_t)(embed_files_end - embed_files_start);
    if (tmpfs_init(cl->tmpfs) < 0) {
        kprintf("app: out of memory for the tmpfs\n");
        return KEXIT_APP_LOAD;
    }
    rc = embed_files_given ? tmpfs_load_cpio(embed_files_start, files, 0) : 0;
    if (rc < 0) {
        kprintf("app: the embedded file archive is malformed (%d)\n", rc);
        return KEXIT_APP_LOAD;
    }
    if (embed_files_given && rc == 0) {
        kprintf("app: the embedded file archive (%zu bytes) holds no file\n",
                files);
        return KEXIT_APP_LOAD;
    }
    /* the boot modules' files after the image's (a path in both: refused) */
    if (modfiles_load(&boot_info) < 0)
        return KEXIT_APP_LOAD;
    /* after the image's files: its own /etc/hosts wins */
    unix_sock_register();
    userdb_add_files();
    net_start(&(struct net_boot_config){ cl->ip, cl->gw, cl->dns, cl->ip2 });
    return exec_run(&plan, cl);
}

/* ---- execve ---- */

/* The strings of execve copied from the user. */
struct exec_args {
    char path[TMPFS_PATH_MAX];
    const char *argv[EXEC_MAX_ARGS], *envp[EXEC_MAX_ENV];
    int argc, envc;
    size_t used;
    char strings[EXEC_STRINGS];
};

/* Copies the NULL-terminated user vector `uvec` into vec (at most max
 * entries), its strings into a->strings: the count or -E2BIG / -EFAULT. */
static long copy_vector(struct exec_args *a, const char **vec, int max,
                        uintptr_t uvec)
{
    for (int n = 0; uvec; n++) {
        uint64_t us;
        if (copy_from_user(&us, (const void *)(uvec + 8 * (size_t)n), 8) < 0)
            return -EFAULT;
        if (!us)
            return n;
        if (n == max)
            return -E2BIG;
        size_t room = sizeof(a->strings) - a->used;
        if (room == 0)
            return -E2BIG;
        long len = strncpy_from_user(a->strings + a->used,
                                     (const char *)(uintptr_t)us, room);
        if (len == -ENAMETOOLONG || (len >= 0 && (size_t)len >= room))
            return -E2BIG; /* more string bytes than execve takes */
        if (len < 0)
            return len;
        vec[n] = a->strings + a->used;
        a->used += (size_t)len + 1;
    }
    return 0;
}

/* The last component of `path`. */
static const char *base_name(const char *path)
{
    const char *base = path;
    for (const char *c = path; *c; c++)
        if (*c == '/')
            base = c + 1;
    return base;
}

/* What does not survive execve: close-on-exec descriptors, handlers
 * (ignored signals stay ignored), the alternate signal stack, TLS, FPU
 * state (brk is the new image's: exec_load).  Resource limits stay. */
static void exec_reset(task_t *t)
{
    fd_close_on_exec(t);
    signal_exec_reset(&t->signal);
    itimer_exec(t->group);
    t->fs_base = 0;
    t->clear_child_tid = 0;
    context_reset_user(&t->fpu);
}

/* Replaces the image of the current task by `ino` (checked): 0 or -errno
 * with the task unchanged. */
static long exec_replace(task_t *t, inode_t *ino, struct exec_args *a)
{
    elf_plan_t plan;
    char msg[160];
    if (elf_check(ino->data, (size_t)ino->size, &plan, msg, sizeof(msg)) < 0) {
        klog(KLOG_INFO, "execve: %s refused: %s\n", a->path, msg);
        return -ENOEXEC;
    }
    mspace_t *old = t->mspace, *ms = mspace_create();
    if (!ms)
        return -ENOMEM;
    uintptr_t old_brk = t->brk, old_brk_start = t->brk_start, sp;
    t->mspace = ms;
    rlimit_apply(t); /* the image and stack are mapped within the limits */
    task_switch(t);
    int rc = exec_load(t, ino, &plan, ino->name ? ino->name : a->path, a->argc,
                       a->argv, a->envc, a->envp, &sp);
    if (rc < 0) {
        t->mspace = old;
        t->brk = old_brk;
        t->brk_start = old_brk_start;
        task_switch(t);
        mspace_close(ms);
        return rc;
    }
    if (t->group->live > 1) {
        thread_end_others(true); /* past the point of no return */
        proc_become_leader(t);
    }
    mspace_close(old); /* a vfork child drops its share only */
    exec_reset(t);
    t->exe = ino->name ? ino->name : "?";
    inode_open(ino);
    if (t->image)
        inode_close(t->image);
    t->image = ino;
    t->name = base_name(t->exe);
    task_set_comm(t, base_name(a->path)); /* as Linux: the path given */
    t->group->execed = true; /* setpgid by its parent: EACCES from now */
    struct syscall_frame *f = context_syscall_frame(t->kstack_top);
    memset(f, 0, sizeof(*f));
    f->rip = plan.entry;
    f->rsp = sp;
    f->rflags = 0x202; /* IF */
    proc_vfork_release(t);
    return 0;
}

long sys_execve(const long *ua)
{
    task_t *t = task_current();
    struct exec_args *a = kalloc(sizeof(*a));
    if (!a)
        return -ENOMEM;
    long rc = strncpy_from_user(a->path, (const char *)ua[0], sizeof(a->path));
    if (rc >= (long)sizeof(a->path))
        rc = -ENAMETOOLONG;
    if (rc >= 0)
        rc = a->argc = (int)copy_vector(a, a->argv, EXEC_MAX_ARGS, ua[1]);
    if (rc >= 0)
        rc = a->envc = (int)copy_vector(a, a->envp, EXEC_MAX_ENV, ua[2]);
    inode_t *ino = NULL;
    if (rc >= 0) {
        rc = tmpfs_exec_lookup(t->cwd, a->path, &ino);
    }
    if (rc >= 0)
        rc = exec_replace(t, ino, a);
    kfree(a);
    return rc;
}
