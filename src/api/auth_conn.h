/* The public authentication API over a connection (src/api): what the
 * MHD_basic_auth_* and MHD_digest_auth_* functions gather from a request
 * before they call the pure code of src/auth, and how a challenge is
 * queued. This folder sits above src/conn and src/auth and joins them;
 * neither of those includes anything from here. */
#ifndef MHD_API_AUTH_CONN_H
#define MHD_API_AUTH_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/auth.h"
#include "microhttpd.h"

/* What the public functions gather from a connection. `req` borrows the
 * connection's strings, so it is valid only during the public call that
 * filled it, on the connection's own thread. */
struct mhd_auth_conn {
    struct mhd_auth_request req;
    struct MHD_Connection *conn; /* for the argument walker */
};

/* Finds the value of the first Authorization header of `c` whose scheme is
 * `scheme` ("Basic" or "Digest", matched in any case), so a request that
 * carries headers of both schemes works with either. Returns false when
 * there is none (or `c` is NULL). The span points into the request. */
bool mhd_auth_conn_header(struct MHD_Connection *c, const char *scheme, const char **value,
                          size_t *len);

/* Fills `ac` for a Digest check or challenge on `c`: the Digest
 * Authorization header (NULL when absent), method, decoded path, query
 * arguments, client address, the daemon's Digest state and the time.
 * Returns false when `c` is NULL or not inside a request. */
bool mhd_auth_conn_request(struct MHD_Connection *c, struct mhd_auth_conn *ac);

/* Adds "WWW-Authenticate: <value>" to `response` and queues it on `c` with
 * status 401. Takes `value` (an mhd_alloc() string, may be NULL: then
 * MHD_NO) and frees it. MHD_NO when any argument is NULL, the header
 * cannot be added or the queueing is refused. */
enum MHD_Result mhd_auth_queue_challenge(struct MHD_Connection *c, struct MHD_Response *response,
                                         char *value);

#endif
