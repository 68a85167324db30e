/*
 * mm/bbtree.c - AVL tree of disjoint ranges augmented with the largest gap
 * per subtree.  The augmentation of a node depends only on its children
 * (sub_lo, sub_hi, max_gap), so rotations and updates fix it locally while
 * walking up to the root.
 */
#include <assert.h>

#include "mm/bbtree.h"

static int height(const bbnode_t *n)
{
    return n ? n->height : 0;
}

static size_t max_size(size_t a, size_t b)
{
    return a > b ? a : b;
}

/* Recomputes height and augmentation of `n` from its children. */
static void pull(bbnode_t *n)
{
    bbnode_t *l = n->left, *r = n->right;
    int hl = height(l), hr = height(r);
    size_t gap = 0;
    n->height = 1 + (hl > hr ? hl : hr);
    n->sub_lo = l ? l->sub_lo : n->key;
    n->sub_hi = r ? r->sub_hi : bbnode_end(n);
    if (l)
        gap = max_size(l->max_gap, n->key - l->sub_hi);
    if (r)
        gap = max_size(gap, max_size(r->max_gap, r->sub_lo - bbnode_end(n)));
    n->max_gap = gap;
}

/* Makes `to` take the place of `from` under from's parent. */
static void replace_child(bbtree_t *tree, bbnode_t *from, bbnode_t *to)
{
    bbnode_t *p = from->parent;
    if (!p)
        tree->root = to;
    else if (p->left == from)
        p->left = to;
    else
        p->right = to;
    if (to)
        to->parent = p;
}

static bbnode_t *rotate_left(bbtree_t *tree, bbnode_t *x)
{
    bbnode_t *y = x->right;
    replace_child(tree, x, y);
    x->right = y->left;
    if (x->right)
        x->right->parent = x;
    y->left = x;
    x->parent = y;
    pull(x);
    pull(y);
    return y;
}

static bbnode_t *rotate_right(bbtree_t *tree, bbnode_t *x)
{
    bbnode_t *y = x->left;
    replace_child(tree, x, y);
    x->left = y->right;
    if (x->left)
        x->left->parent = x;
    y->right = x;
    x->parent = y;
    pull(x);
    pull(y);
    return y;
}

/* Restores balance and augmentation from `n` up toward the root.  It stops
 * at the first node whose height and augmentation come out unchanged (its
 * ancestors depend on nothing else), but never below `must`, a node whose
 * own key may have changed. */
static void rebalance(bbtree_t *tree, bbnode_t *n, const bbnode_t *must)
{
    while (n) {
        bbnode_t old = *n;
        pull(n);
        int balance = height(n->left) - height(n->right);
        if (balance > 1) {
            if (height(n->left->left) < height(n->left->right))
                rotate_left(tree, n->left);
            n = rotate_right(tree, n);
        } else if (balance < -1) {
            if (height(n->right->right) < height(n->right->left))
                rotate_right(tree, n->right);
            n = rotate_left(tree, n);
        } else if (!must && old.height == n->height &&
                   old.sub_lo == n->sub_lo && old.sub_hi == n->sub_hi &&
                   old.max_gap == n->max_gap) {
            return;
        }
        if (n == must)
            must = NULL;
        n = n->parent;
    }
}

/* Links the leaf `node` at `*link` under `parent` and rebalances. */
static void attach(bbtree_t *tree, bbnode_t *parent, bbnode_t **link,
                   bbnode_t *node)
{
    node->parent = parent;
    node->left = node->right = NULL;
    *link = node;
    tree->count++;
    node->height = 0; /* never equal to its pulled height: no early stop */
    rebalance(tree, node, NULL);
}

void bbtree_insert(bbtree_t *tree, bbnode_t *node)
{
    bbnode_t *parent = NULL, **link = &tree->root;
    assert(node->size > 0 && bbnode_end(node) > node->key);
    while (*link) {
        parent = *link;
        assert(bbnode_end(node) <= parent->key ||
               node->key >= bbnode_end(parent));
        link = node->key < parent->key ? &parent->left : &parent->right;
    }
    attach(tree, parent, link, node);
}

void bbtree_insert_after(bbtree_t *tree, bbnode_t *prev, bbnode_t *node)
{
    if (!prev) {
        bbtree_insert(tree, node);
        return;
    }
    bbnode_t *next = bbtree_next(prev);
    assert(node->size > 0 && bbnode_end(node) > node->key &&
           bbnode_end(prev) <= node->key &&
           (!next || bbnode_end(node) <= next->key));
    if (!prev->right) {
        attach(tree, prev, &prev->right, node);
        return;
    }
    attach(tree, next, &next->left, node); /* next: leftmost of prev->right */
}

void bbtree_remove(bbtree_t *tree, bbnode_t *node)
{
    bbnode_t *start, *must = NULL;
    if (!node->left || !node->right) {
        start = node->parent;
        replace_child(tree, node, node->left ? node->left : node->right);
    } else {
        bbnode_t *s = node->right;
        while (s->left)
            s = s->left;
        if (s->parent == node) {
            start = s;
        } else {
            start = s->parent;
            start->left = s->right;
            if (s->right)
                s->right->parent = start;
            s->right = node->right;
            s->right->parent = s;
        }
        s->left = node->left;
        s->left->parent = s;
        replace_child(tree, node, s);
        must = s; /* took node's place: its augmentation is stale */
    }
    node->parent = node->left = node->right = NULL;
    tree->count--;
    rebalance(tree, start, must);
}

void bbtree_update(bbtree_t *tree, bbnode_t *node)
{
    assert(node->size > 0);
    rebalance(tree, node, node);
}

/* Starts loading both children of `n` while its own key is compared: the
 * next node's line is on its way whichever side the branch takes (the
 * direction of a lookup is a coin toss the CPU mispredicts half the time;
 * a large tree misses the cache at every level).  NULL is harmless. */
static inline void prefetch_children(const bbnode_t *n)
{
    __builtin_prefetch(n->left);
    __builtin_prefetch(n->right);
}

bbnode_t *bbtree_search(const bbtree_t *tree, uintptr_t addr)
{
    bbnode_t *n = tree->root;
    while (n) {
        prefetch_children(n);
        if (addr < n->key)
            n = n->left;
        else if (addr >= bbnode_end(n))
            n = n->right;
        else
            return n;
    }
    return NULL;
}

bbnode_t *bbtree_lower(const bbtree_t *tree, uintptr_t addr)
{
    bbnode_t *n = tree->root, *best = NULL;
    while (n) {
        prefetch_children(n);
        if (bbnode_end(n) > addr) {
            best = n;
            n = n->left;
        } else {
            n = n->right;
        }
    }
    return best;
}

bbnode_t *bbtree_first(const bbtree_t *tree)
{
    bbnode_t *n = tree->root;
    while (n && n->left)
        n = n->left;
    return n;
}

bbnode_t *bbtree_next(const bbnode_t *node)
{
    if (node->right) {
        node = node->right;
        while (node->left)
            node = node->left;
        return (bbnode_t *)node;
    }
    while (node->parent && node->parent->right == node)
        node = node->parent;
    return node->parent;
}

bbnode_t *bbtree_prev(const bbnode_t *node)
{
    if (node->left) {
        node = node->left;
        while (node->right)
            node = node->right;
        return (bbnode_t *)node;
    }
    while (node->parent && node->parent->left == node)
        node = node->parent;
    return node->parent;
}

/* Rounds `a` up to a multiple of `align` (a power of two): false when
 * that wraps. */
static bool align_up(uintptr_t a, size_t align, uintptr_t *out)
{
    uintptr_t mask = (uintptr_t)align - 1;
    if (a > UINTPTR_MAX - mask)
        return false;
    *out = (a + mask) & ~mask;
    return true;
}

/* A free range of `len` starting at a multiple of `align` in the hole
 * [gs, ge) at or above hint, below hi. */
static bool gap_fit(uintptr_t gs, uintptr_t ge, uintptr_t hint, size_t len,
                    size_t align, uintptr_t hi, uintptr_t *addr)
{
    uintptr_t s = gs > hint ? gs : hint;
    uintptr_t e = ge < hi ? ge : hi;
    if (!align_up(s, align, &s) || s >= e || e - s < len)
        return false;
    *addr = s;
    return true;
}

/* Lowest fit in the holes of subtree `n`, including the hole before it
 * that starts at prev_end.  Subtrees that end too low or whose holes are
 * all too small are skipped in O(1), which keeps the walk O(log n) (an
 * alignment adds the holes large enough that hold no aligned fit). */
static bool gap_search(const bbnode_t *n, uintptr_t prev_end, uintptr_t hint,
                       size_t len, size_t align, uintptr_t hi, uintptr_t *addr)
{
    if (!n || prev_end >= hi)
        return false;
    size_t lead = n->sub_lo - prev_end;
    if (max_size(lead, n->max_gap) < len)
        return false;
    if (n->sub_hi < len || n->sub_hi - len <= hint)
        return false;
    if (gap_search(n->left, prev_end, hint, len, align, hi, addr))
        return true;
    if (gap_fit(n->left ? n->left->sub_hi : prev_end, n->key, hint, len,
                align, hi, addr))
        return true;
    return gap_search(n->right, bbnode_end(n), hint, len, align, hi, addr);
}

bool bbtree_find_gap(const bbtree_t *tree, uintptr_t lo, uintptr_t hi,
                     uintptr_t hint, size_t length, size_t align,
                     uintptr_t *addr)
{
    const bbnode_t *root = tree->root;
    assert(align && !(align & (align - 1)));
    if (length == 0)
        return false;
    if (hint < lo)
        hint = lo;
    if (!align_up(hint, align, &hint))
        return false;
    assert(!root || (root->sub_lo >= lo && root->sub_hi <= hi));
    if (gap_search(root, lo, hint, length, align, hi, addr))
        return true;
    return gap_fit(root ? root->sub_hi : lo, hi, hint, length, align, hi,
                   addr);
}

static size_t check(const bbnode_t *n, const bbnode_t *parent,
                    uintptr_t *prev_end, bool *first)
{
    if (!n)
        return 0;
    assert(n->parent == parent);
    size_t count = check(n->left, n, prev_end, first);
    assert(n->size > 0 && bbnode_end(n) > n->key);
    assert(*first || *prev_end <= n->key);
    *first = false;
    *prev_end = bbnode_end(n);
    count += 1 + check(n->right, n, prev_end, first);
    int balance = height(n->left) - height(n->right);
    assert(balance >= -1 && balance <= 1);
    bbnode_t copy = *n;
    pull(&copy);
    assert(copy.height == n->height && copy.sub_lo == n->sub_lo &&
           copy.sub_hi == n->sub_hi && copy.max_gap == n->max_gap);
    return count;
}

size_t bbtree_check(const bbtree_t *tree)
{
    uintptr_t prev_end = 0;
    bool first = true;
    size_t count = check(tree->root, NULL, &prev_end, &first);
    assert(count == tree->count);
    return count;
}
