/* examples/websocket_echo driven by a WebSocket client written here (RFC
 * 6455: the handshake with the RFC's own example key, masked frames with
 * 7-, 16- and 64-bit lengths, text and binary, fragments with a ping in
 * between, ping/pong, the closing handshake, protocol errors), several
 * clients at once, and a stop (SIGTERM) with a session open. The example is
 * the program the build made ($BUILD/examples/websocket_echo), started on a
 * free port; in a run over TLS (TEST_TLS=1) with the test certificate, so
 * that the same WebSocket session runs over wss://. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "rawhttp.h"
#include "tlstest.h"

static pid_t child = -1;

/* Starts the example; returns its port, 0 on failure. */
static uint16_t start_example(void)
{
    const char *build = getenv("BUILD");
    char path[512];
    snprintf(path, sizeof(path), "%s/examples/websocket_echo", build ? build : "build");
    const char *cert = tt_on() ? tt_path("server-chain.pem") : NULL;
    const char *key = tt_on() ? tt_path("server.key") : NULL;
    int out[2];
    if (pipe(out) != 0)
        return 0;
    child = fork();
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives a test that dies */
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        if (cert != NULL)
            execl(path, path, "0", cert, key, (char *)NULL);
        else
            execl(path, path, "0", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    char line[256];
    size_t len = 0;
    while (len + 1 < sizeof(line)) {
        struct pollfd p = {out[0], POLLIN, 0};
        if (poll(&p, 1, 5000) <= 0 || read(out[0], line + len, 1) != 1)
            break;
        if (line[len++] == '\n')
            break;
    }
    line[len] = '\0';
    close(out[0]);
    const char *p = strstr(line, "127.0.0.1:");
    CHECK_MSG(p != NULL, "%s said \"%s\"", path, line);
    return p ? (uint16_t)strtoul(p + 10, NULL, 10) : 0;
}

/* ---- a minimal WebSocket client ----------------------------------------- */

static bool read_exact(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, 5000) <= 0)
            return false;
        ssize_t n = recv(fd, p, len, 0);
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* Builds a masked client frame into out (which must hold len + 14 bytes);
 * returns its length. */
static size_t build_frame(unsigned char *out, int op, bool fin, const void *data, size_t len,
                          bool masked)
{
    size_t h = 0;
    out[h++] = (unsigned char)((fin ? 0x80 : 0) | op);
    unsigned char m = masked ? 0x80 : 0;
    if (len < 126) {
        out[h++] = (unsigned char)(m | len);
    } else if (len <= 0xffff) {
        out[h++] = m | 126;
        out[h++] = (unsigned char)(len >> 8);
        out[h++] = (unsigned char)len;
    } else {
        out[h++] = m | 127;
        for (int i = 0; i < 8; i++)
            out[h++] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
    }
    unsigned char key[4] = {(unsigned char)rand(), (unsigned char)rand(), (unsigned char)rand(),
                            (unsigned char)rand()};
    if (masked) {
        memcpy(out + h, key, 4);
        h += 4;
    }
    const unsigned char *d = data;
    for (size_t i = 0; i < len; i++)
        out[h + i] = masked ? d[i] ^ key[i & 3] : d[i];
    return h + len;
}

static bool send_frame(int fd, int op, bool fin, const void *data, size_t len)
{
    unsigned char *f = malloc(len + 14);
    size_t n = build_frame(f, op, fin, data, len, true);
    bool ok = rs_send(fd, f, n);
    free(f);
    return ok;
}

/* A frame from the server: unmasked, final, its length in the shortest
 * form. */
struct rframe {
    int op;
    bool fin;
    unsigned char *data; /* malloc'ed */
    size_t len;
    bool minimal; /* the length used the shortest encoding */
    bool masked;
};

static bool recv_frame(int fd, struct rframe *f)
{
    memset(f, 0, sizeof(*f));
    unsigned char h[2];
    if (!read_exact(fd, h, 2))
        return false;
    f->fin = (h[0] & 0x80) != 0;
    f->op = h[0] & 0x0f;
    f->masked = (h[1] & 0x80) != 0;
    uint64_t len = h[1] & 0x7f;
    f->minimal = true;
    if (len >= 126) {
        unsigned char ext[8];
        size_t n = len == 126 ? 2 : 8;
        if (!read_exact(fd, ext, n))
            return false;
        len = 0;
        for (size_t i = 0; i < n; i++)
            len = len << 8 | ext[i];
        f->minimal = n == 2 ? len >= 126 : len > 0xffff;
    }
    if (f->masked || len > ((uint64_t)64 << 20))
        return false;
    f->data = malloc((size_t)len + 1);
    f->len = (size_t)len;
    return read_exact(fd, f->data, f->len);
}

static bool sees_eof(int fd)
{
    char c;
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 5000) == 1 && recv(fd, &c, 1, 0) == 0;
}

/* Handshake (the RFC's example key), with `first` (a frame, may be empty)
 * in the same packet. Returns the socket, or -1 when the 101 with the
 * right headers did not come (CHECK-free: client threads call it). */
static int ws_open(uint16_t port, const unsigned char *first, size_t first_len)
{
    int fd = rs_connect(port);
    char req[1024];
    int n = snprintf(req, sizeof(req),
                     "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                     "Connection: keep-alive, Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n");
    if (first_len > 0)
        memcpy(req + n, first, first_len);
    rs_send(fd, req, (size_t)n + first_len);
    char head[2048];
    size_t len = rs_recv_until(fd, head, sizeof(head), "\r\n\r\n", 5000);
    struct hr_reply h;
    char up[64], conn[64], acc[64];
    bool ok = hr_parse(head, len, false, true, &h) && h.status == 101 &&
              hr_field(&h, "Upgrade", up, sizeof(up)) && strcasecmp(up, "websocket") == 0 &&
              hr_field(&h, "Connection", conn, sizeof(conn)) && strcasecmp(conn, "Upgrade") == 0 &&
              hr_field(&h, "Sec-WebSocket-Accept", acc, sizeof(acc)) &&
              strcmp(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0; /* RFC 6455, section 1.3 */
    hr_free(&h);
    if (!ok) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends a message and checks the echo. */
static bool echo_ok(int fd, int op, const void *data, size_t len)
{
    if (!send_frame(fd, op, true, data, len))
        return false;
    struct rframe f;
    bool ok = recv_frame(fd, &f) && f.fin && f.op == op && f.minimal && f.len == len &&
              memcmp(f.data, data, len) == 0;
    free(f.data);
    return ok;
}

static unsigned int close_code(const struct rframe *f)
{
    return f->len >= 2 ? (unsigned int)f->data[0] << 8 | f->data[1] : 0;
}

static void test_echo(uint16_t port)
{
    unsigned char first[64];
    size_t n = build_frame(first, 0x1, true, "Hello", 5, true);
    int fd = ws_open(port, first, n);
    CHECK_MSG(fd >= 0, "no valid handshake answer");
    if (fd < 0)
        return;
    /* The frame that came with the handshake. */
    struct rframe f;
    CHECK(recv_frame(fd, &f) && f.op == 0x1 && f.len == 5 && memcmp(f.data, "Hello", 5) == 0);
    free(f.data);
    /* Every length form, text and binary. */
    static const size_t sizes[] = {0, 1, 125, 126, 127, 65535, 65536, 1 << 20};
    unsigned char *bin = malloc((size_t)1 << 20);
    char *text = malloc((size_t)1 << 20);
    for (size_t i = 0; i < (size_t)1 << 20; i++) {
        bin[i] = (unsigned char)(rand() & 0xff);
        text[i] = (char)('a' + i % 26);
    }
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        CHECK_MSG(echo_ok(fd, 0x1, text, sizes[i]), "text of %zu bytes", sizes[i]);
        CHECK_MSG(echo_ok(fd, 0x2, bin, sizes[i]), "binary of %zu bytes", sizes[i]);
    }
    /* UTF-8 beyond ASCII. */
    static const char utf8[] = "gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80";
    CHECK(echo_ok(fd, 0x1, utf8, sizeof(utf8) - 1));
    /* A fragmented message with a ping in the middle: the pong comes first,
     * then the message in one piece. */
    CHECK(send_frame(fd, 0x1, false, "Hel", 3));
    CHECK(send_frame(fd, 0x9, true, "p1", 2));
    CHECK(send_frame(fd, 0x0, false, "lo ", 3));
    CHECK(send_frame(fd, 0x0, true, "world", 5));
    CHECK(recv_frame(fd, &f) && f.op == 0xA && f.len == 2 && memcmp(f.data, "p1", 2) == 0);
    free(f.data);
    CHECK(recv_frame(fd, &f) && f.op == 0x1 && f.fin && f.len == 11 &&
          memcmp(f.data, "Hello world", 11) == 0);
    free(f.data);
    /* Ping, pong (ignored), ping. */
    CHECK(send_frame(fd, 0x9, true, "are you there", 13));
    CHECK(recv_frame(fd, &f) && f.op == 0xA && f.len == 13 && memcmp(f.data, "are you there", 13) == 0);
    free(f.data);
    CHECK(send_frame(fd, 0xA, true, "unasked", 7));
    CHECK(send_frame(fd, 0x9, true, "", 0));
    CHECK(recv_frame(fd, &f) && f.op == 0xA && f.len == 0);
    free(f.data);
    /* The closing handshake. */
    CHECK(send_frame(fd, 0x8, true, "\x03\xe8" "bye", 5));
    CHECK(recv_frame(fd, &f) && f.op == 0x8 && close_code(&f) == 1000);
    free(f.data);
    CHECK(sees_eof(fd));
    close(fd);
    free(bin);
    free(text);
}

/* Protocol errors end the connection with the right close code. */
static void test_errors(uint16_t port)
{
    static const struct {
        const char *what;
        int op;
        bool masked;
        const char *data;
        unsigned int code;
    } cases[] = {
        {"unmasked frame", 0x1, false, "hi", 1002},
        {"bad UTF-8", 0x1, true, "\xc3\x28", 1007},
        {"stray continuation", 0x0, true, "x", 1002},
        {"unknown opcode", 0x3, true, "x", 1002},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int fd = ws_open(port, NULL, 0);
        CHECK(fd >= 0);
        if (fd < 0)
            continue;
        unsigned char frame[64];
        size_t n = build_frame(frame, cases[i].op, true, cases[i].data, strlen(cases[i].data),
                               cases[i].masked);
        rs_send(fd, frame, n);
        struct rframe f;
        bool got = recv_frame(fd, &f);
        CHECK_MSG(got && f.op == 0x8 && close_code(&f) == cases[i].code, "%s: close %u",
                  cases[i].what, got ? close_code(&f) : 0);
        free(f.data);
        CHECK(sees_eof(fd));
        close(fd);
    }
}

static void test_http_side(uint16_t port)
{
    struct hr_reply h;
    char v[64];
    CHECK(hr_exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false, &h));
    CHECK(h.status == 200 && strstr(h.body, "new WebSocket(") != NULL);
    hr_free(&h);
    CHECK(hr_exchange(port,
                      "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n",
                      false, &h));
    CHECK_EQ_INT(h.status, 400);
    hr_free(&h);
    CHECK(hr_exchange(port,
                      "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: 8\r\n\r\n",
                      false, &h));
    CHECK_EQ_INT(h.status, 426);
    CHECK(hr_field(&h, "Sec-WebSocket-Version", v, sizeof(v)) && strcmp(v, "13") == 0);
    hr_free(&h);
    CHECK(hr_exchange(port, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", false, &h));
    CHECK_EQ_INT(h.status, 404);
    hr_free(&h);
}

static void *chatty_client(void *arg)
{
    uint16_t port = *(uint16_t *)arg;
    int fd = ws_open(port, NULL, 0);
    intptr_t good = 0;
    for (int i = 0; fd >= 0 && i < 50; i++) {
        char msg[64];
        int n = snprintf(msg, sizeof(msg), "message %d from %p", i, (void *)&fd);
        good += echo_ok(fd, 0x1, msg, (size_t)n);
    }
    if (fd >= 0) {
        send_frame(fd, 0x8, true, "\x03\xe8", 2);
        struct rframe f = {0};
        if (recv_frame(fd, &f) && f.op == 0x8 && sees_eof(fd))
            good++;
        free(f.data);
        close(fd);
    }
    return (void *)good;
}

static void test_concurrent(uint16_t port)
{
    pthread_t t[4];
    uint16_t p = port;
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, chatty_client, &p);
    for (int i = 0; i < 4; i++) {
        void *good;
        pthread_join(t[i], &good);
        CHECK_EQ_INT((intptr_t)good, 51);
    }
}

/* SIGTERM with a session open: the client hears "going away", the
 * program exits cleanly. */
static void test_stop(uint16_t port)
{
    int fd = ws_open(port, NULL, 0);
    CHECK(fd >= 0 && echo_ok(fd, 0x2, "x", 1));
    kill(child, SIGTERM);
    struct rframe f = {0};
    CHECK(fd >= 0 && recv_frame(fd, &f) && f.op == 0x8 && close_code(&f) == 1001);
    free(f.data);
    CHECK(fd >= 0 && sees_eof(fd));
    close(fd);
    int status = -1;
    for (int i = 0; i < 5000; i++) {
        if (waitpid(child, &status, WNOHANG) == child) {
            child = -1;
            break;
        }
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    CHECK_MSG(child == -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "the example did not exit cleanly (status %d)", status);
}

int main(void)
{
    srand(4242);
    uint16_t port = start_example();
    if (port != 0) {
        test_echo(port);
        test_errors(port);
        test_http_side(port);
        test_concurrent(port);
        test_stop(port);
    }
    if (child > 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
    }
    return check_done();
}
