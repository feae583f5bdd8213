/* Chunked request bodies (src/http/chunked.c): chunk-size lines, the line
 * break after chunk data, the trailer section, and reply chunk headers. */
#include "http_test.h"

struct size_case {
    int line;
    const char *in;
    size_t len;       /* 0: strlen(in) */
    const char *want; /* levels 2, 1, 0, -1, -2, -3 */
    uint64_t size;
    size_t consumed;
};

#define C(in, want, size, used)                                                                    \
    {                                                                                              \
        __LINE__, in, 0, want, size, used                                                          \
    }
#define CN(in, want)                                                                               \
    {                                                                                              \
        __LINE__, in, sizeof(in) - 1, want, 0, 0                                                   \
    }

static const struct size_case size_cases[] = {
    C("0\r\n", "oooooo", 0, 3),
    C("1a\r\n", "oooooo", 26, 4),
    C("FFff\r\n", "oooooo", 0xffff, 6),
    C("0000000000000000000000001\r\n", "oooooo", 1, 27),
    C("ffffffffffffffff\r\n", "oooooo", UINT64_MAX, 18),
    C("00ffffffffffffffff\r\n", "oooooo", UINT64_MAX, 20),
    C("5\r\nhello\r\n", "oooooo", 5, 3),
    /* Extensions are accepted and ignored. */
    C("3;ext=1\r\n", "oooooo", 3, 9),
    C("3;a;b=\"q\"\r\n", "oooooo", 3, 11),
    C("3;name\r\n", "oooooo", 3, 8),
    C("3 ; a = b\r\n", "oooooo", 3, 11),
    C("3\t;\ta\t=\t\"b c\"\r\n", "oooooo", 3, 15),
    C("3;a=\"x\\\"y\"\r\n", "oooooo", 3, 12),
    C("3;a=\"\"\r\n", "oooooo", 3, 8),
    C("3;a=\"\xC3\xA9\"\r\n", "oooooo", 3, 10),
    C("a;x=1;y;z=\"2\"\r\nDATA", "oooooo", 10, 15),
    /* Bare LF and whitespace before the line end, from level 0 down. */
    C("3\n", "bboooo", 3, 2),
    C("3;x=1\n", "bboooo", 3, 6),
    C("3 \r\n", "bboooo", 3, 4),
    C("3\t\r\n", "bboooo", 3, 4),
    C("3;a=b \r\n", "bboooo", 3, 8),
    C("3;a \r\n", "bboooo", 3, 6),
    C("3 \n", "bboooo", 3, 3),
    /* Malformed lines. */
    C("\r\n", "bbbbbb", 0, 0),
    C("x\r\n", "bbbbbb", 0, 0),
    C("-1\r\n", "bbbbbb", 0, 0),
    C("+1\r\n", "bbbbbb", 0, 0),
    C(" 3\r\n", "bbbbbb", 0, 0),
    C("0x3\r\n", "bbbbbb", 0, 0),
    C("3x\r\n", "bbbbbb", 0, 0),
    C("3\r\r\n", "bbbbbb", 0, 0),
    C("3\rx", "bbbbbb", 0, 0),
    C("3;\r\n", "bbbbbb", 0, 0),
    C("3;=1\r\n", "bbbbbb", 0, 0),
    C("3;a=\r\n", "bbbbbb", 0, 0),
    C("3;a==b\r\n", "bbbbbb", 0, 0),
    C("3=b\r\n", "bbbbbb", 0, 0),
    C("3;a b\r\n", "bbbbbb", 0, 0),
    C("3;a=b=c\r\n", "bbbbbb", 0, 0),
    C("3;a=\"x\x01\"\r\n", "bbbbbb", 0, 0),
    C("3;a=\"x\\\x01\"\r\n", "bbbbbb", 0, 0),
    C("3;a@b\r\n", "bbbbbb", 0, 0),
    CN("3\0\r\n", "bbbbbb"),
    /* More than 64 bits. */
    C("10000000000000000\r\n", "bbbbbb", 0, 0),
    C("fffffffffffffffff\r\n", "bbbbbb", 0, 0),
};

/* Each prefix of a valid line needs more; a malformed one may be refused
 * early but never with another verdict. The whole input is placed flush
 * against the guard page each time. */
static void run_size_case(const struct size_case *c)
{
    size_t len = c->len ? c->len : strlen(c->in);
    for (int l = 0; l < 6; l++) {
        int level = ht_levels[l];
        char want = ht_want(c->want, l);
        uint64_t size = 0;
        size_t used = 0;
        char *buf = ht_place(c->in, len);
        enum mhd_http_result r = mhd_http_parse_chunk_size(buf, len, level, &size, &used);
        CHECK_MSG(ht_letter(r) == want, "line %d level %d: got %c want %c", c->line, level,
                  ht_letter(r), want);
        if (r == HTTP_PARSE_OK) {
            CHECK_MSG(size == c->size, "line %d: size", c->line);
            CHECK_EQ_SIZE(used, c->consumed);
        }
        size_t end = r == HTTP_PARSE_OK ? used : len;
        for (size_t k = 0; k < end; k++) {
            buf = ht_place(c->in, k);
            enum mhd_http_result p = mhd_http_parse_chunk_size(buf, k, level, &size, &used);
            if (p != HTTP_PARSE_NEED_MORE && (r == HTTP_PARSE_OK || p != r))
                CHECK_MSG(0, "line %d level %d: prefix %zu gave %c", c->line, level, k,
                          ht_letter(p));
        }
        for (size_t k = end; k <= len; k++) {
            buf = ht_place(c->in, k);
            enum mhd_http_result p = mhd_http_parse_chunk_size(buf, k, level, &size, &used);
            if (p != r)
                CHECK_MSG(0, "line %d level %d: length %zu gave %c", c->line, level, k,
                          ht_letter(p));
        }
    }
}

/* The cap on the line, extensions included. */
static void test_line_cap(void)
{
    static char in[MHD_HTTP_CHUNK_LINE_MAX + 64];
    uint64_t size;
    size_t used;
    for (size_t total = MHD_HTTP_CHUNK_LINE_MAX - 2; total <= MHD_HTTP_CHUNK_LINE_MAX + 2;
         total++) {
        /* "1;" + name + CRLF, total bytes in all. */
        memcpy(in, "1;", 2);
        memset(in + 2, 'e', total - 4);
        memcpy(in + total - 2, "\r\n", 2);
        char *buf = ht_place(in, total);
        enum mhd_http_result r = mhd_http_parse_chunk_size(buf, total, 0, &size, &used);
        if (total <= MHD_HTTP_CHUNK_LINE_MAX) {
            CHECK_EQ_INT(r, HTTP_PARSE_OK);
            CHECK_EQ_SIZE(used, total);
        } else {
            CHECK_EQ_INT(r, HTTP_PARSE_BAD);
        }
    }
    /* A line that has not ended within the cap is refused without waiting. */
    memset(in, '0', MHD_HTTP_CHUNK_LINE_MAX + 10);
    for (size_t k = MHD_HTTP_CHUNK_LINE_MAX - 1; k <= MHD_HTTP_CHUNK_LINE_MAX + 10; k++) {
        char *buf = ht_place(in, k);
        CHECK_EQ_INT(mhd_http_parse_chunk_size(buf, k, 0, &size, &used),
                     k < MHD_HTTP_CHUNK_LINE_MAX ? HTTP_PARSE_NEED_MORE : HTTP_PARSE_BAD);
    }
    memcpy(in, "1;a=\"", 5);
    memset(in + 5, 'q', MHD_HTTP_CHUNK_LINE_MAX);
    char *buf = ht_place(in, MHD_HTTP_CHUNK_LINE_MAX + 5);
    CHECK_EQ_INT(mhd_http_parse_chunk_size(buf, MHD_HTTP_CHUNK_LINE_MAX + 5, 0, &size, &used),
                 HTTP_PARSE_BAD);
}

static void test_chunk_end(void)
{
    static const struct {
        const char *in;
        const char *want;
        size_t used;
    } cases[] = {
        {"\r\n", "oooooo", 2},  {"\r\nXYZ", "oooooo", 2}, {"\n", "bboooo", 1}, {"\nX", "bboooo", 1},
        {"", "......", 0},      {"\r", "......", 0},      {"x", "bbbbbb", 0},  {"\rx", "bbbbbb", 0},
        {" \r\n", "bbbbbb", 0}, {"\r\r\n", "bbbbbb", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = strlen(cases[i].in);
        for (int l = 0; l < 6; l++) {
            size_t used = 0;
            char *buf = ht_place(cases[i].in, len);
            enum mhd_http_result r = mhd_http_parse_chunk_end(buf, len, ht_levels[l], &used);
            CHECK_MSG(ht_letter(r) == ht_want(cases[i].want, l), "chunk end %zu level %d: %c", i,
                      ht_levels[l], ht_letter(r));
            if (r == HTTP_PARSE_OK)
                CHECK_EQ_SIZE(used, cases[i].used);
            for (size_t k = 0; r == HTTP_PARSE_OK && k < used; k++) {
                buf = ht_place(cases[i].in, k);
                CHECK_EQ_INT(mhd_http_parse_chunk_end(buf, k, ht_levels[l], &used),
                             HTTP_PARSE_NEED_MORE);
            }
        }
    }
}

/* ---- trailers ------------------------------------------------------------ */

struct trailer_case {
    int line;
    const char *in;
    size_t end;         /* where the scan ends the section; 0: the whole input */
    const char *want;   /* parse verdicts at levels 2, 1, 0, -1, -2, -3 */
    const char *fields; /* at level 0, when accepted there */
};

#define T(in, end, want, fields)                                                                   \
    {                                                                                              \
        __LINE__, in, end, want, fields                                                            \
    }

static const struct trailer_case trailer_cases[] = {
    T("\r\n", 0, "oooooo", ""),
    T("\n", 0, "bboooo", ""),
    T("\r\nNEXT", 2, "oooooo", ""),
    T("A: b\r\n\r\n", 0, "oooooo", "A: b\n"),
    T("A: b\r\nB:  c \r\n\r\nGET / HTTP/1.1\r\n", 16, "oooooo", "A: b\nB: c\n"),
    T("A: b\n\n", 0, "bboooo", "A: b\n"),
    T("A: b\r\n\n", 0, "bboooo", "A: b\n"),
    T("A: b\n\r\n", 0, "bboooo", "A: b\n"),
    T("A: b\r\r\n\r\n", 0, "bbbooo", NULL),
    T("A: 1\r\n 2\r\n\r\n", 0, "bboooo", "A: 1   2\n"),
    T(" A: b\r\n\r\n", 0, "bbbooo", NULL),
    T("A : b\r\n\r\n", 0, "bbbbbo", NULL),
    T("A\r\n\r\n", 0, "bbbboo", NULL),
    T("Content-Length: abc\r\nHost: a b\r\nTransfer-Encoding: gzip\r\n\r\n", 0, "oooooo",
      "Content-Length: abc\nHost: a b\nTransfer-Encoding: gzip\n"),
    T("X: \x01\r\n\r\n", 0, "bbbooo", NULL),
};

/* The scan of a trailer section at every split point, then its parse. */
static void run_trailer_case(const struct trailer_case *c)
{
    size_t len = strlen(c->in);
    size_t want_end = c->end ? c->end : len;
    for (size_t k = 0; k <= want_end; k++) {
        size_t pos = 0, end = 0;
        char *buf = ht_place(c->in, k);
        enum mhd_http_result r = mhd_http_scan_trailers(buf, k, &pos, &end);
        if (k < want_end) {
            CHECK_MSG(r == HTTP_PARSE_NEED_MORE, "line %d: prefix %zu", c->line, k);
            buf = ht_place(c->in, len);
            r = mhd_http_scan_trailers(buf, len, &pos, &end);
        }
        CHECK_MSG(r == HTTP_PARSE_OK && end == want_end, "line %d: cut %zu gave %c end %zu",
                  c->line, k, ht_letter(r), end);
    }
    size_t pos = 0, end = 0;
    enum mhd_http_result r = HTTP_PARSE_NEED_MORE;
    for (size_t k = 1; k <= len && r == HTTP_PARSE_NEED_MORE; k++) {
        char *buf = ht_place(c->in, k);
        r = mhd_http_scan_trailers(buf, k, &pos, &end);
    }
    CHECK_MSG(r == HTTP_PARSE_OK && end == want_end, "line %d: byte by byte", c->line);
    for (int l = 0; l < 6; l++) {
        struct ht_rec rec;
        ht_rec_init(&rec);
        char *buf = ht_place(c->in, want_end);
        r = mhd_http_parse_trailers(buf, want_end, ht_levels[l], ht_rec_field, &rec);
        CHECK_MSG(ht_letter(r) == ht_want(c->want, l), "line %d level %d: got %c", c->line,
                  ht_levels[l], ht_letter(r));
        if (ht_levels[l] == 0 && r == HTTP_PARSE_OK && c->fields != NULL)
            CHECK_EQ_STR(rec.text, c->fields);
    }
}

static void test_trailer_no_memory(void)
{
    static const char in[] = "A: 1\r\nB: 2\r\n\r\n";
    for (unsigned int fail = 1; fail <= 3; fail++) {
        struct ht_rec rec;
        ht_rec_init(&rec);
        rec.fail_at = fail;
        char *buf = ht_place(in, sizeof(in) - 1);
        CHECK_EQ_INT(mhd_http_parse_trailers(buf, sizeof(in) - 1, 0, ht_rec_field, &rec),
                     fail <= 2 ? HTTP_PARSE_NO_MEMORY : HTTP_PARSE_OK);
    }
}

static void test_chunk_header(void)
{
    static const struct {
        uint64_t n;
        const char *text;
    } cases[] = {
        {0, "0\r\n"},
        {1, "1\r\n"},
        {15, "f\r\n"},
        {16, "10\r\n"},
        {0x1a2b, "1a2b\r\n"},
        {0x100000000u, "100000000\r\n"},
        {UINT64_MAX, "ffffffffffffffff\r\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *out = ht_place("\x55\x55\x55\x55\x55\x55\x55\x55\x55\x55\x55\x55\x55\x55\x55\x55"
                             "\x55\x55",
                             18);
        size_t n = mhd_http_chunk_header(out, cases[i].n);
        CHECK_EQ_MEM(out, n, cases[i].text, strlen(cases[i].text));
        /* Round trip through the parser. */
        uint64_t size = 1;
        size_t used = 0;
        CHECK_EQ_INT(mhd_http_parse_chunk_size(out, n, 2, &size, &used), HTTP_PARSE_OK);
        CHECK(size == cases[i].n);
        CHECK_EQ_SIZE(used, n);
    }
}

/* Decimal digits for Content-Length (HTTP/1.1 heads and HTTP/2 fields),
 * written into exactly the room they need. */
static void test_decimal(void)
{
    static const struct {
        uint64_t n;
        const char *text;
    } cases[] = {
        {0, "0"},
        {7, "7"},
        {9, "9"},
        {10, "10"},
        {99, "99"},
        {100, "100"},
        {1234567, "1234567"},
        {UINT64_MAX, "18446744073709551615"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *out = ht_place("\x55\x55\x55\x55\x55\x55\x55\x55\x55\x55\x55\x55\x55\x55\x55\x55"
                             "\x55\x55\x55\x55",
                             20);
        size_t n = mhd_http_decimal(out, cases[i].n);
        CHECK_EQ_MEM(out, n, cases[i].text, strlen(cases[i].text));
    }
}

int main(void)
{
    for (size_t i = 0; i < sizeof(size_cases) / sizeof(size_cases[0]); i++)
        run_size_case(&size_cases[i]);
    test_line_cap();
    test_chunk_end();
    for (size_t i = 0; i < sizeof(trailer_cases) / sizeof(trailer_cases[0]); i++)
        run_trailer_case(&trailer_cases[i]);
    test_trailer_no_memory();
    test_chunk_header();
    test_decimal();
    return check_done();
}
