/* Producing the bytes of a response body for a connection, per body kind:
 * in-memory bodies (buffer, iovec) are sent in place; file bodies go by
 * sendfile where possible; callback, pipe and file-by-reads bodies are
 * pulled one block at a time into the pool. Chunked framing is added here. */
#ifndef MHD_CONN_BODY_SOURCE_H
#define MHD_CONN_BODY_SOURCE_H

#include <stddef.h>
#include <sys/uio.h>

#include "conn/conn.h"
#include "io/transport.h"

enum mhd_body_fill {
    BODY_FILL_OK,        /* data is ready, or none is needed now */
    BODY_FILL_WAIT,      /* the reader has nothing yet: try on a later round */
    BODY_FILL_ERROR,     /* abort: close without a valid end */
    BODY_FILL_TRUNCATED  /* the body ended before its announced size */
};

/* Prepares sending after the head was built (framing pieces in the pool).
 * False when the pool cannot hold them. */
bool mhd_body_start(struct MHD_Connection *c);

/* Produces the next block of a pull body when the previous one is sent. */
enum mhd_body_fill mhd_body_fill(struct MHD_Connection *c);

/* Adds iovecs for body bytes ready to go (framing included); returns how
 * many, at most `max`. */
int mhd_body_iov(struct MHD_Connection *c, struct iovec *iov, int max);

/* Accounts `sent` bytes taken from what mhd_body_iov() offered. */
void mhd_body_advance(struct MHD_Connection *c, size_t sent);

/* Sends body bytes that do not go through iovecs (sendfile). */
enum mhd_io mhd_body_send_direct(struct MHD_Connection *c);

/* For replies that can be staged: the body's wire length (framing
 * included), or SIZE_MAX when the body is not all in memory. */
size_t mhd_body_stageable_len(const struct MHD_Connection *c);

/* Copies the whole body (framing included) to dst. */
void mhd_body_copy_all(const struct MHD_Connection *c, char *dst);

/* Ends body production (nothing to release today; the pool and the
 * response reference are handled by the caller). */
void mhd_body_stop(struct MHD_Connection *c);

#endif
