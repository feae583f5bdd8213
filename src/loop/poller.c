#include "loop/poller.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "util/alloc.h"

bool mhd_poller_init(struct mhd_poller *p, const struct mhd_poller_ops *ops)
{
    p->ops = ops;
    p->items = NULL;
    p->pfds = NULL;
    p->count = 0;
    p->cap = 0;
    p->next = 0;
    p->max_fd_plus1 = 0;
    p->epfd = -1;
    p->ur = NULL;
    return ops->init(p);
}

void mhd_poller_deinit(struct mhd_poller *p)
{
    if (p->ops != NULL)
        p->ops->deinit(p);
    mhd_free(p->items);
    mhd_free(p->pfds);
    p->items = NULL;
    p->pfds = NULL;
    p->ops = NULL;
}
