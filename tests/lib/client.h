/* Clients for tests: libcurl for ordinary traffic, raw sockets for bytes no
 * well-behaved client would send. Every call is bounded in time; the
 * timeouts given here are stretched by TEST_SLOW (see slow.h). */
#ifndef MHD_TEST_CLIENT_H
#define MHD_TEST_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

/* What a libcurl request got back. */
struct tc_reply {
    long status;         /* 0 when the transfer failed */
    CURLcode code;
    char *body;          /* 0-terminated, malloc'ed */
    size_t body_len;
    char *headers;       /* every response header line, malloc'ed */
    size_t headers_len;
    long http_version;   /* CURL_HTTP_VERSION_1_0 / _1_1 as answered */
    long connects;       /* new connections libcurl opened for this request */
};

/* Options of one request; zero means the default. */
struct tc_request {
    const char *method;   /* default GET (POST when `body` is set) */
    const char *path;     /* default "/" */
    const char *body;     /* request body, sent with Content-Length */
    size_t body_len;
    bool chunked;         /* send the body chunked */
    bool http10;
    const char *const *headers; /* NULL-terminated extra header lines */
    long timeout_ms;      /* default 10000 */
};

/* Points `curl` at 127.0.0.1:port + path: http, or https verified
 * against the test CA in a run over TLS (tlstest.h). */
void tc_set_url(CURL *curl, uint16_t port, const char *path);

/* Performs one request on `curl` (a reusable easy handle, so keep-alive can
 * be observed) against 127.0.0.1:port. */
void tc_perform(CURL *curl, uint16_t port, const struct tc_request *rq, struct tc_reply *out);

/* One-shot GET of `path`. */
void tc_get(uint16_t port, const char *path, struct tc_reply *out);

/* The value of response header `name` in `r` (first one, case-insensitive),
 * copied into buf; false if absent. */
bool tc_header(const struct tc_reply *r, const char *name, char *buf, size_t cap);

void tc_reply_free(struct tc_reply *r);

/* Whether the body came without a length announced: chunked over HTTP/1.1
 * ("Transfer-Encoding: chunked"); over HTTP/2, which has no chunks, neither
 * Transfer-Encoding nor Content-Length. */
bool tc_is_chunked(const struct tc_reply *r);

/* ---- raw sockets -------------------------------------------------------- */

/* Connects to 127.0.0.1:port; -1 on failure. */
int rs_connect(uint16_t port);

/* The same over plain TCP even in a run over TLS (tlstest.h): for tests
 * that send a TLS port bytes of their own. TCP_NODELAY is set. */
int rs_connect_tcp(uint16_t port);

/* The local port of a connected socket, 0 if unknown. */
uint16_t rs_local_port(int fd);

/* Reads and discards until the peer closes fd (or resets it), at most
 * limit_ms; the milliseconds that took, -1 if it did not close. *first
 * (may be NULL) gets the first byte received, -1 if none. */
long rs_wait_closed(int fd, int limit_ms, int *first);

/* Sends all of data; false on error. */
bool rs_send(int fd, const void *data, size_t len);

/* Reads until the peer closes, `cap - 1` bytes arrived, or `timeout_ms`
 * passed without data. 0-terminates; returns the length. Sets *closed when
 * the peer closed. */
size_t rs_recv(int fd, char *buf, size_t cap, int timeout_ms, bool *closed);

/* Reads one complete response with Content-Length framing (or until close)
 * into buf; returns its length, 0 on timeout. */
size_t rs_recv_response(int fd, char *buf, size_t cap, int timeout_ms);

/* Reads until `marker` has arrived (or close/timeout); returns the length. */
size_t rs_recv_until(int fd, char *buf, size_t cap, const char *marker, int timeout_ms);

/* Connects, sends `request`, reads until the server closes (or timeout),
 * closes. Returns the response length. */
size_t rs_exchange(uint16_t port, const char *request, size_t len, char *buf, size_t cap,
                   int timeout_ms);

/* The status code of the first response in `resp`, 0 if none. */
int rs_status(const char *resp);

/* Counts the responses (status lines) in buf. */
int rs_count_responses(const char *buf);

#endif
