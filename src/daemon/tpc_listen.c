/* The listener of a thread-per-connection daemon. Connection threads accept
 * for themselves (tpc.c); the listener only makes sure that a new client is
 * not left waiting when none of them will take it:
 *
 *   - while a thread sleeps on the listen socket, the listener does not
 *     poll it at all (no wake-up per connection);
 *   - when none does, it polls the socket. A pending connection with no
 *     connection open is handed out at once (nobody else could take it);
 *     otherwise the busy threads take pending connections as they finish,
 *     and the listener hands out what waits only if none of them accepted
 *     anything for TPC_GRACE_MS. Under load that costs the listener a
 *     wake-up per grace period instead of one per connection; a client
 *     that arrives while every thread is busy in a slow handler waits
 *     about that long for a thread of its own. Handing out means starting
 *     one thread that accepts for itself and starts the next while
 *     connections remain (hand_out(), mhd_tpc_start_acceptor()). */
#include "daemon/daemon.h"

#include "loop/worker.h"

#define TPC_GRACE_MS 2u
/* Batches of mhd_daemon_accept() in one hand-out, at most. */
#define TPC_HANDOUT_BATCHES 16

/* A no-op when nothing changes (poller.h). */
static void watch(struct mhd_worker *w, bool on)
{
    mhd_poller_set_interest(&w->poller, &w->listen_item, on ? MHD_POLL_IN : 0);
}

/* The listen socket is in the poller and not paused (connection limit,
 * out of descriptors) or dropped (quiesce). */
static bool listening(const struct mhd_worker *w)
{
    return w->listen_item.fd >= 0 && w->listen_item.registered && !w->listen_paused;
}

/* Starts the grace period: pending connections are left to the threads
 * for TPC_GRACE_MS, and handed out if none of them accepted anything. */
static void grace(struct mhd_worker *w)
{
    w->tpc_grace_until = w->now_ms + TPC_GRACE_MS;
    w->tpc_grace_accepts = atomic_load_explicit(&w->cfg->daemon->tpc_accepts, memory_order_relaxed);
}

/* Gets what is pending served. Normally by starting one connection thread
 * that accepts for itself and starts successors while connections remain
 * (tpc.c), then watching for progress for another grace period: a thread
 * started here for each connection made the listener wait for the CPU in
 * proportion to the threads it had started. Only when no thread can be
 * started does the listener accept, all of it (a connection that gets no
 * thread is refused). */
static void hand_out(struct mhd_worker *w)
{
    if (mhd_tpc_start_acceptor(w->cfg->daemon)) {
        grace(w);
        return;
    }
    for (int i = 0; i < TPC_HANDOUT_BATCHES && mhd_daemon_accept(w); i++)
        if (!listening(w))
            break;
}

int64_t mhd_tpc_listener_plan(struct mhd_worker *w)
{
    struct MHD_Daemon *d = w->cfg->daemon;
    if (!listening(w)) {
        /* Pausing set the interest itself, and resuming sets it again. */
        w->tpc_grace_until = 0;
        atomic_store(&d->tpc_listener_armed, false);
        return -1;
    }
    if (w->tpc_grace_until != 0) {
        if (w->now_ms < w->tpc_grace_until) {
            watch(w, false);
            return (int64_t)(w->tpc_grace_until - w->now_ms);
        }
        w->tpc_grace_until = 0;
        if (atomic_load(&d->tpc_waiters) == 0 &&
            atomic_load_explicit(&d->tpc_accepts, memory_order_relaxed) == w->tpc_grace_accepts) {
            hand_out(w);
            /* Paused, or watching the thread it started for a while. */
            return mhd_tpc_listener_plan(w);
        }
    }
    /* Cleared before the waiters are counted; see last_waiter_gone(). */
    atomic_store(&d->tpc_listener_armed, false);
    bool on = atomic_load(&d->tpc_waiters) == 0;
    if (on)
        atomic_store(&d->tpc_listener_armed, true);
    watch(w, on);
    return -1;
}

void mhd_tpc_listener_ready(struct mhd_worker *w)
{
    struct MHD_Daemon *d = w->cfg->daemon;
    if (atomic_load(&d->tpc_waiters) != 0)
        return; /* a thread woken with us takes it */
    if (atomic_load(&d->tpc_active) == 0) {
        hand_out(w);
        return;
    }
    grace(w);
}
