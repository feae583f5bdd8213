/* Workers: the unit that runs connections.
 *
 * A worker owns a poller, a wake-up channel and a set of connections; only
 * the worker's own thread (or, for the external loop, the application thread
 * inside MHD_run*) touches them. Other threads talk to a worker by posting
 * to its queue (new connections from MHD_add_connection, resumed
 * connections) and waking it. Each loop iteration runs named phases:
 * wait, accept, process ready connections, run posted work, expire
 * timeouts, clean up.
 *
 * The loop knows neither connections nor the daemon. What it runs are
 * items (struct mhd_item, embedded in each connection): it keeps them on
 * its lists and timers and calls them through the table of operations
 * the daemon hands each worker when it makes it (struct mhd_worker_ops);
 * a ready descriptor calls its poll item's on_ready. What it needs of the
 * daemon's configuration it reads from struct mhd_config (src/config). */
#ifndef MHD_LOOP_WORKER_H
#define MHD_LOOP_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config/config.h"
#include "loop/poller.h"
#include "util/alloc.h"
#include "util/list.h"

struct mhd_worker;

enum mhd_worker_kind {
    WORKER_EXTERNAL, /* driven by the application through MHD_run* */
    WORKER_THREAD,   /* internal polling thread, alone or in a pool */
    WORKER_TPC_CONN  /* thread per connection: one connection at a time */
};

/* What a worker keeps of each item it runs (a connection, or a request of
 * an HTTP/2 connection): its descriptor, its places on the worker's lists,
 * and its timers. Touched by the worker's thread only. */
struct mhd_item {
    struct mhd_poll_item poll;
    struct mhd_link link;   /* in worker->conns */
    struct mhd_link tlink;  /* in a timeout list */
    struct mhd_link qlink;  /* in worker->ready / yielded / closed / incoming */
    struct mhd_link rslink; /* in worker->resumed */
    /* Queued in worker->resumed; under worker->lock, as other threads set
     * it (mhd_worker_post_resume). Kept apart from the flags below, which
     * the worker's thread alone touches: a compiler may read those
     * together as one word, and that word must not hold it. */
    bool resume_posted;
    struct mhd_link blink;  /* in worker->backoffs: waiting to be asked again */
    uint64_t last_activity;
    uint64_t timeout_ms;    /* 0: never times out */
    uint64_t backoff_until; /* when it is scheduled again (mhd_backoff_wait) */
    uint32_t backoff_ms;    /* the current delay; 0 after the last reset */
    bool own_timeout;       /* set by mhd_timeout_set, not the daemon's */
    bool suspended;         /* neither timed nor processed until resumed */
    bool in_ready;          /* queued in worker->ready or worker->yielded */
};

/* What a worker calls: handed down by the daemon, which decides what its
 * items are and when its listen socket may take more. One table per kind
 * of worker; every entry is set unless said otherwise. */
struct mhd_worker_ops {
    /* The listen socket is readable: accept what waits, as far as the
     * limits allow. */
    void (*accept)(struct mhd_worker *w);
    /* Before each wait: whether to poll the listen socket, and the longest
     * wait in milliseconds (-1: no limit). NULL: nothing to plan. */
    int64_t (*plan)(struct mhd_worker *w);
    /* True when `w` may not take another connection now. */
    bool (*at_limit)(const struct mhd_worker *w);
    /* An item posted by another thread (mhd_worker_post_conn) begins. */
    void (*start)(struct mhd_item *it);
    /* A scheduled item runs as far as it goes. */
    void (*process)(struct mhd_item *it);
    /* A resume was posted for the item (mhd_worker_post_resume). */
    void (*resume)(struct mhd_item *it);
    /* The item stayed idle for its timeout: it closes. */
    void (*expire)(struct mhd_item *it);
    /* The daemon quiesces (again when the drain timer falls due). */
    void (*quiesce)(struct mhd_item *it);
    /* The worker stops: the item ends now (it is destroyed next). */
    void (*stop)(struct mhd_item *it);
    /* A closed item (on worker->closed, or after stop) is freed. */
    void (*destroy)(struct mhd_item *it);
    /* An item posted but never started is freed. */
    void (*discard)(struct mhd_item *it);
};

/* Recycled connection memory pools, kept per worker so no lock is taken.
 * Up to MHD_POOL_CACHE_MAX wait for reuse, so a burst of short connections
 * does not make malloc shrink and regrow its heap for every connection;
 * beyond MHD_POOL_CACHE_KEEP, blocks that stay unused for a second are
 * freed (pool.c). */
#define MHD_POOL_CACHE_MAX 128u
#define MHD_POOL_CACHE_KEEP 16u
struct mhd_pool_cache {
    void *blocks[MHD_POOL_CACHE_MAX];
    unsigned int count;
    unsigned int low;  /* the fewest cached since trim_at was set */
    uint64_t trim_at;  /* when to free what stayed unused (0: nothing to) */
};

struct mhd_worker {
    struct mhd_config *cfg;
    const struct mhd_worker_ops *ops;
    enum mhd_worker_kind kind;
    unsigned int index;
    struct mhd_poller poller;
    struct mhd_poll_item listen_item; /* fd -1 when this worker does not accept */
    struct mhd_poll_item wake_item;
    int wake_fd; /* eventfd, -1 without MHD_USE_ITC */
    atomic_bool listen_paused; /* read by other workers of a pool */
    bool distributes; /* a pool member: accepts for the whole pool */
    uint64_t listen_retry_at; /* 0: no retry pending */
    bool quiesce_seen; /* the connections were told of the daemon's quiesce */
    uint64_t drain_at; /* 0, or when idle draining connections are looked at again */

    pthread_t thread;
    bool thread_started;
    atomic_bool stop;

    uint64_t now_ms; /* monotonic clock, refreshed once per loop iteration */

    struct mhd_list conns;      /* every item (connection) of this worker */
    struct mhd_list timeouts;   /* connections using the daemon timeout, oldest first */
    struct mhd_list timeouts_own; /* connections with their own timeout */
    struct mhd_list ready;      /* connections to process without waiting for I/O */
    struct mhd_list yielded;    /* connections that used their share: ready next iteration */
    struct mhd_list backoffs;   /* connections waiting to ask their content reader again */
    struct mhd_list closed;     /* connections to free at the end of the iteration */
    unsigned int n_conns;       /* written by the worker, read by info queries */
    unsigned int n_closed;      /* of those, closed and waiting on `closed` */
    atomic_uint n_conns_public;
    unsigned int conn_limit;

    /* Posted work, guarded by `lock`. */
    pthread_mutex_t lock;
    struct mhd_list incoming; /* connections added by other threads */
    struct mhd_list resumed;  /* connections whose resume was requested */
    atomic_bool posted;

    /* The Date header, formatted once per second. */
    time_t date_sec;
    char date[32];

    struct mhd_pool_cache pools;

    /* Thread per connection (daemon/tpc.c): links in the daemon's lists. */
    struct mhd_link tpc_link;
    struct mhd_link tpc_idle_link;
    /* Handed out for a connection not posted yet; written under the
     * daemon's tpc_lock, read by the thread itself without it. */
    atomic_bool tpc_reserved;
    /* Started to take a pending connection and, with its first one, start
     * the next such thread (tpc.c: mhd_tpc_start_acceptor); the thread's
     * own from then on. */
    bool tpc_chain;
    /* A connection thread without a connection sleeps on its park set
     * (epoll): its wake-up channel and, while it may accept, the listen
     * socket, shared exclusively with the other waiting threads. */
    struct mhd_poller park;
    struct mhd_poll_item park_wake_item;
    struct mhd_poll_item park_listen_item;
    uint64_t park_retry_at; /* out of descriptors: accept again from then on */
    /* The listener of a thread-per-connection daemon (daemon/tpc_listen.c). */
    uint64_t tpc_grace_until;  /* 0, or when it hands out what still waits */
    unsigned int tpc_grace_accepts;
};

/* Sets up `w` for the daemon of `cfg`, calling `ops`, with the poller
 * backend `poller`; it polls `listen_fd` unless that is -1. False on
 * failure (logged). */
bool mhd_worker_init(struct mhd_worker *w, struct mhd_config *cfg, const struct mhd_worker_ops *ops,
                     enum mhd_worker_kind kind, const struct mhd_poller_ops *poller, int listen_fd);

/* Stops and destroys every item (ops->stop, ops->destroy) and frees resources.
 * Called on the worker's thread or after it was joined. */
void mhd_worker_deinit(struct mhd_worker *w);

/* Starts the worker's thread (WORKER_THREAD). */
bool mhd_worker_start_thread(struct mhd_worker *w);

/* Starts a thread running `fn(w)` with the daemon's stack size; whoever
 * joins it must learn its id from the thread itself (tpc.c). */
bool mhd_worker_start_joinable(struct mhd_worker *w, void *(*fn)(void *));

/* Starts a thread running `fn(arg)` with the daemon's stack size, named
 * after `w`; joinable through *tid. False on failure (logged). */
bool mhd_worker_spawn(struct mhd_worker *w, void *(*fn)(void *), void *arg, pthread_t *tid);

/* Prepares the calling thread to run `w`: blocks SIGPIPE and records `w`
 * as the thread's worker for mhd_worker_is_current(). */
void mhd_worker_enter_thread(struct mhd_worker *w);

/* One loop iteration waiting at most `max_wait_ms` (-1: as long as the
 * timeouts allow). Returns false on a fatal polling error. */
bool mhd_worker_run_once(struct mhd_worker *w, int64_t max_wait_ms);

/* The phases after waiting: handle the events `ev`, run posted work and
 * ready connections, expire timeouts, free closed connections. */
void mhd_worker_run_events(struct mhd_worker *w, struct mhd_poll_event *ev, int n);

/* Milliseconds until the worker has something to do (0 now), -1 if only
 * I/O can wake it. */
int64_t mhd_worker_next_timeout(struct mhd_worker *w);

/* Wakes the worker's thread (no-op without a wake-up channel). */
void mhd_worker_wake(struct mhd_worker *w);
/* Resets the wake-up channel after it fired. */
void mhd_worker_drain_wake(struct mhd_worker *w);

/* Posts an item created on another thread to `w` and wakes it. */
void mhd_worker_post_conn(struct mhd_worker *w, struct mhd_item *it);

/* Posts a resume request for `it` (owned by `w`) and wakes it. */
void mhd_worker_post_resume(struct mhd_worker *w, struct mhd_item *it);

/* Withdraws a resume posted for `it` that has not run yet (the item is
 * closing). Worker thread only. */
void mhd_worker_cancel_resume(struct mhd_worker *w, struct mhd_item *it);

/* Queues `it` for ops->process in this loop iteration or, with `next`, in
 * the next one (after the others had their turn); nothing when it is
 * queued already. Worker thread only. */
static inline void mhd_worker_schedule(struct mhd_worker *w, struct mhd_item *it, bool next)
{
    if (it->in_ready)
        return;
    it->in_ready = true;
    mhd_list_push_back(next ? &w->yielded : &w->ready, &it->qlink);
}

/* Runs posted work (new connections, resumes). Worker thread only. */
void mhd_worker_run_posted(struct mhd_worker *w);

/* Refreshes w->now_ms. */
void mhd_worker_update_clock(struct mhd_worker *w);

/* The cached Date value ("Sun, 06 Nov 1994 08:49:37 GMT") for now. */
const char *mhd_worker_date(struct mhd_worker *w);

/* Stops accepting on this worker (quiesce) or pauses/resumes polling the
 * listen socket at the connection limit. */
void mhd_worker_listen_pause(struct mhd_worker *w, bool pause);
void mhd_worker_listen_drop(struct mhd_worker *w);

/* Draining (the daemon is quiesced): looks at the worker's connections
 * again at `at` (monotonic ms) at the latest, telling each of them once more
 * (ops->quiesce). */
void mhd_worker_drain_at(struct mhd_worker *w, uint64_t at);

/* After running out of descriptors: polls the listen socket again after a
 * short delay even if no connection closes meanwhile. */
void mhd_worker_listen_retry_later(struct mhd_worker *w);

/* True when the calling thread is the one running `w`. */
bool mhd_worker_is_current(const struct mhd_worker *w);

/* Timeout bookkeeping (timeouts.c): mhd_timeout_touch() records activity
 * of `it` now; mhd_timeout_expire() calls ops->expire for the items idle
 * for their timeout. */
void mhd_timeout_touch(struct mhd_worker *w, struct mhd_item *it);
void mhd_timeout_set(struct mhd_worker *w, struct mhd_item *it, uint64_t timeout_ms);
void mhd_timeout_detach(struct mhd_item *it);
int64_t mhd_timeout_next(struct mhd_worker *w);
void mhd_timeout_expire(struct mhd_worker *w);

/* Content readers that had nothing yet (backoff.c). mhd_backoff_wait()
 * puts `c` to sleep for a delay that doubles with each empty answer, up to
 * a cap; mhd_backoff_reset() wakes it from that list and starts the delay
 * from the beginning (the reader gave data or the body ended).
 * mhd_backoff_next() is the milliseconds until the first one is due (-1:
 * none); mhd_backoff_expire() schedules those that are due. */
void mhd_backoff_wait(struct mhd_worker *w, struct mhd_item *it);
void mhd_backoff_reset(struct mhd_item *it);
int64_t mhd_backoff_next(const struct mhd_worker *w);
void mhd_backoff_expire(struct mhd_worker *w);

/* The cache of pools (pool_cache.c): mhd_pool_cache_take() returns a
 * cached block (NULL: none), mhd_pool_cache_put() keeps one or frees it;
 * mhd_pool_cache_trim() frees what stayed unused since the last trim;
 * mhd_pool_cache_next() is the milliseconds until the next trim is due
 * (-1: none). Inline where a request passes. */
#define MHD_POOL_TRIM_MS 1000u

static inline void *mhd_pool_cache_take(struct mhd_worker *w)
{
    struct mhd_pool_cache *pc = &w->pools;
    if (pc->count == 0)
        return NULL;
    void *mem = pc->blocks[--pc->count];
    if (pc->count < pc->low)
        pc->low = pc->count;
    return mem;
}

static inline void mhd_pool_cache_put(struct mhd_worker *w, void *mem)
{
    struct mhd_pool_cache *pc = &w->pools;
    if (pc->count >= MHD_POOL_CACHE_MAX) {
        mhd_free(mem);
        return;
    }
    pc->blocks[pc->count++] = mem;
    if (pc->count > MHD_POOL_CACHE_KEEP && pc->trim_at == 0) {
        pc->trim_at = w->now_ms + MHD_POOL_TRIM_MS;
        pc->low = pc->count;
    }
}

void mhd_pool_cache_trim(struct mhd_worker *w);
int64_t mhd_pool_cache_next(const struct mhd_worker *w);

#endif
