/* Nonces: format, recognition of forged and foreign nonces, ageing with a
 * caller-supplied clock, the nonce-count table (replays, late counts,
 * RFC 2069 single use, eviction), bind conditions, and concurrent use. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"

#include "auth/auth.h"
#include "auth/auth_internal.h"

static struct mhd_dauth *make(unsigned int nc_size, unsigned int bind)
{
    struct mhd_dauth_config cfg = {"entropy", 7, false, nc_size, bind, 90, 1000};
    struct mhd_dauth *d = mhd_dauth_create(&cfg);
    CHECK(d != NULL);
    return d;
}

static struct mhd_auth_request base_req(struct mhd_dauth *d, uint64_t now)
{
    struct mhd_auth_request r;
    memset(&r, 0, sizeof(r));
    r.method = "GET";
    r.method_len = 3;
    r.path = "/p";
    r.path_len = 2;
    r.dauth = d;
    r.now_ms = now;
    return r;
}

static void issue(struct mhd_dauth *d, uint64_t now, char *out)
{
    struct mhd_auth_request r = base_req(d, now);
    CHECK(mhd_nonce_issue(d, &r, "realm", 5, out));
}

static int check_nc(struct mhd_dauth *d, const char *n, uint64_t now, uint32_t nc)
{
    struct mhd_nonce_ref ref;
    return mhd_nonce_check(d, n, strlen(n), now, 90, nc, &ref);
}

/* check, then commit: what a successful authentication does. */
static bool use(struct mhd_dauth *d, const char *n, uint64_t now, uint32_t nc)
{
    struct mhd_nonce_ref ref;
    if (mhd_nonce_check(d, n, strlen(n), now, 90, nc, &ref) != MHD_DAUTH_OK)
        return false;
    return mhd_nonce_commit(d, &ref, nc);
}

static void check_format(void)
{
    struct mhd_dauth *d = make(8, 0);
    char a[AUTH_NONCE_LEN + 1], b[AUTH_NONCE_LEN + 1];
    issue(d, 1000, a);
    issue(d, 1000, b);
    CHECK_EQ_SIZE(strlen(a), AUTH_NONCE_LEN);
    CHECK_EQ_SIZE(strspn(a, "0123456789abcdef"), AUTH_NONCE_LEN);
    CHECK(strcmp(a, b) != 0); /* same millisecond, still unique */
    CHECK_EQ_INT(check_nc(d, a, 1000, 1), MHD_DAUTH_OK);
    CHECK_EQ_INT(check_nc(d, b, 1000, 1), MHD_DAUTH_OK);
    mhd_dauth_destroy(d);
}

static void check_forgery(void)
{
    struct mhd_dauth *d = make(8, 0), *other = make(8, 0);
    char n[AUTH_NONCE_LEN + 1], m[AUTH_NONCE_LEN + 1];
    issue(d, 5000, n);
    /* Any change to time, seq or id tag (the first 56 digits) is caught. */
    unsigned long missed = 0;
    for (size_t i = 0; i < 56; i++) {
        memcpy(m, n, sizeof(n));
        m[i] = m[i] == '0' ? '1' : '0';
        missed += check_nc(d, m, 5000, 1) != MHD_DAUTH_NONCE_WRONG;
    }
    CHECK_MSG(missed == 0, "%lu altered nonces were not reported as wrong", missed);
    /* The bind tag is judged later, against the request. */
    memcpy(m, n, sizeof(n));
    m[AUTH_NONCE_LEN - 1] = m[AUTH_NONCE_LEN - 1] == '0' ? '1' : '0';
    struct mhd_nonce_ref ref;
    CHECK_EQ_INT(mhd_nonce_check(d, m, AUTH_NONCE_LEN, 5000, 90, 1, &ref), MHD_DAUTH_OK);
    struct mhd_auth_request r = base_req(d, 5000);
    CHECK(!mhd_nonce_bind_matches(d, &ref, &r, "realm", 5));
    CHECK_EQ_INT(mhd_nonce_check(d, n, AUTH_NONCE_LEN, 5000, 90, 1, &ref), MHD_DAUTH_OK);
    CHECK(mhd_nonce_bind_matches(d, &ref, &r, "realm", 5));
    /* Ours only: other daemons, other lengths, other alphabets. */
    CHECK_EQ_INT(check_nc(other, n, 5000, 1), MHD_DAUTH_NONCE_WRONG);
    CHECK_EQ_INT(mhd_nonce_check(d, n, AUTH_NONCE_LEN - 1, 5000, 90, 1, &ref),
                 MHD_DAUTH_NONCE_WRONG);
    CHECK_EQ_INT(check_nc(d, "0123456789abcdef0123456789abcdef0123456789ab", 5000, 1),
                 MHD_DAUTH_NONCE_WRONG);
    memcpy(m, n, sizeof(n));
    for (size_t i = 0; i < AUTH_NONCE_LEN; i++)
        if (m[i] >= 'a')
            m[i] = (char)(m[i] - 'a' + 'A');
    CHECK(strcmp(m, n) == 0 || check_nc(d, m, 5000, 1) == MHD_DAUTH_NONCE_WRONG);
    memset(m, 'g', AUTH_NONCE_LEN);
    CHECK_EQ_INT(check_nc(d, m, 5000, 1), MHD_DAUTH_NONCE_WRONG);
    mhd_dauth_destroy(d);
    mhd_dauth_destroy(other);
}

static void check_age(void)
{
    struct mhd_dauth *d = make(4, 0);
    char n[AUTH_NONCE_LEN + 1];
    issue(d, 1000000, n);
    struct mhd_nonce_ref ref;
    CHECK_EQ_INT(mhd_nonce_check(d, n, AUTH_NONCE_LEN, 1000000 + 90000, 90, 1, &ref), MHD_DAUTH_OK);
    CHECK_EQ_INT(mhd_nonce_check(d, n, AUTH_NONCE_LEN, 1000000 + 90001, 90, 1, &ref),
                 MHD_DAUTH_NONCE_STALE);
    CHECK_EQ_INT(mhd_nonce_check(d, n, AUTH_NONCE_LEN, 1000000 + 5000, 5, 1, &ref), MHD_DAUTH_OK);
    CHECK_EQ_INT(mhd_nonce_check(d, n, AUTH_NONCE_LEN, 1000000 + 5001, 5, 1, &ref),
                 MHD_DAUTH_NONCE_STALE);
    /* A clock behind the nonce's time: issued by us, so not stale. */
    CHECK_EQ_INT(mhd_nonce_check(d, n, AUTH_NONCE_LEN, 10, 90, 1, &ref), MHD_DAUTH_OK);
    /* The largest timeout does not overflow. */
    uint64_t far = 1000000 + (uint64_t)0xffffffffu * 1000u;
    CHECK_EQ_INT(mhd_nonce_check(d, n, AUTH_NONCE_LEN, far, 0xffffffffu, 1, &ref), MHD_DAUTH_OK);
    CHECK_EQ_INT(mhd_nonce_check(d, n, AUTH_NONCE_LEN, far + 1, 0xffffffffu, 1, &ref),
                 MHD_DAUTH_NONCE_STALE);
    mhd_dauth_destroy(d);
}

static void check_counts(void)
{
    struct mhd_dauth *d = make(4, 0);
    char n[AUTH_NONCE_LEN + 1];
    issue(d, 0, n);
    CHECK(use(d, n, 0, 1));
    CHECK(!use(d, n, 0, 1)); /* replay */
    CHECK_EQ_INT(check_nc(d, n, 0, 1), MHD_DAUTH_NONCE_STALE);
    CHECK(use(d, n, 0, 2));
    CHECK(use(d, n, 0, 5));
    CHECK(use(d, n, 0, 3)); /* late but unused */
    CHECK(!use(d, n, 0, 3));
    CHECK(use(d, n, 0, 4));
    CHECK(!use(d, n, 0, 5));
    CHECK(!use(d, n, 0, 2));
    CHECK(use(d, n, 0, 100));
    CHECK(use(d, n, 0, 36));  /* 64 below the highest */
    CHECK(!use(d, n, 0, 35)); /* 65 below: outside the window */
    CHECK(!use(d, n, 0, 36));
    CHECK(!use(d, n, 0, 0));       /* RFC 2069 use of a used nonce */
    CHECK(use(d, n, 0, 100 + 64)); /* the old highest slides to bit 63 */
    CHECK(!use(d, n, 0, 100));
    CHECK(use(d, n, 0, 99 + 64 - 62));
    CHECK(use(d, n, 0, 0xffffffffu));
    CHECK(!use(d, n, 0, 0xffffffffu));
    /* check() alone changes nothing. */
    issue(d, 0, n);
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(check_nc(d, n, 0, 7), MHD_DAUTH_OK);
    CHECK(use(d, n, 0, 7));
    mhd_dauth_destroy(d);
}

static void check_rfc2069_single_use(void)
{
    struct mhd_dauth *d = make(4, 0);
    char n[AUTH_NONCE_LEN + 1];
    issue(d, 0, n);
    CHECK_EQ_INT(check_nc(d, n, 0, 0), MHD_DAUTH_OK);
    CHECK(use(d, n, 0, 0));
    CHECK_EQ_INT(check_nc(d, n, 0, 0), MHD_DAUTH_NONCE_STALE);
    CHECK_EQ_INT(check_nc(d, n, 0, 1), MHD_DAUTH_NONCE_STALE);
    mhd_dauth_destroy(d);
}

static void check_eviction(void)
{
    struct mhd_dauth *d = make(4, 0);
    char n[6][AUTH_NONCE_LEN + 1];
    for (int i = 0; i < 6; i++)
        issue(d, (uint64_t)i, n[i]);
    CHECK_EQ_INT(check_nc(d, n[0], 10, 1), MHD_DAUTH_NONCE_STALE);
    CHECK_EQ_INT(check_nc(d, n[1], 10, 1), MHD_DAUTH_NONCE_STALE);
    for (int i = 2; i < 6; i++)
        CHECK(use(d, n[i], 10, 1));
    mhd_dauth_destroy(d);

    d = make(0, 0);
    struct mhd_auth_request r = base_req(d, 0);
    char x[AUTH_NONCE_LEN + 1];
    CHECK(!mhd_nonce_issue(d, &r, "realm", 5, x));
    mhd_dauth_destroy(d);

    d = make(1, 0);
    issue(d, 0, n[0]);
    CHECK(use(d, n[0], 0, 1));
    issue(d, 0, n[1]);
    CHECK_EQ_INT(check_nc(d, n[0], 0, 2), MHD_DAUTH_NONCE_STALE);
    CHECK(use(d, n[1], 0, 1));
    mhd_dauth_destroy(d);
}

struct targs {
    const char *const *kv; /* key, value pairs; value NULL for a bare key */
    size_t n;
};

static void walk(const void *cls, mhd_auth_arg_visit visit, void *ctx)
{
    const struct targs *t = cls;
    for (size_t i = 0; i < t->n; i++) {
        const char *v = t->kv[2 * i + 1];
        visit(ctx, t->kv[2 * i], strlen(t->kv[2 * i]), v, v ? strlen(v) : 0);
    }
}

/* Issues for `a` and tells whether the nonce fits `b` under `bind`. */
static bool bind_same(unsigned int bind, const struct mhd_auth_request *a, const char *realm_a,
                      struct mhd_auth_request *b, const char *realm_b)
{
    struct mhd_dauth *d = make(4, bind);
    struct mhd_auth_request ia = *a, ib = *b;
    ia.dauth = ib.dauth = d;
    char n[AUTH_NONCE_LEN + 1];
    struct mhd_nonce_ref ref;
    CHECK(mhd_nonce_issue(d, &ia, realm_a, strlen(realm_a), n));
    CHECK_EQ_INT(mhd_nonce_check(d, n, AUTH_NONCE_LEN, ib.now_ms, 90, 1, &ref), MHD_DAUTH_OK);
    bool same = mhd_nonce_bind_matches(d, &ref, &ib, realm_b, strlen(realm_b));
    mhd_dauth_destroy(d);
    return same;
}

static void check_binding(void)
{
    static const char *const kv1[] = {"a", "1", "b", NULL};
    static const char *const kv2[] = {"a", "2", "b", NULL};
    static const char *const kv3[] = {"a", "1", "b", ""};
    struct targs t1 = {kv1, 2}, t2 = {kv2, 2}, t3 = {kv3, 2};
    struct sockaddr_in ip1, ip1b, ip2;
    memset(&ip1, 0, sizeof(ip1));
    ip1.sin_family = AF_INET;
    ip1.sin_port = htons(1111);
    inet_pton(AF_INET, "192.0.2.1", &ip1.sin_addr);
    ip1b = ip1;
    ip1b.sin_port = htons(2222);
    ip2 = ip1;
    inet_pton(AF_INET, "192.0.2.2", &ip2.sin_addr);
    struct sockaddr_in6 v6a, v6b;
    memset(&v6a, 0, sizeof(v6a));
    v6a.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "2001:db8::1", &v6a.sin6_addr);
    v6b = v6a;
    inet_pton(AF_INET6, "2001:db8::2", &v6b.sin6_addr);

    struct mhd_auth_request a = base_req(NULL, 100), b;
    a.walk_args = walk;
    a.args_cls = &t1;
    a.client_addr = (const struct sockaddr *)&ip1;
    a.client_addr_len = sizeof(ip1);

    /* Nothing bound: anything goes. */
    b = a;
    b.path = "/other";
    b.path_len = 6;
    b.method = "POST";
    b.method_len = 4;
    b.args_cls = &t2;
    b.client_addr = (const struct sockaddr *)&ip2;
    CHECK(bind_same(MHD_DAUTH_BIND_NONCE_NONE, &a, "r1", &b, "r2"));
    CHECK(!bind_same(MHD_DAUTH_BIND_NONCE_REALM, &a, "r1", &a, "r2"));
    CHECK(bind_same(MHD_DAUTH_BIND_NONCE_REALM, &a, "r1", &b, "r1"));
    /* URI: method and path, not the arguments. */
    b = a;
    b.args_cls = &t2;
    CHECK(bind_same(MHD_DAUTH_BIND_NONCE_URI, &a, "r", &b, "r"));
    b.path = "/q";
    CHECK(!bind_same(MHD_DAUTH_BIND_NONCE_URI, &a, "r", &b, "r"));
    b = a;
    b.method = "PUT";
    CHECK(!bind_same(MHD_DAUTH_BIND_NONCE_URI, &a, "r", &b, "r"));
    /* URI_PARAMS: arguments too, a NULL value differs from "". */
    b = a;
    CHECK(bind_same(MHD_DAUTH_BIND_NONCE_URI_PARAMS, &a, "r", &b, "r"));
    b.args_cls = &t2;
    CHECK(!bind_same(MHD_DAUTH_BIND_NONCE_URI_PARAMS, &a, "r", &b, "r"));
    b.args_cls = &t3;
    CHECK(!bind_same(MHD_DAUTH_BIND_NONCE_URI_PARAMS, &a, "r", &b, "r"));
    b = a;
    b.walk_args = NULL;
    CHECK(!bind_same(MHD_DAUTH_BIND_NONCE_URI_PARAMS, &a, "r", &b, "r"));
    b = a;
    b.path = "/q";
    CHECK(!bind_same(MHD_DAUTH_BIND_NONCE_URI_PARAMS, &a, "r", &b, "r"));
    /* Client address, port ignored. */
    b = a;
    b.client_addr = (const struct sockaddr *)&ip1b;
    CHECK(bind_same(MHD_DAUTH_BIND_NONCE_CLIENT_IP, &a, "r", &b, "r"));
    b.client_addr = (const struct sockaddr *)&ip2;
    CHECK(!bind_same(MHD_DAUTH_BIND_NONCE_CLIENT_IP, &a, "r", &b, "r"));
    b.client_addr = NULL;
    CHECK(!bind_same(MHD_DAUTH_BIND_NONCE_CLIENT_IP, &a, "r", &b, "r"));
    b = a;
    a.client_addr = (const struct sockaddr *)&v6a;
    a.client_addr_len = sizeof(v6a);
    b.client_addr = (const struct sockaddr *)&v6a;
    b.client_addr_len = sizeof(v6a);
    CHECK(bind_same(MHD_DAUTH_BIND_NONCE_CLIENT_IP, &a, "r", &b, "r"));
    b.client_addr = (const struct sockaddr *)&v6b;
    CHECK(!bind_same(MHD_DAUTH_BIND_NONCE_CLIENT_IP, &a, "r", &b, "r"));
    /* All together. */
    b = a;
    CHECK(bind_same(15, &a, "r", &b, "r"));
    CHECK(!bind_same(15, &a, "r", &b, "R"));
}

/* The random buffer is only read during creation. */
static void check_create(void)
{
    char *buf = malloc(32);
    memset(buf, 7, 32);
    struct mhd_dauth_config cfg = {buf, 32, false, 4, 0, 0, 0};
    struct mhd_dauth *d = mhd_dauth_create(&cfg);
    free(buf);
    CHECK(d != NULL);
    CHECK_EQ_INT(mhd_dauth_default_timeout(d), 90);
    CHECK_EQ_SIZE(mhd_dauth_default_max_nc(d), 1000);
    char n[AUTH_NONCE_LEN + 1];
    issue(d, 0, n);
    CHECK(use(d, n, 0, 1));
    mhd_dauth_destroy(d);
    mhd_dauth_destroy(NULL);
    struct mhd_dauth_config none = {NULL, 0, true, 3, 0, 10, 20};
    d = mhd_dauth_create(&none);
    CHECK(d != NULL);
    CHECK_EQ_INT(mhd_dauth_default_timeout(d), 10);
    CHECK_EQ_SIZE(mhd_dauth_default_max_nc(d), 20);
    mhd_dauth_destroy(d);
    for (unsigned long k = 1; k <= 2; k++) {
        mhd_alloc_fail_at(k);
        CHECK(mhd_dauth_create(&none) == NULL);
    }
    mhd_alloc_fail_at(0);
    uint64_t t1 = mhd_dauth_now_ms(), t2 = mhd_dauth_now_ms();
    CHECK(t2 >= t1);
}

/* Threads issue and use nonces at once; each count succeeds once. */
struct race {
    struct mhd_dauth *d;
    const char *shared;
    unsigned int wins;
};

static void *racer(void *arg)
{
    struct race *r = arg;
    char n[AUTH_NONCE_LEN + 1];
    for (uint32_t nc = 1; nc <= 300; nc++) {
        if (use(r->d, r->shared, 0, nc))
            r->wins++;
        struct mhd_auth_request q = base_req(r->d, nc);
        if (mhd_nonce_issue(r->d, &q, "realm", 5, n))
            (void)use(r->d, n, nc, 1);
    }
    return NULL;
}

static void check_threads(void)
{
    struct mhd_dauth *d = make(1024, 0);
    char shared[AUTH_NONCE_LEN + 1];
    issue(d, 0, shared);
    struct race r[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        r[i] = (struct race){d, shared, 0};
        pthread_create(&th[i], NULL, racer, &r[i]);
    }
    unsigned int total = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        total += r[i].wins;
    }
    /* 1200 new nonces went through a 1024-slot table: the shared one may
     * have been evicted part way, but no count was ever accepted twice. */
    CHECK(total <= 300);
    CHECK(total >= 1);
    mhd_dauth_destroy(d);
}

int main(void)
{
    check_format();
    check_forgery();
    check_age();
    check_counts();
    check_rfc2069_single_use();
    check_eviction();
    check_binding();
    check_create();
    check_threads();
    return check_done();
}
