/* Complete request heads (src/http/headers.c, through the scanner of
 * src/http/scan.c): field lines, framing fields, and the verdict at every
 * discipline level.
 *
 * Every head is first found by the scanner, fed whole, one byte at a time
 * and in two pieces cut at every position, each time flush against a
 * PROT_NONE page; then it is parsed in place. */
#include <time.h>

#include "http_test.h"

#define RL11 "GET / HTTP/1.1\r\n"
#define RL10 "GET / HTTP/1.0\r\n"
#define POST11 "POST / HTTP/1.1\r\n"
#define HOST "Host: h\r\n"
#define TE "Transfer-Encoding: "
#define CL "Content-Length: "

struct verdict_case {
    int line;
    const char *in;
    size_t len;       /* 0: strlen(in) */
    const char *want; /* levels 2, 1, 0, -1, -2, -3 */
};

#define V(in, want)                                                                                \
    {                                                                                              \
        __LINE__, in, 0, want                                                                      \
    }
#define VN(in, want)                                                                               \
    {                                                                                              \
        __LINE__, in, sizeof(in) - 1, want                                                         \
    }

static const struct verdict_case verdicts[] = {
    /* Host. */
    V(RL11 HOST "\r\n", "oooooo"),
    V(RL10 "\r\n", "oooooo"),
    V(RL11 "\r\n", "bbbbbo"),
    V(RL11 "Hast: h\r\n\r\n", "bbbbbo"),
    V(RL11 HOST HOST "\r\n", "bbbbbo"),
    V(RL11 "Host: a\r\nhost: a\r\n\r\n", "bbbbbo"),
    V(RL10 HOST HOST "\r\n", "bbbooo"),
    V(RL11 "Host: a b\r\n\r\n", "bbbbbo"),
    V(RL10 "Host: a b\r\n\r\n", "bbbooo"),
    V("GET / HTTP/1.2\r\n\r\n", "bbbbbo"),
    V(RL11 "Host:\r\n\r\n", "oooooo"),
    V(RL11 "Host: [::1]:8080\r\n\r\n", "oooooo"),
    V(RL11 "Host: [::1\r\n\r\n", "bbbbbo"),
    V(RL11 "Host: a:b\r\n\r\n", "bbbbbo"),
    V(RL11 "Host: a@b\r\n\r\n", "bbbbbo"),
    V(RL11 "Host: a/b\r\n\r\n", "bbbbbo"),
    V(RL11 "Host: 10.0.0.1:80\r\n\r\n", "oooooo"),
    V(RL11 "Host: [v7.a:b]\r\n\r\n", "oooooo"),
    V(RL11 "Host: ex%41mple.com\r\n\r\n", "oooooo"),
    V(RL11 "Host: ex%4\r\n\r\n", "bbbbbo"),
    V(RL11 "Host: a:\r\n\r\n", "oooooo"),
    V(RL11 "Host: a,b!$&'()*+;=~_-.\r\n\r\n", "oooooo"),
    V(RL11 "Host: [1:2:3:4:5:6:7:8]\r\n\r\n", "oooooo"),
    V(RL11 "Host: [1:2:3:4:5:6:7:8:9]\r\n\r\n", "bbbbbo"),
    V(RL11 "Host: [1::2:3:4:5:6:7:8]\r\n\r\n", "bbbbbo"),
    V(RL11 "Host: [::ffff:1.2.3.4]\r\n\r\n", "oooooo"),
    V(RL11 "Host: [::ffff:1.2.3.256]\r\n\r\n", "bbbbbo"),
    V(RL11 "Host: [1::2::3]\r\n\r\n", "bbbbbo"),
    V(RL11 "Host: [12345::1]\r\n\r\n", "bbbbbo"),
    V(RL11 "Host: [::]\r\n\r\n", "oooooo"),
    V(RL11 "Host: [1:2:3:4:5:6:1.2.3.4]\r\n\r\n", "oooooo"),
    V(RL11 "Host: [::1]x\r\n\r\n", "bbbbbo"),
    V(RL11 "Host: [::1]:\r\n\r\n", "oooooo"),
    V(RL11 "Host: [fe80::1%25eth0]\r\n\r\n", "bbbbbo"),
    V(RL11 "Host: h:8x\r\n\r\n", "bbbbbo"),
    /* Transfer-Encoding and Content-Length. */
    V(POST11 HOST TE "chunked\r\n\r\n", "oooooo"),
    V(POST11 HOST TE "CHUNKED\r\n\r\n", "oooooo"),
    V(POST11 HOST TE " , chunked ,\r\n\r\n", "oooooo"),
    V(POST11 HOST TE "gzip\r\n\r\n", "bbbbbb"),
    V(POST11 HOST TE "gzip, chunked\r\n\r\n", "nnnnnn"),
    V(POST11 HOST TE "gzip\r\n" TE "chunked\r\n\r\n", "nnnnnn"),
    V(POST11 HOST TE "chunked, chunked\r\n\r\n", "bbbbbb"),
    V(POST11 HOST TE "chunked\r\n" TE "chunked\r\n\r\n", "bbbbbb"),
    V(POST11 HOST TE "gzip, chunked, chunked\r\n\r\n", "bbbbbb"),
    V(POST11 HOST TE "chunked, gzip\r\n\r\n", "bbbbbb"),
    V(POST11 HOST TE "chunked;x=1\r\n\r\n", "bbbbbb"),
    V(POST11 HOST TE "\r\n\r\n", "bbbbbb"),
    V("POST / HTTP/1.0\r\n" TE "chunked\r\n\r\n", "bbbbbb"),
    V(POST11 HOST TE "chunked\r\n" CL "5\r\n\r\n", "bbbooo"),
    V(POST11 HOST CL "5\r\n" TE "chunked\r\n\r\n", "bbbooo"),
    V(POST11 HOST CL "5\r\n\r\n", "oooooo"),
    V(POST11 HOST CL "0\r\n\r\n", "oooooo"),
    V(POST11 HOST CL "007\r\n\r\n", "oooooo"),
    V(POST11 HOST CL "18446744073709551615\r\n\r\n", "oooooo"),
    V(POST11 HOST CL "18446744073709551616\r\n\r\n", "bbbbbb"),
    V(POST11 HOST CL "99999999999999999999\r\n\r\n", "bbbbbb"),
    V(POST11 HOST CL "abc\r\n\r\n", "bbbbbb"),
    V(POST11 HOST CL "123bad\r\n\r\n", "bbbbbb"),
    V(POST11 HOST CL "\r\n\r\n", "bbbbbb"),
    V(POST11 HOST CL "+5\r\n\r\n", "bbbbbb"),
    V(POST11 HOST CL "-1\r\n\r\n", "bbbbbb"),
    V(POST11 HOST CL "1 2\r\n\r\n", "bbbbbb"),
    V(POST11 HOST CL "0x5\r\n\r\n", "bbbbbb"),
    V(POST11 HOST CL "5,\r\n\r\n", "bbbbbb"),
    V(POST11 HOST CL ",5\r\n\r\n", "bbbbbb"),
    V(POST11 HOST CL "5\r\n" CL "5\r\n\r\n", "oooooo"),
    V(POST11 HOST CL "5\r\n" CL "6\r\n\r\n", "bbbbbb"),
    V(POST11 HOST CL "5, 5\r\n\r\n", "oooooo"),
    V(POST11 HOST CL "5 ,5\r\n\r\n", "oooooo"),
    V(POST11 HOST CL "5, 6\r\n\r\n", "bbbbbb"),
    V(POST11 HOST CL "5\r\n" CL "abc\r\n\r\n", "bbbbbb"),
    /* Field names. */
    V(RL11 HOST "X-A : b\r\n\r\n", "bbbbbo"),
    V(RL11 HOST "X-A\t: b\r\n\r\n", "bbbbbo"),
    V(RL11 "Host : h\r\n\r\n", "bbbbbo"),
    V(RL11 HOST "A b: c\r\n\r\n", "bbbboo"),
    V(RL11 HOST "A b : c\r\n\r\n", "bbbbbo"),
    V(RL11 HOST "X@Y: v\r\n\r\n", "bbbooo"),
    V(RL11 HOST "X\"Y: v\r\n\r\n", "bbbooo"),
    V(RL11 HOST ": v\r\n\r\n", "bbbboo"),
    V(RL11 HOST "X: a\r\n : v\r\n\r\n", "bboooo"),
    V(RL11 HOST "Foo\r\n\r\n", "bbbboo"),
    V(RL11 HOST "Foo bar\r\n\r\n", "bbbboo"),
    VN(RL11 HOST "X\0Y: v\r\n\r\n", "bbbboo"),
    VN(RL11 HOST "X\x01Y: v\r\n\r\n", "bbbooo"),
    /* Field values. */
    V(RL11 HOST "X:   a b \t \r\n\r\n", "oooooo"),
    V(RL11 HOST "X: a\tb\r\n\r\n", "oooooo"),
    V(RL11 HOST "X: \xC3\xA9\xFF\r\n\r\n", "oooooo"),
    VN(RL11 HOST "X: a\0b\r\n\r\n", "bbbooo"),
    VN(RL11 HOST "X: a\rb\r\n\r\n", "bbbooo"),
    VN(RL11 HOST "X: a\r\r\n\r\n", "bbbooo"),
    VN(RL11 HOST "X: a\x01z\r\n\r\n", "bbbooo"),
    VN(RL11 HOST "X: a\x7fz\r\n\r\n", "bbbooo"),
    VN(RL11 HOST "X: a\x1bz\r\n\r\n", "bbbooo"),
    VN(RL11 HOST "X: a\vz\r\n\r\n", "bbbooo"),
    /* Obsolete line folding, and lines starting with whitespace. */
    V(RL11 HOST "X: start\r\n end\r\n\r\n", "bboooo"),
    V(RL11 HOST "X: start\r\n\tend\r\n\r\n", "bboooo"),
    V(RL11 "Host: h\r\n x\r\n\r\n", "bbbbbo"), /* "h    x" is no host */
    V(RL11 "Host:\r\n h\r\n\r\n", "bboooo"),
    V(RL10 " X: a\r\nY: b\r\n\r\n", "bbbooo"),
    V(RL10 "\tX: a\r\n\r\n", "bbbooo"),
    V(RL10 "bad\r\n cont\r\nY: b\r\n\r\n", "bbbboo"),
    V(RL11 " Host: h\r\n\r\n", "bbbbbo"),
    V(RL11 " x\r\n" HOST "\r\n", "bbbooo"),
    /* Bare LF line ends. */
    V("GET / HTTP/1.1\nHost: h\n\n", "bboooo"),
    V(RL11 "Host: h\n\r\n", "bboooo"),
    V(RL11 HOST "\n", "bboooo"),
    V("GET / HTTP/1.1\nHost: h\r\n\r\n", "bboooo"),
    V("FOO / HTTP/1.1\nHost: h\r\n\r\n", "ccoooo"),
    V(RL11 "X: a\n x\nHost: h\n\n", "bboooo"),
    /* The request line as part of a head. */
    V("GET /a b HTTP/1.1\r\n" HOST "\r\n", "bbbboo"),
    V("GET  / HTTP/1.1\r\n" HOST "\r\n", "bbbooo"),
    V("GET\t/\tHTTP/1.1\r\n" HOST "\r\n", "ccoooo"),
    V("GET / HTTP/2.0\r\n" HOST "\r\n", "vvvvvv"),
    V("GET / HTTP/1.x\r\n" HOST "\r\n", "bbbbbb"),
    V("FOO / HTTP/1.x\r\n" HOST "\r\n", "cccccc"),
    V("GET / http/1.1\r\n" HOST "\r\n", "bbbbbb"),
    VN("GET /\0 HTTP/1.1\r\n" HOST "\r\n", "bbbooo"),
    VN("GET /\0x HTTP/1.1\r\n" HOST "\r\n", "bbbboo"),
    V("OPTIONS * HTTP/1.1\r\n" HOST "\r\n", "oooooo"),
    V("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n", "oooooo"),
    V("GET http://h/p?q HTTP/1.1\r\n" HOST "\r\n", "oooooo"),
    /* Before the request line: whitespace closes, empty lines count. */
    V(" GET / HTTP/1.1\r\n" HOST "\r\n", "cccccc"),
    V("\tGET / HTTP/1.1\r\n" HOST "\r\n", "cccccc"),
    V("\x16\x03\x01 / HTTP/1.1\r\n" HOST "\r\n", "cccccc"),
    V("\r\n" RL11 HOST "\r\n", "cooooo"),
    V("\r\n\r\n" RL11 HOST "\r\n", "ccoooo"),
    V("\n" RL11 HOST "\r\n", "ccoooo"),
    V("\r\n\n" RL11 HOST "\r\n", "ccoooo"),
    V("\r \r\n" RL11 HOST "\r\n", "cccccc"),
};

/* ---- running a head ------------------------------------------------------- */

/* Scans (checking every split) and parses a complete head. */
static enum mhd_http_result run_head(int line, const char *in, size_t len, int level,
                                     struct mhd_http_head *h, struct ht_rec *rec)
{
    struct mhd_http_scan s;
    mhd_http_scan_init(&s);
    char *buf = ht_place(in, len);
    enum mhd_http_result r = mhd_http_scan_head(&s, buf, len, level);
    ht_check_scan_splits(line, in, len, level, r, &s);
    if (r != HTTP_PARSE_OK)
        return r;
    CHECK_EQ_SIZE(s.head_end, len);
    buf = ht_place(in, len);
    return mhd_http_parse_head(buf + s.start, s.head_end - s.start, level, h, ht_rec_field, rec);
}

static void test_verdicts(void)
{
    for (size_t i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++) {
        const struct verdict_case *c = &verdicts[i];
        size_t len = c->len ? c->len : strlen(c->in);
        for (int l = 0; l < 6; l++) {
            struct mhd_http_head h;
            struct ht_rec rec;
            ht_rec_init(&rec);
            enum mhd_http_result r = run_head(c->line, c->in, len, ht_levels[l], &h, &rec);
            CHECK_MSG(ht_letter(r) == ht_want(c->want, l), "line %d level %d: got %c want %c",
                      c->line, ht_levels[l], ht_letter(r), ht_want(c->want, l));
        }
    }
}

/* ---- what an accepted head yields ---------------------------------------- */

#define F_HOST 0x01u
#define F_CL 0x02u
#define F_CHUNKED 0x04u
#define F_MUST_CLOSE 0x08u
#define F_CLOSE 0x10u
#define F_KEEP_ALIVE 0x20u
#define F_UPGRADE 0x40u
#define F_EXPECT 0x80u

struct detail_case {
    int line;
    const char *in;
    size_t len;
    int level;
    const char *fields;
    unsigned int flags;
    uint64_t content_length;
    unsigned int minor;
};

#define D(in, level, fields, flags, cl, minor)                                                     \
    {                                                                                              \
        __LINE__, in, 0, level, fields, flags, cl, minor                                           \
    }
#define DN(in, level, fields, flags)                                                               \
    {                                                                                              \
        __LINE__, in, sizeof(in) - 1, level, fields, flags, 0, 1                                   \
    }

static const struct detail_case details[] = {
    D(RL11 "Host: example.com\r\nAccept: */*\r\n\r\n", 2, "Host: example.com\nAccept: */*\n",
      F_HOST, 0, 1),
    D(RL11 "hOsT: h\r\nx-Y: 1\r\n\r\n", 0, "hOsT: h\nx-Y: 1\n", F_HOST, 0, 1),
    D("GET / HTTP/1.2\r\n" HOST "\r\n", 0, "Host: h\n", F_HOST, 0, 2),
    D(RL10 "\r\n", 2, "", 0, 0, 0),
    D(RL11 HOST "X:   a b \t \r\n\r\n", 2, "Host: h\nX: a b\n", F_HOST, 0, 1),
    D(RL11 HOST "X:\r\nY: \t\r\n\r\n", 2, "Host: h\nX: \nY: \n", F_HOST, 0, 1),
    D(RL11 HOST "X: a\tb\r\n\r\n", 2, "Host: h\nX: a\tb\n", F_HOST, 0, 1),
    D(RL11 HOST "X: a:b: c\r\n\r\n", 2, "Host: h\nX: a:b: c\n", F_HOST, 0, 1),
    /* Folding: the line break and indentation become spaces. */
    D(RL11 HOST "X: start\r\n end\r\n\r\n", 0, "Host: h\nX: start   end\n", F_HOST, 0, 1),
    D(RL11 HOST "X: start\r\n  mid\r\n\tend\r\nY: 1\r\n\r\n", 0,
      "Host: h\nX: start    mid   end\nY: 1\n", F_HOST, 0, 1),
    D(RL11 HOST "X: start\n end\n\n", -3, "Host: h\nX: start  end\n", F_HOST, 0, 1),
    D(RL11 HOST "X:\r\n  v \r\n\r\n", 0, "Host: h\nX: v\n", F_HOST, 0, 1),
    D(RL11 HOST "X: a\r\n   \r\n\r\n", -1, "Host: h\nX: a\n", F_HOST, 0, 1),
    D(RL11 "Host:\r\n h\r\n\r\n", 0, "Host: h\n", F_HOST, 0, 1),
    /* Lenient levels. */
    DN(RL11 HOST "X: a\0b\r\n\r\n", -1, "Host: h\nX: a b\n", F_HOST),
    DN(RL11 HOST "X: a\0b\r\n\r\n", -3, "Host: h\nX: a b\n", F_HOST),
    DN(RL11 HOST "X: a\rb\r\n\r\n", -2, "Host: h\nX: a b\n", F_HOST),
    DN(RL11 HOST "X: a\rb\r\n\r\n", -3, "Host: h\nX: a\rb\n", F_HOST),
    DN(RL11 HOST "X: a\r\r\n\r\n", -1, "Host: h\nX: a\n", F_HOST),
    DN(RL11 HOST "X: a\x01z\r\n\r\n", -1, "Host: h\nX: a\x01z\n", F_HOST),
    DN(RL11 HOST "X-A : b\r\n\r\n", -3, "Host: h\nX-A: b\n", F_HOST),
    DN(RL11 "Host\t: h\r\n\r\n", -3, "Host: h\n", F_HOST),
    DN(RL11 HOST "A b: c\r\n\r\n", -2, "Host: h\nA b: c\n", F_HOST),
    DN(RL11 HOST "X@Y: v\r\n\r\n", -1, "Host: h\nX@Y: v\n", F_HOST),
    DN(RL11 HOST "X\0Y: v\r\n\r\n", -2, "Host: h\nX Y: v\n", F_HOST),
    DN(RL11 HOST ": v\r\nZ: z\r\n\r\n", -2, "Host: h\nZ: z\n", F_HOST),
    DN(RL11 HOST "Foo\r\nZ: z\r\n\r\n", -2, "Host: h\nZ: z\n", F_HOST),
    DN(RL11 HOST "Foo\r\n cont\r\nZ: z\r\n\r\n", -3, "Host: h\nZ: z\n", F_HOST),
    D(RL10 " X: a\r\nY: b\r\n\r\n", -1, "Y: b\n", 0, 0, 0),
    D("GET /a b HTTP/1.1\r\n" HOST "\r\n", -2, "Host: h\n", F_HOST, 0, 1),
    D(RL11 "\r\n", -3, "", 0, 0, 1),
    D(RL11 HOST HOST "\r\n", -3, "Host: h\nHost: h\n", F_HOST, 0, 1),
    D(RL10 HOST HOST "\r\n", -1, "Host: h\nHost: h\n", F_HOST, 0, 0),
    /* Framing. */
    D(POST11 HOST CL "42\r\n\r\n", 2, "Host: h\nContent-Length: 42\n", F_HOST | F_CL, 42, 1),
    D(POST11 HOST "content-LENGTH:  42 \r\n\r\n", 2, "Host: h\ncontent-LENGTH: 42\n", F_HOST | F_CL,
      42, 1),
    D(POST11 HOST CL "18446744073709551615\r\n\r\n", 0,
      "Host: h\nContent-Length: 18446744073709551615\n", F_HOST | F_CL, UINT64_MAX, 1),
    D(POST11 HOST CL "5, 5\r\n" CL "5\r\n\r\n", 0,
      "Host: h\nContent-Length: 5, 5\nContent-Length: 5\n", F_HOST | F_CL, 5, 1),
    D(POST11 HOST CL "007\r\n\r\n", 0, "Host: h\nContent-Length: 007\n", F_HOST | F_CL, 7, 1),
    D(POST11 HOST TE "chunked\r\n\r\n", 2, "Host: h\nTransfer-Encoding: chunked\n",
      F_HOST | F_CHUNKED, 0, 1),
    D(POST11 HOST TE "chunked\r\n" CL "5\r\n\r\n", -1,
      "Host: h\nTransfer-Encoding: chunked\nContent-Length: 5\n", F_HOST | F_CHUNKED | F_MUST_CLOSE,
      0, 1),
    D(POST11 HOST CL "5\r\n" TE "Chunked\r\n\r\n", -3,
      "Host: h\nContent-Length: 5\nTransfer-Encoding: Chunked\n", F_HOST | F_CHUNKED | F_MUST_CLOSE,
      0, 1),
    D(RL11 HOST "Connection: close\r\n\r\n", 0, NULL, F_HOST | F_CLOSE, 0, 1),
    D(RL11 HOST "Connection: Keep-Alive, Upgrade\r\n\r\n", 0, NULL,
      F_HOST | F_KEEP_ALIVE | F_UPGRADE, 0, 1),
    D(RL11 HOST "Connection: foo\r\nConnection:  CLOSE \r\n\r\n", 0, NULL, F_HOST | F_CLOSE, 0, 1),
    D(RL11 HOST "Connection: closed, keep-alivex\r\n\r\n", 0, NULL, F_HOST, 0, 1),
    D(RL11 HOST "Connection: ,,close,\r\n\r\n", 0, NULL, F_HOST | F_CLOSE, 0, 1),
    D(RL10 "Connection: Keep-Alive\r\nConnection: close\r\n\r\n", 0, NULL, F_KEEP_ALIVE | F_CLOSE,
      0, 0),
    D(RL10 "Connection: close\r\nConnection: keep-alive\r\n\r\n", 0, NULL, F_KEEP_ALIVE | F_CLOSE,
      0, 0),
    D(RL11 HOST "Expect: 100-continue\r\n\r\n", 0, NULL, F_HOST | F_EXPECT, 0, 1),
    D(RL11 HOST "Expect:   100-CONTINUE  \r\n\r\n", 0, NULL, F_HOST | F_EXPECT, 0, 1),
    D(RL11 HOST "Expect: 100-continue, x\r\n\r\n", 0, NULL, F_HOST, 0, 1),
    D(RL11 HOST "Expect: 200-ok\r\n\r\n", 0, NULL, F_HOST, 0, 1),
    D(RL11 HOST "Expects: 100-continue\r\n\r\n", 0, NULL, F_HOST, 0, 1),
};

static unsigned int flags_of(const struct mhd_http_head *h)
{
    return (h->has_host ? F_HOST : 0) | (h->has_content_length ? F_CL : 0) |
           (h->chunked ? F_CHUNKED : 0) | (h->must_close ? F_MUST_CLOSE : 0) |
           (h->conn_close ? F_CLOSE : 0) | (h->conn_keep_alive ? F_KEEP_ALIVE : 0) |
           (h->conn_upgrade ? F_UPGRADE : 0) | (h->expect_continue ? F_EXPECT : 0);
}

static void test_details(void)
{
    for (size_t i = 0; i < sizeof(details) / sizeof(details[0]); i++) {
        const struct detail_case *c = &details[i];
        size_t len = c->len ? c->len : strlen(c->in);
        struct mhd_http_head h;
        struct ht_rec rec;
        ht_rec_init(&rec);
        enum mhd_http_result r = run_head(c->line, c->in, len, c->level, &h, &rec);
        CHECK_MSG(r == HTTP_PARSE_OK, "line %d: got %c", c->line, ht_letter(r));
        if (r != HTTP_PARSE_OK)
            continue;
        if (c->fields != NULL)
            CHECK_MSG(strcmp(rec.text, c->fields) == 0, "line %d: fields\n%s\nwant\n%s", c->line,
                      rec.text, c->fields);
        CHECK_MSG(flags_of(&h) == c->flags, "line %d: flags 0x%x want 0x%x", c->line, flags_of(&h),
                  c->flags);
        CHECK_MSG(h.content_length == c->content_length, "line %d: content length", c->line);
        CHECK_MSG(h.version_minor == c->minor && h.version_major == 1, "line %d: version", c->line);
    }
}

/* The request-line part of the head and its terminators. */
static void test_head_fields(void)
{
    static const char in[] = "\r\nPUT /up?x=1 HTTP/1.0\r\nA: 1\r\n\r\nGET / HTTP/1.1\r\n";
    size_t len = sizeof(in) - 1;
    char *buf = ht_place(in, len);
    struct mhd_http_scan s;
    mhd_http_scan_init(&s);
    CHECK_EQ_INT(mhd_http_scan_head(&s, buf, len, 0), HTTP_PARSE_OK);
    CHECK_EQ_SIZE(s.start, 2);
    CHECK_EQ_SIZE(s.head_end, 32);
    CHECK_EQ_INT(s.leading_empty, 1);
    struct mhd_http_head h;
    struct ht_rec rec;
    ht_rec_init(&rec);
    CHECK_EQ_INT(
        mhd_http_parse_head(buf + s.start, s.head_end - s.start, 0, &h, ht_rec_field, &rec),
        HTTP_PARSE_OK);
    CHECK_EQ_STR(h.method, "PUT");
    CHECK_EQ_SIZE(h.method_len, 3);
    CHECK_EQ_STR(h.target, "/up?x=1");
    CHECK_EQ_SIZE(h.target_len, 7);
    CHECK_EQ_STR(h.version, "HTTP/1.0");
    CHECK_EQ_SIZE(h.version_len, 8);
    CHECK_EQ_INT(h.version_minor, 0);
    CHECK_EQ_STR(rec.text, "A: 1\n");
    /* The pipelined request after the head is untouched. */
    CHECK_EQ_MEM(buf + s.head_end, len - s.head_end, "GET / HTTP/1.1\r\n", 16);
    /* A NULL callback is allowed. */
    buf = ht_place(in, len);
    CHECK_EQ_INT(mhd_http_parse_head(buf + 2, 30, 0, &h, NULL, NULL), HTTP_PARSE_OK);
    /* A head without its final empty line is a caller error, refused. */
    buf = ht_place(in, len);
    CHECK_EQ_INT(mhd_http_parse_head(buf + 2, 28, 0, &h, NULL, NULL), HTTP_PARSE_BAD);
}

/* A callback that cannot store a field stops the parse. */
static void test_no_memory(void)
{
    static const char in[] = RL11 HOST "A: 1\r\nB: 2\r\n\r\n";
    for (unsigned int fail = 1; fail <= 4; fail++) {
        for (int l = 0; l < 6; l++) {
            struct mhd_http_head h;
            struct ht_rec rec;
            ht_rec_init(&rec);
            rec.fail_at = fail;
            char *buf = ht_place(in, sizeof(in) - 1);
            enum mhd_http_result r =
                mhd_http_parse_head(buf, sizeof(in) - 1, ht_levels[l], &h, ht_rec_field, &rec);
            CHECK_EQ_INT(r, fail <= 3 ? HTTP_PARSE_NO_MEMORY : HTTP_PARSE_OK);
        }
    }
}

/* Many fields and long values, to cover the block-wise value scan. */
static void test_large_head(void)
{
    static char in[60000];
    static char want[60000];
    size_t len = 0, wlen = 0;
    len += (size_t)snprintf(in + len, sizeof(in) - len, RL11 HOST);
    wlen += (size_t)snprintf(want + wlen, sizeof(want) - wlen, "Host: h\n");
    for (int i = 0; i < 200; i++) {
        int vlen = i * 7 % 251;
        len += (size_t)snprintf(in + len, sizeof(in) - len, "Field-%d: ", i);
        wlen += (size_t)snprintf(want + wlen, sizeof(want) - wlen, "Field-%d: ", i);
        for (int k = 0; k < vlen; k++) {
            char ch = (char)('!' + (i + k) % 94);
            in[len++] = ch;
            want[wlen++] = ch;
        }
        memcpy(in + len, "\r\n", 2);
        len += 2;
        want[wlen++] = '\n';
    }
    memcpy(in + len, "\r\n", 2);
    len += 2;
    want[wlen] = '\0';
    for (int l = 0; l < 6; l++) {
        char *buf = ht_place(in, len);
        struct mhd_http_scan s;
        mhd_http_scan_init(&s);
        CHECK_EQ_INT(mhd_http_scan_head(&s, buf, len, ht_levels[l]), HTTP_PARSE_OK);
        CHECK_EQ_SIZE(s.head_end, len);
        struct mhd_http_head h;
        static struct ht_rec rec;
        ht_rec_init(&rec);
        CHECK_EQ_INT(mhd_http_parse_head(buf, len, ht_levels[l], &h, ht_rec_field, &rec),
                     HTTP_PARSE_OK);
        CHECK_MSG(strcmp(rec.text, want) == 0, "large head fields differ at level %d:\n%.300s",
                  ht_levels[l], rec.text + 15000);
    }
}

/* ---- micro-benchmark ------------------------------------------------------ */

static unsigned int bench_count;

static bool bench_field(void *ctx, char *name, size_t name_len, char *value, size_t value_len)
{
    (void)ctx;
    (void)name;
    (void)value;
    bench_count += (unsigned int)(name_len + value_len);
    return true;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Prints the cost of scan + parse of a typical GET head; not an assertion
 * (it runs under sanitizers and valgrind too). */
static void bench(void)
{
    static const char head[] = "GET /index.html HTTP/1.1\r\n"
                               "Host: localhost:8080\r\n"
                               "User-Agent: curl/7.88.1\r\n"
                               "Accept: */*\r\n\r\n";
    size_t len = sizeof(head) - 1;
    char buf[sizeof(head)];
    unsigned long n = 0;
    double copy_start = now_ns();
    for (unsigned long i = 0; i < 200000; i++) {
        memcpy(buf, head, len);
        __asm__ volatile("" : : "r"(buf) : "memory");
    }
    double copy_ns = (now_ns() - copy_start) / 200000;
    double start = now_ns(), elapsed;
    do {
        for (int k = 0; k < 1000; k++) {
            memcpy(buf, head, len);
            struct mhd_http_scan s;
            struct mhd_http_head h;
            mhd_http_scan_init(&s);
            if (mhd_http_scan_head(&s, buf, len, 0) != HTTP_PARSE_OK ||
                mhd_http_parse_head(buf + s.start, s.head_end - s.start, 0, &h, bench_field,
                                    NULL) != HTTP_PARSE_OK)
                abort();
        }
        n += 1000;
        elapsed = now_ns() - start;
    } while (elapsed < 3e8 && n < 5000000);
    printf("bench: scan+parse of a %zu-byte GET head with 3 fields: %.1f ns "
           "(%.1f ns of it copying the head back), %lu runs\n",
           len, elapsed / (double)n, copy_ns, n);
    CHECK(bench_count > 0);
}

int main(void)
{
    test_verdicts();
    test_details();
    test_head_fields();
    test_no_memory();
    test_large_head();
    bench();
    return check_done();
}
