/* Stopping and quiescing a daemon. */
#include "daemon/daemon.h"

#include <sched.h>
#include <unistd.h>

#include "auth/auth.h"
#include "conn/conn.h"
#include "h2/h2.h"
#include "loop/worker.h"
#include "util/alloc.h"

void mhd_daemon_free(struct MHD_Daemon *d)
{
    atomic_store(&d->cfg.shutdown, true);
    mhd_conn_upgrade_stop_all(d);
    for (unsigned int i = 0; i < d->n_workers; i++) {
        struct mhd_worker *w = &d->workers[i];
        if (w->thread_started) {
            atomic_store_explicit(&w->stop, true, memory_order_release);
            mhd_worker_wake(w);
        }
    }
    /* All threads end before any worker is torn down: a pool worker closing
     * its last connections may still wake the accepting one. */
    for (unsigned int i = 0; i < d->n_workers; i++) {
        struct mhd_worker *w = &d->workers[i];
        if (w->thread_started)
            pthread_join(w->thread, NULL);
    }
    /* With the listener thread gone, no connection thread is started any
     * more; those still running may wake the listener, so they end first. */
    mhd_tpc_stop(d);
    for (unsigned int i = 0; i < d->n_workers; i++)
        mhd_worker_deinit(&d->workers[i]);
    mhd_free(d->workers);
    if (d->listen_fd != MHD_INVALID_SOCKET && !atomic_load(&d->cfg.quiesced))
        close(d->listen_fd);
    mhd_iplimit_destroy(d);
    mhd_tls_destroy(d->cfg.tls_ctx);
    mhd_dauth_destroy(d->cfg.dauth);
    if (d->cfg.h2 != NULL)
        mhd_h2_release_cache();
    mhd_free(d);
}

_MHD_EXTERN void MHD_stop_daemon(struct MHD_Daemon *daemon)
{
    if (daemon != NULL)
        mhd_daemon_free(daemon);
}

_MHD_EXTERN MHD_socket MHD_quiesce_daemon(struct MHD_Daemon *daemon)
{
    struct MHD_Daemon *d = daemon;
    if (d == NULL || d->listen_fd == MHD_INVALID_SOCKET)
        return MHD_INVALID_SOCKET;
    if (mhd_daemon_has_threads(d) && !(d->cfg.flags & MHD_USE_ITC)) {
        mhd_dlog(d, "MHD_quiesce_daemon needs MHD_USE_ITC with internal threads");
        return MHD_INVALID_SOCKET;
    }
    if (atomic_exchange(&d->cfg.quiesced, true))
        return MHD_INVALID_SOCKET;
    /* From now on no worker accepts; each drops the socket from its poller
     * and tells its connections to drain (mhd_conn_quiesce) when it next
     * wakes, which happens at once. An external loop without a wake-up
     * channel is dropped from here: the application then calls this from
     * its loop's thread, and its next MHD_run tells the connections. */
    for (unsigned int i = 0; i < d->n_workers; i++) {
        struct mhd_worker *w = &d->workers[i];
        if (w->wake_fd < 0)
            mhd_worker_listen_drop(w);
        else
            mhd_worker_wake(w);
    }
    if (mhd_daemon_is_tpc(d))
        mhd_tpc_wake_all(d);
    /* A worker that passed its quiesce check may be accepting one more;
     * once it is counted, an application waiting for
     * MHD_DAEMON_INFO_CURRENT_CONNECTIONS to reach 0 cannot miss it. The
     * window holds no callback, so this never waits for the caller. */
    while (atomic_load(&d->accepting) != 0)
        sched_yield();
    return d->listen_fd;
}
