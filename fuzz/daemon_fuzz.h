/* A client for the daemon-level fuzz targets (fuzz_connection,
 * fuzz_connection_tls): connections handed to an external-loop daemon over
 * a socketpair, bytes sent in pieces with MHD_run() between them, and what
 * came back gathered. Every loop is bounded by MHD_run() calls, never by
 * time, so that an input runs the same way every time. */
#ifndef MHD_FUZZ_DAEMON_FUZZ_H
#define MHD_FUZZ_DAEMON_FUZZ_H

#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"

#include "microhttpd.h"

/* The daemons' log sink: every message is formatted, so that a bad format
 * string or argument shows here, and dropped. */
__attribute__((format(printf, 2, 0))) static inline void discard_log(void *cls, const char *fmt,
                                                                     va_list ap)
{
    char line[512];
    (void)cls;
    vsnprintf(line, sizeof(line), fmt, ap);
}

/* MHD_run() calls without progress before a client gives up waiting. */
#define IDLE_RUNS 4
/* MHD_run() calls allowed for the daemon to drop a closed connection. */
#define SETTLE_RUNS 64
/* The most pieces the input is sent in. */
#define MAX_PIECES 256

static inline unsigned int open_connections(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    FUZZ_CHECK(info != NULL);
    return info->num_connections;
}

/* What the client received (the first OUT_KEEP bytes of it). */
#define OUT_KEEP 8192
struct received {
    char buf[OUT_KEEP];
    size_t len;   /* kept */
    size_t total; /* received */
    bool eof;
};

/* A client socket connected to the daemon `d`. */
static inline int connect_client(struct MHD_Daemon *d)
{
    int sv[2];
    FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
    struct sockaddr_in peer;
    memset(&peer, 0, sizeof(peer));
    peer.sin_family = AF_INET;
    peer.sin_port = htons(50000);
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* The daemon owns sv[0] from here on, even when it refuses it. */
    FUZZ_CHECK(MHD_add_connection(d, sv[0], (const struct sockaddr *)&peer, sizeof(peer)) ==
               MHD_YES);
    return sv[1];
}

/* Reads whatever is there; true when something arrived or the end did. */
static inline bool drain(int fd, struct received *in)
{
    bool got = false;
    for (;;) {
        char tmp[4096];
        ssize_t n = recv(fd, tmp, sizeof(tmp), 0);
        if (n > 0) {
            size_t keep = OUT_KEEP - in->len < (size_t)n ? OUT_KEEP - in->len : (size_t)n;
            memcpy(in->buf + in->len, tmp, keep);
            in->len += keep;
            in->total += (size_t)n;
            got = true;
            continue;
        }
        if (n == 0) {
            in->eof = true;
            return true;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return got;
        /* A reset: nothing more will come either. */
        in->eof = true;
        return true;
    }
}

/* Sends data[0..len) in pieces chosen by `mode`, running the daemon after
 * each, and keeps reading until the daemon closes or stops answering.
 * `done` (may be NULL) says when what arrived is enough. */
static inline void exchange(struct MHD_Daemon *d, int fd, const uint8_t *data, size_t len,
                            unsigned int mode, bool half_close, struct received *in,
                            bool (*done)(const struct received *))
{
    struct fuzz_cutter cut;
    fuzz_cutter_init(&cut, mode);
    size_t floor = len / MAX_PIECES + 1;
    size_t sent = 0;
    bool shut = false;
    int idle = 0;
    while (idle < IDLE_RUNS) {
        bool progress = false;
        if (sent < len) {
            size_t n = fuzz_cutter_next(&cut, len - sent);
            if (n < floor)
                n = floor < len - sent ? floor : len - sent;
            ssize_t w = send(fd, data + sent, n, MSG_NOSIGNAL);
            if (w > 0) {
                sent += (size_t)w;
                progress = true;
            } else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                sent = len; /* the daemon closed its end: stop sending */
            }
        }
        if (sent == len && half_close && !shut) {
            shutdown(fd, SHUT_WR);
            shut = true;
            progress = true;
        }
        MHD_run(d);
        if (drain(fd, in))
            progress = true;
        if (in->eof || (done != NULL && done(in)))
            break;
        idle = progress ? 0 : idle + 1;
    }
}

static inline const char *find(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}

/* Closes the client and lets the daemon notice; no connection and no
 * request may survive that (*live counts the requests the application saw
 * and did not see completed). */
static inline void settle(struct MHD_Daemon *d, int fd, const long *live)
{
    close(fd);
    for (int i = 0; i < SETTLE_RUNS && open_connections(d) != 0; i++)
        MHD_run(d);
    FUZZ_CHECK(open_connections(d) == 0);
    FUZZ_CHECK(*live == 0);
}

#endif
