/* Who gets in, in every mode: the accept policy callback (sees the peer's
 * address, and a refusal closes the connection before any handler runs),
 * the per-IP limit for IPv6 clients and for IPv4 clients on an IPv6 socket
 * (IPv4-mapped), the listen backlog as the kernel reports it
 * (NETLINK_SOCK_DIAG), and MHD_DAEMON_INFO_CURRENT_CONNECTIONS following
 * connections as they come and go. */
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "testsrv.h"

static atomic_int handled;

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)method;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    if (ts_first_call(req_cls))
        return MHD_YES;
    atomic_fetch_add(&handled, 1);
    return ts_reply(c, MHD_HTTP_OK, url);
}

static const char keep_alive_req[] = "GET /in HTTP/1.1\r\nHost: h\r\n\r\n";

/* Connects to `sa` and completes one keep-alive request; the socket, or -1
 * when the request was not served. */
static int open_served_at(const struct sockaddr *sa, socklen_t len)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    char buf[512];
    if (fd < 0 || connect(fd, sa, len) != 0 ||
        !rs_send(fd, keep_alive_req, sizeof(keep_alive_req) - 1) ||
        rs_recv_response(fd, buf, sizeof(buf), 2000) == 0 || rs_status(buf) != 200) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static int open_served(uint16_t port)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return open_served_at((struct sockaddr *)&sa, sizeof(sa));
}

static unsigned int current_connections(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return i ? i->num_connections : 9999;
}

/* Waits (at most 5 s) until the daemon counts `want` connections. */
static bool wait_connections(struct MHD_Daemon *d, unsigned int want)
{
    uint64_t until = ts_now_ms() + 5000;
    while (current_connections(d) != want && ts_now_ms() < until) {
        struct timespec t = {0, 5 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
    return current_connections(d) == want;
}

/* ---- accept policy ------------------------------------------------------ */

static struct {
    atomic_bool deny;
    atomic_int calls;
    atomic_int family;
    atomic_uint port; /* the peer's port, host order */
    atomic_bool loopback;
} policy;

static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t len)
{
    (void)cls;
    atomic_fetch_add(&policy.calls, 1);
    atomic_store(&policy.family, addr ? addr->sa_family : -1);
    if (addr != NULL && addr->sa_family == AF_INET &&
        len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
        atomic_store(&policy.port, ntohs(in->sin_port));
        atomic_store(&policy.loopback, in->sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    }
    return atomic_load(&policy.deny) ? MHD_NO : MHD_YES;
}

/* Allowed, the policy sees the client's address and port; refused, the
 * connection closes before any byte or handler call. */
static void test_accept_policy(enum ts_mode mode)
{
    struct test_server ts;
    atomic_store(&policy.deny, false);
    atomic_store(&policy.calls, 0);
    atomic_store(&handled, 0);
    if (!ts_start_apc(&ts, mode, 0, accept_policy, NULL, handler, NULL, NULL)) {
        CHECK(0);
        return;
    }
    const char *name = ts_mode_names[mode];
    int fd = open_served(ts.port);
    CHECK_MSG(fd >= 0, "%s: allowed client not served", name);
    CHECK_EQ_INT(atomic_load(&policy.calls), 1);
    CHECK_EQ_INT(atomic_load(&policy.family), AF_INET);
    CHECK(atomic_load(&policy.loopback));
    CHECK_EQ_INT(atomic_load(&policy.port), rs_local_port(fd));
    if (fd >= 0)
        close(fd);
    atomic_store(&policy.deny, true);
    atomic_store(&handled, 0);
    for (int i = 0; i < 3; i++) {
        char buf[256];
        const char req[] = "GET /refused HTTP/1.1\r\nHost: h\r\n\r\n";
        size_t n = rs_exchange(ts.port, req, sizeof(req) - 1, buf, sizeof(buf), 2000);
        CHECK_MSG(n == 0, "%s: refused client got %.30s", name, buf);
    }
    CHECK_EQ_INT(atomic_load(&policy.calls), 4);
    CHECK_EQ_INT(atomic_load(&handled), 0);
    CHECK(wait_connections(ts.d, 0));
    atomic_store(&policy.deny, false);
    fd = open_served(ts.port);
    CHECK_MSG(fd >= 0, "%s: not serving after refusals", name);
    if (fd >= 0)
        close(fd);
    ts_stop(&ts);
}

/* ---- per-IP limit over IPv6 --------------------------------------------- */

static bool ipv6_available(void)
{
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in6 sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin6_family = AF_INET6;
    sa.sin6_addr = in6addr_loopback;
    bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* With `addr` the daemon's address and `client` the address clients
 * connect to (port filled in here): two served, a third refused, and a
 * place again after one leaves. */
static void check_per_ip(enum ts_mode mode, unsigned int flags, const struct sockaddr_in6 *addr,
                         const struct sockaddr *client, socklen_t client_len, const char *what)
{
    struct test_server ts;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_SOCK_ADDR_LEN, sizeof(*addr), (void *)addr},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, 2, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (!ts_start(&ts, mode, flags, handler, NULL, opts)) {
        CHECK_MSG(0, "%s: %s daemon did not start", ts_mode_names[mode], what);
        return;
    }
    const char *name = ts_mode_names[mode];
    struct sockaddr_storage to;
    memcpy(&to, client, client_len);
    if (to.ss_family == AF_INET6)
        ((struct sockaddr_in6 *)&to)->sin6_port = htons(ts.port);
    else
        ((struct sockaddr_in *)&to)->sin_port = htons(ts.port);
    int a = open_served_at((struct sockaddr *)&to, client_len);
    int b = open_served_at((struct sockaddr *)&to, client_len);
    CHECK_MSG(a >= 0 && b >= 0, "%s, %s: first two clients not served", name, what);
    int c = open_served_at((struct sockaddr *)&to, client_len);
    CHECK_MSG(c < 0, "%s, %s: third client from one address served", name, what);
    if (c >= 0)
        close(c);
    if (a >= 0)
        close(a);
    CHECK(wait_connections(ts.d, 1));
    c = open_served_at((struct sockaddr *)&to, client_len);
    CHECK_MSG(c >= 0, "%s, %s: no place after a client left", name, what);
    if (c >= 0)
        close(c);
    if (b >= 0)
        close(b);
    ts_stop(&ts);
}

static void test_per_ip_v6(enum ts_mode mode)
{
    struct sockaddr_in6 v6;
    memset(&v6, 0, sizeof(v6));
    v6.sin6_family = AF_INET6;
    v6.sin6_addr = in6addr_loopback;
    check_per_ip(mode, MHD_USE_IPv6, &v6, (struct sockaddr *)&v6, sizeof(v6), "IPv6");
    /* IPv4 clients of an IPv6 socket bound to ::ffff:127.0.0.1. */
    struct sockaddr_in6 mapped = v6;
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &mapped.sin6_addr);
    struct sockaddr_in v4;
    memset(&v4, 0, sizeof(v4));
    v4.sin_family = AF_INET;
    v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    check_per_ip(mode, MHD_USE_DUAL_STACK, &mapped, (struct sockaddr *)&v4, sizeof(v4),
                 "IPv4-mapped");
}

/* ---- listen backlog ----------------------------------------------------- */

/* The backlog of the TCP socket listening on `port`, as the kernel reports
 * it (idiag_wqueue of a listener); -1 if not found. */
static int kernel_backlog(uint16_t port)
{
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0)
        return -1;
    struct {
        struct nlmsghdr nh;
        struct inet_diag_req_v2 rq;
    } req;
    memset(&req, 0, sizeof(req));
    req.nh.nlmsg_len = sizeof(req);
    req.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.rq.sdiag_family = AF_INET;
    req.rq.sdiag_protocol = IPPROTO_TCP;
    req.rq.idiag_states = 1u << TCP_LISTEN;
    int found = -1;
    bool done = send(fd, &req, sizeof(req), 0) != (ssize_t)sizeof(req);
    static char buf[32768];
    while (!done) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0)
            break;
        int len = (int)n;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
             h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
                done = true;
                break;
            }
            const struct inet_diag_msg *m = NLMSG_DATA(h);
            if (ntohs(m->id.idiag_sport) == port)
                found = (int)m->idiag_wqueue;
        }
    }
    close(fd);
    return found;
}

static int somaxconn(void)
{
    FILE *f = fopen("/proc/sys/net/core/somaxconn", "r");
    int v = SOMAXCONN;
    if (f != NULL) {
        if (fscanf(f, "%d", &v) != 1)
            v = SOMAXCONN;
        fclose(f);
    }
    return v < SOMAXCONN ? v : SOMAXCONN;
}

static void test_backlog(enum ts_mode mode)
{
    static const unsigned int sizes[] = {7, 0};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct test_server ts;
        struct MHD_OptionItem opts[] = {
            {MHD_OPTION_LISTEN_BACKLOG_SIZE, sizes[i], NULL},
            {MHD_OPTION_END, 0, NULL},
        };
        if (!ts_start(&ts, mode, 0, handler, NULL, sizes[i] ? opts : NULL)) {
            CHECK(0);
            return;
        }
        int want = sizes[i] ? (int)sizes[i] : somaxconn();
        int got = kernel_backlog(ts.port);
        CHECK_MSG(got == want, "%s: backlog %d, want %d", ts_mode_names[mode], got, want);
        ts_stop(&ts);
    }
}

/* ---- current connections ------------------------------------------------ */

static void test_current_connections(enum ts_mode mode)
{
    struct test_server ts;
    if (!ts_start(&ts, mode, MHD_USE_ITC, handler, NULL, NULL)) {
        CHECK(0);
        return;
    }
    const char *name = ts_mode_names[mode];
    CHECK_EQ_INT(current_connections(ts.d), 0);
    enum { N = 6 };
    int fds[N];
    for (int i = 0; i < N; i++)
        fds[i] = open_served(ts.port);
    CHECK_MSG(wait_connections(ts.d, N), "%s: %u connections counted, want %d", name,
              current_connections(ts.d), N);
    /* An added connection counts like an accepted one. */
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    CHECK_EQ_INT(MHD_add_connection(ts.d, sv[0], NULL, 0), MHD_YES);
    CHECK_MSG(wait_connections(ts.d, N + 1), "%s: %u counted with an added one", name,
              current_connections(ts.d));
    close(sv[1]);
    for (int i = 0; i < N / 2; i++)
        close(fds[i]);
    CHECK_MSG(wait_connections(ts.d, N - N / 2), "%s: %u counted after closes", name,
              current_connections(ts.d));
    for (int i = N / 2; i < N; i++)
        close(fds[i]);
    CHECK_MSG(wait_connections(ts.d, 0), "%s: %u counted after all closed", name,
              current_connections(ts.d));
    ts_stop(&ts);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    bool v6 = ipv6_available();
    if (!v6)
        printf("no IPv6 loopback: IPv6 cases skipped\n");
    TS_FOR_EACH_MODE(mode)
    {
        unsigned long failed_before = check_failed_;
        test_accept_policy(mode);
        if (v6)
            test_per_ip_v6(mode);
        test_backlog(mode);
        test_current_connections(mode);
        printf("mode %-12s %s\n", ts_mode_names[mode],
               check_failed_ == failed_before ? "ok" : "FAIL");
    }
    curl_global_cleanup();
    return check_done();
}
