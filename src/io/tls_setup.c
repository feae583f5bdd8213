/* A daemon's TLS set-up from its options: priorities, certificate or PSK
 * credentials, DH parameters, the session-ticket key and, for 0-RTT, the
 * anti-replay window. Every refusal names the option at fault. */
#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <stdlib.h>
#include <string.h>

#include "io/tls_internal.h"
#include "util/alloc.h"

#define tls_log(t, ...) mhd_log((t)->log, __VA_ARGS__)

/* Priorities tried in turn when the application names none; the first
 * GnuTLS accepts wins. NULL stands for GnuTLS's built-in default. */
static const char *const default_chain[] = {"@LIBMICROHTTPD", "@SYSTEM", NULL, "NORMAL"};

/* What PSK credentials need on top of the defaults: the PSK key
 * exchanges are not part of "NORMAL". */
static const char psk_append[] = "+ECDHE-PSK:+DHE-PSK:+PSK";

bool mhd_tls_available(void)
{
    return true;
}

static gnutls_datum_t datum(const char *s)
{
    gnutls_datum_t d = {(unsigned char *)(uintptr_t)s, (unsigned int)strlen(s)};
    return d;
}

/* "a" + ":" + "b" (b's leading colon dropped), or a copy of the one that
 * is set; NULL when out of memory. */
static char *join(const char *a, const char *b)
{
    while (b != NULL && *b == ':')
        b++;
    size_t la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0;
    char *s = mhd_alloc(la + lb + 2);
    if (s == NULL)
        return NULL;
    size_t n = 0;
    if (la) {
        memcpy(s, a, la);
        n = la;
    }
    if (la && lb)
        s[n++] = ':';
    if (lb) {
        memcpy(s + n, b, lb);
        n += lb;
    }
    s[n] = '\0';
    return s;
}

/* Tries one candidate of the default chain with `append` behind it. */
static int try_default(gnutls_priority_t *p, const char *base, const char *append)
{
    const char *err = NULL;
    if (base == NULL) {
        if (append == NULL || *append == '\0')
            return gnutls_priority_init(p, NULL, &err);
        return gnutls_priority_init2(p, append, &err, GNUTLS_PRIORITY_INIT_DEF_APPEND);
    }
    char *s = join(base, append);
    if (s == NULL)
        return GNUTLS_E_MEMORY_ERROR;
    int rc = gnutls_priority_init(p, s, &err);
    mhd_free(s);
    return rc;
}

static bool setup_priorities(struct mhd_tls *t, const struct mhd_tls_config *cfg)
{
    const char *err = NULL;
    bool psk = t->cred_type == GNUTLS_CRD_PSK;
    if (cfg->priorities != NULL) {
        if (cfg->priorities_append != NULL) {
            tls_log(t, "MHD_OPTION_HTTPS_PRIORITIES_APPEND cannot be combined with "
                       "MHD_OPTION_HTTPS_PRIORITIES (append to that string instead)");
            return false;
        }
        int rc = gnutls_priority_init(&t->prio, cfg->priorities, &err);
        if (rc != GNUTLS_E_SUCCESS) {
            tls_log(t, "MHD_OPTION_HTTPS_PRIORITIES: invalid priority string at \"%s\": %s",
                    err ? err : cfg->priorities, gnutls_strerror(rc));
            return false;
        }
        return true;
    }
    char *append = NULL;
    if (psk || cfg->priorities_append != NULL) {
        append = join(cfg->priorities_append, psk ? psk_append : NULL);
        if (append == NULL)
            return false;
    }
    int rc = GNUTLS_E_INVALID_REQUEST;
    for (size_t i = 0; i < sizeof(default_chain) / sizeof(default_chain[0]); i++) {
        rc = try_default(&t->prio, default_chain[i], append);
        if (rc == GNUTLS_E_SUCCESS)
            break;
    }
    mhd_free(append);
    if (rc != GNUTLS_E_SUCCESS) {
        tls_log(t,
                "MHD_OPTION_HTTPS_PRIORITIES_APPEND: \"%s\" is not accepted after any default "
                "priority string: %s",
                cfg->priorities_append ? cfg->priorities_append : "", gnutls_strerror(rc));
        return false;
    }
    return true;
}

/* Checks the certificate chain alone, so that an error names its option. */
static bool check_cert(struct mhd_tls *t, const char *pem)
{
    gnutls_x509_crt_t *list = NULL;
    unsigned int n = 0;
    gnutls_datum_t d = datum(pem);
    int rc = gnutls_x509_crt_list_import2(&list, &n, &d, GNUTLS_X509_FMT_PEM, 0);
    if (rc < 0 || n == 0) {
        tls_log(t, "MHD_OPTION_HTTPS_MEM_CERT: no usable PEM certificate: %s",
                rc < 0 ? gnutls_strerror(rc) : "empty");
        return false;
    }
    for (unsigned int i = 0; i < n; i++)
        gnutls_x509_crt_deinit(list[i]);
    gnutls_free(list);
    return true;
}

/* Checks the key alone (and its password). */
static bool check_key(struct mhd_tls *t, const char *pem, const char *password)
{
    gnutls_x509_privkey_t key;
    if (gnutls_x509_privkey_init(&key) < 0)
        return false;
    gnutls_datum_t d = datum(pem);
    int rc = gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_PEM, password, 0);
    gnutls_x509_privkey_deinit(key);
    if (rc >= 0)
        return true;
    if (rc == GNUTLS_E_DECRYPTION_FAILED && password != NULL)
        tls_log(t, "MHD_OPTION_HTTPS_KEY_PASSWORD: the key cannot be decrypted with it: %s",
                gnutls_strerror(rc));
    else if (password == NULL && strstr(pem, "ENCRYPTED") != NULL)
        tls_log(t, "MHD_OPTION_HTTPS_MEM_KEY: the key is encrypted and no "
                   "MHD_OPTION_HTTPS_KEY_PASSWORD was given");
    else
        tls_log(t, "MHD_OPTION_HTTPS_MEM_KEY: no usable PEM private key: %s", gnutls_strerror(rc));
    return false;
}

static bool setup_key_cert(struct mhd_tls *t, const struct mhd_tls_config *cfg)
{
    if (cfg->mem_key == NULL || cfg->mem_cert == NULL) {
        tls_log(t, "%s was given without %s",
                cfg->mem_key ? "MHD_OPTION_HTTPS_MEM_KEY" : "MHD_OPTION_HTTPS_MEM_CERT",
                cfg->mem_key ? "MHD_OPTION_HTTPS_MEM_CERT" : "MHD_OPTION_HTTPS_MEM_KEY");
        return false;
    }
    if (!check_cert(t, cfg->mem_cert) || !check_key(t, cfg->mem_key, cfg->key_password))
        return false;
    gnutls_datum_t cert = datum(cfg->mem_cert), key = datum(cfg->mem_key);
    int rc = gnutls_certificate_set_x509_key_mem2(t->cert, &cert, &key, GNUTLS_X509_FMT_PEM,
                                                  cfg->key_password, 0);
    if (rc < 0) {
        tls_log(t, "MHD_OPTION_HTTPS_MEM_KEY and _MEM_CERT do not form a key pair: %s",
                gnutls_strerror(rc));
        return false;
    }
    return true;
}

static bool setup_certificate(struct mhd_tls *t, const struct mhd_tls_config *cfg)
{
    if (gnutls_certificate_allocate_credentials(&t->cert) < 0)
        return false;
    if (cfg->mem_trust != NULL) {
        gnutls_datum_t ca = datum(cfg->mem_trust);
        int rc = gnutls_certificate_set_x509_trust_mem(t->cert, &ca, GNUTLS_X509_FMT_PEM);
        if (rc <= 0) {
            tls_log(t, "MHD_OPTION_HTTPS_MEM_TRUST: no usable PEM CA certificate: %s",
                    rc < 0 ? gnutls_strerror(rc) : "empty");
            return false;
        }
        t->request_cert = true;
    }
    if (cfg->mem_dhparams != NULL) {
        gnutls_datum_t dh = datum(cfg->mem_dhparams);
        int rc = gnutls_dh_params_init(&t->dh);
        if (rc >= 0)
            rc = gnutls_dh_params_import_pkcs3(t->dh, &dh, GNUTLS_X509_FMT_PEM);
        if (rc < 0) {
            tls_log(t, "MHD_OPTION_HTTPS_MEM_DHPARAMS: no usable PEM PKCS#3 DH parameters: %s",
                    gnutls_strerror(rc));
            return false;
        }
        gnutls_certificate_set_dh_params(t->cert, t->dh);
    } else {
        (void)gnutls_certificate_set_known_dh_params(t->cert, GNUTLS_SEC_PARAM_MEDIUM);
    }
    bool callback = cfg->cert_callback != NULL || cfg->cert_callback2 != NULL;
    if (cfg->cert_callback2 != NULL)
        gnutls_certificate_set_retrieve_function3(
            t->cert, (gnutls_certificate_retrieve_function3 *)(uintptr_t)cfg->cert_callback2);
    else if (cfg->cert_callback != NULL)
        gnutls_certificate_set_retrieve_function2(
            t->cert, (gnutls_certificate_retrieve_function2 *)(uintptr_t)cfg->cert_callback);
    if (cfg->mem_key != NULL || cfg->mem_cert != NULL)
        return setup_key_cert(t, cfg);
    if (!callback) {
        tls_log(t, "MHD_USE_TLS needs MHD_OPTION_HTTPS_MEM_KEY and MHD_OPTION_HTTPS_MEM_CERT, or "
                   "MHD_OPTION_HTTPS_CERT_CALLBACK(2)");
        return false;
    }
    return true;
}

/* GnuTLS asks for the key of `username`: the application's callback gives
 * a malloc()ed key, which is handed to GnuTLS in its own allocation. */
static int psk_lookup(gnutls_session_t s, const char *username, gnutls_datum_t *key)
{
    struct mhd_tls_conn *tc = gnutls_session_get_ptr(s);
    void *psk = NULL;
    size_t len = 0;
    if (tc == NULL ||
        tc->t->psk_handler(tc->t->psk_handler_cls, tc->app_conn, username, &psk, &len) != 0 ||
        psk == NULL || len == 0 || len > UINT32_MAX) {
        free(psk);
        return -1;
    }
    key->data = gnutls_malloc(len);
    if (key->data != NULL)
        memcpy(key->data, psk, len);
    key->size = (unsigned int)len;
    free(psk);
    return key->data != NULL ? 0 : -1;
}

static bool setup_psk(struct mhd_tls *t, const struct mhd_tls_config *cfg)
{
    if (cfg->psk_handler == NULL) {
        tls_log(t, "MHD_OPTION_HTTPS_CRED_TYPE is PSK but no MHD_OPTION_GNUTLS_PSK_CRED_HANDLER "
                   "was given");
        return false;
    }
    if (gnutls_psk_allocate_server_credentials(&t->psk) < 0)
        return false;
    t->psk_handler = cfg->psk_handler;
    t->psk_handler_cls = cfg->psk_handler_cls;
    gnutls_psk_set_server_credentials_function(t->psk, psk_lookup);
    return true;
}

static bool setup_early_data(struct mhd_tls *t)
{
    t->replay = mhd_tls_replay_create();
    if (t->replay == NULL || gnutls_anti_replay_init(&t->anti_replay) < 0)
        return false;
    gnutls_anti_replay_set_add_function(t->anti_replay, mhd_tls_replay_add);
    gnutls_anti_replay_set_ptr(t->anti_replay, t->replay);
    return true;
}

static bool setup(struct mhd_tls *t, const struct mhd_tls_config *cfg)
{
    int type = cfg->cred_type_set ? cfg->cred_type : GNUTLS_CRD_CERTIFICATE;
    if (type != GNUTLS_CRD_CERTIFICATE && type != GNUTLS_CRD_PSK) {
        tls_log(t,
                "MHD_OPTION_HTTPS_CRED_TYPE: credentials of type %d are not supported "
                "(certificate or PSK)",
                type);
        return false;
    }
    t->cred_type = (gnutls_credentials_type_t)type;
    if (!setup_priorities(t, cfg))
        return false;
    if (type == GNUTLS_CRD_PSK ? !setup_psk(t, cfg) : !setup_certificate(t, cfg))
        return false;
    if (gnutls_session_ticket_key_generate(&t->ticket_key) < 0)
        return false;
    t->init_flags = GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL;
    if (cfg->post_handshake_auth)
        t->init_flags |= GNUTLS_POST_HANDSHAKE_AUTH;
    if (cfg->early_data) {
        t->init_flags |= GNUTLS_ENABLE_EARLY_DATA;
        if (!setup_early_data(t))
            return false;
    }
    t->alpn = !cfg->no_alpn;
    t->alpn_h2 = t->alpn && cfg->h2;
    return true;
}

struct mhd_tls *mhd_tls_create(const struct mhd_tls_config *cfg, const struct mhd_logger *log)
{
    struct mhd_tls *t = mhd_calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->log = log;
    if (!setup(t, cfg)) {
        mhd_tls_destroy(t);
        return NULL;
    }
    return t;
}

void mhd_tls_destroy(struct mhd_tls *t)
{
    if (t == NULL)
        return;
    if (t->anti_replay != NULL)
        gnutls_anti_replay_deinit(t->anti_replay);
    mhd_tls_replay_destroy(t->replay);
    if (t->ticket_key.data != NULL) {
        gnutls_memset(t->ticket_key.data, 0, t->ticket_key.size);
        gnutls_free(t->ticket_key.data);
    }
    if (t->cert != NULL)
        gnutls_certificate_free_credentials(t->cert);
    if (t->dh != NULL)
        gnutls_dh_params_deinit(t->dh);
    if (t->psk != NULL)
        gnutls_psk_free_server_credentials(t->psk);
    if (t->prio != NULL)
        gnutls_priority_deinit(t->prio);
    mhd_free(t);
}
