/* Logging to the application's logger or stderr.
 *
 * A daemon embeds one struct mhd_logger. mhd_log() costs one branch when
 * logging is off (no MHD_USE_ERROR_LOG), so call sites carry no #ifdef. */
#ifndef MHD_UTIL_LOG_H
#define MHD_UTIL_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#include "util/sys.h"

typedef void (*mhd_log_fn)(void *cls, const char *fmt, va_list ap);

struct mhd_logger {
    mhd_log_fn fn; /* NULL: write to stderr */
    void *cls;
    bool enabled;
};

/* Formats and emits one message; a trailing newline is added for stderr. */
void mhd_log_emit(const struct mhd_logger *lg, const char *fmt, ...) MHD_PRINTF(2, 3);

#define mhd_log(lg, ...)                                                                           \
    do {                                                                                           \
        if ((lg)->enabled)                                                                         \
            mhd_log_emit((lg), __VA_ARGS__);                                                       \
    } while (0)

#endif
