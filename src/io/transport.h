/* Transport: how bytes move on a connection.
 *
 * HTTP code calls these through the connection's transport table and never
 * names a socket API or a TLS library. The plain-socket transport is the
 * only one in this build; a GnuTLS transport fills the same table. */
#ifndef MHD_IO_TRANSPORT_H
#define MHD_IO_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* The outcome of every non-blocking step. */
enum mhd_io {
    IO_DONE,   /* some bytes moved (maybe fewer than asked) */
    IO_AGAIN,  /* nothing can move now; wait for the poller */
    IO_EOF,    /* the peer closed its sending side (receive only) */
    IO_FAILED  /* the connection is broken (reset, timeout, EPIPE...) */
};

struct mhd_transport {
    const char *name;
    /* Receives up to `len` bytes into buf; *got set on IO_DONE. */
    enum mhd_io (*recv)(int fd, void *buf, size_t len, size_t *got);
    /* Sends the iovecs in order; *sent set on IO_DONE. `more` hints that
     * more data follows at once (MSG_MORE), so the kernel may coalesce. */
    enum mhd_io (*writev)(int fd, const struct iovec *iov, int iovcnt, bool more, size_t *sent);
    /* Sends up to `len` bytes of file `file_fd` from *offset; advances it.
     * IO_FAILED with errno EINVAL/ENOSYS means "use reads instead". */
    enum mhd_io (*sendfile)(int fd, int file_fd, uint64_t *offset, size_t len, size_t *sent);
    /* Shuts the sending side (graceful close). */
    void (*shutdown_write)(int fd);
};

extern const struct mhd_transport mhd_transport_plain;

/* Socket set-up shared by accepted and added connections (sockets.c):
 * non-blocking, close-on-exec, no SIGPIPE where the platform allows it. */
bool mhd_socket_prepare(int fd, bool nonblocking_known);

/* Sets TCP_NODELAY (no error if the socket is not TCP). */
void mhd_socket_nodelay(int fd);

/* Switches TCP corking on or off. */
bool mhd_socket_cork(int fd, bool on);

#endif
