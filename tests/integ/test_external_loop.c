/* The external loop's contract, driven from one thread the way a small
 * application does it, for external select and external epoll with every
 * way of waiting: MHD_get_fdset2 + select + MHD_run_from_select2,
 * epoll_wait on MHD_DAEMON_INFO_EPOLL_FD + MHD_run, and MHD_run_wait.
 * MHD_get_timeout* says "no timeout" with nothing to time out, the time
 * left before an idle connection's deadline otherwise (the loop closes it
 * then, without spinning meanwhile), and 0 while a resume is pending; with
 * epoll the fd set holds the epoll descriptor alone. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "testsrv.h"

static struct MHD_Connection *parked;

/* /park suspends in its final call until the test resumes it. */
static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)method;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    static int first, resumed;
    if (*req_cls == NULL) {
        *req_cls = &first;
        return MHD_YES;
    }
    if (strcmp(url, "/park") == 0 && *req_cls == &first) {
        *req_cls = &resumed;
        parked = c;
        MHD_suspend_connection(c);
        return MHD_YES;
    }
    return ts_reply(c, MHD_HTTP_OK, url);
}

enum wait_kind { WAIT_SELECT, WAIT_EPOLL_FD, WAIT_RUN_WAIT };

struct loop_case {
    const char *name;
    unsigned int flags;
    enum wait_kind wait;
};

static const struct loop_case cases[] = {
    {"select + run_from_select", MHD_NO_FLAG, WAIT_SELECT},
    {"select + run_wait", MHD_NO_FLAG, WAIT_RUN_WAIT},
    {"epoll + fd set + run_from_select", MHD_USE_EPOLL, WAIT_SELECT},
    {"epoll + epoll_wait + run", MHD_USE_EPOLL, WAIT_EPOLL_FD},
    {"epoll + run_wait", MHD_USE_EPOLL, WAIT_RUN_WAIT},
};

/* One round of the application's loop: wait for the daemon's descriptors
 * (at most `cap_ms`, less if MHD_get_timeout says so), then let it run. */
static void loop_once(struct MHD_Daemon *d, enum wait_kind kind, int cap_ms)
{
    int64_t to = MHD_get_timeout64s(d);
    int wait_ms = to < 0 || to > cap_ms ? cap_ms : (int)to;
    if (kind == WAIT_RUN_WAIT) {
        MHD_run_wait(d, wait_ms);
        return;
    }
    if (kind == WAIT_EPOLL_FD) {
        const union MHD_DaemonInfo *ei = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);
        struct epoll_event ev;
        epoll_wait(ei->epoll_fd, &ev, 1, wait_ms);
        MHD_run(d);
        return;
    }
    fd_set rs, ws, es;
    FD_ZERO(&rs);
    FD_ZERO(&ws);
    FD_ZERO(&es);
    MHD_socket max = -1;
    MHD_get_fdset2(d, &rs, &ws, &es, &max, FD_SETSIZE);
    struct timeval tv = {wait_ms / 1000, (wait_ms % 1000) * 1000};
    select(max + 1, &rs, &ws, &es, &tv);
    MHD_run_from_select2(d, &rs, &ws, &es, FD_SETSIZE);
}

/* Runs the loop until `fd` has a complete response (into buf) or the peer
 * closed, at most `limit_ms`; returns the rounds it took, -1 on time out. */
static int loop_until(struct MHD_Daemon *d, enum wait_kind kind, int fd, char *buf, size_t cap,
                      bool want_close, int limit_ms)
{
    size_t len = 0;
    buf[0] = '\0';
    uint64_t until = ts_now_ms() + (uint64_t)limit_ms;
    for (int rounds = 1; ts_now_ms() < until; rounds++) {
        loop_once(d, kind, 1000);
        for (;;) {
            ssize_t n = recv(fd, buf + len, cap - 1 - len, MSG_DONTWAIT);
            if (n == 0 && want_close)
                return rounds;
            if (n <= 0)
                break;
            len += (size_t)n;
            buf[len] = '\0';
        }
        if (!want_close && strstr(buf, "\r\n\r\n") != NULL && rs_status(buf) != 0 &&
            strchr(strstr(buf, "\r\n\r\n"), '/') != NULL)
            return rounds;
    }
    return -1;
}

static int connect_nb(uint16_t port, const char *req)
{
    int fd = rs_connect(port);
    if (fd >= 0) {
        rs_send(fd, req, strlen(req));
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
    return fd;
}

static bool no_timeout(struct MHD_Daemon *d)
{
    uint64_t t = 12345;
    return MHD_get_timeout64(d, &t) == MHD_NO && t == 12345 && MHD_get_timeout64s(d) == -1 &&
           MHD_get_timeout_i(d) == -1;
}

static void check_fdset(const struct loop_case *lc, struct MHD_Daemon *d)
{
    if (!(lc->flags & MHD_USE_EPOLL))
        return;
    const union MHD_DaemonInfo *ei = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);
    fd_set rs, ws, es;
    FD_ZERO(&rs);
    FD_ZERO(&ws);
    FD_ZERO(&es);
    MHD_socket max = -1;
    CHECK_EQ_INT(MHD_get_fdset2(d, &rs, &ws, &es, &max, FD_SETSIZE), MHD_YES);
    CHECK(ei != NULL && ei->epoll_fd >= 0 && max == ei->epoll_fd && FD_ISSET(max, &rs));
    int in_sets = 0;
    for (int fd = 0; fd <= max; fd++)
        in_sets += FD_ISSET(fd, &rs) + FD_ISSET(fd, &ws) + FD_ISSET(fd, &es);
    CHECK_MSG(in_sets == 1, "%s: %d descriptors in the sets", lc->name, in_sets);
}

static void run_case(const struct loop_case *lc)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        lc->flags | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL, handler, NULL,
        MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_CONNECTION_TIMEOUT, 1u, MHD_OPTION_END);
    CHECK_MSG(d != NULL, "%s: did not start", lc->name);
    if (d == NULL)
        return;
    uint16_t port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
    CHECK_MSG(no_timeout(d), "%s: a timeout without connections", lc->name);
    check_fdset(lc, d);

    char buf[2048];
    int fd = connect_nb(port, "GET /first HTTP/1.1\r\nHost: h\r\n\r\n");
    int rounds = loop_until(d, lc->wait, fd, buf, sizeof(buf), false, 3000);
    CHECK_MSG(rounds > 0 && rounds <= 5 && strstr(buf, "/first"), "%s: %d rounds for %s", lc->name,
              rounds, buf);
    /* Idle keep-alive connection: its deadline is the only timeout. */
    uint64_t t0 = ts_now_ms();
    uint64_t left = 0;
    CHECK_EQ_INT(MHD_get_timeout64(d, &left), MHD_YES);
    CHECK_MSG(left > 0 && left <= 1000, "%s: %llu ms left", lc->name, (unsigned long long)left);
    rounds = loop_until(d, lc->wait, fd, buf, sizeof(buf), true, 3000);
    uint64_t took = ts_now_ms() - t0;
    CHECK_MSG(rounds > 0 && rounds <= 4, "%s: %d rounds to time out", lc->name, rounds);
    CHECK_MSG(took >= 800 && took <= 1600, "%s: timed out after %llu ms", lc->name,
              (unsigned long long)took);
    close(fd);
    loop_once(d, lc->wait, 0);
    CHECK_MSG(no_timeout(d), "%s: a timeout after the last connection closed", lc->name);

    /* A resume from the application's thread: the timeout says "now". */
    parked = NULL;
    fd = connect_nb(port, "GET /park HTTP/1.1\r\nHost: h\r\n\r\n");
    for (int i = 0; i < 20 && parked == NULL; i++)
        loop_once(d, lc->wait, 100);
    CHECK_MSG(parked != NULL, "%s: /park not suspended", lc->name);
    if (parked != NULL) {
        MHD_resume_connection(parked);
        uint64_t now = 99;
        CHECK_MSG(MHD_get_timeout64(d, &now) == MHD_YES && now == 0,
                  "%s: pending resume, timeout %llu", lc->name, (unsigned long long)now);
        t0 = ts_now_ms();
        rounds = loop_until(d, lc->wait, fd, buf, sizeof(buf), false, 3000);
        CHECK_MSG(rounds > 0 && strstr(buf, "/park"), "%s: resumed request got %s", lc->name, buf);
        CHECK_MSG(ts_now_ms() - t0 < 100, "%s: resumed request took %llu ms", lc->name,
                  (unsigned long long)(ts_now_ms() - t0));
    }
    close(fd);
    MHD_stop_daemon(d);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned long failed_before = check_failed_;
        run_case(&cases[i]);
        printf("loop %-34s %s\n", cases[i].name, check_failed_ == failed_before ? "ok" : "FAIL");
    }
    return check_done();
}
