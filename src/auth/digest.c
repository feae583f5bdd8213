/* Digest computations: the public userhash/userdigest helpers and the
 * HA1 / response formulas of RFC 7616 section 3.4.1 (qop=auth) and
 * RFC 2069 (no qop). Only the non-session variants are computed; the
 * "-sess" algorithms are recognised by the parser and refused earlier. */
#include "auth/auth_internal.h"

unsigned int mhd_digest_base_algo(unsigned int algo3)
{
    switch (algo3) {
    case MHD_DIGEST_AUTH_ALGO3_MD5:
    case MHD_DIGEST_AUTH_ALGO3_MD5_SESSION:
        return AUTH_ALGO_MD5;
    case MHD_DIGEST_AUTH_ALGO3_SHA256:
    case MHD_DIGEST_AUTH_ALGO3_SHA256_SESSION:
        return AUTH_ALGO_SHA256;
    case MHD_DIGEST_AUTH_ALGO3_SHA512_256:
    case MHD_DIGEST_AUTH_ALGO3_SHA512_256_SESSION:
        return AUTH_ALGO_SHA512_256;
    default:
        return 0;
    }
}

_MHD_EXTERN size_t MHD_digest_get_hash_size(enum MHD_DigestAuthAlgo3 algo3)
{
    /* The contract looks at the base bits only, MD5 first. */
    unsigned int a = (unsigned int)algo3;
    if (a & MHD_DIGEST_BASE_ALGO_MD5)
        return AUTH_MD5_SIZE;
    if (a & MHD_DIGEST_BASE_ALGO_SHA256)
        return AUTH_SHA256_SIZE;
    if (a & MHD_DIGEST_BASE_ALGO_SHA512_256)
        return AUTH_SHA512_256_SIZE;
    return 0;
}

void mhd_digest_calc_ha1(unsigned int algo, const char *username, size_t username_len,
                         const char *realm, size_t realm_len, const char *password,
                         size_t password_len, uint8_t *out)
{
    struct mhd_hash h;
    if (!mhd_hash_init(&h, algo))
        mhd_panic("digest: HA1 with an unsupported algorithm");
    mhd_hash_update(&h, username, username_len);
    mhd_hash_update(&h, ":", 1);
    mhd_hash_update(&h, realm, realm_len);
    mhd_hash_update(&h, ":", 1);
    mhd_hash_update(&h, password, password_len);
    mhd_hash_finish(&h, out);
}

/* H(username ":" realm) for the userhash helpers. */
static bool calc_userhash(enum MHD_DigestAuthAlgo3 algo3, const char *username, const char *realm,
                          uint8_t *out, size_t *size)
{
    unsigned int algo = mhd_digest_base_algo((unsigned int)algo3);
    struct mhd_hash h;
    if (username == NULL || realm == NULL || !mhd_hash_init(&h, algo))
        return false;
    mhd_hash_update_str(&h, username);
    mhd_hash_update(&h, ":", 1);
    mhd_hash_update_str(&h, realm);
    mhd_hash_finish(&h, out);
    *size = mhd_hash_size(algo);
    return true;
}

_MHD_EXTERN enum MHD_Result MHD_digest_auth_calc_userhash(enum MHD_DigestAuthAlgo3 algo3,
                                                          const char *username, const char *realm,
                                                          void *userhash_bin, size_t bin_buf_size)
{
    uint8_t hash[AUTH_HASH_MAX_SIZE];
    size_t size;
    if (userhash_bin == NULL || !calc_userhash(algo3, username, realm, hash, &size) ||
        bin_buf_size < size)
        return MHD_NO;
    memcpy(userhash_bin, hash, size);
    return MHD_YES;
}

_MHD_EXTERN enum MHD_Result MHD_digest_auth_calc_userhash_hex(enum MHD_DigestAuthAlgo3 algo3,
                                                              const char *username,
                                                              const char *realm, char *userhash_hex,
                                                              size_t hex_buf_size)
{
    uint8_t hash[AUTH_HASH_MAX_SIZE];
    size_t size;
    if (userhash_hex == NULL || !calc_userhash(algo3, username, realm, hash, &size) ||
        hex_buf_size < 2 * size + 1)
        return MHD_NO;
    mhd_auth_bin_to_hex(hash, size, userhash_hex);
    return MHD_YES;
}

_MHD_EXTERN enum MHD_Result MHD_digest_auth_calc_userdigest(enum MHD_DigestAuthAlgo3 algo3,
                                                            const char *username, const char *realm,
                                                            const char *password,
                                                            void *userdigest_bin,
                                                            size_t bin_buf_size)
{
    unsigned int algo = mhd_digest_base_algo((unsigned int)algo3);
    size_t size = mhd_hash_size(algo);
    if (size == 0 || username == NULL || realm == NULL || password == NULL ||
        userdigest_bin == NULL || bin_buf_size < size)
        return MHD_NO;
    uint8_t hash[AUTH_HASH_MAX_SIZE];
    mhd_digest_calc_ha1(algo, username, strlen(username), realm, strlen(realm), password,
                        strlen(password), hash);
    memcpy(userdigest_bin, hash, size);
    return MHD_YES;
}

/* Feeds the lowercase hex form of `len` bytes. */
static void hash_hex(struct mhd_hash *h, const uint8_t *bin, size_t len)
{
    char hex[2 * AUTH_HASH_MAX_SIZE + 1];
    mhd_auth_bin_to_hex(bin, len, hex);
    mhd_hash_update(h, hex, 2 * len);
}

void mhd_digest_calc_response(unsigned int algo, const uint8_t *ha1, const char *method,
                              size_t method_len, const struct mhd_dparams *p, uint8_t *out)
{
    size_t size = mhd_hash_size(algo);
    uint8_t ha2[AUTH_HASH_MAX_SIZE];
    struct mhd_hash h;
    if (!mhd_hash_init(&h, algo))
        mhd_panic("digest: response with an unsupported algorithm");
    mhd_hash_update(&h, method, method_len);
    mhd_hash_update(&h, ":", 1);
    mhd_dparam_hash(&h, &p->uri);
    mhd_hash_finish(&h, ha2);

    (void)mhd_hash_init(&h, algo);
    hash_hex(&h, ha1, size);
    mhd_hash_update(&h, ":", 1);
    mhd_dparam_hash(&h, &p->nonce);
    mhd_hash_update(&h, ":", 1);
    if (p->qop.present) {
        mhd_dparam_hash(&h, &p->nc);
        mhd_hash_update(&h, ":", 1);
        mhd_dparam_hash(&h, &p->cnonce);
        mhd_hash_update(&h, ":", 1);
        mhd_dparam_hash(&h, &p->qop);
        mhd_hash_update(&h, ":", 1);
    }
    hash_hex(&h, ha2, size);
    mhd_hash_finish(&h, out);
}
