/* Building the response head in the connection's pool: status line, Date,
 * Connection, the application's headers (serialised once per response),
 * and the body-length header. */
#include "conn/conn_internal.h"

#include <stdio.h>
#include <string.h>

#include "response/response.h"
#include "util/alloc.h"

/* A growing piece of pool memory with a hard end. Past the end it only
 * counts what would have been written. */
struct writer {
    char *p;
    char *end;
    bool overflow;
    size_t need;
};

static void put(struct writer *w, const char *s, size_t n)
{
    w->need += n;
    if (w->overflow || (size_t)(w->end - w->p) < n) {
        w->overflow = true;
        return;
    }
    memcpy(w->p, s, n);
    w->p += n;
}

#define PUT_LIT(w, lit) put((w), (lit), sizeof(lit) - 1)

static void put_str(struct writer *w, const char *s)
{
    put(w, s, strlen(s));
}

static void put_u64(struct writer *w, uint64_t v)
{
    char tmp[20];
    put(w, tmp, mhd_http_decimal(tmp, v));
}

static void put_status_line(struct writer *w, const struct MHD_Connection *c)
{
    const struct mhd_send *tx = &c->busy->tx;
    if (tx->icy)
        PUT_LIT(w, "ICY ");
    else if (tx->resp->flags & MHD_RF_HTTP_1_0_SERVER)
        PUT_LIT(w, "HTTP/1.0 ");
    else
        PUT_LIT(w, "HTTP/1.1 ");
    char code[4] = {(char)('0' + tx->status / 100), (char)('0' + tx->status / 10 % 10),
                    (char)('0' + tx->status % 10), ' '};
    put(w, code, 4);
    size_t rlen = MHD_get_reason_phrase_len_for(tx->status);
    if (rlen)
        put(w, MHD_get_reason_phrase_for(tx->status), rlen);
    else
        PUT_LIT(w, "Non-Standard Status");
    PUT_LIT(w, "\r\n");
}

/* The automatic Connection token for this reply, or NULL for none. */
static inline const char *auto_connection_token(const struct MHD_Connection *c)
{
    const struct mhd_send *tx = &c->busy->tx;
    const struct MHD_Response *r = tx->resp;
    if (r->kind == BODY_UPGRADE)
        return NULL;
    if (tx->close_after)
        return r->conn_close ? NULL : "close";
    bool announce = !c->busy->rq.http11 ||
                    (r->flags & (MHD_RF_HTTP_1_0_SERVER | MHD_RF_SEND_KEEP_ALIVE_HEADER));
    return announce ? "Keep-Alive" : NULL;
}

static void put_connection(struct writer *w, const struct MHD_Connection *c)
{
    const struct MHD_Response *r = c->busy->tx.resp;
    const char *token = auto_connection_token(c);
    if (r->conn_header == NULL && token == NULL)
        return;
    PUT_LIT(w, "Connection: ");
    if (token != NULL) {
        put_str(w, token);
        if (r->conn_header != NULL)
            PUT_LIT(w, ", ");
    }
    if (r->conn_header != NULL)
        put(w, r->conn_header->value, r->conn_header->value_len);
    PUT_LIT(w, "\r\n");
}

static void put_length(struct writer *w, const struct MHD_Connection *c)
{
    const struct mhd_send *tx = &c->busy->tx;
    const struct MHD_Response *r = tx->resp;
    if (r->kind == BODY_UPGRADE || tx->status < 200 || tx->status == 204)
        return;
    if (tx->chunked) {
        PUT_LIT(w, "Transfer-Encoding: chunked\r\n");
        return;
    }
    if (r->size == MHD_SIZE_UNKNOWN || r->app_content_length ||
        (r->flags & MHD_RF_HEAD_ONLY_RESPONSE))
        return;
    PUT_LIT(w, "Content-Length: ");
    put_u64(w, r->size);
    PUT_LIT(w, "\r\n");
}

/* Footers as trailer fields, after the last chunk. */
static void put_footers(struct writer *w, struct MHD_Response *r)
{
    pthread_mutex_lock(&r->lock);
    for (const struct mhd_rheader *h = r->headers; h != NULL; h = h->next) {
        if (h->kind != MHD_FOOTER_KIND)
            continue;
        put(w, h->name, h->name_len);
        PUT_LIT(w, ": ");
        put(w, h->value, h->value_len);
        PUT_LIT(w, "\r\n");
    }
    pthread_mutex_unlock(&r->lock);
}

size_t mhd_conn_put_chunk_end(struct MHD_Connection *c, char *dst, size_t cap, bool after_data)
{
    struct writer w = {dst, dst + cap, false, 0};
    if (after_data)
        PUT_LIT(&w, "\r\n");
    PUT_LIT(&w, "0\r\n");
    if (c->busy->tx.resp->has_footers)
        put_footers(&w, c->busy->tx.resp);
    PUT_LIT(&w, "\r\n");
    return w.overflow ? 0 : (size_t)(w.p - dst);
}

/* The key of this reply's head (see struct mhd_head_key). */
static void head_key(const struct MHD_Connection *c, bool date, struct mhd_head_key *k)
{
    const struct mhd_send *tx = &c->busy->tx;
    const struct MHD_Response *r = tx->resp;
    const char *token = auto_connection_token(c);
    memset(k, 0, sizeof(*k));
    k->size = r->size;
    k->status = tx->status;
    k->flags = (unsigned int)r->flags;
    k->token = token == NULL ? 0 : token[0] == 'c' ? 1 : 2;
    k->icy = tx->icy;
    k->chunked = tx->chunked;
    k->date = date;
}

static bool key_eq(const struct mhd_head_key *a, const struct mhd_head_key *b)
{
    return a->size == b->size && a->status == b->status && a->flags == b->flags &&
           a->token == b->token && a->icy == b->icy && a->chunked == b->chunked &&
           a->date == b->date;
}

/* Keeps the head just built as the cache's whole head, from the second head
 * built from the cache on (a response created per request never pays for
 * it). Only the first one kept stays: heads of other keys are built. */
static void keep_head(struct mhd_head_cache *cache, const struct mhd_head_key *k, const char *head,
                      size_t len, size_t date_off)
{
    if (!atomic_load_explicit(&cache->used, memory_order_relaxed)) {
        atomic_store_explicit(&cache->used, true, memory_order_relaxed);
        return;
    }
    struct mhd_head_tpl *t = mhd_alloc(sizeof(*t) + len);
    if (t == NULL)
        return;
    t->key = *k;
    t->date_off = date_off;
    t->len = len;
    memcpy(t->bytes, head, len);
    struct mhd_head_tpl *none = NULL;
    if (!atomic_compare_exchange_strong_explicit(&cache->tpl, &none, t, memory_order_release,
                                                 memory_order_relaxed))
        mhd_free(t);
}

bool mhd_conn_build_head(struct MHD_Connection *c)
{
    struct mhd_send *tx = &c->busy->tx;
    struct MHD_Response *r = tx->resp;
    struct mhd_head_cache *cache = mhd_response_head_cache(r);
    if (cache == NULL)
        return false;
    char *start = c->rbuf + c->rlen;
    size_t space = mhd_conn_pool_free_space(c);
    bool date = !(c->cfg->flags & MHD_USE_SUPPRESS_DATE_NO_CLOCK) && !r->app_date;
    struct mhd_head_key key;
    head_key(c, date, &key);
    const struct mhd_head_tpl *t = atomic_load_explicit(&cache->tpl, memory_order_acquire);
    if (t != NULL && t->len <= space && key_eq(&t->key, &key)) {
        memcpy(start, t->bytes, t->len);
        if (date)
            memcpy(start + t->date_off, mhd_worker_date(c->worker), 29);
        tx->head = start;
        tx->head_len = t->len;
        tx->head_sent = 0;
        return true;
    }
    struct writer w = {start, start + space, false, 0};
    put_status_line(&w, c);
    size_t date_off = 0;
    if (date) {
        PUT_LIT(&w, "Date: ");
        date_off = w.need;
        put(&w, mhd_worker_date(c->worker), 29);
        PUT_LIT(&w, "\r\n");
    }
    put_connection(&w, c);
    put(&w, cache->bytes, cache->len);
    put_length(&w, c);
    PUT_LIT(&w, "\r\n");
    if (w.overflow) {
        tx->head_len = w.need;
        return false;
    }
    tx->head = start;
    tx->head_len = (size_t)(w.p - start);
    tx->head_sent = 0;
    if (t == NULL)
        keep_head(cache, &key, start, tx->head_len, date_off);
    return true;
}
