/* The upgrade relay: after a 101 on a transport that cannot hand its socket
 * to the application (TLS), the application gets one end of a socketpair
 * and the library moves bytes between the other end and the transport, in
 * both directions:
 *
 *   client --TLS--> [transport recv] --down--> app end (the application reads)
 *   client <--TLS-- [transport send] <--up---- app end (the application writes)
 *
 * Ends travel too: when the client closes, the application reads
 * end-of-file; when the application shuts down its writing side, the
 * client gets close_notify. After MHD_upgrade_action(CLOSE) whatever the
 * application wrote before is still delivered, for a bounded time.
 *
 * The relay runs on the connection's worker, driven by the poller like the
 * connection itself. In thread-per-connection mode the upgrade handler may
 * run the whole protocol on the connection's thread, so the relay gets a
 * thread of its own there, which polls both sockets. */
#include "conn/relay.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conn/conn_internal.h"
#include "util/alloc.h"
#include "util/sys.h"

#ifdef HAVE_EVENTFD
#include <sys/eventfd.h>
#endif

/* Each direction's buffer: one TLS record's worth. */
#define RELAY_BUF 16384u
/* Buffer refills per pump before the relay lets the others run. */
#define PUMP_ROUNDS 16
/* How long the relay keeps delivering after the application's CLOSE. */
#define FLUSH_MS 2000

struct mhd_relay {
    struct MHD_Connection *c;
    struct mhd_poll_item app_item; /* our end of the socketpair */
    int app_fd;                    /* our end */
    int peer_fd;                   /* the application's end */
    size_t down_len, down_off;     /* client -> application */
    size_t up_len, up_off;         /* application -> client */
    bool app_read_ready;
    bool app_write_ready;
    bool client_done;    /* the client sent its end (or failed) */
    bool client_gone;    /* the client's side failed: nothing more goes to it */
    bool app_told_eof;   /* the application's end was shut for writing */
    bool app_done;       /* the application shut its writing side */
    bool bye_done;       /* the client got our end of data */
    atomic_bool closing; /* the application called CLOSE */
    /* Thread per connection: the relay's own thread. */
    pthread_t thread;
    bool threaded;
    int wake_fd;
    atomic_bool stop;
    char down[RELAY_BUF];
    char up[RELAY_BUF];
};

static bool move_down(struct mhd_relay *r)
{
    struct MHD_Connection *c = r->c;
    bool progress = false;
    if (!r->client_done && r->down_len == 0 && c->read_ready) {
        size_t got = 0;
        enum mhd_io io = mhd_conn_tp(c)->recv(&c->xp, r->down, sizeof(r->down), &got);
        if (io == IO_DONE) {
            r->down_len = got;
            r->down_off = 0;
            progress = true;
        } else if (io == IO_AGAIN) {
            mhd_conn_recv_blocked(c);
        } else {
            r->client_done = true;
            r->client_gone = io == IO_FAILED;
            progress = true;
        }
    }
    if (r->down_off < r->down_len && r->app_write_ready) {
        ssize_t n = send(r->app_fd, r->down + r->down_off, r->down_len - r->down_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            r->down_off += (size_t)n;
            progress = true;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            r->app_write_ready = false;
        } else if (n < 0 && errno != EINTR) {
            r->down_off = r->down_len; /* the application stopped reading: drop */
        }
        if (r->down_off == r->down_len)
            r->down_off = r->down_len = 0;
    }
    if (r->client_done && r->down_len == 0 && !r->app_told_eof) {
        (void)shutdown(r->app_fd, SHUT_WR); /* the application reads end-of-file */
        r->app_told_eof = true;
        progress = true;
    }
    return progress;
}

static bool move_up(struct mhd_relay *r)
{
    struct MHD_Connection *c = r->c;
    bool progress = false;
    if (!r->app_done && r->up_len == 0 && r->app_read_ready) {
        ssize_t n = recv(r->app_fd, r->up, sizeof(r->up), MSG_DONTWAIT);
        if (n > 0) {
            r->up_len = (size_t)n;
            r->up_off = 0;
            progress = true;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            r->app_read_ready = false;
            /* After CLOSE, what the application wrote is all here. */
            if (atomic_load(&r->closing))
                r->app_done = progress = true;
        } else if (n == 0 || errno != EINTR) {
            r->app_done = progress = true;
        }
    }
    if (r->client_gone)
        r->up_off = r->up_len = 0;
    if (r->up_off < r->up_len && c->write_ready) {
        struct iovec iov = {r->up + r->up_off, r->up_len - r->up_off};
        size_t sent = 0;
        enum mhd_io io = mhd_conn_tp(c)->writev(&c->xp, &iov, 1, false, &sent);
        if (io == IO_DONE) {
            r->up_off += sent;
            progress = true;
        } else if (io == IO_AGAIN) {
            c->write_ready = false;
        } else {
            r->client_done = r->client_gone = true;
            progress = true;
        }
        if (r->up_off == r->up_len)
            r->up_off = r->up_len = 0;
    }
    if (r->app_done && r->up_len == 0 && !r->bye_done && !r->client_gone &&
        (!c->xp.want_write || c->write_ready)) {
        enum mhd_io io = mhd_conn_tp(c)->end_send(&c->xp, true);
        if (io == IO_AGAIN) {
            mhd_conn_recv_blocked(c);
        } else {
            c->xp.want_write = false;
            r->bye_done = true;
            progress = true;
        }
    }
    return progress;
}

/* True when nothing is left to deliver after the application's CLOSE. */
static bool flushed(const struct mhd_relay *r)
{
    return r->app_done && r->up_len == 0 && (r->bye_done || r->client_gone);
}

/* Moves what can move now; false when it stopped only because its share
 * of this round was used up. */
static bool pump(struct mhd_relay *r)
{
    for (int i = 0; i < PUMP_ROUNDS; i++) {
        bool down = move_down(r);
        bool up = move_up(r);
        if (!down && !up)
            return true;
    }
    return false;
}

/* What each socket waits for. */
static void wanted(const struct mhd_relay *r, unsigned int *conn_want, unsigned int *app_want)
{
    const struct MHD_Connection *c = r->c;
    unsigned int cw = 0, aw = 0;
    if (!r->client_done && r->down_len == 0 && !c->read_ready)
        cw |= MHD_POLL_IN;
    if ((r->up_len > 0 || c->xp.want_write) && !r->client_gone && !c->write_ready)
        cw |= MHD_POLL_OUT;
    if (!r->app_done && r->up_len == 0 && !r->app_read_ready)
        aw |= MHD_POLL_IN;
    if (r->down_len > 0 && !r->app_write_ready)
        aw |= MHD_POLL_OUT;
    *conn_want = cw;
    *app_want = aw;
}

static void app_events(struct mhd_relay *r, unsigned int events)
{
    if (events & (MHD_POLL_IN | MHD_POLL_ERR))
        r->app_read_ready = true;
    if (events & (MHD_POLL_OUT | MHD_POLL_ERR))
        r->app_write_ready = true;
}

/* ---- on the worker ------------------------------------------------------ */

static void close_when_flushed(struct mhd_relay *r)
{
    if (atomic_load(&r->closing) && flushed(r))
        mhd_conn_close(r->c, MHD_REQUEST_TERMINATED_COMPLETED_OK);
}

void mhd_relay_run(struct MHD_Connection *c)
{
    struct mhd_relay *r = c->relay;
    if (r == NULL || r->threaded || c->state != CONN_UPGRADED)
        return;
    if (!pump(r))
        mhd_conn_schedule(c); /* more to move: after the others had their turn */
    close_when_flushed(r);
    if (c->state == CONN_CLOSED)
        return;
    unsigned int cw, aw;
    wanted(r, &cw, &aw);
    struct mhd_poller *p = &c->worker->poller;
    if (!mhd_poller_set_interest(p, &c->item.poll, cw) ||
        !mhd_poller_set_interest(p, &r->app_item, aw))
        mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
}

static void on_app_ready(struct mhd_poll_item *it, unsigned int events)
{
    struct mhd_relay *r = mhd_container_of(it, struct mhd_relay, app_item);
    app_events(r, events);
    mhd_relay_run(r->c);
}

static bool register_on_worker(struct mhd_relay *r)
{
    struct MHD_Connection *c = r->c;
    struct mhd_poller *p = &c->worker->poller;
    unsigned int cw, aw;
    wanted(r, &cw, &aw);
    r->app_item.interest = aw | MHD_POLL_EDGE;
    if (!mhd_poller_add(p, &r->app_item))
        return false;
    if (c->item.poll.registered)
        return mhd_poller_set_interest(p, &c->item.poll, cw);
    c->item.poll.interest = cw | MHD_POLL_EDGE;
    return mhd_poller_add(p, &c->item.poll);
}

/* ---- on a thread of its own (thread per connection) ---------------------- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *relay_main(void *arg)
{
    struct mhd_relay *r = arg;
    struct MHD_Connection *c = r->c;
    int64_t flush_until = -1;
    bool close_seen = false;
    while (!atomic_load(&r->stop)) {
        if (!close_seen && atomic_load(&r->closing)) {
            close_seen = true;
            r->app_read_ready = true; /* read what was written before CLOSE */
        }
        bool idle = pump(r);
        if (close_seen) {
            if (flushed(r))
                break;
            if (flush_until < 0)
                flush_until = now_ms() + FLUSH_MS;
            else if (now_ms() >= flush_until)
                break;
        }
        if (!idle)
            continue; /* more can move without waiting */
        unsigned int cw, aw;
        wanted(r, &cw, &aw);
        struct pollfd pf[3] = {
            {c->item.poll.fd,
             (short)((cw & MHD_POLL_IN ? POLLIN : 0) | (cw & MHD_POLL_OUT ? POLLOUT : 0)), 0},
            {r->app_fd,
             (short)((aw & MHD_POLL_IN ? POLLIN : 0) | (aw & MHD_POLL_OUT ? POLLOUT : 0)), 0},
            {r->wake_fd, POLLIN, 0},
        };
        int timeout = flush_until < 0 ? -1 : 50;
        if (poll(pf, 3, timeout) < 0 && errno != EINTR)
            break;
        if (pf[0].revents & (POLLIN | POLLHUP | POLLERR))
            c->read_ready = true;
        if (pf[0].revents & (POLLOUT | POLLHUP | POLLERR))
            c->write_ready = true;
        app_events(r, (pf[1].revents & (POLLIN | POLLHUP | POLLERR) ? MHD_POLL_IN : 0) |
                          (pf[1].revents & (POLLOUT | POLLERR) ? MHD_POLL_OUT : 0));
        if (pf[2].revents & POLLIN) {
            uint64_t v;
            ssize_t n = read(r->wake_fd, &v, sizeof(v));
            (void)n;
        }
    }
    return NULL;
}

static void wake_thread(struct mhd_relay *r)
{
    uint64_t one = 1;
    ssize_t n = write(r->wake_fd, &one, sizeof(one));
    (void)n;
}

static bool start_thread(struct mhd_relay *r)
{
#ifdef HAVE_EVENTFD
    r->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
#endif
    if (r->wake_fd < 0)
        return false;
    struct MHD_Connection *c = r->c;
    mhd_poller_remove(&c->worker->poller, &c->item.poll);
    if (pthread_create(&r->thread, NULL, relay_main, r) != 0)
        return false;
    r->threaded = true;
    return true;
}

/* ---- the connection's side ----------------------------------------------- */

static void free_relay(struct mhd_relay *r)
{
    if (r->app_fd >= 0)
        close(r->app_fd);
    if (r->peer_fd >= 0)
        close(r->peer_fd);
    if (r->wake_fd >= 0)
        close(r->wake_fd);
    mhd_free(r);
}

int mhd_relay_start(struct MHD_Connection *c)
{
    struct mhd_relay *r = mhd_calloc(1, sizeof(*r));
    if (r == NULL)
        return -1;
    r->c = c;
    r->wake_fd = -1;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        mhd_free(r);
        return -1;
    }
    r->app_fd = sv[0];
    r->peer_fd = sv[1];
    r->app_item.fd = r->app_fd;
    r->app_item.index = -1;
    r->app_item.on_ready = on_app_ready;
    r->app_read_ready = r->app_write_ready = true;
    atomic_init(&r->closing, false);
    atomic_init(&r->stop, false);
    bool ok = mhd_socket_prepare(r->app_fd, false) &&
              (mhd_config_is_tpc(c->cfg) ? start_thread(r) : register_on_worker(r));
    if (!ok) {
        mhd_poller_remove(&c->worker->poller, &r->app_item);
        free_relay(r);
        return -1;
    }
    c->relay = r;
    return r->peer_fd;
}

int mhd_relay_app_fd(const struct MHD_Connection *c)
{
    return c->relay != NULL ? c->relay->peer_fd : -1;
}

bool mhd_relay_close(struct MHD_Connection *c)
{
    struct mhd_relay *r = c->relay;
    atomic_store(&r->closing, true);
    if (r->threaded) {
        /* The thread reads what the application wrote before its CLOSE
         * (it sees `closing` and reads until the socket is empty). */
        wake_thread(r);
        pthread_join(r->thread, NULL);
        r->threaded = false;
        return true;
    }
    /* Whatever the application wrote goes out first; the connection's
     * clock bounds how long that may take. */
    r->app_read_ready = true;
    mhd_timeout_set(c->worker, &c->item, FLUSH_MS);
    mhd_relay_run(c);
    return c->state == CONN_CLOSED;
}

void mhd_relay_free(struct MHD_Connection *c)
{
    struct mhd_relay *r = c->relay;
    if (r == NULL)
        return;
    c->relay = NULL;
    if (r->threaded) {
        atomic_store(&r->stop, true);
        wake_thread(r);
        pthread_join(r->thread, NULL);
    }
    mhd_poller_remove(&c->worker->poller, &r->app_item);
    free_relay(r);
}
