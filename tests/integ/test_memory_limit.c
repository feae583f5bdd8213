/* The per-connection memory limit (MHD_OPTION_CONNECTION_MEMORY_LIMIT)
 * reached from every side, in every mode: request heads growing across the
 * limit get 200 up to a point and 431 after it, never anything else; a
 * chunk-size line (with an extension) that cannot fit gets 413, a trailer
 * section 431; a request pipelined after a good one is refused alone; a
 * response whose head cannot fit in the pool gets 500 (on a connection
 * curl reuses too, which then does not retry it). With a 1 KiB pool
 * (through curl): requests whose method, target, header name or value has
 * 640 bytes, and a 640-byte reply header, are served; 800 or 1056 bytes of
 * them get 501, 414, 431, 431, named after the part that takes the room,
 * and never reach the handler. The daemon goes on serving after each. */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "testsrv.h"
#include "tlstest.h"

#define POOL 2048

static atomic_int handled; /* requests that reached the handler */

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)method;
    (void)version;
    (void)upload_data;
    if (ts_first_call(req_cls)) {
        atomic_fetch_add(&handled, 1);
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer_copy(strlen(url), url);
    if (strcmp(url, "/big-head") == 0) {
        static char value[POOL + 512];
        memset(value, 'v', sizeof(value) - 1);
        MHD_add_response_header(r, "X-Big", value);
    } else if (strcmp(url, "/reply-640") == 0) {
        static char value[641];
        memset(value, 'r', 640);
        MHD_add_response_header(r, "X-Big", value);
    }
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static char req[4 * POOL];
static char resp[8 * POOL];

static int exchange(uint16_t port, size_t len)
{
    rs_exchange(port, req, len, resp, sizeof(resp), 5000);
    return rs_status(resp);
}

static void check_serving(uint16_t port, const char *name, const char *after)
{
    struct tc_reply r;
    tc_get(port, "/alive", &r);
    CHECK_MSG(r.status == 200, "%s: not serving after %s", name, after);
    tc_reply_free(&r);
}

/* Heads from small to larger than the pool, one padding field growing. */
static void sweep_heads(uint16_t port, const char *name)
{
    int ok = 0, refused = 0;
    bool refused_before = false;
    for (size_t pad = 100; pad <= POOL + 300; pad += 64) {
        int n = snprintf(req, sizeof(req), "GET /pad HTTP/1.1\r\nHost: h\r\nX-Pad: ");
        memset(req + n, 'p', pad);
        n += (int)pad;
        n += snprintf(req + n, sizeof(req) - (size_t)n, "\r\nConnection: close\r\n\r\n");
        int st = exchange(port, (size_t)n);
        CHECK_MSG(st == 200 || st == 431, "%s: %zu-byte field got %d", name, pad, st);
        CHECK_MSG(!(refused_before && st == 200), "%s: %zu-byte field served after a smaller 431",
                  name, pad);
        refused_before = refused_before || st == 431;
        ok += st == 200;
        refused += st == 431;
    }
    CHECK_MSG(ok > 0 && refused > 0, "%s: %d served, %d refused", name, ok, refused);
}

/* A reply too large for the pool, on a connection curl reuses: a 500 with
 * Connection: close is a final answer, so the client does not send the
 * request again (a close without a reply on a reused connection makes
 * clients retry, and the handler would run twice). */
static void reply_too_large_on_reused(uint16_t port, const char *name)
{
    CURL *curl = curl_easy_init();
    struct tc_request rq = {.path = "/alive"};
    struct tc_reply r;
    tc_perform(curl, port, &rq, &r);
    CHECK_MSG(r.status == 200, "%s: /alive got %ld", name, r.status);
    tc_reply_free(&r);
    int before = atomic_load(&handled);
    rq.path = "/big-head";
    tc_perform(curl, port, &rq, &r);
    char v[32];
    /* Over HTTP/2 the 500 ends its stream; the connection goes on. */
    CHECK_MSG(r.status == 500 && r.connects == 0 &&
                  (th_on() || (tc_header(&r, "Connection", v, sizeof(v)) && strcmp(v, "close") == 0)),
              "%s: reply too large on a reused connection got %ld", name, r.status);
    CHECK_MSG(atomic_load(&handled) == before + 1, "%s: the handler ran %d times", name,
              atomic_load(&handled) - before);
    tc_reply_free(&r);
    curl_easy_cleanup(curl);
}

static void test_memory_limit(enum ts_mode mode)
{
    struct test_server ts;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, POOL, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (!ts_start(&ts, mode, 0, handler, NULL, opts)) {
        CHECK(0);
        return;
    }
    const char *name = ts_mode_names[mode];
    sweep_heads(ts.port, name);
    check_serving(ts.port, name, "the sweep");

    int n = snprintf(req, sizeof(req),
                     "POST /chunks HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;e=");
    memset(req + n, 'e', POOL + 100);
    n += POOL + 100;
    n += snprintf(req + n, sizeof(req) - (size_t)n, "\r\nhello\r\n0\r\n\r\n");
    int st = exchange(ts.port, (size_t)n);
    CHECK_MSG(st == 413, "%s: oversized chunk line got %d", name, st);
    check_serving(ts.port, name, "a chunk line");

    n = snprintf(req, sizeof(req),
                 "POST /trailer HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "5\r\nhello\r\n0\r\nX-Trailer: ");
    memset(req + n, 't', POOL + 100);
    n += POOL + 100;
    n += snprintf(req + n, sizeof(req) - (size_t)n, "\r\n\r\n");
    st = exchange(ts.port, (size_t)n);
    CHECK_MSG(st == 431, "%s: oversized trailer got %d", name, st);
    check_serving(ts.port, name, "a trailer");

    n = snprintf(
        req, sizeof(req),
        "GET /first HTTP/1.1\r\nHost: h\r\n\r\nGET /second HTTP/1.1\r\nHost: h\r\nX-Pad: ");
    memset(req + n, 'p', POOL + 100);
    n += POOL + 100;
    n += snprintf(req + n, sizeof(req) - (size_t)n, "\r\n\r\n");
    exchange(ts.port, (size_t)n);
    const char *second = strstr(resp + 1, "HTTP/1.1 ");
    CHECK_MSG(rs_status(resp) == 200 && strstr(resp, "/first") && second &&
                  rs_status(second) == 431,
              "%s: pipelined good then oversized got %.60s", name, resp);

    n = snprintf(req, sizeof(req), "GET /big-head HTTP/1.1\r\nHost: h\r\n\r\n");
    st = exchange(ts.port, (size_t)n);
    CHECK_MSG(st == 500, "%s: response head larger than the pool got %d", name, st);
    check_serving(ts.port, name, "a response too large");
    reply_too_large_on_reused(ts.port, name);
    ts_stop(&ts);
}

/* One request through curl with one part of `n` bytes: the method, the
 * target, a header name or a header value (which = 0 ... 3). Returns the
 * status, and in *reached whether the handler saw it. */
static long one_part(uint16_t port, int which, size_t n, bool *reached)
{
    char part[1100], line[1200];
    memset(part, which == 0 ? 'M' : 'a', n);
    part[n] = '\0';
    const char *headers[] = {line, NULL};
    struct tc_request rq = {.path = "/"};
    if (which == 0) {
        rq.method = part;
    } else if (which == 1) {
        part[0] = '/';
        rq.path = part;
    } else if (which == 2) {
        snprintf(line, sizeof(line), "%s: v", part);
        rq.headers = headers;
    } else {
        snprintf(line, sizeof(line), "X-Value: %s", part);
        rq.headers = headers;
    }
    int before = atomic_load(&handled);
    CURL *curl = curl_easy_init();
    struct tc_reply r;
    tc_perform(curl, port, &rq, &r);
    curl_easy_cleanup(curl);
    long status = r.status;
    tc_reply_free(&r);
    *reached = atomic_load(&handled) != before;
    return status;
}

/* A 1 KiB pool: what fits is served, what does not is refused with the
 * status of the part that takes the room, before the handler. */
static void test_parts(enum ts_mode mode)
{
    struct test_server ts;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 1024, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (!ts_start(&ts, mode, 0, handler, NULL, opts)) {
        CHECK(0);
        return;
    }
    const char *name = ts_mode_names[mode];
    static const char *const parts[] = {"method", "target", "header name", "header value"};
    static const long refused[] = {501, 414, 431, 431};
    for (int which = 0; which < 4; which++) {
        bool reached;
        long st = one_part(ts.port, which, 640, &reached);
        CHECK_MSG(st == 200 && reached, "%s: 640-byte %s got %ld", name, parts[which], st);
        for (size_t n = 800; n <= 1056; n += 256) {
            st = one_part(ts.port, which, n, &reached);
            CHECK_MSG(st == refused[which] && !reached, "%s: %zu-byte %s got %ld%s", name, n,
                      parts[which], st, reached ? " from the handler" : "");
        }
        check_serving(ts.port, name, parts[which]);
    }
    struct tc_reply r;
    tc_get(ts.port, "/reply-640", &r);
    char v[700];
    CHECK_MSG(r.status == 200 && tc_header(&r, "X-Big", v, sizeof(v)) && strlen(v) == 640,
              "%s: a 640-byte reply header got %ld", name, r.status);
    tc_reply_free(&r);
    ts_stop(&ts);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    TS_FOR_EACH_MODE(mode)
    {
        unsigned long failed_before = check_failed_;
        test_memory_limit(mode);
        test_parts(mode);
        printf("mode %-12s %s\n", ts_mode_names[mode],
               check_failed_ == failed_before ? "ok" : "FAIL");
    }
    curl_global_cleanup();
    return check_done();
}
