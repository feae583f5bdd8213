/* The connection's memory pool: one block of the busy state (struct
 * mhd_busy) followed by cfg.pool_size bytes, taken from the worker's cache
 * when the first bytes of a request arrive and given back when the
 * connection is idle again. See the layout in conn.h. */
#include "conn/conn.h"

#include <string.h>

#include "loop/worker.h"
#include "util/alloc.h"

#define POOL_ALIGN 8u

/* The busy block ahead of the pool proper, rounded so that the pool keeps
 * malloc's alignment. */
#define BUSY_ROOM ((sizeof(struct mhd_busy) + 15u) & ~(size_t)15u)

bool mhd_conn_pool_take(struct MHD_Connection *c)
{
    if (c->mem != NULL)
        return true;
    size_t size = c->cfg->pool_size;
    char *block = mhd_pool_cache_take(c->worker);
    if (block == NULL) {
        block = mhd_alloc(BUSY_ROOM + size);
        if (block == NULL)
            return false;
        memset(block, 0, sizeof(struct mhd_busy));
    }
    /* A new request, reset as mhd_conn_next_request resets one: the reply
     * state (but its response) is set up by each reply. */
    struct mhd_busy *b = (struct mhd_busy *)(void *)block;
    memset(b, 0, offsetof(struct mhd_busy, tx));
    b->tx.resp = NULL;
    c->busy = b;
    char *mem = block + BUSY_ROOM;
    c->mem = mem;
    c->mem_size = size;
    c->out_end = 0;
    c->out_sent = 0;
    c->rbuf = mem;
    c->rlen = 0;
    c->rpos = 0;
    c->back = size & ~(size_t)(POOL_ALIGN - 1);
    return true;
}

void mhd_conn_pool_give(struct MHD_Connection *c)
{
    if (c->mem == NULL)
        return;
    mhd_pool_cache_put(c->worker, c->busy);
    c->busy = NULL;
    c->mem = NULL;
    c->mem_size = 0;
    c->rbuf = NULL;
    c->rlen = 0;
    c->rpos = 0;
    c->back = 0;
    c->out_end = 0;
    c->out_sent = 0;
}

void *mhd_conn_pool_alloc(struct MHD_Connection *c, size_t size)
{
    size = (size + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1);
    size_t used = (size_t)(c->rbuf - c->mem) + c->rlen;
    if (c->back < used || c->back - used < size)
        return NULL;
    c->back -= size;
    return c->mem + c->back;
}
