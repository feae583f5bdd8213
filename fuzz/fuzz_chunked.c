/* Chunked request bodies: chunk-size lines, the line break after each
 * chunk's data, and the trailer section (scan, then parse in place), driven
 * the way the connection drives them while the body arrives.
 *
 * Input: one control byte, then the body bytes after the request head.
 *   bits 0-2  discipline level: 0..6 is -3..3, 7 is the default 0;
 *   bits 3-7  how the bytes arrive in the second run (see fuzz_cutter); the
 *             first run gets them all at once.
 *
 * Every parser call sees the unconsumed end of an exact-size copy of the
 * bytes that have arrived. Checked beyond "no crash": both runs agree on
 * the verdict, the bytes consumed, the data delivered and the trailers; each
 * chunk size read back through mhd_http_chunk_header() gives the same size;
 * trailer fields arrive 0-terminated inside their buffer. */
#include "fuzz.h"

#include "http/http.h"

/* Where the decoder stands, as in the connection's body states. */
enum chunk_state { AT_SIZE, IN_DATA, AT_DATA_END, IN_TRAILERS };

/* What one run produced. */
struct outcome {
    enum mhd_http_result r;
    size_t consumed;
    uint64_t data_len;
    uint64_t data_hash;
    uint64_t trailer_hash;
    unsigned int chunks;
};

struct trailer_ctx {
    const char *buf;
    size_t len;
    uint64_t *hash;
};

static bool on_trailer(void *ctx, char *name, size_t name_len, char *value, size_t value_len)
{
    struct trailer_ctx *t = ctx;
    FUZZ_CHECK(name >= t->buf && name + name_len < t->buf + t->len);
    FUZZ_CHECK(value >= t->buf && value + value_len < t->buf + t->len);
    FUZZ_CHECK(name[name_len] == '\0' && value[value_len] == '\0');
    *t->hash = fuzz_hash(*t->hash, name, name_len + 1);
    *t->hash = fuzz_hash(*t->hash, value, value_len + 1);
    return true;
}

/* The size line the library would send for `size` must read back as it. */
static void check_round_trip(uint64_t size)
{
    char line[18];
    size_t n = mhd_http_chunk_header(line, size);
    FUZZ_CHECK(n >= 3 && n <= sizeof(line));
    char *copy = fuzz_dup(line, n, 0);
    uint64_t back = 0;
    size_t used = 0;
    FUZZ_CHECK(mhd_http_parse_chunk_size(copy, n, 3, &back, &used) == HTTP_PARSE_OK);
    FUZZ_CHECK(back == size && used == n);
    free(copy);
}

/* Parses the complete trailer section data[0..end) in place. */
static enum mhd_http_result parse_trailers(const uint8_t *data, size_t end, int level,
                                           struct outcome *o)
{
    char *copy = fuzz_dup(data, end, 0);
    struct trailer_ctx t = {copy, end, &o->trailer_hash};
    enum mhd_http_result r = mhd_http_parse_trailers(copy, end, level, on_trailer, &t);
    free(copy);
    return r;
}

/* One step of the decoder on the `avail` unconsumed bytes at `p`, which
 * end where the copy of the arrived bytes ends. Returns NEED_MORE to wait
 * for more bytes, OK to go on, anything else to stop. */
static enum mhd_http_result step(enum chunk_state *st, const char *p, size_t avail, int level,
                                 uint64_t *left, size_t *trailer_pos, size_t *used,
                                 struct outcome *o)
{
    *used = 0;
    if (*st == IN_DATA) {
        size_t n = *left < avail ? (size_t)*left : avail;
        o->data_hash = fuzz_hash(o->data_hash, p, n);
        o->data_len += n;
        *left -= n;
        *used = n;
        if (*left == 0)
            *st = AT_DATA_END;
        return n > 0 || *left == 0 ? HTTP_PARSE_OK : HTTP_PARSE_NEED_MORE;
    }
    enum mhd_http_result r;
    if (*st == AT_SIZE) {
        uint64_t size = 0;
        r = mhd_http_parse_chunk_size(p, avail, level, &size, used);
        if (r == HTTP_PARSE_OK) {
            FUZZ_CHECK(*used > 0 && *used <= avail && *used <= MHD_HTTP_CHUNK_LINE_MAX);
            check_round_trip(size);
            o->chunks++;
            *left = size;
            *st = size ? IN_DATA : IN_TRAILERS;
        }
    } else if (*st == AT_DATA_END) {
        r = mhd_http_parse_chunk_end(p, avail, level, used);
        if (r == HTTP_PARSE_OK) {
            FUZZ_CHECK(*used == 1 || *used == 2);
            FUZZ_CHECK(*used <= avail);
            *st = AT_SIZE;
        }
    } else {
        size_t end = 0;
        r = mhd_http_scan_trailers(p, avail, trailer_pos, &end);
        FUZZ_CHECK(*trailer_pos <= avail);
        if (r == HTTP_PARSE_OK) {
            FUZZ_CHECK(end > 0 && end <= avail);
            r = parse_trailers((const uint8_t *)p, end, level, o);
            *used = end;
            /* The body ends here, whatever the verdict. */
            if (r == HTTP_PARSE_OK)
                r = HTTP_PARSE_CLOSE;
        }
    }
    return r;
}

/* Decodes data[0..len) arriving in pieces chosen by `mode` (at most about
 * 64 of them, so that the copies stay cheap). Each arrival makes a new
 * exact-size copy of everything so far, so a parser that reads past what
 * has arrived reads past the end of a heap block. */
static void decode(const uint8_t *data, size_t len, int level, unsigned int mode, struct outcome *o)
{
    struct fuzz_cutter cut;
    fuzz_cutter_init(&cut, mode);
    memset(o, 0, sizeof(*o));
    o->data_hash = o->trailer_hash = FUZZ_HASH_INIT;
    enum chunk_state st = AT_SIZE;
    uint64_t left = 0;
    size_t pos = 0, trailer_pos = 0;
    size_t floor = len / 64 + 1;
    size_t have = 0;
    char *arrived = NULL;
    bool more = true;
    for (;;) {
        if (more) {
            size_t n = fuzz_cutter_next(&cut, len - have);
            have += n < floor ? (floor < len - have ? floor : len - have) : n;
            free(arrived);
            arrived = fuzz_dup(data, have, 0);
            more = false;
        }
        size_t used = 0;
        enum mhd_http_result r =
            step(&st, arrived + pos, have - pos, level, &left, &trailer_pos, &used, o);
        pos += used;
        if (r == HTTP_PARSE_OK)
            continue;
        if (r == HTTP_PARSE_NEED_MORE) {
            if (have == len) {
                o->r = r;
                break;
            }
            more = true;
            continue;
        }
        /* CLOSE stands for "trailers parsed": the body is complete. */
        o->r = r == HTTP_PARSE_CLOSE ? HTTP_PARSE_OK : r;
        break;
    }
    free(arrived);
    o->consumed = pos;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned int ctl = data[0];
    int level = (ctl & 7) == 7 ? 0 : (int)(ctl & 7) - 3;
    struct outcome whole, pieces;
    decode(data + 1, size - 1, level, 0, &whole);
    decode(data + 1, size - 1, level, ctl >> 3, &pieces);
    FUZZ_CHECK(whole.r == pieces.r);
    FUZZ_CHECK(whole.data_len == pieces.data_len && whole.data_hash == pieces.data_hash);
    FUZZ_CHECK(whole.chunks == pieces.chunks);
    if (whole.r == HTTP_PARSE_OK) {
        FUZZ_CHECK(whole.consumed == pieces.consumed);
        FUZZ_CHECK(whole.trailer_hash == pieces.trailer_hash);
    }
    return 0;
}
