#include "util/log.h"

#include <stdio.h>

void mhd_log_emit(const struct mhd_logger *lg, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (lg->fn != NULL) {
        lg->fn(lg->cls, fmt, ap);
    } else {
        /* One buffered write so that lines of concurrent threads do not mix. */
        char line[1024];
        int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
        if (n < 0)
            n = 0;
        if ((size_t)n > sizeof(line) - 2)
            n = (int)sizeof(line) - 2;
        if (n == 0 || line[n - 1] != '\n')
            line[n++] = '\n';
        line[n] = '\0';
        fputs(line, stderr);
    }
    va_end(ap);
}
