/* HTTP/2 connections at the end of a daemon, in every mode, plain and over
 * TLS (ALPN h2):
 *
 *   - MHD_quiesce_daemon: the client gets a shutdown notice (GOAWAY naming
 *     the highest stream id), then the final GOAWAY naming the last stream
 *     served; a stream in flight (a long poll, suspended) still gets its
 *     reply after it, then the connection ends cleanly (no reset) and the
 *     daemon has no connection left;
 *   - MHD_stop_daemon: the client gets a GOAWAY naming the stream that was
 *     in flight before the connection ends, and the application hears
 *     DAEMON_SHUTDOWN for that stream.
 * The client is a Python script (hyperframe and hpack, from python3-h2),
 * run as a child whose output is read line by line, so the test acts on
 * what the client saw, never on time. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "slow.h"
#include "testsrv.h"
#include "tlstest.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int held; /* streams suspended in the handler */
static struct MHD_Connection *held_conn;
static atomic_int completed_ok, completed_shutdown;

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **req_cls)
{
    (void)cls, (void)method, (void)upload, (void)upload_size;
    static int seen, resumed;
    if (*req_cls == NULL) {
        *req_cls = &seen;
        return MHD_YES;
    }
    if (strcmp(url, "/hold") != 0 || strcmp(version, "HTTP/2") != 0)
        return ts_reply(c, MHD_HTTP_OK, "other");
    if (*req_cls == &seen) {
        /* A long poll: suspended until the test resumes it. */
        *req_cls = &resumed;
        MHD_suspend_connection(c);
        pthread_mutex_lock(&lock);
        held_conn = c;
        held++;
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
        return MHD_YES;
    }
    return ts_reply(c, MHD_HTTP_OK, "held reply");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)req_cls;
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        atomic_fetch_add(&completed_ok, 1);
    if (toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN)
        atomic_fetch_add(&completed_shutdown, 1);
}

/* The client: a request for /hold on stream 1, then it prints what
 * arrives, one line per frame of interest, until the connection ends.
 * Frames are read with hyperframe and hpack (under Python's h2), whose
 * connection object would refuse to go on after a GOAWAY. */
static const char script[] =
    "import socket, ssl, sys\n"
    "import hpack, hyperframe.frame as hf\n"
    "port, tls = int(sys.argv[1]), sys.argv[2] == '1'\n"
    "s = socket.create_connection(('127.0.0.1', port), timeout=20)\n"
    "if tls:\n"
    "    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
    "    ctx.check_hostname = False\n"
    "    ctx.verify_mode = ssl.CERT_NONE\n"
    "    ctx.set_alpn_protocols(['h2'])\n"
    "    s = ctx.wrap_socket(s, server_hostname='localhost')\n"
    "    assert s.selected_alpn_protocol() == 'h2'\n"
    "enc, dec = hpack.Encoder(), hpack.Decoder()\n"
    "h = hf.HeadersFrame(1, enc.encode([(':method', 'GET'), (':path', '/hold'),\n"
    "                                   (':scheme', 'http'), (':authority', 'x')]),\n"
    "                    flags=['END_HEADERS', 'END_STREAM'])\n"
    "s.sendall(b'PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n' + hf.SettingsFrame(0).serialize() +\n"
    "          h.serialize())\n"
    "print('sent', flush=True)\n"
    "buf, body = b'', b''\n"
    "def end(how):\n"
    "    print(how, flush=True)\n"
    "    sys.exit(0)\n"
    "while True:\n"
    "    try:\n"
    "        d = s.recv(65536)\n"
    "    except ConnectionResetError:\n"
    "        end('reset')\n"
    "    except (ssl.SSLEOFError, ssl.SSLZeroReturnError):\n"
    "        d = b''\n"
    "    if not d:\n"
    "        end('eof')\n"
    "    buf += d\n"
    "    while len(buf) >= 9:\n"
    "        f, n = hf.Frame.parse_frame_header(memoryview(buf[:9]))\n"
    "        if len(buf) < 9 + n:\n"
    "            break\n"
    "        f.parse_body(memoryview(buf[9:9 + n]))\n"
    "        buf = buf[9 + n:]\n"
    "        if isinstance(f, hf.SettingsFrame) and 'ACK' not in f.flags:\n"
    "            s.sendall(hf.SettingsFrame(0, flags=['ACK']).serialize())\n"
    "        elif isinstance(f, hf.GoAwayFrame):\n"
    "            print('goaway %d %d' % (f.last_stream_id, f.error_code), flush=True)\n"
    "        elif isinstance(f, hf.HeadersFrame):\n"
    "            print('status %s' % dict(dec.decode(f.data))[':status'], flush=True)\n"
    "        elif isinstance(f, hf.DataFrame):\n"
    "            body += f.data\n"
    "        if isinstance(f, (hf.HeadersFrame, hf.DataFrame)) and 'END_STREAM' in f.flags:\n"
    "            print('body %s' % body.decode(), flush=True)\n";

static char script_path[256];

static FILE *run_client(uint16_t port)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s %u %d 2>&1", script_path, port,
             tt_on() ? 1 : 0);
    return popen(cmd, "r");
}

/* Reads the client's lines into log until one starts with `want` (or the
 * client ends); true if it came. */
static bool read_until(FILE *p, const char *want, char *log, size_t cap)
{
    char line[256];
    while (fgets(line, sizeof(line), p) != NULL) {
        strncat(log, line, cap - strlen(log) - 1);
        if (strncmp(line, want, strlen(want)) == 0)
            return true;
    }
    return false;
}

static bool wait_held(int want)
{
    return ts_wait_count(&lock, &cond, &held, want, (int)test_ms(10000));
}

static unsigned int current_connections(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return i ? i->num_connections : 0;
}

static void test_quiesce(enum ts_mode mode, const struct MHD_OptionItem *opts)
{
    const char *m = ts_mode_names[mode];
    struct test_server ts;
    pthread_mutex_lock(&lock);
    held = 0;
    pthread_mutex_unlock(&lock);
    atomic_store(&completed_ok, 0);
    if (!ts_start(&ts, mode, MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME, handler, NULL, opts)) {
        CHECK_MSG(false, "%s: the daemon did not start", m);
        return;
    }
    char log[4096] = "";
    FILE *p = run_client(ts.port);
    CHECK_MSG(p != NULL && read_until(p, "sent", log, sizeof(log)), "%s: client: %s", m, log);
    CHECK_MSG(wait_held(1), "%s: the request did not reach the handler", m);
    MHD_socket lfd = MHD_quiesce_daemon(ts.d);
    CHECK_MSG(lfd != MHD_INVALID_SOCKET, "%s: quiesce refused", m);
    /* The notice, then the final GOAWAY naming stream 1. */
    CHECK_MSG(read_until(p, "goaway 2147483647 0", log, sizeof(log)), "%s: no notice: %s", m, log);
    CHECK_MSG(read_until(p, "goaway 1 0", log, sizeof(log)), "%s: no final GOAWAY: %s", m, log);
    /* The stream in flight is still answered. */
    pthread_mutex_lock(&lock);
    struct MHD_Connection *c = held_conn;
    pthread_mutex_unlock(&lock);
    MHD_resume_connection(c);
    CHECK_MSG(read_until(p, "status 200", log, sizeof(log)), "%s: no reply: %s", m, log);
    CHECK_MSG(read_until(p, "body held reply", log, sizeof(log)), "%s: no body: %s", m, log);
    CHECK_MSG(read_until(p, "eof", log, sizeof(log)), "%s: not a clean end: %s", m, log);
    if (p != NULL)
        CHECK_MSG(pclose(p) == 0, "%s: client failed: %s", m, log);
    for (int i = 0; i < 1000 && current_connections(ts.d) != 0; i++)
        usleep(10000); /* the server's side of the close, polled */
    CHECK_MSG(current_connections(ts.d) == 0, "%s: %u connections left", m,
              current_connections(ts.d));
    CHECK_EQ_INT(atomic_load(&completed_ok), 1);
    ts_stop(&ts);
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd);
}

static void test_stop(enum ts_mode mode, const struct MHD_OptionItem *opts)
{
    const char *m = ts_mode_names[mode];
    struct test_server ts;
    pthread_mutex_lock(&lock);
    held = 0;
    pthread_mutex_unlock(&lock);
    atomic_store(&completed_shutdown, 0);
    if (!ts_start(&ts, mode, MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME, handler, NULL, opts)) {
        CHECK_MSG(false, "%s: the daemon did not start", m);
        return;
    }
    char log[4096] = "";
    FILE *p = run_client(ts.port);
    CHECK_MSG(p != NULL && read_until(p, "sent", log, sizeof(log)), "%s: client: %s", m, log);
    CHECK_MSG(wait_held(1), "%s: the request did not reach the handler", m);
    ts_stop(&ts);
    CHECK_MSG(read_until(p, "goaway 1 0", log, sizeof(log)), "%s: no GOAWAY at stop: %s", m, log);
    if (p != NULL)
        pclose(p);
    CHECK_EQ_INT(atomic_load(&completed_shutdown), 1);
}

int main(void)
{
    if (access("/usr/bin/python3", X_OK) != 0) {
        fprintf(stderr, "SKIP /usr/bin/python3 missing\n");
        return check_done();
    }
    snprintf(script_path, sizeof(script_path), "%s/h2-drain-%d.py",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    FILE *f = fopen(script_path, "w");
    if (f == NULL || fputs(script, f) < 0 || fclose(f) != 0) {
        CHECK_MSG(false, "cannot write %s", script_path);
        return check_done();
    }
    setenv("MHD_HTTP2", "1", 1);
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    TS_FOR_EACH_MODE(mode)
    {
        unsigned long failed = check_failed_;
        for (int tls = 0; tls < 2; tls++) {
            setenv("TEST_TLS", tls ? "1" : "0", 1);
            test_quiesce(mode, opts);
            test_stop(mode, opts);
        }
        printf("mode %-12s %s\n", ts_mode_names[mode], check_failed_ == failed ? "ok" : "FAIL");
    }
    unlink(script_path);
    return check_done();
}
