/* What TLS changes for the event loop, in every thread mode:
 *
 *   - GnuTLS decrypts whole records, and the library may take less than a
 *     record at a time (a small connection memory limit): the rest waits
 *     inside GnuTLS while the socket is empty. It must still be read at
 *     once, without a poller event (a 16 KiB upload in one record, and
 *     pipelined requests in one record, through a 1,536-byte pool);
 *   - the handshake never blocks a worker: a client that connects and says
 *     nothing, or stops half-way through its ClientHello, delays nobody,
 *     and the connection timeout cuts it off;
 *   - a file body cannot go by sendfile() over TLS: it is read and sent in
 *     pieces, with flat memory (1 GiB, in one internal and one external
 *     mode). */
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "rawhttp.h"
#include "slow.h"
#include "testsrv.h"
#include "tlstest.h"

#define BIG_FILE ((uint64_t)1 << 30)

/* Under AddressSanitizer freed blocks wait in a quarantine before they are
 * reused, 256 MiB of it by default: the gigabyte's records fill it, and
 * resident memory grows by that much whatever the library buffers. A
 * small quarantine keeps the memory check below about what we hold. */
#define ASAN_QUARANTINE_MIB 4
#if defined(__SANITIZE_ADDRESS__)
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "quarantine_size_mb=4";
}
#define RSS_SLACK_KIB (ASAN_QUARANTINE_MIB * 1024)
#else
#define RSS_SLACK_KIB 0
#endif

static char file_path[256];

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **req_cls)
{
    (void)cls, (void)method, (void)version, (void)upload;
    static size_t dummy;
    size_t *got = *req_cls;
    if (got == NULL) {
        got = calloc(1, sizeof(*got));
        *req_cls = got;
        return MHD_YES;
    }
    if (*upload_size != 0) {
        /* Take a little at a time: the rest stays with the library. */
        size_t take = *upload_size < 100 ? *upload_size : 100;
        *got += take;
        *upload_size -= take;
        return MHD_YES;
    }
    (void)dummy;
    if (strcmp(url, "/file") == 0) {
        int fd = open(file_path, O_RDONLY | O_CLOEXEC);
        struct MHD_Response *r = MHD_create_response_from_fd64(BIG_FILE, fd);
        enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        return ret;
    }
    char body[128];
    snprintf(body, sizeof(body), "%s got %zu\n", url, *got);
    return ts_reply(c, MHD_HTTP_OK, body);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    free(*req_cls);
    *req_cls = NULL;
}

static bool start(struct test_server *ts, enum ts_mode mode, size_t pool, unsigned int timeout)
{
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)(uintptr_t)tt_file("server.key")},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)(uintptr_t)tt_file("server-chain.pem")},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)pool, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)timeout, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (ts_start(ts, mode, MHD_USE_TLS, handler, NULL, opts))
        return true;
    CHECK_MSG(0, "%s: did not start", ts_mode_names[mode]);
    return false;
}

/* Everything in one send: the proxy turns it into one TLS record. */
static void test_buffered_records(struct test_server *ts)
{
    enum ts_mode mode = ts->mode;
    int fd = tt_connect(ts->port, NULL);
    CHECK(fd >= 0);
    if (fd >= 0) {
        static char req[16384];
        const size_t body = 16000;
        int n = snprintf(req, sizeof(req),
                         "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n", body);
        memset(req + n, 'u', body);
        rs_send(fd, req, (size_t)n + body);
        struct hr_reply h;
        CHECK_MSG(hr_read_reply(fd, false, (int)test_ms(5000), &h) && h.status == 200 &&
                      strstr(h.body, "/upload got 16000") != NULL,
                  "%s: upload in one record: %s", ts_mode_names[mode], h.body ? h.body : "");
        hr_free(&h);
        /* Six pipelined requests in one record. */
        char pipe[2048];
        size_t len = 0;
        for (int i = 1; i <= 6; i++)
            len += (size_t)snprintf(pipe + len, sizeof(pipe) - len,
                                    "GET /p%d HTTP/1.1\r\nHost: x\r\n%s\r\n", i,
                                    i == 6 ? "Connection: close\r\n" : "");
        rs_send(fd, pipe, len);
        char *all = NULL;
        bool closed = false;
        size_t got = hr_recv_all(fd, &all, 65536, (int)test_ms(5000), &closed);
        int answered = 0;
        for (int i = 1; i <= 6; i++) {
            char want[32];
            snprintf(want, sizeof(want), "/p%d got 0", i);
            answered += all != NULL && strstr(all, want) != NULL;
        }
        CHECK_MSG(answered == 6 && closed, "%s: %d of 6 pipelined answers (%zu bytes)",
                  ts_mode_names[mode], answered, got);
        free(all);
        close(fd);
    }
}

/* Silent and half-said handshakes hold nobody up and end at the timeout;
 * meanwhile records are read through a small pool. */
static void test_stalled_handshakes(enum ts_mode mode)
{
    struct test_server ts;
    if (!start(&ts, mode, 1536, 1))
        return;
    int silent = rs_connect_tcp(ts.port);
    int half = rs_connect_tcp(ts.port);
    /* The first bytes of a TLS ClientHello: a handshake record header
     * announcing 512 bytes, a ClientHello header, and then nothing. */
    static const unsigned char hello_start[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01,
                                                0x00, 0x01, 0xfc, 0x03, 0x03};
    CHECK(silent >= 0 && half >= 0 && rs_send(half, hello_start, sizeof(hello_start)));
    uint64_t t0 = ts_now_ms();
    for (int i = 0; i < 3; i++) {
        struct tc_reply r;
        char path[16];
        snprintf(path, sizeof(path), "/served%d", i);
        tc_get(ts.port, path, &r);
        CHECK_MSG(r.status == 200, "%s: a client beside stalled handshakes: %d",
                  ts_mode_names[mode], (int)r.code);
        tc_reply_free(&r);
    }
    uint64_t took = ts_now_ms() - t0;
    CHECK_MSG(took < (uint64_t)test_ms(900), "%s: three requests took %llu ms", ts_mode_names[mode],
              (unsigned long long)took);
    test_buffered_records(&ts);
    /* The stalled ones are cut at the 1-second timeout (plus a round of
     * the timer). */
    long a = rs_wait_closed(silent, (int)test_ms(5000), NULL);
    long b = rs_wait_closed(half, (int)test_ms(5000), NULL);
    printf("%-12s stalled handshakes closed after %ld and %ld ms more\n", ts_mode_names[mode], a,
           b);
    CHECK_MSG(a >= 0 && b >= 0, "%s: stalled handshakes not closed (%ld, %ld ms)",
              ts_mode_names[mode], a, b);
    close(silent);
    close(half);
    ts_stop(&ts);
}

struct counter {
    uint64_t bytes;
    bool nonzero;
};

static size_t count_body(char *data, size_t size, size_t n, void *ud)
{
    struct counter *cn = ud;
    for (size_t i = 0; i < size * n && !cn->nonzero; i += 4096)
        cn->nonzero = data[i] != 0;
    cn->bytes += size * n;
    return size * n;
}

/* 1 GiB from a (sparse) file over TLS: all of it arrives, memory stays flat. */
static void test_big_file(enum ts_mode mode)
{
    struct test_server ts;
    if (!start(&ts, mode, 32768, 30))
        return;
    long before = ts_rss_kib();
    CURL *curl = curl_easy_init();
    struct counter cn = {0, false};
    tc_set_url(curl, ts.port, "/file");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, count_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &cn);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, test_ms(60000));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    uint64_t t0 = ts_now_ms();
    CURLcode rc = curl_easy_perform(curl);
    uint64_t ms = ts_now_ms() - t0;
    long after = ts_rss_kib();
    curl_easy_cleanup(curl);
    CHECK_MSG(rc == CURLE_OK && cn.bytes == BIG_FILE && !cn.nonzero, "%s: %d, %llu bytes",
              ts_mode_names[mode], (int)rc, (unsigned long long)cn.bytes);
    /* Client and server with GnuTLS on both sides in this process: a few
     * MiB at most, nothing near the file's size. */
    CHECK_MSG(after - before < 16 * 1024 + RSS_SLACK_KIB, "%s: RSS %ld -> %ld KiB",
              ts_mode_names[mode], before, after);
    printf("%-12s 1 GiB over TLS in %llu ms (%.0f MB/s), RSS %+ld KiB\n", ts_mode_names[mode],
           (unsigned long long)ms, ms ? 1073.741824 * 1000.0 / (double)ms : 0.0, after - before);
    ts_stop(&ts);
}

int main(void)
{
    /* The test library's clients talk TLS (tlstest.h). */
    setenv("TEST_TLS", "1", 1);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (tt_file("ca.pem") == NULL) {
        CHECK_MSG(0, "the test credentials are missing");
        return check_done();
    }
    snprintf(file_path, sizeof(file_path), "/tmp/mhd-tls-big-%d", (int)getpid());
    int fd = open(file_path, O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0600);
    CHECK(fd >= 0 && ftruncate(fd, (off_t)BIG_FILE) == 0);
    close(fd);
    TS_FOR_EACH_MODE(mode)
    test_stalled_handshakes(mode);
    if (test_slow() == 1) {
        enum ts_mode big[] = {TS_INT_EPOLL, TS_EXT_SELECT};
        for (size_t i = 0; i < 2; i++)
            if (ts_mode_available(big[i]))
                test_big_file(big[i]);
    } else {
        printf("slow run (TEST_SLOW=%ld): the 1 GiB download is left out\n", test_slow());
    }
    unlink(file_path);
    curl_global_cleanup();
    return check_done();
}
