/* The header block of one multipart part: Content-Disposition (field name
 * and file name), Content-Type and Content-Transfer-Encoding.
 *
 * Lines collect in the work space right after the fields kept so far. When
 * a line is complete, the values we keep are moved down to the end of the
 * fields (they only ever move towards the start of the buffer, so they never
 * overwrite bytes still to be read) and the line's space is reused.
 *
 * Decisions where the contract is silent:
 * - A header block (all its lines) must fit in `buffer_size` bytes, else
 *   the body fails: headers that never end cannot hold memory or time.
 * - Lines end with LF; a CR before it is dropped. Header names are matched
 *   without regard to case; values are trimmed of spaces and tabs.
 * - A line without a colon fails the body; folded continuation lines
 *   (starting with a space or tab) and unknown headers are ignored.
 * - `name` and `filename` may be quoted (where `\"` and `\\` are escapes)
 *   or bare; no %-decoding and no RFC 5987 `filename*` handling.
 * - A part without a `name` is reported under the empty key "". */
#include "post/post_internal.h"

#include <string.h>

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

void mhd_post_mp_headers_begin(struct MHD_PostProcessor *pp)
{
    struct mhd_post_mp *mp = &pp->u.mp;
    mp->state = MP_HEADERS;
    mp->line_len = 0;
    mp->block_len = 0;
    mp->filename_at = POST_NO_FIELD;
    mp->ctype_at = POST_NO_FIELD;
    mp->tenc_at = POST_NO_FIELD;
    if (mp->level == 0) {
        mp->name_at = POST_NO_FIELD;
        mp->fields_end = 0;
    } else {
        mp->fields_end = mp->outer_end;
    }
}

/* Moves `len` bytes at `src`, which lie in the current line, to the end of
 * the stored fields, 0-terminated, and records where they went. */
static void store(struct MHD_PostProcessor *pp, size_t *slot, const char *src, size_t len)
{
    struct mhd_post_mp *mp = &pp->u.mp;
    char *dst = pp->buf + mp->fields_end;
    memmove(dst, src, len);
    dst[len] = '\0';
    *slot = mp->fields_end;
    mp->fields_end += len + 1;
}

static void store_param(struct MHD_PostProcessor *pp, size_t *slot, const struct mhd_post_param *p)
{
    struct mhd_post_mp *mp = &pp->u.mp;
    char *dst = pp->buf + mp->fields_end;
    size_t n = mhd_post_param_decode(p, dst, p->raw_len);
    dst[n] = '\0';
    *slot = mp->fields_end;
    mp->fields_end += n + 1;
}

static void disposition(struct MHD_PostProcessor *pp, const char *v, size_t len)
{
    struct mhd_post_mp *mp = &pp->u.mp;
    struct mhd_post_param name, file;
    /* Files inside a nested multipart/mixed keep the enclosing name. */
    bool has_name = mp->level == 0 && mhd_post_param_find(v, len, "name", &name);
    bool has_file = mhd_post_param_find(v, len, "filename", &file);
    /* Decoding in the order the values appear keeps every write behind
     * the bytes still to be read. */
    if (has_name && has_file && file.raw < name.raw) {
        store_param(pp, &mp->filename_at, &file);
        has_file = false;
    }
    if (has_name)
        store_param(pp, &mp->name_at, &name);
    if (has_file)
        store_param(pp, &mp->filename_at, &file);
}

static bool name_is(const char *s, size_t len, const char *want)
{
    return mhd_post_eq_nocase(s, len, want);
}

static void header_line(struct MHD_PostProcessor *pp, const char *line, size_t len)
{
    struct mhd_post_mp *mp = &pp->u.mp;
    const char *colon = memchr(line, ':', len);
    if (colon == NULL) {
        pp->failed = true;
        return;
    }
    size_t name_len = (size_t)(colon - line);
    while (name_len > 0 && is_ows(line[name_len - 1]))
        name_len--;
    const char *v = colon + 1;
    size_t vlen = len - (size_t)(v - line);
    while (vlen > 0 && is_ows(*v)) {
        v++;
        vlen--;
    }
    while (vlen > 0 && is_ows(v[vlen - 1]))
        vlen--;
    if (name_is(line, name_len, "content-disposition"))
        disposition(pp, v, vlen);
    else if (name_is(line, name_len, "content-type"))
        store(pp, &mp->ctype_at, v, vlen);
    else if (name_is(line, name_len, "content-transfer-encoding"))
        store(pp, &mp->tenc_at, v, vlen);
}

/* Enters a nested multipart/mixed body; only the field name is kept for
 * its parts. */
static void start_nested(struct MHD_PostProcessor *pp, const char *ct, size_t ct_len)
{
    struct mhd_post_mp *mp = &pp->u.mp;
    char boundary[POST_BOUNDARY_MAX];
    size_t blen = mhd_post_boundary_get(ct, ct_len, pp->buf_cap, boundary);
    if (blen == 0) {
        pp->failed = true;
        return;
    }
    mp->outer_end = 0;
    if (mp->name_at != POST_NO_FIELD) {
        size_t n = strlen(pp->buf + mp->name_at);
        memmove(pp->buf, pp->buf + mp->name_at, n + 1);
        mp->name_at = 0;
        mp->outer_end = n + 1;
    }
    mhd_post_mp_nest(pp, boundary, blen);
}

static void headers_done(struct MHD_PostProcessor *pp)
{
    struct mhd_post_mp *mp = &pp->u.mp;
    if (mp->level == 0 && mp->ctype_at != POST_NO_FIELD) {
        const char *ct = pp->buf + mp->ctype_at;
        size_t ct_len = strlen(ct);
        if (mhd_post_media_of(ct, ct_len) == POST_MEDIA_MIXED) {
            start_nested(pp, ct, ct_len);
            return;
        }
    }
    mp->state = MP_DATA;
    mp->off = 0;
    mp->reported = false;
    mp->carry_len = 0;
}

static void line_done(struct MHD_PostProcessor *pp)
{
    struct mhd_post_mp *mp = &pp->u.mp;
    const char *line = pp->buf + mp->fields_end;
    size_t len = mp->line_len;
    mp->line_len = 0;
    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (len == 0)
        headers_done(pp);
    else if (!is_ows(line[0]))
        header_line(pp, line, len);
}

size_t mhd_post_mp_headers(struct MHD_PostProcessor *pp, const char *in, size_t len)
{
    struct mhd_post_mp *mp = &pp->u.mp;
    const char *nl = memchr(in, '\n', len);
    size_t take = nl != NULL ? (size_t)(nl - in) + 1 : len;
    size_t chunk = nl != NULL ? take - 1 : take;
    if (take > pp->buf_cap - mp->block_len || chunk > pp->buf_cap - mp->fields_end - mp->line_len) {
        pp->failed = true;
        return 0;
    }
    mp->block_len += take;
    memcpy(pp->buf + mp->fields_end + mp->line_len, in, chunk);
    mp->line_len += chunk;
    if (nl != NULL)
        line_done(pp);
    return take;
}
