#include "testsrv.h"
#include "tlstest.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

const char *const ts_mode_names[TS_MODE_COUNT] = {
    "ext-select", "ext-run-wait", "ext-run",   "ext-epoll",   "int-select",  "int-poll",
    "int-epoll",  "pool-select",  "pool-poll", "pool-epoll", "tpc-select", "tpc-poll",
};

uint64_t ts_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

void ts_deadline(struct timespec *t, int ms)
{
    clock_gettime(CLOCK_REALTIME, t);
    t->tv_sec += ms / 1000;
    t->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

bool ts_wait_count(pthread_mutex_t *lock, pthread_cond_t *cond, const int *counter, int want,
                   int ms)
{
    struct timespec until;
    ts_deadline(&until, ms);
    pthread_mutex_lock(lock);
    while (*counter < want && pthread_cond_timedwait(cond, lock, &until) == 0)
        ;
    bool ok = *counter >= want;
    pthread_mutex_unlock(lock);
    return ok;
}

int ts_read_locked(pthread_mutex_t *lock, const int *value)
{
    pthread_mutex_lock(lock);
    int v = *value;
    pthread_mutex_unlock(lock);
    return v;
}

bool ts_first_call(void **req_cls)
{
    static int seen;
    if (*req_cls != NULL)
        return false;
    *req_cls = &seen;
    return true;
}

enum MHD_Result ts_reply(struct MHD_Connection *c, unsigned int status, const char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer_copy(strlen(text), text);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

bool ts_mode_available(enum ts_mode m)
{
    if (m >= TS_MODE_COUNT)
        return false;
    /* TS_MODES="int-epoll,tpc-poll" runs only the modes named (to debug one
     * mode or to count the checks per mode); "none" runs none. */
    const char *only = getenv("TS_MODES");
    if (only == NULL || *only == '\0')
        return true;
    size_t n = strlen(ts_mode_names[m]);
    for (const char *p = only; (p = strstr(p, ts_mode_names[m])) != NULL; p += n) {
        if ((p == only || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
            return true;
    }
    return false;
}

bool ts_mode_external(enum ts_mode m)
{
    return m <= TS_EXT_EPOLL;
}

static unsigned int mode_flags(enum ts_mode m)
{
    switch (m) {
    case TS_EXT_SELECT:
    case TS_EXT_RUN_WAIT:
    case TS_EXT_RUN:
        return MHD_NO_FLAG;
    case TS_EXT_EPOLL:
        return MHD_USE_EPOLL;
    case TS_INT_SELECT:
    case TS_POOL_SELECT:
        return MHD_USE_INTERNAL_POLLING_THREAD;
    case TS_INT_POLL:
    case TS_POOL_POLL:
        return MHD_USE_POLL_INTERNAL_THREAD;
    case TS_INT_EPOLL:
    case TS_POOL_EPOLL:
        return MHD_USE_EPOLL_INTERNAL_THREAD;
    case TS_TPC_SELECT:
        return MHD_USE_THREAD_PER_CONNECTION;
    case TS_TPC_POLL:
        return MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
    case TS_MODE_COUNT:
        break;
    }
    return 0;
}

static bool is_pool(enum ts_mode m)
{
    return m == TS_POOL_SELECT || m == TS_POOL_POLL || m == TS_POOL_EPOLL;
}

/* The application's loop with select(): our own wake-up pipe is in the read
 * set, so ts_stop() interrupts the wait at once. */
static void drive_select(struct test_server *ts)
{
    while (!atomic_load(&ts->stop)) {
        fd_set rs, ws, es;
        FD_ZERO(&rs);
        FD_ZERO(&ws);
        FD_ZERO(&es);
        MHD_socket max = ts->wake[0];
        FD_SET(ts->wake[0], &rs);
        if (MHD_get_fdset2(ts->d, &rs, &ws, &es, &max, FD_SETSIZE) != MHD_YES) {
            fprintf(stderr, "MHD_get_fdset2 failed\n");
            return;
        }
        uint64_t to;
        struct timeval tv, *tvp = NULL;
        if (MHD_get_timeout64(ts->d, &to) == MHD_YES) {
            tv.tv_sec = (time_t)(to / 1000);
            tv.tv_usec = (suseconds_t)((to % 1000) * 1000);
            tvp = &tv;
        }
        if (select(max + 1, &rs, &ws, &es, tvp) < 0 && errno != EINTR) {
            perror("select");
            return;
        }
        MHD_run_from_select2(ts->d, &rs, &ws, &es, FD_SETSIZE);
    }
}

static void drive_run_wait(struct test_server *ts)
{
    /* MHD_run_wait cannot be interrupted from outside; a bounded wait keeps
     * ts_stop() prompt. */
    while (!atomic_load(&ts->stop))
        MHD_run_wait(ts->d, atomic_load(&ts->run_wait_ms));
}

/* The application's own epoll set holds the daemon's epoll descriptor
 * (MHD_DAEMON_INFO_EPOLL_FD) beside its own wake pipe; it waits with
 * epoll_wait for as long as MHD_get_timeout64s allows, then calls MHD_run. */
static void drive_epoll(struct test_server *ts)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(ts->d, MHD_DAEMON_INFO_EPOLL_FD);
    int app = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ts->wake[0]};
    if (info == NULL || info->epoll_fd < 0 || app < 0 ||
        epoll_ctl(app, EPOLL_CTL_ADD, ts->wake[0], &ev) != 0) {
        fprintf(stderr, "no epoll descriptor to wait on\n");
        if (app >= 0)
            close(app);
        return;
    }
    ev.data.fd = info->epoll_fd;
    epoll_ctl(app, EPOLL_CTL_ADD, info->epoll_fd, &ev);
    while (!atomic_load(&ts->stop)) {
        struct epoll_event got[2];
        int64_t to = MHD_get_timeout64s(ts->d);
        epoll_wait(app, got, 2, to < 0 ? -1 : (int)(to > 1000 ? 1000 : to));
        MHD_run(ts->d);
    }
    close(app);
}

static void drive_run(struct test_server *ts)
{
    /* Only the timeout is asked for; the loop polls all our descriptors
     * through MHD_get_fdset2 converted to a poll set. */
    while (!atomic_load(&ts->stop)) {
        fd_set rs, ws, es;
        FD_ZERO(&rs);
        FD_ZERO(&ws);
        FD_ZERO(&es);
        MHD_socket max = -1;
        MHD_get_fdset2(ts->d, &rs, &ws, &es, &max, FD_SETSIZE);
        struct pollfd p[FD_SETSIZE];
        int n = 0;
        p[n++] = (struct pollfd){ts->wake[0], POLLIN, 0};
        for (int fd = 0; fd <= max; fd++) {
            short ev = 0;
            if (FD_ISSET(fd, &rs))
                ev |= POLLIN;
            if (FD_ISSET(fd, &ws))
                ev |= POLLOUT;
            if (ev)
                p[n++] = (struct pollfd){fd, ev, 0};
        }
        int64_t to = MHD_get_timeout64s(ts->d);
        poll(p, (nfds_t)n, to < 0 ? -1 : (int)(to > 1000 ? 1000 : to));
        MHD_run(ts->d);
    }
}

static void *driver_main(void *arg)
{
    struct test_server *ts = arg;
    switch (ts->mode) {
    case TS_EXT_SELECT:
        drive_select(ts);
        break;
    case TS_EXT_RUN_WAIT:
        drive_run_wait(ts);
        break;
    case TS_EXT_EPOLL:
        drive_epoll(ts);
        break;
    case TS_EXT_RUN:
        drive_run(ts);
        break;
    default:
        break;
    }
    return NULL;
}

bool ts_start(struct test_server *ts, enum ts_mode mode, unsigned int flags,
              MHD_AccessHandlerCallback handler, void *cls, const struct MHD_OptionItem *opts)
{
    return ts_start_apc(ts, mode, flags, NULL, NULL, handler, cls, opts);
}

bool ts_start_apc(struct test_server *ts, enum ts_mode mode, unsigned int flags,
                  MHD_AcceptPolicyCallback apc, void *apc_cls, MHD_AccessHandlerCallback handler,
                  void *cls, const struct MHD_OptionItem *opts)
{
    memset(ts, 0, sizeof(*ts));
    ts->mode = mode;
    atomic_init(&ts->stop, false);
    atomic_init(&ts->run_wait_ms, 50);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    static const struct MHD_OptionItem none[] = {{MHD_OPTION_END, 0, NULL}};
    unsigned int threads = is_pool(mode) ? 3 : 0;
    bool listen = !(flags & MHD_USE_NO_LISTEN_SOCKET);
    /* A run over TLS (TEST_TLS=1) serves every test daemon by HTTPS. */
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)(uintptr_t)tt_file("server.key")},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)(uintptr_t)tt_file("server-chain.pem")},
        {MHD_OPTION_END, 0, NULL},
    };
    if (tt_on())
        flags |= MHD_USE_TLS;
    else
        tls[0].option = MHD_OPTION_END;
    /* A run over HTTP/2 (TEST_H2=1) switches it on as programs do. */
    if (th_on())
        setenv("MHD_HTTP2", "1", 1); /* read by MHD_start_daemon */
    ts->d = MHD_start_daemon(mode_flags(mode) | flags | MHD_USE_ERROR_LOG, 0, apc, apc_cls, handler,
                             cls, MHD_OPTION_SOCK_ADDR_LEN, (socklen_t)(listen ? sizeof(sa) : 0),
                             listen ? &sa : NULL, MHD_OPTION_THREAD_POOL_SIZE, threads,
                             MHD_OPTION_ARRAY, tls, MHD_OPTION_ARRAY, opts ? opts : none,
                             MHD_OPTION_END);
    if (ts->d == NULL) {
        fprintf(stderr, "daemon did not start in mode %s\n", ts_mode_names[mode]);
        return false;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(ts->d, MHD_DAEMON_INFO_BIND_PORT);
    ts->port = info ? info->port : 0;
    if (ts_mode_external(mode)) {
        if (pipe2(ts->wake, O_CLOEXEC | O_NONBLOCK) != 0 ||
            pthread_create(&ts->driver, NULL, driver_main, ts) != 0) {
            MHD_stop_daemon(ts->d);
            return false;
        }
        ts->has_driver = true;
    }
    return true;
}

void ts_stop(struct test_server *ts)
{
    if (ts->has_driver) {
        atomic_store(&ts->stop, true);
        ssize_t n = write(ts->wake[1], "x", 1);
        (void)n;
        pthread_join(ts->driver, NULL);
        close(ts->wake[0]);
        close(ts->wake[1]);
        ts->has_driver = false;
    }
    if (ts->d != NULL)
        MHD_stop_daemon(ts->d);
    ts->d = NULL;
}

long ts_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f != NULL && fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "VmRSS: %ld kB", &v) == 1)
            break;
    if (f != NULL)
        fclose(f);
    return v;
}
