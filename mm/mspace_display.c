/*
 * mm/mspace_display.c - the VMAs of an address space as /proc/PID/maps
 * text (mspace_display), and as /proc/PID/smaps (mspace_display_smaps:
 * each line followed by its sizes).  Reads the tree and the page tables
 * under the mspace lock; changes nothing.
 */
#include <stdio.h>
#include <string.h>

#include "mm/inode.h"
#include "mm/internal.h"

/* Appends to a bounded buffer, counting what would not fit (snprintf). */
typedef struct out {
    char *buf;
    size_t size, len;
} out_t;

static void out_put(out_t *o, const char *s, size_t n)
{
    if (o->len < o->size) {
        size_t room = o->size - o->len;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
}

static const char *vma_name(const vma_t *v)
{
    if (v->flags & VMA_HEAP)
        return "[heap]";
    if (v->flags & VMA_STACK)
        return "[stack]";
    if (v->ino && v->ino->name)
        return v->ino->name;
    return NULL;
}

/* One line of /proc/PID/maps; the name starts at column 73 as in Linux. */
static void display_vma(out_t *o, const vma_t *v)
{
    char line[128];
    int f = v->flags;
    unsigned long long off = (f & (VMA_FILE | VMA_PHYS)) ? v->offset : 0;
    int n =
        snprintf(line, sizeof(line), "%08lx-%08lx %c%c%c%c %08llx 00:00 %lu",
                 (unsigned long)vma_base(v), (unsigned long)vma_end(v),
                 f & VMA_READ ? 'r' : '-', f & VMA_WRITE ? 'w' : '-',
                 f & VMA_EXEC ? 'x' : '-', f & VMA_SHARED ? 's' : 'p', off,
                 v->ino ? (unsigned long)v->ino->number : 0ul);
    out_put(o, line, (size_t)n);
    const char *name = vma_name(v);
    if (name) {
        for (; n < 73; n++)
            out_put(o, " ", 1);
        out_put(o, name, strlen(name));
    }
    out_put(o, "\n", 1);
}

/* The pages of `v` present, and the superpages among them. */
static void vma_resident(mspace_t *ms, const vma_t *v, size_t *pages,
                         size_t *huge)
{
    *pages = *huge = 0;
    for (uintptr_t va = vma_base(v);
         ms->phys_pg_count &&
         (va = mmu_next_mapped(ms->directory, va, vma_end(v))) < vma_end(v);
         va += PAGE_SIZE) {
        (*pages)++;
        if ((mmu_query(ms->directory, va, NULL) & MMU_LARGE) &&
            !(va & (MMU_LARGE_SIZE - 1)))
            (*huge)++;
    }
}

/* The size lines smaps gives after a VMA's line (Linux's names, kB). */
static void display_sizes(out_t *o, mspace_t *ms, const vma_t *v)
{
    size_t pages, huge;
    vma_resident(ms, v, &pages, &huge);
    size_t kb = huge * (MMU_LARGE_SIZE / 1024);
    bool file = v->flags & VMA_FILE; /* a shared file superpage: shmem's */
    char line[240];
    int n = snprintf(line, sizeof(line),
                     "Size:           %8zu kB\nKernelPageSize: %8zu kB\n"
                     "Rss:            %8zu kB\nAnonHugePages:  %8zu kB\n"
                     "ShmemPmdMapped: %8zu kB\nFilePmdMapped:  %8zu kB\n",
                     v->length / 1024, PAGE_SIZE / 1024,
                     pages * (PAGE_SIZE / 1024), file ? 0 : kb, file ? kb : 0,
                     (size_t)0);
    out_put(o, line, (size_t)n);
}

static int display(mspace_t *mspace, char *buf, size_t size, bool sizes)
{
    out_t o = {buf, size, 0};
    splock_lock(&mspace->lock);
    for (vma_t *v = vma_first(mspace); v; v = vma_next(v))
        if (!(v->flags & VMA_DEAD)) {
            display_vma(&o, v);
            if (sizes)
                display_sizes(&o, mspace, v);
        }
    splock_unlock(&mspace->lock);
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int mspace_display(mspace_t *mspace, char *buf, size_t size)
{
    return display(mspace, buf, size, false);
}

int mspace_display_smaps(mspace_t *mspace, char *buf, size_t size)
{
    return display(mspace, buf, size, true);
}

