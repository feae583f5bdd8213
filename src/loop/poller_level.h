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

#endif
