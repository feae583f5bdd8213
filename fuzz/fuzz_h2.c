/* HTTP/2 through a whole daemon: a client that sends the connection
 * preface and an empty SETTINGS frame, then the fuzz input as frames, to a
 * daemon with HTTP/2 on (MHD_HTTP2=1) in external-loop mode over a
 * socketpair (fuzz_daemon.h); then a fresh HTTP/2 connection whose
 * "GET /" the same daemon must still answer.
 *
 * Input: one control byte, then the bytes sent after the preface.
 *   bit 0     which daemon: select with the default pool, or epoll with a
 *             4 KiB pool at discipline level -3 (nghttp2's lenient
 *             options);
 *   bits 1-3  how the bytes are sent (fuzz_cutter mode: 0 all at once,
 *             else pieces, never more than 256 of them);
 *   bit 4     shut down the client's sending side after the last byte.
 *
 * The daemons live for the whole run, as a server's would, so damage an
 * input leaves behind shows up in later inputs. Checked after every input,
 * with abort() on failure:
 *  - what the daemon sent starts with its SETTINGS frame;
 *  - once the client has closed, the daemon drops the connection within a
 *    few MHD_run() calls, and every request the application saw was
 *    completed (MHD_OPTION_NOTIFY_COMPLETED balanced the URI log calls);
 *  - on a new connection, "GET /" gets :status 200 and the exact body.
 *
 * The application reads every value, takes bodies, and answers with a
 * buffer, a content reader of unknown size (several DATA frames), an empty
 * 204, or a 404 with a header of its own. */
#include <nghttp2/nghttp2.h>

#include "fuzz_daemon.h"

#define PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
/* A SETTINGS frame without entries. */
#define EMPTY_SETTINGS "\x00\x00\x00\x04\x00\x00\x00\x00\x00"

static const struct fuzz_daemon_kind kinds[2] = {
    {MHD_USE_NO_LISTEN_SOCKET, 0, 0},
    {MHD_USE_NO_LISTEN_SOCKET | MHD_USE_EPOLL, 4096, -3},
};

/* ---- the application ------------------------------------------------------ */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)method;
    struct fuzz_request *r = *req_cls;
    FUZZ_CHECK(r != NULL && url != NULL && method != NULL && version != NULL);
    if (!r->started) {
        r->started = true;
        (void)MHD_get_connection_values_n(
            c, MHD_HEADER_KIND | MHD_COOKIE_KIND | MHD_GET_ARGUMENT_KIND, fuzz_look_at_value, r);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        r->sink = fuzz_hash(r->sink, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    (void)MHD_get_connection_values_n(c, MHD_FOOTER_KIND, fuzz_look_at_value, r);
    return fuzz_answer(c, url);
}

/* ---- frames ------------------------------------------------------------------ */

struct frame {
    size_t len;
    unsigned int type, flags;
    uint32_t stream;
    const uint8_t *payload;
};

/* The frame at *pos of what arrived, if it is all there; *pos moves on. */
static bool next_frame(const struct fuzz_received *in, size_t *pos, struct frame *f)
{
    const uint8_t *p = (const uint8_t *)in->buf + *pos;
    if (in->len - *pos < 9)
        return false;
    f->len = (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
    if (in->len - *pos - 9 < f->len)
        return false;
    f->type = p[3];
    f->flags = p[4];
    f->stream =
        ((uint32_t)p[5] << 24 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 8 | p[8]) & 0x7fffffffu;
    f->payload = p + 9;
    *pos += 9 + f->len;
    return true;
}

/* Whether the answer to stream 1 has ended (DATA or HEADERS with
 * END_STREAM on stream 1). */
static bool have_response(const struct fuzz_received *in)
{
    struct frame f;
    size_t pos = 0;
    while (next_frame(in, &pos, &f))
        if (f.stream == 1 && (f.type == 0 || f.type == 1) && (f.flags & 1))
            return true;
    return false;
}

/* The :status of a header block (the first on the connection, so the
 * decoder starts with an empty table); 0 if it has none. */
static int status_of(const uint8_t *block, size_t len)
{
    nghttp2_hd_inflater *inf;
    FUZZ_CHECK(nghttp2_hd_inflate_new(&inf) == 0);
    int status = 0;
    for (;;) {
        nghttp2_nv nv;
        int flags = 0;
        ssize_t n = nghttp2_hd_inflate_hd2(inf, &nv, &flags, block, len, 1);
        FUZZ_CHECK(n >= 0);
        block += n;
        len -= (size_t)n;
        if (flags & NGHTTP2_HD_INFLATE_EMIT) {
            if (nv.namelen == 7 && memcmp(nv.name, ":status", 7) == 0 && nv.valuelen == 3)
                status = atoi((const char *)nv.value);
        }
        if (flags & NGHTTP2_HD_INFLATE_FINAL)
            break;
        if (n == 0 && len == 0)
            break;
    }
    nghttp2_hd_inflate_del(inf);
    return status;
}

static void check_still_serving(struct MHD_Daemon *d)
{
    /* HEADERS on stream 1, END_STREAM | END_HEADERS: :method GET,
     * :scheme http, :path / (static table), :authority "x" (literal). */
    static const char get[] = PREFACE EMPTY_SETTINGS "\x00\x00\x06\x01\x05\x00\x00\x00\x01"
                                                     "\x82\x86\x84\x01\x01x";
    static struct fuzz_received in;
    memset(&in, 0, sizeof(in));
    int fd = fuzz_connect_client(d);
    fuzz_exchange(d, fd, (const uint8_t *)get, sizeof(get) - 1, 0, false, &in, have_response);
    FUZZ_CHECK(have_response(&in));
    struct frame f;
    size_t pos = 0, body = 0;
    int status = 0;
    char got[sizeof(FUZZ_HELLO)];
    while (next_frame(&in, &pos, &f)) {
        if (f.stream != 1)
            continue;
        if (f.type == 1) {
            /* END_HEADERS, no padding or priority: the block is it all. */
            FUZZ_CHECK((f.flags & 0x2c) == 0x04);
            status = status_of(f.payload, f.len);
        } else if (f.type == 0) {
            FUZZ_CHECK((f.flags & 0x08) == 0 && body + f.len <= strlen(FUZZ_HELLO));
            memcpy(got + body, f.payload, f.len);
            body += f.len;
        }
    }
    FUZZ_CHECK(status == 200);
    FUZZ_CHECK(body == strlen(FUZZ_HELLO) && memcmp(got, FUZZ_HELLO, body) == 0);
    fuzz_settle(d, fd, &fuzz_live_requests);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned int ctl = data[0];
    static bool h2_on;
    if (!h2_on) {
        /* Read by MHD_start_daemon, as a program's user would set it. */
        setenv("MHD_HTTP2", "1", 1);
        h2_on = true;
    }
    struct MHD_Daemon *d = fuzz_get_daemon(ctl & 1, &kinds[ctl & 1], on_request);
    /* The preface and an empty SETTINGS frame, then the input. */
    size_t head = sizeof(PREFACE) - 1 + 9;
    uint8_t *msg = (uint8_t *)fuzz_dup(PREFACE EMPTY_SETTINGS, head, size - 1);
    memcpy(msg + head, data + 1, size - 1);
    static struct fuzz_received in;
    memset(&in, 0, sizeof(in));
    int fd = fuzz_connect_client(d);
    fuzz_exchange(d, fd, msg, head + size - 1, (ctl >> 1) & 7, (ctl & 0x10) != 0, &in, NULL);
    free(msg);
    if (in.len >= 9) {
        /* The server's connection preface: a SETTINGS frame on stream 0. */
        FUZZ_CHECK(in.buf[3] == 4 && (in.buf[4] & 1) == 0);
        FUZZ_CHECK(memcmp(in.buf + 5, "\0\0\0\0", 4) == 0);
    }
    fuzz_settle(d, fd, &fuzz_live_requests);
    check_still_serving(d);
    return 0;
}
