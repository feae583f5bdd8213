/* Small helpers shared by the tests of response bodies and of upgrade: a
 * deterministic byte pattern to compare large bodies with, request
 * arguments as numbers, the access handler's first call, a GET through a
 * reusable libcurl handle, and bounded waits for a counter or a time. */
#ifndef MHD_TEST_BODIES_H
#define MHD_TEST_BODIES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "client.h"
#include "microhttpd.h"

/* Byte `pos` of the pattern, and whether p[0 .. len) is the pattern from
 * position 0. */
unsigned char tb_pat(uint64_t pos);
bool tb_is_pattern(const char *p, size_t len);

/* The query argument `name` of the request as a number, `dflt` if absent. */
uint64_t tb_arg(struct MHD_Connection *c, const char *name, uint64_t dflt);

/* For an access handler: true on a request's first call (headers only),
 * after marking *req_cls so that the next call is not taken for one. */
bool tb_first_call(void **req_cls);

/* GET `path` on `curl` (kept alive between calls), HTTP/1.0 if asked. */
void tb_get(CURL *curl, uint16_t port, const char *path, bool http10, struct tc_reply *r);

/* Waits until *a reaches `want` or `ms` milliseconds pass; true if reached. */
bool tb_wait_count(atomic_uint *a, unsigned int want, int ms);

/* Milliseconds since `t0` (CLOCK_MONOTONIC). */
double tb_ms_since(const struct timespec *t0);

#endif
