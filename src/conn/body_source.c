#include "conn/body_source.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "conn/conn_internal.h"
#include "response/response.h"

/* The most one sendfile() call is asked to send. As one call already uses
 * the connection's share (conn_internal.h), the next one waits for the
 * worker's next iteration: a larger step means fewer calls and iterations
 * per file, a smaller one a shorter wait for the worker's other clients
 * (a call never sends more than the socket's free send buffer, at most
 * tcp_wmem's 4 MiB, about 1 ms of copying here).
 *
 * A file that takes more than one call is sent corked (TCP_CORK), as
 * libmicrohttpd and nginx (tcp_nopush) do: without it every call, and
 * every opening of the peer's window, pushes whatever is queued, full
 * segment or not (the socket has TCP_NODELAY), and the receiver pays per
 * segment. A file sent whole by its first call costs no setsockopt.
 *
 * 1 GiB from tmpfs to bench/fetch, server / client CPU per GiB, medians
 * of 6 interleaved runs: uncorked 1 MiB steps 269 / 754 ms; corked 128 KiB
 * 368 / 420, 512 KiB 327 / 510, 4 MiB 269 / 556; nginx 274 / 504,
 * libmicrohttpd (128 KiB, corked) 340 / 469. On loopback the client is
 * the bottleneck, and smaller steps move kernel work from it to the
 * server: faster transfers for more server CPU (BENCHMARKS.md, "The 1 GiB
 * file"). 4 MiB keeps the server's CPU at nginx's. */
#define SENDFILE_STEP ((size_t)4 << 20)

/* Room kept in front of a pulled block for its chunk header and behind it
 * for the CRLF, so framing never copies the data. */
#define CHUNK_HEAD_ROOM 18u
#define CHUNK_TAIL_ROOM 2u
/* The largest block pulled at once when the response names no size. */
#define PULL_BLOCK_MAX ((size_t)64 * 1024)

static bool is_pull(const struct MHD_Connection *c)
{
    const struct MHD_Response *r = c->busy->tx.resp;
    return r->kind == BODY_CALLBACK || r->kind == BODY_PIPE ||
           (r->kind == BODY_FD && !c->busy->tx.use_sendfile);
}

static bool sendfile_allowed(const struct MHD_Connection *c)
{
    /* sendfile() may raise SIGPIPE; our own threads block it, an
     * application thread only if the application says so. */
    const struct mhd_config *cfg = c->cfg;
    return !c->busy->tx.chunked && mhd_conn_tp(c)->sendfile != NULL &&
           (mhd_config_has_threads(cfg) || cfg->sigpipe_by_app);
}

/* In-memory bodies: the first chunk header joins the head, the chunked end
 * follows it in the pool. */
static bool start_in_memory(struct MHD_Connection *c)
{
    struct mhd_send *tx = &c->busy->tx;
    if (!tx->chunked)
        return true;
    uint64_t size = tx->resp->size;
    char *p = tx->head + tx->head_len;
    size_t space = mhd_conn_pool_free_space(c) - tx->head_len;
    if (size > 0) {
        if (space < CHUNK_HEAD_ROOM)
            return false;
        size_t n = mhd_http_chunk_header(p, size);
        tx->head_len += n;
        p += n;
        space -= n;
    }
    tx->tail = p;
    tx->tail_len = mhd_conn_put_chunk_end(c, p, space, size > 0);
    tx->tail_sent = 0;
    return tx->tail_len != 0;
}

/* Bodies pulled one block at a time (callback, pipe, file by reads): the
 * block area is the pool space after the head, with room for framing. */
static bool start_pull(struct MHD_Connection *c)
{
    struct mhd_send *tx = &c->busy->tx;
    struct MHD_Response *r = tx->resp;
    tx->body_done = false;
    size_t space = mhd_conn_pool_free_space(c) - tx->head_len;
    if (space < CHUNK_HEAD_ROOM + CHUNK_TAIL_ROOM + 64)
        return false;
    tx->blk_area = tx->head + tx->head_len;
    tx->blk_cap = space - CHUNK_HEAD_ROOM - CHUNK_TAIL_ROOM;
    size_t want = r->kind == BODY_CALLBACK && r->block_size ? r->block_size : PULL_BLOCK_MAX;
    if (tx->blk_cap > want)
        tx->blk_cap = want;
    return true;
}

bool mhd_body_start(struct MHD_Connection *c)
{
    struct mhd_send *tx = &c->busy->tx;
    struct MHD_Response *r = tx->resp;
    tx->tail = NULL;
    tx->tail_len = tx->tail_sent = 0;
    tx->blk = tx->blk_area = NULL;
    tx->blk_len = tx->blk_sent = tx->blk_cap = 0;
    tx->iov_idx = 0;
    tx->iov_off = 0;
    tx->body_pos = 0;
    tx->use_sendfile = false;
    tx->corked = false;
    if (tx->head_only) {
        tx->body_done = true;
        return true;
    }
    switch (r->kind) {
    case BODY_BUFFER:
    case BODY_IOVEC:
        tx->body_done = true;
        return start_in_memory(c);
    case BODY_UPGRADE:
        tx->body_done = true;
        return true;
    case BODY_FD:
        if (sendfile_allowed(c)) {
            tx->use_sendfile = true;
            tx->body_done = r->size == 0;
            return true;
        }
        break;
    case BODY_CALLBACK:
    case BODY_PIPE:
        break;
    }
    return start_pull(c);
}

/* Writes the chunked end as the last block. */
static enum mhd_body_fill end_chunked(struct MHD_Connection *c)
{
    struct mhd_send *tx = &c->busy->tx;
    size_t cap = tx->blk_cap + CHUNK_HEAD_ROOM + CHUNK_TAIL_ROOM;
    size_t n = mhd_conn_put_chunk_end(c, tx->blk_area, cap, false);
    if (n == 0)
        return BODY_FILL_ERROR;
    tx->blk = tx->blk_area;
    tx->blk_len = n;
    tx->blk_sent = 0;
    tx->body_done = true;
    return BODY_FILL_OK;
}

static enum mhd_body_fill end_of_body(struct MHD_Connection *c)
{
    struct mhd_send *tx = &c->busy->tx;
    /* Chunks end cleanly wherever the body ends, even short of a size the
     * response announced (the application forced chunked framing). */
    if (tx->chunked)
        return end_chunked(c);
    if (tx->resp->size != MHD_SIZE_UNKNOWN && tx->body_pos < tx->resp->size)
        return BODY_FILL_TRUNCATED;
    tx->body_done = true;
    return BODY_FILL_OK;
}

/* Asks the body's source for up to `max` bytes at the current position. */
static ssize_t pull(struct MHD_Connection *c, char *dst, size_t max)
{
    return mhd_response_pull(c->busy->tx.resp, c->busy->tx.body_pos, dst, max);
}

enum mhd_body_fill mhd_body_fill(struct MHD_Connection *c)
{
    struct mhd_send *tx = &c->busy->tx;
    if (tx->body_done || !is_pull(c) || tx->blk_sent < tx->blk_len)
        return BODY_FILL_OK;
    uint64_t size = tx->resp->size;
    if (size != MHD_SIZE_UNKNOWN && tx->body_pos >= size)
        return end_of_body(c);
    char *data = tx->blk_area + (tx->chunked ? CHUNK_HEAD_ROOM : 0);
    size_t max = tx->blk_cap;
    if (size != MHD_SIZE_UNKNOWN && size - tx->body_pos < max)
        max = (size_t)(size - tx->body_pos);
    ssize_t n = pull(c, data, max);
    if (n == 0)
        return BODY_FILL_WAIT;
    if (n == MHD_CONTENT_READER_END_OF_STREAM)
        return end_of_body(c);
    if (n < 0 || (size_t)n > max)
        return BODY_FILL_ERROR;
    tx->blk = data;
    tx->blk_len = (size_t)n;
    if (tx->chunked) {
        char hdr[CHUNK_HEAD_ROOM];
        size_t h = mhd_http_chunk_header(hdr, (uint64_t)n);
        tx->blk = data - h;
        memcpy(tx->blk, hdr, h);
        memcpy(data + n, "\r\n", 2);
        tx->blk_len += h + 2;
    }
    tx->blk_sent = 0;
    tx->body_pos += (uint64_t)n;
    if (!tx->chunked && size != MHD_SIZE_UNKNOWN && tx->body_pos == size)
        tx->body_done = true;
    return BODY_FILL_OK;
}

/* The elements of an iovec body from the current position, `room` bytes
 * at most (empty elements left out); *all set when they reach the body's
 * end. */
static int iovec_body(struct MHD_Connection *c, struct iovec *iov, int max, size_t room, bool *all)
{
    const struct MHD_Response *r = c->busy->tx.resp;
    int n = 0;
    unsigned int i = c->busy->tx.iov_idx;
    size_t off = c->busy->tx.iov_off;
    for (; i < r->iov_count && n < max; i++, off = 0) {
        size_t len = r->iov[i].iov_len - off;
        if (len == 0)
            continue;
        iov[n].iov_base = (char *)r->iov[i].iov_base + off;
        if (len >= room) {
            iov[n++].iov_len = room;
            *all = false; /* the tail waits for the next call */
            return n;
        }
        iov[n++].iov_len = len;
        room -= len;
    }
    *all = i >= r->iov_count;
    return n;
}

int mhd_body_iov(struct MHD_Connection *c, struct iovec *iov, int max)
{
    struct mhd_send *tx = &c->busy->tx;
    const struct MHD_Response *r = tx->resp;
    int n = 0;
    bool all = true; /* the tail may follow */
    if (tx->head_only || max <= 0)
        return 0;
    switch (r->kind) {
    case BODY_BUFFER:
        if (tx->body_pos < r->size) {
            uint64_t left = r->size - tx->body_pos;
            iov[n].iov_base = (char *)(uintptr_t)r->data + tx->body_pos;
            iov[n].iov_len = (size_t)left;
            if (left > MHD_CONN_STEP && left > mhd_conn_share_room(c)) {
                iov[n].iov_len = mhd_conn_share_room(c);
                all = false;
            }
            n++;
        }
        break;
    case BODY_IOVEC:
        n = iovec_body(c, iov, max - 1, mhd_conn_share_room(c), &all);
        break;
    default:
        if (is_pull(c) && tx->blk_sent < tx->blk_len) {
            iov[n].iov_base = tx->blk + tx->blk_sent;
            iov[n].iov_len = tx->blk_len - tx->blk_sent;
            n++;
        }
        return n;
    }
    if (tx->tail_sent < tx->tail_len && n < max && all) {
        iov[n].iov_base = tx->tail + tx->tail_sent;
        iov[n].iov_len = tx->tail_len - tx->tail_sent;
        n++;
    }
    return n;
}

static size_t advance_iovec(struct MHD_Connection *c, size_t sent)
{
    struct mhd_send *tx = &c->busy->tx;
    const struct MHD_Response *r = tx->resp;
    while (sent && tx->iov_idx < r->iov_count) {
        size_t left = r->iov[tx->iov_idx].iov_len - tx->iov_off;
        if (sent < left) {
            tx->iov_off += sent;
            tx->body_pos += sent;
            return 0;
        }
        sent -= left;
        tx->body_pos += left;
        tx->iov_idx++;
        tx->iov_off = 0;
    }
    return sent;
}

void mhd_body_advance(struct MHD_Connection *c, size_t sent)
{
    struct mhd_send *tx = &c->busy->tx;
    const struct MHD_Response *r = tx->resp;
    if (r->kind == BODY_BUFFER) {
        uint64_t left = r->size - tx->body_pos;
        size_t k = (uint64_t)sent < left ? sent : (size_t)left;
        tx->body_pos += k;
        sent -= k;
    } else if (r->kind == BODY_IOVEC) {
        sent = advance_iovec(c, sent);
    } else if (is_pull(c)) {
        tx->blk_sent += sent;
        return;
    }
    tx->tail_sent += sent;
}

enum mhd_io mhd_body_send_direct(struct MHD_Connection *c)
{
    struct mhd_send *tx = &c->busy->tx;
    struct MHD_Response *r = tx->resp;
    uint64_t left = r->size - tx->body_pos;
    /* At most SENDFILE_STEP a call (see there). */
    size_t len = left > SENDFILE_STEP ? SENDFILE_STEP : (size_t)left;
    uint64_t off = r->fd_offset + tx->body_pos;
    size_t sent = 0;
    enum mhd_io io = mhd_conn_tp(c)->sendfile(&c->xp, r->fd, &off, len, &sent);
    if (io == IO_FAILED && (errno == EINVAL || errno == ENOSYS) && tx->body_pos == 0) {
        /* Not a file sendfile can read: fall back to reads. */
        tx->use_sendfile = false;
        return start_pull(c) ? IO_DONE : IO_FAILED;
    }
    if (io != IO_DONE)
        return io;
    tx->body_pos += sent;
    if (tx->body_pos == r->size) {
        tx->body_done = true;
        if (tx->corked) {
            /* Out goes the last partial segment. */
            tx->corked = false;
            (void)mhd_socket_cork(c->xp.fd, false);
        }
    } else if (!tx->corked) {
        /* More than one call's worth: from here on only full segments
         * leave until the end (see the top of this file). */
        tx->corked = mhd_socket_cork(c->xp.fd, true);
    }
    return IO_DONE;
}

size_t mhd_body_stageable_len(const struct MHD_Connection *c)
{
    const struct mhd_send *tx = &c->busy->tx;
    if (tx->head_only)
        return 0;
    if (tx->resp->kind != BODY_BUFFER || tx->resp->size > 65536)
        return SIZE_MAX;
    return (size_t)tx->resp->size + tx->tail_len;
}

void mhd_body_copy_all(const struct MHD_Connection *c, char *dst)
{
    const struct mhd_send *tx = &c->busy->tx;
    if (tx->head_only)
        return;
    memcpy(dst, tx->resp->data, (size_t)tx->resp->size);
    if (tx->tail_len)
        memcpy(dst + tx->resp->size, tx->tail, tx->tail_len);
}

void mhd_body_stop(struct MHD_Connection *c)
{
    (void)c;
}
