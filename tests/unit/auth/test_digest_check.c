/* mhd_digest_check(): every result code, the order in which defects are
 * reported, replay protection through the whole path, userhash, extended
 * usernames, userdigest, RFC 2069, and mutated headers under the guard. */
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "guard.h"

#include "auth/auth.h"
#include "auth/auth_internal.h"

static struct mhd_dauth *D;

/* What the simulated client sends. */
struct client {
    const char *algo_name; /* NULL: no algorithm parameter (MD5) */
    unsigned int algo;
    const char *user;
    const char *realm;
    const char *password;
    const char *method;
    const char *uri;
    const char *nonce;
    const char *nc;
    const char *cnonce;
    const char *qop; /* NULL: RFC 2069 */
    bool userhash;
    const char *extra; /* appended parameters */
};

static char nonce_buf[AUTH_NONCE_LEN + 1];

static struct mhd_auth_request request_n(const char *auth, size_t len, const char *path)
{
    struct mhd_auth_request r;
    memset(&r, 0, sizeof(r));
    r.authorization = auth;
    r.authorization_len = len;
    r.method = "GET";
    r.method_len = 3;
    r.path = path;
    r.path_len = strlen(path);
    r.dauth = D;
    r.now_ms = 1000;
    return r;
}

static struct mhd_auth_request request(const char *auth, const char *path)
{
    return request_n(auth, auth ? strlen(auth) : 0, path);
}

static void new_nonce(void)
{
    struct mhd_auth_request r = request(NULL, "/dir/index.html");
    CHECK(mhd_nonce_issue(D, &r, "realm", 5, nonce_buf));
}

static struct client base(void)
{
    struct client c = {
        "SHA-256",
        AUTH_ALGO_SHA256,
        "Mufasa",
        "realm",
        "Circle of Life",
        "GET",
        "/dir/index.html",
        nonce_buf,
        "00000001",
        "0a4f113b",
        "auth",
        false,
        "",
    };
    return c;
}

static void hex_hash(unsigned int algo, char *out, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void hex_hash(unsigned int algo, char *out, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    struct mhd_hash h;
    uint8_t bin[32];
    mhd_hash_init(&h, algo);
    mhd_hash_update_str(&h, buf);
    mhd_hash_finish(&h, bin);
    mhd_auth_bin_to_hex(bin, mhd_hash_size(algo), out);
}

/* The client's Authorization value, in a static buffer. */
static const char *header(const struct client *c)
{
    static char out[1024];
    char ha1[65], ha2[65], resp[65], uname[160];
    hex_hash(c->algo, ha1, "%s:%s:%s", c->user, c->realm, c->password);
    hex_hash(c->algo, ha2, "%s:%s", c->method, c->uri);
    if (c->qop != NULL)
        hex_hash(c->algo, resp, "%s:%s:%s:%s:%s:%s", ha1, c->nonce, c->nc, c->cnonce, c->qop, ha2);
    else
        hex_hash(c->algo, resp, "%s:%s:%s", ha1, c->nonce, ha2);
    if (c->userhash) {
        char uh[65];
        hex_hash(c->algo, uh, "%s:%s", c->user, c->realm);
        snprintf(uname, sizeof(uname), "username=\"%s\", userhash=true", uh);
    } else {
        snprintf(uname, sizeof(uname), "username=\"%s\"", c->user);
    }
    int n = snprintf(out, sizeof(out),
                     "Digest %s, realm=\"%s\", nonce=\"%s\", uri=\"%s\", "
                     "response=\"%s\"",
                     uname, c->realm, c->nonce, c->uri, resp);
    if (c->algo_name != NULL)
        n += snprintf(out + n, sizeof(out) - (size_t)n, ", algorithm=%s", c->algo_name);
    if (c->qop != NULL)
        n += snprintf(out + n, sizeof(out) - (size_t)n, ", qop=%s, nc=%s, cnonce=\"%s\"", c->qop,
                      c->nc, c->cnonce);
    snprintf(out + n, sizeof(out) - (size_t)n, "%s", c->extra);
    return out;
}

static struct mhd_digest_cred cred(void)
{
    struct mhd_digest_cred k = {"realm",
                                "Mufasa",
                                "Circle of Life",
                                NULL,
                                0,
                                0,
                                0,
                                MHD_DIGEST_AUTH_MULT_QOP_ANY_NON_INT,
                                MHD_DIGEST_AUTH_MULT_ALGO3_ANY_NON_SESSION};
    return k;
}

/* Runs the check with the header flush against an unreadable page. */
static int run_path(const char *auth, const char *path, const struct mhd_digest_cred *k)
{
    struct guard_buf g;
    size_t len = auth ? strlen(auth) : 0;
    char *p = auth ? guard_copy(&g, auth, len) : NULL;
    struct mhd_auth_request r = request_n(p, len, path);
    int res = mhd_digest_check(&r, k);
    if (p)
        guard_free(&g);
    return res;
}

static int run(const char *auth, const struct mhd_digest_cred *k)
{
    return run_path(auth, "/dir/index.html", k);
}

static void check_success(void)
{
    struct mhd_digest_cred k = cred();
    static const struct {
        const char *name;
        unsigned int algo;
    } algos[] = {{NULL, AUTH_ALGO_MD5},
                 {"MD5", AUTH_ALGO_MD5},
                 {"SHA-256", AUTH_ALGO_SHA256},
                 {"sha-512-256", AUTH_ALGO_SHA512_256}};
    for (size_t i = 0; i < 4; i++) {
        new_nonce();
        struct client c = base();
        c.algo_name = algos[i].name;
        c.algo = algos[i].algo;
        CHECK_EQ_INT(run(header(&c), &k), MHD_DAUTH_OK);
        CHECK_EQ_INT(run(header(&c), &k), MHD_DAUTH_NONCE_STALE); /* replay */
        c.nc = "00000002";
        CHECK_EQ_INT(run(header(&c), &k), MHD_DAUTH_OK);
        c.userhash = true;
        c.nc = "00000003";
        CHECK_EQ_INT(run(header(&c), &k), MHD_DAUTH_OK);
        /* With a userdigest instead of the password. */
        uint8_t ud[32];
        enum MHD_DigestAuthAlgo3 a3 = (enum MHD_DigestAuthAlgo3)(64 | algos[i].algo);
        CHECK_EQ_INT(MHD_digest_auth_calc_userdigest(a3, "Mufasa", "realm", "Circle of Life", ud,
                                                     sizeof(ud)),
                     MHD_YES);
        struct mhd_digest_cred kd = k;
        kd.password = NULL;
        kd.userdigest = ud;
        kd.userdigest_size = mhd_hash_size(algos[i].algo);
        kd.malgo3 = (enum MHD_DigestAuthMultiAlgo3)a3;
        c.nc = "00000004";
        CHECK_EQ_INT(run(header(&c), &kd), MHD_DAUTH_OK);
    }
    /* Extended notation for a non-ASCII name. */
    new_nonce();
    struct client c = base();
    c.user = "J\xc3\xa4s\xc3\xb8n Doe";
    char *h = strdup(header(&c));
    char *u = strstr(h, "username=\"");
    char *end = strchr(u + 10, '"');
    char rebuilt[1200];
    snprintf(rebuilt, sizeof(rebuilt), "%.*susername*=UTF-8''J%%C3%%A4s%%C3%%B8n%%20Doe%s",
             (int)(u - h), h, end + 1);
    free(h);
    k.username = "J\xc3\xa4s\xc3\xb8n Doe";
    CHECK_EQ_INT(run(rebuilt, &k), MHD_DAUTH_OK);
    k.username = "Jason Doe";
    CHECK_EQ_INT(run(rebuilt, &k), MHD_DAUTH_WRONG_USERNAME);
    /* RFC 2069: single use. */
    new_nonce();
    k = cred();
    c = base();
    c.qop = NULL;
    c.algo_name = NULL;
    c.algo = AUTH_ALGO_MD5;
    CHECK_EQ_INT(run(header(&c), &k), MHD_DAUTH_OK);
    CHECK_EQ_INT(run(header(&c), &k), MHD_DAUTH_NONCE_STALE);
}

/* Arguments of the request are compared with the uri parameter. */
struct targs {
    const char *key, *value;
};

static void walk_one(const void *cls, mhd_auth_arg_visit visit, void *ctx)
{
    const struct targs *t = cls;
    visit(ctx, t->key, strlen(t->key), t->value, strlen(t->value));
}

static void check_uri(void)
{
    struct mhd_digest_cred k = cred();
    new_nonce();
    struct client c = base();
    c.uri = "/dir/index.html?x=1";
    struct targs t = {"x", "1"};
    struct mhd_auth_request r = request(header(&c), "/dir/index.html");
    r.walk_args = walk_one;
    r.args_cls = &t;
    CHECK_EQ_INT(mhd_digest_check(&r, &k), MHD_DAUTH_OK);
    c.nc = "00000002";
    r = request(header(&c), "/dir/index.html");
    CHECK_EQ_INT(mhd_digest_check(&r, &k), MHD_DAUTH_WRONG_URI); /* no x=1 on the request */
    r = request(header(&c), "/dir/index.html");
    r.walk_args = walk_one;
    r.args_cls = &t;
    t.value = "2";
    CHECK_EQ_INT(mhd_digest_check(&r, &k), MHD_DAUTH_WRONG_URI);
    t.value = "1";
    CHECK_EQ_INT(mhd_digest_check(&r, &k), MHD_DAUTH_OK);
    c.nc = "00000003";
    c.uri = "/other";
    CHECK_EQ_INT(run(header(&c), &k), MHD_DAUTH_WRONG_URI);
}

/* Replaces the first occurrence of `from` in `h` by `to`. */
static const char *subst(const char *h, const char *from, const char *to)
{
    static char out[70000 * 2];
    const char *p = strstr(h, from);
    if (p == NULL)
        return h;
    snprintf(out, sizeof(out), "%.*s%s%s", (int)(p - h), h, to, p + strlen(from));
    return out;
}

static void check_failures(void)
{
    struct mhd_digest_cred k = cred();
    new_nonce();
    struct client c = base();
    const char *ok = strdup(header(&c));

    CHECK_EQ_INT(run(NULL, &k), MHD_DAUTH_WRONG_HEADER);
    CHECK_EQ_INT(run("Basic dTpw", &k), MHD_DAUTH_WRONG_HEADER);
    CHECK_EQ_INT(run(subst(ok, "realm=\"realm\"", "realm=\"realm"), &k), MHD_DAUTH_WRONG_HEADER);
    CHECK_EQ_INT(run(subst(ok, "realm=\"realm\",", "realm=\"realm\" x"), &k),
                 MHD_DAUTH_WRONG_HEADER);

    CHECK_EQ_INT(run(subst(ok, "SHA-256", "SHA-256-sess"), &k), MHD_DAUTH_WRONG_ALGO);
    CHECK_EQ_INT(run(subst(ok, "SHA-256", "SHA-1"), &k), MHD_DAUTH_WRONG_ALGO);
    struct mhd_digest_cred km = k;
    km.malgo3 = MHD_DIGEST_AUTH_MULT_ALGO3_MD5;
    CHECK_EQ_INT(run(ok, &km), MHD_DAUTH_WRONG_ALGO);
    km.malgo3 = MHD_DIGEST_AUTH_MULT_ALGO3_SHA256_SESSION;
    CHECK_EQ_INT(run(ok, &km), MHD_DAUTH_WRONG_ALGO);

    CHECK_EQ_INT(run(subst(ok, "qop=auth", "qop=auth-int"), &k), MHD_DAUTH_WRONG_QOP);
    CHECK_EQ_INT(run(subst(ok, "qop=auth", "qop=bogus"), &k), MHD_DAUTH_WRONG_QOP);
    km = k;
    km.mqop = MHD_DIGEST_AUTH_MULT_QOP_NONE;
    CHECK_EQ_INT(run(ok, &km), MHD_DAUTH_WRONG_QOP);
    struct client c2069 = c;
    c2069.qop = NULL;
    km.mqop = MHD_DIGEST_AUTH_MULT_QOP_AUTH;
    CHECK_EQ_INT(run(header(&c2069), &km), MHD_DAUTH_WRONG_QOP);

    CHECK_EQ_INT(run(subst(ok, "username=\"Mufasa\", ", ""), &k), MHD_DAUTH_WRONG_USERNAME);
    CHECK_EQ_INT(
        run(subst(ok, "username=\"Mufasa\"", "username=\"Mufasa\", username*=UTF-8''M"), &k),
        MHD_DAUTH_WRONG_USERNAME);
    CHECK_EQ_INT(run(subst(ok, "username=\"Mufasa\"", "username*=UTF-8''%G0"), &k),
                 MHD_DAUTH_WRONG_USERNAME);
    CHECK_EQ_INT(run(subst(ok, "username=\"Mufasa\"", "username=\"abcd\", userhash=true"), &k),
                 MHD_DAUTH_WRONG_USERNAME); /* userhash of the wrong length */
    km = k;
    km.username = "Simba";
    CHECK_EQ_INT(run(ok, &km), MHD_DAUTH_WRONG_USERNAME);
    struct client cu = c;
    cu.userhash = true;
    CHECK_EQ_INT(run(header(&cu), &km), MHD_DAUTH_WRONG_USERNAME);

    CHECK_EQ_INT(run(subst(ok, "realm=\"realm\", ", ""), &k), MHD_DAUTH_WRONG_REALM);
    km = k;
    km.realm = "other";
    CHECK_EQ_INT(run(ok, &km), MHD_DAUTH_WRONG_REALM);

    char *big = malloc(AUTH_DIGEST_PARAM_MAX + 2);
    memset(big, 'a', AUTH_DIGEST_PARAM_MAX + 1);
    big[AUTH_DIGEST_PARAM_MAX + 1] = '\0';
    char *param = malloc(AUTH_DIGEST_PARAM_MAX + 40);
    snprintf(param, AUTH_DIGEST_PARAM_MAX + 40, "cnonce=\"%s\"", big);
    CHECK_EQ_INT(run(subst(ok, "cnonce=\"0a4f113b\"", param), &k), MHD_DAUTH_TOO_LARGE);
    snprintf(param, AUTH_DIGEST_PARAM_MAX + 40, "uri=\"/%s\"", big);
    CHECK_EQ_INT(run(subst(ok, "uri=\"/dir/index.html\"", param), &k), MHD_DAUTH_TOO_LARGE);
    snprintf(param, AUTH_DIGEST_PARAM_MAX + 40, "realm=\"%s\"", big);
    km = k;
    km.realm = big;
    CHECK_EQ_INT(run(subst(ok, "realm=\"realm\"", param), &km), MHD_DAUTH_TOO_LARGE);
    free(param);
    free(big);

    CHECK_EQ_INT(run(subst(ok, ", nc=00000001", ""), &k), MHD_DAUTH_WRONG_HEADER);
    CHECK_EQ_INT(run(subst(ok, "nc=00000001", "nc="), &k), MHD_DAUTH_WRONG_HEADER);
    CHECK_EQ_INT(run(subst(ok, "nc=00000001", "nc=000000001"), &k), MHD_DAUTH_WRONG_HEADER);
    CHECK_EQ_INT(run(subst(ok, "cnonce=\"0a4f113b\"", "cnonce=\"\""), &k), MHD_DAUTH_WRONG_HEADER);
    CHECK_EQ_INT(run(subst(ok, ", cnonce=\"0a4f113b\"", ""), &k), MHD_DAUTH_WRONG_HEADER);
    CHECK_EQ_INT(run(subst(ok, "nc=00000001", "nc=0000000x"), &k), MHD_DAUTH_WRONG_HEADER);
    CHECK_EQ_INT(run(subst(ok, "nc=00000001", "nc=00000000"), &k), MHD_DAUTH_WRONG_HEADER);

    CHECK_EQ_INT(run(subst(ok, "uri=\"/dir/index.html\", ", ""), &k), MHD_DAUTH_WRONG_URI);
    CHECK_EQ_INT(run(subst(ok, "uri=\"/dir/index.html\"", "uri=\"\""), &k), MHD_DAUTH_WRONG_URI);

    char fake[AUTH_NONCE_LEN + 32];
    snprintf(fake, sizeof(fake), "nonce=\"%s\"", nonce_buf);
    CHECK_EQ_INT(run(subst(ok, fake, "nonce=\"\""), &k), MHD_DAUTH_NONCE_WRONG);
    CHECK_EQ_INT(run(subst(ok, fake, "x=y"), &k), MHD_DAUTH_NONCE_WRONG);
    CHECK_EQ_INT(run(subst(ok, fake, "nonce=\"0123456789abcdef0123456789abcdef0123456789ab\""), &k),
                 MHD_DAUTH_NONCE_WRONG);

    CHECK_EQ_INT(run(subst(ok, "response=\"", "x=\""), &k), MHD_DAUTH_RESPONSE_WRONG);
    km = k;
    km.password = "wrong";
    CHECK_EQ_INT(run(ok, &km), MHD_DAUTH_RESPONSE_WRONG);
    CHECK_EQ_INT(run(subst(ok, "response=\"", "response=\"0"), &k), MHD_DAUTH_RESPONSE_WRONG);
    CHECK_EQ_INT(run(subst(ok, "response=\"", "response=\"\", x=\""), &k),
                 MHD_DAUTH_RESPONSE_WRONG);
    {
        /* Right length, not hex. */
        const char *r = strstr(ok, "response=\"") + 10;
        char bad[80];
        snprintf(bad, sizeof(bad), "response=\"%.*s", 64, r);
        char repl[80];
        snprintf(repl, sizeof(repl), "response=\"z%.*s", 63, r + 1);
        CHECK_EQ_INT(run(subst(ok, bad, repl), &k), MHD_DAUTH_RESPONSE_WRONG);
    }

    km = k;
    km.max_nc = 5;
    struct client cn = c;
    cn.nc = "00000006";
    CHECK_EQ_INT(run(header(&cn), &km), MHD_DAUTH_NONCE_STALE);
    cn.nc = "00000005";
    CHECK_EQ_INT(run(header(&cn), &km), MHD_DAUTH_OK);
    free((void *)ok);
}

/* The nonce ages with req->now_ms; the per-call and daemon timeouts. */
static void check_stale(void)
{
    struct mhd_digest_cred k = cred();
    new_nonce(); /* issued at 1000 ms */
    struct client c = base();
    struct mhd_auth_request r = request(header(&c), "/dir/index.html");
    r.now_ms = 1000 + 90001; /* daemon default 90 s */
    CHECK_EQ_INT(mhd_digest_check(&r, &k), MHD_DAUTH_NONCE_STALE);
    k.nonce_timeout = 100;
    CHECK_EQ_INT(mhd_digest_check(&r, &k), MHD_DAUTH_OK);
    /* Evicted: the table has 4 slots. */
    new_nonce();
    const char *h = strdup(header(&c));
    for (int i = 0; i < 4; i++) {
        char tmp[AUTH_NONCE_LEN + 1];
        struct mhd_auth_request q = request(NULL, "/");
        CHECK(mhd_nonce_issue(D, &q, "realm", 5, tmp));
    }
    k = cred();
    CHECK_EQ_INT(run(h, &k), MHD_DAUTH_NONCE_STALE);
    free((void *)h);
}

static void check_bind(void)
{
    struct mhd_dauth_config cfg = {NULL, 0, false, 4, MHD_DAUTH_BIND_NONCE_URI, 90, 1000};
    struct mhd_dauth *saved = D;
    D = mhd_dauth_create(&cfg);
    new_nonce(); /* issued for GET /dir/index.html */
    struct mhd_digest_cred k = cred();
    struct client c = base();
    c.uri = "/elsewhere";
    CHECK_EQ_INT(run_path(header(&c), "/elsewhere", &k), MHD_DAUTH_NONCE_OTHER_COND);
    c.uri = "/dir/index.html";
    CHECK_EQ_INT(run(header(&c), &k), MHD_DAUTH_OK);
    mhd_dauth_destroy(D);
    D = saved;
}

/* When several things are wrong, the contract's order decides. */
static void check_order(void)
{
    struct mhd_digest_cred k = cred();
    new_nonce();
    struct client c = base();
    const char *fake = "0123456789abcdef0123456789abcdef0123456789ab";
    struct mhd_digest_cred wrong_user = k;
    wrong_user.username = "Simba";
    struct mhd_digest_cred md5_only = k;
    md5_only.malgo3 = MHD_DIGEST_AUTH_MULT_ALGO3_MD5;
    struct mhd_digest_cred bad_pw = k;
    bad_pw.password = "x";

    CHECK_EQ_INT(run(header(&c), &(struct mhd_digest_cred){"realm", "Simba", "x", NULL, 0, 0, 0,
                                                           MHD_DIGEST_AUTH_MULT_QOP_AUTH,
                                                           MHD_DIGEST_AUTH_MULT_ALGO3_MD5}),
                 MHD_DAUTH_WRONG_ALGO);
    struct client q = c;
    q.qop = "auth-int";
    CHECK_EQ_INT(run(header(&q), &wrong_user), MHD_DAUTH_WRONG_QOP);
    CHECK_EQ_INT(run(subst(header(&c), "realm=\"realm\"", "realm=\"x\""), &wrong_user),
                 MHD_DAUTH_WRONG_REALM);
    q = c;
    q.nonce = fake;
    CHECK_EQ_INT(run(header(&q), &wrong_user), MHD_DAUTH_WRONG_USERNAME);
    CHECK_EQ_INT(run(header(&q), &bad_pw), MHD_DAUTH_NONCE_WRONG); /* before the response */
    q.nc = "ffffffff";
    CHECK_EQ_INT(run(header(&q), &bad_pw), MHD_DAUTH_NONCE_STALE); /* nc before the nonce */
    q = c;
    q.uri = "/wrong";
    CHECK_EQ_INT(run(header(&q), &bad_pw), MHD_DAUTH_WRONG_URI); /* uri before response */
    CHECK_EQ_INT(run(subst(header(&c), "uri=\"/dir/index.html\", ", ""), &md5_only),
                 MHD_DAUTH_WRONG_ALGO);
    CHECK_EQ_INT(
        run(subst(subst(header(&c), "uri=\"/dir/index.html\", ", ""), ", nc=00000001", ""), &k),
        MHD_DAUTH_WRONG_HEADER); /* nc checked before uri */
}

static void check_errors(void)
{
    struct mhd_digest_cred k = cred();
    new_nonce();
    struct client c = base();
    const char *h = strdup(header(&c));
    struct mhd_digest_cred e = k;
    e.realm = NULL;
    CHECK_EQ_INT(run(h, &e), MHD_DAUTH_ERROR);
    e = k;
    e.username = NULL;
    CHECK_EQ_INT(run(h, &e), MHD_DAUTH_ERROR);
    e = k;
    e.password = NULL;
    CHECK_EQ_INT(run(h, &e), MHD_DAUTH_ERROR);
    struct mhd_auth_request r = request(h, "/dir/index.html");
    r.dauth = NULL;
    CHECK_EQ_INT(mhd_digest_check(&r, &k), MHD_DAUTH_ERROR);
    /* Failing each allocation in turn: ERROR, never a crash; the nonce is
     * only consumed by the run that succeeds. */
    int oks = 0;
    for (unsigned long n = 1; n <= 4; n++) {
        mhd_alloc_fail_at(n);
        int res = run(h, &k);
        mhd_alloc_fail_at(0);
        CHECK(res == MHD_DAUTH_ERROR || res == MHD_DAUTH_OK || res == MHD_DAUTH_NONCE_STALE);
        oks += res == MHD_DAUTH_OK;
    }
    CHECK_EQ_INT(oks, 1);
    free((void *)h);
}

/* A userdigest with an ambiguous algorithm or size is a programming error. */
static void check_panics(void)
{
    static const struct {
        unsigned int malgo3;
        size_t size;
    } v[] = {{MHD_DIGEST_AUTH_MULT_ALGO3_ANY_NON_SESSION, 16},
             {MHD_DIGEST_AUTH_MULT_ALGO3_SHA_ANY_NON_SESSION, 32},
             {MHD_DIGEST_AUTH_MULT_ALGO3_MD5, 32},
             {MHD_DIGEST_AUTH_MULT_ALGO3_SHA256, 16},
             {0, 16}};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        pid_t pid = fork();
        if (pid == 0) {
            uint8_t ud[32] = {0};
            struct mhd_digest_cred k = cred();
            k.password = NULL;
            k.userdigest = ud;
            k.userdigest_size = v[i].size;
            k.malgo3 = (enum MHD_DigestAuthMultiAlgo3)v[i].malgo3;
            fclose(stderr);
            (void)run("Digest", &k);
            _exit(0);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        CHECK_MSG(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "case %zu did not panic", i);
    }
}

/* Mutations of a valid header: no crash, no overread, no leak. */
static void check_fuzz(void)
{
    struct mhd_digest_cred k = cred();
    new_nonce();
    struct client c = base();
    c.userhash = true;
    char *ok = strdup(header(&c));
    size_t len = strlen(ok);
    char *buf = malloc(len + 1);
    uint32_t x = 1;
    int oks = 0;
    for (size_t cut = 0; cut < len; cut++)
        oks += run_path(subst(ok, ok + cut, ""), "/dir/index.html", &k) == MHD_DAUTH_OK;
    for (unsigned int round = 0; round < 20000; round++) {
        memcpy(buf, ok, len + 1);
        for (int m = 0; m < 1 + (int)(round % 3); m++) {
            x = x * 1664525u + 1013904223u;
            buf[(x >> 8) % len] =
                (round & 1) ? (char)((x >> 24) | 1) : "\"\\,= 0fa%'*"[(x >> 24) % 11];
        }
        oks += run(buf, &k) == MHD_DAUTH_OK;
    }
    CHECK(oks <= 1);
    free(buf);
    free(ok);
}

int main(void)
{
    struct mhd_dauth_config cfg = {"0123456789", 10, true, 4, 0, 90, 1000};
    D = mhd_dauth_create(&cfg);
    check_success();
    check_uri();
    check_failures();
    check_stale();
    check_bind();
    check_order();
    check_errors();
    check_panics();
    check_fuzz();
    mhd_dauth_destroy(D);
    return check_done();
}
