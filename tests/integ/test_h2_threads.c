/* HTTP/2 in thread-per-connection mode: the streams of one connection call
 * their handlers and content readers the way concurrent connections would,
 * each on a thread of its own, so one that blocks holds nobody else.
 *
 *   - a handler that blocks until another stream of the same connection
 *     releases it is released (one thread could only time out);
 *   - the same for a content reader that blocks;
 *   - an upload to a handler that takes little at a time arrives whole,
 *     with the client's trailers, while the handler runs on its thread;
 *   - a handler that suspends its stream and gets it resumed from another
 *     thread before it returns is resumed;
 *   - a blocked handler holds its connection's idle timeout, as over
 *     HTTP/1.1 a connection's running handler does;
 *   - a stream the client resets, or a connection it closes, while the
 *     handler blocks ends with CLIENT_ABORT once the handler returns, and
 *     the other streams are served;
 *   - over TLS (ALPN h2) too.
 * Clients: nghttp (several URIs go out at once on one connection) and
 * Python's h2 for the resets. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "proc.h"
#include "slow.h"
#include "testsrv.h"
#include "tlstest.h"

#define SLOTS 16
#define HOLD_MS 10000
#define UPLOAD_LEN 300000u

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int inside[SLOTS];
static int released[SLOTS];
static int timed_out[SLOTS];
static int aborted[SLOTS]; /* completions with CLIENT_ABORT */
static int completed[SLOTS];
static pthread_t thread_of[SLOTS];

static void reset_slots(void)
{
    pthread_mutex_lock(&lock);
    memset(inside, 0, sizeof(inside));
    memset(released, 0, sizeof(released));
    memset(timed_out, 0, sizeof(timed_out));
    memset(aborted, 0, sizeof(aborted));
    memset(completed, 0, sizeof(completed));
    pthread_mutex_unlock(&lock);
}

/* Waits under `lock` until *v is nonzero, at most `ms`; false on timeout. */
static bool wait_set(int *v, int ms)
{
    struct timespec t;
    ts_deadline(&t, test_ms(ms));
    int rc = 0;
    while (*v == 0 && rc == 0)
        rc = pthread_cond_timedwait(&cond, &lock, &t);
    return *v != 0;
}

static void set_slot(int *arr, int k)
{
    pthread_mutex_lock(&lock);
    arr[k]++;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
}

struct req {
    int kind;
    int k;
    size_t got;
    uint32_t hash;
    bool resumed;
};

enum { K_HOLD = 1, K_PROBE, K_RELEASE, K_READER, K_UPLOAD, K_SUSPEND, K_SLOW, K_OTHER };

static int kind_of(const char *url)
{
    static const char *const names[] = {"",        "/hold",   "/probe",   "/release",
                                        "/reader", "/upload", "/suspend", "/slow"};
    for (int i = 1; i < K_OTHER; i++)
        if (strcmp(url, names[i]) == 0)
            return i;
    return K_OTHER;
}

/* A content reader that gives nothing until its slot is released. */
static ssize_t blocking_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    int k = (int)(intptr_t)cls;
    if (pos > 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    pthread_mutex_lock(&lock);
    bool ok = wait_set(&released[k], HOLD_MS);
    if (!ok)
        timed_out[k]++;
    pthread_mutex_unlock(&lock);
    const char *text = ok ? "read after release" : "reader timed out";
    size_t n = strlen(text) < max ? strlen(text) : max;
    memcpy(buf, text, n);
    return (ssize_t)n;
}

struct resumer {
    struct MHD_Connection *c;
    int done;
};

static void *resume_thread(void *arg)
{
    struct resumer *r = arg;
    MHD_resume_connection(r->c);
    pthread_mutex_lock(&lock);
    r->done = 1;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **req_cls)
{
    (void)cls, (void)method;
    struct req *rq = *req_cls;
    if (rq == NULL) {
        if (strcmp(version, "HTTP/2") != 0)
            return MHD_NO;
        rq = calloc(1, sizeof(*rq));
        rq->kind = kind_of(url);
        const char *k = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "k");
        rq->k = k ? atoi(k) % SLOTS : 0;
        rq->hash = 2166136261u;
        *req_cls = rq;
        if (rq->kind != K_SUSPEND)
            return MHD_YES;
        /* Suspended on this call, resumed by another thread before it
         * returns: the resume must not be lost. */
        MHD_suspend_connection(c);
        struct resumer r = {c, 0};
        pthread_t t;
        pthread_create(&t, NULL, resume_thread, &r);
        pthread_mutex_lock(&lock);
        wait_set(&r.done, HOLD_MS);
        pthread_mutex_unlock(&lock);
        pthread_join(t, NULL);
        rq->resumed = true;
        return MHD_YES;
    }
    if (*upload_size != 0) {
        size_t take = *upload_size < 1000 ? *upload_size : 1000;
        for (size_t i = 0; i < take; i++)
            rq->hash = (rq->hash ^ (uint8_t)upload[i]) * 16777619u;
        rq->got += take;
        *upload_size -= take;
        return MHD_YES;
    }
    char body[256];
    int k = rq->k;
    switch (rq->kind) {
    case K_HOLD: {
        pthread_mutex_lock(&lock);
        thread_of[k] = pthread_self();
        inside[k]++;
        pthread_cond_broadcast(&cond);
        bool ok = wait_set(&released[k], HOLD_MS);
        if (!ok)
            timed_out[k]++;
        pthread_mutex_unlock(&lock);
        snprintf(body, sizeof(body), ok ? "held %d, released" : "held %d, timed out", k);
        return ts_reply(c, MHD_HTTP_OK, body);
    }
    case K_PROBE: {
        /* Answers once the hold of its slot is inside its handler. */
        pthread_mutex_lock(&lock);
        bool ok = wait_set(&inside[k], HOLD_MS);
        bool other = ok && !pthread_equal(thread_of[k], pthread_self());
        pthread_mutex_unlock(&lock);
        snprintf(body, sizeof(body), "probe %d: %s", k,
                 !ok     ? "hold not seen"
                 : other ? "beside the hold"
                         : "same thread");
        return ts_reply(c, MHD_HTTP_OK, body);
    }
    case K_RELEASE:
        set_slot(released, k);
        snprintf(body, sizeof(body), "released %d", k);
        return ts_reply(c, MHD_HTTP_OK, body);
    case K_READER: {
        struct MHD_Response *r = MHD_create_response_from_callback(
            MHD_SIZE_UNKNOWN, 1024, blocking_reader, (void *)(intptr_t)k, NULL);
        enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        return ret;
    }
    case K_UPLOAD: {
        const char *sum = MHD_lookup_connection_value(c, MHD_FOOTER_KIND, "x-sum");
        snprintf(body, sizeof(body), "upload %zu %08x trailer %s", rq->got, rq->hash,
                 sum ? sum : "(none)");
        return ts_reply(c, MHD_HTTP_OK, body);
    }
    case K_SUSPEND:
        return ts_reply(c, MHD_HTTP_OK, rq->resumed ? "suspended and resumed" : "not resumed");
    case K_SLOW: {
        /* Longer than the connection's timeout, which must not cut it. */
        MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, 1u);
        pthread_mutex_lock(&lock);
        int never = 0;
        wait_set(&never, 1500);
        pthread_mutex_unlock(&lock);
        return ts_reply(c, MHD_HTTP_OK, "slow done");
    }
    default:
        return ts_reply(c, MHD_HTTP_NOT_FOUND, "no such path");
    }
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c;
    struct req *rq = *req_cls;
    if (rq == NULL)
        return;
    if (rq->kind == K_HOLD) {
        set_slot(completed, rq->k);
        if (toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT)
            set_slot(aborted, rq->k);
    }
    free(rq);
    *req_cls = NULL;
}

static bool start(struct test_server *ts, enum ts_mode mode)
{
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, 1, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    setenv("MHD_HTTP2", "1", 1);
    return ts_start(ts, mode, MHD_ALLOW_SUSPEND_RESUME, handler, NULL, opts);
}

/* Runs nghttp on `paths` (one connection, all at once); its output (the
 * bodies, one per line) goes to out. */
static int nghttp(uint16_t port, const char *const *paths, int n, const char *data,
                  const char *trailer, char *out, size_t cap)
{
    char urls[8][128];
    const char *argv[24];
    int a = 0;
    argv[a++] = "nghttp";
    argv[a++] = "--no-dep";
    argv[a++] = "-t";
    argv[a++] = "20";
    if (data != NULL) {
        argv[a++] = "-d";
        argv[a++] = data;
    }
    if (trailer != NULL) {
        argv[a++] = "--trailer";
        argv[a++] = trailer;
    }
    for (int i = 0; i < n && i < 8; i++) {
        snprintf(urls[i], sizeof(urls[i]), "%s://127.0.0.1:%u%s", tt_on() ? "https" : "http", port,
                 paths[i]);
        argv[a++] = urls[i];
    }
    argv[a] = NULL;
    return pr_run(argv, NULL, 0, 0, out, cap, 30000);
}

static void test_handlers_in_parallel(uint16_t port)
{
    char out[4096];
    const char *paths[] = {"/hold?k=1", "/probe?k=1", "/release?k=1"};
    CHECK_EQ_INT(nghttp(port, paths, 3, NULL, NULL, out, sizeof(out)), 0);
    CHECK_MSG(strstr(out, "held 1, released") != NULL, "nghttp said: %s", out);
    CHECK_MSG(strstr(out, "probe 1: beside the hold") != NULL, "nghttp said: %s", out);
    CHECK_EQ_INT(ts_read_locked(&lock, &timed_out[1]), 0);
}

static void test_reader_in_parallel(uint16_t port)
{
    char out[4096];
    const char *paths[] = {"/reader?k=2", "/release?k=2"};
    CHECK_EQ_INT(nghttp(port, paths, 2, NULL, NULL, out, sizeof(out)), 0);
    CHECK_MSG(strstr(out, "read after release") != NULL, "nghttp said: %s", out);
    CHECK_EQ_INT(ts_read_locked(&lock, &timed_out[2]), 0);
}

static const char *upload_file(uint32_t *hash)
{
    static char path[256];
    static uint32_t h;
    if (path[0] == '\0') {
        snprintf(path, sizeof(path), "%s/h2-upload-%d.bin",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
        FILE *f = fopen(path, "wb");
        h = 2166136261u;
        for (uint32_t i = 0; i < UPLOAD_LEN; i++) {
            uint8_t b = (uint8_t)((i * 7u + i / 251u) & 0xff);
            h = (h ^ b) * 16777619u;
            fputc(b, f);
        }
        fclose(f);
    }
    *hash = h;
    return path;
}

static void test_upload(uint16_t port)
{
    uint32_t hash;
    const char *file = upload_file(&hash);
    char out[4096], want[128];
    const char *paths[] = {"/upload"};
    CHECK_EQ_INT(nghttp(port, paths, 1, file, "x-sum: 12345", out, sizeof(out)), 0);
    snprintf(want, sizeof(want), "upload %u %08x trailer 12345", UPLOAD_LEN, hash);
    CHECK_MSG(strstr(out, want) != NULL, "want \"%s\", nghttp said: %.300s", want, out);
}

static void test_suspend_resume(uint16_t port)
{
    char out[4096];
    const char *paths[] = {"/suspend", "/probe?k=3", "/hold?k=3", "/release?k=3"};
    CHECK_EQ_INT(nghttp(port, paths, 4, NULL, NULL, out, sizeof(out)), 0);
    CHECK_MSG(strstr(out, "suspended and resumed") != NULL, "nghttp said: %s", out);
    CHECK_MSG(strstr(out, "held 3, released") != NULL, "nghttp said: %s", out);
}

static void test_timeout_held(uint16_t port)
{
    char out[4096];
    const char *paths[] = {"/slow"};
    CHECK_EQ_INT(nghttp(port, paths, 1, NULL, NULL, out, sizeof(out)), 0);
    CHECK_MSG(strstr(out, "slow done") != NULL, "nghttp said: %s", out);
}

/* Python's h2: a hold, a probe that answers once the hold is in its
 * handler, then either a reset of the hold and a release on a third
 * stream (the release's answer must come), or the connection closed. */
static const char script[] =
    "import socket, sys\n"
    "import h2.connection, h2.config, h2.events\n"
    "port, k, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]\n"
    "s = socket.create_connection(('127.0.0.1', port), timeout=20)\n"
    "c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))\n"
    "c.initiate_connection()\n"
    "def get(i, p):\n"
    "    c.send_headers(i, [(':method', 'GET'), (':path', p + '?k=' + k),\n"
    "                       (':scheme', 'http'), (':authority', 'x')], end_stream=True)\n"
    "get(1, '/hold'); get(3, '/probe')\n"
    "s.sendall(c.data_to_send())\n"
    "def until(stream):\n"
    "    body = b''\n"
    "    while True:\n"
    "        d = s.recv(65536)\n"
    "        if not d: sys.exit('closed before stream %d ended' % stream)\n"
    "        for e in c.receive_data(d):\n"
    "            if isinstance(e, h2.events.DataReceived):\n"
    "                c.acknowledge_received_data(e.flow_controlled_length, e.stream_id)\n"
    "                if e.stream_id == stream: body += e.data\n"
    "            if isinstance(e, h2.events.StreamEnded) and e.stream_id == stream:\n"
    "                s.sendall(c.data_to_send())\n"
    "                return body.decode()\n"
    "        s.sendall(c.data_to_send())\n"
    "print(until(3))\n"
    "if mode == 'reset':\n"
    "    c.reset_stream(1)\n"
    "    get(5, '/release')\n"
    "    s.sendall(c.data_to_send())\n"
    "    print(until(5))\n"
    "    c.close_connection()\n"
    "    s.sendall(c.data_to_send())\n"
    "s.close()\n";

static int python_h2(uint16_t port, int k, const char *mode, char *out, size_t cap)
{
    char p[16], ks[16];
    snprintf(p, sizeof(p), "%u", port);
    snprintf(ks, sizeof(ks), "%d", k);
    const char *argv[] = {"/usr/bin/python3", "-c", script, p, ks, mode, NULL};
    return pr_run(argv, NULL, 0, 0, out, cap, 30000);
}

static bool wait_slot(int *arr, int k, int ms)
{
    pthread_mutex_lock(&lock);
    bool ok = wait_set(&arr[k], ms);
    pthread_mutex_unlock(&lock);
    return ok;
}

static void test_reset_while_blocked(uint16_t port)
{
    char out[4096];
    CHECK_EQ_INT(python_h2(port, 4, "reset", out, sizeof(out)), 0);
    CHECK_MSG(strstr(out, "probe 4: beside the hold") != NULL, "python said: %s", out);
    CHECK_MSG(strstr(out, "released 4") != NULL, "python said: %s", out);
    CHECK(wait_slot(completed, 4, 5000));
    CHECK_EQ_INT(ts_read_locked(&lock, &aborted[4]), 1);
    CHECK_EQ_INT(ts_read_locked(&lock, &timed_out[4]), 0);
}

static void test_close_while_blocked(uint16_t port)
{
    char out[4096];
    CHECK_EQ_INT(python_h2(port, 5, "close", out, sizeof(out)), 0);
    CHECK_MSG(strstr(out, "probe 5: beside the hold") != NULL, "python said: %s", out);
    /* The handler still blocks; the stream completes when it returns. Its
     * reason depends on which comes first, the connection's thread reading
     * the client's close (CLIENT_ABORT) or the handler returning (its
     * reply is then written into the socket, or fails to be): nothing the
     * application can see orders the two, so only the completion is
     * judged and the reason reported. */
    CHECK_EQ_INT(ts_read_locked(&lock, &completed[5]), 0);
    set_slot(released, 5);
    CHECK(wait_slot(completed, 5, 5000));
    printf("close while blocked: completed%s\n", ts_read_locked(&lock, &aborted[5])
                                                     ? " as a client abort"
                                                     : " (close read after the reply)");
}

int main(void)
{
    if (!pr_have("nghttp") || access("/usr/bin/python3", X_OK) != 0) {
        fprintf(stderr, "SKIP nghttp or /usr/bin/python3 missing\n");
        return check_done();
    }
    static const enum ts_mode modes[] = {TS_TPC_SELECT, TS_TPC_POLL};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        enum ts_mode mode = modes[i];
        if (!ts_mode_available(mode))
            continue;
        unsigned long failed = check_failed_;
        for (int tls = 0; tls < 2; tls++) {
            setenv("TEST_TLS", tls ? "1" : "0", 1);
            struct test_server ts;
            reset_slots();
            bool up = start(&ts, mode);
            CHECK_MSG(up, "%s: the daemon did not start", ts_mode_names[mode]);
            if (!up)
                continue;
            test_handlers_in_parallel(ts.port);
            test_reader_in_parallel(ts.port);
            test_upload(ts.port);
            test_suspend_resume(ts.port);
            test_timeout_held(ts.port);
            if (!tls) {
                test_reset_while_blocked(ts.port);
                test_close_while_blocked(ts.port);
            }
            ts_stop(&ts);
        }
        printf("mode %-12s %s\n", ts_mode_names[mode], check_failed_ == failed ? "ok" : "FAIL");
    }
    uint32_t hash;
    unlink(upload_file(&hash));
    return check_done();
}
