/* multiboot2.c - reads the Multiboot2 information into struct boot_info. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "multiboot2.h"

#define TAG_END     0
#define TAG_CMDLINE 1
#define TAG_LOADER  2
#define TAG_MODULE  3
#define TAG_MMAP    6

struct mb2_tag {
    uint32_t type;
    uint32_t size;
};

struct mb2_module {
    struct mb2_tag tag;
    uint32_t start, end;
    char name[];
};

struct mb2_mmap {
    struct mb2_tag tag;
    uint32_t entry_size, entry_version;
};

struct mb2_mmap_entry {
    uint64_t base, length;
    uint32_t type, reserved;
};

static void mb2_mmap(const struct mb2_mmap *t, struct boot_info *bi)
{
    if (t->entry_size < sizeof(struct mb2_mmap_entry))
        return;
    const char *p = (const char *)(t + 1);
    const char *end = (const char *)t + t->tag.size;
    for (; p + t->entry_size <= end; p += t->entry_size) {
        const struct mb2_mmap_entry *e = (const void *)p;
        boot_add_region(bi, e->base, e->length, e->type);
    }
}

static void mb2_module(const struct mb2_module *t, struct boot_info *bi)
{
    if (bi->nmodules == BOOT_MAX_MODULES) {
        bi->dropped++;
        return;
    }
    bi->modules[bi->nmodules++] = (struct boot_module){
        .start = t->start, .end = t->end, .name = t->name };
}

int mb2_parse(const void *info, uint64_t info_phys, struct boot_info *bi)
{
    const char *base = info;
    uint32_t total = *(const uint32_t *)base;
    bi->protocol = "multiboot2";
    boot_reserve(bi, info_phys, info_phys + total);
    for (uint32_t off = 8; off + sizeof(struct mb2_tag) <= total;) {
        const struct mb2_tag *tag = (const void *)(base + off);
        if (tag->size < sizeof(*tag) || off + tag->size > total)
            return -EINVAL;
        switch (tag->type) {
        case TAG_END:
            return 0;
        case TAG_CMDLINE:
            bi->cmdline = (const char *)(tag + 1);
            break;
        case TAG_LOADER:
            bi->loader = (const char *)(tag + 1);
            break;
        case TAG_MODULE:
            mb2_module((const void *)tag, bi);
            break;
        case TAG_MMAP:
            mb2_mmap((const void *)tag, bi);
            break;
        }
        off += (tag->size + 7) & ~7u;
    }
    return -EINVAL; /* no end tag */
}
