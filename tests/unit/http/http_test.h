/* Helpers shared by the tests of src/http: inputs placed flush against an
 * inaccessible page, verdict strings per discipline level, and a field
 * recorder. */
#ifndef MHD_TEST_HTTP_TEST_H
#define MHD_TEST_HTTP_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guard.h"
#include "http/http.h"

/* The levels every verdict string lists, in this order. */
static const int ht_levels[6] = {2, 1, 0, -1, -2, -3};

/* One letter per result, so a table row says "bbbooo" for "400 at levels
 * 2, 1 and 0, accepted below". */
static inline char ht_letter(enum mhd_http_result r)
{
    switch (r) {
    case HTTP_PARSE_OK:
        return 'o';
    case HTTP_PARSE_NEED_MORE:
        return '.';
    case HTTP_PARSE_BAD:
        return 'b';
    case HTTP_PARSE_URI_TOO_LONG:
        return 'u';
    case HTTP_PARSE_HEAD_TOO_LARGE:
        return 'h';
    case HTTP_PARSE_BODY_TOO_LARGE:
        return 'l';
    case HTTP_PARSE_NOT_IMPLEMENTED:
        return 'n';
    case HTTP_PARSE_BAD_VERSION:
        return 'v';
    case HTTP_PARSE_CLOSE:
        return 'c';
    case HTTP_PARSE_NO_MEMORY:
        return 'm';
    }
    return '?';
}

/* The expected letter of `want` at level index i. */
static inline char ht_want(const char *want, int i)
{
    return want[i];
}

/* ---- guarded buffers ----------------------------------------------------- */

#define HT_GUARD_CAP (256u * 1024u)

static char *ht_guard_end;

/* Places `len` bytes so that the last one is the last accessible byte of a
 * mapping followed by a PROT_NONE page. The same mapping is reused, so the
 * result is valid until the next call. */
static inline char *ht_place(const void *data, size_t len)
{
    if (ht_guard_end == NULL) {
        static struct guard_buf g;
        char *zero = calloc(1, HT_GUARD_CAP);
        if (zero == NULL)
            abort();
        ht_guard_end = guard_copy(&g, zero, HT_GUARD_CAP) + HT_GUARD_CAP;
        free(zero);
    }
    if (len > HT_GUARD_CAP)
        abort();
    char *p = ht_guard_end - len;
    if (len)
        memmove(p, data, len);
    return p;
}

/* ---- recording fields ---------------------------------------------------- */

/* Collects "name: value\n" for every reported field; fails the callback on
 * field number `fail_at` (counting from 1) when that is not 0. */
struct ht_rec {
    char text[65536];
    size_t len;
    unsigned int n;
    unsigned int fail_at;
};

static inline void ht_rec_append(struct ht_rec *r, const char *s, size_t n)
{
    if (r->len + n >= sizeof(r->text))
        n = sizeof(r->text) - 1 - r->len;
    memcpy(r->text + r->len, s, n);
    r->len += n;
    r->text[r->len] = '\0';
}

static inline bool ht_rec_field(void *ctx, char *name, size_t name_len, char *value,
                                size_t value_len)
{
    struct ht_rec *r = ctx;
    CHECK_MSG(name[name_len] == '\0' && value[value_len] == '\0', "field not 0-terminated");
    r->n++;
    if (r->fail_at != 0 && r->n == r->fail_at)
        return false;
    ht_rec_append(r, name, name_len);
    ht_rec_append(r, ": ", 2);
    ht_rec_append(r, value, value_len);
    ht_rec_append(r, "\n", 1);
    return true;
}

static inline void ht_rec_init(struct ht_rec *r)
{
    memset(r, 0, sizeof(*r));
}

/* ---- the head scanner at every split point ------------------------------ */

/* Scans `in` fed in the pieces listed in cuts (ascending prefix lengths),
 * each prefix placed flush against the guard page. */
static inline enum mhd_http_result ht_scan_in_pieces(const char *in, int level, const size_t *cuts,
                                                     size_t ncuts, struct mhd_http_scan *s)
{
    mhd_http_scan_init(s);
    enum mhd_http_result r = HTTP_PARSE_NEED_MORE;
    for (size_t i = 0; i < ncuts && r == HTTP_PARSE_NEED_MORE; i++) {
        char *buf = ht_place(in, cuts[i]);
        r = mhd_http_scan_head(s, buf, cuts[i], level);
    }
    return r;
}

static inline bool ht_same_scan(const struct mhd_http_scan *a, const struct mhd_http_scan *b)
{
    return a->start == b->start && a->line_end == b->line_end && a->head_end == b->head_end &&
           a->leading_empty == b->leading_empty;
}

/* The scanner must give the same verdict and offsets however the head is
 * split, and NEED_MORE for every proper prefix of a head it accepts. */
static inline void ht_check_scan_splits(int line, const char *in, size_t len, int level,
                                        enum mhd_http_result want, const struct mhd_http_scan *ref)
{
    struct mhd_http_scan s;
    size_t cuts[2];
    for (size_t k = 0; k < len; k++) {
        cuts[0] = k;
        enum mhd_http_result r = ht_scan_in_pieces(in, level, cuts, 1, &s);
        if (r != HTTP_PARSE_NEED_MORE && (want == HTTP_PARSE_OK || r != want))
            CHECK_MSG(0, "line %d level %d: prefix %zu gave %c", line, level, k, ht_letter(r));
    }
    for (size_t k = 0; k <= len; k++) {
        cuts[0] = k;
        cuts[1] = len;
        enum mhd_http_result r = ht_scan_in_pieces(in, level, cuts, 2, &s);
        if (r != want || (r == HTTP_PARSE_OK && !ht_same_scan(&s, ref)))
            CHECK_MSG(0, "line %d level %d: cut at %zu gave %c", line, level, k, ht_letter(r));
    }
    mhd_http_scan_init(&s);
    enum mhd_http_result r = HTTP_PARSE_NEED_MORE;
    for (size_t k = 1; k <= len && r == HTTP_PARSE_NEED_MORE; k++) {
        char *buf = ht_place(in, k);
        r = mhd_http_scan_head(&s, buf, k, level);
    }
    CHECK_MSG(r == want && (r != HTTP_PARSE_OK || ht_same_scan(&s, ref)),
              "line %d level %d: byte by byte gave %c", line, level, ht_letter(r));
}

#endif
