/* Heap allocation for the whole library.
 *
 * Every heap allocation goes through these functions so that tests can make
 * the Nth allocation fail (fault injection) and so that MHD_free() releases
 * exactly what the library handed out. All functions are thread-safe. */
#ifndef MHD_UTIL_ALLOC_H
#define MHD_UTIL_ALLOC_H

#include <stddef.h>

/* Returns `n` bytes (uninitialised), or NULL when out of memory or when a
 * test asked for this allocation to fail. `n` 0 is treated as 1. */
void *mhd_alloc(size_t n);

/* Like mhd_alloc, zero-filled; `count * size` is checked for overflow. */
void *mhd_calloc(size_t count, size_t size);

/* Resizes `p` (NULL allowed); on failure `p` is left untouched. */
void *mhd_realloc(void *p, size_t n);

/* Releases memory from the functions above; NULL is ignored. */
void mhd_free(void *p);

/* Copies `len` bytes of `s` into a new 0-terminated string. */
char *mhd_strndup(const char *s, size_t len);

/* Test hooks. They live in the static library only: the shared object
 * exports nothing but MHD_* symbols.
 *
 * mhd_alloc_fail_at(n): allocation number `n` (1-based, counted from this
 * call) and every later one fail until the next call; `n` 0 disables
 * failures and counting, ULONG_MAX counts without failing. */
void mhd_alloc_fail_at(unsigned long n);

/* Like mhd_alloc_fail_at(), but only allocation number `n` fails; the ones
 * after it succeed again, so a test sees how the library recovers. */
void mhd_alloc_fail_once(unsigned long n);

/* How many allocations were attempted since the last arming call. */
unsigned long mhd_alloc_count(void);

/* Allocations made since the last arming call minus releases: 0 once a
 * scenario that started from nothing has given everything back. Only
 * meaningful when nothing allocated before the arming call is released. */
long mhd_alloc_live(void);

#endif
