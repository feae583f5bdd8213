/* Building the Digest challenge (the WWW-Authenticate header value).
 *
 * The value is assembled by one function run twice: first to measure,
 * then to write into an exactly sized allocation, so no length is guessed
 * and no fixed buffer can overflow whatever the realm, opaque or domain. */
#include "auth/auth_internal.h"

/* A measuring or writing cursor: with `buf` NULL only `n` advances. */
struct out {
    char *buf;
    size_t n;
};

static void put(struct out *o, const char *s, size_t len)
{
    if (o->buf != NULL)
        memcpy(o->buf + o->n, s, len);
    o->n += len;
}

static void put_str(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void put_quoted(struct out *o, const char *s)
{
    size_t len = strlen(s);
    if (o->buf != NULL)
        o->n += mhd_auth_quote(o->buf + o->n, s, len);
    else
        o->n += mhd_auth_quoted_len(s, len);
}

struct challenge_parts {
    const struct mhd_digest_challenge *ch;
    const char *algo_name; /* NULL: omitted (RFC 2069 with MD5) */
    bool rfc2069;
    const char *nonce;
};

static void build(struct out *o, const struct challenge_parts *cp)
{
    const struct mhd_digest_challenge *ch = cp->ch;
    put_str(o, "Digest realm=");
    put_quoted(o, ch->realm);
    if (!cp->rfc2069)
        put_str(o, ", qop=\"auth\"");
    if (cp->algo_name != NULL) {
        put_str(o, ", algorithm=");
        put_str(o, cp->algo_name);
    }
    put_str(o, ", nonce=\"");
    put(o, cp->nonce, AUTH_NONCE_LEN);
    put_str(o, "\"");
    if (ch->opaque != NULL) {
        put_str(o, ", opaque=");
        put_quoted(o, ch->opaque);
    }
    if (ch->domain != NULL) {
        put_str(o, ", domain=");
        put_quoted(o, ch->domain);
    }
    if (!cp->rfc2069 && ch->prefer_utf8)
        put_str(o, ", charset=UTF-8");
    if (!cp->rfc2069 && ch->userhash_support)
        put_str(o, ", userhash=true");
    if (ch->signal_stale)
        put_str(o, ", stale=true");
}

static bool has_line_break(const char *s)
{
    return s != NULL && strpbrk(s, "\r\n") != NULL;
}

/* The algorithm the challenge offers: MD5 first, then SHA-256, then
 * SHA-512/256, as libmicrohttpd 1.0.1 prefers. */
static unsigned int pick_algo(unsigned int malgo3)
{
    if (malgo3 & MHD_DIGEST_BASE_ALGO_MD5)
        return AUTH_ALGO_MD5;
    if (malgo3 & MHD_DIGEST_BASE_ALGO_SHA256)
        return AUTH_ALGO_SHA256;
    return AUTH_ALGO_SHA512_256;
}

static const char *algo_name(unsigned int algo)
{
    switch (algo) {
    case AUTH_ALGO_MD5:
        return "MD5";
    case AUTH_ALGO_SHA256:
        return "SHA-256";
    default:
        return "SHA-512-256";
    }
}

char *mhd_digest_challenge(const struct mhd_auth_request *req,
                           const struct mhd_digest_challenge *ch, size_t *len)
{
    unsigned int malgo3 = (unsigned int)ch->malgo3;
    unsigned int mqop = (unsigned int)ch->mqop;
    if ((malgo3 & (MHD_DIGEST_BASE_ALGO_MD5 | MHD_DIGEST_BASE_ALGO_SHA256 |
                   MHD_DIGEST_BASE_ALGO_SHA512_256)) == 0)
        mhd_panic("digest challenge: no base algorithm given");
    if (mqop == MHD_DIGEST_AUTH_MULT_QOP_AUTH_INT)
        mhd_panic("digest challenge: qop auth-int is not supported");
    if (req->dauth == NULL || ch->realm == NULL ||
        (malgo3 & MHD_DIGEST_AUTH_ALGO3_NON_SESSION) == 0)
        return NULL;
    if ((mqop & (MHD_DIGEST_AUTH_MULT_QOP_NONE | MHD_DIGEST_AUTH_MULT_QOP_AUTH)) == 0)
        return NULL;
    size_t realm_len = strlen(ch->realm);
    if (realm_len > AUTH_DIGEST_PARAM_MAX || has_line_break(ch->realm) ||
        has_line_break(ch->opaque) || has_line_break(ch->domain))
        return NULL;

    struct challenge_parts cp;
    unsigned int algo = pick_algo(malgo3);
    cp.ch = ch;
    cp.rfc2069 = (mqop & MHD_DIGEST_AUTH_MULT_QOP_AUTH) == 0;
    cp.algo_name = (cp.rfc2069 && algo == AUTH_ALGO_MD5) ? NULL : algo_name(algo);
    char nonce[AUTH_NONCE_LEN + 1];
    if (!mhd_nonce_issue(req->dauth, req, ch->realm, realm_len, nonce))
        return NULL;
    cp.nonce = nonce;

    struct out o = {NULL, 0};
    build(&o, &cp);
    char *value = mhd_alloc(o.n + 1);
    if (value == NULL)
        return NULL;
    o.buf = value;
    o.n = 0;
    build(&o, &cp);
    value[o.n] = '\0';
    if (len != NULL)
        *len = o.n;
    return value;
}
