/* Idle timeouts. Connections using the daemon's timeout sit on one list in
 * order of last activity, so touching a connection (move to the end) and
 * finding the next expiry (the head) are O(1). Connections with a timeout
 * of their own sit on a second list that is scanned; few programs set one. */
#include "loop/worker.h"

void mhd_timeout_detach(struct mhd_item *it)
{
    if (mhd_link_is_linked(&it->tlink))
        mhd_list_remove(&it->tlink);
}

void mhd_timeout_touch(struct mhd_worker *w, struct mhd_item *it)
{
    it->last_activity = w->now_ms;
    if (it->timeout_ms == 0 || it->suspended) {
        mhd_timeout_detach(it);
        return;
    }
    struct mhd_list *l = it->own_timeout ? &w->timeouts_own : &w->timeouts;
    if (mhd_link_is_linked(&it->tlink)) {
        if (l->head.prev == &it->tlink)
            return; /* already the most recent */
        mhd_list_remove(&it->tlink);
    }
    mhd_list_push_back(l, &it->tlink);
}

void mhd_timeout_set(struct mhd_worker *w, struct mhd_item *it, uint64_t timeout_ms)
{
    bool had_none = it->timeout_ms == 0;
    mhd_timeout_detach(it);
    it->timeout_ms = timeout_ms;
    it->own_timeout = true;
    if (had_none)
        it->last_activity = w->now_ms;
    if (timeout_ms != 0 && !it->suspended)
        mhd_list_push_back(&w->timeouts_own, &it->tlink);
}

static uint64_t deadline(const struct mhd_item *it)
{
    return it->last_activity + it->timeout_ms;
}

int64_t mhd_timeout_next(struct mhd_worker *w)
{
    uint64_t best = UINT64_MAX;
    struct mhd_link *k = mhd_list_first(&w->timeouts);
    if (k != NULL)
        best = deadline(mhd_container_of(k, struct mhd_item, tlink));
    for (k = mhd_list_first(&w->timeouts_own); k; k = mhd_list_next(&w->timeouts_own, k)) {
        uint64_t dl = deadline(mhd_container_of(k, struct mhd_item, tlink));
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
        struct mhd_item *it = mhd_container_of(k, struct mhd_item, tlink);
        if (deadline(it) > w->now_ms)
            break;
        w->ops->expire(it);
    }
    k = mhd_list_first(&w->timeouts_own);
    while (k != NULL) {
        struct mhd_link *next = mhd_list_next(&w->timeouts_own, k);
        struct mhd_item *it = mhd_container_of(k, struct mhd_item, tlink);
        if (deadline(it) <= w->now_ms)
            w->ops->expire(it);
        k = next;
    }
}
