/* Matching the "uri" parameter against the request's path and arguments. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guard.h"

#include "auth/auth.h"
#include "auth/auth_internal.h"

struct targ {
    const char *key;
    size_t key_len;
    const char *value;
    size_t value_len;
};

struct targs {
    const struct targ *a;
    size_t n;
};

static void walk(const void *cls, mhd_auth_arg_visit visit, void *ctx)
{
    const struct targs *t = cls;
    for (size_t i = 0; i < t->n; i++)
        visit(ctx, t->a[i].key, t->a[i].key_len, t->a[i].value, t->a[i].value_len);
}

#define A(k, v)                                                                                    \
    {                                                                                              \
        k, sizeof(k) - 1, v, sizeof(v) - 1                                                         \
    }
#define K(k)                                                                                       \
    {                                                                                              \
        k, sizeof(k) - 1, NULL, 0                                                                  \
    }

static bool match(const char *uri, const char *path, size_t path_len, const struct targ *args,
                  size_t n)
{
    struct targs t = {args, n};
    struct mhd_auth_request req;
    memset(&req, 0, sizeof(req));
    req.path = path;
    req.path_len = path_len;
    req.walk_args = n ? walk : NULL;
    req.args_cls = &t;
    struct guard_buf g;
    size_t len = strlen(uri);
    char *u = guard_copy(&g, uri, len);
    bool oom = false;
    bool r = mhd_digest_uri_matches(&req, u, len, &oom);
    guard_free(&g);
    CHECK(!oom);
    return r;
}

#define M(uri, path, args) match(uri, path, strlen(path), args, sizeof(args) / sizeof(args[0]))
#define M0(uri, path) match(uri, path, strlen(path), NULL, 0)

static void check_paths(void)
{
    CHECK(M0("/dir/index.html", "/dir/index.html"));
    CHECK(M0("/dir/index.html?", "/dir/index.html"));
    CHECK(M0("/a%20b", "/a b"));
    CHECK(M0("/a%2fb", "/a/b"));
    CHECK(M0("/a+b", "/a+b"));
    CHECK(!M0("/a+b", "/a b"));
    CHECK(M0("/a%zz", "/a%zz"));
    CHECK(M0("/a%4", "/a%4"));
    CHECK(M0("/a%", "/a%"));
    CHECK(match("/a%00b", "/a\0b", 4, NULL, 0));
    CHECK(!M0("/a", "/b"));
    CHECK(!M0("/a", "/a/"));
    CHECK(!M0("/a/", "/a"));
    CHECK(!M0("/", ""));
    CHECK(M0("http://example.com/a", "/a"));
    CHECK(M0("HTTPS://user@example.com:8080/a/b", "/a/b"));
    CHECK(M0("http://example.com", "/"));
    CHECK(M0("http://example.com?", "/"));
    CHECK(!M0("http://example.com/a", "/b"));
    CHECK(!M0("http:/a", "/a"));
    CHECK(M0("*", "*"));
}

static void check_args(void)
{
    static const struct targ xy[] = {A("x", "1"), A("y", "2")};
    static const struct targ yx[] = {A("y", "2"), A("x", "1")};
    static const struct targ x1[] = {A("x", "1")};
    static const struct targ xyz[] = {A("x", "1"), A("y", "2"), K("z")};
    static const struct targ knull[] = {K("x")};
    static const struct targ kempty[] = {A("x", "")};
    static const struct targ dec[] = {A("k y", "a b!")};
    static const struct targ x11[] = {A("x", "1"), A("x", "1")};
    static const struct targ x12[] = {A("x", "1"), A("x", "2")};
    static const struct targ with_empty[] = {A("x", "1"), K(""), A("y", "2")};
    static const struct targ empty_key[] = {A("", "v")};
    static const struct targ nul[] = {{"k", 1, "a\0b", 3}};
    CHECK(M("/a?x=1&y=2", "/a", xy));
    CHECK(M("/a?x=1&y=2", "/a", yx));
    CHECK(M("/a?y=2&x=1", "/a", xy));
    CHECK(!M("/a?x=1&y=2", "/a", x1));
    CHECK(!M("/a?x=1", "/a", xy));
    CHECK(!M("/a?x=1&y=2", "/a", xyz));
    CHECK(M("/a?x=1&y=2&z", "/a", xyz));
    CHECK(!M0("/a?x=1", "/a"));
    CHECK(!M("/a", "/a", x1));
    CHECK(!M("/b?x=1", "/a", x1));
    CHECK(M("/a?x", "/a", knull));
    CHECK(!M("/a?x", "/a", kempty));
    CHECK(M("/a?x=", "/a", kempty));
    CHECK(!M("/a?x=", "/a", knull));
    CHECK(M("/a?k+y=a+b%21", "/a", dec));
    CHECK(M("/a?k%20y=a%20b!", "/a", dec));
    CHECK(M("/a?x=1&x=1", "/a", x11));
    CHECK(!M("/a?x=1&x=2", "/a", x11));
    CHECK(!M("/a?x=1&x=1", "/a", x12));
    CHECK(M("/a?x=2&x=1", "/a", x12));
    CHECK(M("/a?x=1&&y=2&", "/a", xy));
    CHECK(M("/a?x=1&&y=2", "/a", with_empty));
    CHECK(M("/a?=v", "/a", empty_key));
    CHECK(M("/a?k=a%00b", "/a", nul));
    CHECK(!M("/a?k=a%00c", "/a", nul));
    CHECK(M("http://h/a?x=1&y=2", "/a", xy));
}

/* Thousands of arguments on both sides: sorted, not compared pairwise. */
static void check_many(void)
{
    enum { N = 30000 };
    struct targ *args = malloc(N * sizeof(*args));
    char *uri = malloc(3 + 2 * N);
    char *keys = malloc(N);
    size_t u = 0;
    uri[u++] = '/';
    uri[u++] = '?';
    for (size_t i = 0; i < N; i++) {
        keys[i] = (char)('a' + i % 26);
        args[N - 1 - i] = (struct targ){keys + i, 1, NULL, 0};
        uri[u++] = keys[i];
        uri[u++] = '&';
    }
    uri[u - 1] = '\0';
    CHECK(match(uri, "/", 1, args, N));
    keys[0] = 'z'; /* one argument differs */
    CHECK(!match(uri, "/", 1, args, N));
    free(keys);
    free(uri);
    free(args);
}

static void check_oom(void)
{
    static const struct targ xy[] = {A("x", "1"), A("y", "2")};
    struct targs t = {xy, 2};
    struct mhd_auth_request req;
    memset(&req, 0, sizeof(req));
    req.path = "/a";
    req.path_len = 2;
    req.walk_args = walk;
    req.args_cls = &t;
    for (unsigned long n = 1; n <= 4; n++) {
        bool oom = false;
        mhd_alloc_fail_at(n);
        bool r = mhd_digest_uri_matches(&req, "/a?x=1&y=2", 10, &oom);
        mhd_alloc_fail_at(0);
        CHECK(r != oom);
    }
}

int main(void)
{
    check_paths();
    check_args();
    check_many();
    check_oom();
    return check_done();
}
