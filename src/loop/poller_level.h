/* Slot bookkeeping shared by the two level-triggered backends (select and
 * poll): registered items live in a dense array so that removal is O(1) by
 * moving the last item into the freed slot. */
#ifndef MHD_LOOP_POLLER_LEVEL_H
#define MHD_LOOP_POLLER_LEVEL_H

#include "loop/poller.h"

/* Appends `it`; grows the arrays (and the pollfd array when `with_pfds`). */
bool mhd_level_slot_add(struct mhd_poller *p, struct mhd_poll_item *it, bool with_pfds);

/* Removes `it`, moving the last item into its slot. */
void mhd_level_slot_remove(struct mhd_poller *p, struct mhd_poll_item *it, bool with_pfds);

/* A scan for ready items starts where the last one stopped and wraps
 * around: a wait reports at most the caller's `max` events, and a scan
 * from slot 0 every time would leave the same last slots out for as long
 * as the first ones stay ready (100 busy keep-alive connections, 64 events
 * per wait: p99 of 100-240 ms instead of 2). The loop is
 *
 *     int i = mhd_level_scan_start(p);
 *     for (int j = 0; j < p->count && ...; j++, i = mhd_level_scan_next(p, i))
 *         ...
 *     p->next = i;
 */
static inline int mhd_level_scan_start(const struct mhd_poller *p)
{
    return p->next < p->count ? p->next : 0;
}

static inline int mhd_level_scan_next(const struct mhd_poller *p, int i)
{
    return i + 1 < p->count ? i + 1 : 0;
}

#endif
