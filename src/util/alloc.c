#include "util/alloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Fault injection: counted only while armed, so the hot path pays one relaxed
 * atomic load. */
static atomic_ulong fail_at;
static atomic_ulong alloc_seen;

static int should_fail(void)
{
    unsigned long at = atomic_load_explicit(&fail_at, memory_order_relaxed);
    if (at == 0)
        return 0;
    unsigned long n = atomic_fetch_add_explicit(&alloc_seen, 1, memory_order_relaxed) + 1;
    return n >= at;
}

void mhd_alloc_fail_at(unsigned long n)
{
    atomic_store(&alloc_seen, 0);
    atomic_store(&fail_at, n);
}

unsigned long mhd_alloc_count(void)
{
    return atomic_load(&alloc_seen);
}

void *mhd_alloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *mhd_calloc(size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    if (should_fail())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *mhd_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void mhd_free(void *p)
{
    free(p);
}

char *mhd_strndup(const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *d = mhd_alloc(len + 1);
    if (d == NULL)
        return NULL;
    if (len)
        memcpy(d, s, len);
    d[len] = '\0';
    return d;
}
