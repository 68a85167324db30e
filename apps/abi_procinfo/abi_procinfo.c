/*
 * abi_procinfo: the /proc text files programs read (issue 18): the
 * caller's cmdline, environ, status and statm, and the machine's cpuinfo,
 * uptime, loadavg, mounts and filesystems.  Each check compares a file
 * with what the process knows by itself (its argv, environ, getpid...),
 * so the same lines hold on Linux (check native).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apps/include/check.h"

extern char **environ;

/* The whole file at `path` (NUL-terminated) in buf; its length or -1. */
static long slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, size - 1, f);
    fclose(f);
    buf[n] = '\0';
    return (long)n;
}

/* The number after "name:" in a status text, or -1. */
static long field(const char *text, const char *name)
{
    char key[64];
    snprintf(key, sizeof(key), "\n%s:", name);
    const char *p = strstr(text, key);
    return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

/* The NUL-separated strings of v[0..n). */
static size_t joined(char *buf, char *const *v, int n)
{
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        size_t k = strlen(v[i]) + 1;
        memcpy(buf + len, v[i], k);
        len += k;
    }
    return len;
}

static void *wait_forever(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

int main(int argc, char **argv)
{
    static char buf[65536], want[65536];
    long n = slurp("/proc/self/cmdline", buf, sizeof(buf));
    size_t w = joined(want, argv, argc);
    check(n == (long)w && memcmp(buf, want, w) == 0,
          "cmdline: argv, each string with its NUL");
    int envc = 0;
    while (environ[envc])
        envc++;
    n = slurp("/proc/self/environ", buf, sizeof(buf));
    w = joined(want, environ, envc);
    check(n == (long)w && memcmp(buf, want, w) == 0,
          "environ: the environment, each string with its NUL");
    char own[64];
    snprintf(own, sizeof(own), "/proc/%d/cmdline", getpid());
    n = slurp(own, buf, sizeof(buf));
    check(n > 0 && strcmp(buf, argv[0]) == 0, "/proc/PID/cmdline: the same");

    n = slurp("/proc/self/status", buf + 1, sizeof(buf) - 1);
    buf[0] = '\n'; /* every field follows a newline */
    check(n > 0 && strncmp(buf + 1, "Name:\tabi_procinfo\n", 18) == 0,
          "status: Name first, the program's");
    check(field(buf, "Pid") == getpid() && field(buf, "Tgid") == getpid(),
          "status: Pid and Tgid are getpid");
    check(field(buf, "PPid") == getppid(), "status: PPid is getppid");
    check(field(buf, "Uid") == (long)getuid() && field(buf, "Gid") == (long)getgid(),
          "status: Uid and Gid");
    const char *um = strstr(buf, "\nUmask:\t");
    mode_t mask = umask(022);
    umask(mask);
    check(um && strtol(um + 8, NULL, 8) == (long)mask, "status: Umask in octal");
    check(field(buf, "Threads") == 1, "status: Threads 1");
    long vmsize = field(buf, "VmSize"), rss = field(buf, "VmRSS");
    check(vmsize > 0 && rss > 0 && rss <= vmsize, "status: VmSize and VmRSS");
    long pages = -1, resident = -1;
    n = slurp("/proc/self/statm", want, sizeof(want));
    check(n > 0 && sscanf(want, "%ld %ld", &pages, &resident) == 2 &&
              pages * (long)(sysconf(_SC_PAGESIZE) / 1024) == vmsize,
          "statm: size in pages is VmSize");
    pthread_t t;
    pthread_create(&t, NULL, wait_forever, NULL);
    n = slurp("/proc/self/status", buf + 1, sizeof(buf) - 1);
    check(field(buf, "Threads") == 2, "status: Threads 2 with a thread");

    n = slurp("/proc/cpuinfo", buf, sizeof(buf));
    check(n > 0 && strncmp(buf, "processor\t: 0\n", 14) == 0 &&
              strstr(buf, "\nvendor_id\t: ") && strstr(buf, "\nmodel name\t: "),
          "cpuinfo: processor 0, vendor_id, model name");
    double up = -1, idle = -1;
    n = slurp("/proc/uptime", buf, sizeof(buf));
    check(n > 0 && sscanf(buf, "%lf %lf", &up, &idle) == 2 && up > 0 && idle >= 0,
          "uptime: two numbers, the first above 0");
    double l1, l5, l15;
    int running, total, last;
    n = slurp("/proc/loadavg", buf, sizeof(buf));
    check(n > 0 &&
              sscanf(buf, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &running,
                     &total, &last) == 6 &&
              running >= 1 && total >= running,
          "loadavg: three averages, running/total, last pid");
    n = slurp("/proc/mounts", buf, sizeof(buf));
    check(n > 0 && (strncmp(buf, "proc /proc proc ", 16) == 0 ||
                    strstr(buf, "\nproc /proc proc ")),
          "mounts: proc on /proc");
    n = slurp("/proc/filesystems", buf, sizeof(buf));
    check(n > 0 && strstr(buf, "\ttmpfs\n") && strstr(buf, "\tproc\n"),
          "filesystems: tmpfs and proc");
    check(slurp("/proc/self/nonesuch", buf, sizeof(buf)) < 0,
          "a missing /proc file: not found");
    printf("abi_procinfo: %d failed\n", failures);
    fflush(stdout);
    _exit(failures != 0);
}
