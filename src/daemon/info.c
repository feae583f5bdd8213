/* MHD_get_daemon_info, the version, the feature list and MHD_free. */
#include "daemon/daemon.h"

#include <stdlib.h>

#include "loop/worker.h"
#include "util/alloc.h"

unsigned int mhd_daemon_count_connections(struct MHD_Daemon *d)
{
    return atomic_load(&d->admitted);
}

_MHD_EXTERN const union MHD_DaemonInfo *MHD_get_daemon_info(struct MHD_Daemon *daemon,
                                                            enum MHD_DaemonInfoType info_type, ...)
{
    struct MHD_Daemon *d = daemon;
    if (d == NULL)
        return NULL;
    if ((unsigned int)info_type >= sizeof(d->info) / sizeof(d->info[0]))
        return NULL;
    union MHD_DaemonInfo *out = &d->info[info_type];
    switch (info_type) {
    case MHD_DAEMON_INFO_LISTEN_FD:
        out->listen_fd = atomic_load(&d->cfg.quiesced) ? MHD_INVALID_SOCKET : d->listen_fd;
        return out;
    case MHD_DAEMON_INFO_EPOLL_FD:
        out->epoll_fd = -1;
        /* With io_uring (internal thread only) the descriptor the worker
         * waits on is its ring's. */
        if (d->n_workers == 1 && mhd_poller_is_edge(&d->workers[0].poller))
            out->epoll_fd = d->workers[0].poller.epfd;
        return out;
    case MHD_DAEMON_INFO_CURRENT_CONNECTIONS:
        out->num_connections = mhd_daemon_count_connections(d);
        return out;
    case MHD_DAEMON_INFO_FLAGS:
        out->flags = (enum MHD_FLAG)d->cfg.flags;
        return out;
    case MHD_DAEMON_INFO_BIND_PORT:
        out->port = d->port;
        return out;
    case MHD_DAEMON_INFO_KEY_SIZE:
    case MHD_DAEMON_INFO_MAC_KEY_SIZE:
    default:
        return NULL;
    }
}

_MHD_EXTERN const char *MHD_get_version(void)
{
    return "1.0.1";
}

_MHD_EXTERN uint32_t MHD_get_version_bin(void)
{
    return (uint32_t)MHD_VERSION;
}

/* What this build does. A feature answered with MHD_YES must work: programs
 * skip what is missing based on these answers. */
_MHD_EXTERN enum MHD_Result MHD_is_feature_supported(enum MHD_FEATURE feature)
{
    switch (feature) {
    case MHD_FEATURE_MESSAGES:
    case MHD_FEATURE_IPv6:
    case MHD_FEATURE_IPv6_ONLY:
    case MHD_FEATURE_POLL:
    case MHD_FEATURE_EPOLL:
    case MHD_FEATURE_SHUTDOWN_LISTEN_SOCKET:
    case MHD_FEATURE_TCP_FASTOPEN:
    case MHD_FEATURE_LARGE_FILE:
    case MHD_FEATURE_THREAD_NAMES:
    case MHD_FEATURE_RESPONSES_SHARED_FD:
    case MHD_FEATURE_AUTODETECT_BIND_PORT:
    case MHD_FEATURE_AUTOSUPPRESS_SIGPIPE:
    case MHD_FEATURE_SENDFILE:
    case MHD_FEATURE_THREADS:
    case MHD_FEATURE_HTTPS_COOKIE_PARSING:
    case MHD_FEATURE_BASIC_AUTH:
    case MHD_FEATURE_DIGEST_AUTH:
    case MHD_FEATURE_DIGEST_AUTH_RFC2069:
    case MHD_FEATURE_DIGEST_AUTH_MD5:
    case MHD_FEATURE_DIGEST_AUTH_SHA256:
    case MHD_FEATURE_DIGEST_AUTH_SHA512_256:
    case MHD_FEATURE_DIGEST_AUTH_USERHASH:
    case MHD_FEATURE_POSTPROCESSOR:
    case MHD_FEATURE_UPGRADE:
        return MHD_YES;
    case MHD_FEATURE_TLS:
    case MHD_FEATURE_HTTPS_CERT_CALLBACK:
    case MHD_FEATURE_HTTPS_CERT_CALLBACK2:
    case MHD_FEATURE_HTTPS_KEY_PASSWORD:
        return mhd_tls_available() ? MHD_YES : MHD_NO;
    default:
        return MHD_NO;
    }
}

_MHD_EXTERN void MHD_free(void *ptr)
{
    mhd_free(ptr);
}
