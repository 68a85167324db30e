/*
 * tests/unit/mm_model.c - see mm_model.h.  The model keeps, per space, an
 * array of page states (mapped, flags, backing, resident, content cell);
 * the expected VMA list is the maximal runs of compatible pages, where
 * pages of VMA_NOMERGE mappings (stacks) are compatible only within the
 * segment one map made (protect cuts it, nothing joins two).  Beside the
 * user spaces it drives kspace: kernel stacks (kmap_stack/kunmap_stack)
 * and large kalloc blocks, with the same injected failures; after every
 * step every guard page of every stack, kernel and user, must fault.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/inode.h"
#include "mm/internal.h"
#include "mm/kalloc.h"
#include "mm/kmap.h"
#include "mm/page.h"
#include "tests/unit/fake_mmu.h"
#include "tests/unit/mm_model.h"

#define NP 48 /* pages of the model window */
#define BASE MSPACE_USER_LOWER
#define MAX_SPACES 3
#define NPHYS 8
#define FILE_PAGES 20
#define FILE_SIZE (FILE_PAGES * PAGE_SIZE + 100)
#define FILE_DATA_PAGES (FILE_PAGES + 1) /* charged by the inode */
#define MODEL_TABLES 3 /* PT, PD, PDPT spans of the window (root apart) */
#define COMMIT_LIMIT (40 + FILE_DATA_PAGES + 8)
#define MAX_CELLS 4096
/* kspace window of the model */
#define KLO ((uintptr_t)0xFFFFC00000000000ull)
#define KHI (KLO + ((uintptr_t)64 << 20))
#define MAX_KSTACKS 6
#define KSTACK_PAGES_MAX 3
#define MAX_LARGE 2
#define LARGE_SIZE ((4ul << 20) + PAGE_SIZE) /* just above kalloc's frames */
#define LARGE_PAGES (LARGE_SIZE / PAGE_SIZE)

typedef struct cell {
    uint32_t head, tail; /* first and last 4 bytes of the page */
    int refs;
} cell_t;

typedef struct mpage {
    bool mapped, dead, resident;
    int flags;      /* normalised VMA flags, no DEAD */
    uint64_t off;   /* file offset or physical address of this page */
    uint64_t file_end; /* as vma->file_end */
    int seg;        /* segment: the VMA it was when swept (dead) or the
                       NOMERGE VMA it belongs to */
    int cell;
} mpage_t;

typedef struct mspace_model {
    mspace_t *ms;
    mpage_t p[NP];
    bool tables; /* its page-table spans are charged (synced after each op:
                    a failed populate keeps them, mm/commit.c) */
} model_space_t;

unsigned long model_ops, model_errors, model_injected;

/* kspace: live kernel stacks and large kalloc blocks. */
typedef struct kstack {
    char *top;
    size_t pages; /* above the guard */
} kstack_t;
static kstack_t kstacks[MAX_KSTACKS];
static int nkstacks;
static unsigned char *large[MAX_LARGE];
static int nlarge;

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
static bool file_extra[FILE_PAGES + 8]; /* cached pages past the data */

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

static uint32_t bytes_at(uint64_t fo, uint64_t file_end)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) {
        uint64_t x = fo + (uint64_t)i;
        v = v << 8 | (x < FILE_SIZE && x < file_end ? file_data[x] : 0);
    }
    return v;
}

static int file_page_cell(uint64_t fo, uint64_t file_end)
{
    return cell_new(bytes_at(fo, file_end),
                    bytes_at(fo + PAGE_SIZE - 4, file_end));
}

/* Whether a page of `flags` at file offset `off` (real bytes up to
 * `file_end`) is charged by its VMA: all pages of a VMA_CHARGED one, else
 * the partial page of a private file mapping (mm/commit.c). */
static bool page_charged(int flags, uint64_t off, uint64_t file_end)
{
    if (flags & VMA_CHARGED)
        return true;
    return (flags & VMA_COW) && (flags & VMA_FILE) && (file_end & PAGE_MASK) &&
           off == (file_end & ~(uint64_t)PAGE_MASK);
}

static bool is_charged(const mpage_t *p)
{
    return page_charged(p->flags, p->off, p->file_end);
}

static bool shared_anon(int flags)
{
    return (flags & VMA_SHARED) && !(flags & (VMA_FILE | VMA_PHYS));
}

/* A mapping of `flags` (requests included) charges its table spans. */
static bool maps_pages(int flags)
{
    return (flags & (VMA_RIGHTS | VMA_RESOLVE)) || shared_anon(flags);
}

/* The commit limit: COMMIT_LIMIT for everything but the large blocks,
 * whose 1025 pages each are added while they live (set around each). */
static size_t commit_limit(int large_blocks)
{
    return COMMIT_LIMIT + (size_t)large_blocks * LARGE_PAGES;
}

static size_t model_commit(void)
{
    static bool seen[MAX_CELLS];
    memset(seen, 0, sizeof(seen));
    size_t n = (size_t)nlarge * LARGE_PAGES;
    for (int k = 0; k < nkstacks; k++)
        n += kstacks[k].pages; /* populated at kmap_stack */
    n += file ? FILE_DATA_PAGES : 0;
    for (int i = 0; i < FILE_PAGES + 8; i++)
        n += file_extra[i];
    for (int s = 0; s < nspaces; s++) {
        n += 1 + (spaces[s].tables ? MODEL_TABLES : 0);
        for (int i = 0; i < NP; i++) {
            mpage_t *p = &spaces[s].p[i];
            if (!p->mapped)
                continue;
            n += is_charged(p) || ((p->flags & VMA_STACK) && p->resident);
            if (shared_anon(p->flags) && !seen[p->cell]) {
                seen[p->cell] = true; /* one frame, however many spaces */
                n++;
            }
        }
    }
    return n;
}

/* Takes the state the model cannot predict after a failure from mm: which
 * spaces charged their tables, which pages past the file's data the cache
 * holds (an operation may fill some before it fails). */
static void sync_charges(void)
{
    for (int s = 0; s < nspaces; s++)
        spaces[s].tables = spaces[s].ms->tables_charged > 1;
    for (int i = FILE_DATA_PAGES; i < FILE_PAGES + 8; i++) {
        phys_addr_t pa;
        file_extra[i] = file && inode_pages_cached(file, (uint64_t)i * PAGE_SIZE,
                                                   1, &pa);
        if (file_extra[i])
            page_unref(pa);
    }
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
        a->flags != b->flags || a->file_end != b->file_end)
        return false;
    if ((a->dead || (a->flags & VMA_NOMERGE)) && a->seg != b->seg)
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
            assert(v->file_end == p->file_end &&
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

static bool guard_page(model_space_t *m, int i)
{
    return (m->p[i].flags & VMA_STACK) && run_start(m, i);
}

/* Every guard page of a user stack is absent and faults as a guard (one
 * made resident before a split made it a guard: the hardware decides). */
static void check_user_guards(model_space_t *m)
{
    for (int i = 0; i < NP; i++) {
        uintptr_t va = BASE + (uintptr_t)i * PAGE_SIZE;
        if (!guard_page(m, i) || m->p[i].dead || m->p[i].resident)
            continue;
        assert(!(mmu_query(m->ms->directory, va, NULL) & MMU_PRESENT));
        assert(mspace_resolve(m->ms, va + 8, FAULT_WRITE | FAULT_USER) ==
               MM_FAULT_STACK_GUARD);
    }
}

/* kspace holds exactly the model's stacks and large blocks, each its own
 * VMA (never merged), every stack page present and every guard absent and
 * faulting as a guard.  `full`: also every page and invariant. */
static void check_kspace(bool full)
{
    mspace_t *ks = kmap_space();
    assert(ks->tree.count == (size_t)(nkstacks + nlarge));
    splock_lock(&ks->lock);
    for (int k = 0; k < nkstacks; k++) {
        uintptr_t top = (uintptr_t)kstacks[k].top;
        uintptr_t guard = top - (kstacks[k].pages + 1) * PAGE_SIZE;
        vma_t *v = mspace_search_vma(ks, guard);
        assert(v && vma_base(v) == guard && vma_end(v) == top &&
               (v->flags & (VMA_STACK | VMA_NOMERGE)) ==
                   (VMA_STACK | VMA_NOMERGE));
        assert(!(mmu_query(ks->directory, guard, NULL) & MMU_PRESENT));
        for (uintptr_t va = guard + PAGE_SIZE; va < top; va += PAGE_SIZE)
            assert(mmu_query(ks->directory, va, NULL) & MMU_PRESENT);
    }
    for (int k = 0; k < nlarge; k++) {
        vma_t *v = mspace_search_vma(ks, (uintptr_t)large[k]);
        assert(v && vma_base(v) == (uintptr_t)large[k] &&
               v->length == LARGE_SIZE && (v->flags & VMA_NOMERGE));
    }
    splock_unlock(&ks->lock);
    for (int k = 0; k < nkstacks; k++) {
        uintptr_t guard =
            (uintptr_t)kstacks[k].top - (kstacks[k].pages + 1) * PAGE_SIZE;
        assert(mspace_resolve(ks, guard + 8, FAULT_WRITE) ==
               MM_FAULT_STACK_GUARD);
    }
    if (full)
        mspace_check(ks);
}

static void check_all(void)
{
    for (int s = 0; s < nspaces; s++) {
        check_space(&spaces[s]);
        check_user_guards(&spaces[s]);
    }
    check_kspace(nlarge == 0);
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
    memset(file_extra, 0, sizeof(file_extra));
    for (int i = 0; i < FILE_PAGES + 8; i++)
        file_cell[i] = file_page_cell((uint64_t)i * PAGE_SIZE, UINT64_MAX);
    if (!kmap_space())
        assert(kmap_init(KLO, KHI) == 0); /* once per process */
    nkstacks = nlarge = 0;
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
    if (rnd(16) == 0)
        flags |= VMA_NOMERGE; /* a guard-carrying region of the caller */
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
    if (type == VMA_STACK)
        flags |= VMA_NOMERGE;
    if (!(flags & VMA_SHARING))
        flags |= VMA_COW;
    if (!(flags & VMA_MAXRIGHTS))
        flags |= VMA_MAXRIGHTS;
    if (type == VMA_FILE && (flags & VMA_SHARED))
        flags &= ~(VMA_MAXWRITE);
    if ((flags & VMA_RIGHTS) & ~((flags & VMA_MAXRIGHTS) >> VMA_MAX_SHIFT))
        return -EACCES;
    if ((flags & VMA_COW) && (flags & VMA_WRITE) && type != VMA_STACK)
        flags |= VMA_CHARGED;
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
    size_t align = PAGE_SIZE;
    uintptr_t hint = 0;
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
        hint = BASE + (uintptr_t)at * PAGE_SIZE; /* mm rounds it up */
        if (rnd(4) == 0) /* an aligned mapping: 2, 4 or 8 pages */
            align = (size_t)PAGE_SIZE << (1 + rnd(3));
        size_t step = align / PAGE_SIZE; /* BASE is aligned to all of them */
        at = (int)(((size_t)at + step - 1) / step * step);
        while (at < NP && !range_free(m, at, n))
            at += (int)step;
        if (at + n > NP)
            return; /* would land outside the model window */
    }
    size_t charge = 0;
    uint64_t file_end = (want > 0 && (want & VMA_FILE))
                            ? (limit ? off + limit : UINT64_MAX)
                            : 0;
    for (int i = 0; want > 0 && i < n; i++) {
        uint64_t po = off + (uint64_t)i * PAGE_SIZE;
        charge += page_charged(want, po, file_end);
        if (shared_anon(want))
            charge++; /* populated, each frame charged */
        if ((want & VMA_FILE) && (want & VMA_SHARED) &&
            (want & VMA_MAXWRITE) && po / PAGE_SIZE >= FILE_DATA_PAGES &&
            !file_extra[po / PAGE_SIZE])
            charge++; /* the cache past the data, filled at map (a view
                         that is never writable reads zeros instead) */
    }
    if (want > 0 && (want & VMA_STACK) && (flags & VMA_RESOLVE))
        charge = (size_t)n - 1; /* every page but the guard, now */
    if (want > 0 && !m->tables && maps_pages(want | (flags & VMA_RESOLVE)))
        charge += MODEL_TABLES;
    if (!expect && model_commit() + charge > commit_limit(nlarge))
        expect = -ENOMEM;
    uintptr_t va = BASE + (uintptr_t)at * PAGE_SIZE;
    void *r = mspace_map_aligned(m->ms, fixed ? va : use_hint ? hint : 0,
                                 (size_t)n * PAGE_SIZE, align, ino, off, limit,
                                 flags);
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
    int seg = next_seg++;
    for (int i = 0; i < n; i++) {
        mpage_t *p = &m->p[at + i];
        p->seg = seg;
        uint64_t po = off + (uint64_t)i * PAGE_SIZE;
        p->mapped = true;
        p->flags = want;
        p->resident = populate && !((want & VMA_STACK) && i == 0);
        p->off = (want & (VMA_FILE | VMA_PHYS)) ? po : 0;
        p->file_end =
            (want & VMA_FILE) ? (limit ? off + limit : UINT64_MAX) : 0;
        if (want & VMA_PHYS) {
            p->cell = phys_cell[(po - phys_base) / PAGE_SIZE];
            cells[p->cell].refs++;
        } else if ((want & VMA_FILE) && (want & VMA_SHARED)) {
            p->cell = file_cell[po / PAGE_SIZE];
            cells[p->cell].refs++;
        } else if (want & VMA_FILE) {
            p->cell = file_page_cell(po, p->file_end);
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

/* A VMA boundary now lies before page i: the rest of its run becomes a
 * segment of its own (matters for VMA_NOMERGE pages only). */
static void cut(model_space_t *m, int i)
{
    if (i == 0 || !same_vma(&m->p[i - 1], &m->p[i]))
        return;
    int end = i + 1;
    while (end < NP && same_vma(&m->p[end - 1], &m->p[end]))
        end++;
    int seg = next_seg++;
    for (int k = i; k < end; k++)
        m->p[k].seg = seg;
}

/* The flags mprotect gives a page whose VMA piece (the run it is in,
 * inside the range) holds a resident page or not (`pages`): made writable,
 * a private VMA is charged; made read-only or none, it stays charged while
 * its piece holds pages; unchanged rights change nothing. */
static int protected(int flags, int rights, bool pages)
{
    if ((flags & VMA_RIGHTS) == rights)
        return flags;
    flags = (flags & ~VMA_RIGHTS) | rights;
    if (!(flags & VMA_COW) || (flags & VMA_STACK))
        return flags;
    if (rights & VMA_WRITE)
        flags |= VMA_CHARGED;
    else if (!pages)
        flags &= ~VMA_CHARGED;
    return flags;
}

/* Whether the piece of [at, end) holding page i (its run inside the
 * range) has a resident page. */
static bool piece_pages(const model_space_t *m, int at, int end, int i)
{
    int lo = i, hi = i;
    while (lo > at && same_vma(&m->p[lo - 1], &m->p[lo]))
        lo--;
    while (hi + 1 < end && same_vma(&m->p[hi], &m->p[hi + 1]))
        hi++;
    for (int k = lo; k <= hi; k++)
        if (m->p[k].resident)
            return true;
    return false;
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
            delta += page_charged(protected(p->flags, rights,
                                            piece_pages(m, at, at + n, i)),
                                  p->off, p->file_end) -
                     is_charged(p);
    }
    size_t charge = (delta > 0 ? (size_t)delta : 0) +
                    (rights && !m->tables ? MODEL_TABLES : 0);
    if (!expect && model_commit() + charge > commit_limit(nlarge))
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
    if ((m->p[at].flags & VMA_RIGHTS) != rights)
        cut(m, at); /* the VMA is split there: its pieces stay apart */
    if (at + n < NP && (m->p[at + n - 1].flags & VMA_RIGHTS) != rights)
        cut(m, at + n);
    int now[NP];
    for (int i = at; i < at + n; i++)
        now[i] = protected(m->p[i].flags, rights, piece_pages(m, at, at + n, i));
    for (int i = at; i < at + n; i++)
        m->p[i].flags = now[i];
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
    if (rc)
        model_errors++; /* the mapped parts are dropped all the same */
    for (int i = at; i < at + n && i < NP; i++) {
        mpage_t *p = &m->p[i];
        if (!p->mapped || p->dead)
            continue;
        bool shared_anon =
            (p->flags & VMA_SHARED) && !(p->flags & (VMA_FILE | VMA_PHYS));
        if (shared_anon)
            continue;
        p->resident = false;
        if (p->flags & VMA_SHARED)
            continue; /* the file or the device keeps the content */
        cell_drop(p->cell);
        p->cell = (p->flags & VMA_FILE) ? file_page_cell(p->off, p->file_end)
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
    p->file_end = first->file_end;
    p->off = (flags & (VMA_FILE | VMA_PHYS)) ? po : 0;
    if ((flags & VMA_FILE) && (flags & VMA_SHARED)) {
        p->cell = file_cell[po / PAGE_SIZE];
        cells[p->cell].refs++;
    } else if (flags & VMA_FILE) {
        p->cell = file_page_cell(po, p->file_end);
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
        p->cell = (p->flags & VMA_FILE) ? file_page_cell(p->off, p->file_end)
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
        vflags = (vflags & ~(VMA_STACK | VMA_NOMERGE)) | VMA_ANON |
                 VMA_CHARGED; /* no guard: plain anonymous memory */
    if (!expect && !in_place && !fixed) {
        for (dst = 0; !range_free(m, dst, new_n); dst++)
            ;
        if (dst + new_n > NP)
            return; /* it would land outside the model window */
    }
    long delta = 0;
    bool charged = vflags & VMA_CHARGED;
    if (!expect && in_place) {
        delta = charged ? new_n - old_n : 0;
    } else if (!expect) {
        int moved = 0;
        for (int i = at; i < at + head; i++)
            moved += m->p[i].resident;
        delta = charged ? new_n : 0;
        if (!(flags & MSPACE_REMAP_DONTUNMAP))
            delta -= (p->flags & VMA_CHARGED) ? head : 0;
        if ((p->flags & VMA_STACK) && !(vflags & VMA_STACK))
            delta -= moved;
    }
    if (!expect && shared_anon(vflags) && new_n > old_n)
        delta += new_n - old_n; /* the new frames, populated and charged */
    for (int i = old_n; !expect && (vflags & VMA_FILE) &&
                        (vflags & VMA_SHARED) && (vflags & VMA_MAXWRITE) &&
                        i < new_n;
         i++) {
        uint64_t po = p->off / PAGE_SIZE + (uint64_t)i;
        if (po >= FILE_DATA_PAGES && !file_extra[po])
            delta++; /* the cache past the data, filled as at map */
    }
    if (!expect && !m->tables)
        delta += MODEL_TABLES; /* at most: the destination's table spans */
    /* The model does not follow the partial file page and which table spans
     * a move covers: within a few pages of the limit either answer is
     * right (the layout check below still holds). */
    size_t total = model_commit() + (size_t)(delta > 0 ? delta : 0);
    size_t limit = commit_limit(nlarge);
    bool unsure = total + MODEL_TABLES + 2 > limit &&
                  total < limit + MODEL_TABLES + 2;
    if (!expect && delta > 0 && total > limit && !unsure)
        expect = -ENOMEM;
    uintptr_t dva = BASE + (uintptr_t)dst * PAGE_SIZE;
    void *r = mspace_remap(m->ms, va, (size_t)old_n * PAGE_SIZE,
                           (size_t)new_n * PAGE_SIZE, flags, fixed ? dva : BASE);
    if (injected(mspace_error(r) == -ENOMEM))
        return;
    if (unsure && !expect && mspace_error(r) == -ENOMEM)
        expect = -ENOMEM;
    assert(mspace_error(r) == expect);
    if (expect) {
        model_errors++;
        return;
    }
    m->tables = m->ms->tables_charged > 1;
    if (in_place) {
        assert(r == (void *)va);
        for (int i = old_n; i < new_n; i++) {
            grown_page(&m->p[at + i], p, p->flags, i);
            m->p[at + i].seg = p->seg; /* the same VMA, grown */
        }
        if (at + new_n < NP) /* a piece of the old VMA past a gap stays apart */
            cut(m, at + new_n);
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
    int seg = next_seg++; /* the destination is a VMA of its own */
    for (int i = 0; i < new_n; i++) {
        if (i < head)
            m->p[dst + i] = moved[i];
        else
            grown_page(&m->p[dst + i], &first, vflags, i);
        m->p[dst + i].seg = seg;
    }
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
    if ((access & MMU_READ) && !(p->flags & VMA_RIGHTS)) /* W, X imply R */
        return MM_FAULT_READ_NONE;
    if ((p->flags & VMA_STACK) && !p->resident &&
        model_commit() + 1 > commit_limit(nlarge))
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
            (q->off >= q->file_end || q->file_end - q->off < PAGE_SIZE))
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
    size_t charge = 1; /* the child's top-level table */
    bool tables = false;
    for (int i = 0; i < NP; i++) {
        mpage_t *p = &m->p[i];
        if (p->mapped && !p->dead) {
            charge += is_charged(p) || ((p->flags & VMA_STACK) && p->resident);
            tables |= maps_pages(p->flags) || p->resident;
        }
    }
    charge += tables ? MODEL_TABLES : 0;
    bool fail = model_commit() + charge > commit_limit(nlarge);
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

/* kmap_stack: succeeds unless the commit limit is reached (or a failure
 * was injected); the new stack is a VMA of its own even when it lies
 * right above another one (kspace places stacks lowest first). */
static void op_kstack_new(void)
{
    if (nkstacks == MAX_KSTACKS)
        return;
    size_t pages = 1 + rnd(KSTACK_PAGES_MAX);
    bool fail = model_commit() + pages > commit_limit(nlarge);
    char *top = kmap_stack(pages * PAGE_SIZE);
    if (injected(!top && !fail))
        return;
    assert(!top == fail);
    if (!top) {
        model_errors++;
        return;
    }
    kstacks[nkstacks++] = (kstack_t){top, pages};
    for (size_t i = 1; i <= pages; i++) /* the stack itself is usable */
        assert(fake_mmu_access(kmap_space()->directory,
                               (uintptr_t)top - i * PAGE_SIZE, MMU_WRITE));
}

/* kunmap_stack cannot fail, whatever is injected: it allocates nothing. */
static void op_kstack_free(void)
{
    if (!nkstacks)
        return;
    int k = (int)rnd((unsigned)nkstacks);
    kunmap_stack(kstacks[k].top, kstacks[k].pages * PAGE_SIZE);
    kstacks[k] = kstacks[--nkstacks];
}

/* Byte `at` of the large block `p` (kspace: reached through the fake MMU). */
static unsigned char *large_byte(unsigned char *p, size_t at)
{
    uintptr_t va = (uintptr_t)p + at;
    return fake_mmu_ptr(kmap_space()->directory, va & ~(uintptr_t)PAGE_MASK) +
           (va & PAGE_MASK);
}

/* A kalloc block above 4 MiB goes through kmap (kalloc's large hook):
 * zeroed, a VMA of its own. */
static void op_large_new(void)
{
    if (nlarge == MAX_LARGE)
        return;
    mm_commit_set_limit(commit_limit(nlarge + 1));
    unsigned char *p = kalloc(LARGE_SIZE);
    if (!p) {
        mm_commit_set_limit(commit_limit(nlarge));
        assert(injecting);
        model_injected++;
        return;
    }
    *large_byte(p, 0) = *large_byte(p, LARGE_SIZE - 1) = 0x5a;
    large[nlarge++] = p;
}

/* kfree of a large block cannot fail either (large_unmap). */
static void op_large_free(void)
{
    if (!nlarge)
        return;
    int k = (int)rnd((unsigned)nlarge);
    assert(*large_byte(large[k], 0) == 0x5a &&
           *large_byte(large[k], LARGE_SIZE - 1) == 0x5a);
    kfree(large[k]);
    large[k] = large[--nlarge];
    mm_commit_set_limit(commit_limit(nlarge));
}

void model_step(void)
{
    model_space_t *m = &spaces[rnd((unsigned)nspaces)];
    unsigned op = rnd(1040);
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
    else if (op < 1000)
        op_display(m);
    else if (op < 1016)
        op_kstack_new();
    else if (op < 1032)
        op_kstack_free();
    else if (op < 1035)
        op_large_new();
    else
        op_large_free();
    disarm();
    model_ops++;
    sync_charges();
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
    while (nkstacks)
        op_kstack_free();
    while (nlarge)
        op_large_free();
    mm_commit_set_limit(COMMIT_LIMIT);
    kalloc_trim();
    inode_close(file);
    file = NULL;
    memset(file_extra, 0, sizeof(file_extra));
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
