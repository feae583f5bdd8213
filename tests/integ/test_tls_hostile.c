/* Hostile TLS peers. Each case is followed by an ordinary HTTPS GET
 * (libcurl) that must be served promptly, and every daemon ends with no
 * connection left:
 *
 *   1. plain HTTP sent to the TLS port: closed at once, and logged;
 *   2. garbage instead of a ClientHello (random bytes, a handshake record
 *      header with nonsense behind it): closed at once;
 *   3. a real ClientHello cut in the middle, then end-of-file (closed at
 *      once) or then silence (cut at the connection timeout, measured);
 *   4. 1,000 connections that start a handshake and stall: a normal client
 *      is still served quickly, and the timeout ends all of them;
 *   5. renegotiation: a TLS 1.2 client asking to renegotiate (openssl
 *      s_client "R", gnutls-cli --rehandshake) is refused by closing its
 *      connection; TLS 1.3 KeyUpdate (GnuTLS in-process, with the request
 *      in the same segment, and openssl s_client "k" and "K") is honoured
 *      and the same connection serves the next request at once;
 *   6. a client that stops reading in the middle of a 64 MiB response:
 *      others are served, the library produces only what the socket takes,
 *      and the connection timeout cuts it.
 *
 * The in-process GnuTLS client and the raw sockets are this file's own;
 * libcurl (OpenSSL on Debian), gnutls-cli and openssl s_client are the
 * other TLS clients. */
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "proc.h"
#include "slow.h"
#include "testsrv.h"
#include "tlstest.h"

#define BIG_SIZE ((uint64_t)64 << 20)
#define BIG_BLOCK 65536
/* How much of the big response the stalled reader takes. */
#define READ_BEFORE_STALL (100 * 1024)

/* The connection timeout of every daemon here, in seconds. */
static unsigned int timeout_s;

/* ---- what the daemon reports --------------------------------------------- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int open_conns;     /* NOTIFY_CONNECTION started minus closed */
static int timed_out;      /* requests ended by the connection timeout */
static int logged;         /* lines the daemon logged */
static char last_log[256]; /* the latest of them */
/* Client ports whose close is timed, and when it happened. */
#define WATCHES 2
static uint16_t watch_port[WATCHES];
static uint64_t watch_closed_ms[WATCHES];
static atomic_ullong big_produced; /* bytes the 64 MiB callback handed out */

static void on_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    pthread_mutex_lock(&lock);
    vsnprintf(last_log, sizeof(last_log), fmt, ap);
    logged++;
    pthread_mutex_unlock(&lock);
}

static uint16_t client_port(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci == NULL || ci->client_addr == NULL || ci->client_addr->sa_family != AF_INET)
        return 0;
    return ntohs(((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_port);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)cls, (void)socket_context;
    uint16_t port = client_port(c);
    pthread_mutex_lock(&lock);
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        open_conns++;
    } else {
        open_conns--;
        for (int i = 0; i < WATCHES; i++)
            if (port != 0 && port == watch_port[i])
                watch_closed_ms[i] = ts_now_ms();
    }
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)req_cls;
    if (toe != MHD_REQUEST_TERMINATED_TIMEOUT_REACHED)
        return;
    pthread_mutex_lock(&lock);
    timed_out++;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
}

static ssize_t big_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)cls;
    size_t n = max;
    if (BIG_SIZE - pos < n)
        n = (size_t)(BIG_SIZE - pos);
    memset(buf, 'b', n);
    atomic_fetch_add(&big_produced, n);
    return (ssize_t)n;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **req_cls)
{
    (void)cls, (void)method, (void)version, (void)upload, (void)upload_size;
    if (ts_first_call(req_cls))
        return MHD_YES;
    if (strcmp(url, "/big") == 0) {
        struct MHD_Response *r =
            MHD_create_response_from_callback(BIG_SIZE, BIG_BLOCK, big_reader, NULL, NULL);
        enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        return ret;
    }
    char body[256];
    snprintf(body, sizeof(body), "ok %s\n", url);
    return ts_reply(c, MHD_HTTP_OK, body);
}

static bool start(struct test_server *ts, enum ts_mode mode)
{
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_log, NULL},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)timeout_s, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (ts_start(ts, mode, MHD_USE_TLS, handler, NULL, opts))
        return true;
    CHECK_MSG(0, "%s: did not start", ts_mode_names[mode]);
    return false;
}

/* Stops the daemon once every connection is gone: none may be left. */
static void stop(struct test_server *ts)
{
    enum ts_mode mode = ts->mode;
    bool none = ts_wait_count(&lock, &cond, &open_conns, 0, (int)test_ms(5000));
    /* The daemon's own count drops just after the notification: it is
     * looked at again for a moment (no event tells when). */
    unsigned int cur = 99;
    uint64_t t0 = ts_now_ms();
    do {
        const union MHD_DaemonInfo *di =
            MHD_get_daemon_info(ts->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        cur = di != NULL ? di->num_connections : 99;
    } while (cur != 0 && ts_now_ms() - t0 < (uint64_t)test_ms(1000) && poll(NULL, 0, 5) == 0);
    CHECK_MSG(none && cur == 0, "%s: %d connections left (daemon counts %u)", ts_mode_names[mode],
              ts_read_locked(&lock, &open_conns), cur);
    ts_stop(ts);
}

/* An ordinary HTTPS GET through libcurl: served, and promptly. */
static void check_served(const struct test_server *ts, const char *after)
{
    struct tc_reply r;
    uint64_t t0 = ts_now_ms();
    tc_get(ts->port, "/normal", &r);
    uint64_t ms = ts_now_ms() - t0;
    CHECK_MSG(r.status == 200 && r.body != NULL && strcmp(r.body, "ok /normal\n") == 0,
              "%s: after %s: a normal GET got %ld (curl %d)", ts_mode_names[ts->mode], after,
              r.status, (int)r.code);
    CHECK_MSG(ms < (uint64_t)test_ms(1000), "%s: after %s: a normal GET took %llu ms",
              ts_mode_names[ts->mode], after, (unsigned long long)ms);
    tc_reply_free(&r);
}

/* ---- raw sockets ----------------------------------------------------------- */

/* A real ClientHello, as GnuTLS's default client sends it. */
static unsigned char hello[4096];
static size_t hello_len;

static ssize_t capture_push(gnutls_transport_ptr_t p, const void *data, size_t len)
{
    (void)p;
    size_t k = len < sizeof(hello) - hello_len ? len : sizeof(hello) - hello_len;
    memcpy(hello + hello_len, data, k);
    hello_len += k;
    return (ssize_t)len;
}

static ssize_t capture_pull(gnutls_transport_ptr_t p, void *data, size_t len)
{
    (void)data, (void)len;
    gnutls_transport_set_errno((gnutls_session_t)p, EAGAIN);
    return -1;
}

/* Runs a client handshake into memory up to the point where it waits for
 * the server: what it wrote is its ClientHello. */
static void capture_hello(void)
{
    gnutls_session_t s;
    gnutls_certificate_credentials_t cred;
    gnutls_certificate_allocate_credentials(&cred);
    gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
    gnutls_set_default_priority(s);
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_server_name_set(s, GNUTLS_NAME_DNS, "localhost", 9);
    gnutls_transport_set_ptr(s, s);
    gnutls_transport_set_push_function(s, capture_push);
    gnutls_transport_set_pull_function(s, capture_pull);
    int rc = gnutls_handshake(s);
    CHECK_MSG(rc == GNUTLS_E_AGAIN && hello_len > 100 && hello[0] == 0x16,
              "capturing a ClientHello: %d, %zu bytes", rc, hello_len);
    gnutls_deinit(s);
    gnutls_certificate_free_credentials(cred);
}

/* Sends `data` on a fresh connection, optionally ends our side, and
 * checks the server closes promptly. */
static void hostile_bytes(const struct test_server *ts, const char *what, const void *data,
                          size_t len, bool eof)
{
    enum ts_mode mode = ts->mode;
    int before = ts_read_locked(&lock, &logged);
    int fd = rs_connect_tcp(ts->port);
    CHECK_MSG(fd >= 0 && rs_send(fd, data, len), "%s: %s: could not send", ts_mode_names[mode],
              what);
    if (eof)
        shutdown(fd, SHUT_WR);
    int first;
    long ms = rs_wait_closed(fd, (int)test_ms(5000), &first);
    close(fd);
    CHECK_MSG(ms >= 0 && ms < test_ms(1000), "%s: %s: closed after %ld ms", ts_mode_names[mode],
              what, ms);
    /* The end of a handshake that never got anywhere is logged, except
     * for a client that simply left. */
    int lines = ts_read_locked(&lock, &logged) - before;
    if (!eof)
        CHECK_MSG(lines > 0, "%s: %s: nothing logged", ts_mode_names[mode], what);
    pthread_mutex_lock(&lock);
    printf("%-12s %-28s closed in %3ld ms, %s, log: %s\n", ts_mode_names[mode], what, ms,
           first < 0       ? "nothing sent"
           : first == 0x15 ? "alert sent"
                           : "bytes sent",
           lines > 0 ? last_log : "-");
    pthread_mutex_unlock(&lock);
    check_served(ts, what);
}

/* Cases 1, 2 and 3a. */
static void test_bad_bytes(const struct test_server *ts)
{
    static const char plain[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    hostile_bytes(ts, "plain HTTP", plain, sizeof(plain) - 1, false);

    unsigned char junk[512];
    unsigned int seed = 12345;
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (unsigned char)(rand_r(&seed) >> 7);
    /* Not a handshake record type: no record layer waits for more. */
    junk[0] = 0x42;
    hostile_bytes(ts, "random bytes", junk, sizeof(junk), false);

    /* A handshake record header and nonsense behind it: a ClientHello
     * whose own length fits the record but whose fields do not parse. */
    unsigned char rec[5 + 4 + 200];
    memcpy(rec, "\x16\x03\x01\x00\xcc\x01\x00\x00\xc8", 9);
    memset(rec + 9, 0xee, sizeof(rec) - 9);
    hostile_bytes(ts, "record, nonsense hello", rec, sizeof(rec), false);

    hostile_bytes(ts, "half a ClientHello, EOF", hello, hello_len / 2, true);

    /* A record holding the start of a long handshake message and two bytes
     * of the next record's header, then the end: GnuTLS stops after the
     * record with the rest already read ahead, and the end must still be
     * noticed (an edge-triggered poller reports it once). */
    unsigned char frag[5 + 187 + 2];
    memcpy(frag, "\x16\x03\x01\x00\xbb\x01\x00\xff\xff", 9);
    memset(frag + 9, 0xbb, sizeof(frag) - 9);
    hostile_bytes(ts, "hello fragment, EOF", frag, sizeof(frag), true);
}

/* ---- an in-process GnuTLS client ------------------------------------------ */

static gnutls_certificate_credentials_t client_cred;

struct gc {
    int fd;
    gnutls_session_t s;
};

static bool gc_open(struct gc *c, uint16_t port, const char *prio)
{
    c->s = NULL;
    c->fd = rs_connect_tcp(port);
    if (c->fd < 0)
        return false;
    /* Blocking calls, each bounded. */
    struct timeval tv = {test_ms(5000) / 1000, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    gnutls_init(&c->s, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL);
    if (prio != NULL)
        gnutls_priority_set_direct(c->s, prio, NULL);
    else
        gnutls_set_default_priority(c->s);
    gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE, client_cred);
    gnutls_session_set_verify_cert(c->s, "localhost", 0);
    gnutls_transport_set_int(c->s, c->fd);
    gnutls_handshake_set_timeout(c->s, (unsigned int)test_ms(5000));
    int rc;
    do
        rc = gnutls_handshake(c->s);
    while (rc < 0 && !gnutls_error_is_fatal(rc));
    return rc == GNUTLS_E_SUCCESS;
}

static void gc_close(struct gc *c)
{
    if (c->s != NULL)
        gnutls_deinit(c->s);
    if (c->fd >= 0)
        close(c->fd);
    c->s = NULL;
    c->fd = -1;
}

static bool gc_send(struct gc *c, const char *text)
{
    size_t len = strlen(text);
    while (len > 0) {
        ssize_t n = gnutls_record_send(c->s, text, len);
        if (n == GNUTLS_E_INTERRUPTED)
            continue;
        if (n <= 0)
            return false;
        text += n;
        len -= (size_t)n;
    }
    return true;
}

/* Reads until `marker` arrived; false on error, end or after limit_ms. */
static bool gc_expect(struct gc *c, const char *marker, int limit_ms)
{
    char buf[4096];
    size_t len = 0;
    uint64_t t0 = ts_now_ms();
    while (ts_now_ms() - t0 < (uint64_t)limit_ms) {
        ssize_t n = gnutls_record_recv(c->s, buf + len, sizeof(buf) - 1 - len);
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
            continue;
        if (n <= 0)
            return false;
        len += (size_t)n;
        buf[len] = '\0';
        if (strstr(buf, marker) != NULL)
            return true;
        if (len > sizeof(buf) / 2) {
            size_t keep = strlen(marker);
            memmove(buf, buf + len - keep, keep);
            len = keep;
        }
    }
    return false;
}

/* Asks for `path` and waits for its answer: the milliseconds it took, -1
 * if it did not come. Before sending, `before` runs with the socket corked,
 * so that what it sends and the request leave in one segment. */
static long gc_request(struct gc *c, const char *path, int (*before)(gnutls_session_t))
{
    char req[256], want[256];
    snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
    snprintf(want, sizeof(want), "ok %s\n", path);
    uint64_t t0 = ts_now_ms();
    int on = 1, off = 0;
    setsockopt(c->fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
    bool ok = before == NULL || before(c->s) == GNUTLS_E_SUCCESS;
    ok = ok && gc_send(c, req);
    setsockopt(c->fd, IPPROTO_TCP, TCP_CORK, &off, sizeof(off));
    if (!ok || !gc_expect(c, want, (int)test_ms(5000)))
        return -1;
    return (long)(ts_now_ms() - t0);
}

static int update_ours(gnutls_session_t s)
{
    return gnutls_session_key_update(s, 0);
}

static int update_both(gnutls_session_t s)
{
    return gnutls_session_key_update(s, GNUTLS_KU_PEER);
}

static int update_thrice(gnutls_session_t s)
{
    int rc = GNUTLS_E_SUCCESS;
    for (int i = 0; i < 3 && rc == GNUTLS_E_SUCCESS; i++)
        rc = gnutls_session_key_update(s, 0);
    return rc;
}

/* ---- case 5: renegotiation and KeyUpdate ------------------------------------ */

/* TLS 1.3 KeyUpdate from GnuTLS, each followed at once by a request on the
 * same connection. */
static void test_key_update_gnutls(const struct test_server *ts)
{
    enum ts_mode mode = ts->mode;
    struct gc c;
    bool up = gc_open(&c, ts->port, NULL);
    CHECK_MSG(up && gnutls_protocol_get_version(c.s) == GNUTLS_TLS1_3,
              "%s: a TLS 1.3 connection for KeyUpdate", ts_mode_names[mode]);
    if (up) {
        long plain = gc_request(&c, "/before-update", NULL);
        long ours = gc_request(&c, "/after-update", update_ours);
        long both = gc_request(&c, "/after-update-requested", update_both);
        long thrice = gc_request(&c, "/after-three-updates", update_thrice);
        long limit = test_ms(1000);
        CHECK_MSG(plain >= 0 && plain < limit && ours >= 0 && ours < limit && both >= 0 &&
                      both < limit && thrice >= 0 && thrice < limit,
                  "%s: KeyUpdate then a request in one segment: %ld, %ld, %ld, %ld ms",
                  ts_mode_names[mode], plain, ours, both, thrice);
        printf("%-12s KeyUpdate (GnuTLS)           answers in %ld / %ld / %ld / %ld ms "
               "(none / ours / both / three)\n",
               ts_mode_names[mode], plain, ours, both, thrice);
    }
    gc_close(&c);
    check_served(ts, "KeyUpdate");
}

/* Starts openssl s_client with `version` ("-tls1_3") against the daemon
 * and waits for its handshake; false (a failed check) if it did not
 * complete. */
static bool s_client_start(const struct test_server *ts, const char *version, struct pr_proc *p)
{
    char addr[32];
    snprintf(addr, sizeof(addr), "127.0.0.1:%u", (unsigned int)ts->port);
    const char *argv[] = {
        "openssl", "s_client",        "-connect",    addr,        version,
        "-CAfile", tt_path("ca.pem"), "-servername", "localhost", "-verify_return_error",
        NULL};
    bool ok = pr_start(p, argv) && pr_expect(p, "Verify return code: 0", 5000);
    CHECK_MSG(ok, "%s: openssl s_client %s did not connect: %s", ts_mode_names[ts->mode], version,
              p->buf != NULL ? p->buf : "");
    return ok;
}

/* TLS 1.3 KeyUpdate from OpenSSL: "k" updates its keys, "K" asks the
 * server to update its own too; the next request must be answered. */
static void test_key_update_openssl(const struct test_server *ts)
{
    enum ts_mode mode = ts->mode;
    struct pr_proc p;
    bool ok = s_client_start(ts, "-tls1_3", &p);
    long ms[2] = {-1, -1};
    for (int i = 0; ok && i < 2; i++) {
        static const char *const cmd[] = {"k\n", "K\n"};
        char req[64], want[64];
        snprintf(req, sizeof(req), "GET /openssl-%d HTTP/1.1\r\nHost: x\r\n\r\n", i);
        snprintf(want, sizeof(want), "ok /openssl-%d", i);
        ok = pr_write(&p, cmd[i], 2) && pr_expect(&p, "KEYUPDATE", 5000);
        uint64_t t0 = ts_now_ms();
        ok = ok && pr_write(&p, req, strlen(req)) && pr_expect(&p, want, 5000);
        if (ok)
            ms[i] = (long)(ts_now_ms() - t0);
    }
    int rc = pr_finish(&p, 5000);
    CHECK_MSG(ok && ms[0] < test_ms(1000) && ms[1] < test_ms(1000),
              "%s: openssl KeyUpdate: %ld, %ld ms (exit %d): %s", ts_mode_names[mode], ms[0], ms[1],
              rc, p.buf != NULL ? p.buf : "");
    free(p.buf);
    printf("%-12s KeyUpdate (openssl k, K)     answers in %ld / %ld ms\n", ts_mode_names[mode],
           ms[0], ms[1]);
    check_served(ts, "openssl KeyUpdate");
}

/* TLS 1.2 renegotiation asked by the client: refused by closing. */
static void test_renegotiation(const struct test_server *ts)
{
    enum ts_mode mode = ts->mode;
    struct pr_proc p;
    bool ok = s_client_start(ts, "-tls1_2", &p);
    static const char req[] = "GET /after-renegotiation HTTP/1.1\r\nHost: x\r\n\r\n";
    uint64_t t0 = ts_now_ms();
    ok = ok && pr_write(&p, "R\n", 2) && pr_expect(&p, "RENEGOTIATING", 5000);
    /* The renegotiation starts at once or with the next data s_client
     * sends; the request goes after it, unless s_client has already seen
     * the connection end and stopped (the write then fails). */
    if (ok)
        (void)pr_write(&p, req, sizeof(req) - 1);
    /* The connection ends; s_client notices and stops. */
    int rc = ok ? pr_finish(&p, 5000) : pr_finish(&p, 0);
    long ms = (long)(ts_now_ms() - t0);
    CHECK_MSG(ok && rc >= 0 && strstr(p.buf, "ok /after-renegotiation") == NULL,
              "%s: openssl renegotiation: exit %d: %s", ts_mode_names[mode], rc, p.buf);
    free(p.buf);
    printf("%-12s renegotiation (openssl R)    refused, s_client ended in %ld ms\n",
           ts_mode_names[mode], ms);
    check_served(ts, "openssl renegotiation");

    char port[8], out[8192];
    snprintf(port, sizeof(port), "%u", (unsigned int)ts->port);
    const char *cli[] = {"gnutls-cli",
                         "-p",
                         port,
                         "--x509cafile",
                         tt_path("ca.pem"),
                         "--priority",
                         "NORMAL:-VERS-ALL:+VERS-TLS1.2",
                         "--rehandshake",
                         "localhost",
                         NULL};
    t0 = ts_now_ms();
    rc = pr_run(cli, "", 0, 0, out, sizeof(out), 10000);
    ms = (long)(ts_now_ms() - t0);
    CHECK_MSG(rc >= 0 && strstr(out, "Handshake was completed") != NULL &&
                  strstr(out, "ReHandshake was completed") == NULL,
              "%s: gnutls-cli --rehandshake: exit %d: %s", ts_mode_names[mode], rc, out);
    printf("%-12s renegotiation (gnutls-cli)   refused, gnutls-cli ended in %ld ms (exit %d)\n",
           ts_mode_names[mode], ms, rc);
    check_served(ts, "gnutls-cli --rehandshake");
}

/* ---- the cases per mode ---------------------------------------------------- */

/* Opens a connection that sends `data` and then nothing, watched as
 * watch_port[i]. */
static int open_watched(const struct test_server *ts, int i, const void *data, size_t len)
{
    int fd = rs_connect_tcp(ts->port);
    pthread_mutex_lock(&lock);
    watch_port[i] = fd >= 0 ? rs_local_port(fd) : 0;
    watch_closed_ms[i] = 0;
    pthread_mutex_unlock(&lock);
    CHECK(fd >= 0 && rs_send(fd, data, len));
    return fd;
}

/* Checks that watched connection i, opened at `since`, was closed at the
 * connection timeout, not before. */
static void check_cut_at_timeout(const struct test_server *ts, int i, int fd, uint64_t since,
                                 const char *what)
{
    enum ts_mode mode = ts->mode;
    long waited = rs_wait_closed(fd, (int)test_ms(timeout_s * 1000 + 5000), NULL);
    close(fd);
    pthread_mutex_lock(&lock);
    long ms = watch_closed_ms[i] != 0 ? (long)(watch_closed_ms[i] - since) : -1;
    watch_port[i] = 0;
    pthread_mutex_unlock(&lock);
    CHECK_MSG(waited >= 0 && ms >= (long)timeout_s * 1000 - 100 &&
                  ms < (long)timeout_s * 1000 + test_ms(1500),
              "%s: %s: closed after %ld ms (timeout %u s)", ts_mode_names[mode], what, ms,
              timeout_s);
    printf("%-12s %-28s closed after %ld ms (timeout %u s)\n", ts_mode_names[mode], what, ms,
           timeout_s);
}

/* Cases 1, 2, 3, 5 in one daemon. The connections that must last until
 * the timeout are opened first and timed while the others run. */
static void test_mode(enum ts_mode mode)
{
    struct test_server ts;
    if (!start(&ts, mode))
        return;
    /* A ClientHello cut in the middle, then silence. */
    int cut = open_watched(&ts, 0, hello, hello_len / 2);
    /* A handshake record whose message claims 16 MiB: GnuTLS waits for
     * the rest (taking at most its handshake buffer's limit, 128 KiB), as
     * for any handshake that stalls. */
    unsigned char huge[5 + 64];
    memcpy(huge, "\x16\x03\x01\x00\x40\x01\xff\xff\xff", 9);
    memset(huge + 9, 0x5a, sizeof(huge) - 9);
    int big = open_watched(&ts, 1, huge, sizeof(huge));
    uint64_t opened_at = ts_now_ms();

    test_bad_bytes(&ts);
    test_key_update_gnutls(&ts);
    if (tt_file("ca.pem") != NULL && pr_have("openssl")) {
        test_key_update_openssl(&ts);
        test_renegotiation(&ts);
    }

    check_cut_at_timeout(&ts, 0, cut, opened_at, "half a ClientHello, silence");
    check_cut_at_timeout(&ts, 1, big, opened_at, "record, 16 MiB hello");
    check_served(&ts, "handshakes cut at the timeout");
    stop(&ts);
}

/* Case 4: many connections that start a handshake and stall. */
static void test_many_stalled(enum ts_mode mode)
{
    unsigned long n = test_scaled("stalled handshakes", 1000, 100);
    struct test_server ts;
    if (!start(&ts, mode))
        return;
    int *fds = calloc(n, sizeof(*fds));
    if (fds == NULL)
        return;
    uint64_t t0 = ts_now_ms();
    unsigned long opened = 0;
    for (unsigned long i = 0; i < n; i++) {
        fds[i] = rs_connect_tcp(ts.port);
        if (fds[i] >= 0 && rs_send(fds[i], hello, hello_len / 2))
            opened++;
    }
    uint64_t setup = ts_now_ms() - t0;
    CHECK_MSG(opened == n, "%s: %lu of %lu stalled handshakes started", ts_mode_names[mode], opened,
              n);
    /* Meanwhile a normal client is served, several times. */
    uint64_t t1 = ts_now_ms();
    for (int i = 0; i < 3; i++)
        check_served(&ts, "stalled handshakes");
    uint64_t served = ts_now_ms() - t1;
    /* Then the timeout ends every stalled one. */
    unsigned long closed = 0;
    uint64_t deadline = ts_now_ms() + (uint64_t)test_ms(timeout_s * 1000 + 5000);
    for (unsigned long i = 0; i < n; i++) {
        if (fds[i] < 0)
            continue;
        long left = (long)(deadline - ts_now_ms());
        if (left > 0 && rs_wait_closed(fds[i], (int)left, NULL) >= 0)
            closed++;
        close(fds[i]);
    }
    uint64_t all = ts_now_ms() - t0;
    free(fds);
    CHECK_MSG(closed == opened, "%s: %lu of %lu stalled handshakes closed", ts_mode_names[mode],
              closed, opened);
    printf("%-12s %lu stalled handshakes: opened in %llu ms, 3 GETs meanwhile in %llu ms, "
           "all closed %llu ms after the first\n",
           ts_mode_names[mode], n, (unsigned long long)setup, (unsigned long long)served,
           (unsigned long long)all);
    stop(&ts);
}

/* Case 6: a client that stops reading in the middle of a large response. */
static void test_stalled_reader(enum ts_mode mode)
{
    struct test_server ts;
    if (!start(&ts, mode))
        return;
    atomic_store(&big_produced, 0);
    int timeouts = ts_read_locked(&lock, &timed_out);
    long rss0 = ts_rss_kib();
    struct gc c;
    bool ok = gc_open(&c, ts.port, NULL) && gc_send(&c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    size_t got = 0;
    char buf[16384];
    while (ok && got < READ_BEFORE_STALL) {
        ssize_t n = gnutls_record_recv(c.s, buf, sizeof(buf));
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
            continue;
        ok = n > 0;
        got += ok ? (size_t)n : 0;
    }
    CHECK_MSG(ok, "%s: the big response did not start (%zu bytes)", ts_mode_names[mode], got);
    /* From here on the client reads nothing. The server's last write
     * may come a little before this (it filled the socket buffers while
     * the client was still reading them), so its timeout may end a little
     * less than a full timeout from here. */
    uint64_t stalled_at = ts_now_ms();
    for (int i = 0; i < 3; i++)
        check_served(&ts, "a client that stopped reading");
    bool cut = ts_wait_count(&lock, &cond, &timed_out, timeouts + 1,
                             (int)test_ms(timeout_s * 1000 + 5000));
    long ms = (long)(ts_now_ms() - stalled_at);
    unsigned long long produced = atomic_load(&big_produced);
    long rss1 = ts_rss_kib();
    gc_close(&c);
    CHECK_MSG(
        cut && ms >= (long)timeout_s * 1000 - 500 && ms < (long)timeout_s * 1000 + test_ms(2000),
        "%s: a stalled reader cut after %ld ms (timeout %u s)", ts_mode_names[mode], ms, timeout_s);
    /* What the library produced is what the client read plus what the
     * sockets hold (a few MiB on loopback): never the whole body. */
    CHECK_MSG(produced < 24u << 20, "%s: %llu bytes of the 64 MiB produced for a stalled reader",
              ts_mode_names[mode], produced);
    CHECK_MSG(rss1 - rss0 < 16 * 1024, "%s: RSS %ld -> %ld KiB", ts_mode_names[mode], rss0, rss1);
    printf("%-12s stalled reader after %zu KiB: cut after %ld ms, %llu KiB produced, RSS %+ld "
           "KiB\n",
           ts_mode_names[mode], got / 1024, ms, produced / 1024, rss1 - rss0);
    check_served(&ts, "a stalled reader was cut");
    stop(&ts);
}

int main(void)
{
    /* libcurl talks https, verified against the test CA (tlstest.h). */
    setenv("TEST_TLS", "1", 1);
    /* A command-line client that ended early makes writing to it fail,
     * which its check reports, rather than end the test. */
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (tt_file("ca.pem") == NULL || tt_file("server.key") == NULL) {
        CHECK_MSG(0, "the test credentials are missing");
        return check_done();
    }
    /* Under a slow run every step takes longer; the timeout grows so that
     * only stalled clients meet it. */
    timeout_s = test_slow() > 1 ? 8 : 2;
    /* Both ends of the 1,000 connections live in this process. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096) {
        rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    gnutls_certificate_allocate_credentials(&client_cred);
    gnutls_certificate_set_x509_trust_file(client_cred, tt_path("ca.pem"), GNUTLS_X509_FMT_PEM);
    capture_hello();

    static const enum ts_mode modes[] = {TS_EXT_SELECT, TS_EXT_EPOLL,   TS_INT_POLL,
                                         TS_INT_EPOLL,  TS_POOL_SELECT, TS_TPC_POLL};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
        if (ts_mode_available(modes[i]))
            test_mode(modes[i]);
    /* Poll and epoll: more descriptors than select() takes. */
    static const enum ts_mode crowd_modes[] = {TS_INT_EPOLL, TS_POOL_POLL};
    for (size_t i = 0; i < 2; i++)
        if (ts_mode_available(crowd_modes[i]))
            test_many_stalled(crowd_modes[i]);
    static const enum ts_mode reader_modes[] = {TS_EXT_SELECT, TS_POOL_EPOLL, TS_TPC_SELECT};
    for (size_t i = 0; i < 3; i++)
        if (ts_mode_available(reader_modes[i]))
            test_stalled_reader(reader_modes[i]);

    gnutls_certificate_free_credentials(client_cred);
    curl_global_cleanup();
    return check_done();
}
