/* The physical floor of the benchmarks: a single-threaded epoll server of
 * our own that sends the very bytes bench/hello.c sends (status line,
 * Date, Content-Type, Content-Length, body; Connection: close after a
 * request that asked for it), finds each request by its terminating empty
 * line and parses nothing else. What it costs per request is about what
 * the kernel charges for the receive, the send and epoll.
 *
 *   floor [--mode int-epoll] [--port P] [--body N] [--file PATH]
 *         [--requests N] [--limit N] [--reuse]
 *
 * The command line is bench/hello's, so bench/run.sh drives it like one
 * more server: a "serving" line when it listens, "served REQUESTS
 * CONNECTIONS" at exit (on SIGTERM, or after N answered requests with
 * --requests). --limit and --reuse are accepted and change nothing; any
 * other mode, and --tls, are refused (exit status 2).
 *
 * Every request is answered: pipelined requests that arrived together go
 * out in one sendmsg of as many copies of the response (up to IOV_MAX),
 * and a request with "Connection: close" (any case) is the last one
 * answered on its connection, which is closed once its response is sent.
 * The Date header is a fixed string of the right length. With --file the
 * response is the header, then the file by sendfile. The listening socket
 * has ours' options (TCP_NODELAY, TCP_DEFER_ACCEPT), and a new connection
 * is read at once, before epoll hears of it. Nothing is allocated
 * per request or per connection: the state of a connection is a few bytes
 * in an array indexed by its descriptor, made once at start. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/* What a connection is in the middle of. */
struct conn {
    uint64_t off;    /* bytes of the first queued response already sent */
    uint32_t queued; /* responses owed, the last one the close reply if closing */
    uint8_t eoh;     /* bytes of "\r\n\r\n" matched at the end of the input */
    uint8_t cls;     /* bytes of CLOSE_HDR matched */
    uint8_t has_cls; /* the current request said Connection: close */
    uint8_t closing; /* a close request was queued: read no more, close after */
    uint8_t open;    /* accepted and not closed */
    uint8_t watched; /* 0 not in epoll, 1 EPOLLIN, 2 EPOLLIN|EPOLLOUT */
};

/* Matched without case, with any spaces or tabs after the colon. */
static const char CLOSE_HDR[] = "\r\nconnection:close";
#define CLOSE_LEN (sizeof(CLOSE_HDR) - 1)
#define CLOSE_VALUE 13 /* where the value starts in CLOSE_HDR */
#define DATE "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"

static struct conn *conns;
static size_t max_fd;
static int ep;
static char *resp[2]; /* keep-alive reply, close reply (header + body) */
static size_t resp_len[2], head_len[2];
static int file_fd = -1;
static uint64_t body_len;
static long max_requests, answered, accepted;
static volatile sig_atomic_t stop_now;

static void on_signal(int sig)
{
    (void)sig;
    stop_now = 1;
}

/* The replies of hello: header, then (without --file) the body. */
static int make_replies(const char *body)
{
    for (int c = 0; c < 2; c++) {
        char head[256];
        int n = snprintf(head, sizeof(head),
                         "HTTP/1.1 200 OK\r\n" DATE "%sContent-Type: text/plain\r\n"
                         "Content-Length: %llu\r\n\r\n",
                         c ? "Connection: close\r\n" : "", (unsigned long long)body_len);
        size_t b = body != NULL ? (size_t)body_len : 0;
        head_len[c] = (size_t)n;
        resp_len[c] = (size_t)n + b;
        resp[c] = malloc(resp_len[c]);
        if (resp[c] == NULL)
            return -1;
        memcpy(resp[c], head, (size_t)n);
        if (b)
            memcpy(resp[c] + n, body, b);
    }
    return 0;
}

static void close_conn(int fd)
{
    memset(&conns[fd], 0, sizeof(conns[fd]));
    close(fd);
}

/* Puts the connection in epoll (or changes what it waits for there): for
 * input, and for output when out is 1. */
static void watch(int fd, struct conn *c, int out)
{
    if (c->watched == 1 + out)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.fd = fd};
    if (epoll_ctl(ep, c->watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0) {
        close_conn(fd);
        return;
    }
    c->watched = (uint8_t)(1 + out);
}

/* Sends what is owed, as much as the socket takes: 1 when all is sent, 0
 * when the socket is full, -1 on an error. Replies held in memory go out
 * as one sendmsg of up to IOV_MAX copies. */
static int send_memory(int fd, struct conn *c)
{
    static struct iovec iov[IOV_MAX];
    while (c->queued > 0) {
        size_t n = c->queued < IOV_MAX ? c->queued : IOV_MAX;
        for (size_t i = 0; i < n; i++) {
            int last = c->closing && i == c->queued - 1;
            iov[i].iov_base = resp[last];
            iov[i].iov_len = resp_len[last];
        }
        iov[0].iov_base = (char *)iov[0].iov_base + c->off;
        iov[0].iov_len -= c->off;
        struct msghdr m = {.msg_iov = iov, .msg_iovlen = n};
        ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL);
        if (w < 0)
            return errno == EAGAIN ? 0 : -1;
        size_t left = (size_t)w;
        for (size_t i = 0; i < n && left >= iov[i].iov_len; i++) {
            left -= iov[i].iov_len;
            c->queued--;
            c->off = 0;
        }
        c->off += left;
        if (left > 0 || (size_t)w == 0)
            return 0;
    }
    return 1;
}

/* The same with --file: the header (MSG_MORE), then the file by sendfile,
 * one reply after the other. */
static int send_file(int fd, struct conn *c)
{
    while (c->queued > 0) {
        size_t h = head_len[c->closing && c->queued == 1];
        ssize_t w;
        if (c->off < h) {
            w = send(fd, resp[c->closing && c->queued == 1] + c->off, h - c->off,
                     MSG_NOSIGNAL | MSG_MORE);
        } else {
            off_t pos = (off_t)(c->off - h);
            uint64_t left = body_len - (uint64_t)pos;
            w = sendfile(fd, file_fd, &pos, left > (1u << 30) ? (1u << 30) : (size_t)left);
        }
        if (w < 0)
            return errno == EAGAIN ? 0 : -1;
        c->off += (uint64_t)w;
        if (c->off == h + body_len) {
            c->queued--;
            c->off = 0;
        } else if (w == 0) {
            return -1;
        }
    }
    return 1;
}

/* Counts the complete requests in buf[0..n) for a connection, carrying
 * the partial matches from the previous read. */
static uint32_t count_requests(struct conn *c, const char *buf, size_t n)
{
    uint32_t found = 0;
    const char *p = buf, *end = buf + n;
    while (p < end && !c->closing) {
        if (c->eoh == 0 && c->cls == 0) {
            p = memchr(p, '\r', (size_t)(end - p));
            if (p == NULL)
                break;
        }
        char ch = *p++;
        char lo = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
        if (c->cls == CLOSE_VALUE && (ch == ' ' || ch == '\t'))
            ; /* spaces before the value */
        else if (c->cls < CLOSE_LEN)
            c->cls = lo == CLOSE_HDR[c->cls] ? c->cls + 1 : ch == '\r';
        if (c->cls == CLOSE_LEN) {
            c->has_cls = 1;
            c->cls = 0;
        }
        if (ch == (c->eoh % 2 ? '\n' : '\r'))
            c->eoh++;
        else
            c->eoh = ch == '\r';
        if (c->eoh == 4) {
            found++;
            c->closing = c->has_cls;
            c->eoh = c->cls = c->has_cls = 0;
        }
    }
    return found;
}

static void on_output(int fd, struct conn *c)
{
    int r = file_fd >= 0 ? send_file(fd, c) : send_memory(fd, c);
    if (r < 0 || (r == 1 && c->closing))
        close_conn(fd);
    else if (c->watched || r == 0)
        watch(fd, c, r == 0);
}

static void on_input(int fd, struct conn *c)
{
    static char buf[65536];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
        if (n == 0 || errno != EAGAIN)
            close_conn(fd);
        return;
    }
    if (c->closing)
        return;
    int idle = c->queued == 0;
    uint32_t k = count_requests(c, buf, (size_t)n);
    if (k == 0)
        return;
    c->queued += k;
    answered += k;
    if (idle)
        on_output(fd, c);
}

static void on_listen(int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
        if (fd < 0)
            return;
        if ((size_t)fd >= max_fd) {
            close(fd);
            continue;
        }
        accepted++;
        /* The request is often there already: read it before asking epoll,
         * which then only hears of connections that stay open. */
        struct conn *c = &conns[fd];
        c->open = 1;
        on_input(fd, c);
        if (c->open && !c->watched)
            watch(fd, c, 0);
    }
}

static int open_listener(unsigned int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* The socket options of ours, so that the kernel does the same work:
     * no Nagle (inherited by the accepted sockets) and accept only once the
     * request is in (the first read after accept then finds it). */
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, SOMAXCONN) != 0) {
        perror("listen");
        return -1;
    }
    return fd;
}

static int usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--mode int-epoll] [--port P] [--body N] [--file PATH] "
            "[--requests N] [--limit N] [--reuse]\n",
            argv0);
    return 2;
}

int main(int argc, char **argv)
{
    unsigned int port = 8080;
    size_t size = 13;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : "";
        if (strcmp(a, "--mode") == 0 && ++i) {
            if (strcmp(v, "int-epoll") != 0) {
                fprintf(stderr, "floor: mode %s: one thread on epoll only\n", v);
                return 2;
            }
        } else if (strcmp(a, "--port") == 0 && ++i) {
            port = (unsigned int)strtoul(v, NULL, 10);
        } else if (strcmp(a, "--body") == 0 && ++i) {
            size = (size_t)strtoul(v, NULL, 10);
        } else if (strcmp(a, "--file") == 0 && ++i) {
            file = v;
        } else if (strcmp(a, "--requests") == 0 && ++i) {
            max_requests = strtol(v, NULL, 10);
        } else if (strcmp(a, "--limit") == 0 && ++i) {
        } else if (strcmp(a, "--reuse") != 0) {
            if (strcmp(a, "--tls") == 0)
                fprintf(stderr, "floor: no TLS\n");
            return usage(argv[0]);
        }
    }
    char *body = NULL;
    if (file != NULL) {
        struct stat st;
        file_fd = open(file, O_RDONLY);
        if (file_fd < 0 || fstat(file_fd, &st) != 0) {
            perror(file);
            return 1;
        }
        body_len = (uint64_t)st.st_size;
    } else {
        body = malloc(size + 1);
        for (size_t i = 0; body != NULL && i < size; i++)
            body[i] = "Hello, World!\n"[i % 14];
        body_len = size;
    }
    if ((file == NULL && body == NULL) || make_replies(body) != 0)
        return 1;
    free(body);
    struct rlimit rl;
    max_fd =
        getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY ? rl.rlim_cur : 1 << 20;
    conns = calloc(max_fd, sizeof(*conns)); /* pages are touched as descriptors are used */
    int lfd = open_listener(port);
    ep = epoll_create1(0);
    struct epoll_event lev = {.events = EPOLLIN, .data.fd = lfd};
    if (conns == NULL || lfd < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) != 0)
        return 1;
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    printf("serving %llu bytes on port %u in mode int-epoll (floor)\n",
           (unsigned long long)body_len, port);
    fflush(stdout);
    static struct epoll_event evs[512];
    while (!stop_now && (max_requests == 0 || answered < max_requests)) {
        int n = epoll_wait(ep, evs, 512, -1);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == lfd) {
                on_listen(lfd);
                continue;
            }
            if (evs[i].events & EPOLLOUT)
                on_output(fd, &conns[fd]);
            else if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                on_input(fd, &conns[fd]);
        }
    }
    printf("served %ld %ld\n", answered, accepted);
    return 0;
}
