/* TLS in a build without GnuTLS (make TLS=no): nothing is available and
 * a daemon asking for it does not start. The GnuTLS files are left out of
 * such a build and this one takes their place. */
#include "io/tls.h"

bool mhd_tls_available(void)
{
    return false;
}

struct mhd_tls *mhd_tls_create(const struct mhd_tls_config *cfg, const struct mhd_logger *log)
{
    (void)cfg;
    mhd_log(log, "MHD_USE_TLS: this build has no TLS support (built with TLS=no)");
    return NULL;
}

void mhd_tls_destroy(struct mhd_tls *t)
{
    (void)t;
}

bool mhd_tls_attach(struct mhd_xport *x, struct mhd_tls *t, struct MHD_Connection *app_conn)
{
    (void)x;
    (void)t;
    (void)app_conn;
    return false;
}

bool mhd_tls_info(const struct mhd_xport *x, int *cipher, int *protocol, void **session)
{
    (void)x;
    (void)cipher;
    (void)protocol;
    (void)session;
    return false;
}

const char *mhd_tls_alpn(const struct mhd_xport *x, size_t *len)
{
    (void)x;
    (void)len;
    return NULL;
}
