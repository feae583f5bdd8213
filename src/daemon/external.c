/* The entry points of an application-driven event loop: MHD_get_fdset*,
 * MHD_get_timeout*, MHD_run, MHD_run_wait and MHD_run_from_select*. */
#include "daemon/daemon.h"

#include <errno.h>
#include <limits.h>
#include <sys/select.h>

#include "loop/worker.h"
#include "util/alloc.h"

static struct mhd_worker *external_worker(struct MHD_Daemon *d)
{
    if (d == NULL || mhd_daemon_has_threads(d) || d->workers == NULL)
        return NULL;
    return &d->workers[0];
}

static bool uses_epoll(const struct mhd_worker *w)
{
    return w->poller.ops == &mhd_poller_epoll;
}

_MHD_EXTERN enum MHD_Result MHD_get_fdset2(struct MHD_Daemon *daemon, fd_set *read_fd_set,
                                           fd_set *write_fd_set, fd_set *except_fd_set,
                                           MHD_socket *max_fd, unsigned int fd_setsize)
{
    struct mhd_worker *w = external_worker(daemon);
    if (w == NULL || read_fd_set == NULL || write_fd_set == NULL || fd_setsize == 0 ||
        fd_setsize < (unsigned int)FD_SETSIZE)
        return MHD_NO;
    if (daemon->cfg.flags & MHD_USE_POLL)
        return MHD_NO;
    int top = -1;
    if (uses_epoll(w)) {
        FD_SET(w->poller.epfd, read_fd_set);
        top = w->poller.epfd;
    } else {
        for (int i = 0; i < w->poller.count; i++) {
            const struct mhd_poll_item *it = w->poller.items[i];
            if (it->fd >= FD_SETSIZE)
                return MHD_NO;
            if (it->interest & MHD_POLL_IN)
                FD_SET(it->fd, read_fd_set);
            if (it->interest & MHD_POLL_OUT)
                FD_SET(it->fd, write_fd_set);
            if (except_fd_set != NULL && it != &w->listen_item)
                FD_SET(it->fd, except_fd_set);
            if (it->fd > top)
                top = it->fd;
        }
    }
    if (max_fd != NULL && top > *max_fd)
        *max_fd = top;
    return MHD_YES;
}

/* The name in parentheses: the header also defines it as a macro. */
_MHD_EXTERN enum MHD_Result(MHD_get_fdset)(struct MHD_Daemon *daemon, fd_set *read_fd_set,
                                          fd_set *write_fd_set, fd_set *except_fd_set,
                                          MHD_socket *max_fd)
{
    unsigned int size = daemon ? (unsigned int)daemon->cfg.fd_setsize : 0;
    return MHD_get_fdset2(daemon, read_fd_set, write_fd_set, except_fd_set, max_fd, size);
}

/* Runs one iteration on events the application's select() reported. */
static bool run_from_sets(struct mhd_worker *w, const fd_set *rs, const fd_set *ws,
                          const fd_set *es)
{
    int count = w->poller.count;
    struct mhd_poll_event stack_ev[64];
    struct mhd_poll_event *ev = stack_ev;
    if (count > 64) {
        ev = mhd_calloc((size_t)count, sizeof(*ev));
        if (ev == NULL)
            return false;
    }
    /* Collect first: processing may close connections and reorder the
     * poller's items. */
    int n = 0;
    for (int i = 0; i < count; i++) {
        struct mhd_poll_item *it = w->poller.items[i];
        unsigned int e = 0;
        if (FD_ISSET(it->fd, rs))
            e |= MHD_POLL_IN;
        if (FD_ISSET(it->fd, ws))
            e |= MHD_POLL_OUT;
        if (es != NULL && FD_ISSET(it->fd, es))
            e |= MHD_POLL_ERR;
        if (e) {
            ev[n].item = it;
            ev[n].events = e;
            n++;
        }
    }
    mhd_worker_update_clock(w);
    mhd_worker_run_events(w, ev, n);
    if (ev != stack_ev)
        mhd_free(ev);
    return true;
}

_MHD_EXTERN enum MHD_Result MHD_run_from_select2(struct MHD_Daemon *daemon,
                                                 const fd_set *read_fd_set,
                                                 const fd_set *write_fd_set,
                                                 const fd_set *except_fd_set,
                                                 unsigned int fd_setsize)
{
    struct mhd_worker *w = external_worker(daemon);
    if (w == NULL || read_fd_set == NULL || write_fd_set == NULL || fd_setsize == 0 ||
        fd_setsize < (unsigned int)FD_SETSIZE || (daemon->cfg.flags & MHD_USE_POLL))
        return MHD_NO;
    if (atomic_load(&daemon->cfg.shutdown))
        return MHD_NO;
    if (uses_epoll(w))
        return mhd_worker_run_once(w, 0) ? MHD_YES : MHD_NO;
    return run_from_sets(w, read_fd_set, write_fd_set, except_fd_set) ? MHD_YES : MHD_NO;
}

_MHD_EXTERN enum MHD_Result(MHD_run_from_select)(struct MHD_Daemon *daemon,
                                                const fd_set *read_fd_set,
                                                const fd_set *write_fd_set,
                                                const fd_set *except_fd_set)
{
    unsigned int size = daemon ? (unsigned int)daemon->cfg.fd_setsize : 0;
    return MHD_run_from_select2(daemon, read_fd_set, write_fd_set, except_fd_set, size);
}

_MHD_EXTERN enum MHD_Result MHD_run(struct MHD_Daemon *daemon)
{
    struct mhd_worker *w = external_worker(daemon);
    if (w == NULL || atomic_load(&daemon->cfg.shutdown))
        return MHD_NO;
    mhd_worker_run_once(w, 0);
    return MHD_YES;
}

_MHD_EXTERN enum MHD_Result MHD_run_wait(struct MHD_Daemon *daemon, int32_t millisec)
{
    struct mhd_worker *w = external_worker(daemon);
    if (w == NULL || atomic_load(&daemon->cfg.shutdown))
        return MHD_NO;
    return mhd_worker_run_once(w, millisec < 0 ? -1 : millisec) ? MHD_YES : MHD_NO;
}

/* Milliseconds the application may sleep, -1 for "until I/O". */
static int64_t external_timeout(struct MHD_Daemon *daemon)
{
    struct mhd_worker *w = external_worker(daemon);
    if (w == NULL)
        return -1;
    mhd_worker_update_clock(w);
    return mhd_worker_next_timeout(w);
}

_MHD_EXTERN enum MHD_Result MHD_get_timeout64(struct MHD_Daemon *daemon, uint64_t *timeout)
{
    int64_t t = external_timeout(daemon);
    if (t < 0 || timeout == NULL)
        return MHD_NO;
    *timeout = (uint64_t)t;
    return MHD_YES;
}

_MHD_EXTERN enum MHD_Result MHD_get_timeout(struct MHD_Daemon *daemon,
                                            MHD_UNSIGNED_LONG_LONG *timeout)
{
    int64_t t = external_timeout(daemon);
    if (t < 0 || timeout == NULL)
        return MHD_NO;
    *timeout = (MHD_UNSIGNED_LONG_LONG)t;
    return MHD_YES;
}

_MHD_EXTERN int64_t MHD_get_timeout64s(struct MHD_Daemon *daemon)
{
    return external_timeout(daemon);
}

_MHD_EXTERN int MHD_get_timeout_i(struct MHD_Daemon *daemon)
{
    int64_t t = external_timeout(daemon);
    if (t > INT_MAX)
        return INT_MAX;
    return (int)t;
}
