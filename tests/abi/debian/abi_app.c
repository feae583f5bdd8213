/* An application built against Debian's libmicrohttpd (its header, its
 * library), run with our libmicrohttpd.so.12 first on LD_LIBRARY_PATH.
 *
 * It passes options of every argument type through the varargs list and an
 * MHD_OptionItem array, serves requests over raw sockets in an internal-thread
 * and an external-select daemon, reads request values and connection info
 * through the unions, and checks that the library it runs on was loaded from
 * $ABI_EXPECT_DIR. Prints "RESULT <passed> <failed>". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

static int passed, failed;

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (c)                                                                                     \
            passed++;                                                                              \
        else {                                                                                     \
            failed++;                                                                              \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);                           \
        }                                                                                          \
    } while (0)

static int completed, started, closed_conns, uri_logged;

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    if (strcmp(uri, "/abi?x=1&y=%41") == 0)
        uri_logged++;
    return NULL;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)req_cls;
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        completed++;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    (void)c;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = &started;
        started++;
    } else {
        closed_conns++;
    }
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)cls;
    if (pos >= 10)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = max < 10 - pos ? max : (size_t)(10 - pos);
    memset(buf, 'r', n);
    return (ssize_t)n;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    static int marker;
    (void)cls;
    (void)upload_data;
    if (*req_cls == NULL) {
        *req_cls = &marker;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    char text[512];
    const char *x = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "x");
    const char *y = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "y");
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Abi");
    int nh = MHD_get_connection_values(c, MHD_HEADER_KIND, NULL, NULL);
    const union MHD_ConnectionInfo *ai =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const union MHD_ConnectionInfo *fi = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *si =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    const union MHD_ConnectionInfo *di = MHD_get_connection_info(c, MHD_CONNECTION_INFO_DAEMON);
    int addr_ok = ai != NULL && ai->client_addr->sa_family == AF_INET &&
                  ((struct sockaddr_in *)ai->client_addr)->sin_addr.s_addr ==
                      htonl(INADDR_LOOPBACK);
    snprintf(text, sizeof(text), "%s %s %s x=%s y=%s h=%s n=%d addr=%d fd=%d ctx=%d %s", method,
             url, version, x ? x : "-", y ? y : "-", h ? h : "-", nh, addr_ok,
             fi != NULL && fi->connect_fd >= 0, si != NULL && si->socket_context == &started,
             di != NULL && di->daemon != NULL ? "d=1" : "d=0");
    struct MHD_Response *r;
    if (strcmp(url, "/stream") == 0)
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4, reader, NULL, NULL);
    else
        r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "X-Reply", "yes");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static int exchange(uint16_t port, const char *req, char *buf, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        return -1;
    send(fd, req, strlen(req), 0);
    size_t len = 0;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 5000) <= 0)
            break;
        ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    close(fd);
    return (int)len;
}

struct ext_loop {
    struct MHD_Daemon *d;
    volatile int stop;
};

static void *drive(void *arg)
{
    struct ext_loop *l = arg;
    while (!l->stop) {
        fd_set rs, ws, es;
        FD_ZERO(&rs);
        FD_ZERO(&ws);
        FD_ZERO(&es);
        MHD_socket max = -1;
        MHD_get_fdset(l->d, &rs, &ws, &es, &max);
        struct timeval tv = {0, 20000};
        select(max + 1, &rs, &ws, &es, &tv);
        MHD_run_from_select(l->d, &rs, &ws, &es);
    }
    return NULL;
}

static void serve_and_check(struct MHD_Daemon *d, uint16_t port)
{
    char buf[8192];
    exchange(port,
             "GET /abi?x=1&y=%41 HTTP/1.1\r\nHost: a\r\nX-Abi: yes\r\nConnection: close\r\n\r\n",
             buf, sizeof(buf));
    CHECK(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
    CHECK(strstr(buf, "X-Reply: yes\r\n") != NULL);
    if (!strstr(buf, "GET /abi HTTP/1.1 x=1 y=A h=yes n=3 addr=1 fd=1 ctx=1"))
        fprintf(stderr, "got: %s\n", buf);
    CHECK(strstr(buf, "GET /abi HTTP/1.1 x=1 y=A h=yes n=3 addr=1 fd=1 ctx=1") != NULL);
    CHECK(strstr(buf, " d=1") != NULL);
    exchange(port, "GET /stream HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", buf,
             sizeof(buf));
    CHECK(strstr(buf, "Transfer-Encoding: chunked\r\n") != NULL);
    CHECK(strstr(buf, "rrrr\r\n") != NULL && strstr(buf, "\r\n0\r\n\r\n") != NULL);
}

static struct MHD_Daemon *start(unsigned int flags)
{
    static char rnd[8] = "abcdefgh";
    struct MHD_OptionItem items[] = {
        {MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, NULL},
        {MHD_OPTION_DIGEST_AUTH_RANDOM, sizeof(rnd), rnd},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_Daemon *d = NULL;
    /* The handler gets the daemon as its closure, set after start. */
    static void *slot;
    d = MHD_start_daemon(flags, 0, NULL, NULL, handler, &slot, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                         (size_t)(32 * 1024), MHD_OPTION_CONNECTION_LIMIT, (unsigned int)100,
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                         MHD_OPTION_URI_LOG_CALLBACK, uri_log, NULL, MHD_OPTION_ARRAY, items,
                         MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)10,
                         MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)64, MHD_OPTION_END);
    return d;
}

int main(void)
{
    printf("library %s\n", MHD_get_version());
    CHECK(strcmp(MHD_get_version(), "1.0.1") == 0);
    Dl_info info;
    if (dladdr((void *)MHD_start_daemon, &info) && info.dli_fname != NULL) {
        printf("loaded from %s\n", info.dli_fname);
        const char *want = getenv("ABI_EXPECT_DIR");
        CHECK(want != NULL && strstr(info.dli_fname, want) != NULL);
    } else {
        CHECK(0);
    }
    CHECK(MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES);

    struct MHD_Daemon *d = start(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG);
    CHECK(d != NULL);
    if (d != NULL) {
        const union MHD_DaemonInfo *pi = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        CHECK(pi != NULL && pi->port != 0);
        serve_and_check(NULL, pi ? pi->port : 0);
        MHD_stop_daemon(d);
    }
    d = start(MHD_USE_ERROR_LOG);
    CHECK(d != NULL);
    if (d != NULL) {
        const union MHD_DaemonInfo *pi = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        struct ext_loop l = {d, 0};
        pthread_t t;
        pthread_create(&t, NULL, drive, &l);
        serve_and_check(NULL, pi ? pi->port : 0);
        l.stop = 1;
        pthread_join(t, NULL);
        MHD_stop_daemon(d);
    }
    CHECK(completed == 4);
    CHECK(uri_logged == 2);
    CHECK(started == 4 && closed_conns == 4);
    printf("RESULT %d %d\n", passed, failed);
    return failed != 0;
}
