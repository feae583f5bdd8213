/* SHA-512/256 as specified in FIPS 180-4, sections 4.1.3, 5.3.6.2 and 6.7.
 *
 * SHA-512/256 is the SHA-512 compression function started from its own
 * initial values (section 5.3.6.2, themselves the output of the SHA-512/t
 * IV generation function for t = 256) with the result truncated to its
 * first 32 bytes. The round constants are the first 64 bits of the
 * fractional parts of the cube roots of the first 80 primes (4.2.3).
 *
 * As in sha256.c the schedule lives in a 16-word ring and eight rounds are
 * written out per iteration with renamed working variables. */
#include "auth/hash.h"

#include <string.h>

static const uint64_t K[80] = {
    0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
    0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
    0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
    0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
    0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
    0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
    0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
    0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
    0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
    0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
    0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
    0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
    0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
    0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
    0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
    0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
    0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
    0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
};

static inline uint64_t ror64(uint64_t x, unsigned int n)
{
    return (x >> n) | (x << (64 - n));
}

static inline uint64_t load_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (unsigned int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static inline void store_be64(uint8_t *p, uint64_t v)
{
    for (unsigned int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* FIPS 180-4 functions (4.8) to (4.13). */
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))
#define BSIG0(x) (ror64((x), 28) ^ ror64((x), 34) ^ ror64((x), 39))
#define BSIG1(x) (ror64((x), 14) ^ ror64((x), 18) ^ ror64((x), 41))
#define SSIG0(x) (ror64((x), 1) ^ ror64((x), 8) ^ ((x) >> 7))
#define SSIG1(x) (ror64((x), 19) ^ ror64((x), 61) ^ ((x) >> 6))

#define SCHED(w, t)                                                                                \
    ((w)[(t)&15] += SSIG1((w)[((t)-2) & 15]) + (w)[((t)-7) & 15] + SSIG0((w)[((t)-15) & 15]))

#define ROUND(a, b, c, d, e, f, g, h, kw)                                                          \
    do {                                                                                           \
        uint64_t t1_ = (h) + BSIG1(e) + CH((e), (f), (g)) + (kw);                                  \
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

static void sha512_block(uint64_t st[8], const uint8_t *p)
{
    uint64_t w[16];
    for (unsigned int i = 0; i < 16; i++)
        w[i] = load_be64(p + 8 * i);
    uint64_t a = st[0], b = st[1], c = st[2], d = st[3];
    uint64_t e = st[4], f = st[5], g = st[6], h = st[7];

#define WLOAD(t) w[(t)&15]
#define WNEXT(t) SCHED(w, t)
    EIGHT_ROUNDS(0, WLOAD);
    EIGHT_ROUNDS(8, WLOAD);
    for (unsigned int t = 16; t < 80; t += 8)
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

void mhd_sha512_256_init(struct mhd_sha512_256 *c)
{
    static const uint64_t iv[8] = {0x22312194fc2bf72c, 0x9f555fa3c84c64c2, 0x2393b86b6f53b151,
                                   0x963877195940eabd, 0x96283ee2a88effe3, 0xbe5e1e2553863992,
                                   0x2b0199fc2c85b8aa, 0x0eb72ddc81c52ca2};
    memcpy(c->h, iv, sizeof(iv));
    c->len = 0;
}

void mhd_sha512_256_update(struct mhd_sha512_256 *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t used = (size_t)(c->len % 128);
    c->len += len;
    if (used) {
        size_t take = 128 - used;
        if (len < take) {
            memcpy(c->buf + used, p, len);
            return;
        }
        memcpy(c->buf + used, p, take);
        sha512_block(c->h, c->buf);
        p += take;
        len -= take;
    }
    for (; len >= 128; p += 128, len -= 128)
        sha512_block(c->h, p);
    if (len)
        memcpy(c->buf, p, len);
}

void mhd_sha512_256_finish(struct mhd_sha512_256 *c, uint8_t *out)
{
    size_t used = (size_t)(c->len % 128);
    c->buf[used++] = 0x80;
    if (used > 112) {
        memset(c->buf + used, 0, 128 - used);
        sha512_block(c->h, c->buf);
        used = 0;
    }
    memset(c->buf + used, 0, 112 - used);
    /* The length field is 128 bits wide; its upper half holds the bits of
     * the byte count that the multiplication by 8 shifts out. */
    store_be64(c->buf + 112, c->len >> 61);
    store_be64(c->buf + 120, c->len << 3);
    sha512_block(c->h, c->buf);
    for (unsigned int i = 0; i < 4; i++)
        store_be64(out + 8 * i, c->h[i]);
}

void mhd_sha512_256(const void *data, size_t len, uint8_t *out)
{
    struct mhd_sha512_256 c;
    mhd_sha512_256_init(&c);
    mhd_sha512_256_update(&c, data, len);
    mhd_sha512_256_finish(&c, out);
}
