#include "bodies.h"

#include <stdlib.h>

unsigned char tb_pat(uint64_t pos)
{
    return (unsigned char)((pos * 2654435761u) >> 13);
}

bool tb_is_pattern(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)p[i] != tb_pat(i))
            return false;
    return true;
}

uint64_t tb_arg(struct MHD_Connection *c, const char *name, uint64_t dflt)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    return v ? strtoull(v, NULL, 10) : dflt;
}

bool tb_first_call(void **req_cls)
{
    static int marker;
    if (*req_cls != NULL)
        return false;
    *req_cls = &marker;
    return true;
}

void tb_get(CURL *curl, uint16_t port, const char *path, bool http10, struct tc_reply *r)
{
    struct tc_request rq = {0};
    rq.path = path;
    rq.http10 = http10;
    tc_perform(curl, port, &rq, r);
}

bool tb_wait_count(atomic_uint *a, unsigned int want, int ms)
{
    for (int i = 0; i < ms && atomic_load(a) < want; i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return atomic_load(a) >= want;
}

double tb_ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}
