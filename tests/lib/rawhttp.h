/* Raw HTTP/1.x responses as they come off the wire, for tests that check
 * framing byte by byte: the head split from the body, the body decoded by
 * its framing (Content-Length, chunked with trailers, or up to the close),
 * and whether that framing said the body was complete. */
#ifndef MHD_TEST_RAWHTTP_H
#define MHD_TEST_RAWHTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hr_reply {
    int status;          /* 0 when no complete head was found */
    char version[9];     /* "HTTP/1.1", "HTTP/1.0" */
    char *head;          /* status line and fields, up to the empty line, malloc'ed */
    size_t head_len;
    char *body;          /* the decoded body, malloc'ed, 0-terminated */
    size_t body_len;
    char *trailers;      /* the trailer fields of a chunked body, malloc'ed */
    size_t trailers_len;
    bool chunked;
    bool close_delimited; /* neither Content-Length nor chunked: the close ends it */
    bool complete;       /* the framing's end was seen (for close-delimited: the close) */
    size_t wire_len;     /* input bytes this response used */
};

/* Parses the response at buf. `closed` says the peer closed after `len`
 * bytes; `no_body` is true for replies that carry no body whatever the
 * headers say (answers to HEAD, 1xx, 204, 304). Returns false when not even
 * the head is complete. */
bool hr_parse(const char *buf, size_t len, bool closed, bool no_body, struct hr_reply *out);

/* The value of field `name` in the head (first one, case-insensitive), or of
 * a trailer field when `trailer`; false if absent. */
bool hr_field(const struct hr_reply *r, const char *name, char *val, size_t cap);
bool hr_trailer(const struct hr_reply *r, const char *name, char *val, size_t cap);

/* How many fields called `name` the head has. */
int hr_field_count(const struct hr_reply *r, const char *name);

void hr_free(struct hr_reply *r);

/* Reads from fd until the peer closes, `max` bytes arrived, or `timeout_ms`
 * passed without data, into a malloc'ed buffer (0-terminated). Sets *closed
 * when the peer closed (or reset). Returns the length. */
size_t hr_recv_all(int fd, char **buf, size_t max, int timeout_ms, bool *closed);

/* Reads one response from fd: until its framing says it is complete, the
 * peer closes, or `timeout_ms` pass without data; then parses it. Bytes
 * after it are consumed too (no pipelining). False if no head arrived. */
bool hr_read_reply(int fd, bool no_body, int timeout_ms, struct hr_reply *out);

/* Connects to 127.0.0.1:port, sends `request`, reads one response
 * (hr_read_reply) and closes. False if no head arrived. */
bool hr_exchange(uint16_t port, const char *request, bool no_body, struct hr_reply *out);

#endif
