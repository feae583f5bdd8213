/* The connection's memory pool: one block of cfg.pool_size bytes, taken
 * from the worker's cache when the first bytes of a request arrive and given
 * back when the connection is idle again. See the layout in conn.h. */
#include "conn/conn.h"

#include <string.h>

#include "loop/worker.h"
#include "util/alloc.h"

#define POOL_ALIGN 8u

bool mhd_conn_pool_take(struct MHD_Connection *c)
{
    if (c->mem != NULL)
        return true;
    size_t size = c->cfg->pool_size;
    char *mem = mhd_pool_cache_take(c->worker);
    if (mem == NULL)
        mem = mhd_alloc(size);
    if (mem == NULL)
        return false;
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
    mhd_pool_cache_put(c->worker, c->mem);
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
