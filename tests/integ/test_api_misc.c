/* The rest of the core API through real requests: MHD_add_connection (with
 * and without a listen socket), IPv6 and dual stack, the URI-log and
 * unescape callbacks, values set by the application, connection info (kept
 * from an idle connection too) and per-connection timeouts, suspend/resume
 * from another thread, the accept policy, and responses of every body
 * kind. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "testsrv.h"

static atomic_int uri_logged;
static atomic_int refused;

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    if (strcmp(uri, "/log%20me?a=%41") == 0)
        atomic_fetch_add(&uri_logged, 1);
    return (void *)(uintptr_t)0x5a;
}

static size_t upper_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'a' && s[i] <= 'z')
            s[i] = (char)(s[i] - 32);
    return n;
}

static enum MHD_Result deny_policy(void *cls, const struct sockaddr *addr, socklen_t len)
{
    (void)cls;
    (void)addr;
    (void)len;
    atomic_fetch_add(&refused, 1);
    return MHD_NO;
}

/* Suspended requests wait here for the resumer thread. */
struct parked {
    pthread_mutex_t lock;
    struct MHD_Connection *conn[64];
    int n;
};
static struct parked parked = {PTHREAD_MUTEX_INITIALIZER, {0}, 0};

static ssize_t counter_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)cls;
    if (pos >= 100000)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = 0;
    while (n < max && pos + n < 100000) {
        buf[n] = (char)('0' + (pos + n) % 10);
        n++;
    }
    return (ssize_t)n;
}

static struct MHD_Response *body_for(const char *url)
{
    static const char part1[] = "iov-";
    static const char part2[] = "body";
    if (strcasecmp(url, "/iovec") == 0) {
        struct MHD_IoVec iov[3] = {{part1, 4}, {NULL, 0}, {part2, 4}};
        return MHD_create_response_from_iovec(iov, 3, NULL, NULL);
    }
    if (strcasecmp(url, "/callback") == 0)
        return MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1000, counter_reader, NULL,
                                                 NULL);
    if (strcasecmp(url, "/callback-sized") == 0)
        return MHD_create_response_from_callback(100000, 777, counter_reader, NULL, NULL);
    if (strcasecmp(url, "/file") == 0) {
        char path[] = "/tmp/mhd-test-XXXXXX";
        int fd = mkstemp(path);
        unlink(path);
        if (write(fd, "0123456789file-content", 22) != 22)
            return NULL;
        return MHD_create_response_from_fd_at_offset64(12, fd, 10);
    }
    if (strcasecmp(url, "/pipe") == 0) {
        int p[2];
        if (pipe(p) != 0 || write(p[1], "through a pipe", 14) != 14)
            return NULL;
        close(p[1]);
        return MHD_create_response_from_pipe(p[0]);
    }
    return NULL;
}

/* MHD_get_connection_info on a connection without a request (in the
 * connection-started notification; idle between keep-alive requests): the
 * answers the application keeps stay valid, in their own slots, for the
 * connection's life; what belongs to a request is absent. */
struct info_record {
    const union MHD_ConnectionInfo *addr, *daemon, *fd, *timeout;
    int family;
    int sock;
    struct MHD_Daemon *d;
};
static atomic_int info_bad;
static atomic_int info_started;
static atomic_int info_closed;

/* The kept answers still say what they said when taken. */
static bool info_intact(const struct info_record *ir)
{
    return ir->addr != NULL && ir->daemon != NULL && ir->fd != NULL && ir->timeout != NULL &&
           ir->addr->client_addr->sa_family == ir->family && ir->fd->connect_fd == ir->sock &&
           ir->daemon->daemon == ir->d;
}

/* ... and a call now answers in the same slot. */
static bool info_same_slots(struct MHD_Connection *c, const struct info_record *ir)
{
    return MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS) == ir->addr &&
           MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD) == ir->fd &&
           MHD_get_connection_info(c, MHD_CONNECTION_INFO_DAEMON) == ir->daemon &&
           MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_TIMEOUT) == ir->timeout;
}

/* Nothing of a request while there is none. */
static bool info_no_request(struct MHD_Connection *c)
{
    return MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE) == NULL &&
           MHD_get_connection_info(c, MHD_CONNECTION_INFO_HTTP_STATUS) == NULL &&
           MHD_get_connection_info(c, (enum MHD_ConnectionInfoType)12) == NULL &&
           MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host") == NULL &&
           MHD_get_connection_values(c, MHD_HEADER_KIND, NULL, NULL) == 0 &&
           MHD_set_connection_value(c, MHD_HEADER_KIND, "X-Idle", "no") == MHD_NO;
}

static void info_on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                               enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    struct info_record *ir = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        ir = calloc(1, sizeof(*ir));
        ir->addr = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        ir->daemon = MHD_get_connection_info(c, MHD_CONNECTION_INFO_DAEMON);
        ir->fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        ir->timeout = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_TIMEOUT);
        ir->family = ir->addr != NULL ? ir->addr->client_addr->sa_family : -1;
        ir->sock = ir->fd != NULL ? ir->fd->connect_fd : -1;
        ir->d = ir->daemon != NULL ? ir->daemon->daemon : NULL;
        if (ir->family != AF_INET || ir->sock < 0 || ir->d == NULL || !info_intact(ir) ||
            !info_no_request(c))
            atomic_fetch_add(&info_bad, 1);
        *socket_context = ir;
        atomic_fetch_add(&info_started, 1);
        return;
    }
    if (ir == NULL || !info_intact(ir) || !info_same_slots(c, ir))
        atomic_fetch_add(&info_bad, 1);
    free(ir);
    *socket_context = NULL;
    atomic_fetch_add(&info_closed, 1);
}

/* The answer to /idle-info: "ok" when the connection's record (kept since
 * it started; over HTTP/2 the request is a stream of its own and the
 * record is its carrier's) is intact and the request's own answers are
 * there, each in its slot. */
static struct MHD_Response *idle_info_reply(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ctx =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    const struct info_record *ir = ctx != NULL ? ctx->socket_context : NULL;
    const union MHD_ConnectionInfo *hs =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    const union MHD_ConnectionInfo *addr =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const char *verdict = "ok";
    if (ir == NULL || !info_intact(ir))
        verdict = "record";
    else if (hs == NULL || hs->header_size == 0)
        verdict = "header-size";
    else if (addr == NULL || addr->client_addr->sa_family != ir->family ||
             MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS) != addr ||
             MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE) != hs)
        verdict = "slots";
    return MHD_create_response_from_buffer_copy(strlen(verdict), verdict);
}

/* Three requests on one keep-alive connection, idle in between. */
static void test_idle_info(uint16_t port)
{
    CURL *curl = curl_easy_init();
    for (int i = 0; i < 3; i++) {
        struct tc_request rq = {.path = "/idle-info"};
        struct tc_reply r;
        tc_perform(curl, port, &rq, &r);
        CHECK_EQ_INT(r.status, 200);
        CHECK_MSG(r.body != NULL && strcmp(r.body, "ok") == 0, "request %d: %s", i,
                  r.body ? r.body : "(none)");
        if (i > 0)
            CHECK_EQ_INT(r.connects, 0); /* the same connection */
        tc_reply_free(&r);
        usleep(20000);
    }
    curl_easy_cleanup(curl);
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
    char out[512];
    if (*req_cls == NULL || *req_cls == (void *)(uintptr_t)0x5a) {
        int seen_log = *req_cls != NULL;
        *req_cls = (void *)(uintptr_t)(seen_log ? 2 : 1);
        return MHD_YES;
    }
    if (strcasecmp(url, "/suspend") == 0 && *req_cls != (void *)(uintptr_t)3) {
        /* Suspended in the final call, answered after the resume. */
        *req_cls = (void *)(uintptr_t)3;
        pthread_mutex_lock(&parked.lock);
        parked.conn[parked.n++] = c;
        pthread_mutex_unlock(&parked.lock);
        MHD_suspend_connection(c);
        return MHD_YES;
    }
    struct MHD_Response *r =
        strcasecmp(url, "/idle-info") == 0 ? idle_info_reply(c) : body_for(url);
    if (r == NULL) {
        MHD_set_connection_value(c, MHD_HEADER_KIND, "X-Added", "by-app");
        const char *added = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-added");
        const union MHD_ConnectionInfo *to =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_TIMEOUT);
        unsigned int before = to ? to->connection_timeout : 99u;
        const union MHD_ConnectionInfo *hs =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
        MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, 33u);
        const union MHD_ConnectionInfo *to2 =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_TIMEOUT);
        const char *a = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "a");
        snprintf(out, sizeof(out), "%s|%s|%s|%u|%u|%zu|%d", url, a ? a : "-", added ? added : "-",
                 before, to2 ? to2->connection_timeout : 99u,
                 hs ? hs->header_size : 0, (int)(uintptr_t)*req_cls);
        r = MHD_create_response_from_buffer_copy(strlen(out), out);
    }
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static void test_callbacks(enum ts_mode mode)
{
    struct test_server ts;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_log, NULL},
        {MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)upper_unescape, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, 20, NULL},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)info_on_connection, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    atomic_store(&info_bad, 0);
    atomic_store(&info_started, 0);
    atomic_store(&info_closed, 0);
    if (!ts_start(&ts, mode, MHD_ALLOW_SUSPEND_RESUME, handler, NULL, opts)) {
        CHECK(0);
        return;
    }
    atomic_store(&uri_logged, 0);
    const char req[] = "GET /log%20me?a=%41 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    char buf[4096];
    rs_exchange(ts.port, req, sizeof(req) - 1, buf, sizeof(buf), 5000);
    /* The unescape callback replaces %-decoding: it upper-cases instead. */
    CHECK_MSG(strstr(buf, "/LOG%20ME|%41|by-app|20|33|60|2") != NULL, "got %s", buf);
    CHECK_EQ_INT(atomic_load(&uri_logged), 1);

    struct tc_reply r;
    static const struct {
        const char *path;
        const char *body;
    } bodies[] = {{"/iovec", "iov-body"}, {"/file", "file-content"}, {"/pipe", "through a pipe"}};
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        tc_get(ts.port, bodies[i].path, &r);
        CHECK_EQ_INT(r.status, 200);
        CHECK_EQ_STR(r.body, bodies[i].body);
        tc_reply_free(&r);
    }
    for (int k = 0; k < 2; k++) {
        tc_get(ts.port, k ? "/callback-sized" : "/callback", &r);
        CHECK_EQ_INT(r.status, 200);
        CHECK_EQ_SIZE(r.body_len, 100000);
        int ok = r.body_len == 100000;
        for (size_t i = 0; ok && i < r.body_len; i++)
            ok = r.body[i] == (char)('0' + i % 10);
        CHECK(ok);
        char v[64];
        CHECK(tc_header(&r, k ? "Content-Length" : "Transfer-Encoding", v, sizeof(v)));
        tc_reply_free(&r);
    }
    test_idle_info(ts.port);
    ts_stop(&ts);
    /* Every connection above was looked at idle, and again when it closed. */
    CHECK(atomic_load(&info_started) >= 7);
    CHECK_EQ_INT(atomic_load(&info_closed), atomic_load(&info_started));
    CHECK_EQ_INT(atomic_load(&info_bad), 0);
}

struct resumer {
    atomic_bool stop;
    atomic_int resumed;
};

static void *resume_loop(void *arg)
{
    struct resumer *rs = arg;
    while (!atomic_load(&rs->stop)) {
        pthread_mutex_lock(&parked.lock);
        for (int i = 0; i < parked.n; i++) {
            MHD_resume_connection(parked.conn[i]);
            atomic_fetch_add(&rs->resumed, 1);
        }
        parked.n = 0;
        pthread_mutex_unlock(&parked.lock);
        sched_yield();
    }
    return NULL;
}

/* Requests suspended in their first call and resumed from another thread,
 * with a second request pipelined behind each. */
static void test_suspend(enum ts_mode mode)
{
    struct test_server ts;
    if (!ts_start(&ts, mode, MHD_ALLOW_SUSPEND_RESUME, handler, NULL, NULL)) {
        CHECK(0);
        return;
    }
    struct resumer rs;
    atomic_init(&rs.stop, false);
    atomic_init(&rs.resumed, 0);
    pthread_t t;
    pthread_create(&t, NULL, resume_loop, &rs);
    const char req[] = "GET /suspend HTTP/1.1\r\nHost: h\r\n\r\n"
                       "GET /after HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    for (int i = 0; i < 5; i++) {
        char buf[4096];
        rs_exchange(ts.port, req, sizeof(req) - 1, buf, sizeof(buf), 5000);
        CHECK_MSG(strstr(buf, "/suspend|") != NULL && strstr(buf, "/after|") != NULL, "got %s",
                  buf);
    }
    atomic_store(&rs.stop, true);
    pthread_join(t, NULL);
    CHECK(atomic_load(&rs.resumed) >= 5);
    ts_stop(&ts);
}

static void test_add_connection(enum ts_mode mode)
{
    struct test_server ts;
    if (!ts_start(&ts, mode, MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC, handler, NULL, NULL)) {
        CHECK(0);
        return;
    }
    const union MHD_DaemonInfo *li = MHD_get_daemon_info(ts.d, MHD_DAEMON_INFO_LISTEN_FD);
    CHECK(li != NULL && li->listen_fd == MHD_INVALID_SOCKET);
    for (int i = 0; i < 3; i++) {
        int sv[2];
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
        CHECK_EQ_INT(MHD_add_connection(ts.d, sv[0], NULL, 0), MHD_YES);
        const char req[] = "GET /added?a=1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
        rs_send(sv[1], req, sizeof(req) - 1);
        char buf[4096];
        bool closed;
        rs_recv(sv[1], buf, sizeof(buf), 5000, &closed);
        CHECK_MSG(strstr(buf, "/ADDED|1|by-app") != NULL || strstr(buf, "/added|1|by-app"),
                  "got %s", buf);
        CHECK(closed);
        close(sv[1]);
    }
    ts_stop(&ts);
}

static void test_ipv6_and_policy(void)
{
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_DUAL_STACK,
                                            0, NULL, NULL, handler, NULL, MHD_OPTION_END);
    CHECK(d != NULL);
    if (d == NULL)
        return;
    uint16_t port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
    struct tc_reply r;
    tc_get(port, "/v4-on-dual", &r); /* IPv4 client on the dual-stack socket */
    CHECK_EQ_INT(r.status, 200);
    tc_reply_free(&r);
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin6_family = AF_INET6;
    sa.sin6_addr = in6addr_loopback;
    sa.sin6_port = htons(port);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        const char req[] = "GET /v6 HTTP/1.1\r\nHost: [::1]\r\nConnection: close\r\n\r\n";
        rs_send(fd, req, sizeof(req) - 1);
        char buf[2048];
        rs_recv(fd, buf, sizeof(buf), 5000, NULL);
        CHECK(strstr(buf, "/v6|") != NULL);
    }
    close(fd);
    MHD_stop_daemon(d);

    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, deny_policy, NULL, handler, NULL,
                         MHD_OPTION_END);
    port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
    char buf[256];
    const char req[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    size_t n = rs_exchange(port, req, sizeof(req) - 1, buf, sizeof(buf), 5000);
    CHECK_EQ_SIZE(n, 0);
    CHECK(atomic_load(&refused) >= 1);
    MHD_stop_daemon(d);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    TS_FOR_EACH_MODE(mode)
    {
        unsigned long failed_before = check_failed_;
        test_callbacks(mode);
        test_suspend(mode);
        test_add_connection(mode);
        printf("mode %-12s %s\n", ts_mode_names[mode],
               check_failed_ == failed_before ? "ok" : "FAIL");
    }
    test_ipv6_and_policy();
    curl_global_cleanup();
    return check_done();
}
