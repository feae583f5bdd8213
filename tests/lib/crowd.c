#include "crowd.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "slow.h"

/* ---- the child ---------------------------------------------------------- */

enum role {
    ROLE_HOLD,
    ROLE_SLOW,
    ROLE_FLOOD,
    ROLE_HALF_HEAD,
    ROLE_HALF_BODY,
    ROLE_READER,
    ROLE_STALL
};

struct peer {
    int fd; /* -1 once closed */
    unsigned char role;
    bool connected;
    bool closed;   /* by the server, or the connect failed */
    bool waiting;  /* a request is out and its answer incomplete */
    bool busy_req; /* the request out was sent by "busy" */
    unsigned short have;
    unsigned int answers;
    uint64_t t_first;  /* microseconds: first byte sent */
    uint64_t t_closed; /* microseconds: close seen */
    uint64_t got;      /* bytes received by a reader */
    char buf[384];
};

#define MAX_PEERS 16384u
#define CMD_TAG UINT32_MAX
#define READ_BEFORE_RESET (256u * 1024u)

struct child {
    int ep;
    uint16_t port;
    struct peer *peers;
    uint32_t n;
    bool cmd_ready;
    /* busy */
    unsigned int busy_k, inflight;
    unsigned long busy_total, busy_sent, busy_done;
    uint32_t rr;
    uint32_t *lat;
    size_t nlat;
    /* slowloris and resets */
    uint64_t next_tick;
    bool reset_armed;
};

#define LAT_CAP ((size_t)1 << 20)

static uint64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

static void peer_interest(struct child *ch, uint32_t i, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.u32 = i};
    epoll_ctl(ch->ep, EPOLL_CTL_MOD, ch->peers[i].fd, &ev);
}

/* Closes a peer that the server closed (or that never connected). */
static void peer_lost(struct child *ch, struct peer *p)
{
    if (p->busy_req && p->waiting)
        ch->inflight--;
    p->closed = true;
    p->waiting = false;
    p->t_closed = now_us();
    close(p->fd);
    p->fd = -1;
}

/* Closes a peer with a reset, so neither side keeps a TIME_WAIT. */
static void peer_reset(struct child *ch, struct peer *p)
{
    if (p->fd < 0)
        return;
    if (p->busy_req && p->waiting)
        ch->inflight--;
    p->waiting = false;
    struct linger l = {1, 0};
    setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    close(p->fd);
    p->fd = -1;
}

static bool peer_send(struct child *ch, struct peer *p, const char *data, size_t len)
{
    ssize_t n = send(p->fd, data, len, MSG_NOSIGNAL);
    if (n == (ssize_t)len)
        return true;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && p->role == ROLE_HALF_BODY)
        return true; /* a body that does not fit is the point of that role */
    peer_lost(ch, p);
    return false;
}

static uint32_t peer_open(struct child *ch, enum role role)
{
    if (ch->n >= MAX_PEERS)
        return UINT32_MAX;
    uint32_t i = ch->n++;
    struct peer *p = &ch->peers[i];
    memset(p, 0, sizeof(*p));
    p->role = (unsigned char)role;
    p->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (p->fd < 0) {
        p->closed = true;
        return i;
    }
    int one = 1;
    setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(ch->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(p->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS) {
        peer_lost(ch, p);
        return i;
    }
    struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = i};
    epoll_ctl(ch->ep, EPOLL_CTL_ADD, p->fd, &ev);
    return i;
}

static void on_connected(struct child *ch, uint32_t i)
{
    static const char hold[] = "GET /hold HTTP/1.1\r\nHost: a\r\n\r\n";
    static const char flood[] = "GET /flood HTTP/1.1\r\nHost: a\r\n\r\n";
    static const char slow[] = "GET /slow HTTP/1.1\r\nHost: a\r\nX-Slow: ";
    static const char half[] = "GET /half HTTP/1.1\r\nHost: a\r\nX-Half: abc";
    static const char big[] = "GET /big HTTP/1.1\r\nHost: a\r\n\r\n";
    static const char upload[] =
        "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n";
    static char body[65536];
    struct peer *p = &ch->peers[i];
    p->connected = true;
    p->t_first = now_us();
    bool ok = true;
    uint32_t events = EPOLLIN;
    switch ((enum role)p->role) {
    case ROLE_HOLD:
        ok = peer_send(ch, p, hold, sizeof(hold) - 1);
        p->waiting = true;
        break;
    case ROLE_FLOOD:
        ok = peer_send(ch, p, flood, sizeof(flood) - 1);
        p->waiting = true;
        break;
    case ROLE_SLOW:
        ok = peer_send(ch, p, slow, sizeof(slow) - 1);
        break;
    case ROLE_HALF_HEAD:
        ok = peer_send(ch, p, half, sizeof(half) - 1);
        break;
    case ROLE_HALF_BODY:
        memset(body, 'b', sizeof(body));
        ok = peer_send(ch, p, upload, sizeof(upload) - 1) && peer_send(ch, p, body, sizeof(body));
        break;
    case ROLE_READER:
        ok = peer_send(ch, p, big, sizeof(big) - 1);
        break;
    case ROLE_STALL:
        ok = peer_send(ch, p, big, sizeof(big) - 1);
        events = 0; /* never reads: the server's writes stall */
        break;
    }
    if (ok)
        peer_interest(ch, i, events);
}

static void on_answer(struct child *ch, struct peer *p)
{
    p->answers++;
    p->waiting = false;
    if (!p->busy_req)
        return;
    p->busy_req = false;
    ch->inflight--;
    ch->busy_done++;
    if (ch->nlat < LAT_CAP)
        ch->lat[ch->nlat++] = (uint32_t)(now_us() - p->t_first);
}

/* Takes complete answers (Content-Length framed) off the peer's buffer. */
static void parse_answers(struct child *ch, struct peer *p)
{
    for (;;) {
        char *end = memmem(p->buf, p->have, "\r\n\r\n", 4);
        if (end == NULL)
            break;
        size_t hlen = (size_t)(end - p->buf) + 4;
        const char *cl = memmem(p->buf, hlen, "Content-Length: ", 16);
        size_t clen = cl ? strtoul(cl + 16, NULL, 10) : 0;
        if (p->have < hlen + clen)
            break;
        p->have = (unsigned short)(p->have - hlen - clen);
        memmove(p->buf, p->buf + hlen + clen, p->have);
        on_answer(ch, p);
    }
    if (p->have == sizeof(p->buf))
        peer_lost(ch, p); /* not an answer this crowd understands */
}

static void on_readable(struct child *ch, uint32_t i, uint32_t events)
{
    struct peer *p = &ch->peers[i];
    /* A reader stops at 256 KiB until "resetgo", so its answer stays
     * unfinished however long the test takes to get there. */
    if (p->role == ROLE_READER && p->got >= READ_BEFORE_RESET &&
        !(events & (EPOLLHUP | EPOLLERR))) {
        if (ch->reset_armed)
            peer_reset(ch, p);
        else
            peer_interest(ch, i, 0);
        return;
    }
    for (;;) {
        char scratch[16384];
        bool framed = p->role == ROLE_HOLD || p->role == ROLE_FLOOD;
        char *dst = framed ? p->buf + p->have : scratch;
        size_t cap = framed ? sizeof(p->buf) - p->have : sizeof(scratch);
        ssize_t n = recv(p->fd, dst, cap, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n <= 0) {
            peer_lost(ch, p);
            return;
        }
        p->got += (uint64_t)n;
        if (framed) {
            p->have = (unsigned short)(p->have + n);
            parse_answers(ch, p);
            if (p->fd < 0)
                return;
        } else if (p->role == ROLE_READER && p->got >= READ_BEFORE_RESET) {
            on_readable(ch, i, 0);
            return;
        }
    }
}

static void on_event(struct child *ch, uint32_t i, uint32_t events)
{
    struct peer *p = &ch->peers[i];
    if (p->fd < 0)
        return;
    if (!p->connected) {
        int err = 0;
        socklen_t len = sizeof(err);
        getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            peer_lost(ch, p);
            return;
        }
        on_connected(ch, i);
        return;
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
        on_readable(ch, i, events);
}

/* The slowloris trickle: one more byte of the endless header field. */
static void tick_slow(struct child *ch)
{
    uint64_t now = now_us();
    if (now < ch->next_tick)
        return;
    ch->next_tick = now + 250000u;
    for (uint32_t i = 0; i < ch->n; i++) {
        struct peer *p = &ch->peers[i];
        if (p->role == ROLE_SLOW && p->connected && p->fd >= 0)
            peer_send(ch, p, "a", 1);
    }
}

static void tick_busy(struct child *ch)
{
    static const char req[] = "GET /hold HTTP/1.1\r\nHost: a\r\n\r\n";
    for (uint32_t scanned = 0; ch->busy_k != 0 && ch->inflight < ch->busy_k && scanned < ch->n;
         scanned++) {
        if (ch->busy_total != 0 && ch->busy_sent >= ch->busy_total)
            return;
        struct peer *p = &ch->peers[ch->rr];
        ch->rr = (ch->rr + 1) % ch->n;
        if (p->role != ROLE_HOLD || !p->connected || p->fd < 0 || p->waiting)
            continue;
        p->t_first = now_us();
        p->busy_req = true;
        p->waiting = true;
        ch->inflight++;
        ch->busy_sent++;
        peer_send(ch, p, req, sizeof(req) - 1);
    }
}

static void pump(struct child *ch, int timeout_ms)
{
    struct epoll_event evs[256];
    int n = epoll_wait(ch->ep, evs, 256, timeout_ms);
    for (int k = 0; k < n; k++) {
        if (evs[k].data.u32 == CMD_TAG)
            ch->cmd_ready = true;
        else
            on_event(ch, evs[k].data.u32, evs[k].events);
    }
    tick_slow(ch);
    tick_busy(ch);
}

/* ---- the child's commands ------------------------------------------------ */

static bool has_role(const struct peer *p, unsigned int mask)
{
    return (mask >> p->role) & 1u;
}

#define M(role) (1u << (role))
#define M_ALL 0xffu

/* Peers of the roles in `mask` for which `pred` holds. */
static unsigned int count(const struct child *ch, unsigned int mask,
                          bool (*pred)(const struct peer *))
{
    unsigned int k = 0;
    for (uint32_t i = 0; i < ch->n; i++)
        if (has_role(&ch->peers[i], mask) && pred(&ch->peers[i]))
            k++;
    return k;
}

static bool is_any(const struct peer *p)
{
    (void)p;
    return true;
}

static bool is_open(const struct peer *p)
{
    return !p->closed;
}

static bool is_closed(const struct peer *p)
{
    return p->closed;
}

static bool is_connecting(const struct peer *p)
{
    return !p->closed && !p->connected;
}

static bool is_unsettled(const struct peer *p)
{
    return !p->closed && (!p->connected || p->waiting);
}

static bool is_held(const struct peer *p)
{
    return !p->closed && p->answers > 0;
}

static bool is_answered(const struct peer *p)
{
    return p->answers > 0;
}

static bool is_live(const struct peer *p)
{
    return p->fd >= 0;
}

static bool is_slow_cut(const struct peer *p)
{
    return p->closed && p->connected;
}

static bool is_connected(const struct peer *p)
{
    return p->connected;
}

/* Pumps until no peer of `mask` satisfies `pred`, at most `ms`. */
static void pump_while(struct child *ch, unsigned int mask, bool (*pred)(const struct peer *),
                       unsigned int ms)
{
    uint64_t end = now_us() + (uint64_t)test_ms(ms) * 1000u;
    while (count(ch, mask, pred) != 0 && now_us() < end)
        pump(ch, 20);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int busy_stats(struct child *ch, char *out, size_t cap)
{
    uint32_t p50 = 0, max = 0;
    if (ch->nlat > 0) {
        qsort(ch->lat, ch->nlat, sizeof(ch->lat[0]), cmp_u32);
        p50 = ch->lat[ch->nlat / 2];
        max = ch->lat[ch->nlat - 1];
    }
    return snprintf(out, cap, "%lu %u %u", ch->busy_done, p50, max);
}

static int cmd_hold(struct child *ch, unsigned long n, char *out, size_t cap)
{
    uint64_t t0 = now_us(), end = t0 + (uint64_t)test_ms(30000) * 1000u;
    unsigned long opened = 0;
    for (;;) {
        unsigned int unsettled = count(ch, M(ROLE_HOLD), is_unsettled);
        if ((opened == n && unsettled == 0) || now_us() > end)
            break;
        /* A window of connects in flight, so the listen backlog never
         * overflows (an overflow costs a SYN retransmission second). */
        while (opened < n && unsettled < 512) {
            peer_open(ch, ROLE_HOLD);
            opened++;
            unsettled++;
        }
        pump(ch, 20);
    }
    return snprintf(out, cap, "%u %lu", count(ch, M(ROLE_HOLD), is_held),
                    (unsigned long)((now_us() - t0) / 1000u));
}

static int cmd_busy(struct child *ch, unsigned long k, unsigned long total, char *out, size_t cap)
{
    ch->nlat = 0;
    ch->busy_done = ch->busy_sent = 0;
    ch->busy_total = total;
    ch->busy_k = (unsigned int)k;
    if (total == 0)
        return snprintf(out, cap, "0");
    uint64_t end = now_us() + (uint64_t)test_ms(30000) * 1000u;
    while (ch->busy_done < total && now_us() < end && (ch->inflight > 0 || ch->busy_sent < total))
        pump(ch, 20);
    ch->busy_k = 0;
    return busy_stats(ch, out, cap);
}

static int cmd_quiet(struct child *ch, char *out, size_t cap)
{
    ch->busy_k = 0;
    uint64_t end = now_us() + (uint64_t)test_ms(5000) * 1000u;
    while (ch->inflight > 0 && now_us() < end)
        pump(ch, 20);
    return busy_stats(ch, out, cap);
}

static int cmd_open(struct child *ch, enum role role, unsigned long n)
{
    for (unsigned long i = 0; i < n; i++)
        peer_open(ch, role);
    return 0;
}

static int cmd_slowwait(struct child *ch, unsigned long ms, char *out, size_t cap)
{
    pump_while(ch, M(ROLE_SLOW), is_open, (unsigned int)ms);
    uint64_t min = UINT64_MAX, max = 0;
    for (uint32_t i = 0; i < ch->n; i++) {
        const struct peer *p = &ch->peers[i];
        if (p->role != ROLE_SLOW || !is_slow_cut(p))
            continue;
        uint64_t d = p->t_closed - p->t_first;
        min = d < min ? d : min;
        max = d > max ? d : max;
    }
    return snprintf(out, cap, "%u %lu %lu", count(ch, M(ROLE_SLOW), is_slow_cut),
                    min == UINT64_MAX ? 0ul : (unsigned long)(min / 1000u),
                    (unsigned long)(max / 1000u));
}

static const unsigned int reset_roles =
    M(ROLE_HALF_HEAD) | M(ROLE_HALF_BODY) | M(ROLE_READER) | M(ROLE_STALL);

static int cmd_resetgo(struct child *ch, char *out, size_t cap)
{
    unsigned int reset = 0;
    ch->reset_armed = true;
    for (uint32_t i = 0; i < ch->n; i++) {
        struct peer *p = &ch->peers[i];
        bool now = p->role == ROLE_HALF_HEAD || p->role == ROLE_HALF_BODY ||
                   (p->role == ROLE_READER && p->got >= READ_BEFORE_RESET);
        if (now && p->fd >= 0) {
            peer_reset(ch, p);
            reset++;
        }
    }
    unsigned int readers = count(ch, M(ROLE_READER), is_live);
    pump_while(ch, M(ROLE_READER), is_live, 10000);
    reset += readers - count(ch, M(ROLE_READER), is_live);
    return snprintf(out, cap, "%u", reset);
}

static void release(struct child *ch)
{
    for (uint32_t i = 0; i < ch->n; i++)
        peer_reset(ch, &ch->peers[i]);
    ch->n = 0;
    ch->busy_k = 0;
    ch->inflight = 0;
    ch->rr = 0;
    ch->reset_armed = false;
}

/* Runs one command line; writes the reply line (without newline) to out. */
static void run_command(struct child *ch, const char *line, char *out, size_t cap)
{
    char name[16];
    unsigned long a[5] = {0};
    int got = sscanf(line, "%15s %lu %lu %lu %lu %lu", name, &a[0], &a[1], &a[2], &a[3], &a[4]);
    snprintf(out, cap, "0");
    if (got < 1)
        return;
    bool with_port = strcmp(name, "hold") == 0 || strcmp(name, "slow") == 0 ||
                     strcmp(name, "flood") == 0 || strcmp(name, "resetprep") == 0;
    if (with_port)
        ch->port = (uint16_t)a[0];
    if (strcmp(name, "hold") == 0) {
        cmd_hold(ch, a[1], out, cap);
    } else if (strcmp(name, "busy") == 0) {
        cmd_busy(ch, a[0], a[1], out, cap);
    } else if (strcmp(name, "quiet") == 0) {
        cmd_quiet(ch, out, cap);
    } else if (strcmp(name, "slow") == 0) {
        cmd_open(ch, ROLE_SLOW, a[1]);
        pump_while(ch, M(ROLE_SLOW), is_connecting, 10000);
        snprintf(out, cap, "%u", count(ch, M(ROLE_SLOW), is_connected));
    } else if (strcmp(name, "slowwait") == 0) {
        cmd_slowwait(ch, a[0], out, cap);
    } else if (strcmp(name, "flood") == 0) {
        cmd_open(ch, ROLE_FLOOD, a[1]);
        snprintf(out, cap, "%lu", a[1]);
    } else if (strcmp(name, "floodstat") == 0) {
        snprintf(out, cap, "%u %u", count(ch, M(ROLE_FLOOD), is_answered),
                 count(ch, M(ROLE_FLOOD), is_closed));
    } else if (strcmp(name, "resetprep") == 0) {
        cmd_open(ch, ROLE_HALF_HEAD, a[1]);
        cmd_open(ch, ROLE_HALF_BODY, a[2]);
        cmd_open(ch, ROLE_READER, a[3]);
        cmd_open(ch, ROLE_STALL, a[4]);
        pump_while(ch, reset_roles, is_connecting, 10000);
        snprintf(out, cap, "%u", count(ch, reset_roles, is_connected));
    } else if (strcmp(name, "resetgo") == 0) {
        cmd_resetgo(ch, out, cap);
    } else if (strcmp(name, "closed") == 0) {
        pump_while(ch, M(ROLE_HOLD), is_open, (unsigned int)a[0]);
        snprintf(out, cap, "%u %u", count(ch, M(ROLE_HOLD), is_closed),
                 count(ch, M(ROLE_HOLD), is_any));
    } else if (strcmp(name, "release") == 0) {
        release(ch);
    }
}

/* Reads one line from the blocking command pipe; false at its end. */
static bool read_line(int fd, char *line, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = read(fd, line + n, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    return true;
}

static void child_main(int cmd, int reply)
{
    struct child ch;
    memset(&ch, 0, sizeof(ch));
    ch.ep = epoll_create1(EPOLL_CLOEXEC);
    ch.peers = calloc(MAX_PEERS, sizeof(*ch.peers));
    ch.lat = malloc(LAT_CAP * sizeof(*ch.lat));
    if (ch.ep < 0 || ch.peers == NULL || ch.lat == NULL)
        _exit(2);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = CMD_TAG};
    epoll_ctl(ch.ep, EPOLL_CTL_ADD, cmd, &ev);
    for (;;) {
        if (!ch.cmd_ready) {
            pump(&ch, ch.n ? 50 : -1);
            continue;
        }
        ch.cmd_ready = false;
        char line[256], out[256];
        if (!read_line(cmd, line, sizeof(line)) || strcmp(line, "quit") == 0)
            break;
        run_command(&ch, line, out, sizeof(out) - 1);
        size_t len = strlen(out);
        out[len++] = '\n';
        if (write(reply, out, len) != (ssize_t)len)
            break;
    }
    release(&ch);
    free(ch.peers);
    free(ch.lat);
    close(ch.ep);
}

/* ---- the test's side ----------------------------------------------------- */

bool crowd_start(struct crowd *cr, unsigned long max_fds)
{
    int to_child[2], from_child[2];
    if (pipe2(to_child, O_CLOEXEC) != 0)
        return false;
    if (pipe2(from_child, O_CLOEXEC) != 0) {
        close(to_child[0]);
        close(to_child[1]);
        return false;
    }
    fflush(NULL);
    cr->pid = fork();
    if (cr->pid == 0) {
        close(to_child[1]);
        close(from_child[0]);
        signal(SIGPIPE, SIG_IGN);
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
            rl.rlim_cur = max_fds < rl.rlim_max ? max_fds : rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
        child_main(to_child[0], from_child[1]);
        _exit(0);
    }
    close(to_child[0]);
    close(from_child[1]);
    if (cr->pid < 0) {
        close(to_child[1]);
        close(from_child[0]);
        return false;
    }
    cr->cmd = to_child[1];
    cr->reply = from_child[0];
    return true;
}

int crowd_do(struct crowd *cr, long *out, int n, int timeout_ms, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (len < 0 || len >= (int)sizeof(line) - 1)
        return -1;
    line[len++] = '\n';
    if (write(cr->cmd, line, (size_t)len) != len)
        return -1;
    size_t got = 0;
    for (;;) {
        struct pollfd p = {cr->reply, POLLIN, 0};
        if (poll(&p, 1, timeout_ms) <= 0)
            return -1;
        ssize_t r = read(cr->reply, line + got, 1);
        if (r <= 0)
            return -1;
        if (line[got] == '\n' || got + 2 >= sizeof(line))
            break;
        got++;
    }
    line[got] = '\0';
    int k = 0;
    char *p = line;
    while (k < n) {
        char *e;
        long v = strtol(p, &e, 10);
        if (e == p)
            break;
        out[k++] = v;
        p = e;
    }
    return k;
}

void crowd_stop(struct crowd *cr)
{
    if (cr->pid <= 0)
        return;
    static const char quit[] = "quit\n";
    if (write(cr->cmd, quit, sizeof(quit) - 1) < 0)
        kill(cr->pid, SIGKILL);
    close(cr->cmd);
    close(cr->reply);
    waitpid(cr->pid, NULL, 0);
    cr->pid = 0;
}
