/*
 * apps/abi_sendfile - sendfile(2) checked against Linux (the same binary
 * runs natively, tests/native): a file to a pipe and to a socket, with an
 * offset pointer (the file position left alone) and without (advanced),
 * a count past the end, a count of 0, and bad descriptors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apps/include/check.h"

#define SIZE (200 * 1024) /* more than one bounce buffer (64 KiB) */

static uint8_t pat(uint32_t i)
{
    return (uint8_t)(i * 13 + (i >> 8));
}

/* Reads exactly n bytes from fd into buf: 1 when all came. */
static int read_all(int fd, uint8_t *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = read(fd, buf + done, n - done);
        if (k <= 0)
            return 0;
        done += (size_t)k;
    }
    return 1;
}

static int same(const uint8_t *buf, uint32_t from, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (buf[i] != pat(from + (uint32_t)i))
            return 0;
    return 1;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    static uint8_t buf[SIZE];
    for (uint32_t i = 0; i < SIZE; i++)
        buf[i] = pat(i);
    char path[64];
    snprintf(path, sizeof(path), "/tmp/abi_sendfile.%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    check(fd >= 0 && write(fd, buf, SIZE) == SIZE, "a 200 KiB file written");

    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    off_t off = 1000;
    lseek(fd, 5, SEEK_SET);
    ssize_t k = sendfile(sv[0], fd, &off, 150000);
    memset(buf, 0, sizeof(buf));
    check(k == 150000 && off == 151000, "to a socket from offset 1000: 150000 bytes, offset advanced");
    check(read_all(sv[1], buf, 150000) && same(buf, 1000, 150000), "to a socket: every byte right");
    check(lseek(fd, 0, SEEK_CUR) == 5, "with an offset: the file position left alone");

    int p[2];
    pipe(p);
    lseek(fd, SIZE - 100, SEEK_SET);
    k = sendfile(p[1], fd, NULL, 4096);
    check(k == 100, "to a pipe from the position, a count past the end: the 100 bytes left");
    check(lseek(fd, 0, SEEK_CUR) == SIZE, "without an offset: the position advanced");
    check(read_all(p[0], buf, 100) && same(buf, SIZE - 100, 100), "to a pipe: every byte right");
    check(sendfile(p[1], fd, NULL, 10) == 0, "at the end: 0");
    off = 0;
    check(sendfile(p[1], fd, &off, 0) == 0 && off == 0, "a count of 0: 0");

    errno = 0;
    check(sendfile(p[1], 999, NULL, 10) == -1 && errno == EBADF, "a closed input: EBADF");
    errno = 0;
    check(sendfile(999, fd, NULL, 10) == -1 && errno == EBADF, "a closed output: EBADF");
    errno = 0;
    check(sendfile(sv[0], p[0], NULL, 10) == -1 && errno == EINVAL, "a pipe as input: EINVAL");
    off = -1;
    errno = 0;
    check(sendfile(p[1], fd, &off, 10) == -1 && errno == EINVAL, "a negative offset: EINVAL");
    int ro = open(path, O_RDONLY);
    errno = 0;
    check(sendfile(ro, fd, NULL, 10) == -1 && errno == EBADF, "to a file open read-only: EBADF");
    int ap = open(path, O_WRONLY | O_APPEND);
    off = 0;
    errno = 0;
    check(sendfile(ap, fd, &off, 10) == -1 && errno == EINVAL, "to a file open O_APPEND: EINVAL");
    close(ap);
    close(ro);
    close(p[0]);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
    close(fd);
    unlink(path);
    return failures != 0;
}
