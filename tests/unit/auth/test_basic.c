/* Basic credentials: decoding into the one-block struct, the legacy
 * split, the challenge value, limits, and robustness against every
 * truncation and random bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guard.h"

#include "auth/auth.h"
#include "auth/auth_internal.h"

/* "Basic " + base64(raw[0..len)) in a malloc()ed string. */
static char *header_for(const char *raw, size_t len)
{
    char *h = malloc(6 + mhd_base64_encoded_len(len) + 1);
    memcpy(h, "Basic ", 6);
    mhd_base64_encode(raw, len, h + 6);
    return h;
}

static struct MHD_BasicAuthInfo *parse(const char *v, size_t len)
{
    struct guard_buf g;
    char *p = guard_copy(&g, v, len);
    struct MHD_BasicAuthInfo *info = mhd_basic_parse(p, len);
    guard_free(&g);
    return info;
}

static struct MHD_BasicAuthInfo *parse_str(const char *v)
{
    return parse(v, strlen(v));
}

/* The strings live inside the block right after the struct. */
static void check_one_block(const struct MHD_BasicAuthInfo *i)
{
    const char *lo = (const char *)(i + 1);
    CHECK(i->username == lo);
    CHECK(i->username[i->username_len] == '\0');
    if (i->password != NULL) {
        CHECK(i->password == i->username + i->username_len + 1);
        CHECK(i->password[i->password_len] == '\0');
    }
}

static void check_decoding(void)
{
    struct MHD_BasicAuthInfo *i = parse_str("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    CHECK(i != NULL);
    if (i != NULL) {
        CHECK_EQ_MEM(i->username, i->username_len, "Aladdin", 7);
        CHECK_EQ_MEM(i->password, i->password_len, "open sesame", 11);
        check_one_block(i);
        mhd_free(i);
    }
    static const struct {
        const char *raw;
        size_t raw_len;
        const char *user;
        size_t user_len;
        const char *pass; /* NULL: no ':' */
        size_t pass_len;
    } v[] = {
        {"user", 4, "user", 4, NULL, 0},
        {"user:", 5, "user", 4, "", 0},
        {":pw", 3, "", 0, "pw", 2},
        {":", 1, "", 0, "", 0},
        {"a:b:c", 5, "a", 1, "b:c", 3},
        {"us\0er:p\0w", 9, "us\0er", 5, "p\0w", 3},
        {"\xc3\xa4:\xe2\x82\xac", 6, "\xc3\xa4", 2, "\xe2\x82\xac", 3},
        {"x", 1, "x", 1, NULL, 0},
    };
    for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
        char *h = header_for(v[k].raw, v[k].raw_len);
        i = parse_str(h);
        CHECK_MSG(i != NULL, "case %zu refused", k);
        if (i != NULL) {
            CHECK_EQ_MEM(i->username, i->username_len, v[k].user, v[k].user_len);
            if (v[k].pass == NULL) {
                CHECK(i->password == NULL);
                CHECK_EQ_SIZE(i->password_len, 0);
            } else {
                CHECK(i->password != NULL);
                CHECK_EQ_MEM(i->password, i->password_len, v[k].pass, v[k].pass_len);
            }
            check_one_block(i);
            mhd_free(i);
        }
        free(h);
    }
}

static void check_syntax(void)
{
    static const char *const accepted[] = {
        "Basic dTpw",  "basic dTpw",   "BASIC dTpw",  "Basic   dTpw",
        "Basic\tdTpw", "Basic dTpw  ", " Basic dTpw", "Basic dTpw\t",
    };
    for (size_t k = 0; k < sizeof(accepted) / sizeof(accepted[0]); k++) {
        struct MHD_BasicAuthInfo *i = parse_str(accepted[k]);
        CHECK_MSG(i != NULL, "refused \"%s\"", accepted[k]);
        if (i != NULL) {
            CHECK_EQ_MEM(i->username, i->username_len, "u", 1);
            CHECK_EQ_MEM(i->password, i->password_len, "p", 1);
        }
        mhd_free(i);
    }
    static const char *const refused[] = {
        "",
        "Basic",
        "Basic ",
        "Basic    ",
        "BasicdTpw",
        "Basic dTp",
        "Basic dTpw=",
        "Basic dT pw",
        "Basic dTpw x",
        "Digest dTpw",
        "Bearer dTpw",
        "Basic dTpw,",
        "Basic d\x00pw",
        "Basic dTpw\r\n",
        "Basic Zh==",
        "Basic =",
        "Basic ====",
        "Basic -_-_",
    };
    for (size_t k = 0; k < sizeof(refused) / sizeof(refused[0]); k++) {
        size_t len = strlen(refused[k]);
        if (k == 12)
            len = 11; /* the embedded NUL */
        struct MHD_BasicAuthInfo *i = parse(refused[k], len);
        CHECK_MSG(i == NULL, "accepted \"%s\"", refused[k]);
        mhd_free(i);
    }
    CHECK(mhd_basic_parse(NULL, 0) == NULL);
}

/* 64 KiB of decoded credentials pass, one byte more is refused. */
static void check_limit(void)
{
    size_t max = AUTH_BASIC_MAX_DECODED;
    char *raw = malloc(max + 1);
    memset(raw, 'x', max + 1);
    raw[10] = ':';
    char *h = header_for(raw, max);
    struct MHD_BasicAuthInfo *i = parse_str(h);
    CHECK(i != NULL);
    if (i != NULL)
        CHECK_EQ_SIZE(i->username_len + 1 + i->password_len, max);
    mhd_free(i);
    free(h);
    h = header_for(raw, max + 1);
    CHECK(parse_str(h) == NULL);
    free(h);
    free(raw);
}

static void check_legacy(void)
{
    char *pw = (char *)"untouched";
    char *u = mhd_basic_parse_legacy("Basic dTpw", 10, &pw);
    CHECK_EQ_STR(u, "u");
    CHECK_EQ_STR(pw, "p");
    mhd_free(u);
    mhd_free(pw);
    u = mhd_basic_parse_legacy("Basic dTpw", 10, NULL);
    CHECK_EQ_STR(u, "u");
    mhd_free(u);
    pw = (char *)"untouched";
    CHECK(mhd_basic_parse_legacy("Basic !!!!", 10, &pw) == NULL);
    CHECK_EQ_STR(pw, "untouched");
    CHECK(mhd_basic_parse_legacy(NULL, 0, &pw) == NULL);
    CHECK_EQ_STR(pw, "untouched");
    /* "dXNlcg==" is "user": credentials without ':' */
    CHECK(mhd_basic_parse_legacy("Basic dXNlcg==", 14, &pw) == NULL);
    CHECK(pw == NULL);
}

static void check_challenge(void)
{
    size_t len = 0;
    char *c = mhd_basic_challenge("My Realm", false, &len);
    CHECK_EQ_STR(c, "Basic realm=\"My Realm\"");
    CHECK_EQ_SIZE(len, strlen("Basic realm=\"My Realm\""));
    mhd_free(c);
    c = mhd_basic_challenge("a\"b\\c", true, NULL);
    CHECK_EQ_STR(c, "Basic realm=\"a\\\"b\\\\c\", charset=\"UTF-8\"");
    mhd_free(c);
    c = mhd_basic_challenge("", false, NULL);
    CHECK_EQ_STR(c, "Basic realm=\"\"");
    mhd_free(c);
    CHECK(mhd_basic_challenge("a\r\nSet-Cookie: x", false, NULL) == NULL);
    CHECK(mhd_basic_challenge("a\nb", false, NULL) == NULL);
    CHECK(mhd_basic_challenge(NULL, false, NULL) == NULL);
}

/* Every allocation failing gives NULL, never a crash or a leak. */
static void check_oom(void)
{
    char *pw = (char *)"untouched";
    mhd_alloc_fail_at(1);
    CHECK(mhd_basic_parse("Basic dTpw", 10) == NULL);
    mhd_alloc_fail_at(1);
    CHECK(mhd_basic_challenge("r", false, NULL) == NULL);
    for (unsigned long n = 1; n <= 3; n++) {
        mhd_alloc_fail_at(n);
        char *u = mhd_basic_parse_legacy("Basic dTpw", 10, &pw);
        mhd_alloc_fail_at(0);
        if (u != NULL) {
            CHECK_EQ_STR(u, "u");
            CHECK_EQ_STR(pw, "p");
            mhd_free(u);
            mhd_free(pw);
            pw = (char *)"untouched";
        } else {
            CHECK_EQ_STR(pw, "untouched");
        }
    }
    mhd_alloc_fail_at(0);
}

/* Every prefix of a valid header and random bytes: no crash, no overread;
 * prefixes are accepted exactly when they end on a quantum boundary. */
static void check_robustness(void)
{
    const char *h = "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==";
    size_t len = strlen(h);
    unsigned long bad = 0;
    for (size_t cut = 0; cut <= len; cut++) {
        struct MHD_BasicAuthInfo *i = parse(h, cut);
        bool want = cut > 6 && (cut - 6) % 4 == 0;
        bad += (i != NULL) != want;
        mhd_free(i);
    }
    CHECK_MSG(bad == 0, "%lu prefixes judged wrongly", bad);
    uint32_t x = 7;
    char buf[64];
    for (unsigned int round = 0; round < 20000; round++) {
        size_t n = 6 + round % 40;
        memcpy(buf, "Basic ", 6);
        for (size_t k = 6; k < n; k++) {
            x = x * 1664525u + 1013904223u;
            buf[k] = round & 1 ? (char)(x >> 24) : "AZaz09+/=:"[(x >> 24) % 10];
        }
        mhd_free(parse(buf, n));
    }
    CHECK(1);
}

int main(void)
{
    check_decoding();
    check_syntax();
    check_limit();
    check_legacy();
    check_challenge();
    check_oom();
    check_robustness();
    return check_done();
}
