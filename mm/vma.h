/*
 * mm/vma.h - virtual memory areas: the flags of a mapping and vma_t.
 *
 * A VMA is a range of one address space with one set of attributes:
 *
 *   bits 0-2    rights now       VMA_READ VMA_WRITE VMA_EXEC (= PROT_*)
 *   bits 3-4    sharing          VMA_SHARED or VMA_COW (private)
 *   bits 5-7    maximum rights   VMA_MAXREAD VMA_MAXWRITE VMA_MAXEXEC
 *   bits 8-12   type (one bit)   VMA_ANON VMA_HEAP VMA_STACK VMA_FILE VMA_PHYS
 *   bits 13-16  request / state  VMA_FIXED VMA_RESOLVE VMA_DEAD VMA_UNCACHED
 *   bit 17      never merged     VMA_NOMERGE (stacks and kspace: always)
 *   bit 18      accounting       VMA_CHARGED
 *   bits 19-20  superpages       VMA_HUGE VMA_NOHUGE (madvise, mm/huge.c)
 *
 * No two flags share a bit (checked below).
 */
#ifndef MM_VMA_H
#define MM_VMA_H

#include <stdint.h>

#include "mm/bbtree.h"

struct inode;

#define VMA_READ 0x00001     /* readable (PROT_READ) */
#define VMA_WRITE 0x00002    /* writable (PROT_WRITE) */
#define VMA_EXEC 0x00004     /* executable (PROT_EXEC) */
#define VMA_SHARED 0x00008   /* writes reach the backing, seen by all */
#define VMA_COW 0x00010      /* private: written pages are copied */
#define VMA_MAXREAD 0x00020  /* mprotect may ever grant read */
#define VMA_MAXWRITE 0x00040 /* ... write */
#define VMA_MAXEXEC 0x00080  /* ... exec */
#define VMA_ANON 0x00100     /* zero-filled memory */
#define VMA_HEAP 0x00200     /* zero-filled memory of the heap */
#define VMA_STACK 0x00400    /* grow-down stack: lowest page is a guard */
#define VMA_FILE 0x00800     /* backed by ino at offset, zero past file_end */
#define VMA_PHYS 0x01000     /* physical range at offset (MMIO, frames) */
#define VMA_FIXED 0x02000    /* map: the address is mandatory */
#define VMA_RESOLVE 0x04000  /* map: populate every page now */
#define VMA_DEAD 0x08000     /* swept: invisible, reaped by scavenge */
#define VMA_UNCACHED 0x10000 /* device memory (VMA_PHYS only) */
#define VMA_NOMERGE 0x20000  /* never joins a neighbour: keeps its own guard */
#define VMA_CHARGED 0x40000  /* private, every page committed: it has been
                                writable (mm/commit.c); stays until unmap */
#define VMA_HUGE 0x80000     /* MADV_HUGEPAGE: superpages even when the
                                policy is "madvise" */
#define VMA_NOHUGE 0x100000  /* MADV_NOHUGEPAGE: never superpages */
#define VMA_HUGEADVICE (VMA_HUGE | VMA_NOHUGE)

#define VMA_RIGHTS (VMA_READ | VMA_WRITE | VMA_EXEC)
#define VMA_MAXRIGHTS (VMA_MAXREAD | VMA_MAXWRITE | VMA_MAXEXEC)
#define VMA_MAX_SHIFT 5 /* VMA_MAXREAD == VMA_READ << VMA_MAX_SHIFT */
#define VMA_TYPE (VMA_ANON | VMA_HEAP | VMA_STACK | VMA_FILE | VMA_PHYS)
#define VMA_SHARING (VMA_SHARED | VMA_COW)
#define VMA_REQUEST (VMA_FIXED | VMA_RESOLVE)

_Static_assert((VMA_RIGHTS & VMA_SHARING) == 0 &&
                   (VMA_RIGHTS & VMA_MAXRIGHTS) == 0 &&
                   (VMA_RIGHTS & VMA_TYPE) == 0 &&
                   (VMA_SHARING & VMA_MAXRIGHTS) == 0 &&
                   (VMA_SHARING & VMA_TYPE) == 0 &&
                   (VMA_MAXRIGHTS & VMA_TYPE) == 0 &&
                   ((VMA_RIGHTS | VMA_SHARING | VMA_MAXRIGHTS | VMA_TYPE) &
                    (VMA_FIXED | VMA_RESOLVE | VMA_DEAD | VMA_UNCACHED |
                     VMA_NOMERGE | VMA_CHARGED | VMA_HUGEADVICE)) == 0 &&
                   __builtin_popcount(VMA_RIGHTS | VMA_SHARING | VMA_MAXRIGHTS |
                                      VMA_TYPE | VMA_FIXED | VMA_RESOLVE |
                                      VMA_DEAD | VMA_UNCACHED |
                                      VMA_NOMERGE | VMA_CHARGED |
                                      VMA_HUGEADVICE) == 21,
               "vma flags must not share bits");
_Static_assert(VMA_MAXREAD == VMA_READ << VMA_MAX_SHIFT &&
                   VMA_MAXWRITE == VMA_WRITE << VMA_MAX_SHIFT &&
                   VMA_MAXEXEC == VMA_EXEC << VMA_MAX_SHIFT,
               "maximum rights mirror the rights");

/* Lock legend: (m) the owning mspace's lock. */
typedef struct vma vma_t;
struct vma {
    bbnode_t node;     /* (m) tree node: node.key is the base address */
    size_t length;     /* (m) bytes, a multiple of PAGE_SIZE (= node.size) */
    struct inode *ino; /* (m) backing file of VMA_FILE, holds a reference */
    uint64_t offset;   /* (m) file offset (VMA_FILE) or physical address
                          (VMA_PHYS) of the base */
    uint64_t file_end; /* (m) VMA_FILE: file offset where the real bytes end
                          (zero past it; UINT64_MAX: none), from
                          mspace_map's `limit` (bytes after offset) */
    int flags;         /* (m) VMA_* */
};

/* First and end address of `vma`. */
static inline uintptr_t vma_base(const vma_t *vma)
{
    return vma->node.key;
}

static inline uintptr_t vma_end(const vma_t *vma)
{
    return vma->node.key + vma->length;
}

#endif /* MM_VMA_H */
