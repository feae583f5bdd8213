/* Workers: the unit that runs connections.
 *
 * A worker owns a poller, a wake-up channel and a set of connections; only
 * the worker's own thread (or, for the external loop, the application thread
 * inside MHD_run*) touches them. Other threads talk to a worker by posting
 * to its queue (new connections from MHD_add_connection, resumed
 * connections) and waking it. Each loop iteration runs named phases:
 * wait, accept, process ready connections, run posted work, expire
 * timeouts, clean up. */
#ifndef MHD_LOOP_WORKER_H
#define MHD_LOOP_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "loop/poller.h"
#include "util/list.h"

struct MHD_Daemon;
struct MHD_Connection;

enum mhd_worker_kind {
    WORKER_EXTERNAL, /* driven by the application through MHD_run* */
    WORKER_THREAD,   /* internal polling thread, alone or in a pool */
    WORKER_TPC_CONN  /* thread per connection: one connection at a time */
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
    struct MHD_Daemon *daemon;
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

    struct mhd_list conns;      /* every connection of this worker */
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

    /* Thread per connection: links in the daemon's lists. */
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
    /* The listener of a thread-per-connection daemon (tpc_listen.c). */
    bool tpc_listener;
    uint64_t tpc_grace_until;  /* 0, or when it hands out what still waits */
    unsigned int tpc_grace_accepts;
};

/* Sets up `w` for daemon `d` with the poller backend `ops`; `accepts` says
 * whether it polls the listen socket. False on failure (logged). */
bool mhd_worker_init(struct mhd_worker *w, struct MHD_Daemon *d, enum mhd_worker_kind kind,
                     const struct mhd_poller_ops *ops, bool accepts);

/* Closes every connection (reporting DAEMON_SHUTDOWN) and frees resources.
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

/* Posts a connection created on another thread to `w` and wakes it. */
void mhd_worker_post_conn(struct mhd_worker *w, struct MHD_Connection *c);

/* Posts a resume request for `c` (owned by `w`) and wakes it. */
void mhd_worker_post_resume(struct mhd_worker *w, struct MHD_Connection *c);

/* Withdraws a resume posted for `c` that has not run yet (the connection
 * is closing). Worker thread only. */
void mhd_worker_cancel_resume(struct mhd_worker *w, struct MHD_Connection *c);

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
 * (mhd_conn_quiesce). */
void mhd_worker_drain_at(struct mhd_worker *w, uint64_t at);

/* After running out of descriptors: polls the listen socket again after a
 * short delay even if no connection closes meanwhile. */
void mhd_worker_listen_retry_later(struct mhd_worker *w);

/* True when `w` may not take another connection (for the listener of a
 * thread-per-connection daemon: the daemon is at its limit). */
bool mhd_worker_at_limit(const struct mhd_worker *w);

/* True when the calling thread is the one running `w`. */
bool mhd_worker_is_current(const struct mhd_worker *w);

/* Thread per connection (tpc.c). mhd_tpc_take_worker() returns a waiting
 * connection thread's worker, or starts a new one, reserved for one new
 * connection; the caller posts the connection to it with
 * mhd_tpc_post_conn(). mhd_tpc_stop() stops every connection thread and
 * returns when they have all exited. */
bool mhd_tpc_init(struct MHD_Daemon *d);
struct mhd_worker *mhd_tpc_take_worker(struct MHD_Daemon *d);
void mhd_tpc_post_conn(struct MHD_Daemon *d, struct mhd_worker *w, struct MHD_Connection *c);
void mhd_tpc_connection_gone(struct MHD_Daemon *d);
/* Starts a connection thread that accepts for itself (false if none could
 * be started); it starts a successor in turn while connections are
 * pending and nobody else waits for them. */
bool mhd_tpc_start_acceptor(struct MHD_Daemon *d);
void mhd_tpc_stop(struct MHD_Daemon *d);
/* Wakes every connection thread (quiesce: waiting ones let go of the listen
 * socket, busy ones tell their connection to drain). */
void mhd_tpc_wake_all(struct MHD_Daemon *d);

/* The listener of a thread-per-connection daemon (tpc_listen.c): before
 * each wait, mhd_tpc_listener_plan() decides whether it polls the listen
 * socket and returns how long it may wait at most (-1: no limit);
 * mhd_tpc_listener_ready() handles a pending connection. */
int64_t mhd_tpc_listener_plan(struct mhd_worker *w);
void mhd_tpc_listener_ready(struct mhd_worker *w);

/* Timeout bookkeeping (timeouts.c). */
void mhd_timeout_touch(struct mhd_worker *w, struct MHD_Connection *c);
void mhd_timeout_set(struct mhd_worker *w, struct MHD_Connection *c, uint64_t timeout_ms);
void mhd_timeout_detach(struct MHD_Connection *c);
int64_t mhd_timeout_next(struct mhd_worker *w);
void mhd_timeout_expire(struct mhd_worker *w);

/* Content readers that had nothing yet (backoff.c). mhd_backoff_wait()
 * puts `c` to sleep for a delay that doubles with each empty answer, up to
 * a cap; mhd_backoff_reset() wakes it from that list and starts the delay
 * from the beginning (the reader gave data or the body ended).
 * mhd_backoff_next() is the milliseconds until the first one is due (-1:
 * none); mhd_backoff_expire() schedules those that are due. */
void mhd_backoff_wait(struct mhd_worker *w, struct MHD_Connection *c);
void mhd_backoff_reset(struct MHD_Connection *c);
int64_t mhd_backoff_next(const struct mhd_worker *w);
void mhd_backoff_expire(struct mhd_worker *w);

/* The cache of pools (conn/pool.c): mhd_pool_cache_trim() frees what
 * stayed unused since the last trim; mhd_pool_cache_next() is the
 * milliseconds until the next trim is due (-1: none). */
void mhd_pool_cache_trim(struct mhd_worker *w);
int64_t mhd_pool_cache_next(const struct mhd_worker *w);

#endif
