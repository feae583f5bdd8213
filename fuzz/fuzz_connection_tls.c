/* Arbitrary bytes into a TLS listener: a daemon with MHD_USE_TLS in
 * external-loop mode, fed over a socketpair as in fuzz_connection, then an
 * ordinary TLS client (GnuTLS, in this process) that must complete its
 * handshake and get "200 OK" for "GET /" from the same daemon.
 *
 * Input: one control byte, then the bytes the client sends in place of a
 * TLS client.
 *   bit 0     which daemon: select with the defaults, or epoll with a
 *             4 KiB pool;
 *   bits 2-4  how the bytes are sent (fuzz_cutter mode: 0 all at once,
 *             else pieces);
 *   bit 5     shut down the client's sending side after the last byte.
 * The seeds are real ClientHellos (GnuTLS and OpenSSL, TLS 1.2 and 1.3),
 * plain HTTP and a few broken records.
 *
 * The server's key and certificate are made once, in memory, with
 * GnuTLS's own API (an ECDSA P-256 key: quick to make and to use). The
 * daemons live for the whole run. Checked after every input, with abort()
 * on failure:
 *  - what the daemon sent, if anything, starts like a TLS record (a
 *    handshake message or an alert), never like anything else;
 *  - once the client has closed, the daemon drops the connection within a
 *    few MHD_run() calls, and no request the application saw is left;
 *  - a new TLS connection completes its handshake and gets the exact
 *    answer to "GET /". */
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <signal.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "fuzz_daemon.h"

#define HELLO "Hello, TLS fuzzer!\n"
/* MHD_run() rounds a well-behaved client may take for its whole exchange. */
#define CLIENT_ROUNDS 200

static struct MHD_Daemon *daemons[2];
static struct MHD_Response *hello_response;
static long live_requests;
static char *key_pem;
static char *cert_pem;

/* ---- the credentials ------------------------------------------------------ */

static char *export_pem(gnutls_datum_t *d)
{
    char *s = malloc(d->size + 1);
    FUZZ_CHECK(s != NULL);
    memcpy(s, d->data, d->size);
    s[d->size] = '\0';
    gnutls_free(d->data);
    return s;
}

/* A self-signed certificate for "localhost"; the client below does not
 * verify it (the fuzzer's concern is the server's state, not trust). */
static void make_credentials(void)
{
    gnutls_x509_privkey_t key;
    gnutls_x509_crt_t crt;
    gnutls_datum_t out;
    FUZZ_CHECK(gnutls_x509_privkey_init(&key) == 0);
    FUZZ_CHECK(gnutls_x509_privkey_generate(
                   key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) == 0);
    FUZZ_CHECK(gnutls_x509_crt_init(&crt) == 0);
    time_t now = time(NULL);
    static const unsigned char serial[] = {1};
    FUZZ_CHECK(gnutls_x509_crt_set_version(crt, 3) == 0);
    FUZZ_CHECK(gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) == 0);
    FUZZ_CHECK(gnutls_x509_crt_set_activation_time(crt, now - 3600) == 0);
    FUZZ_CHECK(gnutls_x509_crt_set_expiration_time(crt, now + 30 * 86400) == 0);
    FUZZ_CHECK(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "localhost", 9) ==
               0);
    FUZZ_CHECK(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
                                                    GNUTLS_FSAN_SET) == 0);
    FUZZ_CHECK(gnutls_x509_crt_set_key(crt, key) == 0);
    FUZZ_CHECK(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) == 0);
    FUZZ_CHECK(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &out) == 0);
    key_pem = export_pem(&out);
    FUZZ_CHECK(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &out) == 0);
    cert_pem = export_pem(&out);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(key);
}

/* ---- the application ------------------------------------------------------ */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls, (void)c;
    FUZZ_CHECK(uri != NULL);
    live_requests++;
    return &live_requests;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    if (*req_cls == NULL)
        return;
    *req_cls = NULL;
    live_requests--;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    (void)cls, (void)method, (void)version, (void)upload_data, (void)req_cls;
    *upload_data_size = 0;
    if (strcmp(url, "/") == 0)
        return MHD_queue_response(c, MHD_HTTP_OK, hello_response);
    return MHD_queue_response(c, MHD_HTTP_NOT_FOUND, hello_response);
}

/* ---- the daemons ---------------------------------------------------------- */

static void stop_daemons(void)
{
    for (int i = 0; i < 2; i++)
        if (daemons[i] != NULL)
            MHD_stop_daemon(daemons[i]);
    MHD_destroy_response(hello_response);
    free(key_pem);
    free(cert_pem);
}

static struct MHD_Daemon *get_daemon(unsigned int i)
{
    if (daemons[i] != NULL)
        return daemons[i];
    if (hello_response == NULL) {
        signal(SIGPIPE, SIG_IGN);
        make_credentials();
        hello_response = MHD_create_response_from_buffer_static(strlen(HELLO), HELLO);
        FUZZ_CHECK(hello_response != NULL);
        atexit(stop_daemons);
    }
    unsigned int flags = MHD_USE_NO_LISTEN_SOCKET | MHD_USE_TLS | MHD_USE_ERROR_LOG;
    daemons[i] = MHD_start_daemon(
        flags | (i == 1 ? MHD_USE_EPOLL : 0), 0, NULL, NULL, on_request, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, fuzz_discard_log, NULL, MHD_OPTION_HTTPS_MEM_KEY, key_pem,
        MHD_OPTION_HTTPS_MEM_CERT, cert_pem, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(i == 1 ? 4096 : 0), MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
    FUZZ_CHECK(daemons[i] != NULL);
    return daemons[i];
}

/* ---- the check that the daemon still works ------------------------------- */

/* A non-blocking GnuTLS client on fd, the daemon run between its steps. */
static void check_still_serving(struct MHD_Daemon *d)
{
    static const char get[] = "GET / HTTP/1.1\r\nHost: fuzz.example\r\n\r\n";
    static gnutls_certificate_credentials_t cred;
    if (cred == NULL)
        FUZZ_CHECK(gnutls_certificate_allocate_credentials(&cred) == 0);
    int fd = fuzz_connect_client(d);
    gnutls_session_t s;
    FUZZ_CHECK(gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL) == 0);
    FUZZ_CHECK(gnutls_set_default_priority(s) == 0);
    FUZZ_CHECK(gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) == 0);
    gnutls_transport_set_int(s, fd);
    gnutls_handshake_set_timeout(s, 0);
    int rc = GNUTLS_E_AGAIN;
    int round = 0;
    for (; round < CLIENT_ROUNDS && rc < 0; round++) {
        rc = gnutls_handshake(s);
        FUZZ_CHECK(rc >= 0 || !gnutls_error_is_fatal(rc));
        MHD_run(d);
    }
    FUZZ_CHECK(rc == GNUTLS_E_SUCCESS);
    ssize_t n;
    do
        n = gnutls_record_send(s, get, sizeof(get) - 1);
    while (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED);
    FUZZ_CHECK(n == (ssize_t)sizeof(get) - 1);
    static struct fuzz_received in;
    memset(&in, 0, sizeof(in));
    size_t want = 0;
    for (; round < CLIENT_ROUNDS && (want == 0 || in.len < want); round++) {
        MHD_run(d);
        n = gnutls_record_recv(s, in.buf + in.len, sizeof(in.buf) - 1 - in.len);
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
            continue;
        FUZZ_CHECK(n > 0);
        in.len += (size_t)n;
        const char *end = fuzz_find(in.buf, in.len, "\r\n\r\n");
        if (end != NULL)
            want = (size_t)(end - in.buf) + 4 + strlen(HELLO);
    }
    FUZZ_CHECK(want != 0 && in.len == want);
    FUZZ_CHECK(memcmp(in.buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
    FUZZ_CHECK(memcmp(in.buf + want - strlen(HELLO), HELLO, strlen(HELLO)) == 0);
    (void)gnutls_bye(s, GNUTLS_SHUT_WR);
    gnutls_deinit(s);
    fuzz_settle(d, fd, &live_requests);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned int ctl = data[0];
    struct MHD_Daemon *d = get_daemon(ctl & 1);
    static struct fuzz_received in;
    memset(&in, 0, sizeof(in));
    int fd = fuzz_connect_client(d);
    fuzz_exchange(d, fd, data + 1, size - 1, (ctl >> 2) & 7, (ctl & 0x20) != 0, &in, NULL);
    /* A handshake record or an alert, in any record version. */
    if (in.len > 0)
        FUZZ_CHECK(in.buf[0] == 0x16 || in.buf[0] == 0x15);
    fuzz_settle(d, fd, &live_requests);
    check_still_serving(d);
    return 0;
}
