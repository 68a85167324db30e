/*
 * net/timewait.c - a ceiling on TCP connections in TIME-WAIT.  lwIP keeps
 * a closed connection in TIME-WAIT for 2 * TCP_MSL (two minutes) on one
 * list it walks for every segment that arrives; with its pools in kalloc
 * (MEMP_MEM_MALLOC) it never runs short and reclaims none early, so a
 * server closing a thousand connections a second walks a list of a
 * hundred thousand.  As Linux's tcp_max_tw_buckets, past the ceiling the
 * oldest are dropped (no RST: the connection is over for both ends).
 */
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "net/stack.h"

#define TIME_WAIT_MAX 512

void net_timewait_trim(void)
{
    /* tcp_tw_pcbs is newest first: what follows the MAXth is older */
    struct tcp_pcb *keep = tcp_tw_pcbs;
    for (int n = 1; keep && n < TIME_WAIT_MAX; n++)
        keep = keep->next;
    while (keep && keep->next)
        tcp_abort(keep->next);
}
