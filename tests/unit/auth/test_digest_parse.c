/* The Digest parameter parser and the interpretation of its fields, with
 * fuzz-like loops: truncation at every position, single-byte mutations at
 * every position, and random bytes, all flush against an unreadable page. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guard.h"

#include "auth/auth_internal.h"

static const char rfc7616[] =
    "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\", "
    "algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001, "
    "cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth, "
    "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", "
    "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";

static struct guard_buf g;
static struct mhd_dparams P;

/* Parses `v` from a guarded copy; the spans in P stay valid until the next
 * call. */
static bool parse_n(const char *v, size_t len)
{
    static bool have;
    if (have)
        guard_free(&g);
    char *p = guard_copy(&g, v, len);
    have = true;
    return mhd_digest_parse_params(p, len, &P);
}

static bool parse(const char *v)
{
    return parse_n(v, strlen(v));
}

static bool val_is(const struct mhd_dparam *d, const char *want)
{
    if (!d->present)
        return false;
    size_t n = mhd_dparam_len(d);
    char *buf = malloc(n + 1);
    mhd_dparam_copy(d, buf);
    bool same = n == strlen(want) && memcmp(buf, want, n) == 0;
    free(buf);
    return same && mhd_dparam_equals(d, want, strlen(want));
}

static void check_full_header(void)
{
    CHECK(parse(rfc7616));
    CHECK(val_is(&P.username, "Mufasa"));
    CHECK(val_is(&P.realm, "http-auth@example.org"));
    CHECK(val_is(&P.uri, "/dir/index.html"));
    CHECK(val_is(&P.algorithm, "SHA-256"));
    CHECK(val_is(&P.nonce, "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"));
    CHECK(val_is(&P.nc, "00000001"));
    CHECK(val_is(&P.cnonce, "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"));
    CHECK(val_is(&P.qop, "auth"));
    CHECK(val_is(&P.opaque, "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"));
    CHECK(!P.username_ext.present);
    CHECK(!P.userhash.present);
    CHECK_EQ_INT(mhd_dparams_algo3(&P), MHD_DIGEST_AUTH_ALGO3_SHA256);
    CHECK_EQ_INT(mhd_dparams_qop(&P), MHD_DIGEST_AUTH_QOP_AUTH);
    CHECK_EQ_INT(mhd_dparams_nc(&P), 1);
}

static void check_syntax(void)
{
    static const char *const accepted[] = {
        "Digest",
        "Digest ",
        "digest realm=x",
        "DIGEST realm=\"x\"",
        "  Digest realm=x",
        "Digest ,, realm=x ,, ,",
        "Digest realm = x",
        "Digest realm=\t\"x\"\t, nonce=y",
        "Digest realm=x,nonce=y",
        "Digest foo=\"a,b=c\", realm=x",
        "Digest foo=, realm=x",
        "Digest realm=\"\"",
        "Digest realm=\"a\\\"b\"",
        "Digest realm=\"\xc3\xa4\xff\"",
        "Digest realm=\"tab\there\"",
        "Digest uri=/a/b?c=d;e, realm=x",
        "Digest nonce=YWJj==, realm=x;",
        "Digest x-unknown*=\"y\", realm=x",
    };
    for (size_t k = 0; k < sizeof(accepted) / sizeof(accepted[0]); k++)
        CHECK_MSG(parse(accepted[k]), "refused \"%s\"", accepted[k]);
    static const char *const refused[] = {
        "",
        "Basic realm=x",
        "Digestrealm=x",
        "Digest realm",
        "Digest realm=x nonce=y",
        "Digest realm=\"x",
        "Digest realm=\"x\\\"",
        "Digest realm=\"x\\",
        "Digest realm=\"a\rb\"",
        "Digest realm=\"a\nb\"",
        "Digest realm=\"x\"y",
        "Digest =x",
        "Digest re@lm=x",
        "Digest realm=x, realm=y",
        "Digest realm=x, REALM=x",
        "Digest nc=1, nc=1",
        "Digest realm=x\r\n",
        "Digest \"realm\"=x",
        "Digest realm=\"\x7f\"",
    };
    for (size_t k = 0; k < sizeof(refused) / sizeof(refused[0]); k++)
        CHECK_MSG(!parse(refused[k]), "accepted \"%s\"", refused[k]);
    CHECK(!parse_n("Digest realm=\"a\0b\"", 18));
    CHECK(!mhd_digest_parse_params(NULL, 0, &P));
    CHECK(parse("Digest realm=\"a\\\"b\\\\c\\d\""));
    CHECK(P.realm.escaped);
    CHECK(val_is(&P.realm, "a\"b\\cd"));
    CHECK(parse("Digest foo=\"a,b=c\", realm=x"));
    CHECK(val_is(&P.realm, "x"));
    CHECK(parse("Digest foo=, realm="));
    CHECK(P.realm.present && P.realm.len == 0);
}

static void check_value_helpers(void)
{
    CHECK(parse("Digest realm=\"\\A\\b\\\\c\", qop=\"A\\UTH\", algorithm=\"sha-512-256\""));
    /* The realm is \A\b\\c on the wire: "Ab\c" once unescaped. */
    CHECK_EQ_SIZE(mhd_dparam_len(&P.realm), 4);
    CHECK(mhd_dparam_equals(&P.realm, "Ab\\c", 4));
    CHECK(!mhd_dparam_equals(&P.realm, "Ab\\c\0", 5));
    CHECK(!mhd_dparam_equals(&P.realm, "Ab\\", 3));
    CHECK(!mhd_dparam_equals(&P.realm, "Ab\\d", 4));
    CHECK(val_is(&P.realm, "Ab\\c"));
    CHECK(mhd_dparam_equals_ci(&P.realm, "ab\\C"));
    CHECK(!mhd_dparam_equals_ci(&P.realm, "ab\\"));
    CHECK(!mhd_dparam_equals_ci(&P.realm, "ab\\cd"));
    CHECK_EQ_INT(mhd_dparams_qop(&P), MHD_DIGEST_AUTH_QOP_AUTH);
    CHECK_EQ_INT(mhd_dparams_algo3(&P), MHD_DIGEST_AUTH_ALGO3_SHA512_256);
    /* Hashing the escaped value equals hashing the plain one. */
    uint8_t a[32], b[32];
    struct mhd_hash h;
    CHECK(mhd_hash_init(&h, AUTH_ALGO_SHA256));
    mhd_dparam_hash(&h, &P.realm);
    mhd_hash_finish(&h, a);
    mhd_sha256("Ab\\c", 4, b);
    CHECK_EQ_MEM(a, 32, b, 32);
    CHECK(parse("Digest realm=\"x\\\\y\\\"z\\w\""));
    CHECK(mhd_hash_init(&h, AUTH_ALGO_SHA256));
    mhd_dparam_hash(&h, &P.realm);
    mhd_hash_finish(&h, a);
    mhd_sha256("x\\y\"zw", 6, b);
    CHECK_EQ_MEM(a, 32, b, 32);
    CHECK(val_is(&P.realm, "x\\y\"zw"));
}

static void check_algo_qop_nc(void)
{
    static const struct {
        const char *h;
        int algo3;
    } algos[] = {
        {"Digest", MHD_DIGEST_AUTH_ALGO3_MD5},
        {"Digest algorithm=md5", MHD_DIGEST_AUTH_ALGO3_MD5},
        {"Digest algorithm=MD5-sess", MHD_DIGEST_AUTH_ALGO3_MD5_SESSION},
        {"Digest algorithm=\"SHA-256\"", MHD_DIGEST_AUTH_ALGO3_SHA256},
        {"Digest algorithm=SHA-256-SESS", MHD_DIGEST_AUTH_ALGO3_SHA256_SESSION},
        {"Digest algorithm=SHA-512-256", MHD_DIGEST_AUTH_ALGO3_SHA512_256},
        {"Digest algorithm=SHA-512-256-sess", MHD_DIGEST_AUTH_ALGO3_SHA512_256_SESSION},
        {"Digest algorithm=SHA-512", MHD_DIGEST_AUTH_ALGO3_INVALID},
        {"Digest algorithm=SHA256", MHD_DIGEST_AUTH_ALGO3_INVALID},
        {"Digest algorithm=", MHD_DIGEST_AUTH_ALGO3_INVALID},
        {"Digest algorithm=MD5x", MHD_DIGEST_AUTH_ALGO3_INVALID},
    };
    for (size_t k = 0; k < sizeof(algos) / sizeof(algos[0]); k++) {
        CHECK(parse(algos[k].h));
        CHECK_EQ_INT(mhd_dparams_algo3(&P), algos[k].algo3);
    }
    static const struct {
        const char *h;
        int qop;
    } qops[] = {
        {"Digest", MHD_DIGEST_AUTH_QOP_NONE},
        {"Digest qop=auth", MHD_DIGEST_AUTH_QOP_AUTH},
        {"Digest qop=\"Auth\"", MHD_DIGEST_AUTH_QOP_AUTH},
        {"Digest qop=auth-int", MHD_DIGEST_AUTH_QOP_AUTH_INT},
        {"Digest qop=", MHD_DIGEST_AUTH_QOP_INVALID},
        {"Digest qop=\"auth,auth-int\"", MHD_DIGEST_AUTH_QOP_INVALID},
        {"Digest qop=authx", MHD_DIGEST_AUTH_QOP_INVALID},
    };
    for (size_t k = 0; k < sizeof(qops) / sizeof(qops[0]); k++) {
        CHECK(parse(qops[k].h));
        CHECK_EQ_INT(mhd_dparams_qop(&P), qops[k].qop);
    }
    static const struct {
        const char *h;
        uint32_t nc;
    } ncs[] = {
        {"Digest", 0},
        {"Digest nc=00000001", 1},
        {"Digest nc=1", 1},
        {"Digest nc=\"0000000a\"", 10},
        {"Digest nc=FFFFFFFF", 0xffffffffu},
        {"Digest nc=000000001", 0},
        {"Digest nc=0000000g", 0},
        {"Digest nc=", 0},
        {"Digest nc=00000000", 0},
        {"Digest nc=-1", 0},
    };
    for (size_t k = 0; k < sizeof(ncs) / sizeof(ncs[0]); k++) {
        CHECK(parse(ncs[k].h));
        CHECK_EQ_SIZE(mhd_dparams_nc(&P), ncs[k].nc);
    }
}

static void check_rfc5987(void)
{
    char out[64];
    size_t n = 0;
    CHECK(mhd_rfc5987_decode("UTF-8''J%C3%A4s%C3%B8n%20Doe", 28, out, &n));
    CHECK_EQ_MEM(out, n, "J\xc3\xa4s\xc3\xb8n Doe", 11);
    CHECK(mhd_rfc5987_decode("utf-8'en-US'a", 13, NULL, &n));
    CHECK_EQ_SIZE(n, 1);
    CHECK(mhd_rfc5987_decode("UTF-8''", 7, out, &n));
    CHECK_EQ_SIZE(n, 0);
    CHECK(mhd_rfc5987_decode("UTF-8''%00", 10, out, &n));
    CHECK_EQ_SIZE(n, 1);
    CHECK(mhd_rfc5987_decode("UTF-8''!#$&+-.^_`|~", 19, out, &n));
    static const char *const bad[] = {
        "ISO-8859-1''a", "UTF-8'a",    "UTF-8",      "UTF-8''%",    "UTF-8''%4",
        "UTF-8''%4g",    "UTF-8''a b", "UTF-8''a'",  "UTF-8'e n'a", "UTF-8''\xc3\xa4",
        "UTF8''a",       "",           "UTF-8''a\"", "UTF-8''a%2",  "UTF-8''(",
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
        CHECK_MSG(!mhd_rfc5987_decode(bad[k], strlen(bad[k]), out, &n), "accepted %s", bad[k]);
}

static void check_uname(void)
{
    static const struct {
        const char *h;
        int type;
        const char *name; /* decoded name or userhash hex */
    } v[] = {
        {"Digest realm=x", MHD_DIGEST_AUTH_UNAME_TYPE_MISSING, NULL},
        {"Digest username=\"Mufasa\"", MHD_DIGEST_AUTH_UNAME_TYPE_STANDARD, "Mufasa"},
        {"Digest username=Mufasa", MHD_DIGEST_AUTH_UNAME_TYPE_STANDARD, "Mufasa"},
        {"Digest username=\"\"", MHD_DIGEST_AUTH_UNAME_TYPE_STANDARD, ""},
        {"Digest username=\"a\\\"b\"", MHD_DIGEST_AUTH_UNAME_TYPE_STANDARD, "a\"b"},
        {"Digest username=\"Mufasa\", userhash=false", MHD_DIGEST_AUTH_UNAME_TYPE_STANDARD,
         "Mufasa"},
        {"Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe", MHD_DIGEST_AUTH_UNAME_TYPE_EXTENDED,
         "J\xc3\xa4s\xc3\xb8n Doe"},
        {"Digest username*=\"UTF-8''abc\"", MHD_DIGEST_AUTH_UNAME_TYPE_EXTENDED, "abc"},
        {"Digest username*=UTF-8''abc, userhash=false", MHD_DIGEST_AUTH_UNAME_TYPE_EXTENDED, "abc"},
        {"Digest username=\"0a1B\", userhash=true", MHD_DIGEST_AUTH_UNAME_TYPE_USERHASH, "0a1B"},
        {"Digest username=\"0a1B\", userhash=\"TRUE\"", MHD_DIGEST_AUTH_UNAME_TYPE_USERHASH,
         "0a1B"},
        {"Digest username=a, username*=UTF-8''a", MHD_DIGEST_AUTH_UNAME_TYPE_INVALID, NULL},
        {"Digest username*=UTF-8''a, userhash=true", MHD_DIGEST_AUTH_UNAME_TYPE_INVALID, NULL},
        {"Digest username*=latin1''a", MHD_DIGEST_AUTH_UNAME_TYPE_INVALID, NULL},
        {"Digest username*=\"UTF-8''a\\b\"", MHD_DIGEST_AUTH_UNAME_TYPE_INVALID, NULL},
        {"Digest username*=UTF-8''%zz", MHD_DIGEST_AUTH_UNAME_TYPE_INVALID, NULL},
        {"Digest username=\"0a1\", userhash=true", MHD_DIGEST_AUTH_UNAME_TYPE_INVALID, NULL},
        {"Digest username=\"0x1b\", userhash=true", MHD_DIGEST_AUTH_UNAME_TYPE_INVALID, NULL},
        {"Digest username=\"\", userhash=true", MHD_DIGEST_AUTH_UNAME_TYPE_INVALID, NULL},
        {"Digest userhash=true", MHD_DIGEST_AUTH_UNAME_TYPE_MISSING, NULL},
    };
    for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
        size_t len = 99;
        CHECK(parse(v[k].h));
        enum MHD_DigestAuthUsernameType t = mhd_dparams_uname(&P, &len);
        CHECK_MSG((int)t == v[k].type, "%s: type %d, want %d", v[k].h, (int)t, v[k].type);
        if (v[k].name == NULL) {
            CHECK_EQ_SIZE(len, 0);
            continue;
        }
        CHECK_EQ_SIZE(len, strlen(v[k].name));
        char buf[64];
        if (t == MHD_DIGEST_AUTH_UNAME_TYPE_USERHASH)
            mhd_dparam_copy(&P.username, buf);
        else
            mhd_dparams_uname_copy(&P, t, buf);
        CHECK_EQ_MEM(buf, len, v[k].name, strlen(v[k].name));
    }
}

/* Every span the parser reports lies inside the input. */
static bool spans_inside(const char *base, size_t len)
{
    const struct mhd_dparam *all = &P.username;
    size_t n = sizeof(P) / sizeof(P.username);
    for (size_t k = 0; k < n; k++) {
        if (!all[k].present)
            continue;
        if (all[k].s < base || all[k].s + all[k].len > base + len)
            return false;
        /* The helpers must also stay inside. */
        (void)mhd_dparam_len(&all[k]);
    }
    return true;
}

static bool parse_and_use(const char *v, size_t len)
{
    struct guard_buf own;
    char *p = guard_copy(&own, v, len);
    bool ok = mhd_digest_parse_params(p, len, &P);
    bool inside = !ok || spans_inside(p, len);
    if (ok) {
        size_t n;
        (void)mhd_dparams_uname(&P, &n);
        (void)mhd_dparams_algo3(&P);
        (void)mhd_dparams_qop(&P);
        (void)mhd_dparams_nc(&P);
    }
    guard_free(&own);
    return inside;
}

static void check_fuzz(void)
{
    static const char *const seeds[] = {
        rfc7616,
        "Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm=\"a\\\"b\", userhash=true",
        "Digest realm=\"\\\\\\\"\", ,, foo=\"a,b\", nc=1",
    };
    static const char specials[] = "\"\\,= \t\r\n\0*%'aZ9";
    unsigned long outside = 0;
    char buf[512];
    for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
        size_t len = strlen(seeds[s]);
        for (size_t cut = 0; cut <= len; cut++)
            outside += !parse_and_use(seeds[s], cut);
        for (size_t pos = 0; pos < len; pos++) {
            for (size_t k = 0; k < sizeof(specials); k++) {
                memcpy(buf, seeds[s], len);
                buf[pos] = specials[k];
                outside += !parse_and_use(buf, len);
            }
        }
    }
    uint32_t x = 99;
    for (unsigned int round = 0; round < 30000; round++) {
        size_t n = 7 + round % 200;
        memcpy(buf, "Digest ", 7);
        for (size_t k = 7; k < n; k++) {
            x = x * 1664525u + 1013904223u;
            /* Half the rounds use bytes that the grammar cares about. */
            buf[k] = (round & 1) ? (char)(x >> 24) : "a=\",\\ u*rn'%"[(x >> 24) % 12];
        }
        outside += !parse_and_use(buf, n);
    }
    CHECK_MSG(outside == 0, "%lu parses reported spans outside the input", outside);
}

int main(void)
{
    check_full_header();
    check_syntax();
    check_value_helpers();
    check_algo_qop_nc();
    check_rfc5987();
    check_uname();
    check_fuzz();
    return check_done();
}
