/* The limits that keep a server alive, in every mode they concern: the
 * spread of connections over a thread pool, the total and per-IP connection
 * limits, slow clients cut off at the timeout, running out of descriptors,
 * an upload the application never takes, stopping with clients in the middle
 * of requests, and handing the listen socket to a new daemon under load
 * without a failed request. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "daemon/daemon.h"
#include "loop/worker.h"
#include "slow.h"
#include "testsrv.h"

static atomic_int shutdown_reports;
static atomic_int heads_seen; /* first handler calls */

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)method;
    (void)version;
    (void)upload_data;
    static int first;
    if (*req_cls == NULL) {
        *req_cls = &first;
        atomic_fetch_add(&heads_seen, 1);
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* /hoard never takes its upload. */
        if (strcmp(url, "/hoard") != 0)
            *upload_data_size = 0;
        return MHD_YES;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer_static(2, "ok");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)req_cls;
    if (toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN)
        atomic_fetch_add(&shutdown_reports, 1);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Opens a connection and completes one keep-alive request on it. */
static int open_served(uint16_t port)
{
    int fd = rs_connect(port);
    const char req[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    char buf[1024];
    if (fd < 0 || !rs_send(fd, req, sizeof(req) - 1) ||
        rs_recv_response(fd, buf, sizeof(buf), 5000) == 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static unsigned int current_connections(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return i ? i->num_connections : 9999;
}

/* Waits (bounded) until the daemon counts `want` connections. */
static bool wait_connections(struct MHD_Daemon *d, unsigned int want)
{
    for (int i = 0; i < 500; i++) {
        if (current_connections(d) == want)
            return true;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return false;
}

static void test_pool_spread(enum ts_mode mode)
{
    struct test_server ts;
    if (!ts_start(&ts, mode, 0, handler, NULL, NULL))
        return;
    int fds[30];
    for (int i = 0; i < 30; i++)
        fds[i] = open_served(ts.port);
    CHECK(wait_connections(ts.d, 30));
    struct MHD_Daemon *d = ts.d;
    for (unsigned int i = 0; i < d->n_workers; i++) {
        unsigned int n = atomic_load(&d->workers[i].n_conns_public);
        CHECK_MSG(n >= 4 && n <= 16, "%s: worker %u holds %u of 30", ts_mode_names[mode], i, n);
    }
    for (int i = 0; i < 30; i++)
        close(fds[i]);
    ts_stop(&ts);
}

/* CPU time used by this process so far, in milliseconds. */
static uint64_t cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000u +
           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000u;
}

static void test_conn_limit(enum ts_mode mode)
{
    struct test_server ts;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_CONNECTION_LIMIT, 3, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (!ts_start(&ts, mode, 0, handler, NULL, opts))
        return;
    int fds[3];
    for (int i = 0; i < 3; i++)
        fds[i] = open_served(ts.port);
    CHECK(fds[0] >= 0 && fds[1] >= 0 && fds[2] >= 0);
    CHECK(wait_connections(ts.d, 3));
    /* The fourth waits in the backlog and is served once a slot frees;
     * meanwhile the daemon rests instead of polling the listen socket
     * again and again (this process's CPU time is the daemon's). */
    int extra = rs_connect(ts.port);
    const char req[] = "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    rs_send(extra, req, sizeof(req) - 1);
    char buf[512];
    bool closed;
    uint64_t cpu = cpu_ms();
    size_t n = rs_recv(extra, buf, sizeof(buf), 300, &closed);
    cpu = cpu_ms() - cpu;
    CHECK_MSG(n == 0, "%s: served beyond the limit", ts_mode_names[mode]);
    CHECK_MSG(cpu < 100, "%s: %llu ms of CPU in 300 ms at the connection limit",
              ts_mode_names[mode], (unsigned long long)cpu);
    close(fds[0]);
    n = rs_recv(extra, buf, sizeof(buf), 5000, &closed);
    CHECK_MSG(rs_status(buf) == 200, "%s: not served after a slot freed", ts_mode_names[mode]);
    close(extra);
    close(fds[1]);
    close(fds[2]);
    ts_stop(&ts);
}

static void test_per_ip(enum ts_mode mode)
{
    struct test_server ts;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, 2, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (!ts_start(&ts, mode, 0, handler, NULL, opts))
        return;
    int a = open_served(ts.port), b = open_served(ts.port);
    CHECK(a >= 0 && b >= 0);
    char buf[512];
    const char req[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    size_t n = rs_exchange(ts.port, req, sizeof(req) - 1, buf, sizeof(buf), 5000);
    CHECK_MSG(n == 0, "%s: third connection from one address served", ts_mode_names[mode]);
    close(a);
    CHECK(wait_connections(ts.d, 1));
    int c = open_served(ts.port);
    CHECK(c >= 0);
    close(b);
    close(c);
    ts_stop(&ts);
}

/* Slow clients: a head trickling in byte by byte is cut off at the timeout
 * (measured from its first byte), while others are served. */
static void test_slowloris(enum ts_mode mode)
{
    struct test_server ts;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_CONNECTION_TIMEOUT, 1, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (!ts_start(&ts, mode, 0, handler, NULL, opts))
        return;
    enum { SLOW = 20 };
    int fds[SLOW];
    for (int i = 0; i < SLOW; i++)
        fds[i] = rs_connect(ts.port);
    const char head[] = "GET / HTTP/1.1\r\nHost: h\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    uint64_t start = now_ms();
    int served = 0;
    size_t pos = 0;
    while (now_ms() - start < 4000 && pos < sizeof(head) - 1) {
        for (int i = 0; i < SLOW; i++)
            if (fds[i] >= 0)
                send(fds[i], head + pos, 1, MSG_NOSIGNAL);
        pos++;
        struct tc_reply r;
        tc_get(ts.port, "/normal", &r); /* paces the loop: one request per byte */
        served += r.status == 200;
        tc_reply_free(&r);
        struct timespec t = {0, 100 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
    CHECK(served > 0);
    int cut = 0;
    for (int i = 0; i < SLOW; i++) {
        char buf[64];
        bool closed = false;
        rs_recv(fds[i], buf, sizeof(buf), 100, &closed);
        cut += closed;
        close(fds[i]);
    }
    CHECK_MSG(cut == SLOW, "%s: %d of %d slow clients cut off", ts_mode_names[mode], cut, SLOW);
    ts_stop(&ts);
}

static void test_hoarding_handler(enum ts_mode mode)
{
    struct test_server ts;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 8192, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (!ts_start(&ts, mode, 0, handler, NULL, opts))
        return;
    static char req[40000];
    int n = snprintf(req, sizeof(req),
                     "PUT /hoard HTTP/1.1\r\nHost: h\r\nContent-Length: 30000\r\n\r\n");
    memset(req + n, 'x', 30000);
    char buf[2048];
    rs_exchange(ts.port, req, (size_t)n + 30000, buf, sizeof(buf), 5000);
    CHECK_MSG(rs_status(buf) == 500, "%s: got %.30s", ts_mode_names[mode], buf);
    ts_stop(&ts);
}

/* Stop with clients in the middle of requests: it returns promptly and
 * reports DAEMON_SHUTDOWN for the requests the handler saw. */
static void test_stop_under_load(enum ts_mode mode)
{
    struct test_server ts;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (!ts_start(&ts, mode, 0, handler, NULL, opts))
        return;
    enum { N = 100 };
    int fds[N];
    const char partial[] = "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nab";
    atomic_store(&heads_seen, 0);
    for (int i = 0; i < N; i++) {
        fds[i] = rs_connect(ts.port);
        rs_send(fds[i], partial, i % 2 ? sizeof(partial) - 1 : 10);
    }
    /* Every connection counted, and every complete head handled. */
    wait_connections(ts.d, N);
    uint64_t until = now_ms() + 5000;
    while (atomic_load(&heads_seen) < N / 2 && now_ms() < until)
        sched_yield();
    atomic_store(&shutdown_reports, 0);
    uint64_t start = now_ms();
    ts_stop(&ts);
    uint64_t took = now_ms() - start;
    CHECK_MSG(took < 1000, "%s: stop took %llu ms", ts_mode_names[mode], (unsigned long long)took);
    CHECK_MSG(atomic_load(&shutdown_reports) == N / 2, "%s: %d shutdown reports",
              ts_mode_names[mode], atomic_load(&shutdown_reports));
    for (int i = 0; i < N; i++)
        close(fds[i]);
}

struct hammer {
    uint16_t port;
    atomic_bool stop;
    atomic_int sent;
    atomic_int failed;
};

static void *hammer_main(void *arg)
{
    struct hammer *h = arg;
    const char req[] = "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    while (!atomic_load(&h->stop)) {
        char buf[512];
        rs_exchange(h->port, req, sizeof(req) - 1, buf, sizeof(buf), 5000);
        atomic_fetch_add(&h->sent, 1);
        if (rs_status(buf) != 200)
            atomic_fetch_add(&h->failed, 1);
    }
    return NULL;
}

/* Quiesce under load and hand the listen socket to a new daemon. In the
 * external modes quiesce is called from this thread while the driver runs
 * the loop: with MHD_USE_ITC the loop drops the socket itself. */
static void test_handover(enum ts_mode mode)
{
    struct test_server ts;
    if (!ts_start(&ts, mode, MHD_USE_ITC, handler, NULL, NULL))
        return;
    struct hammer h = {ts.port, false, 0, 0};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, hammer_main, &h);
    while (atomic_load(&h.sent) < 200)
        sched_yield();
    MHD_socket fd = MHD_quiesce_daemon(ts.d);
    CHECK(fd != MHD_INVALID_SOCKET);
    struct MHD_Daemon *d2 = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD, 0, NULL, NULL, handler,
                                             NULL, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_END);
    CHECK(d2 != NULL);
    CHECK(wait_connections(ts.d, 0));
    ts_stop(&ts);
    int at_stop = atomic_load(&h.sent);
    while (atomic_load(&h.sent) < at_stop + 200)
        sched_yield();
    atomic_store(&h.stop, true);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    MHD_stop_daemon(d2);
    printf("hand-over %-12s sent %d failed %d\n", ts_mode_names[mode], atomic_load(&h.sent),
           atomic_load(&h.failed));
    CHECK_EQ_INT(atomic_load(&h.failed), 0);
}

/* A server process limited to a few descriptors is flooded with
 * connections: it must neither spin nor die, and must serve again once
 * descriptors free up. The server runs in a child forked while this
 * process has no other thread (so it may start threads, also under TSan). */
static void test_emfile(enum ts_mode mode)
{
    int ready[2];
    if (pipe(ready) != 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        close(ready[0]);
        struct rlimit rl = {32, 32};
        setrlimit(RLIMIT_NOFILE, &rl);
        struct test_server ts;
        uint16_t port = ts_start(&ts, mode, 0, handler, NULL, NULL) ? ts.port : 0;
        if (write(ready[1], &port, sizeof(port)) != sizeof(port))
            _exit(1);
        pause();
        _exit(0);
    }
    close(ready[1]);
    uint16_t port = 0;
    bool started = read(ready[0], &port, sizeof(port)) == sizeof(port) && port != 0;
    close(ready[0]);
    if (!started) {
        CHECK_MSG(0, "%s: no server with few descriptors", ts_mode_names[mode]);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return;
    }
    enum { N = 60 };
    int fds[N];
    const char req[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    for (int i = 0; i < N; i++) {
        fds[i] = rs_connect(port);
        rs_send(fds[i], req, sizeof(req) - 1);
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    /* Under a slow wrapper (TEST_SLOW) the window and the budget grow
     * alike: a spinning server still fills the window, while the wrapper's
     * cost of starting new threads fits in the budget. */
    long slow = test_slow();
    unsigned long cpu[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        FILE *f = fopen(path, "r");
        unsigned long ut = 0, st = 0;
        if (f && fscanf(f, "%*d %*s %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
                        &st) == 2)
            cpu[k] = ut + st;
        if (f)
            fclose(f);
        if (k == 0) {
            struct timespec t = {slow / 2, slow % 2 * 500 * 1000 * 1000};
            nanosleep(&t, NULL);
        }
    }
    CHECK_MSG(cpu[1] - cpu[0] < 15ul * (unsigned long)slow,
              "%s: server used %lu ticks in %.1f s while out of descriptors", ts_mode_names[mode],
              cpu[1] - cpu[0], 0.5 * (double)slow);
    for (int i = 0; i < N; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    struct tc_reply r;
    tc_get(port, "/again", &r);
    CHECK_MSG(r.status == 200, "%s: not serving after descriptors freed up", ts_mode_names[mode]);
    tc_reply_free(&r);
    /* SIGKILL: a wrapper such as valgrind would report the threads that a
     * catchable signal leaves behind as leaks. */
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static void test_reuseport(void)
{
    struct MHD_Daemon *a = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                                            handler, NULL, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
                                            MHD_OPTION_END);
    CHECK(a != NULL);
    if (a == NULL)
        return;
    uint16_t port = MHD_get_daemon_info(a, MHD_DAEMON_INFO_BIND_PORT)->port;
    struct MHD_Daemon *b = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, port, NULL, NULL,
                                            handler, NULL, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
                                            MHD_OPTION_END);
    CHECK(b != NULL);
    struct MHD_Daemon *c = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, port, NULL, NULL,
                                            handler, NULL, MHD_OPTION_END);
    CHECK(c == NULL); /* without SO_REUSEPORT the port is taken */
    MHD_stop_daemon(b);
    MHD_stop_daemon(a);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    /* First, while no thread of this process exists. */
    TS_FOR_EACH_MODE(mode)
    test_emfile(mode);
    TS_FOR_EACH_MODE(mode)
    {
        unsigned long failed_before = check_failed_;
        if (mode == TS_POOL_SELECT || mode == TS_POOL_POLL || mode == TS_POOL_EPOLL)
            test_pool_spread(mode);
        test_conn_limit(mode);
        test_per_ip(mode);
        test_hoarding_handler(mode);
        test_stop_under_load(mode);
        test_handover(mode);
        if (mode == TS_INT_EPOLL || mode == TS_EXT_SELECT || mode == TS_POOL_POLL ||
            mode == TS_TPC_POLL)
            test_slowloris(mode);
        printf("mode %-12s %s\n", ts_mode_names[mode],
               check_failed_ == failed_before ? "ok" : "FAIL");
    }
    test_reuseport();
    curl_global_cleanup();
    return check_done();
}
