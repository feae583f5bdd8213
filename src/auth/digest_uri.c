/* Does the client's "uri" parameter name the request being authorised?
 *
 * The client hashes the request-target it sent, so a valid response for
 * one URI must not authorise another. The parameter is compared after
 * decoding, like the request itself: the path after %-decoding, and the
 * query as a multiset of (key, value) pairs decoded the way the connection
 * decodes arguments ('+' to space, then %XX). Order of arguments does not
 * matter; their number and values do. Both sides are sorted, so hostile
 * inputs with thousands of arguments cost O(n log n), not O(n^2). */
#include "auth/auth_internal.h"

#include <stdlib.h>

struct arg {
    const char *key;
    size_t key_len;
    const char *value; /* NULL: no '=' */
    size_t value_len;
};

/* %-decodes in place; an invalid escape is kept literally, as the lenient
 * request decoder does. '+' becomes a space when `plus` is set. Returns the
 * new length. */
static size_t decode_in_place(char *s, size_t len, bool plus)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%' && len - i >= 3) {
            int hi = mhd_auth_hex_digit(s[i + 1]), lo = mhd_auth_hex_digit(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                s[o++] = (char)((hi << 4) | lo);
                i += 2;
                continue;
            }
        }
        s[o++] = (plus && c == '+') ? ' ' : c;
    }
    return o;
}

/* Skips "scheme://authority" of an absolute URI; returns the offset of the
 * path (or of the end). */
static size_t skip_scheme_authority(const char *u, size_t len)
{
    size_t i = 0;
    if (len == 0 || !((u[0] >= 'a' && u[0] <= 'z') || (u[0] >= 'A' && u[0] <= 'Z')))
        return 0;
    while (i < len && ((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= 'A' && u[i] <= 'Z') ||
                       (u[i] >= '0' && u[i] <= '9') || u[i] == '+' || u[i] == '-' || u[i] == '.'))
        i++;
    if (len - i < 3 || memcmp(u + i, "://", 3) != 0)
        return 0;
    i += 3;
    while (i < len && u[i] != '/' && u[i] != '?')
        i++;
    return i;
}

static int cmp_span(const char *a, size_t al, const char *b, size_t bl)
{
    int r = memcmp(a, b, al < bl ? al : bl);
    if (r != 0)
        return r;
    return (al > bl) - (al < bl);
}

static int cmp_arg(const void *pa, const void *pb)
{
    const struct arg *a = pa, *b = pb;
    int r = cmp_span(a->key, a->key_len, b->key, b->key_len);
    if (r != 0)
        return r;
    if ((a->value == NULL) != (b->value == NULL))
        return a->value == NULL ? -1 : 1;
    if (a->value == NULL)
        return 0;
    return cmp_span(a->value, a->value_len, b->value, b->value_len);
}

/* An empty segment ("&&") carries nothing; both sides drop it so that they
 * agree whatever the connection's parser makes of it. */
static bool is_empty_arg(const struct arg *a)
{
    return a->key_len == 0 && a->value == NULL;
}

/* Splits and decodes the query in place into `out` (room for one entry
 * per '&' plus one); returns the count. */
static size_t split_query(char *q, size_t len, struct arg *out)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && q[i] != '&')
            continue;
        char *seg = q + start;
        size_t seg_len = i - start;
        start = i + 1;
        char *eq = memchr(seg, '=', seg_len);
        struct arg a = {seg, seg_len, NULL, 0};
        if (eq != NULL) {
            a.key_len = (size_t)(eq - seg);
            a.value = eq + 1;
            a.value_len = decode_in_place(eq + 1, seg_len - a.key_len - 1, true);
        }
        a.key_len = decode_in_place(seg, a.key_len, true);
        if (!is_empty_arg(&a))
            out[n++] = a;
    }
    return n;
}

struct collect {
    struct arg *args;
    size_t cap;
    size_t n;
};

static void collect_arg(void *ctx, const char *key, size_t key_len, const char *value,
                        size_t value_len)
{
    struct collect *c = ctx;
    struct arg a = {key, key_len, value, value_len};
    if (is_empty_arg(&a))
        return;
    if (c->args != NULL && c->n < c->cap)
        c->args[c->n] = a;
    c->n++;
}

/* Compares the request's arguments with the client's `n` sorted ones. */
static bool args_match(const struct mhd_auth_request *req, struct arg *theirs, size_t n, bool *oom)
{
    struct collect c = {NULL, 0, 0};
    if (req->walk_args != NULL)
        req->walk_args(req->args_cls, collect_arg, &c);
    if (c.n != n)
        return false;
    if (n == 0)
        return true;
    c.args = mhd_calloc(n, sizeof(*c.args));
    if (c.args == NULL) {
        *oom = true;
        return false;
    }
    c.cap = n;
    c.n = 0;
    req->walk_args(req->args_cls, collect_arg, &c);
    bool same = c.n == n;
    if (same) {
        qsort(c.args, n, sizeof(*c.args), cmp_arg);
        qsort(theirs, n, sizeof(*theirs), cmp_arg);
        for (size_t i = 0; same && i < n; i++)
            same = cmp_arg(&c.args[i], &theirs[i]) == 0;
    }
    mhd_free(c.args);
    return same;
}

bool mhd_digest_uri_matches(const struct mhd_auth_request *req, const char *uri, size_t len,
                            bool *oom)
{
    size_t p = skip_scheme_authority(uri, len);
    const char *q = memchr(uri + p, '?', len - p);
    size_t path_len = (q != NULL ? (size_t)(q - uri) : len) - p;
    size_t query_len = q != NULL ? len - (size_t)(q - uri) - 1 : 0;
    size_t max_args = 1;
    for (size_t i = 0; i < query_len; i++)
        max_args += q[1 + i] == '&';

    char *copy = mhd_alloc(len + 1);
    struct arg *args = mhd_calloc(max_args, sizeof(*args));
    if (copy == NULL || args == NULL) {
        mhd_free(copy);
        mhd_free(args);
        *oom = true;
        return false;
    }
    memcpy(copy, uri, len);
    char *path = copy + p;
    size_t plen = decode_in_place(path, path_len, false);
    bool same;
    if (plen == 0 && p != 0) /* "http://host" names the root */
        same = req->path_len == 1 && req->path[0] == '/';
    else
        same = plen == req->path_len && (plen == 0 || memcmp(path, req->path, plen) == 0);
    if (same) {
        size_t n = q != NULL ? split_query(path + path_len + 1, query_len, args) : 0;
        same = args_match(req, args, n, oom);
    }
    mhd_free(args);
    mhd_free(copy);
    return same;
}
