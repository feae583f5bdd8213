/* Thread per connection: each connection runs on a thread of its own, whose
 * worker serves exactly that connection, so a handler that blocks delays
 * nobody else. Threads are reused: when its connection ends, a thread waits
 * for the next one instead of exiting (up to TPC_MAX_IDLE waiting threads),
 * which saves a thread creation per connection. */
#include "loop/worker.h"

#include <errno.h>
#include <string.h>

#include "conn/conn.h"
#include "daemon/daemon.h"
#include "util/alloc.h"

#define TPC_MAX_IDLE 64u

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

static void *tpc_main(void *arg)
{
    struct mhd_worker *w = arg;
    struct MHD_Daemon *d = w->daemon;
    mhd_worker_enter_thread(w);
    while (!atomic_load_explicit(&w->stop, memory_order_acquire)) {
        if (!mhd_worker_run_once(w, -1))
            break;
        if (w->n_conns != 0)
            continue;
        pthread_mutex_lock(&d->tpc_lock);
        bool stay = park(d, w);
        pthread_mutex_unlock(&d->tpc_lock);
        if (!stay)
            break;
    }
    /* Off the lists first, so that a stop no longer wakes this worker
     * through the descriptor it is about to close. A worker just handed
     * out (taken off the idle list, its connection not posted yet) waits
     * for the post: the connection then goes down with the worker instead
     * of being posted to freed memory. */
    pthread_mutex_lock(&d->tpc_lock);
    while (w->tpc_reserved)
        pthread_cond_wait(&d->tpc_cond, &d->tpc_lock);
    if (mhd_link_is_linked(&w->tpc_idle_link)) {
        mhd_list_remove(&w->tpc_idle_link);
        d->tpc_idle_count--;
    }
    mhd_list_remove(&w->tpc_link);
    pthread_mutex_unlock(&d->tpc_lock);
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

/* Starts a new connection thread; d->tpc_lock held. */
static struct mhd_worker *spawn(struct MHD_Daemon *d)
{
    struct mhd_worker *w = mhd_alloc(sizeof(*w));
    if (w == NULL)
        return NULL;
    if (!mhd_worker_init(w, d, WORKER_TPC_CONN, tpc_poller(d), false)) {
        mhd_free(w);
        return NULL;
    }
    mhd_link_init(&w->tpc_link);
    mhd_link_init(&w->tpc_idle_link);
    w->conn_limit = 1;
    w->tpc_reserved = true;
    if (!mhd_worker_start_joinable(w, tpc_main)) {
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
            w = spawn(d);
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
        mhd_worker_post_conn(w, c);
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
