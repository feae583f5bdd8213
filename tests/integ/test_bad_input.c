/* Malformed, oversized and slow input over raw sockets, in every thread
 * mode: each gets the narrowest status with "Connection: close" (or a silent
 * close where the bytes are not HTTP at all), requests pipelined behind a
 * rejected one are never processed, and the daemon keeps serving everybody
 * else. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    static int first;
    if (*req_cls == NULL) {
        *req_cls = &first;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    atomic_fetch_add(&handled, 1);
    char body[256];
    snprintf(body, sizeof(body), "ok %s", url);
    struct MHD_Response *r = MHD_create_response_from_buffer_copy(strlen(body), body);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

struct bad_case {
    const char *name;
    const char *bytes;
    int status; /* 0: closed without an answer */
};

#define LONG_URI_PREFIX "GET /"
static const struct bad_case cases[] = {
    {"no host", "GET / HTTP/1.1\r\n\r\n", 400},
    {"two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
    {"bad host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
    {"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},
    {"bad name", "GET / HTTP/1.1\r\nHost: a\r\nX(y): 1\r\n\r\n", 400},
    {"NUL in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", 400},
    {"bare CR", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400},
    {"control in target", "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"space in target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"CL and TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
    {"two CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
     400},
    {"CL sign", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc", 400},
    {"CL space", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\nabc", 400},
    {"CL overflow", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n",
     400},
    {"CL junk", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 123bad\r\n\r\n", 400},
    {"TE gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
    {"TE chunked twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
     400},
    {"TE gzip chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
     501},
    {"chunked 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
    {"chunk size junk", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
     400},
    {"chunk overflow",
     "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n11111111111111111111\r\n", 400},
    {"chunk no CRLF", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX",
     400},
    {"version 2", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
    {"version 0.9", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505},
    {"version junk", "GET / HTTP/1.x\r\nHost: a\r\n\r\n", 400},
    {"lowercase version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400},
    {"fold first line", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400},
    {"not http", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 0},
    {"space before method", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0},
};

/* Sends a bad request followed by a pipelined good one: the bad one gets
 * its status and a close, the good one is never handled. */
static void run_case(uint16_t port, const struct bad_case *bc, size_t len)
{
    char req[2048];
    static const char tail[] = "GET /after HTTP/1.1\r\nHost: a\r\n\r\n";
    memcpy(req, bc->bytes, len);
    memcpy(req + len, tail, sizeof(tail) - 1);
    char buf[8192];
    int before = atomic_load(&handled);
    rs_exchange(port, req, len + sizeof(tail) - 1, buf, sizeof(buf), 5000);
    int status = rs_status(buf);
    CHECK_MSG(status == bc->status, "%s: status %d, want %d (%.60s)", bc->name, status,
              bc->status, buf);
    if (bc->status)
        CHECK_MSG(strstr(buf, "Connection: close\r\n") != NULL, "%s: no Connection: close",
                  bc->name);
    CHECK_MSG(strstr(buf, "ok /after") == NULL, "%s: pipelined request processed", bc->name);
    CHECK_EQ_INT(atomic_load(&handled), before);
}

static void check_still_serving(uint16_t port)
{
    struct tc_reply r;
    tc_get(port, "/alive", &r);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(r.body, "ok /alive");
    tc_reply_free(&r);
}

/* Oversized elements with a 4 KiB pool: 414 for the target, 431 for the
 * fields, and the bytes of a big upload that arrive with the head must not
 * crowd out the head's values. */
static void test_limits(enum ts_mode mode)
{
    struct test_server ts;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 4096, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (!ts_start(&ts, mode, 0, handler, NULL, opts)) {
        CHECK(0);
        return;
    }
    static char req[16384];
    char buf[8192];
    int n = snprintf(req, sizeof(req), "GET /");
    memset(req + n, 'u', 8000);
    n += 8000;
    n += snprintf(req + n, sizeof(req) - (size_t)n, " HTTP/1.1\r\nHost: a\r\n\r\n");
    rs_exchange(ts.port, req, (size_t)n, buf, sizeof(buf), 5000);
    CHECK_MSG(rs_status(buf) == 414, "long target: %.40s", buf);
    n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: a\r\nX-Big: ");
    memset(req + n, 'h', 8000);
    n += 8000;
    n += snprintf(req + n, sizeof(req) - (size_t)n, "\r\n\r\n");
    rs_exchange(ts.port, req, (size_t)n, buf, sizeof(buf), 5000);
    CHECK_MSG(rs_status(buf) == 431, "long field: %.40s", buf);
    n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: a\r\n");
    for (int i = 0; i < 400; i++)
        n += snprintf(req + n, sizeof(req) - (size_t)n, "X-%d: 1\r\n", i);
    n += snprintf(req + n, sizeof(req) - (size_t)n, "\r\n");
    rs_exchange(ts.port, req, (size_t)n, buf, sizeof(buf), 5000);
    CHECK_MSG(rs_status(buf) == 431, "many fields: %.40s", buf);
    /* A head with a few fields and a body that fills the rest of the pool,
     * all in one write. */
    n = snprintf(req, sizeof(req),
                 "PUT /big HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n"
                 "Connection: close\r\nContent-Length: 12000\r\n\r\n");
    memset(req + n, 'b', 12000);
    n += 12000;
    rs_exchange(ts.port, req, (size_t)n, buf, sizeof(buf), 5000);
    CHECK_MSG(rs_status(buf) == 200 && strstr(buf, "ok /big"), "big upload: %.40s", buf);
    check_still_serving(ts.port);
    ts_stop(&ts);
}

/* A client that sends one byte at a time is cut off at the timeout; others
 * are served meanwhile. */
static void test_slow_client(enum ts_mode mode)
{
    struct test_server ts;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_CONNECTION_TIMEOUT, 1, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (!ts_start(&ts, mode, 0, handler, NULL, opts)) {
        CHECK(0);
        return;
    }
    int fd = rs_connect(ts.port);
    rs_send(fd, "GET / HT", 8);
    check_still_serving(ts.port);
    char buf[256];
    bool closed = false;
    rs_recv(fd, buf, sizeof(buf), 5000, &closed);
    CHECK_MSG(closed, "idle connection not closed at the timeout");
    close(fd);
    check_still_serving(ts.port);
    ts_stop(&ts);
}

static void run_mode(enum ts_mode mode)
{
    unsigned long failed_before = check_failed_;
    struct test_server ts;
    if (!ts_start(&ts, mode, 0, handler, NULL, NULL)) {
        CHECK(0);
        return;
    }
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = strlen(cases[i].bytes);
        if (strcmp(cases[i].name, "NUL in value") == 0)
            len = strlen(cases[i].bytes) + 1 + strlen(cases[i].bytes + strlen(cases[i].bytes) + 1);
        run_case(ts.port, &cases[i], len);
    }
    check_still_serving(ts.port);
    ts_stop(&ts);
    test_limits(mode);
    if (mode == TS_INT_EPOLL || mode == TS_EXT_SELECT || mode == TS_POOL_POLL)
        test_slow_client(mode);
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
