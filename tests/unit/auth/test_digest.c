/* Digest computations: the public hash-size, userhash and userdigest
 * helpers, and the response for qop=auth and RFC 2069 with every
 * algorithm. Expected values come from RFC 2069, RFC 2617 and RFC 7616
 * examples, the others from python3 hashlib. */
#include <stdint.h>
#include <string.h>

#include "check.h"

#include "auth/auth.h"
#include "auth/auth_internal.h"
#include "microhttpd.h"

static void hex(const uint8_t *b, size_t n, char *out)
{
    mhd_auth_bin_to_hex(b, n, out);
}

static void check_hash_size(void)
{
    static const struct {
        unsigned int algo3;
        size_t size;
    } v[] = {
        {MHD_DIGEST_AUTH_ALGO3_MD5, 16},
        {MHD_DIGEST_AUTH_ALGO3_MD5_SESSION, 16},
        {MHD_DIGEST_AUTH_ALGO3_SHA256, 32},
        {MHD_DIGEST_AUTH_ALGO3_SHA256_SESSION, 32},
        {MHD_DIGEST_AUTH_ALGO3_SHA512_256, 32},
        {MHD_DIGEST_AUTH_ALGO3_SHA512_256_SESSION, 32},
        {MHD_DIGEST_AUTH_ALGO3_INVALID, 0},
        {MHD_DIGEST_AUTH_ALGO3_NON_SESSION, 0},
        {MHD_DIGEST_AUTH_ALGO3_SESSION, 0},
        {MHD_DIGEST_BASE_ALGO_MD5, 16},
        {MHD_DIGEST_BASE_ALGO_SHA256, 32},
        {MHD_DIGEST_BASE_ALGO_SHA512_256, 32},
        {MHD_DIGEST_AUTH_MULT_ALGO3_ANY, 16},
        {MHD_DIGEST_AUTH_MULT_ALGO3_SHA_ANY_NON_SESSION, 32},
    };
    for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++)
        CHECK_EQ_SIZE(MHD_digest_get_hash_size((enum MHD_DigestAuthAlgo3)v[k].algo3), v[k].size);
}

struct uvec {
    enum MHD_DigestAuthAlgo3 algo3;
    const char *user, *realm, *password, *want;
};

static void check_userhash(void)
{
    static const struct uvec v[] = {
        {MHD_DIGEST_AUTH_ALGO3_MD5, "test_user", "TestRealm", NULL,
         "c53c601503ff176f18f623725fba4281"},
        {MHD_DIGEST_AUTH_ALGO3_SHA256, "test_user", "TestRealm", NULL,
         "090c7e06b77d6614cf5fe6cafa004d2e5f8fb36ba45a0e35eacb2eb7728f34de"},
        {MHD_DIGEST_AUTH_ALGO3_SHA512_256, "test_user", "TestRealm", NULL,
         "62e1ac9f6cb1eb26aa75eb5d46efcdc89ccba781f0f9f72f6afdb94265d9a79a"},
        {MHD_DIGEST_AUTH_ALGO3_SHA256_SESSION, "Mufasa", "http-auth@example.org", NULL,
         "a947aad205e80e429958a387394944c6b496301e79f89d35a4cc23b6ee12b5b6"},
        {MHD_DIGEST_AUTH_ALGO3_MD5, "", "", NULL, "853ae90f0351324bd73ea615e6487517"},
        {MHD_DIGEST_AUTH_ALGO3_SHA512_256, "Mufasa", "http-auth@example.org", NULL,
         "e2dfabd1a96ddf867710b653b6e6857d1f147086de7d7ef79dcd249859872570"},
    };
    for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
        uint8_t bin[64];
        char h[130], via_bin[130];
        size_t size = strlen(v[k].want) / 2;
        memset(h, 'x', sizeof(h));
        CHECK_EQ_INT(
            MHD_digest_auth_calc_userhash_hex(v[k].algo3, v[k].user, v[k].realm, h, 2 * size + 1),
            MHD_YES);
        CHECK_EQ_STR(h, v[k].want);
        CHECK_EQ_INT(MHD_digest_auth_calc_userhash(v[k].algo3, v[k].user, v[k].realm, bin, size),
                     MHD_YES);
        hex(bin, size, via_bin);
        CHECK_EQ_STR(via_bin, v[k].want);
        /* One byte short is refused and nothing is written. */
        memset(bin, 0xaa, sizeof(bin));
        CHECK_EQ_INT(
            MHD_digest_auth_calc_userhash(v[k].algo3, v[k].user, v[k].realm, bin, size - 1),
            MHD_NO);
        CHECK_EQ_INT(bin[0], 0xaa);
        CHECK_EQ_INT(
            MHD_digest_auth_calc_userhash_hex(v[k].algo3, v[k].user, v[k].realm, h, 2 * size),
            MHD_NO);
    }
    uint8_t bin[64];
    char h[65];
    static const unsigned int bad[] = {0, 1, 2, 4, 64, 128, 67, 71, 127, 255, 193};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        enum MHD_DigestAuthAlgo3 a = (enum MHD_DigestAuthAlgo3)bad[k];
        CHECK_EQ_INT(MHD_digest_auth_calc_userhash(a, "u", "r", bin, sizeof(bin)), MHD_NO);
        CHECK_EQ_INT(MHD_digest_auth_calc_userhash_hex(a, "u", "r", h, sizeof(h)), MHD_NO);
    }
    CHECK_EQ_INT(MHD_digest_auth_calc_userhash(MHD_DIGEST_AUTH_ALGO3_MD5, NULL, "r", bin, 64),
                 MHD_NO);
    CHECK_EQ_INT(MHD_digest_auth_calc_userhash(MHD_DIGEST_AUTH_ALGO3_MD5, "u", NULL, bin, 64),
                 MHD_NO);
    CHECK_EQ_INT(MHD_digest_auth_calc_userhash(MHD_DIGEST_AUTH_ALGO3_MD5, "u", "r", NULL, 64),
                 MHD_NO);
    CHECK_EQ_INT(MHD_digest_auth_calc_userhash_hex(MHD_DIGEST_AUTH_ALGO3_MD5, "u", "r", NULL, 64),
                 MHD_NO);
}

static void check_userdigest(void)
{
    static const struct uvec v[] = {
        {MHD_DIGEST_AUTH_ALGO3_MD5, "test_user", "TestRealm", "test pass",
         "d8b4a6d0011307b76794ea6686036b43"},
        {MHD_DIGEST_AUTH_ALGO3_SHA256, "test_user", "TestRealm", "test pass",
         "c34e165a170fe5ac04f16e46482ba0c656c1fb8f66a6d63f9112f856a5ec6d6d"},
        {MHD_DIGEST_AUTH_ALGO3_SHA512_256, "test_user", "TestRealm", "test pass",
         "e7a19e27f67388b2dea4e266c51637174d29cca3c1f5b24920c105c920133c3d"},
        {MHD_DIGEST_AUTH_ALGO3_MD5_SESSION, "J\xc3\xa4s\xc3\xb8n Doe", "api@example.org",
         "Secret, or not?", "83a3f7f6b83f71c5c2eb7c6dd2dd4c4b"},
        {MHD_DIGEST_AUTH_ALGO3_SHA256, "J\xc3\xa4s\xc3\xb8n Doe", "api@example.org",
         "Secret, or not?", "fd0be3939dca4b5c2d46e8fa6a3d16dbea82474cb9a588d4cb149c54f37cff37"},
        {MHD_DIGEST_AUTH_ALGO3_SHA512_256, "J\xc3\xa4s\xc3\xb8n Doe", "api@example.org",
         "Secret, or not?", "2d3d9f12c9f3d30011259dc5fecee005ae24de40e3e1f61806d03e65f1e6024f"},
    };
    for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
        uint8_t bin[64];
        char h[130];
        size_t size = strlen(v[k].want) / 2;
        CHECK_EQ_INT(MHD_digest_auth_calc_userdigest(v[k].algo3, v[k].user, v[k].realm,
                                                     v[k].password, bin, size),
                     MHD_YES);
        hex(bin, size, h);
        CHECK_EQ_STR(h, v[k].want);
        CHECK_EQ_INT(MHD_digest_auth_calc_userdigest(v[k].algo3, v[k].user, v[k].realm,
                                                     v[k].password, bin, size - 1),
                     MHD_NO);
    }
    uint8_t bin[64];
    enum MHD_DigestAuthAlgo3 md5 = MHD_DIGEST_AUTH_ALGO3_MD5;
    CHECK_EQ_INT(MHD_digest_auth_calc_userdigest(md5, "u", "r", NULL, bin, 64), MHD_NO);
    CHECK_EQ_INT(MHD_digest_auth_calc_userdigest(md5, NULL, "r", "p", bin, 64), MHD_NO);
    CHECK_EQ_INT(MHD_digest_auth_calc_userdigest(md5, "u", NULL, "p", bin, 64), MHD_NO);
    CHECK_EQ_INT(MHD_digest_auth_calc_userdigest(md5, "u", "r", "p", NULL, 64), MHD_NO);
    CHECK_EQ_INT(
        MHD_digest_auth_calc_userdigest((enum MHD_DigestAuthAlgo3)0, "u", "r", "p", bin, 64),
        MHD_NO);
}

struct rvec {
    unsigned int algo;
    const char *header; /* parameters as the client sends them */
    const char *user, *realm, *password, *want;
};

static void check_responses(void)
{
    static const char h7616[] =
        "Digest uri=\"/dir/index.html\", nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
        "nc=00000001, cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth";
    static const char h2617[] = "Digest uri=\"/dir/index.html\", "
                                "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", nc=00000001, "
                                "cnonce=\"0a4f113b\", qop=\"auth\"";
    static const char h2069[] = "Digest uri=\"/dir/index.html\", "
                                "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"";
    /* Escapes are removed before hashing: this is h2069 spelled oddly. */
    static const char h2069e[] = "Digest uri=\"/dir/\\index.html\", "
                                 "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c09\\3\"";
    static const struct rvec v[] = {
        {AUTH_ALGO_SHA256, h7616, "Mufasa", "http-auth@example.org", "Circle of Life",
         "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
        {AUTH_ALGO_MD5, h7616, "Mufasa", "http-auth@example.org", "Circle of Life",
         "8ca523f5e9506fed4657c9700eebdbec"},
        {AUTH_ALGO_SHA512_256, h7616, "Mufasa", "http-auth@example.org", "Circle of Life",
         "430d05014cecc49cab6fbe03176d41a1da86cbfe24a16580e22aaad928d960d0"},
        {AUTH_ALGO_MD5, h2617, "Mufasa", "testrealm@host.com", "Circle Of Life",
         "6629fae49393a05397450978507c4ef1"},
        {AUTH_ALGO_MD5, h2069, "Mufasa", "testrealm@host.com", "CircleOfLife",
         "1949323746fe6a43ef61f9606e7febea"},
        {AUTH_ALGO_MD5, h2069e, "Mufasa", "testrealm@host.com", "CircleOfLife",
         "1949323746fe6a43ef61f9606e7febea"},
        {AUTH_ALGO_SHA256, h2069, "Mufasa", "testrealm@host.com", "Circle Of Life",
         "e71f89d8267982ee1cd4dfb3637698eaf2f55848fe056aee7be175262aab5d2a"},
        {AUTH_ALGO_SHA512_256, h2069, "Mufasa", "testrealm@host.com", "Circle Of Life",
         "3deae27bad9c39b6ec8a1bc6667c6f4a1901537183578d85aee41cd72543011d"},
    };
    for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
        struct mhd_dparams p;
        uint8_t ha1[32], out[32];
        char h[65];
        size_t size = mhd_hash_size(v[k].algo);
        CHECK(mhd_digest_parse_params(v[k].header, strlen(v[k].header), &p));
        mhd_digest_calc_ha1(v[k].algo, v[k].user, strlen(v[k].user), v[k].realm, strlen(v[k].realm),
                            v[k].password, strlen(v[k].password), ha1);
        mhd_digest_calc_response(v[k].algo, ha1, "GET", 3, &p, out);
        hex(out, size, h);
        CHECK_MSG(strcmp(h, v[k].want) == 0, "vector %zu: got %s want %s", k, h, v[k].want);
    }
}

int main(void)
{
    check_hash_size();
    check_userhash();
    check_userdigest();
    check_responses();
    return check_done();
}
