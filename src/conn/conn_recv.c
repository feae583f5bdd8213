/* Receiving a request head: reading into the pool, finding the end of the
 * head, parsing it in place, and preparing the request for the handler
 * (method, decoded path, arguments, cookies). */
#include "conn/conn_internal.h"

#include <string.h>

#include "io/tls.h"
#include "util/panic.h"

/* Hands the connection to another protocol (HTTP/2). */
static enum mhd_step start_protocol(struct MHD_Connection *c, const struct mhd_protocol *p)
{
    if (!p->start(c))
        mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
    return STEP_WAIT;
}

/* The client's HTTP/2 connection preface (RFC 9113, 3.4), which no
 * HTTP/1.1 request begins with: HTTP/2 with prior knowledge. */
static const char h2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/* 1 when the connection starts with the whole preface, 0 when with a part
 * of it (more is needed to tell), -1 when not (or HTTP/2 is off). */
static int h2_preface_seen(const struct MHD_Connection *c)
{
    if (c->cfg->h2 == NULL || c->reused || c->rbuf[0] != 'P')
        return -1;
    size_t n = c->rlen < sizeof(h2_preface) - 1 ? c->rlen : sizeof(h2_preface) - 1;
    if (memcmp(c->rbuf, h2_preface, n) != 0)
        return -1;
    return n == sizeof(h2_preface) - 1 ? 1 : 0;
}

enum mhd_step mhd_conn_step_handshake(struct MHD_Connection *c)
{
    if (c->xp.want_write ? !c->write_ready : !c->read_ready)
        return STEP_WAIT;
    enum mhd_io io = mhd_conn_tp(c)->handshake(&c->xp);
    switch (io) {
    case IO_DONE: {
        /* The head's clock starts with its first byte, as on a plain
         * socket; the handshake's time counted against the timeout. */
        mhd_conn_set_state(c, CONN_IDLE);
        size_t alpn_len = 0;
        const char *alpn = mhd_tls_alpn(&c->xp, &alpn_len);
        if (c->cfg->h2 != NULL && alpn != NULL && alpn_len == 2 && memcmp(alpn, "h2", 2) == 0)
            return start_protocol(c, c->cfg->h2); /* ALPN chose HTTP/2 */
        return STEP_CONTINUE;
    }
    case IO_AGAIN:
        if (c->xp.want_write)
            c->write_ready = false;
        else
            c->read_ready = false;
        return STEP_WAIT;
    case IO_EOF:
    case IO_FAILED:
        break;
    }
    /* No request was seen: the application hears of nothing but the
     * connection's end. */
    mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
    return STEP_CONTINUE;
}

enum mhd_io mhd_conn_fill(struct MHD_Connection *c)
{
    if (!c->read_ready || mhd_conn_share_used(c))
        return IO_AGAIN;
    if (c->mem == NULL && !mhd_conn_pool_take(c))
        return IO_FAILED;
    size_t space = mhd_conn_pool_free_space(c);
    if (space == 0)
        return IO_DONE; /* the caller sees no progress and judges a full buffer */
    /* Keep a part of the pool for what the request needs besides its bytes
     * (value entries, the response head), unless only that part is left:
     * then the request itself must have it, or it is too large. */
    size_t reserve = c->mem_size / 8;
    if (space > reserve)
        space -= reserve;
    size_t got = 0;
    enum mhd_io io = mhd_conn_tp(c)->recv(&c->xp, c->rbuf + c->rlen, space, &got);
    switch (io) {
    case IO_DONE: {
        /* The clock of a request head runs from its first byte: trickling
         * a head in byte by byte does not keep a connection alive. */
        bool mid_head = (c->state == CONN_HEAD || c->state == CONN_IDLE) && c->rlen > 0;
        c->rlen += got;
        mhd_conn_charge(c, got);
        /* A short read drained the socket: the poller reports new data.
         * Not the end of input, though, if an edge-triggered poller already
         * reported it with the data: the next read meets it. Where the
         * transport hands out what it holds in pieces (TLS), a short read
         * says nothing; the transport says when its own read found the
         * socket empty (xp.drained), or IO_AGAIN does. */
        if (((got < space && mhd_conn_tp(c)->short_read_drains) || c->xp.drained) &&
            !c->peer_hup)
            c->read_ready = false;
        if (!mid_head)
            mhd_timeout_touch(c->worker, &c->item);
        break;
    }
    case IO_AGAIN:
        mhd_conn_recv_blocked(c);
        break;
    case IO_EOF:
        c->read_ready = false;
        c->peer_eof = true;
        break;
    case IO_FAILED:
        c->read_ready = false;
        break;
    }
    return io;
}

/* ---- storing values ----------------------------------------------------- */

static bool store_header(void *ctx, char *name, size_t name_len, char *value, size_t value_len)
{
    return mhd_conn_add_value(ctx, MHD_HEADER_KIND, name, name_len, value, value_len);
}

/* GET arguments come first in the value list, so they are collected into a
 * chain of their own and put in front of the headers afterwards. */
struct arg_ctx {
    struct MHD_Connection *c;
    struct mhd_kv *first;
    struct mhd_kv *last;
};

static bool store_arg(void *ctx, char *key, size_t key_len, char *value, size_t value_len)
{
    struct arg_ctx *a = ctx;
    struct mhd_kv *kv = mhd_conn_pool_alloc(a->c, sizeof(*kv));
    if (kv == NULL)
        return false;
    kv->next = NULL;
    kv->key = key;
    kv->key_len = key_len;
    kv->value = value;
    kv->value_len = value_len;
    kv->kind = MHD_GET_ARGUMENT_KIND;
    if (a->last != NULL)
        a->last->next = kv;
    else
        a->first = kv;
    a->last = kv;
    return true;
}

static bool store_cookie(void *ctx, char *name, size_t name_len, char *value, size_t value_len)
{
    return mhd_conn_add_value(ctx, MHD_COOKIE_KIND, name, name_len, value, value_len);
}

/* ---- decoding the target ------------------------------------------------- */

struct unescape_ctx {
    struct MHD_Connection *c;
};

static size_t unescape_default(void *ctx, char *s, size_t len)
{
    struct MHD_Connection *c = ctx;
    return mhd_http_unescape(s, len, mhd_conn_level(c) >= 0);
}

static size_t unescape_app(void *ctx, char *s, size_t len)
{
    struct MHD_Connection *c = ctx;
    (void)len;
    return c->cfg->unescape(c->cfg->unescape_cls, c, s);
}

static enum mhd_method method_kind(const char *m, size_t len)
{
    switch (len) {
    case 3:
        if (memcmp(m, "GET", 3) == 0)
            return METHOD_GET;
        if (memcmp(m, "PUT", 3) == 0)
            return METHOD_PUT;
        break;
    case 4:
        if (memcmp(m, "HEAD", 4) == 0)
            return METHOD_HEAD;
        if (memcmp(m, "POST", 4) == 0)
            return METHOD_POST;
        break;
    case 6:
        if (memcmp(m, "DELETE", 6) == 0)
            return METHOD_DELETE;
        break;
    case 7:
        if (memcmp(m, "CONNECT", 7) == 0)
            return METHOD_CONNECT;
        break;
    default:
        break;
    }
    return METHOD_OTHER;
}

/* Splits the target into path and query, decodes both and records the
 * arguments. False when the pool cannot hold the arguments. */
static bool prepare_target(struct MHD_Connection *c)
{
    struct mhd_request *rq = &c->busy->rq;
    char *t = rq->head.target;
    size_t len = rq->head.target_len;
    char *q = mhd_http_memchr(t, '?', len);
    size_t path_len = q ? (size_t)(q - t) : len;
    mhd_http_unescape_fn fn = c->cfg->unescape ? unescape_app : unescape_default;
    if (q != NULL) {
        *q = '\0';
        struct arg_ctx a = {c, NULL, NULL};
        if (!mhd_http_parse_query(q + 1, len - path_len - 1, fn, c, store_arg, &a))
            return false;
        if (a.first != NULL) {
            a.last->next = rq->kv_first;
            if (rq->kv_first == NULL)
                rq->kv_last = a.last;
            rq->kv_first = a.first;
        }
    }
    rq->url = t;
    rq->url_len = fn(c, t, path_len);
    return true;
}

/* Parses the first Cookie header from a copy, so the raw header stays as
 * the client sent it. */
static bool prepare_cookies(struct MHD_Connection *c)
{
    for (struct mhd_kv *kv = c->busy->rq.kv_first; kv != NULL; kv = kv->next) {
        if (kv->kind != MHD_HEADER_KIND || kv->key_len != 6 ||
            !mhd_http_str_eq_nocase(kv->key, "Cookie", 6))
            continue;
        char *copy = mhd_conn_pool_alloc(c, kv->value_len + 1);
        if (copy == NULL)
            return false;
        memcpy(copy, kv->value, kv->value_len + 1);
        return mhd_http_parse_cookies(copy, kv->value_len, mhd_conn_level(c), store_cookie, c) >=
               0;
    }
    return true;
}

static void call_uri_log(struct MHD_Connection *c)
{
    const struct mhd_config *cfg = c->cfg;
    if (cfg->uri_log == NULL)
        return;
    c->busy->rq.app_seen = true;
    c->busy->rq.req_cls = cfg->uri_log(cfg->uri_log_cls, c->busy->rq.head.target, c);
}

/* The smallest reply head: status line, Date, Content-Length, end. */
#define REPLY_HEAD_MIN                                                                             \
    (sizeof("HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"                           \
            "Content-Length: 0\r\n\r\n") -                                                         \
     1)

/* The room a request must leave for its reply: the eighth of the pool that
 * reading keeps free (see mhd_conn_fill), up to 1 KiB, at least the
 * smallest reply head. With a 1 KiB pool a request of 640-byte parts is
 * served and one of 800-byte parts is not. */
static size_t reply_room(const struct MHD_Connection *c)
{
    size_t room = c->mem_size / 8;
    if (room > 1024)
        room = 1024;
    return room > REPLY_HEAD_MIN ? room : REPLY_HEAD_MIN;
}

unsigned int mhd_conn_too_large_status(const struct MHD_Connection *c)
{
    const struct mhd_http_head *h = &c->busy->rq.head;
    size_t fields = c->busy->scan.head_end - c->busy->scan.line_end;
    return mhd_http_result_status(mhd_http_too_large(h->method_len, h->target_len, fields));
}

/* The head is complete in rbuf[scan.start .. scan.head_end). */
static enum mhd_step on_head(struct MHD_Connection *c)
{
    struct mhd_request *rq = &c->busy->rq;
    size_t start = c->busy->scan.start;
    size_t head_len = c->busy->scan.head_end - start;
    enum mhd_http_result r = mhd_http_parse_head_memo(c->rbuf + start, head_len, mhd_conn_level(c),
                                                      &rq->head, store_header, c, &c->host_memo);
    c->rpos = c->busy->scan.head_end;
    rq->head_size = head_len;
    if (r != HTTP_PARSE_OK) {
        if (rq->head.method != NULL && rq->head.target != NULL && r == HTTP_PARSE_NO_MEMORY)
            call_uri_log(c);
        unsigned int status =
            r == HTTP_PARSE_NO_MEMORY ? mhd_conn_too_large_status(c) : mhd_http_result_status(r);
        if (status == 0)
            mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
        else
            mhd_conn_reply_error(c, status);
        return STEP_CONTINUE;
    }
    call_uri_log(c);
    rq->method = method_kind(rq->head.method, rq->head.method_len);
    rq->http11 = rq->head.version_minor >= 1;
    /* A "close" in any Connection field line wins, whatever the version and
     * whatever else is there (RFC 9112, section 9.6). */
    rq->keep_alive = !rq->head.conn_close && (rq->http11 || rq->head.conn_keep_alive);
    if (rq->head.must_close)
        rq->keep_alive = false;
    /* The request must leave room for its reply (bytes of requests
     * pipelined behind it do not count against it), or it is refused before
     * the handler sees it, naming the part that takes the room: a too long
     * method 501, target 414, fields 431. */
    if (!prepare_target(c) || (rq->head.has_cookie && !prepare_cookies(c)) ||
        mhd_conn_pool_free_space(c) + (c->rlen - c->rpos) < reply_room(c)) {
        mhd_conn_reply_error(c, mhd_conn_too_large_status(c));
        return STEP_CONTINUE;
    }
    rq->has_body = rq->head.chunked || (rq->head.has_content_length && rq->head.content_length);
    rq->body_left = rq->head.chunked ? 0 : rq->head.content_length;
    rq->chunk = CHUNK_SIZE;
    rq->continue_due = rq->has_body && rq->http11 && rq->head.expect_continue;
    mhd_conn_set_state(c, CONN_FIRST_CALL);
    return STEP_CONTINUE;
}

bool mhd_conn_request_ready(struct MHD_Connection *c)
{
    struct mhd_request *rq = &c->busy->rq;
    call_uri_log(c);
    rq->method = method_kind(rq->head.method, rq->head.method_len);
    /* As for HTTP/1.1, the request leaves room for its reply. */
    return prepare_target(c) && prepare_cookies(c) && mhd_conn_pool_free_space(c) >= reply_room(c);
}

/* Handles the end of the client's data while a head is expected: quietly
 * when nothing of a request arrived, as an abort otherwise. */
static enum mhd_step on_head_eof(struct MHD_Connection *c, enum mhd_io io)
{
    if (io == IO_FAILED)
        mhd_conn_close(c, MHD_REQUEST_TERMINATED_READ_ERROR);
    else
        mhd_conn_close_gracefully(c, MHD_REQUEST_TERMINATED_CLIENT_ABORT);
    return STEP_CONTINUE;
}

enum mhd_step mhd_conn_step_head(struct MHD_Connection *c)
{
    for (;;) {
        int preface = c->rlen > 0 ? h2_preface_seen(c) : -1;
        if (preface > 0)
            return start_protocol(c, c->cfg->h2);
        if (c->rlen > 0 && preface < 0) {
            if (c->state == CONN_IDLE)
                mhd_conn_set_state(c, CONN_HEAD);
            enum mhd_http_result r =
                mhd_http_scan_head(&c->busy->scan, c->rbuf, c->rlen, mhd_conn_level(c));
            if (r == HTTP_PARSE_OK)
                return on_head(c);
            if (r != HTTP_PARSE_NEED_MORE) {
                unsigned int status = mhd_http_result_status(r);
                if (status == 0)
                    mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
                else
                    mhd_conn_reply_error(c, status);
                return STEP_CONTINUE;
            }
            if (mhd_conn_pool_free_space(c) == 0) {
                r = mhd_http_head_overflow(&c->busy->scan, c->rbuf, c->rlen);
                unsigned int status = mhd_http_result_status(r);
                if (status == 0)
                    mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
                else
                    mhd_conn_reply_error(c, status);
                return STEP_CONTINUE;
            }
        }
        if (c->peer_eof) {
            if (c->rlen == 0) {
                mhd_conn_close_gracefully(c, MHD_REQUEST_TERMINATED_COMPLETED_OK);
                return STEP_CONTINUE;
            }
            return on_head_eof(c, IO_EOF);
        }
        enum mhd_io io = mhd_conn_fill(c);
        if (io == IO_DONE)
            continue;
        if (io == IO_AGAIN) {
            /* Nothing buffered and nothing staged: give the pool back, so an
             * idle keep-alive connection costs no more than its struct. */
            if (c->rlen == 0 && c->out_end == 0) {
                mhd_conn_pool_give(c);
                if (c->state == CONN_HEAD)
                    mhd_conn_set_state(c, CONN_IDLE);
                if (c->draining)
                    return mhd_conn_drain_idle(c);
            }
            return STEP_WAIT;
        }
        if (c->rlen == 0 && io == IO_EOF) {
            /* A clean end between requests; replies still staged go first. */
            mhd_conn_close_gracefully(c, MHD_REQUEST_TERMINATED_COMPLETED_OK);
            return STEP_CONTINUE;
        }
        return on_head_eof(c, io);
    }
}
