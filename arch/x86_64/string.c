/* string.c - memcpy and memset of the kernel's <string.h> (lib/include),
 * by rep movs/stos: the rest is portable (lib/string.c). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Whole aligned quadwords go by rep movsq/stosq: 8 bytes per iteration
 * where the CPU lacks fast rep movsb/stosb (ERMS) and under emulation
 * (QEMU TCG runs rep one element at a time); frames are copied and zeroed
 * so (page_copy, page_zero). */
static bool quad_aligned(const void *a, const void *b, size_t n)
{
    return (((uintptr_t)a | (uintptr_t)b | n) & 7) == 0;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    void *ret = dst;
    if (quad_aligned(dst, src, n)) {
        n /= 8;
        __asm__ volatile("rep movsq"
                         : "+D"(dst), "+S"(src), "+c"(n)
                         :
                         : "memory");
    } else {
        __asm__ volatile("rep movsb"
                         : "+D"(dst), "+S"(src), "+c"(n)
                         :
                         : "memory");
    }
    return ret;
}

void *memset(void *dst, int c, size_t n)
{
    void *ret = dst;
    if (quad_aligned(dst, dst, n)) {
        uint64_t q = (uint8_t)c * 0x0101010101010101ull;
        n /= 8;
        __asm__ volatile("rep stosq" : "+D"(dst), "+c"(n) : "a"(q) : "memory");
    } else {
        __asm__ volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(c) : "memory");
    }
    return ret;
}
