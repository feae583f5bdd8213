/* Per-connection timeouts (MHD_set_connection_option with
 * MHD_CONNECTION_OPTION_TIMEOUT) against the daemon's, in every mode, with
 * idle keep-alive connections side by side: a shorter own timeout closes
 * its connection first, the daemon's closes the plain one later, an own
 * timeout of 0 keeps a connection open past both, and an own timeout works
 * on a daemon that has none. The external loops only meet these deadlines
 * if they sleep no longer than MHD_get_timeout says. */
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "testsrv.h"

/* /own?t=N sets the connection's timeout to N seconds. */
static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)method;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    if (ts_first_call(req_cls))
        return MHD_YES;
    const char *t = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "t");
    if (strcmp(url, "/own") == 0 && t != NULL)
        MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned int)atoi(t));
    return ts_reply(c, MHD_HTTP_OK, url);
}

/* Opens a keep-alive connection and completes one request for `path`. */
static int served(uint16_t port, const char *path)
{
    int fd = rs_connect(port);
    char req[256], buf[512];
    int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: h\r\n\r\n", path);
    if (fd < 0 || !rs_send(fd, req, (size_t)n) ||
        rs_recv_response(fd, buf, sizeof(buf), 5000) == 0 || rs_status(buf) != 200) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Milliseconds after `t0` at which the server closed `fd`, waiting until
 * `t0 + limit_ms`; 0 if it did not. */
static uint64_t closed_at(int fd, uint64_t t0, uint64_t limit_ms)
{
    for (;;) {
        uint64_t now = ts_now_ms();
        if (now >= t0 + limit_ms)
            return 0;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, (int)(t0 + limit_ms - now)) <= 0)
            continue;
        char b;
        if (recv(fd, &b, 1, MSG_DONTWAIT) <= 0)
            return ts_now_ms() - t0;
    }
}

static bool still_open(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 0;
}

static void test_timeouts(enum ts_mode mode)
{
    struct test_server with, without;
    struct MHD_OptionItem two_s[] = {
        {MHD_OPTION_CONNECTION_TIMEOUT, 2, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (!ts_start(&with, mode, 0, handler, NULL, two_s)) {
        CHECK(0);
        return;
    }
    if (!ts_start(&without, mode, 0, handler, NULL, NULL)) {
        CHECK(0);
        ts_stop(&with);
        return;
    }
    const char *name = ts_mode_names[mode];
    /* Each 1 s timeout counts from its own reply: serving the others takes
     * a while under a sanitizer. */
    int shorter = served(with.port, "/own?t=1");
    uint64_t t0_short = ts_now_ms();
    int never = served(with.port, "/own?t=0");
    int plain = served(with.port, "/plain");
    uint64_t t0 = ts_now_ms();
    int own_only = served(without.port, "/own?t=1");
    uint64_t t0_own = ts_now_ms();
    int no_timeout = served(without.port, "/plain");
    CHECK_MSG(shorter >= 0 && never >= 0 && plain >= 0 && own_only >= 0 && no_timeout >= 0,
              "%s: a client was not served", name);
    uint64_t t_short = closed_at(shorter, t0_short, 3000);
    uint64_t t_own = closed_at(own_only, t0_own, 3000);
    CHECK_MSG(t_short >= 800 && t_short <= 1800, "%s: 1 s own timeout closed after %llu ms", name,
              (unsigned long long)t_short);
    CHECK_MSG(t_own >= 800 && t_own <= 1800,
              "%s: 1 s own timeout without a daemon timeout closed after %llu ms", name,
              (unsigned long long)t_own);
    CHECK_MSG(still_open(plain), "%s: daemon timeout cut in before its time", name);
    uint64_t t_plain = closed_at(plain, t0, 4000);
    CHECK_MSG(t_plain >= 1800 && t_plain <= 2800, "%s: 2 s daemon timeout closed after %llu ms",
              name, (unsigned long long)t_plain);
    CHECK_MSG(still_open(never), "%s: own timeout 0 closed anyway", name);
    CHECK_MSG(still_open(no_timeout), "%s: closed without any timeout", name);
    /* Both still serve. */
    char buf[512];
    const char again[] = "GET /again HTTP/1.1\r\nHost: h\r\n\r\n";
    rs_send(never, again, sizeof(again) - 1);
    CHECK_MSG(rs_recv_response(never, buf, sizeof(buf), 2000) && strstr(buf, "/again"),
              "%s: connection without timeout stopped serving", name);
    rs_send(no_timeout, again, sizeof(again) - 1);
    CHECK(rs_recv_response(no_timeout, buf, sizeof(buf), 2000) && strstr(buf, "/again"));
    int fds[] = {shorter, never, plain, own_only, no_timeout};
    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
        if (fds[i] >= 0)
            close(fds[i]);
    ts_stop(&without);
    ts_stop(&with);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    TS_FOR_EACH_MODE(mode)
    {
        unsigned long failed_before = check_failed_;
        test_timeouts(mode);
        printf("mode %-12s %s\n", ts_mode_names[mode],
               check_failed_ == failed_before ? "ok" : "FAIL");
    }
    curl_global_cleanup();
    return check_done();
}
