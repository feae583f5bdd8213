/* The request line (src/http/request_line.c) at every discipline level.
 *
 * Each row gives the line, the verdict at levels 2, 1, 0, -1, -2, -3 (one
 * letter each, see http_test.h), and what an accepted line yields. */
#include "http_test.h"

#include "http/http_internal.h"

struct rl_case {
    int line;
    const char *in;
    size_t len; /* 0: strlen(in) */
    const char *want;
    const char *method;
    const char *target;
    unsigned int minor;
};

#define ROW(in, want, m, t, minor)                                                                 \
    {                                                                                              \
        __LINE__, in, 0, want, m, t, minor                                                         \
    }
#define ROWN(in, want, m, t, minor)                                                                \
    {                                                                                              \
        __LINE__, in, sizeof(in) - 1, want, m, t, minor                                            \
    }

static const struct rl_case cases[] = {
    /* Ordinary lines and every request-target form, passed through raw. */
    ROW("GET / HTTP/1.1\r\n", "oooooo", "GET", "/", 1),
    ROW("GET /a/b?c=d&e#f HTTP/1.0\r\n", "oooooo", "GET", "/a/b?c=d&e#f", 0),
    ROW("GET http://h.example/p?q HTTP/1.1\r\n", "oooooo", "GET", "http://h.example/p?q", 1),
    ROW("CONNECT h.example:443 HTTP/1.1\r\n", "oooooo", "CONNECT", "h.example:443", 1),
    ROW("OPTIONS * HTTP/1.1\r\n", "oooooo", "OPTIONS", "*", 1),
    ROW("get /%41%zz HTTP/1.1\r\n", "oooooo", "get", "/%41%zz", 1),
    ROW("M-SEARCH /x HTTP/1.1\r\n", "oooooo", "M-SEARCH", "/x", 1),
    ROW("FOOBAR /\xC3\xA9 HTTP/1.1\r\n", "oooooo", "FOOBAR", "/\xC3\xA9", 1),
    ROW("GET / HTTP/1.2\r\n", "oooooo", "GET", "/", 2),
    ROW("GET / HTTP/1.9\r\n", "oooooo", "GET", "/", 9),
    /* Bare LF ends the line only from level 0 down. */
    ROW("GET / HTTP/1.1\n", "bboooo", "GET", "/", 1),
    ROW("FOO / HTTP/1.1\n", "ccoooo", "FOO", "/", 1),
    /* Versions. */
    ROW("GET / HTTP/2.0\r\n", "vvvvvv", NULL, NULL, 0),
    ROW("GET / HTTP/0.9\r\n", "vvvvvv", NULL, NULL, 0),
    ROW("GET / HTTP/3.1\r\n", "vvvvvv", NULL, NULL, 0),
    ROW("FOO / HTTP/2.0\r\n", "vvvvvv", NULL, NULL, 0),
    ROW("GET / HTTP/1.x\r\n", "bbbbbb", NULL, NULL, 0),
    ROW("GET / http/1.1\r\n", "bbbbbb", NULL, NULL, 0),
    ROW("GET / HTTP/1.10\r\n", "bbbbbb", NULL, NULL, 0),
    ROW("GET / HTTP/11\r\n", "bbbbbb", NULL, NULL, 0),
    ROW("GET / HTTP/1.1 \r\n", "bbbbbb", NULL, NULL, 0),
    ROW("GET /\r\n", "bbbbbb", NULL, NULL, 0),
    ROW("GET HTTP/1.1\r\n", "bbbbbb", NULL, NULL, 0),
    ROW("GET\r\n", "bbbbbb", NULL, NULL, 0),
    ROW("GET \r\n", "bbbbbb", NULL, NULL, 0),
    ROW("GET / HTTP/1.1\r\r\n", "bbbbbb", NULL, NULL, 0),
    ROW("POST / HTTP/1.x\r\n", "bbbbbb", NULL, NULL, 0),
    ROW("HEAD / HTTP/1.x\r\n", "bbbbbb", NULL, NULL, 0),
    ROW("PUT / HTTP/1.x\r\n", "bbbbbb", NULL, NULL, 0),
    ROW("DELETE / HTTP/1.x\r\n", "bbbbbb", NULL, NULL, 0),
    /* Only the common methods earn an answer; anything else is closed. */
    ROW("FOO / HTTP/1.x\r\n", "cccccc", NULL, NULL, 0),
    ROW("get / HTTP/1.x\r\n", "cccccc", NULL, NULL, 0),
    ROW("FOO\r\n", "cccccc", NULL, NULL, 0),
    ROW("GE@T / HTTP/1.1\r\n", "cccccc", NULL, NULL, 0),
    ROW("GET/ HTTP/1.1\r\n", "cccccc", NULL, NULL, 0),
    ROW(" GET / HTTP/1.1\r\n", "cccccc", NULL, NULL, 0),
    ROW("\tGET / HTTP/1.1\r\n", "cccccc", NULL, NULL, 0),
    ROW("\"GET\" / HTTP/1.1\r\n", "cccccc", NULL, NULL, 0),
    ROW("\r\n", "cccccc", NULL, NULL, 0),
    /* Whitespace inside the target: refused down to -1, passed below. */
    ROW("GET /a b HTTP/1.1\r\n", "bbbboo", "GET", "/a b", 1),
    ROW("GET /a  b HTTP/1.1\r\n", "bbbboo", "GET", "/a  b", 1),
    ROW("GET /a\tb HTTP/1.1\r\n", "bbbboo", "GET", "/a\tb", 1),
    ROW("FOO /a b HTTP/1.1\r\n", "ccccoo", "FOO", "/a b", 1),
    ROW("GET /a b c HTTP/1.1\r\n", "bbbboo", "GET", "/a b c", 1),
    /* Separators: HTAB from level 0, runs and VT/FF from -1. */
    ROW("GET\t/\tHTTP/1.1\r\n", "ccoooo", "GET", "/", 1),
    ROW("GET /\tHTTP/1.1\r\n", "bboooo", "GET", "/", 1),
    ROW("GET  / HTTP/1.1\r\n", "bbbooo", "GET", "/", 1),
    ROW("GET /  HTTP/1.1\r\n", "bbbooo", "GET", "/", 1),
    ROW("GET \t / \t HTTP/1.1\r\n", "bbbooo", "GET", "/", 1),
    ROW("GET\v/ HTTP/1.1\r\n", "bbbooo", "GET", "/", 1),
    ROW("GET /\fHTTP/1.1\r\n", "bbbooo", "GET", "/", 1),
    ROW("FOO\v/ HTTP/1.1\r\n", "cccooo", "FOO", "/", 1),
    /* Method, two separators, version: an empty target, from -1 down. */
    ROW("GET  HTTP/1.1\r\n", "bbbooo", "GET", "", 1),
    /* Control bytes: refused from level 0 up. Stray CR and NUL count as
     * whitespace below, other controls pass. */
    ROWN("GET /a\rb HTTP/1.1\r\n", "bbbboo", "GET", "/a b", 1),
    ROWN("GET /a\0b HTTP/1.1\r\n", "bbbboo", "GET", "/a b", 1),
    ROWN("GET /a\x01z HTTP/1.1\r\n", "bbbooo", "GET", "/a\x01z", 1),
    ROWN("GET /a\x7fz HTTP/1.1\r\n", "bbbooo", "GET", "/a\x7fz", 1),
    ROWN("GET /a\x1bz HTTP/1.1\r\n", "bbbooo", "GET", "/a\x1bz", 1),
    ROWN("FOO /a\x1bz HTTP/1.1\r\n", "cccooo", "FOO", "/a\x1bz", 1),
    ROWN("GET\r/ HTTP/1.1\r\n", "bbbooo", "GET", "/", 1),
    ROWN("GET\0/ HTTP/1.1\r\n", "bbbooo", "GET", "/", 1),
    ROWN("GET\x01/ HTTP/1.1\r\n", "bbbbbb", NULL, NULL, 0),
    ROWN("GET /\x01 HTTP/1.x\r\n", "bbbbbb", NULL, NULL, 0),
};

static void run_case(const struct rl_case *c)
{
    size_t len = c->len ? c->len : strlen(c->in);
    for (int i = 0; i < 6; i++) {
        int level = ht_levels[i];
        char *buf = ht_place(c->in, len);
        struct mhd_http_head h;
        memset(&h, 0, sizeof(h));
        size_t used = 0;
        enum mhd_http_result r = mhd_http_parse_request_line(buf, len, level, &h, &used);
        char got = ht_letter(r);
        CHECK_MSG(got == ht_want(c->want, i), "line %d level %d: got %c want %c", c->line, level,
                  got, ht_want(c->want, i));
        if (r != HTTP_PARSE_OK || got != ht_want(c->want, i))
            continue;
        CHECK_EQ_SIZE(used, len);
        CHECK_EQ_STR(h.method, c->method);
        CHECK_EQ_SIZE(h.method_len, strlen(c->method));
        CHECK_EQ_MEM(h.target, h.target_len, c->target, strlen(c->target));
        CHECK_EQ_INT(h.target[h.target_len], 0);
        CHECK_EQ_INT(h.version_major, 1);
        CHECK_EQ_INT(h.version_minor, c->minor);
        CHECK_EQ_SIZE(h.version_len, 8);
        CHECK_EQ_INT(h.version[8], 0);
        CHECK_EQ_MEM(h.version, 7, "HTTP/1.", 7);
    }
}

/* The line may be followed by more of the head; only the line is used. */
static void test_consumed(void)
{
    static const char in[] = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
    char *buf = ht_place(in, sizeof(in) - 1);
    struct mhd_http_head h;
    size_t used = 0;
    CHECK_EQ_INT(mhd_http_parse_request_line(buf, sizeof(in) - 1, 0, &h, &used), HTTP_PARSE_OK);
    CHECK_EQ_SIZE(used, 17);
    CHECK_EQ_STR(h.target, "/x");
    CHECK_EQ_STR(h.version, "HTTP/1.1");
    CHECK_EQ_MEM(buf + used, 7, "Host: a", 7);
    /* No line end at all: a caller bug, refused. */
    buf = ht_place("GET / HTTP/1.1", 14);
    CHECK_EQ_INT(mhd_http_parse_request_line(buf, 14, 0, &h, &used), HTTP_PARSE_BAD);
}

/* A long target takes the fast path, and one with a space in the middle at
 * every position takes the general one. */
static void test_long_target(void)
{
    static char line[9000];
    static char want[9000];
    size_t tlen = 8000;
    memcpy(line, "GET /", 5);
    memset(line + 5, 'x', tlen - 1);
    memcpy(line + 4 + tlen, " HTTP/1.1\r\n", 11);
    size_t len = 4 + tlen + 11;
    struct mhd_http_head h;
    size_t used = 0;
    char *buf = ht_place(line, len);
    CHECK_EQ_INT(mhd_http_parse_request_line(buf, len, 2, &h, &used), HTTP_PARSE_OK);
    CHECK_EQ_SIZE(h.target_len, tlen);
    for (size_t at = 5; at < 4 + tlen; at += 37) {
        memcpy(want, line + 4, tlen);
        line[at] = ' ';
        want[at - 4] = ' ';
        buf = ht_place(line, len);
        CHECK_EQ_INT(mhd_http_parse_request_line(buf, len, 0, &h, &used), HTTP_PARSE_BAD);
        buf = ht_place(line, len);
        CHECK_EQ_INT(mhd_http_parse_request_line(buf, len, -2, &h, &used), HTTP_PARSE_OK);
        CHECK_EQ_MEM(h.target, h.target_len, want, tlen);
        line[at] = 'x';
    }
}

int main(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_case(&cases[i]);
    test_consumed();
    test_long_target();
    return check_done();
}
