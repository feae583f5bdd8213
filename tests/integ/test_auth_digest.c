/* Digest authentication end to end, in every thread mode: libcurl as the
 * client where it can speak the variant, hand-written Authorization
 * headers over raw sockets for everything else.
 *
 * Coverage: API generation x algorithm (or feature) -> where it is tested
 *
 *   API (server side)                      MD5            SHA-256          SHA-512/256
 *   -------------------------------------  -------------  ---------------  --------------
 *   MHD_digest_auth_check3 +               curl /md5,     curl /sha256,    raw /sha512 (ok,
 *   MHD_queue_auth_required_response3      raw /md5       /userhash,       replay, wrong pw);
 *                                          (malformed,    /args, keep-     curl /sha512 must
 *                                          replay, nc     alive, threads   fail: libcurl < 8.8
 *                                          window, bind,  (concurrent)     labels SHA-512-256
 *                                          eviction ...)                   but hashes SHA-256
 *     ... with mqop NONE (RFC 2069)        curl+raw       -                -
 *                                          /rfc2069
 *     ... with malgo3 ANY_NON_SESSION      curl /any      raw /any         raw /any
 *     ... userhash (client side)           raw /md5       curl /userhash   -
 *     ... username* (extended)             raw /ext       -                -
 *     ... per-call nonce_timeout / max_nc  raw /short,    -                -
 *                                          raw /nc
 *   MHD_digest_auth_check_digest3          -              curl /digest3    raw /digest3-512
 *   MHD_digest_auth_check +                curl /legacy,  -                -
 *   MHD_queue_auth_fail_response           raw (codes)
 *   MHD_digest_auth_check2 +               curl /legacy2  curl /legacy2    -
 *   MHD_queue_auth_fail_response2          auto (AUTO)    (SHA256)
 *   MHD_digest_auth_check_digest           curl /legacyd  -                -
 *   MHD_digest_auth_check_digest2          curl /legacyd2 curl /legacyd2   -
 *                                          auto16 (AUTO,  auto (AUTO, 32
 *                                          16 bytes)      bytes), /legacyd2
 *   MHD_digest_auth_get_request_info3,     raw /info (standard, userhash, extended, invalid,
 *   MHD_digest_auth_get_username3,         unknown algorithm, no header, Basic header)
 *   MHD_digest_auth_get_username
 *   NULL response to every challenge fn    /nullresp; CR/LF in realm/opaque: /badrealm
 *
 *   Daemon options: MHD_OPTION_NONCE_NC_SIZE (1000 on the main daemon, so
 *   concurrent clients and the expiry nonce are never evicted; 8 on "aux"
 *   for FIFO eviction; 0 on "zero", where every challenge fails),
 *   MHD_OPTION_DIGEST_AUTH_NONCE_BIND_TYPE URI_PARAMS|CLIENT_IP on aux
 *   (other path, other arguments, other method, other client address ->
 *   NONCE_OTHER_COND), MHD_OPTION_DIGEST_AUTH_DEFAULT_NONCE_TIMEOUT 1 and
 *   _DEFAULT_MAX_NC 3 on aux, MHD_OPTION_DIGEST_AUTH_RANDOM(_COPY).
 *
 * Expected responses are computed with the library's own hash functions
 * (auth/hash.h), which are first checked against the RFC 7616 section
 * 3.9.1 and RFC 2617 section 3.5 examples and an OpenSSL SHA-512/256
 * value, so the test does not merely agree with itself. Expiry is tested
 * with nonces fetched at the start of each mode and used at its end, so
 * the one-second wait overlaps the other work. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "testsrv.h"
#include "tlstest.h"

#include "auth/hash.h"

#define REALM "TestRealm"
#define USER "admin"
#define PASS "secret"
#define EXT_USER                                                                                   \
    "\xc3\xa4"                                                                                     \
    "dmin" /* "ädmin" in UTF-8 */
#define SHORT_TIMEOUT_S 1

/* ---------------------------------------------------------------------- */
/* The server side                                                         */
/* ---------------------------------------------------------------------- */

enum api {
    API_V3,        /* MHD_digest_auth_check3 + MHD_queue_auth_required_response3 */
    API_V3_DIGEST, /* MHD_digest_auth_check_digest3 + ..._response3 */
    API_LEGACY,    /* MHD_digest_auth_check + MHD_queue_auth_fail_response */
    API_LEGACY2,   /* MHD_digest_auth_check2 + MHD_queue_auth_fail_response2 */
    API_LEGACY_D,  /* MHD_digest_auth_check_digest + MHD_queue_auth_fail_response */
    API_LEGACY_D2  /* MHD_digest_auth_check_digest2 + MHD_queue_auth_fail_response2 */
};

struct route {
    const char *path;
    enum api api;
    enum MHD_DigestAuthMultiQOP mqop;
    enum MHD_DigestAuthMultiAlgo3 malgo3; /* v3: checked and challenged */
    enum MHD_DigestAuthAlgorithm lalgo;   /* legacy selector */
    enum MHD_DigestAuthAlgo3 digest_algo; /* algorithm of the stored userdigest */
    bool userhash;
    unsigned int timeout;
    uint32_t max_nc;
    const char *user;
};

static const struct route routes[] = {
    {"/md5", API_V3, MHD_DIGEST_AUTH_MULT_QOP_AUTH, MHD_DIGEST_AUTH_MULT_ALGO3_MD5, 0, 0, false, 0,
     0, USER},
    {"/md5b", API_V3, MHD_DIGEST_AUTH_MULT_QOP_AUTH, MHD_DIGEST_AUTH_MULT_ALGO3_MD5, 0, 0, false, 0,
     0, USER},
    {"/sha256", API_V3, MHD_DIGEST_AUTH_MULT_QOP_AUTH, MHD_DIGEST_AUTH_MULT_ALGO3_SHA256, 0, 0,
     false, 0, 0, USER},
    {"/sha512", API_V3, MHD_DIGEST_AUTH_MULT_QOP_AUTH, MHD_DIGEST_AUTH_MULT_ALGO3_SHA512_256, 0, 0,
     false, 0, 0, USER},
    {"/any", API_V3, MHD_DIGEST_AUTH_MULT_QOP_AUTH, MHD_DIGEST_AUTH_MULT_ALGO3_ANY_NON_SESSION, 0,
     0, false, 0, 0, USER},
    {"/userhash", API_V3, MHD_DIGEST_AUTH_MULT_QOP_AUTH, MHD_DIGEST_AUTH_MULT_ALGO3_SHA256, 0, 0,
     true, 0, 0, USER},
    {"/rfc2069", API_V3, MHD_DIGEST_AUTH_MULT_QOP_NONE, MHD_DIGEST_AUTH_MULT_ALGO3_MD5, 0, 0, false,
     0, 0, USER},
    {"/ext", API_V3, MHD_DIGEST_AUTH_MULT_QOP_AUTH, MHD_DIGEST_AUTH_MULT_ALGO3_MD5, 0, 0, false, 0,
     0, EXT_USER},
    {"/short", API_V3, MHD_DIGEST_AUTH_MULT_QOP_AUTH, MHD_DIGEST_AUTH_MULT_ALGO3_MD5, 0, 0, false,
     SHORT_TIMEOUT_S, 0, USER},
    {"/nc", API_V3, MHD_DIGEST_AUTH_MULT_QOP_AUTH, MHD_DIGEST_AUTH_MULT_ALGO3_MD5, 0, 0, false, 0,
     2, USER},
    {"/digest3", API_V3_DIGEST, MHD_DIGEST_AUTH_MULT_QOP_AUTH, MHD_DIGEST_AUTH_MULT_ALGO3_SHA256, 0,
     MHD_DIGEST_AUTH_ALGO3_SHA256, false, 0, 0, USER},
    {"/digest3-512", API_V3_DIGEST, MHD_DIGEST_AUTH_MULT_QOP_AUTH,
     MHD_DIGEST_AUTH_MULT_ALGO3_SHA512_256, 0, MHD_DIGEST_AUTH_ALGO3_SHA512_256, false, 0, 0, USER},
    {"/legacy", API_LEGACY, 0, 0, MHD_DIGEST_ALG_MD5, 0, false, 0, 0, USER},
    {"/legacy2", API_LEGACY2, 0, 0, MHD_DIGEST_ALG_SHA256, 0, false, 0, 0, USER},
    {"/legacy2auto", API_LEGACY2, 0, 0, MHD_DIGEST_ALG_AUTO, 0, false, 0, 0, USER},
    {"/legacyd", API_LEGACY_D, 0, 0, MHD_DIGEST_ALG_MD5, MHD_DIGEST_AUTH_ALGO3_MD5, false, 0, 0,
     USER},
    {"/legacyd2", API_LEGACY_D2, 0, 0, MHD_DIGEST_ALG_SHA256, MHD_DIGEST_AUTH_ALGO3_SHA256, false,
     0, 0, USER},
    {"/legacyd2auto", API_LEGACY_D2, 0, 0, MHD_DIGEST_ALG_AUTO, MHD_DIGEST_AUTH_ALGO3_SHA256, false,
     0, 0, USER},
    {"/legacyd2auto16", API_LEGACY_D2, 0, 0, MHD_DIGEST_ALG_AUTO, MHD_DIGEST_AUTH_ALGO3_MD5, false,
     0, 0, USER},
};

static const struct route *find_route(const char *url)
{
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
        if (strcmp(routes[i].path, url) == 0)
            return &routes[i];
    return NULL;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int code, const char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer_copy(strlen(text), text);
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

/* The check of a route; legacy results are MHD_YES / MHD_NO /
 * MHD_INVALID_NONCE, v3 results an enum MHD_DigestAuthResult. */
static int run_check(struct MHD_Connection *c, const struct route *rt)
{
    uint8_t ud[32];
    size_t ud_size = MHD_digest_get_hash_size(rt->digest_algo);
    if (ud_size != 0 && MHD_digest_auth_calc_userdigest(rt->digest_algo, rt->user, REALM, PASS, ud,
                                                        sizeof(ud)) != MHD_YES)
        return 99;
    switch (rt->api) {
    case API_V3:
        return MHD_digest_auth_check3(c, REALM, rt->user, PASS, rt->timeout, rt->max_nc, rt->mqop,
                                      rt->malgo3);
    case API_V3_DIGEST:
        return MHD_digest_auth_check_digest3(c, REALM, rt->user, ud, ud_size, rt->timeout,
                                             rt->max_nc, rt->mqop, rt->malgo3);
    case API_LEGACY:
        return MHD_digest_auth_check(c, REALM, rt->user, PASS, rt->timeout);
    case API_LEGACY2:
        return MHD_digest_auth_check2(c, REALM, rt->user, PASS, rt->timeout, rt->lalgo);
    case API_LEGACY_D:
        return MHD_digest_auth_check_digest(c, REALM, rt->user, ud, rt->timeout);
    case API_LEGACY_D2:
        return MHD_digest_auth_check_digest2(c, REALM, rt->user, ud, ud_size, rt->timeout,
                                             rt->lalgo);
    }
    return 99;
}

static bool is_legacy(const struct route *rt)
{
    return rt->api != API_V3 && rt->api != API_V3_DIGEST;
}

/* AUTO challenges with MD5 first; a route that stores a SHA-256 digest
 * must ask for SHA-256, as an application would. */
static enum MHD_DigestAuthAlgorithm legacy_challenge_algo(const struct route *rt)
{
    if (rt->lalgo == MHD_DIGEST_ALG_AUTO && rt->digest_algo == MHD_DIGEST_AUTH_ALGO3_SHA256)
        return MHD_DIGEST_ALG_SHA256;
    return rt->lalgo;
}

static enum MHD_Result challenge(struct MHD_Connection *c, const struct route *rt, int result)
{
    char num[32];
    struct MHD_Response *r = MHD_create_response_from_buffer_static(6, "denied");
    snprintf(num, sizeof(num), "%d", result);
    MHD_add_response_header(r, "X-Auth-Result", num);
    enum MHD_Result q;
    if (is_legacy(rt)) {
        int stale = result == MHD_INVALID_NONCE;
        if (rt->api == API_LEGACY || rt->api == API_LEGACY_D)
            q = MHD_queue_auth_fail_response(c, REALM, "legacy-opaque", r, stale);
        else
            q = MHD_queue_auth_fail_response2(c, REALM, "legacy-opaque", r, stale,
                                              legacy_challenge_algo(rt));
    } else {
        /* A v3 check that failed because of the nonce alone is re-asked
         * with stale=true, as the contract suggests. */
        int stale = result == MHD_DAUTH_NONCE_STALE;
        q = MHD_queue_auth_required_response3(c, REALM, "opaque\"v3", NULL, r, stale, rt->mqop,
                                              rt->malgo3, rt->userhash, 0);
    }
    MHD_destroy_response(r);
    if (q != MHD_YES)
        return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "challenge failed");
    return MHD_YES;
}

/* Appends `prefix` and the `len` bytes of `s` ("(null)" when NULL). */
static void append(char *out, size_t cap, const char *prefix, const char *s, size_t len)
{
    size_t n = strlen(out);
    if (s == NULL) {
        s = "(null)";
        len = 6;
    }
    if (n < cap)
        snprintf(out + n, cap - n, "%s%.*s", prefix, (int)len, s);
}

/* Everything the three parsing functions report, as one line. */
static enum MHD_Result info_reply(struct MHD_Connection *c)
{
    char out[2048];
    out[0] = '\0';
    struct MHD_DigestAuthInfo *i = MHD_digest_auth_get_request_info3(c);
    if (i == NULL) {
        snprintf(out, sizeof(out), "info=null");
    } else {
        char hex[80] = "";
        for (size_t k = 0; i->userhash_bin != NULL && k < i->userhash_hex_len / 2 && k < 32; k++)
            snprintf(hex + 2 * k, 3, "%02x", i->userhash_bin[k]);
        snprintf(out, sizeof(out),
                 "algo3=%d;utype=%d;ulen=%zu;uhlen=%zu;bin=%s;qop=%d;cnl=%zu;nc=%u", (int)i->algo3,
                 (int)i->uname_type, i->username_len, i->userhash_hex_len, hex, (int)i->qop,
                 i->cnonce_len, (unsigned int)i->nc);
        append(out, sizeof(out), ";user=", i->username, i->username_len);
        append(out, sizeof(out), ";uh=", i->userhash_hex, i->userhash_hex_len);
        append(out, sizeof(out), ";realm=", i->realm, i->realm_len);
        append(out, sizeof(out), ";opaque=", i->opaque, i->opaque_len);
        MHD_free(i);
    }
    struct MHD_DigestAuthUsernameInfo *u = MHD_digest_auth_get_username3(c);
    if (u == NULL) {
        append(out, sizeof(out), "|u3=", NULL, 6);
    } else {
        char t[64];
        snprintf(t, sizeof(t), "|u3=%d,%d", (int)u->algo3, (int)u->uname_type);
        append(out, sizeof(out), "", t, strlen(t));
        append(out, sizeof(out), ",", u->username, u->username_len);
        append(out, sizeof(out), ",", u->userhash_hex, u->userhash_hex_len);
        MHD_free(u);
    }
    char *legacy = MHD_digest_auth_get_username(c);
    append(out, sizeof(out), "|legacy=", legacy, legacy ? strlen(legacy) : 6);
    MHD_free(legacy);
    return reply(c, MHD_HTTP_OK, out);
}

/* Every challenge function refuses a NULL response (upstream crashes). */
static enum MHD_Result nullresp_reply(struct MHD_Connection *c)
{
    bool ok =
        MHD_queue_auth_required_response3(c, REALM, NULL, NULL, NULL, 0,
                                          MHD_DIGEST_AUTH_MULT_QOP_AUTH,
                                          MHD_DIGEST_AUTH_MULT_ALGO3_MD5, 0, 0) == MHD_NO &&
        MHD_queue_auth_fail_response(c, REALM, NULL, NULL, 0) == MHD_NO &&
        MHD_queue_auth_fail_response2(c, REALM, NULL, NULL, 0, MHD_DIGEST_ALG_SHA256) == MHD_NO;
    return reply(c, MHD_HTTP_OK, ok ? "nullok" : "nullbad");
}

/* Line breaks in realm or opaque, or no usable algorithm or qop, make
 * the challenge fail without queueing anything. */
static enum MHD_Result badrealm_reply(struct MHD_Connection *c)
{
    struct MHD_Response *r = MHD_create_response_from_buffer_static(1, "x");
    const enum MHD_DigestAuthMultiQOP q = MHD_DIGEST_AUTH_MULT_QOP_AUTH;
    const enum MHD_DigestAuthMultiAlgo3 a = MHD_DIGEST_AUTH_MULT_ALGO3_MD5;
    int refused = 0;
    refused += MHD_queue_auth_required_response3(c, "a\r\nX-Evil: 1", NULL, NULL, r, 0, q, a, 0,
                                                 0) == MHD_NO;
    refused +=
        MHD_queue_auth_required_response3(c, REALM, "o\np", NULL, r, 0, q, a, 0, 0) == MHD_NO;
    refused +=
        MHD_queue_auth_required_response3(c, REALM, NULL, "/d\r", r, 0, q, a, 0, 0) == MHD_NO;
    refused += MHD_queue_auth_required_response3(c, NULL, NULL, NULL, r, 0, q, a, 0, 0) == MHD_NO;
    refused +=
        MHD_queue_auth_required_response3(c, REALM, NULL, NULL, r, 0, q,
                                          MHD_DIGEST_AUTH_MULT_ALGO3_MD5_SESSION, 0, 0) == MHD_NO;
    refused += MHD_queue_auth_fail_response(c, "r\n", NULL, r, 0) == MHD_NO;
    MHD_destroy_response(r);
    char out[32];
    snprintf(out, sizeof(out), "refused=%d", refused);
    return reply(c, MHD_HTTP_OK, out);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    static int marker;
    (void)cls;
    (void)method;
    (void)version;
    (void)upload_data;
    if (*req_cls == NULL) {
        *req_cls = &marker;
        return MHD_YES;
    }
    if (*upload_data_size != 0)
        return MHD_NO;
    if (strcmp(url, "/info") == 0)
        return info_reply(c);
    if (strcmp(url, "/nullresp") == 0)
        return nullresp_reply(c);
    if (strcmp(url, "/badrealm") == 0)
        return badrealm_reply(c);
    const struct route *rt = find_route(url);
    if (rt == NULL)
        return reply(c, MHD_HTTP_NOT_FOUND, "no route");
    int res = run_check(c, rt);
    if (res != MHD_DAUTH_OK) /* MHD_YES == MHD_DAUTH_OK == 1 */
        return challenge(c, rt, res);
    char out[128];
    struct MHD_DigestAuthUsernameInfo *u = MHD_digest_auth_get_username3(c);
    snprintf(out, sizeof(out), "OK %s utype=%d", url, u ? (int)u->uname_type : -1);
    MHD_free(u);
    return reply(c, MHD_HTTP_OK, out);
}

/* ---------------------------------------------------------------------- */
/* Computing what a client sends                                           */
/* ---------------------------------------------------------------------- */

static void to_hex(const uint8_t *bin, size_t len, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        hex[2 * i] = digits[bin[i] >> 4];
        hex[2 * i + 1] = digits[bin[i] & 15];
    }
    hex[2 * len] = '\0';
}

/* Hex of H(a ":" b ":" c ...), the parts given NULL-terminated. */
static void hash_parts(unsigned int algo, char *hex, const char *const *parts)
{
    struct mhd_hash h;
    uint8_t out[AUTH_HASH_MAX_SIZE];
    mhd_hash_init(&h, algo);
    for (size_t i = 0; parts[i] != NULL; i++) {
        if (i > 0)
            mhd_hash_update(&h, ":", 1);
        mhd_hash_update_str(&h, parts[i]);
    }
    mhd_hash_finish(&h, out);
    to_hex(out, mhd_hash_size(algo), hex);
}

/* What one hand-written request carries. NULL members are left out. */
struct dreq {
    unsigned int algo;     /* AUTH_ALGO_* used for hashing */
    const char *algo_name; /* algorithm parameter; NULL: omitted */
    const char *user;      /* hashed as the user name */
    const char *pass;
    const char *realm;
    const char *method;
    const char *uri;
    const char *nonce;
    const char *nc;
    const char *cnonce;
    const char *qop;      /* NULL: RFC 2069 form */
    bool userhash;        /* send H(user:realm) with userhash=true */
    const char *uname;    /* replaces the username parameter(s) verbatim */
    bool no_user;         /* no username parameter at all */
    const char *response; /* sent instead of the computed value */
    const char *extra;    /* appended after ", " */
};

static void calc_response(const struct dreq *r, char *hex)
{
    char ha1[2 * AUTH_HASH_MAX_SIZE + 1], ha2[2 * AUTH_HASH_MAX_SIZE + 1];
    const char *p1[] = {r->user, r->realm ? r->realm : "", r->pass, NULL};
    const char *p2[] = {r->method, r->uri ? r->uri : "", NULL};
    hash_parts(r->algo, ha1, p1);
    hash_parts(r->algo, ha2, p2);
    const char *nonce = r->nonce ? r->nonce : "";
    if (r->qop != NULL) {
        const char *p[] = {ha1, nonce, r->nc ? r->nc : "", r->cnonce ? r->cnonce : "", r->qop,
                           ha2, NULL};
        hash_parts(r->algo, hex, p);
    } else {
        const char *p[] = {ha1, nonce, ha2, NULL};
        hash_parts(r->algo, hex, p);
    }
}

/* Appends `pre`, `v` and `post`. */
static void addf(char *out, size_t cap, const char *pre, const char *v, const char *post)
{
    size_t n = strlen(out);
    snprintf(out + n, cap - n, "%s%s%s", pre, v, post);
}

/* The Authorization header value for `r` (malloc'ed). */
static char *build_auth(const struct dreq *r)
{
    size_t cap = 1024 + (r->cnonce ? strlen(r->cnonce) : 0) + (r->extra ? strlen(r->extra) : 0) +
                 (r->uname ? strlen(r->uname) : 0);
    char *out = malloc(cap);
    char resp[2 * AUTH_HASH_MAX_SIZE + 1];
    strcpy(out, "Digest ");
    if (r->uname != NULL) {
        addf(out, cap, "", r->uname, ", ");
    } else if (r->userhash) {
        char uh[2 * AUTH_HASH_MAX_SIZE + 1];
        const char *p[] = {r->user, r->realm, NULL};
        hash_parts(r->algo, uh, p);
        addf(out, cap, "username=\"", uh, "\", userhash=true, ");
    } else if (!r->no_user) {
        addf(out, cap, "username=\"", r->user, "\", ");
    }
    if (r->realm)
        addf(out, cap, "realm=\"", r->realm, "\", ");
    if (r->nonce)
        addf(out, cap, "nonce=\"", r->nonce, "\", ");
    if (r->uri)
        addf(out, cap, "uri=\"", r->uri, "\", ");
    if (r->algo_name)
        addf(out, cap, "algorithm=", r->algo_name, ", ");
    if (r->qop)
        addf(out, cap, "qop=", r->qop, ", ");
    if (r->nc)
        addf(out, cap, "nc=", r->nc, ", ");
    if (r->cnonce)
        addf(out, cap, "cnonce=\"", r->cnonce, "\", ");
    if (r->extra)
        addf(out, cap, "", r->extra, ", ");
    calc_response(r, resp);
    addf(out, cap, "response=\"", r->response ? r->response : resp, "\"");
    return out;
}

/* A request as libcurl would send it for `route` with qop=auth. */
static struct dreq std_req(unsigned int algo, const char *algo_name, const char *uri,
                           const char *nonce, const char *nc)
{
    struct dreq r;
    memset(&r, 0, sizeof(r));
    r.algo = algo;
    r.algo_name = algo_name;
    r.user = USER;
    r.pass = PASS;
    r.realm = REALM;
    r.method = "GET";
    r.uri = uri;
    r.nonce = nonce;
    r.nc = nc;
    r.cnonce = "0a4f113b";
    r.qop = "auth";
    return r;
}

/* ---------------------------------------------------------------------- */
/* Raw requests                                                            */
/* ---------------------------------------------------------------------- */

struct raw_reply {
    int status;
    int result; /* X-Auth-Result, or 999 when absent */
    bool stale;
    char www[1024]; /* WWW-Authenticate value */
    char body[2048];
};

static int connect_from(uint16_t port, const char *src_ip)
{
    if (src_ip == NULL)
        return rs_connect(port);
    if (tt_on())
        return tt_connect_from(port, src_ip);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    inet_pton(AF_INET, src_ip, &sa.sin_addr);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool header_value(const char *resp, const char *name, char *buf, size_t cap)
{
    size_t n = strlen(name);
    const char *end = strstr(resp, "\r\n\r\n");
    for (const char *p = strstr(resp, "\r\n"); p != NULL && p < end; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
            const char *v = p + 3 + n;
            while (*v == ' ')
                v++;
            const char *e = strstr(v, "\r\n");
            size_t len = (size_t)(e - v) < cap - 1 ? (size_t)(e - v) : cap - 1;
            memcpy(buf, v, len);
            buf[len] = '\0';
            return true;
        }
    }
    return false;
}

/* Sends one request (Connection: close) and parses the reply. */
static void raw_req(uint16_t port, const char *src_ip, const char *method, const char *target,
                    const char *auth, struct raw_reply *out)
{
    memset(out, 0, sizeof(*out));
    out->result = 999;
    size_t cap = 512 + strlen(target) + (auth ? strlen(auth) : 0);
    char *rq = malloc(cap);
    snprintf(rq, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s%s%s\r\n",
             method, target, auth ? "Authorization: " : "", auth ? auth : "", auth ? "\r\n" : "");
    int fd = connect_from(port, src_ip);
    if (fd < 0) {
        free(rq);
        return;
    }
    static __thread char buf[8192];
    rs_send(fd, rq, strlen(rq));
    free(rq);
    rs_recv(fd, buf, sizeof(buf), 5000, NULL);
    close(fd);
    out->status = rs_status(buf);
    char num[32];
    if (header_value(buf, "X-Auth-Result", num, sizeof(num)))
        out->result = atoi(num);
    header_value(buf, "WWW-Authenticate", out->www, sizeof(out->www));
    out->stale = strstr(out->www, "stale=true") != NULL;
    const char *b = strstr(buf, "\r\n\r\n");
    if (b != NULL)
        snprintf(out->body, sizeof(out->body), "%s", b + 4);
}

/* The value of parameter `name` ("nonce", ...) in a challenge. */
static bool challenge_param(const char *www, const char *name, char *out, size_t cap)
{
    char key[64];
    snprintf(key, sizeof(key), "%s=\"", name);
    const char *p = strstr(www, key);
    if (p == NULL)
        return false;
    p += strlen(key);
    const char *e = strchr(p, '"');
    if (e == NULL || (size_t)(e - p) >= cap)
        return false;
    memcpy(out, p, (size_t)(e - p));
    out[e - p] = '\0';
    return true;
}

/* Asks `target` without credentials and takes the nonce of the 401. */
static bool fetch_nonce_from(uint16_t port, const char *src_ip, const char *method,
                             const char *target, char *nonce, size_t cap)
{
    struct raw_reply r;
    raw_req(port, src_ip, method, target, NULL, &r);
    bool ok = r.status == 401 && challenge_param(r.www, "nonce", nonce, cap);
    CHECK_MSG(ok, "challenge for %s %s: status %d, www \"%s\"", method, target, r.status, r.www);
    return ok;
}

static bool fetch_nonce(uint16_t port, const char *target, char *nonce, size_t cap)
{
    return fetch_nonce_from(port, NULL, "GET", target, nonce, cap);
}

/* Sends `r` to `target` and returns the reply in `out`. */
static void send_dreq(uint16_t port, const char *src_ip, const char *target, const struct dreq *r,
                      struct raw_reply *out)
{
    char *auth = build_auth(r);
    raw_req(port, src_ip, r->method, target, auth, out);
    free(auth);
}

#define EXPECT_OK(rep)                                                                             \
    CHECK_MSG((rep).status == 200 && strncmp((rep).body, "OK ", 3) == 0,                           \
              "want 200 OK: status %d result %d body \"%s\"", (rep).status, (rep).result,          \
              (rep).body)

#define EXPECT_RESULT(rep, code)                                                                   \
    CHECK_MSG((rep).status == 401 && (rep).result == (code),                                       \
              "want 401 with result %d: status %d result %d www \"%s\"", (code), (rep).status,     \
              (rep).result, (rep).www)

/* ---------------------------------------------------------------------- */
/* Independent vectors for the test's own digest computation               */
/* ---------------------------------------------------------------------- */

static void test_vectors(void)
{
    char hex[2 * AUTH_HASH_MAX_SIZE + 1];
    struct dreq r;
    memset(&r, 0, sizeof(r));
    r.user = "Mufasa";
    r.pass = "Circle of Life";
    r.realm = "http-auth@example.org";
    r.method = "GET";
    r.uri = "/dir/index.html";
    r.nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    r.nc = "00000001";
    r.cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    r.qop = "auth";
    r.algo = AUTH_ALGO_MD5;
    calc_response(&r, hex);
    CHECK_EQ_STR(hex, "8ca523f5e9506fed4657c9700eebdbec");
    r.algo = AUTH_ALGO_SHA256;
    calc_response(&r, hex);
    CHECK_EQ_STR(hex, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
    const char *p[] = {"Mufasa", "http-auth@example.org", "Circle of Life", NULL};
    hash_parts(AUTH_ALGO_SHA512_256, hex, p);
    CHECK_EQ_STR(hex, "fb174f5c3c7802721517cae13b98e2b8dae2e0118cb705d94ee29946319204ce");
    /* RFC 2617 section 3.5. */
    r.algo = AUTH_ALGO_MD5;
    r.pass = "Circle Of Life";
    r.realm = "testrealm@host.com";
    r.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
    r.cnonce = "0a4f113b";
    calc_response(&r, hex);
    CHECK_EQ_STR(hex, "6629fae49393a05397450978507c4ef1");
}

/* ---------------------------------------------------------------------- */
/* libcurl as the client                                                   */
/* ---------------------------------------------------------------------- */

/* One GET with Digest credentials on `curl` (a reusable handle). */
static void curl_digest(CURL *curl, uint16_t port, const char *path, const char *user,
                        const char *pass, struct tc_reply *out)
{
    struct tc_request rq = {0};
    rq.path = path;
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_DIGEST);
    curl_easy_setopt(curl, CURLOPT_USERNAME, user);
    curl_easy_setopt(curl, CURLOPT_PASSWORD, pass);
    tc_perform(curl, port, &rq, out);
}

static void curl_once(uint16_t port, const char *path, const char *pass, long want,
                      const char *want_body)
{
    CURL *curl = curl_easy_init();
    struct tc_reply r;
    curl_digest(curl, port, path, USER, pass, &r);
    CHECK_MSG(r.status == want, "curl %s (%s): status %ld, want %ld", path, pass, r.status, want);
    if (want_body != NULL)
        CHECK_MSG(strcmp(r.body, want_body) == 0, "curl %s: body \"%s\", want \"%s\"", path, r.body,
                  want_body);
    tc_reply_free(&r);
    curl_easy_cleanup(curl);
}

static void test_curl(uint16_t port)
{
    /* The challenge libcurl gets first. */
    struct tc_reply r;
    char www[1024];
    tc_get(port, "/md5", &r);
    CHECK_EQ_INT(r.status, 401);
    CHECK(tc_header(&r, "WWW-Authenticate", www, sizeof(www)));
    static const char head[] = "Digest realm=\"TestRealm\", qop=\"auth\", algorithm=MD5, nonce=\"";
    CHECK_MSG(strncmp(www, head, strlen(head)) == 0 &&
                  strstr(www, "opaque=\"opaque\\\"v3\"") != NULL,
              "challenge \"%s\"", www);
    tc_reply_free(&r);
    tc_get(port, "/rfc2069", &r);
    CHECK(tc_header(&r, "WWW-Authenticate", www, sizeof(www)));
    CHECK_MSG(strstr(www, "qop") == NULL && strstr(www, "algorithm") == NULL, "2069 \"%s\"", www);
    tc_reply_free(&r);
    tc_get(port, "/userhash", &r);
    CHECK(tc_header(&r, "WWW-Authenticate", www, sizeof(www)));
    CHECK_MSG(strstr(www, "algorithm=SHA-256") && strstr(www, "userhash=true"), "uh \"%s\"", www);
    tc_reply_free(&r);

    curl_once(port, "/md5", PASS, 200, "OK /md5 utype=4");
    curl_once(port, "/md5", "wrong", 401, NULL);
    curl_once(port, "/sha256", PASS, 200, "OK /sha256 utype=4");
    curl_once(port, "/sha256", "wrong", 401, NULL);
    curl_once(port, "/any", PASS, 200, NULL);
    curl_once(port, "/userhash", PASS, 200, "OK /userhash utype=2");
    curl_once(port, "/userhash", "wrong", 401, NULL);
    curl_once(port, "/rfc2069", PASS, 200, "OK /rfc2069 utype=4");
    curl_once(port, "/rfc2069", "wrong", 401, NULL);
    curl_once(port, "/digest3", PASS, 200, NULL);
    curl_once(port, "/digest3", "wrong", 401, NULL);
    curl_once(port, "/legacy", PASS, 200, NULL);
    curl_once(port, "/legacy", "wrong", 401, NULL);
    curl_once(port, "/legacy2", PASS, 200, NULL);
    curl_once(port, "/legacy2auto", PASS, 200, NULL);
    curl_once(port, "/legacyd", PASS, 200, NULL);
    curl_once(port, "/legacyd", "wrong", 401, NULL);
    curl_once(port, "/legacyd2", PASS, 200, NULL);
    curl_once(port, "/legacyd2auto", PASS, 200, NULL);
    curl_once(port, "/legacyd2auto16", PASS, 200, NULL);
    /* libcurl before 8.8 names SHA-512-256 but hashes with SHA-256 (7.88
     * here): a server that really uses SHA-512/256 must refuse that. */
    bool curl_has_sha512_256 = curl_version_info(CURLVERSION_NOW)->version_num >= 0x080800;
    curl_once(port, "/sha512", PASS, curl_has_sha512_256 ? 200 : 401, NULL);
    /* Arguments are part of the digested uri. */
    curl_once(port, "/sha256?a=1&b=x+y&c=%41", PASS, 200, NULL);

    /* One handle, several requests: libcurl reuses the nonce with rising
     * nonce counts on the kept-alive connection. */
    CURL *curl = curl_easy_init();
    for (int i = 0; i < 5; i++) {
        curl_digest(curl, port, "/sha256", USER, PASS, &r);
        CHECK_MSG(r.status == 200, "keep-alive round %d: %ld", i, r.status);
        tc_reply_free(&r);
    }
    curl_easy_cleanup(curl);
}

/* ---------------------------------------------------------------------- */
/* Hand-written requests                                                   */
/* ---------------------------------------------------------------------- */

static void test_raw_algorithms(uint16_t port)
{
    char nonce[256];
    struct raw_reply rep;
    struct dreq r;
    if (fetch_nonce(port, "/sha512", nonce, sizeof(nonce))) {
        r = std_req(AUTH_ALGO_SHA512_256, "SHA-512-256", "/sha512", nonce, "00000001");
        send_dreq(port, NULL, "/sha512", &r, &rep);
        EXPECT_OK(rep);
        send_dreq(port, NULL, "/sha512", &r, &rep); /* the same count again */
        EXPECT_RESULT(rep, MHD_DAUTH_NONCE_STALE);
        CHECK(rep.stale);
        r.nc = "00000002";
        r.pass = "wrong";
        send_dreq(port, NULL, "/sha512", &r, &rep);
        EXPECT_RESULT(rep, MHD_DAUTH_RESPONSE_WRONG);
        CHECK(!rep.stale);
        r.pass = PASS; /* the failure used up nothing */
        send_dreq(port, NULL, "/sha512", &r, &rep);
        EXPECT_OK(rep);
    }
    if (fetch_nonce(port, "/digest3-512", nonce, sizeof(nonce))) {
        r = std_req(AUTH_ALGO_SHA512_256, "SHA-512-256", "/digest3-512", nonce, "00000001");
        send_dreq(port, NULL, "/digest3-512", &r, &rep);
        EXPECT_OK(rep);
    }
    /* ANY_NON_SESSION: whichever the client picks with the nonce. */
    static const struct {
        unsigned int algo;
        const char *name;
    } any[] = {{AUTH_ALGO_MD5, NULL},
               {AUTH_ALGO_SHA256, "SHA-256"},
               {AUTH_ALGO_SHA512_256, "SHA-512-256"},
               {AUTH_ALGO_MD5, "md5"}};
    for (size_t i = 0; i < sizeof(any) / sizeof(any[0]); i++) {
        if (!fetch_nonce(port, "/any", nonce, sizeof(nonce)))
            continue;
        r = std_req(any[i].algo, any[i].name, "/any", nonce, "00000001");
        send_dreq(port, NULL, "/any", &r, &rep);
        EXPECT_OK(rep);
    }
    /* RFC 2069: no qop, the nonce is good for one request only. */
    if (fetch_nonce(port, "/rfc2069", nonce, sizeof(nonce))) {
        r = std_req(AUTH_ALGO_MD5, NULL, "/rfc2069", nonce, NULL);
        r.qop = NULL;
        r.cnonce = NULL;
        send_dreq(port, NULL, "/rfc2069", &r, &rep);
        EXPECT_OK(rep);
        send_dreq(port, NULL, "/rfc2069", &r, &rep);
        EXPECT_RESULT(rep, MHD_DAUTH_NONCE_STALE);
        CHECK(rep.stale);
    }
    /* A qop=auth request to a route that allows only RFC 2069, and the
     * reverse. */
    if (fetch_nonce(port, "/rfc2069", nonce, sizeof(nonce))) {
        r = std_req(AUTH_ALGO_MD5, NULL, "/rfc2069", nonce, "00000001");
        send_dreq(port, NULL, "/rfc2069", &r, &rep);
        EXPECT_RESULT(rep, MHD_DAUTH_WRONG_QOP);
    }
    if (fetch_nonce(port, "/md5", nonce, sizeof(nonce))) {
        r = std_req(AUTH_ALGO_MD5, NULL, "/md5", nonce, NULL);
        r.qop = NULL;
        r.cnonce = NULL;
        send_dreq(port, NULL, "/md5", &r, &rep);
        EXPECT_RESULT(rep, MHD_DAUTH_WRONG_QOP);
    }
}

/* Usernames: userhash with MD5, extended notation, contradictions. */
static void test_raw_usernames(uint16_t port)
{
    char nonce[256];
    struct raw_reply rep;
    struct dreq r;
    if (fetch_nonce(port, "/md5", nonce, sizeof(nonce))) {
        r = std_req(AUTH_ALGO_MD5, "MD5", "/md5", nonce, "00000001");
        r.userhash = true;
        send_dreq(port, NULL, "/md5", &r, &rep);
        EXPECT_OK(rep);
        CHECK_EQ_STR(rep.body, "OK /md5 utype=2");
        r.userhash = false;
        r.user = "admin2";
        r.nc = "00000002";
        send_dreq(port, NULL, "/md5", &r, &rep);
        EXPECT_RESULT(rep, MHD_DAUTH_WRONG_USERNAME);
        /* A userhash of the wrong length for MD5. */
        r.user = USER;
        r.uname = "username=\"00112233445566778899aabbccddeeff00\", userhash=true";
        send_dreq(port, NULL, "/md5", &r, &rep);
        EXPECT_RESULT(rep, MHD_DAUTH_WRONG_USERNAME);
    }
    if (fetch_nonce(port, "/ext", nonce, sizeof(nonce))) {
        r = std_req(AUTH_ALGO_MD5, NULL, "/ext", nonce, "00000001");
        r.user = EXT_USER;
        r.uname = "username*=UTF-8''%C3%A4dmin";
        send_dreq(port, NULL, "/ext", &r, &rep);
        EXPECT_OK(rep);
        CHECK_EQ_STR(rep.body, "OK /ext utype=8");
        r.nc = "00000002";
        r.uname = "username=\"x\", username*=UTF-8''%C3%A4dmin";
        send_dreq(port, NULL, "/ext", &r, &rep);
        EXPECT_RESULT(rep, MHD_DAUTH_WRONG_USERNAME);
        r.uname = "username*=UTF-8''%C3%A4dmin, userhash=true";
        send_dreq(port, NULL, "/ext", &r, &rep);
        EXPECT_RESULT(rep, MHD_DAUTH_WRONG_USERNAME);
        r.uname = "username*=UTF-8''%C3%A";
        send_dreq(port, NULL, "/ext", &r, &rep);
        EXPECT_RESULT(rep, MHD_DAUTH_WRONG_USERNAME);
        /* The standard form of the same bytes works too. */
        r.uname = NULL;
        send_dreq(port, NULL, "/ext", &r, &rep);
        EXPECT_OK(rep);
    }
}

/* One defect at a time on an otherwise valid request, each with the
 * result code the contract assigns to it. */
static void test_raw_malformed(uint16_t port)
{
    char nonce[256];
    struct raw_reply rep;
    struct dreq r;
    raw_req(port, NULL, "GET", "/md5", NULL, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_WRONG_HEADER);
    raw_req(port, NULL, "GET", "/md5", "Basic YWRtaW46c2VjcmV0", &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_WRONG_HEADER);
    raw_req(port, NULL, "GET", "/md5", "Digest username=\"admin", &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_WRONG_HEADER);
    raw_req(port, NULL, "GET", "/md5", "Digest", &rep);
    CHECK_MSG(rep.status == 401 && rep.result <= 0, "bare Digest: %d %d", rep.status, rep.result);
    if (!fetch_nonce(port, "/md5", nonce, sizeof(nonce)))
        return;
    const struct dreq good = std_req(AUTH_ALGO_MD5, "MD5", "/md5", nonce, "00000001");

    r = good;
    r.extra = "realm=\"TestRealm\""; /* a parameter given twice */
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_WRONG_HEADER);
    r = good;
    r.algo_name = "SHA-256";
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_WRONG_ALGO);
    r = good;
    r.algo_name = "MD5-sess";
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_WRONG_ALGO);
    r = good;
    r.algo_name = "SHA3";
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_WRONG_ALGO);
    r = good;
    r.qop = "auth-int";
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_WRONG_QOP);
    r = good;
    r.qop = "bogus";
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_WRONG_QOP);
    r = good;
    r.no_user = true;
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_WRONG_USERNAME);
    r = good;
    r.realm = NULL;
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_WRONG_REALM);
    r = good;
    r.realm = "OtherRealm";
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_WRONG_REALM);
    r = good;
    r.nc = NULL;
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_WRONG_HEADER);
    r = good;
    r.cnonce = NULL;
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_WRONG_HEADER);
    r = good;
    r.nc = "00000000";
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_WRONG_HEADER);
    r = good;
    r.nc = "0000000g";
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_WRONG_HEADER);
    r = good;
    r.nc = "000000001";
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_WRONG_HEADER);
    r = good;
    r.uri = NULL;
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_WRONG_URI);
    r = good;
    r.uri = "/other";
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_WRONG_URI);
    r = good;
    r.nonce = NULL;
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_NONCE_WRONG);
    /* A well-formed nonce we never issued (as test_digestauth_emu_ext). */
    r = good;
    r.nonce = "Zm9vYmFyMTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3Bx";
    send_dreq(port, NULL, "/md5", &r, &rep);
    CHECK_MSG(rep.status == 401 &&
                  (rep.result == MHD_DAUTH_NONCE_WRONG || rep.result == MHD_DAUTH_NONCE_STALE),
              "fake nonce: %d %d", rep.status, rep.result);
    /* Our nonce with one digit changed. */
    char forged[256];
    snprintf(forged, sizeof(forged), "%s", nonce);
    forged[30] = forged[30] == '0' ? '1' : '0';
    r = good;
    r.nonce = forged;
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_NONCE_WRONG);
    r = good;
    r.response = "00000000000000000000000000000000";
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_RESPONSE_WRONG);
    r = good;
    r.response = "";
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_RESPONSE_WRONG);
    r = good;
    r.pass = "wrong";
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_RESPONSE_WRONG);
    /* A cnonce beyond 64 KiB. */
    char *big = malloc(70001);
    memset(big, 'c', 70000);
    big[70000] = '\0';
    r = good;
    r.cnonce = big;
    send_dreq(port, NULL, "/md5", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_TOO_LARGE);
    free(big);
    /* After all these failures the count 1 is still unused. */
    send_dreq(port, NULL, "/md5", &good, &rep);
    EXPECT_OK(rep);
}

/* Nonce counts: replay, reordering within the window, max_nc. */
static void test_raw_counts(uint16_t port)
{
    char nonce[256];
    struct raw_reply rep;
    struct dreq r;
    if (fetch_nonce(port, "/md5", nonce, sizeof(nonce))) {
        r = std_req(AUTH_ALGO_MD5, NULL, "/md5", nonce, "00000001");
        send_dreq(port, NULL, "/md5", &r, &rep);
        EXPECT_OK(rep);
        send_dreq(port, NULL, "/md5", &r, &rep);
        EXPECT_RESULT(rep, MHD_DAUTH_NONCE_STALE);
        CHECK_MSG(rep.stale, "replay answered without stale=true: \"%s\"", rep.www);
        r.nc = "00000005";
        send_dreq(port, NULL, "/md5", &r, &rep);
        EXPECT_OK(rep);
        r.nc = "00000003"; /* late but unused: accepted once */
        send_dreq(port, NULL, "/md5", &r, &rep);
        EXPECT_OK(rep);
        send_dreq(port, NULL, "/md5", &r, &rep);
        EXPECT_RESULT(rep, MHD_DAUTH_NONCE_STALE);
        r.nc = "00000001";
        send_dreq(port, NULL, "/md5", &r, &rep);
        EXPECT_RESULT(rep, MHD_DAUTH_NONCE_STALE);
        r.nc = "0000000A"; /* hex digits in either case */
        send_dreq(port, NULL, "/md5", &r, &rep);
        EXPECT_OK(rep);
    }
    /* max_nc 2 given per call. */
    if (fetch_nonce(port, "/nc", nonce, sizeof(nonce))) {
        r = std_req(AUTH_ALGO_MD5, NULL, "/nc", nonce, "00000002");
        send_dreq(port, NULL, "/nc", &r, &rep);
        EXPECT_OK(rep);
        r.nc = "00000003";
        send_dreq(port, NULL, "/nc", &r, &rep);
        EXPECT_RESULT(rep, MHD_DAUTH_NONCE_STALE);
        CHECK(rep.stale);
    }
    /* The legacy API reports nonce trouble as MHD_INVALID_NONCE and a
     * wrong password as MHD_NO. */
    if (fetch_nonce(port, "/legacy", nonce, sizeof(nonce))) {
        r = std_req(AUTH_ALGO_MD5, "MD5", "/legacy", nonce, "00000001");
        send_dreq(port, NULL, "/legacy", &r, &rep);
        EXPECT_OK(rep);
        send_dreq(port, NULL, "/legacy", &r, &rep);
        EXPECT_RESULT(rep, MHD_INVALID_NONCE);
        CHECK(rep.stale);
        CHECK(strstr(rep.www, "opaque=\"legacy-opaque\"") != NULL);
        r.nc = "00000002";
        r.pass = "wrong";
        send_dreq(port, NULL, "/legacy", &r, &rep);
        EXPECT_RESULT(rep, MHD_NO);
        CHECK(!rep.stale);
        /* A forged nonce is "invalid nonce" to old callers too. */
        char forged[256];
        snprintf(forged, sizeof(forged), "%s", nonce);
        forged[40] = forged[40] == 'a' ? 'b' : 'a';
        r.nonce = forged;
        r.pass = PASS;
        send_dreq(port, NULL, "/legacy", &r, &rep);
        EXPECT_RESULT(rep, MHD_INVALID_NONCE);
    }
    if (fetch_nonce(port, "/legacy2", nonce, sizeof(nonce))) {
        r = std_req(AUTH_ALGO_MD5, "MD5", "/legacy2", nonce, "00000001");
        send_dreq(port, NULL, "/legacy2", &r, &rep); /* SHA-256 only */
        EXPECT_RESULT(rep, MHD_NO);
        CHECK(strstr(rep.www, "algorithm=SHA-256") != NULL);
    }
}

/* Arguments: the uri parameter must name the same multiset. */
static void test_raw_args(uint16_t port)
{
    char nonce[256];
    struct raw_reply rep;
    struct dreq r;
    if (!fetch_nonce(port, "/md5?a=1&b=2", nonce, sizeof(nonce)))
        return;
    r = std_req(AUTH_ALGO_MD5, NULL, "/md5?b=2&a=1", nonce, "00000001");
    send_dreq(port, NULL, "/md5?a=1&b=2", &r, &rep);
    EXPECT_OK(rep);
    r.nc = "00000002";
    r.uri = "/md5?a=1";
    send_dreq(port, NULL, "/md5?a=1&b=2", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_WRONG_URI);
    r.uri = "/md5?a=1&b=2&b=2";
    send_dreq(port, NULL, "/md5?a=1&b=2", &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_WRONG_URI);
    r.uri = "/md5?a=%31&b=2";
    send_dreq(port, NULL, "/md5?a=1&b=2", &r, &rep);
    EXPECT_OK(rep);
    r.nc = "00000003";
    r.uri = "http://127.0.0.1/md5?a=1&b=2";
    send_dreq(port, NULL, "/md5?a=1&b=2", &r, &rep);
    EXPECT_OK(rep);
}

struct info_case {
    const char *auth;
    const char *want;
};

static void test_raw_info(uint16_t port)
{
    static const struct info_case cases[] = {
        {NULL, "info=null|u3=(null)|legacy=(null)"},
        {"Basic YWRtaW46c2VjcmV0", "info=null|u3=(null)|legacy=(null)"},
        {"Digest username=\"admin\", realm=\"TestRealm\", nonce=\"n\", uri=\"/info\", qop=auth, "
         "nc=0000000a, cnonce=\"abcd\", response=\"x\", opaque=\"op\\\"q\", algorithm=SHA-256",
         "algo3=66;utype=4;ulen=5;uhlen=0;bin=;qop=2;cnl=4;nc=10;user=admin;uh=(null);"
         "realm=TestRealm;opaque=op\"q|u3=66,4,admin,(null)|legacy=admin"},
        {"digest username=\"0123456789abcdef0123456789abcdef\", userhash=true, realm=\"R\"",
         "algo3=65;utype=2;ulen=0;uhlen=32;bin=0123456789abcdef0123456789abcdef;qop=1;cnl=0;nc=0;"
         "user=(null);uh=0123456789abcdef0123456789abcdef;realm=R;opaque=(null)"
         "|u3=65,2,(null),0123456789abcdef0123456789abcdef|legacy=(null)"},
        {"Digest username*=UTF-8''%C3%A4dmin, algorithm=SHA-512-256, qop=auth-int",
         "algo3=68;utype=8;ulen=6;uhlen=0;bin=;qop=4;cnl=0;nc=0;user=" EXT_USER
         ";uh=(null);realm=(null);opaque=(null)|u3=68,8," EXT_USER ",(null)|legacy=" EXT_USER},
        {"Digest username=\"a\", username*=UTF-8''b, algorithm=Foo, qop=xyz",
         "algo3=0;utype=1;ulen=0;uhlen=0;bin=;qop=0;cnl=0;nc=0;user=(null);uh=(null);"
         "realm=(null);opaque=(null)|u3=(null)|legacy=(null)"},
        {"Digest realm=\"R\", algorithm=MD5-sess",
         "algo3=129;utype=0;ulen=0;uhlen=0;bin=;qop=1;cnl=0;nc=0;user=(null);uh=(null);"
         "realm=R;opaque=(null)|u3=(null)|legacy=(null)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct raw_reply rep;
        raw_req(port, NULL, "GET", "/info", cases[i].auth, &rep);
        CHECK_MSG(rep.status == 200 && strcmp(rep.body, cases[i].want) == 0,
                  "info %zu: %d\n   got \"%s\"\n  want \"%s\"", i, rep.status, rep.body,
                  cases[i].want);
    }
    /* A request carrying both schemes: each API finds its own header. */
    const char *both = "GET /info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                       "Authorization: Basic YWRtaW46c2VjcmV0\r\n"
                       "Authorization: Digest username=\"admin\"\r\n\r\n";
    char buf[4096];
    rs_exchange(port, both, strlen(both), buf, sizeof(buf), 5000);
    CHECK_MSG(strstr(buf, "|legacy=admin") != NULL, "both schemes: \"%s\"", buf);
}

static void test_raw_misc(uint16_t port)
{
    struct raw_reply rep;
    raw_req(port, NULL, "GET", "/nullresp", NULL, &rep);
    CHECK_EQ_STR(rep.body, "nullok");
    raw_req(port, NULL, "GET", "/badrealm", NULL, &rep);
    CHECK_EQ_STR(rep.body, "refused=6");
}

/* ---------------------------------------------------------------------- */
/* Nonce binding, eviction, defaults (the "aux" daemon)                    */
/* ---------------------------------------------------------------------- */

static void test_bind(uint16_t port)
{
    char nonce[256];
    struct raw_reply rep;
    struct dreq r;
    if (fetch_nonce(port, "/md5?a=1", nonce, sizeof(nonce))) {
        r = std_req(AUTH_ALGO_MD5, NULL, "/md5?a=1", nonce, "00000001");
        send_dreq(port, NULL, "/md5?a=1", &r, &rep);
        EXPECT_OK(rep);
        r.nc = "00000002";
        r.uri = "/md5?a=2";
        send_dreq(port, NULL, "/md5?a=2", &r, &rep);
        EXPECT_RESULT(rep, MHD_DAUTH_NONCE_OTHER_COND);
        r.uri = "/md5b?a=1";
        send_dreq(port, NULL, "/md5b?a=1", &r, &rep);
        EXPECT_RESULT(rep, MHD_DAUTH_NONCE_OTHER_COND);
        r.uri = "/md5?a=1";
        send_dreq(port, "127.0.0.2", "/md5?a=1", &r, &rep);
        EXPECT_RESULT(rep, MHD_DAUTH_NONCE_OTHER_COND);
        r.method = "HEAD";
        send_dreq(port, NULL, "/md5?a=1", &r, &rep);
        EXPECT_RESULT(rep, MHD_DAUTH_NONCE_OTHER_COND);
        /* None of the refusals used up count 2. */
        r.method = "GET";
        send_dreq(port, NULL, "/md5?a=1", &r, &rep);
        EXPECT_OK(rep);
    }
    /* A nonce issued to the other address works there only. */
    if (fetch_nonce_from(port, "127.0.0.2", "GET", "/md5", nonce, sizeof(nonce))) {
        r = std_req(AUTH_ALGO_MD5, NULL, "/md5", nonce, "00000001");
        send_dreq(port, NULL, "/md5", &r, &rep);
        EXPECT_RESULT(rep, MHD_DAUTH_NONCE_OTHER_COND);
        send_dreq(port, "127.0.0.2", "/md5", &r, &rep);
        EXPECT_OK(rep);
    }
    /* The daemon's default max_nc is 3 here. */
    if (fetch_nonce(port, "/md5", nonce, sizeof(nonce))) {
        r = std_req(AUTH_ALGO_MD5, NULL, "/md5", nonce, "00000003");
        send_dreq(port, NULL, "/md5", &r, &rep);
        EXPECT_OK(rep);
        r.nc = "00000004";
        send_dreq(port, NULL, "/md5", &r, &rep);
        EXPECT_RESULT(rep, MHD_DAUTH_NONCE_STALE);
    }
    /* Eight slots: the ninth nonce issued evicts the first. */
    char first[256], other[256];
    if (fetch_nonce(port, "/md5", first, sizeof(first))) {
        for (int i = 0; i < 8; i++)
            fetch_nonce(port, "/md5", other, sizeof(other));
        r = std_req(AUTH_ALGO_MD5, NULL, "/md5", first, "00000001");
        send_dreq(port, NULL, "/md5", &r, &rep);
        EXPECT_RESULT(rep, MHD_DAUTH_NONCE_STALE);
        CHECK(rep.stale);
        r.nonce = other;
        send_dreq(port, NULL, "/md5", &r, &rep);
        EXPECT_OK(rep);
    }
}

/* ---------------------------------------------------------------------- */
/* Concurrent clients                                                      */
/* ---------------------------------------------------------------------- */

struct worker_arg {
    uint16_t port;
    int rounds;
    atomic_int *ok;
};

static void *client_thread(void *p)
{
    struct worker_arg *a = p;
    CURL *curl = curl_easy_init();
    for (int i = 0; i < a->rounds; i++) {
        struct tc_reply r;
        curl_digest(curl, a->port, (i & 1) ? "/sha256" : "/sha256?x=1", USER, PASS, &r);
        if (r.status == 200 && strncmp(r.body, "OK /sha256", 10) == 0)
            atomic_fetch_add(a->ok, 1);
        else
            fprintf(stderr, "concurrent client: status %ld code %d\n", r.status, (int)r.code);
        tc_reply_free(&r);
    }
    curl_easy_cleanup(curl);
    return NULL;
}

static void test_concurrent(uint16_t port, enum ts_mode mode)
{
    enum { THREADS = 6 };
    bool pool = mode == TS_POOL_SELECT || mode == TS_POOL_POLL || mode == TS_POOL_EPOLL;
    int rounds = pool ? 12 : 4;
    atomic_int ok = 0;
    pthread_t th[THREADS];
    struct worker_arg arg = {port, rounds, &ok};
    for (int i = 0; i < THREADS; i++)
        pthread_create(&th[i], NULL, client_thread, &arg);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    CHECK_EQ_INT(atomic_load(&ok), THREADS * rounds);
}

/* ---------------------------------------------------------------------- */
/* Expiry, overlapped with the rest of a mode                              */
/* ---------------------------------------------------------------------- */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Waits until `since` + the timeout + a margin has passed. */
static void wait_expired(uint64_t since)
{
    uint64_t until = since + SHORT_TIMEOUT_S * 1000u + 100u;
    uint64_t t = now_ms();
    if (t < until)
        usleep((useconds_t)((until - t) * 1000u));
}

/* Fetches a nonce for `path` and uses its count 1 at once. */
static bool start_expiry(uint16_t port, const char *path, char *nonce, size_t cap)
{
    struct raw_reply rep;
    if (!fetch_nonce(port, path, nonce, cap))
        return false;
    struct dreq r = std_req(AUTH_ALGO_MD5, NULL, path, nonce, "00000001");
    send_dreq(port, NULL, path, &r, &rep);
    EXPECT_OK(rep);
    return rep.status == 200;
}

/* Count 2 of the same nonce, once it is older than its timeout: stale
 * (not evicted: the tables are large enough). */
static void use_expired(uint16_t port, const char *path, const char *nonce)
{
    struct raw_reply rep;
    /* A fresh nonce still works (and does not evict the old one). */
    char fresh[256];
    if (fetch_nonce(port, path, fresh, sizeof(fresh))) {
        struct dreq f = std_req(AUTH_ALGO_MD5, NULL, path, fresh, "00000001");
        send_dreq(port, NULL, path, &f, &rep);
        EXPECT_OK(rep);
    }
    struct dreq r = std_req(AUTH_ALGO_MD5, NULL, path, nonce, "00000002");
    send_dreq(port, NULL, path, &r, &rep);
    EXPECT_RESULT(rep, MHD_DAUTH_NONCE_STALE);
    CHECK_MSG(rep.stale, "expired nonce answered without stale=true: \"%s\"", rep.www);
}

/* ---------------------------------------------------------------------- */

static const uint8_t entropy[] = "some application entropy";

static void run_mode(enum ts_mode mode)
{
    struct test_server ts, aux, zero;
    const struct MHD_OptionItem main_opts[] = {
        {MHD_OPTION_NONCE_NC_SIZE, 1000, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 256 * 1024, NULL},
        {MHD_OPTION_DIGEST_AUTH_RANDOM_COPY, sizeof(entropy), (void *)(uintptr_t)entropy},
        {MHD_OPTION_CONNECTION_TIMEOUT, 10, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    const struct MHD_OptionItem aux_opts[] = {
        {MHD_OPTION_NONCE_NC_SIZE, 8, NULL},
        {MHD_OPTION_DIGEST_AUTH_NONCE_BIND_TYPE,
         MHD_DAUTH_BIND_NONCE_URI_PARAMS | MHD_DAUTH_BIND_NONCE_CLIENT_IP, NULL},
        {MHD_OPTION_DIGEST_AUTH_DEFAULT_NONCE_TIMEOUT, SHORT_TIMEOUT_S, NULL},
        {MHD_OPTION_DIGEST_AUTH_DEFAULT_MAX_NC, 3, NULL},
        {MHD_OPTION_DIGEST_AUTH_RANDOM, sizeof(entropy), (void *)(uintptr_t)entropy},
        {MHD_OPTION_CONNECTION_TIMEOUT, 10, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    const struct MHD_OptionItem zero_opts[] = {
        {MHD_OPTION_NONCE_NC_SIZE, 0, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    unsigned long failed_before = check_failed_;
    uint64_t t0 = now_ms();
    if (!ts_start(&ts, mode, 0, handler, NULL, main_opts)) {
        CHECK_MSG(0, "start in mode %s", ts_mode_names[mode]);
        return;
    }
    if (!ts_start(&aux, mode, 0, handler, NULL, aux_opts)) {
        CHECK_MSG(0, "start aux in mode %s", ts_mode_names[mode]);
        ts_stop(&ts);
        return;
    }
    /* Nonces to be used after they expire: per-call timeout on the main
     * daemon, the daemon default on aux. */
    char old_main[256] = "", old_aux[256] = "";
    uint64_t issued = now_ms();
    bool have_old = start_expiry(ts.port, "/short", old_main, sizeof(old_main)) &&
                    start_expiry(aux.port, "/md5", old_aux, sizeof(old_aux));

    test_curl(ts.port);
    test_raw_algorithms(ts.port);
    test_raw_usernames(ts.port);
    test_raw_malformed(ts.port);
    test_raw_counts(ts.port);
    test_raw_args(ts.port);
    test_raw_info(ts.port);
    test_raw_misc(ts.port);
    test_concurrent(ts.port, mode);

    if (have_old) {
        wait_expired(issued);
        use_expired(ts.port, "/short", old_main);
        use_expired(aux.port, "/md5", old_aux);
    }
    test_bind(aux.port);
    ts_stop(&aux);
    ts_stop(&ts);

    if (ts_start(&zero, mode, 0, handler, NULL, zero_opts)) {
        struct raw_reply rep;
        raw_req(zero.port, NULL, "GET", "/md5", NULL, &rep);
        CHECK_MSG(rep.status == 500 && strcmp(rep.body, "challenge failed") == 0,
                  "no nonce slots: %d \"%s\"", rep.status, rep.body);
        ts_stop(&zero);
    } else {
        CHECK_MSG(0, "start zero in mode %s", ts_mode_names[mode]);
    }
    printf("mode %-12s %s (%.2f s)\n", ts_mode_names[mode],
           check_failed_ == failed_before ? "ok" : "FAIL", (double)(now_ms() - t0) / 1000.0);
    fflush(stdout);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    test_vectors();
    /* No connection: failure values, never a crash. */
    CHECK(MHD_digest_auth_get_request_info3(NULL) == NULL);
    CHECK(MHD_digest_auth_get_username3(NULL) == NULL);
    CHECK(MHD_digest_auth_get_username(NULL) == NULL);
    CHECK_EQ_INT(MHD_digest_auth_check3(NULL, REALM, USER, PASS, 0, 0,
                                        MHD_DIGEST_AUTH_MULT_QOP_AUTH,
                                        MHD_DIGEST_AUTH_MULT_ALGO3_MD5),
                 MHD_DAUTH_ERROR);
    CHECK_EQ_INT(MHD_digest_auth_check(NULL, REALM, USER, PASS, 0), MHD_NO);
    CHECK_EQ_INT(MHD_queue_auth_fail_response(NULL, REALM, NULL, NULL, 0), MHD_NO);
    TS_FOR_EACH_MODE(mode)
    run_mode(mode);
    curl_global_cleanup();
    return check_done();
}
