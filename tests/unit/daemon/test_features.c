/* MHD_is_feature_supported answers what this build really does: programs
 * skip features based on it, so every YES must be backed by working code
 * (and its tests) and every NO must be a feature we do not have. */
#include <stdio.h>

#include "io/tls.h"
#include "microhttpd.h"
#include "../../lib/check.h"

struct want {
    enum MHD_FEATURE f;
    enum MHD_Result yes;
    const char *name;
};

#define W(f, v)                                                                                    \
    {                                                                                              \
        f, v, #f                                                                                   \
    }

static const struct want table[] = {
    W(MHD_FEATURE_MESSAGES, MHD_YES),
    W(MHD_FEATURE_IPv6, MHD_YES),
    W(MHD_FEATURE_IPv6_ONLY, MHD_YES),
    W(MHD_FEATURE_POLL, MHD_YES),
    W(MHD_FEATURE_EPOLL, MHD_YES),
    W(MHD_FEATURE_SHUTDOWN_LISTEN_SOCKET, MHD_YES),
    /* The wake-up channel is an eventfd, not a socketpair. */
    W(MHD_FEATURE_SOCKETPAIR, MHD_NO),
    W(MHD_FEATURE_TCP_FASTOPEN, MHD_YES),
    W(MHD_FEATURE_BASIC_AUTH, MHD_YES),
    W(MHD_FEATURE_DIGEST_AUTH, MHD_YES),
    W(MHD_FEATURE_POSTPROCESSOR, MHD_YES),
    W(MHD_FEATURE_UPGRADE, MHD_YES),
    W(MHD_FEATURE_LARGE_FILE, MHD_YES),
    W(MHD_FEATURE_THREAD_NAMES, MHD_YES),
    W(MHD_FEATURE_RESPONSES_SHARED_FD, MHD_YES),
    W(MHD_FEATURE_AUTODETECT_BIND_PORT, MHD_YES),
    W(MHD_FEATURE_AUTOSUPPRESS_SIGPIPE, MHD_YES),
    W(MHD_FEATURE_SENDFILE, MHD_YES),
    W(MHD_FEATURE_THREADS, MHD_YES),
    W(MHD_FEATURE_HTTPS_COOKIE_PARSING, MHD_YES),
    W(MHD_FEATURE_DIGEST_AUTH_RFC2069, MHD_YES),
    W(MHD_FEATURE_DIGEST_AUTH_MD5, MHD_YES),
    W(MHD_FEATURE_DIGEST_AUTH_SHA256, MHD_YES),
    W(MHD_FEATURE_DIGEST_AUTH_SHA512_256, MHD_YES),
    /* auth-int and the -sess algorithms are never accepted (the contract). */
    W(MHD_FEATURE_DIGEST_AUTH_AUTH_INT, MHD_NO),
    W(MHD_FEATURE_DIGEST_AUTH_ALGO_SESSION, MHD_NO),
    W(MHD_FEATURE_DIGEST_AUTH_USERHASH, MHD_YES),
    W(MHD_FEATURE_EXTERN_HASH, MHD_NO),
    W(MHD_FEATURE_DEBUG_BUILD, MHD_NO),
    W(MHD_FEATURE_FLEXIBLE_FD_SETSIZE, MHD_NO),
};

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **req_cls)
{
    (void)cls, (void)c, (void)url, (void)method, (void)version, (void)upload, (void)upload_size;
    (void)req_cls;
    return MHD_NO;
}

/* HTTPS is there unless the library was built with TLS=no; tests/integ
 * test_tls_* back each of these answers. */
static const enum MHD_FEATURE tls_features[] = {
    MHD_FEATURE_TLS,
    MHD_FEATURE_HTTPS_CERT_CALLBACK,
    MHD_FEATURE_HTTPS_KEY_PASSWORD,
    MHD_FEATURE_HTTPS_CERT_CALLBACK2,
};

int main(void)
{
    enum MHD_Result tls = mhd_tls_available() ? MHD_YES : MHD_NO;
    for (size_t i = 0; i < sizeof(tls_features) / sizeof(tls_features[0]); i++)
        CHECK_MSG(MHD_is_feature_supported(tls_features[i]) == tls, "TLS feature %d",
                  (int)tls_features[i]);
#ifdef MHD_TEST_EXPECT_TLS
    CHECK_MSG(tls == MHD_YES, "the default build speaks TLS");
#endif
    if (tls == MHD_NO) {
        /* A build without TLS refuses MHD_USE_TLS, whatever the options. */
        struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD, 0,
                                                NULL, NULL, handler, NULL,
                                                MHD_OPTION_HTTPS_MEM_KEY, "key",
                                                MHD_OPTION_HTTPS_MEM_CERT, "cert", MHD_OPTION_END);
        CHECK(d == NULL);
        if (d != NULL)
            MHD_stop_daemon(d);
    }
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        CHECK_MSG(MHD_is_feature_supported(table[i].f) == table[i].yes, "%s", table[i].name);
    /* Values outside the enumeration are not features. */
    CHECK(MHD_is_feature_supported((enum MHD_FEATURE)0) == MHD_NO);
    CHECK(MHD_is_feature_supported((enum MHD_FEATURE)35) == MHD_NO);
    CHECK(MHD_is_feature_supported((enum MHD_FEATURE)-1) == MHD_NO);
    return check_done();
}
