/* Order statistics over the rounds of a measurement and the BENCH line. */
#include "stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void stats_init(struct stats *s, const char *name, int rounds, int ops)
{
    memset(s, 0, sizeof(*s));
    s->name = name;
    s->rounds = rounds < STATS_MAX_ROUNDS ? rounds : STATS_MAX_ROUNDS;
    s->ops = ops;
}

void stats_round(struct stats *s, int r, uint64_t ns, uint64_t cycles)
{
    s->ns[r] = (double)ns / s->ops;
    s->cycles[r] = (double)cycles / s->ops;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile (0..1) of sorted v[0..n) by the nearest rank. */
static double quantile(const double *v, int n, double q)
{
    int i = (int)(q * (n - 1) + 0.5);
    return v[i];
}

void stats_print(struct stats *s)
{
    int n = s->rounds;
    qsort(s->ns, n, sizeof(double), cmp_double);
    qsort(s->cycles, n, sizeof(double), cmp_double);
    printf("BENCH name=%s unit=ns median=%.1f p25=%.1f p75=%.1f min=%.1f "
           "max=%.1f cycles=%.0f cycles_min=%.0f n=%d ops=%d sum=%016llx "
           "check=%s\n",
           s->name, quantile(s->ns, n, 0.5), quantile(s->ns, n, 0.25),
           quantile(s->ns, n, 0.75), s->ns[0], s->ns[n - 1],
           quantile(s->cycles, n, 0.5), s->cycles[0], n, s->ops,
           (unsigned long long)s->sum, s->failed ? "FAIL" : "ok");
    fflush(stdout);
}

void stats_print_na(const char *name, const char *reason, int err)
{
    printf("BENCH name=%s status=n/a reason=%s errno=%d\n", name, reason, err);
    fflush(stdout);
}
