/* The benchmark server: one program, built once against Debian's
 * libmicrohttpd and once against ours, serving a fixed body in the thread
 * mode chosen on the command line. Public API only.
 *
 *   hello [--mode M] [--port P] [--body N] [--reuse] [--file PATH]
 *         [--requests N] [--limit N] [--tls DIR]
 *
 * Modes: ext-select, ext-epoll, int-select, int-poll, int-epoll,
 * pool-N (epoll, N threads), pool-select-N, pool-poll-N, tpc, tpc-poll.
 * --reuse serves one response object for every request (otherwise one is
 * created per request, as most applications do); --file serves a file
 * (sendfile); --requests exits after N answered requests (for instruction
 * counts); --limit sets the connection limit; --tls serves HTTPS with the
 * key DIR/server.key and the certificate chain DIR/server-chain.pem (as
 * tests/scripts/mkcerts.sh makes them). At exit it prints
 *   served REQUESTS CONNECTIONS
 * (requests answered, connections accepted), so the driver can check that
 * the load generator's counts are real: one connection per request with
 * Connection: close, a few in all with keep-alive. With --tls the line
 * before it is
 *   tls FULL RESUMED
 * the connections that made a request after a full handshake and after a
 * resumed one (gnutls_session_is_resumed on the session of
 * MHD_CONNECTION_INFO_GNUTLS_SESSION, at the first request). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT;
#else
typedef enum MHD_Result MHD_RESULT;
#endif

static char *body;
static size_t body_len;
static struct MHD_Response *shared;
static int file_fd = -1;
static uint64_t file_size;
static long max_requests;
static atomic_long answered;
static atomic_long connections;
static int tls;
static atomic_long tls_full, tls_resumed;
static volatile sig_atomic_t stop_now;
static int stop_pipe[2];

static void on_signal(int sig)
{
    (void)sig;
    stop_now = 1;
    ssize_t n = write(stop_pipe[1], "x", 1);
    (void)n;
}

static struct MHD_Response *make_response(void)
{
    if (file_fd >= 0)
        return MHD_create_response_from_fd64(file_size, dup(file_fd));
    return MHD_create_response_from_buffer(body_len, body, MHD_RESPMEM_PERSISTENT);
}

/* With --tls, the first request of a connection counts its handshake as
 * full or resumed. The connection's socket context (set up in
 * on_connection) holds its own address until then: the handler reaches the
 * slot through MHD_CONNECTION_INFO_SOCKET_CONTEXT and clears it, so the
 * later requests of the connection cost one info call each. (Not when the
 * connection closes: there the session of libmicrohttpd 0.9.75 reads as
 * one that never completed a handshake.) */
static void count_handshake(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    void **slot = ci != NULL ? (void **)ci->socket_context : NULL;
    if (slot == NULL || *slot != (void *)slot)
        return;
    *slot = NULL;
    ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (ci == NULL || ci->tls_session == NULL)
        return;
    if (gnutls_session_is_resumed((gnutls_session_t)ci->tls_session))
        atomic_fetch_add(&tls_resumed, 1);
    else
        atomic_fetch_add(&tls_full, 1);
}

static MHD_RESULT handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                          const char *version, const char *upload_data, size_t *upload_data_size,
                          void **req_cls)
{
    static int first;
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    if (*req_cls == NULL) {
        *req_cls = &first;
        if (tls)
            count_handshake(c);
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    MHD_RESULT ret;
    if (shared != NULL) {
        ret = MHD_queue_response(c, MHD_HTTP_OK, shared);
    } else {
        struct MHD_Response *r = make_response();
        MHD_add_response_header(r, "Content-Type", "text/plain");
        ret = MHD_queue_response(c, MHD_HTTP_OK, r);
        MHD_destroy_response(r);
    }
    if (atomic_fetch_add(&answered, 1) + 1 == max_requests) {
        ssize_t n = write(stop_pipe[1], "x", 1);
        (void)n;
    }
    return ret;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    (void)c;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        atomic_fetch_add(&connections, 1);
        if (tls)
            *socket_context = socket_context; /* see count_handshake */
    }
}

/* The whole of DIR/NAME, NUL-terminated, or NULL. */
static char *load(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf != NULL && (n = fread(buf + len, 1, cap - 1 - len, f)) > 0) {
        len += n;
        if (cap - 1 - len == 0) {
            char *b = realloc(buf, cap *= 2);
            if (b == NULL)
                free(buf);
            buf = b;
        }
    }
    fclose(f);
    if (buf != NULL)
        buf[len] = '\0';
    return buf;
}

struct mode {
    unsigned int flags;
    unsigned int threads;
    int external; /* 1 select loop, 2 epoll loop */
};

static int parse_mode(const char *m, struct mode *out)
{
    memset(out, 0, sizeof(*out));
    if (strcmp(m, "ext-select") == 0) {
        out->external = 1;
    } else if (strcmp(m, "ext-epoll") == 0) {
        out->flags = MHD_USE_EPOLL;
        out->external = 2;
    } else if (strcmp(m, "int-select") == 0) {
        out->flags = MHD_USE_INTERNAL_POLLING_THREAD;
    } else if (strcmp(m, "int-poll") == 0) {
        out->flags = MHD_USE_POLL_INTERNAL_THREAD;
    } else if (strcmp(m, "int-epoll") == 0) {
        out->flags = MHD_USE_EPOLL_INTERNAL_THREAD;
    } else if (strncmp(m, "pool-select-", 12) == 0) {
        out->flags = MHD_USE_INTERNAL_POLLING_THREAD;
        out->threads = (unsigned int)strtoul(m + 12, NULL, 10);
    } else if (strncmp(m, "pool-poll-", 10) == 0) {
        out->flags = MHD_USE_POLL_INTERNAL_THREAD;
        out->threads = (unsigned int)strtoul(m + 10, NULL, 10);
    } else if (strncmp(m, "pool-", 5) == 0) {
        out->flags = MHD_USE_EPOLL_INTERNAL_THREAD;
        out->threads = (unsigned int)strtoul(m + 5, NULL, 10);
    } else if (strcmp(m, "tpc") == 0) {
        out->flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD;
    } else if (strcmp(m, "tpc-poll") == 0) {
        out->flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD;
    } else {
        return -1;
    }
    return 0;
}

/* The application's own loop for the external modes. */
static void run_external(struct MHD_Daemon *d)
{
    while (!stop_now && (max_requests == 0 || atomic_load(&answered) < max_requests)) {
        fd_set rs, ws, es;
        FD_ZERO(&rs);
        FD_ZERO(&ws);
        FD_ZERO(&es);
        MHD_socket max = stop_pipe[0];
        FD_SET(stop_pipe[0], &rs);
        if (MHD_get_fdset(d, &rs, &ws, &es, &max) != MHD_YES)
            break;
        MHD_UNSIGNED_LONG_LONG to;
        struct timeval tv, *tvp = NULL;
        if (MHD_get_timeout(d, &to) == MHD_YES) {
            tv.tv_sec = (time_t)(to / 1000);
            tv.tv_usec = (suseconds_t)(to % 1000) * 1000;
            tvp = &tv;
        }
        if (select(max + 1, &rs, &ws, &es, tvp) < 0 && errno != EINTR)
            break;
        MHD_run_from_select(d, &rs, &ws, &es);
    }
}

static void wait_for_stop(void)
{
    char c;
    while (!stop_now && (max_requests == 0 || atomic_load(&answered) < max_requests)) {
        if (read(stop_pipe[0], &c, 1) < 0 && errno != EINTR)
            break;
    }
}

int main(int argc, char **argv)
{
    const char *mode_name = "int-epoll";
    unsigned int port = 8080, limit = 0;
    size_t size = 13;
    int reuse = 0;
    const char *file = NULL, *tls_dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : "";
        if (strcmp(a, "--mode") == 0 && ++i)
            mode_name = v;
        else if (strcmp(a, "--port") == 0 && ++i)
            port = (unsigned int)strtoul(v, NULL, 10);
        else if (strcmp(a, "--body") == 0 && ++i)
            size = (size_t)strtoul(v, NULL, 10);
        else if (strcmp(a, "--reuse") == 0)
            reuse = 1;
        else if (strcmp(a, "--file") == 0 && ++i)
            file = v;
        else if (strcmp(a, "--requests") == 0 && ++i)
            max_requests = strtol(v, NULL, 10);
        else if (strcmp(a, "--limit") == 0 && ++i)
            limit = (unsigned int)strtoul(v, NULL, 10);
        else if (strcmp(a, "--tls") == 0 && ++i)
            tls_dir = v;
        else {
            fprintf(stderr, "usage: %s [--mode M] [--port P] [--body N] [--reuse] "
                            "[--file PATH] [--requests N] [--limit N] [--tls DIR]\n", argv[0]);
            return 2;
        }
    }
    struct mode m;
    if (parse_mode(mode_name, &m) != 0) {
        fprintf(stderr, "unknown mode %s\n", mode_name);
        return 2;
    }
    body = malloc(size + 1);
    for (size_t i = 0; i < size; i++)
        body[i] = "Hello, World!\n"[i % 14];
    body_len = size;
    if (file != NULL) {
        struct stat st;
        file_fd = open(file, O_RDONLY);
        if (file_fd < 0 || fstat(file_fd, &st) != 0) {
            perror(file);
            return 1;
        }
        file_size = (uint64_t)st.st_size;
    }
    if (pipe(stop_pipe) != 0)
        return 1;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    if (reuse) {
        shared = make_response();
        MHD_add_response_header(shared, "Content-Type", "text/plain");
    }
    struct MHD_OptionItem opts[5];
    size_t n_opts = 0;
    if (m.threads > 1)
        opts[n_opts++] =
            (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)m.threads, NULL};
    if (limit)
        opts[n_opts++] =
            (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, (intptr_t)limit, NULL};
    char *key = NULL, *cert = NULL;
    if (tls_dir != NULL) {
        key = load(tls_dir, "server.key");
        cert = load(tls_dir, "server-chain.pem");
        if (key == NULL || cert == NULL)
            return 1;
        opts[n_opts++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, key};
        opts[n_opts++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, cert};
        m.flags |= MHD_USE_TLS;
        tls = 1;
    }
    opts[n_opts] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    struct MHD_Daemon *d = MHD_start_daemon(m.flags | MHD_USE_ERROR_LOG, (uint16_t)port, NULL,
                                            NULL, handler, NULL, MHD_OPTION_ARRAY, opts,
                                            MHD_OPTION_CONNECTION_TIMEOUT, 120u,
                                            MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
                                            MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "cannot start the daemon in mode %s\n", mode_name);
        return 1;
    }
    printf("serving %zu bytes on port %u in mode %s (%s)%s\n", size, port, mode_name,
           MHD_get_version(), tls ? " over TLS" : "");
    fflush(stdout);
    if (m.external)
        run_external(d);
    else
        wait_for_stop();
    MHD_stop_daemon(d);
    if (tls)
        printf("tls %ld %ld\n", atomic_load(&tls_full), atomic_load(&tls_resumed));
    printf("served %ld %ld\n", atomic_load(&answered), atomic_load(&connections));
    free(key);
    free(cert);
    if (shared != NULL)
        MHD_destroy_response(shared);
    free(body);
    return 0;
}
