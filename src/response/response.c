/* Response lifetime: creation, reference counting, destruction, flags, and
 * the cached serialisation of the application's headers. */
#include "response/response.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/panic.h"

struct MHD_Response *mhd_response_new(enum mhd_body_kind kind, uint64_t size)
{
    /* Not calloc: glibc's calloc never takes a block from the thread's
     * cache (tcache), malloc does (a response per request: 100 fewer
     * instructions each). */
    struct MHD_Response *r = mhd_alloc(sizeof(*r));
    if (r == NULL)
        return NULL;
    memset(r, 0, sizeof(*r));
    /* Recursive: a content reader runs with the lock held and may add
     * footers (or change headers) of its own response. */
#ifdef PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP
    static const pthread_mutex_t recursive = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
    r->lock = recursive;
#else
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    int rc = pthread_mutex_init(&r->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    if (rc != 0) {
        mhd_free(r);
        return NULL;
    }
#endif
    atomic_init(&r->refs, 1);
    atomic_init(&r->cache, NULL);
    r->tail = &r->headers;
    r->kind = kind;
    r->size = size;
    r->fd = -1;
    return r;
}

void mhd_response_ref(struct MHD_Response *r)
{
    atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
}

static void free_headers(struct MHD_Response *r)
{
    struct mhd_rheader *h = r->headers;
    while (h != NULL) {
        struct mhd_rheader *next = h->next;
        mhd_rheader_free(r, h);
        h = next;
    }
    r->headers = NULL;
}

static void free_cache(struct mhd_head_cache *c)
{
    if (c == NULL)
        return;
    mhd_free(atomic_load(&c->tpl));
    mhd_free(c);
}

static void free_caches(struct MHD_Response *r)
{
    free_cache(atomic_load(&r->cache));
    struct mhd_head_cache *c = r->retired;
    while (c != NULL) {
        struct mhd_head_cache *next = c->retired_next;
        free_cache(c);
        c = next;
    }
}

static void release_body(struct MHD_Response *r)
{
    if (r->crfc != NULL)
        r->crfc(r->crfc_cls);
    if (r->owned != NULL)
        free(r->owned); /* from the application's malloc */
    mhd_free(r->copy);
    mhd_free(r->iov);
    if (r->fd >= 0)
        close(r->fd);
}

void mhd_response_unref(struct MHD_Response *r)
{
    if (atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) != 1)
        return;
    release_body(r);
    free_headers(r);
    free_caches(r);
    pthread_mutex_destroy(&r->lock);
    mhd_free(r);
}

_MHD_EXTERN void MHD_destroy_response(struct MHD_Response *response)
{
    if (response != NULL)
        mhd_response_unref(response);
}

/* Whether a header goes into the cached serialisation: not the merged
 * Connection entry (each request prefixes its own token), not
 * Transfer-Encoding (the framing decision per request emits it), not the
 * footers. */
static bool cacheable(const struct MHD_Response *r, const struct mhd_rheader *h)
{
    if (h->kind != MHD_HEADER_KIND || h == r->conn_header)
        return false;
    return !(h->name_len == 17 && strncasecmp(h->name, "Transfer-Encoding", 17) == 0);
}

static struct mhd_head_cache *build_cache(const struct MHD_Response *r)
{
    size_t len = 0;
    for (const struct mhd_rheader *h = r->headers; h != NULL; h = h->next) {
        if (cacheable(r, h))
            len += h->name_len + 2 + h->value_len + 2;
    }
    struct mhd_head_cache *c = mhd_alloc(sizeof(*c) + len);
    if (c == NULL)
        return NULL;
    c->retired_next = NULL;
    atomic_init(&c->used, false);
    atomic_init(&c->tpl, NULL);
    c->len = len;
    char *p = c->bytes;
    for (const struct mhd_rheader *h = r->headers; h != NULL; h = h->next) {
        if (!cacheable(r, h))
            continue;
        memcpy(p, h->name, h->name_len);
        p += h->name_len;
        *p++ = ':';
        *p++ = ' ';
        memcpy(p, h->value, h->value_len);
        p += h->value_len;
        *p++ = '\r';
        *p++ = '\n';
    }
    return c;
}

struct mhd_head_cache *mhd_response_head_cache_build(struct MHD_Response *r)
{
    pthread_mutex_lock(&r->lock);
    struct mhd_head_cache *c = atomic_load_explicit(&r->cache, memory_order_relaxed);
    if (c == NULL) {
        c = build_cache(r);
        atomic_store_explicit(&r->cache, c, memory_order_release);
    }
    pthread_mutex_unlock(&r->lock);
    return c;
}

/* Called with the lock held after any header change: the old serialisation
 * may still be read by a connection of another thread, so it is kept until
 * the response is freed. */
void mhd_response_invalidate_cache(struct MHD_Response *r)
{
    struct mhd_head_cache *c = atomic_exchange(&r->cache, NULL);
    if (c != NULL) {
        c->retired_next = r->retired;
        r->retired = c;
    }
}

_MHD_EXTERN enum MHD_Result MHD_set_response_options(struct MHD_Response *response,
                                                     enum MHD_ResponseFlags flags, ...)
{
    if (response == NULL)
        return MHD_NO;
    pthread_mutex_lock(&response->lock);
    enum MHD_ResponseFlags old = response->flags;
    bool ok = true;
    if ((flags & MHD_RF_HEAD_ONLY_RESPONSE) && response->size != 0)
        ok = false;
    if (response->app_content_length) {
        bool keeps_insanity = (flags & MHD_RF_INSANITY_HEADER_CONTENT_LENGTH) != 0;
        bool drops_insanity = (old & MHD_RF_INSANITY_HEADER_CONTENT_LENGTH) && !keeps_insanity;
        bool drops_head_only =
            (old & MHD_RF_HEAD_ONLY_RESPONSE) && !(flags & MHD_RF_HEAD_ONLY_RESPONSE);
        if (drops_insanity || (drops_head_only && !keeps_insanity))
            ok = false;
    }
    if (ok)
        response->flags = flags;
    pthread_mutex_unlock(&response->lock);
    if (!ok)
        return MHD_NO;

    va_list ap;
    va_start(ap, flags);
    enum MHD_Result res = MHD_YES;
    for (;;) {
        int opt = va_arg(ap, int);
        if (opt == MHD_RO_END)
            break;
        res = MHD_NO; /* no other option exists in this API version */
        break;
    }
    va_end(ap);
    return res;
}
