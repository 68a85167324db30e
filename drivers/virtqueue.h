/*
 * drivers/virtqueue.h - a split virtqueue as the driver side (virtio 1.x,
 * section 2.7): the descriptor table, the available ring the driver
 * writes and the used ring the device writes, in one block laid out as
 * legacy devices require (used ring on a 4096-byte boundary), which also
 * satisfies the modern alignment rules.
 *
 * Free descriptors are chained through their `next` fields; a buffer is
 * a chain (device-readable parts first, then device-writable ones) whose
 * head's index is its id.  Everything the device writes (used ring ids,
 * lengths, the used index) is checked before use: a bad value is
 * counted and refused, never followed.
 *
 * Portable: memory and physical addresses come from the caller (the host
 * tests play the device over ordinary memory).  Context: one CPU, the
 * caller serialises calls on one queue.
 */
#ifndef DRIVERS_VIRTQUEUE_H
#define DRIVERS_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTQ_MAX_SIZE 1024
#define VIRTQ_ALIGN    4096 /* legacy: the used ring's alignment */

#define VIRTQ_DESC_F_NEXT  1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY     1

struct virtq_desc {
    uint64_t addr;  /* guest physical */
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct virtq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[];
};

struct virtq_used_elem {
    uint32_t id;  /* head of the chain */
    uint32_t len; /* bytes the device wrote into its writable part */
};

struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[];
};

/* One piece of a buffer: physical address and length. */
struct virtq_buf {
    uint64_t pa;
    uint32_t len;
};

struct virtq {
    unsigned size;             /* descriptors: a power of two */
    struct virtq_desc *desc;
    struct virtq_avail *avail;
    struct virtq_used *used;
    uint64_t desc_pa, avail_pa, used_pa;
    uint16_t free_head;        /* first free descriptor */
    unsigned num_free;
    uint16_t avail_idx;        /* the driver's copy of avail->idx */
    uint16_t last_used;        /* next used entry to reap */
    uint16_t kicked_idx;       /* avail_idx at the last virtq_kick_prepare */
    void *token[VIRTQ_MAX_SIZE];      /* by head: the caller's, NULL if free */
    uint16_t chain_len[VIRTQ_MAX_SIZE];  /* by head: descriptors in it */
    uint32_t writable[VIRTQ_MAX_SIZE];   /* by head: device-writable bytes */
    uint64_t bad;              /* device values refused */
};

/* Bytes of the ring block of a queue of `size` descriptors. */
size_t virtq_ring_bytes(unsigned size);

/* Sets `q` up over the zeroed ring block `mem` (virtq_ring_bytes(size)
 * bytes, 4096-aligned) at physical address `pa`.  0, or -EINVAL when
 * size is not a power of two in 1..VIRTQ_MAX_SIZE. */
int virtq_init(struct virtq *q, unsigned size, void *mem, uint64_t pa);

/* Adds a buffer of `out` device-readable then `in` device-writable
 * pieces, remembered by `token` (not NULL), to the available ring (the
 * device sees it at the next virtq_kick_prepare).  0, -ENOSPC when fewer
 * than out+in descriptors are free, -EINVAL on an empty buffer or a
 * zero-length piece. */
int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned out,
              unsigned in, void *token);

/* Publishes the added buffers (avail->idx, after a write barrier) and
 * says whether the device wants a notification (VIRTQ_USED_F_NO_NOTIFY
 * clear) for them. */
bool virtq_kick_prepare(struct virtq *q);

/* Takes the next used buffer: 1 with *token and *len (bytes written, at
 * most its writable length) set and its descriptors freed; 0 when none;
 * -EIO when the device's entry was bad and is skipped: an id that is no
 * buffer in flight (*token NULL, nothing freed), or a length past the
 * buffer's writable bytes (*token set, freed, *len 0), or a used index
 * more than the queue size ahead (nothing taken). */
int virtq_get(struct virtq *q, void **token, uint32_t *len);

/* Asks the device not to interrupt for used buffers (a hint). */
void virtq_disable_interrupts(struct virtq *q);

/* Buffers added and not yet taken back. */
unsigned virtq_in_flight(const struct virtq *q);

#endif
