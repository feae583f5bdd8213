/* What the fuzz targets that drive a whole daemon share, fuzz_connection.c
 * (HTTP/1.x) and fuzz_h2.c (HTTP/2): the application's common parts (a
 * request record per URI, counted until its completion, and responses),
 * and the client: a socketpair whose one end the daemon gets with
 * MHD_add_connection(), the daemon run by MHD_run() in external-loop mode
 * while the other end sends the input and reads what comes back. Nothing
 * sleeps and every loop is bounded. */
#ifndef MHD_FUZZ_FUZZ_DAEMON_H
#define MHD_FUZZ_FUZZ_DAEMON_H

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"

#include "microhttpd.h"

/* ---- the application ------------------------------------------------------ */

/* Requests the application has seen and not yet seen completed. */
static long fuzz_live_requests;

struct fuzz_request {
    bool started; /* the access handler has run once */
    struct MHD_PostProcessor *pp;
    uint64_t sink; /* every byte the application looked at, so none is skipped */
};

__attribute__((format(printf, 2, 0), unused)) static void fuzz_discard_log(void *cls, const char *fmt,
                                                                   va_list ap)
{
    /* Format every message: a bad format string or argument shows here. */
    char line[512];
    (void)cls;
    vsnprintf(line, sizeof(line), fmt, ap);
}

__attribute__((unused)) static void *fuzz_on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    FUZZ_CHECK(uri != NULL);
    struct fuzz_request *r = calloc(1, sizeof(*r));
    FUZZ_CHECK(r != NULL);
    r->sink = fuzz_hash(FUZZ_HASH_INIT, uri, strlen(uri));
    fuzz_live_requests++;
    return r;
}

__attribute__((unused)) static void fuzz_on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                              enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct fuzz_request *r = *req_cls;
    if (r == NULL)
        return;
    if (r->pp != NULL)
        (void)MHD_destroy_post_processor(r->pp);
    free(r);
    *req_cls = NULL;
    fuzz_live_requests--;
}

__attribute__((unused)) static enum MHD_Result fuzz_look_at_value(void *cls, enum MHD_ValueKind kind, const char *key,
                                          size_t key_size, const char *value, size_t value_size)
{
    struct fuzz_request *r = cls;
    (void)kind;
    if (key != NULL)
        r->sink = fuzz_hash(r->sink, key, key_size + 1);
    if (value != NULL)
        r->sink = fuzz_hash(r->sink, value, value_size + 1);
    return MHD_YES;
}

__attribute__((unused)) static ssize_t fuzz_three_chunks(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)cls;
    static const char part[] = "chunk\n";
    if (pos >= 3 * (sizeof(part) - 1))
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = sizeof(part) - 1 < max ? sizeof(part) - 1 : max;
    memcpy(buf, part, n);
    return (ssize_t)n;
}

/* Queues `resp` and drops the local reference. */
__attribute__((unused)) static enum MHD_Result fuzz_reply(struct MHD_Connection *c, unsigned int status,
                                  struct MHD_Response *resp)
{
    if (resp == NULL)
        return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* "GET /" gets this body with a Content-Length. */
#define FUZZ_HELLO "Hello, fuzzer!\n"

static struct MHD_Response *fuzz_hello_response;
static struct MHD_Response *fuzz_missing_response;

/* The answers both applications give once a request is complete: "/",
 * "/chunked" (a content reader of unknown size), "/empty" (204), and 404
 * with a header of its own for the rest. */
__attribute__((unused)) static enum MHD_Result fuzz_answer(struct MHD_Connection *c, const char *url)
{
    if (strcmp(url, "/") == 0)
        return MHD_queue_response(c, MHD_HTTP_OK, fuzz_hello_response);
    if (strcmp(url, "/chunked") == 0)
        return fuzz_reply(
            c, MHD_HTTP_OK,
            MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64, fuzz_three_chunks, NULL, NULL));
    if (strcmp(url, "/empty") == 0)
        return fuzz_reply(c, MHD_HTTP_NO_CONTENT, MHD_create_response_empty(MHD_RF_NONE));
    return MHD_queue_response(c, MHD_HTTP_NOT_FOUND, fuzz_missing_response);
}

/* ---- the daemons ---------------------------------------------------------- */

/* How a target's daemons differ. */
struct fuzz_daemon_kind {
    unsigned int flags;
    size_t pool;
    int level;
};

#define FUZZ_MAX_DAEMONS 3
static struct MHD_Daemon *fuzz_daemons[FUZZ_MAX_DAEMONS];

__attribute__((unused)) static void fuzz_stop_daemons(void)
{
    for (int i = 0; i < FUZZ_MAX_DAEMONS; i++)
        if (fuzz_daemons[i] != NULL)
            MHD_stop_daemon(fuzz_daemons[i]);
    MHD_destroy_response(fuzz_hello_response);
    MHD_destroy_response(fuzz_missing_response);
}

/* The daemon of `kind` (number i of the target's), started on first use:
 * the daemons live for the whole run, as a server's would. */
__attribute__((unused)) static struct MHD_Daemon *fuzz_get_daemon(unsigned int i, const struct fuzz_daemon_kind *kind,
                                          MHD_AccessHandlerCallback handler)
{
    FUZZ_CHECK(i < FUZZ_MAX_DAEMONS);
    if (fuzz_daemons[i] != NULL)
        return fuzz_daemons[i];
    if (fuzz_hello_response == NULL) {
        /* Our own sends use MSG_NOSIGNAL; this covers the library's. */
        signal(SIGPIPE, SIG_IGN);
        fuzz_hello_response =
            MHD_create_response_from_buffer_static(strlen(FUZZ_HELLO), FUZZ_HELLO);
        fuzz_missing_response = MHD_create_response_from_buffer_static(9, "missing\r\n");
        FUZZ_CHECK(fuzz_hello_response != NULL && fuzz_missing_response != NULL);
        FUZZ_CHECK(MHD_add_response_header(fuzz_missing_response, "X-Fuzz", "yes") == MHD_YES);
        atexit(fuzz_stop_daemons);
    }
    fuzz_daemons[i] = MHD_start_daemon(
        kind->flags | MHD_USE_ERROR_LOG, 0, NULL, NULL, handler, NULL, MHD_OPTION_EXTERNAL_LOGGER,
        fuzz_discard_log, NULL, MHD_OPTION_CONNECTION_MEMORY_LIMIT, kind->pool,
        MHD_OPTION_CLIENT_DISCIPLINE_LVL, kind->level, MHD_OPTION_URI_LOG_CALLBACK, fuzz_on_uri,
        NULL, MHD_OPTION_NOTIFY_COMPLETED, fuzz_on_completed, NULL, MHD_OPTION_END);
    FUZZ_CHECK(fuzz_daemons[i] != NULL);
    return fuzz_daemons[i];
}

/* The first `needle` in hay[0..len), or NULL. */
static inline const char *fuzz_find(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}

/* ---- the client ------------------------------------------------------------ */

/* MHD_run() calls without progress before a client gives up waiting. */
#define FUZZ_IDLE_RUNS 4
/* MHD_run() calls allowed for the daemon to drop a closed connection. */
#define FUZZ_SETTLE_RUNS 64
/* The most pieces the input is sent in. */
#define FUZZ_MAX_PIECES 256

static inline unsigned int fuzz_open_connections(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    FUZZ_CHECK(info != NULL);
    return info->num_connections;
}

/* What the client received (the first FUZZ_OUT_KEEP bytes of it). */
#define FUZZ_OUT_KEEP 8192
struct fuzz_received {
    char buf[FUZZ_OUT_KEEP];
    size_t len;   /* kept */
    size_t total; /* received */
    bool eof;
};

/* A client socket connected to the daemon `d`. */
static inline int fuzz_connect_client(struct MHD_Daemon *d)
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
static inline bool fuzz_drain(int fd, struct fuzz_received *in)
{
    bool got = false;
    for (;;) {
        char tmp[4096];
        ssize_t n = recv(fd, tmp, sizeof(tmp), 0);
        if (n > 0) {
            size_t keep = FUZZ_OUT_KEEP - in->len < (size_t)n ? FUZZ_OUT_KEEP - in->len : (size_t)n;
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
static inline void fuzz_exchange(struct MHD_Daemon *d, int fd, const uint8_t *data, size_t len,
                                 unsigned int mode, bool half_close, struct fuzz_received *in,
                                 bool (*done)(const struct fuzz_received *))
{
    struct fuzz_cutter cut;
    fuzz_cutter_init(&cut, mode);
    size_t floor = len / FUZZ_MAX_PIECES + 1;
    size_t sent = 0;
    bool shut = false;
    int idle = 0;
    while (idle < FUZZ_IDLE_RUNS) {
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
        if (fuzz_drain(fd, in))
            progress = true;
        if (in->eof || (done != NULL && done(in)))
            break;
        idle = progress ? 0 : idle + 1;
    }
}

/* Closes the client and lets the daemon notice; no connection and no
 * request may survive that. */
static inline void fuzz_settle(struct MHD_Daemon *d, int fd, const long *live_requests)
{
    close(fd);
    for (int i = 0; i < FUZZ_SETTLE_RUNS && fuzz_open_connections(d) != 0; i++)
        MHD_run(d);
    FUZZ_CHECK(fuzz_open_connections(d) == 0);
    FUZZ_CHECK(*live_requests == 0);
}

#endif
