/* Protocol upgrade in every thread mode: the 101 reply, the socket and the
 * bytes the client sent right behind the request handed to the application,
 * a bidirectional echo over the upgraded socket (small messages and a
 * stream of megabytes both ways at once), MHD_UPGRADE_ACTION_CORK_ON/OFF
 * seen on the socket, CLOSE (once only), the completion notifications, the
 * refusals (HTTP/1.0, no MHD_ALLOW_UPGRADE), and MHD_stop_daemon with
 * upgraded connections still open: it returns promptly, the application's
 * threads blocked on their sockets wake up and may still close their
 * handles. In thread-per-connection modes the upgrade handler may also run
 * the whole protocol itself. Over TLS (TEST_TLS=1) the application's socket
 * is its end of the library's relay instead of the client's TCP socket;
 * corking applies to that TCP socket. */
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bodies.h"
#include "check.h"
#include "client.h"
#include "rawhttp.h"
#include "testsrv.h"
#include "tlstest.h"

#define MAX_SESSIONS 16

/* One upgraded connection on the application's side. */
struct session {
    MHD_socket sock;
    struct MHD_UpgradeResponseHandle *urh;
    char extra[4096];
    size_t extra_len;
    bool req_cls_ok;
    bool sock_ok; /* the socket is the connection's (over TLS: the relay's) */
    int tcp_fd;   /* the connection's TCP socket, where corking shows */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t threads[MAX_SESSIONS];
static int n_threads;
static atomic_uint cork_ok, cork_bad;   /* CORK actions and what the socket says */
static atomic_uint closes_ok, closes_bad;
static atomic_uint completed_ok, completed_other, conns_closed;
static atomic_uint double_close_ok;
static struct MHD_Response *up_resp; /* shared by every /up request */

static int tcp_cork(int fd)
{
    int v = -1;
    socklen_t l = sizeof(v);
    getsockopt(fd, IPPROTO_TCP, TCP_CORK, &v, &l);
    return v;
}

/* Echoes until the client is done, corking around each reply. */
static void echo(struct session *s)
{
    int fl = fcntl(s->sock, F_GETFL);
    fcntl(s->sock, F_SETFL, fl & ~O_NONBLOCK);
    if (s->extra_len)
        send(s->sock, s->extra, s->extra_len, MSG_NOSIGNAL);
    char buf[16384];
    unsigned int round = 0;
    for (;;) {
        ssize_t n = recv(s->sock, buf, sizeof(buf), 0);
        if (n <= 0)
            break;
        if (round++ % 8 == 0) {
            bool on = MHD_upgrade_action(s->urh, MHD_UPGRADE_ACTION_CORK_ON) == MHD_YES &&
                      tcp_cork(s->tcp_fd) == 1;
            if (send(s->sock, buf, (size_t)n, MSG_NOSIGNAL) != n)
                break;
            bool off = MHD_upgrade_action(s->urh, MHD_UPGRADE_ACTION_CORK_OFF) == MHD_YES &&
                       tcp_cork(s->tcp_fd) == 0;
            atomic_fetch_add(on && off ? &cork_ok : &cork_bad, 1);
        } else if (send(s->sock, buf, (size_t)n, MSG_NOSIGNAL) != n) {
            break;
        }
    }
    bool ok = MHD_upgrade_action(s->urh, MHD_UPGRADE_ACTION_CLOSE) == MHD_YES;
    atomic_fetch_add(ok && s->req_cls_ok && s->sock_ok ? &closes_ok : &closes_bad, 1);
    free(s);
}

static void *echo_thread(void *arg)
{
    echo(arg);
    return NULL;
}

static void on_upgrade(void *cls, struct MHD_Connection *c, void *req_cls, const char *extra_in,
                       size_t extra_in_size, MHD_socket sock,
                       struct MHD_UpgradeResponseHandle *urh)
{
    const char *mode = cls;
    struct session *s = calloc(1, sizeof(*s));
    s->sock = sock;
    s->urh = urh;
    if (extra_in_size > 0 && extra_in_size <= sizeof(s->extra)) {
        memcpy(s->extra, extra_in, extra_in_size);
        s->extra_len = extra_in_size;
    }
    s->req_cls_ok = req_cls != NULL && strcmp(req_cls, "request state") == 0;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    s->tcp_fd = ci != NULL ? ci->connect_fd : -1;
    s->sock_ok = ci != NULL && (tt_on() ? ci->connect_fd != sock && sock >= 0
                                        : ci->connect_fd == sock);
    if (strcmp(mode, "close") == 0) {
        /* Done at once; a second close is refused, and so is corking. */
        bool first = MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE) == MHD_YES;
        bool second = MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE) == MHD_NO;
        if (first && second && s->req_cls_ok && s->sock_ok)
            atomic_fetch_add(&double_close_ok, 1);
        free(s);
        return;
    }
    if (strcmp(mode, "block") == 0) {
        echo(s); /* allowed with a thread per connection */
        return;
    }
    pthread_mutex_lock(&lock);
    if (n_threads < MAX_SESSIONS && pthread_create(&threads[n_threads], NULL, echo_thread, s) == 0)
        n_threads++;
    else
        free(s);
    pthread_mutex_unlock(&lock);
}

static void join_sessions(void)
{
    pthread_mutex_lock(&lock);
    int n = n_threads;
    n_threads = 0;
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
}

static enum MHD_Result refuse(struct MHD_Connection *c)
{
    static const char msg[] = "no upgrade";
    struct MHD_Response *r = MHD_create_response_from_buffer_static(sizeof(msg) - 1, msg);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_BAD_REQUEST, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)method;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    if (*req_cls == NULL) {
        *req_cls = strdup("request state");
        return MHD_YES;
    }
    const char *proto = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Upgrade");
    if (proto == NULL || strcmp(proto, "test-proto") != 0)
        return refuse(c);
    struct MHD_Response *r = up_resp;
    if (strcmp(url, "/up") != 0) {
        /* "/close" or "/block": a response of their own. */
        static char modes[2][8] = {"close", "block"};
        r = MHD_create_response_for_upgrade(on_upgrade, strcmp(url, "/close") == 0 ? modes[0]
                                                                                 : modes[1]);
        MHD_add_response_header(r, "Upgrade", "test-proto");
    }
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_SWITCHING_PROTOCOLS, r);
    if (r != up_resp)
        MHD_destroy_response(r);
    return ret == MHD_YES ? MHD_YES : refuse(c);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    free(*req_cls);
    *req_cls = NULL;
    atomic_fetch_add(toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? &completed_ok : &completed_other,
                     1);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    (void)c;
    (void)socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_CLOSED)
        atomic_fetch_add(&conns_closed, 1);
}

/* Connects, asks for an upgrade with `extra` right behind the request in the
 * same packet, and checks the 101 head. Returns the socket, -1 on failure. */
static int upgrade(uint16_t port, const char *path, const char *extra)
{
    int fd = rs_connect(port);
    char req[8192];
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\n"
                     "Upgrade: test-proto\r\n\r\n%s",
                     path, extra);
    rs_send(fd, req, (size_t)n);
    char head[2048];
    size_t len = rs_recv_until(fd, head, sizeof(head), "\r\n\r\n", 5000);
    struct hr_reply h;
    bool ok = hr_parse(head, len, false, true, &h);
    char v[64];
    CHECK_MSG(ok && strncmp(h.head, "HTTP/1.1 101 Switching Protocols\r\n", 34) == 0,
              "%s: got %s", path, head);
    CHECK(hr_field(&h, "Upgrade", v, sizeof(v)) && strcmp(v, "test-proto") == 0);
    CHECK(hr_field(&h, "Connection", v, sizeof(v)) && strcasecmp(v, "Upgrade") == 0);
    CHECK(!hr_field(&h, "Content-Length", v, sizeof(v)));
    CHECK(!hr_field(&h, "Transfer-Encoding", v, sizeof(v)));
    hr_free(&h);
    if (!ok) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads exactly len bytes (bounded in time). */
static bool read_exact(int fd, char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 5000) <= 0)
            return false;
        ssize_t n = recv(fd, buf + got, len - got, 0);
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    return true;
}

static bool sees_eof(int fd)
{
    char c;
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 5000) == 1 && recv(fd, &c, 1, 0) == 0;
}

/* Sends `len` bytes and reads the echo at the same time. */
static bool stream(int fd, size_t len)
{
    static char out[65536], in[65536];
    size_t sent = 0, got = 0;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    bool ok = true;
    while (ok && got < len) {
        struct pollfd p = {fd, (short)(POLLIN | (sent < len ? POLLOUT : 0)), 0};
        if (poll(&p, 1, 5000) <= 0) {
            ok = false;
            break;
        }
        if ((p.revents & POLLOUT) && sent < len) {
            size_t k = len - sent < sizeof(out) ? len - sent : sizeof(out);
            for (size_t i = 0; i < k; i++)
                out[i] = (char)((sent + i) * 31 >> 3);
            ssize_t n = send(fd, out, k, MSG_NOSIGNAL);
            if (n > 0)
                sent += (size_t)n;
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = recv(fd, in, sizeof(in), 0);
            if (n <= 0) {
                ok = false;
                break;
            }
            for (ssize_t i = 0; i < n && ok; i++)
                ok = in[i] == (char)((got + (size_t)i) * 31 >> 3);
            got += (size_t)n;
        }
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return ok && got == len;
}

/* The echo, from the pipelined bytes to the end. */
static void test_echo(uint16_t port, const char *path)
{
    char extra[3001];
    for (size_t i = 0; i < sizeof(extra) - 1; i++)
        extra[i] = (char)('a' + i % 26);
    extra[sizeof(extra) - 1] = '\0';
    int fd = upgrade(port, path, extra);
    if (fd < 0)
        return;
    char buf[4096];
    CHECK(read_exact(fd, buf, sizeof(extra) - 1) && memcmp(buf, extra, sizeof(extra) - 1) == 0);
    for (size_t n = 1; n <= 4000; n = n * 3 + 1) {
        memset(buf, (int)('A' + n % 26), n);
        rs_send(fd, buf, n);
        char back[4096];
        CHECK(read_exact(fd, back, n) && memcmp(back, buf, n) == 0);
    }
    CHECK(stream(fd, (size_t)3 << 20));
    shutdown(fd, SHUT_WR);
    CHECK(sees_eof(fd));
    close(fd);
}

/* The server ends at once; the client sees the 101 and then the end. */
static void test_close_now(uint16_t port)
{
    unsigned int before = atomic_load(&double_close_ok);
    int fd = upgrade(port, "/close", "");
    if (fd < 0)
        return;
    CHECK(sees_eof(fd));
    close(fd);
    CHECK_EQ_INT(atomic_load(&double_close_ok), before + 1);
}

static void test_refusals(uint16_t port)
{
    struct hr_reply h;
    CHECK(hr_exchange(port,
                      "GET /up HTTP/1.0\r\nConnection: Upgrade\r\nUpgrade: test-proto\r\n\r\n",
                      false, &h));
    CHECK_EQ_INT(h.status, 400);
    hr_free(&h);
    CHECK(hr_exchange(port, "GET /up HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false,
                      &h));
    CHECK_EQ_INT(h.status, 400);
    hr_free(&h);
}

static bool start(struct test_server *ts, enum ts_mode mode, unsigned int flags)
{
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, 1, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    atomic_store(&completed_ok, 0);
    atomic_store(&completed_other, 0);
    atomic_store(&conns_closed, 0);
    atomic_store(&closes_ok, 0);
    atomic_store(&closes_bad, 0);
    if (ts_start(ts, mode, flags, handler, NULL, opts))
        return true;
    CHECK_MSG(0, "start in mode %s", ts_mode_names[mode]);
    return false;
}

/* Stops the daemon while upgraded connections are open (their handlers
 * waiting in recv(), or, with `path` "/block", the handler itself). */
static void test_stop_with_open(enum ts_mode mode, const char *path)
{
    struct test_server ts;
    if (!start(&ts, mode, MHD_ALLOW_UPGRADE))
        return;
    int fds[3];
    for (int i = 0; i < 3; i++) {
        fds[i] = upgrade(ts.port, path, "ping");
        char buf[4];
        CHECK(fds[i] >= 0 && read_exact(fds[i], buf, 4) && memcmp(buf, "ping", 4) == 0);
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ts_stop(&ts);
    double ms = tb_ms_since(&t0);
    CHECK_MSG(ms < 2000, "%s: stopping took %.0f ms", ts_mode_names[mode], ms);
    join_sessions();
    /* Every handler woke up and closed its handle, before or after the
     * daemon was gone; the clients saw the end. */
    CHECK_EQ_INT(atomic_load(&closes_ok), 3);
    for (int i = 0; i < 3; i++) {
        if (fds[i] >= 0) {
            CHECK(sees_eof(fds[i]));
            close(fds[i]);
        }
    }
    CHECK_EQ_INT(atomic_load(&completed_ok) + atomic_load(&completed_other), 3);
    CHECK_EQ_INT(atomic_load(&conns_closed), 3);
}

static void run_mode(enum ts_mode mode)
{
    unsigned long failed_before = check_failed_;
    up_resp = MHD_create_response_for_upgrade(on_upgrade, "thread");
    CHECK(MHD_add_response_header(up_resp, "Upgrade", "test-proto") == MHD_YES);
    CHECK(MHD_add_response_header(up_resp, "Connection", "close") == MHD_NO);
    struct test_server ts;
    if (!start(&ts, mode, MHD_ALLOW_UPGRADE)) {
        MHD_destroy_response(up_resp);
        return;
    }
    atomic_store(&cork_ok, 0);
    atomic_store(&cork_bad, 0);
    test_echo(ts.port, "/up");
    test_echo(ts.port, "/up"); /* the shared response again */
    bool tpc = mode == TS_TPC_SELECT || mode == TS_TPC_POLL;
    if (tpc)
        test_echo(ts.port, "/block");
    test_close_now(ts.port);
    test_refusals(ts.port);
    unsigned int sessions = tpc ? 4 : 3;
    CHECK(tb_wait_count(&closes_ok, tpc ? 3 : 2, 3000));
    CHECK(tb_wait_count(&conns_closed, sessions + 2, 3000));
    ts_stop(&ts);
    join_sessions();
    CHECK_EQ_INT(atomic_load(&closes_ok), sessions - 1);
    CHECK_EQ_INT(atomic_load(&closes_bad), 0);
    CHECK(atomic_load(&cork_ok) > 0);
    CHECK_EQ_INT(atomic_load(&cork_bad), 0);
    CHECK_EQ_INT(atomic_load(&completed_ok), sessions + 2);
    CHECK_EQ_INT(atomic_load(&completed_other), 0);
    MHD_destroy_response(up_resp);

    up_resp = MHD_create_response_for_upgrade(on_upgrade, "thread");
    MHD_add_response_header(up_resp, "Upgrade", "test-proto");
    test_stop_with_open(mode, "/up");
    if (tpc)
        test_stop_with_open(mode, "/block");
    /* Without MHD_ALLOW_UPGRADE a 101 cannot be queued. */
    if (start(&ts, mode, 0)) {
        test_refusals(ts.port);
        struct hr_reply h;
        CHECK(hr_exchange(ts.port,
                          "GET /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                          "Upgrade: test-proto\r\n\r\n",
                          false, &h));
        CHECK_EQ_INT(h.status, 400);
        hr_free(&h);
        ts_stop(&ts);
    }
    MHD_destroy_response(up_resp);
    printf("mode %-12s %s\n", ts_mode_names[mode], check_failed_ == failed_before ? "ok" : "FAIL");
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CHECK(MHD_create_response_for_upgrade(NULL, NULL) == NULL);
    CHECK(MHD_upgrade_action(NULL, MHD_UPGRADE_ACTION_CLOSE) == MHD_NO);
    TS_FOR_EACH_MODE(mode)
    run_mode(mode);
    curl_global_cleanup();
    return check_done();
}
