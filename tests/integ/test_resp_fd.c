/* File and pipe responses through libcurl and raw sockets, in every thread
 * mode: MHD_create_response_from_fd, _fd64, _fd_at_offset and
 * _fd_at_offset64 from the right offset (sendfile in the threaded modes,
 * reads in the external ones and for a file sendfile refuses), a file
 * shorter than announced, the fd closed when the response goes, forced
 * chunking, HEAD, HTTP/1.0, keep-alive; MHD_create_response_from_pipe
 * (chunked, close-delimited for HTTP/1.0, a non-blocking pipe that is empty
 * for a while, usable once). Bodies are compared byte for byte. A file
 * larger than one sendfile() call goes out corked, and is uncorked by its
 * last byte. */
/* The deprecated _fd_at_offset is part of what is tested. */
#define MHD_NO_DEPRECATION 1

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bodies.h"
#include "check.h"
#include "client.h"
#include "rawhttp.h"
#include "slow.h"
#include "testsrv.h"
#include "tlstest.h"

#define FILE_LEN ((size_t)3 * 1024 * 1024 + 123)
/* Larger than one sendfile() call and what the sockets hold. */
#define SPARSE_LEN ((size_t)32 * 1024 * 1024 + 7)

static int file_fd = -1;
static int sparse_fd = -1; /* SPARSE_LEN zero bytes, a hole */
static unsigned char *file_data;
static struct MHD_Response *shared_fd;   /* one file response for many requests */
static struct MHD_Response *once_pipe;   /* a pipe response queued twice */
static atomic_int cork_fd = -1;          /* the server's socket of a /fd?cork=1 request */

/* Writes n pattern bytes into a pipe after a delay, then closes it. */
struct pipe_job {
    int fd;
    size_t n;
    unsigned int delay_ms;
};

static void *pipe_writer(void *arg)
{
    struct pipe_job *j = arg;
    /* A HEAD reply never reads the pipe: writing may then meet a closed end. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (j->delay_ms) {
        struct timespec ts = {0, (long)j->delay_ms * 1000000L};
        nanosleep(&ts, NULL); /* the delay is what is tested, not a synchronisation */
    }
    char buf[8192];
    size_t pos = 0;
    while (pos < j->n) {
        size_t k = j->n - pos < sizeof(buf) ? j->n - pos : sizeof(buf);
        for (size_t i = 0; i < k; i++)
            buf[i] = (char)tb_pat(pos + i);
        size_t off = 0;
        while (off < k) {
            ssize_t w = write(j->fd, buf + off, k - off);
            if (w < 0 && errno == EAGAIN) {
                struct timespec ts = {0, 1000000};
                nanosleep(&ts, NULL);
                continue;
            }
            if (w <= 0)
                goto out;
            off += (size_t)w;
        }
        pos += k;
    }
out:
    close(j->fd);
    free(j);
    return NULL;
}

static struct MHD_Response *pipe_response(size_t n, unsigned int delay_ms, bool nonblocking)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return NULL;
    if (nonblocking)
        fcntl(p[0], F_SETFL, O_NONBLOCK);
    struct pipe_job *j = malloc(sizeof(*j));
    j->fd = p[1];
    j->n = n;
    j->delay_ms = delay_ms;
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_create(&t, &attr, pipe_writer, j);
    pthread_attr_destroy(&attr);
    return MHD_create_response_from_pipe(p[0]);
}

/* /fd?kind=fd|fd64|at|at64&off=O&size=S&cork=1, /proc?off=O&size=S (a
 * file sendfile refuses), /sparse (SPARSE_LEN zeros), /chunked (file with
 * Transfer-Encoding: chunked set by the application), /shared,
 * /pipe?n=N&delay=D&nb=1, /once. cork=1 and /sparse note the connection's
 * socket in cork_fd. */
static struct MHD_Response *make_response(struct MHD_Connection *c, const char *url)
{
    uint64_t off = tb_arg(c, "off", 0);
    uint64_t size = tb_arg(c, "size", FILE_LEN - off);
    if (strcmp(url, "/fd") == 0) {
        if (tb_arg(c, "cork", 0) != 0)
            atomic_store(&cork_fd, MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD)
                                       ->connect_fd);
        const char *k = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "kind");
        int fd = dup(file_fd);
        if (k == NULL || strcmp(k, "fd") == 0)
            return MHD_create_response_from_fd((size_t)size, fd);
        if (strcmp(k, "fd64") == 0)
            return MHD_create_response_from_fd64(size, fd);
        if (strcmp(k, "at") == 0)
            return MHD_create_response_from_fd_at_offset((size_t)size, fd, (off_t)off);
        return MHD_create_response_from_fd_at_offset64(size, fd, off);
    }
    if (strcmp(url, "/sparse") == 0) {
        atomic_store(&cork_fd, MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD)
                                   ->connect_fd);
        return MHD_create_response_from_fd64(SPARSE_LEN, dup(sparse_fd));
    }
    if (strcmp(url, "/proc") == 0) {
        int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
        return MHD_create_response_from_fd_at_offset64(size, fd, off);
    }
    if (strcmp(url, "/chunked") == 0) {
        struct MHD_Response *r = MHD_create_response_from_fd_at_offset64(size, dup(file_fd), off);
        MHD_add_response_header(r, "Transfer-Encoding", "chunked");
        return r;
    }
    if (strcmp(url, "/pipe") == 0)
        return pipe_response((size_t)tb_arg(c, "n", 1000), (unsigned int)tb_arg(c, "delay", 0),
                             tb_arg(c, "nb", 0) != 0);
    return NULL;
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
    if (tb_first_call(req_cls))
        return MHD_YES;
    if (strcmp(url, "/shared") == 0)
        return MHD_queue_response(c, MHD_HTTP_OK, shared_fd);
    if (strcmp(url, "/once") == 0) {
        if (MHD_queue_response(c, MHD_HTTP_OK, once_pipe) == MHD_YES)
            return MHD_YES;
        static const char used[] = "pipe already used";
        struct MHD_Response *r = MHD_create_response_from_buffer_static(sizeof(used) - 1, used);
        enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_CONFLICT, r);
        MHD_destroy_response(r);
        return ret;
    }
    struct MHD_Response *r = make_response(c, url);
    if (r == NULL)
        return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static bool is_file_slice(const char *p, size_t len, size_t off)
{
    return off + len <= FILE_LEN && memcmp(p, file_data + off, len) == 0;
}

/* Every creator, from several offsets, over one kept-alive connection. */
static void test_file_kinds(uint16_t port)
{
    static const char *const kinds[] = {"fd", "fd64", "at", "at64"};
    static const size_t offs[] = {0, 1, 4097, FILE_LEN - 5000};
    CURL *curl = curl_easy_init();
    char v[64];
    for (size_t k = 0; k < 4; k++) {
        for (size_t o = 0; o < 4; o++) {
            bool offset_kind = k >= 2;
            size_t off = offset_kind ? offs[o] : 0;
            size_t size = o == 3 ? 5000 : FILE_LEN - off - o * 1000;
            if (!offset_kind && o > 0)
                size = 1 + o * 77777;
            char path[128];
            snprintf(path, sizeof(path), "/fd?kind=%s&off=%zu&size=%zu", kinds[k], off, size);
            struct tc_reply r;
            tb_get(curl, port, path, false, &r);
            CHECK_EQ_INT(r.status, 200);
            CHECK_EQ_SIZE(r.body_len, size);
            CHECK_MSG(is_file_slice(r.body, r.body_len, off), "%s: body differs", path);
            CHECK(tc_header(&r, "Content-Length", v, sizeof(v)) && strtoull(v, NULL, 10) == size);
            CHECK_EQ_INT(r.connects, k == 0 && o == 0 ? 1 : 0);
            tc_reply_free(&r);
        }
    }
    /* An empty slice. */
    struct tc_reply r;
    tb_get(curl, port, "/fd?kind=at64&off=100&size=0", false, &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_SIZE(r.body_len, 0);
    tc_reply_free(&r);
    /* HTTP/1.0: Content-Length, then close. */
    curl_easy_cleanup(curl);
    curl = curl_easy_init();
    tb_get(curl, port, "/fd?kind=at&off=77&size=100000", true, &r);
    CHECK_EQ_SIZE(r.body_len, 100000);
    CHECK(is_file_slice(r.body, r.body_len, 77));
    CHECK(tc_header(&r, "Connection", v, sizeof(v)) && strcmp(v, "close") == 0);
    tc_reply_free(&r);
    curl_easy_cleanup(curl);
}

/* A file shorter than announced: the client sees a truncated reply. */
static void test_short_file(uint16_t port)
{
    struct tc_reply r;
    char path[128];
    snprintf(path, sizeof(path), "/fd?kind=at64&off=%zu&size=%zu", FILE_LEN - 1000, (size_t)5000);
    tc_get(port, path, &r);
    CHECK(r.code != CURLE_OK);
    /* Over HTTP/2 libcurl keeps back a body that ends short of its length. */
    CHECK(th_on() ? r.body_len <= 1000 : r.body_len == 1000);
    CHECK(is_file_slice(r.body, r.body_len, FILE_LEN - 1000));
    tc_reply_free(&r);
}

/* /proc/self/status: sendfile() refuses it, reads work. */
static void test_fallback(uint16_t port)
{
    /* Its first line names the process as the kernel knows it, which is
     * not this program's name under valgrind: read it here too. */
    char want[256] = "";
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? read(fd, want, sizeof(want) - 1) : -1;
    if (fd >= 0)
        close(fd);
    want[got > 0 ? got : 0] = '\0';
    const char *umask = strstr(want, "\nUmask:");
    CHECK(strncmp(want, "Name:\t", 6) == 0 && umask != NULL);
    if (umask == NULL)
        return;
    size_t n = (size_t)(umask - want) + 7;
    struct tc_reply r;
    char path[64];
    snprintf(path, sizeof(path), "/proc?size=%zu", n);
    tc_get(port, path, &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_MEM(r.body, r.body_len, want, n);
    tc_reply_free(&r);
    snprintf(path, sizeof(path), "/proc?off=6&size=%zu", n - 6);
    tc_get(port, path, &r);
    CHECK_EQ_MEM(r.body, r.body_len, want + 6, n - 6);
    tc_reply_free(&r);
}

/* Transfer-Encoding: chunked set by the application: chunks for HTTP/1.1,
 * Content-Length for HTTP/1.0. */
static void test_forced_chunked(uint16_t port)
{
    struct hr_reply h;
    CHECK(hr_exchange(port, "GET /chunked?off=5&size=300000 HTTP/1.1\r\nHost: x\r\n\r\n", false,
                      &h));
    CHECK(h.chunked && h.complete);
    CHECK_EQ_SIZE(h.body_len, 300000);
    CHECK(is_file_slice(h.body, h.body_len, 5));
    CHECK_EQ_INT(hr_field_count(&h, "Transfer-Encoding"), 1);
    CHECK_EQ_INT(hr_field_count(&h, "Content-Length"), 0);
    hr_free(&h);
    CHECK(hr_exchange(port, "GET /chunked?off=5&size=3000 HTTP/1.0\r\n\r\n", false, &h));
    CHECK(!h.chunked && h.complete && h.body_len == 3000 && is_file_slice(h.body, 3000, 5));
    CHECK_EQ_INT(hr_field_count(&h, "Transfer-Encoding"), 0);
    hr_free(&h);
}

/* TCP_CORK on the server's socket fd: 1, 0, or -1 if it cannot be read. */
static int cork_of(int fd)
{
    int v = -1;
    socklen_t len = sizeof(v);
    if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_CORK, &v, &len) != 0)
        return -1;
    return v;
}

/* Waits up to `ms` for the socket noted by the handler to have TCP_CORK
 * `want` (a bounded wait on a condition the worker sets). */
static bool wait_cork(int want, int ms)
{
    uint64_t until = ts_now_ms() + (uint64_t)ms;
    for (;;) {
        int fd = atomic_load(&cork_fd);
        if (fd >= 0 && cork_of(fd) == want)
            return true;
        if (ts_now_ms() > until)
            return false;
        struct timespec t = {0, 1000000};
        nanosleep(&t, NULL);
    }
}

/* Reads one reply to a /sparse request from fd: its head, then a body of
 * SPARSE_LEN zero bytes (counted, not kept). */
static bool read_sparse_reply(int fd)
{
    static char buf[65536];
    size_t have = 0, body = 0;
    char *end = NULL;
    while (end == NULL) {
        ssize_t n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
        if (n <= 0)
            return false;
        have += (size_t)n;
        buf[have] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (end == NULL && have == sizeof(buf) - 1)
            return false;
    }
    if (strncmp(buf, "HTTP/1.1 200 ", 13) != 0)
        return false;
    bool zeros = true;
    char *p = end + 4;
    for (;;) {
        size_t k = have - (size_t)(p - buf);
        for (size_t i = 0; i < k; i++)
            zeros &= p[i] == 0;
        body += k;
        if (body >= SPARSE_LEN)
            return zeros && body == SPARSE_LEN;
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0)
            return false;
        have = (size_t)n;
        p = buf;
    }
}

/* A file the client does not read at once fills the socket: it goes on
 * corked (only full segments leave), and its last byte uncorks the socket,
 * so the end of the reply and the next one on the connection are not held
 * back. A plain socket in the modes that send files by sendfile (not the
 * external ones, which read them, and not TLS). */
static void test_cork(enum ts_mode mode, uint16_t port)
{
    if (tt_on() || ts_mode_external(mode))
        return;
    atomic_store(&cork_fd, -1);
    int fd = rs_connect(port);
    const char big[] = "GET /sparse HTTP/1.1\r\nHost: x\r\n\r\n";
    rs_send(fd, big, sizeof(big) - 1);
    CHECK_MSG(wait_cork(1, (int)test_ms(5000)), "%s: a 32 MiB file is not sent corked",
              ts_mode_names[mode]);
    CHECK(read_sparse_reply(fd));
    /* Every byte arrived: the socket is uncorked (it is not left so for
     * the kernel's 200 ms limit to flush). */
    CHECK_MSG(wait_cork(0, (int)test_ms(5000)), "%s: still corked after the file",
              ts_mode_names[mode]);
    /* A small file goes whole in its first call: no cork. */
    const char small[] = "GET /fd?kind=fd&size=10&cork=1 HTTP/1.1\r\nHost: x\r\n\r\n";
    rs_send(fd, small, sizeof(small) - 1);
    struct hr_reply h;
    CHECK(hr_read_reply(fd, false, 5000, &h));
    CHECK(h.status == 200 && h.complete && h.body_len == 10 && is_file_slice(h.body, 10, 0));
    hr_free(&h);
    CHECK_EQ_INT(cork_of(atomic_load(&cork_fd)), 0);
    close(fd);
}

/* HEAD on file and pipe responses: length headers, no body; the next
 * request on the connection is answered right after. */
static void test_head(uint16_t port)
{
    static const char *const reqs[] = {"HEAD /fd?kind=fd64&size=4000 HTTP/1.1\r\nHost: x\r\n\r\n",
                                       "HEAD /pipe?n=100 HTTP/1.1\r\nHost: x\r\n\r\n"};
    for (int i = 0; i < 2; i++) {
        int fd = rs_connect(port);
        rs_send(fd, reqs[i], strlen(reqs[i]));
        struct hr_reply h;
        CHECK(hr_read_reply(fd, true, 5000, &h));
        char v[64];
        CHECK_EQ_INT(h.status, 200);
        if (i == 0)
            CHECK(hr_field(&h, "Content-Length", v, sizeof(v)) && strcmp(v, "4000") == 0);
        else
            CHECK(hr_field(&h, "Transfer-Encoding", v, sizeof(v)) && strcmp(v, "chunked") == 0);
        hr_free(&h);
        const char next[] = "GET /fd?kind=fd&size=10 HTTP/1.1\r\nHost: x\r\n\r\n";
        rs_send(fd, next, sizeof(next) - 1);
        CHECK(hr_read_reply(fd, false, 5000, &h));
        CHECK(h.status == 200 && h.complete && h.body_len == 10 && is_file_slice(h.body, 10, 0));
        hr_free(&h);
        close(fd);
    }
}

static void test_pipes(uint16_t port)
{
    CURL *curl = curl_easy_init();
    struct tc_reply r;
    tb_get(curl, port, "/pipe?n=1500000", false, &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_SIZE(r.body_len, 1500000);
    CHECK(tb_is_pattern(r.body, r.body_len));
    CHECK(tc_is_chunked(&r));
    tc_reply_free(&r);
    /* Empty, then data after a while, through a non-blocking pipe. */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    tb_get(curl, port, "/pipe?n=200000&delay=50&nb=1", false, &r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK_EQ_SIZE(r.body_len, 200000);
    CHECK(tb_is_pattern(r.body, r.body_len));
    CHECK_EQ_INT(r.connects, 0);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    CHECK_MSG(ms >= 50 && ms < 2000, "took %.0f ms", ms);
    tc_reply_free(&r);
    tb_get(curl, port, "/pipe?n=0", false, &r);
    CHECK(r.status == 200 && r.body_len == 0);
    tc_reply_free(&r);
    curl_easy_cleanup(curl);
    /* HTTP/1.0: the close ends the body. */
    struct hr_reply h;
    CHECK(hr_exchange(port, "GET /pipe?n=100000 HTTP/1.0\r\n\r\n", false, &h));
    CHECK(h.close_delimited && h.complete);
    CHECK_EQ_SIZE(h.body_len, 100000);
    CHECK(tb_is_pattern(h.body, h.body_len));
    hr_free(&h);
    /* A pipe serves one request; the second gets the handler's 409. */
    once_pipe = pipe_response(777, 0, false);
    tc_get(port, "/once", &r);
    CHECK(r.status == 200 && r.body_len == 777 && tb_is_pattern(r.body, 777));
    tc_reply_free(&r);
    tc_get(port, "/once", &r);
    CHECK_EQ_INT(r.status, 409);
    tc_reply_free(&r);
    MHD_destroy_response(once_pipe);
}

static void *shared_client(void *arg)
{
    uint16_t port = *(uint16_t *)arg;
    CURL *curl = curl_easy_init();
    intptr_t good = 0;
    for (int i = 0; i < 5; i++) {
        struct tc_reply r;
        tb_get(curl, port, "/shared", false, &r);
        good += r.status == 200 && r.body_len == 200000 && is_file_slice(r.body, 200000, 1000);
        tc_reply_free(&r);
    }
    curl_easy_cleanup(curl);
    return (void *)good;
}

static bool fd_open(int fd)
{
    return fcntl(fd, F_GETFD) >= 0;
}

static void run_mode(enum ts_mode mode)
{
    struct test_server ts;
    int sfd = dup(file_fd);
    shared_fd = MHD_create_response_from_fd_at_offset64(200000, sfd, 1000);
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_CONNECTION_TIMEOUT, 10, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (!ts_start(&ts, mode, 0, handler, NULL, opts)) {
        CHECK_MSG(0, "start in mode %s", ts_mode_names[mode]);
        MHD_destroy_response(shared_fd);
        return;
    }
    unsigned long failed_before = check_failed_;
    test_file_kinds(ts.port);
    test_short_file(ts.port);
    test_fallback(ts.port);
    test_forced_chunked(ts.port);
    test_head(ts.port);
    test_cork(mode, ts.port);
    test_pipes(ts.port);
    pthread_t t[3];
    uint16_t port = ts.port;
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, shared_client, &port);
    for (int i = 0; i < 3; i++) {
        void *good;
        pthread_join(t[i], &good);
        CHECK_EQ_INT((intptr_t)good, 5);
    }
    ts_stop(&ts);
    /* The shared response's file stays open while the application holds
     * the response, and is closed with it. */
    CHECK(fd_open(sfd));
    MHD_destroy_response(shared_fd);
    CHECK(!fd_open(sfd) && errno == EBADF);
    printf("mode %-12s %s\n", ts_mode_names[mode], check_failed_ == failed_before ? "ok" : "FAIL");
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char path[] = "/tmp/mhd-test-fd-XXXXXX";
    file_fd = mkstemp(path);
    unlink(path);
    file_data = malloc(FILE_LEN);
    for (size_t i = 0; i < FILE_LEN; i++)
        file_data[i] = (unsigned char)(tb_pat(i) ^ (i >> 16));
    CHECK(write(file_fd, file_data, FILE_LEN) == (ssize_t)FILE_LEN);
    char spath[] = "/tmp/mhd-test-sparse-XXXXXX";
    sparse_fd = mkstemp(spath);
    unlink(spath);
    CHECK(ftruncate(sparse_fd, (off_t)SPARSE_LEN) == 0);
    /* Every creator closes its fd when the response is destroyed unused. */
    int fds[4];
    for (int i = 0; i < 4; i++)
        fds[i] = dup(file_fd);
    MHD_destroy_response(MHD_create_response_from_fd(10, fds[0]));
    MHD_destroy_response(MHD_create_response_from_fd64(10, fds[1]));
    MHD_destroy_response(MHD_create_response_from_fd_at_offset(10, fds[2], 5));
    MHD_destroy_response(MHD_create_response_from_fd_at_offset64(10, fds[3], 5));
    for (int i = 0; i < 4; i++)
        CHECK(!fd_open(fds[i]));
    int p[2];
    CHECK(pipe(p) == 0);
    MHD_destroy_response(MHD_create_response_from_pipe(p[0]));
    CHECK(!fd_open(p[0]));
    close(p[1]);
    TS_FOR_EACH_MODE(mode)
    run_mode(mode);
    close(file_fd);
    close(sparse_fd);
    free(file_data);
    curl_global_cleanup();
    return check_done();
}
