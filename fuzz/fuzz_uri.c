/* Percent-decoding and query strings: mhd_http_unescape() in its strict
 * and lenient forms, and mhd_http_parse_query() with the default decoder
 * and with an application-style one.
 *
 * Input: one control byte, then the string (a path or a query without its
 * '?').
 *   bit 0     parse_query uses a strict decoder instead of the default;
 *   bits 1-7  n: the argument callback stops the parse at argument n
 *             (0: never).
 *
 * Both unescape results are compared with a decoder written here from the
 * contract in http.h, so a wrong byte fails just like an overread does. */
#include "fuzz.h"

#include "http/http.h"

/* The contract: every '%' followed by two hex digits becomes that byte;
 * any other byte, a malformed escape's '%' included, is copied. Strict
 * mode changes nothing unless every '%' starts a valid escape. Writes to
 * `out` (room for len bytes) and returns the decoded length. */
static size_t reference_unescape(const char *s, size_t len, bool strict, char *out)
{
    bool malformed = false;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] == '%' && len - i >= 3 && fuzz_hex((unsigned char)s[i + 1]) >= 0 &&
            fuzz_hex((unsigned char)s[i + 2]) >= 0) {
            out[n++] =
                (char)(fuzz_hex((unsigned char)s[i + 1]) << 4 | fuzz_hex((unsigned char)s[i + 2]));
            i += 3;
            continue;
        }
        if (s[i] == '%')
            malformed = true;
        out[n++] = s[i++];
    }
    if (strict && malformed) {
        if (len)
            memcpy(out, s, len);
        return len;
    }
    return n;
}

static void check_unescape(const uint8_t *data, size_t len, bool strict)
{
    char *s = fuzz_dup(data, len, 1);
    char *want = fuzz_dup(data, len, 0);
    size_t want_len = reference_unescape((const char *)data, len, strict, want);
    size_t got = mhd_http_unescape(s, len, strict);
    FUZZ_CHECK(got == want_len);
    FUZZ_CHECK(s[got] == '\0');
    FUZZ_CHECK(got == 0 || memcmp(s, want, got) == 0);
    free(want);
    free(s);
}

struct args {
    const char *buf;
    size_t len;
    unsigned int n;
    unsigned int stop_at;
};

static bool on_arg(void *ctx, char *key, size_t key_len, char *value, size_t value_len)
{
    struct args *a = ctx;
    FUZZ_CHECK(key >= a->buf && key + key_len <= a->buf + a->len);
    FUZZ_CHECK(key[key_len] == '\0');
    if (value != NULL) {
        FUZZ_CHECK(value > key && value + value_len <= a->buf + a->len);
        FUZZ_CHECK(value[value_len] == '\0');
    } else {
        FUZZ_CHECK(value_len == 0);
    }
    a->n++;
    return a->stop_at == 0 || a->n < a->stop_at;
}

/* An application's decoder: strict, so malformed escapes stay as sent. */
static size_t strict_unescape(void *ctx, char *s, size_t len)
{
    (void)ctx;
    FUZZ_CHECK(s[len] == '\0');
    return mhd_http_unescape(s, len, true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned int ctl = data[0];
    data++;
    size--;
    check_unescape(data, size, false);
    check_unescape(data, size, true);

    /* The query parser may write its last terminator at q[len]. */
    char *q = fuzz_dup(data, size, 1);
    struct args a = {q, size, 0, ctl >> 1};
    bool done = mhd_http_parse_query(q, size, (ctl & 1) ? strict_unescape : NULL, NULL, on_arg, &a);
    FUZZ_CHECK(done == (a.stop_at == 0 || a.n < a.stop_at));
    if (done) {
        /* One argument per non-empty piece between '&'s. */
        unsigned int pieces = 0;
        for (size_t i = 0; i < size; i++)
            if (data[i] != '&' && (i == 0 || data[i - 1] == '&'))
                pieces++;
        FUZZ_CHECK(a.n == pieces);
    }
    free(q);
    return 0;
}
