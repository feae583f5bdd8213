/* HTTP/2 (RFC 9113) on nghttp2, for unmodified libmicrohttpd programs.
 *
 * A connection that speaks HTTP/2 (the client's preface on cleartext, ALPN
 * "h2" over TLS) becomes a carrier: its bytes go through an nghttp2 server
 * session, and every stream is a request object of its own, a struct
 * MHD_Connection the application sees exactly as it sees an HTTP/1.1
 * connection (values, handler calls, queueing, suspend and resume,
 * completion). nghttp2 does the framing, HPACK and flow control; this
 * folder maps its callbacks onto the library's request semantics.
 *
 * The daemon switches HTTP/2 on with the environment variable MHD_HTTP2=1
 * (read by MHD_start_daemon); without it nothing here runs. */
#ifndef MHD_H2_H2_H
#define MHD_H2_H2_H

#include <stdbool.h>

#include "conn/conn.h"

/* True when this build has HTTP/2 (nghttp2). */
bool mhd_h2_available(void);

/* True when the environment asks for HTTP/2 (MHD_HTTP2=1). */
bool mhd_h2_wanted(void);

/* Gives back the blocks HTTP/2 keeps for reuse in the calling thread
 * (mem.c): a stopped daemon leaves nothing allocated behind in the thread
 * that stopped it. Other threads give theirs back when they exit. */
void mhd_h2_release_cache(void);

/* The protocol that takes over a connection whose client spoke HTTP/2. */
extern const struct mhd_protocol mhd_h2_protocol;

#endif
