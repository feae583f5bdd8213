/* The end of a connection: telling the application, closing gracefully
 * (flush, shut our side, drain the client's side so the kernel does not
 * answer with a reset that destroys our reply), and freeing. */
#include "conn/conn_internal.h"

#include <string.h>
#include <unistd.h>

#include "conn/relay.h"
#include "response/response.h"
#include "util/alloc.h"

/* How long a closing connection waits for the client to finish sending. */
#define LINGER_MS 2000u
/* How much it reads (and drops) before giving up on a clean end. */
#define LINGER_MAX_BYTES ((size_t)1 << 20)

void mhd_conn_notify_completed(struct MHD_Connection *c, enum MHD_RequestTerminationCode why)
{
    struct mhd_request *rq = &c->busy->rq;
    if (!rq->app_seen)
        return;
    rq->app_seen = false;
    if (rq->error_reply && why == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        why = MHD_REQUEST_TERMINATED_WITH_ERROR;
    const struct mhd_config *cfg = c->cfg;
    if (cfg->notify_completed != NULL)
        cfg->notify_completed(cfg->notify_completed_cls, c, &rq->req_cls, why);
    rq->req_cls = NULL;
}

/* The request ends with `why`: the application hears of it, its response
 * is let go. Nothing for a connection without a pool (idle: no request). */
static void end_request(struct MHD_Connection *c, enum MHD_RequestTerminationCode why)
{
    if (c->busy == NULL)
        return;
    mhd_conn_notify_completed(c, why);
    struct mhd_send *tx = &c->busy->tx;
    if (tx->resp != NULL) {
        mhd_response_unref(tx->resp);
        tx->resp = NULL;
    }
}

void mhd_conn_close(struct MHD_Connection *c, enum MHD_RequestTerminationCode why)
{
    if (c->state == CONN_CLOSED)
        return;
    if (c->carrier != NULL) {
        c->proto->close(c, why); /* one request of a carrier (HTTP/2 stream) */
        return;
    }
    if (c->proto != NULL)
        c->proto->close(c, why); /* a carrier: its requests end first */
    end_request(c, why);
    if (c->urh != NULL)
        mhd_conn_upgrade_detach(c);
    struct mhd_worker *w = c->worker;
    mhd_poller_remove(&w->poller, &c->item.poll);
    mhd_timeout_detach(&c->item);
    mhd_backoff_reset(&c->item);
    if (c->item.in_ready) {
        mhd_list_remove(&c->item.qlink);
        c->item.in_ready = false;
    }
    c->state = CONN_CLOSED;
    mhd_list_push_back(&w->closed, &c->item.qlink);
    w->n_closed++;
}

void mhd_conn_close_gracefully(struct MHD_Connection *c, enum MHD_RequestTerminationCode why)
{
    end_request(c, why);
    if (c->state == CONN_CLOSED)
        return;
    mhd_conn_set_state(c, CONN_LINGER);
    c->rlen = c->rpos = 0;
    /* Draining, the client may not know yet that this is the end: it may
     * be sending a request right now, which must not meet a reset. Over
     * TLS the client answers our close_notify with its own. */
    const struct mhd_request *rq = c->busy != NULL ? &c->busy->rq : NULL;
    bool unread = rq != NULL && (rq->early_response || rq->error_reply);
    bool clean =
        c->peer_eof || (!c->read_ready && !unread && !c->draining && !mhd_conn_tp(c)->end_answered);
    c->linger_shut = false;
    c->linger_clean = clean;
    if (!clean)
        mhd_timeout_set(c->worker, &c->item, LINGER_MS);
}

enum mhd_step mhd_conn_step_linger(struct MHD_Connection *c)
{
    if (!mhd_conn_flush_staged(c)) {
        mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
        return STEP_CONTINUE;
    }
    if (c->out_end > c->out_sent)
        return STEP_WAIT;
    bool clean = c->linger_clean || c->peer_eof;
    if (!c->linger_shut) {
        /* The transport's end of data (TLS close_notify), and FIN too when
         * the client's bytes must be drained first; with nothing unread in
         * the way the close itself ends with FIN. */
        if (c->xp.want_write && !c->write_ready)
            return STEP_WAIT;
        enum mhd_io io = mhd_conn_tp(c)->end_send(&c->xp, !clean);
        if (io == IO_AGAIN) {
            mhd_conn_recv_blocked(c);
            return STEP_WAIT;
        }
        c->xp.want_write = false;
        if (io != IO_DONE)
            clean = true; /* the peer is gone: nothing left to be graceful about */
        c->linger_shut = true;
        c->linger_bytes = 0;
    }
    if (clean) {
        mhd_conn_close(c, MHD_REQUEST_TERMINATED_COMPLETED_OK);
        return STEP_CONTINUE;
    }
    char scratch[4096];
    for (;;) {
        if (!c->read_ready || mhd_conn_share_used(c))
            return STEP_WAIT;
        size_t got = 0;
        enum mhd_io io = mhd_conn_tp(c)->recv(&c->xp, scratch, sizeof(scratch), &got);
        if (io == IO_AGAIN) {
            mhd_conn_recv_blocked(c);
            return STEP_WAIT;
        }
        if (io != IO_DONE || (c->linger_bytes += got) > LINGER_MAX_BYTES) {
            mhd_conn_close(c, MHD_REQUEST_TERMINATED_COMPLETED_OK);
            return STEP_CONTINUE;
        }
        mhd_conn_charge(c, got);
    }
}

void mhd_conn_destroy(struct MHD_Connection *c)
{
    struct mhd_worker *w = c->worker;
    const struct mhd_config *cfg = c->cfg;
    if (c->notified_start && cfg->notify_connection != NULL)
        cfg->notify_connection(cfg->notify_connection_cls, c, &c->socket_context,
                               MHD_CONNECTION_NOTIFY_CLOSED);
    mhd_relay_free(c);
    if (c->proto != NULL)
        c->proto->release(c);
    mhd_xport_release(&c->xp);
    if (c->item.poll.fd >= 0)
        close(c->item.poll.fd);
    mhd_conn_pool_give(c);
    mhd_list_remove(&c->item.link);
    w->n_conns--;
    atomic_store_explicit(&w->n_conns_public, w->n_conns, memory_order_relaxed);
    mhd_free(c->info);
    mhd_free(c);
}

void mhd_conn_discard(struct MHD_Connection *c)
{
    mhd_xport_release(&c->xp);
    if (c->item.poll.fd >= 0)
        close(c->item.poll.fd);
    mhd_free(c->info);
    mhd_free(c);
}
