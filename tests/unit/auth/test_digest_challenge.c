/* The Digest challenge value: parameter order, algorithm preference, the
 * RFC 2069 form, escaping, refusals and panics, and a nonce from a
 * challenge passing a check. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#include "auth/auth.h"
#include "auth/auth_internal.h"

static struct mhd_dauth *D;

static struct mhd_auth_request req(void)
{
    struct mhd_auth_request r;
    memset(&r, 0, sizeof(r));
    r.method = "GET";
    r.method_len = 3;
    r.path = "/";
    r.path_len = 1;
    r.dauth = D;
    r.now_ms = 42;
    return r;
}

static struct mhd_digest_challenge ch(void)
{
    struct mhd_digest_challenge c = {
        "r",   NULL, NULL, false, MHD_DIGEST_AUTH_MULT_QOP_AUTH, MHD_DIGEST_AUTH_MULT_ALGO3_MD5,
        false, false};
    return c;
}

/* Builds the challenge and replaces the nonce by "N" for comparison. */
static char *make(const struct mhd_digest_challenge *c)
{
    struct mhd_auth_request r = req();
    size_t len = 0;
    char *v = mhd_digest_challenge(&r, c, &len);
    if (v == NULL)
        return NULL;
    CHECK_EQ_SIZE(strlen(v), len);
    char *n = strstr(v, "nonce=\"");
    CHECK(n != NULL);
    if (n == NULL)
        return v;
    n += 7;
    CHECK_EQ_SIZE(strspn(n, "0123456789abcdef"), AUTH_NONCE_LEN);
    CHECK(n[AUTH_NONCE_LEN] == '"');
    memmove(n + 1, n + AUTH_NONCE_LEN, strlen(n + AUTH_NONCE_LEN) + 1);
    n[0] = 'N';
    return v;
}

static void expect(const struct mhd_digest_challenge *c, const char *want)
{
    char *v = make(c);
    CHECK_EQ_STR(v, want);
    mhd_free(v);
}

static void check_forms(void)
{
    struct mhd_digest_challenge c = ch();
    expect(&c, "Digest realm=\"r\", qop=\"auth\", algorithm=MD5, nonce=\"N\"");
    c.malgo3 = MHD_DIGEST_AUTH_MULT_ALGO3_SHA_ANY_NON_SESSION;
    expect(&c, "Digest realm=\"r\", qop=\"auth\", algorithm=SHA-256, nonce=\"N\"");
    c.malgo3 = MHD_DIGEST_AUTH_MULT_ALGO3_SHA512_256;
    expect(&c, "Digest realm=\"r\", qop=\"auth\", algorithm=SHA-512-256, nonce=\"N\"");
    c.malgo3 = MHD_DIGEST_AUTH_MULT_ALGO3_ANY_NON_SESSION;
    expect(&c, "Digest realm=\"r\", qop=\"auth\", algorithm=MD5, nonce=\"N\"");
    c.malgo3 = MHD_DIGEST_AUTH_MULT_ALGO3_ANY;
    expect(&c, "Digest realm=\"r\", qop=\"auth\", algorithm=MD5, nonce=\"N\"");
    c.malgo3 = MHD_DIGEST_AUTH_MULT_ALGO3_SHA256;
    c.opaque = "op";
    c.domain = "/a /b";
    c.prefer_utf8 = true;
    c.userhash_support = true;
    c.signal_stale = true;
    expect(&c, "Digest realm=\"r\", qop=\"auth\", algorithm=SHA-256, nonce=\"N\", opaque=\"op\", "
               "domain=\"/a /b\", charset=UTF-8, userhash=true, stale=true");
    c.mqop = MHD_DIGEST_AUTH_MULT_QOP_ANY_NON_INT;
    expect(&c, "Digest realm=\"r\", qop=\"auth\", algorithm=SHA-256, nonce=\"N\", opaque=\"op\", "
               "domain=\"/a /b\", charset=UTF-8, userhash=true, stale=true");
    c.mqop = MHD_DIGEST_AUTH_MULT_QOP_AUTH_ANY;
    c.prefer_utf8 = false;
    c.userhash_support = false;
    c.signal_stale = false;
    c.domain = NULL;
    expect(&c, "Digest realm=\"r\", qop=\"auth\", algorithm=SHA-256, nonce=\"N\", opaque=\"op\"");
    /* RFC 2069: no qop, userhash or charset; no algorithm for MD5. */
    c = ch();
    c.mqop = MHD_DIGEST_AUTH_MULT_QOP_NONE;
    c.opaque = "o";
    c.domain = "d";
    c.prefer_utf8 = true;
    c.userhash_support = true;
    c.signal_stale = true;
    expect(&c, "Digest realm=\"r\", nonce=\"N\", opaque=\"o\", domain=\"d\", stale=true");
    c.malgo3 = MHD_DIGEST_AUTH_MULT_ALGO3_SHA256;
    expect(&c, "Digest realm=\"r\", algorithm=SHA-256, nonce=\"N\", opaque=\"o\", domain=\"d\", "
               "stale=true");
    /* Escaping. */
    c = ch();
    c.realm = "a\"b\\c";
    c.opaque = "\"";
    c.domain = "\\";
    expect(&c, "Digest realm=\"a\\\"b\\\\c\", qop=\"auth\", algorithm=MD5, nonce=\"N\", "
               "opaque=\"\\\"\", domain=\"\\\\\"");
    c = ch();
    c.realm = "";
    expect(&c, "Digest realm=\"\", qop=\"auth\", algorithm=MD5, nonce=\"N\"");
}

static void check_refusals(void)
{
    struct mhd_auth_request r = req();
    struct mhd_digest_challenge c = ch();
    c.realm = NULL;
    CHECK(mhd_digest_challenge(&r, &c, NULL) == NULL);
    const char *bad[] = {"a\rb", "a\nb", "\r\n"};
    for (size_t i = 0; i < 3; i++) {
        c = ch();
        c.realm = bad[i];
        CHECK(mhd_digest_challenge(&r, &c, NULL) == NULL);
        c = ch();
        c.opaque = bad[i];
        CHECK(mhd_digest_challenge(&r, &c, NULL) == NULL);
        c = ch();
        c.domain = bad[i];
        CHECK(mhd_digest_challenge(&r, &c, NULL) == NULL);
    }
    char *big = malloc(AUTH_DIGEST_PARAM_MAX + 2);
    memset(big, 'x', AUTH_DIGEST_PARAM_MAX + 1);
    big[AUTH_DIGEST_PARAM_MAX + 1] = '\0';
    c = ch();
    c.realm = big;
    CHECK(mhd_digest_challenge(&r, &c, NULL) == NULL);
    big[AUTH_DIGEST_PARAM_MAX] = '\0';
    char *v = mhd_digest_challenge(&r, &c, NULL);
    CHECK(v != NULL);
    mhd_free(v);
    free(big);
    c = ch();
    c.malgo3 = MHD_DIGEST_AUTH_MULT_ALGO3_SHA_ANY_SESSION;
    CHECK(mhd_digest_challenge(&r, &c, NULL) == NULL);
    c = ch();
    c.mqop = MHD_DIGEST_AUTH_MULT_QOP_INVALID;
    CHECK(mhd_digest_challenge(&r, &c, NULL) == NULL);
    c = ch();
    r.dauth = NULL;
    CHECK(mhd_digest_challenge(&r, &c, NULL) == NULL);
    struct mhd_dauth_config cfg = {NULL, 0, false, 0, 0, 90, 1000};
    r.dauth = mhd_dauth_create(&cfg);
    CHECK(mhd_digest_challenge(&r, &c, NULL) == NULL);
    mhd_dauth_destroy(r.dauth);
    r.dauth = D;
    mhd_alloc_fail_at(1);
    CHECK(mhd_digest_challenge(&r, &c, NULL) == NULL);
    mhd_alloc_fail_at(0);
}

static void check_panics(void)
{
    static const struct {
        unsigned int malgo3, mqop;
    } v[] = {{MHD_DIGEST_AUTH_ALGO3_NON_SESSION, MHD_DIGEST_AUTH_MULT_QOP_AUTH},
             {0, MHD_DIGEST_AUTH_MULT_QOP_AUTH},
             {MHD_DIGEST_AUTH_MULT_ALGO3_MD5, MHD_DIGEST_AUTH_MULT_QOP_AUTH_INT}};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        pid_t pid = fork();
        if (pid == 0) {
            struct mhd_auth_request r = req();
            struct mhd_digest_challenge c = ch();
            c.malgo3 = (enum MHD_DigestAuthMultiAlgo3)v[i].malgo3;
            c.mqop = (enum MHD_DigestAuthMultiQOP)v[i].mqop;
            fclose(stderr);
            mhd_free(mhd_digest_challenge(&r, &c, NULL));
            _exit(0);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        CHECK_MSG(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "case %zu did not panic", i);
    }
}

/* A client answering our challenge is accepted. */
static void check_round_trip(void)
{
    struct mhd_auth_request r = req();
    struct mhd_digest_challenge c = ch();
    c.malgo3 = MHD_DIGEST_AUTH_MULT_ALGO3_SHA256;
    char *v = mhd_digest_challenge(&r, &c, NULL);
    CHECK(v != NULL);
    if (v == NULL)
        return;
    char nonce[AUTH_NONCE_LEN + 1];
    memcpy(nonce, strstr(v, "nonce=\"") + 7, AUTH_NONCE_LEN);
    nonce[AUTH_NONCE_LEN] = '\0';
    mhd_free(v);
    uint8_t ha1[32], resp[32];
    char hdr[512], hex[65];
    snprintf(hdr, sizeof(hdr),
             "Digest username=\"u\", realm=\"r\", nonce=\"%s\", uri=\"/\", algorithm=SHA-256, "
             "qop=auth, nc=00000001, cnonce=\"c\"",
             nonce);
    struct mhd_dparams p;
    CHECK(mhd_digest_parse_params(hdr, strlen(hdr), &p));
    mhd_digest_calc_ha1(AUTH_ALGO_SHA256, "u", 1, "r", 1, "pw", 2, ha1);
    mhd_digest_calc_response(AUTH_ALGO_SHA256, ha1, "GET", 3, &p, resp);
    mhd_auth_bin_to_hex(resp, 32, hex);
    size_t n = strlen(hdr);
    snprintf(hdr + n, sizeof(hdr) - n, ", response=\"%s\"", hex);
    r.authorization = hdr;
    r.authorization_len = strlen(hdr);
    struct mhd_digest_cred k = {"r",
                                "u",
                                "pw",
                                NULL,
                                0,
                                0,
                                0,
                                MHD_DIGEST_AUTH_MULT_QOP_AUTH,
                                MHD_DIGEST_AUTH_MULT_ALGO3_SHA256};
    CHECK_EQ_INT(mhd_digest_check(&r, &k), MHD_DAUTH_OK);
    CHECK_EQ_INT(mhd_digest_check(&r, &k), MHD_DAUTH_NONCE_STALE);
}

int main(void)
{
    struct mhd_dauth_config cfg = {NULL, 0, false, 16, 0, 90, 1000};
    D = mhd_dauth_create(&cfg);
    check_forms();
    check_refusals();
    check_panics();
    check_round_trip();
    mhd_dauth_destroy(D);
    return check_done();
}
