/* The connection's memory pool: one block of cfg.pool_size bytes, taken
 * from the worker's cache when the first bytes of a request arrive and given
 * back when the connection is idle again. See the layout in conn.h. */
#include "conn/conn.h"

#include <string.h>

#include "daemon/daemon.h"
#include "loop/worker.h"
#include "util/alloc.h"

#define POOL_ALIGN 8u
/* Cached pools beyond MHD_POOL_CACHE_KEEP that stay unused this long are
 * freed. */
#define POOL_TRIM_MS 1000u

bool mhd_conn_pool_take(struct MHD_Connection *c)
{
    if (c->mem != NULL)
        return true;
    struct mhd_worker *w = c->worker;
    size_t size = c->daemon->cfg.pool_size;
    char *mem;
    struct mhd_pool_cache *pc = &w->pools;
    if (pc->count > 0) {
        mem = pc->blocks[--pc->count];
        if (pc->count < pc->low)
            pc->low = pc->count;
    } else
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
    struct mhd_pool_cache *pc = &c->worker->pools;
    if (pc->count < MHD_POOL_CACHE_MAX) {
        pc->blocks[pc->count++] = c->mem;
        if (pc->count > MHD_POOL_CACHE_KEEP && pc->trim_at == 0) {
            pc->trim_at = c->worker->now_ms + POOL_TRIM_MS;
            pc->low = pc->count;
        }
    } else {
        mhd_free(c->mem);
    }
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

void mhd_pool_cache_trim(struct mhd_worker *w)
{
    struct mhd_pool_cache *pc = &w->pools;
    if (pc->trim_at == 0 || w->now_ms < pc->trim_at)
        return;
    /* `low` blocks were never taken since trim_at was set. */
    unsigned int spare = pc->count > MHD_POOL_CACHE_KEEP ? pc->count - MHD_POOL_CACHE_KEEP : 0;
    unsigned int drop = pc->low < spare ? pc->low : spare;
    while (drop-- > 0)
        mhd_free(pc->blocks[--pc->count]);
    pc->low = pc->count;
    pc->trim_at = pc->count > MHD_POOL_CACHE_KEEP ? w->now_ms + POOL_TRIM_MS : 0;
}

int64_t mhd_pool_cache_next(const struct mhd_worker *w)
{
    const struct mhd_pool_cache *pc = &w->pools;
    if (pc->trim_at == 0)
        return -1;
    return pc->trim_at > w->now_ms ? (int64_t)(pc->trim_at - w->now_ms) : 0;
}
