/* The request body: "100 Continue", Content-Length and chunked bodies handed
 * to the handler slice by slice, and the trailer section. */
#include "conn/conn_internal.h"

#include <string.h>

#include "util/panic.h"

static const char continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";

enum mhd_step mhd_conn_step_continue(struct MHD_Connection *c)
{
    /* The interim answer is small enough to go out in one call; a socket
     * that cannot take 25 bytes right after a request is a broken one. */
    size_t len = sizeof(continue_line) - 1;
    struct iovec iov = {(void *)(uintptr_t)continue_line, len};
    size_t sent = 0;
    enum mhd_io io = mhd_conn_tp(c)->writev(&c->xp, &iov, 1, false, &sent);
    if (io == IO_AGAIN) {
        c->write_ready = false;
        return STEP_WAIT;
    }
    if (io != IO_DONE || sent != len) {
        mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
        return STEP_CONTINUE;
    }
    mhd_timeout_touch(c->worker, &c->item);
    mhd_conn_set_state(c, CONN_BODY);
    return STEP_CONTINUE;
}

/* Drops body bytes the handler consumed, so the buffer never fills with
 * them: unconsumed and pipelined bytes move down to the end of the head. */
static void compact(struct MHD_Connection *c)
{
    size_t keep = c->busy->scan.head_end;
    if (c->rpos <= keep)
        return;
    size_t left = c->rlen - c->rpos;
    if (left)
        memmove(c->rbuf + keep, c->rbuf + c->rpos, left);
    c->rlen = keep + left;
    c->rpos = keep;
}

/* Waits for more body bytes. STEP_CONTINUE when some arrived (or the
 * connection ended), STEP_WAIT otherwise. */
static enum mhd_step need_more(struct MHD_Connection *c)
{
    compact(c);
    if (mhd_conn_pool_free_space(c) == 0) {
        /* The handler keeps the buffer full and nothing more fits. */
        mhd_conn_reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR);
        return STEP_CONTINUE;
    }
    if (c->peer_eof) {
        mhd_conn_close_gracefully(c, MHD_REQUEST_TERMINATED_CLIENT_ABORT);
        return STEP_CONTINUE;
    }
    enum mhd_io io = mhd_conn_fill(c);
    switch (io) {
    case IO_DONE:
        c->busy->rq.body_stalled = false;
        return STEP_CONTINUE;
    case IO_AGAIN:
        return STEP_WAIT;
    case IO_EOF:
        mhd_conn_close_gracefully(c, MHD_REQUEST_TERMINATED_CLIENT_ABORT);
        return STEP_CONTINUE;
    case IO_FAILED:
        break;
    }
    mhd_conn_close(c, MHD_REQUEST_TERMINATED_READ_ERROR);
    return STEP_CONTINUE;
}

/* Offers the buffered bytes of the current Content-Length body or chunk to
 * the handler. */
static enum mhd_step deliver(struct MHD_Connection *c)
{
    struct mhd_request *rq = &c->busy->rq;
    size_t avail = c->rlen - c->rpos;
    if (avail == 0 || rq->body_stalled) {
        if (rq->body_stalled && (uint64_t)avail >= rq->body_left) {
            /* Everything of this slice is here and the handler took none
             * of it: waiting cannot help. */
            mhd_conn_reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR);
            return STEP_CONTINUE;
        }
        return need_more(c);
    }
    size_t offer = (uint64_t)avail < rq->body_left ? avail : (size_t)rq->body_left;
    size_t size = offer;
    if (!mhd_conn_call_handler(c, CALL_BODY, c->rbuf + c->rpos, &size))
        return STEP_CONTINUE;
    if (size > offer)
        mhd_panic("access handler reported more unprocessed upload data than it was given");
    size_t used = offer - size;
    c->rpos += used;
    rq->body_left -= used;
    if (c->item.suspended)
        return STEP_WAIT;
    rq->body_stalled = used == 0;
    return STEP_CONTINUE;
}

static enum mhd_step body_done(struct MHD_Connection *c)
{
    compact(c);
    mhd_conn_set_state(c, CONN_FINAL_CALL);
    return STEP_CONTINUE;
}

static enum mhd_step bad_chunk(struct MHD_Connection *c, enum mhd_http_result r)
{
    if (r == HTTP_PARSE_NEED_MORE) {
        if (mhd_conn_pool_free_space(c) == 0 && c->rpos == c->busy->scan.head_end) {
            mhd_conn_reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE);
            return STEP_CONTINUE;
        }
        return need_more(c);
    }
    unsigned int status = mhd_http_result_status(r);
    mhd_conn_reply_error(c, status ? status : MHD_HTTP_BAD_REQUEST);
    return STEP_CONTINUE;
}

static enum mhd_step step_chunked(struct MHD_Connection *c)
{
    struct mhd_request *rq = &c->busy->rq;
    int level = mhd_conn_level(c);
    size_t avail = c->rlen - c->rpos;
    size_t used = 0;
    enum mhd_http_result r;
    switch (rq->chunk) {
    case CHUNK_SIZE: {
        uint64_t size = 0;
        r = mhd_http_parse_chunk_size(c->rbuf + c->rpos, avail, level, &size, &used);
        if (r != HTTP_PARSE_OK)
            return bad_chunk(c, r);
        c->rpos += used;
        rq->body_left = size;
        rq->body_stalled = false;
        rq->chunk = size ? CHUNK_DATA : CHUNK_TRAILERS;
        return STEP_CONTINUE;
    }
    case CHUNK_DATA:
        if (rq->body_left == 0) {
            rq->chunk = CHUNK_DATA_END;
            return STEP_CONTINUE;
        }
        return deliver(c);
    case CHUNK_DATA_END:
        r = mhd_http_parse_chunk_end(c->rbuf + c->rpos, avail, level, &used);
        if (r != HTTP_PARSE_OK)
            return bad_chunk(c, r);
        c->rpos += used;
        rq->chunk = CHUNK_SIZE;
        return STEP_CONTINUE;
    case CHUNK_TRAILERS:
        compact(c);
        mhd_conn_set_state(c, CONN_TRAILERS);
        return STEP_CONTINUE;
    case CHUNK_DONE:
        break;
    }
    return body_done(c);
}

enum mhd_step mhd_conn_step_body(struct MHD_Connection *c)
{
    if (c->busy->rq.head.chunked)
        return step_chunked(c);
    if (c->busy->rq.body_left == 0)
        return body_done(c);
    return deliver(c);
}

static bool store_footer(void *ctx, char *name, size_t name_len, char *value, size_t value_len)
{
    return mhd_conn_add_value(ctx, MHD_FOOTER_KIND, name, name_len, value, value_len);
}

enum mhd_step mhd_conn_step_trailers(struct MHD_Connection *c)
{
    struct mhd_request *rq = &c->busy->rq;
    size_t end = 0;
    char *start = c->rbuf + c->rpos;
    enum mhd_http_result r = mhd_http_scan_trailers(start, c->rlen - c->rpos, &rq->trailer_pos,
                                                    &end);
    if (r == HTTP_PARSE_NEED_MORE) {
        if (mhd_conn_pool_free_space(c) == 0) {
            mhd_conn_reply_error(c, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE);
            return STEP_CONTINUE;
        }
        if (c->peer_eof) {
            mhd_conn_close_gracefully(c, MHD_REQUEST_TERMINATED_CLIENT_ABORT);
            return STEP_CONTINUE;
        }
        enum mhd_io io = mhd_conn_fill(c);
        if (io == IO_DONE)
            return STEP_CONTINUE;
        if (io == IO_AGAIN)
            return STEP_WAIT;
        mhd_conn_close(c, io == IO_EOF ? MHD_REQUEST_TERMINATED_CLIENT_ABORT
                                       : MHD_REQUEST_TERMINATED_READ_ERROR);
        return STEP_CONTINUE;
    }
    if (r == HTTP_PARSE_OK)
        r = mhd_http_parse_trailers(start, end, mhd_conn_level(c), store_footer, c);
    if (r != HTTP_PARSE_OK) {
        unsigned int status = mhd_http_result_status(r);
        mhd_conn_reply_error(c, status ? status : MHD_HTTP_BAD_REQUEST);
        return STEP_CONTINUE;
    }
    c->rpos += end;
    rq->chunk = CHUNK_DONE;
    mhd_conn_set_state(c, CONN_FINAL_CALL);
    return STEP_CONTINUE;
}
