/* Content-reader responses through libcurl and raw sockets, in every thread
 * mode: known size (Content-Length) and unknown size (chunked for HTTP/1.1,
 * close-delimited for HTTP/1.0), the block size, a reader that has nothing
 * for a while (the server must not spin meanwhile), an early end and an
 * error (the client sees a truncated reply), a sized reader that ends or
 * fails at once (the head still goes out; forced chunks end cleanly with
 * their footers), footers as chunked trailers,
 * HEAD (the reader is never called), keep-alive and close, large bodies
 * compared byte for byte, and a response shared by many requests on many
 * connections whose free callback runs exactly once. */
#include <pthread.h>
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
#include "testsrv.h"
#include "tlstest.h"

/* Per-request statistics live in slots the test reads back; slot 0 is the
 * default. */
#define SLOTS 4
static atomic_size_t max_seen[SLOTS]; /* the largest `max` the reader was offered */
static atomic_uint reads[SLOTS];      /* reader calls */
static atomic_uint frees;             /* free callbacks of per-request responses */
static atomic_uint term[8];           /* completion callbacks by termination code */

/* What a reader produces: body bytes [0, end), then the end it is told. */
struct gen {
    uint64_t end;
    bool fail_at_end;        /* END_WITH_ERROR instead of END_OF_STREAM */
    bool footer_at_end;      /* adds a footer to its own response before ending */
    unsigned int wait_ms;    /* answers 0 ("nothing yet") this long after its first call */
    unsigned int slot;
    struct timespec first;
    bool started;
    struct MHD_Response *resp;
};

static double cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static ssize_t gen_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct gen *g = cls;
    atomic_fetch_add(&reads[g->slot], 1);
    size_t seen = atomic_load(&max_seen[g->slot]);
    while (max > seen && !atomic_compare_exchange_weak(&max_seen[g->slot], &seen, max))
        ;
    if (!g->started) {
        clock_gettime(CLOCK_MONOTONIC, &g->first);
        g->started = true;
    }
    if (g->wait_ms && tb_ms_since(&g->first) < g->wait_ms)
        return 0;
    if (pos >= g->end) {
        if (g->footer_at_end && g->resp != NULL)
            MHD_add_response_footer(g->resp, "X-Late", "from-reader");
        return g->fail_at_end ? MHD_CONTENT_READER_END_WITH_ERROR
                              : MHD_CONTENT_READER_END_OF_STREAM;
    }
    size_t n = g->end - pos < max ? (size_t)(g->end - pos) : max;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)tb_pat(pos + i);
    return (ssize_t)n;
}

static void gen_free(void *cls)
{
    free(cls);
    atomic_fetch_add(&frees, 1);
}

/* The response every /shared request gets; the test owns it. */
static struct gen shared_gen = {.end = 30000};
static struct MHD_Response *shared;
static atomic_uint shared_frees;

static void shared_free(void *cls)
{
    (void)cls;
    atomic_fetch_add(&shared_frees, 1);
}

/* /known and /unknown, with arguments n (body size), b (block size),
 * short (the reader ends there, before n), err (the reader fails there),
 * none=1 (it ends at once), fail=1 (it fails at once), wait (ms of "nothing
 * yet"), slot, footer, te=1 (the application forces chunked framing). */
static struct MHD_Response *make_response(struct MHD_Connection *c, const char *url)
{
    if (strcmp(url, "/shared") == 0)
        return shared;
    bool known = strcmp(url, "/known") == 0;
    if (!known && strcmp(url, "/unknown") != 0)
        return NULL;
    struct gen *g = calloc(1, sizeof(*g));
    uint64_t n = tb_arg(c, "n", 1000);
    g->end = n;
    if (tb_arg(c, "short", 0))
        g->end = tb_arg(c, "short", 0);
    if (tb_arg(c, "err", 0)) {
        g->end = tb_arg(c, "err", 0);
        g->fail_at_end = true;
    }
    if (tb_arg(c, "none", 0) || tb_arg(c, "fail", 0)) {
        g->end = 0;
        g->fail_at_end = tb_arg(c, "fail", 0) != 0;
    }
    g->wait_ms = (unsigned int)tb_arg(c, "wait", 0);
    g->slot = (unsigned int)tb_arg(c, "slot", 0) % SLOTS;
    g->footer_at_end = tb_arg(c, "footer", 0) != 0;
    struct MHD_Response *r = MHD_create_response_from_callback(
        known ? n : MHD_SIZE_UNKNOWN, (size_t)tb_arg(c, "b", 1024), gen_read, g, gen_free);
    g->resp = r;
    if (g->footer_at_end)
        MHD_add_response_footer(r, "X-Early", "at-creation");
    if (tb_arg(c, "te", 0))
        MHD_add_response_header(r, "Transfer-Encoding", "chunked");
    return r;
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
    struct MHD_Response *r = make_response(c, url);
    if (r == NULL)
        return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    if (r != shared)
        MHD_destroy_response(r);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)req_cls;
    atomic_fetch_add(&term[(unsigned int)toe % 8], 1);
}

/* Waits (bounded) until *a reaches want. */
static void reset_slot(unsigned int s)
{
    atomic_store(&max_seen[s], 0);
    atomic_store(&reads[s], 0);
}

/* Known size, unknown size (1.1 chunked, 1.0 close-delimited), block
 * sizes, keep-alive. */
static void test_framing(uint16_t port)
{
    CURL *curl = curl_easy_init();
    struct tc_reply r;
    char v[64];
    static const struct {
        size_t n, block;
    } cases[] = {{200000, 1000}, {3000, 1}, {100000, 4096}, {1, 7}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int known = 0; known < 2; known++) {
            char path[128];
            snprintf(path, sizeof(path), "/%s?n=%zu&b=%zu&slot=1", known ? "known" : "unknown",
                     cases[i].n, cases[i].block);
            reset_slot(1);
            tb_get(curl, port, path, false, &r);
            CHECK_EQ_INT(r.status, 200);
            CHECK_EQ_SIZE(r.body_len, cases[i].n);
            CHECK_MSG(tb_is_pattern(r.body, r.body_len), "%s: body differs", path);
            if (known)
                CHECK(tc_header(&r, "Content-Length", v, sizeof(v)) &&
                      strtoull(v, NULL, 10) == cases[i].n);
            else
                CHECK(tc_is_chunked(&r));
            /* The reader is offered the block size (less only where the
             * known size ends first). */
            size_t want = known && cases[i].n < cases[i].block ? cases[i].n : cases[i].block;
            CHECK_MSG(atomic_load(&max_seen[1]) == want,
                      "%s: largest read %zu, block %zu", path, atomic_load(&max_seen[1]),
                      cases[i].block);
            CHECK_EQ_INT(r.connects, i == 0 && !known ? 1 : 0); /* one connection throughout */
            tc_reply_free(&r);
        }
    }
    /* A block larger than the connection's memory: bounded by the memory. */
    reset_slot(1);
    tb_get(curl, port, "/unknown?n=300000&b=10000000&slot=1", false, &r);
    CHECK_EQ_SIZE(r.body_len, 300000);
    CHECK(tb_is_pattern(r.body, r.body_len));
    CHECK(atomic_load(&max_seen[1]) > 1000 && atomic_load(&max_seen[1]) < 10000000);
    tc_reply_free(&r);
    curl_easy_cleanup(curl);

    /* HTTP/1.0: no chunking, the close ends the body. */
    curl = curl_easy_init();
    tb_get(curl, port, "/unknown?n=70000&b=3000", true, &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_SIZE(r.body_len, 70000);
    CHECK(tb_is_pattern(r.body, r.body_len));
    CHECK(!tc_header(&r, "Transfer-Encoding", v, sizeof(v)));
    CHECK(!tc_header(&r, "Content-Length", v, sizeof(v)));
    CHECK(tc_header(&r, "Connection", v, sizeof(v)) && strcmp(v, "close") == 0);
    tc_reply_free(&r);
    curl_easy_cleanup(curl);

    struct hr_reply h;
    CHECK(hr_exchange(port, "GET /unknown?n=5000 HTTP/1.0\r\n\r\n", false, &h));
    CHECK(h.close_delimited && h.complete);
    CHECK_EQ_SIZE(h.body_len, 5000);
    CHECK(tb_is_pattern(h.body, h.body_len));
    hr_free(&h);
    /* HTTP/1.0 with keep-alive asked for: still close-delimited. */
    CHECK(hr_exchange(port, "GET /unknown?n=5000 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                      false, &h));
    CHECK(h.close_delimited && h.complete && h.body_len == 5000);
    hr_free(&h);
    /* HTTP/1.0 with a known size keeps the connection when asked. */
    int fd = rs_connect(port);
    for (int i = 0; i < 2; i++) {
        const char req[] = "GET /known?n=3000 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
        rs_send(fd, req, sizeof(req) - 1);
        CHECK(hr_read_reply(fd, false, 5000, &h));
        CHECK(h.complete && h.body_len == 3000 && tb_is_pattern(h.body, h.body_len));
        CHECK(hr_field(&h, "Connection", v, sizeof(v)) && strcasecmp(v, "keep-alive") == 0);
        hr_free(&h);
    }
    close(fd);
    /* Connection: close from the client. */
    CHECK(hr_exchange(port, "GET /unknown?n=2000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                      false, &h));
    CHECK(h.chunked && h.complete && h.body_len == 2000);
    CHECK(hr_field(&h, "Connection", v, sizeof(v)) && strcmp(v, "close") == 0);
    hr_free(&h);
}

/* A reader that has nothing for a while: the connection waits without
 * spinning and gets the data once it comes. */
static void test_wait(uint16_t port)
{
    CURL *curl = curl_easy_init();
    struct tc_reply r;
    reset_slot(2);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double cpu0 = cpu_ms();
    tb_get(curl, port, "/known?n=50000&wait=300&slot=2", false, &r);
    double cpu = cpu_ms() - cpu0;
    double wall = tb_ms_since(&t0);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_SIZE(r.body_len, 50000);
    CHECK(tb_is_pattern(r.body, r.body_len));
    CHECK_MSG(wall >= 300 && wall < 2000, "waited %.0f ms", wall);
    /* Spinning would burn the whole 300 ms and call the reader thousands of
     * times; a backoff capped near 100 ms asks about a dozen times. */
    CHECK_MSG(cpu < 100, "process CPU %.1f ms over a %.0f ms wait", cpu, wall);
    CHECK_MSG(atomic_load(&reads[2]) < 60, "%u reader calls", atomic_load(&reads[2]));
    tc_reply_free(&r);
    /* Chunked, and the delay starts again once data came: a second request
     * on the same connection waits only as long as its reader does. */
    reset_slot(2);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    tb_get(curl, port, "/unknown?n=20000&wait=30&slot=2", false, &r);
    wall = tb_ms_since(&t0);
    CHECK_EQ_SIZE(r.body_len, 20000);
    CHECK(tb_is_pattern(r.body, r.body_len));
    CHECK_MSG(wall >= 30 && wall < 500, "waited %.0f ms", wall);
    CHECK_EQ_INT(r.connects, 0);
    tc_reply_free(&r);
    curl_easy_cleanup(curl);
}

/* An early end of a sized body and a reader error: the client sees a
 * truncated reply and the connection closes. */
static void test_truncation(uint16_t port)
{
    CURL *curl = curl_easy_init();
    struct tc_reply r;
    unsigned int err0 = atomic_load(&term[MHD_REQUEST_TERMINATED_WITH_ERROR]);
    /* Over HTTP/2 the stream ends short of its Content-Length (or is reset
     * when no length was announced), and libcurl keeps back what it had
     * buffered: only the error is certain there. */
    tb_get(curl, port, "/known?n=50000&short=20000", false, &r);
    CHECK(r.code != CURLE_OK);
    CHECK(th_on() ? r.body_len <= 20000 : r.body_len == 20000);
    tc_reply_free(&r);
    tb_get(curl, port, "/known?n=50000&err=30000", false, &r);
    CHECK(r.code != CURLE_OK);
    CHECK(th_on() ? r.body_len <= 30000 : r.body_len == 30000);
    CHECK(tb_is_pattern(r.body, r.body_len));
    tc_reply_free(&r);
    tb_get(curl, port, "/unknown?n=50000&err=30000", false, &r);
    CHECK(r.code != CURLE_OK);
    CHECK(th_on() ? r.body_len <= 30000 : r.body_len == 30000);
    tc_reply_free(&r);
    curl_easy_cleanup(curl);
    /* On the wire: the chunked body has no last chunk, and the server closed. */
    struct hr_reply h;
    CHECK(hr_exchange(port, "GET /unknown?n=9000&err=4000&b=1000 HTTP/1.1\r\nHost: x\r\n\r\n",
                      false, &h));
    CHECK(h.chunked && !h.complete);
    CHECK_EQ_SIZE(h.body_len, 4000);
    hr_free(&h);
    CHECK(tb_wait_count(&term[MHD_REQUEST_TERMINATED_WITH_ERROR], err0 + 3, 5000));
}

/* Sends `req` and reads what comes until the server closes (at most
 * 5 s without data); false if it did not close. */
static bool exchange_to_close(uint16_t port, const char *req, struct hr_reply *h)
{
    int fd = rs_connect(port);
    rs_send(fd, req, strlen(req));
    char *buf;
    bool closed;
    size_t n = hr_recv_all(fd, &buf, 1 << 20, 5000, &closed);
    close(fd);
    bool parsed = hr_parse(buf, n, closed, false, h);
    free(buf);
    if (!parsed)
        memset(h, 0, sizeof(*h));
    return closed && parsed;
}

/* A reader of a sized body (1280 bytes) that ends or fails on its first
 * call. The head goes out and then the connection closes (the body cannot
 * match its length); with chunks forced by the application the body ends
 * cleanly, empty, with its footers, and the connection stays open; a
 * failure leaves chunks without their last one. */
static void test_end_at_once(uint16_t port)
{
    unsigned int ok0 = atomic_load(&term[MHD_REQUEST_TERMINATED_COMPLETED_OK]);
    unsigned int err0 = atomic_load(&term[MHD_REQUEST_TERMINATED_WITH_ERROR]);
    struct hr_reply h;
    char v[64];
    CHECK(exchange_to_close(port, "GET /known?n=1280&none=1 HTTP/1.1\r\nHost: x\r\n\r\n", &h));
    CHECK(h.status == 200 && !h.chunked && !h.complete && h.body_len == 0);
    CHECK(hr_field(&h, "Content-Length", v, sizeof(v)) && strcmp(v, "1280") == 0);
    hr_free(&h);
    CHECK(exchange_to_close(port, "GET /known?n=1280&none=1&te=1 HTTP/1.0\r\n\r\n", &h));
    CHECK(h.status == 200 && !h.chunked && !h.complete && h.body_len == 0);
    CHECK(hr_field(&h, "Content-Length", v, sizeof(v)) && strcmp(v, "1280") == 0);
    hr_free(&h);
    CHECK(exchange_to_close(port, "GET /known?n=1280&fail=1 HTTP/1.1\r\nHost: x\r\n\r\n", &h));
    CHECK(h.status == 200 && !h.complete && h.body_len == 0);
    hr_free(&h);
    CHECK(exchange_to_close(port, "GET /known?n=1280&fail=1&te=1 HTTP/1.1\r\nHost: x\r\n\r\n", &h));
    CHECK(h.status == 200 && h.chunked && !h.complete && h.body_len == 0);
    hr_free(&h);
    /* Forced chunks: an empty body, its footers, and the connection open. */
    int fd = rs_connect(port);
    const char req[] = "GET /known?n=1280&none=1&te=1&footer=1 HTTP/1.1\r\nHost: x\r\n\r\n";
    rs_send(fd, req, sizeof(req) - 1);
    CHECK(hr_read_reply(fd, false, 5000, &h));
    CHECK(h.status == 200 && h.chunked && h.complete && h.body_len == 0);
    CHECK(!hr_field(&h, "Content-Length", v, sizeof(v)));
    CHECK(hr_trailer(&h, "X-Early", v, sizeof(v)) && strcmp(v, "at-creation") == 0);
    CHECK(hr_trailer(&h, "X-Late", v, sizeof(v)) && strcmp(v, "from-reader") == 0);
    hr_free(&h);
    const char next[] = "GET /known?n=10 HTTP/1.1\r\nHost: x\r\n\r\n";
    rs_send(fd, next, sizeof(next) - 1);
    CHECK(hr_read_reply(fd, false, 5000, &h) && h.complete && h.body_len == 10);
    hr_free(&h);
    close(fd);
    /* Through curl: a short reply (an error for it), and an empty one. */
    CURL *curl = curl_easy_init();
    struct tc_reply r;
    tb_get(curl, port, "/known?n=1280&none=1", false, &r);
    CHECK(r.code != CURLE_OK && r.body_len == 0);
    tc_reply_free(&r);
    tb_get(curl, port, "/known?n=1280&none=1&te=1", false, &r);
    CHECK(r.code == CURLE_OK && r.status == 200 && r.body_len == 0);
    tc_reply_free(&r);
    curl_easy_cleanup(curl);
    /* An early end is COMPLETED_OK (as upstream reports it), a failure
     * WITH_ERROR; the requests on the kept connection end OK too. */
    CHECK(tb_wait_count(&term[MHD_REQUEST_TERMINATED_WITH_ERROR], err0 + 2, 5000));
    CHECK(tb_wait_count(&term[MHD_REQUEST_TERMINATED_COMPLETED_OK], ok0 + 6, 5000));
}

/* Footers: trailers of a chunked reply (one set at creation, one added by
 * the reader itself), absent from close-delimited and HEAD replies. */
static void test_footers(uint16_t port)
{
    struct hr_reply h;
    char v[64];
    CHECK(hr_exchange(port, "GET /unknown?n=1500&footer=1 HTTP/1.1\r\nHost: x\r\n\r\n", false,
                      &h));
    CHECK(h.chunked && h.complete);
    CHECK_EQ_SIZE(h.body_len, 1500);
    CHECK(hr_trailer(&h, "X-Early", v, sizeof(v)) && strcmp(v, "at-creation") == 0);
    CHECK(hr_trailer(&h, "X-Late", v, sizeof(v)) && strcmp(v, "from-reader") == 0);
    CHECK(!hr_field(&h, "X-Early", v, sizeof(v)));
    hr_free(&h);
    /* An empty chunked body still carries them. */
    CHECK(hr_exchange(port, "GET /unknown?n=0&footer=1 HTTP/1.1\r\nHost: x\r\n\r\n", false, &h));
    CHECK(h.chunked && h.complete && h.body_len == 0);
    CHECK(hr_trailer(&h, "X-Late", v, sizeof(v)));
    hr_free(&h);
    int fd = rs_connect(port);
    const char req10[] = "GET /unknown?n=1500&footer=1 HTTP/1.0\r\n\r\n";
    rs_send(fd, req10, sizeof(req10) - 1);
    char *buf;
    bool closed;
    size_t n = hr_recv_all(fd, &buf, 1 << 20, 5000, &closed);
    close(fd);
    CHECK(closed && n > 1500);
    CHECK(memmem(buf, n, "X-Early", 7) == NULL && memmem(buf, n, "X-Late", 6) == NULL);
    free(buf);
}

/* HEAD: the framing headers of GET, no body, no reader call; the next
 * request on the connection proves nothing else was sent. */
static void test_head(uint16_t port)
{
    static const char *const paths[] = {"/known?n=5000&slot=3", "/unknown?n=5000&slot=3"};
    for (int i = 0; i < 2; i++) {
        reset_slot(3);
        int fd = rs_connect(port);
        char req[256];
        snprintf(req, sizeof(req), "HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n", paths[i]);
        rs_send(fd, req, strlen(req));
        struct hr_reply h;
        CHECK(hr_read_reply(fd, true, 5000, &h));
        CHECK_EQ_INT(h.status, 200);
        char v[64];
        if (i == 0)
            CHECK(hr_field(&h, "Content-Length", v, sizeof(v)) && strcmp(v, "5000") == 0);
        else
            CHECK(hr_field(&h, "Transfer-Encoding", v, sizeof(v)) && strcmp(v, "chunked") == 0);
        hr_free(&h);
        const char next[] = "GET /known?n=10 HTTP/1.1\r\nHost: x\r\n\r\n";
        rs_send(fd, next, sizeof(next) - 1);
        CHECK(hr_read_reply(fd, false, 5000, &h));
        CHECK_EQ_INT(h.status, 200);
        CHECK(h.complete && h.body_len == 10 && tb_is_pattern(h.body, 10));
        hr_free(&h);
        close(fd);
        CHECK_EQ_INT(atomic_load(&reads[3]), 0);
    }
    CURL *curl = curl_easy_init();
    struct tc_request rq = {0};
    struct tc_reply r;
    rq.method = "HEAD";
    rq.path = "/known?n=123456";
    tc_perform(curl, port, &rq, &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_SIZE(r.body_len, 0);
    tc_reply_free(&r);
    curl_easy_cleanup(curl);
}

/* Large bodies, byte for byte. */
static void test_large(uint16_t port)
{
    CURL *curl = curl_easy_init();
    struct tc_reply r;
    const size_t big = (size_t)6 << 20;
    char path[128];
    snprintf(path, sizeof(path), "/known?n=%zu&b=65536", big);
    tb_get(curl, port, path, false, &r);
    CHECK_EQ_SIZE(r.body_len, big);
    CHECK(tb_is_pattern(r.body, r.body_len));
    tc_reply_free(&r);
    snprintf(path, sizeof(path), "/unknown?n=%zu&b=30000", big + 7);
    tb_get(curl, port, path, false, &r);
    CHECK_EQ_SIZE(r.body_len, big + 7);
    CHECK(tb_is_pattern(r.body, r.body_len));
    tc_reply_free(&r);
    curl_easy_cleanup(curl);
}

static void *shared_client(void *arg)
{
    uint16_t port = *(uint16_t *)arg;
    CURL *curl = curl_easy_init();
    int good = 0;
    for (int i = 0; i < 6; i++) {
        struct tc_reply r;
        tb_get(curl, port, "/shared", i == 5, &r);
        if (r.status == 200 && r.body_len == 30000 && tb_is_pattern(r.body, r.body_len))
            good++;
        tc_reply_free(&r);
    }
    curl_easy_cleanup(curl);
    return (void *)(intptr_t)good;
}

/* One response for many requests on several connections at once. */
static void test_shared(uint16_t port)
{
    pthread_t t[4];
    uint16_t p = port;
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, shared_client, &p);
    for (int i = 0; i < 4; i++) {
        void *good;
        pthread_join(t[i], &good);
        CHECK_EQ_INT((intptr_t)good, 6);
    }
    CHECK_EQ_INT(atomic_load(&shared_frees), 0);
}

static void run_mode(enum ts_mode mode)
{
    struct test_server ts;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, 10, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    shared = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 2048, gen_read, &shared_gen,
                                               shared_free);
    atomic_store(&shared_frees, 0);
    atomic_store(&frees, 0);
    for (int i = 0; i < 8; i++)
        atomic_store(&term[i], 0);
    if (!ts_start(&ts, mode, 0, handler, NULL, opts)) {
        CHECK_MSG(0, "start in mode %s", ts_mode_names[mode]);
        MHD_destroy_response(shared);
        return;
    }
    unsigned long failed_before = check_failed_;
    test_framing(ts.port);
    test_wait(ts.port);
    test_truncation(ts.port);
    test_end_at_once(ts.port);
    test_footers(ts.port);
    test_head(ts.port);
    test_large(ts.port);
    test_shared(ts.port);
    ts_stop(&ts);
    /* Every per-request response was freed once its request ended. */
    unsigned int done = 0;
    for (int i = 0; i < 8; i++)
        done += atomic_load(&term[i]);
    CHECK_EQ_INT(atomic_load(&frees), done - 24); /* minus the /shared requests */
    CHECK_EQ_INT(atomic_load(&shared_frees), 0);
    MHD_destroy_response(shared);
    CHECK_EQ_INT(atomic_load(&shared_frees), 1);
    printf("mode %-12s %s\n", ts_mode_names[mode], check_failed_ == failed_before ? "ok" : "FAIL");
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    TS_FOR_EACH_MODE(mode)
    run_mode(mode);
    curl_global_cleanup();
    return check_done();
}
