/* Opens N keep-alive connections to 127.0.0.1:PORT, makes one request on
 * each (so the server has really served it), then holds them all idle until
 * it gets SIGTERM or stdin closes. Prints "ready N" once all are idle.
 * Connections are opened in batches of 100 whose requests go out together,
 * so a server that polls every descriptor (poll, select) is not woken once
 * per connection while thousands are already open.
 *
 *   idle [--h2 [--streams K]] PORT N
 *
 * --h2: HTTP/2 with prior knowledge (cleartext). Each connection sends, in
 * one write, the client preface, an empty SETTINGS frame and K GET requests
 * (default 1) on streams 1, 3, 5 ...; it reads the server's frames until it
 * has the server's SETTINGS and the end of every stream (HEADERS, then DATA
 * with END_STREAM), then acknowledges the server's SETTINGS and sends a
 * PING, and counts as ready when the PING's acknowledgement arrives: by then
 * the server has processed everything the client will ever send it, so what
 * it holds is an idle connection. A RST_STREAM or GOAWAY, or an answer other
 * than 200, fails the connection. K up to 100 (the streams most servers
 * allow at once) shows what a connection keeps of a burst of streams. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static int connect_one(unsigned int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int h2;

static int send_all(int fd, const void *p, size_t len)
{
    return send(fd, p, len, 0) == (ssize_t)len ? 0 : -1;
}

/* The HTTP/2 requests: the preface and SETTINGS (no entries), then a
 * HEADERS frame with END_STREAM and END_HEADERS per stream. The first
 * header block is :method GET, :scheme http, :path / (static table entries
 * 2, 6, 4) and :authority localhost (a literal with incremental indexing,
 * its name from static entry 1); the later ones refer to that :authority by
 * its dynamic table index, 62 (0xbe). */
static const char h2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
                                 "\x00\x00\x00\x04\x00\x00\x00\x00\x00";
static const unsigned char h2_first_block[] = "\x82\x86\x84\x41\x09localhost";
static const unsigned char h2_next_block[] = "\x82\x86\x84\xbe";
/* SETTINGS with ACK, then PING with 8 bytes of opaque data. */
static const char h2_ack_ping[] = "\x00\x00\x00\x04\x01\x00\x00\x00\x00"
                                  "\x00\x00\x08\x06\x00\x00\x00\x00\x00"
                                  "idleping";
#define MAX_STREAMS 100
static int streams = 1;

/* Appends a frame header to p; returns the byte after it. */
static unsigned char *frame_head(unsigned char *p, size_t len, unsigned int type,
                                 unsigned int flags, unsigned long id)
{
    *p++ = (unsigned char)(len >> 16);
    *p++ = (unsigned char)(len >> 8);
    *p++ = (unsigned char)len;
    *p++ = (unsigned char)type;
    *p++ = (unsigned char)flags;
    *p++ = (unsigned char)(id >> 24 & 0x7f);
    *p++ = (unsigned char)(id >> 16);
    *p++ = (unsigned char)(id >> 8);
    *p++ = (unsigned char)id;
    return p;
}

static int send_h2_requests(int fd)
{
    unsigned char buf[sizeof(h2_preface) + MAX_STREAMS * (9 + sizeof(h2_first_block))];
    unsigned char *p = buf;
    memcpy(p, h2_preface, sizeof(h2_preface) - 1);
    p += sizeof(h2_preface) - 1;
    for (int i = 0; i < streams; i++) {
        const unsigned char *b = i == 0 ? h2_first_block : h2_next_block;
        size_t len = i == 0 ? sizeof(h2_first_block) - 1 : sizeof(h2_next_block) - 1;
        p = frame_head(p, len, 1, 0x5, 1 + 2 * (unsigned long)i); /* END_STREAM|END_HEADERS */
        memcpy(p, b, len);
        p += len;
    }
    return send_all(fd, buf, (size_t)(p - buf));
}

static int send_request(int fd)
{
    static const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    if (h2)
        return send_h2_requests(fd);
    return send_all(fd, req, sizeof(req) - 1);
}

/* Reads some bytes into buf (which holds *len) with a timeout; -1 on an
 * error, the end of input, a timeout or a full buffer. */
static int read_more(int fd, char *buf, size_t cap, size_t *len)
{
    struct pollfd p = {fd, POLLIN, 0};
    if (*len >= cap || poll(&p, 1, 10000) <= 0)
        return -1;
    ssize_t n = recv(fd, buf + *len, cap - *len, 0);
    if (n <= 0)
        return -1;
    *len += (size_t)n;
    return 0;
}

enum h2_frame {
    H2_DATA = 0,
    H2_HEADERS = 1,
    H2_RST = 3,
    H2_SETTINGS = 4,
    H2_PING = 6,
    H2_GOAWAY = 7
};

static size_t be24(const unsigned char *p)
{
    return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
}

/* Whether a HEADERS payload starts with :status 200, static table entry 8
 * (0x88). The payload may begin with a pad length and a priority (flags
 * 0x8, 0x20), the header block with dynamic table size updates (001xxxxx,
 * an integer with a 5-bit prefix). */
static int is_status_200(const unsigned char *p, size_t len, unsigned int flags)
{
    size_t i = (flags & 0x8 ? 1 : 0) + (flags & 0x20 ? 5 : 0);
    while (i < len && (p[i] & 0xe0) == 0x20) {
        if ((p[i++] & 0x1f) == 0x1f) {
            while (i < len && (p[i] & 0x80))
                i++;
            i++;
        }
    }
    return i < len && p[i] == 0x88;
}

/* The HTTP/2 exchange of the comment at the top, after the requests. */
static int read_h2_responses(int fd)
{
    unsigned char buf[4096];
    size_t len = 0, pos = 0;
    int settings = 0, done = 0, pinged = 0;
    char status_ok[MAX_STREAMS] = {0};
    for (;;) {
        if (len - pos < 9 || len - pos < 9 + be24(buf + pos)) {
            memmove(buf, buf + pos, len - pos);
            len -= pos;
            pos = 0;
            if (read_more(fd, (char *)buf, sizeof(buf), &len) != 0)
                return -1;
            continue;
        }
        const unsigned char *f = buf + pos;
        size_t flen = be24(f);
        unsigned int type = f[3], flags = f[4];
        unsigned long id = ((unsigned long)(f[5] & 0x7f) << 24 | (unsigned long)f[6] << 16 |
                            (unsigned long)f[7] << 8 | f[8]);
        pos += 9 + flen;
        if (type == H2_RST || type == H2_GOAWAY)
            return -1;
        if (type == H2_SETTINGS && !(flags & 1))
            settings = 1;
        int mine = id % 2 == 1 && id < 2 * (unsigned long)streams;
        if (type == H2_HEADERS && mine && !status_ok[id / 2]) {
            if (!is_status_200(f + 9, flen, flags))
                return -1;
            status_ok[id / 2] = 1;
        }
        if ((type == H2_HEADERS || type == H2_DATA) && mine && (flags & 1)) {
            if (!status_ok[id / 2])
                return -1;
            done++;
        }
        if (pinged && type == H2_PING && (flags & 1))
            return 0;
        if (settings && done == streams && !pinged) {
            if (send_all(fd, h2_ack_ping, sizeof(h2_ack_ping) - 1) != 0)
                return -1;
            pinged = 1;
        }
    }
}

/* Reads until the end of the (small) response to the request sent. */
static int read_response(int fd)
{
    if (h2)
        return read_h2_responses(fd);
    char buf[4096];
    size_t len = 0;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 10000) <= 0)
            return -1;
        ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
        if (n <= 0)
            return -1;
        len += (size_t)n;
        buf[len] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        char *cl = strstr(buf, "Content-Length:");
        if (end != NULL && cl != NULL &&
            len >= (size_t)(end - buf) + 4 + strtoul(cl + 15, NULL, 10))
            return 0;
    }
}

#define BATCH 100

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "--h2") == 0) {
        h2 = 1;
        argv++;
        argc--;
        if (argc >= 5 && strcmp(argv[1], "--streams") == 0) {
            streams = atoi(argv[2]);
            argv += 2;
            argc -= 2;
        }
    }
    if (argc != 3 || streams < 1 || streams > MAX_STREAMS) {
        fprintf(stderr, "usage: %s [--h2 [--streams K]] PORT N\n", argv[0]);
        return 2;
    }
    unsigned int port = (unsigned int)strtoul(argv[1], NULL, 10);
    long n = strtol(argv[2], NULL, 10);
    struct rlimit rl = {(rlim_t)n + 64, (rlim_t)n + 64};
    setrlimit(RLIMIT_NOFILE, &rl);
    int *fds = calloc((size_t)n, sizeof(int));
    long ok = 0;
    for (long first = 0; first < n && ok == first; first += BATCH) {
        long last = first + BATCH < n ? first + BATCH : n, sent = first;
        for (; sent < last; sent++) {
            fds[sent] = connect_one(port);
            if (fds[sent] < 0 || send_request(fds[sent]) != 0) {
                fprintf(stderr, "connection %ld failed: %s\n", sent, strerror(errno));
                if (fds[sent] >= 0)
                    close(fds[sent]);
                break;
            }
        }
        for (long i = first; i < sent; i++) {
            if (ok == i && read_response(fds[i]) == 0) {
                ok++;
            } else {
                if (ok == i)
                    fprintf(stderr, "connection %ld: no response: %s\n", i, strerror(errno));
                close(fds[i]);
            }
        }
    }
    printf("ready %ld\n", ok);
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0) {
    }
    for (long i = 0; i < ok; i++)
        close(fds[i]);
    free(fds);
    return ok == n ? 0 : 1;
}
