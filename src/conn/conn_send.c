/* Sending a reply: the framing decision, the writes, and what happens after
 * the last byte (keep-alive or close).
 *
 * Head, body and chunk framing leave together in one writev where the body
 * is in memory. Replies to pipelined requests whose bytes all fit in the
 * pool are staged there and leave together, in one write, when the
 * connection runs out of buffered requests. */
#include "conn/conn_internal.h"

#include <errno.h>
#include <string.h>

#include "conn/body_source.h"
#include "response/response.h"
#include "util/panic.h"

/* A reply is staged (not written at once) only when this small. */
#define STAGE_MAX 4096u

static bool is_bodyless_status(unsigned int code)
{
    return code < 200 || code == 204 || code == 304;
}

/* The queued reply does not fit in the pool (its head, or the head and a
 * block of a pulled body). Rather than closing without a word, the client
 * gets an error reply, built after the request's bytes are dropped: when it
 * is those bytes that leave no room (the reply alone would fit) the status
 * names the part of the request that takes it (501, 414 or 431), 500 when
 * the reply is too large for the memory limit itself. An error reply that
 * does not fit either ends the connection. */
static void reply_does_not_fit(struct MHD_Connection *c)
{
    /* Room for a block of a pulled body besides the head. */
    const size_t body_room = 256;
    if (c->busy->rq.error_reply) {
        mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
        return;
    }
    bool alone_fits = c->busy->tx.head_len + body_room <= c->mem_size - c->out_end;
    mhd_cfg_log(c->cfg, "The reply does not fit in the connection's memory (%s)",
                alone_fits ? "the request takes it" : "the reply is too large");
    mhd_conn_reply_error(c, alone_fits ? mhd_conn_too_large_status(c)
                                       : MHD_HTTP_INTERNAL_SERVER_ERROR);
}

/* Decides framing and persistence for the queued response, builds the head
 * and switches to CONN_SEND. */
void mhd_conn_begin_reply(struct MHD_Connection *c)
{
    struct mhd_request *rq = &c->busy->rq;
    struct mhd_send *tx = &c->busy->tx;
    struct MHD_Response *r = tx->resp;
    unsigned int fl = r->flags;
    bool strict10 = (fl & MHD_RF_HTTP_1_0_COMPATIBLE_STRICT) != 0;
    bool server10 = (fl & MHD_RF_HTTP_1_0_SERVER) != 0;

    tx->head_only = rq->method == METHOD_HEAD || is_bodyless_status(tx->status) ||
                    r->kind == BODY_UPGRADE;
    tx->chunked = false;
    /* A quiesced daemon says close, so that the client moves on to another
     * instance; the worker may not have told this connection yet. */
    tx->close_after = !rq->keep_alive || strict10 || r->conn_close || c->draining ||
                      atomic_load(&c->cfg->shutdown) ||
                      atomic_load_explicit(&c->cfg->quiesced, memory_order_relaxed);
    if (server10 && !rq->head.conn_keep_alive)
        tx->close_after = true;
    if (tx->status >= 200 && tx->status != 204 && r->kind != BODY_UPGRADE &&
        (r->force_chunked || r->size == MHD_SIZE_UNKNOWN)) {
        if (rq->http11 && !strict10 && !server10)
            tx->chunked = true;
        else if (r->size == MHD_SIZE_UNKNOWN && !tx->head_only)
            tx->close_after = true; /* the end of the body is the end of the connection */
    }
    if (r->kind == BODY_UPGRADE)
        tx->close_after = false;
    tx->body_pos = 0;
    tx->body_done = tx->head_only;
    tx->failed = false;
    mhd_conn_set_state(c, CONN_SEND);
    if (!mhd_conn_build_head(c) || !mhd_body_start(c))
        reply_does_not_fit(c);
}

/* Collects what is due next: staged replies, the rest of the head, the
 * current body piece and the tail. Returns the number of iovecs. */
static int collect(struct MHD_Connection *c, struct iovec *iov, int max)
{
    struct mhd_send *tx = &c->busy->tx;
    int n = 0;
    if (c->out_end > c->out_sent) {
        iov[n].iov_base = c->mem + c->out_sent;
        iov[n].iov_len = c->out_end - c->out_sent;
        n++;
    }
    if (tx->head_sent < tx->head_len) {
        iov[n].iov_base = tx->head + tx->head_sent;
        iov[n].iov_len = tx->head_len - tx->head_sent;
        n++;
    }
    n += mhd_body_iov(c, iov + n, max - n);
    return n;
}

/* Accounts `sent` bytes against staged replies, head and body, in order. */
static void advance(struct MHD_Connection *c, size_t sent)
{
    struct mhd_send *tx = &c->busy->tx;
    size_t staged = c->out_end - c->out_sent;
    size_t k = sent < staged ? sent : staged;
    c->out_sent += k;
    sent -= k;
    if (c->out_sent == c->out_end)
        c->out_sent = c->out_end = 0;
    size_t head_left = tx->head_len - tx->head_sent;
    k = sent < head_left ? sent : head_left;
    tx->head_sent += k;
    sent -= k;
    if (sent)
        mhd_body_advance(c, sent);
}

static void finish_reply(struct MHD_Connection *c)
{
    struct mhd_send *tx = &c->busy->tx;
    bool close_after = tx->close_after;
    enum MHD_RequestTerminationCode why =
        tx->failed ? MHD_REQUEST_TERMINATED_WITH_ERROR : MHD_REQUEST_TERMINATED_COMPLETED_OK;
    if (tx->resp->kind == BODY_UPGRADE) {
        mhd_conn_upgrade(c);
        return;
    }
    mhd_conn_notify_completed(c, why);
    mhd_body_stop(c);
    mhd_response_unref(tx->resp);
    tx->resp = NULL;
    if (close_after)
        mhd_conn_close_gracefully(c, why);
    else
        mhd_conn_next_request(c);
}

/* The body ended before it should: its source failed, or it ended short of
 * the size announced in Content-Length. What is ready still goes out (the
 * head at least: a client never gets nothing for a queued reply), nothing
 * more is produced, and the connection closes after it, so the client sees
 * a short reply (a chunked one without its last chunk). An early end is
 * reported COMPLETED_OK, as upstream does, a failure WITH_ERROR. */
static void end_short(struct MHD_Connection *c, bool failed)
{
    c->busy->tx.body_done = true;
    c->busy->tx.close_after = true;
    c->busy->tx.failed = failed;
}

/* Moves a reply whose bytes are all in the pool into the staged area so that
 * the next pipelined request can be served before anything is written. */
static bool try_stage(struct MHD_Connection *c)
{
    struct mhd_send *tx = &c->busy->tx;
    size_t left = c->rlen - c->rpos;
    if (left == 0 || tx->close_after || tx->head_sent != 0 || tx->resp->kind == BODY_UPGRADE)
        return false; /* after a 101, the bytes that follow are the application's */
    size_t body = mhd_body_stageable_len(c);
    if (body == SIZE_MAX)
        return false;
    size_t total = tx->head_len + body;
    if (total > STAGE_MAX || c->out_end + total + left > c->mem_size / 2)
        return false;
    char tmp[STAGE_MAX];
    memcpy(tmp, tx->head, tx->head_len);
    mhd_body_copy_all(c, tmp + tx->head_len);
    /* Rotate: [staged][input...][reply] becomes [staged][reply][input]. */
    memmove(c->mem + c->out_end + total, c->rbuf + c->rpos, left);
    memcpy(c->mem + c->out_end, tmp, total);
    c->out_end += total;
    c->rbuf = c->mem + c->out_end;
    c->rlen = left;
    c->rpos = 0;
    mhd_conn_notify_completed(c, MHD_REQUEST_TERMINATED_COMPLETED_OK);
    mhd_body_stop(c);
    mhd_response_unref(tx->resp);
    tx->resp = NULL;
    mhd_conn_next_request(c);
    return true;
}

/* A reply is done. A request already buffered behind it counts against
 * the share as a step, so a client pipelining tiny requests cannot hold the
 * worker either (one that is not there yet is counted when it is read). */
static enum mhd_step next_turn(struct MHD_Connection *c)
{
    if (c->state != CONN_HEAD)
        return STEP_CONTINUE;
    mhd_conn_charge(c, 0);
    return mhd_conn_share_used(c) ? STEP_WAIT : STEP_CONTINUE;
}

enum mhd_step mhd_conn_step_send(struct MHD_Connection *c)
{
    struct mhd_send *tx = &c->busy->tx;
    /* Checked here, the common answers cost no call (and no frame). */
    if (c->rlen > c->rpos && try_stage(c))
        return next_turn(c);
    for (;;) {
        enum mhd_body_fill f = tx->body_done ? BODY_FILL_OK : mhd_body_fill(c);
        if (c->item.backoff_ms != 0 && f != BODY_FILL_WAIT)
            mhd_backoff_reset(&c->item);
        if (f == BODY_FILL_ERROR || f == BODY_FILL_TRUNCATED)
            end_short(c, f == BODY_FILL_ERROR);
        struct iovec iov[16];
        int n = collect(c, iov, (int)(sizeof(iov) / sizeof(iov[0])));
        if (n == 0) {
            if (tx->body_done) {
                finish_reply(c);
                return next_turn(c);
            }
            if (f == BODY_FILL_WAIT) {
                /* The reader has nothing yet: ask again after a pause (a
                 * reader that suspended the connection is resumed instead). */
                if (!c->item.suspended)
                    mhd_backoff_wait(c->worker, &c->item);
                return STEP_WAIT;
            }
            /* A body sent by other means (sendfile) is in progress. */
            if (mhd_conn_share_used(c))
                return STEP_WAIT;
            uint64_t pos = tx->body_pos;
            enum mhd_io io = mhd_body_send_direct(c);
            if (io == IO_AGAIN) {
                c->write_ready = false;
                return STEP_WAIT;
            }
            if (io == IO_FAILED) {
                mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
                return STEP_CONTINUE;
            }
            mhd_timeout_touch(c->worker, &c->item);
            mhd_conn_charge(c, (size_t)(tx->body_pos - pos));
            continue;
        }
        if (!c->write_ready)
            return STEP_WAIT;
        if (mhd_conn_share_used(c))
            return STEP_WAIT;
        size_t sent = 0;
        enum mhd_io io = mhd_conn_tp(c)->writev(&c->xp, iov, n, !tx->body_done, &sent);
        if (io == IO_AGAIN) {
            c->write_ready = false;
            return STEP_WAIT;
        }
        if (io != IO_DONE) {
            mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
            return STEP_CONTINUE;
        }
        mhd_timeout_touch(c->worker, &c->item);
        mhd_conn_charge(c, sent);
        advance(c, sent);
    }
}

bool mhd_conn_flush_staged(struct MHD_Connection *c)
{
    while (c->out_end > c->out_sent) {
        if (!c->write_ready)
            return true;
        struct iovec iov = {c->mem + c->out_sent, c->out_end - c->out_sent};
        size_t sent = 0;
        enum mhd_io io = mhd_conn_tp(c)->writev(&c->xp, &iov, 1, false, &sent);
        if (io == IO_AGAIN) {
            c->write_ready = false;
            return true;
        }
        if (io != IO_DONE)
            return false;
        mhd_timeout_touch(c->worker, &c->item);
        c->out_sent += sent;
    }
    c->out_sent = c->out_end = 0;
    return true;
}

/* ---- answers the library gives by itself -------------------------------- */

static const char *error_body(unsigned int status)
{
    switch (status) {
    case 400:
        return "<html><head><title>Bad Request</title></head><body>The request could not be "
               "understood.</body></html>";
    case 413:
        return "<html><head><title>Content Too Large</title></head><body>The request body is "
               "too large.</body></html>";
    case 414:
        return "<html><head><title>URI Too Long</title></head><body>The request target is "
               "too long.</body></html>";
    case 431:
        return "<html><head><title>Request Header Fields Too Large</title></head><body>The "
               "request header is too large.</body></html>";
    case 500:
        return "<html><head><title>Internal Server Error</title></head><body>The request "
               "could not be processed.</body></html>";
    case 501:
        return "<html><head><title>Not Implemented</title></head><body>The request uses "
               "something this server does not implement.</body></html>";
    case 505:
        return "<html><head><title>HTTP Version Not Supported</title></head><body>Only "
               "HTTP/1.x is supported.</body></html>";
    default:
        return "";
    }
}

/* Replies with `status` and a short HTML body, then closes. Whatever was
 * received is discarded: the request will never reach the handler. */
struct MHD_Response *mhd_conn_error_response(unsigned int status)
{
    const char *body = error_body(status);
    struct MHD_Response *r = MHD_create_response_from_buffer_static(strlen(body), body);
    if (r != NULL && MHD_add_response_header(r, "Content-Type", "text/html") != MHD_YES) {
        mhd_response_unref(r);
        r = NULL;
    }
    return r;
}

void mhd_conn_reply_error(struct MHD_Connection *c, unsigned int status)
{
    if (c->busy != NULL && c->busy->tx.resp != NULL) {
        mhd_response_unref(c->busy->tx.resp);
        c->busy->tx.resp = NULL;
    }
    struct MHD_Response *r = mhd_conn_error_response(status);
    if (r == NULL || (c->mem == NULL && !mhd_conn_pool_take(c))) {
        if (r != NULL)
            mhd_response_unref(r);
        mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
        return;
    }
    /* Free the pool for the reply; the request's values go with it. */
    c->rbuf = c->mem + c->out_end;
    c->rlen = 0;
    c->rpos = 0;
    c->back = c->mem_size & ~(size_t)7;
    c->busy->rq.kv_first = c->busy->rq.kv_last = NULL;
    c->busy->tx.resp = r;
    c->busy->tx.status = status;
    c->busy->tx.icy = false;
    c->busy->rq.keep_alive = false;
    c->busy->rq.method = METHOD_OTHER;
    c->busy->rq.error_reply = true;
    mhd_conn_begin_reply(c);
}
