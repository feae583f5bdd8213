/* Clients that go away in the middle of a body, for every body source
 * (buffer, iovec, callback with and without a size, file, pipe), in every
 * thread mode: the completion callback reports the failure, every response
 * is released (its free callback runs, its descriptor is closed), and the
 * daemon goes on serving. A reader that never produces anything is ended by
 * the connection timeout. Run under ASan, nothing may leak. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bodies.h"
#include "check.h"
#include "client.h"
#include "rawhttp.h"
#include "testsrv.h"

#define BIG ((size_t)64 << 20) /* far more than any socket buffer holds */
#define SLICE ((size_t)1 << 20)

static char zeros[BIG]; /* the content does not matter here */
static int sparse_fd = -1;
static atomic_uint created;  /* responses with a free callback */
static atomic_uint released; /* their free callbacks */
static atomic_uint ended_ok, ended_failed, ended_timeout;

static void on_free(void *cls)
{
    (void)cls;
    atomic_fetch_add(&released, 1);
}

static ssize_t endless(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)cls;
    (void)pos;
    memset(buf, 'x', max);
    return (ssize_t)max;
}

static ssize_t never(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)cls;
    (void)pos;
    (void)buf;
    (void)max;
    return 0;
}

static void *pipe_feeder(void *arg)
{
    int fd = (int)(intptr_t)arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    /* Writes until the response is gone and the pipe breaks. */
    while (write(fd, zeros, SLICE) > 0)
        ;
    close(fd);
    return NULL;
}

static struct MHD_Response *make_response(const char *url)
{
    struct MHD_Response *r = NULL;
    if (strcmp(url, "/buffer") == 0) {
        r = MHD_create_response_from_buffer_with_free_callback_cls(BIG, zeros, on_free, NULL);
    } else if (strcmp(url, "/small") == 0) {
        r = MHD_create_response_from_buffer_with_free_callback_cls(1000, zeros, on_free, NULL);
    } else if (strcmp(url, "/iovec") == 0) {
        struct MHD_IoVec iov[BIG / SLICE];
        for (size_t i = 0; i < BIG / SLICE; i++) {
            iov[i].iov_base = zeros + i * SLICE;
            iov[i].iov_len = SLICE;
        }
        r = MHD_create_response_from_iovec(iov, BIG / SLICE, on_free, NULL);
    } else if (strcmp(url, "/sized") == 0) {
        r = MHD_create_response_from_callback(BIG, 32768, endless, NULL, on_free);
    } else if (strcmp(url, "/chunked") == 0) {
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32768, endless, NULL, on_free);
    } else if (strcmp(url, "/never") == 0) {
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1024, never, NULL, on_free);
    } else if (strcmp(url, "/file") == 0) {
        return MHD_create_response_from_fd64(BIG, dup(sparse_fd));
    } else if (strcmp(url, "/pipe") == 0) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) != 0)
            return NULL;
        pthread_t t;
        pthread_create(&t, NULL, pipe_feeder, (void *)(intptr_t)p[1]);
        pthread_detach(t);
        return MHD_create_response_from_pipe(p[0]);
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
    (void)upload_data_size;
    if (*req_cls == NULL) {
        /* Request state the completion callback must free. */
        *req_cls = strdup(url);
        return MHD_YES;
    }
    struct MHD_Response *r = make_response(url);
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
    free(*req_cls);
    *req_cls = NULL;
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        atomic_fetch_add(&ended_ok, 1);
    else if (toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED)
        atomic_fetch_add(&ended_timeout, 1);
    else if (toe == MHD_REQUEST_TERMINATED_WITH_ERROR || toe == MHD_REQUEST_TERMINATED_READ_ERROR ||
             toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT)
        atomic_fetch_add(&ended_failed, 1);
}

/* Asks for `path`, takes some of the body, and hangs up. */
static void hang_up_after(uint16_t port, const char *path, size_t take)
{
    int fd = rs_connect(port);
    char req[128];
    snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
    rs_send(fd, req, strlen(req));
    size_t got = 0;
    char buf[65536];
    while (got < take) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 5000) <= 0)
            break;
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    CHECK_MSG(got >= take, "%s: only %zu bytes before the hang-up", path, got);
    close(fd); /* unread data: the kernel answers with a reset */
}

static void *timeout_client(void *arg)
{
    uint16_t port = *(uint16_t *)arg;
    struct hr_reply h;
    /* The head goes out, then nothing: the idle timeout ends it. */
    bool got = hr_exchange(port, "GET /never HTTP/1.1\r\nHost: x\r\n\r\n", false, &h);
    bool ok = got && h.status == 200 && h.chunked && !h.complete && h.body_len == 0;
    hr_free(&h);
    return (void *)(intptr_t)ok;
}

static void run_mode(enum ts_mode mode)
{
    struct test_server ts;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, 1, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    atomic_store(&created, 0);
    atomic_store(&released, 0);
    atomic_store(&ended_ok, 0);
    atomic_store(&ended_failed, 0);
    atomic_store(&ended_timeout, 0);
    if (!ts_start(&ts, mode, 0, handler, NULL, opts)) {
        CHECK_MSG(0, "start in mode %s", ts_mode_names[mode]);
        return;
    }
    unsigned long failed_before = check_failed_;
    uint16_t port = ts.port;
    pthread_t t;
    pthread_create(&t, NULL, timeout_client, &port);
    static const char *const paths[] = {"/buffer", "/iovec", "/sized",
                                        "/chunked", "/file",   "/pipe"};
    unsigned int n = 0;
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        hang_up_after(port, paths[i], 200000);
        n++;
        CHECK_MSG(tb_wait_count(&ended_failed, n, 5000), "%s: no failure reported", paths[i]);
    }
    /* The daemon goes on serving. */
    struct tc_reply r;
    tc_get(port, "/small", &r);
    CHECK(r.status == 200 && r.body_len == 1000);
    tc_reply_free(&r);
    void *ok;
    pthread_join(t, &ok);
    CHECK_MSG((intptr_t)ok, "the never-ending reply was not cut by the timeout");
    CHECK(tb_wait_count(&ended_timeout, 1, 3000));
    CHECK(tb_wait_count(&released, atomic_load(&created), 3000));
    ts_stop(&ts);
    CHECK_EQ_INT(atomic_load(&ended_failed), n);
    CHECK_EQ_INT(atomic_load(&ended_timeout), 1);
    CHECK_EQ_INT(atomic_load(&ended_ok), 1);
    CHECK_EQ_INT(atomic_load(&released), atomic_load(&created));
    printf("mode %-12s %s\n", ts_mode_names[mode], check_failed_ == failed_before ? "ok" : "FAIL");
}

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    while (d != NULL && readdir(d) != NULL)
        n++;
    if (d != NULL)
        closedir(d);
    return n;
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char path[] = "/tmp/mhd-test-abort-XXXXXX";
    sparse_fd = mkstemp(path);
    unlink(path);
    CHECK(ftruncate(sparse_fd, (off_t)BIG) == 0);
    int before = open_fds();
    TS_FOR_EACH_MODE(mode)
    run_mode(mode);
    /* Every file and pipe descriptor the responses held is closed (the pipe
     * feeders close theirs when they notice). */
    for (int i = 0; i < 3000 && open_fds() > before; i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    CHECK_EQ_INT(open_fds(), before);
    close(sparse_fd);
    curl_global_cleanup();
    return check_done();
}
