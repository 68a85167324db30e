/*
 * apps/httpd - a small static HTTP/1.1 server on epoll: the network test
 * and benchmark application (the same binary runs on Linux).
 *
 *   httpd [-p PORT] [-r ROOT] [-n MAXREQUESTS]
 *
 * One thread, nonblocking sockets, level-triggered epoll, keep-alive.
 *   GET /PATH            the file ROOT/PATH (404 when absent)
 *   GET /bytes/N         N bytes of a fixed pattern (for bulk transfers)
 *   POST /sum            reads the body, answers "BYTES SUM\n" (the byte
 *                        count and a 32-bit sum, for uploads)
 *   GET /quit            answers, then the server exits 0
 * It prints "httpd: listening on PORT" once ready, and its counts at exit.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EVENTS 64
#define REQ_MAX 8192
#define OUT_CHUNK 65536

struct conn {
    int fd;
    char req[REQ_MAX];
    size_t req_len;
    /* the response being sent: a header, then a body from a file, the
     * pattern, or nothing */
    char head[512];
    size_t head_len, head_off;
    int body_fd;              /* file body, -1: none */
    uint64_t body_left;       /* bytes of body still to send */
    uint64_t pattern_off;     /* next pattern byte (pattern body) */
    bool pattern;
    /* an upload being summed */
    bool in_body;
    uint64_t body_expect, body_seen;
    uint32_t sum;
    bool close_after;
};

static const char *root = "/srv";
static unsigned long served, connections;
static bool quitting;

static uint8_t pattern_byte(uint64_t i)
{
    return (uint8_t)(i * 7 + (i >> 11));
}

static void respond(struct conn *c, int status, const char *reason,
                    const char *type, uint64_t length)
{
    c->head_len = (size_t)snprintf(
        c->head, sizeof(c->head),
        "HTTP/1.1 %d %s\r\nServer: httpd\r\nContent-Type: %s\r\n"
        "Content-Length: %llu\r\n%s\r\n",
        status, reason, type, (unsigned long long)length,
        c->close_after ? "Connection: close\r\n" : "");
    c->head_off = 0;
    c->body_left = length;
    served++;
}

static void respond_text(struct conn *c, int status, const char *reason,
                         const char *text)
{
    size_t n = strlen(text);
    respond(c, status, reason, "text/plain", 0);
    /* the text goes in the header buffer, after the header */
    c->head_len = (size_t)snprintf(
        c->head, sizeof(c->head),
        "HTTP/1.1 %d %s\r\nServer: httpd\r\nContent-Type: text/plain\r\n"
        "Content-Length: %zu\r\n%s\r\n%s",
        status, reason, n, c->close_after ? "Connection: close\r\n" : "",
        text);
    c->body_left = 0;
}

/* The value of header `name` (case-insensitive) in the request, or NULL. */
static const char *header(const char *req, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strstr(req, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':')
            return p + 3 + n;
    }
    return NULL;
}

/* Starts the response to the complete request in c->req (its header ends
 * at `end`); returns the bytes of c->req it used. */
static size_t start_request(struct conn *c, size_t end)
{
    char method[8], path[512];
    c->req[end - 4] = 0; /* the header, as one string */
    if (sscanf(c->req, "%7s %511s", method, path) != 2) {
        c->close_after = true;
        respond_text(c, 400, "Bad Request", "bad request\n");
        return end;
    }
    const char *conn_hdr = header(c->req, "Connection");
    c->close_after = conn_hdr && strstr(conn_hdr, "close");
    if (strcmp(method, "POST") == 0 && strcmp(path, "/sum") == 0) {
        const char *len = header(c->req, "Content-Length");
        c->in_body = true;
        c->body_expect = len ? strtoull(len, NULL, 10) : 0;
        c->body_seen = 0;
        c->sum = 0;
        return end;
    }
    if (strcmp(method, "GET") != 0) {
        respond_text(c, 405, "Method Not Allowed", "GET or POST /sum\n");
        return end;
    }
    if (strncmp(path, "/bytes/", 7) == 0) {
        c->pattern = true;
        c->pattern_off = 0;
        respond(c, 200, "OK", "application/octet-stream",
                strtoull(path + 7, NULL, 10));
        return end;
    }
    if (strcmp(path, "/quit") == 0) {
        c->close_after = true;
        quitting = true;
        respond_text(c, 200, "OK", "bye\n");
        return end;
    }
    char file[600];
    snprintf(file, sizeof(file), "%s%s", root,
             strcmp(path, "/") == 0 ? "/index.html" : path);
    if (strstr(path, "..")) {
        respond_text(c, 403, "Forbidden", "forbidden\n");
        return end;
    }
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    off_t size = fd < 0 ? -1 : lseek(fd, 0, SEEK_END);
    if (size < 0) {
        if (fd >= 0)
            close(fd);
        respond_text(c, 404, "Not Found", "not found\n");
        return end;
    }
    lseek(fd, 0, SEEK_SET);
    c->body_fd = fd;
    respond(c, 200, "OK",
            strstr(path, ".html") || strcmp(path, "/") == 0 ? "text/html"
                                                             : "application/octet-stream",
            (uint64_t)size);
    return end;
}

/* Consumes upload bytes from c->req; answers when the body is complete. */
static void take_body(struct conn *c)
{
    size_t n = c->req_len;
    if (n > c->body_expect - c->body_seen)
        n = (size_t)(c->body_expect - c->body_seen);
    for (size_t i = 0; i < n; i++)
        c->sum += (uint8_t)c->req[i];
    c->body_seen += n;
    memmove(c->req, c->req + n, c->req_len - n);
    c->req_len -= n;
    if (c->body_seen == c->body_expect) {
        char text[64];
        snprintf(text, sizeof(text), "%llu %u\n",
                 (unsigned long long)c->body_seen, c->sum);
        c->in_body = false;
        respond_text(c, 200, "OK", text);
    }
}

static bool sending(const struct conn *c)
{
    return c->head_off < c->head_len || c->body_left > 0;
}

/* Parses what was read while nothing is being sent. */
static void process(struct conn *c)
{
    while (!sending(c)) {
        if (c->in_body) {
            if (!c->req_len)
                return;
            take_body(c);
            continue;
        }
        c->req[c->req_len] = 0;
        char *e = memmem(c->req, c->req_len, "\r\n\r\n", 4);
        if (!e)
            return;
        size_t end = (size_t)(e - c->req) + 4;
        size_t used = start_request(c, end);
        memmove(c->req, c->req + used, c->req_len - used);
        c->req_len -= used;
    }
}

/* Sends what it can: 1 when done with the response, 0 would block, -1 on
 * an error. */
static int flush(struct conn *c)
{
    static char chunk[OUT_CHUNK];
    while (c->head_off < c->head_len) {
        ssize_t k = send(c->fd, c->head + c->head_off, c->head_len - c->head_off,
                         MSG_NOSIGNAL);
        if (k < 0)
            return errno == EAGAIN ? 0 : -1;
        c->head_off += (size_t)k;
    }
    while (c->body_left > 0) {
        size_t n = c->body_left < OUT_CHUNK ? (size_t)c->body_left : OUT_CHUNK;
        if (c->pattern) {
            for (size_t i = 0; i < n; i++)
                chunk[i] = (char)pattern_byte(c->pattern_off + i);
        } else {
            ssize_t r = pread(c->body_fd, chunk, n,
                              lseek(c->body_fd, 0, SEEK_CUR));
            if (r <= 0)
                return -1;
            n = (size_t)r;
        }
        ssize_t k = send(c->fd, chunk, n, MSG_NOSIGNAL);
        if (k < 0)
            return errno == EAGAIN ? 0 : -1;
        if (c->pattern)
            c->pattern_off += (uint64_t)k;
        else
            lseek(c->body_fd, k, SEEK_CUR);
        c->body_left -= (uint64_t)k;
    }
    if (c->body_fd >= 0) {
        close(c->body_fd);
        c->body_fd = -1;
    }
    c->pattern = false;
    c->head_len = c->head_off = 0;
    return 1;
}

static void drop(int ep, struct conn *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    if (c->body_fd >= 0)
        close(c->body_fd);
    free(c);
}

/* Handles readiness of connection `c`: false when it was closed. */
static bool serve(int ep, struct conn *c, uint32_t events)
{
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        for (;;) {
            process(c);
            if (c->req_len >= REQ_MAX - 1) {
                if (sending(c))
                    break; /* pipelined requests wait for this response */
                drop(ep, c); /* a header too long */
                return false;
            }
            ssize_t k = recv(c->fd, c->req + c->req_len, REQ_MAX - 1 - c->req_len, 0);
            if (k == 0 || (k < 0 && errno != EAGAIN)) {
                drop(ep, c);
                return false;
            }
            if (k < 0)
                break;
            c->req_len += (size_t)k;
        }
    }
    for (;;) {
        process(c);
        if (!sending(c))
            break;
        int r = flush(c);
        if (r < 0 || (r == 1 && c->close_after)) {
            drop(ep, c);
            return false;
        }
        if (r == 0)
            break;
    }
    /* a full request buffer waits for the response to go out */
    struct epoll_event ev = {.events = (c->req_len < REQ_MAX - 1 ? EPOLLIN : 0) |
                                       (sending(c) ? EPOLLOUT : 0),
                             .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    return true;
}

int main(int argc, char **argv)
{
    int port = 8080;
    long max_requests = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-p") == 0)
            port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "-r") == 0)
            root = argv[i + 1];
        else if (strcmp(argv[i], "-n") == 0)
            max_requests = atol(argv[i + 1]);
    }
    signal(SIGPIPE, SIG_IGN);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 128) < 0) {
        perror("httpd: listen");
        return 1;
    }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev) < 0) {
        perror("httpd: epoll");
        return 1;
    }
    printf("httpd: listening on %d\n", port);
    fflush(stdout);
    struct epoll_event events[MAX_EVENTS];
    while (!quitting && (!max_requests || served < (unsigned long)max_requests)) {
        int n = epoll_wait(ep, events, MAX_EVENTS, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            perror("httpd: epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (c) {
                serve(ep, c, events[i].events);
                continue;
            }
            int fd;
            while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                c = calloc(1, sizeof(*c));
                if (!c) {
                    close(fd);
                    continue;
                }
                c->fd = fd;
                c->body_fd = -1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                struct epoll_event cev = {.events = EPOLLIN, .data.ptr = c};
                epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
                connections++;
            }
        }
    }
    printf("httpd: %lu connections, %lu responses\n", connections, served);
    return 0;
}
