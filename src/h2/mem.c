/* Memory for nghttp2 and for stream objects: small blocks recycled per
 * thread.
 *
 * A stream costs about seven allocations (its object, nghttp2's stream,
 * outbound items, the copied response fields) that are freed when it
 * ends. With many streams at once they outnumber what malloc keeps per
 * size for quick reuse, and a stream object (over 1 KiB) is never kept
 * there at all: malloc then took about 300 instructions per block, a
 * seventh of the work per request. Here freed blocks wait on a list per
 * size class of the thread that freed them, up to CACHE_BYTES per thread,
 * and are handed out again at the cost of a pointer. Each block carries
 * its class in a header, so any thread may free any block (a stream object
 * is freed where its connection runs, which for an external loop may be
 * another thread than the one that made it). A thread's lists are freed
 * when it exits. */
#include "h2/h2_internal.h"
#include "h2/h2.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "util/alloc.h"

#define CLASSES 7 /* 64, 128, ... 4096 bytes */
#define MIN_SHIFT 6
#define LARGE 0xffu /* beyond the classes: plain malloc */
/* Under AddressSanitizer nothing is kept: a block used after it was freed
 * must meet ASan's poisoned memory, not a recycled block. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MHD_H2_MEM_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(MHD_H2_MEM_ASAN)
#define CACHE_BYTES 0u
#else
/* A connection with 100 streams at once (our SETTINGS_MAX_CONCURRENT_STREAMS)
 * has about 300 KiB in such blocks: a 2 KiB block for each stream object
 * and about 1 KiB of nghttp2's. At 128 KiB three of four streams of such a
 * burst went to malloc and back (h2load -m100: 243 instructions more per
 * request). A thread that serves one connection only (thread per
 * connection) trims its cache to IDLE_BYTES when the connection goes idle
 * (mhd_h2_trim_cache). */
#define CACHE_BYTES (512u * 1024u)
#endif
#define IDLE_BYTES (CACHE_BYTES / 4)

/* Before each block; 16 bytes keep the block aligned as malloc's are. */
struct header {
    uint32_t cls;
    uint32_t unused;
    uint64_t unused2;
};

struct free_block {
    struct free_block *next;
};

struct cache {
    struct free_block *lists[CLASSES];
    size_t bytes;
    bool registered;
    /* One output buffer of a connection that went idle (mhd_h2_out_give):
     * the next connection with output takes it, instead of a 64 KiB
     * malloc, and a free that made malloc consolidate its small blocks,
     * per burst of streams. */
    void *spare_out;
};

static _Thread_local struct cache cache;
static pthread_key_t cache_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static bool key_ready;

static void drop_cache(void *arg)
{
    struct cache *k = arg;
    for (unsigned int i = 0; i < CLASSES; i++) {
        struct free_block *b;
        while ((b = k->lists[i]) != NULL) {
            k->lists[i] = b->next;
            mhd_free((struct header *)(void *)b - 1);
        }
    }
    k->bytes = 0;
    mhd_free(k->spare_out);
    k->spare_out = NULL;
}

void mhd_h2_release_cache(void)
{
    drop_cache(&cache);
}

void mhd_h2_trim_cache(void)
{
    mhd_free(cache.spare_out);
    cache.spare_out = NULL;
    for (unsigned int i = CLASSES; i-- > 0 && cache.bytes > IDLE_BYTES;) {
        struct free_block *b;
        while (cache.bytes > IDLE_BYTES && (b = cache.lists[i]) != NULL) {
            cache.lists[i] = b->next;
            cache.bytes -= (size_t)1 << (i + MIN_SHIFT);
            mhd_free((struct header *)(void *)b - 1);
        }
    }
}

static void make_key(void)
{
    key_ready = pthread_key_create(&cache_key, drop_cache) == 0;
}

static size_t class_size(unsigned int cls)
{
    return (size_t)1 << (cls + MIN_SHIFT);
}

static unsigned int class_of(size_t size)
{
    if (size <= ((size_t)1 << MIN_SHIFT))
        return 0;
    /* The bits of size - 1, less those of the smallest class. */
    unsigned int cls = (unsigned int)(sizeof(unsigned long) * 8) -
                       (unsigned int)__builtin_clzl((unsigned long)(size - 1)) - MIN_SHIFT;
    return cls < CLASSES ? cls : LARGE;
}

static bool register_cache(void)
{
    pthread_once(&key_once, make_key);
    if (!key_ready || pthread_setspecific(cache_key, &cache) != 0)
        return false;
    cache.registered = true;
    return true;
}

/* Whether this thread's cache is freed at its exit (registered on the
 * first block it keeps). */
static inline bool registered(void)
{
    return cache.registered || register_cache();
}

void *mhd_h2_alloc(size_t size)
{
    unsigned int cls = class_of(size);
    if (cls != LARGE && cache.lists[cls] != NULL) {
        struct free_block *b = cache.lists[cls];
        cache.lists[cls] = b->next;
        cache.bytes -= class_size(cls);
        return b;
    }
    size_t total = sizeof(struct header) + (cls == LARGE ? size : class_size(cls));
    if (total < size)
        return NULL;
    struct header *h = mhd_alloc(total);
    if (h == NULL)
        return NULL;
    h->cls = cls;
    return h + 1;
}

void mhd_h2_free(void *p)
{
    if (p == NULL)
        return;
    struct header *h = (struct header *)p - 1;
    unsigned int cls = h->cls;
    if (cls == LARGE || cache.bytes + class_size(cls) > CACHE_BYTES) {
        mhd_free(h);
        return;
    }
    if (!registered()) {
        mhd_free(h);
        return;
    }
    struct free_block *b = p;
    b->next = cache.lists[cls];
    cache.lists[cls] = b;
    cache.bytes += class_size(cls);
}

void *mhd_h2_calloc(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    void *p = mhd_h2_alloc(n * size);
    if (p != NULL)
        memset(p, 0, n * size);
    return p;
}

void *mhd_h2_realloc(void *p, size_t size)
{
    if (p == NULL)
        return mhd_h2_alloc(size);
    struct header *h = (struct header *)p - 1;
    if (h->cls == LARGE) {
        if (sizeof(*h) + size < size)
            return NULL;
        struct header *bigger = mhd_realloc(h, sizeof(*h) + size);
        return bigger != NULL ? bigger + 1 : NULL;
    }
    size_t have = class_size(h->cls);
    if (size <= have)
        return p;
    void *q = mhd_h2_alloc(size);
    if (q != NULL) {
        memcpy(q, p, have);
        mhd_h2_free(p);
    }
    return q;
}

void *mhd_h2_out_take(size_t size)
{
    void *p = cache.spare_out;
    if (p == NULL)
        return mhd_alloc(size);
    cache.spare_out = NULL;
    return p;
}

void mhd_h2_out_give(void *p)
{
    if (p == NULL || CACHE_BYTES == 0 || cache.spare_out != NULL || !registered())
        mhd_free(p);
    else
        cache.spare_out = p;
}

/* nghttp2's allocator interface. */
static void *ng_malloc(size_t size, void *user)
{
    (void)user;
    return mhd_h2_alloc(size);
}

static void ng_free(void *p, void *user)
{
    (void)user;
    mhd_h2_free(p);
}

static void *ng_calloc(size_t n, size_t size, void *user)
{
    (void)user;
    return mhd_h2_calloc(n, size);
}

static void *ng_realloc(void *p, size_t size, void *user)
{
    (void)user;
    return mhd_h2_realloc(p, size);
}

nghttp2_mem mhd_h2_mem = {NULL, ng_malloc, ng_free, ng_calloc, ng_realloc};
