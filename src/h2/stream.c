/* HTTP/2 streams as requests. Each stream is a struct MHD_Connection of its
 * own (struct mhd_h2_stream begins with one) whose values, pool, handler
 * calls, queueing, suspension and completion are the library's usual ones;
 * what differs is where its bytes come from: nghttp2 hands over decoded
 * fields and body bytes, and the stream's response goes back through
 * nghttp2 (reply.c).
 *
 * The pool of a stream holds, from the front, the field names and values
 * (nghttp2's are transient), then the body bytes not yet consumed by the
 * handler; from the back, the value list entries. The body never outgrows
 * it: the stream's flow-control window opens only by what the handler
 * consumes. */
#include "h2/h2_internal.h"

#include <string.h>

#include "response/response.h"
#include "util/alloc.h"
#include "util/panic.h"

struct mhd_h2_stream *mhd_h2_stream_new(struct mhd_h2 *h, int32_t id)
{
    struct mhd_h2_stream *s = mhd_h2_calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    struct MHD_Connection *c = &s->c, *carrier = h->c;
    mhd_link_init(&c->item.link);
    mhd_link_init(&c->item.tlink);
    mhd_link_init(&c->item.qlink);
    mhd_link_init(&c->item.rslink);
    mhd_link_init(&c->item.blink);
    mhd_link_init(&s->rlink);
    c->worker = carrier->worker;
    c->cfg = carrier->cfg;
    c->item.poll.fd = -1;
    c->item.poll.index = -1;
    mhd_xport_init_plain(&c->xp, -1);
    c->carrier = carrier;
    c->proto = &mhd_h2_stream_protocol;
    c->proto_state = s;
    c->state = CONN_HEAD;
    c->addr = carrier->addr;
    c->addr_len = carrier->addr_len;
    if (!mhd_conn_pool_take(c)) {
        mhd_h2_free(s);
        return NULL;
    }
    s->h = h;
    s->id = id;
    mhd_list_push_back(&h->streams, &c->item.link);
    h->live++;
    return s;
}

void mhd_h2_stream_free(struct mhd_h2_stream *s)
{
    struct MHD_Connection *c = &s->c;
    if (!s->finished)
        mhd_h2_stream_closed(s, NGHTTP2_CANCEL);
    mhd_list_remove(&c->item.link);
    mhd_conn_pool_give(c);
    mhd_free(s->pull);
    mhd_free(s->inbox);
    mhd_free(s->spill);
    mhd_free(c->info);
    mhd_h2_free(s);
}

/* ---- the request head ------------------------------------------------------- */

/* Copies bytes into the front of the pool, 0-terminated; NULL when full. */
static char *keep(struct MHD_Connection *c, const uint8_t *p, size_t len)
{
    if (mhd_conn_pool_free_space(c) < len + 1)
        return NULL;
    char *dst = c->rbuf + c->rlen;
    memcpy(dst, p, len);
    dst[len] = '\0';
    c->rlen += len + 1;
    return dst;
}

/* The same from the back of the pool, for trailer fields: the front holds
 * body bytes the handler has not taken yet. */
static char *keep_back(struct MHD_Connection *c, const uint8_t *p, size_t len)
{
    char *dst = mhd_conn_pool_alloc(c, len + 1);
    if (dst != NULL) {
        memcpy(dst, p, len);
        dst[len] = '\0';
    }
    return dst;
}

/* Joins Cookie field lines with "; " (RFC 9113, 8.2.3). */
static bool add_cookie(struct mhd_h2_stream *s, const uint8_t *v, size_t len)
{
    struct MHD_Connection *c = &s->c;
    size_t need = s->cookie_len + (s->cookie_len ? 2 : 0) + len + 1;
    if (mhd_conn_pool_free_space(c) < need)
        return false;
    char *dst = c->rbuf + c->rlen;
    size_t n = 0;
    if (s->cookie_len) {
        memmove(dst, s->cookie, s->cookie_len);
        memcpy(dst + s->cookie_len, "; ", 2);
        n = s->cookie_len + 2;
    }
    memcpy(dst + n, v, len);
    dst[n + len] = '\0';
    c->rlen += need;
    s->cookie = dst;
    s->cookie_len = n + len;
    return true;
}

/* Whether the field name (name, len) is the literal `lit`. */
#define IS_NAME(name, len, lit) ((len) == sizeof(lit) - 1 && memcmp((name), (lit), (len)) == 0)

/* The status for a head that does not fit, named after the part that was
 * being stored, as for HTTP/1.1: 501 the method, 414 the target, 431 the
 * other fields. */
static void too_large(struct mhd_h2_stream *s, const uint8_t *name, size_t name_len)
{
    s->too_large = true;
    if (name_len == 7 && memcmp(name, ":method", 7) == 0)
        s->error_status = MHD_HTTP_NOT_IMPLEMENTED;
    else if (name_len == 5 && memcmp(name, ":path", 5) == 0)
        s->error_status = MHD_HTTP_URI_TOO_LONG;
    else
        s->error_status = MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE;
}

int mhd_h2_stream_field(struct mhd_h2_stream *s, const uint8_t *name, size_t name_len,
                        const uint8_t *value, size_t value_len)
{
    struct MHD_Connection *c = &s->c;
    struct mhd_request *rq = &c->busy->rq;
    if (s->busy && mhd_h2_offload_park(s, PARK_FIELD, name, name_len, value, value_len, 0))
        return 0; /* trailers for a stream whose handler runs */
    if (s->too_large)
        return 0;
    /* Whitespace around a value reaches here only at negative discipline
     * levels (nghttp2 refuses it otherwise, RFC 9113 8.2.1): trimmed, as
     * HTTP/1.1 trims it. */
    if (c->cfg->discipline < 0) {
        while (value_len > 0 && (value[0] == ' ' || value[0] == '\t')) {
            value++;
            value_len--;
        }
        while (value_len > 0 && (value[value_len - 1] == ' ' || value[value_len - 1] == '\t'))
            value_len--;
    }
    s->head_bytes += name_len + value_len + 32;
    if (s->headers_done) {
        /* Trailers: the application sees them as footers. */
        char *n = keep_back(c, name, name_len), *v = n ? keep_back(c, value, value_len) : NULL;
        if (v == NULL || !mhd_conn_add_value(c, MHD_FOOTER_KIND, n, name_len, v, value_len))
            too_large(s, name, name_len);
        return 0;
    }
    if (name_len > 0 && name[0] == ':') {
        bool method = IS_NAME(name, name_len, ":method"), path = IS_NAME(name, name_len, ":path");
        bool authority = IS_NAME(name, name_len, ":authority");
        if (!method && !path && (!authority || s->has_host))
            return 0; /* :scheme (nghttp2 checked it), or a second :authority */
        char *v = keep(c, value, value_len);
        if (v == NULL) {
            too_large(s, name, name_len);
            return 0;
        }
        if (method) {
            rq->head.method = v;
            rq->head.method_len = value_len;
        } else if (path) {
            rq->head.target = v;
            rq->head.target_len = value_len;
        } else {
            /* Programs ask for "Host"; HTTP/2 says :authority. */
            s->has_host = mhd_conn_add_value(c, MHD_HEADER_KIND, "Host", 4, v, value_len);
            if (!s->has_host)
                too_large(s, name, name_len);
        }
        return 0;
    }
    if (IS_NAME(name, name_len, "cookie")) {
        if (!add_cookie(s, value, value_len))
            too_large(s, name, name_len);
        return 0;
    }
    char *n = keep(c, name, name_len), *v = n ? keep(c, value, value_len) : NULL;
    if (v == NULL || !mhd_conn_add_value(c, MHD_HEADER_KIND, n, name_len, v, value_len)) {
        too_large(s, name, name_len);
        return 0;
    }
    if (IS_NAME(name, name_len, "host"))
        s->has_host = true;
    if (IS_NAME(name, name_len, "expect") && value_len == 12 &&
        mhd_http_str_eq_nocase(v, "100-continue", 12))
        rq->head.expect_continue = true;
    return 0;
}

/* Drops body bytes the handler consumed, so the pool never fills with them. */
static void compact(struct mhd_h2_stream *s)
{
    struct MHD_Connection *c = &s->c;
    if (c->rpos == s->body_start)
        return;
    size_t left = c->rlen - c->rpos;
    if (left)
        memmove(c->rbuf + s->body_start, c->rbuf + c->rpos, left);
    c->rpos = s->body_start;
    c->rlen = s->body_start + left;
}

/* Until the client has our SETTINGS it may send a stream 65535 bytes, the
 * default window (RFC 9113, 6.9.2), more than the window we advertise,
 * which keeps later bytes within the pool. What the pool cannot take waits
 * here, in order, and moves in as the handler makes room. */
#define SPILL_MAX 65535u

static bool spill(struct mhd_h2_stream *s, const uint8_t *data, size_t len)
{
    if (len > SPILL_MAX - s->spill_len)
        return false;
    if (s->spill_cap - s->spill_len < len) {
        size_t cap = s->spill_cap ? 2 * s->spill_cap : 16384;
        while (cap - s->spill_len < len)
            cap *= 2;
        if (cap > SPILL_MAX)
            cap = SPILL_MAX;
        char *p = mhd_realloc(s->spill, cap);
        if (p == NULL)
            return false;
        s->spill = p;
        s->spill_cap = cap;
    }
    memcpy(s->spill + s->spill_len, data, len);
    s->spill_len += len;
    return true;
}

static void drop_spill(struct mhd_h2_stream *s)
{
    mhd_free(s->spill);
    s->spill = NULL;
    s->spill_len = s->spill_cap = 0;
}

static void refill(struct mhd_h2_stream *s)
{
    struct MHD_Connection *c = &s->c;
    compact(s);
    size_t n = mhd_conn_pool_free_space(c);
    if (n > s->spill_len)
        n = s->spill_len;
    memcpy(c->rbuf + c->rlen, s->spill, n);
    c->rlen += n;
    s->spill_len -= n;
    if (s->spill_len == 0)
        drop_spill(s);
    else
        memmove(s->spill, s->spill + n, s->spill_len);
}

/* The library answers by itself (a head that did not fit, a handler that
 * took no body): the stream gets the error status, the rest is dropped. */
static void error_reply(struct mhd_h2_stream *s, unsigned int status)
{
    struct MHD_Connection *c = &s->c;
    if (s->submitted || s->finished)
        return;
    if (c->busy->tx.resp != NULL) {
        mhd_response_unref(c->busy->tx.resp);
        c->busy->tx.resp = NULL;
    }
    c->busy->tx.resp = mhd_conn_error_response(status);
    if (c->busy->tx.resp == NULL) {
        mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
        return;
    }
    c->busy->tx.status = status;
    c->busy->rq.error_reply = true;
    s->discard_body = true;
    /* The request will never reach the handler: its fields and body make
     * room for the reply, as over HTTP/1.1. */
    c->busy->rq.kv_first = c->busy->rq.kv_last = NULL;
    c->busy->rq.method = METHOD_OTHER;
    s->cookie = NULL;
    s->body_start = 0;
    if (s->spill_len)
        nghttp2_session_consume(s->h->ng, s->id, s->spill_len);
    drop_spill(s);
    c->rlen = c->rpos = 0;
    c->back = c->mem_size & ~(size_t)7;
    if (!mhd_h2_submit_reply(s))
        mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
}

static const char version_h2[] = "HTTP/2";

void mhd_h2_stream_head_done(struct mhd_h2_stream *s, bool end_stream)
{
    struct MHD_Connection *c = &s->c;
    struct mhd_request *rq = &c->busy->rq;
    s->headers_done = true;
    s->end_stream = end_stream;
    rq->head.version = (char *)(uintptr_t)version_h2;
    rq->head.version_len = sizeof(version_h2) - 1;
    rq->head.version_major = 2;
    rq->head.version_minor = 0;
    rq->http11 = true; /* HTTP/1.1 semantics: interim answers, persistent */
    rq->keep_alive = true;
    rq->head_size = s->head_bytes;
    bool ok = !s->too_large && rq->head.method != NULL && rq->head.target != NULL;
    if (ok && s->cookie != NULL)
        ok = mhd_conn_add_value(c, MHD_HEADER_KIND, "Cookie", 6, s->cookie, s->cookie_len);
    if (ok)
        ok = mhd_conn_request_ready(c);
    s->body_start = c->rlen;
    c->rpos = c->rlen;
    mhd_conn_set_state(c, CONN_FIRST_CALL);
    if (!ok) {
        /* Named after the part that takes the room, as for HTTP/1.1. */
        size_t parts = rq->head.method_len + rq->head.target_len;
        size_t fields = s->head_bytes > parts ? s->head_bytes - parts : 0;
        unsigned int status = s->error_status;
        if (status == 0)
            status = mhd_http_result_status(
                mhd_http_too_large(rq->head.method_len, rq->head.target_len, fields));
        error_reply(s, status ? status : MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE);
        return;
    }
    rq->has_body = !end_stream;
    rq->continue_due = !end_stream && rq->head.expect_continue;
    mhd_h2_mark_runnable(s);
}

int mhd_h2_stream_data(struct mhd_h2_stream *s, const uint8_t *data, size_t len)
{
    struct MHD_Connection *c = &s->c;
    nghttp2_session *ng = s->h->ng;
    if (s->busy && mhd_h2_offload_park(s, PARK_DATA, data, len, NULL, 0, 0))
        return 0;
    if (s->discard_body || c->state == CONN_CLOSED) {
        nghttp2_session_consume(ng, s->id, len);
        return 0;
    }
    if (s->spill_len == 0 && mhd_conn_pool_free_space(c) < len)
        compact(s);
    if (s->spill_len > 0 || mhd_conn_pool_free_space(c) < len) {
        if (!spill(s, data, len)) {
            /* More than any window allows, or a head that took half the
             * pool: the request cannot be held. */
            nghttp2_session_consume(ng, s->id, len);
            error_reply(s, MHD_HTTP_CONTENT_TOO_LARGE);
            return 0;
        }
        mhd_h2_mark_runnable(s);
        return 0;
    }
    memcpy(c->rbuf + c->rlen, data, len);
    c->rlen += len;
    mhd_h2_mark_runnable(s);
    return 0;
}

void mhd_h2_stream_end(struct mhd_h2_stream *s)
{
    if (s->busy && mhd_h2_offload_park(s, PARK_END, NULL, 0, NULL, 0, 0))
        return;
    s->end_stream = true;
    mhd_h2_mark_runnable(s);
}

void mhd_h2_stream_closed(struct mhd_h2_stream *s, uint32_t error_code)
{
    struct MHD_Connection *c = &s->c;
    struct mhd_h2 *h = s->h;
    if (s->finished ||
        (s->busy && mhd_h2_offload_park(s, PARK_CLOSED, NULL, 0, NULL, 0, error_code)))
        return;
    s->finished = true;
    h->live--;
    mhd_h2_hold(s, false);
    bool complete = error_code == NGHTTP2_NO_ERROR && s->submitted && s->body_eof;
    enum MHD_RequestTerminationCode why = MHD_REQUEST_TERMINATED_CLIENT_ABORT;
    if (complete)
        /* An early end is a completion, as over HTTP/1.1; a reader error
         * is not. */
        why = s->body_failed ? MHD_REQUEST_TERMINATED_WITH_ERROR
                             : MHD_REQUEST_TERMINATED_COMPLETED_OK;
    else if (s->submitted && error_code == NGHTTP2_INTERNAL_ERROR)
        why = MHD_REQUEST_TERMINATED_WITH_ERROR; /* our reset: the body failed */
    mhd_conn_notify_completed(c, why);
    if (c->busy->tx.resp != NULL) {
        mhd_response_unref(c->busy->tx.resp);
        c->busy->tx.resp = NULL;
    }
    if (mhd_link_is_linked(&s->rlink))
        mhd_list_remove(&s->rlink);
    if (c->item.in_ready) {
        mhd_list_remove(&c->item.qlink);
        c->item.in_ready = false;
    }
    mhd_backoff_reset(&c->item);
    /* Only MHD_resume_connection posts a stream's resume, and only with
     * MHD_ALLOW_SUSPEND_RESUME: without it there is none to cancel, nor
     * the worker's lock to take for it. */
    if (c->cfg->flags & MHD_ALLOW_SUSPEND_RESUME)
        mhd_worker_cancel_resume(c->worker, &c->item);
    c->state = CONN_CLOSED;
    nghttp2_session_set_stream_user_data(h->ng, s->id, NULL);
    if (h->block_stream == s)
        h->block_stream = NULL;
}

/* ---- the application's side ----------------------------------------------- */

static bool submit(struct mhd_h2_stream *s)
{
    struct MHD_Connection *c = &s->c;
    if (!s->end_stream) {
        /* Answered before the request's body was asked for: it is never
         * read; what arrives is dropped, the client is told to stop. */
        s->discard_body = true;
        nghttp2_session_consume(s->h->ng, s->id, c->rlen - c->rpos + s->spill_len);
        c->rpos = c->rlen;
        drop_spill(s);
    }
    /* The reply's fields are made in the pool: body bytes already given
     * to the handler make room for them first, as a full upload that just
     * ended may fill the pool (the reply then got 500). */
    compact(s);
    if (!mhd_h2_submit_reply(s)) {
        mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
        return false;
    }
    return true;
}

enum call_outcome { CALLED, REFUSED, PENDING };

/* Calls the handler, here or, in thread-per-connection mode, on one of the
 * carrier's threads: then PENDING, and when the result is in the stream
 * runs again, reaches this same call and gets it. *size holds the bytes
 * offered and gets those left; *given the bytes the call was offered. */
static enum call_outcome call(struct mhd_h2_stream *s, enum mhd_call_phase phase, const char *data,
                              size_t *size, size_t *given)
{
    struct MHD_Connection *c = &s->c;
    enum MHD_Result r;
    if (s->call_done) {
        if (s->call_phase != phase)
            mhd_panic("HTTP/2: a handler call's result came back to another call");
        s->call_done = false;
        *given = s->call_given;
        *size = s->call_left;
        r = s->call_result;
    } else if (s->h->off != NULL) {
        mhd_h2_offload_call(s, phase, data, *size);
        return PENDING;
    } else {
        *given = *size;
        r = mhd_conn_invoke_handler(c, phase, data, size);
    }
    return mhd_conn_handler_result(c, r) ? CALLED : REFUSED;
}

/* Offers the buffered body to the handler. False when the stream must wait
 * (for bytes, a resume, the call's result) or is done with. */
static bool deliver(struct mhd_h2_stream *s)
{
    struct MHD_Connection *c = &s->c;
    size_t avail;
    size_t size = c->rlen - c->rpos;
    if (call(s, CALL_BODY, c->rbuf + c->rpos, &size, &avail) != CALLED)
        return false;
    if (size > avail)
        mhd_panic("access handler reported more unprocessed upload data than it was given");
    size_t used = avail - size;
    c->rpos += used;
    if (used) {
        nghttp2_session_consume(s->h->ng, s->id, used);
        mhd_h2_flush_later(s->h);
    }
    if (c->item.suspended)
        return false;
    if (used == 0 && ((s->end_stream && s->spill_len == 0) || mhd_conn_pool_free_space(c) == 0)) {
        /* Everything is here, or nothing more fits, and the handler took
         * none of it: waiting cannot help. */
        error_reply(s, MHD_HTTP_INTERNAL_SERVER_ERROR);
        return false;
    }
    return used != 0;
}

void mhd_h2_stream_run(struct mhd_h2_stream *s)
{
    struct MHD_Connection *c = &s->c;
    struct mhd_request *rq = &c->busy->rq;
    size_t zero = 0, given;
    while (!c->item.suspended && !s->finished && !s->busy) {
        switch (c->state) {
        case CONN_FIRST_CALL:
            if (c->busy->tx.resp == NULL || s->call_done) {
                if (call(s, CALL_FIRST, NULL, &zero, &given) != CALLED)
                    return;
                if (c->busy->tx.resp == NULL && c->item.suspended)
                    return;
            }
            if (c->busy->tx.resp != NULL) {
                rq->early_response = true;
                submit(s);
                return;
            }
            if (rq->continue_due && !s->continue_sent && c->rlen == c->rpos) {
                s->continue_sent = true;
                if (!mhd_h2_submit_continue(s)) {
                    mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
                    return;
                }
            }
            mhd_conn_set_state(c, rq->has_body ? CONN_BODY : CONN_FINAL_CALL);
            break;
        case CONN_BODY:
            if (s->spill_len > 0 && !s->call_done)
                refill(s);
            if (c->rlen > c->rpos || s->call_done) {
                if (!deliver(s))
                    return;
                break;
            }
            if (!s->end_stream)
                return; /* more body to come */
            mhd_conn_set_state(c, CONN_FINAL_CALL);
            break;
        case CONN_FINAL_CALL:
            if ((c->busy->tx.resp == NULL || s->call_done) &&
                call(s, CALL_FINAL, NULL, &zero, &given) != CALLED)
                return;
            if (c->busy->tx.resp != NULL) {
                submit(s);
                return;
            }
            if (!c->item.suspended)
                mhd_conn_schedule(c); /* asked again on the next round */
            return;
        case CONN_SEND:
            if (s->deferred) {
                /* The content reader may have data now. */
                s->deferred = false;
                nghttp2_session_resume_data(s->h->ng, s->id);
                mhd_h2_flush_later(s->h);
            }
            return;
        default:
            return;
        }
    }
}

/* ---- the stream protocol --------------------------------------------------- */

/* From the worker: a resume, a content reader's pause that ended, a final
 * call to repeat. */
static void stream_process(struct MHD_Connection *c)
{
    struct mhd_h2_stream *s = h2_stream_of(c);
    mhd_h2_stream_run(s);
    mhd_h2_flush_later(s->h);
}

/* The stream is given up (its handler said MHD_NO): it is reset; the
 * connection and its other streams go on. */
static void stream_close(struct MHD_Connection *c, enum MHD_RequestTerminationCode why)
{
    struct mhd_h2_stream *s = h2_stream_of(c);
    if (s->finished || c->state == CONN_CLOSED)
        return;
    mhd_conn_notify_completed(c, why);
    if (c->busy->tx.resp != NULL) {
        mhd_response_unref(c->busy->tx.resp);
        c->busy->tx.resp = NULL;
    }
    c->state = CONN_CLOSED;
    mhd_h2_reset(s->h, s->id, NGHTTP2_INTERNAL_ERROR);
}

void mhd_h2_hold(struct mhd_h2_stream *s, bool on)
{
    struct MHD_Connection *carrier = s->h->c;
    if (s->held == on)
        return;
    s->held = on;
    if (on) {
        /* A long poll keeps its connection, as a suspended HTTP/1.1
         * connection keeps its socket: no timeout while one waits. */
        if (s->h->held++ == 0)
            mhd_timeout_detach(&carrier->item);
    } else if (--s->h->held == 0) {
        mhd_timeout_touch(carrier->worker, &carrier->item);
    }
}

static void stream_suspend(struct MHD_Connection *c, bool on)
{
    struct mhd_h2_stream *s = h2_stream_of(c);
    /* Busy: called on the thread of the handler's call, which counts when
     * it returns (offload.c). */
    if (!s->finished && !s->busy)
        mhd_h2_hold(s, on);
}

static bool stream_resume_later(struct MHD_Connection *c)
{
    struct mhd_h2_stream *s = h2_stream_of(c);
    if (!s->busy)
        return false;
    s->resume_due = true; /* after the call that runs (offload.c) */
    return true;
}

static void stream_set_timeout(struct MHD_Connection *c, uint64_t timeout_ms)
{
    struct mhd_h2_stream *s = h2_stream_of(c);
    struct MHD_Connection *carrier = s->h->c;
    /* The timeout is the connection's: a stream has none of its own. */
    if (s->busy) {
        s->timeout_ms = timeout_ms; /* applied when the call returns */
        s->timeout_due = true;
    } else {
        mhd_timeout_set(carrier->worker, &carrier->item, timeout_ms);
    }
}

const struct mhd_protocol mhd_h2_stream_protocol = {
    .name = "h2-stream",
    .start = NULL,
    .process = stream_process,
    .close = stream_close,
    .release = NULL,
    .suspend = stream_suspend,
    .resume_later = stream_resume_later,
    .set_timeout = stream_set_timeout,
    .quiesce = NULL,
};
