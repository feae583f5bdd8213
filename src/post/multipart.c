/* multipart/form-data bodies (RFC 7578 on RFC 2046 section 5.1): finding
 * delimiters, delivering part bodies, and the state between them. Part
 * header lines are read by part_headers.c.
 *
 * The hot path is one memmem() over each input slice for "\n--boundary";
 * part bytes before it go to the iterator straight from the caller's
 * buffer. At the end of a slice the bytes that could begin a delimiter (a
 * final CR, or a LF followed by a prefix of "--boundary") are copied to
 * `carry` and decided once more input arrives: if they turn out not to be a
 * delimiter they are delivered as part data, in order.
 *
 * Decisions where the contract is silent:
 * - A delimiter is "--boundary" at the start of the body or after a LF; a
 *   CR right before that LF belongs to the delimiter, so both CRLF and bare
 *   LF line ends work. After the boundary: "--" closes the body, otherwise
 *   optional spaces or tabs and a line end must follow, anything else fails
 *   the body.
 * - Preamble and epilogue bytes are discarded, however many there are.
 * - A part with no bytes is reported with one call of size 0.
 * - Part bodies are delivered as they are: Content-Transfer-Encoding is
 *   reported, not decoded. Pieces are at most `buffer_size` bytes and are
 *   not 0-terminated.
 * - One level of nested multipart/mixed is parsed (its parts reported under
 *   the enclosing field's name); a multipart/mixed part inside it is plain
 *   data. While inside, only the nested boundary is looked for. */
#include "post/post_internal.h"

#include <string.h>

#include "util/panic.h"
#include "util/sys.h"

/* Where scan_delim() found the delimiter, or how much is surely data. */
struct scan {
    bool found;
    size_t data_len;  /* bytes before the delimiter, or bytes that cannot start one */
    size_t delim_end; /* when found: index just after "\n--boundary" */
};

static void delim_set(struct mhd_post_delim *d, const char *boundary, size_t blen)
{
    memcpy(d->text, "\n--", 3);
    memcpy(d->text + 3, boundary, blen);
    d->len = 3 + blen;
}

void mhd_post_mp_init(struct MHD_PostProcessor *pp, const char *boundary, size_t blen)
{
    struct mhd_post_mp *mp = &pp->u.mp;
    memset(mp, 0, sizeof(*mp));
    delim_set(&mp->delim[0], boundary, blen);
    mp->name_at = POST_NO_FIELD;
    mp->filename_at = POST_NO_FIELD;
    mp->ctype_at = POST_NO_FIELD;
    mp->tenc_at = POST_NO_FIELD;
    mhd_post_mp_skip_begin(pp);
}

void mhd_post_mp_skip_begin(struct MHD_PostProcessor *pp)
{
    /* The first delimiter may open the body without a line break before
     * it; a line break in front of the skipped bytes lets the one search
     * find it. Skipped bytes are discarded, so it never becomes data. */
    pp->u.mp.state = MP_SKIP;
    pp->u.mp.carry[0] = '\n';
    pp->u.mp.carry_len = 1;
}

void mhd_post_mp_nest(struct MHD_PostProcessor *pp, const char *boundary, size_t blen)
{
    delim_set(&pp->u.mp.delim[1], boundary, blen);
    pp->u.mp.level = 1;
    mhd_post_mp_skip_begin(pp);
}

/* Length of the end of `buf` that may be the start of a delimiter. Only the
 * last LF can start one (the boundary holds no LF), and a CR right before
 * it is part of the line break. */
static size_t held_tail(const struct mhd_post_delim *d, const char *buf, size_t len)
{
    size_t from = len >= d->len ? len - d->len + 1 : 0;
    const char *lf = memrchr(buf + from, '\n', len - from);
    if (lf != NULL) {
        size_t j = (size_t)(lf - buf);
        if (memcmp(lf, d->text, len - j) == 0)
            return len - j + (j > 0 && buf[j - 1] == '\r');
    }
    return (len > 0 && buf[len - 1] == '\r') ? 1 : 0;
}

static void scan_delim(const struct mhd_post_delim *d, const char *buf, size_t len, struct scan *r)
{
    const char *p = memmem(buf, len, d->text, d->len);
    if (p == NULL) {
        r->found = false;
        r->data_len = len - held_tail(d, buf, len);
        return;
    }
    size_t i = (size_t)(p - buf);
    r->found = true;
    r->data_len = (i > 0 && buf[i - 1] == '\r') ? i - 1 : i;
    r->delim_end = i + d->len;
}

static const char *field(const struct MHD_PostProcessor *pp, size_t at)
{
    return at == POST_NO_FIELD ? NULL : pp->buf + at;
}

static bool emit_piece(struct MHD_PostProcessor *pp, const char *data, size_t n)
{
    struct mhd_post_mp *mp = &pp->u.mp;
    const char *key = mp->name_at == POST_NO_FIELD ? "" : pp->buf + mp->name_at;
    uint64_t off = mp->off;
    mp->off += n;
    mp->reported = true;
    return mhd_post_emit(pp, key, field(pp, mp->filename_at), field(pp, mp->ctype_at),
                         field(pp, mp->tenc_at), data, off, n);
}

/* Hands part bytes to the iterator (or drops them while skipping), in
 * pieces no larger than the work space. */
static void deliver(struct MHD_PostProcessor *pp, const char *data, size_t len)
{
    if (pp->u.mp.state != MP_DATA)
        return;
    while (len > 0) {
        size_t n = MHD_MIN(len, pp->buf_cap);
        if (!emit_piece(pp, data, n))
            return;
        data += n;
        len -= n;
    }
}

/* A delimiter ended the part or the skipped bytes. */
static void delimiter_found(struct MHD_PostProcessor *pp)
{
    struct mhd_post_mp *mp = &pp->u.mp;
    if (mp->state == MP_DATA && !mp->reported && !emit_piece(pp, "", 0))
        return;
    mp->state = MP_DELIM_TAIL;
    mp->tail = TAIL_START;
}

/* Scans held-back bytes followed by as much input as fits in `carry`.
 * Returns the input bytes consumed. */
static size_t scan_carry(struct MHD_PostProcessor *pp, const char *in, size_t len)
{
    struct mhd_post_mp *mp = &pp->u.mp;
    size_t old = mp->carry_len;
    size_t n = MHD_MIN(POST_CARRY_CAP - old, len);
    memcpy(mp->carry + old, in, n);
    mp->carry_len += n;
    struct scan r;
    scan_delim(&mp->delim[mp->level], mp->carry, mp->carry_len, &r);
    deliver(pp, mp->carry, r.data_len);
    if (pp->failed)
        return n;
    if (r.found) {
        /* The held bytes held no whole delimiter (they were scanned
         * before), so it ends among the new bytes; the rest of those go
         * back to the input. */
        mhd_assert(r.delim_end > old);
        mp->carry_len = 0;
        delimiter_found(pp);
        return r.delim_end - old;
    }
    memmove(mp->carry, mp->carry + r.data_len, mp->carry_len - r.data_len);
    mp->carry_len -= r.data_len;
    return n;
}

/* MP_SKIP and MP_DATA: returns the input bytes consumed. */
static size_t scan_step(struct MHD_PostProcessor *pp, const char *in, size_t len)
{
    struct mhd_post_mp *mp = &pp->u.mp;
    if (mp->carry_len > 0)
        return scan_carry(pp, in, len);
    struct scan r;
    scan_delim(&mp->delim[mp->level], in, len, &r);
    deliver(pp, in, r.data_len);
    if (pp->failed)
        return len;
    if (r.found) {
        delimiter_found(pp);
        return r.delim_end;
    }
    mp->carry_len = len - r.data_len;
    memcpy(mp->carry, in + r.data_len, mp->carry_len);
    return len;
}

enum tail_action { TA_MORE, TA_CLOSE, TA_EOL, TA_BAD };

/* One byte after a boundary: "--", or transport padding and a line end. */
static enum tail_action tail_advance(struct mhd_post_mp *mp, char c)
{
    if (mp->tail == TAIL_DASH)
        return c == '-' ? TA_CLOSE : TA_BAD;
    if (mp->tail == TAIL_CR)
        return c == '\n' ? TA_EOL : TA_BAD;
    if (c == '-' && mp->tail == TAIL_START) {
        mp->tail = TAIL_DASH;
        return TA_MORE;
    }
    if (c == ' ' || c == '\t') {
        mp->tail = TAIL_PAD;
        return TA_MORE;
    }
    if (c == '\r') {
        mp->tail = TAIL_CR;
        return TA_MORE;
    }
    return c == '\n' ? TA_EOL : TA_BAD;
}

/* A close delimiter: the nested body ends (what follows up to the form's
 * next delimiter is its epilogue), or the whole body does. */
static void close_level(struct MHD_PostProcessor *pp)
{
    struct mhd_post_mp *mp = &pp->u.mp;
    if (mp->level == 0) {
        mp->state = MP_DONE;
        return;
    }
    mp->level = 0;
    mp->state = MP_SKIP;
    mp->carry_len = 0;
}

static size_t tail_step(struct MHD_PostProcessor *pp, const char *in, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (tail_advance(&pp->u.mp, in[i])) {
        case TA_MORE:
            break;
        case TA_CLOSE:
            close_level(pp);
            return i + 1;
        case TA_EOL:
            mhd_post_mp_headers_begin(pp);
            return i + 1;
        case TA_BAD:
            pp->failed = true;
            return i + 1;
        }
    }
    return len;
}

static size_t step(struct MHD_PostProcessor *pp, const char *in, size_t len)
{
    switch (pp->u.mp.state) {
    case MP_SKIP:
    case MP_DATA:
        return scan_step(pp, in, len);
    case MP_DELIM_TAIL:
        return tail_step(pp, in, len);
    case MP_HEADERS:
        return mhd_post_mp_headers(pp, in, len);
    case MP_DONE:
        break;
    }
    return len;
}

bool mhd_post_mp_process(struct MHD_PostProcessor *pp, const char *in, size_t len)
{
    while (len > 0 && !pp->failed) {
        size_t used = step(pp, in, len);
        in += used;
        len -= used;
    }
    return !pp->failed;
}

bool mhd_post_mp_finish(struct MHD_PostProcessor *pp)
{
    return pp->u.mp.state == MP_DONE || !pp->received;
}
