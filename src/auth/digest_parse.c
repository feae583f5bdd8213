/* Parsing the parameters of an "Authorization: Digest ..." header.
 *
 * The grammar is the auth-param list of RFC 9110 section 11: name "="
 * (token / quoted-string), separated by commas with optional whitespace,
 * empty list elements allowed. The parser is one forward loop over the
 * value with no recursion and no buffer of its own: each known parameter is
 * recorded as a span into the caller's bytes and unescaped on demand by the
 * helpers below, so no attacker-controlled length ever indexes a fixed-size
 * array. */
#include "auth/auth_internal.h"

#include <stddef.h>

static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Characters of an unquoted value. Wider than a token because clients send
 * unquoted URIs and base64 nonces; a comma, a quote, whitespace and
 * control characters end it. */
static bool is_bare_value_char(unsigned char c)
{
    return c > 0x20 && c != 0x7f && c != ',' && c != '"';
}

/* What may follow a backslash or stand inside quotes: HTAB, SP, VCHAR and
 * obs-text. */
static bool is_qdtext(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static size_t skip_ows(const char *v, size_t len, size_t i)
{
    while (i < len && (v[i] == ' ' || v[i] == '\t'))
        i++;
    return i;
}

static bool read_quoted(const char *v, size_t len, size_t *pos, struct mhd_dparam *out)
{
    size_t i = *pos + 1; /* after the opening quote */
    size_t start = i;
    bool escaped = false;
    for (;;) {
        if (i >= len)
            return false;
        unsigned char c = (unsigned char)v[i];
        if (c == '"')
            break;
        if (c == '\\') {
            if (i + 1 >= len || !is_qdtext((unsigned char)v[i + 1]))
                return false;
            escaped = true;
            i += 2;
            continue;
        }
        if (!is_qdtext(c))
            return false;
        i++;
    }
    out->s = v + start;
    out->len = i - start;
    out->present = true;
    out->escaped = escaped;
    *pos = i + 1;
    return true;
}

static bool read_value(const char *v, size_t len, size_t *pos, struct mhd_dparam *out)
{
    size_t i = *pos;
    if (i < len && v[i] == '"')
        return read_quoted(v, len, pos, out);
    size_t start = i;
    while (i < len && is_bare_value_char((unsigned char)v[i]))
        i++;
    out->s = v + start;
    out->len = i - start;
    out->present = true;
    out->escaped = false;
    *pos = i;
    return true;
}

static const struct {
    const char *name;
    size_t offset;
} known_params[] = {
    {"username", offsetof(struct mhd_dparams, username)},
    {"username*", offsetof(struct mhd_dparams, username_ext)},
    {"realm", offsetof(struct mhd_dparams, realm)},
    {"nonce", offsetof(struct mhd_dparams, nonce)},
    {"uri", offsetof(struct mhd_dparams, uri)},
    {"response", offsetof(struct mhd_dparams, response)},
    {"algorithm", offsetof(struct mhd_dparams, algorithm)},
    {"cnonce", offsetof(struct mhd_dparams, cnonce)},
    {"opaque", offsetof(struct mhd_dparams, opaque)},
    {"qop", offsetof(struct mhd_dparams, qop)},
    {"nc", offsetof(struct mhd_dparams, nc)},
    {"userhash", offsetof(struct mhd_dparams, userhash)},
};

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* `lit` is lowercase. */
static bool name_is(const char *name, size_t len, const char *lit)
{
    if (strlen(lit) != len)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (ascii_lower(name[i]) != lit[i])
            return false;
    }
    return true;
}

/* Records a parameter. A known parameter given twice makes the header
 * invalid: two different readers could otherwise pick different copies. */
static bool store_param(struct mhd_dparams *out, const char *name, size_t name_len,
                        const struct mhd_dparam *val)
{
    for (size_t k = 0; k < sizeof(known_params) / sizeof(known_params[0]); k++) {
        if (!name_is(name, name_len, known_params[k].name))
            continue;
        struct mhd_dparam *slot = (struct mhd_dparam *)((char *)out + known_params[k].offset);
        if (slot->present)
            return false;
        *slot = *val;
        return true;
    }
    return true;
}

bool mhd_digest_parse_params(const char *v, size_t len, struct mhd_dparams *out)
{
    size_t i;
    memset(out, 0, sizeof(*out));
    if (v == NULL || !mhd_auth_match_scheme(v, len, "Digest", &i))
        return false;
    for (;;) {
        while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        if (i == len)
            return true;
        size_t name = i;
        while (i < len && is_tchar((unsigned char)v[i]))
            i++;
        if (i == name)
            return false;
        size_t name_len = i - name;
        i = skip_ows(v, len, i);
        if (i == len || v[i] != '=')
            return false;
        i = skip_ows(v, len, i + 1);
        struct mhd_dparam val;
        if (!read_value(v, len, &i, &val))
            return false;
        i = skip_ows(v, len, i);
        if (i < len && v[i] != ',')
            return false;
        if (!store_param(out, v + name, name_len, &val))
            return false;
    }
}

/* ---------------------------------------------------------------------- */
/* Reading a parameter's value                                             */
/* ---------------------------------------------------------------------- */

/* Reads the unescaped character at raw offset `i`; returns the next raw
 * offset. */
static size_t next_char(const struct mhd_dparam *p, size_t i, char *c)
{
    if (p->escaped && p->s[i] == '\\' && i + 1 < p->len) {
        *c = p->s[i + 1];
        return i + 2;
    }
    *c = p->s[i];
    return i + 1;
}

size_t mhd_dparam_len(const struct mhd_dparam *p)
{
    if (!p->escaped)
        return p->len;
    size_t n = 0;
    char c;
    for (size_t i = 0; i < p->len; n++)
        i = next_char(p, i, &c);
    return n;
}

void mhd_dparam_copy(const struct mhd_dparam *p, char *dst)
{
    if (!p->escaped) {
        if (p->len)
            memcpy(dst, p->s, p->len);
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < p->len;)
        i = next_char(p, i, &dst[n++]);
}

bool mhd_dparam_equals(const struct mhd_dparam *p, const char *s, size_t len)
{
    if (!p->escaped)
        return p->len == len && (len == 0 || memcmp(p->s, s, len) == 0);
    size_t n = 0;
    for (size_t i = 0; i < p->len; n++) {
        char c;
        i = next_char(p, i, &c);
        if (n >= len || c != s[n])
            return false;
    }
    return n == len;
}

bool mhd_dparam_equals_ci(const struct mhd_dparam *p, const char *lit)
{
    size_t len = strlen(lit), n = 0;
    for (size_t i = 0; i < p->len; n++) {
        char c;
        i = next_char(p, i, &c);
        if (n >= len || ascii_lower(c) != ascii_lower(lit[n]))
            return false;
    }
    return n == len;
}

void mhd_dparam_hash(struct mhd_hash *h, const struct mhd_dparam *p)
{
    if (!p->escaped) {
        mhd_hash_update(h, p->s, p->len);
        return;
    }
    /* Feed the runs between escapes, then each escaped character. */
    size_t run = 0;
    for (size_t i = 0; i < p->len;) {
        if (p->s[i] == '\\' && i + 1 < p->len) {
            mhd_hash_update(h, p->s + run, i - run);
            mhd_hash_update(h, p->s + i + 1, 1);
            i += 2;
            run = i;
        } else {
            i++;
        }
    }
    mhd_hash_update(h, p->s + run, p->len - run);
}

/* ---------------------------------------------------------------------- */
/* Interpreting the parameters                                             */
/* ---------------------------------------------------------------------- */

enum MHD_DigestAuthAlgo3 mhd_dparams_algo3(const struct mhd_dparams *p)
{
    static const struct {
        const char *name;
        enum MHD_DigestAuthAlgo3 algo3;
    } names[] = {
        {"MD5", MHD_DIGEST_AUTH_ALGO3_MD5},
        {"MD5-sess", MHD_DIGEST_AUTH_ALGO3_MD5_SESSION},
        {"SHA-256", MHD_DIGEST_AUTH_ALGO3_SHA256},
        {"SHA-256-sess", MHD_DIGEST_AUTH_ALGO3_SHA256_SESSION},
        {"SHA-512-256", MHD_DIGEST_AUTH_ALGO3_SHA512_256},
        {"SHA-512-256-sess", MHD_DIGEST_AUTH_ALGO3_SHA512_256_SESSION},
    };
    if (!p->algorithm.present)
        return MHD_DIGEST_AUTH_ALGO3_MD5;
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        if (mhd_dparam_equals_ci(&p->algorithm, names[k].name))
            return names[k].algo3;
    }
    return MHD_DIGEST_AUTH_ALGO3_INVALID;
}

enum MHD_DigestAuthQOP mhd_dparams_qop(const struct mhd_dparams *p)
{
    if (!p->qop.present)
        return MHD_DIGEST_AUTH_QOP_NONE;
    if (mhd_dparam_equals_ci(&p->qop, "auth"))
        return MHD_DIGEST_AUTH_QOP_AUTH;
    if (mhd_dparam_equals_ci(&p->qop, "auth-int"))
        return MHD_DIGEST_AUTH_QOP_AUTH_INT;
    return MHD_DIGEST_AUTH_QOP_INVALID;
}

uint32_t mhd_dparams_nc(const struct mhd_dparams *p)
{
    if (!p->nc.present || p->nc.len == 0 || p->nc.len > 8)
        return 0;
    uint32_t v = 0;
    for (size_t i = 0; i < p->nc.len;) {
        char c;
        i = next_char(&p->nc, i, &c);
        int d = mhd_auth_hex_digit(c);
        if (d < 0)
            return 0;
        v = (v << 4) | (uint32_t)d;
    }
    return v;
}

static bool is_attr_char(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$&+-.^_`|~", c) != NULL;
}

bool mhd_rfc5987_decode(const char *s, size_t len, char *dst, size_t *out_len)
{
    /* Only UTF-8 is accepted: RFC 7616 section 3.4.4 asks for it, and a
     * name in another charset could never equal the application's. */
    static const char charset[] = "UTF-8'";
    size_t cl = sizeof(charset) - 1;
    if (len < cl)
        return false;
    for (size_t k = 0; k < cl; k++) {
        if (ascii_lower(s[k]) != ascii_lower(charset[k]))
            return false;
    }
    size_t i = cl;
    while (i < len && s[i] != '\'') {
        unsigned char c = (unsigned char)s[i];
        if (!(c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9')))
            return false;
        i++;
    }
    if (i == len)
        return false;
    i++; /* the quote closing the language tag */
    size_t n = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (len - i < 3)
                return false;
            int hi = mhd_auth_hex_digit(s[i + 1]), lo = mhd_auth_hex_digit(s[i + 2]);
            if (hi < 0 || lo < 0)
                return false;
            c = (unsigned char)((hi << 4) | lo);
            i += 3;
        } else if (is_attr_char(c)) {
            i++;
        } else {
            return false;
        }
        if (dst != NULL)
            dst[n] = (char)c;
        n++;
    }
    *out_len = n;
    return true;
}

static bool userhash_requested(const struct mhd_dparams *p)
{
    return p->userhash.present && mhd_dparam_equals_ci(&p->userhash, "true");
}

static bool all_hex(const struct mhd_dparam *p)
{
    for (size_t i = 0; i < p->len;) {
        char c;
        i = next_char(p, i, &c);
        if (mhd_auth_hex_digit(c) < 0)
            return false;
    }
    return true;
}

enum MHD_DigestAuthUsernameType mhd_dparams_uname(const struct mhd_dparams *p, size_t *len)
{
    *len = 0;
    bool uh = userhash_requested(p);
    if (p->username.present && p->username_ext.present)
        return MHD_DIGEST_AUTH_UNAME_TYPE_INVALID;
    if (p->username_ext.present) {
        /* An ext-value never needs escaping, so a backslash means the
         * client got the notation wrong. */
        size_t n;
        if (uh || p->username_ext.escaped ||
            !mhd_rfc5987_decode(p->username_ext.s, p->username_ext.len, NULL, &n))
            return MHD_DIGEST_AUTH_UNAME_TYPE_INVALID;
        *len = n;
        return MHD_DIGEST_AUTH_UNAME_TYPE_EXTENDED;
    }
    if (!p->username.present)
        return MHD_DIGEST_AUTH_UNAME_TYPE_MISSING;
    size_t n = mhd_dparam_len(&p->username);
    if (uh) {
        if (n == 0 || n % 2 != 0 || !all_hex(&p->username))
            return MHD_DIGEST_AUTH_UNAME_TYPE_INVALID;
        *len = n;
        return MHD_DIGEST_AUTH_UNAME_TYPE_USERHASH;
    }
    *len = n;
    return MHD_DIGEST_AUTH_UNAME_TYPE_STANDARD;
}

void mhd_dparams_uname_copy(const struct mhd_dparams *p, enum MHD_DigestAuthUsernameType type,
                            char *dst)
{
    size_t n;
    if (type == MHD_DIGEST_AUTH_UNAME_TYPE_EXTENDED)
        (void)mhd_rfc5987_decode(p->username_ext.s, p->username_ext.len, dst, &n);
    else
        mhd_dparam_copy(&p->username, dst);
}
