/*
 * tests/bench/alloc/bench.c - allocator workloads, one source linked
 * against each allocator under test (libshim, musl, glibc, jemalloc,
 * mimalloc).  `bench WORKLOAD` runs one workload once and prints
 *   WORKLOAD <nanoseconds> <checksum>
 * The checksum is computed from bytes written into the blocks and read
 * back before they are freed, and depends only on the workload (not on
 * addresses), so every allocator must print the same one.  Time is the
 * process's CPU time (user + system): the machine is shared, and time
 * spent descheduled says nothing about the allocator.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Writes a tag at the first and last byte of a block of n bytes. */
static void stamp(unsigned char *p, size_t n, uint64_t tag)
{
    p[0] = (unsigned char)tag;
    p[n - 1] = (unsigned char)(tag >> 8);
}

static uint64_t read_stamp(const unsigned char *p, size_t n)
{
    return (uint64_t)p[0] * 3 + p[n - 1];
}

struct slot {
    unsigned char *p;
    size_t n;
};

/* Small-object churn: 16-128 byte blocks appear and vanish at random
 * among 10000 slots. */
static uint64_t churn(void)
{
    enum { N = 10000, OPS = 6000000 };
    static struct slot s[N];
    uint64_t sum = 0;
    for (uint64_t op = 0; op < OPS; op++) {
        struct slot *x = &s[rng() % N];
        if (x->p) {
            sum += read_stamp(x->p, x->n);
            free(x->p);
            x->p = NULL;
        } else {
            x->n = 16 + rng() % 113;
            x->p = malloc(x->n);
            stamp(x->p, x->n, op);
        }
    }
    for (int i = 0; i < N; i++)
        if (s[i].p) {
            sum += read_stamp(s[i].p, s[i].n);
            free(s[i].p);
            s[i].p = NULL;
        }
    return sum;
}

/* Mixed sizes 16 B - 64 KiB, log-uniform, among 4000 slots. */
static uint64_t mixed(void)
{
    enum { N = 4000, OPS = 1500000 };
    static struct slot s[N];
    uint64_t sum = 0;
    for (uint64_t op = 0; op < OPS; op++) {
        struct slot *x = &s[rng() % N];
        if (x->p) {
            sum += read_stamp(x->p, x->n);
            free(x->p);
            x->p = NULL;
        } else {
            unsigned shift = 4 + (unsigned)(rng() % 13); /* 16 .. 64 Ki */
            x->n = ((size_t)1 << shift) + rng() % ((size_t)1 << shift);
            if (x->n > 65536)
                x->n = 65536;
            x->p = malloc(x->n);
            stamp(x->p, x->n, op);
        }
    }
    for (int i = 0; i < N; i++)
        if (s[i].p) {
            sum += read_stamp(s[i].p, s[i].n);
            free(s[i].p);
            s[i].p = NULL;
        }
    return sum;
}

/* Realloc growth: 64 buffers grown side by side in small steps (a string
 * builder), most up to 64 KiB, every 16th up to 4 MiB. */
static uint64_t growth(void)
{
    enum { B = 64, ROUNDS = 40 };
    struct slot s[B];
    uint64_t sum = 0;
    for (int r = 0; r < ROUNDS; r++) {
        memset(s, 0, sizeof(s));
        size_t limit[B];
        for (int i = 0; i < B; i++)
            limit[i] = i % 16 == 0 ? (4u << 20) : (64u << 10);
        for (int live = B; live;) {
            live = 0;
            for (int i = 0; i < B; i++) {
                if (s[i].n >= limit[i])
                    continue;
                live++;
                size_t n = s[i].n + 8 + rng() % 64 + s[i].n / 16;
                s[i].p = realloc(s[i].p, n);
                if (s[i].n)
                    sum += read_stamp(s[i].p, s[i].n);
                stamp(s[i].p, n, n);
                s[i].n = n;
            }
        }
        for (int i = 0; i < B; i++) {
            sum += read_stamp(s[i].p, s[i].n);
            free(s[i].p);
        }
    }
    return sum;
}

/* Larson-like, one thread: 8 "producer" arrays of 1000 blocks; each step
 * a random block of a random producer is handed to a FIFO "consumer"
 * queue and replaced; the consumer frees the oldest blocks, so blocks die
 * in a different order than they were born. */
static uint64_t larson(void)
{
    enum { P = 8, K = 1000, Q = 16384, OPS = 3000000 };
    static struct slot prod[P][K], queue[Q];
    uint64_t sum = 0;
    size_t head = 0, tail = 0;
    for (int p = 0; p < P; p++)
        for (int k = 0; k < K; k++) {
            prod[p][k].n = 16 + rng() % 241;
            prod[p][k].p = malloc(prod[p][k].n);
            stamp(prod[p][k].p, prod[p][k].n, (uint64_t)k);
        }
    for (uint64_t op = 0; op < OPS; op++) {
        struct slot *x = &prod[rng() % P][rng() % K];
        if (tail - head == Q) {
            struct slot *old = &queue[head++ % Q];
            sum += read_stamp(old->p, old->n);
            free(old->p);
        }
        queue[tail++ % Q] = *x;
        x->n = 16 + rng() % 241;
        x->p = malloc(x->n);
        stamp(x->p, x->n, op);
    }
    while (head != tail) {
        struct slot *old = &queue[head++ % Q];
        sum += read_stamp(old->p, old->n);
        free(old->p);
    }
    for (int p = 0; p < P; p++)
        for (int k = 0; k < K; k++) {
            sum += read_stamp(prod[p][k].p, prod[p][k].n);
            free(prod[p][k].p);
        }
    return sum;
}

/* Large blocks: 64 KiB - 4 MiB, 16 live at a time, touched at the ends
 * and the middle. */
static uint64_t large(void)
{
    enum { N = 16, OPS = 100000 };
    struct slot s[N];
    memset(s, 0, sizeof(s));
    uint64_t sum = 0;
    for (uint64_t op = 0; op < OPS; op++) {
        struct slot *x = &s[rng() % N];
        if (x->p) {
            sum += read_stamp(x->p, x->n) + x->p[x->n / 2];
            free(x->p);
        }
        x->n = (64u << 10) + rng() % (4u << 20);
        x->p = malloc(x->n);
        stamp(x->p, x->n, op);
        x->p[x->n / 2] = (unsigned char)op;
    }
    for (int i = 0; i < N; i++) {
        sum += read_stamp(s[i].p, s[i].n) + s[i].p[s[i].n / 2];
        free(s[i].p);
    }
    return sum;
}

static const struct {
    const char *name;
    uint64_t (*run)(void);
} workloads[] = {
    {"churn", churn},   {"mixed", mixed}, {"growth", growth},
    {"larson", larson}, {"large", large},
};

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s churn|mixed|growth|larson|large\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
        if (strcmp(argv[1], workloads[i].name))
            continue;
        rng_state = 0x853c49e6748fea9bull;
        struct timespec t0, t1;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
        uint64_t sum = workloads[i].run();
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
        long long ns =
            (t1.tv_sec - t0.tv_sec) * 1000000000ll + (t1.tv_nsec - t0.tv_nsec);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("%s %lld %llu %ld\n", argv[1], ns, (unsigned long long)sum,
               ru.ru_maxrss);
        return 0;
    }
    fprintf(stderr, "%s: unknown workload %s\n", argv[0], argv[1]);
    return 2;
}
