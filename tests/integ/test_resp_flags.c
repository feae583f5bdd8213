/* Response flags and the automatic headers on the wire, in every thread
 * mode, through raw sockets (so every header and the connection's fate can
 * be seen): the HTTP/1.0 compatibility modes, MHD_RF_SEND_KEEP_ALIVE_HEADER,
 * MHD_RF_INSANITY_HEADER_CONTENT_LENGTH, MHD_RF_HEAD_ONLY_RESPONSE, and an
 * application's own Connection: close and Transfer-Encoding: chunked, for
 * sized and unsized bodies, GET and HEAD, HTTP/1.0 and 1.1 clients. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bodies.h"
#include "check.h"
#include "client.h"
#include "rawhttp.h"
#include "testsrv.h"

static const char ten[] = "0123456789";

static ssize_t ten_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)cls;
    if (pos >= 10)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = 10 - (size_t)pos < max ? 10 - (size_t)pos : max;
    memcpy(buf, ten + pos, n);
    return (ssize_t)n;
}

/* /r?f=FLAGS&body=buf|cb|empty&conn=close&te=1&cl=N&status=S */
static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    if (tb_first_call(req_cls))
        return MHD_YES;
    const char *v;
    unsigned int flags = 0;
    if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "f")) != NULL)
        flags = (unsigned int)strtoul(v, NULL, 10);
    const char *body = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "body");
    struct MHD_Response *r;
    if (body != NULL && strcmp(body, "cb") == 0)
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64, ten_reader, NULL, NULL);
    else if (body != NULL && strcmp(body, "empty") == 0)
        r = MHD_create_response_empty((enum MHD_ResponseFlags)flags);
    else
        r = MHD_create_response_from_buffer_static(10, ten);
    enum MHD_Result ok = MHD_set_response_options(r, (enum MHD_ResponseFlags)flags, MHD_RO_END);
    if (MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "conn") != NULL)
        ok &= MHD_add_response_header(r, "Connection", "close");
    if (MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "te") != NULL)
        ok &= MHD_add_response_header(r, "Transfer-Encoding", "chunked");
    if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cl")) != NULL)
        ok &= MHD_add_response_header(r, "Content-Length", v);
    unsigned int status = MHD_HTTP_OK;
    if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "status")) != NULL)
        status = (unsigned int)strtoul(v, NULL, 10);
    enum MHD_Result ret = ok == MHD_YES ? MHD_queue_response(c, status, r) : MHD_NO;
    MHD_destroy_response(r);
    return ret;
}

/* What one exchange on a connection should show. */
struct want {
    const char *status_line; /* prefix of the first line */
    const char *connection;  /* Connection value, NULL: no such header */
    const char *length;      /* Content-Length value, NULL: none */
    bool chunked;
    bool body;               /* the ten bytes follow (else nothing does) */
    bool stays_open;
};

/* Sends `req` on a new connection and checks the answer against `w`. */
static void check_exchange(uint16_t port, const char *req, bool head, const struct want *w)
{
    int fd = rs_connect(port);
    rs_send(fd, req, strlen(req));
    struct hr_reply h;
    bool got = hr_read_reply(fd, head, 3000, &h);
    CHECK_MSG(got, "no reply to %s", req);
    if (!got) {
        close(fd);
        return;
    }
    char v[128];
    CHECK_MSG(strncmp(h.head, w->status_line, strlen(w->status_line)) == 0, "%s-> %.40s", req,
              h.head);
    if (w->connection)
        CHECK_MSG(hr_field(&h, "Connection", v, sizeof(v)) && strcmp(v, w->connection) == 0,
                  "%s-> Connection %s", req, hr_field(&h, "Connection", v, sizeof(v)) ? v : "-");
    else
        CHECK_MSG(!hr_field(&h, "Connection", v, sizeof(v)), "%s-> Connection: %s", req, v);
    CHECK_MSG(hr_field_count(&h, "Connection") <= 1, "%s: Connection twice", req);
    if (w->length)
        CHECK_MSG(hr_field(&h, "Content-Length", v, sizeof(v)) && strcmp(v, w->length) == 0 &&
                      hr_field_count(&h, "Content-Length") == 1,
                  "%s-> Content-Length", req);
    else
        CHECK_MSG(!hr_field(&h, "Content-Length", v, sizeof(v)), "%s-> Content-Length: %s", req,
                  v);
    CHECK_MSG(hr_field_count(&h, "Transfer-Encoding") == (w->chunked ? 1 : 0),
              "%s-> Transfer-Encoding x%d", req, hr_field_count(&h, "Transfer-Encoding"));
    CHECK_MSG(h.complete, "%s: incomplete", req);
    CHECK_MSG(h.chunked == (w->chunked && !head), "%s: framing", req);
    if (w->body)
        CHECK_EQ_MEM(h.body, h.body_len, ten, 10);
    else
        CHECK_EQ_SIZE(h.body_len, 0);
    hr_free(&h);
    if (w->stays_open) {
        /* Still open, and nothing stray was sent: the next reply parses. */
        const char next[] = "GET /r HTTP/1.1\r\nHost: x\r\n\r\n";
        rs_send(fd, next, sizeof(next) - 1);
        CHECK_MSG(hr_read_reply(fd, false, 3000, &h) && h.status == 200 && h.body_len == 10,
                  "%s: not kept open", req);
        hr_free(&h);
    } else {
        char c;
        struct pollfd p = {fd, POLLIN, 0};
        CHECK_MSG(poll(&p, 1, 3000) == 1 && recv(fd, &c, 1, 0) == 0, "%s: not closed", req);
    }
    close(fd);
}

#define H11 " HTTP/1.1\r\nHost: x\r\n\r\n"
#define H11_CLOSE " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
#define H11_KA " HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n"
#define H10 " HTTP/1.0\r\n\r\n"
#define H10_KA " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
/* Both tokens, in two field lines or in one: "close" wins (RFC 9112, 9.6). */
#define H10_KA_CLOSE " HTTP/1.0\r\nConnection: Keep-Alive\r\nConnection: close\r\n\r\n"
#define H10_CLOSE_KA " HTTP/1.0\r\nConnection: close\r\nConnection: Keep-Alive\r\n\r\n"
#define H10_KA_CLOSE1 " HTTP/1.0\r\nConnection: Keep-Alive, close\r\n\r\n"
#define H11_KA_CLOSE " HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n"

static const struct {
    const char *req;
    struct want w;
} cases[] = {
    /* No flags: the defaults. */
    {"GET /r" H11, {"HTTP/1.1 200 OK", NULL, "10", false, true, true}},
    {"GET /r?body=cb" H11, {"HTTP/1.1 200 OK", NULL, NULL, true, true, true}},
    {"GET /r" H11_CLOSE, {"HTTP/1.1 200 OK", "close", "10", false, true, false}},
    {"GET /r" H10, {"HTTP/1.1 200 OK", "close", "10", false, true, false}},
    {"GET /r" H10_KA, {"HTTP/1.1 200 OK", "Keep-Alive", "10", false, true, true}},
    {"GET /r?body=cb" H10_KA, {"HTTP/1.1 200 OK", "close", NULL, false, true, false}},
    {"HEAD /r?body=cb" H11, {"HTTP/1.1 200 OK", NULL, NULL, true, false, true}},
    {"GET /r" H10_KA_CLOSE, {"HTTP/1.1 200 OK", "close", "10", false, true, false}},
    {"GET /r" H10_CLOSE_KA, {"HTTP/1.1 200 OK", "close", "10", false, true, false}},
    {"GET /r" H10_KA_CLOSE1, {"HTTP/1.1 200 OK", "close", "10", false, true, false}},
    {"HEAD /r" H10_KA_CLOSE, {"HTTP/1.1 200 OK", "close", "10", false, false, false}},
    {"GET /r" H11_KA_CLOSE, {"HTTP/1.1 200 OK", "close", "10", false, true, false}},
    {"GET /r?f=2" H10_KA_CLOSE, {"HTTP/1.0 200 OK", "close", "10", false, true, false}},
    {"GET /r?f=2" H11_KA_CLOSE, {"HTTP/1.0 200 OK", "close", "10", false, true, false}},
    {"GET /r?f=8" H10_KA_CLOSE, {"HTTP/1.1 200 OK", "close", "10", false, true, false}},
    /* HTTP/1.0 compatible, strict: always close, never chunked. */
    {"GET /r?f=1" H11, {"HTTP/1.1 200 OK", "close", "10", false, true, false}},
    {"GET /r?f=1&body=cb" H11, {"HTTP/1.1 200 OK", "close", NULL, false, true, false}},
    {"HEAD /r?f=1" H11_KA, {"HTTP/1.1 200 OK", "close", "10", false, false, false}},
    /* An HTTP/1.0 server: keep-alive only when asked for, announced. */
    {"GET /r?f=2" H11, {"HTTP/1.0 200 OK", "close", "10", false, true, false}},
    {"GET /r?f=2" H11_KA, {"HTTP/1.0 200 OK", "Keep-Alive", "10", false, true, true}},
    {"GET /r?f=2" H10_KA, {"HTTP/1.0 200 OK", "Keep-Alive", "10", false, true, true}},
    {"GET /r?f=2&body=cb" H11_KA, {"HTTP/1.0 200 OK", "close", NULL, false, true, false}},
    {"HEAD /r?f=2" H10_KA, {"HTTP/1.0 200 OK", "Keep-Alive", "10", false, false, true}},
    /* Keep-Alive announced to HTTP/1.1 clients too. */
    {"GET /r?f=8" H11, {"HTTP/1.1 200 OK", "Keep-Alive", "10", false, true, true}},
    {"GET /r?f=8&body=cb" H11, {"HTTP/1.1 200 OK", "Keep-Alive", NULL, true, true, true}},
    {"GET /r?f=8" H11_CLOSE, {"HTTP/1.1 200 OK", "close", "10", false, true, false}},
    /* The application's own Content-Length replaces the automatic one. */
    {"GET /r?f=4&cl=10" H11, {"HTTP/1.1 200 OK", NULL, "10", false, true, true}},
    {"HEAD /r?f=4&cl=10" H11, {"HTTP/1.1 200 OK", NULL, "10", false, false, true}},
    /* A head-only response: the application's Content-Length on HEAD, or
     * a bodiless status; no body where a body is due. */
    {"HEAD /r?f=16&body=empty&cl=1234" H11, {"HTTP/1.1 200 OK", NULL, "1234", false, false, true}},
    {"HEAD /r?f=16&body=empty" H11, {"HTTP/1.1 200 OK", NULL, NULL, false, false, true}},
    {"GET /r?f=16&body=empty&status=304" H11,
     {"HTTP/1.1 304 Not Modified", NULL, NULL, false, false, true}},
    /* Connection: close set by the application. */
    {"GET /r?conn=1" H11_KA, {"HTTP/1.1 200 OK", "close", "10", false, true, false}},
    {"GET /r?conn=1&body=cb" H11, {"HTTP/1.1 200 OK", "close", NULL, true, true, false}},
    {"GET /r?conn=1" H10_KA, {"HTTP/1.1 200 OK", "close", "10", false, true, false}},
    {"HEAD /r?conn=1" H11, {"HTTP/1.1 200 OK", "close", "10", false, false, false}},
    {"GET /r?conn=1&f=8" H11, {"HTTP/1.1 200 OK", "close", "10", false, true, false}},
    /* Transfer-Encoding: chunked set by the application: chunks for 1.1,
     * a length (and the header dropped) for 1.0. */
    {"GET /r?te=1" H11, {"HTTP/1.1 200 OK", NULL, NULL, true, true, true}},
    {"GET /r?te=1&body=cb" H11, {"HTTP/1.1 200 OK", NULL, NULL, true, true, true}},
    {"HEAD /r?te=1" H11, {"HTTP/1.1 200 OK", NULL, NULL, true, false, true}},
    {"GET /r?te=1" H10_KA, {"HTTP/1.1 200 OK", "Keep-Alive", "10", false, true, true}},
    {"GET /r?te=1&f=1" H11, {"HTTP/1.1 200 OK", "close", "10", false, true, false}},
    {"GET /r?te=1&conn=1" H11, {"HTTP/1.1 200 OK", "close", NULL, true, true, false}},
};

/* Queueing refused: a head-only response where a body is due, a 1xx with
 * an HTTP/1.0 flag. The handler then fails and the connection closes
 * without a reply. */
static void check_refused(uint16_t port, const char *req)
{
    int fd = rs_connect(port);
    rs_send(fd, req, strlen(req));
    char buf[256];
    bool closed;
    size_t n = rs_recv(fd, buf, sizeof(buf), 3000, &closed);
    CHECK_MSG(closed && (n == 0 || strstr(buf, " 200 ") == NULL), "%s-> %s", req, buf);
    close(fd);
}

static void run_mode(enum ts_mode mode)
{
    struct test_server ts;
    if (!ts_start(&ts, mode, 0, handler, NULL, NULL)) {
        CHECK_MSG(0, "start in mode %s", ts_mode_names[mode]);
        return;
    }
    unsigned long failed_before = check_failed_;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_exchange(ts.port, cases[i].req,
                       strncmp(cases[i].req, "HEAD", 4) == 0 ||
                           strstr(cases[i].w.status_line, " 304 ") != NULL,
                       &cases[i].w);
    check_refused(ts.port, "GET /r?f=16&body=empty" H11);
    check_refused(ts.port, "GET /r?f=2&status=102" H11);
    /* Without the flag the application cannot set Content-Length. */
    check_refused(ts.port, "GET /r?cl=10" H11);
    ts_stop(&ts);
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
