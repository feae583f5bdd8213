/* A load generator for HTTPS through GnuTLS, where wrk (OpenSSL) cannot do
 * what the benchmark needs: resume sessions on purpose or never, count full
 * and resumed handshakes, fetch big bodies over TLS, hold TLS connections
 * idle. Each of C threads runs its own blocking connections.
 *
 *   tlsload [-c C] [-d SECONDS | -n CONNS] [-k K] [--no-resume] [--priority P] PORT
 *   tlsload [-c C] [--no-resume] [--priority P] --hold N PORT
 *
 * Connections (the default): every connection connects to 127.0.0.1:PORT,
 * does a TLS handshake (resuming the thread's previous session, with the
 * data gnutls_session_get_data2() gave for it, unless --no-resume), makes
 * K requests one after the other (GET /, the last with Connection: close),
 * reads each response by its Content-Length (bodies go to a 1 MiB buffer
 * and are dropped), sends close_notify and closes. It stops after SECONDS
 * (default 3) or after CONNS connections in all. -c1 -n1 -k4 fetches four
 * bodies over one connection (the 1 GiB file). --priority sets the GnuTLS
 * priority string (GnuTLS's default otherwise).
 *
 * --hold N: opens N connections (split over the threads), a handshake and
 * one keep-alive request on each, prints "ready N" (the connections that
 * got their response), then holds them idle until stdin closes.
 *
 * At the end it prints, like bench/report.lua does for wrk,
 *   RESULT requests duration_us bytes connect_err read_err write_err
 *          status_err timeout_err p50_us p99_us
 * (bytes: bodies; connect_err counts failed connects and handshakes;
 * latency: per request, the first one of a connection from the connect on)
 * and on a second line
 *   TLSLOAD connections C full F resumed R desc D
 * the handshakes that completed, and how many of them resumed a session
 * (gnutls_session_is_resumed), with the session description of the first
 * one (protocol, key exchange, signature, cipher). The exit status is 0 if
 * nothing failed. */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BODY_BUF (1u << 20)
#define HEAD_MAX 16384
#define IO_TIMEOUT_S 30

enum err { E_CONNECT, E_READ, E_WRITE, E_STATUS, E_TIMEOUT, E_N };

static unsigned int port;
static int resume = 1;
static long keep = 1;         /* requests per connection */
static long total_conns = -1; /* -n, or -1 */
static double deadline_us;    /* -d */
static atomic_long conns_claimed;
static gnutls_certificate_credentials_t cred;
static const char *priority;
static char desc[160];
static pthread_mutex_t desc_lock = PTHREAD_MUTEX_INITIALIZER;

struct worker {
    pthread_t th;
    long hold; /* --hold: connections this thread opens */
    /* results */
    long requests, conns, full, resumed, ready;
    long long bytes;
    unsigned long errs[E_N];
    double *lat;
    size_t n_lat, cap_lat;
    /* the session to resume next */
    gnutls_datum_t sess;
    /* --hold: what is held */
    gnutls_session_t *held;
    int *held_fd;
    char *buf;
};

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void add_latency(struct worker *w, double us)
{
    if (w->n_lat == w->cap_lat) {
        size_t cap = w->cap_lat ? w->cap_lat * 2 : 4096;
        double *l = realloc(w->lat, cap * sizeof(double));
        if (l == NULL)
            return;
        w->lat = l;
        w->cap_lat = cap;
    }
    w->lat[w->n_lat++] = us;
}

static int connect_tcp(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tmo = {IO_TIMEOUT_S, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The error class of a failed GnuTLS read or write. */
static enum err io_err(ssize_t rc, enum err e)
{
    return rc == GNUTLS_E_AGAIN ? E_TIMEOUT : e;
}

/* Connects and shakes hands; returns the session or NULL (counted). */
static gnutls_session_t open_session(struct worker *w, int *fd_out)
{
    int fd = connect_tcp();
    if (fd < 0) {
        w->errs[E_CONNECT]++;
        return NULL;
    }
    gnutls_session_t s;
    if (gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL) < 0) {
        close(fd);
        w->errs[E_CONNECT]++;
        return NULL;
    }
    if (priority != NULL) {
        const char *err = NULL;
        if (gnutls_priority_set_direct(s, priority, &err) < 0) {
            fprintf(stderr, "tlsload: bad priority string at %s\n", err ? err : priority);
            exit(2);
        }
    } else {
        gnutls_set_default_priority(s);
    }
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_server_name_set(s, GNUTLS_NAME_DNS, "localhost", 9);
    if (resume && w->sess.data != NULL)
        gnutls_session_set_data(s, w->sess.data, w->sess.size);
    gnutls_transport_set_int(s, fd);
    gnutls_handshake_set_timeout(s, IO_TIMEOUT_S * 1000);
    int rc;
    do
        rc = gnutls_handshake(s);
    while (rc < 0 && !gnutls_error_is_fatal(rc) && rc != GNUTLS_E_AGAIN);
    if (rc < 0) {
        fprintf(stderr, "tlsload: handshake: %s\n", gnutls_strerror(rc));
        w->errs[rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_TIMEDOUT ? E_TIMEOUT : E_CONNECT]++;
        gnutls_deinit(s);
        close(fd);
        return NULL;
    }
    w->conns++;
    if (gnutls_session_is_resumed(s))
        w->resumed++;
    else
        w->full++;
    if (desc[0] == '\0') {
        char *d = gnutls_session_get_desc(s);
        pthread_mutex_lock(&desc_lock);
        if (desc[0] == '\0' && d != NULL)
            snprintf(desc, sizeof(desc), "%s", d);
        pthread_mutex_unlock(&desc_lock);
        gnutls_free(d);
    }
    *fd_out = fd;
    return s;
}

static int send_all(gnutls_session_t s, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = gnutls_record_send(s, p, len);
        if (n == GNUTLS_E_INTERRUPTED)
            continue;
        if (n <= 0)
            return (int)(n == 0 ? GNUTLS_E_PUSH_ERROR : n);
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A read. GNUTLS_E_AGAIN on a blocking socket is either the socket's
 * timeout or a post-handshake message (a TLS 1.3 session ticket) that
 * GnuTLS has just taken in: only the first ends the read. */
static ssize_t recv_some(gnutls_session_t s, char *buf, size_t len)
{
    double t0 = now_us();
    ssize_t n;
    do
        n = gnutls_record_recv(s, buf, len);
    while (n == GNUTLS_E_INTERRUPTED ||
           (n == GNUTLS_E_AGAIN && now_us() - t0 < (IO_TIMEOUT_S - 1) * 1e6));
    return n;
}

/* One request and its response; returns 0, or the error class + 1. */
static int one_request(struct worker *w, gnutls_session_t s, int last, long long *body_out)
{
    static const char ka[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    static const char cl[] = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    const char *req = last ? cl : ka;
    int rc = send_all(s, req, strlen(req));
    if (rc < 0)
        return io_err(rc, E_WRITE) + 1;
    char *buf = w->buf;
    size_t len = 0;
    char *end = NULL;
    while (end == NULL) {
        if (len >= HEAD_MAX)
            return E_READ + 1;
        ssize_t n = recv_some(s, buf + len, HEAD_MAX - len);
        if (n <= 0)
            return io_err(n, E_READ) + 1;
        len += (size_t)n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    int status = strncmp(buf, "HTTP/1.1 ", 9) == 0 ? atoi(buf + 9) : 0;
    long long body = -1;
    for (char *line = strstr(buf, "\r\n"); line != NULL && line < end;
         line = strstr(line + 2, "\r\n")) {
        if (strncasecmp(line + 2, "Content-Length:", 15) == 0)
            body = strtoll(line + 17, NULL, 10);
    }
    if (body < 0)
        return E_READ + 1;
    long long left = body - (long long)(len - (size_t)(end + 4 - buf));
    while (left > 0) {
        ssize_t n = recv_some(s, buf, left < BODY_BUF ? (size_t)left : BODY_BUF);
        if (n <= 0)
            return io_err(n, E_READ) + 1;
        left -= n;
    }
    if (status != 200)
        return E_STATUS + 1;
    *body_out = body;
    return 0;
}

/* Keeps what the next connection resumes: the newest session data (in TLS
 * 1.3 a ticket, which came with the first response). */
static void keep_session(struct worker *w, gnutls_session_t s)
{
    if (!resume)
        return;
    gnutls_datum_t d;
    if (gnutls_session_get_data2(s, &d) < 0)
        return;
    gnutls_free(w->sess.data);
    w->sess = d;
}

static int claim(void)
{
    if (total_conns >= 0)
        return atomic_fetch_add(&conns_claimed, 1) < total_conns;
    return now_us() < deadline_us;
}

static void *run_connections(void *arg)
{
    struct worker *w = arg;
    while (claim()) {
        double t = now_us();
        int fd;
        gnutls_session_t s = open_session(w, &fd);
        if (s == NULL)
            continue;
        int ok = 1;
        for (long i = 0; i < keep && ok; i++) {
            long long body = 0;
            int e = one_request(w, s, i == keep - 1, &body);
            if (e != 0) {
                w->errs[e - 1]++;
                ok = 0;
                break;
            }
            double t1 = now_us();
            add_latency(w, t1 - t);
            t = t1;
            w->requests++;
            w->bytes += body;
            if (i == 0)
                keep_session(w, s);
        }
        if (ok)
            gnutls_bye(s, GNUTLS_SHUT_WR);
        gnutls_deinit(s);
        close(fd);
    }
    return NULL;
}

static void *run_hold(void *arg)
{
    struct worker *w = arg;
    w->held = calloc((size_t)w->hold, sizeof(*w->held));
    w->held_fd = calloc((size_t)w->hold, sizeof(*w->held_fd));
    if (w->held == NULL || w->held_fd == NULL)
        return NULL;
    for (long i = 0; i < w->hold; i++) {
        double t = now_us();
        int fd;
        gnutls_session_t s = open_session(w, &fd);
        if (s == NULL)
            continue;
        long long body = 0;
        int e = one_request(w, s, 0, &body);
        if (e != 0) {
            w->errs[e - 1]++;
            gnutls_deinit(s);
            close(fd);
            continue;
        }
        add_latency(w, now_us() - t);
        w->requests++;
        w->bytes += body;
        keep_session(w, s);
        w->held[w->ready] = s;
        w->held_fd[w->ready] = fd;
        w->ready++;
    }
    return NULL;
}

static void usage(const char *me)
{
    fprintf(stderr,
            "usage: %s [-c C] [-d SECONDS | -n CONNS] [-k K] [--no-resume] [--priority P] PORT\n"
            "       %s [-c C] [--no-resume] [--priority P] --hold N PORT\n",
            me, me);
    exit(2);
}

int main(int argc, char **argv)
{
    long threads = 1, hold = -1;
    double duration = 3;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-c") == 0 && v && ++i)
            threads = strtol(v, NULL, 10);
        else if (strcmp(a, "-d") == 0 && v && ++i)
            duration = strtod(v, NULL);
        else if (strcmp(a, "-n") == 0 && v && ++i)
            total_conns = strtol(v, NULL, 10);
        else if (strcmp(a, "-k") == 0 && v && ++i)
            keep = strtol(v, NULL, 10);
        else if (strcmp(a, "--hold") == 0 && v && ++i)
            hold = strtol(v, NULL, 10);
        else if (strcmp(a, "--priority") == 0 && v && ++i)
            priority = v;
        else if (strcmp(a, "--no-resume") == 0)
            resume = 0;
        else if (a[0] != '-' && port == 0)
            port = (unsigned int)strtoul(a, NULL, 10);
        else
            usage(argv[0]);
    }
    if (port == 0 || threads < 1 || keep < 1)
        usage(argv[0]);
    if (hold >= 0 && threads > hold && hold > 0)
        threads = hold;
    if (hold >= 0) {
        struct rlimit rl = {(rlim_t)hold + 64, (rlim_t)hold + 64};
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (gnutls_global_init() < 0 || gnutls_certificate_allocate_credentials(&cred) < 0) {
        fprintf(stderr, "tlsload: GnuTLS initialisation failed\n");
        return 1;
    }
    struct worker *ws = calloc((size_t)threads, sizeof(*ws));
    if (ws == NULL)
        return 1;
    double start = now_us();
    deadline_us = start + duration * 1e6;
    for (long t = 0; t < threads; t++) {
        struct worker *w = &ws[t];
        w->buf = malloc(BODY_BUF + 1);
        if (hold >= 0)
            w->hold = hold / threads + (t < hold % threads);
        if (w->buf == NULL ||
            pthread_create(&w->th, NULL, hold >= 0 ? run_hold : run_connections, w) != 0) {
            fprintf(stderr, "tlsload: cannot start thread %ld\n", t);
            return 1;
        }
    }
    for (long t = 0; t < threads; t++)
        pthread_join(ws[t].th, NULL);
    double dur = now_us() - start;
    long requests = 0, conns = 0, full = 0, resumed = 0, ready = 0;
    long long bytes = 0;
    unsigned long errs[E_N] = {0};
    size_t n_lat = 0;
    for (long t = 0; t < threads; t++) {
        requests += ws[t].requests;
        conns += ws[t].conns;
        full += ws[t].full;
        resumed += ws[t].resumed;
        ready += ws[t].ready;
        bytes += ws[t].bytes;
        n_lat += ws[t].n_lat;
        for (int e = 0; e < E_N; e++)
            errs[e] += ws[t].errs[e];
    }
    double *lat = calloc(n_lat ? n_lat : 1, sizeof(double));
    size_t k = 0;
    for (long t = 0; t < threads && lat != NULL; t++) {
        memcpy(lat + k, ws[t].lat, ws[t].n_lat * sizeof(double));
        k += ws[t].n_lat;
    }
    if (lat != NULL)
        qsort(lat, k, sizeof(double), cmp_double);
    double p50 = k ? lat[(k - 1) / 2] : 0;
    double p99 = k ? lat[(size_t)((double)(k - 1) * 0.99 + 0.5)] : 0;
    if (hold >= 0) {
        printf("ready %ld\n", ready);
        fflush(stdout);
        char c;
        while (read(0, &c, 1) > 0) {
        }
        for (long t = 0; t < threads; t++) {
            for (long i = 0; i < ws[t].ready; i++) {
                gnutls_deinit(ws[t].held[i]);
                close(ws[t].held_fd[i]);
            }
        }
    }
    printf("RESULT %ld %.0f %lld %lu %lu %lu %lu %lu %.0f %.0f\n", requests, dur, bytes,
           errs[E_CONNECT], errs[E_READ], errs[E_WRITE], errs[E_STATUS], errs[E_TIMEOUT], p50, p99);
    printf("TLSLOAD connections %ld full %ld resumed %ld desc %s\n", conns, full, resumed,
           desc[0] ? desc : "-");
    unsigned long nerr = 0;
    for (int e = 0; e < E_N; e++)
        nerr += errs[e];
    for (long t = 0; t < threads; t++) {
        free(ws[t].buf);
        free(ws[t].lat);
        free(ws[t].held);
        free(ws[t].held_fd);
        gnutls_free(ws[t].sess.data);
    }
    free(ws);
    free(lat);
    gnutls_certificate_free_credentials(cred);
    gnutls_global_deinit();
    return nerr == 0 && (hold < 0 || ready == hold) ? 0 : 1;
}
