/* The demo site of `make demo`: says what this library is, links to the
 * examples and the manual, shows the request it got (method, URL, version,
 * headers, query arguments, cookies) and a form whose fields are decoded by
 * the POST processor. The upload, authentication and WebSocket examples run
 * beside it on the next three ports (scripts/demo.sh starts them all).
 *
 *   demo [PORT [SOURCE_DIR]]   (default 8080; 127.0.0.1 unless the
 *                               environment names LISTEN_ADDRESS)
 *
 * With SOURCE_DIR (the repository's top directory), /manual/NAME.md serves
 * the manual's chapters from SOURCE_DIR/doc/manual and /examples/NAME.c the
 * examples' sources, as files (MHD_create_response_from_fd). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
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
    "<style>body{font-family:sans-serif;margin:1.5em 2em;max-width:62em;line-height:1.35}"
    "table{border-collapse:collapse}td{border:1px solid #ccc;padding:.2em .6em}"
    "h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.1em;margin-top:1.4em}"
    ".intro{background:#f4f7fb;border:1px solid #c8d6e8;padding:.6em 1.2em;border-radius:6px}"
    ".intro ul{margin:.3em 0}.intro li{margin:.2em 0}code{background:#eee;padding:0 .2em}"
    "</style>";

/* The base port: the examples listen on the next three, and this page
 * again over HTTPS on the fourth. */
static unsigned int base_port = 8080;
/* The port this copy serves on, and whether by HTTPS. */
static unsigned int own_port = 8080;
static bool https;
/* The repository's top directory, or NULL: then no manual or sources. */
static const char *source_dir;

static void add_link(struct page *p, unsigned int port_offset, const char *text,
                     const char *source)
{
    char line[512];
    snprintf(line, sizeof(line),
             "<li><a href=\"http://127.0.0.1:%u/\">%s</a> on port %u &mdash; source: "
             "<a href=\"/examples/%s\">examples/%s</a></li>\n",
             base_port + port_offset, text, base_port + port_offset, source, source);
    add_str(p, line);
}

/* What this is, and where to go next: the first screen. */
static void add_intro(struct page *p)
{
    add_str(p, "<h1>libmicrohttpd ");
    add_str(p, MHD_get_version());
    add_str(p, ", rebuilt &mdash; demo</h1>\n<div class=\"intro\"><p>This page is served by "
               "<a href=\"/examples/demo.c\">examples/demo.c</a>, a small program on a "
               "from-scratch, drop-in replacement for GNU libmicrohttpd 1.0: an HTTP/1.1 "
               "server library you embed in a C program (same header, same "
               "<code>libmicrohttpd.so.12</code>), which also speaks HTTP/2 to the same "
               "program when started with <code>MHD_HTTP2=1</code>, as this demo is. Below it "
               "shows the request your browser just sent, as the library parsed it (its "
               "version says which protocol carried it).</p>\n<b>Examples running beside it</b>"
               "<ul>\n");
    add_link(p, 2, "File upload", "upload.c");
    add_link(p, 1, "Basic and Digest authentication", "auth.c");
    add_link(p, 3, "WebSocket echo", "websocket_echo.c");
    char line[256];
    snprintf(line, sizeof(line),
             "<li><a href=\"https://127.0.0.1:%u/\">This page over HTTPS</a> on port %u, with a "
             "certificate made when the demo started (your browser will ask you to accept it, "
             "then fetch it over HTTP/2)</li>\n",
             base_port + 4, base_port + 4);
    add_str(p, line);
    add_str(p, "</ul>\n<b>Read next</b><ul>\n"
               "<li><a href=\"/manual/README.md\">The manual</a>: from Hello world to production, "
               "chapter by chapter (<a href=\"/manual/01-hello.md\">Hello world</a>, "
               "<a href=\"/manual/04-thread-modes.md\">choosing a thread mode</a>, "
               "<a href=\"/manual/05-forms-uploads.md\">forms</a>, "
               "<a href=\"/manual/07-https.md\">HTTPS</a>, "
               "<a href=\"/manual/12-migrating.md\">migrating from GNU libmicrohttpd</a>)</li>\n"
               "<li>Man pages: <code>man -l doc/man/man3/libmicrohttpd.3</code> in the source "
               "tree, or <code>man libmicrohttpd</code> and <code>man MHD_start_daemon</code> "
               "after <code>make install</code></li>\n</ul></div>\n");
}

/* Over HTTPS: the protocol version and cipher the library negotiated, as
 * MHD_get_connection_info() reports them (GnuTLS ids, named by GnuTLS). */
static void add_tls(struct page *p, struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *pi = MHD_get_connection_info(c, MHD_CONNECTION_INFO_PROTOCOL);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CIPHER_ALGO);
    if (pi == NULL || ci == NULL) {
        add_str(p, "<p>Connection: plain HTTP.</p>\n");
        return;
    }
    char line[160];
    snprintf(line, sizeof(line), "<p>Connection: HTTPS, %s, %s.</p>\n",
             gnutls_protocol_get_name((gnutls_protocol_t)pi->protocol),
             gnutls_cipher_get_name((gnutls_cipher_algorithm_t)ci->cipher_algorithm));
    add_str(p, line);
}

static void build_page(struct page *p, struct MHD_Connection *c, const char *url,
                       const char *method, const char *version, struct request *rq)
{
    add_str(p, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>libmicrohttpd demo"
               "</title>");
    add_str(p, style);
    add_str(p, "</head><body>\n");
    add_intro(p);
    add_str(p, "<h2>Your request</h2><p><b>");
    add_text(p, method, strlen(method));
    add_str(p, "</b> ");
    add_text(p, url, strlen(url));
    add_str(p, " ");
    add_text(p, version, strlen(version));
    add_str(p, "</p>\n");
    add_tls(p, c);
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
               "</button></form>\n");
    add_table(p, c, MHD_GET_ARGUMENT_KIND, "Query arguments");
    add_table(p, c, MHD_COOKIE_KIND, "Cookies");
    add_table(p, c, MHD_HEADER_KIND, "Headers");
    add_str(p, "</body></html>\n");
}

/* "/manual/NAME.md" or "/examples/NAME.c" with NAME of [a-z0-9_-] only:
 * the file's path under source_dir, else NULL. */
static const char *source_file(const char *url, char *path, size_t cap)
{
    static const struct {
        const char *prefix, *dir, *ext;
    } dirs[] = {{"/manual/", "doc/manual", ".md"}, {"/examples/", "examples", ".c"}};
    if (source_dir == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        size_t plen = strlen(dirs[i].prefix);
        if (strncmp(url, dirs[i].prefix, plen) != 0)
            continue;
        const char *name = url + plen;
        size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
        if (n == 0 || strcmp(name + n, dirs[i].ext) != 0)
            return NULL;
        int w = snprintf(path, cap, "%s/%s/%s", source_dir, dirs[i].dir, name);
        return w > 0 && (size_t)w < cap ? path : NULL;
    }
    return NULL;
}

/* Serves a manual chapter or an example's source as plain text. */
static enum MHD_Result serve_file(struct MHD_Connection *c, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        static const char missing[] = "Not found\n";
        struct MHD_Response *r =
            MHD_create_response_from_buffer_static(strlen(missing), missing);
        enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_NOT_FOUND, r);
        MHD_destroy_response(r);
        return ret;
    }
    struct MHD_Response *r = MHD_create_response_from_fd((size_t)st.st_size, fd);
    if (r == NULL) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
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
    char path[4096];
    if (strcmp(method, "GET") == 0 && source_file(url, path, sizeof(path)) != NULL)
        return serve_file(c, path);
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

/* 127.0.0.1, or the IPv4 address named by the environment's LISTEN_ADDRESS
 * (0.0.0.0: every interface). Returns the address as text, NULL if invalid. */
static const char *listen_address(struct sockaddr_in *sa, uint16_t port)
{
    const char *env = getenv("LISTEN_ADDRESS");
    const char *text = env != NULL ? env : "127.0.0.1";
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    if (inet_pton(AF_INET, text, &sa->sin_addr) != 1) {
        fprintf(stderr, "LISTEN_ADDRESS: not an IPv4 address: %s\n", text);
        return NULL;
    }
    return text;
}

/* The whole of a PEM file, or NULL. */
static char *read_pem(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = calloc(1, 65536);
    size_t n = buf != NULL ? fread(buf, 1, 65535, f) : 0;
    fclose(f);
    if (n == 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        char *end;
        unsigned long port = strtoul(argv[1], &end, 10);
        if (*end != '\0' || port == 0 || port > 65532 || argc == 4 || argc > 5) {
            fprintf(stderr,
                    "usage: %s [PORT [SOURCE_DIR [CERT.pem KEY.pem]]] (PORT 1-65532)\n"
                    "  with a certificate and key it serves HTTPS on PORT+4\n",
                    argv[0]);
            return 2;
        }
        base_port = own_port = (unsigned int)port;
    }
    source_dir = argc > 2 ? argv[2] : NULL;
    char *cert = NULL, *key = NULL;
    if (argc == 5) {
        cert = read_pem(argv[3]);
        key = read_pem(argv[4]);
        if (cert == NULL || key == NULL) {
            fprintf(stderr, "cannot read %s\n", cert == NULL ? argv[3] : argv[4]);
            return 1;
        }
        https = true;
        own_port = base_port + 4;
    }
    /* The stop signals are taken by sigwait() below; blocked before the
     * daemon's threads start, they are blocked in those threads too. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    struct sockaddr_in sa;
    const char *host = listen_address(&sa, (uint16_t)own_port);
    if (host == NULL)
        return 2;
    /* HTTPS is the same program with MHD_USE_TLS and the two PEM strings. */
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
            (https ? MHD_USE_TLS : 0),
        (uint16_t)own_port, NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR_LEN,
        (socklen_t)sizeof(sa), &sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_ARRAY,
        (struct MHD_OptionItem[]){{https ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert},
                                  {MHD_OPTION_HTTPS_MEM_KEY, 0, key},
                                  {MHD_OPTION_END, 0, NULL}},
        MHD_OPTION_END);
    if (d == NULL)
        return 1; /* the library logged why */
    printf("Serving on %s://%s:%u/ (Ctrl-C stops it)\n", https ? "https" : "http", host,
           own_port);
    fflush(stdout);
    int sig;
    sigwait(&stop, &sig);
    MHD_stop_daemon(d);
    free(cert);
    free(key);
    return 0;
}
