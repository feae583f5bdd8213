/* The TLS transport: one GnuTLS server session per connection, driven
 * without ever blocking.
 *
 * Reading hands out what GnuTLS decrypted, record by record; a short read
 * says nothing about the socket, so only GNUTLS_E_AGAIN ends a reading
 * round (short_read_drains is false). Data GnuTLS holds already is thereby
 * read before the connection waits for the poller again.
 *
 * Writing turns iovecs into records: pieces smaller than a record are
 * gathered into one (a response head and a small body leave in one record
 * and one send), larger ones are encrypted in place. When the socket is
 * full GnuTLS keeps the record it encrypted and, on the next send, sends
 * it first and reports its length, whatever is offered then; the caller
 * offers the same bytes again after IO_AGAIN (transport.h), so the count
 * always matches what it offered first. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "io/tls_internal.h"
#include "util/alloc.h"

/* The most plaintext one TLS record carries. */
#define RECORD_MAX 16384u
/* Non-fatal GnuTLS results (warning alerts) retried in one call. */
#define RETRIES_MAX 8
/* The same for a handshake, which also goes on after each record that
 * brought only part of a handshake message: enough for any real client's
 * flight, few enough that one fragmenting its ClientHello into tiny
 * records is turned away. */
#define HANDSHAKE_ROUNDS_MAX 64
/* Bytes written per call at most, so one connection cannot hold its worker
 * while a fast reader keeps the socket empty. */
#define WRITE_ROUND_MAX ((size_t)256 * 1024)

static unsigned char alpn_h2[] = "h2";
static unsigned char alpn_http11[] = "http/1.1";
static unsigned char alpn_http10[] = "http/1.0";
/* What ALPN offers, in the server's order of preference: "h2" only while
 * HTTP/2 is on (the first entry is skipped otherwise). */
static const gnutls_datum_t alpn_protos[] = {
    {alpn_h2, sizeof(alpn_h2) - 1},
    {alpn_http11, sizeof(alpn_http11) - 1},
    {alpn_http10, sizeof(alpn_http10) - 1},
};

/* Scratch space for gathering small pieces into one record; per thread, as
 * each worker thread writes one connection at a time. */
static _Thread_local unsigned char gather[RECORD_MAX];

/* What GnuTLS reads, small requests served from one larger read: without
 * it a small request costs three reads (the record header, its body, and
 * the one that finds the socket empty), with it one. A short read from the
 * socket also tells the connection it may wait for the poller. */
#define READ_AHEAD 4096u

static ssize_t pull(gnutls_transport_ptr_t p, void *data, size_t len)
{
    struct mhd_tls_conn *tc = p;
    if (tc->ra_len == 0) {
        ssize_t n;
        if (len >= READ_AHEAD) {
            do
                n = recv(tc->fd, data, len, 0);
            while (n < 0 && errno == EINTR);
            if (n >= 0)
                tc->sock_drained = (size_t)n < len;
            else if (errno == EAGAIN || errno == EWOULDBLOCK)
                tc->sock_again = true;
            return n;
        }
        if (tc->ra == NULL && (tc->ra = mhd_alloc(READ_AHEAD)) == NULL) {
            errno = ENOMEM;
            return -1;
        }
        do
            n = recv(tc->fd, tc->ra, READ_AHEAD, 0);
        while (n < 0 && errno == EINTR);
        if (n <= 0) {
            int err = errno;
            if (n < 0 && (err == EAGAIN || err == EWOULDBLOCK))
                tc->sock_again = true;
            mhd_free(tc->ra);
            tc->ra = NULL;
            errno = err;
            return n;
        }
        tc->sock_drained = (size_t)n < READ_AHEAD;
        tc->ra_off = 0;
        tc->ra_len = (size_t)n;
    }
    size_t k = len < tc->ra_len ? len : tc->ra_len;
    memcpy(data, tc->ra + tc->ra_off, k);
    tc->ra_off += k;
    tc->ra_len -= k;
    if (tc->ra_len == 0) {
        mhd_free(tc->ra);
        tc->ra = NULL;
    }
    return (ssize_t)k;
}

bool mhd_tls_attach(struct mhd_xport *x, struct mhd_tls *t, struct MHD_Connection *app_conn)
{
    struct mhd_tls_conn *tc = mhd_calloc(1, sizeof(*tc));
    if (tc == NULL)
        return false;
    tc->t = t;
    tc->app_conn = app_conn;
    if (gnutls_init(&tc->s, t->init_flags) < 0) {
        mhd_free(tc);
        return false;
    }
    bool ok = gnutls_priority_set(tc->s, t->prio) >= 0;
    if (t->cred_type == GNUTLS_CRD_PSK)
        ok = ok && gnutls_credentials_set(tc->s, GNUTLS_CRD_PSK, t->psk) >= 0;
    else
        ok = ok && gnutls_credentials_set(tc->s, GNUTLS_CRD_CERTIFICATE, t->cert) >= 0;
    ok = ok && gnutls_session_ticket_enable_server(tc->s, &t->ticket_key) >= 0;
    if (ok && t->alpn) {
        unsigned int skip = t->alpn_h2 ? 0 : 1;
        ok = gnutls_alpn_set_protocols(tc->s, alpn_protos + skip,
                                       sizeof(alpn_protos) / sizeof(alpn_protos[0]) - skip,
                                       GNUTLS_ALPN_SERVER_PRECEDENCE) >= 0;
    }
    if (ok && t->anti_replay != NULL) {
        gnutls_anti_replay_enable(tc->s, t->anti_replay);
        ok = gnutls_record_set_max_early_data_size(tc->s, RECORD_MAX) >= 0;
    }
    if (!ok) {
        gnutls_deinit(tc->s);
        mhd_free(tc);
        return false;
    }
    if (t->request_cert)
        gnutls_certificate_server_set_request(tc->s, GNUTLS_CERT_REQUEST);
    /* The connection's own clock limits the handshake (and only while it
     * makes no progress), not GnuTLS's. */
    gnutls_handshake_set_timeout(tc->s, 0);
    gnutls_session_set_ptr(tc->s, tc);
    tc->fd = x->fd;
    /* GnuTLS sends on the descriptor itself; reads go through pull(). */
    gnutls_transport_set_int(tc->s, x->fd);
    gnutls_transport_set_pull_function(tc->s, pull);
    gnutls_transport_set_ptr2(tc->s, tc, (gnutls_transport_ptr_t)(intptr_t)x->fd);
    x->tp = &mhd_transport_tls;
    x->state = tc;
    x->want_write = false;
    return true;
}

static struct mhd_tls_conn *conn_of(const struct mhd_xport *x)
{
    return x->state;
}

/* The direction an interrupted GnuTLS call waits for. */
static enum mhd_io again(struct mhd_xport *x)
{
    x->want_write = gnutls_record_get_direction(conn_of(x)->s) == 1;
    return IO_AGAIN;
}

/* After GNUTLS_E_AGAIN: true when the call may simply be made again.
 * GnuTLS also answers "again" when it has handled a record and read no
 * further: a TLS 1.3 post-handshake message (KeyUpdate), a record holding
 * only part of a handshake message, or the end of input met inside a
 * record header (the next call reports it). The records behind may then
 * already wait in the read-ahead, and the poller would never report them
 * (or the end of input) again. Only the socket found empty, or a reply
 * that waits to be written (a KeyUpdate answering one that asked for it),
 * means waiting for the poller. Reset tc->sock_again before each call. */
static bool may_go_on(const struct mhd_tls_conn *tc)
{
    return !tc->sock_again && gnutls_record_get_direction(tc->s) == 0;
}

static enum mhd_io tls_handshake(struct mhd_xport *x)
{
    struct mhd_tls_conn *tc = conn_of(x);
    for (int i = 0; i < HANDSHAKE_ROUNDS_MAX; i++) {
        tc->sock_again = false;
        int rc = gnutls_handshake(tc->s);
        if (rc == GNUTLS_E_SUCCESS) {
            tc->early_data = (gnutls_session_get_flags(tc->s) & GNUTLS_SFLAGS_EARLY_DATA) != 0;
            return IO_DONE;
        }
        if (rc == GNUTLS_E_AGAIN) {
            if (may_go_on(tc))
                continue;
            return again(x);
        }
        if (rc == GNUTLS_E_PREMATURE_TERMINATION)
            return IO_EOF; /* the client went away: nothing worth a log line */
        if (rc != GNUTLS_E_INTERRUPTED && gnutls_error_is_fatal(rc)) {
            mhd_log(tc->t->log, "TLS handshake failed: %s", gnutls_strerror(rc));
            return IO_FAILED;
        }
    }
    mhd_log(tc->t->log, "TLS handshake failed: the client's flight came in too many pieces");
    return IO_FAILED;
}

/* 0-RTT data arrived with the handshake and comes before everything else. */
static bool recv_early(struct mhd_tls_conn *tc, void *buf, size_t len, size_t *got)
{
    ssize_t n = gnutls_record_recv_early_data(tc->s, buf, len);
    if (n > 0) {
        *got = (size_t)n;
        return true;
    }
    tc->early_data = false;
    return false;
}

static enum mhd_io tls_recv(struct mhd_xport *x, void *buf, size_t len, size_t *got)
{
    struct mhd_tls_conn *tc = conn_of(x);
    if (tc->early_data && recv_early(tc, buf, len, got))
        return IO_DONE;
    x->drained = false;
    for (int i = 0; i < RETRIES_MAX; i++) {
        tc->sock_drained = false;
        tc->sock_again = false;
        ssize_t n = gnutls_record_recv(tc->s, buf, len);
        if (n > 0) {
            *got = (size_t)n;
            x->drained = tc->sock_drained && tc->ra_len == 0 &&
                         gnutls_record_check_pending(tc->s) == 0;
            return IO_DONE;
        }
        if (n == 0 || n == GNUTLS_E_PREMATURE_TERMINATION)
            return IO_EOF; /* close_notify, or a close without one */
        if (n == GNUTLS_E_AGAIN) {
            if (may_go_on(tc))
                continue;
            return again(x);
        }
        /* A client asking to renegotiate (TLS 1.2) is refused by closing:
         * nothing an HTTP server needs comes from it. */
        if (n == GNUTLS_E_REHANDSHAKE) {
            mhd_log(tc->t->log, "TLS renegotiation refused: closing the connection");
            return IO_FAILED;
        }
        if (n != GNUTLS_E_INTERRUPTED && gnutls_error_is_fatal((int)n))
            return IO_FAILED;
    }
    return IO_FAILED;
}

/* The next record's plaintext starting at iov[*i] + *off: in place when
 * that piece fills a record or is the last one, gathered otherwise. */
static size_t next_record(const struct iovec *iov, int iovcnt, int i, size_t off,
                          const unsigned char **out)
{
    size_t first = iov[i].iov_len - off;
    if (first >= RECORD_MAX || i == iovcnt - 1) {
        *out = (const unsigned char *)iov[i].iov_base + off;
        return first < RECORD_MAX ? first : RECORD_MAX;
    }
    size_t len = 0;
    for (; i < iovcnt && len < RECORD_MAX; i++, off = 0) {
        size_t k = iov[i].iov_len - off;
        if (k > RECORD_MAX - len)
            k = RECORD_MAX - len;
        memcpy(gather + len, (const unsigned char *)iov[i].iov_base + off, k);
        len += k;
    }
    *out = gather;
    return len;
}

/* Moves the position (*i, *off) `n` bytes on, skipping empty pieces. */
static void skip(const struct iovec *iov, int iovcnt, int *i, size_t *off, size_t n)
{
    while (*i < iovcnt) {
        size_t left = iov[*i].iov_len - *off;
        if (n < left) {
            *off += n;
            return;
        }
        n -= left;
        (*i)++;
        *off = 0;
    }
}

static enum mhd_io tls_writev(struct mhd_xport *x, const struct iovec *iov, int iovcnt, bool more,
                              size_t *sent)
{
    struct mhd_tls_conn *tc = conn_of(x);
    (void)more;
    int i = 0;
    size_t off = 0, total = 0;
    skip(iov, iovcnt, &i, &off, 0);
    while (i < iovcnt && total < WRITE_ROUND_MAX) {
        const unsigned char *p;
        size_t len = next_record(iov, iovcnt, i, off, &p);
        ssize_t n = gnutls_record_send(tc->s, p, len);
        if (n == GNUTLS_E_INTERRUPTED)
            continue;
        if (n == GNUTLS_E_AGAIN) {
            if (total > 0)
                break;
            return again(x);
        }
        if (n <= 0)
            return total > 0 ? IO_DONE : IO_FAILED;
        total += (size_t)n;
        skip(iov, iovcnt, &i, &off, (size_t)n);
    }
    *sent = total;
    return total > 0 ? IO_DONE : IO_AGAIN;
}

static enum mhd_io tls_end_send(struct mhd_xport *x, bool fin)
{
    struct mhd_tls_conn *tc = conn_of(x);
    int rc;
    do
        rc = gnutls_bye(tc->s, GNUTLS_SHUT_WR);
    while (rc == GNUTLS_E_INTERRUPTED);
    if (rc == GNUTLS_E_AGAIN)
        return again(x);
    if (rc != GNUTLS_E_SUCCESS)
        return IO_FAILED;
    if (fin)
        (void)shutdown(x->fd, SHUT_WR);
    return IO_DONE;
}

static void tls_release(struct mhd_xport *x)
{
    struct mhd_tls_conn *tc = conn_of(x);
    if (tc == NULL)
        return;
    gnutls_deinit(tc->s);
    mhd_free(tc->ra);
    mhd_free(tc);
}

bool mhd_tls_info(const struct mhd_xport *x, int *cipher, int *protocol, void **session)
{
    if (x->tp != &mhd_transport_tls)
        return false;
    gnutls_session_t s = conn_of(x)->s;
    *cipher = (int)gnutls_cipher_get(s);
    *protocol = (int)gnutls_protocol_get_version(s);
    *session = s;
    return true;
}

const char *mhd_tls_alpn(const struct mhd_xport *x, size_t *len)
{
    gnutls_datum_t p;
    if (x->tp != &mhd_transport_tls ||
        gnutls_alpn_get_selected_protocol(conn_of(x)->s, &p) != GNUTLS_E_SUCCESS)
        return NULL;
    *len = p.size;
    return (const char *)p.data;
}

const struct mhd_transport mhd_transport_tls = {
    .name = "tls",
    .short_read_drains = false,
    .raw_socket = false,
    .end_answered = true,
    .handshake = tls_handshake,
    .recv = tls_recv,
    .writev = tls_writev,
    .sendfile = NULL,
    .end_send = tls_end_send,
    .release = tls_release,
};
