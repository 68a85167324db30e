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
#define TAG_ACPI_OLD 14 /* a copy of the RSDP, revision 0 */
#define TAG_ACPI_NEW 15 /* a copy of the RSDP, revision 2 or later */

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

/* The NUL-terminated string `skip` bytes into the payload of `tag`, or
 * NULL when the tag is too short for it or has no NUL before its end. */
static const char *tag_string(const struct mb2_tag *tag, uint32_t skip)
{
    if (tag->size <= sizeof(*tag) + skip)
        return NULL;
    const char *s = (const char *)(tag + 1) + skip;
    size_t room = tag->size - sizeof(*tag) - skip;
    return strnlen(s, room) < room ? s : NULL;
}

/* The entries must fill the tag exactly and no region may wrap. */
static int mb2_mmap(const struct mb2_mmap *t, struct boot_info *bi)
{
    if (t->tag.size < sizeof(*t) ||
        t->entry_size < sizeof(struct mb2_mmap_entry) || t->entry_size % 8 ||
        (t->tag.size - sizeof(*t)) % t->entry_size)
        return -EINVAL;
    const char *p = (const char *)(t + 1);
    const char *end = (const char *)t + t->tag.size;
    for (; p < end; p += t->entry_size) {
        const struct mb2_mmap_entry *e = (const void *)p;
        if (e->base + e->length < e->base)
            return -EINVAL;
        boot_add_region(bi, e->base, e->length, e->type);
    }
    return 0;
}

static int mb2_module(const struct mb2_module *t, struct boot_info *bi)
{
    const char *name = tag_string(&t->tag, 8); /* after start and end */
    if (!name || t->end < t->start)
        return -EINVAL;
    if (bi->nmodules == BOOT_MAX_MODULES) {
        bi->dropped++;
        return 0;
    }
    bi->modules[bi->nmodules++] = (struct boot_module){
        .start = t->start, .end = t->end, .name = name };
    return 0;
}

/* Points *field at the string of `tag`, or -EINVAL (field unchanged). */
static int mb2_string(const struct mb2_tag *tag, const char **field)
{
    const char *s = tag_string(tag, 0);
    if (!s)
        return -EINVAL;
    *field = s;
    return 0;
}

/* Keeps the loader's copy of the RSDP, the newer one when both are given;
 * its content is checked by its user. */
static void mb2_acpi(const struct mb2_tag *tag, struct boot_info *bi)
{
    if (bi->acpi_rsdp && tag->type == TAG_ACPI_OLD)
        return;
    bi->acpi_rsdp = tag + 1;
    bi->acpi_rsdp_len = tag->size - sizeof(*tag);
}

/* Reads one tag (its size already checked against the block). */
static int mb2_tag(const struct mb2_tag *tag, struct boot_info *bi)
{
    switch (tag->type) {
    case TAG_CMDLINE:
        return mb2_string(tag, &bi->cmdline);
    case TAG_LOADER:
        return mb2_string(tag, &bi->loader);
    case TAG_MODULE:
        return mb2_module((const void *)tag, bi);
    case TAG_MMAP:
        return mb2_mmap((const void *)tag, bi);
    case TAG_ACPI_OLD:
    case TAG_ACPI_NEW:
        mb2_acpi(tag, bi);
        return 0;
    default:
        return 0; /* tags we do not use */
    }
}

int mb2_parse(const void *info, uint64_t info_phys, struct boot_info *bi)
{
    const char *base = info;
    uint32_t total = *(const uint32_t *)base;
    bi->protocol = "multiboot2";
    if (total < 16 || info_phys + total < info_phys) /* header + end tag */
        return -EINVAL;
    boot_reserve(bi, info_phys, info_phys + total);
    for (uint64_t off = 8; off + sizeof(struct mb2_tag) <= total;) {
        const struct mb2_tag *tag = (const void *)(base + off);
        if (tag->size < sizeof(*tag) || tag->size > total - off)
            return -EINVAL;
        if (tag->type == TAG_END)
            return tag->size == sizeof(*tag) ? 0 : -EINVAL;
        int err = mb2_tag(tag, bi);
        if (err)
            return err;
        off += ((uint64_t)tag->size + 7) & ~(uint64_t)7;
    }
    return -EINVAL; /* no end tag */
}
