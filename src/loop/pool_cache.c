/* The worker's cache of connection memory pools: blocks given back wait
 * here for the next connection that needs one (mhd_pool_cache_take and
 * _put, inline in worker.h); those beyond MHD_POOL_CACHE_KEEP that stay
 * unused for MHD_POOL_TRIM_MS are freed. */
#include "loop/worker.h"

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
    pc->trim_at = pc->count > MHD_POOL_CACHE_KEEP ? w->now_ms + MHD_POOL_TRIM_MS : 0;
}

int64_t mhd_pool_cache_next(const struct mhd_worker *w)
{
    const struct mhd_pool_cache *pc = &w->pools;
    if (pc->trim_at == 0)
        return -1;
    return pc->trim_at > w->now_ms ? (int64_t)(pc->trim_at - w->now_ms) : 0;
}
