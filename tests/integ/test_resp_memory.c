/* In-memory bodies through libcurl and raw sockets, in every thread mode:
 * iovec responses with more elements than IOV_MAX (and empty ones), sent
 * with and without chunking, through a small send buffer to a slow reader
 * so writes stop in the middle of elements; buffer responses of every
 * memory mode; HEAD, HTTP/1.0, keep-alive, pipelining; the free callback
 * once per response. Bodies are compared byte for byte. */
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bodies.h"
#include "check.h"
#include "client.h"
#include "rawhttp.h"
#include "testsrv.h"
#include "tlstest.h"

#define BASE_LEN ((size_t)1 << 20)

static unsigned char *base;
static atomic_uint iov_frees;
static atomic_uint buf_frees;

/* Element i of an n-element body: lengths vary from 0 to 1996 bytes, taken
 * from the base buffer at moving offsets. */
static size_t elem_len(size_t i)
{
    return i % 100 == 99 ? 0 : 1 + (i * 37) % 1996;
}

static size_t elem_off(size_t i)
{
    return (i * 7919) % (BASE_LEN - 2000);
}

static size_t body_len(size_t n)
{
    size_t t = 0;
    for (size_t i = 0; i < n; i++)
        t += elem_len(i);
    return t;
}

static bool is_body(const char *p, size_t len, size_t n)
{
    if (len != body_len(n))
        return false;
    for (size_t i = 0; i < n; i++) {
        size_t l = elem_len(i);
        if (memcmp(p, base + elem_off(i), l) != 0)
            return false;
        p += l;
    }
    return true;
}

static void count_iov_free(void *cls)
{
    (void)cls;
    atomic_fetch_add(&iov_frees, 1);
}

static void count_buf_free(void *cls)
{
    free(cls);
    atomic_fetch_add(&buf_frees, 1);
}

static struct MHD_Response *iovec_response(struct MHD_Connection *c)
{
    size_t n = (size_t)tb_arg(c, "n", 10);
    struct MHD_IoVec *iov = calloc(n ? n : 1, sizeof(*iov));
    for (size_t i = 0; i < n; i++) {
        iov[i].iov_base = base + elem_off(i);
        iov[i].iov_len = elem_len(i);
    }
    struct MHD_Response *r =
        MHD_create_response_from_iovec(iov, (unsigned int)n, count_iov_free, NULL);
    free(iov); /* the array is copied, the data is not */
    if (tb_arg(c, "chunked", 0))
        MHD_add_response_header(r, "Transfer-Encoding", "chunked");
    if (tb_arg(c, "sndbuf", 0)) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        int small = (int)tb_arg(c, "sndbuf", 0);
        setsockopt(ci->connect_fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    }
    return r;
}

/* /buf?mode=static|copy|free|persistent|mustfree|mustcopy&n=N: the first N
 * bytes of the base buffer. */
static struct MHD_Response *buffer_response(struct MHD_Connection *c)
{
    size_t n = (size_t)tb_arg(c, "n", 100);
    const char *m = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "mode");
    if (m == NULL || strcmp(m, "static") == 0)
        return MHD_create_response_from_buffer_static(n, base);
    if (strcmp(m, "copy") == 0)
        return MHD_create_response_from_buffer_copy(n, base);
    if (strcmp(m, "persistent") == 0)
        return MHD_create_response_from_buffer(n, base, MHD_RESPMEM_PERSISTENT);
    if (strcmp(m, "mustcopy") == 0)
        return MHD_create_response_from_buffer(n, base, MHD_RESPMEM_MUST_COPY);
    char *p = malloc(n ? n : 1);
    memcpy(p, base, n);
    if (strcmp(m, "mustfree") == 0)
        return MHD_create_response_from_buffer(n, p, MHD_RESPMEM_MUST_FREE);
    return MHD_create_response_from_buffer_with_free_callback(n, p, count_buf_free);
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
    struct MHD_Response *r;
    if (strcmp(url, "/iov") == 0)
        r = iovec_response(c);
    else if (strcmp(url, "/buf") == 0)
        r = buffer_response(c);
    else
        return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* More elements than one writev takes, with and without chunks, HTTP/1.0
 * and 1.1, over one connection. */
static void test_iovec(uint16_t port)
{
    const size_t counts[] = {1, 3, IOV_MAX - 1, IOV_MAX, IOV_MAX + 1, 3 * IOV_MAX + 5};
    CURL *curl = curl_easy_init();
    char v[64];
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        for (int chunked = 0; chunked < 2; chunked++) {
            char path[128];
            snprintf(path, sizeof(path), "/iov?n=%zu&chunked=%d", counts[i], chunked);
            struct tc_reply r;
            tb_get(curl, port, path, false, &r);
            CHECK_EQ_INT(r.status, 200);
            CHECK_MSG(is_body(r.body, r.body_len, counts[i]), "%s: %zu bytes, want %zu", path,
                      r.body_len, body_len(counts[i]));
            CHECK(chunked ? tc_is_chunked(&r) : tc_header(&r, "Content-Length", v, sizeof(v)));
            CHECK_EQ_INT(r.connects, i == 0 && !chunked ? 1 : 0);
            tc_reply_free(&r);
        }
    }
    curl_easy_cleanup(curl);
    /* An empty iovec list, and a chunked one: zero chunk only. */
    struct hr_reply h;
    CHECK(hr_exchange(port, "GET /iov?n=0 HTTP/1.1\r\nHost: x\r\n\r\n", false, &h));
    CHECK(h.complete && h.body_len == 0 && !h.chunked);
    hr_free(&h);
    CHECK(hr_exchange(port, "GET /iov?n=0&chunked=1 HTTP/1.1\r\nHost: x\r\n\r\n", false, &h));
    CHECK(h.complete && h.body_len == 0 && h.chunked);
    hr_free(&h);
    /* HTTP/1.0: no chunks even when asked for, Content-Length instead. */
    CHECK(hr_exchange(port, "GET /iov?n=2000&chunked=1 HTTP/1.0\r\n\r\n", false, &h));
    CHECK(h.complete && !h.chunked && is_body(h.body, h.body_len, 2000));
    CHECK(hr_field(&h, "Connection", v, sizeof(v)) && strcmp(v, "close") == 0);
    hr_free(&h);
}

/* Reads slowly through a small receive window from a server whose send
 * buffer is small: most writes are partial, many end inside an element. */
static void test_partial_writes(uint16_t port)
{
    int fd;
    if (tt_on()) {
        /* Over TLS the proxy reads only as fast as this test does. */
        fd = rs_connect(port);
        CHECK(fd >= 0);
    } else {
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int small = 4096;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
        struct sockaddr_in sa = {0};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    }
    const size_t n = 2 * IOV_MAX + 17;
    for (int chunked = 0; chunked < 2; chunked++) {
        char req[128];
        snprintf(req, sizeof(req), "GET /iov?n=%zu&sndbuf=4096&chunked=%d HTTP/1.1\r\nHost: x\r\n\r\n",
                 n, chunked);
        rs_send(fd, req, strlen(req));
        /* The reply, read 700 bytes at a time. */
        size_t cap = body_len(n) * 2 + 4096, len = 0;
        char *buf = malloc(cap);
        struct hr_reply h = {0};
        size_t target = 0; /* the whole reply's length, once the head tells */
        while (len < cap) {
            if (target && len >= target)
                break;
            if (chunked && len > 7 && memcmp(buf + len - 7, "\r\n0\r\n\r\n", 7) == 0)
                break;
            struct pollfd p = {fd, POLLIN, 0};
            if (poll(&p, 1, 5000) <= 0)
                break;
            ssize_t k = recv(fd, buf + len, 700, 0);
            if (k <= 0)
                break;
            len += (size_t)k;
            if (!chunked && !target && memmem(buf, len, "\r\n\r\n", 4) != NULL) {
                char v[32];
                CHECK(hr_parse(buf, len, false, false, &h) && hr_field(&h, "Content-Length", v, sizeof(v)));
                target = h.head_len + 2 + (size_t)strtoull(v, NULL, 10);
                hr_free(&h);
            }
        }
        CHECK(hr_parse(buf, len, false, false, &h));
        CHECK(h.complete && h.chunked == (chunked != 0));
        CHECK_MSG(is_body(h.body, h.body_len, n), "got %zu bytes, want %zu", h.body_len,
                  body_len(n));
        CHECK_EQ_SIZE(h.wire_len, len); /* nothing after the reply */
        hr_free(&h);
        free(buf);
    }
    close(fd);
}

/* Buffer responses of every kind; HEAD; pipelined requests answered in
 * order on one connection. */
static void test_buffers(uint16_t port)
{
    static const char *const modes[] = {"static", "copy", "persistent", "mustcopy", "mustfree",
                                        "free"};
    CURL *curl = curl_easy_init();
    for (size_t i = 0; i < 6; i++) {
        static const size_t sizes[] = {0, 1, 4000, 300000};
        for (size_t k = 0; k < 4; k++) {
            char path[128];
            snprintf(path, sizeof(path), "/buf?mode=%s&n=%zu", modes[i], sizes[k]);
            struct tc_reply r;
            tb_get(curl, port, path, k == 3, &r);
            CHECK_EQ_INT(r.status, 200);
            CHECK_EQ_MEM(r.body, r.body_len, base, sizes[k]);
            tc_reply_free(&r);
        }
    }
    curl_easy_cleanup(curl);
    const char reqs[] = "HEAD /buf?n=5000 HTTP/1.1\r\nHost: x\r\n\r\n"
                        "GET /iov?n=5 HTTP/1.1\r\nHost: x\r\n\r\n"
                        "HEAD /iov?n=5000 HTTP/1.1\r\nHost: x\r\n\r\n"
                        "GET /buf?n=7 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    int fd = rs_connect(port);
    rs_send(fd, reqs, sizeof(reqs) - 1);
    char *buf;
    bool closed;
    size_t len = hr_recv_all(fd, &buf, 1 << 20, 5000, &closed);
    close(fd);
    CHECK(closed);
    struct hr_reply h;
    size_t at = 0;
    char v[64];
    CHECK(hr_parse(buf + at, len - at, closed, true, &h));
    CHECK(hr_field(&h, "Content-Length", v, sizeof(v)) && strcmp(v, "5000") == 0);
    at += h.wire_len;
    hr_free(&h);
    CHECK(hr_parse(buf + at, len - at, closed, false, &h));
    CHECK(h.complete && is_body(h.body, h.body_len, 5));
    at += h.wire_len;
    hr_free(&h);
    CHECK(hr_parse(buf + at, len - at, closed, true, &h));
    CHECK(hr_field(&h, "Content-Length", v, sizeof(v)) && strtoull(v, NULL, 10) == body_len(5000));
    at += h.wire_len;
    hr_free(&h);
    CHECK(hr_parse(buf + at, len - at, closed, false, &h));
    CHECK(h.complete && h.body_len == 7 && memcmp(h.body, base, 7) == 0);
    CHECK_EQ_SIZE(at + h.wire_len, len);
    hr_free(&h);
    free(buf);
}

static void run_mode(enum ts_mode mode)
{
    struct test_server ts;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_CONNECTION_TIMEOUT, 10, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    atomic_store(&iov_frees, 0);
    atomic_store(&buf_frees, 0);
    if (!ts_start(&ts, mode, 0, handler, NULL, opts)) {
        CHECK_MSG(0, "start in mode %s", ts_mode_names[mode]);
        return;
    }
    unsigned long failed_before = check_failed_;
    test_iovec(ts.port);
    test_partial_writes(ts.port);
    test_buffers(ts.port);
    ts_stop(&ts);
    /* One free callback per response: 12 + 3 + 2 iovec requests and the
     * pipelined one, 4 free-callback buffer requests. */
    CHECK_EQ_INT(atomic_load(&iov_frees), 12 + 3 + 2 + 2);
    CHECK_EQ_INT(atomic_load(&buf_frees), 4);
    printf("mode %-12s %s\n", ts_mode_names[mode], check_failed_ == failed_before ? "ok" : "FAIL");
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    base = malloc(BASE_LEN);
    for (size_t i = 0; i < BASE_LEN; i++)
        base[i] = (unsigned char)((i * 2654435761u) >> 11);
    TS_FOR_EACH_MODE(mode)
    run_mode(mode);
    free(base);
    curl_global_cleanup();
    return check_done();
}
