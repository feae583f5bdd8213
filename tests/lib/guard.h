/* Buffers that end flush against an inaccessible page, so that a parser
 * reading one byte past the end of its input faults at once. */
#ifndef MHD_TEST_GUARD_H
#define MHD_TEST_GUARD_H

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct guard_buf {
    char *map;
    size_t map_len;
};

/* Copies `len` bytes of `data` so that the copy's last byte is the last
 * accessible one. The copy is writable (parsers work in place). */
static inline char *guard_copy(struct guard_buf *g, const void *data, size_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t data_pages = (len + page - 1) / page;
    g->map_len = (data_pages + 1) * page;
    g->map = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g->map == MAP_FAILED)
        abort();
    char *end = g->map + data_pages * page;
    if (mprotect(end, page, PROT_NONE) != 0)
        abort();
    char *start = end - len;
    if (len)
        memcpy(start, data, len);
    return start;
}

static inline void guard_free(struct guard_buf *g)
{
    munmap(g->map, g->map_len);
}

#endif
