/* The daemon: configuration, lifecycle, listen socket, admission of
 * connections, and the workers that run them.
 *
 * struct MHD_Daemon is what the application holds. All MHD_OPTION_* values
 * are parsed once at start into its struct mhd_config (src/config), which
 * is all that the connections and workers see of it; nothing reads the
 * varargs list again. The daemon owns one or more workers (src/loop): one for
 * the external loop and for the internal polling thread, N for a thread pool,
 * and one per connection thread in thread-per-connection mode. */
#ifndef MHD_DAEMON_DAEMON_H
#define MHD_DAEMON_DAEMON_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config/config.h"
#include "microhttpd.h"
#include "util/list.h"
#include "util/log.h"

struct mhd_worker;
struct mhd_worker_ops;
struct mhd_iplimit;

struct MHD_Daemon {
    uint16_t port; /* bound port, or the argument with NO_LISTEN_SOCKET */
    MHD_AcceptPolicyCallback apc;
    void *apc_cls;
    struct mhd_config cfg; /* all that the layers below see of the daemon */

    MHD_socket listen_fd;
    bool listen_given;

    struct mhd_worker *workers; /* n_workers entries */
    unsigned int n_workers;
    atomic_uint next_worker; /* round robin for MHD_add_connection */
    /* Connections admitted and not yet destroyed, on all workers. Pool
     * workers accept at the same time and learn of each other's new
     * connections late, so the limit is kept by reserving here. */
    atomic_uint admitted;
    /* Workers between their quiesce check and the moment what they accept
     * is counted in `admitted`; MHD_quiesce_daemon waits until none is. */
    atomic_uint accepting;

    /* Thread per connection: every connection thread's worker is on
     * tpc_all; those waiting for a connection are also on tpc_idle. */
    pthread_mutex_t tpc_lock;
    pthread_cond_t tpc_cond; /* signalled when a connection thread exits or gets its connection */
    struct mhd_list tpc_all;
    struct mhd_list tpc_idle;
    unsigned int tpc_threads; /* running connection threads */
    unsigned int tpc_idle_count;
    /* The last connection thread to exit: joined by the next one to exit,
     * or by the stop, so that no thread outlives the daemon. */
    pthread_t tpc_zombie;
    bool tpc_has_zombie;
    bool tpc_ready;           /* lock and lists initialised */
    bool tpc_stopping;
    atomic_uint tpc_active;   /* connections handed to connection threads */
    /* Self-accepting connection threads (tpc.c, tpc_listen.c): how many
     * sleep on the listen socket, how many connections they took, and
     * whether the listener watches the socket meanwhile. */
    atomic_uint tpc_waiters;
    atomic_uint tpc_accepts;
    atomic_bool tpc_listener_armed;

    struct mhd_iplimit *iplimit; /* NULL unless a per-IP limit is set */

    union MHD_DaemonInfo info[8]; /* MHD_get_daemon_info storage, one slot per type */
};

#define mhd_dlog(d, ...) mhd_log(&(d)->cfg.log, __VA_ARGS__)

/* True when the daemon runs its own threads (internal polling thread, pool or
 * thread per connection). */
static inline bool mhd_daemon_has_threads(const struct MHD_Daemon *d)
{
    return mhd_config_has_threads(&d->cfg);
}

static inline bool mhd_daemon_is_tpc(const struct MHD_Daemon *d)
{
    return mhd_config_is_tpc(&d->cfg);
}

/* Parses the option list into d->cfg (defaults first). Returns false, with
 * the reason logged, for an unknown option, an invalid value or an option
 * this build cannot honour. Reads exactly the arguments each option takes. */
bool mhd_options_parse(struct MHD_Daemon *d, va_list ap);

/* Creates, binds and listens on the daemon's socket per d->cfg and flags, or
 * adopts the given one; sets d->listen_fd and d->port. */
bool mhd_listen_open(struct MHD_Daemon *d);

/* Accepts pending connections on the listen socket for `w` until the
 * backlog is empty, a batch limit or the worker's connection limit; true
 * when it stopped at the batch limit (more may be pending). */
bool mhd_daemon_accept(struct mhd_worker *w);

/* Applies the limits and the accept policy to a new socket and hands it to a
 * worker. Takes `fd` in every case (closes it on refusal). `from_app` is true
 * for MHD_add_connection. Returns MHD_YES when the connection was admitted. */
enum MHD_Result mhd_daemon_admit(struct MHD_Daemon *d, struct mhd_worker *w, int fd,
                                 const struct sockaddr *addr, socklen_t addr_len, bool from_app);

/* True when `w` may not take another connection: the worker's share of
 * the limit, the daemon's limit for a worker that accepts for a pool or
 * for the listener of a thread-per-connection daemon. */
bool mhd_daemon_at_limit(const struct mhd_worker *w);

/* What the daemon's workers call (worker_ops.c): the items are
 * connections; the listener of a thread-per-connection daemon plans its
 * waits and hands out connections (tpc_listen.c). */
extern const struct mhd_worker_ops mhd_daemon_worker_ops;
extern const struct mhd_worker_ops mhd_daemon_tpc_listener_ops;

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

/* Per-IP connection counting; the limit is d->cfg.per_ip_limit. */
bool mhd_iplimit_create(struct MHD_Daemon *d);
void mhd_iplimit_destroy(struct MHD_Daemon *d);
bool mhd_iplimit_take(struct MHD_Daemon *d, const struct sockaddr *addr, socklen_t len);
void mhd_iplimit_give(struct MHD_Daemon *d, const struct sockaddr *addr, socklen_t len);

/* Stops the workers and frees everything start set up, in reverse order;
 * safe on a partly started daemon. */
void mhd_daemon_free(struct MHD_Daemon *d);

/* The number of connections over all workers, from admission until freed
 * (MHD_DAEMON_INFO_CURRENT_CONNECTIONS). */
unsigned int mhd_daemon_count_connections(struct MHD_Daemon *d);

#endif
