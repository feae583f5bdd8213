/* Finding the end of a request head while it arrives, and the answer for a
 * head that does not fit (src/http/scan.c). */
#include "http_test.h"

struct scan_case {
    int line;
    const char *in;
    const char *want;   /* levels 2, 1, 0, -1, -2, -3 */
    size_t start;       /* for OK */
    size_t head_end;    /* for OK; 0 means the whole input */
    unsigned int empty; /* leading empty lines, for OK */
};

#define S(in, want, start, end, empty)                                                             \
    {                                                                                              \
        __LINE__, in, want, start, end, empty                                                      \
    }

static const struct scan_case cases[] = {
    S("GET / HTTP/1.1\r\n\r\n", "oooooo", 0, 0, 0),
    S("GET / HTTP/1.1\r\nA: b\r\n\r\n", "oooooo", 0, 0, 0),
    S("GET / HTTP/1.1\nA: b\n\n", "oooooo", 0, 0, 0),
    S("GET / HTTP/1.1\r\nA: b\n\r\n", "oooooo", 0, 0, 0),
    S("GET / HTTP/1.1\r\nA: b\r\n\n", "oooooo", 0, 0, 0),
    S("GET / HTTP/1.1\n\n", "oooooo", 0, 0, 0),
    S("GET / HTTP/1.1\n\r\n", "oooooo", 0, 0, 0),
    /* A lone CR before CRLF does not make an empty line. */
    S("GET / HTTP/1.1\r\nA: b\r\r\n\r\n", "oooooo", 0, 0, 0),
    S("GET / HTTP/1.1\r\n\r\r\n\r\n", "oooooo", 0, 0, 0),
    S("GET / HTTP/1.1\r\nA:\r\n \r\n\r\n", "oooooo", 0, 0, 0),
    /* Data after the head stays unscanned. */
    S("GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n", "oooooo", 0, 18, 0),
    S("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", "oooooo", 0, 38, 0),
    /* Empty lines before the request line. */
    S("\r\nGET / HTTP/1.1\r\n\r\n", "cooooo", 2, 0, 1),
    S("\r\n\r\nGET / HTTP/1.1\r\n\r\n", "ccoooo", 4, 0, 2),
    S("\nGET / HTTP/1.1\r\n\r\n", "ccoooo", 1, 0, 1),
    S("\r\n\nGET / HTTP/1.1\r\n\r\n", "ccoooo", 3, 0, 2),
    S("\n\r\nGET / HTTP/1.1\r\n\r\n", "ccoooo", 3, 0, 2),
    /* What cannot start a request closes at once. */
    S(" GET / HTTP/1.1\r\n\r\n", "cccccc", 0, 0, 0),
    S("\tGET / HTTP/1.1\r\n\r\n", "cccccc", 0, 0, 0),
    S("\vGET", "cccccc", 0, 0, 0),
    S("\r\n GET / HTTP/1.1\r\n\r\n", "cccccc", 0, 0, 0),
    S("\rGET / HTTP/1.1\r\n\r\n", "cccccc", 0, 0, 0),
    S("\x16\x03\x01\x02", "cccccc", 0, 0, 0),
    S("{\"json\": 1}\r\n\r\n", "cccccc", 0, 0, 0),
    S("\xC3\xA9", "cccccc", 0, 0, 0),
};

static void run_case(const struct scan_case *c)
{
    size_t len = strlen(c->in);
    for (int l = 0; l < 6; l++) {
        int level = ht_levels[l];
        struct mhd_http_scan s;
        mhd_http_scan_init(&s);
        char *buf = ht_place(c->in, len);
        enum mhd_http_result r = mhd_http_scan_head(&s, buf, len, level);
        CHECK_MSG(ht_letter(r) == ht_want(c->want, l), "line %d level %d: got %c want %c", c->line,
                  level, ht_letter(r), ht_want(c->want, l));
        size_t end = c->head_end ? c->head_end : len;
        if (r == HTTP_PARSE_OK) {
            CHECK_EQ_SIZE(s.start, c->start);
            CHECK_EQ_SIZE(s.head_end, end);
            CHECK_EQ_INT(s.leading_empty, c->empty);
            CHECK(s.line_end > s.start && s.line_end <= s.head_end);
            CHECK_EQ_INT(buf[s.line_end - 1], '\n');
        }
        /* Every split of the input up to the head's end. */
        ht_check_scan_splits(c->line, c->in, r == HTTP_PARSE_OK ? end : len, level, r, &s);
    }
}

/* The limits on empty lines before the request line, at each level. */
static void test_leading_limits(void)
{
    static char in[3 * 1100 + 32];
    static const size_t counts[] = {0, 1, 2, 3, 1023, 1024, 1025, 1100};
    for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
        for (int lf = 0; lf < 2; lf++) {
            size_t n = counts[k], len = 0;
            for (size_t i = 0; i < n; i++) {
                if (!lf)
                    in[len++] = '\r';
                in[len++] = '\n';
            }
            memcpy(in + len, "GET / HTTP/1.1\r\n\r\n", 18);
            len += 18;
            for (int l = 0; l < 6; l++) {
                int level = ht_levels[l];
                size_t max = level >= 2 ? 0 : level == 1 ? 1 : level >= -2 ? 1024 : (size_t)-1;
                bool ok = n <= max && (!lf || n == 0 || level <= 0);
                struct mhd_http_scan s;
                mhd_http_scan_init(&s);
                char *buf = ht_place(in, len);
                enum mhd_http_result r = mhd_http_scan_head(&s, buf, len, level);
                CHECK_MSG(r == (ok ? HTTP_PARSE_OK : HTTP_PARSE_CLOSE),
                          "%zu empty lines (lf %d) at level %d: %c", n, lf, level, ht_letter(r));
                if (r == HTTP_PARSE_OK)
                    CHECK_EQ_INT(s.leading_empty, n);
            }
        }
    }
}

/* Feeding a long head byte by byte looks at each byte once: the resume
 * offset always reaches the end of what was given. */
static void test_resume(void)
{
    static char in[20000];
    size_t len = 0;
    len += (size_t)snprintf(in, sizeof(in), "GET /");
    memset(in + len, 'p', 3000);
    len += 3000;
    len += (size_t)snprintf(in + len, sizeof(in) - len, " HTTP/1.1\r\n");
    for (int i = 0; i < 300; i++)
        len += (size_t)snprintf(in + len, sizeof(in) - len, "Field-%d: value %d\r\n", i, i);
    len += (size_t)snprintf(in + len, sizeof(in) - len, "\r\n");
    char *buf = ht_place(in, len);
    struct mhd_http_scan s;
    mhd_http_scan_init(&s);
    size_t calls = 0;
    enum mhd_http_result r = HTTP_PARSE_NEED_MORE;
    for (size_t k = 1; k <= len && r == HTTP_PARSE_NEED_MORE; k++) {
        r = mhd_http_scan_head(&s, buf, k, 0);
        calls++;
        if (r == HTTP_PARSE_NEED_MORE && s.pos != k)
            CHECK_MSG(0, "pos %zu after %zu bytes", s.pos, k);
    }
    CHECK_EQ_INT(r, HTTP_PARSE_OK);
    CHECK_EQ_SIZE(calls, len);
    CHECK_EQ_SIZE(s.head_end, len);
    CHECK_EQ_SIZE(s.line_end, 3016);
    /* Bigger steps, odd sizes. */
    for (size_t step = 2; step < 700; step = step * 3 + 1) {
        mhd_http_scan_init(&s);
        r = HTTP_PARSE_NEED_MORE;
        size_t k = 0;
        while (r == HTTP_PARSE_NEED_MORE) {
            k = k + step > len ? len : k + step;
            r = mhd_http_scan_head(&s, buf, k, 0);
        }
        CHECK_EQ_INT(r, HTTP_PARSE_OK);
        CHECK_EQ_SIZE(s.head_end, len);
    }
}

/* ---- mhd_http_head_overflow ----------------------------------------------- */

static enum mhd_http_result overflow_of(const char *in, size_t len)
{
    struct mhd_http_scan s;
    mhd_http_scan_init(&s);
    char *buf = ht_place(in, len);
    enum mhd_http_result r = mhd_http_scan_head(&s, buf, len, 0);
    if (r != HTTP_PARSE_NEED_MORE)
        return HTTP_PARSE_OK; /* the test input must be an incomplete head */
    return mhd_http_head_overflow(&s, buf, len);
}

/* Builds prefix + n copies of `fill` + suffix. */
static size_t build(char *out, const char *prefix, char fill, size_t n, const char *suffix)
{
    size_t len = strlen(prefix);
    memcpy(out, prefix, len);
    memset(out + len, fill, n);
    len += n;
    memcpy(out + len, suffix, strlen(suffix));
    return len + strlen(suffix);
}

static void test_overflow(void)
{
    static char in[40000];
    size_t len;
    /* Still reading the method: 501; only empty lines so far: close. */
    len = build(in, "", 'G', 1056, "");
    CHECK_EQ_INT(overflow_of(in, len), HTTP_PARSE_NOT_IMPLEMENTED);
    len = build(in, "\r\n", 'M', 1056, "");
    CHECK_EQ_INT(overflow_of(in, len), HTTP_PARSE_NOT_IMPLEMENTED);
    CHECK_EQ_INT(overflow_of("GET", 3), HTTP_PARSE_NOT_IMPLEMENTED);
    CHECK_EQ_INT(overflow_of("\r\n\r\n", 4), HTTP_PARSE_CLOSE);
    len = build(in, "", 'G', 1056, "\x01");
    CHECK_EQ_INT(overflow_of(in, len), HTTP_PARSE_CLOSE);
    /* The target of a common method is arriving: 414. */
    static const char *const common[] = {"GET /",    "HEAD /", "POST /",    "PUT /",
                                         "DELETE /", "GET\t/", "\r\nGET /", "GET "};
    for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
        len = build(in, common[i], 'a', 1056, "");
        CHECK_MSG(overflow_of(in, len) == HTTP_PARSE_URI_TOO_LONG, "%s", common[i]);
    }
    len = build(in, "GET /", 'a', 8192, " HTTP/1.");
    CHECK_EQ_INT(overflow_of(in, len), HTTP_PARSE_URI_TOO_LONG);
    /* Any other method: close. */
    static const char *const other[] = {"FOO /", "get /", "OPTIONS /", "GET@/", "GETT /"};
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        len = build(in, other[i], 'a', 1056, "");
        CHECK_MSG(overflow_of(in, len) == HTTP_PARSE_CLOSE, "%s", other[i]);
    }
    /* Among the fields: 431 unless the target or the method is what is
     * out of proportion. */
    len = build(in, "GET / HTTP/1.1\r\nHost: h\r\nX: ", 'v', 1056, "");
    CHECK_EQ_INT(overflow_of(in, len), HTTP_PARSE_HEAD_TOO_LARGE);
    len = build(in, "GET / HTTP/1.1\r\nHost: h\r\n", 'n', 1056, "");
    CHECK_EQ_INT(overflow_of(in, len), HTTP_PARSE_HEAD_TOO_LARGE);
    len = build(in, "FOO / HTTP/1.1\r\nX: ", 'v', 1056, "");
    CHECK_EQ_INT(overflow_of(in, len), HTTP_PARSE_HEAD_TOO_LARGE);
    len = build(in, "GET /", 'a', 700, " HTTP/1.1\r\nHost: h\r\nX: y\r\n");
    CHECK_EQ_INT(overflow_of(in, len), HTTP_PARSE_URI_TOO_LONG);
    len = build(in, "GET /", 'a', 9000, " HTTP/1.1\r\nHost: h\r\n");
    memset(in + len, 'x', 12000);
    len += 12000;
    CHECK_EQ_INT(overflow_of(in, len), HTTP_PARSE_URI_TOO_LONG);
    len = build(in, "GET /", 'a', 200, " HTTP/1.1\r\nHost: h\r\nX: ");
    memset(in + len, 'x', 300);
    len += 300;
    CHECK_EQ_INT(overflow_of(in, len), HTTP_PARSE_HEAD_TOO_LARGE);
    len = build(in, "", 'M', 700, " / HTTP/1.1\r\nHost: h\r\n");
    CHECK_EQ_INT(overflow_of(in, len), HTTP_PARSE_NOT_IMPLEMENTED);
    len = build(in, "", 'M', 700, " /");
    len = build(in + len, "", 'a', 800, " HTTP/1.1\r\nHost: h\r\n") + len;
    CHECK_EQ_INT(overflow_of(in, len), HTTP_PARSE_URI_TOO_LONG);
}

/* The part of a parsed request blamed for taking the room. */
static void test_too_large(void)
{
    CHECK_EQ_INT(mhd_http_too_large(800, 1, 60), HTTP_PARSE_NOT_IMPLEMENTED);
    CHECK_EQ_INT(mhd_http_too_large(3, 800, 60), HTTP_PARSE_URI_TOO_LONG);
    CHECK_EQ_INT(mhd_http_too_large(3, 1, 800), HTTP_PARSE_HEAD_TOO_LARGE);
    CHECK_EQ_INT(mhd_http_too_large(3, 9000, 12000), HTTP_PARSE_URI_TOO_LONG);
    /* Ties go to the later part. */
    CHECK_EQ_INT(mhd_http_too_large(700, 700, 10), HTTP_PARSE_URI_TOO_LONG);
    CHECK_EQ_INT(mhd_http_too_large(700, 10, 700), HTTP_PARSE_HEAD_TOO_LARGE);
    CHECK_EQ_INT(mhd_http_too_large(3, 700, 700), HTTP_PARSE_HEAD_TOO_LARGE);
}

int main(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_case(&cases[i]);
    test_leading_limits();
    test_resume();
    test_overflow();
    test_too_large();
    return check_done();
}
