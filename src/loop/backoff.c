/* Connections whose content reader answered "nothing yet" (0). Such a
 * connection is asked again after a delay that starts at one millisecond and
 * doubles with every further empty answer, up to BACKOFF_MAX_MS: a reader
 * that waits for data a long time costs ten wake-ups a second instead of a
 * busy loop, and one that only needed a moment is asked again at once. Data
 * (or the end of the body) starts the delay from the beginning. The due time
 * joins the worker's other timers, so every thread mode sleeps until then,
 * and an external loop learns it from MHD_get_timeout(). Few connections
 * wait like this at once, so the list is scanned rather than kept sorted. */
#include "loop/worker.h"

#define BACKOFF_FIRST_MS 1u
#define BACKOFF_MAX_MS 100u

void mhd_backoff_wait(struct mhd_worker *w, struct mhd_item *it)
{
    uint32_t ms = it->backoff_ms == 0 ? BACKOFF_FIRST_MS : it->backoff_ms * 2;
    it->backoff_ms = ms > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ms;
    it->backoff_until = w->now_ms + it->backoff_ms;
    if (!mhd_link_is_linked(&it->blink))
        mhd_list_push_back(&w->backoffs, &it->blink);
}

void mhd_backoff_reset(struct mhd_item *it)
{
    it->backoff_ms = 0;
    if (mhd_link_is_linked(&it->blink))
        mhd_list_remove(&it->blink);
}

int64_t mhd_backoff_next(const struct mhd_worker *w)
{
    uint64_t best = UINT64_MAX;
    for (struct mhd_link *k = mhd_list_first(&w->backoffs); k; k = mhd_list_next(&w->backoffs, k)) {
        uint64_t at = mhd_container_of(k, struct mhd_item, blink)->backoff_until;
        if (at < best)
            best = at;
    }
    if (best == UINT64_MAX)
        return -1;
    return best > w->now_ms ? (int64_t)(best - w->now_ms) : 0;
}

void mhd_backoff_expire(struct mhd_worker *w)
{
    struct mhd_link *k = mhd_list_first(&w->backoffs);
    while (k != NULL) {
        struct mhd_link *next = mhd_list_next(&w->backoffs, k);
        struct mhd_item *it = mhd_container_of(k, struct mhd_item, blink);
        if (it->backoff_until <= w->now_ms) {
            /* Off the list, but the delay is kept: it grows if the reader
             * has nothing again. */
            mhd_list_remove(k);
            mhd_worker_schedule(w, it, false);
        }
        k = next;
    }
}
