/* The table of operations the daemon hands its workers: what a worker's
 * items are (connections) and what the daemon itself does around them.
 * A worker calls these where it used to call the connection by name;
 * each costs one indirect call, and the wrappers compile to a jump. */
#include "daemon/daemon.h"

#include <string.h>

#include "conn/conn.h"
#include "loop/worker.h"

static void item_start(struct mhd_item *it)
{
    (void)mhd_conn_start(mhd_conn_of(it));
}

static void item_process(struct mhd_item *it)
{
    mhd_conn_process(mhd_conn_of(it));
}

static void item_resume(struct mhd_item *it)
{
    mhd_conn_resume_now(mhd_conn_of(it));
}

static void item_expire(struct mhd_item *it)
{
    mhd_conn_close(mhd_conn_of(it), MHD_REQUEST_TERMINATED_TIMEOUT_REACHED);
}

static void item_quiesce(struct mhd_item *it)
{
    mhd_conn_quiesce(mhd_conn_of(it));
}

/* The worker stops. A connection still suspended ends like the others
 * (upstream panics here): the daemon can always be stopped. */
static void item_stop(struct mhd_item *it)
{
    struct MHD_Connection *c = mhd_conn_of(it);
    if (c->item.suspended && c->state != CONN_UPGRADED)
        mhd_cfg_log(c->cfg, "Closing a suspended connection: the daemon stops");
    if (c->state != CONN_CLOSED)
        mhd_conn_close(c, MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN);
}

/* What admitting a connection took (mhd_daemon_admit), given back once it
 * is freed: its per-IP slot and its place in the daemon's count. */
struct admission {
    struct MHD_Daemon *d;
    bool counted_ip;
    socklen_t addr_len;
    struct sockaddr_storage addr;
};

static void admission_of(const struct MHD_Connection *c, struct admission *a)
{
    a->d = c->cfg->daemon;
    a->counted_ip = c->counted_ip;
    a->addr_len = c->addr_len;
    if (a->counted_ip)
        memcpy(&a->addr, c->addr, c->addr_len);
}

static void admission_give(const struct admission *a)
{
    if (a->counted_ip)
        mhd_iplimit_give(a->d, (const struct sockaddr *)&a->addr, a->addr_len);
    atomic_fetch_sub_explicit(&a->d->admitted, 1, memory_order_relaxed);
}

static void item_destroy(struct mhd_item *it)
{
    struct MHD_Connection *c = mhd_conn_of(it);
    struct mhd_worker *w = c->worker;
    struct admission a;
    admission_of(c, &a);
    mhd_conn_destroy(c);
    admission_give(&a);
    struct MHD_Daemon *d = a.d;
    if (w->kind == WORKER_TPC_CONN)
        mhd_tpc_connection_gone(d);
    else if (w->listen_paused && w->n_conns < w->conn_limit && !w->listen_retry_at)
        mhd_worker_listen_pause(w, false);
    else if (d->n_workers > 1 && d->workers[0].distributes &&
             atomic_load_explicit(&d->workers[0].listen_paused, memory_order_relaxed))
        mhd_worker_wake(&d->workers[0]); /* the accepting worker may take more */
}

static void item_discard(struct mhd_item *it)
{
    struct MHD_Connection *c = mhd_conn_of(it);
    struct admission a;
    admission_of(c, &a);
    mhd_conn_discard(c);
    admission_give(&a);
}

static void accept_all(struct mhd_worker *w)
{
    (void)mhd_daemon_accept(w);
}

const struct mhd_worker_ops mhd_daemon_worker_ops = {
    .accept = accept_all,
    .plan = NULL,
    .at_limit = mhd_daemon_at_limit,
    .start = item_start,
    .process = item_process,
    .resume = item_resume,
    .expire = item_expire,
    .quiesce = item_quiesce,
    .stop = item_stop,
    .destroy = item_destroy,
    .discard = item_discard,
};

const struct mhd_worker_ops mhd_daemon_tpc_listener_ops = {
    .accept = mhd_tpc_listener_ready,
    .plan = mhd_tpc_listener_plan,
    .at_limit = mhd_daemon_at_limit,
    .start = item_start,
    .process = item_process,
    .resume = item_resume,
    .expire = item_expire,
    .quiesce = item_quiesce,
    .stop = item_stop,
    .destroy = item_destroy,
    .discard = item_discard,
};
