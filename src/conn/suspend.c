/* Suspending a connection from its handler and resuming it from any
 * thread. A resume is posted to the connection's worker, which re-activates
 * it in its own loop, so connections are still touched by one thread only. */
#include "conn/conn_internal.h"

#include "util/panic.h"

_MHD_EXTERN void MHD_suspend_connection(struct MHD_Connection *connection)
{
    struct MHD_Connection *c = connection;
    if (c == NULL)
        return;
    if (!(c->cfg->flags & MHD_ALLOW_SUSPEND_RESUME))
        mhd_panic("MHD_suspend_connection needs MHD_ALLOW_SUSPEND_RESUME");
    if (c->state == CONN_UPGRADED || c->state == CONN_CLOSED) {
        mhd_cfg_log(c->cfg, "Cannot suspend an upgraded or closed connection");
        return;
    }
    if (c->item.suspended)
        return;
    c->item.suspended = true;
    mhd_timeout_detach(&c->item);
    if (c->proto != NULL && c->proto->suspend != NULL)
        c->proto->suspend(c, true);
    if (c->item.in_ready) {
        mhd_list_remove(&c->item.qlink);
        c->item.in_ready = false;
    }
}

_MHD_EXTERN void MHD_resume_connection(struct MHD_Connection *connection)
{
    struct MHD_Connection *c = connection;
    if (c == NULL)
        return;
    if (!(c->cfg->flags & MHD_ALLOW_SUSPEND_RESUME))
        mhd_panic("MHD_resume_connection needs MHD_ALLOW_SUSPEND_RESUME");
    mhd_worker_post_resume(c->worker, &c->item);
}
