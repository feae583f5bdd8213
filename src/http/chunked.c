/* Chunked request bodies (RFC 9112 section 7.1): the chunk-size line, the
 * line break after each chunk's data, the trailer section, and the chunk
 * header of replies.
 *
 * A chunk-size line is short and bounded, so its parser simply starts over
 * when called again with more bytes; what it must never do is accept an
 * endless line, hence the cap that turns a long wait into a refusal. */
#include "http/http.h"

#include <string.h>

#include "http/http_internal.h"

/* NEED_MORE, unless the line has already used up all the room it gets. */
static enum mhd_http_result need_more(size_t len)
{
    return len >= MHD_HTTP_CHUNK_LINE_MAX ? HTTP_PARSE_BAD : HTTP_PARSE_NEED_MORE;
}

static size_t skip_ws(const char *buf, size_t i, size_t lim)
{
    while (i < lim && mhd_http_is_ws((unsigned char)buf[i]))
        i++;
    return i;
}

/* token, at least one byte. */
static enum mhd_http_result skip_token(const char *buf, size_t *i, size_t lim)
{
    size_t j = *i;
    while (j < lim && mhd_http_is_tchar((unsigned char)buf[j]))
        j++;
    if (j == lim)
        return HTTP_PARSE_NEED_MORE;
    if (j == *i)
        return HTTP_PARSE_BAD;
    *i = j;
    return HTTP_PARSE_OK;
}

/* quoted-string, starting at its opening quote. */
static enum mhd_http_result skip_quoted(const char *buf, size_t *i, size_t lim)
{
    for (size_t j = *i + 1; j < lim; j++) {
        unsigned char c = (unsigned char)buf[j];
        if (c == '"') {
            *i = j + 1;
            return HTTP_PARSE_OK;
        }
        if (c == '\\') {
            if (++j == lim)
                break;
            c = (unsigned char)buf[j];
            if (c != '\t' && mhd_http_has(c, HTTP_C_CTL))
                return HTTP_PARSE_BAD;
        } else if (!mhd_http_has(c, HTTP_C_QDTEXT)) {
            return HTTP_PARSE_BAD;
        }
    }
    return HTTP_PARSE_NEED_MORE;
}

/* Skips chunk extensions, *( BWS ";" BWS name [ BWS "=" BWS value ] ), and
 * leaves *i at the line break. Their meaning is ignored: no extension is
 * defined that a server must act on. Whitespace that is not followed by ';'
 * or '=' is tolerated from level 0 down only. */
static enum mhd_http_result skip_extensions(const char *buf, size_t *i, size_t lim, int level)
{
    size_t j = *i;
    bool after_name = false;
    for (;;) {
        size_t ws = j;
        j = skip_ws(buf, j, lim);
        if (j == lim)
            return HTTP_PARSE_NEED_MORE;
        enum mhd_http_result r;
        if (buf[j] == ';') {
            j = skip_ws(buf, j + 1, lim);
            r = skip_token(buf, &j, lim);
            after_name = true;
        } else if (buf[j] == '=' && after_name) {
            j = skip_ws(buf, j + 1, lim);
            if (j == lim)
                return HTTP_PARSE_NEED_MORE;
            r = buf[j] == '"' ? skip_quoted(buf, &j, lim) : skip_token(buf, &j, lim);
            after_name = false;
        } else {
            if (j > ws && level >= 1)
                return HTTP_PARSE_BAD;
            *i = j;
            return HTTP_PARSE_OK;
        }
        if (r != HTTP_PARSE_OK)
            return r;
    }
}

enum mhd_http_result mhd_http_parse_chunk_size(const char *buf, size_t len, int level,
                                               uint64_t *size, size_t *consumed)
{
    size_t lim = len < MHD_HTTP_CHUNK_LINE_MAX ? len : MHD_HTTP_CHUNK_LINE_MAX;
    uint64_t n = 0;
    size_t i = 0;
    for (; i < lim; i++) {
        int d = mhd_http_hex_value((unsigned char)buf[i]);
        if (d < 0)
            break;
        if (n >> 60)
            return HTTP_PARSE_BAD;
        n = n << 4 | (uint64_t)d;
    }
    if (i == lim)
        return need_more(len);
    if (i == 0)
        return HTTP_PARSE_BAD;
    enum mhd_http_result r = skip_extensions(buf, &i, lim, level);
    if (r == HTTP_PARSE_NEED_MORE)
        return need_more(len);
    if (r != HTTP_PARSE_OK)
        return r;
    if (buf[i] == '\n') {
        if (level >= 1)
            return HTTP_PARSE_BAD;
        *consumed = i + 1;
    } else if (buf[i] == '\r') {
        if (i + 1 == lim)
            return need_more(len);
        if (buf[i + 1] != '\n')
            return HTTP_PARSE_BAD;
        *consumed = i + 2;
    } else {
        return HTTP_PARSE_BAD;
    }
    *size = n;
    return HTTP_PARSE_OK;
}

enum mhd_http_result mhd_http_parse_chunk_end(const char *buf, size_t len, int level,
                                              size_t *consumed)
{
    if (len == 0)
        return HTTP_PARSE_NEED_MORE;
    if (buf[0] == '\n') {
        if (level >= 1)
            return HTTP_PARSE_BAD;
        *consumed = 1;
        return HTTP_PARSE_OK;
    }
    if (buf[0] != '\r')
        return HTTP_PARSE_BAD;
    if (len < 2)
        return HTTP_PARSE_NEED_MORE;
    if (buf[1] != '\n')
        return HTTP_PARSE_BAD;
    *consumed = 2;
    return HTTP_PARSE_OK;
}

/* Like the head scan, but the section may be empty, so the look back from
 * an LF treats the start of the buffer as a line start. Bare LF line ends
 * are found here at every level; the parser refuses them where it must. */
enum mhd_http_result mhd_http_scan_trailers(const char *buf, size_t len, size_t *pos, size_t *end)
{
    size_t p = *pos;
    if (len < p)
        return HTTP_PARSE_BAD;
    while (p < len) {
        const char *nl = memchr(buf + p, '\n', len - p);
        if (nl == NULL)
            break;
        size_t i = (size_t)(nl - buf);
        if (i == 0 || buf[i - 1] == '\n' ||
            (buf[i - 1] == '\r' && (i == 1 || buf[i - 2] == '\n'))) {
            *pos = *end = i + 1;
            return HTTP_PARSE_OK;
        }
        p = i + 1;
    }
    *pos = len;
    return HTTP_PARSE_NEED_MORE;
}

enum mhd_http_result mhd_http_parse_trailers(char *buf, size_t len, int level, mhd_http_field_cb cb,
                                             void *ctx)
{
    return mhd_http_parse_fields(buf, 0, len, level, NULL, cb, ctx);
}

size_t mhd_http_chunk_header(char *out, uint64_t n)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[16];
    size_t k = 0;
    do {
        tmp[k++] = digits[n & 15u];
        n >>= 4;
    } while (n != 0);
    for (size_t i = 0; i < k; i++)
        out[i] = tmp[k - 1 - i];
    out[k] = '\r';
    out[k + 1] = '\n';
    return k + 2;
}

size_t mhd_http_decimal(char *out, uint64_t n)
{
    char tmp[20];
    size_t k = 0;
    do {
        tmp[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n != 0);
    for (size_t i = 0; i < k; i++)
        out[i] = tmp[k - 1 - i];
    return k;
}
