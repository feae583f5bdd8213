/* The POST processor behind a real daemon, fed by real clients, in every
 * thread mode: urlencoded and multipart/form-data forms from libcurl (small
 * fields, values larger than the processor's buffer, a file of several MiB
 * checked byte for byte, parts with a transfer encoding), hand-written
 * multipart (quoted boundary, bare LF, nested multipart/mixed), chunked
 * uploads down to five bytes a chunk, many forms on one keep-alive
 * connection, parallel uploads, malformed bodies (the application answers
 * 400 and the daemon keeps serving), and uploads cut off by the client,
 * whose processors are destroyed in the request-completed callback (run
 * under ASan, nothing may leak).
 *
 * The server side records every iterator call, checks that each value
 * arrives in order (offsets continue where the last piece ended), and
 * answers with one line per field; the client side builds the same lines
 * from what it sent and compares. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "testsrv.h"

/* The processor's work space; every value of interest is larger. */
#define PP_BUF 1024
/* Field values up to this size are echoed back; larger ones are checked
 * against pattern() on the server and reported as such. */
#define STORE_MAX 65536
/* The size of the file uploaded by name, and of the chunked file upload. */
#define FILE_SIZE (5u * 1024 * 1024 + 123)
#define CHUNKED_FILE_SIZE (3u * 1024 * 1024 + 7)

/* ---- a growable byte string ------------------------------------------- */

struct sbuf {
    char *p;
    size_t len;
    size_t cap;
};

static void sb_add(struct sbuf *b, const void *data, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            abort();
        b->p = p;
        b->cap = cap;
    }
    if (len > 0)
        memcpy(b->p + b->len, data, len);
    b->len += len;
    b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_free(struct sbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* The content of large values: pseudo-random bytes, interrupted at a prime
 * period by a line break and a run of dashes like the start of curl's
 * boundaries, so that the parser often holds back bytes that turn out to
 * be data. */
static unsigned char pattern(uint64_t i)
{
    static const char near_delim[] = "\r\n--------------------------x";
    uint64_t at = i % 7919;
    if (at < sizeof(near_delim) - 1)
        return (unsigned char)near_delim[at];
    return (unsigned char)((i * 0x9E3779B97F4A7C15ull) >> 56);
}

/* One line of the answer: the field's attributes, its size and its value
 * (or whether it matched pattern() when too large to echo). `value` NULL
 * means a pattern value that matched. */
static void field_line(struct sbuf *b, const char *key, const char *filename, const char *ctype,
                       const char *tenc, uint64_t size, const char *value, bool pattern_ok)
{
    char head[1024];
    snprintf(head, sizeof(head), "%s|%s|%s|%s|%llu|", key, filename ? filename : "(null)",
             ctype ? ctype : "(null)", tenc ? tenc : "(null)", (unsigned long long)size);
    sb_str(b, head);
    if (size > STORE_MAX)
        sb_str(b, pattern_ok ? "<pattern ok>" : "<pattern BAD>");
    else
        sb_add(b, value, (size_t)size);
    sb_str(b, "\n");
}

/* ---- the server --------------------------------------------------------- */

struct field {
    char *key;
    char *filename;
    char *ctype;
    char *tenc;
    uint64_t size;
    struct sbuf val; /* the first STORE_MAX bytes */
    bool pattern_ok;
};

struct req {
    struct MHD_PostProcessor *pp;
    bool no_pp;  /* a POST whose Content-Type the processor refused */
    bool failed; /* MHD_post_process said no */
    struct field *fields;
    size_t nfields;
    unsigned violations; /* iterator calls that broke the contract */
    size_t max_piece;
    unsigned calls;
};

static atomic_int pp_live;         /* processors created and not yet destroyed */
static atomic_int destroyed_in_cb; /* processors destroyed by on_completed */
static atomic_int completed_ok;
static atomic_int completed_abort; /* CLIENT_ABORT or READ_ERROR */
static atomic_int completed_other;

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static bool same(const char *a, const char *b)
{
    return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

static struct field *field_new(struct req *rq, const char *key, const char *filename,
                               const char *ctype, const char *tenc)
{
    struct field *f = realloc(rq->fields, (rq->nfields + 1) * sizeof(*f));
    if (f == NULL)
        abort();
    rq->fields = f;
    f += rq->nfields++;
    memset(f, 0, sizeof(*f));
    f->key = strdup(key);
    f->filename = dup_or_null(filename);
    f->ctype = dup_or_null(ctype);
    f->tenc = dup_or_null(tenc);
    f->pattern_ok = true;
    return f;
}

static enum MHD_Result iterate(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *ctype, const char *tenc,
                               const char *data, uint64_t off, size_t size)
{
    struct req *rq = cls;
    rq->calls++;
    if (kind != MHD_POSTDATA_KIND || key == NULL || (size > 0 && data == NULL)) {
        rq->violations++;
        return MHD_YES;
    }
    if (size > rq->max_piece)
        rq->max_piece = size;
    if (strcmp(key, "stop") == 0)
        return MHD_NO;
    struct field *f = rq->nfields ? &rq->fields[rq->nfields - 1] : NULL;
    if (off == 0) {
        f = field_new(rq, key, filename, ctype, tenc);
    } else if (f == NULL || off != f->size || strcmp(f->key, key) != 0 ||
               !same(f->filename, filename) || !same(f->ctype, ctype) || !same(f->tenc, tenc)) {
        rq->violations++;
        return MHD_YES;
    }
    for (size_t i = 0; i < size && f->pattern_ok; i++)
        f->pattern_ok = (unsigned char)data[i] == pattern(f->size + i);
    if (f->val.len < STORE_MAX) {
        size_t room = STORE_MAX - f->val.len;
        sb_add(&f->val, data, size < room ? size : room);
    }
    f->size += size;
    return MHD_YES;
}

static void req_free(struct req *rq)
{
    for (size_t i = 0; i < rq->nfields; i++) {
        struct field *f = &rq->fields[i];
        free(f->key);
        free(f->filename);
        free(f->ctype);
        free(f->tenc);
        sb_free(&f->val);
    }
    free(rq->fields);
    free(rq);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int code, const char *body,
                             size_t len, const struct req *rq, bool clean)
{
    struct MHD_Response *r = MHD_create_response_from_buffer_copy(len, body);
    if (r == NULL)
        return MHD_NO;
    if (rq != NULL) {
        char v[64];
        snprintf(v, sizeof(v), "%u", rq->violations);
        MHD_add_response_header(r, "X-Post-Violations", v);
        snprintf(v, sizeof(v), "%zu", rq->max_piece);
        MHD_add_response_header(r, "X-Post-Max-Piece", v);
        MHD_add_response_header(r, "X-Post-End", clean ? "clean" : "unclean");
    }
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

/* The final call: the processor is destroyed here (which delivers a last
 * urlencoded value) and the fields are sent back. */
static enum MHD_Result finish(struct MHD_Connection *c, const char *method, struct req *rq)
{
    if (strcmp(method, "POST") != 0)
        return reply(c, MHD_HTTP_OK, "hello", 5, NULL, true);
    if (rq->no_pp)
        return reply(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported", 11, NULL, true);
    bool clean = MHD_destroy_post_processor(rq->pp) == MHD_YES;
    rq->pp = NULL;
    atomic_fetch_sub(&pp_live, 1);
    if (rq->failed || !clean)
        return reply(c, MHD_HTTP_BAD_REQUEST, "bad form", 8, rq, clean);
    struct sbuf out = {0};
    sb_str(&out, "");
    for (size_t i = 0; i < rq->nfields; i++) {
        const struct field *f = &rq->fields[i];
        field_line(&out, f->key, f->filename, f->ctype, f->tenc, f->size, f->val.p, f->pattern_ok);
    }
    enum MHD_Result ret = reply(c, MHD_HTTP_OK, out.p, out.len, rq, clean);
    sb_free(&out);
    return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)url;
    (void)version;
    struct req *rq = *req_cls;
    if (rq == NULL) {
        rq = calloc(1, sizeof(*rq));
        if (rq == NULL)
            return MHD_NO;
        *req_cls = rq;
        if (strcmp(method, "POST") == 0) {
            rq->pp = MHD_create_post_processor(c, PP_BUF, iterate, rq);
            if (rq->pp != NULL)
                atomic_fetch_add(&pp_live, 1);
            else
                rq->no_pp = true;
        }
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        /* After a failure the rest of the body is read and dropped, so the
         * answer can still go out on a healthy connection. */
        if (rq->pp != NULL && !rq->failed &&
            MHD_post_process(rq->pp, upload_data, *upload_data_size) != MHD_YES)
            rq->failed = true;
        *upload_data_size = 0;
        return MHD_YES;
    }
    return finish(c, method, rq);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    struct req *rq = *req_cls;
    if (rq != NULL) {
        if (rq->pp != NULL) {
            MHD_destroy_post_processor(rq->pp);
            atomic_fetch_sub(&pp_live, 1);
            atomic_fetch_add(&destroyed_in_cb, 1);
        }
        req_free(rq);
        *req_cls = NULL;
    }
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        atomic_fetch_add(&completed_ok, 1);
    else if (toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT || toe == MHD_REQUEST_TERMINATED_READ_ERROR)
        atomic_fetch_add(&completed_abort, 1);
    else
        atomic_fetch_add(&completed_other, 1);
}

/* ---- the client --------------------------------------------------------- */

struct result {
    long status;
    CURLcode code;
    long connects;
    struct sbuf body;
    struct sbuf head;
};

static size_t sink(char *data, size_t size, size_t n, void *ud)
{
    sb_add(ud, data, size * n);
    return size * n;
}

/* Performs the request configured on `curl` (POST body, headers) against
 * `path`; the handle is reset afterwards, keeping its connection. */
static void perform(CURL *curl, uint16_t port, const char *path, struct result *res)
{
    memset(res, 0, sizeof(*res));
    tc_set_url(curl, port, path);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &res->body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, sink);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &res->head);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    sb_str(&res->body, "");
    sb_str(&res->head, "");
    res->code = curl_easy_perform(curl);
    if (res->code == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &res->status);
        curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &res->connects);
    }
    curl_easy_reset(curl);
}

static void result_free(struct result *res)
{
    sb_free(&res->body);
    sb_free(&res->head);
}

/* The value of response header `name`, or "" when absent. */
static const char *header_of(const struct result *res, const char *name, char *buf, size_t cap)
{
    struct tc_reply r = {0};
    r.headers = res->head.p;
    if (!tc_header(&r, name, buf, cap))
        buf[0] = '\0';
    return buf;
}

/* Checks a 200 answer whose body lists exactly `want`, with no contract
 * violation, pieces no larger than the work space and a clean end. */
static void check_form(const struct result *res, const struct sbuf *want, const char *what)
{
    char v[64];
    CHECK_MSG(res->code == CURLE_OK && res->status == 200, "%s: curl %d, status %ld", what,
              (int)res->code, res->status);
    size_t at = 0;
    while (at < res->body.len && at < want->len && res->body.p[at] == want->p[at])
        at++;
    size_t from = at > 40 ? at - 40 : 0;
    CHECK_MSG(res->body.len == want->len && at == want->len,
              "%s: got %zu bytes, want %zu; from byte %zu got \"%.120s\", want \"%.120s\"", what,
              res->body.len, want->len, from, res->body.p + from, want->p + from);
    CHECK_MSG(strcmp(header_of(res, "X-Post-Violations", v, sizeof(v)), "0") == 0,
              "%s: violations %s", what, v);
    CHECK_MSG(strtoul(header_of(res, "X-Post-Max-Piece", v, sizeof(v)), NULL, 10) <= PP_BUF,
              "%s: max piece %s", what, v);
    CHECK_MSG(strcmp(header_of(res, "X-Post-End", v, sizeof(v)), "clean") == 0, "%s: end %s", what,
              v);
}

static void want_text(struct sbuf *w, const char *key, const char *value)
{
    field_line(w, key, NULL, NULL, NULL, strlen(value), value, true);
}

/* Posts `body` with CURLOPT_POSTFIELDS (and curl's default urlencoded
 * Content-Type unless `ctype` is given). */
static void post_fields(CURL *curl, uint16_t port, const char *body, size_t len, const char *ctype,
                        struct result *res)
{
    struct curl_slist *hl = NULL;
    if (ctype != NULL) {
        char h[256];
        snprintf(h, sizeof(h), "Content-Type: %s", ctype);
        hl = curl_slist_append(hl, h);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hl);
    }
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    perform(curl, port, "/form", res);
    curl_slist_free_all(hl);
}

static void test_urlencoded_small(CURL *curl, uint16_t port)
{
    static const char body[] = "a=1&b=hello+world&c=%41%42%2b%26%3D%00z&empty=&novalue&&"
                               "k%20e+y=%e2%82%ac&x==y&last=end";
    struct result res;
    post_fields(curl, port, body, sizeof(body) - 1, NULL, &res);
    struct sbuf w = {0};
    want_text(&w, "a", "1");
    want_text(&w, "b", "hello world");
    field_line(&w, "c", NULL, NULL, NULL, 7, "AB+&=\0z", true);
    want_text(&w, "empty", "");
    want_text(&w, "novalue", "");
    want_text(&w, "k e y", "\xe2\x82\xac");
    want_text(&w, "x", "=y");
    want_text(&w, "last", "end");
    check_form(&res, &w, "urlencoded small");
    sb_free(&w);
    result_free(&res);
}

/* A value of `n` decoded bytes and its urlencoded form. */
static void big_value(size_t n, struct sbuf *decoded, struct sbuf *encoded)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = pattern(i * 31);
        char enc[4];
        if (c == ' ') {
            sb_str(encoded, "+");
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            sb_add(encoded, &c, 1);
        } else {
            snprintf(enc, sizeof(enc), "%%%02X", c);
            sb_str(encoded, enc);
        }
        sb_add(decoded, &c, 1);
    }
}

static void test_urlencoded_large(CURL *curl, uint16_t port)
{
    struct sbuf dec = {0}, body = {0}, w = {0};
    sb_str(&body, "first=1&big=");
    big_value(40000, &dec, &body);
    sb_str(&body, "&after=2");
    struct result res;
    post_fields(curl, port, body.p, body.len, NULL, &res);
    want_text(&w, "first", "1");
    field_line(&w, "big", NULL, NULL, NULL, dec.len, dec.p, true);
    want_text(&w, "after", "2");
    check_form(&res, &w, "urlencoded large value");
    result_free(&res);
    sb_free(&dec);
    sb_free(&body);
    sb_free(&w);
}

struct gen {
    uint64_t pos;
    uint64_t size;
    size_t step; /* largest piece handed to curl per call, 0 for no limit */
};

static size_t gen_read(char *buf, size_t size, size_t n, void *ud)
{
    struct gen *g = ud;
    size_t k = size * n;
    if (g->step && k > g->step)
        k = g->step;
    if (k > g->size - g->pos)
        k = (size_t)(g->size - g->pos);
    for (size_t i = 0; i < k; i++)
        buf[i] = (char)pattern(g->pos + i);
    g->pos += k;
    return k;
}

static int gen_seek(void *ud, curl_off_t offset, int origin)
{
    struct gen *g = ud;
    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > g->size)
        return CURL_SEEKFUNC_CANTSEEK;
    g->pos = (uint64_t)offset;
    return CURL_SEEKFUNC_OK;
}

static void test_multipart(CURL *curl, uint16_t port, const char *file_path)
{
    static char big_text[60000];
    for (size_t i = 0; i < sizeof(big_text); i++)
        big_text[i] = (char)('A' + i % 53 % 26);
    curl_mime *m = curl_mime_init(curl);
    curl_mimepart *p = curl_mime_addpart(m);
    curl_mime_name(p, "name");
    curl_mime_data(p, "Alice", CURL_ZERO_TERMINATED);
    p = curl_mime_addpart(m);
    curl_mime_name(p, "empty");
    curl_mime_data(p, "", 0);
    p = curl_mime_addpart(m);
    curl_mime_name(p, "comment");
    curl_mime_data(p, "two\r\nlines -- and dashes\r\n", CURL_ZERO_TERMINATED);
    curl_mime_type(p, "text/plain; charset=utf-8");
    p = curl_mime_addpart(m);
    curl_mime_name(p, "upload");
    curl_mime_filedata(p, file_path);
    curl_mime_type(p, "application/octet-stream");
    p = curl_mime_addpart(m);
    curl_mime_name(p, "encoded");
    curl_mime_data(p, "Hello, encoded world!", CURL_ZERO_TERMINATED);
    curl_mime_encoder(p, "base64");
    p = curl_mime_addpart(m);
    curl_mime_name(p, "custom");
    curl_mime_data(p, "raw bytes", CURL_ZERO_TERMINATED);
    struct curl_slist *ph = curl_slist_append(NULL, "Content-Transfer-Encoding: 8bit");
    ph = curl_slist_append(ph, "X-Ignored: yes");
    curl_mime_headers(p, ph, 1);
    p = curl_mime_addpart(m);
    curl_mime_name(p, "big text");
    curl_mime_data(p, big_text, sizeof(big_text));
    curl_easy_setopt(curl, CURLOPT_MIMEPOST, m);
    struct result res;
    perform(curl, port, "/form", &res);
    curl_mime_free(m);

    const char *base = strrchr(file_path, '/') + 1;
    struct sbuf w = {0};
    want_text(&w, "name", "Alice");
    want_text(&w, "empty", "");
    static const char comment[] = "two\r\nlines -- and dashes\r\n";
    field_line(&w, "comment", NULL, "text/plain; charset=utf-8", NULL, strlen(comment), comment,
               true);
    field_line(&w, "upload", base, "application/octet-stream", NULL, FILE_SIZE, NULL, true);
    field_line(&w, "encoded", NULL, NULL, "base64", 28, "SGVsbG8sIGVuY29kZWQgd29ybGQh", true);
    field_line(&w, "custom", NULL, NULL, "8bit", 9, "raw bytes", true);
    field_line(&w, "big text", NULL, NULL, NULL, sizeof(big_text), big_text, true);
    check_form(&res, &w, "multipart");
    sb_free(&w);
    result_free(&res);
}

struct text_src {
    const char *p;
    size_t left;
    size_t step;
};

static size_t text_read(char *buf, size_t size, size_t n, void *ud)
{
    struct text_src *t = ud;
    size_t k = size * n;
    if (k > t->step)
        k = t->step;
    if (k > t->left)
        k = t->left;
    memcpy(buf, t->p, k);
    t->p += k;
    t->left -= k;
    return k;
}

/* Both encodings sent with Transfer-Encoding: chunked: the urlencoded body
 * three bytes per chunk, the multipart one with a part of unknown size. */
static void test_chunked(CURL *curl, uint16_t port)
{
    static const char body[] = "alpha=first+value&beta=%7Bsecond%7D&gamma&delta=last%21";
    struct text_src src = {body, sizeof(body) - 1, 3};
    struct curl_slist *hl = curl_slist_append(NULL, "Transfer-Encoding: chunked");
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, text_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &src);
    struct result res;
    perform(curl, port, "/form", &res);
    curl_slist_free_all(hl);
    struct sbuf w = {0};
    want_text(&w, "alpha", "first value");
    want_text(&w, "beta", "{second}");
    want_text(&w, "gamma", "");
    want_text(&w, "delta", "last!");
    check_form(&res, &w, "chunked urlencoded");
    sb_free(&w);
    result_free(&res);

    struct gen g = {0, CHUNKED_FILE_SIZE, 1000};
    curl_mime *m = curl_mime_init(curl);
    curl_mimepart *p = curl_mime_addpart(m);
    curl_mime_name(p, "before");
    curl_mime_data(p, "b", CURL_ZERO_TERMINATED);
    p = curl_mime_addpart(m);
    curl_mime_name(p, "stream");
    curl_mime_data_cb(p, -1, gen_read, gen_seek, NULL, &g);
    curl_mime_filename(p, "stream.bin");
    curl_mime_type(p, "application/x-test");
    p = curl_mime_addpart(m);
    curl_mime_name(p, "after");
    curl_mime_data(p, "a", CURL_ZERO_TERMINATED);
    curl_easy_setopt(curl, CURLOPT_MIMEPOST, m);
    perform(curl, port, "/form", &res);
    curl_mime_free(m);
    want_text(&w, "before", "b");
    field_line(&w, "stream", "stream.bin", "application/x-test", NULL, CHUNKED_FILE_SIZE, NULL,
               true);
    want_text(&w, "after", "a");
    check_form(&res, &w, "chunked multipart");
    CHECK_EQ_SIZE(g.pos, CHUNKED_FILE_SIZE);
    sb_free(&w);
    result_free(&res);
}

/* Many forms of both kinds, and plain GETs, on one connection. */
static void test_keepalive(CURL *curl, uint16_t port)
{
    int bad = 0;
    for (int i = 0; i < 60; i++) {
        struct result res;
        struct sbuf w = {0};
        char v[32];
        snprintf(v, sizeof(v), "%d", i);
        if (i % 3 == 0) {
            char body[64];
            int n = snprintf(body, sizeof(body), "i=%d&sq=%d", i, i * i);
            post_fields(curl, port, body, (size_t)n, NULL, &res);
            want_text(&w, "i", v);
            snprintf(v, sizeof(v), "%d", i * i);
            want_text(&w, "sq", v);
        } else if (i % 3 == 1) {
            curl_mime *m = curl_mime_init(curl);
            curl_mimepart *p = curl_mime_addpart(m);
            curl_mime_name(p, "i");
            curl_mime_data(p, v, CURL_ZERO_TERMINATED);
            p = curl_mime_addpart(m);
            curl_mime_name(p, "f");
            curl_mime_filename(p, "n.txt");
            curl_mime_type(p, "text/x-number");
            curl_mime_data(p, v, CURL_ZERO_TERMINATED);
            curl_easy_setopt(curl, CURLOPT_MIMEPOST, m);
            perform(curl, port, "/form", &res);
            curl_mime_free(m);
            want_text(&w, "i", v);
            field_line(&w, "f", "n.txt", "text/x-number", NULL, strlen(v), v, true);
        } else {
            perform(curl, port, "/", &res);
            sb_str(&w, "hello");
        }
        bool ok = res.code == CURLE_OK && res.status == 200 && res.body.len == w.len &&
                  memcmp(res.body.p, w.p, w.len) == 0 && res.connects == (i == 0 ? 1 : 0);
        if (!ok && bad++ < 3)
            CHECK_MSG(0, "keep-alive request %d: curl %d status %ld connects %ld body \"%.200s\"",
                      i, (int)res.code, res.status, res.connects, res.body.p);
        sb_free(&w);
        result_free(&res);
    }
    CHECK_EQ_INT(bad, 0);
}

/* Bodies the processor refuses: the application answers 400 (415 when it
 * cannot create a processor) and the connection goes on. */
static void test_malformed(CURL *curl, uint16_t port)
{
    static const struct {
        const char *ctype;
        const char *body;
        long status;
    } cases[] = {
        {NULL, "a=1&b=%zz&c=3", 400},
        {NULL, "a=1&b=%4", 400},
        {NULL, "go=1&stop=now&after=1", 400},
        {"multipart/form-data; boundary=XyZ",
         "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--XyZjunk\r\n", 400},
        {"multipart/form-data; boundary=XyZ",
         "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated", 400},
        {"multipart/form-data; boundary=XyZ", "--XyZ\r\nno colon here\r\n\r\nv\r\n--XyZ--\r\n",
         400},
        {"multipart/form-data", "--XyZ\r\n\r\nv\r\n--XyZ--\r\n", 415},
        {"text/plain", "a=1", 415},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct result res;
        post_fields(curl, port, cases[i].body, strlen(cases[i].body), cases[i].ctype, &res);
        CHECK_MSG(res.code == CURLE_OK && res.status == cases[i].status,
                  "malformed case %zu: curl %d status %ld, want %ld", i, (int)res.code, res.status,
                  cases[i].status);
        result_free(&res);
    }
    struct result res;
    perform(curl, port, "/", &res);
    CHECK_EQ_INT(res.status, 200);
    CHECK_EQ_STR(res.body.p, "hello");
    result_free(&res);
}

/* Multipart written by hand: a quoted boundary, bare LF line ends, a
 * preamble and an epilogue, and files nested in multipart/mixed. */
static void test_handcrafted(CURL *curl, uint16_t port)
{
    static const char body[] = "This is the preamble.\n"
                               "--a b:c\n"
                               "content-disposition: form-data; name=\"title\"\n"
                               "\n"
                               "Hand made\n"
                               "--a b:c\n"
                               "Content-Disposition: form-data; name=\"files\"\n"
                               "Content-Type: multipart/mixed; boundary=inner\n"
                               "\n"
                               "--inner\n"
                               "Content-Disposition: file; filename=\"one.txt\"\n"
                               "Content-Type: text/plain\n"
                               "\n"
                               "first file\n"
                               "--inner\n"
                               "Content-Disposition: file; filename=\"two.bin\"\n"
                               "Content-Type: image/gif\n"
                               "Content-Transfer-Encoding: binary\n"
                               "\n"
                               "GIF89a\n"
                               "--inner--\n"
                               "--a b:c\n"
                               "Content-Disposition: form-data; name=\"tail\"\n"
                               "\n"
                               "end\n"
                               "--a b:c--\n"
                               "This is the epilogue.\n";
    static const char ctype[] = "multipart/form-data; boundary=\"a b:c\"";
    struct sbuf w = {0};
    want_text(&w, "title", "Hand made");
    field_line(&w, "files", "one.txt", "text/plain", NULL, 10, "first file", true);
    field_line(&w, "files", "two.bin", "image/gif", "binary", 6, "GIF89a", true);
    want_text(&w, "tail", "end");
    struct result res;
    post_fields(curl, port, body, sizeof(body) - 1, ctype, &res);
    check_form(&res, &w, "handcrafted multipart");
    result_free(&res);

    /* The same body in chunks of five bytes: delimiters and header lines
     * arrive split across many calls of MHD_post_process. */
    struct text_src src = {body, sizeof(body) - 1, 5};
    struct curl_slist *hl = curl_slist_append(NULL, "Transfer-Encoding: chunked");
    char h[128];
    snprintf(h, sizeof(h), "Content-Type: %s", ctype);
    hl = curl_slist_append(hl, h);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, text_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &src);
    perform(curl, port, "/form", &res);
    curl_slist_free_all(hl);
    check_form(&res, &w, "handcrafted multipart in small chunks");
    result_free(&res);
    sb_free(&w);
}

/* Several uploads at once, each on its own connection. */
struct parallel {
    uint16_t port;
    int id;
    bool ok;
};

static void *parallel_upload(void *arg)
{
    struct parallel *pa = arg;
    CURL *curl = curl_easy_init();
    struct gen g = {0, 1024 * 1024 + (uint64_t)pa->id, 0};
    char id[16];
    snprintf(id, sizeof(id), "%d", pa->id);
    curl_mime *m = curl_mime_init(curl);
    curl_mimepart *p = curl_mime_addpart(m);
    curl_mime_name(p, "id");
    curl_mime_data(p, id, CURL_ZERO_TERMINATED);
    p = curl_mime_addpart(m);
    curl_mime_name(p, "data");
    curl_mime_data_cb(p, (curl_off_t)g.size, gen_read, gen_seek, NULL, &g);
    curl_mime_filename(p, "p.bin");
    curl_easy_setopt(curl, CURLOPT_MIMEPOST, m);
    struct result res;
    perform(curl, pa->port, "/form", &res);
    curl_mime_free(m);
    curl_easy_cleanup(curl);
    struct sbuf w = {0};
    want_text(&w, "id", id);
    field_line(&w, "data", "p.bin", NULL, NULL, g.size, NULL, true);
    pa->ok = res.code == CURLE_OK && res.status == 200 && res.body.len == w.len &&
             memcmp(res.body.p, w.p, w.len) == 0;
    if (!pa->ok)
        fprintf(stderr, "parallel upload %d: curl %d status %ld body \"%.200s\"\n", pa->id,
                (int)res.code, res.status, res.body.p);
    sb_free(&w);
    result_free(&res);
    return NULL;
}

static void test_parallel(uint16_t port)
{
    enum { N = 4 };
    pthread_t th[N];
    struct parallel pa[N];
    for (int i = 0; i < N; i++) {
        pa[i] = (struct parallel){port, i, false};
        pthread_create(&th[i], NULL, parallel_upload, &pa[i]);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        CHECK_MSG(pa[i].ok, "parallel upload %d", i);
    }
}

/* ---- uploads cut off by the client --------------------------------------- */

static bool wait_for(atomic_int *counter, int want, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 5) {
        if (atomic_load(counter) >= want)
            return true;
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return atomic_load(counter) >= want;
}

/* Sends a request head announcing `announced` body bytes and `sent` bytes
 * of it, then closes (with a reset when `reset`). */
static void abort_upload(uint16_t port, const char *ctype, const char *start, size_t announced,
                         size_t sent, bool reset)
{
    int fd = rs_connect(port);
    if (fd < 0) {
        CHECK_MSG(0, "connect");
        return;
    }
    char head[512];
    int n = snprintf(head, sizeof(head),
                     "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     ctype, announced);
    rs_send(fd, head, (size_t)n);
    size_t slen = strlen(start);
    rs_send(fd, start, slen < sent ? slen : sent);
    if (sent > slen) {
        char *fill = malloc(sent - slen);
        for (size_t i = 0; i < sent - slen; i++)
            fill[i] = (char)('a' + i % 26);
        rs_send(fd, fill, sent - slen);
        free(fill);
    }
    /* Let the daemon read what was sent, so that the processor is fed
     * before the connection goes away. */
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    if (reset) {
        struct linger lg = {1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    }
    close(fd);
}

static void test_aborts(uint16_t port)
{
    static const char mp_type[] = "multipart/form-data; boundary=XyZ";
    static const char mp_start[] = "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; "
                                   "filename=\"big.bin\"\r\n\r\n";
    int before = atomic_load(&completed_abort);
    int cb_before = atomic_load(&destroyed_in_cb);
    abort_upload(port, mp_type, mp_start, 10000000, 300000, false);
    abort_upload(port, mp_type, "--XyZ\r\nContent-Disposition: form-da", 10000, 30, false);
    abort_upload(port, "application/x-www-form-urlencoded", "a=b&c=", 1000000, 50000, false);
    abort_upload(port, mp_type, mp_start, 10000000, 200000, true);
    CHECK_MSG(wait_for(&completed_abort, before + 4, 5000), "aborted uploads seen: %d of 4",
              atomic_load(&completed_abort) - before);
    CHECK_EQ_INT(atomic_load(&destroyed_in_cb) - cb_before, 4);
    /* The daemon goes on serving. */
    struct tc_reply r;
    tc_get(port, "/", &r);
    CHECK_EQ_INT(r.status, 200);
    tc_reply_free(&r);
}

/* ---- driver ----------------------------------------------------------- */

static void run_mode(enum ts_mode mode, const char *file_path)
{
    struct test_server ts;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, 20, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    atomic_store(&completed_ok, 0);
    atomic_store(&completed_abort, 0);
    atomic_store(&completed_other, 0);
    atomic_store(&destroyed_in_cb, 0);
    if (!ts_start(&ts, mode, 0, handler, NULL, opts)) {
        CHECK_MSG(0, "start in mode %s", ts_mode_names[mode]);
        return;
    }
    unsigned long failed_before = check_failed_;
    CURL *curl = curl_easy_init();
    test_urlencoded_small(curl, ts.port);
    test_urlencoded_large(curl, ts.port);
    test_multipart(curl, ts.port, file_path);
    test_chunked(curl, ts.port);
    test_handcrafted(curl, ts.port);
    test_malformed(curl, ts.port);
    test_parallel(ts.port);
    curl_easy_cleanup(curl);
    curl = curl_easy_init();
    test_keepalive(curl, ts.port);
    curl_easy_cleanup(curl);
    test_aborts(ts.port);
    ts_stop(&ts);
    CHECK_EQ_INT(atomic_load(&pp_live), 0);
    CHECK_EQ_INT(atomic_load(&completed_other), 0);
    CHECK_EQ_INT(atomic_load(&completed_abort), 4);
    /* Every request but the four cut off was answered. */
    CHECK_EQ_INT(atomic_load(&completed_ok), 81);
    printf("mode %-12s %s\n", ts_mode_names[mode], check_failed_ == failed_before ? "ok" : "FAIL");
    fflush(stdout);
}

/* Writes FILE_SIZE bytes of pattern() to a new file under /tmp. */
static bool make_file(char *path)
{
    int fd = mkstemp(path);
    if (fd < 0)
        return false;
    static char block[65536];
    for (uint64_t pos = 0; pos < FILE_SIZE;) {
        size_t n = FILE_SIZE - pos < sizeof(block) ? (size_t)(FILE_SIZE - pos) : sizeof(block);
        for (size_t i = 0; i < n; i++)
            block[i] = (char)pattern(pos + i);
        if (write(fd, block, n) != (ssize_t)n) {
            close(fd);
            return false;
        }
        pos += n;
    }
    close(fd);
    return true;
}

int main(void)
{
    char path[] = "/tmp/mhd-post-test-XXXXXX";
    if (!make_file(path)) {
        CHECK_MSG(0, "cannot write the upload file");
        return check_done();
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    TS_FOR_EACH_MODE(mode)
    run_mode(mode, path);
    curl_global_cleanup();
    unlink(path);
    return check_done();
}
