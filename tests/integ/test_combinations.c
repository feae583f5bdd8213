/* Flag and option combinations, one table: every combination the manual
 * forbids makes MHD_start_daemon return NULL and tells the application's
 * logger why; every combination it allows starts, reports the flags it
 * implies through MHD_DAEMON_INFO_FLAGS and, with internal threads, serves
 * a request; and the calls that need what a combination lacks (quiesce
 * without a wake-up channel or without a listen socket) refuse with a
 * logged reason instead of misbehaving. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "microhttpd.h"

/* What the application's logger received. */
struct log_sink {
    int count;
    char last[512];
};

static void logger(void *cls, const char *fmt, va_list ap)
{
    struct log_sink *s = cls;
    s->count++;
    vsnprintf(s->last, sizeof(s->last), fmt, ap);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)req_cls;
    struct MHD_Response *r = MHD_create_response_from_buffer_static(2, "ok");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* Stands for a listening socket made for the row. */
#define A_LISTEN_SOCKET (-2)

static struct sockaddr_in v4_loopback;
static struct sockaddr_in6 v6_loopback;

#define OPT(o, v, p)                                                                               \
    {                                                                                              \
        (o), (intptr_t)(v), (p)                                                                    \
    }
#define END_OPT OPT(MHD_OPTION_END, 0, NULL)
#define NO_OPTS                                                                                    \
    {                                                                                              \
        END_OPT                                                                                    \
    }

struct combo {
    const char *name;
    unsigned int flags;
    struct MHD_OptionItem opts[3];
    const char *reason;   /* NULL: must start; else a word the logged reason has */
    unsigned int implied; /* flags MHD_DAEMON_INFO_FLAGS must show */
    unsigned int absent;  /* flags it must not show */
};

#define INT_THREAD MHD_USE_INTERNAL_POLLING_THREAD
#define TPC MHD_USE_THREAD_PER_CONNECTION

static const struct combo combos[] = {
    /* Forbidden: poller choices. */
    {"poll and epoll", MHD_USE_POLL | MHD_USE_EPOLL | INT_THREAD, NO_OPTS, "MHD_USE_POLL", 0, 0},
    {"epoll with thread per connection", MHD_USE_EPOLL | TPC, NO_OPTS, "MHD_USE_EPOLL", 0, 0},
    {"poll without a thread", MHD_USE_POLL, NO_OPTS, "MHD_USE_POLL", 0, 0},
    {"auto with poll", MHD_USE_AUTO | MHD_USE_POLL_INTERNAL_THREAD, NO_OPTS, "MHD_USE_AUTO", 0, 0},
    {"auto with epoll", MHD_USE_AUTO | MHD_USE_EPOLL, NO_OPTS, "MHD_USE_AUTO", 0, 0},
    /* Forbidden: threads. */
    {"no thread safety with a thread", MHD_USE_NO_THREAD_SAFETY | INT_THREAD, NO_OPTS,
     "NO_THREAD_SAFETY", 0, 0},
    {"no thread safety per connection", MHD_USE_NO_THREAD_SAFETY | TPC, NO_OPTS, "NO_THREAD_SAFETY",
     0, 0},
    {"pool without a thread",
     MHD_NO_FLAG,
     {OPT(MHD_OPTION_THREAD_POOL_SIZE, 4, NULL), END_OPT},
     "THREAD_POOL_SIZE",
     0,
     0},
    {"pool with external epoll",
     MHD_USE_EPOLL,
     {OPT(MHD_OPTION_THREAD_POOL_SIZE, 2, NULL), END_OPT},
     "THREAD_POOL_SIZE",
     0,
     0},
    {"pool with thread per connection",
     TPC,
     {OPT(MHD_OPTION_THREAD_POOL_SIZE, 4, NULL), END_OPT},
     "THREAD_POOL_SIZE",
     0,
     0},
    {"pool with thread per connection and poll",
     TPC | MHD_USE_POLL,
     {OPT(MHD_OPTION_THREAD_POOL_SIZE, 2, NULL), END_OPT},
     "THREAD_POOL_SIZE",
     0,
     0},
    /* Forbidden: where to listen. */
    {"listen socket and address",
     INT_THREAD,
     {OPT(MHD_OPTION_LISTEN_SOCKET, A_LISTEN_SOCKET, NULL),
      OPT(MHD_OPTION_SOCK_ADDR, 0, &v4_loopback), END_OPT},
     "LISTEN_SOCKET",
     0,
     0},
    {"listen socket without listening",
     INT_THREAD | MHD_USE_NO_LISTEN_SOCKET,
     {OPT(MHD_OPTION_LISTEN_SOCKET, A_LISTEN_SOCKET, NULL), END_OPT},
     "LISTEN_SOCKET",
     0,
     0},
    {"address without listening",
     MHD_USE_NO_LISTEN_SOCKET,
     {OPT(MHD_OPTION_SOCK_ADDR, 0, &v4_loopback), END_OPT},
     "NO_LISTEN_SOCKET",
     0,
     0},
    {"IPv6 with an IPv4 address",
     MHD_USE_IPv6 | INT_THREAD,
     {OPT(MHD_OPTION_SOCK_ADDR, 0, &v4_loopback), END_OPT},
     "IPv6",
     0,
     0},
    {"address length too short",
     INT_THREAD,
     {OPT(MHD_OPTION_SOCK_ADDR_LEN, sizeof(v6_loopback) - 4, &v6_loopback), END_OPT},
     "SOCK_ADDR_LEN",
     0,
     0},
    {"negative listen socket",
     INT_THREAD,
     {OPT(MHD_OPTION_LISTEN_SOCKET, -7, NULL), END_OPT},
     "LISTEN_SOCKET",
     0,
     0},
    /* Forbidden: select set size, TLS, unknown values. */
    {"fd set size zero",
     INT_THREAD,
     {OPT(MHD_OPTION_APP_FD_SETSIZE, 0, NULL), END_OPT},
     "APP_FD_SETSIZE",
     0,
     0},
    {"fd set size not FD_SETSIZE",
     MHD_NO_FLAG,
     {OPT(MHD_OPTION_APP_FD_SETSIZE, FD_SETSIZE / 2, NULL), END_OPT},
     "APP_FD_SETSIZE",
     0,
     0},
    {"TLS", MHD_USE_TLS | INT_THREAD, NO_OPTS, "TLS", 0, 0},
    {"unknown option", INT_THREAD, {OPT((enum MHD_OPTION)9999, 1, NULL), END_OPT}, "9999", 0, 0},
    {"unknown insanity level",
     INT_THREAD,
     {OPT(MHD_OPTION_SERVER_INSANITY, 7, NULL), END_OPT},
     "INSANITY",
     0,
     0},

    /* Allowed, with what they imply. */
    {"external select", MHD_NO_FLAG, NO_OPTS, NULL, 0, INT_THREAD | MHD_USE_EPOLL},
    {"external epoll", MHD_USE_EPOLL, NO_OPTS, NULL, MHD_USE_EPOLL, INT_THREAD},
    {"internal select", INT_THREAD, NO_OPTS, NULL, INT_THREAD, MHD_USE_POLL | MHD_USE_EPOLL},
    {"internal poll", MHD_USE_POLL_INTERNAL_THREAD, NO_OPTS, NULL, MHD_USE_POLL_INTERNAL_THREAD, 0},
    {"internal epoll", MHD_USE_EPOLL_INTERNAL_THREAD, NO_OPTS, NULL, MHD_USE_EPOLL_INTERNAL_THREAD,
     0},
    {"pool select",
     INT_THREAD,
     {OPT(MHD_OPTION_THREAD_POOL_SIZE, 3, NULL), END_OPT},
     NULL,
     INT_THREAD,
     0},
    {"pool poll",
     MHD_USE_POLL_INTERNAL_THREAD,
     {OPT(MHD_OPTION_THREAD_POOL_SIZE, 3, NULL), END_OPT},
     NULL,
     MHD_USE_POLL,
     0},
    {"pool epoll",
     MHD_USE_EPOLL_INTERNAL_THREAD,
     {OPT(MHD_OPTION_THREAD_POOL_SIZE, 3, NULL), END_OPT},
     NULL,
     MHD_USE_EPOLL,
     0},
    {"thread per connection implies a thread", TPC, NO_OPTS, NULL, TPC | INT_THREAD, 0},
    {"thread per connection with poll", TPC | MHD_USE_POLL, NO_OPTS, NULL,
     TPC | INT_THREAD | MHD_USE_POLL, 0},
    {"pool of one is no pool",
     MHD_NO_FLAG,
     {OPT(MHD_OPTION_THREAD_POOL_SIZE, 1, NULL), END_OPT},
     NULL,
     0,
     INT_THREAD},
    {"auto picks epoll", MHD_USE_AUTO_INTERNAL_THREAD, NO_OPTS, NULL, MHD_USE_EPOLL, 0},
    {"auto with thread per connection picks poll", MHD_USE_AUTO | TPC, NO_OPTS, NULL, MHD_USE_POLL,
     MHD_USE_EPOLL},
    {"wake-up channel in an external loop", MHD_USE_ITC, NO_OPTS, NULL, 0, 0},
    {"no thread safety drops the wake-up channel", MHD_USE_NO_THREAD_SAFETY | MHD_USE_ITC, NO_OPTS,
     NULL, MHD_USE_NO_THREAD_SAFETY, MHD_USE_ITC},
    {"upgrade implies suspend", MHD_ALLOW_UPGRADE | INT_THREAD, NO_OPTS, NULL,
     MHD_ALLOW_SUSPEND_RESUME, 0},
    {"no listen socket with a thread implies a wake-up channel",
     INT_THREAD | MHD_USE_NO_LISTEN_SOCKET, NO_OPTS, NULL, MHD_USE_ITC, 0},
    {"pool without a listen socket",
     INT_THREAD | MHD_USE_NO_LISTEN_SOCKET,
     {OPT(MHD_OPTION_THREAD_POOL_SIZE, 3, NULL), END_OPT},
     NULL,
     MHD_USE_ITC,
     0},
    {"adopted listen socket",
     MHD_USE_EPOLL_INTERNAL_THREAD,
     {OPT(MHD_OPTION_LISTEN_SOCKET, A_LISTEN_SOCKET, NULL), END_OPT},
     NULL,
     0,
     0},
    {"IPv6 with an IPv6 address",
     MHD_USE_IPv6 | INT_THREAD,
     {OPT(MHD_OPTION_SOCK_ADDR_LEN, sizeof(v6_loopback), &v6_loopback), END_OPT},
     NULL,
     MHD_USE_IPv6,
     0},
};

static int make_listen_socket(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = v4_loopback;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 16) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static int served; /* combinations that served a request */

/* A daemon with internal threads that starts must serve. */
static void check_serves(const struct combo *cb, struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *fi = MHD_get_daemon_info(d, MHD_DAEMON_INFO_FLAGS);
    const union MHD_DaemonInfo *pi = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    if (fi == NULL || !(fi->flags & INT_THREAD) || (fi->flags & MHD_USE_NO_LISTEN_SOCKET) ||
        pi == NULL || pi->port == 0)
        return;
    struct tc_reply r;
    if (fi->flags & MHD_USE_IPv6) {
        int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in6 sa = v6_loopback;
        sa.sin6_port = htons(pi->port);
        char buf[512] = "";
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            const char req[] = "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
            rs_send(fd, req, sizeof(req) - 1);
            rs_recv(fd, buf, sizeof(buf), 5000, NULL);
        }
        close(fd);
        CHECK_MSG(rs_status(buf) == 200, "%s: not serving over IPv6", cb->name);
        served++;
        return;
    }
    tc_get(pi->port, "/", &r);
    CHECK_MSG(r.status == 200, "%s: not serving", cb->name);
    tc_reply_free(&r);
    served++;
}

static void run_combo(const struct combo *cb)
{
    struct MHD_OptionItem opts[3];
    memcpy(opts, cb->opts, sizeof(opts));
    int lfd = -1;
    for (int i = 0; i < 3 && opts[i].option != MHD_OPTION_END; i++) {
        if (opts[i].option == MHD_OPTION_LISTEN_SOCKET && opts[i].value == A_LISTEN_SOCKET)
            opts[i].value = lfd = make_listen_socket();
    }
    struct log_sink log = {0, ""};
    unsigned int flags = cb->flags | MHD_USE_ERROR_LOG;
    /* Loopback unless the row says where (or whether) to listen. */
    bool bind = lfd < 0 && !(cb->flags & MHD_USE_NO_LISTEN_SOCKET);
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, handler, NULL, MHD_OPTION_EXTERNAL_LOGGER, logger, &log,
        MHD_OPTION_SOCK_ADDR_LEN, (socklen_t)(bind ? sizeof(v4_loopback) : 0),
        bind ? &v4_loopback : NULL, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (cb->reason != NULL) {
        CHECK_MSG(d == NULL, "%s: started", cb->name);
        CHECK_MSG(log.count > 0, "%s: refused without a logged reason", cb->name);
        CHECK_MSG(strstr(log.last, cb->reason) != NULL, "%s: logged \"%s\", wanted \"%s\"",
                  cb->name, log.last, cb->reason);
    } else {
        CHECK_MSG(d != NULL, "%s: did not start: %s", cb->name, log.last);
    }
    if (d != NULL) {
        const union MHD_DaemonInfo *fi = MHD_get_daemon_info(d, MHD_DAEMON_INFO_FLAGS);
        unsigned int f = fi ? (unsigned int)fi->flags : 0;
        CHECK_MSG((f & cb->implied) == cb->implied, "%s: flags 0x%x lack 0x%x", cb->name, f,
                  cb->implied);
        CHECK_MSG((f & cb->absent) == 0, "%s: flags 0x%x have 0x%x", cb->name, f, f & cb->absent);
        check_serves(cb, d);
        MHD_stop_daemon(d);
    } else if (lfd >= 0) {
        close(lfd);
    }
}

struct quiesce_case {
    const char *name;
    unsigned int flags;
    unsigned int pool;
    bool works;
    const char *reason; /* a word of the logged reason when it does not */
};

static const struct quiesce_case quiesce_cases[] = {
    {"external select", MHD_NO_FLAG, 0, true, NULL},
    {"external epoll", MHD_USE_EPOLL, 0, true, NULL},
    {"internal thread without ITC", INT_THREAD, 0, false, "MHD_USE_ITC"},
    {"internal thread with ITC", INT_THREAD | MHD_USE_ITC, 0, true, NULL},
    {"pool without ITC", MHD_USE_EPOLL_INTERNAL_THREAD, 3, false, "MHD_USE_ITC"},
    {"pool with ITC", MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC, 3, true, NULL},
    {"thread per connection without ITC", TPC, 0, false, "MHD_USE_ITC"},
    {"thread per connection with ITC", TPC | MHD_USE_ITC, 0, true, NULL},
    {"no listen socket", MHD_USE_NO_LISTEN_SOCKET, 0, false, NULL},
    {"no listen socket, thread", MHD_USE_NO_LISTEN_SOCKET | INT_THREAD, 0, false, NULL},
};

static void run_quiesce(const struct quiesce_case *qc)
{
    struct log_sink log = {0, ""};
    bool listen = !(qc->flags & MHD_USE_NO_LISTEN_SOCKET);
    struct MHD_Daemon *d = MHD_start_daemon(
        qc->flags | MHD_USE_ERROR_LOG, 0, NULL, NULL, handler, NULL, MHD_OPTION_EXTERNAL_LOGGER,
        logger, &log, MHD_OPTION_SOCK_ADDR_LEN, (socklen_t)(listen ? sizeof(v4_loopback) : 0),
        listen ? &v4_loopback : NULL, MHD_OPTION_THREAD_POOL_SIZE, qc->pool, MHD_OPTION_END);
    CHECK_MSG(d != NULL, "quiesce, %s: did not start: %s", qc->name, log.last);
    if (d == NULL)
        return;
    log.count = 0;
    MHD_socket fd = MHD_quiesce_daemon(d);
    if (qc->works) {
        CHECK_MSG(fd != MHD_INVALID_SOCKET, "quiesce, %s: refused: %s", qc->name, log.last);
        CHECK_MSG(MHD_quiesce_daemon(d) == MHD_INVALID_SOCKET, "quiesce, %s: twice", qc->name);
    } else {
        CHECK_MSG(fd == MHD_INVALID_SOCKET, "quiesce, %s: gave a socket", qc->name);
        if (qc->reason != NULL)
            CHECK_MSG(log.count > 0 && strstr(log.last, qc->reason) != NULL,
                      "quiesce, %s: logged \"%s\"", qc->name, log.last);
        /* Refused, the daemon goes on listening. */
        const union MHD_DaemonInfo *li = MHD_get_daemon_info(d, MHD_DAEMON_INFO_LISTEN_FD);
        CHECK(li != NULL && (li->listen_fd != MHD_INVALID_SOCKET) == listen);
    }
    MHD_stop_daemon(d);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
}

int main(void)
{
    v4_loopback.sin_family = AF_INET;
    v4_loopback.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    v6_loopback.sin6_family = AF_INET6;
    v6_loopback.sin6_addr = in6addr_loopback;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    size_t refused = 0;
    for (size_t i = 0; i < sizeof(combos) / sizeof(combos[0]); i++) {
        run_combo(&combos[i]);
        refused += combos[i].reason != NULL;
    }
    for (size_t i = 0; i < sizeof(quiesce_cases) / sizeof(quiesce_cases[0]); i++)
        run_quiesce(&quiesce_cases[i]);
    printf("combinations: %zu refused, %zu allowed (%d served), %zu quiesce cases\n", refused,
           sizeof(combos) / sizeof(combos[0]) - refused, served,
           sizeof(quiesce_cases) / sizeof(quiesce_cases[0]));
    curl_global_cleanup();
    return check_done();
}
