/* Admitting connections: accepting on the listen socket, MHD_add_connection,
 * the connection limits and the accept policy. */
#include "daemon/daemon.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn/conn.h"
#include "io/transport.h"
#include "loop/worker.h"
#include "util/sys.h"

/* Connections accepted per wake-up before the worker turns to its other
 * sockets, so a flood of connects cannot starve established clients. */
#define ACCEPT_BATCH 64

static bool is_external_add(bool from_app, const struct mhd_worker *w)
{
    return from_app || !mhd_worker_is_current(w);
}

/* The worker that gets a connection `w` accepted: `w` itself unless it
 * holds more than one connection above the least busy worker. */
static struct mhd_worker *balance(struct MHD_Daemon *d, struct mhd_worker *w)
{
    /* Ties go round: counts are only updated when a worker takes the
     * connection, so a burst of accepts must not all go to one worker. */
    unsigned int start = atomic_fetch_add_explicit(&d->next_worker, 1, memory_order_relaxed);
    struct mhd_worker *best = &d->workers[0];
    unsigned int best_load = UINT32_MAX;
    for (unsigned int k = 0; k < d->n_workers; k++) {
        struct mhd_worker *o = &d->workers[(start + k) % d->n_workers];
        unsigned int load = atomic_load_explicit(&o->n_conns_public, memory_order_relaxed);
        if (load < o->conn_limit && load < best_load) {
            best = o;
            best_load = load;
        }
    }
    /* Connections this worker closed since its loop began (a batch of
     * short ones, served at once) no longer count as work. */
    unsigned int mine = w->n_conns - w->n_closed;
    if (w->n_conns < w->conn_limit && mine <= best_load + 1)
        return w;
    return best;
}

enum MHD_Result mhd_daemon_admit(struct MHD_Daemon *d, struct mhd_worker *w, int fd,
                                 const struct sockaddr *addr, socklen_t addr_len, bool from_app)
{
    bool counted = false;
    int err;
    /* The slot is reserved first; every refusal below gives it back. An
     * accepted connection is counted from here, so the accepting worker
     * leaves `accepting` (see mhd_daemon_accept). */
    unsigned int before = atomic_fetch_add(&d->admitted, 1);
    if (!from_app)
        atomic_fetch_sub(&d->accepting, 1);
    if (before >= d->cfg.conn_limit) {
        mhd_dlog(d, "Connection refused: connection limit reached");
        err = ENFILE;
        goto refuse;
    }
    if (d->iplimit != NULL && addr != NULL && addr_len > 0) {
        if (!mhd_iplimit_take(d, addr, addr_len)) {
            mhd_dlog(d, "Connection refused: per-IP connection limit reached");
            err = ENFILE;
            goto refuse;
        }
        counted = true;
    }
    if (d->apc != NULL && d->apc(d->apc_cls, addr, addr_len) != MHD_YES) {
        err = EACCES;
        goto refuse;
    }
    if (!mhd_socket_prepare(fd, !from_app)) {
        err = errno;
        goto refuse;
    }
    if (from_app)
        mhd_socket_nodelay(fd);
    /* Thread per connection: the connection goes to a thread of its own;
     * an accepting worker of a select/poll pool hands it to the least busy
     * worker. */
    struct mhd_worker *target = w;
    if (w->distributes && !from_app)
        target = balance(d, w);
    if (mhd_daemon_is_tpc(d) && w->kind != WORKER_TPC_CONN) {
        target = mhd_tpc_take_worker(d);
        if (target == NULL) {
            /* No thread for it (out of descriptors or memory): the
             * listener rests a while instead of accepting and dropping
             * more; threads that are running still accept for
             * themselves. */
            if (!from_app) {
                mhd_worker_listen_pause(w, true);
                mhd_worker_listen_retry_later(w);
            }
            err = EAGAIN;
            goto refuse;
        }
    }
    struct MHD_Connection *c = mhd_conn_create(target, fd, addr, addr_len);
    if (c == NULL) {
        if (target != w && mhd_daemon_is_tpc(d))
            mhd_tpc_post_conn(d, target, NULL);
        err = ENOMEM;
        goto refuse;
    }
    c->counted_ip = counted;
    if (target != w && mhd_daemon_is_tpc(d))
        mhd_tpc_post_conn(d, target, c);
    else if (target != w)
        mhd_worker_post_conn(target, &c->item);
    else if (is_external_add(from_app, w))
        mhd_worker_post_conn(w, &c->item);
    else
        mhd_conn_start(c);
    return MHD_YES;
refuse:
    if (counted)
        mhd_iplimit_give(d, addr, addr_len);
    atomic_fetch_sub_explicit(&d->admitted, 1, memory_order_relaxed);
    close(fd);
    errno = err;
    return MHD_NO;
}

bool mhd_daemon_at_limit(const struct mhd_worker *w)
{
    const struct MHD_Daemon *d = w->cfg->daemon;
    if (mhd_daemon_is_tpc(d))
        return atomic_load_explicit(&d->tpc_active, memory_order_relaxed) >= d->cfg.conn_limit;
    if (w->distributes)
        return atomic_load_explicit(&d->admitted, memory_order_relaxed) >= d->cfg.conn_limit;
    return w->n_conns >= w->conn_limit;
}

/* Accepts one pending connection unless the daemon is quiesced or the
 * worker at its limit; -1 otherwise, with errno 0 when it should not
 * accept now. */
static int take_pending(struct mhd_worker *w, struct sockaddr_storage *ss, socklen_t *len)
{
    struct MHD_Daemon *d = w->cfg->daemon;
    if (atomic_load(&d->cfg.quiesced)) {
        mhd_worker_listen_drop(w);
        errno = 0;
        return -1;
    }
    if (mhd_daemon_at_limit(w)) {
        mhd_worker_listen_pause(w, true);
        errno = 0;
        return -1;
    }
    if (atomic_load_explicit(&w->listen_paused, memory_order_relaxed)) {
        errno = 0; /* paused during this batch */
        return -1;
    }
#ifdef HAVE_ACCEPT4
    return accept4(d->listen_fd, (struct sockaddr *)ss, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
    return accept(d->listen_fd, (struct sockaddr *)ss, len);
#endif
}

bool mhd_daemon_accept(struct mhd_worker *w)
{
    struct MHD_Daemon *d = w->cfg->daemon;
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        /* From before its quiesce check until what it accepts is counted
         * in `admitted`, the worker counts in `accepting`, which
         * MHD_quiesce_daemon waits to see drop to 0: after that, every
         * connection accepted before the quiesce is counted. */
        atomic_fetch_add(&d->accepting, 1);
        int fd = take_pending(w, &ss, &len);
        if (fd >= 0) {
            mhd_daemon_admit(d, w, fd, (struct sockaddr *)&ss, len, false);
            continue;
        }
        int err = errno;
        atomic_fetch_sub(&d->accepting, 1);
        if (err == EINTR || err == ECONNABORTED)
            continue;
        if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
            /* Out of descriptors or memory: stop polling the listen
             * socket until a connection closes or a short while passes,
             * instead of spinning on it. */
            mhd_dlog(d, "Cannot accept a connection: %s", strerror(err));
            mhd_worker_listen_pause(w, true);
            mhd_worker_listen_retry_later(w);
        }
        return false;
    }
    return true;
}

/* The worker that takes an added connection: the first with room, starting
 * at a place given by the socket, so added connections spread out. */
static struct mhd_worker *pick_worker(struct MHD_Daemon *d, int fd)
{
    unsigned int n = d->n_workers;
    unsigned int start = (unsigned int)fd % n;
    if (mhd_daemon_is_tpc(d))
        return mhd_daemon_at_limit(&d->workers[0]) ? NULL : &d->workers[0];
    for (unsigned int i = 0; i < n; i++) {
        struct mhd_worker *w = &d->workers[(start + i) % n];
        if (atomic_load_explicit(&w->n_conns_public, memory_order_relaxed) < w->conn_limit)
            return w;
    }
    return NULL;
}

_MHD_EXTERN enum MHD_Result MHD_add_connection(struct MHD_Daemon *daemon, MHD_socket client_socket,
                                               const struct sockaddr *addr, socklen_t addrlen)
{
    struct MHD_Daemon *d = daemon;
    if (d == NULL || client_socket < 0) {
        errno = EINVAL;
        return MHD_NO;
    }
    if (addr != NULL && addrlen > 0) {
        socklen_t need = 0;
        if (addr->sa_family == AF_INET)
            need = (socklen_t)sizeof(struct sockaddr_in);
        else if (addr->sa_family == AF_INET6)
            need = (socklen_t)sizeof(struct sockaddr_in6);
        if (addrlen < need || addrlen > (socklen_t)sizeof(struct sockaddr_storage)) {
            close(client_socket);
            errno = EINVAL;
            return MHD_NO;
        }
    } else {
        addr = NULL;
        addrlen = 0;
    }
    if (atomic_load(&d->cfg.shutdown)) {
        close(client_socket);
        errno = EINVAL;
        return MHD_NO;
    }
    struct mhd_worker *w = pick_worker(d, client_socket);
    if (w == NULL) {
        mhd_dlog(d, "Connection refused: connection limit reached");
        close(client_socket);
        errno = ENFILE;
        return MHD_NO;
    }
    if ((d->cfg.flags & (MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_POLL)) == 0 &&
        client_socket >= d->cfg.fd_setsize) {
        mhd_dlog(d, "Socket %d does not fit in the select() set", client_socket);
        close(client_socket);
        errno = EMFILE;
        return MHD_NO;
    }
    return mhd_daemon_admit(d, w, client_socket, addr, addrlen, true);
}
