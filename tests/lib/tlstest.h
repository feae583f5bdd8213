/* Tests over TLS.
 *
 * With TEST_TLS=1 in the environment (tests/run.sh runs the integration
 * programs a second time so), every daemon the test library starts serves
 * HTTPS with the test credentials, libcurl talks https and verifies the
 * server against the test CA, and rs_connect() returns a socket whose far
 * end is a GnuTLS client: a proxy thread relays between it and a real TLS
 * connection to the daemon, ends included (our shutdown(SHUT_WR) becomes
 * close_notify, the server's end of data becomes end-of-file). So the same
 * test checks the same behaviour through TLS, with real TLS clients.
 *
 * The credentials are made by tests/scripts/mkcerts.sh into
 * $BUILD/tests/certs (TEST_CERTS overrides the directory). */
#ifndef MHD_TEST_TLSTEST_H
#define MHD_TEST_TLSTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when this run is over TLS (TEST_TLS=1). */
bool tt_on(void);

/* True when this run is over HTTP/2 (TEST_H2=1): the test daemons start
 * with MHD_HTTP2=1 and libcurl speaks HTTP/2 (prior knowledge, or ALPN over
 * TLS); raw sockets keep speaking HTTP/1.1 to the same daemons. */
bool th_on(void);

/* The path of credential file `name` (e.g. "ca.pem"), in static storage
 * that stays valid. */
const char *tt_path(const char *name);

/* The contents of credential file `name`, 0-terminated, loaded once and
 * kept for the process; NULL (and a message) when missing. */
const char *tt_file(const char *name);

/* Connects to 127.0.0.1:port over TLS and returns the local end of the
 * proxy's socketpair; -1 when the connection or the handshake failed.
 * `sni` names the server (NULL: none). The proxy thread ends when both
 * sides are done; tt_join_all() waits for every one still running. */
int tt_connect(uint16_t port, const char *sni);

/* The same from local address `src_ip` (a 127.x.y.z address). */
int tt_connect_from(uint16_t port, const char *src_ip);

/* What rs_connect() does in a run over TLS: like tt_connect(), except that
 * when the server ends the connection during the handshake the socket is
 * still returned, already at end-of-file, as a plain TCP client would see
 * a server that closes at once. -1 only when the TCP connect failed.
 * TT_DEBUG=1 in the environment prints why such a handshake failed. */
int tt_connect_raw(uint16_t port);

/* Waits (bounded) for every proxy thread to finish. Registered with
 * atexit() by the first tt_connect(). */
void tt_join_all(void);

#endif
