/* Test harness for the POST processor: feeds a body in every way it can be
 * cut and compares the fields the iterator saw with the expected ones.
 *
 * The iterator reassembles each value from its pieces and records protocol
 * violations as it goes: a piece larger than the buffer, an `off` that does
 * not continue the value, a size-0 piece that is not a whole empty value, a
 * call after the iterator answered MHD_NO, a urlencoded piece without its
 * NUL. Every piece fed to MHD_post_process ends flush against an
 * inaccessible page, so reading past it faults. */
#ifndef MHD_TEST_POST_HARNESS_H
#define MHD_TEST_POST_HARNESS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guard.h"
#include "microhttpd.h"
#include "post/post.h"

#ifdef POST_TEST_STANDALONE
/* Built without the connection module (see the commands in the report):
 * the public constructor is only exercised on its panic paths here. */
const char *MHD_lookup_connection_value(struct MHD_Connection *connection, enum MHD_ValueKind kind,
                                        const char *key)
{
    (void)connection;
    (void)kind;
    (void)key;
    return NULL;
}
#endif

/* ---- growable byte strings ------------------------------------------- */

struct bytes {
    char *p;
    size_t len, cap;
};

static void bytes_add(struct bytes *b, const void *src, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (b->p == NULL)
            abort();
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, src, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void bytes_str(struct bytes *b, const char *s)
{
    bytes_add(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void bytes_fmt(struct bytes *b, const char *fmt, ...)
{
    char tmp[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(tmp))
        abort();
    bytes_add(b, tmp, (size_t)n);
}

static void bytes_free(struct bytes *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* ---- the recording iterator ------------------------------------------ */

struct rec {
    char *key, *filename, *ctype, *tenc;
    struct bytes val;
    bool empty_piece; /* got a size-0 piece: the value must stay empty */
};

struct recorder {
    struct rec *recs;
    size_t n, cap;
    size_t buffer_size;
    bool want_nul;         /* urlencoded: data[size] must be NUL */
    unsigned long calls;   /* iterator calls */
    unsigned long stop_at; /* answer MHD_NO to this call (0: never) */
    bool stopped;
    unsigned long violations;
    char violation[256]; /* the first one */
};

static char *dup_or_null(const char *s)
{
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        abort();
    return d;
}

static bool str_same(const char *a, const char *b)
{
    return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

__attribute__((format(printf, 2, 3))) static void violate(struct recorder *r, const char *fmt, ...)
{
    if (r->violations++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->violation, sizeof(r->violation), fmt, ap);
        va_end(ap);
    }
}

static void recorder_reset(struct recorder *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->recs[i].key);
        free(r->recs[i].filename);
        free(r->recs[i].ctype);
        free(r->recs[i].tenc);
        bytes_free(&r->recs[i].val);
    }
    free(r->recs);
    size_t bs = r->buffer_size;
    bool nul = r->want_nul;
    unsigned long stop = r->stop_at;
    memset(r, 0, sizeof(*r));
    r->buffer_size = bs;
    r->want_nul = nul;
    r->stop_at = stop;
}

static struct rec *recorder_new(struct recorder *r, const char *key, const char *filename,
                                const char *ctype, const char *tenc)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 8;
        r->recs = realloc(r->recs, r->cap * sizeof(*r->recs));
        if (r->recs == NULL)
            abort();
    }
    struct rec *x = &r->recs[r->n++];
    memset(x, 0, sizeof(*x));
    x->key = dup_or_null(key);
    x->filename = dup_or_null(filename);
    x->ctype = dup_or_null(ctype);
    x->tenc = dup_or_null(tenc);
    return x;
}

static enum MHD_Result rec_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *filename, const char *ctype, const char *tenc,
                                const char *data, uint64_t off, size_t size)
{
    struct recorder *r = cls;
    r->calls++;
    if (r->stopped)
        violate(r, "call %lu after the iterator said MHD_NO", r->calls);
    if (kind != MHD_POSTDATA_KIND)
        violate(r, "kind %d", (int)kind);
    if (key == NULL) {
        violate(r, "NULL key");
        key = "(null)";
    }
    if (size > r->buffer_size)
        violate(r, "piece of %zu bytes > buffer %zu", size, r->buffer_size);
    if (data == NULL && size > 0)
        violate(r, "NULL data with size %zu", size);
    if (r->want_nul && data != NULL && data[size] != '\0')
        violate(r, "piece not followed by NUL");
    struct rec *last = r->n ? &r->recs[r->n - 1] : NULL;
    if (off == 0) {
        last = recorder_new(r, key, filename, ctype, tenc);
    } else if (last == NULL || !str_same(last->key, key) || !str_same(last->filename, filename) ||
               !str_same(last->ctype, ctype) || !str_same(last->tenc, tenc) ||
               last->val.len != off || last->empty_piece) {
        violate(r, "key \"%s\" off %llu does not continue the previous value", key,
                (unsigned long long)off);
        return MHD_YES;
    }
    if (size == 0) {
        if (off != 0)
            violate(r, "size-0 piece at off %llu", (unsigned long long)off);
        last->empty_piece = true;
    }
    bytes_add(&last->val, data, size);
    if (r->stop_at != 0 && r->calls == r->stop_at) {
        r->stopped = true;
        return MHD_NO;
    }
    return MHD_YES;
}

/* ---- cases and expectations ------------------------------------------ */

/* An expected field; `len` SIZE_MAX means strlen(val). */
struct exp_field {
    const char *key, *filename, *ctype, *tenc;
    const char *val;
    size_t len;
};

#define F(k, v)                                                                                    \
    {                                                                                              \
        (k), NULL, NULL, NULL, (v), SIZE_MAX                                                       \
    }
#define FN(k, v, n)                                                                                \
    {                                                                                              \
        (k), NULL, NULL, NULL, (v), (n)                                                            \
    }
#define FF(k, file, ct, te, v)                                                                     \
    {                                                                                              \
        (k), (file), (ct), (te), (v), SIZE_MAX                                                     \
    }

enum outcome {
    OUT_OK,           /* every call MHD_YES, destroy MHD_YES, fields exactly as expected */
    OUT_FAIL_PROCESS, /* some MHD_post_process call answers MHD_NO */
    OUT_FAIL_DESTROY  /* every call MHD_YES, but destroy answers MHD_NO */
};

struct post_case {
    const char *name;
    const char *ctype;
    const char *body;
    size_t body_len; /* 0: strlen(body) */
    size_t buffer_size;
    const struct exp_field *fields;
    size_t nfields;
    enum outcome outcome;
    size_t min_fields; /* failing cases: leading fields that must arrive whole */
};

static size_t exp_len(const struct exp_field *f)
{
    return f->len == SIZE_MAX ? strlen(f->val) : f->len;
}

/* The result of feeding one body, cut one way. */
struct run {
    struct recorder rec;
    bool created;
    int first_no;                 /* index of the first call answering MHD_NO, or -1 */
    int yes_after_no;             /* calls answering MHD_YES after a MHD_NO */
    unsigned long calls_after_no; /* iterator calls made by calls after a MHD_NO */
    unsigned long calls_before_destroy;
    enum MHD_Result destroyed;
};

/* Feeds `len` bytes of `body` cut before each of the `ncuts` ascending
 * positions in `cuts`. */
static void run_cut(const struct post_case *c, const char *body, size_t len, const size_t *cuts,
                    size_t ncuts, struct run *out)
{
    out->rec.buffer_size = c->buffer_size;
    out->first_no = -1;
    out->yes_after_no = 0;
    out->calls_after_no = 0;
    struct MHD_PostProcessor *pp =
        mhd_post_create(c->ctype, strlen(c->ctype), c->buffer_size, rec_iter, &out->rec);
    out->created = pp != NULL;
    if (pp == NULL)
        return;
    size_t prev = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : len;
        struct guard_buf g;
        char *piece = guard_copy(&g, body + prev, end - prev);
        unsigned long before = out->rec.calls;
        enum MHD_Result res = MHD_post_process(pp, piece, end - prev);
        guard_free(&g);
        if (out->first_no >= 0) {
            out->calls_after_no += out->rec.calls - before;
            if (res == MHD_YES && end > prev)
                out->yes_after_no++;
        } else if (res == MHD_NO) {
            out->first_no = (int)i;
        }
        prev = end;
    }
    out->calls_before_destroy = out->rec.calls;
    out->destroyed = MHD_destroy_post_processor(pp);
}

static void describe_cuts(char *dst, size_t cap, const size_t *cuts, size_t ncuts)
{
    size_t used = (size_t)snprintf(dst, cap, "cuts[%zu]:", ncuts);
    for (size_t i = 0; i < ncuts && i < 12 && used < cap; i++)
        used += (size_t)snprintf(dst + used, cap - used, " %zu", cuts[i]);
    if (ncuts > 12 && used < cap)
        snprintf(dst + used, cap - used, " ...");
}

/* Compares record `x` with expected field `f`; `prefix_ok` accepts a value
 * that is a prefix of the expected one. */
static bool rec_matches(const struct rec *x, const struct exp_field *f, bool prefix_ok)
{
    size_t want = exp_len(f);
    if (!str_same(x->key, f->key) || !str_same(x->filename, f->filename) ||
        !str_same(x->ctype, f->ctype) || !str_same(x->tenc, f->tenc))
        return false;
    if (prefix_ok ? x->val.len > want : x->val.len != want)
        return false;
    return x->val.len == 0 || memcmp(x->val.p, f->val, x->val.len) == 0;
}

/* Returns NULL when the run meets the case's expectations, else why not. */
static const char *judge(const struct post_case *c, const struct run *r)
{
    static char why[512];
    if (!r->created)
        return "mhd_post_create returned NULL";
    if (r->rec.violations) {
        snprintf(why, sizeof(why), "iterator protocol: %s", r->rec.violation);
        return why;
    }
    if (r->yes_after_no || r->calls_after_no)
        return "processing went on after MHD_NO";
    bool failed_proc = r->first_no >= 0;
    if (c->outcome == OUT_OK && (failed_proc || r->destroyed != MHD_YES)) {
        snprintf(why, sizeof(why), "expected success: first MHD_NO at call %d, destroy %d",
                 r->first_no, (int)r->destroyed);
        return why;
    }
    if (c->outcome == OUT_FAIL_PROCESS && !failed_proc)
        return "expected MHD_post_process to fail";
    if (c->outcome == OUT_FAIL_DESTROY && failed_proc)
        return "expected MHD_post_process to succeed";
    if (c->outcome != OUT_OK && r->destroyed != MHD_NO)
        return "expected MHD_destroy_post_processor to answer MHD_NO";
    bool exact = c->outcome == OUT_OK;
    size_t n = r->rec.n;
    if (exact ? n != c->nfields : (n > c->nfields || n < c->min_fields)) {
        snprintf(why, sizeof(why), "%zu fields, expected %s%zu", n, exact ? "" : "at most ",
                 c->nfields);
        return why;
    }
    for (size_t i = 0; i < n; i++) {
        bool partial_ok = !exact && i + 1 == n && i >= c->min_fields;
        if (!rec_matches(&r->rec.recs[i], &c->fields[i], partial_ok)) {
            const struct rec *x = &r->rec.recs[i];
            snprintf(why, sizeof(why),
                     "field %zu: got key \"%s\" file \"%s\" type \"%s\" enc \"%s\" value (%zu) "
                     "\"%.60s\"; want key \"%s\" value (%zu) \"%.60s\"",
                     i, x->key, x->filename ? x->filename : "(null)",
                     x->ctype ? x->ctype : "(null)", x->tenc ? x->tenc : "(null)", x->val.len,
                     x->val.p ? x->val.p : "", c->fields[i].key, exp_len(&c->fields[i]),
                     c->fields[i].val);
            return why;
        }
    }
    return NULL;
}

/* Runs one cut and records one check for it. */
static void check_cut(const struct post_case *c, const char *body, size_t len, const size_t *cuts,
                      size_t ncuts)
{
    struct run r;
    memset(&r, 0, sizeof(r));
    run_cut(c, body, len, cuts, ncuts, &r);
    const char *why = judge(c, &r);
    if (why != NULL) {
        char desc[160];
        describe_cuts(desc, sizeof(desc), cuts, ncuts);
        CHECK_MSG(false, "case \"%s\", %s: %s", c->name, desc, why);
    } else {
        CHECK(true);
    }
    recorder_reset(&r.rec);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Every way the harness cuts a body: whole; one byte at a time; two pieces
 * at every position (including empty pieces at either end); `random_runs`
 * random cuttings (fixed seed, 1 to 16 cuts, some adjacent). */
static void check_case_splits(const struct post_case *c, unsigned random_runs)
{
    size_t len = c->body_len ? c->body_len : strlen(c->body);
    const char *body = c->body;
    size_t *cuts = malloc((len + 17) * sizeof(*cuts));
    if (cuts == NULL)
        abort();
    check_cut(c, body, len, NULL, 0);
    for (size_t i = 0; i + 1 < len; i++)
        cuts[i] = i + 1;
    check_cut(c, body, len, cuts, len > 0 ? len - 1 : 0);
    for (size_t at = 0; at <= len; at++)
        check_cut(c, body, len, &at, 1);
    rng_state = 0x9e3779b97f4a7c15ull;
    for (unsigned k = 0; k < random_runs && len > 0; k++) {
        size_t n = 1 + (size_t)(rng_next() % 16);
        for (size_t i = 0; i < n; i++)
            cuts[i] = (size_t)(rng_next() % (len + 1));
        qsort(cuts, n, sizeof(*cuts), cmp_size);
        check_cut(c, body, len, cuts, n);
    }
    free(cuts);
}

/* Feeds the body whole with an iterator that answers MHD_NO to each of its
 * calls in turn: processing must stop there, with no further calls. */
static void check_case_abort(const struct post_case *c)
{
    size_t len = c->body_len ? c->body_len : strlen(c->body);
    struct run full;
    memset(&full, 0, sizeof(full));
    run_cut(c, c->body, len, NULL, 0, &full);
    unsigned long total = full.rec.calls;
    recorder_reset(&full.rec);
    for (unsigned long stop = 1; stop <= total; stop++) {
        struct run r;
        memset(&r, 0, sizeof(r));
        r.rec.stop_at = stop;
        size_t half = len / 2;
        run_cut(c, c->body, len, &half, 1, &r);
        CHECK_MSG(r.rec.violations == 0 && r.rec.calls == stop && r.destroyed == MHD_NO &&
                      (r.first_no >= 0 || r.calls_before_destroy < stop),
                  "case \"%s\": stop at call %lu: calls %lu, violations %lu (%s), first NO %d, "
                  "destroy %d",
                  c->name, stop, r.rec.calls, r.rec.violations, r.rec.violation, r.first_no,
                  (int)r.destroyed);
        recorder_reset(&r.rec);
    }
}

/* ---- timing ----------------------------------------------------------- */

#include <time.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Size of the large streaming tests in MiB (POST_BIG_MIB overrides, e.g. a
 * smaller value under valgrind or 1024 for a throughput run). */
static size_t big_mib(size_t dflt)
{
    const char *e = getenv("POST_BIG_MIB");
    if (e == NULL || *e == '\0')
        return dflt;
    char *end;
    unsigned long v = strtoul(e, &end, 10);
    return (*end == '\0' && v > 0) ? (size_t)v : dflt;
}

#endif
