/* Request heads: mhd_http_scan_head() over the bytes as they arrive, then
 * mhd_http_parse_head() on the head it found, the way the connection uses
 * them.
 *
 * Input: one control byte, then the bytes of the connection.
 *   bits 0-2  discipline level: 0..6 is -3..3, 7 is the default 0;
 *   bits 3-7  n: besides all at once, the bytes also arrive in pieces of
 *             n * n bytes (at least 1 and at least 1/64 of the input), each
 *             call seeing an exact-size copy of what has arrived.
 *
 * Checked beyond "no crash": the scan gives the same verdict and offsets
 * whether it sees the bytes at once or in pieces; every field reaches the
 * callback 0-terminated inside the head; and an accepted head frames its
 * body as its fields say (one Content-Length value, no Content-Length next
 * to Transfer-Encoding from level 0 up, a Host on HTTP/1.1) — the smuggling
 * cases of RFC 9112 section 6.3. */
#include "fuzz.h"

#include "http/http.h"

/* What the field callback saw. */
struct seen {
    const char *buf; /* the head being parsed */
    size_t len;
    int level;
    unsigned int hosts;
    unsigned int lengths;   /* Content-Length fields */
    bool length_conflict;   /* a Content-Length value not all one number */
    uint64_t length;        /* the number the first one gave */
    unsigned int encodings; /* Transfer-Encoding fields */
};

/* Compares with a lower-case literal, ignoring ASCII case; written here
 * rather than borrowed from the library, so that the check stays
 * independent of the code it checks. */
static bool eq_nocase(const char *a, size_t len, const char *lit)
{
    if (strlen(lit) != len)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)a[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (c != (unsigned char)lit[i])
            return false;
    }
    return true;
}

/* An independent reading of a Content-Length value: comma-separated runs
 * of digits, with spaces and tabs around them, all the same number. Sets
 * *conflict when the value is anything else or overflows. */
static uint64_t read_length(const char *v, size_t len, bool *conflict)
{
    uint64_t first = 0;
    bool have = false;
    size_t i = 0;
    while (i <= len) {
        while (i < len && (v[i] == ' ' || v[i] == '\t'))
            i++;
        size_t start = i;
        uint64_t n = 0;
        while (i < len && v[i] >= '0' && v[i] <= '9') {
            uint64_t d = (uint64_t)(v[i] - '0');
            if (n > UINT64_MAX / 10 || (n == UINT64_MAX / 10 && d > UINT64_MAX % 10))
                *conflict = true;
            n = n * 10 + d;
            i++;
        }
        if (i == start || (have && n != first))
            *conflict = true;
        have = true;
        first = n;
        while (i < len && (v[i] == ' ' || v[i] == '\t'))
            i++;
        if (i == len)
            break;
        if (v[i] != ',') {
            *conflict = true;
            break;
        }
        i++;
    }
    return first;
}

static bool on_field(void *ctx, char *name, size_t name_len, char *value, size_t value_len)
{
    struct seen *s = ctx;
    FUZZ_CHECK(name >= s->buf && name + name_len < s->buf + s->len);
    FUZZ_CHECK(value >= s->buf && value + value_len < s->buf + s->len);
    FUZZ_CHECK(name[name_len] == '\0' && value[value_len] == '\0');
    FUZZ_CHECK(name_len > 0);
    if (s->level >= 0) {
        /* From level 0 up only RFC 9110 field lines pass. */
        FUZZ_CHECK(mhd_http_is_token(name, name_len));
        for (size_t i = 0; i < value_len; i++) {
            unsigned char c = (unsigned char)value[i];
            FUZZ_CHECK(c == '\t' || (c >= 0x20 && c != 0x7f));
        }
    }
    if (eq_nocase(name, name_len, "host")) {
        s->hosts++;
    } else if (eq_nocase(name, name_len, "content-length")) {
        uint64_t n = read_length(value, value_len, &s->length_conflict);
        if (s->lengths++ == 0)
            s->length = n;
        else if (n != s->length)
            s->length_conflict = true;
    } else if (eq_nocase(name, name_len, "transfer-encoding")) {
        s->encodings++;
    }
    return true;
}

/* The framing an accepted head must have, judged from the fields alone. */
static void check_accepted(const struct mhd_http_head *h, const struct seen *s)
{
    FUZZ_CHECK(h->version_major == 1);
    FUZZ_CHECK(h->method != NULL && h->method[h->method_len] == '\0' && h->method_len > 0);
    FUZZ_CHECK(h->target != NULL && h->target[h->target_len] == '\0');
    /* "GET  HTTP/1.1" passes below level 0, with an empty target. */
    FUZZ_CHECK(h->target_len > 0 || s->level < 0);
    FUZZ_CHECK(h->version != NULL && h->version[h->version_len] == '\0');
    if (s->lengths > 0 && !h->chunked) {
        /* Content-Length is the framing: exactly one number. */
        FUZZ_CHECK(!s->length_conflict);
        FUZZ_CHECK(h->has_content_length && h->content_length == s->length);
    }
    if (s->lengths == 0)
        FUZZ_CHECK(!h->has_content_length);
    if (s->encodings > 0)
        FUZZ_CHECK(h->chunked);
    if (h->chunked) {
        FUZZ_CHECK(s->encodings > 0 && h->version_minor >= 1);
        FUZZ_CHECK(!h->has_content_length);
        if (s->level >= 0)
            FUZZ_CHECK(s->lengths == 0);
        else if (s->lengths > 0)
            FUZZ_CHECK(h->must_close);
    }
    if (h->version_minor >= 1 && s->level > -3)
        FUZZ_CHECK(s->hosts >= 1);
    if (s->level >= 0)
        FUZZ_CHECK(s->hosts <= 1);
}

/* Scans `data` arriving `step` bytes at a time (all at once when 0), each
 * call on an exact-size copy of what has arrived. */
static enum mhd_http_result scan(const uint8_t *data, size_t len, int level, size_t step,
                                 struct mhd_http_scan *s)
{
    mhd_http_scan_init(s);
    enum mhd_http_result r = HTTP_PARSE_NEED_MORE;
    size_t have = 0;
    while (r == HTTP_PARSE_NEED_MORE && have < len) {
        have = step == 0 || len - have < step ? len : have + step;
        char *copy = fuzz_dup(data, have, 0);
        r = mhd_http_scan_head(s, copy, have, level);
        free(copy);
    }
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned int ctl = data[0];
    int level = (ctl & 7) == 7 ? 0 : (int)(ctl & 7) - 3;
    data++;
    size--;
    /* Piece sizes grow quadratically with the control bits, and never fall
     * below 1/64 of the input, so that a large head still takes at most a
     * few dozen copies and calls. */
    size_t step = (size_t)(ctl >> 3) * (ctl >> 3);
    if (step < size / 64 + 1)
        step = size / 64 + 1;

    struct mhd_http_scan whole, pieces;
    enum mhd_http_result r = scan(data, size, level, 0, &whole);
    enum mhd_http_result rp = scan(data, size, level, step, &pieces);
    FUZZ_CHECK(r == rp);
    (void)mhd_http_result_status(r);
    if (r == HTTP_PARSE_NEED_MORE) {
        /* Pretend the connection's buffer is full: choose the answer. */
        char *copy = fuzz_dup(data, size, 0);
        enum mhd_http_result o = mhd_http_head_overflow(&whole, copy, size);
        FUZZ_CHECK(o != HTTP_PARSE_OK && o != HTTP_PARSE_NEED_MORE);
        free(copy);
        return 0;
    }
    if (r != HTTP_PARSE_OK)
        return 0;
    FUZZ_CHECK(whole.start == pieces.start && whole.line_end == pieces.line_end &&
               whole.head_end == pieces.head_end && whole.leading_empty == pieces.leading_empty);
    FUZZ_CHECK(whole.start < whole.line_end && whole.line_end <= whole.head_end &&
               whole.head_end <= size);

    size_t head_len = whole.head_end - whole.start;
    char *head = fuzz_dup(data + whole.start, head_len, 0);
    struct seen s = {.buf = head, .len = head_len, .level = level};
    struct mhd_http_head h;
    r = mhd_http_parse_head(head, head_len, level, &h, on_field, &s);
    if (r == HTTP_PARSE_OK)
        check_accepted(&h, &s);
    free(head);
    return 0;
}
