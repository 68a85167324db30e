/*
 * tests/unit/huge_model.c - see huge_model.h.  The model's VMAs are the
 * maximal runs of pages of equal rights and advice (hsame); what
 * MADV_COLLAPSE answers follows Linux's rules over them (hcollapse_expect).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/internal.h"
#include "mm/page.h"
#include "tests/unit/fake_mmu.h"
#include "tests/unit/huge_model.h"

#define PG PAGE_SIZE
#define RW (VMA_READ | VMA_WRITE)
#define HU (MSPACE_USER_LOWER + MMU_LARGE_SIZE) /* a superpage boundary */

/* Prints where and what differs, then aborts (the fuzzer's crash, the
 * unit test's failure). */
#define hm_fail(...)                                                           \
    do {                                                                       \
        fprintf(stderr, "%s:%d: huge model: ", __FILE__, __LINE__);            \
        fprintf(stderr, __VA_ARGS__);                                          \
        fputc('\n', stderr);                                                   \
        abort();                                                               \
    } while (0)
#define HM_EQ(x, y)                                                            \
    do {                                                                       \
        long long x_ = (long long)(x), y_ = (long long)(y);                    \
        if (x_ != y_)                                                          \
            hm_fail("%s == %lld, want %s == %lld", #x, x_, #y, y_);            \
    } while (0)

static bool is_huge(mspace_t *ms, uintptr_t va)
{
    return mmu_query(ms->directory, va, NULL) & MMU_LARGE;
}

/* A CPU access: the hardware check, the fault handler on a miss, retry. */
static mm_fault_t cpu_touch(mspace_t *ms, uintptr_t va, int access)
{
    if (fake_mmu_access(ms->directory, va, access))
        return MM_FAULT_OK;
    mm_fault_t f = mspace_resolve(ms, va, access | FAULT_USER);
    if (f == MM_FAULT_OK && !fake_mmu_access(ms->directory, va, access))
        hm_fail("%#lx: resolved, still faults", (unsigned long)va);
    return f;
}

#define MW 4                         /* superpage spans in the window */
#define MP (MW * (int)MMU_LARGE_PAGES) /* pages */

typedef struct {
    mspace_t *ms;
    signed char rights[MP]; /* -1 unmapped, else VMA_READ or RW */
    signed char advice[MP]; /* 0 none, 1 MADV_HUGEPAGE, 2 MADV_NOHUGEPAGE */
    uint32_t val[MP];       /* the first word of the page (0: zero) */
} hspace_t;

unsigned long huge_model_absorbed, huge_model_huge_seen, huge_model_splits,
    huge_model_collapsed[3];

static uint64_t (*next_fn)(void *ctx);
static void *next_ctx;
static hspace_t sp[2];
static int nsp;
static size_t frames_at_start, commit_at_start;
static bool with_remap;
static long allocs_at_start;

static unsigned hrand(unsigned n)
{
    uint64_t v = next_fn(next_ctx); /* drawn even for n == 0 */
    return n ? (unsigned)(v % n) : 0;
}

/* A random range of pages [*a, *a + *n) in the window; often whole spans. */
static void hrange(int *a, int *n)
{
    int big = (int)MMU_LARGE_PAGES;
    if (hrand(2)) {
        *a = (int)hrand(MW) * big;
        *n = big * (1 + (int)hrand((unsigned)(MW - *a / big)));
    } else {
        *a = (int)hrand(MP);
        *n = 1 + (int)hrand(hrand(4) ? 8 : (unsigned)(MP - *a));
    }
    if (*a + *n > MP)
        *n = MP - *a;
}

static uintptr_t haddr(int page)
{
    return HU + (uintptr_t)page * PG;
}

static void hcheck(hspace_t *h)
{
    mspace_check(h->ms);
    HM_EQ(fake_mmu_pending(h->ms->directory), 0);
    HM_EQ(fake_mmu_count(h->ms->directory), h->ms->phys_pg_count);
    vma_t *v = NULL; /* the VMA of the page before, if any */
    for (int i = 0; i < MP; i++) {
        if (!v || haddr(i) >= vma_end(v)) {
            splock_lock(&h->ms->lock);
            v = mspace_search_vma(h->ms, haddr(i));
            splock_unlock(&h->ms->lock);
        }
        int rights = v ? (v->flags & VMA_RIGHTS) : -1;
        if (rights != h->rights[i])
            hm_fail("page %d: rights %d, model %d", i, rights, h->rights[i]);
        unsigned char *p = fake_mmu_ptr(h->ms->directory, haddr(i));
        uint32_t got = p ? *(uint32_t *)p : 0;
        if (got != h->val[i])
            hm_fail("page %d: %#x, model %#x", i, got, h->val[i]);
    }
}

/* Arms an injected failure now and then; true when armed. */
static bool harm(void)
{
    unsigned k = hrand(10);
    if (k == 0)
        page_fail_nth(1 + hrand(3));
    else if (k == 1)
        fake_mmu_fail_nth(1 + hrand(3));
    else if (k == 2)
        fake_alloc_fail_nth(1 + hrand(3));
    return k <= 2;
}

static void hdisarm(void)
{
    page_fail_nth(0);
    fake_mmu_fail_nth(0);
    fake_alloc_fail_nth(0);
}

static bool hcovered(const hspace_t *h, int a, int n)
{
    for (int i = a; i < a + n; i++)
        if (h->rights[i] < 0)
            return false;
    return true;
}

static bool hfree(const hspace_t *h, int a, int n)
{
    for (int i = a; i < a + n; i++)
        if (h->rights[i] >= 0)
            return false;
    return true;
}

static void hfresh(hspace_t *h)
{
    h->ms = mspace_create();
    HM_EQ(h->ms != NULL, 1);
    memset(h->rights, -1, sizeof(h->rights));
    memset(h->advice, 0, sizeof(h->advice));
    memset(h->val, 0, sizeof(h->val));
}

/* True when pages x and y are in VMAs of the same flags (so one VMA when
 * nothing unmapped lies between: the model's VMAs are these runs). */
static bool hsame(const hspace_t *h, int x, int y)
{
    return h->rights[x] == h->rights[y] && h->advice[x] == h->advice[y];
}

/* The run of pages (a VMA) holding page i: [*rs, *re). */
static void hrun(const hspace_t *h, int i, int *rs, int *re)
{
    for (*rs = i; *rs > 0 && hsame(h, *rs - 1, i); (*rs)--)
        ;
    for (*re = i; *re < MP && hsame(h, *re, i); (*re)++)
        ;
}

/* What mspace_collapse of pages [a, a + n) answers, by Linux's rules over
 * the model's VMAs, `present` the pages mapped before it. */
static int hcollapse_expect(const hspace_t *h, int a, int n,
                            const bool *present)
{
    const int big = (int)MMU_LARGE_PAGES;
    bool hole = false;
    for (int i = a, rs, re; i < a + n; i = re) {
        hrun(h, i, &rs, &re);
        if (h->rights[i] < 0) {
            hole = true;
            continue;
        }
        int lo = (rs + big - 1) / big * big;
        if (h->rights[i] != RW || h->advice[i] == 2 || lo + big > re)
            return -EINVAL;
        int s = (i + big - 1) / big * big, e = (re < a + n ? re : a + n);
        int rc = 0;
        for (int b = s; b + big <= e; b += big) {
            bool any = false;
            for (int k = b; k < b + big; k++)
                any |= present[k];
            rc = any ? rc : -EINVAL;
        }
        if (rc)
            return rc;
    }
    return hole ? -ENOMEM : 0;
}

/* mremap of pages [a, a + n) of h: a move (MAYMOVE | FIXED) to a random
 * page, resizing or not, or with DONTUNMAP; else in place (no flag): a
 * shrink, or a growth where the pages after the VMA are free.  The answer
 * is checked against the model's; returns 0 or an absorbed failure. */
static int hremap(hspace_t *h, int a, int n, bool armed)
{
    const int big = (int)MMU_LARGE_PAGES;
    unsigned how = hrand(4); /* 0, 1: move; 2: DONTUNMAP; 3: in place */
    int m = how == 1 ? 1 + (int)hrand(MP) : n, d = a, flags = 0;
    if (how == 3)
        m = 1 + (int)hrand((unsigned)(MP - a));
    if (how < 3) {
        d = (int)hrand((unsigned)(MP - m + 1));
        if (hrand(2)) { /* the same offset in a span: superpages can move */
            int e = d - d % big + a % big;
            e -= e + m > MP ? big : 0;
            d = e >= 0 ? e : d;
        }
        flags = MSPACE_REMAP_MAYMOVE | MSPACE_REMAP_FIXED |
                (how == 2 ? MSPACE_REMAP_DONTUNMAP : 0);
    }
    int head = m < n ? m : n, rs, re;
    hrun(h, a, &rs, &re);
    bool one = h->rights[a] >= 0 && re >= a + head;
    int want;
    if (how < 3 && d < a + n && a < d + m)
        want = -EINVAL; /* overlap */
    else if (how == 3 && m <= n)
        want = h->rights[a] >= 0 ? 0 : -EFAULT; /* a shrink: holes fine */
    else if (!one)
        want = -EFAULT;
    else if (how == 3 && (re != a + n || !hfree(h, a + n, m - n)))
        want = -ENOMEM; /* cannot grow in place, may not move */
    else
        want = 0;
    void *r = mspace_remap(h->ms, haddr(a), (size_t)n * PG, (size_t)m * PG,
                           flags, haddr(d));
    int rc = mspace_error(r);
    if (rc != want && !(armed && rc == -ENOMEM))
        hm_fail("mremap [%d, %d) to [%d, %d) how %u: %d, model %d", a, a + n,
                d, d + m, how, rc, want);
    if (rc == 0 && r != (void *)haddr(d))
        hm_fail("mremap [%d, %d) to %d: %p", a, a + n, d, r);
    if (rc == 0) {
        static hspace_t old; /* the pages before the move */
        memcpy(&old, h, sizeof(old));
        for (int i = a + head; i < a + n; i++) /* the tail: unmapped */
            h->rights[i] = -1, h->val[i] = 0;
        for (int i = a; i < a + head && how != 3; i++) /* moved */
            h->rights[i] = how == 2 ? old.rights[i] : -1, h->val[i] = 0;
        for (int i = 0; i < m; i++) {
            int from = i < n ? a + i : a; /* growth: the VMA's flags, zero */
            h->rights[d + i] = old.rights[from];
            h->advice[d + i] = old.advice[from];
            h->val[d + i] = i < n ? old.val[from] : 0;
        }
    }
    return rc == want ? 0 : rc;
}

static void hstep(int *nsp, unsigned long *absorbed)
{
    hspace_t *h = &sp[hrand((unsigned)*nsp)];
    int a, n, rc;
    hrange(&a, &n);
    bool armed = harm();
    static const unsigned char ops[20] = {0, 0, 0, 1,  2,  3,  4,  5,  6,  6,
                                          6, 6, 6, 6, 9, 10, 11, 11, 12, 12};
    unsigned op = hrand(with_remap ? 23 : 20);
    op = op < 20 ? ops[op] : 13;
    switch (op) {
    case 0: /* map fresh memory (over whatever was there) */
        rc = mspace_unmap(h->ms, haddr(a), (size_t)n * PG);
        if (rc == 0) {
            for (int i = a; i < a + n; i++)
                h->rights[i] = -1, h->val[i] = 0;
            rc = mspace_error(mspace_map(h->ms, haddr(a), (size_t)n * PG,
                                         NULL, 0, 0, RW | VMA_FIXED));
        }
        if (rc == 0)
            for (int i = a; i < a + n; i++)
                h->rights[i] = RW, h->advice[i] = 0;
        break;
    case 1: /* munmap */
        rc = mspace_unmap(h->ms, haddr(a), (size_t)n * PG);
        if (rc == 0)
            for (int i = a; i < a + n; i++)
                h->rights[i] = -1, h->val[i] = 0;
        break;
    case 2: { /* mprotect */
        int r = hrand(2) ? VMA_READ : RW;
        rc = mspace_protect(h->ms, haddr(a), (size_t)n * PG, r);
        if (!hcovered(h, a, n)) {
            HM_EQ(rc, -ENOMEM); /* a hole: expected */
            rc = 0;
        } else if (rc == 0)
            for (int i = a; i < a + n; i++)
                h->rights[i] = (signed char)r;
        break;
    }
    case 3: /* MADV_DONTNEED */
        rc = mspace_discard(h->ms, haddr(a), (size_t)n * PG);
        if (rc == -ENOMEM && !hcovered(h, a, n)) {
            /* a hole (the mapped part dropped), or, when armed, a failed
             * demotion (nothing dropped): each page is one or the other */
            for (int i = a; i < a + n; i++) {
                unsigned char *p = fake_mmu_ptr(h->ms->directory, haddr(i));
                if (!armed || !p || *(uint32_t *)p == 0)
                    h->val[i] = 0;
            }
            rc = 0;
        } else if (rc == 0) {
            for (int i = a; i < a + n; i++)
                h->val[i] = 0;
        }
        break;
    case 4: { /* madvise HUGEPAGE / NOHUGEPAGE: no visible change */
        bool huge = hrand(2);
        rc = mspace_advise_huge(h->ms, haddr(a), (size_t)n * PG, huge);
        if (!hcovered(h, a, n)) {
            HM_EQ(rc, -ENOMEM); /* a hole: expected */
            rc = 0;
        } else if (rc == 0) {
            for (int i = a; i < a + n; i++)
                h->advice[i] = huge ? 1 : 2;
        }
        break;
    }
    case 5: /* the policy */
        mm_set_huge_policy(hrand(5) < 3 ? MM_HUGE_ALWAYS
                                         : (enum mm_huge_policy)hrand(2));
        rc = 0;
        break;
    case 6: case 7: case 8: { /* a write, or a read, of a page */
        bool write = hrand(3) != 0;
        mm_fault_t f = cpu_touch(h->ms, haddr(a), write ? MMU_WRITE : MMU_READ);
        rc = f == MM_FAULT_NOMEM ? -ENOMEM : 0;
        if (h->rights[a] < 0)
            HM_EQ(f, MM_FAULT_NO_VMA);
        else if (write && h->rights[a] != RW)
            HM_EQ(f, MM_FAULT_WRITE_RO);
        else if (f == MM_FAULT_OK && write) {
            h->val[a] = (uint32_t)hrand(1u << 30) | 1;
            *(uint32_t *)fake_mmu_ptr(h->ms->directory, haddr(a)) = h->val[a];
        } else if (f != MM_FAULT_NOMEM) {
            HM_EQ(f, MM_FAULT_OK);
        }
        break;
    }
    case 9: /* fork */
        if (*nsp == 2) {
            rc = 0;
            break;
        }
        sp[1] = *h;
        sp[1].ms = mspace_clone(h->ms);
        rc = sp[1].ms ? 0 : -ENOMEM;
        if (rc == 0)
            (*nsp)++;
        break;
    case 11: { /* MADV_COLLAPSE: no visible change; the answer exact */
        static bool present[MP];
        for (int i = 0; i < MP; i++)
            present[i] = fake_mmu_ptr(h->ms->directory, haddr(i)) != NULL;
        int want = hcollapse_expect(h, a, n, present);
        rc = mspace_collapse(h->ms, haddr(a), (size_t)n * PG);
        if (rc != want && !(armed && rc == -ENOMEM))
            hm_fail("collapse [%d, %d): %d, model %d", a, a + n, rc, want);
        if (rc == 0) /* every span inside one eligible VMA is one now */
            for (int b = (a + (int)MMU_LARGE_PAGES - 1) /
                         (int)MMU_LARGE_PAGES * (int)MMU_LARGE_PAGES;
                 b + (int)MMU_LARGE_PAGES <= a + n; b += (int)MMU_LARGE_PAGES) {
                int rs, re;
                hrun(h, b, &rs, &re);
                if (re >= b + (int)MMU_LARGE_PAGES)
                    if (!is_huge(h->ms, haddr(b)))
                        hm_fail("collapse [%d, %d): span %d not huge", a,
                                a + n, b);
            }
        huge_model_collapsed[rc == 0 ? 0 : rc == -EINVAL ? 1 : 2]++;
        rc = rc == want ? 0 : rc;
        break;
    }
    case 12: /* mprotect read-only and back: promotion where it can */
        rc = mspace_protect(h->ms, haddr(a), (size_t)n * PG, VMA_READ);
        if (!hcovered(h, a, n)) {
            HM_EQ(rc, -ENOMEM);
            rc = 0;
            break;
        }
        if (rc == 0) {
            for (int i = a; i < a + n; i++)
                h->rights[i] = VMA_READ;
            if (armed)
                harm(); /* maybe a failure in the second call too */
            rc = mspace_protect(h->ms, haddr(a), (size_t)n * PG, RW);
            if (rc == 0)
                for (int i = a; i < a + n; i++)
                    h->rights[i] = RW;
        }
        break;
    case 13: /* mremap */
        rc = hremap(h, a, n, armed);
        break;
    default: /* a space ends (the last one: a fresh one follows, whose
                spans have no page table yet) */
        rc = 0;
        mspace_close(h->ms);
        if (*nsp == 2) {
            if (h == &sp[0])
                sp[0] = sp[1];
            (*nsp)--;
        } else {
            hdisarm();
            hfresh(&sp[0]);
        }
        break;
    }
    hdisarm();
    if (getenv("MM_HUGE_TRACE"))
        fprintf(stderr, "op %u space %d [%d,%d) rc %d armed %d nsp %d huge %zu\n",
                op, (int)(h - sp), a, a + n, rc, armed, *nsp, mm_huge_mapped());
    if (rc < 0) {
        if (rc != -ENOMEM || !armed)
            hm_fail("op %u on pages [%d, %d): %d (armed %d)", op, a, a + n,
                     rc, armed);
        (*absorbed)++;
    }
    for (int s = 0; s < *nsp; s++)
        hcheck(&sp[s]);
}

void huge_model_init(uint64_t (*next)(void *ctx), void *ctx, bool remap)
{
    with_remap = remap;
    next_fn = next;
    next_ctx = ctx;
    fake_mmu_setup();
    mm_zero_page();
    mm_commit_set_limit(8192);
    mm_set_huge_policy(MM_HUGE_ALWAYS);
    hdisarm();
    frames_at_start = page_free_count();
    allocs_at_start = fake_alloc_live();
    commit_at_start = mm_committed();
    nsp = 1;
    hfresh(&sp[0]);
}

void huge_model_step(void)
{
    size_t before = mm_huge_mapped();
    hstep(&nsp, &huge_model_absorbed);
    /* the superpage counts (AnonHugePages, smaps) match the page tables */
    size_t mapped = 0;
    for (int s = 0; s < nsp; s++) {
        size_t spans = 0;
        for (int b = 0; b < MW; b++)
            spans += is_huge(sp[s].ms, haddr(b * (int)MMU_LARGE_PAGES));
        HM_EQ(mspace_huge_pages(sp[s].ms, haddr(0), haddr(MP)), spans);
        mapped += spans;
    }
    HM_EQ(mm_huge_mapped(), mapped);
    huge_model_huge_seen += mm_huge_mapped() > 0;
    huge_model_splits += mm_huge_mapped() < before;
}

void huge_model_finish(void)
{
    for (int s = 0; s < nsp; s++)
        mspace_close(sp[s].ms);
    nsp = 0;
    hdisarm();
    mm_set_huge_policy(MM_HUGE_NEVER);
    HM_EQ(mm_huge_mapped(), 0);
    HM_EQ(page_free_count(), frames_at_start);
    HM_EQ(fake_alloc_live(), allocs_at_start);
    HM_EQ(mm_committed(), commit_at_start);
    HM_EQ(fake_mmu_live_dirs(), 0);
}
