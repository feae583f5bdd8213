/* Thread per connection on a process whose descriptors pass FD_SETSIZE: the
 * daemon (and its listen socket) start low, then the process fills its
 * descriptor table past FD_SETSIZE, so every accepted socket and every new
 * connection thread's wake-up channel are numbered above it. Connection
 * threads watch their two descriptors with poll(), whatever the listener
 * uses, so every request is still answered. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "testsrv.h"

#define REQUESTS 20

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **req_cls)
{
    (void)cls, (void)url, (void)method, (void)version, (void)upload, (void)upload_size;
    (void)req_cls;
    static const char body[] = "high\n";
    struct MHD_Response *r = MHD_create_response_from_buffer_static(sizeof(body) - 1, body);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static void run_mode(enum ts_mode mode)
{
    static int filler[FD_SETSIZE + 16];
    struct test_server ts;
    if (!ts_start(&ts, mode, 0, handler, NULL, NULL)) {
        CHECK_MSG(false, "%s: daemon did not start", ts_mode_names[mode]);
        return;
    }
    int n = 0;
    for (; n < FD_SETSIZE + 16; n++) {
        filler[n] = dup(0);
        if (filler[n] < 0)
            break;
        if (filler[n] >= FD_SETSIZE + 8)
            break;
    }
    CHECK_MSG(n > 0 && filler[n - 1] >= FD_SETSIZE, "%s: descriptors filled to %d",
              ts_mode_names[mode], n > 0 ? filler[n - 1] : -1);
    int ok = 0;
    for (int i = 0; i < REQUESTS; i++) {
        static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        char buf[512];
        size_t len = rs_exchange(ts.port, req, sizeof(req) - 1, buf, sizeof(buf), 5000);
        if (len > 0 && rs_status(buf) == 200 && strstr(buf, "high\n") != NULL)
            ok++;
    }
    CHECK_MSG(ok == REQUESTS, "%s: %d of %d answered with descriptors above FD_SETSIZE",
              ts_mode_names[mode], ok, REQUESTS);
    for (int i = 0; i < n; i++) {
        if (filler[i] >= 0)
            close(filler[i]);
    }
    ts_stop(&ts);
}

int main(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < FD_SETSIZE + 256) {
        rl.rlim_cur = rl.rlim_max < FD_SETSIZE + 256 ? rl.rlim_max : FD_SETSIZE + 256;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    run_mode(TS_TPC_SELECT);
    run_mode(TS_TPC_POLL);
    return check_done();
}
