/* cmdline.c - parses the kernel command line (see cmdline.h). */
#include <errno.h>
#include <string.h>

#include "cmdline.h"

/* Parses a decimal number in 0..99; -1 when `s` is not one. */
static int parse_small(const char *s)
{
    int v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 9)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

/* Parses a size: decimal digits and an optional K, M or G suffix; 0 when
 * `s` is not one or it exceeds 1 TiB. */
static uint64_t parse_size(const char *s)
{
    uint64_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > ((uint64_t)1 << 40))
            return 0;
    }
    int shift = *s == 'K' || *s == 'k'   ? 10
                : *s == 'M' || *s == 'm' ? 20
                : *s == 'G' || *s == 'g' ? 30
                                         : 0;
    if (shift)
        s++;
    if (*s || (v << shift) > ((uint64_t)1 << 40))
        return 0;
    return v << shift;
}

/* Parses a decimal number below 2^64 into *v: 0, or -EINVAL when `s` is
 * empty, not a number or too large. */
static int parse_u64(const char *s, uint64_t *v)
{
    uint64_t n = 0;
    if (!*s)
        return -EINVAL;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' ||
            __builtin_mul_overflow(n, 10, &n) ||
            __builtin_add_overflow(n, (uint64_t)(*s - '0'), &n))
            return -EINVAL;
    }
    *v = n;
    return 0;
}

/* Applies one kernel parameter (before "--"). */
/* The index of `value` in the NULL-ended `words`, or -1. */
static int word_index(const char *value, const char *const *words)
{
    for (int i = 0; words[i]; i++)
        if (strcmp(value, words[i]) == 0)
            return i;
    return -1;
}

static int cmdline_param(struct cmdline *cl, char *word)
{
    if (strcmp(word, "quiet") == 0) {
        cl->quiet = true;
    } else if (strncmp(word, "loglevel=", 9) == 0) {
        cl->loglevel = parse_small(word + 9);
        if (cl->loglevel < 0)
            return -EINVAL;
    } else if (strncmp(word, "mem=", 4) == 0) {
        cl->mem = parse_size(word + 4);
        if (!cl->mem)
            return -EINVAL;
    } else if (strncmp(word, "tmpfs=", 6) == 0) {
        cl->tmpfs = parse_size(word + 6);
        if (!cl->tmpfs)
            return -EINVAL;
    } else if (strncmp(word, "hugepages=", 10) == 0) {
        static const char *const policies[] = {"never", "madvise", "always",
                                               NULL};
        if ((cl->hugepages = word_index(word + 10, policies)) < 0)
            return -EINVAL;
    } else if (strncmp(word, "shmem_hugepages=", 16) == 0) {
        static const char *const policies[] = {"never", "within_size",
                                               "advise", "always", NULL};
        if ((cl->shmem_hugepages = word_index(word + 16, policies)) < 0)
            return -EINVAL;
    } else if (strcmp(word, "noaslr") == 0) {
        cl->noaslr = true;
    } else if (strncmp(word, "tickless=", 9) == 0) {
        if (strcmp(word + 9, "off") && strcmp(word + 9, "on"))
            return -EINVAL;
        cl->tick_periodic = strcmp(word + 9, "off") == 0;
    } else if (strncmp(word, "pcid=", 5) == 0) {
        if (strcmp(word + 5, "off") && strcmp(word + 5, "on"))
            return -EINVAL;
        cl->pcid = strcmp(word + 5, "on") == 0;
    } else if (strncmp(word, "seed=", 5) == 0) {
        if (parse_u64(word + 5, &cl->seed) < 0)
            return -EINVAL;
        cl->has_seed = true;
    } else if (strncmp(word, "test=", 5) == 0) {
        cl->test = word + 5;
    } else if (strncmp(word, "ip=", 3) == 0) {
        cl->ip = word + 3;
    } else if (strncmp(word, "gw=", 3) == 0) {
        cl->gw = word + 3;
    } else if (strncmp(word, "dns=", 4) == 0) {
        cl->dns = word + 4;
    } else if (strncmp(word, "ip2=", 4) == 0) {
        cl->ip2 = word + 4;
    } else if (cl->nunknown < CMDLINE_MAX_ARGS) {
        cl->unknown[cl->nunknown++] = word;
    }
    return 0;
}

/* Cuts the next word out of the text at *pos, in place: blanks separate
 * words except inside double quotes, and the quotes themselves are removed
 * (as Linux's command line does: `""` is an empty word, `"a b"` and
 * `x="a b"` are one word each; an unclosed quote runs to the end).  Returns
 * the word, or NULL at the end of the text. */
static char *next_word(char **pos)
{
    char *p = *pos;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p) {
        *pos = p;
        return NULL;
    }
    char *word = p, *out = p;
    bool quoted = false;
    for (; *p && (quoted || (*p != ' ' && *p != '\t')); p++) {
        if (*p == '"')
            quoted = !quoted;
        else
            *out++ = *p;
    }
    *pos = *p ? p + 1 : p;
    *out = '\0';
    return word;
}

int cmdline_parse(struct cmdline *cl, const char *text)
{
    *cl = (struct cmdline){ .loglevel = -1, .hugepages = -1,
                            .shmem_hugepages = -1 };
    size_t len = strlen(text);
    if (len >= sizeof(cl->buf))
        return -E2BIG;
    memcpy(cl->buf, text, len + 1);
    bool app = false;
    char *pos = cl->buf;
    for (char *word; (word = next_word(&pos));) {
        if (app) {
            if (cl->argc == CMDLINE_MAX_ARGS)
                return -E2BIG;
            cl->argv[cl->argc++] = word;
        } else if (strcmp(word, "--") == 0) {
            app = true;
        } else {
            int err = cmdline_param(cl, word);
            if (err)
                return err;
        }
    }
    cl->argv[cl->argc] = NULL;
    return 0;
}

/* Appends c to out (capacity cap, used *n); false when full. */
static bool put(char *out, size_t cap, size_t *n, char c)
{
    if (*n + 1 >= cap)
        return false;
    out[(*n)++] = c;
    return true;
}

int cmdline_from_grub(char *out, size_t cap, const char *text)
{
    size_t n = 0;
    bool ok = cap > 0;
    const char *p = text;
    while (ok && *p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        /* one GRUB word: wrapped in quotes when it has blanks */
        bool wrapped = *p == '"';
        const char *end = p + wrapped;
        bool blank = false, quote = false;
        for (; *end && (wrapped ? *end != '"' : *end != ' ' && *end != '\t');
             end++) {
            if (*end == '\\' && end[1])
                end++;
            blank |= *end == ' ' || *end == '\t';
            quote |= *end == '"';
        }
        /* blanks with no quote of the user's: quoted by hand in grub.cfg */
        bool requote = blank && !quote;
        if (n)
            ok = put(out, cap, &n, ' ');
        if (requote)
            ok = ok && put(out, cap, &n, '"');
        for (const char *q = p + wrapped; ok && q < end; q++) {
            if (*q == '\\' && q + 1 < end)
                q++;
            ok = put(out, cap, &n, *q);
        }
        if (requote)
            ok = ok && put(out, cap, &n, '"');
        p = *end ? end + 1 : end;
    }
    if (cap)
        out[n < cap ? n : cap - 1] = '\0';
    return ok ? 0 : -E2BIG;
}

bool cmdline_is_env(const char *word)
{
    return word[0] != '=' && strchr(word, '=') != NULL;
}
