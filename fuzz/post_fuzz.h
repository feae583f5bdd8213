/* The part the two POST processor targets share: an iterator that checks
 * the calling protocol of microhttpd.h and condenses the fields it sees
 * into a hash, and a driver that feeds one body to a processor in pieces.
 *
 * Each body is fed three times: all at once, in pieces chosen by the
 * input, and in pieces with an iterator that answers MHD_NO at a chosen
 * call. The first two must agree: the same success and, on success, the
 * same fields with the same values, however the body was cut. The third
 * must stop at once: no iterator call after MHD_NO, MHD_NO from every later
 * MHD_post_process() with data, and MHD_NO from the destructor. */
#ifndef MHD_FUZZ_POST_FUZZ_H
#define MHD_FUZZ_POST_FUZZ_H

#include "fuzz.h"

#include "microhttpd.h"
#include "post/post.h"

/* Buffer sizes a processor is created with: the minimum, small sizes that
 * are hard on long names and boundaries, and a roomy one. */
static const size_t post_buffer_sizes[8] = {256, 257, 300, 384, 512, 1000, 4096, 65536};

struct post_seen {
    size_t buffer_size;
    bool want_nul;         /* urlencoded pieces are followed by a NUL */
    unsigned long calls;   /* iterator calls */
    unsigned long stop_at; /* answer MHD_NO to this call (0: never) */
    bool stopped;
    unsigned long fields;
    uint64_t hash; /* every field's names and value, in order */
    uint64_t off;  /* bytes of the current value so far */
    uint64_t meta; /* hash of the current field's names, to check pieces */
    bool have_field;
    bool empty_field; /* the current field came as one empty piece */
};

static uint64_t post_meta(const char *key, const char *filename, const char *ctype,
                          const char *tenc)
{
    uint64_t h = FUZZ_HASH_INIT;
    const char *parts[4] = {key, filename, ctype, tenc};
    for (int i = 0; i < 4; i++) {
        /* NULL and "" must differ: a part with no filename is not a file
         * with an empty name. */
        h = fuzz_hash(h, parts[i] ? "\1" : "\0", 1);
        if (parts[i] != NULL)
            h = fuzz_hash(h, parts[i], strlen(parts[i]) + 1);
    }
    return h;
}

static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *filename, const char *ctype, const char *tenc,
                                 const char *data, uint64_t off, size_t size)
{
    struct post_seen *s = cls;
    s->calls++;
    FUZZ_CHECK(!s->stopped);
    FUZZ_CHECK(kind == MHD_POSTDATA_KIND);
    FUZZ_CHECK(key != NULL);
    FUZZ_CHECK(size <= s->buffer_size);
    FUZZ_CHECK(data != NULL || size == 0);
    if (s->want_nul && data != NULL)
        FUZZ_CHECK(data[size] == '\0');
    uint64_t meta = post_meta(key, filename, ctype, tenc);
    if (off == 0) {
        s->fields++;
        s->have_field = true;
        s->meta = meta;
        s->off = 0;
        s->empty_field = size == 0;
        s->hash = fuzz_hash(s->hash, &meta, sizeof(meta));
    } else {
        /* A later piece continues the value it belongs to, exactly. */
        FUZZ_CHECK(s->have_field && meta == s->meta && off == s->off && !s->empty_field);
        FUZZ_CHECK(size > 0);
    }
    if (size > 0) {
        /* Read every byte, so that a piece pointing outside live memory is
         * caught here rather than in the application. */
        s->hash = fuzz_hash(s->hash, data, size);
    }
    s->off += size;
    if (s->stop_at != 0 && s->calls == s->stop_at) {
        s->stopped = true;
        return MHD_NO;
    }
    return MHD_YES;
}

/* What one feeding produced. */
struct post_run {
    bool created;
    bool process_failed; /* some MHD_post_process() answered MHD_NO */
    enum MHD_Result destroyed;
    unsigned long fields;
    uint64_t hash;
};

/* Feeds body[0..len) to a processor for `ctype`, cut by the cutter `mode`
 * (0: all at once), each piece in an exact-size copy. */
static void post_feed(const char *ctype, size_t ctype_len, size_t buffer_size, bool want_nul,
                      const uint8_t *body, size_t len, unsigned int mode, unsigned long stop_at,
                      struct post_run *out)
{
    struct post_seen s = {.buffer_size = buffer_size,
                          .want_nul = want_nul,
                          .stop_at = stop_at,
                          .hash = FUZZ_HASH_INIT};
    memset(out, 0, sizeof(*out));
    /* The Content-Type is only borrowed for the call: an exact copy shows
     * any read past its end, and freeing it right after shows any later
     * use. */
    char *ct = fuzz_dup(ctype, ctype_len, 0);
    struct MHD_PostProcessor *pp = mhd_post_create(ct, ctype_len, buffer_size, post_iter, &s);
    free(ct);
    if (pp == NULL)
        return;
    out->created = true;
    struct fuzz_cutter cut;
    fuzz_cutter_init(&cut, mode);
    /* Bodies of a few hundred bytes may go byte by byte, with empty
     * pieces between; longer ones in at most about 256 pieces, so that
     * one input stays cheap. */
    size_t floor = len / 256;
    size_t pos = 0;
    bool first = true;
    while (pos < len || first) {
        first = false;
        size_t n = fuzz_cutter_next(&cut, len - pos);
        if (n < floor)
            n = floor < len - pos ? floor : len - pos;
        char *piece = fuzz_dup(body + pos, n, 0);
        unsigned long before = s.calls;
        bool stopped_before = s.stopped;
        enum MHD_Result r = MHD_post_process(pp, piece, n);
        free(piece);
        if (out->process_failed || stopped_before) {
            /* After a refusal nothing more reaches the application and
             * every further piece of data is refused too. */
            FUZZ_CHECK(s.calls == before);
            FUZZ_CHECK(r == MHD_NO || n == 0);
        }
        if (s.stopped && !stopped_before)
            FUZZ_CHECK(r == MHD_NO);
        if (r == MHD_NO)
            out->process_failed = true;
        pos += n;
    }
    out->destroyed = MHD_destroy_post_processor(pp);
    if (s.stopped || out->process_failed)
        FUZZ_CHECK(out->destroyed == MHD_NO);
    out->fields = s.fields;
    out->hash = s.hash;
}

/* True when the processor took the whole body: every MHD_post_process()
 * and the destructor said MHD_YES. */
static bool post_run_ok(const struct post_run *r)
{
    return r->created && !r->process_failed && r->destroyed == MHD_YES;
}

/* Condenses one field as post_iter() does, for reference decoders. */
static uint64_t post_hash_field(uint64_t h, const char *key, const char *filename,
                                const char *ctype, const char *value, size_t value_len)
{
    uint64_t meta = post_meta(key, filename, ctype, NULL);
    h = fuzz_hash(h, &meta, sizeof(meta));
    return fuzz_hash(h, value, value_len);
}

/* The three feedings described at the top of this file; the whole
 * feeding's outcome goes to *whole. Returns false, having fed nothing,
 * when no processor could be created for `ctype`. */
static bool post_check_body(const char *ctype, size_t ctype_len, size_t buffer_size, bool want_nul,
                            const uint8_t *body, size_t len, unsigned int mode,
                            unsigned long stop_at, struct post_run *whole_out)
{
    struct post_run whole, pieces, stopped;
    post_feed(ctype, ctype_len, buffer_size, want_nul, body, len, 0, 0, &whole);
    *whole_out = whole;
    if (!whole.created)
        return false;
    post_feed(ctype, ctype_len, buffer_size, want_nul, body, len, mode, 0, &pieces);
    FUZZ_CHECK(pieces.created);
    bool whole_ok = post_run_ok(&whole);
    FUZZ_CHECK(whole_ok == post_run_ok(&pieces));
    if (whole_ok)
        FUZZ_CHECK(whole.fields == pieces.fields && whole.hash == pieces.hash);
    if (stop_at != 0)
        post_feed(ctype, ctype_len, buffer_size, want_nul, body, len, mode, stop_at, &stopped);
    return true;
}

#endif
