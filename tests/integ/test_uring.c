/* The io_uring backend of the internal epoll modes (loop/poller_uring.c):
 * where it runs (int-epoll and pool-epoll with plain HTTP, unless
 * MHD_IO_URING=0) and where it never does (external loops, the other
 * pollers, thread per connection); that a daemon falls back to epoll when
 * the kernel refuses io_uring (a seccomp filter answering io_uring_setup
 * with ENOSYS, then EPERM, as a sandbox or io_uring_disabled would); and,
 * with the ring, the paths it changes: many keep-alive requests on one
 * connection, a 16-deep pipeline in one write, replies below and above the
 * size that is queued, an upload far larger than the receive buffers, a
 * client that closes, and bytes sent right behind an upgrade request, which
 * the ring has read and the application must still get. */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "rawhttp.h"
#include "testsrv.h"

/* How many io_uring instances this process has open. */
static int count_rings(void)
{
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        char path[300], target[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
        ssize_t l = readlink(path, target, sizeof(target) - 1);
        if (l <= 0)
            continue;
        target[l] = '\0';
        if (strstr(target, "io_uring") != NULL)
            n++;
    }
    closedir(dir);
    return n;
}

static char big[200000];

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **req_cls)
{
    (void)cls;
    (void)method;
    (void)version;
    static int marker;
    if (*req_cls == NULL) {
        *req_cls = &marker;
        return MHD_YES;
    }
    size_t *total = (size_t *)(void *)c; /* not used: counted below */
    (void)total;
    if (*upload_size != 0) {
        /* Uploads: the sum of the bytes, answered at the end. */
        static __thread size_t sum;
        for (size_t i = 0; i < *upload_size; i++)
            sum += (unsigned char)upload[i];
        *upload_size = 0;
        *req_cls = &sum;
        return MHD_YES;
    }
    char body[64];
    size_t len;
    const char *data = body;
    if (strncmp(url, "/size/", 6) == 0) {
        len = strtoul(url + 6, NULL, 10);
        if (len > sizeof(big))
            len = sizeof(big);
        data = big;
    } else if (*req_cls != &marker) {
        size_t *sum = *req_cls;
        len = (size_t)snprintf(body, sizeof(body), "sum %zu", *sum);
        *sum = 0;
    } else {
        len = (size_t)snprintf(body, sizeof(body), "path %s", url);
    }
    struct MHD_Response *r = MHD_create_response_from_buffer_copy(len, data);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* One receive, waiting up to 5 s for it; 0 on timeout or end. */
static size_t recv_some(int fd, char *buf, size_t cap)
{
    struct pollfd pf = {fd, POLLIN, 0};
    if (poll(&pf, 1, 5000) <= 0)
        return 0;
    ssize_t n = recv(fd, buf, cap, 0);
    return n > 0 ? (size_t)n : 0;
}

/* Reads one response with a Content-Length from `fd`; returns its body
 * length, or -1. The status line must say 200. */
static long read_response(int fd, char *body_out, size_t cap)
{
    static char buf[300000];
    size_t got = rs_recv_until(fd, buf, sizeof(buf) - 1, "\r\n\r\n", 5000);
    buf[got] = '\0';
    char *end = strstr(buf, "\r\n\r\n");
    if (end == NULL || rs_status(buf) != 200) {
        if (getenv("TEST_URING_DEBUG"))
            fprintf(stderr, "response: %.300s\n", buf);
        return -1;
    }
    char *cl = strcasestr(buf, "Content-Length:");
    if (cl == NULL)
        return -1;
    size_t want = strtoul(cl + 15, NULL, 10);
    size_t head = (size_t)(end + 4 - buf);
    while (got < head + want) {
        size_t n = recv_some(fd, buf + got, sizeof(buf) - 1 - got);
        if (n == 0)
            return -1;
        got += n;
    }
    if (body_out != NULL) {
        size_t k = want < cap - 1 ? want : cap - 1;
        memcpy(body_out, buf + head, k);
        body_out[k] = '\0';
    }
    /* Anything behind belongs to the next response: not expected here. */
    return got == head + want ? (long)want : -1;
}

static void exercise(uint16_t port, const char *what)
{
    int fd = rs_connect(port);
    CHECK_MSG(fd >= 0, "%s: connect", what);
    if (fd < 0)
        return;
    char body[128], req[256], want[64];
    /* Keep-alive, one request after the other. */
    int ok = 0;
    for (int i = 0; i < 300; i++) {
        int n = snprintf(req, sizeof(req), "GET /k%d HTTP/1.1\r\nHost: x\r\n\r\n", i);
        snprintf(want, sizeof(want), "path /k%d", i);
        if (rs_send(fd, req, (size_t)n) && read_response(fd, body, sizeof(body)) >= 0 &&
            strcmp(body, want) == 0)
            ok++;
    }
    CHECK_MSG(ok == 300, "%s: %d of 300 keep-alive requests answered", what, ok);
    /* Sixteen requests in one write: sixteen answers in order. */
    char pipe[16 * 64];
    size_t pl = 0;
    for (int i = 0; i < 16; i++)
        pl += (size_t)snprintf(pipe + pl, sizeof(pipe) - pl, "GET /p%d HTTP/1.1\r\nHost: x\r\n\r\n",
                               i);
    CHECK(rs_send(fd, pipe, pl));
    static char all[65536];
    size_t got = 0;
    all[0] = '\0';
    while (rs_count_responses(all) < 16) {
        size_t n = recv_some(fd, all + got, sizeof(all) - 1 - got);
        if (n == 0)
            break;
        got += n;
        all[got] = '\0';
    }
    CHECK_MSG(rs_count_responses(all) == 16, "%s: pipelined answers %d", what,
              rs_count_responses(all));
    const char *p = all;
    bool order = true;
    for (int i = 0; i < 16; i++) {
        snprintf(want, sizeof(want), "path /p%d", i);
        const char *q = strstr(p, want);
        if (q == NULL) {
            order = false;
            break;
        }
        p = q + strlen(want);
    }
    CHECK_MSG(order, "%s: pipelined answers in order", what);
    /* Replies below, at and above the queued size, and a large one. */
    static const size_t sizes[] = {0, 1, 1000, 16000, 16384, 16385, 70000, 200000};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        int n = snprintf(req, sizeof(req), "GET /size/%zu HTTP/1.1\r\nHost: x\r\n\r\n", sizes[i]);
        CHECK(rs_send(fd, req, (size_t)n));
        CHECK_MSG(read_response(fd, NULL, 0) == (long)sizes[i], "%s: reply of %zu bytes", what,
                  sizes[i]);
    }
    /* An upload much larger than the receive buffers and their count. */
    size_t up = getenv("TEST_URING_UP") ? strtoul(getenv("TEST_URING_UP"), NULL, 10) : 3u << 20;
    char *data = malloc(up);
    size_t sum = 0;
    for (size_t i = 0; i < up; i++) {
        data[i] = (char)(i * 7 + 3);
        sum += (unsigned char)data[i];
    }
    int n = snprintf(req, sizeof(req),
                     "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n", up);
    CHECK(rs_send(fd, req, (size_t)n));
    CHECK(rs_send(fd, data, up));
    free(data);
    snprintf(want, sizeof(want), "sum %zu", sum);
    CHECK_MSG(read_response(fd, body, sizeof(body)) >= 0 && strcmp(body, want) == 0,
              "%s: upload answered '%s', want '%s'", what, body, want);
    /* A reply queued on the ring, then the close the request asked for:
     * the whole reply arrives before the end. */
    for (int round = 0; round < 20; round++) {
        int c2 = rs_connect(port);
        const char *r1 = "GET /first HTTP/1.1\r\nHost: x\r\n\r\n";
        const char *r2 = "GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        bool good = c2 >= 0 && rs_send(c2, r1, strlen(r1)) &&
                    read_response(c2, body, sizeof(body)) >= 0 && strcmp(body, "path /first") == 0;
        usleep(2000); /* the connection now waits on the ring */
        good = good && rs_send(c2, r2, strlen(r2)) && read_response(c2, body, sizeof(body)) >= 0 &&
               strcmp(body, "path /last") == 0;
        int first2 = 0;
        good = good && rs_wait_closed(c2, 3000, &first2) >= 0;
        CHECK_MSG(good, "%s: Connection: close on a waiting connection (round %d)", what, round);
        if (c2 >= 0)
            close(c2);
        if (!good)
            break;
    }
    /* The client closes: the server closes too. */
    shutdown(fd, SHUT_WR);
    int first = 0;
    long ms = rs_wait_closed(fd, 3000, &first);
    CHECK_MSG(ms >= 0, "%s: closed after the client's FIN", what);
    close(fd);
}

/* ---- upgrade: bytes right behind the request ---------------------------- */

static void upgrade_handler(void *cls, struct MHD_Connection *c, void *req_cls,
                            const char *extra_in, size_t extra_in_size, MHD_socket sock,
                            struct MHD_UpgradeResponseHandle *urh)
{
    (void)cls;
    (void)c;
    (void)req_cls;
    /* Echo the extra bytes, then what follows, until "END". */
    char buf[8192];
    size_t have = extra_in_size < sizeof(buf) ? extra_in_size : sizeof(buf);
    memcpy(buf, extra_in, have);
    while (have < 3 || memcmp(buf + have - 3, "END", 3) != 0) {
        ssize_t n = recv(sock, buf + have, sizeof(buf) - have, 0);
        if (n <= 0) {
            if (n < 0 && errno == EAGAIN) {
                usleep(1000);
                continue;
            }
            break;
        }
        have += (size_t)n;
    }
    size_t off = 0;
    while (off < have) {
        ssize_t n = send(sock, buf + off, have - off, MSG_NOSIGNAL);
        if (n <= 0) {
            if (n < 0 && errno == EAGAIN) {
                usleep(1000);
                continue;
            }
            break;
        }
        off += (size_t)n;
    }
    MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
}

static enum MHD_Result up_handler(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)req_cls;
    struct MHD_Response *r = MHD_create_response_for_upgrade(upgrade_handler, NULL);
    MHD_add_response_header(r, MHD_HTTP_HEADER_UPGRADE, "echo");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_SWITCHING_PROTOCOLS, r);
    MHD_destroy_response(r);
    return ret;
}

static void upgrade_case(enum ts_mode mode)
{
    struct test_server ts;
    if (!ts_start(&ts, mode, MHD_ALLOW_UPGRADE, up_handler, NULL, NULL)) {
        CHECK_MSG(false, "upgrade daemon in %s", ts_mode_names[mode]);
        return;
    }
    for (int round = 0; round < 20; round++) {
        int fd = rs_connect(ts.port);
        /* A first request on the connection, so that it waits on the ring
         * (registered) before the upgrade. */
        const char *req =
            "GET /u HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n";
        char msg[4200];
        size_t ml = 0;
        ml += (size_t)snprintf(msg, sizeof(msg), "%s", req);
        /* 4 KiB right behind the request, more than one receive buffer. */
        for (int i = 0; i < 4000; i++)
            msg[ml++] = (char)('a' + i % 26);
        CHECK(rs_send(fd, msg, ml));
        char buf[16384];
        size_t got = rs_recv_until(fd, buf, sizeof(buf) - 1, "\r\n\r\n", 5000);
        buf[got] = '\0';
        CHECK_MSG(rs_status(buf) == 101, "%s: 101", ts_mode_names[mode]);
        char *end = strstr(buf, "\r\n\r\n");
        size_t echoed = end ? got - (size_t)(end + 4 - buf) : 0;
        if (end)
            memmove(buf, end + 4, echoed);
        CHECK(rs_send(fd, "xyzEND", 6));
        while (echoed < 4006) {
            size_t n = recv_some(fd, buf + echoed, sizeof(buf) - echoed);
            if (n == 0)
                break;
            echoed += n;
        }
        bool same = echoed == 4006 && memcmp(buf + 4000, "xyzEND", 6) == 0;
        for (int i = 0; same && i < 4000; i++)
            same = buf[i] == (char)('a' + i % 26);
        CHECK_MSG(same, "%s: upgrade echo of %zu bytes", ts_mode_names[mode], echoed);
        close(fd);
    }
    ts_stop(&ts);
}

/* ---- where the ring runs ------------------------------------------------ */

static int rings_in(enum ts_mode mode)
{
    struct test_server ts;
    if (!ts_start(&ts, mode, 0, handler, NULL, NULL))
        return -1;
    int n = count_rings();
    exercise(ts.port, ts_mode_names[mode]);
    ts_stop(&ts);
    return n;
}

/* Answers io_uring_setup with `err` (0: kills the process), as a sandbox
 * does. */
static bool deny_uring(int err)
{
    unsigned int verdict = err == 0 ? SECCOMP_RET_KILL_PROCESS
                                    : SECCOMP_RET_ERRNO | (unsigned int)(err & SECCOMP_RET_DATA);
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, verdict),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof(f) / sizeof(f[0])), f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return false;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

/* In a child (the filter stays for the rest of a process): a daemon that
 * cannot have its ring serves on epoll. `force`: MHD_IO_URING=1, so that
 * the ring is probed under the filter too. */
static void fallback_case(int err, bool force, const char *name)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        if (!deny_uring(err)) {
            printf("RESULT 0 0 1\n");
            _exit(3);
        }
        if (force)
            setenv("MHD_IO_URING", "1", 1);
        struct test_server ts;
        if (!ts_start(&ts, TS_INT_EPOLL, 0, handler, NULL, NULL))
            _exit(1);
        int n = count_rings();
        exercise(ts.port, name);
        ts_stop(&ts);
        if (n != 0)
            fprintf(stderr, "%s: %d rings\n", name, n);
        _exit(n == 0 && check_failed_ == 0 ? 0 : 2);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 3) {
        fprintf(stderr, "skip: no seccomp filter here\n");
        return;
    }
    CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "%s: the daemon fell back to epoll and served (status %d)", name, st);
}

int main(void)
{
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)('A' + i % 23);
    unsetenv("MHD_IO_URING");
    /* Whether this kernel lets us have a ring at all (a container may
     * not): then the checks of the ring's own paths still run, on epoll. */
    bool kernel_ok = rings_in(TS_INT_EPOLL) == 1;
    if (!kernel_ok)
        fprintf(stderr, "note: no io_uring here; the int-epoll daemon ran on epoll\n");
    if (kernel_ok)
        CHECK_EQ_INT(rings_in(TS_POOL_EPOLL), 3);
    /* Never with an external loop, another poller or thread per
     * connection. */
    static const enum ts_mode none[] = {TS_EXT_EPOLL,  TS_EXT_SELECT, TS_INT_POLL,
                                        TS_INT_SELECT, TS_POOL_POLL,  TS_TPC_POLL};
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
        CHECK_MSG(rings_in(none[i]) == 0, "no ring in %s", ts_mode_names[none[i]]);
    /* Switched off. */
    setenv("MHD_IO_URING", "0", 1);
    CHECK_EQ_INT(rings_in(TS_INT_EPOLL), 0);
    unsetenv("MHD_IO_URING");
    /* Refused by the kernel, the ring asked for under the filter. */
    fallback_case(ENOSYS, true, "io_uring_setup ENOSYS");
    fallback_case(EPERM, true, "io_uring_setup EPERM");
    /* Under a filter that kills on io_uring_setup, the ring is not even
     * probed: the process lives and serves on epoll. */
    fallback_case(0, false, "io_uring_setup killed");
    /* Bytes the ring read behind an upgrade request. */
    upgrade_case(TS_INT_EPOLL);
    upgrade_case(TS_POOL_EPOLL);
    return check_done();
}
