/* procfs.c - /proc/self/maps and smaps from mspace_display(_smaps),
 * /proc/buddyinfo from the buddy lists, /proc/meminfo from the
 * frame and commit counters, /proc/self/stat from the task and its space
 * (see procfs.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mm/kalloc.h"
#include "mm/memory.h"
#include "mm/page.h"
#include "unikernel/fd.h"
#include "unikernel/procfs.h"
#include "unikernel/sched.h"
#include "unikernel/task.h"
#include "unikernel/thread.h"

bool procfs_owns(const char *path)
{
    return strncmp(path, "/proc/", 6) == 0 || strcmp(path, "/proc") == 0;
}

static long maps_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    return file_read_buffer(f->text, f->text_len, buf, n, pos);
}

static void maps_stat(struct file *f, struct kstat *st)
{
    (void)f;
    st->st_mode = KS_IFREG | 0444; /* size 0, as Linux says of proc files */
    st->st_nlink = 1;
    st->st_blksize = 1024;
}

static const struct file_ops maps_ops = {
    .read = maps_read,
    .stat = maps_stat,
};

struct file *procfs_text_new(size_t size, int *err)
{
    struct file *f = file_new(&maps_ops, NULL);
    if (f)
        f->text = kalloc(size);
    if (!f || !f->text) {
        if (f)
            file_put(f);
        *err = -ENOMEM;
        return NULL;
    }
    f->seekable = 1;
    return f;
}

/* /proc/meminfo: the frame and commit figures, in Linux's format and
 * order (name padded to 16 columns, kB right-aligned in 8). */
static struct file *meminfo_open(int *err)
{
    const struct {
        const char *name;
        size_t pages;
    } rows[] = {
        {"MemTotal:", page_total_count()},  {"MemFree:", page_free_count()},
        {"Shmem:", mm_shmem()},             {"CommitLimit:", mm_commit_limit()},
        {"Committed_AS:", mm_committed()},
        {"AnonHugePages:", mm_huge_mapped() * MMU_LARGE_PAGES},
        {"ShmemHugePages:", mm_shmem_huge_blocks() * MMU_LARGE_PAGES},
        {"ShmemPmdMapped:", mm_shmem_pmd_mapped() * MMU_LARGE_PAGES},
    };
    size_t size = sizeof(rows) / sizeof(rows[0]) * 48;
    struct file *f = procfs_text_new(size, err);
    if (!f)
        return NULL;
    size_t len = 0;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        len += (size_t)snprintf(f->text + len, size - len, "%-16s%8zu kB\n",
                                rows[i].name, rows[i].pages * (PAGE_SIZE / 1024));
    f->text_len = len;
    return f;
}

/* /proc/interrupts: the timer's count on Linux's LOC line (one CPU), what
 * a program compares with Linux's; the timer's mode after it. */
static struct file *interrupts_open(int *err)
{
    size_t size = 160;
    struct file *f = procfs_text_new(size, err);
    if (!f)
        return NULL;
    int len = snprintf(f->text, size, "           CPU0       \n"
                       " LOC: %10lu   Local timer interrupts (%s)\n",
                       (unsigned long)sched_timer_interrupts(),
                       sched_timer_mode());
    f->text_len = (size_t)len < size ? (size_t)len : size - 1;
    return f;
}

/* /proc/buddyinfo: free blocks per order of each zone, Linux's format. */
static struct file *buddyinfo_open(int *err)
{
    static const char *const names[ZONE_COUNT] = {"DMA", "DMA32", "Normal"};
    size_t size = ZONE_COUNT * (24 + 8 * (PAGE_MAX_ORDER + 1)) + 1;
    struct file *f = procfs_text_new(size, err);
    if (!f)
        return NULL;
    size_t len = 0;
    for (int z = 0; z < ZONE_COUNT; z++) {
        size_t total, nfree, counts[PAGE_MAX_ORDER + 1];
        page_zone_stats((enum page_zone)z, &total, &nfree);
        if (!total)
            continue;
        page_zone_blocks((enum page_zone)z, counts);
        len += (size_t)snprintf(f->text + len, size - len, "Node 0, zone %8s ",
                                names[z]);
        for (int o = 0; o <= PAGE_MAX_ORDER; o++)
            len += (size_t)snprintf(f->text + len, size - len, "%6zu ",
                                    counts[o]);
        len += (size_t)snprintf(f->text + len, size - len, "\n");
    }
    f->text_len = len < size ? len : size - 1;
    return f;
}

/* /proc/self/stat: Linux's 52 fields; what the kernel keeps is real (pid,
 * ppid, pgrp, session, minflt: the faults its space resolved, threads, vsize, rss in
 * pages: redis's used_memory_rss reads field 24), the rest 0 (no CPU time
 * is kept). */
static struct file *stat_open(task_t *t, int *err)
{
    size_t size = 512;
    struct file *f = procfs_text_new(size, err);
    if (!f)
        return NULL;
    task_t *leader = t->group->leader;
    task_t *parent = leader->proc.parent;
    int pid = thread_tgid(t);
    /* a snapshot: the counters may move right after, as on Linux */
    int len = snprintf(f->text, size,
                       "%d (%.15s) R %d %d %d 0 -1 0 %zu 0 0 0 0 0 0 0 20 0 %d 0 0 "
                       "%zu %zu 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 0 "
                       "0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
                       pid, leader->comm, parent ? parent->id : 0,
                       t->group->pgid, t->group->sid, t->mspace->faults,
                       t->group->live,
                       t->mspace->v_size,
                       t->mspace->phys_pg_count);
    f->text_len = (size_t)len < size ? (size_t)len : size - 1;
    return f;
}

struct file *procfs_open(task_t *t, const char *path, int *err)
{
    struct file *info = procfs_info_open(t, path, err);
    if (info || *err != -ENOENT)
        return info;
    if (strcmp(path, "/proc/meminfo") == 0)
        return meminfo_open(err);
    if (strcmp(path, "/proc/interrupts") == 0)
        return interrupts_open(err);
    if (strcmp(path, "/proc/buddyinfo") == 0)
        return buddyinfo_open(err);
    char self[32];
    snprintf(self, sizeof(self), "/proc/%d/stat", thread_tgid(t));
    if (strcmp(path, "/proc/self/stat") == 0 || strcmp(path, self) == 0)
        return stat_open(t, err);
    snprintf(self, sizeof(self), "/proc/%d/maps", t->id);
    bool maps = strcmp(path, "/proc/self/maps") == 0 || strcmp(path, self) == 0;
    snprintf(self, sizeof(self), "/proc/%d/smaps", t->id);
    bool smaps = strcmp(path, "/proc/self/smaps") == 0 || strcmp(path, self) == 0;
    if (!maps && !smaps) {
        *err = -ENOENT;
        return NULL;
    }
    int (*show)(mspace_t *, char *, size_t) =
        smaps ? mspace_display_smaps : mspace_display;
    int len = show(t->mspace, NULL, 0);
    struct file *f = procfs_text_new((size_t)len + 1, err);
    if (!f)
        return NULL;
    /* the space cannot change in between: only this task maps in it */
    f->text_len = (size_t)show(t->mspace, f->text, (size_t)len + 1);
    return f;
}
