/* Percent-decoding, query strings and the Host grammar (RFC 3986).
 *
 * The request-target itself is handed on raw; only the pieces the caller
 * asks for are decoded, in place. */
#include "http/http.h"

#include <string.h>

#include "http/http_internal.h"

/* True when every '%' in [p, end) starts a complete %XX escape. */
static bool escapes_are_valid(const char *p, const char *end)
{
    while (p < end) {
        const char *pct = memchr(p, '%', (size_t)(end - p));
        if (pct == NULL)
            return true;
        if (end - pct < 3 || mhd_http_hex_value((unsigned char)pct[1]) < 0 ||
            mhd_http_hex_value((unsigned char)pct[2]) < 0)
            return false;
        p = pct + 3;
    }
    return true;
}

size_t mhd_http_unescape(char *s, size_t len, bool strict)
{
    char *pct = mhd_http_memchr(s, '%', len);
    const char *end = s + len;
    if (pct == NULL || (strict && !escapes_are_valid(pct, end))) {
        s[len] = '\0';
        return len;
    }
    char *w = pct;
    const char *r = pct;
    while (r < end) {
        if (*r == '%' && end - r >= 3) {
            int hi = mhd_http_hex_value((unsigned char)r[1]);
            int lo = mhd_http_hex_value((unsigned char)r[2]);
            if (hi >= 0 && lo >= 0) {
                *w++ = (char)(hi << 4 | lo);
                r += 3;
                continue;
            }
        }
        *w++ = *r++;
    }
    *w = '\0';
    return (size_t)(w - s);
}

static void plus_to_space(char *p, const char *end)
{
    for (; p < end; p++)
        if (*p == '+')
            *p = ' ';
}

static size_t decode(mhd_http_unescape_fn unescape, void *uctx, char *s, size_t len)
{
    if (unescape == NULL)
        return mhd_http_unescape(s, len, false);
    return unescape(uctx, s, len);
}

/* Reports one non-empty "key[=value]" piece [p, e). The terminators go
 * where the '=' and the '&' (or the end) were. */
static bool report_arg(char *p, char *e, mhd_http_unescape_fn unescape, void *uctx,
                       mhd_http_arg_cb cb, void *ctx)
{
    char *eq = memchr(p, '=', (size_t)(e - p));
    char *key_end = eq ? eq : e;
    plus_to_space(p, key_end);
    *key_end = '\0';
    size_t key_len = decode(unescape, uctx, p, (size_t)(key_end - p));
    char *v = NULL;
    size_t v_len = 0;
    if (eq != NULL) {
        v = eq + 1;
        plus_to_space(v, e);
        *e = '\0';
        v_len = decode(unescape, uctx, v, (size_t)(e - v));
    }
    return cb(ctx, p, key_len, v, v_len);
}

bool mhd_http_parse_query(char *q, size_t len, mhd_http_unescape_fn unescape, void *uctx,
                          mhd_http_arg_cb cb, void *ctx)
{
    char *p = q, *end = q + len;
    for (;;) {
        char *amp = memchr(p, '&', (size_t)(end - p));
        char *e = amp ? amp : end;
        if (e > p && !report_arg(p, e, unescape, uctx, cb, ctx))
            return false;
        if (amp == NULL)
            return true;
        p = amp + 1;
    }
}

/* ---- Host: uri-host [ ":" port ] ------------------------------------------ */

/* dec-octet "." dec-octet "." dec-octet "." dec-octet, no leading zeros. */
static bool is_ipv4(const char *p, const char *end)
{
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (p == end || *p != '.')
                return false;
            p++;
        }
        const char *d = p;
        unsigned int n = 0;
        while (p < end && mhd_http_is_digit((unsigned char)*p) && p - d < 3)
            n = n * 10 + (unsigned int)(*p++ - '0');
        if (p == d || n > 255 || (p - d > 1 && *d == '0'))
            return false;
    }
    return p == end;
}

/* RFC 3986 IPv6address: eight h16 groups, the last two possibly written as
 * an IPv4 address, with at most one "::" standing for one or more groups. */
static bool is_ipv6(const char *p, const char *end)
{
    unsigned int groups = 0;
    bool compressed = false;
    if (end - p >= 2 && p[0] == ':' && p[1] == ':') {
        compressed = true;
        p += 2;
        if (p == end)
            return true;
    }
    for (;;) {
        const char *g = p;
        while (p < end && mhd_http_hex_value((unsigned char)*p) >= 0)
            p++;
        if (p < end && *p == '.') {
            if (!is_ipv4(g, end))
                return false;
            groups += 2;
            break;
        }
        if (p == g || p - g > 4)
            return false;
        groups++;
        if (p == end)
            break;
        if (*p++ != ':' || p == end)
            return false;
        if (*p == ':') {
            if (compressed)
                return false;
            compressed = true;
            if (++p == end)
                break;
        }
    }
    return compressed ? groups <= 7 : groups == 8;
}

/* "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ) */
static bool is_ipvfuture(const char *p, const char *end)
{
    if (p == end || (*p != 'v' && *p != 'V'))
        return false;
    const char *h = ++p;
    while (p < end && mhd_http_hex_value((unsigned char)*p) >= 0)
        p++;
    if (p == h || p == end || *p != '.' || ++p == end)
        return false;
    for (; p < end; p++)
        if (*p != ':' && !mhd_http_has((unsigned char)*p, HTTP_C_REG))
            return false;
    return true;
}

/* reg-name (which covers IPv4address): unreserved, sub-delims and %XX.
 * Neither ':' nor '%' is a reg-name byte of the table. */
static const char *skip_reg_name(const char *p, const char *end)
{
    for (;;) {
        while (p < end && mhd_http_has((unsigned char)*p, HTTP_C_REG))
            p++;
        if (p == end || *p == ':')
            return p;
        if (*p != '%' || end - p < 3 || mhd_http_hex_value((unsigned char)p[1]) < 0 ||
            mhd_http_hex_value((unsigned char)p[2]) < 0)
            return NULL;
        p += 3;
    }
}

bool mhd_http_is_valid_host(const char *value, size_t len)
{
    const char *p = value, *end = value + len;
    if (len > 0 && *p == '[') {
        const char *close = memchr(p, ']', len);
        if (close == NULL || !(is_ipv6(p + 1, close) || is_ipvfuture(p + 1, close)))
            return false;
        p = close + 1;
    } else {
        p = skip_reg_name(p, end);
        if (p == NULL)
            return false;
    }
    if (p == end)
        return true;
    if (*p != ':')
        return false;
    for (p++; p < end; p++)
        if (!mhd_http_is_digit((unsigned char)*p))
            return false;
    return true;
}
