/* The poll() backend: a pollfd array kept in step with the registered items,
 * so a change of interest touches one slot and wait() passes the array as it
 * is. */
#include "loop/poller.h"

#include <errno.h>
#include <poll.h>

#include "loop/poller_level.h"

static short to_poll_events(unsigned int interest)
{
    short e = 0;
    if (interest & MHD_POLL_IN)
        e |= POLLIN;
    if (interest & MHD_POLL_OUT)
        e |= POLLOUT;
    return e;
}

static bool pl_init(struct mhd_poller *p)
{
    (void)p;
    return true;
}

static void pl_deinit(struct mhd_poller *p)
{
    (void)p;
}

static bool pl_add(struct mhd_poller *p, struct mhd_poll_item *it)
{
    if (!mhd_level_slot_add(p, it, true))
        return false;
    struct pollfd *pf = &p->pfds[it->index];
    pf->fd = it->fd;
    pf->events = to_poll_events(it->interest);
    pf->revents = 0;
    return true;
}

static bool pl_modify(struct mhd_poller *p, struct mhd_poll_item *it)
{
    p->pfds[it->index].events = to_poll_events(it->interest);
    return true;
}

static void pl_remove(struct mhd_poller *p, struct mhd_poll_item *it)
{
    mhd_level_slot_remove(p, it, true);
}

static int pl_wait(struct mhd_poller *p, int timeout_ms, struct mhd_poll_event *ev, int max)
{
    /* A descriptor with no interest must not report errors either, or a
     * connection that is busy elsewhere would spin the loop. */
    for (int i = 0; i < p->count; i++)
        p->pfds[i].fd = p->pfds[i].events ? p->items[i]->fd : -1;
    int n = poll(p->pfds, (nfds_t)p->count, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : -1;
    int k = 0;
    int i = mhd_level_scan_start(p);
    for (int j = 0; j < p->count && k < max && n > 0; j++, i = mhd_level_scan_next(p, i)) {
        short re = p->pfds[i].revents;
        if (re == 0)
            continue;
        n--;
        unsigned int e = 0;
        if (re & POLLIN)
            e |= MHD_POLL_IN;
        if (re & POLLOUT)
            e |= MHD_POLL_OUT;
        if (re & (POLLERR | POLLHUP | POLLNVAL))
            e |= MHD_POLL_ERR;
        ev[k].item = p->items[i];
        ev[k].events = e;
        k++;
    }
    p->next = i;
    return k;
}

const struct mhd_poller_ops mhd_poller_poll = {
    .name = "poll",
    .init = pl_init,
    .deinit = pl_deinit,
    .add = pl_add,
    .modify = pl_modify,
    .remove = pl_remove,
    .wait = pl_wait,
};
