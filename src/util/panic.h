/* Broken invariants and fatal API misuse.
 *
 * mhd_panic() calls the handler set with MHD_set_panic_func() (default:
 * message to stderr, then abort()) and never returns: if the application's
 * handler returns, the process is aborted. mhd_assert() checks internal
 * invariants in debug builds only (MHD_DEBUG). */
#ifndef MHD_UTIL_PANIC_H
#define MHD_UTIL_PANIC_H

#include "util/sys.h"

MHD_NORETURN void mhd_panic_at(const char *file, unsigned int line, const char *reason);

#define mhd_panic(reason) mhd_panic_at(__FILE__, __LINE__, (reason))

#ifdef MHD_DEBUG
#define mhd_assert(cond)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            mhd_panic_at(__FILE__, __LINE__, "assertion failed: " #cond);                          \
    } while (0)
#else
#define mhd_assert(cond) ((void)0)
#endif

#endif
