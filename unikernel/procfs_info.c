/*
 * procfs_info.c - the text files of /proc that describe the machine
 * (cpuinfo, uptime, loadavg, mounts, filesystems) and the calling process
 * (self/cmdline, environ, status, statm, and /proc/<its pid>/...), each a
 * snapshot taken at open, in Linux's format (see procfs.h).  One CPU, one
 * user (root), and what the kernel does not keep is left out rather than
 * made up.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/clock.h"
#include "arch/x86_64/arch.h"
#include "unikernel/usercopy.h"
#include "mm/kalloc.h"
#include "mm/memory.h"
#include "unikernel/fd.h"
#include "unikernel/procfs.h"
#include "unikernel/task.h"
#include "unikernel/thread.h"

#define KB(pages) ((pages) * (PAGE_SIZE / 1024))

static struct file *cpuinfo(int *err)
{
    char vendor[13], model[49];
    unsigned family, modelno, stepping;
    cpu_describe(vendor, model, &family, &modelno, &stepping);
    uint64_t hz = clock_tsc_hz();
    struct file *f = procfs_text_new(512, err);
    if (f)
        f->text_len = (size_t)snprintf(
            f->text, 512,
            "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %u\n"
            "model\t\t: %u\nmodel name\t: %s\nstepping\t: %u\n"
            "cpu MHz\t\t: %lu.%03lu\nphysical id\t: 0\nsiblings\t: 1\n"
            "core id\t\t: 0\ncpu cores\t: 1\nfpu\t\t: yes\n\n",
            vendor, family, modelno, model, stepping,
            (unsigned long)(hz / 1000000), (unsigned long)(hz / 1000 % 1000));
    return f;
}

static struct file *uptime(int *err)
{
    uint64_t cs = clock_monotonic_ns() / 10000000; /* hundredths */
    struct file *f = procfs_text_new(64, err);
    if (f) /* idle time is not kept: 0 */
        f->text_len = (size_t)snprintf(f->text, 64, "%lu.%02lu 0.00\n",
                                       (unsigned long)(cs / 100),
                                       (unsigned long)(cs % 100));
    return f;
}

static struct file *loadavg(task_t *t, int *err)
{
    struct file *f = procfs_text_new(64, err);
    if (f) /* no load averages are kept: 0, as an idle Linux */
        f->text_len = (size_t)snprintf(f->text, 64, "0.00 0.00 0.00 1/%d %d\n",
                                       t->group->live, t->id);
    return f;
}

static struct file *constant(const char *text, int *err)
{
    size_t n = strlen(text);
    struct file *f = procfs_text_new(n + 1, err);
    if (f) {
        memcpy(f->text, text, n);
        f->text_len = n;
    }
    return f;
}

/* The bytes [start, end) of the caller's memory (its argv or envp
 * strings), bounded by what exec takes. */
static struct file *user_strings(uintptr_t start, uintptr_t end, int *err)
{
    size_t n = end > start ? end - start : 0;
    if (n > 65536)
        n = 65536;
    struct file *f = procfs_text_new(n + 1, err);
    if (f && n && copy_from_user(f->text, (const void *)start, n) < 0)
        n = 0; /* unmapped since: empty, as Linux for a zombie */
    if (f)
        f->text_len = n;
    return f;
}

static struct file *status(task_t *t, int *err)
{
    task_t *leader = t->group->leader;
    task_t *parent = leader->proc.parent;
    mspace_t *ms = t->mspace;
    size_t size = 640;
    struct file *f = procfs_text_new(size, err);
    if (!f)
        return NULL;
    int pid = thread_tgid(t);
    f->text_len = (size_t)snprintf(
        f->text, size,
        "Name:\t%.15s\nUmask:\t0%d%d%d\nState:\tR (running)\nTgid:\t%d\n"
        "Ngid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n"
        "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
        "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n"
        "VmSize:\t%8zu kB\nVmRSS:\t%8zu kB\nVmData:\t%8zu kB\n"
        "AnonHugePages:\t%8zu kB\nThreads:\t%d\n",
        leader->comm,
        (t->umask >> 6) & 7, (t->umask >> 3) & 7, t->umask & 7, pid, pid,
        parent ? thread_tgid(parent) : 0, pid, pid, t->group->pgid, t->group->sid,
        ms->v_size / 1024, KB(ms->phys_pg_count), KB(ms->data_pages),
        ms->huge_count * (MMU_LARGE_SIZE / 1024), t->group->live);
    if (f->text_len >= size)
        f->text_len = size - 1;
    return f;
}

static struct file *statm(task_t *t, int *err)
{
    mspace_t *ms = t->mspace;
    struct file *f = procfs_text_new(96, err);
    if (f) /* size resident shared text lib data dt, in pages */
        f->text_len = (size_t)snprintf(f->text, 96, "%zu %zu 0 0 0 %zu 0\n",
                                       ms->v_size / PAGE_SIZE,
                                       ms->phys_pg_count, ms->data_pages);
    return f;
}

/* The name under /proc/self/ (or /proc/<the caller's pid>/) of `path`,
 * else NULL. */
static const char *self_entry(task_t *t, const char *path)
{
    char own[24];
    if (strncmp(path, "/proc/self/", 11) == 0)
        return path + 11;
    int n = snprintf(own, sizeof(own), "/proc/%d/", thread_tgid(t));
    return strncmp(path, own, (size_t)n) == 0 ? path + n : NULL;
}

struct file *procfs_info_open(task_t *t, const char *path, int *err)
{
    *err = 0;
    if (strcmp(path, "/proc/cpuinfo") == 0)
        return cpuinfo(err);
    if (strcmp(path, "/proc/uptime") == 0)
        return uptime(err);
    if (strcmp(path, "/proc/loadavg") == 0)
        return loadavg(t, err);
    if (strcmp(path, "/proc/mounts") == 0 ||
        strcmp(path, "/proc/self/mounts") == 0)
        return constant("tmpfs / tmpfs rw 0 0\nproc /proc proc rw 0 0\n"
                        "tmpfs /dev/shm tmpfs rw 0 0\n",
                        err);
    if (strcmp(path, "/proc/filesystems") == 0)
        return constant("nodev\ttmpfs\nnodev\tproc\n", err);
    const char *e = self_entry(t, path);
    if (e && strcmp(e, "cmdline") == 0)
        return user_strings(t->arg_start, t->arg_end, err);
    if (e && strcmp(e, "environ") == 0)
        return user_strings(t->env_start, t->env_end, err);
    if (e && strcmp(e, "status") == 0)
        return status(t, err);
    if (e && strcmp(e, "statm") == 0)
        return statm(t, err);
    *err = -ENOENT;
    return NULL;
}
