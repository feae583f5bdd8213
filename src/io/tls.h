/* TLS through GnuTLS: what a daemon sets up once (credentials, priorities,
 * session-ticket key, anti-replay window) and the transport that runs one
 * TLS session per connection.
 *
 * The daemon fills struct mhd_tls_config from the MHD_OPTION_HTTPS_* list
 * and calls mhd_tls_create() once; a connection gets its session from
 * mhd_tls_attach(), after which its mhd_xport moves bytes through TLS. A
 * build without GnuTLS (make TLS=no) keeps this interface: creating fails
 * with a logged reason and mhd_tls_available() says no. */
#ifndef MHD_IO_TLS_H
#define MHD_IO_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "io/transport.h"
#include "microhttpd.h"
#include "util/log.h"

/* Function types of the options; the GnuTLS types are not spelled here so
 * that this header needs no GnuTLS headers. */
typedef void (*mhd_tls_any_fn)(void);

/* Every TLS option as given, before anything is checked. Strings are the
 * application's; they are read during mhd_tls_create() only. */
struct mhd_tls_config {
    const char *mem_key;           /* MHD_OPTION_HTTPS_MEM_KEY (PEM) */
    const char *mem_cert;          /* MHD_OPTION_HTTPS_MEM_CERT (PEM, chain) */
    const char *key_password;      /* MHD_OPTION_HTTPS_KEY_PASSWORD */
    const char *mem_trust;         /* MHD_OPTION_HTTPS_MEM_TRUST (PEM CA) */
    const char *mem_dhparams;      /* MHD_OPTION_HTTPS_MEM_DHPARAMS (PEM PKCS#3) */
    const char *priorities;        /* MHD_OPTION_HTTPS_PRIORITIES */
    const char *priorities_append; /* MHD_OPTION_HTTPS_PRIORITIES_APPEND */
    int cred_type;                 /* MHD_OPTION_HTTPS_CRED_TYPE (gnutls_credentials_type_t) */
    bool cred_type_set;
    mhd_tls_any_fn cert_callback;  /* gnutls_certificate_retrieve_function2 * */
    mhd_tls_any_fn cert_callback2; /* gnutls_certificate_retrieve_function3 * */
    MHD_PskServerCredentialsCallback psk_handler;
    void *psk_handler_cls;
    bool no_alpn;             /* MHD_OPTION_TLS_NO_ALPN */
    bool h2;                  /* offer "h2" by ALPN (HTTP/2 is on) */
    bool post_handshake_auth; /* MHD_USE_POST_HANDSHAKE_AUTH_SUPPORT */
    bool early_data;          /* MHD_USE_INSECURE_TLS_EARLY_DATA */
};

/* A daemon's TLS set-up. */
struct mhd_tls;

/* True when this build speaks TLS. */
bool mhd_tls_available(void);

/* Checks the options and builds credentials, priorities and the ticket
 * key. NULL on any error, which is logged naming the option at fault;
 * nothing is left allocated then. */
struct mhd_tls *mhd_tls_create(const struct mhd_tls_config *cfg, const struct mhd_logger *log);

void mhd_tls_destroy(struct mhd_tls *t);

/* Makes `x` (a plain transport on an accepted socket) a TLS server
 * session of `t`. `app_conn` is the connection the application knows,
 * handed to its PSK callback. False when out of memory (x is unchanged). */
bool mhd_tls_attach(struct mhd_xport *x, struct mhd_tls *t, struct MHD_Connection *app_conn);

/* What a connection tells the application about its TLS session: the
 * negotiated cipher and protocol (GnuTLS ids) and the gnutls_session_t.
 * False when `x` is not a TLS transport. */
bool mhd_tls_info(const struct mhd_xport *x, int *cipher, int *protocol, void **session);

/* The protocol ALPN selected ("http/1.1", ...) as a pointer into the
 * session, with its length; NULL when none was negotiated. */
const char *mhd_tls_alpn(const struct mhd_xport *x, size_t *len);

#endif
