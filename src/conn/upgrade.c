/* Protocol upgrade (101): after the head is sent, the socket and the bytes
 * already received past the request go to the application's upgrade
 * handler; the connection stays counted until the application closes it
 * with MHD_upgrade_action(MHD_UPGRADE_ACTION_CLOSE), from any thread. */
#include "conn/conn_internal.h"

#include <stdarg.h>

#include "response/response.h"

void mhd_conn_upgrade(struct MHD_Connection *c)
{
    struct MHD_Response *r = c->tx.resp;
    c->tx.resp = NULL;
    mhd_conn_set_state(c, CONN_UPGRADED);
    mhd_poller_remove(&c->worker->poller, &c->item);
    mhd_timeout_detach(c);
    c->urh.conn = c;
    atomic_init(&c->urh.closed, false);
    size_t extra = c->rlen - c->rpos;
    r->upgrade_handler(r->upgrade_cls, c, c->rq.req_cls, extra ? c->rbuf + c->rpos : NULL, extra,
                       c->fd, &c->urh);
    mhd_response_unref(r);
}

/* Called on the worker after the application asked to close. */
void mhd_conn_upgrade_finish(struct MHD_Connection *c)
{
    mhd_conn_notify_completed(c, MHD_REQUEST_TERMINATED_COMPLETED_OK);
    mhd_conn_close(c, MHD_REQUEST_TERMINATED_COMPLETED_OK);
}

_MHD_EXTERN enum MHD_Result MHD_upgrade_action(struct MHD_UpgradeResponseHandle *urh,
                                               enum MHD_UpgradeAction action, ...)
{
    if (urh == NULL || urh->conn == NULL)
        return MHD_NO;
    struct MHD_Connection *c = urh->conn;
    switch (action) {
    case MHD_UPGRADE_ACTION_CLOSE:
        if (atomic_exchange(&urh->closed, true))
            return MHD_NO;
        mhd_worker_post_resume(c->worker, c);
        return MHD_YES;
    case MHD_UPGRADE_ACTION_CORK_ON:
        return mhd_socket_cork(c->fd, true) ? MHD_YES : MHD_NO;
    case MHD_UPGRADE_ACTION_CORK_OFF:
        return mhd_socket_cork(c->fd, false) ? MHD_YES : MHD_NO;
    }
    return MHD_NO;
}
