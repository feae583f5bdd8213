#include "util/alloc.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Fault injection: counted only while armed, so the hot path pays one relaxed
 * atomic load. While armed, successful allocations and releases are also
 * counted, so a test can tell that a scenario gave back all it took. */
static atomic_ulong fail_at;
static atomic_bool fail_sticky;
static atomic_ulong alloc_seen;
static atomic_long alloc_live;

static int should_fail(void)
{
    unsigned long at = atomic_load_explicit(&fail_at, memory_order_relaxed);
    if (at == 0)
        return 0;
    unsigned long n = atomic_fetch_add_explicit(&alloc_seen, 1, memory_order_relaxed) + 1;
    if (n == at || (n > at && atomic_load_explicit(&fail_sticky, memory_order_relaxed))) {
        errno = ENOMEM; /* as malloc would */
        return 1;
    }
    atomic_fetch_add_explicit(&alloc_live, 1, memory_order_relaxed);
    return 0;
}

static void arm(unsigned long n, bool sticky)
{
    atomic_store(&fail_at, 0);
    atomic_store(&alloc_seen, 0);
    atomic_store(&alloc_live, 0);
    atomic_store(&fail_sticky, sticky);
    atomic_store(&fail_at, n);
}

void mhd_alloc_fail_at(unsigned long n)
{
    arm(n, true);
}

void mhd_alloc_fail_once(unsigned long n)
{
    arm(n, false);
}

unsigned long mhd_alloc_count(void)
{
    return atomic_load(&alloc_seen);
}

long mhd_alloc_live(void)
{
    return atomic_load(&alloc_live);
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
    if (p != NULL && atomic_load_explicit(&fail_at, memory_order_relaxed) != 0)
        atomic_fetch_sub_explicit(&alloc_live, 1, memory_order_relaxed); /* moved, not new */
    return realloc(p, n ? n : 1);
}

void mhd_free(void *p)
{
    if (p != NULL && atomic_load_explicit(&fail_at, memory_order_relaxed) != 0)
        atomic_fetch_sub_explicit(&alloc_live, 1, memory_order_relaxed);
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
