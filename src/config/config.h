/* The daemon's configuration, below everything that reads it.
 *
 * src/daemon parses the MHD_OPTION_* list once into struct mhd_config and
 * embeds it; the workers (src/loop), the connections (src/conn) and the
 * protocols over them (src/h2) reach it through a pointer and see nothing
 * else of the daemon. */
#ifndef MHD_CONFIG_CONFIG_H
#define MHD_CONFIG_CONFIG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "io/tls.h"
#include "microhttpd.h"
#include "util/log.h"

struct mhd_dauth;
struct mhd_protocol;
struct mhd_tls;

typedef void *(*mhd_uri_log_fn)(void *cls, const char *uri, struct MHD_Connection *con);
typedef size_t (*mhd_unescape_cb)(void *cls, struct MHD_Connection *c, char *s);

/* Defaults chosen to match libmicrohttpd's. */
#define MHD_DEFAULT_POOL_SIZE ((size_t)32 * 1024)
#define MHD_DEFAULT_POOL_INCREMENT ((size_t)1500)
#define MHD_DEFAULT_NONCE_TIMEOUT 90u
#define MHD_DEFAULT_MAX_NC 1000u
#define MHD_DEFAULT_NONCE_NC_SIZE 4u
#define MHD_DEFAULT_TFO_QUEUE 10u

/* The daemon as the layers below it see it: every MHD_OPTION_* value after
 * parsing (defaults filled in), the flags and the access handler, what the
 * start set up from them, and the two flags raised while it runs. Written
 * before the first worker starts, except `quiesced` and `shutdown`. */
struct mhd_config {
    struct MHD_Daemon *daemon; /* the handle the application holds (opaque here) */
    unsigned int flags;        /* effective flags, as MHD_DAEMON_INFO_FLAGS reports */
    MHD_AccessHandlerCallback handler;
    void *handler_cls;
    struct mhd_logger log;
    size_t pool_size;
    size_t pool_increment;
    unsigned int conn_limit;
    bool conn_limit_set;
    uint64_t timeout_ms; /* 0: connections never time out */
    MHD_RequestCompletedCallback notify_completed;
    void *notify_completed_cls;
    MHD_NotifyConnectionCallback notify_connection;
    void *notify_connection_cls;
    unsigned int per_ip_limit;
    struct sockaddr_storage bind_addr;
    socklen_t bind_addr_len; /* 0: no bind address given */
    mhd_uri_log_fn uri_log;
    void *uri_log_cls;
    mhd_unescape_cb unescape;
    void *unescape_cls;
    MHD_socket listen_fd; /* MHD_INVALID_SOCKET: none given */
    unsigned int pool_threads;
    size_t thread_stack;
    unsigned int tfo_queue;
    int reuse;            /* -1 not given, 0 off, 1 SO_REUSEPORT */
    unsigned int backlog; /* 0: SOMAXCONN */
    int discipline;       /* -3 ... 3 */
    bool discipline_set;
    bool sigpipe_by_app;
    int fd_setsize;
    /* Digest authentication */
    const void *dauth_random;
    size_t dauth_random_len;
    bool dauth_random_copy;
    unsigned int nonce_nc_size;
    unsigned int dauth_bind;
    unsigned int dauth_timeout;
    uint32_t dauth_max_nc;
    /* TLS options as given; checked when the daemon's TLS is set up. */
    struct mhd_tls_config tls;

    /* Set up at start from the above. */
    struct mhd_tls *tls_ctx;       /* credentials and priorities with MHD_USE_TLS, else NULL */
    const struct mhd_protocol *h2; /* HTTP/2 when MHD_HTTP2=1, else NULL */
    struct mhd_dauth *dauth;       /* digest authentication state */

    /* Raised while the daemon runs. */
    atomic_bool quiesced; /* MHD_quiesce_daemon */
    atomic_bool shutdown; /* MHD_stop_daemon has begun */
};

#define mhd_cfg_log(cfg, ...) mhd_log(&(cfg)->log, __VA_ARGS__)

/* True when the daemon runs its own threads (internal polling thread, pool or
 * thread per connection). */
static inline bool mhd_config_has_threads(const struct mhd_config *cfg)
{
    return (cfg->flags & MHD_USE_INTERNAL_POLLING_THREAD) != 0;
}

static inline bool mhd_config_is_tpc(const struct mhd_config *cfg)
{
    return (cfg->flags & MHD_USE_THREAD_PER_CONNECTION) != 0;
}

#endif
