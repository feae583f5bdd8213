/* The listen socket: created, bound and listening per the options, or
 * adopted from the application (MHD_OPTION_LISTEN_SOCKET). */
#include "daemon/daemon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/sys.h"

static bool set_opt(int fd, int level, int name, int value)
{
    return setsockopt(fd, level, name, &value, sizeof(value)) == 0;
}

/* SO_REUSEADDR by default; the option asks for SO_REUSEPORT too, or for
 * nothing at all. */
static bool apply_reuse(struct MHD_Daemon *d, int fd)
{
    if (d->cfg.reuse == 0)
        return true;
    if (!set_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1)) {
        mhd_dlog(d, "setsockopt(SO_REUSEADDR) failed: %s", strerror(errno));
        return d->cfg.reuse < 0;
    }
    if (d->cfg.reuse > 0) {
#ifdef HAVE_SO_REUSEPORT
        if (!set_opt(fd, SOL_SOCKET, SO_REUSEPORT, 1)) {
            mhd_dlog(d, "setsockopt(SO_REUSEPORT) failed: %s", strerror(errno));
            return false;
        }
#else
        mhd_dlog(d, "SO_REUSEPORT is not supported here");
        return false;
#endif
    }
    return true;
}

static void default_address(struct MHD_Daemon *d, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof(*ss));
    if (d->cfg.flags & MHD_USE_IPv6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_any;
        a->sin6_port = htons(d->port);
        *len = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_ANY);
        a->sin_port = htons(d->port);
        *len = sizeof(*a);
    }
}

/* "127.0.0.1:8080", "[::1]:8080" or a UNIX socket path, for messages. */
static const char *addr_text(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
    char ip[INET6_ADDRSTRLEN];
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
        snprintf(buf, cap, "%s:%u", ip, (unsigned int)ntohs(a->sin_port));
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
        snprintf(buf, cap, "[%s]:%u", ip, (unsigned int)ntohs(a->sin6_port));
    } else if (ss->ss_family == AF_UNIX) {
        snprintf(buf, cap, "%.*s", (int)sizeof(((struct sockaddr_un *)0)->sun_path),
                 ((const struct sockaddr_un *)ss)->sun_path);
    } else {
        snprintf(buf, cap, "an address of family %d", (int)ss->ss_family);
    }
    return buf;
}

static bool set_socket_options(struct MHD_Daemon *d, int fd, int family)
{
    if (!apply_reuse(d, fd))
        return false;
    if (family == AF_INET6) {
        /* Dual stack takes IPv4 too; plain MHD_USE_IPv6 is IPv6 only. */
        int v6only = (d->cfg.flags & MHD_USE_DUAL_STACK) == MHD_USE_DUAL_STACK ? 0 : 1;
        if (!set_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, v6only) && v6only == 0) {
            mhd_dlog(d, "Cannot accept IPv4 on the IPv6 socket: %s", strerror(errno));
            return false;
        }
    }
    if (family == AF_INET || family == AF_INET6) {
        /* Accepted sockets inherit this on Linux: no setsockopt per
         * connection. */
        (void)set_opt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
        /* Accept only once the first bytes are in, so a new connection is
         * usually served by its first read without a poller round. Clients
         * that never send are accepted after the timeout all the same. */
        (void)set_opt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, 1);
#ifdef HAVE_TCP_FASTOPEN
        if ((d->cfg.flags & MHD_USE_TCP_FASTOPEN) &&
            !set_opt(fd, IPPROTO_TCP, TCP_FASTOPEN, (int)d->cfg.tfo_queue)) {
            mhd_dlog(d, "setsockopt(TCP_FASTOPEN) failed: %s", strerror(errno));
            return false;
        }
#endif
    }
    return true;
}

static bool read_back_port(struct MHD_Daemon *d)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    d->port = 0;
    if (getsockname(d->listen_fd, (struct sockaddr *)&ss, &len) != 0)
        return true;
    if (ss.ss_family == AF_INET)
        d->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    else if (ss.ss_family == AF_INET6)
        d->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return true;
}

static bool adopt(struct MHD_Daemon *d)
{
    int fd = d->cfg.listen_fd;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)) {
        mhd_dlog(d, "Cannot make the given listen socket non-blocking: %s", strerror(errno));
        return false;
    }
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    d->listen_fd = fd;
    d->listen_given = true;
    return read_back_port(d);
}

bool mhd_listen_open(struct MHD_Daemon *d)
{
    if (d->cfg.listen_fd != MHD_INVALID_SOCKET)
        return adopt(d);
    struct sockaddr_storage ss;
    socklen_t len;
    if (d->cfg.bind_addr_len) {
        memcpy(&ss, &d->cfg.bind_addr, d->cfg.bind_addr_len);
        len = d->cfg.bind_addr_len;
    } else {
        default_address(d, &ss, &len);
    }
    int family = ss.ss_family;
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        mhd_dlog(d, "Cannot create the listen socket: %s", strerror(errno));
        return false;
    }
    if (!set_socket_options(d, fd, family))
        goto fail;
    char where[160];
    if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
        int err = errno;
        mhd_dlog(d, "Cannot bind the listen socket to %s: %s%s",
                 addr_text(&ss, where, sizeof(where)), strerror(err),
                 err == EADDRINUSE ? " (another program listens on that port)" : "");
        errno = err;
        goto fail;
    }
    int backlog = d->cfg.backlog ? (int)d->cfg.backlog : SOMAXCONN;
    if (listen(fd, backlog) != 0) {
        int err = errno;
        mhd_dlog(d, "Cannot listen on %s: %s", addr_text(&ss, where, sizeof(where)),
                 strerror(err));
        errno = err;
        goto fail;
    }
    d->listen_fd = fd;
    return read_back_port(d);
fail: {
    int saved = errno;
    close(fd);
    errno = saved;
    return false;
}
}
