/* Every TLS option of the 1.0 API, through real TLS clients: libcurl (built
 * on OpenSSL), gnutls-cli and openssl s_client.
 *
 *   - key and certificate chain in memory (the client trusts only the root,
 *     so the chain must be sent), an encrypted key with its password;
 *   - client certificates requested with MHD_OPTION_HTTPS_MEM_TRUST and
 *     judged by the application through the session;
 *   - DH parameters (their size shows on a DHE key exchange);
 *   - PSK credentials and the PSK callback;
 *   - the certificate callbacks (2 and 3): a certificate per server name;
 *   - priorities, appended priorities, ALPN and MHD_OPTION_TLS_NO_ALPN,
 *     post-handshake authentication, 0-RTT early data, session resumption;
 *   - connection info (cipher, protocol, session) over TLS and plain;
 *   - every wrong input: the daemon does not start, the log names the
 *     option, and nothing the library allocated is left.
 * The common path (a keep-alive GET and the info the handler sees) runs in
 * every thread mode; the options, which do not depend on the mode, in one
 * internal and one external mode. */
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "client.h"
#include "proc.h"
#include "slow.h"
#include "testsrv.h"
#include "tlstest.h"
#include "util/alloc.h"

/* ---- the application ------------------------------------------------------ */

/* Describes what the handler sees of the connection's TLS session. */
static void describe(struct MHD_Connection *c, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CIPHER_ALGO);
    const union MHD_ConnectionInfo *pi = MHD_get_connection_info(c, MHD_CONNECTION_INFO_PROTOCOL);
    const union MHD_ConnectionInfo *si =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    const union MHD_ConnectionInfo *xi =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_CLIENT_CERT);
    if (ci == NULL || pi == NULL || si == NULL) {
        snprintf(out, cap, "plain cipher=%s protocol=%s session=%s clientcert=%s",
                 ci ? "set" : "none", pi ? "set" : "none", si ? "set" : "none",
                 xi ? "set" : "none");
        return;
    }
    int cipher = ci->cipher_algorithm;
    int protocol = pi->protocol;
    gnutls_session_t s = si->tls_session;
    char sni[256] = "-";
    size_t sni_len = sizeof(sni);
    unsigned int type;
    if (gnutls_server_name_get(s, sni, &sni_len, &type, 0) != GNUTLS_E_SUCCESS)
        strcpy(sni, "-");
    /* The client's certificate, judged as an application would. */
    const char *peer = "none";
    char cn[128] = "-";
    unsigned int n = 0;
    const gnutls_datum_t *certs = gnutls_certificate_get_peers(s, &n);
    if (certs != NULL && n > 0) {
        unsigned int status = 0;
        peer = gnutls_certificate_verify_peers2(s, &status) == 0 && status == 0 ? "verified"
                                                                                : "unverified";
        gnutls_x509_crt_t crt;
        size_t cn_len = sizeof(cn);
        if (gnutls_x509_crt_init(&crt) == 0) {
            if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) != 0 ||
                gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn,
                                              &cn_len) != 0)
                strcpy(cn, "?");
            gnutls_x509_crt_deinit(crt);
        }
    }
    gnutls_datum_t alpn;
    char alpn_s[32] = "-";
    if (gnutls_alpn_get_selected_protocol(s, &alpn) == 0 && alpn.size < sizeof(alpn_s)) {
        memcpy(alpn_s, alpn.data, alpn.size);
        alpn_s[alpn.size] = '\0';
    }
    unsigned int fl = gnutls_session_get_flags(s);
    int dh_bits = gnutls_kx_get(s) == GNUTLS_KX_DHE_RSA ? gnutls_dh_get_prime_bits(s) : 0;
    snprintf(out, cap,
             "tls protocol=%s cipher=%s same=%d kx=%s dh=%d sni=%s peer=%s cn=%s alpn=%s pha=%d "
             "early=%d resumed=%d clientcert=%s",
             gnutls_protocol_get_name((gnutls_protocol_t)protocol),
             gnutls_cipher_get_name((gnutls_cipher_algorithm_t)cipher),
             cipher == (int)gnutls_cipher_get(s) && protocol == (int)gnutls_protocol_get_version(s),
             gnutls_kx_get_name(gnutls_kx_get(s)), dh_bits, sni, peer, cn, alpn_s,
             (fl & GNUTLS_SFLAGS_POST_HANDSHAKE_AUTH) != 0, (fl & GNUTLS_SFLAGS_EARLY_DATA) != 0,
             gnutls_session_is_resumed(s) != 0, xi ? "set" : "none");
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **req_cls)
{
    (void)cls, (void)method, (void)version, (void)upload;
    if (ts_first_call(req_cls))
        return MHD_YES;
    if (*upload_size != 0) {
        *upload_size = 0;
        return MHD_YES;
    }
    char text[600];
    describe(c, text, sizeof(text));
    char body[700];
    snprintf(body, sizeof(body), "%s %s\n", url, text);
    return ts_reply(c, MHD_HTTP_OK, body);
}

/* ---- a log that tests can read ------------------------------------------ */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_text[8192];

static void logger(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    pthread_mutex_lock(&log_lock);
    size_t len = strlen(log_text);
    if (len < sizeof(log_text) - 2) {
        vsnprintf(log_text + len, sizeof(log_text) - 1 - len, fmt, ap);
        len = strlen(log_text);
        log_text[len] = '\n';
        log_text[len + 1] = '\0';
    }
    pthread_mutex_unlock(&log_lock);
}

static bool log_has(const char *s)
{
    pthread_mutex_lock(&log_lock);
    bool yes = strstr(log_text, s) != NULL;
    pthread_mutex_unlock(&log_lock);
    return yes;
}

/* ---- starting ----------------------------------------------------------- */

#define OPT(o, v)                                                                                  \
    {                                                                                              \
        o, 0, (void *)(uintptr_t)(v)                                                               \
    }
#define END                                                                                        \
    {                                                                                              \
        MHD_OPTION_END, 0, NULL                                                                    \
    }

/* Starts a TLS daemon in `mode` with `opts` (key and certificate are not
 * added: each test names its own credentials). */
static bool start(struct test_server *ts, enum ts_mode mode, unsigned int flags,
                  const struct MHD_OptionItem *opts)
{
    struct MHD_OptionItem all[12];
    size_t n = 0;
    all[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)logger, NULL};
    for (; opts[n - 1].option != MHD_OPTION_END && n < 11; n++)
        all[n] = opts[n - 1];
    all[n] = (struct MHD_OptionItem)END;
    log_text[0] = '\0';
    return ts_start(ts, mode, MHD_USE_TLS | flags, handler, NULL, all);
}

/* ---- clients ------------------------------------------------------------ */

struct get {
    const char *host; /* name in the URL (resolved to 127.0.0.1); default 127.0.0.1 */
    const char *ca;   /* trusted CA file; default ca.pem */
    const char *cert; /* client certificate and key files */
    const char *key;
    long tls_max; /* CURL_SSLVERSION_MAX_* or 0 */
    const char *path;
    bool insecure; /* no verification (a server whose chain is incomplete) */
};

/* A GET through libcurl over https on `curl` (reused: keep-alive); the
 * body, or the error, in body; *connects the connections it opened. */
static long curl_get_on(CURL *curl, uint16_t port, const struct get *g, char *body, size_t cap,
                        long *connects)
{
    char url[256];
    const char *host = g->host ? g->host : "127.0.0.1";
    snprintf(url, sizeof(url), "https://%s:%u%s", host, (unsigned int)port,
             g->path ? g->path : "/");
    struct curl_slist *resolve = NULL;
    if (g->host != NULL) {
        char r[128];
        snprintf(r, sizeof(r), "%s:%u:127.0.0.1", g->host, (unsigned int)port);
        resolve = curl_slist_append(NULL, r);
        curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve);
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CAINFO, tt_path(g->ca ? g->ca : "ca.pem"));
    if (g->insecure) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (g->cert != NULL) {
        curl_easy_setopt(curl, CURLOPT_SSLCERT, tt_path(g->cert));
        curl_easy_setopt(curl, CURLOPT_SSLKEY, tt_path(g->key));
    }
    if (g->tls_max)
        curl_easy_setopt(curl, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2 | g->tls_max);
    FILE *f = fmemopen(body, cap, "w");
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, test_ms(10000));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    if (rc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        if (connects != NULL)
            curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, connects);
    }
    fclose(f);
    if (rc != CURLE_OK)
        snprintf(body, cap, "curl error %d: %s", (int)rc, curl_easy_strerror(rc));
    curl_easy_setopt(curl, CURLOPT_RESOLVE, NULL);
    curl_slist_free_all(resolve);
    return status;
}

static long curl_get(uint16_t port, const struct get *g, char *body, size_t cap)
{
    CURL *curl = curl_easy_init();
    long status = curl_get_on(curl, port, g, body, cap, NULL);
    curl_easy_cleanup(curl);
    return status;
}

/* gnutls-cli against the daemon with `extra` arguments, sending one GET
 * that closes; returns its exit status, output in out. */
static int gnutls_cli(uint16_t port, const char *const extra[], char *out, size_t cap)
{
    char p[16];
    snprintf(p, sizeof(p), "%u", (unsigned int)port);
    const char *argv[24] = {"gnutls-cli", "-p", p, "--x509cafile", tt_path("ca.pem")};
    int n = 5;
    for (int i = 0; extra != NULL && extra[i] != NULL && n < 22; i++)
        argv[n++] = extra[i];
    argv[n++] = "localhost";
    argv[n] = NULL;
    static const char req[] = "GET /cli HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    return pr_run(argv, req, sizeof(req) - 1, 2000, out, cap, 10000);
}

/* openssl s_client with `extra` arguments; same contract. */
static int s_client(uint16_t port, const char *const extra[], char *out, size_t cap)
{
    char addr[32];
    snprintf(addr, sizeof(addr), "127.0.0.1:%u", (unsigned int)port);
    const char *argv[24] = {"openssl", "s_client",        "-connect", addr,
                            "-CAfile", tt_path("ca.pem"), "-ign_eof"};
    int n = 7;
    for (int i = 0; extra != NULL && extra[i] != NULL && n < 23; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    static const char req[] = "GET /ossl HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    return pr_run(argv, req, sizeof(req) - 1, 0, out, cap, 10000);
}

/* ---- the common path, in every mode -------------------------------------- */

static void test_every_mode(void)
{
    TS_FOR_EACH_MODE(mode)
    {
        struct MHD_OptionItem opts[] = {OPT(MHD_OPTION_HTTPS_MEM_KEY, tt_file("server.key")),
                                        OPT(MHD_OPTION_HTTPS_MEM_CERT, tt_file("server-chain.pem")),
                                        END};
        struct test_server ts;
        if (!start(&ts, mode, 0, opts)) {
            CHECK_MSG(0, "%s: did not start", ts_mode_names[mode]);
            continue;
        }
        /* Two requests on one connection, then TLS 1.2 on another. */
        CURL *curl = curl_easy_init();
        char body[1024];
        for (int i = 0; i < 2; i++) {
            struct get one = {.path = i == 0 ? "/one" : "/two"};
            long connects = -1;
            long st = curl_get_on(curl, ts.port, &one, body, sizeof(body), &connects);
            CHECK_MSG(st == 200 && strstr(body, "tls protocol=TLS1.3") != NULL &&
                          strstr(body, " same=1 ") != NULL && strstr(body, "alpn=http/1.1") &&
                          strstr(body, "clientcert=none") != NULL,
                      "%s: %s", ts_mode_names[mode], body);
            CHECK_EQ_INT(connects, i == 0 ? 1 : 0);
        }
        curl_easy_cleanup(curl);
        struct get g = {.tls_max = CURL_SSLVERSION_MAX_TLSv1_2};
        long st = curl_get(ts.port, &g, body, sizeof(body));
        CHECK_MSG(st == 200 && strstr(body, "tls protocol=TLS1.2") && strstr(body, " same=1 "),
                  "%s: %s", ts_mode_names[mode], body);
        ts_stop(&ts);
    }
}

/* ---- credentials ---------------------------------------------------------- */

static void test_chain_and_password(enum ts_mode mode)
{
    char body[1024];
    struct get g = {0};
    struct test_server ts;
    /* The leaf alone: a client that trusts only the root cannot verify. */
    struct MHD_OptionItem leaf[] = {OPT(MHD_OPTION_HTTPS_MEM_KEY, tt_file("server.key")),
                                    OPT(MHD_OPTION_HTTPS_MEM_CERT, tt_file("server.pem")), END};
    if (start(&ts, mode, 0, leaf)) {
        CHECK_MSG(curl_get(ts.port, &g, body, sizeof(body)) == 0, "leaf only: %s", body);
        ts_stop(&ts);
    }
    /* The encrypted key with its password. */
    struct MHD_OptionItem enc[] = {OPT(MHD_OPTION_HTTPS_MEM_KEY, tt_file("server-enc.key")),
                                   OPT(MHD_OPTION_HTTPS_KEY_PASSWORD, "correct horse battery"),
                                   OPT(MHD_OPTION_HTTPS_MEM_CERT, tt_file("server-chain.pem")),
                                   END};
    CHECK(start(&ts, mode, 0, enc));
    if (ts.d != NULL) {
        CHECK_MSG(curl_get(ts.port, &g, body, sizeof(body)) == 200 && strstr(body, "tls "),
                  "encrypted key: %s", body);
        ts_stop(&ts);
    }
}

static void test_client_certificates(enum ts_mode mode)
{
    struct MHD_OptionItem opts[] = {OPT(MHD_OPTION_HTTPS_MEM_KEY, tt_file("server.key")),
                                    OPT(MHD_OPTION_HTTPS_MEM_CERT, tt_file("server-chain.pem")),
                                    OPT(MHD_OPTION_HTTPS_MEM_TRUST, tt_file("client-ca.pem")), END};
    struct test_server ts;
    if (!start(&ts, mode, 0, opts)) {
        CHECK(0);
        return;
    }
    char body[1024];
    struct get g = {.cert = "client.pem", .key = "client.key"};
    CHECK_MSG(curl_get(ts.port, &g, body, sizeof(body)) == 200 &&
                  strstr(body, "peer=verified cn=test client "),
              "trusted client: %s", body);
    struct get rogue = {.cert = "rogue.pem", .key = "rogue.key"};
    CHECK_MSG(curl_get(ts.port, &rogue, body, sizeof(body)) == 200 &&
                  strstr(body, "peer=unverified cn=rogue client "),
              "untrusted client: %s", body);
    struct get none = {0};
    CHECK_MSG(curl_get(ts.port, &none, body, sizeof(body)) == 200 && strstr(body, "peer=none "),
              "no client certificate: %s", body);
    /* The same over TLS 1.2, with gnutls-cli. */
    char out[16384];
    const char *args[] = {"--x509certfile",
                          tt_path("client.pem"),
                          "--x509keyfile",
                          tt_path("client.key"),
                          "--priority",
                          "NORMAL:-VERS-ALL:+VERS-TLS1.2",
                          NULL};
    int rc = gnutls_cli(ts.port, args, out, sizeof(out));
    CHECK_MSG(rc == 0 && strstr(out, "protocol=TLS1.2") && strstr(out, "peer=verified"),
              "gnutls-cli with a certificate: exit %d: %s", rc, out);
    ts_stop(&ts);
}

static void test_dh_params(enum ts_mode mode)
{
    struct MHD_OptionItem opts[] = {OPT(MHD_OPTION_HTTPS_MEM_KEY, tt_file("rsa.key")),
                                    OPT(MHD_OPTION_HTTPS_MEM_CERT, tt_file("rsa.pem")),
                                    OPT(MHD_OPTION_HTTPS_MEM_DHPARAMS, tt_file("dh.pem")),
                                    OPT(MHD_OPTION_HTTPS_PRIORITIES_APPEND, "+DHE-RSA"), END};
    struct test_server ts;
    if (!start(&ts, mode, 0, opts)) {
        CHECK_MSG(0, "did not start: %s", log_text);
        return;
    }
    /* A TLS 1.2 client that offers only DHE-RSA and no named DH groups:
     * the server's own parameters (3072 bits) are used. */
    char out[16384];
    const char *args[] = {
        "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+DHE-RSA:-GROUP-ALL:+GROUP-SECP256R1",
        NULL};
    int rc = gnutls_cli(ts.port, args, out, sizeof(out));
    CHECK_MSG(rc == 0 && strstr(out, "kx=DHE-RSA dh=3072 "), "DHE with our parameters: %d %s", rc,
              out);
    ts_stop(&ts);
}

static int psk_calls;

static int psk_handler(void *cls, const struct MHD_Connection *c, const char *username, void **psk,
                       size_t *psk_size)
{
    (void)cls;
    __atomic_add_fetch(&psk_calls, 1, __ATOMIC_SEQ_CST);
    /* The connection is known by then: its address is there. */
    const union MHD_ConnectionInfo *ai = MHD_get_connection_info(
        (struct MHD_Connection *)(uintptr_t)c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ai == NULL || strcmp(username, "alice") != 0)
        return -1;
    const char *hex = tt_file("psk.txt");
    size_t n = strlen(hex) / 2;
    unsigned char *key = malloc(n);
    for (size_t i = 0; i < n; i++) {
        unsigned int v;
        sscanf(hex + 2 * i, "%2x", &v);
        key[i] = (unsigned char)v;
    }
    *psk = key;
    *psk_size = n;
    return 0;
}

static void test_psk(enum ts_mode mode)
{
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_HTTPS_CRED_TYPE, GNUTLS_CRD_PSK, NULL},
        {MHD_OPTION_GNUTLS_PSK_CRED_HANDLER, (intptr_t)psk_handler, NULL},
        END};
    struct test_server ts;
    if (!start(&ts, mode, 0, opts)) {
        CHECK_MSG(0, "PSK daemon did not start: %s", log_text);
        return;
    }
    char out[16384];
    /* gnutls-cli offers PSK key exchanges only when its priorities say so. */
    const char *prio = "--priority=NORMAL:+ECDHE-PSK:+DHE-PSK:+PSK";
    const char *good[] = {prio, "--pskusername", "alice", "--pskkey", tt_file("psk.txt"), NULL};
    int rc = gnutls_cli(ts.port, good, out, sizeof(out));
    CHECK_MSG(rc == 0 && strstr(out, "HTTP/1.1 200 OK") && strstr(out, "kx=ECDHE-PSK"),
              "PSK: exit %d: %s (log: %s)", rc, out, log_text);
    const char *wrong_key[] = {
        prio, "--pskusername", "alice", "--pskkey", "00112233445566778899aabbccddeeff", NULL};
    rc = gnutls_cli(ts.port, wrong_key, out, sizeof(out));
    CHECK_MSG(rc != 0 && strstr(out, "HTTP/1.1") == NULL, "wrong PSK accepted: %s", out);
    const char *unknown[] = {prio,       "--pskusername",    "mallory",
                             "--pskkey", tt_file("psk.txt"), NULL};
    rc = gnutls_cli(ts.port, unknown, out, sizeof(out));
    CHECK_MSG(rc != 0 && strstr(out, "HTTP/1.1") == NULL, "unknown PSK user accepted: %s", out);
    CHECK(__atomic_load_n(&psk_calls, __ATOMIC_SEQ_CST) >= 3);
    ts_stop(&ts);
}

/* Certificates per server name for the certificate callbacks. */
struct named_cert {
    const char *name;
    gnutls_pcert_st pcert[2]; /* the certificate, and the intermediate CA for localhost */
    unsigned int n;
    gnutls_privkey_t key;
};
static struct named_cert named[3] = {{.name = "a.test"}, {.name = "b.test"}, {.name = NULL}};
static int callback_calls;

static bool load_named(void)
{
    const char *files[3][2] = {
        {"sni-a.pem", "sni-a.key"}, {"sni-b.pem", "sni-b.key"}, {"server-chain.pem", "server.key"}};
    for (int i = 0; i < 3; i++) {
        gnutls_datum_t c = {(unsigned char *)(uintptr_t)tt_file(files[i][0]),
                            (unsigned int)strlen(tt_file(files[i][0]))};
        gnutls_datum_t k = {(unsigned char *)(uintptr_t)tt_file(files[i][1]),
                            (unsigned int)strlen(tt_file(files[i][1]))};
        named[i].n = 2;
        if (gnutls_pcert_list_import_x509_raw(named[i].pcert, &named[i].n, &c, GNUTLS_X509_FMT_PEM,
                                              0) != 0 ||
            gnutls_privkey_init(&named[i].key) != 0 ||
            gnutls_privkey_import_x509_raw(named[i].key, &k, GNUTLS_X509_FMT_PEM, NULL, 0) != 0)
            return false;
    }
    return true;
}

static void free_named(void)
{
    for (int i = 0; i < 3; i++) {
        for (unsigned int j = 0; j < named[i].n; j++)
            gnutls_pcert_deinit(&named[i].pcert[j]);
        gnutls_privkey_deinit(named[i].key);
    }
}

static struct named_cert *pick(gnutls_session_t s)
{
    __atomic_add_fetch(&callback_calls, 1, __ATOMIC_SEQ_CST);
    char name[256];
    size_t len = sizeof(name);
    unsigned int type;
    if (gnutls_server_name_get(s, name, &len, &type, 0) == GNUTLS_E_SUCCESS)
        for (int i = 0; i < 2; i++)
            if (strcmp(name, named[i].name) == 0)
                return &named[i];
    return &named[2];
}

static int cert_cb2(gnutls_session_t s, const gnutls_datum_t *req_ca_rdn, int nreqs,
                    const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                    gnutls_pcert_st **pcert, unsigned int *pcert_length, gnutls_privkey_t *privkey)
{
    (void)req_ca_rdn, (void)nreqs, (void)pk_algos, (void)pk_algos_length;
    struct named_cert *nc = pick(s);
    *pcert = nc->pcert;
    *pcert_length = nc->n;
    *privkey = nc->key;
    return 0;
}

static int cert_cb3(gnutls_session_t s, const struct gnutls_cert_retr_st *info,
                    gnutls_pcert_st **certs, unsigned int *certs_length, gnutls_ocsp_data_st **ocsp,
                    unsigned int *ocsp_length, gnutls_privkey_t *privkey, unsigned int *flags)
{
    (void)info;
    struct named_cert *nc = pick(s);
    *certs = nc->pcert;
    *certs_length = nc->n;
    *ocsp = NULL;
    *ocsp_length = 0;
    *privkey = nc->key;
    *flags = 0;
    return 0;
}

static void test_cert_callback(enum ts_mode mode, enum MHD_OPTION which, void *fn)
{
    struct MHD_OptionItem opts[] = {{which, 0, fn}, END};
    struct test_server ts;
    if (!start(&ts, mode, 0, opts)) {
        CHECK_MSG(0, "callback daemon did not start: %s", log_text);
        return;
    }
    int before = __atomic_load_n(&callback_calls, __ATOMIC_SEQ_CST);
    char body[1024];
    for (int i = 0; i < 2; i++) {
        /* The name the client asks for is the name it verifies. */
        struct get g = {.host = named[i].name};
        long st = curl_get(ts.port, &g, body, sizeof(body));
        char want[64];
        snprintf(want, sizeof(want), "sni=%s ", named[i].name);
        CHECK_MSG(st == 200 && strstr(body, want), "option %d, %s: %s", (int)which, named[i].name,
                  body);
    }
    struct get plain = {0};
    CHECK_MSG(curl_get(ts.port, &plain, body, sizeof(body)) == 200 && strstr(body, "sni=-"),
              "no server name: %s", body);
    CHECK(__atomic_load_n(&callback_calls, __ATOMIC_SEQ_CST) >= before + 3);
    ts_stop(&ts);
}

/* ---- priorities, ALPN, flags ------------------------------------------------ */

static void test_priorities(enum ts_mode mode)
{
    char body[1024];
    struct get g = {0};
    struct test_server ts;
    struct MHD_OptionItem only12[] = {
        OPT(MHD_OPTION_HTTPS_MEM_KEY, tt_file("server.key")),
        OPT(MHD_OPTION_HTTPS_MEM_CERT, tt_file("server-chain.pem")),
        OPT(MHD_OPTION_HTTPS_PRIORITIES,
            "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+CHACHA20-POLY1305"),
        END};
    if (start(&ts, mode, 0, only12)) {
        CHECK_MSG(curl_get(ts.port, &g, body, sizeof(body)) == 200 &&
                      strstr(body, "protocol=TLS1.2 cipher=CHACHA20-POLY1305 "),
                  "priorities: %s", body);
        ts_stop(&ts);
    } else {
        CHECK_MSG(0, "priorities: did not start: %s", log_text);
    }
    struct MHD_OptionItem append[] = {OPT(MHD_OPTION_HTTPS_MEM_KEY, tt_file("server.key")),
                                      OPT(MHD_OPTION_HTTPS_MEM_CERT, tt_file("server-chain.pem")),
                                      OPT(MHD_OPTION_HTTPS_PRIORITIES_APPEND, ":-VERS-TLS1.3"),
                                      END};
    if (start(&ts, mode, 0, append)) {
        CHECK_MSG(curl_get(ts.port, &g, body, sizeof(body)) == 200 &&
                      strstr(body, "protocol=TLS1.2 "),
                  "appended priorities: %s", body);
        ts_stop(&ts);
    } else {
        CHECK_MSG(0, "appended priorities: did not start: %s", log_text);
    }
}

static void test_alpn(enum ts_mode mode)
{
    char out[16384];
    const char *ask[] = {"-alpn", "h2,http/1.1", NULL};
    struct test_server ts;
    struct MHD_OptionItem with[] = {OPT(MHD_OPTION_HTTPS_MEM_KEY, tt_file("server.key")),
                                    OPT(MHD_OPTION_HTTPS_MEM_CERT, tt_file("server-chain.pem")),
                                    END};
    if (start(&ts, mode, 0, with)) {
        int rc = s_client(ts.port, ask, out, sizeof(out));
        CHECK_MSG(rc == 0 && strstr(out, "ALPN protocol: http/1.1") && strstr(out, "alpn=http/1.1"),
                  "ALPN: exit %d: %s", rc, out);
        const char *ask10[] = {"-alpn", "http/1.0", NULL};
        rc = s_client(ts.port, ask10, out, sizeof(out));
        CHECK_MSG(rc == 0 && strstr(out, "ALPN protocol: http/1.0"), "ALPN 1.0: %s", out);
        ts_stop(&ts);
    }
    struct MHD_OptionItem without[] = {OPT(MHD_OPTION_HTTPS_MEM_KEY, tt_file("server.key")),
                                       OPT(MHD_OPTION_HTTPS_MEM_CERT, tt_file("server-chain.pem")),
                                       {MHD_OPTION_TLS_NO_ALPN, 1, NULL},
                                       END};
    if (start(&ts, mode, 0, without)) {
        int rc = s_client(ts.port, ask, out, sizeof(out));
        CHECK_MSG(rc == 0 && strstr(out, "No ALPN negotiated") && strstr(out, "alpn=-"),
                  "no ALPN: exit %d: %s", rc, out);
        ts_stop(&ts);
    }
}

static void test_resumption_and_flags(enum ts_mode mode)
{
    char out[32768];
    struct MHD_OptionItem opts[] = {OPT(MHD_OPTION_HTTPS_MEM_KEY, tt_file("server.key")),
                                    OPT(MHD_OPTION_HTTPS_MEM_CERT, tt_file("server-chain.pem")),
                                    END};
    struct test_server ts;
    /* Session tickets: the second connection resumes. */
    if (start(&ts, mode, MHD_USE_POST_HANDSHAKE_AUTH_SUPPORT | MHD_USE_INSECURE_TLS_EARLY_DATA,
              opts)) {
        const char *resume[] = {"--resume", "--waitresumption", "--post-handshake-auth", NULL};
        int rc = gnutls_cli(ts.port, resume, out, sizeof(out));
        CHECK_MSG(rc == 0 && strstr(out, "This is a resumed session") && strstr(out, "resumed=1") &&
                      strstr(out, "pha=1"),
                  "resumption: exit %d: %s", rc, out);
        /* 0-RTT: the request travels as early data on the resumed session. */
        FILE *f = fopen(tt_path("early-request.txt"), "w");
        if (f != NULL) {
            fputs("GET /early HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", f);
            fclose(f);
        }
        char p[16];
        snprintf(p, sizeof(p), "%u", (unsigned int)ts.port);
        const char *argv[] = {"gnutls-cli",
                              "-p",
                              p,
                              "--x509cafile",
                              tt_path("ca.pem"),
                              "--resume",
                              "--waitresumption",
                              "--earlydata",
                              tt_path("early-request.txt"),
                              "localhost",
                              NULL};
        rc = pr_run(argv, "", 0, 3000, out, sizeof(out), 10000);
        CHECK_MSG(strstr(out, "/early tls ") && strstr(out, "early=1 resumed=1"),
                  "early data: exit %d: %s", rc, out);
        ts_stop(&ts);
    }
    /* Without the flags neither is on. */
    if (start(&ts, mode, 0, opts)) {
        const char *pha[] = {"--post-handshake-auth", NULL};
        int rc = gnutls_cli(ts.port, pha, out, sizeof(out));
        CHECK_MSG(rc == 0 && strstr(out, "pha=0 early=0 resumed=0"), "flags off: %d %s", rc, out);
        ts_stop(&ts);
    }
}

/* ---- plain connections have no TLS info --------------------------------- */

static void test_plain_info(void)
{
    struct test_server ts;
    if (!ts_start(&ts, TS_INT_EPOLL, 0, handler, NULL, NULL)) {
        CHECK(0);
        return;
    }
    struct tc_reply r;
    tc_get(ts.port, "/plain", &r);
    CHECK_MSG(r.status == 200 &&
                  strstr(r.body, "plain cipher=none protocol=none session=none clientcert=none"),
              "%s", r.body);
    tc_reply_free(&r);
    ts_stop(&ts);
}

/* ---- wrong input ------------------------------------------------------------ */

struct bad {
    const char *why;
    const char *want_log; /* what the log must name */
    unsigned int flags;
    struct MHD_OptionItem opts[6];
};

static void test_refusals(void)
{
    const char *key = tt_file("server.key"), *cert = tt_file("server-chain.pem");
    static const char garbage[] = "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n"
                                  "-----END CERTIFICATE-----\n";
    static const char bad_key[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    static const char bad_dh[] = "-----BEGIN DH PARAMETERS-----\nMIIBCAKCAQEA\n"
                                 "-----END DH PARAMETERS-----\n";
    const struct bad cases[] = {
        {"no credentials at all", "MHD_OPTION_HTTPS_MEM_KEY", MHD_USE_TLS, {END}},
        {"a certificate without key",
         "MHD_OPTION_HTTPS_MEM_KEY",
         MHD_USE_TLS,
         {OPT(MHD_OPTION_HTTPS_MEM_CERT, cert), END}},
        {"a key without certificate",
         "MHD_OPTION_HTTPS_MEM_CERT",
         MHD_USE_TLS,
         {OPT(MHD_OPTION_HTTPS_MEM_KEY, key), END}},
        {"a broken certificate",
         "MHD_OPTION_HTTPS_MEM_CERT",
         MHD_USE_TLS,
         {OPT(MHD_OPTION_HTTPS_MEM_KEY, key), OPT(MHD_OPTION_HTTPS_MEM_CERT, garbage), END}},
        {"text that is no PEM",
         "MHD_OPTION_HTTPS_MEM_CERT",
         MHD_USE_TLS,
         {OPT(MHD_OPTION_HTTPS_MEM_KEY, key), OPT(MHD_OPTION_HTTPS_MEM_CERT, "hello"), END}},
        {"a broken key",
         "MHD_OPTION_HTTPS_MEM_KEY",
         MHD_USE_TLS,
         {OPT(MHD_OPTION_HTTPS_MEM_KEY, bad_key), OPT(MHD_OPTION_HTTPS_MEM_CERT, cert), END}},
        {"a key that does not match",
         "MHD_OPTION_HTTPS_MEM_KEY",
         MHD_USE_TLS,
         {OPT(MHD_OPTION_HTTPS_MEM_KEY, tt_file("sni-a.key")), OPT(MHD_OPTION_HTTPS_MEM_CERT, cert),
          END}},
        {"a wrong password",
         "MHD_OPTION_HTTPS_KEY_PASSWORD",
         MHD_USE_TLS,
         {OPT(MHD_OPTION_HTTPS_MEM_KEY, tt_file("server-enc.key")),
          OPT(MHD_OPTION_HTTPS_KEY_PASSWORD, "wrong"), OPT(MHD_OPTION_HTTPS_MEM_CERT, cert), END}},
        {"an encrypted key without password",
         "MHD_OPTION_HTTPS_KEY_PASSWORD",
         MHD_USE_TLS,
         {OPT(MHD_OPTION_HTTPS_MEM_KEY, tt_file("server-enc.key")),
          OPT(MHD_OPTION_HTTPS_MEM_CERT, cert), END}},
        {"invalid priorities",
         "MHD_OPTION_HTTPS_PRIORITIES",
         MHD_USE_TLS,
         {OPT(MHD_OPTION_HTTPS_MEM_KEY, key), OPT(MHD_OPTION_HTTPS_MEM_CERT, cert),
          OPT(MHD_OPTION_HTTPS_PRIORITIES, "NORMAL:+NO-SUCH-THING"), END}},
        {"invalid appended priorities",
         "MHD_OPTION_HTTPS_PRIORITIES_APPEND",
         MHD_USE_TLS,
         {OPT(MHD_OPTION_HTTPS_MEM_KEY, key), OPT(MHD_OPTION_HTTPS_MEM_CERT, cert),
          OPT(MHD_OPTION_HTTPS_PRIORITIES_APPEND, "+NO-SUCH-THING"), END}},
        {"both priority options",
         "MHD_OPTION_HTTPS_PRIORITIES_APPEND",
         MHD_USE_TLS,
         {OPT(MHD_OPTION_HTTPS_MEM_KEY, key), OPT(MHD_OPTION_HTTPS_MEM_CERT, cert),
          OPT(MHD_OPTION_HTTPS_PRIORITIES, "NORMAL"),
          OPT(MHD_OPTION_HTTPS_PRIORITIES_APPEND, "-VERS-TLS1.3"), END}},
        {"broken DH parameters",
         "MHD_OPTION_HTTPS_MEM_DHPARAMS",
         MHD_USE_TLS,
         {OPT(MHD_OPTION_HTTPS_MEM_KEY, key), OPT(MHD_OPTION_HTTPS_MEM_CERT, cert),
          OPT(MHD_OPTION_HTTPS_MEM_DHPARAMS, bad_dh), END}},
        {"a broken trust list",
         "MHD_OPTION_HTTPS_MEM_TRUST",
         MHD_USE_TLS,
         {OPT(MHD_OPTION_HTTPS_MEM_KEY, key), OPT(MHD_OPTION_HTTPS_MEM_CERT, cert),
          OPT(MHD_OPTION_HTTPS_MEM_TRUST, "no CA here"), END}},
        {"SRP credentials",
         "MHD_OPTION_HTTPS_CRED_TYPE",
         MHD_USE_TLS,
         {OPT(MHD_OPTION_HTTPS_MEM_KEY, key),
          OPT(MHD_OPTION_HTTPS_MEM_CERT, cert),
          {MHD_OPTION_HTTPS_CRED_TYPE, GNUTLS_CRD_SRP, NULL},
          END}},
        {"PSK without handler",
         "MHD_OPTION_GNUTLS_PSK_CRED_HANDLER",
         MHD_USE_TLS,
         {{MHD_OPTION_HTTPS_CRED_TYPE, GNUTLS_CRD_PSK, NULL}, END}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        log_text[0] = '\0';
        mhd_alloc_fail_at(ULONG_MAX); /* counts without failing */
        struct MHD_Daemon *d =
            MHD_start_daemon(cases[i].flags | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
                             0, NULL, NULL, handler, NULL, MHD_OPTION_EXTERNAL_LOGGER, logger, NULL,
                             MHD_OPTION_ARRAY, cases[i].opts, MHD_OPTION_END);
        long live = mhd_alloc_live();
        mhd_alloc_fail_at(0);
        CHECK_MSG(d == NULL, "%s: the daemon started", cases[i].why);
        if (d != NULL)
            MHD_stop_daemon(d);
        CHECK_MSG(log_has(cases[i].want_log), "%s: the log does not name %s: %s", cases[i].why,
                  cases[i].want_log, log_text);
        CHECK_MSG(live == 0, "%s: %ld allocations left", cases[i].why, live);
    }
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!pr_have("gnutls-cli") || !pr_have("openssl") || tt_file("ca.pem") == NULL) {
        CHECK_MSG(0, "gnutls-cli, openssl and the test credentials are needed");
        return check_done();
    }
    CHECK(load_named());
    test_every_mode();
    test_plain_info();
    test_refusals();
    enum ts_mode modes[] = {TS_INT_EPOLL, TS_EXT_SELECT};
    for (size_t i = 0; i < 2; i++) {
        if (!ts_mode_available(modes[i]))
            continue;
        test_chain_and_password(modes[i]);
        test_client_certificates(modes[i]);
        test_dh_params(modes[i]);
        test_psk(modes[i]);
        test_cert_callback(modes[i], MHD_OPTION_HTTPS_CERT_CALLBACK, (void *)(uintptr_t)cert_cb2);
        test_cert_callback(modes[i], MHD_OPTION_HTTPS_CERT_CALLBACK2, (void *)(uintptr_t)cert_cb3);
        test_priorities(modes[i]);
        test_alpn(modes[i]);
        test_resumption_and_flags(modes[i]);
    }
    free_named();
    curl_global_cleanup();
    return check_done();
}
