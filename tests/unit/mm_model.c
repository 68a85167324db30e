/*
 * tests/unit/mm_model.c - see mm_model.h.  The model keeps, per space, an
 * array of page states (mapped, flags, backing, resident, content cell);
 * the expected VMA list is the maximal runs of compatible pages.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/inode.h"
#include "mm/internal.h"
#include "mm/page.h"
#include "tests/unit/fake_mmu.h"
#include "tests/unit/mm_model.h"

#define NP 48 /* pages of the model window */
#define BASE MSPACE_USER_LOWER
#define MAX_SPACES 3
#define NPHYS 8
#define FILE_PAGES 20
#define FILE_SIZE (FILE_PAGES * PAGE_SIZE + 100)
#define COMMIT_LIMIT 40
#define MAX_CELLS 4096

typedef struct cell {
    uint32_t head, tail; /* first and last 4 bytes of the page */
    int refs;
} cell_t;

typedef struct mpage {
    bool mapped, dead, resident;
    int flags;      /* normalised VMA flags, no DEAD */
    uint64_t off;   /* file offset or physical address of this page */
    uint64_t limit; /* as vma->limit */
    int seg;        /* dead segment (the VMA it was when swept) */
    int cell;
} mpage_t;

typedef struct mspace_model {
    mspace_t *ms;
    mpage_t p[NP];
} model_space_t;

unsigned long model_ops, model_errors, model_injected;

/* Armed for one operation now and then: the Nth allocation (descriptor,
 * frame or page-table page) fails.  An operation that then fails with
 * ENOMEM must leave everything as it was: the model is not updated and
 * check_all() compares the untouched model with the real state. */
static bool injecting;

static void disarm(void)
{
    fake_alloc_fail_nth(0);
    page_fail_nth(0);
    fake_mmu_fail_nth(0);
    injecting = false;
}

static bool injected(bool nomem)
{
    if (injecting && nomem)
        model_injected++;
    return injecting && nomem;
}

static uint64_t (*next_fn)(void *);
static void *next_ctx;
static model_space_t spaces[MAX_SPACES];
static int nspaces;
static cell_t cells[MAX_CELLS];
static int phys_cell[NPHYS];
static int file_cell[FILE_PAGES + 8];
static phys_addr_t phys_base;
static inode_t *file;
static unsigned char file_data[FILE_SIZE];
static size_t frames_at_start;
static long allocs_at_start;
static int next_seg = 1;

static unsigned rnd(unsigned n)
{
    return n ? (unsigned)(next_fn(next_ctx) % n) : 0;
}

static int cell_new(uint32_t head, uint32_t tail)
{
    for (int i = 0; i < MAX_CELLS; i++)
        if (cells[i].refs == 0) {
            cells[i] = (cell_t){head, tail, 1};
            return i;
        }
    assert(!"model: out of cells");
    return -1;
}

static void cell_drop(int c)
{
    assert(cells[c].refs > 0);
    cells[c].refs--;
}

static uint32_t bytes_at(uint64_t fo, uint64_t limit)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) {
        uint64_t x = fo + (uint64_t)i;
        v = v << 8 | (x < FILE_SIZE && x < limit ? file_data[x] : 0);
    }
    return v;
}

static int file_page_cell(uint64_t fo, uint64_t limit)
{
    return cell_new(bytes_at(fo, limit), bytes_at(fo + PAGE_SIZE - 4, limit));
}

static bool is_private_write(int flags)
{
    return vma_commit_pages(flags, PAGE_SIZE) != 0;
}

static size_t model_commit(void)
{
    size_t n = 0;
    for (int s = 0; s < nspaces; s++)
        for (int i = 0; i < NP; i++) {
            mpage_t *p = &spaces[s].p[i];
            if (p->mapped)
                n += is_private_write(p->flags) ||
                     ((p->flags & VMA_STACK) && p->resident);
        }
    return n;
}

static void page_clear(mpage_t *p)
{
    if (p->mapped)
        cell_drop(p->cell);
    memset(p, 0, sizeof(*p));
}

/* Same VMA: compatible attributes and contiguous backing. */
static bool same_vma(const mpage_t *a, const mpage_t *b)
{
    if (!a->mapped || !b->mapped || a->dead != b->dead ||
        a->flags != b->flags || a->limit != b->limit)
        return false;
    if (a->dead && a->seg != b->seg)
        return false;
    return !(a->flags & (VMA_FILE | VMA_PHYS)) || a->off + PAGE_SIZE == b->off;
}

static bool run_start(const model_space_t *m, int i)
{
    return m->p[i].mapped && (i == 0 || !same_vma(&m->p[i - 1], &m->p[i]));
}

static void check_space(model_space_t *m)
{
    mspace_t *ms = m->ms;
    mspace_check(ms);
    assert(fake_mmu_count(ms->directory) == ms->phys_pg_count);
    assert(fake_mmu_pending(ms->directory) == 0);
    size_t mapped = 0, priv = 0;
    vma_t *v = (vma_t *)bbtree_first(&ms->tree);
    for (int i = 0; i < NP; i++) {
        mpage_t *p = &m->p[i];
        uintptr_t va = BASE + (uintptr_t)i * PAGE_SIZE;
        if (run_start(m, i)) {
            assert(v && vma_base(v) == va);
            assert((v->flags & ~VMA_DEAD) == p->flags &&
                   !!(v->flags & VMA_DEAD) == p->dead);
            assert(v->limit == p->limit &&
                   v->ino == ((p->flags & VMA_FILE) ? file : NULL));
            if (p->flags & (VMA_FILE | VMA_PHYS))
                assert(v->offset == p->off);
            int j = i + 1;
            while (j < NP && same_vma(&m->p[j - 1], &m->p[j]))
                j++;
            assert(v->length == (size_t)(j - i) * PAGE_SIZE);
            v = (vma_t *)bbtree_next(&v->node);
        }
        phys_addr_t pa;
        int now = mmu_query(ms->directory, va, &pa);
        assert(!!(now & MMU_PRESENT) == (p->mapped && p->resident));
        if (!p->mapped)
            continue;
        mapped++;
        priv += !(p->flags & VMA_SHARED);
        if (p->resident) {
            const unsigned char *b = mmu_kaddr(pa);
            uint32_t head, tail;
            memcpy(&head, b, 4);
            memcpy(&tail, b + PAGE_SIZE - 4, 4);
            assert(head == cells[p->cell].head && tail == cells[p->cell].tail);
        }
    }
    assert(v == NULL);
    assert(ms->v_size == mapped * PAGE_SIZE && ms->p_size == priv * PAGE_SIZE);
}

static void check_all(void)
{
    for (int s = 0; s < nspaces; s++)
        check_space(&spaces[s]);
    assert(mm_committed() == model_commit());
}

void model_init(uint64_t (*next)(void *ctx), void *ctx)
{
    next_fn = next;
    next_ctx = ctx;
    fake_mmu_setup();
    mm_zero_page();
    mm_commit_set_limit(COMMIT_LIMIT);
    static bool once;
    if (!once) {
        once = true;
        for (size_t i = 0; i < FILE_SIZE; i++)
            file_data[i] = (unsigned char)(i * 7 + 3) | 1;
        phys_base = page_new_range(NPHYS, ZONE_NORMAL);
        assert(phys_base);
        for (int i = 0; i < NPHYS; i++)
            page_zero(phys_base + (phys_addr_t)i * PAGE_SIZE);
    }
    memset(cells, 0, sizeof(cells));
    for (int i = 0; i < NPHYS; i++) {
        phys_cell[i] = cell_new(0, 0);
        page_zero(phys_base + (phys_addr_t)i * PAGE_SIZE);
    }
    file = inode_create("/app/data", file_data, FILE_SIZE, VMA_READ | VMA_EXEC);
    assert(file);
    for (int i = 0; i < FILE_PAGES + 8; i++)
        file_cell[i] = file_page_cell((uint64_t)i * PAGE_SIZE, UINT64_MAX);
    frames_at_start = page_free_count();
    allocs_at_start = fake_alloc_live();
    nspaces = 1;
    memset(spaces, 0, sizeof(spaces));
    spaces[0].ms = mspace_create();
    assert(spaces[0].ms);
}

/* Picks the flags of a random mapping; *off, *limit for its backing. */
static int random_map_flags(uint64_t *off, uint64_t *limit, size_t len,
                            inode_t **ino)
{
    int rights = (int)rnd(8), flags = rights;
    unsigned kind = rnd(10);
    *off = 0;
    *limit = 0;
    *ino = NULL;
    if (kind < 3) {
        flags |= VMA_ANON;
    } else if (kind == 3) {
        flags |= VMA_HEAP;
    } else if (kind == 4) {
        flags |= VMA_STACK;
    } else if (kind <= 6) {
        *ino = file;
        *off = (uint64_t)rnd(FILE_PAGES + 8 - (unsigned)(len / PAGE_SIZE)) *
               PAGE_SIZE;
        if (kind == 6)
            flags |= VMA_SHARED;
        else if (rnd(2))
            *limit = 1 + rnd((unsigned)len);
    } else if (kind == 7) {
        flags |= VMA_PHYS;
        *off =
            phys_base +
            (uint64_t)rnd(NPHYS - (unsigned)(len / PAGE_SIZE) + 1) * PAGE_SIZE;
    } else if (kind == 8) {
        flags |= VMA_ANON | VMA_SHARED;
    } else {
        flags |= VMA_ANON | VMA_COW;
    }
    if (rnd(4) == 0)
        flags |= (int)(1 + rnd(7)) << VMA_MAX_SHIFT;
    if (rnd(8) == 0)
        flags |= VMA_RESOLVE;
    return flags;
}

/* The flags mspace_map stores, or -errno from the flag checks. */
static int expect_flags(int flags)
{
    int type = flags & VMA_TYPE;
    if (!type)
        type = VMA_FILE;
    flags = (flags & ~VMA_TYPE) | type;
    if (type == VMA_PHYS)
        flags |= VMA_SHARED;
    if (!(flags & VMA_SHARING))
        flags |= VMA_COW;
    if (!(flags & VMA_MAXRIGHTS))
        flags |= VMA_MAXRIGHTS;
    if (type == VMA_FILE && (flags & VMA_SHARED))
        flags &= ~(VMA_MAXWRITE);
    if ((flags & VMA_RIGHTS) & ~((flags & VMA_MAXRIGHTS) >> VMA_MAX_SHIFT))
        return -EACCES;
    return flags & ~VMA_REQUEST;
}

static bool range_free(model_space_t *m, int at, int n)
{
    for (int i = at; i < at + n; i++)
        if (i < NP && m->p[i].mapped)
            return false;
    return true;
}

static void op_map(model_space_t *m)
{
    int n = 1 + (int)rnd(6);
    int at = (int)rnd(NP);
    uint64_t off, limit;
    inode_t *ino;
    int flags = random_map_flags(&off, &limit, (size_t)n * PAGE_SIZE, &ino);
    if ((flags & VMA_STACK) && n < 2)
        n = 2;
    bool fixed = rnd(2), use_hint = rnd(2);
    int want = expect_flags(flags);
    int expect = want < 0 ? want : 0;
    if (fixed) {
        flags |= VMA_FIXED;
        if (at + n > NP)
            return;
        if (!expect && !range_free(m, at, n))
            expect = -EEXIST;
    } else {
        if (!use_hint)
            at = 0;
        while (!range_free(m, at, n))
            at++;
        if (at + n > NP)
            return; /* would land outside the model window */
    }
    size_t charge =
        want < 0 ? 0 : vma_commit_pages(want, (size_t)n * PAGE_SIZE);
    if (want > 0 && (want & VMA_STACK) && (flags & VMA_RESOLVE))
        charge = (size_t)n - 1; /* every page but the guard, now */
    if (!expect && model_commit() + charge > COMMIT_LIMIT)
        expect = -ENOMEM;
    uintptr_t va = BASE + (uintptr_t)at * PAGE_SIZE;
    void *r = mspace_map(m->ms, fixed || use_hint ? va : 0,
                         (size_t)n * PAGE_SIZE, ino, off, limit, flags);
    if (injected(mspace_error(r) == -ENOMEM))
        return;
    assert(mspace_error(r) == expect);
    if (expect) {
        model_errors++;
        return;
    }
    assert(r == (void *)va);
    bool populate = (flags & VMA_RESOLVE) ||
                    ((want & VMA_SHARED) && !(want & (VMA_FILE | VMA_PHYS)));
    for (int i = 0; i < n; i++) {
        mpage_t *p = &m->p[at + i];
        uint64_t po = off + (uint64_t)i * PAGE_SIZE;
        p->mapped = true;
        p->flags = want;
        p->resident = populate && !((want & VMA_STACK) && i == 0);
        p->off = (want & (VMA_FILE | VMA_PHYS)) ? po : 0;
        p->limit = (want & VMA_FILE) ? (limit ? off + limit : UINT64_MAX) : 0;
        if (want & VMA_PHYS) {
            p->cell = phys_cell[(po - phys_base) / PAGE_SIZE];
            cells[p->cell].refs++;
        } else if ((want & VMA_FILE) && (want & VMA_SHARED)) {
            p->cell = file_cell[po / PAGE_SIZE];
            cells[p->cell].refs++;
        } else if (want & VMA_FILE) {
            p->cell = file_page_cell(po, p->limit);
        } else {
            p->cell = cell_new(0, 0);
        }
    }
}

static void op_unmap(model_space_t *m)
{
    int at = (int)rnd(NP + 4), n = 1 + (int)rnd(8);
    int rc = mspace_unmap(m->ms, BASE + (uintptr_t)at * PAGE_SIZE,
                          (size_t)n * PAGE_SIZE);
    if (injected(rc == -ENOMEM))
        return;
    assert(rc == 0);
    for (int i = at; i < at + n && i < NP; i++)
        page_clear(&m->p[i]);
}

static void op_protect(model_space_t *m)
{
    int at = (int)rnd(NP + 2), n = 1 + (int)rnd(10), rights = (int)rnd(8);
    int expect = 0;
    long delta = 0;
    for (int i = at; i < at + n && !expect; i++) {
        mpage_t *p = i < NP ? &m->p[i] : NULL;
        if (!p || !p->mapped || p->dead)
            expect = -ENOMEM;
        else if (rights & ~((p->flags & VMA_MAXRIGHTS) >> VMA_MAX_SHIFT))
            expect = -EACCES;
        else
            delta += is_private_write((p->flags & ~VMA_RIGHTS) | rights) -
                     is_private_write(p->flags);
    }
    if (!expect && delta > 0 && model_commit() + (size_t)delta > COMMIT_LIMIT)
        expect = -ENOMEM;
    int rc = mspace_protect(m->ms, BASE + (uintptr_t)at * PAGE_SIZE,
                            (size_t)n * PAGE_SIZE, rights);
    if (injected(rc == -ENOMEM))
        return;
    assert(rc == expect);
    if (rc) {
        model_errors++;
        return;
    }
    for (int i = at; i < at + n; i++)
        m->p[i].flags = (m->p[i].flags & ~VMA_RIGHTS) | rights;
}

static void op_discard(model_space_t *m)
{
    int at = (int)rnd(NP + 2), n = 1 + (int)rnd(8);
    int expect = 0;
    for (int i = at; i < at + n; i++)
        if (i >= NP || !m->p[i].mapped || m->p[i].dead)
            expect = -ENOMEM;
    int rc = mspace_discard(m->ms, BASE + (uintptr_t)at * PAGE_SIZE,
                            (size_t)n * PAGE_SIZE);
    assert(rc == expect);
    if (rc) {
        model_errors++;
        return;
    }
    for (int i = at; i < at + n; i++) {
        mpage_t *p = &m->p[i];
        bool shared_anon =
            (p->flags & VMA_SHARED) && !(p->flags & (VMA_FILE | VMA_PHYS));
        if (shared_anon)
            continue;
        p->resident = false;
        if (p->flags & VMA_SHARED)
            continue; /* the file or the device keeps the content */
        cell_drop(p->cell);
        p->cell = (p->flags & VMA_FILE) ? file_page_cell(p->off, p->limit)
                                        : cell_new(0, 0);
    }
}

/* The state of a page that appears at page `i` of a remapped range
 * growing past its old pages (`first`: the range's first old page). */
static void grown_page(mpage_t *p, const mpage_t *first, int flags, int i)
{
    uint64_t po = first->off + (uint64_t)i * PAGE_SIZE;
    memset(p, 0, sizeof(*p));
    p->mapped = true;
    p->flags = flags;
    p->limit = first->limit;
    p->off = (flags & (VMA_FILE | VMA_PHYS)) ? po : 0;
    if ((flags & VMA_FILE) && (flags & VMA_SHARED)) {
        p->cell = file_cell[po / PAGE_SIZE];
        cells[p->cell].refs++;
    } else if (flags & VMA_FILE) {
        p->cell = file_page_cell(po, p->limit);
    } else {
        p->resident = flags & VMA_SHARED; /* shared anonymous: populated */
        p->cell = cell_new(0, 0);
    }
}

/* A page left by MREMAP_DONTUNMAP: mapped, empty (the next touch reads
 * zero or the file again). */
static void emptied_page(mpage_t *p)
{
    p->resident = false;
    if ((p->flags & VMA_FILE) && (p->flags & VMA_SHARED)) {
        p->cell = file_cell[p->off / PAGE_SIZE];
        cells[p->cell].refs++;
    } else {
        p->cell = (p->flags & VMA_FILE) ? file_page_cell(p->off, p->limit)
                                        : cell_new(0, 0);
    }
}

/* The error mspace_remap gives for a move or growth of the `head` pages
 * at `at` (0 when it may go on); *in_place when it grows in place. */
static int remap_expect(model_space_t *m, int at, int old_n, int new_n,
                        int head, int flags, bool *in_place)
{
    const mpage_t *p = &m->p[at];
    *in_place = false;
    if (!p->mapped || p->dead)
        return -EFAULT;
    for (int i = at + 1; i < at + head; i++)
        if (!same_vma(&m->p[i - 1], &m->p[i]))
            return -EFAULT;
    bool shared_anon =
        (p->flags & VMA_SHARED) && !(p->flags & (VMA_FILE | VMA_PHYS));
    if ((p->flags & VMA_PHYS) && new_n > old_n)
        return -EFAULT;
    if ((flags & MSPACE_REMAP_DONTUNMAP) &&
        (shared_anon || (p->flags & VMA_PHYS)))
        return -EINVAL;
    bool ends_run = at + old_n == NP ||
                    !same_vma(&m->p[at + old_n - 1], &m->p[at + old_n]);
    if (!(flags & (MSPACE_REMAP_FIXED | MSPACE_REMAP_DONTUNMAP)) && ends_run &&
        range_free(m, at + old_n, new_n - old_n)) {
        *in_place = true;
        return 0;
    }
    return (flags & MSPACE_REMAP_MAYMOVE) ? 0 : -ENOMEM;
}

static void op_remap(model_space_t *m)
{
    int at = (int)rnd(NP), old_n = 1 + (int)rnd(6), new_n = 1 + (int)rnd(8);
    int mode = (int)rnd(4), dst = (int)rnd(NP);
    for (int k = 0; rnd(4) && k < NP && !m->p[at].mapped; k++)
        at = (at + 1) % NP; /* mostly a mapped page: fewer plain EFAULTs */
    static const int modes[] = {
        0, MSPACE_REMAP_MAYMOVE, MSPACE_REMAP_MAYMOVE | MSPACE_REMAP_FIXED,
        MSPACE_REMAP_MAYMOVE | MSPACE_REMAP_DONTUNMAP};
    int flags = modes[mode];
    if (mode == 3) {
        new_n = old_n;
        if (rnd(2))
            flags |= MSPACE_REMAP_FIXED;
    }
    bool fixed = flags & MSPACE_REMAP_FIXED;
    int head = new_n < old_n ? new_n : old_n;
    if (at + old_n > NP || at + new_n > NP || (fixed && dst + new_n > NP))
        return; /* stays inside the model window */
    mpage_t *p = &m->p[at];
    if (p->mapped && (p->flags & VMA_FILE) &&
        p->off / PAGE_SIZE + (unsigned)new_n > FILE_PAGES + 8)
        return; /* growth past the model's file cells */
    uintptr_t va = BASE + (uintptr_t)at * PAGE_SIZE;
    if (!fixed && !(flags & MSPACE_REMAP_DONTUNMAP) && new_n <= old_n) {
        bool mapped = p->mapped && !p->dead;
        void *r = mspace_remap(m->ms, va, (size_t)old_n * PAGE_SIZE,
                               (size_t)new_n * PAGE_SIZE, flags, 0);
        if (injected(mspace_error(r) == -ENOMEM))
            return;
        assert(mspace_error(r) == (mapped ? 0 : -EFAULT));
        if (!mapped) {
            model_errors++;
            return;
        }
        assert(r == (void *)va);
        for (int i = at + new_n; i < at + old_n; i++)
            page_clear(&m->p[i]);
        return;
    }
    bool in_place = false;
    int expect = fixed && dst < at + old_n && at < dst + new_n
                     ? -EINVAL
                     : remap_expect(m, at, old_n, new_n, head, flags, &in_place);
    int vflags = p->flags;
    if (!expect && !in_place && (vflags & VMA_STACK) && !run_start(m, at))
        vflags = (vflags & ~VMA_STACK) | VMA_ANON; /* leaves its guard */
    if (!expect && !in_place && !fixed) {
        for (dst = 0; !range_free(m, dst, new_n); dst++)
            ;
        if (dst + new_n > NP)
            return; /* it would land outside the model window */
    }
    long delta = 0;
    if (!expect && in_place) {
        delta = is_private_write(vflags) ? new_n - old_n : 0;
    } else if (!expect) {
        int moved = 0;
        for (int i = at; i < at + head; i++)
            moved += m->p[i].resident;
        delta = is_private_write(vflags) ? new_n : 0;
        if (!(flags & MSPACE_REMAP_DONTUNMAP))
            delta -= is_private_write(p->flags) ? head : 0;
        if ((p->flags & VMA_STACK) && !(vflags & VMA_STACK))
            delta -= moved;
    }
    if (!expect && delta > 0 && model_commit() + (size_t)delta > COMMIT_LIMIT)
        expect = -ENOMEM;
    uintptr_t dva = BASE + (uintptr_t)dst * PAGE_SIZE;
    void *r = mspace_remap(m->ms, va, (size_t)old_n * PAGE_SIZE,
                           (size_t)new_n * PAGE_SIZE, flags, fixed ? dva : BASE);
    if (injected(mspace_error(r) == -ENOMEM))
        return;
    assert(mspace_error(r) == expect);
    if (expect) {
        model_errors++;
        return;
    }
    if (in_place) {
        assert(r == (void *)va);
        for (int i = old_n; i < new_n; i++)
            grown_page(&m->p[at + i], p, p->flags, i);
        return;
    }
    assert(r == (void *)dva);
    mpage_t first = *p, moved[NP];
    for (int i = dst; fixed && i < dst + new_n; i++)
        page_clear(&m->p[i]);
    for (int i = 0; i < head; i++) {
        moved[i] = m->p[at + i];
        moved[i].flags = vflags;
        if (flags & MSPACE_REMAP_DONTUNMAP)
            emptied_page(&m->p[at + i]);
        else
            memset(&m->p[at + i], 0, sizeof(mpage_t)); /* its cell moves */
    }
    for (int i = at + head; i < at + old_n; i++)
        page_clear(&m->p[i]);
    for (int i = 0; i < new_n; i++) {
        if (i < head)
            m->p[dst + i] = moved[i];
        else
            grown_page(&m->p[dst + i], &first, vflags, i);
    }
}

static bool guard_page(model_space_t *m, int i)
{
    return (m->p[i].flags & VMA_STACK) && run_start(m, i);
}

static mm_fault_t expect_touch(model_space_t *m, int i, int access)
{
    mpage_t *p = &m->p[i];
    if (!p->mapped || p->dead)
        return MM_FAULT_NO_VMA;
    if (guard_page(m, i))
        return MM_FAULT_STACK_GUARD;
    if ((access & MMU_WRITE) && !(p->flags & VMA_WRITE))
        return MM_FAULT_WRITE_RO;
    if ((access & MMU_EXEC) && !(p->flags & VMA_EXEC))
        return MM_FAULT_EXEC_NX;
    if ((access & MMU_READ) && !(p->flags & VMA_READ))
        return MM_FAULT_READ_NONE;
    if ((p->flags & VMA_STACK) && !p->resident &&
        model_commit() + 1 > COMMIT_LIMIT)
        return MM_FAULT_STACK_OVERFLOW;
    return MM_FAULT_OK;
}

/* Whether page j lies in the VMA of page i (a run of compatible pages). */
static bool same_run(const model_space_t *m, int i, int j)
{
    int lo = i < j ? i : j, hi = i < j ? j : i;
    for (int k = lo; k < hi; k++)
        if (!same_vma(&m->p[k], &m->p[k + 1]))
            return false;
    return true;
}

/* After a read fault of page i of a file mapping, fault_around (mm/fault.c)
 * also maps the absent pages of its aligned 16-page window in the same VMA
 * that the page cache holds, for a private mapping only whole file pages.
 * An injected mapping failure stops it short: then the MMU says which. */
static void expect_around(model_space_t *m, int i)
{
    if (!(m->p[i].flags & VMA_FILE))
        return;
    int first = i - (int)(((BASE + (uintptr_t)i * PAGE_SIZE) >> PAGE_SHIFT) % 16);
    for (int j = first < 0 ? 0 : first; j < first + 16 && j < NP; j++) {
        mpage_t *q = &m->p[j];
        if (j == i || q->resident || !same_run(m, i, j))
            continue;
        if (!(q->flags & VMA_SHARED) &&
            (q->off >= q->limit || q->limit - q->off < PAGE_SIZE))
            continue;
        phys_addr_t pa;
        if (!inode_pages_cached(file, q->off, 1, &pa))
            continue;
        page_unref(pa);
        uintptr_t va = BASE + (uintptr_t)j * PAGE_SIZE;
        q->resident = !injecting ||
                      (mmu_query(m->ms->directory, va, NULL) & MMU_PRESENT);
    }
}

static void op_touch(model_space_t *m)
{
    static const int accesses[] = {MMU_READ, MMU_WRITE, MMU_EXEC, MMU_WRITE};
    int i = (int)rnd(NP), access = accesses[rnd(4)];
    for (int retry = 0; retry < 8 && !m->p[i].mapped; retry++)
        i = (int)rnd(NP); /* mostly touch mapped pages */
    mpage_t *p = &m->p[i];
    uintptr_t va = BASE + (uintptr_t)i * PAGE_SIZE;
    if (p->mapped && p->resident && (guard_page(m, i) || p->dead))
        return; /* resident until scavenged, or became a guard: hardware decides
                 */
    mm_fault_t want = expect_touch(m, i, access);
    if (!fake_mmu_access(m->ms->directory, va, access)) {
        mm_fault_t got = mspace_resolve(m->ms, va, access | FAULT_USER);
        if (injected(want == MM_FAULT_OK &&
                     (got == MM_FAULT_NOMEM || got == MM_FAULT_STACK_OVERFLOW)))
            return;
        assert(got == want);
        if (got != MM_FAULT_OK) {
            model_errors++;
            return;
        }
        assert(fake_mmu_access(m->ms->directory, va, access));
        if (access != MMU_WRITE)
            expect_around(m, i);
    } else {
        assert(want == MM_FAULT_OK);
    }
    p->resident = true;
    unsigned char *b = fake_mmu_ptr(m->ms->directory, va);
    uint32_t head;
    memcpy(&head, b, 4);
    assert(head == cells[p->cell].head);
    if (access == MMU_WRITE) {
        head = (uint32_t)next_fn(next_ctx) | 1;
        memcpy(b, &head, 4);
        cells[p->cell].head = head;
    }
}

static void op_clone(model_space_t *m)
{
    if (nspaces == MAX_SPACES)
        return;
    size_t charge = 0;
    for (int i = 0; i < NP; i++) {
        mpage_t *p = &m->p[i];
        if (p->mapped && !p->dead)
            charge += is_private_write(p->flags) ||
                      ((p->flags & VMA_STACK) && p->resident);
    }
    bool fail = model_commit() + charge > COMMIT_LIMIT;
    mspace_t *child = mspace_clone(m->ms);
    if (injected(!child && !fail))
        return;
    assert((child == NULL) == fail);
    if (!child) {
        model_errors++;
        return;
    }
    model_space_t *c = &spaces[nspaces++];
    c->ms = child;
    for (int i = 0; i < NP; i++) {
        mpage_t *p = &m->p[i];
        if (!p->mapped || p->dead) {
            memset(&c->p[i], 0, sizeof(c->p[i]));
            continue;
        }
        c->p[i] = *p;
        if (p->flags & VMA_SHARED)
            cells[p->cell].refs++;
        else
            c->p[i].cell = cell_new(cells[p->cell].head, cells[p->cell].tail);
    }
}

static void space_drop(int s)
{
    mspace_close(spaces[s].ms);
    for (int i = 0; i < NP; i++)
        page_clear(&spaces[s].p[i]);
    spaces[s] = spaces[--nspaces];
}

static void op_close(void)
{
    int s = (int)rnd((unsigned)nspaces);
    space_drop(s);
    if (nspaces == 0) {
        disarm(); /* the model always keeps one space */
        nspaces = 1;
        memset(&spaces[0], 0, sizeof(spaces[0]));
        spaces[0].ms = mspace_create();
        assert(spaces[0].ms);
    }
}

static void op_sweep(model_space_t *m)
{
    int seg[NP], cur = 0;
    for (int i = 0; i < NP; i++) {
        if (run_start(m, i))
            cur = next_seg++;
        seg[i] = cur;
    }
    for (int i = 0; i < NP; i++)
        if (m->p[i].mapped && !m->p[i].dead) {
            m->p[i].dead = true;
            m->p[i].seg = seg[i];
        }
    mspace_sweep(m->ms);
}

static void op_scavenge(model_space_t *m)
{
    int dead = 0;
    for (int i = 0; i < NP; i++)
        dead += run_start(m, i) && m->p[i].dead;
    for (int i = 0; i < NP; i++)
        if (m->p[i].mapped && m->p[i].dead)
            page_clear(&m->p[i]);
    assert(mspace_scavenge(m->ms) == dead);
}

static void op_display(model_space_t *m)
{
    char buf[4096];
    int lines = 0, len = mspace_display(m->ms, buf, sizeof(buf));
    assert(len >= 0 && (size_t)len < sizeof(buf));
    for (int i = 0; i < len; i++)
        lines += buf[i] == '\n';
    int runs = 0;
    for (int i = 0; i < NP; i++)
        runs += run_start(m, i) && !m->p[i].dead;
    assert(lines == runs);
}

void model_step(void)
{
    model_space_t *m = &spaces[rnd((unsigned)nspaces)];
    unsigned op = rnd(1000);
    unsigned inject = rnd(32);
    injecting = inject < 3;
    if (inject == 0)
        fake_alloc_fail_nth(1 + rnd(3));
    else if (inject == 1)
        page_fail_nth(1 + rnd(3));
    else if (inject == 2)
        fake_mmu_fail_nth(1 + rnd(3));
    if (op < 300)
        op_map(m);
    else if (op < 420)
        op_unmap(m);
    else if (op < 570)
        op_protect(m);
    else if (op < 600)
        op_discard(m);
    else if (op < 910)
        op_touch(m);
    else if (op < 960)
        op_remap(m);
    else if (op < 975)
        op_clone(m);
    else if (op < 990)
        op_close();
    else if (op < 993)
        op_sweep(m);
    else if (op < 996)
        op_scavenge(m);
    else
        op_display(m);
    disarm();
    model_ops++;
    check_all();
    if (getenv("MM_MODEL_TRACE") && model_ops % 20000 == 0) {
        int mapped = 0, res = 0;
        for (int s = 0; s < nspaces; s++)
            for (int i = 0; i < NP; i++) {
                mapped += spaces[s].p[i].mapped;
                res += spaces[s].p[i].resident;
            }
        fprintf(stderr,
                "ops %lu errors %lu spaces %d mapped %d resident %d commit %zu "
                "vmas %zu\n",
                model_ops, model_errors, nspaces, mapped, res, model_commit(),
                spaces[0].ms->tree.count);
    }
}

void model_finish(void)
{
    while (nspaces)
        space_drop(0);
    inode_close(file);
    for (int i = 0; i < MAX_CELLS; i++)
        if (cells[i].refs) {
            bool global = false;
            for (int k = 0; k < NPHYS; k++)
                global |= phys_cell[k] == i;
            for (int k = 0; k < FILE_PAGES + 8; k++)
                global |= file_cell[k] == i;
            assert(global && cells[i].refs == 1);
        }
    assert(mm_committed() == 0);
    assert(page_free_count() == frames_at_start);
    assert(fake_alloc_live() == allocs_at_start - 1);
    assert(fake_mmu_live_dirs() == 0);
}
