/* A stream's response on the wire: HEADERS from the response's headers
 * (names in lower case, the connection-specific ones left out as RFC 9113
 * 8.2.2 requires, Date and Content-Length added as for HTTP/1.1), the body
 * pulled into DATA frames as nghttp2's flow control allows, and footers as
 * a trailing HEADERS frame. */
#include "h2/h2_internal.h"

#include <string.h>

#include "response/response.h"

/* Fields that belong to a connection, not a message: never sent over
 * HTTP/2, whoever set them. */
static bool connection_specific(const char *name, size_t len)
{
    switch (len) {
    case 2:
        return mhd_http_str_eq_nocase(name, "te", 2);
    case 7:
        return mhd_http_str_eq_nocase(name, "upgrade", 7);
    case 10:
        return mhd_http_str_eq_nocase(name, "connection", 10) ||
               mhd_http_str_eq_nocase(name, "keep-alive", 10);
    case 16:
        return mhd_http_str_eq_nocase(name, "proxy-connection", 16);
    case 17:
        return mhd_http_str_eq_nocase(name, "transfer-encoding", 17);
    default:
        return false;
    }
}

/* `name` in lower case (HTTP/2 wants field names so): itself when it is,
 * else a copy in the stream's pool. */
static const uint8_t *lower(struct MHD_Connection *c, const char *name, size_t len)
{
    size_t i = 0;
    while (i < len && !(name[i] >= 'A' && name[i] <= 'Z'))
        i++;
    if (i == len)
        return (const uint8_t *)name;
    uint8_t *p = mhd_conn_pool_alloc(c, len + 1);
    if (p == NULL)
        return NULL;
    for (i = 0; i < len; i++)
        p[i] = (uint8_t)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] | 0x20 : name[i]);
    p[len] = '\0';
    return p;
}

static nghttp2_nv nv(const uint8_t *name, size_t name_len, const char *value, size_t value_len)
{
    nghttp2_nv x = {(uint8_t *)(uintptr_t)name, (uint8_t *)(uintptr_t)value, name_len, value_len,
                    NGHTTP2_NV_FLAG_NONE};
    return x;
}

/* Fills `out` (room for `cap`) with the response's fields of `kind`; the
 * count, or -1 when the pool is full. The response's lock is held. */
static int fields(struct MHD_Connection *c, struct MHD_Response *r, enum MHD_ValueKind kind,
                  nghttp2_nv *out, int cap)
{
    int n = 0;
    for (struct mhd_rheader *f = r->headers; f != NULL && n < cap; f = f->next) {
        if (f->kind != kind || connection_specific(f->name, f->name_len))
            continue;
        const uint8_t *name = lower(c, f->name, f->name_len);
        if (name == NULL)
            return -1;
        out[n++] = nv(name, f->name_len, f->value, f->value_len);
    }
    return n;
}

static int count_fields(const struct MHD_Response *r)
{
    int n = 0;
    for (const struct mhd_rheader *f = r->headers; f != NULL; f = f->next)
        n++;
    return n;
}

/* ---- the body ---------------------------------------------------------------- */

static size_t copy_iovec(struct MHD_Connection *c, uint8_t *dst, size_t max)
{
    const struct MHD_Response *r = c->busy->tx.resp;
    struct mhd_send *tx = &c->busy->tx;
    size_t n = 0;
    while (n < max && tx->iov_idx < r->iov_count) {
        const struct iovec *v = &r->iov[tx->iov_idx];
        size_t k = v->iov_len - tx->iov_off;
        if (k > max - n)
            k = max - n;
        memcpy(dst + n, (const char *)v->iov_base + tx->iov_off, k);
        n += k;
        tx->iov_off += k;
        if (tx->iov_off == v->iov_len) {
            tx->iov_idx++;
            tx->iov_off = 0;
        }
    }
    return n;
}

static bool send_trailers(struct mhd_h2_stream *s)
{
    struct MHD_Connection *c = &s->c;
    struct MHD_Response *r = c->busy->tx.resp;
    pthread_mutex_lock(&r->lock);
    int cap = count_fields(r);
    nghttp2_nv *list = mhd_conn_pool_alloc(c, sizeof(nghttp2_nv) * (size_t)(cap ? cap : 1));
    int n = list != NULL ? fields(c, r, MHD_FOOTER_KIND, list, cap) : -1;
    int rv = n >= 0 ? nghttp2_submit_trailer(s->h->ng, s->id, list, (size_t)n) : -1;
    pthread_mutex_unlock(&r->lock);
    return rv == 0;
}

static ssize_t read_body(nghttp2_session *ng, int32_t id, uint8_t *buf, size_t length,
                         uint32_t *flags, nghttp2_data_source *source, void *user)
{
    (void)ng, (void)id, (void)user;
    struct mhd_h2_stream *s = source->ptr;
    struct MHD_Connection *c = &s->c;
    struct MHD_Response *r = c->busy->tx.resp;
    struct mhd_send *tx = &c->busy->tx;
    if (r == NULL || s->finished)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    uint64_t size = r->size;
    /* The length goes out as Content-Length unless the application forced
     * chunks (as over HTTP/1.1); only then can the client tell a short body. */
    bool announced = size != MHD_SIZE_UNKNOWN && !r->force_chunked;
    size_t max = length;
    if (r->kind == BODY_CALLBACK && r->block_size != 0 && r->block_size < max)
        max = r->block_size; /* the reader is never asked for more than its block */
    if (size != MHD_SIZE_UNKNOWN && size - tx->body_pos < max)
        max = (size_t)(size - tx->body_pos);
    ssize_t n = 0;
    bool end = size != MHD_SIZE_UNKNOWN && tx->body_pos >= size;
    if (!end) {
        switch (r->kind) {
        case BODY_BUFFER:
            memcpy(buf, r->data + tx->body_pos, max);
            n = (ssize_t)max;
            break;
        case BODY_IOVEC:
            n = (ssize_t)copy_iovec(c, buf, max);
            break;
        default:
            /* Thread per connection: a reader that blocks holds its
             * stream only (offload.c). */
            if (s->h->off == NULL)
                n = mhd_response_pull(r, tx->body_pos, (char *)buf, max);
            else if ((n = mhd_h2_offload_pull(s, tx->body_pos, (char *)buf, max)) ==
                     MHD_H2_PULL_WAIT)
                return NGHTTP2_ERR_DEFERRED;
            break;
        }
        if (n == 0) {
            /* Nothing yet: asked again after a pause (backoff.c). */
            s->deferred = true;
            if (!c->item.suspended)
                mhd_backoff_wait(c->worker, &c->item);
            return NGHTTP2_ERR_DEFERRED;
        }
        if (n == MHD_CONTENT_READER_END_OF_STREAM ||
            (n == MHD_CONTENT_READER_END_WITH_ERROR && announced)) {
            /* The end, or an end before the announced length: the stream
             * ends with what was sent, and the client sees it is short
             * (its Content-Length says more), as over HTTP/1.1. */
            s->body_failed = n == MHD_CONTENT_READER_END_WITH_ERROR;
            n = 0;
            end = true;
        } else if (n < 0 || (size_t)n > max) {
            /* A failing reader of a body whose length was not announced:
             * only a reset tells the client the body is not whole. */
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        }
    }
    if (c->item.backoff_ms != 0)
        mhd_backoff_reset(&c->item);
    tx->body_pos += (uint64_t)n;
    if (size != MHD_SIZE_UNKNOWN && tx->body_pos >= size)
        end = true;
    if (n > 0 && s->h->held == 0)
        mhd_timeout_touch(s->h->c->worker, &s->h->c->item);
    if (end) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        s->body_eof = true;
        if (r->has_footers) {
            *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
            if (!send_trailers(s))
                return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        }
    }
    return n;
}

/* ---- the head ---------------------------------------------------------------- */

static bool bodyless_status(unsigned int code)
{
    return code < 200 || code == 204 || code == 304;
}

/* The reply's field list: nghttp2 copies none of our own fields and none
 * of the response's names (NO_COPY), so what these point to must last
 * until the HEADERS frame is sent or given up, which happens before the
 * stream closes: literals, and copies in the stream's pool, which is given
 * back only after the stream closed. The response's fields are copied, as
 * the application may change a queued response: the names in lower case
 * (HTTP/2 wants them so, and nghttp2 leaves that to us for names it does
 * not copy), short values by us, longer ones by nghttp2, so a long value
 * does not take the stream's memory twice (the reply is bounded by it). */
#define NO_COPY (NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE)
#define VALUE_COPY_MAX 64u

static nghttp2_nv nv_kept(const char *name, size_t name_len, const char *value, size_t value_len)
{
    nghttp2_nv x = {(uint8_t *)(uintptr_t)name, (uint8_t *)(uintptr_t)value, name_len, value_len,
                    NO_COPY};
    return x;
}

/* Copies `len` bytes of a field name to `dst` in lower case. */
static void copy_lower(char *dst, const char *name, size_t len)
{
    for (size_t i = 0; i < len; i++)
        dst[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] | 0x20 : name[i]);
}

#define LEN_ROOM 24u

bool mhd_h2_submit_reply(struct mhd_h2_stream *s)
{
    struct MHD_Connection *c = &s->c;
    struct MHD_Response *r = c->busy->tx.resp;
    unsigned int status = c->busy->tx.status;
    bool head_only = c->busy->rq.method == METHOD_HEAD || bodyless_status(status);
    pthread_mutex_lock(&r->lock);
    int cap = count_fields(r) + 3;
    nghttp2_nv *list = mhd_conn_pool_alloc(c, sizeof(nghttp2_nv) * (size_t)cap);
    /* The status and the length, in one block. */
    char *st = mhd_conn_pool_alloc(c, 4 + LEN_ROOM);
    int n = -1;
    size_t bytes = 0, size = 0;
    if (list != NULL && st != NULL) {
        st[0] = (char)('0' + status / 100 % 10);
        st[1] = (char)('0' + status / 10 % 10);
        st[2] = (char)('0' + status % 10);
        list[0] = nv_kept(":status", 7, st, 3);
        n = 1;
        size = 7 + 3 + 4;
        for (struct mhd_rheader *f = r->headers; f != NULL && n < cap - 2; f = f->next) {
            if (f->kind != MHD_HEADER_KIND || connection_specific(f->name, f->name_len))
                continue;
            /* For now the fields of the response; copied below. */
            list[n++] = nv_kept(f->name, f->name_len, f->value, f->value_len);
            bytes += f->name_len + (f->value_len <= VALUE_COPY_MAX ? f->value_len : 0);
            size += f->name_len + f->value_len + 4;
        }
    }
    /* The reply's fields are bounded by the connection's memory, as an
     * HTTP/1.1 head is: a reply that does not fit gets 500 instead. */
    char *p =
        n >= 0 && size <= mhd_conn_pool_free_space(c) ? mhd_conn_pool_alloc(c, bytes + 1) : NULL;
    if (p != NULL) {
        for (int i = 1; i < n; i++) {
            copy_lower(p, (const char *)list[i].name, list[i].namelen);
            list[i].name = (uint8_t *)p;
            p += list[i].namelen;
            if (list[i].valuelen > VALUE_COPY_MAX) {
                list[i].flags = NGHTTP2_NV_FLAG_NO_COPY_NAME;
                continue;
            }
            memcpy(p, list[i].value, list[i].valuelen);
            list[i].value = (uint8_t *)p;
            p += list[i].valuelen;
        }
    }
    pthread_mutex_unlock(&r->lock);
    if (p == NULL) {
        if (c->busy->rq.error_reply)
            return false;
        mhd_cfg_log(c->cfg, "The reply does not fit in the connection's memory");
        mhd_response_unref(c->busy->tx.resp);
        c->busy->tx.resp = mhd_conn_error_response(MHD_HTTP_INTERNAL_SERVER_ERROR);
        c->busy->tx.status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        c->busy->rq.error_reply = true;
        return c->busy->tx.resp != NULL && mhd_h2_submit_reply(s);
    }
    if (!r->app_date) {
        /* The worker's own string, which lasts as long as the worker and
         * changes only on the worker's thread, in place (IMF-fixdate has
         * a fixed length): the frame, made there too, has the date of
         * when it is made. */
        const char *date = mhd_worker_date(c->worker);
        list[n++] = nv_kept("date", 4, date, strlen(date));
    }
    if (r->size != MHD_SIZE_UNKNOWN && !r->force_chunked && !r->app_content_length &&
        !bodyless_status(status)) {
        char *len = st + 4;
        size_t l = mhd_http_decimal(len, r->size);
        list[n++] = nv_kept("content-length", 14, len, l);
    }
    c->busy->tx.body_pos = 0;
    c->busy->tx.iov_idx = 0;
    c->busy->tx.iov_off = 0;
    nghttp2_data_provider prd;
    prd.source.ptr = s;
    prd.read_callback = read_body;
    bool body = !head_only && (r->size != 0 || r->has_footers);
    if (nghttp2_submit_response(s->h->ng, s->id, list, (size_t)n, body ? &prd : NULL) != 0)
        return false;
    s->submitted = true;
    s->body_eof = !body;
    s->status_code = status;
    mhd_conn_set_state(c, CONN_SEND);
    mhd_h2_flush_later(s->h);
    return true;
}

bool mhd_h2_submit_continue(struct mhd_h2_stream *s)
{
    static const char hundred[] = "100";
    nghttp2_nv list[] = {nv_kept(":status", 7, hundred, 3)};
    if (nghttp2_submit_headers(s->h->ng, NGHTTP2_FLAG_NONE, s->id, NULL, list, 1, NULL) != 0)
        return false;
    mhd_h2_flush_later(s->h);
    return true;
}
