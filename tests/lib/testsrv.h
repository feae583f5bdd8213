/* Running a daemon under test in any thread mode.
 *
 * ts_start() starts a daemon with the flags of a mode plus the test's own,
 * and for the external modes a driver thread that runs the application's
 * side of the loop (select + MHD_run_from_select, MHD_run_wait, or epoll +
 * MHD_run). ts_stop() stops the driver and the daemon. Every test loops over
 * the modes it applies to with TS_FOR_EACH_MODE. */
#ifndef MHD_TEST_TESTSRV_H
#define MHD_TEST_TESTSRV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "microhttpd.h"

enum ts_mode {
    TS_EXT_SELECT,   /* MHD_get_fdset2 + select + MHD_run_from_select2 */
    TS_EXT_RUN_WAIT, /* MHD_run_wait */
    TS_EXT_RUN,      /* MHD_get_timeout64 + poll on the listen socket + MHD_run */
    TS_EXT_EPOLL,    /* MHD_USE_EPOLL: MHD_DAEMON_INFO_EPOLL_FD in the app's epoll set + MHD_run */
    TS_INT_SELECT,   /* MHD_USE_INTERNAL_POLLING_THREAD */
    TS_INT_POLL,     /* MHD_USE_POLL_INTERNAL_THREAD */
    TS_INT_EPOLL,    /* MHD_USE_EPOLL_INTERNAL_THREAD */
    TS_POOL_SELECT,  /* internal threads, pool of 3 */
    TS_POOL_POLL,
    TS_POOL_EPOLL,
    TS_TPC_SELECT,   /* MHD_USE_THREAD_PER_CONNECTION */
    TS_TPC_POLL,
    TS_MODE_COUNT
};

extern const char *const ts_mode_names[TS_MODE_COUNT];

/* The modes the library implements today; tests run in all of them. */
bool ts_mode_available(enum ts_mode m);

/* True for modes where the application drives the loop. */
bool ts_mode_external(enum ts_mode m);

struct test_server {
    struct MHD_Daemon *d;
    enum ts_mode mode;
    uint16_t port;
    pthread_t driver;
    bool has_driver;
    atomic_bool stop;
    /* How long the MHD_run_wait driver waits per call (default 50 ms, so
     * that ts_stop() is prompt). A test that measures how fast the daemon
     * wakes raises it; MHD_run_wait must then return on the daemon's own
     * wake-up. */
    atomic_int run_wait_ms;
    int wake[2]; /* the driver's own wake-up pipe */
};

/* Starts a daemon in `mode` on an ephemeral loopback port with `flags`
 * added and the options in `opts` (an MHD_OPTION_END-terminated array, may
 * be NULL). Returns false (and logs why) if the daemon did not start. */
bool ts_start(struct test_server *ts, enum ts_mode mode, unsigned int flags,
              MHD_AccessHandlerCallback handler, void *cls, const struct MHD_OptionItem *opts);

/* The same with an accept policy callback. */
bool ts_start_apc(struct test_server *ts, enum ts_mode mode, unsigned int flags,
                  MHD_AcceptPolicyCallback apc, void *apc_cls, MHD_AccessHandlerCallback handler,
                  void *cls, const struct MHD_OptionItem *opts);

/* Stops the driver (if any) and the daemon. */
void ts_stop(struct test_server *ts);

/* The monotonic clock in milliseconds, for measuring latencies. */
uint64_t ts_now_ms(void);

/* This process's resident memory (VmRSS) in KiB, -1 if unknown. */
long ts_rss_kib(void);

/* The CLOCK_REALTIME time `ms` milliseconds from now, for
 * pthread_cond_timedwait. */
void ts_deadline(struct timespec *t, int ms);

/* Waits, at most `ms`, until `*counter` (guarded by `lock`, changes
 * signalled on `cond`) reaches `want`; false if it did not. */
bool ts_wait_count(pthread_mutex_t *lock, pthread_cond_t *cond, const int *counter, int want,
                   int ms);

/* `*value` read under `lock`. */
int ts_read_locked(pthread_mutex_t *lock, const int *value);

/* For access handlers: true on the first call of a request (headers only),
 * which it marks as seen in *req_cls (when still NULL); the handler then
 * returns MHD_YES. */
bool ts_first_call(void **req_cls);

/* Queues `text` (copied) with `status`; what MHD_queue_response returned. */
enum MHD_Result ts_reply(struct MHD_Connection *c, unsigned int status, const char *text);

/* Runs `body` once per available mode with `mode` set. */
#define TS_FOR_EACH_MODE(mode)                                                                     \
    for (enum ts_mode mode = 0; mode < TS_MODE_COUNT; mode++)                                      \
        if (ts_mode_available(mode))

#endif
