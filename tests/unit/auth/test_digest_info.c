/* The MHD_DigestAuthInfo / MHD_DigestAuthUsernameInfo blocks and the
 * legacy username string built from a header value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guard.h"

#include "auth/auth.h"
#include "auth/auth_internal.h"

static struct MHD_DigestAuthInfo *info_of(const char *v)
{
    struct guard_buf g;
    size_t len = strlen(v);
    char *p = guard_copy(&g, v, len);
    struct MHD_DigestAuthInfo *i = mhd_digest_get_request_info(p, len);
    guard_free(&g);
    return i;
}

static struct MHD_DigestAuthUsernameInfo *uinfo_of(const char *v)
{
    struct guard_buf g;
    size_t len = strlen(v);
    char *p = guard_copy(&g, v, len);
    struct MHD_DigestAuthUsernameInfo *i = mhd_digest_get_username_info(p, len);
    guard_free(&g);
    return i;
}

/* A pointer member lies inside the block after the struct. */
#define IN_BLOCK(base, ptr) ((const char *)(ptr) >= (const char *)((base) + 1))

static void check_request_info(void)
{
    struct MHD_DigestAuthInfo *i =
        info_of("Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/d\", "
                "algorithm=SHA-256, nonce=\"n\", nc=0000000a, cnonce=\"c\\\"nonce\", qop=auth, "
                "response=\"r\", opaque=\"op\\\\aque\"");
    CHECK(i != NULL);
    if (i == NULL)
        return;
    CHECK_EQ_INT(i->algo3, MHD_DIGEST_AUTH_ALGO3_SHA256);
    CHECK_EQ_INT(i->uname_type, MHD_DIGEST_AUTH_UNAME_TYPE_STANDARD);
    CHECK_EQ_STR(i->username, "Mufasa");
    CHECK_EQ_SIZE(i->username_len, 6);
    CHECK(i->userhash_hex == NULL && i->userhash_hex_len == 0 && i->userhash_bin == NULL);
    CHECK_EQ_STR(i->opaque, "op\\aque");
    CHECK_EQ_SIZE(i->opaque_len, 7);
    CHECK_EQ_STR(i->realm, "http-auth@example.org");
    CHECK_EQ_SIZE(i->realm_len, 21);
    CHECK_EQ_INT(i->qop, MHD_DIGEST_AUTH_QOP_AUTH);
    CHECK_EQ_SIZE(i->cnonce_len, 7);
    CHECK_EQ_SIZE(i->nc, 10);
    CHECK(IN_BLOCK(i, i->username) && IN_BLOCK(i, i->opaque) && IN_BLOCK(i, i->realm));
    mhd_free(i);

    /* A bare "Digest" still yields a struct: everything missing. */
    i = info_of("Digest");
    CHECK(i != NULL);
    if (i != NULL) {
        CHECK_EQ_INT(i->algo3, MHD_DIGEST_AUTH_ALGO3_MD5);
        CHECK_EQ_INT(i->uname_type, MHD_DIGEST_AUTH_UNAME_TYPE_MISSING);
        CHECK(i->username == NULL && i->username_len == 0);
        CHECK(i->opaque == NULL && i->opaque_len == 0);
        CHECK(i->realm == NULL && i->realm_len == 0);
        CHECK_EQ_INT(i->qop, MHD_DIGEST_AUTH_QOP_NONE);
        CHECK_EQ_SIZE(i->cnonce_len, 0);
        CHECK_EQ_SIZE(i->nc, MHD_DIGEST_AUTH_INVALID_NC_VALUE);
    }
    mhd_free(i);

    i = info_of("Digest username=\"0A0b\", userhash=true, algorithm=foo, qop=bar, nc=xyz");
    CHECK(i != NULL);
    if (i != NULL) {
        CHECK_EQ_INT(i->algo3, MHD_DIGEST_AUTH_ALGO3_INVALID);
        CHECK_EQ_INT(i->uname_type, MHD_DIGEST_AUTH_UNAME_TYPE_USERHASH);
        CHECK(i->username == NULL);
        CHECK_EQ_STR(i->userhash_hex, "0A0b");
        CHECK_EQ_SIZE(i->userhash_hex_len, 4);
        CHECK(i->userhash_bin != NULL && IN_BLOCK(i, i->userhash_bin));
        if (i->userhash_bin != NULL)
            CHECK_EQ_MEM(i->userhash_bin, 2, "\x0a\x0b", 2);
        CHECK_EQ_INT(i->qop, MHD_DIGEST_AUTH_QOP_INVALID);
        CHECK_EQ_SIZE(i->nc, 0);
    }
    mhd_free(i);

    i = info_of("Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm=\"\"");
    CHECK(i != NULL);
    if (i != NULL) {
        CHECK_EQ_INT(i->uname_type, MHD_DIGEST_AUTH_UNAME_TYPE_EXTENDED);
        CHECK_EQ_STR(i->username, "J\xc3\xa4s\xc3\xb8n Doe");
        CHECK_EQ_SIZE(i->username_len, 11);
        CHECK_EQ_STR(i->realm, "");
    }
    mhd_free(i);

    i = info_of("Digest username=a, username*=UTF-8''b");
    CHECK(i != NULL);
    if (i != NULL) {
        CHECK_EQ_INT(i->uname_type, MHD_DIGEST_AUTH_UNAME_TYPE_INVALID);
        CHECK(i->username == NULL && i->userhash_hex == NULL && i->userhash_bin == NULL);
    }
    mhd_free(i);

    CHECK(info_of("Basic dTpw") == NULL);
    CHECK(info_of("Digest realm=\"unterminated") == NULL);
    CHECK(mhd_digest_get_request_info(NULL, 0) == NULL);
}

static void check_username_info(void)
{
    struct MHD_DigestAuthUsernameInfo *u = uinfo_of("Digest username=\"bob\", algorithm=MD5-sess");
    CHECK(u != NULL);
    if (u != NULL) {
        CHECK_EQ_INT(u->algo3, MHD_DIGEST_AUTH_ALGO3_MD5_SESSION);
        CHECK_EQ_INT(u->uname_type, MHD_DIGEST_AUTH_UNAME_TYPE_STANDARD);
        CHECK_EQ_STR(u->username, "bob");
        CHECK_EQ_SIZE(u->username_len, 3);
        CHECK(u->userhash_hex == NULL && u->userhash_bin == NULL);
    }
    mhd_free(u);
    u = uinfo_of("Digest username=\"ffee\", userhash=true");
    CHECK(u != NULL);
    if (u != NULL) {
        CHECK_EQ_INT(u->uname_type, MHD_DIGEST_AUTH_UNAME_TYPE_USERHASH);
        CHECK_EQ_STR(u->userhash_hex, "ffee");
        if (u->userhash_bin != NULL)
            CHECK_EQ_MEM(u->userhash_bin, 2, "\xff\xee", 2);
    }
    mhd_free(u);
    CHECK(uinfo_of("Digest realm=x") == NULL);
    CHECK(uinfo_of("Digest username=\"fff\", userhash=true") == NULL);
    CHECK(uinfo_of("Digest username*=UTF-8''a, userhash=true") == NULL);
    CHECK(uinfo_of("Basic x") == NULL);
}

static void check_legacy(void)
{
    const char *v = "Digest username=\"al\\\"ice\"";
    char *n = mhd_digest_get_username_legacy(v, strlen(v));
    CHECK_EQ_STR(n, "al\"ice");
    mhd_free(n);
    v = "Digest username*=UTF-8''%E2%82%AC";
    n = mhd_digest_get_username_legacy(v, strlen(v));
    CHECK_EQ_STR(n, "\xe2\x82\xac");
    mhd_free(n);
    v = "Digest username=\"ab\", userhash=true";
    CHECK(mhd_digest_get_username_legacy(v, strlen(v)) == NULL);
    v = "Digest realm=x";
    CHECK(mhd_digest_get_username_legacy(v, strlen(v)) == NULL);
    CHECK(mhd_digest_get_username_legacy(NULL, 0) == NULL);
}

static void check_oom(void)
{
    const char *v = "Digest username=\"bob\", realm=r";
    mhd_alloc_fail_at(1);
    CHECK(mhd_digest_get_request_info(v, strlen(v)) == NULL);
    mhd_alloc_fail_at(1);
    CHECK(mhd_digest_get_username_info(v, strlen(v)) == NULL);
    mhd_alloc_fail_at(1);
    CHECK(mhd_digest_get_username_legacy(v, strlen(v)) == NULL);
    mhd_alloc_fail_at(0);
}

/* Truncations and random bytes through all three builders. */
static void check_robustness(void)
{
    const char *seed = "Digest username*=UTF-8''J%C3%A4s, realm=\"a\\\"b\", opaque=\"o\", "
                       "username=\"00ff\", userhash=true, cnonce=\"cc\", nc=00000002, qop=auth";
    size_t len = strlen(seed);
    char buf[256];
    uint32_t x = 5;
    for (size_t round = 0; round < 20000; round++) {
        size_t n;
        if (round <= len) {
            n = round;
            memcpy(buf, seed, n);
        } else {
            n = len;
            memcpy(buf, seed, n);
            x = x * 1664525u + 1013904223u;
            buf[(x >> 8) % n] = (char)(x >> 24);
            x = x * 1664525u + 1013904223u;
            buf[(x >> 8) % n] = "\"\\,=%'"[(x >> 24) % 6];
        }
        struct guard_buf g;
        char *p = guard_copy(&g, buf, n);
        mhd_free(mhd_digest_get_request_info(p, n));
        mhd_free(mhd_digest_get_username_info(p, n));
        mhd_free(mhd_digest_get_username_legacy(p, n));
        guard_free(&g);
    }
    CHECK(1);
}

int main(void)
{
    check_request_info();
    check_username_info();
    check_legacy();
    check_oom();
    check_robustness();
    return check_done();
}
