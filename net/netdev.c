/*
 * netdev.c - the registered network interfaces (net/netdev.h): a small
 * fixed table filled by the drivers at boot, and the poll of them all
 * that the timer tick runs (a NIC without a working interrupt still
 * delivers, and a lost interrupt costs a tick at most).
 */
#include <errno.h>
#include <stddef.h>

#include "net/netdev.h"

#define NETDEV_MAX 4

static struct netdev *devices[NETDEV_MAX];
static int count;

int netdev_register(struct netdev *d)
{
    if (count == NETDEV_MAX)
        return -ENOSPC;
    devices[count++] = d;
    return 0;
}

struct netdev *netdev_get(int i)
{
    return i >= 0 && i < count ? devices[i] : NULL;
}

void netdev_poll_all(void)
{
    for (int i = 0; i < count; i++)
        devices[i]->poll(devices[i]);
}
