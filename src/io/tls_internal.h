/* Shared by the GnuTLS files of src/io; nothing outside includes this. */
#ifndef MHD_IO_TLS_INTERNAL_H
#define MHD_IO_TLS_INTERNAL_H

#include <gnutls/gnutls.h>
#include <pthread.h>

#include "io/tls.h"

struct mhd_tls_replay;

struct mhd_tls {
    const struct mhd_logger *log;
    gnutls_priority_t prio;
    gnutls_credentials_type_t cred_type;
    gnutls_certificate_credentials_t cert; /* certificate credentials */
    gnutls_psk_server_credentials_t psk;   /* PSK credentials */
    gnutls_dh_params_t dh;
    gnutls_datum_t ticket_key;        /* master key; GnuTLS derives rotating keys from it */
    gnutls_anti_replay_t anti_replay; /* early data only */
    struct mhd_tls_replay *replay;
    MHD_PskServerCredentialsCallback psk_handler;
    void *psk_handler_cls;
    unsigned int init_flags; /* gnutls_init() flags of every session */
    bool request_cert;       /* ask clients for a certificate */
    bool alpn;
    bool alpn_h2; /* offer "h2" first */
};

/* One connection's TLS state (mhd_xport.state). */
struct mhd_tls_conn {
    gnutls_session_t s;
    struct mhd_tls *t;
    struct MHD_Connection *app_conn;
    bool early_data; /* 0-RTT data may wait to be read */
    int fd;
    /* Read-ahead: GnuTLS asks for a record's 5-byte header and then its
     * body; one read of the socket serves both (and the next records) from
     * here. Allocated only while it holds bytes. */
    unsigned char *ra;
    size_t ra_off, ra_len;
    bool sock_drained; /* the last read from the socket was short */
    bool sock_again;   /* a read from the socket found it empty (EAGAIN) */
};

/* The anti-replay database of 0-RTT ClientHellos (tls_replay.c): an entry
 * per accepted early-data hello until it expires. */
struct mhd_tls_replay *mhd_tls_replay_create(void);
void mhd_tls_replay_destroy(struct mhd_tls_replay *r);
/* A gnutls_db_add_func: 0 when stored, GNUTLS_E_DB_ENTRY_EXISTS for a
 * replay, another error when the table is full. */
int mhd_tls_replay_add(void *ptr, time_t exp_time, const gnutls_datum_t *key,
                       const gnutls_datum_t *data);

/* The per-connection transport (transport_tls.c). */
extern const struct mhd_transport mhd_transport_tls;

#endif
