/* Hex digests, scheme matching and quoted strings. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "guard.h"

#include "auth/auth_internal.h"

static void check_hex(void)
{
    uint8_t bin[256], back[128];
    char hex[513];
    for (size_t i = 0; i < sizeof(bin); i++)
        bin[i] = (uint8_t)i;
    mhd_auth_bin_to_hex(bin, sizeof(bin), hex);
    CHECK_EQ_SIZE(strlen(hex), 512);
    CHECK(memcmp(hex, "000102030405060708090a0b0c0d0e0f10", 34) == 0);
    CHECK(memcmp(hex + 500, "fafbfcfdfeff", 12) == 0);
    CHECK(mhd_auth_hex_to_bin(hex, 256, back));
    CHECK_EQ_MEM(back, 128, bin, 128);
    CHECK(mhd_auth_hex_to_bin("DEADbeef", 8, back));
    CHECK_EQ_MEM(back, 4, "\xde\xad\xbe\xef", 4);
    CHECK(mhd_auth_hex_to_bin("", 0, back));
    CHECK(!mhd_auth_hex_to_bin("abc", 3, back));
    CHECK(!mhd_auth_hex_to_bin("0g", 2, back));
    CHECK(!mhd_auth_hex_to_bin("g0", 2, back));
    CHECK(!mhd_auth_hex_to_bin(" 0", 2, back));
    for (int c = 0; c < 256; c++) {
        int want = (c >= '0' && c <= '9')   ? c - '0'
                   : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                   : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                            : -1;
        CHECK_EQ_INT(mhd_auth_hex_digit((char)c), want);
    }
}

static bool scheme(const char *v, const char *s, size_t *rest)
{
    struct guard_buf g;
    char *p = guard_copy(&g, v, strlen(v));
    bool r = mhd_auth_match_scheme(p, strlen(v), s, rest);
    guard_free(&g);
    return r;
}

static void check_scheme(void)
{
    size_t rest = 0;
    CHECK(scheme("Basic abc", "Basic", &rest));
    CHECK_EQ_SIZE(rest, 6);
    CHECK(scheme("bAsIc   abc", "Basic", &rest));
    CHECK_EQ_SIZE(rest, 8);
    CHECK(scheme(" \tBASIC\tx", "Basic", &rest));
    CHECK_EQ_SIZE(rest, 8);
    CHECK(scheme("Basic", "Basic", &rest));
    CHECK_EQ_SIZE(rest, 5);
    CHECK(scheme("Basic  ", "Basic", &rest));
    CHECK_EQ_SIZE(rest, 7);
    CHECK(!scheme("Basicabc", "Basic", &rest));
    CHECK(!scheme("Basi", "Basic", &rest));
    CHECK(!scheme("", "Basic", &rest));
    CHECK(!scheme("Digest x", "Basic", &rest));
    CHECK(!scheme("Basic,x", "Basic", &rest));
}

static void check_quote(void)
{
    char buf[64];
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", "\"\""},
        {"abc", "\"abc\""},
        {"a\"b", "\"a\\\"b\""},
        {"\\", "\"\\\\\""},
        {"\"\\\"", "\"\\\"\\\\\\\"\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = strlen(cases[i].in);
        size_t want = mhd_auth_quoted_len(cases[i].in, len);
        size_t n = mhd_auth_quote(buf, cases[i].in, len);
        CHECK_EQ_SIZE(n, want);
        CHECK_EQ_MEM(buf, n, cases[i].out, strlen(cases[i].out));
    }
}

int main(void)
{
    check_hex();
    check_scheme();
    check_quote();
    return check_done();
}
