/* Socket options applied to connections. */
#include "io/transport.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "util/sys.h"

bool mhd_socket_prepare(int fd, bool nonblocking_known)
{
    if (!nonblocking_known) {
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0)
            return false;
        if (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
            return false;
        int fdfl = fcntl(fd, F_GETFD);
        if (fdfl >= 0 && !(fdfl & FD_CLOEXEC))
            (void)fcntl(fd, F_SETFD, fdfl | FD_CLOEXEC);
    }
#if defined(SO_NOSIGPIPE)
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof(one));
#endif
    return true;
}

void mhd_socket_nodelay(int fd)
{
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

bool mhd_socket_cork(int fd, bool on)
{
#ifdef HAVE_TCP_CORK
    int v = on ? 1 : 0;
    return setsockopt(fd, IPPROTO_TCP, TCP_CORK, &v, sizeof(v)) == 0;
#else
    (void)fd;
    (void)on;
    return false;
#endif
}
