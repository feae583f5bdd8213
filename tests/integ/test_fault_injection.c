/* Allocation failures, injected one by one into whole scenarios.
 *
 * Each scenario (daemon start + GET + stop, a multipart upload through the
 * POST processor, a digest-authenticated request, pipelined keep-alive
 * requests, a response with many headers) runs with allocation 1 failing,
 * then allocation 2, and so on, until a run completes without reaching the
 * failing allocation. Every run must end with the correct answer or a clean
 * error (the daemon does not start, a 4xx/5xx status, or a closed
 * connection), never with a wrong answer, a hang or a crash, and must give
 * back every allocation it made (checked by the allocator's own count, and
 * by LeakSanitizer in the sanitizer build).
 *
 * Two kinds of failure: only the Nth allocation (then the daemon must serve
 * the next request correctly, showing it recovered), and the Nth and every
 * later one (then it must still stop cleanly). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "slow.h"
#include "testsrv.h"
#include "util/alloc.h"

#define REALM "fault@test"
#define USER "alice"
#define PASS "secret"
#define MAX_RUNS 400 /* far more allocations than any scenario makes */

enum outcome {
    OUT_CORRECT,     /* the answer the scenario asks for */
    OUT_CLEAN_ERROR, /* an error status or a closed connection */
    OUT_WRONG        /* anything else: a wrong body, a missing header, a hang */
};

static const char *const outcome_names[] = {"correct", "clean error", "WRONG"};

/* ---- the application ---------------------------------------------------- */

struct req {
    struct MHD_PostProcessor *pp;
    bool pp_failed;
    char fields[256];
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int code, const char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer_copy(strlen(text), text);
    if (r == NULL)
        return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *filename, const char *content_type,
                                const char *transfer_encoding, const char *data, uint64_t off,
                                size_t size)
{
    struct req *rq = cls;
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    size_t n = strlen(rq->fields);
    if (off == 0)
        snprintf(rq->fields + n, sizeof(rq->fields) - n, "%s%s%s%s=", n ? ";" : "", key,
                 filename ? ":" : "", filename ? filename : "");
    n = strlen(rq->fields);
    snprintf(rq->fields + n, sizeof(rq->fields) - n, "%.*s", (int)size, data);
    return MHD_YES;
}

/* Fields of a multipart upload, as "name=value;name:file=value" in order. */
static enum MHD_Result post_step(struct MHD_Connection *c, struct req *rq, const char *data,
                                 size_t *size)
{
    if (*size != 0) {
        if (rq->pp != NULL && !rq->pp_failed && MHD_post_process(rq->pp, data, *size) != MHD_YES)
            rq->pp_failed = true;
        *size = 0;
        return MHD_YES;
    }
    if (rq->pp == NULL || rq->pp_failed)
        return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "post processor failed");
    return reply(c, MHD_HTTP_OK, rq->fields);
}

static enum MHD_Result auth_step(struct MHD_Connection *c)
{
    enum MHD_DigestAuthResult res =
        MHD_digest_auth_check3(c, REALM, USER, PASS, 0, 0, MHD_DIGEST_AUTH_MULT_QOP_AUTH,
                               MHD_DIGEST_AUTH_MULT_ALGO3_SHA256);
    if (res == MHD_DAUTH_OK)
        return reply(c, MHD_HTTP_OK, "welcome");
    if (res == MHD_DAUTH_ERROR)
        return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "check failed");
    struct MHD_Response *r = MHD_create_response_from_buffer_static(6, "denied");
    if (r == NULL)
        return MHD_NO;
    enum MHD_Result q = MHD_queue_auth_required_response3(
        c, REALM, "opaque", NULL, r, res == MHD_DAUTH_NONCE_STALE, MHD_DIGEST_AUTH_MULT_QOP_AUTH,
        MHD_DIGEST_AUTH_MULT_ALGO3_SHA256, 0, 0);
    MHD_destroy_response(r);
    return q;
}

/* A response carrying six headers and a footer: either all of them go out
 * or the response is not queued at all. */
static enum MHD_Result headers_step(struct MHD_Connection *c)
{
    static const char body[] = "with headers";
    struct MHD_Response *r = MHD_create_response_from_buffer_copy(sizeof(body) - 1, body);
    if (r == NULL)
        return MHD_NO;
    bool ok = true;
    for (int i = 1; i <= 6 && ok; i++) {
        char name[16], value[32];
        snprintf(name, sizeof(name), "X-H%d", i);
        snprintf(value, sizeof(value), "value-%d", i * 11);
        ok = MHD_add_response_header(r, name, value) == MHD_YES;
    }
    ok = ok && MHD_add_response_footer(r, "X-Foot", "f") == MHD_YES;
    enum MHD_Result ret = ok ? MHD_queue_response(c, MHD_HTTP_OK, r) : MHD_NO;
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)method;
    (void)version;
    struct req *rq = *req_cls;
    if (rq == NULL) {
        rq = calloc(1, sizeof(*rq));
        if (rq == NULL)
            return MHD_NO;
        *req_cls = rq;
        if (strcmp(url, "/post") == 0)
            rq->pp = MHD_create_post_processor(c, 512, on_field, rq);
        return MHD_YES;
    }
    if (strcmp(url, "/post") == 0)
        return post_step(c, rq, upload_data, upload_data_size);
    if (*upload_data_size != 0)
        return MHD_NO;
    if (strcmp(url, "/auth") == 0)
        return auth_step(c);
    if (strcmp(url, "/hdrs") == 0)
        return headers_step(c);
    char text[64];
    snprintf(text, sizeof(text), "ok %s", url);
    return reply(c, MHD_HTTP_OK, text);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct req *rq = *req_cls;
    if (rq == NULL)
        return;
    if (rq->pp != NULL)
        MHD_destroy_post_processor(rq->pp);
    free(rq);
    *req_cls = NULL;
}

/* ---- the clients -------------------------------------------------------- */

/* A libcurl transfer that got no answer ended cleanly if the server closed
 * the connection; a timeout means the daemon hung. */
static enum outcome judge_curl(const struct tc_reply *r, bool right)
{
    if (r->status == 0)
        return r->code == CURLE_OPERATION_TIMEDOUT ? OUT_WRONG : OUT_CLEAN_ERROR;
    if (r->status >= 400)
        return OUT_CLEAN_ERROR;
    return r->status == 200 && right ? OUT_CORRECT : OUT_WRONG;
}

static enum outcome client_get(uint16_t port)
{
    struct tc_reply r;
    tc_get(port, "/get", &r);
    enum outcome o = judge_curl(&r, r.body != NULL && strcmp(r.body, "ok /get") == 0);
    tc_reply_free(&r);
    return o;
}

static enum outcome client_post(uint16_t port)
{
    CURL *curl = curl_easy_init();
    curl_mime *m = curl_mime_init(curl);
    curl_mimepart *p = curl_mime_addpart(m);
    curl_mime_name(p, "name");
    curl_mime_data(p, "Alice", CURL_ZERO_TERMINATED);
    p = curl_mime_addpart(m);
    curl_mime_name(p, "file");
    curl_mime_filename(p, "a.txt");
    curl_mime_data(p, "file body", CURL_ZERO_TERMINATED);
    tc_set_url(curl, port, "/post");
    curl_easy_setopt(curl, CURLOPT_MIMEPOST, m);
    /* tc_perform knows no mime posts: the transfer is run here. */
    char buf[512] = "";
    FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, test_ms(5000));
    struct tc_reply r = {0};
    r.code = curl_easy_perform(curl);
    fclose(f);
    if (r.code == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    curl_mime_free(m);
    curl_easy_cleanup(curl);
    return judge_curl(&r, strcmp(buf, "name=Alice;file:a.txt=file body") == 0);
}

static enum outcome client_auth(uint16_t port)
{
    CURL *curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_DIGEST);
    curl_easy_setopt(curl, CURLOPT_USERPWD, USER ":" PASS);
    struct tc_request rq = {.path = "/auth", .timeout_ms = test_ms(5000)};
    struct tc_reply r;
    tc_perform(curl, port, &rq, &r);
    curl_easy_cleanup(curl);
    enum outcome o = judge_curl(&r, r.body != NULL && strcmp(r.body, "welcome") == 0);
    tc_reply_free(&r);
    return o;
}

static enum outcome client_headers(uint16_t port)
{
    struct tc_reply r;
    tc_get(port, "/hdrs", &r);
    bool right = r.body != NULL && strcmp(r.body, "with headers") == 0;
    for (int i = 1; i <= 6 && right; i++) {
        char name[16], want[32], got[64];
        snprintf(name, sizeof(name), "X-H%d", i);
        snprintf(want, sizeof(want), "value-%d", i * 11);
        right = tc_header(&r, name, got, sizeof(got)) && strcmp(got, want) == 0;
    }
    enum outcome o = judge_curl(&r, right);
    tc_reply_free(&r);
    return o;
}

/* Three pipelined requests: the answers must be "ok /p1", "ok /p2",
 * "ok /p3" in order, or a prefix of them and then an error status or the
 * end of the connection. */
static enum outcome client_pipelined(uint16_t port)
{
    static const char req[] = "GET /p1 HTTP/1.1\r\nHost: a\r\n\r\n"
                              "GET /p2 HTTP/1.1\r\nHost: a\r\n\r\n"
                              "GET /p3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    int fd = rs_connect(port);
    if (fd < 0)
        return OUT_WRONG;
    rs_send(fd, req, sizeof(req) - 1);
    char buf[4096];
    bool closed = false;
    rs_recv(fd, buf, sizeof(buf), (int)test_ms(5000), &closed);
    close(fd);
    if (!closed)
        return OUT_WRONG;
    const char *p = buf;
    int good = 0;
    while ((p = strstr(p, "HTTP/1.1 ")) != NULL) {
        int status = rs_status(p);
        const char *body = strstr(p, "\r\n\r\n");
        if (status != 200)
            return status >= 400 && strstr(p + 9, "HTTP/1.1 ") == NULL ? OUT_CLEAN_ERROR
                                                                       : OUT_WRONG;
        char want[16];
        snprintf(want, sizeof(want), "ok /p%d", ++good);
        if (body == NULL || strncmp(body + 4, want, strlen(want)) != 0)
            return OUT_WRONG;
        p = body + 4;
    }
    return good == 3 ? OUT_CORRECT : OUT_CLEAN_ERROR;
}

/* ---- the runs ----------------------------------------------------------- */

struct scenario {
    const char *name;
    enum outcome (*client)(uint16_t port);
};

static const struct scenario scenarios[] = {
    {"start+GET+stop", client_get},       {"multipart POST", client_post},
    {"digest auth", client_auth},         {"pipelined keep-alive", client_pipelined},
    {"response headers", client_headers},
};

struct run_result {
    enum outcome first;  /* the scenario with the failure armed */
    enum outcome second; /* the same again afterwards (daemon started only) */
    bool started;
    unsigned long seen; /* allocations attempted during the run */
    unsigned long seen_before_second;
    long live; /* allocations not given back after the stop */
};

static void run_once(const struct scenario *sc, enum ts_mode mode, unsigned long n, bool sticky,
                     struct run_result *res)
{
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, 16, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, 10, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    struct test_server ts;
    memset(res, 0, sizeof(*res));
    if (sticky)
        mhd_alloc_fail_at(n);
    else
        mhd_alloc_fail_once(n);
    res->started = ts_start(&ts, mode, MHD_USE_ITC, handler, NULL, opts);
    if (res->started) {
        res->first = sc->client(ts.port);
        res->seen_before_second = mhd_alloc_count();
        res->second = sc->client(ts.port);
        ts_stop(&ts);
    } else {
        res->first = res->second = OUT_CLEAN_ERROR;
    }
    res->seen = mhd_alloc_count();
    res->live = mhd_alloc_live();
    mhd_alloc_fail_at(0);
}

/* Runs `sc` failing allocation 1, 2, ... until it no longer reaches the
 * failing one. Returns the number of runs that met a failure; *errors
 * counts those that ended in a clean error rather than the right answer. */
static unsigned long inject(const struct scenario *sc, enum ts_mode mode, bool sticky,
                            unsigned long *errors)
{
    *errors = 0;
    const char *kind = sticky ? "from" : "only";
    for (unsigned long n = 1; n <= MAX_RUNS; n++) {
        struct run_result res;
        run_once(sc, mode, n, sticky, &res);
        CHECK_MSG(res.live == 0, "%s, %s, %s allocation %lu: %ld allocations not given back",
                  sc->name, ts_mode_names[mode], kind, n, res.live);
        CHECK_MSG(res.first != OUT_WRONG && res.second != OUT_WRONG,
                  "%s, %s, %s allocation %lu: %s then %s", sc->name, ts_mode_names[mode], kind, n,
                  outcome_names[res.first], outcome_names[res.second]);
        /* One failure already spent before the second try: it must work. */
        if (!sticky && res.started && res.seen_before_second >= n)
            CHECK_MSG(res.second == OUT_CORRECT,
                      "%s, %s, allocation %lu failed once: the next request got %s", sc->name,
                      ts_mode_names[mode], n, outcome_names[res.second]);
        if (res.seen < n) {
            CHECK_MSG(res.first == OUT_CORRECT && res.second == OUT_CORRECT,
                      "%s, %s: no failure injected, yet %s then %s", sc->name, ts_mode_names[mode],
                      outcome_names[res.first], outcome_names[res.second]);
            return n - 1;
        }
        if (res.first != OUT_CORRECT || res.second != OUT_CORRECT)
            (*errors)++;
    }
    CHECK_MSG(0, "%s, %s: still allocating after %d runs", sc->name, ts_mode_names[mode], MAX_RUNS);
    return MAX_RUNS;
}

int main(void)
{
    static const enum ts_mode modes[] = {TS_EXT_SELECT, TS_EXT_EPOLL, TS_INT_POLL, TS_POOL_EPOLL,
                                         TS_TPC_SELECT};
    curl_global_init(CURL_GLOBAL_DEFAULT);
    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        unsigned long failed_before = check_failed_;
        printf("mode %s:", ts_mode_names[modes[m]]);
        for (size_t s = 0; s < sizeof(scenarios) / sizeof(scenarios[0]); s++) {
            unsigned long once_err, from_err;
            unsigned long once = inject(&scenarios[s], modes[m], false, &once_err);
            unsigned long from = inject(&scenarios[s], modes[m], true, &from_err);
            printf("\n  %-22s failing one of %2lu (%2lu clean errors), from one of %2lu (%2lu)",
                   scenarios[s].name, once, once_err, from, from_err);
        }
        printf(" %s\n", check_failed_ == failed_before ? "ok" : "FAIL");
        fflush(stdout);
    }
    curl_global_cleanup();
    return check_done();
}
