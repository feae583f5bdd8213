/* Response objects: a body source, headers and footers, flags, and a
 * reference count.
 *
 * A response is created with one reference (the application's); each queue
 * on a connection takes another. It may be queued on many connections in
 * many threads at once; its headers must not change while it is queued
 * (footers may, from its own content reader). The serialised form of the
 * application's headers is built once, on first use, and reused by every
 * request that sends the response. */
#ifndef MHD_RESPONSE_RESPONSE_H
#define MHD_RESPONSE_RESPONSE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "microhttpd.h"
#include "util/alloc.h"

enum mhd_body_kind {
    BODY_BUFFER,   /* `size` bytes at `data` */
    BODY_IOVEC,    /* iov[0 .. iov_count) */
    BODY_CALLBACK, /* content reader */
    BODY_FD,       /* regular file from an offset */
    BODY_PIPE,     /* read until end of file */
    BODY_UPGRADE   /* 101 hand-over, no body */
};

/* A header or footer: name and value follow the struct in one allocation. */
struct mhd_rheader {
    struct mhd_rheader *next;
    enum MHD_ValueKind kind; /* MHD_HEADER_KIND or MHD_FOOTER_KIND */
    char *name;
    size_t name_len;
    char *value;
    size_t value_len;
};

/* What a whole HTTP/1.1 reply head depends on besides the cached headers
 * and the Date: equal keys give equal heads. */
struct mhd_head_key {
    uint64_t size;
    unsigned int status;
    unsigned int flags;  /* the response's MHD_ResponseFlags */
    unsigned char token; /* automatic Connection token: 0 none, 1 close, 2 Keep-Alive */
    unsigned char icy;   /* "ICY" status line */
    unsigned char chunked;
    unsigned char date; /* automatic Date header */
};

/* A whole reply head as built once, Date included (its 29 bytes at
 * date_off are overwritten per request). */
struct mhd_head_tpl {
    struct mhd_head_key key;
    size_t date_off;
    size_t len;
    char bytes[];
};

/* The application's headers serialised ("Name: value\r\n" each), without
 * the Connection entry, which is merged per request. A response sent a
 * second time with these headers also keeps the whole head of that reply
 * (tpl, set once, freed with the cache), which later replies with the same
 * key copy instead of building theirs. */
struct mhd_head_cache {
    struct mhd_head_cache *retired_next;
    atomic_bool used;                   /* a head was built from it */
    _Atomic(struct mhd_head_tpl *) tpl; /* the kept head, once set */
    size_t len;
    char bytes[];
};

#define MHD_RESPONSE_ROOM 128u

struct MHD_Response {
    atomic_uint refs;
    pthread_mutex_t lock; /* header edits, cache building, reader calls */
    enum MHD_ResponseFlags flags;

    struct mhd_rheader *headers; /* insertion order */
    struct mhd_rheader **tail;
    struct mhd_rheader *conn_header; /* merged Connection entry, if any */
    bool conn_close;                 /* its token list has "close" */
    bool conn_upgrade;               /* its token list has "upgrade" */
    bool force_chunked;              /* app set Transfer-Encoding: chunked */
    bool app_date;
    bool app_content_length;
    bool has_footers;

    _Atomic(struct mhd_head_cache *) cache;
    struct mhd_head_cache *retired; /* old caches, freed with the response */

    enum mhd_body_kind kind;
    uint64_t size; /* MHD_SIZE_UNKNOWN when unknown */
    const char *data;
    void *owned; /* the application's buffer, freed with free() at the end (MUST_FREE) */
    void *copy;  /* our copy of the body (MUST_COPY), freed with mhd_free() */
    struct iovec *iov;
    unsigned int iov_count;
    MHD_ContentReaderCallback crc;
    void *crc_cls;
    size_t block_size;
    MHD_ContentReaderFreeCallback crfc;
    void *crfc_cls;
    int fd;
    uint64_t fd_offset;
    bool pipe_used;
    MHD_UpgradeHandler upgrade_handler;
    void *upgrade_cls;

    /* Room for the first header entries (struct mhd_rheader and its
     * strings, headers.c), so that a response with a field or two is one
     * allocation instead of one more per field; entries that do not fit
     * are allocated apart. Space freed here is not reused. */
    size_t room_used;
    uint64_t room[MHD_RESPONSE_ROOM / 8];
};

/* Frees a header entry of `r` (nothing when it lies in r->room). */
static inline void mhd_rheader_free(struct MHD_Response *r, struct mhd_rheader *h)
{
    uintptr_t p = (uintptr_t)h, room = (uintptr_t)r->room;
    if (p < room || p >= room + sizeof(r->room))
        mhd_free(h);
}

/* Creates a response of `kind` with body size `size`; NULL when out of
 * memory. */
struct MHD_Response *mhd_response_new(enum mhd_body_kind kind, uint64_t size);

/* Takes one more reference. */
void mhd_response_ref(struct MHD_Response *r);

/* Drops a reference; the last one frees the response. */
void mhd_response_unref(struct MHD_Response *r);

/* The serialised application headers (see struct mhd_head_cache), built on
 * first use (by the _build function, under the lock); NULL when out of
 * memory. Valid while the caller holds a reference. */
struct mhd_head_cache *mhd_response_head_cache_build(struct MHD_Response *r);

static inline struct mhd_head_cache *mhd_response_head_cache(struct MHD_Response *r)
{
    struct mhd_head_cache *c = atomic_load_explicit(&r->cache, memory_order_acquire);
    return c != NULL ? c : mhd_response_head_cache_build(r);
}

/* Reads up to `max` bytes of a pulled body (content reader, pipe, file) at
 * body offset `pos` into dst: their count, 0 when the source has nothing
 * yet, MHD_CONTENT_READER_END_OF_STREAM or MHD_CONTENT_READER_END_WITH_ERROR.
 * Both protocols pull bodies through this. */
ssize_t mhd_response_pull(struct MHD_Response *r, uint64_t pos, char *dst, size_t max);

/* Retires the serialised headers after a change (lock held). */
void mhd_response_invalidate_cache(struct MHD_Response *r);

#endif
