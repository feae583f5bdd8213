/* The demo site of `make demo`: shows the request it got (method, URL,
 * version, headers, query arguments, cookies) and a form whose fields are
 * decoded by the POST processor. Links to the upload, authentication and
 * WebSocket examples, which `make demo` starts beside it.
 *
 *   demo [PORT]        (default 8080, bound to 127.0.0.1) */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

/* A growing HTML page. */
struct page {
    char *buf;
    size_t len;
    size_t cap;
};

static void add(struct page *p, const char *s, size_t n)
{
    if (p->len + n + 1 > p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 4096;
        while (cap < p->len + n + 1)
            cap *= 2;
        char *b = realloc(p->buf, cap);
        if (b == NULL)
            return;
        p->buf = b;
        p->cap = cap;
    }
    memcpy(p->buf + p->len, s, n);
    p->len += n;
    p->buf[p->len] = '\0';
}

static void add_str(struct page *p, const char *s)
{
    add(p, s, strlen(s));
}

/* Adds text with the HTML special characters escaped. */
static void add_text(struct page *p, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '<':
            add_str(p, "&lt;");
            break;
        case '>':
            add_str(p, "&gt;");
            break;
        case '&':
            add_str(p, "&amp;");
            break;
        case '"':
            add_str(p, "&quot;");
            break;
        case '\0':
            add_str(p, "\\0");
            break;
        default:
            add(p, s + i, 1);
        }
    }
}

static enum MHD_Result add_row(void *cls, enum MHD_ValueKind kind, const char *key,
                               size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    struct page *p = cls;
    add_str(p, "<tr><td>");
    add_text(p, key ? key : "", key ? key_size : 0);
    add_str(p, "</td><td>");
    if (value != NULL)
        add_text(p, value, value_size);
    else
        add_str(p, "<i>(no value)</i>");
    add_str(p, "</td></tr>\n");
    return MHD_YES;
}

static void add_table(struct page *p, struct MHD_Connection *c, enum MHD_ValueKind kind,
                      const char *title)
{
    add_str(p, "<h2>");
    add_str(p, title);
    add_str(p, "</h2>\n<table>\n");
    if (MHD_get_connection_values_n(c, kind, add_row, p) == 0)
        add_str(p, "<tr><td><i>none</i></td></tr>\n");
    add_str(p, "</table>\n");
}

/* Per-request state: the POST processor and the fields it decoded. */
struct request {
    struct MHD_PostProcessor *pp;
    struct page fields;
};

static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *filename, const char *content_type,
                                const char *transfer_encoding, const char *data, uint64_t off,
                                size_t size)
{
    (void)kind;
    (void)filename;
    (void)content_type;
    (void)transfer_encoding;
    struct request *rq = cls;
    if (off == 0) {
        if (rq->fields.len)
            add_str(&rq->fields, "</td></tr>\n");
        add_str(&rq->fields, "<tr><td>");
        add_text(&rq->fields, key, strlen(key));
        add_str(&rq->fields, "</td><td>");
    }
    add_text(&rq->fields, data, size);
    return MHD_YES;
}

static const char style[] =
    "<style>body{font-family:sans-serif;margin:2em;max-width:60em}"
    "table{border-collapse:collapse}td{border:1px solid #ccc;padding:.2em .6em}"
    "h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.5em}</style>";

static void build_page(struct page *p, struct MHD_Connection *c, const char *url,
                       const char *method, const char *version, struct request *rq)
{
    add_str(p, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>libmicrohttpd demo"
               "</title>");
    add_str(p, style);
    add_str(p, "</head><body><h1>Your request</h1><p><b>");
    add_text(p, method, strlen(method));
    add_str(p, "</b> ");
    add_text(p, url, strlen(url));
    add_str(p, " ");
    add_text(p, version, strlen(version));
    add_str(p, " &mdash; served by libmicrohttpd-compatible ");
    add_str(p, MHD_get_version());
    add_str(p, "</p>\n");
    add_table(p, c, MHD_HEADER_KIND, "Headers");
    add_table(p, c, MHD_GET_ARGUMENT_KIND, "Query arguments");
    add_table(p, c, MHD_COOKIE_KIND, "Cookies");
    if (rq->fields.len) {
        add_str(p, "<h2>Form fields (decoded by the POST processor)</h2>\n<table>\n");
        add(p, rq->fields.buf, rq->fields.len);
        add_str(p, "</td></tr>\n</table>\n");
    }
    add_str(p, "<h2>Try it</h2>\n"
               "<form method=\"get\" action=\"/\">Query: <input name=\"q\" value=\"hello world\">"
               " <input name=\"lang\" value=\"en\"> <button>GET</button></form>\n<p></p>"
               "<form method=\"post\" action=\"/form\">Name: <input name=\"name\" value=\"Ada\">"
               " Comment: <input name=\"comment\" value=\"a &amp; b = c\"> <button>POST "
               "(urlencoded)</button></form>\n<p></p>"
               "<form method=\"post\" action=\"/form\" enctype=\"multipart/form-data\">"
               "Title: <input name=\"title\" value=\"multipart\"> <button>POST (multipart)"
               "</button></form>\n"
               "<h2>More examples</h2><ul>"
               "<li><a href=\"http://127.0.0.1:8082/\">File upload</a> (examples/upload.c)</li>"
               "<li><a href=\"http://127.0.0.1:8081/\">Basic and Digest authentication</a> "
               "(examples/auth.c)</li>"
               "<li><a href=\"http://127.0.0.1:8083/\">WebSocket echo</a> "
               "(examples/websocket_echo.c)</li></ul>\n"
               "</body></html>\n");
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    struct request *rq = *req_cls;
    if (rq == NULL) {
        rq = calloc(1, sizeof(*rq));
        if (rq == NULL)
            return MHD_NO;
        *req_cls = rq;
        if (strcmp(method, "POST") == 0)
            rq->pp = MHD_create_post_processor(c, 4096, on_field, rq);
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        if (rq->pp != NULL)
            MHD_post_process(rq->pp, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    struct page p = {NULL, 0, 0};
    build_page(&p, c, url, method, version, rq);
    struct MHD_Response *r =
        MHD_create_response_from_buffer_with_free_callback(p.len, p.buf, free);
    MHD_add_response_header(r, "Content-Type", "text/html; charset=utf-8");
    MHD_add_response_header(r, "Set-Cookie", "demo=visited; Path=/");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct request *rq = *req_cls;
    if (rq == NULL)
        return;
    if (rq->pp != NULL)
        MHD_destroy_post_processor(rq->pp);
    free(rq->fields.buf);
    free(rq);
    *req_cls = NULL;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    unsigned int port = argc > 1 ? (unsigned int)strtoul(argv[1], NULL, 10) : 8080;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, (uint16_t)port, NULL,
        NULL, handler, NULL, MHD_OPTION_SOCK_ADDR_LEN, (socklen_t)sizeof(sa), &sa,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 60u,
        MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "cannot start the demo on port %u\n", port);
        return 1;
    }
    printf("demo: http://127.0.0.1:%u/ (Ctrl-C stops it)\n", port);
    fflush(stdout);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    while (!stop)
        pause();
    MHD_stop_daemon(d);
    return 0;
}
