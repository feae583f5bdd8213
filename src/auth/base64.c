/* Base64 (RFC 4648 section 4, standard alphabet, with padding).
 *
 * The decoder is strict on purpose: Basic credentials are compared by the
 * application, and accepting several spellings of one token (missing
 * padding, stray bits in the last character, embedded whitespace) only
 * widens what a filter in front of us and we may disagree on. RFC 7617
 * uses the padded form, which every client sends. */
#include "auth/auth_internal.h"

static const char alphabet[64] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Sextet value of `c`, or -1 for anything outside the alphabet. */
static int sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

size_t mhd_base64_decoded_max(size_t len)
{
    return len / 4 * 3;
}

/* Decodes the final quantum, which may carry one or two '=' characters.
 * Returns the number of bytes written (1 to 3) or 0 when it is invalid. */
static size_t decode_last(const unsigned char *q, uint8_t *dst)
{
    int a = sextet(q[0]), b = sextet(q[1]);
    if (a < 0 || b < 0)
        return 0;
    if (q[2] == '=') {
        /* "xx==": one byte; the low 4 bits of the second sextet are unused
         * and must be zero. */
        if (q[3] != '=' || (b & 0x0f) != 0)
            return 0;
        dst[0] = (uint8_t)((a << 2) | (b >> 4));
        return 1;
    }
    int c = sextet(q[2]);
    if (c < 0)
        return 0;
    if (q[3] == '=') {
        if ((c & 0x03) != 0)
            return 0;
        dst[0] = (uint8_t)((a << 2) | (b >> 4));
        dst[1] = (uint8_t)((b << 4) | (c >> 2));
        return 2;
    }
    int d = sextet(q[3]);
    if (d < 0)
        return 0;
    dst[0] = (uint8_t)((a << 2) | (b >> 4));
    dst[1] = (uint8_t)((b << 4) | (c >> 2));
    dst[2] = (uint8_t)((c << 6) | d);
    return 3;
}

bool mhd_base64_decode(const char *src, size_t len, uint8_t *dst, size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)src;
    if (len % 4 != 0)
        return false;
    size_t n = 0;
    for (size_t i = 0; i + 4 < len; i += 4) {
        /* Every quantum but the last is complete: '=' here is invalid. */
        int a = sextet(s[i]), b = sextet(s[i + 1]), c = sextet(s[i + 2]), d = sextet(s[i + 3]);
        if ((a | b | c | d) < 0)
            return false;
        uint32_t v = ((uint32_t)a << 18) | ((uint32_t)b << 12) | ((uint32_t)c << 6) | (uint32_t)d;
        dst[n++] = (uint8_t)(v >> 16);
        dst[n++] = (uint8_t)(v >> 8);
        dst[n++] = (uint8_t)v;
    }
    if (len) {
        size_t last = decode_last(s + len - 4, dst + n);
        if (last == 0)
            return false;
        n += last;
    }
    *out_len = n;
    return true;
}

size_t mhd_base64_encoded_len(size_t len)
{
    return (len + 2) / 3 * 4;
}

void mhd_base64_encode(const void *src, size_t len, char *dst)
{
    const uint8_t *p = src;
    size_t n = 0, i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = ((uint32_t)p[i] << 16) | ((uint32_t)p[i + 1] << 8) | p[i + 2];
        dst[n++] = alphabet[v >> 18];
        dst[n++] = alphabet[(v >> 12) & 63];
        dst[n++] = alphabet[(v >> 6) & 63];
        dst[n++] = alphabet[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        dst[n++] = alphabet[v >> 18];
        dst[n++] = alphabet[(v >> 12) & 63];
        dst[n++] = '=';
        dst[n++] = '=';
    } else if (len - i == 2) {
        uint32_t v = ((uint32_t)p[i] << 16) | ((uint32_t)p[i + 1] << 8);
        dst[n++] = alphabet[v >> 18];
        dst[n++] = alphabet[(v >> 12) & 63];
        dst[n++] = alphabet[(v >> 6) & 63];
        dst[n++] = '=';
    }
    dst[n] = '\0';
}
