/* The hash dispatcher and the constant-time comparison. */
#include <stdint.h>
#include <string.h>

#include "check.h"

#include "auth/auth_internal.h"
#include "auth/hash.h"

static void check_dispatch(unsigned int algo, void (*oneshot)(const void *, size_t, uint8_t *),
                           size_t size)
{
    uint8_t msg[300], want[32], got[32];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 13);
    CHECK_EQ_SIZE(mhd_hash_size(algo), size);
    oneshot(msg, sizeof(msg), want);
    struct mhd_hash h;
    CHECK(mhd_hash_init(&h, algo));
    mhd_hash_update(&h, msg, 100);
    mhd_hash_update(&h, msg + 100, 200);
    mhd_hash_finish(&h, got);
    CHECK_EQ_MEM(got, size, want, size);
    /* A copied context continues independently (the nonce MAC relies on
     * copying a keyed prefix). */
    struct mhd_hash a, b;
    CHECK(mhd_hash_init(&a, algo));
    mhd_hash_update(&a, msg, 100);
    b = a;
    mhd_hash_update(&a, msg + 100, 200);
    mhd_hash_update(&b, msg + 100, 200);
    mhd_hash_finish(&a, got);
    CHECK_EQ_MEM(got, size, want, size);
    mhd_hash_finish(&b, got);
    CHECK_EQ_MEM(got, size, want, size);
    CHECK(mhd_hash_init(&h, algo));
    mhd_hash_update_str(&h, "abc");
    mhd_hash_finish(&h, got);
    oneshot("abc", 3, want);
    CHECK_EQ_MEM(got, size, want, size);
}

static void check_invalid(void)
{
    static const unsigned int bad[] = {0, 3, 5, 6, 7, 8, 64, 65, 66, 68, 129, 255, 0xffffffffu};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct mhd_hash h;
        CHECK_EQ_SIZE(mhd_hash_size(bad[i]), 0);
        CHECK(!mhd_hash_init(&h, bad[i]));
    }
}

static void check_equal_ct(void)
{
    uint8_t a[64], b[64];
    for (size_t i = 0; i < sizeof(a); i++)
        a[i] = b[i] = (uint8_t)(i * 31 + 7);
    CHECK(mhd_auth_equal_ct(a, b, sizeof(a)));
    CHECK(mhd_auth_equal_ct(a, b, 0));
    for (size_t i = 0; i < sizeof(a); i++) {
        for (unsigned int bit = 0; bit < 8; bit++) {
            b[i] ^= (uint8_t)(1u << bit);
            CHECK(!mhd_auth_equal_ct(a, b, sizeof(a)));
            CHECK(mhd_auth_equal_ct(a, b, i)); /* the prefix before the change */
            b[i] ^= (uint8_t)(1u << bit);
        }
    }
}

int main(void)
{
    check_dispatch(AUTH_ALGO_MD5, mhd_md5, 16);
    check_dispatch(AUTH_ALGO_SHA256, mhd_sha256, 32);
    check_dispatch(AUTH_ALGO_SHA512_256, mhd_sha512_256, 32);
    check_invalid();
    check_equal_ct();
    return check_done();
}
