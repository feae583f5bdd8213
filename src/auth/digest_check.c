/* Verifying Digest credentials (MHD_digest_auth_check3 and friends).
 *
 * The checks run in the order the contract fixes, because applications and
 * tests act on the specific code: first the header's shape (algorithm,
 * qop, which parameters are present and how long), then the cheap
 * comparisons (realm, username), then the nonce and its count, then the
 * URI, and only then the expensive response hash. The nonce count is
 * committed last, after the response proved the client knows the secret:
 * an eavesdropper replaying a nonce with made-up counts must not be able
 * to use up the counts of the real client. */
#include "auth/auth_internal.h"

/* Everything the steps share. */
struct check {
    const struct mhd_auth_request *req;
    const struct mhd_digest_cred *cred;
    struct mhd_dparams p;
    unsigned int algo; /* AUTH_ALGO_* of the client's algorithm */
    size_t hash_size;
    enum MHD_DigestAuthQOP qop;
    enum MHD_DigestAuthUsernameType uname_type;
    size_t uname_len;
    size_t realm_len; /* of cred->realm */
    uint32_t nc;      /* 0 in RFC 2069 mode */
    struct mhd_nonce_ref nonce;
};

static bool too_long(const struct mhd_dparam *d)
{
    return d->present && mhd_dparam_len(d) > AUTH_DIGEST_PARAM_MAX;
}

static bool missing_or_empty(const struct mhd_dparam *d)
{
    return !d->present || d->len == 0;
}

/* Step 2: algorithm and qop against what the application allows. */
static enum MHD_DigestAuthResult check_algo_qop(struct check *c)
{
    unsigned int algo3 = (unsigned int)mhd_dparams_algo3(&c->p);
    unsigned int allowed = (unsigned int)c->cred->malgo3;
    if ((algo3 & MHD_DIGEST_AUTH_ALGO3_NON_SESSION) == 0 || (algo3 & allowed) != algo3)
        return MHD_DAUTH_WRONG_ALGO;
    c->algo = mhd_digest_base_algo(algo3);
    c->hash_size = mhd_hash_size(c->algo);
    if (c->hash_size == 0)
        return MHD_DAUTH_WRONG_ALGO;
    c->qop = mhd_dparams_qop(&c->p);
    if (c->qop != MHD_DIGEST_AUTH_QOP_NONE && c->qop != MHD_DIGEST_AUTH_QOP_AUTH)
        return MHD_DAUTH_WRONG_QOP;
    if (((unsigned int)c->qop & (unsigned int)c->cred->mqop) == 0)
        return MHD_DAUTH_WRONG_QOP;
    return MHD_DAUTH_OK;
}

/* Step 3: presence and size of every parameter the computation needs. */
static enum MHD_DigestAuthResult check_shape(struct check *c)
{
    const struct mhd_dparams *p = &c->p;
    c->uname_type = mhd_dparams_uname(p, &c->uname_len);
    if (c->uname_type == MHD_DIGEST_AUTH_UNAME_TYPE_MISSING ||
        c->uname_type == MHD_DIGEST_AUTH_UNAME_TYPE_INVALID)
        return MHD_DAUTH_WRONG_USERNAME;
    if (c->uname_type == MHD_DIGEST_AUTH_UNAME_TYPE_USERHASH && c->uname_len != 2 * c->hash_size)
        return MHD_DAUTH_WRONG_USERNAME;
    if (!p->realm.present)
        return MHD_DAUTH_WRONG_REALM;
    bool realm_hashed =
        c->cred->password != NULL || c->uname_type == MHD_DIGEST_AUTH_UNAME_TYPE_USERHASH;
    if ((realm_hashed && too_long(&p->realm)) || too_long(&p->cnonce) || too_long(&p->uri))
        return MHD_DAUTH_TOO_LARGE;
    if (c->qop != MHD_DIGEST_AUTH_QOP_NONE) {
        if (missing_or_empty(&p->nc) || p->nc.len > 8 || missing_or_empty(&p->cnonce))
            return MHD_DAUTH_WRONG_HEADER;
    }
    if (missing_or_empty(&p->uri))
        return MHD_DAUTH_WRONG_URI;
    if (missing_or_empty(&p->nonce) || p->nonce.len > AUTH_DIGEST_PARAM_MAX)
        return MHD_DAUTH_NONCE_WRONG;
    if (missing_or_empty(&p->response) || p->response.len > 2 * c->hash_size)
        return MHD_DAUTH_RESPONSE_WRONG;
    return MHD_DAUTH_OK;
}

/* Step 4 for the username in any of its three notations. */
static enum MHD_DigestAuthResult check_username(struct check *c)
{
    const char *user = c->cred->username;
    size_t ulen = strlen(user);
    if (c->uname_type == MHD_DIGEST_AUTH_UNAME_TYPE_STANDARD)
        return mhd_dparam_equals(&c->p.username, user, ulen) ? MHD_DAUTH_OK
                                                             : MHD_DAUTH_WRONG_USERNAME;
    if (c->uname_type == MHD_DIGEST_AUTH_UNAME_TYPE_USERHASH) {
        char hex[2 * AUTH_HASH_MAX_SIZE];
        uint8_t theirs[AUTH_HASH_MAX_SIZE], ours[AUTH_HASH_MAX_SIZE];
        struct mhd_hash h;
        mhd_dparam_copy(&c->p.username, hex); /* length checked in step 3 */
        (void)mhd_auth_hex_to_bin(hex, 2 * c->hash_size, theirs);
        (void)mhd_hash_init(&h, c->algo);
        mhd_hash_update(&h, user, ulen);
        mhd_hash_update(&h, ":", 1);
        mhd_hash_update(&h, c->cred->realm, c->realm_len);
        mhd_hash_finish(&h, ours);
        return mhd_auth_equal_ct(theirs, ours, c->hash_size) ? MHD_DAUTH_OK
                                                             : MHD_DAUTH_WRONG_USERNAME;
    }
    if (c->uname_len != ulen)
        return MHD_DAUTH_WRONG_USERNAME;
    char *decoded = mhd_alloc(c->uname_len + 1);
    if (decoded == NULL)
        return MHD_DAUTH_ERROR;
    mhd_dparams_uname_copy(&c->p, c->uname_type, decoded);
    bool same = ulen == 0 || memcmp(decoded, user, ulen) == 0;
    mhd_free(decoded);
    return same ? MHD_DAUTH_OK : MHD_DAUTH_WRONG_USERNAME;
}

/* Steps 5 and 6: the nonce count, then the nonce itself. */
static enum MHD_DigestAuthResult check_nonce(struct check *c)
{
    uint32_t max_nc = c->cred->max_nc ? c->cred->max_nc : mhd_dauth_default_max_nc(c->req->dauth);
    unsigned int timeout =
        c->cred->nonce_timeout ? c->cred->nonce_timeout : mhd_dauth_default_timeout(c->req->dauth);
    c->nc = 0;
    if (c->qop != MHD_DIGEST_AUTH_QOP_NONE) {
        c->nc = mhd_dparams_nc(&c->p);
        if (c->nc == 0)
            return MHD_DAUTH_WRONG_HEADER;
        if (c->nc > max_nc)
            return MHD_DAUTH_NONCE_STALE;
    }
    char nonce[AUTH_NONCE_LEN];
    if (mhd_dparam_len(&c->p.nonce) != AUTH_NONCE_LEN)
        return MHD_DAUTH_NONCE_WRONG;
    mhd_dparam_copy(&c->p.nonce, nonce);
    return mhd_nonce_check(c->req->dauth, nonce, sizeof(nonce), c->req->now_ms, timeout, c->nc,
                           &c->nonce);
}

/* Step 8: recompute the response and compare it with the client's. */
static enum MHD_DigestAuthResult check_response(struct check *c)
{
    uint8_t ha1[AUTH_HASH_MAX_SIZE], want[AUTH_HASH_MAX_SIZE], got[AUTH_HASH_MAX_SIZE];
    char hex[2 * AUTH_HASH_MAX_SIZE];
    if (mhd_dparam_len(&c->p.response) != 2 * c->hash_size)
        return MHD_DAUTH_RESPONSE_WRONG;
    mhd_dparam_copy(&c->p.response, hex);
    if (!mhd_auth_hex_to_bin(hex, 2 * c->hash_size, got))
        return MHD_DAUTH_RESPONSE_WRONG;
    const struct mhd_digest_cred *cr = c->cred;
    if (cr->password != NULL)
        mhd_digest_calc_ha1(c->algo, cr->username, strlen(cr->username), cr->realm, c->realm_len,
                            cr->password, strlen(cr->password), ha1);
    else
        memcpy(ha1, cr->userdigest, c->hash_size);
    mhd_digest_calc_response(c->algo, ha1, c->req->method, c->req->method_len, &c->p, want);
    return mhd_auth_equal_ct(want, got, c->hash_size) ? MHD_DAUTH_OK : MHD_DAUTH_RESPONSE_WRONG;
}

/* Step 7: the uri parameter names this request. */
static enum MHD_DigestAuthResult check_uri(struct check *c)
{
    size_t len = mhd_dparam_len(&c->p.uri);
    char *uri = mhd_alloc(len + 1);
    if (uri == NULL)
        return MHD_DAUTH_ERROR;
    mhd_dparam_copy(&c->p.uri, uri);
    bool oom = false;
    bool same = mhd_digest_uri_matches(c->req, uri, len, &oom);
    mhd_free(uri);
    if (oom)
        return MHD_DAUTH_ERROR;
    return same ? MHD_DAUTH_OK : MHD_DAUTH_WRONG_URI;
}

/* A userdigest check must name exactly the algorithm the digest was made
 * with; anything else is a programming error in the application. */
static void check_userdigest_args(const struct mhd_digest_cred *cred)
{
    unsigned int base =
        (unsigned int)cred->malgo3 &
        (MHD_DIGEST_BASE_ALGO_MD5 | MHD_DIGEST_BASE_ALGO_SHA256 | MHD_DIGEST_BASE_ALGO_SHA512_256);
    size_t size = mhd_hash_size(base);
    if (size == 0)
        mhd_panic("digest auth: userdigest check needs exactly one base algorithm");
    if (size != cred->userdigest_size)
        mhd_panic("digest auth: userdigest size does not match the algorithm");
}

/* Step 4 for the realm. */
static enum MHD_DigestAuthResult check_realm(struct check *c)
{
    return mhd_dparam_equals(&c->p.realm, c->cred->realm, c->realm_len) ? MHD_DAUTH_OK
                                                                        : MHD_DAUTH_WRONG_REALM;
}

/* Step 9: the nonce was issued under this request's bind conditions. */
static enum MHD_DigestAuthResult check_bind(struct check *c)
{
    return mhd_nonce_bind_matches(c->req->dauth, &c->nonce, c->req, c->cred->realm, c->realm_len)
               ? MHD_DAUTH_OK
               : MHD_DAUTH_NONCE_OTHER_COND;
}

/* Finally record the count; a concurrent request may have used it since
 * check_nonce(). */
static enum MHD_DigestAuthResult commit_nonce(struct check *c)
{
    return mhd_nonce_commit(c->req->dauth, &c->nonce, c->nc) ? MHD_DAUTH_OK : MHD_DAUTH_NONCE_STALE;
}

typedef enum MHD_DigestAuthResult (*check_step)(struct check *c);

/* The contract's order of checks. */
static const check_step steps[] = {
    check_algo_qop, check_shape,    check_realm, check_username, check_nonce,
    check_uri,      check_response, check_bind,  commit_nonce,
};

enum MHD_DigestAuthResult mhd_digest_check(const struct mhd_auth_request *req,
                                           const struct mhd_digest_cred *cred)
{
    if (cred->userdigest != NULL && cred->password == NULL)
        check_userdigest_args(cred);
    if (req->dauth == NULL || cred->realm == NULL || cred->username == NULL ||
        (cred->password == NULL && cred->userdigest == NULL))
        return MHD_DAUTH_ERROR;
    struct check c;
    memset(&c, 0, sizeof(c));
    c.req = req;
    c.cred = cred;
    c.realm_len = strlen(cred->realm);
    if (req->authorization == NULL ||
        !mhd_digest_parse_params(req->authorization, req->authorization_len, &c.p))
        return MHD_DAUTH_WRONG_HEADER;
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        enum MHD_DigestAuthResult r = steps[i](&c);
        if (r != MHD_DAUTH_OK)
            return r;
    }
    return MHD_DAUTH_OK;
}
