/* Load and abuse on loopback, bounded in time, in epoll (internal thread and
 * thread pool) at full scale and in poll and select at reduced scale:
 *
 *  - 10,000 keep-alive connections held by one daemon while they keep
 *    asking, and a separate client still gets prompt answers;
 *  - clients that reset (SO_LINGER 0) in the middle of a request head, of a
 *    request body and of a response: the daemon notices, cleans up and
 *    serves on;
 *  - 1,000 slowloris connections do not stop normal clients and are cut
 *    off at the connection timeout;
 *  - a flood of connections beyond MHD_OPTION_CONNECTION_LIMIT waits
 *    outside while the admitted clients are served as before;
 *  - MHD_stop_daemon in the middle of each of these returns promptly and
 *    closes every connection;
 *  - with select, a socket numbered at or above FD_SETSIZE is closed
 *    cleanly and the daemon serves on.
 *
 * The crowds of clients run in a child process (tests/lib/crowd.h); the
 * separate client's latency is measured here. The figures are printed. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "crowd.h"
#include "slow.h"
#include "testsrv.h"

#define BIG_SIZE ((uint64_t)64 << 20)
#define CROWD_WAIT_MS ((int)test_ms(60000))

struct plan {
    enum ts_mode mode;
    unsigned int held;  /* keep-alive connections held */
    unsigned int slow;  /* slowloris connections */
    unsigned int flood; /* connections beyond the limit */
};

static struct plan plans[] = {
    {TS_INT_EPOLL, 10000, 1000, 2000},
    {TS_POOL_EPOLL, 10000, 1000, 2000},
    {TS_INT_POLL, 1500, 300, 500},
    {TS_INT_SELECT, 300, 200, 500},
};

/* ---- the application ---------------------------------------------------- */

static atomic_int upload_started, upload_aborted, big_started, big_aborted;
static int tag_upload, tag_uploading, tag_big, tag_other;

static ssize_t big_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)cls;
    (void)pos;
    memset(buf, 'x', max);
    return (ssize_t)max;
}

/* "/big" streams 64 MiB, "/upload" swallows its body, the rest get "ok". */
static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)method;
    (void)version;
    (void)upload_data;
    if (*req_cls == NULL) {
        bool upload = strcmp(url, "/upload") == 0;
        *req_cls = upload ? &tag_upload : strcmp(url, "/big") == 0 ? &tag_big : &tag_other;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        if (*req_cls == &tag_upload) {
            atomic_fetch_add(&upload_started, 1);
            *req_cls = &tag_uploading;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    struct MHD_Response *r;
    if (*req_cls == &tag_big) {
        atomic_fetch_add(&big_started, 1);
        r = MHD_create_response_from_callback(BIG_SIZE, 32 * 1024, big_reader, NULL, NULL);
    } else {
        r = MHD_create_response_from_buffer_static(2, "ok");
    }
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        return;
    if (*req_cls == &tag_uploading)
        atomic_fetch_add(&upload_aborted, 1);
    else if (*req_cls == &tag_big)
        atomic_fetch_add(&big_aborted, 1);
}

/* ---- measuring ---------------------------------------------------------- */

static uint64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

/* Polls `done` every millisecond for at most `ms`; true once it holds. */
static bool wait_for(bool (*done)(const void *), const void *arg, unsigned int ms)
{
    uint64_t end = now_us() + (uint64_t)test_ms(ms) * 1000u;
    for (;;) {
        if (done(arg))
            return true;
        if (now_us() > end)
            return false;
        struct timespec t = {0, 1000000};
        nanosleep(&t, NULL);
    }
}

static unsigned int connections(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return i ? i->num_connections : 0;
}

struct conn_goal {
    struct MHD_Daemon *d;
    unsigned int want;
};

static bool connections_are(const void *arg)
{
    const struct conn_goal *g = arg;
    return connections(g->d) == g->want;
}

struct counter_goal {
    atomic_int *a, *b;
    int want_a, want_b;
};

static bool counters_reach(const void *arg)
{
    const struct counter_goal *g = arg;
    return atomic_load(g->a) >= g->want_a && atomic_load(g->b) >= g->want_b;
}

struct latency {
    unsigned int n, ok;
    uint64_t p50_us, max_us;
};

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The separate client: requests, each on a new connection, at least `min`
 * of them and for at least `ms` milliseconds (while a crowd is busy). */
static struct latency probe(uint16_t port, unsigned int min, unsigned int ms)
{
    static const char req[] = "GET /probe HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    static uint64_t t[4096];
    struct latency l = {0, 0, 0, 0};
    uint64_t end = now_us() + (uint64_t)ms * 1000u;
    unsigned int n = 0;
    for (unsigned int i = 0; i < 4096 && (i < min || now_us() < end); i++, n++) {
        uint64_t t0 = now_us();
        char buf[512];
        size_t len = rs_exchange(port, req, sizeof(req) - 1, buf, sizeof(buf), (int)test_ms(5000));
        t[i] = now_us() - t0;
        if (len > 0 && rs_status(buf) == 200 && strstr(buf, "\r\n\r\nok") != NULL)
            l.ok++;
    }
    l.n = n;
    qsort(t, n, sizeof(t[0]), cmp_u64);
    l.p50_us = n ? t[n / 2] : 0;
    l.max_us = n ? t[n - 1] : 0;
    return l;
}

static uint64_t timed_stop(struct test_server *ts)
{
    uint64_t t0 = now_us();
    ts_stop(ts);
    return (now_us() - t0) / 1000u;
}

static bool start(struct test_server *ts, enum ts_mode mode, unsigned int limit,
                  unsigned int timeout_s)
{
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)limit, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)timeout_s, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    atomic_store(&upload_started, 0);
    atomic_store(&upload_aborted, 0);
    atomic_store(&big_started, 0);
    atomic_store(&big_aborted, 0);
    bool ok = ts_start(ts, mode, 0, handler, NULL, opts);
    CHECK_MSG(ok, "%s: daemon did not start", ts_mode_names[mode]);
    return ok;
}

/* ---- the phases --------------------------------------------------------- */

static const char *mname;

/* Held keep-alive connections, a separate client, resets, and a stop with
 * everything still going on. */
static void phase_held(const struct plan *pl, struct crowd *cr)
{
    struct test_server ts;
    if (!start(&ts, pl->mode, pl->held + 1000, 0))
        return;
    long r[3] = {0, 0, 0};
    int n = crowd_do(cr, r, 2, CROWD_WAIT_MS, "hold %u %u", ts.port, pl->held);
    CHECK_MSG(n == 2 && r[0] == (long)pl->held, "%s: %ld of %u connections held", mname, r[0],
              pl->held);
    long hold_ms = r[1];
    struct conn_goal held = {ts.d, pl->held};
    CHECK_MSG(wait_for(connections_are, &held, 5000), "%s: daemon counts %u connections, want %u",
              mname, connections(ts.d), pl->held);

    /* The held connections keep asking while the separate client asks. */
    crowd_do(cr, r, 1, CROWD_WAIT_MS, "busy 32 0");
    struct latency l = probe(ts.port, 100, 500);
    n = crowd_do(cr, r, 3, CROWD_WAIT_MS, "quiet");
    CHECK_MSG(l.ok == l.n, "%s: the separate client got %u of %u answers", mname, l.ok, l.n);
    CHECK_MSG(l.max_us < (uint64_t)test_ms(2000) * 1000u, "%s: the separate client waited %lu ms",
              mname, (unsigned long)(l.max_us / 1000));
    CHECK_MSG(n == 3 && r[0] > 0, "%s: the held connections got no answers while busy", mname);
    printf("  %-11s %u connections held (opened in %ld ms); separate client (%u "
           "requests) p50 %.2f ms max %.2f ms; held ones answered %ld times meanwhile, p50 %.2f "
           "ms max %.2f ms\n",
           mname, pl->held, hold_ms, l.n, l.p50_us / 1000.0, l.max_us / 1000.0, r[0], r[1] / 1000.0,
           r[2] / 1000.0);

    /* Resets in the middle of a head, a body and a response. */
    n = crowd_do(cr, r, 1, CROWD_WAIT_MS, "resetprep %u 100 20 20 0", ts.port);
    CHECK_MSG(n == 1 && r[0] == 140, "%s: %ld of 140 resetting clients connected", mname, r[0]);
    struct counter_goal begun = {&upload_started, &big_started, 20, 20};
    CHECK_MSG(wait_for(counters_reach, &begun, 10000), "%s: %d uploads and %d answers began", mname,
              atomic_load(&upload_started), atomic_load(&big_started));
    n = crowd_do(cr, r, 1, CROWD_WAIT_MS, "resetgo");
    CHECK_MSG(n == 1 && r[0] == 140, "%s: %ld of 140 clients reset", mname, r[0]);
    struct counter_goal aborted = {&upload_aborted, &big_aborted, 20, 20};
    CHECK_MSG(wait_for(counters_reach, &aborted, 10000),
              "%s: reset seen for %d of 20 uploads, %d of 20 answers", mname,
              atomic_load(&upload_aborted), atomic_load(&big_aborted));
    CHECK_MSG(wait_for(connections_are, &held, 10000),
              "%s: %u connections after the resets, want %u", mname, connections(ts.d), pl->held);
    l = probe(ts.port, 10, 0);
    CHECK_MSG(l.ok == 10, "%s: %u of 10 answers after the resets", mname, l.ok);

    /* Stop while the held connections ask and ten answers are stuck. */
    atomic_store(&big_started, 0);
    crowd_do(cr, r, 1, CROWD_WAIT_MS, "resetprep %u 0 0 0 10", ts.port);
    struct counter_goal stuck = {&big_started, &big_started, 10, 10};
    CHECK(wait_for(counters_reach, &stuck, 10000));
    crowd_do(cr, r, 1, CROWD_WAIT_MS, "busy 32 0");
    uint64_t stop_ms = timed_stop(&ts);
    CHECK_MSG(stop_ms < (uint64_t)test_ms(3000), "%s: MHD_stop_daemon took %lu ms", mname,
              (unsigned long)stop_ms);
    n = crowd_do(cr, r, 2, CROWD_WAIT_MS, "closed %ld", test_ms(10000));
    CHECK_MSG(n == 2 && r[0] == r[1], "%s: %ld of %ld held connections closed by the stop", mname,
              r[0], r[1]);
    crowd_do(cr, r, 3, CROWD_WAIT_MS, "quiet");
    crowd_do(cr, r, 1, CROWD_WAIT_MS, "release");
    printf("  %-11s resets mid-head 100, mid-body 20, mid-answer 20: all cleaned up; "
           "stop with %u held and 10 stuck answers: %lu ms\n",
           mname, pl->held, (unsigned long)stop_ms);
}

/* Slowloris against a 1-second timeout. */
static void phase_slow(const struct plan *pl, struct crowd *cr)
{
    struct test_server ts;
    if (!start(&ts, pl->mode, pl->slow + 300, 1))
        return;
    long r[3] = {0, 0, 0};
    int n = crowd_do(cr, r, 1, CROWD_WAIT_MS, "slow %u %u", ts.port, pl->slow);
    CHECK_MSG(n == 1 && r[0] == (long)pl->slow, "%s: %ld of %u slow clients connected", mname, r[0],
              pl->slow);
    struct latency l = probe(ts.port, 50, 0);
    CHECK_MSG(l.ok == 50, "%s: %u of 50 answers during slowloris", mname, l.ok);
    CHECK_MSG(l.max_us < (uint64_t)test_ms(2000) * 1000u,
              "%s: a client waited %lu ms during slowloris", mname,
              (unsigned long)(l.max_us / 1000));
    n = crowd_do(cr, r, 3, CROWD_WAIT_MS, "slowwait %ld", test_ms(8000));
    CHECK_MSG(n == 3 && r[0] == (long)pl->slow, "%s: %ld of %u slow clients cut off", mname, r[0],
              pl->slow);
    /* Cut at the timeout: not before it, and not long after. */
    CHECK_MSG(r[1] >= 900 && r[2] <= 1000 + test_ms(2000),
              "%s: slow clients cut after %ld to %ld ms", mname, r[1], r[2]);
    long cut_min = r[1], cut_max = r[2];
    crowd_do(cr, r, 1, CROWD_WAIT_MS, "release");
    /* And a stop in the middle of another wave. */
    crowd_do(cr, r, 1, CROWD_WAIT_MS, "slow %u %u", ts.port, pl->slow);
    uint64_t stop_ms = timed_stop(&ts);
    CHECK_MSG(stop_ms < (uint64_t)test_ms(3000), "%s: MHD_stop_daemon took %lu ms", mname,
              (unsigned long)stop_ms);
    n = crowd_do(cr, r, 3, CROWD_WAIT_MS, "slowwait %ld", test_ms(8000));
    CHECK_MSG(n == 3 && r[0] == (long)pl->slow, "%s: %ld of %u slow clients closed by the stop",
              mname, r[0], pl->slow);
    crowd_do(cr, r, 1, CROWD_WAIT_MS, "release");
    printf("  %-11s %u slowloris clients cut after %ld to %ld ms (timeout 1 s); separate client "
           "p50 %.2f ms max %.2f ms; stop during slowloris: %lu ms\n",
           mname, pl->slow, cut_min, cut_max, l.p50_us / 1000.0, l.max_us / 1000.0,
           (unsigned long)stop_ms);
}

/* A flood beyond the connection limit. */
static void phase_flood(const struct plan *pl, struct crowd *cr)
{
    enum { LIMIT = 64, ADMITTED = 48 };
    struct test_server ts;
    if (!start(&ts, pl->mode, LIMIT, 0))
        return;
    long r[3] = {0, 0, 0};
    int n = crowd_do(cr, r, 2, CROWD_WAIT_MS, "hold %u %d", ts.port, ADMITTED);
    CHECK_MSG(n == 2 && r[0] == ADMITTED, "%s: %ld of %d admitted", mname, r[0], ADMITTED);
    crowd_do(cr, r, 1, CROWD_WAIT_MS, "flood %u %u", ts.port, pl->flood);
    struct conn_goal full = {ts.d, LIMIT};
    CHECK_MSG(wait_for(connections_are, &full, 10000), "%s: %u connections under the flood", mname,
              connections(ts.d));
    n = crowd_do(cr, r, 3, CROWD_WAIT_MS, "busy 8 2000");
    CHECK_MSG(n == 3 && r[0] == 2000, "%s: admitted clients got %ld of 2000 answers", mname, r[0]);
    CHECK_MSG(r[2] < test_ms(2000) * 1000, "%s: an admitted client waited %ld ms", mname,
              r[2] / 1000);
    long p50 = r[1], max = r[2];
    unsigned int during = connections(ts.d);
    CHECK_MSG(during <= LIMIT, "%s: %u connections with a limit of %d", mname, during, LIMIT);
    n = crowd_do(cr, r, 2, CROWD_WAIT_MS, "floodstat");
    CHECK_MSG(n == 2 && r[0] <= LIMIT - ADMITTED,
              "%s: %ld flood requests answered beyond the limit", mname, r[0]);
    long flood_answered = r[0];
    uint64_t stop_ms = timed_stop(&ts);
    CHECK_MSG(stop_ms < (uint64_t)test_ms(3000), "%s: MHD_stop_daemon took %lu ms", mname,
              (unsigned long)stop_ms);
    n = crowd_do(cr, r, 2, CROWD_WAIT_MS, "closed %ld", test_ms(10000));
    CHECK_MSG(n == 2 && r[0] == r[1], "%s: %ld of %ld admitted connections closed by the stop",
              mname, r[0], r[1]);
    crowd_do(cr, r, 1, CROWD_WAIT_MS, "release");
    printf("  %-11s flood of %u beyond a limit of %d: %ld answered, admitted clients p50 %.2f ms "
           "max %.2f ms; stop during the flood: %lu ms\n",
           mname, pl->flood, LIMIT, flood_answered, p50 / 1000.0, max / 1000.0,
           (unsigned long)stop_ms);
}

/* Select modes: a connection whose socket number does not fit in an
 * fd_set is closed without an answer, and the next one is served. */
static void check_fd_setsize(enum ts_mode mode)
{
    struct test_server ts;
    if (!start(&ts, mode, 2000, 0))
        return;
    static int dummies[FD_SETSIZE + 8];
    int nd = 0;
    for (;;) {
        int fd = dup(2);
        if (fd < 0)
            break;
        dummies[nd++] = fd;
        if (fd >= FD_SETSIZE - 1)
            break;
    }
    int fd = rs_connect(ts.port);
    CHECK_MSG(fd >= FD_SETSIZE, "%s: client socket %d", ts_mode_names[mode], fd);
    static const char req[] = "GET /probe HTTP/1.1\r\nHost: a\r\n\r\n";
    rs_send(fd, req, sizeof(req) - 1);
    char buf[256];
    bool closed = false;
    size_t len = rs_recv(fd, buf, sizeof(buf), (int)test_ms(5000), &closed);
    CHECK_MSG(closed && len == 0, "%s: socket beyond FD_SETSIZE: %zu bytes, closed %d",
              ts_mode_names[mode], len, closed);
    close(fd);
    while (nd > 0)
        close(dummies[--nd]);
    struct latency l = probe(ts.port, 5, 0);
    CHECK_MSG(l.ok == 5, "%s: %u of 5 answers after a socket beyond FD_SETSIZE",
              ts_mode_names[mode], l.ok);
    ts_stop(&ts);
    printf("  %-11s socket beyond FD_SETSIZE closed without an answer; served on\n",
           ts_mode_names[mode]);
}

/* Raises the descriptor limit for the largest plan; scales the plans down
 * when the hard limit is too low and cannot be raised. */
static rlim_t raise_nofile(void)
{
    rlim_t need = 0;
    for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++)
        if (plans[i].held + 600 > need)
            need = plans[i].held + 600;
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_max < need) {
        struct rlimit want = {need, need};
        if (setrlimit(RLIMIT_NOFILE, &want) == 0) {
            rl = want;
        } else {
            printf("SKIP full scale: RLIMIT_NOFILE hard limit %lu < %lu and cannot be raised "
                   "(%s); plans scaled down\n",
                   (unsigned long)rl.rlim_max, (unsigned long)need, strerror(errno));
            CHECK_MSG(geteuid() != 0, "running as root, yet the descriptor limit cannot be raised");
            for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++)
                if (plans[i].held + 600 > rl.rlim_max)
                    plans[i].held = rl.rlim_max > 1200 ? (unsigned int)rl.rlim_max - 600 : 600;
            need = rl.rlim_max;
        }
    }
    rl.rlim_cur = need;
    setrlimit(RLIMIT_NOFILE, &rl);
    return need;
}

/* Under a slow wrapper (valgrind) the crowds are a tenth as large. */
static void scale_plans(void)
{
    for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++) {
        struct plan *p = &plans[i];
        char what[64];
        snprintf(what, sizeof(what), "%s held connections", ts_mode_names[p->mode]);
        p->held = (unsigned int)test_scaled(what, p->held, p->held / 10);
        snprintf(what, sizeof(what), "%s slowloris clients", ts_mode_names[p->mode]);
        p->slow = (unsigned int)test_scaled(what, p->slow, p->slow / 10);
        snprintf(what, sizeof(what), "%s flood", ts_mode_names[p->mode]);
        p->flood = (unsigned int)test_scaled(what, p->flood, p->flood / 10);
    }
}

int main(void)
{
    scale_plans();
    rlim_t nofile = raise_nofile();
    struct crowd cr;
    if (!crowd_start(&cr, (unsigned long)nofile)) {
        CHECK_MSG(0, "cannot start the crowd process");
        return check_done();
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    uint64_t t0 = now_us();
    for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++) {
        unsigned long failed_before = check_failed_;
        mname = ts_mode_names[plans[i].mode];
        phase_held(&plans[i], &cr);
        phase_slow(&plans[i], &cr);
        phase_flood(&plans[i], &cr);
        printf("mode %-12s %s\n", mname, check_failed_ == failed_before ? "ok" : "FAIL");
        fflush(stdout);
    }
    check_fd_setsize(TS_INT_SELECT);
    check_fd_setsize(TS_EXT_SELECT);
    printf("total %.1f s\n", (now_us() - t0) / 1e6);
    crowd_stop(&cr);
    curl_global_cleanup();
    return check_done();
}
