#include "proc.h"
#include "slow.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int pr_have(const char *prog)
{
    const char *path = getenv("PATH");
    if (path == NULL)
        path = "/usr/bin:/bin";
    char buf[1024];
    for (const char *p = path; *p != '\0';) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, prog);
        if (access(buf, X_OK) == 0)
            return 1;
        p += n;
        if (*p == ':')
            p++;
    }
    return 0;
}

/* Starts argv[0] with its standard input from to_child[0] and its output
 * (standard output and error) into from_child[1], and closes the child's
 * ends here; the caller keeps to_child[1] and from_child[0]. The pid, or
 * -1 with nothing left open. */
static pid_t spawn(const char *const argv[], int to_child[2], int from_child[2])
{
    if (pipe2(to_child, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(from_child, O_CLOEXEC) != 0) {
        close(to_child[0]);
        close(to_child[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(to_child[0]);
        close(to_child[1]);
        close(from_child[0]);
        close(from_child[1]);
        return -1;
    }
    if (pid == 0) {
        /* Only async-signal-safe calls until exec: the test has threads. */
        dup2(to_child[0], 0);
        dup2(from_child[1], 1);
        dup2(from_child[1], 2);
        execvp(argv[0], (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    return pid;
}

int pr_run(const char *const argv[], const char *in, size_t in_len, int keep_stdin_ms, char *out,
           size_t cap, int timeout_ms)
{
    int to_child[2], from_child[2];
    out[0] = '\0';
    pid_t pid = spawn(argv, to_child, from_child);
    if (pid < 0)
        return -1;
    fcntl(to_child[1], F_SETFL, O_NONBLOCK);
    size_t sent = 0, len = 0;
    long long start = now_ms(), deadline = start + test_ms(timeout_ms);
    long long close_at = -1; /* when standard input is closed */
    bool in_open = true, timed_out = false;
    for (;;) {
        long long t = now_ms();
        if (t >= deadline) {
            timed_out = true;
            break;
        }
        if (in_open && sent == in_len) {
            if (close_at < 0)
                close_at = t + test_ms(keep_stdin_ms);
            if (t >= close_at) {
                close(to_child[1]);
                in_open = false;
            }
        }
        struct pollfd pf[2] = {{from_child[0], POLLIN, 0},
                               {in_open && sent < in_len ? to_child[1] : -1, POLLOUT, 0}};
        long long wait = deadline - t;
        if (in_open && sent == in_len && close_at - t < wait)
            wait = close_at - t;
        if (poll(pf, 2, (int)(wait > 0 ? wait : 0)) < 0 && errno != EINTR)
            break;
        if (pf[1].revents & (POLLOUT | POLLERR)) {
            ssize_t n = write(to_child[1], in + sent, in_len - sent);
            if (n > 0)
                sent += (size_t)n;
            else if (n < 0 && errno != EAGAIN)
                sent = in_len;
        }
        if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            char tmp[4096];
            ssize_t n = read(from_child[0], tmp, sizeof(tmp));
            if (n <= 0)
                break; /* the child closed its output: it is ending */
            size_t k = (size_t)n < cap - 1 - len ? (size_t)n : cap - 1 - len;
            memcpy(out + len, tmp, k);
            len += k;
            out[len] = '\0';
        }
    }
    if (in_open)
        close(to_child[1]);
    close(from_child[0]);
    if (timed_out)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (timed_out)
        return -1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

bool pr_start(struct pr_proc *p, const char *const argv[])
{
    int to_child[2], from_child[2];
    memset(p, 0, sizeof(*p));
    p->in = p->out = -1;
    p->pid = spawn(argv, to_child, from_child);
    if (p->pid < 0)
        return false;
    p->in = to_child[1];
    p->out = from_child[0];
    p->cap = 4096;
    p->buf = calloc(1, p->cap);
    return p->buf != NULL;
}

bool pr_write(struct pr_proc *p, const void *data, size_t len)
{
    const char *s = data;
    while (len > 0 && p->in >= 0) {
        ssize_t n = write(p->in, s, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        s += n;
        len -= (size_t)n;
    }
    return len == 0;
}

/* Reads what the program printed (one read); false at its end. */
static bool gather(struct pr_proc *p)
{
    char tmp[4096];
    ssize_t n = read(p->out, tmp, sizeof(tmp));
    if (n < 0 && errno == EINTR)
        return true;
    if (n <= 0)
        return false;
    if (p->len + (size_t)n + 1 > p->cap) {
        size_t cap = (p->len + (size_t)n + 1) * 2;
        char *b = realloc(p->buf, cap);
        if (b == NULL)
            return false;
        p->buf = b;
        p->cap = cap;
    }
    memcpy(p->buf + p->len, tmp, (size_t)n);
    p->len += (size_t)n;
    p->buf[p->len] = '\0';
    return true;
}

bool pr_expect(struct pr_proc *p, const char *marker, int timeout_ms)
{
    long long deadline = now_ms() + test_ms(timeout_ms);
    for (;;) {
        char *at = p->buf != NULL ? strstr(p->buf + p->mark, marker) : NULL;
        if (at != NULL) {
            p->mark = (size_t)(at - p->buf) + strlen(marker);
            return true;
        }
        long long left = deadline - now_ms();
        if (left <= 0 || p->out < 0)
            return false;
        struct pollfd pf = {p->out, POLLIN, 0};
        int r = poll(&pf, 1, (int)left);
        if (r < 0 && errno != EINTR)
            return false;
        if (r > 0 && !gather(p)) {
            close(p->out);
            p->out = -1;
        }
    }
}

int pr_finish(struct pr_proc *p, int timeout_ms)
{
    if (p->in >= 0)
        close(p->in);
    p->in = -1;
    long long deadline = now_ms() + test_ms(timeout_ms);
    /* Its output is drained until it ends, so it never blocks on a full
     * pipe while we wait. */
    while (p->out >= 0) {
        long long left = deadline - now_ms();
        if (left <= 0)
            break;
        struct pollfd pf = {p->out, POLLIN, 0};
        if (poll(&pf, 1, (int)left) > 0 && !gather(p)) {
            close(p->out);
            p->out = -1;
        }
    }
    bool timed_out = p->out >= 0;
    if (p->out >= 0)
        close(p->out);
    p->out = -1;
    int status = 0;
    if (p->pid > 0) {
        if (timed_out)
            kill(p->pid, SIGKILL);
        while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
            ;
    }
    if (timed_out || p->pid <= 0)
        return -1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}
