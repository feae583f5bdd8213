/* Digest authentication: the Authorization value parsed for the
 * application (request info, username info, legacy username), then a full
 * mhd_digest_check() against a fresh daemon state that has just issued a
 * challenge.
 *
 * Input: two control bytes, then a template of the header value.
 *   byte 0  bits 0-1: the credentials (creds[] below: password or
 *           userdigest, and the algorithms allowed);
 *           bits 2-3: the qop values allowed (qops[] below);
 *           bits 4-7: the daemon's nonce bind type (MHD_DAUTH_BIND_NONCE_*);
 *   byte 1  seconds between the challenge and the check (the default
 *           nonce timeout is 90).
 *
 * In the template "$L" stands for 65536 letters and "$E" for 32768
 * backslash-escaped letters (65536 bytes as sent, half that unescaped), so
 * that parameters on both sides of the 65535-byte limit cost the fuzzer two
 * bytes of input instead of slowing every run down. The expanded template
 * goes to the parsers. For the full check "$N" then stands for the nonce
 * the challenge issued and "$R" for the response a client that knows the
 * password would compute from the other parameters, so the fuzzer reaches
 * the nonce, URI, response, bind and replay steps, which no fixed input
 * could (every run has a new nonce key). For the same reason a check may
 * only succeed when both stand-ins were used: anything else would be an
 * authentication bypass. A header that passed must fail when sent again
 * (replay).
 *
 * The request is "GET /dir/index.html?a=b&c" from 192.0.2.1, realm "realm",
 * user "Mufasa", password "Circle of Life". */
#include <netinet/in.h>
#include <sys/socket.h>

#include "fuzz.h"

#include "auth/auth.h"
#include "auth/auth_internal.h"

#define REALM "realm"
#define USER "Mufasa"
#define PASSWORD "Circle of Life"
#define PATH "/dir/index.html"
/* A fixed point on the monotonic clock; only differences matter. */
#define T0_MS 1000000u

struct cred_kind {
    enum MHD_DigestAuthMultiAlgo3 malgo3;
    unsigned int userdigest_algo; /* AUTH_ALGO_*, 0: check with the password */
};

static const struct cred_kind creds[4] = {
    {MHD_DIGEST_AUTH_MULT_ALGO3_ANY_NON_SESSION, 0},
    {MHD_DIGEST_AUTH_MULT_ALGO3_MD5, 0},
    {MHD_DIGEST_AUTH_MULT_ALGO3_SHA256, AUTH_ALGO_SHA256},
    {MHD_DIGEST_AUTH_MULT_ALGO3_SHA512_256, AUTH_ALGO_SHA512_256},
};

static const enum MHD_DigestAuthMultiQOP qops[4] = {
    MHD_DIGEST_AUTH_MULT_QOP_ANY_NON_INT,
    MHD_DIGEST_AUTH_MULT_QOP_AUTH,
    MHD_DIGEST_AUTH_MULT_QOP_NONE,
    MHD_DIGEST_AUTH_MULT_QOP_AUTH_ANY,
};

/* ---- the parsers the application calls ---------------------------------- */

static void check_info(const char *v, size_t len)
{
    struct MHD_DigestAuthInfo *info = mhd_digest_get_request_info(v, len);
    struct MHD_DigestAuthUsernameInfo *uinfo = mhd_digest_get_username_info(v, len);
    char *legacy = mhd_digest_get_username_legacy(v, len);
    if (info == NULL) {
        /* The same parse decides all three. */
        FUZZ_CHECK(uinfo == NULL && legacy == NULL);
        return;
    }
    if (info->username != NULL)
        FUZZ_CHECK(info->username[info->username_len] == '\0');
    else
        FUZZ_CHECK(info->username_len == 0);
    if (info->userhash_hex != NULL) {
        FUZZ_CHECK(info->userhash_hex[info->userhash_hex_len] == '\0');
        FUZZ_CHECK(info->userhash_bin != NULL && info->userhash_hex_len % 2 == 0);
    }
    if (info->realm != NULL)
        FUZZ_CHECK(info->realm[info->realm_len] == '\0');
    if (info->opaque != NULL)
        FUZZ_CHECK(info->opaque[info->opaque_len] == '\0');
    if (uinfo != NULL) {
        FUZZ_CHECK(uinfo->uname_type == info->uname_type && uinfo->algo3 == info->algo3);
        FUZZ_CHECK(uinfo->username_len == info->username_len);
        if (info->username != NULL)
            FUZZ_CHECK(memcmp(uinfo->username, info->username, info->username_len + 1) == 0);
        MHD_free(uinfo);
    } else {
        FUZZ_CHECK(info->uname_type == MHD_DIGEST_AUTH_UNAME_TYPE_MISSING ||
                   info->uname_type == MHD_DIGEST_AUTH_UNAME_TYPE_INVALID);
    }
    if (legacy != NULL) {
        FUZZ_CHECK(info->username != NULL &&
                   memcmp(legacy, info->username, info->username_len + 1) == 0);
        MHD_free(legacy);
    } else {
        FUZZ_CHECK(info->uname_type != MHD_DIGEST_AUTH_UNAME_TYPE_STANDARD &&
                   info->uname_type != MHD_DIGEST_AUTH_UNAME_TYPE_EXTENDED);
    }
    MHD_free(info);
}

/* ---- the full check ------------------------------------------------------ */

static void walk_args(const void *cls, mhd_auth_arg_visit visit, void *ctx)
{
    (void)cls;
    visit(ctx, "a", 1, "b", 1);
    visit(ctx, "c", 1, NULL, 0);
}

static struct mhd_auth_request make_request(struct mhd_dauth *d, const struct sockaddr_in *addr,
                                            uint64_t now_ms)
{
    struct mhd_auth_request r;
    memset(&r, 0, sizeof(r));
    r.method = "GET";
    r.method_len = 3;
    r.path = PATH;
    r.path_len = strlen(PATH);
    r.walk_args = walk_args;
    r.client_addr = (const struct sockaddr *)addr;
    r.client_addr_len = sizeof(*addr);
    r.dauth = d;
    r.now_ms = now_ms;
    return r;
}

/* Copies s[0..len) with every "$<c>" replaced by `with`; sets *used when
 * there was one. The result is exact-size and not terminated. The searches
 * go through memmem(), which is not instrumented: comparisons in this loop
 * would otherwise cost more than the parsers under test on long inputs. */
static char *substitute(const char *s, size_t len, char c, const char *with, size_t *out_len,
                        bool *used)
{
    const char pat[2] = {'$', c};
    size_t wlen = strlen(with), n = 0;
    for (const char *p = s; (p = memmem(p, len - (size_t)(p - s), pat, 2)) != NULL; p += 2)
        n++;
    *used = n > 0;
    size_t total = len - 2 * n + wlen * n;
    char *out = fuzz_dup("", 0, total);
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        const char *p = memmem(s + i, len - i, pat, 2);
        size_t plain = p != NULL ? (size_t)(p - s) - i : len - i;
        memcpy(out + o, s + i, plain);
        o += plain;
        i += plain;
        if (p != NULL) {
            memcpy(out + o, with, wlen);
            o += wlen;
            i += 2;
        }
    }
    *out_len = total;
    return out;
}

/* The hex response for the parameters of `h` as the real client would
 * compute it, or "" when the header names no usable algorithm. */
static void client_response(const char *h, size_t len, char *hex)
{
    struct mhd_dparams p;
    hex[0] = '\0';
    if (!mhd_digest_parse_params(h, len, &p))
        return;
    /* The library computes a response only for parameters that passed its
     * shape check, which guarantees these; stay inside that contract. */
    if (!p.nonce.present || !p.uri.present ||
        (p.qop.present && (!p.nc.present || !p.cnonce.present)))
        return;
    unsigned int algo = mhd_digest_base_algo((unsigned int)mhd_dparams_algo3(&p));
    if (algo == 0)
        return;
    uint8_t ha1[AUTH_HASH_MAX_SIZE], resp[AUTH_HASH_MAX_SIZE];
    mhd_digest_calc_ha1(algo, USER, strlen(USER), REALM, strlen(REALM), PASSWORD, strlen(PASSWORD),
                        ha1);
    mhd_digest_calc_response(algo, ha1, "GET", 3, &p, resp);
    mhd_auth_bin_to_hex(resp, mhd_hash_size(algo), hex);
}

/* Issues a challenge and returns its nonce in `nonce` (AUTH_NONCE_LEN + 1). */
static void challenge(const struct mhd_auth_request *req, const struct cred_kind *ck,
                      enum MHD_DigestAuthMultiQOP mqop, char *nonce)
{
    struct mhd_digest_challenge ch = {REALM, "opaque-value", "/dir/", false,
                                      mqop,  ck->malgo3,     true,    false};
    size_t len = 0;
    char *hdr = mhd_digest_challenge(req, &ch, &len);
    FUZZ_CHECK(hdr != NULL && strlen(hdr) == len);
    const char *n = strstr(hdr, "nonce=\"");
    FUZZ_CHECK(n != NULL && strlen(n) > 7 + AUTH_NONCE_LEN && n[7 + AUTH_NONCE_LEN] == '"');
    memcpy(nonce, n + 7, AUTH_NONCE_LEN);
    nonce[AUTH_NONCE_LEN] = '\0';
    MHD_free(hdr);
}

/* "$L" and "$E" expanded; see the top of the file. */
static char *expand_long(const uint8_t *tpl, size_t len, size_t *out_len)
{
    static char letters[65536 + 1];
    static char escaped[65536 + 1];
    if (letters[0] == '\0') {
        memset(letters, 'L', 65536);
        for (size_t i = 0; i < 65536; i += 2) {
            escaped[i] = '\\';
            escaped[i + 1] = 'e';
        }
    }
    bool used;
    size_t mid_len;
    char *mid = substitute((const char *)tpl, len, 'L', letters, &mid_len, &used);
    char *out = substitute(mid, mid_len, 'E', escaped, out_len, &used);
    free(mid);
    return out;
}

static void check_full(unsigned int b0, unsigned int b1, const char *tpl, size_t len)
{
    const struct cred_kind *ck = &creds[b0 & 3];
    enum MHD_DigestAuthMultiQOP mqop = qops[(b0 >> 2) & 3];
    static const uint8_t seed[] = "fixed fuzz seed";
    struct mhd_dauth_config cfg = {seed, sizeof(seed), false, 4, b0 >> 4, 0, 0};
    struct mhd_dauth *d = mhd_dauth_create(&cfg);
    FUZZ_CHECK(d != NULL);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons(40000);
    addr.sin_addr.s_addr = htonl(0xc0000201); /* 192.0.2.1 */

    struct mhd_auth_request req = make_request(d, &addr, T0_MS);
    char nonce[AUTH_NONCE_LEN + 1];
    challenge(&req, ck, mqop, nonce);

    bool used_nonce, used_resp;
    size_t h1_len, h2_len;
    char *h1 = substitute(tpl, len, 'N', nonce, &h1_len, &used_nonce);
    char hex[2 * AUTH_HASH_MAX_SIZE + 1];
    client_response(h1, h1_len, hex);
    char *h2 = substitute(h1, h1_len, 'R', hex, &h2_len, &used_resp);
    free(h1);

    uint8_t userdigest[AUTH_HASH_MAX_SIZE];
    struct mhd_digest_cred cred = {REALM, USER, PASSWORD, NULL, 0, 0, 0, mqop, ck->malgo3};
    if (ck->userdigest_algo != 0) {
        mhd_digest_calc_ha1(ck->userdigest_algo, USER, strlen(USER), REALM, strlen(REALM), PASSWORD,
                            strlen(PASSWORD), userdigest);
        cred.password = NULL;
        cred.userdigest = userdigest;
        cred.userdigest_size = mhd_hash_size(ck->userdigest_algo);
    }
    req = make_request(d, &addr, T0_MS + (uint64_t)b1 * 1000u);
    req.authorization = h2;
    req.authorization_len = h2_len;
    enum MHD_DigestAuthResult r = mhd_digest_check(&req, &cred);
    if (r == MHD_DAUTH_OK) {
        FUZZ_CHECK(used_nonce && used_resp);
        FUZZ_CHECK(mhd_digest_check(&req, &cred) != MHD_DAUTH_OK);
    }
    free(h2);
    mhd_dauth_destroy(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};
    unsigned int b0 = fuzz_byte(&in);
    unsigned int b1 = fuzz_byte(&in);
    size_t len;
    char *v = expand_long(in.p, in.len, &len);
    check_info(v, len);
    check_full(b0, b1, v, len);
    free(v);
    return 0;
}
