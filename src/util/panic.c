#include "util/panic.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "microhttpd.h"

/* The handler and its closure are published together through one pointer so
 * that a thread panicking while another sets a new handler sees a matching
 * pair. */
struct panic_handler {
    MHD_PanicCallback cb;
    void *cls;
};

static struct panic_handler handlers[2];
static _Atomic(struct panic_handler *) current;
static atomic_int next_slot;

_MHD_EXTERN void MHD_set_panic_func(MHD_PanicCallback cb, void *cls)
{
    if (cb == NULL) {
        atomic_store(&current, NULL);
        return;
    }
    int slot = atomic_fetch_add(&next_slot, 1) & 1;
    handlers[slot].cb = cb;
    handlers[slot].cls = cls;
    atomic_store(&current, &handlers[slot]);
}

void mhd_panic_at(const char *file, unsigned int line, const char *reason)
{
    struct panic_handler *h = atomic_load(&current);
    if (h != NULL) {
        h->cb(h->cls, file, line, reason);
    } else {
        fprintf(stderr, "libmicrohttpd: fatal error at %s:%u: %s\n", file ? file : "?", line,
                reason ? reason : "unknown");
    }
    abort();
}
