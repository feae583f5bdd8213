/* application/x-www-form-urlencoded bodies: `key=value` elements separated
 * by `&`, with `+` standing for a space and `%XX` for any byte.
 *
 * Decisions where the contract is silent:
 * - Keys are assembled whole (decoded, 0-terminated) at the start of the
 *   work space; a key longer than `buffer_size - UE_VALUE_ROOM - 1` bytes
 *   fails the body.
 * - Value bytes are decoded into the space after the key and delivered when
 *   that space fills, when the value ends, and at the end of every
 *   MHD_post_process call, so pieces are never larger than the work space.
 *   Each piece is followed by a NUL byte (not counted in `size`), which
 *   keeps applications that print `data` as a string safe.
 * - A `%` not followed by two hex digits fails the body (MHD_NO); bytes of
 *   the value decoded before it may already have been delivered.
 * - A CR or LF ends the body, as some clients append a line break; more CR
 *   and LF may follow, anything else fails.
 * - Empty elements (`&&`, a leading or trailing `&`) are skipped; every
 *   other element is reported, `k`, `k=` and `=` with one call of size 0. */
#include "post/post_internal.h"

#include <string.h>

#include "util/sys.h"

/* Value bytes that always fit after the longest accepted key. */
#define UE_VALUE_ROOM 64

enum ue_class { C_PLAIN, C_PLUS, C_PCT, C_EQ, C_AMP, C_EOL };

static const uint8_t ue_class[256] = {
    ['+'] = C_PLUS, ['%'] = C_PCT, ['='] = C_EQ, ['&'] = C_AMP, ['\r'] = C_EOL, ['\n'] = C_EOL,
};

void mhd_post_ue_init(struct MHD_PostProcessor *pp)
{
    memset(&pp->u.ue, 0, sizeof(pp->u.ue));
    pp->u.ue.state = UE_KEY;
}

static char *value_at(struct MHD_PostProcessor *pp)
{
    return pp->buf + pp->u.ue.key_len + 1;
}

/* Room for value bytes, keeping one byte for the NUL after a piece. */
static size_t value_cap(const struct MHD_PostProcessor *pp)
{
    return pp->buf_cap - pp->u.ue.key_len - 2;
}

static bool flush_value(struct MHD_PostProcessor *pp)
{
    struct mhd_post_ue *ue = &pp->u.ue;
    if (ue->val_len == 0)
        return true;
    char *v = value_at(pp);
    size_t n = ue->val_len;
    uint64_t off = ue->off;
    v[n] = '\0';
    ue->off += n;
    ue->val_len = 0;
    return mhd_post_emit(pp, pp->buf, NULL, NULL, NULL, v, off, n);
}

static bool fail(struct MHD_PostProcessor *pp)
{
    pp->failed = true;
    return false;
}

/* Appends one decoded byte to the key or the value. */
static bool put_byte(struct MHD_PostProcessor *pp, char c)
{
    struct mhd_post_ue *ue = &pp->u.ue;
    ue->started = true;
    if (ue->state == UE_KEY) {
        if (ue->key_len + 2 + UE_VALUE_ROOM > pp->buf_cap)
            return fail(pp);
        pp->buf[ue->key_len++] = c;
        return true;
    }
    if (ue->val_len == value_cap(pp) && !flush_value(pp))
        return false;
    value_at(pp)[ue->val_len++] = c;
    return true;
}

/* Takes the run of bytes that need no decoding at the start of `in`;
 * returns how many were consumed (at least one unless the body failed). */
static size_t take_plain(struct MHD_PostProcessor *pp, const char *in, size_t len)
{
    struct mhd_post_ue *ue = &pp->u.ue;
    size_t run = 0;
    while (run < len && ue_class[(uint8_t)in[run]] == C_PLAIN)
        run++;
    if (ue->state == UE_KEY) {
        for (size_t i = 0; i < run; i++) {
            if (!put_byte(pp, in[i]))
                return i;
        }
        return run;
    }
    ue->started = true;
    size_t done = 0;
    while (done < run) {
        size_t room = value_cap(pp) - ue->val_len;
        if (room == 0) {
            if (!flush_value(pp))
                return done;
            continue;
        }
        size_t n = MHD_MIN(room, run - done);
        memcpy(value_at(pp) + ue->val_len, in + done, n);
        ue->val_len += n;
        done += n;
    }
    return run;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Feeds one of the two hex digits after a `%`. */
static void escape_byte(struct MHD_PostProcessor *pp, char c)
{
    struct mhd_post_ue *ue = &pp->u.ue;
    int h = hex_value(c);
    if (h < 0) {
        fail(pp);
        return;
    }
    if (ue->esc_len == 1) {
        ue->esc_hi = (uint8_t)h;
        ue->esc_len = 2;
        return;
    }
    ue->esc_len = 0;
    put_byte(pp, (char)(ue->esc_hi * 16 + h));
}

/* Reports the element just ended by `&`, a line break or the end of the
 * body, and starts a new one. */
static void end_element(struct MHD_PostProcessor *pp)
{
    struct mhd_post_ue *ue = &pp->u.ue;
    if (ue->state == UE_KEY) {
        if (ue->started) {
            pp->buf[ue->key_len] = '\0';
            mhd_post_emit(pp, pp->buf, NULL, NULL, NULL, "", 0, 0);
        }
    } else if (flush_value(pp) && ue->off == 0) {
        mhd_post_emit(pp, pp->buf, NULL, NULL, NULL, "", 0, 0);
    }
    ue->state = UE_KEY;
    ue->key_len = 0;
    ue->val_len = 0;
    ue->off = 0;
    ue->started = false;
}

static void special_byte(struct MHD_PostProcessor *pp, enum ue_class cls)
{
    struct mhd_post_ue *ue = &pp->u.ue;
    switch (cls) {
    case C_PLUS:
        put_byte(pp, ' ');
        break;
    case C_PCT:
        ue->esc_len = 1;
        ue->started = true;
        break;
    case C_EQ:
        if (ue->state == UE_VALUE) {
            put_byte(pp, '=');
            break;
        }
        pp->buf[ue->key_len] = '\0';
        ue->state = UE_VALUE;
        ue->started = true;
        break;
    case C_AMP:
        end_element(pp);
        break;
    case C_EOL:
        end_element(pp);
        ue->state = UE_DONE;
        break;
    case C_PLAIN:
        break;
    }
}

bool mhd_post_ue_process(struct MHD_PostProcessor *pp, const char *in, size_t len)
{
    struct mhd_post_ue *ue = &pp->u.ue;
    size_t i = 0;
    while (i < len && !pp->failed) {
        if (ue->state == UE_DONE) {
            if (in[i] != '\r' && in[i] != '\n')
                fail(pp);
            i++;
        } else if (ue->esc_len > 0) {
            escape_byte(pp, in[i]);
            i++;
        } else if (ue_class[(uint8_t)in[i]] == C_PLAIN) {
            i += take_plain(pp, in + i, len - i);
        } else {
            special_byte(pp, (enum ue_class)ue_class[(uint8_t)in[i]]);
            i++;
        }
    }
    /* Deliver what was decoded now rather than holding it until the next
     * call: the application sees data as soon as it arrives. */
    if (!pp->failed && ue->state == UE_VALUE)
        flush_value(pp);
    return !pp->failed;
}

bool mhd_post_ue_finish(struct MHD_PostProcessor *pp)
{
    struct mhd_post_ue *ue = &pp->u.ue;
    if (ue->esc_len > 0)
        return false;
    if (ue->state != UE_DONE)
        end_element(pp);
    return !pp->failed;
}
