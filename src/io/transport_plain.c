/* The plain-socket transport: recv, sendmsg with MSG_NOSIGNAL, and Linux
 * sendfile. */
#include "io/transport.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/fastsys.h"
#include "util/sys.h"

#ifdef HAVE_LINUX_SENDFILE
#include <sys/sendfile.h>
#endif

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

static enum mhd_io plain_recv(struct mhd_xport *x, void *buf, size_t len, size_t *got)
{
    for (;;) {
        ssize_t n = mhd_sys_recv(x->fd, buf, len, 0);
        if (n > 0) {
            *got = (size_t)n;
            return IO_DONE;
        }
        if (n == 0)
            return IO_EOF;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return IO_AGAIN;
        return IO_FAILED;
    }
}

static enum mhd_io plain_writev(struct mhd_xport *x, const struct iovec *iov, int iovcnt, bool more,
                                size_t *sent)
{
    struct msghdr msg = {0};
    msg.msg_iov = (struct iovec *)(uintptr_t)iov;
    msg.msg_iovlen = (size_t)iovcnt;
    int flags = MSG_NOSIGNAL;
#ifdef MSG_MORE
    if (more)
        flags |= MSG_MORE;
#else
    (void)more;
#endif
    for (;;) {
        ssize_t n = mhd_sys_sendmsg(x->fd, &msg, flags);
        if (n >= 0) {
            *sent = (size_t)n;
            return n > 0 ? IO_DONE : IO_AGAIN;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return IO_AGAIN;
        return IO_FAILED;
    }
}

static enum mhd_io plain_sendfile(struct mhd_xport *x, int file_fd, uint64_t *offset, size_t len,
                                  size_t *sent)
{
#ifdef HAVE_LINUX_SENDFILE
    off_t off = (off_t)*offset;
    for (;;) {
        ssize_t n = sendfile(x->fd, file_fd, &off, len);
        if (n > 0) {
            *offset = (uint64_t)off;
            *sent = (size_t)n;
            return IO_DONE;
        }
        if (n == 0) {
            /* The file is shorter than announced. */
            errno = ESPIPE;
            return IO_FAILED;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return IO_AGAIN;
        return IO_FAILED;
    }
#else
    (void)x;
    (void)file_fd;
    (void)offset;
    (void)len;
    (void)sent;
    errno = ENOSYS;
    return IO_FAILED;
#endif
}

static enum mhd_io plain_end_send(struct mhd_xport *x, bool fin)
{
    if (fin)
        (void)shutdown(x->fd, SHUT_WR);
    return IO_DONE;
}

const struct mhd_transport mhd_transport_plain = {
    .name = "plain",
    .short_read_drains = true,
    .raw_socket = true,
    .end_answered = false,
    .handshake = NULL,
    .recv = plain_recv,
    .writev = plain_writev,
    .sendfile = plain_sendfile,
    .end_send = plain_end_send,
    .release = NULL,
};
