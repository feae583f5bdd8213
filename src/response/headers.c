/* Response headers and footers: adding, deleting, looking up, iterating,
 * with the special rules for Connection, Transfer-Encoding, Date and
 * Content-Length. */
#include "response/response.h"

#include <stdbool.h>
#include <string.h>

#include "http/http.h"
#include "util/alloc.h"

#define NAME_IS(h, lit)                                                                            \
    ((h)->name_len == sizeof(lit) - 1 && mhd_http_str_eq_nocase((h)->name, lit, sizeof(lit) - 1))

static bool name_is(const char *name, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    return len == n && mhd_http_str_eq_nocase(name, lit, n);
}

/* Fills the entry `h` (with room for both strings after it). */
static struct mhd_rheader *header_fill(struct mhd_rheader *h, enum MHD_ValueKind kind,
                                       const char *name, size_t name_len, const char *value,
                                       size_t value_len)
{
    h->next = NULL;
    h->kind = kind;
    h->name = (char *)(h + 1);
    h->name_len = name_len;
    memcpy(h->name, name, name_len);
    h->name[name_len] = '\0';
    h->value = h->name + name_len + 1;
    h->value_len = value_len;
    memcpy(h->value, value, value_len);
    h->value[value_len] = '\0';
    return h;
}

static struct mhd_rheader *header_new(enum MHD_ValueKind kind, const char *name, size_t name_len,
                                      const char *value, size_t value_len)
{
    struct mhd_rheader *h = mhd_alloc(sizeof(*h) + name_len + 1 + value_len + 1);
    if (h == NULL)
        return NULL;
    return header_fill(h, kind, name, name_len, value, value_len);
}

/* The same, in the response's own room when it fits there. */
static struct mhd_rheader *header_new_in(struct MHD_Response *r, enum MHD_ValueKind kind,
                                         const char *name, size_t name_len, const char *value,
                                         size_t value_len)
{
    size_t need = sizeof(struct mhd_rheader) + name_len + 1 + value_len + 1;
    need = (need + 7) & ~(size_t)7;
    if (need < name_len || need > sizeof(r->room) - r->room_used)
        return header_new(kind, name, name_len, value, value_len);
    struct mhd_rheader *h = (struct mhd_rheader *)(void *)((char *)r->room + r->room_used);
    r->room_used += need;
    return header_fill(h, kind, name, name_len, value, value_len);
}

static void append(struct MHD_Response *r, struct mhd_rheader *h)
{
    *r->tail = h;
    r->tail = &h->next;
}

/* Unlinks `h` from the list (it stays allocated). */
static void unlink_header(struct MHD_Response *r, struct mhd_rheader *h)
{
    struct mhd_rheader **pp = &r->headers;
    while (*pp != h)
        pp = &(*pp)->next;
    *pp = h->next;
    if (r->tail == &h->next)
        r->tail = pp;
    h->next = NULL;
}

/* Replaces `old` by `h` in place (same position). */
static void replace_header(struct MHD_Response *r, struct mhd_rheader *old, struct mhd_rheader *h)
{
    struct mhd_rheader **pp = &r->headers;
    while (*pp != old)
        pp = &(*pp)->next;
    h->next = old->next;
    *pp = h;
    if (r->tail == &old->next)
        r->tail = &h->next;
    mhd_rheader_free(r, old);
}

/* The length of a field name, or 0 when it is not one (empty, or with
 * whitespace or a colon). strcspn scans many bytes at a time. */
static size_t valid_name(const char *s)
{
    if (s == NULL)
        return 0;
    size_t len = strcspn(s, " \t\r\n:");
    return s[len] == '\0' ? len : 0;
}

/* Whether a field value has no line break; its length in *len. */
static bool valid_value(const char *s, size_t *len)
{
    if (s == NULL)
        return false;
    *len = strcspn(s, "\r\n");
    return s[*len] == '\0';
}

/* ---- Connection: one merged, normalised token list ---------------------- */

struct token_list {
    char buf[1024];
    size_t len;
    bool has_close;
    bool has_upgrade;
};

static bool list_has(const struct token_list *t, const char *tok, size_t n)
{
    return mhd_http_list_has_token(t->buf, t->len, tok, n);
}

static bool list_put(struct token_list *t, const char *tok, size_t n, bool front)
{
    if (n == 0 || list_has(t, tok, n))
        return true;
    size_t extra = n + (t->len ? 2 : 0);
    if (t->len + extra >= sizeof(t->buf))
        return false;
    if (front && t->len) {
        memmove(t->buf + n + 2, t->buf, t->len);
        memcpy(t->buf, tok, n);
        t->buf[n] = ',';
        t->buf[n + 1] = ' ';
    } else {
        if (t->len) {
            t->buf[t->len] = ',';
            t->buf[t->len + 1] = ' ';
        }
        memcpy(t->buf + t->len + (t->len ? 2 : 0), tok, n);
    }
    t->len += extra;
    return true;
}

/* Adds each token of `value` to `t`: keep-alive tokens are dropped (the
 * library alone decides about persistence), close goes to the front. */
static bool list_merge(struct token_list *t, const char *value)
{
    const char *p = value;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        size_t n = (size_t)(end - start);
        if (n == 0 || name_is(start, n, "keep-alive"))
            continue;
        bool is_close = name_is(start, n, "close");
        if (!list_put(t, start, n, is_close))
            return false;
    }
    t->has_close = list_has(t, "close", 5);
    t->has_upgrade = list_has(t, "upgrade", 7);
    return true;
}

static void list_load(struct token_list *t, const struct MHD_Response *r)
{
    t->len = 0;
    if (r->conn_header != NULL && r->conn_header->value_len < sizeof(t->buf)) {
        memcpy(t->buf, r->conn_header->value, r->conn_header->value_len);
        t->len = r->conn_header->value_len;
    }
}

static enum MHD_Result store_connection(struct MHD_Response *r, const struct token_list *t)
{
    if (t->len == 0) {
        if (r->conn_header != NULL) {
            unlink_header(r, r->conn_header);
            mhd_rheader_free(r, r->conn_header);
            r->conn_header = NULL;
        }
        r->conn_close = false;
        r->conn_upgrade = false;
        return MHD_YES;
    }
    struct mhd_rheader *h = header_new(MHD_HEADER_KIND, "Connection", 10, t->buf, t->len);
    if (h == NULL)
        return MHD_NO;
    if (r->conn_header != NULL) {
        replace_header(r, r->conn_header, h);
    } else {
        /* The merged entry always leads the application's headers. */
        h->next = r->headers;
        r->headers = h;
        if (r->tail == &r->headers)
            r->tail = &h->next;
    }
    r->conn_header = h;
    r->conn_close = t->has_close;
    r->conn_upgrade = t->has_upgrade;
    return MHD_YES;
}

static enum MHD_Result add_connection(struct MHD_Response *r, const char *value)
{
    struct token_list t;
    list_load(&t, r);
    size_t before = t.len;
    if (!list_merge(&t, value))
        return MHD_NO;
    if (t.len == 0)
        return MHD_NO;
    if (t.has_close && r->kind == BODY_UPGRADE)
        return MHD_NO;
    if (t.len == before && r->conn_header != NULL)
        return MHD_YES; /* nothing new, e.g. "close" twice */
    return store_connection(r, &t);
}

static enum MHD_Result del_connection(struct MHD_Response *r, const char *value)
{
    if (r->conn_header == NULL)
        return MHD_NO;
    struct token_list drop = {.len = 0};
    if (!list_merge(&drop, value) || drop.len == 0)
        return MHD_NO;
    /* Rebuild the list from the tokens that are not dropped. */
    struct token_list keep = {.len = 0};
    const char *p = r->conn_header->value;
    bool removed = false;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        size_t n = (size_t)(p - start);
        if (n == 0)
            continue;
        if (mhd_http_list_has_token(drop.buf, drop.len, start, n))
            removed = true;
        else
            list_put(&keep, start, n, false);
    }
    if (!removed)
        return MHD_NO;
    keep.has_close = list_has(&keep, "close", 5);
    keep.has_upgrade = list_has(&keep, "upgrade", 7);
    return store_connection(r, &keep);
}

/* ---- the other special headers ------------------------------------------ */

static enum MHD_Result add_special(struct MHD_Response *r, const char *name, size_t name_len,
                                   const char *value, bool *handled)
{
    *handled = true;
    if (name_is(name, name_len, "Connection"))
        return add_connection(r, value);
    if (name_is(name, name_len, "Transfer-Encoding")) {
        if (!name_is(value, strlen(value), "chunked"))
            return MHD_NO;
        if (r->force_chunked)
            return MHD_YES;
        if (r->app_content_length && !(r->flags & MHD_RF_INSANITY_HEADER_CONTENT_LENGTH))
            return MHD_NO;
        r->force_chunked = true;
        *handled = false; /* stored like any other header */
        return MHD_YES;
    }
    if (name_is(name, name_len, "Date")) {
        for (struct mhd_rheader *h = r->headers; h != NULL; h = h->next) {
            if (h->kind == MHD_HEADER_KIND && NAME_IS(h, "Date")) {
                struct mhd_rheader *n = header_new(MHD_HEADER_KIND, name, name_len, value,
                                                   strlen(value));
                if (n == NULL)
                    return MHD_NO;
                replace_header(r, h, n);
                return MHD_YES;
            }
        }
        r->app_date = true;
        *handled = false;
        return MHD_YES;
    }
    if (name_is(name, name_len, "Content-Length")) {
        bool insane = (r->flags & MHD_RF_INSANITY_HEADER_CONTENT_LENGTH) != 0;
        bool head_only_first = (r->flags & MHD_RF_HEAD_ONLY_RESPONSE) && !r->app_content_length &&
                               !r->force_chunked;
        if (!insane && !head_only_first)
            return MHD_NO;
        r->app_content_length = true;
        *handled = false;
        return MHD_YES;
    }
    *handled = false;
    return MHD_YES;
}

static enum MHD_Result add_entry(struct MHD_Response *r, enum MHD_ValueKind kind, const char *name,
                                 const char *value)
{
    size_t name_len = valid_name(name), value_len;
    if (r == NULL || name_len == 0 || !valid_value(value, &value_len))
        return MHD_NO;
    enum MHD_Result res = MHD_YES;
    pthread_mutex_lock(&r->lock);
    bool handled = false;
    if (kind == MHD_HEADER_KIND)
        res = add_special(r, name, name_len, value, &handled);
    if (res == MHD_YES && !handled) {
        struct mhd_rheader *h = header_new_in(r, kind, name, name_len, value, value_len);
        if (h == NULL) {
            res = MHD_NO;
        } else {
            append(r, h);
            if (kind == MHD_FOOTER_KIND)
                r->has_footers = true;
        }
    }
    if (res == MHD_YES && kind == MHD_HEADER_KIND)
        mhd_response_invalidate_cache(r);
    pthread_mutex_unlock(&r->lock);
    return res;
}

_MHD_EXTERN enum MHD_Result MHD_add_response_header(struct MHD_Response *response,
                                                    const char *header, const char *content)
{
    return add_entry(response, MHD_HEADER_KIND, header, content);
}

_MHD_EXTERN enum MHD_Result MHD_add_response_footer(struct MHD_Response *response,
                                                    const char *footer, const char *content)
{
    return add_entry(response, MHD_FOOTER_KIND, footer, content);
}

/* Recomputes the special-header state after an entry was removed. */
static void refresh_flags(struct MHD_Response *r)
{
    r->force_chunked = false;
    r->app_date = false;
    r->app_content_length = false;
    r->has_footers = false;
    for (struct mhd_rheader *h = r->headers; h != NULL; h = h->next) {
        if (h->kind == MHD_FOOTER_KIND) {
            r->has_footers = true;
            continue;
        }
        if (NAME_IS(h, "Transfer-Encoding"))
            r->force_chunked = true;
        else if (NAME_IS(h, "Date"))
            r->app_date = true;
        else if (NAME_IS(h, "Content-Length"))
            r->app_content_length = true;
    }
}

_MHD_EXTERN enum MHD_Result MHD_del_response_header(struct MHD_Response *response,
                                                    const char *header, const char *content)
{
    if (response == NULL || header == NULL || content == NULL)
        return MHD_NO;
    size_t name_len = strlen(header);
    size_t value_len = strlen(content);
    enum MHD_Result res = MHD_NO;
    pthread_mutex_lock(&response->lock);
    if (name_is(header, name_len, "Connection")) {
        res = del_connection(response, content);
    } else {
        for (struct mhd_rheader *h = response->headers; h != NULL; h = h->next) {
            if (h == response->conn_header || h->name_len != name_len ||
                h->value_len != value_len || memcmp(h->name, header, name_len) != 0 ||
                memcmp(h->value, content, value_len) != 0)
                continue;
            unlink_header(response, h);
            mhd_rheader_free(response, h);
            refresh_flags(response);
            res = MHD_YES;
            break;
        }
    }
    if (res == MHD_YES)
        mhd_response_invalidate_cache(response);
    pthread_mutex_unlock(&response->lock);
    return res;
}

_MHD_EXTERN int MHD_get_response_headers(struct MHD_Response *response,
                                         MHD_KeyValueIterator iterator, void *iterator_cls)
{
    if (response == NULL)
        return -1;
    int count = 0;
    for (struct mhd_rheader *h = response->headers; h != NULL; h = h->next) {
        count++;
        if (iterator != NULL && iterator(iterator_cls, h->kind, h->name, h->value) != MHD_YES)
            break;
    }
    return count;
}

_MHD_EXTERN const char *MHD_get_response_header(struct MHD_Response *response, const char *key)
{
    if (response == NULL || key == NULL)
        return NULL;
    size_t n = strlen(key);
    for (struct mhd_rheader *h = response->headers; h != NULL; h = h->next) {
        if (h->name_len == n && mhd_http_str_eq_nocase(h->name, key, n))
            return h->value;
    }
    return NULL;
}
