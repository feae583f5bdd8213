/* Thread per connection: each connection runs on a thread of its own, whose
 * worker serves exactly that connection, so a handler that blocks delays
 * nobody else. Threads are reused: when its connection ends, a thread waits
 * for the next one instead of exiting (up to TPC_MAX_IDLE waiting threads),
 * which saves a thread creation per connection.
 *
 * Connection threads accept for themselves. A thread whose connection ended
 * takes the next pending one straight from the listen socket; if none is
 * pending it sleeps on its park set, where the listen socket is registered
 * exclusively, so the kernel wakes one waiting thread per new connection and
 * that thread serves it. Under load a connection thus costs no hand-over
 * between threads and often no wake-up at all: accept, read, write, close.
 * The listener thread stays out of the way while threads wait; when none
 * does, it watches the socket and hands out connections nobody took for a
 * moment (tpc_listen.c), so a new client is served even while every thread
 * is busy in a handler. Connections added by the application
 * (MHD_add_connection) are handed to a waiting thread through its queue. */
#include "daemon/daemon.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "conn/conn.h"
#include "loop/worker.h"
#include "util/alloc.h"
#include "util/sys.h"

#define TPC_MAX_IDLE 64u
/* Threads started before the listener steps in when the last waiting one
 * takes a connection: with two, sequential clients never need it. */
#define TPC_SPARE_THREADS 2u
/* How long threads leave the listen socket alone after accept() ran out of
 * descriptors or memory. */
#define TPC_RETRY_MS 100u

bool mhd_tpc_init(struct MHD_Daemon *d)
{
    if (pthread_mutex_init(&d->tpc_lock, NULL) != 0)
        return false;
    if (pthread_cond_init(&d->tpc_cond, NULL) != 0) {
        pthread_mutex_destroy(&d->tpc_lock);
        return false;
    }
    mhd_list_init(&d->tpc_all);
    mhd_list_init(&d->tpc_idle);
    atomic_init(&d->tpc_active, 0);
    atomic_init(&d->tpc_waiters, 0);
    atomic_init(&d->tpc_accepts, 0);
    atomic_init(&d->tpc_listener_armed, false);
    d->tpc_ready = true;
    return true;
}

/* A connection thread watches two descriptors, its connection and its
 * wake-up channel, so it always uses poll(): with select() a busy daemon
 * whose descriptors pass FD_SETSIZE could not start connection threads
 * (the listener still uses the poller the application chose). */
static const struct mhd_poller_ops *tpc_poller(const struct MHD_Daemon *d)
{
    (void)d;
    return &mhd_poller_poll;
}

/* Puts `w` on the idle list if it has nothing to do; false when the thread
 * should exit instead. Called with d->tpc_lock held. */
static bool park(struct MHD_Daemon *d, struct mhd_worker *w)
{
    if (w->tpc_reserved || atomic_load(&w->posted) || w->n_conns != 0 ||
        mhd_link_is_linked(&w->tpc_idle_link))
        return true;
    if (d->tpc_stopping || d->tpc_idle_count >= TPC_MAX_IDLE)
        return false;
    mhd_list_push_back(&d->tpc_idle, &w->tpc_idle_link);
    d->tpc_idle_count++;
    return true;
}

/* Takes `w` off the idle list if it is on it; true if it was. Called with
 * d->tpc_lock held. */
static bool unpark(struct MHD_Daemon *d, struct mhd_worker *w)
{
    if (!mhd_link_is_linked(&w->tpc_idle_link))
        return false;
    mhd_list_remove(&w->tpc_idle_link);
    d->tpc_idle_count--;
    return true;
}

static bool may_accept(const struct MHD_Daemon *d)
{
    return d->listen_fd != MHD_INVALID_SOCKET &&
           !atomic_load_explicit(&d->cfg.quiesced, memory_order_acquire) &&
           !atomic_load_explicit(&d->cfg.shutdown, memory_order_acquire) &&
           atomic_load_explicit(&d->tpc_active, memory_order_relaxed) < d->cfg.conn_limit;
}

static struct mhd_worker *spawn(struct MHD_Daemon *d, bool reserved, bool chain);

/* The last thread asleep on the listen socket left it: the listener
 * watches the socket from now on. While the daemon has fewer than
 * TPC_SPARE_THREADS threads another one is started too, which will wait
 * unless it finds a connection at once. */
static void last_waiter_gone(struct MHD_Daemon *d)
{
    pthread_mutex_lock(&d->tpc_lock);
    if (d->tpc_threads < TPC_SPARE_THREADS && !d->tpc_stopping)
        (void)spawn(d, false, false);
    pthread_mutex_unlock(&d->tpc_lock);
    /* Pairs with mhd_tpc_listener_plan(): it clears `armed` before it
     * counts the waiters, this counted down before it reads `armed`
     * (both sequentially consistent), so one of the two sees the other. */
    if (!atomic_load(&d->tpc_listener_armed))
        mhd_worker_wake(&d->workers[0]);
}

/* Starts a connection thread that accepts for itself, as the first link of
 * a chain: when it takes its first connection and no thread waits on the
 * listen socket, it starts the next link, and so on while connections are
 * pending; a link that finds none waits on the socket like any idle
 * thread, and the chain ends there. The listener starts the first link
 * when connections wait that no thread takes (tpc_listen.c).
 *
 * A burst of clients (100 keep-alive connections on a freshly started
 * server) thus gets its threads from each other, each link paying for one
 * thread start in its own share of the CPU. The listener used to start a
 * thread for each pending connection itself: on one CPU, among the threads
 * it had started and which were then busy serving, the scheduler gave it
 * its fair share only, so after each run of starts it waited for the CPU
 * in proportion to the number of threads running, and the last of 100
 * clients waited up to a second for its first answer (keep-alive p99 up
 * to 400 ms in 3-second wrk runs, BENCHMARKS.md). Only a thread's first
 * connection continues the chain: threads that are reused start none, so
 * under steady load (Connection: close) the threads stay as few as the
 * load needs and take pending connections as they finish. */
bool mhd_tpc_start_acceptor(struct MHD_Daemon *d)
{
    pthread_mutex_lock(&d->tpc_lock);
    struct mhd_worker *w = NULL;
    if (!d->tpc_stopping && may_accept(d))
        w = spawn(d, false, true);
    pthread_mutex_unlock(&d->tpc_lock);
    return w != NULL;
}

/* Registers the listen socket in the park set, or removes it. */
static void park_listen(struct mhd_worker *w, bool on)
{
    struct MHD_Daemon *d = w->cfg->daemon;
    struct mhd_poll_item *it = &w->park_listen_item;
    if (it->registered == on)
        return;
    if (on) {
        it->fd = d->listen_fd;
        it->interest = MHD_POLL_IN | MHD_POLL_EXCL;
        if (mhd_poller_add(&w->park, it))
            atomic_fetch_add(&d->tpc_waiters, 1);
        return;
    }
    mhd_poller_remove(&w->park, it);
    if (atomic_fetch_sub(&d->tpc_waiters, 1) == 1)
        last_waiter_gone(d);
}

/* Takes one pending connection for this thread and serves it here; false
 * when none was taken (nothing pending, or not allowed now). */
static bool accept_self(struct mhd_worker *w)
{
    struct MHD_Daemon *d = w->cfg->daemon;
    if (w->park_retry_at != 0) {
        if (w->now_ms < w->park_retry_at)
            return false;
        w->park_retry_at = 0;
    }
    if (!may_accept(d))
        return false;
    /* Counted in `accepting` before the quiesce check (see
     * mhd_daemon_accept); the slot is reserved before accepting, so that
     * threads racing for the last one never exceed the limit. */
    atomic_fetch_add(&d->accepting, 1);
    if (atomic_fetch_add(&d->tpc_active, 1) >= d->cfg.conn_limit || atomic_load(&d->cfg.quiesced)) {
        mhd_tpc_connection_gone(d);
        atomic_fetch_sub(&d->accepting, 1);
        return false;
    }
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int fd = accept4(d->listen_fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        mhd_tpc_connection_gone(d);
        atomic_fetch_sub(&d->accepting, 1);
        if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
            mhd_dlog(d, "Cannot accept a connection: %s", strerror(err));
            w->park_retry_at = w->now_ms + TPC_RETRY_MS;
        }
        return false;
    }
    atomic_fetch_add_explicit(&d->tpc_accepts, 1, memory_order_relaxed);
    /* No longer waiting, before the handler runs: it may block, and the
     * listener must then know that nobody waits. */
    park_listen(w, false);
    if (w->tpc_chain) {
        w->tpc_chain = false;
        if (atomic_load(&d->tpc_waiters) == 0)
            (void)mhd_tpc_start_acceptor(d);
    }
    if (mhd_daemon_admit(d, w, fd, (struct sockaddr *)&ss, len, false) != MHD_YES)
        mhd_tpc_connection_gone(d);
    mhd_worker_run_events(w, NULL, 0);
    return true;
}

/* Sleeps on the park set until this thread is woken (stop, quiesce, a
 * posted connection) or may have a connection to accept, and accepts it. */
static void park_wait(struct mhd_worker *w)
{
    struct MHD_Daemon *d = w->cfg->daemon;
    park_listen(w, w->park_retry_at == 0 && may_accept(d));
    int timeout = -1;
    if (w->park_retry_at != 0)
        timeout = w->park_retry_at > w->now_ms ? (int)(w->park_retry_at - w->now_ms) : 0;
    struct mhd_poll_event ev[2];
    int n = w->park.ops->wait(&w->park, timeout, ev, 2);
    mhd_worker_update_clock(w);
    bool incoming = false;
    for (int i = 0; i < n; i++) {
        if (ev[i].item == &w->park_wake_item)
            mhd_worker_drain_wake(w);
        else
            incoming = true;
    }
    if (incoming && !atomic_load_explicit(&w->posted, memory_order_acquire) &&
        !atomic_load_explicit(&w->stop, memory_order_acquire)) {
        /* Off the idle list first, so that MHD_add_connection cannot pick
         * this thread meanwhile; one that already did is served first. */
        pthread_mutex_lock(&d->tpc_lock);
        bool idle = unpark(d, w);
        pthread_mutex_unlock(&d->tpc_lock);
        if (idle && !accept_self(w) && w->park_retry_at == 0 && may_accept(d))
            return; /* another thread was quicker: wait again as before */
    }
    park_listen(w, false);
    /* Off the idle list in every case: at the top of its loop a thread
     * can then not be handed out while it looks at itself. */
    pthread_mutex_lock(&d->tpc_lock);
    (void)unpark(d, w);
    pthread_mutex_unlock(&d->tpc_lock);
}

static void *tpc_main(void *arg)
{
    struct mhd_worker *w = arg;
    struct MHD_Daemon *d = w->cfg->daemon;
    mhd_worker_enter_thread(w);
    mhd_worker_update_clock(w);
    while (!atomic_load_explicit(&w->stop, memory_order_acquire)) {
        if (w->n_conns == 0 && !atomic_load(&w->tpc_reserved) &&
            !atomic_load_explicit(&w->posted, memory_order_acquire)) {
            if (accept_self(w))
                continue;
            w->tpc_chain = false; /* nothing pending: the chain ends here */
            pthread_mutex_lock(&d->tpc_lock);
            bool stay = park(d, w);
            bool parked = mhd_link_is_linked(&w->tpc_idle_link);
            pthread_mutex_unlock(&d->tpc_lock);
            if (!stay)
                break;
            if (parked)
                park_wait(w);
            continue;
        }
        if (!mhd_worker_run_once(w, -1))
            break;
    }
    park_listen(w, false);
    /* Off the lists first, so that a stop no longer wakes this worker
     * through the descriptor it is about to close. A worker just handed
     * out (taken off the idle list, its connection not posted yet) waits
     * for the post: the connection then goes down with the worker instead
     * of being posted to freed memory. */
    pthread_mutex_lock(&d->tpc_lock);
    while (w->tpc_reserved)
        pthread_cond_wait(&d->tpc_cond, &d->tpc_lock);
    (void)unpark(d, w);
    mhd_list_remove(&w->tpc_link);
    pthread_mutex_unlock(&d->tpc_lock);
    mhd_poller_deinit(&w->park);
    mhd_worker_deinit(w);
    /* Freed before the signal: once MHD_stop_daemon sees the count drop it
     * returns, and nothing of this thread may be left to release then. */
    mhd_free(w);
    pthread_mutex_lock(&d->tpc_lock);
    bool join_prev = d->tpc_has_zombie;
    pthread_t prev = d->tpc_zombie;
    d->tpc_zombie = pthread_self();
    d->tpc_has_zombie = true;
    d->tpc_threads--;
    pthread_cond_broadcast(&d->tpc_cond);
    pthread_mutex_unlock(&d->tpc_lock);
    /* Only local state from here on: the daemon may be gone. */
    if (join_prev)
        pthread_join(prev, NULL);
    return NULL;
}

/* The park set: the wake-up channel, and the listen socket while the
 * thread waits for a connection. */
static bool park_open(struct mhd_worker *w)
{
    w->park_listen_item.fd = -1;
    w->park_listen_item.index = -1;
    if (!mhd_poller_init(&w->park, &mhd_poller_epoll))
        return false;
    w->park_wake_item.fd = w->wake_fd;
    w->park_wake_item.index = -1;
    w->park_wake_item.interest = MHD_POLL_IN;
    if (!mhd_poller_add(&w->park, &w->park_wake_item)) {
        mhd_poller_deinit(&w->park);
        return false;
    }
    return true;
}

/* Starts a new connection thread, reserved for a connection about to be
 * posted or (!reserved) to accept one itself, as a link of a chain
 * (mhd_tpc_start_acceptor) or not; d->tpc_lock held. */
static struct mhd_worker *spawn(struct MHD_Daemon *d, bool reserved, bool chain)
{
    struct mhd_worker *w = mhd_alloc(sizeof(*w));
    if (w == NULL)
        return NULL;
    if (!mhd_worker_init(w, &d->cfg, &mhd_daemon_worker_ops, WORKER_TPC_CONN, tpc_poller(d),
                         MHD_INVALID_SOCKET)) {
        mhd_free(w);
        return NULL;
    }
    mhd_link_init(&w->tpc_link);
    mhd_link_init(&w->tpc_idle_link);
    w->conn_limit = 1;
    w->tpc_reserved = reserved;
    w->tpc_chain = chain;
    if (!park_open(w)) {
        mhd_worker_deinit(w);
        mhd_free(w);
        return NULL;
    }
    if (!mhd_worker_start_joinable(w, tpc_main)) {
        mhd_poller_deinit(&w->park);
        mhd_worker_deinit(w);
        mhd_free(w);
        return NULL;
    }
    mhd_list_push_back(&d->tpc_all, &w->tpc_link);
    d->tpc_threads++;
    return w;
}

struct mhd_worker *mhd_tpc_take_worker(struct MHD_Daemon *d)
{
    struct mhd_worker *w = NULL;
    pthread_mutex_lock(&d->tpc_lock);
    if (!d->tpc_stopping) {
        struct mhd_link *k = mhd_list_first(&d->tpc_idle);
        if (k != NULL) {
            mhd_list_remove(k);
            d->tpc_idle_count--;
            w = mhd_container_of(k, struct mhd_worker, tpc_idle_link);
            w->tpc_reserved = true;
        } else {
            w = spawn(d, true, false);
        }
    }
    pthread_mutex_unlock(&d->tpc_lock);
    return w;
}

void mhd_tpc_post_conn(struct MHD_Daemon *d, struct mhd_worker *w, struct MHD_Connection *c)
{
    pthread_mutex_lock(&d->tpc_lock);
    if (c != NULL) {
        atomic_fetch_add(&d->tpc_active, 1);
        mhd_worker_post_conn(w, &c->item);
    } else {
        mhd_worker_wake(w); /* let it park again */
    }
    w->tpc_reserved = false;
    pthread_cond_broadcast(&d->tpc_cond); /* a worker on its way out waits for this */
    pthread_mutex_unlock(&d->tpc_lock);
}

void mhd_tpc_connection_gone(struct MHD_Daemon *d)
{
    unsigned int before = atomic_fetch_sub(&d->tpc_active, 1);
    if (before >= d->cfg.conn_limit && d->n_workers > 0)
        mhd_worker_wake(&d->workers[0]); /* the listener may accept again */
}

void mhd_tpc_stop(struct MHD_Daemon *d)
{
    if (!d->tpc_ready)
        return;
    pthread_mutex_lock(&d->tpc_lock);
    d->tpc_stopping = true;
    for (struct mhd_link *k = mhd_list_first(&d->tpc_all); k; k = mhd_list_next(&d->tpc_all, k)) {
        struct mhd_worker *w = mhd_container_of(k, struct mhd_worker, tpc_link);
        atomic_store_explicit(&w->stop, true, memory_order_release);
        mhd_worker_wake(w);
    }
    while (d->tpc_threads > 0)
        pthread_cond_wait(&d->tpc_cond, &d->tpc_lock);
    bool join_last = d->tpc_has_zombie;
    d->tpc_has_zombie = false;
    pthread_mutex_unlock(&d->tpc_lock);
    if (join_last)
        pthread_join(d->tpc_zombie, NULL); /* it joins the one before it */
    pthread_cond_destroy(&d->tpc_cond);
    pthread_mutex_destroy(&d->tpc_lock);
    d->tpc_ready = false;
}

void mhd_tpc_wake_all(struct MHD_Daemon *d)
{
    if (!d->tpc_ready)
        return;
    pthread_mutex_lock(&d->tpc_lock);
    for (struct mhd_link *k = mhd_list_first(&d->tpc_all); k; k = mhd_list_next(&d->tpc_all, k))
        mhd_worker_wake(mhd_container_of(k, struct mhd_worker, tpc_link));
    pthread_mutex_unlock(&d->tpc_lock);
}
