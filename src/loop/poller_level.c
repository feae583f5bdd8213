#include "loop/poller_level.h"

#include <errno.h>
#include <poll.h>

#include "util/alloc.h"

static bool grow(struct mhd_poller *p, bool with_pfds)
{
    int cap = p->cap ? p->cap * 2 : 64;
    struct mhd_poll_item **items = mhd_realloc(p->items, (size_t)cap * sizeof(*items));
    if (items == NULL)
        return false;
    p->items = items;
    if (with_pfds) {
        struct pollfd *pfds = mhd_realloc(p->pfds, (size_t)cap * sizeof(*pfds));
        if (pfds == NULL)
            return false;
        p->pfds = pfds;
    }
    p->cap = cap;
    return true;
}

bool mhd_level_slot_add(struct mhd_poller *p, struct mhd_poll_item *it, bool with_pfds)
{
    if (p->count == p->cap && !grow(p, with_pfds)) {
        errno = ENOMEM;
        return false;
    }
    it->index = p->count++;
    it->registered = true;
    p->items[it->index] = it;
    return true;
}

void mhd_level_slot_remove(struct mhd_poller *p, struct mhd_poll_item *it, bool with_pfds)
{
    int last = --p->count;
    int idx = it->index;
    if (idx != last) {
        p->items[idx] = p->items[last];
        p->items[idx]->index = idx;
        if (with_pfds)
            p->pfds[idx] = p->pfds[last];
    }
    it->index = -1;
    it->registered = false;
}
