/* RFC 9112 strictness over raw sockets, in every thread mode, one table.
 *
 * Each case is a request (or the start of one) at a given client
 * discipline level and the answer it must get: a status with
 * "Connection: close" and a closed connection for what is refused, or the
 * handler's echo of what it saw for what is accepted. Every case is sent
 * with a well-formed request pipelined behind it: after a refusal the
 * handler must never see that second request (no desynchronisation, no
 * smuggling); after an acceptance it must be served in turn. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "slow.h"
#include "testsrv.h"

static atomic_int after_seen; /* handler calls for the pipelined request */
static atomic_int handled;    /* requests answered by the handler */

struct req_state {
    size_t body_len;
};

static enum MHD_Result echo(struct MHD_Connection *c, const char *url, const char *method,
                            const struct req_state *st)
{
    const char *x = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X");
    char body[512];
    snprintf(body, sizeof(body), "%s %s n=%zu x=[%s]", method, url, st->body_len, x ? x : "-");
    struct MHD_Response *r = MHD_create_response_from_buffer_copy(strlen(body), body);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)version;
    (void)upload_data;
    struct req_state *st = *req_cls;
    if (st == NULL) {
        if (strcmp(url, "/after") == 0)
            atomic_fetch_add(&after_seen, 1);
        st = calloc(1, sizeof(*st));
        *req_cls = st;
        return st != NULL ? MHD_YES : MHD_NO;
    }
    if (*upload_data_size) {
        st->body_len += *upload_data_size;
        *upload_data_size = 0;
        return MHD_YES;
    }
    atomic_fetch_add(&handled, 1);
    return echo(c, url, method, st);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    free(*req_cls);
    *req_cls = NULL;
}

struct rfc_case {
    const char *name;
    int level; /* MHD_OPTION_CLIENT_DISCIPLINE_LVL */
    const char *bytes;
    size_t len;
    int status;       /* 0: closed without an answer */
    const char *echo; /* accepted: what the handler must have seen */
    bool then_close;  /* accepted, but the connection must close after it */
};

#define BAD(n, lvl, b, st)                                                                         \
    {                                                                                              \
        n, lvl, b, sizeof(b) - 1, st, NULL, false                                                  \
    }
#define OK(n, lvl, b, e)                                                                           \
    {                                                                                              \
        n, lvl, b, sizeof(b) - 1, 200, e, false                                                    \
    }
#define OK_CLOSE(n, lvl, b, e)                                                                     \
    {                                                                                              \
        n, lvl, b, sizeof(b) - 1, 200, e, true                                                     \
    }

#define H11 " HTTP/1.1\r\nHost: a\r\n"
#define POST_CL "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: "
#define POST_TE "POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
#define CHUNKED "POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"

static const struct rfc_case cases[] = {
    /* Framing: both Content-Length and Transfer-Encoding (smuggling). */
    BAD("CL then TE", 0, POST_CL "3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    BAD("TE then CL", 0, POST_TE "chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400),
    BAD("CL and TE strict", 2, POST_TE "chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400),
    OK_CLOSE("CL and TE tolerated", -1, POST_TE "chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
             "POST /p n=0 x=[-]"),
    /* Content-Length values. */
    BAD("CL differ", 0, POST_CL "3\r\nContent-Length: 4\r\n\r\nabcd", 400),
    BAD("CL list differs", 0, POST_CL "3, 4\r\n\r\nabcd", 400),
    OK("CL same twice", 0, POST_CL "3\r\nContent-Length: 3\r\n\r\nabc", "POST /p n=3 x=[-]"),
    OK("CL same list", 0, POST_CL "3, 3\r\n\r\nabc", "POST /p n=3 x=[-]"),
    OK("CL with OWS", 0, POST_CL " \t3 \t\r\n\r\nabc", "POST /p n=3 x=[-]"),
    BAD("CL plus", 0, POST_CL "+3\r\n\r\nabc", 400),
    BAD("CL minus", 0, POST_CL "-3\r\n\r\nabc", 400),
    BAD("CL inner space", 0, POST_CL "1 2\r\n\r\nabc", 400),
    BAD("CL inner tab", 0, POST_CL "1\t2\r\n\r\nabc", 400),
    BAD("CL empty", 0, POST_CL "\r\n\r\n", 400),
    BAD("CL hex", 0, POST_CL "0x3\r\n\r\nabc", 400),
    BAD("CL 2^64", 0, POST_CL "18446744073709551616\r\n\r\n", 400),
    BAD("CL huge", 0, POST_CL "999999999999999999999999999999\r\n\r\n", 400),
    /* Transfer-Encoding. */
    OK("TE chunked", 0, CHUNKED "3\r\nabc\r\n0\r\n\r\n", "POST /p n=3 x=[-]"),
    OK("TE Chunked case", 0, POST_TE "Chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n", "POST /p n=2 x=[-]"),
    BAD("TE final gzip", 0, POST_TE "chunked, gzip\r\n\r\n0\r\n\r\n", 400),
    BAD("TE identity", 0, POST_TE "identity\r\n\r\n", 400),
    BAD("TE empty", 0, POST_TE "\r\n\r\n", 400),
    BAD("TE chunked twice", 0, POST_TE "chunked, chunked\r\n\r\n0\r\n\r\n", 400),
    BAD("TE chunked two fields", 0,
        POST_TE "chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    BAD("TE gzip field then chunked", 0,
        POST_TE "gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501),
    BAD("TE chunked on 1.0", 0, "POST /p HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400),
    /* Field lines. */
    BAD("SP before colon", 0, "GET /" H11 "X : 1\r\n\r\n", 400),
    BAD("HTAB before colon", 0, "GET /" H11 "X\t: 1\r\n\r\n", 400),
    BAD("SP before colon -2", -2, "GET /" H11 "X : 1\r\n\r\n", 400),
    /* RFC 9112 section 5.2: each obs-fold becomes SP octets (one per byte). */
    OK("fold level 0", 0, "GET /f" H11 "X: a\r\n b\r\n\r\n", "GET /f n=0 x=[a   b]"),
    OK("fold tab level 0", 0, "GET /f" H11 "X: a\r\n\t\tb\r\n\r\n", "GET /f n=0 x=[a    b]"),
    BAD("fold level 1", 1, "GET /f" H11 "X: a\r\n b\r\n\r\n", 400),
    BAD("fold level 2", 2, "GET /f" H11 "X: a\r\n b\r\n\r\n", 400),
    BAD("fold first line", 0, "GET / HTTP/1.1\r\n X: a\r\nHost: a\r\n\r\n", 400),
    BAD("NUL in value", 0, "GET /" H11 "X: a\0b\r\n\r\n", 400),
    BAD("NUL in name", 0, "GET /" H11 "X\0: a\r\n\r\n", 400),
    BAD("bare CR in value", 0, "GET /" H11 "X: a\rb\r\n\r\n", 400),
    BAD("bare CR ends field", 0, "GET /" H11 "X: a\r\r\n\r\n", 400),
    BAD("SOH in value", 0, "GET /" H11 "X: a\x01z\r\n\r\n", 400),
    BAD("ESC in value", 0, "GET /" H11 "X: \x1b[0m\r\n\r\n", 400),
    BAD("DEL in value", 0, "GET /" H11 "X: a\x7fz\r\n\r\n", 400),
    OK("HTAB in value", 0, "GET /t" H11 "X: a\tb\r\n\r\n", "GET /t n=0 x=[a\tb]"),
    OK("obs-text in value", 0, "GET /o" H11 "X: caf\xc3\xa9\r\n\r\n", "GET /o n=0 x=[caf\xc3\xa9]"),
    /* The tolerant levels an application may opt into. */
    OK("SP before colon -3", -3, "GET /s" H11 "X : 1\r\n\r\n", "GET /s n=0 x=[1]"),
    OK("bare CR in value -1", -1, "GET /c" H11 "X: a\rb\r\n\r\n", "GET /c n=0 x=[a b]"),
    OK("NUL in value -1", -1, "GET /z" H11 "X: a\0b\r\n\r\n", "GET /z n=0 x=[a b]"),
    OK("no Host 1.1 at -3", -3, "GET /n HTTP/1.1\r\n\r\n", "GET /n n=0 x=[-]"),
    BAD("bare LF level 1", 1, "GET / HTTP/1.1\nHost: a\n\n", 400),
    OK("bare LF level 0", 0, "GET /lf HTTP/1.1\nHost: a\nX: 1\n\n", "GET /lf n=0 x=[1]"),
    BAD("name with paren", 0, "GET /" H11 "X(y): 1\r\n\r\n", 400),
    BAD("name with slash", 0, "GET /" H11 "X/y: 1\r\n\r\n", 400),
    BAD("name with at", 0, "GET /" H11 "X@y: 1\r\n\r\n", 400),
    BAD("name with space", 0, "GET /" H11 "X y: 1\r\n\r\n", 400),
    BAD("name 8-bit", 0, "GET /" H11 "X\xc3\xa9: 1\r\n\r\n", 400),
    BAD("empty name", 0, "GET /" H11 ": 1\r\n\r\n", 400),
    BAD("no colon", 0, "GET /" H11 "X-no-colon\r\n\r\n", 400),
    /* Request line. */
    BAD("NUL in target", 0, "GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("NUL in method", 0, "G\0T / HTTP/1.1\r\nHost: a\r\n\r\n", 0),
    BAD("bare CR in target", 0, "GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("bare CR before version", 0, "GET / HTTP/1.1\r\rHost: a\r\n\r\n", 400),
    BAD("SOH in target", 0, "GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("DEL in target", 0, "GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    OK("8-bit in target", 0, "GET /\xc3\xa9" H11 "\r\n", "GET /\xc3\xa9 n=0 x=[-]"),
    BAD("VT separator", 0, "GET\v/ HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("SP in target", 0, "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("two SP after method", 1, "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("no version", 0, "GET /\r\nHost: a\r\n\r\n", 400),
    BAD("lowercase http", 0, "GET / http/1.1\r\nHost: a\r\n\r\n", 400),
    BAD("version 1.x", 0, "GET / HTTP/1.x\r\nHost: a\r\n\r\n", 400),
    BAD("version 10.0", 0, "GET / HTTP/10.0\r\nHost: a\r\n\r\n", 400),
    BAD("version 1.10", 0, "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400),
    BAD("version 0.9", 0, "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505),
    BAD("version 2.0", 0, "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
    BAD("version 3.0", 0, "GET / HTTP/3.0\r\nHost: a\r\n\r\n", 505),
    BAD("version 9.9", 2, "GET / HTTP/9.9\r\nHost: a\r\n\r\n", 505),
    OK("version 1.2", 0, "GET /v HTTP/1.2\r\nHost: a\r\n\r\n", "GET /v n=0 x=[-]"),
    BAD("not http", 0, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 0),
    BAD("space before method", 0, " GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0),
    /* Request-target forms. */
    OK("absolute-form", 0, "GET http://a/abs?q=1" H11 "\r\n", "GET http://a/abs n=0 x=[-]"),
    OK("absolute-form other host", 0, "GET http://b:8080/x" H11 "\r\n",
       "GET http://b:8080/x n=0 x=[-]"),
    OK("asterisk-form", 0, "OPTIONS *" H11 "\r\n", "OPTIONS * n=0 x=[-]"),
    /* Host. */
    BAD("no Host 1.1", 0, "GET / HTTP/1.1\r\n\r\n", 400),
    BAD("no Host 1.1 strict", 2, "GET / HTTP/1.1\r\n\r\n", 400),
    OK_CLOSE("no Host 1.0", 0, "GET /h HTTP/1.0\r\n\r\n", "GET /h n=0 x=[-]"),
    OK("Host with port", 0, "GET /h HTTP/1.1\r\nHost: a.b:80\r\n\r\n", "GET /h n=0 x=[-]"),
    OK("Host IPv6", 0, "GET /h HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", "GET /h n=0 x=[-]"),
    OK("Host empty", 0, "GET /h HTTP/1.1\r\nHost:\r\n\r\n", "GET /h n=0 x=[-]"),
    BAD("two Hosts", 0, "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400),
    BAD("two Hosts differ", 0, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    BAD("two Hosts on 1.0", 0, "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    BAD("Host with space", 0, "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
    BAD("Host with slash", 0, "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
    BAD("Host with userinfo", 0, "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400),
    BAD("Host bad port", 0, "GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", 400),
    BAD("Host open bracket", 0, "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400),
    /* Chunked bodies. */
    OK("chunk extension", 0, CHUNKED "3;a=b;c=\"d e\"\r\nabc\r\n0\r\n\r\n", "POST /p n=3 x=[-]"),
    OK("chunk trailer", 0, CHUNKED "1\r\na\r\n0\r\nX-T: 1\r\n\r\n", "POST /p n=1 x=[-]"),
    BAD("chunk size not hex", 0, CHUNKED "zz\r\n", 400),
    BAD("chunk size negative", 0, CHUNKED "-1\r\na\r\n0\r\n\r\n", 400),
    BAD("chunk size empty", 0, CHUNKED "\r\nabc\r\n0\r\n\r\n", 400),
    BAD("chunk size 2^64", 0, CHUNKED "10000000000000000\r\n", 400),
    BAD("chunk size 20 digits", 0, CHUNKED "11111111111111111111\r\n", 400),
    BAD("chunk no CRLF after data", 0, CHUNKED "3\r\nabcX0\r\n\r\n", 400),
    BAD("chunk data too long", 0, CHUNKED "3\r\nabcd\r\n0\r\n\r\n", 400),
    BAD("chunk bare CR after data", 0, CHUNKED "3\r\nabc\r0\r\n\r\n", 400),
    BAD("chunk bare LF strict", 1, CHUNKED "3\nabc\n0\n\n", 400),
    BAD("chunk ext bad char", 0, CHUNKED "3;a\x01\r\nabc\r\n0\r\n\r\n", 400),
    BAD("trailer bad name", 0, CHUNKED "0\r\nX y: 1\r\n\r\n", 400),
};

/* Parts of a request that never end: a chunk extension is refused once it
 * is longer than any sane line, a trailer section once it fills the pool,
 * and empty lines before a request line are not waited through forever.
 * Nothing is buffered until memory runs out and the handler never answers. */
struct endless_case {
    const char *name;
    const char *start;
    char fill;
    int status;
};

static const struct endless_case endless[] = {
    {"long chunk extension", CHUNKED "1;x=", 'e', 400},
    {"long trailer", CHUNKED "0\r\nX-T: ", 't', 431},
    {"empty lines before request", "", '\n', 0},
};

static void send_endless(uint16_t port, const struct endless_case *ec)
{
    static char req[48 * 1024];
    size_t n = strlen(ec->start);
    memcpy(req, ec->start, n);
    memset(req + n, ec->fill, sizeof(req) - n);
    int fd = rs_connect(port);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    int before = atomic_load(&handled);
    rs_send(fd, req, sizeof(req));
    char buf[2048];
    bool closed = false;
    rs_recv(fd, buf, sizeof(buf), (int)test_ms(5000), &closed);
    CHECK_MSG(rs_status(buf) == ec->status && closed, "%s: %.40s", ec->name, buf);
    CHECK_EQ_INT(atomic_load(&handled), before);
    close(fd);
}

static const char tail[] = "GET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";

static void check_rejected(const struct rfc_case *rc, const char *buf, bool closed)
{
    int status = rs_status(buf);
    CHECK_MSG(status == rc->status, "%s: status %d, want %d (%.80s)", rc->name, status, rc->status,
              buf);
    CHECK_MSG(rs_count_responses(buf) <= 1, "%s: more than one answer", rc->name);
    if (rc->status)
        CHECK_MSG(strstr(buf, "Connection: close\r\n") != NULL, "%s: no Connection: close",
                  rc->name);
    CHECK_MSG(closed, "%s: connection left open after a refusal", rc->name);
}

static void check_accepted(const struct rfc_case *rc, const char *buf, bool closed)
{
    CHECK_MSG(rs_status(buf) == 200, "%s: status %d (%.80s)", rc->name, rs_status(buf), buf);
    const char *body = strstr(buf, "\r\n\r\n");
    CHECK_MSG(body != NULL && strncmp(body + 4, rc->echo, strlen(rc->echo)) == 0,
              "%s: handler saw \"%.60s\", want \"%s\"", rc->name, body ? body + 4 : "", rc->echo);
    int answers = rs_count_responses(buf);
    CHECK_MSG(answers == (rc->then_close ? 1 : 2), "%s: %d answers", rc->name, answers);
    if (!rc->then_close)
        CHECK_MSG(strstr(buf, "GET /after n=0") != NULL, "%s: pipelined request not served",
                  rc->name);
    CHECK_MSG(closed, "%s: connection not closed", rc->name);
}

static void run_case(uint16_t port, const struct rfc_case *rc)
{
    char req[1024];
    memcpy(req, rc->bytes, rc->len);
    memcpy(req + rc->len, tail, sizeof(tail) - 1);
    int after_before = atomic_load(&after_seen);
    int handled_before = atomic_load(&handled);
    int fd = rs_connect(port);
    CHECK_MSG(fd >= 0, "%s: cannot connect", rc->name);
    if (fd < 0)
        return;
    rs_send(fd, req, rc->len + sizeof(tail) - 1);
    char buf[4096];
    bool closed = false;
    rs_recv(fd, buf, sizeof(buf), (int)test_ms(5000), &closed);
    close(fd);
    bool ok = rc->status == 200;
    if (ok)
        check_accepted(rc, buf, closed);
    else
        check_rejected(rc, buf, closed);
    int want = ok && !rc->then_close ? 1 : 0;
    CHECK_MSG(atomic_load(&after_seen) - after_before == want,
              "%s: pipelined request seen %d times, want %d", rc->name,
              atomic_load(&after_seen) - after_before, want);
    if (!ok)
        CHECK_MSG(atomic_load(&handled) == handled_before, "%s: refused request answered",
                  rc->name);
}

static void run_level(enum ts_mode mode, int level)
{
    struct test_server ts;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_CLIENT_DISCIPLINE_LVL, level, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (!ts_start(&ts, mode, 0, handler, NULL, opts)) {
        CHECK(0);
        return;
    }
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (cases[i].level == level)
            run_case(ts.port, &cases[i]);
    for (size_t i = 0; level == 0 && i < sizeof(endless) / sizeof(endless[0]); i++)
        send_endless(ts.port, &endless[i]);
    /* Still serving after all of that. */
    struct tc_reply r;
    tc_get(ts.port, "/alive", &r);
    CHECK_EQ_INT(r.status, 200);
    tc_reply_free(&r);
    ts_stop(&ts);
}

int main(void)
{
    static const int levels[] = {0, 1, 2, -1, -2, -3};
    curl_global_init(CURL_GLOBAL_DEFAULT);
    TS_FOR_EACH_MODE(mode)
    {
        unsigned long failed_before = check_failed_;
        for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
            run_level(mode, levels[i]);
        printf("mode %-12s %s\n", ts_mode_names[mode],
               check_failed_ == failed_before ? "ok" : "FAIL");
    }
    curl_global_cleanup();
    return check_done();
}
