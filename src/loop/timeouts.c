/* Idle timeouts. Connections using the daemon's timeout sit on one list in
 * order of last activity, so touching a connection (move to the end) and
 * finding the next expiry (the head) are O(1). Connections with a timeout
 * of their own sit on a second list that is scanned; few programs set one. */
#include "loop/worker.h"

#include "conn/conn.h"
#include "daemon/daemon.h"

void mhd_timeout_detach(struct MHD_Connection *c)
{
    if (mhd_link_is_linked(&c->tlink))
        mhd_list_remove(&c->tlink);
}

void mhd_timeout_touch(struct mhd_worker *w, struct MHD_Connection *c)
{
    c->last_activity = w->now_ms;
    if (c->timeout_ms == 0 || c->suspended) {
        mhd_timeout_detach(c);
        return;
    }
    struct mhd_list *l = c->own_timeout ? &w->timeouts_own : &w->timeouts;
    if (mhd_link_is_linked(&c->tlink)) {
        if (l->head.prev == &c->tlink)
            return; /* already the most recent */
        mhd_list_remove(&c->tlink);
    }
    mhd_list_push_back(l, &c->tlink);
}

void mhd_timeout_set(struct mhd_worker *w, struct MHD_Connection *c, uint64_t timeout_ms)
{
    bool had_none = c->timeout_ms == 0;
    mhd_timeout_detach(c);
    c->timeout_ms = timeout_ms;
    c->own_timeout = true;
    if (had_none)
        c->last_activity = w->now_ms;
    if (timeout_ms != 0 && !c->suspended)
        mhd_list_push_back(&w->timeouts_own, &c->tlink);
}

static uint64_t deadline(const struct MHD_Connection *c)
{
    return c->last_activity + c->timeout_ms;
}

int64_t mhd_timeout_next(struct mhd_worker *w)
{
    uint64_t best = UINT64_MAX;
    struct mhd_link *k = mhd_list_first(&w->timeouts);
    if (k != NULL)
        best = deadline(mhd_container_of(k, struct MHD_Connection, tlink));
    for (k = mhd_list_first(&w->timeouts_own); k; k = mhd_list_next(&w->timeouts_own, k)) {
        uint64_t dl = deadline(mhd_container_of(k, struct MHD_Connection, tlink));
        if (dl < best)
            best = dl;
    }
    if (best == UINT64_MAX)
        return -1;
    return best > w->now_ms ? (int64_t)(best - w->now_ms) : 0;
}

void mhd_timeout_expire(struct mhd_worker *w)
{
    struct mhd_link *k;
    while ((k = mhd_list_first(&w->timeouts)) != NULL) {
        struct MHD_Connection *c = mhd_container_of(k, struct MHD_Connection, tlink);
        if (deadline(c) > w->now_ms)
            break;
        mhd_conn_close(c, MHD_REQUEST_TERMINATED_TIMEOUT_REACHED);
    }
    k = mhd_list_first(&w->timeouts_own);
    while (k != NULL) {
        struct mhd_link *next = mhd_list_next(&w->timeouts_own, k);
        struct MHD_Connection *c = mhd_container_of(k, struct MHD_Connection, tlink);
        if (deadline(c) <= w->now_ms)
            mhd_conn_close(c, MHD_REQUEST_TERMINATED_TIMEOUT_REACHED);
        k = next;
    }
}
