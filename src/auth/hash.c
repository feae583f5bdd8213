/* Dispatch between the three digest algorithms, and the constant-time
 * comparison used wherever a secret-dependent digest is checked. */
#include "auth/hash.h"

#include "auth/auth_internal.h"
#include "microhttpd.h"
#include "util/panic.h"

#include <string.h>

_Static_assert(AUTH_ALGO_MD5 == MHD_DIGEST_BASE_ALGO_MD5, "MD5 bit");
_Static_assert(AUTH_ALGO_SHA256 == MHD_DIGEST_BASE_ALGO_SHA256, "SHA-256 bit");
_Static_assert(AUTH_ALGO_SHA512_256 == MHD_DIGEST_BASE_ALGO_SHA512_256, "SHA-512/256 bit");
_Static_assert(AUTH_MD5_SIZE == MHD_MD5_DIGEST_SIZE, "MD5 size");
_Static_assert(AUTH_SHA256_SIZE == MHD_SHA256_DIGEST_SIZE, "SHA-256 size");
_Static_assert(AUTH_SHA512_256_SIZE == MHD_SHA512_256_DIGEST_SIZE, "SHA-512/256 size");

size_t mhd_hash_size(unsigned int algo)
{
    switch (algo) {
    case AUTH_ALGO_MD5:
        return AUTH_MD5_SIZE;
    case AUTH_ALGO_SHA256:
        return AUTH_SHA256_SIZE;
    case AUTH_ALGO_SHA512_256:
        return AUTH_SHA512_256_SIZE;
    default:
        return 0;
    }
}

bool mhd_hash_init(struct mhd_hash *h, unsigned int algo)
{
    h->algo = algo;
    switch (algo) {
    case AUTH_ALGO_MD5:
        mhd_md5_init(&h->u.md5);
        return true;
    case AUTH_ALGO_SHA256:
        mhd_sha256_init(&h->u.sha256);
        return true;
    case AUTH_ALGO_SHA512_256:
        mhd_sha512_256_init(&h->u.sha512_256);
        return true;
    default:
        h->algo = 0;
        return false;
    }
}

void mhd_hash_update(struct mhd_hash *h, const void *data, size_t len)
{
    switch (h->algo) {
    case AUTH_ALGO_MD5:
        mhd_md5_update(&h->u.md5, data, len);
        break;
    case AUTH_ALGO_SHA256:
        mhd_sha256_update(&h->u.sha256, data, len);
        break;
    case AUTH_ALGO_SHA512_256:
        mhd_sha512_256_update(&h->u.sha512_256, data, len);
        break;
    default:
        /* mhd_hash_init() refused this context; hashing into it is a bug. */
        mhd_panic("hash context used without a valid algorithm");
    }
}

void mhd_hash_update_str(struct mhd_hash *h, const char *s)
{
    mhd_hash_update(h, s, strlen(s));
}

void mhd_hash_finish(struct mhd_hash *h, uint8_t *out)
{
    switch (h->algo) {
    case AUTH_ALGO_MD5:
        mhd_md5_finish(&h->u.md5, out);
        break;
    case AUTH_ALGO_SHA256:
        mhd_sha256_finish(&h->u.sha256, out);
        break;
    case AUTH_ALGO_SHA512_256:
        mhd_sha512_256_finish(&h->u.sha512_256, out);
        break;
    default:
        mhd_panic("hash context used without a valid algorithm");
    }
}

bool mhd_auth_equal_ct(const void *a, const void *b, size_t len)
{
    /* Every byte is visited whatever the contents, and the accumulated
     * difference is only tested once at the end, so the time taken does not
     * tell an attacker how long a matching prefix was. The volatile read
     * keeps the compiler from turning the loop into an early-exit memcmp. */
    const volatile uint8_t *x = a;
    const volatile uint8_t *y = b;
    uint8_t diff = 0;
    for (size_t i = 0; i < len; i++)
        diff |= (uint8_t)(x[i] ^ y[i]);
    return diff == 0;
}
