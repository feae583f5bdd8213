/* One interface over select, poll and epoll.
 *
 * A descriptor is registered as a struct mhd_poll_item embedded in its owner
 * (connection, listen socket, wake-up channel). The worker loop calls wait()
 * and gets back the items that are ready; nothing outside src/loop knows
 * which backend runs. epoll registers connections edge-triggered once; select
 * and poll are level-triggered and follow each item's interest, which the
 * connection updates through mhd_poller_set_interest() after every step.
 * An edge registration always watches input and watches output only while
 * the connection waits for room to write. */
#ifndef MHD_LOOP_POLLER_H
#define MHD_LOOP_POLLER_H

#include <stdbool.h>

#define MHD_POLL_IN 0x1u   /* readable (or a listen socket has a connection) */
#define MHD_POLL_OUT 0x2u  /* writable */
#define MHD_POLL_ERR 0x4u  /* error or hang-up: the next I/O call tells which */
#define MHD_POLL_EDGE 0x8u /* register edge-triggered where the backend can */
#define MHD_POLL_EXCL 0x10u /* epoll: wake one waiter only (shared listen socket) */
#define MHD_POLL_HUP 0x20u  /* reported with _IN: the peer shut its sending side */

struct mhd_poller;

struct mhd_poll_item {
    int fd;
    unsigned int interest; /* MHD_POLL_IN / _OUT, plus _EDGE */
    int index;             /* slot in a level backend's arrays, -1 if not registered */
    bool registered;
    /* io_uring: whether the ring moves the item's bytes itself (a
     * connection whose transport is mhd_transport_uring) instead of
     * polling it, and the backend's state for this item while registered
     * (aux). */
    bool ring_io;
    /* Called by the worker with the events of this item: a connection's
     * socket, the relay's second one. NULL only for the worker's own items
     * (listen socket, wake-up), which it handles itself. */
    void (*on_ready)(struct mhd_poll_item *it, unsigned int events);
    void *aux;
};

struct mhd_poll_event {
    struct mhd_poll_item *item;
    unsigned int events;
};

struct mhd_poller_ops {
    const char *name;
    bool (*init)(struct mhd_poller *p);
    void (*deinit)(struct mhd_poller *p);
    bool (*add)(struct mhd_poller *p, struct mhd_poll_item *it);
    bool (*modify)(struct mhd_poller *p, struct mhd_poll_item *it);
    void (*remove)(struct mhd_poller *p, struct mhd_poll_item *it);
    /* Waits up to timeout_ms (-1: forever), fills up to `max` events, returns
     * their number, 0 on timeout or interruption, -1 on a fatal error. */
    int (*wait)(struct mhd_poller *p, int timeout_ms, struct mhd_poll_event *ev, int max);
    /* Backends that read for their items (io_uring): stops reading for `it`
     * and waits until everything read for it can be taken through its
     * transport, before the descriptor leaves the library (upgrade). NULL
     * where the kernel keeps unread bytes in the socket. */
    void (*settle)(struct mhd_poller *p, struct mhd_poll_item *it);
};

struct mhd_poller {
    const struct mhd_poller_ops *ops;
    /* select and poll: the registered items, in slots 0 .. count-1 */
    struct mhd_poll_item **items;
    struct pollfd *pfds; /* poll only, parallel to items */
    int count;
    int cap;
    int next;            /* select and poll: the slot the next scan starts from */
    int max_fd_plus1;    /* select only: limit for FD_SETSIZE checks */
    int epfd;            /* epoll only */
    void *ur;            /* io_uring only */
};

extern const struct mhd_poller_ops mhd_poller_select;
extern const struct mhd_poller_ops mhd_poller_poll;
extern const struct mhd_poller_ops mhd_poller_epoll;
#ifdef MHD_HAVE_URING
extern const struct mhd_poller_ops mhd_poller_uring;
#endif

/* Backends that register connections once, edge-triggered (epoll,
 * io_uring). */
static inline bool mhd_poller_is_edge(const struct mhd_poller *p)
{
#ifdef MHD_HAVE_URING
    if (p->ops == &mhd_poller_uring)
        return true;
#endif
    return p->ops == &mhd_poller_epoll;
}

/* Initialises `p` with the backend `ops`; false on failure (errno set). */
bool mhd_poller_init(struct mhd_poller *p, const struct mhd_poller_ops *ops);
void mhd_poller_deinit(struct mhd_poller *p);

static inline bool mhd_poller_add(struct mhd_poller *p, struct mhd_poll_item *it)
{
    return p->ops->add(p, it);
}

static inline void mhd_poller_remove(struct mhd_poller *p, struct mhd_poll_item *it)
{
    if (it->registered)
        p->ops->remove(p, it);
}

/* Changes what a level-triggered registration waits for; a no-op for edge
 * registrations and when nothing changes. */
static inline bool mhd_poller_set_interest(struct mhd_poller *p, struct mhd_poll_item *it,
                                           unsigned int interest)
{
    unsigned int keep = it->interest & (MHD_POLL_EDGE | MHD_POLL_EXCL);
    if ((keep & MHD_POLL_EDGE) && mhd_poller_is_edge(p)) {
        /* Edge registrations keep input on; only output comes and goes. An
         * exclusive one (a shared listen socket) is level-triggered: it
         * must be able to rest, at the connection limit or without
         * descriptors, or its worker would be woken again and again. */
        interest = (it->interest & ~MHD_POLL_OUT) | (interest & MHD_POLL_OUT);
    }
    interest |= keep;
    if (interest == it->interest)
        return true;
    it->interest = interest;
    return it->registered ? p->ops->modify(p, it) : true;
}

#endif
