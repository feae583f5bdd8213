/* The request line (RFC 9112 section 3): method SP request-target SP
 * HTTP-version, ended by CRLF.
 *
 * Almost every request line is "TOKEN SP visible-bytes SP HTTP/1.x CRLF",
 * so that shape is checked first with one fast scan of the target; anything
 * else goes through the general path, which knows the tolerances of each
 * discipline level. Errors are answered with 400 only when the method is one
 * of the common ones: a line that does not even start like HTTP is closed
 * without an answer. */
#include "http/http.h"

#include <string.h>

#include "http/http_internal.h"

/* Lenient clients separate the parts with other whitespace: HTAB from level
 * 0 down, and below that VT, FF, and stray CR or NUL (which the target then
 * sees as spaces). */
static bool is_separator(unsigned char c, int level)
{
    if (c == ' ')
        return true;
    if (c == '\t')
        return level <= 0;
    if (c == '\v' || c == '\f' || c == '\r' || c == '\0')
        return level <= -1;
    return false;
}

/* Exactly "HTTP/" DIGIT "." DIGIT, case-sensitive. A well-formed version
 * with another major number is an HTTP request we cannot serve (505), a
 * malformed one is just a bad request. */
static enum mhd_http_result parse_version(const char *v, size_t len, enum mhd_http_result err,
                                          unsigned int *minor)
{
    if (len != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.')
        return err;
    unsigned int major = (unsigned char)v[5] - (unsigned int)'0';
    unsigned int min = (unsigned char)v[7] - (unsigned int)'0';
    if (major > 9 || min > 9)
        return err;
    if (major != 1)
        return HTTP_PARSE_BAD_VERSION;
    *minor = min;
    return HTTP_PARSE_OK;
}

/* Checks the target bytes [ts, te) for whitespace and control bytes.
 * Whitespace inside the target is refused down to level -1 (upstream's
 * redirect is not reproduced); below that it is passed on, with stray CR and
 * NUL turned into spaces so that the application never sees them. Other
 * control bytes are refused from level 0 up. */
static bool target_is_acceptable(char *buf, size_t ts, size_t te, int level)
{
    const char *end = buf + te;
    const char *p = mhd_http_find_ctl_or_sp(buf + ts, end);
    for (size_t i = (size_t)(p - buf); i < te; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (mhd_http_has(c, HTTP_C_URI))
            continue;
        if (is_separator(c, level) || mhd_http_is_ws(c)) {
            if (level >= -1)
                return false;
            if (c == '\r' || c == '\0')
                buf[i] = ' ';
            continue;
        }
        if (level >= 0)
            return false;
    }
    return true;
}

/* The general path: the version is the last separated token, the target is
 * everything between the method's separator and the version's. */
static enum mhd_http_result parse_rest(char *buf, size_t m, size_t end, int level,
                                       enum mhd_http_result err, struct mhd_http_head *h)
{
    size_t v = end;
    while (v > m && !is_separator((unsigned char)buf[v - 1], level))
        v--;
    unsigned int minor = 0;
    enum mhd_http_result r = parse_version(buf + v, end - v, err, &minor);
    if (r != HTTP_PARSE_OK)
        return r;
    size_t ts = m + 1, te = v - 1;
    if (level <= -1) {
        while (ts < te && is_separator((unsigned char)buf[ts], level))
            ts++;
        while (te > ts && is_separator((unsigned char)buf[te - 1], level))
            te--;
    }
    if (ts >= te) {
        /* "GET  HTTP/1.1": tolerated below level 0 as an empty target. */
        if (level >= 0 || v - 1 <= m)
            return err;
        ts = te = m + 1;
    } else if (!target_is_acceptable(buf, ts, te, level)) {
        return err;
    }
    buf[m] = '\0';
    buf[te] = '\0';
    buf[end] = '\0';
    h->method = buf;
    h->method_len = m;
    h->target = buf + ts;
    h->target_len = te - ts;
    h->version = buf + v;
    h->version_len = 8;
    h->version_major = 1;
    h->version_minor = minor;
    return HTTP_PARSE_OK;
}

/* "METHOD SP target SP HTTP/1.x" with a target free of whitespace and
 * control bytes. Returns false when the line has another shape. */
static bool parse_plain(char *buf, size_t m, size_t end, struct mhd_http_head *h,
                        enum mhd_http_result *r)
{
    const char *t = buf + m + 1;
    const char *e = mhd_http_find_ctl_or_sp(t, buf + end);
    if (e == t || *e != ' ' || (size_t)(buf + end - e) != 9)
        return false;
    unsigned int minor = 0;
    *r = parse_version(e + 1, 8, HTTP_PARSE_BAD, &minor);
    if (*r == HTTP_PARSE_BAD)
        return false; /* let the general path decide between 400 and close */
    if (*r != HTTP_PARSE_OK)
        return true;
    size_t te = (size_t)(e - buf);
    buf[m] = '\0';
    buf[te] = '\0';
    buf[end] = '\0';
    h->method = buf;
    h->method_len = m;
    h->target = buf + m + 1;
    h->target_len = te - m - 1;
    h->version = buf + te + 1;
    h->version_len = 8;
    h->version_major = 1;
    h->version_minor = minor;
    return true;
}

/* The answer to a malformed request line: 400 after a common method,
 * otherwise none (close). Only asked on the way out of a bad line. */
static enum mhd_http_result method_error(const char *buf, size_t m)
{
    return mhd_http_is_common_method(buf, m) ? HTTP_PARSE_BAD : HTTP_PARSE_CLOSE;
}

enum mhd_http_result mhd_http_parse_request_line(char *buf, size_t len, int level,
                                                 struct mhd_http_head *h, size_t *consumed)
{
    const char *nl = memchr(buf, '\n', len);
    if (nl == NULL)
        return HTTP_PARSE_BAD;
    size_t eol = (size_t)(nl - buf);
    bool crlf = eol > 0 && buf[eol - 1] == '\r';
    size_t end = crlf ? eol - 1 : eol;
    size_t m = 0;
    while (m < end && mhd_http_is_tchar((unsigned char)buf[m]))
        m++;
    if (m == 0)
        return HTTP_PARSE_CLOSE;
    if ((!crlf && level >= 1) || m == end)
        return method_error(buf, m);
    unsigned char c = (unsigned char)buf[m];
    /* A control byte right after a common method reads as a broken request
     * line; any other byte (HTAB included, as upstream) makes the method
     * something that is not a token at all. */
    if (!is_separator(c, level))
        return c != '\t' && mhd_http_has(c, HTTP_C_CTL) ? method_error(buf, m) : HTTP_PARSE_CLOSE;
    *consumed = eol + 1;
    enum mhd_http_result r = HTTP_PARSE_OK;
    if (c == ' ' && parse_plain(buf, m, end, h, &r))
        return r;
    return parse_rest(buf, m, end, level, method_error(buf, m), h);
}
