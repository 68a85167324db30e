/*
 * socket.c - the generic socket layer (see socket.h): the socket file
 * kind, the registry of address families, and the socket system calls.
 * Addresses, option values, msghdrs, iovec arrays and ancillary data are
 * copied between user and kernel memory here; the data stay in user
 * memory for the family to copy (sock_iter).
 */
#include <errno.h>
#include <string.h>

#include "abi/socket.h"
#include "arch/clock.h"
#include "mm/kalloc.h"
#include "unikernel/fd.h"
#include "unikernel/poll.h"
#include "unikernel/sched.h"
#include "unikernel/signal.h"
#include "unikernel/socket.h"
#include "unikernel/syscall.h"
#include "unikernel/task.h"
#include "unikernel/usercopy.h"

#define FAMILIES_MAX 8
#define IOV_MAX 1024
#define RW_MAX 0x7ffff000L    /* Linux's largest transfer */
#define CONTROL_MAX 65536     /* ancillary data of one call (Linux: optmem) */
#define OPTVAL_MAX 4096       /* an option value the family gets a copy of */
#define BUF_DEFAULT 212992    /* Linux's default and largest SO_*BUF */
#define RCVBUF_MIN 2304
#define SNDBUF_MIN 4608
#define PAGE 4096

static const struct sock_family *families[FAMILIES_MAX];
static int nfamilies;

void sock_family_register(const struct sock_family *f)
{
    if (nfamilies < FAMILIES_MAX)
        families[nfamilies++] = f;
}

/* The family `family`, or NULL. */
static const struct sock_family *family_of(int family)
{
    for (int i = 0; i < nfamilies; i++)
        if (families[i]->family == family)
            return families[i];
    return NULL;
}

/* ---- the socket file ---- */

static long sock_send(struct socket *s, struct sock_msg *m, int flags);
static long sock_recv(struct socket *s, struct sock_msg *m, int flags);

static long sock_file_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    (void)pos;
    struct user_iovec v = {buf, n};
    struct sock_msg m = {.iov = &v, .iovcnt = 1};
    return sock_recv(f->priv, &m, 0);
}

static long sock_file_write(struct file *f, const void *buf, size_t n)
{
    struct user_iovec v = {(void *)buf, n};
    struct sock_msg m = {.iov = &v, .iovcnt = 1};
    long rc = sock_send(f->priv, &m, 0);
    if (rc == -EPIPE)
        signal_send(task_current(), SIGPIPE);
    return rc;
}

/* Socket numbers: apart from the tmpfs's and the pipes' (pipe.c), as
 * sockfs is a file system of its own on Linux. */
static uint64_t next_number = 1ull << 33;

static void sock_file_stat(struct file *f, struct kstat *st)
{
    st->st_ino = ((struct socket *)f->priv)->number;
    st->st_mode = KS_IFSOCK | 0777;
    st->st_blksize = PAGE;
}

static long sock_file_ioctl(struct file *f, unsigned long cmd, uintptr_t arg)
{
    struct socket *s = f->priv;
    if (cmd == FIONBIO) {
        int on;
        if (copy_from_user(&on, (const void *)arg, sizeof(on)) < 0)
            return -EFAULT;
        f->nonblock = on != 0;
        return 0;
    }
    if (!s->ops || !s->ops->ioctl)
        return -ENOTTY;
    return s->ops->ioctl(s, cmd, arg);
}

static unsigned sock_file_poll(struct file *f, struct poll_table *pt)
{
    struct socket *s = f->priv;
    if (!s->ops || !s->ops->poll) {
        poll_wait(pt, s);
        return POLLIN | POLLOUT;
    }
    return s->ops->poll(s, pt);
}

static void sock_file_release(struct file *f)
{
    struct socket *s = f->priv;
    if (s->ops && s->ops->release)
        s->ops->release(s);
    sched_wakeup(s);
    kfree(s);
}

static void sock_file_unref(struct file *f)
{
    struct socket *s = f->priv;
    if (s->ops && s->ops->unref)
        s->ops->unref(s);
}

static const struct file_ops sock_file_ops = {
    .read = sock_file_read,
    .write = sock_file_write,
    .stat = sock_file_stat,
    .ioctl = sock_file_ioctl,
    .poll = sock_file_poll,
    .release = sock_file_release,
    .unref = sock_file_unref,
};

struct socket *sock_of_file(struct file *f)
{
    return f && f->ops == &sock_file_ops ? f->priv : NULL;
}

int sock_new(int family, int type, int protocol, struct socket **out)
{
    struct socket *s = kalloc(sizeof(*s));
    struct file *f = s ? file_new(&sock_file_ops, NULL) : NULL;
    if (!f) {
        kfree(s);
        return -ENOMEM;
    }
    memset(s, 0, sizeof(*s));
    s->file = f;
    s->family = family;
    s->type = type;
    s->protocol = protocol;
    s->number = next_number++;
    s->rcvbuf = s->sndbuf = BUF_DEFAULT;
    f->priv = s;
    *out = s;
    return 0;
}

/* ---- waiting and the iovec cursor ---- */

uint64_t sock_deadline(uint64_t timeo_ns)
{
    return timeo_ns ? clock_monotonic_ns() + timeo_ns : 0;
}

int sock_wait(const void *chan, uint64_t deadline)
{
    if (signal_interrupted())
        return deadline ? -EINTR : -ERESTARTSYS; /* Linux: a timed wait
                                                    is not restarted */
    if (deadline && clock_monotonic_ns() >= deadline)
        return -EAGAIN;
    if (sched_wait(chan, deadline) == -EINTR)
        sched_check_kill(); /* a kill ends the task here */
    return 0;
}

void sock_iter_init(struct sock_iter *it, const struct sock_msg *m)
{
    it->iov = m->iov;
    it->iovcnt = m->iovcnt;
    it->idx = 0;
    it->off = 0;
    it->left = 0;
    for (int i = 0; i < m->iovcnt; i++)
        it->left += m->iov[i].len;
}

/* Moves up to n bytes between the user iovecs and kernel `k`, a page at
 * most per copy so that a fault stops it near where it happened. */
static long iter_copy(struct sock_iter *it, void *k, size_t n, bool to_user)
{
    size_t done = 0;
    while (done < n && it->idx < it->iovcnt) {
        const struct user_iovec *v = &it->iov[it->idx];
        if (it->off == v->len) {
            it->idx++;
            it->off = 0;
            continue;
        }
        char *u = (char *)v->base + it->off;
        size_t c = v->len - it->off;
        size_t in_page = PAGE - ((uintptr_t)u & (PAGE - 1));
        if (c > in_page)
            c = in_page;
        if (c > n - done)
            c = n - done;
        int rc = to_user ? copy_to_user(u, (char *)k + done, c)
                         : copy_from_user((char *)k + done, u, c);
        if (rc < 0)
            return done ? (long)done : -EFAULT;
        it->off += c;
        it->left -= c;
        done += c;
    }
    return (long)done;
}

long sock_iter_from_user(struct sock_iter *it, void *dst, size_t n)
{
    return iter_copy(it, dst, n, false);
}

long sock_iter_to_user(struct sock_iter *it, const void *src, size_t n)
{
    return iter_copy(it, (void *)src, n, true);
}

/* ---- sending and receiving ---- */

static int effective_flags(struct socket *s, int flags)
{
    return s->file->nonblock ? flags | MSG_DONTWAIT : flags;
}

static long sock_send(struct socket *s, struct sock_msg *m, int flags)
{
    if (!s->ops->sendmsg)
        return -EOPNOTSUPP;
    return s->ops->sendmsg(s, m, effective_flags(s, flags));
}

static long sock_recv(struct socket *s, struct sock_msg *m, int flags)
{
    if (!s->ops->recvmsg)
        return -EOPNOTSUPP;
    return s->ops->recvmsg(s, m, effective_flags(s, flags));
}

/* SIGPIPE for a send that failed with EPIPE, unless MSG_NOSIGNAL. */
static long pipe_signal(long rc, int flags)
{
    if (rc == -EPIPE && !(flags & MSG_NOSIGNAL))
        signal_send(task_current(), SIGPIPE);
    return rc;
}

/* ---- system call helpers ---- */

/* The socket at descriptor `fd`: 0 and *s, -EBADF or -ENOTSOCK. */
static int sock_fd(long fd, struct socket **s)
{
    struct file *f = fd_get_held((int)fd);
    if (!f)
        return -EBADF;
    *s = sock_of_file(f);
    return *s ? 0 : -ENOTSOCK;
}

/* A user socket address into `k` (SOCKADDR_MAX bytes): 0 or -errno. */
static int addr_in(long uaddr, long len, void *k)
{
    if (len < 0 || len > SOCKADDR_MAX)
        return -EINVAL;
    if (len && copy_from_user(k, (const void *)uaddr, (size_t)len) < 0)
        return -EFAULT;
    return 0;
}

/* Reads the user's socklen_t at `ulen`: 0 and *len, -EFAULT, -EINVAL. */
static int len_in(long ulen, int *len)
{
    if (copy_from_user(len, (const void *)ulen, sizeof(*len)) < 0)
        return -EFAULT;
    return *len < 0 ? -EINVAL : 0;
}

/* Copies the kernel address `k` of length `klen` to the user's buffer
 * of `cap` bytes (truncated) and the full length to *ulen. */
static int addr_out(const void *k, size_t klen, long uaddr, int cap, long ulen)
{
    size_t n = klen < (size_t)cap ? klen : (size_t)cap;
    if (n && copy_to_user((void *)uaddr, k, n) < 0)
        return -EFAULT;
    int full = (int)klen;
    if (copy_to_user((void *)ulen, &full, sizeof(full)) < 0)
        return -EFAULT;
    return 0;
}

/* Installs the socket's file at a new descriptor with `flags`
 * (SOCK_NONBLOCK, SOCK_CLOEXEC): the descriptor or -EMFILE (the socket is
 * closed). */
static int install(struct socket *s, long flags)
{
    s->file->nonblock = (flags & SOCK_NONBLOCK) != 0;
    return fd_install_new(s->file, flags & SOCK_CLOEXEC);
}

/* Frees a socket from sock_new whose family create failed (no ops). */
static void discard(struct socket *s)
{
    s->ops = NULL;
    file_put(s->file);
}

/* Splits socket(2)'s type into the type and its flags: 0 or -EINVAL. */
static int type_split(long arg, int *type, long *flags)
{
    *flags = arg & (SOCK_NONBLOCK | SOCK_CLOEXEC);
    *type = (int)(arg & ~(long)(SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (*type < SOCK_STREAM || *type > SOCK_PACKET)
        return -EINVAL;
    return 0;
}

/* ---- socket, socketpair ---- */

long sys_socket(const long *a)
{
    int type;
    long flags;
    if (a[0] < 0 || a[0] >= AF_MAX)
        return -EAFNOSUPPORT;
    int rc = type_split(a[1], &type, &flags);
    if (rc < 0)
        return rc;
    const struct sock_family *fam = family_of((int)a[0]);
    if (!fam)
        return -EAFNOSUPPORT;
    struct socket *s;
    if ((rc = sock_new((int)a[0], type, (int)a[2], &s)) < 0)
        return rc;
    if ((rc = fam->create(s, type, (int)a[2])) < 0) {
        discard(s);
        return rc;
    }
    return install(s, flags);
}

long sys_socketpair(const long *a)
{
    int type;
    long flags;
    if (a[0] < 0 || a[0] >= AF_MAX)
        return -EAFNOSUPPORT;
    int rc = type_split(a[1], &type, &flags);
    if (rc < 0)
        return rc;
    const struct sock_family *fam = family_of((int)a[0]);
    if (!fam)
        return -EAFNOSUPPORT;
    struct socket *s[2];
    if ((rc = sock_new((int)a[0], type, (int)a[2], &s[0])) < 0)
        return rc;
    if ((rc = sock_new((int)a[0], type, (int)a[2], &s[1])) < 0) {
        discard(s[0]);
        return rc;
    }
    if ((rc = fam->create(s[0], type, (int)a[2])) < 0) {
        discard(s[0]);
        discard(s[1]);
        return rc;
    }
    if ((rc = fam->create(s[1], type, (int)a[2])) < 0) {
        file_put(s[0]->file);
        discard(s[1]);
        return rc;
    }
    if ((rc = fam->pair ? fam->pair(s[0], s[1], type, (int)a[2]) : -EOPNOTSUPP)) {
        file_put(s[0]->file);
        file_put(s[1]->file);
        return rc;
    }
    task_t *t = task_current();
    int fds[2] = {install(s[0], flags), -1};
    if (fds[0] < 0) {
        file_put(s[1]->file);
        return fds[0];
    }
    if ((fds[1] = install(s[1], flags)) < 0) {
        fd_close(t, fds[0]);
        return fds[1];
    }
    if (copy_to_user((void *)a[3], fds, sizeof(fds)) < 0) {
        fd_close(t, fds[0]);
        fd_close(t, fds[1]);
        return -EFAULT;
    }
    return 0;
}

/* ---- bind, listen, accept, connect ---- */

long sys_bind(const long *a)
{
    struct socket *s;
    char addr[SOCKADDR_MAX];
    int rc = sock_fd(a[0], &s);
    if (rc == 0)
        rc = addr_in(a[1], a[2], addr);
    if (rc < 0)
        return rc;
    return s->ops->bind ? s->ops->bind(s, addr, (size_t)a[2]) : -EOPNOTSUPP;
}

long sys_listen(const long *a)
{
    struct socket *s;
    int rc = sock_fd(a[0], &s);
    if (rc < 0)
        return rc;
    if (!s->ops->listen)
        return -EOPNOTSUPP;
    unsigned backlog = (unsigned)a[1];
    if (backlog > SOMAXCONN)
        backlog = SOMAXCONN; /* Linux: negative is the largest too */
    rc = s->ops->listen(s, (int)backlog);
    if (rc == 0)
        s->listening = true;
    return rc;
}

static long accept_flags(long fd, long uaddr, long ulen, long flags)
{
    struct socket *s, *n;
    if (flags & ~(long)(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -EINVAL;
    int rc = sock_fd(fd, &s);
    if (rc < 0)
        return rc;
    if (!s->ops->accept)
        return -EOPNOTSUPP;
    int cap = 0;
    if (uaddr && (rc = len_in(ulen, &cap)) < 0)
        return rc;
    if ((rc = s->ops->accept(s, &n, effective_flags(s, 0))) < 0)
        return rc;
    if (uaddr) {
        char addr[SOCKADDR_MAX] = {0};
        size_t len = sizeof(addr);
        rc = n->ops->getname ? n->ops->getname(n, addr, &len, true) : 0;
        if (rc == 0)
            rc = addr_out(addr, len < sizeof(addr) ? len : sizeof(addr), uaddr,
                          cap, ulen);
        if (rc < 0) {
            file_put(n->file); /* the connection is lost, as on Linux */
            return rc;
        }
    }
    return install(n, flags);
}

long sys_accept(const long *a)
{
    return accept_flags(a[0], a[1], a[2], 0);
}

long sys_accept4(const long *a)
{
    return accept_flags(a[0], a[1], a[2], a[3]);
}

long sys_connect(const long *a)
{
    struct socket *s;
    char addr[SOCKADDR_MAX];
    int rc = sock_fd(a[0], &s);
    if (rc == 0)
        rc = addr_in(a[1], a[2], addr);
    if (rc < 0)
        return rc;
    if (!s->ops->connect)
        return -EOPNOTSUPP;
    return s->ops->connect(s, addr, (size_t)a[2], effective_flags(s, 0));
}

/* ---- sendto, recvfrom ---- */

/* Checks a one-buffer transfer: the length clamped to RW_MAX. */
static int buffer_ok(long buf, size_t *len)
{
    if (*len > RW_MAX)
        *len = RW_MAX;
    return user_range_ok((uintptr_t)buf, *len) ? 0 : -EFAULT;
}

long sys_sendto(const long *a)
{
    struct socket *s;
    char addr[SOCKADDR_MAX];
    size_t len = (size_t)a[2];
    int rc = sock_fd(a[0], &s);
    if (rc == 0)
        rc = buffer_ok(a[1], &len);
    if (rc == 0 && a[4])
        rc = addr_in(a[4], a[5], addr);
    if (rc < 0)
        return rc;
    struct user_iovec v = {(void *)a[1], len};
    struct sock_msg m = {.iov = &v, .iovcnt = 1};
    if (a[4]) {
        m.name = addr;
        m.namelen = (size_t)a[5];
    }
    return pipe_signal(sock_send(s, &m, (int)a[3]), (int)a[3]);
}

long sys_recvfrom(const long *a)
{
    struct socket *s;
    size_t len = (size_t)a[2];
    int cap = 0;
    int rc = sock_fd(a[0], &s);
    if (rc == 0)
        rc = buffer_ok(a[1], &len);
    if (rc == 0 && a[4])
        rc = len_in(a[5], &cap);
    if (rc < 0)
        return rc;
    char addr[SOCKADDR_MAX] = {0};
    struct user_iovec v = {(void *)a[1], len};
    struct sock_msg m = {.iov = &v, .iovcnt = 1};
    if (a[4]) {
        m.name = addr;
        m.namelen = sizeof(addr);
    }
    long n = sock_recv(s, &m, (int)a[3]);
    if (n >= 0 && a[4]) {
        size_t got = m.namelen < sizeof(addr) ? m.namelen : sizeof(addr);
        if (addr_out(addr, got, a[4], cap, a[5]) < 0)
            return -EFAULT;
    }
    return n;
}

/* ---- sendmsg, recvmsg ---- */

/* A user msghdr in the kernel: its iovecs copied (m->iov, kalloc), its
 * name copied (send) or its capacity noted (recv). */
struct kmsg {
    struct abi_msghdr h;
    struct sock_msg m;
    struct user_iovec *iov;
    char addr[SOCKADDR_MAX];
    int namecap;   /* recv: the user's name buffer size */
};

static int kmsg_in(struct kmsg *k, long uhdr, bool send)
{
    memset(k, 0, sizeof(*k));
    if (copy_from_user(&k->h, (const void *)uhdr, sizeof(k->h)) < 0)
        return -EFAULT;
    if (k->h.iovlen > IOV_MAX)
        return -EMSGSIZE;
    if (k->h.iovlen) {
        k->iov = kalloc(k->h.iovlen * sizeof(*k->iov));
        if (!k->iov)
            return -ENOMEM;
        if (copy_from_user(k->iov, (const void *)k->h.iov,
                           k->h.iovlen * sizeof(*k->iov)) < 0)
            return -EFAULT;
    }
    size_t total = 0;
    for (uint64_t i = 0; i < k->h.iovlen; i++) {
        if ((long)k->iov[i].len < 0)
            return -EINVAL;
        if (k->iov[i].len > RW_MAX - total)
            k->iov[i].len = RW_MAX - total; /* Linux's clamp of the total */
        if (!user_range_ok((uintptr_t)k->iov[i].base, k->iov[i].len))
            return -EFAULT;
        total += k->iov[i].len;
    }
    k->m.iov = k->iov;
    k->m.iovcnt = (int)k->h.iovlen;
    if (k->h.name) {
        if ((int32_t)k->h.namelen < 0)
            return -EINVAL;
        if (send) {
            int rc = addr_in((long)k->h.name, k->h.namelen, k->addr);
            if (rc < 0)
                return rc;
            k->m.namelen = k->h.namelen;
        } else {
            k->namecap = (int)k->h.namelen;
            k->m.namelen = sizeof(k->addr);
        }
        k->m.name = k->addr;
    }
    if (k->h.controllen) {
        if (k->h.controllen > 0x7fffffff)
            return -ENOBUFS;
        size_t n = k->h.controllen;
        if (n > CONTROL_MAX) {
            if (send)
                return -ENOBUFS;
            n = CONTROL_MAX;
        }
        k->m.control = kalloc(n);
        if (!k->m.control)
            return -ENOMEM;
        k->m.controllen = send ? n : 0; /* a family without any: none used */
        k->m.controlcap = n;
        if (send && copy_from_user(k->m.control, (const void *)k->h.control,
                                   n) < 0)
            return -EFAULT;
    }
    return 0;
}

static void kmsg_free(struct kmsg *k)
{
    kfree(k->iov);
    kfree(k->m.control);
}

long sys_sendmsg(const long *a)
{
    struct socket *s;
    int rc = sock_fd(a[0], &s);
    if (rc < 0)
        return rc;
    struct kmsg *k = kalloc(sizeof(*k));
    if (!k)
        return -ENOMEM;
    long n = kmsg_in(k, a[1], true);
    if (n == 0)
        n = sock_send(s, &k->m, (int)a[2]);
    kmsg_free(k);
    kfree(k);
    return pipe_signal(n, (int)a[2]); /* after the frees: SIGPIPE may end us */
}

/* Writes recvmsg's results back into the user's msghdr at `uhdr`. */
static int kmsg_out(struct kmsg *k, long uhdr)
{
    struct abi_msghdr *u = (struct abi_msghdr *)uhdr;
    if (k->h.name) {
        size_t got = k->m.namelen < sizeof(k->addr) ? k->m.namelen
                                                    : sizeof(k->addr);
        size_t n = got < (size_t)k->namecap ? got : (size_t)k->namecap;
        uint32_t len = (uint32_t)got;
        if ((n && copy_to_user((void *)k->h.name, k->addr, n) < 0) ||
            copy_to_user(&u->namelen, &len, sizeof(len)) < 0)
            return -EFAULT;
    }
    uint64_t clen = k->h.controllen ? k->m.controllen : 0;
    if (clen && copy_to_user((void *)k->h.control, k->m.control, clen) < 0)
        return -EFAULT;
    int32_t flags = k->m.flags_out;
    if (copy_to_user(&u->controllen, &clen, sizeof(clen)) < 0 ||
        copy_to_user(&u->flags, &flags, sizeof(flags)) < 0)
        return -EFAULT;
    return 0;
}

long sys_recvmsg(const long *a)
{
    struct socket *s;
    int rc = sock_fd(a[0], &s);
    if (rc < 0)
        return rc;
    struct kmsg *k = kalloc(sizeof(*k));
    if (!k)
        return -ENOMEM;
    long n = kmsg_in(k, a[1], false);
    if (n == 0)
        n = sock_recv(s, &k->m, (int)a[2]);
    if (n >= 0 && kmsg_out(k, a[1]) < 0)
        n = -EFAULT;
    kmsg_free(k);
    kfree(k);
    return n;
}

/* ---- shutdown, getsockname, getpeername ---- */

long sys_shutdown(const long *a)
{
    struct socket *s;
    int rc = sock_fd(a[0], &s);
    if (rc < 0)
        return rc;
    if (a[1] < SHUT_RD || a[1] > SHUT_RDWR)
        return -EINVAL;
    return s->ops->shutdown ? s->ops->shutdown(s, (int)a[1]) : -EOPNOTSUPP;
}

static long getname(const long *a, bool peer)
{
    struct socket *s;
    int cap;
    int rc = sock_fd(a[0], &s);
    if (rc == 0)
        rc = len_in(a[2], &cap);
    if (rc < 0)
        return rc;
    if (!s->ops->getname)
        return -EOPNOTSUPP;
    char addr[SOCKADDR_MAX] = {0};
    size_t len = sizeof(addr);
    if ((rc = s->ops->getname(s, addr, &len, peer)) < 0)
        return rc;
    return addr_out(addr, len < sizeof(addr) ? len : sizeof(addr), a[1], cap,
                    a[2]);
}

long sys_getsockname(const long *a)
{
    return getname(a, false);
}

long sys_getpeername(const long *a)
{
    return getname(a, true);
}

/* ---- setsockopt, getsockopt ---- */

/* A timeval option value into nanoseconds (0: none): 0 or -errno. */
static int timeo_in(const void *val, size_t len, uint64_t *ns)
{
    struct abi_timeval tv;
    if (len < sizeof(tv))
        return -EINVAL;
    memcpy(&tv, val, sizeof(tv));
    if (tv.usec < 0 || tv.usec >= 1000000)
        return -EDOM;
    if (tv.sec < 0)
        *ns = 1; /* Linux: a negative timeout does not wait */
    else if (tv.sec > 1000000000000LL)
        *ns = 0;
    else
        *ns = (uint64_t)tv.sec * 1000000000u + (uint64_t)tv.usec * 1000u;
    return 0;
}

/* A SO_*BUF request as Linux keeps it: doubled within its bounds. */
static int buf_size(int v, int min)
{
    if (v < 0 || v > BUF_DEFAULT)
        v = BUF_DEFAULT;
    v *= 2;
    return v < min ? min : v;
}

/* The SOL_SOCKET options kept here: 1 handled, 0 not ours, -errno. */
static int generic_set(struct socket *s, int name, const void *val,
                       size_t len)
{
    int v = 0;
    switch (name) {
    case SO_RCVTIMEO:
    case SO_SNDTIMEO:
        v = timeo_in(val, len,
                     name == SO_RCVTIMEO ? &s->rcvtimeo_ns : &s->sndtimeo_ns);
        return v < 0 ? v : 1;
    case SO_TYPE:
    case SO_ERROR:
    case SO_DOMAIN:
    case SO_PROTOCOL:
    case SO_ACCEPTCONN:
    case SO_PEERCRED:
        return -ENOPROTOOPT;
    case SO_LINGER: {
        struct abi_linger l;
        if (len < sizeof(l))
            return -EINVAL;
        memcpy(&l, val, sizeof(l));
        s->linger_onoff = l.onoff != 0;
        s->linger_sec = l.linger;
        return 1;
    }
    case SO_REUSEADDR:
    case SO_REUSEPORT:
    case SO_KEEPALIVE:
    case SO_RCVBUF:
    case SO_SNDBUF:
        if (len < sizeof(int))
            return -EINVAL;
        memcpy(&v, val, sizeof(v));
        break;
    default:
        return 0;
    }
    if (name == SO_REUSEADDR)
        s->reuseaddr = v != 0;
    else if (name == SO_REUSEPORT)
        s->reuseport = v != 0;
    else if (name == SO_KEEPALIVE)
        s->keepalive = v != 0;
    else if (name == SO_RCVBUF)
        s->rcvbuf = buf_size(v, RCVBUF_MIN);
    else
        s->sndbuf = buf_size(v, SNDBUF_MIN);
    return 1;
}

long sys_setsockopt(const long *a)
{
    struct socket *s;
    int rc = sock_fd(a[0], &s);
    if (rc < 0)
        return rc;
    int level = (int)a[1], name = (int)a[2];
    if ((int)a[4] < 0)
        return -EINVAL;
    size_t len = (size_t)(int)a[4];
    if (len > OPTVAL_MAX)
        len = OPTVAL_MAX;
    char *val = kalloc(len ? len : 1);
    if (!val)
        return -ENOMEM;
    if (len && copy_from_user(val, (const void *)a[3], len) < 0) {
        kfree(val);
        return -EFAULT;
    }
    bool kept = false;
    rc = level == SOL_SOCKET ? generic_set(s, name, val, len) : 0;
    if (rc == 1) {
        kept = true;
        rc = 0;
    }
    if (rc == 0) {
        rc = s->ops->setsockopt ? s->ops->setsockopt(s, level, name, val, len)
                                : -ENOPROTOOPT;
        if (kept && rc == -ENOPROTOOPT)
            rc = 0; /* kept here; the family has no use for it */
    }
    kfree(val);
    return rc;
}

/* The SOL_SOCKET options answered here into `val` (*len set): 1, or 0
 * when not ours. */
static int generic_get(struct socket *s, int name, void *val, size_t *len)
{
    int v;
    switch (name) {
    case SO_TYPE:
        v = s->type;
        break;
    case SO_DOMAIN:
        v = s->family;
        break;
    case SO_PROTOCOL:
        v = s->protocol;
        break;
    case SO_ERROR:
        v = s->error;
        s->error = 0;
        break;
    case SO_ACCEPTCONN:
        v = s->listening;
        break;
    case SO_REUSEADDR:
        v = s->reuseaddr;
        break;
    case SO_REUSEPORT:
        v = s->reuseport;
        break;
    case SO_KEEPALIVE:
        v = s->keepalive;
        break;
    case SO_RCVBUF:
        v = s->rcvbuf;
        break;
    case SO_SNDBUF:
        v = s->sndbuf;
        break;
    case SO_LINGER: {
        struct abi_linger l = {s->linger_onoff, s->linger_sec};
        memcpy(val, &l, sizeof(l));
        *len = sizeof(l);
        return 1;
    }
    case SO_RCVTIMEO:
    case SO_SNDTIMEO: {
        uint64_t ns = name == SO_RCVTIMEO ? s->rcvtimeo_ns : s->sndtimeo_ns;
        struct abi_timeval tv = {(int64_t)(ns / 1000000000u),
                                 (int64_t)(ns % 1000000000u / 1000u)};
        memcpy(val, &tv, sizeof(tv));
        *len = sizeof(tv);
        return 1;
    }
    default:
        return 0;
    }
    memcpy(val, &v, sizeof(v));
    *len = sizeof(v);
    return 1;
}

long sys_getsockopt(const long *a)
{
    struct socket *s;
    int cap;
    int rc = sock_fd(a[0], &s);
    if (rc == 0)
        rc = len_in(a[4], &cap);
    if (rc < 0)
        return rc;
    int level = (int)a[1], name = (int)a[2];
    char *val = kalloc(OPTVAL_MAX);
    if (!val)
        return -ENOMEM;
    size_t len = (size_t)cap < OPTVAL_MAX ? (size_t)cap : OPTVAL_MAX;
    rc = level == SOL_SOCKET ? generic_get(s, name, val, &len) : 0;
    if (rc == 0)
        rc = s->ops->getsockopt ? s->ops->getsockopt(s, level, name, val, &len)
                                : -ENOPROTOOPT;
    if (rc >= 0) {
        size_t n = len < (size_t)cap ? len : (size_t)cap;
        int out = (int)n;
        rc = (n && copy_to_user((void *)a[3], val, n) < 0) ||
                     copy_to_user((void *)a[4], &out, sizeof(out)) < 0
                 ? -EFAULT
                 : 0;
    }
    kfree(val);
    return rc;
}
