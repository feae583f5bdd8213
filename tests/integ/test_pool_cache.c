/* The workers' cache of connection pools, seen from the process's heap:
 * after a burst of concurrent requests the pools wait in the cache for the
 * next burst, and those that stay unused for a second are freed, down to
 * what a worker keeps for good. In every mode where a worker serves many
 * connections (a thread per connection holds at most its own pool). */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "testsrv.h"

#define CONNS 100
#define POOL (32u * 1024u) /* the default MHD_OPTION_CONNECTION_MEMORY_LIMIT */

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **req_cls)
{
    (void)cls, (void)url, (void)method, (void)version, (void)upload, (void)upload_size;
    (void)req_cls;
    static const char body[] = "pooled\n";
    struct MHD_Response *r = MHD_create_response_from_buffer_static(sizeof(body) - 1, body);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static size_t heap_in_use(void)
{
    return mallinfo2().uordblks;
}

/* Every connection sends the start of a request, so each takes a pool and
 * waits with it; then all finish at once. */
static bool burst(uint16_t port)
{
    int fd[CONNS];
    static const char head[] = "GET /pool HTTP/1.1\r\nHost: x\r\n";
    int ok = 0;
    for (int i = 0; i < CONNS; i++) {
        fd[i] = rs_connect(port);
        if (fd[i] >= 0)
            rs_send(fd[i], head, sizeof(head) - 1);
    }
    for (int i = 0; i < CONNS; i++) {
        if (fd[i] >= 0)
            rs_send(fd[i], "\r\n", 2);
    }
    for (int i = 0; i < CONNS; i++) {
        if (fd[i] < 0)
            continue;
        char buf[512];
        size_t n = rs_recv_response(fd[i], buf, sizeof(buf), 2000);
        if (n > 0 && rs_status(buf) == 200 && strstr(buf, "pooled\n") != NULL)
            ok++;
        close(fd[i]);
    }
    CHECK_MSG(ok == CONNS, "%d of %d answered", ok, CONNS);
    return ok == CONNS;
}

/* Waits (bounded) until the daemon has closed every connection. */
static void settle(struct MHD_Daemon *d)
{
    uint64_t t0 = now_ms();
    for (;;) {
        const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (i == NULL || i->num_connections == 0 || now_ms() - t0 > 3000)
            return;
        usleep(2 * 1000);
    }
}

static void run_mode(enum ts_mode mode, bool heap_visible)
{
    struct test_server ts;
    if (!ts_start(&ts, mode, 0, handler, NULL, NULL)) {
        CHECK_MSG(false, "%s: daemon did not start", ts_mode_names[mode]);
        return;
    }
    size_t before = heap_in_use();
    bool ok = burst(ts.port);
    settle(ts.d);
    size_t after_burst = heap_in_use();
    /* A second burst reuses the cached pools: the heap does not grow. */
    ok = burst(ts.port) && ok;
    settle(ts.d);
    size_t after_second = heap_in_use();
    if (heap_visible && ok) {
        CHECK_MSG(after_burst > before + 24 * POOL, "%s: pools cached after a burst (%zu -> %zu)",
                  ts_mode_names[mode], before, after_burst);
        /* In a pool each worker has a cache of its own, and a second burst
         * may spread differently over the workers: reuse is checked where
         * one worker serves everything. */
        bool pool = mode >= TS_POOL_SELECT && mode <= TS_POOL_EPOLL;
        if (!pool)
            CHECK_MSG(after_second < after_burst + 8 * POOL,
                      "%s: second burst reused the pools (%zu -> %zu)", ts_mode_names[mode],
                      after_burst, after_second);
        /* Unused for a second, the surplus is freed: what stays is at most
         * the blocks each worker keeps (16 per worker, three workers in a
         * pool) plus slack for the connections still closing. */
        size_t keep = (pool ? 3 : 1) * 16 * POOL;
        uint64_t t0 = now_ms();
        size_t now = heap_in_use();
        while (now > before + keep + 4 * POOL && now_ms() - t0 < 5000) {
            usleep(20 * 1000); /* waiting for the daemon's own timer */
            now = heap_in_use();
        }
        CHECK_MSG(now <= before + keep + 4 * POOL, "%s: cache trimmed (%zu -> %zu, keep %zu)",
                  ts_mode_names[mode], before, now, keep);
        printf("%-12s heap +%zu KiB after a burst, +%zu KiB after trimming (%llu ms)\n",
               ts_mode_names[mode], (after_burst - before) / 1024,
               now > before ? (now - before) / 1024 : 0,
               (unsigned long long)(now_ms() - t0));
    }
    ts_stop(&ts);
}

int main(void)
{
    /* Sanitizers replace malloc and report nothing through mallinfo2(). */
    size_t base = heap_in_use();
    char *volatile probe = malloc(64 * 1024); /* volatile: kept by the compiler */
    bool heap_visible = heap_in_use() >= base + 64 * 1024;
    free(probe);
    if (!heap_visible)
        printf("heap figures not available (sanitizer build): checking answers only\n");
    TS_FOR_EACH_MODE(mode)
    {
        if (mode == TS_TPC_SELECT || mode == TS_TPC_POLL)
            continue;
        run_mode(mode, heap_visible);
    }
    return check_done();
}
