/* The select() backend: fd sets are rebuilt from the registered items on
 * every wait, so its cost grows with the number of connections; it is the
 * backend of the external select loop and of MHD_USE_INTERNAL_POLLING_THREAD
 * without MHD_USE_POLL / MHD_USE_EPOLL. Descriptors must be below
 * FD_SETSIZE. */
#include "loop/poller.h"

#include <errno.h>
#include <stddef.h>
#include <sys/select.h>

#include "loop/poller_level.h"

static bool sel_init(struct mhd_poller *p)
{
    (void)p;
    return true;
}

static void sel_deinit(struct mhd_poller *p)
{
    (void)p;
}

static bool sel_add(struct mhd_poller *p, struct mhd_poll_item *it)
{
    if (it->fd < 0 || it->fd >= FD_SETSIZE) {
        errno = EMFILE;
        return false;
    }
    return mhd_level_slot_add(p, it, false);
}

static bool sel_modify(struct mhd_poller *p, struct mhd_poll_item *it)
{
    (void)p;
    (void)it;
    return true;
}

static void sel_remove(struct mhd_poller *p, struct mhd_poll_item *it)
{
    mhd_level_slot_remove(p, it, false);
}

static int sel_wait(struct mhd_poller *p, int timeout_ms, struct mhd_poll_event *ev, int max)
{
    fd_set rs, ws, es;
    FD_ZERO(&rs);
    FD_ZERO(&ws);
    FD_ZERO(&es);
    int maxfd = -1;
    for (int i = 0; i < p->count; i++) {
        const struct mhd_poll_item *it = p->items[i];
        if (it->interest & MHD_POLL_IN)
            FD_SET(it->fd, &rs);
        if (it->interest & MHD_POLL_OUT)
            FD_SET(it->fd, &ws);
        if (it->interest & (MHD_POLL_IN | MHD_POLL_OUT)) {
            FD_SET(it->fd, &es);
            if (it->fd > maxfd)
                maxfd = it->fd;
        }
    }
    struct timeval tv, *tvp = NULL;
    if (timeout_ms >= 0) {
        tv.tv_sec = timeout_ms / 1000;
        tv.tv_usec = (timeout_ms % 1000) * 1000;
        tvp = &tv;
    }
    int n = select(maxfd + 1, &rs, &ws, &es, tvp);
    if (n < 0)
        return errno == EINTR ? 0 : -1;
    int k = 0;
    int i = mhd_level_scan_start(p);
    for (int j = 0; j < p->count && k < max && n > 0; j++, i = mhd_level_scan_next(p, i)) {
        struct mhd_poll_item *it = p->items[i];
        unsigned int e = 0;
        if (FD_ISSET(it->fd, &rs))
            e |= MHD_POLL_IN;
        if (FD_ISSET(it->fd, &ws))
            e |= MHD_POLL_OUT;
        if (FD_ISSET(it->fd, &es))
            e |= MHD_POLL_ERR;
        if (e) {
            ev[k].item = it;
            ev[k].events = e;
            k++;
        }
    }
    p->next = i;
    return k;
}

const struct mhd_poller_ops mhd_poller_select = {
    .name = "select",
    .init = sel_init,
    .deinit = sel_deinit,
    .add = sel_add,
    .modify = sel_modify,
    .remove = sel_remove,
    .wait = sel_wait,
};
