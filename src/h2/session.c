/* The carrier of HTTP/2: one nghttp2 server session per connection, fed
 * with what the transport reads and drained into what it writes.
 *
 * A round of the carrier: run the streams whose request moved (handler
 * calls), write what nghttp2 has queued, read and feed nghttp2. Its
 * callbacks only record what arrived (fields, body bytes, ends) and mark the
 * stream runnable; the application is called after nghttp2 returns, never
 * from inside it, except for content readers, which nghttp2 asks for body
 * bytes while it builds DATA frames. Output is gathered from nghttp2 into
 * one buffer and leaves in one write; while the transport cannot take it,
 * nothing more is read (the client is held back by TCP, and by HTTP/2 flow
 * control, whose windows open only as the application consumes). */
#include "h2/h2_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

/* Streams a client may open at once (SETTINGS_MAX_CONCURRENT_STREAMS). */
#define MAX_STREAMS 100u
/* The most output gathered before it is written; nghttp2 hands out at most
 * a frame (16 KiB of payload and its 9-byte header) per call. */
#define OUT_CAP ((size_t)64 * 1024)
#define FRAME_MAX (16384u + 9u)
/* Rounds of run/write/read per visit before the others get their turn. */
#define ROUNDS 8
/* Between the shutdown notice of a quiesce and the final GOAWAY: requests
 * that crossed the notice are still served (RFC 9113, 6.8). */
#define NOTICE_MS 250u
/* The connection window: enough for every stream's window at once, so one
 * stream whose handler takes nothing cannot hold up the others. */
#define CONN_WINDOW ((int32_t)1 << 20)

bool mhd_h2_available(void)
{
    return true;
}

bool mhd_h2_wanted(void)
{
    const char *e = getenv("MHD_HTTP2");
    return e != NULL && strcmp(e, "1") == 0;
}

static struct mhd_h2_stream *stream_of(nghttp2_session *ng, int32_t id)
{
    return nghttp2_session_get_stream_user_data(ng, id);
}

/* ---- nghttp2's callbacks -------------------------------------------------- */

static int on_begin_headers(nghttp2_session *ng, const nghttp2_frame *frame, void *user)
{
    struct mhd_h2 *h = user;
    if (frame->hd.type != NGHTTP2_HEADERS)
        return 0;
    h->block_id = frame->hd.stream_id;
    if (frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
        h->block_stream = stream_of(ng, frame->hd.stream_id); /* trailers */
        return 0;
    }
    struct mhd_h2_stream *s = mhd_h2_stream_new(h, frame->hd.stream_id);
    h->block_stream = s;
    if (s == NULL)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* the stream is reset */
    nghttp2_session_set_stream_user_data(ng, frame->hd.stream_id, s);
    return 0;
}

/* The stream of a frame of the header block being received. */
static struct mhd_h2_stream *block_stream_of(struct mhd_h2 *h, int32_t id)
{
    return id == h->block_id ? h->block_stream : stream_of(h->ng, id);
}

static int on_header(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name,
                     size_t name_len, const uint8_t *value, size_t value_len, uint8_t flags,
                     void *user)
{
    (void)ng, (void)flags;
    if (frame->hd.type != NGHTTP2_HEADERS)
        return 0;
    struct mhd_h2_stream *s = block_stream_of(user, frame->hd.stream_id);
    if (s == NULL)
        return 0;
    return mhd_h2_stream_field(s, name, name_len, value, value_len);
}

static int on_frame_recv(nghttp2_session *ng, const nghttp2_frame *frame, void *user)
{
    struct mhd_h2 *h = user;
    int32_t id = frame->hd.stream_id;
    struct mhd_h2_stream *s = id == 0                             ? NULL
                              : frame->hd.type == NGHTTP2_HEADERS ? block_stream_of(h, id)
                                                                  : stream_of(ng, id);
    bool end = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    switch (frame->hd.type) {
    case NGHTTP2_HEADERS:
        /* Requests (and their trailers) are progress; PINGs, SETTINGS and
         * window updates alone do not keep a connection from its timeout.
         * While a stream is suspended (a long poll) or its handler runs
         * (thread per connection) there is none. */
        if (h->held == 0)
            mhd_timeout_touch(h->c->worker, &h->c->item);
        if (s == NULL)
            break;
        if (frame->headers.cat == NGHTTP2_HCAT_REQUEST)
            mhd_h2_stream_head_done(s, end);
        else if (end)
            mhd_h2_stream_end(s);
        break;
    case NGHTTP2_DATA:
        if (h->held == 0)
            mhd_timeout_touch(h->c->worker, &h->c->item);
        if (s != NULL && end)
            mhd_h2_stream_end(s);
        break;
    default:
        break;
    }
    return 0;
}

static int on_data_chunk(nghttp2_session *ng, uint8_t flags, int32_t id, const uint8_t *data,
                         size_t len, void *user)
{
    (void)flags, (void)user;
    struct mhd_h2_stream *s = stream_of(ng, id);
    if (s == NULL) {
        nghttp2_session_consume_connection(ng, len);
        return 0;
    }
    return mhd_h2_stream_data(s, data, len);
}

static int on_stream_close(nghttp2_session *ng, int32_t id, uint32_t error_code, void *user)
{
    (void)user;
    struct mhd_h2_stream *s = stream_of(ng, id);
    if (s == NULL)
        return 0;
    mhd_h2_stream_closed(s, error_code);
    return 0;
}

/* A frame nghttp2 gave up (an allocation failed while it was being made):
 * its stream would wait for it forever. A reply whose header block could
 * not be compressed leaves the HPACK encoder's table out of step with the
 * client's, so no header block can follow on this connection: it ends
 * with GOAWAY. Any other lost frame costs its stream only. Frames of a
 * stream or a connection that ends anyway need nothing. */
static int on_frame_not_send(nghttp2_session *ng, const nghttp2_frame *frame, int lib_error,
                             void *user)
{
    struct mhd_h2 *h = user;
    int32_t id = frame->hd.stream_id;
    if (lib_error == NGHTTP2_ERR_STREAM_CLOSED || lib_error == NGHTTP2_ERR_STREAM_CLOSING ||
        lib_error == NGHTTP2_ERR_SESSION_CLOSING)
        return 0;
    mhd_cfg_log(h->c->cfg, "HTTP/2: a frame for stream %d was not sent: %s", (int)id,
                nghttp2_strerror(lib_error));
    if (lib_error == NGHTTP2_ERR_HEADER_COMP) {
        h->failed = true;
        if (nghttp2_session_terminate_session(ng, NGHTTP2_INTERNAL_ERROR) != 0)
            h->dead = true;
    } else if (id > 0 && frame->hd.type != NGHTTP2_RST_STREAM) {
        mhd_h2_reset(h, id, NGHTTP2_INTERNAL_ERROR);
    }
    return 0;
}

/* A GOAWAY with an error code is nghttp2's answer to a connection error
 * (a protocol violation, a flood of resets): nghttp2 reads and writes
 * nothing more after it, so streams still waiting (suspended, or in a
 * handler) could never finish and would hold the connection open, and
 * its timeout with them. The connection ends once the GOAWAY is out. */
static int on_frame_send(nghttp2_session *ng, const nghttp2_frame *frame, void *user)
{
    struct mhd_h2 *h = user;
    (void)ng;
    if (frame->hd.type == NGHTTP2_GOAWAY && frame->goaway.error_code != NGHTTP2_NO_ERROR)
        h->failed = true;
    return 0;
}

static nghttp2_session_callbacks *callbacks;
/* Strict (RFC 9113) and, for negative client discipline levels, lenient
 * about whitespace around field values, which the stream then trims as
 * HTTP/1.1 does. */
static nghttp2_option *options, *lenient;
static bool ready;

static void set_limits(nghttp2_option *o)
{
    /* Windows open as the application consumes the body, not as bytes
     * arrive: a slow handler slows its client down. */
    nghttp2_option_set_no_auto_window_update(o, 1);
    /* nghttp2's own limits against floods: queued SETTINGS/PING answers a
     * client does not read, SETTINGS entries, CONTINUATION frames, and the
     * rate of stream resets (CVE-2023-44487). */
    nghttp2_option_set_max_outbound_ack(o, 1000);
    nghttp2_option_set_max_settings(o, 32);
    nghttp2_option_set_max_continuations(o, 8);
    nghttp2_option_set_stream_reset_rate_limit(o, 1000, 33);
}

/* What an idle connection keeps besides nghttp2's fixed part (BENCHMARKS.md,
 * HTTP/2, memory per idle connection):
 * - Closed streams. nghttp2 keeps up to SETTINGS_MAX_CONCURRENT_STREAMS of
 *   them (about 220 bytes each) for the RFC 7540 priority tree, and its
 *   stream map grows for them: a connection idle after a burst of 100
 *   streams held 38 KB more than one idle after a single request. Open
 *   streams keep their priorities; only references to closed ones fall
 *   back to the default (RFC 9113 deprecates the tree).
 * - The HPACK encoder's dynamic table. At nghttp2's default of 4 KiB it
 *   fills with one Date value per second of traffic: after ten minutes of a
 *   response a second it held 9.4 KB of entries. 1 KiB holds the fields
 *   that repeat (Content-Type, Date, Server and the like) in 2.3 KB, for
 *   half a byte more per response there. */
#define DEFLATE_TABLE 1024u

static void set_memory(nghttp2_option *o)
{
    nghttp2_option_set_no_closed_streams(o, 1);
    nghttp2_option_set_max_deflate_dynamic_table_size(o, DEFLATE_TABLE);
}

static void init_once(void)
{
    if (nghttp2_session_callbacks_new(&callbacks) != 0 || nghttp2_option_new(&options) != 0 ||
        nghttp2_option_new(&lenient) != 0)
        return;
    nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data_chunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_stream_close);
    nghttp2_session_callbacks_set_on_frame_not_send_callback(callbacks, on_frame_not_send);
    nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, on_frame_send);
    set_limits(options);
    set_limits(lenient);
    set_memory(options);
    set_memory(lenient);
    nghttp2_option_set_no_rfc9113_leading_and_trailing_ws_validation(lenient, 1);
    ready = true;
}

/* ---- writing ---------------------------------------------------------------- */

enum flush_result { FLUSH_DONE, FLUSH_BLOCKED, FLUSH_PROGRESS, FLUSH_FAILED };

/* Gathers what nghttp2 has queued into h->out. False on a fatal error. */
static bool gather(struct mhd_h2 *h)
{
    if (h->out == NULL && (h->out = mhd_h2_out_take(OUT_CAP)) == NULL)
        return false;
    while (h->out_len + FRAME_MAX <= OUT_CAP) {
        const uint8_t *p;
        ssize_t n = nghttp2_session_mem_send(h->ng, &p);
        if (n < 0) {
            mhd_cfg_log(h->c->cfg, "HTTP/2: %s", nghttp2_strerror((int)n));
            return false;
        }
        if (n == 0)
            break;
        if ((size_t)n > OUT_CAP - h->out_len) {
            /* A frame larger than we planned for (a long header block):
             * the buffer grows to take it, since nghttp2 keeps no copy. */
            char *bigger = mhd_realloc(h->out, h->out_len + (size_t)n);
            if (bigger == NULL)
                return false;
            h->out = bigger;
            memcpy(h->out + h->out_len, p, (size_t)n);
            h->out_len += (size_t)n;
            break;
        }
        memcpy(h->out + h->out_len, p, (size_t)n);
        h->out_len += (size_t)n;
    }
    return true;
}

static enum flush_result flush(struct mhd_h2 *h)
{
    struct MHD_Connection *c = h->c;
    bool moved = false;
    for (int i = 0; i < ROUNDS; i++) {
        if (h->out_sent == h->out_len) {
            h->out_sent = h->out_len = 0;
            if (h->dead || !nghttp2_session_want_write(h->ng))
                return moved ? FLUSH_PROGRESS : FLUSH_DONE;
            if (!gather(h))
                return FLUSH_FAILED;
            if (h->out_len == 0)
                return moved ? FLUSH_PROGRESS : FLUSH_DONE;
        }
        if (!c->write_ready)
            return FLUSH_BLOCKED;
        struct iovec iov = {h->out + h->out_sent, h->out_len - h->out_sent};
        size_t sent = 0;
        enum mhd_io io = mhd_conn_tp(c)->writev(&c->xp, &iov, 1, false, &sent);
        if (io == IO_AGAIN) {
            c->write_ready = false;
            return FLUSH_BLOCKED;
        }
        if (io != IO_DONE)
            return FLUSH_FAILED;
        h->out_sent += sent;
        moved = true;
    }
    return FLUSH_PROGRESS;
}

/* ---- reading ---------------------------------------------------------------- */

enum read_result { READ_NONE, READ_MORE, READ_END, READ_FAILED };

static enum read_result feed(struct mhd_h2 *h, const char *buf, size_t len)
{
    h->in_recv = true;
    ssize_t rv = nghttp2_session_mem_recv(h->ng, (const uint8_t *)buf, len);
    h->in_recv = false;
    if (rv < 0) {
        /* A flood, out of memory, a callback that failed: the session is
         * beyond use (a protocol error is not reported here; nghttp2
         * answers it with GOAWAY and stops reading). */
        mhd_cfg_log(h->c->cfg, "HTTP/2: closing a connection: %s", nghttp2_strerror((int)rv));
        h->failed = h->dead = true;
        return READ_END;
    }
    return READ_MORE;
}

static enum read_result read_some(struct mhd_h2 *h)
{
    struct MHD_Connection *c = h->c;
    if (!c->read_ready || h->failed || !nghttp2_session_want_read(h->ng))
        return READ_NONE;
    /* Output first: a client that does not read gets nothing more read. */
    if (h->out_len - h->out_sent > OUT_CAP / 2)
        return READ_NONE;
    if (c->mem == NULL && !mhd_conn_pool_take(c))
        return READ_FAILED;
    size_t got = 0;
    enum mhd_io io = mhd_conn_tp(c)->recv(&c->xp, c->mem, c->mem_size, &got);
    switch (io) {
    case IO_DONE:
        /* As over HTTP/1.1 (conn_recv.c): a short read drained the socket,
         * or the transport says so, unless an edge-triggered poller
         * reported the client's end with the data: no new edge comes for
         * it, so the next read must meet it. */
        if (((got < c->mem_size && mhd_conn_tp(c)->short_read_drains) || c->xp.drained) &&
            !c->peer_hup)
            c->read_ready = false;
        return feed(h, c->mem, got);
    case IO_AGAIN:
        mhd_conn_recv_blocked(c);
        return READ_NONE;
    case IO_EOF:
        c->read_ready = false;
        c->peer_eof = true;
        return READ_END;
    case IO_FAILED:
        break;
    }
    return READ_FAILED;
}

/* ---- the carrier ------------------------------------------------------------- */

void mhd_h2_mark_runnable(struct mhd_h2_stream *s)
{
    if (!mhd_link_is_linked(&s->rlink))
        mhd_list_push_back(&s->h->runnable, &s->rlink);
}

void mhd_h2_flush_later(struct mhd_h2 *h)
{
    if (!h->in_recv)
        mhd_conn_schedule(h->c);
}

void mhd_h2_reset(struct mhd_h2 *h, int32_t id, uint32_t code)
{
    if (nghttp2_submit_rst_stream(h->ng, NGHTTP2_FLAG_NONE, id, code) != 0)
        h->failed = h->dead = true;
    mhd_h2_flush_later(h);
}

static void run_streams(struct mhd_h2 *h)
{
    struct mhd_link *k;
    while ((k = mhd_list_first(&h->runnable)) != NULL) {
        mhd_list_remove(k);
        mhd_h2_stream_run(mhd_container_of(k, struct mhd_h2_stream, rlink));
    }
}

static void free_finished(struct mhd_h2 *h)
{
    struct mhd_link *k = mhd_list_first(&h->streams);
    while (k != NULL) {
        struct mhd_link *next = mhd_list_next(&h->streams, k);
        struct mhd_h2_stream *s = mhd_container_of(k, struct mhd_h2_stream, c.item.link);
        if (s->finished)
            mhd_h2_stream_free(s);
        k = next;
    }
}

static void set_interest(struct mhd_h2 *h)
{
    struct MHD_Connection *c = h->c;
    unsigned int want = 0;
    if (!c->read_ready && !c->peer_eof && nghttp2_session_want_read(h->ng) && !h->failed &&
        h->out_len - h->out_sent <= OUT_CAP / 2)
        want |= MHD_POLL_IN;
    if ((h->out_sent < h->out_len || c->xp.want_write) && !c->write_ready)
        want |= MHD_POLL_OUT;
    if (!mhd_conn_set_interest(c, want))
        mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
}

static void session_close(struct MHD_Connection *c, enum MHD_RequestTerminationCode why);
static void session_release(struct MHD_Connection *c);

/* The end after a GOAWAY: the carrier becomes an HTTP/1.1 connection that
 * lingers (close_notify, FIN, the client's bytes read until its FIN), so
 * frames the client sent meanwhile do not make the kernel answer with a
 * reset that could destroy the GOAWAY and the last replies. */
static void close_gracefully(struct MHD_Connection *c)
{
    struct mhd_h2 *h = c->proto_state;
    /* After a connection error, streams still open did not complete. */
    session_close(c, h->failed ? MHD_REQUEST_TERMINATED_WITH_ERROR
                               : MHD_REQUEST_TERMINATED_COMPLETED_OK);
    session_release(c);
    c->proto = NULL;
    /* Lingering is due even when nothing is unread now: an HTTP/2 client
     * keeps sending (its SETTINGS acknowledgement, window updates) until
     * it has read the GOAWAY, and a plain close would meet those bytes
     * with a reset. */
    if (!c->peer_eof)
        c->read_ready = true;
    mhd_conn_close_gracefully(c, MHD_REQUEST_TERMINATED_COMPLETED_OK);
    mhd_conn_schedule(c);
}

static void session_process(struct MHD_Connection *c)
{
    struct mhd_h2 *h = c->proto_state;
    bool more = false;
    mhd_h2_offload_collect(h);
    for (int round = 0; round < ROUNDS; round++) {
        run_streams(h);
        enum flush_result f = flush(h);
        if (f == FLUSH_FAILED) {
            mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
            return;
        }
        enum read_result r = read_some(h);
        if (r == READ_FAILED) {
            mhd_conn_close(c, MHD_REQUEST_TERMINATED_READ_ERROR);
            return;
        }
        if (r == READ_END && h->dead) {
            /* nghttp2 gave up on the session (a flood of frames wanting
             * an answer, too many CONTINUATION frames): it is closed at
             * once. Its queued output (answers to the flood) is dropped;
             * waiting for a client that reads none would hold the
             * connection until its timeout. */
            mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
            return;
        }
        if (r == READ_END && !h->failed) {
            /* The client left: streams still open were abandoned. */
            mhd_conn_close(c, h->live ? MHD_REQUEST_TERMINATED_CLIENT_ABORT
                                      : MHD_REQUEST_TERMINATED_COMPLETED_OK);
            return;
        }
        more = f == FLUSH_PROGRESS || r == READ_MORE || !mhd_list_is_empty(&h->runnable);
        if (!more)
            break;
    }
    free_finished(h);
    if (more)
        mhd_conn_schedule(c); /* a fair share is done: the others go first */
    bool idle_out = h->out_sent == h->out_len && (h->dead || !nghttp2_session_want_write(h->ng));
    if (idle_out && (h->failed || (!nghttp2_session_want_read(h->ng) && h->live == 0))) {
        /* After GOAWAY (ours or the client's) and its last stream. */
        close_gracefully(c);
        return;
    }
    if (idle_out && h->live == 0 && c->mem != NULL) {
        /* Nothing in flight: the connection waits in the least memory. */
        mhd_conn_pool_give(c);
        mhd_h2_out_give(h->out);
        h->out = NULL;
        h->out_len = h->out_sent = 0;
        /* The thread is this connection's alone: what its last burst left
         * in the thread's cache would wait for the next one. */
        if (c->worker->kind == WORKER_TPC_CONN)
            mhd_h2_trim_cache();
    }
    set_interest(h);
}

static void session_quiesce(struct MHD_Connection *c);

static bool session_start(struct MHD_Connection *c)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_once);
    if (!ready)
        return false;
    struct mhd_h2 *h = mhd_calloc(1, sizeof(*h));
    if (h == NULL)
        return false;
    h->c = c;
    mhd_list_init(&h->streams);
    mhd_list_init(&h->runnable);
    bool tolerant = c->cfg->discipline < 0;
    if (nghttp2_session_server_new3(&h->ng, callbacks, h, tolerant ? lenient : options,
                                    &mhd_h2_mem) != 0) {
        mhd_free(h);
        return false;
    }
    const struct mhd_config *cfg = c->cfg;
    /* A stream's window is what its request object can hold of the body
     * besides its head; the head itself is bounded by the memory limit. */
    uint32_t window = (uint32_t)(cfg->pool_size / 2);
    if (window > 65535)
        window = 65535;
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, MAX_STREAMS},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, window},
        /* Advice to the client; what does not fit in the request's memory
         * gets the status of the part that takes the room (501, 414, 431),
         * as over HTTP/1.1. HTTP/2 counts 32 bytes more per field. */
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, (uint32_t)(2 * cfg->pool_size)},
    };
    if (nghttp2_submit_settings(h->ng, NGHTTP2_FLAG_NONE, iv, sizeof(iv) / sizeof(iv[0])) != 0 ||
        nghttp2_session_set_local_window_size(h->ng, NGHTTP2_FLAG_NONE, 0, CONN_WINDOW) != 0) {
        nghttp2_session_del(h->ng);
        mhd_free(h);
        return false;
    }
    /* Thread per connection: handlers of concurrent streams run at once,
     * as those of concurrent connections do (without the threads, one
     * after the other on this one). */
    if (c->worker->kind == WORKER_TPC_CONN)
        h->off = mhd_h2_offload_new(h);
    c->proto = &mhd_h2_protocol;
    c->proto_state = h;
    mhd_conn_set_state(c, CONN_PROTOCOL);
    /* What HTTP/1.1 read already (the preface, maybe more) is nghttp2's;
     * a failure there shows in the first round. */
    if (c->mem != NULL && c->rlen > c->rpos)
        (void)feed(h, c->rbuf + c->rpos, c->rlen - c->rpos);
    if (c->mem != NULL)
        c->rlen = c->rpos = 0;
    if (c->draining)
        session_quiesce(c); /* quiesced while the preface arrived */
    return true;
}

/* The carrier closes: its streams end with the same reason. */
static void session_close(struct MHD_Connection *c, enum MHD_RequestTerminationCode why)
{
    struct mhd_h2 *h = c->proto_state;
    mhd_h2_offload_stop(h); /* handlers that run return first */
    if (why == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN && !h->failed && !h->goaway) {
        /* The daemon stops: the client learns which of its requests were
         * not processed (as far as the socket takes it now). */
        h->goaway = true;
        nghttp2_submit_goaway(h->ng, NGHTTP2_FLAG_NONE,
                              nghttp2_session_get_last_proc_stream_id(h->ng), NGHTTP2_NO_ERROR,
                              NULL, 0);
        c->write_ready = true;
        (void)flush(h);
    }
    for (struct mhd_link *k = mhd_list_first(&h->streams); k; k = mhd_list_next(&h->streams, k)) {
        struct mhd_h2_stream *s = mhd_container_of(k, struct mhd_h2_stream, c.item.link);
        if (!s->finished) {
            mhd_conn_notify_completed(&s->c, why);
            mhd_h2_stream_closed(s, NGHTTP2_CANCEL);
        }
    }
}

static void session_release(struct MHD_Connection *c)
{
    struct mhd_h2 *h = c->proto_state;
    if (h == NULL)
        return;
    mhd_h2_offload_free(h);
    struct mhd_link *k;
    while ((k = mhd_list_first(&h->streams)) != NULL)
        mhd_h2_stream_free(mhd_container_of(k, struct mhd_h2_stream, c.item.link));
    nghttp2_session_del(h->ng);
    mhd_h2_out_give(h->out);
    mhd_free(h);
    c->proto_state = NULL;
}

/* The daemon quiesces: no new streams, the open ones finish, then close.
 * First a shutdown notice (GOAWAY with the highest stream id), then, once
 * requests already on their way had time to arrive, the final GOAWAY
 * naming the last stream served (RFC 9113, 6.8). The worker calls this
 * again when the drain timer it is given falls due. */
static void session_quiesce(struct MHD_Connection *c)
{
    struct mhd_h2 *h = c->proto_state;
    struct mhd_worker *w = c->worker;
    if (h->goaway || h->failed)
        return;
    if (h->notice_at == 0) {
        h->notice_at = w->now_ms ? w->now_ms : 1;
        if (nghttp2_submit_shutdown_notice(h->ng) != 0)
            h->notice_at = 1; /* cannot: the final GOAWAY goes at once */
    }
    if (w->now_ms < h->notice_at + NOTICE_MS) {
        mhd_worker_drain_at(w, h->notice_at + NOTICE_MS);
    } else {
        h->goaway = true;
        nghttp2_submit_goaway(h->ng, NGHTTP2_FLAG_NONE,
                              nghttp2_session_get_last_proc_stream_id(h->ng), NGHTTP2_NO_ERROR,
                              NULL, 0);
    }
    mhd_conn_schedule(c);
}

const struct mhd_protocol mhd_h2_protocol = {
    .name = "h2",
    .start = session_start,
    .process = session_process,
    .close = session_close,
    .release = session_release,
    .suspend = NULL,
    .resume_later = NULL,
    .set_timeout = NULL,
    .quiesce = session_quiesce,
};
