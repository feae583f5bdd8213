/* Suspend and resume in every mode: requests pipelined behind a suspended
 * one are answered in order after the resume; resumes come from the test's
 * own thread, from a handler on one of the daemon's threads and from the
 * suspending handler itself; an upload suspended half way goes on after the
 * resume; a resumed connection is served at once (measured), also when the
 * loop sleeps in MHD_run_wait, epoll_wait or select with a long timeout; and
 * stopping the daemon with connections still suspended, or while another
 * thread keeps resuming them, returns promptly and reports every request as
 * ended by the shutdown. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "testsrv.h"

#define MAX_PARKED 64

/* The application's list of suspended connections. Handlers add to it
 * before suspending; resumers empty it; the completion callback takes a
 * connection off it, so nobody resumes a connection that has ended. */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct MHD_Connection *conn[MAX_PARKED];
    int n;
    int total; /* suspensions so far */
    bool double_resume;
} pk = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {NULL}, 0, 0, false};

static atomic_int shutdown_reports;
static atomic_int completions;

/* Per-request state, freed by the completion callback (a request the
 * callback never reports would show as a leak under ASan). */
struct req {
    int parks;
    size_t uploaded;
};

static void reset_parked(void)
{
    pthread_mutex_lock(&pk.lock);
    pk.n = 0;
    pk.total = 0;
    pk.double_resume = false;
    pthread_mutex_unlock(&pk.lock);
    atomic_store(&shutdown_reports, 0);
    atomic_store(&completions, 0);
}

static void park(struct MHD_Connection *c, struct req *rq)
{
    pthread_mutex_lock(&pk.lock);
    if (pk.n < MAX_PARKED)
        pk.conn[pk.n++] = c;
    pk.total++;
    rq->parks++;
    pthread_cond_broadcast(&pk.cond);
    pthread_mutex_unlock(&pk.lock);
    MHD_suspend_connection(c);
}

/* Resumes every parked connection; returns how many. */
static int resume_all(void)
{
    pthread_mutex_lock(&pk.lock);
    int n = pk.n;
    for (int i = 0; i < n; i++) {
        MHD_resume_connection(pk.conn[i]);
        if (pk.double_resume)
            MHD_resume_connection(pk.conn[i]); /* a second resume is harmless */
    }
    pk.n = 0;
    pthread_mutex_unlock(&pk.lock);
    return n;
}

/* Waits until `want` connections are parked (at most 5 s). */
static bool wait_parked(int want)
{
    return ts_wait_count(&pk.lock, &pk.cond, &pk.n, want, 5000);
}

static int total_parks(void)
{
    return ts_read_locked(&pk.lock, &pk.total);
}

static int parked_now(void)
{
    return ts_read_locked(&pk.lock, &pk.n);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    pthread_mutex_lock(&pk.lock);
    for (int i = 0; i < pk.n; i++) {
        if (pk.conn[i] == c) {
            pk.conn[i] = pk.conn[--pk.n];
            break;
        }
    }
    pthread_mutex_unlock(&pk.lock);
    if (toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN)
        atomic_fetch_add(&shutdown_reports, 1);
    atomic_fetch_add(&completions, 1);
    free(*req_cls);
    *req_cls = NULL;
}

/* /park suspends once in its final call, /churn every time it is called,
 * /upload-park in its first body call; /self suspends and resumes itself;
 * /resume-all resumes every parked connection from the daemon's thread.
 * Answers "<url>:<suspensions>:<bytes uploaded>". */
static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)method;
    (void)version;
    (void)upload_data;
    struct req *rq = *req_cls;
    if (rq == NULL) {
        *req_cls = rq = calloc(1, sizeof(*rq));
        return rq ? MHD_YES : MHD_NO;
    }
    if (*upload_data_size) {
        rq->uploaded += *upload_data_size;
        *upload_data_size = 0;
        if (strcmp(url, "/upload-park") == 0 && rq->parks == 0)
            park(c, rq);
        return MHD_YES;
    }
    if ((strcmp(url, "/park") == 0 && rq->parks == 0) || strcmp(url, "/churn") == 0) {
        park(c, rq);
        return MHD_YES;
    }
    if (strcmp(url, "/self") == 0 && rq->parks == 0) {
        rq->parks++;
        MHD_suspend_connection(c);
        MHD_resume_connection(c);
        return MHD_YES;
    }
    if (strcmp(url, "/resume-all") == 0)
        resume_all();
    char out[128];
    snprintf(out, sizeof(out), "%s:%d:%zu", url, rq->parks, rq->uploaded);
    return ts_reply(c, MHD_HTTP_OK, out);
}

static bool start(struct test_server *ts, enum ts_mode mode, unsigned int timeout_s)
{
    reset_parked();
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, timeout_s, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    bool ok = ts_start(ts, mode, MHD_ALLOW_SUSPEND_RESUME, handler, NULL, opts);
    CHECK_MSG(ok, "%s: daemon did not start", ts_mode_names[mode]);
    return ok;
}

/* Connects and sends `req`; -1 on failure. */
static int send_request(uint16_t port, const char *req)
{
    int fd = rs_connect(port);
    if (fd >= 0 && !rs_send(fd, req, strlen(req))) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* True when nothing arrives on `fd` for `ms` milliseconds. */
static bool silent_for(int fd, int ms)
{
    char buf[256];
    bool closed = false;
    return rs_recv(fd, buf, sizeof(buf), ms, &closed) == 0 && !closed;
}

/* Two requests pipelined behind a suspended one wait for it and are
 * answered in order after the resume from the test's thread. */
static void test_pipelined(enum ts_mode mode)
{
    struct test_server ts;
    if (!start(&ts, mode, 0))
        return;
    const char *name = ts_mode_names[mode];
    int fd = send_request(ts.port, "GET /park HTTP/1.1\r\nHost: h\r\n\r\n"
                                   "GET /after1 HTTP/1.1\r\nHost: h\r\n\r\n"
                                   "GET /after2 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    CHECK(fd >= 0);
    CHECK_MSG(wait_parked(1), "%s: /park never suspended", name);
    CHECK_MSG(silent_for(fd, 150), "%s: answered while suspended", name);
    pthread_mutex_lock(&pk.lock);
    pk.double_resume = true;
    pthread_mutex_unlock(&pk.lock);
    CHECK_EQ_INT(resume_all(), 1);
    char buf[4096];
    bool closed = false;
    rs_recv(fd, buf, sizeof(buf), 5000, &closed);
    const char *a = strstr(buf, "/park:1:0");
    const char *b = strstr(buf, "/after1:0:0");
    const char *c = strstr(buf, "/after2:0:0");
    CHECK_MSG(a && b && c && a < b && b < c, "%s: got %s", name, buf);
    CHECK_EQ_INT(rs_count_responses(buf), 3);
    CHECK_MSG(closed, "%s: not closed after the last request", name);
    close(fd);
    ts_stop(&ts);
    CHECK_EQ_INT(atomic_load(&completions), 3);
}

/* Time from MHD_resume_connection to the response, with the loop asleep:
 * the connection timeout is long, so only the daemon's wake-up can make it
 * fast. */
static void test_latency(enum ts_mode mode)
{
    struct test_server ts;
    if (!start(&ts, mode, 30))
        return;
    const char *name = ts_mode_names[mode];
    atomic_store(&ts.run_wait_ms, 5000);
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int k = 0; k < 3; k++) {
        int fd = send_request(ts.port, "GET /park HTTP/1.1\r\nHost: h\r\n\r\n");
        CHECK_MSG(wait_parked(1), "%s: /park never suspended", name);
        /* The loop has gone back to sleep by now. */
        CHECK(silent_for(fd, 100));
        uint64_t t0 = ts_now_ms();
        resume_all();
        char buf[1024];
        size_t n = rs_recv_response(fd, buf, sizeof(buf), 3000);
        uint64_t took = ts_now_ms() - t0;
        CHECK_MSG(n > 0 && strstr(buf, "/park:1:0"), "%s: got %s", name, buf);
        lo = took < lo ? took : lo;
        hi = took > hi ? took : hi;
        if (k == 2)
            atomic_store(&ts.run_wait_ms, 50); /* the close below wakes the loop */
        close(fd);
    }
    printf("resume latency %-12s min %llu ms max %llu ms\n", name, (unsigned long long)lo,
           (unsigned long long)hi);
    CHECK_MSG(lo < 50, "%s: resumed connection served after %llu ms", name, (unsigned long long)lo);
    CHECK_MSG(hi < 500, "%s: resumed connection served after %llu ms", name,
              (unsigned long long)hi);
    ts_stop(&ts);
}

/* Resumes issued from a handler running on one of the daemon's threads
 * (another worker of a pool, another connection's thread, or the very loop
 * that owns the suspended connection), and from the suspending handler. */
static void test_resume_from_daemon(enum ts_mode mode)
{
    struct test_server ts;
    if (!start(&ts, mode, 0))
        return;
    const char *name = ts_mode_names[mode];
    int fd = send_request(ts.port, "GET /park HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    CHECK_MSG(wait_parked(1), "%s: /park never suspended", name);
    struct tc_reply r;
    tc_get(ts.port, "/resume-all", &r);
    CHECK_EQ_INT(r.status, 200);
    tc_reply_free(&r);
    char buf[1024];
    rs_recv(fd, buf, sizeof(buf), 5000, NULL);
    CHECK_MSG(strstr(buf, "/park:1:0") != NULL, "%s: got %s", name, buf);
    close(fd);
    uint64_t t0 = ts_now_ms();
    tc_get(ts.port, "/self", &r);
    CHECK_MSG(r.status == 200 && strcmp(r.body, "/self:1:0") == 0, "%s: /self got %ld %s", name,
              r.status, r.body);
    CHECK_MSG(ts_now_ms() - t0 < 1000, "%s: self-resume took %llu ms", name,
              (unsigned long long)(ts_now_ms() - t0));
    tc_reply_free(&r);
    ts_stop(&ts);
}

/* An upload suspended after its first piece: the rest arrives after the
 * resume, and a request pipelined behind it follows. */
static void test_upload(enum ts_mode mode)
{
    struct test_server ts;
    if (!start(&ts, mode, 0))
        return;
    const char *name = ts_mode_names[mode];
    static char req[24000];
    int n = snprintf(req, sizeof(req),
                     "PUT /upload-park HTTP/1.1\r\nHost: h\r\nContent-Length: 20000\r\n\r\n");
    memset(req + n, 'u', 20000);
    snprintf(req + n + 20000, sizeof(req) - (size_t)n - 20000,
             "GET /next HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    int fd = send_request(ts.port, req);
    CHECK_MSG(wait_parked(1), "%s: upload never suspended", name);
    CHECK_MSG(silent_for(fd, 100), "%s: answered while suspended", name);
    resume_all();
    char buf[2048];
    rs_recv(fd, buf, sizeof(buf), 5000, NULL);
    const char *a = strstr(buf, "/upload-park:1:20000");
    const char *b = strstr(buf, "/next:0:0");
    CHECK_MSG(a && b && a < b, "%s: got %s", name, buf);
    close(fd);
    ts_stop(&ts);
}

static atomic_bool resumer_stop;

static void *resumer_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&resumer_stop)) {
        resume_all();
        sched_yield();
    }
    return NULL;
}

/* Stopping with connections still suspended, or (`churn`) while another
 * thread keeps resuming connections that suspend again at once: prompt,
 * every request reported once, as ended by the shutdown, every client sees
 * the close. */
static void test_stop(enum ts_mode mode, bool churn)
{
    struct test_server ts;
    if (!start(&ts, mode, 0))
        return;
    const char *name = ts_mode_names[mode];
    enum { N = 8 };
    int fds[N];
    for (int i = 0; i < N; i++)
        fds[i] = send_request(ts.port, churn ? "GET /churn HTTP/1.1\r\nHost: h\r\n\r\n"
                                             : "GET /park HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK_MSG(wait_parked(N), "%s: %d of %d suspended", name, parked_now(), N);
    const union MHD_DaemonInfo *ci = MHD_get_daemon_info(ts.d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    CHECK_MSG(ci && ci->num_connections == N, "%s: %u connections counted", name,
              ci ? ci->num_connections : 0);
    pthread_t t;
    if (churn) {
        atomic_store(&resumer_stop, false);
        pthread_create(&t, NULL, resumer_main, NULL);
        uint64_t until = ts_now_ms() + 5000;
        while (total_parks() < N * 20 && ts_now_ms() < until)
            sched_yield();
        CHECK_MSG(total_parks() >= N * 20, "%s: only %d suspensions", name, total_parks());
    }
    uint64_t t0 = ts_now_ms();
    ts_stop(&ts);
    uint64_t took = ts_now_ms() - t0;
    if (churn) {
        atomic_store(&resumer_stop, true);
        pthread_join(t, NULL);
    }
    CHECK_MSG(took < 1000, "%s: stop took %llu ms", name, (unsigned long long)took);
    CHECK_EQ_INT(atomic_load(&shutdown_reports), N);
    CHECK_EQ_INT(atomic_load(&completions), N);
    CHECK_EQ_INT(parked_now(), 0);
    for (int i = 0; i < N; i++) {
        char buf[256];
        bool closed = false;
        size_t got = rs_recv(fds[i], buf, sizeof(buf), 2000, &closed);
        CHECK_MSG(got == 0 && closed, "%s: client %d: %zu bytes, closed %d", name, i, got, closed);
        close(fds[i]);
    }
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    TS_FOR_EACH_MODE(mode)
    {
        unsigned long failed_before = check_failed_;
        test_pipelined(mode);
        test_latency(mode);
        test_resume_from_daemon(mode);
        test_upload(mode);
        test_stop(mode, false);
        test_stop(mode, true);
        printf("mode %-12s %s\n", ts_mode_names[mode],
               check_failed_ == failed_before ? "ok" : "FAIL");
    }
    curl_global_cleanup();
    return check_done();
}
