/* The Cookie request header (RFC 6265 section 4.2.1 and 5.4):
 * cookie-pair *( ";" SP cookie-pair ), cookie-pair = token "=" value, where
 * the value is cookie-octets, optionally inside double quotes.
 *
 * A cookie counts once what follows it is known to be well-formed: the end
 * of the header or its separator. Levels 2 and up first check the whole
 * header without touching it and report nothing if any part is malformed;
 * lower levels report the cookies before the first error. */
#include "http/http.h"

#include "http/http_internal.h"

struct cookie_run {
    int level;
    bool report; /* false: only count, change nothing */
    mhd_http_cookie_cb cb;
    void *ctx;
    int count;
};

/* A parsed pair; the terminators are written only when it is reported. */
struct cookie {
    char *name;
    char *name_end;
    char *value;
    char *value_end;
};

static char *skip_ws(char *p, const char *end)
{
    while (p < end && mhd_http_is_ws((unsigned char)*p))
        p++;
    return p;
}

/* Separators between pairs as lenient levels accept them: any run of ';',
 * SP and HTAB, which also covers empty pairs. */
static char *skip_separators(char *p, const char *end)
{
    while (p < end && (*p == ';' || mhd_http_is_ws((unsigned char)*p)))
        p++;
    return p;
}

/* Whitespace inside quotes is tolerated from level -2 down. */
static char *parse_value(int level, struct cookie *c, char *p, const char *end)
{
    if (p < end && *p == '"') {
        c->value = ++p;
        while (p < end && *p != '"') {
            unsigned char b = (unsigned char)*p;
            if (!mhd_http_has(b, HTTP_C_COOKIE) && !(level <= -2 && mhd_http_is_ws(b)))
                return NULL;
            p++;
        }
        if (p == end)
            return NULL;
        c->value_end = p;
        return p + 1;
    }
    c->value = p;
    while (p < end && mhd_http_has((unsigned char)*p, HTTP_C_COOKIE))
        p++;
    c->value_end = p;
    return p;
}

/* name "=" value, with whitespace around '=' only at level -3. Returns the
 * position after the value, or NULL when the pair is malformed. */
static char *parse_pair(int level, struct cookie *c, char *p, const char *end)
{
    c->name = p;
    while (p < end && mhd_http_is_tchar((unsigned char)*p))
        p++;
    if (p == c->name)
        return NULL;
    c->name_end = p;
    if (level <= -3)
        p = skip_ws(p, end);
    if (p == end || *p != '=')
        return NULL;
    p++;
    if (level <= -3)
        p = skip_ws(p, end);
    return parse_value(level, c, p, end);
}

static bool report(struct cookie_run *run, struct cookie *c)
{
    run->count++;
    if (!run->report)
        return true;
    *c->name_end = '\0';
    *c->value_end = '\0';
    return run->cb(run->ctx, c->name, (size_t)(c->name_end - c->name), c->value,
                   (size_t)(c->value_end - c->value));
}

/* Where the next pair starts after the separator at p, which follows a
 * value; NULL for a malformed separator. The strict form is exactly "; ";
 * from level 0 down whitespace may precede ';' and any run of separators
 * may follow it. */
static char *after_separator(int level, char *p, const char *end)
{
    if (level >= 1)
        return *p == ';' ? p + 1 : NULL;
    p = skip_ws(p, end);
    if (p == end)
        return p;
    return *p == ';' ? p + 1 : NULL;
}

/* Walks the pairs of [p, end). Returns false when the header is malformed
 * or the callback failed (run->count is then -1). */
static bool walk(struct cookie_run *run, char *p, const char *end)
{
    int level = run->level;
    if (level <= 0)
        p = skip_separators(p, end);
    while (p < end) {
        struct cookie c;
        p = parse_pair(level, &c, p, end);
        if (p == NULL)
            return false;
        char *next = p == end ? p : after_separator(level, p, end);
        if (next == NULL)
            return false;
        if (!report(run, &c)) {
            run->count = -1;
            return false;
        }
        if (level <= 0) {
            p = skip_separators(next, end);
        } else if (next != p) {
            /* The strict separator is "; " and must lead to another pair. */
            if (next == end || *next != ' ')
                return false;
            p = next + 1;
        } else {
            p = next;
        }
    }
    return true;
}

int mhd_http_parse_cookies(char *s, size_t len, int level, mhd_http_cookie_cb cb, void *ctx)
{
    char *end = s + len;
    char *p = skip_ws(s, end);
    while (end > p && mhd_http_is_ws((unsigned char)end[-1]))
        end--;
    if (level >= 2) {
        struct cookie_run check = {.level = level, .report = false};
        if (!walk(&check, p, end))
            return 0;
    }
    struct cookie_run run = {.level = level, .report = true, .cb = cb, .ctx = ctx};
    walk(&run, p, end);
    return run.count;
}
