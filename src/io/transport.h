/* Transport: how bytes move on a connection.
 *
 * A connection owns one struct mhd_xport: the socket, the transport that
 * drives it (a table of functions) and that transport's per-connection
 * state. Code above src/io calls the table and never names a socket API or
 * a TLS library, so HTTP code runs unchanged on plain sockets and on TLS.
 *
 * Every step is non-blocking. A transport may need a handshake before data
 * moves and may buffer data of its own (a TLS record read whole but handed
 * out in parts); the connection learns what it waits for from the result of
 * each step and from `want_write`. */
#ifndef MHD_IO_TRANSPORT_H
#define MHD_IO_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* The outcome of every non-blocking step. */
enum mhd_io {
    IO_DONE,  /* some bytes moved (maybe fewer than asked), or the step finished */
    IO_AGAIN, /* nothing can move now; wait for the poller (see want_write) */
    IO_EOF,   /* the peer closed its sending side (receive only) */
    IO_FAILED /* the connection is broken (reset, protocol error, EPIPE...) */
};

struct mhd_transport;

/* One connection's transport. */
struct mhd_xport {
    const struct mhd_transport *tp;
    int fd;
    /* After IO_AGAIN from a handshake or a graceful end: the step waits for
     * the socket to become writable (true) or readable (false). */
    bool want_write;
    /* After IO_DONE from recv: the socket was found empty (the transport's
     * own last read from it was short), so the connection may wait for the
     * poller although the read filled what it asked for. */
    bool drained;
    void *state; /* the transport's own, NULL for plain sockets */
};

struct mhd_transport {
    const char *name;
    /* A short read (fewer bytes than asked) means the socket is drained.
     * True for plain sockets; false where the transport hands out what it
     * holds in pieces (TLS records): there only IO_AGAIN says "empty". */
    bool short_read_drains;
    /* The file descriptor itself may be given to the application after a
     * protocol upgrade; otherwise the library relays through a socketpair. */
    bool raw_socket;
    /* The peer answers our end of data with its own (TLS close_notify), so
     * a close that does not read it draws a reset from the kernel. */
    bool end_answered;
    /* Starts or continues the transport's handshake: IO_DONE when data may
     * move, IO_AGAIN (see want_write), IO_FAILED. NULL: none needed. */
    enum mhd_io (*handshake)(struct mhd_xport *x);
    /* Receives up to `len` bytes into buf; *got set on IO_DONE. */
    enum mhd_io (*recv)(struct mhd_xport *x, void *buf, size_t len, size_t *got);
    /* Sends the iovecs in order; *sent set on IO_DONE. `more` hints that
     * more data follows at once (MSG_MORE), so the kernel may coalesce.
     * After IO_AGAIN the caller offers the same bytes again (it may add
     * more behind them). */
    enum mhd_io (*writev)(struct mhd_xport *x, const struct iovec *iov, int iovcnt, bool more,
                          size_t *sent);
    /* Sends up to `len` bytes of file `file_fd` from *offset; advances it.
     * IO_FAILED with errno EINVAL/ENOSYS means "use reads instead". NULL
     * when the transport cannot send from a file (TLS encrypts in user
     * space): bodies are then read and sent in pieces. */
    enum mhd_io (*sendfile)(struct mhd_xport *x, int file_fd, uint64_t *offset, size_t len,
                            size_t *sent);
    /* Ends our sending side gracefully: the transport's own end of data
     * (TLS close_notify), and with `fin` also the socket's (FIN). IO_DONE,
     * IO_AGAIN (call again when want_write's direction is ready), or
     * IO_FAILED. */
    enum mhd_io (*end_send)(struct mhd_xport *x, bool fin);
    /* Frees the per-connection state (the socket is closed by the owner). */
    void (*release)(struct mhd_xport *x);
};

extern const struct mhd_transport mhd_transport_plain;
#ifdef MHD_HAVE_URING
/* Plain sockets whose bytes the worker's io_uring moves (loop/poller_uring.c);
 * `state` is the connection's poll item. */
extern const struct mhd_transport mhd_transport_uring;
#endif

static inline void mhd_xport_init_plain(struct mhd_xport *x, int fd)
{
    x->tp = &mhd_transport_plain;
    x->fd = fd;
    x->want_write = false;
    x->drained = false;
    x->state = NULL;
}

/* Frees whatever the transport holds for the connection. */
static inline void mhd_xport_release(struct mhd_xport *x)
{
    if (x->tp->release != NULL)
        x->tp->release(x);
    x->state = NULL;
}

/* Socket set-up shared by accepted and added connections (sockets.c):
 * non-blocking, close-on-exec, no SIGPIPE where the platform allows it. */
bool mhd_socket_prepare(int fd, bool nonblocking_known);

/* Sets TCP_NODELAY (no error if the socket is not TCP). */
void mhd_socket_nodelay(int fd);

/* Switches TCP corking on or off. */
bool mhd_socket_cork(int fd, bool on);

#endif
