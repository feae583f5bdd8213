/* Helpers shared by the files of src/http; nothing outside the folder
 * includes this header.
 *
 * Byte classes come from one 256-entry table so that every hot loop is a
 * table lookup per byte; the two "find the first special byte" scanners use
 * SSE2 where the compiler offers it and 8-byte words otherwise. */
#ifndef MHD_HTTP_INTERNAL_H
#define MHD_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

/* Bits of mhd_http_ctype[]. */
#define HTTP_C_TCHAR 0x01u  /* RFC 9110 tchar: may appear in a token */
#define HTTP_C_CTL 0x02u    /* 0x00-0x1F and 0x7F */
#define HTTP_C_WS 0x04u     /* SP and HTAB */
#define HTTP_C_HEX 0x08u    /* 0-9 a-f A-F */
#define HTTP_C_COOKIE 0x10u /* RFC 6265 cookie-octet */
#define HTTP_C_REG 0x20u    /* RFC 3986 unreserved or sub-delims (reg-name bytes but '%') */
#define HTTP_C_QDTEXT 0x40u /* RFC 9110 qdtext: may appear unescaped between quotes */
#define HTTP_C_URI 0x80u    /* visible or non-ASCII: may appear in a request-target */

extern const uint8_t mhd_http_ctype[256];

static inline bool mhd_http_has(unsigned char c, unsigned int bits)
{
    return (mhd_http_ctype[c] & bits) != 0;
}

static inline bool mhd_http_is_tchar(unsigned char c)
{
    return mhd_http_has(c, HTTP_C_TCHAR);
}

static inline bool mhd_http_is_ws(unsigned char c)
{
    return c == ' ' || c == '\t';
}

static inline bool mhd_http_is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static inline unsigned char mhd_http_lower(unsigned char c)
{
    return (unsigned char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

/* The value of a hex digit, or -1. */
static inline int mhd_http_hex_value(unsigned char c)
{
    if (mhd_http_is_digit(c))
        return c - '0';
    c = (unsigned char)(c | 0x20);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* True when a[0..len) equals the lower-case literal `lower`, ignoring the
 * case of a. */
static inline bool mhd_http_eq_lower(const char *a, const char *lower, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (mhd_http_lower((unsigned char)a[i]) != (unsigned char)lower[i])
            return false;
    return true;
}

/* The first byte in [p, end) that is a control character (below 0x20 or
 * 0x7F), or end. Reads nothing at or past end. */
const char *mhd_http_find_ctl(const char *p, const char *end);

/* The first byte in [p, end) that is a control character or SP, or end. */
const char *mhd_http_find_ctl_or_sp(const char *p, const char *end);

/* True for GET, HEAD, POST, PUT and DELETE (exact case): the methods whose
 * malformed requests are answered instead of silently closed. */
bool mhd_http_is_common_method(const char *m, size_t len);

/* Parses the request line at the start of buf[0..len), which must contain
 * its terminating LF. Fills the request-line part of `h` and sets *consumed
 * to the line's length including the terminator. */
enum mhd_http_result mhd_http_parse_request_line(char *buf, size_t len, int level,
                                                 struct mhd_http_head *h, size_t *consumed);

/* Parses the field lines of buf[pos..len) up to and including the empty
 * line that must end exactly at len, reporting each field to `cb`. When `h`
 * is not NULL the fields are a request head's: the framing fields are
 * judged and recorded in `h` (whose request-line part is already filled). */
enum mhd_http_result mhd_http_parse_fields(char *buf, size_t pos, size_t len, int level,
                                           struct mhd_http_head *h, mhd_http_field_cb cb,
                                           void *ctx);

/* True when value[0..len) is a valid Host field value: uri-host with an
 * optional ":" port (RFC 9110 section 7.2, RFC 3986 section 3.2.2), or
 * empty. */
bool mhd_http_is_valid_host(const char *value, size_t len);

#endif
