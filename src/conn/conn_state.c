/* The connection state machine: creation, the dispatcher that runs one step
 * per state until a step has to wait, poller interest, and the reset
 * between requests. */
#include "conn/conn_internal.h"

#include <string.h>
#include <sys/select.h>

#include "conn/relay.h"
#include "io/tls.h"
#include "util/alloc.h"
#include "util/panic.h"

/* The poller reported the connection's socket. */
static void on_poll_ready(struct mhd_poll_item *p, unsigned int events)
{
    struct MHD_Connection *c = mhd_container_of(p, struct MHD_Connection, item.poll);
    if (c->state != CONN_CLOSED)
        mhd_conn_on_events(c, events);
}

struct MHD_Connection *mhd_conn_create(struct mhd_worker *w, int fd, const struct sockaddr *addr,
                                       socklen_t addr_len)
{
    if (addr == NULL || addr_len > (socklen_t)sizeof(struct sockaddr_storage))
        addr_len = 0;
    /* The address follows the struct, whose size keeps it aligned. */
    struct MHD_Connection *c = mhd_calloc(1, sizeof(*c) + (size_t)addr_len);
    if (c == NULL)
        return NULL;
    mhd_link_init(&c->item.link);
    mhd_link_init(&c->item.tlink);
    mhd_link_init(&c->item.qlink);
    mhd_link_init(&c->item.rslink);
    mhd_link_init(&c->item.blink);
    c->worker = w;
    c->cfg = w->cfg;
    c->item.poll.fd = fd;
    c->item.poll.index = -1;
    c->item.poll.interest = MHD_POLL_IN | MHD_POLL_EDGE;
    c->item.poll.on_ready = on_poll_ready;
    c->state = CONN_IDLE;
    mhd_xport_init_plain(&c->xp, fd);
#ifdef MHD_HAVE_URING
    if (w->poller.ops == &mhd_poller_uring && w->cfg->tls_ctx == NULL) {
        c->xp.tp = &mhd_transport_uring;
        c->xp.state = &c->item.poll;
        c->item.poll.ring_io = true;
    }
#endif
    if (w->cfg->tls_ctx != NULL) {
        if (!mhd_tls_attach(&c->xp, w->cfg->tls_ctx, c)) {
            mhd_free(c);
            return NULL;
        }
        c->state = CONN_HANDSHAKE;
    }
    c->write_ready = true;
    /* Try reading at once: the request is usually there already (the listen
     * socket defers accepting until data arrives), and then the connection
     * may be served and closed without ever being registered. */
    c->read_ready = true;
    c->item.timeout_ms = w->cfg->timeout_ms;
    if (addr_len > 0) {
        c->addr = (struct sockaddr *)(c + 1);
        memcpy(c->addr, addr, addr_len);
        c->addr_len = addr_len;
    }
    return c;
}

bool mhd_conn_start(struct MHD_Connection *c)
{
    struct mhd_worker *w = c->worker;
    const struct mhd_config *cfg = c->cfg;
    mhd_list_push_back(&w->conns, &c->item.link);
    w->n_conns++;
    atomic_store_explicit(&w->n_conns_public, w->n_conns, memory_order_relaxed);
    if (w->poller.ops == &mhd_poller_select && c->item.poll.fd >= FD_SETSIZE) {
        mhd_cfg_log(cfg, "Socket %d does not fit in the select() set", c->item.poll.fd);
        c->state = CONN_CLOSED;
        mhd_list_push_back(&w->closed, &c->item.qlink);
        w->n_closed++;
        return false;
    }
    if (w->quiesce_seen)
        mhd_conn_quiesce(c);
    c->notified_start = true;
    if (cfg->notify_connection != NULL)
        cfg->notify_connection(cfg->notify_connection_cls, c, &c->socket_context,
                               MHD_CONNECTION_NOTIFY_STARTED);
    mhd_timeout_touch(w, &c->item);
    mhd_conn_process(c);
    return true;
}

void mhd_conn_set_state(struct MHD_Connection *c, enum mhd_conn_state s)
{
    mhd_assert(c->state != CONN_CLOSED);
    c->state = s;
}

void mhd_conn_schedule(struct MHD_Connection *c)
{
    if (c->state != CONN_CLOSED)
        mhd_worker_schedule(c->worker, &c->item, false);
}

void mhd_conn_schedule_next(struct MHD_Connection *c)
{
    if (c->state != CONN_CLOSED)
        mhd_worker_schedule(c->worker, &c->item, true);
}

void mhd_conn_on_events(struct MHD_Connection *c, unsigned int events)
{
    if (events & (MHD_POLL_IN | MHD_POLL_ERR))
        c->read_ready = true;
    if (events & MHD_POLL_HUP)
        c->peer_hup = true;
    if (events & (MHD_POLL_OUT | MHD_POLL_ERR))
        c->write_ready = true;
    /* A connection already queued is processed once, in this iteration's
     * pass over the ready list, not twice. */
    if (c->item.suspended || c->item.in_ready)
        return;
    mhd_conn_process(c);
}

static enum mhd_step dispatch(struct MHD_Connection *c)
{
    switch (c->state) {
    case CONN_HANDSHAKE:
        return mhd_conn_step_handshake(c);
    case CONN_IDLE:
    case CONN_HEAD:
        return mhd_conn_step_head(c);
    case CONN_FIRST_CALL:
        return mhd_conn_step_first_call(c);
    case CONN_CONTINUE:
        return mhd_conn_step_continue(c);
    case CONN_BODY:
        return mhd_conn_step_body(c);
    case CONN_TRAILERS:
        return mhd_conn_step_trailers(c);
    case CONN_FINAL_CALL:
        return mhd_conn_step_final_call(c);
    case CONN_SEND:
        return mhd_conn_step_send(c);
    case CONN_LINGER:
        return mhd_conn_step_linger(c);
    case CONN_UPGRADED:
    case CONN_PROTOCOL:
    case CONN_CLOSED:
        break;
    }
    return STEP_WAIT;
}

/* The way a connection in its state moves bytes by itself: input in the
 * reading states, output in the writing ones, neither while it waits for
 * the application or a content reader. */
static unsigned int direction(const struct MHD_Connection *c)
{
    switch (c->state) {
    case CONN_HANDSHAKE:
        return c->xp.want_write ? MHD_POLL_OUT : MHD_POLL_IN;
    case CONN_IDLE:
    case CONN_HEAD:
    case CONN_BODY:
    case CONN_TRAILERS:
    case CONN_LINGER:
        return c->peer_eof ? 0 : MHD_POLL_IN;
    case CONN_CONTINUE:
    case CONN_SEND:
        return MHD_POLL_OUT;
    default:
        return 0;
    }
}

/* What a level-triggered poller should watch: input only when a step waits
 * for it and the socket was found empty, output only when the socket was
 * found full. A connection waiting for something else (the application, a
 * content reader) watches nothing. */
static void update_interest(struct MHD_Connection *c)
{
    unsigned int want = 0;
    if (!c->item.suspended) {
        unsigned int dir = direction(c);
        if ((dir == MHD_POLL_IN && !c->read_ready) || (dir == MHD_POLL_OUT && !c->write_ready))
            want |= dir;
        /* Staged replies wait to leave, or the transport has to send
         * before it can go on (a TLS handshake or close_notify, a TLS
         * read that must answer first). */
        if ((c->out_end > c->out_sent || c->xp.want_write) && !c->write_ready)
            want |= MHD_POLL_OUT;
        /* One that goes on in the next iteration (its share was used up)
         * keeps its socket in a level-triggered set, so that an external
         * loop that waits without asking MHD_get_timeout() still comes back
         * at once: the socket is ready. */
        if (c->item.in_ready && !mhd_poller_is_edge(&c->worker->poller))
            want |= dir;
    }
    if (!mhd_conn_set_interest(c, want))
        mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
}

bool mhd_conn_set_interest(struct MHD_Connection *c, unsigned int want)
{
    struct mhd_poller *p = &c->worker->poller;
    if (!c->item.poll.registered) {
        /* First wait of this connection: register it now. */
        c->item.poll.interest = want | MHD_POLL_EDGE;
        return mhd_poller_add(p, &c->item.poll);
    }
    return mhd_poller_set_interest(p, &c->item.poll, want);
}

void mhd_conn_process(struct MHD_Connection *c)
{
    if (c->proto != NULL) {
        c->proto->process(c); /* HTTP/2: the carrier or one of its requests */
        return;
    }
    if (c->state == CONN_UPGRADED) {
        mhd_relay_run(c); /* nothing without a relay: the socket is the application's */
        return;
    }
    c->share = MHD_CONN_SHARE;
    for (;;) {
        if (c->item.suspended || c->state == CONN_CLOSED || c->state == CONN_UPGRADED ||
            c->proto != NULL)
            break;
        if (dispatch(c) == STEP_WAIT)
            break;
    }
    if (c->proto != NULL && c->state != CONN_CLOSED) {
        c->proto->process(c); /* taken over just now (HTTP/2): its first round */
        return;
    }
    if (c->state == CONN_CLOSED || c->state == CONN_UPGRADED)
        return;
    /* Before waiting, replies staged for pipelined requests must leave, or
     * the client would wait for them while we wait for it. */
    if (c->out_end > c->out_sent && c->state != CONN_SEND && !mhd_conn_flush_staged(c)) {
        mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
        return;
    }
    if (c->state == CONN_IDLE && c->rlen == 0 && c->out_end == 0)
        mhd_conn_pool_give(c);
    update_interest(c);
}

void mhd_conn_next_request(struct MHD_Connection *c)
{
    c->reused = true;
    size_t left = c->mem != NULL ? c->rlen - c->rpos : 0;
    if (left == 0 && c->out_end == 0) {
        /* Nothing buffered, nothing staged: the pool goes back, and the
         * next request starts afresh in the next one (pool.c). */
        mhd_conn_pool_give(c);
        c->state = CONN_IDLE;
        return;
    }
    char *dst = c->mem + c->out_end;
    if (left && dst != c->rbuf + c->rpos)
        memmove(dst, c->rbuf + c->rpos, left);
    c->rbuf = dst;
    c->rlen = left;
    c->rpos = 0;
    c->back = c->mem_size & ~(size_t)7;
    memset(c->busy, 0, offsetof(struct mhd_busy, tx)); /* as mhd_conn_pool_take does */
    c->busy->tx.resp = NULL;
    c->state = left ? CONN_HEAD : CONN_IDLE;
}

void mhd_conn_resume_now(struct MHD_Connection *c)
{
    if (c->state == CONN_UPGRADED) {
        mhd_conn_upgrade_resume(c);
        return;
    }
    if (c->state == CONN_PROTOCOL) {
        /* A carrier is never suspended: a kick from a thread working for
         * one of its requests (HTTP/2 in thread-per-connection mode). */
        mhd_conn_schedule(c);
        return;
    }
    if (c->proto != NULL && c->proto->resume_later != NULL && c->proto->resume_later(c))
        return;
    if (!c->item.suspended || c->state == CONN_CLOSED)
        return;
    c->item.suspended = false;
    c->read_ready = true;
    c->write_ready = true;
    mhd_timeout_touch(c->worker, &c->item);
    if (c->proto != NULL && c->proto->suspend != NULL)
        c->proto->suspend(c, false);
    mhd_conn_schedule(c);
}

const char *mhd_conn_method(const struct MHD_Connection *c)
{
    return c->busy != NULL ? c->busy->rq.head.method : NULL;
}

const char *mhd_conn_path(const struct MHD_Connection *c)
{
    return c->busy != NULL ? c->busy->rq.url : NULL;
}

struct mhd_dauth *mhd_conn_dauth(const struct MHD_Connection *c)
{
    return c->cfg->dauth;
}
