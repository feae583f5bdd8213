/* The public Digest authentication functions: the 1.0 API (parsing the
 * client's header, checking it, challenging), and the pre-1.0 functions
 * that old applications still call, expressed through the new ones. */
#include "api/auth_conn.h"

#include <string.h>

#include "util/panic.h"

/* ---------------------------------------------------------------------- */
/* Reading the client's header                                             */
/* ---------------------------------------------------------------------- */

_MHD_EXTERN struct MHD_DigestAuthInfo *
MHD_digest_auth_get_request_info3(struct MHD_Connection *connection)
{
    const char *value;
    size_t len;
    if (!mhd_auth_conn_header(connection, "Digest", &value, &len))
        return NULL;
    return mhd_digest_get_request_info(value, len);
}

_MHD_EXTERN struct MHD_DigestAuthUsernameInfo *
MHD_digest_auth_get_username3(struct MHD_Connection *connection)
{
    const char *value;
    size_t len;
    if (!mhd_auth_conn_header(connection, "Digest", &value, &len))
        return NULL;
    return mhd_digest_get_username_info(value, len);
}

_MHD_EXTERN char *MHD_digest_auth_get_username(struct MHD_Connection *connection)
{
    const char *value;
    size_t len;
    if (!mhd_auth_conn_header(connection, "Digest", &value, &len))
        return NULL;
    return mhd_digest_get_username_legacy(value, len);
}

/* ---------------------------------------------------------------------- */
/* Checking                                                                */
/* ---------------------------------------------------------------------- */

/* Runs the check on the request of `c`. Without a request the zeroed
 * request has no Digest state, so the check reports MHD_DAUTH_ERROR, after
 * it has judged the arguments (misuse panics whatever the connection). */
static enum MHD_DigestAuthResult check_conn(struct MHD_Connection *c,
                                            const struct mhd_digest_cred *cred)
{
    struct mhd_auth_conn ac;
    (void)mhd_auth_conn_request(c, &ac);
    return mhd_digest_check(&ac.req, cred);
}

/* The checks of the 1.0 API: by password, or (password NULL) by the stored
 * digest of username:realm:password. */
static enum MHD_DigestAuthResult check3(struct MHD_Connection *connection, const char *realm,
                                        const char *username, const char *password,
                                        const void *userdigest, size_t userdigest_size,
                                        unsigned int nonce_timeout, uint32_t max_nc,
                                        enum MHD_DigestAuthMultiQOP mqop,
                                        enum MHD_DigestAuthMultiAlgo3 malgo3)
{
    struct mhd_digest_cred cred;
    memset(&cred, 0, sizeof(cred));
    cred.realm = realm;
    cred.username = username;
    cred.password = password;
    cred.userdigest = userdigest;
    cred.userdigest_size = userdigest_size;
    cred.nonce_timeout = nonce_timeout;
    cred.max_nc = max_nc;
    cred.mqop = mqop;
    cred.malgo3 = malgo3;
    return check_conn(connection, &cred);
}

_MHD_EXTERN enum MHD_DigestAuthResult
MHD_digest_auth_check3(struct MHD_Connection *connection, const char *realm, const char *username,
                       const char *password, unsigned int nonce_timeout, uint32_t max_nc,
                       enum MHD_DigestAuthMultiQOP mqop, enum MHD_DigestAuthMultiAlgo3 malgo3)
{
    if (password == NULL)
        return MHD_DAUTH_ERROR;
    return check3(connection, realm, username, password, NULL, 0, nonce_timeout, max_nc, mqop,
                  malgo3);
}

_MHD_EXTERN enum MHD_DigestAuthResult MHD_digest_auth_check_digest3(
    struct MHD_Connection *connection, const char *realm, const char *username,
    const void *userdigest, size_t userdigest_size, unsigned int nonce_timeout, uint32_t max_nc,
    enum MHD_DigestAuthMultiQOP mqop, enum MHD_DigestAuthMultiAlgo3 malgo3)
{
    if (userdigest == NULL)
        return MHD_DAUTH_ERROR;
    return check3(connection, realm, username, NULL, userdigest, userdigest_size, nonce_timeout,
                  max_nc, mqop, malgo3);
}

/* ---------------------------------------------------------------------- */
/* Challenging                                                             */
/* ---------------------------------------------------------------------- */

_MHD_EXTERN enum MHD_Result MHD_queue_auth_required_response3(
    struct MHD_Connection *connection, const char *realm, const char *opaque, const char *domain,
    struct MHD_Response *response, int signal_stale, enum MHD_DigestAuthMultiQOP mqop,
    enum MHD_DigestAuthMultiAlgo3 algo, int userhash_support, int prefer_utf8)
{
    struct mhd_digest_challenge ch;
    ch.realm = realm;
    ch.opaque = opaque;
    ch.domain = domain;
    ch.signal_stale = signal_stale != 0;
    ch.mqop = mqop;
    ch.malgo3 = algo;
    ch.userhash_support = userhash_support != 0;
    ch.prefer_utf8 = prefer_utf8 != 0;
    struct mhd_auth_conn ac;
    /* Upstream 1.0.1 crashes on a NULL response; we refuse before a nonce
     * is spent on a challenge that cannot be sent. */
    if (response == NULL || !mhd_auth_conn_request(connection, &ac))
        return MHD_NO;
    return mhd_auth_queue_challenge(connection, response, mhd_digest_challenge(&ac.req, &ch, NULL));
}

/* ---------------------------------------------------------------------- */
/* The pre-1.0 functions                                                   */
/* ---------------------------------------------------------------------- */

/* The algorithms a legacy selector stands for; an unknown selector is a
 * programming error. */
static enum MHD_DigestAuthMultiAlgo3 legacy_algos(enum MHD_DigestAuthAlgorithm algo)
{
    switch (algo) {
    case MHD_DIGEST_ALG_AUTO:
        return MHD_DIGEST_AUTH_MULT_ALGO3_ANY_NON_SESSION;
    case MHD_DIGEST_ALG_MD5:
        return MHD_DIGEST_AUTH_MULT_ALGO3_MD5;
    case MHD_DIGEST_ALG_SHA256:
        return MHD_DIGEST_AUTH_MULT_ALGO3_SHA256;
    }
    mhd_panic("digest auth: unknown MHD_DigestAuthAlgorithm value");
}

/* Old callers know only yes, no and "ask again with a new nonce". */
static int legacy_result(enum MHD_DigestAuthResult r)
{
    switch (r) {
    case MHD_DAUTH_OK:
        return MHD_YES;
    case MHD_DAUTH_NONCE_STALE:
    case MHD_DAUTH_NONCE_WRONG:
    case MHD_DAUTH_NONCE_OTHER_COND:
        return MHD_INVALID_NONCE;
    default:
        return MHD_NO;
    }
}

_MHD_EXTERN int MHD_digest_auth_check2(struct MHD_Connection *connection, const char *realm,
                                       const char *username, const char *password,
                                       unsigned int nonce_timeout,
                                       enum MHD_DigestAuthAlgorithm algo)
{
    enum MHD_DigestAuthMultiAlgo3 malgo3 = legacy_algos(algo);
    return legacy_result(MHD_digest_auth_check3(connection, realm, username, password,
                                                nonce_timeout, 0, MHD_DIGEST_AUTH_MULT_QOP_AUTH,
                                                malgo3));
}

_MHD_EXTERN int MHD_digest_auth_check(struct MHD_Connection *connection, const char *realm,
                                      const char *username, const char *password,
                                      unsigned int nonce_timeout)
{
    return MHD_digest_auth_check2(connection, realm, username, password, nonce_timeout,
                                  MHD_DIGEST_ALG_MD5);
}

_MHD_EXTERN int MHD_digest_auth_check_digest2(struct MHD_Connection *connection, const char *realm,
                                              const char *username, const uint8_t *digest,
                                              size_t digest_size, unsigned int nonce_timeout,
                                              enum MHD_DigestAuthAlgorithm algo)
{
    enum MHD_DigestAuthMultiAlgo3 malgo3 = legacy_algos(algo);
    if (algo == MHD_DIGEST_ALG_AUTO) {
        /* A stored digest was made with one algorithm, and its size is the
         * only hint a legacy caller gives (upstream panics here). */
        if (digest_size == MHD_MD5_DIGEST_SIZE)
            malgo3 = MHD_DIGEST_AUTH_MULT_ALGO3_MD5;
        else if (digest_size == MHD_SHA256_DIGEST_SIZE)
            malgo3 = MHD_DIGEST_AUTH_MULT_ALGO3_SHA256;
        else
            return MHD_NO;
    }
    return legacy_result(MHD_digest_auth_check_digest3(connection, realm, username, digest,
                                                       digest_size, nonce_timeout, 0,
                                                       MHD_DIGEST_AUTH_MULT_QOP_AUTH, malgo3));
}

_MHD_EXTERN int MHD_digest_auth_check_digest(struct MHD_Connection *connection, const char *realm,
                                             const char *username,
                                             const uint8_t digest[MHD_MD5_DIGEST_SIZE],
                                             unsigned int nonce_timeout)
{
    return MHD_digest_auth_check_digest2(connection, realm, username, digest, MHD_MD5_DIGEST_SIZE,
                                         nonce_timeout, MHD_DIGEST_ALG_MD5);
}

_MHD_EXTERN enum MHD_Result MHD_queue_auth_fail_response2(struct MHD_Connection *connection,
                                                          const char *realm, const char *opaque,
                                                          struct MHD_Response *response,
                                                          int signal_stale,
                                                          enum MHD_DigestAuthAlgorithm algo)
{
    enum MHD_DigestAuthMultiAlgo3 malgo3 = legacy_algos(algo);
    return MHD_queue_auth_required_response3(connection, realm, opaque, NULL, response,
                                             signal_stale, MHD_DIGEST_AUTH_MULT_QOP_AUTH, malgo3, 0,
                                             0);
}

_MHD_EXTERN enum MHD_Result MHD_queue_auth_fail_response(struct MHD_Connection *connection,
                                                         const char *realm, const char *opaque,
                                                         struct MHD_Response *response,
                                                         int signal_stale)
{
    return MHD_queue_auth_fail_response2(connection, realm, opaque, response, signal_stale,
                                         MHD_DIGEST_ALG_MD5);
}
