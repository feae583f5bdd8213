/* MHD_start_daemon: checking flags, reading options, opening the listen
 * socket and starting the workers. */
#include "daemon/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include "auth/auth.h"
#include "h2/h2.h"
#include "loop/worker.h"
#include "util/alloc.h"

/* Flag combinations the API forbids. */
static const char *invalid_flags(unsigned int f)
{
    if ((f & MHD_USE_POLL) && (f & MHD_USE_EPOLL))
        return "MHD_USE_POLL and MHD_USE_EPOLL exclude each other";
    if ((f & MHD_USE_EPOLL) && (f & MHD_USE_THREAD_PER_CONNECTION))
        return "MHD_USE_EPOLL cannot be used with MHD_USE_THREAD_PER_CONNECTION";
    if ((f & MHD_USE_AUTO) && (f & (MHD_USE_POLL | MHD_USE_EPOLL)))
        return "MHD_USE_AUTO excludes MHD_USE_POLL and MHD_USE_EPOLL";
    if ((f & MHD_USE_POLL) &&
        !(f & (MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION)))
        return "MHD_USE_POLL needs an internal thread";
    if ((f & MHD_USE_NO_THREAD_SAFETY) &&
        (f & (MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION)))
        return "MHD_USE_NO_THREAD_SAFETY cannot be used with internal threads";
    return NULL;
}

/* The flags the daemon reports as its own (MHD_DAEMON_INFO_FLAGS). */
static unsigned int implied_flags(unsigned int f)
{
    if (f & MHD_USE_THREAD_PER_CONNECTION)
        f |= MHD_USE_INTERNAL_POLLING_THREAD;
    if (f & MHD_ALLOW_UPGRADE)
        f |= MHD_ALLOW_SUSPEND_RESUME;
    if (f & MHD_USE_AUTO)
        f |= (f & MHD_USE_THREAD_PER_CONNECTION) ? MHD_USE_POLL : MHD_USE_EPOLL;
    return f;
}

static unsigned int flags_after_options(const struct MHD_Daemon *d, unsigned int f)
{
    if ((f & MHD_USE_INTERNAL_POLLING_THREAD) && (f & MHD_USE_NO_LISTEN_SOCKET))
        f |= MHD_USE_ITC;
    if ((f & MHD_USE_THREAD_PER_CONNECTION) &&
        (d->cfg.notify_completed != NULL || d->cfg.notify_connection != NULL))
        f |= MHD_USE_ITC;
    if (f & MHD_USE_NO_THREAD_SAFETY)
        f &= ~(unsigned int)MHD_USE_ITC;
    return f;
}

/* Checks that need the options. */
static const char *invalid_config(struct MHD_Daemon *d)
{
    const struct mhd_config *c = &d->cfg;
    unsigned int f = d->cfg.flags;
    bool threads = (f & MHD_USE_INTERNAL_POLLING_THREAD) != 0;
    if (c->pool_threads > 1 && (!threads || (f & MHD_USE_THREAD_PER_CONNECTION)))
        return "MHD_OPTION_THREAD_POOL_SIZE needs an internal polling thread and no thread per "
               "connection";
    if (c->listen_fd != MHD_INVALID_SOCKET && (c->bind_addr_len || (f & MHD_USE_NO_LISTEN_SOCKET)))
        return "MHD_OPTION_LISTEN_SOCKET excludes a bind address and MHD_USE_NO_LISTEN_SOCKET";
    if (c->bind_addr_len && (f & MHD_USE_NO_LISTEN_SOCKET))
        return "A bind address makes no sense with MHD_USE_NO_LISTEN_SOCKET";
    if ((f & MHD_USE_IPv6) && c->bind_addr_len && c->bind_addr.ss_family != AF_INET6)
        return "MHD_USE_IPv6 needs an IPv6 bind address";
    if (c->fd_setsize <= 0)
        return "MHD_OPTION_APP_FD_SETSIZE must be positive";
    if (!threads && !(f & MHD_USE_EPOLL) && c->fd_setsize != FD_SETSIZE)
        return "MHD_OPTION_APP_FD_SETSIZE must equal FD_SETSIZE on this platform";
    return NULL;
}

static bool start_dauth(struct MHD_Daemon *d)
{
    const struct mhd_config *c = &d->cfg;
    struct mhd_dauth_config dc = {c->dauth_random, c->dauth_random_len, c->dauth_random_copy,
                                  c->nonce_nc_size, c->dauth_bind, c->dauth_timeout,
                                  c->dauth_max_nc};
    d->cfg.dauth = mhd_dauth_create(&dc);
    return d->cfg.dauth != NULL;
}

/* Credentials, priorities and the ticket key, once for every connection;
 * the reason for a refusal is logged where it is found. */
/* HTTP/2 for this daemon when the environment asks for it (MHD_HTTP2=1):
 * the preface on cleartext, ALPN "h2" over TLS. No option and no new
 * symbol: programs get it without a rebuild. */
static void start_h2(struct MHD_Daemon *d)
{
    if (!mhd_h2_wanted())
        return;
    if (!mhd_h2_available()) {
        mhd_dlog(d, "MHD_HTTP2=1: this build has no HTTP/2 (built with HTTP2=no); serving HTTP/1.1");
        return;
    }
    d->cfg.h2 = &mhd_h2_protocol;
}

static bool start_tls(struct MHD_Daemon *d)
{
    if (!(d->cfg.flags & MHD_USE_TLS))
        return true;
    d->cfg.tls.h2 = d->cfg.h2 != NULL;
    d->cfg.tls.post_handshake_auth = (d->cfg.flags & MHD_USE_POST_HANDSHAKE_AUTH_SUPPORT) != 0;
    d->cfg.tls.early_data = (d->cfg.flags & MHD_USE_INSECURE_TLS_EARLY_DATA) != 0;
    d->cfg.tls_ctx = mhd_tls_create(&d->cfg.tls, &d->cfg.log);
    if (d->cfg.tls_ctx == NULL) {
        mhd_dlog(d, "Cannot start the daemon: its TLS set-up failed");
        errno = EINVAL;
        return false;
    }
    return true;
}

#ifdef MHD_HAVE_URING
/* Whether this process runs under a seccomp filter (or cannot tell). A
 * filter written for what libmicrohttpd calls may kill the process on a
 * system call it does not list, io_uring_setup included, where an errno
 * could have been caught: under one, the ring is not even probed. */
static bool sandboxed(void)
{
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return true;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return true;
    buf[n] = '\0';
    const char *s = strstr(buf, "\nSeccomp:");
    if (s == NULL)
        return false; /* a kernel without seccomp */
    s += strlen("\nSeccomp:");
    while (*s == ' ' || *s == '\t')
        s++;
    return *s != '0';
}

/* Whether the program runs under valgrind, which preloads its own
 * objects: its tools do not follow the kernel's writes into the ring's
 * buffers, and a thread waiting in io_uring_enter there can stall the
 * others (a test under memcheck hung). */
static bool under_valgrind(void)
{
    const char *p = getenv("LD_PRELOAD");
    return p != NULL && strstr(p, "/vgpreload_") != NULL;
}

/* io_uring for the epoll modes with internal threads, plain HTTP only;
 * MHD_IO_URING=0 in the environment keeps epoll, MHD_IO_URING=1 tries the
 * ring even under a seccomp filter or valgrind. */
static bool want_uring(const struct MHD_Daemon *d, bool threads)
{
    if (!threads || mhd_daemon_is_tpc(d) || d->cfg.tls_ctx != NULL)
        return false;
    const char *e = getenv("MHD_IO_URING");
    if (e != NULL && strcmp(e, "0") == 0)
        return false;
    return (e != NULL && strcmp(e, "1") == 0) || (!sandboxed() && !under_valgrind());
}
#endif

static const struct mhd_poller_ops *choose_poller(unsigned int f)
{
    if (f & MHD_USE_EPOLL)
        return &mhd_poller_epoll;
    if (f & MHD_USE_POLL)
        return &mhd_poller_poll;
    return &mhd_poller_select;
}

static bool start_workers(struct MHD_Daemon *d)
{
    bool threads = mhd_daemon_has_threads(d);
    unsigned int n = d->cfg.pool_threads > 1 ? d->cfg.pool_threads : 1;
    d->workers = mhd_calloc(n, sizeof(*d->workers));
    if (d->workers == NULL)
        return false;
    const struct mhd_poller_ops *ops = choose_poller(d->cfg.flags);
#ifdef MHD_HAVE_URING
    if (ops == &mhd_poller_epoll && want_uring(d, threads)) {
        /* Probe: a kernel without the features (or with io_uring disabled
         * or filtered) fails here, and the daemon runs on epoll. */
        struct mhd_poller probe;
        memset(&probe, 0, sizeof(probe));
        if (mhd_poller_init(&probe, &mhd_poller_uring)) {
            mhd_poller_deinit(&probe);
            ops = &mhd_poller_uring;
        }
    }
#endif
    enum mhd_worker_kind kind = threads ? WORKER_THREAD : WORKER_EXTERNAL;
    unsigned int limit = d->cfg.conn_limit;
    for (unsigned int i = 0; i < n; i++) {
        struct mhd_worker *w = &d->workers[i];
        /* epoll workers all wait on the listen socket (one is woken per
         * connection); with select or poll, the first worker accepts for
         * everybody. An accepting worker keeps a connection unless it is
         * busier than the least busy one, which then gets it. */
        bool accepts = ops == &mhd_poller_epoll || i == 0;
        const struct mhd_worker_ops *wops =
            mhd_daemon_is_tpc(d) && accepts ? &mhd_daemon_tpc_listener_ops : &mhd_daemon_worker_ops;
        if (!mhd_worker_init(w, &d->cfg, wops, kind, ops,
                             accepts ? d->listen_fd : MHD_INVALID_SOCKET))
            return false;
        w->distributes = n > 1;
        d->n_workers = i + 1;
        w->index = i;
        w->conn_limit = limit / n + (i < limit % n ? 1 : 0);
    }
    if (!threads)
        return true;
    for (unsigned int i = 0; i < n; i++) {
        if (!mhd_worker_start_thread(&d->workers[i]))
            return false;
    }
    return true;
}

/* A NULL access handler is refused before the options are read (the list
 * may be absent), so the application's logger is not known yet: the reason
 * goes to stderr when MHD_USE_ERROR_LOG asks for messages. */
static void refuse_no_handler(unsigned int flags)
{
    struct mhd_logger lg = {NULL, NULL, (flags & MHD_USE_ERROR_LOG) != 0};
    mhd_log(&lg, "Cannot start the daemon: no access handler (the handler argument is NULL)");
}

/* Logs a failed start step that does not log for itself. */
static bool step(struct MHD_Daemon *d, bool ok, const char *what)
{
    if (!ok)
        mhd_dlog(d, "Cannot start the daemon: %s", what);
    return ok;
}

_MHD_EXTERN struct MHD_Daemon *MHD_start_daemon_va(unsigned int flags, uint16_t port,
                                                   MHD_AcceptPolicyCallback apc, void *apc_cls,
                                                   MHD_AccessHandlerCallback dh, void *dh_cls,
                                                   va_list ap)
{
    if (dh == NULL) {
        refuse_no_handler(flags);
        return NULL;
    }
    struct mhd_logger early = {NULL, NULL, (flags & MHD_USE_ERROR_LOG) != 0};
    struct MHD_Daemon *d = mhd_calloc(1, sizeof(*d));
    if (d == NULL) {
        mhd_log(&early, "Cannot start the daemon: out of memory");
        return NULL;
    }
    d->cfg.daemon = d;
    d->cfg.flags = implied_flags(flags);
    d->port = port;
    d->apc = apc;
    d->apc_cls = apc_cls;
    d->cfg.handler = dh;
    d->cfg.handler_cls = dh_cls;
    d->cfg.log = early;
    d->listen_fd = MHD_INVALID_SOCKET;
    atomic_init(&d->cfg.quiesced, false);
    atomic_init(&d->cfg.shutdown, false);
    atomic_init(&d->next_worker, 0);
    if (!mhd_options_parse(d, ap))
        goto fail;
    /* Flags are judged once the options are read, so that the reason for a
     * refusal reaches the application's logger too. */
    const char *why = invalid_flags(flags);
    if (why == NULL) {
        d->cfg.flags = flags_after_options(d, d->cfg.flags);
        why = invalid_config(d);
    }
    if (!d->cfg.discipline_set && (d->cfg.flags & MHD_USE_PEDANTIC_CHECKS))
        d->cfg.discipline = 1;
    if (why != NULL) {
        mhd_dlog(d, "Cannot start the daemon: %s", why);
        errno = EINVAL;
        goto fail;
    }
    start_h2(d);
    if (!start_tls(d))
        goto fail;
    if (d->cfg.per_ip_limit && !step(d, mhd_iplimit_create(d), "no memory for the per-IP table"))
        goto fail;
    if (!step(d, start_dauth(d), "no memory for the Digest nonce table"))
        goto fail;
    if (!(d->cfg.flags & MHD_USE_NO_LISTEN_SOCKET) && !mhd_listen_open(d))
        goto fail;
    if (mhd_daemon_is_tpc(d) && !step(d, mhd_tpc_init(d), "cannot set up thread per connection"))
        goto fail;
    if (!start_workers(d)) {
        mhd_dlog(d, "Cannot start the daemon: its workers could not be set up");
        goto fail;
    }
    return d;
fail: {
    int saved = errno;
    mhd_daemon_free(d);
    errno = saved;
    return NULL;
}
}

_MHD_EXTERN struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port,
                                                MHD_AcceptPolicyCallback apc, void *apc_cls,
                                                MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
    if (dh == NULL) {
        refuse_no_handler(flags); /* without reading the options: the list may be absent */
        return NULL;
    }
    va_list ap;
    va_start(ap, dh_cls);
    struct MHD_Daemon *d = MHD_start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
    va_end(ap);
    return d;
}
