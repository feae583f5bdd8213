/* Header values the POST processor reads: the request's Content-Type and
 * the parts' Content-Disposition and Content-Type. */
#include "post/post_internal.h"

#include <string.h>

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Locale-independent ASCII case folding; header syntax is ASCII only. */
static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool mhd_post_eq_nocase(const char *s, size_t len, const char *want)
{
    for (size_t i = 0; i < len; i++) {
        if (want[i] == '\0' || lower(s[i]) != want[i])
            return false;
    }
    return want[len] == '\0';
}

static bool has_prefix_nocase(const char *s, size_t len, const char *want)
{
    size_t n = strlen(want);
    return len >= n && mhd_post_eq_nocase(s, n, want);
}

enum mhd_post_media mhd_post_media_of(const char *v, size_t len)
{
    while (len > 0 && is_ows(*v)) {
        v++;
        len--;
    }
    /* A prefix match, as upstream does: parameters need not be present and
     * are looked up separately. */
    if (has_prefix_nocase(v, len, MHD_HTTP_POST_ENCODING_FORM_URLENCODED))
        return POST_MEDIA_URLENCODED;
    if (has_prefix_nocase(v, len, MHD_HTTP_POST_ENCODING_MULTIPART_FORMDATA))
        return POST_MEDIA_FORM_DATA;
    if (has_prefix_nocase(v, len, "multipart/mixed"))
        return POST_MEDIA_MIXED;
    return POST_MEDIA_OTHER;
}

/* Scans the value of one parameter starting at `v[i]` (after `=` and any
 * spaces) and returns the index just after it. */
static size_t scan_value(const char *v, size_t len, size_t i, struct mhd_post_param *out)
{
    if (i < len && v[i] == '"') {
        size_t start = ++i;
        while (i < len && v[i] != '"')
            i += (v[i] == '\\' && i + 1 < len) ? 2 : 1;
        out->raw = v + start;
        out->raw_len = i - start;
        out->quoted = true;
        return i < len ? i + 1 : i;
    }
    size_t start = i;
    while (i < len && v[i] != ';' && !is_ows(v[i]))
        i++;
    out->raw = v + start;
    out->raw_len = i - start;
    out->quoted = false;
    return i;
}

bool mhd_post_param_find(const char *v, size_t len, const char *name, struct mhd_post_param *out)
{
    const char *semi = memchr(v, ';', len);
    if (semi == NULL)
        return false;
    size_t i = (size_t)(semi - v) + 1;
    while (i < len) {
        while (i < len && is_ows(v[i]))
            i++;
        size_t name_start = i;
        while (i < len && v[i] != '=' && v[i] != ';')
            i++;
        size_t name_end = i;
        while (name_end > name_start && is_ows(v[name_end - 1]))
            name_end--;
        if (i < len && v[i] == '=') {
            i++;
            while (i < len && is_ows(v[i]))
                i++;
            struct mhd_post_param p;
            i = scan_value(v, len, i, &p);
            if (mhd_post_eq_nocase(v + name_start, name_end - name_start, name)) {
                *out = p;
                return true;
            }
        }
        /* Whatever follows a value before the next `;` is not ours to judge. */
        while (i < len && v[i] != ';')
            i++;
        i++;
    }
    return false;
}

size_t mhd_post_param_decode(const struct mhd_post_param *p, char *dst, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < p->raw_len; i++) {
        char c = p->raw[i];
        if (p->quoted && c == '\\' && i + 1 < p->raw_len &&
            (p->raw[i + 1] == '"' || p->raw[i + 1] == '\\'))
            c = p->raw[++i];
        if (n < cap)
            dst[n] = c;
        n++;
    }
    return n;
}

size_t mhd_post_boundary_get(const char *v, size_t len, size_t buffer_size, char *dst)
{
    struct mhd_post_param p;
    if (!mhd_post_param_find(v, len, "boundary", &p))
        return 0;
    size_t n = mhd_post_param_decode(&p, dst, POST_BOUNDARY_MAX);
    if (n < 2 || n > POST_BOUNDARY_MAX)
        return 0;
    /* CR and LF would make the delimiter search ambiguous (it anchors on
     * the line break), and NUL cannot come from a real header. */
    for (size_t i = 0; i < n; i++) {
        if (dst[i] == '\0' || dst[i] == '\r' || dst[i] == '\n')
            return 0;
    }
    if (2 * n + 2 > buffer_size)
        return 0;
    return n;
}
