/* Field lines (RFC 9112 section 5) of a request head or a trailer section,
 * and the judgement of the fields that frame the message (section 6).
 *
 * One pass over the lines: a field is held back until the first byte of the
 * next line shows whether that line continues it (obsolete folding), then it
 * is trimmed, 0-terminated in place and reported. The fields that steer the
 * connection are recognised by their length first, so most fields cost one
 * switch on the way through. */
#include "http/http.h"

#include <string.h>

#include "http/http_internal.h"

/* What the framing fields said so far. */
struct framing {
    unsigned int hosts;
    unsigned int te_chunked; /* "chunked" codings seen */
    unsigned int te_other;   /* other codings seen */
    bool te_seen;
    bool te_last_chunked; /* the last coding seen was "chunked" */
};

struct field_parser {
    int level;
    struct mhd_http_head *h; /* NULL for trailers */
    mhd_http_field_cb cb;
    void *ctx;
    struct mhd_http_host_memo *memo; /* may be NULL */
    struct framing fr;
};

/* A field whose value may still grow by folded lines. */
struct field {
    char *name;
    size_t name_len;
    char *value;
    char *value_end; /* untrimmed */
};

/* ---- framing fields ------------------------------------------------------ */

/* Content-Length is a list of equal decimal numbers (RFC 9110 section 8.6
 * allows a recipient to accept "5, 5"); anything else, signs and inner
 * spaces included, is refused rather than guessed at. */
static bool parse_length_list(const char *v, size_t len, uint64_t *out)
{
    const char *p = v, *end = v + len;
    bool have = false;
    uint64_t first = 0;
    for (;;) {
        while (p < end && mhd_http_is_ws((unsigned char)*p))
            p++;
        const char *digits = p;
        uint64_t n = 0;
        while (p < end && mhd_http_is_digit((unsigned char)*p)) {
            unsigned int d = (unsigned int)(*p - '0');
            if (n > (UINT64_MAX - d) / 10)
                return false;
            n = n * 10 + d;
            p++;
        }
        if (p == digits || (have && n != first))
            return false;
        have = true;
        first = n;
        while (p < end && mhd_http_is_ws((unsigned char)*p))
            p++;
        if (p == end)
            break;
        if (*p != ',')
            return false;
        p++;
    }
    *out = first;
    return true;
}

static enum mhd_http_result note_content_length(struct mhd_http_head *h, const char *v, size_t len)
{
    uint64_t n;
    if (!parse_length_list(v, len, &n))
        return HTTP_PARSE_BAD;
    if (h->has_content_length && h->content_length != n)
        return HTTP_PARSE_BAD;
    h->has_content_length = true;
    h->content_length = n;
    return HTTP_PARSE_OK;
}

/* Transfer codings add up over all Transfer-Encoding fields; the verdict
 * waits for the end of the head. */
static void note_transfer_encoding(struct framing *fr, const char *v, size_t len)
{
    const char *p = v, *end = v + len;
    fr->te_seen = true;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma ? comma : end;
        const char *s = p;
        while (s < e && mhd_http_is_ws((unsigned char)*s))
            s++;
        while (e > s && mhd_http_is_ws((unsigned char)e[-1]))
            e--;
        if (e > s) {
            fr->te_last_chunked = e - s == 7 && mhd_http_eq_lower(s, "chunked", 7);
            if (fr->te_last_chunked)
                fr->te_chunked++;
            else
                fr->te_other++;
        }
        p = comma ? comma + 1 : end;
    }
}

static void note_connection(struct mhd_http_head *h, const char *v, size_t len)
{
    const char *p = v, *end = v + len;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma ? comma : end;
        const char *s = p;
        while (s < e && mhd_http_is_ws((unsigned char)*s))
            s++;
        while (e > s && mhd_http_is_ws((unsigned char)e[-1]))
            e--;
        size_t n = (size_t)(e - s);
        if (n == 5 && mhd_http_eq_lower(s, "close", 5))
            h->conn_close = true;
        else if (n == 10 && mhd_http_eq_lower(s, "keep-alive", 10))
            h->conn_keep_alive = true;
        else if (n == 7 && mhd_http_eq_lower(s, "upgrade", 7))
            h->conn_upgrade = true;
        p = comma ? comma + 1 : end;
    }
}

/* Host is required and checked for HTTP/1.1 except at level -3; for
 * HTTP/1.0 it is optional, but from level 0 up a present one must still be
 * single and valid. */
static enum mhd_http_result note_host(struct field_parser *fp, const char *v, size_t len)
{
    struct mhd_http_head *h = fp->h;
    fp->fr.hosts++;
    h->has_host = true;
    if (fp->level <= -3 || (h->version_minor == 0 && fp->level < 0))
        return HTTP_PARSE_OK;
    if (fp->fr.hosts > 1)
        return HTTP_PARSE_BAD;
    struct mhd_http_host_memo *m = fp->memo;
    if (m != NULL && len != 0 && m->len == len && memcmp(m->bytes, v, len) == 0)
        return HTTP_PARSE_OK;
    if (!mhd_http_is_valid_host(v, len))
        return HTTP_PARSE_BAD;
    if (m != NULL && len < sizeof(m->bytes) + 1) {
        memcpy(m->bytes, v, len);
        m->len = (unsigned char)len;
    }
    return HTTP_PARSE_OK;
}

static enum mhd_http_result note_field(struct field_parser *fp, const char *name, size_t name_len,
                                       const char *v, size_t len)
{
    switch (name_len) {
    case 4:
        if (mhd_http_eq_lower(name, "host", 4))
            return note_host(fp, v, len);
        break;
    case 6:
        if (mhd_http_eq_lower(name, "expect", 6) && len == 12 &&
            mhd_http_eq_lower(v, "100-continue", 12))
            fp->h->expect_continue = true;
        else if (mhd_http_eq_lower(name, "cookie", 6))
            fp->h->has_cookie = true;
        break;
    case 10:
        if (mhd_http_eq_lower(name, "connection", 10))
            note_connection(fp->h, v, len);
        break;
    case 14:
        if (mhd_http_eq_lower(name, "content-length", 14))
            return note_content_length(fp->h, v, len);
        break;
    case 17:
        if (mhd_http_eq_lower(name, "transfer-encoding", 17))
            note_transfer_encoding(&fp->fr, v, len);
        break;
    default:
        break;
    }
    return HTTP_PARSE_OK;
}

/* The verdict on the head as a whole. Chunked must be the last coding and
 * appear once; another coding before it is understood but not supported.
 * A message with both framings is a smuggling attempt or a broken proxy:
 * refused from level 0 up, below that the length is dropped and the
 * connection closed after the reply. */
static enum mhd_http_result judge_framing(struct field_parser *fp)
{
    struct mhd_http_head *h = fp->h;
    const struct framing *fr = &fp->fr;
    if (h->version_minor >= 1 && fp->level > -3 && fr->hosts == 0)
        return HTTP_PARSE_BAD;
    if (!fr->te_seen)
        return HTTP_PARSE_OK;
    if (h->version_minor == 0 || !fr->te_last_chunked || fr->te_chunked > 1)
        return HTTP_PARSE_BAD;
    if (fr->te_other > 0)
        return HTTP_PARSE_NOT_IMPLEMENTED;
    h->chunked = true;
    if (h->has_content_length) {
        if (fp->level >= 0)
            return HTTP_PARSE_BAD;
        h->has_content_length = false;
        h->content_length = 0;
        h->must_close = true;
    }
    return HTTP_PARSE_OK;
}

/* ---- field lines --------------------------------------------------------- */

/* Scans a field value from p to the end of its line. Control bytes other
 * than HTAB are refused from level 0 up; below, a stray CR becomes a space
 * (kept as is at -3), NUL becomes a space, and the rest pass. */
static enum mhd_http_result scan_value(int level, char *p, char *end, char **value_end, char **next)
{
    for (;;) {
        p += mhd_http_find_ctl(p, end) - p;
        if (p >= end)
            return HTTP_PARSE_BAD;
        unsigned char c = (unsigned char)*p;
        if (c == '\r' && p + 1 < end && p[1] == '\n') {
            *value_end = p;
            *next = p + 2;
            return HTTP_PARSE_OK;
        }
        if (c == '\n') {
            if (level >= 1)
                return HTTP_PARSE_BAD;
            *value_end = p;
            *next = p + 1;
            return HTTP_PARSE_OK;
        }
        if (c != '\t') {
            if (level >= 0)
                return HTTP_PARSE_BAD;
            if (c == '\0' || (c == '\r' && level >= -2))
                *p = ' ';
        }
        p++;
    }
}

/* The name of a line that is not "token:" — refused from level 0 up. Below,
 * the name is whatever precedes the first colon: a line without one (or
 * with an empty name) is refused at -1 and skipped further down;
 * whitespace before the colon is trimmed only at -3; whitespace inside the
 * name passes from -2 down. Sets *skip for a line to be dropped. */
static enum mhd_http_result parse_odd_name(int level, char *p, char *end, struct field *f,
                                           char **colon_out, bool *skip)
{
    if (level >= 0)
        return HTTP_PARSE_BAD;
    char *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL)
        return HTTP_PARSE_BAD;
    char *colon = memchr(p, ':', (size_t)(nl - p));
    for (char *s = p; colon != NULL && s < colon; s++)
        if (*s == '\0' || (*s == '\r' && level >= -2))
            *s = ' ';
    char *t = colon;
    while (t != NULL && t > p && mhd_http_is_ws((unsigned char)t[-1]))
        t--;
    if (colon == NULL || t == p) {
        if (level >= -1)
            return HTTP_PARSE_BAD;
        *skip = true;
        *colon_out = nl;
        return HTTP_PARSE_OK;
    }
    if (t < colon && level >= -2)
        return HTTP_PARSE_BAD;
    for (char *s = p; s < t && level >= -1; s++)
        if (mhd_http_is_ws((unsigned char)*s))
            return HTTP_PARSE_BAD;
    f->name = p;
    f->name_len = (size_t)(t - p);
    *colon_out = colon;
    return HTTP_PARSE_OK;
}

/* Parses the field line at *pp into f and moves *pp to the next line. */
static enum mhd_http_result parse_field_line(int level, struct field *f, char **pp, char *end,
                                             bool *skip)
{
    char *p = *pp, *q = p;
    while (q < end && mhd_http_is_tchar((unsigned char)*q))
        q++;
    char *colon = q;
    if (q == p || q == end || *q != ':') {
        enum mhd_http_result r = parse_odd_name(level, p, end, f, &colon, skip);
        if (r != HTTP_PARSE_OK)
            return r;
        if (*skip) {
            *pp = colon + 1;
            return HTTP_PARSE_OK;
        }
    } else {
        f->name = p;
        f->name_len = (size_t)(q - p);
    }
    char *v = colon + 1;
    while (v < end && mhd_http_is_ws((unsigned char)*v))
        v++;
    f->value = v;
    return scan_value(level, v, end, &f->value_end, pp);
}

/* A line starting with whitespace. Folding is refused from level 1 up, and
 * a first line starting with whitespace from level 0 up; otherwise the line
 * joins the held field with its line break and indentation turned into
 * spaces, or is skipped when there is no field to join. */
static enum mhd_http_result fold_line(int level, struct field *f, bool pending, bool first,
                                      char **pp, char *end)
{
    char *p = *pp;
    if (level >= 1 || (first && level >= 0))
        return HTTP_PARSE_BAD;
    if (!pending) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            return HTTP_PARSE_BAD;
        *pp = nl + 1;
        return HTTP_PARSE_OK;
    }
    while (p < end && mhd_http_is_ws((unsigned char)*p))
        p++;
    memset(f->value_end, ' ', (size_t)(p - f->value_end));
    return scan_value(level, p, end, &f->value_end, pp);
}

/* Trims, terminates and reports a complete field. */
static enum mhd_http_result emit(struct field_parser *fp, struct field *f)
{
    char *v = f->value, *e = f->value_end;
    while (v < e && mhd_http_is_ws((unsigned char)*v))
        v++;
    while (e > v && mhd_http_is_ws((unsigned char)e[-1]))
        e--;
    f->name[f->name_len] = '\0';
    *e = '\0';
    size_t len = (size_t)(e - v);
    if (fp->h != NULL) {
        enum mhd_http_result r = note_field(fp, f->name, f->name_len, v, len);
        if (r != HTTP_PARSE_OK)
            return r;
    }
    if (fp->cb != NULL && !fp->cb(fp->ctx, f->name, f->name_len, v, len))
        return HTTP_PARSE_NO_MEMORY;
    return HTTP_PARSE_OK;
}

/* Handles one line that is not the final empty one. */
static enum mhd_http_result field_step(struct field_parser *fp, struct field *f, bool *pending,
                                       bool first, char **pp, char *end)
{
    if (mhd_http_is_ws((unsigned char)**pp))
        return fold_line(fp->level, f, *pending, first, pp, end);
    if (*pending) {
        *pending = false;
        enum mhd_http_result r = emit(fp, f);
        if (r != HTTP_PARSE_OK)
            return r;
    }
    bool skip = false;
    enum mhd_http_result r = parse_field_line(fp->level, f, pp, end, &skip);
    *pending = r == HTTP_PARSE_OK && !skip;
    return r;
}

static enum mhd_http_result parse_fields(char *buf, size_t pos, size_t len, int level,
                                         struct mhd_http_head *h, mhd_http_field_cb cb, void *ctx,
                                         struct mhd_http_host_memo *memo)
{
    struct field_parser fp = {.level = level, .h = h, .cb = cb, .ctx = ctx, .memo = memo};
    struct field f = {0};
    bool pending = false;
    char *p = buf + pos, *end = buf + len;
    for (bool first = true;; first = false) {
        if (p >= end)
            return HTTP_PARSE_BAD;
        if (*p == '\r' && p + 1 < end && p[1] == '\n') {
            p += 2;
            break;
        }
        if (*p == '\n') {
            if (level >= 1)
                return HTTP_PARSE_BAD;
            p++;
            break;
        }
        enum mhd_http_result r = field_step(&fp, &f, &pending, first, &p, end);
        if (r != HTTP_PARSE_OK)
            return r;
    }
    if (pending) {
        enum mhd_http_result r = emit(&fp, &f);
        if (r != HTTP_PARSE_OK)
            return r;
    }
    if (p != end)
        return HTTP_PARSE_BAD;
    return h != NULL ? judge_framing(&fp) : HTTP_PARSE_OK;
}

enum mhd_http_result mhd_http_parse_fields(char *buf, size_t pos, size_t len, int level,
                                           struct mhd_http_head *h, mhd_http_field_cb cb, void *ctx)
{
    return parse_fields(buf, pos, len, level, h, cb, ctx, NULL);
}

enum mhd_http_result mhd_http_parse_head_memo(char *buf, size_t len, int level,
                                              struct mhd_http_head *h, mhd_http_field_cb cb,
                                              void *ctx, struct mhd_http_host_memo *memo)
{
    size_t used = 0;
    memset(h, 0, sizeof(*h));
    enum mhd_http_result r = mhd_http_parse_request_line(buf, len, level, h, &used);
    if (r != HTTP_PARSE_OK)
        return r;
    return parse_fields(buf, used, len, level, h, cb, ctx, memo);
}

enum mhd_http_result mhd_http_parse_head(char *buf, size_t len, int level, struct mhd_http_head *h,
                                         mhd_http_field_cb cb, void *ctx)
{
    return mhd_http_parse_head_memo(buf, len, level, h, cb, ctx, NULL);
}
