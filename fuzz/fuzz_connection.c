/* The whole request path: arbitrary bytes sent to a real daemon over a
 * socketpair, the daemon run by MHD_run() in external-loop mode, then a
 * plain "GET /" on a new connection that the same daemon must still answer
 * correctly.
 *
 * Input: one control byte, then the bytes the client sends.
 *   bits 0-1  which daemon (kinds[] below; 3 is the first one again):
 *             select with the defaults, epoll with a 4 KiB pool at
 *             discipline level 2, select with a 2 KiB pool at level -3
 *             (poll() has no external-loop mode);
 *   bits 2-4  how the bytes are sent (fuzz_cutter mode: 0 all at once,
 *             else pieces, never more than 256 of them);
 *   bit 5     shut down the client's sending side after the last byte.
 *
 * The daemons live for the whole run, as a server's would, so a bad input
 * that leaves damage behind (a leaked connection or request, a broken
 * response, a corrupted pool) shows up in the next inputs too. Checked
 * after every input, with abort() on failure:
 *  - what the daemon sent starts like an HTTP/1.x response;
 *  - once the client has closed, the daemon drops the connection within a
 *    few MHD_run() calls, and every request the application saw was
 *    completed (MHD_OPTION_NOTIFY_COMPLETED balanced the URI log calls);
 *  - a new connection gets "200 OK" with the exact body for "GET /".
 *
 * The application below touches what an application would: all request
 * values, the POST processor, Basic and Digest authentication, and
 * buffer, callback (chunked) and empty responses. Every loop is bounded and
 * nothing sleeps, so one input costs about a millisecond. */
#include "fuzz_daemon.h"

static const struct fuzz_daemon_kind kinds[3] = {
    {MHD_USE_NO_LISTEN_SOCKET, 0, 0},
    {MHD_USE_NO_LISTEN_SOCKET | MHD_USE_EPOLL, 4096, 2},
    {MHD_USE_NO_LISTEN_SOCKET, 2048, -3},
};

/* ---- the application ------------------------------------------------------ */

static enum MHD_Result look_at_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *filename, const char *ctype, const char *tenc,
                                     const char *data, uint64_t off, size_t size)
{
    struct fuzz_request *r = cls;
    (void)kind;
    (void)filename;
    (void)ctype;
    (void)tenc;
    (void)off;
    FUZZ_CHECK(key != NULL);
    if (size > 0)
        r->sink = fuzz_hash(r->sink, data, size);
    return MHD_YES;
}

/* A challenge adds its header to the response it is given, so each one
 * gets a response of its own (the API forbids reusing one). */
static enum MHD_Result challenge(struct MHD_Connection *c, bool basic, bool stale)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer_static(9, "missing\r\n");
    if (resp == NULL)
        return MHD_NO;
    enum MHD_Result ret =
        basic
            ? MHD_queue_basic_auth_required_response3(c, "realm", MHD_YES, resp)
            : MHD_queue_auth_required_response3(c, "realm", "opaque", "/", resp, stale,
                                                MHD_DIGEST_AUTH_MULT_QOP_AUTH,
                                                MHD_DIGEST_AUTH_MULT_ALGO3_SHA256, MHD_NO, MHD_NO);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result answer_auth(struct MHD_Connection *c, const char *url)
{
    if (strcmp(url, "/basic") == 0) {
        struct MHD_BasicAuthInfo *info = MHD_basic_auth_get_username_password3(c);
        if (info != NULL) {
            MHD_free(info);
            return MHD_queue_response(c, MHD_HTTP_OK, fuzz_hello_response);
        }
        return challenge(c, true, false);
    }
    struct MHD_DigestAuthInfo *info = MHD_digest_auth_get_request_info3(c);
    if (info != NULL)
        MHD_free(info);
    enum MHD_DigestAuthResult r = MHD_digest_auth_check3(
        c, "realm", "Mufasa", "Circle of Life", 0, 0, MHD_DIGEST_AUTH_MULT_QOP_ANY_NON_INT,
        MHD_DIGEST_AUTH_MULT_ALGO3_ANY_NON_SESSION);
    if (r == MHD_DAUTH_OK)
        return MHD_queue_response(c, MHD_HTTP_OK, fuzz_hello_response);
    return challenge(c, false, r == MHD_DAUTH_NONCE_STALE);
}

/* The first call: the head is complete. */
static void start_request(struct MHD_Connection *c, struct fuzz_request *r, const char *method)
{
    r->started = true;
    (void)MHD_get_connection_values_n(c, MHD_HEADER_KIND | MHD_COOKIE_KIND | MHD_GET_ARGUMENT_KIND,
                                      fuzz_look_at_value, r);
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (host != NULL)
        r->sink = fuzz_hash(r->sink, host, strlen(host));
    if (strcmp(method, "POST") == 0)
        r->pp = MHD_create_post_processor(c, 512, look_at_field, r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    struct fuzz_request *r = *req_cls;
    FUZZ_CHECK(r != NULL && url != NULL && method != NULL && version != NULL);
    if (!r->started) {
        start_request(c, r, method);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        r->sink = fuzz_hash(r->sink, upload_data, *upload_data_size);
        if (r->pp != NULL && MHD_post_process(r->pp, upload_data, *upload_data_size) == MHD_NO) {
            (void)MHD_destroy_post_processor(r->pp);
            r->pp = NULL;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    (void)MHD_get_connection_values_n(c, MHD_FOOTER_KIND, fuzz_look_at_value, r);
    if (strcmp(url, "/basic") == 0 || strcmp(url, "/digest") == 0)
        return answer_auth(c, url);
    return fuzz_answer(c, url);
}

/* ---- the check that the daemon still works ------------------------------- */

/* The length of the response to "GET /" if `in` holds a complete one with
 * a Content-Length, else 0. */
static size_t response_length(const struct fuzz_received *in)
{
    const char *end = fuzz_find(in->buf, in->len, "\r\n\r\n");
    if (end == NULL)
        return 0;
    size_t head = (size_t)(end - in->buf) + 4;
    const char *cl = fuzz_find(in->buf, head, "\r\nContent-Length: ");
    if (cl == NULL)
        return 0;
    size_t body = 0;
    for (const char *p = cl + 18; *p >= '0' && *p <= '9'; p++)
        body = body * 10 + (size_t)(*p - '0');
    return head + body;
}

static bool have_response(const struct fuzz_received *in)
{
    size_t n = response_length(in);
    return n != 0 && in->len >= n;
}

static void check_still_serving(struct MHD_Daemon *d)
{
    static const char get[] = "GET / HTTP/1.1\r\nHost: fuzz.example\r\n\r\n";
    static struct fuzz_received in;
    memset(&in, 0, sizeof(in));
    int fd = fuzz_connect_client(d);
    fuzz_exchange(d, fd, (const uint8_t *)get, sizeof(get) - 1, 0, false, &in, have_response);
    size_t n = response_length(&in);
    FUZZ_CHECK(n != 0 && in.len == n && in.total == n);
    FUZZ_CHECK(memcmp(in.buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
    FUZZ_CHECK(n >= strlen(FUZZ_HELLO) &&
               memcmp(in.buf + n - strlen(FUZZ_HELLO), FUZZ_HELLO, strlen(FUZZ_HELLO)) == 0);
    FUZZ_CHECK(fuzz_find(in.buf, n - strlen(FUZZ_HELLO), "\r\nContent-Length: 15\r\n") != NULL);
    fuzz_settle(d, fd, &fuzz_live_requests);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned int ctl = data[0];
    struct MHD_Daemon *d = fuzz_get_daemon((ctl & 3) % 3, &kinds[(ctl & 3) % 3], on_request);
    static struct fuzz_received in;
    memset(&in, 0, sizeof(in));
    int fd = fuzz_connect_client(d);
    fuzz_exchange(d, fd, data + 1, size - 1, (ctl >> 2) & 7, (ctl & 0x20) != 0, &in, NULL);
    if (in.len > 0) {
        size_t n = in.len < 7 ? in.len : 7;
        FUZZ_CHECK(memcmp(in.buf, "HTTP/1.", n) == 0);
    }
    fuzz_settle(d, fd, &fuzz_live_requests);
    check_still_serving(d);
    return 0;
}
