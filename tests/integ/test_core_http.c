/* The HTTP/1.1 engine through real clients, in every thread mode: GET, HEAD,
 * keep-alive, uploads by Content-Length and chunked (with trailers),
 * arguments, HTTP/1.0, pipelining, 100-continue, early answers and the
 * notifications. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "testsrv.h"
#include "tlstest.h"

struct upload_state {
    char *data;
    size_t len;
    int calls;
};

static atomic_int completed_ok;
static atomic_int completed_other;
static atomic_int conns_started;
static atomic_int conns_closed;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int code, const char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer_copy(strlen(text), text);
    MHD_add_response_header(r, "Content-Type", "text/plain");
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result args_reply(struct MHD_Connection *c)
{
    char out[512];
    const char *a = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "a");
    const char *cc = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "c");
    const char *d = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "d");
    const char *k = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "k");
    int n = MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, NULL, NULL);
    snprintf(out, sizeof(out), "a=%s;c=%s;d=%s;k=%s;n=%d", a ? a : "(null)", cc ? cc : "(null)",
             d ? d : "(null)", k ? k : "(null)", n);
    return reply(c, MHD_HTTP_OK, out);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)version;
    struct upload_state *st = *req_cls;
    if (st == NULL) {
        st = calloc(1, sizeof(*st));
        *req_cls = st;
        if (strcmp(url, "/early") == 0)
            return reply(c, MHD_HTTP_FORBIDDEN, "early");
        return MHD_YES;
    }
    st->calls++;
    if (*upload_data_size != 0) {
        st->data = realloc(st->data, st->len + *upload_data_size + 1);
        memcpy(st->data + st->len, upload_data, *upload_data_size);
        st->len += *upload_data_size;
        st->data[st->len] = '\0';
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/hello") == 0)
        return reply(c, MHD_HTTP_OK, "Hello, world");
    if (strcmp(url, "/echo") == 0) {
        const char *t = MHD_lookup_connection_value(c, MHD_FOOTER_KIND, "X-Trailer");
        char *out = malloc(st->len + 64);
        snprintf(out, st->len + 64, "%s|%s|%s", method, st->data ? st->data : "",
                 t ? t : "-");
        enum MHD_Result r = reply(c, MHD_HTTP_OK, out);
        free(out);
        return r;
    }
    if (strcmp(url, "/args") == 0)
        return args_reply(c);
    if (strcmp(url, "/header") == 0) {
        const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-test");
        const char *ck = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "sid");
        char out[256];
        snprintf(out, sizeof(out), "%s/%s", v ? v : "-", ck ? ck : "-");
        return reply(c, MHD_HTTP_OK, out);
    }
    return reply(c, MHD_HTTP_NOT_FOUND, "not here");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    struct upload_state *st = *req_cls;
    if (st != NULL) {
        free(st->data);
        free(st);
        *req_cls = NULL;
    }
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        atomic_fetch_add(&completed_ok, 1);
    else
        atomic_fetch_add(&completed_other, 1);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    (void)c;
    (void)socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        atomic_fetch_add(&conns_started, 1);
    else
        atomic_fetch_add(&conns_closed, 1);
}

static void test_get_keepalive_head(uint16_t port)
{
    CURL *curl = curl_easy_init();
    struct tc_request rq = {0};
    struct tc_reply r;
    rq.path = "/hello";
    for (int i = 0; i < 3; i++) {
        tc_perform(curl, port, &rq, &r);
        CHECK_EQ_INT(r.status, 200);
        CHECK_EQ_STR(r.body, "Hello, world");
        CHECK_EQ_INT(r.connects, i == 0 ? 1 : 0); /* kept alive */
        char v[128];
        CHECK(tc_header(&r, "Content-Length", v, sizeof(v)) && strcmp(v, "12") == 0);
        CHECK(tc_header(&r, "Date", v, sizeof(v)) && strlen(v) == 29);
        CHECK(!tc_header(&r, "Connection", v, sizeof(v)));
        tc_reply_free(&r);
    }
    rq.method = "HEAD";
    tc_perform(curl, port, &rq, &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_SIZE(r.body_len, 0);
    char v[64];
    CHECK(tc_header(&r, "Content-Length", v, sizeof(v)) && strcmp(v, "12") == 0);
    tc_reply_free(&r);
    rq.method = NULL;
    rq.path = "/missing";
    tc_perform(curl, port, &rq, &r);
    CHECK_EQ_INT(r.status, 404);
    CHECK_EQ_INT(r.connects, 0);
    tc_reply_free(&r);
    curl_easy_cleanup(curl);
}

static void test_uploads(uint16_t port)
{
    CURL *curl = curl_easy_init();
    struct tc_request rq = {0};
    struct tc_reply r;
    static char big[300000];
    for (size_t i = 0; i < sizeof(big) - 1; i++)
        big[i] = (char)('a' + i % 26);
    rq.path = "/echo";
    rq.body = "hello body";
    rq.body_len = 10;
    tc_perform(curl, port, &rq, &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(r.body, "POST|hello body|-");
    tc_reply_free(&r);
    rq.chunked = true;
    tc_perform(curl, port, &rq, &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(r.body, "POST|hello body|-");
    tc_reply_free(&r);
    rq.chunked = false;
    rq.method = "PUT";
    rq.body = big;
    rq.body_len = sizeof(big) - 1;
    tc_perform(curl, port, &rq, &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK(r.body_len == sizeof(big) - 1 + 6 && memcmp(r.body + 4, big, sizeof(big) - 1) == 0);
    tc_reply_free(&r);
    curl_easy_cleanup(curl);
}

static void test_args_headers(uint16_t port)
{
    struct tc_reply r;
    tc_get(port, "/args?a=b&c=&d&k=v+x%21", &r);
    CHECK_EQ_STR(r.body, "a=b;c=;d=(null);k=v x!;n=4");
    tc_reply_free(&r);
    CURL *curl = curl_easy_init();
    /* Whitespace around a field value is trimmed over HTTP/1.1; HTTP/2
     * forbids it (RFC 9113, 8.2.1): its clients do not send it. */
    const char *hdrs[] = {th_on() ? "X-Test: padded value" : "X-Test:   padded value  ",
                          "Cookie: a=1; sid=\"xyz\"", NULL};
    struct tc_request rq = {0};
    rq.path = "/header";
    rq.headers = hdrs;
    tc_perform(curl, port, &rq, &r);
    CHECK_EQ_STR(r.body, "padded value/xyz");
    tc_reply_free(&r);
    curl_easy_cleanup(curl);
}

static void test_http10(uint16_t port)
{
    CURL *curl = curl_easy_init();
    struct tc_request rq = {0};
    struct tc_reply r;
    rq.path = "/hello";
    rq.http10 = true;
    tc_perform(curl, port, &rq, &r);
    CHECK_EQ_INT(r.status, 200);
    char v[64];
    CHECK(tc_header(&r, "Connection", v, sizeof(v)) && strcmp(v, "close") == 0);
    tc_reply_free(&r);
    const char *ka[] = {"Connection: Keep-Alive", NULL};
    rq.headers = ka;
    tc_perform(curl, port, &rq, &r);
    CHECK(tc_header(&r, "Connection", v, sizeof(v)) && strcmp(v, "Keep-Alive") == 0);
    tc_reply_free(&r);
    /* A "close" in a second Connection line wins: the reply says close and
     * the connection is not reused. */
    const char *ka_close[] = {"Connection: Keep-Alive", "Connection: close", NULL};
    rq.headers = ka_close;
    tc_perform(curl, port, &rq, &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK(tc_header(&r, "Connection", v, sizeof(v)) && strcmp(v, "close") == 0);
    tc_reply_free(&r);
    rq.headers = NULL;
    tc_perform(curl, port, &rq, &r);
    CHECK_EQ_INT(r.connects, 1);
    tc_reply_free(&r);
    curl_easy_cleanup(curl);
}

static void test_pipelining(uint16_t port)
{
    const char req[] = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                       "GET /args?a=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                       "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                       "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    char buf[8192];
    size_t n = rs_exchange(port, req, sizeof(req) - 1, buf, sizeof(buf), 5000);
    CHECK(n > 0);
    CHECK_EQ_INT(rs_count_responses(buf), 4);
    const char *p1 = strstr(buf, "Hello, world");
    const char *p2 = strstr(buf, "a=1;");
    const char *p3 = strstr(buf, "POST|abc|-");
    const char *p4 = p1 ? strstr(p1 + 1, "Hello, world") : NULL;
    CHECK(p1 && p2 && p3 && p4 && p1 < p2 && p2 < p3 && p3 < p4);
}

/* A keep-alive client sends a batch of requests and at once shuts its
 * sending side: each is answered, then the server closes. The end of input
 * can come with the data in one edge-triggered event, and the batch takes
 * more than one round (fair share): a short read must not hide that end. */
static void test_half_close(uint16_t port)
{
    enum { ROUNDS = 4, BATCH = 150 };
    static const char one[] = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
    const size_t len = sizeof(one) - 1;
    char *batch = malloc(BATCH * len);
    for (int i = 0; i < BATCH; i++)
        memcpy(batch + (size_t)i * len, one, len);
    size_t cap = 256 * 1024;
    char *buf = malloc(cap);
    for (int round = 0; round < ROUNDS; round++) {
        int fd = rs_connect(port);
        rs_send(fd, one, len);
        CHECK(rs_recv_response(fd, buf, cap, 5000) > 0);
        rs_send(fd, batch, BATCH * len);
        shutdown(fd, SHUT_WR);
        bool closed = false;
        rs_recv(fd, buf, cap, 3000, &closed);
        CHECK_MSG(closed, "round %d: the connection stayed open after the last answer", round);
        CHECK_EQ_INT(rs_count_responses(buf), BATCH);
        close(fd);
    }
    free(buf);
    free(batch);
}

static void test_continue_and_early(uint16_t port)
{
    int fd = rs_connect(port);
    const char head[] = "PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                        "Expect: 100-continue\r\n\r\n";
    rs_send(fd, head, sizeof(head) - 1);
    char buf[4096];
    size_t n = rs_recv_until(fd, buf, sizeof(buf), "\r\n\r\n", 5000);
    CHECK(n > 0);
    CHECK_MSG(strncmp(buf, "HTTP/1.1 100 Continue\r\n\r\n", 25) == 0, "got: %s", buf);
    rs_send(fd, "12345", 5);
    char rest[4096];
    n = rs_recv_response(fd, rest, sizeof(rest), 5000);
    CHECK(strstr(rest, "PUT|12345|-") != NULL);
    close(fd);

    const char early[] = "POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody";
    n = rs_exchange(port, early, sizeof(early) - 1, buf, sizeof(buf), 5000);
    CHECK_EQ_INT(rs_status(buf), 403);
    CHECK(strstr(buf, "Connection: close\r\n") != NULL);
}

static void test_chunked_trailer(uint16_t port)
{
    const char req[] = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: tv\r\n\r\n"
                       "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    char buf[4096];
    rs_exchange(port, req, sizeof(req) - 1, buf, sizeof(buf), 5000);
    CHECK_MSG(strstr(buf, "POST|abcde|tv") != NULL, "got: %s", buf);
    CHECK_EQ_INT(rs_count_responses(buf), 2);
}

static void run_mode(enum ts_mode mode)
{
    struct test_server ts;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, 10, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    atomic_store(&completed_ok, 0);
    atomic_store(&completed_other, 0);
    atomic_store(&conns_started, 0);
    atomic_store(&conns_closed, 0);
    if (!ts_start(&ts, mode, 0, handler, NULL, opts)) {
        CHECK_MSG(0, "start in mode %s", ts_mode_names[mode]);
        return;
    }
    unsigned long failed_before = check_failed_;
    test_get_keepalive_head(ts.port);
    test_uploads(ts.port);
    test_args_headers(ts.port);
    test_http10(ts.port);
    test_pipelining(ts.port);
    test_half_close(ts.port);
    test_continue_and_early(ts.port);
    test_chunked_trailer(ts.port);
    ts_stop(&ts);
    CHECK_EQ_INT(atomic_load(&completed_other), 0);
    CHECK(atomic_load(&completed_ok) >= 20);
    CHECK_EQ_INT(atomic_load(&conns_started), atomic_load(&conns_closed));
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
