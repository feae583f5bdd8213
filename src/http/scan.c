/* Finding where a request head ends, while it arrives, and choosing the
 * answer for a head that does not fit.
 *
 * The scan only looks for line ends (memchr) and never looks at a byte
 * twice: an empty line is recognised by looking back from its LF, so no
 * state beyond the resume offset is needed. Judging the lines is left to
 * the parser, which runs once over the complete head. */
#include "http/http.h"

#include <limits.h>
#include <string.h>

#include "http/http_internal.h"

void mhd_http_scan_init(struct mhd_http_scan *s)
{
    memset(s, 0, sizeof(*s));
}

/* How many empty lines may precede the request line (RFC 9112 section 2.2
 * asks servers to ignore at least one). */
static unsigned int max_leading_empty(int level)
{
    if (level >= 2)
        return 0;
    if (level == 1)
        return 1;
    if (level >= -2)
        return 1024;
    return UINT_MAX;
}

/* Skips the empty lines before the request line and looks at the first
 * byte of the method: whitespace or any other non-token byte there can
 * never start a request, so the connection is closed at once instead of
 * buffering what is probably not HTTP. Returns OK once the method has
 * started at s->start. */
static enum mhd_http_result skip_leading(struct mhd_http_scan *s, const char *buf, size_t len,
                                         int level)
{
    while (s->pos == s->start) {
        if (s->pos >= len)
            return HTTP_PARSE_NEED_MORE;
        unsigned char c = (unsigned char)buf[s->pos];
        size_t n;
        if (c == '\n') {
            if (level >= 1)
                return HTTP_PARSE_CLOSE;
            n = 1;
        } else if (c == '\r') {
            if (s->pos + 1 >= len)
                return HTTP_PARSE_NEED_MORE;
            if (buf[s->pos + 1] != '\n')
                return HTTP_PARSE_CLOSE;
            n = 2;
        } else {
            return mhd_http_is_tchar(c) ? HTTP_PARSE_OK : HTTP_PARSE_CLOSE;
        }
        if (s->leading_empty >= max_leading_empty(level))
            return HTTP_PARSE_CLOSE;
        s->leading_empty++;
        s->pos += n;
        s->start = s->pos;
    }
    return HTTP_PARSE_OK;
}

enum mhd_http_result mhd_http_scan_head(struct mhd_http_scan *s, const char *buf, size_t len,
                                        int level)
{
    /* A buffer shorter than what was already examined is a caller bug;
     * refusing it beats reading before the start of a memchr range. */
    if (len < s->pos)
        return HTTP_PARSE_BAD;
    if (s->line_end == 0) {
        enum mhd_http_result r = skip_leading(s, buf, len, level);
        if (r != HTTP_PARSE_OK)
            return r;
        const char *nl = memchr(buf + s->pos, '\n', len - s->pos);
        if (nl == NULL) {
            s->pos = len;
            return HTTP_PARSE_NEED_MORE;
        }
        s->line_end = (size_t)(nl - buf) + 1;
        s->pos = s->line_end;
    }
    /* Every LF found here has the request line's LF somewhere before it, so
     * looking back one or two bytes stays inside the buffer. */
    size_t p = s->pos;
    while (p < len) {
        const char *nl = memchr(buf + p, '\n', len - p);
        if (nl == NULL)
            break;
        size_t i = (size_t)(nl - buf);
        if (buf[i - 1] == '\n' || (buf[i - 1] == '\r' && buf[i - 2] == '\n')) {
            s->pos = s->head_end = i + 1;
            return HTTP_PARSE_OK;
        }
        p = i + 1;
    }
    s->pos = len;
    return HTTP_PARSE_NEED_MORE;
}

/* Length of the request-target inside the complete request line, taken as
 * the bytes between the method's separator and the last one. */
static size_t target_length(const struct mhd_http_scan *s, const char *buf, size_t method_end)
{
    size_t end = s->line_end - 1;
    if (end > method_end && buf[end - 1] == '\r')
        end--;
    size_t v = end;
    while (v > method_end + 1 && buf[v - 1] != ' ' && buf[v - 1] != '\t')
        v--;
    return v > method_end + 2 ? v - method_end - 2 : 0;
}

enum mhd_http_result mhd_http_head_overflow(const struct mhd_http_scan *s, const char *buf,
                                            size_t len)
{
    size_t m = s->start;
    while (m < len && mhd_http_is_tchar((unsigned char)buf[m]))
        m++;
    size_t method_len = m - s->start;
    if (s->line_end == 0) {
        /* Nothing but a method so far, and it does not end: 501. With a
         * known method the target is what does not fit; after any other
         * the application would not even learn what was asked: close. */
        if (m == len && method_len > 0)
            return HTTP_PARSE_NOT_IMPLEMENTED;
        if (m == len || method_len == 0 || (buf[m] != ' ' && buf[m] != '\t') ||
            !mhd_http_is_common_method(buf + s->start, method_len))
            return HTTP_PARSE_CLOSE;
        return HTTP_PARSE_URI_TOO_LONG;
    }
    /* Among the fields, blame the part that is out of proportion. */
    return mhd_http_too_large(method_len, target_length(s, buf, m), len - s->line_end);
}

enum mhd_http_result mhd_http_too_large(size_t method_len, size_t target_len, size_t fields_len)
{
    if (method_len > target_len && method_len > fields_len)
        return HTTP_PARSE_NOT_IMPLEMENTED;
    if (target_len > 8000 || target_len > fields_len)
        return HTTP_PARSE_URI_TOO_LONG;
    return HTTP_PARSE_HEAD_TOO_LARGE;
}
