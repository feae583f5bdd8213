/* SHA-256 as specified in FIPS 180-4, sections 4.1.2, 5.3.3 and 6.2.
 *
 * The round constants are the first 32 bits of the fractional parts of the
 * cube roots of the first 64 primes, the initial values those of the square
 * roots of the first 8 primes (FIPS 180-4 sections 4.2.2 and 5.3.3).
 *
 * The message schedule is kept in a 16-word ring instead of the 64-word
 * array of the standard: word t only depends on words t-2, t-7, t-15 and
 * t-16, so each new word overwrites the one it no longer needs. Eight rounds
 * are written out per loop iteration with the working variables renamed
 * instead of shuffled, which removes seven moves per round. */
#include "auth/hash.h"

#include <string.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror32(uint32_t x, unsigned int n)
{
    return (x >> n) | (x << (32 - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* FIPS 180-4 functions (4.2) to (4.7); Ch and Maj in forms with one
 * operation fewer that give the same results. */
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))
#define BSIG0(x) (ror32((x), 2) ^ ror32((x), 13) ^ ror32((x), 22))
#define BSIG1(x) (ror32((x), 6) ^ ror32((x), 11) ^ ror32((x), 25))
#define SSIG0(x) (ror32((x), 7) ^ ror32((x), 18) ^ ((x) >> 3))
#define SSIG1(x) (ror32((x), 17) ^ ror32((x), 19) ^ ((x) >> 10))

/* Schedule word t (t >= 16) computed in place in the ring `w`. */
#define SCHED(w, t)                                                                                \
    ((w)[(t)&15] += SSIG1((w)[((t)-2) & 15]) + (w)[((t)-7) & 15] + SSIG0((w)[((t)-15) & 15]))

#define ROUND(a, b, c, d, e, f, g, h, kw)                                                          \
    do {                                                                                           \
        uint32_t t1_ = (h) + BSIG1(e) + CH((e), (f), (g)) + (kw);                                  \
        (d) += t1_;                                                                                \
        (h) = t1_ + BSIG0(a) + MAJ((a), (b), (c));                                                 \
    } while (0)

#define EIGHT_ROUNDS(t, W)                                                                         \
    do {                                                                                           \
        ROUND(a, b, c, d, e, f, g, h, K[(t) + 0] + W((t) + 0));                                    \
        ROUND(h, a, b, c, d, e, f, g, K[(t) + 1] + W((t) + 1));                                    \
        ROUND(g, h, a, b, c, d, e, f, K[(t) + 2] + W((t) + 2));                                    \
        ROUND(f, g, h, a, b, c, d, e, K[(t) + 3] + W((t) + 3));                                    \
        ROUND(e, f, g, h, a, b, c, d, K[(t) + 4] + W((t) + 4));                                    \
        ROUND(d, e, f, g, h, a, b, c, K[(t) + 5] + W((t) + 5));                                    \
        ROUND(c, d, e, f, g, h, a, b, K[(t) + 6] + W((t) + 6));                                    \
        ROUND(b, c, d, e, f, g, h, a, K[(t) + 7] + W((t) + 7));                                    \
    } while (0)

static void sha256_block(uint32_t st[8], const uint8_t *p)
{
    uint32_t w[16];
    for (unsigned int i = 0; i < 16; i++)
        w[i] = load_be32(p + 4 * i);
    uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
    uint32_t e = st[4], f = st[5], g = st[6], h = st[7];

#define WLOAD(t) w[(t)&15]
#define WNEXT(t) SCHED(w, t)
    EIGHT_ROUNDS(0, WLOAD);
    EIGHT_ROUNDS(8, WLOAD);
    for (unsigned int t = 16; t < 64; t += 8)
        EIGHT_ROUNDS(t, WNEXT);
#undef WLOAD
#undef WNEXT

    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
    st[4] += e;
    st[5] += f;
    st[6] += g;
    st[7] += h;
}

void mhd_sha256_init(struct mhd_sha256 *c)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, iv, sizeof(iv));
    c->len = 0;
}

void mhd_sha256_update(struct mhd_sha256 *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t used = (size_t)(c->len % 64);
    c->len += len;
    if (used) {
        size_t take = 64 - used;
        if (len < take) {
            memcpy(c->buf + used, p, len);
            return;
        }
        memcpy(c->buf + used, p, take);
        sha256_block(c->h, c->buf);
        p += take;
        len -= take;
    }
    for (; len >= 64; p += 64, len -= 64)
        sha256_block(c->h, p);
    if (len)
        memcpy(c->buf, p, len);
}

void mhd_sha256_finish(struct mhd_sha256 *c, uint8_t *out)
{
    size_t used = (size_t)(c->len % 64);
    uint64_t bits = c->len << 3;
    c->buf[used++] = 0x80;
    if (used > 56) {
        memset(c->buf + used, 0, 64 - used);
        sha256_block(c->h, c->buf);
        used = 0;
    }
    memset(c->buf + used, 0, 56 - used);
    store_be32(c->buf + 56, (uint32_t)(bits >> 32));
    store_be32(c->buf + 60, (uint32_t)bits);
    sha256_block(c->h, c->buf);
    for (unsigned int i = 0; i < 8; i++)
        store_be32(out + 4 * i, c->h[i]);
}

void mhd_sha256(const void *data, size_t len, uint8_t *out)
{
    struct mhd_sha256 c;
    mhd_sha256_init(&c);
    mhd_sha256_update(&c, data, len);
    mhd_sha256_finish(&c, out);
}
