/* Pure HTTP/1.1 code: no sockets, no allocation, no daemon.
 *
 * Everything here works on byte buffers the caller owns. Parsers work in
 * place: they 0-terminate names and values inside the buffer and hand out
 * pointers into it, so the buffer must stay put while those pointers are in
 * use. Every parser is resumable in the sense that the caller can call it
 * again with the same buffer grown by more bytes; a prefix of a valid input
 * always yields HTTP_PARSE_NEED_MORE, never a different verdict.
 *
 * Strictness follows the client discipline level (-3 ... 3, default 0) of
 * MHD_OPTION_CLIENT_DISCIPLINE_LVL; see spec/mhd-api.md section 18 and the
 * policy notes on each function. */
#ifndef MHD_HTTP_H
#define MHD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* memchr for the short pieces of a request (a path, a query): below 16
 * bytes a byte loop, where calling libc costs more than the search. */
static inline char *mhd_http_memchr(const char *s, char ch, size_t n)
{
    if (n < 16) {
        for (size_t i = 0; i < n; i++)
            if (s[i] == ch)
                return (char *)(uintptr_t)(s + i);
        return NULL;
    }
    return memchr(s, ch, n);
}

/* The outcome of every parser; each failure maps to one answer. */
enum mhd_http_result {
    HTTP_PARSE_OK = 0,
    HTTP_PARSE_NEED_MORE,       /* valid so far, incomplete */
    HTTP_PARSE_BAD,             /* 400 Bad Request */
    HTTP_PARSE_URI_TOO_LONG,    /* 414 URI Too Long */
    HTTP_PARSE_HEAD_TOO_LARGE,  /* 431 Request Header Fields Too Large */
    HTTP_PARSE_BODY_TOO_LARGE,  /* 413 Content Too Large */
    HTTP_PARSE_NOT_IMPLEMENTED, /* 501 Not Implemented */
    HTTP_PARSE_BAD_VERSION,     /* 505 HTTP Version Not Supported */
    HTTP_PARSE_CLOSE,           /* not HTTP at all: close without an answer */
    HTTP_PARSE_NO_MEMORY        /* a callback could not store a value: 431 */
};

/* The status code the server answers a failed parse with; 0 means close the
 * connection without an answer. HTTP_PARSE_OK and _NEED_MORE give 0. */
unsigned int mhd_http_result_status(enum mhd_http_result r);

/* ---- Finding the end of a request head ---------------------------------- */

/* State kept between calls of mhd_http_scan_head() for one request. */
struct mhd_http_scan {
    size_t pos;          /* bytes of the buffer already examined */
    size_t start;        /* offset of the request line (empty lines before it skipped) */
    size_t line_end;     /* offset just past the request line's terminator, 0 until seen */
    size_t head_end;     /* offset just past the empty line ending the head, when OK */
    unsigned int leading_empty; /* empty lines skipped before the request line */
};

void mhd_http_scan_init(struct mhd_http_scan *s);

/* Continues looking for the end of the request head in buf[0..len), where
 * buf holds the bytes of the previous calls plus new ones. Work already done
 * is not repeated, so feeding a head one byte at a time costs O(length).
 * Returns HTTP_PARSE_OK once the head is complete (s->start and s->head_end
 * set), HTTP_PARSE_NEED_MORE, or HTTP_PARSE_CLOSE / HTTP_PARSE_BAD for input
 * that cannot start a request at `level` (too many empty lines before the
 * request line, whitespace before the method). */
enum mhd_http_result mhd_http_scan_head(struct mhd_http_scan *s, const char *buf, size_t len,
                                        int level);

/* The answer for a head that did not end within the `len` bytes the
 * connection can hold: HTTP_PARSE_NOT_IMPLEMENTED while the method itself
 * is still arriving (nothing but token characters so far),
 * HTTP_PARSE_URI_TOO_LONG while the request line is still arriving with a
 * well-known method (GET, HEAD, POST, PUT, DELETE), HTTP_PARSE_CLOSE while
 * an unknown method's line is arriving (or only empty lines), and among the
 * header fields what mhd_http_too_large() blames: HTTP_PARSE_HEAD_TOO_LARGE,
 * or HTTP_PARSE_URI_TOO_LONG when the request-target is what takes the
 * room, or HTTP_PARSE_NOT_IMPLEMENTED when an absurdly long method does. */
enum mhd_http_result mhd_http_head_overflow(const struct mhd_http_scan *s, const char *buf,
                                            size_t len);

/* Which part of a request too large for the connection's memory is to
 * blame, from the lengths of its method, request-target and field section:
 * HTTP_PARSE_NOT_IMPLEMENTED when the method is longer than either of the
 * others, HTTP_PARSE_URI_TOO_LONG when the target is longer than 8000 bytes
 * or than the fields, HTTP_PARSE_HEAD_TOO_LARGE otherwise. */
enum mhd_http_result mhd_http_too_large(size_t method_len, size_t target_len, size_t fields_len);

/* ---- Parsing a complete request head in place --------------------------- */

/* Called for each header (or trailer) field, in order, with the name and the
 * value 0-terminated in place. The value has leading and trailing SP/HTAB
 * removed and folded lines joined with spaces. Returning false stops the
 * parse with HTTP_PARSE_NO_MEMORY. */
typedef bool (*mhd_http_field_cb)(void *ctx, char *name, size_t name_len, char *value,
                                  size_t value_len);

/* What the head says about the request, filled by mhd_http_parse_head(). */
struct mhd_http_head {
    char *method; /* 0-terminated in place, case as sent */
    size_t method_len;
    char *target; /* raw request-target, 0-terminated, not decoded */
    size_t target_len;
    char *version; /* "HTTP/1.1" as sent, 0-terminated */
    size_t version_len;
    unsigned int version_major; /* always 1 after a successful parse */
    unsigned int version_minor; /* 0 ... 9; the caller treats 2 ... 9 as 1.1 */

    /* Message framing (RFC 9112 section 6), already judged for conflicts. */
    bool has_content_length;
    uint64_t content_length;
    bool chunked;             /* Transfer-Encoding: chunked */
    bool must_close;          /* framing is doubtful (tolerated at low levels): close after reply */

    /* Fields that steer the connection. */
    bool has_host;
    bool conn_close;          /* Connection has the token "close" */
    bool conn_keep_alive;     /* Connection has the token "keep-alive" */
    bool conn_upgrade;        /* Connection has the token "upgrade" */
    bool expect_continue;     /* Expect: 100-continue */
    bool has_cookie;          /* a Cookie field is there */
};

/* Parses the head buf[0..len): the request line, then every header field up
 * to and including the empty line that ends the head (len is
 * s->head_end - s->start from the scan, buf is the buffer plus s->start).
 * Each field goes to `cb`, then the framing fields are judged:
 *  - HTTP/1.1 without Host, or with more than one Host, or an invalid Host
 *    value: HTTP_PARSE_BAD (Host is optional at level -3);
 *  - Content-Length not all digits, overflowing 64 bits, or given twice
 *    with different values: HTTP_PARSE_BAD (identical repeats are fine);
 *  - Transfer-Encoding whose last coding is not chunked, chunked twice, or
 *    chunked on HTTP/1.0: HTTP_PARSE_BAD; another coding before chunked
 *    (e.g. "gzip, chunked"): HTTP_PARSE_NOT_IMPLEMENTED;
 *  - both Transfer-Encoding and Content-Length: HTTP_PARSE_BAD at levels
 *    >= 0; below that the Content-Length is ignored and must_close is set.
 * Other results: HTTP_PARSE_BAD for a malformed request line or field line
 * (per level, see the spec's table), HTTP_PARSE_BAD_VERSION for HTTP major
 * versions other than 1, HTTP_PARSE_CLOSE for lines that do not look like
 * HTTP at all, HTTP_PARSE_NO_MEMORY when `cb` failed. */
enum mhd_http_result mhd_http_parse_head(char *buf, size_t len, int level, struct mhd_http_head *h,
                                         mhd_http_field_cb cb, void *ctx);

/* A Host value found valid before (up to 31 bytes; len 0: none). A
 * keep-alive client sends the same Host with every request; given the memo
 * of its connection, mhd_http_parse_head_memo() then compares instead of
 * checking the value again, and remembers each new valid one that fits. */
struct mhd_http_host_memo {
    unsigned char len;
    char bytes[31];
};

/* mhd_http_parse_head() with the connection's Host memo (NULL: none). */
enum mhd_http_result mhd_http_parse_head_memo(char *buf, size_t len, int level,
                                              struct mhd_http_head *h, mhd_http_field_cb cb,
                                              void *ctx, struct mhd_http_host_memo *memo);

/* ---- Chunked request bodies (RFC 9112 section 7.1) ---------------------- */

/* Longest chunk-size line accepted, extensions included. */
#define MHD_HTTP_CHUNK_LINE_MAX 4096

/* Parses the chunk-size line at the start of buf[0..len): hex digits,
 * optional extensions (";name[=value]", ignored), CRLF (a bare LF at levels
 * <= 0). On HTTP_PARSE_OK sets *size and *consumed (the line's length).
 * HTTP_PARSE_BAD for a malformed line, a size overflowing 64 bits, or a line
 * longer than MHD_HTTP_CHUNK_LINE_MAX. */
enum mhd_http_result mhd_http_parse_chunk_size(const char *buf, size_t len, int level,
                                               uint64_t *size, size_t *consumed);

/* Parses the CRLF that must follow chunk data (a bare LF at levels <= 0).
 * HTTP_PARSE_OK with *consumed set, NEED_MORE, or BAD. */
enum mhd_http_result mhd_http_parse_chunk_end(const char *buf, size_t len, int level,
                                              size_t *consumed);

/* Looks for the end of the trailer section that follows the last chunk,
 * resuming at *pos (start with 0): either an empty line right away (no
 * trailers) or field lines followed by an empty line. HTTP_PARSE_OK sets
 * *end to the section's length including the final empty line. */
enum mhd_http_result mhd_http_scan_trailers(const char *buf, size_t len, size_t *pos,
                                            size_t *end);

/* Parses a complete trailer section buf[0..len) (as found above) in place,
 * reporting each field to `cb` with the same rules as header fields. */
enum mhd_http_result mhd_http_parse_trailers(char *buf, size_t len, int level,
                                             mhd_http_field_cb cb, void *ctx);

/* Writes the chunk header for `n` data bytes ("1a2b\r\n") into out, which
 * must hold 18 bytes; returns its length. */
size_t mhd_http_chunk_header(char *out, uint64_t n);

/* Writes `n` in decimal into out, which must hold 20 bytes (no NUL);
 * returns its length. */
size_t mhd_http_decimal(char *out, uint64_t n);

/* ---- Request-target, query and percent-decoding ------------------------- */

/* Decodes %XX escapes of s[0..len) in place, 0-terminates (s[len] must be
 * writable), returns the new length. `strict`: if any escape is malformed
 * ('%' not followed by two hex digits) the string is left exactly as it was
 * and `len` is returned; otherwise malformed escapes are copied through
 * unchanged. '+' is kept. */
size_t mhd_http_unescape(char *s, size_t len, bool strict);

/* A decoder for path and argument strings; the default one is
 * mhd_http_unescape, an application may install its own. Gets a
 * 0-terminated string of `len` bytes, returns the decoded length. */
typedef size_t (*mhd_http_unescape_fn)(void *ctx, char *s, size_t len);

/* Called for each query argument with the decoded, 0-terminated key and
 * value; `value` is NULL when the argument had no '='. Returning false stops
 * the parse. */
typedef bool (*mhd_http_arg_cb)(void *ctx, char *key, size_t key_len, char *value,
                                size_t value_len);

/* Splits the query string q[0..len) (without the '?'; q[len] must be
 * writable, the last piece is 0-terminated there) at '&' and then at the
 * first '=', turns '+' into space, decodes key and value with `unescape`
 * (NULL: mhd_http_unescape, lenient) and reports them in order. Empty
 * pieces between '&&' are skipped. Returns false if `cb` returned false. */
bool mhd_http_parse_query(char *q, size_t len, mhd_http_unescape_fn unescape, void *uctx,
                          mhd_http_arg_cb cb, void *ctx);

/* ---- Cookies (RFC 6265 section 5.4, tolerance per level) ---------------- */

/* Called for each cookie with name and value 0-terminated in place (quotes
 * around the value removed). Returning false stops with -1. */
typedef bool (*mhd_http_cookie_cb)(void *ctx, char *name, size_t name_len, char *value,
                                   size_t value_len);

/* Parses one Cookie header value s[0..len) in place (s[len] must be
 * writable) and reports each cookie.
 * On malformed input, levels <= 1 report the cookies before the error and
 * levels >= 2 report none. Returns the number of cookies reported, or -1 when
 * `cb` failed. */
int mhd_http_parse_cookies(char *s, size_t len, int level, mhd_http_cookie_cb cb, void *ctx);

/* ---- Response side ------------------------------------------------------ */

/* Writes the IMF-fixdate for `t` ("Sun, 06 Nov 1994 08:49:37 GMT", 29 bytes)
 * into out and 0-terminates it; out must hold 30 bytes. */
void mhd_http_date(time_t t, char *out);

/* True when `name` (of `len` bytes) is a valid field name (RFC 9110 token). */
bool mhd_http_is_token(const char *name, size_t len);

/* Case-insensitive comparison of two byte strings of equal length. */
bool mhd_http_str_eq_nocase(const char *a, const char *b, size_t len);

/* True when the comma-separated list value[0..len) contains `token`
 * (case-insensitive, surrounding whitespace ignored). */
bool mhd_http_list_has_token(const char *value, size_t len, const char *token, size_t token_len);

#endif
