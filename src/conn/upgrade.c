/* Protocol upgrade (101): after the head is sent, the socket and the bytes
 * already received past the request go to the application's upgrade
 * handler; the connection stays counted until the application closes it
 * with MHD_upgrade_action(MHD_UPGRADE_ACTION_CLOSE), from any thread.
 *
 * The application's handle is allocated apart from the connection, because
 * the two may end in either order: normally the application closes first
 * and the worker then closes the connection, but MHD_stop_daemon closes
 * upgraded connections the application has not closed yet, and the
 * application's later CLOSE must then find a handle, not freed memory. The
 * handle is freed by whichever of the two comes second. One lock for every
 * handle guards the link between a handle and its connection (upgrades are
 * rare and none of this is on a hot path); it also guards the list of open
 * upgrades, whose sockets MHD_stop_daemon shuts down first so that
 * application threads blocked on them wake up and close their handles.
 *
 * Over TLS the application cannot have the socket: it gets one end of a
 * socketpair and relay.c moves the bytes. */
#include "conn/conn_internal.h"

#include <pthread.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <time.h>

#include "conn/relay.h"
#include "response/response.h"
#include "util/alloc.h"

struct MHD_UpgradeResponseHandle {
    struct mhd_link link;        /* in open_upgrades while `conn` is set */
    struct MHD_Connection *conn; /* NULL once the connection is closed */
    bool app_closed;             /* the application called CLOSE */
};

/* How long MHD_stop_daemon waits for the application to close upgraded
 * connections after shutting down their sockets. */
#define STOP_GRACE_MS 1000u

static pthread_mutex_t upgrade_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t cond_once = PTHREAD_ONCE_INIT;
static pthread_cond_t app_closed_cond; /* signalled by every CLOSE; set up once */
static struct mhd_list open_upgrades = {{&open_upgrades.head, &open_upgrades.head}};

void mhd_conn_upgrade(struct MHD_Connection *c)
{
    struct MHD_UpgradeResponseHandle *urh = mhd_calloc(1, sizeof(*urh));
    if (urh == NULL) {
        mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
        return;
    }
    struct MHD_Response *r = c->busy->tx.resp;
    c->busy->tx.resp = NULL;
    mhd_conn_set_state(c, CONN_UPGRADED);
    /* HTTP is over for this socket: no polling, no idle timeout. What a
     * backend already read for the socket (io_uring) joins the bytes the
     * application gets with it. */
    struct mhd_poller *p = &c->worker->poller;
    if (p->ops->settle != NULL && c->item.poll.registered) {
        p->ops->settle(p, &c->item.poll);
        size_t got = 0;
        while (mhd_conn_pool_free_space(c) > 0 &&
               mhd_conn_tp(c)->recv(&c->xp, c->rbuf + c->rlen, mhd_conn_pool_free_space(c), &got) ==
                   IO_DONE)
            c->rlen += got;
    }
    mhd_poller_remove(p, &c->item.poll);
    mhd_timeout_detach(&c->item);
    mhd_backoff_reset(&c->item);
    int sock = c->item.poll.fd;
    if (!mhd_conn_tp(c)->raw_socket && (sock = mhd_relay_start(c)) < 0) {
        mhd_cfg_log(c->cfg, "Cannot set up the relay of an upgraded connection");
        mhd_free(urh);
        mhd_response_unref(r);
        mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
        return;
    }
    urh->conn = c;
    c->urh = urh;
    pthread_mutex_lock(&upgrade_lock);
    mhd_list_push_back(&open_upgrades, &urh->link);
    pthread_mutex_unlock(&upgrade_lock);
    size_t extra = c->rlen - c->rpos;
    r->upgrade_handler(r->upgrade_cls, c, c->busy->rq.req_cls, extra ? c->rbuf + c->rpos : NULL,
                       extra, sock, urh);
    mhd_response_unref(r);
    mhd_relay_run(c);
}

void mhd_conn_upgrade_resume(struct MHD_Connection *c)
{
    pthread_mutex_lock(&upgrade_lock);
    bool closed = c->urh != NULL && c->urh->app_closed;
    pthread_mutex_unlock(&upgrade_lock);
    if (!closed)
        return; /* MHD_resume_connection() on an upgraded connection: ignored */
    mhd_conn_notify_completed(c, MHD_REQUEST_TERMINATED_COMPLETED_OK);
    if (c->relay != NULL && !mhd_relay_close(c))
        return; /* the relay delivers what the application wrote, then closes */
    mhd_conn_close(c, MHD_REQUEST_TERMINATED_COMPLETED_OK);
}

void mhd_conn_upgrade_detach(struct MHD_Connection *c)
{
    struct MHD_UpgradeResponseHandle *urh = c->urh;
    c->urh = NULL;
    pthread_mutex_lock(&upgrade_lock);
    mhd_list_remove(&urh->link);
    urh->conn = NULL;
    bool app_done = urh->app_closed;
    pthread_mutex_unlock(&upgrade_lock);
    /* From here on the application cannot post for `c`; a close it posted
     * that the worker has not run yet must not outlive the connection. */
    mhd_worker_cancel_resume(c->worker, &c->item);
    if (app_done)
        mhd_free(urh);
    else
        mhd_cfg_log(c->cfg, "Closing an upgraded connection the application has not closed");
}

/* Whether `d` has upgraded connections the application has not closed. */
static bool app_still_open(const struct MHD_Daemon *d)
{
    for (struct mhd_link *k = mhd_list_first(&open_upgrades); k;
         k = mhd_list_next(&open_upgrades, k)) {
        const struct MHD_UpgradeResponseHandle *urh =
            mhd_container_of(k, struct MHD_UpgradeResponseHandle, link);
        if (urh->conn->cfg->daemon == d && !urh->app_closed)
            return true;
    }
    return false;
}

static void init_cond(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&app_closed_cond, &attr);
    pthread_condattr_destroy(&attr);
}

void mhd_conn_upgrade_stop_all(struct MHD_Daemon *d)
{
    pthread_once(&cond_once, init_cond);
    pthread_mutex_lock(&upgrade_lock);
    if (!app_still_open(d)) {
        pthread_mutex_unlock(&upgrade_lock);
        return;
    }
    for (struct mhd_link *k = mhd_list_first(&open_upgrades); k;
         k = mhd_list_next(&open_upgrades, k)) {
        struct MHD_UpgradeResponseHandle *urh =
            mhd_container_of(k, struct MHD_UpgradeResponseHandle, link);
        if (urh->conn->cfg->daemon == d && !urh->app_closed) {
            int fd =
                urh->conn->relay != NULL ? mhd_relay_app_fd(urh->conn) : urh->conn->item.poll.fd;
            (void)shutdown(fd, SHUT_RDWR);
        }
    }
    /* An application that closes its handle when its socket ends does so
     * now; its socket is then closed only after it let go of it. */
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += STOP_GRACE_MS / 1000;
    until.tv_nsec += (long)(STOP_GRACE_MS % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    while (app_still_open(d) &&
           pthread_cond_timedwait(&app_closed_cond, &upgrade_lock, &until) == 0)
        ;
    pthread_mutex_unlock(&upgrade_lock);
}

static enum MHD_Result upgrade_close(struct MHD_UpgradeResponseHandle *urh)
{
    pthread_mutex_lock(&upgrade_lock);
    if (urh->app_closed) {
        pthread_mutex_unlock(&upgrade_lock);
        return MHD_NO;
    }
    urh->app_closed = true;
    pthread_once(&cond_once, init_cond);
    pthread_cond_broadcast(&app_closed_cond);
    struct MHD_Connection *c = urh->conn;
    if (c != NULL)
        mhd_worker_post_resume(c->worker, &c->item); /* the worker closes it and frees urh */
    pthread_mutex_unlock(&upgrade_lock);
    if (c == NULL)
        mhd_free(urh); /* the daemon closed the connection already */
    return MHD_YES;
}

static enum MHD_Result upgrade_cork(struct MHD_UpgradeResponseHandle *urh, bool on)
{
    pthread_mutex_lock(&upgrade_lock);
    bool ok = urh->conn != NULL && !urh->app_closed && mhd_socket_cork(urh->conn->item.poll.fd, on);
    pthread_mutex_unlock(&upgrade_lock);
    return ok ? MHD_YES : MHD_NO;
}

_MHD_EXTERN enum MHD_Result MHD_upgrade_action(struct MHD_UpgradeResponseHandle *urh,
                                               enum MHD_UpgradeAction action, ...)
{
    if (urh == NULL)
        return MHD_NO;
    switch (action) {
    case MHD_UPGRADE_ACTION_CLOSE:
        return upgrade_close(urh);
    case MHD_UPGRADE_ACTION_CORK_ON:
        return upgrade_cork(urh, true);
    case MHD_UPGRADE_ACTION_CORK_OFF:
        return upgrade_cork(urh, false);
    }
    return MHD_NO;
}
