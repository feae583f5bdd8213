/* Tests under a slow wrapper. `make valgrind` runs every test program under
 * memcheck with TEST_SLOW=N in the environment: programs then run about N
 * times slower. Time limits that only end a failing wait (a client's
 * timeout, a poll for a reply) grow by that factor through test_ms(); a
 * test whose cost is inherently large (thousands of connections, long
 * loops) shrinks its scale with test_scaled(), which says so in the output
 * so that nothing is skipped silently. Without TEST_SLOW both are no-ops. */
#ifndef MHD_TEST_SLOW_H
#define MHD_TEST_SLOW_H

#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>

/* The slow-down factor: TEST_SLOW as a positive integer, else 1. */
static inline long test_slow(void)
{
    /* Atomic: threads of a test (a TLS proxy, a client) may ask first at
     * the same time; each computes the same value. */
    static _Atomic long factor;
    long f = atomic_load_explicit(&factor, memory_order_relaxed);
    if (f == 0) {
        const char *s = getenv("TEST_SLOW");
        long v = s != NULL ? strtol(s, NULL, 10) : 1;
        f = v >= 1 && v <= 1000 ? v : 1;
        atomic_store_explicit(&factor, f, memory_order_relaxed);
    }
    return f;
}

/* A time limit of `ms` milliseconds, stretched for a slow run. */
static inline long test_ms(long ms)
{
    return ms * test_slow();
}

/* `normal`, or `reduced` under a slow run, which is then reported on
 * stdout (the log the runner keeps) naming `what`. */
static inline unsigned long test_scaled(const char *what, unsigned long normal,
                                        unsigned long reduced)
{
    if (test_slow() == 1 || reduced >= normal)
        return normal;
    printf("slow run (TEST_SLOW=%ld): %s reduced from %lu to %lu\n", test_slow(), what, normal,
           reduced);
    fflush(stdout);
    return reduced;
}

#endif
