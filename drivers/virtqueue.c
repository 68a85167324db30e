/*
 * virtqueue.c - the driver side of a split virtqueue (drivers/virtqueue.h).
 *
 * Ordering: the descriptors and the ring entry are written before the
 * available index (release fence); the used index is read before its
 * entries (acquire fence); the available index is published before the
 * used ring's NO_NOTIFY flag is read (full fence), as the spec's
 * notification suppression asks.  Values are little endian, as on x86.
 */
#include <errno.h>
#include <string.h>

#include "drivers/virtqueue.h"

static size_t align_up(size_t v, size_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* Offsets inside the ring block. */
static size_t avail_offset(unsigned size)
{
    return sizeof(struct virtq_desc) * size;
}

static size_t used_offset(unsigned size)
{
    /* flags, idx, ring[size], used_event */
    return align_up(avail_offset(size) + 6 + 2 * size, VIRTQ_ALIGN);
}

size_t virtq_ring_bytes(unsigned size)
{
    /* flags, idx, ring[size], avail_event */
    return used_offset(size) +
           align_up(6 + sizeof(struct virtq_used_elem) * size, VIRTQ_ALIGN);
}

int virtq_init(struct virtq *q, unsigned size, void *mem, uint64_t pa)
{
    if (!size || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
        return -EINVAL;
    memset(q, 0, sizeof(*q));
    q->size = size;
    q->desc = mem;
    q->avail = (struct virtq_avail *)((char *)mem + avail_offset(size));
    q->used = (struct virtq_used *)((char *)mem + used_offset(size));
    q->desc_pa = pa;
    q->avail_pa = pa + avail_offset(size);
    q->used_pa = pa + used_offset(size);
    for (unsigned i = 0; i < size; i++)
        q->desc[i].next = (uint16_t)(i + 1); /* the last one: never followed */
    q->free_head = 0;
    q->num_free = size;
    return 0;
}

int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned out,
              unsigned in, void *token)
{
    unsigned n = out + in;
    if (!n || !token)
        return -EINVAL;
    for (unsigned i = 0; i < n; i++)
        if (!bufs[i].len)
            return -EINVAL;
    if (n > q->num_free)
        return -ENOSPC;
    uint16_t head = q->free_head, d = head, last = head;
    uint32_t writable = 0;
    for (unsigned i = 0; i < n; i++) {
        struct virtq_desc *desc = &q->desc[d];
        desc->addr = bufs[i].pa;
        desc->len = bufs[i].len;
        desc->flags = (uint16_t)((i >= out ? VIRTQ_DESC_F_WRITE : 0) |
                                 (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
        if (i >= out)
            writable += bufs[i].len;
        last = d;
        d = desc->next;
    }
    q->free_head = q->desc[last].next;
    q->num_free -= n;
    q->token[head] = token;
    q->chain_len[head] = (uint16_t)n;
    q->writable[head] = writable;
    q->avail->ring[q->avail_idx & (q->size - 1)] = head;
    q->avail_idx++;
    return 0;
}

bool virtq_kick_prepare(struct virtq *q)
{
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(&q->avail->idx, q->avail_idx, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    bool changed = q->kicked_idx != q->avail_idx;
    q->kicked_idx = q->avail_idx;
    uint16_t flags = __atomic_load_n(&q->used->flags, __ATOMIC_RELAXED);
    return changed && !(flags & VIRTQ_USED_F_NO_NOTIFY);
}

/* Gives the chain at `head` back to the free list (its descriptors as
 * the driver wrote them: the device cannot change the table's links). */
static void chain_free(struct virtq *q, uint16_t head)
{
    uint16_t d = head;
    for (unsigned i = 1; i < q->chain_len[head]; i++)
        d = q->desc[d].next;
    q->desc[d].next = q->free_head;
    q->free_head = head;
    q->num_free += q->chain_len[head];
    q->token[head] = NULL;
    q->chain_len[head] = 0;
}

unsigned virtq_in_flight(const struct virtq *q)
{
    return q->size - q->num_free;
}

int virtq_get(struct virtq *q, void **token, uint32_t *len)
{
    *token = NULL;
    *len = 0;
    uint16_t used_idx = __atomic_load_n(&q->used->idx, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    uint16_t pending = (uint16_t)(used_idx - q->last_used);
    if (!pending)
        return 0;
    if (pending > q->size) {
        q->bad++; /* the device claims more than it was ever given */
        return -EIO;
    }
    struct virtq_used_elem e = q->used->ring[q->last_used & (q->size - 1)];
    q->last_used++;
    if (e.id >= q->size || !q->token[e.id]) {
        q->bad++; /* not the head of a buffer in flight */
        return -EIO;
    }
    *token = q->token[e.id];
    bool ok = e.len <= q->writable[e.id];
    chain_free(q, (uint16_t)e.id);
    if (!ok) {
        q->bad++;
        return -EIO;
    }
    *len = e.len;
    return 1;
}

void virtq_disable_interrupts(struct virtq *q)
{
    q->avail->flags |= VIRTQ_AVAIL_F_NO_INTERRUPT;
}
