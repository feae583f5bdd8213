/* Helpers shared by the files of src/conn; nothing outside includes this. */
#ifndef MHD_CONN_CONN_INTERNAL_H
#define MHD_CONN_CONN_INTERNAL_H

#include "config/config.h"
#include "conn/conn.h"
#include "io/transport.h"
#include "loop/worker.h"

/* What a state step tells the dispatcher. */
enum mhd_step {
    STEP_CONTINUE, /* the state changed or more can be done now */
    STEP_WAIT      /* nothing more until I/O, a resume or the next round */
};

/* Fairness. One mhd_conn_process() call moves about MHD_CONN_SHARE bytes
 * for a connection at most: every I/O call counts its bytes plus
 * MHD_CONN_STEP, and so does every request, so a client trickling tiny
 * pieces or pipelining tiny requests gets a bounded number of steps too. A
 * step that finds the share used up returns STEP_WAIT, and the connection
 * goes on in the worker's next loop iteration (DESIGN.md, "Fairness", says
 * how the numbers were chosen). */
#define MHD_CONN_SHARE ((int64_t)512 << 10)
#define MHD_CONN_STEP ((size_t)16 << 10)

/* True, and the connection scheduled for the next iteration, when this
 * round's share is used up. */
static inline bool mhd_conn_share_used(struct MHD_Connection *c)
{
    if (c->share > 0)
        return false;
    mhd_conn_schedule_next(c);
    return true;
}

/* The most bytes one I/O call should move now: what is left of the share,
 * at least a step (a single writev of a large in-memory body would
 * otherwise copy as much as the socket buffer holds, megabytes). */
static inline size_t mhd_conn_share_room(const struct MHD_Connection *c)
{
    return c->share > (int64_t)MHD_CONN_STEP ? (size_t)c->share : MHD_CONN_STEP;
}

/* Counts an I/O call that moved `bytes` (or a request: 0) against the
 * share. */
static inline void mhd_conn_charge(struct MHD_Connection *c, size_t bytes)
{
    c->share -= (int64_t)(bytes + MHD_CONN_STEP);
}

/* Moves `c` to state `s` (checked in debug builds). */
void mhd_conn_set_state(struct MHD_Connection *c, enum mhd_conn_state s);

/* The transport's handshake, before the first request (conn_recv.c). */
enum mhd_step mhd_conn_step_handshake(struct MHD_Connection *c);

/* After a receive returned IO_AGAIN: the transport waits for input, or
 * (TLS) must send something first. */
static inline void mhd_conn_recv_blocked(struct MHD_Connection *c)
{
    if (c->xp.want_write)
        c->write_ready = false;
    else
        c->read_ready = false;
}

/* Sets what the poller watches for c (MHD_POLL_IN / _OUT), registering c
 * on its first wait. False when the poller refused (conn_state.c). */
bool mhd_conn_set_interest(struct MHD_Connection *c, unsigned int want);

/* For requests whose head arrived by another protocol (HTTP/2): method and
 * target are set in c->busy->rq.head and the fields are in the value list;
 * finishes as for HTTP/1.1: the URI log callback, the method's kind, the
 * decoded path and arguments, the cookies. False when the pool cannot hold
 * them (conn_recv.c). */
bool mhd_conn_request_ready(struct MHD_Connection *c);

/* A new response with the library's own short HTML body for `status` (an
 * error it answers by itself); NULL when out of memory (conn_send.c). */
struct MHD_Response *mhd_conn_error_response(unsigned int status);

/* Receiving (conn_recv.c). */
enum mhd_io mhd_conn_fill(struct MHD_Connection *c);
enum mhd_step mhd_conn_step_head(struct MHD_Connection *c);

/* The status for a parsed request that leaves no room in the pool, named
 * after the part that takes it: 501 (method), 414 (target) or 431
 * (fields), see mhd_http_too_large(). */
unsigned int mhd_conn_too_large_status(const struct MHD_Connection *c);

/* The request body (conn_body.c). */
enum mhd_step mhd_conn_step_continue(struct MHD_Connection *c);
enum mhd_step mhd_conn_step_body(struct MHD_Connection *c);
enum mhd_step mhd_conn_step_trailers(struct MHD_Connection *c);

/* Calling the application (conn_call.c). mhd_conn_call_handler() returns
 * false when the handler refused: the connection is then closed with
 * WITH_ERROR and any response it queued is dropped. */
bool mhd_conn_call_handler(struct MHD_Connection *c, enum mhd_call_phase phase, const char *data,
                           size_t *size);
/* The two halves of it, for a call made on another thread (HTTP/2 streams
 * in thread-per-connection mode): the call itself, which touches only the
 * request, and what its result means for the connection, on the
 * connection's thread. */
enum MHD_Result mhd_conn_invoke_handler(struct MHD_Connection *c, enum mhd_call_phase phase,
                                        const char *data, size_t *size);
bool mhd_conn_handler_result(struct MHD_Connection *c, enum MHD_Result r);
enum mhd_step mhd_conn_step_first_call(struct MHD_Connection *c);
enum mhd_step mhd_conn_step_final_call(struct MHD_Connection *c);

/* Replying (conn_send.c). */
void mhd_conn_begin_reply(struct MHD_Connection *c);
enum mhd_step mhd_conn_step_send(struct MHD_Connection *c);
void mhd_conn_reply_error(struct MHD_Connection *c, unsigned int status);
bool mhd_conn_flush_staged(struct MHD_Connection *c);

/* Writes the end of a chunked body ("\r\n" after the last data when
 * `after_data`, the zero chunk, the footers, the empty line) into dst;
 * returns its length, 0 when it does not fit in `cap` (conn_head.c). */
size_t mhd_conn_put_chunk_end(struct MHD_Connection *c, char *dst, size_t cap, bool after_data);

/* Draining (conn_drain.c): an idle connection of a quiesced daemon, after
 * a read found nothing, either waits for its client to have been quiet for
 * long enough or starts a graceful close. */
enum mhd_step mhd_conn_drain_idle(struct MHD_Connection *c);

/* Closing (conn_close.c). */
enum mhd_step mhd_conn_step_linger(struct MHD_Connection *c);
void mhd_conn_close_gracefully(struct MHD_Connection *c, enum MHD_RequestTerminationCode why);
/* The request-completed callback, if the application saw the request.
 * Only while the connection holds its pool (c->busy). */
void mhd_conn_notify_completed(struct MHD_Connection *c, enum MHD_RequestTerminationCode why);

/* Upgrade (upgrade.c). mhd_conn_upgrade() hands the socket to the
 * application after the 101. mhd_conn_upgrade_resume() runs a posted request
 * for an upgraded connection: the application's close. mhd_conn_upgrade_detach()
 * cuts the application's handle from a connection that is closing (the
 * handle is freed once the application has closed it too). */
void mhd_conn_upgrade(struct MHD_Connection *c);
void mhd_conn_upgrade_resume(struct MHD_Connection *c);
void mhd_conn_upgrade_detach(struct MHD_Connection *c);

/* Resets the request state after a reply, keeping pipelined bytes. */
void mhd_conn_next_request(struct MHD_Connection *c);

static inline int mhd_conn_level(const struct MHD_Connection *c)
{
    return c->cfg->discipline;
}

static inline const struct mhd_transport *mhd_conn_tp(const struct MHD_Connection *c)
{
    return c->xp.tp;
}

#endif
