/*
 * selftest_fault.c - `test=faults`: demand paging on the real page tables.
 * Two tasks (parent and clone) are made current in turn and their user
 * memory is touched through the usercopy routines, so every page comes in
 * through a hardware #PF, task_fault and mspace_resolve.  Checks zero
 * page, zero fill, COW on both sides with last-owner reuse, a file mapping
 * with its limit, VMA_PHYS, VMA_RESOLVE, the failure reasons, and that a
 * second round gives back every frame it took.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arch/mmu.h"
#include "arch/x86_64/user.h"
#include "klog.h"
#include "mm/inode.h"
#include "mm/kalloc.h"
#include "mm/memory.h"
#include "mm/page.h"
#include "selftest.h"
#include "unikernel/task.h"
#include "unikernel/usercopy.h"

#define ANON_PAGES 8
#define FILE_SIZE (3 * PAGE_SIZE + 100)
#define FILE_LIMIT (PAGE_SIZE + 50) /* real bytes of the private mapping */
#define RW (VMA_READ | VMA_WRITE)

/* kalloc'd for the test's run: a boot without selftests pays no bss */
static unsigned char *file_data; /* FILE_SIZE */
static unsigned char *buf;       /* PAGE_SIZE */
static int failures;

static void check(bool ok, const char *what)
{
    kprintf("selftest faults: %s - %s\n", ok ? "ok" : "not ok", what);
    failures += !ok;
}

/* The frame behind `va` in `ms` (0: none) and whether it is writable. */
static phys_addr_t frame_of(mspace_t *ms, uintptr_t va, bool *writable)
{
    phys_addr_t pa = 0;
    int f = mmu_query(ms->directory, va, &pa);
    if (writable)
        *writable = f & MMU_WRITE;
    return (f & MMU_PRESENT) ? pa : 0;
}

/* True when the user page at `va` reads as `want` (n bytes) then zeros. */
static bool user_page_is(uintptr_t va, const void *want, size_t n)
{
    if (copy_from_user(buf, (const void *)va, PAGE_SIZE))
        return false;
    if (n && memcmp(buf, want, n))
        return false;
    for (size_t i = n; i < PAGE_SIZE; i++)
        if (buf[i])
            return false;
    return true;
}

static bool user_write(uintptr_t va, const char *s)
{
    return copy_to_user((void *)va, s, strlen(s) + 1) == 0;
}

/* Anonymous memory: reads map the zero page, a write replaces it. */
static uintptr_t anon_part(mspace_t *ms)
{
    void *at = mspace_map(ms, 0, ANON_PAGES * PAGE_SIZE, NULL, 0, 0,
                          RW | VMA_COW | VMA_ANON);
    check(!mspace_error(at), "anonymous range mapped");
    if (mspace_error(at))
        return 0;
    uintptr_t a = (uintptr_t)at;
    size_t free0 = page_free_count();
    bool zeros = true, same = true;
    for (int i = 0; i < ANON_PAGES; i++)
        zeros &= user_page_is(a + i * PAGE_SIZE, NULL, 0);
    bool w;
    phys_addr_t zp = frame_of(ms, a, &w);
    for (int i = 0; i < ANON_PAGES; i++)
        same &= frame_of(ms, a + i * PAGE_SIZE, NULL) == zp;
    size_t tables = free0 - page_free_count();
    /* up to 3 page-table pages, and the zero page on its first use */
    kprintf("selftest faults: %d pages read, %zu frames taken (page tables), "
            "phys_pg_count %zu\n", ANON_PAGES, tables, ms->phys_pg_count);
    check(zeros && same && zp && !w && page_refcount(zp) >= ANON_PAGES &&
              tables <= 4 &&
              ms->phys_pg_count == ANON_PAGES,
          "reads of fresh anonymous memory see the shared zero page");
    size_t free1 = page_free_count();
    bool wrote = user_write(a, "parent-0");
    phys_addr_t pa = frame_of(ms, a, &w);
    check(wrote && pa && pa != zp && w &&
              page_free_count() == free1 - 1 &&
              ms->phys_pg_count == ANON_PAGES &&
              user_page_is(a, "parent-0", 9) &&
              frame_of(ms, a + PAGE_SIZE, NULL) == zp,
          "a write replaces the zero page by one new frame");
    const uint64_t *z = mmu_kaddr(zp);
    bool still = true;
    for (size_t i = 0; i < PAGE_SIZE / 8; i++)
        still &= z[i] == 0;
    check(still, "the zero page stays zero");
    return a;
}

/* COW after a clone: each side's first write copies or reuses. */
static void cow_part(task_t *pt, task_t *ct, uintptr_t a)
{
    mspace_t *ps = pt->mspace, *cs = ct->mspace;
    bool pw, cw;
    phys_addr_t shared = frame_of(ps, a, &pw);
    check(shared && shared == frame_of(cs, a, &cw) && !pw && !cw &&
              page_refcount(shared) == 2,
          "after the clone both sides map the frame read-only");
    task_switch(ct);
    size_t free0 = page_free_count();
    bool ok = user_page_is(a, "parent-0", 9) && user_write(a, "child-0");
    phys_addr_t copy = frame_of(cs, a, &cw);
    check(ok && copy && copy != shared && cw &&
              page_free_count() == free0 - 1 && page_refcount(shared) == 1 &&
              user_page_is(a, "child-0", 8),
          "child write copies the page (one frame)");
    task_switch(pt);
    free0 = page_free_count();
    ok = user_page_is(a, "parent-0", 9) && user_write(a, "parent-1");
    check(ok && frame_of(ps, a, &pw) == shared && pw &&
              page_free_count() == free0 && user_page_is(a, "parent-1", 9),
          "parent, last owner, regains write access without a copy");
    task_switch(ct);
    ok = user_page_is(a, "child-0", 8) && user_write(a + PAGE_SIZE, "child-1");
    phys_addr_t one = frame_of(cs, a + PAGE_SIZE, NULL);
    check(ok && one && one != frame_of(cs, a + 2 * PAGE_SIZE, NULL),
          "child sees its own data; a write over the zero page gets a frame");
    task_switch(pt);
    check(user_page_is(a, "parent-1", 9) &&
              user_page_is(a + PAGE_SIZE, NULL, 0),
          "parent sees its own data");
}

/* A file mapping: the cache's frames, zeros past the limit, private
 * writes copied; a shared mapping maps the cached frame itself. */
static void file_part(mspace_t *ms)
{
    for (size_t i = 0; i < FILE_SIZE; i++)
        file_data[i] = (unsigned char)(i * 7 + 1);
    inode_t *ino = inode_create("/selftest/file", file_data, FILE_SIZE,
                                VMA_READ);
    check(ino != NULL, "inode created");
    if (!ino)
        return;
    void *at = mspace_map(ms, 0, 3 * PAGE_SIZE, ino, 0, FILE_LIMIT,
                          RW | VMA_COW | VMA_FILE);
    void *sh = mspace_map(ms, 0, PAGE_SIZE, ino, 0, 0,
                          VMA_READ | VMA_SHARED | VMA_FILE);
    inode_close(ino); /* the mappings hold it */
    check(!mspace_error(at) && !mspace_error(sh), "file mapped twice");
    if (mspace_error(at) || mspace_error(sh))
        return;
    uintptr_t f = (uintptr_t)at, s = (uintptr_t)sh;
    bool ok = user_page_is(f, file_data, PAGE_SIZE) &&
              user_page_is(f + PAGE_SIZE, file_data + PAGE_SIZE, 50) &&
              user_page_is(f + 2 * PAGE_SIZE, NULL, 0);
    check(ok, "file pages read, bytes past the limit read zero");
    bool w;
    phys_addr_t cached = frame_of(ms, f, &w);
    check(user_page_is(s, file_data, PAGE_SIZE) && cached && !w &&
              frame_of(ms, s, NULL) == cached,
          "private and shared mappings map the cached frame");
    ok = user_write(f, "private");
    phys_addr_t copy = frame_of(ms, f, &w);
    check(ok && copy != cached && w && user_page_is(s, file_data, PAGE_SIZE),
          "a private write copies; the file stays as it was");
    check(mspace_unmap(ms, f, 3 * PAGE_SIZE) == 0 &&
              mspace_unmap(ms, s, PAGE_SIZE) == 0,
          "file mappings unmapped");
}

/* VMA_PHYS maps the given frame and never allocates; VMA_RESOLVE
 * populates at map time. */
static void phys_resolve_part(mspace_t *ms)
{
    phys_addr_t frame = page_new();
    check(frame != 0, "frame for VMA_PHYS");
    if (!frame)
        return;
    memset(mmu_kaddr(frame), 0, PAGE_SIZE);
    memcpy(mmu_kaddr(frame), "physical", 9);
    void *at = mspace_map(ms, 0, PAGE_SIZE, NULL, frame, 0,
                          RW | VMA_SHARED | VMA_PHYS);
    if (!mspace_error(at)) {
        size_t free0 = page_free_count();
        bool ok = user_page_is((uintptr_t)at, "physical", 9) &&
                  user_write((uintptr_t)at, "written");
        check(ok && frame_of(ms, (uintptr_t)at, NULL) == frame &&
                  page_free_count() == free0 &&
                  !memcmp(mmu_kaddr(frame), "written", 8),
              "VMA_PHYS maps the frame itself, allocates nothing");
        mspace_unmap(ms, (uintptr_t)at, PAGE_SIZE);
    }
    check(!mspace_error(at) && page_refcount(frame) == 1,
          "VMA_PHYS unmapped, the frame untouched");
    page_release(frame);
    size_t pages = ms->phys_pg_count;
    at = mspace_map(ms, 0, 4 * PAGE_SIZE, NULL, 0, 0,
                    RW | VMA_COW | VMA_ANON | VMA_RESOLVE);
    bool present = !mspace_error(at);
    for (int i = 0; i < 4 && present; i++)
        present = frame_of(ms, (uintptr_t)at + i * PAGE_SIZE, NULL) != 0;
    check(present && ms->phys_pg_count == pages + 4 &&
              user_page_is((uintptr_t)at + 3 * PAGE_SIZE, NULL, 0),
          "VMA_RESOLVE populates every page at map time");
}

/* Each reason: through mspace_resolve, and as -EFAULT from usercopy. */
static void reasons_part(mspace_t *ms, uintptr_t anon)
{
    void *ro = mspace_map(ms, 0, PAGE_SIZE, NULL, 0, 0,
                          VMA_READ | VMA_COW | VMA_ANON);
    void *st = mspace_map(ms, 0, 4 * PAGE_SIZE, NULL, 0, 0,
                          RW | VMA_COW | VMA_STACK);
    if (mspace_error(ro) || mspace_error(st)) {
        check(false, "mappings for the failure reasons");
        return;
    }
    uintptr_t r = (uintptr_t)ro, s = (uintptr_t)st;
    void *hole = mspace_map(ms, 0, PAGE_SIZE, NULL, 0, 0, RW | VMA_COW | VMA_ANON);
    uintptr_t none = (uintptr_t)hole; /* no VMA there once unmapped */
    if (mspace_error(hole) || mspace_unmap(ms, none, PAGE_SIZE)) {
        check(false, "a hole for the no-vma reason");
        return;
    }
    const int u = FAULT_USER;
    check(mspace_resolve(ms, none, FAULT_READ | u) == MM_FAULT_NO_VMA &&
              copy_from_user(buf, (void *)none, 1) == -EFAULT,
          "outside any VMA: no vma, -EFAULT");
    check(mspace_resolve(ms, r, FAULT_WRITE | u) == MM_FAULT_WRITE_RO &&
              copy_to_user((void *)r, "x", 1) == -EFAULT,
          "write to read-only: refused, -EFAULT");
    check(mspace_resolve(ms, anon, FAULT_EXEC | u) == MM_FAULT_EXEC_NX,
          "exec of non-exec: refused");
    check(mspace_protect(ms, r, PAGE_SIZE, 0) == 0 &&
              mspace_resolve(ms, r, FAULT_READ | u) == MM_FAULT_READ_NONE &&
              copy_from_user(buf, (void *)r, 1) == -EFAULT,
          "read of PROT_NONE: refused, -EFAULT");
    check(mspace_resolve(ms, 0xffffffff81000000ul, FAULT_READ | u) ==
                  MM_FAULT_KERNEL_ADDR &&
              copy_from_user(buf, (void *)0xffffffff81000000ul, 1) == -EFAULT,
          "user access to the kernel half: refused, -EFAULT");
    check(mspace_resolve(ms, s + 8, FAULT_WRITE | u) == MM_FAULT_STACK_GUARD &&
              copy_to_user((void *)(s + 8), "x", 1) == -EFAULT &&
              user_write(s + PAGE_SIZE, "stack"),
          "stack guard page: refused, -EFAULT; the page above works");
}

/* One round: two tasks, every part, everything closed again. */
static void fault_round(void)
{
    task_t *pt = task_create("faults-parent", NULL);
    if (!pt) {
        check(false, "task created");
        return;
    }
    task_switch(pt);
    uintptr_t anon = anon_part(pt->mspace);
    mspace_t *child = anon ? mspace_clone(pt->mspace) : NULL;
    task_t *ct = child ? task_create("faults-child", child) : NULL;
    check(ct != NULL, "space cloned");
    if (ct) {
        cow_part(pt, ct, anon);
        file_part(pt->mspace);
        phys_resolve_part(pt->mspace);
        reasons_part(pt->mspace, anon);
        mspace_check(pt->mspace);
        mspace_check(ct->mspace);
    }
    task_switch(NULL);
    if (ct)
        task_destroy(ct);
    task_destroy(pt);
}

int selftest_faults(void)
{
    user_init(); /* tasks save an FPU state: SSE must be on */
    file_data = kalloc(FILE_SIZE);
    buf = kalloc(PAGE_SIZE);
    check(file_data && buf, "test buffers allocated");
    if (file_data && buf) {
        fault_round(); /* warm-up: the zero page, descriptor slabs, tables */
        size_t before = page_free_count();
        fault_round();
        size_t after = page_free_count();
        kprintf("selftest faults: %zu free frames before, %zu after\n",
                before, after);
        check(after == before, "every frame given back");
    }
    kfree(file_data);
    kfree(buf);
    file_data = buf = NULL;
    return failures ? -EINVAL : 0;
}
