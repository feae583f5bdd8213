/* Draining: what a connection does once its daemon is quiesced
 * (MHD_quiesce_daemon). The request in progress is finished and its reply
 * says "Connection: close" (mhd_conn_begin_reply); an idle keep-alive
 * connection is closed in stages once its client has been quiet for a
 * moment (RFC 9112, section 9.6): our side is shut first (close_notify,
 * then FIN), then input is read until the client's FIN, so that nothing
 * unread makes the kernel answer with a reset.
 *
 * The race. A client may send its next request at the moment we decide to
 * close an idle connection. Before our FIN leaves, what arrived is read
 * and answered (with "Connection: close"): the decision is taken only
 * after a read found the socket empty. A request that crosses our FIN can
 * no longer be answered (the sending side is shut); it is read and
 * dropped without reaching the handler, and the client sees its
 * connection end without a reply. RFC 9112, section 9.3.1, lets a client
 * retry a request on a reused connection that closed before any reply;
 * since the server never applied it, a retry is safe whatever the method.
 * To make that crossing rare, an idle connection is closed only after its
 * client was quiet for DRAIN_QUIET_MS: a client that just got a reply and
 * is about to send the next request sends it within that time, and gets it
 * answered. A connection that has carried no request yet was opened to
 * send one, and a close would fail a request no client may retry, so it
 * waits longer for its first request (DRAIN_FRESH_MS). */
#include "conn/conn_internal.h"

/* How long a client must have been quiet before its idle keep-alive
 * connection is closed. */
#define DRAIN_QUIET_MS 250u
/* The same for a connection that has not carried a request yet. */
#define DRAIN_FRESH_MS 5000u

void mhd_conn_quiesce(struct MHD_Connection *c)
{
    if (c->state == CONN_CLOSED || c->state == CONN_UPGRADED || c->state == CONN_LINGER)
        return;
    c->draining = true;
    if (c->state == CONN_PROTOCOL) {
        c->proto->quiesce(c); /* HTTP/2: GOAWAY, the streams in flight finish */
        return;
    }
    if (c->state != CONN_IDLE || c->item.suspended || c->rlen != 0 || c->out_end != 0)
        return; /* busy: its reply says close, and the connection ends after it */
    /* Idle: a request may have arrived without the poller saying so yet.
     * The state machine reads first and decides after a read that found
     * nothing (mhd_conn_drain_idle). */
    c->read_ready = true;
    mhd_conn_schedule(c);
}

enum mhd_step mhd_conn_drain_idle(struct MHD_Connection *c)
{
    struct mhd_worker *w = c->worker;
    uint64_t due = c->item.last_activity + (c->reused ? DRAIN_QUIET_MS : DRAIN_FRESH_MS);
    if (due > w->now_ms) {
        mhd_worker_drain_at(w, due);
        return STEP_WAIT;
    }
    /* Closed in stages: mhd_conn_close_gracefully() lingers on a draining
     * connection whatever the socket looked like a moment ago. */
    mhd_conn_close_gracefully(c, MHD_REQUEST_TERMINATED_COMPLETED_OK);
    return STEP_CONTINUE;
}
