/*
 * mm/bbtree.h - a balanced (AVL) binary tree of disjoint address ranges
 * with parent pointers, augmented with the largest free gap of each
 * subtree, so that "lowest free range of length L at or above H within
 * [lo, hi)" is found in O(log n).  Nodes are embedded in their owner
 * (vma_t); NULL ends every branch: there is no shared sentinel.
 *
 * Locking: none inside; the owner's lock (mspace lock) covers the tree.
 */
#ifndef MM_BBTREE_H
#define MM_BBTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bbnode bbnode_t;
struct bbnode {
    uintptr_t key;          /* first address of the range */
    size_t size;            /* bytes in the range (> 0) */
    bbnode_t *left, *right; /* (a lookup reads only these first 32 bytes) */
    bbnode_t *parent;
    uintptr_t sub_lo; /* first address in this subtree */
    uintptr_t sub_hi; /* end of the last range in this subtree */
    size_t max_gap;   /* largest hole between ranges of this subtree */
    int height;       /* AVL height, leaves are 1 */
};

typedef struct bbtree {
    bbnode_t *root;
    size_t count;
} bbtree_t;

#define BBTREE_INIT                                                            \
    {                                                                          \
        NULL, 0                                                                \
    }

/* End (exclusive) of the range of `node`. */
static inline uintptr_t bbnode_end(const bbnode_t *node)
{
    return node->key + node->size;
}

/* Inserts `node` (key and size set, overlapping nothing in the tree). */
void bbtree_insert(bbtree_t *tree, bbnode_t *node);

/* Inserts `node` right after `prev` (its in-order predecessor once
 * inserted; NULL: anywhere, as bbtree_insert) without a walk from the
 * root: O(1) amortized plus the rebalancing. */
void bbtree_insert_after(bbtree_t *tree, bbnode_t *prev, bbnode_t *node);

/* Removes `node`, which is in `tree`. */
void bbtree_remove(bbtree_t *tree, bbnode_t *node);

/* Re-derives the augmentation after the caller changed node->key or
 * node->size of an inserted node without changing its order or making it
 * overlap a neighbour. */
void bbtree_update(bbtree_t *tree, bbnode_t *node);

/* The node whose range contains `addr`, or NULL. */
bbnode_t *bbtree_search(const bbtree_t *tree, uintptr_t addr);

/* The first node whose range ends above `addr`, or NULL. */
bbnode_t *bbtree_lower(const bbtree_t *tree, uintptr_t addr);

/* In-order first node / successor / predecessor, or NULL. */
bbnode_t *bbtree_first(const bbtree_t *tree);
bbnode_t *bbtree_next(const bbnode_t *node);
bbnode_t *bbtree_prev(const bbnode_t *node);

/* Finds the lowest multiple a of `align` (a power of two; 1: any
 * address) with a >= max(hint, lo) and [a, a+length) inside [lo, hi) and
 * free (every node must lie inside [lo, hi)).  Returns true and stores it
 * in *addr, or false.  O(log n) with align 1; with a larger one, each hole
 * of at least `length` that holds no aligned fit costs a visit too. */
bool bbtree_find_gap(const bbtree_t *tree, uintptr_t lo, uintptr_t hi,
                     uintptr_t hint, size_t length, size_t align,
                     uintptr_t *addr);

/* Checks every invariant (order, disjointness, parents, balance,
 * augmentation); returns the number of nodes or asserts. */
size_t bbtree_check(const bbtree_t *tree);

#endif /* MM_BBTREE_H */
