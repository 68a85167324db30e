/*
 * abi_procinfo: the /proc text files programs read (issue 18): the
 * caller's cmdline, environ, status and statm, and the machine's cpuinfo,
 * uptime, loadavg, mounts and filesystems.  Each check compares a file
 * with what the process knows by itself (its argv, environ, getpid...),
 * so the same lines hold on Linux (check native).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/wait.h>
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

/* The comm of /proc/self/stat (between its parentheses) in name[16]. */
static int stat_comm(char name[16])
{
    char text[1024];
    if (slurp("/proc/self/stat", text, sizeof(text)) <= 0)
        return -1;
    char *open = strchr(text, '('), *close = strrchr(text, ')');
    if (!open || !close || close - open - 1 > 15)
        return -1;
    memcpy(name, open + 1, (size_t)(close - open - 1));
    name[close - open - 1] = '\0';
    return 0;
}

/* The Name line of /proc/self/status in name[16]. */
static int status_name(char name[16])
{
    char text[4096];
    if (slurp("/proc/self/status", text, sizeof(text)) <= 0 ||
        sscanf(text, "Name:\t%15[^\n]", name) != 1)
        return -1;
    return 0;
}

/* The child of test_comm after execve: its comm is the executed path's
 * last component (at most 15 bytes), not the name it had before. */
static int execed_child(void)
{
    char exe[256], want[16], st[16], stat[16];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return 2;
    exe[n] = '\0';
    const char *base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
    size_t len = strnlen(base, sizeof(want) - 1);
    memcpy(want, base, len);
    want[len] = '\0';
    if (status_name(st) < 0 || stat_comm(stat) < 0)
        return 3;
    return strcmp(st, want) == 0 && strcmp(stat, want) == 0 ? 0 : 4;
}

/* prctl(PR_SET_NAME) renames the process in status and stat, and execve
 * names it after the program it runs. */
static void test_comm(const char *self)
{
    char st[16], stat[16], got[16];
    check(prctl(PR_SET_NAME, "renamed-process-long") == 0 &&
              prctl(PR_GET_NAME, got) == 0 && strcmp(got, "renamed-process") == 0,
          "comm: PR_SET_NAME cuts at 15 bytes, PR_GET_NAME reads it back");
    check(status_name(st) == 0 && strcmp(st, "renamed-process") == 0 &&
              stat_comm(stat) == 0 && strcmp(stat, "renamed-process") == 0,
          "comm: status Name and stat's comm follow PR_SET_NAME");
    pid_t c = fork();
    if (c == 0) {
        char exe[256];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n <= 0)
            _exit(5);
        exe[n] = '\0';
        char *argv[] = {(char *)self, "execed", NULL};
        execv(exe, argv);
        _exit(6);
    }
    int status = -1;
    check(c > 0 && waitpid(c, &status, 0) == c && WIFEXITED(status) &&
              WEXITSTATUS(status) == 0,
          "comm: after execve, the program's file name in status and stat");
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
    if (argc == 2 && strcmp(argv[1], "execed") == 0)
        _exit(execed_child());
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
    check(field(buf, "NStgid") == getpid() && field(buf, "NSpid") == getpid() &&
              field(buf, "NSpgid") == getpgrp() && field(buf, "NSsid") == getsid(0),
          "status: NStgid, NSpid are getpid, NSpgid getpgrp, NSsid getsid");
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
    test_comm(argv[0]);
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
