/* Message digests used by Digest authentication and by the nonce MAC.
 *
 * Three hash functions, each with the same incremental interface
 * (init, update any number of times, finish) and a one-shot helper:
 * MD5 (RFC 1321), SHA-256 and SHA-512/256 (FIPS 180-4). A small dispatcher,
 * struct mhd_hash, selects one of them by its enum MHD_DigestBaseAlgo value
 * (1 MD5, 2 SHA-256, 4 SHA-512/256) so that the Digest code is written once.
 *
 * All functions are pure, allocate nothing and are safe to call from any
 * thread on distinct contexts. A context may be copied by plain assignment
 * (the nonce code relies on that to reuse a keyed prefix); after finish it
 * must be initialised again before reuse. */
#ifndef MHD_AUTH_HASH_H
#define MHD_AUTH_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUTH_MD5_SIZE 16
#define AUTH_SHA256_SIZE 32
#define AUTH_SHA512_256_SIZE 32
/* The largest digest any supported algorithm produces. */
#define AUTH_HASH_MAX_SIZE 32

/* Values of enum MHD_DigestBaseAlgo, repeated here so that this header
 * compiles alone; hash.c checks that they agree with microhttpd.h. */
#define AUTH_ALGO_MD5 1u
#define AUTH_ALGO_SHA256 2u
#define AUTH_ALGO_SHA512_256 4u

struct mhd_md5 {
    uint32_t h[4];
    uint64_t len; /* bytes hashed so far */
    uint8_t buf[64];
};

struct mhd_sha256 {
    uint32_t h[8];
    uint64_t len;
    uint8_t buf[64];
};

struct mhd_sha512_256 {
    uint64_t h[8];
    uint64_t len; /* 2^64 bytes is beyond any input we will see */
    uint8_t buf[128];
};

void mhd_md5_init(struct mhd_md5 *c);
void mhd_md5_update(struct mhd_md5 *c, const void *data, size_t len);
/* Writes AUTH_MD5_SIZE bytes to `out`. */
void mhd_md5_finish(struct mhd_md5 *c, uint8_t *out);
void mhd_md5(const void *data, size_t len, uint8_t *out);

void mhd_sha256_init(struct mhd_sha256 *c);
void mhd_sha256_update(struct mhd_sha256 *c, const void *data, size_t len);
/* Writes AUTH_SHA256_SIZE bytes to `out`. */
void mhd_sha256_finish(struct mhd_sha256 *c, uint8_t *out);
void mhd_sha256(const void *data, size_t len, uint8_t *out);

void mhd_sha512_256_init(struct mhd_sha512_256 *c);
void mhd_sha512_256_update(struct mhd_sha512_256 *c, const void *data, size_t len);
/* Writes AUTH_SHA512_256_SIZE bytes to `out`. */
void mhd_sha512_256_finish(struct mhd_sha512_256 *c, uint8_t *out);
void mhd_sha512_256(const void *data, size_t len, uint8_t *out);

/* One of the three hashes, chosen at init. */
struct mhd_hash {
    unsigned int algo; /* AUTH_ALGO_* */
    union {
        struct mhd_md5 md5;
        struct mhd_sha256 sha256;
        struct mhd_sha512_256 sha512_256;
    } u;
};

/* Digest size in bytes of base algorithm `algo` (AUTH_ALGO_*), or 0 when
 * `algo` is not exactly one supported algorithm. */
size_t mhd_hash_size(unsigned int algo);

/* Starts a hash of kind `algo`. Returns false (and leaves `h` unusable)
 * when mhd_hash_size(algo) is 0. */
bool mhd_hash_init(struct mhd_hash *h, unsigned int algo);

void mhd_hash_update(struct mhd_hash *h, const void *data, size_t len);

/* Hashes the bytes of a 0-terminated string (not the terminator). */
void mhd_hash_update_str(struct mhd_hash *h, const char *s);

/* Writes mhd_hash_size(h->algo) bytes to `out`. */
void mhd_hash_finish(struct mhd_hash *h, uint8_t *out);

#endif
