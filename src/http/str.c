/* Byte classes, case-insensitive comparison, token lists, fast scanning for
 * control bytes, and the mapping from parse results to status codes. */
#include "http/http.h"

#include <string.h>

#include "http/http_internal.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Generated once from the RFC grammars (the HTTP_C_* bits of
 * http_internal.h); each row is labelled with its first byte. */
const uint8_t mhd_http_ctype[256] = {
    /* 0x00 */ 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,
    /* 0x08 */ 0x02, 0x46, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,
    /* 0x10 */ 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,
    /* 0x18 */ 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,
    /* 0x20 */ 0x44, 0xf1, 0x80, 0xd1, 0xf1, 0xd1, 0xf1, 0xf1,
    /* 0x28 */ 0xf0, 0xf0, 0xf1, 0xf1, 0xe0, 0xf1, 0xf1, 0xd0,
    /* 0x30 */ 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9,
    /* 0x38 */ 0xf9, 0xf9, 0xd0, 0xe0, 0xd0, 0xf0, 0xd0, 0xd0,
    /* 0x40 */ 0xd0, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf1,
    /* 0x48 */ 0xf1, 0xf1, 0xf1, 0xf1, 0xf1, 0xf1, 0xf1, 0xf1,
    /* 0x50 */ 0xf1, 0xf1, 0xf1, 0xf1, 0xf1, 0xf1, 0xf1, 0xf1,
    /* 0x58 */ 0xf1, 0xf1, 0xf1, 0xd0, 0x80, 0xd0, 0xd1, 0xf1,
    /* 0x60 */ 0xd1, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf1,
    /* 0x68 */ 0xf1, 0xf1, 0xf1, 0xf1, 0xf1, 0xf1, 0xf1, 0xf1,
    /* 0x70 */ 0xf1, 0xf1, 0xf1, 0xf1, 0xf1, 0xf1, 0xf1, 0xf1,
    /* 0x78 */ 0xf1, 0xf1, 0xf1, 0xd0, 0xd1, 0xd0, 0xf1, 0x02,
    /* 0x80 */ 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0,
    /* 0x88 */ 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0,
    /* 0x90 */ 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0,
    /* 0x98 */ 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0,
    /* 0xa0 */ 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0,
    /* 0xa8 */ 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0,
    /* 0xb0 */ 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0,
    /* 0xb8 */ 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0,
    /* 0xc0 */ 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0,
    /* 0xc8 */ 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0,
    /* 0xd0 */ 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0,
    /* 0xd8 */ 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0,
    /* 0xe0 */ 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0,
    /* 0xe8 */ 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0,
    /* 0xf0 */ 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0,
    /* 0xf8 */ 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0,
};

unsigned int mhd_http_result_status(enum mhd_http_result r)
{
    switch (r) {
    case HTTP_PARSE_BAD:
        return 400;
    case HTTP_PARSE_URI_TOO_LONG:
        return 414;
    case HTTP_PARSE_HEAD_TOO_LARGE:
    case HTTP_PARSE_NO_MEMORY:
        return 431;
    case HTTP_PARSE_BODY_TOO_LARGE:
        return 413;
    case HTTP_PARSE_NOT_IMPLEMENTED:
        return 501;
    case HTTP_PARSE_BAD_VERSION:
        return 505;
    case HTTP_PARSE_OK:
    case HTTP_PARSE_NEED_MORE:
    case HTTP_PARSE_CLOSE:
        break;
    }
    return 0;
}

bool mhd_http_is_token(const char *name, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!mhd_http_is_tchar((unsigned char)name[i]))
            return false;
    return true;
}

bool mhd_http_str_eq_nocase(const char *a, const char *b, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x != y && mhd_http_lower(x) != mhd_http_lower(y))
            return false;
    }
    return true;
}

bool mhd_http_list_has_token(const char *value, size_t len, const char *token, size_t token_len)
{
    const char *p = value, *end = value + len;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma ? comma : end;
        const char *s = p;
        while (s < e && mhd_http_is_ws((unsigned char)*s))
            s++;
        const char *t = e;
        while (t > s && mhd_http_is_ws((unsigned char)t[-1]))
            t--;
        if ((size_t)(t - s) == token_len && mhd_http_str_eq_nocase(s, token, token_len))
            return true;
        p = comma ? comma + 1 : end;
    }
    return false;
}

bool mhd_http_is_common_method(const char *m, size_t len)
{
    switch (len) {
    case 3:
        return memcmp(m, "GET", 3) == 0 || memcmp(m, "PUT", 3) == 0;
    case 4:
        return memcmp(m, "HEAD", 4) == 0 || memcmp(m, "POST", 4) == 0;
    case 6:
        return memcmp(m, "DELETE", 6) == 0;
    default:
        return false;
    }
}

/* Finds the first byte that is at most `limit` or is DEL. Header values and
 * request-targets are long and almost never contain such a byte, so the
 * search looks at 16 (or 8) bytes per step and only narrows down to a byte
 * inside the block that has a hit. */
#if defined(__SSE2__)
static const char *find_low_or_del(const char *p, const char *end, unsigned char limit)
{
    const __m128i lim = _mm_set1_epi8((char)limit);
    const __m128i del = _mm_set1_epi8(0x7F);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i low = _mm_cmpeq_epi8(_mm_max_epu8(v, lim), lim);
        __m128i hit = _mm_or_si128(low, _mm_cmpeq_epi8(v, del));
        unsigned int mask = (unsigned int)_mm_movemask_epi8(hit);
        if (mask != 0)
            return p + __builtin_ctz(mask);
        p += 16;
    }
    for (; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= limit || c == 0x7F)
            return p;
    }
    return end;
}
#else
static const char *find_low_or_del(const char *p, const char *end, unsigned char limit)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    const uint64_t below = ones * (uint64_t)(limit + 1u);
    while (end - p >= 8) {
        uint64_t x, y;
        memcpy(&x, p, 8);
        y = x ^ (ones * 0x7Fu);
        /* Classic "has a byte less than n" and "has a zero byte" tests; a
         * hit only means the byte loop below takes over from here. */
        if ((((x - below) & ~x) | ((y - ones) & ~y)) & highs)
            break;
        p += 8;
    }
    for (; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= limit || c == 0x7F)
            return p;
    }
    return end;
}
#endif

const char *mhd_http_find_ctl(const char *p, const char *end)
{
    return find_low_or_del(p, end, 0x1F);
}

const char *mhd_http_find_ctl_or_sp(const char *p, const char *end)
{
    return find_low_or_del(p, end, 0x20);
}
