/* Percent-decoding, query strings and the Host grammar (src/http/uri.c). */
#include "http_test.h"

#include "http/http_internal.h"

/* Decodes `in` placed so that its terminator slot is the last accessible
 * byte, and checks the result and its length. */
static void check_unescape(int line, const char *in, size_t in_len, bool strict, const char *want,
                           size_t want_len)
{
    char tmp[1024];
    memcpy(tmp, in, in_len);
    tmp[in_len] = 'Z'; /* must become the terminator */
    char *buf = ht_place(tmp, in_len + 1);
    size_t n = mhd_http_unescape(buf, in_len, strict);
    CHECK_MSG(n == want_len && memcmp(buf, want, n) == 0 && buf[n] == '\0',
              "line %d (strict %d): got %zu bytes \"%.*s\"", line, strict, n, (int)n, buf);
}

#define U(in, strict, want)                                                                        \
    check_unescape(__LINE__, in, sizeof(in) - 1, strict, want, sizeof(want) - 1)

static void test_unescape(void)
{
    for (int strict = 0; strict < 2; strict++) {
        U("", strict, "");
        U("abc", strict, "abc");
        U("%41%42", strict, "AB");
        U("%4a%4A", strict, "JJ");
        U("a%20b", strict, "a b");
        U("%00", strict, "\0");
        U("a%00b", strict, "a\0b");
        U("a+b", strict, "a+b");
        U("%2B", strict, "+");
        U("%2541", strict, "%41");
        U("%A0bar", strict,
          "\xA0"
          "bar");
        U("/hello+world", strict, "/hello+world");
    }
    /* Malformed escapes: strict leaves the string as it was; lenient copies
     * them through and decodes the rest. */
    U("%zz", true, "%zz");
    U("%zz", false, "%zz");
    U("%4", true, "%4");
    U("%4", false, "%4");
    U("%", true, "%");
    U("%", false, "%");
    U("a%41%zz", true, "a%41%zz");
    U("a%41%zz", false, "aA%zz");
    U("%%41", true, "%%41");
    U("%%41", false, "%A");
    U("%41%", true, "%41%");
    U("%41%", false, "A%");
    U("%g1%41", false, "%g1A");
    U("%1g%41", false, "%1gA");
    /* Every byte value survives a round trip. */
    char enc[3 * 256 + 1], want[256];
    for (int c = 0; c < 256; c++) {
        snprintf(enc + 3 * c, 4, "%%%02X", c);
        want[c] = (char)c;
    }
    check_unescape(__LINE__, enc, 3 * 256, true, want, 256);
    for (int c = 0; c < 256; c++)
        snprintf(enc + 3 * c, 4, "%%%02x", c);
    check_unescape(__LINE__, enc, 3 * 256, false, want, 256);
}

/* ---- query strings ------------------------------------------------------- */

struct args {
    char text[1024];
    size_t len;
    unsigned int n;
    unsigned int stop_at;
};

/* Records "key=value;" with "(null)" for a missing value and \0 as "\0". */
static void put(struct args *a, const char *s, size_t n)
{
    for (size_t i = 0; i < n && a->len + 3 < sizeof(a->text); i++) {
        if (s[i] == '\0') {
            a->text[a->len++] = '\\';
            a->text[a->len++] = '0';
        } else {
            a->text[a->len++] = s[i];
        }
    }
    a->text[a->len] = '\0';
}

static bool record_arg(void *ctx, char *key, size_t key_len, char *value, size_t value_len)
{
    struct args *a = ctx;
    a->n++;
    if (a->stop_at != 0 && a->n == a->stop_at)
        return false;
    CHECK(key[key_len] == '\0');
    put(a, key, key_len);
    put(a, "=", 1);
    if (value == NULL) {
        CHECK_EQ_SIZE(value_len, 0);
        put(a, "(null)", 6);
    } else {
        CHECK(value[value_len] == '\0');
        put(a, value, value_len);
    }
    put(a, ";", 1);
    return true;
}

static size_t strict_unescape(void *ctx, char *s, size_t len)
{
    CHECK(ctx == (void *)&strict_unescape);
    CHECK(s[len] == '\0');
    return mhd_http_unescape(s, len, true);
}

/* An application decoder that reports length 0 for everything. */
static size_t zero_unescape(void *ctx, char *s, size_t len)
{
    (void)ctx;
    (void)len;
    s[0] = '\0';
    return 0;
}

static void check_query(int line, const char *in, mhd_http_unescape_fn fn, void *uctx,
                        const char *want)
{
    char tmp[512];
    size_t len = strlen(in);
    memcpy(tmp, in, len + 1);
    char *q = ht_place(tmp, len + 1);
    struct args a;
    memset(&a, 0, sizeof(a));
    CHECK(mhd_http_parse_query(q, len, fn, uctx, record_arg, &a));
    CHECK_MSG(strcmp(a.text, want) == 0, "line %d: got \"%s\" want \"%s\"", line, a.text, want);
}

#define Q(in, want) check_query(__LINE__, in, strict_unescape, (void *)&strict_unescape, want)

static void test_query(void)
{
    Q("a=b&c=&d", "a=b;c=;d=(null);");
    Q("k=v+x", "k=v x;");
    Q("hash=%23foo", "hash=#foo;");
    Q("space=%A0bar", "space=\xA0"
                      "bar;");
    Q("a&&b", "a=(null);b=(null);");
    Q("&&&", "");
    Q("", "");
    Q("&=x", "=x;");
    Q("=", "=;");
    Q("a=b=c", "a=b=c;");
    Q("%00=%00", "\\0=\\0;");
    Q("a+b=c+d", "a b=c d;");
    Q("%2B=%2b", "+=+;");
    Q("f=%zz", "f=%zz;");
    Q("a=1&a=2", "a=1;a=2;");
    Q("&a=1&", "a=1;");
    Q("x=%41&y=%4", "x=A;y=%4;");
    check_query(__LINE__, "x=%41&y=%4", NULL, NULL, "x=A;y=%4;");
    check_query(__LINE__, "x=%41&y", zero_unescape, NULL, "=;=(null);");
    /* A callback that fails stops the walk. */
    char tmp[] = "a=1&b=2&c=3";
    struct args a;
    memset(&a, 0, sizeof(a));
    a.stop_at = 2;
    CHECK(!mhd_http_parse_query(tmp, strlen(tmp), NULL, NULL, record_arg, &a));
    CHECK_EQ_INT(a.n, 2);
    CHECK_EQ_STR(a.text, "a=1;");
}

/* ---- Host ---------------------------------------------------------------- */

static void test_host(void)
{
    static const char *const good[] = {
        "",
        "h",
        "example.com",
        "example.com:8080",
        "EXAMPLE.com:",
        "10.0.0.1",
        "10.0.0.1:80",
        "999.1.1.1",
        "a-b_c~d.e",
        "!$&'()*+,;=",
        "ex%41mple",
        ":80",
        "[::1]",
        "[::1]:443",
        "[::]",
        "[1:2:3:4:5:6:7:8]",
        "[1::8]",
        "[1:2:3:4:5:6:7::]",
        "[::2:3:4:5:6:7:8]",
        "[::ffff:192.0.2.1]",
        "[1:2:3:4:5:6:1.2.3.4]",
        "[ABCD:ef01::1]",
        "[v1.x]",
        "[V1a.a:b:c]",
    };
    static const char *const bad[] = {
        " h",
        "h ",
        "a b",
        "a@b",
        "a/b",
        "a?b",
        "a#b",
        "a[b",
        "a\"b",
        "ex%4",
        "ex%zz",
        "h:8x",
        "h:80:80",
        "[::1",
        "::1",
        "[::1]x",
        "[::1]:x",
        "[]",
        "[:]",
        "[:::]",
        "[1:2:3:4:5:6:7:8:9]",
        "[1:2:3:4:5:6:7]",
        "[1::2:3:4:5:6:7:8]",
        "[1::2::3]",
        "[12345::1]",
        "[1:]",
        "[:1]",
        "[1:2:3:4:5:6:7:1.2.3.4]",
        "[::1.2.3]",
        "[::1.2.3.256]",
        "[::01.2.3.4]",
        "[::1.2.3.4.5]",
        "[g::1]",
        "[fe80::1%25eth0]",
        "[v.x]",
        "[v1.]",
        "[v1x]",
        "[v1.a b]",
        "h\x01",
        "h\xC3\xA9",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char *p = ht_place(good[i], strlen(good[i]));
        CHECK_MSG(mhd_http_is_valid_host(p, strlen(good[i])), "should be valid: \"%s\"", good[i]);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *p = ht_place(bad[i], strlen(bad[i]));
        CHECK_MSG(!mhd_http_is_valid_host(p, strlen(bad[i])), "should be invalid: \"%s\"", bad[i]);
    }
}

int main(void)
{
    test_unescape();
    test_query();
    test_host();
    return check_done();
}
