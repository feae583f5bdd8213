/* The upgrade relay between a socketpair given to the application and a
 * transport that cannot hand out its socket (relay.c). Internal to
 * src/conn. */
#ifndef MHD_CONN_RELAY_H
#define MHD_CONN_RELAY_H

#include <stdbool.h>

struct MHD_Connection;

/* Sets up the relay of an upgraded connection and returns the socket for
 * the application, or -1 (nothing is left set up then). */
int mhd_relay_start(struct MHD_Connection *c);

/* Moves what can move now and updates what the relay waits for. Worker
 * thread only; a no-op for a relay running on a thread of its own. */
void mhd_relay_run(struct MHD_Connection *c);

/* The application called CLOSE: what it wrote before is delivered, then
 * the client gets the transport's end of data. True when that is done and
 * the connection may close now; false when the relay finishes (and closes
 * the connection) on its own, within a bounded time. */
bool mhd_relay_close(struct MHD_Connection *c);

/* The application's socket, or -1 without a relay. */
int mhd_relay_app_fd(const struct MHD_Connection *c);

/* Stops the relay (joining its thread) and frees it. */
void mhd_relay_free(struct MHD_Connection *c);

#endif
