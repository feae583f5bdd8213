/* One connection must never starve the others. Beside a client that reads
 * an endless (or huge) body as fast as it can, or uploads one as fast as it
 * can, another client's requests keep being answered promptly, in every
 * thread mode; the streaming client then aborts and its response is
 * released; and the daemon stops promptly while such a stream runs. Bodies:
 * a content reader giving one byte per call (the worst case: the socket
 * never fills), one giving whole blocks, a file sent by sendfile, an iovec
 * body of 4 GiB, and an endless upload.
 *
 * The issue's own case comes first: an application's loop of
 * MHD_get_fdset, select and MHD_run beside a one-byte-per-call stream, where
 * each MHD_run must return after a bounded share and MHD_get_timeout must
 * say 0 while the stream can go on.
 *
 * The latencies of the other client (p50, p99, max) are printed per mode;
 * FAIRNESS_PINGS sets how many requests it makes (default 60) and
 * FAIRNESS_ONLY=/drip (or another body) runs one body only, for
 * measurements (DESIGN.md, "Fairness"). */
#include <arpa/inet.h>
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "bodies.h"
#include "check.h"
#include "client.h"
#include "slow.h"
#include "testsrv.h"

#define SLICE ((size_t)1 << 20)
#define IOV_COUNT 4096u /* 4 GiB from one 1 MiB slice */
#define FILE_SIZE ((uint64_t)1 << 40)

static char zeros[SLICE];
static int sparse_fd = -1;
static atomic_uint created, released, aborted, completed_ok;

/* ---- the application ---------------------------------------------------- */

static void on_free(void *cls)
{
    (void)cls;
    atomic_fetch_add(&released, 1);
}

static ssize_t drip(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)cls;
    (void)pos;
    (void)max;
    buf[0] = 'd';
    return 1;
}

static ssize_t flood(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)cls;
    (void)pos;
    memset(buf, 'f', max);
    return (ssize_t)max;
}

static struct MHD_Response *make_stream(const char *url)
{
    struct MHD_Response *r = NULL;
    if (strcmp(url, "/drip") == 0) {
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1024, drip, NULL, on_free);
    } else if (strcmp(url, "/blocks") == 0) {
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 65536, flood, NULL, on_free);
    } else if (strcmp(url, "/iovec") == 0) {
        static struct MHD_IoVec iov[IOV_COUNT];
        for (unsigned int i = 0; i < IOV_COUNT; i++) {
            iov[i].iov_base = zeros;
            iov[i].iov_len = SLICE;
        }
        r = MHD_create_response_from_iovec(iov, IOV_COUNT, on_free, NULL);
    } else if (strcmp(url, "/file") == 0) {
        /* No free callback: its release shows as its descriptor closing. */
        return MHD_create_response_from_fd64(FILE_SIZE, dup(sparse_fd));
    }
    if (r != NULL)
        atomic_fetch_add(&created, 1);
    return r;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)method;
    (void)version;
    (void)upload_data;
    if (tb_first_call(req_cls))
        return MHD_YES;
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* an upload: swallowed, it never ends */
        return MHD_YES;
    }
    if (strcmp(url, "/ping") == 0)
        return ts_reply(c, MHD_HTTP_OK, "pong");
    struct MHD_Response *r = make_stream(url);
    if (r == NULL)
        return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)req_cls;
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        atomic_fetch_add(&completed_ok, 1);
    else
        atomic_fetch_add(&aborted, 1);
}

/* ---- the streaming client (libcurl, in a thread of its own) ------------- */

struct streamer {
    uint16_t port;
    const char *path;
    bool upload;
    atomic_bool stop;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned long long bytes; /* moved so far, under lock */
    CURLcode code;
    pthread_t thread;
};

static size_t moved(struct streamer *s, size_t n)
{
    if (atomic_load(&s->stop))
        return 0; /* libcurl aborts the transfer and closes the socket */
    pthread_mutex_lock(&s->lock);
    s->bytes += n;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    return n;
}

static size_t on_body(char *p, size_t size, size_t n, void *cls)
{
    (void)p;
    return moved(cls, size * n);
}

static size_t on_read(char *p, size_t size, size_t n, void *cls)
{
    size_t len = size * n;
    memset(p, 'u', len);
    return moved(cls, len) == 0 ? CURL_READFUNC_ABORT : len;
}

static void *stream_main(void *arg)
{
    struct streamer *s = arg;
    CURL *curl = curl_easy_init();
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", (unsigned int)s->port, s->path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, test_ms(60000));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, s);
    if (s->upload) {
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)1 << 50);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(curl, CURLOPT_READDATA, s);
        curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, 65536L);
    }
    s->code = curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    pthread_mutex_lock(&s->lock);
    atomic_store(&s->stop, true);
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static void stream_start(struct streamer *s, uint16_t port, const char *path)
{
    memset(s, 0, sizeof(*s));
    s->port = port;
    s->path = path;
    s->upload = strcmp(path, "/upload") == 0;
    atomic_init(&s->stop, false);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    pthread_create(&s->thread, NULL, stream_main, s);
}

static unsigned long long stream_bytes(struct streamer *s)
{
    pthread_mutex_lock(&s->lock);
    unsigned long long b = s->bytes;
    pthread_mutex_unlock(&s->lock);
    return b;
}

/* Waits until the stream moved `want` bytes (false if it ended or did not
 * within `ms`). */
static bool stream_wait(struct streamer *s, unsigned long long want, int ms)
{
    struct timespec until;
    ts_deadline(&until, ms);
    pthread_mutex_lock(&s->lock);
    while (s->bytes < want && !atomic_load(&s->stop) &&
           pthread_cond_timedwait(&s->cond, &s->lock, &until) == 0)
        ;
    bool ok = s->bytes >= want;
    pthread_mutex_unlock(&s->lock);
    return ok;
}

/* The client gives up: the next callback tells libcurl to abort. */
static void stream_abort(struct streamer *s)
{
    atomic_store(&s->stop, true);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
}

/* ---- the other client --------------------------------------------------- */

static uint64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static unsigned int pings_wanted(void)
{
    const char *s = getenv("FAIRNESS_PINGS");
    long n = s != NULL ? strtol(s, NULL, 10) : 60;
    return n > 0 && n <= 100000 ? (unsigned int)n : 60;
}

/* Asks for "/ping" `n` times on one keep-alive connection; fills lat[] (in
 * microseconds, sorted) and returns how many were answered. */
static unsigned int ping(uint16_t port, unsigned int n, uint64_t *lat)
{
    CURL *curl = curl_easy_init();
    unsigned int ok = 0;
    for (unsigned int i = 0; i < n; i++) {
        struct tc_request rq = {.path = "/ping", .timeout_ms = 5000};
        struct tc_reply r;
        uint64_t t0 = now_us();
        tc_perform(curl, port, &rq, &r);
        lat[i] = now_us() - t0;
        ok += r.status == 200 && strcmp(r.body, "pong") == 0;
        tc_reply_free(&r);
    }
    curl_easy_cleanup(curl);
    qsort(lat, n, sizeof(*lat), cmp_u64);
    return ok;
}

/* ---- scenarios ---------------------------------------------------------- */

static const struct MHD_OptionItem options[] = {
    {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL},
    /* SIGPIPE is ignored by this program: file bodies go by sendfile in
     * the external modes too. */
    {MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1, NULL},
    {MHD_OPTION_END, 0, NULL},
};

/* How many descriptors of this process refer to the sparse file: its own,
 * and one per file response not yet released. Told by the links in
 * /proc/self/fd, without touching descriptors that workers may be closing
 * meanwhile. */
static int file_refs(void)
{
    char path[300], want[256], link[256];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", sparse_fd);
    ssize_t wn = readlink(path, want, sizeof(want));
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;
    while (wn > 0 && d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
        ssize_t ln = readlink(path, link, sizeof(link));
        n += ln == wn && memcmp(link, want, (size_t)wn) == 0;
    }
    if (d != NULL)
        closedir(d);
    return n;
}

static bool wait_file_released(int ms)
{
    for (int i = 0; i < ms && file_refs() > 1; i++) {
        struct timespec t = {0, 1000000};
        nanosleep(&t, NULL);
    }
    return file_refs() == 1;
}

/* A stream runs beside `n` pings; then its client aborts and the daemon
 * releases the response. */
static void beside_stream(enum ts_mode mode, const char *path, unsigned int n)
{
    const char *name = ts_mode_names[mode];
    struct test_server ts;
    atomic_store(&created, 0);
    atomic_store(&released, 0);
    atomic_store(&aborted, 0);
    if (!ts_start(&ts, mode, 0, handler, NULL, options)) {
        CHECK_MSG(0, "%s: start", name);
        return;
    }
    struct streamer s;
    stream_start(&s, ts.port, path);
    CHECK_MSG(stream_wait(&s, 65536, (int)test_ms(10000)), "%s %s: the stream does not flow", name,
              path);
    unsigned long long before = stream_bytes(&s);
    uint64_t *lat = calloc(n, sizeof(*lat));
    unsigned int ok = ping(ts.port, n, lat);
    CHECK_MSG(ok == n, "%s %s: %u of %u requests answered beside the stream", name, path, ok, n);
    uint64_t p50 = lat[n / 2], p99 = lat[(n * 99) / 100], max = lat[n - 1];
    /* Promptly: a stalled loop makes them wait for curl's timeout. */
    CHECK_MSG(p99 < (uint64_t)test_ms(1000) * 1000u, "%s %s: p99 %llu us", name, path,
              (unsigned long long)p99);
    /* The stream was not starved either. */
    uint64_t t0 = ts_now_ms();
    bool flowed = stream_wait(&s, before + 65536, (int)test_ms(10000));
    /* What a stall looked like: bytes before and after, whether libcurl's
     * transfer ended, and how. */
    CHECK_MSG(flowed,
              "%s %s: the stream stalled beside the requests (%llu bytes before them, %llu "
              "after %llu ms; transfer %s, curl code %d)",
              name, path, before, stream_bytes(&s), (unsigned long long)(ts_now_ms() - t0),
              atomic_load(&s.stop) ? "ended" : "running", atomic_load(&s.stop) ? (int)s.code : 0);
    printf("%-12s %-8s p50 %6llu us  p99 %6llu us  max %6llu us  (%u requests, stream %llu "
           "KiB)\n",
           name, path, (unsigned long long)p50, (unsigned long long)p99, (unsigned long long)max, n,
           stream_bytes(&s) >> 10);
    free(lat);
    stream_abort(&s);
    CHECK_MSG(tb_wait_count(&aborted, 1, (int)test_ms(5000)), "%s %s: the abort was not reported",
              name, path);
    CHECK_MSG(tb_wait_count(&released, atomic_load(&created), (int)test_ms(5000)),
              "%s %s: the response was not released after the abort", name, path);
    CHECK_MSG(wait_file_released((int)test_ms(5000)),
              "%s %s: a file response was not released after the abort", name, path);
    ts_stop(&ts);
    CHECK_EQ_INT(atomic_load(&released), atomic_load(&created));
}

/* MHD_stop_daemon while an endless stream flows returns promptly and
 * releases the response. */
static void stop_while_streaming(enum ts_mode mode)
{
    const char *name = ts_mode_names[mode];
    struct test_server ts;
    atomic_store(&created, 0);
    atomic_store(&released, 0);
    if (!ts_start(&ts, mode, 0, handler, NULL, options)) {
        CHECK_MSG(0, "%s: start", name);
        return;
    }
    struct streamer s;
    stream_start(&s, ts.port, "/drip");
    CHECK_MSG(stream_wait(&s, 65536, (int)test_ms(10000)), "%s: the stream does not flow", name);
    uint64_t t0 = now_us();
    ts_stop(&ts);
    uint64_t took = now_us() - t0;
    CHECK_MSG(took < (uint64_t)test_ms(3000) * 1000u, "%s: stopping took %llu us", name,
              (unsigned long long)took);
    CHECK_EQ_INT(atomic_load(&released), atomic_load(&created));
    stream_abort(&s);
    CHECK_MSG(s.code != CURLE_OK, "%s: the stream ended cleanly at the stop", name);
}

/* The application's loop of MHD_get_fdset, select and MHD_run, here in the
 * test's own thread, beside an endless one-byte-per-call stream: every
 * MHD_run returns after a bounded amount of work, MHD_get_timeout says 0
 * while the stream can go on, and the client's abort releases the
 * response. */
static void app_loop_beside_drip(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_ERROR_LOG, 0, NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR_LEN,
                         (socklen_t)sizeof(sa), &sa, MHD_OPTION_ARRAY, options, MHD_OPTION_END);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    if (d == NULL || info == NULL) {
        CHECK_MSG(0, "app loop: start");
        return;
    }
    atomic_store(&created, 0);
    atomic_store(&released, 0);
    atomic_store(&aborted, 0);
    struct streamer s;
    stream_start(&s, info->port, "/drip");
    uint64_t longest = 0, deadline = now_us() + (uint64_t)test_ms(20000) * 1000u;
    unsigned int runs = 0, zero = 0;
    bool aborting = false;
    while (now_us() < deadline && atomic_load(&aborted) == 0) {
        if (!aborting && stream_bytes(&s) >= 65536) {
            stream_abort(&s); /* the client goes away; the loop goes on */
            aborting = true;
        }
        fd_set rs, ws, es;
        FD_ZERO(&rs);
        FD_ZERO(&ws);
        FD_ZERO(&es);
        MHD_socket max = -1;
        MHD_get_fdset(d, &rs, &ws, &es, &max);
        uint64_t to = 1000;
        if (MHD_get_timeout64(d, &to) == MHD_YES && to == 0 && !aborting)
            zero++;
        struct timeval tv = {0, (suseconds_t)(to > 100 ? 100000 : to * 1000)};
        select(max + 1, &rs, &ws, &es, &tv);
        uint64_t t0 = now_us();
        MHD_run(d);
        uint64_t took = now_us() - t0;
        longest = took > longest ? took : longest;
        runs++;
    }
    if (!aborting)
        stream_abort(&s);
    CHECK_MSG(atomic_load(&aborted) == 1, "app loop: the abort was not seen (%u runs)", runs);
    CHECK_MSG(runs > 10, "app loop: only %u MHD_run calls", runs);
    CHECK_MSG(zero > 0, "app loop: MHD_get_timeout never said 0 beside the stream");
    CHECK_MSG(longest < (uint64_t)test_ms(500) * 1000u, "app loop: one MHD_run took %llu us",
              (unsigned long long)longest);
    CHECK_EQ_INT(atomic_load(&released), atomic_load(&created));
    printf("app loop     /drip    %u MHD_run calls, the longest %llu us\n", runs,
           (unsigned long long)longest);
    MHD_stop_daemon(d);
}

int main(void)
{
    (void)test_slow(); /* read once, before any thread does */
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* In memory: its holes read as zeros without filling the page cache. */
    sparse_fd = memfd_create("mhd-test-fair", MFD_CLOEXEC);
    CHECK(sparse_fd >= 0 && ftruncate(sparse_fd, (off_t)FILE_SIZE) == 0);
    static const char *const streams[] = {"/drip", "/blocks", "/file", "/iovec", "/upload"};
    unsigned int n = pings_wanted();
    app_loop_beside_drip();
    TS_FOR_EACH_MODE(mode)
    {
        for (size_t i = 0; i < sizeof(streams) / sizeof(streams[0]); i++)
            if (getenv("FAIRNESS_ONLY") == NULL || strcmp(getenv("FAIRNESS_ONLY"), streams[i]) == 0)
                beside_stream(mode, streams[i], n);
        stop_while_streaming(mode);
    }
    close(sparse_fd);
    curl_global_cleanup();
    return check_done();
}
