/*
 * apps/nginx_reload - nginx's reload by signal, driven from inside the
 * guest (there is no shell): `nginx_reload NGINX PORT`.
 *
 * Writes a configuration (a master and 2 workers, root tmp/reload/a) and
 * two pages under tmp/reload/, fork+execs NGINX with its stderr (the error
 * log) in tmp/reload/error.log, waits until 127.0.0.1:PORT answers, GETs
 * the page, rewrites the configuration (root tmp/reload/b and a header),
 * sends the master SIGHUP, polls until the new page and header are
 * served, checks in the log and by kill(pid, 0) that the 2 old workers
 * exited and 2 new ones started; reloads once more as `nginx -s reload`
 * does it (a second nginx that signals the master named by the pid file),
 * then stops nginx gracefully (SIGQUIT) and reaps the master; last, runs
 * it as a daemon (`daemon on`, nginx's default: fork, setsid) and stops
 * that one too.  One "ok" / "not
 * ok" line per check, nothing that differs between runs (no pids, no times):
 * the same static binary and nginx on Linux print the expected output
 * (apps/nginx/native).  Every wait is bounded; the status is the number of
 * failures.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apps/include/check.h"

#define DIR "tmp/reload"
#define CONF DIR "/nginx.conf"
#define LOG DIR "/error.log"
#define WAIT_MS 30000 /* the longest wait of one step */

static int port;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return 0;
    size_t n = strlen(text);
    int ok = write(fd, text, n) == (ssize_t)n;
    return close(fd) == 0 && ok;
}

static int daemon_on; /* the configuration's `daemon` */

/* The configuration: the document root DIR/ROOT, with an X-Reload header
 * when `header` is given.  Paths relative to nginx's prefix (-p). */
static int write_conf(const char *root, const char *header)
{
    char text[1024];
    snprintf(text, sizeof(text),
             "daemon %s;\n"
             "master_process on;\n"
             "user root root;\n"
             "worker_processes 2;\n"
             "error_log stderr notice;\n"
             "pid " DIR "/nginx.pid;\n"
             "events { worker_connections 64; }\n"
             "http {\n"
             "    access_log off;\n"
             "    client_body_temp_path " DIR "/body;\n"
             "    server {\n"
             "        listen 127.0.0.1:%d;\n"
             "        root " DIR "/%s;\n"
             "%s%s%s"
             "    }\n"
             "}\n",
             daemon_on ? "on" : "off", port, root,
             header ? "        add_header X-Reload " : "",
             header ? header : "", header ? ";\n" : "");
    /* written to a new file, then renamed: nginx never reads half of one */
    return write_file(CONF ".new", text) && rename(CONF ".new", CONF) == 0;
}

/* GET / from 127.0.0.1:port: the whole response in buf (NUL-terminated),
 * or 0 when nothing answered. */
static int get(char *buf, size_t size)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
        if (s >= 0)
            close(s);
        return 0;
    }
    static const char req[] = "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";
    size_t got = 0;
    if (write(s, req, sizeof(req) - 1) == (ssize_t)sizeof(req) - 1) {
        ssize_t k;
        while (got + 1 < size && (k = read(s, buf + got, size - 1 - got)) > 0)
            got += (size_t)k;
    }
    close(s);
    buf[got] = 0;
    return got > 0;
}

/* The body of the response in buf, or "". */
static const char *body_of(const char *buf)
{
    const char *b = strstr(buf, "\r\n\r\n");
    return b ? b + 4 : "";
}

/* Polls GET / until the body is `want` (and, when `header` is given, the
 * header is in the response): 1, or 0 after WAIT_MS. */
static int wait_page(const char *want, const char *header)
{
    static char buf[8192];
    for (long ms = 0; ms < WAIT_MS; ms += 100) {
        if (get(buf, sizeof(buf)) && strstr(buf, " 200 ") &&
            strcmp(body_of(buf), want) == 0 && (!header || strstr(buf, header)))
            return 1;
        sleep_ms(100);
    }
    return 0;
}

/* The pids of the "start worker process PID" lines of the log, from line
 * `from_line` on (the count of lines read so far is stored back). */
static int workers_started(int *pids, int max, int *from_line)
{
    FILE *f = fopen(LOG, "r");
    if (!f)
        return 0;
    char line[512];
    int n = 0, at = 0;
    while (fgets(line, sizeof(line), f)) {
        const char *w = strstr(line, "start worker process ");
        if (at++ >= *from_line && w && n < max)
            pids[n++] = atoi(w + strlen("start worker process "));
    }
    fclose(f);
    *from_line = at;
    return n;
}

/* True when the log says `pid` exited with code 0. */
static int log_exited(int pid)
{
    FILE *f = fopen(LOG, "r");
    if (!f)
        return 0;
    char line[512], want[64];
    snprintf(want, sizeof(want), "worker process %d exited with code 0", pid);
    int found = 0;
    while (!found && fgets(line, sizeof(line), f))
        found = strstr(line, want) != NULL;
    fclose(f);
    return found;
}

/* Waits for `n` new "start worker process" lines after line *from. */
static int wait_workers(int *pids, int n, int *from)
{
    int got = 0, line = *from;
    for (long ms = 0; ms < WAIT_MS && got < n; ms += 100) {
        int l = line;
        got += workers_started(pids + got, n - got, &l);
        line = l;
        if (got < n)
            sleep_ms(100);
    }
    *from = line;
    return got == n;
}

/* The pid in DIR/nginx.pid, or 0. */
static int pid_file(void)
{
    FILE *f = fopen(DIR "/nginx.pid", "r");
    int pid = 0;
    if (f) {
        if (fscanf(f, "%d", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return pid;
}

/* nginx's default, `daemon on`: the process started exits once it has
 * forked the master, which calls setsid (a session and group of its own)
 * and is nobody's child here; stopped by SIGQUIT, it removes its pid
 * file (its end is seen by that, not by a wait). */
static void test_daemon(const char *nginx, const char *prefix)
{
    daemon_on = 1;
    check(write_conf("b", NULL), "the configuration rewritten with daemon on");
    pid_t starter = fork();
    if (starter == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 2);
        execl(nginx, "nginx", "-p", prefix, "-c", CONF, (char *)NULL);
        _exit(127);
    }
    int st = -1;
    check(starter > 0 && waitpid(starter, &st, 0) == starter && WIFEXITED(st) &&
              WEXITSTATUS(st) == 0,
          "daemon on: the nginx started exits with status 0 once it forked");
    check(wait_page("page B\n", NULL), "daemon on: the daemon serves the page");
    int master = pid_file();
    check(master > 0 && master != starter && getsid(master) == master &&
              getpgid(master) == master && getsid(master) != getsid(0),
          "daemon on: the master leads a session and group of its own (setsid)");
    check(master > 0 && kill(master, SIGQUIT) == 0, "daemon on: SIGQUIT to the master");
    int gone = 0;
    for (long ms = 0; ms < WAIT_MS && !gone; ms += 100) {
        gone = access(DIR "/nginx.pid", F_OK) < 0 && errno == ENOENT;
        if (!gone)
            sleep_ms(100);
    }
    char buf[64];
    check(gone && !get(buf, sizeof(buf)),
          "daemon on: the master removed its pid file and nothing answers");
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc != 3) {
        fprintf(stderr, "usage: nginx_reload NGINX PORT\n");
        return 2;
    }
    port = atoi(argv[2]);
    puts("nginx-reload: begin");
    char prefix[4096];
    if (!getcwd(prefix, sizeof(prefix) - 1))
        return 2;
    if (prefix[strlen(prefix) - 1] != '/')
        strcat(prefix, "/");
    mkdir("tmp", 01777);
    check(mkdir(DIR, 0755) == 0 && mkdir(DIR "/a", 0755) == 0 &&
              mkdir(DIR "/b", 0755) == 0 &&
              write_file(DIR "/a/index.html", "page A\n") &&
              write_file(DIR "/b/index.html", "page B\n") &&
              write_conf("a", NULL),
          "the configuration and two pages written");
    int log = open(LOG, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    pid_t master = fork();
    if (master == 0) {
        dup2(log, 2);
        execl(argv[1], "nginx", "-p", prefix, "-c", CONF, (char *)NULL);
        _exit(127);
    }
    close(log);
    check(master > 0, "fork and exec nginx (master_process on, 2 workers)");
    if (master <= 0)
        return failures;

    check(wait_page("page A\n", NULL),
          "nginx answers on 127.0.0.1 with the first root");
    int old[2] = {0, 0}, fresh[2] = {0, 0}, line = 0;
    check(wait_workers(old, 2, &line), "2 workers started");

    check(write_conf("b", "two"),
          "the configuration rewritten: another root, a header");
    check(kill(master, SIGHUP) == 0, "SIGHUP to the master");
    check(wait_page("page B\n", "X-Reload: two"),
          "the new root and header are served");
    check(wait_workers(fresh, 2, &line) && fresh[0] != old[0] &&
              fresh[0] != old[1] && fresh[1] != old[0] && fresh[1] != old[1],
          "2 new workers started");
    int gone = 0;
    for (long ms = 0; ms < WAIT_MS && !gone; ms += 100) {
        gone = log_exited(old[0]) && log_exited(old[1]) &&
               kill(old[0], 0) < 0 && errno == ESRCH && kill(old[1], 0) < 0 &&
               errno == ESRCH;
        if (!gone)
            sleep_ms(100);
    }
    check(gone,
          "the 2 old workers exited with code 0 (the log, kill 0: ESRCH)");
    check(wait_page("page B\n", "X-Reload: two"),
          "the new workers serve the new page");

    /* nginx -s reload: a second nginx reads the pid file and signals */
    check(write_conf("a", "three"), "the configuration rewritten again");
    pid_t sig = fork();
    if (sig == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 2);
        execl(argv[1], "nginx", "-p", prefix, "-c", CONF, "-s", "reload",
              (char *)NULL);
        _exit(127);
    }
    int st = -1;
    check(sig > 0 && waitpid(sig, &st, 0) == sig && WIFEXITED(st) &&
              WEXITSTATUS(st) == 0,
          "nginx -s reload exited with status 0");
    check(wait_page("page A\n", "X-Reload: three"),
          "after nginx -s reload the third configuration is served");
    int third[2] = {0, 0};
    check(wait_workers(third, 2, &line), "2 more workers started");

    check(kill(master, SIGQUIT) == 0, "SIGQUIT to the master (graceful stop)");
    int status = -1;
    pid_t w = 0;
    for (long ms = 0; ms < WAIT_MS && w == 0; ms += 100) {
        w = waitpid(master, &status, WNOHANG);
        if (w == 0)
            sleep_ms(100);
    }
    if (w == 0) {
        kill(master, SIGKILL);
        waitpid(master, &status, 0);
    }
    check(w == master && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "the master exited with status 0");
    check(kill(fresh[0], 0) < 0 && kill(fresh[1], 0) < 0 &&
              kill(third[0], 0) < 0 && kill(third[1], 0) < 0,
          "no worker is left");
    test_daemon(argv[1], prefix);
    printf("nginx-reload: %d failed\n", failures);
    return failures;
}
