/* The epoll backend. Connections are registered once, edge-triggered, for
 * input and output; the connection code then reads and writes until the
 * kernel says EAGAIN (or a short read proves the socket drained), so no
 * epoll_ctl() is needed per request. Listen and wake-up descriptors are
 * level-triggered. */
#include "loop/poller.h"

#include "util/fastsys.h"
#include "util/sys.h"

#ifdef HAVE_EPOLL
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

static bool ep_init(struct mhd_poller *p)
{
    p->epfd = epoll_create1(EPOLL_CLOEXEC);
    return p->epfd >= 0;
}

static void ep_deinit(struct mhd_poller *p)
{
    if (p->epfd >= 0)
        close(p->epfd);
    p->epfd = -1;
}

static uint32_t to_epoll_events(unsigned int interest)
{
    /* Output readiness only while a write is waiting for room: watched all
     * the time it would wake the loop for every ACK that frees buffer
     * space. */
    if (interest & MHD_POLL_EDGE)
        return EPOLLIN | EPOLLRDHUP | EPOLLET | ((interest & MHD_POLL_OUT) ? EPOLLOUT : 0);
    uint32_t e = 0;
    if (interest & MHD_POLL_EXCL)
        e |= EPOLLEXCLUSIVE;
    if (interest & MHD_POLL_IN)
        e |= EPOLLIN;
    if (interest & MHD_POLL_OUT)
        e |= EPOLLOUT;
    return e;
}

static bool ep_add(struct mhd_poller *p, struct mhd_poll_item *it)
{
    struct epoll_event e;
    e.events = to_epoll_events(it->interest);
    e.data.ptr = it;
    if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, it->fd, &e) != 0)
        return false;
    it->registered = true;
    return true;
}

static bool ep_modify(struct mhd_poller *p, struct mhd_poll_item *it)
{
    if (it->interest & MHD_POLL_EXCL) {
        /* An exclusive registration cannot be modified: it is removed and,
         * if anything is still wanted, added again. */
        struct epoll_event none = {0};
        (void)epoll_ctl(p->epfd, EPOLL_CTL_DEL, it->fd, &none);
        if (!(it->interest & (MHD_POLL_IN | MHD_POLL_OUT)))
            return true;
        return ep_add(p, it);
    }
    struct epoll_event e;
    e.events = to_epoll_events(it->interest);
    e.data.ptr = it;
    return epoll_ctl(p->epfd, EPOLL_CTL_MOD, it->fd, &e) == 0;
}

static void ep_remove(struct mhd_poller *p, struct mhd_poll_item *it)
{
    /* Closing a descriptor removes it too; the explicit call is for the
     * descriptors that stay open (listen socket handed out by quiesce). */
    struct epoll_event e = {0};
    (void)epoll_ctl(p->epfd, EPOLL_CTL_DEL, it->fd, &e);
    it->registered = false;
}

static int ep_wait(struct mhd_poller *p, int timeout_ms, struct mhd_poll_event *ev, int max)
{
    struct epoll_event raw[128];
    if (max > (int)(sizeof(raw) / sizeof(raw[0])))
        max = (int)(sizeof(raw) / sizeof(raw[0]));
    int n = mhd_sys_epoll_wait(p->epfd, raw, max, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : -1;
    for (int i = 0; i < n; i++) {
        uint32_t re = raw[i].events;
        unsigned int e = 0;
        if (re & (EPOLLIN | EPOLLRDHUP))
            e |= MHD_POLL_IN;
        if (re & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            e |= MHD_POLL_HUP;
        if (re & EPOLLOUT)
            e |= MHD_POLL_OUT;
        if (re & (EPOLLERR | EPOLLHUP))
            e |= MHD_POLL_ERR;
        ev[i].item = raw[i].data.ptr;
        ev[i].events = e;
    }
    return n;
}

const struct mhd_poller_ops mhd_poller_epoll = {
    .name = "epoll",
    .init = ep_init,
    .deinit = ep_deinit,
    .add = ep_add,
    .modify = ep_modify,
    .remove = ep_remove,
    .wait = ep_wait,
};
#endif
