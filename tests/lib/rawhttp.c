#include "rawhttp.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client.h"

static char *dup_mem(const char *p, size_t n)
{
    char *d = malloc(n + 1);
    if (d == NULL)
        abort();
    if (n)
        memcpy(d, p, n);
    d[n] = '\0';
    return d;
}

/* Finds field `name` in a block of "Name: value\r\n" lines. */
static bool find_field(const char *block, size_t len, const char *name, char *val, size_t cap,
                       int *count)
{
    size_t n = strlen(name);
    bool found = false;
    const char *p = block, *end = block + len;
    while (p < end) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        size_t line = eol ? (size_t)(eol - p) : (size_t)(end - p);
        if (line > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
            if (count)
                (*count)++;
            if (!found && val != NULL) {
                const char *v = p + n + 1;
                while (*v == ' ' || *v == '\t')
                    v++;
                size_t vl = line - (size_t)(v - p);
                while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
                    vl--;
                if (vl >= cap)
                    vl = cap - 1;
                memcpy(val, v, vl);
                val[vl] = '\0';
            }
            found = true;
        }
        if (eol == NULL)
            break;
        p = eol + 2;
    }
    return found;
}

bool hr_field(const struct hr_reply *r, const char *name, char *val, size_t cap)
{
    return r->head && find_field(r->head, r->head_len, name, val, cap, NULL);
}

bool hr_trailer(const struct hr_reply *r, const char *name, char *val, size_t cap)
{
    return r->trailers && find_field(r->trailers, r->trailers_len, name, val, cap, NULL);
}

int hr_field_count(const struct hr_reply *r, const char *name)
{
    int n = 0;
    if (r->head)
        find_field(r->head, r->head_len, name, NULL, 0, &n);
    return n;
}

/* Decodes a chunked body from p (len bytes); fills out->body, trailers,
 * complete; returns the bytes used. */
static size_t decode_chunked(const char *p, size_t len, struct hr_reply *out)
{
    char *body = malloc(len + 1);
    if (body == NULL)
        abort();
    size_t blen = 0, pos = 0;
    for (;;) {
        const char *eol = memmem(p + pos, len - pos, "\r\n", 2);
        if (eol == NULL)
            break;
        char *hex_end;
        unsigned long long size = strtoull(p + pos, &hex_end, 16);
        if (hex_end == p + pos || (*hex_end != ';' && *hex_end != '\r'))
            break;
        size_t data = (size_t)(eol - p) + 2;
        if (size == 0) {
            /* Trailer fields up to the empty line. */
            const char *tend = data + 1 < len && p[data] == '\r' && p[data + 1] == '\n'
                                   ? p + data
                                   : memmem(p + data, len - data, "\r\n\r\n", 4);
            if (tend == NULL)
                break;
            size_t tl = (size_t)(tend - (p + data));
            if (tend != p + data)
                tl += 2; /* keep the last field's CRLF */
            out->trailers = dup_mem(p + data, tl);
            out->trailers_len = tl;
            out->complete = true;
            pos = (size_t)(tend - p) + (tend == p + data ? 2 : 4);
            break;
        }
        if (data + size + 2 > len || memcmp(p + data + size, "\r\n", 2) != 0) {
            size_t have = len > data ? len - data : 0;
            if (have > size)
                have = (size_t)size;
            memcpy(body + blen, p + data, have);
            blen += have;
            pos = len;
            break;
        }
        memcpy(body + blen, p + data, (size_t)size);
        blen += (size_t)size;
        pos = data + (size_t)size + 2;
    }
    body[blen] = '\0';
    out->body = body;
    out->body_len = blen;
    return pos;
}

bool hr_parse(const char *buf, size_t len, bool closed, bool no_body, struct hr_reply *out)
{
    memset(out, 0, sizeof(*out));
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (end == NULL || len < 12 || (strncmp(buf, "HTTP/1.", 7) != 0))
        return false;
    size_t head_len = (size_t)(end - buf) + 2;
    out->head = dup_mem(buf, head_len);
    out->head_len = head_len;
    memcpy(out->version, buf, 8);
    out->status = (int)strtol(buf + 9, NULL, 10);
    size_t at = head_len + 2;
    const char *p = buf + at;
    size_t left = len - at;
    char v[64];
    if (no_body) {
        out->body = dup_mem("", 0);
        out->complete = true;
        out->wire_len = at;
        return true;
    }
    if (hr_field(out, "Transfer-Encoding", v, sizeof(v)) && strcasecmp(v, "chunked") == 0) {
        out->chunked = true;
        out->wire_len = at + decode_chunked(p, left, out);
        return true;
    }
    if (hr_field(out, "Content-Length", v, sizeof(v))) {
        size_t want = (size_t)strtoull(v, NULL, 10);
        size_t have = left < want ? left : want;
        out->body = dup_mem(p, have);
        out->body_len = have;
        out->complete = have == want;
        out->wire_len = at + have;
        return true;
    }
    out->close_delimited = true;
    out->body = dup_mem(p, left);
    out->body_len = left;
    out->complete = closed;
    out->wire_len = len;
    return true;
}

void hr_free(struct hr_reply *r)
{
    free(r->head);
    free(r->body);
    free(r->trailers);
    memset(r, 0, sizeof(*r));
}

/* A growing receive buffer, kept 0-terminated. */
struct inbuf {
    char *b;
    size_t len;
    size_t cap;
    bool closed; /* the peer closed (or reset) */
};

static void inbuf_init(struct inbuf *in)
{
    in->cap = 65536;
    in->len = 0;
    in->closed = false;
    in->b = malloc(in->cap + 1);
    if (in->b == NULL)
        abort();
    in->b[0] = '\0';
}

/* Waits up to timeout_ms for input and appends at most `max` bytes of it.
 * False on a timeout or when the peer closed. */
static bool inbuf_read(struct inbuf *in, int fd, size_t max, int timeout_ms)
{
    for (;;) {
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, timeout_ms) <= 0)
            return false;
        if (in->len == in->cap) {
            in->cap *= 2;
            in->b = realloc(in->b, in->cap + 1);
            if (in->b == NULL)
                abort();
        }
        size_t room = in->cap - in->len < max ? in->cap - in->len : max;
        ssize_t n = recv(fd, in->b + in->len, room, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            in->closed = true;
            return false;
        }
        in->len += (size_t)n;
        in->b[in->len] = '\0';
        return true;
    }
}

size_t hr_recv_all(int fd, char **buf, size_t max, int timeout_ms, bool *closed)
{
    struct inbuf in;
    inbuf_init(&in);
    while (in.len < max && inbuf_read(&in, fd, max - in.len, timeout_ms))
        ;
    *closed = in.closed;
    *buf = in.b;
    return in.len;
}

/* Whether buf holds a whole response (cheap checks first, so a large body
 * is not parsed again after every read). */
static bool looks_complete(const char *buf, size_t len, bool no_body)
{
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (end == NULL)
        return false;
    if (no_body)
        return true;
    size_t head = (size_t)(end - buf) + 4;
    char v[64];
    if (find_field(buf, head - 2, "Content-Length", v, sizeof(v), NULL))
        return len >= head + (size_t)strtoull(v, NULL, 10);
    if (!find_field(buf, head - 2, "Transfer-Encoding", v, sizeof(v), NULL) ||
        strcasecmp(v, "chunked") != 0 || len < head + 5 ||
        memcmp(buf + len - 4, "\r\n\r\n", 4) != 0)
        return false;
    struct hr_reply r;
    hr_parse(buf, len, false, false, &r);
    bool done = r.complete;
    hr_free(&r);
    return done;
}

bool hr_read_reply(int fd, bool no_body, int timeout_ms, struct hr_reply *out)
{
    struct inbuf in;
    inbuf_init(&in);
    while (!looks_complete(in.b, in.len, no_body) && inbuf_read(&in, fd, SIZE_MAX, timeout_ms))
        ;
    bool ok = hr_parse(in.b, in.len, in.closed, no_body, out);
    free(in.b);
    return ok;
}

bool hr_exchange(uint16_t port, const char *request, bool no_body, struct hr_reply *out)
{
    memset(out, 0, sizeof(*out));
    int fd = rs_connect(port);
    if (fd < 0)
        return false;
    rs_send(fd, request, strlen(request));
    bool ok = hr_read_reply(fd, no_body, 5000, out);
    close(fd);
    return ok;
}
