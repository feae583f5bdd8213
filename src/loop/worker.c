/* The worker loop: wait, accept, process, run posted work, expire timeouts,
 * clean up. */
#include "loop/worker.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/http.h"
#include "util/alloc.h"
#include "util/sys.h"

#ifdef HAVE_EVENTFD
#include <sys/eventfd.h>
#endif

/* How long the listen socket rests after accept() ran out of descriptors. */
#define LISTEN_RETRY_MS 100u
#define EVENTS_PER_WAIT 64

void mhd_worker_update_clock(struct mhd_worker *w)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    w->now_ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

const char *mhd_worker_date(struct mhd_worker *w)
{
    time_t now = time(NULL);
    if (now != w->date_sec) {
        mhd_http_date(now, w->date);
        w->date_sec = now;
    }
    return w->date;
}

static bool open_wake(struct mhd_worker *w)
{
#ifdef HAVE_EVENTFD
    w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->wake_fd < 0)
        return false;
    w->wake_item.fd = w->wake_fd;
    w->wake_item.interest = MHD_POLL_IN;
    return mhd_poller_add(&w->poller, &w->wake_item);
#else
    return false;
#endif
}

bool mhd_worker_init(struct mhd_worker *w, struct mhd_config *cfg, const struct mhd_worker_ops *ops,
                     enum mhd_worker_kind kind, const struct mhd_poller_ops *poller, int listen_fd)
{
    memset(w, 0, sizeof(*w));
    w->cfg = cfg;
    w->ops = ops;
    w->kind = kind;
    w->wake_fd = -1;
    w->listen_item.fd = -1;
    w->listen_item.index = -1;
    w->wake_item.fd = -1;
    w->wake_item.index = -1;
    mhd_list_init(&w->conns);
    mhd_list_init(&w->timeouts);
    mhd_list_init(&w->timeouts_own);
    mhd_list_init(&w->ready);
    mhd_list_init(&w->yielded);
    mhd_list_init(&w->backoffs);
    mhd_list_init(&w->closed);
    mhd_list_init(&w->incoming);
    mhd_list_init(&w->resumed);
    atomic_init(&w->stop, false);
    atomic_init(&w->posted, false);
    atomic_init(&w->listen_paused, false);
    atomic_init(&w->n_conns_public, 0);
    w->date_sec = (time_t)-1;
    if (pthread_mutex_init(&w->lock, NULL) != 0)
        return false;
    if (!mhd_poller_init(&w->poller, poller)) {
        mhd_cfg_log(cfg, "Cannot create the %s poller: %s", poller->name, strerror(errno));
        pthread_mutex_destroy(&w->lock);
        return false;
    }
    /* Threads need a wake-up for stop, resume and added connections. The
     * external loop gets one when asked for (MHD_USE_ITC, implied by
     * MHD_ALLOW_SUSPEND_RESUME): it is then part of the descriptors the
     * application waits on, so a resume from another thread wakes it. */
    bool wake = kind != WORKER_EXTERNAL || (cfg->flags & MHD_USE_ITC);
    if (wake && !open_wake(w)) {
        mhd_cfg_log(cfg, "Cannot create the wake-up channel: %s", strerror(errno));
        mhd_worker_deinit(w);
        return false;
    }
    if (listen_fd != MHD_INVALID_SOCKET) {
        w->listen_item.fd = listen_fd;
        w->listen_item.interest = MHD_POLL_IN;
        /* Several epoll workers share the listen socket: the kernel wakes
         * one of them per connection. */
        if (poller == &mhd_poller_epoll && cfg->pool_threads > 1)
            w->listen_item.interest |= MHD_POLL_EXCL;
        if (!mhd_poller_add(&w->poller, &w->listen_item)) {
            mhd_cfg_log(cfg, "Cannot watch the listen socket: %s", strerror(errno));
            mhd_worker_deinit(w);
            return false;
        }
    }
    return true;
}

/* The worker this thread runs, for mhd_worker_is_current(). */
static _Thread_local struct mhd_worker *current_worker;

/* Takes the first item off the resume queue; NULL when it is empty. */
static struct mhd_item *take_resumed(struct mhd_worker *w)
{
    struct mhd_item *it = NULL;
    pthread_mutex_lock(&w->lock);
    struct mhd_link *k = mhd_list_first(&w->resumed);
    if (k != NULL) {
        mhd_list_remove(k);
        it = mhd_container_of(k, struct mhd_item, rslink);
        it->resume_posted = false;
    }
    pthread_mutex_unlock(&w->lock);
    return it;
}

/* Handles the posted resumes. They are taken one at a time under the lock:
 * once a connection is off the queue another thread may resume it again,
 * which links it anew. A connection is queued at most once, so n_conns
 * rounds cover every resume posted before; one posted meanwhile sets
 * `posted` again and waits for the next round. */
static void run_resumes(struct mhd_worker *w)
{
    for (unsigned int round = w->n_conns; round > 0; round--) {
        struct mhd_item *it = take_resumed(w);
        if (it == NULL)
            return;
        w->ops->resume(it);
    }
    /* More were queued than the worker has connections (the requests of an
     * HTTP/2 connection are queued one by one): the rest go next round. */
    pthread_mutex_lock(&w->lock);
    if (!mhd_list_is_empty(&w->resumed))
        atomic_store(&w->posted, true);
    pthread_mutex_unlock(&w->lock);
}

static void close_all(struct mhd_worker *w)
{
    /* Connections added but never started are dropped without a word to
     * the application; resumes posted before the stop still count, so those
     * connections are closed like the others. */
    struct mhd_list incoming;
    mhd_list_init(&incoming);
    pthread_mutex_lock(&w->lock);
    mhd_list_splice_back(&incoming, &w->incoming);
    atomic_store(&w->posted, false);
    pthread_mutex_unlock(&w->lock);
    struct mhd_link *k;
    while ((k = mhd_list_first(&incoming)) != NULL) {
        mhd_list_remove(k);
        w->ops->discard(mhd_container_of(k, struct mhd_item, qlink));
    }
    run_resumes(w);
    while ((k = mhd_list_first(&w->conns)) != NULL) {
        struct mhd_item *it = mhd_container_of(k, struct mhd_item, link);
        /* A resume posted until the stop returned is dropped. */
        w->ops->stop(it);
        mhd_worker_cancel_resume(w, it);
        mhd_list_remove(&it->qlink);
        w->ops->destroy(it);
    }
    w->n_closed = 0;
}

void mhd_worker_deinit(struct mhd_worker *w)
{
    close_all(w);
    for (unsigned int i = 0; i < w->pools.count; i++)
        mhd_free(w->pools.blocks[i]);
    w->pools.count = 0;
    if (w->listen_item.registered)
        mhd_poller_remove(&w->poller, &w->listen_item);
    mhd_poller_deinit(&w->poller);
    if (w->wake_fd >= 0)
        close(w->wake_fd);
    w->wake_fd = -1;
    pthread_mutex_destroy(&w->lock);
}

void mhd_worker_wake(struct mhd_worker *w)
{
    if (w->wake_fd < 0)
        return;
    uint64_t one = 1;
    ssize_t n = write(w->wake_fd, &one, sizeof(one));
    (void)n; /* a full counter is fine: the worker is awake anyway */
}

void mhd_worker_drain_wake(struct mhd_worker *w)
{
    uint64_t v;
    ssize_t n = read(w->wake_fd, &v, sizeof(v));
    (void)n;
}

void mhd_worker_post_conn(struct mhd_worker *w, struct mhd_item *it)
{
    pthread_mutex_lock(&w->lock);
    mhd_list_push_back(&w->incoming, &it->qlink);
    atomic_store(&w->posted, true);
    pthread_mutex_unlock(&w->lock);
    mhd_worker_wake(w);
}

void mhd_worker_post_resume(struct mhd_worker *w, struct mhd_item *it)
{
    pthread_mutex_lock(&w->lock);
    if (!it->resume_posted) {
        it->resume_posted = true;
        mhd_list_push_back(&w->resumed, &it->rslink);
        atomic_store(&w->posted, true);
    }
    pthread_mutex_unlock(&w->lock);
    mhd_worker_wake(w);
}

void mhd_worker_cancel_resume(struct mhd_worker *w, struct mhd_item *it)
{
    pthread_mutex_lock(&w->lock);
    if (it->resume_posted) {
        it->resume_posted = false;
        mhd_list_remove(&it->rslink);
    }
    pthread_mutex_unlock(&w->lock);
}

void mhd_worker_run_posted(struct mhd_worker *w)
{
    if (!atomic_exchange(&w->posted, false))
        return;
    struct mhd_list incoming;
    mhd_list_init(&incoming);
    pthread_mutex_lock(&w->lock);
    mhd_list_splice_back(&incoming, &w->incoming);
    pthread_mutex_unlock(&w->lock);
    struct mhd_link *k;
    while ((k = mhd_list_first(&incoming)) != NULL) {
        mhd_list_remove(k);
        w->ops->start(mhd_container_of(k, struct mhd_item, qlink));
    }
    run_resumes(w);
}

void mhd_worker_listen_pause(struct mhd_worker *w, bool pause)
{
    if (w->listen_item.fd < 0 || !w->listen_item.registered || w->listen_paused == pause)
        return;
    atomic_store_explicit(&w->listen_paused, pause, memory_order_relaxed);
    if (!pause)
        w->listen_retry_at = 0;
    mhd_poller_set_interest(&w->poller, &w->listen_item, pause ? 0 : MHD_POLL_IN);
}

void mhd_worker_listen_retry_later(struct mhd_worker *w)
{
    w->listen_retry_at = w->now_ms + LISTEN_RETRY_MS;
}

void mhd_worker_listen_drop(struct mhd_worker *w)
{
    if (w->listen_item.registered)
        mhd_poller_remove(&w->poller, &w->listen_item);
    w->listen_item.fd = -1;
}

void mhd_worker_drain_at(struct mhd_worker *w, uint64_t at)
{
    if (w->drain_at == 0 || at < w->drain_at)
        w->drain_at = at;
}

static bool quiesce_unseen(const struct mhd_worker *w)
{
    return !w->quiesce_seen && atomic_load_explicit(&w->cfg->quiesced, memory_order_acquire);
}

/* Tells every connection that the daemon is quiesced: when the worker first
 * notices it (woken by MHD_quiesce_daemon, or at the next MHD_run of an
 * external loop), and when the drain timer falls due. Connections only
 * schedule themselves here, so the list does not change under the walk. */
static void drain(struct mhd_worker *w)
{
    if (quiesce_unseen(w)) {
        w->quiesce_seen = true;
        mhd_worker_listen_drop(w);
    } else if (w->drain_at == 0 || w->drain_at > w->now_ms) {
        return;
    }
    w->drain_at = 0;
    for (struct mhd_link *k = mhd_list_first(&w->conns); k; k = mhd_list_next(&w->conns, k))
        w->ops->quiesce(mhd_container_of(k, struct mhd_item, link));
}

bool mhd_worker_is_current(const struct mhd_worker *w)
{
    return w->kind == WORKER_EXTERNAL || current_worker == w;
}

int64_t mhd_worker_next_timeout(struct mhd_worker *w)
{
    if (!mhd_list_is_empty(&w->ready) || !mhd_list_is_empty(&w->yielded) ||
        !mhd_list_is_empty(&w->closed) || atomic_load_explicit(&w->posted, memory_order_relaxed) ||
        quiesce_unseen(w))
        return 0;
    int64_t t = mhd_timeout_next(w);
    int64_t b = mhd_backoff_next(w);
    if (b >= 0 && (t < 0 || b < t))
        t = b;
    if (w->listen_retry_at) {
        int64_t r = w->listen_retry_at > w->now_ms ? (int64_t)(w->listen_retry_at - w->now_ms) : 0;
        if (t < 0 || r < t)
            t = r;
    }
    int64_t p = mhd_pool_cache_next(w);
    if (p >= 0 && (t < 0 || p < t))
        t = p;
    if (w->drain_at) {
        int64_t r = w->drain_at > w->now_ms ? (int64_t)(w->drain_at - w->now_ms) : 0;
        if (t < 0 || r < t)
            t = r;
    }
    return t;
}

static void dispatch(struct mhd_worker *w, struct mhd_poll_event *ev, int n)
{
    bool accept_ready = false;
    for (int i = 0; i < n; i++) {
        struct mhd_poll_item *it = ev[i].item;
        if (it == &w->listen_item) {
            accept_ready = true;
        } else if (it == &w->wake_item) {
            mhd_worker_drain_wake(w);
            if (atomic_load_explicit(&w->cfg->quiesced, memory_order_acquire))
                mhd_worker_listen_drop(w);
            else if (w->listen_paused && !w->listen_retry_at && !w->ops->at_limit(w))
                mhd_worker_listen_pause(w, false);
        } else {
            it->on_ready(it, ev[i].events);
        }
    }
    if (accept_ready)
        w->ops->accept(w);
}

static void process_ready(struct mhd_worker *w)
{
    if (mhd_list_is_empty(&w->ready))
        return;
    struct mhd_list batch;
    mhd_list_init(&batch);
    mhd_list_splice_back(&batch, &w->ready);
    struct mhd_link *k;
    while ((k = mhd_list_first(&batch)) != NULL) {
        mhd_list_remove(k);
        struct mhd_item *it = mhd_container_of(k, struct mhd_item, qlink);
        it->in_ready = false;
        w->ops->process(it);
    }
}

static void cleanup(struct mhd_worker *w)
{
    struct mhd_link *k;
    while ((k = mhd_list_first(&w->closed)) != NULL) {
        mhd_list_remove(k);
        w->n_closed--;
        w->ops->destroy(mhd_container_of(k, struct mhd_item, qlink));
    }
}

bool mhd_worker_run_once(struct mhd_worker *w, int64_t max_wait_ms)
{
    mhd_worker_update_clock(w);
    int64_t t = mhd_worker_next_timeout(w);
    if (w->ops->plan != NULL) {
        int64_t g = w->ops->plan(w);
        if (g >= 0 && (t < 0 || g < t))
            t = g;
    }
    if (max_wait_ms >= 0 && (t < 0 || t > max_wait_ms))
        t = max_wait_ms;
    if (t > INT_MAX)
        t = INT_MAX;
    struct mhd_poll_event ev[EVENTS_PER_WAIT];
    int n = w->poller.ops->wait(&w->poller, (int)t, ev, EVENTS_PER_WAIT);
    if (n < 0) {
        mhd_cfg_log(w->cfg, "%s() failed: %s", w->poller.ops->name, strerror(errno));
        return false;
    }
    mhd_worker_update_clock(w);
    mhd_worker_run_events(w, ev, n);
    return true;
}

void mhd_worker_run_events(struct mhd_worker *w, struct mhd_poll_event *ev, int n)
{
    /* Connections that used their share in the last iteration take their
     * next turn in this one's pass over the ready list, together with
     * those that get events now (each is processed once). */
    mhd_list_splice_back(&w->ready, &w->yielded);
    dispatch(w, ev, n);
    mhd_worker_run_posted(w);
    drain(w);
    mhd_backoff_expire(w);
    process_ready(w);
    if (w->listen_retry_at && w->listen_retry_at <= w->now_ms) {
        w->listen_retry_at = 0;
        mhd_worker_listen_pause(w, false);
    }
    mhd_timeout_expire(w);
    cleanup(w);
    mhd_pool_cache_trim(w);
}

void mhd_worker_enter_thread(struct mhd_worker *w)
{
    /* SIGPIPE from a peer that went away must not kill the application;
     * sendfile() has no MSG_NOSIGNAL. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    current_worker = w;
#ifdef HAVE_PTHREAD_SETNAME_NP
    /* Named by the thread itself (a prctl) rather than by its creator
     * (which opens, writes and closes /proc/self/task/TID/comm): thread
     * per connection starts threads under load, and what the starter
     * spends per thread counts (tpc.c). */
    char name[16];
    snprintf(name, sizeof(name), "MHD-worker-%u", w->index);
    pthread_setname_np(pthread_self(), name);
#endif
}

static void *thread_main(void *arg)
{
    struct mhd_worker *w = arg;
    mhd_worker_enter_thread(w);
    while (!atomic_load_explicit(&w->stop, memory_order_acquire)) {
        if (!mhd_worker_run_once(w, -1))
            break;
    }
    close_all(w);
    return NULL;
}

bool mhd_worker_spawn(struct mhd_worker *w, void *(*fn)(void *), void *arg, pthread_t *tid)
{
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return false;
    size_t stack = w->cfg->thread_stack;
    if (stack != 0 && pthread_attr_setstacksize(&attr, stack) != 0) {
        mhd_cfg_log(w->cfg, "Cannot use a thread stack of %zu bytes", stack);
        pthread_attr_destroy(&attr);
        return false;
    }
    int rc = pthread_create(tid, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        mhd_cfg_log(w->cfg, "Cannot start a thread: %s", strerror(rc));
        return false;
    }
    return true;
}

bool mhd_worker_start_thread(struct mhd_worker *w)
{
    if (!mhd_worker_spawn(w, thread_main, w, &w->thread))
        return false;
    w->thread_started = true;
    return true;
}

bool mhd_worker_start_joinable(struct mhd_worker *w, void *(*fn)(void *))
{
    pthread_t tid;
    return mhd_worker_spawn(w, fn, w, &tid);
}
