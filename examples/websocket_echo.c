/* A WebSocket echo server (RFC 6455) on the upgrade API.
 *
 *   GET /    a page whose script opens a WebSocket to /ws and shows the echo
 *   GET /ws  the WebSocket: every text or binary message comes back as it
 *            was sent; pings are answered with pongs; a close is answered
 *            with a close carrying the same code, and the connection ends
 *
 * Usage: websocket_echo [port [cert.pem key.pem]]
 *        (default 8083; 0 picks a free port; with a certificate and its key
 *        it serves HTTPS and wss://; the first line printed names the
 *        address; 127.0.0.1 unless the environment names LISTEN_ADDRESS;
 *        SIGINT or SIGTERM stops it)
 * Try:   open http://127.0.0.1:8083/ in a browser
 *
 * The library answers the HTTP request; this program checks the handshake
 * headers, computes Sec-WebSocket-Accept (SHA-1 and base64, written out
 * below: the library has no public SHA-1), and queues a 101 response made by
 * MHD_create_response_for_upgrade(). After the 101 the library hands over
 * the socket, plus any bytes the client sent right behind its request (a
 * first frame may ride in the same packet), and this program runs the
 * protocol on a thread of its own per connection, with blocking I/O. When it
 * is done it tells the library with MHD_upgrade_action(CLOSE), which closes
 * the socket. To stop, it shuts down the open sockets, waits for their
 * threads to finish, and only then stops the daemon. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "microhttpd.h"

/* The largest message accepted (a larger one is refused with code 1009). */
#define MESSAGE_MAX ((size_t)16 << 20)

/* ---- SHA-1 (FIPS 180-4) and base64, just enough for the handshake ------- */

struct sha1 {
    uint32_t h[5];
    uint64_t len; /* bytes hashed */
    unsigned char block[64];
    size_t fill;
};

static uint32_t rol(uint32_t x, unsigned int n)
{
    return (x << n) | (x >> (32 - n));
}

static void sha1_block(struct sha1 *s, const unsigned char *p)
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5a827999;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8f1bbcdc;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6;
        }
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rol(b, 30);
        b = a;
        a = t;
    }
    s->h[0] += a;
    s->h[1] += b;
    s->h[2] += c;
    s->h[3] += d;
    s->h[4] += e;
}

static void sha1_init(struct sha1 *s)
{
    static const uint32_t iv[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
    memcpy(s->h, iv, sizeof(iv));
    s->len = 0;
    s->fill = 0;
}

static void sha1_update(struct sha1 *s, const void *data, size_t n)
{
    const unsigned char *p = data;
    s->len += n;
    while (n > 0) {
        size_t k = 64 - s->fill < n ? 64 - s->fill : n;
        memcpy(s->block + s->fill, p, k);
        s->fill += k;
        p += k;
        n -= k;
        if (s->fill == 64) {
            sha1_block(s, s->block);
            s->fill = 0;
        }
    }
}

static void sha1_final(struct sha1 *s, unsigned char out[20])
{
    uint64_t bits = s->len * 8;
    unsigned char pad = 0x80;
    sha1_update(s, &pad, 1);
    pad = 0;
    while (s->fill != 56)
        sha1_update(s, &pad, 1);
    unsigned char be[8];
    for (int i = 0; i < 8; i++)
        be[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha1_update(s, be, 8);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (unsigned char)(s->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)s->h[i];
    }
}

/* Encodes n bytes; `out` needs 4 * ((n + 2) / 3) + 1 bytes. */
static void base64(const unsigned char *in, size_t n, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = abc[v >> 18 & 63];
        out[o++] = abc[v >> 12 & 63];
        out[o++] = i + 1 < n ? abc[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? abc[v & 63] : '=';
    }
    out[o] = '\0';
}

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455, section 4.2.2). */
static void accept_key(const char *key, char out[29])
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    struct sha1 s;
    unsigned char digest[20];
    sha1_init(&s);
    sha1_update(&s, key, strlen(key));
    sha1_update(&s, guid, sizeof(guid) - 1);
    sha1_final(&s, digest);
    base64(digest, sizeof(digest), out);
}

/* ---- sessions: one thread per upgraded connection ----------------------- */

struct session {
    struct session *next;
    MHD_socket sock;
    struct MHD_UpgradeResponseHandle *urh;
    char *pending; /* bytes received with the request, read before the socket */
    size_t pending_len;
    size_t pending_pos;
};

static pthread_mutex_t sessions_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sessions_gone = PTHREAD_COND_INITIALIZER;
static struct session *sessions;
static unsigned int session_count;
static bool stopping;

enum opcode { OP_CONT = 0x0, OP_TEXT = 0x1, OP_BINARY = 0x2, OP_CLOSE = 0x8, OP_PING = 0x9,
              OP_PONG = 0xA };

/* Reads exactly n bytes, the pending ones first. False on end or error. */
static bool read_full(struct session *s, void *buf, size_t n)
{
    char *p = buf;
    size_t take = s->pending_len - s->pending_pos;
    if (take > n)
        take = n;
    if (take > 0) {
        memcpy(p, s->pending + s->pending_pos, take);
        s->pending_pos += take;
        p += take;
        n -= take;
    }
    while (n > 0) {
        ssize_t r = recv(s->sock, p, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

static bool write_full(struct session *s, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = send(s->sock, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Sends one unmasked frame (servers never mask), with the shortest length
 * form: 7 bits, 16 bits after 126, or 64 bits after 127. */
static bool send_frame(struct session *s, enum opcode op, const void *data, size_t len)
{
    unsigned char head[10];
    size_t h = 2;
    head[0] = (unsigned char)(0x80 | op);
    if (len < 126) {
        head[1] = (unsigned char)len;
    } else if (len <= 0xffff) {
        head[1] = 126;
        head[2] = (unsigned char)(len >> 8);
        head[3] = (unsigned char)len;
        h = 4;
    } else {
        head[1] = 127;
        for (int i = 0; i < 8; i++)
            head[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
        h = 10;
    }
    /* One write for the whole frame: the head alone would go out as a
     * packet of its own. */
    MHD_upgrade_action(s->urh, MHD_UPGRADE_ACTION_CORK_ON);
    bool ok = write_full(s, head, h) && write_full(s, data, len);
    MHD_upgrade_action(s->urh, MHD_UPGRADE_ACTION_CORK_OFF);
    return ok;
}

static void send_close(struct session *s, unsigned int code)
{
    unsigned char b[2] = {(unsigned char)(code >> 8), (unsigned char)code};
    send_frame(s, OP_CLOSE, b, 2);
}

/* A frame header from the client (clients must mask every frame). */
struct frame {
    bool fin;
    enum opcode op;
    uint64_t len;
    unsigned char mask[4];
};

/* Reads and checks a frame header; on a protocol error sets *fail to the
 * close code to send. */
static bool read_head(struct session *s, struct frame *f, unsigned int *fail)
{
    unsigned char h[2];
    if (!read_full(s, h, 2))
        return false;
    f->fin = (h[0] & 0x80) != 0;
    f->op = (enum opcode)(h[0] & 0x0f);
    f->len = h[1] & 0x7f;
    if ((h[0] & 0x70) != 0 || (h[1] & 0x80) == 0) {
        *fail = 1002; /* reserved bits set, or an unmasked frame */
        return false;
    }
    if (f->len >= 126) {
        unsigned char ext[8];
        size_t n = f->len == 126 ? 2 : 8;
        if (!read_full(s, ext, n))
            return false;
        f->len = 0;
        for (size_t i = 0; i < n; i++)
            f->len = f->len << 8 | ext[i];
    }
    if ((f->op & 0x8) && (f->len > 125 || !f->fin)) {
        *fail = 1002; /* control frames are short and never fragmented */
        return false;
    }
    return read_full(s, f->mask, 4);
}

/* Reads a payload into buf + at (growing buf) and unmasks it. */
static bool read_payload(struct session *s, const struct frame *f, char **buf, size_t *cap,
                         size_t at, unsigned int *fail)
{
    if (f->len > MESSAGE_MAX - at) {
        *fail = 1009; /* too big */
        return false;
    }
    size_t len = (size_t)f->len;
    if (at + len > *cap) {
        size_t ncap = *cap ? *cap : 4096;
        while (ncap < at + len)
            ncap *= 2;
        char *n = realloc(*buf, ncap);
        if (n == NULL) {
            *fail = 1011;
            return false;
        }
        *buf = n;
        *cap = ncap;
    }
    char *p = *buf + at;
    if (!read_full(s, p, len))
        return false;
    for (size_t i = 0; i < len; i++)
        p[i] ^= (char)f->mask[i & 3];
    return true;
}

/* Text messages must be UTF-8 (RFC 3629: shortest forms, no surrogates,
 * nothing above U+10FFFF). */
static bool valid_utf8(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        size_t more;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            more = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            more = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            more = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (n - i <= more)
            return false;
        for (size_t k = 1; k <= more; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        static const uint32_t least[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < least[more] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += more + 1;
    }
    return true;
}

/* Answers a control frame; false when the connection is to end. */
static bool on_control(struct session *s, const struct frame *f, unsigned int *fail)
{
    char payload[125];
    if (!read_full(s, payload, (size_t)f->len))
        return false;
    for (size_t i = 0; i < f->len; i++)
        payload[i] ^= (char)f->mask[i & 3];
    switch (f->op) {
    case OP_PING:
        return send_frame(s, OP_PONG, payload, (size_t)f->len);
    case OP_PONG:
        return true;
    case OP_CLOSE:
        /* The closing handshake: answer with the client's code, then end. */
        send_frame(s, OP_CLOSE, payload, f->len >= 2 ? 2 : 0);
        return false;
    default:
        *fail = 1002;
        return false;
    }
}

/* Runs the protocol until a close, an error or the end of the connection. */
static void serve(struct session *s)
{
    char *msg = NULL;
    size_t cap = 0, len = 0;
    enum opcode op = OP_CONT; /* the message in progress; OP_CONT: none */
    unsigned int fail = 0;
    for (;;) {
        struct frame f;
        if (!read_head(s, &f, &fail))
            break;
        if (f.op & 0x8) {
            /* Control frames may come between the fragments of a message. */
            if (!on_control(s, &f, &fail))
                break;
            continue;
        }
        bool starts = f.op == OP_TEXT || f.op == OP_BINARY;
        if ((f.op == OP_CONT && op == OP_CONT) || (f.op != OP_CONT && (!starts || op != OP_CONT))) {
            fail = 1002; /* a stray continuation, a new message inside one, a bad opcode */
            break;
        }
        if (starts) {
            op = f.op;
            len = 0;
        }
        if (!read_payload(s, &f, &msg, &cap, len, &fail))
            break;
        len += (size_t)f.len;
        if (!f.fin)
            continue;
        if (op == OP_TEXT && !valid_utf8((const unsigned char *)msg, len)) {
            fail = 1007;
            break;
        }
        if (!send_frame(s, op, msg, len))
            break;
        op = OP_CONT;
    }
    pthread_mutex_lock(&sessions_lock);
    bool going_away = stopping;
    pthread_mutex_unlock(&sessions_lock);
    if (fail == 0 && going_away)
        fail = 1001;
    if (fail != 0)
        send_close(s, fail);
    free(msg);
    /* We close first (RFC 6455, 7.1.1), but only our sending side: the rest
     * of what the client sent is read and dropped until it closes too (or
     * two seconds pass), so that no unread input turns our close into a
     * reset that could destroy the close frame on its way. */
    shutdown(s->sock, SHUT_WR);
    struct timeval tv = {2, 0};
    setsockopt(s->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char drop[4096];
    while (recv(s->sock, drop, sizeof(drop), 0) > 0)
        ;
}

static void *session_main(void *arg)
{
    struct session *s = arg;
    int fl = fcntl(s->sock, F_GETFL);
    if (fl >= 0)
        fcntl(s->sock, F_SETFL, fl & ~O_NONBLOCK);
    serve(s);
    /* Off the list first, so the stopping thread never touches the socket
     * once the library may have closed it; counted until after the close,
     * so the daemon is not stopped before the library has heard of it. */
    pthread_mutex_lock(&sessions_lock);
    for (struct session **pp = &sessions; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    }
    pthread_mutex_unlock(&sessions_lock);
    MHD_upgrade_action(s->urh, MHD_UPGRADE_ACTION_CLOSE);
    free(s->pending);
    free(s);
    pthread_mutex_lock(&sessions_lock);
    if (--session_count == 0)
        pthread_cond_broadcast(&sessions_gone);
    pthread_mutex_unlock(&sessions_lock);
    return NULL;
}

/* Called by the library after the 101 went out. Must not block: the
 * session gets a thread of its own. */
static void on_upgrade(void *cls, struct MHD_Connection *c, void *req_cls, const char *extra_in,
                       size_t extra_in_size, MHD_socket sock,
                       struct MHD_UpgradeResponseHandle *urh)
{
    (void)cls;
    (void)c;
    (void)req_cls;
    struct session *s = calloc(1, sizeof(*s));
    if (s != NULL && extra_in_size > 0) {
        s->pending = malloc(extra_in_size);
        if (s->pending != NULL) {
            memcpy(s->pending, extra_in, extra_in_size);
            s->pending_len = extra_in_size;
        }
    }
    if (s == NULL || (extra_in_size > 0 && s->pending == NULL)) {
        if (s != NULL)
            free(s);
        MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
        return;
    }
    s->sock = sock;
    s->urh = urh;
    pthread_mutex_lock(&sessions_lock);
    bool ok = !stopping;
    if (ok) {
        s->next = sessions;
        sessions = s;
        session_count++;
    }
    pthread_mutex_unlock(&sessions_lock);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (ok && pthread_create(&t, &attr, session_main, s) != 0) {
        pthread_mutex_lock(&sessions_lock);
        for (struct session **pp = &sessions; *pp != NULL; pp = &(*pp)->next) {
            if (*pp == s) {
                *pp = s->next;
                break;
            }
        }
        session_count--;
        pthread_mutex_unlock(&sessions_lock);
        ok = false;
    }
    pthread_attr_destroy(&attr);
    if (!ok) {
        MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
        free(s->pending);
        free(s);
    }
}

/* Ends every session and waits for their threads: first by shutting the
 * sockets for reading (each session then says "going away" with a close
 * frame), then, for a session stuck writing to a client that does not
 * read, both ways. */
static void stop_sessions(void)
{
    pthread_mutex_lock(&sessions_lock);
    stopping = true;
    for (int round = 0; round < 2 && session_count > 0; round++) {
        for (struct session *s = sessions; s != NULL; s = s->next)
            shutdown(s->sock, round == 0 ? SHUT_RD : SHUT_RDWR);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 2;
        while (session_count > 0 &&
               pthread_cond_timedwait(&sessions_gone, &sessions_lock, &until) == 0)
            ;
    }
    while (session_count > 0)
        pthread_cond_wait(&sessions_gone, &sessions_lock);
    pthread_mutex_unlock(&sessions_lock);
}

/* ---- the HTTP side: the page and the handshake -------------------------- */

static const char page[] =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>WebSocket echo</title></head>\n"
    "<body><h1>WebSocket echo</h1>\n"
    "<form id=\"f\"><input id=\"m\" value=\"Hello, WebSocket\"> <button>Send</button></form>\n"
    "<pre id=\"log\"></pre>\n<script>\n"
    "const log = t => document.getElementById('log').textContent += t + '\\n';\n"
    "const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') +\n"
    "                         location.host + '/ws');\n"
    "ws.onopen = () => log('open');\n"
    "ws.onmessage = e => log('echo: ' + e.data);\n"
    "ws.onclose = e => log('closed (' + e.code + ')');\n"
    "document.getElementById('f').onsubmit = e => {\n"
    "  e.preventDefault(); ws.send(document.getElementById('m').value); };\n"
    "</script></body></html>\n";

/* Whether the comma-separated list `v` holds `token` (any case). */
static bool has_token(const char *v, const char *token)
{
    size_t n = strlen(token);
    while (v != NULL && *v != '\0') {
        while (*v == ' ' || *v == '\t' || *v == ',')
            v++;
        const char *end = v;
        while (*end != '\0' && *end != ',')
            end++;
        const char *last = end;
        while (last > v && (last[-1] == ' ' || last[-1] == '\t'))
            last--;
        if ((size_t)(last - v) == n && strncasecmp(v, token, n) == 0)
            return true;
        v = end;
    }
    return false;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *type,
                             const char *body)
{
    struct MHD_Response *r = MHD_create_response_from_buffer_static(strlen(body), body);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    if (status == MHD_HTTP_UPGRADE_REQUIRED)
        MHD_add_response_header(r, "Sec-WebSocket-Version", "13");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handshake(struct MHD_Connection *c)
{
    const char *upgrade = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Upgrade");
    const char *connection = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Connection");
    const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-WebSocket-Key");
    const char *version = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-WebSocket-Version");
    if (!has_token(upgrade, "websocket") || !has_token(connection, "upgrade") || key == NULL ||
        strlen(key) != 24) /* 16 random bytes in base64 */
        return reply(c, MHD_HTTP_BAD_REQUEST, "text/plain", "Not a WebSocket handshake\n");
    if (version == NULL || strcmp(version, "13") != 0)
        return reply(c, MHD_HTTP_UPGRADE_REQUIRED, "text/plain", "WebSocket version 13 only\n");
    char accept[29];
    accept_key(key, accept);
    struct MHD_Response *r = MHD_create_response_for_upgrade(on_upgrade, NULL);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, "Upgrade", "websocket");
    MHD_add_response_header(r, "Sec-WebSocket-Accept", accept);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_SWITCHING_PROTOCOLS, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    static int seen;
    (void)cls;
    (void)version;
    (void)upload_data;
    if (*req_cls == NULL) {
        *req_cls = &seen; /* answer once the whole request is in */
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* no body is expected; drop it */
        return MHD_YES;
    }
    if (strcmp(method, "GET") != 0)
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "GET only\n");
    if (strcmp(url, "/") == 0)
        return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", page);
    if (strcmp(url, "/ws") == 0)
        return handshake(c);
    return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", "Not found\n");
}

/* The whole of a PEM file, or NULL. */
static char *read_pem(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = calloc(1, 65536);
    size_t n = buf != NULL ? fread(buf, 1, 65535, f) : 0;
    fclose(f);
    if (n == 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* 127.0.0.1, or the IPv4 address named by the environment's LISTEN_ADDRESS
 * (0.0.0.0: every interface). Returns the address as text, NULL if invalid. */
static const char *listen_address(struct sockaddr_in *sa, uint16_t port)
{
    const char *env = getenv("LISTEN_ADDRESS");
    const char *text = env != NULL ? env : "127.0.0.1";
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    if (inet_pton(AF_INET, text, &sa->sin_addr) != 1) {
        fprintf(stderr, "LISTEN_ADDRESS: not an IPv4 address: %s\n", text);
        return NULL;
    }
    return text;
}

int main(int argc, char **argv)
{
    unsigned long port = 8083;
    char *end = NULL;
    if (argc > 1)
        port = strtoul(argv[1], &end, 10);
    if ((argc > 1 && (*end != '\0' || port > 65535)) || argc == 3 || argc > 4) {
        fprintf(stderr, "usage: %s [port [cert.pem key.pem]]\n", argv[0]);
        return 2;
    }
    char *cert = NULL, *key = NULL;
    if (argc == 4 && ((cert = read_pem(argv[2])) == NULL || (key = read_pem(argv[3])) == NULL)) {
        fprintf(stderr, "cannot read %s\n", cert == NULL ? argv[2] : argv[3]);
        free(cert);
        return 1;
    }
    /* The stop signals are taken by sigwait() below; blocked before the
     * daemon's threads start, they are blocked in those threads too. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    struct sockaddr_in sa;
    const char *host = listen_address(&sa, (uint16_t)port);
    if (host == NULL)
        return 2;
    /* Over TLS the library relays between the TLS session and the socket
     * the upgrade handler gets: nothing else changes here. */
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG |
            (cert != NULL ? MHD_USE_TLS : 0),
        (uint16_t)port, NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR_LEN,
        (socklen_t)sizeof(sa), &sa, MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_ARRAY,
        (struct MHD_OptionItem[]){{cert != NULL ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0,
                                   cert},
                                  {MHD_OPTION_HTTPS_MEM_KEY, 0, key},
                                  {MHD_OPTION_END, 0, NULL}},
        MHD_OPTION_END);
    if (d == NULL)
        return 1; /* the library logged why */
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("Serving on %s://%s:%u/ (WebSocket at /ws); Ctrl-C stops it\n",
           cert != NULL ? "https" : "http", host,
           info != NULL ? (unsigned int)info->port : (unsigned int)port);
    fflush(stdout);
    int sig;
    sigwait(&stop, &sig);
    stop_sessions();
    MHD_stop_daemon(d);
    free(cert);
    free(key);
    return 0;
}
