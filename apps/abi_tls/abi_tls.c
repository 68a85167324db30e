/*
 * abi_tls: thread-local storage of the initial thread (PT_TLS set up by
 * the C library through arch_prctl(ARCH_SET_FS)): initialised __thread
 * data, zero-filled __thread data, alignment, and the x86_64 TCB rule that
 * %fs:0 holds the thread pointer itself.  One "ok - name" line per check;
 * exit status 0 only if all passed.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int failures;

static void check(int cond, const char *name)
{
    printf("%sok - %s\n", cond ? "" : "not ", name);
    failures += !cond;
}

__thread int counter = 42;
__thread char greeting[16] = "tls hello";
__thread uint64_t pattern[4] = {1, 0x1122334455667788ULL, 3, 4};
__thread char zeroed[8192];
__thread long zero_long;
__thread _Alignas(64) char aligned64[64];

static uintptr_t thread_pointer(void)
{
    uintptr_t tp;

    __asm__ volatile("mov %%fs:0, %0" : "=r"(tp));
    return tp;
}

/* True if every byte of [p, p + n) is zero. */
static int all_zero(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

int main(void)
{
    uintptr_t tp = thread_pointer();
    uintptr_t lo = (uintptr_t)&counter, hi = lo;
    uintptr_t addrs[] = {(uintptr_t)greeting, (uintptr_t)pattern,
                         (uintptr_t)zeroed, (uintptr_t)&zero_long,
                         (uintptr_t)aligned64};

    check(counter == 42, "tls initialised int");
    check(strcmp(greeting, "tls hello") == 0, "tls initialised string");
    check(pattern[1] == 0x1122334455667788ULL && pattern[3] == 4,
          "tls initialised array");
    check(all_zero(zeroed, sizeof(zeroed)) && zero_long == 0,
          "tls zero-filled part (.tbss)");
    check((uintptr_t)aligned64 % 64 == 0, "tls 64-byte alignment");
    counter++;
    zeroed[4000] = 'x';
    check(counter == 43 && zeroed[4000] == 'x', "tls writable");
    check(tp != 0, "tls thread pointer set (%fs:0)");
    for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
        lo = addrs[i] < lo ? addrs[i] : lo;
        hi = addrs[i] > hi ? addrs[i] : hi;
    }
    /* Variant II: the TLS block lies just below the thread pointer. */
    check(hi < tp && tp - lo < 64 * 1024, "tls block below thread pointer");
    return failures != 0;
}
