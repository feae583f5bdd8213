/* Draining a quiesced daemon (MHD_quiesce_daemon), in every mode and, in
 * the run over TLS, over HTTPS:
 *
 *   - a request in the handler at the quiesce is answered with
 *     "Connection: close", then the connection ends cleanly;
 *   - a request that is already on its way when the daemon quiesces is
 *     answered, then the connection ends cleanly;
 *   - an idle keep-alive connection is closed without being asked, and a
 *     request the client sends after the server's end of data is read (no
 *     reset) but never reaches the handler;
 *   - no connection is accepted after the quiesce, and
 *     MHD_DAEMON_INFO_CURRENT_CONNECTIONS reaches 0;
 *   - keep-alive clients hammering a daemon whose listen socket is handed
 *     to a new daemon see every request answered, and the old daemon
 *     drains.
 *
 * The order of events is made by the test, never by sleeping: the handler
 * holds a request until the quiesce has returned, and requests are sent
 * before the quiesce or after the client has seen the server's end. */
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "rawhttp.h"
#include "slow.h"
#include "testsrv.h"
#include "tlstest.h"

/* The handler holds a request for /block until the gate opens. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_entered;
static bool gate_open;

static atomic_int late_calls; /* requests for /late that reached the handler */
static atomic_int new_calls;  /* requests for /new (sent after the quiesce) */

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)method;
    (void)version;
    (void)upload_data;
    if (ts_first_call(req_cls)) {
        if (strcmp(url, "/late") == 0)
            atomic_fetch_add(&late_calls, 1);
        if (strcmp(url, "/new") == 0)
            atomic_fetch_add(&new_calls, 1);
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/block") == 0) {
        struct timespec until;
        ts_deadline(&until, (int)test_ms(10000));
        pthread_mutex_lock(&gate_lock);
        gate_entered++;
        pthread_cond_broadcast(&gate_cond);
        while (!gate_open && pthread_cond_timedwait(&gate_cond, &gate_lock, &until) == 0)
            ;
        pthread_mutex_unlock(&gate_lock);
    }
    return ts_reply(c, MHD_HTTP_OK, "ok");
}

static unsigned int current_connections(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return i != NULL ? i->num_connections : 9999;
}

/* Waits (bounded) until the daemon holds no connection. */
static bool wait_drained(struct MHD_Daemon *d)
{
    uint64_t until = ts_now_ms() + (uint64_t)test_ms(10000);
    while (current_connections(d) != 0) {
        if (ts_now_ms() > until)
            return false;
        struct timespec t = {0, 2 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
    return true;
}

/* How a connection ended, as its client sees it. */
enum end { END_EOF, END_RESET, END_DATA, END_TIMEOUT };
static const char *const end_names[] = {"end of data", "reset", "more data", "nothing"};

static enum end wait_end(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, (int)test_ms(ms)) <= 0)
        return END_TIMEOUT;
    char b[256];
    ssize_t n = recv(fd, b, sizeof(b), 0);
    if (n == 0)
        return END_EOF;
    return n < 0 ? END_RESET : END_DATA;
}

/* The error a reset left on the socket (0: none). */
static int so_error(int fd)
{
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    return err;
}

static bool send_get(int fd, const char *path)
{
    char req[128];
    int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path);
    return rs_send(fd, req, (size_t)n);
}

/* Reads one reply: its status, and whether it said "Connection: close". */
static int read_reply(int fd, bool *says_close)
{
    struct hr_reply r;
    if (!hr_read_reply(fd, false, (int)test_ms(5000), &r))
        return 0;
    char v[32];
    *says_close = hr_field(&r, "Connection", v, sizeof(v)) && strcasecmp(v, "close") == 0;
    int status = r.status;
    hr_free(&r);
    return status;
}

/* One keep-alive exchange that must leave the connection open. */
static bool exchange(int fd, const char *path)
{
    bool says_close = true;
    return send_get(fd, path) && read_reply(fd, &says_close) == 200 && !says_close;
}

/* A plain TCP client (never TLS): its handshake would wait for an accept. */
static int plain_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void reset_gate(void)
{
    pthread_mutex_lock(&gate_lock);
    gate_entered = 0;
    gate_open = false;
    pthread_mutex_unlock(&gate_lock);
}

static void open_gate(void)
{
    pthread_mutex_lock(&gate_lock);
    gate_open = true;
    pthread_cond_broadcast(&gate_cond);
    pthread_mutex_unlock(&gate_lock);
}

/* Three connections at the moment of the quiesce: `busy` inside the
 * handler, `arriving` with a request sent just before, `idle` between
 * requests. Then a client that connects after the quiesce. */
static void test_drain(enum ts_mode mode)
{
    const char *m = ts_mode_names[mode];
    struct test_server ts;
    if (!ts_start(&ts, mode, MHD_USE_ITC, handler, NULL, NULL))
        return;
    reset_gate();
    atomic_store(&late_calls, 0);
    atomic_store(&new_calls, 0);
    int busy = rs_connect(ts.port), arriving = rs_connect(ts.port), idle = rs_connect(ts.port);
    CHECK_MSG(busy >= 0 && arriving >= 0 && idle >= 0, "%s: connect", m);
    if (busy < 0 || arriving < 0 || idle < 0)
        goto out;
    CHECK_MSG(exchange(arriving, "/a") && exchange(idle, "/i"), "%s: first requests", m);
    send_get(busy, "/block");
    CHECK_MSG(ts_wait_count(&gate_lock, &gate_cond, &gate_entered, 1, (int)test_ms(5000)),
              "%s: the handler did not get /block", m);
    send_get(arriving, "/a2");

    MHD_socket lfd = MHD_quiesce_daemon(ts.d);
    CHECK_MSG(lfd != MHD_INVALID_SOCKET, "%s: quiesce refused", m);
    int late = plain_connect(ts.port); /* waits in the backlog: never accepted */
    if (late >= 0)
        send_get(late, "/new");
    open_gate();

    bool says_close = false;
    int st = read_reply(busy, &says_close);
    CHECK_MSG(st == 200 && says_close, "%s: busy: status %d, close %d", m, st, says_close);
    /* Each client ends its side when it sees the server's, as clients do:
     * the server reads until then. */
    enum end e = wait_end(busy, 5000);
    CHECK_MSG(e == END_EOF, "%s: busy ended with %s", m, end_names[e]);
    shutdown(busy, SHUT_WR);

    st = read_reply(arriving, &says_close);
    CHECK_MSG(st == 200, "%s: the request sent with the quiesce got %d", m, st);
    e = wait_end(arriving, 5000);
    CHECK_MSG(e == END_EOF, "%s: arriving ended with %s", m, end_names[e]);
    shutdown(arriving, SHUT_WR);

    /* The idle connection is closed by the server; a request sent after
     * its end of data is read and dropped, and never applied. */
    e = wait_end(idle, 5000);
    CHECK_MSG(e == END_EOF, "%s: idle ended with %s", m, end_names[e]);
    send_get(idle, "/late");
    shutdown(idle, SHUT_WR);

    CHECK_MSG(wait_drained(ts.d), "%s: %u connections left", m, current_connections(ts.d));
    CHECK_MSG(atomic_load(&late_calls) == 0, "%s: a request after the end reached the handler", m);
    CHECK_MSG(atomic_load(&new_calls) == 0, "%s: a connection was accepted after the quiesce", m);
    CHECK_MSG(so_error(busy) == 0 && so_error(arriving) == 0 && so_error(idle) == 0,
              "%s: a connection was reset (%d %d %d)", m, so_error(busy), so_error(arriving),
              so_error(idle));
    ts_stop(&ts);
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd);
    if (late >= 0)
        close(late);
out:
    open_gate();
    ts_stop(&ts);
    close(busy);
    close(arriving);
    close(idle);
}

/* ---- hand-over under keep-alive load ------------------------------------ */

struct load {
    uint16_t port;
    atomic_bool stop;
    atomic_int done;
    atomic_int failed;
    atomic_int closed;  /* replies that said close, each followed by a clean end */
    atomic_int crossed; /* unanswered on a reused connection after the server's end */
};

static void *load_main(void *arg)
{
    struct load *l = arg;
    int fd = -1;
    bool reused = false;
    while (!atomic_load(&l->stop)) {
        if (fd < 0) {
            fd = rs_connect(l->port);
            reused = false;
            if (fd < 0) {
                atomic_fetch_add(&l->failed, 1);
                continue;
            }
        }
        bool says_close = false;
        int st = send_get(fd, "/") ? read_reply(fd, &says_close) : 0;
        if (st == 0 && reused && so_error(fd) == 0 && wait_end(fd, 0) == END_EOF) {
            /* The server closed the idle connection as the request left
             * (RFC 9112, 9.3.1: the client may send it again). */
            atomic_fetch_add(&l->crossed, 1);
        } else if (st != 200) {
            atomic_fetch_add(&l->failed, 1);
            fprintf(stderr, "load: status %d\n", st);
        } else {
            atomic_fetch_add(&l->done, 1);
            reused = true;
            if (!says_close)
                continue;
            enum end e = wait_end(fd, 5000);
            if (e == END_EOF && so_error(fd) == 0) {
                atomic_fetch_add(&l->closed, 1);
            } else {
                atomic_fetch_add(&l->failed, 1);
                fprintf(stderr, "load: after close: %s\n", end_names[e]);
            }
        }
        close(fd);
        fd = -1;
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

static void wait_done(struct load *l, int want)
{
    uint64_t until = ts_now_ms() + (uint64_t)test_ms(10000);
    while (atomic_load(&l->done) < want && ts_now_ms() < until) {
        struct timespec t = {0, 1000 * 1000};
        nanosleep(&t, NULL);
    }
}

static struct MHD_Daemon *start_successor(MHD_socket fd)
{
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)(uintptr_t)tt_file("server.key")},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)(uintptr_t)tt_file("server-chain.pem")},
        {MHD_OPTION_END, 0, NULL},
    };
    if (!tt_on())
        tls[0].option = MHD_OPTION_END;
    return MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | (tt_on() ? MHD_USE_TLS : 0), 0, NULL,
        NULL, handler, NULL, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
}

static void test_handover(enum ts_mode mode)
{
    const char *m = ts_mode_names[mode];
    struct test_server ts;
    if (!ts_start(&ts, mode, MHD_USE_ITC, handler, NULL, NULL))
        return;
    enum { CLIENTS = 4 };
    int per_phase = (int)test_scaled("requests per phase", 400, 80);
    struct load l = {.port = ts.port};
    pthread_t t[CLIENTS];
    for (int i = 0; i < CLIENTS; i++)
        pthread_create(&t[i], NULL, load_main, &l);
    wait_done(&l, per_phase);
    MHD_socket fd = MHD_quiesce_daemon(ts.d);
    CHECK_MSG(fd != MHD_INVALID_SOCKET, "%s: quiesce refused", m);
    struct MHD_Daemon *d2 = start_successor(fd);
    CHECK_MSG(d2 != NULL, "%s: the successor did not start", m);
    uint64_t t0 = ts_now_ms();
    CHECK_MSG(wait_drained(ts.d), "%s: %u connections left", m, current_connections(ts.d));
    uint64_t drain_ms = ts_now_ms() - t0;
    ts_stop(&ts);
    wait_done(&l, atomic_load(&l.done) + per_phase);
    atomic_store(&l.stop, true);
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(t[i], NULL);
    MHD_stop_daemon(d2);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    printf("hand-over %-12s %d answered, %d closed by the drain, %d crossed, %d failed, "
           "drained in %llu ms\n",
           m, atomic_load(&l.done), atomic_load(&l.closed), atomic_load(&l.crossed),
           atomic_load(&l.failed), (unsigned long long)drain_ms);
    CHECK_EQ_INT(atomic_load(&l.failed), 0);
    CHECK_MSG(atomic_load(&l.closed) >= 1, "%s: no reply said close", m);
    /* A busy client sends its next request well within the quiet time the
     * drain leaves it; under a slow wrapper it may not. */
    if (test_slow() == 1)
        CHECK_EQ_INT(atomic_load(&l.crossed), 0);
}

int main(void)
{
    TS_FOR_EACH_MODE(mode)
    {
        test_drain(mode);
        test_handover(mode);
    }
    return check_done();
}
