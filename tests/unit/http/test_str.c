/* Byte classes, case-insensitive comparison, token lists, control-byte
 * scanning and the result-to-status mapping (src/http/str.c). */
#include "http_test.h"

#include "http/http_internal.h"

static void test_status(void)
{
    CHECK_EQ_INT(mhd_http_result_status(HTTP_PARSE_OK), 0);
    CHECK_EQ_INT(mhd_http_result_status(HTTP_PARSE_NEED_MORE), 0);
    CHECK_EQ_INT(mhd_http_result_status(HTTP_PARSE_CLOSE), 0);
    CHECK_EQ_INT(mhd_http_result_status(HTTP_PARSE_BAD), 400);
    CHECK_EQ_INT(mhd_http_result_status(HTTP_PARSE_URI_TOO_LONG), 414);
    CHECK_EQ_INT(mhd_http_result_status(HTTP_PARSE_HEAD_TOO_LARGE), 431);
    CHECK_EQ_INT(mhd_http_result_status(HTTP_PARSE_BODY_TOO_LARGE), 413);
    CHECK_EQ_INT(mhd_http_result_status(HTTP_PARSE_NOT_IMPLEMENTED), 501);
    CHECK_EQ_INT(mhd_http_result_status(HTTP_PARSE_BAD_VERSION), 505);
    CHECK_EQ_INT(mhd_http_result_status(HTTP_PARSE_NO_MEMORY), 431);
}

static void test_token(void)
{
    static const char tchars[] = "!#$%&'*+-.^_`|~09azAZ";
    for (unsigned int c = 0; c < 256; c++) {
        char b = (char)c;
        bool want = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c != 0 && strchr(tchars, (int)c) != NULL);
        CHECK_MSG(mhd_http_is_token(&b, 1) == want, "is_token(0x%02x)", c);
    }
    CHECK(!mhd_http_is_token("", 0));
    CHECK(mhd_http_is_token("Content-Length", 14));
    CHECK(!mhd_http_is_token("Content Length", 14));
    CHECK(!mhd_http_is_token("Host:", 5));
    char *p = ht_place("X-Y", 3);
    CHECK(mhd_http_is_token(p, 3));
}

static void test_nocase(void)
{
    CHECK(mhd_http_str_eq_nocase("Content-Length", "content-LENGTH", 14));
    CHECK(!mhd_http_str_eq_nocase("Content-Length", "Content_Length", 14));
    CHECK(mhd_http_str_eq_nocase("", "", 0));
    CHECK(mhd_http_str_eq_nocase("a\xC4", "A\xC4", 2));
    CHECK(!mhd_http_str_eq_nocase("\xC4", "\xE4", 1)); /* no folding outside ASCII */
    CHECK(!mhd_http_str_eq_nocase("@", "`", 1));
    CHECK(!mhd_http_str_eq_nocase("[", "{", 1));
    CHECK(mhd_http_eq_lower("HoSt", "host", 4));
    CHECK(!mhd_http_eq_lower("Hos\r", "hos-", 4));
    /* Every byte pair: equal exactly when equal after ASCII lower-casing. */
    for (unsigned int a = 0; a < 256; a++) {
        for (unsigned int b = 0; b < 256; b++) {
            char x = (char)a, y = (char)b;
            unsigned int la = (a >= 'A' && a <= 'Z') ? a + 32 : a;
            unsigned int lb = (b >= 'A' && b <= 'Z') ? b + 32 : b;
            if (mhd_http_str_eq_nocase(&x, &y, 1) != (la == lb))
                CHECK_MSG(0, "nocase 0x%02x 0x%02x", a, b);
        }
    }
    CHECK(1);
}

static void test_list(void)
{
    CHECK(mhd_http_list_has_token("close", 5, "close", 5));
    CHECK(mhd_http_list_has_token("Keep-Alive, Upgrade", 19, "upgrade", 7));
    CHECK(mhd_http_list_has_token(" a ,\tCLOSE\t, b", 14, "close", 5));
    CHECK(!mhd_http_list_has_token("closed", 6, "close", 5));
    CHECK(!mhd_http_list_has_token("clo se", 6, "close", 5));
    CHECK(!mhd_http_list_has_token("", 0, "close", 5));
    CHECK(mhd_http_list_has_token(",,close,,", 9, "close", 5));
    CHECK(!mhd_http_list_has_token("a,b", 3, "a,b", 3));
    const char *v = "x, close";
    char *p = ht_place(v, strlen(v));
    CHECK(mhd_http_list_has_token(p, strlen(v), "close", 5));
    CHECK(!mhd_http_list_has_token(p, 0, "close", 5));
}

static void test_methods(void)
{
    CHECK(mhd_http_is_common_method("GET", 3));
    CHECK(mhd_http_is_common_method("HEAD", 4));
    CHECK(mhd_http_is_common_method("POST", 4));
    CHECK(mhd_http_is_common_method("PUT", 3));
    CHECK(mhd_http_is_common_method("DELETE", 6));
    CHECK(!mhd_http_is_common_method("get", 3));
    CHECK(!mhd_http_is_common_method("OPTIONS", 7));
    CHECK(!mhd_http_is_common_method("GETX", 4));
    CHECK(!mhd_http_is_common_method("", 0));
}

/* Both scanners at every length and hit position, ending at a guard page. */
static void test_find(void)
{
    char src[80];
    for (size_t len = 0; len <= 70; len++) {
        memset(src, 'a', sizeof(src));
        char *p = ht_place(src, len);
        CHECK_MSG(mhd_http_find_ctl(p, p + len) == p + len, "no hit, len %zu", len);
        for (size_t at = 0; at < len; at++) {
            static const unsigned char hits[] = {0x00, 0x01, '\t', '\n', '\r', 0x1F, 0x7F};
            for (size_t k = 0; k < sizeof(hits); k++) {
                memset(src, 'a', len);
                src[at] = (char)hits[k];
                p = ht_place(src, len);
                if (mhd_http_find_ctl(p, p + len) != p + at ||
                    mhd_http_find_ctl_or_sp(p, p + len) != p + at)
                    CHECK_MSG(0, "hit 0x%02x at %zu of %zu", hits[k], at, len);
            }
            static const unsigned char misses[] = {' ', 0x80, 0xFF, 0x7E, 0x21, 0xA0};
            for (size_t k = 0; k < sizeof(misses); k++) {
                memset(src, 'a', len);
                src[at] = (char)misses[k];
                p = ht_place(src, len);
                bool sp = misses[k] == ' ';
                if (mhd_http_find_ctl(p, p + len) != p + len ||
                    mhd_http_find_ctl_or_sp(p, p + len) != (sp ? p + at : p + len))
                    CHECK_MSG(0, "miss 0x%02x at %zu of %zu", misses[k], at, len);
            }
        }
    }
    CHECK(1);
}

static void test_classes(void)
{
    for (unsigned int c = 0; c < 256; c++) {
        bool ctl = c < 0x20 || c == 0x7F;
        CHECK_MSG(mhd_http_has((unsigned char)c, HTTP_C_CTL) == ctl, "ctl 0x%02x", c);
        bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        CHECK_MSG(mhd_http_has((unsigned char)c, HTTP_C_HEX) == hex, "hex 0x%02x", c);
        CHECK_MSG((mhd_http_hex_value((unsigned char)c) >= 0) == hex, "hex value 0x%02x", c);
        bool cookie = c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
                      (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
        CHECK_MSG(mhd_http_has((unsigned char)c, HTTP_C_COOKIE) == cookie, "cookie 0x%02x", c);
        bool uri = (c > 0x20 && c < 0x7F) || c >= 0x80;
        CHECK_MSG(mhd_http_has((unsigned char)c, HTTP_C_URI) == uri, "uri 0x%02x", c);
    }
    CHECK_EQ_INT(mhd_http_hex_value('F'), 15);
    CHECK_EQ_INT(mhd_http_hex_value('a'), 10);
    CHECK_EQ_INT(mhd_http_hex_value('9'), 9);
    CHECK(mhd_http_has('~', HTTP_C_REG));
    CHECK(mhd_http_has('=', HTTP_C_REG));
    CHECK(!mhd_http_has('@', HTTP_C_REG));
    CHECK(!mhd_http_has(':', HTTP_C_REG));
    CHECK(!mhd_http_has('%', HTTP_C_REG));
    CHECK(mhd_http_has('\t', HTTP_C_QDTEXT));
    CHECK(!mhd_http_has('"', HTTP_C_QDTEXT));
    CHECK(!mhd_http_has('\\', HTTP_C_QDTEXT));
    CHECK(mhd_http_has(0xE9, HTTP_C_QDTEXT));
}

int main(void)
{
    test_status();
    test_token();
    test_nocase();
    test_list();
    test_methods();
    test_find();
    test_classes();
    return check_done();
}
